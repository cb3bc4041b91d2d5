//! `/sitemap.xml`: every public address of the site, for search engines. What goes in
//! follows the feeds' rule (see [`crate::feeds`]): only what an anonymous reader may see.
//!
//! Every page is listed in each UI language, and each entry names all of the page's
//! language versions with `xhtml:link rel="alternate" hreflang` (the site's default language
//! unprefixed and the `x-default`, the other under its prefix), as Google documents for
//! sitemaps: every version its own `<url>`, each listing every version including itself. The pages' own
//! `<link rel="alternate" hreflang>` come from the same function ([`language_versions`]).

use std::collections::HashMap;
use std::io;

use axum::extract::State;
use axum::response::Response;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use madang_core::{Board, ListOrder};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, Event};

use crate::AppState;
use crate::error::AppError;
use crate::feeds::{Origin, public_board, rfc3339, text, xml_chars, xml_response};
use crate::i18n::{Lang, Language};
use crate::seo::{language_versions, translated_versions};

/// URLs one sitemap file may hold (sitemaps.org protocol 0.9).
const SITEMAP_MAX_URLS: usize = 50_000;
/// Pages one sitemap file may hold: each is listed once per UI language.
const SITEMAP_MAX_PAGES: usize = SITEMAP_MAX_URLS / Language::ALL.len();
/// Posts read per query while the sitemap is built.
const SITEMAP_BATCH: u32 = 1_000;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// `/sitemap.xml`: the home page, every public board's first page, every public post and
/// every content page, each in every UI language with its last change.
pub(crate) async fn sitemap(
    State(state): State<AppState>,
    origin: Origin,
) -> Result<Response, AppError> {
    let now = Timestamp::now();
    let zone = &state.zone().await;
    let default = state.default_language().await;
    let boards = state.store().boards().await?;
    let public: Vec<&Board> = boards.iter().filter(|b| public_board(b)).collect();
    let translated = Translated::load(&state, &origin, &public, now).await?;
    // (path without the language prefix, last change)
    let mut urls: Vec<(String, Option<Timestamp>)> = vec![("/".to_owned(), None)];
    let mut site_latest: Option<Timestamp> = None;
    for board in public.iter().copied() {
        let board_at = urls.len();
        urls.push((format!("/b/{}", board.slug), None));
        let mut by_date = board.clone();
        by_date.list_order = ListOrder::DateDesc;
        by_date.page_size = SITEMAP_BATCH;
        // Addresses and dates only: no body is read.
        by_date.list_style = madang_core::ListStyle::List;
        let mut board_latest: Option<Timestamp> = None;
        let mut page_no = 1;
        'pages: loop {
            let page = state.store().board_page(&by_date, page_no, now).await?;
            let fetched = page.posts.len();
            for post in page.pinned.iter().chain(page.posts.iter()) {
                if post.secret {
                    continue;
                }
                if urls.len() >= SITEMAP_MAX_PAGES {
                    break 'pages;
                }
                board_latest = board_latest.max(Some(post.published_at));
                urls.push((
                    format!("/b/{}/{}", board.slug, post.id),
                    Some(post.published_at),
                ));
            }
            if fetched == 0 || page_no >= page.pages {
                break;
            }
            page_no += 1;
        }
        urls[board_at].1 = board_latest;
        site_latest = site_latest.max(board_latest);
        if urls.len() >= SITEMAP_MAX_PAGES {
            tracing::warn!(
                "the sitemap is full ({SITEMAP_MAX_PAGES} pages in {} languages); later posts are left out",
                Language::ALL.len()
            );
            break;
        }
    }
    urls[0].1 = site_latest;
    // Content pages, once per address (the language rows share it).
    let mut pages = state.store().page_entries().await?;
    pages.dedup_by(|a, b| a.slug == b.slug);
    for page in pages {
        if urls.len() >= SITEMAP_MAX_PAGES {
            break;
        }
        urls.push((
            format!("/pages/{}", page.slug),
            Timestamp::from_second(page.updated_at).ok(),
        ));
    }
    let xml = write_sitemap(zone, default, &origin, &urls, &translated)
        .map_err(|e| AppError::Internal(format!("writing the sitemap: {e}")))?;
    Ok(xml_response("application/xml; charset=utf-8", xml))
}

/// A page's language versions: (`hreflang`, absolute address).
type Versions = Vec<(&'static str, String)>;

/// The posts that have translations: each is listed once, at its own language's address,
/// with its translations as its language versions (rather than once per UI language with
/// the same text under each).
struct Translated {
    /// Post path without prefix → (its own address, the group's versions).
    by_path: HashMap<String, (String, Versions)>,
}

impl Translated {
    async fn load(
        state: &AppState,
        origin: &Origin,
        public: &[&Board],
        now: Timestamp,
    ) -> Result<Self, AppError> {
        let default = state.default_language().await;
        // Only translations guests may read: the sitemap is for everyone.
        let links: Vec<_> = state
            .store()
            .translation_links(now)
            .await?
            .into_iter()
            .filter(|l| public.iter().any(|b| b.slug == l.board_slug))
            .collect();
        let mut groups: HashMap<i64, Vec<(&str, String)>> = HashMap::new();
        for link in &links {
            if Language::from_code(&link.lang).is_some() {
                groups.entry(link.group_id).or_default().push((
                    link.lang.as_str(),
                    format!("/b/{}/{}", link.board_slug, link.post_id),
                ));
            }
        }
        let mut by_path = HashMap::new();
        for posts in groups.values().filter(|posts| posts.len() > 1) {
            let versions = translated_versions(default, &origin.0, posts);
            for (lang, path) in posts {
                let own = Lang::default_of(default)
                    .with_code(lang)
                    .map(|l| format!("{}{}{path}", origin.0, l.prefix()));
                if let Some(own) = own {
                    by_path.insert(path.clone(), (own, versions.clone()));
                }
            }
        }
        Ok(Translated { by_path })
    }
}

/// Writes the sitemap of `pages` (paths without the language prefix, with their last
/// change): one `<url>` per page and language, each with the page's language versions; a
/// translated post once, with its translations.
fn write_sitemap(
    zone: &TimeZone,
    default: Language,
    origin: &Origin,
    pages: &[(String, Option<Timestamp>)],
    translated: &Translated,
) -> io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("urlset")
        .with_attribute(("xmlns", SITEMAP_NS))
        .with_attribute(("xmlns:xhtml", XHTML_NS))
        .write_inner_content(|w| {
            for (path, lastmod) in pages {
                let (locs, versions) = match translated.by_path.get(path) {
                    Some((own, versions)) => (vec![own.clone()], versions.clone()),
                    None => {
                        let versions = language_versions(default, &origin.0, path);
                        // One per language; the x-default repeats one.
                        let locs = versions
                            .iter()
                            .take(Language::ALL.len())
                            .map(|(_, loc)| loc.clone())
                            .collect();
                        (locs, versions)
                    }
                };
                let lastmod = lastmod.map(|at| rfc3339(at, zone));
                for loc in &locs {
                    w.create_element("url").write_inner_content(|w| {
                        w.create_element("loc").write_text_content(text(loc))?;
                        if let Some(at) = &lastmod {
                            w.create_element("lastmod").write_text_content(text(at))?;
                        }
                        for (hreflang, href) in &versions {
                            w.create_element("xhtml:link")
                                .with_attribute(("rel", "alternate"))
                                .with_attribute(("hreflang", *hreflang))
                                .with_attribute(("href", xml_chars(href).as_ref()))
                                .write_empty()?;
                        }
                        Ok(())
                    })?;
                }
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}
