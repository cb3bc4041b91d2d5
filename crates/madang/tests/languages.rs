//! Issue 6, "boards and menus have per-language titles": a super administrator gives a
//! board and a menu group their own English and Korean titles through the admin forms;
//! Korean pages (menu, heading, breadcrumb, `<title>`, home, search, feeds, post page) show
//! the Korean ones while English pages keep theirs; bad input is refused with a translated
//! message and changes nothing; each change is audited with before and after; the sitemap
//! lists every page in both languages with its `hreflang` alternates.

mod common;

use common::{Browser, TestSite, post_links};
use madang::demo::ADVOCACY;
use madang_core::Board;

const KO_BOARD: &str = "옹호와 캠페인";
const EN_BOARD: &str = "Advocacy and Campaigns";
const KO_GROUP: &str = "우리의 활동";

/// The board settings form as the admin page sends it: the board's current settings, with
/// these titles.
fn board_form(board: &Board, csrf: &str, titles: [(&str, &str); 3]) -> Vec<(String, String)> {
    let l = &board.levels;
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.into()),
        (
            "group".into(),
            board.group_id.map(|g| g.to_string()).unwrap_or_default(),
        ),
        ("title_len".into(), board.title_len.to_string()),
        ("excerpt_len".into(), board.excerpt_len.to_string()),
        ("page_size".into(), board.page_size.to_string()),
        ("list_order".into(), board.list_order.as_str().into()),
        ("list_style".into(), board.list_style.as_str().into()),
        ("home_count".into(), board.home_count.to_string()),
        ("max_files".into(), board.uploads.max_files.to_string()),
        ("max_file_mb".into(), board.uploads.max_file_mb.to_string()),
        ("level_list".into(), l.list.get().to_string()),
        ("level_read".into(), l.read.get().to_string()),
        ("level_write".into(), l.write.get().to_string()),
        ("level_reply".into(), l.reply.get().to_string()),
        ("level_comment".into(), l.comment.get().to_string()),
        ("level_upload".into(), l.upload.get().to_string()),
        ("level_download".into(), l.download.get().to_string()),
    ];
    form.extend(
        board
            .uploads
            .kinds
            .iter()
            .map(|k| ("kind".to_owned(), k.as_str().to_owned())),
    );
    form.extend(titles.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    form
}

async fn post_form(site: &TestSite, path: &str, who: &Browser, form: &[(String, String)]) -> u16 {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    site.post_as(path, who, &pairs).await.status.as_u16()
}

