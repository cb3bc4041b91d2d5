//! Pins the seed page (`shared/seed/nkhr-advocacy-page.txt`): what the demo site serves must
//! read as the seed does.

mod common;

use common::{TestSite, post_links};
use madang_core::copy_line::Transfer;

const COPY_LINE: &str =
    "[이 게시물은 최고관리자님에 의해 2015-12-08 15:47:51 bbs_active_news에서 복사 됨]";

#[tokio::test]
async fn the_board_page_reads_as_the_seed() {
    let site = TestSite::demo().await;
    let page = site.get("/b/advocacy").await;
    assert_eq!(page.status, 200);
    let html = page.text();

    // The three posts in the seed's order, the long titles cut at 40 characters with "…".
    let first = html
        .find(">NKHR Advocacy to Establish COI for DPRK</a>")
        .expect("first title");
    let second = html
        .find(">International Seminar on Responses to Cr…</a>")
        .expect("second title, cut");
    let third = html
        .find(">NKHR and APRRN call upon China to immedi…</a>")
        .expect("third title, cut");
    assert!(first < second && second < third, "seed order");

    // Plain-text excerpts: tags stripped, entities decoded (then escaped once for HTML).
    assert!(html.contains(
        "<p class=\"post-item-excerpt\">NKHR’s Meeting with UN High Commissioner Results in Historical Statement Last December, NKHR staff Joanna Hosaniak"
    ));
    assert!(html.contains("under the Chatham House Rule.</p>"));
    assert!(html.contains("Selected media coverage: Reuters article Wall Street Journal blog article with quote from Joanna Hosaniak</p>"));
    assert!(!html.contains("&lt;p&gt;"), "no markup leaks into excerpts");

    // "See details" links to each post page, in the same order.
    let ids = post_links(&html, "advocacy");
    assert_eq!(ids.len(), 3);
    assert_eq!(
        html.matches(">See details<span class=\"visually-hidden\">")
            .count(),
        3
    );
    for id in &ids {
        assert!(html.contains(&format!("<a href=\"/b/advocacy/{id}\">See details")));
    }

    // The copy line, exactly, written by the copy operation.
    assert!(html.contains(COPY_LINE));

    // The frame: language, skip link first, menu with the current board marked.
    assert!(html.contains("<html lang=\"en\">"));
    let first_link = html.find("<a ").unwrap();
    assert_eq!(
        &html[first_link..first_link + 44],
        "<a class=\"skip-link\" href=\"#content\">Skip to"
    );
    assert!(html.contains("<main id=\"content\""));
    assert!(html.contains("<span class=\"menu-group-title\">Our Work</span>"));
    for board in [
        "Advocacy &amp; Campaigns",
        "North Korean Youth Programs",
        "Public Education",
        "Refugee Rescue",
    ] {
        assert!(
            html.contains(&format!(">{board}</a></li>")),
            "menu lists {board}"
        );
    }
    assert!(
        html.contains("<a href=\"/b/advocacy\" aria-current=\"page\">Advocacy &amp; Campaigns</a>")
    );
    assert!(html.contains("Citizens&#39; Alliance for North Korean Human Rights (NKHR)"));
    site.finish().await;
}

