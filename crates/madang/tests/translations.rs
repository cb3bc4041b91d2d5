//! Issue 6, "a post can have translations": separate posts, one per language, linked as one
//! group. Staff write a translation from the post page (the new post is in the other
//! language and joins the group in the same transaction) or link an existing post by its
//! number or address; the post page links to its other languages, its `hreflang`
//! alternates name them both ways with an `x-default`, the language switch lands on the
//! translation (on an untranslated post, on the same board in the other language), and the
//! sitemap lists each translated post once, at its own language's address. Bad links are
//! refused with a message and change nothing; linking and unlinking are audited.

mod common;

use common::{Browser, TestSite, redirected_post};
use madang::demo::{NEWS, STATEMENT_KO_TITLE};

const ORIGIN: &str = "http://127.0.0.1";

/// Writes a post through the write form of `prefix` ("" or "/ko") and returns its id.
async fn write(
    site: &TestSite,
    who: &Browser,
    prefix: &str,
    board: &str,
    title: &str,
    translation_of: Option<i64>,
) -> common::Page {
    let source = translation_of.map(|id| id.to_string()).unwrap_or_default();
    let mut fields = vec![
        ("csrf", who.csrf.as_str()),
        ("title", title),
        ("body", "<p>Body</p>"),
        ("format", "html"),
    ];
    if translation_of.is_some() {
        fields.push(("translation_of", source.as_str()));
    }
    site.post_multipart(&format!("{prefix}/b/{board}/write"), who, &fields, &[])
        .await
}

fn korean_post(page: &common::Page, board: &str) -> i64 {
    let location = page.header("location");
    location
        .strip_prefix(&format!("/ko/b/{board}/"))
        .unwrap_or_else(|| panic!("redirect to a Korean post page, got {location:?}"))
        .parse()
        .unwrap()
}

fn switch_href(html: &str) -> String {
    common::between(html, "class=\"lang-switch\" href=\"", "\"")
        .expect("language switch")
        .to_owned()
}

fn alternate(lang: &str, path: &str) -> String {
    format!("<link rel=\"alternate\" hreflang=\"{lang}\" href=\"{ORIGIN}{path}\">")
}

