//! Replies to posts (GnuBoard5's 답변): writing one into its parent's thread, who began a
//! thread (for secret replies), and how many live replies a post has (a post with replies
//! is not deleted). The rules — reply paths, limits, secrecy — are `madang_core::replies`.

use jiff::Timestamp;
use madang_core::NewPost;
use madang_core::replies::ReplyRefusal;

use crate::publishing::PostOptions;
use crate::{Result, Store, on_db};

/// How many replies to `$post_id` are not deleted, inside the caller's transaction.
macro_rules! live_replies_in_tx {
    ($tx:expr, $post_id:expr) => {{
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM posts WHERE parent_id = $1 AND deleted_at IS NULL",
        )
        .bind($post_id)
        .fetch_one(&mut *$tx)
        .await?;
        u64::try_from(count).unwrap_or(0)
    }};
}
pub(crate) use live_replies_in_tx;

impl Store {
    /// [`Store::write_post`] for a reply to `parent_id` (GnuBoard5's 답변), in one
    /// transaction: the reply joins the parent's thread with the next free reply path under
    /// it (`madang_core::replies`), and is secret when the parent is. The parent must be a
    /// published, visible post of the same board, else [`StoreError::NotFound`]; a thread
    /// too deep or a post with too many replies gives [`StoreError::Reply`] and saves
    /// nothing. On PostgreSQL the parent's row is locked while the path is chosen (on SQLite
    /// a writing transaction holds the database's write lock), so two replies written at
    /// once never get the same path.
    pub async fn write_reply(
        &self,
        board_id: i64,
        parent_id: i64,
        new: &NewPost,
        options: &PostOptions,
        files: &[crate::NewAttachment<'_>],
        now: Timestamp,
    ) -> Result<i64> {
        let ids = self
            .insert_posts(
                board_id,
                &[(new, files)],
                options,
                None,
                Some(parent_id),
                now,
            )
            .await?;
        Ok(ids[0])
    }

    /// The author of the first post of the thread `post_id` belongs to (GnuBoard5 lets them
    /// read the thread's secret replies). For a thread's first post, its own author.
    /// Imported sites can hold two threads under one key (GnuBoard5's duplicate `wr_num`):
    /// the nearest first post before the reply is its thread's, as the importer decided.
    pub async fn thread_author(&self, post_id: i64) -> Result<Option<i64>> {
        let row: Option<(Option<i64>,)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT r.author_id FROM posts p JOIN posts r
                   ON r.board_id = p.board_id AND r.thread_key = p.thread_key
                  AND COALESCE(r.reply_path, '') = '' AND r.id <= p.id
                 WHERE p.id = $1 ORDER BY r.id DESC LIMIT 1",
            )
            .bind(post_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.and_then(|(author,)| author))
    }

    /// Where a reply to `parent_id` would go now, or why it cannot go anywhere: for the
    /// reply form, which refuses at once rather than after the reply is typed. The path is
    /// chosen again, under the parent's lock, when the reply is saved.
    pub async fn reply_place(
        &self,
        parent_id: i64,
    ) -> Result<std::result::Result<String, ReplyRefusal>> {
        let taken: Vec<(Option<String>, String)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT t.reply_path, COALESCE(p.reply_path, '') FROM posts p JOIN posts t
                   ON t.board_id = p.board_id AND t.thread_key = p.thread_key
                 WHERE p.id = $1",
            )
            .bind(parent_id)
            .fetch_all(pool)
            .await?
        });
        let parent = taken
            .first()
            .map(|(_, parent)| parent.as_str())
            .ok_or(crate::StoreError::NotFound)?;
        Ok(madang_core::replies::next_reply_path(
            parent,
            taken.iter().filter_map(|(path, _)| path.as_deref()),
        ))
    }
}
