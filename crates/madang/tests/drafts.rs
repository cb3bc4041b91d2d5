//! Issue 3, "Staff: writing" — drafts and scheduled publishing. "Save as draft" keeps a
//! post to those who may edit it (its author, the board's administrators, the super
//! administrator); a "Publish at" in the future schedules it. Neither leaks: not in lists,
//! feeds, the sitemap, search or the home page, and its page is not found for anyone
//! else. Editors see it with a "Draft" or "Scheduled for …" notice and "Publish now", find
//! it on the drafts page, and can reschedule, publish now or take a post back to draft;
//! every change is audited. Bad times are refused with a message and change nothing.

mod common;

use common::{Browser, TestSite, redirected_post};
use madang::demo::NEWS;

/// Writes a post on NEWS with these extra fields (`intent`, `publish_at`, …).
async fn write(
    site: &TestSite,
    who: &Browser,
    title: &str,
    extra: &[(&str, &str)],
) -> common::Page {
    let mut fields = vec![
        ("csrf", who.csrf.as_str()),
        ("title", title),
        ("body", "<p>Body of the post.</p>"),
        ("format", "html"),
    ];
    fields.extend_from_slice(extra);
    site.post_multipart(&format!("/b/{NEWS}/write"), who, &fields, &[])
        .await
}

/// Edits a post on NEWS with these extra fields.
async fn edit(
    site: &TestSite,
    who: &Browser,
    id: i64,
    title: &str,
    extra: &[(&str, &str)],
) -> common::Page {
    let mut fields = vec![
        ("csrf", who.csrf.as_str()),
        ("title", title),
        ("body", "<p>Body of the post.</p>"),
        ("format", "html"),
    ];
    fields.extend_from_slice(extra);
    site.post_multipart(&format!("/b/{NEWS}/{id}/edit"), who, &fields, &[])
        .await
}

