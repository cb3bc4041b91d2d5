//! What templates receive: plain serialisable views built from domain types.

use madang_core::download::human_size;
use madang_core::list_image::on_site_src;
use madang_core::text::{cut, cut_excerpt};
use madang_core::time::list_dates;
use madang_core::{Attachment, Board, PostSummary};
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object};
use serde::Serialize;

use madang_core::permission::{BoardAction, may};

use crate::AppState;
use crate::auth::CurrentSession;
use crate::i18n::Lang;

/// The site's frame: name, menu, and whether it still needs its first administrator.
#[derive(Debug, Serialize)]
pub(crate) struct SiteView {
    pub name: String,
    /// The logo's file under `/logo/`, shown in the header with `name` as its text.
    pub logo: Option<String>,
    pub menu: Vec<MenuGroupView>,
    pub needs_setup: bool,
    /// The signed-in member, for the header.
    pub me: Option<MeView>,
}

/// The signed-in member as the header shows them.
#[derive(Debug, Serialize)]
pub(crate) struct MeView {
    pub nickname: String,
    pub csrf: String,
    pub is_super_admin: bool,
    pub must_enrol: bool,
    /// Whether they may write on some board: the header links to their drafts.
    pub writes: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct MenuGroupView {
    pub title: String,
    pub boards: Vec<MenuBoardView>,
}

/// A menu entry: a board (`slug` set), a content page (`page` set) or a link (`url` set).
#[derive(Debug, Serialize)]
pub(crate) struct MenuBoardView {
    pub slug: String,
    pub page: String,
    /// The address without the language prefix.
    pub path: String,
    pub title: String,
    /// A link's address, linked as it is (no language prefix).
    pub url: String,
    /// Whether `url` leaves the site (`rel="noopener noreferrer"`).
    pub external: bool,
}

/// The setting that holds the site's name.
pub const SITE_NAME: &str = "site_name";

impl SiteView {
    /// Loads the frame. A failure here degrades to an empty menu rather than failing a page
    /// that could otherwise be shown (the error page uses this too).
    pub async fn load(state: &AppState, lang: Lang, current: &CurrentSession) -> SiteView {
        let shell = state.shell().await;
        let menu = shell
            .groups
            .iter()
            .map(|g| MenuGroupView {
                title: shell.titles.group(g.id, lang.code(), &g.title).to_owned(),
                boards: menu_items(&shell, g.id, lang),
            })
            .filter(|g| !g.boards.is_empty())
            .collect();
        let me = current.session.as_ref().map(|s| MeView {
            writes: shell
                .boards
                .iter()
                .any(|b| may(&s.viewer, b, BoardAction::Write)),
            nickname: s.member.nickname.clone(),
            csrf: s.csrf_token.clone(),
            is_super_admin: s.member.is_super_admin,
            must_enrol: s.must_enrol,
        });
        SiteView {
            name: shell.name.clone(),
            logo: shell.logo.clone(),
            menu,
            needs_setup: shell.needs_setup,
            me,
        }
    }
}

/// A group's boards, pages and links in menu order (`madang_core::menu`). A page with
/// several language rows is listed once, under the title of the row its reader sees.
fn menu_items(shell: &crate::shell::Shell, group_id: i64, lang: Lang) -> Vec<MenuBoardView> {
    let mut items: Vec<(i64, u8, i64, MenuBoardView)> = shell
        .boards
        .iter()
        .filter(|b| b.group_id == Some(group_id))
        .map(|b| {
            let view = MenuBoardView {
                slug: b.slug.clone(),
                page: String::new(),
                path: format!("/b/{}", b.slug),
                title: shell.board_title(b, lang).to_owned(),
                url: String::new(),
                external: false,
            };
            (b.position, 0, b.id, view)
        })
        .collect();
    let in_group: Vec<&madang_store::PageEntry> = shell
        .pages
        .iter()
        .filter(|p| p.group_id == Some(group_id))
        .collect();
    let mut slugs: Vec<&str> = in_group.iter().map(|p| p.slug.as_str()).collect();
    slugs.dedup();
    for slug in slugs {
        let rows: Vec<(String, i64)> = in_group
            .iter()
            .filter(|p| p.slug == slug)
            .map(|p| (p.lang.clone(), p.id))
            .collect();
        let Some(id) = madang_core::page::pick_page_row(&rows, lang.code()) else {
            continue;
        };
        let Some(page) = in_group.iter().find(|p| p.id == id) else {
            continue;
        };
        let view = MenuBoardView {
            slug: String::new(),
            page: page.slug.clone(),
            path: format!("/pages/{}", page.slug),
            title: page.title.clone(),
            url: String::new(),
            external: false,
        };
        items.push((page.position, 1, page.id, view));
    }
    for link in shell.links.iter().filter(|l| l.group_id == group_id) {
        let view = MenuBoardView {
            slug: String::new(),
            page: String::new(),
            path: String::new(),
            title: link.title_in(lang.code()).to_owned(),
            url: link.url.clone(),
            external: link.is_external(),
        };
        items.push((link.position, 2, link.id, view));
    }
    items.sort_by_key(|(position, rank, id, _)| madang_core::menu::sort_key(*position, *rank, *id));
    items.into_iter().map(|(_, _, _, view)| view).collect()
}

/// A board as the page heading and breadcrumb show it, titled in the page's language.
#[derive(Debug, Serialize)]
pub(crate) struct BoardView {
    pub slug: String,
    pub title: String,
    pub group_title: Option<String>,
}

impl BoardView {
    pub async fn new(state: &AppState, board: &Board, lang: Lang) -> BoardView {
        let shell = state.shell().await;
        BoardView {
            slug: board.slug.clone(),
            title: shell.board_title(board, lang).to_owned(),
            group_title: board
                .group_id
                .and_then(|id| shell.group_title(id, lang))
                .map(str::to_owned),
        }
    }
}

/// A post in a list, handed to templates as an object rather than a serialised map: a
/// list page reads about fifteen of its fields per post, and building a map of every
/// field for each post, then searching it by name at each read, was a tenth of an
/// uncached list page's time (BENCHMARKS.md, session 14). The text fields are template
/// values made once, so a read is a reference count, not a copy.
#[derive(Debug)]
pub(crate) struct PostItemView {
    pub id: i64,
    /// The post's address in the page's language.
    pub href: Value,
    pub title: Value,
    pub short_title: Value,
    pub excerpt: Value,
    pub date: Value,
    pub date_iso: Value,
    pub author: Value,
    pub pinned: bool,
    pub secret: bool,
    pub attachment_count: i64,
    pub views: i64,
    /// The post's category, linked to the board's list of it when the board lists it.
    pub category: Value,
    pub category_href: Option<Value>,
    /// The gallery card's picture, an address on this site; `None` shows the placeholder.
    pub thumbnail: Option<Value>,
    /// How deep a reply sits in its thread (0 for a thread's first post), for the list's
    /// indentation and "Reply" marker; capped where the indentation stops growing.
    pub reply_depth: u32,
}

/// The fields a template can read from a [`PostItemView`], in the order `enumerate` lists them.
const POST_ITEM_FIELDS: &[&str] = &[
    "id",
    "href",
    "title",
    "short_title",
    "excerpt",
    "date",
    "date_iso",
    "author",
    "pinned",
    "secret",
    "attachment_count",
    "views",
    "category",
    "category_href",
    "thumbnail",
    "reply_depth",
];

impl Object for PostItemView {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "id" => Value::from(self.id),
            "href" => self.href.clone(),
            "title" => self.title.clone(),
            "short_title" => self.short_title.clone(),
            "excerpt" => self.excerpt.clone(),
            "date" => self.date.clone(),
            "date_iso" => self.date_iso.clone(),
            "author" => self.author.clone(),
            "pinned" => Value::from(self.pinned),
            "secret" => Value::from(self.secret),
            "attachment_count" => Value::from(self.attachment_count),
            "views" => Value::from(self.views),
            "category" => self.category.clone(),
            "category_href" => self.category_href.clone().unwrap_or(Value::from(())),
            "thumbnail" => self.thumbnail.clone().unwrap_or(Value::from(())),
            "reply_depth" => Value::from(self.reply_depth),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(POST_ITEM_FIELDS)
    }
}

