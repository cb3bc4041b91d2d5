//! `madang check` finds problems without changing anything, and a data folder from a newer
//! Madang is refused with a clear message.

use std::process::Command;

use madang_files::Files;
use madang_store::Store;

async fn demo_folder(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("madang-check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::connect(&format!("sqlite:{}", dir.join("madang.db").display()))
        .await
        .unwrap();
    let files = Files::local(&dir.join("files")).unwrap();
    madang::demo::install(&store, &files, Default::default())
        .await
        .unwrap();
    store.close().await;
    dir
}

fn check(dir: &std::path::Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_madang"))
        .args(["check", "--data-dir"])
        .arg(dir)
        .env_remove("MADANG_DATABASE_URL")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[tokio::test]
async fn a_healthy_site_passes_and_a_missing_file_is_named() {
    let dir = demo_folder("files").await;
    // Everything into the main file first, so its bytes are the whole database (in WAL
    // mode, recent writes may otherwise still sit in the -wal file).
    {
        use sqlx::Connection;
        let url = format!("sqlite:{}", dir.join("madang.db").display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let before = std::fs::read(dir.join("madang.db")).unwrap();
    let (ok, text) = check(&dir);
    assert!(ok, "{text}");
    assert!(text.contains("no problems found"), "{text}");
    assert_eq!(
        std::fs::read(dir.join("madang.db")).unwrap(),
        before,
        "nothing changed"
    );

    // Take the demo's PDF away from storage.
    let store = Store::connect(&format!("sqlite:{}", dir.join("madang.db").display()))
        .await
        .unwrap();
    let key = store.referenced_storage_keys().await.unwrap().remove(0);
    store.close().await;
    std::fs::remove_file(dir.join("files").join(&key)).unwrap();
    let (ok, text) = check(&dir);
    assert!(!ok);
    assert!(
        text.contains(&format!("a stored file is missing: {key}")),
        "{text}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn data_from_a_newer_madang_is_refused_clearly() {
    let dir = demo_folder("newer").await;
    let url = format!("sqlite:{}", dir.join("madang.db").display());
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
             VALUES (99990101, 'from the future', CURRENT_TIMESTAMP, TRUE, X'00', 0)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }
    let (ok, text) = check(&dir);
    assert!(!ok);
    assert!(text.contains("newer than this program's"), "{text}");
    let error = Store::connect(&url)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.contains("written by a newer Madang (database schema version 99990101"),
        "{error}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_damaged_database_is_named_by_check_and_refused_by_serve() {
    let dir = demo_folder("damaged").await;
    let db = dir.join("madang.db");
    // The last connection's checkpoint runs on sqlx's worker thread after `close`
    // returns, and would write the intact pages back: wait until SQLite removed the WAL.
    let wal = format!("{}-wal", db.display());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::path::Path::new(&wal).exists() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Overwrite the header and the first pages, as a failing disk or a bad copy would.
    let mut bytes = std::fs::read(&db).unwrap();
    for (i, b) in bytes.iter_mut().take(8192).enumerate() {
        *b = (i * 7 % 256) as u8;
    }
    std::fs::write(&db, &bytes).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let before = std::fs::read(&db).unwrap();

    let (ok, text) = check(&dir);
    assert!(!ok, "check passed a damaged database: {text}");
    assert!(text.contains("cannot be read"), "{text}");
    assert!(text.contains("madang restore"), "{text}");

    let output = Command::new(env!("CARGO_BIN_EXE_madang"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .env_remove("MADANG_DATABASE_URL")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("is damaged"), "{stderr}");
    assert!(stderr.contains("madang restore"), "{stderr}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the damaged file was changed"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
