//! Content pages over HTTP: a super administrator writes, translates, edits and removes
//! pages through the admin forms (each audited); readers see the version in their
//! language, in the menu and in the sitemap; bad input changes nothing.

mod common;

use common::TestSite;

#[tokio::test]
async fn pages_are_written_translated_listed_and_removed() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    site.member("editor", 8, false).await;
    let root = site.login("root").await;
    let editor = site.login("editor").await;
    let group = site.store().groups().await.unwrap()[0].id.to_string();
    let about = [
        ("csrf", root.csrf.as_str()),
        ("slug", "About-Us"),
        ("lang", ""),
        ("title", "About us"),
        ("format", "html"),
        (
            "body",
            "<h2>Who we are</h2><p>Since 2009.</p><script>alert(1)</script><img src=x onerror=alert(2)>",
        ),
        ("group", group.as_str()),
        ("position", "99"),
    ];

    // Only a super administrator may see or write pages; a form without its token is refused.
    assert_eq!(site.get("/admin/pages").await.status, 403);
    assert_eq!(
        site.get_as("/admin/pages", &editor.cookie).await.status,
        403
    );
    let mut as_editor = about;
    as_editor[0].1 = editor.csrf.as_str();
    assert_eq!(
        site.post_as("/admin/pages/new", &editor, &as_editor)
            .await
            .status,
        403
    );
    let mut no_token = about;
    no_token[0].1 = "wrong";
    assert_eq!(
        site.post_as("/admin/pages/new", &root, &no_token)
            .await
            .status,
        403
    );
    assert_eq!(site.get("/pages/about-us").await.status, 404);

    // Written: the address is lower-cased, the body sanitised once, the page in the menu.
    let saved = site.post_as("/admin/pages/new", &root, &about).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let page = site.get("/pages/about-us").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("<h1>About us</h1>"), "{html}");
    assert!(html.contains("<h2>Who we are</h2>"));
    assert!(
        !html.contains("<script>alert") && !html.contains("onerror"),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="/pages/about-us" aria-current="page">About us</a>"#),
        "the menu lists the page: {html}"
    );
    assert!(html.contains(r#"hreflang="ko" href="http"#) || html.contains("hreflang=\"ko\""));

    // A Korean version: Korean readers get it, English readers keep the shared one.
    let korean = [
        ("csrf", root.csrf.as_str()),
        ("slug", "about-us"),
        ("lang", "ko"),
        ("title", "단체 소개"),
        ("format", "text"),
        ("body", "2009년부터\n<b>활동</b>"),
        ("group", group.as_str()),
        ("position", "99"),
    ];
    assert_eq!(
        site.post_as("/admin/pages/new", &root, &korean)
            .await
            .status,
        303
    );
    let ko = site.get("/ko/pages/about-us").await.text();
    assert!(ko.contains("<h1>단체 소개</h1>"), "{ko}");
    assert!(
        ko.contains("&lt;b&gt;활동&lt;/b&gt;"),
        "text is escaped: {ko}"
    );
    assert!(ko.contains(r#"<a href="/ko/pages/about-us" aria-current="page">단체 소개</a>"#));
    assert!(
        site.get("/pages/about-us")
            .await
            .text()
            .contains("<h1>About us</h1>")
    );

    // The same address and language twice, a bad address, a bad group: a message, no change.
    let before = site.store().page_entries().await.unwrap();
    let again = site.post_as("/admin/pages/new", &root, &korean).await;
    assert_eq!(again.status, 422);
    assert!(
        again.text().contains("already has this address"),
        "{}",
        again.text()
    );
    let mut bad_slug = about;
    bad_slug[1].1 = "../etc";
    let refused = site.post_as("/admin/pages/new", &root, &bad_slug).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("1 to 40 characters"));
    let mut bad_group = about;
    bad_group[1].1 = "other";
    bad_group[6].1 = "999999";
    assert_eq!(
        site.post_as("/admin/pages/new", &root, &bad_group)
            .await
            .status,
        422
    );
    let mut no_title = about;
    no_title[1].1 = "other";
    no_title[3].1 = "   ";
    assert_eq!(
        site.post_as("/admin/pages/new", &root, &no_title)
            .await
            .status,
        422
    );
    assert_eq!(site.store().page_entries().await.unwrap(), before);

    // Listed for administrators; in the sitemap once per UI language.
    let list = site.get_as("/admin/pages", &root.cookie).await.text();
    assert!(
        list.contains("About us") && list.contains("단체 소개"),
        "{list}"
    );
    let sitemap = site.get("/sitemap.xml").await.text();
    assert_eq!(
        sitemap.matches("/pages/about-us</loc>").count(),
        2,
        "{sitemap}"
    );
    assert_eq!(
        sitemap.matches("/ko/pages/about-us</loc>").count(),
        1,
        "{sitemap}"
    );

    // Edited, then removed: each change is in the audit log.
    let shared = before.iter().find(|p| p.lang.is_empty()).unwrap().id;
    let form = site
        .get_as(&format!("/admin/pages/{shared}"), &root.cookie)
        .await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("Who we are"));
    let mut edit = about;
    edit[1].1 = "about-us";
    edit[3].1 = "About the centre";
    let path = format!("/admin/pages/{shared}");
    assert_eq!(site.post_as(&path, &root, &edit).await.status, 303);
    assert!(
        site.get("/pages/about-us")
            .await
            .text()
            .contains("<h1>About the centre</h1>")
    );
    let delete = format!("/admin/pages/{shared}/delete");
    assert_eq!(
        site.post_as(&delete, &root, &[("csrf", &root.csrf)])
            .await
            .status,
        303
    );
    assert_eq!(
        site.post_as(&delete, &root, &[("csrf", &root.csrf)])
            .await
            .status,
        404
    );
    // The Korean version is what is left, for every reader.
    assert!(
        site.get("/pages/about-us")
            .await
            .text()
            .contains("단체 소개")
    );
    let audit = site.store().audit_log(50).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| a.starts_with("page.")).count(),
        4,
        "{actions:?}"
    );
    for action in ["page.create", "page.update", "page.delete"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(site.get("/pages/..%2Fetc").await.status == 404);
    site.finish().await;
}

