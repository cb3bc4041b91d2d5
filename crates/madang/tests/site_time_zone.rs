//! Issue 3, "site settings (… time zone)": the super administrator sets the site's time
//! zone on the dashboard; pages show dates in it at once, without a restart (read through
//! the shell, which follows the site generation); emptied, the configuration's zone applies
//! again. A name the time zone database does not know is refused with the reason and
//! nothing is saved. Each change is audited with before and after; nobody else may change
//! it, nor without the form's token.

mod common;

use common::{Browser, Page, TestSite};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The first post's time on a list page: (its `datetime`, the date shown).
async fn first_date(site: &TestSite, path: &str) -> (Timestamp, String) {
    let html = site.get(path).await.text();
    let iso = common::between(&html, "<time datetime=\"", "\"").unwrap();
    let shown = common::between(&html, &format!("<time datetime=\"{iso}\">"), "</time>").unwrap();
    (iso.parse().unwrap(), shown.to_owned())
}

async fn save(site: &TestSite, who: &Browser, csrf: &str, zone: &str) -> Page {
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
            ("time_zone", zone),
        ],
    )
    .await
}

fn expected(at: Timestamp, zone: &str, lang: &str) -> String {
    madang_core::time::long_date(at, &TimeZone::get(zone).unwrap(), lang)
}

#[tokio::test]
async fn the_time_zone_is_set_refused_and_reset() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    site.member("editor", 9, false).await;
    let root = site.login("root").await;
    let editor = site.login("editor").await;
    let list = "/b/advocacy";
    let (at, shown) = first_date(&site, list).await;
    assert_eq!(
        shown,
        expected(at, "Asia/Seoul", "en"),
        "the configured zone"
    );

    // American Samoa, twenty hours behind Seoul: the date moves back a day, on the list
    // and in Korean alike.
    let saved = save(&site, &root, &root.csrf, "Pacific/Pago_Pago").await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let (at_now, shown_now) = first_date(&site, list).await;
    assert_eq!(at_now, at);
    assert_eq!(shown_now, expected(at, "Pacific/Pago_Pago", "en"));
    assert_ne!(
        shown_now, shown,
        "the demo's first post is not from late evening"
    );
    let html = site.get(list).await.text();
    assert!(
        html.contains("-11:00\">"),
        "the datetime carries the new offset"
    );
    let (_, korean) = first_date(&site, "/ko/b/advocacy").await;
    assert_eq!(korean, expected(at, "Pacific/Pago_Pago", "ko"));
    let audit = site.store().audit_log(100).await.unwrap();
    let change = audit
        .iter()
        .find(|e| e.target == "setting:time_zone")
        .unwrap();
    assert_eq!(change.detail, " → Pacific/Pago_Pago");
    // Saving the form again without a change writes no second row.
    assert_eq!(
        save(&site, &root, &root.csrf, "Pacific/Pago_Pago")
            .await
            .status,
        303
    );
    let rows = |audit: &[madang_store::AuditEntry]| {
        audit
            .iter()
            .filter(|e| e.target == "setting:time_zone")
            .count()
    };
    assert_eq!(rows(&site.store().audit_log(100).await.unwrap()), 1);
    let dashboard = site.get_as("/admin", &root.cookie).await.text();
    assert!(dashboard.contains("value=\"Pacific/Pago_Pago\""));

    // Refused, nothing saved: unknown names, paths, offsets; another member; no token.
    let audited = site.store().audit_log(100).await.unwrap().len();
    for bad in [
        "Mars/Olympus",
        "../../etc/passwd",
        "+09:00",
        "Asia/Seoul\u{0}",
    ] {
        let refused = save(&site, &root, &root.csrf, bad).await;
        assert_eq!(refused.status, 422, "{bad}");
        assert!(
            refused
                .text()
                .contains("is not a time zone this site knows"),
            "{bad}"
        );
    }
    assert_eq!(save(&site, &editor, &editor.csrf, "UTC").await.status, 403);
    assert_eq!(save(&site, &root, "", "UTC").await.status, 403);
    assert_eq!(
        site.store()
            .setting(madang_store::TIME_ZONE_SETTING)
            .await
            .unwrap()
            .as_deref(),
        Some("Pacific/Pago_Pago")
    );
    assert_eq!(site.store().audit_log(100).await.unwrap().len(), audited);
    assert_eq!(first_date(&site, list).await.1, shown_now);

    // Emptied: the configured zone again.
    assert_eq!(save(&site, &root, &root.csrf, "").await.status, 303);
    assert_eq!(first_date(&site, list).await.1, shown);
    let audit = site.store().audit_log(1).await.unwrap();
    assert_eq!(audit[0].target, "setting:time_zone");
    assert_eq!(audit[0].detail, "Pacific/Pago_Pago → ");
    site.finish().await;
}
