//! Site settings (key/value) and the site generation.

use crate::BeginWrite;
use crate::{Result, Store, on_db};

/// The setting that holds the site's time zone, set by an administrator (an IANA name,
/// `madang_core::time::site_zone`); without it, the configuration's zone applies.
pub const TIME_ZONE_SETTING: &str = "time_zone";

/// The setting that holds the UI language whose pages are unprefixed (`en`, `ko`), set by
/// an administrator; without it, the configuration's applies.
pub const DEFAULT_LANGUAGE_SETTING: &str = "default_language";

/// The setting that counts writes; cached pages are keyed by it.
pub(crate) const GENERATION: &str = "generation";

impl Store {
    /// Reads a setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let value: Option<(String,)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
        });
        Ok(value.map(|(v,)| v))
    }

    /// Reads several settings in one statement: key → value for those that are set.
    pub async fn settings_of(
        &self,
        keys: &[&str],
    ) -> Result<std::collections::BTreeMap<String, String>> {
        if keys.is_empty() {
            return Ok(Default::default());
        }
        let placeholders: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT key, value FROM settings WHERE key IN ({})",
            placeholders.join(", ")
        );
        let rows: Vec<(String, String)> = on_db!(self, |pool| {
            let mut query = sqlx::query_as(&sql);
            for key in keys {
                query = query.bind(*key);
            }
            query.fetch_all(pool).await?
        });
        Ok(rows.into_iter().collect())
    }

    /// Writes a setting and bumps the generation.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes a setting.
    pub async fn delete_setting(&self, key: &str) -> Result<()> {
        on_db!(self, |pool| {
            sqlx::query("DELETE FROM settings WHERE key = $1")
                .bind(key)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The current site generation: it changes whenever something a page shows changes.
    pub async fn generation(&self) -> Result<i64> {
        Ok(self
            .setting(GENERATION)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// On PostgreSQL, calls `on_change` with the new generation whenever any node's write
    /// commits, from a task that reconnects when the connection drops (a notification sent
    /// while it is down is lost; callers also re-read the generation now and then). Returns
    /// `false` on SQLite, which has nothing to listen to.
    pub async fn listen_generation(
        &self,
        on_change: impl Fn(i64) + Send + Sync + 'static,
    ) -> Result<bool> {
        let crate::Db::Postgres(pool) = &self.db else {
            return Ok(false);
        };
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen("madang_generation").await?;
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        on_change(notification.payload().parse().unwrap_or(0));
                    }
                    Err(e) => {
                        // The pool is closed (shutdown) or the server went away; recv
                        // reconnects on the next call, so pause and try again unless closed.
                        if matches!(e, sqlx::Error::PoolClosed) {
                            break;
                        }
                        tracing::warn!(error = %e, "listening for other nodes' writes");
                        on_change(0);
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(true)
    }
}

/// Bumps the site generation inside the caller's transaction (`&mut *tx`).
macro_rules! bump_generation {
    ($tx:expr) => {
        // The value is text in a key/value table; CAST keeps the increment atomic in SQL.
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, '1')
             ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)",
        )
        .bind($crate::settings::GENERATION)
        .execute(&mut *$tx)
        .await?
    };
}
pub(crate) use bump_generation;
