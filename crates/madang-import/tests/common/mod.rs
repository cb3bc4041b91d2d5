//! Helpers shared by the fixture tests: a fresh store per test (SQLite, or PostgreSQL when
//! `MADANG_TEST_DATABASE_URL` names a server), a copy of the fixture, and the checks of
//! everything the fixture's README says an import must bring over.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use madang_core::copy_line::Transfer;
use madang_files::Files;
use madang_import::gnuboard::{ImportError, ImportOptions, import};
use madang_import::{Kind, Report};
use madang_store::Store;
use sha2::{Digest, Sha256};
use sqlx::Connection;

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/gnuboard5")
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            // The fixture is read-only; the copy need not be.
            let mut perms = std::fs::metadata(&target).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&target, perms).unwrap();
        }
    }
}

pub struct Site {
    pub store: Store,
    pub files: Files,
    pub dir: PathBuf,
    postgres: Option<(String, String)>,
}

impl Site {
    pub async fn new() -> Site {
        let mut random = [0u8; 4];
        rand::fill(&mut random);
        let name = format!(
            "madang_import_{}_{}_{:02x}{:02x}{:02x}{:02x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            random[0],
            random[1],
            random[2],
            random[3]
        );
        let dir = std::env::temp_dir().join(&name);
        copy_dir(&fixture(), &dir.join("fixture"));
        let (url, postgres) = match std::env::var("MADANG_TEST_DATABASE_URL") {
            Ok(server) if !server.is_empty() => {
                let mut admin = sqlx::PgConnection::connect(&server)
                    .await
                    .expect("MADANG_TEST_DATABASE_URL is set but PostgreSQL cannot be reached");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(&server);
                (
                    format!("{base}/{name}"),
                    Some((server.clone(), name.clone())),
                )
            }
            _ => (format!("sqlite:{}", dir.join("madang.db").display()), None),
        };
        let store = Store::connect(&url).await.expect("open the test database");
        let files = Files::local(&dir.join("files")).unwrap();
        Site {
            store,
            files,
            dir,
            postgres,
        }
    }

    pub fn options(&self) -> ImportOptions {
        ImportOptions::new(
            self.dir.join("fixture/dump.sql"),
            self.dir.join("fixture/data"),
        )
    }

    pub async fn import(&self, options: &ImportOptions) -> Result<Report, ImportError> {
        let mut stages = Vec::new();
        let report = import(&self.store, &self.files, options, &mut |p| {
            stages.push(p.table.to_owned())
        })
        .await;
        if report.is_ok() {
            assert!(
                stages.iter().any(|s| s.ends_with("write_advocacy")),
                "{stages:?}"
            );
        }
        report
    }

    /// The new address of an old post, through the redirects.
    pub async fn post_id(&self, board: &str, wr_id: i64) -> i64 {
        let to = self
            .store
            .legacy_redirect(&format!("/bbs/board.php?bo_table={board}&wr_id={wr_id}"))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no redirect for {board}/{wr_id}"));
        to.rsplit('/').next().unwrap().parse().unwrap()
    }