/// A time `hours` from now as the "Publish at" field takes it, in the demo's zone (Seoul).
fn field_in(hours: i64) -> String {
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(hours);
    at.to_zoned(jiff::tz::TimeZone::get("Asia/Seoul").unwrap())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Every place a guest could meet a post: where its title (`needle`, whose first word is
/// searched for) shows.
async fn seen_by_guests(site: &TestSite, id: i64, needle: &str) -> Vec<String> {
    let word = needle.split(' ').next().unwrap();
    site.state.page_cache().clear();
    let mut seen = Vec::new();
    for path in [
        "/".to_owned(),
        format!("/b/{NEWS}"),
        "/feed.xml".to_owned(),
        "/atom.xml".to_owned(),
        format!("/b/{NEWS}/feed.xml"),
        format!("/b/{NEWS}/atom.xml"),
        format!("/search?q={word}"),
        format!("/ko/b/{NEWS}"),
    ] {
        let page = site.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        if page.text().contains(needle) {
            seen.push(path);
        }
    }
    let sitemap = site.get("/sitemap.xml").await.text();
    if sitemap.contains(&format!("/b/{NEWS}/{id}<")) {
        seen.push("/sitemap.xml".into());
    }
    let post = site.get(&format!("/b/{NEWS}/{id}")).await;
    if post.status != 404 {
        seen.push(format!("post page ({})", post.status));
    }
    seen
}

#[tokio::test]
async fn drafts_and_scheduled_posts_reach_only_their_editors() {
    let site = TestSite::demo().await;
    site.member("author", 8, false).await;
    site.member("colleague", 8, false).await;
    site.member("chief", 10, true).await;
    let author = site.login("author").await;
    let colleague = site.login("colleague").await;
    let chief = site.login("chief").await;
    // A board administrator who is no super administrator (and whose level writes nowhere).
    let keeper = site.member("keeper", 2, false).await;
    let news = site.store().board(NEWS).await.unwrap().unwrap();
    site.store()
        .add_board_admin(news.id, keeper.id, (None, "test"), 0)
        .await
        .unwrap();
    let keeper = site.login("keeper").await;
    // The scheduler's first run: from here on it announces what becomes due.
    site.store()
        .publish_due(jiff::Timestamp::now())
        .await
        .unwrap();

    let draft = write(&site, &author, "Zanzibarquux draft", &[("intent", "draft")]).await;
    assert_eq!(draft.status, 303, "{}", draft.text());
    let draft_id = redirected_post(&draft, NEWS);
    let interim = redirected_post(&write(&site, &author, "Interim news", &[]).await, NEWS);
    let later = field_in(48);
    let scheduled = write(
        &site,
        &author,
        "Quokkaquux embargo",
        &[("intent", "publish"), ("publish_at", &later)],
    )
    .await;
    assert_eq!(scheduled.status, 303, "{}", scheduled.text());
    let scheduled_id = redirected_post(&scheduled, NEWS);

    // Nowhere for guests; not found at their own addresses for guests and other members.
    assert_eq!(
        seen_by_guests(&site, draft_id, "Zanzibarquux draft").await,
        Vec::<String>::new()
    );
    assert_eq!(
        seen_by_guests(&site, scheduled_id, "Quokkaquux embargo").await,
        Vec::<String>::new()
    );
    for id in [draft_id, scheduled_id] {
        let path = format!("/b/{NEWS}/{id}");
        assert_eq!(site.get_as(&path, &colleague.cookie).await.status, 404);
        let edit_form = site
            .get_as(&format!("{path}/edit"), &colleague.cookie)
            .await;
        assert_eq!(edit_form.status, 403);
    }
    let listed = site
        .get_as(&format!("/b/{NEWS}"), &colleague.cookie)
        .await
        .text();
    assert!(!listed.contains("Zanzibarquux") && !listed.contains("Quokkaquux"));
    let searched = site
        .get_as("/search?q=Zanzibarquux", &colleague.cookie)
        .await
        .text();
    assert!(!searched.contains("Zanzibarquux draft"));

    // Their editors see them, marked, with "Publish now"; not counted as views.
    for who in [&author, &chief, &keeper] {
        let page = site
            .get_as(&format!("/b/{NEWS}/{draft_id}"), &who.cookie)
            .await;
        assert_eq!(page.status, 200);
        let html = page.text();
        assert!(html.contains("class=\"post-status\""), "{html}");
        assert!(html.contains(">Draft</span>"));
        assert!(html.contains(&format!("action=\"/b/{NEWS}/{draft_id}/publish\"")));
        assert!(!html.contains("id=\"comment-form\""));
        let page = site
            .get_as(&format!("/b/{NEWS}/{scheduled_id}"), &who.cookie)
            .await
            .text();
        assert!(page.contains("Scheduled for "), "{page}");
    }
    site.state.flush_view_counts().await;
    let (seen, _) = site
        .store()
        .post_for_staff(news.id, draft_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.views, 0, "an editor's look at a draft is no view");
    let ko = site
        .get_as(&format!("/ko/b/{NEWS}/{scheduled_id}"), &author.cookie)
        .await
        .text();
    assert!(ko.contains("게시 예정"), "{ko}");

    // The drafts page lists both for their author and the super administrator, none for
    // a colleague; the header and the board page lead there.
    for who in [&author, &chief, &keeper] {
        let drafts = site.get_as("/drafts", &who.cookie).await;
        assert_eq!(drafts.status, 200);
        let html = drafts.text();
        assert!(html.contains("Zanzibarquux draft") && html.contains("Quokkaquux embargo"));
        assert!(html.contains(&format!("href=\"/b/{NEWS}/{draft_id}/edit\"")));
    }
    let theirs = site.get_as("/drafts", &colleague.cookie).await.text();
    assert!(!theirs.contains("Zanzibarquux") && !theirs.contains("Quokkaquux"));
    assert!(theirs.contains("There are no drafts"));
    let on_board = site
        .get_as(&format!("/drafts?board={NEWS}"), &author.cookie)
        .await
        .text();
    assert!(on_board.contains("Zanzibarquux draft"));
    assert_eq!(
        site.get_as("/drafts?board=nope", &author.cookie)
            .await
            .status,
        404
    );
    assert_eq!(site.get("/drafts").await.status, 403);
    let board_page = site
        .get_as(&format!("/b/{NEWS}"), &author.cookie)
        .await
        .text();
    assert!(board_page.contains(&format!("href=\"/drafts?board={NEWS}\"")));
    assert!(board_page.contains("href=\"/drafts\""));

    // Publishing: not by a colleague, nor a guest, nor without the token.
    let publish = format!("/b/{NEWS}/{draft_id}/publish");
    assert_eq!(
        site.post_as(&publish, &colleague, &[("csrf", &colleague.csrf)])
            .await
            .status,
        403
    );
    assert_eq!(site.post_form(&publish, &[("csrf", "x")]).await.status, 403);
    assert_eq!(
        site.post_as(&publish, &author, &[("csrf", "wrong")])
            .await
            .status,
        403
    );
    assert_eq!(
        seen_by_guests(&site, draft_id, "Zanzibarquux draft").await,
        Vec::<String>::new()
    );
    let done = site
        .post_as(&publish, &author, &[("csrf", &author.csrf)])
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(done.header("location"), format!("/b/{NEWS}/{draft_id}"));
    let seen = seen_by_guests(&site, draft_id, "Zanzibarquux draft").await;
    for place in [
        format!("/b/{NEWS}"),
        "/feed.xml".into(),
        "/search?q=Zanzibarquux".into(),
        "/sitemap.xml".into(),
    ] {
        assert!(seen.contains(&place), "{place} in {seen:?}");
    }
    assert!(seen.contains(&"post page (200 OK)".to_owned()), "{seen:?}");
    // A published post is not published twice.
    let again = site
        .post_as(&publish, &author, &[("csrf", &author.csrf)])
        .await;
    assert_eq!(again.status, 400);
    // The newly published draft sorts as the board's newest thread, before a post
    // published while it was a draft.
    let list = site.get(&format!("/b/{NEWS}")).await.text();
    assert_eq!(common::post_links(&list, NEWS)[..2], [draft_id, interim]);

    // The scheduled post, published now from its edit form.
    let now_please = edit(
        &site,
        &chief,
        scheduled_id,
        "Quokkaquux embargo",
        &[("intent", "publish_now"), ("publish_at", &later)],
    )
    .await;
    assert_eq!(now_please.status, 303, "{}", now_please.text());
    assert!(
        seen_by_guests(&site, scheduled_id, "Quokkaquux embargo")
            .await
            .contains(&format!("/b/{NEWS}"))
    );

    // Audited, with the state before and after; the scheduler does not announce again
    // what staff published.
    let later_run = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2);
    assert_eq!(
        site.store().publish_due(later_run).await.unwrap(),
        Some(vec![])
    );
    let log = site.store().audit_log(100).await.unwrap();
    let line = |action: &str, id: i64| {
        log.iter()
            .filter(|e| e.action == action && e.target == format!("post:{id}"))
            .collect::<Vec<_>>()
    };
    let created = line("post.create", draft_id);
    assert_eq!(created.len(), 1);
    assert!(
        created[0].detail.contains("(draft)"),
        "{}",
        created[0].detail
    );
    let created = line("post.create", scheduled_id);
    assert!(
        created[0].detail.contains("(scheduled "),
        "{}",
        created[0].detail
    );
    let published = line("post.publish", draft_id);
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0].actor_name, "author");
    assert!(
        published[0].detail.contains("draft → published"),
        "{}",
        published[0].detail
    );
    let published = line("post.publish", scheduled_id);
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0].actor_name, "chief");
    assert!(
        published[0].detail.contains("scheduled ") && published[0].detail.contains("→ published")
    );
    site.finish().await;
}

