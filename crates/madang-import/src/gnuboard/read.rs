//! Reading the source, from a dump or a live database. Pass 1 reads every table's
//! columns and the small tables' rows and refuses a source that cannot be imported; pass 2
//! from a dump streams the posts tables one board at a time (from a live database it is in
//! `run`, in `mod.rs`).

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use crate::dump::{DumpReader, Statement};
use crate::mysql::{LiveDb, redact};

use super::posts::import_board_rows;
use super::repairs::Repairs;
use super::tables::{CompactRow, Site, Table};
use super::{Ctx, ImportError, ImportOptions, Progress};

/// Columns a posts table cannot do without.
const WRITE_COLUMNS: &[&str] = &[
    "wr_id",
    "wr_num",
    "wr_reply",
    "wr_parent",
    "wr_is_comment",
    "wr_subject",
    "wr_content",
    "wr_option",
    "wr_datetime",
    "mb_id",
    "wr_name",
];
const BOARD_COLUMNS: &[&str] = &["bo_table", "bo_subject"];
const MEMBER_COLUMNS: &[&str] = &["mb_id", "mb_password", "mb_level"];
const FILE_COLUMNS: &[&str] = &["bo_table", "wr_id", "bf_no", "bf_source", "bf_file"];

/// Tables read whole in the first pass (by name without the prefix).
const SMALL_TABLES: &[&str] = &[
    "config",
    "group",
    "board",
    "member",
    "board_file",
    "content",
    "faq_master",
    "faq",
    "menu",
];

fn open_dump(path: &Path) -> Result<DumpReader<BufReader<File>>, ImportError> {
    let file = File::open(path).map_err(|source| ImportError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(DumpReader::new(BufReader::with_capacity(1 << 20, file)))
}

fn is_write_table(name: &str) -> bool {
    name.contains("write_")
}

/// Whether pass 1 keeps a table's rows: the small tables, read whole.
fn keeps_rows(table: &str) -> bool {
    SMALL_TABLES.iter().any(|s| {
        table.ends_with(s)
            && table[..table.len() - s.len()].ends_with('_')
            && !table.ends_with(&format!("_{s}_{s}"))
    }) || table.ends_with("config")
}

pub(super) fn live_error(url: &str) -> impl Fn(crate::mysql::LiveDbError) -> ImportError + '_ {
    move |e| ImportError::Database {
        url: redact(url),
        message: e.0,
    }
}

/// Pass 1 from a live database: the same tables, columns and rows as from its dump.
pub(super) async fn read_live_site(
    db: &mut LiveDb,
    url: &str,
    progress: &mut dyn FnMut(&Progress),
    repairs: &mut Repairs,
) -> Result<Site, ImportError> {
    let total = db.tables.len() as u64;
    progress(&Progress {
        table: "reading database",
        done: 0,
        total,
    });
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let live_tables = db.tables.clone();
    for (n, lt) in live_tables.iter().enumerate() {
        let mut t = Table::new(lt.columns.iter().map(|c| c.name.clone()).collect());
        // As from a dump: rows of the small tables, row counts of the others but the posts
        // tables (read in pass 2).
        if !is_write_table(&lt.name) {
            if keeps_rows(&lt.name) {
                let mut rows = db.rows(&lt.name).await.map_err(live_error(url))?;
                repairs.rows(&lt.name, &t.columns, &mut rows);
                t.row_count = rows.len() as u64;
                t.rows = CompactRow::all(rows).collect();
            } else {
                t.row_count = db.count(&lt.name).await.map_err(live_error(url))?;
            }
        }
        tables.insert(lt.name.clone(), t);
        progress(&Progress {
            table: "reading database",
            done: n as u64 + 1,
            total,
        });
    }
    check_site(tables, Some(db.database.clone()), db.invalid_utf8)
}

/// Pass 1 from a dump: schema of every table, rows of the small ones, checks.
pub(super) fn read_dump_site(
    options: &ImportOptions,
    progress: &mut dyn FnMut(&Progress),
    repairs: &mut Repairs,
) -> Result<Site, ImportError> {
    let total = std::fs::metadata(&options.dump)
        .map(|m| m.len())
        .unwrap_or(0);
    let mut reader = open_dump(&options.dump)?;
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut statements = 0u64;
    progress(&Progress {
        table: "reading dump",
        done: 0,
        total,
    });
    while let Some((_, statement)) = reader.next_statement(&|t| is_write_table(t))? {
        statements += 1;
        match statement {
            Statement::CreateTable { table, columns } => {
                tables.insert(table, Table::new(columns));
            }
            Statement::Insert {
                table,
                columns,
                rows,
            } => {
                let t = tables
                    .entry(table.clone())
                    .or_insert_with(|| Table::new(columns.clone().unwrap_or_default()));
                if is_write_table(&table) {
                    continue;
                }
                t.row_count += rows.len() as u64;
                if keeps_rows(&table) {
                    let mut rows = t.arrange(columns, rows);
                    repairs.rows(&table, &t.columns, &mut rows);
                    t.rows.extend(CompactRow::all(rows));
                }
            }
            Statement::Other(_) => {}
        }
    }
    progress(&Progress {
        table: "reading dump",
        done: total,
        total,
    });
    let _ = statements;
    check_site(tables, reader.database.clone(), reader.invalid_utf8)
}

