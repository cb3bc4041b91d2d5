//! A headless-Chromium harness for the XSS tests: Chromium started with a fresh profile,
//! a minimal DevTools Protocol client, and a tab that loads a page and reports every sign
//! that a script ran (see `xss_browser.rs` for what counts). `checkers.rs` uses the same
//! tab to load pages plainly and run axe-core in them (`Tab::open`, `Tab::eval`).

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

pub const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/xss/dompurify-payloads.json"
);
#[derive(serde::Deserialize)]
/// One vector of the corpus.
pub struct Payload {
    #[serde(default)]
    pub title: String,
    pub payload: String,
}

/// The XSS corpus (DOMPurify's test payloads, or `MADANG_XSS_CORPUS`).
pub fn corpus() -> Vec<Payload> {
    let path = std::env::var("MADANG_XSS_CORPUS").unwrap_or_else(|_| CORPUS.to_owned());
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the XSS corpus {path}: {e} (set MADANG_XSS_CORPUS)"));
    serde_json::from_str(&text).expect("the corpus is JSON [{title, payload}]")
}

/// Chromium's path for a browser test, or `None` after printing `SKIPPED` when it is not
/// installed. Under CI a missing Chromium fails the test instead.
pub fn chromium_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("Chromium is missing and CI is set (apt-get install chromium; see .ci/run)");
        }
        eprintln!("SKIPPED: Chromium is missing (apt-get install chromium)");
    }
    found
}

/// Serves a test site on a free local port, with client addresses as the real server has
/// them; returns its origin and the task to abort at the end.
pub async fn serve(state: madang_web::AppState) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = madang_web::app(state);
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    (format!("http://{addr}"), server)
}

/// Chromium's path, if it is installed.
pub fn chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let dirs = std::env::var("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
        for dir in std::env::split_paths(&dirs) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// A minimal Chrome DevTools Protocol client over one WebSocket. Messages are kept as raw
// JSON: a detector must never miss an event because a newer Chromium added an enum value a
// typed binding cannot parse.

pub struct Cdp {
    out: mpsc::UnboundedSender<Message>,
    pending: Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>,
    sessions: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Value>>>>,
    next_id: AtomicU64,
}

impl Cdp {
    pub async fn connect(url: &str) -> Arc<Cdp> {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect to Chromium's DevTools socket");
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<Message>();
        tokio::spawn(async move {
            while let Some(message) = out_rx.recv().await {
                if sink.send(message).await.is_err() {
                    break;
                }
            }
        });
        let cdp = Arc::new(Cdp {
            out,
            pending: Arc::default(),
            sessions: Arc::default(),
            next_id: AtomicU64::new(1),
        });
        let reader = cdp.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let Ok(value) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                if let Some(id) = value.get("id").and_then(Value::as_u64) {
                    if let Some(waiter) = reader.pending.lock().await.remove(&id) {
                        let _ = waiter.send(value);
                    }
                    continue;
                }
                let session = value["sessionId"].as_str().unwrap_or("").to_owned();
                // A dialog blocks the page until answered: dismiss it at once (after it has
                // been recorded) so the test goes on and reports it.
                if value["method"] == "Page.javascriptDialogOpening" {
                    reader.send_raw(
                        Some(&session),
                        "Page.handleJavaScriptDialog",
                        json!({"accept": false}),
                    );
                }
                if let Some(events) = reader.sessions.lock().await.get(&session) {
                    let _ = events.send(value);
                }
            }
        });
        cdp
    }

    fn send_raw(&self, session: Option<&str>, method: &str, params: Value) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let _ = self.out.send(Message::text(message.to_string()));
        id
    }

    async fn call(&self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().await.insert(id, tx);
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.out
            .send(Message::text(message.to_string()))
            .expect("the DevTools socket is open");
        let reply = tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .unwrap_or_else(|_| panic!("Chromium did not answer {method} in 30 s"))
            .expect("an answer");
        if let Some(error) = reply.get("error") {
            panic!("{method} failed: {error}");
        }
        reply["result"].clone()
    }

    /// A new tab, attached, with the domains the detectors need enabled.
    pub async fn tab(self: &Arc<Cdp>) -> Tab {
        let target = self
            .call(
                None,
                "Target.createTarget",
                json!({"url": "about:blank", "newWindow": true}),
            )
            .await;
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({"targetId": target["targetId"], "flatten": true}),
            )
            .await;
        let session = attached["sessionId"].as_str().unwrap().to_owned();
        let (tx, events) = mpsc::unbounded_channel();
        self.sessions.lock().await.insert(session.clone(), tx);
        for method in ["Page.enable", "Runtime.enable", "Network.enable"] {
            self.call(Some(&session), method, json!({})).await;
        }
        self.call(
            Some(&session),
            "Page.setBypassCSP",
            json!({"enabled": true}),
        )
        .await;
        Tab {
            cdp: self.clone(),
            session,
            events,
            baseline: Vec::new(),
        }
    }
}

