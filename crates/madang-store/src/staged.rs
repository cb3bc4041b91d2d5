//! Files dropped or pasted into the editor, stored before their post is saved (the rules
//! of their addresses are `madang_core::staging`). A staged file belongs to the member who
//! sent it and to one board; saving a post on that board claims, in the post's own
//! transaction, the staged files its body refers to (see [`claim_staged_in_tx`]), so a
//! post and the attachments dropped into it are saved together or not at all.

use jiff::Timestamp;
use madang_core::staging::LIFETIME_SECONDS;

use crate::BeginWrite;
use crate::{Result, Store, on_db, ts};

/// A file to stage: already in file storage.
#[derive(Debug, Clone)]
pub struct NewStagedUpload<'a> {
    /// The random token of its staging address.
    pub token: &'a str,
    /// The key of the form it was sent from.
    pub batch: &'a str,
    pub member_id: i64,
    pub board_id: i64,
    pub name: &'a str,
    pub storage_key: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub mime: &'a str,
}

/// A staged file, waiting for its post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedUpload {
    pub token: String,
    pub batch: String,
    pub member_id: i64,
    pub board_id: i64,
    pub name: String,
    pub storage_key: String,
    pub size: i64,
    pub mime: String,
    pub created_at: Timestamp,
}

type StagedRow = (String, String, i64, i64, String, String, i64, String, i64);

fn staged_of(row: StagedRow) -> StagedUpload {
    let (token, batch, member_id, board_id, name, storage_key, size, mime, created_at) = row;
    StagedUpload {
        token,
        batch,
        member_id,
        board_id,
        name,
        storage_key,
        size,
        mime,
        created_at: ts(created_at),
    }
}

/// Turns the staged files (tokens) that member `$member_id` (an `Option<i64>`; none claims
/// nothing) sent for board `$board_id` into attachments of post `$post_id` (the rows leave
/// `staged_uploads`), inside the
/// caller's transaction, each with an audit line by `$actor` (an `audit::Actor`). A token
/// that is unknown, expired and removed, another member's or another board's is skipped.
/// Evaluates to the `(staging address, attachment address)` pairs to replace in the body.
macro_rules! claim_staged_in_tx {
    ($tx:expr, $post_id:expr, $board_id:expr, $member_id:expr, $tokens:expr, $actor:expr, $now:expr) => {{
        let post_id: i64 = $post_id;
        let board_id: i64 = $board_id;
        let member_id: Option<i64> = $member_id;
        let tokens: &[String] = $tokens;
        let now: jiff::Timestamp = $now;
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let (Some(member_id), false) = (member_id, tokens.is_empty()) {
            let (slug,): (String,) = sqlx::query_as("SELECT slug FROM boards WHERE id = $1")
                .bind(board_id)
                .fetch_one(&mut *$tx)
                .await?;
            let target = format!("post:{post_id}");
            for token in tokens {
                // Taken in one statement: of two saves claiming the same file at once, the
                // second finds nothing (PostgreSQL waits for the first's row lock).
                let staged: Option<(String, String, i64, String, String)> = sqlx::query_as(
                    "DELETE FROM staged_uploads
                     WHERE token = $1 AND member_id = $2 AND board_id = $3
                     RETURNING name, storage_key, size, sha256, mime",
                )
                .bind(token)
                .bind(member_id)
                .bind(board_id)
                .fetch_optional(&mut *$tx)
                .await?;
                let Some((name, key, size, sha256, mime)) = staged else {
                    continue;
                };
                let (attachment_id,): (i64,) = sqlx::query_as(
                    "INSERT INTO attachments (post_id, position, name, storage_key, size, sha256,
                        mime, caption, created_at)
                     VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM attachments WHERE post_id = $1),
                        $2, $3, $4, $5, $6, '', $7)
                     RETURNING id",
                )
                .bind(post_id)
                .bind(&name)
                .bind(&key)
                .bind(size)
                .bind(&sha256)
                .bind(&mime)
                .bind(now.as_second())
                .fetch_one(&mut *$tx)
                .await?;
                $crate::audit::audit!(
                    $tx,
                    now.as_second(),
                    $actor,
                    "attachment.add",
                    &target,
                    &name
                );
                pairs.push((
                    madang_core::staging::staged_url(&slug, token),
                    madang_core::staging::attachment_url(&slug, post_id, attachment_id),
                ));
            }
        }
        pairs
    }};
}
pub(crate) use claim_staged_in_tx;

