//! Domain types shared by the store, the web layer and the importer.

use jiff::Timestamp;
use serde::Serialize;

use crate::copy_line::Transfer;

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
    pub levels: BoardLevels,
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
    pub levels: BoardLevels,
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
            levels: BoardLevels::default(),
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

/// A post body as typed: HTML from the editor or plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostBody {
    Html(String),
    Text(String),
}

impl PostBody {
    /// The body as sanitised HTML.
    pub fn to_safe_html(&self) -> String {
        match self {
            PostBody::Html(html) => crate::html::sanitize(html),
            PostBody::Text(text) => crate::html::text_to_html(text),
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
