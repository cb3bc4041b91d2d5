//! Feeds (RSS 2.0 and Atom, per board and for the site) and `robots.txt`; `sitemap.xml` is
//! in [`crate::sitemap`].
//!
//! Only what an anonymous reader may see goes out: boards a guest may list and read, and on
//! them published, not deleted, not secret posts whose time has come. Every address is
//! absolute, built from the site's public base URL ([`Origin`]). XML is written with
//! `quick-xml`'s writer, which escapes text and attribute values; characters XML 1.0
//! forbids (control characters an old import may carry) are dropped first.
//!
//! Items carry the post's plain-text excerpt, not its HTML: a feed is a pointer to the
//! site, plain text cannot carry markup that a reader might run, and bodies (imported ones
//! above all) hold site-relative addresses (`/files/legacy/…`) that feed readers resolve
//! inconsistently.

use std::borrow::Cow;
use std::io;

use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, http::StatusCode};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use madang_core::text::cut;
use madang_core::{Attachment, Board, Level, ListOrder, PostSummary};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::AppState;
use crate::error::AppError;
use crate::extract::PathParts;
use crate::i18n::{self, Lang};

/// Items in a feed.
pub(crate) const FEED_ITEMS: usize = 20;
/// Characters of plain text in an item's description.
const FEED_EXCERPT: usize = 500;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";

/// The site's public base URL without a trailing slash (`https://nkhr.example`): the
/// configured `base_url`, else `http://` and the request's `Host` when it is a plain host
/// name or address, else `http://127.0.0.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin(pub String);

impl Origin {
    /// The origin for a request's headers and the site's configured base URL.
    pub(crate) fn resolve(base_url: Option<&str>, host: Option<&str>) -> Origin {
        if let Some(base) = base_url.map(str::trim).filter(|b| !b.is_empty()) {
            return Origin(base.trim_end_matches('/').to_owned());
        }
        match host.filter(|h| valid_host(h)) {
            Some(host) => Origin(format!("http://{host}")),
            None => Origin("http://127.0.0.1".to_owned()),
        }
    }

    /// An absolute URL for a site path (`/b/news/3`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl FromRequestParts<AppState> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()));
        Ok(Origin::resolve(state.config().base_url.as_deref(), host))
    }
}

/// A `Host` header we are willing to repeat in a URL: letters, digits, `.`, `-` and `:`
/// (a port), or `[…]` around an IPv6 address.
fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && !host.starts_with(['.', '-', ':'])
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        && (!host.contains(['[', ']'])
            || (host.starts_with('[')
                && host.matches('[').count() == 1
                && host.matches(']').count() == 1))
}

/// Whether anyone, signed in or not, may list and read a board.
pub(crate) fn public_board(board: &Board) -> bool {
    board.levels.list == Level::GUEST && board.levels.read == Level::GUEST
}

/// A board's newest public posts (pinned ones included, by their date), newest first.
async fn newest_posts(
    state: &AppState,
    board: &Board,
    limit: usize,
    now: Timestamp,
) -> Result<Vec<PostSummary>, AppError> {
    // The same query as the list, ordered by date whatever the board's own order.
    let mut by_date = board.clone();
    by_date.list_order = ListOrder::DateDesc;
    by_date.page_size = limit.max(1) as u32;
    // Feeds cut their own, longer excerpts: the whole text, whatever the board shows.
    by_date.list_style = madang_core::ListStyle::Webzine;
    by_date.excerpt_len = FEED_EXCERPT as u32;
    let mut posts: Vec<PostSummary> = Vec::new();
    let mut unpinned = 0;
    let mut page_no = 1;
    loop {
        let page = state.store().board_page(&by_date, page_no, now).await?;
        let fetched = page.posts.len();
        for post in page.pinned.into_iter().chain(page.posts) {
            if post.secret {
                continue;
            }
            if !post.pinned {
                unpinned += 1;
            }
            posts.push(post);
        }
        if unpinned >= limit || fetched == 0 || page_no >= page.pages {
            break;
        }
        page_no += 1;
    }
    posts.sort_by_key(|p| std::cmp::Reverse((p.published_at, p.id)));
    posts.truncate(limit);
    Ok(posts)
}

