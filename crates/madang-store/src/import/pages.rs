//! Importing content pages (GnuBoard5's `g5_content` and FAQ pages).

use jiff::Timestamp;

use crate::Result;

use super::session::{ImportSession, ImportTx, Imported, on_tx};

/// A page to import. The body is already sanitised HTML.
#[derive(Debug, Clone)]
pub struct ImportPage<'a> {
    pub slug: &'a str,
    /// `""` for every language.
    pub lang: &'a str,
    pub title: &'a str,
    pub body_html: &'a str,
    pub group_id: Option<i64>,
    pub position: i64,
    pub views: i64,
    pub created_at: Timestamp,
}

impl ImportSession {
    /// Imports a page (kind `page`). A slug and language Madang already has is refused.
    pub async fn import_page(&mut self, key: &str, page: &ImportPage<'_>) -> Result<Imported> {
        if let Some(id) = self.mapped("page", key).await? {
            return Ok(Imported::Existing(id));
        }
        let id: Option<(i64,)> = on_tx!(self, |tx| {
            sqlx::query_as(
                "INSERT INTO pages (slug, lang, title, body_html, group_id, position, views,
                                    created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
                 ON CONFLICT (slug, lang) DO NOTHING RETURNING id",
            )
            .bind(page.slug)
            .bind(page.lang)
            .bind(page.title)
            .bind(page.body_html)
            .bind(page.group_id)
            .bind(page.position)
            .bind(page.views)
            .bind(page.created_at.as_second())
            .fetch_optional(&mut **tx)
            .await?
        });
        let Some((id,)) = id else {
            return Ok(Imported::Refused(format!(
                "Madang already has a page {:?}",
                page.slug
            )));
        };
        self.record("page", key, id).await?;
        Ok(Imported::Created(id))
    }

    /// Places a menu group (by id) at `position` with `title`, as the old site's menu had
    /// it.
    pub async fn arrange_group(&mut self, group_id: i64, title: &str, position: i64) -> Result<()> {
        on_tx!(self, |tx| {
            sqlx::query("UPDATE menu_groups SET title = $1, position = $2 WHERE id = $3")
                .bind(title)
                .bind(position)
                .bind(group_id)
                .execute(&mut **tx)
                .await?;
        });
        Ok(())
    }

    /// Places a page (every language row of its slug) in a menu group at `position`.
    pub async fn arrange_page(&mut self, slug: &str, group_id: i64, position: i64) -> Result<()> {
        on_tx!(self, |tx| {
            sqlx::query("UPDATE pages SET group_id = $1, position = $2 WHERE slug = $3")
                .bind(group_id)
                .bind(position)
                .bind(slug)
                .execute(&mut **tx)
                .await?;
        });
        Ok(())
    }

    /// Places a board in a menu group at `position`, as the old site's menu had it.
    pub async fn arrange_board(
        &mut self,
        board_id: i64,
        group_id: Option<i64>,
        position: i64,
    ) -> Result<()> {
        on_tx!(self, |tx| {
            sqlx::query("UPDATE boards SET group_id = $1, position = $2 WHERE id = $3")
                .bind(group_id)
                .bind(position)
                .bind(board_id)
                .execute(&mut **tx)
                .await?;
        });
        Ok(())
    }
}
