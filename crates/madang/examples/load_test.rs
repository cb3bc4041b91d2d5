//! Load test (issue 8, "Load"): starts the real server binary on a free loopback port with a
//! temporary data folder, then for a bounded time runs concurrent clients over raw HTTP/1.1
//! (keep-alive): anonymous board and post reads, searches, sign-ins with wrong and right
//! passwords, and staff writing posts (multipart, with a small PDF, CSRF token taken from the
//! write page). Reports requests, errors and every 5xx per kind, p50/p99 latency, the
//! server's RSS (from /proc/<pid>/status) at start and end, and checks afterwards that every
//! acknowledged write (a 303 to a post) is there. Exits non-zero on any 5xx, any unexpected
//! answer or any lost write. Loopback only. See BENCHMARKS.md for the method and figures.
//!
//! ```sh
//! CARGO_TARGET_DIR=/var/tmp/madang-release cargo build --release -p madang
//! cargo run -p madang --example load_test -- \
//!     --binary /var/tmp/madang-release/release/madang --seconds 180
//! ```
//!
//! Options: `--binary PATH` (default: `$CARGO_TARGET_DIR/release/madang`, then
//! `target/release/madang`, then the debug binary), `--seconds N` (180), `--readers N` (6),
//! `--searchers N` (2), `--writers N` (2), `--keep` (keep the data folder; it is always
//! kept when the test fails).
//!
//! Sign-in failures are sent from rotating source addresses 127.0.k.1 (k = 2…254) with
//! unknown logins or a decoy account, so Madang's rate limit (5 failures per account or /24
//! in 15 minutes) answers 401 and then 429 — both expected — without ever locking the staff
//! account, whose sign-ins come from 127.1.0.0/24.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write as _};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

const STAFF_LOGIN: &str = "loadstaff";
const STAFF_PASSWORD: &str = "load-test-staff-password-1";
const DECOY_LOGIN: &str = "decoy";
const DECOY_PASSWORD: &str = "decoy-password-never-guessed-1";
const BOARDS: &[&str] = &[
    "advocacy",
    "youth",
    "education",
    "rescue",
    "bbs_active_news",
];
const WRITE_BOARDS: &[&str] = &["advocacy", "bbs_active_news"];
const QUERIES: &[&str] = &[
    "북한",
    "human rights",
    "refugees -china",
    "인권 OR 난민",
    "\"North Korea\"",
    "seminar",
    "강제북송",
    "loadtest",
    "UN COI",
    "탈북*",
];

struct Options {
    binary: PathBuf,
    seconds: u64,
    readers: usize,
    searchers: usize,
    writers: usize,
    keep: bool,
}

fn options() -> Result<Options> {
    let mut binary = None;
    let mut o = Options {
        binary: PathBuf::new(),
        seconds: 180,
        readers: 6,
        searchers: 2,
        writers: 2,
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--binary" => binary = Some(PathBuf::from(value()?)),
            "--seconds" => o.seconds = value()?.parse()?,
            "--readers" => o.readers = value()?.parse()?,
            "--searchers" => o.searchers = value()?.parse()?,
            "--writers" => o.writers = value()?.parse()?,
            "--keep" => o.keep = true,
            other => bail!("unknown option {other}"),
        }
    }
    o.binary = match binary {
        Some(b) => b,
        None => {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target"));
            [
                target.join("release/madang"),
                root.join("target/release/madang"),
                target.join("debug/madang"),
            ]
            .into_iter()
            .find(|p| p.exists())
            .context("no madang binary found; build it or pass --binary PATH")?
        }
    };
    Ok(o)
}

// ---------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client: keep-alive, Content-Length and chunked bodies, one cookie.

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

struct Client {
    server: SocketAddr,
    source: Option<Ipv4Addr>,
    conn: Option<BufReader<TcpStream>>,
    cookie: Option<String>,
}

impl Client {
    fn new(server: SocketAddr, source: Option<Ipv4Addr>) -> Self {
        Client {
            server,
            source,
            conn: None,
            cookie: None,
        }
    }

    /// Uses another source address from now on (a new connection).
    fn set_source(&mut self, source: Ipv4Addr) {
        self.source = Some(source);
        self.conn = None;
    }

