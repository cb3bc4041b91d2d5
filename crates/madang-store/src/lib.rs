//! Madang's Store: one method per use case, over SQLite (embedded) or PostgreSQL.
//!
//! Queries are written once with `$n` placeholders and run on either backend through
//! [`on_db!`]; only schema (migrations) differs per backend. Every write that changes what
//! a page shows bumps the site generation in the same transaction, so cached pages can never
//! outlive the data they show.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use thiserror::Error;

mod admin;
mod attachments;
mod audit;
pub mod backup;
mod boards;
mod category_lists;
mod check;
mod comments;
mod editing;
mod import;
mod latest;
mod lists;
mod logo;
mod members;
mod menu;
mod menu_links;
mod neighbours;
mod pages;
mod posts;
mod publishing;
mod rank;
mod readers;
mod redirects;
mod registration;
mod replies;
mod resets;
mod revisions;
mod schedule;
mod search;
mod sessions;
mod settings;
mod staged;
mod titles;
mod transfer;
mod translations;
mod two_factor;

pub use admin::{BoardSettings, GroupSettings};
pub use attachments::NewAttachment;
pub use audit::AuditEntry;
pub use check::Problem;
pub use comments::{COMMENTS_PER_MINUTE, CommentRefusal, MAX_COMMENT_DEPTH, NewComment};
pub use editing::{ActorRef, PostEdit, RESTORE_DAYS};
pub use import::*;
pub use logo::LOGO_SETTING;
pub use members::NewMember;
pub use menu_links::{MenuLink, MenuLinkSettings};
pub use neighbours::PostNeighbours;
pub use pages::PageEntry;
pub use posts::BoardPage;
pub use publishing::{DraftScope, MAX_UNPUBLISHED, Placement, PostOptions, Unpublished};
pub use redirects::{Redirect, is_local_target};
pub use registration::{Invitation, REGISTRATION_SETTING, RegisterRefusal, Registration};
pub use resets::{PendingReset, RESET_SECONDS, ResetRequest};
pub use revisions::{Revision, RevisionSummary};
pub use search::{
    PostTerms, SEARCH_VERSION, SEARCH_WINDOW, SearchField, SearchHit, SearchRequest, SearchResults,
};
pub use sessions::{LoginRefusal, Session};
pub use settings::{DEFAULT_LANGUAGE_SETTING, TIME_ZONE_SETTING};
pub use staged::{NewStagedUpload, StagedUpload};
pub use transfer::TransferRequest;
pub use translations::{Translation, TranslationLink};
pub use two_factor::{MAX_CHALLENGE_ATTEMPTS, SecondStep};

