//! Content pages: reading one for a reader, the admin list, saving and removing (audited,
//! bumping the generation: a page shows in the menu and at its own address).

use jiff::Timestamp;
use madang_core::page::{NewPage, Page, pick_page_row};

use crate::audit::{Actor, audit};
use crate::settings::bump_generation;
use crate::{ActorRef, BeginWrite, Result, Store, StoreError, on_db, ts};

const PAGE_COLUMNS: &str =
    "id, slug, lang, title, body_html, group_id, position, views, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct PageRow {
    id: i64,
    slug: String,
    lang: String,
    title: String,
    body_html: String,
    group_id: Option<i64>,
    position: i64,
    views: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<PageRow> for Page {
    fn from(r: PageRow) -> Page {
        Page {
            id: r.id,
            slug: r.slug,
            lang: r.lang,
            title: r.title,
            body_html: r.body_html,
            group_id: r.group_id,
            position: r.position,
            views: r.views,
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
        }
    }
}

/// A page as the menu and the admin list show it (no body).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PageEntry {
    pub id: i64,
    pub slug: String,
    pub lang: String,
    pub title: String,
    pub group_id: Option<i64>,
    pub position: i64,
    pub updated_at: i64,
}

impl Store {
    /// The page at `slug` as a reader of `ui_lang` sees it (see [`pick_page_row`]), with
    /// the languages it exists in.
    pub async fn page(&self, slug: &str, ui_lang: &str) -> Result<Option<(Page, Vec<String>)>> {
        let rows: Vec<(String, i64)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT lang, id FROM pages WHERE slug = $1")
                .bind(slug)
                .fetch_all(pool)
                .await?
        });
        let Some(id) = pick_page_row(&rows, ui_lang) else {
            return Ok(None);
        };
        let page = self.page_by_id(id).await?.ok_or(StoreError::NotFound)?;
        let mut langs: Vec<String> = rows.into_iter().map(|(lang, _)| lang).collect();
        langs.sort();
        Ok(Some((page, langs)))
    }

    /// One page row by id, for the admin form.
    pub async fn page_by_id(&self, id: i64) -> Result<Option<Page>> {
        let sql = format!("SELECT {PAGE_COLUMNS} FROM pages WHERE id = $1");
        let row: Option<PageRow> = on_db!(self, |pool| {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        Ok(row.map(Page::from))
    }

    /// Every page row, by slug then language.
    pub async fn page_entries(&self) -> Result<Vec<PageEntry>> {
        type Row = (i64, String, String, String, Option<i64>, i64, i64);
        let rows: Vec<Row> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, slug, lang, title, group_id, position, updated_at FROM pages
                 ORDER BY slug, lang",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(id, slug, lang, title, group_id, position, updated_at)| PageEntry {
                    id,
                    slug,
                    lang,
                    title,
                    group_id,
                    position,
                    updated_at,
                },
            )
            .collect())
    }

    /// Creates a page row (`id` None) or changes one; audited `page.create` or
    /// `page.update`. The body is sanitised here. A slug and language another row already
    /// has is refused with [`StoreError::Conflict`]; a group that does not exist with
    /// [`StoreError::Invalid`].
    pub async fn save_page(
        &self,
        id: Option<i64>,
        page: NewPage,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<i64> {
        let page = page
            .validated()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let body_html = page.body.to_safe_html();
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let saved = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            if let Some(group) = page.group_id {
                let found: Option<(i64,)> =
                    sqlx::query_as("SELECT id FROM menu_groups WHERE id = $1")
                        .bind(group)
                        .fetch_optional(&mut *tx)
                        .await?;
                if found.is_none() {
                    return Err(StoreError::Invalid("no such menu group".into()));
                }
            }
            let taken: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM pages WHERE slug = $1 AND lang = $2")
                    .bind(&page.slug)
                    .bind(&page.lang)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some_and(|(other,)| Some(other) != id) {
                return Err(StoreError::Conflict(format!(
                    "page {} ({})",
                    page.slug, page.lang
                )));
            }
            let (saved, action) = match id {
                None => {
                    let (new_id,): (i64,) = sqlx::query_as(
                        "INSERT INTO pages (slug, lang, title, body_html, group_id, position,
                                            created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                    )
                    .bind(&page.slug)
                    .bind(&page.lang)
                    .bind(&page.title)
                    .bind(&body_html)
                    .bind(page.group_id)
                    .bind(page.position)
                    .bind(now.as_second())
                    .fetch_one(&mut *tx)
                    .await?;
                    (new_id, "page.create")
                }
                Some(id) => {
                    let changed = sqlx::query(
                        "UPDATE pages SET slug = $1, lang = $2, title = $3, body_html = $4,
                                          group_id = $5, position = $6, updated_at = $7
                         WHERE id = $8",
                    )
                    .bind(&page.slug)
                    .bind(&page.lang)
                    .bind(&page.title)
                    .bind(&body_html)
                    .bind(page.group_id)
                    .bind(page.position)
                    .bind(now.as_second())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if changed == 0 {
                        return Err(StoreError::NotFound);
                    }
                    (id, "page.update")
                }
            };
            let target = format!("page:{saved}");
            let detail = format!(
                "/pages/{} ({}) {}",
                page.slug,
                lang_label(&page.lang),
                page.title
            );
            audit!(tx, now.as_second(), who, action, &target, &detail, actor.ip);
            bump_generation!(tx);
            tx.commit().await?;
            saved
        });
        Ok(saved)
    }

    /// Removes a page row (audited `page.delete`, with its title and slug); `false` when
    /// there was none.
    pub async fn delete_page(&self, id: i64, actor: ActorRef<'_>, now: Timestamp) -> Result<bool> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let removed = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let before: Option<(String, String, String)> =
                sqlx::query_as("DELETE FROM pages WHERE id = $1 RETURNING slug, lang, title")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((slug, lang, title)) = &before {
                let target = format!("page:{id}");
                let detail = format!("/pages/{slug} ({}) {title}", lang_label(lang));
                audit!(
                    tx,
                    now.as_second(),
                    who,
                    "page.delete",
                    &target,
                    &detail,
                    actor.ip
                );
                bump_generation!(tx);
            }
            tx.commit().await?;
            before.is_some()
        });
        Ok(removed)
    }
}

fn lang_label(lang: &str) -> &str {
    if lang.is_empty() {
        "all languages"
    } else {
        lang
    }
}