#[tokio::test]
async fn titles_follow_the_page_language() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    let root = site.login("root").await;
    let board = site.store().board(ADVOCACY).await.unwrap().unwrap();
    let group = site.store().groups().await.unwrap()[0].clone();
    let group_path = format!("/admin/groups/{}", group.id);

    // Before: the default titles in both languages (and the Korean page is in the cache).
    let before = site.get("/ko/b/advocacy").await.text();
    assert!(
        before.contains("<h1>Advocacy &amp; Campaigns</h1>"),
        "{before}"
    );
    assert!(before.contains("menu-group-title\">Our Work</span>"));

    // The forms have a field per language, labelled in the page's language.
    let form = site
        .get_as("/admin/boards/advocacy", &root.cookie)
        .await
        .text();
    assert!(form.contains("name=\"title_en\"") && form.contains("name=\"title_ko\""));
    assert!(form.contains("Title in English") && form.contains("Title in Korean"));
    let dashboard = site.get_as("/ko/admin", &root.cookie).await.text();
    assert!(dashboard.contains(&format!("href=\"/ko{group_path}\"")));
    let form = site.get_as(&format!("/ko{group_path}"), &root.cookie).await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("영어 제목") && form.text().contains("한국어 제목"));

    // Saved through the forms; each save moves the site generation, so every node's cached
    // pages and shell are renewed (this node renews on any POST, other nodes only so).
    let generation = site.store().generation().await.unwrap();
    let saved = board_form(
        &board,
        &root.csrf,
        [
            ("title", "Advocacy & Campaigns"),
            ("title_en", EN_BOARD),
            ("title_ko", &format!("  {KO_BOARD} ")),
        ],
    );
    assert_eq!(
        post_form(&site, "/admin/boards/advocacy", &root, &saved).await,
        303
    );
    let after_board = site.store().generation().await.unwrap();
    assert!(after_board > generation);
    let group_form = [
        ("csrf", root.csrf.as_str()),
        ("title", "Our Work"),
        ("title_en", ""),
        ("title_ko", KO_GROUP),
    ];
    let done = site.post_as(&group_path, &root, &group_form).await;
    assert_eq!(done.status, 303);
    assert_eq!(done.header("location"), group_path);
    assert!(site.store().generation().await.unwrap() > after_board);
    let form = site.get_as(&group_path, &root.cookie).await.text();
    assert!(form.contains(&format!("value=\"{KO_GROUP}\"")), "{form}");

    // Korean pages: menu, heading, breadcrumb and <title> (the cached page was refreshed).
    let ko = site.get("/ko/b/advocacy").await.text();
    assert!(ko.contains(&format!("<h1>{KO_BOARD}</h1>")), "{ko}");
    assert!(ko.contains(&format!("<title>{KO_BOARD} – ")));
    assert!(ko.contains(&format!("menu-group-title\">{KO_GROUP}</span>")));
    assert!(ko.contains(&format!("aria-current=\"page\">{KO_BOARD}</a>")));
    assert!(ko.contains(&format!(
        "{KO_GROUP} <span aria-hidden=\"true\">›</span> {KO_BOARD}"
    )));
    // A board without its own titles keeps its default in Korean.
    assert!(ko.contains(">North Korean Youth Programs</a>"));
    // English pages keep English: the English title where set, else the default.
    let en = site.get("/b/advocacy").await.text();
    assert!(en.contains(&format!("<h1>{EN_BOARD}</h1>")), "{en}");
    assert!(en.contains(&format!("<title>{EN_BOARD} – ")));
    assert!(en.contains("menu-group-title\">Our Work</span>"));
    assert!(!en.contains(KO_BOARD) && !en.contains(KO_GROUP));

    // The post page, the home page, search and the feeds name the board the same way.
    let post = post_links(&en, ADVOCACY)[0];
    let ko_post = site.get(&format!("/ko/b/advocacy/{post}")).await.text();
    assert!(ko_post.contains(&format!(" – {KO_BOARD} – ")), "{ko_post}");
    assert!(ko_post.contains(&format!("<a href=\"/ko/b/advocacy\">{KO_BOARD}</a>")));
    assert!(ko_post.contains(&format!("\"articleSection\":\"{KO_BOARD}\"")));
    let en_post = site.get(&format!("/b/advocacy/{post}")).await.text();
    assert!(en_post.contains(&format!(" – {EN_BOARD} – ")) && !en_post.contains(KO_BOARD));
    let home = site.get("/ko/").await.text();
    assert!(home.contains(&format!("<a href=\"/ko/b/advocacy\">{KO_BOARD}</a></h2>")));
    let search = site.get("/ko/search?q=North+Korea").await.text();
    assert!(
        search.contains(&format!(">{KO_BOARD}</option>")),
        "{search}"
    );
    assert!(search.contains(&format!("{KO_BOARD} · <time")));
    assert!(
        !site
            .get("/search?q=North+Korea")
            .await
            .text()
            .contains(KO_BOARD)
    );
    let feed = site.get("/ko/b/advocacy/feed.xml").await.text();
    assert!(feed.contains(&format!("<title>{KO_BOARD} – ")), "{feed}");
    let site_feed = site.get("/ko/atom.xml").await.text();
    assert!(site_feed.contains(&format!("label=\"{KO_BOARD}\"")));
    let en_feed = site.get("/feed.xml").await.text();
    assert!(en_feed.contains(&format!("<category>{EN_BOARD}</category>")));
    assert!(!en_feed.contains(KO_BOARD));

    // Audited with before and after.
    let audit = site.store().audit_log(50).await.unwrap();
    let board_line = audit.iter().find(|e| e.action == "board.settings").unwrap();
    assert_eq!(board_line.target, "board:advocacy");
    assert!(
        board_line
            .detail
            .starts_with("title=Advocacy & Campaigns group=")
            && board_line.detail.contains(&format!(
                "→ title=Advocacy & Campaigns title[en]={EN_BOARD} title[ko]={KO_BOARD} group="
            )),
        "{}",
        board_line.detail
    );
    let group_line = audit.iter().find(|e| e.action == "group.settings").unwrap();
    assert_eq!(group_line.target, "group:our_work");
    assert_eq!(
        group_line.detail,
        format!("title=Our Work → title=Our Work title[ko]={KO_GROUP}")
    );
    assert_eq!(group_line.actor_name, "root");

    // Emptied again: back to the default.
    let cleared = board_form(
        &board,
        &root.csrf,
        [
            ("title", "Advocacy & Campaigns"),
            ("title_en", ""),
            ("title_ko", ""),
        ],
    );
    assert_eq!(
        post_form(&site, "/admin/boards/advocacy", &root, &cleared).await,
        303
    );
    let ko = site.get("/ko/b/advocacy").await.text();
    assert!(ko.contains("<h1>Advocacy &amp; Campaigns</h1>"));
    let titles = site.store().local_titles().await.unwrap();
    assert!(titles.of_board(board.id).is_empty());
    assert_eq!(titles.of_group(group.id).len(), 1);
    site.finish().await;
}

