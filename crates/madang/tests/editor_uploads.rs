//! Issue 3, files dropped into the editor: `editor.js` sends each to `/b/{board}/uploads`
//! (session, CSRF token, the board's write and upload levels, and its count, size and
//! kinds judged by content, as the form's own files are); the file is staged for its
//! sender and shown at a staging address only they can load; saving the post makes the
//! files its body refers to attachments and points the body at them.

mod common;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::Request;
use common::{Browser, Page, TestSite, between, redirected_post};
use madang_core::uploads::{FileKind, FileKinds, UploadLimits};
use madang_store::{ActorRef, BoardSettings};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00";
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";

/// What an editor upload sends.
struct Drop<'a> {
    csrf: &'a str,
    batch: &'a str,
    post: &'a str,
    name: &'a str,
    bytes: &'a [u8],
}

/// POSTs one file as `editor.js` does, with extra headers.
async fn send(
    site: &TestSite,
    path: &str,
    cookie: Option<&str>,
    drop: &Drop<'_>,
    headers: &[(&str, &str)],
) -> Page {
    let boundary = "madang-editor-boundary-93ab";
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in [
        ("csrf", drop.csrf),
        ("batch", drop.batch),
        ("post", drop.post),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            drop.name
        )
        .as_bytes(),
    );
    body.extend_from_slice(drop.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut request = Request::post(path).header(
        "content-type",
        format!("multipart/form-data; boundary={boundary}"),
    );
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    site.send(request.body(Body::from(body)).unwrap()).await
}

/// Drops a file into the write form (`batch`) of `board` as `b`.
async fn drop_file(
    site: &TestSite,
    b: &Browser,
    batch: &str,
    post: &str,
    name: &str,
    bytes: &[u8],
) -> Page {
    let drop = Drop {
        csrf: &b.csrf,
        batch,
        post,
        name,
        bytes,
    };
    send(site, "/b/advocacy/uploads", Some(&b.cookie), &drop, &[]).await
}

/// A PNG dropped into a new post's editor.
fn png_drop<'a>(csrf: &'a str, batch: &'a str) -> Drop<'a> {
    Drop {
        csrf,
        batch,
        post: "",
        name: "a.png",
        bytes: PNG,
    }
}

fn json(page: &Page) -> serde_json::Value {
    assert_eq!(page.header("content-type"), "application/json");
    serde_json::from_slice(&page.body).expect("a JSON answer")
}

/// The accepted file's staging address.
fn staged_url(page: &Page) -> String {
    assert_eq!(page.status, 200, "{}", page.text());
    json(page)["url"].as_str().unwrap().to_owned()
}

/// The refusal's message.
fn refusal(page: &Page) -> String {
    json(page)["error"].as_str().unwrap().to_owned()
}

/// The batch key the write (or edit) form at `path` carries.
async fn batch_of(site: &TestSite, b: &Browser, path: &str) -> String {
    let form = site.get_as(path, &b.cookie).await.text();
    between(&form, "name=\"upload_batch\" value=\"", "\"")
        .expect("the form carries a batch key")
        .to_owned()
}

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

async fn writer() -> (TestSite, Browser) {
    let site = TestSite::demo().await;
    site.member("writer", 10, true).await;
    let b = site.login("writer").await;
    (site, b)
}

/// Sets `advocacy`'s upload limits.
async fn limit(site: &TestSite, uploads: UploadLimits) {
    let board = site.store().board("advocacy").await.unwrap().unwrap();
    let titles = site
        .store()
        .local_titles()
        .await
        .unwrap()
        .of_board(board.id);
    let settings = BoardSettings {
        uploads,
        ..BoardSettings::of(&board, titles)
    };
    let actor = ActorRef {
        id: None,
        name: "test",
        ip: "",
    };
    site.store()
        .update_board(board.id, &settings, actor, jiff::Timestamp::now())
        .await
        .unwrap();
}

