//! Domain types shared by the store, the web layer and the importer.

use jiff::Timestamp;
use serde::Serialize;

use crate::copy_line::Transfer;
use crate::markdown::BodyFormat;
use crate::uploads::UploadLimits;

/// A member level, 1 (guest) to 10, as in GnuBoard5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Level(u8);

impl Level {
    /// Anyone, signed in or not.
    pub const GUEST: Level = Level(1);
    /// The level GnuBoard5 gives new members.
    pub const MEMBER: Level = Level(2);
    /// The highest level.
    pub const MAX: Level = Level(10);

    /// A level from a stored or typed number; `None` outside 1–10.
    pub fn new(n: i64) -> Option<Level> {
        (1..=10).contains(&n).then_some(Level(n as u8))
    }

    /// The number, for storage.
    pub fn get(self) -> i64 {
        i64::from(self.0)
    }
}

/// The order of a board's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListOrder {
    /// Newest thread first; a copied post sorts as the newest thread (GnuBoard5's default).
    #[default]
    Thread,
    /// Oldest publication date first (GnuBoard5's `bo_sort_field = wr_datetime asc`).
    DateAsc,
    /// Newest publication date first.
    DateDesc,
}

impl ListOrder {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ListOrder::Thread => "thread",
            ListOrder::DateAsc => "date_asc",
            ListOrder::DateDesc => "date_desc",
        }
    }

    /// Parses a stored name; unknown names fall back to the default.
    pub fn parse(s: &str) -> ListOrder {
        match s {
            "date_asc" => ListOrder::DateAsc,
            "date_desc" => ListOrder::DateDesc,
            _ => ListOrder::Thread,
        }
    }
}

/// How a board's list looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListStyle {
    /// A compact list: title, author, date and views, no excerpt (GnuBoard5's "basic").
    List,
    /// Titles with plain-text excerpts, as the seed page lists its posts.
    #[default]
    Webzine,
    /// A grid of cards, each with the post's first image (or a placeholder) and its title.
    Gallery,
}

impl ListStyle {
    /// Every style, in the order the board settings form offers them.
    pub const ALL: [ListStyle; 3] = [ListStyle::List, ListStyle::Webzine, ListStyle::Gallery];

    /// The stored name, also the form's value.
    pub fn as_str(self) -> &'static str {
        match self {
            ListStyle::List => "list",
            ListStyle::Webzine => "webzine",
            ListStyle::Gallery => "gallery",
        }
    }

    /// Parses a stored or submitted name; `None` for anything else, so a form can refuse it
    /// (a stored value falls back with `unwrap_or_default`).
    pub fn parse(s: &str) -> Option<ListStyle> {
        ListStyle::ALL.into_iter().find(|style| style.as_str() == s)
    }

    /// The style closest to a GnuBoard5 list skin (`bo_skin`: `basic`, `webzine`,
    /// `gallery`, possibly as `theme/…`). `None` for a custom skin.
    pub fn from_gnuboard_skin(skin: &str) -> Option<ListStyle> {
        let name = skin
            .trim()
            .trim_start_matches("theme/")
            .to_ascii_lowercase();
        match name.as_str() {
            "basic" => Some(ListStyle::List),
            "webzine" => Some(ListStyle::Webzine),
            "gallery" => Some(ListStyle::Gallery),
            _ => None,
        }
    }
}

/// The most latest posts a board may show on the home page.
pub const MAX_HOME_COUNT: u32 = 20;
/// How many latest posts a new board shows on the home page.
pub const DEFAULT_HOME_COUNT: u32 = 5;

/// Parses a home page post count as typed: a whole number from 0 (the board is left off
/// the home page) to [`MAX_HOME_COUNT`].
pub fn parse_home_count(text: &str) -> Option<u32> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= MAX_HOME_COUNT)
}

/// The level a reader needs for each thing on a board (GnuBoard5's `bo_*_level` set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BoardLevels {
    pub list: Level,
    pub read: Level,
    pub write: Level,
    pub reply: Level,
    pub comment: Level,
    pub upload: Level,
    pub download: Level,
}

impl Default for BoardLevels {
    /// A public news board: everyone reads and downloads, members comment, staff write.
    fn default() -> Self {
        BoardLevels {
            list: Level::GUEST,
            read: Level::GUEST,
            write: Level(8),
            reply: Level(8),
            comment: Level::MEMBER,
            upload: Level(8),
            download: Level::GUEST,
        }
    }
}

