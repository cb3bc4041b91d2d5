//! The public site over HTTP: bad input, setup, headers, lists, legacy addresses.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::{TestSite, post_links};
use madang_core::{NewBoard, NewPost, PostBody};

fn post(title: &str, body: &str, pinned: bool, at: &str) -> NewPost {
    NewPost {
        title: title.to_owned(),
        body: PostBody::Html(body.to_owned()),
        author_id: None,
        author_name: "staff".into(),
        lang: None,
        pinned,
        secret: false,
        published_at: at.parse().unwrap(),
        links: Vec::new(),
    }
}

#[tokio::test]
async fn malformed_input_gets_a_page_not_a_crash() {
    let site = TestSite::demo().await;
    let long = format!("/b/{}", "a".repeat(5000));
    let cases: &[(&str, u16)] = &[
        ("/b/advocacy?page=abc", 400),
        ("/b/advocacy?page=-5", 400),
        ("/b/advocacy?page=0", 400),
        ("/b/advocacy?page=%FF%FE", 400),
        ("/b/advocacy?page=99999999999999999999999", 400),
        ("/b/advocacy?page=999", 404),
        ("/b/advocacy/99999999999999999999999", 404),
        ("/b/advocacy/-1", 404),
        ("/b/advocacy/abc", 404),
        ("/b/advocacy/999999", 404),
        ("/b/no_such_board", 404),
        ("/b/%FF%FE", 404),
        ("/b/advocacy/1/files/999", 404),
        ("/b/advocacy/1/files/%00", 404),
        ("/nowhere", 404),
        ("/static/../Cargo.toml", 404),
        (long.as_str(), 414),
    ];
    for (path, status) in cases {
        let page = site.get(path).await;
        assert_eq!(page.status.as_u16(), *status, "{path}");
        let html = page.text();
        assert!(html.starts_with("<!doctype html>"), "{path} gets a page");
        assert!(html.contains("<h1>"), "{path} says what happened");
        assert!(
            !html.contains("panicked") && !html.contains("sqlx"),
            "{path} leaks no internals"
        );
    }
    let bad_page = site.get("/b/advocacy?page=abc").await.text();
    assert!(bad_page.contains("the page number must be a whole number from 1 upwards"));
    let korean = site.get("/ko/b/nope").await;
    assert_eq!(korean.status, 404);
    assert!(korean.text().contains("페이지를 찾을 수 없습니다"));
    // A post of one board is not reachable under another board's address.
    let ids = post_links(&site.get("/b/advocacy").await.text(), "advocacy");
    assert_eq!(site.get(&format!("/b/youth/{}", ids[0])).await.status, 404);
    site.finish().await;
}

#[tokio::test]
async fn every_page_has_the_security_headers_and_no_inline_script() {
    let site = TestSite::demo().await;
    for path in ["/", "/b/advocacy", "/b/advocacy/1", "/ko/", "/nowhere"] {
        let page = site.get(path).await;
        let csp = page.header("content-security-policy");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(
            page.header("referrer-policy"),
            "strict-origin-when-cross-origin",
            "{path}"
        );
        let html = page.text();
        // JSON-LD is data, which browsers never run (and which seo.rs escapes).
        let without_data = html.replace("<script type=\"application/ld+json\">", "");
        assert!(!without_data.contains("<script"), "{path} has no script");
        assert!(!html.contains(" style="), "{path} has no inline style");
        assert!(
            !html.contains(" onclick=") && !html.contains(" onload="),
            "{path}"
        );
    }
    site.finish().await;
}

