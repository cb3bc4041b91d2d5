//! The admin area: only the super administrator; boards, members and settings change
//! through forms with tokens, and every change is audited with before and after.

mod common;

use common::TestSite;

#[tokio::test]
async fn only_the_super_administrator_gets_in() {
    let site = TestSite::demo().await;
    site.member("boss", 10, true).await;
    site.member("staff", 9, false).await;
    assert_eq!(site.get("/admin").await.status, 403);
    let s = site.login("staff").await;
    assert_eq!(site.get_as("/admin", &s.cookie).await.status, 403);
    assert_eq!(
        site.post_as(
            "/admin/settings",
            &s,
            &[("csrf", &s.csrf), ("site_name", "Taken over")]
        )
        .await
        .status,
        403
    );
    let b = site.login("boss").await;
    let page = site.get_as("/admin", &b.cookie).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("/admin/boards/advocacy"));
    site.finish().await;
}

#[tokio::test]
async fn boards_are_created_and_configured_from_the_browser() {
    let site = TestSite::demo().await;
    site.member("boss", 10, true).await;
    let b = site.login("boss").await;
    let group = site.store().groups().await.unwrap()[0].id.to_string();
    let created = site
        .post_as(
            "/admin/boards",
            &b,
            &[
                ("csrf", &b.csrf),
                ("slug", "statements"),
                ("title", "Statements"),
                ("group", &group),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    assert_eq!(created.header("location"), "/admin/boards/statements");
    assert!(
        site.get("/b/statements")
            .await
            .text()
            .contains("<h1>Statements</h1>")
    );
    // Bad names are explained, nothing is made.
    for slug in ["Bad Name", "admin", "statements"] {
        let page = site
            .post_as(
                "/admin/boards",
                &b,
                &[("csrf", &b.csrf), ("slug", slug), ("title", "x")],
            )
            .await;
        assert_eq!(page.status, 200, "{slug}");
        assert!(page.text().contains("role=\"alert\""), "{slug}");
    }
    assert_eq!(site.store().boards().await.unwrap().len(), 6);

    // Settings: members-only reading, short titles.
    let saved = site
        .post_as(
            "/admin/boards/statements",
            &b,
            &[
                ("csrf", &b.csrf),
                ("title", "Statements & appeals"),
                ("group", &group),
                ("title_len", "10"),
                ("excerpt_len", "50"),
                ("page_size", "5"),
                ("list_order", "date_desc"),
                ("list_style", "webzine"),
                ("home_count", "5"),
                ("max_files", "10"),
                ("max_file_mb", "20"),
                ("kind", "images"),
                ("kind", "pdf"),
                ("level_list", "2"),
                ("level_read", "2"),
                ("level_write", "8"),
                ("level_reply", "8"),
                ("level_comment", "2"),
                ("level_upload", "8"),
                ("level_download", "2"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    assert_eq!(
        site.get("/b/statements").await.status,
        403,
        "guests may no longer list it"
    );
    let board = site.store().board("statements").await.unwrap().unwrap();
    assert_eq!(
        (board.title_len, board.page_size, board.levels.read.get()),
        (10, 5, 2)
    );
    let bad = site
        .post_as(
            "/admin/boards/statements",
            &b,
            &[
                ("csrf", &b.csrf),
                ("title", "x"),
                ("title_len", "10"),
                ("excerpt_len", "0"),
                ("page_size", "5"),
                ("level_list", "11"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        site.store()
            .board("statements")
            .await
            .unwrap()
            .unwrap()
            .title,
        "Statements & appeals",
        "nothing changed"
    );
    let audit = site.store().audit_log(50).await.unwrap();
    let entry = audit.iter().find(|e| e.action == "board.settings").unwrap();
    assert!(
        entry.detail.contains("title=Statements")
            && entry.detail.contains("→ title=Statements & appeals")
    );
    site.finish().await;
}

#[tokio::test]
async fn members_are_blocked_and_promoted_and_the_site_renamed() {
    let site = TestSite::demo().await;
    site.member("boss", 10, true).await;
    site.member("volunteer", 2, false).await;
    let b = site.login("boss").await;
    let v = site.login("volunteer").await;
    assert_eq!(
        site.get_as("/b/advocacy/write", &v.cookie).await.status,
        403
    );
    let promoted = site
        .post_as(
            "/admin/members/volunteer",
            &b,
            &[("csrf", &b.csrf), ("level", "8")],
        )
        .await;
    assert_eq!(promoted.status, 303);
    assert_eq!(
        site.get_as("/b/advocacy/write", &v.cookie).await.status,
        200,
        "level 8 may write"
    );
    let blocked = site
        .post_as(
            "/admin/members/volunteer",
            &b,
            &[("csrf", &b.csrf), ("level", "8"), ("blocked", "1")],
        )
        .await;
    assert_eq!(blocked.status, 303);
    assert!(
        !site
            .get_as("/", &v.cookie)
            .await
            .text()
            .contains(">volunteer</span>"),
        "their session ended"
    );
    let again = site
        .post_form(
            "/login",
            &[
                ("login", "volunteer"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert!(again.text().contains("This account is blocked."));
    // The administrator cannot lock themselves out.
    assert_eq!(
        site.post_as(
            "/admin/members/boss",
            &b,
            &[("csrf", &b.csrf), ("level", "2")]
        )
        .await
        .status,
        400
    );

    let renamed = site
        .post_as(
            "/admin/settings",
            &b,
            &[("csrf", &b.csrf), ("site_name", "북한인권시민연합")],
        )
        .await;
    assert_eq!(renamed.status, 303);
    assert!(
        site.get("/")
            .await
            .text()
            .contains("<title>북한인권시민연합</title>")
    );
    let audit = site.store().audit_log(50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "member.access" && e.detail == "level=8 blocked=true")
    );
    assert!(
        audit
            .iter()
            .any(|e| e.action == "setting.change" && e.detail.ends_with("→ 북한인권시민연합"))
    );
    site.finish().await;
}

#[tokio::test]
async fn redirects_are_found_added_changed_and_removed_by_a_super_administrator() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    site.member("editor", 8, false).await;
    let root = site.login("root").await;
    let editor = site.login("editor").await;
    let old = "/bbs/board.php?bo_table=notice&wr_id=12";

    // Others may neither see nor change them.
    assert_eq!(site.get("/admin/redirects").await.status, 403);
    assert_eq!(
        site.get_as("/admin/redirects", &editor.cookie).await.status,
        403
    );
    let refused = site
        .post_as(
            "/admin/redirects",
            &editor,
            &[("csrf", &editor.csrf), ("old", old), ("new", "/b/advocacy")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(site.get(old).await.status, 404);

    // A target off the site is refused with a message, and nothing changes.
    for bad in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil",
        "b/advocacy",
    ] {
        let page = site
            .post_as(
                "/admin/redirects",
                &root,
                &[("csrf", &root.csrf), ("old", old), ("new", bad)],
            )
            .await;
        assert_eq!(page.status, 422, "{bad}");
        assert!(page.text().contains("Not saved"), "{bad}");
    }
    assert_eq!(site.get(old).await.status, 404);

    // Added: the old address answers 301 to the new one, and the list finds it.
    let saved = site
        .post_as(
            "/admin/redirects",
            &root,
            &[("csrf", &root.csrf), ("old", old), ("new", "/b/advocacy")],
        )
        .await;
    assert_eq!(saved.status, 303);
    let moved = site.get(old).await;
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("location"), "/b/advocacy");
    let list = site
        .get_as("/admin/redirects?q=bo_table%3Dnotice", &root.cookie)
        .await;
    assert_eq!(list.status, 200);
    assert!(list.text().contains("/b/advocacy"));
    assert!(list.text().contains("Redirects (1)"), "{}", list.text());
    let none = site
        .get_as("/admin/redirects?q=nothing_like_it", &root.cookie)
        .await;
    assert!(none.text().contains("Redirects (0)"));

    // Changed, then removed; both audited with what was there before.
    site.post_as(
        "/admin/redirects",
        &root,
        &[
            ("csrf", &root.csrf),
            ("old", old),
            ("new", "/b/bbs_active_news"),
        ],
    )
    .await;
    assert_eq!(site.get(old).await.header("location"), "/b/bbs_active_news");
    let removed = site
        .post_as(
            "/admin/redirects/delete",
            &root,
            &[("csrf", &root.csrf), ("old", old)],
        )
        .await;
    assert_eq!(removed.status, 303);
    assert_eq!(site.get(old).await.status, 404);
    let audit = site.store().audit_log(50).await.unwrap();
    let set: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "redirect.set")
        .collect();
    assert_eq!(set.len(), 2);
    assert!(set.iter().any(|e| e.detail.contains("(was /b/advocacy)")));
    assert!(
        audit
            .iter()
            .any(|e| e.action == "redirect.delete" && e.detail.contains("/b/bbs_active_news"))
    );
    // Without the form's token nothing happens.
    let forged = site
        .post_as(
            "/admin/redirects",
            &root,
            &[("old", old), ("new", "/b/advocacy")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(site.get(old).await.status, 404);
    site.finish().await;
}
