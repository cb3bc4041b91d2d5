//! `madang backup FILE`, `madang backup --verify FILE` and `madang restore FILE`.
//!
//! A backup is one tar archive, gzip-compressed unless FILE ends in `.tar`. Its members
//! mirror the data folder:
//!
//! ```text
//! madang.db                 SQLite: the whole database (VACUUM INTO, consistent by itself)
//! database/<table>.jsonl    PostgreSQL: every table as JSON lines, from one REPEATABLE READ
//!                           transaction, in load order
//! files/<key>               every stored file the snapshot refers to (attachments and
//!                           legacy files), under its storage key
//! madang.toml               the settings, if present
//! theme/…                   the theme overrides, if present
//! manifest.json             last: format, Madang version, backend, schema version, time,
//!                           and every other member with its size and SHA-256
//! ```
//!
//! Restore goes into an empty data folder and an empty database of either backend: an
//! SQLite file is placed as it is (or, for PostgreSQL, read and loaded as rows); exported
//! rows load into a freshly migrated database of either backend.
//!
//! The parts: `manifest` (what an archive holds, member checks and checksums), `progress`
//! (bars and lines), `write` (writing an archive), `verify` (reading and checking one),
//! `restore` (into an empty data folder and database); the shared helpers and the commands
//! are here.

mod manifest;
mod progress;
mod restore;
mod verify;
mod write;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use madang_store::Store;

use crate::config::{Config, DEFAULT_DATA_DIR, SiteArgs};

pub use manifest::{
    DatabasePart, FORMAT, FORMAT_VERSION, MANIFEST, Manifest, Member, SQLITE_MEMBER, TableEntry,
    valid_key,
};
pub use progress::Progress;
pub use restore::{RestoreReport, check_empty_folder, restore};
pub use verify::{VerifyReport, verify};
pub use write::{BackupReport, backup};

// ---------------------------------------------------------------------------------------
// Small helpers

/// A folder removed (with its contents) when dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new(parent: &Path, prefix: &str) -> Result<WorkDir> {
        let mut random = [0u8; 6];
        rand::fill(&mut random);
        let path = parent.join(format!("{prefix}{}", hex::encode(random)));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("creating the work folder {}", path.display()))?;
        Ok(WorkDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Hides a password in a database address before it is shown.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn backend_of(url: &str) -> &'static str {
    if url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    }
}

// ---------------------------------------------------------------------------------------
// The commands

/// `madang backup FILE` and `madang backup --verify FILE`.
pub async fn run_backup(site: &SiteArgs, file: &Path, verify_only: bool) -> Result<()> {
    let progress = Progress::for_output();
    if verify_only {
        let report = verify(file, &progress)?;
        println!("{report}");
        if !report.is_ok() {
            bail!(
                "{} problems found in {}",
                report.problems.len(),
                file.display()
            );
        }
        return Ok(());
    }
    let config = Config::resolve(site, None)?;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data folder {}", config.data_dir.display()))?;
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| format!("opening the database {}", redact(&config.database_url)))?;
    let files = config.files()?;
    let result = backup(&store, &files, &config.data_dir, file, &progress).await;
    store.close().await;
    println!("{}", result?);
    Ok(())
}

/// `madang restore FILE`.
pub async fn run_restore(site: &SiteArgs, file: &Path) -> Result<()> {
    let data_dir = site
        .data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    // Before reading any settings there: a non-empty folder is refused as it is.
    check_empty_folder(&data_dir)?;
    let config = Config::resolve(site, None)?;
    let progress = Progress::for_output();
    let report = restore(file, &config.data_dir, &config.database_url, &progress).await?;
    println!("{report}");
    Ok(())
}
