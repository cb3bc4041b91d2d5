//! The manifest (what an archive holds: its members with their sizes and SHA-256), the
//! checks on the names it may hold (member paths, storage keys, table names), and the
//! hashing reader that computes the checksums.

use std::io::{self, Read};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

/// A reader that counts and hashes what passes through it.
pub(super) struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> Hashing<R> {
    pub(super) fn new(inner: R) -> Hashing<R> {
        Hashing {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    pub(super) fn finish(self) -> (u64, String) {
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
pub(super) fn safe_member(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

pub(super) fn table_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
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
}
