//! Menu groups and boards.

use madang_core::slug::validate_board_slug;
use madang_core::uploads::{FileKinds, MAX_FILE_MB_LIMIT, MAX_FILES_LIMIT, UploadLimits};
use madang_core::{
    Board, BoardLevels, Group, Level, ListOrder, ListStyle, MAX_HOME_COUNT, NewBoard,
};

use crate::BeginWrite;
use crate::settings::bump_generation;
use crate::{Result, Store, StoreError, on_db};

#[derive(sqlx::FromRow)]
struct BoardRow {
    id: i64,
    slug: String,
    title: String,
    group_id: Option<i64>,
    position: i64,
    title_len: i64,
    excerpt_len: i64,
    page_size: i64,
    list_order: String,
    list_style: String,
    home_count: i64,
    max_files: i64,
    max_file_mb: i64,
    allowed_kinds: String,
    categories: String,
    level_list: i64,
    level_read: i64,
    level_write: i64,
    level_reply: i64,
    level_comment: i64,
    level_upload: i64,
    level_download: i64,
    post_count: i64,
}

const BOARD_COLUMNS: &str = "id, slug, title, group_id, position, title_len, excerpt_len, \
    page_size, list_order, list_style, home_count, max_files, max_file_mb, allowed_kinds, categories, level_list, level_read, level_write, \
    level_reply, level_comment, level_upload, level_download, post_count";

impl From<BoardRow> for Board {
    fn from(r: BoardRow) -> Board {
        let level = |n: i64| Level::new(n).unwrap_or(Level::MAX);
        Board {
            id: r.id,
            slug: r.slug,
            title: r.title,
            group_id: r.group_id,
            position: r.position,
            title_len: r.title_len.clamp(0, 1000) as u32,
            excerpt_len: r.excerpt_len.clamp(0, 100_000) as u32,
            page_size: r.page_size.clamp(1, 200) as u32,
            list_order: ListOrder::parse(&r.list_order),
            list_style: ListStyle::parse(&r.list_style).unwrap_or_default(),
            home_count: r.home_count.clamp(0, i64::from(MAX_HOME_COUNT)) as u32,
            levels: BoardLevels {
                list: level(r.level_list),
                read: level(r.level_read),
                write: level(r.level_write),
                reply: level(r.level_reply),
                comment: level(r.level_comment),
                upload: level(r.level_upload),
                download: level(r.level_download),
            },
            uploads: upload_limits(r.max_files, r.max_file_mb, &r.allowed_kinds),
            categories: madang_core::categories::from_stored(&r.categories),
            post_count: r.post_count,
        }
    }
}

/// A board's upload limits as stored. A value out of range (written by hand or by an
/// older version) falls back into range, and an unknown kind name to the default kinds,
/// so a board never accepts more than the rules allow.
fn upload_limits(max_files: i64, max_file_mb: i64, allowed_kinds: &str) -> UploadLimits {
    UploadLimits {
        max_files: max_files.clamp(0, i64::from(MAX_FILES_LIMIT)) as u32,
        max_file_mb: max_file_mb.clamp(1, i64::from(MAX_FILE_MB_LIMIT)) as u32,
        kinds: FileKinds::parse(allowed_kinds).unwrap_or_default(),
    }
}

