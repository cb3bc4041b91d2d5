//! Attachment records. The bytes live in file storage (`madang-files`); a stored object may
//! be shared by copies of a post and is removed only when no record refers to it.

use madang_core::Attachment;

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::editing::ActorRef;
use crate::settings::bump_generation;
use crate::{Result, Store, StoreError, on_db};

/// A stored file to attach to a post.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub name: &'a str,
    pub storage_key: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub mime: &'a str,
    pub caption: &'a str,
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: i64,
    post_id: i64,
    name: String,
    storage_key: String,
    size: i64,
    sha256: String,
    mime: String,
    caption: String,
    downloads: i64,
}

impl From<AttachmentRow> for Attachment {
    fn from(r: AttachmentRow) -> Attachment {
        Attachment {
            id: r.id,
            post_id: r.post_id,
            name: r.name,
            storage_key: r.storage_key,
            size: r.size,
            sha256: r.sha256,
            mime: r.mime,
            caption: r.caption,
            downloads: r.downloads,
        }
    }
}

const COLUMNS: &str = "id, post_id, name, storage_key, size, sha256, mime, caption, downloads";

impl Store {
    /// Records a stored file as the next attachment of a post.
    pub async fn add_attachment(
        &self,
        post_id: i64,
        new: &NewAttachment<'_>,
        actor: (Option<i64>, &str),
        now: jiff::Timestamp,
    ) -> Result<Attachment> {
        let actor = Actor {
            id: actor.0,
            name: actor.1,
        };
        let sql = format!(
            "INSERT INTO attachments (post_id, position, name, storage_key, size, sha256, mime,
                caption, created_at)
             VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM attachments WHERE post_id = $1),
                $2, $3, $4, $5, $6, $7, $8)
             RETURNING {COLUMNS}"
        );
        let row: AttachmentRow = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM posts WHERE id = $1")
                .bind(post_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            let row = sqlx::query_as(&sql)
                .bind(post_id)
                .bind(new.name)
                .bind(new.storage_key)
                .bind(new.size)
                .bind(new.sha256)
                .bind(new.mime)
                .bind(new.caption)
                .bind(now.as_second())
                .fetch_one(&mut *tx)
                .await?;
            let target = format!("post:{post_id}");
            audit!(
                tx,
                now.as_second(),
                actor,
                "attachment.add",
                &target,
                new.name
            );
            bump_generation!(tx);
            tx.commit().await?;
            row
        });
        Ok(row.into())
    }

    /// Changes the captions of a post's attachments (`(attachment id, caption)`, already
    /// cleaned). An id that is not one of the post's is ignored, and each caption that
    /// really changes is one audit entry with the old and new text. Returns how many
    /// changed.
    pub async fn set_attachment_captions(
        &self,
        post_id: i64,
        captions: &[(i64, String)],
        actor: ActorRef<'_>,
        now: jiff::Timestamp,
    ) -> Result<usize> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("post:{post_id}");
        let changed = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut changed = 0;
            for (id, caption) in captions {
                let old: Option<(String, String)> = sqlx::query_as(
                    "SELECT name, caption FROM attachments WHERE id = $1 AND post_id = $2",
                )
                .bind(id)
                .bind(post_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((name, old)) = old.filter(|(_, old)| old != caption) else {
                    continue;
                };
                sqlx::query("UPDATE attachments SET caption = $1 WHERE id = $2")
                    .bind(caption)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let detail = format!("{name}: {old:?} → {caption:?}");
                audit!(
                    tx,
                    now.as_second(),
                    who,
                    "attachment.caption",
                    &target,
                    &detail,
                    actor.ip
                );
                changed += 1;
            }
            if changed > 0 {
                bump_generation!(tx);
            }
            tx.commit().await?;
            changed
        });
        Ok(changed)
    }

    /// Removes attachments from a post (an id that is not one of the post's is ignored),
    /// each an audit entry. Returns the storage keys no record refers to any more (copies of
    /// a post share stored files), for the caller to delete from storage after the commit;
    /// should that fail, `madang check` reports the unreferenced file.
    pub async fn remove_attachments(
        &self,
        post_id: i64,
        ids: &[i64],
        actor: ActorRef<'_>,
        now: jiff::Timestamp,
    ) -> Result<Vec<String>> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("post:{post_id}");
        let orphans = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut orphans = Vec::new();
            let mut removed = 0;
            for id in ids {
                let found: Option<(String, String)> = sqlx::query_as(
                    "SELECT name, storage_key FROM attachments WHERE id = $1 AND post_id = $2",
                )
                .bind(id)
                .bind(post_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((name, key)) = found else {
                    continue;
                };
                sqlx::query("DELETE FROM attachments WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                audit!(
                    tx,
                    now.as_second(),
                    who,
                    "attachment.remove",
                    &target,
                    &name,
                    actor.ip
                );
                removed += 1;
                let (refs,): (i64,) = sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM attachments WHERE storage_key = $1)
                        + (SELECT COUNT(*) FROM legacy_files WHERE storage_key = $1)",
                )
                .bind(&key)
                .fetch_one(&mut *tx)
                .await?;
                if refs == 0 && !orphans.contains(&key) {
                    orphans.push(key);
                }
            }
            if removed > 0 {
                bump_generation!(tx);
            }
            tx.commit().await?;
            orphans
        });
        Ok(orphans)
    }

    /// A post's attachments in order.
    pub async fn attachments(&self, post_id: i64) -> Result<Vec<Attachment>> {
        let sql =
            format!("SELECT {COLUMNS} FROM attachments WHERE post_id = $1 ORDER BY position, id");
        let rows: Vec<AttachmentRow> = on_db!(self, |pool| {
            sqlx::query_as(&sql).bind(post_id).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// One attachment of one post.
    pub async fn attachment(&self, post_id: i64, attachment_id: i64) -> Result<Option<Attachment>> {
        let sql = format!("SELECT {COLUMNS} FROM attachments WHERE post_id = $1 AND id = $2");
        let row: Option<AttachmentRow> = on_db!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(post_id)
                .bind(attachment_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(Into::into))
    }

    /// Counts one download. The post page shows the count, so this bumps the generation
    /// (downloads are rare next to page views, which are not shown fresh).
    pub async fn count_download(&self, attachment_id: i64) -> Result<()> {
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE attachments SET downloads = downloads + 1 WHERE id = $1")
                .bind(attachment_id)
                .execute(&mut *tx)
                .await?;
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }
}
