//! Issue 7, lists without bodies: a webzine board whose excerpts fit in a post's lead
//! (migration 0016, kept by triggers) shows the same excerpts as if cut from the whole
//! text, after writing, editing and copying, on SQLite and PostgreSQL; a board with
//! longer excerpts still cuts them from the whole text.

mod common;

use common::TestSite;
use madang_core::copy_line::{CopyLineLanguage, Transfer};
use madang_core::text::cut;
use madang_core::{NewBoard, NewPost, PostBody};
use madang_store::{ActorRef, PostEdit, TransferRequest};

fn excerpts(html: &str) -> Vec<String> {
    html.split("<p class=\"post-item-excerpt\">")
        .skip(1)
        .map(|rest| rest.split("</p>").next().unwrap().to_owned())
        .collect()
}

/// The text as the page shows it (the template escapes it).
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

fn long_text(words: &str) -> String {
    (1..=120)
        .map(|n| format!("{words} {n}."))
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn excerpts_from_leads_are_the_excerpts_of_the_whole_text() {
    let site = TestSite::empty().await;
    let now = jiff::Timestamp::now();
    let store = site.store();
    let mut short = NewBoard::new("short", "Short excerpts", None);
    short.excerpt_len = 200;
    let short = store.create_board(&short, now).await.unwrap();
    let mut long = NewBoard::new("long", "Long excerpts", None);
    long.excerpt_len = 600;
    let long = store.create_board(&long, now).await.unwrap();

    let korean = long_text("북한 인권 기록 <보고서> & \"증언\"");
    let new = |body: &str| NewPost {
        title: "Lead".into(),
        body: PostBody::Text(body.to_owned()),
        author_id: None,
        author_name: "tester".into(),
        lang: Some("ko".into()),
        pinned: false,
        secret: false,
        published_at: now,
        links: Vec::new(),
    };
    let id = store
        .create_post(short.id, &new(&korean), now)
        .await
        .unwrap();
    let shown = excerpts(&site.get("/b/short").await.text());
    assert_eq!(shown, [escaped(&cut(&korean, 200))]);
    assert!(shown[0].ends_with('…'));

    // Edited: the lead follows the body.
    let english = long_text("Testimony of a refugee, recorded in Seoul");
    store
        .edit_post(
            id,
            &PostEdit {
                title: "Lead".into(),
                body: PostBody::Text(english.clone()),
                secret: false,
                links: Vec::new(),
                staged: Vec::new(),
            },
            ActorRef {
                id: None,
                name: "tester",
                ip: "",
            },
            now,
        )
        .await
        .unwrap();
    // (Written behind the server's back: its cached pages are dropped by hand.)
    site.state.page_cache().generation_changed();
    let shown = excerpts(&site.get("/b/short").await.text());
    assert_eq!(shown, [escaped(&cut(&english, 200))]);

    // Copied to a board with longer excerpts: cut from the whole text, past the lead.
    let zone = madang_core::time::zone("Asia/Seoul").unwrap();
    store
        .transfer_post(&TransferRequest {
            transfer: Transfer::Copy,
            post_id: id,
            target_board_ids: &[long.id],
            actor_id: None,
            actor_name: "tester",
            ip: "",
            at: now,
            line_language: CopyLineLanguage::English,
            zone: &zone,
        })
        .await
        .unwrap();
    site.state.page_cache().generation_changed();
    let shown = excerpts(&site.get("/b/long").await.text());
    assert_eq!(shown.len(), 1);
    assert!(shown[0].chars().count() > 400, "{}", shown[0]);
    let copied_board = store.board("long").await.unwrap().unwrap();
    let copied = site.get("/b/long").await.text();
    let copy_id = common::post_links(&copied, "long")[0];
    let copy = store
        .post(copied_board.id, copy_id, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shown, [escaped(&cut(&copy.body_text, 600))]);

    // A short post is its own lead: shown whole, no ellipsis.
    store
        .create_post(short.id, &new("짧은 글입니다."), now)
        .await
        .unwrap();
    site.state.page_cache().generation_changed();
    let shown = excerpts(&site.get("/b/short").await.text());
    assert!(shown.contains(&"짧은 글입니다.".to_owned()), "{shown:?}");
    site.finish().await;
}
