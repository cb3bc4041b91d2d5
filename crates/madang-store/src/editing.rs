//! Staff edits: changing, pinning, deleting and restoring posts. Every change is audited
//! and an edit keeps the previous version as a revision.

use jiff::Timestamp;
use madang_core::{Post, PostBody};

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::settings::bump_generation;
use crate::{Result, Store, StoreError, on_db};

/// How long a deleted post can be restored.
pub const RESTORE_DAYS: i64 = 30;

/// A change to a post's content.
#[derive(Debug, Clone)]
pub struct PostEdit {
    pub title: String,
    pub body: PostBody,
    pub secret: bool,
    pub links: Vec<String>,
    /// Tokens of files the editor dropped into the body (`madang_core::staging`), to claim
    /// as the post's attachments in the edit's transaction.
    pub staged: Vec<String>,
}

/// Who acts and from where, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct ActorRef<'a> {
    pub id: Option<i64>,
    pub name: &'a str,
    pub ip: &'a str,
}

/// A post's title and body as saved: the title checked, the body sanitised, its plain text
/// and its search terms, all computed once here for every way content is replaced (an
/// edit, a restored revision).
#[derive(Debug, Clone)]
pub(crate) struct Content {
    pub title: String,
    pub html: String,
    pub text: String,
    /// How the body is kept (`html` or `markdown`) and, for Markdown, its source.
    pub format: &'static str,
    pub source: String,
    pub search_title: String,
    pub search_body: String,
}

impl Content {
    /// Checks and sanitises a title and body (see `posts::check_content`).
    pub(crate) fn of(title: &str, body: &PostBody) -> Result<Content> {
        let (title, html, text) = crate::posts::check_content(title, body)?;
        let (search_title, search_body) = crate::search::terms_of(&title, &text);
        Ok(Content {
            title,
            html,
            text,
            format: body.format().as_str(),
            source: body.source().to_owned(),
            search_title,
            search_body,
        })
    }
}

/// Replaces a live post's title and body with `$content` (a [`Content`]) inside the
/// caller's transaction, keeping the previous title and body as a revision by `$actor` (an
/// [`ActorRef`]) at `$now`, and updating its plain text, search terms and `updated_at`.
/// Evaluates to the previous title; a missing or deleted post returns NotFound.
macro_rules! replace_content_in_tx {
    ($tx:expr, $post_id:expr, $content:expr, $actor:expr, $now:expr) => {{
        let post_id: i64 = $post_id;
        let content: &$crate::editing::Content = $content;
        let actor: $crate::ActorRef<'_> = $actor;
        let now: jiff::Timestamp = $now;
        let before: Option<(String, String, String, String)> = sqlx::query_as(
            "SELECT title, body_html, body_format, body_source FROM posts
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(post_id)
        .fetch_optional(&mut *$tx)
        .await?;
        let (old_title, old_body, old_format, old_source) =
            before.ok_or($crate::StoreError::NotFound)?;
        sqlx::query(
            "INSERT INTO post_revisions (post_id, title, body_html, saved_at, editor_id, editor_name,
                body_format, body_source)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(post_id)
        .bind(&old_title)
        .bind(&old_body)
        .bind(now.as_second())
        .bind(actor.id)
        .bind(actor.name)
        .bind(&old_format)
        .bind(&old_source)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "UPDATE posts SET title = $1, body_html = $2, body_text = $3, updated_at = $4,
                search_title = $5, search_body = $6, search_version = $7, body_format = $9,
                body_source = $10
             WHERE id = $8",
        )
        .bind(&content.title)
        .bind(&content.html)
        .bind(&content.text)
        .bind(now.as_second())
        .bind(&content.search_title)
        .bind(&content.search_body)
        .bind($crate::search::SEARCH_VERSION)
        .bind(post_id)
        .bind(content.format)
        .bind(&content.source)
        .execute(&mut *$tx)
        .await?;
        old_title
    }};
}
pub(crate) use replace_content_in_tx;

