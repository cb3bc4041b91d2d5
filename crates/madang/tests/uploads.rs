//! Issue 3, attachments per board: each board limits how many files a post carries, how
//! large each may be and which kinds it accepts (judged by content, not by name); every
//! file can have a caption, set when writing and changed when editing.

mod common;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::Request;
use common::{Browser, Page, TestSite, redirected_post};
use madang_core::uploads::{FileKind, FileKinds, UploadLimits};
use madang_store::{ActorRef, BoardSettings};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00";
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";

/// One part of a multipart form, in the order a browser sends the form's fields.
enum Part<'a> {
    Field(&'a str, &'a str),
    File(&'a str, &'a [u8]),
}

/// POSTs the parts in order (a caption follows its file, as in the form).
async fn post_parts(site: &TestSite, path: &str, browser: &Browser, parts: &[Part<'_>]) -> Page {
    let boundary = "madang-uploads-boundary-41c2";
    let mut body: Vec<u8> = Vec::new();
    for part in parts {
        match part {
            Part::Field(name, value) => body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            ),
            Part::File(file_name, bytes) => {
                body.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    site.send(
        Request::post(path)
            .header("cookie", &browser.cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// The demo site with `advocacy` allowing 2 images of at most 1 MB, and a super admin.
async fn images_board() -> (TestSite, Browser) {
    let site = TestSite::demo().await;
    let admin = site.member("uploader", 10, true).await;
    let board = site.store().board("advocacy").await.unwrap().unwrap();
    let titles = site
        .store()
        .local_titles()
        .await
        .unwrap()
        .of_board(board.id);
    let settings = BoardSettings {
        uploads: UploadLimits {
            max_files: 2,
            max_file_mb: 1,
            kinds: FileKinds::of(&[FileKind::Images]),
        },
        ..BoardSettings::of(&board, titles)
    };
    let actor = ActorRef {
        id: Some(admin.id),
        name: "uploader",
        ip: "",
    };
    site.store()
        .update_board(board.id, &settings, actor, jiff::Timestamp::now())
        .await
        .unwrap();
    let browser = site.login("uploader").await;
    (site, browser)
}

async fn post_count(site: &TestSite) -> i64 {
    site.store()
        .board("advocacy")
        .await
        .unwrap()
        .unwrap()
        .post_count
}

#[tokio::test]
async fn files_over_the_board_limits_are_refused_and_nothing_is_saved() {
    let (site, b) = images_board().await;
    let files_dir = site.dir.join("files");
    let posts_before = post_count(&site).await;
    let stored_before = files_under(&files_dir).len();
    let mut two_mb = PNG.to_vec();
    two_mb.resize(2 * 1024 * 1024, 0);
    // (what is tried, the files sent, the message expected)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a [u8])>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "a third file",
            vec![("a.png", PNG), ("b.png", PNG), ("c.gif", GIF)],
            "at most 2 files",
        ),
        (
            "a 2 MB file",
            vec![("big.png", &two_mb)],
            "“big.png” is larger than the limit of this board (1 MB per file)",
        ),
        (
            "a PDF",
            vec![("report.pdf", PDF)],
            "“report.pdf” is not an allowed type on this board (it accepts images",
        ),
        (
            "a PDF renamed .png",
            vec![("photo.png", PDF)],
            "“photo.png” is not an allowed type",
        ),
    ];
    for (case, files, message) in cases {
        let mut parts = vec![
            Part::Field("csrf", &b.csrf),
            Part::Field("title", "Typed title stays"),
            Part::Field("body", "Typed body stays"),
            Part::Field("format", "text"),
        ];
        for (name, bytes) in &files {
            parts.push(Part::File(name, bytes));
            parts.push(Part::Field("caption", "a caption"));
        }
        let page = post_parts(&site, "/b/advocacy/write", &b, &parts).await;
        assert_eq!(page.status, 422, "{case}");
        let text = page.text();
        assert!(text.contains(message), "{case}: {message} in the page");
        assert!(text.contains("role=\"alert\""), "{case}");
        assert!(text.contains("value=\"Typed title stays\""), "{case}");
        assert!(text.contains("Typed body stays"), "{case}");
        assert_eq!(post_count(&site).await, posts_before, "{case}: no post");
        assert_eq!(
            files_under(&files_dir).len(),
            stored_before,
            "{case}: no file stored"
        );
    }
    // Korean pages say it in Korean.
    let page = post_parts(
        &site,
        "/ko/b/advocacy/write",
        &b,
        &[
            Part::Field("csrf", &b.csrf),
            Part::Field("title", "제목"),
            Part::File("report.pdf", PDF),
        ],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(page.text().contains("받는 형식: 이미지"));
    site.finish().await;
}

#[tokio::test]
async fn allowed_files_are_saved_with_their_captions() {
    let (site, b) = images_board().await;
    let long = format!("  {}  ", "긴".repeat(250));
    let page = post_parts(
        &site,
        "/b/advocacy/write",
        &b,
        &[
            Part::Field("csrf", &b.csrf),
            Part::Field("title", "March photos"),
            Part::Field("body", "x"),
            Part::Field("format", "text"),
            // Content decides: a PNG named .pdf is an image.
            Part::File("crowd.pdf", PNG),
            Part::Field("caption", "  The crowd at <City Hall>\n"),
            Part::File("", b""),
            Part::Field("caption", "a caption of an empty row is dropped"),
            Part::File("banner.gif", GIF),
            Part::Field("caption", &long),
        ],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.text());
    let id = redirected_post(&page, "advocacy");
    let attachments = site.store().attachments(id).await.unwrap();
    let captions: Vec<(&str, &str, &str)> = attachments
        .iter()
        .map(|a| (a.name.as_str(), a.mime.as_str(), a.caption.as_str()))
        .collect();
    assert_eq!(captions.len(), 2);
    assert_eq!(
        captions[0],
        ("crowd.pdf", "image/png", "The crowd at <City Hall>")
    );
    assert_eq!(captions[1].1, "image/gif");
    assert_eq!(captions[1].2, "긴".repeat(200));
    let post = site.get(&format!("/b/advocacy/{id}")).await.text();
    assert!(post.contains("The crowd at &lt;City Hall&gt;"));
    assert!(!post.contains("a caption of an empty row"));
    site.finish().await;
}

#[tokio::test]
async fn the_write_form_states_the_board_limits_with_a_row_per_file() {
    let (site, b) = images_board().await;
    let page = site.get_as("/b/advocacy/write", &b.cookie).await.text();
    assert!(page.contains("Up to 2 files, 1 MB each: images (PNG, JPEG, GIF, WebP)."));
    assert_eq!(page.matches("type=\"file\"").count(), 2);
    assert!(page.contains("<label for=\"caption-2\">Caption of file 2 (optional)</label>"));
    let korean = site.get_as("/ko/b/advocacy/write", &b.cookie).await.text();
    assert!(korean.contains("최대 2개, 파일당 1MB: 이미지 (PNG, JPEG, GIF, WebP)."));
    site.finish().await;
}

#[tokio::test]
async fn editing_changes_captions_and_counts_the_files_a_post_has() {
    let (site, b) = images_board().await;
    let page = post_parts(
        &site,
        "/b/advocacy/write",
        &b,
        &[
            Part::Field("csrf", &b.csrf),
            Part::Field("title", "One photo"),
            Part::Field("body", "x"),
            Part::Field("format", "text"),
            Part::File("one.png", PNG),
            Part::Field("caption", "First caption"),
        ],
    )
    .await;
    let id = redirected_post(&page, "advocacy");
    let first = site.store().attachments(id).await.unwrap()[0].id;
    let edit_path = format!("/b/advocacy/{id}/edit");
    let form = site.get_as(&edit_path, &b.cookie).await.text();
    assert!(form.contains(&format!("name=\"caption_{first}\"")));
    assert!(form.contains("value=\"First caption\""));
    // One file stored, one more allowed: one row.
    assert_eq!(form.matches("type=\"file\"").count(), 1);

    // Two more files would make three: refused, the caption not changed either.
    let caption_field = format!("caption_{first}");
    let refused = post_parts(
        &site,
        &edit_path,
        &b,
        &[
            Part::Field("csrf", &b.csrf),
            Part::Field("title", "One photo"),
            Part::Field("body", "x"),
            Part::Field("format", "text"),
            Part::Field(&caption_field, "Typed caption"),
            Part::File("two.png", PNG),
            Part::File("three.png", PNG),
        ],
    )
    .await;
    assert_eq!(refused.status, 422);
    let text = refused.text();
    assert!(text.contains("at most 2 files"));
    assert!(
        text.contains("value=\"Typed caption\""),
        "typed caption kept"
    );
    let stored = site.store().attachments(id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].caption, "First caption");

    // A new caption and a second file.
    let saved = post_parts(
        &site,
        &edit_path,
        &b,
        &[
            Part::Field("csrf", &b.csrf),
            Part::Field("title", "One photo"),
            Part::Field("body", "x"),
            Part::Field("format", "text"),
            Part::Field(&caption_field, " Better caption "),
            // Another post's attachment id is ignored.
            Part::Field("caption_999999", "not ours"),
            Part::File("two.png", PNG),
            Part::Field("caption", "Second caption"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let stored = site.store().attachments(id).await.unwrap();
    let captions: Vec<&str> = stored.iter().map(|a| a.caption.as_str()).collect();
    assert_eq!(captions, ["Better caption", "Second caption"]);
    let post = site.get(&format!("/b/advocacy/{id}")).await.text();
    assert!(post.contains("Better caption") && post.contains("Second caption"));
    let audit = site.store().audit_log(20).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "attachment.caption")
        .expect("the caption change is audited");
    assert_eq!(entry.target, format!("post:{id}"));
    assert!(
        entry
            .detail
            .contains("\"First caption\" → \"Better caption\"")
    );
    // The post is full: no file row.
    let form = site.get_as(&edit_path, &b.cookie).await.text();
    assert_eq!(form.matches("type=\"file\"").count(), 0);
    assert!(form.contains(&format!("name=\"remove_{first}\"")));

    // Removing a stored file makes room for a new one in the same edit. The first and
    // second files have the same bytes, so one stored object: it stays for the second.
    let remove_field = format!("remove_{first}");
    let replaced = post_parts(
        &site,
        &edit_path,
        &b,
        &[
            Part::Field("csrf", &b.csrf),
            Part::Field("title", "One photo"),
            Part::Field("body", "x"),
            Part::Field("format", "text"),
            Part::Field(&remove_field, "1"),
            Part::File("three.gif", GIF),
            Part::Field("caption", "Third caption"),
        ],
    )
    .await;
    assert_eq!(replaced.status, 303, "{}", replaced.text());
    let stored = site.store().attachments(id).await.unwrap();
    let names: Vec<&str> = stored.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["two.png", "three.gif"]);
    let download = site
        .get(&format!("/b/advocacy/{id}/files/{}", stored[0].id))
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.body, PNG);
    let audit = site.store().audit_log(20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "attachment.remove" && e.detail == "one.png")
    );
    // A file no other record uses leaves storage with its record.
    let files_dir = site.dir.join("files");
    let before = files_under(&files_dir).len();
    let gif_field = format!("remove_{}", stored[1].id);
    let removed = post_parts(
        &site,
        &edit_path,
        &b,
        &[
            Part::Field("csrf", &b.csrf),
            Part::Field("title", "One photo"),
            Part::Field("body", "x"),
            Part::Field("format", "text"),
            Part::Field(&gif_field, "1"),
        ],
    )
    .await;
    assert_eq!(removed.status, 303);
    assert_eq!(site.store().attachments(id).await.unwrap().len(), 1);
    assert_eq!(files_under(&files_dir).len(), before - 1);
    site.finish().await;
}

#[tokio::test]
async fn the_admin_form_changes_the_limits_and_refuses_bad_values() {
    let site = TestSite::demo().await;
    site.member("chief", 10, true).await;
    let admin = site.login("chief").await;
    let page = site
        .get_as("/admin/boards/advocacy", &admin.cookie)
        .await
        .text();
    assert!(page.contains("name=\"max_files\"") && page.contains("value=\"10\""));
    assert!(page.contains("name=\"max_file_mb\"") && page.contains("max=\"63\""));
    assert_eq!(page.matches("name=\"kind\"").count(), 5);
    assert_eq!(
        page.matches(" checked>").count(),
        5,
        "every kind by default"
    );

    let board = site.store().board("advocacy").await.unwrap().unwrap();
    let group = board.group_id.map(|g| g.to_string()).unwrap_or_default();
    let send = |files: &'static str, mb: &'static str, kinds: &'static [&'static str]| {
        let mut form: Vec<(&str, &str)> = vec![
            ("csrf", &admin.csrf),
            ("title", "Advocacy"),
            ("group", &group),
            ("title_len", "60"),
            ("excerpt_len", "200"),
            ("page_size", "15"),
            ("list_order", "thread"),
            ("list_style", "webzine"),
            ("home_count", "5"),
            ("max_files", files),
            ("max_file_mb", mb),
            ("level_list", "1"),
            ("level_read", "1"),
            ("level_write", "8"),
            ("level_reply", "8"),
            ("level_comment", "2"),
            ("level_upload", "8"),
            ("level_download", "1"),
        ];
        form.extend(kinds.iter().map(|k| ("kind", *k)));
        let site = &site;
        let admin = &admin;
        async move { site.post_as("/admin/boards/advocacy", admin, &form).await }
    };
    let saved = send("3", "5", &["pdf", "office"]).await;
    assert_eq!(saved.status, 303);
    let after = site.store().board("advocacy").await.unwrap().unwrap();
    let limits = after.uploads;
    assert_eq!((limits.max_files, limits.max_file_mb), (3, 5));
    assert_eq!(limits.kinds.format(), "pdf,office");
    let audit = site.store().audit_log(5).await.unwrap();
    let entry = audit.iter().find(|e| e.action == "board.settings").unwrap();
    assert!(
        entry
            .detail
            .contains("files=10 file_mb=20 kinds=images,pdf,office,archives,text")
    );
    assert!(entry.detail.contains("files=3 file_mb=5 kinds=pdf,office"));
    let form = site
        .get_as("/admin/boards/advocacy", &admin.cookie)
        .await
        .text();
    assert_eq!(form.matches(" checked>").count(), 2);

    let bad: [(&str, &str, &[&str], &str); 7] = [
        (
            "51",
            "5",
            &["pdf"],
            "files per post must be a number from 0 to 50",
        ),
        ("-1", "5", &["pdf"], "files per post must be a number"),
        ("3", "0", &["pdf"], "the largest file must be"),
        ("3", "64", &["pdf"], "the largest file must be"),
        ("3", "lots", &["pdf"], "the largest file must be"),
        ("3", "5", &["exe"], "choose at least one kind of file"),
        ("3", "5", &[], "choose at least one kind of file"),
    ];
    for (files, mb, kinds, message) in bad {
        let page = send(files, mb, kinds).await;
        assert_eq!(page.status, 422, "{files} {mb} {kinds:?}");
        assert!(page.text().contains(message), "{files} {mb} {kinds:?}");
        let unchanged = site.store().board("advocacy").await.unwrap().unwrap();
        assert_eq!(unchanged.uploads, limits, "{files} {mb} {kinds:?}");
        assert_eq!(unchanged.list_order, after.list_order);
    }
    // No files at all needs no kind.
    assert_eq!(send("0", "5", &[]).await.status, 303);
    let none = site.store().board("advocacy").await.unwrap().unwrap();
    assert_eq!(none.uploads.max_files, 0);
    let write = site.get_as("/b/advocacy/write", &admin.cookie).await.text();
    assert!(write.contains("This board accepts no attachments."));
    assert!(!write.contains("type=\"file\""));
    site.finish().await;
}
