//! Feeds, sitemap, robots.txt and the meta of pages: only public posts go out, every
//! address is absolute, attachments are enclosures, and the post page's JSON-LD is data
//! that can never close its `<script>`.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TestSite;
use jiff::{SignedDuration, Timestamp};
use madang::demo::{ADVOCACY, NEWS, PDF_NAME};
use madang_core::{Level, NewBoard, NewPost, PostBody};
use madang_store::ActorRef;
use quick_xml::Reader;
use quick_xml::events::Event;

const HOST: &str = "nkhr.example";
const ORIGIN: &str = "http://nkhr.example";

/// Titles that must never be in a feed or the sitemap.
const HIDDEN: [&str; 4] = [
    "SECRET-POST",
    "MEMBERS-ONLY-POST",
    "SCHEDULED-POST",
    "DELETED-POST",
];

/// One element of a parsed XML document: its path of names, attributes and text.
#[derive(Debug, Clone)]
struct Node {
    path: String,
    attrs: Vec<(String, String)>,
    text: String,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses XML strictly with quick-xml into a flat list of elements; panics on any error.
fn parse(xml: &str) -> Vec<Node> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<String> = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let attrs_of = |e: &quick_xml::events::BytesStart| -> Vec<(String, String)> {
        e.attributes()
            .map(|a| {
                let a = a.expect("well-formed attribute");
                (
                    String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                    a.unescape_value().expect("attribute value").into_owned(),
                )
            })
            .collect()
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                stack.push(String::from_utf8(e.name().as_ref().to_vec()).unwrap());
                nodes.push(Node {
                    path: stack.join("/"),
                    attrs: attrs_of(&e),
                    text: String::new(),
                });
                open.push(nodes.len() - 1);
            }
            Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                nodes.push(Node {
                    path: format!("{}/{name}", stack.join("/")),
                    attrs: attrs_of(&e),
                    text: String::new(),
                });
            }
            Event::Text(t) => {
                if let Some(&i) = open.last() {
                    nodes[i].text.push_str(&t.decode().expect("text"));
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().expect("character reference") {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().expect("entity name");
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .unwrap_or_else(|| panic!("unknown entity {name}"))
                            .to_owned()
                    }
                };
                if let Some(&i) = open.last() {
                    nodes[i].text.push_str(&resolved);
                }
            }
            Event::CData(t) => {
                if let Some(&i) = open.last() {
                    nodes[i].text.push_str(std::str::from_utf8(&t).unwrap());
                }
            }
            Event::End(_) => {
                stack.pop();
                open.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed elements");
    nodes
}

fn texts<'a>(nodes: &'a [Node], path: &str) -> Vec<&'a str> {
    nodes
        .iter()
        .filter(|n| n.path == path)
        .map(|n| n.text.as_str())
        .collect()
}

