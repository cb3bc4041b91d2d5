//! Content pages as readers see them: `/pages/<slug>`, in the reader's language where a
//! translation exists.

use axum::Extension;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Response};
use madang_core::page::validate_page_slug;
use madang_core::time::long_date;
use minijinja::context;

use crate::AppState;
use crate::auth::CurrentSession;
use crate::error::AppError;
use crate::extract::PathParts;
use crate::i18n::Lang;
use crate::views::SiteView;

/// GET /pages/{slug}
pub(crate) async fn page(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts(slug): PathParts<String>,
    origin: crate::feeds::Origin,
    uri: Uri,
) -> Result<Response, AppError> {
    if validate_page_slug(&slug).is_err() {
        return Err(AppError::NotFound);
    }
    let (page, _langs) = state
        .store()
        .page(&slug, lang.code())
        .await?
        .ok_or(AppError::NotFound)?;
    let site = SiteView::load(&state, lang, &current).await;
    let meta = crate::seo::page_meta(&origin, lang, &page);
    // A row in the other language is marked as such, so screen readers read it right.
    let content_lang =
        (!page.lang.is_empty() && page.lang != lang.code()).then_some(page.lang.clone());
    let zone = state.zone().await;
    let html = state.theme().render(
        "page.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}{}", lang.other().prefix(), uri.path()),
            meta => meta, current_page => page.slug,
            title => page.title,
            body => minijinja::Value::from_safe_string(page.body_html),
            content_lang => content_lang,
            updated => long_date(page.updated_at, &zone, lang.code()),
            updated_iso => madang_core::time::iso(page.updated_at, &zone),
        },
    )?;
    Ok(Html(html).into_response())
}
