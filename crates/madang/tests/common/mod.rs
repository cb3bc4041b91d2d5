//! The HTTP test harness: a real site (Store + Files + Router) on a fresh SQLite file, or on
//! a fresh PostgreSQL database when `MADANG_TEST_DATABASE_URL` names a server. Requests go
//! through the whole in-process `Router`, layers included.

#![allow(dead_code)]

pub mod editor;
pub mod process;
pub mod registration;
pub mod styled;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use madang_core::copy_line::CopyLineLanguage;
use madang_files::Files;
use madang_store::Store;
use madang_web::{AppState, SiteConfig};
use sqlx::Connection;
use tower::ServiceExt;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// One test's site.
pub struct TestSite {
    pub state: AppState,
    pub app: Router,
    pub dir: PathBuf,
    /// (server URL, database name) when running on PostgreSQL.
    postgres: Option<(String, String)>,
}

/// A response, read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Page {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 page")
    }

    /// A header's value, or "".
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
}

fn unique(prefix: &str) -> String {
    let mut random = [0u8; 4];
    rand::fill(&mut random);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        hex::encode(random)
    )
}

impl TestSite {
    /// An empty site (no administrator, no boards).
    pub async fn empty() -> TestSite {
        TestSite::with_config(SiteConfig::default()).await
    }

    /// An empty site with this configuration; its theme folder is the test's own.
    pub async fn with_config(config: SiteConfig) -> TestSite {
        // Errors the site logs show up beside a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("warn")
            .try_init();
        let name = unique("madang_test");
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).unwrap();
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
        let config = SiteConfig {
            theme_dir: Some(dir.join("theme")),
            ..config
        };
        let state = AppState::new(store, files, config);
        let app = madang_web::app(state.clone());
        TestSite {
            state,
            app,
            dir,
            postgres,
        }
    }

    /// The seed's demo site.
    pub async fn demo() -> TestSite {
        TestSite::demo_with_config(SiteConfig::default()).await
    }

    /// The seed's demo site with this configuration.
    pub async fn demo_with_config(config: SiteConfig) -> TestSite {
        let site = TestSite::with_config(config).await;
        madang::demo::install(site.store(), site.state.files(), CopyLineLanguage::Korean)
            .await
            .expect("install the demo");
        site
    }

    /// The database's address, for a second connection (another node).
    pub fn database_url(&self) -> String {
        match &self.postgres {
            Some((server, name)) => {
                let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(server);
                format!("{base}/{name}")
            }
            None => format!("sqlite:{}", self.dir.join("madang.db").display()),
        }
    }

    pub fn store(&self) -> &Store {
        self.state.store()
    }

    /// Sends a request through the whole router.
    pub async fn send(&self, request: Request<Body>) -> Page {
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Page {
            status,
            headers,
            body,
        }
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> Page {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// POST a form.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send(
            Request::post(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Closes the database and removes what the test made.
    pub async fn finish(self) {
        self.state.store().close().await;
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

/// The ids in every `href="/b/{board}/{id}"` of a page, in order, without repeats.
pub fn post_links(html: &str, board: &str) -> Vec<i64> {
    let needle = format!("href=\"/b/{board}/");
    let mut ids: Vec<i64> = Vec::new();
    for part in html.split(&needle).skip(1) {
        let digits: String = part.chars().take_while(|c| c.is_ascii_digit()).collect();
        if part[digits.len()..].starts_with('"') {
            let id: i64 = digits.parse().unwrap();
            if ids.last() != Some(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

/// A browser's state for one signed-in member: the session cookie and the CSRF token.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

impl TestSite {
    /// Creates a member with a password (hashed as the site does).
    pub async fn member(&self, login: &str, level: i64, super_admin: bool) -> madang_core::Member {
        let hash = madang_core::password::hash("correct horse battery").unwrap();
        let new = madang_store::NewMember {
            login,
            nickname: login,
            email: "",
            password_hash: &hash,
            level: madang_core::Level::new(level).unwrap(),
            is_super_admin: super_admin,
        };
        self.store()
            .create_member(&new, jiff::Timestamp::now())
            .await
            .unwrap()
    }

    /// Signs in through the login form and returns the browser state.
    pub async fn login(&self, login: &str) -> Browser {
        let page = self
            .post_form(
                "/login",
                &[
                    ("login", login),
                    ("password", "correct horse battery"),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(page.status, 303, "login of {login} succeeds");
        let set_cookie = page.header("set-cookie");
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let home = self.get_as("/", &cookie).await.text();
        let csrf = between(&home, "name=\"csrf\" value=\"", "\"")
            .expect("a signed-in page carries the token")
            .to_owned();
        Browser { cookie, csrf }
    }

    /// Signs in a member who has two-factor sign-in, with the app's next code.
    pub async fn login_with_code(&self, login: &str, secret: &str) -> Browser {
        let page = self
            .post_form(
                "/login",
                &[
                    ("login", login),
                    ("password", "correct horse battery"),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(page.status, 303);
        let challenge = page
            .header("set-cookie")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let key = madang_core::totp::base32_decode(secret).unwrap();
        let code = format!(
            "{:06}",
            madang_core::totp::code(&key, jiff::Timestamp::now().as_second() / 30 + 1)
        );
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("code", &code)
            .finish();
        let done = self
            .send(
                Request::post("/login/2fa?next=%2F")
                    .header("cookie", &challenge)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(done.status, 303, "second step of {login}");
        let cookie = done
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .find(|v| v.starts_with("madang_session="))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let home = self.get_as("/", &cookie).await.text();
        let csrf = between(&home, "name=\"csrf\" value=\"", "\"")
            .unwrap()
            .to_owned();
        Browser { cookie, csrf }
    }

    /// GET with a session cookie.
    pub async fn get_as(&self, path: &str, cookie: &str) -> Page {
        self.send(
            Request::get(path)
                .header("cookie", cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// POST a urlencoded form with a session cookie.
    pub async fn post_as(&self, path: &str, browser: &Browser, form: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send(
            Request::post(path)
                .header("cookie", &browser.cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// POST a multipart form (text fields and files) with a session cookie.
    pub async fn post_multipart(
        &self,
        path: &str,
        browser: &Browser,
        fields: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> Page {
        let boundary = "madang-test-boundary-7d3f";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            );
        }
        for (file_name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.send(
            Request::post(path)
                .header("cookie", &browser.cookie)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }
}

/// The text between two markers.
pub fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// The post id at the end of a redirect to `/b/{board}/{id}`.
pub fn redirected_post(page: &Page, board: &str) -> i64 {
    let location = page.header("location");
    location
        .strip_prefix(&format!("/b/{board}/"))
        .unwrap_or_else(|| panic!("redirect to a post of {board}, got {location:?}"))
        .parse()
        .unwrap()
}
