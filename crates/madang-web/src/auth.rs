//! Signing in and out, sessions in cookies, CSRF tokens and the same-origin rule for writes.
//!
//! The cookie holds a random 256-bit id; the database keeps only its SHA-256, with a CSRF
//! token that every form of the session must carry. A new id is issued at every sign-in
//! (no session fixation); signing out deletes the row.

use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use madang_core::permission::Viewer;
use madang_store::{LoginRefusal, Session};
use minijinja::context;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::views::SiteView;

/// Cookie name over HTTPS: `__Host-` binds it to this host, path `/`, Secure.
const SECURE_COOKIE: &str = "__Host-madang";
/// Cookie name over plain HTTP (local use), where `__Host-` cookies are refused.
const PLAIN_COOKIE: &str = "madang_session";
/// The cookie that carries the challenge between the password and the code steps.
const CHALLENGE_COOKIE: &str = "madang_2fa";
/// How long the code step may take.
const CHALLENGE_SECONDS: i64 = 300;
/// How long a session lasts without signing in again.
const SESSION_SECONDS: i64 = 14 * 24 * 3600;
/// Failed sign-ins allowed per account and per address in [`LIMIT_WINDOW_SECONDS`].
pub const MAX_LOGIN_FAILURES: i64 = 5;
/// The window of the sign-in rate limit: 15 minutes.
pub const LIMIT_WINDOW_SECONDS: i64 = 15 * 60;

/// The request's session, if it has a live one. Put on every request by [`load_session`].
#[derive(Clone, Default)]
pub struct CurrentSession {
    pub session: Option<Arc<Session>>,
    id_hash: Option<String>,
}

impl CurrentSession {
    /// Who is asking: the member's viewer, or an anonymous one.
    pub fn viewer(&self) -> Viewer {
        self.session
            .as_ref()
            .map(|s| s.viewer.clone())
            .unwrap_or_else(Viewer::anonymous)
    }

    /// The signed-in session, or a 403 page.
    pub fn require(&self) -> Result<&Session, AppError> {
        self.session.as_deref().ok_or(AppError::Forbidden)
    }

    /// Checks a submitted CSRF token against the session's, in constant time.
    pub fn check_csrf(&self, submitted: &str) -> Result<&Session, AppError> {
        let session = self.require()?;
        if constant_time_eq(session.csrf_token.as_bytes(), submitted.as_bytes()) {
            Ok(session)
        } else {
            Err(AppError::Forbidden)
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hash_id(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    hex::encode(buf)
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the request reached us over HTTPS (directly or through a proxy that says so).
fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v == "https")
}

/// Loads the session named by the cookie, if any, for the handlers.
pub(crate) async fn load_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let id = cookie_value(headers, SECURE_COOKIE).or_else(|| cookie_value(headers, PLAIN_COOKIE));
    let mut current = CurrentSession::default();
    if let Some(id) = id.filter(|id| id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())) {
        let id_hash = hash_id(id);
        match state
            .store()
            .session(&id_hash, jiff::Timestamp::now().as_second())
            .await
        {
            Ok(Some(mut session)) => {
                // When the site requires it, an administrator without a second factor keeps
                // their account but not their powers until they turn it on.
                let powers = session.member.is_super_admin
                    || !session.viewer.board_admin_of.is_empty()
                    || !session.viewer.group_admin_of.is_empty();
                if powers && !session.has_totp && requires_two_factor(&state).await {
                    session.viewer.is_super_admin = false;
                    session.viewer.board_admin_of.clear();
                    session.viewer.group_admin_of.clear();
                    session.member.is_super_admin = false;
                    session.must_enrol = true;
                }
                current = CurrentSession {
                    session: Some(Arc::new(session)),
                    id_hash: Some(id_hash),
                };
            }
            Ok(None) => {}
            Err(e) => return AppError::from(e).into_response(),
        }
    }
    request.extensions_mut().insert(current.clone());
    let mut response = next.run(request).await;
    // The error layer renders pages outside this layer; it reads the session from here.
    response.extensions_mut().insert(current);
    response
}

/// The site setting that makes two-factor sign-in compulsory for administrators.
pub const REQUIRE_TWO_FACTOR: &str = "require_2fa_for_admins";

async fn requires_two_factor(state: &AppState) -> bool {
    state
        .store()
        .setting(REQUIRE_TWO_FACTOR)
        .await
        .ok()
        .flatten()
        .is_some_and(|v| v == "1")
}