#[tokio::test]
async fn staff_write_a_translation_and_readers_switch_to_it() {
    let site = TestSite::demo().await;
    site.member("editor", 10, true).await;
    let editor = site.login("editor").await;

    let english = write(&site, &editor, "", NEWS, "Statement on refugees", None).await;
    assert_eq!(english.status, 303, "{}", english.text());
    let en_id = redirected_post(&english, NEWS);
    let en_path = format!("/b/{NEWS}/{en_id}");

    // Untranslated: the switch leads to the board in Korean, and staff are offered the
    // Korean write form for a translation.
    let page = site.get(&en_path).await.text();
    assert_eq!(switch_href(&page), format!("/ko/b/{NEWS}"));
    assert!(!page.contains("class=\"post-translations\""));
    let as_staff = site.get_as(&en_path, &editor.cookie).await.text();
    let offer = format!("href=\"/ko/b/{NEWS}/write?translation_of={en_id}\"");
    assert!(as_staff.contains(&offer), "{as_staff}");
    assert!(as_staff.contains("Translate into Korean"));
    let form = site
        .get_as(
            &format!("/ko/b/{NEWS}/write?translation_of={en_id}"),
            &editor.cookie,
        )
        .await;
    assert_eq!(form.status, 200);
    let form = form.text();
    assert!(form.contains(&format!("name=\"translation_of\" value=\"{en_id}\"")));
    assert!(
        form.contains("“Statement on refugees”의 한국어 번역"),
        "{form}"
    );

    // Written in Korean, it is a Korean post of the same group.
    let korean = write(&site, &editor, "/ko", NEWS, "난민에 관한 성명", Some(en_id)).await;
    assert_eq!(korean.status, 303, "{}", korean.text());
    let ko_id = korean_post(&korean, NEWS);
    let ko_path = format!("/b/{NEWS}/{ko_id}");
    let now = jiff::Timestamp::now();
    let board = site.store().board(NEWS).await.unwrap().unwrap();
    let ko_post = site
        .store()
        .post(board.id, ko_id, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ko_post.lang.as_deref(), Some("ko"));
    let en_post = site
        .store()
        .post(board.id, en_id, now)
        .await
        .unwrap()
        .unwrap();
    assert!(en_post.translation_group.is_some());
    assert_eq!(en_post.translation_group, ko_post.translation_group);

    // Each page links to the other, names both versions and the x-default, and its switch
    // lands on the translation.
    let en_page = site.get(&en_path).await.text();
    assert!(
        en_page.contains(&format!(
            "<a href=\"/ko{ko_path}\" hreflang=\"ko\" lang=\"ko\" rel=\"alternate\">한국어: 난민에 관한 성명</a>"
        )),
        "{en_page}"
    );
    assert_eq!(switch_href(&en_page), format!("/ko{ko_path}"));
    let ko_page = site.get(&format!("/ko{ko_path}")).await.text();
    assert!(ko_page.contains(&format!(
        "<a href=\"{en_path}\" hreflang=\"en\" lang=\"en\" rel=\"alternate\">English: Statement on refugees</a>"
    )));
    assert_eq!(switch_href(&ko_page), en_path);
    // Shown under the other language's menus, each names its own language's address as
    // canonical.
    let ko_under_en = site.get(&ko_path).await.text();
    assert!(
        ko_under_en.contains(&format!(
            "<link rel=\"canonical\" href=\"{ORIGIN}/ko{ko_path}\">"
        )),
        "{ko_under_en}"
    );
    assert!(en_page.contains(&format!(
        "<link rel=\"canonical\" href=\"{ORIGIN}{en_path}\">"
    )));
    for page in [&en_page, &ko_page] {
        assert!(page.contains(&alternate("en", &en_path)), "{page}");
        assert!(page.contains(&alternate("ko", &format!("/ko{ko_path}"))));
        assert!(page.contains(&alternate("x-default", &en_path)));
        assert_eq!(page.matches("<link rel=\"alternate\" hreflang=").count(), 3);
    }
    // Both languages are there: no more offers to translate.
    let as_staff = site.get_as(&en_path, &editor.cookie).await.text();
    assert!(!as_staff.contains("write?translation_of="));

    // The sitemap lists each once, at its own language's address, with both versions.
    let xml = site.get("/sitemap.xml").await.text();
    assert_eq!(
        xml.matches(&format!("<loc>{ORIGIN}{en_path}</loc>"))
            .count(),
        1
    );
    assert_eq!(
        xml.matches(&format!("<loc>{ORIGIN}/ko{ko_path}</loc>"))
            .count(),
        1
    );
    assert_eq!(
        xml.matches(&format!("<loc>{ORIGIN}/ko{en_path}</loc>"))
            .count(),
        0
    );
    assert_eq!(
        xml.matches(&format!("<loc>{ORIGIN}{ko_path}</loc>"))
            .count(),
        0
    );
    let ko_link =
        format!("<xhtml:link rel=\"alternate\" hreflang=\"ko\" href=\"{ORIGIN}/ko{ko_path}\"/>");
    assert_eq!(xml.matches(&ko_link).count(), 2, "{xml}");

    let audit = site.store().audit_log(20).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "post.translation.link"
        && e.target == format!("post:{ko_id}")
        && e.detail == format!("post:{en_id}")));
    site.finish().await;
}

