//! Backups and restores, database side.
//!
//! A snapshot of a running site is consistent by construction: on SQLite it is a
//! `VACUUM INTO` copy of the whole database; on PostgreSQL it is every table exported as
//! portable JSON lines inside one `REPEATABLE READ, READ ONLY` transaction. Portable rows
//! (one JSON object per row, column name → number, string, boolean or null) load into a
//! freshly migrated, empty database of either backend, so a backup of one backend restores
//! into the other.
//!
//! Tables and columns are read from the database's own catalogue, so a table added by a
//! later migration is backed up without a change here. Identifiers are checked (lower-case
//! ASCII letters, digits and `_`) and quoted before they reach SQL; every value is bound.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use futures::TryStreamExt;
use serde_json::{Map, Value};
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{Connection, Row as _};

use crate::{Db, Result, Store, StoreError};

mod catalogue;
use catalogue::{Column, Kind, Table, ident, pg_tables, select_sql, sqlite_tables};

/// Runs `$sql` on `$conn` and gives each row, decoded by the table's column kinds, to
/// `$body` as `$row`.
macro_rules! for_each_row {
    ($conn:expr, $sql:expr, $table:expr, |$row:ident| $body:block) => {{
        let mut rows = sqlx::query($sql).fetch($conn);
        while let Some(r) = rows.try_next().await? {
            let mut $row = Row::new();
            for (i, c) in $table.columns.iter().enumerate() {
                let value = match c.kind {
                    Kind::Int => r.try_get::<Option<i64>, _>(i)?.map(Value::from),
                    Kind::Text => r.try_get::<Option<String>, _>(i)?.map(Value::from),
                    Kind::Bool => r.try_get::<Option<bool>, _>(i)?.map(Value::from),
                };
                $row.insert(c.name.clone(), value.unwrap_or(Value::Null));
            }
            $body
        }
    }};
}

/// The snapshot's migration version and storage keys (same SQL on both backends).
macro_rules! version_and_keys {
    ($conn:expr) => {{
        let (version,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&mut *$conn)
                .await?;
        let keys: Vec<(String,)> = sqlx::query_as(crate::logo::REFERENCED_KEYS)
            .fetch_all(&mut *$conn)
            .await?;
        let keys: BTreeSet<String> = keys.into_iter().map(|(k,)| k).collect();
        (version.unwrap_or(0), keys.into_iter().collect::<Vec<_>>())
    }};
}

/// Writes every table as `<dir>/<table>.jsonl`.
macro_rules! export_all {
    ($conn:expr, $tables:expr, $postgres:expr, $dir:expr, $progress:expr) => {{
        let mut written = Vec::new();
        for table in &$tables {
            let path = $dir.join(format!("{}.jsonl", table.name));
            let mut out = BufWriter::new(std::fs::File::create(&path).map_err(io)?);
            let sql = select_sql(table, $postgres)?;
            let mut count = 0u64;
            for_each_row!(&mut *$conn, &sql, table, |row| {
                serde_json::to_writer(&mut out, &row).map_err(|e| invalid(e.to_string()))?;
                out.write_all(b"\n").map_err(io)?;
                count += 1;
                if count % 1000 == 0 {
                    ($progress)(&table.name, count);
                }
            });
            out.flush().map_err(io)?;
            out.into_inner()
                .map_err(|e| io(e.into_error()))?
                .sync_all()
                .map_err(io)?;
            ($progress)(&table.name, count);
            written.push(TableFile {
                name: table.name.clone(),
                path,
                rows: count,
            });
        }
        written
    }};
}

/// Tables of data derived from other tables and kept by triggers (`post_leads`, from each
/// post's body): left out of backups, rebuilt as the rows they derive from are restored.
const DERIVED_TABLES: &[&str] = &["post_leads"];

/// One row: column name → value (number, string, boolean or null).
pub type Row = Map<String, Value>;

/// A table exported as JSON lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFile {
    pub name: String,
    pub path: PathBuf,
    pub rows: u64,
}

/// The database half of a backup.
#[derive(Debug, Clone)]
pub enum SnapshotData {
    /// SQLite: a complete database file.
    SqliteFile(PathBuf),
    /// PostgreSQL: one JSON-lines file per table, in load order.
    Tables(Vec<TableFile>),
}

