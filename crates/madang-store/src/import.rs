//! Importing another site (GnuBoard5) in one transaction, and what the imported data needs
//! afterwards: comments in thread order, old addresses, old editor files.
//!
//! An import opens an [`ImportSession`] (one database transaction), feeds it rows through
//! one method per kind, and ends with [`ImportSession::finish`], which recomputes the board
//! counters, bumps the site generation (when something was added), writes one audit line,
//! and commits — or rolls everything back for a dry run. A failure part-way drops the
//! session, which rolls the transaction back: the site stays as it was.
//!
//! Every imported row is recorded in `import_map` under (source, kind, source key); a row
//! already recorded is not imported again, so a second run of the same source changes
//! nothing. Nothing here relies on a failing statement (PostgreSQL aborts a transaction at
//! the first error): conflicts are checked first or written with `ON CONFLICT DO NOTHING`.

use jiff::Timestamp;
use madang_core::NewBoard;
use madang_core::copy_line::Transfer;
use madang_core::slug::validate_board_slug;
use sqlx::{Postgres, Sqlite, Transaction};

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::settings::bump_generation;
use crate::{Db, Result, Store, StoreError, on_db, ts};

/// What became of one source row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// Created now, with this id.
    Created(i64),
    /// Imported by an earlier run; this is its id. Nothing was changed.
    Existing(i64),
    /// Not imported, and why (a slug or login Madang already has, …).
    Refused(String),
}

impl Imported {
    /// The Madang id, unless the row was refused.
    pub fn id(&self) -> Option<i64> {
        match self {
            Imported::Created(id) | Imported::Existing(id) => Some(*id),
            Imported::Refused(_) => None,
        }
    }
}

/// A menu group to import.
#[derive(Debug, Clone)]
pub struct ImportGroup<'a> {
    pub slug: &'a str,
    pub title: &'a str,
}

/// A member account to import, with its old password hash kept as is (login verifies it
/// with `madang_core::legacy_password` and replaces it with Argon2id).
#[derive(Debug, Clone)]
pub struct ImportMember<'a> {
    pub login: &'a str,
    pub nickname: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub level: i64,
    pub is_super_admin: bool,
    pub blocked: bool,
    pub created_at: Timestamp,
}

/// A post to import. The body is already sanitised HTML; `body_text` is its plain text.
#[derive(Debug, Clone)]
pub struct ImportPost<'a> {
    pub board_id: i64,
    pub thread_key: i64,
    pub parent_id: Option<i64>,
    pub reply_path: &'a str,
    pub category: &'a str,
    pub title: &'a str,
    pub body_html: &'a str,
    pub body_text: &'a str,
    pub author_id: Option<i64>,
    pub author_name: &'a str,
    pub guest_password_hash: &'a str,
    pub pinned: bool,
    pub secret: bool,
    pub views: i64,
    pub links: &'a [String],
    pub created_at: Timestamp,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A comment to import. The body is already sanitised HTML.
#[derive(Debug, Clone)]
pub struct ImportComment<'a> {
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub thread_key: i64,
    pub reply_path: &'a str,
    pub author_id: Option<i64>,
    pub author_name: &'a str,
    pub guest_password_hash: &'a str,
    pub body_html: &'a str,
    pub secret: bool,
    pub created_at: Timestamp,
    pub legacy_board: &'a str,
    pub legacy_id: i64,
}

/// An attachment whose bytes are already in file storage.
#[derive(Debug, Clone)]
pub struct ImportAttachment<'a> {
    pub post_id: i64,
    pub position: i64,
    pub name: &'a str,
    pub storage_key: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub mime: &'a str,
    pub caption: &'a str,
    pub downloads: i64,
    pub created_at: Timestamp,
}

/// Where an imported post was copied or moved from.
#[derive(Debug, Clone)]
pub struct ImportProvenance<'a> {
    pub post_id: i64,
    pub transfer: Transfer,
    pub source_board_id: Option<i64>,
    pub source_board_slug: &'a str,
    pub source_post_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub at: Timestamp,
}

/// A file that old bodies link to by address, served at `/files/legacy/<path>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyFile {
    /// The path under the old `data/` folder, e.g. `editor/1812/abc.jpg`.
    pub path: String,
    pub storage_key: String,
    pub size: i64,
    pub sha256: String,
    pub mime: String,
}

