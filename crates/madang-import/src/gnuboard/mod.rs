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
//!
//! The parts: `tables` (a source table's columns and rows), `read` (pass 1 and the dump's
//! pass 2), `repairs` (double-encoded text), `boards` (groups and boards), `members`,
//! `posts` (threads, replies and comments), `bodies` (post bodies and the file addresses
//! in them), `prepare` (a board's bodies, text, language and search terms, made on a second
//! thread ahead of the import), `files` (attachments and editor images), `provenance`
//! (copy/move lines), `pages` (content pages, FAQ pages and the old menu's order).

mod boards;
mod bodies;
mod files;
mod members;
mod pages;
mod posts;
mod prepare;
mod provenance;
mod read;
mod repairs;
mod tables;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use madang_files::{Files, FilesError};
use madang_store::{ImportSession, Store, StoreError};
use thiserror::Error;

use crate::dump::DumpError;
use crate::mysql::LiveDb;
use crate::report::{Kind, Report};

use boards::{import_boards, import_groups};
use members::import_members;
use pages::{arrange_menu, import_pages};
use posts::import_board_rows;
use provenance::{PendingProvenance, resolve_provenance};
use read::{ctx_has_board, dump_posts, live_error, read_dump_site, read_live_site};
use repairs::Repairs;
use tables::{CompactRow, Site};

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

struct BoardInfo {
    id: i64,
    slug: String,
    subject: String,
    notice: HashSet<i64>,
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
    /// Groups and boards this run created (kind, id): only those take the old menu's
    /// order, so a second run never undoes an administrator's arrangement.
    created: HashSet<(&'static str, i64)>,
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
        created: HashSet::new(),
    };
    not_carried(&site, &mut ctx.report);

    let group_ids = import_groups(&site, &mut ctx, progress).await?;
    import_members(&site, &mut ctx, progress).await?;
    import_boards(&site, &mut ctx, &group_ids, progress).await?;
    let page_ids = import_pages(&site, &mut ctx, progress).await?;
    arrange_menu(&site, &mut ctx, &group_ids, &page_ids).await?;

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
            let rows = CompactRow::all(rows).collect();
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
    // Every held-back row written (a dry run too, to count what it would do).
    ctx.session.flush().await?;
    let (added, existing) = ctx.session.legacy_url_counts();
    ctx.report.add(Kind::Redirect, added, existing);

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

fn not_carried(site: &Site, report: &mut Report) {
    let carried = [
        "config",
        "group",
        "board",
        "member",
        "board_file",
        "content",
        "faq",
        "faq_master",
        "menu",
    ];
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

/// Adds a redirect; the store counts it as new or already there when it writes it (see
/// the end of `run`).
async fn redirect(ctx: &mut Ctx<'_>, old: &str, new_path: &str) -> Result<(), ImportError> {
    Ok(ctx.session.add_legacy_url(old, new_path).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

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