/// One post in a feed, with its board and attachments.
struct FeedItem {
    board: Board,
    post: PostSummary,
    attachments: Vec<Attachment>,
}

/// What a feed is about: one board or the whole site.
struct FeedHead {
    title: String,
    description: String,
    /// The page the feed follows (absolute).
    link: String,
    /// The feed's own address (absolute).
    self_url: String,
}

async fn site_name(state: &AppState) -> String {
    state
        .store()
        .setting(crate::views::SITE_NAME)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| "Madang".into())
}

async fn feed_items(
    state: &AppState,
    boards: &[Board],
    now: Timestamp,
) -> Result<Vec<FeedItem>, AppError> {
    let mut all: Vec<(Board, PostSummary)> = Vec::new();
    for board in boards.iter().filter(|b| public_board(b)) {
        for post in newest_posts(state, board, FEED_ITEMS, now).await? {
            all.push((board.clone(), post));
        }
    }
    all.sort_by_key(|(_, p)| std::cmp::Reverse((p.published_at, p.id)));
    all.truncate(FEED_ITEMS);
    let mut items = Vec::with_capacity(all.len());
    for (board, post) in all {
        // Enclosures only where a guest may download: a feed reader is a guest.
        let attachments = if board.levels.download == Level::GUEST && post.attachment_count > 0 {
            state.store().attachments(post.id).await?
        } else {
            Vec::new()
        };
        items.push(FeedItem {
            board,
            post,
            attachments,
        });
    }
    Ok(items)
}

#[derive(Clone, Copy)]
enum FeedKind {
    Rss,
    Atom,
}

impl FeedKind {
    fn file(self) -> &'static str {
        match self {
            FeedKind::Rss => "feed.xml",
            FeedKind::Atom => "atom.xml",
        }
    }
}

async fn site_feed(
    state: AppState,
    lang: Lang,
    origin: Origin,
    kind: FeedKind,
) -> Result<Response, AppError> {
    // Titled in the feed's language: items name their board (category) so.
    let shell = state.shell().await;
    let boards: Vec<Board> = state
        .store()
        .boards()
        .await?
        .iter()
        .map(|b| shell.localized(b, lang))
        .collect();
    let items = feed_items(&state, &boards, Timestamp::now()).await?;
    let name = site_name(&state).await;
    let prefix = lang.prefix();
    let head = FeedHead {
        description: i18n::text_with(
            lang,
            "feed-site-description",
            &[("name", name.clone().into())],
        ),
        title: name,
        link: origin.url(&format!("{prefix}/")),
        self_url: origin.url(&format!("{prefix}/{}", kind.file())),
    };
    let zone = state.zone().await;
    render_feed(lang, &origin, kind, &head, &items, &zone)
}

async fn board_feed(
    state: AppState,
    lang: Lang,
    origin: Origin,
    slug: String,
    kind: FeedKind,
) -> Result<Response, AppError> {
    let board = state
        .store()
        .board(&slug)
        .await?
        .filter(public_board)
        .ok_or(AppError::NotFound)?;
    let board = state.shell().await.localized(&board, lang);
    let items = feed_items(&state, std::slice::from_ref(&board), Timestamp::now()).await?;
    let name = site_name(&state).await;
    let prefix = lang.prefix();
    let head = FeedHead {
        title: format!("{} – {name}", board.title),
        description: i18n::text_with(
            lang,
            "feed-board-description",
            &[("name", board.title.clone().into())],
        ),
        link: origin.url(&format!("{prefix}/b/{}", board.slug)),
        self_url: origin.url(&format!("{prefix}/b/{}/{}", board.slug, kind.file())),
    };
    let zone = state.zone().await;
    render_feed(lang, &origin, kind, &head, &items, &zone)
}