#[tokio::test]
async fn files_dropped_into_a_new_post_become_its_attachments_when_it_is_saved() {
    let (site, b) = writer().await;
    let form = site.get_as("/b/advocacy/write", &b.cookie).await.text();
    assert!(
        form.contains("data-upload-url=\"/b/advocacy/uploads\""),
        "{form}"
    );
    assert!(form.contains("id=\"editor-status\" role=\"status\""));
    let batch = batch_of(&site, &b, "/b/advocacy/write").await;
    assert_eq!(batch.len(), 32);

    let picture = drop_file(&site, &b, &batch, "", "지도.png", PNG).await;
    let answer = json(&picture);
    assert_eq!(answer["name"], "지도.png");
    assert_eq!(answer["image"], true);
    let picture = staged_url(&picture);
    assert!(picture.starts_with("/b/advocacy/uploads/"), "{picture}");
    let report = drop_file(&site, &b, &batch, "", "report.pdf", PDF).await;
    assert_eq!(json(&report)["image"], false);
    let report = staged_url(&report);
    let unused = staged_url(&drop_file(&site, &b, &batch, "", "unused.gif", GIF).await);

    // Before saving, only its sender can load a staged file.
    let shown = site.get_as(&picture, &b.cookie).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.header("content-type"), "image/png");
    assert_eq!(shown.body, PNG);
    assert!(shown.header("cache-control").contains("no-store"));
    assert_eq!(site.get(&picture).await.status, 404);
    site.member("colleague", 10, true).await;
    let colleague = site.login("colleague").await;
    assert_eq!(site.get_as(&picture, &colleague.cookie).await.status, 404);
    // Under another board's address it is not found either.
    let elsewhere = picture.replace("/b/advocacy/", "/b/youth/");
    assert_eq!(site.get_as(&elsewhere, &b.cookie).await.status, 404);

    // Published with the editor's HTML referring to two of the three.
    let body = format!(
        "<p>The map: <img src=\"{picture}\"></p><p><a href=\"{report}\">report.pdf</a></p>"
    );
    let created = site
        .post_multipart(
            "/b/advocacy/write",
            &b,
            &[
                ("csrf", &b.csrf),
                ("title", "Dropped files"),
                ("format", "html"),
                ("body", &body),
                ("upload_batch", &batch),
                ("intent", "publish"),
            ],
            &[],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text());
    let id = redirected_post(&created, "advocacy");
    let files = site.store().attachments(id).await.unwrap();
    let names: Vec<&str> = files.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["지도.png", "report.pdf"]);
    let page = site.get(&format!("/b/advocacy/{id}")).await.text();
    let image = format!("<img src=\"/b/advocacy/{id}/files/{}\"", files[0].id);
    let link = format!("href=\"/b/advocacy/{id}/files/{}\"", files[1].id);
    assert!(page.contains(&image), "{page}");
    assert!(page.contains(&link), "{page}");
    assert!(!page.contains("/uploads/"), "no staging address is left");
    assert!(page.contains("class=\"attachments\""));
    let download = site
        .get(&format!("/b/advocacy/{id}/files/{}", files[0].id))
        .await;
    assert_eq!(download.body, PNG);
    // Claimed: the staging address is gone; the unused file waits for its form.
    assert_eq!(site.get_as(&picture, &b.cookie).await.status, 404);
    assert_eq!(site.get_as(&unused, &b.cookie).await.status, 200);
    let added = site
        .store()
        .audit_log(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "attachment.add" && e.target == format!("post:{id}"))
        .count();
    assert_eq!(added, 2);

    // Another member's staged file in a body is not theirs to claim.
    let other_batch = batch_of(&site, &colleague, "/b/advocacy/write").await;
    let body = format!("<p><img src=\"{unused}\"></p>");
    let theft = site
        .post_multipart(
            "/b/advocacy/write",
            &colleague,
            &[
                ("csrf", &colleague.csrf),
                ("title", "Not mine"),
                ("body", &body),
                ("upload_batch", &other_batch),
            ],
            &[],
        )
        .await;
    let theft = redirected_post(&theft, "advocacy");
    assert!(site.store().attachments(theft).await.unwrap().is_empty());
    assert_eq!(site.get_as(&unused, &b.cookie).await.status, 200);
    site.finish().await;
}

