//! Rows an import session holds back and writes many to a statement: posts, comments,
//! import-map records and old addresses, the rows of which an import makes hundreds of
//! thousands.
//!
//! Written one statement each, a 100,000-post import spent most of its time between
//! statements rather than in them: sqlx hands every SQLite statement to the connection's
//! thread and waits for the answer (two thread switches), and SQLite begins a statement
//! savepoint for each `INSERT` into `posts`, at which FTS5 writes its pending terms to disk
//! as a new segment, so the index was built from 100,000 one-post segments merged again and
//! again. Many rows to a statement make both costs per batch instead of per row.
//!
//! Held-back rows must never be missed by a later statement of the session: every other
//! statement writes them first (see `on_tx!` in `session.rs`), and the import map is read
//! through the session's own copy (`ImportSession::mapped`). Their ids are taken before
//! they are written (see `ImportSession::new_id`), so the importer gets them at once.

use std::fmt::Write as _;

/// One value of a held-back row.
pub(super) enum Cell {
    Null,
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    Text(String),
}

/// The tables whose rows are held back, in the order they are written: a comment refers
/// to its post (and to an earlier comment), so posts go first.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Table {
    Posts,
    Comments,
    ImportMap,
    LegacyUrls,
}

impl Table {
    pub(super) const ALL: [Table; 4] = [
        Table::Posts,
        Table::Comments,
        Table::ImportMap,
        Table::LegacyUrls,
    ];

    /// `INSERT INTO t (columns)`, how many columns, and what follows the values.
    fn statement(self) -> (&'static str, usize, &'static str) {
        match self {
            Table::Posts => (
                "INSERT INTO posts (id, board_id, thread_key, parent_id, reply_path, category,
                    title, body_html, body_text, author_id, author_name, guest_password_hash,
                    status, pinned, secret, views, links, created_at, published_at,
                    updated_at, search_title, search_body, search_version, lang)",
                24,
                "",
            ),
            Table::Comments => (
                "INSERT INTO comments (id, post_id, parent_id, thread_key, reply_path,
                    author_id, author_name, guest_password_hash, body_html, secret,
                    created_at, legacy_board, legacy_id, search_body, search_version)",
                15,
                "",
            ),
            Table::ImportMap => (
                "INSERT INTO import_map (source, kind, source_key, madang_id)",
                4,
                "ON CONFLICT (source, kind, source_key) DO NOTHING",
            ),
            Table::LegacyUrls => (
                "INSERT INTO legacy_urls (old_path, new_path, source, created_at)",
                4,
                "ON CONFLICT (old_path) DO NOTHING",
            ),
        }
    }

    /// How many rows are held before the session writes them all.
    fn batch(self) -> usize {
        match self {
            // Posts carry their bodies and terms (a few KB each). FTS5 writes the terms of
            // each statement's posts as one segment and merges segments as they pile up:
            // the fewer, the less merging.
            Table::Posts => 1024,
            _ => 1024,
        }
    }

    pub(super) fn columns(self) -> usize {
        self.statement().1
    }
}

/// Bound parameters per statement: SQLite's limit is 32,766, PostgreSQL's 65,535.
const MAX_BINDS: usize = 32_000;

/// The held-back rows, each table's cells one row after another.
#[derive(Default)]
pub(super) struct Pending {
    cells: [Vec<Cell>; 4],
}

impl Pending {
    pub(super) fn push(&mut self, table: Table, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), table.columns());
        self.cells[table as usize].extend(row);
    }

    /// Whether any table holds a full batch.
    pub(super) fn full(&self) -> bool {
        Table::ALL
            .iter()
            .any(|t| self.cells[*t as usize].len() >= t.batch() * t.columns())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.cells.iter().all(Vec::is_empty)
    }

    /// Takes a table's rows out, as statements: (SQL, its cells). `numbered` writes
    /// PostgreSQL's `$1` placeholders, else SQLite's `?`: SQLite looks a numbered
    /// parameter's name up in a list, once as it prepares and once as sqlx binds it, which
    /// for thousands of parameters costs more than the insert.
    pub(super) fn take(&mut self, table: Table, numbered: bool) -> Vec<(String, Vec<Cell>)> {
        let cells = std::mem::take(&mut self.cells[table as usize]);
        let (head, columns, tail) = table.statement();
        let per_statement = (MAX_BINDS / columns).max(1) * columns;
        let mut out = Vec::new();
        let mut rest = cells.into_iter().peekable();
        while rest.peek().is_some() {
            let chunk: Vec<Cell> = rest.by_ref().take(per_statement).collect();
            let rows = chunk.len() / columns;
            out.push((values_sql(head, columns, rows, tail, numbered), chunk));
        }
        out
    }
}

/// `head VALUES ($1, …), (…) tail` for `rows` rows of `columns` values (`?` for `$n`
/// unless `numbered`).
fn values_sql(head: &str, columns: usize, rows: usize, tail: &str, numbered: bool) -> String {
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * columns * 6 + 16);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    let mut n = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            n += 1;
            if column > 0 {
                sql.push_str(", ");
            }
            if numbered {
                // Writing to a String cannot fail.
                let _ = write!(sql, "${n}");
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql.push(' ');
    sql.push_str(tail);
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_every_value() {
        assert_eq!(
            values_sql("INSERT INTO t (a, b)", 2, 2, "ON CONFLICT DO NOTHING", true),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            values_sql("INSERT INTO t (a)", 1, 2, "", false),
            "INSERT INTO t (a) VALUES (?), (?) "
        );
    }

    #[test]
    fn splits_what_one_statement_cannot_bind() {
        let mut p = Pending::default();
        for i in 0..9000 {
            p.push(
                Table::LegacyUrls,
                vec![
                    Cell::Text(format!("/{i}")),
                    Cell::Text("/b/x/1".into()),
                    Cell::Text(String::new()),
                    Cell::Int(0),
                ],
            );
        }
        assert!(p.full());
        let statements = p.take(Table::LegacyUrls, true);
        assert_eq!(
            statements
                .iter()
                .map(|(_, c)| c.len() / 4)
                .collect::<Vec<_>>(),
            [8000, 1000]
        );
        assert!(p.is_empty());
    }
}
