//! Reading a live MariaDB/MySQL database the way mysqldump reads it, so that the importer
//! gets the very [`Value`]s the [dump reader](crate::dump) would give for a dump of the same
//! database.
//!
//! - Tables in `SHOW FULL TABLES` order (base tables only), columns from
//!   `information_schema.COLUMNS` in their order: nothing about GnuBoard5 is assumed here.
//! - Rows with the text protocol (`SELECT` without a prepared statement), in which the
//!   server writes every value as text exactly as mysqldump receives it: zero dates stay
//!   `0000-00-00 00:00:00`, decimals keep their scale. Numeric columns become
//!   [`Value::Number`], everything else [`Value::Text`] (bytes that are not UTF-8 are replaced
//!   and counted, as the dump reader does), `NULL` [`Value::Null`].
//! - The connection is `utf8mb4` (falling back to `utf8` on servers older than MySQL 5.5.3,
//!   or as the address's `?charset=` says) with the session time zone `+00:00`, as
//!   mysqldump's `--tz-utc` default sets it.
//! - Everything is read inside one `START TRANSACTION WITH CONSISTENT SNAPSHOT`, like
//!   `mysqldump --single-transaction`: InnoDB tables are seen as of one moment.

use futures::TryStreamExt;
use sqlx::mysql::{MySqlConnectOptions, MySqlRow};
use sqlx::{ConnectOptions, Connection, Row};

use crate::dump::Value;

/// A column as `information_schema` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// `DATA_TYPE`, lower-cased: `int`, `varchar`, `datetime`, `mediumtext`, …
    pub data_type: String,
}

impl Column {
    /// Written unquoted by mysqldump.
    fn numeric(&self) -> bool {
        matches!(
            self.data_type.as_str(),
            "tinyint"
                | "smallint"
                | "mediumint"
                | "int"
                | "integer"
                | "bigint"
                | "decimal"
                | "numeric"
                | "float"
                | "double"
                | "real"
                | "year"
        )
    }
}

/// A base table and its columns.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
}

/// An open, read-only look at one database.
pub struct LiveDb {
    conn: sqlx::MySqlConnection,
    /// The database the address names.
    pub database: String,
    /// The connection's character set: `utf8mb4`, or `utf8` on old servers.
    pub charset: String,
    /// The server's version string.
    pub server_version: String,
    /// The database's base tables in `SHOW FULL TABLES` order.
    pub tables: Vec<Table>,
    /// Text values whose bytes were not valid UTF-8 (binary columns).
    pub invalid_utf8: u64,
}

/// A failure to read the live database.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LiveDbError(pub String);

impl From<sqlx::Error> for LiveDbError {
    fn from(e: sqlx::Error) -> Self {
        LiveDbError(e.to_string())
    }
}

fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn text(row: &MySqlRow, i: usize) -> Result<Option<String>, LiveDbError> {
    let bytes: Option<&[u8]> = row.try_get_unchecked(i)?;
    Ok(bytes.map(|b| String::from_utf8_lossy(b).into_owned()))
}