    async fn connect(&self) -> io::Result<BufReader<TcpStream>> {
        let stream = match self.source {
            Some(ip) => {
                let socket = TcpSocket::new_v4()?;
                socket.bind(SocketAddr::V4(SocketAddrV4::new(ip, 0)))?;
                socket.connect(self.server).await?
            }
            None => TcpStream::connect(self.server).await?,
        };
        stream.set_nodelay(true)?;
        Ok(BufReader::new(stream))
    }

    async fn get(&mut self, path: &str) -> io::Result<Response> {
        self.send("GET", path, None, &[]).await
    }

    async fn post(&mut self, path: &str, content_type: &str, body: &[u8]) -> io::Result<Response> {
        self.send("POST", path, Some(content_type), body).await
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> io::Result<Response> {
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: madang-load-test\r\nAccept: text/html\r\n",
            self.server
        );
        if let Some(cookie) = &self.cookie {
            request.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        if let Some(ct) = content_type {
            request.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if method != "GET" {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);

        for attempt in 0..2 {
            let reused = self.conn.is_some();
            if self.conn.is_none() {
                self.conn = Some(self.connect().await?);
            }
            let conn = self.conn.as_mut().expect("connected");
            match exchange(conn, &bytes).await {
                Ok((response, keep_alive)) => {
                    if !keep_alive {
                        self.conn = None;
                    }
                    if let Some(set) = response.header("set-cookie") {
                        let pair = set.split(';').next().unwrap_or("").trim();
                        if pair.ends_with('=') || set.contains("Max-Age=0") {
                            self.cookie = None;
                        } else if !pair.is_empty() {
                            self.cookie = Some(pair.to_owned());
                        }
                    }
                    return Ok(response);
                }
                Err((e, nothing_read)) => {
                    self.conn = None;
                    // The server closed an idle kept-alive connection: try once on a new one.
                    if reused && nothing_read && attempt == 0 {
                        continue;
                    }
                    return Err(e);
                }
            }
        }
        unreachable!()
    }
}

/// Writes one request and reads its response; on error, tells whether no byte came back.
async fn exchange(
    conn: &mut BufReader<TcpStream>,
    request: &[u8],
) -> Result<(Response, bool), (io::Error, bool)> {
    if let Err(e) = conn.get_mut().write_all(request).await {
        return Err((e, true));
    }
    let mut line = String::new();
    match conn.read_line(&mut line).await {
        Ok(0) => {
            return Err((
                io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"),
                true,
            ));
        }
        Ok(_) => {}
        Err(e) => return Err((e, true)),
    }
    read_rest(conn, &line).await.map_err(|e| (e, false))
}

async fn read_rest(
    conn: &mut BufReader<TcpStream>,
    status_line: &str,
) -> io::Result<(Response, bool)> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if conn.read_line(&mut line).await? == 0 {
            return Err(bad("eof in headers"));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _): &&(String, String)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let mut keep_alive = header("connection").is_none_or(|v| !v.contains("close"));
    let mut body = Vec::new();
    if status == 204 || status == 304 || (100..200).contains(&status) {
    } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut size = String::new();
            conn.read_line(&mut size).await?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| bad("bad chunk size"))?;
            if size == 0 {
                loop {
                    let mut trailer = String::new();
                    if conn.read_line(&mut trailer).await? == 0 || trailer.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            conn.read_exact(&mut body[start..]).await?;
            let mut crlf = [0u8; 2];
            conn.read_exact(&mut crlf).await?;
        }
    } else if let Some(len) = header("content-length") {
        let len: usize = len.parse().map_err(|_| bad("bad content-length"))?;
        body.resize(len, 0);
        conn.read_exact(&mut body).await?;
    } else {
        conn.read_to_end(&mut body).await?;
        keep_alive = false;
    }
    Ok((
        Response {
            status,
            headers,
            body,
        },
        keep_alive,
    ))
}

// ---------------------------------------------------------------------------------------
// Statistics.

#[derive(Default)]
struct KindStats {
    requests: u64,
    errors: u64,
    latencies_us: Vec<u64>,
    statuses: BTreeMap<u16, u64>,
}

