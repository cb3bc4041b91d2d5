//! What nearly every page shows around its content — the site name, menu groups with their
//! boards (and counts), pages and links, their titles in each language, whether the site still
//! needs an administrator — read once per site generation instead of with six queries per
//! page.
//!
//! The shell is kept for the generation it was read at, and at most [`SHELL_TTL`]: a few
//! things it shows (the member count behind the setup banner) change without a generation
//! bump.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use madang_core::titles::LocalTitles;
use madang_core::{Board, Group};

use crate::AppState;
use crate::i18n::Lang;
use crate::views::SITE_NAME;

/// Longest a shell is used, even when the generation stays the same.
pub const SHELL_TTL: Duration = Duration::from_secs(1);

/// The site-wide data of one generation.
#[derive(Debug, Default)]
pub struct Shell {
    pub name: String,
    /// The logo's address under `/logo/`, when the site has one.
    pub logo: Option<String>,
    /// The time zone an administrator set (`None`: the configuration's applies, see
    /// [`AppState::zone`]).
    pub zone: Option<jiff::tz::TimeZone>,
    /// The default language an administrator set (`None`: the configuration's applies,
    /// see [`AppState::default_language`]).
    pub default_language: Option<crate::Language>,
    pub groups: Vec<Group>,
    pub boards: Vec<Board>,
    /// Content pages (every language's row), for the menu.
    pub pages: Vec<madang_store::PageEntry>,
    /// Menu links (with their titles per language), for the menu.
    pub links: Vec<madang_store::MenuLink>,
    /// Boards' and menu groups' titles per language, over their default titles.
    pub titles: LocalTitles,
    pub needs_setup: bool,
}

impl Shell {
    /// A board by its slug.
    pub fn board(&self, slug: &str) -> Option<&Board> {
        self.boards.iter().find(|b| b.slug == slug)
    }

    /// A board's title in `lang`: its own title for that language, else its default.
    pub fn board_title<'a>(&'a self, board: &'a Board, lang: Lang) -> &'a str {
        self.titles.board(board.id, lang.code(), &board.title)
    }

    /// A copy of `board` titled in `lang` (see [`Shell::board_title`]), for pages that
    /// hand the board on to templates, meta and feeds: each of them then names it the same.
    pub fn localized(&self, board: &Board, lang: Lang) -> Board {
        Board {
            title: self.board_title(board, lang).to_owned(),
            ..board.clone()
        }
    }

    /// A board by its slug, titled in `lang`.
    pub fn board_in(&self, slug: &str, lang: Lang) -> Option<Board> {
        self.board(slug).map(|b| self.localized(b, lang))
    }

    /// A menu group's title in `lang`: its own title for that language, else its default.
    pub fn group_title(&self, id: i64, lang: Lang) -> Option<&str> {
        self.groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| self.titles.group(g.id, lang.code(), &g.title))
    }
}

impl AppState {
    /// The site's time zone: the one an administrator set, else the configuration's
    /// (`madang.toml`). Read through the shell, so a change reaches every node with the
    /// site generation, without a restart.
    pub(crate) async fn zone(&self) -> jiff::tz::TimeZone {
        match &self.shell().await.zone {
            Some(zone) => zone.clone(),
            None => self.config().zone.clone(),
        }
    }

    /// The UI language whose pages are unprefixed: the one an administrator set, else the
    /// configuration's. Asked on every request, so it takes the shell this node keeps
    /// while the site generation is unchanged (however old), and reads it again only when
    /// the generation moved: a page served from the cache runs no statement.
    pub(crate) async fn default_language(&self) -> crate::Language {
        let generation = self.generation().await;
        let kept = self.inner.shell.current.lock().ok().and_then(|current| {
            current
                .as_ref()
                .filter(|(g, _, _, _)| generation == Some(*g))
                .map(|(_, _, _, shell)| shell.default_language)
        });
        let set = match kept {
            Some(set) => set,
            None => self.shell().await.default_language,
        };
        set.unwrap_or(self.config().default_language)
    }
}

/// A shell with the generation, the count of local writes and the time it was read at.
type KeptShell = (i64, u64, Instant, Arc<Shell>);

/// This node's shell, with the generation and time it was read.
#[derive(Default)]
pub(crate) struct ShellCache {
    current: Mutex<Option<KeptShell>>,
}

impl AppState {
    /// The shell for the current generation. A database failure gives an empty shell (a
    /// page with an empty menu) rather than failing pages that could still be shown.
    pub(crate) async fn shell(&self) -> Arc<Shell> {
        // Read before the generation: a write after this point makes the kept shell stale.
        let changes = self.page_cache().changes();
        let generation = self.generation().await;
        if let Some(generation) = generation
            && let Ok(current) = self.inner.shell.current.lock()
            && let Some((g, c, read, shell)) = current.as_ref()
            && *g == generation
            && *c == changes
            && read.elapsed() < SHELL_TTL
        {
            return shell.clone();
        }
        let store = self.store();
        let (site_settings, groups, boards, pages, links, titles, members) = (
            store
                .settings_of(&[
                    SITE_NAME,
                    madang_store::LOGO_SETTING,
                    madang_store::TIME_ZONE_SETTING,
                    madang_store::DEFAULT_LANGUAGE_SETTING,
                ])
                .await,
            store.groups().await,
            store.boards().await,
            store.page_entries().await,
            store.menu_links().await,
            store.local_titles().await,
            store.member_count().await,
        );
        let complete = site_settings.is_ok()
            && groups.is_ok()
            && boards.is_ok()
            && pages.is_ok()
            && links.is_ok()
            && titles.is_ok()
            && members.is_ok();
        let mut settings = site_settings.as_ref().ok().cloned().unwrap_or_default();
        let shell = Arc::new(Shell {
            name: settings
                .remove(SITE_NAME)
                .unwrap_or_else(|| "Madang".into()),
            logo: settings
                .remove(madang_store::LOGO_SETTING)
                .as_deref()
                .and_then(crate::admin_logo::logo_file)
                .map(str::to_owned),
            zone: settings
                .remove(madang_store::TIME_ZONE_SETTING)
                .as_deref()
                .and_then(madang_core::time::site_zone),
            default_language: settings
                .remove(madang_store::DEFAULT_LANGUAGE_SETTING)
                .as_deref()
                .and_then(crate::Language::from_code),
            groups: groups.unwrap_or_default(),
            boards: boards.unwrap_or_default(),
            pages: pages.unwrap_or_default(),
            links: links.unwrap_or_default(),
            titles: titles.unwrap_or_default(),
            needs_setup: members.map(|n| n == 0).unwrap_or(false),
        });
        if complete
            && let Some(generation) = generation
            && let Ok(mut current) = self.inner.shell.current.lock()
        {
            *current = Some((generation, changes, Instant::now(), shell.clone()));
        }
        shell
    }
}
