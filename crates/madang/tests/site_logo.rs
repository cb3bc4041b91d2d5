//! Issue 3, "site settings (name, languages, time zone, logo)": the super administrator
//! uploads a logo (PNG, JPEG or WebP, judged by its content, at most 512 KB), stored
//! through the files layer and shown in every page's header with the site's name as its
//! text; a new logo replaces the old one's file; removing it brings the name back. SVG,
//! other files and oversized ones are refused with a message and nothing changes; every
//! change is audited; nobody else may do it, nor without the form's token.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::{Browser, Page, TestSite};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR first logo";
const WEBP: &[u8] = b"RIFF\x10\0\0\0WEBPVP8 second logo";
const SVG: &[u8] =
    b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>";

async fn upload(site: &TestSite, who: &Browser, csrf: &str, name: &str, bytes: &[u8]) -> Page {
    let boundary = "madang-logo-boundary-41";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"{name}\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    site.send(
        Request::post("/admin/logo")
            .header("cookie", &who.cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// The header's site-name paragraph on `path`.
async fn header(site: &TestSite, path: &str) -> String {
    let html = site.get(path).await.text();
    common::between(&html, "<p class=\"site-name\">", "</p>")
        .unwrap()
        .to_owned()
}

async fn logo_key(site: &TestSite) -> Option<String> {
    site.store()
        .setting(madang_store::LOGO_SETTING)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_logo_is_uploaded_shown_replaced_and_removed() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    let root = site.login("root").await;
    let name = "Citizens&#39; Alliance for North Korean Human Rights (NKHR)";
    assert!(header(&site, "/").await.contains(name));
    assert!(!header(&site, "/").await.contains("<img"));

    let done = upload(&site, &root, &root.csrf, "logo.png", PNG).await;
    assert_eq!(done.status, 303, "{}", done.text());
    let key = logo_key(&site).await.expect("the logo is set");
    assert_eq!(site.state.files().read(&key).await.unwrap().as_ref(), PNG);
    let file = key.rsplit_once('/').unwrap().1.to_owned();
    for path in ["/", "/ko/", "/b/advocacy"] {
        assert_eq!(
            header(&site, path).await,
            format!(
                "<a href=\"{}/\"><img class=\"site-logo\" src=\"/logo/{file}\" alt=\"{name}\"></a>",
                if path == "/ko/" { "/ko" } else { "" }
            ),
            "{path}"
        );
    }
    let image = site.get(&format!("/logo/{file}")).await;
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), "image/png");
    assert_eq!(image.header("x-content-type-options"), "nosniff");
    assert_eq!(image.body, PNG);
    assert_eq!(site.get("/logo/0123456789abcdef").await.status, 404);
    let audit = site.store().audit_log(1).await.unwrap();
    assert_eq!(audit[0].action, "setting.change");
    assert_eq!(audit[0].target, "setting:site_logo");
    assert_eq!(audit[0].detail, format!(" → {key}"));
    // The logo's file is among those backups carry and the start-up sweep keeps.
    assert!(
        site.store()
            .referenced_storage_keys()
            .await
            .unwrap()
            .contains(&key)
    );

    // A new logo replaces the old one, whose file goes; the old address is not found.
    let done = upload(&site, &root, &root.csrf, "logo.webp", WEBP).await;
    assert_eq!(done.status, 303, "{}", done.text());
    let second = logo_key(&site).await.unwrap();
    assert_ne!(second, key);
    assert!(site.state.files().read(&key).await.is_err());
    assert_eq!(site.get(&format!("/logo/{file}")).await.status, 404);
    let second_file = second.rsplit_once('/').unwrap().1;
    let image = site.get(&format!("/logo/{second_file}")).await;
    assert_eq!(image.header("content-type"), "image/webp");
    let audit = site.store().audit_log(1).await.unwrap();
    assert_eq!(audit[0].detail, format!("{key} → {second}"));

    // Removed: the name is back, the file is gone.
    let removed = site
        .post_as("/admin/logo/delete", &root, &[("csrf", &root.csrf)])
        .await;
    assert_eq!(removed.status, 303);
    assert_eq!(logo_key(&site).await, None);
    assert!(site.state.files().read(&second).await.is_err());
    assert_eq!(
        header(&site, "/").await,
        format!("<a href=\"/\">{name}</a>")
    );
    let audit = site.store().audit_log(1).await.unwrap();
    assert_eq!(audit[0].detail, format!("{second} → "));
    site.finish().await;
}

#[tokio::test]
async fn svg_other_files_and_large_ones_are_refused() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    site.member("editor", 9, false).await;
    let root = site.login("root").await;
    let editor = site.login("editor").await;
    assert_eq!(
        upload(&site, &root, &root.csrf, "logo.png", PNG)
            .await
            .status,
        303
    );
    let key = logo_key(&site).await.unwrap();
    let audited = site.store().audit_log(100).await.unwrap().len();
    let stored = site.state.files().list().await.unwrap().len();
    let mut big = PNG.to_vec();
    big.resize(512 * 1024 + 1, 0);
    for (name, bytes, message) in [
        ("logo.svg", SVG, "must be a PNG, JPEG or WebP image"),
        (
            "logo.png",
            &b"<html><script>alert(1)</script>"[..],
            "must be a PNG",
        ),
        ("logo.gif", b"GIF89a\x01\0\x01\0", "must be a PNG"),
        ("logo.png", &big, "at most 512 KB"),
        ("logo.png", b"", "Choose an image"),
    ] {
        let refused = upload(&site, &root, &root.csrf, name, bytes).await;
        assert_eq!(refused.status, 422, "{name}");
        assert!(
            refused.text().contains(message),
            "{name}: {}",
            refused.text()
        );
    }
    let refused = upload(&site, &root, &root.csrf, "logo.svg", SVG).await;
    assert!(refused.text().contains("Nothing was changed."));
    // Another member, or no token: refused.
    for (who, csrf) in [(&editor, editor.csrf.as_str()), (&root, "")] {
        assert_eq!(
            upload(&site, who, csrf, "logo.webp", WEBP).await.status,
            403
        );
        let removed = site
            .post_as("/admin/logo/delete", who, &[("csrf", csrf)])
            .await;
        assert_eq!(removed.status, 403);
    }
    assert_eq!(logo_key(&site).await, Some(key.clone()));
    assert_eq!(site.state.files().list().await.unwrap().len(), stored);
    assert_eq!(site.store().audit_log(100).await.unwrap().len(), audited);
    let file = key.rsplit_once('/').unwrap().1;
    assert!(header(&site, "/").await.contains(&format!("/logo/{file}")));
    site.finish().await;
}