/// A comment as a post shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub post_id: i64,
    pub parent_id: Option<i64>,
    /// 0 for a comment on the post, 1 for a reply to it, …
    pub depth: u32,
    pub author_id: Option<i64>,
    pub author_name: String,
    /// Sanitised HTML, safe to show as is.
    pub body_html: String,
    pub secret: bool,
    pub created_at: Timestamp,
    /// Deleted comments keep their place in the thread (their replies stay readable).
    pub deleted: bool,
}

/// An account as an import or a login upgrade needs to see it.
#[derive(Debug, Clone)]
pub struct MemberAccount {
    pub member: madang_core::Member,
    /// Argon2id (`$argon2id$…`) or a GnuBoard5 hash (see `madang_core::legacy_password`).
    pub password_hash: String,
    pub blocked: bool,
    pub board_admin_of: Vec<i64>,
    pub group_admin_of: Vec<i64>,
}

enum ImportTx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs the same statements on the session's transaction, whichever backend it is.
macro_rules! on_tx {
    ($session:expr, |$tx:ident| $body:expr) => {
        match &mut $session.tx {
            ImportTx::Sqlite($tx) => $body,
            ImportTx::Postgres($tx) => $body,
        }
    };
}

/// One import, in one transaction. See the module documentation.
pub struct ImportSession {
    tx: ImportTx,
    source: String,
    now: i64,
    /// Rows created in this session; the generation is bumped only if there are any.
    created: u64,
}

/// The path a post has on Madang.
pub fn post_path(board_slug: &str, post_id: i64) -> String {
    format!("/b/{board_slug}/{post_id}")
}

