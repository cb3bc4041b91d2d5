//! Imports the GnuBoard5 fixture (`shared/fixtures/gnuboard5`, made by GnuBoard5 itself) and
//! checks the result against the fixture's README: boards, posts per board, the reply tree,
//! the comment tree, attachments byte for byte, editor images, copy/move provenance,
//! members, roles and passwords, redirects, idempotency and the dry run.
//!
//! Runs on a fresh SQLite database, or on a fresh PostgreSQL database when
//! `MADANG_TEST_DATABASE_URL` names a server.

mod common;

use common::{Site, check_fixture};
use madang_import::Kind;
use madang_import::gnuboard::{ImportError, ImportOptions};

#[tokio::test]
async fn imports_the_fixture() {
    let site = Site::new().await;
    let report = site.import(&site.options()).await.expect("import");
    println!("{report}");
    check_fixture(&site, &report).await;
    site.finish().await;
}

#[tokio::test]
async fn a_second_import_changes_nothing() {
    let site = Site::new().await;
    let first = site.import(&site.options()).await.unwrap();
    let counts = site.store.import_table_counts().await.unwrap();
    let generation = site.store.generation().await.unwrap();
    let stored = site.stored_files();

    let second = site.import(&site.options()).await.unwrap();
    assert_eq!(second.total_imported(), 0, "{second}");
    for (kind, c) in &first.counts {
        assert_eq!(second.count(*kind).existing, c.imported, "{kind:?}");
    }
    assert_eq!(site.store.import_table_counts().await.unwrap(), counts);
    assert_eq!(site.store.generation().await.unwrap(), generation);
    assert_eq!(site.stored_files(), stored);
    site.finish().await;
}

#[tokio::test]
async fn a_dry_run_reports_and_changes_nothing() {
    let site = Site::new().await;
    let before = site.store.import_table_counts().await.unwrap();
    let generation = site.store.generation().await.unwrap();
    let mut options = site.options();
    options.dry_run = true;
    let dry = site.import(&options).await.unwrap();
    assert!(dry.dry_run);
    assert!(dry.to_string().contains("dry run"));
    assert_eq!(dry.count(Kind::Post).imported, 32);
    assert_eq!(dry.count(Kind::Attachment).imported, 10);
    assert_eq!(site.store.import_table_counts().await.unwrap(), before);
    assert_eq!(site.store.generation().await.unwrap(), generation);
    assert_eq!(site.stored_files(), 0);

    // The real run does what the dry run said.
    let real = site.import(&site.options()).await.unwrap();
    assert_eq!(real.counts, dry.counts);
    assert_eq!(real.skipped, dry.skipped);
    site.finish().await;
}

#[tokio::test]
async fn malformed_dumps_are_refused_and_change_nothing() {
    let site = Site::new().await;
    let before = site.store.import_table_counts().await.unwrap();
    let dump = std::fs::read_to_string(site.dir.join("fixture/dump.sql")).unwrap();
    let write = |name: &str, text: &str| {
        let path = site.dir.join(name);
        std::fs::write(&path, text).unwrap();
        let mut options = site.options();
        options.dump = path;
        options
    };

    // Cut in the middle of a posts table.
    let cut = dump.find("INSERT INTO `g5_write_youth`").unwrap() + 500;
    let truncated = write("truncated.sql", &dump[..cut]);
    let err = site.import(&truncated).await.unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");

    // Another prefix is found by itself; no config table at all is refused.
    let renamed = write("renamed.sql", &dump.replace("`g5_", "`gb5x_"));
    let report = site
        .import(&ImportOptions {
            dry_run: true,
            ..renamed
        })
        .await
        .unwrap();
    assert_eq!(report.prefix, "gb5x_");
    assert_eq!(report.count(Kind::Post).imported, 32);
    let no_config = write(
        "no_config.sql",
        &dump.replace("`g5_config`", "`g5_settings`"),
    );
    let err = site.import(&no_config).await.unwrap_err();
    assert!(matches!(err, ImportError::NotGnuboard(_)), "{err}");

    // A posts table without a column the importer needs.
    let broken = dump.replacen("  `wr_reply` varchar(10) NOT NULL,\n", "", 1);
    assert_ne!(broken, dump);
    let err = site
        .import(&write("broken.sql", &broken))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("g5_write_advocacy lacks columns wr_reply"),
        "{err}"
    );

    assert_eq!(site.store.import_table_counts().await.unwrap(), before);
    assert_eq!(site.stored_files(), 0);
    site.finish().await;
}

