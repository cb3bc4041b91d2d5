//! Issue 8, crash safety: the real `madang` binary serves the demo site on a free port while
//! several clients sign in and write posts with attachments; the process is killed with
//! SIGKILL at random moments (at least 20 times) and started again. Afterwards every write
//! that was acknowledged (303 to the new post) must be there and complete — title, body,
//! attachment bytes by SHA-256 — no post may be half-written (a post the clients sent with
//! a file must have its attachment row, and every row its stored file), and no stored file
//! may be left that no attachment names.

mod common;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::process::{Reply, free_port, request, wait_until_up};
use sha2::{Digest, Sha256};
use sqlx::{Connection, Row};
use tokio::sync::Mutex;

const BIN: &str = env!("CARGO_BIN_EXE_madang");
const PASSWORD: &str = "crash test password 1";
const KILLS: usize = 20;
const CLIENTS: usize = 3;

fn start(data: &Path, addr: SocketAddr) -> Child {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--demo", "--listen", &addr.to_string()])
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start madang serve")
}

fn add_admin(data: &Path) {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args([
            "user", "add", "--login", "crash", "--level", "10", "--admin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "madang user add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Signs in; returns (cookie, csrf token).
async fn sign_in(addr: SocketAddr, login: &str, password: &str) -> std::io::Result<Reply> {
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("login", login)
        .append_pair("password", password)
        .append_pair("next", "/")
        .finish();
    request(
        addr,
        "POST",
        "/login",
        &[(
            "Content-Type",
            "application/x-www-form-urlencoded".to_owned(),
        )],
        form.as_bytes(),
    )
    .await
}

async fn session(addr: SocketAddr) -> std::io::Result<(String, String)> {
    let reply = sign_in(addr, "crash", PASSWORD).await?;
    if reply.status != 303 {
        return Err(std::io::Error::other(format!(
            "sign-in answered {}",
            reply.status
        )));
    }
    let cookie = reply
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .ok_or_else(|| std::io::Error::other("no cookie"))?
        .to_owned();
    let home = request(addr, "GET", "/", &[("Cookie", cookie.clone())], b"").await?;
    let html = String::from_utf8_lossy(&home.body);
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or_else(|| std::io::Error::other("no csrf token"))?
        .to_owned();
    Ok((cookie, csrf))
}

/// A write the server acknowledged.
#[derive(Debug, Clone)]
struct Acked {
    id: i64,
    title: String,
    token: String,
    sha256: String,
}

/// Writes posts with one attachment each until the server goes away; returns what was
/// acknowledged and every title that was sent (acknowledged or not).
async fn client(
    addr: SocketAddr,
    tag: String,
    acked: Arc<Mutex<Vec<Acked>>>,
    sent: Arc<Mutex<HashSet<String>>>,
    stop: Arc<AtomicBool>,
) {
    let Ok((cookie, csrf)) = session(addr).await else {
        return;
    };
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let title = format!("crash {tag}-{n}");
        let token = hex::encode(rand::random::<[u8; 12]>());
        let size = 1024 + rand::random::<u32>() as usize % (256 * 1024);
        let mut file = b"%PDF-1.4\n%".to_vec();
        file.extend((0..size).map(|_| rand::random::<u8>()));
        let sha256 = hex::encode(Sha256::digest(&file));
        let boundary = "madang-crash-boundary-3b7a";
        let mut body = Vec::new();
        for (name, value) in [
            ("csrf", csrf.as_str()),
            ("title", title.as_str()),
            ("body", &format!("crash body {token}")),
            ("format", "text"),
        ] {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{token}.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(&file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        sent.lock().await.insert(title.clone());
        let reply = request(
            addr,
            "POST",
            "/b/advocacy/write",
            &[
                ("Cookie", cookie.clone()),
                (
                    "Content-Type",
                    format!("multipart/form-data; boundary={boundary}"),
                ),
            ],
            &body,
        )
        .await;
        let Ok(reply) = reply else {
            return; // the server was killed
        };
        if reply.status != 303 {
            return;
        }
        let Some(id) = reply
            .header("location")
            .and_then(|l| l.strip_prefix("/b/advocacy/"))
            .and_then(|id| id.parse().ok())
        else {
            return;
        };
        acked.lock().await.push(Acked {
            id,
            title,
            token,
            sha256,
        });
    }
}

/// What the data folder holds after the last kill.
#[derive(Debug, Default)]
struct Findings {
    acked: usize,
    sent: usize,
    missing: Vec<String>,
    incomplete: Vec<String>,
    half_written: Vec<String>,
    missing_files: Vec<String>,
    orphans: Vec<String>,
}

/// Runs the clients against the real server and kills it `kills` times.
async fn crash_cycles(data: &Path, kills: usize) -> Findings {
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let sent: Arc<Mutex<HashSet<String>>> = Arc::default();
    for cycle in 0..kills {
        let addr = free_port();
        let mut child = start(data, addr);
        wait_until_up(addr, &mut child).await;
        let stop = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|c| {
                tokio::spawn(client(
                    addr,
                    format!("{cycle}.{c}"),
                    acked.clone(),
                    sent.clone(),
                    stop.clone(),
                ))
            })
            .collect();
        // Kill at a random moment: early (during sign-in) to late (many writes in flight).
        let wait = 150 + rand::random::<u64>() % 1500;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        stop.store(true, Ordering::SeqCst);
        for task in tasks {
            task.await.unwrap();
        }
    }
    // One clean start after the last kill: recovery must not need anything else.
    let addr = free_port();
    let mut child = start(data, addr);
    wait_until_up(addr, &mut child).await;
    child.kill().unwrap();
    child.wait().unwrap();

    let acked = acked.lock().await.clone();
    let sent = sent.lock().await.clone();
    check(data, &acked, &sent).await
}

async fn check(data: &Path, acked: &[Acked], sent: &HashSet<String>) -> Findings {
    let url = format!("sqlite:{}", data.join("madang.db").display());
    let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let posts = sqlx::query("SELECT id, title, body_text FROM posts")
        .fetch_all(&mut db)
        .await
        .unwrap();
    let posts: HashMap<i64, (String, String)> = posts
        .iter()
        .map(|r| (r.get("id"), (r.get("title"), r.get("body_text"))))
        .collect();
    let rows = sqlx::query("SELECT post_id, storage_key, sha256, size FROM attachments")
        .fetch_all(&mut db)
        .await
        .unwrap();
    let mut attachments: HashMap<i64, Vec<(String, String, i64)>> = HashMap::new();
    for r in &rows {
        attachments.entry(r.get("post_id")).or_default().push((
            r.get("storage_key"),
            r.get("sha256"),
            r.get("size"),
        ));
    }
    let legacy: Vec<String> = sqlx::query_scalar("SELECT storage_key FROM legacy_files")
        .fetch_all(&mut db)
        .await
        .unwrap_or_default();
    db.close().await.unwrap();

    let files_dir = data.join("files");
    let mut f = Findings {
        acked: acked.len(),
        sent: sent.len(),
        ..Findings::default()
    };
    let sha_of = |key: &str| -> Option<String> {
        std::fs::read(files_dir.join(key))
            .ok()
            .map(|b| hex::encode(Sha256::digest(b)))
    };
    for a in acked {
        match posts.get(&a.id) {
            None => f.missing.push(format!("{} (post {})", a.title, a.id)),
            Some((title, body)) => {
                let files = attachments.get(&a.id).cloned().unwrap_or_default();
                let complete = *title == a.title
                    && body.contains(&a.token)
                    && files.len() == 1
                    && files[0].1 == a.sha256
                    && sha_of(&files[0].0).as_deref() == Some(a.sha256.as_str());
                if !complete {
                    f.incomplete.push(format!("{} (post {})", a.title, a.id));
                }
            }
        }
    }
    // Every post the clients sent carries one file: one that made it without its file is
    // half-written, acknowledged or not.
    for (id, (title, _)) in &posts {
        if sent.contains(title) && attachments.get(id).is_none_or(|a| a.len() != 1) {
            f.half_written.push(format!("{title} (post {id})"));
        }
    }
    let mut referenced: HashSet<String> = legacy.into_iter().collect();
    for list in attachments.values() {
        for (key, sha, size) in list {
            referenced.insert(key.clone());
            match std::fs::read(files_dir.join(key)) {
                Ok(bytes)
                    if bytes.len() as i64 == *size
                        && hex::encode(Sha256::digest(&bytes)) == *sha => {}
                _ => f.missing_files.push(key.clone()),
            }
        }
    }
    let mut stack = vec![files_dir.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let key = path
                    .strip_prefix(&files_dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if !referenced.contains(&key) {
                    f.orphans.push(key);
                }
            }
        }
    }
    f
}

fn data_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "madang-crash-{name}-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn report(f: &Findings, started: Instant) {
    eprintln!(
        "crash test: {KILLS} SIGKILLs, {CLIENTS} clients, {} posts sent, {} acknowledged; \
         missing {}, incomplete {}, half-written {}, rows without their file {}, orphaned files {} \
         ({:.1}s)",
        f.sent,
        f.acked,
        f.missing.len(),
        f.incomplete.len(),
        f.half_written.len(),
        f.missing_files.len(),
        f.orphans.len(),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let started = Instant::now();
    let data = data_dir("acked");
    add_admin(&data);
    let f = crash_cycles(&data, KILLS).await;
    report(&f, started);
    assert!(
        f.acked > 0,
        "no write was acknowledged: the test tested nothing"
    );
    assert!(
        f.missing.is_empty(),
        "acknowledged but lost: {:?}",
        f.missing
    );
    assert!(
        f.incomplete.is_empty(),
        "acknowledged but incomplete: {:?}",
        f.incomplete
    );
    assert!(
        f.missing_files.is_empty(),
        "attachment rows whose file is missing or different: {:?}",
        f.missing_files
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_half_written_post_or_orphaned_file_after_sigkill() {
    let started = Instant::now();
    let data = data_dir("orphans");
    add_admin(&data);
    let f = crash_cycles(&data, KILLS).await;
    report(&f, started);
    assert!(
        f.half_written.is_empty(),
        "{} half-written posts: {:?}",
        f.half_written.len(),
        f.half_written
    );
    assert!(
        f.orphans.is_empty(),
        "{} orphaned files in <data>/files: {:?}",
        f.orphans.len(),
        f.orphans
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_server_sees_client_addresses_for_rate_limits() {
    // The limits count failures per account and per client address; the real server must
    // pass the address through, or every client would share one counter ("unknown") and
    // anyone could lock everyone out.
    let data = data_dir("lockout");
    add_admin(&data);
    let addr = free_port();
    let mut child = start(&data, addr);
    wait_until_up(addr, &mut child).await;
    for _ in 0..2 {
        let reply = sign_in(addr, "nobody-at-all", "wrong password")
            .await
            .unwrap();
        assert_eq!(reply.status, 401);
    }
    let reply = sign_in(addr, "crash", PASSWORD).await.unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(reply.status, 303);
    let store =
        madang_store::Store::connect(&format!("sqlite:{}", data.join("madang.db").display()))
            .await
            .unwrap();
    let audit = store.audit_log(50).await.unwrap();
    store.close().await;
    let _ = std::fs::remove_dir_all(&data);
    let failures: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "login.failure")
        .collect();
    assert_eq!(failures.len(), 2);
    assert!(
        failures.iter().all(|e| e.ip == "127.0.0.0/24"),
        "{:?}",
        failures.iter().map(|e| &e.ip).collect::<Vec<_>>()
    );
}
