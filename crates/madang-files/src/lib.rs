//! Attachment storage over `object_store`: a local folder by default, S3-compatible storage
//! when configured. Objects are stored under random keys, never under names users chose, so
//! no upload can land outside the storage root or be found by guessing.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// What can go wrong with file storage.
#[derive(Debug, Error)]
pub enum FilesError {
    #[error("file not found in storage")]
    NotFound,
    #[error("invalid storage key")]
    InvalidKey,
    #[error("file storage: {0}")]
    Storage(#[from] object_store::Error),
    #[error("{0}")]
    Config(String),
    #[error("file storage folder: {0}")]
    Io(#[from] std::io::Error),
}

/// `s3://bucket/some/prefix` → ("bucket", Some("some/prefix")).
fn parse_s3_url(url: &str) -> Option<(&str, Option<&str>)> {
    let rest = url.strip_prefix("s3://")?;
    let (bucket, prefix) = match rest.split_once('/') {
        Some((bucket, prefix)) => (bucket, Some(prefix.trim_matches('/'))),
        None => (rest, None),
    };
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    let prefix = prefix.filter(|p| !p.is_empty());
    let prefix_ok = prefix.is_none_or(|p| {
        p.split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
    });
    (bucket_ok && prefix_ok).then_some((bucket, prefix))
}

impl FilesError {
    /// Whether storage refused a write because the disk is full (ENOSPC anywhere in the
    /// error's chain of causes).
    pub fn is_storage_full(&self) -> bool {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = cause {
            if let Some(io) = e.downcast_ref::<std::io::Error>()
                && (io.kind() == std::io::ErrorKind::StorageFull || io.raw_os_error() == Some(28))
            {
                return true;
            }
            cause = e.source();
        }
        false
    }
}

/// A file written to storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub key: String,
    pub size: i64,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
}

/// A file read from storage, as a stream of chunks.
pub struct FileStream {
    pub size: u64,
    pub chunks: BoxStream<'static, Result<Bytes, FilesError>>,
}

/// The site's file storage.
#[derive(Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
    /// The folder, when storage is local (one node owns it).
    local_root: Option<std::path::PathBuf>,
}

impl Files {
    /// Storage in a local folder, created if missing.
    pub fn local(root: &Path) -> Result<Files, FilesError> {
        std::fs::create_dir_all(root)?;
        let store = LocalFileSystem::new_with_prefix(root)?;
        Ok(Files {
            store: Arc::new(store),
            local_root: Some(root.to_path_buf()),
        })
    }

    /// S3-compatible storage at `s3://bucket/prefix` (the prefix is optional). Endpoint,
    /// region and keys come from the usual environment variables: `AWS_ENDPOINT_URL` (for
    /// MinIO, Garage, Ceph, R2 …), `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, and `AWS_ALLOW_HTTP=true` for an endpoint without TLS.
    pub fn s3(url: &str) -> Result<Files, FilesError> {
        let (bucket, prefix) = parse_s3_url(url).ok_or_else(|| {
            FilesError::Config(format!(
                "storage address {url:?}: expected s3://bucket or s3://bucket/prefix"
            ))
        })?;
        let s3 = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()?;
        let store: Arc<dyn ObjectStore> = match prefix {
            Some(prefix) => Arc::new(object_store::prefix::PrefixStore::new(
                s3,
                ObjectPath::from(prefix),
            )),
            None => Arc::new(s3),
        };
        Ok(Files::new(store))
    }

    /// Storage named by an address: `s3://bucket/prefix`, or a local folder path.
    pub fn at(address: &str) -> Result<Files, FilesError> {
        if address.starts_with("s3://") {
            Files::s3(address)
        } else {
            Files::local(Path::new(
                address.strip_prefix("file://").unwrap_or(address),
            ))
        }
    }

    /// Any `object_store` backend (S3, memory, …).
    pub fn new(store: Arc<dyn ObjectStore>) -> Files {
        Files {
            store,
            local_root: None,
        }
    }

