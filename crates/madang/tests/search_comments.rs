//! Search over HTTP in comments (`field=comments`, GnuBoard5's 코멘트 search) and by a
//! board's category (GnuBoard5's 분류): what is found, what never is, and helpful pages for
//! a category that is not the board's.
//!
//! Runs on SQLite, or on PostgreSQL when `MADANG_TEST_DATABASE_URL` is set.

mod common;

use common::{TestSite, between};
use jiff::Timestamp;
use madang_core::{BoardLevels, Level, NewBoard, NewPost, PostBody, PostStatus};
use madang_store::{ActorRef, NewComment, PostOptions};

fn new_post(title: &str, body: &str, secret: bool) -> NewPost {
    NewPost {
        title: title.to_owned(),
        body: PostBody::Text(body.to_owned()),
        author_id: None,
        author_name: "staff".into(),
        lang: None,
        pinned: false,
        secret,
        published_at: "2025-05-01T00:00:00Z".parse().unwrap(),
        links: Vec::new(),
    }
}

async fn add_post(site: &TestSite, board: i64, title: &str, body: &str, category: &str) -> i64 {
    let options = PostOptions {
        status: PostStatus::Published,
        category: category.to_owned(),
        staged: Vec::new(),
    };
    site.store()
        .write_post(
            board,
            &new_post(title, body, false),
            &options,
            &[],
            Timestamp::now(),
        )
        .await
        .unwrap()
}

async fn add_comment(site: &TestSite, post: i64, author: &str, body: &str, secret: bool) -> i64 {
    let actor = ActorRef {
        id: None,
        name: author,
        ip: "127.0.0.1",
    };
    let new = NewComment {
        post_id: post,
        parent_id: None,
        body,
        secret,
    };
    site.store()
        .create_comment(&new, actor, Timestamp::now())
        .await
        .unwrap()
        .unwrap()
}

async fn board(site: &TestSite, slug: &str, levels: BoardLevels, categories: &[&str]) -> i64 {
    let mut new = NewBoard::new(slug, slug, None);
    new.levels = levels;
    new.categories = categories.iter().map(|c| (*c).to_owned()).collect();
    site.store()
        .create_board(&new, Timestamp::now())
        .await
        .unwrap()
        .id
}

/// The result links of a search page, in order (`/b/slug/post` or `…#comment-n`).
fn links(html: &str) -> Vec<String> {
    let Some(list) = between(html, "<ol class=\"search-results\">", "</ol>") else {
        return Vec::new();
    };
    list.split("<h2 class=\"result-title\"><a href=\"")
        .skip(1)
        .map(|part| part.split('"').next().unwrap().to_owned())
        .collect()
}

