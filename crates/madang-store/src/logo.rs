//! The site's logo: the storage key of its image, kept in the settings table
//! (`site_logo`). The key is among the files the data refers to
//! ([`REFERENCED_KEYS`]), so backups carry it, `madang check` looks for it and the
//! start-up sweep of unreferenced files leaves it.

use jiff::Timestamp;

use crate::audit::{Actor, audit};
use crate::editing::ActorRef;
use crate::settings::bump_generation;
use crate::{BeginWrite, Result, Store, on_db};

/// The setting that holds the logo's storage key (no row: no logo).
pub const LOGO_SETTING: &str = "site_logo";

/// Every storage key the data refers to: attachments, imported legacy files, uploads not
/// yet saved with a post, and the logo. One list, for backups, checks and the sweep.
pub(crate) const REFERENCED_KEYS: &str = "SELECT storage_key FROM attachments
     UNION SELECT storage_key FROM legacy_files
     UNION SELECT storage_key FROM staged_uploads
     UNION SELECT value FROM settings WHERE key = 'site_logo' AND value <> ''";

impl Store {
    /// Sets the logo to a stored file (`Some(key)`) or removes it (`None`), in one audited
    /// transaction (`setting.change` on `setting:site_logo`, before → after) that moves
    /// the site generation. Returns the key it replaced, whose file the caller removes
    /// from storage once this has committed.
    pub async fn set_logo(
        &self,
        key: Option<&str>,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<Option<String>> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("setting:{LOGO_SETTING}");
        let before = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let before: Option<(String,)> =
                sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                    .bind(LOGO_SETTING)
                    .fetch_optional(&mut *tx)
                    .await?;
            let before = before.map(|(v,)| v).filter(|v| !v.is_empty());
            match key {
                Some(key) => {
                    sqlx::query(
                        "INSERT INTO settings (key, value) VALUES ($1, $2)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    )
                    .bind(LOGO_SETTING)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM settings WHERE key = $1")
                        .bind(LOGO_SETTING)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let detail = format!(
                "{} → {}",
                before.as_deref().unwrap_or(""),
                key.unwrap_or("")
            );
            audit!(
                tx,
                now.as_second(),
                who,
                "setting.change",
                &target,
                &detail,
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
            before
        });
        Ok(before)
    }
}