    pub fn stored_files(&self) -> usize {
        fn count(p: &Path) -> usize {
            std::fs::read_dir(p)
                .map(|d| {
                    d.map(|e| {
                        let e = e.unwrap();
                        if e.file_type().unwrap().is_dir() {
                            count(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
                })
                .unwrap_or(0)
        }
        count(&self.dir.join("files"))
    }

    pub async fn finish(self) {
        self.store.close().await;
        if let Some((server, name)) = &self.postgres {
            let mut admin = sqlx::PgConnection::connect(server).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await
                .unwrap();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

/// A random suffix for names of test databases.
pub fn unique_name(prefix: &str) -> String {
    let mut random = [0u8; 4];
    rand::fill(&mut random);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        hex::encode(random)
    )
}

/// Checks an import of the fixture against its README: counts per kind, boards, the reply
/// tree, the comment tree, secret and pinned posts, guests, attachments byte for byte,
/// editor images, copy/move provenance, members and passwords, every old address form.
pub async fn check_fixture(site: &Site, report: &Report) {
    let c = |k| report.count(k);
    let store = &site.store;

    // Counts per kind, as the README lists them.
    // Two groups, and one for the old menu's top item that opens a content page.
    assert_eq!(c(Kind::Group).imported, 3);
    assert_eq!(
        c(Kind::Page).imported,
        4,
        "company, privacy, provision, the FAQ"
    );
    assert_eq!(c(Kind::MenuItem).imported, 8);
    assert_eq!(c(Kind::Board).imported, 5);
    assert_eq!(c(Kind::Member).imported, 6);
    assert_eq!(c(Kind::Member).skipped, 1, "jeong_dw is a deleted stub");
    assert_eq!(c(Kind::Post).imported, 32);
    assert_eq!(c(Kind::Comment).imported, 14);
    assert_eq!(c(Kind::Attachment).imported, 10);
    assert_eq!(c(Kind::EditorImage).imported, 2);
    assert_eq!(c(Kind::Provenance).imported, 2);
    assert_eq!(c(Kind::BoardAdmin).imported, 1);
    assert_eq!(c(Kind::GroupAdmin).imported, 1);
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(
        report
            .not_carried
            .iter()
            .any(|n| n.starts_with("table g5_point")),
        "{:?}",
        report.not_carried
    );

    // Boards, groups and post counts.
    let boards = store.boards().await.unwrap();
    let counts: Vec<(String, i64)> = boards
        .iter()
        .map(|b| (b.slug.clone(), b.post_count))
        .collect();
    for (slug, n) in [
        ("advocacy", 8),
        ("youth", 8),
        ("education", 5),
        ("rescue", 5),
        ("bbs_active_news", 6),
    ] {
        assert!(
            counts.contains(&(slug.to_owned(), n)),
            "{slug} should have {n} posts: {counts:?}"
        );
    }
    let groups = store.groups().await.unwrap();
    let work = groups.iter().find(|g| g.slug == "work").unwrap();
    assert_eq!(work.title, "Our Work");
    let advocacy = store.board("advocacy").await.unwrap().unwrap();
    assert_eq!(advocacy.title, "Advocacy & Campaigns");
    assert_eq!(advocacy.group_id, Some(work.id));
    assert_eq!(advocacy.page_size, 15);
    assert_eq!(advocacy.title_len, 60);
    let news = store.board("bbs_active_news").await.unwrap().unwrap();
    assert_ne!(news.group_id, Some(work.id));

    // The old menu's order and names: Our Work (its four boards in menu order), News, and
    // "센터소개 About us" holding the content page it opened.
    let titles: Vec<&str> = groups.iter().map(|g| g.title.as_str()).collect();
    assert_eq!(titles, ["Our Work", "News", "센터소개 About us"]);
    let mut in_work: Vec<_> = boards
        .iter()
        .filter(|b| b.group_id == Some(work.id))
        .collect();
    in_work.sort_by_key(|b| b.position);
    let order: Vec<&str> = in_work.iter().map(|b| b.slug.as_str()).collect();
    assert_eq!(order, ["advocacy", "youth", "education", "rescue"]);

    // Content pages and the FAQ, with their old addresses.
    let (company, _) = store.page("company", "en").await.unwrap().unwrap();
    assert_eq!(company.title, "센터 소개 About us");
    assert!(
        company
            .body_html
            .contains("<h2>희망다리 인권센터 소개</h2>")
    );
    assert_eq!(company.group_id, Some(groups[2].id));
    let (provision, _) = store.page("provision", "ko").await.unwrap().unwrap();
    assert_eq!(
        provision.body_html, "<p><b>서비스 이용약관에 대한 내용을 입력하십시오.</b></p>",
        "the installer's page, its HTML sanitised"
    );
    let (faq, _) = store.page("faq-1", "ko").await.unwrap().unwrap();
    assert_eq!(faq.title, "자주하시는 질문");
    for (old, new) in [
        ("/bbs/content.php?co_id=company", "/pages/company"),
        ("/bbs/content.php?co_id=privacy&amp=1", "/pages/privacy"),
        ("/content/provision", "/pages/provision"),
        (
            "/content/%EC%84%BC%ED%84%B0-%EC%86%8C%EA%B0%9C-about-us",
            "/pages/company",
        ),
        ("/bbs/faq.php", "/pages/faq-1"),
        ("/bbs/faq.php?fm_id=1", "/pages/faq-1"),
    ] {
        assert_eq!(
            store.legacy_redirect(old).await.unwrap().as_deref(),
            Some(new),
            "{old}"
        );
    }

    // The list keeps GnuBoard5's order: newest thread first, replies under their root.
    let now = jiff::Timestamp::now();
    let youth = store.board("youth").await.unwrap().unwrap();
    let page = store.board_page(&youth, 1, now).await.unwrap();
    let mut expected = Vec::new();
    for wr_id in [12, 7, 8, 9, 10, 4, 2, 1] {
        expected.push(site.post_id("youth", wr_id).await);
    }
    let listed: Vec<i64> = page.posts.iter().map(|p| p.id).collect();
    assert_eq!(listed, expected);

    // The reply chain youth #7 → #8 (A) → #9 (AA) → #10 (AAA).
    let (p7, p8, p9, p10) = (expected[1], expected[2], expected[3], expected[4]);
    assert_eq!(
        store.post_thread(p7).await.unwrap(),
        Some((None, String::new()))
    );
    assert_eq!(
        store.post_thread(p8).await.unwrap(),
        Some((Some(p7), "A".into()))
    );
    assert_eq!(
        store.post_thread(p9).await.unwrap(),
        Some((Some(p8), "AA".into()))
    );
    assert_eq!(
        store.post_thread(p10).await.unwrap(),
        Some((Some(p9), "AAA".into()))
    );

    // Plain-text posts are rendered as GnuBoard5 rendered them; the guest keeps their name.
    let guest = store
        .post(youth.id, site.post_id("youth", 4).await, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(guest.author_name, "최은영");
    assert_eq!(guest.author_id, None);
    assert!(guest.body_html.contains("<br>"), "{}", guest.body_html);

    // Dates: naive KST → UTC; titles, links, views, pins.
    let a1 = store
        .post(advocacy.id, site.post_id("advocacy", 1).await, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a1.published_at, ts("2016-03-08T00:00:00Z"));
    assert_eq!(
        a1.title,
        "Statement on the forced repatriation of refugees detained in Jilin Province"
    );
    assert!(a1.pinned);
    // GnuBoard5 records no language; the text tells it.
    assert_eq!(a1.lang.as_deref(), Some("en"));
    assert_eq!(guest.lang.as_deref(), Some("ko"), "{}", guest.body_text);
    let a2 = store
        .post(advocacy.id, site.post_id("advocacy", 2).await, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        a2.links,
        vec![
            "https://petition.example.org/walk-together".to_owned(),
            "https://www.example-ngo.org/campaign/2016/walk-together".to_owned()
        ]
    );
    assert!(!a2.pinned);
    let admin = store.member_account("admin").await.unwrap().unwrap();
    assert_eq!(a1.author_id, Some(admin.member.id));
    let pinned_news = store.board_page(&news, 1, now).await.unwrap().pinned;
    assert_eq!(pinned_news.len(), 1);
    assert_eq!(pinned_news[0].id, site.post_id("bbs_active_news", 2).await);

    // The secret post.
    let rescue = store.board("rescue").await.unwrap().unwrap();
    let secret = store
        .post(rescue.id, site.post_id("rescue", 3).await, now)
        .await
        .unwrap()
        .unwrap();
    assert!(secret.secret);
    // The deleted member's post keeps their name, without an account.
    let orphan = store
        .post(rescue.id, site.post_id("rescue", 1).await, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(orphan.author_name, "다운");
    assert_eq!(orphan.author_id, None);

    // The comment tree of advocacy #4: 1, 1/A, 1/AA, 2.
    let comments = store
        .comments(site.post_id("advocacy", 4).await)
        .await
        .unwrap();
    let shape: Vec<(u32, &str)> = comments
        .iter()
        .map(|c| (c.depth, c.author_name.as_str()))
        .collect();
    assert_eq!(
        shape,
        vec![(0, "소라"), (1, "junho"), (2, "소라"), (0, "JasonC")]
    );
    assert_eq!(comments[1].parent_id, Some(comments[0].id));
    assert_eq!(comments[2].parent_id, Some(comments[1].id));
    assert_eq!(comments[3].parent_id, None);
    assert_eq!(comments[0].created_at, ts("2019-02-15T00:12:00Z"));
    // A secret comment; a guest comment.
    let news6 = store
        .comments(site.post_id("bbs_active_news", 6).await)
        .await
        .unwrap();
    assert_eq!(
        news6.iter().map(|c| c.secret).collect::<Vec<_>>(),
        vec![true, false]
    );
    let youth4 = store
        .comments(site.post_id("youth", 4).await)
        .await
        .unwrap();
    assert_eq!(youth4.len(), 2);
    assert_eq!(youth4[1].author_name, "최은영");
    assert_eq!(youth4[1].author_id, None);

    // Attachments, byte for byte, with their names and captions.
    let files: &[(&str, i64, &str, &str)] = &[
        (
            "advocacy",
            4,
            "HBHR_Annual_Report_2018.pdf",
            "cef8621a624df46e607d1d0109beaac6c3b9ef41ed70a17e0c9ccf17afaa48e3",
        ),
        (
            "advocacy",
            4,
            "Executive_Summary_2018_EN.pdf",
            "5dbe5dd2de2b18949c6e929819970682c197dcb0c246cf4095aff31af0df5cbf",
        ),
        (
            "advocacy",
            10,
            "press_20190430.jpg",
            "4edf58b8787c3b37f3033a18eb577383059e353c006f7470f4c9d1fc1f70583e",
        ),
        (
            "advocacy",
            12,
            "2022_탈북청소년_교육실태조사_요약.pdf",
            "77a6bd15d8a49a26f62b4be2eba6151e232ff15a52a20e8620ead12f480e8062",
        ),
        (
            "bbs_active_news",
            4,
            "press_20190430.jpg",
            "4edf58b8787c3b37f3033a18eb577383059e353c006f7470f4c9d1fc1f70583e",
        ),
        (
            "education",
            2,
            "제3회_북한인권세미나_안내문.pdf",
            "97f489517a91ebb882bc4961c381d2a5935b25ef7684ff4fbf802c4a8246f5a6",
        ),
        (
            "education",
            2,
            "seminar_poster_2018.jpg",
            "22854a65b48f6a324b02a99cdfdbd0a73d22e5c2169cc24bd6949ac30ff95fae",
        ),
        (
            "education",
            5,
            "HR_Education_Toolkit_2020.pdf",
            "9db7e5473f53f1121ba89ddc63fe112c360dab6b3fc089ebfc863310ccbc6cd8",
        ),
        (
            "education",
            6,
            "tutor_application_form.pdf",
            "a8c8590886103904dace4e0e9e45e4c9767d020dff42dd2a7f3a12c49f6a071a",
        ),
        (
            "youth",
            2,
            "summer_camp_2017.png",
            "62ecb5f17317b2ec1ca092f2bb829b740e9450f9dbabd85ec1e19cf3a1909968",
        ),
    ];
    for &(board, wr_id, name, sha) in files {
        let post_id = site.post_id(board, wr_id).await;
        let list = store.attachments(post_id).await.unwrap();
        let a = list
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("{board}/{wr_id} has no {name}: {list:?}"));
        assert_eq!(a.sha256, sha);
        let bytes = site.files.read(&a.storage_key).await.unwrap();
        assert_eq!(sha256(&bytes), sha, "{name}");
        assert_eq!(a.size, bytes.len() as i64);
    }
    let a4 = store
        .attachments(site.post_id("advocacy", 4).await)
        .await
        .unwrap();
    assert_eq!(
        a4.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        vec![
            "HBHR_Annual_Report_2018.pdf",
            "Executive_Summary_2018_EN.pdf"
        ]
    );
    assert_eq!(a4[0].caption, "Full report (2 pages)");
    assert_eq!(a4[0].mime, "application/pdf");
    // The copied post's file and its source share one stored object.
    assert_eq!(site.stored_files(), 9 + 2);

    // Editor images: stored, and the body points at Madang, whatever the old host.
    let n3 = store
        .post(news.id, site.post_id("bbs_active_news", 3).await, now)
        .await
        .unwrap()
        .unwrap();
    let path = "editor/1812/0da91c1235611e7e075f872a0c1ae7ea_1545285601_0891.jpg";
    assert!(
        n3.body_html
            .contains(&format!("src=\"/files/legacy/{path}\"")),
        "{}",
        n3.body_html
    );
    assert!(!n3.body_html.contains("example-ngo.org/data/"));
    let legacy = store.legacy_file(path).await.unwrap().unwrap();
    let original = std::fs::read(fixture().join("data").join(path)).unwrap();
    assert_eq!(legacy.sha256, sha256(&original));
    assert_eq!(legacy.mime, "image/jpeg");
    assert_eq!(
        site.files.read(&legacy.storage_key).await.unwrap().as_ref(),
        &original[..]
    );

    // Copy and move: provenance recorded, the visible line kept.
    let copy = site.post_id("advocacy", 10).await;
    let provenance = store.provenance(copy).await.unwrap();
    assert_eq!(provenance.len(), 1);
    let p = &provenance[0];
    assert_eq!(p.transfer, Transfer::Copy);
    assert_eq!(p.source_board_slug, "bbs_active_news");
    assert_eq!(p.source_board_id, Some(news.id));
    assert_eq!(
        p.source_post_id,
        Some(site.post_id("bbs_active_news", 4).await)
    );
    assert_eq!(p.actor_name, "최고관리자");
    assert_eq!(p.actor_id, Some(admin.member.id));
    assert_eq!(p.at, ts("2019-05-02T01:00:00Z"));
    let copied = store.post(advocacy.id, copy, now).await.unwrap().unwrap();
    assert!(copied.body_html.contains("bbs_active_news에서 복사 됨]"));
    assert_eq!(store.comments(copy).await.unwrap().len(), 1);
    let moved = store
        .provenance(site.post_id("education", 6).await)
        .await
        .unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].transfer, Transfer::Move);
    assert_eq!(moved[0].source_board_slug, "youth");
    assert_eq!(moved[0].source_post_id, None);

    // Members: levels, roles, block, old passwords.
    for (login, level) in [
        ("admin", 10),
        ("kim_minji", 9),
        ("park_junho", 8),
        ("lee_sora", 5),
        ("jchoi", 3),
        ("hanbit", 2),
    ] {
        let m = store.member_account(login).await.unwrap().unwrap();
        assert_eq!(m.member.level.get(), level, "{login}");
        assert_eq!(m.member.is_super_admin, login == "admin", "{login}");
        assert_eq!(m.blocked, login == "hanbit", "{login}");
    }
    assert!(store.member_account("jeong_dw").await.unwrap().is_none());
    assert!(admin.member.is_super_admin);
    assert!(madang_core::legacy_password::verify(
        "Admin!2016pw",
        &admin.password_hash
    ));
    let sora = store.member_account("LEE_SORA").await.unwrap().unwrap();
    assert!(madang_core::legacy_password::verify(
        "sora-5-pass",
        &sora.password_hash
    ));
    assert!(!madang_core::legacy_password::verify(
        "wrong",
        &sora.password_hash
    ));
    let junho = store.member_account("park_junho").await.unwrap().unwrap();
    assert_eq!(junho.board_admin_of, vec![advocacy.id]);
    let minji = store.member_account("kim_minji").await.unwrap().unwrap();
    assert_eq!(minji.group_admin_of, vec![work.id]);

    // Every old address form.
    let a4_id = site.post_id("advocacy", 4).await;
    let redirect = |from: &'static str| async move { store.legacy_redirect(from).await.unwrap() };
    assert_eq!(
        redirect("/bbs/board.php?bo_table=advocacy")
            .await
            .as_deref(),
        Some("/b/advocacy")
    );
    assert_eq!(
        redirect("/bbs/board.php?bo_table=advocacy&wr_id=4&page=2").await,
        Some(format!("/b/advocacy/{a4_id}"))
    );
    assert_eq!(
        redirect("/advocacy/4").await,
        Some(format!("/b/advocacy/{a4_id}"))
    );
    assert_eq!(
        redirect("/advocacy/annual-human-rights-report-2018-now-available/").await,
        Some(format!("/b/advocacy/{a4_id}"))
    );
    assert_eq!(redirect("/advocacy").await.as_deref(), Some("/b/advocacy"));
    assert_eq!(
        redirect("/bbs/rss.php?bo_table=youth").await.as_deref(),
        Some("/b/youth")
    );
    let second = &a4[1];
    assert_eq!(
        redirect("/bbs/download.php?bo_table=advocacy&wr_id=4&no=1").await,
        Some(format!("/b/advocacy/{a4_id}/files/{}", second.id))
    );
    assert_eq!(
        redirect("/data/file/advocacy/7b018c827432d9b37a214761cfb43782_2qrLWl3A_833ff71e6c0c46e1a7d51e2b75d3ba1884f9e0b8.pdf").await,
        Some(format!("/b/advocacy/{a4_id}/files/{}", second.id))
    );
    // A comment's old address leads to its post.
    assert_eq!(
        redirect("/bbs/board.php?bo_table=advocacy&wr_id=6").await,
        Some(format!("/b/advocacy/{a4_id}#comment-{}", comments[1].id))
    );
    // Korean SEO titles arrive percent-encoded.
    let y12 = site.post_id("youth", 12).await;
    let seo = "/youth/2023%EB%85%84-%EC%B2%AD%EC%86%8C%EB%85%84-%EB%A6%AC%EB%8D%94%EC%8B%AD-%EC%95%84%EC%B9%B4%EB%8D%B0%EB%AF%B8-1%EA%B8%B0-%EB%AA%A8%EC%A7%91";
    assert_eq!(
        store.legacy_redirect(seo).await.unwrap(),
        Some(format!("/b/youth/{y12}"))
    );
    assert_eq!(redirect("/bbs/board.php?bo_table=nope").await, None);

    // Search finds imported posts.
    let query = madang_core::search::parse_query("탈북 청소년");
    if let Ok(query) = query {
        let results = store
            .search(&madang_store::SearchRequest::new(&query, now))
            .await
            .unwrap();
        assert!(results.total >= 2, "{results:?}");
    }
}