impl PostItemView {
    pub fn new(
        board: &Board,
        post: &PostSummary,
        lang: Lang,
        zone: &jiff::tz::TimeZone,
    ) -> PostItemView {
        let (date, date_iso) = list_dates(post.published_at, zone, lang.code());
        PostItemView {
            id: post.id,
            href: Value::from(format!("{}/b/{}/{}", lang.prefix(), board.slug, post.id)),
            title: Value::from(post.title.as_str()),
            short_title: Value::from(cut(&post.title, board.title_len as usize)),
            excerpt: if board.excerpt_len == 0 || post.secret {
                Value::from("")
            } else {
                // The store gives a lead rather than the whole text when the excerpt fits.
                Value::from(cut_excerpt(&post.body_text, board.excerpt_len as usize))
            },
            date: Value::from(date),
            date_iso: Value::from(date_iso),
            author: Value::from(post.author_name.as_str()),
            pinned: post.pinned,
            secret: post.secret,
            attachment_count: post.attachment_count,
            views: post.views,
            category: Value::from(post.category.as_str()),
            category_href: category_href(lang, board, &post.category).map(Value::from),
            thumbnail: None,
            reply_depth: post.reply_depth.min(5),
        }
    }

    /// Gives a gallery card its picture: the body's first image when it is on this site
    /// (`origin`; the pages' CSP lets no other site's image load), else the post's first
    /// image attachment when the reader may download it (otherwise it would not load
    /// either). A secret post shows none: its body is not every reader's to see.
    pub fn with_thumbnail(
        mut self,
        board: &Board,
        post: &PostSummary,
        origin: &str,
        may_download: bool,
    ) -> PostItemView {
        if post.secret {
            return self;
        }
        let from_body = post
            .images
            .body_src
            .as_deref()
            .and_then(|src| on_site_src(src, origin));
        let from_files = post
            .images
            .attachment_id
            .filter(|_| may_download)
            .map(|file| format!("/b/{}/{}/files/{file}", board.slug, post.id));
        self.thumbnail = from_body.or(from_files).map(Value::from);
        self
    }