#[tokio::test]
async fn a_new_site_is_claimed_only_through_the_setup_link() {
    let site = TestSite::empty().await;
    let home = site.get("/").await.text();
    assert!(home.contains("This site has no administrator yet"));

    let token = madang_web::setup::prepare_setup_token(&site.state)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(site.get("/setup/wrong").await.status, 404);
    assert_eq!(
        site.get(&format!("/setup/{}", "f".repeat(48))).await.status,
        404
    );
    let form = site.get(&format!("/setup/{token}")).await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("Create the first administrator"));

    // A guess posts nothing.
    let guess = site
        .post_form(
            "/setup/wrong",
            &[
                ("login", "x"),
                ("nickname", "x"),
                ("password", "longpassword"),
                ("password_again", "longpassword"),
            ],
        )
        .await;
    assert_eq!(guess.status, 404);
    // Mismatched and short passwords are explained, and create nothing.
    let path = format!("/setup/{token}");
    let mismatch = site
        .post_form(
            &path,
            &[
                ("login", "boss"),
                ("nickname", "Boss"),
                ("password", "longpassword"),
                ("password_again", "other-password"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 200);
    assert!(mismatch.text().contains("The two passwords differ."));
    let short = site
        .post_form(
            &path,
            &[
                ("login", "boss"),
                ("nickname", "Boss"),
                ("password", "short"),
                ("password_again", "short"),
            ],
        )
        .await;
    assert!(short.text().contains("at least 8 characters"));
    let bad_login = site
        .post_form(
            &path,
            &[
                ("login", "bad login!"),
                ("nickname", "Boss"),
                ("password", "longpassword"),
                ("password_again", "longpassword"),
            ],
        )
        .await;
    assert!(bad_login.text().contains("a login is 1 to 40 letters"));
    assert_eq!(site.store().member_count().await.unwrap(), 0);

    // A cross-site post is refused even with the right token.
    let cross = site
        .send(
            Request::post(&path)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "cross-site")
                .body(Body::from(
                    "login=evil&nickname=e&password=longpassword&password_again=longpassword",
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(cross.status, 403);

    let done = site
        .post_form(
            &path,
            &[
                ("login", "boss"),
                ("nickname", "Boss"),
                ("email", "boss@example.org"),
                ("password", "correct horse battery"),
                ("password_again", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(done.status, 200);
    assert!(done.text().contains("The account boss can now sign in."));
    let boss = site
        .store()
        .member_by_login("BOSS")
        .await
        .unwrap()
        .expect("created");
    assert!(boss.is_super_admin);
    assert_eq!(boss.level.get(), 10);

    // The link is spent, and the site no longer asks for setup.
    assert_eq!(site.get(&path).await.status, 404);
    let again = site
        .post_form(
            &path,
            &[
                ("login", "second"),
                ("nickname", "S"),
                ("password", "longpassword"),
                ("password_again", "longpassword"),
            ],
        )
        .await;
    assert_eq!(again.status, 404);
    assert_eq!(site.store().member_count().await.unwrap(), 1);
    assert!(!site.get("/").await.text().contains("no administrator yet"));
    assert!(
        madang_web::setup::prepare_setup_token(&site.state)
            .await
            .unwrap()
            .is_none()
    );
    site.finish().await;
}

#[tokio::test]
async fn lists_page_with_pinned_posts_first_and_cut_korean_titles() {
    let site = TestSite::empty().await;
    let now = jiff::Timestamp::now();
    let mut new = NewBoard::new("notice", "공지사항", None);
    new.page_size = 2;
    new.title_len = 6;
    let board = site.store().create_board(&new, now).await.unwrap();
    for i in 1..=5 {
        let title = format!("북한인권 소식 제{i}호");
        let at = format!("2024-01-0{i}T00:00:00Z");
        site.store()
            .create_post(board.id, &post(&title, "<p>본문</p>", false, &at), now)
            .await
            .unwrap();
    }
    site.store()
        .create_post(
            board.id,
            &post("고정된 알림", "<p>x</p>", true, "2023-01-01T00:00:00Z"),
            now,
        )
        .await
        .unwrap();

    let first = site.get("/b/notice").await.text();
    // Newest thread first; the pinned post above everything, on page 1 only.
    let pinned_at = first.find("고정된 알림").unwrap();
    let newest_at = first.find("북한인권 소…").unwrap();
    assert!(pinned_at < newest_at);
    assert!(first.contains("title=\"북한인권 소식 제5호\">북한인권 소…</a>"));
    assert!(first.contains("aria-label=\"Page 3\""));
    assert!(!first.contains("aria-label=\"Page 4\""));
    let third = site.get("/b/notice?page=3").await.text();
    assert!(third.contains("title=\"북한인권 소식 제1호\""));
    assert!(!third.contains("고정된 알림"));
    assert_eq!(site.get("/b/notice?page=4").await.status, 404);
    site.finish().await;
}

#[tokio::test]
async fn scheduled_posts_stay_hidden_until_their_time() {
    let site = TestSite::empty().await;
    let now = jiff::Timestamp::now();
    let board = site
        .store()
        .create_board(&NewBoard::new("news", "News", None), now)
        .await
        .unwrap();
    let future = post(
        "Embargoed statement",
        "<p>x</p>",
        false,
        "2999-01-01T00:00:00Z",
    );
    let id = site
        .store()
        .create_post(board.id, &future, now)
        .await
        .unwrap();
    assert!(!site.get("/b/news").await.text().contains("Embargoed"));
    assert_eq!(site.get(&format!("/b/news/{id}")).await.status, 404);
    site.finish().await;
}

#[tokio::test]
async fn gnuboard_addresses_redirect_to_their_new_home() {
    let site = TestSite::demo().await;
    let ids = post_links(&site.get("/b/advocacy").await.text(), "advocacy");
    let page = site
        .get(&format!(
            "/bbs/board.php?bo_table=advocacy&wr_id={}",
            ids[0]
        ))
        .await;
    assert_eq!(page.status, 301);
    assert_eq!(page.header("location"), format!("/b/advocacy/{}", ids[0]));
    let list = site.get("/bbs/board.php?bo_table=advocacy").await;
    assert_eq!(list.header("location"), "/b/advocacy");
    assert_eq!(site.get("/bbs/board.php?bo_table=gone").await.status, 404);
    site.finish().await;
}

#[tokio::test]
async fn the_theme_serves_assets_and_an_operator_can_override_a_template() {
    let site = TestSite::demo().await;
    let css = site.get("/static/style.css?v=1").await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert!(css.header("cache-control").contains("immutable"));
    assert!(css.text().contains("word-break: keep-all"));
    let home = site.get("/").await.text();
    assert!(home.contains("/static/style.css?v="));

    // An override in the data folder's theme directory wins over the built-in template.
    let templates = site.dir.join("theme/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("error.html"),
        "<!doctype html><h1>Custom {{ t(title_key) }}</h1>",
    )
    .unwrap();
    let state = madang_web::AppState::new(
        madang_store::Store::connect(&format!("sqlite:{}", site.dir.join("other.db").display()))
            .await
            .unwrap(),
        site.state.files().clone(),
        madang_web::SiteConfig {
            theme_dir: Some(site.dir.join("theme")),
            ..Default::default()
        },
    );
    let app = madang_web::app(state);
    use tower::ServiceExt;
    let response = app
        .oneshot(Request::get("/nowhere").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(&body[..], b"<!doctype html><h1>Custom Page not found</h1>");
    site.finish().await;
}

#[tokio::test]
async fn health_checks_and_request_ids() {
    let site = TestSite::empty().await;
    let health = site.get("/healthz").await;
    assert_eq!(
        (health.status.as_u16(), health.text().as_str()),
        (200, "ok\n")
    );
    let ready = site.get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.header("x-request-id").len(), 16);
    let kept = site
        .send(
            Request::get("/healthz")
                .header("x-request-id", "proxy-req-12345")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(kept.header("x-request-id"), "proxy-req-12345");
    let replaced = site
        .send(
            Request::get("/healthz")
                .header("x-request-id", "bad id with spaces and / slashes")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        replaced.header("x-request-id").len(),
        16,
        "an odd id is replaced"
    );
    // When the database is gone, readiness says so and liveness does not.
    site.store().close().await;
    assert_eq!(site.get("/readyz").await.status, 503);
    assert_eq!(site.get("/healthz").await.status, 200);
    site.finish().await;
}

#[tokio::test]
async fn metrics_count_routes_and_cache_hits_and_need_a_super_administrator() {
    let site = TestSite::demo().await;
    site.member("editor", 5, false).await;
    site.member("root", 10, true).await;
    // Two anonymous reads of one board: a render, then a cache hit.
    assert_eq!(site.get("/b/bbs_active_news").await.status, 200);
    assert_eq!(site.get("/b/bbs_active_news").await.status, 200);
    assert_eq!(site.get("/no/such/page").await.status, 404);

    // Neither a reader nor a member without the super-administrator role sees them.
    assert_eq!(site.get("/metrics").await.status, 403);
    let editor = site.login("editor").await;
    assert_eq!(site.get_as("/metrics", &editor.cookie).await.status, 403);

    let root = site.login("root").await;
    let page = site.get_as("/metrics", &root.cookie).await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .starts_with("application/openmetrics-text")
    );
    assert_eq!(page.header("cache-control"), "no-store");
    let text = page.text();
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix} in\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    assert_eq!(
        line(r#"madang_http_requests_total{method="GET",route="/b/{slug}",status="200"}"#),
        2.0
    );
    assert_eq!(
        line(r#"madang_http_requests_total{method="GET",route="(unmatched)",status="404"}"#),
        1.0
    );
    assert_eq!(line(r#"madang_page_cache_total{result="hit"}"#), 1.0);
    assert!(line(r#"madang_page_cache_total{result="miss"}"#) >= 1.0);
    assert_eq!(
        line(r#"madang_http_request_duration_seconds_count{route="/b/{slug}"}"#),
        2.0
    );
    assert!(line("madang_db_pool_max_connections") >= 1.0);
    assert!(line("madang_db_pool_connections") >= 1.0);
    // The raw path of an unmatched request is never a label.
    assert!(!text.contains("/no/such/page"), "{text}");

    // The separate metrics address answers without sign-in and serves nothing else.
    let metrics_only = madang_web::metrics_app(site.state.clone());
    let response = tower::ServiceExt::oneshot(
        metrics_only.clone(),
        axum::http::Request::get("/metrics")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let response = tower::ServiceExt::oneshot(
        metrics_only,
        axum::http::Request::get("/b/bbs_active_news")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 404);
    site.finish().await;
}