/// Finds the table prefix and refuses a source that cannot be imported.
fn check_site(
    tables: BTreeMap<String, Table>,
    database: Option<String>,
    invalid_utf8: u64,
) -> Result<Site, ImportError> {
    // The prefix: `xxx_config` beside `xxx_board` and `xxx_member`.
    let prefix = tables
        .keys()
        .filter_map(|name| name.strip_suffix("config"))
        .find(|p| {
            tables.contains_key(&format!("{p}board")) && tables.contains_key(&format!("{p}member"))
        })
        .map(str::to_owned)
        .ok_or_else(|| {
            ImportError::NotGnuboard(
                "no `…config` table beside `…board` and `…member` tables (is the table prefix \
                 unusual, or is this another program's dump?)"
                    .into(),
            )
        })?;
    let site = Site {
        prefix,
        database,
        tables,
    };

    // The checks that make a dump unusable: tell them all at once.
    let mut problems = Vec::new();
    for (name, required) in [
        ("board", BOARD_COLUMNS),
        ("member", MEMBER_COLUMNS),
        ("board_file", FILE_COLUMNS),
    ] {
        if let Some(t) = site.table(name) {
            let missing = t.missing(required);
            if !missing.is_empty() {
                problems.push(format!(
                    "table {}{name} lacks columns {}",
                    site.prefix,
                    missing.join(", ")
                ));
            }
        }
    }
    for board in site.rows("board") {
        let bo_table = board.s("bo_table");
        match site.table(&format!("write_{bo_table}")) {
            None => {} // reported as a skipped board later
            Some(t) => {
                let missing = t.missing(WRITE_COLUMNS);
                if !missing.is_empty() {
                    problems.push(format!(
                        "table {}write_{bo_table} lacks columns {}",
                        site.prefix,
                        missing.join(", ")
                    ));
                }
            }
        }
    }
    if invalid_utf8 > 0 {
        problems.push(format!(
            "{invalid_utf8} text values are not valid UTF-8 (was the dump made with \
             --default-character-set=utf8mb4?)"
        ));
    }
    if !problems.is_empty() {
        return Err(ImportError::Malformed(problems.join("; ")));
    }
    Ok(site)
}

/// Pass 2 from a dump: streams the posts tables' rows, one board at a time.
pub(super) async fn dump_posts(
    site: &Site,
    ctx: &mut Ctx<'_>,
    wanted: &dyn Fn(&str) -> bool,
    seen_boards: &mut HashSet<String>,
    repairs: &mut Repairs,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), ImportError> {
    let mut reader = open_dump(&ctx.options.dump)?;
    let write_prefix = format!("{}write_", site.prefix);
    let mut current: Option<(String, Vec<CompactRow>)> = None;
    while let Some((_, statement)) = reader.next_statement(&|t| !wanted(t))? {
        let Statement::Insert {
            table,
            columns,
            rows,
        } = statement
        else {
            continue;
        };
        if !wanted(&table) {
            continue;
        }
        let bo_table = table[write_prefix.len()..].to_owned();
        let t = site.tables.get(&table).expect("seen in pass 1");
        let mut rows = t.arrange(columns, rows);
        repairs.rows(&table, &t.columns, &mut rows);
        let rows = CompactRow::all(rows);
        match &mut current {
            Some((b, acc)) if *b == bo_table => acc.extend(rows),
            _ => {
                if let Some((b, acc)) = current.take() {
                    import_board_rows(site, ctx, &b, acc, progress).await?;
                }
                seen_boards.insert(bo_table.clone());
                current = Some((bo_table, rows.collect()));
            }
        }
    }
    if let Some((b, acc)) = current.take() {
        import_board_rows(site, ctx, &b, acc, progress).await?;
    }
    Ok(())
}

pub(super) fn ctx_has_board(site: &Site, bo: &str) -> bool {
    site.rows("board").iter().any(|b| b.s("bo_table") == bo)
}
