//! Replies to posts over HTTP (GnuBoard5's 답변): the "Reply" link and form, threads in the
//! list, who may reply, secret replies, deleting a post with replies, the audit log, and
//! the thread limits.

mod common;

use common::{Browser, TestSite, post_links, redirected_post};
use madang_core::{BoardLevels, Level, NewBoard, NewPost, PostBody};
use madang_store::PostOptions;

/// A board "qa" whose members of level 3 write and reply (level 2 only reads), in thread
/// order, and members: `author` and `replier` (3), `low` (2), `other` (3), and `boss`,
/// the board's administrator at level 2.
async fn qa_site() -> (TestSite, madang_core::Board) {
    let site = TestSite::demo().await;
    let mut new = NewBoard::new("qa", "Questions", None);
    new.page_size = 50;
    new.levels = BoardLevels {
        write: Level::new(3).unwrap(),
        reply: Level::new(3).unwrap(),
        upload: Level::new(3).unwrap(),
        ..BoardLevels::default()
    };
    let board = site
        .store()
        .create_board(&new, jiff::Timestamp::now())
        .await
        .unwrap();
    for (login, level) in [("author", 3), ("replier", 3), ("low", 2), ("other", 3)] {
        site.member(login, level, false).await;
    }
    let boss = site.member("boss", 2, false).await;
    site.store()
        .add_board_admin(board.id, boss.id, (None, "test"), 0)
        .await
        .unwrap();
    (site, board)
}

async fn write(site: &TestSite, who: &Browser, title: &str, extra: &[(&str, &str)]) -> i64 {
    let mut fields = vec![
        ("csrf", who.csrf.as_str()),
        ("title", title),
        ("body", "Body text"),
        ("format", "text"),
    ];
    fields.extend_from_slice(extra);
    let page = site.post_multipart("/b/qa/write", who, &fields, &[]).await;
    assert_eq!(page.status, 303, "{}", page.text());
    redirected_post(&page, "qa")
}

async fn reply(site: &TestSite, who: &Browser, parent: i64, title: &str) -> common::Page {
    site.post_multipart(
        &format!("/b/qa/{parent}/reply"),
        who,
        &[
            ("csrf", &who.csrf),
            ("title", title),
            ("body", "An answer"),
            ("format", "text"),
        ],
        &[],
    )
    .await
}

/// Every post of the board, as the list shows them, in order.
async fn listed(site: &TestSite) -> Vec<i64> {
    post_links(&site.get("/b/qa").await.text(), "qa")
}

