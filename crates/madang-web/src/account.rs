//! A member's own account page: two-factor sign-in on and off.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;

use crate::AppState;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::ClientAddr;
use crate::extract::{form_fields, trimmed};
use crate::i18n::{self, Lang};
use crate::views::SiteView;

/// The account routes.
pub(crate) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/account/2fa", get(page))
        .route("/account/2fa/enable", post(enable))
        .route("/account/2fa/disable", post(disable))
}

/// Renders the page; `secret` is the candidate secret while enrolling, `codes` the new
/// recovery codes right after enrolling (shown once).
async fn render(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    secret: Option<String>,
    codes: Vec<String>,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let session = current.require()?;
    let enabled = state
        .store()
        .totp_secret(session.member.id)
        .await?
        .is_some();
    let site = SiteView::load(state, lang, current).await;
    let secret = if enabled {
        None
    } else {
        secret.or_else(|| Some(madang_core::totp::new_secret()))
    };
    let uri = secret
        .as_deref()
        .map(|s| madang_core::totp::otpauth_uri(&site.name, &session.member.login, s));
    let grouped = secret.as_deref().map(|s| {
        s.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    });
    let html = state.theme().render(
        "account_2fa.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}/account/2fa", lang.other().prefix()),
            csrf => session.csrf_token.clone(), enabled => enabled,
            secret => secret, secret_grouped => grouped, uri => uri, codes => codes,
            error => error.map(|k| i18n::text(lang, k)),
        },
    )?;
    let mut response = Html(html).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    if error.is_some() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// GET /account/2fa
async fn page(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
) -> Result<Response, AppError> {
    render(&state, lang, &current, None, Vec::new(), None).await
}

/// POST /account/2fa/enable: the secret shown and a code from the app, proving the app has it.
async fn enable(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = current.check_csrf(trimmed(&fields, "csrf"))?;
    let secret = trimmed(&fields, "secret").to_owned();
    if madang_core::totp::base32_decode(&secret).is_none_or(|s| s.len() < 16) {
        return Err(AppError::BadRequest("account-2fa-bad-secret"));
    }
    let now = jiff::Timestamp::now().as_second();
    let Some(step) = madang_core::totp::verify(&secret, trimmed(&fields, "code"), now, 0) else {
        return render(
            &state,
            lang,
            &current,
            Some(secret),
            Vec::new(),
            Some("account-2fa-wrong-code"),
        )
        .await;
    };
    let codes = madang_core::totp::new_recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| madang_core::totp::recovery_code_hash(c))
        .collect();
    let ip = client_ip(addr);
    state
        .store()
        .enable_totp(session.member.id, &secret, step, &hashes, &ip, now)
        .await?;
    render(&state, lang, &current, None, codes, None).await
}

/// POST /account/2fa/disable: needs a current code (or a recovery code is not enough here).
async fn disable(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = current.check_csrf(trimmed(&fields, "csrf"))?;
    let Some(secret) = state.store().totp_secret(session.member.id).await? else {
        return Ok(Redirect::to(&format!("{}/account/2fa", lang.prefix())).into_response());
    };
    let now = jiff::Timestamp::now().as_second();
    if madang_core::totp::verify(&secret, trimmed(&fields, "code"), now, 0).is_none() {
        return render(
            &state,
            lang,
            &current,
            None,
            Vec::new(),
            Some("account-2fa-wrong-code"),
        )
        .await;
    }
    let ip = client_ip(addr);
    state
        .store()
        .disable_totp(
            session.member.id,
            (Some(session.member.id), &session.member.nickname),
            &ip,
            now,
        )
        .await?;
    Ok(Redirect::to(&format!("{}/account/2fa", lang.prefix())).into_response())
}
