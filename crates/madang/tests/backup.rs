//! `madang backup` / `restore` / `backup --verify`: a round trip gives the same rows in every
//! table and the same bytes in every stored file, on SQLite, on PostgreSQL (when
//! `MADANG_TEST_DATABASE_URL` is set) and across the two; damaged archives are caught; a
//! non-empty data folder is refused.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::TestSite;
use madang::backup::{self, Progress};
use madang_core::copy_line::CopyLineLanguage;
use madang_files::Files;
use madang_store::Store;
use madang_store::backup::Row;
use sha2::{Digest, Sha256};
use sqlx::Connection;

fn temp_path(tag: &str) -> PathBuf {
    let mut random = [0u8; 6];
    rand::fill(&mut random);
    std::env::temp_dir().join(format!(
        "madang_backup_{tag}_{}_{}",
        std::process::id(),
        hex::encode(random)
    ))
}

fn postgres_server() -> Option<String> {
    std::env::var("MADANG_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Where a restore goes: a data folder that does not exist yet, and a database.
struct Target {
    dir: PathBuf,
    url: String,
    postgres: Option<(String, String)>,
}

impl Target {
    fn sqlite(tag: &str) -> Target {
        let dir = temp_path(tag);
        Target {
            url: format!("sqlite:{}", dir.join("madang.db").display()),
            dir,
            postgres: None,
        }
    }

    /// A fresh PostgreSQL database, made as the harness does.
    async fn postgres(server: &str, tag: &str) -> Target {
        let name = temp_path(tag)
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let mut admin = sqlx::PgConnection::connect(server).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(server);
        Target {
            dir: temp_path(tag),
            url: format!("{base}/{name}"),
            postgres: Some((server.to_owned(), name)),
        }
    }

    /// The same backend as the harness's sites.
    async fn like_harness(tag: &str) -> Target {
        match postgres_server() {
            Some(server) => Target::postgres(&server, tag).await,
            None => Target::sqlite(tag),
        }
    }

    async fn restore(&self, archive: &Path) -> backup::RestoreReport {
        backup::restore(archive, &self.dir, &self.url, &Progress::Quiet)
            .await
            .expect("restore")
    }

    async fn open(&self) -> (Store, Files) {
        let store = Store::connect(&self.url)
            .await
            .expect("open the restored site");
        let files = Files::local(&self.dir.join("files")).unwrap();
        (store, files)
    }

    async fn finish(self) {
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

/// An SQLite demo site whatever the harness runs on, with its folder.
async fn sqlite_demo() -> (Store, Files, PathBuf) {
    let dir = temp_path("sqlite_site");
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::connect(&format!("sqlite:{}", dir.join("madang.db").display()))
        .await
        .unwrap();
    let files = Files::local(&dir.join("files")).unwrap();
    madang::demo::install(&store, &files, CopyLineLanguage::Korean)
        .await
        .unwrap();
    give_korean_titles(&store).await;
    (store, files, dir)
}

/// Korean titles for the first menu group and board, so the title tables have rows.
async fn give_korean_titles(store: &Store) {
    let actor = madang_store::ActorRef {
        id: None,
        name: "test",
        ip: "",
    };
    let now = jiff::Timestamp::now();
    let korean = |title: &str| BTreeMap::from([("ko".to_owned(), title.to_owned())]);
    let group = store.groups().await.unwrap()[0].clone();
    let settings = madang_store::GroupSettings {
        title: group.title,
        titles: korean("우리의 활동"),
    };
    store
        .update_group(group.id, &settings, actor, now)
        .await
        .unwrap();
    let board = store.boards().await.unwrap()[0].clone();
    let settings = madang_store::BoardSettings {
        title: board.title,
        titles: korean("옹호와 캠페인"),
        group_id: board.group_id,
        title_len: board.title_len,
        excerpt_len: board.excerpt_len,
        page_size: board.page_size,
        list_order: board.list_order,
        // Not the defaults, so the round trip shows the columns travel.
        list_style: madang_core::ListStyle::Gallery,
        home_count: 3,
        levels: board.levels,
        uploads: madang_core::uploads::UploadLimits {
            max_files: 3,
            max_file_mb: 5,
            kinds: madang_core::uploads::FileKinds::of(&[madang_core::uploads::FileKind::Pdf]),
        },
        categories: vec!["성명".into(), "보도자료".into()],
    };
    store
        .update_board(board.id, &settings, actor, now)
        .await
        .unwrap();
}

/// Every storage key the rows refer to.
fn storage_keys(rows: &BTreeMap<String, Vec<Row>>) -> Vec<String> {
    let mut keys: Vec<String> = ["attachments", "legacy_files"]
        .iter()
        .flat_map(|t| rows.get(*t).into_iter().flatten())
        .map(|r| r["storage_key"].as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Same rows in every table, same bytes in every stored file.
async fn assert_identical(a: (&Store, &Files), b: (&Store, &Files)) {
    let rows_a = a.0.all_rows().await.unwrap();
    let rows_b = b.0.all_rows().await.unwrap();
    for table in [
        "settings",
        "members",
        "menu_groups",
        "boards",
        "posts",
        "attachments",
        "audit_log",
        "comments",
        "legacy_files",
        "board_titles",
        "group_titles",
    ] {
        assert!(rows_a.contains_key(table), "{table} is compared");
    }
    assert!(!rows_a["posts"].is_empty() && !rows_a["attachments"].is_empty());
    assert_eq!(
        rows_a.keys().collect::<Vec<_>>(),
        rows_b.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &rows_a {
        assert_eq!(rows.len(), rows_b[table].len(), "row count of {table}");
        for (x, y) in rows.iter().zip(&rows_b[table]) {
            assert_eq!(x, y, "a row of {table}");
        }
    }
    let keys = storage_keys(&rows_a);
    assert!(!keys.is_empty());
    for key in keys {
        let x = a.1.read(&key).await.unwrap();
        let y = b.1.read(&key).await.expect("the stored file is restored");
        assert_eq!(
            hex::encode(Sha256::digest(&x)),
            hex::encode(Sha256::digest(&y)),
            "stored file {key}"
        );
    }
}

#[tokio::test]
async fn backup_and_restore_give_an_identical_site() {
    let site = TestSite::demo().await;
    site.member("editor", 5, false).await;
    give_korean_titles(site.store()).await;
    std::fs::write(
        site.dir.join("madang.toml"),
        "time_zone = \"Asia/Seoul\"\ndatabase_url = \"sqlite:/nowhere/old.db\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(site.dir.join("theme/static")).unwrap();
    std::fs::write(site.dir.join("theme/static/extra.css"), "body{color:red}").unwrap();
    let archives = temp_path("archives");
    std::fs::create_dir_all(&archives).unwrap();
    let archive = archives.join("site.tar.gz");

    let written = backup::backup(
        site.store(),
        site.state.files(),
        &site.dir,
        &archive,
        &Progress::Quiet,
    )
    .await
    .unwrap();
    let manifest = &written.manifest;
    assert_eq!(manifest.backend, site.store().backend());
    assert_eq!(
        manifest.schema_version,
        madang_store::backup::schema_version(site.store().backend())
    );
    assert!(!manifest.files.is_empty() && manifest.missing_files.is_empty());
    for path in ["madang.toml", "theme/static/extra.css"] {
        assert!(manifest.members.iter().any(|m| m.path == path), "{path}");
    }
    // Nothing but the archive is left beside it.
    assert_eq!(std::fs::read_dir(&archives).unwrap().count(), 1);

    let verified = backup::verify(&archive, &Progress::Quiet).unwrap();
    assert!(verified.is_ok(), "{verified}");
    assert_eq!(verified.manifest.as_ref(), Some(manifest));

    let target = Target::like_harness("same").await;
    let report = target.restore(&archive).await;
    assert_eq!(report.files, manifest.files.len());
    let (store, files) = target.open().await;
    assert_identical((site.store(), site.state.files()), (&store, &files)).await;
    let titles = store.local_titles().await.unwrap();
    assert!(!titles.boards.is_empty() && !titles.groups.is_empty());
    assert_eq!(titles, site.store().local_titles().await.unwrap());
    assert_eq!(
        std::fs::read(target.dir.join("theme/static/extra.css")).unwrap(),
        b"body{color:red}"
    );
    let settings = std::fs::read_to_string(target.dir.join("madang.toml")).unwrap();
    assert!(settings.contains("time_zone = \"Asia/Seoul\""));
    assert!(settings.contains("# (madang restore) database_url"));
    assert!(report.notes.iter().any(|n| n.contains("database_url")));
    // New rows get new ids after a restore (PostgreSQL identity sequences were reset).
    let hash = madang_core::password::hash("another long password").unwrap();
    let member = store
        .create_member(
            &madang_store::NewMember {
                login: "after",
                nickname: "after",
                email: "",
                password_hash: &hash,
                level: madang_core::Level::new(2).unwrap(),
                is_super_admin: false,
            },
            jiff::Timestamp::now(),
        )
        .await
        .expect("a new member after the restore");
    assert!(member.id > 1);
    store.close().await;
    target.finish().await;
    std::fs::remove_dir_all(&archives).unwrap();
    site.finish().await;
}

#[tokio::test]
async fn backups_restore_across_backends() {
    let Some(server) = postgres_server() else {
        eprintln!("MADANG_TEST_DATABASE_URL is not set: the cross-backend round trip is skipped");
        return;
    };
    let (store, files, dir) = sqlite_demo().await;
    let archives = temp_path("cross");
    std::fs::create_dir_all(&archives).unwrap();

    // SQLite → PostgreSQL.
    let first = archives.join("sqlite.tar.gz");
    backup::backup(&store, &files, &dir, &first, &Progress::Quiet)
        .await
        .unwrap();
    let pg = Target::postgres(&server, "to_pg").await;
    let report = pg.restore(&first).await;
    assert!(report.rows.unwrap() > 0);
    let (pg_store, pg_files) = pg.open().await;
    assert_identical((&store, &files), (&pg_store, &pg_files)).await;

    // PostgreSQL → SQLite.
    let second = archives.join("postgres.tar");
    let written = backup::backup(&pg_store, &pg_files, &pg.dir, &second, &Progress::Quiet)
        .await
        .unwrap();
    assert_eq!(written.manifest.backend, "postgres");
    let back = Target::sqlite("to_sqlite");
    back.restore(&second).await;
    let (back_store, back_files) = back.open().await;
    assert_identical((&store, &files), (&back_store, &back_files)).await;

    for s in [&store, &pg_store, &back_store] {
        s.close().await;
    }
    pg.finish().await;
    back.finish().await;
    std::fs::remove_dir_all(&archives).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn verify_catches_a_damaged_archive() {
    let site = TestSite::demo().await;
    let archives = temp_path("damaged");
    std::fs::create_dir_all(&archives).unwrap();
    let plain = archives.join("site.tar");
    let written = backup::backup(
        site.store(),
        site.state.files(),
        &site.dir,
        &plain,
        &Progress::Quiet,
    )
    .await
    .unwrap();
    assert!(backup::verify(&plain, &Progress::Quiet).unwrap().is_ok());

    // Flip one byte inside a stored file in the archive.
    let key = written.manifest.files[0].clone();
    let stored = site.state.files().read(&key).await.unwrap();
    let mut bytes = std::fs::read(&plain).unwrap();
    let at = bytes
        .windows(stored.len())
        .position(|w| w == &stored[..])
        .expect("the stored file is in the archive uncompressed");
    bytes[at + stored.len() / 2] ^= 0x01;
    let damaged = archives.join("damaged.tar");
    std::fs::write(&damaged, &bytes).unwrap();
    let report = backup::verify(&damaged, &Progress::Quiet).unwrap();
    assert!(!report.is_ok());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains(&format!("files/{key}")) && p.contains("damaged")),
        "{report}"
    );

    // The command exits non-zero on it, zero on the sound archive.
    let madang = env!("CARGO_BIN_EXE_madang");
    let bad = std::process::Command::new(madang)
        .args(["backup", "--verify"])
        .arg(&damaged)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stdout).contains("damaged"));
    let good = std::process::Command::new(madang)
        .args(["backup", "--verify"])
        .arg(&plain)
        .output()
        .unwrap();
    assert!(good.status.success(), "{good:?}");

    // A restore of the damaged archive changes nothing.
    let target = Target::sqlite("from_damaged");
    let error = backup::restore(&damaged, &target.dir, &target.url, &Progress::Quiet)
        .await
        .unwrap_err();
    assert!(format!("{error:#}").contains("failed verification"));
    assert!(!target.dir.exists());

    // A flipped byte in a compressed archive is caught too.
    let compressed = archives.join("site.tar.gz");
    backup::backup(
        site.store(),
        site.state.files(),
        &site.dir,
        &compressed,
        &Progress::Quiet,
    )
    .await
    .unwrap();
    let mut bytes = std::fs::read(&compressed).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&compressed, &bytes).unwrap();
    assert!(
        !backup::verify(&compressed, &Progress::Quiet)
            .unwrap()
            .is_ok()
    );

    // So is a truncated archive.
    std::fs::write(&damaged, &std::fs::read(&plain).unwrap()[..bytes.len() / 3]).unwrap();
    assert!(!backup::verify(&damaged, &Progress::Quiet).unwrap().is_ok());

    std::fs::remove_dir_all(&archives).unwrap();
    site.finish().await;
}

#[tokio::test]
async fn restore_refuses_a_non_empty_folder() {
    let site = TestSite::demo().await;
    let archives = temp_path("refuse");
    std::fs::create_dir_all(&archives).unwrap();
    let archive = archives.join("site.tar.gz");
    backup::backup(
        site.store(),
        site.state.files(),
        &site.dir,
        &archive,
        &Progress::Quiet,
    )
    .await
    .unwrap();

    let target = Target::sqlite("non_empty");
    std::fs::create_dir_all(&target.dir).unwrap();
    std::fs::write(target.dir.join("notes.txt"), "keep me").unwrap();
    let error = backup::restore(&archive, &target.dir, &target.url, &Progress::Quiet)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("is not empty"), "{error}");
    let left: Vec<_> = std::fs::read_dir(&target.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["notes.txt"]);
    assert_eq!(
        std::fs::read_to_string(target.dir.join("notes.txt")).unwrap(),
        "keep me"
    );

    // The command says so and fails.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_madang"))
        .arg("--data-dir")
        .arg(&target.dir)
        .arg("restore")
        .arg(&archive)
        .env_remove("MADANG_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not empty"));

    // A database that already has rows is refused as well.
    if let Some(server) = postgres_server() {
        let pg = Target::postgres(&server, "non_empty_db").await;
        let store = Store::connect(&pg.url).await.unwrap();
        store.set_setting("x", "y").await.unwrap();
        store.close().await;
        let error = backup::restore(&archive, &pg.dir, &pg.url, &Progress::Quiet)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("not empty"), "{error}");
        assert!(!pg.dir.exists());
        pg.finish().await;
    }

    target.finish().await;
    std::fs::remove_dir_all(&archives).unwrap();
    site.finish().await;
}

#[tokio::test]
async fn the_commands_back_up_and_restore_a_data_folder() {
    let (store, files, dir) = sqlite_demo().await;
    let archives = temp_path("cli");
    std::fs::create_dir_all(&archives).unwrap();
    let archive = archives.join("nightly.tar.gz");
    let madang = env!("CARGO_BIN_EXE_madang");
    // The site stays open (as a running server would keep it) while the backup runs.
    let output = std::process::Command::new(madang)
        .arg("--data-dir")
        .arg(&dir)
        .arg("backup")
        .arg(&archive)
        .env_remove("MADANG_DATABASE_URL")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("backup written"));

    let target = Target::sqlite("cli_restore");
    let output = std::process::Command::new(madang)
        .arg("--data-dir")
        .arg(&target.dir)
        .arg("restore")
        .arg(&archive)
        .env_remove("MADANG_DATABASE_URL")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let (restored, restored_files) = target.open().await;
    assert_identical((&store, &files), (&restored, &restored_files)).await;
    // The restored SQLite file is the snapshot, placed as it is: no work files remain.
    let mut left: Vec<String> = std::fs::read_dir(&target.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("madang.db-"))
        .collect();
    left.sort();
    assert_eq!(left, ["files", "madang.db"]);

    restored.close().await;
    store.close().await;
    target.finish().await;
    std::fs::remove_dir_all(&archives).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn an_imported_site_round_trips_with_threads_comments_and_legacy_files() {
    const DUMP: &str = "../../fixtures/gnuboard5/dump.sql";
    const DATA: &str = "../../fixtures/gnuboard5/data";
    let site = TestSite::empty().await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = madang_import::ImportOptions::new(root.join(DUMP), root.join(DATA));
    madang_import::import(site.store(), site.state.files(), &options, &mut |_| {})
        .await
        .expect("the fixture imports");
    let rows = site.store().all_rows().await.unwrap();
    // Self-references are loaded in a second pass: make sure there are some.
    assert!(rows["posts"].iter().any(|r| !r["parent_id"].is_null()));
    assert!(rows["comments"].iter().any(|r| !r["parent_id"].is_null()));
    assert!(!rows["legacy_files"].is_empty() && !rows["legacy_urls"].is_empty());

    let archives = temp_path("imported");
    std::fs::create_dir_all(&archives).unwrap();
    let archive = archives.join("imported.tar.gz");
    backup::backup(
        site.store(),
        site.state.files(),
        &site.dir,
        &archive,
        &Progress::Quiet,
    )
    .await
    .unwrap();
    let mut targets = vec![Target::like_harness("imported_same").await];
    if postgres_server().is_some() {
        // PostgreSQL → SQLite as well (the other way is covered above).
        targets.push(Target::sqlite("imported_other"));
    }
    for target in targets {
        target.restore(&archive).await;
        let (store, files) = target.open().await;
        assert_identical((site.store(), site.state.files()), (&store, &files)).await;
        store.close().await;
        target.finish().await;
    }
    std::fs::remove_dir_all(&archives).unwrap();
    site.finish().await;
}
