//! Reading and verifying an archive: every member's size and SHA-256 against the
//! manifest, nothing missing, nothing extra, and a manifest this build understands.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result};

use super::manifest::{
    DatabasePart, FORMAT, FORMAT_VERSION, Hashing, MANIFEST, Manifest, Member, safe_member,
    table_name_ok, valid_key,
};
use super::progress::{Bar, Progress};

// ---------------------------------------------------------------------------------------
// Reading and verifying

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

pub(super) fn open_archive<'a>(
    path: &Path,
    bar: &'a mut Bar,
) -> Result<tar::Archive<Box<dyn Read + 'a>>> {
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
