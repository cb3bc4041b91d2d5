//! Registration: members who create their own account (when the site is open) or who
//! were invited by the super administrator, the invitations themselves, and the attempts
//! that rate-limit the form. The rules for a registration's fields are in
//! `madang_core::registration`; here is what must hold in the database: a login and an
//! e-mail address used once, and an invitation spent in the same transaction as the
//! account it made.

use madang_core::registration::{InvitationState, NEW_MEMBER_LEVEL, RegistrationMode, email_key};
use madang_core::{Level, Member};

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::editing::ActorRef;
use crate::{Result, Store, on_db};

/// The site setting holding the registration mode (`closed`, `open`, `invitation`).
pub const REGISTRATION_SETTING: &str = "registration";

/// A new account, checked by `madang_core::registration::check`, its password hashed.
#[derive(Debug, Clone)]
pub struct Registration<'a> {
    pub login: &'a str,
    pub nickname: &'a str,
    /// Ignored for an invitation, whose own address is used.
    pub email: &'a str,
    pub password_hash: &'a str,
}

/// Why a registration was refused; nothing was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterRefusal {
    /// Another account has this login (letter case aside).
    LoginTaken,
    /// Another account has this e-mail address (letter case aside).
    EmailTaken,
    /// The invitation was used, revoked or has expired (or never existed).
    InvitationInvalid,
}

/// An invitation as the administrator sees it.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub level: Level,
    /// The display name of the administrator who made it.
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The login of the member who registered with it.
    pub used_by: Option<String>,
}

impl Invitation {
    /// What the invitation is at `now`.
    pub fn state(&self, now: i64) -> InvitationState {
        InvitationState::of(self.used_at, self.revoked_at, self.expires_at, now)
    }
}