#[tokio::test]
async fn replies_sit_under_the_post_they_answer() {
    let (site, board) = qa_site().await;
    let a = site.login("author").await;
    let r = site.login("replier").await;
    let first = write(&site, &a, "Question one", &[]).await;
    let second = write(&site, &a, "Question two", &[]).await;

    // The post page offers "Reply" to those whose level allows it; the form is the write
    // form, titled "Re: …", with the token.
    let page = site
        .get_as(&format!("/b/qa/{first}"), &r.cookie)
        .await
        .text();
    assert!(
        page.contains(&format!("href=\"/b/qa/{first}/reply\"")),
        "{page}"
    );
    let form = site
        .get_as(&format!("/b/qa/{first}/reply"), &r.cookie)
        .await;
    assert_eq!(form.status, 200);
    let form = form.text();
    assert!(form.contains("value=\"Re: Question one\""), "{form}");
    assert!(form.contains(&format!("name=\"csrf\" value=\"{}\"", r.csrf)));
    assert!(form.contains(&format!("action=\"/b/qa/{first}/reply\"")));
    assert!(form.contains("name=\"format\" value=\"markdown\""));
    let korean = site
        .get_as(&format!("/ko/b/qa/{first}/reply"), &r.cookie)
        .await
        .text();
    assert!(korean.contains("답변 쓰기"), "{korean}");

    let one = redirected_post(&reply(&site, &r, first, "Re: Question one").await, "qa");
    let two = redirected_post(&reply(&site, &a, first, "Re: again").await, "qa");
    // A reply to a reply.
    let deep = reply(&site, &a, one, "Re: Re: Question one").await;
    assert_eq!(deep.status, 303, "{}", deep.text());
    let deep = redirected_post(&deep, "qa");

    // Newest thread first; each thread depth-first, a reply right after what it answers.
    assert_eq!(listed(&site).await, [second, first, one, deep, two]);
    let list = site.get("/b/qa").await.text();
    assert_eq!(list.matches("is-reply reply-depth-1").count(), 2, "{list}");
    assert_eq!(list.matches("is-reply reply-depth-2").count(), 1);
    let deep_page = site.get(&format!("/b/qa/{deep}")).await.text();
    assert!(deep_page.contains("In reply to:"));
    assert!(deep_page.contains(&format!("<a href=\"/b/qa/{one}\">Re: Question one</a>")));
    // Previous and next follow the same order.
    let one_page = site.get(&format!("/b/qa/{one}")).await.text();
    assert!(
        one_page.contains(&format!("href=\"/b/qa/{deep}\" rel=\"next\"")),
        "after a reply comes its own reply"
    );
    assert!(one_page.contains(&format!("href=\"/b/qa/{first}\" rel=\"prev\"")));
    // Stored in one thread with GnuBoard5's paths.
    let now = jiff::Timestamp::now();
    let path = |id: i64| {
        let store = site.store();
        async move { store.post(board.id, id, now).await.unwrap().unwrap() }
    };
    let (p1, p2, p3) = (path(one).await, path(two).await, path(deep).await);
    assert_eq!(
        (
            p1.reply_path.as_str(),
            p2.reply_path.as_str(),
            p3.reply_path.as_str()
        ),
        ("A", "B", "AA")
    );
    assert_eq!((p1.parent_id, p3.parent_id), (Some(first), Some(one)));

    // A reply saved as a draft keeps its place when it is published later, while a new
    // thread has begun since.
    let draft = site
        .post_multipart(
            &format!("/b/qa/{second}/reply"),
            &r,
            &[
                ("csrf", &r.csrf),
                ("title", "Re: Question two"),
                ("body", "Later"),
                ("format", "text"),
                ("intent", "draft"),
            ],
            &[],
        )
        .await;
    let draft = redirected_post(&draft, "qa");
    let third = write(&site, &a, "Question three", &[]).await;
    assert_eq!(listed(&site).await, [third, second, first, one, deep, two]);
    let published = site
        .post_as(&format!("/b/qa/{draft}/publish"), &r, &[("csrf", &r.csrf)])
        .await;
    assert_eq!(published.status, 303);
    assert_eq!(
        listed(&site).await,
        [third, second, draft, first, one, deep, two]
    );

    // Each reply is audited with its actor, target and parent.
    let log = site.store().audit_log(50).await.unwrap();
    let entry = log
        .iter()
        .find(|e| e.action == "post.reply" && e.target == format!("post:{one}"))
        .expect("an audit line for the reply");
    assert_eq!(entry.actor_name, "replier");
    assert!(
        entry.detail.starts_with(&format!("post:{first}:")),
        "{entry:?}"
    );
    site.finish().await;
}