#[tokio::test]
async fn the_first_post_carries_the_pdf_and_it_downloads() {
    let site = TestSite::demo().await;
    let list = site.get("/b/advocacy").await.text();
    let first = post_links(&list, "advocacy")[0];
    let page = site.get(&format!("/b/advocacy/{first}")).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("<h1 class=\"post-title\">NKHR Advocacy to Establish COI for DPRK</h1>"));
    assert!(html.contains("<time datetime=\"2012-01-20T10:00:00+09:00\">20 January 2012</time>"));
    assert!(html.contains(
        "<h3>NKHR’s Meeting with UN High Commissioner Results in Historical Statement</h3>"
    ));
    assert!(html.contains(&"_".repeat(84)));
    assert!(html.contains(">Reuters article</a>"));
    let pdf_name = madang::demo::PDF_NAME;
    assert!(html.contains(&format!(">{pdf_name}</a>")));
    assert!(html.contains("0 downloads"));

    let link_start = html.find(&format!("/b/advocacy/{first}/files/")).unwrap();
    let link = &html[link_start..html[link_start..].find('"').unwrap() + link_start];
    let download = site.get(link).await;
    assert_eq!(download.status, 200);
    assert_eq!(
        download.body,
        madang::demo::statement_pdf(),
        "the attachment's bytes"
    );
    assert!(download.body.starts_with(b"%PDF-1.4"));
    assert_eq!(download.header("content-type"), "application/pdf");
    assert_eq!(
        download.header("content-length"),
        download.body.len().to_string()
    );
    assert_eq!(
        download.header("content-disposition"),
        format!("attachment; filename=\"{pdf_name}\"; filename*=UTF-8''{pdf_name}")
    );
    assert_eq!(download.header("x-content-type-options"), "nosniff");
    let again = site.get(&format!("/b/advocacy/{first}")).await.text();
    assert!(again.contains("1 download)"), "the download was counted");
    site.finish().await;
}

#[tokio::test]
async fn the_third_post_came_through_the_copy_operation() {
    let site = TestSite::demo().await;
    let list = site.get("/b/advocacy").await.text();
    let copied = post_links(&list, "advocacy")[2];
    let provenance = site.store().provenance(copied).await.unwrap();
    assert_eq!(provenance.len(), 1);
    let step = &provenance[0];
    assert_eq!(step.transfer, Transfer::Copy);
    assert_eq!(step.source_board_slug, "bbs_active_news");
    assert_eq!(step.actor_name, "최고관리자");
    assert_eq!(step.at.to_string(), "2015-12-08T06:47:51Z");
    let news = site
        .store()
        .board("bbs_active_news")
        .await
        .unwrap()
        .unwrap();
    let source = step.source_post_id.unwrap();
    assert_eq!(step.source_board_id, Some(news.id));

    // The original stays on the news board, without the line; the copy has it once.
    let original = site
        .get(&format!("/b/bbs_active_news/{source}"))
        .await
        .text();
    assert!(!original.contains("복사 됨"));
    let copy = site.get(&format!("/b/advocacy/{copied}")).await.text();
    assert_eq!(copy.matches(COPY_LINE).count(), 1);
    assert!(copy.contains(&format!("<div class=\"content_copy\">{COPY_LINE}</div>")));

    let audit = site.store().audit_log(50).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "post.copy")
        .expect("the copy is audited");
    assert_eq!(entry.actor_name, "최고관리자");
    assert_eq!(entry.target, format!("post:{copied}"));
    site.finish().await;
}

#[tokio::test]
async fn installing_the_demo_twice_duplicates_nothing() {
    let site = TestSite::demo().await;
    let again = madang::demo::install(site.store(), site.state.files(), Default::default())
        .await
        .unwrap();
    assert!(matches!(again, madang::demo::Installed::AlreadyThere));
    assert_eq!(site.store().boards().await.unwrap().len(), 5);
    assert_eq!(site.store().groups().await.unwrap().len(), 1);
    assert_eq!(
        site.store()
            .board("advocacy")
            .await
            .unwrap()
            .unwrap()
            .post_count,
        3
    );
    assert_eq!(site.store().member_count().await.unwrap(), 1);
    site.finish().await;
}

#[tokio::test]
async fn the_korean_ui_has_the_seeds_skip_link() {
    let site = TestSite::demo().await;
    let page = site.get("/ko/b/advocacy").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("<html lang=\"ko\">"));
    assert!(html.contains("<a class=\"skip-link\" href=\"#content\">본문 바로가기</a>"));
    assert!(html.contains("href=\"/ko/b/advocacy/"));
    assert!(html.contains(">자세히 보기<"));
    assert!(html.contains("<time datetime=\"2015-12-01T11:00:00+09:00\">2015년 12월 1일</time>"));
    // The switch leads back to the same page in English.
    assert!(html.contains("class=\"lang-switch\" href=\"/b/advocacy\""));
    site.finish().await;
}