#[derive(Default)]
struct Stats {
    kinds: Mutex<BTreeMap<&'static str, KindStats>>,
    server_errors: Mutex<Vec<String>>,
    other_errors: Mutex<Vec<String>>,
}

impl Stats {
    /// Records one request; `ok` says whether the answer was the expected one.
    fn record(
        &self,
        kind: &'static str,
        path: &str,
        started: Instant,
        result: &io::Result<Response>,
        ok: impl FnOnce(&Response) -> bool,
    ) -> bool {
        let micros = started.elapsed().as_micros() as u64;
        let mut kinds = self.kinds.lock().unwrap();
        let k = kinds.entry(kind).or_default();
        k.requests += 1;
        k.latencies_us.push(micros);
        match result {
            Ok(r) => {
                *k.statuses.entry(r.status).or_default() += 1;
                if r.status >= 500 {
                    k.errors += 1;
                    let body = summary(&r.text());
                    self.server_errors
                        .lock()
                        .unwrap()
                        .push(format!("{kind} {path}: {} {body}", r.status));
                    false
                } else if ok(r) {
                    true
                } else {
                    k.errors += 1;
                    let mut errors = self.other_errors.lock().unwrap();
                    if errors.len() < 50 {
                        let body = summary(&r.text());
                        errors.push(format!("{kind} {path}: unexpected {} {body}", r.status));
                    }
                    false
                }
            }
            Err(e) => {
                k.errors += 1;
                let mut errors = self.other_errors.lock().unwrap();
                if errors.len() < 50 {
                    errors.push(format!("{kind} {path}: {e}"));
                }
                false
            }
        }
    }
}

