//! The admin page for redirects from old addresses: find, add or change, remove. An
//! imported GnuBoard5 site has five per post, so the list is filtered and paged.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Router, routing::get, routing::post};
use minijinja::context;

use crate::AppState;
use crate::admin::super_admin;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, form_fields, query_param, trimmed};
use crate::i18n::{self, Lang};
use crate::views::SiteView;

/// Redirects per page.
const PAGE_SIZE: u32 = 50;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/redirects", get(list).post(save))
        .route("/admin/redirects/delete", post(delete))
}

async fn render(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    filter: &str,
    page: u32,
    message: Option<String>,
    form: (&str, &str),
) -> Result<Response, AppError> {
    let session = super_admin(current, None)?;
    let site = SiteView::load(state, lang, current).await;
    let (rows, total) = state.store().redirect_page(filter, page, PAGE_SIZE).await?;
    let pages = u32::try_from((total + i64::from(PAGE_SIZE) - 1) / i64::from(PAGE_SIZE))
        .unwrap_or(u32::MAX)
        .max(1);
    let rows: Vec<_> = rows
        .into_iter()
        .map(|r| context! { old => r.old_path, new => r.new_path, source => r.source })
        .collect();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("q", filter)
        .finish();
    let html = state.theme().render(
        "admin_redirects.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}/admin/redirects", lang.other().prefix()),
            csrf => session.csrf_token.clone(),
            rows => rows, total => total, filter => filter, query => query,
            page => page, pages => pages,
            page_links => madang_core::paging::page_links(page, pages),
            message => message, old => form.0, new => form.1,
        },
    )?;
    Ok(Html(html).into_response())
}

/// GET /admin/redirects?q=…&page=N
async fn list(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let filter = query_param(query.as_deref(), "q").unwrap_or_default();
    if filter.chars().count() > 500 {
        return Err(AppError::BadRequest("redirect-error-filter"));
    }
    let page = match query_param(query.as_deref(), "page") {
        None => 1,
        Some(n) => n
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or(AppError::BadRequest("invalid-page-number"))?,
    };
    render(&state, lang, &current, &filter, page, None, ("", "")).await
}

/// POST /admin/redirects: add one, or change where one leads.
async fn save(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let (old, new) = (trimmed(&fields, "old"), trimmed(&fields, "new"));
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    match state
        .store()
        .save_redirect(old, new, actor, jiff::Timestamp::now())
        .await
    {
        Ok(()) => {
            let back = form_urlencoded::Serializer::new(String::new())
                .append_pair("q", old)
                .finish();
            Ok(Redirect::to(&format!("{}/admin/redirects?{back}", lang.prefix())).into_response())
        }
        Err(madang_store::StoreError::Invalid(_)) => {
            let message = i18n::text(lang, "redirect-error-invalid");
            let mut page = render(&state, lang, &current, "", 1, Some(message), (old, new)).await?;
            *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page)
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /admin/redirects/delete
async fn delete(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = super_admin(&current, Some(trimmed(&fields, "csrf")))?;
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    state
        .store()
        .delete_redirect(trimmed(&fields, "old"), actor, jiff::Timestamp::now())
        .await?;
    Ok(Redirect::to(&format!("{}/admin/redirects", lang.prefix())).into_response())
}
