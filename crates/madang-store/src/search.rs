//! Full-text search in the database engine itself: SQLite FTS5 or PostgreSQL tsvector.
//!
//! Both are fed the same terms by `madang_core::search`, written in the same statement as
//! the post (`search_title`, `search_body`), so search never disagrees with the data.

use jiff::Timestamp;
use madang_core::search::{SearchQuery, index_terms};

use crate::{Db, Result, Store, on_db, ts};

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

/// Where to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchField {
    #[default]
    TitleAndBody,
    Title,
    Body,
}

/// A search with its filters. Only posts the reader may read are ever returned or counted:
/// published, not deleted, publication time reached, not secret, on boards whose list and
/// read levels the reader has.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    pub query: &'a SearchQuery,
    pub field: SearchField,
    pub board_id: Option<i64>,
    /// Exact author name.
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

/// One result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub post_id: i64,
    pub board_slug: String,
    pub board_title: String,
    pub title: String,
    pub body_text: String,
    pub author_name: String,
    pub published_at: Timestamp,
}

/// A page of results and how many there are in all.
#[derive(Debug, Clone)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub total: i64,
}

enum Bind {
    Int(i64),
    Text(String),
}

type HitRow = (i64, String, String, String, String, String, i64);

impl Store {
    /// Runs a search.
    pub async fn search(&self, req: &SearchRequest<'_>) -> Result<SearchResults> {
        let postgres = matches!(self.db, Db::Postgres(_));
        let mut binds: Vec<Bind> = Vec::new();
        let next = |b: Bind, binds: &mut Vec<Bind>| {
            binds.push(b);
            format!("${}", binds.len())
        };
        let (from, matching, rank) = if postgres {
            let q = next(Bind::Text(req.query.to_tsquery()), &mut binds);
            let field = match req.field {
                SearchField::TitleAndBody => String::new(),
                SearchField::Title => format!(
                    " AND to_tsvector('simple', p.search_title) @@ to_tsquery('simple', {q})"
                ),
                SearchField::Body => format!(
                    " AND to_tsvector('simple', p.search_body) @@ to_tsquery('simple', {q})"
                ),
            };
            (
                "posts p JOIN boards b ON b.id = p.board_id".to_owned(),
                format!("p.search_vector @@ to_tsquery('simple', {q}){field}"),
                format!("ts_rank_cd(p.search_vector, to_tsquery('simple', {q})) DESC"),
            )
        } else {
            let expression = match req.field {
                SearchField::TitleAndBody => req.query.to_fts5(),
                SearchField::Title => format!("search_title : ({})", req.query.to_fts5()),
                SearchField::Body => format!("search_body : ({})", req.query.to_fts5()),
            };
            let q = next(Bind::Text(expression), &mut binds);
            (
                "post_search JOIN posts p ON p.id = post_search.rowid JOIN boards b ON b.id = p.board_id".to_owned(),
                format!("post_search MATCH {q}"),
                // Title terms count four times as much as body terms.
                "bm25(post_search, 4.0, 1.0)".to_owned(),
            )
        };
        let mut filters = vec![
            matching,
            "p.status = 'published'".to_owned(),
            "p.deleted_at IS NULL".to_owned(),
            "p.secret = FALSE".to_owned(),
        ];
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
        if let Some(author) = req.author {
            filters.push(format!(
                "p.author_name = {}",
                next(Bind::Text(author.to_owned()), &mut binds)
            ));
        }
        if let Some(from) = req.from {
            filters.push(format!(
                "p.published_at >= {}",
                next(Bind::Int(from.as_second()), &mut binds)
            ));
        }
        if let Some(until) = req.until {
            filters.push(format!(
                "p.published_at < {}",
                next(Bind::Int(until.as_second()), &mut binds)
            ));
        }
        let filter_binds = binds.len();
        let order = if req.newest_first {
            "p.published_at DESC, p.id DESC".to_owned()
        } else {
            format!("{rank}, p.id DESC")
        };
        let size = i64::from(req.page_size.clamp(1, 100));
        let offset = (i64::from(req.page.max(1)) - 1) * size;
        let limit = next(Bind::Int(size), &mut binds);
        let skip = next(Bind::Int(offset), &mut binds);
        let where_clause = filters.join(" AND ");
        let count_sql = format!("SELECT COUNT(*) FROM {from} WHERE {where_clause}");
        let page_sql = format!(
            "SELECT p.id, b.slug, b.title, p.title, p.body_text, p.author_name, p.published_at
             FROM {from} WHERE {where_clause} ORDER BY {order} LIMIT {limit} OFFSET {skip}"
        );
        let (total, rows): ((i64,), Vec<HitRow>) = on_db!(self, |pool| {
            let mut count = sqlx::query_as(&count_sql);
            for bind in &binds[..filter_binds] {
                count = match bind {
                    Bind::Int(v) => count.bind(*v),
                    Bind::Text(v) => count.bind(v.as_str()),
                };
            }
            let total = count.fetch_one(pool).await?;
            let mut page = sqlx::query_as(&page_sql);
            for bind in &binds {
                page = match bind {
                    Bind::Int(v) => page.bind(*v),
                    Bind::Text(v) => page.bind(v.as_str()),
                };
            }
            (total, page.fetch_all(pool).await?)
        });
        let hits = rows
            .into_iter()
            .map(
                |(post_id, board_slug, board_title, title, body_text, author_name, at)| SearchHit {
                    post_id,
                    board_slug,
                    board_title,
                    title,
                    body_text,
                    author_name,
                    published_at: ts(at),
                },
            )
            .collect();
        Ok(SearchResults {
            hits,
            total: total.0,
        })
    }

    /// Re-computes search terms for posts made by an older tokenizer (or all posts, with
    /// `all`), in batches, calling `progress(done, total)` after each. Returns how many.
    pub async fn reindex(&self, all: bool, mut progress: impl FnMut(u64, u64)) -> Result<u64> {
        let (total,): (i64,) = on_db!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM posts WHERE search_version <> $1 OR $2")
                .bind(SEARCH_VERSION)
                .bind(all)
                .fetch_one(pool)
                .await?
        });
        let total = total.max(0) as u64;
        let mut done = 0u64;
        let mut after = 0i64;
        loop {
            let batch: Vec<(i64, String, String)> = on_db!(self, |pool| {
                sqlx::query_as(
                    "SELECT id, title, body_text FROM posts
                     WHERE id > $1 AND (search_version <> $2 OR $3) ORDER BY id LIMIT 500",
                )
                .bind(after)
                .bind(SEARCH_VERSION)
                .bind(all)
                .fetch_all(pool)
                .await?
            });
            let Some(last) = batch.last() else { break };
            after = last.0;
            on_db!(self, |pool| {
                let mut tx = pool.begin().await?;
                for (id, title, body_text) in &batch {
                    let (title_terms, body_terms) = terms_of(title, body_text);
                    sqlx::query("UPDATE posts SET search_title = $1, search_body = $2, search_version = $3 WHERE id = $4")
                        .bind(&title_terms)
                        .bind(&body_terms)
                        .bind(SEARCH_VERSION)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            });
            done += batch.len() as u64;
            progress(done, total);
        }
        Ok(done)
    }
}
