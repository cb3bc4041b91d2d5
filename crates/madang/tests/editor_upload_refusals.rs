//! Issue 3, files dropped into the editor, refused: the upload needs a session and its CSRF
//! token, the board's write and upload levels, and keeps to the board's count, size and
//! kinds, judged by content as the form's own files are; every refusal is JSON with a
//! translated message for the editor's status line, and nothing is stored.

mod common;

use common::editor::{
    Drop, GIF, PDF, PNG, batch_of, drop_file, files_under, limit, png_drop, refusal, send,
    staged_url, writer,
};
use common::redirected_post;
use madang_core::uploads::{FileKind, FileKinds, UploadLimits};
use madang_store::{ActorRef, BoardSettings};

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
