//! Issue 7, many machines: two real `madang serve` processes, each with its own data folder
//! and port, share one PostgreSQL database and one S3-compatible server (moto, from PyPI,
//! started by this test). A post with a PDF written through node A appears on node B's
//! cached list page within a second, its attachment downloads from node B, and a session
//! made on node A is valid on node B. No attachment touches either node's disk.
//!
//! It runs in the PostgreSQL pass of `.ci/run` (`MADANG_TEST_DATABASE_URL` set). Without
//! PostgreSQL or `moto_server` it is skipped with a message; with `CI` set, a missing
//! `moto_server` is a failure.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::process::{Reply, free_port, multipart, request, sign_in, wait_until_up};
use sqlx::Connection;

const BIN: &str = env!("CARGO_BIN_EXE_madang");
const PASSWORD: &str = "two nodes password 1";
const BUCKET: &str = "madang-two-nodes";
const PDF: &[u8] = b"%PDF-1.4\n% two nodes\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// A child process killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn moto_server() -> Option<PathBuf> {
    let dirs = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&dirs)
        .map(|dir| dir.join("moto_server"))
        .find(|p| p.is_file())
}

/// The S3 settings both nodes get, as an operator would set them.
fn s3_env(command: &mut Command, endpoint: &str) {
    command
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "madang-test")
        .env("AWS_SECRET_ACCESS_KEY", "madang-test-secret");
}

fn node(data: &Path, database: &str, endpoint: &str, addr: SocketAddr, demo: bool) -> Running {
    let mut command = Command::new(BIN);
    command
        .arg("--data-dir")
        .arg(data)
        .args(["--database-url", database])
        .args(["--storage", &format!("s3://{BUCKET}/site")])
        .args(["serve", "--listen", &addr.to_string()])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if demo {
        command.arg("--demo");
    }
    s3_env(&mut command, endpoint);
    Running(command.spawn().expect("start madang serve"))
}

async fn get(addr: SocketAddr, path: &str, cookie: Option<&str>) -> Reply {
    let headers: Vec<(&str, String)> = cookie
        .map(|c| vec![("Cookie", c.to_owned())])
        .unwrap_or_default();
    request(addr, "GET", path, &headers, b"")
        .await
        .unwrap_or_else(|e| panic!("GET {path} on {addr}: {e}"))
}

fn files_on_disk(data: &Path) -> usize {
    let files = data.join("files");
    if !files.exists() {
        return 0;
    }
    walk(&files)
}