impl Store {
    /// Creates a menu group, placed after the existing ones.
    pub async fn create_group(&self, slug: &str, title: &str) -> Result<Group> {
        validate_board_slug(slug).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let (id, position): (i64, i64) = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let row = sqlx::query_as(
                "INSERT INTO menu_groups (slug, title, position)
                 VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM menu_groups))
                 ON CONFLICT (slug) DO NOTHING RETURNING id, position",
            )
            .bind(slug)
            .bind(title)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::Conflict(format!("group {slug}")))?;
            bump_generation!(tx);
            tx.commit().await?;
            row
        });
        Ok(Group {
            id,
            slug: slug.to_owned(),
            title: title.to_owned(),
            position,
        })
    }

    /// Creates a menu group for an administrator, placed after the existing ones (audited
    /// `group.create`). A slug already taken is [`StoreError::Conflict`]; a bad slug or
    /// title is [`StoreError::Invalid`].
    pub async fn add_group(
        &self,
        slug: &str,
        title: &str,
        actor: crate::ActorRef<'_>,
        now: jiff::Timestamp,
    ) -> Result<i64> {
        validate_board_slug(slug).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if !madang_core::titles::valid_title(title) || title.trim().is_empty() {
            return Err(StoreError::Invalid(
                "a group needs a title of at most 100 characters".into(),
            ));
        }
        let who = crate::audit::Actor {
            id: actor.id,
            name: actor.name,
        };
        let id = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO menu_groups (slug, title, position)
                 VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM menu_groups))
                 ON CONFLICT (slug) DO NOTHING RETURNING id",
            )
            .bind(slug)
            .bind(title)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::Conflict(format!("group {slug}")))?;
            let target = format!("group:{id}");
            let detail = format!("{slug}: {title}");
            crate::audit::audit!(
                tx,
                now.as_second(),
                who,
                "group.create",
                &target,
                &detail,
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// All menu groups in menu order.
    pub async fn groups(&self) -> Result<Vec<Group>> {
        let rows: Vec<(i64, String, String, i64)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, slug, title, position FROM menu_groups ORDER BY position, id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, slug, title, position)| Group {
                id,
                slug,
                title,
                position,
            })
            .collect())
    }

    /// Creates a board, placed after the existing ones.
    pub async fn create_board(&self, new: &NewBoard, now: jiff::Timestamp) -> Result<Board> {
        validate_board_slug(&new.slug).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if new.title.trim().is_empty() {
            return Err(StoreError::Invalid("a board needs a title".into()));
        }
        let l = &new.levels;
        let id: Option<(i64,)> = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_as(
                "INSERT INTO boards (slug, title, group_id, position, title_len, excerpt_len,
                    page_size, list_order, level_list, level_read, level_write, level_reply,
                    level_comment, level_upload, level_download, created_at, list_style,
                    home_count, max_files, max_file_mb, allowed_kinds, categories)
                 VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM boards),
                    $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
                    $20, $21)
                 ON CONFLICT (slug) DO NOTHING RETURNING id",
            )
            .bind(&new.slug)
            .bind(new.title.trim())
            .bind(new.group_id)
            .bind(i64::from(new.title_len))
            .bind(i64::from(new.excerpt_len))
            .bind(i64::from(new.page_size.max(1)))
            .bind(new.list_order.as_str())
            .bind(l.list.get())
            .bind(l.read.get())
            .bind(l.write.get())
            .bind(l.reply.get())
            .bind(l.comment.get())
            .bind(l.upload.get())
            .bind(l.download.get())
            .bind(now.as_second())
            .bind(new.list_style.as_str())
            .bind(i64::from(new.home_count.min(MAX_HOME_COUNT)))
            .bind(i64::from(new.uploads.max_files))
            .bind(i64::from(new.uploads.max_file_mb))
            .bind(new.uploads.kinds.format())
            .bind(madang_core::categories::to_stored(&new.categories))
            .fetch_optional(&mut *tx)
            .await?;
            bump_generation!(tx);
            tx.commit().await?;
            id
        });
        let (id,) = id.ok_or_else(|| StoreError::Conflict(format!("board {}", new.slug)))?;
        self.board_by_id(id).await?.ok_or(StoreError::NotFound)
    }

    /// A board by its slug.
    pub async fn board(&self, slug: &str) -> Result<Option<Board>> {
        let sql = format!("SELECT {BOARD_COLUMNS} FROM boards WHERE slug = $1");
        let row: Option<BoardRow> = on_db!(self, |pool| {
            sqlx::query_as(&sql).bind(slug).fetch_optional(pool).await?
        });
        Ok(row.map(Board::from))
    }

    /// A board by its id.
    pub async fn board_by_id(&self, id: i64) -> Result<Option<Board>> {
        let sql = format!("SELECT {BOARD_COLUMNS} FROM boards WHERE id = $1");
        let row: Option<BoardRow> = on_db!(self, |pool| {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        Ok(row.map(Board::from))
    }

    /// All boards in menu order.
    pub async fn boards(&self) -> Result<Vec<Board>> {
        let sql = format!("SELECT {BOARD_COLUMNS} FROM boards ORDER BY position, id");
        let rows: Vec<BoardRow> = on_db!(self, |pool| sqlx::query_as(&sql).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Board::from).collect())
    }
}