fn render_feed(
    lang: Lang,
    origin: &Origin,
    kind: FeedKind,
    head: &FeedHead,
    items: &[FeedItem],
    zone: &jiff::tz::TimeZone,
) -> Result<Response, AppError> {
    let xml = match kind {
        FeedKind::Rss => write_rss(zone, lang, origin, head, items),
        FeedKind::Atom => write_atom(zone, lang, origin, head, items),
    }
    .map_err(|e| AppError::Internal(format!("writing a feed: {e}")))?;
    let content_type = match kind {
        FeedKind::Rss => "application/rss+xml; charset=utf-8",
        FeedKind::Atom => "application/atom+xml; charset=utf-8",
    };
    Ok(xml_response(content_type, xml))
}

pub(crate) fn xml_response(content_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// Drops the characters XML 1.0 does not allow (C0 controls but tab and line ends,
/// U+FFFE, U+FFFF).
pub(crate) fn xml_chars(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    };
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|c| allowed(*c)).collect())
    }
}

/// Text content, escaped by quick-xml after illegal characters are dropped.
pub(crate) fn text(value: &str) -> BytesText<'static> {
    BytesText::new(&xml_chars(value)).into_owned()
}

/// RFC 822 (RFC 2822) date in the site's zone: `Fri, 20 Jan 2012 10:00:00 +0900`.
pub(crate) fn rfc822(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%a, %d %b %Y %H:%M:%S %z")
        .to_string()
}