#[tokio::test]
async fn staff_link_and_unlink_existing_posts_and_bad_links_change_nothing() {
    let site = TestSite::demo().await;
    site.member("editor", 10, true).await;
    let editor = site.login("editor").await;
    let en_id = redirected_post(
        &write(&site, &editor, "", NEWS, "English", None).await,
        NEWS,
    );
    let other_en = redirected_post(
        &write(&site, &editor, "", "advocacy", "English 2", None).await,
        "advocacy",
    );
    let ko_id = korean_post(
        &write(&site, &editor, "/ko", "advocacy", "한국어", None).await,
        "advocacy",
    );
    let link = |post: i64, board: &'static str, other: String| {
        let editor = &editor;
        let site = &site;
        async move {
            site.post_as(
                &format!("/b/{board}/{post}/translations"),
                editor,
                &[("csrf", &editor.csrf), ("op", "link"), ("other", &other)],
            )
            .await
        }
    };
    let group_of = |id: i64| {
        let site = &site;
        async move {
            let board_id = site.store().post_board_id(id).await.unwrap().unwrap();
            site.store()
                .post_for_staff(board_id, id)
                .await
                .unwrap()
                .unwrap()
                .0
                .translation_group
        }
    };

    // Linked across boards by the Korean post's address.
    let page = link(
        en_id,
        NEWS,
        format!("https://example.org/ko/b/advocacy/{ko_id}"),
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.text());
    assert!(group_of(en_id).await.is_some());
    assert_eq!(group_of(en_id).await, group_of(ko_id).await);
    let en_page = site.get(&format!("/b/{NEWS}/{en_id}")).await.text();
    assert_eq!(switch_href(&en_page), format!("/ko/b/advocacy/{ko_id}"));

    // A second English post cannot join: the group has English already.
    let before = site.store().audit_log(100).await.unwrap().len();
    let refused = link(other_en, "advocacy", en_id.to_string()).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .text()
            .contains("already have a post in that language"),
        "{}",
        refused.text()
    );
    assert_eq!(group_of(other_en).await, None);
    // Nor can a post be linked to itself, to nothing, or to something that is not a post.
    for (other, message) in [
        (en_id.to_string(), "already translations of each other"),
        ("999999".to_owned(), "no such post"),
        ("/pages/about".to_owned(), "post number"),
        (String::new(), "post number"),
    ] {
        let refused = link(en_id, NEWS, other.clone()).await;
        assert_eq!(refused.status, 400, "{other}");
        assert!(
            refused.text().contains(message),
            "{other}: {}",
            refused.text()
        );
    }
    assert_eq!(site.store().audit_log(100).await.unwrap().len(), before);

    // Unlinked: the group dissolves and the switch goes back to the board.
    let page = site
        .post_as(
            &format!("/b/{NEWS}/{en_id}/translations"),
            &editor,
            &[("csrf", &editor.csrf), ("op", "unlink")],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(group_of(en_id).await, None);
    assert_eq!(group_of(ko_id).await, None);
    let en_page = site.get(&format!("/b/{NEWS}/{en_id}")).await.text();
    assert_eq!(switch_href(&en_page), format!("/ko/b/{NEWS}"));
    let audit = site.store().audit_log(5).await.unwrap();
    assert_eq!(audit[0].action, "post.translation.unlink");
    assert_eq!(audit[1].action, "post.translation.link");
    site.finish().await;
}

#[tokio::test]
async fn only_staff_who_may_edit_both_posts_link_them_and_readers_see_only_what_they_may_read() {
    let site = TestSite::demo().await;
    site.member("editor", 10, true).await;
    site.member("writer", 8, false).await;
    let editor = site.login("editor").await;
    let writer = site.login("writer").await;
    let en_id = redirected_post(
        &write(&site, &editor, "", NEWS, "Staff post", None).await,
        NEWS,
    );

    // A member who may not edit the post can neither open a translation form for it nor
    // link it.
    let form = site
        .get_as(
            &format!("/ko/b/{NEWS}/write?translation_of={en_id}"),
            &writer.cookie,
        )
        .await;
    assert_eq!(form.status, 403);
    let page = site
        .post_as(
            &format!("/b/{NEWS}/{en_id}/translations"),
            &writer,
            &[("csrf", &writer.csrf), ("op", "unlink")],
        )
        .await;
    assert_eq!(page.status, 403);

    // A secret translation is linked but not shown to readers.
    let ko_id = korean_post(
        &site
            .post_multipart(
                &format!("/ko/b/{NEWS}/write"),
                &editor,
                &[
                    ("csrf", editor.csrf.as_str()),
                    ("title", "비밀 번역"),
                    ("body", "<p>본문</p>"),
                    ("format", "html"),
                    ("secret", "1"),
                    ("translation_of", en_id.to_string().as_str()),
                ],
                &[],
            )
            .await,
        NEWS,
    );
    let page = site.get(&format!("/b/{NEWS}/{en_id}")).await.text();
    // (The list and the next-post link may name a secret post, as GnuBoard5's do; the
    // translation links, the alternates and the switch do not.)
    assert!(!page.contains("class=\"post-translations\""), "{page}");
    assert!(!page.contains(&format!(
        "hreflang=\"ko\" href=\"{ORIGIN}/ko/b/{NEWS}/{ko_id}\""
    )));
    assert_eq!(switch_href(&page), format!("/ko/b/{NEWS}"));
    site.finish().await;
}