#[tokio::test]
async fn replies_are_refused_below_the_level_without_the_token_and_to_drafts() {
    let (site, _board) = qa_site().await;
    let a = site.login("author").await;
    let first = write(&site, &a, "Question", &[]).await;
    let draft = write(&site, &a, "Not yet", &[("intent", "draft")]).await;
    let before = listed(&site).await;

    // Level 2 reads but may not reply: no link, no form, nothing saved.
    let low = site.login("low").await;
    let page = site.get_as(&format!("/b/qa/{first}"), &low.cookie).await;
    assert_eq!(page.status, 200);
    assert!(!page.text().contains("/reply\""));
    assert_eq!(
        site.get_as(&format!("/b/qa/{first}/reply"), &low.cookie)
            .await
            .status,
        403
    );
    assert_eq!(reply(&site, &low, first, "Re: sneaky").await.status, 403);
    // Guests neither.
    assert_eq!(site.get(&format!("/b/qa/{first}/reply")).await.status, 403);
    assert!(
        !site
            .get(&format!("/b/qa/{first}"))
            .await
            .text()
            .contains("/reply\"")
    );

    // Without the token nothing is written.
    let r = site.login("replier").await;
    let forged = site
        .post_multipart(
            &format!("/b/qa/{first}/reply"),
            &r,
            &[("title", "Re: forged"), ("body", "x"), ("format", "text")],
            &[],
        )
        .await;
    assert_eq!(forged.status, 403);

    // A draft has no replies (it is not there for the replier), nor does a missing post.
    assert_eq!(
        site.get_as(&format!("/b/qa/{draft}/reply"), &r.cookie)
            .await
            .status,
        404
    );
    let to_draft = reply(&site, &r, draft, "Re: draft").await;
    assert_eq!(to_draft.status, 404);
    assert!(to_draft.text().contains("Page not found"));
    // Not even its author, who sees the draft, gets a reply form for it.
    assert_eq!(reply(&site, &a, draft, "Re: own draft").await.status, 404);
    assert_eq!(reply(&site, &r, 999_999, "Re: nothing").await.status, 404);

    assert_eq!(listed(&site).await, before, "nothing was saved");
    let log = site.store().audit_log(100).await.unwrap();
    assert!(!log.iter().any(|e| e.action == "post.reply"));
    site.finish().await;
}

#[tokio::test]
async fn secret_posts_get_secret_replies_for_the_threads_author() {
    let (site, _board) = qa_site().await;
    let a = site.login("author").await;
    let question = write(&site, &a, "Private question", &[("secret", "1")]).await;
    // Another member can neither read it nor answer it.
    let o = site.login("other").await;
    assert_eq!(
        site.get_as(&format!("/b/qa/{question}"), &o.cookie)
            .await
            .status,
        403
    );
    assert_eq!(
        site.get_as(&format!("/b/qa/{question}/reply"), &o.cookie)
            .await
            .status,
        403
    );
    assert_eq!(reply(&site, &o, question, "Re: peek").await.status, 403);

    // The board's administrator answers without ticking "secret": the answer is secret.
    let boss = site.login("boss").await;
    let form = site
        .get_as(&format!("/b/qa/{question}/reply"), &boss.cookie)
        .await
        .text();
    assert!(
        form.contains("name=\"secret\" value=\"1\" checked"),
        "{form}"
    );
    // A reply stays in its thread: even an administrator gets no "pin" box for it.
    assert!(!form.contains("name=\"pinned\""));
    let answer = reply(&site, &boss, question, "Re: Private question").await;
    assert_eq!(answer.status, 303, "{}", answer.text());
    let answer = redirected_post(&answer, "qa");
    let page = format!("/b/qa/{answer}");
    // The thread's author reads it; another member and guests do not.
    assert_eq!(site.get_as(&page, &a.cookie).await.status, 200);
    assert!(
        site.get_as(&page, &a.cookie)
            .await
            .text()
            .contains("Re: Private question")
    );
    assert_eq!(site.get_as(&page, &o.cookie).await.status, 403);
    assert_eq!(site.get(&page).await.status, 403);
    let list = site.get("/b/qa").await.text();
    assert_eq!(list.matches(">Secret post</span>").count(), 2, "{list}");
    site.finish().await;
}

