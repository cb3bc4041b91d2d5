//! Importing menu groups, boards and member accounts (with their administrator roles), and
//! reading an account back as an import or a login upgrade needs it.

use jiff::Timestamp;
use madang_core::NewBoard;
use madang_core::slug::validate_board_slug;

use crate::{Result, Store, on_db};

use super::session::{ImportSession, ImportTx, Imported, on_tx};

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

impl Store {
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
}

impl ImportSession {
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
                    level_comment, level_upload, level_download, created_at, list_style,
                    home_count, max_files, max_file_mb, allowed_kinds, categories)
                 VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM boards),
                    $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
                    $20, $21)
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
            .bind(board.list_style.as_str())
            .bind(i64::from(board.home_count.min(madang_core::MAX_HOME_COUNT)))
            .bind(i64::from(board.uploads.max_files))
            .bind(i64::from(board.uploads.max_file_mb))
            .bind(board.uploads.kinds.format())
            .bind(madang_core::categories::to_stored(&board.categories))
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
}
