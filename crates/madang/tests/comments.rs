//! Comments over HTTP: who may comment, threads, secret comments, limits, deletion.

mod common;

use common::{TestSite, post_links};

#[tokio::test]
async fn members_comment_reply_and_delete_in_threads() {
    let site = TestSite::demo().await;
    site.member("reader", 2, false).await;
    site.member("other", 2, false).await;
    let id = post_links(&site.get("/b/advocacy").await.text(), "advocacy")[0];
    let path = format!("/b/advocacy/{id}");
    // Guests see no form and cannot post.
    assert!(!site.get(&path).await.text().contains("id=\"comment-form\""));
    let r = site.login("reader").await;
    assert!(
        site.get_as(&path, &r.cookie)
            .await
            .text()
            .contains("id=\"comment-form\"")
    );
    let no_token = site
        .post_as(&format!("{path}/comments"), &r, &[("body", "hi")])
        .await;
    assert_eq!(no_token.status, 403);

    let first = site
        .post_as(
            &format!("{path}/comments"),
            &r,
            &[
                ("csrf", &r.csrf),
                ("body", "First <b>comment</b>\nline two"),
            ],
        )
        .await;
    assert_eq!(first.status, 303);
    let first_id: i64 = first
        .header("location")
        .rsplit("#comment-")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let o = site.login("other").await;
    let reply = site
        .post_as(
            &format!("{path}/comments"),
            &o,
            &[
                ("csrf", &o.csrf),
                ("body", "A reply"),
                ("parent", &first_id.to_string()),
            ],
        )
        .await;
    assert_eq!(reply.status, 303);
    let second = site
        .post_as(
            &format!("{path}/comments"),
            &o,
            &[("csrf", &o.csrf), ("body", "Second thread")],
        )
        .await;
    assert_eq!(second.status, 303);

    let html = site.get(&path).await.text();
    let (a, b, c) = (
        html.find("First &lt;b&gt;comment&lt;/b&gt;<br>").unwrap(),
        html.find("A reply").unwrap(),
        html.find("Second thread").unwrap(),
    );
    assert!(
        a < b && b < c,
        "the reply sits under its comment, before the next thread"
    );
    assert!(html.contains("class=\"comment depth-1\""));
    assert!(html.contains("3 comments"));

    // Someone else's comment cannot be deleted; one's own can, and its reply stays.
    let delete = format!("{path}/comments/{first_id}/delete");
    assert_eq!(
        site.post_as(&delete, &o, &[("csrf", &o.csrf)]).await.status,
        403
    );
    assert_eq!(
        site.post_as(&delete, &r, &[("csrf", &r.csrf)]).await.status,
        303
    );
    let html = site.get(&path).await.text();
    assert!(html.contains("This comment was deleted.") && html.contains("A reply"));
    let audit = site.store().audit_log(100).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "comment.create")
            .count(),
        3
    );
    assert!(
        audit
            .iter()
            .any(|e| e.action == "comment.delete" && e.actor_name == "reader")
    );
    site.finish().await;
}

#[tokio::test]
async fn secret_comments_empty_comments_and_the_rate_limit() {
    let site = TestSite::demo().await;
    site.member("reader", 2, false).await;
    site.member("stranger", 2, false).await;
    let id = post_links(&site.get("/b/advocacy").await.text(), "advocacy")[0];
    let path = format!("/b/advocacy/{id}");
    let r = site.login("reader").await;
    let secret = site
        .post_as(
            &format!("{path}/comments"),
            &r,
            &[
                ("csrf", &r.csrf),
                ("body", "only for staff"),
                ("secret", "1"),
            ],
        )
        .await;
    assert_eq!(secret.status, 303);
    assert!(
        site.get_as(&path, &r.cookie)
            .await
            .text()
            .contains("only for staff"),
        "its author reads it"
    );
    assert!(
        !site.get(&path).await.text().contains("only for staff"),
        "guests do not"
    );
    let s = site.login("stranger").await;
    assert!(
        site.get_as(&path, &s.cookie)
            .await
            .text()
            .contains("This comment is secret.")
    );

    let empty = site
        .post_as(
            &format!("{path}/comments"),
            &r,
            &[("csrf", &r.csrf), ("body", "   ")],
        )
        .await;
    assert_eq!(empty.status, 400);
    assert!(empty.text().contains("a comment cannot be empty"));
    let ghost = site
        .post_as(
            &format!("{path}/comments"),
            &r,
            &[("csrf", &r.csrf), ("body", "x"), ("parent", "999999")],
        )
        .await;
    assert_eq!(ghost.status, 400);

    for i in 0..4 {
        let page = site
            .post_as(
                &format!("{path}/comments"),
                &r,
                &[("csrf", &r.csrf), ("body", &format!("quick {i}"))],
            )
            .await;
        assert_eq!(page.status, 303, "comment {i}");
    }
    let too_fast = site
        .post_as(
            &format!("{path}/comments"),
            &r,
            &[("csrf", &r.csrf), ("body", "one too many")],
        )
        .await;
    assert_eq!(too_fast.status, 400);
    assert!(too_fast.text().contains("commenting too quickly"));
    site.finish().await;
}

/// Comments written at the same moment on one post (on PostgreSQL they run side by side)
/// each get a place of their own: every thread lists depth-first, each reply right after
/// what it answers. Two comments given the same place would be listed side by side, their
/// replies after both.
#[tokio::test]
async fn comments_written_at_once_get_places_of_their_own() {
    use madang_store::{ActorRef, NewComment};
    let site = TestSite::demo().await;
    let post = post_links(&site.get("/b/advocacy").await.text(), "advocacy")[0];
    let store = site.store();
    // A guest's comments: members are held to a few comments a minute.
    let actor = ActorRef {
        id: None,
        name: "guest",
        ip: "127.0.0.1",
    };
    let now = jiff::Timestamp::now();
    let write = |parent: Option<i64>| async move {
        let new = NewComment {
            post_id: post,
            parent_id: parent,
            body: "at once",
            secret: false,
        };
        store
            .create_comment(&new, actor, now)
            .await
            .unwrap()
            .unwrap()
    };
    // Four comments on the post at once, then four replies to the first at once.
    let roots = futures::future::join_all((0..4).map(|_| write(None))).await;
    let replies = futures::future::join_all((0..4).map(|_| write(Some(roots[0])))).await;
    // One answer to each, one after the other: each must come right after its parent.
    for &parent in roots.iter().chain(&replies) {
        write(Some(parent)).await;
    }
    let listed = store.comments(post).await.unwrap();
    assert_eq!(listed.len(), 16);
    for pair in listed.windows(2) {
        if let Some(parent) = pair[1].parent_id
            && pair[1].depth > pair[0].depth
        {
            assert_eq!(parent, pair[0].id, "a reply listed away from its parent");
        }
    }
    let answered: Vec<i64> = listed.iter().filter_map(|c| c.parent_id).collect();
    for parent in roots.iter().chain(&replies) {
        let at = listed.iter().position(|c| c.id == *parent).unwrap();
        assert!(
            listed[at + 1..]
                .iter()
                .take_while(|c| c.depth > listed[at].depth)
                .any(|c| c.parent_id == Some(*parent)),
            "comment {parent}'s answer is not in its thread"
        );
    }
    assert_eq!(answered.len(), 12);
    site.finish().await;
}
