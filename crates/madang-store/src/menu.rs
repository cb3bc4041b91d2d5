//! The order of the menu's groups and of each group's boards, pages and links, and removing a
//! group that holds nothing. Each change is one audited transaction that moves the site
//! generation, so every node's menu follows.

use jiff::Timestamp;
use madang_core::menu::{MenuKey, MenuSlot};

use crate::audit::{Actor, audit};
use crate::editing::ActorRef;
use crate::settings::bump_generation;
use crate::{BeginWrite, Result, Store, StoreError, on_db};

impl Store {
    /// Moves a menu group one place up (earlier) or down. Positions are renumbered 1, 2, 3…
    /// in the menu's order, so groups that shared a position get distinct ones. Returns
    /// `false`, changing nothing, when the group is already first (or last). Audited as
    /// `group.move`.
    pub async fn move_group(
        &self,
        group_id: i64,
        up: bool,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<bool> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("group:{group_id}");
        let moved = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let ids: Vec<(i64,)> =
                sqlx::query_as("SELECT id FROM menu_groups ORDER BY position, id")
                    .fetch_all(&mut *tx)
                    .await?;
            let mut order: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
            let at = order
                .iter()
                .position(|&id| id == group_id)
                .ok_or(StoreError::NotFound)?;
            let other = if up {
                at.checked_sub(1)
            } else {
                Some(at + 1).filter(|&i| i < order.len())
            };
            let Some(other) = other else {
                return Ok(false);
            };
            order.swap(at, other);
            for (position, id) in order.iter().enumerate() {
                sqlx::query("UPDATE menu_groups SET position = $1 WHERE id = $2")
                    .bind(position as i64 + 1)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            let detail = if up { "up" } else { "down" };
            audit!(
                tx,
                now.as_second(),
                who,
                "group.move",
                &target,
                detail,
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
            true
        });
        Ok(moved)
    }

    /// Moves a board, a content page or a link one place up (earlier) or down among the entries of
    /// its menu group (`madang_core::menu`). The group's entries are numbered 1, 2, 3… in
    /// their new order (every language row of a page alike). Returns `false`, changing
    /// nothing, when the entry is already first (or last); an entry that is not in the
    /// group is not found. Audited as `menu.move`.
    pub async fn move_menu_entry(
        &self,
        group_id: i64,
        key: &MenuKey,
        up: bool,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<bool> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let moved = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let boards: Vec<(i64, i64)> =
                sqlx::query_as("SELECT id, position FROM boards WHERE group_id = $1")
                    .bind(group_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let pages: Vec<(String, i64, i64)> = sqlx::query_as(
                "SELECT slug, MIN(position), MIN(id) FROM pages WHERE group_id = $1 GROUP BY slug",
            )
            .bind(group_id)
            .fetch_all(&mut *tx)
            .await?;
            let links: Vec<(i64, i64)> =
                sqlx::query_as("SELECT id, position FROM menu_links WHERE group_id = $1")
                    .bind(group_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let slots: Vec<MenuSlot> = boards
                .into_iter()
                .map(|(id, position)| MenuSlot {
                    key: MenuKey::Board(id),
                    position,
                    id,
                })
                .chain(pages.into_iter().map(|(slug, position, id)| MenuSlot {
                    key: MenuKey::Page(slug),
                    position,
                    id,
                }))
                .chain(links.into_iter().map(|(id, position)| MenuSlot {
                    key: MenuKey::Link(id),
                    position,
                    id,
                }))
                .collect();
            if !slots.iter().any(|s| &s.key == key) {
                return Err(StoreError::NotFound);
            }
            let Some(order) = madang_core::menu::moved(slots, key, up) else {
                return Ok(false);
            };
            for (position, entry) in order.iter().enumerate() {
                let position = position as i64 + 1;
                match entry {
                    MenuKey::Board(id) => {
                        sqlx::query("UPDATE boards SET position = $1 WHERE id = $2")
                            .bind(position)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    MenuKey::Page(slug) => {
                        sqlx::query(
                            "UPDATE pages SET position = $1 WHERE slug = $2 AND group_id = $3",
                        )
                        .bind(position)
                        .bind(slug)
                        .bind(group_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    MenuKey::Link(id) => {
                        sqlx::query("UPDATE menu_links SET position = $1 WHERE id = $2")
                            .bind(position)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            let target = key.to_field();
            let detail = format!("group:{group_id} {}", if up { "up" } else { "down" });
            audit!(
                tx,
                now.as_second(),
                who,
                "menu.move",
                &target,
                &detail,
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
            true
        });
        Ok(moved)
    }

    /// Removes a menu group with its per-language titles and its administrators' role over
    /// it (which named nothing else). A group that still holds a board,
    /// a page or a link is refused (`Conflict`), so nothing disappears from the menu unseen: move
    /// them out first. Audited as `group.delete`.
    pub async fn delete_group(
        &self,
        group_id: i64,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("group:{group_id}");
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let group: Option<(String, String)> =
                sqlx::query_as("SELECT slug, title FROM menu_groups WHERE id = $1")
                    .bind(group_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let (slug, title) = group.ok_or(StoreError::NotFound)?;
            let (held,): (i64,) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM boards WHERE group_id = $1)
                      + (SELECT COUNT(*) FROM pages WHERE group_id = $1)
                      + (SELECT COUNT(*) FROM menu_links WHERE group_id = $1)",
            )
            .bind(group_id)
            .fetch_one(&mut *tx)
            .await?;
            if held > 0 {
                return Err(StoreError::Conflict(format!(
                    "group {slug} still holds {held} boards, pages or links"
                )));
            }
            for table in ["group_titles", "group_admins"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE group_id = $1"))
                    .bind(group_id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM menu_groups WHERE id = $1")
                .bind(group_id)
                .execute(&mut *tx)
                .await?;
            let detail = format!("{slug}: {title}");
            audit!(
                tx,
                now.as_second(),
                who,
                "group.delete",
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
