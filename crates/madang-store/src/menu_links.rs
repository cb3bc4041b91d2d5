//! Menu links: entries of a menu group that open an address (an on-site path or an
//! http(s) URL, checked by `madang_core::menu_link`), titled like boards and groups (a
//! default title and one per UI language), ordered among the group's boards and pages
//! (`Store::move_menu_entry`). Each change is one audited transaction that moves the site
//! generation, so every node's menu follows.

use jiff::Timestamp;
use madang_core::menu_link::MenuAddress;
use madang_core::titles::{TitlesByLang, describe_titles};

use crate::admin::trimmed_titles;
use crate::audit::{Actor, audit};
use crate::editing::ActorRef;
use crate::settings::bump_generation;
use crate::titles::{check_titles, replace_titles};
use crate::{BeginWrite, Result, Store, StoreError, on_db};

const DELETE_LINK_TITLES: &str = "DELETE FROM menu_link_titles WHERE link_id = $1";
const INSERT_LINK_TITLE: &str =
    "INSERT INTO menu_link_titles (link_id, lang, title) VALUES ($1, $2, $3)";

/// A `menu_links` row with one of its titles: id, group, default title, address, position,
/// and a language with its title (none when the link has no title in any language).
type LinkRow = (
    i64,
    i64,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
);

/// A menu link as the menu and the admin pages read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuLink {
    pub id: i64,
    pub group_id: i64,
    /// The default title.
    pub title: String,
    /// Titles per UI language, over the default.
    pub titles: TitlesByLang,
    /// The checked address, as stored.
    pub url: String,
    pub position: i64,
}

impl MenuLink {
    /// The title to show in `lang`: its own for that language, else the default.
    pub fn title_in(&self, lang: &str) -> &str {
        self.titles
            .get(lang)
            .map(String::as_str)
            .filter(|t| !t.is_empty())
            .unwrap_or(&self.title)
    }

    /// Whether the link leaves the site (anything stored is checked; an address that no
    /// longer passes the check counts as leaving).
    pub fn is_external(&self) -> bool {
        MenuAddress::parse(&self.url).is_none_or(|a| a.is_external())
    }
}

/// What an administrator sets on a menu link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuLinkSettings {
    pub title: String,
    pub titles: TitlesByLang,
    /// The address as typed; refused (`Invalid`) unless `MenuAddress::parse` accepts it.
    pub url: String,
}

fn checked(s: &MenuLinkSettings) -> Result<MenuAddress> {
    check_titles(&s.title, &s.titles)?;
    MenuAddress::parse(&s.url).ok_or_else(|| {
        StoreError::Invalid("a menu link opens an http(s) URL or a path starting with /".into())
    })
}

fn describe(title: &str, titles: &TitlesByLang, url: &str) -> String {
    format!("{} url={url}", describe_titles(title, titles))
}

impl Store {
    /// Every menu link with its titles, by id (one statement: the shell reads it once per
    /// site generation, for every page's menu).
    pub async fn menu_links(&self) -> Result<Vec<MenuLink>> {
        let rows: Vec<LinkRow> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT l.id, l.group_id, l.title, l.url, l.position, t.lang, t.title
                 FROM menu_links l LEFT JOIN menu_link_titles t ON t.link_id = l.id
                 ORDER BY l.id, t.lang",
            )
            .fetch_all(pool)
            .await?
        });
        let mut links: Vec<MenuLink> = Vec::new();
        for (id, group_id, title, url, position, lang, local) in rows {
            if links.last().is_none_or(|l| l.id != id) {
                links.push(MenuLink {
                    id,
                    group_id,
                    title,
                    titles: TitlesByLang::new(),
                    url,
                    position,
                });
            }
            if let (Some(lang), Some(local), Some(link)) = (lang, local, links.last_mut()) {
                link.titles.insert(lang, local);
            }
        }
        Ok(links)
    }

    /// One menu link, or `NotFound`.
    pub async fn menu_link(&self, id: i64) -> Result<MenuLink> {
        self.menu_links()
            .await?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// Adds a link at the end of a menu group's entries. A bad title or address is refused
    /// (`Invalid`) and nothing changes; an unknown group is not found. Audited as
    /// `menu.link.add` with what was set.
    pub async fn add_menu_link(
        &self,
        group_id: i64,
        s: &MenuLinkSettings,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<i64> {
        let address = checked(s)?;
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let detail = format!(
            "group:{group_id} {}",
            describe(s.title.trim(), &trimmed_titles(&s.titles), address.as_str())
        );
        let id = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let group: Option<(i64,)> = sqlx::query_as("SELECT id FROM menu_groups WHERE id = $1")
                .bind(group_id)
                .fetch_optional(&mut *tx)
                .await?;
            group.ok_or(StoreError::NotFound)?;
            let (last,): (i64,) = sqlx::query_as(
                "SELECT MAX(p) FROM (
                     SELECT COALESCE(MAX(position), 0) AS p FROM boards WHERE group_id = $1
                     UNION ALL SELECT COALESCE(MAX(position), 0) FROM pages WHERE group_id = $1
                     UNION ALL SELECT COALESCE(MAX(position), 0) FROM menu_links WHERE group_id = $1
                 ) AS last",
            )
            .bind(group_id)
            .fetch_one(&mut *tx)
            .await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO menu_links (group_id, title, url, position)
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(group_id)
            .bind(s.title.trim())
            .bind(address.as_str())
            .bind(last + 1)
            .fetch_one(&mut *tx)
            .await?;
            replace_titles!(tx, DELETE_LINK_TITLES, INSERT_LINK_TITLE, id, &s.titles);
            let target = format!("link:{id}");
            audit!(
                tx,
                now.as_second(),
                who,
                "menu.link.add",
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

    /// Changes a link's titles and address; it keeps its group and place. A bad title or
    /// address is refused (`Invalid`) and nothing changes. Audited as `menu.link.edit`
    /// with before and after.
    pub async fn update_menu_link(
        &self,
        id: i64,
        s: &MenuLinkSettings,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let address = checked(s)?;
        let before = self.menu_link(id).await?;
        let detail = format!(
            "{} → {}",
            describe(&before.title, &before.titles, &before.url),
            describe(s.title.trim(), &trimmed_titles(&s.titles), address.as_str())
        );
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("link:{id}");
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query("UPDATE menu_links SET title = $1, url = $2 WHERE id = $3")
                .bind(s.title.trim())
                .bind(address.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            replace_titles!(tx, DELETE_LINK_TITLES, INSERT_LINK_TITLE, id, &s.titles);
            audit!(
                tx,
                now.as_second(),
                who,
                "menu.link.edit",
                &target,
                &detail,
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes a link with its titles. Audited as `menu.link.delete` with what it was.
    pub async fn delete_menu_link(
        &self,
        id: i64,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let before = self.menu_link(id).await?;
        let detail = format!(
            "group:{} {}",
            before.group_id,
            describe(&before.title, &before.titles, &before.url)
        );
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("link:{id}");
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(DELETE_LINK_TITLES)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let removed = sqlx::query("DELETE FROM menu_links WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if removed == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(
                tx,
                now.as_second(),
                who,
                "menu.link.delete",
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
