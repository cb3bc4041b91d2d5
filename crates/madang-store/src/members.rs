//! Member accounts.

use madang_core::{Level, Member};

use crate::{Result, Store, StoreError, on_db};

/// What is needed to create an account. The password is already hashed.
#[derive(Debug, Clone)]
pub struct NewMember<'a> {
    pub login: &'a str,
    pub nickname: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub level: Level,
    pub is_super_admin: bool,
}

type MemberRow = (i64, String, String, String, i64, bool);

fn member(row: MemberRow) -> Member {
    let (id, login, nickname, email, level, is_super_admin) = row;
    Member {
        id,
        login,
        nickname,
        email,
        level: Level::new(level).unwrap_or(Level::GUEST),
        is_super_admin,
    }
}

impl Store {
    /// Creates an account. Logins are unique regardless of case, as in GnuBoard5.
    pub async fn create_member(&self, new: &NewMember<'_>, now: jiff::Timestamp) -> Result<Member> {
        let login = new.login.trim();
        let login_ok = (1..=40).contains(&login.chars().count())
            && login
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
        if !login_ok {
            return Err(StoreError::Invalid(
                "a login is 1 to 40 letters, digits, and _ - . @".into(),
            ));
        }
        let nickname = new.nickname.trim();
        if nickname.is_empty() || nickname.chars().count() > 40 {
            return Err(StoreError::Invalid(
                "a display name is 1 to 40 characters".into(),
            ));
        }
        let id: Option<(i64,)> = on_db!(self, |pool| {
            sqlx::query_as(
                "INSERT INTO members (login, login_key, nickname, email, password_hash, level,
                    is_super_admin, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (login_key) DO NOTHING RETURNING id",
            )
            .bind(login)
            .bind(login.to_lowercase())
            .bind(nickname)
            .bind(new.email.trim())
            .bind(new.password_hash)
            .bind(new.level.get())
            .bind(new.is_super_admin)
            .bind(now.as_second())
            .fetch_optional(pool)
            .await?
        });
        let (id,) = id.ok_or_else(|| StoreError::Conflict(format!("login {login}")))?;
        Ok(Member {
            id,
            login: login.to_owned(),
            nickname: nickname.to_owned(),
            email: new.email.trim().to_owned(),
            level: new.level,
            is_super_admin: new.is_super_admin,
        })
    }

    /// How many accounts exist; zero means the site still needs its first administrator.
    pub async fn member_count(&self) -> Result<i64> {
        let (n,): (i64,) = on_db!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM members")
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }

    /// A member by login (case-insensitive).
    pub async fn member_by_login(&self, login: &str) -> Result<Option<Member>> {
        let row: Option<MemberRow> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, login, nickname, email, level, is_super_admin
                 FROM members WHERE login_key = $1",
            )
            .bind(login.trim().to_lowercase())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(member))
    }
}

impl Store {
    /// Creates the site's first account, and only if there is none. The setup token (the
    /// setting `token_setting`) is claimed first with one atomic delete, so of two racing
    /// submissions only one proceeds; if the account is then refused (a bad login, say),
    /// the token is put back so the operator can try again.
    pub async fn create_first_member(
        &self,
        new: &NewMember<'_>,
        now: jiff::Timestamp,
        token_setting: &str,
    ) -> Result<Member> {
        let claimed: Option<(String,)> = on_db!(self, |pool| {
            sqlx::query_as("DELETE FROM settings WHERE key = $1 RETURNING value")
                .bind(token_setting)
                .fetch_optional(pool)
                .await?
        });
        let Some((token_hash,)) = claimed else {
            return Err(StoreError::Conflict(
                "the site already has an administrator".into(),
            ));
        };
        if self.member_count().await? > 0 {
            return Err(StoreError::Conflict(
                "the site already has an administrator".into(),
            ));
        }
        let created = self.create_member(new, now).await;
        if let Err(StoreError::Invalid(_)) = &created {
            self.set_setting(token_setting, &token_hash).await?;
        }
        created
    }
}