/// A menu group such as "Our Work".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub position: i64,
}

/// A board and its settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Board {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub group_id: Option<i64>,
    pub position: i64,
    /// Titles longer than this are cut with "…" in lists (GnuBoard5's `bo_subject_len`).
    pub title_len: u32,
    /// Length of the plain-text excerpt in lists; 0 shows no excerpt.
    pub excerpt_len: u32,
    pub page_size: u32,
    pub list_order: ListOrder,
    pub list_style: ListStyle,
    /// Latest posts shown on the home page, 0 to [`MAX_HOME_COUNT`]; 0 leaves the board off.
    pub home_count: u32,
    pub levels: BoardLevels,
    /// How many files, how large and of which kinds a post may carry.
    #[serde(skip)]
    pub uploads: UploadLimits,
    /// Categories a post may carry, in the order the write form and the filter offer them
    /// (see [`crate::categories`]); empty for a board without categories.
    pub categories: Vec<String>,
    /// Published, not deleted posts; maintained by every write, never counted per request.
    pub post_count: i64,
}

/// The settings a new board is created with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBoard {
    pub slug: String,
    pub title: String,
    pub group_id: Option<i64>,
    pub title_len: u32,
    pub excerpt_len: u32,
    pub page_size: u32,
    pub list_order: ListOrder,
    pub list_style: ListStyle,
    pub home_count: u32,
    pub levels: BoardLevels,
    pub uploads: UploadLimits,
    /// Categories (see [`Board::categories`]).
    pub categories: Vec<String>,
}

impl NewBoard {
    /// A board with GnuBoard5's usual settings.
    pub fn new(slug: &str, title: &str, group_id: Option<i64>) -> NewBoard {
        NewBoard {
            slug: slug.to_owned(),
            title: title.to_owned(),
            group_id,
            title_len: 60,
            excerpt_len: 200,
            page_size: 15,
            list_order: ListOrder::Thread,
            list_style: ListStyle::default(),
            home_count: DEFAULT_HOME_COUNT,
            levels: BoardLevels::default(),
            uploads: UploadLimits::default(),
            categories: Vec::new(),
        }
    }
}

/// Where a post stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PostStatus {
    Draft,
    Published,
}

impl PostStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Draft => "draft",
            PostStatus::Published => "published",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<PostStatus> {
        match s {
            "draft" => Some(PostStatus::Draft),
            "published" => Some(PostStatus::Published),
            _ => None,
        }
    }
}

/// A post as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostSummary {
    pub id: i64,
    pub board_id: i64,
    pub title: String,
    /// The body as plain text, from which the list cuts its excerpt.
    pub body_text: String,
    pub author_name: String,
    pub published_at: Timestamp,
    pub pinned: bool,
    pub secret: bool,
    pub views: i64,
    pub attachment_count: i64,
    /// The post's category (GnuBoard5's `ca_name`); empty for none.
    pub category: String,
    /// What a gallery card can show; read for gallery boards only, empty elsewhere.
    pub images: ListImages,
    /// How deep the post sits in its thread: 0 for a thread's first post, 1 for a reply to
    /// it, … (see [`crate::replies`]).
    pub reply_depth: u32,
}

/// Where a gallery card's picture can come from, first choice first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListImages {
    /// The first image in the body: a same-site path or an http(s) URL, as written there
    /// (see [`crate::list_image::first_image_src`]).
    pub body_src: Option<String>,
    /// The first image attachment's id (served by the download route).
    pub attachment_id: Option<i64>,
}

/// A whole post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: i64,
    pub board_id: i64,
    pub title: String,
    /// Sanitised HTML, safe to insert into a page as is.
    pub body_html: String,
    pub body_text: String,
    /// Whether the post was written in Markdown (its source is read on its own, by the
    /// edit form: see `Store::markdown_source`).
    pub body_format: BodyFormat,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub lang: Option<String>,
    pub status: PostStatus,
    pub pinned: bool,
    pub secret: bool,
    pub views: i64,
    pub created_at: Timestamp,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
    /// External links shown under the body (GnuBoard5's `wr_link1`, `wr_link2`).
    pub links: Vec<String>,
    /// The group of posts that translate each other, if the post has translations.
    pub translation_group: Option<i64>,
    /// The post's category (GnuBoard5's `ca_name`); empty for none.
    pub category: String,
    /// The post this one replies to, if it is a reply.
    pub parent_id: Option<i64>,
    /// Its place in its thread (see [`crate::replies`]): empty for a thread's first post.
    pub reply_path: String,
}