pub struct Tab {
    cdp: Arc<Cdp>,
    session: String,
    events: mpsc::UnboundedReceiver<Value>,
    /// The window's own properties on a clean page of the site.
    baseline: Vec<String>,
}

/// Runs in the page after it loaded: what a payload could have left behind. Returns a list
/// of findings as strings.
const CHECK_SCRIPT: &str = r#"(async (baseline, expected) => {
  await new Promise(r => setTimeout(r, 80));
  const out = [];
  const names = Object.getOwnPropertyNames(window);
  if (baseline.length) {
    const base = new Set(baseline);
    for (const n of names) if (!base.has(n)) out.push('new global: ' + n);
  }
  for (const m of ['getElementById','createElement','querySelector','querySelectorAll','write'])
    if (typeof document[m] !== 'function') out.push('clobbered document.' + m);
  if (typeof document.cookie !== 'string') out.push('clobbered document.cookie');
  if (location.href !== expected) out.push('address changed to ' + location.href);
  // What the browser itself would make of a URL attribute: its own parser, its own base.
  const scheme = v => { try { return new URL(v, document.baseURI).protocol; } catch (e) { return 'invalid:'; } };
  const url_attrs = ['href','src','action','formaction','xlink:href','poster','data','background','cite','codebase','longdesc','lowsrc','dynsrc','manifest','icon','ping','profile','usemap','classid','archive'];
  const own = location.origin;
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      const tag = el.localName;
      const where = () => '<' + tag + '> ' + el.outerHTML.slice(0, 160);
      for (const a of Array.from(el.attributes)) {
        const n = a.name.toLowerCase();
        if (n.startsWith('on')) out.push('event handler ' + n + ' on ' + where());
        if (n === 'style') out.push('style attribute on ' + where());
        if (n === 'srcdoc' || n === 'srcset' && /javascript|data:/i.test(a.value)) out.push(n + ' on ' + where());
        if (url_attrs.includes(n) && !['http:', 'https:', 'mailto:'].includes(scheme(a.value)))
          out.push('URL scheme ' + scheme(a.value) + ' in ' + n + ' on ' + where());
      }
      if (['iframe','frame','frameset','object','embed','applet','base','portal','fencedframe'].includes(tag)) out.push('element ' + where());
      // The page's own JSON-LD block in <head> is data, not script; anything else is a finding.
      const jsonLd = el.type === 'application/ld+json' && el.parentElement === document.head;
      if (tag === 'script' && !jsonLd && !(el.src && el.src.startsWith(own + '/static/'))) out.push('script ' + where());
      if (tag === 'style') out.push('style element ' + where());
      if (tag === 'meta' && (el.httpEquiv || el.parentElement !== document.head)) out.push('meta ' + where());
      if (tag === 'link' && el.parentElement !== document.head) out.push('link ' + where());
      // getAttribute, not el.action: a control named "action" inside the form (the audit
      // log's own filter has one) shadows the property.
      const action = tag === 'form' ? el.getAttribute('action') : null;
      if (action !== null && !(() => { try { return new URL(action, document.baseURI).href.startsWith(own + '/'); } catch (e) { return false; } })()) out.push('foreign form ' + where());
      if (el.shadowRoot) walk(el.shadowRoot);
      if (tag === 'template') walk(el.content);
    }
  };
  walk(document);
  return JSON.stringify({ findings: out, names });
})"#;

