//! Issue 3, "Staff: writing" — categories per board (GnuBoard5's `bo_category_list` and
//! `ca_name`). The super administrator lists a board's categories (non-empty, no
//! duplicates, at most 30 of at most 30 characters; a refused list changes nothing); the
//! write form offers them and refuses any other; list rows and the post page show a
//! post's category linked to the board's list of it, `/b/{board}?category=X`, which pages
//! with the filter kept, runs on the category indexes and answers an unknown category
//! with 404.

mod common;

use common::{Browser, TestSite, redirected_post};
use madang::demo::NEWS;
use madang_core::ListOrder;

/// The board settings form of `board` as it stands, with `categories` typed.
async fn save_settings(
    site: &TestSite,
    admin: &Browser,
    page_size: &str,
    categories: &str,
) -> common::Page {
    let board = site.store().board(NEWS).await.unwrap().unwrap();
    let l = board.levels;
    let levels: Vec<(String, String)> = [
        ("level_list", l.list),
        ("level_read", l.read),
        ("level_write", l.write),
        ("level_reply", l.reply),
        ("level_comment", l.comment),
        ("level_upload", l.upload),
        ("level_download", l.download),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), v.get().to_string()))
    .collect();
    let numbers = [
        board.title_len.to_string(),
        board.excerpt_len.to_string(),
        board.home_count.to_string(),
        board.uploads.max_files.to_string(),
        board.uploads.max_file_mb.to_string(),
    ];
    let mut form: Vec<(&str, &str)> = vec![
        ("csrf", &admin.csrf),
        ("title", &board.title),
        ("group", ""),
        ("title_len", &numbers[0]),
        ("excerpt_len", &numbers[1]),
        ("page_size", page_size),
        ("list_order", board.list_order.as_str()),
        ("list_style", board.list_style.as_str()),
        ("home_count", &numbers[2]),
        ("max_files", &numbers[3]),
        ("max_file_mb", &numbers[4]),
        ("kind", "images"),
        ("categories", categories),
    ];
    form.extend(levels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    site.post_as(&format!("/admin/boards/{NEWS}"), admin, &form)
        .await
}

async fn write(site: &TestSite, who: &Browser, title: &str, category: &str) -> common::Page {
    site.post_multipart(
        &format!("/b/{NEWS}/write"),
        who,
        &[
            ("csrf", &who.csrf),
            ("title", title),
            ("body", "<p>Text</p>"),
            ("format", "html"),
            ("category", category),
        ],
        &[],
    )
    .await
}

#[tokio::test]
async fn board_categories_are_validated_and_audited() {
    let site = TestSite::demo().await;
    site.member("chief", 10, true).await;
    let chief = site.login("chief").await;
    let too_long = "x".repeat(31);
    let too_many: Vec<String> = (1..=31).map(|n| format!("c{n}")).collect();
    let too_many = too_many.join("\n");
    for (typed, message) in [
        (
            "Statements\nReports\nstatements",
            "The same category is listed twice",
        ),
        (too_long.as_str(), "at most 30 characters"),
        (too_many.as_str(), "at most 30 categories"),
        ("Tab\there", "control characters"),
    ] {
        let page = save_settings(&site, &chief, "15", typed).await;
        assert_eq!(page.status, 422, "{typed:?}");
        let html = page.text();
        assert!(html.contains(message), "{typed:?}: {html}");
        // The refused list is shown again to be corrected.
        let first_line = typed.lines().next().unwrap();
        assert!(html.contains(first_line));
        let board = site.store().board(NEWS).await.unwrap().unwrap();
        assert!(board.categories.is_empty(), "nothing saved for {typed:?}");
    }
    let page = save_settings(
        &site,
        &chief,
        "15",
        " Statements \r\n\r\nReports\n보도자료\n",
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.text());
    let board = site.store().board(NEWS).await.unwrap().unwrap();
    assert_eq!(board.categories, ["Statements", "Reports", "보도자료"]);
    let form = site
        .get_as(&format!("/admin/boards/{NEWS}"), &chief.cookie)
        .await
        .text();
    assert!(
        form.contains(">Statements\nReports\n보도자료</textarea>"),
        "{form}"
    );
    let line = site
        .store()
        .audit_log(20)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.action == "board.settings")
        .unwrap();
    assert!(
        line.detail.contains("categories= → ")
            && line
                .detail
                .ends_with("categories=Statements|Reports|보도자료"),
        "{}",
        line.detail
    );
    site.finish().await;
}

