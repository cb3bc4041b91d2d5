//! GnuBoard5 → Madang, from a mysqldump file or a live MariaDB/MySQL database, and the
//! site's `data/` folder.
//!
//! Two passes over the source. The first reads every table's columns and the small tables
//! (config, groups, boards, members, file records) and checks the source is whole and is a
//! GnuBoard5 site; nothing is written before it succeeds. The second streams the posts
//! tables (`{prefix}write_{bo_table}`) one board at a time. A live database
//! ([`crate::mysql`]) yields exactly the rows a dump of it would, so everything after
//! reading is shared; text that is double-encoded UTF-8 is repaired the same way for both
//! ([`crate::encoding`]). Everything is written in one
//! store transaction ([`madang_store::ImportSession`]); a dry run does all the work and
//! rolls it back, so its report is exactly what a real run would do.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use madang_core::copy_line::{self, Transfer};
use madang_core::download::sniff_mime;
use madang_core::text::plain_text;
use madang_core::{BoardLevels, Level, ListOrder, NewBoard};
use madang_files::{Files, FilesError};
use madang_store::{
    ImportAttachment, ImportComment, ImportGroup, ImportMember, ImportPost, ImportProvenance,
    ImportSession, Imported, LegacyFile, Store, StoreError, post_path,
};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::dump::{DumpError, DumpReader, Statement, Value};
use crate::encoding::repair_double_encoded;
use crate::mysql::{LiveDb, redact};
use crate::report::{Kind, Report};

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The mysqldump file (not read when [`mysql`](Self::mysql) is set).
    pub dump: PathBuf,
    /// A live MariaDB/MySQL database to read instead of the dump:
    /// `mysql://user:pass@host[:port]/database` (`?charset=utf8` for a server without
    /// utf8mb4; by default utf8mb4 is tried first).
    pub mysql: Option<String>,
    /// The site's `data/` folder (holding `file/` and `editor/`).
    pub files_dir: PathBuf,
    /// Report what would be imported, changing nothing.
    pub dry_run: bool,
    /// The name this source is recorded under for idempotency; by default
    /// `gnuboard5:<database>/<prefix>`, the database named in the dump's header or in the
    /// live database's address, so that a site imported from its dump and later from its
    /// live database (or the other way round) is the same source and nothing is duplicated.
    pub source: Option<String>,
}

impl ImportOptions {
    /// Import from a mysqldump file.
    pub fn new(dump: impl Into<PathBuf>, files_dir: impl Into<PathBuf>) -> ImportOptions {
        ImportOptions {
            dump: dump.into(),
            mysql: None,
            files_dir: files_dir.into(),
            dry_run: false,
            source: None,
        }
    }

    /// Import from a live MariaDB/MySQL database, `mysql://user:pass@host[:port]/database`.
    pub fn from_mysql(url: impl Into<String>, files_dir: impl Into<PathBuf>) -> ImportOptions {
        ImportOptions {
            dump: PathBuf::new(),
            mysql: Some(url.into()),
            files_dir: files_dir.into(),
            dry_run: false,
            source: None,
        }
    }
}

/// Progress of one stage (usually one source table), for a progress bar.
#[derive(Debug, Clone)]
pub struct Progress<'a> {
    /// The source table (`g5_write_advocacy`) or stage (`reading dump`).
    pub table: &'a str,
    pub done: u64,
    pub total: u64,
}