type InvitationRow = (
    i64,
    String,
    i64,
    Option<String>,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

const INVITATION_COLUMNS: &str =
    "SELECT i.id, i.email, i.level, c.nickname, i.created_at, i.expires_at,
        i.used_at, i.revoked_at, u.login
     FROM invitations i
     LEFT JOIN members c ON c.id = i.created_by
     LEFT JOIN members u ON u.id = i.used_by";

fn invitation(row: InvitationRow) -> Invitation {
    let (id, email, level, created_by, created_at, expires_at, used_at, revoked_at, used_by) = row;
    Invitation {
        id,
        email,
        level: Level::new(level).unwrap_or(NEW_MEMBER_LEVEL),
        created_by: created_by.unwrap_or_default(),
        created_at,
        expires_at,
        used_at,
        revoked_at,
        used_by,
    }
}

impl Store {
    /// The site's registration mode (closed unless set).
    pub async fn registration_mode(&self) -> Result<RegistrationMode> {
        Ok(RegistrationMode::from_setting(
            self.setting(REGISTRATION_SETTING).await?.as_deref(),
        ))
    }

    /// Registration forms submitted from an address since `since` (Unix seconds).
    pub async fn registration_attempts(&self, ip: &str, since: i64) -> Result<i64> {
        let (n,): (i64,) = on_db!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM registration_attempts WHERE ip = $1 AND at >= $2")
                .bind(ip)
                .bind(since)
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }

    /// Counts one submitted registration form for the rate limit; attempts older than a
    /// day are dropped on the way.
    pub async fn record_registration_attempt(&self, ip: &str, at: i64) -> Result<()> {
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM registration_attempts WHERE at < $1")
                .bind(at - 24 * 3600)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO registration_attempts (at, ip) VALUES ($1, $2)")
                .bind(at)
                .bind(ip)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Creates a member who registered, at level 2 or, with an invitation (the SHA-256 of
    /// its token), at the invitation's level and with its e-mail address; the invitation
    /// is spent in the same transaction, so it makes one account at most. Audited as
    /// `member.register`. A refusal changes nothing.
    pub async fn register_member(
        &self,
        new: &Registration<'_>,
        invitation_hash: Option<&str>,
        now: i64,
        ip: &str,
    ) -> Result<std::result::Result<Member, RegisterRefusal>> {
        let login = new.login.trim();
        let login_key = login.to_lowercase();
        let nickname = new.nickname.trim();
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let (invitation_id, email, level) = match invitation_hash {
                Some(hash) => {
                    let spent: Option<(i64, String, i64)> = sqlx::query_as(
                        "UPDATE invitations SET used_at = $1
                         WHERE token_hash = $2 AND used_at IS NULL AND revoked_at IS NULL
                           AND expires_at > $1
                         RETURNING id, email, level",
                    )
                    .bind(now)
                    .bind(hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some((id, email, level)) = spent else {
                        return Ok(Err(RegisterRefusal::InvitationInvalid));
                    };
                    (Some(id), email, level)
                }
                None => (None, new.email.trim().to_owned(), NEW_MEMBER_LEVEL.get()),
            };
            let (logins,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM members WHERE login_key = $1")
                    .bind(&login_key)
                    .fetch_one(&mut *tx)
                    .await?;
            if logins > 0 {
                return Ok(Err(RegisterRefusal::LoginTaken));
            }
            let (emails,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM members WHERE email <> '' AND LOWER(email) = $1",
            )
            .bind(email_key(&email))
            .fetch_one(&mut *tx)
            .await?;
            if emails > 0 {
                return Ok(Err(RegisterRefusal::EmailTaken));
            }
            let inserted: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO members (login, login_key, nickname, email, password_hash, level,
                    is_super_admin, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7)
                 ON CONFLICT (login_key) DO NOTHING RETURNING id",
            )
            .bind(login)
            .bind(&login_key)
            .bind(nickname)
            .bind(&email)
            .bind(new.password_hash)
            .bind(level)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((member_id,)) = inserted else {
                return Ok(Err(RegisterRefusal::LoginTaken));
            };
            let via = match invitation_id {
                Some(id) => {
                    sqlx::query("UPDATE invitations SET used_by = $1 WHERE id = $2")
                        .bind(member_id)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    format!("invitation:{id}")
                }
                None => "open".to_owned(),
            };
            let actor = Actor {
                id: Some(member_id),
                name: nickname,
            };
            let target = format!("member:{member_id}");
            let detail = format!("login={login} level={level} via={via}");
            audit!(tx, now, actor, "member.register", &target, &detail, ip);
            tx.commit().await?;
            Ok(Ok(Member {
                id: member_id,
                login: login.to_owned(),
                nickname: nickname.to_owned(),
                email,
                level: Level::new(level).unwrap_or(NEW_MEMBER_LEVEL),
                is_super_admin: false,
            }))
        })
    }

    /// Records an invitation for `email` at `level` (the token's SHA-256), good until
    /// `expires_at`. A pending invitation for the same address is revoked: one live link
    /// per address. Refused with [`RegisterRefusal::EmailTaken`] when a member already has
    /// the address. Audited as `member.invite`.
    pub async fn create_invitation(
        &self,
        email: &str,
        level: Level,
        token_hash: &str,
        (now, expires_at): (i64, i64),
        actor: ActorRef<'_>,
    ) -> Result<std::result::Result<i64, RegisterRefusal>> {
        let email = email.trim();
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let (members,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM members WHERE email <> '' AND LOWER(email) = $1",
            )
            .bind(email_key(email))
            .fetch_one(&mut *tx)
            .await?;
            if members > 0 {
                return Ok(Err(RegisterRefusal::EmailTaken));
            }
            let replaced: Vec<(i64,)> = sqlx::query_as(
                "UPDATE invitations SET revoked_at = $1
                 WHERE LOWER(email) = $2 AND used_at IS NULL AND revoked_at IS NULL
                   AND expires_at > $1
                 RETURNING id",
            )
            .bind(now)
            .bind(email_key(email))
            .fetch_all(&mut *tx)
            .await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO invitations (token_hash, email, level, created_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(token_hash)
            .bind(email)
            .bind(level.get())
            .bind(actor.id)
            .bind(now)
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await?;
            let target = format!("invitation:{id}");
            let replaces = replaced
                .iter()
                .map(|(old,)| format!(" replaces=invitation:{old}"))
                .collect::<String>();
            let detail = format!(
                "email={email} level={} expires={expires_at}{replaces}",
                level.get()
            );
            audit!(tx, now, who, "member.invite", &target, &detail, actor.ip);
            tx.commit().await?;
            Ok(Ok(id))
        })
    }

    /// The newest invitations first, used, revoked and expired ones too.
    pub async fn invitations(&self, limit: i64) -> Result<Vec<Invitation>> {
        let rows: Vec<InvitationRow> = on_db!(self, |pool| {
            sqlx::query_as(&format!("{INVITATION_COLUMNS} ORDER BY i.id DESC LIMIT $1"))
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(invitation).collect())
    }

    /// The invitation whose token has this SHA-256, whatever its state.
    pub async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<Invitation>> {
        let row: Option<InvitationRow> = on_db!(self, |pool| {
            sqlx::query_as(&format!("{INVITATION_COLUMNS} WHERE i.token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(invitation))
    }

    /// Revokes an invitation that is still unused; returns false if it was used, revoked
    /// already, or does not exist. Audited as `member.invite.revoke`.
    pub async fn revoke_invitation(&self, id: i64, now: i64, actor: ActorRef<'_>) -> Result<bool> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let revoked: Option<(String,)> = sqlx::query_as(
                "UPDATE invitations SET revoked_at = $1
                 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL
                 RETURNING email",
            )
            .bind(now)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((email,)) = revoked else {
                return Ok(false);
            };
            let target = format!("invitation:{id}");
            let detail = format!("email={email}");
            audit!(
                tx,
                now,
                who,
                "member.invite.revoke",
                &target,
                &detail,
                actor.ip
            );
            tx.commit().await?;
            Ok(true)
        })
    }
}
