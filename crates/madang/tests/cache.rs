//! The page cache: anonymous pages come from memory until a write changes the site, never
//! for signed-in members; 304s, compression, and view counts survive caching.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::{TestSite, post_links};
use madang_core::{NewPost, PostBody};

async fn get_with(site: &TestSite, path: &str, headers: &[(&str, &str)]) -> common::Page {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    site.send(request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn anonymous_pages_are_served_from_memory_until_a_write() {
    let site = TestSite::demo().await;
    let first = site.get("/b/advocacy").await;
    assert_eq!(first.header("x-madang-cache"), "miss");
    let second = site.get("/b/advocacy").await;
    assert_eq!(second.header("x-madang-cache"), "hit");
    assert_eq!(second.body, first.body, "the same page");
    assert!(!second.header("etag").is_empty());
    assert!(
        second
            .header("content-security-policy")
            .contains("script-src 'self'"),
        "headers still added"
    );

    // The browser's copy is confirmed with a 304 and no body.
    let etag = second.header("etag");
    let not_modified = get_with(&site, "/b/advocacy", &[("if-none-match", &etag)]).await;
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.is_empty());
    // Last-Modified, and If-Modified-Since answered with 304 when nothing changed since.
    let modified = second.header("last-modified");
    assert!(modified.ends_with(" GMT"), "{modified}");
    let not_modified = get_with(&site, "/b/advocacy", &[("if-modified-since", &modified)]).await;
    assert_eq!(not_modified.status, 304);
    let older = get_with(
        &site,
        "/b/advocacy",
        &[("if-modified-since", "Tue, 01 Dec 2015 00:00:00 GMT")],
    )
    .await;
    assert_eq!(older.status, 200);

    // Compressed once, decompressing to the same page.
    let br = get_with(&site, "/b/advocacy", &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(br.header("content-encoding"), "br");
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut &br.body[..], &mut decoded).unwrap();
    assert_eq!(decoded, first.body);
    let gz = get_with(&site, "/b/advocacy", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), "gzip");
    assert!(gz.body.len() < first.body.len() / 2);

    // A write on another node (here: through the store, behind this node's back) shows
    // within a second: the node re-reads the generation every 250 ms.
    let board = site.store().board("advocacy").await.unwrap().unwrap();
    let new = NewPost {
        title: "Fresh statement".into(),
        body: PostBody::Html("<p>x</p>".into()),
        author_id: None,
        author_name: "staff".into(),
        lang: None,
        pinned: true,
        secret: false,
        published_at: jiff::Timestamp::now(),
        links: Vec::new(),
    };
    site.store()
        .create_post(board.id, &new, jiff::Timestamp::now())
        .await
        .unwrap();
    let written = std::time::Instant::now();
    let after = loop {
        let page = site.get("/b/advocacy").await;
        if page.text().contains("Fresh statement") {
            break page;
        }
        assert!(
            written.elapsed() < std::time::Duration::from_secs(1),
            "another node's write is not shown after a second"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(after.header("x-madang-cache"), "miss");
    let stale = get_with(&site, "/b/advocacy", &[("if-none-match", &etag)]).await;
    assert_eq!(stale.status, 200, "an old ETag no longer matches");
    site.finish().await;
}

#[tokio::test]
async fn signed_in_members_never_get_cached_pages() {
    let site = TestSite::demo().await;
    site.get("/b/advocacy").await;
    site.get("/b/advocacy").await;
    site.member("staffer", 2, false).await;
    let browser = site.login("staffer").await;
    let page = site.get_as("/b/advocacy", &browser.cookie).await;
    assert!(page.header("x-madang-cache").is_empty());
    assert!(page.text().contains(">staffer</span>"));
    // And what they see is not stored for others.
    let anonymous = site.get("/b/advocacy").await;
    assert!(!anonymous.text().contains("staffer"));
    site.finish().await;
}

#[tokio::test]
async fn views_are_counted_on_cached_pages_and_forms_are_never_cached() {
    let site = TestSite::demo().await;
    let id = post_links(&site.get("/b/advocacy").await.text(), "advocacy")[1];
    for _ in 0..3 {
        site.get(&format!("/b/advocacy/{id}")).await;
    }
    // Views are written in batches, at most a second late.
    site.state.flush_view_counts().await;
    let post = site
        .store()
        .post_for_staff(
            site.store().board("advocacy").await.unwrap().unwrap().id,
            id,
        )
        .await
        .unwrap()
        .unwrap()
        .0;
    assert_eq!(post.views, 3, "every view counts, cached or not");
    for path in ["/login", "/b/advocacy/1/files/1"] {
        site.get(path).await;
        assert!(
            site.get(path).await.header("x-madang-cache").is_empty(),
            "{path}"
        );
    }
    site.finish().await;
}

#[tokio::test]
async fn a_write_through_this_node_is_shown_to_the_next_reader_at_once() {
    let site = TestSite::demo().await;
    site.member("editor", 10, true).await;
    let editor = site.login("editor").await;
    let before = site.get("/b/advocacy").await;
    assert_eq!(before.status, 200);
    assert_eq!(
        site.get("/b/advocacy").await.header("x-madang-cache"),
        "hit"
    );
    let saved = site
        .post_multipart(
            "/b/advocacy/write",
            &editor,
            &[
                ("csrf", &editor.csrf),
                ("title", "Written on this node"),
                ("body", "Shown at once."),
                ("format", "text"),
            ],
            &[],
        )
        .await;
    assert_eq!(saved.status, 303);
    // No waiting: the node re-reads the generation after its own writes.
    let after = site.get("/b/advocacy").await;
    assert_eq!(after.header("x-madang-cache"), "miss");
    assert!(after.text().contains("Written on this node"));
    site.finish().await;
}

#[tokio::test]
async fn on_postgresql_every_write_is_announced_to_listening_nodes() {
    let site = TestSite::demo().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let listening = site
        .store()
        .listen_generation(move |generation| {
            let _ = tx.send(generation);
        })
        .await
        .unwrap();
    if site.store().backend() != "postgres" {
        assert!(!listening, "SQLite has nothing to listen to");
        site.finish().await;
        return;
    }
    assert!(listening);
    let before = site.store().generation().await.unwrap();
    let board = site.store().board("advocacy").await.unwrap().unwrap();
    let new = NewPost {
        title: "Announced".into(),
        body: PostBody::Text("x".into()),
        author_id: None,
        author_name: "staff".into(),
        lang: None,
        pinned: false,
        secret: false,
        published_at: jiff::Timestamp::now(),
        links: Vec::new(),
    };
    site.store()
        .create_post(board.id, &new, jiff::Timestamp::now())
        .await
        .unwrap();
    let announced = tokio::time::timeout(std::time::Duration::from_secs(1), rx.recv())
        .await
        .expect("a notification within a second")
        .unwrap();
    assert!(announced > before, "{announced} after {before}");
    assert_eq!(announced, site.store().generation().await.unwrap());
    site.finish().await;
}

#[tokio::test]
async fn readers_arriving_together_wait_for_one_render() {
    let site = TestSite::demo().await;
    let pages = futures::future::join_all((0..16).map(|_| site.get("/b/advocacy"))).await;
    let misses = pages
        .iter()
        .filter(|p| p.header("x-madang-cache") == "miss")
        .count();
    assert!(pages.iter().all(|p| p.status == 200));
    assert_eq!(misses, 1, "one render for 16 readers");
    assert!(pages.iter().all(|p| p.body == pages[0].body));
    site.finish().await;
}