#[tokio::test]
async fn posts_carry_a_category_and_lists_filter_by_it() {
    let site = TestSite::demo().await;
    site.member("chief", 10, true).await;
    let chief = site.login("chief").await;
    // Before the board has categories the write form offers none and refuses one.
    let form = site
        .get_as(&format!("/b/{NEWS}/write"), &chief.cookie)
        .await
        .text();
    assert!(!form.contains("name=\"category\""));
    assert_eq!(
        write(&site, &chief, "Early", "Statements").await.status,
        422
    );

    assert_eq!(
        save_settings(&site, &chief, "2", "Statements\nReports\n보도 자료")
            .await
            .status,
        303
    );
    let form = site
        .get_as(&format!("/b/{NEWS}/write"), &chief.cookie)
        .await
        .text();
    assert!(
        form.contains("<option value=\"Statements\">Statements</option>"),
        "{form}"
    );

    // Only the board's categories are accepted; nothing is saved otherwise.
    let refused = write(&site, &chief, "Refused post", "Opinions").await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("Choose a category from this board"));
    let ko = site
        .post_multipart(
            &format!("/ko/b/{NEWS}/write"),
            &chief,
            &[
                ("csrf", &chief.csrf),
                ("title", "거절"),
                ("body", "x"),
                ("category", "없는 분류"),
            ],
            &[],
        )
        .await;
    assert_eq!(ko.status, 422);
    assert!(ko.text().contains("이 게시판의 분류 중에서 고르세요"));
    assert!(
        !site
            .get(&format!("/b/{NEWS}"))
            .await
            .text()
            .contains("Refused post")
    );

    let mut statements = Vec::new();
    for n in 1..=3 {
        let page = write(
            &site,
            &chief,
            &format!("Statement number {n}"),
            "Statements",
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.text());
        statements.push(redirected_post(&page, NEWS));
    }
    let report = redirected_post(
        &write(&site, &chief, "Annual report", "Reports").await,
        NEWS,
    );
    let spaced = redirected_post(
        &write(&site, &chief, "Press release", "보도 자료").await,
        NEWS,
    );
    let plain = redirected_post(&write(&site, &chief, "Uncategorised note", "").await, NEWS);
    // A draft with the category stays out of its list.
    let draft = site
        .post_multipart(
            &format!("/b/{NEWS}/write"),
            &chief,
            &[
                ("csrf", &chief.csrf),
                ("title", "Draft statement"),
                ("body", "x"),
                ("category", "Statements"),
                ("intent", "draft"),
            ],
            &[],
        )
        .await;
    assert_eq!(draft.status, 303);

    // The category shows on the list and the post page, linked to its list.
    let list = site.get(&format!("/b/{NEWS}")).await.text();
    let spaced_link = "?category=%EB%B3%B4%EB%8F%84+%EC%9E%90%EB%A3%8C";
    assert!(
        list.contains(&format!(
            "<a class=\"post-category\" href=\"/b/{NEWS}{spaced_link}\">보도 자료</a>"
        )),
        "{list}"
    );
    assert!(list.contains("aria-label=\"Categories\""));
    let post = site.get(&format!("/b/{NEWS}/{report}")).await.text();
    assert!(
        post.contains(&format!(
            "<a href=\"/b/{NEWS}?category=Reports\">Reports</a>"
        )),
        "{post}"
    );
    let post = site.get(&format!("/ko/b/{NEWS}/{spaced}")).await.text();
    assert!(
        post.contains(&format!(
            "href=\"/ko/b/{NEWS}?category=%EB%B3%B4%EB%8F%84+%EC%9E%90%EB%A3%8C\""
        )),
        "{post}"
    );

    // Filtered: only that category, newest thread first, two a page, the filter kept.
    let first = site.get(&format!("/b/{NEWS}?category=Statements")).await;
    assert_eq!(first.status, 200);
    let html = first.text();
    assert_eq!(
        common::post_links(&html, NEWS),
        [statements[2], statements[1]]
    );
    assert!(
        html.contains(&format!(
            "href=\"/b/{NEWS}?category=Statements&amp;page=2\""
        )),
        "{html}"
    );
    assert!(html.contains(&format!(
        "href=\"/b/{NEWS}?category=Statements\" aria-current=\"page\""
    )));
    assert!(html.contains(&format!(
        "<a class=\"post-category\" href=\"/b/{NEWS}?category=Statements\">Statements</a>"
    )));
    // Its own canonical address, in each language.
    let canonical = format!("http://127.0.0.1/b/{NEWS}?category=Statements");
    assert!(
        html.contains(&format!("<link rel=\"canonical\" href=\"{canonical}\">")),
        "{html}"
    );
    let second = site
        .get(&format!("/b/{NEWS}?category=Statements&page=2"))
        .await
        .text();
    assert!(
        second.contains(&format!("/ko/b/{NEWS}?category=Statements&amp;page=2\"")),
        "{second}"
    );
    assert_eq!(common::post_links(&second, NEWS), [statements[0]]);
    assert!(!second.contains("Draft statement"));
    assert_eq!(
        site.get(&format!("/b/{NEWS}?category=Statements&page=3"))
            .await
            .status,
        404
    );
    let korean = site
        .get(&format!(
            "/b/{NEWS}?category=%EB%B3%B4%EB%8F%84+%EC%9E%90%EB%A3%8C"
        ))
        .await
        .text();
    assert_eq!(common::post_links(&korean, NEWS), [spaced]);
    // Cached by full address: each filter and page is its own page.
    let again = site.get(&format!("/b/{NEWS}?category=Reports")).await;
    assert_eq!(common::post_links(&again.text(), NEWS), [report]);
    let cached = site.get(&format!("/b/{NEWS}?category=Reports")).await;
    assert_eq!(cached.header("x-madang-cache"), "hit");
    assert_eq!(common::post_links(&cached.text(), NEWS), [report]);
    // The unfiltered list has them all.
    let all = site.get(&format!("/b/{NEWS}")).await.text();
    assert_eq!(common::post_links(&all, NEWS)[..2], [plain, spaced]);
    // Unknown or case-changed categories are no page; an empty one is the whole list.
    for bad in ["Opinions", "statements", "Statements%20"] {
        let page = site.get(&format!("/b/{NEWS}?category={bad}")).await;
        assert_eq!(page.status, 404, "{bad}");
    }
    assert_eq!(site.get(&format!("/b/{NEWS}?category=")).await.status, 200);

    // Editing keeps or changes the category (audited); a category the list dropped stays
    // on its post when the edit keeps it.
    let edit = |id: i64, title: &'static str, category: &'static str| {
        let chief = &chief;
        let site = &site;
        async move {
            site.post_multipart(
                &format!("/b/{NEWS}/{id}/edit"),
                chief,
                &[
                    ("csrf", &chief.csrf),
                    ("title", title),
                    ("body", "<p>Text</p>"),
                    ("format", "html"),
                    ("category", category),
                ],
                &[],
            )
            .await
        }
    };
    assert_eq!(
        edit(report, "Annual report", "Statements").await.status,
        303
    );
    let line = site
        .store()
        .audit_log(5)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.action == "post.category")
        .unwrap();
    assert_eq!(line.detail, "Annual report: \"Reports\" → \"Statements\"");
    assert_eq!(
        save_settings(&site, &chief, "2", "Statements\nReports")
            .await
            .status,
        303
    );
    assert_eq!(
        edit(spaced, "Press release, edited", "보도 자료")
            .await
            .status,
        303
    );
    assert_eq!(
        edit(plain, "Uncategorised note", "보도 자료").await.status,
        422
    );
    let board = site.store().board(NEWS).await.unwrap().unwrap();
    let kept = site
        .store()
        .post_for_staff(board.id, spaced)
        .await
        .unwrap()
        .unwrap()
        .0;
    assert_eq!(kept.category, "보도 자료");
    site.finish().await;
}

#[tokio::test]
async fn category_lists_run_on_their_indexes() {
    let site = TestSite::empty().await;
    for order in [ListOrder::Thread, ListOrder::DateAsc, ListOrder::DateDesc] {
        let plan = site
            .store()
            .category_page_plan(order)
            .await
            .unwrap()
            .join("\n");
        let index = match order {
            ListOrder::Thread => "posts_category_thread",
            ListOrder::DateAsc | ListOrder::DateDesc => "posts_category_date",
        };
        // The page's ids come from the index of its order, already in order; the count
        // from a category index too. No scan of the posts, no sort.
        assert!(plan.contains(index), "{order:?}: {plan}");
        assert!(
            plan.matches("posts_category_").count() >= 2,
            "{order:?}: {plan}"
        );
        for bad in ["TEMP B-TREE", "Sort", "Seq Scan", "SCAN p"] {
            assert!(!plan.contains(bad), "{order:?}: {bad} in {plan}");
        }
    }
    site.finish().await;
}
