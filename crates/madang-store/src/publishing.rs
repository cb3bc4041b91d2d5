//! Drafts, scheduled posts and post categories: what the write form decides besides the
//! content (the rules are in `madang_core::publishing` and `madang_core::categories`).
//!
//! A draft or scheduled post is in no list, feed, sitemap, search or home page: they all
//! read [`crate::posts::VISIBLE`] rows. Staff who may edit one find it on the drafts page
//! ([`Store::unpublished_posts`]) and open it through [`Store::post_for_staff`].

use jiff::Timestamp;
use madang_core::PostStatus;
use madang_core::publishing::{PostState, Publishing};

use crate::BeginWrite;
use crate::editing::ActorRef;
use crate::settings::bump_generation;
use crate::{Result, Store, StoreError, on_db, ts};

/// What a new post is besides its content: draft or published (its time is
/// `NewPost::published_at`), and its category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostOptions {
    pub status: PostStatus,
    /// Empty for none; the caller checked it against the board's list.
    pub category: String,
    /// Tokens of files the author dropped into the editor (`madang_core::staging`), to
    /// claim as the post's attachments in the same transaction.
    pub staged: Vec<String>,
}

impl Default for PostOptions {
    /// Published, no category: what every post was before drafts.
    fn default() -> Self {
        PostOptions {
            status: PostStatus::Published,
            category: String::new(),
            staged: Vec::new(),
        }
    }
}

/// What an edit changes besides the content: status and time, and category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub publishing: Publishing,
    /// Empty for none; the caller checked it against the board's list.
    pub category: String,
}

/// A draft or scheduled post, as the drafts page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpublished {
    pub id: i64,
    pub board_id: i64,
    pub title: String,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub status: PostStatus,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
    pub category: String,
}

/// Whose unpublished posts to list: every board's (`all`), or those on `boards` and those
/// by `author`; optionally on one board only.
#[derive(Debug, Clone, Default)]
pub struct DraftScope<'a> {
    pub all: bool,
    pub boards: &'a [i64],
    pub author: Option<i64>,
    pub board: Option<i64>,
}

/// How the audit log names a state and time.
pub(crate) fn describe(state: PostState, at: Timestamp) -> String {
    match state {
        PostState::Draft => "draft".to_owned(),
        _ => format!("{} {at}", state.as_str()),
    }
}

/// The audit action for a post that moves into `after`.
pub(crate) fn action_for(before: PostState, after: PostState) -> &'static str {
    match after {
        PostState::Published => "post.publish",
        PostState::Scheduled => "post.schedule",
        PostState::Draft if before == PostState::Draft => "post.draft",
        PostState::Draft => "post.unpublish",
    }
}