impl Tab {
    /// Loads a page, waits for it to settle, and returns what was seen there.
    pub async fn visit(&mut self, origin: &str, url: &str) -> Vec<String> {
        let mut findings = self.drain(origin, "(after the previous page) ");
        let navigated = self
            .cdp
            .call(Some(&self.session), "Page.navigate", json!({"url": url}))
            .await;
        if let Some(error) = navigated.get("errorText") {
            findings.push(format!("navigation failed: {error}"));
            return findings;
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.events.recv()).await {
                Ok(Some(event)) => {
                    if event["method"] == "Page.loadEventFired" {
                        break;
                    }
                    findings.extend(judge(&event, origin));
                }
                _ => {
                    findings.push("the page did not finish loading in 20 s".into());
                    break;
                }
            }
        }
        let expression = format!(
            "{CHECK_SCRIPT}({}, {})",
            serde_json::to_string(&self.baseline).unwrap(),
            serde_json::to_string(url).unwrap()
        );
        let result = self
            .cdp
            .call(
                Some(&self.session),
                "Runtime.evaluate",
                json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
            )
            .await;
        match result["result"]["value"].as_str() {
            Some(text) => {
                let value: Value = serde_json::from_str(text).unwrap();
                for f in value["findings"].as_array().unwrap() {
                    findings.push(f.as_str().unwrap().to_owned());
                }
                if self.baseline.is_empty() {
                    self.baseline = value["names"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap().to_owned())
                        .collect();
                }
            }
            None => findings.push(format!("the check did not run: {result}")),
        }
        findings.extend(self.drain(origin, ""));
        findings
    }

    /// Runs `action` (a script that starts a navigation) and waits until a new page at
    /// another address has loaded; returns its path and query.
    pub async fn navigate(&self, action: &str) -> String {
        let before = self
            .eval("location.pathname + location.search")
            .await
            .unwrap();
        self.eval(action).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            // Mid-navigation the old document may be gone: an error is retried.
            if let Ok(Value::Array(v)) = self
                .eval("[location.pathname + location.search, document.readyState]")
                .await
                && v[0] != before
                && v[1] == "complete"
            {
                return v[0].as_str().unwrap_or("").to_owned();
            }
            assert!(Instant::now() < deadline, "no new page after {action}");
        }
    }

    /// Sets a cookie (`name=value`) for `origin`, as a signed-in browser would carry it.
    pub async fn set_cookie(&self, origin: &str, cookie: &str) {
        let (name, value) = cookie.split_once('=').expect("a cookie is name=value");
        self.cdp
            .call(
                Some(&self.session),
                "Network.setCookie",
                json!({"name": name, "value": value, "url": origin, "httpOnly": true}),
            )
            .await;
    }

    /// Types `text` where the focus is, as a keyboard's input would arrive (an editor sees
    /// real input events, not a changed value).
    pub async fn type_text(&self, text: &str) {
        self.cdp
            .call(
                Some(&self.session),
                "Input.insertText",
                json!({"text": text}),
            )
            .await;
    }

    /// Makes the page report `prefers-color-scheme: dark` (or light), so dark mode's colours
    /// can be checked as a reader with that setting sees them.
    pub async fn prefer_dark(&self, dark: bool) {
        let value = if dark { "dark" } else { "light" };
        self.cdp
            .call(
                Some(&self.session),
                "Emulation.setEmulatedMedia",
                json!({"features": [{"name": "prefers-color-scheme", "value": value}]}),
            )
            .await;
    }

    /// Loads a page and waits for its load event, with none of [`Tab::visit`]'s detectors
    /// (for tests that inspect a trusted page rather than hunt for script).
    pub async fn open(&mut self, url: &str) -> Result<(), String> {
        while self.events.try_recv().is_ok() {}
        let navigated = self
            .cdp
            .call(Some(&self.session), "Page.navigate", json!({"url": url}))
            .await;
        if let Some(error) = navigated.get("errorText") {
            return Err(format!("navigation to {url} failed: {error}"));
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.events.recv()).await {
                Ok(Some(event)) if event["method"] == "Page.loadEventFired" => return Ok(()),
                Ok(Some(_)) => {}
                _ => return Err(format!("{url} did not finish loading in 20 s")),
            }
        }
    }

    /// Evaluates `expression` in the page (awaiting it if it is a promise) and returns its
    /// value, or the exception it threw.
    pub async fn eval(&self, expression: &str) -> Result<Value, String> {
        let result = self
            .cdp
            .call(
                Some(&self.session),
                "Runtime.evaluate",
                json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
            )
            .await;
        match result.get("exceptionDetails") {
            Some(details) => Err(format!("the script threw: {details}")),
            None => Ok(result["result"]["value"].clone()),
        }
    }

    fn drain(&mut self, origin: &str, prefix: &str) -> Vec<String> {
        let mut findings = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            findings.extend(
                judge(&event, origin)
                    .into_iter()
                    .map(|f| format!("{prefix}{f}")),
            );
        }
        findings
    }
}

