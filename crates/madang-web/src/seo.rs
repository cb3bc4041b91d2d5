//! What a page tells search engines and link previews: the canonical address, a
//! description, Open Graph and Twitter cards, the feeds, and on posts a JSON-LD
//! `NewsArticle`. The handlers put the result in the template context as `meta`; the
//! theme's `base.html` renders it in `{% block meta %}`.

use madang_core::text::{cut, decode_entities};
use madang_core::{Attachment, Board, Level, Post};
use minijinja::Value;
use serde::Serialize;

use crate::feeds::{Origin, public_board, rfc3339};
use crate::i18n::{self, Lang, Language};

/// Characters of the description (search engines show about this many).
const DESCRIPTION_CHARS: usize = 160;
/// Characters of a JSON-LD headline (schema.org's guidance for articles).
const HEADLINE_CHARS: usize = 110;

/// The `meta` a template receives.
#[derive(Debug, Clone)]
pub(crate) struct PageMeta {
    /// The page's own absolute address.
    pub canonical: String,
    pub title: String,
    pub description: String,
    /// `website` or `article`.
    pub og_type: &'static str,
    /// `en_US` or `ko_KR`.
    pub og_locale: &'static str,
    /// An absolute image address, if the page has one.
    pub image: Option<String>,
    /// `summary_large_image` with an image, else `summary`.
    pub twitter_card: &'static str,
    /// The board's RSS feed (site-relative), on a public board's pages.
    pub board_feed: Option<String>,
    /// A `NewsArticle` as JSON, safe inside `<script>` (no `<`, `>` or `&`).
    pub json_ld: Option<String>,
    /// The page's language versions when they are other pages (a post's translations);
    /// `None`: the same page in each UI language.
    pub versions: Option<Vec<(&'static str, String)>>,
    /// The page's language on this site, whose default decides the other versions' prefixes.
    lang: Lang,
}

impl PageMeta {
    fn new(canonical: String, title: String, description: String, lang: Lang) -> PageMeta {
        PageMeta {
            canonical,
            title,
            description,
            og_type: "website",
            og_locale: lang.language().og_locale(),
            image: None,
            twitter_card: "summary",
            board_feed: None,
            json_ld: None,
            versions: None,
            lang,
        }
    }

    /// The same page in each UI language, for `<link rel="alternate" hreflang>`: the site's
    /// default language unprefixed (also the `x-default`), the other under its prefix.
    fn alternates(&self) -> Vec<(&'static str, String)> {
        if let Some(versions) = &self.versions {
            return versions.clone();
        }
        let Some(scheme_end) = self.canonical.find("://") else {
            return Vec::new();
        };
        let path_start = self.canonical[scheme_end + 3..]
            .find('/')
            .map(|i| i + scheme_end + 3)
            .unwrap_or(self.canonical.len());
        let (origin, path) = self.canonical.split_at(path_start);
        // The canonical address is this page's language's; take its prefix off.
        let plain = match path.strip_prefix(self.lang.prefix()) {
            Some("") => "/",
            Some(rest) if rest.starts_with('/') => rest,
            _ => {
                if path.is_empty() {
                    "/"
                } else {
                    path
                }
            }
        };
        language_versions(self.lang.site_default(), origin, plain)
    }

