//! The import session: one database transaction that every imported row goes through,
//! the import map that makes a second run change nothing, and the end of an import
//! (counters, generation, audit line, commit or rollback). How an import runs, start to
//! end, is told in the `import` module's documentation (`mod.rs`).

use std::collections::{HashMap, VecDeque};

use jiff::Timestamp;
use sqlx::{Postgres, Sqlite, Transaction};

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::settings::bump_generation;
use crate::{Db, Result, Store, on_db};

use super::pending::{Cell, Pending, Table};

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

/// Runs the same statements on the session's transaction, whichever backend it is, after
/// writing the rows the session holds back (`pending.rs`), so that no statement misses one.
macro_rules! on_tx {
    ($session:expr, |$tx:ident| $body:expr) => {{
        $session.flush().await?;
        match &mut $session.tx {
            ImportTx::Sqlite($tx) => $body,
            ImportTx::Postgres($tx) => $body,
        }
    }};
}

/// [`on_tx!`] without writing the held-back rows first: for writing them, and for reads
/// that cannot concern them.
macro_rules! on_tx_now {
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
    /// The import map of this source, one kind at a time as first asked for, with this
    /// session's records added: kind → source key → Madang id.
    map: HashMap<String, HashMap<String, i64>>,
    /// Rows held back to be written many to a statement.
    pending: Pending,
    /// Ids taken for posts and comments not yet written.
    post_ids: VecDeque<i64>,
    comment_ids: VecDeque<i64>,
    /// The highest id taken so far per table, on SQLite (see [`ImportSession::new_id`]).
    last_ids: [Option<i64>; 2],
    /// Old addresses added, and those that were already there.
    pub(super) urls_added: u64,
    pub(super) urls_existing: u64,
}

/// The tables whose ids a session takes before writing their rows.
#[derive(Clone, Copy)]
pub(super) enum IdTable {
    Posts = 0,
    Comments = 1,
}