async fn get_with_host(site: &TestSite, path: &str) -> common::Page {
    site.send(
        Request::get(path)
            .header("host", HOST)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn new_post(title: &str, secret: bool, at: Timestamp) -> NewPost {
    NewPost {
        title: title.to_owned(),
        body: PostBody::Html(format!("<p>{title} body</p>")),
        author_id: None,
        author_name: "tester".into(),
        lang: Some("en".into()),
        pinned: false,
        secret,
        published_at: at,
        links: Vec::new(),
    }
}

/// The demo plus posts no feed may show: secret, on a members-only board, scheduled for
/// tomorrow, deleted.
async fn site_with_hidden_posts() -> TestSite {
    let site = TestSite::demo().await;
    let store = site.store();
    let now = Timestamp::now();
    let news = store.board(NEWS).await.unwrap().unwrap();
    store
        .create_post(news.id, &new_post("SECRET-POST", true, now), now)
        .await
        .unwrap();
    let tomorrow = now + SignedDuration::from_hours(24);
    store
        .create_post(news.id, &new_post("SCHEDULED-POST", false, tomorrow), now)
        .await
        .unwrap();
    let deleted = store
        .create_post(news.id, &new_post("DELETED-POST", false, now), now)
        .await
        .unwrap();
    store
        .delete_post(
            deleted,
            ActorRef {
                id: None,
                name: "tester",
                ip: "",
            },
            now,
        )
        .await
        .unwrap();
    let mut members = NewBoard::new("members", "Members", None);
    members.levels.read = Level::MEMBER;
    let members = store.create_board(&members, now).await.unwrap();
    store
        .create_post(members.id, &new_post("MEMBERS-ONLY-POST", false, now), now)
        .await
        .unwrap();
    site
}

fn assert_nothing_hidden(text: &str) {
    for hidden in HIDDEN {
        assert!(!text.contains(hidden), "{hidden} leaked");
    }
    assert!(!text.contains("/b/members"), "the members board leaked");
}

#[tokio::test]
async fn rss_feeds_carry_public_posts_with_enclosures() {
    let site = site_with_hidden_posts().await;
    let page = get_with_host(&site, "/feed.xml").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("content-type")
            .starts_with("application/rss+xml")
    );
    let xml = page.text();
    assert_nothing_hidden(&xml);
    let nodes = parse(&xml);
    let rss = nodes.iter().find(|n| n.path == "rss").unwrap();
    assert_eq!(rss.attr("version"), Some("2.0"));
    assert_eq!(texts(&nodes, "rss/channel/link"), [format!("{ORIGIN}/")]);
    let titles = texts(&nodes, "rss/channel/item/title");
    assert!(!titles.is_empty() && titles.len() <= 20);
    assert!(titles.contains(&"NKHR Advocacy to Establish COI for DPRK"));
    for link in texts(&nodes, "rss/channel/item/link") {
        assert!(link.starts_with(&format!("{ORIGIN}/b/")), "{link}");
    }
    // Newest first, dates in RFC 822.
    let dates: Vec<Timestamp> = texts(&nodes, "rss/channel/item/pubDate")
        .iter()
        .map(|d| {
            jiff::fmt::rfc2822::parse(d)
                .unwrap_or_else(|e| panic!("{d}: {e}"))
                .timestamp()
        })
        .collect();
    assert_eq!(dates.len(), titles.len());
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    // The demo's PDF as an enclosure, with its size and type.
    let enclosures: Vec<&Node> = nodes
        .iter()
        .filter(|n| n.path == "rss/channel/item/enclosure")
        .collect();
    assert_eq!(enclosures.len(), 1);
    let pdf = enclosures[0];
    assert!(
        pdf.attr("url")
            .unwrap()
            .starts_with(&format!("{ORIGIN}/b/{ADVOCACY}/"))
    );
    assert_eq!(pdf.attr("type"), Some("application/pdf"));
    let length: u64 = pdf.attr("length").unwrap().parse().unwrap();
    assert!(length > 100);
    let download = site
        .get(pdf.attr("url").unwrap().strip_prefix(ORIGIN).unwrap())
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body.len() as u64, length);
    for description in texts(&nodes, "rss/channel/item/description") {
        assert!(!description.contains('<'), "plain text: {description}");
    }

    // A board's feed holds only that board; the Korean UI's links keep their prefix.
    let board = parse(
        &get_with_host(&site, &format!("/ko/b/{ADVOCACY}/feed.xml"))
            .await
            .text(),
    );
    let links = texts(&board, "rss/channel/item/link");
    assert_eq!(links.len(), 3);
    for link in links {
        assert!(
            link.starts_with(&format!("{ORIGIN}/ko/b/{ADVOCACY}/")),
            "{link}"
        );
    }
    // The news board's feed has none of the hidden posts; a members-only board has none.
    let news = get_with_host(&site, &format!("/b/{NEWS}/feed.xml")).await;
    assert_eq!(news.status, StatusCode::OK);
    assert_nothing_hidden(&news.text());
    for path in [
        "/b/members/feed.xml",
        "/b/members/atom.xml",
        "/b/nope/feed.xml",
    ] {
        assert_eq!(site.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Without a usable Host, addresses fall back to the loopback origin.
    let odd = site
        .send(
            Request::get("/feed.xml")
                .header("host", "evil.example/<x>")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let odd = parse(&odd.text());
    assert_eq!(texts(&odd, "rss/channel/link"), ["http://127.0.0.1/"]);
    site.finish().await;
}

#[tokio::test]
async fn atom_feeds_are_well_formed_with_enclosure_links() {
    let site = site_with_hidden_posts().await;
    for path in ["/atom.xml".to_owned(), format!("/b/{ADVOCACY}/atom.xml")] {
        let page = get_with_host(&site, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            page.header("content-type")
                .starts_with("application/atom+xml")
        );
        let xml = page.text();
        assert_nothing_hidden(&xml);
        let nodes = parse(&xml);
        let feed = nodes.iter().find(|n| n.path == "feed").unwrap();
        assert_eq!(feed.attr("xmlns"), Some("http://www.w3.org/2005/Atom"));
        let entries = nodes.iter().filter(|n| n.path == "feed/entry").count();
        assert!(entries > 0 && entries <= 20);
        for updated in texts(&nodes, "feed/entry/updated") {
            jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%:z", updated)
                .unwrap_or_else(|e| panic!("{updated}: {e}"));
        }
        let enclosure = nodes
            .iter()
            .find(|n| n.path == "feed/entry/link" && n.attr("rel") == Some("enclosure"))
            .expect("the PDF enclosure");
        assert!(enclosure.attr("href").unwrap().starts_with(ORIGIN));
        assert_eq!(enclosure.attr("type"), Some("application/pdf"));
        assert_eq!(enclosure.attr("title"), Some(PDF_NAME));
        assert!(enclosure.attr("length").unwrap().parse::<u64>().unwrap() > 100);
        for n in nodes.iter().filter(|n| n.path == "feed/entry/link") {
            assert!(n.attr("href").unwrap().starts_with(ORIGIN));
        }
    }
    site.finish().await;
}

#[tokio::test]
async fn gnuboard_rss_addresses_redirect_to_the_board_feed() {
    let site = TestSite::demo().await;
    let page = site.get(&format!("/bbs/rss.php?bo_table={ADVOCACY}")).await;
    assert_eq!(page.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(page.header("location"), format!("/b/{ADVOCACY}/feed.xml"));
    let page = site
        .get(&format!("/ko/bbs/rss.php?bo_table={ADVOCACY}"))
        .await;
    assert_eq!(
        page.header("location"),
        format!("/ko/b/{ADVOCACY}/feed.xml")
    );
    // An import's recorded address: the old table name leads to the new slug's feed.
    site.store()
        .set_legacy_redirect("/bbs/rss.php?bo_table=old_table", &format!("/b/{ADVOCACY}"))
        .await
        .unwrap();
    let page = site.get("/bbs/rss.php?bo_table=old_table").await;
    assert_eq!(page.header("location"), format!("/b/{ADVOCACY}/feed.xml"));
    assert_eq!(
        site.get("/bbs/rss.php?bo_table=nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(site.get("/bbs/rss.php").await.status, StatusCode::NOT_FOUND);
    site.finish().await;
}

#[tokio::test]
async fn sitemap_lists_public_pages_with_last_changes() {
    let site = site_with_hidden_posts().await;
    let page = get_with_host(&site, "/sitemap.xml").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("application/xml"));
    let xml = page.text();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_nothing_hidden(&xml);
    let nodes = parse(&xml);
    let urlset = nodes.iter().find(|n| n.path == "urlset").unwrap();
    assert_eq!(
        urlset.attr("xmlns"),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    assert_eq!(
        urlset.attr("xmlns:xhtml"),
        Some("http://www.w3.org/1999/xhtml")
    );
    // Only the protocol's elements and the XHTML language alternates.
    for n in &nodes {
        assert!(
            [
                "urlset",
                "urlset/url",
                "urlset/url/loc",
                "urlset/url/lastmod",
                "urlset/url/xhtml:link"
            ]
            .contains(&n.path.as_str()),
            "{}",
            n.path
        );
    }
    let locs = texts(&nodes, "urlset/url/loc");
    assert_eq!(locs[0], format!("{ORIGIN}/"));
    assert_eq!(locs[1], format!("{ORIGIN}/ko/"));
    assert!(locs.contains(&format!("{ORIGIN}/b/{ADVOCACY}").as_str()));
    assert!(locs.contains(&format!("{ORIGIN}/ko/b/{ADVOCACY}").as_str()));
    assert!(locs.contains(&format!("{ORIGIN}/b/{NEWS}").as_str()));
    // Every page in both languages, each naming both versions and the x-default (English);
    // the demo's translated statement once per language, naming its translation.
    let translated = site
        .store()
        .translation_links(jiff::Timestamp::now())
        .await
        .unwrap();
    assert_eq!(translated.len(), 2);
    let address = |lang: &str| {
        let t = translated.iter().find(|t| t.lang == lang).unwrap();
        let prefix = if lang == "ko" { "/ko" } else { "" };
        format!("{ORIGIN}{prefix}/b/{}/{}", t.board_slug, t.post_id)
    };
    let (statement_en, statement_ko) = (address("en"), address("ko"));
    assert!(locs.contains(&statement_en.as_str()) && locs.contains(&statement_ko.as_str()));
    assert!(
        !locs.contains(
            &statement_en
                .replacen(ORIGIN, &format!("{ORIGIN}/ko"), 1)
                .as_str()
        )
    );
    let links: Vec<&Node> = nodes
        .iter()
        .filter(|n| n.path == "urlset/url/xhtml:link")
        .collect();
    assert_eq!(links.len(), locs.len() * 3);
    for (loc, alternates) in locs.iter().zip(links.chunks(3)) {
        let (english, korean) = if [&statement_en, &statement_ko].contains(&&loc.to_string()) {
            (statement_en.clone(), statement_ko.clone())
        } else {
            let english = loc.replacen(&format!("{ORIGIN}/ko/"), &format!("{ORIGIN}/"), 1);
            let korean = english.replacen(ORIGIN, &format!("{ORIGIN}/ko"), 1);
            (english, korean)
        };
        let got: Vec<(&str, &str, &str)> = alternates
            .iter()
            .map(|n| {
                (
                    n.attr("rel").unwrap(),
                    n.attr("hreflang").unwrap(),
                    n.attr("href").unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("alternate", "en", english.as_str()),
                ("alternate", "ko", korean.as_str()),
                ("alternate", "x-default", english.as_str()),
            ],
            "{loc}"
        );
    }
    for loc in &locs {
        assert!(loc.starts_with(ORIGIN) && loc.len() <= 2048 && !loc.contains('?'));
    }
    let advocacy_posts = locs
        .iter()
        .filter(|l| l.starts_with(&format!("{ORIGIN}/b/{ADVOCACY}/")))
        .count();
    assert_eq!(advocacy_posts, 3);
    for lastmod in texts(&nodes, "urlset/url/lastmod") {
        jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%:z", lastmod)
            .unwrap_or_else(|e| panic!("{lastmod}: {e}"));
    }
    // Every address in it answers.
    for loc in locs {
        let path = loc.strip_prefix(ORIGIN).unwrap();
        assert_eq!(site.get(path).await.status, StatusCode::OK, "{path}");
    }
    site.finish().await;
}

#[tokio::test]
async fn robots_allows_the_public_site_and_names_the_sitemap() {
    let site = TestSite::demo().await;
    let page = get_with_host(&site, "/robots.txt").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/plain"));
    let text = page.text();
    assert!(text.starts_with("User-agent: *\n"));
    for line in [
        "Allow: /",
        "Disallow: /login",
        "Disallow: /setup/",
        "Disallow: /admin/",
        "Disallow: /search",
        "Disallow: /b/*/write",
        "Disallow: /b/*/*/edit",
        "Disallow: /b/*/*/transfer",
        "Sitemap: http://nkhr.example/sitemap.xml",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}");
    }
    assert!(!text.lines().any(|l| l == "Disallow: /"));
    site.finish().await;
}

/// The `content` of `<meta property|name="…">`, or the `href` of `<link rel="…">`.
fn head_value(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let value_at = tag.find(&format!(" {attr}=\""))? + attr.len() + 3;
    let value = &tag[value_at..];
    Some(value[..value.find('"')?].replace("&amp;", "&"))
}

#[tokio::test]
async fn post_pages_carry_canonical_open_graph_and_json_ld() {
    let site = TestSite::demo().await;
    // A post whose title tries to close the JSON-LD script, with an image in its body.
    let news = site.store().board(NEWS).await.unwrap().unwrap();
    let now = Timestamp::now();
    let mut hostile = new_post(
        "</script><script>alert(1)</script> & <!-- title",
        false,
        now,
    );
    hostile.body = PostBody::Html(
        "<p>Body text</p><p><img src=\"/files/legacy/editor/photo.jpg\" alt=\"photo\"></p>".into(),
    );
    let id = site
        .store()
        .create_post(news.id, &hostile, now)
        .await
        .unwrap();
    let page = get_with_host(&site, &format!("/b/{NEWS}/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let url = format!("{ORIGIN}/b/{NEWS}/{id}");
    assert_eq!(
        head_value(&html, "rel=\"canonical\"", "href"),
        Some(url.clone())
    );
    assert_eq!(
        head_value(&html, "property=\"og:url\"", "content"),
        Some(url.clone())
    );
    assert_eq!(
        head_value(&html, "property=\"og:type\"", "content").as_deref(),
        Some("article")
    );
    assert_eq!(
        head_value(&html, "property=\"og:image\"", "content"),
        Some(format!("{ORIGIN}/files/legacy/editor/photo.jpg"))
    );
    assert_eq!(
        head_value(&html, "name=\"twitter:card\"", "content").as_deref(),
        Some("summary_large_image")
    );
    assert_eq!(
        head_value(&html, "name=\"description\"", "content").as_deref(),
        Some("Body text")
    );
    assert!(head_value(&html, "property=\"og:site_name\"", "content").is_some());
    assert_eq!(
        head_value(
            &html,
            "type=\"application/rss+xml\" title=\"News (RSS)\"",
            "href"
        ),
        Some(format!("/b/{NEWS}/feed.xml"))
    );
    assert!(html.contains("href=\"/feed.xml\""));

    // The JSON-LD: one script, no markup inside, and the real title when parsed.
    let open = "<script type=\"application/ld+json\">";
    assert_eq!(html.matches(open).count(), 1);
    let start = html.find(open).unwrap() + open.len();
    let json = &html[start..start + html[start..].find("</script>").unwrap()];
    assert!(!json.contains("</") && !json.contains('<') && !json.contains('&'));
    let ld: serde_json::Value = serde_json::from_str(json).expect("JSON-LD parses");
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(
        ld["headline"],
        "</script><script>alert(1)</script> & <!-- title"
    );
    assert_eq!(ld["mainEntityOfPage"], url.as_str());
    assert_eq!(
        ld["image"][0],
        format!("{ORIGIN}/files/legacy/editor/photo.jpg")
    );
    assert!(ld["datePublished"].as_str().unwrap().contains('T'));
    assert_eq!(ld["publisher"]["@type"], "Organization");
    // Exactly one script element on the page has the hostile text, escaped.
    assert!(!html.contains("<script>alert(1)"));

    // A post without an image has no og:image; the board page and home have their own
    // canonical address and the board's feed.
    let advocacy = site.get(&format!("/b/{ADVOCACY}")).await.text();
    let first = common::post_links(&advocacy, ADVOCACY)[1];
    let plain = site.get(&format!("/b/{ADVOCACY}/{first}")).await.text();
    assert!(head_value(&plain, "property=\"og:image\"", "content").is_none());
    assert_eq!(
        head_value(&plain, "name=\"twitter:card\"", "content").as_deref(),
        Some("summary")
    );
    assert_eq!(
        head_value(&advocacy, "rel=\"canonical\"", "href"),
        Some(format!("http://127.0.0.1/b/{ADVOCACY}"))
    );
    let korean_home = get_with_host(&site, "/ko/").await.text();
    assert_eq!(
        head_value(&korean_home, "rel=\"canonical\"", "href"),
        Some(format!("{ORIGIN}/ko/"))
    );
    assert!(korean_home.contains("href=\"/ko/feed.xml\""));
    assert!(!korean_home.contains("application/ld+json"));
    site.finish().await;
}

/// Python's `feedparser` (PyPI), when installed, reads every feed without a bozo flag.
#[tokio::test]
async fn feedparser_reads_the_feeds_without_complaint() {
    let has_feedparser = std::process::Command::new("python3")
        .args(["-c", "import feedparser"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_feedparser {
        eprintln!("skipped: python3 with feedparser is not installed (pip install feedparser)");
        return;
    }
    let site = TestSite::demo().await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/feedcheck.py");
    for path in [
        "/feed.xml".to_owned(),
        "/atom.xml".to_owned(),
        format!("/b/{ADVOCACY}/feed.xml"),
        format!("/ko/b/{ADVOCACY}/atom.xml"),
    ] {
        let xml = get_with_host(&site, &path).await.body;
        let file = site.dir.join("feed.xml");
        std::fs::write(&file, &xml).unwrap();
        let out = std::process::Command::new("python3")
            .arg(&script)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{path}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    site.finish().await;
}

#[tokio::test]
async fn pages_name_their_other_language_versions() {
    let site = TestSite::demo().await;
    let english = site.get("/b/advocacy").await.text();
    assert!(
        english
            .contains(r#"<link rel="alternate" hreflang="en" href="http://127.0.0.1/b/advocacy">"#),
        "{english}"
    );
    assert!(
        english.contains(
            r#"<link rel="alternate" hreflang="ko" href="http://127.0.0.1/ko/b/advocacy">"#
        )
    );
    assert!(english.contains(
        r#"<link rel="alternate" hreflang="x-default" href="http://127.0.0.1/b/advocacy">"#
    ));
    let korean = site.get("/ko/").await.text();
    assert!(korean.contains(r#"hreflang="en" href="http://127.0.0.1/""#));
    assert!(korean.contains(r#"hreflang="ko" href="http://127.0.0.1/ko/""#));
    site.finish().await;
}
