//! Administration: board and menu group settings, member access, site settings — each
//! audited.

use jiff::Timestamp;
use madang_core::titles::{TitlesByLang, describe_titles};
use madang_core::uploads::UploadLimits;
use madang_core::{
    Board, BoardLevels, Level, ListOrder, ListStyle, MAX_HOME_COUNT, Member, NewBoard,
};

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::editing::ActorRef;
use crate::settings::bump_generation;
use crate::titles::{check_titles, replace_titles};
use crate::{Result, Store, StoreError, on_db};

/// A board's changeable settings (the slug stays: it is in every address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardSettings {
    /// The default title, shown where a language has none of its own.
    pub title: String,
    /// Titles per UI language; a language left out, or given an empty title, has none.
    pub titles: TitlesByLang,
    pub group_id: Option<i64>,
    pub title_len: u32,
    pub excerpt_len: u32,
    pub page_size: u32,
    pub list_order: ListOrder,
    pub list_style: ListStyle,
    /// Latest posts on the home page, 0 to [`MAX_HOME_COUNT`].
    pub home_count: u32,
    pub levels: BoardLevels,
    /// Attachments a post may carry.
    pub uploads: UploadLimits,
    /// Categories, checked with `madang_core::categories::parse_list`'s rules.
    pub categories: Vec<String>,
}

impl BoardSettings {
    /// A board's current settings, with its titles per UI language.
    pub fn of(board: &Board, titles: TitlesByLang) -> BoardSettings {
        BoardSettings {
            title: board.title.clone(),
            titles,
            group_id: board.group_id,
            title_len: board.title_len,
            excerpt_len: board.excerpt_len,
            page_size: board.page_size,
            list_order: board.list_order,
            list_style: board.list_style,
            home_count: board.home_count,
            levels: board.levels,
            uploads: board.uploads,
            categories: board.categories.clone(),
        }
    }
}

/// A menu group's changeable settings (the slug stays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSettings {
    /// The default title, shown where a language has none of its own.
    pub title: String,
    /// Titles per UI language; a language left out, or given an empty title, has none.
    pub titles: TitlesByLang,
}

const DELETE_BOARD_TITLES: &str = "DELETE FROM board_titles WHERE board_id = $1";
const INSERT_BOARD_TITLE: &str =
    "INSERT INTO board_titles (board_id, lang, title) VALUES ($1, $2, $3)";
const DELETE_GROUP_TITLES: &str = "DELETE FROM group_titles WHERE group_id = $1";
const INSERT_GROUP_TITLE: &str =
    "INSERT INTO group_titles (group_id, lang, title) VALUES ($1, $2, $3)";

/// Board settings as one audit line, to record before and after.
fn describe(s: &BoardSettings) -> String {
    let l = &s.levels;
    format!(
        "{} group={:?} title_len={} excerpt_len={} page_size={} order={} style={} home={} levels={}/{}/{}/{}/{}/{}/{} files={} file_mb={} kinds={} categories={}",
        describe_titles(s.title.trim(), &trimmed_titles(&s.titles)),
        s.group_id,
        s.title_len,
        s.excerpt_len,
        s.page_size,
        s.list_order.as_str(),
        s.list_style.as_str(),
        s.home_count,
        l.list.get(),
        l.read.get(),
        l.write.get(),
        l.reply.get(),
        l.comment.get(),
        l.upload.get(),
        l.download.get(),
        s.uploads.max_files,
        s.uploads.max_file_mb,
        s.uploads.kinds.format(),
        s.categories.join("|")
    )
}

/// Titles as they are stored: trimmed, the empty ones left out.
pub(crate) fn trimmed_titles(titles: &TitlesByLang) -> TitlesByLang {
    titles
        .iter()
        .map(|(lang, title)| (lang.clone(), title.trim().to_owned()))
        .filter(|(_, title)| !title.is_empty())
        .collect()
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
        check_titles(&s.title, &s.titles)?;
        if s.home_count > MAX_HOME_COUNT {
            return Err(StoreError::Invalid(format!(
                "a board shows at most {MAX_HOME_COUNT} posts on the home page"
            )));
        }
        // The absolute ranges; the web layer also keeps a file under its request limit.
        if let Err(e) = s.uploads.validate(usize::MAX) {
            return Err(StoreError::Invalid(format!(
                "upload limits out of range ({})",
                e.message_key()
            )));
        }
        // The same rules as the admin form: a list that would not read back the same is
        // refused here too.
        if madang_core::categories::parse_list(&s.categories.join("\n")).as_ref()
            != Ok(&s.categories)
        {
            return Err(StoreError::Invalid("invalid category list".into()));
        }
        let before_titles = self.local_titles().await?.of_board(board_id);
        let old = describe(&BoardSettings::of(&before, before_titles));
        let new = describe(s);
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
                    level_download = $13, list_style = $14, home_count = $15,
                    max_files = $16, max_file_mb = $17, allowed_kinds = $18, categories = $19
                 WHERE id = $20",
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
            .bind(s.list_style.as_str())
            .bind(i64::from(s.home_count))
            .bind(i64::from(s.uploads.max_files))
            .bind(i64::from(s.uploads.max_file_mb))
            .bind(s.uploads.kinds.format())
            .bind(madang_core::categories::to_stored(&s.categories))
            .bind(board_id)
            .execute(&mut *tx)
            .await?;
            replace_titles!(
                tx,
                DELETE_BOARD_TITLES,
                INSERT_BOARD_TITLE,
                board_id,
                &s.titles
            );
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

    /// Saves a menu group's titles, recording before and after in the audit log.
    pub async fn update_group(
        &self,
        group_id: i64,
        s: &GroupSettings,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let before = self
            .groups()
            .await?
            .into_iter()
            .find(|g| g.id == group_id)
            .ok_or(StoreError::NotFound)?;
        check_titles(&s.title, &s.titles)?;
        let before_titles = self.local_titles().await?.of_group(group_id);
        let detail = format!(
            "{} → {}",
            describe_titles(&before.title, &before_titles),
            describe_titles(s.title.trim(), &trimmed_titles(&s.titles))
        );
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("group:{}", before.slug);
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE menu_groups SET title = $1 WHERE id = $2")
                .bind(s.title.trim())
                .bind(group_id)
                .execute(&mut *tx)
                .await?;
            replace_titles!(
                tx,
                DELETE_GROUP_TITLES,
                INSERT_GROUP_TITLE,
                group_id,
                &s.titles
            );
            audit!(
                tx,
                now.as_second(),
                who,
                "group.settings",
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
