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

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use madang_files::{Files, FilesError};
use madang_store::Store;
use madang_store::backup::{Snapshot, SnapshotData, TableFile};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, DEFAULT_DATA_DIR, FileConfig, SiteArgs};

/// The manifest's member name.
pub const MANIFEST: &str = "manifest.json";
/// The manifest's `format`.
pub const FORMAT: &str = "madang-backup";
/// The manifest's `format_version` this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The SQLite database's member name.
pub const SQLITE_MEMBER: &str = "madang.db";

/// What an archive holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub madang_version: String,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub created_at: String,
    /// The backend backed up: `sqlite` or `postgres`.
    pub backend: String,
    /// The newest schema migration applied to the snapshot.
    pub schema_version: i64,
    pub database: DatabasePart,
    /// Storage keys of the files included (each as `files/<key>`).
    pub files: Vec<String>,
    /// Storage keys the snapshot refers to whose file was missing from storage.
    #[serde(default)]
    pub missing_files: Vec<String>,
    /// Every member except the manifest itself.
    pub members: Vec<Member>,
}

/// How the database is stored in the archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DatabasePart {
    /// A complete SQLite database file.
    SqliteFile { member: String },
    /// Portable rows: one JSON-lines member per table, in load order.
    Tables { tables: Vec<TableEntry> },
}

/// One exported table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableEntry {
    pub name: String,
    pub member: String,
    pub rows: u64,
}

/// One archive member.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Member {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

// ---------------------------------------------------------------------------------------
// Progress

/// Where progress goes: bars on a terminal, plain lines otherwise, or nowhere (tests).
pub enum Progress {
    Bars(indicatif::MultiProgress),
    Lines,
    Quiet,
}

impl Progress {
    /// Bars when standard error is a terminal, plain lines otherwise.
    pub fn for_output() -> Progress {
        use std::io::IsTerminal;
        if io::stderr().is_terminal() {
            Progress::Bars(indicatif::MultiProgress::new())
        } else {
            Progress::Lines
        }
    }

    fn bar(&self, label: &str, total: u64, bytes: bool) -> Bar {
        let bar = match self {
            Progress::Bars(bars) => {
                let bar = bars.add(indicatif::ProgressBar::new(total));
                let template = if bytes {
                    "{prefix:20} [{bar:30}] {bytes}/{total_bytes} {msg}"
                } else {
                    "{prefix:20} [{bar:30}] {pos}/{len} {msg}"
                };
                bar.set_style(
                    indicatif::ProgressStyle::with_template(template)
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar.set_prefix(label.to_owned());
                Some(bar)
            }
            _ => None,
        };
        Bar {
            bar,
            lines: matches!(self, Progress::Lines),
            label: label.to_owned(),
            position: 0,
            bytes,
        }
    }

    /// A line for the person running the command (warnings, notes).
    fn note(&self, text: &str) {
        match self {
            Progress::Bars(bars) => {
                let _ = bars.println(text);
            }
            Progress::Lines => eprintln!("{text}"),
            Progress::Quiet => {}
        }
    }
}

struct Bar {
    bar: Option<indicatif::ProgressBar>,
    lines: bool,
    label: String,
    position: u64,
    bytes: bool,
}

impl Bar {
    fn set(&mut self, position: u64) {
        self.position = position;
        if let Some(bar) = &self.bar {
            if bar.length().is_some_and(|l| l < position) {
                bar.set_length(position);
            }
            bar.set_position(position);
        }
    }

    fn inc(&mut self, by: u64) {
        self.set(self.position + by);
    }