/// Why an import stopped. When it stops, nothing was changed.
#[derive(Debug, Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the dump: {0}")]
    Dump(#[from] DumpError),
    /// The live database could not be reached or read.
    #[error("the database {url}: {message}")]
    Database { url: String, message: String },
    #[error("not a GnuBoard5 dump: {0}")]
    NotGnuboard(String),
    #[error("the dump cannot be imported: {0}")]
    Malformed(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("file storage: {0}")]
    Files(#[from] FilesError),
    #[error("file check failed: {0}")]
    Integrity(String),
}

/// Imports a GnuBoard5 site. See the crate documentation.
pub async fn import(
    store: &Store,
    files: &Files,
    options: &ImportOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Report, ImportError> {
    let mut stored_now = Vec::new();
    let result = run(store, files, options, progress, &mut stored_now).await;
    if result.is_err() {
        // The transaction was rolled back; remove the objects it would have referred to.
        for key in stored_now {
            let _ = files.delete(&key).await;
        }
    }
    result
}

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
const SMALL_TABLES: &[&str] = &["config", "group", "board", "member", "board_file"];

struct Table {
    columns: Vec<String>,
    index: HashMap<String, usize>,
    rows: Vec<Vec<Value>>,
    row_count: u64,
}

impl Table {
    fn new(columns: Vec<String>) -> Table {
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

    fn missing(&self, required: &[&str]) -> Vec<String> {
        required
            .iter()
            .filter(|c| !self.has(c))
            .map(|c| c.to_string())
            .collect()
    }

    /// Puts an `INSERT`'s rows in this table's column order.
    fn arrange(&self, columns: Option<Vec<String>>, rows: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
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

/// Double-encoded text repaired so far, per source table.
#[derive(Default)]
struct Repairs {
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
    fn rows(&mut self, table: &str, columns: &[String], rows: &mut [Vec<Value>]) {
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

    fn report(self, report: &mut Report) {
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

#[derive(Clone, Copy)]
struct Row<'a> {
    table: &'a Table,
    values: &'a [Value],
}

impl<'a> Row<'a> {
    fn get(&self, column: &str) -> &'a Value {
        self.table
            .index
            .get(column)
            .and_then(|&i| self.values.get(i))
            .unwrap_or(&NULL)
    }
    fn s(&self, column: &str) -> &'a str {
        self.get(column).as_str()
    }
    fn i(&self, column: &str) -> i64 {
        self.get(column).as_i64()
    }
}

/// What the first pass learns.
struct Site {
    prefix: String,
    database: Option<String>,
    tables: BTreeMap<String, Table>,
}

impl Site {
    fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(&format!("{}{name}", self.prefix))
    }

    fn rows(&self, name: &str) -> Vec<Row<'_>> {
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

fn live_error(url: &str) -> impl Fn(crate::mysql::LiveDbError) -> ImportError + '_ {
    move |e| ImportError::Database {
        url: redact(url),
        message: e.0,
    }
}

/// Pass 1 from a live database: the same tables, columns and rows as from its dump.
async fn read_live_site(
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
                t.rows = rows;
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
fn read_dump_site(
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
                    t.rows.extend(rows);
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

fn seoul() -> TimeZone {
    TimeZone::get("Asia/Seoul").unwrap_or(TimeZone::UTC)
}

/// A GnuBoard5 date-time (naive KST); zero and malformed dates are `None`.
fn kst(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() || text.starts_with("0000") {
        return None;
    }
    madang_core::time::parse_local(text, zone)
}

/// An old file's place under `data/`, if the text is a safe relative path.
fn safe_data_path(path: &str) -> Option<String> {
    let ok = !path.is_empty()
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '%' | '+'))
        });
    ok.then(|| path.to_owned())
}

/// Addresses of old files inside a body: (byte range of the whole address, path under
/// `data/`), for `/data/editor/…` and `/data/file/…` whatever host or relative prefix.
fn legacy_refs(html: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut from = 0;
    while let Some(found) = html[from..].find("/data/") {
        let at = from + found;
        from = at + 6;
        let rest = &html[at + 6..];
        if !(rest.starts_with("editor/") || rest.starts_with("file/")) {
            continue;
        }
        let stop = |b: u8| {
            matches!(
                b,
                b'"' | b'\'' | b'(' | b')' | b'<' | b'>' | b'=' | b' ' | b'\t' | b'\n' | b'\r'
            )
        };
        let mut start = at;
        while start > 0 && !stop(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = at + 6;
        while end < bytes.len() && !stop(bytes[end]) && bytes[end] != b'?' && bytes[end] != b'#' {
            end += 1;
        }
        let mut full_end = end;
        while full_end < bytes.len()
            && !matches!(
                bytes[full_end],
                b'"' | b'\'' | b')' | b'<' | b'>' | b' ' | b'\t' | b'\n' | b'\r'
            )
        {
            full_end += 1;
        }
        if let Some(path) = safe_data_path(&html[at + 6..end]) {
            out.push((start..full_end, path));
        }
        from = full_end.max(from);
    }
    out
}

struct BoardInfo {
    id: i64,
    slug: String,
    subject: String,
    notice: HashSet<i64>,
}

struct PendingProvenance {
    key: String,
    post_id: i64,
    transfer: Transfer,
    nick: String,
    time: String,
    source_board: String,
    title: String,
    datetime: String,
}

struct Ctx<'a> {
    files: &'a Files,
    options: &'a ImportOptions,
    session: ImportSession,
    report: Report,
    zone: TimeZone,
    now: Timestamp,
    boards: HashMap<String, BoardInfo>,
    /// Lower-cased mb_id → imported member id.
    members: HashMap<String, i64>,
    nicks: HashMap<String, i64>,
    /// (bo_table, wr_id) → post id.
    posts: HashMap<(String, i64), i64>,
    /// (bo_table, subject, wr_datetime) → post id: finds the source of a copy.
    post_index: HashMap<(String, String, String), i64>,
    provenance: Vec<PendingProvenance>,
    /// Old files already handled in this run: path under data/ → served path, if stored.
    legacy_done: HashMap<String, Option<String>>,
    /// SHA-256 → storage key of objects stored in this run.
    stored: HashMap<String, String>,
    stored_now: &'a mut Vec<String>,
}

async fn run(
    store: &Store,
    files: &Files,
    options: &ImportOptions,
    progress: &mut dyn FnMut(&Progress),
    stored_now: &mut Vec<String>,
) -> Result<Report, ImportError> {
    let mut repairs = Repairs::default();
    let mut live = match &options.mysql {
        Some(url) => Some(LiveDb::connect(url).await.map_err(live_error(url))?),
        None => None,
    };
    let site = match (&mut live, &options.mysql) {
        (Some(db), Some(url)) => read_live_site(db, url, progress, &mut repairs).await?,
        _ => read_dump_site(options, progress, &mut repairs)?,
    };
    let source = options.source.clone().unwrap_or_else(|| {
        format!(
            "gnuboard5:{}/{}",
            site.database.as_deref().unwrap_or("dump"),
            site.prefix
        )
    });
    let now = Timestamp::now();
    let session = store.begin_import(&source, now).await?;
    let mut ctx = Ctx {
        files,
        options,
        session,
        report: Report {
            source: source.clone(),
            prefix: site.prefix.clone(),
            dry_run: options.dry_run,
            ..Report::default()
        },
        zone: seoul(),
        now,
        boards: HashMap::new(),
        members: HashMap::new(),
        nicks: HashMap::new(),
        posts: HashMap::new(),
        post_index: HashMap::new(),
        provenance: Vec::new(),
        legacy_done: HashMap::new(),
        stored: HashMap::new(),
        stored_now,
    };
    not_carried(&site, &mut ctx.report);

    let group_ids = import_groups(&site, &mut ctx, progress).await?;
    import_members(&site, &mut ctx, progress).await?;
    import_boards(&site, &mut ctx, &group_ids, progress).await?;

    // Pass 2: the posts tables, one board at a time as the dump (or the database) lists
    // them.
    let write_prefix = format!("{}write_", site.prefix);
    let wanted = |t: &str| {
        t.strip_prefix(&write_prefix)
            .is_some_and(|bo| ctx_has_board(&site, bo))
    };
    let mut seen_boards = HashSet::new();
    if let (Some(mut db), Some(url)) = (live.take(), &options.mysql) {
        let names: Vec<String> = db
            .tables
            .iter()
            .map(|t| t.name.clone())
            .filter(|t| wanted(t))
            .collect();
        for table in names {
            let mut rows = db.rows(&table).await.map_err(live_error(url))?;
            if rows.is_empty() {
                continue; // as a dump has no INSERT for it
            }
            let t = site.tables.get(&table).expect("seen in pass 1");
            repairs.rows(&table, &t.columns, &mut rows);
            let bo_table = table[write_prefix.len()..].to_owned();
            seen_boards.insert(bo_table.clone());
            import_board_rows(&site, &mut ctx, &bo_table, rows, progress).await?;
        }
        db.close().await;
    } else {
        dump_posts(
            &site,
            &mut ctx,
            &wanted,
            &mut seen_boards,
            &mut repairs,
            progress,
        )
        .await?;
    }
    // Boards whose table had no rows still get their files checked (there are none) and
    // their redirects; boards without a table are reported.
    for board in site.rows("board") {
        let bo = board.s("bo_table");
        if !seen_boards.contains(bo) && ctx.boards.contains_key(bo) {
            import_board_rows(&site, &mut ctx, bo, Vec::new(), progress).await?;
        }
    }
    resolve_provenance(&mut ctx).await?;
    repairs.report(&mut ctx.report);

    let detail = format!(
        "{source}: {} rows created{}",
        ctx.report.total_imported(),
        if options.dry_run { " (dry run)" } else { "" }
    );
    let commit = !options.dry_run;
    let Ctx {
        session, report, ..
    } = ctx;
    session.finish(commit, "import", &detail).await?;
    Ok(report)
}

/// Pass 2 from a dump: streams the posts tables' rows, one board at a time.
async fn dump_posts(
    site: &Site,
    ctx: &mut Ctx<'_>,
    wanted: &dyn Fn(&str) -> bool,
    seen_boards: &mut HashSet<String>,
    repairs: &mut Repairs,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), ImportError> {
    let mut reader = open_dump(&ctx.options.dump)?;
    let write_prefix = format!("{}write_", site.prefix);
    let mut current: Option<(String, Vec<Vec<Value>>)> = None;
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
        match &mut current {
            Some((b, acc)) if *b == bo_table => acc.extend(rows),
            _ => {
                if let Some((b, acc)) = current.take() {
                    import_board_rows(site, ctx, &b, acc, progress).await?;
                }
                seen_boards.insert(bo_table.clone());
                current = Some((bo_table, rows));
            }
        }
    }
    if let Some((b, acc)) = current.take() {
        import_board_rows(site, ctx, &b, acc, progress).await?;
    }
    Ok(())
}

fn ctx_has_board(site: &Site, bo: &str) -> bool {
    site.rows("board").iter().any(|b| b.s("bo_table") == bo)
}

fn not_carried(site: &Site, report: &mut Report) {
    let carried = ["config", "group", "board", "member", "board_file"];
    for (name, t) in &site.tables {
        let Some(short) = name.strip_prefix(&site.prefix) else {
            report
                .not_carried
                .push(format!("table {name}: not a GnuBoard5 table of this site"));
            continue;
        };
        if carried.contains(&short) || short.starts_with("write_") {
            continue;
        }
        let why = match short {
            "board_new" => "rebuilt from posts (GnuBoard5 prunes it)",
            "point" => "points are not part of Madang",
            "visit" | "visit_sum" | "login" => "visit statistics and login records are not kept",
            "content" => "content pages are not imported yet",
            "menu" => "Madang's menu is made from groups and boards; not imported yet",
            "faq" | "faq_master" => "FAQ pages are not imported yet",
            "board_good" => "votes are not part of Madang",
            "scrap" => "bookmarks are not part of Madang",
            "auth" => "sub-administrator menus have no Madang equivalent",
            "group_member" => "group access lists are not imported yet",
            "member_social_profiles" => "social login is not part of Madang",
            "memo" => "private messages are not part of Madang",
            "poll" | "poll_etc" => "polls are not part of Madang",
            "new_win" => "pop-up layers are not part of Madang",
            "uniqid"
            | "autosave"
            | "popular"
            | "cert_history"
            | "member_cert_history"
            | "member_auto_login"
            | "mail" => "working data of GnuBoard5 itself",
            s if s.starts_with("qa_") => "the 1:1 help desk is not part of Madang",
            s if s.starts_with("shop_") => "the shop is not part of Madang",
            _ => "unknown to the importer",
        };
        report
            .not_carried
            .push(format!("table {name} ({} rows): {why}", t.row_count));
    }
}

async fn import_groups(
    site: &Site,
    ctx: &mut Ctx<'_>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<HashMap<String, i64>, ImportError> {
    let table = format!("{}group", site.prefix);
    let mut rows = site.rows("group");
    rows.sort_by_key(|r| (r.i("gr_order"), r.s("gr_id").to_owned()));
    let total = rows.len() as u64;
    let mut ids = HashMap::new();
    for (n, g) in rows.iter().enumerate() {
        let gr_id = g.s("gr_id");
        let title = match g.s("gr_subject").trim() {
            "" => gr_id,
            t => t,
        };
        let slug = gr_id.to_ascii_lowercase();
        match ctx
            .session
            .import_group(gr_id, &ImportGroup { slug: &slug, title })
            .await?
        {
            Imported::Created(id) => {
                ctx.report.imported(Kind::Group);
                ids.insert(gr_id.to_owned(), id);
            }
            Imported::Existing(id) => {
                ctx.report.existing(Kind::Group);
                ids.insert(gr_id.to_owned(), id);
            }
            Imported::Refused(why) => ctx.report.skip(Kind::Group, gr_id, why),
        }
        if g.s("gr_use_access") == "1" {
            ctx.report.warn(format!(
                "group {gr_id} was limited to its members (gr_use_access); Madang has no \
                 group access lists yet: check its boards' levels"
            ));
        }
        progress(&Progress {
            table: &table,
            done: n as u64 + 1,
            total,
        });
    }
    // Group administrators, once members are known (they are imported next); kept here.
    Ok(ids)
}

async fn import_members(
    site: &Site,
    ctx: &mut Ctx<'_>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), ImportError> {
    let table = format!("{}member", site.prefix);
    let super_admin = site
        .rows("config")
        .first()
        .map(|c| c.s("cf_admin").to_lowercase())
        .unwrap_or_default();
    let rows = site.rows("member");
    let total = rows.len() as u64;
    for (n, m) in rows.iter().enumerate() {
        let mb_id = m.s("mb_id");
        let key = mb_id.to_lowercase();
        let password = m.s("mb_password");
        let memo = m.s("mb_memo").trim();
        let left = m.s("mb_leave_date").trim();
        if password.trim().is_empty() || !left.is_empty() {
            let why = if !left.is_empty() {
                format!("left the site on {left}: kept as an author name only")
            } else if memo.contains("삭제") {
                format!("deleted member ({}): kept as an author name only", memo)
            } else {
                "no password (a deleted member): kept as an author name only".to_owned()
            };
            ctx.report.skip(Kind::Member, mb_id, why);
            continue;
        }
        if !madang_core::legacy_password::is_legacy(password) && !password.starts_with("$argon2") {
            ctx.report.warn(format!(
                "member {mb_id}: the password hash has an unknown form; they will need to \
                 reset their password"
            ));
        }
        let nickname = match m.s("mb_nick").trim() {
            "" => m.s("mb_name"),
            n => n,
        };
        let created_at = kst(m.s("mb_datetime"), &ctx.zone).unwrap_or(ctx.now);
        let member = ImportMember {
            login: mb_id,
            nickname,
            email: m.s("mb_email"),
            password_hash: password,
            level: m.i("mb_level"),
            is_super_admin: !super_admin.is_empty() && key == super_admin,
            blocked: !m.s("mb_intercept_date").trim().is_empty(),
            created_at,
        };
        match ctx.session.import_member(&key, &member).await? {
            Imported::Created(id) => {
                ctx.report.imported(Kind::Member);
                ctx.members.insert(key, id);
                ctx.nicks.entry(nickname.to_owned()).or_insert(id);
            }
            Imported::Existing(id) => {
                ctx.report.existing(Kind::Member);
                ctx.members.insert(key, id);
                ctx.nicks.entry(nickname.to_owned()).or_insert(id);
            }
            Imported::Refused(why) => ctx.report.skip(Kind::Member, mb_id, why),
        }
        progress(&Progress {
            table: &table,
            done: n as u64 + 1,
            total,
        });
    }
    // Group administrators.
    for g in site.rows("group") {
        let gr_id = g.s("gr_id");
        let Some(group_id) = ctx.session.mapped("group", gr_id).await? else {
            continue;
        };
        for admin in g.s("gr_admin").split(',').map(str::trim) {
            if admin.is_empty() {
                continue;
            }
            match ctx.members.get(&admin.to_lowercase()) {
                Some(&member_id) => {
                    if ctx.session.add_group_admin(group_id, member_id).await? {
                        ctx.report.imported(Kind::GroupAdmin);
                    } else {
                        ctx.report.existing(Kind::GroupAdmin);
                    }
                }
                None => ctx.report.skip(
                    Kind::GroupAdmin,
                    format!("{gr_id} {admin}"),
                    "the member was not imported",
                ),
            }
        }
    }
    Ok(())
}

fn board_settings(b: Row<'_>, group_id: Option<i64>) -> NewBoard {
    let level = |c: &str| Level::new(b.i(c).clamp(1, 10)).unwrap_or(Level::GUEST);
    let mut new = NewBoard::new(b.s("bo_table"), b.s("bo_subject"), group_id);
    if new.title.trim().is_empty() {
        new.title = new.slug.clone();
    }
    let subject_len = b.i("bo_subject_len");
    if subject_len > 0 {
        new.title_len = subject_len.min(1000) as u32;
    }
    let rows = b.i("bo_page_rows");
    if rows > 0 {
        new.page_size = rows.min(200) as u32;
    }
    new.excerpt_len = if b.i("bo_use_list_content") == 1 {
        200
    } else {
        0
    };
    let sort = b.s("bo_sort_field").trim().to_ascii_lowercase();
    new.list_order = match sort.as_str() {
        "wr_datetime asc" => ListOrder::DateAsc,
        "wr_datetime desc" => ListOrder::DateDesc,
        _ => ListOrder::Thread,
    };
    new.levels = BoardLevels {
        list: level("bo_list_level"),
        read: level("bo_read_level"),
        write: level("bo_write_level"),
        reply: level("bo_reply_level"),
        comment: level("bo_comment_level"),
        upload: level("bo_upload_level"),
        download: level("bo_download_level"),
    };
    new
}

/// Board settings with no Madang equivalent, worth telling the operator about.
fn board_notes(b: Row<'_>) -> Vec<String> {
    let mut notes = Vec::new();
    let bo = b.s("bo_table");
    let set = |c: &str| b.i(c) != 0;
    if set("bo_use_category") && !b.s("bo_category_list").is_empty() {
        notes.push(format!(
            "board {bo}: categories ({}) are kept on each post; Madang has no category filter yet",
            b.s("bo_category_list")
        ));
    }
    for (col, what) in [
        ("bo_content_head", "text above the list"),
        ("bo_content_tail", "text below the list"),
        ("bo_insert_content", "template for new posts"),
    ] {
        if !b.s(col).trim().is_empty() {
            notes.push(format!("board {bo}: {col} ({what}) is not carried"));
        }
    }
    for (col, what) in [
        ("bo_use_good", "votes"),
        ("bo_use_nogood", "votes"),
        ("bo_read_point", "points"),
        ("bo_write_point", "points"),
        ("bo_comment_point", "points"),
        ("bo_download_point", "points"),
        ("bo_count_modify", "edit lock after comments"),
        ("bo_count_delete", "delete lock after comments"),
        ("bo_use_captcha", "captcha"),
        ("bo_use_email", "mail notices"),
    ] {
        if set(col) {
            notes.push(format!("board {bo}: {col} ({what}) is not carried"));
        }
    }
    if b.i("bo_use_secret") == 2 {
        notes.push(format!(
            "board {bo}: every post was secret (bo_use_secret = 2); imported posts keep their \
             own flag"
        ));
    }
    let sort = b.s("bo_sort_field").trim().to_ascii_lowercase();
    if !sort.is_empty() && sort != "wr_datetime asc" && sort != "wr_datetime desc" {
        notes.push(format!(
            "board {bo}: list order {:?} became thread order",
            b.s("bo_sort_field")
        ));
    }
    notes
}

async fn import_boards(
    site: &Site,
    ctx: &mut Ctx<'_>,
    group_ids: &HashMap<String, i64>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), ImportError> {
    let table = format!("{}board", site.prefix);
    let mut rows = site.rows("board");
    rows.sort_by_key(|b| {
        let group_order = site
            .rows("group")
            .iter()
            .find(|g| g.s("gr_id") == b.s("gr_id"))
            .map(|g| g.i("gr_order"))
            .unwrap_or(i64::MAX);
        (
            group_order,
            b.s("gr_id").to_owned(),
            b.i("bo_order"),
            b.s("bo_table").to_owned(),
        )
    });
    let total = rows.len() as u64;
    for (n, b) in rows.iter().enumerate() {
        let bo = b.s("bo_table");
        if site.table(&format!("write_{bo}")).is_none() {
            ctx.report.skip(
                Kind::Board,
                bo,
                format!("the dump has no table {}write_{bo}", site.prefix),
            );
            continue;
        }
        let mut settings = board_settings(*b, group_ids.get(b.s("gr_id")).copied());
        if madang_core::slug::validate_board_slug(bo) == Err(madang_core::slug::SlugError::Reserved)
        {
            // A name Madang's own pages use (GnuBoard5 #299): the board gets another address;
            // the redirects below keep its old links working.
            settings.slug = format!("{bo}_board");
            ctx.report.warn(format!(
                "board {bo}: the name is reserved in Madang; the board is at /b/{}",
                settings.slug
            ));
        }
        let id = match ctx.session.import_board(bo, &settings).await? {
            Imported::Created(id) => {
                ctx.report.imported(Kind::Board);
                id
            }
            Imported::Existing(id) => {
                ctx.report.existing(Kind::Board);
                id
            }
            Imported::Refused(why) => {
                ctx.report.skip(Kind::Board, bo, why);
                continue;
            }
        };
        ctx.report.not_carried.extend(board_notes(*b));
        let notice = b
            .s("bo_notice")
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect();
        ctx.boards.insert(
            bo.to_owned(),
            BoardInfo {
                id,
                slug: settings.slug.clone(),
                subject: b.s("bo_subject").to_owned(),
                notice,
            },
        );
        for admin in b.s("bo_admin").split(',').map(str::trim) {
            if admin.is_empty() {
                continue;
            }
            match ctx.members.get(&admin.to_lowercase()) {
                Some(&member_id) => {
                    if ctx.session.add_board_admin(id, member_id).await? {
                        ctx.report.imported(Kind::BoardAdmin);
                    } else {
                        ctx.report.existing(Kind::BoardAdmin);
                    }
                }
                None => ctx.report.skip(
                    Kind::BoardAdmin,
                    format!("{bo} {admin}"),
                    "the member was not imported",
                ),
            }
        }
        let board_path = format!("/b/{}", settings.slug);
        for old in [
            format!("/bbs/board.php?bo_table={bo}"),
            format!("/{bo}"),
            format!("/bbs/rss.php?bo_table={bo}"),
            format!("/rss/{bo}"),
        ] {
            redirect(ctx, &old, &board_path).await?;
        }
        progress(&Progress {
            table: &table,
            done: n as u64 + 1,
            total,
        });
    }
    Ok(())
}

async fn redirect(ctx: &mut Ctx<'_>, old: &str, new_path: &str) -> Result<(), ImportError> {
    if ctx.session.add_legacy_url(old, new_path).await? {
        ctx.report.imported(Kind::Redirect);
    } else {
        ctx.report.existing(Kind::Redirect);
    }
    Ok(())
}

/// Stores bytes once per content: reuses an object this run or an earlier one stored.
async fn store_bytes(ctx: &mut Ctx<'_>, bytes: Vec<u8>) -> Result<(String, String), ImportError> {
    let sha = hex::encode(Sha256::digest(&bytes));
    let size = bytes.len() as i64;
    if let Some(key) = ctx.stored.get(&sha) {
        return Ok((key.clone(), sha));
    }
    if let Some(key) = ctx.session.stored_object(&sha, size).await? {
        ctx.stored.insert(sha.clone(), key.clone());
        return Ok((key, sha));
    }
    let key = if ctx.options.dry_run {
        format!("dry-run/{sha}")
    } else {
        let stored = ctx.files.put(Bytes::from(bytes)).await?;
        ctx.stored_now.push(stored.key.clone());
        // Read the object back: what storage holds must be the bytes that were read.
        let back = ctx.files.read(&stored.key).await?;
        let back_sha = hex::encode(Sha256::digest(&back));
        if stored.sha256 != sha || back_sha != sha {
            return Err(ImportError::Integrity(format!(
                "stored object {} does not have the SHA-256 of its source ({sha})",
                stored.key
            )));
        }
        stored.key
    };
    ctx.stored.insert(sha.clone(), key.clone());
    Ok((key, sha))
}

/// Stores an old editor image (once) and returns the address it is now served at, or
/// `None` when the file is not in the data folder.
async fn legacy_editor_file(
    ctx: &mut Ctx<'_>,
    path: &str,
    referrer: &str,
) -> Result<Option<String>, ImportError> {
    if let Some(done) = ctx.legacy_done.get(path) {
        return Ok(done.clone());
    }
    let served = format!("/files/legacy/{path}");
    if ctx.session.legacy_file(path).await?.is_some() {
        ctx.report.existing(Kind::EditorImage);
        ctx.legacy_done
            .insert(path.to_owned(), Some(served.clone()));
        return Ok(Some(served));
    }
    let full = ctx.options.files_dir.join(path);
    let result = match tokio::fs::read(&full).await {
        Ok(bytes) => {
            let mime = sniff_mime(&bytes, path).to_owned();
            let size = bytes.len() as i64;
            let (key, sha) = store_bytes(ctx, bytes).await?;
            ctx.session
                .add_legacy_file(&LegacyFile {
                    path: path.to_owned(),
                    storage_key: key,
                    size,
                    sha256: sha,
                    mime,
                })
                .await?;
            ctx.report.imported(Kind::EditorImage);
            Some(served)
        }
        Err(e) => {
            ctx.report.skip(
                Kind::EditorImage,
                format!("data/{path}"),
                format!("{e} (linked from {referrer}; the old address was left in the post)"),
            );
            None
        }
    };
    ctx.legacy_done.insert(path.to_owned(), result.clone());
    Ok(result)
}

/// Rewrites old file addresses in an HTML body: editor images to where Madang serves them,
/// attachment addresses to a site-relative `/data/file/…` that the redirects know.
async fn rewrite_body(
    ctx: &mut Ctx<'_>,
    html: &str,
    referrer: &str,
) -> Result<String, ImportError> {
    let refs = legacy_refs(html);
    if refs.is_empty() {
        return Ok(html.to_owned());
    }
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for (range, path) in refs {
        let replacement = if path.starts_with("editor/") {
            legacy_editor_file(ctx, &path, referrer).await?
        } else {
            Some(format!("/data/{path}"))
        };
        if let Some(new) = replacement {
            out.push_str(&html[last..range.start]);
            out.push_str(&new);
            last = range.end;
        }
    }
    out.push_str(&html[last..]);
    Ok(out)
}

/// A body as Madang keeps it: sanitised HTML (GnuBoard's `html1`/`html2`) or plain text
/// rendered as GnuBoard5 rendered it.
async fn body_html(
    ctx: &mut Ctx<'_>,
    content: &str,
    option: &str,
    referrer: &str,
) -> Result<String, ImportError> {
    let options: Vec<&str> = option.split(',').map(str::trim).collect();
    if options.contains(&"html1") || options.contains(&"html2") {
        let mut html = content.replace("\r\n", "\n");
        if options.contains(&"html2") {
            html = html.replace('\n', "<br>\n");
        }
        let html = rewrite_body(ctx, &html, referrer).await?;
        Ok(madang_core::html::sanitize(&html))
    } else {
        Ok(madang_core::html::text_to_html(content))
    }
}

fn author(ctx: &Ctx<'_>, r: Row<'_>) -> (Option<i64>, String) {
    let mb_id = r.s("mb_id").trim();
    let id = if mb_id.is_empty() {
        None
    } else {
        ctx.members.get(&mb_id.to_lowercase()).copied()
    };
    let name = match r.s("wr_name").trim() {
        "" if !mb_id.is_empty() => mb_id.to_owned(),
        "" => "(guest)".to_owned(),
        n => n.to_owned(),
    };
    (id, name)
}

fn has_option(r: Row<'_>, option: &str) -> bool {
    r.s("wr_option").split(',').any(|o| o.trim() == option)
}

async fn import_board_rows(
    site: &Site,
    ctx: &mut Ctx<'_>,
    bo: &str,
    values: Vec<Vec<Value>>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), ImportError> {
    let table_name = format!("{}write_{bo}", site.prefix);
    let Some(t) = site.tables.get(&table_name) else {
        return Ok(());
    };
    let Some((board_id, slug, notice)) = ctx
        .boards
        .get(bo)
        .map(|b| (b.id, b.slug.clone(), b.notice.clone()))
    else {
        return Ok(());
    };
    let rows: Vec<Row<'_>> = values
        .iter()
        .map(|v| Row {
            table: t,
            values: v,
        })
        .collect();
    let total = rows.len() as u64;
    let mut done = 0u64;
    progress(&Progress {
        table: &table_name,
        done,
        total,
    });

    // Threads: group by wr_num, newest-numbered last so that ids grow with age; each
    // reply goes to the nearest root with a lower id (wr_num could repeat before 2023).
    let mut by_num: BTreeMap<i64, Vec<Row<'_>>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.i("wr_is_comment") == 0) {
        by_num.entry(r.i("wr_num")).or_default().push(*r);
    }
    for (wr_num, mut group) in by_num.into_iter().rev() {
        group.sort_by_key(|r| r.i("wr_id"));
        let roots: Vec<i64> = group
            .iter()
            .filter(|r| r.s("wr_reply").is_empty())
            .map(|r| r.i("wr_id"))
            .collect();
        let mut threads: BTreeMap<i64, Vec<Row<'_>>> = BTreeMap::new();
        for r in &group {
            let id = r.i("wr_id");
            let root = if r.s("wr_reply").is_empty() {
                id
            } else {
                match roots.iter().rev().find(|&&root| root < id) {
                    Some(&root) => root,
                    None => {
                        ctx.report.warn(format!(
                            "{bo}/{id}: a reply without its thread's first post; imported as \
                             its own thread"
                        ));
                        id
                    }
                }
            };
            threads.entry(root).or_default().push(*r);
        }
        for (root, mut members) in threads {
            members.sort_by(|a, b| {
                (!a.s("wr_reply").is_empty() || a.i("wr_id") != root)
                    .cmp(&(!b.s("wr_reply").is_empty() || b.i("wr_id") != root))
                    .then_with(|| a.s("wr_reply").cmp(b.s("wr_reply")))
                    .then_with(|| a.i("wr_id").cmp(&b.i("wr_id")))
            });
            // (reply path, wr_id, post id) of this thread's posts so far.
            let mut placed: Vec<(String, i64, i64)> = Vec::new();
            for r in members {
                let id = r.i("wr_id");
                let reply = r.s("wr_reply");
                let parent_id = if reply.is_empty() || id == root {
                    None
                } else {
                    let mut parent_path = reply.to_owned();
                    parent_path.pop();
                    let found = placed
                        .iter()
                        .filter(|(p, w, _)| *p == parent_path && *w < id)
                        .max_by_key(|(_, w, _)| *w)
                        .map(|(_, _, pid)| *pid);
                    match found {
                        Some(p) => Some(p),
                        None => {
                            ctx.report.warn(format!(
                                "{bo}/{id}: the post it replies to is missing; attached to the \
                                 thread's first post"
                            ));
                            placed.first().map(|(_, _, pid)| *pid)
                        }
                    }
                };
                if let Some(post_id) =
                    import_post(ctx, bo, &slug, board_id, wr_num, parent_id, &notice, r).await?
                {
                    placed.push((reply.to_owned(), id, post_id));
                }
                done += 1;
                if done.is_multiple_of(200) {
                    progress(&Progress {
                        table: &table_name,
                        done,
                        total,
                    });
                }
            }
        }
    }

    // Comments, in thread order so that a reply's parent comes first.
    let mut comments: Vec<Row<'_>> = rows
        .iter()
        .filter(|r| r.i("wr_is_comment") != 0)
        .copied()
        .collect();
    comments.sort_by(|a, b| {
        (a.i("wr_parent"), a.i("wr_comment"))
            .cmp(&(b.i("wr_parent"), b.i("wr_comment")))
            .then_with(|| a.s("wr_comment_reply").cmp(b.s("wr_comment_reply")))
            .then_with(|| a.i("wr_id").cmp(&b.i("wr_id")))
    });
    // (post, comment thread) → (reply path, wr_id, comment id) placed so far.
    type Placed = Vec<(String, i64, i64)>;
    let mut placed: HashMap<(i64, i64), Placed> = HashMap::new();
    for r in comments {
        let id = r.i("wr_id");
        let key = format!("{bo}/{id}");
        let Some(&post_id) = ctx.posts.get(&(bo.to_owned(), r.i("wr_parent"))) else {
            ctx.report.skip(
                Kind::Comment,
                &key,
                format!("its post {bo}/{} was not imported", r.i("wr_parent")),
            );
            continue;
        };
        let thread = (r.i("wr_parent"), r.i("wr_comment"));
        let reply = r.s("wr_comment_reply");
        let siblings = placed.entry(thread).or_default();
        let parent_id = if reply.is_empty() {
            None
        } else {
            let mut parent_path = reply.to_owned();
            parent_path.pop();
            siblings
                .iter()
                .filter(|(p, w, _)| *p == parent_path && *w < id)
                .max_by_key(|(_, w, _)| *w)
                .map(|(_, _, c)| *c)
                .or_else(|| siblings.first().map(|(_, _, c)| *c))
        };
        let (author_id, author_name) = author(ctx, r);
        let created_at = kst(r.s("wr_datetime"), &ctx.zone)
            .or_else(|| kst(r.s("wr_last"), &ctx.zone))
            .unwrap_or(ctx.now);
        let body = madang_core::html::text_to_html(r.s("wr_content"));
        let guest_hash = if r.s("mb_id").trim().is_empty() {
            r.s("wr_password")
        } else {
            ""
        };
        let comment = ImportComment {
            post_id,
            parent_id,
            thread_key: r.i("wr_comment"),
            reply_path: reply,
            author_id,
            author_name: &author_name,
            guest_password_hash: guest_hash,
            body_html: &body,
            secret: has_option(r, "secret"),
            created_at,
            legacy_board: bo,
            legacy_id: id,
        };
        let comment_id = match ctx.session.import_comment(&key, &comment).await? {
            Imported::Created(c) => {
                ctx.report.imported(Kind::Comment);
                c
            }
            Imported::Existing(c) => {
                ctx.report.existing(Kind::Comment);
                c
            }
            Imported::Refused(why) => {
                ctx.report.skip(Kind::Comment, &key, why);
                continue;
            }
        };
        placed
            .entry(thread)
            .or_default()
            .push((reply.to_owned(), id, comment_id));
        let target = format!("{}#comment-{comment_id}", post_path(&slug, post_id));
        redirect(
            ctx,
            &format!("/bbs/board.php?bo_table={bo}&wr_id={id}"),
            &target,
        )
        .await?;
    }
    progress(&Progress {
        table: &table_name,
        done: total,
        total,
    });
    import_attachments(site, ctx, bo, &slug, progress).await
}

