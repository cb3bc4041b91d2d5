//! Issue 8, hostile input, second half: the same DOMPurify corpus as `xss_browser.rs`, this
//! time through the inputs that are not posts — comments (posted through the comment form
//! by their members), member display names, menu-group labels, board titles (saved through
//! the admin board form) and the site name (the admin settings form) — and rendered on every
//! page that shows them: the home page and every board list (the menu shows every label),
//! post pages (author names, comments and their authors), search results, the admin
//! dashboard (members and boards), the admin board forms and the audit log.
//!
//! Each payload i becomes menu group `g{i}` labelled with it, board `b{i}` titled with it,
//! member `m{i}` named with it, and a comment by `m{i}` with the payload as its body on a
//! post of `b{i}` that `m{i}` wrote; the board's English title is the payload too, so pages
//! show it through the per-language title. Inputs have length limits (group and board
//! labels 100 characters, display names 40): a longer payload is cut to the limit, which
//! leaves unclosed markup, a test of its own. Titles refuse control characters (tested in
//! `languages.rs`): in labels they become spaces. Detection is `browser::Tab::visit`'s, with the CSP
//! switched off, so the sanitiser and the template escaping are tested on their own.

mod browser;
mod common;

use std::net::SocketAddr;
use std::time::Instant;

use common::TestSite;
use madang_core::{Level, NewBoard, NewPost, PostBody};

const TABS: usize = 3;

/// A payload cut to an input's limit, or a placeholder when it is blank (blank input is
/// refused, which is tested elsewhere).
fn cut(payload: &str, limit: usize, i: usize) -> String {
    let text: String = payload.trim().chars().take(limit).collect();
    let text = text.trim().to_owned();
    if text.is_empty() {
        format!("blank payload {i}")
    } else {
        text
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_payload_runs_script_through_comments_names_or_menu_labels() {
    let Some(binary) = browser::chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("Chromium is not installed (apt-get install chromium) and CI is set");
        }
        eprintln!("SKIPPED: Chromium is not installed; install Debian's chromium to run this test");
        return;
    };
    let started = Instant::now();
    let payloads = browser::corpus();
    assert!(payloads.len() >= 200, "the corpus has {}", payloads.len());

    let site = TestSite::empty().await;
    site.member("xss", 10, true).await;
    let admin = site.login("xss").await;
    let now = jiff::Timestamp::now();

    // The site name appears on every page, in <title>, the header and feeds; it holds one
    // value at a time, so it gets a hand-made mix of the corpus' tricks.
    let site_name = "</title><script>alert(1)</script><img src=x onerror=alert(2)>\"'><svg/onload=alert(3)>{{7*7}}";
    let saved = site
        .post_as(
            "/admin/settings",
            &admin,
            &[("csrf", &admin.csrf), ("site_name", site_name)],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());

    let mut posts = Vec::new();
    let mut comments = 0;
    for (i, p) in payloads.iter().enumerate() {
        let label = cut(&p.payload.replace(char::is_control, " "), 100, i);
        let group = site
            .store()
            .create_group(&format!("g{i}"), &label)
            .await
            .unwrap();
        let slug = format!("b{i}");
        let board = site
            .store()
            .create_board(
                &NewBoard::new(&slug, &format!("board {i}"), Some(group.id)),
                now,
            )
            .await
            .unwrap();
        // The title goes through the admin form, as staff would type it.
        let group_id = group.id.to_string();
        let saved = site
            .post_as(
                &format!("/admin/boards/{slug}"),
                &admin,
                &[
                    ("csrf", &admin.csrf),
                    ("title", &label),
                    ("title_en", &label),
                    ("group", &group_id),
                    ("title_len", "60"),
                    ("excerpt_len", "200"),
                    ("page_size", "15"),
                    ("list_order", "thread"),
                    ("list_style", "webzine"),
                    ("home_count", "5"),
                    ("max_files", "10"),
                    ("max_file_mb", "20"),
                    ("kind", "images"),
                    ("kind", "pdf"),
                    ("level_list", "1"),
                    ("level_read", "1"),
                    ("level_write", "2"),
                    ("level_reply", "2"),
                    ("level_comment", "2"),
                    ("level_upload", "2"),
                    ("level_download", "1"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "board form {i}: {}", saved.text());

        let login = format!("m{i}");
        let hash = madang_core::password::hash("correct horse battery").unwrap();
        let nickname = cut(&p.payload, 40, i);
        let member = site
            .store()
            .create_member(
                &madang_store::NewMember {
                    login: &login,
                    nickname: &nickname,
                    email: "",
                    password_hash: &hash,
                    level: Level::new(2).unwrap(),
                    is_super_admin: false,
                },
                now,
            )
            .await
            .unwrap();
        let post = site
            .store()
            .create_post(
                board.id,
                &NewPost {
                    title: format!("post {i}"),
                    body: PostBody::Text(format!("A post by member {i}.")),
                    author_id: Some(member.id),
                    author_name: member.nickname.clone(),
                    lang: None,
                    pinned: false,
                    secret: false,
                    published_at: now,
                    links: Vec::new(),
                },
                now,
            )
            .await
            .unwrap();
        let writer = site.login(&login).await;
        let body = if p.payload.trim().is_empty() {
            format!("blank payload {i}")
        } else {
            p.payload.clone()
        };
        let commented = site
            .post_as(
                &format!("/b/{slug}/{post}/comments"),
                &writer,
                &[("csrf", &writer.csrf), ("body", &body)],
            )
            .await;
        assert_eq!(commented.status, 303, "comment {i}: {}", commented.text());
        comments += 1;
        posts.push(format!("/b/{slug}/{post}"));
    }
    let saved_in = started.elapsed();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let app = madang_web::app(site.state.clone());
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let origin = format!("http://{addr}");

    // The admin pages need the administrator's session: the browser gets the cookie through
    // a page that sets it, so these are checked by visiting as the administrator below.
    let mut pages: Vec<String> = vec!["/".into(), "/ko/".into()];
    for (i, post) in posts.iter().enumerate() {
        pages.push(format!("/b/b{i}"));
        pages.push(post.clone());
    }
    for n in 1..=12 {
        pages.push(format!("/search?q=post&page={n}"));
    }
    let (visited, mut found) = browser::visit_all(&binary, &origin, pages.clone(), TABS).await;

    // The admin area, signed in: the dashboard (members, groups, boards), each board's
    // form, and the audit log (which records every title and name).
    let mut admin_pages: Vec<String> = vec!["/admin".into(), "/admin/audit".into()];
    admin_pages.extend((0..payloads.len()).map(|i| format!("/admin/boards/b{i}")));
    let (admin_visited, admin_found) =
        browser::visit_all_signed_in(&binary, &origin, &admin.cookie, admin_pages.clone(), TABS)
            .await;
    found.extend(admin_found);
    server.abort();

    eprintln!(
        "XSS through people and menus: {} payloads as group labels, board titles, member \
         names and {comments} comments; {} page loads in Chromium ({} signed in); saved in \
         {:.1}s, total {:.1}s",
        payloads.len(),
        visited + admin_visited,
        admin_visited,
        saved_in.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    let report: Vec<String> = found
        .iter()
        .map(|(path, findings)| format!("{path}:\n    {}", findings.join("\n    ")))
        .collect();
    assert!(
        found.is_empty(),
        "script could run on {} page(s):\n{}",
        found.len(),
        report.join("\n")
    );
    assert_eq!(visited, pages.len());
    assert_eq!(admin_visited, admin_pages.len());
    site.finish().await;
}
