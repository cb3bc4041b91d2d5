//! Issue 6, "URLs: the default language unprefixed, others under /ko/… (or the other way
//! round, a site setting)": on a site configured Korean-first (`serve --default-language
//! ko`, `MADANG_DEFAULT_LANGUAGE=ko`) Korean pages are unprefixed and English ones live under
//! `/en/`; the old `/ko/…` addresses move permanently to the unprefixed ones; the language
//! switch, `hreflang` alternates and `x-default`, the sitemap, feeds, robots.txt, error pages,
//! the page cache and a translated post's links all follow. English-first sites keep their
//! addresses (the rest of the suite), and there `/en/…` moves to the unprefixed address.

mod common;

use std::process::{Command, Stdio};

use axum::body::Body;
use axum::http::Request;
use common::TestSite;
use common::process::{free_port, request, wait_until_up};
use madang::demo::{ADVOCACY, NEWS, STATEMENT_KO_TITLE};
use madang_web::{Language, SiteConfig};

const ORIGIN: &str = "http://127.0.0.1";
const BIN: &str = env!("CARGO_BIN_EXE_madang");

async fn korean_first() -> TestSite {
    TestSite::demo_with_config(SiteConfig {
        default_language: Language::Korean,
        ..SiteConfig::default()
    })
    .await
}

fn switch(html: &str) -> (String, String) {
    let tag = common::between(html, "<a class=\"lang-switch\"", ">").expect("language switch");
    let attr = |name: &str| {
        common::between(tag, &format!("{name}=\""), "\"")
            .unwrap_or_else(|| panic!("{name} in {tag}"))
            .to_owned()
    };
    (attr("href"), attr("lang"))
}

fn alternate(lang: &str, path: &str) -> String {
    format!("<link rel=\"alternate\" hreflang=\"{lang}\" href=\"{ORIGIN}{path}\">")
}

fn sitemap_link(lang: &str, path: &str) -> String {
    format!("<xhtml:link rel=\"alternate\" hreflang=\"{lang}\" href=\"{ORIGIN}{path}\"/>")
}

fn assert_korean(html: &str) {
    assert!(html.contains("<html lang=\"ko\">"), "{html}");
    assert!(html.contains("본문 바로가기"));
}

fn assert_english(html: &str) {
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("Skip to main content"));
}

#[tokio::test]
async fn korean_pages_are_unprefixed_and_english_lives_under_en() {
    let site = korean_first().await;
    for path in ["/", "/b/advocacy", "/search"] {
        let page = site.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        let html = page.text();
        assert_korean(&html);
        let english = if path == "/" {
            "/en/".to_owned()
        } else {
            format!("/en{path}")
        };
        assert_eq!(switch(&html), (english.clone(), "en".into()), "{path}");

        let page = site.get(&english).await;
        assert_eq!(page.status, 200, "{english}");
        let html = page.text();
        assert_english(&html);
        assert_eq!(switch(&html), (path.to_owned(), "ko".into()), "{english}");
    }
    // The site's own links follow the page's language.
    let korean = site.get("/b/advocacy").await.text();
    assert!(korean.contains("<a href=\"/search\">"), "{korean}");
    assert!(korean.contains("href=\"/b/advocacy\""));
    assert!(!korean.contains("href=\"/ko/"), "{korean}");
    let english = site.get("/en/b/advocacy").await.text();
    assert!(english.contains("<a href=\"/en/search\">"), "{english}");
    assert!(english.contains("href=\"/en/b/advocacy\""));
    assert!(!english.contains("href=\"/ko/"));
    site.finish().await;
}

