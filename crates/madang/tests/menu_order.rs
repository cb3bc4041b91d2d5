//! Issue 3, "menu groups … ordered": a super administrator moves menu groups up and down
//! from the dashboard and removes an empty one; the public menu follows at once; a group
//! that still holds boards is refused with a message and kept; every change is audited;
//! nobody else may do either.

mod common;

use common::TestSite;

/// The menu groups' titles in the order the home page's menu shows them.
async fn menu(site: &TestSite) -> Vec<String> {
    menu_order(&site.get("/").await.text())
}

fn menu_order(html: &str) -> Vec<String> {
    html.split("menu-group-title\">")
        .skip(1)
        .map(|rest| rest.split("</span>").next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn groups_move_and_empty_ones_are_removed() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    site.member("editor", 9, false).await;
    let root = site.login("root").await;
    let editor = site.login("editor").await;
    for (slug, title) in [("second", "Second"), ("third", "Third")] {
        let made = site
            .post_as(
                "/admin/groups",
                &root,
                &[("csrf", &root.csrf), ("slug", slug), ("title", title)],
            )
            .await;
        assert_eq!(made.status, 303, "{}", made.text());
    }
    let groups = site.store().groups().await.unwrap();
    let id = |slug: &str| groups.iter().find(|g| g.slug == slug).unwrap().id;
    // Empty groups show no menu entry; the dashboard lists all three with their buttons.
    let dashboard = site.get_as("/admin", &root.cookie).await.text();
    assert!(dashboard.contains("Move up: Third") && dashboard.contains("Remove: Second"));
    assert!(!dashboard.contains("Move up: Our Work"));
    let before = site.store().audit_log(100).await.unwrap().len();

    // Third moves above Second; a board put in each shows the order on the public menu.
    for (board, group) in [("youth", "second"), ("education", "third")] {
        let b = site.store().board(board).await.unwrap().unwrap();
        let mut settings = madang_store::BoardSettings::of(&b, Default::default());
        settings.group_id = Some(id(group));
        site.store()
            .update_board(
                b.id,
                &settings,
                madang_store::ActorRef {
                    id: None,
                    name: "test",
                    ip: "",
                },
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
    }
    site.state.page_cache().generation_changed();
    assert_eq!(menu(&site).await, ["Our Work", "Second", "Third"]);
    let moved = site
        .post_as(
            &format!("/admin/groups/{}/move", id("third")),
            &root,
            &[("csrf", &root.csrf), ("dir", "up")],
        )
        .await;
    assert_eq!(moved.status, 303);
    assert_eq!(menu(&site).await, ["Our Work", "Third", "Second"]);
    // The first cannot go higher: nothing changes, nothing is audited.
    let first = site
        .post_as(
            &format!("/admin/groups/{}/move", id("our_work")),
            &root,
            &[("csrf", &root.csrf), ("dir", "up")],
        )
        .await;
    assert_eq!(first.status, 303);
    assert_eq!(menu(&site).await, ["Our Work", "Third", "Second"]);
    let audit = site.store().audit_log(100).await.unwrap();
    assert_eq!(
        audit.len(),
        before + 3,
        "two board moves and one group move"
    );
    assert_eq!(audit[0].action, "group.move");

    // A bad direction, another member, or no CSRF token: refused, nothing moves.
    let bad = site
        .post_as(
            &format!("/admin/groups/{}/move", id("third")),
            &root,
            &[("csrf", &root.csrf), ("dir", "sideways")],
        )
        .await;
    assert_eq!(bad.status, 400);
    for (who, csrf) in [(&editor, editor.csrf.as_str()), (&root, "")] {
        let refused = site
            .post_as(
                &format!("/admin/groups/{}/move", id("second")),
                who,
                &[("csrf", csrf), ("dir", "up")],
            )
            .await;
        assert_eq!(refused.status, 403);
        let refused = site
            .post_as(
                &format!("/admin/groups/{}/delete", id("second")),
                who,
                &[("csrf", csrf)],
            )
            .await;
        assert_eq!(refused.status, 403);
    }
    assert_eq!(menu(&site).await, ["Our Work", "Third", "Second"]);

    // A group holding boards is kept, with the reason.
    let kept = site
        .post_as(
            &format!("/admin/groups/{}/delete", id("our_work")),
            &root,
            &[("csrf", &root.csrf)],
        )
        .await;
    assert_eq!(kept.status, 422);
    assert!(
        kept.text().contains("still holds boards, pages or links"),
        "{}",
        kept.text()
    );
    assert_eq!(site.store().groups().await.unwrap().len(), 3);

    // An empty group goes, with its Korean title.
    let b = site.store().board("youth").await.unwrap().unwrap();
    let mut settings = madang_store::BoardSettings::of(&b, Default::default());
    settings.group_id = None;
    site.store()
        .update_board(
            b.id,
            &settings,
            madang_store::ActorRef {
                id: None,
                name: "test",
                ip: "",
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let removed = site
        .post_as(
            &format!("/admin/groups/{}/delete", id("second")),
            &root,
            &[("csrf", &root.csrf)],
        )
        .await;
    assert_eq!(removed.status, 303, "{}", removed.text());
    let slugs: Vec<String> = site
        .store()
        .groups()
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.slug)
        .collect();
    assert_eq!(slugs, ["our_work", "third"]);
    assert_eq!(menu(&site).await, ["Our Work", "Third"]);
    let audit = site.store().audit_log(1).await.unwrap();
    assert_eq!(audit[0].action, "group.delete");
    assert_eq!(audit[0].detail, "second: Second");
    site.finish().await;
}

/// The titles of the first menu group's boards and pages, in the order the menu shows them.
async fn first_group_entries(site: &TestSite, path: &str) -> Vec<String> {
    let html = site.get(path).await.text();
    let list = common::between(&html, "<ul class=\"menu-boards\">", "</ul>").unwrap();
    list.split("\">")
        .skip(1)
        .map(|rest| rest.split("</a>").next().unwrap().to_owned())
        .filter(|title| !title.contains('<'))
        .collect()
}

#[tokio::test]
async fn boards_and_pages_move_within_their_group() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    site.member("editor", 9, false).await;
    let root = site.login("root").await;
    let editor = site.login("editor").await;
    let group = site.store().groups().await.unwrap()[0].clone();
    let actor = madang_store::ActorRef {
        id: None,
        name: "test",
        ip: "",
    };
    // A content page in the group, in English and in Korean (one menu entry).
    for (lang, title) in [("en", "About us"), ("ko", "소개")] {
        let page = madang_core::page::NewPage {
            slug: "about".into(),
            lang: lang.into(),
            title: title.into(),
            body: madang_core::PostBody::Html("<p>Who we are.</p>".into()),
            group_id: Some(group.id),
            position: 2,
        };
        site.store()
            .save_page(None, page, actor, jiff::Timestamp::now())
            .await
            .unwrap();
    }
    site.state.page_cache().generation_changed();
    let before = first_group_entries(&site, "/").await;
    assert!(
        before.len() >= 3 && before.contains(&"About us".to_owned()),
        "{before:?}"
    );
    let at = before.iter().position(|t| t == "About us").unwrap();
    assert!(at > 0 && at + 1 < before.len(), "{before:?}");

    // The group's page lists them in that order with their buttons.
    let form = site
        .get_as(&format!("/admin/groups/{}", group.id), &root.cookie)
        .await
        .text();
    assert!(form.contains("Move up: About us") && form.contains("Move down: About us"));
    assert!(!form.contains(&format!("Move up: {}", before[0])));
    let audited = site.store().audit_log(100).await.unwrap().len();
    let move_entry = |who: &'static str, entry: String, dir: &'static str| {
        let (site, browser) = (&site, if who == "root" { &root } else { &editor });
        async move {
            site.post_as(
                &format!("/admin/groups/{}/entries/move", group.id),
                browser,
                &[("csrf", &browser.csrf), ("entry", &entry), ("dir", dir)],
            )
            .await
        }
    };

    // The page moves up one place, in every language's menu.
    let moved = move_entry("root", "page:about".into(), "up").await;
    assert_eq!(moved.status, 303);
    let mut expected = before.clone();
    expected.swap(at, at - 1);
    assert_eq!(first_group_entries(&site, "/").await, expected);
    let korean = first_group_entries(&site, "/ko/").await;
    assert_eq!(
        korean.iter().position(|t| t == "소개"),
        Some(at - 1),
        "{korean:?}"
    );
    // A board moves down past it again.
    let boards = site.store().boards().await.unwrap();
    // Titles as the menu escapes them ("Advocacy &amp; Campaigns").
    let board_id = |title: &str| {
        let title = title.replace("&amp;", "&");
        boards.iter().find(|b| b.title == title).unwrap().id
    };
    let first = board_id(&expected[0]);
    assert_eq!(
        move_entry("root", format!("board:{first}"), "down")
            .await
            .status,
        303
    );
    expected.swap(0, 1);
    assert_eq!(first_group_entries(&site, "/").await, expected);
    // The first cannot go higher: nothing changes, nothing is audited.
    let top = if expected[0] == "About us" {
        "page:about".to_owned()
    } else {
        format!("board:{}", board_id(&expected[0]))
    };
    assert_eq!(move_entry("root", top, "up").await.status, 303);
    assert_eq!(first_group_entries(&site, "/").await, expected);
    let audit = site.store().audit_log(100).await.unwrap();
    assert_eq!(audit.len(), audited + 2);
    assert_eq!(audit[0].action, "menu.move");
    assert_eq!(audit[0].target, format!("board:{first}"));
    assert_eq!(audit[0].detail, format!("group:{} down", group.id));
    assert_eq!(audit[1].target, "page:about");

    // Refused, nothing moves: another member, no token, a bad direction or entry, and an
    // entry of no group or another group.
    let refused = site
        .post_as(
            &format!("/admin/groups/{}/entries/move", group.id),
            &root,
            &[("entry", "page:about"), ("dir", "up")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        move_entry("editor", "page:about".into(), "up").await.status,
        403
    );
    assert_eq!(
        move_entry("root", "page:about".into(), "sideways")
            .await
            .status,
        400
    );
    assert_eq!(move_entry("root", "group:1".into(), "up").await.status, 400);
    assert_eq!(
        move_entry("root", "page:nowhere".into(), "up").await.status,
        404
    );
    assert_eq!(first_group_entries(&site, "/").await, expected);
    assert_eq!(
        site.store().audit_log(100).await.unwrap().len(),
        audited + 2
    );
    site.finish().await;
}