#[tokio::test]
async fn a_post_with_replies_is_not_deleted() {
    let (site, board) = qa_site().await;
    let a = site.login("author").await;
    let r = site.login("replier").await;
    let first = write(&site, &a, "Question", &[]).await;
    let answer = redirected_post(&reply(&site, &r, first, "Re: Question").await, "qa");
    let refused = site
        .post_as(&format!("/b/qa/{first}/delete"), &a, &[("csrf", &a.csrf)])
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused.text().contains("delete the replies first"),
        "{}",
        refused.text()
    );
    assert_eq!(listed(&site).await, [first, answer]);
    let now = jiff::Timestamp::now();
    assert!(
        site.store()
            .post(board.id, first, now)
            .await
            .unwrap()
            .is_some()
    );
    // A move deletes its source: refused too, nothing copied.
    let youth = site.store().board("youth").await.unwrap().unwrap();
    let moved = site
        .store()
        .transfer_post(&madang_store::TransferRequest {
            transfer: madang_core::copy_line::Transfer::Move,
            post_id: first,
            target_board_ids: &[youth.id],
            actor_id: None,
            actor_name: "test",
            ip: "",
            at: now,
            line_language: madang_core::copy_line::CopyLineLanguage::English,
            zone: &jiff::tz::TimeZone::UTC,
        })
        .await;
    assert!(
        matches!(moved, Err(madang_store::StoreError::Delete(_))),
        "{moved:?}"
    );
    assert!(post_links(&site.get("/b/youth").await.text(), "youth").is_empty());
    let log = site.store().audit_log(100).await.unwrap();
    assert!(
        !log.iter()
            .any(|e| e.action == "post.delete" || e.action == "post.move")
    );

    // Once the reply is gone, the post may go.
    let gone = site
        .post_as(&format!("/b/qa/{answer}/delete"), &r, &[("csrf", &r.csrf)])
        .await;
    assert_eq!(gone.status, 303);
    let done = site
        .post_as(&format!("/b/qa/{first}/delete"), &a, &[("csrf", &a.csrf)])
        .await;
    assert_eq!(done.status, 303);
    assert!(listed(&site).await.is_empty());
    // The reply comes back only after the post it answers.
    let boss = site.login("boss").await;
    let restore = |id: i64| {
        let (site, boss) = (&site, &boss);
        async move {
            site.post_as(
                &format!("/b/qa/{id}/restore"),
                boss,
                &[("csrf", &boss.csrf)],
            )
            .await
        }
    };
    let early = restore(answer).await;
    assert_eq!(early.status, 409);
    assert!(early.text().contains("restore that post first"));
    assert!(listed(&site).await.is_empty());
    assert_eq!(restore(first).await.status, 303);
    assert_eq!(restore(answer).await.status, 303);
    assert_eq!(listed(&site).await, [first, answer]);
    site.finish().await;
}

fn new_reply(n: usize) -> NewPost {
    NewPost {
        title: format!("Re: {n}"),
        body: PostBody::Html("<p>answer</p>".into()),
        author_id: None,
        author_name: "staff".into(),
        lang: None,
        pinned: false,
        secret: false,
        // A minute ago, so reads at the test's `now` see it.
        published_at: jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() - 60)
            .unwrap(),
        links: Vec::new(),
    }
}