#[tokio::test]
async fn old_korean_addresses_move_permanently_to_the_unprefixed_ones() {
    let site = korean_first().await;
    for (old, new) in [
        ("/ko/b/advocacy?page=1", "/b/advocacy?page=1"),
        ("/ko/b/advocacy", "/b/advocacy"),
        ("/ko", "/"),
        ("/ko/", "/"),
        // Never a protocol-relative address to another site.
        ("/ko//evil.example/x", "/evil.example/x"),
    ] {
        let page = site.get(old).await;
        assert_eq!(page.status, 301, "{old}");
        assert_eq!(page.header("location"), new, "{old}");
        assert!(page.header("cache-control").contains("max-age="));
    }
    // A form posted to an old address stays a POST.
    let page = site.post_form("/ko/login", &[("login", "x")]).await;
    assert_eq!(page.status, 308);
    assert_eq!(page.header("location"), "/login");
    // `/kor…` is no language prefix.
    assert_eq!(site.get("/korean").await.status, 404);
    site.finish().await;
}

#[tokio::test]
async fn on_english_first_sites_en_addresses_move_to_the_unprefixed_ones() {
    let site = TestSite::demo().await;
    let page = site.get("/en/b/advocacy?page=2").await;
    assert_eq!(page.status, 301);
    assert_eq!(page.header("location"), "/b/advocacy?page=2");
    assert_english(&site.get("/b/advocacy").await.text());
    assert_korean(&site.get("/ko/b/advocacy").await.text());
    site.finish().await;
}

#[tokio::test]
async fn alternates_and_x_default_name_the_korean_unprefixed_address() {
    let site = korean_first().await;
    for (path, canonical, locale) in [
        ("/b/advocacy", "/b/advocacy", "ko_KR"),
        ("/en/b/advocacy", "/en/b/advocacy", "en_US"),
    ] {
        let html = site.get(path).await.text();
        assert!(
            html.contains(&format!(
                "<link rel=\"canonical\" href=\"{ORIGIN}{canonical}\">"
            )),
            "{html}"
        );
        assert!(html.contains(&format!(
            "<meta property=\"og:locale\" content=\"{locale}\">"
        )));
        assert!(html.contains(&alternate("ko", "/b/advocacy")), "{html}");
        assert!(html.contains(&alternate("en", "/en/b/advocacy")));
        assert!(html.contains(&alternate("x-default", "/b/advocacy")));
        assert_eq!(html.matches("<link rel=\"alternate\" hreflang=").count(), 3);
    }
    let home = site.get("/en/").await.text();
    assert!(home.contains(&alternate("ko", "/")), "{home}");
    assert!(home.contains(&alternate("en", "/en/")));
    assert!(home.contains(&alternate("x-default", "/")));

    let xml = site.get("/sitemap.xml").await.text();
    for loc in ["/", "/en/", "/b/advocacy", "/en/b/advocacy"] {
        let loc = format!("<loc>{ORIGIN}{loc}</loc>");
        assert_eq!(xml.matches(&loc).count(), 1, "{loc} in {xml}");
    }
    assert!(!xml.contains(&format!("{ORIGIN}/ko/")), "{xml}");
    for (lang, href) in [
        ("ko", "/b/advocacy"),
        ("en", "/en/b/advocacy"),
        ("x-default", "/b/advocacy"),
    ] {
        assert_eq!(xml.matches(&sitemap_link(lang, href)).count(), 2, "{lang}");
    }
    site.finish().await;
}