#[tokio::test]
async fn the_demo_statement_has_a_korean_translation() {
    let site = TestSite::demo().await;
    let board = site.store().board(NEWS).await.unwrap().unwrap();
    let list = site.get(&format!("/ko/b/{NEWS}")).await.text();
    let ids = common::post_links(&list.replace("href=\"/ko/b/", "href=\"/b/"), NEWS);
    let now = jiff::Timestamp::now();
    let mut korean = None;
    for id in ids {
        let post = site.store().post(board.id, id, now).await.unwrap().unwrap();
        if post.title == STATEMENT_KO_TITLE {
            korean = Some(post);
        }
    }
    let korean = korean.expect("the Korean statement is on the news board");
    let translations = site.store().translations(&korean, now).await.unwrap();
    assert_eq!(translations.len(), 1);
    assert_eq!(translations[0].lang, "en");
    let page = site
        .get(&format!("/ko/b/{NEWS}/{}", korean.id))
        .await
        .text();
    assert_eq!(
        switch_href(&page),
        format!("/b/{NEWS}/{}", translations[0].post_id)
    );
    site.finish().await;
}

/// A post written by the store directly (any language), returning its id.
async fn store_post(site: &TestSite, board: &str, lang: &str, author: &madang_core::Member) -> i64 {
    let board = site.store().board(board).await.unwrap().unwrap();
    let now = jiff::Timestamp::now();
    let new = madang_core::NewPost {
        title: format!("Post in {lang}"),
        body: madang_core::PostBody::Html("<p>Body</p>".into()),
        author_id: Some(author.id),
        author_name: author.nickname.clone(),
        lang: Some(lang.into()),
        pinned: false,
        secret: false,
        published_at: now,
        links: Vec::new(),
    };
    let id = site.store().create_post(board.id, &new, now).await.unwrap();
    site.state.page_cache().generation_changed();
    id
}

async fn group_of(site: &TestSite, id: i64) -> Option<i64> {
    let board_id = site.store().post_board_id(id).await.unwrap()?;
    site.store()
        .post_for_staff(board_id, id)
        .await
        .unwrap()
        .unwrap()
        .0
        .translation_group
}

#[tokio::test]
async fn groups_stay_whole_through_unlinking_deleting_and_moving() {
    let site = TestSite::demo().await;
    let editor_member = site.member("editor", 10, true).await;
    let editor = site.login("editor").await;
    let actor = madang_store::ActorRef {
        id: Some(editor_member.id),
        name: "editor",
        ip: "",
    };
    let now = jiff::Timestamp::now();
    let en = store_post(&site, NEWS, "en", &editor_member).await;
    let ko = store_post(&site, NEWS, "ko", &editor_member).await;
    let ja = store_post(&site, NEWS, "ja", &editor_member).await;
    site.store()
        .link_translation(en, ko, actor, now)
        .await
        .unwrap();
    site.store()
        .link_translation(ko, ja, actor, now)
        .await
        .unwrap();
    assert_eq!(group_of(&site, en).await, Some(en));
    assert_eq!(group_of(&site, ja).await, Some(en));

    // The post whose id keys the group leaves: the others keep a group of their own, so
    // linking the one that left to a new Korean post does not pull it back among them.
    site.store()
        .unlink_translation(en, actor, now)
        .await
        .unwrap();
    assert_eq!(group_of(&site, en).await, None);
    assert_eq!(group_of(&site, ko).await, Some(ko));
    assert_eq!(group_of(&site, ja).await, Some(ko));
    let ko2 = store_post(&site, NEWS, "ko", &editor_member).await;
    site.store()
        .link_translation(en, ko2, actor, now)
        .await
        .unwrap();
    assert_eq!(group_of(&site, en).await, group_of(&site, ko2).await);
    assert_ne!(group_of(&site, en).await, group_of(&site, ko).await);

    // A deleted post leaves its group; its language is free again, and a restore brings
    // it back on its own (not as a second Korean post).
    site.store().delete_post(ko2, actor, now).await.unwrap();
    assert_eq!(group_of(&site, en).await, None);
    let ko3 = store_post(&site, NEWS, "ko", &editor_member).await;
    site.store()
        .link_translation(en, ko3, actor, now)
        .await
        .unwrap();
    site.store().restore_post(ko2, actor, now).await.unwrap();
    assert_eq!(group_of(&site, ko2).await, None);
    assert_eq!(group_of(&site, ko3).await, group_of(&site, en).await);

    // A moved post keeps its translations: the moved copy takes its place.
    let zone = madang_core::time::zone("Asia/Seoul").unwrap();
    let advocacy = site.store().board("advocacy").await.unwrap().unwrap();
    let moved = site
        .store()
        .transfer_post(&madang_store::TransferRequest {
            transfer: madang_core::copy_line::Transfer::Move,
            post_id: ko3,
            target_board_ids: &[advocacy.id],
            actor_id: Some(editor_member.id),
            actor_name: "editor",
            ip: "",
            at: now,
            line_language: madang_core::copy_line::CopyLineLanguage::English,
            zone: &zone,
        })
        .await
        .unwrap()[0];
    assert_eq!(group_of(&site, moved).await, group_of(&site, en).await);
    site.state.page_cache().generation_changed();
    let page = site.get(&format!("/b/{NEWS}/{en}")).await.text();
    assert_eq!(switch_href(&page), format!("/ko/b/advocacy/{moved}"));
    let _ = editor;
    site.finish().await;
}

