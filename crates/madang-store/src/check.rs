//! `madang check`: problems in a site's data, found without changing anything.

use crate::{Db, Result, Store, on_db};

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub what: String,
}

impl Store {
    /// The database's own consistency check (SQLite `quick_check`; PostgreSQL: none needed
    /// beyond the server's) and references between tables that the schema cannot enforce.
    pub async fn check_database(&self) -> Result<Vec<Problem>> {
        let mut problems = Vec::new();
        if let Db::Sqlite(pool) = &self.db {
            let rows: Vec<(String,)> = sqlx::query_as("PRAGMA quick_check").fetch_all(pool).await?;
            for (row,) in rows.into_iter().filter(|(r,)| r != "ok") {
                problems.push(Problem {
                    what: format!("SQLite integrity: {row}"),
                });
            }
        }
        let counts: Vec<(String, i64)> = on_db!(self, |pool| {
            let mut out = Vec::new();
            for (label, sql) in [
                (
                    "boards whose post count is wrong",
                    "SELECT COUNT(*) FROM boards b WHERE b.post_count <> (SELECT COUNT(*) FROM posts p
                     WHERE p.board_id = b.id AND p.status = 'published' AND p.deleted_at IS NULL)",
                ),
                (
                    "attachments of posts that do not exist",
                    "SELECT COUNT(*) FROM attachments a WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = a.post_id)",
                ),
            ] {
                let (n,): (i64,) = sqlx::query_as(sql).fetch_one(pool).await?;
                out.push((label.to_owned(), n));
            }
            out
        });
        for (label, n) in counts.into_iter().filter(|(_, n)| *n > 0) {
            problems.push(Problem {
                what: format!("{n} {label}"),
            });
        }
        Ok(problems)
    }

    /// Every storage key the data refers to (attachments, imported legacy files, uploads
    /// waiting for their post, the logo).
    pub async fn referenced_storage_keys(&self) -> Result<Vec<String>> {
        let keys: Vec<(String,)> = on_db!(self, |pool| {
            sqlx::query_as(&format!("{} ORDER BY 1", crate::logo::REFERENCED_KEYS))
                .fetch_all(pool)
                .await?
        });
        Ok(keys.into_iter().map(|(k,)| k).collect())
    }
}
