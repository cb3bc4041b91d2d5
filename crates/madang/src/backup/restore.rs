//! Restoring an archive into an empty data folder and an empty database of either
//! backend: verified first, then extracted (each member checked again), the database placed
//! or loaded, the settings adjusted and every stored file read back.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use madang_files::Files;
use madang_store::Store;
use madang_store::backup::TableFile;
use sha2::{Digest, Sha256};

use crate::config::FileConfig;

use super::manifest::{
    DatabasePart, Hashing, MANIFEST, Manifest, Member, TableEntry, safe_member, valid_key,
};
use super::progress::Progress;
use super::verify::{open_archive, verify};
use super::{WorkDir, backend_of, redact};

// ---------------------------------------------------------------------------------------
// Restoring

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub manifest: Manifest,
    pub data_dir: PathBuf,
    pub database: String,
    /// Rows loaded (None when an SQLite file was placed as it is).
    pub rows: Option<u64>,
    pub files: usize,
    pub notes: Vec<String>,
    pub seconds: f64,
}

impl fmt::Display for RestoreReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "restored the {} backup of {} into {} (database {}",
            self.manifest.backend,
            self.manifest.created_at,
            self.data_dir.display(),
            redact(&self.database)
        )?;
        match self.rows {
            Some(rows) => write!(f, ", {rows} rows loaded")?,
            None => write!(f, ", database file placed")?,
        }
        write!(f, "; {} stored files) in {:.1} s", self.files, self.seconds)?;
        for note in &self.notes {
            write!(f, "\nnote: {note}")?;
        }
        Ok(())
    }
}

/// Refuses (changing nothing) unless `dir` is missing or an empty folder.
pub fn check_empty_folder(dir: &Path) -> Result<()> {
    match std::fs::read_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("reading the data folder {}", dir.display())),
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "the data folder {} is not empty; restore only into a new or empty folder (nothing was changed)",
                    dir.display()
                );
            }
            Ok(())
        }
    }
}

/// Restores `archive` into the empty (or missing) `data_dir` and the empty database at
/// `database_url`. The archive is verified first; nothing is written before that.
pub async fn restore(
    archive: &Path,
    data_dir: &Path,
    database_url: &str,
    progress: &Progress,
) -> Result<RestoreReport> {
    let started = Instant::now();
    check_empty_folder(data_dir)?;
    let target = backend_of(database_url);
    if target == "sqlite" {
        let file = madang_store::backup::sqlite_file(database_url)?;
        if file.exists() {
            bail!(
                "the database file {} already exists; restore only into a new database (nothing was changed)",
                file.display()
            );
        }
    } else if !madang_store::backup::database_is_empty(database_url)
        .await
        .with_context(|| format!("opening the database {}", redact(database_url)))?
    {
        bail!(
            "the database {} is not empty; restore only into an empty database (nothing was changed)",
            redact(database_url)
        );
    }
    let verified = verify(archive, progress)?;
    if !verified.is_ok() {
        bail!(
            "the archive failed verification; nothing was changed:\n  - {}",
            verified.problems.join("\n  - ")
        );
    }
    let manifest = verified
        .manifest
        .ok_or_else(|| anyhow!("the archive has no manifest"))?;
    let known = madang_store::backup::schema_version(target);
    if manifest.schema_version > known {
        bail!(
            "the backup has schema version {}, newer than this Madang's {known}; use Madang {} or newer (nothing was changed)",
            manifest.schema_version,
            manifest.madang_version
        );
    }

    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating the data folder {}", data_dir.display()))?;
    let result = restore_into(archive, data_dir, database_url, &manifest, progress).await;
    match result {
        Ok((rows, files, notes)) => Ok(RestoreReport {
            manifest,
            data_dir: data_dir.to_owned(),
            database: database_url.to_owned(),
            rows,
            files,
            notes,
            seconds: started.elapsed().as_secs_f64(),
        }),
        Err(e) => Err(e.context(format!(
            "the restore stopped; empty the data folder {} (and the database) before trying again",
            data_dir.display()
        ))),
    }
}

