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
        kept.text().contains("still holds boards or pages"),
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
