//! Imports the GnuBoard5 fixture from a live MariaDB/MySQL database: the fixture's dump is
//! loaded into a fresh database (random name, dropped afterwards) with the `mariadb` client,
//! and the import must give what the import of the dump file gives.
//!
//! The server is `MADANG_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/`, the
//! MariaDB of the development machine). When it cannot be reached the tests are skipped
//! with a message, or fail when `CI` is set.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{Site, check_fixture, fixture, unique_name};
use madang_import::dump::{DumpReader, Statement, Value};
use madang_import::gnuboard::ImportOptions;
use madang_import::mysql::LiveDb;
use madang_import::{Kind, Report};
use sqlx::{Connection, Executor, MySqlConnection};

fn server() -> String {
    std::env::var("MADANG_TEST_MYSQL_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "mysql://root@127.0.0.1:3306/".to_owned())
}

/// A database holding the fixture, dropped by [`Loaded::drop_database`].
struct Loaded {
    name: String,
    url: String,
}

/// `mysql://user[:pass]@host[:port]/` → (user, password, host, port).
fn parts(server: &str) -> (String, Option<String>, String, u16) {
    let rest = server.split_once("://").map(|(_, r)| r).unwrap_or(server);
    let rest = rest.split(['/', '?']).next().unwrap_or(rest);
    let (userinfo, hostport) = rest.rsplit_once('@').unwrap_or(("root", rest));
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (u.to_owned(), Some(p.to_owned())),
        None => (userinfo.to_owned(), None),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h.to_owned(), p.parse().unwrap_or(3306)),
        None => (hostport.to_owned(), 3306),
    };
    (user, password, host, port)
}

fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (server, String::new()),
    };
    let base = base.trim_end_matches('/');
    // `mysql://user@host:port` or `mysql://user@host:port/olddb`.
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    format!("{base}/{name}{query}")
}

/// Loads `dump` into a fresh database; `None` (skip) when no server answers outside CI.
async fn load(dump: &Path) -> Option<Loaded> {
    let server = server();
    let mut admin = match MySqlConnection::connect(&server).await {
        Ok(c) => c,
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("CI is set but MariaDB at {server} cannot be reached: {e}");
            }
            println!("skipped: MariaDB at {server} cannot be reached ({e})");
            return None;
        }
    };
    let name = unique_name("madang_g5");
    admin
        .execute(&*format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
        ))
        .await
        .unwrap();
    admin.close().await.unwrap();
    let url = with_database(&server, &name);

    // The mariadb (or mysql) client, as a site's administrator loads a dump.
    let (user, password, host, port) = parts(&server);
    let mut loaded = false;
    for client in ["mariadb", "mysql"] {
        let mut command = Command::new(client);
        command
            .arg("--protocol=TCP")
            .arg(format!("--host={host}"))
            .arg(format!("--port={port}"))
            .arg(format!("--user={user}"))
            .arg("--default-character-set=utf8mb4");
        if let Some(p) = &password {
            command.env("MYSQL_PWD", p);
        }
        let Ok(file) = std::fs::File::open(dump) else {
            panic!("cannot open {}", dump.display());
        };
        let status = command
            .arg(&name)
            .stdin(Stdio::from(file))
            .stdout(Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => {
                loaded = true;
                break;
            }
            Ok(s) => panic!("{client} could not load {}: {s}", dump.display()),
            Err(_) => continue, // not installed
        }
    }
    if !loaded {
        // No client: run the dump's statements ourselves.
        let mut conn = MySqlConnection::connect(&url).await.unwrap();
        let file = std::io::BufReader::new(std::fs::File::open(dump).unwrap());
        let mut reader = DumpReader::new(file);
        while let Some(raw) = reader.next_raw().unwrap() {
            let sql = String::from_utf8(raw.text).unwrap();
            sqlx::raw_sql(&sql).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    }
    Some(Loaded { name, url })
}