#[tokio::test]
async fn editing_reschedules_and_takes_posts_back_to_draft() {
    let site = TestSite::demo().await;
    site.member("author", 8, false).await;
    let author = site.login("author").await;
    let count = || async { site.store().board(NEWS).await.unwrap().unwrap().post_count };
    let before = count().await;
    let page = write(&site, &author, "Wombatquux statement", &[]).await;
    let id = redirected_post(&page, NEWS);
    assert_eq!(count().await, before + 1);
    assert!(site.get(&format!("/b/{NEWS}/{id}")).await.status == 200);

    // The edit form shows its time; saving unchanged keeps it to the second.
    let form = site
        .get_as(&format!("/b/{NEWS}/{id}/edit"), &author.cookie)
        .await
        .text();
    let shown = common::between(
        &form,
        "name=\"publish_at\" type=\"datetime-local\" value=\"",
        "\"",
    )
    .unwrap()
    .to_owned();
    assert_eq!(shown.len(), 16, "{shown}");
    assert!(form.contains("Switch to draft"));
    let stored = || async {
        let board = site.store().board(NEWS).await.unwrap().unwrap();
        site.store()
            .post_for_staff(board.id, id)
            .await
            .unwrap()
            .unwrap()
            .0
    };
    let published_at = stored().await.published_at;
    let saved = edit(
        &site,
        &author,
        id,
        "Wombatquux statement",
        &[("intent", "publish"), ("publish_at", &shown)],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert_eq!(stored().await.published_at, published_at);
    // So does a form without the field (an older page, a script).
    let saved = edit(&site, &author, id, "Wombatquux statement", &[]).await;
    assert_eq!(saved.status, 303);
    assert_eq!(stored().await.published_at, published_at);

    // Back to draft: gone for readers and from the count.
    let draft = edit(
        &site,
        &author,
        id,
        "Wombatquux statement",
        &[("intent", "draft"), ("publish_at", &shown)],
    )
    .await;
    assert_eq!(draft.status, 303);
    assert_eq!(site.get(&format!("/b/{NEWS}/{id}")).await.status, 404);
    assert_eq!(count().await, before);
    let form = site
        .get_as(&format!("/b/{NEWS}/{id}/edit"), &author.cookie)
        .await
        .text();
    assert!(form.contains("Save as draft"));

    // Scheduled, then rescheduled: shown in its form, audited with both times.
    let first = field_in(24);
    let second = field_in(72);
    assert_eq!(
        edit(
            &site,
            &author,
            id,
            "Wombatquux statement",
            &[("publish_at", &first)]
        )
        .await
        .status,
        303
    );
    assert_eq!(count().await, before + 1);
    assert_eq!(site.get(&format!("/b/{NEWS}/{id}")).await.status, 404);
    let form = site
        .get_as(&format!("/b/{NEWS}/{id}/edit"), &author.cookie)
        .await
        .text();
    assert!(form.contains(&format!("value=\"{first}\"")), "{form}");
    assert!(form.contains("Save (keep scheduled)") && form.contains("Publish now"));
    assert_eq!(
        edit(
            &site,
            &author,
            id,
            "Wombatquux statement",
            &[("intent", "publish"), ("publish_at", &second)]
        )
        .await
        .status,
        303
    );
    let at = stored().await.published_at;
    assert!(at > jiff::Timestamp::now() + jiff::SignedDuration::from_hours(71));

    let log = site.store().audit_log(100).await.unwrap();
    let target = format!("post:{id}");
    let actions: Vec<&str> = log
        .iter()
        .filter(|e| e.target == target)
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "post.schedule",
            "post.edit",
            "post.schedule",
            "post.edit",
            "post.unpublish",
            "post.edit",
            "post.edit",
            "post.edit",
            "post.create"
        ]
    );
    let unpublish = log
        .iter()
        .find(|e| e.target == target && e.action == "post.unpublish")
        .unwrap();
    assert!(
        unpublish.detail.contains("published ") && unpublish.detail.ends_with("→ draft"),
        "{}",
        unpublish.detail
    );
    let rescheduled = log
        .iter()
        .find(|e| e.target == target && e.action == "post.schedule")
        .unwrap();
    assert!(
        rescheduled.detail.contains(&format!("→ scheduled {at}")),
        "{}",
        rescheduled.detail
    );

    // When its time comes the scheduler announces it (it was changed before its time).
    let due = site
        .store()
        .publish_due(jiff::Timestamp::now())
        .await
        .unwrap();
    assert_eq!(due, Some(vec![]));
    let then = at + jiff::SignedDuration::from_secs(1);
    assert_eq!(
        site.store().publish_due(then).await.unwrap(),
        Some(vec![id])
    );
    site.finish().await;
}

