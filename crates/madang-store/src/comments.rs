//! Writing and deleting comments. Reading them is `Store::comments` (import.rs), which
//! returns a post's comments in thread order.

use jiff::Timestamp;

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::editing::ActorRef;
use crate::settings::bump_generation;
use crate::{Result, Store, StoreError, on_db};

/// Deepest reply level, as in GnuBoard5 (`wr_comment_reply` holds five letters).
pub const MAX_COMMENT_DEPTH: usize = 5;
/// Longest comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;
/// Comments one member may post per minute before being asked to wait.
pub const COMMENTS_PER_MINUTE: i64 = 5;

/// A comment to save. The body is plain text, rendered as GnuBoard5 renders comments.
#[derive(Debug, Clone)]
pub struct NewComment<'a> {
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub body: &'a str,
    pub secret: bool,
}

/// Why a comment was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentRefusal {
    Empty,
    TooLong,
    TooDeep,
    TooManyReplies,
    TooFast,
}

impl Store {
    /// Saves a comment (or a reply to one) and returns its id, or says why not.
    pub async fn create_comment(
        &self,
        new: &NewComment<'_>,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<std::result::Result<i64, CommentRefusal>> {
        let text = new.body.trim();
        if text.is_empty() {
            return Ok(Err(CommentRefusal::Empty));
        }
        if text.chars().count() > MAX_COMMENT_CHARS {
            return Ok(Err(CommentRefusal::TooLong));
        }
        let html = madang_core::html::text_to_html(text);
        let search_terms = crate::search::comment_terms(&html);
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let at = now.as_second();
        // The post's row is locked first on PostgreSQL, so that two comments on one post
        // written at the same moment take their thread and path one after the other (on
        // SQLite the write transaction already does). Without it both could read the same
        // last sibling and take the same path.
        let post_sql = match self.db {
            crate::Db::Postgres(_) => {
                "SELECT id FROM posts WHERE id = $1 AND deleted_at IS NULL FOR UPDATE"
            }
            crate::Db::Sqlite(_) => "SELECT id FROM posts WHERE id = $1 AND deleted_at IS NULL",
        };
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let exists: Option<(i64,)> = sqlx::query_as(post_sql)
                .bind(new.post_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            if let Some(author) = actor.id {
                let (recent,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM comments WHERE author_id = $1 AND created_at > $2",
                )
                .bind(author)
                .bind(at - 60)
                .fetch_one(&mut *tx)
                .await?;
                if recent >= COMMENTS_PER_MINUTE {
                    return Ok(Err(CommentRefusal::TooFast));
                }
            }
            let (thread_key, reply_path) = match new.parent_id {
                None => {
                    let (next,): (i64,) = sqlx::query_as(
                        "SELECT COALESCE(MAX(thread_key), 0) + 1 FROM comments WHERE post_id = $1",
                    )
                    .bind(new.post_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    (next, String::new())
                }
                Some(parent) => {
                    let row: Option<(i64, String)> = sqlx::query_as(
                        "SELECT thread_key, reply_path FROM comments WHERE id = $1 AND post_id = $2",
                    )
                    .bind(parent)
                    .bind(new.post_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let (thread_key, parent_path) = row.ok_or(StoreError::NotFound)?;
                    if parent_path.len() >= MAX_COMMENT_DEPTH {
                        return Ok(Err(CommentRefusal::TooDeep));
                    }
                    // Replies take the next letter after their siblings', so ordering by
                    // (thread, path) lists every thread depth-first, as GnuBoard5 does.
                    let siblings: Vec<(String,)> = sqlx::query_as(
                        "SELECT reply_path FROM comments WHERE post_id = $1 AND thread_key = $2",
                    )
                    .bind(new.post_id)
                    .bind(thread_key)
                    .fetch_all(&mut *tx)
                    .await?;
                    let last = siblings
                        .iter()
                        .filter(|(p,)| {
                            p.len() == parent_path.len() + 1 && p.starts_with(&parent_path)
                        })
                        .filter_map(|(p,)| p.chars().last())
                        .max();
                    let next = match last {
                        None => 'A',
                        Some('Z') => return Ok(Err(CommentRefusal::TooManyReplies)),
                        Some(c) => char::from(c as u8 + 1),
                    };
                    (thread_key, format!("{parent_path}{next}"))
                }
            };
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO comments (post_id, parent_id, thread_key, reply_path, author_id,
                    author_name, body_html, secret, created_at, search_body, search_version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(new.post_id)
            .bind(new.parent_id)
            .bind(thread_key)
            .bind(&reply_path)
            .bind(actor.id)
            .bind(actor.name)
            .bind(&html)
            .bind(new.secret)
            .bind(at)
            .bind(&search_terms)
            .bind(crate::search::SEARCH_VERSION)
            .fetch_one(&mut *tx)
            .await?;
            let target = format!("comment:{id}");
            let detail = format!("post:{}", new.post_id);
            audit!(tx, at, who, "comment.create", &target, &detail, actor.ip);
            bump_generation!(tx);
            tx.commit().await?;
            Ok(Ok(id))
        })
    }

    /// The author of a comment of a post, if the comment exists and is not deleted.
    pub async fn comment_author(
        &self,
        post_id: i64,
        comment_id: i64,
    ) -> Result<Option<Option<i64>>> {
        let row: Option<(Option<i64>,)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT author_id FROM comments WHERE id = $1 AND post_id = $2 AND deleted_at IS NULL")
                .bind(comment_id)
                .bind(post_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(a,)| a))
    }

    /// Deletes a comment softly: it keeps its place so replies to it stay readable.
    pub async fn delete_comment(
        &self,
        comment_id: i64,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("comment:{comment_id}");
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE comments SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL",
            )
            .bind(now.as_second())
            .bind(comment_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(
                tx,
                now.as_second(),
                who,
                "comment.delete",
                &target,
                "",
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }
}
