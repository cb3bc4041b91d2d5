//! Registration: `/register` when the site is open to anyone, `/register/{token}` with an
//! invitation from the super administrator. A closed site (the default) answers both with a
//! "registration is closed" page and 404, and shows no form.
//!
//! The rules of the form are `madang_core::registration::check`; the store makes the
//! account (and spends the invitation) in one transaction. Visitors have no session, so the
//! form carries a token of its own (see `form_token`). Every submitted form counts towards
//! a limit per address, as failed sign-ins do.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use fluent_templates::fluent_bundle::FluentValue;
use madang_core::registration::{
    ATTEMPT_WINDOW_SECONDS, MAX_ATTEMPTS, RegistrationForm, RegistrationMode, check,
};
use madang_store::{Invitation, RegisterRefusal, Registration};
use minijinja::context;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts, field, form_fields, trimmed};
use crate::form_token;
use crate::i18n::{self, Lang};
use crate::views::SiteView;

/// The registration routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/register", get(open_form).post(open_submit))
        .route("/register/{token}", get(invited_form).post(invited_submit))
}

/// The SHA-256 of an invitation token, as stored.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// One request's page: its language, the visitor and the address without the prefix.
struct Ctx<'a> {
    state: &'a AppState,
    lang: Lang,
    current: &'a CurrentSession,
    headers: &'a HeaderMap,
    path: String,
}

impl Ctx<'_> {
    /// Renders `register.html` at `step` with `status`. A form step gets the form token
    /// (and its cookie when the browser has none).
    async fn render(
        &self,
        step: &str,
        status: StatusCode,
        extra: minijinja::Value,
    ) -> Result<Response, AppError> {
        let site = SiteView::load(self.state, self.lang, self.current).await;
        let token = (step == "form").then(|| form_token::issue(self.headers));
        let html = self.state.theme().render(
            "register.html",
            context! {
                lang => self.lang.code(), prefix => self.lang.prefix(), site => site,
                switch_path => format!("{}{}", self.lang.other().prefix(), self.path),
                action => format!("{}{}", self.lang.prefix(), self.path),
                step => step,
                csrf => token.as_ref().map(|t| t.value.clone()),
                ..extra
            },
        )?;
        let mut response = (status, Html(html)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(cookie) = token.and_then(|t| t.set_cookie) {
            headers.append(header::SET_COOKIE, cookie);
        }
        Ok(response)
    }

    /// The page for a site that takes no registration here: closed, or by invitation only
    /// (for `/register` without one). No form, and 404: there is nothing to fill in.
    async fn closed(&self, mode: RegistrationMode) -> Result<Response, AppError> {
        let step = if mode == RegistrationMode::Invitation {
            "invitation-only"
        } else {
            "closed"
        };
        self.render(step, StatusCode::NOT_FOUND, context! {}).await
    }

    /// The page for an invitation link that does not work (used, revoked, expired, unknown).
    async fn invalid(&self) -> Result<Response, AppError> {
        self.render("invalid", StatusCode::NOT_FOUND, context! {})
            .await
    }

    /// The form, empty or as typed (never the passwords), with a message and its status.
    async fn form(
        &self,
        fields: &[(String, String)],
        invited: Option<&Invitation>,
        error: Option<(&str, StatusCode)>,
    ) -> Result<Response, AppError> {
        let (message, status) = match error {
            Some((key, status)) => (Some(i18n::text(self.lang, key)), status),
            None => (None, StatusCode::OK),
        };
        self.render(
            "form",
            status,
            context! {
                login => trimmed(fields, "login"), nickname => trimmed(fields, "nickname"),
                email => invited.map_or_else(|| trimmed(fields, "email").to_owned(), |i| i.email.clone()),
                invited => invited.is_some(),
                error => message,
            },
        )
        .await
    }
}

/// A submission is refused unless it carries the browser's form token; a signed-in member
/// has an account already.
fn check_form(ctx: &Ctx<'_>, fields: &[(String, String)]) -> Result<(), AppError> {
    if ctx.current.session.is_some() || !form_token::check(ctx.headers, trimmed(fields, "csrf")) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// GET /register
async fn open_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let ctx = Ctx {
        state: &state,
        lang,
        current: &current,
        headers: &headers,
        path: "/register".to_owned(),
    };
    let mode = state.store().registration_mode().await?;
    if !mode.is_open() {
        return ctx.closed(mode).await;
    }
    if current.session.is_some() {
        return ctx.render("signed-in", StatusCode::OK, context! {}).await;
    }
    ctx.form(&[], None, None).await
}

