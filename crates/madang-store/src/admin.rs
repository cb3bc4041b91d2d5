//! Administration: board settings, member access, site settings — each audited.

use jiff::Timestamp;
use madang_core::{Board, BoardLevels, Level, ListOrder, Member, NewBoard};

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::editing::ActorRef;
use crate::settings::bump_generation;
use crate::{Result, Store, StoreError, on_db};

/// A board's changeable settings (the slug stays: it is in every address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardSettings {
    pub title: String,
    pub group_id: Option<i64>,
    pub title_len: u32,
    pub excerpt_len: u32,
    pub page_size: u32,
    pub list_order: ListOrder,
    pub levels: BoardLevels,
}

fn describe(
    title: &str,
    group: Option<i64>,
    levels: &BoardLevels,
    lens: (u32, u32, u32),
    order: ListOrder,
) -> String {
    let l = levels;
    format!(
        "title={title} group={group:?} title_len={} excerpt_len={} page_size={} order={} levels={}/{}/{}/{}/{}/{}/{}",
        lens.0,
        lens.1,
        lens.2,
        order.as_str(),
        l.list.get(),
        l.read.get(),
        l.write.get(),
        l.reply.get(),
        l.comment.get(),
        l.upload.get(),
        l.download.get()
    )
}

impl Store {
    /// Creates a board from the admin area (audited).
    pub async fn create_board_audited(
        &self,
        new: &NewBoard,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<Board> {
        let board = self.create_board(new, now).await?;
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("board:{}", board.slug);
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            audit!(
                tx,
                now.as_second(),
                who,
                "board.create",
                &target,
                &board.title,
                actor.ip
            );
            tx.commit().await?;
        });
        Ok(board)
    }

    /// Saves a board's settings, recording before and after in the audit log.
    pub async fn update_board(
        &self,
        board_id: i64,
        s: &BoardSettings,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let before = self
            .board_by_id(board_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if let Some(group) = s.group_id
            && !self.groups().await?.iter().any(|g| g.id == group)
        {
            return Err(StoreError::Invalid("no such menu group".into()));
        }
        let old = describe(
            &before.title,
            before.group_id,
            &before.levels,
            (before.title_len, before.excerpt_len, before.page_size),
            before.list_order,
        );
        let new = describe(
            &s.title,
            s.group_id,
            &s.levels,
            (s.title_len, s.excerpt_len, s.page_size),
            s.list_order,
        );
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("board:{}", before.slug);
        let detail = format!("{old} → {new}");
        let l = &s.levels;
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE boards SET title = $1, group_id = $2, title_len = $3, excerpt_len = $4,
                    page_size = $5, list_order = $6, level_list = $7, level_read = $8,
                    level_write = $9, level_reply = $10, level_comment = $11, level_upload = $12,
                    level_download = $13
                 WHERE id = $14",
            )
            .bind(s.title.trim())
            .bind(s.group_id)
            .bind(i64::from(s.title_len))
            .bind(i64::from(s.excerpt_len))
            .bind(i64::from(s.page_size.max(1)))
            .bind(s.list_order.as_str())
            .bind(l.list.get())
            .bind(l.read.get())
            .bind(l.write.get())
            .bind(l.reply.get())
            .bind(l.comment.get())
            .bind(l.upload.get())
            .bind(l.download.get())
            .bind(board_id)
            .execute(&mut *tx)
            .await?;
            audit!(
                tx,
                now.as_second(),
                who,
                "board.settings",
                &target,
                &detail,
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every member with whether the account is blocked, by login.
    pub async fn members(&self) -> Result<Vec<(Member, bool)>> {
        type Row = (i64, String, String, String, i64, bool, bool);
        let rows: Vec<Row> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, login, nickname, email, level, is_super_admin, blocked FROM members ORDER BY login_key",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(id, login, nickname, email, level, is_super_admin, blocked)| {
                    let level = Level::new(level).unwrap_or(Level::GUEST);
                    (
                        Member {
                            id,
                            login,
                            nickname,
                            email,
                            level,
                            is_super_admin,
                        },
                        blocked,
                    )
                },
            )
            .collect())
    }

    /// Sets a member's level and blocked state; blocking ends their sessions (audited).
    pub async fn set_member_access(
        &self,
        member_id: i64,
        level: Level,
        blocked: bool,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("member:{member_id}");
        let detail = format!("level={} blocked={blocked}", level.get());
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query("UPDATE members SET level = $1, blocked = $2 WHERE id = $3")
                .bind(level.get())
                .bind(blocked)
                .bind(member_id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            if blocked {
                sqlx::query("DELETE FROM sessions WHERE member_id = $1")
                    .bind(member_id)
                    .execute(&mut *tx)
                    .await?;
            }
            audit!(
                tx,
                now.as_second(),
                who,
                "member.access",
                &target,
                &detail,
                actor.ip
            );
            tx.commit().await?;
        });
        Ok(())
    }

    /// Changes a site setting from the admin area (audited, with the old value).
    pub async fn set_site_setting(
        &self,
        key: &str,
        value: &str,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let before = self.setting(key).await?.unwrap_or_default();
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("setting:{key}");
        let detail = format!("{before} → {value}");
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
            audit!(
                tx,
                now.as_second(),
                who,
                "setting.change",
                &target,
                &detail,
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }
}