#[tokio::test]
async fn feeds_and_robots_follow_the_default_language() {
    let site = korean_first().await;
    let korean = site.get("/").await.text();
    assert!(korean.contains("type=\"application/rss+xml\""));
    assert!(korean.contains("href=\"/feed.xml\""), "{korean}");
    let english = site.get("/en/").await.text();
    assert!(english.contains("href=\"/en/feed.xml\""), "{english}");

    let feed = site.get("/feed.xml").await;
    assert_eq!(feed.status, 200);
    let feed = feed.text();
    assert!(feed.contains(&format!("<link>{ORIGIN}/</link>")), "{feed}");
    assert!(feed.contains(&format!("<link>{ORIGIN}/b/{ADVOCACY}/")));
    assert!(!feed.contains(&format!("{ORIGIN}/ko/")));
    let feed = site.get("/en/feed.xml").await.text();
    assert!(
        feed.contains(&format!("<link>{ORIGIN}/en/</link>")),
        "{feed}"
    );
    assert!(feed.contains(&format!("<link>{ORIGIN}/en/b/{ADVOCACY}/")));
    let atom = site.get(&format!("/en/b/{ADVOCACY}/atom.xml")).await.text();
    assert!(
        atom.contains(&format!("href=\"{ORIGIN}/en/b/{ADVOCACY}/atom.xml\"")),
        "{atom}"
    );
    // The old GnuBoard feed address leads to the default language's board feed.
    let legacy = site.get(&format!("/bbs/rss.php?bo_table={ADVOCACY}")).await;
    assert_eq!(legacy.header("location"), format!("/b/{ADVOCACY}/feed.xml"));

    let robots = site.get("/robots.txt").await.text();
    for line in [
        "Disallow: /login",
        "Disallow: /en/login",
        "Disallow: /en/admin/",
    ] {
        assert!(robots.lines().any(|l| l == line), "{line} in {robots}");
    }
    assert!(!robots.contains("/ko/"), "{robots}");
    site.finish().await;
}

#[tokio::test]
async fn the_translated_statement_switches_between_korean_and_en() {
    let site = korean_first().await;
    let links = site
        .store()
        .translation_links(jiff::Timestamp::now())
        .await
        .unwrap();
    let id_in = |lang: &str| {
        links
            .iter()
            .find(|l| l.lang == lang && l.board_slug == NEWS)
            .unwrap_or_else(|| panic!("a {lang} statement"))
            .post_id
    };
    let (ko_id, en_id) = (id_in("ko"), id_in("en"));
    let ko_path = format!("/b/{NEWS}/{ko_id}");
    let en_path = format!("/en/b/{NEWS}/{en_id}");

    let korean = site.get(&ko_path).await;
    assert_eq!(korean.status, 200);
    let korean = korean.text();
    assert_korean(&korean);
    assert!(korean.contains(STATEMENT_KO_TITLE));
    assert_eq!(switch(&korean), (en_path.clone(), "en".into()));
    assert!(
        korean.contains(&format!(
            "<a href=\"{en_path}\" hreflang=\"en\" lang=\"en\" rel=\"alternate\">English: "
        )),
        "{korean}"
    );
    let english = site.get(&en_path).await.text();
    assert_english(&english);
    assert_eq!(switch(&english), (ko_path.clone(), "ko".into()));
    assert!(english.contains(&format!(
        "<a href=\"{ko_path}\" hreflang=\"ko\" lang=\"ko\""
    )));
    for page in [&korean, &english] {
        assert!(page.contains(&alternate("ko", &ko_path)), "{page}");
        assert!(page.contains(&alternate("en", &en_path)));
        assert!(page.contains(&alternate("x-default", &ko_path)));
    }
    // The old Korean address of the Korean statement still works.
    let old = site.get(&format!("/ko{ko_path}")).await;
    assert_eq!(
        (old.status.as_u16(), old.header("location")),
        (301, ko_path.clone())
    );

    // The sitemap lists each once, at its own language's address.
    let xml = site.get("/sitemap.xml").await.text();
    for (loc, count) in [
        (ko_path.clone(), 1),
        (en_path.clone(), 1),
        (format!("/b/{NEWS}/{en_id}"), 0),
        (format!("/en{ko_path}"), 0),
    ] {
        let loc = format!("<loc>{ORIGIN}{loc}</loc>");
        assert_eq!(xml.matches(&loc).count(), count, "{loc}");
    }
    assert_eq!(xml.matches(&sitemap_link("x-default", &ko_path)).count(), 2);
    site.finish().await;
}