/// POST /register
async fn open_submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let ctx = Ctx {
        state: &state,
        lang,
        current: &current,
        headers: &headers,
        path: "/register".to_owned(),
    };
    let mode = state.store().registration_mode().await?;
    if !mode.is_open() {
        return ctx.closed(mode).await;
    }
    let fields = form_fields(&body);
    check_form(&ctx, &fields)?;
    submit(&ctx, &client_ip(addr), &fields, None).await
}

/// The invitation a token names when the site takes invitations and it can still be used;
/// otherwise the page to answer with (registration closed, or the link is not valid).
async fn pending_invitation(
    ctx: &Ctx<'_>,
    token: &str,
) -> Result<Result<Invitation, Response>, AppError> {
    let mode = ctx.state.store().registration_mode().await?;
    if !mode.accepts_invitations() {
        return ctx.closed(mode).await.map(Err);
    }
    let now = jiff::Timestamp::now().as_second();
    let invitation = if token.len() > 128 {
        None
    } else {
        ctx.state
            .store()
            .invitation_by_token(&token_hash(token))
            .await?
            .filter(|i| i.state(now) == madang_core::registration::InvitationState::Pending)
    };
    match invitation {
        Some(invitation) => Ok(Ok(invitation)),
        None => ctx.invalid().await.map(Err),
    }
}

/// GET /register/{token}
async fn invited_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts(token): PathParts<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let ctx = Ctx {
        state: &state,
        lang,
        current: &current,
        headers: &headers,
        path: format!("/register/{token}"),
    };
    let invitation = match pending_invitation(&ctx, &token).await? {
        Ok(invitation) => invitation,
        Err(page) => return Ok(page),
    };
    if current.session.is_some() {
        return ctx.render("signed-in", StatusCode::OK, context! {}).await;
    }
    ctx.form(&[], Some(&invitation), None).await
}

/// POST /register/{token}
async fn invited_submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts(token): PathParts<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let ctx = Ctx {
        state: &state,
        lang,
        current: &current,
        headers: &headers,
        path: format!("/register/{token}"),
    };
    let invitation = match pending_invitation(&ctx, &token).await? {
        Ok(invitation) => invitation,
        Err(page) => return Ok(page),
    };
    let fields = form_fields(&body);
    check_form(&ctx, &fields)?;
    submit(&ctx, &client_ip(addr), &fields, Some((&invitation, &token))).await
}

/// Checks the rate limit and the form, then makes the account (spending the invitation).
async fn submit(
    ctx: &Ctx<'_>,
    ip: &str,
    fields: &[(String, String)],
    invitation: Option<(&Invitation, &str)>,
) -> Result<Response, AppError> {
    let store = ctx.state.store();
    let invited = invitation.map(|(i, _)| i);
    let now = jiff::Timestamp::now().as_second();
    if store
        .registration_attempts(ip, now - ATTEMPT_WINDOW_SECONDS)
        .await?
        >= MAX_ATTEMPTS
    {
        let error = ("register-error-rate-limited", StatusCode::TOO_MANY_REQUESTS);
        return ctx.form(fields, invited, Some(error)).await;
    }
    store.record_registration_attempt(ip, now).await?;
    let form = RegistrationForm {
        login: field(fields, "login"),
        nickname: field(fields, "nickname"),
        email: invited.map_or_else(|| field(fields, "email"), |i| i.email.as_str()),
        password: field(fields, "password"),
        password_again: field(fields, "password_again"),
    };
    let checked = match check(&form) {
        Ok(checked) => checked,
        Err(e) => {
            let error = (e.message_key(), StatusCode::UNPROCESSABLE_ENTITY);
            return ctx.form(fields, invited, Some(error)).await;
        }
    };
    let password_hash = madang_core::password::hash(form.password)
        .map_err(|e| AppError::Internal(format!("hashing a new member's password: {e}")))?;
    let new = Registration {
        login: &checked.login,
        nickname: &checked.nickname,
        email: &checked.email,
        password_hash: &password_hash,
    };
    let hash = invitation.map(|(_, token)| token_hash(token));
    match store
        .register_member(&new, hash.as_deref(), now, ip)
        .await?
    {
        Ok(member) => {
            tracing::info!(login = %member.login, invited = invitation.is_some(), "a member registered");
            let done = i18n::text_with(
                ctx.lang,
                "register-done",
                &[("login", FluentValue::from(member.login))],
            );
            ctx.render("done", StatusCode::OK, context! { done => done })
                .await
        }
        Err(RegisterRefusal::LoginTaken) => {
            let error = ("register-error-login-taken", StatusCode::CONFLICT);
            ctx.form(fields, invited, Some(error)).await
        }
        Err(RegisterRefusal::EmailTaken) => {
            let error = ("register-error-email-taken", StatusCode::CONFLICT);
            ctx.form(fields, invited, Some(error)).await
        }
        Err(RegisterRefusal::InvitationInvalid) => ctx.invalid().await,
    }
}