impl Loaded {
    async fn execute(&self, sql: &str) {
        let mut conn = MySqlConnection::connect(&self.url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }

    async fn drop_database(self) {
        let mut admin = MySqlConnection::connect(&server()).await.unwrap();
        admin
            .execute(&*format!("DROP DATABASE IF EXISTS `{}`", self.name))
            .await
            .unwrap();
        admin.close().await.unwrap();
    }
}

fn mysql_options(site: &Site, db: &Loaded) -> ImportOptions {
    ImportOptions::from_mysql(&db.url, site.dir.join("fixture/data"))
}

/// What must be the same whichever way the site was read.
fn same_outcome(from_dump: &Report, from_db: &Report) {
    assert_eq!(from_db.prefix, from_dump.prefix);
    assert_eq!(from_db.counts, from_dump.counts);
    assert_eq!(from_db.skipped, from_dump.skipped);
    assert_eq!(from_db.warnings, from_dump.warnings);
    assert_eq!(from_db.not_carried, from_dump.not_carried);
}

#[tokio::test]
async fn imports_the_fixture_from_mariadb() {
    let Some(db) = load(&fixture().join("dump.sql")).await else {
        return;
    };
    let site = Site::new().await;
    let report = site
        .import(&mysql_options(&site, &db))
        .await
        .expect("import");
    println!("{report}");
    assert_eq!(report.source, format!("gnuboard5:{}/g5_", db.name));
    check_fixture(&site, &report).await;

    // The same report as from the dump file.
    let other = Site::new().await;
    let from_dump = other.import(&other.options()).await.unwrap();
    same_outcome(&from_dump, &report);
    other.finish().await;

    // A second run from the database changes nothing.
    let counts = site.store.import_table_counts().await.unwrap();
    let again = site.import(&mysql_options(&site, &db)).await.unwrap();
    assert_eq!(again.total_imported(), 0, "{again}");
    assert_eq!(site.store.import_table_counts().await.unwrap(), counts);
    site.finish().await;
    db.drop_database().await;
}

#[tokio::test]
async fn the_database_gives_the_rows_of_its_dump() {
    let Some(db) = load(&fixture().join("dump.sql")).await else {
        return;
    };
    // Every table of the dump, with its columns and rows as the dump reader reads them.
    let file = std::io::BufReader::new(std::fs::File::open(fixture().join("dump.sql")).unwrap());
    let mut reader = DumpReader::new(file);
    let mut dumped: Vec<(String, Vec<String>, Vec<Vec<Value>>)> = Vec::new();
    while let Some((_, statement)) = reader.next_statement(&|_| false).unwrap() {
        match statement {
            Statement::CreateTable { table, columns } => dumped.push((table, columns, Vec::new())),
            Statement::Insert { table, rows, .. } => {
                let t = dumped.iter_mut().find(|t| t.0 == table).unwrap();
                t.2.extend(rows);
            }
            Statement::Other(_) => {}
        }
    }
    let mut live = LiveDb::connect(&db.url).await.unwrap();
    assert_eq!(live.database, db.name);
    assert_eq!(live.charset, "utf8mb4");
    let mut names: Vec<&str> = live.tables.iter().map(|t| t.name.as_str()).collect();
    names.sort();
    let mut expected: Vec<&str> = dumped.iter().map(|t| t.0.as_str()).collect();
    expected.sort();
    assert_eq!(names, expected);
    let mut rows_seen = 0;
    for (table, columns, rows) in &dumped {
        let t = live.table(table).unwrap();
        let live_columns: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(&live_columns, columns, "{table}");
        let live_rows = live.rows(table).await.unwrap();
        assert_eq!(&live_rows, rows, "{table}");
        assert_eq!(live.count(table).await.unwrap(), rows.len() as u64);
        rows_seen += rows.len();
    }
    assert!(rows_seen > 100, "{rows_seen}");
    // Zero dates come as mysqldump writes them.
    let members = live.rows("g5_member").await.unwrap();
    assert!(
        members
            .iter()
            .flatten()
            .any(|v| *v == Value::Text("0000-00-00 00:00:00".into()))
    );
    assert_eq!(live.invalid_utf8, 0);
    live.close().await;
    db.drop_database().await;
}

#[tokio::test]
async fn the_dump_then_the_database_changes_nothing() {
    // The dump's header names the database the test made, as it would on a real site, so
    // that the default source names agree.
    let site = Site::new().await;
    let Some(db) = load(&fixture().join("dump.sql")).await else {
        site.finish().await;
        return;
    };
    let dump = std::fs::read_to_string(site.dir.join("fixture/dump.sql")).unwrap();
    let renamed = dump.replacen("Database: g5a", &format!("Database: {}", db.name), 1);
    let path = site.dir.join("site.sql");
    std::fs::write(&path, renamed).unwrap();
    let mut from_dump = site.options();
    from_dump.dump = path;
    let first = site.import(&from_dump).await.unwrap();
    assert_eq!(first.count(Kind::Post).imported, 32);
    let counts = site.store.import_table_counts().await.unwrap();
    let generation = site.store.generation().await.unwrap();
    let stored = site.stored_files();

    let second = site.import(&mysql_options(&site, &db)).await.unwrap();
    assert_eq!(second.source, first.source);
    assert_eq!(second.total_imported(), 0, "{second}");
    for (kind, c) in &first.counts {
        assert_eq!(second.count(*kind).existing, c.imported, "{kind:?}");
    }
    assert_eq!(site.store.import_table_counts().await.unwrap(), counts);
    assert_eq!(site.store.generation().await.unwrap(), generation);
    assert_eq!(site.stored_files(), stored);
    site.finish().await;
    db.drop_database().await;
}

#[tokio::test]
async fn a_latin1_column_holding_utf8_is_repaired() {
    let Some(db) = load(&fixture().join("dump.sql")).await else {
        return;
    };
    // What old GnuBoard installs have: UTF-8 bytes in a latin1 column. Through VARBINARY
    // the bytes stay as they are; read over utf8mb4 they come out double-encoded.
    db.execute(
        "ALTER TABLE g5_write_youth MODIFY wr_subject VARBINARY(255) NOT NULL; \
         ALTER TABLE g5_write_youth MODIFY wr_subject VARCHAR(255) CHARACTER SET latin1 NOT NULL",
    )
    .await;
    let mut live = LiveDb::connect(&db.url).await.unwrap();
    let rows = live.rows("g5_write_youth").await.unwrap();
    let index = live
        .table("g5_write_youth")
        .unwrap()
        .columns
        .iter()
        .position(|c| c.name == "wr_subject")
        .unwrap();
    let damaged = rows
        .iter()
        .filter(|r| !r[index].as_str().is_ascii())
        .count() as u64;
    assert!(
        rows.iter()
            .any(|r| r[index].as_str().starts_with("2023ë…„")),
        "{:?}",
        rows.iter().map(|r| r[index].as_str()).collect::<Vec<_>>()
    );
    live.close().await;

    let site = Site::new().await;
    let report = site.import(&mysql_options(&site, &db)).await.unwrap();
    println!("{report}");
    assert!(damaged >= 7, "{damaged}");
    assert_eq!(report.repaired_text, damaged);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].starts_with(&format!("table g5_write_youth: {damaged} text")));
    assert!(report.warnings[0].contains("wr_subject"));
    let now = jiff::Timestamp::now();
    let youth = site.store.board("youth").await.unwrap().unwrap();
    let post = site
        .store
        .post(youth.id, site.post_id("youth", 7).await, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(post.title, "멘토링 프로그램 후기 — 질문 있어요");
    site.finish().await;
    db.drop_database().await;
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_error() {
    let site = Site::new().await;
    let options = ImportOptions::from_mysql(
        "mysql://nobody:secret@127.0.0.1:1/g5",
        site.dir.join("fixture/data"),
    );
    let err = site.import(&options).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("the database mysql://nobody:***@127.0.0.1:1/g5:"),
        "{text}"
    );
    assert!(!text.contains("secret"));
    assert_eq!(site.store.import_table_counts().await.unwrap(), {
        let fresh = Site::new().await;
        let c = fresh.store.import_table_counts().await.unwrap();
        fresh.finish().await;
        c
    });
    site.finish().await;
}