/// The address without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl LiveDb {
    /// Connects to `mysql://user:pass@host[:port]/database[?charset=…]` and lists its
    /// tables and columns.
    pub async fn connect(url: &str) -> Result<LiveDb, LiveDbError> {
        let options: MySqlConnectOptions = url
            .parse()
            .map_err(|e| LiveDbError(format!("{}: {e}", redact(url))))?;
        let options = options.disable_statement_logging();
        let chosen = url.contains("charset=");
        let mut conn = match options.connect().await {
            Ok(conn) => conn,
            // MySQL before 5.5.3 has no utf8mb4.
            Err(e) if !chosen && e.to_string().to_ascii_lowercase().contains("character set") => {
                options.clone().charset("utf8").connect().await?
            }
            Err(e) => return Err(LiveDbError(format!("{}: {e}", redact(url)))),
        };
        let row = sqlx::raw_sql("SELECT DATABASE(), VERSION(), @@character_set_client")
            .fetch_one(&mut conn)
            .await?;
        let Some(database) = text(&row, 0)? else {
            return Err(LiveDbError(format!(
                "{} names no database (mysql://user:pass@host/DATABASE)",
                redact(url)
            )));
        };
        let server_version = text(&row, 1)?.unwrap_or_default();
        let charset = text(&row, 2)?.unwrap_or_default();
        sqlx::raw_sql(
            "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ; \
             START TRANSACTION WITH CONSISTENT SNAPSHOT",
        )
        .execute(&mut conn)
        .await?;

        let mut tables = Vec::new();
        for row in sqlx::raw_sql("SHOW FULL TABLES")
            .fetch_all(&mut conn)
            .await?
        {
            let name = text(&row, 0)?.unwrap_or_default();
            let kind = text(&row, 1)?.unwrap_or_default();
            if kind.eq_ignore_ascii_case("BASE TABLE") {
                tables.push(Table {
                    name,
                    columns: Vec::new(),
                });
            }
        }
        let columns = sqlx::raw_sql(
            "SELECT TABLE_NAME, COLUMN_NAME, LOWER(DATA_TYPE) FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION",
        )
        .fetch_all(&mut conn)
        .await?;
        for row in columns {
            let table = text(&row, 0)?.unwrap_or_default();
            if let Some(t) = tables.iter_mut().find(|t| t.name == table) {
                t.columns.push(Column {
                    name: text(&row, 1)?.unwrap_or_default(),
                    data_type: text(&row, 2)?.unwrap_or_default(),
                });
            }
        }
        Ok(LiveDb {
            conn,
            database,
            charset,
            server_version,
            tables,
            invalid_utf8: 0,
        })
    }

    /// A table by name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// How many rows a table has.
    pub async fn count(&mut self, table: &str) -> Result<u64, LiveDbError> {
        let row = sqlx::raw_sql(&format!("SELECT COUNT(*) FROM {}", quote(table)))
            .fetch_one(&mut self.conn)
            .await?;
        Ok(text(&row, 0)?.and_then(|n| n.parse().ok()).unwrap_or(0))
    }

    /// Every row of a table, its values in the table's column order, as mysqldump would
    /// write them (`SELECT *` order, no sorting).
    pub async fn rows(&mut self, table: &str) -> Result<Vec<Vec<Value>>, LiveDbError> {
        let Some(t) = self.table(table).cloned() else {
            return Err(LiveDbError(format!("no table {table}")));
        };
        if t.columns.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = t.columns.iter().map(|c| quote(&c.name)).collect();
        let sql = format!("SELECT {} FROM {}", list.join(","), quote(table));
        let mut out = Vec::new();
        let mut invalid = 0u64;
        {
            let mut stream = sqlx::raw_sql(&sql).fetch(&mut self.conn);
            while let Some(row) = stream.try_next().await? {
                let mut values = Vec::with_capacity(t.columns.len());
                for (i, column) in t.columns.iter().enumerate() {
                    let bytes: Option<&[u8]> = row.try_get_unchecked(i)?;
                    values.push(match bytes {
                        None => Value::Null,
                        Some(b) if column.data_type == "bit" => Value::Number(
                            b.iter()
                                .fold(0u64, |n, &b| (n << 8) | u64::from(b))
                                .to_string(),
                        ),
                        Some(b) if column.numeric() => {
                            Value::Number(String::from_utf8_lossy(b).into_owned())
                        }
                        Some(b) => match std::str::from_utf8(b) {
                            Ok(s) => Value::Text(s.to_owned()),
                            Err(_) => {
                                invalid += 1;
                                Value::Text(String::from_utf8_lossy(b).into_owned())
                            }
                        },
                    });
                }
                out.push(values);
            }
        }
        self.invalid_utf8 += invalid;
        Ok(out)
    }

    /// Ends the snapshot and the connection.
    pub async fn close(mut self) {
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut self.conn).await;
        let _ = self.conn.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact("mysql://g5:s3cret@db.example:3306/g5"),
            "mysql://g5:***@db.example:3306/g5"
        );
        assert_eq!(
            redact("mysql://root@127.0.0.1/g5"),
            "mysql://root@127.0.0.1/g5"
        );
        assert_eq!(redact("not a url"), "not a url");
    }
}
