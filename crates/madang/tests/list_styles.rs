//! Issues 3 and 6: a board lists its posts as a compact list, a webzine with excerpts or a
//! gallery of pictures, as its settings say; the home page shows each board's latest
//! posts, as many as the board's settings say.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::TestSite;
use common::styled::{self, BODY_IMAGE, LIST_BODY, OTHER_SITE_IMAGE};
use madang_core::{ListStyle, NewBoard, NewPost, PostBody};

fn post(title: &str, body: &str) -> NewPost {
    NewPost {
        title: title.into(),
        body: PostBody::Text(body.into()),
        author_id: None,
        author_name: "staff".into(),
        lang: None,
        pinned: false,
        secret: false,
        published_at: jiff::Timestamp::now(),
        links: Vec::new(),
    }
}

/// A GET as a browser's `<img>` sends it.
async fn get_image(site: &TestSite, path: &str) -> common::Page {
    let request = Request::get(path)
        .header("sec-fetch-dest", "image")
        .body(Body::empty())
        .unwrap();
    site.send(request).await
}

#[tokio::test]
async fn the_list_style_shows_a_compact_table_without_excerpts() {
    let site = TestSite::demo().await;
    let boards = styled::styled_boards(&site).await;
    assert_eq!(boards.list.list_style, ListStyle::List);
    for prefix in ["", "/ko"] {
        let page = site.get(&format!("{prefix}/b/notices")).await;
        assert_eq!(page.status, 200);
        let html = page.text();
        assert!(html.contains("class=\"post-table\""), "{html}");
        assert!(html.contains("Office closed on Chuseok"));
        assert!(html.contains("사무실 이전 안내"));
        assert!(html.contains("Kim Minji"), "the author is listed");
        assert!(!html.contains(LIST_BODY), "no excerpt in a compact list");
        assert!(!html.contains("post-item-excerpt"));
        assert!(!html.contains("post-card"));
        let heading = if prefix.is_empty() { "Views" } else { "조회" };
        assert!(html.contains(&format!("<th scope=\"col\">{heading}</th>")));
    }
    // The demo's boards keep the webzine look, excerpts and "See details" included.
    let advocacy = site.get("/b/advocacy").await.text();
    assert!(advocacy.contains("class=\"post-list\""));
    assert!(advocacy.contains("post-item-excerpt"));
    assert!(!advocacy.contains("post-table"));
    site.finish().await;
}

#[tokio::test]
async fn the_gallery_shows_the_first_image_or_a_placeholder() {
    let site = TestSite::demo().await;
    let b = styled::styled_boards(&site).await;
    let html = site.get("/b/photos").await.text();
    assert!(html.contains("class=\"post-gallery\""), "{html}");
    // From the body, as written there.
    assert!(html.contains(&format!("src=\"{BODY_IMAGE}\"")), "{html}");
    // From the attachments: the first image, not the PDF before it.
    let thumbnail = format!("/b/photos/{}/files/{}", b.attachment_post, b.png_id);
    assert!(html.contains(&format!("src=\"{thumbnail}\"")), "{html}");
    // Another site's image would be blocked by the CSP: a placeholder instead, as for a
    // post with no image at all.
    assert!(!html.contains(OTHER_SITE_IMAGE));
    assert_eq!(html.matches("post-card-placeholder").count(), 2, "{html}");
    for id in [
        b.body_image_post,
        b.attachment_post,
        b.other_site_post,
        b.plain_post,
    ] {
        assert!(html.contains(&format!("href=\"/b/photos/{id}\"")), "{id}");
    }
    assert!(html.contains("March for the detainees"));
    assert!(!html.contains("From the march."), "no excerpt on a card");

    // The thumbnail loads, and a list showing it is not a download.
    let image = get_image(&site, &thumbnail).await;
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), "image/png");
    assert_eq!(image.body, styled::PNG);
    let store = site.store();
    let downloads = || store.attachment(b.attachment_post, b.png_id);
    let count = downloads().await.unwrap().unwrap().downloads;
    assert_eq!(count, 0, "an <img> is not a download");
    assert_eq!(site.get(&thumbnail).await.status, 200);
    let count = downloads().await.unwrap().unwrap().downloads;
    assert_eq!(count, 1, "a download still counts");
    site.finish().await;
}

#[tokio::test]
async fn the_gallery_hides_pictures_a_reader_may_not_see() {
    let site = TestSite::demo().await;
    let b = styled::styled_boards(&site).await;
    let thumbnail = format!("/b/photos/{}/files/{}", b.attachment_post, b.png_id);
    let store = site.store();
    // Downloads for members only: guests would get a broken image, so they get none.
    let titles = store.local_titles().await.unwrap().of_board(b.gallery.id);
    let mut settings = madang_store::BoardSettings::of(&b.gallery, titles);
    settings.levels.download = madang_core::Level::MEMBER;
    let actor = madang_store::ActorRef {
        id: None,
        name: "test",
        ip: "",
    };
    store
        .update_board(b.gallery.id, &settings, actor, jiff::Timestamp::now())
        .await
        .unwrap();
    site.state.page_cache().generation_changed();
    let html = site.get("/b/photos").await.text();
    assert!(!html.contains(&thumbnail), "{html}");
    assert!(html.contains(&format!("src=\"{BODY_IMAGE}\"")));
    assert_eq!(html.matches("post-card-placeholder").count(), 3);

    // A secret post's picture is not shown, whoever reads the list.
    let mut secret = post("Secret visit", "");
    secret.body = PostBody::Html(format!("<img src=\"{BODY_IMAGE}?secret\">"));
    secret.secret = true;
    store
        .create_post(b.gallery.id, &secret, jiff::Timestamp::now())
        .await
        .unwrap();
    site.state.page_cache().generation_changed();
    let html = site.get("/b/photos").await.text();
    assert!(html.contains("Secret visit"));
    assert!(!html.contains("?secret"), "{html}");
    site.finish().await;
}

