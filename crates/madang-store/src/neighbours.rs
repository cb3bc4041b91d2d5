//! A post's neighbours: the posts before and after it in its board's list order, for the
//! post page's previous and next links.

use jiff::Timestamp;
use madang_core::{Board, ListOrder, Post};

use crate::posts::VISIBLE;
use crate::{Result, Store, on_db};

/// The posts before and after one post, in the board's list order.
#[derive(Debug, Clone, Default)]
pub struct PostNeighbours {
    pub previous: Option<(i64, String)>,
    pub next: Option<(i64, String)>,
}

impl Store {
    /// The posts before and after `post` in the board's list order.
    pub async fn neighbours(
        &self,
        board: &Board,
        post: &Post,
        now: Timestamp,
    ) -> Result<PostNeighbours> {
        // Position keys per order: the sort columns and the post's values of them.
        // "Previous" is earlier in the list. In thread order a post's place is (thread, reply
        // path, id), so a reply sits right after the post it answers.
        let thread = board.list_order == ListOrder::Thread;
        let key: i64 = match board.list_order {
            ListOrder::Thread => self.thread_key(post.id).await?,
            ListOrder::DateAsc | ListOrder::DateDesc => post.published_at.as_second(),
        };
        let (columns, values) = if thread {
            (
                ["p.thread_key", "p.reply_path", "p.id"].as_slice(),
                "$3, $5, $4",
            )
        } else {
            (["p.published_at", "p.id"].as_slice(), "$3, $4")
        };
        let ascending = !matches!(board.list_order, ListOrder::DateDesc);
        let (before_cmp, before_dir, after_cmp, after_dir) = if ascending {
            ("<", "DESC", ">", "ASC")
        } else {
            (">", "ASC", "<", "DESC")
        };
        let neighbour_sql = |cmp: &str, dir: &str| {
            let order: Vec<String> = columns.iter().map(|c| format!("{c} {dir}")).collect();
            format!(
                "SELECT p.id, p.title FROM posts p WHERE p.board_id = $1 AND {VISIBLE}
                 AND p.pinned = FALSE AND ({}) {cmp} ({values})
                 ORDER BY {} LIMIT 1",
                columns.join(", "),
                order.join(", ")
            )
        };
        let previous_sql = neighbour_sql(before_cmp, before_dir);
        let next_sql = neighbour_sql(after_cmp, after_dir);
        type Neighbour = Option<(i64, String)>;
        let path = post.reply_path.as_str();
        let (previous, next): (Neighbour, Neighbour) = on_db!(self, |pool| {
            let mut previous = sqlx::query_as(&previous_sql)
                .bind(board.id)
                .bind(now.as_second())
                .bind(key)
                .bind(post.id);
            let mut next = sqlx::query_as(&next_sql)
                .bind(board.id)
                .bind(now.as_second())
                .bind(key)
                .bind(post.id);
            if thread {
                previous = previous.bind(path);
                next = next.bind(path);
            }
            (
                previous.fetch_optional(pool).await?,
                next.fetch_optional(pool).await?,
            )
        });
        Ok(PostNeighbours { previous, next })
    }

    async fn thread_key(&self, post_id: i64) -> Result<i64> {
        let (key,): (i64,) = on_db!(self, |pool| {
            sqlx::query_as("SELECT thread_key FROM posts WHERE id = $1")
                .bind(post_id)
                .fetch_one(pool)
                .await?
        });
        Ok(key)
    }
}
