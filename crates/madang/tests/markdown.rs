//! Issue 3, Markdown as a per-post option: the write form offers Markdown beside the
//! editor's HTML and plain text; the server converts it and cleans the result with the
//! same allow-list as editor HTML, once, on save; the source is kept, so editing shows the
//! Markdown again, a restored revision brings its Markdown back, and a copy or a move
//! stays Markdown.

mod common;

use common::{Browser, TestSite, redirected_post};
use madang_core::markdown::BodyFormat;

/// Markdown with raw HTML a sanitiser must take out.
const SOURCE: &str = "## Appeal\n\nRelease **all** detainees: 북한 인권.\n\n\
    <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n\
    [report](javascript:alert(3)) and [the letter](https://example.org/letter)\n";

async fn writer() -> (TestSite, Browser) {
    let site = TestSite::demo().await;
    site.member("writer", 10, true).await;
    let browser = site.login("writer").await;
    (site, browser)
}

/// Writes a post on `advocacy` in `format`; returns the response.
async fn write(
    site: &TestSite,
    b: &Browser,
    title: &str,
    format: &str,
    body: &str,
) -> common::Page {
    site.post_multipart(
        "/b/advocacy/write",
        b,
        &[
            ("csrf", &b.csrf),
            ("title", title),
            ("format", format),
            ("body", body),
            ("intent", "publish"),
        ],
        &[],
    )
    .await
}

async fn edit(site: &TestSite, b: &Browser, id: i64, format: &str, body: &str) -> common::Page {
    site.post_multipart(
        &format!("/b/advocacy/{id}/edit"),
        b,
        &[
            ("csrf", &b.csrf),
            ("title", "Appeal for the detainees"),
            ("format", format),
            ("body", body),
            ("intent", "publish"),
        ],
        &[],
    )
    .await
}

/// The post's body as its page shows it.
async fn shown_body(site: &TestSite, path: &str) -> String {
    let page = site.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    let text = page.text();
    let start = text.find("class=\"post-body\"").expect("a post body");
    text[start..].to_owned()
}

fn assert_clean(html: &str) {
    for bad in ["<script", "onerror", "javascript:", "alert("] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
}

