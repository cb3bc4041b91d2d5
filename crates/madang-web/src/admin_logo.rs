//! The site's logo: the super administrator uploads a PNG, JPEG or WebP image (judged by
//! its content, `madang_core::logo`; SVG is refused), stored through the files layer and
//! shown in the header with the site's name as its text; it can be removed. Each change is
//! one audited store call. The image is served at `/logo/<file>`, an address that changes
//! with each new logo, so it can be cached for good.

use axum::body::{Body, Bytes};
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Router, routing::get, routing::post};
use madang_core::logo::{LogoRefusal, MAX_LOGO_BYTES, check_logo, logo_type};

use crate::AppState;
use crate::admin::super_admin;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts, form_fields, trimmed};
use crate::i18n::{self, Lang};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/logo/{file}", get(serve))
        .route("/admin/logo", post(upload))
        .route("/admin/logo/delete", post(remove))
}

/// The file part of a storage key (`ab/ab12…` → `ab12…`): the logo's address.
pub(crate) fn logo_file(key: &str) -> Option<&str> {
    let file = key.rsplit_once('/').map_or(key, |(_, file)| file);
    (!file.is_empty()).then_some(file)
}

/// GET /logo/{file}: the current logo, with its type judged again from its content;
/// any other file is not found.
async fn serve(
    State(state): State<AppState>,
    PathParts(file): PathParts<String>,
) -> Result<Response, AppError> {
    let key = state
        .store()
        .setting(madang_store::LOGO_SETTING)
        .await?
        .filter(|key| logo_file(key) == Some(file.as_str()))
        .ok_or(AppError::NotFound)?;
    let bytes = state.files().read(&key).await?;
    let mime = logo_type(&bytes).ok_or(AppError::NotFound)?;
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}

/// The upload form's token and file; the file is read no further than one byte past
/// the limit.
async fn read_form(mut multipart: Multipart) -> Result<(String, Vec<u8>, bool), AppError> {
    let (mut csrf, mut bytes, mut over) = (String::new(), Vec::new(), false);
    let failed = |_| AppError::BadRequest("admin-logo-error-upload");
    while let Some(mut field) = multipart.next_field().await.map_err(failed)? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.map_err(failed)?,
            "logo" => {
                while let Some(chunk) = field.chunk().await.map_err(failed)? {
                    if bytes.len() + chunk.len() > MAX_LOGO_BYTES {
                        over = true;
                        break;
                    }
                    bytes.extend_from_slice(&chunk);
                }
            }
            _ => {}
        }
        if over {
            break;
        }
    }
    Ok((csrf, bytes, over))
}

/// POST /admin/logo (multipart: `csrf`, `logo`): the image becomes the logo and the one
/// it replaces is removed from storage. A refused file is explained on the dashboard,
/// and nothing changes.
async fn upload(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    multipart: Multipart,
) -> Result<Response, AppError> {
    super_admin(&current, None)?;
    let (csrf, bytes, over) = read_form(multipart).await?;
    let session = super_admin(&current, Some(&csrf))?;
    let checked = if over {
        Err(LogoRefusal::TooLarge)
    } else {
        check_logo(&bytes)
    };
    if let Err(refusal) = checked {
        let message = i18n::text_with(
            lang,
            refusal.message_key(),
            &[("size", ((MAX_LOGO_BYTES / 1024) as i64).into())],
        );
        let mut page =
            crate::admin::render_dashboard(&state, lang, &current, Some(message)).await?;
        *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(page);
    }
    let stored = state.files().put(Bytes::from(bytes)).await?;
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    let replaced = match state
        .store()
        .set_logo(Some(&stored.key), actor, jiff::Timestamp::now())
        .await
    {
        Ok(replaced) => replaced,
        Err(e) => {
            let _ = state.files().delete(&stored.key).await;
            return Err(e.into());
        }
    };
    forget(&state, replaced).await;
    Ok(Redirect::to(&format!("{}/admin#logo-heading", lang.prefix())).into_response())
}

/// Removes a replaced logo's file; a failure leaves it for the start-up sweep.
async fn forget(state: &AppState, key: Option<String>) {
    if let Some(key) = key
        && let Err(e) = state.files().delete(&key).await
    {
        tracing::warn!(%key, error = %e, "could not remove the previous logo's file");
    }
}

/// POST /admin/logo/delete: the header shows the site's name again.
async fn remove(
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
    let replaced = state
        .store()
        .set_logo(None, actor, jiff::Timestamp::now())
        .await?;
    forget(&state, replaced).await;
    Ok(Redirect::to(&format!("{}/admin#logo-heading", lang.prefix())).into_response())
}