/// Applies `$publishing` (an `Option<Publishing>`) and `$category` (an `Option<&str>`) to a
/// live post inside the caller's transaction, with one audit line per change (before and
/// after). A draft that is published (or scheduled) sorts as its board's newest thread and
/// counts in the board's posts; a post taken back to draft leaves the count.
macro_rules! place_in_tx {
    ($tx:expr, $post_id:expr, $publishing:expr, $category:expr, $actor:expr, $now:expr) => {{
        let post_id: i64 = $post_id;
        let publishing: Option<madang_core::publishing::Publishing> = $publishing;
        let category: Option<&str> = $category;
        let actor: $crate::ActorRef<'_> = $actor;
        let now: jiff::Timestamp = $now;
        let who = $crate::audit::Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("post:{post_id}");
        let row: Option<(i64, String, i64, String, String)> = sqlx::query_as(
            "SELECT board_id, status, published_at, category, title FROM posts
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(post_id)
        .fetch_optional(&mut *$tx)
        .await?;
        let (board_id, status, published_at, old_category, title) =
            row.ok_or($crate::StoreError::NotFound)?;
        let old_status =
            madang_core::PostStatus::parse(&status).unwrap_or(madang_core::PostStatus::Draft);
        let old_at = $crate::ts(published_at);
        let mut changed = false;
        if let Some(p) = publishing
            && (p.status != old_status || p.published_at != old_at)
        {
            changed = true;
            let before = madang_core::publishing::PostState::of(old_status, old_at, now);
            let after = p.state(now);
            let out_of_draft = old_status == madang_core::PostStatus::Draft
                && p.status == madang_core::PostStatus::Published;
            // `updated_at` = now: the scheduler announces only posts changed before their
            // time, so a post published now is announced here, once.
            // A thread's first post becomes the newest thread, its replies with it; a
            // reply keeps its place in its thread.
            if out_of_draft {
                let (thread_key, path): (i64, Option<String>) =
                    sqlx::query_as("SELECT thread_key, reply_path FROM posts WHERE id = $1")
                        .bind(post_id)
                        .fetch_one(&mut *$tx)
                        .await?;
                if path.as_deref().unwrap_or("").is_empty() {
                    let (newest,): (i64,) = sqlx::query_as(
                        "SELECT COALESCE(MIN(thread_key), 0) - 1 FROM posts WHERE board_id = $1",
                    )
                    .bind(board_id)
                    .fetch_one(&mut *$tx)
                    .await?;
                    sqlx::query(
                        "UPDATE posts SET thread_key = $1 WHERE board_id = $2 AND thread_key = $3",
                    )
                    .bind(newest)
                    .bind(board_id)
                    .bind(thread_key)
                    .execute(&mut *$tx)
                    .await?;
                }
            }
            sqlx::query(
                "UPDATE posts SET status = $1, published_at = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(p.status.as_str())
            .bind(p.published_at.as_second())
            .bind(now.as_second())
            .bind(post_id)
            .execute(&mut *$tx)
            .await?;
            let delta: i64 = match (old_status, p.status) {
                (madang_core::PostStatus::Draft, madang_core::PostStatus::Published) => 1,
                (madang_core::PostStatus::Published, madang_core::PostStatus::Draft) => -1,
                _ => 0,
            };
            if delta != 0 {
                sqlx::query("UPDATE boards SET post_count = post_count + $1 WHERE id = $2")
                    .bind(delta)
                    .bind(board_id)
                    .execute(&mut *$tx)
                    .await?;
            }
            let detail = format!(
                "{title}: {} → {}",
                $crate::publishing::describe(before, old_at),
                $crate::publishing::describe(after, p.published_at)
            );
            $crate::audit::audit!(
                $tx,
                now.as_second(),
                who,
                $crate::publishing::action_for(before, after),
                &target,
                &detail,
                actor.ip
            );
        }
        if let Some(category) = category
            && category != old_category
        {
            changed = true;
            sqlx::query("UPDATE posts SET category = $1 WHERE id = $2")
                .bind(category)
                .bind(post_id)
                .execute(&mut *$tx)
                .await?;
            let detail = format!("{title}: {old_category:?} → {category:?}");
            $crate::audit::audit!(
                $tx,
                now.as_second(),
                who,
                "post.category",
                &target,
                &detail,
                actor.ip
            );
        }
        changed
    }};
}
pub(crate) use place_in_tx;

#[derive(sqlx::FromRow)]
struct UnpublishedRow {
    id: i64,
    board_id: i64,
    title: String,
    author_id: Option<i64>,
    author_name: String,
    status: String,
    published_at: i64,
    updated_at: i64,
    category: String,
}

/// Most posts the drafts page lists.
pub const MAX_UNPUBLISHED: i64 = 500;

impl Store {
    /// Publishes a draft or scheduled post now (the post page's "Publish now"), audited.
    pub async fn publish_now(
        &self,
        post_id: i64,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let publishing = Publishing {
            status: PostStatus::Published,
            published_at: now,
        };
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: Option<(String, i64)> = sqlx::query_as(
                "SELECT status, published_at FROM posts WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(post_id)
            .fetch_optional(&mut *tx)
            .await?;
            let (status, at) = row.ok_or(StoreError::NotFound)?;
            let state = PostState::of(
                PostStatus::parse(&status).unwrap_or(PostStatus::Draft),
                ts(at),
                now,
            );
            if state.is_public() {
                return Err(StoreError::Invalid("this post is published already".into()));
            }
            place_in_tx!(tx, post_id, Some(publishing), None, actor, now);
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Drafts and scheduled posts in `scope`, most recently changed first (at most
    /// [`MAX_UNPUBLISHED`]). Whether the viewer may edit each is the caller's check.
    pub async fn unpublished_posts(
        &self,
        scope: &DraftScope<'_>,
        now: Timestamp,
    ) -> Result<Vec<Unpublished>> {
        if !scope.all && scope.boards.is_empty() && scope.author.is_none() {
            return Ok(Vec::new());
        }
        // $1 now, $2 the limit, $3 the one board (or NULL), $4 the author (or NULL), then
        // the boards.
        // Every bound parameter appears in the statement (SQLite refuses one that does not).
        let bound: &[i64] = if scope.all { &[] } else { scope.boards };
        let boards: Vec<String> = (0..bound.len()).map(|i| format!("${}", i + 5)).collect();
        let whose = if scope.all {
            "(p.author_id = $4 OR TRUE)".to_owned()
        } else if boards.is_empty() {
            "p.author_id = $4".to_owned()
        } else {
            format!(
                "(p.author_id = $4 OR p.board_id IN ({}))",
                boards.join(", ")
            )
        };
        let columns = "p.id, p.board_id, p.title, p.author_id, p.author_name, p.status, \
            p.published_at, p.updated_at, p.category";
        let on_board = "($3 IS NULL OR p.board_id = $3)";
        let sql = format!(
            "SELECT * FROM (
                 SELECT {columns} FROM posts p
                 WHERE p.status = 'draft' AND p.deleted_at IS NULL AND {on_board} AND {whose}
                 UNION ALL
                 SELECT {columns} FROM posts p
                 WHERE p.status = 'published' AND p.published_at > $1 AND p.deleted_at IS NULL
                   AND {on_board} AND {whose}
             ) unpublished ORDER BY updated_at DESC, id DESC LIMIT $2"
        );
        let rows: Vec<UnpublishedRow> = on_db!(self, |pool| {
            let mut query = sqlx::query_as(&sql)
                .bind(now.as_second())
                .bind(MAX_UNPUBLISHED)
                .bind(scope.board)
                .bind(scope.author);
            for board in bound {
                query = query.bind(*board);
            }
            query.fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|r| Unpublished {
                id: r.id,
                board_id: r.board_id,
                title: r.title,
                author_id: r.author_id,
                author_name: r.author_name,
                status: PostStatus::parse(&r.status).unwrap_or(PostStatus::Draft),
                published_at: ts(r.published_at),
                updated_at: ts(r.updated_at),
                category: r.category,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_actions_name_the_new_state() {
        use PostState::*;
        assert_eq!(action_for(Draft, Published), "post.publish");
        assert_eq!(action_for(Scheduled, Published), "post.publish");
        assert_eq!(action_for(Draft, Scheduled), "post.schedule");
        assert_eq!(action_for(Scheduled, Scheduled), "post.schedule");
        assert_eq!(action_for(Published, Draft), "post.unpublish");
        assert_eq!(action_for(Scheduled, Draft), "post.unpublish");
        assert_eq!(action_for(Draft, Draft), "post.draft");
        let at: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        assert_eq!(describe(Draft, at), "draft");
        assert_eq!(describe(Scheduled, at), "scheduled 2026-12-01T00:00:00Z");
    }
}
