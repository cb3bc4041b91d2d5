//! Issue 7, scheduled publishing once across nodes: a post written for a later time is not
//! shown before it; when its time comes, two nodes (two `Store`s on one database) run the
//! scheduler at the same moment and exactly one announces it — one audit line, one
//! generation bump — and the cached list shows it.

mod common;

use std::time::Duration;

use common::TestSite;
use madang_core::{NewPost, PostBody};
use madang_store::Store;

#[tokio::test]
async fn a_scheduled_post_is_announced_once_across_nodes() {
    let site = TestSite::demo().await;
    let other_node = Store::connect(&site.database_url()).await.unwrap();
    let now = jiff::Timestamp::now();
    // A first run records where announcing starts.
    assert_eq!(site.store().publish_due(now).await.unwrap(), Some(vec![]));

    let board = site.store().board("advocacy").await.unwrap().unwrap();
    let at = now + jiff::SignedDuration::from_millis(1500);
    let id = site
        .store()
        .create_post(
            board.id,
            &NewPost {
                title: "Embargoed statement".into(),
                body: PostBody::Text("Released at noon.".into()),
                author_id: None,
                author_name: "staff".into(),
                lang: None,
                pinned: false,
                secret: false,
                published_at: at,
                links: Vec::new(),
            },
            now,
        )
        .await
        .unwrap();

    // Not before its time, on the list or at its own address.
    let list = site.get("/b/advocacy").await;
    assert!(!list.text().contains("Embargoed statement"));
    assert_eq!(site.get(&format!("/b/advocacy/{id}")).await.status, 404);
    assert_eq!(
        site.get("/b/advocacy").await.header("x-madang-cache"),
        "hit"
    );
    assert_eq!(
        site.store()
            .publish_due(jiff::Timestamp::now())
            .await
            .unwrap(),
        Some(vec![]),
        "nothing is due yet"
    );

    tokio::time::sleep(Duration::from_millis(1600)).await;
    let generation = site.store().generation().await.unwrap();
    let when = jiff::Timestamp::now();
    let (a, b) = tokio::join!(site.store().publish_due(when), other_node.publish_due(when));
    let announced: Vec<i64> = [a.unwrap(), b.unwrap()]
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    assert_eq!(announced, vec![id], "announced exactly once");
    assert_eq!(site.store().generation().await.unwrap(), generation + 1);
    let lines = site
        .store()
        .audit_log(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "post.publish")
        .count();
    assert_eq!(lines, 1);

    // Later runs on either node announce nothing again.
    let later = jiff::Timestamp::now();
    assert_eq!(other_node.publish_due(later).await.unwrap(), Some(vec![]));
    assert_eq!(site.store().publish_due(later).await.unwrap(), Some(vec![]));

    // The cached list shows it once the node re-reads the generation.
    site.state.page_cache().generation_changed();
    let list = site.get("/b/advocacy").await;
    assert_eq!(list.header("x-madang-cache"), "miss");
    assert!(list.text().contains("Embargoed statement"));
    assert_eq!(site.get(&format!("/b/advocacy/{id}")).await.status, 200);
    other_node.close().await;
    site.finish().await;
}
