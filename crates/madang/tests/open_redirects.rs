//! Issue 8, open redirects: `next=` on the login page and the stored legacy redirects lead
//! to paths on this site only, however the target is disguised.

mod common;

use common::TestSite;

/// What a browser does with a `Location` value, reduced to the question that matters: does
/// it stay on this origin? Browsers drop tabs and line breaks anywhere, strip leading C0
/// controls and spaces, and read `\` as `/` in http(s) URLs.
fn stays_on_site(location: &str) -> bool {
    let cleaned: String = location
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    cleaned.starts_with('/') && !cleaned.starts_with("//")
}

/// The `Location` header as bytes a browser reads (it may hold UTF-8), or "".
fn location(page: &common::Page) -> String {
    page.headers
        .get("location")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default()
}

const DISGUISES: &[&str] = &[
    "//evil.example",
    "//evil.example/",
    "///evil.example",
    "https://evil.example",
    "http://evil.example/b/advocacy",
    "HTTPS://evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil",
    "\\\\evil.example\\x",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "%5C%5Cevil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "javascript://%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "\u{0}//evil.example",
    "/\u{0}/evil.example",
    "\u{3000}//evil.example",
    "/\u{2215}evil.example",
    "/\u{ff0f}evil.example",
    "//evil.example@site",
    "/.//evil.example",
    "/b/advocacy\r\nSet-Cookie: session=stolen",
    "/b/advocacy\nLocation: //evil.example",
    "https:evil.example",
    "https:/evil.example",
    "/login?next=//evil.example",
    "",
];

#[tokio::test]
async fn login_next_stays_on_this_site() {
    let site = TestSite::demo().await;
    site.member("traveller", 2, false).await;
    let mut tried = 0;
    for prefix in ["", "/ko"] {
        for next in DISGUISES {
            tried += 1;
            let page = site
                .post_form(
                    &format!("{prefix}/login"),
                    &[
                        ("login", "traveller"),
                        ("password", "correct horse battery"),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(page.status, 303, "{next:?}");
            let location = location(&page);
            assert!(
                stays_on_site(&location),
                "next={next:?} leads to {location:?}"
            );
            assert_eq!(
                page.headers.get_all("location").iter().count(),
                1,
                "{next:?}"
            );
            assert_eq!(
                page.headers.get_all("set-cookie").iter().count(),
                1,
                "{next:?}: only the session cookie"
            );

            // The form that carries `next` through (GET /login?next=…) keeps only a safe one.
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next)
                .finish();
            let form = site.get(&format!("{prefix}/login?{query}")).await;
            if next.contains('\0') {
                // An address with a NUL byte is refused outright.
                assert_eq!(form.status, 404, "{next:?}");
                continue;
            }
            assert_eq!(form.status, 200, "{next:?}");
            let html = form.text();
            if let Some(carried) = common::between(&html, "name=\"next\" value=\"", "\"") {
                let carried = carried
                    .replace("&#x2f;", "/")
                    .replace("&#x5c;", "\\")
                    .replace("&amp;", "&");
                assert!(
                    stays_on_site(&carried),
                    "next={next:?} is carried as {carried:?}"
                );
            }
        }
    }
    // Same-origin targets survive (with the query string).
    for good in [
        "/b/advocacy?page=2",
        "/search?q=%EB%B6%81%ED%95%9C",
        "/ko/b/advocacy",
    ] {
        let page = site
            .post_form(
                "/login",
                &[
                    ("login", "traveller"),
                    ("password", "correct horse battery"),
                    ("next", good),
                ],
            )
            .await;
        assert_eq!(location(&page), good);
    }
    eprintln!("open redirects: {tried} login targets tried");
    site.finish().await;
}

#[tokio::test]
async fn legacy_board_addresses_stay_on_this_site() {
    let site = TestSite::demo().await;
    for query in [
        "bo_table=//evil.example",
        "bo_table=https://evil.example",
        "bo_table=/\\evil.example",
        "bo_table=advocacy&wr_id=//evil.example",
        "bo_table=advocacy&wr_id=1/../../..//evil.example",
        "bo_table=advocacy%0d%0aLocation:%20//evil.example",
        "bo_table=%2F%2Fevil.example",
    ] {
        let page = site.get(&format!("/bbs/board.php?{query}")).await;
        let location = location(&page);
        assert!(
            location.is_empty() || stays_on_site(&location),
            "{query}: {location:?}"
        );
        assert!(
            matches!(page.status.as_u16(), 301 | 308 | 400 | 404),
            "{query}"
        );
    }
    let page = site.get("/bbs/board.php?bo_table=advocacy").await;
    assert_eq!(location(&page), "/b/advocacy");
    site.finish().await;
}

/// Stored redirects (imported or set by an administrator) are filtered when served. The
/// store refuses `//host` and `https://host`; the targets below pass that check.
const STORED_DISGUISES: &[&str] = &["/\\evil.example", "/\t/evil.example", "/\\/evil.example"];

#[tokio::test]
async fn stored_legacy_redirects_refuse_plain_foreign_targets() {
    let site = TestSite::demo().await;
    for target in [
        "//evil.example",
        "https://evil.example",
        "javascript:alert(1)",
    ] {
        assert!(
            site.store()
                .set_legacy_redirect("/old.php?id=1", target)
                .await
                .is_err(),
            "{target:?} is refused as a redirect target"
        );
    }
    site.store()
        .set_legacy_redirect("/old.php?id=2", "/b/advocacy")
        .await
        .unwrap();
    let page = site.get("/old.php?id=2").await;
    assert_eq!(location(&page), "/b/advocacy");
    let page = site.get("/ko/old.php?id=2").await;
    assert_eq!(location(&page), "/ko/b/advocacy");
    site.finish().await;
}

#[tokio::test]
async fn stored_legacy_redirects_stay_on_this_site() {
    let site = TestSite::demo().await;
    let mut leaks = Vec::new();
    for (i, target) in STORED_DISGUISES.iter().enumerate() {
        let old = format!("/old.php?id={}", 100 + i);
        if site
            .store()
            .set_legacy_redirect(&old, target)
            .await
            .is_err()
        {
            continue; // refused when stored: fine
        }
        let page = site.get(&old).await;
        let location = location(&page);
        if !location.is_empty() && !stays_on_site(&location) {
            leaks.push(format!("{target:?} -> Location {location:?}"));
        }
    }
    assert!(leaks.is_empty(), "open redirects: {leaks:#?}");
    site.finish().await;
}