#[tokio::test]
async fn a_board_named_like_a_madang_page_moves_aside() {
    let site = Site::new().await;
    let dump = std::fs::read_to_string(site.dir.join("fixture/dump.sql")).unwrap();
    let path = site.dir.join("search.sql");
    std::fs::write(&path, dump.replace("bbs_active_news", "search")).unwrap();
    std::fs::rename(
        site.dir.join("fixture/data/file/bbs_active_news"),
        site.dir.join("fixture/data/file/search"),
    )
    .unwrap();
    let mut options = site.options();
    options.dump = path;
    let report = site.import(&options).await.unwrap();
    assert_eq!(report.count(Kind::Board).imported, 5);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("/b/search_board"))
    );
    let board = site.store.board("search_board").await.unwrap().unwrap();
    assert_eq!(board.post_count, 6);
    assert_eq!(
        site.store
            .legacy_redirect("/bbs/board.php?bo_table=search")
            .await
            .unwrap()
            .as_deref(),
        Some("/b/search_board")
    );
    assert_eq!(report.count(Kind::Provenance).imported, 2);
    site.finish().await;
}

#[tokio::test]
async fn double_encoded_text_is_repaired_and_reported() {
    use madang_import::encoding::double_encode;
    let site = Site::new().await;
    let dump = std::fs::read_to_string(site.dir.join("fixture/dump.sql")).unwrap();
    // A subject, a member's nick and a post's author name as a latin1 round trip leaves
    // them: `ë¹›ë‚˜ë¦¬` for 빛나리.
    let subject = "2023년 청소년 리더십 아카데미 1기 모집";
    let damaged = dump
        .replace(
            &format!("'{subject}'"),
            &format!("'{}'", double_encode(subject)),
        )
        .replace("'빛나리'", &format!("'{}'", double_encode("빛나리")));
    assert!(damaged.contains("ë¹›ë‚˜ë¦¬"));
    let path = site.dir.join("damaged.sql");
    std::fs::write(&path, damaged).unwrap();
    let mut options = site.options();
    options.dump = path;
    let report = site.import(&options).await.unwrap();
    println!("{report}");
    assert_eq!(report.repaired_text, 3, "{report}");
    assert_eq!(report.warnings.len(), 3, "{:?}", report.warnings);
    for (table, column) in [
        ("g5_member", "mb_nick"),
        ("g5_write_rescue", "wr_name"),
        ("g5_write_youth", "wr_subject"),
    ] {
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.starts_with(&format!("table {table}: 1 text"))
                    && w.contains(column)
                    && w.contains("double-encoded")),
            "{table}: {:?}",
            report.warnings
        );
    }
    assert_eq!(report.count(Kind::Post).imported, 32);

    let now = jiff::Timestamp::now();
    let youth = site.store.board("youth").await.unwrap().unwrap();
    let y12 = site.post_id("youth", 12).await;
    let post = site.store.post(youth.id, y12, now).await.unwrap().unwrap();
    assert_eq!(post.title, subject);
    // The short address made from the title works as it did on the old site.
    let seo = "/youth/2023%EB%85%84-%EC%B2%AD%EC%86%8C%EB%85%84-%EB%A6%AC%EB%8D%94%EC%8B%AD-%EC%95%84%EC%B9%B4%EB%8D%B0%EB%AF%B8-1%EA%B8%B0-%EB%AA%A8%EC%A7%91";
    assert_eq!(
        site.store.legacy_redirect(seo).await.unwrap(),
        Some(format!("/b/youth/{y12}"))
    );
    let rescue = site.store.board("rescue").await.unwrap().unwrap();
    let r6 = site.post_id("rescue", 6).await;
    let post = site.store.post(rescue.id, r6, now).await.unwrap().unwrap();
    assert_eq!(post.author_name, "빛나리");
    site.finish().await;
}