/// A page's `<title>`, or the start of a body, on one line.
fn summary(body: &str) -> String {
    let title = body
        .split_once("<title>")
        .and_then(|(_, t)| t.split_once("</title>"))
        .map(|(t, _)| t);
    let text = title.unwrap_or(body);
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(160)
        .collect()
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

// ---------------------------------------------------------------------------------------
// The server.

fn rss_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn add_user(binary: &Path, data: &Path, login: &str, password: &str, level: &str) -> Result<()> {
    let mut child = Command::new(binary)
        .arg("--data-dir")
        .arg(data)
        .args(["user", "add", "--login", login, "--level", level])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting madang user add")?;
    writeln!(child.stdin.take().expect("stdin"), "{password}")?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "madang user add {login} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    for _ in 0..100 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

// ---------------------------------------------------------------------------------------
// The clients.

struct Shared {
    stats: Stats,
    posts: RwLock<Vec<String>>,
    /// (board, post id, title, file name) of every write answered with a 303 to the post.
    written: Mutex<Vec<(String, u64, String, String)>>,
    deadline: Instant,
    server: SocketAddr,
}

fn post_links(html: &str, board: &str) -> Vec<String> {
    let needle = format!("href=\"/b/{board}/");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&needle) {
        rest = &rest[at + needle.len()..];
        let id: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !id.is_empty() && rest[id.len()..].starts_with('"') {
            out.push(format!("/b/{board}/{id}"));
        }
    }
    out
}

fn csrf_of(html: &str) -> Option<String> {
    let needle = "name=\"csrf\" value=\"";
    let at = html.find(needle)? + needle.len();
    let token: String = html[at..].chars().take_while(|&c| c != '"').collect();
    (!token.is_empty()).then_some(token)
}

fn form_body(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

async fn reader(shared: Arc<Shared>, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut client = Client::new(shared.server, None);
    while Instant::now() < shared.deadline {
        let started = Instant::now();
        if rng.random_bool(0.5) {
            let lang = if rng.random_bool(0.2) { "/ko" } else { "" };
            // Page 2 exists once the writers have filled a board; until then 404 is right.
            let page = if rng.random_bool(0.7) { 1 } else { 2 };
            let path = match rng.random_range(0..8) {
                0 => format!("{lang}/"),
                _ => format!(
                    "{lang}/b/{}?page={page}",
                    BOARDS[rng.random_range(0..BOARDS.len())]
                ),
            };
            let r = client.get(&path).await;
            shared.stats.record("board read", &path, started, &r, |r| {
                r.status == 200 || (page > 1 && r.status == 404)
            });
        } else {
            let path = {
                let posts = shared.posts.read().unwrap();
                posts[rng.random_range(0..posts.len())].clone()
            };
            let r = client.get(&path).await;
            shared
                .stats
                .record("post read", &path, started, &r, |r| r.status == 200);
        }
    }
}

async fn searcher(shared: Arc<Shared>, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut client = Client::new(shared.server, None);
    while Instant::now() < shared.deadline {
        let q = QUERIES[rng.random_range(0..QUERIES.len())];
        let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let path = if rng.random_bool(0.3) {
            format!("/search?q={q}&board=advocacy")
        } else {
            format!("/search?q={q}")
        };
        let started = Instant::now();
        let r = client.get(&path).await;
        shared
            .stats
            .record("search", &path, started, &r, |r| r.status == 200);
    }
}

async fn bad_logins(shared: Arc<Shared>, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut client = Client::new(shared.server, Some(Ipv4Addr::new(127, 0, 2, 1)));
    let mut n = 0u64;
    while Instant::now() < shared.deadline {
        n += 1;
        client.set_source(Ipv4Addr::new(127, 0, 2 + (n % 253) as u8, 1));
        let login = if rng.random_bool(0.3) {
            DECOY_LOGIN.to_owned()
        } else {
            format!("nobody{}", rng.random_range(0..1_000_000))
        };
        let body = form_body(&[("login", &login), ("password", "wrong-password")]);
        let started = Instant::now();
        let r = client
            .post("/login", "application/x-www-form-urlencoded", &body)
            .await;
        shared
            .stats
            .record("login (wrong)", "/login", started, &r, |r| {
                r.status == 401 || r.status == 429
            });
    }
}

async fn login(client: &mut Client, shared: &Shared) -> bool {
    let body = form_body(&[
        ("login", STAFF_LOGIN),
        ("password", STAFF_PASSWORD),
        ("next", "/"),
    ]);
    let started = Instant::now();
    let r = client
        .post("/login", "application/x-www-form-urlencoded", &body)
        .await;
    let has_cookie = client.cookie.is_some();
    shared
        .stats
        .record("login (right)", "/login", started, &r, |r| {
            r.status == 303 && has_cookie
        })
}

async fn good_logins(shared: Arc<Shared>) {
    let mut client = Client::new(shared.server, Some(Ipv4Addr::new(127, 1, 0, 1)));
    while Instant::now() < shared.deadline {
        login(&mut client, &shared).await;
    }
}

fn small_pdf(n: u64) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.extend_from_slice(
        format!(
            "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
             2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n\
             % load test attachment {n}\n\
             trailer << /Root 1 0 R >>\n%%EOF\n"
        )
        .as_bytes(),
    );
    pdf
}

fn multipart(boundary: &str, fields: &[(&str, &str)], file: (&str, &[u8])) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{}\"\r\nContent-Type: application/pdf\r\n\r\n",
            file.0
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.1);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