#[allow(clippy::too_many_arguments)]
async fn import_post(
    ctx: &mut Ctx<'_>,
    bo: &str,
    slug: &str,
    board_id: i64,
    thread_key: i64,
    parent_id: Option<i64>,
    notice: &HashSet<i64>,
    r: Row<'_>,
) -> Result<Option<i64>, ImportError> {
    let id = r.i("wr_id");
    let key = format!("{bo}/{id}");
    let post_id = if let Some(existing) = ctx.session.mapped("post", &key).await? {
        ctx.report.existing(Kind::Post);
        // Its editor images were stored with it; count them as the first run did.
        for (_, path) in legacy_refs(r.s("wr_content")) {
            if path.starts_with("editor/") {
                legacy_editor_file(ctx, &path, &key).await?;
            }
        }
        existing
    } else {
        let content = r.s("wr_content");
        let html = body_html(ctx, content, r.s("wr_option"), &key).await?;
        let text = plain_text(&html);
        let (author_id, author_name) = author(ctx, r);
        let published = kst(r.s("wr_datetime"), &ctx.zone)
            .or_else(|| kst(r.s("wr_last"), &ctx.zone))
            .unwrap_or_else(|| {
                ctx.report
                    .warn(format!("{key}: no date; the import's date was used"));
                ctx.now
            });
        let links: Vec<String> = ["wr_link1", "wr_link2"]
            .iter()
            .map(|c| r.s(c).trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        let guest_hash = if r.s("mb_id").trim().is_empty() {
            r.s("wr_password")
        } else {
            ""
        };
        let post = ImportPost {
            board_id,
            thread_key,
            parent_id,
            reply_path: r.s("wr_reply"),
            category: r.s("ca_name"),
            title: r.s("wr_subject"),
            body_html: &html,
            body_text: &text,
            author_id,
            author_name: &author_name,
            guest_password_hash: guest_hash,
            pinned: notice.contains(&id),
            secret: has_option(r, "secret"),
            views: r.i("wr_hit"),
            links: &links,
            created_at: published,
            published_at: published,
            updated_at: published,
        };
        match ctx.session.import_post(&key, &post).await? {
            Imported::Created(p) => {
                ctx.report.imported(Kind::Post);
                p
            }
            Imported::Existing(p) => {
                ctx.report.existing(Kind::Post);
                p
            }
            Imported::Refused(why) => {
                ctx.report.skip(Kind::Post, &key, why);
                return Ok(None);
            }
        }
    };
    if let Some((transfer, nick, time, source_board)) = copy_line::parse_line(r.s("wr_content")) {
        ctx.provenance.push(PendingProvenance {
            key: key.clone(),
            post_id,
            transfer,
            nick,
            time,
            source_board,
            title: r.s("wr_subject").to_owned(),
            datetime: r.s("wr_datetime").to_owned(),
        });
    }
    ctx.posts.insert((bo.to_owned(), id), post_id);
    ctx.post_index.insert(
        (
            bo.to_owned(),
            r.s("wr_subject").to_owned(),
            r.s("wr_datetime").to_owned(),
        ),
        post_id,
    );
    let new_path = post_path(slug, post_id);
    let mut olds = vec![
        format!("/bbs/board.php?bo_table={bo}&wr_id={id}"),
        format!("/{bo}/{id}"),
    ];
    let seo = r.s("wr_seo_title").trim();
    if !seo.is_empty() {
        olds.push(format!("/{bo}/{seo}"));
    }
    for old in olds {
        redirect(ctx, &old, &new_path).await?;
    }
    Ok(Some(post_id))
}

async fn import_attachments(
    site: &Site,
    ctx: &mut Ctx<'_>,
    bo: &str,
    slug: &str,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), ImportError> {
    let table = format!("{}board_file ({bo})", site.prefix);
    let mut rows: Vec<Row<'_>> = site
        .rows("board_file")
        .into_iter()
        .filter(|f| f.s("bo_table") == bo && !f.s("bf_file").trim().is_empty())
        .collect();
    rows.sort_by_key(|f| (f.i("wr_id"), f.i("bf_no")));
    let total = rows.len() as u64;
    for (n, f) in rows.iter().enumerate() {
        let wr_id = f.i("wr_id");
        let no = f.i("bf_no");
        let key = format!("{bo}/{wr_id}/{no}");
        let Some(&post_id) = ctx.posts.get(&(bo.to_owned(), wr_id)) else {
            ctx.report.skip(
                Kind::Attachment,
                &key,
                format!("its post {bo}/{wr_id} was not imported"),
            );
            continue;
        };
        let bf_file = f.s("bf_file").trim();
        let attachment_id = if let Some(id) = ctx.session.mapped("attachment", &key).await? {
            ctx.report.existing(Kind::Attachment);
            id
        } else {
            let Some(rel) = safe_data_path(&format!("file/{bo}/{bf_file}")) else {
                ctx.report.skip(
                    Kind::Attachment,
                    &key,
                    format!("unsafe stored file name {bf_file:?}"),
                );
                continue;
            };
            let full = ctx.options.files_dir.join(&rel);
            let bytes = match tokio::fs::read(&full).await {
                Ok(b) => b,
                Err(e) => {
                    ctx.report
                        .skip(Kind::Attachment, &key, format!("data/{rel}: {e}"));
                    continue;
                }
            };
            let expected = f.i("bf_filesize");
            if expected > 0 && expected != bytes.len() as i64 {
                ctx.report.warn(format!(
                    "attachment {key}: data/{rel} has {} bytes, the database says {expected}",
                    bytes.len()
                ));
            }
            let name = match f.s("bf_source").trim() {
                "" => bf_file.to_owned(),
                s => s.to_owned(),
            };
            let mime = sniff_mime(&bytes, &name).to_owned();
            let size = bytes.len() as i64;
            let (storage_key, sha) = store_bytes(ctx, bytes).await?;
            let created_at = kst(f.s("bf_datetime"), &ctx.zone).unwrap_or(ctx.now);
            let attachment = ImportAttachment {
                post_id,
                position: no + 1,
                name: &name,
                storage_key: &storage_key,
                size,
                sha256: &sha,
                mime: &mime,
                caption: f.s("bf_content"),
                downloads: f.i("bf_download"),
                created_at,
            };
            match ctx.session.import_attachment(&key, &attachment).await? {
                Imported::Created(id) => {
                    ctx.report.imported(Kind::Attachment);
                    id
                }
                Imported::Existing(id) => {
                    ctx.report.existing(Kind::Attachment);
                    id
                }
                Imported::Refused(why) => {
                    ctx.report.skip(Kind::Attachment, &key, why);
                    continue;
                }
            }
        };
        let new_path = format!("{}/files/{attachment_id}", post_path(slug, post_id));
        for old in [
            format!("/bbs/download.php?bo_table={bo}&wr_id={wr_id}&no={no}"),
            format!("/data/file/{bo}/{bf_file}"),
        ] {
            redirect(ctx, &old, &new_path).await?;
        }
        progress(&Progress {
            table: &table,
            done: n as u64 + 1,
            total,
        });
    }
    Ok(())
}

async fn resolve_provenance(ctx: &mut Ctx<'_>) -> Result<(), ImportError> {
    let pending = std::mem::take(&mut ctx.provenance);
    for p in pending {
        // The source board is named by its title (bo_subject) in the line.
        let matches: Vec<(&String, &BoardInfo)> = ctx
            .boards
            .iter()
            .filter(|(_, b)| b.subject == p.source_board)
            .collect();
        let by_table = ctx.boards.get_key_value(&p.source_board);
        let source = match (matches.as_slice(), by_table) {
            ([(bo, b)], _) => Some(((*bo).clone(), b.id, b.slug.clone())),
            (_, Some((bo, b))) => Some((bo.clone(), b.id, b.slug.clone())),
            _ => None,
        };
        let source_post = match (&source, p.transfer) {
            (Some((bo, _, _)), Transfer::Copy) => ctx
                .post_index
                .get(&(bo.clone(), p.title.clone(), p.datetime.clone()))
                .copied()
                .filter(|&id| id != p.post_id),
            _ => None,
        };
        let Some(at) = kst(&p.time, &ctx.zone) else {
            ctx.report.skip(
                Kind::Provenance,
                &p.key,
                format!("unreadable time {:?} in the copy line", p.time),
            );
            continue;
        };
        let slug = source
            .as_ref()
            .map(|(_, _, s)| s.clone())
            .unwrap_or_else(|| p.source_board.clone());
        let record = ImportProvenance {
            post_id: p.post_id,
            transfer: p.transfer,
            source_board_id: source.as_ref().map(|(_, id, _)| *id),
            source_board_slug: &slug,
            source_post_id: source_post,
            actor_id: ctx.nicks.get(&p.nick).copied(),
            actor_name: &p.nick,
            at,
        };
        match ctx.session.import_provenance(&p.key, &record).await? {
            Imported::Created(_) => ctx.report.imported(Kind::Provenance),
            Imported::Existing(_) => ctx.report.existing(Kind::Provenance),
            Imported::Refused(why) => ctx.report.skip(Kind::Provenance, &p.key, why),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_old_file_addresses() {
        let html = r#"<p><img src="http://www.example-ngo.org/data/editor/1812/a_1.jpg" alt="x"> <a href='/data/file/news/b.pdf?x=1'>f</a> <img src="../data/editor/../../etc/passwd"></p>"#;
        let refs = legacy_refs(html);
        assert_eq!(refs.len(), 2);
        assert_eq!(
            &html[refs[0].0.clone()],
            "http://www.example-ngo.org/data/editor/1812/a_1.jpg"
        );
        assert_eq!(refs[0].1, "editor/1812/a_1.jpg");
        assert_eq!(&html[refs[1].0.clone()], "/data/file/news/b.pdf?x=1");
        assert_eq!(refs[1].1, "file/news/b.pdf");
    }

    #[test]
    fn kst_dates() {
        let z = seoul();
        assert_eq!(kst("0000-00-00 00:00:00", &z), None);
        assert_eq!(kst("", &z), None);
        assert_eq!(
            kst("2019-05-02 10:00:00", &z).unwrap().to_string(),
            "2019-05-02T01:00:00Z"
        );
    }
}