/// After [`claim_staged_in_tx`]: puts the attachments' addresses in place of the staging
/// addresses in post `$post_id`'s stored body (its HTML, its plain text and its Markdown
/// source), inside the caller's transaction. The addresses are plain ASCII paths, so the
/// sanitised HTML stays as safe as it was; nothing is done when nothing was claimed.
macro_rules! point_body_at_claims_in_tx {
    ($tx:expr, $post_id:expr, $pairs:expr) => {{
        let pairs: &[(String, String)] = $pairs;
        if !pairs.is_empty() {
            let (html, text, source): (String, String, String) =
                sqlx::query_as("SELECT body_html, body_text, body_source FROM posts WHERE id = $1")
                    .bind($post_id)
                    .fetch_one(&mut *$tx)
                    .await?;
            let replace = |s: &str| madang_core::staging::replace_urls(s, pairs);
            sqlx::query(
                "UPDATE posts SET body_html = $1, body_text = $2, body_source = $3 WHERE id = $4",
            )
            .bind(replace(&html))
            .bind(replace(&text))
            .bind(replace(&source))
            .bind($post_id)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use point_body_at_claims_in_tx;

impl Store {
    /// Records a stored file as staged.
    pub async fn stage_upload(&self, new: &NewStagedUpload<'_>, now: Timestamp) -> Result<()> {
        on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO staged_uploads (token, batch, member_id, board_id, name, storage_key,
                    size, sha256, mime, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(new.token)
            .bind(new.batch)
            .bind(new.member_id)
            .bind(new.board_id)
            .bind(new.name)
            .bind(new.storage_key)
            .bind(new.size)
            .bind(new.sha256)
            .bind(new.mime)
            .bind(now.as_second())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// How many files a member has staged from one form (`batch`), and in all.
    pub async fn staged_counts(&self, member_id: i64, batch: &str) -> Result<(usize, usize)> {
        let (in_batch, all): (i64, i64) = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN batch = $2 THEN 1 ELSE 0 END), 0), COUNT(*)
                 FROM staged_uploads WHERE member_id = $1",
            )
            .bind(member_id)
            .bind(batch)
            .fetch_one(pool)
            .await?
        });
        Ok((in_batch as usize, all as usize))
    }

    /// One staged file, by its token.
    pub async fn staged_upload(&self, token: &str) -> Result<Option<StagedUpload>> {
        let row: Option<StagedRow> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT token, batch, member_id, board_id, name, storage_key, size, mime, created_at
                 FROM staged_uploads WHERE token = $1",
            )
            .bind(token)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(staged_of))
    }

    /// Removes the staged files older than `madang_core::staging::LIFETIME_SECONDS`.
    /// Returns the storage keys nothing refers to any more, for the caller to delete from
    /// storage after the commit (should that fail, `madang check` reports the file).
    pub async fn expire_staged(&self, now: Timestamp) -> Result<Vec<String>> {
        let oldest = now.as_second() - LIFETIME_SECONDS;
        let orphans = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let keys: Vec<(String,)> = sqlx::query_as(
                "DELETE FROM staged_uploads WHERE created_at < $1 RETURNING storage_key",
            )
            .bind(oldest)
            .fetch_all(&mut *tx)
            .await?;
            let mut orphans: Vec<String> = Vec::new();
            for (key,) in keys {
                let (refs,): (i64,) = sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM attachments WHERE storage_key = $1)
                        + (SELECT COUNT(*) FROM legacy_files WHERE storage_key = $1)
                        + (SELECT COUNT(*) FROM staged_uploads WHERE storage_key = $1)",
                )
                .bind(&key)
                .fetch_one(&mut *tx)
                .await?;
                if refs == 0 && !orphans.contains(&key) {
                    orphans.push(key);
                }
            }
            tx.commit().await?;
            orphans
        });
        Ok(orphans)
    }
}