/// What can go wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("{0}")]
    Translation(#[from] madang_core::translation::TranslationError),
    #[error("{0}")]
    Reply(#[from] madang_core::replies::ReplyRefusal),
    #[error("{0}")]
    Delete(#[from] madang_core::replies::DeleteRefusal),
    #[error("{0}")]
    Restore(#[from] madang_core::replies::RestoreRefusal),
    #[error("unsupported database address (use sqlite:… or postgres://…): {0}")]
    UnsupportedUrl(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "this data was written by a newer Madang (database schema version {found}; this \
         program knows versions up to {known}). Run the newer Madang, or restore a backup made \
         with this version."
    )]
    NewerSchema { found: i64, known: i64 },
}

/// A connection pool's state.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    /// Open connections.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max: u32,
}

impl StoreError {
    /// Whether the database file is damaged or is not a database at all (SQLite's
    /// SQLITE_CORRUPT or SQLITE_NOTADB).
    pub fn is_corrupt(&self) -> bool {
        let StoreError::Database(e) = self else {
            return false;
        };
        e.as_database_error()
            .and_then(|db| db.code())
            .is_some_and(|code| code == "11" || code == "26")
    }

    /// Whether the database refused a write because its disk (or its size limit) is full:
    /// SQLite's SQLITE_FULL, PostgreSQL's `disk_full`, or an I/O error saying so.
    pub fn is_storage_full(&self) -> bool {
        let StoreError::Database(e) = self else {
            return false;
        };
        if let Some(db) = e.as_database_error()
            && let Some(code) = db.code()
        {
            // SQLite reports the primary code 13 (SQLITE_FULL); PostgreSQL SQLSTATE 53100.
            return code == "13" || code == "53100";
        }
        matches!(e, sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::StorageFull)
    }
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same query code on whichever backend the store uses. The body is compiled once
/// per backend, so `$pool` has the concrete pool type in each arm.
macro_rules! on_db {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_db;

/// SQLite's page cache per connection, in KiB (see [`Store::connect_sized`]).
pub(crate) const SQLITE_CACHE_KIB: i64 = 4096;

/// The site's database.
pub struct Store {
    pub(crate) db: Db,
    /// What lists remember per site generation: where deep pages start, pinned rows.
    pub(crate) list_cache: lists::ListCache,
    /// Synchronous readers of an SQLite file, for list pages (`None` on PostgreSQL).
    pub(crate) readers: Option<readers::Readers>,
}

impl Store {
    /// Opens the database at `url` (`sqlite:path` or `postgres://…`), creating an SQLite file
    /// if it does not exist, and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_sized(url, None).await
    }

    /// [`Store::connect`] with the most connections the pool opens. PostgreSQL's default is
    /// 16 (size it so that nodes × pool stays under the server's `max_connections`).
    /// SQLite's is two per core, at most 8: each connection is a thread of its own, reads
    /// are CPU work on pages the operating system already caches, and more threads than
    /// that only add context switches (measured on the 100,000-post benchmark site).
    pub async fn connect_sized(url: &str, pool_size: Option<u32>) -> Result<Store> {
        let store = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // A 4 MiB page cache per connection (at most 8) and no memory map: the
                // operating system's file cache already holds the hot pages, shared, and a
                // node stays small (a memory-mapped database counts in the process' RSS).
                .pragma("mmap_size", "0")
                .pragma("cache_size", format!("-{SQLITE_CACHE_KIB}"));
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
            let file = options.get_filename().to_owned();
            let pool = SqlitePoolOptions::new()
                .max_connections(pool_size.unwrap_or((2 * cores).clamp(2, 8)).max(1))
                // A connection to a local file cannot go stale the way a network one can;
                // the ping sqlx would send before each use is one more round trip to the
                // connection's thread per statement.
                .test_before_acquire(false)
                // A COMMIT that fails (a full disk) makes SQLite roll back by itself; sqlx
                // still counts the transaction as open and would refuse every later BEGIN
                // on that connection. Such a connection is closed instead of reused.
                // Search ranks with Madang's own BM25 (rank.rs) on every connection.
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        let mut handle = conn.lock_handle().await?;
                        // SAFETY: the handle is locked for this connection alone.
                        unsafe { rank::register(handle.as_raw_handle().as_ptr()) }.map_err(|code| {
                            sqlx::Error::Configuration(
                                format!("registering madang_rank: SQLite error {code}").into(),
                            )
                        })
                    })
                })
                .after_release(|conn, _| {
                    Box::pin(async move {
                        use sqlx::Connection;
                        Ok(!conn.is_in_transaction())
                    })
                })
                .connect_with(options)
                .await?;
            check_schema_version(
                &sqlx::migrate!("migrations/sqlite"),
                sqlx::migrate!("migrations/sqlite").run(&pool).await,
            )?;
            // Lists read the file through readers of their own (readers.rs); an in-memory
            // database has no file to open twice, and its lists go through the pool.
            let readers = file
                .is_file()
                .then(|| readers::Readers::new(file, cores as usize));
            Store {
                db: Db::Sqlite(pool),
                list_cache: Default::default(),
                readers,
            }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(pool_size.unwrap_or(16).max(1))
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            check_schema_version(
                &sqlx::migrate!("migrations/postgres"),
                sqlx::migrate!("migrations/postgres").run(&pool).await,
            )?;
            Store {
                db: Db::Postgres(pool),
                list_cache: Default::default(),
                readers: None,
            }
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        // Posts indexed by an older tokenizer (or before search existed) are brought up to
        // date; when none are, this is one indexed count.
        let reindexed = store.reindex(false, |_, _| {}).await?;
        if reindexed > 0 {
            tracing::info!(
                rows = reindexed,
                "search index of posts and comments brought up to date"
            );
        }
        Ok(store)
    }

    /// Opens an existing database as it is: no file created, no migration, no re-indexing.
    /// For `madang check`, which must change nothing.
    pub async fn open_existing(url: &str) -> Result<Store> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(false)
                .read_only(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(2)
                .connect_with(options)
                .await?;
            Ok(Store {
                db: Db::Sqlite(pool),
                list_cache: Default::default(),
                readers: None,
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new().max_connections(2).connect(url).await?;
            Ok(Store {
                db: Db::Postgres(pool),
                list_cache: Default::default(),
                readers: None,
            })
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// Reads the database's catalogue: fails on a damaged file or an unreachable server.
    pub async fn readable(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite(pool) => {
                sqlx::query("SELECT COUNT(*) FROM sqlite_master")
                    .execute(pool)
                    .await?;
            }
            Db::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// The newest schema version applied to the database, and the newest this program knows.
    pub async fn schema_versions(&self) -> Result<(i64, i64)> {
        let known = match self.db {
            Db::Sqlite(_) => sqlx::migrate!("migrations/sqlite")
                .iter()
                .map(|m| m.version)
                .max(),
            Db::Postgres(_) => sqlx::migrate!("migrations/postgres")
                .iter()
                .map(|m| m.version)
                .max(),
        }
        .unwrap_or(0);
        let applied: Option<(Option<i64>,)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_optional(pool)
                .await
                .ok()
                .flatten()
        });
        Ok((applied.and_then(|(v,)| v).unwrap_or(0), known))
    }

    /// Which backend this store runs on, for logs: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// The connection pool's state now, for metrics.
    pub fn pool_stats(&self) -> PoolStats {
        on_db!(self, |pool| PoolStats {
            size: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
        })
    }

    /// Closes every connection; call before the process exits.
    pub async fn close(&self) {
        on_db!(self, |pool| pool.close().await)
    }
}

/// Starts a writing transaction. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`): a deferred transaction that reads first and writes later cannot wait for
/// another writer (SQLite answers "busy" at once), while an immediate one waits up to the
/// busy timeout like any other. PostgreSQL needs nothing special.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<
        Output = std::result::Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>,
    > + Send;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(
        &self,
    ) -> std::result::Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(
        &self,
    ) -> std::result::Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// Turns sqlx's "applied migration missing" into the message an operator needs: the data
/// comes from a newer Madang.
fn check_schema_version(
    migrator: &sqlx::migrate::Migrator,
    result: std::result::Result<(), sqlx::migrate::MigrateError>,
) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(sqlx::migrate::MigrateError::VersionMissing(found)) => Err(StoreError::NewerSchema {
            found,
            known: migrator.iter().map(|m| m.version).max().unwrap_or(0),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Converts a stored Unix time to a timestamp; out-of-range values become the epoch rather
/// than failing a whole page.
pub(crate) fn ts(seconds: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(seconds).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}
