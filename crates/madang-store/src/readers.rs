//! Synchronous reads of the SQLite file, for the reads every uncached list page makes.
//!
//! sqlx runs each SQLite connection on a thread of its own: a statement is a message to that
//! thread, each row a message back, each value copied on the way. For a list page's one
//! statement (about 30 µs of SQLite's own work on pages the operating system caches) that
//! machinery cost three times the statement: 94 µs of CPU per list read through sqlx
//! against 32 µs read here in the calling thread (measured on the 100,000-post benchmark
//! site; BENCHMARKS.md, session 13). So lists read through these connections, in the task
//! that renders the page.
//!
//! The trade: a read blocks its runtime thread for as long as it runs. That is the
//! statement's own time, tens of microseconds while the file is in the page cache, and a
//! disk read when it is not. Everything else (writes, other pages, PostgreSQL) stays on
//! sqlx. A read that fails here for any reason is made again through sqlx, so this path
//! can only make a page faster, never wrong or missing.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// Read-only connections to one SQLite file, opened on first use and kept for the next.
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// How many idle connections are kept. A read never awaits, so at most one connection
    /// per runtime thread is in use at a time.
    keep: usize,
}

impl Readers {
    /// Readers of the database file at `path`, keeping up to `keep` idle connections.
    pub(crate) fn new(path: PathBuf, keep: usize) -> Readers {
        Readers {
            path,
            idle: Mutex::new(Vec::new()),
            keep: keep.max(1),
        }
    }

    /// Runs `read` on an idle connection, or a new one when none is idle. A connection
    /// whose read failed is dropped rather than kept.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        let out = read(&conn)?;
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.keep
        {
            idle.push(conn);
        }
        Ok(out)
    }

    /// Connections kept idle now (for tests).
    #[cfg(test)]
    pub(crate) fn idle_count(&self) -> usize {
        self.idle.lock().map_or(0, |idle| idle.len())
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // As the pool's connections (lib.rs): a small private page cache, no memory map.
        conn.pragma_update(None, "mmap_size", 0)?;
        conn.pragma_update(None, "cache_size", -4096)?;
        // A reader of a WAL database waits only in rare moments (a checkpoint resetting the
        // log); rather than hold a runtime thread, give up soon and read through sqlx.
        conn.busy_timeout(Duration::from_millis(100))?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_file_and_keeps_connections_for_the_next_read() {
        let dir = std::env::temp_dir().join(format!("madang-readers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("site.db");
        let _ = std::fs::remove_file(&path);
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (7);",
            )
            .unwrap();
        let readers = Readers::new(path.clone(), 2);
        let read = |c: &Connection| c.query_row("SELECT x FROM t", [], |r| r.get::<_, i64>(0));
        assert_eq!(readers.read(read).unwrap(), 7);
        assert_eq!(readers.idle.lock().unwrap().len(), 1);
        // A committed write is seen by the next read on the kept connection.
        writer.execute("UPDATE t SET x = 8", []).unwrap();
        assert_eq!(readers.read(read).unwrap(), 8);
        // Read-only: a write through a reader fails and its connection is not kept.
        assert!(readers.read(|c| c.execute("DELETE FROM t", [])).is_err());
        assert_eq!(readers.idle.lock().unwrap().len(), 0);
        drop(writer);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