/// What staff submit to create a post. The body is sanitised by the store before saving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPost {
    pub title: String,
    pub body: PostBody,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub lang: Option<String>,
    pub pinned: bool,
    pub secret: bool,
    pub published_at: Timestamp,
    pub links: Vec<String>,
}

/// A post body as typed: HTML from the editor, plain text, or Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostBody {
    Html(String),
    Text(String),
    /// Markdown, kept as written beside the HTML made from it (see [`crate::markdown`]).
    Markdown(String),
}

impl PostBody {
    /// The body as sanitised HTML. Markdown is converted first, then cleaned by the same
    /// allow-list as the editor's HTML.
    pub fn to_safe_html(&self) -> String {
        match self {
            PostBody::Html(html) => crate::html::sanitize(html),
            PostBody::Text(text) => crate::html::text_to_html(text),
            PostBody::Markdown(source) => crate::html::sanitize(&crate::markdown::to_html(source)),
        }
    }

    /// How the body is kept: a Markdown body keeps its source, any other only its HTML.
    pub fn format(&self) -> BodyFormat {
        match self {
            PostBody::Markdown(_) => BodyFormat::Markdown,
            PostBody::Html(_) | PostBody::Text(_) => BodyFormat::Html,
        }
    }

    /// The source kept beside the HTML: a Markdown body's text, otherwise empty.
    pub fn source(&self) -> &str {
        match self {
            PostBody::Markdown(source) => source,
            PostBody::Html(_) | PostBody::Text(_) => "",
        }
    }

    /// The text as typed, whatever its format.
    pub fn typed(&self) -> &str {
        match self {
            PostBody::Html(s) | PostBody::Text(s) | PostBody::Markdown(s) => s,
        }
    }
}

/// A file attached to a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub post_id: i64,
    /// The name the uploader gave, shown to readers and sent in `Content-Disposition`.
    pub name: String,
    /// The object's key in file storage; random, never derived from the name.
    pub storage_key: String,
    pub size: i64,
    pub sha256: String,
    pub mime: String,
    pub caption: String,
    pub downloads: i64,
}

/// Where a copied or moved post came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub transfer: Transfer,
    pub source_board_id: Option<i64>,
    pub source_board_slug: String,
    pub source_post_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub at: Timestamp,
}

/// A member account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: i64,
    pub login: String,
    pub nickname: String,
    pub email: String,
    pub level: Level,
    pub is_super_admin: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_styles_round_trip_and_refuse_unknown_names() {
        for style in ListStyle::ALL {
            assert_eq!(ListStyle::parse(style.as_str()), Some(style));
        }
        assert_eq!(ListStyle::parse("Gallery"), None);
        assert_eq!(ListStyle::parse(""), None);
        assert_eq!(ListStyle::parse("table"), None);
        assert_eq!(ListStyle::default(), ListStyle::Webzine);
    }

    #[test]
    fn gnuboard_skins_map_to_styles() {
        assert_eq!(
            ListStyle::from_gnuboard_skin("basic"),
            Some(ListStyle::List)
        );
        assert_eq!(
            ListStyle::from_gnuboard_skin("theme/gallery"),
            Some(ListStyle::Gallery)
        );
        assert_eq!(
            ListStyle::from_gnuboard_skin(" Webzine "),
            Some(ListStyle::Webzine)
        );
        assert_eq!(ListStyle::from_gnuboard_skin("my_custom_skin"), None);
        assert_eq!(ListStyle::from_gnuboard_skin(""), None);
    }

    #[test]
    fn home_counts_are_zero_to_twenty() {
        assert_eq!(parse_home_count("0"), Some(0));
        assert_eq!(parse_home_count(" 20 "), Some(20));
        assert_eq!(parse_home_count("5"), Some(5));
        assert_eq!(parse_home_count("21"), None);
        assert_eq!(parse_home_count("-1"), None);
        assert_eq!(parse_home_count("two"), None);
        assert_eq!(parse_home_count(""), None);
        assert_eq!(NewBoard::new("b", "B", None).home_count, DEFAULT_HOME_COUNT);
    }
}