/// RFC 3339 (W3C datetime) in the site's zone: `2012-01-20T10:00:00+09:00`.
pub(crate) fn rfc3339(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn post_url(origin: &Origin, lang: Lang, board: &Board, post_id: i64) -> String {
    origin.url(&format!("{}/b/{}/{post_id}", lang.prefix(), board.slug))
}

fn file_url(origin: &Origin, board: &Board, post_id: i64, file_id: i64) -> String {
    origin.url(&format!("/b/{}/{post_id}/files/{file_id}", board.slug))
}

fn excerpt(post: &PostSummary) -> String {
    cut(&post.body_text, FEED_EXCERPT)
}

fn write_rss(
    zone: &TimeZone,
    lang: Lang,
    origin: &Origin,
    head: &FeedHead,
    items: &[FeedItem],
) -> io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("rss")
        .with_attribute(("version", "2.0"))
        .with_attribute(("xmlns:atom", ATOM_NS))
        .with_attribute(("xmlns:dc", DC_NS))
        .write_inner_content(|w| {
            w.create_element("channel").write_inner_content(|w| {
                w.create_element("title")
                    .write_text_content(text(&head.title))?;
                w.create_element("link")
                    .write_text_content(text(&head.link))?;
                w.create_element("description")
                    .write_text_content(text(&head.description))?;
                w.create_element("language")
                    .write_text_content(text(lang.code()))?;
                w.create_element("atom:link")
                    .with_attribute(("href", xml_chars(&head.self_url).as_ref()))
                    .with_attribute(("rel", "self"))
                    .with_attribute(("type", "application/rss+xml"))
                    .write_empty()?;
                w.create_element("generator")
                    .write_text_content(text("Madang"))?;
                if let Some(newest) = items.first() {
                    w.create_element("lastBuildDate")
                        .write_text_content(text(&rfc822(newest.post.published_at, zone)))?;
                }
                for item in items {
                    let link = post_url(origin, lang, &item.board, item.post.id);
                    w.create_element("item").write_inner_content(|w| {
                        w.create_element("title")
                            .write_text_content(text(&item.post.title))?;
                        w.create_element("link").write_text_content(text(&link))?;
                        w.create_element("guid")
                            .with_attribute(("isPermaLink", "true"))
                            .write_text_content(text(&link))?;
                        w.create_element("description")
                            .write_text_content(text(&excerpt(&item.post)))?;
                        w.create_element("dc:creator")
                            .write_text_content(text(&item.post.author_name))?;
                        w.create_element("category")
                            .write_text_content(text(&item.board.title))?;
                        w.create_element("pubDate")
                            .write_text_content(text(&rfc822(item.post.published_at, zone)))?;
                        for a in &item.attachments {
                            let url = file_url(origin, &item.board, item.post.id, a.id);
                            w.create_element("enclosure")
                                .with_attribute(("url", xml_chars(&url).as_ref()))
                                .with_attribute(("length", a.size.max(0).to_string().as_str()))
                                .with_attribute(("type", xml_chars(&a.mime).as_ref()))
                                .write_empty()?;
                        }
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn write_atom(
    zone: &TimeZone,
    lang: Lang,
    origin: &Origin,
    head: &FeedHead,
    items: &[FeedItem],
) -> io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    // A feed without posts is as old as the epoch rather than "now", so it never changes
    // while nothing happens.
    let updated = items
        .first()
        .map(|i| i.post.published_at)
        .unwrap_or(Timestamp::UNIX_EPOCH);
    w.create_element("feed")
        .with_attribute(("xmlns", ATOM_NS))
        .with_attribute(("xml:lang", lang.code()))
        .write_inner_content(|w| {
            w.create_element("id")
                .write_text_content(text(&head.self_url))?;
            w.create_element("title")
                .with_attribute(("type", "text"))
                .write_text_content(text(&head.title))?;
            w.create_element("subtitle")
                .with_attribute(("type", "text"))
                .write_text_content(text(&head.description))?;
            w.create_element("updated")
                .write_text_content(text(&rfc3339(updated, zone)))?;
            w.create_element("link")
                .with_attribute(("rel", "self"))
                .with_attribute(("type", "application/atom+xml"))
                .with_attribute(("href", xml_chars(&head.self_url).as_ref()))
                .write_empty()?;
            w.create_element("link")
                .with_attribute(("rel", "alternate"))
                .with_attribute(("type", "text/html"))
                .with_attribute(("href", xml_chars(&head.link).as_ref()))
                .write_empty()?;
            w.create_element("generator")
                .write_text_content(text("Madang"))?;
            for item in items {
                let link = post_url(origin, lang, &item.board, item.post.id);
                let published = rfc3339(item.post.published_at, zone);
                w.create_element("entry").write_inner_content(|w| {
                    w.create_element("id").write_text_content(text(&link))?;
                    w.create_element("title")
                        .with_attribute(("type", "text"))
                        .write_text_content(text(&item.post.title))?;
                    w.create_element("link")
                        .with_attribute(("rel", "alternate"))
                        .with_attribute(("type", "text/html"))
                        .with_attribute(("href", xml_chars(&link).as_ref()))
                        .write_empty()?;
                    for a in &item.attachments {
                        let url = file_url(origin, &item.board, item.post.id, a.id);
                        w.create_element("link")
                            .with_attribute(("rel", "enclosure"))
                            .with_attribute(("href", xml_chars(&url).as_ref()))
                            .with_attribute(("type", xml_chars(&a.mime).as_ref()))
                            .with_attribute(("length", a.size.max(0).to_string().as_str()))
                            .with_attribute(("title", xml_chars(&a.name).as_ref()))
                            .write_empty()?;
                    }
                    w.create_element("published")
                        .write_text_content(text(&published))?;
                    // The list does not carry the edit time; the publication time is the
                    // last change a reader of the list was told of.
                    w.create_element("updated")
                        .write_text_content(text(&published))?;
                    w.create_element("author").write_inner_content(|w| {
                        w.create_element("name")
                            .write_text_content(text(&item.post.author_name))?;
                        Ok(())
                    })?;
                    w.create_element("category")
                        .with_attribute(("term", xml_chars(&item.board.slug).as_ref()))
                        .with_attribute(("label", xml_chars(&item.board.title).as_ref()))
                        .write_empty()?;
                    w.create_element("summary")
                        .with_attribute(("type", "text"))
                        .write_text_content(text(&excerpt(&item.post)))?;
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}

/// `/feed.xml`: the site's RSS 2.0 feed.
pub(crate) async fn site_rss(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    origin: Origin,
) -> Result<Response, AppError> {
    site_feed(state, lang, origin, FeedKind::Rss).await
}

/// `/atom.xml`: the site's Atom feed.
pub(crate) async fn site_atom(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    origin: Origin,
) -> Result<Response, AppError> {
    site_feed(state, lang, origin, FeedKind::Atom).await
}

/// `/b/{slug}/feed.xml`: a public board's RSS 2.0 feed.
pub(crate) async fn board_rss(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    origin: Origin,
    PathParts(slug): PathParts<String>,
) -> Result<Response, AppError> {
    board_feed(state, lang, origin, slug, FeedKind::Rss).await
}

/// `/b/{slug}/atom.xml`: a public board's Atom feed.
pub(crate) async fn board_atom(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    origin: Origin,
    PathParts(slug): PathParts<String>,
) -> Result<Response, AppError> {
    board_feed(state, lang, origin, slug, FeedKind::Atom).await
}

/// GnuBoard5's `/bbs/rss.php?bo_table=X`: an imported site's recorded address first, else
/// the board of that slug; either way, permanently to the board's RSS feed.
pub(crate) async fn legacy_rss(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> Result<Response, AppError> {
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    // The importer records `/bbs/rss.php?bo_table=X` → `/b/{slug}` (the board's page).
    let recorded = state
        .store()
        .legacy_redirect(path_and_query)
        .await?
        .filter(|t| t.starts_with("/b/") && !t.starts_with("//"))
        .and_then(|t| {
            let slug = t.strip_prefix("/b/")?.trim_end_matches('/');
            (!slug.is_empty() && !slug.contains('/')).then(|| slug.to_owned())
        });
    let slug = match recorded {
        Some(slug) => slug,
        None => form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
            .find(|(k, _)| k == "bo_table")
            .map(|(_, v)| v.into_owned())
            .ok_or(AppError::NotFound)?,
    };
    let board = state
        .store()
        .board(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let target = format!("{}/b/{}/feed.xml", lang.prefix(), board.slug);
    crate::public::moved_permanently(&axum::http::Method::GET, &target)
}

/// Addresses crawlers may not visit (forms, staff pages, search), without language prefix.
const ROBOTS_DISALLOWED: [&str; 7] = [
    "/login",
    "/setup/",
    "/admin/",
    "/search",
    "/b/*/write",
    "/b/*/*/edit",
    "/b/*/*/transfer",
];

/// `/robots.txt`: everything public may be crawled; forms, staff pages and search may not,
/// in any UI language (each under its prefix, the default unprefixed).
pub(crate) async fn robots(State(state): State<AppState>, origin: Origin) -> Response {
    let mut body = String::from("User-agent: *\nAllow: /\n");
    for lang in Lang::all(state.default_language().await) {
        for path in ROBOTS_DISALLOWED {
            body.push_str(&format!("Disallow: {}{path}\n", lang.prefix()));
        }
    }
    body.push_str(&format!("\nSitemap: {}\n", origin.url("/sitemap.xml")));
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let o = |base: Option<&str>, host: Option<&str>| Origin::resolve(base, host).0;
        assert_eq!(
            o(Some("https://nkhr.example/"), Some("evil.example")),
            "https://nkhr.example"
        );
        assert_eq!(o(None, Some("localhost:8080")), "http://localhost:8080");
        assert_eq!(o(None, Some("[::1]:8080")), "http://[::1]:8080");
        assert_eq!(o(None, Some("127.0.0.1")), "http://127.0.0.1");
        for bad in [
            "evil.example/path",
            "a b",
            "evil\"><script>",
            "user@host",
            "",
            "ex]ample[",
            "[::1]]",
        ] {
            assert_eq!(o(None, Some(bad)), "http://127.0.0.1", "{bad}");
        }
        assert_eq!(o(None, None), "http://127.0.0.1");
    }

    #[test]
    fn xml_forbidden_characters_are_dropped() {
        assert_eq!(xml_chars("a\u{0}b\u{b}c\td\n\u{FFFE}"), "abc\td\n");
        assert!(matches!(xml_chars("북한인권 <ok>"), Cow::Borrowed(_)));
    }

    #[test]
    fn dates() {
        let at: Timestamp = "2012-01-20T01:00:00Z".parse().unwrap();
        let seoul = TimeZone::get("Asia/Seoul").unwrap();
        assert_eq!(rfc822(at, &seoul), "Fri, 20 Jan 2012 10:00:00 +0900");
        assert_eq!(rfc3339(at, &seoul), "2012-01-20T10:00:00+09:00");
        assert_eq!(rfc3339(at, &TimeZone::UTC), "2012-01-20T01:00:00+00:00");
    }
}
