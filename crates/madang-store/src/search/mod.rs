//! Full-text search in the database engine itself: SQLite FTS5 or PostgreSQL tsvector.
//!
//! Both are fed the same terms by `madang_core::search`, written in the same statement as
//! the post (`search_title`, `search_body`), so search never disagrees with the data.

use jiff::Timestamp;
use madang_core::search::{SearchQuery, index_terms};

use crate::{Db, Result, Store, on_db, ts};

mod reindex;
mod targets;

use targets::{postgres_target, sqlite_target, weighted_tsquery};

/// The version of the terms `madang_core::search` makes. Bump it when the tokenizer
/// changes; rows with an older version are re-indexed at start-up or by `madang reindex`.
pub const SEARCH_VERSION: i64 = 1;

/// The search terms of a post: (title terms, body terms).
pub(crate) fn terms_of(title: &str, body_text: &str) -> (String, String) {
    (
        index_terms(title).join(" "),
        index_terms(body_text).join(" "),
    )
}

/// The search terms of a comment, from its (sanitised) HTML.
pub(crate) fn comment_terms(body_html: &str) -> String {
    index_terms(&madang_core::text::plain_text(body_html)).join(" ")
}

/// The search terms of a post, made ahead of writing it: an import makes them for many
/// posts on several threads (see [`crate::ImportPost::terms`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostTerms {
    pub title: String,
    pub body: String,
}

impl PostTerms {
    /// The terms of a post's title (as written; trimmed, or `(untitled)` when empty, as
    /// the store keeps it) and plain text.
    pub fn of(title: &str, body_text: &str) -> PostTerms {
        let title = match title.trim() {
            "" => "(untitled)",
            t => t,
        };
        let (title, body) = terms_of(title, body_text);
        PostTerms { title, body }
    }
}

/// Where to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchField {
    #[default]
    TitleAndBody,
    Title,
    Body,
    /// Comments instead of posts: each result is a comment, under its post's title.
    Comments,
}

/// A search with its filters. Only posts the reader may read are ever returned or counted:
/// published, not deleted, publication time reached, not secret, on boards whose list and
/// read levels the reader has; and only comments on such posts, neither deleted nor secret.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    pub query: &'a SearchQuery,
    pub field: SearchField,
    pub board_id: Option<i64>,
    /// Exact category name (a post's; for comments, their post's).
    pub category: Option<&'a str>,
    /// Exact author name (for comments, the comment's author).
    pub author: Option<&'a str>,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Newest first instead of best match first.
    pub newest_first: bool,
    pub reader_level: i64,
    pub reader_is_super_admin: bool,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
    pub now: Timestamp,
}

impl<'a> SearchRequest<'a> {
    /// A search of titles and text with no filter, as a guest (level 1) would make it,
    /// best match first, the first page of 20; change fields from there.
    pub fn new(query: &'a SearchQuery, now: Timestamp) -> SearchRequest<'a> {
        SearchRequest {
            query,
            field: SearchField::TitleAndBody,
            board_id: None,
            category: None,
            author: None,
            from: None,
            until: None,
            newest_first: false,
            reader_level: 1,
            reader_is_super_admin: false,
            page: 1,
            page_size: 20,
            now,
        }
    }
}

/// One result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub post_id: i64,
    /// Set when the result is a comment of the post ([`SearchField::Comments`]); then
    /// `body_text`, `author_name` and `published_at` are the comment's.
    pub comment_id: Option<i64>,
    pub board_slug: String,
    pub board_title: String,
    pub title: String,
    pub body_text: String,
    pub author_name: String,
    pub published_at: Timestamp,
}

/// A page of results and how many there are.
#[derive(Debug, Clone)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// How many posts matched; a lower bound when `more` is set.
    pub total: i64,
    /// More than [`SEARCH_WINDOW`] posts matched: results are the best among the newest
    /// [`SEARCH_WINDOW`] matches.
    pub more: bool,
}

/// How many of the newest matches are ranked. A word found in most posts (북한 on a North
/// Korea site) would otherwise make every search rank the whole archive; this bounds the
/// cost of any query while ranking rare words over everything. Full-text engines of the
/// web do the same with impact-ordered cut-offs; GnuBoard5 scans windows of 10,000 posts.
pub const SEARCH_WINDOW: usize = 500;

enum Bind {
    Int(i64),
    Text(String),
}