#[tokio::test]
async fn bad_titles_are_refused_and_change_nothing() {
    let site = TestSite::demo().await;
    site.member("root", 10, true).await;
    site.member("editor", 9, false).await;
    let root = site.login("root").await;
    let editor = site.login("editor").await;
    let board = site.store().board(ADVOCACY).await.unwrap().unwrap();
    let group = site.store().groups().await.unwrap()[0].clone();
    let group_path = format!("/admin/groups/{}", group.id);
    let good = [
        ("csrf", root.csrf.as_str()),
        ("title", "Our Work"),
        ("title_en", ""),
        ("title_ko", KO_GROUP),
    ];
    assert_eq!(site.post_as(&group_path, &root, &good).await.status, 303);
    let titles = site.store().local_titles().await.unwrap();
    let audit_lines = site.store().audit_log(1000).await.unwrap().len();

    let long = "가".repeat(101);
    // A menu group: the reason in the page's language, what was typed shown again.
    let page = site
        .post_as(
            &format!("/ko{group_path}"),
            &root,
            &[
                ("csrf", root.csrf.as_str()),
                ("title", "Our Work"),
                ("title_ko", long.as_str()),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    let html = page.text();
    assert!(html.contains("영어·한국어 제목은 100자 이하"), "{html}");
    assert!(html.contains(&format!("value=\"{long}\"")));
    for (title, title_en, reason) in [
        (
            "Our Work",
            "Our\u{7}Work",
            "a title in English or Korean is at most",
        ),
        (
            "Our Work",
            "Our\nWork",
            "a title in English or Korean is at most",
        ),
        ("   ", "Our Work", "a title is 1 to 100 characters"),
        ("Our\u{1b}[31mWork", "", "a title is 1 to 100 characters"),
        (long.as_str(), "", "a title is 1 to 100 characters"),
    ] {
        let form = [
            ("csrf", root.csrf.as_str()),
            ("title", title),
            ("title_en", title_en),
            ("title_ko", "괜찮은 제목"),
        ];
        let page = site.post_as(&group_path, &root, &form).await;
        assert_eq!(page.status, 422, "{title:?} {title_en:?}");
        assert!(page.text().contains(reason), "{title:?} {title_en:?}");
    }
    // A board: the same rules.
    for titles in [
        [
            ("title", "Advocacy"),
            ("title_en", ""),
            ("title_ko", long.as_str()),
        ],
        [
            ("title", "Advocacy"),
            ("title_en", "Line\rbreak"),
            ("title_ko", ""),
        ],
        [
            ("title", ""),
            ("title_en", "Advocacy"),
            ("title_ko", KO_BOARD),
        ],
    ] {
        let form = board_form(&board, &root.csrf, titles);
        assert_eq!(
            post_form(&site, "/admin/boards/advocacy", &root, &form).await,
            422,
            "{titles:?}"
        );
    }
    let form = board_form(
        &board,
        &root.csrf,
        [
            ("title", "Advocacy"),
            ("title_en", ""),
            ("title_ko", "제목\t"),
        ],
    );
    // Surrounding white space is trimmed, not refused; a tab inside is a control character.
    assert_eq!(
        post_form(&site, "/admin/boards/advocacy", &root, &form).await,
        303
    );
    let form = board_form(
        &board,
        &root.csrf,
        [
            ("title", "Advocacy & Campaigns"),
            ("title_en", ""),
            ("title_ko", "제\t목"),
        ],
    );
    assert_eq!(
        post_form(&site, "/admin/boards/advocacy", &root, &form).await,
        422
    );
    let restored = board_form(
        &board,
        &root.csrf,
        [
            ("title", "Advocacy & Campaigns"),
            ("title_en", ""),
            ("title_ko", ""),
        ],
    );
    assert_eq!(
        post_form(&site, "/admin/boards/advocacy", &root, &restored).await,
        303
    );

    // Only a super administrator, with the form's token, on a group that exists.
    assert_eq!(site.get(&group_path).await.status, 403);
    assert_eq!(site.get_as(&group_path, &editor.cookie).await.status, 403);
    let mut as_editor = good;
    as_editor[0].1 = editor.csrf.as_str();
    as_editor[3].1 = "탈취";
    assert_eq!(
        site.post_as(&group_path, &editor, &as_editor).await.status,
        403
    );
    let mut no_token = good;
    no_token[0].1 = "wrong";
    no_token[3].1 = "탈취";
    assert_eq!(
        site.post_as(&group_path, &root, &no_token).await.status,
        403
    );
    assert_eq!(
        site.get_as("/admin/groups/999999", &root.cookie)
            .await
            .status,
        404
    );
    assert_eq!(
        site.post_as("/admin/groups/999999", &root, &good)
            .await
            .status,
        404
    );

    // Nothing changed but the two good board saves, each audited.
    assert_eq!(site.store().local_titles().await.unwrap(), titles);
    assert_eq!(site.store().groups().await.unwrap()[0], group);
    assert_eq!(site.store().board(ADVOCACY).await.unwrap().unwrap(), board);
    let audit = site.store().audit_log(1000).await.unwrap();
    assert_eq!(audit.len(), audit_lines + 2);
    assert!(audit[..2].iter().all(|e| e.action == "board.settings"));
    assert!(
        audit[1]
            .detail
            .contains("→ title=Advocacy title[ko]=제목 group="),
        "{}",
        audit[1].detail
    );
    site.finish().await;
}

#[tokio::test]
async fn the_sitemap_lists_each_page_in_both_languages() {
    let site = TestSite::demo().await;
    let xml = site.get("/sitemap.xml").await.text();
    assert!(xml.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">"), "{xml}");
    let origin = "http://127.0.0.1";
    for loc in ["/b/advocacy", "/ko/b/advocacy", "/", "/ko/"] {
        assert_eq!(
            xml.matches(&format!("<loc>{origin}{loc}</loc>")).count(),
            1,
            "{loc}"
        );
    }
    // Each of the two entries of a page names both versions and the x-default.
    for (lang, href) in [
        ("en", "/b/advocacy"),
        ("ko", "/ko/b/advocacy"),
        ("x-default", "/b/advocacy"),
    ] {
        let link =
            format!("<xhtml:link rel=\"alternate\" hreflang=\"{lang}\" href=\"{origin}{href}\"/>");
        assert_eq!(xml.matches(&link).count(), 2, "{link}");
    }
    assert_eq!(
        xml.matches("<url>").count() * 3,
        xml.matches("<xhtml:link ").count()
    );
    site.finish().await;
}
