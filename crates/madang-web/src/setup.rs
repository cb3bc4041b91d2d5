//! First-run setup: the operator creates the first administrator through a one-time link
//! printed in the server log, so a stranger who reaches a new site first cannot claim it.

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form};
use fluent_templates::fluent_bundle::FluentValue;
use madang_core::Level;
use madang_store::NewMember;
use minijinja::context;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::CurrentSession;
use crate::error::AppError;
use crate::extract::PathParts;
use crate::i18n::{self, Lang};
use crate::views::SiteView;

/// The setting holding the SHA-256 (hex) of the current setup token.
pub const SETUP_TOKEN_HASH: &str = "setup_token_sha256";

/// Creates a new setup token when the site has no member yet, stores its hash, and returns
/// the token for the operator's log. Returns `None` once an administrator exists.
pub async fn prepare_setup_token(state: &AppState) -> Result<Option<String>, AppError> {
    if state.store().member_count().await? > 0 {
        state.store().delete_setting(SETUP_TOKEN_HASH).await?;
        return Ok(None);
    }
    let mut random = [0u8; 24];
    rand::fill(&mut random);
    let token = hex::encode(random);
    state
        .store()
        .set_setting(SETUP_TOKEN_HASH, &token_hash(&token))
        .await?;
    Ok(Some(token))
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `token` is the current setup token (compared by hash, in constant time).
async fn token_is_valid(state: &AppState, token: &str) -> Result<bool, AppError> {
    if token.len() > 128 {
        return Ok(false);
    }
    let Some(stored) = state.store().setting(SETUP_TOKEN_HASH).await? else {
        return Ok(false);
    };
    let given = token_hash(token);
    let same = stored.len() == given.len()
        && stored
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    Ok(same && state.store().member_count().await? == 0)
}

/// The setup form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct SetupForm {
    login: String,
    nickname: String,
    #[serde(default)]
    email: String,
    password: String,
    password_again: String,
}

async fn page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    template: &str,
    error: Option<String>,
    login: &str,
) -> Result<Response, AppError> {
    let site = SiteView::load(state, lang, &CurrentSession::default()).await;
    let done_body = i18n::text_with(
        lang,
        "setup-done-body",
        &[("login", FluentValue::from(login.to_owned()))],
    );
    let html = state.theme().render(
        template,
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}{}", lang.other().prefix(), uri.path()),
            action => format!("{}{}", lang.prefix(), uri.path()),
            error => error, login => login, done_body => done_body,
        },
    )?;
    Ok(Html(html).into_response())
}

/// GET /setup/{token}: the form, if the token is current.
pub(crate) async fn form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    PathParts(token): PathParts<String>,
    uri: Uri,
) -> Result<Response, AppError> {
    if !token_is_valid(&state, &token).await? {
        return Err(AppError::NotFound);
    }
    page(&state, lang, &uri, "setup.html", None, "").await
}

/// POST /setup/{token}: creates the super administrator and retires the token.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    PathParts(token): PathParts<String>,
    headers: HeaderMap,
    uri: Uri,
    form: Result<Form<SetupForm>, FormRejection>,
) -> Result<Response, AppError> {
    // The token in the address is the secret; refusing cross-site posts stops a page
    // elsewhere from submitting it on the operator's behalf.
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v == "cross-site")
    {
        return Err(AppError::Forbidden);
    }
    if !token_is_valid(&state, &token).await? {
        return Err(AppError::NotFound);
    }
    let Ok(Form(form)) = form else {
        return Err(AppError::BadRequest("setup-error-mismatch"));
    };
    if form.password != form.password_again {
        let message = i18n::text(lang, "setup-error-mismatch");
        return page(&state, lang, &uri, "setup.html", Some(message), &form.login).await;
    }
    let hash = match madang_core::password::hash(&form.password) {
        Ok(hash) => hash,
        Err(e) => {
            return page(
                &state,
                lang,
                &uri,
                "setup.html",
                Some(e.to_string()),
                &form.login,
            )
            .await;
        }
    };
    let new = NewMember {
        login: &form.login,
        nickname: &form.nickname,
        email: &form.email,
        password_hash: &hash,
        level: Level::MAX,
        is_super_admin: true,
    };
    match state
        .store()
        .create_first_member(&new, jiff::Timestamp::now(), SETUP_TOKEN_HASH)
        .await
    {
        Ok(member) => {
            tracing::info!(login = %member.login, "first administrator created through the setup link");
            page(&state, lang, &uri, "setup_done.html", None, &member.login).await
        }
        Err(madang_store::StoreError::Invalid(reason)) => {
            page(&state, lang, &uri, "setup.html", Some(reason), &form.login).await
        }
        Err(madang_store::StoreError::Conflict(_)) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}
