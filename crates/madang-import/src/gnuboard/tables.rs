//! A source table as the import holds it: its columns, and for the small tables read
//! whole in the first pass, its rows; a row read by column name; and the site the first
//! pass found (its table prefix, database and tables).

use std::collections::{BTreeMap, HashMap};

use crate::dump::Value;

pub(super) struct Table {
    pub(super) columns: Vec<String>,
    index: HashMap<String, usize>,
    pub(super) rows: Vec<Vec<Value>>,
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

static NULL: Value = Value::Null;

#[derive(Clone, Copy)]
pub(super) struct Row<'a> {
    pub(super) table: &'a Table,
    pub(super) values: &'a [Value],
}

impl<'a> Row<'a> {
    fn get(&self, column: &str) -> &'a Value {
        self.table
            .index
            .get(column)
            .and_then(|&i| self.values.get(i))
            .unwrap_or(&NULL)
    }
    pub(super) fn s(&self, column: &str) -> &'a str {
        self.get(column).as_str()
    }
    pub(super) fn i(&self, column: &str) -> i64 {
        self.get(column).as_i64()
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
