//! Issue 3, "site settings (name, languages, …)": the super administrator chooses the
//! site's default language on the dashboard — the language whose pages are unprefixed —
//! and it takes effect at once, without a restart (read through the shell, which follows
//! the site generation); emptied, the configuration's applies again. Anything but a UI
//! language is refused and nothing is saved. Audited with before and after; nobody else
//! may change it, nor without the form's token.

mod common;

use common::{Browser, Page, TestSite};

async fn save(site: &TestSite, who: &Browser, csrf: &str, language: &str) -> Page {
    site.post_as(
        "/admin/settings",
        who,
        &[
            ("csrf", csrf),
            (
                "site_name",
                "Citizens' Alliance for North Korean Human Rights (NKHR)",
            ),
            ("registration", "closed"),
            ("default_language", language),
        ],
    )
    .await
}

async fn html_lang(site: &TestSite, path: &str) -> String {
    let page = site.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    common::between(&page.text(), "<html lang=\"", "\"")
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_default_language_is_chosen_refused_and_reset() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    site.member("editor", 9, false).await;
    let root = site.login("root").await;
    let editor = site.login("editor").await;
    assert_eq!(html_lang(&site, "/b/advocacy").await, "en");
    assert_eq!(html_lang(&site, "/ko/b/advocacy").await, "ko");

    // Korean first: unprefixed pages are Korean, English lives under /en, and the old
    // /ko addresses move to the unprefixed ones.
    let saved = save(&site, &root, &root.csrf, "ko").await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert_eq!(html_lang(&site, "/b/advocacy").await, "ko");
    assert_eq!(html_lang(&site, "/en/b/advocacy").await, "en");
    let moved = site.get("/ko/b/advocacy?page=1").await;
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("location"), "/b/advocacy?page=1");
    let audit = site.store().audit_log(100).await.unwrap();
    let rows: Vec<_> = audit
        .iter()
        .filter(|e| e.target == "setting:default_language")
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].detail, " → ko");
    let dashboard = site.get_as("/admin", &root.cookie).await.text();
    assert!(dashboard.contains("<option value=\"ko\" selected>"));

    // Refused, nothing saved: not a UI language, another member, no token.
    let audited = site.store().audit_log(100).await.unwrap().len();
    let refused = save(&site, &root, &root.csrf, "fr").await;
    assert_eq!(refused.status, 422);
    assert_eq!(save(&site, &editor, &editor.csrf, "en").await.status, 403);
    assert_eq!(save(&site, &root, "", "en").await.status, 403);
    assert_eq!(site.store().audit_log(100).await.unwrap().len(), audited);
    assert_eq!(html_lang(&site, "/b/advocacy").await, "ko");

    // Emptied: the configuration's (English) again.
    assert_eq!(save(&site, &root, &root.csrf, "").await.status, 303);
    assert_eq!(html_lang(&site, "/b/advocacy").await, "en");
    assert_eq!(html_lang(&site, "/ko/b/advocacy").await, "ko");
    assert_eq!(site.get("/en/b/advocacy").await.status, 301);
    let audit = site.store().audit_log(1).await.unwrap();
    assert_eq!(audit[0].target, "setting:default_language");
    assert_eq!(audit[0].detail, "ko → ");
    site.finish().await;
}

#[tokio::test]
async fn a_settings_form_from_before_a_field_leaves_that_setting_alone() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    let root = site.login("root").await;
    assert_eq!(save(&site, &root, &root.csrf, "ko").await.status, 303);
    let zone = site
        .post_as(
            "/admin/settings",
            &root,
            &[
                ("csrf", root.csrf.as_str()),
                ("site_name", "NKHR"),
                ("default_language", "ko"),
                ("time_zone", "Asia/Seoul"),
            ],
        )
        .await;
    assert_eq!(zone.status, 303, "{}", zone.text());
    // An open tab from before the language and time zone fields: the name changes, the
    // two settings it does not show stay.
    let old_tab = site
        .post_as(
            "/admin/settings",
            &root,
            &[
                ("csrf", root.csrf.as_str()),
                ("site_name", "NKHR (old tab)"),
            ],
        )
        .await;
    assert_eq!(old_tab.status, 303, "{}", old_tab.text());
    assert_eq!(html_lang(&site, "/b/advocacy").await, "ko");
    let store = site.store();
    let setting = |key| async move { store.setting(key).await.unwrap() };
    assert_eq!(
        setting(madang_store::TIME_ZONE_SETTING).await.as_deref(),
        Some("Asia/Seoul")
    );
    assert_eq!(
        setting(madang_store::DEFAULT_LANGUAGE_SETTING)
            .await
            .as_deref(),
        Some("ko")
    );

    // Requiring two-factor sign-in without having it set up is refused, and nothing else
    // on the form is saved either.
    let audited = site.store().audit_log(100).await.unwrap().len();
    let refused = site
        .post_as(
            "/admin/settings",
            &root,
            &[
                ("csrf", root.csrf.as_str()),
                ("site_name", "Renamed while refused"),
                ("require_2fa", "1"),
                ("default_language", ""),
            ],
        )
        .await;
    assert!(refused.text().contains("form-error"), "{}", refused.text());
    assert_eq!(site.store().audit_log(100).await.unwrap().len(), audited);
    assert!(!site.get("/").await.text().contains("Renamed while refused"));
    assert_eq!(html_lang(&site, "/b/advocacy").await, "ko");
    site.finish().await;
}