#[tokio::test]
async fn thread_limits_are_refused_with_a_page() {
    let (site, board) = qa_site().await;
    let a = site.login("author").await;
    let first = write(&site, &a, "Question", &[]).await;
    let now = jiff::Timestamp::now();
    let options = PostOptions::default();
    // Ten levels deep.
    let mut parent = first;
    for n in 0..madang_core::replies::MAX_REPLY_DEPTH {
        parent = site
            .store()
            .write_reply(board.id, parent, &new_reply(n), &options, &[], now)
            .await
            .unwrap();
    }
    let deepest = site
        .store()
        .post(board.id, parent, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(deepest.reply_path, "A".repeat(10));
    let before = listed(&site).await;
    let form = site
        .get_as(&format!("/b/qa/{parent}/reply"), &a.cookie)
        .await;
    assert_eq!(form.status, 409);
    assert!(form.text().contains("10 levels"), "{}", form.text());
    let refused = reply(&site, &a, parent, "Re: too deep").await;
    assert_eq!(refused.status, 409);
    let korean = site
        .get_as(&format!("/ko/b/qa/{parent}/reply"), &a.cookie)
        .await;
    assert!(korean.text().contains("10단계"));

    // 26 replies to one post, then no more.
    let mut answers = Vec::new();
    for n in 0..25 {
        answers.push(
            site.store()
                .write_reply(board.id, first, &new_reply(n), &options, &[], now)
                .await
                .unwrap(),
        );
    }
    let last = site
        .store()
        .post(board.id, answers[24], now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.reply_path, "Z");
    let refused = reply(&site, &a, first, "Re: one too many").await;
    assert_eq!(refused.status, 409);
    assert!(refused.text().contains("26 replies"));
    let after: Vec<i64> = listed(&site).await;
    assert_eq!(after.len(), before.len() + 25);
    assert!(site.get("/b/qa").await.text().matches("is-reply").count() > 0);
    site.finish().await;
}

#[tokio::test]
async fn concurrent_replies_get_different_places() {
    let (site, board) = qa_site().await;
    let a = site.login("author").await;
    let first = write(&site, &a, "Question", &[]).await;
    let now = jiff::Timestamp::now();
    let store = site.store();
    let replies = futures::future::join_all((0..8).map(|n| async move {
        store
            .write_reply(
                board.id,
                first,
                &new_reply(n),
                &PostOptions::default(),
                &[],
                now,
            )
            .await
            .unwrap()
    }))
    .await;
    let mut paths = Vec::new();
    for id in replies {
        paths.push(
            store
                .post(board.id, id, now)
                .await
                .unwrap()
                .unwrap()
                .reply_path,
        );
    }
    paths.sort();
    assert_eq!(paths, ["A", "B", "C", "D", "E", "F", "G", "H"]);
    site.finish().await;
}

/// Deep pages start from remembered anchors (lists.rs) that can fall inside a thread: read
/// page by page, a board with many replies lists exactly what one long page lists, and
/// every reply follows what it answers.
#[tokio::test]
async fn deep_pages_keep_threads_in_order() {
    let (site, board) = qa_site().await;
    let store = site.store();
    let now = jiff::Timestamp::now();
    let roots: Vec<NewPost> = (0..120).map(new_reply).collect();
    let ids = store.create_posts(board.id, &roots, now).await.unwrap();
    let options = PostOptions::default();
    for (n, &root) in ids.iter().enumerate().filter(|(n, _)| n % 3 == 0) {
        let a = store
            .write_reply(board.id, root, &new_reply(n), &options, &[], now)
            .await
            .unwrap();
        store
            .write_reply(board.id, root, &new_reply(n), &options, &[], now)
            .await
            .unwrap();
        store
            .write_reply(board.id, a, &new_reply(n), &options, &[], now)
            .await
            .unwrap();
    }
    let mut board = store.board("qa").await.unwrap().unwrap();
    board.page_size = 1000;
    let whole = store.board_page(&board, 1, now).await.unwrap().posts;
    assert_eq!(whole.len(), 240);
    // Depth-first: a post is at most one level below the one before it.
    assert_eq!(whole[0].reply_depth, 0);
    for pair in whole.windows(2) {
        assert!(pair[1].reply_depth <= pair[0].reply_depth + 1);
    }
    assert_eq!(whole.iter().filter(|p| p.reply_depth == 2).count(), 40);
    board.page_size = 7;
    let mut paged = Vec::new();
    for page in 1..=35 {
        paged.extend(store.board_page(&board, page, now).await.unwrap().posts);
    }
    let ids = |posts: &[madang_core::PostSummary]| posts.iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&whole));
    site.finish().await;
}