/// A consistent snapshot of the database, with what it needs from file storage.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// The newest migration applied to the snapshot.
    pub schema_version: i64,
    pub data: SnapshotData,
    /// Every storage key the snapshot refers to (attachments and legacy files), sorted,
    /// without repeats.
    pub storage_keys: Vec<String>,
}

/// Progress callback: (table, rows done so far).
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64);

/// The newest migration this build knows for a backend (`sqlite` or `postgres`).
pub fn schema_version(backend: &str) -> i64 {
    let migrator = if backend == "postgres" {
        sqlx::migrate!("migrations/postgres")
    } else {
        sqlx::migrate!("migrations/sqlite")
    };
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::Invalid(message.into())
}

fn io(e: std::io::Error) -> StoreError {
    invalid(format!("backup file: {e}"))
}

async fn open_sqlite_read_only(path: &Path) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false);
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?)
}

/// Exports every table of an SQLite database file (a snapshot) as JSON lines into `dir`.
pub async fn export_sqlite_file(
    path: &Path,
    dir: &Path,
    progress: Progress<'_>,
) -> Result<Vec<TableFile>> {
    let pool = open_sqlite_read_only(path).await?;
    let result = async {
        let mut conn = pool.acquire().await?;
        let tables = sqlite_tables(&mut conn).await?;
        Ok(export_all!(conn, tables, false, dir, progress))
    }
    .await;
    pool.close().await;
    result
}

/// The migration version and storage keys of an SQLite database file (a snapshot).
pub async fn sqlite_file_info(path: &Path) -> Result<(i64, Vec<String>)> {
    let pool = open_sqlite_read_only(path).await?;
    let result = async {
        let mut conn = pool.acquire().await?;
        Ok(version_and_keys!(conn))
    }
    .await;
    pool.close().await;
    result
}

macro_rules! tables_empty {
    ($conn:expr, $tables:expr) => {{
        let mut empty = true;
        for table in &$tables {
            let (any,): (bool,) = sqlx::query_as(&format!(
                "SELECT EXISTS (SELECT 1 FROM {})",
                ident(&table.name)?
            ))
            .fetch_one(&mut *$conn)
            .await?;
            if any {
                empty = false;
                break;
            }
        }
        Ok::<bool, StoreError>(empty)
    }};
}

/// The file of an `sqlite:` database address.
pub fn sqlite_file(url: &str) -> Result<PathBuf> {
    Ok(SqliteConnectOptions::from_str(url)?
        .get_filename()
        .to_owned())
}

/// Whether the database at `url` holds no Madang rows (a missing SQLite file or a
/// PostgreSQL database without tables counts as empty). Creates and changes nothing.
pub async fn database_is_empty(url: &str) -> Result<bool> {
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)?;
        let path = options.get_filename().to_owned();
        if !path.exists() {
            return Ok(true);
        }
        let pool = open_sqlite_read_only(&path).await?;
        let result = async {
            let mut conn = pool.acquire().await?;
            let tables = sqlite_tables(&mut conn).await?;
            tables_empty!(conn, tables)
        }
        .await;
        pool.close().await;
        result
    } else {
        let mut conn = PgConnection::connect(url).await?;
        let tables = pg_tables(&mut conn).await?;
        let handle = &mut conn;
        let result = tables_empty!(handle, tables);
        conn.close().await?;
        result
    }
}

