//! A post's earlier versions: listing them, reading one, and restoring one. Every edit
//! keeps the version it replaces (see `editing`); a restore is an edit too, so it keeps the
//! version it replaces and can itself be undone.

use jiff::Timestamp;
use madang_core::markdown::BodyFormat;
use madang_core::{Post, PostBody};

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::editing::{ActorRef, Content, replace_content_in_tx};
use crate::settings::bump_generation;
use crate::{Result, Store, StoreError, on_db, ts};

/// One earlier version of a post, as the history lists it (without its body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionSummary {
    pub id: i64,
    pub title: String,
    /// When this version was replaced.
    pub saved_at: Timestamp,
    /// Who replaced it.
    pub editor_name: String,
}

/// One earlier version of a post, whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub id: i64,
    pub post_id: i64,
    pub title: String,
    /// Sanitised when it was the post's body.
    pub body_html: String,
    /// How the body was kept and, for Markdown, its source (what a restore puts back).
    pub body_format: madang_core::markdown::BodyFormat,
    pub body_source: String,
    /// When this version was replaced.
    pub saved_at: Timestamp,
    /// Who replaced it.
    pub editor_name: String,
}

/// A post row with how many revisions it has.
#[derive(sqlx::FromRow)]
struct PostRowWithRevisions {
    #[sqlx(flatten)]
    post: crate::posts::PostRow,
    revision_count: i64,
}

impl Store {
    /// [`Store::post`] with how many revisions the post has, read in the same statement so
    /// that the post page's "History (N)" link costs no query of its own.
    pub async fn post_with_revision_count(
        &self,
        board_id: i64,
        post_id: i64,
        now: Timestamp,
    ) -> Result<Option<(Post, i64)>> {
        let sql = format!(
            "SELECT {}, (SELECT COUNT(*) FROM post_revisions r WHERE r.post_id = p.id) AS revision_count
             FROM posts p WHERE p.id = $1 AND {} AND p.board_id = $3",
            crate::posts::POST_COLUMNS,
            crate::posts::VISIBLE
        );
        let row: Option<PostRowWithRevisions> = on_db!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(post_id)
                .bind(now.as_second())
                .bind(board_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|r| (Post::from(r.post), r.revision_count)))
    }

    /// A post's revisions, newest first.
    pub async fn revisions(&self, post_id: i64) -> Result<Vec<RevisionSummary>> {
        let rows: Vec<(i64, String, i64, String)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, title, saved_at, editor_name FROM post_revisions
                 WHERE post_id = $1 ORDER BY id DESC",
            )
            .bind(post_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, title, saved_at, editor_name)| RevisionSummary {
                id,
                title,
                saved_at: ts(saved_at),
                editor_name,
            })
            .collect())
    }

    /// One revision of a post; `None` when there is none with this id for this post.
    pub async fn revision(&self, post_id: i64, revision_id: i64) -> Result<Option<Revision>> {
        type Row = (String, String, i64, String, String, String);
        let row: Option<Row> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT title, body_html, saved_at, editor_name, body_format, body_source
                 FROM post_revisions WHERE id = $1 AND post_id = $2",
            )
            .bind(revision_id)
            .bind(post_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(
            |(title, body_html, saved_at, editor_name, format, body_source)| Revision {
                id: revision_id,
                post_id,
                title,
                body_html,
                body_format: madang_core::markdown::BodyFormat::parse(&format),
                body_source,
                saved_at: ts(saved_at),
                editor_name,
            },
        ))
    }

    /// Puts a revision's title and body back, as an edit would: the current version is
    /// kept as a new revision, the body is sanitised again (rules may have tightened since
    /// it was saved) and its text and search terms recomputed. A Markdown revision comes
    /// back as Markdown, its HTML made again from its source. A revision of another post,
    /// or a deleted post, is NotFound.
    pub async fn restore_revision(
        &self,
        post_id: i64,
        revision_id: i64,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        // Revisions are never changed once written: reading this one before the
        // transaction keeps the sanitising out of the write lock.
        let revision = self
            .revision(post_id, revision_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let body = match revision.body_format {
            BodyFormat::Markdown => PostBody::Markdown(revision.body_source),
            BodyFormat::Html => PostBody::Html(revision.body_html),
        };
        let content = Content::of(&revision.title, &body)?;
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("post:{post_id}");
        let detail = format!("revision {revision_id}: {}", content.title);
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            replace_content_in_tx!(tx, post_id, &content, actor, now);
            audit!(
                tx,
                now.as_second(),
                who,
                "post.revision.restore",
                &target,
                &detail,
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }
}
