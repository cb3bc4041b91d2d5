//! Issue 3, files dropped into the editor: `editor.js` sends each to `/b/{board}/uploads`;
//! the file is staged for its sender and shown at a staging address only they can load;
//! saving the post makes the files its body refers to attachments and points the body (HTML
//! or Markdown) at them; unused files expire; copies and moves point at their own
//! attachments. What is refused is in `editor_upload_refusals.rs`.

mod common;

use common::editor::{GIF, PDF, PNG, batch_of, drop_file, json, staged_url, writer};
use common::redirected_post;

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
async fn the_scheduler_sweep_removes_expired_files_from_storage() {
    let (site, b) = writer().await;
    let batch = batch_of(&site, &b, "/b/advocacy/write").await;
    // Different bytes from any other staged file, so its stored copy is its own.
    let mut png = PNG.to_vec();
    png.extend_from_slice(b"swept");
    let staged = staged_url(&drop_file(&site, &b, &batch, "", "old.png", &png).await);
    let token = staged.rsplit('/').next().unwrap();
    let key = site
        .store()
        .staged_upload(token)
        .await
        .unwrap()
        .unwrap()
        .storage_key;
    let stored = |key: String| {
        let files = site.state.files().clone();
        async move { files.open(&key).await.is_ok() }
    };
    let now = jiff::Timestamp::now();
    madang_web::sweep_expired_uploads(&site.state, now).await;
    assert!(
        stored(key.clone()).await,
        "a file within its lifetime stays"
    );
    assert_eq!(site.get_as(&staged, &b.cookie).await.status, 200);
    let later = now + jiff::SignedDuration::from_secs(madang_core::staging::LIFETIME_SECONDS + 1);
    madang_web::sweep_expired_uploads(&site.state, later).await;
    assert!(!stored(key).await, "an expired file leaves storage");
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