    /// The value for the template; the JSON-LD goes in as is (it is escaped for
    /// `<script>` already), everything else is escaped by the template.
    fn into_value(self) -> Value {
        let alternates: Vec<Value> = self
            .alternates()
            .into_iter()
            .map(|(lang, href)| minijinja::context! { lang => lang, href => href })
            .collect();
        minijinja::context! {
            alternates => alternates,
            canonical => self.canonical,
            title => self.title,
            description => self.description,
            og_type => self.og_type,
            og_locale => self.og_locale,
            image => self.image,
            twitter_card => self.twitter_card,
            board_feed => self.board_feed,
            json_ld => self.json_ld.map(Value::from_safe_string),
        }
    }
}

/// The addresses of one page in each UI language of a site whose default is `default`, for
/// `hreflang` on pages and in the sitemap: each language under its prefix (the default
/// first, unprefixed), then the `x-default`, the default language's. `path` has no language
/// prefix.
pub(crate) fn language_versions(
    default: Language,
    origin: &str,
    path: &str,
) -> Vec<(&'static str, String)> {
    let url = |lang: Lang| format!("{origin}{}{path}", lang.prefix());
    let mut versions: Vec<(&'static str, String)> = Lang::all(default)
        .iter()
        .map(|l| (l.code(), url(*l)))
        .collect();
    versions.push(("x-default", url(Lang::default_of(default))));
    versions
}

/// The language versions of a translated post, for `hreflang` on its page and in the
/// sitemap: each post (language, path without prefix) under its own language's prefix, in
/// the site's language order (its `default` first), then the `x-default`: the default
/// language's post, else the first. Posts in languages the site has no UI for are left out.
pub(crate) fn translated_versions(
    default: Language,
    origin: &str,
    posts: &[(&str, String)],
) -> Vec<(&'static str, String)> {
    let mut versions: Vec<(&'static str, String)> = Lang::all(default)
        .iter()
        .filter_map(|l| {
            posts
                .iter()
                .find(|(code, _)| *code == l.code())
                .map(|(_, path)| (l.code(), format!("{origin}{}{path}", l.prefix())))
        })
        .collect();
    if let Some((_, first)) = versions.first() {
        let default = first.clone();
        versions.push(("x-default", default));
    }
    versions
}

/// The home page's meta.
pub(crate) fn home_meta(origin: &Origin, lang: Lang, site_name: &str) -> Value {
    PageMeta::new(
        origin.url(&format!("{}/", lang.prefix())),
        site_name.to_owned(),
        i18n::text_with(
            lang,
            "meta-home-description",
            &[("name", site_name.to_owned().into())],
        ),
        lang,
    )
    .into_value()
}

/// A content page's meta: its description is the start of its text.
pub(crate) fn page_meta(origin: &Origin, lang: Lang, page: &madang_core::page::Page) -> Value {
    let text = madang_core::text::plain_text(&page.body_html);
    let mut meta = PageMeta::new(
        origin.url(&format!("{}/pages/{}", lang.prefix(), page.slug)),
        page.title.clone(),
        madang_core::text::cut(&text, DESCRIPTION_CHARS),
        lang,
    );
    meta.image = first_body_image(&page.body_html).and_then(|src| absolute(origin, &src));
    meta.into_value()
}

/// A board list page's meta; pages after the first are their own canonical address.
pub(crate) fn board_meta(
    origin: &Origin,
    lang: Lang,
    board: &Board,
    page: u32,
    category: Option<&str>,
) -> Value {
    let path = format!("{}/b/{}", lang.prefix(), board.slug);
    // A list of one category is its own page (the filter kept, as its page links keep it).
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(category) = category {
        query.append_pair("category", category);
    }
    if page > 1 {
        query.append_pair("page", &page.to_string());
    }
    let query = query.finish();
    let canonical = if query.is_empty() {
        origin.url(&path)
    } else {
        origin.url(&format!("{path}?{query}"))
    };
    let mut meta = PageMeta::new(
        canonical,
        board.title.clone(),
        i18n::text_with(
            lang,
            "feed-board-description",
            &[("name", board.title.clone().into())],
        ),
        lang,
    );
    meta.board_feed = public_board(board).then(|| format!("{path}/feed.xml"));
    meta.into_value()
}

/// A post page's meta, with its JSON-LD `NewsArticle`. The attachments give an image when
/// the body has none; `versions` are the post's translations' addresses (see
/// [`translated_versions`]), which replace the same page's UI-language versions.
#[allow(clippy::too_many_arguments)]
pub(crate) fn post_meta(
    origin: &Origin,
    lang: Lang,
    site_name: &str,
    board: &Board,
    post: &Post,
    attachments: &[Attachment],
    versions: Option<Vec<(&'static str, String)>>,
    zone: &jiff::tz::TimeZone,
) -> Value {
    let board_path = format!("{}/b/{}", lang.prefix(), board.slug);
    // A translated post shown under the other language's menus names its own language's
    // address as canonical: that is the address its `hreflang` versions (and its
    // translations' pages) give for it.
    let own = versions
        .as_ref()
        .and(post.lang.as_deref())
        .and_then(|code| lang.with_code(code))
        .unwrap_or(lang);
    let canonical = origin.url(&format!("{}/b/{}/{}", own.prefix(), board.slug, post.id));
    // A secret post's words stay off link previews even for those allowed to see it.
    let description = if post.secret {
        String::new()
    } else {
        cut(&post.body_text, DESCRIPTION_CHARS)
    };
    let mut meta = PageMeta::new(canonical.clone(), post.title.clone(), description, lang);
    meta.og_type = "article";
    meta.board_feed = public_board(board).then(|| format!("{board_path}/feed.xml"));
    if !post.secret {
        meta.image = first_body_image(&post.body_html)
            .and_then(|src| absolute(origin, &src))
            .or_else(|| {
                (board.levels.download == Level::GUEST && public_board(board))
                    .then(|| {
                        attachments
                            .iter()
                            .find(|a| a.mime.starts_with("image/") && a.mime != "image/svg+xml")
                    })
                    .flatten()
                    .map(|a| origin.url(&format!("/b/{}/{}/files/{}", board.slug, post.id, a.id)))
            });
    }
    if meta.image.is_some() {
        meta.twitter_card = "summary_large_image";
    }
    let article = NewsArticle {
        context: "https://schema.org",
        kind: "NewsArticle",
        headline: cut(&post.title, HEADLINE_CHARS),
        description: (!meta.description.is_empty()).then(|| meta.description.clone()),
        url: canonical.clone(),
        main_entity_of_page: canonical,
        date_published: rfc3339(post.published_at, zone),
        date_modified: rfc3339(post.updated_at.max(post.published_at), zone),
        author: Named {
            kind: "Person",
            name: post.author_name.clone(),
        },
        publisher: Named {
            kind: "Organization",
            name: site_name.to_owned(),
        },
        image: meta.image.clone().into_iter().collect(),
        in_language: post.lang.clone().filter(|l| !l.is_empty()),
        article_section: board.title.clone(),
    };
    meta.json_ld = serde_json::to_string(&article)
        .ok()
        .map(|j| script_safe_json(&j));
    meta.versions = versions;
    meta.into_value()
}

#[derive(Serialize)]
struct NewsArticle {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    headline: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    url: String,
    #[serde(rename = "mainEntityOfPage")]
    main_entity_of_page: String,
    #[serde(rename = "datePublished")]
    date_published: String,
    #[serde(rename = "dateModified")]
    date_modified: String,
    author: Named,
    publisher: Named,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    image: Vec<String>,
    #[serde(rename = "inLanguage", skip_serializing_if = "Option::is_none")]
    in_language: Option<String>,
    #[serde(rename = "articleSection")]
    article_section: String,
}

#[derive(Serialize)]
struct Named {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: String,
}

/// JSON that may sit inside `<script>`: `<`, `>` and `&` (and the line separators some
/// parsers trip on) as `\u` escapes, so `</script>` or `<!--` can never appear. They can
/// only occur inside JSON strings, where the escapes mean the same characters.
pub(crate) fn script_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The `src` of the first `<img>` in sanitised HTML (ammonia writes lower-case tags and
/// double-quoted attributes), entities decoded.
pub(crate) fn first_body_image(html: &str) -> Option<String> {
    let mut rest = html;
    while let Some(start) = rest.find("<img") {
        let tag_and_after = &rest[start + 4..];
        let end = tag_and_after.find('>').unwrap_or(tag_and_after.len());
        let tag = &tag_and_after[..end];
        if let Some(src_at) = tag.find(" src=\"") {
            let value = &tag[src_at + 6..];
            if let Some(close) = value.find('"') {
                let src = decode_entities(&value[..close]);
                if !src.trim().is_empty() {
                    return Some(src.trim().to_owned());
                }
            }
        }
        rest = &tag_and_after[end..];
    }
    None
}

/// An image address as an absolute http(s) URL: site paths get the origin; other schemes
/// (data:, javascript:) and relative paths are left out.
fn absolute(origin: &Origin, src: &str) -> Option<String> {
    let lower = src.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        Some(src.to_owned())
    } else if let Some(rest) = src.strip_prefix("//") {
        (!rest.is_empty()).then(|| format!("https://{rest}"))
    } else if src.starts_with('/') {
        Some(origin.url(src))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_cannot_close_its_script() {
        let json = serde_json::to_string(&serde_json::json!({
            "headline": "</script><script>alert(1)</script> & <!--"
        }))
        .unwrap();
        let safe = script_safe_json(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(
            back["headline"],
            "</script><script>alert(1)</script> & <!--"
        );
    }

    #[test]
    fn first_images() {
        assert_eq!(
            first_body_image(
                r#"<p>x</p><img alt="a" src="/files/legacy/a.jpg?x=1&amp;y=2"><img src="/b.png">"#
            ),
            Some("/files/legacy/a.jpg?x=1&y=2".into())
        );
        assert_eq!(first_body_image("<p>no image</p>"), None);
        assert_eq!(first_body_image(r#"<img alt="x">"#), None);
        let origin = Origin("https://nkhr.example".into());
        assert_eq!(
            absolute(&origin, "/files/a.jpg").as_deref(),
            Some("https://nkhr.example/files/a.jpg")
        );
        assert_eq!(absolute(&origin, "data:image/png;base64,xx"), None);
        assert_eq!(absolute(&origin, "javascript:alert(1)"), None);
        assert_eq!(
            absolute(&origin, "//cdn.example/a.png").as_deref(),
            Some("https://cdn.example/a.png")
        );
    }
}