fn search_path(params: &[(&str, &str)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("/search?{query}")
}

#[tokio::test]
async fn comments_are_found_with_their_post_and_only_where_the_reader_may_read() {
    let site = TestSite::empty().await;
    let open = board(&site, "open", BoardLevels::default(), &[]).await;
    let members_only = BoardLevels {
        read: Level::new(2).unwrap(),
        ..BoardLevels::default()
    };
    let closed = board(&site, "closed", members_only, &[]).await;

    let post = add_post(&site, open, "Camp visit", "We visited the camp.", "").await;
    let said = add_comment(&site, post, "minji", "탈북민 지원에 감사드립니다", false).await;
    add_comment(&site, post, "guest", "탈북민 비밀 댓글", true).await;
    let deleted = add_comment(&site, post, "guest", "탈북민 지운 댓글", false).await;
    let actor = ActorRef {
        id: None,
        name: "admin",
        ip: "127.0.0.1",
    };
    site.store()
        .delete_comment(deleted, actor, Timestamp::now())
        .await
        .unwrap();
    let closed_post = add_post(&site, closed, "Members", "For members.", "").await;
    add_comment(&site, closed_post, "minji", "탈북민 회원 댓글", false).await;
    let secret_post = site
        .store()
        .create_post(
            open,
            &new_post("Secret", "A secret post.", true),
            Timestamp::now(),
        )
        .await
        .unwrap();
    add_comment(&site, secret_post, "minji", "탈북민 비밀글 댓글", false).await;

    let page = site
        .get(&search_path(&[("q", "탈북민"), ("field", "comments")]))
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(
        links(&page.text()),
        vec![format!("/b/open/{post}#comment-{said}")],
        "{}",
        page.text()
    );
    assert!(
        page.text().contains("One comment found."),
        "{}",
        page.text()
    );
    // The snippet is the comment's, marked; the post's title names the result.
    assert!(
        page.text().contains("<mark>탈북민</mark> 지원에"),
        "{}",
        page.text()
    );
    assert!(page.text().contains(">Camp visit</a>"));
    assert!(page.text().contains("minji"));
    for hidden in ["비밀 댓글", "지운 댓글", "회원 댓글", "비밀글 댓글"] {
        assert!(!page.text().contains(hidden), "{hidden} leaked");
    }

    // Posts are searched without their comments, and comments without their posts.
    let posts = site.get(&search_path(&[("q", "탈북민")])).await;
    assert!(links(&posts.text()).is_empty(), "{}", posts.text());
    let comments = site
        .get(&search_path(&[("q", "camp"), ("field", "comments")]))
        .await;
    assert!(links(&comments.text()).is_empty());

    // The author filter names the comment's author.
    let by_minji = site
        .get(&search_path(&[
            ("q", "탈북민"),
            ("field", "comments"),
            ("author", "minji"),
        ]))
        .await;
    assert_eq!(links(&by_minji.text()).len(), 1);
    let by_staff = site
        .get(&search_path(&[
            ("q", "탈북민"),
            ("field", "comments"),
            ("author", "staff"),
        ]))
        .await;
    assert!(links(&by_staff.text()).is_empty());
    site.finish().await;
}

#[tokio::test]
async fn a_boards_category_narrows_its_search() {
    let site = TestSite::empty().await;
    let news = board(
        &site,
        "news",
        BoardLevels::default(),
        &["Statements", "보도자료"],
    )
    .await;
    let other = board(&site, "other", BoardLevels::default(), &[]).await;
    let statement = add_post(
        &site,
        news,
        "Refugees statement",
        "On refugees.",
        "Statements",
    )
    .await;
    let press = add_post(&site, news, "Refugees press", "On refugees.", "보도자료").await;
    let plain = add_post(&site, news, "Refugees", "On refugees.", "").await;
    add_post(&site, other, "Refugees elsewhere", "On refugees.", "").await;

    let page = site
        .get(&search_path(&[
            ("q", "refugees"),
            ("board", "news"),
            ("category", "보도자료"),
        ]))
        .await;
    assert_eq!(links(&page.text()), vec![format!("/b/news/{press}")]);
    // The chosen board offers its categories, the chosen one selected.
    assert!(
        page.text()
            .contains("<select id=\"category\" name=\"category\">")
    );
    assert!(page.text().contains("<option value=\"보도자료\" selected>"));

    let all = site
        .get(&search_path(&[("q", "refugees"), ("board", "news")]))
        .await;
    let mut found = links(&all.text());
    found.sort();
    let mut expected: Vec<String> = [statement, press, plain]
        .iter()
        .map(|id| format!("/b/news/{id}"))
        .collect();
    expected.sort();
    assert_eq!(found, expected);

    // A category that is not the chosen board's (or without a board) is explained.
    for params in [
        vec![("q", "refugees"), ("board", "news"), ("category", "Nope")],
        vec![("q", "refugees"), ("category", "Statements")],
        vec![
            ("q", "refugees"),
            ("board", "other"),
            ("category", "Statements"),
        ],
    ] {
        let page = site.get(&search_path(&params)).await;
        let text = page.text();
        assert_eq!(page.status, 200);
        assert!(links(&text).is_empty());
        let problem = between(&text, "<p class=\"form-error\" role=\"alert\">", "</p>")
            .unwrap_or_else(|| panic!("no explanation for {params:?}"));
        assert!(
            problem.contains("is not a category of the chosen board"),
            "{problem}"
        );
    }
    site.finish().await;
}

#[tokio::test]
async fn comments_written_before_comment_search_are_indexed_at_start() {
    use sqlx::Connection;
    let site = TestSite::empty().await;
    let open = board(&site, "open", BoardLevels::default(), &[]).await;
    let post = add_post(&site, open, "Visit", "A visit.", "").await;
    let comment = add_comment(&site, post, "minji", "정착 지원 감사합니다", false).await;
    // As every comment stood before migration 0024: no terms, tokenizer version 0.
    let url = site.database_url();
    let forget = "UPDATE comments SET search_body = '', search_version = 0";
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query(forget).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(forget).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
    let path = search_path(&[("q", "정착"), ("field", "comments")]);
    assert!(links(&site.get(&path).await.text()).is_empty());
    // Opening the database again (a node starting) brings the index up to date.
    let restarted = madang_store::Store::connect(&url).await.unwrap();
    let query = madang_core::search::parse_query("정착").unwrap();
    let request = madang_store::SearchRequest {
        field: madang_store::SearchField::Comments,
        ..madang_store::SearchRequest::new(&query, Timestamp::now())
    };
    let found = restarted.search(&request).await.unwrap();
    assert_eq!(
        found.hits.iter().map(|h| h.comment_id).collect::<Vec<_>>(),
        vec![Some(comment)]
    );
    // The running node sees the index change through the site generation, as it would a
    // write by another node (it rechecks every 250 ms).
    let expected = vec![format!("/b/open/{post}#comment-{comment}")];
    let mut seen = Vec::new();
    for _ in 0..40 {
        seen = links(&site.get(&path).await.text());
        if seen == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen, expected);
    // `madang reindex --all` goes over the post and the comment.
    let mut last = (0, 0);
    let done = restarted
        .reindex(true, |done, total| last = (done, total))
        .await
        .unwrap();
    assert_eq!((done, last), (2, (2, 2)));
    restarted.close().await;
    site.finish().await;
}