impl Store {
    /// A post whatever its state (deleted included), for staff pages. Returns the post and
    /// when it was deleted, if it was.
    pub async fn post_for_staff(
        &self,
        board_id: i64,
        post_id: i64,
    ) -> Result<Option<(Post, Option<i64>)>> {
        let sql = format!(
            "SELECT {}, deleted_at FROM posts WHERE id = $1 AND board_id = $2",
            crate::posts::POST_COLUMNS
        );
        let row: Option<crate::posts::PostRowWithDeleted> = on_db!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(post_id)
                .bind(board_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|r| (Post::from(r.post), r.deleted_at)))
    }

    /// Saves an edit, keeping the previous title and body as a revision.
    pub async fn edit_post(
        &self,
        post_id: i64,
        edit: &PostEdit,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        self.edit_post_with(post_id, edit, None, actor, now).await
    }

    /// [`Store::edit_post`] that also changes the post's status, time and category
    /// (`placement`), in the same transaction: the write form's edit. Each change of state
    /// or category has its own audit line with before and after.
    pub async fn edit_post_with(
        &self,
        post_id: i64,
        edit: &PostEdit,
        placement: Option<&crate::Placement>,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let content = Content::of(&edit.title, &edit.body)?;
        let links = edit.links.join("\n");
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("post:{post_id}");
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let old_title = replace_content_in_tx!(tx, post_id, &content, actor, now);
            let (board_id,): (i64,) = sqlx::query_as(
                "UPDATE posts SET secret = $1, links = $2 WHERE id = $3 RETURNING board_id",
            )
            .bind(edit.secret)
            .bind(&links)
            .bind(post_id)
            .fetch_one(&mut *tx)
            .await?;
            let claimed = crate::staged::claim_staged_in_tx!(
                tx,
                post_id,
                board_id,
                actor.id,
                &edit.staged,
                who,
                now
            );
            crate::staged::point_body_at_claims_in_tx!(tx, post_id, &claimed);
            let detail = if old_title == content.title {
                content.title.clone()
            } else {
                format!("{old_title} → {}", content.title)
            };
            audit!(
                tx,
                now.as_second(),
                who,
                "post.edit",
                &target,
                &detail,
                actor.ip
            );
            if let Some(placement) = placement {
                crate::publishing::place_in_tx!(
                    tx,
                    post_id,
                    Some(placement.publishing),
                    Some(placement.category.as_str()),
                    actor,
                    now
                );
            }
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Pins or unpins a post.
    pub async fn set_pinned(
        &self,
        post_id: i64,
        pinned: bool,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("post:{post_id}");
        let action = if pinned { "post.pin" } else { "post.unpin" };
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let done =
                sqlx::query("UPDATE posts SET pinned = $1 WHERE id = $2 AND deleted_at IS NULL")
                    .bind(pinned)
                    .bind(post_id)
                    .execute(&mut *tx)
                    .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(tx, now.as_second(), who, action, &target, "", actor.ip);
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Deletes a post softly: it disappears from the site and can be restored for
    /// [`RESTORE_DAYS`] days. A post with replies that are not deleted stays
    /// ([`StoreError::Delete`]; `madang_core::replies::may_delete`).
    pub async fn delete_post(
        &self,
        post_id: i64,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("post:{post_id}");
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            madang_core::replies::may_delete(crate::replies::live_replies_in_tx!(tx, post_id))?;
            let row: Option<(i64, String, String)> = sqlx::query_as(
                "UPDATE posts SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL
                 RETURNING board_id, status, title",
            )
            .bind(now.as_second())
            .bind(post_id)
            .fetch_optional(&mut *tx)
            .await?;
            let (board_id, status, title) = row.ok_or(StoreError::NotFound)?;
            // A deleted post leaves its translations: they stop linking to it, their
            // language is free again, and a restore brings it back on its own.
            crate::translations::leave_group_in_tx!(tx, post_id);
            if status == "published" {
                sqlx::query("UPDATE boards SET post_count = post_count - 1 WHERE id = $1")
                    .bind(board_id)
                    .execute(&mut *tx)
                    .await?;
            }
            audit!(
                tx,
                now.as_second(),
                who,
                "post.delete",
                &target,
                &title,
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Restores a softly deleted post, if it was deleted less than [`RESTORE_DAYS`] ago and,
    /// for a reply, the post it answers is not deleted ([`StoreError::Restore`];
    /// `madang_core::replies::may_restore`).
    pub async fn restore_post(
        &self,
        post_id: i64,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("post:{post_id}");
        let oldest = now.as_second() - RESTORE_DAYS * 24 * 3600;
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let parent: Option<(Option<i64>,)> = sqlx::query_as(
                "SELECT p.deleted_at FROM posts r JOIN posts p ON p.id = r.parent_id
                 WHERE r.id = $1",
            )
            .bind(post_id)
            .fetch_optional(&mut *tx)
            .await?;
            madang_core::replies::may_restore(parent.is_some_and(|(at,)| at.is_some()))?;
            let row: Option<(i64, String, String)> = sqlx::query_as(
                "UPDATE posts SET deleted_at = NULL WHERE id = $1 AND deleted_at IS NOT NULL AND deleted_at >= $2
                 RETURNING board_id, status, title",
            )
            .bind(post_id)
            .bind(oldest)
            .fetch_optional(&mut *tx)
            .await?;
            let (board_id, status, title) =
                row.ok_or_else(|| StoreError::Invalid("this post cannot be restored".into()))?;
            if status == "published" {
                sqlx::query("UPDATE boards SET post_count = post_count + 1 WHERE id = $1")
                    .bind(board_id)
                    .execute(&mut *tx)
                    .await?;
            }
            audit!(
                tx,
                now.as_second(),
                who,
                "post.restore",
                &target,
                &title,
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }

    /// A post's Markdown source, for the edit form (empty for a post kept as HTML).
    pub async fn markdown_source(&self, post_id: i64) -> Result<String> {
        let row: Option<(String,)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT body_source FROM posts WHERE id = $1")
                .bind(post_id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|(source,)| source).ok_or(StoreError::NotFound)
    }

    /// How many revisions a post has.
    pub async fn revision_count(&self, post_id: i64) -> Result<i64> {
        let (n,): (i64,) = on_db!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM post_revisions WHERE post_id = $1")
                .bind(post_id)
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }
}