async fn writer(shared: Arc<Shared>, number: u64) {
    let mut rng = StdRng::seed_from_u64(1000 + number);
    let mut client = Client::new(
        shared.server,
        Some(Ipv4Addr::new(127, 1, 0, 2 + number as u8)),
    );
    let mut n = 0u64;
    while Instant::now() < shared.deadline {
        if client.cookie.is_none() && !login(&mut client, &shared).await {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        let board = WRITE_BOARDS[rng.random_range(0..WRITE_BOARDS.len())];
        let form_path = format!("/b/{board}/write");
        let started = Instant::now();
        let r = client.get(&form_path).await;
        let mut csrf = None;
        shared
            .stats
            .record("write form", &form_path, started, &r, |r| {
                csrf = csrf_of(&r.text());
                r.status == 200 && csrf.is_some()
            });
        let Some(csrf) = csrf else {
            client.cookie = None;
            continue;
        };
        n += 1;
        let title = format!("loadtest w{number} n{n} {:08x}", rng.random::<u32>());
        let file_name = format!("load-w{number}-n{n}.pdf");
        let body_html = format!(
            "<p>Load test post {n} from writer {number}. 북한 인권 <b>bold</b> and a \
             <a href=\"https://example.org/{n}\">link</a>.</p>"
        );
        let boundary = format!("madangload{:016x}", rng.random::<u64>());
        let body = multipart(
            &boundary,
            &[
                ("csrf", &csrf),
                ("title", &title),
                ("format", "html"),
                ("body", &body_html),
            ],
            (&file_name, &small_pdf(n)),
        );
        let started = Instant::now();
        let r = client
            .post(
                &form_path,
                &format!("multipart/form-data; boundary={boundary}"),
                &body,
            )
            .await;
        let prefix = format!("/b/{board}/");
        let mut id = None;
        shared.stats.record("write", &form_path, started, &r, |r| {
            id = r
                .header("location")
                .and_then(|l| l.strip_prefix(&prefix))
                .and_then(|i| i.parse::<u64>().ok());
            r.status == 303 && id.is_some()
        });
        if let Some(id) = id {
            shared
                .written
                .lock()
                .unwrap()
                .push((board.to_owned(), id, title, file_name));
            shared
                .posts
                .write()
                .unwrap()
                .push(format!("/b/{board}/{id}"));
        }
    }
}

// ---------------------------------------------------------------------------------------

async fn wait_ready(server: SocketAddr, child: &mut Child) -> Result<()> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            bail!("the server exited during start-up: {status}");
        }
        let mut client = Client::new(server, None);
        if let Ok(r) = client.get("/readyz").await
            && r.status == 200
        {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(60) {
            bail!("the server did not become ready within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn verify(shared: &Shared) -> (usize, Vec<String>) {
    let written = shared.written.lock().unwrap().clone();
    let mut client = Client::new(shared.server, None);
    let mut missing = Vec::new();
    for (board, id, title, file) in &written {
        let path = format!("/b/{board}/{id}");
        match client.get(&path).await {
            Ok(r) if r.status == 200 => {
                let html = r.text();
                if !html.contains(title.as_str()) || !html.contains(file.as_str()) {
                    missing.push(format!("{path}: title or attachment missing"));
                }
            }
            Ok(r) => missing.push(format!("{path}: status {}", r.status)),
            Err(e) => missing.push(format!("{path}: {e}")),
        }
    }
    (written.len(), missing)
}

#[tokio::main]
async fn main() -> Result<()> {
    let o = options()?;
    let data = std::env::temp_dir().join(format!("madang-load-{}", std::process::id()));
    std::fs::create_dir_all(&data)?;
    let port = free_port()?;
    let server: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let log_path = data.join("server.log");
    let log = std::fs::File::create(&log_path)?;
    println!(
        "load test: {} serve --demo on {server}, data {}",
        o.binary.display(),
        data.display()
    );
    let mut child = Command::new(&o.binary)
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--demo", "--listen", &server.to_string()])
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting the server")?;
    let pid = child.id();
    let outcome = run(&o, &data, server, &mut child, pid).await;
    stop(&mut child);
    let panics = std::fs::read_to_string(&log_path)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("panicked"))
        .count();
    println!("server log: {} ({panics} panics)", log_path.display());
    let failures = outcome?;
    // Kept on failure, for the server log.
    if !o.keep && failures == 0 && panics == 0 {
        let _ = std::fs::remove_dir_all(&data);
    }
    if failures > 0 || panics > 0 {
        bail!("load test failed: {failures} problem(s), {panics} panic(s) in the server log");
    }
    println!("load test passed");
    Ok(())
}

/// Runs the load; returns the number of failures (5xx, errors, lost writes).
async fn run(
    o: &Options,
    data: &Path,
    server: SocketAddr,
    child: &mut Child,
    pid: u32,
) -> Result<usize> {
    wait_ready(server, child).await?;
    add_user(&o.binary, data, STAFF_LOGIN, STAFF_PASSWORD, "8")?;
    add_user(&o.binary, data, DECOY_LOGIN, DECOY_PASSWORD, "2")?;

    // The posts to read: every board's first page.
    let mut posts = Vec::new();
    let mut client = Client::new(server, None);
    for board in BOARDS {
        let r = client.get(&format!("/b/{board}")).await?;
        posts.extend(post_links(&r.text(), board));
    }
    posts.sort();
    posts.dedup();
    if posts.is_empty() {
        bail!("no posts found on the demo boards");
    }
    let rss_start = rss_kb(pid, "VmRSS:").unwrap_or(0);
    println!(
        "{} demo posts; RSS at start {} MiB; running {} s with {} readers, {} searchers, \
         1 wrong-login client, 1 right-login client, {} writers",
        posts.len(),
        rss_start / 1024,
        o.seconds,
        o.readers,
        o.searchers,
        o.writers
    );

    let began = Instant::now();
    let shared = Arc::new(Shared {
        stats: Stats::default(),
        posts: RwLock::new(posts),
        written: Mutex::new(Vec::new()),
        deadline: began + Duration::from_secs(o.seconds),
        server,
    });
    let mut tasks = Vec::new();
    for i in 0..o.readers {
        tasks.push(tokio::spawn(reader(shared.clone(), i as u64)));
    }
    for i in 0..o.searchers {
        tasks.push(tokio::spawn(searcher(shared.clone(), 100 + i as u64)));
    }
    tasks.push(tokio::spawn(bad_logins(shared.clone(), 200)));
    tasks.push(tokio::spawn(good_logins(shared.clone())));
    for i in 0..o.writers {
        tasks.push(tokio::spawn(writer(shared.clone(), i as u64)));
    }
    // Sample the RSS every second while the load runs.
    let sampler = {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while Instant::now() < shared.deadline {
                peak = peak.max(rss_kb(pid, "VmRSS:").unwrap_or(0));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            peak
        })
    };
    for t in tasks {
        t.await?;
    }
    let elapsed = began.elapsed().as_secs_f64();
    let rss_peak = sampler.await?;
    let rss_end = rss_kb(pid, "VmRSS:").unwrap_or(0);
    let hwm = rss_kb(pid, "VmHWM:").unwrap_or(0);

    let (acknowledged, missing) = verify(&shared).await;
    // Memory once the load is over and the verification reads are done.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = rss_kb(pid, "VmRSS:").unwrap_or(0);

    println!();
    println!(
        "{:<14} {:>8} {:>7} {:>9} {:>9} {:>9}  statuses",
        "kind", "requests", "errors", "req/s", "p50 ms", "p99 ms"
    );
    let mut total = 0;
    let mut errors = 0;
    let kinds = shared.stats.kinds.lock().unwrap();
    for (kind, k) in kinds.iter() {
        let mut sorted = k.latencies_us.clone();
        sorted.sort_unstable();
        total += k.requests;
        errors += k.errors;
        let statuses: Vec<String> = k.statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        println!(
            "{:<14} {:>8} {:>7} {:>9.1} {:>9.2} {:>9.2}  {}",
            kind,
            k.requests,
            k.errors,
            k.requests as f64 / elapsed,
            percentile(&sorted, 0.50),
            percentile(&sorted, 0.99),
            statuses.join(" ")
        );
    }
    println!(
        "{:<14} {:>8} {:>7} {:>9.1}",
        "total",
        total,
        errors,
        total as f64 / elapsed
    );
    let server_errors = shared.stats.server_errors.lock().unwrap();
    println!();
    println!("5xx responses: {}", server_errors.len());
    for e in server_errors.iter() {
        println!("  {e}");
    }
    let other: HashMap<String, usize> =
        shared
            .stats
            .other_errors
            .lock()
            .unwrap()
            .iter()
            .fold(HashMap::new(), |mut m, e| {
                *m.entry(e.clone()).or_default() += 1;
                m
            });
    for (e, n) in &other {
        println!("  error ({n}×): {e}");
    }
    println!(
        "server RSS: start {:.1} MiB, peak sampled {:.1} MiB, end of load {:.1} MiB, after \
         verification {:.1} MiB (VmHWM {:.1} MiB)",
        rss_start as f64 / 1024.0,
        rss_peak as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    println!(
        "acknowledged writes: {acknowledged}, present afterwards: {}, missing: {}",
        acknowledged - missing.len(),
        missing.len()
    );
    for m in &missing {
        println!("  missing {m}");
    }
    Ok(server_errors.len() + errors as usize + missing.len())
}
