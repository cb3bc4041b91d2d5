//! Issue 3, "menu items … links to boards, pages or URLs": a super administrator adds to a
//! menu group a link to an address (another site's http(s) URL or a path of this site),
//! titled in English and Korean; it sits in the group's order with its boards and pages,
//! is edited, moved and removed; the public menu shows it, another site's address with
//! `rel="noopener noreferrer"`. A bad address is refused with the reason and nothing
//! changes; every change is audited; nobody else may do any of it, nor without the form's
//! token or from another site.

mod common;

use common::{Browser, Page, TestSite};

/// The first menu group's entries as the menu shows them: (opening tag, title).
async fn entries(site: &TestSite, path: &str) -> Vec<(String, String)> {
    let html = site.get(path).await.text();
    let list = common::between(&html, "<ul class=\"menu-boards\">", "</ul>").unwrap();
    list.split("<a ")
        .skip(1)
        .map(|rest| {
            let (tag, rest) = rest.split_once('>').unwrap();
            let title = rest.split("</a>").next().unwrap();
            (tag.to_owned(), title.to_owned())
        })
        .collect()
}

fn titles(entries: &[(String, String)]) -> Vec<&str> {
    entries.iter().map(|(_, t)| t.as_str()).collect()
}

async fn link_ids(site: &TestSite) -> Vec<i64> {
    let mut ids: Vec<i64> = site
        .store()
        .menu_links()
        .await
        .unwrap()
        .iter()
        .map(|l| l.id)
        .collect();
    ids.sort_unstable();
    ids
}

async fn add(site: &TestSite, group: i64, who: &Browser, form: &[(&str, &str)]) -> Page {
    let mut with_token = vec![("csrf", who.csrf.as_str())];
    with_token.extend_from_slice(form);
    site.post_as(&format!("/admin/groups/{group}/links"), who, &with_token)
        .await
}