fn walk(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { walk(&p) } else { 1 })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_database_and_one_bucket() {
    let server = match std::env::var("MADANG_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            eprintln!(
                "SKIPPED: needs PostgreSQL (MADANG_TEST_DATABASE_URL); .ci/run's second pass runs it"
            );
            return;
        }
    };
    let Some(moto) = moto_server() else {
        if std::env::var_os("CI").is_some() {
            panic!("moto_server is not installed (pip install 'moto[server]') and CI is set");
        }
        eprintln!("SKIPPED: moto_server is not installed (pip install 'moto[server]')");
        return;
    };

    // The S3 server, and the bucket (an operator creates it once).
    let s3_addr = free_port();
    let _s3 = Running(
        Command::new(moto)
            .args(["-H", "127.0.0.1", "-p", &s3_addr.port().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server"),
    );
    let endpoint = format!("http://{s3_addr}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match request(s3_addr, "PUT", &format!("/{BUCKET}"), &[], b"").await {
            Ok(reply) if reply.status == 200 => break,
            Ok(reply) => panic!("creating the bucket answered {}", reply.status),
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("moto_server did not come up in 60 s: {e}"),
        }
    }

    // One fresh database for both nodes.
    let name = format!(
        "madang_two_nodes_{}_{}",
        std::process::id(),
        rand::random::<u32>()
    );
    let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(&server);
    let database = format!("{base}/{name}");

    let root = std::env::temp_dir().join(&name);
    let (data_a, data_b) = (root.join("a"), root.join("b"));
    std::fs::create_dir_all(&data_a).unwrap();
    std::fs::create_dir_all(&data_b).unwrap();
    let (addr_a, addr_b) = (free_port(), free_port());
    let mut node_a = node(&data_a, &database, &endpoint, addr_a, true);
    wait_until_up(addr_a, &mut node_a.0).await;
    let mut node_b = node(&data_b, &database, &endpoint, addr_b, false);
    wait_until_up(addr_b, &mut node_b.0).await;

    // An administrator, added from the command line while both nodes run.
    let mut add = Command::new(BIN);
    add.arg("--data-dir")
        .arg(&data_a)
        .args(["--database-url", &database])
        .args([
            "user", "add", "--login", "editor", "--level", "10", "--admin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut add = add.spawn().unwrap();
    {
        use std::io::Write;
        writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    }
    let out = add.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The demo's PDF, stored by node A at start-up, downloads from node B.
    let list_b = get(addr_b, "/b/advocacy", None).await;
    assert_eq!(list_b.status, 200);
    let html = String::from_utf8_lossy(&list_b.body).into_owned();
    let first_post = common::post_links(&html, "advocacy")[0];
    let post_b = get(addr_b, &format!("/b/advocacy/{first_post}"), None).await;
    let post_html = String::from_utf8_lossy(&post_b.body).into_owned();
    let demo_file = post_html
        .split(&format!("href=\"/b/advocacy/{first_post}/files/"))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the demo post's attachment link");
    let demo_pdf = get(
        addr_b,
        &format!("/b/advocacy/{first_post}/files/{demo_file}"),
        None,
    )
    .await;
    assert_eq!(demo_pdf.status, 200);
    assert_eq!(demo_pdf.body, madang::demo::statement_pdf());

    // Node B's list page is cached (the download above changed a count, so render it once
    // more first).
    get(addr_b, "/b/advocacy", None).await;
    let cached = get(addr_b, "/b/advocacy", None).await;
    assert_eq!(cached.header("x-madang-cache"), Some("hit"));

    // Sign in on node A; the session is in the database, so node B knows it too.
    let (cookie, csrf) = sign_in(addr_a, "editor", PASSWORD).await;
    let admin_b = get(addr_b, "/admin", Some(&cookie)).await;
    assert_eq!(admin_b.status, 200, "node B knows node A's session");

    // A post with a PDF, written through node A.
    let title = format!("Written on node A {}", rand::random::<u32>());
    let (content_type, body) = multipart(
        &[
            ("csrf", &csrf),
            ("title", &title),
            ("body", "Stored in S3, shown by node B."),
            ("format", "text"),
        ],
        Some(("node-a.pdf", PDF)),
    );
    let written = request(
        addr_a,
        "POST",
        "/b/advocacy/write",
        &[("Cookie", cookie.clone()), ("Content-Type", content_type)],
        &body,
    )
    .await
    .unwrap();
    assert_eq!(
        written.status,
        303,
        "{}",
        String::from_utf8_lossy(&written.body)
    );
    let acknowledged = Instant::now();
    let new_post = written
        .header("location")
        .and_then(|l| l.rsplit('/').next())
        .unwrap()
        .to_owned();

    // Node B's cached list shows it within a second.
    let shown_after = loop {
        let page = get(addr_b, "/b/advocacy", None).await;
        if String::from_utf8_lossy(&page.body).contains(&title) {
            break acknowledged.elapsed();
        }
        assert!(
            acknowledged.elapsed() < Duration::from_secs(1),
            "node B still shows its cached list a second after node A's write"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };

    // Its attachment downloads from node B, byte for byte.
    let post_b = get(addr_b, &format!("/b/advocacy/{new_post}"), None).await;
    assert_eq!(post_b.status, 200);
    let post_html = String::from_utf8_lossy(&post_b.body).into_owned();
    let file = post_html
        .split(&format!("href=\"/b/advocacy/{new_post}/files/"))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the new post's attachment link");
    let pdf = get(
        addr_b,
        &format!("/b/advocacy/{new_post}/files/{file}"),
        None,
    )
    .await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.body, PDF);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));

    // Nothing went to either node's disk.
    // Site settings saved on node A (time zone, default language) take effect on node B
    // without a restart, with the site generation.
    let form = format!(
        "csrf={csrf}&site_name=NKHR&registration=closed&time_zone=Pacific%2FPago_Pago&default_language=ko"
    );
    let saved = request(
        addr_a,
        "POST",
        "/admin/settings",
        &[
            ("Cookie", cookie.clone()),
            (
                "Content-Type",
                "application/x-www-form-urlencoded".to_owned(),
            ),
        ],
        form.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(
        saved.status,
        303,
        "{}",
        String::from_utf8_lossy(&saved.body)
    );
    let settled = Instant::now();
    loop {
        let page = get(addr_b, "/b/advocacy", None).await;
        let html = String::from_utf8_lossy(&page.body).into_owned();
        if html.contains("<html lang=\"ko\"") && html.contains("-11:00\">") {
            break;
        }
        assert!(
            settled.elapsed() < Duration::from_secs(2),
            "node B still shows the old default language or time zone"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    assert_eq!(
        files_on_disk(&data_a),
        0,
        "node A wrote attachments to its disk"
    );
    assert_eq!(
        files_on_disk(&data_b),
        0,
        "node B wrote attachments to its disk"
    );
    eprintln!(
        "two nodes: node A's post shown on node B's cached list {} ms after node A answered",
        shown_after.as_millis()
    );

    drop(node_a);
    drop(node_b);
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&root);
}