#[tokio::test]
async fn the_board_form_sets_the_style_and_the_home_count_and_refuses_bad_values() {
    let site = TestSite::demo().await;
    site.member("boss", 10, true).await;
    let admin = site.login("boss").await;
    let form_page = site
        .get_as("/admin/boards/advocacy", &admin.cookie)
        .await
        .text();
    assert!(form_page.contains("name=\"list_style\""), "{form_page}");
    assert!(form_page.contains("<option value=\"webzine\" selected>"));
    assert!(form_page.contains("name=\"home_count\""));
    let board = site.store().board("advocacy").await.unwrap().unwrap();
    let group = board.group_id.map(|g| g.to_string()).unwrap_or_default();
    let form = |style: &'static str, home: &'static str| {
        vec![
            ("csrf", admin.csrf.clone()),
            ("title", board.title.clone()),
            ("group", group.clone()),
            ("title_len", "60".into()),
            ("excerpt_len", "200".into()),
            ("page_size", "15".into()),
            ("list_order", "date_asc".into()),
            ("list_style", style.into()),
            ("home_count", home.into()),
            ("max_files", "10".into()),
            ("max_file_mb", "20".into()),
            ("kind", "images".into()),
            ("level_list", "1".into()),
            ("level_read", "1".into()),
            ("level_write", "8".into()),
            ("level_reply", "8".into()),
            ("level_comment", "2".into()),
            ("level_upload", "8".into()),
            ("level_download", "1".into()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let site = &site;
        let admin = &admin;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            site.post_as("/admin/boards/advocacy", admin, &pairs).await
        }
    };
    let saved = send(form("gallery", "3")).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let board = site.store().board("advocacy").await.unwrap().unwrap();
    assert_eq!(
        (board.list_style, board.home_count),
        (ListStyle::Gallery, 3)
    );
    assert!(
        site.get("/b/advocacy")
            .await
            .text()
            .contains("post-gallery")
    );
    let audit = site.store().audit_log(20).await.unwrap();
    let entry = audit.iter().find(|e| e.action == "board.settings").unwrap();
    assert!(
        entry.detail.contains("style=webzine home=5")
            && entry.detail.contains("style=gallery home=3"),
        "{}",
        entry.detail
    );

    for (style, home, message) in [
        ("mosaic", "3", "choose one of the list styles offered"),
        ("", "3", "choose one of the list styles offered"),
        ("list", "21", "the home page shows 0 to 20 posts of a board"),
        ("list", "-1", "the home page shows 0 to 20 posts of a board"),
        (
            "list",
            "many",
            "the home page shows 0 to 20 posts of a board",
        ),
    ] {
        let refused = send(form(style, home)).await;
        assert_eq!(refused.status, 422, "{style} {home}");
        let text = refused.text();
        assert!(text.contains(message), "{style} {home}: {text}");
        assert!(text.contains("role=\"alert\""));
        let after = site.store().board("advocacy").await.unwrap().unwrap();
        assert_eq!(
            (after.list_style, after.home_count),
            (ListStyle::Gallery, 3),
            "nothing changed"
        );
    }
    // In Korean, the message is Korean.
    let fields = form("mosaic", "3");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let korean = site
        .post_as("/ko/admin/boards/advocacy", &admin, &pairs)
        .await;
    assert_eq!(korean.status, 422);
    assert!(
        korean
            .text()
            .contains("제시된 목록 모양 중 하나를 고르세요")
    );
    site.finish().await;
}

#[tokio::test]
async fn the_home_page_shows_as_many_latest_posts_as_each_board_says() {
    let site = TestSite::empty().await;
    let store = site.store();
    let now = jiff::Timestamp::now();
    let mut hidden = NewBoard::new("internal", "Internal notes", None);
    hidden.home_count = 0;
    let hidden = store.create_board(&hidden, now).await.unwrap();
    let mut two = NewBoard::new("statements", "Statements", None);
    two.home_count = 2;
    two.list_style = ListStyle::Gallery;
    let two = store.create_board(&two, now).await.unwrap();
    let five = store
        .create_board(&NewBoard::new("news", "News", None), now)
        .await
        .unwrap();
    for i in 0..4 {
        for board in [&hidden, &two, &five] {
            let title = format!("{} post {i}", board.slug);
            store
                .create_post(board.id, &post(&title, "text"), now)
                .await
                .unwrap();
        }
    }
    let mut pinned = post("statements pinned", "text");
    pinned.pinned = true;
    store.create_post(two.id, &pinned, now).await.unwrap();

    let home = site.get("/").await.text();
    assert!(
        !home.contains("Internal notes"),
        "a board with 0 is not on the home page"
    );
    assert!(!home.contains("internal post"));
    assert_eq!(common::post_links(&home, "statements").len(), 2, "{home}");
    assert!(
        home.contains("statements pinned"),
        "pinned posts come first"
    );
    assert!(home.contains("statements post 3"), "then the newest thread");
    assert_eq!(
        common::post_links(&home, "news").len(),
        4,
        "all it has, under 5"
    );
    // The board itself still lists everything.
    let list = site.get("/b/internal").await.text();
    assert_eq!(common::post_links(&list, "internal").len(), 4);
    site.finish().await;
}
