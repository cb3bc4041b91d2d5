//! Two-factor sign-in: enrolment, codes, recovery codes, and the challenge between the
//! password step and the code step. Every change is audited.

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::{Result, Store, StoreError, on_db};

/// How many wrong codes a challenge takes before it is dropped (the password must then be
/// given again, which the sign-in rate limit counts).
pub const MAX_CHALLENGE_ATTEMPTS: i64 = 5;

/// The result of checking a second-step code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondStep {
    Passed {
        member_id: i64,
    },
    WrongCode,
    /// Unknown, expired or worn-out challenge: start again with the password.
    Expired,
}

impl Store {
    /// The member's TOTP secret, if two-factor sign-in is on.
    pub async fn totp_secret(&self, member_id: i64) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT totp_secret FROM members WHERE id = $1")
                .bind(member_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.and_then(|(s,)| s))
    }

    /// Turns two-factor sign-in on with a confirmed secret and fresh recovery codes
    /// (their hashes), replacing any earlier ones.
    pub async fn enable_totp(
        &self,
        member_id: i64,
        secret: &str,
        first_step: i64,
        code_hashes: &[String],
        ip: &str,
        at: i64,
    ) -> Result<()> {
        let target = format!("member:{member_id}");
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let (name,): (String,) = sqlx::query_as("SELECT nickname FROM members WHERE id = $1")
                .bind(member_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            sqlx::query("UPDATE members SET totp_secret = $1, totp_last_step = $2 WHERE id = $3")
                .bind(secret)
                .bind(first_step)
                .bind(member_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM recovery_codes WHERE member_id = $1")
                .bind(member_id)
                .execute(&mut *tx)
                .await?;
            for hash in code_hashes {
                sqlx::query("INSERT INTO recovery_codes (member_id, code_hash) VALUES ($1, $2)")
                    .bind(member_id)
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
            }
            let actor = Actor {
                id: Some(member_id),
                name: &name,
            };
            audit!(tx, at, actor, "member.2fa.enable", &target, "", ip);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Turns two-factor sign-in off (by the member, or by an administrator resetting it).
    pub async fn disable_totp(
        &self,
        member_id: i64,
        actor: (Option<i64>, &str),
        ip: &str,
        at: i64,
    ) -> Result<()> {
        let target = format!("member:{member_id}");
        let who = Actor {
            id: actor.0,
            name: actor.1,
        };
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE members SET totp_secret = NULL, totp_last_step = 0 WHERE id = $1")
                .bind(member_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM recovery_codes WHERE member_id = $1")
                .bind(member_id)
                .execute(&mut *tx)
                .await?;
            audit!(tx, at, who, "member.2fa.disable", &target, "", ip);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Opens the second step for a member whose password was right.
    pub async fn create_login_challenge(
        &self,
        member_id: i64,
        id_hash: &str,
        expires_at: i64,
    ) -> Result<()> {
        on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO login_challenges (id_hash, member_id, expires_at) VALUES ($1, $2, $3)",
            )
            .bind(id_hash)
            .bind(member_id)
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Checks a second-step code (a TOTP code, or an unused recovery code) for a challenge.
    /// A TOTP step or a recovery code is accepted once only; wrong codes wear the challenge
    /// out after [`MAX_CHALLENGE_ATTEMPTS`].
    pub async fn pass_login_challenge(
        &self,
        id_hash: &str,
        typed: &str,
        now: i64,
        ip: &str,
    ) -> Result<SecondStep> {
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: Option<(i64, i64, i64)> = sqlx::query_as(
                "SELECT member_id, expires_at, attempts FROM login_challenges WHERE id_hash = $1",
            )
            .bind(id_hash)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((member_id, expires_at, attempts)) = row else {
                return Ok(SecondStep::Expired);
            };
            if expires_at <= now || attempts >= MAX_CHALLENGE_ATTEMPTS {
                sqlx::query("DELETE FROM login_challenges WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(SecondStep::Expired);
            }
            let (secret, last_step, name): (Option<String>, i64, String) = sqlx::query_as(
                "SELECT totp_secret, totp_last_step, nickname FROM members WHERE id = $1",
            )
            .bind(member_id)
            .fetch_one(&mut *tx)
            .await?;
            let actor = Actor {
                id: Some(member_id),
                name: &name,
            };
            let target = format!("member:{member_id}");
            let step = secret
                .as_deref()
                .and_then(|s| madang_core::totp::verify(s, typed, now, last_step));
            let passed = if let Some(step) = step {
                sqlx::query("UPDATE members SET totp_last_step = $1 WHERE id = $2")
                    .bind(step)
                    .bind(member_id)
                    .execute(&mut *tx)
                    .await?;
                true
            } else {
                let hash = madang_core::totp::recovery_code_hash(typed);
                let used = sqlx::query(
                    "UPDATE recovery_codes SET used_at = $1 WHERE member_id = $2 AND code_hash = $3 AND used_at IS NULL",
                )
                .bind(now)
                .bind(member_id)
                .bind(&hash)
                .execute(&mut *tx)
                .await?;
                if used.rows_affected() > 0 {
                    audit!(tx, now, actor, "member.2fa.recovery_code", &target, "", ip);
                    true
                } else {
                    false
                }
            };
            if passed {
                sqlx::query("DELETE FROM login_challenges WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(&mut *tx)
                    .await?;
                audit!(tx, now, actor, "login.2fa.success", &target, "", ip);
                tx.commit().await?;
                Ok(SecondStep::Passed { member_id })
            } else {
                sqlx::query(
                    "UPDATE login_challenges SET attempts = attempts + 1 WHERE id_hash = $1",
                )
                .bind(id_hash)
                .execute(&mut *tx)
                .await?;
                audit!(tx, now, actor, "login.2fa.failure", &target, "", ip);
                tx.commit().await?;
                Ok(SecondStep::WrongCode)
            }
        })
    }
}
