//! Helpers for the tests of files dropped into the editor (`editor_uploads.rs`,
//! `editor_upload_refusals.rs`): sending a file as `editor.js` does and reading the answer.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::Request;
use madang_core::uploads::UploadLimits;
use madang_store::{ActorRef, BoardSettings};

use super::{Browser, Page, TestSite, between};

pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
pub const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00";
pub const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";

/// What an editor upload sends.
pub struct Drop<'a> {
    pub csrf: &'a str,
    pub batch: &'a str,
    pub post: &'a str,
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// POSTs one file as `editor.js` does, with extra headers.
pub async fn send(
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
pub async fn drop_file(
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
pub fn png_drop<'a>(csrf: &'a str, batch: &'a str) -> Drop<'a> {
    Drop {
        csrf,
        batch,
        post: "",
        name: "a.png",
        bytes: PNG,
    }
}

pub fn json(page: &Page) -> serde_json::Value {
    assert_eq!(page.header("content-type"), "application/json");
    serde_json::from_slice(&page.body).expect("a JSON answer")
}

/// The accepted file's staging address.
pub fn staged_url(page: &Page) -> String {
    assert_eq!(page.status, 200, "{}", page.text());
    json(page)["url"].as_str().unwrap().to_owned()
}

/// The refusal's message.
pub fn refusal(page: &Page) -> String {
    json(page)["error"].as_str().unwrap().to_owned()
}

/// The batch key the write (or edit) form at `path` carries.
pub async fn batch_of(site: &TestSite, b: &Browser, path: &str) -> String {
    let form = site.get_as(path, &b.cookie).await.text();
    between(&form, "name=\"upload_batch\" value=\"", "\"")
        .expect("the form carries a batch key")
        .to_owned()
}

pub fn files_under(dir: &Path) -> Vec<PathBuf> {
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

pub async fn writer() -> (TestSite, Browser) {
    let site = TestSite::demo().await;
    site.member("writer", 10, true).await;
    let b = site.login("writer").await;
    (site, b)
}

/// Sets `advocacy`'s upload limits.
pub async fn limit(site: &TestSite, uploads: UploadLimits) {
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
