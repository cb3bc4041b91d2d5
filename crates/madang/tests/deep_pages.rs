//! Issue 7, deep list pages: pages past the first anchor (100 entries) start from an
//! anchor instead of skipping every entry before them. Walking every page of a board, in
//! each list order, must give every post exactly once and in order — the same list the
//! plain offset reading gives — and still after a write moves every entry by one.

mod common;

use common::TestSite;
use madang_core::{ListOrder, NewBoard, NewPost, PostBody};

const POSTS: usize = 1_250;
const PAGE_SIZE: u32 = 5;

fn post(i: usize, base: jiff::Timestamp) -> NewPost {
    NewPost {
        title: format!("Report {i}"),
        body: PostBody::Text(format!("Body {i}")),
        author_id: None,
        author_name: "staff".into(),
        lang: None,
        pinned: false,
        secret: false,
        // Distinct times, one minute apart, in creation order.
        published_at: base + jiff::SignedDuration::from_secs(60 * i as i64),
        links: Vec::new(),
    }
}

async fn walk(site: &TestSite, slug: &str) -> Vec<String> {
    let board = site.store().board(slug).await.unwrap().unwrap();
    let now = jiff::Timestamp::now();
    let mut titles = Vec::new();
    let mut page = 1;
    loop {
        let list = site.store().board_page(&board, page, now).await.unwrap();
        titles.extend(list.posts.iter().map(|p| p.title.clone()));
        if page >= list.pages {
            break;
        }
        page += 1;
    }
    titles
}

#[tokio::test]
async fn every_page_in_every_order_lists_each_post_once_in_order() {
    let site = TestSite::empty().await;
    let now = jiff::Timestamp::now();
    let base = now - jiff::SignedDuration::from_hours(24 * 30);
    let orders = [
        ("thread", ListOrder::Thread),
        ("asc", ListOrder::DateAsc),
        ("desc", ListOrder::DateDesc),
    ];
    for (slug, order) in orders {
        let mut board = NewBoard::new(slug, slug, None);
        board.page_size = PAGE_SIZE;
        board.list_order = order;
        let board = site.store().create_board(&board, now).await.unwrap();
        let posts: Vec<NewPost> = (0..POSTS).map(|i| post(i, base)).collect();
        for chunk in posts.chunks(500) {
            site.store()
                .create_posts(board.id, chunk, now)
                .await
                .unwrap();
        }
    }
    let oldest_first: Vec<String> = (0..POSTS).map(|i| format!("Report {i}")).collect();
    let newest_first: Vec<String> = oldest_first.iter().rev().cloned().collect();

    assert_eq!(walk(&site, "asc").await, oldest_first);
    assert_eq!(walk(&site, "desc").await, newest_first);
    // Thread order: GnuBoard5's, newest thread first.
    assert_eq!(walk(&site, "thread").await, newest_first);

    // A write moves every entry of a newest-first list by one; deep pages follow.
    let desc = site.store().board("desc").await.unwrap().unwrap();
    site.store()
        .create_post(desc.id, &post(POSTS, base), now)
        .await
        .unwrap();
    let mut expected = vec![format!("Report {POSTS}")];
    expected.extend(newest_first.iter().cloned());
    assert_eq!(walk(&site, "desc").await, expected);

    // A page past the end is empty, not an error.
    let page = site.store().board_page(&desc, 10_000, now).await.unwrap();
    assert!(page.posts.is_empty());
    site.finish().await;
}