#[tokio::test]
async fn files_dropped_while_editing_are_attached_to_that_post_in_html_and_markdown() {
    let (site, b) = writer().await;
    let created = site
        .post_multipart(
            "/b/advocacy/write",
            &b,
            &[
                ("csrf", &b.csrf),
                ("title", "Notes"),
                ("format", "markdown"),
                ("body", "First *notes*."),
            ],
            &[],
        )
        .await;
    let id = redirected_post(&created, "advocacy");
    let edit = format!("/b/advocacy/{id}/edit");
    let form = site.get_as(&edit, &b.cookie).await.text();
    assert!(
        form.contains(&format!("data-upload-post=\"{id}\"")),
        "{form}"
    );
    let batch = batch_of(&site, &b, &edit).await;
    let picture =
        staged_url(&drop_file(&site, &b, &batch, &id.to_string(), "photo.png", PNG).await);
    // Markdown, as editor.js writes a dropped picture into a Markdown body.
    let source = format!("First *notes*.\n\n![photo.png]({picture})\n");
    let saved = site
        .post_multipart(
            &edit,
            &b,
            &[
                ("csrf", &b.csrf),
                ("title", "Notes"),
                ("format", "markdown"),
                ("body", &source),
                ("upload_batch", &batch),
                ("intent", "publish"),
            ],
            &[],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let files = site.store().attachments(id).await.unwrap();
    assert_eq!(files.len(), 1);
    let address = format!("/b/advocacy/{id}/files/{}", files[0].id);
    // The source points at the attachment too, so the next edit keeps the picture.
    assert_eq!(
        site.store().markdown_source(id).await.unwrap(),
        format!("First *notes*.\n\n![photo.png]({address})\n")
    );
    let page = site.get(&format!("/b/advocacy/{id}")).await.text();
    assert!(
        page.contains(&format!("<img src=\"{address}\" alt=\"photo.png\">")),
        "{page}"
    );
    // The earlier version is a revision, as for any edit.
    assert_eq!(site.store().revision_count(id).await.unwrap(), 1);

    // The edit form of someone else's post is not a way in for a member who may not edit it.
    site.member("member", 2, false).await;
    let member = site.login("member").await;
    let refused = drop_file(&site, &member, &batch, &id.to_string(), "x.png", PNG).await;
    assert_eq!(refused.status, 403);
    site.finish().await;
}

#[tokio::test]
async fn editor_uploads_need_a_session_its_token_and_the_upload_level() {
    let (site, b) = writer().await;
    let files_dir = site.dir.join("files");
    let stored_before = files_under(&files_dir).len();
    let batch = batch_of(&site, &b, "/b/advocacy/write").await;
    let drop = |csrf| png_drop(csrf, &batch);

    // Signed out.
    let anonymous = send(&site, "/b/advocacy/uploads", None, &drop(&b.csrf), &[]).await;
    assert_eq!(anonymous.status, 403);
    assert!(refusal(&anonymous).contains("no longer signed in"));
    // A forged token.
    let forged = send(
        &site,
        "/b/advocacy/uploads",
        Some(&b.cookie),
        &drop("forged"),
        &[],
    )
    .await;
    assert_eq!(forged.status, 403);
    assert!(refusal(&forged).contains("no longer signed in, or this page is out of date"));
    // From another site.
    let cross = send(
        &site,
        "/b/advocacy/uploads",
        Some(&b.cookie),
        &drop(&b.csrf),
        &[
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ],
    )
    .await;
    assert_eq!(cross.status, 403);
    // A member below the board's write level.
    site.member("reader", 2, false).await;
    let reader = site.login("reader").await;
    let low = send(
        &site,
        "/b/advocacy/uploads",
        Some(&reader.cookie),
        &drop(&reader.csrf),
        &[],
    )
    .await;
    assert_eq!(low.status, 403);
    assert_eq!(refusal(&low), "You may not attach files on this board.");
    // One who may write but not upload.
    let board = site.store().board("advocacy").await.unwrap().unwrap();
    let titles = site
        .store()
        .local_titles()
        .await
        .unwrap()
        .of_board(board.id);
    let mut settings = BoardSettings::of(&board, titles);
    settings.levels.write = madang_core::Level::new(2).unwrap();
    settings.levels.upload = madang_core::Level::new(9).unwrap();
    let actor = ActorRef {
        id: None,
        name: "test",
        ip: "",
    };
    site.store()
        .update_board(board.id, &settings, actor, jiff::Timestamp::now())
        .await
        .unwrap();
    let writes = send(
        &site,
        "/b/advocacy/uploads",
        Some(&reader.cookie),
        &drop(&reader.csrf),
        &[],
    )
    .await;
    assert_eq!(writes.status, 403);
    // …and who cannot sneak a staged file in through the form either.
    let staged = staged_url(&drop_file(&site, &b, &batch, "", "a.png", PNG).await);
    let body = format!("<img src=\"{staged}\">");
    let sneaked = site
        .post_multipart(
            "/b/advocacy/write",
            &reader,
            &[("csrf", &reader.csrf), ("title", "t"), ("body", &body)],
            &[],
        )
        .await;
    assert_eq!(sneaked.status, 403);
    // Korean pages say it in Korean.
    let korean = send(
        &site,
        "/ko/b/advocacy/uploads",
        Some(&reader.cookie),
        &drop(&reader.csrf),
        &[],
    )
    .await;
    assert_eq!(
        refusal(&korean),
        "이 게시판에는 파일을 첨부할 권한이 없습니다."
    );
    // A batch key that is not one, an unknown board, an empty file.
    let bad = Drop {
        batch: "../../etc",
        ..drop(&b.csrf)
    };
    let bad = send(&site, "/b/advocacy/uploads", Some(&b.cookie), &bad, &[]).await;
    assert_eq!(bad.status, 400);
    assert!(refusal(&bad).contains("could not be uploaded"));
    let unknown = send(
        &site,
        "/b/nowhere/uploads",
        Some(&b.cookie),
        &drop(&b.csrf),
        &[],
    )
    .await;
    assert_eq!(unknown.status, 404);
    let empty = Drop {
        bytes: b"",
        ..drop(&b.csrf)
    };
    let empty = send(&site, "/b/advocacy/uploads", Some(&b.cookie), &empty, &[]).await;
    assert_eq!(empty.status, 400);
    // The upload address is no page: a translated "not found", as before it existed.
    let page = site.get_as("/b/advocacy/uploads", &b.cookie).await;
    assert_eq!(page.status, 404);
    assert!(page.text().contains("<html lang=\"en\""));
    // Only the one accepted file was stored.
    assert_eq!(files_under(&files_dir).len(), stored_before + 1);
    site.finish().await;
}

#[tokio::test]
async fn editor_uploads_keep_to_the_board_limits_judged_by_content() {
    let (site, b) = writer().await;
    limit(
        &site,
        UploadLimits {
            max_files: 2,
            max_file_mb: 1,
            kinds: FileKinds::of(&[FileKind::Images]),
        },
    )
    .await;
    let files_dir = site.dir.join("files");
    let stored_before = files_under(&files_dir).len();
    let batch = batch_of(&site, &b, "/b/advocacy/write").await;
    let mut two_mb = PNG.to_vec();
    two_mb.resize(2 * 1024 * 1024, 0);
    for (name, bytes, message) in [
        (
            "report.pdf",
            PDF,
            "“report.pdf” is not an allowed type on this board (it accepts images",
        ),
        ("photo.png", PDF, "“photo.png” is not an allowed type"),
        (
            "big.png",
            &two_mb[..],
            "“big.png” is larger than the limit of this board (1 MB per file); it was not added.",
        ),
    ] {
        let page = drop_file(&site, &b, &batch, "", name, bytes).await;
        assert_eq!(page.status, 422, "{name}");
        assert!(
            refusal(&page).contains(message),
            "{name}: {}",
            refusal(&page)
        );
    }
    // Past what the server reads at all (64 MB), the answer is the same kind of message.
    let mut huge = PNG.to_vec();
    huge.resize(65 * 1024 * 1024, 0);
    let page = drop_file(&site, &b, &batch, "", "huge.png", &huge).await;
    assert_eq!(page.status, 413);
    assert!(
        refusal(&page).contains("larger than the limit of this board (1 MB per file)"),
        "{}",
        refusal(&page)
    );
    drop(huge);
    assert_eq!(files_under(&files_dir).len(), stored_before);
    let first = staged_url(&drop_file(&site, &b, &batch, "", "a.png", PNG).await);
    let second = staged_url(&drop_file(&site, &b, &batch, "", "b.gif", GIF).await);
    let third = drop_file(&site, &b, &batch, "", "c.png", PNG).await;
    assert_eq!(third.status, 422);
    assert!(refusal(&third).contains("at most 2 files; “c.png” was not added"));
    // Korean.
    let korean = send(
        &site,
        "/ko/b/advocacy/uploads",
        Some(&b.cookie),
        &Drop {
            csrf: &b.csrf,
            batch: &batch,
            post: "",
            name: "c.png",
            bytes: PNG,
        },
        &[],
    )
    .await;
    assert!(refusal(&korean).contains("최대 2개까지"));
    // Each form counts its own.
    let other = batch_of(&site, &b, "/b/advocacy/write").await;
    assert_ne!(other, batch);
    staged_url(&drop_file(&site, &b, &other, "", "c.png", PNG).await);

    // Saving: two dropped files and one more in the form is one too many; nothing saved.
    let before = site
        .store()
        .board("advocacy")
        .await
        .unwrap()
        .unwrap()
        .post_count;
    let body = format!("<img src=\"{first}\"><img src=\"{second}\">");
    let refused = site
        .post_multipart(
            "/b/advocacy/write",
            &b,
            &[
                ("csrf", &b.csrf),
                ("title", "Too many"),
                ("body", &body),
                ("upload_batch", &batch),
            ],
            &[("third.png", PNG)],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("at most 2 files"));
    // The form comes back with its batch, so the editor's files still show.
    assert!(refused.text().contains(&format!("value=\"{batch}\"")));
    assert_eq!(site.get_as(&first, &b.cookie).await.status, 200);
    let after = site
        .store()
        .board("advocacy")
        .await
        .unwrap()
        .unwrap()
        .post_count;
    assert_eq!(before, after);
    // Without the extra file it is saved with both.
    let saved = site
        .post_multipart(
            "/b/advocacy/write",
            &b,
            &[("csrf", &b.csrf), ("title", "Two"), ("body", &body)],
            &[],
        )
        .await;
    let id = redirected_post(&saved, "advocacy");
    assert_eq!(site.store().attachments(id).await.unwrap().len(), 2);
    // Its edit form has no room left: a drop there is refused.
    let edit_batch = site
        .get_as(&format!("/b/advocacy/{id}/edit"), &b.cookie)
        .await
        .text();
    assert!(
        !edit_batch.contains("data-upload-url"),
        "no drop target when full"
    );
    let full = drop_file(&site, &b, &other, &id.to_string(), "d.png", PNG).await;
    assert_eq!(full.status, 422);
    site.finish().await;
}

#[tokio::test]
async fn staged_files_expire_and_are_kept_until_then() {
    let (site, b) = writer().await;
    let batch = batch_of(&site, &b, "/b/advocacy/write").await;
    let staged = staged_url(&drop_file(&site, &b, &batch, "", "a.png", PNG).await);
    let token = staged.rsplit('/').next().unwrap();
    let key = site
        .store()
        .staged_upload(token)
        .await
        .unwrap()
        .unwrap()
        .storage_key;
    // Waiting files count as referenced: the start-up sweep and backups keep them.
    assert!(
        site.store()
            .referenced_storage_keys()
            .await
            .unwrap()
            .contains(&key)
    );
    let now = jiff::Timestamp::now();
    assert!(site.store().expire_staged(now).await.unwrap().is_empty());
    let later = now + jiff::SignedDuration::from_secs(madang_core::staging::LIFETIME_SECONDS + 1);
    assert_eq!(site.store().expire_staged(later).await.unwrap(), vec![key]);
    assert!(site.store().staged_upload(token).await.unwrap().is_none());
    assert_eq!(site.get_as(&staged, &b.cookie).await.status, 404);
    site.finish().await;
}

#[tokio::test]
async fn a_copy_or_a_move_points_its_body_at_its_own_attachments() {
    let (site, b) = writer().await;
    let youth = site.store().board("youth").await.unwrap().unwrap();
    let batch = batch_of(&site, &b, "/b/advocacy/write").await;
    let picture = staged_url(&drop_file(&site, &b, &batch, "", "map.png", PNG).await);
    let body = format!("<p><img src=\"{picture}\"></p>");
    let created = site
        .post_multipart(
            "/b/advocacy/write",
            &b,
            &[("csrf", &b.csrf), ("title", "Map"), ("body", &body)],
            &[],
        )
        .await;
    let id = redirected_post(&created, "advocacy");
    let target = youth.id.to_string();
    let moved = site
        .post_as(
            &format!("/b/advocacy/{id}/transfer"),
            &b,
            &[("csrf", &b.csrf), ("mode", "move"), ("target", &target)],
        )
        .await;
    let moved = redirected_post(&moved, "youth");
    let files = site.store().attachments(moved).await.unwrap();
    let address = format!("/b/youth/{moved}/files/{}", files[0].id);
    let page = site.get(&format!("/b/youth/{moved}")).await.text();
    assert!(page.contains(&format!("<img src=\"{address}\"")), "{page}");
    assert!(
        !page.contains("/b/advocacy/"),
        "nothing points at the deleted source"
    );
    // The picture loads, as the source's address no longer would.
    assert_eq!(site.get(&address).await.body, PNG);
    let source_file = site.store().attachments(id).await.unwrap()[0].id;
    assert_eq!(
        site.get(&format!("/b/advocacy/{id}/files/{source_file}"))
            .await
            .status,
        404
    );
    site.finish().await;
}