#[tokio::test]
async fn a_markdown_post_is_converted_sanitised_and_edited_as_markdown() {
    let (site, b) = writer().await;
    let form = site.get_as("/b/advocacy/write", &b.cookie).await.text();
    assert!(
        form.contains("name=\"format\" value=\"markdown\""),
        "{form}"
    );
    assert!(form.contains("id=\"markdown-hint\""));
    let korean = site.get_as("/ko/b/advocacy/write", &b.cookie).await.text();
    assert!(korean.contains("마크다운"));

    let created = write(&site, &b, "Appeal for the detainees", "markdown", SOURCE).await;
    assert_eq!(created.status, 303, "{}", created.text());
    let id = redirected_post(&created, "advocacy");
    let path = format!("/b/advocacy/{id}");
    let body = shown_body(&site, &path).await;
    // `##` sits below the title's <h1>; emphasis and safe links survive.
    assert!(body.contains("<h3>Appeal</h3>"), "{body}");
    assert!(
        body.contains("Release <strong>all</strong> detainees: 북한 인권."),
        "{body}"
    );
    assert!(
        body.contains("href=\"https://example.org/letter\""),
        "{body}"
    );
    assert_clean(&body);

    // Stored once, cleaned: the HTML as shown, the source as written.
    let advocacy = site.store().board("advocacy").await.unwrap().unwrap();
    let post = site
        .store()
        .post(advocacy.id, id, jiff::Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(post.body_format, BodyFormat::Markdown);
    assert_clean(&post.body_html);
    assert!(!post.body_text.contains('*'), "{}", post.body_text);
    assert_eq!(site.store().markdown_source(id).await.unwrap(), SOURCE);

    // The edit form shows the Markdown again, escaped, with Markdown chosen.
    let form = site.get_as(&format!("{path}/edit"), &b.cookie).await.text();
    assert!(
        form.contains("value=\"markdown\" checked"),
        "Markdown is chosen"
    );
    assert!(form.contains("Release **all** detainees"), "{form}");
    assert!(
        form.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || form.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{form}"
    );
    assert!(!form.contains("<script>alert"));

    // An edit in Markdown replaces both; the earlier version is a revision.
    let edited = edit(&site, &b, id, "markdown", "Now *one* line.").await;
    assert_eq!(edited.status, 303);
    assert!(
        shown_body(&site, &path)
            .await
            .contains("<p>Now <em>one</em> line.</p>")
    );
    assert_eq!(
        site.store().markdown_source(id).await.unwrap(),
        "Now *one* line."
    );
    // Restoring that revision brings its Markdown back, converted and cleaned again.
    let revisions = site.store().revisions(id).await.unwrap();
    assert_eq!(revisions.len(), 1);
    let restored = site
        .post_as(
            &format!("{path}/revisions/{}/restore", revisions[0].id),
            &b,
            &[("csrf", &b.csrf)],
        )
        .await;
    assert_eq!(restored.status, 303);
    assert_eq!(site.store().markdown_source(id).await.unwrap(), SOURCE);
    let body = shown_body(&site, &path).await;
    assert!(body.contains("<h3>Appeal</h3>"), "{body}");
    assert_clean(&body);
    let revision = site
        .store()
        .revision(id, site.store().revisions(id).await.unwrap()[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revision.body_format, BodyFormat::Markdown);
    assert_eq!(revision.body_source, "Now *one* line.");

    // Switching to the editor's HTML drops the source: the HTML is the post.
    let html = edit(&site, &b, id, "html", "<p>From the <b>editor</b></p>").await;
    assert_eq!(html.status, 303);
    assert_eq!(site.store().markdown_source(id).await.unwrap(), "");
    let form = site.get_as(&format!("{path}/edit"), &b.cookie).await.text();
    assert!(form.contains("value=\"html\" checked"));
    // …and back to Markdown from the edit form.
    let back = edit(&site, &b, id, "markdown", "# Back").await;
    assert_eq!(back.status, 303);
    assert!(shown_body(&site, &path).await.contains("<h2>Back</h2>"));
    site.finish().await;
}

#[tokio::test]
async fn an_unknown_format_is_refused_and_nothing_is_saved() {
    let (site, b) = writer().await;
    let before = site
        .store()
        .board("advocacy")
        .await
        .unwrap()
        .unwrap()
        .post_count;
    let refused = write(&site, &b, "Typed title stays", "rtf", "Typed *body* stays").await;
    assert_eq!(refused.status, 422);
    let text = refused.text();
    assert!(
        text.contains("Choose HTML, Markdown or plain text"),
        "{text}"
    );
    assert!(text.contains("Typed *body* stays"));
    assert!(text.contains("value=\"html\" checked"));
    let after = site
        .store()
        .board("advocacy")
        .await
        .unwrap()
        .unwrap()
        .post_count;
    assert_eq!(before, after);
    let korean = site
        .post_multipart(
            "/ko/b/advocacy/write",
            &b,
            &[("csrf", &b.csrf), ("title", "제목"), ("format", "rtf")],
            &[],
        )
        .await;
    assert_eq!(korean.status, 422);
    assert!(
        korean
            .text()
            .contains("본문 형식을 HTML, 마크다운, 일반 텍스트 중에서 고르세요")
    );
    site.finish().await;
}

#[tokio::test]
async fn a_copied_or_moved_markdown_post_stays_markdown() {
    let (site, b) = writer().await;
    let youth = site.store().board("youth").await.unwrap().unwrap();
    let created = write(&site, &b, "Seminar", "markdown", "Join **us** in Seoul.").await;
    let id = redirected_post(&created, "advocacy");
    let target = youth.id.to_string();
    let copied = site
        .post_as(
            &format!("/b/advocacy/{id}/transfer"),
            &b,
            &[("csrf", &b.csrf), ("mode", "copy"), ("target", &target)],
        )
        .await;
    assert_eq!(copied.status, 303);
    let copy = redirected_post(&copied, "youth");
    let body = shown_body(&site, &format!("/b/youth/{copy}")).await;
    assert!(
        body.contains("Join <strong>us</strong> in Seoul."),
        "{body}"
    );
    assert!(body.contains("<div class=\"content_copy\">[이 게시물은 writer님에 의해"));
    // The copy's source carries the copy line as a block of HTML, so an edit keeps it.
    let source = site.store().markdown_source(copy).await.unwrap();
    assert!(source.starts_with("Join **us** in Seoul.\n\n<div class=\"content_copy\">"));
    let form = site
        .get_as(&format!("/b/youth/{copy}/edit"), &b.cookie)
        .await
        .text();
    assert!(form.contains("value=\"markdown\" checked"));
    let edited = site
        .post_multipart(
            &format!("/b/youth/{copy}/edit"),
            &b,
            &[
                ("csrf", &b.csrf),
                ("title", "Seminar"),
                ("format", "markdown"),
                ("body", &source.replace("Seoul", "Busan")),
                ("intent", "publish"),
            ],
            &[],
        )
        .await;
    assert_eq!(edited.status, 303);
    let body = shown_body(&site, &format!("/b/youth/{copy}")).await;
    assert!(
        body.contains("in Busan.") && body.contains("content_copy"),
        "{body}"
    );
    // The source is untouched by the copy.
    assert_eq!(
        site.store().markdown_source(id).await.unwrap(),
        "Join **us** in Seoul."
    );

    // A move too.
    let moved = site
        .post_as(
            &format!("/b/advocacy/{id}/transfer"),
            &b,
            &[("csrf", &b.csrf), ("mode", "move"), ("target", &target)],
        )
        .await;
    let moved_id = redirected_post(&moved, "youth");
    let moved_post = site
        .store()
        .post(youth.id, moved_id, jiff::Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved_post.body_format, BodyFormat::Markdown);
    assert!(
        site.store()
            .markdown_source(moved_id)
            .await
            .unwrap()
            .contains("<div class=\"content_move\">")
    );
    site.finish().await;
}
