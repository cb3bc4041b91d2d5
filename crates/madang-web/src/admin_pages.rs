//! The admin pages for content pages (About, Privacy, an FAQ): the list, a form to write or
//! change one in a language, and removing one. Super administrators only; every change is
//! one audited store call.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Router, routing::get, routing::post};
use madang_core::PostBody;
use madang_core::page::NewPage;
use madang_store::StoreError;
use minijinja::context;

use crate::AppState;
use crate::admin::super_admin;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts, field, form_fields, path_id, trimmed};
use crate::i18n::{self, Lang};
use crate::views::SiteView;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/pages", get(list))
        .route("/admin/pages/new", get(new_form).post(create))
        .route("/admin/pages/{id}", get(edit_form).post(save))
        .route("/admin/pages/{id}/delete", post(delete))
}

/// The form's fields, as shown (and as submitted, when they are shown again with a
/// message).
#[derive(Debug, Default, serde::Serialize)]
struct PageForm {
    slug: String,
    lang: String,
    title: String,
    format: String,
    body: String,
    group: String,
    position: String,
}

impl PageForm {
    fn from_fields(fields: &[(String, String)]) -> PageForm {
        PageForm {
            slug: trimmed(fields, "slug").to_owned(),
            lang: trimmed(fields, "lang").to_owned(),
            title: field(fields, "title").to_owned(),
            format: if trimmed(fields, "format") == "text" {
                "text".into()
            } else {
                "html".into()
            },
            body: field(fields, "body").to_owned(),
            group: trimmed(fields, "group").to_owned(),
            position: trimmed(fields, "position").to_owned(),
        }
    }

    /// The page to save, or the locale key of what is wrong.
    fn to_new_page(&self) -> Result<NewPage, &'static str> {
        let group_id = match self.group.as_str() {
            "" => None,
            g => Some(g.parse::<i64>().map_err(|_| "page-error-group")?),
        };
        let position = match self.position.as_str() {
            "" => 0,
            p => p
                .parse::<i64>()
                .ok()
                .filter(|p| (-1_000_000..=1_000_000).contains(p))
                .ok_or("admin-error-number")?,
        };
        let body = if self.format == "text" {
            PostBody::Text(self.body.clone())
        } else {
            PostBody::Html(self.body.clone())
        };
        NewPage {
            slug: self.slug.clone(),
            lang: self.lang.clone(),
            title: self.title.clone(),
            body,
            group_id,
            position,
        }
        .validated()
        .map_err(|e| e.message_key())
    }
}

/// GET /admin/pages
async fn list(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
) -> Result<Response, AppError> {
    super_admin(&current, None)?;
    let site = SiteView::load(&state, lang, &current).await;
    let shell = state.shell().await;
    let zone = &state.zone().await;
    let rows: Vec<_> = state
        .store()
        .page_entries()
        .await?
        .into_iter()
        .map(|p| {
            let updated = jiff::Timestamp::from_second(p.updated_at).unwrap_or_default();
            // A page in one language is linked under that language's prefix; a page for
            // every language under the default's (none).
            let prefix = lang.with_code(&p.lang).map_or("", |l| l.prefix());
            let href = format!("{prefix}/pages/{}", p.slug);
            context! {
                id => p.id, slug => p.slug, lang => p.lang, title => p.title, href => href,
                group => p.group_id.and_then(|g| shell.group_title(g, lang)).unwrap_or_default(),
                updated => madang_core::time::long_date(updated, zone, lang.code()),
            }
        })
        .collect();
    let html = state.theme().render(
        "admin_pages.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}/admin/pages", lang.other().prefix()),
            rows => rows,
        },
    )?;
    Ok(Html(html).into_response())
}

async fn render_form(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    id: Option<i64>,
    form: &PageForm,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let session = super_admin(current, None)?;
    let site = SiteView::load(state, lang, current).await;
    let groups: Vec<_> = state
        .shell()
        .await
        .groups
        .iter()
        .map(|g| context! { id => g.id.to_string(), title => g.title.clone() })
        .collect();
    let path = match id {
        Some(id) => format!("/admin/pages/{id}"),
        None => "/admin/pages/new".to_owned(),
    };
    let html = state.theme().render(
        "admin_page.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}{path}", lang.other().prefix()),
            csrf => session.csrf_token.clone(), action => format!("{}{path}", lang.prefix()),
            id => id, form => form, groups => groups,
            error => error.map(|key| i18n::text(lang, key)),
        },
    )?;
    let mut response = Html(html).into_response();
    if error.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// GET /admin/pages/new
async fn new_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
) -> Result<Response, AppError> {
    let form = PageForm {
        format: "html".into(),
        ..PageForm::default()
    };
    render_form(&state, lang, &current, None, &form, None).await
}

/// GET /admin/pages/{id}
async fn edit_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts(id): PathParts<String>,
) -> Result<Response, AppError> {
    super_admin(&current, None)?;
    let id = path_id(&id)?;
    let page = state
        .store()
        .page_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = PageForm {
        slug: page.slug,
        lang: page.lang,
        title: page.title,
        format: "html".into(),
        body: page.body_html,
        group: page.group_id.map(|g| g.to_string()).unwrap_or_default(),
        position: page.position.to_string(),
    };
    render_form(&state, lang, &current, Some(id), &form, None).await
}

async fn store_page(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    addr: Option<std::net::IpAddr>,
    id: Option<i64>,
    body: &Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(body);
    let session = super_admin(current, Some(trimmed(&fields, "csrf")))?;
    let form = PageForm::from_fields(&fields);
    let page = match form.to_new_page() {
        Ok(page) => page,
        Err(key) => return render_form(state, lang, current, id, &form, Some(key)).await,
    };
    let ip = client_ip(addr);
    let saved = state
        .store()
        .save_page(
            id,
            page,
            crate::auth::actor(session, &ip),
            jiff::Timestamp::now(),
        )
        .await;
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("{}/admin/pages", lang.prefix())).into_response()),
        Err(StoreError::Conflict(_)) => {
            render_form(state, lang, current, id, &form, Some("page-error-taken")).await
        }
        Err(StoreError::Invalid(_)) => {
            render_form(state, lang, current, id, &form, Some("page-error-group")).await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /admin/pages/new
async fn create(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    body: Bytes,
) -> Result<Response, AppError> {
    store_page(&state, lang, &current, addr, None, &body).await
}

/// POST /admin/pages/{id}
async fn save(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts(id): PathParts<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    store_page(&state, lang, &current, addr, Some(id), &body).await
}

/// POST /admin/pages/{id}/delete
async fn delete(
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
    if !state
        .store()
        .delete_page(id, crate::auth::actor(session, &ip), jiff::Timestamp::now())
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("{}/admin/pages", lang.prefix())).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(group: &str, position: &str) -> PageForm {
        PageForm {
            slug: "about".into(),
            title: "About".into(),
            format: "html".into(),
            group: group.into(),
            position: position.into(),
            ..PageForm::default()
        }
    }

    #[test]
    fn form_fields_are_checked() {
        assert!(form("", "").to_new_page().is_ok());
        assert_eq!(form("x", "").to_new_page().unwrap_err(), "page-error-group");
        assert_eq!(
            form("", "99999999999").to_new_page().unwrap_err(),
            "admin-error-number"
        );
        let mut bad = form("", "");
        bad.slug = "../etc".into();
        assert_eq!(
            bad.to_new_page().unwrap_err(),
            madang_core::page::PageError::Slug.message_key()
        );
    }
}