/// A value ready to bind, typed by the target column.
enum Bound {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

fn bound(table: &str, column: &Column, value: &Value) -> Result<Bound> {
    let wrong = || {
        invalid(format!(
            "the backup's {table}.{} holds {value}, which does not fit the column",
            column.name
        ))
    };
    Ok(match (column.kind, value) {
        (Kind::Int, Value::Null) => Bound::Int(None),
        (Kind::Int, Value::Number(n)) => Bound::Int(Some(n.as_i64().ok_or_else(wrong)?)),
        (Kind::Int, Value::Bool(b)) => Bound::Int(Some(i64::from(*b))),
        (Kind::Text, Value::Null) => Bound::Text(None),
        (Kind::Text, Value::String(s)) => Bound::Text(Some(s.clone())),
        (Kind::Bool, Value::Null) => Bound::Bool(None),
        (Kind::Bool, Value::Bool(b)) => Bound::Bool(Some(*b)),
        (Kind::Bool, Value::Number(n)) => Bound::Bool(Some(n.as_i64().ok_or_else(wrong)? != 0)),
        _ => return Err(wrong()),
    })
}

macro_rules! execute_bound {
    ($conn:expr, $sql:expr, $values:expr) => {{
        let mut query = sqlx::query($sql);
        for value in $values {
            query = match value {
                Bound::Int(v) => query.bind(v),
                Bound::Text(v) => query.bind(v),
                Bound::Bool(v) => query.bind(v),
            };
        }
        query.execute(&mut *$conn).await?;
    }};
}

/// Loads JSON-lines tables into the connection's (empty) tables, inside the caller's
/// transaction: tables in dependency order, self-references in a second pass.
macro_rules! load_all {
    ($conn:expr, $tables:expr, $files:expr, $progress:expr) => {{
        let mut total = 0u64;
        for table in &$tables {
            let Some(file) = $files.get(table.name.as_str()) else {
                continue;
            };
            let reader = BufReader::new(std::fs::File::open(&file.path).map_err(io)?);
            let single_key = match table.primary_key.as_slice() {
                [key] => table
                    .columns
                    .iter()
                    .find(|c| &c.name == key && c.kind == Kind::Int)
                    .map(|c| c.name.clone()),
                _ => None,
            };
            let deferred_columns: Vec<&str> = if single_key.is_some() {
                table.self_refs.iter().map(|c| c.as_str()).collect()
            } else {
                Vec::new()
            };
            let mut deferred: Vec<(String, i64, i64)> = Vec::new();
            let mut count = 0u64;
            for line in reader.lines() {
                let line = line.map_err(io)?;
                if line.trim().is_empty() {
                    continue;
                }
                let row: Row = serde_json::from_str(&line).map_err(|e| {
                    invalid(format!("the backup's table {} is damaged: {e}", table.name))
                })?;
                for key in row.keys() {
                    if !table.columns.iter().any(|c| &c.name == key) {
                        return Err(invalid(format!(
                            "the backup's table {} has a column {key} that this database lacks",
                            table.name
                        )));
                    }
                }
                let mut names = Vec::new();
                let mut values = Vec::new();
                for column in &table.columns {
                    let Some(value) = row.get(&column.name) else {
                        continue;
                    };
                    let mut value = bound(&table.name, column, value)?;
                    if deferred_columns.contains(&column.name.as_str()) {
                        if let (Bound::Int(Some(target)), Some(key)) = (&value, &single_key) {
                            let id = row.get(key).and_then(Value::as_i64).ok_or_else(|| {
                                invalid(format!("a row of {} has no {key}", table.name))
                            })?;
                            deferred.push((column.name.clone(), id, *target));
                            value = Bound::Int(None);
                        }
                    }
                    names.push(ident(&column.name)?);
                    values.push(value);
                }
                let placeholders: Vec<String> =
                    (1..=names.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    ident(&table.name)?,
                    names.join(", "),
                    placeholders.join(", ")
                );
                execute_bound!($conn, &sql, values);
                count += 1;
                if count % 1000 == 0 {
                    ($progress)(&table.name, count);
                }
            }
            if let Some(key) = &single_key {
                for (column, id, target) in deferred {
                    let sql = format!(
                        "UPDATE {} SET {} = $1 WHERE {} = $2",
                        ident(&table.name)?,
                        ident(&column)?,
                        ident(key)?
                    );
                    execute_bound!(
                        $conn,
                        &sql,
                        [Bound::Int(Some(target)), Bound::Int(Some(id))]
                    );
                }
            }
            ($progress)(&table.name, count);
            total += count;
        }
        total
    }};
}

impl Store {
    /// Takes a consistent snapshot of the database into `dir` (which must exist), without
    /// stopping the site: SQLite as a `VACUUM INTO` copy (`dir/madang.db`), PostgreSQL as
    /// one JSON-lines file per table read in one REPEATABLE READ transaction.
    pub async fn snapshot(&self, dir: &Path, progress: Progress<'_>) -> Result<Snapshot> {
        match &self.db {
            Db::Sqlite(pool) => {
                let file = dir.join("madang.db");
                let name = file
                    .to_str()
                    .ok_or_else(|| invalid("the snapshot folder's name is not UTF-8"))?;
                sqlx::query("VACUUM INTO $1")
                    .bind(name)
                    .execute(pool)
                    .await?;
                let (schema_version, storage_keys) = sqlite_file_info(&file).await?;
                Ok(Snapshot {
                    backend: "sqlite",
                    schema_version,
                    data: SnapshotData::SqliteFile(file),
                    storage_keys,
                })
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                let (schema_version, storage_keys) = version_and_keys!(tx);
                let tables = pg_tables(&mut tx).await?;
                let files = export_all!(tx, tables, true, dir, progress);
                tx.commit().await?;
                Ok(Snapshot {
                    backend: "postgres",
                    schema_version,
                    data: SnapshotData::Tables(files),
                    storage_keys,
                })
            }
        }
    }