#[tokio::test]
async fn bad_publish_times_are_refused_and_change_nothing() {
    let site = TestSite::demo().await;
    site.member("author", 8, false).await;
    let author = site.login("author").await;
    let created = || async {
        site.store()
            .audit_log(500)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == "post.create")
            .count()
    };
    let before = created().await;
    for (typed, message) in [
        ("2026-02-30T10:00", "“Publish at” must be a date and time"),
        ("next Tuesday", "“Publish at” must be a date and time"),
        ("1960-01-01T10:00", "must be after 1970"),
        ("2999-01-01T10:00", "at most ten years from now"),
    ] {
        for intent in ["publish", "draft", "publish_now"] {
            let page = write(
                &site,
                &author,
                "Refused",
                &[("intent", intent), ("publish_at", typed)],
            )
            .await;
            assert_eq!(page.status, 422, "{typed} {intent}");
            let html = page.text();
            assert!(html.contains(message), "{typed}: {html}");
            // The form comes back as typed.
            assert!(html.contains(&format!("value=\"{typed}\"")), "{typed}");
        }
    }
    let page = write(&site, &author, "Refused", &[("intent", "destroy")]).await;
    assert_eq!(page.status, 422);
    assert!(page.text().contains("unknown button"));
    let korean = site
        .post_multipart(
            &format!("/ko/b/{NEWS}/write"),
            &author,
            &[
                ("csrf", &author.csrf),
                ("title", "거절"),
                ("body", "x"),
                ("publish_at", "2026-13-01T00:00"),
            ],
            &[],
        )
        .await;
    assert_eq!(korean.status, 422);
    assert!(korean.text().contains("게시 시각은 2026-12-01 09:30 같은"));
    assert_eq!(created().await, before, "nothing was saved");

    // Editing with a bad time changes nothing either.
    let id = redirected_post(&write(&site, &author, "Kept as it was", &[]).await, NEWS);
    let page = edit(
        &site,
        &author,
        id,
        "Changed title",
        &[("publish_at", "2026-02-30T10:00")],
    )
    .await;
    assert_eq!(page.status, 422);
    let shown = site.get(&format!("/b/{NEWS}/{id}")).await.text();
    assert!(shown.contains("Kept as it was") && !shown.contains("Changed title"));
    site.finish().await;
}
