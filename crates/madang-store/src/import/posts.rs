//! Importing posts, comments and where posts were copied or moved from, and reading
//! imported threads back: a post's comments in thread order, a post's place in its thread.

use jiff::Timestamp;
use madang_core::copy_line::Transfer;

use crate::search::PostTerms;
use crate::{Result, Store, on_db, ts};

use super::pending::{Cell, Table};
use super::session::{IdTable, ImportSession, ImportTx, Imported, on_tx};

/// A post to import. The body is already sanitised HTML; `body_text` is its plain text.
#[derive(Debug, Clone)]
pub struct ImportPost<'a> {
    pub board_id: i64,
    pub thread_key: i64,
    pub parent_id: Option<i64>,
    pub reply_path: &'a str,
    pub category: &'a str,
    pub title: &'a str,
    pub body_html: &'a str,
    pub body_text: &'a str,
    /// The post's language (`ko`, `en`), when known.
    pub lang: Option<&'a str>,
    /// The search terms of the title and `body_text`, when the importer made them (it makes
    /// them on several threads); `None` makes them here.
    pub terms: Option<&'a PostTerms>,
    pub author_id: Option<i64>,
    pub author_name: &'a str,
    pub guest_password_hash: &'a str,
    pub pinned: bool,
    pub secret: bool,
    pub views: i64,
    pub links: &'a [String],
    pub created_at: Timestamp,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A comment to import. The body is already sanitised HTML.
#[derive(Debug, Clone)]
pub struct ImportComment<'a> {
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub thread_key: i64,
    pub reply_path: &'a str,
    pub author_id: Option<i64>,
    pub author_name: &'a str,
    pub guest_password_hash: &'a str,
    pub body_html: &'a str,
    pub secret: bool,
    pub created_at: Timestamp,
    pub legacy_board: &'a str,
    pub legacy_id: i64,
}

/// Where an imported post was copied or moved from.
#[derive(Debug, Clone)]
pub struct ImportProvenance<'a> {
    pub post_id: i64,
    pub transfer: Transfer,
    pub source_board_id: Option<i64>,
    pub source_board_slug: &'a str,
    pub source_post_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub at: Timestamp,
}

/// A comment as a post shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub post_id: i64,
    pub parent_id: Option<i64>,
    /// 0 for a comment on the post, 1 for a reply to it, …
    pub depth: u32,
    pub author_id: Option<i64>,
    pub author_name: String,
    /// Sanitised HTML, safe to show as is.
    pub body_html: String,
    pub secret: bool,
    pub created_at: Timestamp,
    /// Deleted comments keep their place in the thread (their replies stay readable).
    pub deleted: bool,
}

impl Store {
    /// A post's comments in thread order: comment threads in order, each followed by its
    /// replies depth-first (GnuBoard5's `wr_comment, wr_comment_reply`).
    pub async fn comments(&self, post_id: i64) -> Result<Vec<Comment>> {
        type Row = (
            i64,
            i64,
            Option<i64>,
            String,
            Option<i64>,
            String,
            String,
            bool,
            i64,
            Option<i64>,
        );
        let rows: Vec<Row> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, post_id, parent_id, reply_path, author_id, author_name, body_html,
                    secret, created_at, deleted_at
                 FROM comments WHERE post_id = $1 ORDER BY thread_key, reply_path, id",
            )
            .bind(post_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    post_id,
                    parent_id,
                    path,
                    author_id,
                    author_name,
                    body_html,
                    secret,
                    at,
                    del,
                )| {
                    Comment {
                        id,
                        post_id,
                        parent_id,
                        depth: path.chars().count() as u32,
                        author_id,
                        author_name,
                        body_html,
                        secret,
                        created_at: ts(at),
                        deleted: del.is_some(),
                    }
                },
            )
            .collect())
    }

    /// A post's parent post (for a reply) and its place in the thread: (parent id, reply
    /// path). `None` when the post does not exist.
    pub async fn post_thread(&self, post_id: i64) -> Result<Option<(Option<i64>, String)>> {
        let row: Option<(Option<i64>, Option<String>)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT parent_id, reply_path FROM posts WHERE id = $1")
                .bind(post_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(parent, path)| (parent, path.unwrap_or_default())))
    }
}