/// Reduces an old address to the form `legacy_urls` keeps: percent-decoded path without a
/// trailing slash, and for GnuBoard5's scripts (`/bbs/*.php`) only the query parameters
/// that name a thing, in a fixed order (`page`, search terms and the like are dropped).
/// Returns `None` for something that is not an absolute path.
pub fn canonical_legacy_path(path_and_query: &str) -> Option<String> {
    let path_and_query = path_and_query.split('#').next().unwrap_or("");
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_and_query, ""),
    };
    if !path.starts_with('/') {
        return None;
    }
    let mut path = percent_decode(path);
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    let wanted: &[&str] = match path.as_str() {
        "/bbs/board.php" => &["bo_table", "wr_id"],
        "/bbs/download.php" => &["bo_table", "wr_id", "no"],
        "/bbs/rss.php" => &["bo_table"],
        "/bbs/content.php" => &["co_id"],
        "/bbs/group.php" => &["gr_id"],
        "/bbs/link.php" => &["bo_table", "wr_id", "no"],
        _ => &[],
    };
    if wanted.is_empty() {
        return Some(path);
    }
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            ))
        })
        .collect();
    let mut out = path;
    let mut first = true;
    for name in wanted {
        if let Some((_, v)) = pairs.iter().find(|(k, v)| k == name && !v.is_empty()) {
            out.push(if first { '?' } else { '&' });
            first = false;
            out.push_str(name);
            out.push('=');
            out.push_str(v);
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Store {
    /// Starts an import from `source` (a name that stays the same between runs of the same
    /// site, such as `gnuboard5:g5a/g5_`).
    pub async fn begin_import(&self, source: &str, now: Timestamp) -> Result<ImportSession> {
        let tx = match &self.db {
            Db::Sqlite(pool) => ImportTx::Sqlite(pool.begin_write().await?),
            Db::Postgres(pool) => ImportTx::Postgres(pool.begin_write().await?),
        };
        Ok(ImportSession {
            tx,
            source: source.to_owned(),
            now: now.as_second(),
            created: 0,
        })
    }

    /// Where an old address now leads, for a permanent redirect: `path_and_query` is the
    /// request's path and query as received (`/bbs/board.php?bo_table=news&wr_id=3&page=2`).
    pub async fn legacy_redirect(&self, path_and_query: &str) -> Result<Option<String>> {
        let Some(key) = canonical_legacy_path(path_and_query) else {
            return Ok(None);
        };
        let row: Option<(String,)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT new_path FROM legacy_urls WHERE old_path = $1")
                .bind(&key)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(p,)| p))
    }

    /// Adds or replaces one redirect (an administrator's edit). Both sides must be paths.
    pub async fn set_legacy_redirect(&self, old: &str, new_path: &str) -> Result<()> {
        let Some(key) = canonical_legacy_path(old) else {
            return Err(StoreError::Invalid(
                "an old address must start with /".into(),
            ));
        };
        // Only a plain path on this site: browsers read `/\host` and `/<tab>/host` as
        // another site, so backslashes, whitespace and control characters are refused too.
        if !crate::is_local_target(new_path) {
            return Err(StoreError::Invalid(
                "a redirect must lead to a path on this site".into(),
            ));
        }
        on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO legacy_urls (old_path, new_path, source, created_at)
                 VALUES ($1, $2, 'admin', $3)
                 ON CONFLICT (old_path) DO UPDATE SET new_path = excluded.new_path",
            )
            .bind(&key)
            .bind(new_path)
            .bind(Timestamp::now().as_second())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// All redirects, in old-address order (for an administrator's page).
    pub async fn legacy_redirects(&self) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT old_path, new_path FROM legacy_urls ORDER BY old_path")
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// An old file served at `/files/legacy/<path>` (`path` as in [`LegacyFile::path`]).
    pub async fn legacy_file(&self, path: &str) -> Result<Option<LegacyFile>> {
        let row: Option<(String, String, i64, String, String)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT path, storage_key, size, sha256, mime FROM legacy_files WHERE path = $1",
            )
            .bind(path)
            .fetch_optional(pool)
            .await?
        });
        Ok(
            row.map(|(path, storage_key, size, sha256, mime)| LegacyFile {
                path,
                storage_key,
                size,
                sha256,
                mime,
            }),
        )
    }

    /// A post's comments in thread order: comment threads in order, each followed by its
    /// replies depth-first (GnuBoard5's `wr_comment, wr_comment_reply`).
    pub async fn comments(&self, post_id: i64) -> Result<Vec<Comment>> {
        type Row = (
            i64,
            i64,
            Option<i64>,
            String,
            Option<i64>,
            String,
            String,
            bool,
            i64,
            Option<i64>,
        );
        let rows: Vec<Row> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, post_id, parent_id, reply_path, author_id, author_name, body_html,
                    secret, created_at, deleted_at
                 FROM comments WHERE post_id = $1 ORDER BY thread_key, reply_path, id",
            )
            .bind(post_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    post_id,
                    parent_id,
                    path,
                    author_id,
                    author_name,
                    body_html,
                    secret,
                    at,
                    del,
                )| {
                    Comment {
                        id,
                        post_id,
                        parent_id,
                        depth: path.chars().count() as u32,
                        author_id,
                        author_name,
                        body_html,
                        secret,
                        created_at: ts(at),
                        deleted: del.is_some(),
                    }
                },
            )
            .collect())
    }

    /// An account by login (case-insensitive), with its stored hash, block and roles.
    pub async fn member_account(&self, login: &str) -> Result<Option<MemberAccount>> {
        type Row = (i64, String, String, String, i64, bool, String, bool);
        let row: Option<Row> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, login, nickname, email, level, is_super_admin, password_hash, blocked
                 FROM members WHERE login_key = $1",
            )
            .bind(login.trim().to_lowercase())
            .fetch_optional(pool)
            .await?
        });
        let Some((id, login, nickname, email, level, is_super_admin, password_hash, blocked)) = row
        else {
            return Ok(None);
        };
        let (boards, groups): (Vec<(i64,)>, Vec<(i64,)>) = on_db!(self, |pool| {
            let boards = sqlx::query_as(
                "SELECT board_id FROM board_admins WHERE member_id = $1 ORDER BY board_id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let groups = sqlx::query_as(
                "SELECT group_id FROM group_admins WHERE member_id = $1 ORDER BY group_id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            (boards, groups)
        });
        Ok(Some(MemberAccount {
            member: madang_core::Member {
                id,
                login,
                nickname,
                email,
                level: madang_core::Level::new(level).unwrap_or(madang_core::Level::GUEST),
                is_super_admin,
            },
            password_hash,
            blocked,
            board_admin_of: boards.into_iter().map(|(b,)| b).collect(),
            group_admin_of: groups.into_iter().map(|(g,)| g).collect(),
        }))
    }

    /// Rows per table that an import writes, for reports and checks:
    /// (table, rows) in a fixed order.
    pub async fn import_table_counts(&self) -> Result<Vec<(&'static str, i64)>> {
        const TABLES: &[&str] = &[
            "menu_groups",
            "boards",
            "members",
            "board_admins",
            "group_admins",
            "posts",
            "comments",
            "attachments",
            "post_provenance",
            "legacy_urls",
            "legacy_files",
            "import_map",
            "audit_log",
        ];
        let mut out = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let (n,): (i64,) = on_db!(self, |pool| sqlx::query_as(&sql).fetch_one(pool).await?);
            out.push((*table, n));
        }
        Ok(out)
    }

    /// A post's parent post (for a reply) and its place in the thread: (parent id, reply
    /// path). `None` when the post does not exist.
    pub async fn post_thread(&self, post_id: i64) -> Result<Option<(Option<i64>, String)>> {
        let row: Option<(Option<i64>, Option<String>)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT parent_id, reply_path FROM posts WHERE id = $1")
                .bind(post_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(parent, path)| (parent, path.unwrap_or_default())))
    }
}

