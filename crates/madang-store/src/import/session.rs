//! The import session: one database transaction that every imported row goes through,
//! the import map that makes a second run change nothing, and the end of an import
//! (counters, generation, audit line, commit or rollback). How an import runs, start to
//! end, is told in the `import` module's documentation (`mod.rs`).

use jiff::Timestamp;
use sqlx::{Postgres, Sqlite, Transaction};

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::settings::bump_generation;
use crate::{Db, Result, Store, on_db};

/// What became of one source row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// Created now, with this id.
    Created(i64),
    /// Imported by an earlier run; this is its id. Nothing was changed.
    Existing(i64),
    /// Not imported, and why (a slug or login Madang already has, …).
    Refused(String),
}

impl Imported {
    /// The Madang id, unless the row was refused.
    pub fn id(&self) -> Option<i64> {
        match self {
            Imported::Created(id) | Imported::Existing(id) => Some(*id),
            Imported::Refused(_) => None,
        }
    }
}

pub(super) enum ImportTx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs the same statements on the session's transaction, whichever backend it is.
macro_rules! on_tx {
    ($session:expr, |$tx:ident| $body:expr) => {
        match &mut $session.tx {
            ImportTx::Sqlite($tx) => $body,
            ImportTx::Postgres($tx) => $body,
        }
    };
}

pub(super) use on_tx;

/// One import, in one transaction. See the module documentation.
pub struct ImportSession {
    pub(super) tx: ImportTx,
    pub(super) source: String,
    pub(super) now: i64,
    /// Rows created in this session; the generation is bumped only if there are any.
    pub(super) created: u64,
}

impl Store {
    /// Starts an import from `source` (a name that stays the same between runs of the same
    /// site, such as `gnuboard5:g5a/g5_`).
    pub async fn begin_import(&self, source: &str, now: Timestamp) -> Result<ImportSession> {
        let tx = match &self.db {
            Db::Sqlite(pool) => ImportTx::Sqlite(pool.begin_write().await?),
            Db::Postgres(pool) => ImportTx::Postgres(pool.begin_write().await?),
        };
        Ok(ImportSession {
            tx,
            source: source.to_owned(),
            now: now.as_second(),
            created: 0,
        })
    }

    /// Rows per table that an import writes, for reports and checks:
    /// (table, rows) in a fixed order.
    pub async fn import_table_counts(&self) -> Result<Vec<(&'static str, i64)>> {
        const TABLES: &[&str] = &[
            "menu_groups",
            "boards",
            "pages",
            "members",
            "board_admins",
            "group_admins",
            "posts",
            "comments",
            "attachments",
            "post_provenance",
            "legacy_urls",
            "legacy_files",
            "import_map",
            "audit_log",
        ];
        let mut out = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let (n,): (i64,) = on_db!(self, |pool| sqlx::query_as(&sql).fetch_one(pool).await?);
            out.push((*table, n));
        }
        Ok(out)
    }
}

/// The end of a committed import (see [`ImportSession::finish`]).
macro_rules! finish_tx {
    ($tx:ident, $created:expr, $now:expr, $source:expr, $actor:expr, $detail:expr) => {
        if $created > 0 {
            sqlx::query(
                "UPDATE boards SET post_count = (SELECT COUNT(*) FROM posts p
                    WHERE p.board_id = boards.id AND p.status = 'published'
                    AND p.deleted_at IS NULL)",
            )
            .execute(&mut *$tx)
            .await?;
            let actor = Actor {
                id: None,
                name: $actor,
            };
            audit!($tx, $now, actor, "import", $source, $detail);
            bump_generation!($tx);
        }
    };
}

impl ImportSession {
    /// The source this session imports.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The Madang id recorded for a source row by an earlier run (or this one).
    pub async fn mapped(&mut self, kind: &str, key: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_tx!(self, |tx| {
            sqlx::query_as(
                "SELECT madang_id FROM import_map WHERE source = $1 AND kind = $2 AND source_key = $3",
            )
            .bind(&self.source)
            .bind(kind)
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?
        });
        Ok(row.map(|(id,)| id))
    }

    pub(super) async fn record(&mut self, kind: &str, key: &str, id: i64) -> Result<()> {
        on_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO import_map (source, kind, source_key, madang_id)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (source, kind, source_key) DO NOTHING",
            )
            .bind(&self.source)
            .bind(kind)
            .bind(key)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        });
        self.created += 1;
        Ok(())
    }

    /// How many rows this session has created so far.
    pub fn created(&self) -> u64 {
        self.created
    }

    /// Ends the import. With `commit`, recomputes every board's post count (published, not
    /// deleted posts), and if anything was created bumps the site generation and writes one
    /// audit line (`import`, with `detail`), then commits. Without it (a dry run), rolls
    /// everything back.
    pub async fn finish(self, commit: bool, actor_name: &str, detail: &str) -> Result<()> {
        if !commit {
            match self.tx {
                ImportTx::Sqlite(tx) => tx.rollback().await?,
                ImportTx::Postgres(tx) => tx.rollback().await?,
            }
            return Ok(());
        }
        let created = self.created;
        let now = self.now;
        let source = self.source.clone();
        match self.tx {
            ImportTx::Sqlite(mut tx) => {
                finish_tx!(tx, created, now, &source, actor_name, detail);
                tx.commit().await?;
            }
            ImportTx::Postgres(mut tx) => {
                finish_tx!(tx, created, now, &source, actor_name, detail);
                tx.commit().await?;
            }
        }
        Ok(())
    }
}
