//! Writing an archive: a consistent snapshot of the database, the stored files it refers
//! to, the settings and the theme, each member hashed as it is written and the manifest
//! last; the archive appears under its name only when complete.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use madang_files::{Files, FilesError};
use madang_store::Store;
use madang_store::backup::{Snapshot, SnapshotData};

use super::WorkDir;
use super::manifest::{
    DatabasePart, FORMAT, FORMAT_VERSION, Hashing, MANIFEST, Manifest, Member, SQLITE_MEMBER,
    TableEntry, safe_member, valid_key,
};
use super::progress::Progress;

// ---------------------------------------------------------------------------------------
// Writing

enum Sink {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
        }
    }
}

impl Sink {
    fn finish(self) -> io::Result<File> {
        let buffered = match self {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w.finish()?,
        };
        buffered.into_inner().map_err(|e| e.into_error())
    }
}

struct ArchiveWriter {
    builder: tar::Builder<Sink>,
    members: Vec<Member>,
    mtime: u64,
}

impl ArchiveWriter {
    fn create(path: &Path, gzip: bool) -> Result<ArchiveWriter> {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let buffered = BufWriter::with_capacity(1 << 20, file);
        let sink = if gzip {
            Sink::Gzip(flate2::write::GzEncoder::new(
                buffered,
                flate2::Compression::default(),
            ))
        } else {
            Sink::Plain(buffered)
        };
        Ok(ArchiveWriter {
            builder: tar::Builder::new(sink),
            members: Vec::new(),
            mtime: jiff::Timestamp::now().as_second().max(0) as u64,
        })
    }

    /// Adds a member of exactly `size` bytes read from `reader`, recording its hash.
    fn add(&mut self, path: &str, size: u64, reader: impl Read) -> Result<()> {
        let mut hashing = Hashing::new(reader.take(size));
        self.append(path, size, &mut hashing)?;
        let (count, sha256) = hashing.finish();
        if count != size {
            bail!("{path} changed size while it was being archived");
        }
        self.members.push(Member {
            path: path.to_owned(),
            size,
            sha256,
        });
        Ok(())
    }

    fn append(&mut self, path: &str, size: u64, reader: impl Read) -> Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(self.mtime);
        self.builder
            .append_data(&mut header, path, reader)
            .with_context(|| format!("writing {path} to the archive"))
    }

    fn add_file(&mut self, path: &str, source: &Path) -> Result<()> {
        let file = File::open(source).with_context(|| format!("reading {}", source.display()))?;
        let size = file.metadata()?.len();
        self.add(path, size, BufReader::new(file))
    }

    fn finish(mut self, manifest: &Manifest) -> Result<()> {
        let text = serde_json::to_vec_pretty(manifest)?;
        self.append(MANIFEST, text.len() as u64, &text[..])?;
        let sink = self.builder.into_inner().context("finishing the archive")?;
        let file = sink.finish().context("finishing the archive")?;
        file.sync_all().context("writing the archive to disk")?;
        Ok(())
    }
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub archive: PathBuf,
    pub manifest: Manifest,
    /// The archive's size in bytes.
    pub bytes: u64,
    pub seconds: f64,
}

