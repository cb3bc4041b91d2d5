//! The database's own catalogue, read for backups: which tables and columns there are,
//! their kinds, keys and references, in an order that loads each table after the ones it
//! refers to, and the `SELECT` that reads a table as portable rows.

use std::collections::BTreeSet;

use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;

use super::{DERIVED_TABLES, invalid};
use crate::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Int,
    Text,
    Bool,
}

#[derive(Debug, Clone)]
pub(super) struct Column {
    pub(super) name: String,
    pub(super) kind: Kind,
}

#[derive(Debug, Clone)]
pub(super) struct Table {
    pub(super) name: String,
    pub(super) columns: Vec<Column>,
    pub(super) primary_key: Vec<String>,
    /// Columns referring to this same table (a reply's parent): loaded in a second pass.
    pub(super) self_refs: Vec<String>,
    /// Other tables this one refers to.
    pub(super) refs: BTreeSet<String>,
    /// The identity column (PostgreSQL) whose sequence is reset after a load.
    pub(super) identity: Option<String>,
}

/// Quotes a catalogue identifier after checking it is a plain lower-case name.
pub(super) fn ident(name: &str) -> Result<String> {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if plain {
        Ok(format!("\"{name}\""))
    } else {
        Err(invalid(format!(
            "unexpected table or column name {name:?} in the database"
        )))
    }
}

/// Orders tables so each comes after the tables it refers to (ties by name).
pub(super) fn dependency_order(mut tables: Vec<Table>) -> Vec<Table> {
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let names: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    let mut done = BTreeSet::new();
    let mut ordered = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let next = tables
            .iter()
            .position(|t| {
                t.refs
                    .iter()
                    .all(|r| done.contains(r) || !names.contains(r))
            })
            .unwrap_or(0);
        let table = tables.remove(next);
        done.insert(table.name.clone());
        ordered.push(table);
    }
    ordered
}

/// The SELECT that reads a table in primary-key order.
pub(super) fn select_sql(table: &Table, postgres: bool) -> Result<String> {
    let mut columns = Vec::new();
    for c in &table.columns {
        let q = ident(&c.name)?;
        columns.push(if postgres && c.kind == Kind::Int {
            format!("CAST({q} AS BIGINT)")
        } else {
            q
        });
    }
    let order: Vec<String> = if table.primary_key.is_empty() {
        table
            .columns
            .iter()
            .map(|c| ident(&c.name))
            .collect::<Result<_>>()?
    } else {
        table
            .primary_key
            .iter()
            .map(|c| ident(c))
            .collect::<Result<_>>()?
    };
    Ok(format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        ident(&table.name)?,
        order.join(", ")
    ))
}

pub(super) async fn sqlite_tables(conn: &mut SqliteConnection) -> Result<Vec<Table>> {
    let all: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&mut *conn)
            .await?;
    let virtuals: Vec<&str> = all
        .iter()
        .filter(|(_, sql)| {
            sql.as_deref().is_some_and(|s| {
                s.trim_start()
                    .to_ascii_uppercase()
                    .starts_with("CREATE VIRTUAL TABLE")
            })
        })
        .map(|(name, _)| name.as_str())
        .collect();
    let mut tables = Vec::new();
    for (name, _) in &all {
        let internal = name.starts_with("sqlite_")
            || name.starts_with("_sqlx")
            || DERIVED_TABLES.contains(&name.as_str())
            || virtuals
                .iter()
                .any(|v| name == v || name.starts_with(&format!("{v}_")));
        if internal {
            continue;
        }
        let columns: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
                .bind(name)
                .fetch_all(&mut *conn)
                .await?;
        let foreign: Vec<(String, String)> =
            sqlx::query_as("SELECT \"table\", \"from\" FROM pragma_foreign_key_list($1)")
                .bind(name)
                .fetch_all(&mut *conn)
                .await?;
        let mut primary: Vec<(i64, String)> = columns
            .iter()
            .filter(|(_, _, pk)| *pk > 0)
            .map(|(c, _, pk)| (*pk, c.clone()))
            .collect();
        primary.sort();
        let mut table = Table {
            name: name.clone(),
            columns: Vec::new(),
            primary_key: primary.into_iter().map(|(_, c)| c).collect(),
            self_refs: Vec::new(),
            refs: BTreeSet::new(),
            identity: None,
        };
        for (column, declared, _) in columns {
            let upper = declared.to_ascii_uppercase();
            let kind = if upper.contains("INT") {
                Kind::Int
            } else if upper.contains("BOOL") {
                Kind::Bool
            } else if upper.contains("TEXT") || upper.contains("CHAR") || upper.contains("CLOB") {
                Kind::Text
            } else {
                return Err(invalid(format!(
                    "column {name}.{column} has type {declared:?}, which backups do not handle"
                )));
            };
            table.columns.push(Column { name: column, kind });
        }
        for (target, column) in foreign {
            if &target == name {
                table.self_refs.push(column);
            } else {
                table.refs.insert(target);
            }
        }
        tables.push(table);
    }
    Ok(dependency_order(tables))
}

pub(super) async fn pg_tables(conn: &mut PgConnection) -> Result<Vec<Table>> {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
         ORDER BY table_name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tables = Vec::new();
    for (name,) in names {
        if name.starts_with("_sqlx") || DERIVED_TABLES.contains(&name.as_str()) {
            continue;
        }
        let quoted = ident(&name)?;
        let columns: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text, is_identity::text
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1
               AND is_generated = 'NEVER'
             ORDER BY ordinal_position",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        let primary: Vec<(String,)> = sqlx::query_as(
            "SELECT a.attname::text FROM pg_index i
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
             WHERE i.indrelid = $1::text::regclass AND i.indisprimary
             ORDER BY array_position(i.indkey::int2[], a.attnum)",
        )
        .bind(&quoted)
        .fetch_all(&mut *conn)
        .await?;
        let foreign: Vec<(String, String)> = sqlx::query_as(
            "SELECT c.confrelid::regclass::text, a.attname::text FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
             WHERE c.contype = 'f' AND c.conrelid = $1::text::regclass",
        )
        .bind(&quoted)
        .fetch_all(&mut *conn)
        .await?;
        let mut table = Table {
            name: name.clone(),
            columns: Vec::new(),
            primary_key: primary.into_iter().map(|(c,)| c).collect(),
            self_refs: Vec::new(),
            refs: BTreeSet::new(),
            identity: None,
        };
        for (column, data_type, is_identity) in columns {
            let kind = match data_type.as_str() {
                "bigint" | "integer" | "smallint" => Kind::Int,
                "boolean" => Kind::Bool,
                "text" | "character varying" | "character" => Kind::Text,
                other => {
                    return Err(invalid(format!(
                        "column {name}.{column} has type {other}, which backups do not handle"
                    )));
                }
            };
            if is_identity == "YES" {
                table.identity = Some(column.clone());
            }
            table.columns.push(Column { name: column, kind });
        }
        for (target, column) in foreign {
            let target = target.trim_matches('"').to_owned();
            if target == name {
                table.self_refs.push(column);
            } else {
                table.refs.insert(target);
            }
        }
        tables.push(table);
    }
    Ok(dependency_order(tables))
}