#[tokio::test]
async fn links_are_added_edited_moved_and_removed() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    let root = site.login("root").await;
    let group = site.store().groups().await.unwrap()[0].id;
    let before = entries(&site, "/").await;
    assert!(before.len() >= 2, "{before:?}");
    let audited = site.store().audit_log(100).await.unwrap().len();

    // Another site's address, titled in both languages: last in the group, in each menu.
    let added = add(
        &site,
        group,
        &root,
        &[
            ("title", "Donate"),
            ("title_ko", "후원하기"),
            ("url", " https://donate.example.org/nk?x=1&y=2 "),
        ],
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.text());
    let donate = link_ids(&site).await[0];
    let menu = entries(&site, "/").await;
    assert_eq!(menu.len(), before.len() + 1);
    assert_eq!(
        menu.last().unwrap(),
        &(
            "href=\"https://donate.example.org/nk?x=1&amp;y=2\" rel=\"noopener noreferrer\""
                .to_owned(),
            "Donate".to_owned()
        )
    );
    assert!(!menu.last().unwrap().0.contains("target"));
    let korean = entries(&site, "/ko/").await;
    assert_eq!(korean.last().unwrap().1, "후원하기");
    let audit = site.store().audit_log(1).await.unwrap();
    assert_eq!(audit[0].action, "menu.link.add");
    assert_eq!(audit[0].target, format!("link:{donate}"));
    assert_eq!(
        audit[0].detail,
        format!(
            "group:{group} title=Donate title[ko]=후원하기 url=https://donate.example.org/nk?x=1&y=2"
        )
    );

    // A path of this site: linked as typed, without rel, after the first link.
    let added = add(
        &site,
        group,
        &root,
        &[("title", "Statements"), ("url", "/b/advocacy?category=x")],
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.text());
    let statements = link_ids(&site).await[1];
    let menu = entries(&site, "/").await;
    assert_eq!(
        menu.last().unwrap(),
        &(
            "href=\"/b/advocacy?category=x\"".to_owned(),
            "Statements".to_owned()
        )
    );
    assert_eq!(
        entries(&site, "/ko/").await.last().unwrap().1,
        "Statements",
        "no Korean title: the default"
    );

    // The group's page lists both with their edit links and move buttons.
    let form = site
        .get_as(&format!("/admin/groups/{group}"), &root.cookie)
        .await
        .text();
    assert!(form.contains(&format!("href=\"/admin/links/{donate}\"")));
    assert!(form.contains("Edit: Statements") && form.contains("Move up: Statements"));
    assert!(!form.contains("Move down: Statements"));
    assert!(form.contains(&format!("/admin/groups/{group}/links/new")));

    // Moving the first link up, past the group's last board or page.
    let moved = site
        .post_as(
            &format!("/admin/groups/{group}/entries/move"),
            &root,
            &[
                ("csrf", &root.csrf),
                ("entry", &format!("link:{donate}")),
                ("dir", "up"),
            ],
        )
        .await;
    assert_eq!(moved.status, 303);
    let mut expected: Vec<String> = titles(&before).iter().map(|t| t.to_string()).collect();
    expected.insert(before.len() - 1, "Donate".into());
    expected.push("Statements".into());
    assert_eq!(titles(&entries(&site, "/").await), expected);
    let audit = site.store().audit_log(1).await.unwrap();
    assert_eq!(audit[0].action, "menu.move");
    assert_eq!(audit[0].target, format!("link:{donate}"));

    // Editing: new title and address, with before and after in the audit log; the link
    // keeps its place.
    let edit_form = site
        .get_as(&format!("/admin/links/{statements}"), &root.cookie)
        .await;
    assert_eq!(edit_form.status, 200);
    assert!(
        edit_form
            .text()
            .contains("value=\"/b/advocacy?category=x\"")
    );
    let saved = site
        .post_as(
            &format!("/admin/links/{statements}"),
            &root,
            &[
                ("csrf", &root.csrf),
                ("title", "Our reports"),
                ("title_ko", "보고서"),
                ("url", "https://example.org/reports"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let menu = entries(&site, "/").await;
    assert_eq!(
        menu.last().unwrap(),
        &(
            "href=\"https://example.org/reports\" rel=\"noopener noreferrer\"".to_owned(),
            "Our reports".to_owned()
        )
    );
    assert_eq!(entries(&site, "/ko/").await.last().unwrap().1, "보고서");
    let audit = site.store().audit_log(1).await.unwrap();
    assert_eq!(audit[0].action, "menu.link.edit");
    assert_eq!(
        audit[0].detail,
        "title=Statements url=/b/advocacy?category=x → title=Our reports title[ko]=보고서 url=https://example.org/reports"
    );

    // A group holding a link is not removed.
    let kept = site
        .post_as(
            &format!("/admin/groups/{group}/delete"),
            &root,
            &[("csrf", &root.csrf)],
        )
        .await;
    assert_eq!(kept.status, 422);

    // Removing: gone from the menu, audited with what it was.
    let removed = site
        .post_as(
            &format!("/admin/links/{donate}/delete"),
            &root,
            &[("csrf", &root.csrf)],
        )
        .await;
    assert_eq!(removed.status, 303);
    assert_eq!(link_ids(&site).await, [statements]);
    let menu = entries(&site, "/").await;
    assert!(!titles(&menu).contains(&"Donate"), "{menu:?}");
    let audit = site.store().audit_log(100).await.unwrap();
    assert_eq!(audit[0].action, "menu.link.delete");
    assert_eq!(audit[0].target, format!("link:{donate}"));
    assert!(
        audit[0]
            .detail
            .contains("url=https://donate.example.org/nk?x=1&y=2")
    );
    assert_eq!(
        audit.len(),
        audited + 5,
        "two adds, a move, an edit, a delete"
    );
    assert_eq!(
        site.get_as(&format!("/admin/links/{donate}"), &root.cookie)
            .await
            .status,
        404
    );
    site.finish().await;
}

#[tokio::test]
async fn bad_addresses_are_refused_and_nothing_changes() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    let root = site.login("root").await;
    let group = site.store().groups().await.unwrap()[0].id;
    let added = add(
        &site,
        group,
        &root,
        &[("title", "Donate"), ("url", "https://example.org/give")],
    )
    .await;
    assert_eq!(added.status, 303);
    let link = link_ids(&site).await[0];
    let menu = entries(&site, "/").await;
    let audited = site.store().audit_log(100).await.unwrap().len();
    for bad in [
        "javascript:alert(1)",
        " JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/x",
        "/\\evil.example",
        "ftp://example.org/file",
        "example.org",
        "https://",
        "",
    ] {
        let refused = add(&site, group, &root, &[("title", "Bad"), ("url", bad)]).await;
        assert_eq!(refused.status, 422, "{bad}");
        let text = refused.text();
        assert!(
            text.contains("This address can&#39;t be used in the menu"),
            "{bad}: {text}"
        );
        let refused = site
            .post_as(
                &format!("/admin/links/{link}"),
                &root,
                &[("csrf", &root.csrf), ("title", "Bad"), ("url", bad)],
            )
            .await;
        assert_eq!(refused.status, 422, "{bad}");
    }
    // The message in Korean, with what was typed shown again.
    let refused = site
        .post_as(
            &format!("/ko/admin/groups/{group}/links"),
            &root,
            &[
                ("csrf", &root.csrf),
                ("title", "나쁜 링크"),
                ("url", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    let text = refused.text();
    assert!(text.contains("이 주소는 메뉴에 쓸 수 없습니다"), "{text}");
    assert!(text.contains("value=\"나쁜 링크\""));
    assert_eq!(link_ids(&site).await, [link]);
    assert_eq!(
        site.store().menu_link(link).await.unwrap().url,
        "https://example.org/give"
    );
    assert_eq!(entries(&site, "/").await, menu);
    assert_eq!(site.store().audit_log(100).await.unwrap().len(), audited);
    // The store refuses too, whoever calls it.
    let direct = site
        .store()
        .add_menu_link(
            group,
            &madang_store::MenuLinkSettings {
                title: "Bad".into(),
                titles: Default::default(),
                url: "javascript:alert(1)".into(),
            },
            madang_store::ActorRef {
                id: None,
                name: "test",
                ip: "",
            },
            jiff::Timestamp::now(),
        )
        .await;
    assert!(matches!(direct, Err(madang_store::StoreError::Invalid(_))));
    assert_eq!(link_ids(&site).await, [link]);
    site.finish().await;
}

#[tokio::test]
async fn only_a_super_administrator_with_the_token_changes_links() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    site.member("editor", 9, false).await;
    let root = site.login("root").await;
    let editor = site.login("editor").await;
    let group = site.store().groups().await.unwrap()[0].id;
    let added = add(
        &site,
        group,
        &root,
        &[("title", "Donate"), ("url", "https://example.org/give")],
    )
    .await;
    assert_eq!(added.status, 303);
    let link = link_ids(&site).await[0];
    let audited = site.store().audit_log(100).await.unwrap().len();
    let form = [("title", "Changed"), ("url", "/b/advocacy")];
    let no_token = Browser {
        cookie: root.cookie.clone(),
        csrf: String::new(),
    };
    for who in [&editor, &no_token] {
        assert_eq!(add(&site, group, who, &form).await.status, 403);
        let mut with_token = vec![("csrf", who.csrf.as_str())];
        with_token.extend_from_slice(&form);
        let edited = site
            .post_as(&format!("/admin/links/{link}"), who, &with_token)
            .await;
        assert_eq!(edited.status, 403);
        let removed = site
            .post_as(
                &format!("/admin/links/{link}/delete"),
                who,
                &[("csrf", &who.csrf)],
            )
            .await;
        assert_eq!(removed.status, 403);
        let moved = site
            .post_as(
                &format!("/admin/groups/{group}/entries/move"),
                who,
                &[
                    ("csrf", &who.csrf),
                    ("entry", &format!("link:{link}")),
                    ("dir", "up"),
                ],
            )
            .await;
        assert_eq!(moved.status, 403);
    }
    for path in [
        format!("/admin/links/{link}"),
        format!("/admin/groups/{group}/links/new"),
    ] {
        assert_eq!(site.get_as(&path, &editor.cookie).await.status, 403);
        assert_ne!(site.get(&path).await.status, 200);
    }
    // With the token, but sent from another site.
    let request = axum::http::Request::post(format!("/admin/links/{link}/delete"))
        .header("cookie", &root.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .header("host", "127.0.0.1:8080")
        .body(axum::body::Body::from(format!("csrf={}", root.csrf)))
        .unwrap();
    assert_eq!(site.send(request).await.status, 403);
    let kept = site.store().menu_link(link).await.unwrap();
    assert_eq!(
        (kept.title.as_str(), kept.url.as_str()),
        ("Donate", "https://example.org/give")
    );
    assert_eq!(site.store().audit_log(100).await.unwrap().len(), audited);
    site.finish().await;
}