type HitRow = (i64, String, String, String, String, String, i64);
type CommentHitRow = (i64, i64, String, String, String, String, String, i64);
/// `$1, $2, …` for `n` bound values.
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `hits` in the order of `ids`.
fn in_order(
    mut hits: Vec<SearchHit>,
    ids: &[i64],
    id: impl Fn(&SearchHit) -> i64,
) -> Vec<SearchHit> {
    hits.sort_by_key(|h| ids.iter().position(|i| *i == id(h)));
    hits
}
impl Store {
    /// Runs a search: the newest [`SEARCH_WINDOW`] matching posts (or comments) the reader
    /// may read are found through the engine's index, ranked (or kept newest first), and
    /// one page of them is returned.
    pub async fn search(&self, req: &SearchRequest<'_>) -> Result<SearchResults> {
        let postgres = matches!(self.db, Db::Postgres(_));
        let comments = req.field == SearchField::Comments;
        if !self.may_match(req).await? {
            return Ok(SearchResults {
                hits: Vec::new(),
                total: 0,
                more: false,
            });
        }
        let mut binds: Vec<Bind> = vec![Bind::Text(String::new())];
        let next = |b: Bind, binds: &mut Vec<Bind>| {
            binds.push(b);
            format!("${}", binds.len())
        };
        let (target, expression) = if postgres {
            postgres_target(req.field, req.query, "$1")
        } else {
            sqlite_target(req.field, req.query, "$1")
        };
        binds[0] = Bind::Text(expression);
        let mut filters = vec![
            target.matching.clone(),
            "p.status = 'published'".to_owned(),
            "p.deleted_at IS NULL".to_owned(),
            "p.secret = FALSE".to_owned(),
        ];
        filters.extend(target.own.iter().map(|c| (*c).to_owned()));
        let now = next(Bind::Int(req.now.as_second()), &mut binds);
        filters.push(format!("p.published_at <= {now}"));
        if !req.reader_is_super_admin {
            let level = next(Bind::Int(req.reader_level), &mut binds);
            filters.push(format!(
                "b.level_list <= {level} AND b.level_read <= {level}"
            ));
        }
        if let Some(board) = req.board_id {
            filters.push(format!(
                "p.board_id = {}",
                next(Bind::Int(board), &mut binds)
            ));
        }
        if let Some(category) = req.category {
            filters.push(format!(
                "p.category = {}",
                next(Bind::Text(category.to_owned()), &mut binds)
            ));
        }
        if let Some(author) = req.author {
            filters.push(format!(
                "{} = {}",
                target.author,
                next(Bind::Text(author.to_owned()), &mut binds)
            ));
        }
        if let Some(from) = req.from {
            filters.push(format!(
                "{} >= {}",
                target.time,
                next(Bind::Int(from.as_second()), &mut binds)
            ));
        }
        if let Some(until) = req.until {
            filters.push(format!(
                "{} < {}",
                target.time,
                next(Bind::Int(until.as_second()), &mut binds)
            ));
        }
        let window = next(Bind::Int(SEARCH_WINDOW as i64 + 1), &mut binds);
        // Newest matches first through the index (ids grow with time), with every filter
        // applied, so the window holds only what the reader may see.
        let (id, time, from, newest, score) = (
            target.id,
            target.time,
            &target.from,
            target.newest,
            &target.score,
        );
        let window_sql = if postgres {
            // PostgreSQL ranks only the window's rows: ranking every match first (each a
            // large tsvector to read) made common words cost seconds.
            let table = if comments { "comments" } else { "posts" };
            format!(
                "SELECT w.id, {score}, w.at FROM (SELECT {id} AS id, {time} AS at FROM {from}
                 WHERE {} ORDER BY {newest} LIMIT {window}) w JOIN {table} r ON r.id = w.id
                 ORDER BY w.id DESC",
                filters.join(" AND ")
            )
        } else {
            format!(
                "SELECT {id}, {score}, {time} FROM {from} WHERE {} ORDER BY {newest} LIMIT {window}",
                filters.join(" AND ")
            )
        };
        let mut matches: Vec<(i64, f64, i64)> = on_db!(self, |pool| {
            // On PostgreSQL a statement kept prepared on its connection is planned once
            // for any query text after five runs (a "generic plan"), which cannot know
            // that 북한 is in half the posts and "탈북 북민" in few: it read every match
            // of a common word, 83 ms instead of 7. An unnamed statement is planned with
            // its values each time (planning takes about 1 ms). SQLite's plan is the
            // same for every query text, so it stays prepared.
            let mut query = sqlx::query_as(&window_sql).persistent(!postgres);
            for bind in &binds {
                query = match bind {
                    Bind::Int(v) => query.bind(*v),
                    Bind::Text(v) => query.bind(v.as_str()),
                };
            }
            query.fetch_all(pool).await?
        });
        let more = matches.len() > SEARCH_WINDOW;
        matches.truncate(SEARCH_WINDOW);
        if req.newest_first {
            matches.sort_by(|a, b| b.2.cmp(&a.2).then(b.0.cmp(&a.0)));
        } else {
            // Best first; ties newest first. The sort is stable over the id order.
            matches.sort_by(|a, b| a.1.total_cmp(&b.1));
        }
        let size = req.page_size.clamp(1, 100) as usize;
        let skip = (req.page.max(1) as usize - 1).saturating_mul(size);
        let page_ids: Vec<i64> = matches
            .iter()
            .skip(skip)
            .take(size)
            .map(|(id, _, _)| *id)
            .collect();
        let hits = if comments {
            self.comment_hits(&page_ids).await?
        } else {
            self.hits(&page_ids).await?
        };
        Ok(SearchResults {
            hits,
            total: matches.len() as i64,
            more,
        })
    }

    /// Whether anything may match: `false` when no post (or comment) holds one term of
    /// each phrase of the query (see `SearchQuery::to_fts5_superset`), answered from the
    /// index alone. Only asked for queries of several groups, where the engines' own walk
    /// can be long: FTS5 checks phrases' positions on the way, and PostgreSQL's planner
    /// takes two common words for independent and walks the posts newest first.
    async fn may_match(&self, req: &SearchRequest<'_>) -> Result<bool> {
        match &self.db {
            Db::Sqlite(pool) => {
                let Some(superset) = req.query.to_fts5_superset() else {
                    return Ok(true);
                };
                let (table, superset) = match req.field {
                    SearchField::TitleAndBody => ("post_search", superset),
                    SearchField::Title => ("post_search", format!("search_title : ({superset})")),
                    SearchField::Body => ("post_search", format!("search_body : ({superset})")),
                    SearchField::Comments => ("comment_search", superset),
                };
                let any: Option<(i64,)> = sqlx::query_as(&format!(
                    "SELECT rowid FROM {table} WHERE {table} MATCH $1 LIMIT 1"
                ))
                .bind(&superset)
                .fetch_optional(pool)
                .await?;
                Ok(any.is_some())
            }
            Db::Postgres(pool) => {
                let Some(superset) = req.query.to_tsquery_superset() else {
                    return Ok(true);
                };
                let (table, superset) = match req.field {
                    SearchField::TitleAndBody => ("posts", superset),
                    SearchField::Title => ("posts", weighted_tsquery(&superset, 'A')),
                    SearchField::Body => ("posts", weighted_tsquery(&superset, 'B')),
                    SearchField::Comments => ("comments", superset),
                };
                // The GIN index, and only it: a bitmap of the matching rows is made from
                // the index's lists, and the first row of it read.
                let mut tx = pool.begin().await?;
                sqlx::query("SET LOCAL enable_seqscan = off")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("SET LOCAL enable_indexscan = off")
                    .execute(&mut *tx)
                    .await?;
                let any: Option<(i32,)> = sqlx::query_as(&format!(
                    "SELECT 1 FROM {table} WHERE search_vector @@ to_tsquery('simple', $1) LIMIT 1"
                ))
                .bind(&superset)
                .fetch_optional(&mut *tx)
                .await?;
                tx.rollback().await?;
                Ok(any.is_some())
            }
        }
    }

    /// The results for these post ids, in this order.
    async fn hits(&self, ids: &[i64]) -> Result<Vec<SearchHit>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT p.id, b.slug, b.title, p.title, p.body_text, p.author_name, p.published_at
             FROM posts p JOIN boards b ON b.id = p.board_id WHERE p.id IN ({})",
            placeholders(ids.len())
        );
        let rows: Vec<HitRow> = on_db!(self, |pool| {
            let mut query = sqlx::query_as(&sql);
            for id in ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        });
        let hits = rows
            .into_iter()
            .map(
                |(post_id, board_slug, board_title, title, body_text, author_name, at)| SearchHit {
                    post_id,
                    comment_id: None,
                    board_slug,
                    board_title,
                    title,
                    body_text,
                    author_name,
                    published_at: ts(at),
                },
            )
            .collect();
        Ok(in_order(hits, ids, |h| h.post_id))
    }

    /// The results for these comment ids, in this order: each under its post's title.
    async fn comment_hits(&self, ids: &[i64]) -> Result<Vec<SearchHit>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT c.id, p.id, b.slug, b.title, p.title, c.body_html, c.author_name, c.created_at
             FROM comments c JOIN posts p ON p.id = c.post_id JOIN boards b ON b.id = p.board_id
             WHERE c.id IN ({})",
            placeholders(ids.len())
        );
        let rows: Vec<CommentHitRow> = on_db!(self, |pool| {
            let mut query = sqlx::query_as(&sql);
            for id in ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        });
        let hits = rows
            .into_iter()
            .map(
                |(comment_id, post_id, board_slug, board_title, title, html, author_name, at)| {
                    SearchHit {
                        post_id,
                        comment_id: Some(comment_id),
                        board_slug,
                        board_title,
                        title,
                        body_text: madang_core::text::plain_text(&html),
                        author_name,
                        published_at: ts(at),
                    }
                },
            )
            .collect();
        Ok(in_order(hits, ids, |h| h.comment_id.unwrap_or_default()))
    }
}
