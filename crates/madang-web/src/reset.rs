//! "Forgot your password?": a single-use link, mailed to the account's address when the
//! site has an SMTP server (see `mail`), else written to the server log for the operator to
//! pass on. The page says the same thing, as fast, whether or not the account exists.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts};
use crate::extract::{field, form_fields};
use crate::i18n::{self, Lang};
use crate::views::SiteView;

/// The reset routes.
pub(crate) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/login/reset", get(request_form).post(request_submit))
        .route("/login/reset/{token}", get(reset_form).post(reset_submit))
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

async fn page(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    template_context: minijinja::Value,
) -> Result<Response, AppError> {
    let site = SiteView::load(state, lang, current).await;
    let html = state.theme().render(
        "reset.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}/login/reset", lang.other().prefix()),
            mailed => state.config().mailer.is_configured(),
            ..template_context
        },
    )?;
    let mut response = Html(html).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

async fn request_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
) -> Result<Response, AppError> {
    page(&state, lang, &current, context! { step => "request" }).await
}

async fn request_submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = hex::encode(bytes);
    let now = jiff::Timestamp::now().as_second();
    let ip = client_ip(addr);
    if let Some(request) = state
        .store()
        .request_password_reset(field(&fields, "who"), &token_hash(&token), now, &ip)
        .await?
    {
        // Mailed in the background (or logged for the operator); it works once, for an hour.
        let path = format!("{}/login/reset/{token}", lang.prefix());
        crate::mail::send_reset_link(&state, lang, request.login, request.email, path).await;
    }
    page(&state, lang, &current, context! { step => "sent" }).await
}

async fn reset_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts(token): PathParts<String>,
) -> Result<Response, AppError> {
    let pending = state
        .store()
        .pending_reset(&token_hash(&token), jiff::Timestamp::now().as_second())
        .await?
        .ok_or(AppError::NotFound)?;
    let action = format!("{}/login/reset/{token}", lang.prefix());
    page(&state, lang, &current, context! { step => "choose", action => action, login => pending.login, needs_code => pending.has_totp }).await
}

async fn reset_submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts(token): PathParts<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let now = jiff::Timestamp::now().as_second();
    let hash = token_hash(&token);
    let pending = state
        .store()
        .pending_reset(&hash, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let fields = form_fields(&body);
    let action = format!("{}/login/reset/{token}", lang.prefix());
    let again = |error: String| {
        context! { step => "choose", action => action.clone(), login => pending.login.clone(), needs_code => pending.has_totp, error => error }
    };
    let (password, repeat) = (field(&fields, "password"), field(&fields, "password_again"));
    if password != repeat {
        return page(
            &state,
            lang,
            &current,
            again(i18n::text(lang, "setup-error-mismatch")),
        )
        .await;
    }
    let password_hash = match madang_core::password::hash(password) {
        Ok(hash) => hash,
        Err(e) => return page(&state, lang, &current, again(e.to_string())).await,
    };
    // A reset never bypasses two-factor sign-in.
    if pending.has_totp
        && !state
            .store()
            .check_totp_for_reset(pending.member_id, field(&fields, "code"), now)
            .await?
    {
        return page(
            &state,
            lang,
            &current,
            again(i18n::text(lang, "login-2fa-wrong")),
        )
        .await;
    }
    if !state
        .store()
        .complete_password_reset(&hash, &password_hash, now, &client_ip(addr))
        .await?
    {
        return Err(AppError::NotFound);
    }
    page(&state, lang, &current, context! { step => "done" }).await
}