/// What one DevTools event says about a page: a script ran, or a request left the site.
fn judge(event: &Value, origin: &str) -> Option<String> {
    let params = &event["params"];
    match event["method"].as_str()? {
        "Page.javascriptDialogOpening" => Some(format!(
            "dialog {}({:?})",
            params["type"].as_str().unwrap_or("?"),
            params["message"].as_str().unwrap_or("")
        )),
        "Runtime.consoleAPICalled" => Some(format!(
            "console.{}({})",
            params["type"].as_str().unwrap_or("?"),
            params["args"]
        )),
        "Runtime.exceptionThrown" => {
            Some(format!("script exception: {}", params["exceptionDetails"]))
        }
        "Network.requestWillBeSent" => {
            let url = params["request"]["url"].as_str().unwrap_or("");
            let own = url == origin || url.starts_with(&format!("{origin}/"));
            // Chromium draws some form controls (a search box's clear button, a date
            // field's calendar) with its own data: images; a data: URL cannot reach anyone,
            // and the DOM scan refuses any data: URL a payload could have left in the page.
            let own = own || (url.starts_with("data:") && params["type"] == "Image");
            (!own).then(|| {
                format!(
                    "request to another origin: {} ({})",
                    &url[..url.len().min(200)],
                    params["type"].as_str().unwrap_or("?")
                )
            })
        }
        "Page.windowOpen" => Some(format!("window.open({})", params["url"])),
        "Page.frameNavigated" if params["frame"].get("parentId").is_some() => Some(format!(
            "a subframe loaded {}",
            params["frame"]["url"].as_str().unwrap_or("?")
        )),
        _ => None,
    }
}

/// Chromium, headless, with a fresh profile; killed when dropped.
pub struct Chromium {
    child: Child,
    profile: PathBuf,
    pub ws_url: String,
}

impl Chromium {
    pub fn start(binary: &Path) -> Chromium {
        let profile = std::env::temp_dir().join(format!(
            "madang-xss-chromium-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&profile).unwrap();
        let mut child = Command::new(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start Chromium");
        // Chromium prints its DevTools address on stderr; keep draining it afterwards.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut tx = Some(tx);
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("DevTools listening on ")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let ws_url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("Chromium printed its DevTools address");
        Chromium {
            child,
            profile,
            ws_url,
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Loads every page in `pages` in `tabs` tabs of one Chromium and returns how many loads
/// there were and the findings per page (empty when no script ran anywhere).
pub async fn visit_all(
    binary: &Path,
    origin: &str,
    pages: Vec<String>,
    tabs: usize,
) -> (usize, Vec<(String, Vec<String>)>) {
    visit(binary, origin, None, pages, tabs).await
}

/// [`visit_all`] with a session cookie (`name=value`) set in the browser first.
pub async fn visit_all_signed_in(
    binary: &Path,
    origin: &str,
    cookie: &str,
    pages: Vec<String>,
    tabs: usize,
) -> (usize, Vec<(String, Vec<String>)>) {
    visit(binary, origin, Some(cookie), pages, tabs).await
}

async fn visit(
    binary: &Path,
    origin: &str,
    cookie: Option<&str>,
    pages: Vec<String>,
    tabs: usize,
) -> (usize, Vec<(String, Vec<String>)>) {
    let chromium = Chromium::start(binary);
    let cdp = Cdp::connect(&chromium.ws_url).await;
    let queue = Arc::new(Mutex::new(pages));
    let mut workers = Vec::new();
    for _ in 0..tabs {
        let cdp = cdp.clone();
        let queue = queue.clone();
        let origin = origin.to_owned();
        let cookie = cookie.map(str::to_owned);
        workers.push(tokio::spawn(async move {
            let mut tab = cdp.tab().await;
            if let Some((name, value)) = cookie.as_deref().and_then(|c| c.split_once('=')) {
                tab.cdp
                    .call(
                        Some(&tab.session),
                        "Network.setCookie",
                        json!({"name": name, "value": value, "url": origin, "httpOnly": true}),
                    )
                    .await;
            }
            // A clean page first: its globals are the baseline.
            let clean = tab.visit(&origin, &format!("{origin}/login")).await;
            assert!(clean.is_empty(), "a clean page already shows {clean:?}");
            let mut found: Vec<(String, Vec<String>)> = Vec::new();
            let mut visited = 0usize;
            loop {
                let Some(path) = queue.lock().await.pop() else {
                    break;
                };
                let url = format!("{origin}{path}");
                let findings = tab.visit(&origin, &url).await;
                visited += 1;
                if !findings.is_empty() {
                    found.push((path, findings));
                }
            }
            (visited, found)
        }));
    }
    let mut visited = 0;
    let mut found = Vec::new();
    for worker in workers {
        let (n, f) = worker.await.unwrap();
        visited += n;
        found.extend(f);
    }
    drop(chromium);
    (visited, found)
}
