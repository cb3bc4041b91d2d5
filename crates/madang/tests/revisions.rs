//! Issue 3, a post's history over HTTP: the list of earlier versions, a version compared
//! with the current post, and restoring it; who may do so; bad addresses and forged forms
//! changing nothing. Runs on SQLite, or on PostgreSQL when `MADANG_TEST_DATABASE_URL` is
//! set.

mod common;

use common::{Browser, TestSite, between, redirected_post};

/// Writes a post on Advocacy through the write form and returns its id.
async fn write(site: &TestSite, who: &Browser, title: &str, body: &str) -> i64 {
    let page = site
        .post_multipart(
            "/b/advocacy/write",
            who,
            &[
                ("csrf", &who.csrf),
                ("title", title),
                ("body", body),
                ("format", "text"),
            ],
            &[],
        )
        .await;
    redirected_post(&page, "advocacy")
}

/// Edits a post through the edit form.
async fn edit(site: &TestSite, who: &Browser, id: i64, title: &str, body: &str) {
    let page = site
        .post_multipart(
            &format!("/b/advocacy/{id}/edit"),
            who,
            &[
                ("csrf", &who.csrf),
                ("title", title),
                ("body", body),
                ("format", "text"),
            ],
            &[],
        )
        .await;
    assert_eq!(page.status, 303, "edit: {}", page.text());
}

/// The revision ids a history page links to, in order.
fn revision_links(html: &str, post: i64) -> Vec<i64> {
    let needle = format!("href=\"/b/advocacy/{post}/revisions/");
    html.split(&needle)
        .skip(1)
        .map(|part| {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().expect("a revision id")
        })
        .collect()
}

/// The text of every `<tag>` element (ins or del) on a page, labels included.
fn marked(html: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    html.split(&open)
        .skip(1)
        .filter_map(|part| part.split_once(&close).map(|(inside, _)| inside))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// The post ids a search lists.
async fn search(site: &TestSite, words: &str) -> Vec<i64> {
    let html = site.get(&format!("/search?q={words}")).await.text();
    let Some(list) = between(&html, "<ol class=\"search-results\">", "</ol>") else {
        return Vec::new();
    };
    common::post_links(list, "advocacy")
}

#[tokio::test]
async fn two_edits_are_listed_compared_and_the_first_restored() {
    let site = TestSite::demo().await;
    site.member("author", 8, false).await;
    let author = site.login("author").await;
    let id = write(
        &site,
        &author,
        "Budget hearing",
        "The committee met about the zeppelin budget.\nSecond paragraph stays.",
    )
    .await;
    edit(
        &site,
        &author,
        id,
        "Budget hearing (updated)",
        "The committee met about the marmalade budget.\nSecond paragraph stays.",
    )
    .await;
    edit(
        &site,
        &author,
        id,
        "Budget hearing postponed",
        "The committee met about the quokka budget.\nSecond paragraph stays.",
    )
    .await;
    let post = format!("/b/advocacy/{id}");
    let page = site.get_as(&post, &author.cookie).await.text();
    assert!(
        page.contains(&format!("href=\"{post}/revisions\">History (2)</a>")),
        "the staff tools link the history"
    );
    assert!(
        !site.get(&post).await.text().contains("/revisions"),
        "readers see no history link"
    );

    // The history: two versions, newest first, dated and named.
    let history = site
        .get_as(&format!("{post}/revisions"), &author.cookie)
        .await;
    assert_eq!(history.status, 200);
    let history = history.text();
    let revs = revision_links(&history, id);
    assert_eq!(revs.len(), 2, "{history}");
    assert!(revs[0] > revs[1], "newest first");
    let newest = history.find("Budget hearing (updated)").unwrap();
    let oldest = history.find("<td>Budget hearing</td>").unwrap();
    assert!(newest < oldest);
    assert!(history.contains("<td>author</td>"));
    let year = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Seoul").unwrap())
        .year();
    assert!(history.contains(&year.to_string()), "dated");
    let korean = site
        .get_as(&format!("/ko{post}/revisions"), &author.cookie)
        .await
        .text();
    assert!(
        korean.contains("수정 기록") && korean.contains("년"),
        "{korean}"
    );

    // The first version against the current post: what a restore would undo.
    let diff = site
        .get_as(&format!("{post}/revisions/{}", revs[1]), &author.cookie)
        .await;
    assert_eq!(diff.status, 200);
    let diff = diff.text();
    let (removed, added) = (marked(&diff, "del"), marked(&diff, "ins"));
    assert!(removed.contains("zeppelin"), "removed: {removed}");
    assert!(added.contains("quokka"), "added: {added}");
    assert!(!removed.contains("Second") && !added.contains("Second"));
    assert!(diff.contains("Second paragraph stays."), "context is shown");
    assert!(removed.contains("removed:"), "labelled for screen readers");
    assert!(
        added.contains("postponed") && !removed.contains("marmalade"),
        "the title compared too: {added}"
    );

    // Without the token nothing happens.
    let forged = site
        .post_as(
            &format!("{post}/revisions/{}/restore", revs[1]),
            &author,
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let missing = site
        .post_as(
            &format!("{post}/revisions/{}/restore", revs[1]),
            &author,
            &[],
        )
        .await;
    assert_eq!(missing.status, 403);
    assert_eq!(site.store().revision_count(id).await.unwrap(), 2);
    assert!(site.get(&post).await.text().contains("quokka"));

    // Restoring the first version brings its title and body back.
    let restored = site
        .post_as(
            &format!("{post}/revisions/{}/restore", revs[1]),
            &author,
            &[("csrf", &author.csrf)],
        )
        .await;
    assert_eq!(restored.status, 303);
    assert_eq!(restored.header("location"), post);
    let page = site.get(&post).await.text();
    assert!(page.contains("<h1 class=\"post-title\">Budget hearing</h1>"));
    assert!(page.contains("zeppelin") && !page.contains("quokka"));
    assert_eq!(search(&site, "zeppelin").await, vec![id]);
    assert!(search(&site, "quokka").await.is_empty());

    // The restore is itself a revision (the version it replaced) and is audited.
    assert_eq!(site.store().revision_count(id).await.unwrap(), 3);
    let history = site
        .get_as(&format!("{post}/revisions"), &author.cookie)
        .await
        .text();
    let after = revision_links(&history, id);
    assert_eq!(after.len(), 3);
    let newest = site.store().revision(id, after[0]).await.unwrap().unwrap();
    assert_eq!(newest.title, "Budget hearing postponed");
    assert!(newest.body_html.contains("quokka"));
    let audit = site.store().audit_log(20).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "post.revision.restore")
        .expect("the restore is audited");
    assert_eq!(entry.target, format!("post:{id}"));
    assert!(
        entry.detail.contains(&revs[1].to_string()),
        "{}",
        entry.detail
    );
    assert_eq!(entry.actor_name, "author");
    site.finish().await;
}

#[tokio::test]
async fn only_staff_who_may_edit_the_post_see_its_history() {
    let site = TestSite::demo().await;
    site.member("boss", 10, true).await;
    site.member("author", 8, false).await;
    site.member("other", 8, false).await;
    let author = site.login("author").await;
    let id = write(&site, &author, "Original title", "original words").await;
    edit(&site, &author, id, "Edited title", "edited words").await;
    let rev = site.store().revisions(id).await.unwrap()[0].id;
    let post = format!("/b/advocacy/{id}");
    let list = format!("{post}/revisions");
    let show = format!("{list}/{rev}");
    let restore = format!("{show}/restore");

    let other = site.login("other").await;
    assert!(
        !site
            .get_as(&post, &other.cookie)
            .await
            .text()
            .contains("/revisions")
    );
    for path in [&list, &show] {
        assert_eq!(site.get_as(path, &other.cookie).await.status, 403, "{path}");
        assert_eq!(site.get(path).await.status, 403, "guest: {path}");
    }
    let refused = site
        .post_as(&restore, &other, &[("csrf", &other.csrf)])
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        site.post_form(&restore, &[("csrf", "")]).await.status,
        403,
        "guest"
    );
    assert_eq!(site.store().revision_count(id).await.unwrap(), 1);
    assert!(site.get(&post).await.text().contains("Edited title"));

    // The site's administrator may.
    let boss = site.login("boss").await;
    assert_eq!(site.get_as(&list, &boss.cookie).await.status, 200);
    assert_eq!(site.get_as(&show, &boss.cookie).await.status, 200);
    site.finish().await;
}