/// Refuses state-changing requests that another site started: the browser's
/// `Sec-Fetch-Site` must not say cross-site, and an `Origin` must be this host.
pub(crate) async fn same_origin_writes(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe {
        let headers = request.headers();
        let fetch_site_ok = headers
            .get("sec-fetch-site")
            .is_none_or(|v| v == "same-origin" || v == "none");
        let origin_ok = match (headers.get(header::ORIGIN), headers.get(header::HOST)) {
            (Some(origin), Some(host)) => {
                let origin = origin.to_str().unwrap_or("");
                let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
                origin_host == host.to_str().unwrap_or("-")
            }
            (Some(_), None) => false,
            (None, _) => true,
        };
        if !fetch_site_ok || !origin_ok {
            return AppError::Forbidden.into_response();
        }
    }
    next.run(request).await
}

/// Who acts, as the audit log records it: the signed-in member and their (shortened)
/// address.
pub(crate) fn actor<'a>(
    session: &'a madang_store::Session,
    ip: &'a str,
) -> madang_store::ActorRef<'a> {
    madang_store::ActorRef {
        id: Some(session.member.id),
        name: &session.member.nickname,
        ip,
    }
}

/// The client's address, shortened for the audit log and rate limits: IPv4 to /24, IPv6 to
/// /48, so logs do not keep full addresses of readers.
pub(crate) fn client_ip(request_ip: Option<std::net::IpAddr>) -> String {
    match request_ip {
        Some(std::net::IpAddr::V4(v4)) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        Some(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
        None => "unknown".to_owned(),
    }
}

/// A `next=` target limited to this site: a path starting with one `/`, no scheme, no
/// backslashes, no control characters. Anything else goes home.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace())
                && n.len() <= 1024 =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    login: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_page(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    next: &str,
    error: Option<String>,
    login: &str,
) -> Result<Response, AppError> {
    let site = SiteView::load(state, lang, current).await;
    let registration_open = state.store().registration_mode().await?.is_open();
    let html = state.theme().render(
        "login.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}/login", lang.other().prefix()),
            next => next, error => error, login => login,
            registration_open => registration_open,
        },
    )?;
    Ok(Html(html).into_response())
}

/// GET /login
pub(crate) async fn login_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Response, AppError> {
    let next = query.as_deref().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned())
    });
    login_page(
        &state,
        lang,
        &current,
        &safe_next(next.as_deref()),
        None,
        "",
    )
    .await
}

/// POST /login
pub(crate) async fn login_submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    connect: crate::extract::ClientAddr,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, AppError> {
    let Ok(Form(form)) = form else {
        return Err(AppError::BadRequest("login-error-form"));
    };
    let next = safe_next(Some(&form.next));
    let ip = client_ip(connect.0);
    let now = jiff::Timestamp::now().as_second();
    let outcome = state
        .store()
        .check_credentials(
            &form.login,
            &form.password,
            &ip,
            now,
            (MAX_LOGIN_FAILURES, LIMIT_WINDOW_SECONDS),
        )
        .await?;
    let member = match outcome {
        Ok(member) => member,
        Err(refusal) => {
            let key = match refusal {
                LoginRefusal::BadCredentials => "login-error-credentials",
                LoginRefusal::RateLimited => "login-error-rate-limited",
                LoginRefusal::Blocked => "login-error-blocked",
            };
            let mut response = login_page(
                &state,
                lang,
                &current,
                &next,
                Some(i18n::text(lang, key)),
                &form.login,
            )
            .await?;
            *response.status_mut() = match refusal {
                LoginRefusal::RateLimited => axum::http::StatusCode::TOO_MANY_REQUESTS,
                _ => axum::http::StatusCode::UNAUTHORIZED,
            };
            return Ok(response);
        }
    };
    // A member with two-factor sign-in gives a code next; the password step leaves only a
    // short-lived challenge, not a session.
    if state.store().totp_secret(member.id).await?.is_some() {
        let challenge = random_hex(32);
        state
            .store()
            .create_login_challenge(member.id, &hash_id(&challenge), now + CHALLENGE_SECONDS)
            .await?;
        let secure = if is_https(&headers) { "; Secure" } else { "" };
        let cookie = format!(
            "{CHALLENGE_COOKIE}={challenge}; Path=/login; HttpOnly; SameSite=Strict; Max-Age={CHALLENGE_SECONDS}{secure}"
        );
        let target = format!(
            "{}/login/2fa?next={}",
            lang.prefix(),
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        let mut response = Redirect::to(&target).into_response();
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        return Ok(response);
    }
    start_session(&state, &current, member.id, &ip, &headers, &next).await
}

/// Signs a member in: a fresh session id (an old session on this browser ends), the
/// cookie, and the redirect to where they were going.
async fn start_session(
    state: &AppState,
    current: &CurrentSession,
    member_id: i64,
    ip: &str,
    headers: &HeaderMap,
    next: &str,
) -> Result<Response, AppError> {
    let now = jiff::Timestamp::now().as_second();
    if let Some(old) = &current.id_hash {
        state.store().end_session(old).await?;
    }
    let id = random_hex(32);
    state
        .store()
        .create_session(
            member_id,
            &hash_id(&id),
            &random_hex(32),
            ip,
            now,
            SESSION_SECONDS,
        )
        .await?;
    let cookie = if is_https(headers) {
        format!(
            "{SECURE_COOKIE}={id}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age={SESSION_SECONDS}"
        )
    } else {
        format!("{PLAIN_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}")
    };
    let mut response = Redirect::to(next).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn second_step_page(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    next: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let site = SiteView::load(state, lang, current).await;
    let html = state.theme().render(
        "login_2fa.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}/login/2fa", lang.other().prefix()),
            action => format!("{}/login/2fa?next={}", lang.prefix(), form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()),
            error => error,
        },
    )?;
    Ok(Html(html).into_response())
}