#[tokio::test]
async fn a_new_menu_group_holds_a_page() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    site.member("editor", 8, false).await;
    let root = site.login("root").await;
    let editor = site.login("editor").await;
    let form = [
        ("csrf", root.csrf.as_str()),
        ("slug", "about"),
        ("title", "About"),
    ];
    let mut as_editor = form;
    as_editor[0].1 = editor.csrf.as_str();
    assert_eq!(
        site.post_as("/admin/groups", &editor, &as_editor)
            .await
            .status,
        403
    );
    let groups_before = site.store().groups().await.unwrap();

    // Bad names and titles: a message, nothing saved.
    for (slug, title) in [
        ("Bad Slug", "About"),
        ("admin", "About"),
        ("about", ""),
        ("about", "a\u{7}b"),
    ] {
        let page = site
            .post_as(
                "/admin/groups",
                &root,
                &[("csrf", &root.csrf), ("slug", slug), ("title", title)],
            )
            .await;
        assert_eq!(page.status, 422, "{slug:?} {title:?}");
        assert!(page.text().contains("Nothing was saved"), "{slug:?}");
    }
    assert_eq!(site.store().groups().await.unwrap(), groups_before);

    let created = site.post_as("/admin/groups", &root, &form).await;
    assert_eq!(created.status, 303);
    let again = site.post_as("/admin/groups", &root, &form).await;
    assert_eq!(again.status, 422);
    assert!(again.text().contains("already has this address name"));
    let groups = site.store().groups().await.unwrap();
    assert_eq!(groups.len(), groups_before.len() + 1);
    let about = groups.iter().find(|g| g.slug == "about").unwrap();
    assert_eq!(
        created.header("location"),
        format!("/admin/groups/{}", about.id)
    );

    // A group shows in the menu once something is in it.
    assert!(!site.get("/").await.text().contains(">About</span>"));
    let group = about.id.to_string();
    let page = [
        ("csrf", root.csrf.as_str()),
        ("slug", "contact"),
        ("lang", ""),
        ("title", "Contact"),
        ("format", "text"),
        ("body", "Write to us."),
        ("group", group.as_str()),
        ("position", "1"),
    ];
    assert_eq!(
        site.post_as("/admin/pages/new", &root, &page).await.status,
        303
    );
    let home = site.get("/").await.text();
    assert!(home.contains("About</span>"), "{home}");
    assert!(
        home.contains(r#"<a href="/pages/contact">Contact</a>"#),
        "{home}"
    );
    let audit = site.store().audit_log(20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "group.create" && a.detail == "about: About")
    );
    site.finish().await;
}
