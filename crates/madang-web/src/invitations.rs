//! Invitations, for the super administrator (`/admin/invitations`, linked from the members
//! section of `/admin`): invite an e-mail address, optionally at a level; see every
//! invitation and its state; revoke one that is still unused. The link is mailed when the
//! site has an SMTP server; otherwise (or when sending fails) it is shown here, once, and
//! written to the log, for the administrator to pass on. Each step is audited by the store.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use madang_core::Level;
use madang_core::registration::{NEW_MEMBER_LEVEL, invitation_expiry, valid_email};
use madang_core::time::long_date_time;
use madang_store::RegisterRefusal;
use minijinja::context;

use crate::AppState;
use crate::admin::super_admin;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts, form_fields, path_id, trimmed};
use crate::feeds::Origin;
use crate::i18n::{self, Lang, Language};
use crate::mail::Delivery;
use crate::views::SiteView;

/// Invitations listed, newest first.
const LISTED: i64 = 200;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/invitations", get(list).post(create))
        .route("/admin/invitations/{id}/revoke", post(revoke))
}

/// What the page shows besides the list: an error, or the invitation just made.
#[derive(Default)]
struct Outcome {
    error: Option<(&'static str, StatusCode)>,
    /// The address, and the link to pass on when it was not mailed.
    created: Option<(String, Option<String>, Delivery)>,
    /// The form as typed, after an error.
    typed: (String, String),
}

async fn render(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    outcome: Outcome,
) -> Result<Response, AppError> {
    let session = super_admin(current, None)?;
    let site = SiteView::load(state, lang, current).await;
    let now = jiff::Timestamp::now().as_second();
    let zone = &state.zone().await;
    let when = |at: i64| long_date_time(timestamp(at), zone, lang.code());
    let invitations: Vec<_> = state
        .store()
        .invitations(LISTED)
        .await?
        .into_iter()
        .map(|i| {
            let invitation_state = i.state(now);
            context! {
                id => i.id, email => i.email.clone(), level => i.level.get(),
                created_by => i.created_by.clone(), created => when(i.created_at),
                expires => when(i.expires_at),
                state => invitation_state.as_str(),
                state_label => format!("invite-state-{}", invitation_state.as_str()),
                used_by => i.used_by.clone(),
                pending => invitation_state == madang_core::registration::InvitationState::Pending,
            }
        })
        .collect();
    let mode = state.store().registration_mode().await?;
    let (status, error) = match outcome.error {
        Some((key, status)) => (status, Some(i18n::text(lang, key))),
        None => (StatusCode::OK, None),
    };
    let created = outcome.created.map(|(email, link, delivery)| {
        context! {
            email => email, link => link,
            sent => matches!(delivery, Delivery::Sent),
            failed => matches!(delivery, Delivery::Failed),
        }
    });
    let level = outcome
        .typed
        .1
        .parse::<i64>()
        .unwrap_or(NEW_MEMBER_LEVEL.get());
    let html = state.theme().render(
        "admin_invitations.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}/admin/invitations", lang.other().prefix()),
            csrf => session.csrf_token.clone(),
            invitations => invitations, created => created, error => error,
            email => outcome.typed.0, level => level,
            levels => (1..=10).collect::<Vec<i64>>(),
            languages => Language::ALL.iter().map(|l| context! {
                code => l.code(), label => format!("invite-language-{}", l.code()),
                selected => *l == lang.language(),
            }).collect::<Vec<_>>(),
            closed => !mode.accepts_invitations(),
            mail => state.config().mailer.is_configured(),
            days => madang_core::registration::INVITATION_DAYS,
        },
    )?;
    Ok((status, Html(html)).into_response())
}

fn timestamp(seconds: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(seconds).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// GET /admin/invitations
async fn list(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
) -> Result<Response, AppError> {
    render(&state, lang, &current, Outcome::default()).await
}

/// POST /admin/invitations: invites an address (`email`, `level`, the mail's `lang`).
async fn create(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    origin: Origin,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let email = trimmed(&fields, "email").to_owned();
    let typed = (email.clone(), trimmed(&fields, "level").to_owned());
    let refuse = |key: &'static str, status: StatusCode| Outcome {
        error: Some((key, status)),
        typed: typed.clone(),
        ..Outcome::default()
    };
    if !valid_email(&email) {
        let outcome = refuse("register-error-email", StatusCode::UNPROCESSABLE_ENTITY);
        return render(&state, lang, &current, outcome).await;
    }
    let Some(level) = trimmed(&fields, "level")
        .parse::<i64>()
        .ok()
        .and_then(Level::new)
    else {
        let outcome = refuse("admin-error-level", StatusCode::UNPROCESSABLE_ENTITY);
        return render(&state, lang, &current, outcome).await;
    };
    // The invitee's language: the mail's and the link's.
    let mail_lang = lang.with_code(trimmed(&fields, "lang")).unwrap_or(lang);
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = hex::encode(bytes);
    let now = jiff::Timestamp::now().as_second();
    let expires = invitation_expiry(now);
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    let hash = crate::register::token_hash(&token);
    match state
        .store()
        .create_invitation(&email, level, &hash, (now, expires), actor)
        .await?
    {
        Ok(_) => {}
        Err(RegisterRefusal::EmailTaken) => {
            let outcome = refuse("invite-error-member", StatusCode::CONFLICT);
            return render(&state, lang, &current, outcome).await;
        }
        Err(_) => return Err(AppError::Internal("an invitation was refused".into())),
    }
    let path = format!("{}/register/{token}", mail_lang.prefix());
    let until = long_date_time(timestamp(expires), &state.zone().await, mail_lang.code());
    let delivery = crate::mail::send_invitation(&state, mail_lang, &email, &path, &until).await;
    let link = match delivery {
        Delivery::Sent => None,
        Delivery::NoMail | Delivery::Failed => {
            tracing::warn!(email = %email, "invitation created; pass the link on: {path}");
            Some(origin.url(&path))
        }
    };
    let outcome = Outcome {
        created: Some((email, link, delivery)),
        ..Outcome::default()
    };
    render(&state, lang, &current, outcome).await
}

/// POST /admin/invitations/{id}/revoke
async fn revoke(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts(id): PathParts<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let id = path_id(&id)?;
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    if !state
        .store()
        .revoke_invitation(id, jiff::Timestamp::now().as_second(), actor)
        .await?
    {
        let outcome = Outcome {
            error: Some(("invite-error-revoke", StatusCode::CONFLICT)),
            ..Outcome::default()
        };
        return render(&state, lang, &current, outcome).await;
    }
    Ok(Redirect::to(&format!("{}/admin/invitations", lang.prefix())).into_response())
}
