//! A GnuBoard5 site, imported, served by Madang: old addresses land on the new pages,
//! editor images load, comments show, and members sign in with their old passwords.

mod common;

use common::TestSite;

const DUMP: &str = "../../fixtures/gnuboard5/dump.sql";
const DATA: &str = "../../fixtures/gnuboard5/data";

async fn imported_site() -> TestSite {
    let site = TestSite::empty().await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = madang_import::ImportOptions::new(root.join(DUMP), root.join(DATA));
    let report = madang_import::import(site.store(), site.state.files(), &options, &mut |_| {})
        .await
        .expect("the fixture imports");
    assert!(report.skipped.iter().all(|s| !s.reason.is_empty()));
    site
}

#[tokio::test]
async fn old_addresses_reach_the_imported_pages() {
    let site = imported_site().await;
    let page = site.get("/bbs/board.php?bo_table=advocacy&wr_id=4").await;
    assert_eq!(page.status, 301);
    let target = page.header("location");
    assert!(target.starts_with("/b/advocacy/"), "{target}");
    let post = site.get(&target).await;
    assert_eq!(post.status, 200);
    let html = post.text();
    // advocacy #4 has a comment thread; its comments show with anchors for old links.
    assert!(
        html.contains("class=\"comment-list\""),
        "comments are shown"
    );
    assert!(html.contains("id=\"comment-"));
    // The short form and the Korean UI prefix work too.
    let short = site.get("/advocacy/4").await;
    assert_eq!(short.status, 301);
    assert_eq!(short.header("location"), target);
    let korean = site
        .get("/ko/bbs/board.php?bo_table=advocacy&wr_id=4")
        .await;
    assert_eq!(korean.header("location"), format!("/ko{target}"));
    // An unknown old address ends on a 404 page.
    let unknown = site.get("/bbs/board.php?bo_table=advocacy&wr_id=999").await;
    assert_eq!(site.get(&unknown.header("location")).await.status, 404);
    assert_eq!(site.get("/nothing/here/at/all").await.status, 404);
    site.finish().await;
}

#[tokio::test]
async fn editor_images_are_served_from_the_rewritten_addresses() {
    let site = imported_site().await;
    let original = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(DATA)
            .join("editor/1812/0da91c1235611e7e075f872a0c1ae7ea_1545285601_0891.jpg"),
    )
    .unwrap();
    let image = site
        .get("/files/legacy/editor/1812/0da91c1235611e7e075f872a0c1ae7ea_1545285601_0891.jpg")
        .await;
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), "image/jpeg");
    assert_eq!(image.body, original, "byte-identical");
    assert_eq!(
        site.get("/files/legacy/editor/../../etc/passwd")
            .await
            .status,
        404
    );
    site.finish().await;
}

#[tokio::test]
async fn members_sign_in_with_their_gnuboard_passwords_once_rehashed() {
    let site = imported_site().await;
    let before = site
        .store()
        .member_account("kim_minji")
        .await
        .unwrap()
        .unwrap();
    assert!(
        before.password_hash.starts_with("sha256:12000:"),
        "the old hash came over"
    );
    let wrong = site
        .post_form(
            "/login",
            &[("login", "kim_minji"), ("password", "Minji#2017")],
        )
        .await;
    assert_eq!(wrong.status, 401);
    let right = site
        .post_form(
            "/login",
            &[("login", "kim_minji"), ("password", "Minji#2016")],
        )
        .await;
    assert_eq!(right.status, 303, "{}", right.text());
    let after = site
        .store()
        .member_account("kim_minji")
        .await
        .unwrap()
        .unwrap();
    assert!(
        after.password_hash.starts_with("$argon2id$"),
        "re-hashed at the first sign-in"
    );
    // The new hash works for the next sign-in; the old password is the same password.
    let again = site
        .post_form(
            "/login",
            &[("login", "kim_minji"), ("password", "Minji#2016")],
        )
        .await;
    assert_eq!(again.status, 303);
    // A group administrator of "Our Work" may write on its boards.
    let cookie = again
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(site.get_as("/b/advocacy/write", &cookie).await.status, 200);
    let audit = site.store().audit_log(50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "member.password.upgrade"));
    site.finish().await;
}

#[tokio::test]
async fn boards_keep_their_upload_count_and_size() {
    let site = imported_site().await;
    // `advocacy` allowed 3 files of 10 MiB (`bo_upload_count`, `bo_upload_size` in bytes);
    // the kinds are Madang's default, GnuBoard5 having none per board.
    let board = site.store().board("advocacy").await.unwrap().unwrap();
    assert_eq!(
        (board.uploads.max_files, board.uploads.max_file_mb),
        (3, 10)
    );
    assert_eq!(board.uploads.kinds, madang_core::uploads::FileKinds::ALL);
    let youth = site.store().board("youth").await.unwrap().unwrap();
    assert_eq!(youth.uploads.max_files, 2);
    site.finish().await;
}

