//! Sign-in sessions, login attempts (for rate limits) and administrator roles.

use madang_core::permission::Viewer;
use madang_core::{Level, Member};

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::{Result, Store, StoreError, on_db};

/// A live session as the web layer needs it.
#[derive(Debug, Clone)]
pub struct Session {
    pub member: Member,
    pub viewer: Viewer,
    /// The token every form of this session must carry.
    pub csrf_token: String,
    pub expires_at: i64,
    /// Whether the member signs in with a second factor.
    pub has_totp: bool,
    /// An administrator whose powers wait until they turn on two-factor sign-in (set by
    /// the web layer when the site requires it).
    pub must_enrol: bool,
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginRefusal {
    /// Wrong login or password (deliberately not saying which).
    BadCredentials,
    /// Too many failures for this account or this address; try again later.
    RateLimited,
    /// The account is blocked by an administrator.
    Blocked,
}

type MemberAuthRow = (i64, String, String, String, i64, bool, String, bool);

impl Store {
    /// The stored password hash and state of an account, for sign-in.
    pub(crate) async fn member_for_login(
        &self,
        login: &str,
    ) -> Result<Option<(Member, String, bool)>> {
        let row: Option<MemberAuthRow> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, login, nickname, email, level, is_super_admin, password_hash, blocked
                 FROM members WHERE login_key = $1",
            )
            .bind(login.trim().to_lowercase())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(
            |(id, login, nickname, email, level, is_super_admin, hash, blocked)| {
                (
                    Member {
                        id,
                        login,
                        nickname,
                        email,
                        level: Level::new(level).unwrap_or(Level::GUEST),
                        is_super_admin,
                    },
                    hash,
                    blocked,
                )
            },
        ))
    }

    /// Failed sign-ins since `since` (Unix seconds) for a login and for an address.
    pub async fn recent_login_failures(
        &self,
        login: &str,
        ip: &str,
        since: i64,
    ) -> Result<(i64, i64)> {
        let key = login.trim().to_lowercase();
        let counts: ((i64,), (i64,)) = on_db!(self, |pool| {
            let by_login = sqlx::query_as(
                "SELECT COUNT(*) FROM login_attempts WHERE login_key = $1 AND at >= $2 AND success = FALSE",
            )
            .bind(&key)
            .bind(since)
            .fetch_one(pool)
            .await?;
            let by_ip = sqlx::query_as(
                "SELECT COUNT(*) FROM login_attempts WHERE ip = $1 AND at >= $2 AND success = FALSE",
            )
            .bind(ip)
            .bind(since)
            .fetch_one(pool)
            .await?;
            (by_login, by_ip)
        });
        Ok((counts.0.0, counts.1.0))
    }

    /// Records a sign-in attempt and, for audit, its outcome.
    pub async fn record_login_attempt(
        &self,
        login: &str,
        ip: &str,
        member: Option<&Member>,
        success: bool,
        at: i64,
    ) -> Result<()> {
        let key: String = login.trim().to_lowercase().chars().take(100).collect();
        let actor = Actor {
            id: member.map(|m| m.id),
            name: member.map(|m| m.nickname.as_str()).unwrap_or(""),
        };
        let action = if success {
            "login.success"
        } else {
            "login.failure"
        };
        let target = format!("login:{key}");
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO login_attempts (at, login_key, ip, success) VALUES ($1, $2, $3, $4)",
            )
            .bind(at)
            .bind(&key)
            .bind(ip)
            .bind(success)
            .execute(&mut *tx)
            .await?;
            audit!(tx, at, actor, action, &target, "", ip);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Checks a password and, if it is right, returns the member. Rate limits and blocking
    /// are checked first, so a locked-out guesser learns nothing about the password.
    pub async fn check_credentials(
        &self,
        login: &str,
        password: &str,
        ip: &str,
        now: i64,
        limits: (i64, i64),
    ) -> Result<Result<Member, LoginRefusal>> {
        let (max_failures, window_seconds) = limits;
        let (by_login, by_ip) = self
            .recent_login_failures(login, ip, now - window_seconds)
            .await?;
        if by_login >= max_failures || by_ip >= max_failures {
            return Ok(Err(LoginRefusal::RateLimited));
        }
        let found = self.member_for_login(login).await?;
        let verified = match &found {
            Some((member, hash, _)) if madang_core::legacy_password::is_legacy(hash) => {
                // An account imported from GnuBoard5: its old hash verifies once, then the
                // password is re-hashed with Argon2id.
                let ok = madang_core::legacy_password::verify(password, hash);
                if ok && let Ok(upgraded) = madang_core::password::rehash(password) {
                    self.upgrade_password_hash(member.id, &upgraded, now)
                        .await?;
                }
                ok
            }
            Some((_, hash, _)) => madang_core::password::verify(password, hash),
            None => {
                // Spend the same time as a real check, so timing does not reveal accounts.
                madang_core::password::verify_nothing(password);
                false
            }
        };
        match found {
            Some((member, _, blocked)) if verified => {
                if blocked {
                    self.record_login_attempt(login, ip, Some(&member), false, now)
                        .await?;
                    return Ok(Err(LoginRefusal::Blocked));
                }
                self.record_login_attempt(login, ip, Some(&member), true, now)
                    .await?;
                Ok(Ok(member))
            }
            _ => {
                self.record_login_attempt(login, ip, None, false, now)
                    .await?;
                Ok(Err(LoginRefusal::BadCredentials))
            }
        }
    }

    /// Replaces an imported account's old-format hash with an Argon2id hash of the same
    /// password (audited; sessions stay, since the password did not change).
    async fn upgrade_password_hash(&self, member_id: i64, hash: &str, at: i64) -> Result<()> {
        let target = format!("member:{member_id}");
        let actor = Actor {
            id: Some(member_id),
            name: "",
        };
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE members SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(member_id)
                .execute(&mut *tx)
                .await?;
            audit!(
                tx,
                at,
                actor,
                "member.password.upgrade",
                &target,
                "GnuBoard5 hash replaced by Argon2id",
                ""
            );
            tx.commit().await?;
        });
        Ok(())
    }

    /// Starts a session: stores the hash of its id with a CSRF token.
    pub async fn create_session(
        &self,
        member_id: i64,
        id_hash: &str,
        csrf_token: &str,
        ip: &str,
        now: i64,
        lifetime_seconds: i64,
    ) -> Result<()> {
        on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO sessions (id_hash, member_id, csrf_token, created_at, last_seen, expires_at, ip)
                 VALUES ($1, $2, $3, $4, $4, $5, $6)",
            )
            .bind(id_hash)
            .bind(member_id)
            .bind(csrf_token)
            .bind(now)
            .bind(now + lifetime_seconds)
            .bind(ip)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The live session with this id hash, with the member's roles; `None` if it expired,
    /// was ended, or its member is blocked.
    pub async fn session(&self, id_hash: &str, now: i64) -> Result<Option<Session>> {
        type Row = (
            i64,
            String,
            String,
            String,
            i64,
            bool,
            bool,
            String,
            i64,
            bool,
        );
        let row: Option<Row> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT m.id, m.login, m.nickname, m.email, m.level, m.is_super_admin, m.blocked,
                    s.csrf_token, s.expires_at, m.totp_secret IS NOT NULL
                 FROM sessions s JOIN members m ON m.id = s.member_id
                 WHERE s.id_hash = $1 AND s.expires_at > $2",
            )
            .bind(id_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        let Some((
            id,
            login,
            nickname,
            email,
            level,
            is_super_admin,
            blocked,
            csrf_token,
            expires_at,
            has_totp,
        )) = row
        else {
            return Ok(None);
        };
        if blocked {
            return Ok(None);
        }
        let member = Member {
            id,
            login,
            nickname,
            email,
            level: Level::new(level).unwrap_or(Level::GUEST),
            is_super_admin,
        };
        let (boards, groups): (Vec<(i64,)>, Vec<(i64,)>) = on_db!(self, |pool| {
            let boards = sqlx::query_as("SELECT board_id FROM board_admins WHERE member_id = $1")
                .bind(id)
                .fetch_all(pool)
                .await?;
            let groups = sqlx::query_as("SELECT group_id FROM group_admins WHERE member_id = $1")
                .bind(id)
                .fetch_all(pool)
                .await?;
            (boards, groups)
        });
        let mut viewer = Viewer::member(&member);
        viewer.board_admin_of = boards.into_iter().map(|(b,)| b).collect();
        viewer.group_admin_of = groups.into_iter().map(|(g,)| g).collect();
        Ok(Some(Session {
            member,
            viewer,
            csrf_token,
            expires_at,
            has_totp,
            must_enrol: false,
        }))
    }

    /// Ends one session.
    pub async fn end_session(&self, id_hash: &str) -> Result<()> {
        on_db!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Ends every session of a member except `keep` (after a password change).
    pub async fn end_other_sessions(&self, member_id: i64, keep: Option<&str>) -> Result<u64> {
        let done = on_db!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE member_id = $1 AND id_hash <> $2")
                .bind(member_id)
                .bind(keep.unwrap_or(""))
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done)
    }

    /// Sets a member's password hash and ends all their sessions (audited).
    pub async fn set_password(
        &self,
        login: &str,
        password_hash: &str,
        actor: (Option<i64>, &str),
        at: i64,
    ) -> Result<Member> {
        let (member, _, _) = self
            .member_for_login(login)
            .await?
            .ok_or(StoreError::NotFound)?;
        let actor = Actor {
            id: actor.0,
            name: actor.1,
        };
        let target = format!("member:{}", member.id);
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE members SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(member.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE member_id = $1")
                .bind(member.id)
                .execute(&mut *tx)
                .await?;
            audit!(tx, at, actor, "member.password", &target, "", "");
            tx.commit().await?;
        });
        Ok(member)
    }

    /// Makes a member an administrator of a board (audited).
    pub async fn add_board_admin(
        &self,
        board_id: i64,
        member_id: i64,
        actor: (Option<i64>, &str),
        at: i64,
    ) -> Result<()> {
        let actor = Actor {
            id: actor.0,
            name: actor.1,
        };
        let target = format!("board:{board_id}");
        let detail = format!("member:{member_id}");
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO board_admins (board_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(board_id)
                .bind(member_id)
                .execute(&mut *tx)
                .await?;
            audit!(tx, at, actor, "board.admin.add", &target, &detail, "");
            tx.commit().await?;
        });
        Ok(())
    }
}