#[tokio::test]
async fn content_pages_and_their_admin_list_link_each_language_under_its_prefix() {
    let site = korean_first().await;
    site.member("root", 10, true).await;
    let root = site.login("root").await;
    let group = site.store().groups().await.unwrap()[0].id.to_string();
    for (lang, title) in [("en", "About us"), ("ko", "단체 소개")] {
        let form = [
            ("csrf", root.csrf.as_str()),
            ("slug", "about-us"),
            ("lang", lang),
            ("title", title),
            ("format", "text"),
            ("body", title),
            ("group", group.as_str()),
            ("position", "99"),
        ];
        let saved = site.post_as("/admin/pages/new", &root, &form).await;
        assert_eq!(saved.status, 303, "{}", saved.text());
    }
    assert!(
        site.get("/pages/about-us")
            .await
            .text()
            .contains("<h1>단체 소개</h1>")
    );
    assert!(
        site.get("/en/pages/about-us")
            .await
            .text()
            .contains("<h1>About us</h1>")
    );
    let list = site.get_as("/admin/pages", &root.cookie).await.text();
    assert!(list.contains("<a href=\"/en/pages/about-us\">"), "{list}");
    assert!(list.contains("<a href=\"/pages/about-us\">"), "{list}");
    assert!(!list.contains("/ko/pages/"), "{list}");
    site.finish().await;
}

#[tokio::test]
async fn cached_pages_and_error_pages_keep_their_language() {
    let site = korean_first().await;
    // Twice each: the second answer comes from the page cache, keyed by language.
    for _ in 0..2 {
        assert_korean(&site.get("/b/advocacy").await.text());
        assert_english(&site.get("/en/b/advocacy").await.text());
        let host = |path: &str| {
            Request::get(path)
                .header("host", "nkhr.example")
                .body(Body::empty())
                .unwrap()
        };
        assert_korean(&site.send(host("/")).await.text());
        assert_english(&site.send(host("/en/")).await.text());
    }
    let missing = site.get("/no-such-page").await;
    assert_eq!(missing.status, 404);
    let html = missing.text();
    assert_korean(&html);
    assert_eq!(switch(&html).0, "/en/no-such-page");
    let missing = site.get("/en/no-such-page").await;
    assert_eq!(missing.status, 404);
    let html = missing.text();
    assert_english(&html);
    assert_eq!(switch(&html).0, "/no-such-page");
    site.finish().await;
}

#[test]
fn bad_default_languages_are_refused_with_the_choices() {
    let data = std::env::temp_dir().join(format!("madang-default-lang-{}", std::process::id()));
    for (flag, env) in [(Some("fr"), None), (None, Some("korean"))] {
        let mut command = Command::new(BIN);
        command.arg("--data-dir").arg(&data).arg("serve");
        command.env_remove("MADANG_DEFAULT_LANGUAGE");
        if let Some(flag) = flag {
            command.args(["--default-language", flag]);
        }
        if let Some(env) = env {
            command.env("MADANG_DEFAULT_LANGUAGE", env);
        }
        let out = command.stdin(Stdio::null()).output().unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        let bad = flag.or(env).unwrap();
        assert!(
            stderr.contains(&format!("invalid value '{bad}' for '--default-language")),
            "{stderr}"
        );
        assert!(stderr.contains("[possible values: en, ko]"), "{stderr}");
    }
    assert!(!data.exists(), "nothing was started");
}

#[tokio::test]
async fn the_environment_makes_a_served_site_korean_first() {
    let data = std::env::temp_dir().join(format!("madang-default-ko-{}", std::process::id()));
    let addr = free_port();
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--demo", "--listen", &addr.to_string()])
        .env("MADANG_DEFAULT_LANGUAGE", "ko")
        .env_remove("MADANG_DATABASE_URL")
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start madang serve");
    wait_until_up(addr, &mut child).await;
    let home = request(addr, "GET", "/", &[], b"").await.unwrap();
    let html = String::from_utf8_lossy(&home.body).into_owned();
    let moved = request(addr, "GET", "/ko/b/advocacy", &[], b"")
        .await
        .unwrap();
    let english = request(addr, "GET", "/en/", &[], b"").await.unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&data);
    assert_eq!(home.status, 200);
    assert_korean(&html);
    assert_eq!(
        (moved.status, moved.header("location")),
        (301, Some("/b/advocacy"))
    );
    assert_english(&String::from_utf8_lossy(&english.body));
}