fn next_param(query: Option<&str>) -> String {
    let next = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned())
    });
    safe_next(next.as_deref())
}

/// GET /login/2fa: the code form.
pub(crate) async fn second_step_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Response, AppError> {
    second_step_page(&state, lang, &current, &next_param(query.as_deref()), None).await
}

/// POST /login/2fa: checks the code against the challenge in the cookie.
pub(crate) async fn second_step_submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    connect: crate::extract::ClientAddr,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Result<Response, AppError> {
    let next = next_param(query.as_deref());
    let code = form.map(|Form(f)| f.code).unwrap_or_default();
    let ip = client_ip(connect.0);
    let challenge = cookie_value(&headers, CHALLENGE_COOKIE)
        .filter(|c| c.len() == 64)
        .map(hash_id);
    let outcome = match challenge {
        Some(hash) => {
            state
                .store()
                .pass_login_challenge(&hash, &code, jiff::Timestamp::now().as_second(), &ip)
                .await?
        }
        None => madang_store::SecondStep::Expired,
    };
    match outcome {
        madang_store::SecondStep::Passed { member_id } => {
            let mut response =
                start_session(&state, &current, member_id, &ip, &headers, &next).await?;
            if let Ok(value) = HeaderValue::from_str(&format!(
                "{CHALLENGE_COOKIE}=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0"
            )) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            Ok(response)
        }
        madang_store::SecondStep::WrongCode => {
            let mut response = second_step_page(
                &state,
                lang,
                &current,
                &next,
                Some(i18n::text(lang, "login-2fa-wrong")),
            )
            .await?;
            *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            Ok(response)
        }
        madang_store::SecondStep::Expired => {
            let mut response = login_page(
                &state,
                lang,
                &current,
                &next,
                Some(i18n::text(lang, "login-2fa-expired")),
                "",
            )
            .await?;
            *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            Ok(response)
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// POST /logout
pub(crate) async fn logout(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let token = form.map(|Form(f)| f.csrf).unwrap_or_default();
    current.check_csrf(&token)?;
    if let Some(id_hash) = &current.id_hash {
        state.store().end_session(id_hash).await?;
    }
    let name = if is_https(&headers) {
        SECURE_COOKIE
    } else {
        PLAIN_COOKIE
    };
    let secure = if is_https(&headers) { "; Secure" } else { "" };
    let mut response = Redirect::to(&format!("{}/", lang.prefix())).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_targets_stay_on_this_site() {
        assert_eq!(safe_next(Some("/b/news?page=2")), "/b/news?page=2");
        for evil in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "/a\nb",
            "",
        ] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn addresses_are_truncated() {
        assert_eq!(
            client_ip(Some("203.0.113.77".parse().unwrap())),
            "203.0.113.0/24"
        );
        assert_eq!(
            client_ip(Some("2001:db8:abcd:12::1".parse().unwrap())),
            "2001:db8:abcd::/48"
        );
        assert_eq!(client_ip(None), "unknown");
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; madang_session=abc; b=2"),
        );
        assert_eq!(cookie_value(&headers, PLAIN_COOKIE), Some("abc"));
        assert_eq!(cookie_value(&headers, SECURE_COOKIE), None);
    }
}