impl ImportSession {
    /// Imports a post (kind `post`), indexed for search as the store indexes new posts. The
    /// row is held back and written with others (`pending.rs`); its id is known at once.
    pub async fn import_post(&mut self, key: &str, p: &ImportPost<'_>) -> Result<Imported> {
        if let Some(id) = self.mapped("post", key).await? {
            return Ok(Imported::Existing(id));
        }
        let title = p.title.trim();
        let title = if title.is_empty() {
            "(untitled)"
        } else {
            title
        };
        let (search_title, search_body) = match p.terms {
            Some(terms) => (terms.title.clone(), terms.body.clone()),
            None => crate::search::terms_of(title, p.body_text),
        };
        let links = p
            .links
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let id = self.new_id(IdTable::Posts).await?;
        self.hold(
            Table::Posts,
            vec![
                Cell::Int(id),
                Cell::Int(p.board_id),
                Cell::Int(p.thread_key),
                Cell::OptInt(p.parent_id),
                Cell::Text(p.reply_path.to_owned()),
                Cell::Text(p.category.to_owned()),
                Cell::Text(title.to_owned()),
                Cell::Text(p.body_html.to_owned()),
                Cell::Text(p.body_text.to_owned()),
                Cell::OptInt(p.author_id),
                Cell::Text(p.author_name.to_owned()),
                Cell::Text(p.guest_password_hash.to_owned()),
                Cell::Text("published".to_owned()),
                Cell::Bool(p.pinned),
                Cell::Bool(p.secret),
                Cell::Int(p.views),
                Cell::Text(links),
                Cell::Int(p.created_at.as_second()),
                Cell::Int(p.published_at.as_second()),
                Cell::Int(p.updated_at.as_second()),
                Cell::Text(search_title),
                Cell::Text(search_body),
                Cell::Int(crate::search::SEARCH_VERSION),
                match p.lang {
                    Some(lang) => Cell::Text(lang.to_owned()),
                    None => Cell::Null,
                },
            ],
        )
        .await?;
        self.record("post", key, id).await?;
        Ok(Imported::Created(id))
    }

    /// Imports a comment (kind `comment`), held back like a post.
    pub async fn import_comment(&mut self, key: &str, c: &ImportComment<'_>) -> Result<Imported> {
        if let Some(id) = self.mapped("comment", key).await? {
            return Ok(Imported::Existing(id));
        }
        let id = self.new_id(IdTable::Comments).await?;
        self.hold(
            Table::Comments,
            vec![
                Cell::Int(id),
                Cell::Int(c.post_id),
                Cell::OptInt(c.parent_id),
                Cell::Int(c.thread_key),
                Cell::Text(c.reply_path.to_owned()),
                Cell::OptInt(c.author_id),
                Cell::Text(c.author_name.to_owned()),
                Cell::Text(c.guest_password_hash.to_owned()),
                Cell::Text(c.body_html.to_owned()),
                Cell::Bool(c.secret),
                Cell::Int(c.created_at.as_second()),
                Cell::Text(c.legacy_board.to_owned()),
                Cell::Int(c.legacy_id),
                Cell::Text(crate::search::comment_terms(c.body_html)),
                Cell::Int(crate::search::SEARCH_VERSION),
            ],
        )
        .await?;
        self.record("comment", key, id).await?;
        Ok(Imported::Created(id))
    }

    /// Records where a post came from (kind `provenance`, keyed like the post).
    pub async fn import_provenance(
        &mut self,
        key: &str,
        p: &ImportProvenance<'_>,
    ) -> Result<Imported> {
        if let Some(id) = self.mapped("provenance", key).await? {
            return Ok(Imported::Existing(id));
        }
        let (id,): (i64,) = on_tx!(self, |tx| {
            sqlx::query_as(
                "INSERT INTO post_provenance (post_id, transfer, source_board_id, source_board_slug,
                    source_post_id, actor_id, actor_name, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(p.post_id)
            .bind(p.transfer.as_str())
            .bind(p.source_board_id)
            .bind(p.source_board_slug)
            .bind(p.source_post_id)
            .bind(p.actor_id)
            .bind(p.actor_name)
            .bind(p.at.as_second())
            .fetch_one(&mut **tx)
            .await?
        });
        self.record("provenance", key, id).await?;
        Ok(Imported::Created(id))
    }
}