impl fmt::Display for BackupReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.manifest;
        writeln!(
            f,
            "backup written to {} ({} bytes, {} members, {:.1} s)",
            self.archive.display(),
            self.bytes,
            m.members.len() + 1,
            self.seconds
        )?;
        write!(
            f,
            "database: {} (schema {}), files: {}",
            m.backend,
            m.schema_version,
            m.files.len()
        )?;
        if !m.missing_files.is_empty() {
            write!(
                f,
                "\nwarning: {} stored files the database refers to were missing and are not in the backup: {}",
                m.missing_files.len(),
                m.missing_files.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Writes a consistent backup of a (possibly running) site to `archive`: gzip-compressed
/// unless the name ends in `.tar`. The archive appears only when complete.
pub async fn backup(
    store: &Store,
    files: &Files,
    data_dir: &Path,
    archive: &Path,
    progress: &Progress,
) -> Result<BackupReport> {
    let started = Instant::now();
    let name = archive
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| anyhow!("{} is not a file name", archive.display()))?
        .to_owned();
    let parent = match archive.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let gzip = !name.ends_with(".tar");
    let work = WorkDir::new(&parent, ".madang-backup-")?;
    let partial = parent.join(format!(".{name}.partial"));
    let result = write_backup(
        store,
        files,
        data_dir,
        work.path(),
        &partial,
        gzip,
        progress,
    )
    .await;
    let manifest = match result {
        Ok(manifest) => manifest,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, archive)
        .with_context(|| format!("moving the finished archive to {}", archive.display()))?;
    let bytes = std::fs::metadata(archive)?.len();
    Ok(BackupReport {
        archive: archive.to_owned(),
        manifest,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

async fn write_backup(
    store: &Store,
    files: &Files,
    data_dir: &Path,
    work: &Path,
    partial: &Path,
    gzip: bool,
    progress: &Progress,
) -> Result<Manifest> {
    let created_at = jiff::Timestamp::now();
    let mut bar = progress.bar("database", 0, false);
    bar.message("snapshot");
    let snapshot: Snapshot = {
        let mut report = |table: &str, rows: u64| {
            bar.message(table);
            bar.set(rows);
        };
        store
            .snapshot(work, &mut report)
            .await
            .context("taking a snapshot of the database")?
    };
    bar.finish("snapshot taken");

    let mut out = ArchiveWriter::create(partial, gzip)?;
    let database = match &snapshot.data {
        SnapshotData::SqliteFile(path) => {
            out.add_file(SQLITE_MEMBER, path)?;
            DatabasePart::SqliteFile {
                member: SQLITE_MEMBER.to_owned(),
            }
        }
        SnapshotData::Tables(tables) => {
            let mut entries = Vec::new();
            for table in tables {
                let member = format!("database/{}.jsonl", table.name);
                out.add_file(&member, &table.path)?;
                entries.push(TableEntry {
                    name: table.name.clone(),
                    member,
                    rows: table.rows,
                });
            }
            DatabasePart::Tables { tables: entries }
        }
    };

    let mut bar = progress.bar("files", snapshot.storage_keys.len() as u64, false);
    let mut included = Vec::new();
    let mut missing = Vec::new();
    for key in &snapshot.storage_keys {
        if !valid_key(key) {
            progress.note(&format!(
                "warning: the database refers to an invalid storage key {key:?}; skipped"
            ));
            missing.push(key.clone());
            bar.inc(1);
            continue;
        }
        match files.read(key).await {
            Ok(bytes) => {
                out.add(&format!("files/{key}"), bytes.len() as u64, &bytes[..])?;
                included.push(key.clone());
            }
            Err(FilesError::NotFound) => {
                progress.note(&format!(
                    "warning: stored file {key} is referred to by the database but missing from storage"
                ));
                missing.push(key.clone());
            }
            Err(e) => return Err(anyhow!("reading stored file {key}: {e}")),
        }
        bar.inc(1);
    }
    bar.finish("stored files");

    let settings = data_dir.join("madang.toml");
    if settings.is_file() {
        out.add_file("madang.toml", &settings)?;
    }
    let theme = data_dir.join("theme");
    if theme.is_dir() {
        let mut found = Vec::new();
        walk(&theme, "theme", &mut found, progress)?;
        for (member, path) in found {
            out.add_file(&member, &path)?;
        }
    }

    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        madang_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: created_at.to_string(),
        backend: snapshot.backend.to_owned(),
        schema_version: snapshot.schema_version,
        database,
        files: included,
        missing_files: missing,
        members: out.members.clone(),
    };
    out.finish(&manifest)?;
    Ok(manifest)
}

/// Regular files under `dir`, sorted, as (member path, file path).
fn walk(
    dir: &Path,
    prefix: &str,
    found: &mut Vec<(String, PathBuf)>,
    progress: &Progress,
) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            progress.note(&format!(
                "warning: {} has a name that is not UTF-8; skipped",
                entry.path().display()
            ));
            continue;
        };
        let member = format!("{prefix}/{name}");
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), &member, found, progress)?;
        } else if kind.is_file() && safe_member(&member) {
            found.push((member, entry.path()));
        } else {
            progress.note(&format!(
                "warning: {} is not a regular file; skipped",
                entry.path().display()
            ));
        }
    }
    Ok(())
}