    /// Every stored key with its last change, for finding files nothing refers to.
    pub async fn list(&self) -> Result<Vec<(String, std::time::SystemTime)>, FilesError> {
        let mut out = Vec::new();
        let mut listing = self.store.list(None);
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            let key = meta.location.to_string();
            if object_path(&key).is_ok() {
                out.push((key, std::time::SystemTime::from(meta.last_modified)));
            }
        }
        Ok(out)
    }

    /// Removes the staging files an interrupted write leaves in local storage
    /// (`<key>#<n>`, written before being renamed into place). Only safe when no write is
    /// in flight, as at start-up. Returns how many were removed.
    pub fn remove_interrupted_writes(&self) -> Result<usize, FilesError> {
        let Some(root) = &self.local_root else {
            return Ok(0);
        };
        let mut removed = 0;
        for fan_out in std::fs::read_dir(root)? {
            let fan_out = fan_out?;
            if !fan_out.file_type()?.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(fan_out.path())? {
                let entry = entry?;
                if entry.file_name().to_string_lossy().contains('#') {
                    std::fs::remove_file(entry.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Whether storage is a local folder (so one process owns it).
    pub fn is_local(&self) -> bool {
        self.local_root.is_some()
    }

    /// Writes bytes under a new random key.
    pub async fn put(&self, bytes: Bytes) -> Result<StoredFile, FilesError> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let size = bytes.len() as i64;
        let key = new_key();
        self.store
            .put(&object_path(&key)?, PutPayload::from_bytes(bytes))
            .await?;
        Ok(StoredFile { key, size, sha256 })
    }

    /// Opens a stored file for streaming.
    pub async fn open(&self, key: &str) -> Result<FileStream, FilesError> {
        let result = self
            .store
            .get(&object_path(key)?)
            .await
            .map_err(not_found)?;
        let size = result.meta.size;
        let chunks = result
            .into_stream()
            .map(|chunk| chunk.map_err(FilesError::from))
            .boxed();
        Ok(FileStream { size, chunks })
    }

    /// Reads a whole stored file into memory (for checks and tests; downloads stream).
    pub async fn read(&self, key: &str) -> Result<Bytes, FilesError> {
        let result = self
            .store
            .get(&object_path(key)?)
            .await
            .map_err(not_found)?;
        Ok(result.bytes().await?)
    }

    /// Removes a stored file; removing a missing file is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), FilesError> {
        match self.store.delete(&object_path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

fn not_found(e: object_store::Error) -> FilesError {
    match e {
        object_store::Error::NotFound { .. } => FilesError::NotFound,
        e => FilesError::Storage(e),
    }
}

/// A new key: two hex characters of fan-out, then 32 random hex characters.
fn new_key() -> String {
    let mut random = [0u8; 16];
    rand::fill(&mut random);
    let hex = hex::encode(random);
    format!("{}/{}", &hex[..2], hex)
}

/// Keys are only ever ones this module made; anything else is refused before it reaches the
/// backend, so a tampered key cannot walk out of the storage root.
fn object_path(key: &str) -> Result<ObjectPath, FilesError> {
    let valid = key.len() == 35
        && key.as_bytes()[2] == b'/'
        && key
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 2 || b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && key[..2] == key[3..5];
    if !valid {
        return Err(FilesError::InvalidKey);
    }
    Ok(ObjectPath::from(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_addresses_name_a_bucket_and_an_optional_prefix() {
        assert_eq!(parse_s3_url("s3://ngo-files"), Some(("ngo-files", None)));
        assert_eq!(
            parse_s3_url("s3://ngo-files/site/a/"),
            Some(("ngo-files", Some("site/a")))
        );
        assert_eq!(parse_s3_url("s3://ngo-files/"), Some(("ngo-files", None)));
        for bad in [
            "s3://",
            "s3://ab",
            "s3://Upper",
            "s3://b_u",
            "s3://bucket/../up",
            "s3://bucket/a//b",
            "http://bucket",
        ] {
            assert_eq!(parse_s3_url(bad), None, "{bad}");
        }
        assert!(matches!(Files::s3("s3://x"), Err(FilesError::Config(_))));
    }

    #[tokio::test]
    async fn writes_reads_and_deletes() {
        let dir =
            std::env::temp_dir().join(format!("madang-files-test-{}", new_key().replace('/', "")));
        let files = Files::local(&dir).unwrap();
        let stored = files
            .put(Bytes::from_static(b"%PDF-1.4 hello"))
            .await
            .unwrap();
        assert_eq!(stored.size, 14);
        assert_eq!(
            stored.sha256,
            hex::encode(Sha256::digest(b"%PDF-1.4 hello"))
        );
        assert_eq!(
            files.read(&stored.key).await.unwrap(),
            Bytes::from_static(b"%PDF-1.4 hello")
        );
        let mut stream = files.open(&stored.key).await.unwrap();
        assert_eq!(stream.size, 14);
        let mut all = Vec::new();
        while let Some(chunk) = stream.chunks.next().await {
            all.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(all, b"%PDF-1.4 hello");
        files.delete(&stored.key).await.unwrap();
        assert!(matches!(
            files.read(&stored.key).await,
            Err(FilesError::NotFound)
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn refuses_foreign_keys() {
        assert!(object_path("../../etc/passwd").is_err());
        assert!(object_path("ab/ab000000000000000000000000000000").is_ok());
        assert!(object_path("ab/cd000000000000000000000000000000").is_err());
        assert!(object_path("AB/AB000000000000000000000000000000").is_err());
    }
}