#[tokio::test]
async fn boards_keep_their_categories_and_posts_theirs() {
    let site = imported_site().await;
    // `advocacy` used categories (`bo_use_category` = 1, `성명서|캠페인|보고서`); its posts
    // carry theirs (`ca_name`), and the list filters by them.
    let board = site.store().board("advocacy").await.unwrap().unwrap();
    assert_eq!(board.categories, vec!["성명서", "캠페인", "보고서"]);
    let youth = site.store().board("youth").await.unwrap().unwrap();
    assert!(youth.categories.is_empty());
    let campaigns = site
        .get("/b/advocacy?category=%EC%BA%A0%ED%8E%98%EC%9D%B8")
        .await;
    assert_eq!(campaigns.status, 200);
    let html = campaigns.text();
    assert!(html.contains("함께 걷는 길"), "{html}");
    assert!(!html.contains("forced repatriation of refugees detained in Jilin"));
    site.finish().await;
}

#[tokio::test]
async fn imported_comments_are_found_by_search_right_away() {
    let site = imported_site().await;
    // advocacy #4's comments (wr_id 5 and 8): indexed by the import itself, not by a later
    // start-up's re-indexing.
    let page = site
        .get("/search?field=comments&q=%EC%9E%AC%EC%A0%95+%EB%B3%B4%EA%B3%A0")
        .await;
    let html = page.text();
    assert!(
        html.contains("<mark>재정</mark> <mark>보고</mark>가"),
        "{html}"
    );
    assert!(html.contains("#comment-"), "{html}");
    let english = site.get("/search?field=comments&q=spreadsheet").await;
    assert!(english.text().contains("<mark>spreadsheet</mark>"));
    // The same words are not in any post.
    let posts = site.get("/search?q=spreadsheet").await;
    assert!(!posts.text().contains("search-results"), "{}", posts.text());
    site.finish().await;
}

#[tokio::test]
async fn old_search_addresses_search_here() {
    let site = imported_site().await;
    // A board's search (GnuBoard5's list skin: category, field, words, and/or).
    let old = "/bbs/board.php?bo_table=advocacy&sca=%EC%84%B1%EB%AA%85%EC%84%9C\
               &sfl=wr_subject&stx=forced+repatriation&sop=and";
    let page = site.get(old).await;
    assert_eq!(page.status, 301);
    let target = page.header("location");
    assert_eq!(
        target,
        "/search?board=advocacy&q=forced+repatriation&field=title\
         &category=%EC%84%B1%EB%AA%85%EC%84%9C"
    );
    let html = site.get(&target).await.text();
    let found = common::between(&html, "<ol class=\"search-results\">", "</ol>").expect("results");
    assert_eq!(found.matches("<li>").count(), 1, "{found}");
    assert!(found.contains(
        ">Statement on the forced repatriation of refugees detained in Jilin Province</a>"
    ));
    assert!(!html.contains("form-error"), "{html}");
    // A comment author's search, and the site-wide search with OR.
    let by_author = site
        .get("/bbs/board.php?bo_table=advocacy&sfl=wr_name%2C0&stx=%EC%86%8C%EB%9D%BC")
        .await;
    assert_eq!(
        by_author.header("location"),
        "/search?board=advocacy&field=comments&author=%EC%86%8C%EB%9D%BC"
    );
    let site_wide = site
        .get("/bbs/search.php?sfl=wr_subject%7C%7Cwr_content&stx=spreadsheet+petition&sop=or&gr_id=main")
        .await;
    assert_eq!(site_wide.status, 301);
    assert_eq!(
        site_wide.header("location"),
        "/search?q=spreadsheet+OR+petition"
    );
    // A category without words is that category's list.
    let list = site
        .get("/bbs/board.php?bo_table=advocacy&sca=%EC%BA%A0%ED%8E%98%EC%9D%B8")
        .await;
    assert_eq!(
        list.header("location"),
        "/b/advocacy?category=%EC%BA%A0%ED%8E%98%EC%9D%B8"
    );
    assert!(
        site.get(&list.header("location"))
            .await
            .text()
            .contains("함께 걷는 길")
    );
    // The board's own page searches the board.
    let board = site.get("/b/advocacy").await.text();
    let form = common::between(
        &board,
        "<form method=\"get\" action=\"/search\" class=\"board-search\"",
        "</form>",
    )
    .expect("a search form on the board's page");
    assert!(form.contains("<input type=\"hidden\" name=\"board\" value=\"advocacy\">"));
    assert!(form.contains("<option value=\"comments\">"));
    site.finish().await;
}