async fn restore_into(
    archive: &Path,
    data_dir: &Path,
    database_url: &str,
    manifest: &Manifest,
    progress: &Progress,
) -> Result<(Option<u64>, usize, Vec<String>)> {
    let work = WorkDir::new(data_dir, ".madang-restore-")?;
    let tables_dir = work.path().join("tables");
    std::fs::create_dir_all(&tables_dir)?;
    let files_dir = data_dir.join("files");
    let expected: BTreeMap<&str, &Member> = manifest
        .members
        .iter()
        .map(|m| (m.path.as_str(), m))
        .collect();
    let sqlite_member = match &manifest.database {
        DatabasePart::SqliteFile { member } => Some(member.as_str()),
        DatabasePart::Tables { .. } => None,
    };
    let table_members: BTreeMap<&str, &TableEntry> = match &manifest.database {
        DatabasePart::Tables { tables } => tables.iter().map(|t| (t.member.as_str(), t)).collect(),
        DatabasePart::SqliteFile { .. } => BTreeMap::new(),
    };
    let mut settings: Option<PathBuf> = None;
    let mut table_files: Vec<TableFile> = Vec::new();
    let mut restored_files = 0usize;

    // Pass 2: extract, checking each member's hash again as it is written.
    let total = std::fs::metadata(archive)?.len();
    let mut bar = progress.bar("restoring", total, true);
    {
        let mut tar = open_archive(archive, &mut bar)?;
        for entry in tar.entries()? {
            let entry = entry?;
            let path = String::from_utf8(entry.path_bytes().into_owned())
                .map_err(|_| anyhow!("a member's name is not UTF-8"))?;
            if path == MANIFEST {
                continue;
            }
            let member = expected
                .get(path.as_str())
                .ok_or_else(|| anyhow!("{path} is not in the manifest"))?;
            let destination = if Some(path.as_str()) == sqlite_member {
                work.path().join("madang.db")
            } else if let Some(table) = table_members.get(path.as_str()) {
                let file = tables_dir.join(format!("{}.jsonl", table.name));
                table_files.push(TableFile {
                    name: table.name.clone(),
                    path: file.clone(),
                    rows: table.rows,
                });
                file
            } else if let Some(key) = path.strip_prefix("files/") {
                if !valid_key(key) {
                    bail!("invalid storage key {key:?}");
                }
                restored_files += 1;
                files_dir.join(key)
            } else if path == "madang.toml" {
                let file = work.path().join("madang.toml");
                settings = Some(file.clone());
                file
            } else if path.starts_with("theme/") && safe_member(&path) {
                data_dir.join(&path)
            } else {
                progress.note(&format!(
                    "note: {path} is not something this Madang restores"
                ));
                continue;
            };
            if let Some(parent) = destination.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut out = BufWriter::new(
                File::create(&destination)
                    .with_context(|| format!("creating {}", destination.display()))?,
            );
            let mut hashing = Hashing::new(entry);
            io::copy(&mut hashing, &mut out).with_context(|| format!("extracting {path}"))?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            let (size, sha) = hashing.finish();
            if size != member.size || sha != member.sha256 {
                bail!("{path} changed since the archive was verified");
            }
        }
    }
    bar.finish("extracted");

    // The database.
    let mut notes = Vec::new();
    let target = backend_of(database_url);
    let mut bar = progress.bar("database", 0, false);
    let rows = {
        let mut report = |table: &str, rows: u64| {
            bar.message(table);
            bar.set(rows);
        };
        match (&manifest.database, target) {
            (DatabasePart::SqliteFile { .. }, "sqlite") => {
                let file = madang_store::backup::sqlite_file(database_url)?;
                if let Some(parent) = file.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::rename(work.path().join("madang.db"), &file)
                    .with_context(|| format!("placing the database file at {}", file.display()))?;
                // Opening it applies any newer migrations and checks it is readable.
                let store = Store::connect(database_url)
                    .await
                    .context("opening the restored database")?;
                store.close().await;
                None
            }
            (DatabasePart::SqliteFile { .. }, _) => {
                let exported = madang_store::backup::export_sqlite_file(
                    &work.path().join("madang.db"),
                    &tables_dir,
                    &mut report,
                )
                .await
                .context("reading the backed-up SQLite database")?;
                Some(load(database_url, &exported, &mut report).await?)
            }
            (DatabasePart::Tables { .. }, _) => {
                Some(load(database_url, &table_files, &mut report).await?)
            }
        }
    };
    bar.finish("restored");

    // The settings: a database address that points elsewhere is commented out, so the
    // restored site never opens the database the backup came from.
    if let Some(file) = settings {
        let text = std::fs::read_to_string(&file).context("reading the backed-up madang.toml")?;
        let parsed: Option<FileConfig> = toml::from_str(&text).ok();
        let old_url = parsed.and_then(|c| c.database_url);
        let text = match old_url {
            Some(old) if old != database_url => {
                notes.push(format!(
                    "madang.toml's database_url ({}) was commented out; start Madang with --database-url {} (or MADANG_DATABASE_URL)",
                    redact(&old),
                    redact(database_url)
                ));
                comment_out_database_url(&text)
            }
            _ => text,
        };
        std::fs::write(data_dir.join("madang.toml"), text)?;
    }

    // Every stored file, read back through file storage.
    let files = Files::local(&files_dir).context("opening file storage")?;
    for key in &manifest.files {
        let bytes = files
            .read(key)
            .await
            .with_context(|| format!("reading back stored file {key}"))?;
        let member = expected
            .get(format!("files/{key}").as_str())
            .ok_or_else(|| anyhow!("stored file {key} is not listed"))?;
        if hex::encode(Sha256::digest(&bytes)) != member.sha256 {
            bail!("stored file {key} reads back differently");
        }
    }
    if !manifest.missing_files.is_empty() {
        notes.push(format!(
            "{} stored files were already missing when the backup was taken",
            manifest.missing_files.len()
        ));
    }
    Ok((rows, restored_files, notes))
}

async fn load(
    database_url: &str,
    tables: &[TableFile],
    report: madang_store::backup::Progress<'_>,
) -> Result<u64> {
    let store = Store::connect(database_url)
        .await
        .with_context(|| format!("opening the database {}", redact(database_url)))?;
    let result = store.load_tables(tables, report).await;
    store.close().await;
    result.context("loading the backed-up rows")
}

/// Turns `database_url = …` lines into comments.
fn comment_out_database_url(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 80);
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let is_url = trimmed
            .strip_prefix("database_url")
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if is_url {
            out.push_str("# (madang restore) ");
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_commented_out() {
        let text = "listen = \"0.0.0.0:80\"\ndatabase_url = \"postgres://u:p@h/db\"\n";
        assert_eq!(
            comment_out_database_url(text),
            "listen = \"0.0.0.0:80\"\n# (madang restore) database_url = \"postgres://u:p@h/db\"\n"
        );
        let config: FileConfig = toml::from_str(&comment_out_database_url(text)).unwrap();
        assert_eq!(config.database_url, None);
    }
}