    fn message(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_owned());
        }
    }

    fn finish(self, summary: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_with_message(summary.to_owned());
        }
        if self.lines {
            let amount = if self.bytes {
                format!("{} bytes", self.position)
            } else {
                self.position.to_string()
            };
            if self.position == 0 && !self.bytes {
                println!("{}: {summary}", self.label);
            } else {
                println!("{}: {amount} {summary}", self.label);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Small helpers

/// A reader that counts and hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Hashing<R> {
        Hashing {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    fn finish(self) -> (u64, String) {
        (self.count, hex::encode(self.hasher.finalize()))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// A reader that reports how far it has read.
struct Counting<'a, R> {
    inner: R,
    bar: &'a mut Bar,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

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

/// A storage key as `madang_files` makes them: `ab/ab` + 30 more lower-case hex digits.
pub fn valid_key(key: &str) -> bool {
    key.len() == 35
        && key.as_bytes()[2] == b'/'
        && key
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 2 || b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && key[..2] == key[3..5]
}

/// A relative member path of plain parts: no `..`, no absolute paths, no backslashes.
fn safe_member(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

fn table_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
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

// ---------------------------------------------------------------------------------------
// Reading and verifying

fn open_archive<'a>(path: &Path, bar: &'a mut Bar) -> Result<tar::Archive<Box<dyn Read + 'a>>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut buffered = BufReader::with_capacity(1 << 20, Counting { inner: file, bar });
    let gzip = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read + 'a> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    Ok(tar::Archive::new(reader))
}

/// What `--verify` found.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    pub manifest: Option<Manifest>,
    /// Every problem found; empty when the archive is sound.
    pub problems: Vec<String>,
    /// Members read (the manifest included).
    pub members: usize,
    /// Bytes of member data read.
    pub bytes: u64,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(m) = &self.manifest {
            writeln!(
                f,
                "Madang {} backup of {} (schema {}) taken {}: {} members, {} stored files, {} bytes",
                m.madang_version,
                m.backend,
                m.schema_version,
                m.created_at,
                self.members,
                m.files.len(),
                self.bytes
            )?;
            if !m.missing_files.is_empty() {
                writeln!(
                    f,
                    "note: {} stored files were already missing when the backup was taken",
                    m.missing_files.len()
                )?;
            }
        }
        if self.problems.is_empty() {
            write!(f, "the archive is sound: every checksum matches")
        } else {
            writeln!(f, "{} problems:", self.problems.len())?;
            for problem in &self.problems {
                writeln!(f, "  - {problem}")?;
            }
            Ok(())
        }
    }
}

/// Checks an archive: every member's size and SHA-256 against the manifest, nothing
/// missing, nothing extra, and a manifest this build understands. Problems are reported,
/// not returned as errors; an error means the archive could not be opened at all.
pub fn verify(archive: &Path, progress: &Progress) -> Result<VerifyReport> {
    let total = std::fs::metadata(archive)
        .with_context(|| format!("opening {}", archive.display()))?
        .len();
    let mut bar = progress.bar("verifying", total, true);
    let mut report = VerifyReport::default();
    let mut seen: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut manifest_text: Option<Vec<u8>> = None;
    {
        let mut tar = open_archive(archive, &mut bar)?;
        let read = (|| -> io::Result<()> {
            for entry in tar.entries()? {
                let entry = entry?;
                report.members += 1;
                let Ok(path) = String::from_utf8(entry.path_bytes().into_owned()) else {
                    report
                        .problems
                        .push("a member's name is not UTF-8".to_owned());
                    continue;
                };
                if !entry.header().entry_type().is_file() {
                    report
                        .problems
                        .push(format!("{path} is not a regular file"));
                    continue;
                }
                if path == MANIFEST {
                    if manifest_text.is_some() {
                        report
                            .problems
                            .push("the archive has more than one manifest".to_owned());
                    }
                    let mut text = Vec::new();
                    entry.take(64 << 20).read_to_end(&mut text)?;
                    manifest_text = Some(text);
                    continue;
                }
                let mut hashing = Hashing::new(entry);
                io::copy(&mut hashing, &mut io::sink())?;
                let (size, sha) = hashing.finish();
                report.bytes += size;
                if seen.insert(path.clone(), (size, sha)).is_some() {
                    report.problems.push(format!("{path} appears twice"));
                }
            }
            Ok(())
        })();
        if let Err(e) = read {
            report
                .problems
                .push(format!("the archive cannot be read to its end: {e}"));
        }
    }
    bar.finish("read");
    let Some(text) = manifest_text else {
        report
            .problems
            .push(format!("the archive has no {MANIFEST}"));
        return Ok(report);
    };
    let manifest: Manifest = match serde_json::from_slice(&text) {
        Ok(m) => m,
        Err(e) => {
            report
                .problems
                .push(format!("{MANIFEST} cannot be read: {e}"));
            return Ok(report);
        }
    };
    check_manifest(&manifest, &seen, &mut report.problems);
    report.manifest = Some(manifest);
    Ok(report)
}

fn check_manifest(
    manifest: &Manifest,
    seen: &BTreeMap<String, (u64, String)>,
    problems: &mut Vec<String>,
) {
    if manifest.format != FORMAT {
        problems.push(format!(
            "the manifest's format is {:?}, not {FORMAT:?}",
            manifest.format
        ));
    }
    if manifest.format_version > FORMAT_VERSION {
        problems.push(format!(
            "the archive has format version {}; this Madang reads up to {FORMAT_VERSION}",
            manifest.format_version
        ));
    }
    if manifest.backend != "sqlite" && manifest.backend != "postgres" {
        problems.push(format!("unknown backend {:?}", manifest.backend));
    }
    if manifest.created_at.parse::<jiff::Timestamp>().is_err() {
        problems.push(format!(
            "the manifest's time {:?} is not a time",
            manifest.created_at
        ));
    }
    let mut listed: BTreeMap<&str, &Member> = BTreeMap::new();
    for member in &manifest.members {
        if !safe_member(&member.path) || member.path == MANIFEST {
            problems.push(format!(
                "the manifest lists an unsafe path {:?}",
                member.path
            ));
        }
        if listed.insert(&member.path, member).is_some() {
            problems.push(format!("the manifest lists {} twice", member.path));
        }
        match seen.get(&member.path) {
            None => problems.push(format!("{} is listed but missing", member.path)),
            Some((size, _)) if *size != member.size => problems.push(format!(
                "{} has {size} bytes, the manifest says {}",
                member.path, member.size
            )),
            Some((_, sha)) if *sha != member.sha256 => problems.push(format!(
                "{} is damaged: its SHA-256 is {sha}, the manifest says {}",
                member.path, member.sha256
            )),
            Some(_) => {}
        }
    }
    for path in seen.keys() {
        if !listed.contains_key(path.as_str()) {
            problems.push(format!("{path} is in the archive but not in the manifest"));
        }
    }
    match &manifest.database {
        DatabasePart::SqliteFile { member } => {
            if manifest.backend != "sqlite" {
                problems.push("an SQLite database file in a PostgreSQL backup".to_owned());
            }
            if !listed.contains_key(member.as_str()) {
                problems.push(format!("the database {member} is not listed"));
            }
        }
        DatabasePart::Tables { tables } => {
            for table in tables {
                if !table_name_ok(&table.name) {
                    problems.push(format!("invalid table name {:?}", table.name));
                }
                if !listed.contains_key(table.member.as_str()) {
                    problems.push(format!(
                        "the table {} ({}) is not listed",
                        table.name, table.member
                    ));
                }
            }
        }
    }
    for key in &manifest.files {
        if !valid_key(key) {
            problems.push(format!("invalid storage key {key:?}"));
        } else if !listed.contains_key(format!("files/{key}").as_str()) {
            problems.push(format!("stored file {key} is not listed"));
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_paths_and_keys_are_checked() {
        assert!(safe_member("theme/static/site.css"));
        assert!(!safe_member("../etc/passwd"));
        assert!(!safe_member("/etc/passwd"));
        assert!(!safe_member("theme//x"));
        assert!(!safe_member("theme\\..\\x"));
        assert!(valid_key("ab/ab000000000000000000000000000000"));
        assert!(!valid_key("ab/cd000000000000000000000000000000"));
        assert!(!valid_key("../../../../../../../../etc/passwd0"));
    }

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
