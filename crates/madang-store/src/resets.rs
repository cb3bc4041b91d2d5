//! Password reset links: single use, expiring after an hour, stored only as hashes, a few
//! per account per hour. A reset never bypasses two-factor sign-in: the web layer asks for a
//! code first when the account has one.

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::{Result, Store, on_db};

/// How long a reset link works.
pub const RESET_SECONDS: i64 = 3600;
/// Reset links one account may be sent per hour.
pub const RESETS_PER_HOUR: i64 = 3;

/// Who asked for a reset link: where to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetRequest {
    pub login: String,
    /// The account's e-mail address ("" when it has none).
    pub email: String,
}

/// A reset link that is still good.
#[derive(Debug, Clone)]
pub struct PendingReset {
    pub member_id: i64,
    pub login: String,
    pub has_totp: bool,
}

impl Store {
    /// Records a reset link for the account with this login or e-mail address and returns
    /// the member's login and address, or `None` when there is no such account or it asked
    /// too often.
    /// The caller answers the same either way, so nobody learns which accounts exist.
    pub async fn request_password_reset(
        &self,
        login_or_email: &str,
        token_hash: &str,
        now: i64,
        ip: &str,
    ) -> Result<Option<ResetRequest>> {
        let key = login_or_email.trim().to_lowercase();
        if key.is_empty() {
            return Ok(None);
        }
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let member: Option<(i64, String, String, String)> = sqlx::query_as(
                "SELECT id, login, nickname, email FROM members
                 WHERE (login_key = $1 OR (email <> '' AND LOWER(email) = $1)) AND blocked = FALSE",
            )
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((member_id, login, nickname, email)) = member else {
                return Ok(None);
            };
            let (recent,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM password_resets WHERE member_id = $1 AND created_at > $2",
            )
            .bind(member_id)
            .bind(now - 3600)
            .fetch_one(&mut *tx)
            .await?;
            if recent >= RESETS_PER_HOUR {
                return Ok(None);
            }
            sqlx::query(
                "INSERT INTO password_resets (token_hash, member_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(member_id)
            .bind(now)
            .bind(now + RESET_SECONDS)
            .execute(&mut *tx)
            .await?;
            let actor = Actor {
                id: Some(member_id),
                name: &nickname,
            };
            let target = format!("member:{member_id}");
            audit!(
                tx,
                now,
                actor,
                "member.password.reset_requested",
                &target,
                "",
                ip
            );
            tx.commit().await?;
            Ok(Some(ResetRequest { login, email }))
        })
    }

    /// The account a reset link belongs to, if the link is unused and unexpired.
    pub async fn pending_reset(&self, token_hash: &str, now: i64) -> Result<Option<PendingReset>> {
        let row: Option<(i64, String, Option<String>)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT m.id, m.login, m.totp_secret FROM password_resets r JOIN members m ON m.id = r.member_id
                 WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND m.blocked = FALSE",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(member_id, login, totp)| PendingReset {
            member_id,
            login,
            has_totp: totp.is_some(),
        }))
    }

    /// Uses a reset link: sets the new password hash, spends every open link of the
    /// account, ends all its sessions. Returns false if the link was already spent.
    pub async fn complete_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
        ip: &str,
    ) -> Result<bool> {
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: Option<(i64,)> = sqlx::query_as(
                "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
                 RETURNING member_id",
            )
            .bind(now)
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((member_id,)) = row else {
                return Ok(false);
            };
            sqlx::query(
                "UPDATE password_resets SET used_at = $1 WHERE member_id = $2 AND used_at IS NULL",
            )
            .bind(now)
            .bind(member_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE members SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(member_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE member_id = $1")
                .bind(member_id)
                .execute(&mut *tx)
                .await?;
            let (nickname,): (String,) =
                sqlx::query_as("SELECT nickname FROM members WHERE id = $1")
                    .bind(member_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let actor = Actor {
                id: Some(member_id),
                name: &nickname,
            };
            let target = format!("member:{member_id}");
            audit!(tx, now, actor, "member.password.reset", &target, "", ip);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Checks a TOTP code for a reset (the step is spent, like at sign-in).
    pub async fn check_totp_for_reset(
        &self,
        member_id: i64,
        typed: &str,
        now: i64,
    ) -> Result<bool> {
        let row: Option<(Option<String>, i64)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT totp_secret, totp_last_step FROM members WHERE id = $1")
                .bind(member_id)
                .fetch_optional(pool)
                .await?
        });
        let Some((Some(secret), last)) = row else {
            return Ok(false);
        };
        let Some(step) = madang_core::totp::verify(&secret, typed, now, last) else {
            return Ok(false);
        };
        on_db!(self, |pool| {
            sqlx::query(
                "UPDATE members SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
            )
            .bind(step)
            .bind(member_id)
            .execute(pool)
            .await?;
        });
        Ok(true)
    }
}