    /// The view as a template value.
    pub fn into_value(self) -> Value {
        Value::from_object(self)
    }
}

/// An attachment on a post page.
#[derive(Debug, Serialize)]
pub(crate) struct AttachmentView {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub downloads: i64,
    pub caption: String,
}

impl From<&Attachment> for AttachmentView {
    fn from(a: &Attachment) -> AttachmentView {
        AttachmentView {
            id: a.id,
            name: a.name.clone(),
            size: human_size(a.size),
            downloads: a.downloads,
            caption: a.caption.clone(),
        }
    }
}

/// A board's list of one category (`/b/news?category=…`), when the board lists it.
pub(crate) fn category_href(lang: Lang, board: &Board, category: &str) -> Option<String> {
    madang_core::categories::filter(&board.categories, category).map(|name| {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("category", name)
            .finish();
        format!("{}/b/{}?{query}", lang.prefix(), board.slug)
    })
}

/// The start of a list's page addresses, to which the page number is added: the
/// category filter is kept from page to page.
pub(crate) fn page_href(lang: Lang, slug: &str, category: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(category) = category {
        query.append_pair("category", category);
    }
    query.append_pair("page", "");
    format!("{}/b/{slug}?{}", lang.prefix(), query.finish())
}

/// The board page's category filter: "All" and each category, the current one marked.
#[derive(Debug, Serialize)]
pub(crate) struct CategoryLink {
    pub name: String,
    pub href: String,
    pub current: bool,
}

/// The board's categories as filter links (empty for a board without categories), "All"
/// first with no name.
pub(crate) fn category_links(
    lang: Lang,
    board: &Board,
    current: Option<&str>,
) -> Vec<CategoryLink> {
    if board.categories.is_empty() {
        return Vec::new();
    }
    let all = CategoryLink {
        name: String::new(),
        href: format!("{}/b/{}", lang.prefix(), board.slug),
        current: current.is_none(),
    };
    std::iter::once(all)
        .chain(board.categories.iter().filter_map(|name| {
            Some(CategoryLink {
                href: category_href(lang, board, name)?,
                current: current == Some(name.as_str()),
                name: name.clone(),
            })
        }))
        .collect()
}