/// The end of a committed import (see [`ImportSession::finish`]).
macro_rules! finish_tx {
    ($tx:ident, $created:expr, $now:expr, $source:expr, $actor:expr, $detail:expr) => {
        if $created > 0 {
            sqlx::query(
                "UPDATE boards SET post_count = (SELECT COUNT(*) FROM posts p
                    WHERE p.board_id = boards.id AND p.status = 'published'
                    AND p.deleted_at IS NULL)",
            )
            .execute(&mut *$tx)
            .await?;
            let actor = Actor {
                id: None,
                name: $actor,
            };
            audit!($tx, $now, actor, "import", $source, $detail);
            bump_generation!($tx);
        }
    };
}

impl ImportSession {
    /// The source this session imports.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The Madang id recorded for a source row by an earlier run (or this one).
    pub async fn mapped(&mut self, kind: &str, key: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_tx!(self, |tx| {
            sqlx::query_as(
                "SELECT madang_id FROM import_map WHERE source = $1 AND kind = $2 AND source_key = $3",
            )
            .bind(&self.source)
            .bind(kind)
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?
        });
        Ok(row.map(|(id,)| id))
    }

    async fn record(&mut self, kind: &str, key: &str, id: i64) -> Result<()> {
        on_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO import_map (source, kind, source_key, madang_id)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (source, kind, source_key) DO NOTHING",
            )
            .bind(&self.source)
            .bind(kind)
            .bind(key)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        });
        self.created += 1;
        Ok(())
    }

    /// Imports a menu group (kind `group`).
    pub async fn import_group(&mut self, key: &str, group: &ImportGroup<'_>) -> Result<Imported> {
        if let Some(id) = self.mapped("group", key).await? {
            return Ok(Imported::Existing(id));
        }
        if validate_board_slug(group.slug).is_err() {
            return Ok(Imported::Refused(format!(
                "the group name {:?} is not a valid Madang slug",
                group.slug
            )));
        }
        let id: Option<(i64,)> = on_tx!(self, |tx| {
            sqlx::query_as(
                "INSERT INTO menu_groups (slug, title, position)
                 VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM menu_groups))
                 ON CONFLICT (slug) DO NOTHING RETURNING id",
            )
            .bind(group.slug)
            .bind(group.title)
            .fetch_optional(&mut **tx)
            .await?
        });
        let Some((id,)) = id else {
            return Ok(Imported::Refused(format!(
                "Madang already has a group {:?}",
                group.slug
            )));
        };
        self.record("group", key, id).await?;
        Ok(Imported::Created(id))
    }

    /// Imports a board (kind `board`). A slug Madang already uses is refused.
    pub async fn import_board(&mut self, key: &str, board: &NewBoard) -> Result<Imported> {
        if let Some(id) = self.mapped("board", key).await? {
            return Ok(Imported::Existing(id));
        }
        if let Err(e) = validate_board_slug(&board.slug) {
            return Ok(Imported::Refused(format!("board {:?}: {e}", board.slug)));
        }
        let l = &board.levels;
        let id: Option<(i64,)> = on_tx!(self, |tx| {
            sqlx::query_as(
                "INSERT INTO boards (slug, title, group_id, position, title_len, excerpt_len,
                    page_size, list_order, level_list, level_read, level_write, level_reply,
                    level_comment, level_upload, level_download, created_at)
                 VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM boards),
                    $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                 ON CONFLICT (slug) DO NOTHING RETURNING id",
            )
            .bind(&board.slug)
            .bind(board.title.trim())
            .bind(board.group_id)
            .bind(i64::from(board.title_len))
            .bind(i64::from(board.excerpt_len))
            .bind(i64::from(board.page_size.max(1)))
            .bind(board.list_order.as_str())
            .bind(l.list.get())
            .bind(l.read.get())
            .bind(l.write.get())
            .bind(l.reply.get())
            .bind(l.comment.get())
            .bind(l.upload.get())
            .bind(l.download.get())
            .bind(self.now)
            .fetch_optional(&mut **tx)
            .await?
        });
        let Some((id,)) = id else {
            return Ok(Imported::Refused(format!(
                "Madang already has a board {:?}",
                board.slug
            )));
        };
        self.record("board", key, id).await?;
        Ok(Imported::Created(id))
    }

    /// Imports a member account (kind `member`). Logins are unique regardless of case; a
    /// login Madang already has is refused, never merged (it may be another person).
    pub async fn import_member(&mut self, key: &str, m: &ImportMember<'_>) -> Result<Imported> {
        if let Some(id) = self.mapped("member", key).await? {
            return Ok(Imported::Existing(id));
        }
        let login = m.login.trim();
        let login_ok = (1..=40).contains(&login.chars().count())
            && login
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
        if !login_ok {
            return Ok(Imported::Refused(format!(
                "the login {login:?} is not valid in Madang"
            )));
        }
        let nickname = match m.nickname.trim() {
            "" => login,
            n => n,
        };
        let nickname: String = nickname.chars().take(40).collect();
        let level = m.level.clamp(1, 10);
        let id: Option<(i64,)> = on_tx!(self, |tx| {
            sqlx::query_as(
                "INSERT INTO members (login, login_key, nickname, email, password_hash, level,
                    is_super_admin, created_at, blocked)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (login_key) DO NOTHING RETURNING id",
            )
            .bind(login)
            .bind(login.to_lowercase())
            .bind(&nickname)
            .bind(m.email.trim())
            .bind(m.password_hash)
            .bind(level)
            .bind(m.is_super_admin)
            .bind(m.created_at.as_second())
            .bind(m.blocked)
            .fetch_optional(&mut **tx)
            .await?
        });
        let Some((id,)) = id else {
            return Ok(Imported::Refused(format!(
                "Madang already has the login {login:?}; the old account was not merged"
            )));
        };
        self.record("member", key, id).await?;
        Ok(Imported::Created(id))
    }

    /// Makes a member an administrator of a board; returns whether this was new.
    pub async fn add_board_admin(&mut self, board_id: i64, member_id: i64) -> Result<bool> {
        let done = on_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO board_admins (board_id, member_id) VALUES ($1, $2)
                 ON CONFLICT (board_id, member_id) DO NOTHING",
            )
            .bind(board_id)
            .bind(member_id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        self.created += done;
        Ok(done > 0)
    }

    /// Makes a member an administrator of a menu group; returns whether this was new.
    pub async fn add_group_admin(&mut self, group_id: i64, member_id: i64) -> Result<bool> {
        let done = on_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO group_admins (group_id, member_id) VALUES ($1, $2)
                 ON CONFLICT (group_id, member_id) DO NOTHING",
            )
            .bind(group_id)
            .bind(member_id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        self.created += done;
        Ok(done > 0)
    }

    /// Imports a post (kind `post`), indexed for search as the store indexes new posts.
    pub async fn import_post(&mut self, key: &str, p: &ImportPost<'_>) -> Result<Imported> {
        if let Some(id) = self.mapped("post", key).await? {
            return Ok(Imported::Existing(id));
        }
        let title = p.title.trim();
        let title = if title.is_empty() {
            "(untitled)"
        } else {
            title
        };
        let (search_title, search_body) = crate::search::terms_of(title, p.body_text);
        let links = p
            .links
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let (id,): (i64,) = on_tx!(self, |tx| {
            sqlx::query_as(
                "INSERT INTO posts (board_id, thread_key, parent_id, reply_path, category, title,
                    body_html, body_text, author_id, author_name, guest_password_hash, status,
                    pinned, secret, views, links, created_at, published_at, updated_at,
                    search_title, search_body, search_version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'published', $12, $13, $14,
                    $15, $16, $17, $18, $19, $20, $21)
                 RETURNING id",
            )
            .bind(p.board_id)
            .bind(p.thread_key)
            .bind(p.parent_id)
            .bind(p.reply_path)
            .bind(p.category)
            .bind(title)
            .bind(p.body_html)
            .bind(p.body_text)
            .bind(p.author_id)
            .bind(p.author_name)
            .bind(p.guest_password_hash)
            .bind(p.pinned)
            .bind(p.secret)
            .bind(p.views)
            .bind(&links)
            .bind(p.created_at.as_second())
            .bind(p.published_at.as_second())
            .bind(p.updated_at.as_second())
            .bind(&search_title)
            .bind(&search_body)
            .bind(crate::search::SEARCH_VERSION)
            .fetch_one(&mut **tx)
            .await?
        });
        self.record("post", key, id).await?;
        Ok(Imported::Created(id))
    }

    /// Imports a comment (kind `comment`).
    pub async fn import_comment(&mut self, key: &str, c: &ImportComment<'_>) -> Result<Imported> {
        if let Some(id) = self.mapped("comment", key).await? {
            return Ok(Imported::Existing(id));
        }
        let (id,): (i64,) = on_tx!(self, |tx| {
            sqlx::query_as(
                "INSERT INTO comments (post_id, parent_id, thread_key, reply_path, author_id,
                    author_name, guest_password_hash, body_html, secret, created_at,
                    legacy_board, legacy_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 RETURNING id",
            )
            .bind(c.post_id)
            .bind(c.parent_id)
            .bind(c.thread_key)
            .bind(c.reply_path)
            .bind(c.author_id)
            .bind(c.author_name)
            .bind(c.guest_password_hash)
            .bind(c.body_html)
            .bind(c.secret)
            .bind(c.created_at.as_second())
            .bind(c.legacy_board)
            .bind(c.legacy_id)
            .fetch_one(&mut **tx)
            .await?
        });
        self.record("comment", key, id).await?;
        Ok(Imported::Created(id))
    }

    /// A stored object with these bytes (same SHA-256 and size) that an attachment or an old
    /// file already uses, so identical files (copies of a post) are stored once.
    pub async fn stored_object(&mut self, sha256: &str, size: i64) -> Result<Option<String>> {
        let row: Option<(String,)> = on_tx!(self, |tx| {
            sqlx::query_as(
                "SELECT storage_key FROM attachments WHERE sha256 = $1 AND size = $2
                 UNION ALL
                 SELECT storage_key FROM legacy_files WHERE sha256 = $1 AND size = $2
                 LIMIT 1",
            )
            .bind(sha256)
            .bind(size)
            .fetch_optional(&mut **tx)
            .await?
        });
        Ok(row.map(|(k,)| k))
    }

    /// Imports an attachment record (kind `attachment`); the bytes are already stored.
    pub async fn import_attachment(
        &mut self,
        key: &str,
        a: &ImportAttachment<'_>,
    ) -> Result<Imported> {
        if let Some(id) = self.mapped("attachment", key).await? {
            return Ok(Imported::Existing(id));
        }
        let (id,): (i64,) = on_tx!(self, |tx| {
            sqlx::query_as(
                "INSERT INTO attachments (post_id, position, name, storage_key, size, sha256, mime,
                    caption, downloads, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 RETURNING id",
            )
            .bind(a.post_id)
            .bind(a.position)
            .bind(a.name)
            .bind(a.storage_key)
            .bind(a.size)
            .bind(a.sha256)
            .bind(a.mime)
            .bind(a.caption)
            .bind(a.downloads)
            .bind(a.created_at.as_second())
            .fetch_one(&mut **tx)
            .await?
        });
        self.record("attachment", key, id).await?;
        Ok(Imported::Created(id))
    }

    /// The old file recorded under `path`, if any.
    pub async fn legacy_file(&mut self, path: &str) -> Result<Option<LegacyFile>> {
        let row: Option<(String, String, i64, String, String)> = on_tx!(self, |tx| {
            sqlx::query_as(
                "SELECT path, storage_key, size, sha256, mime FROM legacy_files WHERE path = $1",
            )
            .bind(path)
            .fetch_optional(&mut **tx)
            .await?
        });
        Ok(
            row.map(|(path, storage_key, size, sha256, mime)| LegacyFile {
                path,
                storage_key,
                size,
                sha256,
                mime,
            }),
        )
    }

    /// Records an old file; returns whether it was new.
    pub async fn add_legacy_file(&mut self, file: &LegacyFile) -> Result<bool> {
        let done = on_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO legacy_files (path, storage_key, size, sha256, mime, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (path) DO NOTHING",
            )
            .bind(&file.path)
            .bind(&file.storage_key)
            .bind(file.size)
            .bind(&file.sha256)
            .bind(&file.mime)
            .bind(self.now)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        self.created += done;
        Ok(done > 0)
    }

    /// Records where a post came from (kind `provenance`, keyed like the post).
    pub async fn import_provenance(
        &mut self,
        key: &str,
        p: &ImportProvenance<'_>,
    ) -> Result<Imported> {
        if let Some(id) = self.mapped("provenance", key).await? {
            return Ok(Imported::Existing(id));
        }
        let (id,): (i64,) = on_tx!(self, |tx| {
            sqlx::query_as(
                "INSERT INTO post_provenance (post_id, transfer, source_board_id, source_board_slug,
                    source_post_id, actor_id, actor_name, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(p.post_id)
            .bind(p.transfer.as_str())
            .bind(p.source_board_id)
            .bind(p.source_board_slug)
            .bind(p.source_post_id)
            .bind(p.actor_id)
            .bind(p.actor_name)
            .bind(p.at.as_second())
            .fetch_one(&mut **tx)
            .await?
        });
        self.record("provenance", key, id).await?;
        Ok(Imported::Created(id))
    }

    /// Adds a redirect from an old address unless one exists; returns whether it was new.
    pub async fn add_legacy_url(&mut self, old: &str, new_path: &str) -> Result<bool> {
        let Some(key) = canonical_legacy_path(old) else {
            return Ok(false);
        };
        let done = on_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO legacy_urls (old_path, new_path, source, created_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (old_path) DO NOTHING",
            )
            .bind(&key)
            .bind(new_path)
            .bind(&self.source)
            .bind(self.now)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        });
        self.created += done;
        Ok(done > 0)
    }

    /// How many rows this session has created so far.
    pub fn created(&self) -> u64 {
        self.created
    }

    /// Ends the import. With `commit`, recomputes every board's post count (published, not
    /// deleted posts), and if anything was created bumps the site generation and writes one
    /// audit line (`import`, with `detail`), then commits. Without it (a dry run), rolls
    /// everything back.
    pub async fn finish(self, commit: bool, actor_name: &str, detail: &str) -> Result<()> {
        if !commit {
            match self.tx {
                ImportTx::Sqlite(tx) => tx.rollback().await?,
                ImportTx::Postgres(tx) => tx.rollback().await?,
            }
            return Ok(());
        }
        let created = self.created;
        let now = self.now;
        let source = self.source.clone();
        match self.tx {
            ImportTx::Sqlite(mut tx) => {
                finish_tx!(tx, created, now, &source, actor_name, detail);
                tx.commit().await?;
            }
            ImportTx::Postgres(mut tx) => {
                finish_tx!(tx, created, now, &source, actor_name, detail);
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_paths() {
        assert_eq!(
            canonical_legacy_path("/bbs/board.php?page=2&wr_id=4&bo_table=advocacy").as_deref(),
            Some("/bbs/board.php?bo_table=advocacy&wr_id=4")
        );
        assert_eq!(
            canonical_legacy_path("/bbs/board.php?bo_table=advocacy&sca=%EC%84%B1").as_deref(),
            Some("/bbs/board.php?bo_table=advocacy")
        );
        assert_eq!(
            canonical_legacy_path("/advocacy/4/").as_deref(),
            Some("/advocacy/4")
        );
        assert_eq!(
            canonical_legacy_path("/youth/%EC%B2%AD%EC%86%8C%EB%85%84").as_deref(),
            Some("/youth/청소년")
        );
        assert_eq!(
            canonical_legacy_path("/bbs/download.php?bo_table=a&wr_id=4&no=0").as_deref(),
            Some("/bbs/download.php?bo_table=a&wr_id=4&no=0")
        );
        assert_eq!(canonical_legacy_path("http://x/y"), None);
        assert_eq!(canonical_legacy_path("/%"), Some("/%".into()));
        assert_eq!(canonical_legacy_path("/a%4"), Some("/a%4".into()));
    }
}