#[tokio::test]
async fn members_cannot_join_a_group_they_may_not_edit_or_read_titles_through_the_form() {
    let site = TestSite::demo().await;
    let staff = site.member("editor", 10, true).await;
    let writer_member = site.member("writer", 8, false).await;
    let writer = site.login("writer").await;
    let actor = madang_store::ActorRef {
        id: Some(staff.id),
        name: "editor",
        ip: "",
    };
    let now = jiff::Timestamp::now();
    // The writer's Korean post is linked by staff to a staff post.
    let staff_en = store_post(&site, NEWS, "en", &staff).await;
    let writer_ko = store_post(&site, NEWS, "ko", &writer_member).await;
    site.store()
        .link_translation(staff_en, writer_ko, actor, now)
        .await
        .unwrap();
    // Another post of the writer's may not join that group through the writer's own post.
    let writer_ja = store_post(&site, NEWS, "ja", &writer_member).await;
    let page = site
        .post_as(
            &format!("/b/{NEWS}/{writer_ja}/translations"),
            &writer,
            &[
                ("csrf", &writer.csrf),
                ("op", "link"),
                ("other", &writer_ko.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(group_of(&site, writer_ja).await, None);

    // A write form sent back with an error does not name a post the writer may not
    // translate (here a scheduled staff statement).
    let board = site.store().board(NEWS).await.unwrap().unwrap();
    let embargoed = madang_core::NewPost {
        title: "Embargoed statement".into(),
        body: madang_core::PostBody::Html("<p>Later</p>".into()),
        author_id: Some(staff.id),
        author_name: "editor".into(),
        lang: Some("en".into()),
        pinned: false,
        secret: false,
        published_at: now + jiff::SignedDuration::from_hours(48),
        links: Vec::new(),
    };
    let embargoed = site
        .store()
        .create_post(board.id, &embargoed, now)
        .await
        .unwrap();
    let refused = site
        .post_multipart(
            &format!("/ko/b/{NEWS}/write"),
            &writer,
            &[
                ("csrf", writer.csrf.as_str()),
                ("title", "번역"),
                ("body", "<p>본문</p>"),
                ("format", "html"),
                ("links", "not a link"),
                ("translation_of", embargoed.to_string().as_str()),
            ],
            &[],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(!refused.text().contains("Embargoed statement"));
    site.finish().await;
}

#[tokio::test]
async fn the_sitemap_names_no_translation_on_a_board_guests_may_not_read() {
    let site = TestSite::demo().await;
    let staff = site.member("editor", 10, true).await;
    let now = jiff::Timestamp::now();
    let mut members_only = madang_core::NewBoard::new("members", "Members", None);
    members_only.levels.list = madang_core::Level::MEMBER;
    members_only.levels.read = madang_core::Level::MEMBER;
    site.store().create_board(&members_only, now).await.unwrap();
    let public_en = store_post(&site, NEWS, "en", &staff).await;
    let private_ko = store_post(&site, "members", "ko", &staff).await;
    let actor = madang_store::ActorRef {
        id: Some(staff.id),
        name: "editor",
        ip: "",
    };
    site.store()
        .link_translation(public_en, private_ko, actor, now)
        .await
        .unwrap();
    site.state.page_cache().generation_changed();
    let xml = site.get("/sitemap.xml").await.text();
    assert!(
        xml.contains(&format!("{ORIGIN}/b/{NEWS}/{public_en}")),
        "{xml}"
    );
    assert!(!xml.contains("/b/members/"), "{xml}");
    // Nor does the public post's page.
    let page = site.get(&format!("/b/{NEWS}/{public_en}")).await.text();
    assert!(!page.contains("/b/members/"));
    site.finish().await;
}
