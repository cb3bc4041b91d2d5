//! Importing attachments (whose bytes are already in file storage) and the old files that
//! imported bodies link to by address, and finding stored bytes to share between them.

use jiff::Timestamp;

use crate::{Result, Store, on_db};

use super::session::{ImportSession, ImportTx, Imported, on_tx};

/// An attachment whose bytes are already in file storage.
#[derive(Debug, Clone)]
pub struct ImportAttachment<'a> {
    pub post_id: i64,
    pub position: i64,
    pub name: &'a str,
    pub storage_key: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub mime: &'a str,
    pub caption: &'a str,
    pub downloads: i64,
    pub created_at: Timestamp,
}

/// A file that old bodies link to by address, served at `/files/legacy/<path>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyFile {
    /// The path under the old `data/` folder, e.g. `editor/1812/abc.jpg`.
    pub path: String,
    pub storage_key: String,
    pub size: i64,
    pub sha256: String,
    pub mime: String,
}

impl Store {
    /// An old file served at `/files/legacy/<path>` (`path` as in [`LegacyFile::path`]).
    pub async fn legacy_file(&self, path: &str) -> Result<Option<LegacyFile>> {
        let row: Option<(String, String, i64, String, String)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT path, storage_key, size, sha256, mime FROM legacy_files WHERE path = $1",
            )
            .bind(path)
            .fetch_optional(pool)
            .await?
        });
        Ok(
            row.map(|(path, storage_key, size, sha256, mime)| LegacyFile {
                path,
                storage_key,
                size,
                sha256,
                mime,
            }),
        )
    }
}

impl ImportSession {
    /// A stored object with these bytes (same SHA-256 and size) that an attachment or an old
    /// file already uses, so identical files (copies of a post) are stored once.
    pub async fn stored_object(&mut self, sha256: &str, size: i64) -> Result<Option<String>> {
        let row: Option<(String,)> = on_tx!(self, |tx| {
            sqlx::query_as(
                "SELECT storage_key FROM attachments WHERE sha256 = $1 AND size = $2
                 UNION ALL
                 SELECT storage_key FROM legacy_files WHERE sha256 = $1 AND size = $2
                 LIMIT 1",
            )
            .bind(sha256)
            .bind(size)
            .fetch_optional(&mut **tx)
            .await?
        });
        Ok(row.map(|(k,)| k))
    }

    /// Imports an attachment record (kind `attachment`); the bytes are already stored.
    pub async fn import_attachment(
        &mut self,
        key: &str,
        a: &ImportAttachment<'_>,
    ) -> Result<Imported> {
        if let Some(id) = self.mapped("attachment", key).await? {
            return Ok(Imported::Existing(id));
        }
        let (id,): (i64,) = on_tx!(self, |tx| {
            sqlx::query_as(
                "INSERT INTO attachments (post_id, position, name, storage_key, size, sha256, mime,
                    caption, downloads, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 RETURNING id",
            )
            .bind(a.post_id)
            .bind(a.position)
            .bind(a.name)
            .bind(a.storage_key)
            .bind(a.size)
            .bind(a.sha256)
            .bind(a.mime)
            .bind(a.caption)
            .bind(a.downloads)
            .bind(a.created_at.as_second())
            .fetch_one(&mut **tx)
            .await?
        });
        self.record("attachment", key, id).await?;
        Ok(Imported::Created(id))
    }

    /// The old file recorded under `path`, if any.
    pub async fn legacy_file(&mut self, path: &str) -> Result<Option<LegacyFile>> {
        let row: Option<(String, String, i64, String, String)> = on_tx!(self, |tx| {
            sqlx::query_as(
                "SELECT path, storage_key, size, sha256, mime FROM legacy_files WHERE path = $1",
            )
            .bind(path)
            .fetch_optional(&mut **tx)
            .await?
        });
        Ok(
            row.map(|(path, storage_key, size, sha256, mime)| LegacyFile {
                path,
                storage_key,
                size,
                sha256,
                mime,
            }),
        )
    }

    /// Records an old file; returns whether it was new.
    pub async fn add_legacy_file(&mut self, file: &LegacyFile) -> Result<bool> {
        let done = on_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO legacy_files (path, storage_key, size, sha256, mime, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (path) DO NOTHING",
            )
            .bind(&file.path)
            .bind(&file.storage_key)
            .bind(file.size)
            .bind(&file.sha256)
            .bind(&file.mime)
            .bind(self.now)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        self.created += done;
        Ok(done > 0)
    }
}
