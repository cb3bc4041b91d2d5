//! Issue 7, no N+1 queries: every database statement is counted (sqlx's `sqlx::query`
//! trace events and the list readers' `madang_store::readers` ones, caught by a subscriber
//! installed for this test binary), and
//! each page type is rendered twice — with few items and with many (posts on a list,
//! comments and attachments on a post, hits in a search). The count may not grow with the
//! number of items. A page served from the page cache costs no statement at all.

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::TestSite;
use madang_core::{NewBoard, NewPost, PostBody};
use madang_store::{ActorRef, NewComment};
use tracing_subscriber::layer::{Context, SubscriberExt};

static STATEMENTS: AtomicUsize = AtomicUsize::new(0);
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Counts sqlx's statement events, remembering their first line for the report.
struct CountStatements;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CountStatements {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        // sqlx's statements, and those the store's synchronous list readers run.
        let target = event.metadata().target();
        if target == "sqlx::query" || target == "madang_store::readers" {
            struct Summary(String);
            impl tracing::field::Visit for Summary {
                fn record_debug(&mut self, field: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                    if field.name() == "summary" {
                        self.0 = format!("{v:?}");
                    }
                }
                fn record_str(&mut self, field: &tracing::field::Field, v: &str) {
                    if field.name() == "summary" {
                        self.0 = v.to_owned();
                    }
                }
            }
            let mut summary = Summary(String::new());
            event.record(&mut summary);
            // A connection the pool opens runs its set-up pragmas once; that is not the
            // page's cost.
            if summary.0.starts_with("PRAGMA") {
                return;
            }
            STATEMENTS.fetch_add(1, Ordering::SeqCst);
            SEEN.lock().unwrap().push(summary.0);
        }
    }
}

/// Statements run while fetching `path` (anonymous), and their summaries.
async fn statements(site: &TestSite, path: &str) -> (usize, Vec<String>) {
    // Every page pays the generation read, not only the first in 250 ms: counts compare.
    site.state.page_cache().generation_changed();
    SEEN.lock().unwrap().clear();
    let before = STATEMENTS.load(Ordering::SeqCst);
    let page = site.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    let count = STATEMENTS.load(Ordering::SeqCst) - before;
    (count, SEEN.lock().unwrap().clone())
}

fn post(title: &str, body: &str) -> NewPost {
    NewPost {
        title: title.into(),
        body: PostBody::Text(body.into()),
        author_id: None,
        author_name: "staff".into(),
        lang: None,
        pinned: false,
        secret: false,
        published_at: jiff::Timestamp::now(),
        links: Vec::new(),
    }
}

#[tokio::test]
async fn page_statements_do_not_grow_with_items() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(CountStatements))
        .expect("the only subscriber of this test binary");
    let site = TestSite::empty().await;
    let now = jiff::Timestamp::now();
    let store = site.store();
    let few = store
        .create_board(&NewBoard::new("few", "Few", None), now)
        .await
        .unwrap();
    let many = store
        .create_board(&NewBoard::new("many", "Many", None), now)
        .await
        .unwrap();
    let lonely = store
        .create_post(few.id, &post("Lonely rights report", "alone"), now)
        .await
        .unwrap();
    store
        .create_post(few.id, &post("Second rights report", "two"), now)
        .await
        .unwrap();
    let mut busy = 0;
    for i in 0..15 {
        busy = store
            .create_post(
                many.id,
                &post(&format!("Busy rights report {i}"), "many"),
                now,
            )
            .await
            .unwrap();
    }
    let pdf = b"%PDF-1.4\n%%EOF\n";
    for i in 0..3 {
        let stored = site
            .state
            .files()
            .put(bytes::Bytes::from_static(pdf))
            .await
            .unwrap();
        store
            .add_attachment(
                busy,
                &madang_store::NewAttachment {
                    name: &format!("file-{i}.pdf"),
                    storage_key: &stored.key,
                    size: stored.size,
                    sha256: &stored.sha256,
                    mime: "application/pdf",
                    caption: "",
                },
                (None, "staff"),
                now,
            )
            .await
            .unwrap();
    }
    for i in 0..10 {
        let actor = ActorRef {
            id: None,
            name: "guest",
            ip: "127.0.0.0",
        };
        store
            .create_comment(
                &NewComment {
                    post_id: busy,
                    parent_id: None,
                    body: &format!("comment {i}"),
                    secret: false,
                },
                actor,
                now,
            )
            .await
            .unwrap()
            .unwrap();
    }

    // Gallery boards: the picture of each card (first body image, first image attachment)
    // comes with the list's own statements, not one more per card.
    let gallery = |slug: &str| {
        let mut board = NewBoard::new(slug, slug, None);
        board.list_style = madang_core::ListStyle::Gallery;
        board
    };
    let gallery_few = store.create_board(&gallery("gfew"), now).await.unwrap();
    let gallery_many = store.create_board(&gallery("gmany"), now).await.unwrap();
    let with_image = |title: &str| NewPost {
        body: PostBody::Html(format!(
            "<p>{title}</p><img src=\"/files/legacy/{title}.png\">"
        )),
        ..post(title, "")
    };
    store
        .create_post(gallery_few.id, &with_image("lonely-photo"), now)
        .await
        .unwrap();
    for i in 0..15 {
        let id = store
            .create_post(gallery_many.id, &with_image(&format!("photo-{i}")), now)
            .await
            .unwrap();
        let stored = site
            .state
            .files()
            .put(bytes::Bytes::from_static(common::styled::PNG))
            .await
            .unwrap();
        store
            .add_attachment(
                id,
                &madang_store::NewAttachment {
                    name: "photo.png",
                    storage_key: &stored.key,
                    size: stored.size,
                    sha256: &stored.sha256,
                    mime: "image/png",
                    caption: "",
                },
                (None, "staff"),
                now,
            )
            .await
            .unwrap();
    }

    let pairs = [
        ("board list", "/b/few".to_owned(), "/b/many".to_owned()),
        ("gallery list", "/b/gfew".to_owned(), "/b/gmany".to_owned()),
        (
            "post page",
            format!("/b/few/{lonely}"),
            format!("/b/many/{busy}"),
        ),
        (
            "search",
            "/search?q=lonely".to_owned(),
            "/search?q=rights".to_owned(),
        ),
        ("home", "/".to_owned(), "/?page=1".to_owned()),
    ];
    let mut report = Vec::new();
    let mut grew = Vec::new();
    for (kind, small, large) in &pairs {
        let (a, seen_a) = statements(&site, small).await;
        let (b, seen_b) = statements(&site, large).await;
        report.push(format!("{kind}: {a} statements ({small}), {b} ({large})"));
        if a != b {
            grew.push(format!(
                "{kind}: {a} with few items, {b} with many\n  few: {seen_a:?}\n  many: {seen_b:?}"
            ));
        }
        assert!(b <= 14, "{kind} runs {b} statements: {seen_b:?}");
    }
    // Served again from the page cache, with the generation known: no statement at all.
    site.get("/b/many").await;
    SEEN.lock().unwrap().clear();
    let before = STATEMENTS.load(Ordering::SeqCst);
    assert_eq!(site.get("/b/many").await.header("x-madang-cache"), "hit");
    let cached = STATEMENTS.load(Ordering::SeqCst) - before;
    let seen = SEEN.lock().unwrap().clone();
    report.push(format!("board list from the cache: {cached} statements"));
    eprintln!("{}", report.join("\n"));
    assert_eq!(cached, 0, "a cached page ran {seen:?}");
    assert!(grew.is_empty(), "{}", grew.join("\n"));
    site.finish().await;
}