    /// Whether every Madang table is empty (a freshly migrated database).
    pub async fn is_empty(&self) -> Result<bool> {
        match &self.db {
            Db::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                let tables = sqlite_tables(&mut conn).await?;
                tables_empty!(conn, tables)
            }
            Db::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                let tables = pg_tables(&mut conn).await?;
                tables_empty!(conn, tables)
            }
        }
    }

    /// Loads exported tables into this database, which must be empty, in one transaction;
    /// on PostgreSQL identity sequences then continue after the highest loaded id. Returns
    /// the number of rows loaded.
    pub async fn load_tables(&self, files: &[TableFile], progress: Progress<'_>) -> Result<u64> {
        if !self.is_empty().await? {
            return Err(invalid(
                "the target database is not empty; restore only into an empty database",
            ));
        }
        let by_name: BTreeMap<&str, &TableFile> =
            files.iter().map(|f| (f.name.as_str(), f)).collect();
        match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                let tables = sqlite_tables(&mut tx).await?;
                check_known(&tables, files)?;
                let total = load_all!(tx, tables, by_name, progress);
                tx.commit().await?;
                Ok(total)
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let tables = pg_tables(&mut tx).await?;
                check_known(&tables, files)?;
                let total = load_all!(tx, tables, by_name, progress);
                for table in &tables {
                    let Some(column) = &table.identity else {
                        continue;
                    };
                    let sql = format!(
                        "SELECT setval(pg_get_serial_sequence($1, $2),
                                       (SELECT COALESCE(MAX({}), 0) + 1 FROM {}), false)",
                        ident(column)?,
                        ident(&table.name)?
                    );
                    sqlx::query(&sql)
                        .bind(ident(&table.name)?)
                        .bind(column)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(total)
            }
        }
    }

    /// Every row of every table, each table's rows sorted by their JSON text: for comparing
    /// two databases (the same data gives the same result on either backend).
    pub async fn all_rows(&self) -> Result<BTreeMap<String, Vec<Row>>> {
        macro_rules! collect {
            ($conn:expr, $tables:expr, $postgres:expr) => {{
                let mut all = BTreeMap::new();
                for table in &$tables {
                    let sql = select_sql(table, $postgres)?;
                    let mut rows: Vec<(String, Row)> = Vec::new();
                    for_each_row!(&mut *$conn, &sql, table, |row| {
                        rows.push((Value::Object(row.clone()).to_string(), row));
                    });
                    rows.sort_by(|a, b| a.0.cmp(&b.0));
                    all.insert(
                        table.name.clone(),
                        rows.into_iter().map(|(_, r)| r).collect(),
                    );
                }
                all
            }};
        }
        Ok(match &self.db {
            Db::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                let tables = sqlite_tables(&mut conn).await?;
                collect!(conn, tables, false)
            }
            Db::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                let tables = pg_tables(&mut conn).await?;
                collect!(conn, tables, true)
            }
        })
    }
}

fn check_known(tables: &[Table], files: &[TableFile]) -> Result<()> {
    for file in files {
        if !tables.iter().any(|t| t.name == file.name) {
            return Err(invalid(format!(
                "the backup has a table {} that this database lacks (is the backup from a newer Madang?)",
                file.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_checked() {
        assert_eq!(ident("posts").unwrap(), "\"posts\"");
        assert!(ident("posts\"; DROP TABLE x; --").is_err());
        assert!(ident("Posts").is_err());
        assert!(ident("").is_err());
    }

    #[test]
    fn tables_follow_their_references() {
        let table = |name: &str, refs: &[&str]| Table {
            name: name.into(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            self_refs: Vec::new(),
            refs: refs.iter().map(|r| r.to_string()).collect(),
            identity: None,
        };
        let ordered = catalogue::dependency_order(vec![
            table("attachments", &["posts"]),
            table("posts", &["boards", "members"]),
            table("boards", &["menu_groups"]),
            table("members", &[]),
            table("menu_groups", &[]),
        ]);
        let names: Vec<&str> = ordered.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["members", "menu_groups", "boards", "posts", "attachments"]
        );
    }
}
