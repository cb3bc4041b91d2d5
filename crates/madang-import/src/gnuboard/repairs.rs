//! Double-encoded UTF-8 in the source's text (UTF-8 read as latin1 and encoded again),
//! repaired value by value as rows are read ([`crate::encoding`]), and counted per table
//! for the report.

use std::collections::BTreeMap;

use crate::dump::Value;
use crate::encoding::repair_double_encoded;
use crate::report::Report;

/// Double-encoded text repaired so far, per source table.
#[derive(Default)]
pub(super) struct Repairs {
    tables: BTreeMap<String, TableRepairs>,
}

#[derive(Default)]
struct TableRepairs {
    values: u64,
    columns: Vec<String>,
    example: Option<(String, String)>,
}

impl Repairs {
    /// Repairs the double-encoded text values of a table's rows (in its column order).
    pub(super) fn rows(&mut self, table: &str, columns: &[String], rows: &mut [Vec<Value>]) {
        for row in rows {
            for (i, value) in row.iter_mut().enumerate() {
                let Value::Text(text) = value else { continue };
                let Some(repaired) = repair_double_encoded(text) else {
                    continue;
                };
                let t = self.tables.entry(table.to_owned()).or_default();
                t.values += 1;
                let column = columns.get(i).map(String::as_str).unwrap_or("?");
                if !t.columns.iter().any(|c| c == column) {
                    t.columns.push(column.to_owned());
                }
                if t.example.is_none() {
                    let short = |s: &str| s.chars().take(40).collect::<String>();
                    t.example = Some((short(text), short(&repaired)));
                }
                *text = repaired;
            }
        }
    }

    pub(super) fn report(self, report: &mut Report) {
        for (table, t) in self.tables {
            report.repaired_text += t.values;
            let (before, after) = t.example.unwrap_or_default();
            report.warn(format!(
                "table {table}: {} text values were double-encoded UTF-8 (UTF-8 read as \
                 latin1) and were repaired, in columns {}; e.g. {before:?} → {after:?}",
                t.values,
                t.columns.join(", ")
            ));
        }
    }
}
