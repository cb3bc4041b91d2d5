//! Search's two shortcuts on SQLite, checked on the real engine: the ranking function that
//! estimates rather than counts (`madang_rank`, madang-store's rank.rs), and the quick
//! check for phrases and words that never meet (`SearchQuery::to_fts5_superset`).
//!
//! The results must be the same as without the shortcuts on both engines; the IDF case is
//! SQLite's only, since PostgreSQL's `ts_rank_cd` weighs no word by its rarity.

mod common;

use common::TestSite;
use jiff::Timestamp;
use madang_core::search::parse_query;
use madang_core::{NewBoard, NewPost, PostBody};
use madang_store::{SearchField, SearchRequest};

fn on_postgres() -> bool {
    std::env::var("MADANG_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}

async fn board(site: &TestSite) -> i64 {
    site.store()
        .create_board(&NewBoard::new("notes", "Notes", None), Timestamp::now())
        .await
        .unwrap()
        .id
}

/// Adds posts in order, a minute apart (later ones are newer), and returns their ids.
async fn add_all(site: &TestSite, board: i64, posts: &[(&str, &str)]) -> Vec<i64> {
    let start: Timestamp = "2025-03-01T00:00:00Z".parse().unwrap();
    let mut ids = Vec::new();
    for (i, (title, body)) in posts.iter().enumerate() {
        let new = NewPost {
            title: (*title).to_owned(),
            body: PostBody::Text((*body).to_owned()),
            author_id: None,
            author_name: "staff".into(),
            lang: None,
            pinned: false,
            secret: false,
            published_at: start + jiff::SignedDuration::from_mins(i as i64),
            links: Vec::new(),
        };
        ids.push(
            site.store()
                .create_post(board, &new, Timestamp::now())
                .await
                .unwrap(),
        );
    }
    ids
}

async fn search(site: &TestSite, text: &str, field: SearchField) -> Vec<i64> {
    let query = parse_query(text).unwrap();
    let request = SearchRequest {
        field,
        page_size: 100,
        ..SearchRequest::new(&query, Timestamp::now())
    };
    let results = site.store().search(&request).await.unwrap();
    assert_eq!(results.total, results.hits.len() as i64, "{text:?}");
    results.hits.iter().map(|h| h.post_id).collect()
}

#[tokio::test]
async fn the_rarer_word_of_a_query_weighs_more() {
    let site = TestSite::empty().await;
    let notes = board(&site).await;
    // "camp" is in every post; "tiger" in two. The two posts are the same length and
    // mirror each other: one says camp five times and tiger once, the other the reverse.
    let mut posts: Vec<(&str, &str)> = vec![("Notes", "camp life and camp food"); 30];
    posts.push((
        "Report",
        "tiger camp camp camp camp camp and more words here to pad",
    ));
    posts.push((
        "Report",
        "camp tiger tiger tiger tiger tiger and more words here to pad",
    ));
    posts.push((
        "Report",
        "camp camp camp camp camp tiger and more words here to pad",
    ));
    let ids = add_all(&site, notes, &posts).await;
    let (camp_rich, tiger_rich, newest_camp_rich) = (ids[30], ids[31], ids[32]);
    let found = search(&site, "camp tiger", SearchField::TitleAndBody).await;
    let mut found_sorted = found.clone();
    found_sorted.sort();
    assert_eq!(found_sorted, vec![camp_rich, tiger_rich, newest_camp_rich]);
    if on_postgres() {
        site.finish().await;
        return;
    }
    // Without weighing by rarity the mirrored posts would tie, and ties go newest first:
    // the newer camp-rich post would come first.
    assert_eq!(found[0], tiger_rich, "{found:?} (ids {ids:?})");
    site.finish().await;
}

#[tokio::test]
async fn phrases_and_words_that_never_meet_find_nothing_and_meetings_are_found() {
    let site = TestSite::empty().await;
    let notes = board(&site).await;
    let ids = add_all(
        &site,
        notes,
        &[
            ("정치범수용소 보고서", "정치범수용소의 실태를 기록했습니다."),
            ("China report", "China returned refugees in October."),
            (
                "Forced labour",
                "정치범수용소 survivors spoke about China and forced labour.",
            ),
            ("탈북민 지원", "탈북민 정착 지원 사업"),
            ("Statement", "The statement on forced repatriation."),
        ],
    )
    .await;
    let (both, defectors) = (ids[2], ids[3]);
    let body = SearchField::TitleAndBody;
    assert_eq!(search(&site, "정치범수용소 china", body).await, vec![both]);
    assert_eq!(
        search(&site, "\"forced labour\" 정치범수용소", body).await,
        vec![both]
    );
    // Found by one term of each phrase (정치, forc) but not by the phrases themselves.
    assert!(
        search(&site, "정치범 \"labour forced\"", body)
            .await
            .is_empty()
    );
    assert!(search(&site, "탈북민 china", body).await.is_empty());
    assert!(
        search(&site, "탈북민 \"forced repatriation\"", body)
            .await
            .is_empty()
    );
    // Exclusions are left out of the quick check, never out of the results.
    assert!(
        search(&site, "정치범수용소 china -survivors", body)
            .await
            .is_empty()
    );
    let mut either = search(&site, "정치범수용소 OR 탈북민 china OR 지원", body).await;
    either.sort();
    assert_eq!(either, vec![both, defectors]);
    // The field applies to the quick check too: both words are in that post, not its title.
    assert!(
        search(&site, "정치범수용소 china", SearchField::Title)
            .await
            .is_empty()
    );
    assert_eq!(
        search(&site, "정치범수용소 china", SearchField::Body).await,
        vec![both]
    );
    site.finish().await;
}
