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
    #[error("file storage folder: {0}")]
    Io(#[from] std::io::Error),
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
