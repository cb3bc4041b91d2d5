//! A source table as the import holds it: its columns, and for the small tables read
//! whole in the first pass, its rows; a row held compactly and read by column name; and the
//! site the first pass found (its table prefix, database and tables).

use std::collections::{BTreeMap, HashMap};

use crate::dump::Value;

pub(super) struct Table {
    pub(super) columns: Vec<String>,
    index: HashMap<String, usize>,
    pub(super) rows: Vec<CompactRow>,
    pub(super) row_count: u64,
}

impl Table {
    pub(super) fn new(columns: Vec<String>) -> Table {
        let index = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i))
            .collect();
        Table {
            columns,
            index,
            rows: Vec::new(),
            row_count: 0,
        }
    }

    fn has(&self, column: &str) -> bool {
        self.index.contains_key(column)
    }

    /// Where a column is in a row.
    pub(super) fn position(&self, column: &str) -> Option<usize> {
        self.index.get(column).copied()
    }

    pub(super) fn missing(&self, required: &[&str]) -> Vec<String> {
        required
            .iter()
            .filter(|c| !self.has(c))
            .map(|c| c.to_string())
            .collect()
    }

    /// Puts an `INSERT`'s rows in this table's column order.
    pub(super) fn arrange(
        &self,
        columns: Option<Vec<String>>,
        rows: Vec<Vec<Value>>,
    ) -> Vec<Vec<Value>> {
        match columns {
            None => rows,
            Some(cols) => rows
                .into_iter()
                .map(|row| {
                    let mut out = vec![Value::Null; self.columns.len()];
                    for (c, v) in cols.iter().zip(row) {
                        if let Some(&i) = self.index.get(c) {
                            out[i] = v;
                        }
                    }
                    out
                })
                .collect(),
        }
    }
}

/// A row's values as text, one after another in one string. A posts table is held whole
/// while its board is imported (threads are put in order first); as a `Vec<Value>` each
/// of its ~40 values was a separate allocation, and the overhead was twice the text (a
/// 25,000-post board took about 250 MB instead of 85).
pub(super) struct CompactRow {
    text: Box<str>,
    /// Where each value ends in `text`.
    ends: Box<[u32]>,
}

impl CompactRow {
    /// The row as the importer reads it: `NULL` as empty text, numbers as written.
    pub(super) fn new(values: Vec<Value>) -> CompactRow {
        let mut text = String::with_capacity(values.iter().map(|v| v.as_str().len()).sum());
        let mut ends = Vec::with_capacity(values.len());
        for v in &values {
            text.push_str(v.as_str());
            // A value (and a row) is far below 4 GiB: a dump statement is at most 1 GiB
            // (MySQL's max_allowed_packet); a longer row keeps its values up to that point.
            ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
        }
        CompactRow {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }

    /// The value in column `i`.
    pub(super) fn value(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] as usize,
        };
        self.text.get(start..end)
    }

    /// Rows of one `INSERT`, compacted.
    pub(super) fn all(rows: Vec<Vec<Value>>) -> impl Iterator<Item = CompactRow> {
        rows.into_iter().map(CompactRow::new)
    }
}

#[derive(Clone, Copy)]
pub(super) struct Row<'a> {
    pub(super) table: &'a Table,
    pub(super) values: &'a CompactRow,
}

impl<'a> Row<'a> {
    fn get(&self, column: &str) -> &'a str {
        self.table
            .index
            .get(column)
            .and_then(|&i| self.values.value(i))
            .unwrap_or("")
    }
    pub(super) fn s(&self, column: &str) -> &'a str {
        self.get(column)
    }
    /// The value as an integer, as [`Value::as_i64`] reads it.
    pub(super) fn i(&self, column: &str) -> i64 {
        Value::as_i64_str(self.get(column))
    }
    /// Whether the table has this column (an older GnuBoard may lack it).
    pub(super) fn has(&self, column: &str) -> bool {
        self.table.index.contains_key(column)
    }
}

/// What the first pass learns.
pub(super) struct Site {
    pub(super) prefix: String,
    pub(super) database: Option<String>,
    pub(super) tables: BTreeMap<String, Table>,
}

impl Site {
    pub(super) fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(&format!("{}{name}", self.prefix))
    }

    pub(super) fn rows(&self, name: &str) -> Vec<Row<'_>> {
        match self.table(name) {
            Some(t) => t
                .rows
                .iter()
                .map(|v| Row {
                    table: t,
                    values: v,
                })
                .collect(),
            None => Vec::new(),
        }
    }
}