#[tokio::test]
async fn unknown_or_foreign_revisions_are_not_found_and_change_nothing() {
    let site = TestSite::demo().await;
    site.member("author", 8, false).await;
    let author = site.login("author").await;
    let a = write(&site, &author, "Post A", "alpha").await;
    edit(&site, &author, a, "Post A2", "alpha two").await;
    let b = write(&site, &author, "Post B", "beta").await;
    edit(&site, &author, b, "Post B2", "beta two").await;
    let b_rev = site.store().revisions(b).await.unwrap()[0].id;
    let a_rev = site.store().revisions(a).await.unwrap()[0].id;

    let base = format!("/b/advocacy/{a}/revisions");
    for rev in [b_rev.to_string(), "999999".into(), "0".into(), "x".into()] {
        let show = format!("{base}/{rev}");
        assert_eq!(
            site.get_as(&show, &author.cookie).await.status,
            404,
            "{show}"
        );
        let restore = site
            .post_as(
                &format!("{show}/restore"),
                &author,
                &[("csrf", &author.csrf)],
            )
            .await;
        assert_eq!(restore.status, 404, "{show}/restore");
    }
    // Another board's address for the post, and a deleted post.
    assert_eq!(
        site.get_as(&format!("/b/youth/{a}/revisions"), &author.cookie)
            .await
            .status,
        404
    );
    let deleted = site
        .post_as(
            &format!("/b/advocacy/{b}/delete"),
            &author,
            &[("csrf", &author.csrf)],
        )
        .await;
    assert_eq!(deleted.status, 303);
    let b_history = format!("/b/advocacy/{b}/revisions");
    assert_eq!(site.get_as(&b_history, &author.cookie).await.status, 404);
    let restore = site
        .post_as(
            &format!("{b_history}/{b_rev}/restore"),
            &author,
            &[("csrf", &author.csrf)],
        )
        .await;
    assert_eq!(restore.status, 404);

    assert_eq!(site.store().revision_count(a).await.unwrap(), 1);
    assert_eq!(site.store().revision_count(b).await.unwrap(), 1);
    assert!(
        site.get(&format!("/b/advocacy/{a}"))
            .await
            .text()
            .contains("Post A2")
    );
    let audit = site.store().audit_log(50).await.unwrap();
    assert!(!audit.iter().any(|e| e.action == "post.revision.restore"));
    // A's own revision still works.
    assert_eq!(
        site.get_as(&format!("{base}/{a_rev}"), &author.cookie)
            .await
            .status,
        200
    );
    site.finish().await;
}