impl Store {
    /// Starts an import from `source` (a name that stays the same between runs of the same
    /// site, such as `gnuboard5:g5a/g5_`).
    pub async fn begin_import(&self, source: &str, now: Timestamp) -> Result<ImportSession> {
        let tx = match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                // The whole import is one transaction: pages it changed that no longer fit
                // in the cache are written to the WAL early, and again each time the import
                // changes them again (the import map's and the old addresses' indexes,
                // which grow everywhere at once). A larger cache for this connection, for
                // the import only (see `finish`), writes each page about once.
                sqlx::query(&format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))
                    .execute(&mut *tx)
                    .await?;
                ImportTx::Sqlite(tx)
            }
            Db::Postgres(pool) => ImportTx::Postgres(pool.begin_write().await?),
        };
        Ok(ImportSession {
            tx,
            source: source.to_owned(),
            now: now.as_second(),
            created: 0,
            map: HashMap::new(),
            pending: Pending::default(),
            post_ids: VecDeque::new(),
            comment_ids: VecDeque::new(),
            last_ids: [None; 2],
            urls_added: 0,
            urls_existing: 0,
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

/// SQLite's page cache for an import's connection, in KiB (64 MiB; other connections have
/// [`crate::SQLITE_CACHE_KIB`]).
const IMPORT_CACHE_KIB: i64 = 65_536;

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

    /// The Madang id recorded for a source row by an earlier run (or this one). The map of
    /// a kind is read once, on the first question about it, and kept with this session's
    /// records: an import asks about every row it reads.
    pub async fn mapped(&mut self, kind: &str, key: &str) -> Result<Option<i64>> {
        if !self.map.contains_key(kind) {
            let rows: Vec<(String, i64)> = on_tx_now!(self, |tx| {
                sqlx::query_as(
                    "SELECT source_key, madang_id FROM import_map WHERE source = $1 AND kind = $2",
                )
                .bind(&self.source)
                .bind(kind)
                .fetch_all(&mut **tx)
                .await?
            });
            self.map.insert(kind.to_owned(), rows.into_iter().collect());
        }
        Ok(self.map.get(kind).and_then(|m| m.get(key)).copied())
    }

    pub(super) async fn record(&mut self, kind: &str, key: &str, id: i64) -> Result<()> {
        // Read the kind's map first so that the record below is not lost when it is.
        if self.mapped(kind, key).await?.is_some() {
            return Ok(());
        }
        if let Some(m) = self.map.get_mut(kind) {
            m.insert(key.to_owned(), id);
        }
        self.hold(
            Table::ImportMap,
            vec![
                Cell::Text(self.source.clone()),
                Cell::Text(kind.to_owned()),
                Cell::Text(key.to_owned()),
                Cell::Int(id),
            ],
        )
        .await?;
        self.created += 1;
        Ok(())
    }

    /// Holds a row back, writing all of them once a batch is full.
    pub(super) async fn hold(&mut self, table: Table, row: Vec<Cell>) -> Result<()> {
        self.pending.push(table, row);
        if self.pending.full() {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes the rows held back. Every statement of the session does this first (see
    /// `on_tx!`); an importer calls it before reading [`ImportSession::legacy_url_counts`].
    pub async fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let numbered = matches!(self.tx, ImportTx::Postgres(_));
        for table in Table::ALL {
            for (sql, cells) in self.pending.take(table, numbered) {
                let rows = (cells.len() / table.columns()) as u64;
                let done = on_tx_now!(self, |tx| {
                    // Not kept prepared: batches of different sizes are different statements,
                    // and sqlx's cache of a hundred would hold megabytes of them.
                    let mut query = sqlx::query(&sql).persistent(false);
                    for cell in &cells {
                        query = match cell {
                            Cell::Null => query.bind(None::<String>),
                            Cell::Int(v) => query.bind(*v),
                            Cell::OptInt(v) => query.bind(*v),
                            Cell::Bool(v) => query.bind(*v),
                            Cell::Text(v) => query.bind(v.as_str()),
                        };
                    }
                    query.execute(&mut **tx).await?.rows_affected()
                });
                if table == Table::LegacyUrls {
                    self.created += done;
                    self.urls_added += done;
                    self.urls_existing += rows.saturating_sub(done);
                }
            }
        }
        Ok(())
    }

    /// An id for a new row of `table`, before the row is written. On SQLite the session
    /// holds the write lock (`BEGIN IMMEDIATE`), so ids go on from the highest one, as
    /// SQLite itself would number the rows; on PostgreSQL they are taken from the table's
    /// sequence, a block at a time, as other writers may take ids meanwhile.
    pub(super) async fn new_id(&mut self, table: IdTable) -> Result<i64> {
        const BLOCK: i64 = 256;
        let name = match table {
            IdTable::Posts => "posts",
            IdTable::Comments => "comments",
        };
        let free = match table {
            IdTable::Posts => &mut self.post_ids,
            IdTable::Comments => &mut self.comment_ids,
        };
        if let Some(id) = free.pop_front() {
            return Ok(id);
        }
        let block: Vec<i64> = match &mut self.tx {
            ImportTx::Sqlite(tx) => {
                let last = match self.last_ids[table as usize] {
                    Some(last) => last,
                    None => {
                        let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {name}");
                        let (max,): (i64,) = sqlx::query_as(&sql).fetch_one(&mut **tx).await?;
                        max
                    }
                };
                self.last_ids[table as usize] = Some(last + BLOCK);
                (last + 1..=last + BLOCK).collect()
            }
            ImportTx::Postgres(tx) => {
                let sql = format!(
                    "SELECT nextval(pg_get_serial_sequence('{name}', 'id'))
                     FROM generate_series(1, {BLOCK}) ORDER BY 1"
                );
                let rows: Vec<(i64,)> = sqlx::query_as(&sql).fetch_all(&mut **tx).await?;
                rows.into_iter().map(|(id,)| id).collect()
            }
        };
        let free = match table {
            IdTable::Posts => &mut self.post_ids,
            IdTable::Comments => &mut self.comment_ids,
        };
        free.extend(block);
        free.pop_front()
            .ok_or_else(|| crate::StoreError::Invalid(format!("no id for a new row of {name}")))
    }

    /// Old addresses this session added, and those it found already there (as of the last
    /// [`flush`](ImportSession::flush)).
    pub fn legacy_url_counts(&self) -> (u64, u64) {
        (self.urls_added, self.urls_existing)
    }

    /// How many rows this session has created so far.
    pub fn created(&self) -> u64 {
        self.created
    }

    /// Ends the import. With `commit`, recomputes every board's post count (published, not
    /// deleted posts), and if anything was created bumps the site generation and writes one
    /// audit line (`import`, with `detail`), then commits. Without it (a dry run), rolls
    /// everything back.
    pub async fn finish(mut self, commit: bool, actor_name: &str, detail: &str) -> Result<()> {
        // The connection goes back to the pool with the cache the others have. (An import
        // that fails before this leaves it larger until the pool closes the connection;
        // imports run from the command line, whose process ends then.)
        if let ImportTx::Sqlite(tx) = &mut self.tx {
            let sql = format!("PRAGMA cache_size = -{}", crate::SQLITE_CACHE_KIB);
            sqlx::query(&sql).execute(&mut **tx).await?;
        }
        if commit {
            self.flush().await?;
        } else {
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
