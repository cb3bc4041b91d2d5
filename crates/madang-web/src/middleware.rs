//! Layers every response passes through.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

use crate::AppState;
use crate::auth::CurrentSession;
use crate::error::AppError;
use crate::i18n::{Lang, Language};

/// Longest path accepted; longer ones get a 414 page.
const MAX_PATH_BYTES: usize = 2048;
/// Longest query string accepted: a 256-syllable Korean search is 2.3 KB percent-encoded.
const MAX_QUERY_BYTES: usize = 8192;

/// The address a response answers, without the language prefix; left on responses so the
/// error layer can link the same address in the other language.
#[derive(Debug, Clone)]
pub(crate) struct PagePath(pub String);

/// Reads the language from the path: under a language's own prefix (`/ko/…`, or `/en/…` on
/// a Korean-first site) the page is in that language, anything else is in the site's
/// default. The prefix is stripped so routes are written once, and the language is recorded
/// for handlers and, on the response, for the error layer. An address under the default
/// language's own prefix (how links looked before the operator changed the default) is sent
/// permanently to the unprefixed address, so old links keep working.
pub(crate) async fn language_prefix(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let default = state.default_language().await;
    let uri = request.uri().clone();
    let path = uri.path();
    let (prefixed, rest) = match split_language(path) {
        // `//host` after the prefix would be another site's address in a link or Location.
        (Some(language), rest) => (
            Some(language),
            format!("/{}", rest.trim_start_matches(['/', '\\'])),
        ),
        (None, rest) => (None, rest.to_owned()),
    };
    let lang = Lang::new(prefixed.unwrap_or(default), default);
    let page_path = PagePath(rest.clone());
    // A NUL byte is never part of a real address, and some databases refuse it in text.
    let has_nul = |text: &str| text.contains('\0') || text.to_ascii_lowercase().contains("%00");
    if has_nul(path) || uri.query().is_some_and(has_nul) {
        return with_language(
            AppError::NotFound.into_response(),
            lang,
            PagePath("/".into()),
        );
    }
    let too_long =
        path.len() > MAX_PATH_BYTES || uri.query().is_some_and(|q| q.len() > MAX_QUERY_BYTES);
    if too_long {
        // Do not echo a huge address back into the page's links.
        return with_language(
            AppError::TooLong.into_response(),
            lang,
            PagePath("/".into()),
        );
    }
    if prefixed.is_none() {
        request.extensions_mut().insert(lang);
        let response = next.run(request).await;
        return with_language(response, lang, page_path);
    }
    let rewritten = match uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.clone(),
    };
    if lang.is_default() {
        return with_language(
            moved_to_unprefixed(request.method(), &rewritten),
            lang,
            page_path,
        );
    }
    match rewritten.parse::<Uri>() {
        Ok(new_uri) => *request.uri_mut() = new_uri,
        Err(_) => {
            return with_language(AppError::NotFound.into_response(), lang, page_path);
        }
    }
    request.extensions_mut().insert(lang);
    let response = next.run(request).await;
    with_language(response, lang, page_path)
}

/// The language whose own prefix `path` starts with, and the path without it (`/ko` alone
/// is `/`); `(None, path)` when it has none.
fn split_language(path: &str) -> (Option<Language>, &str) {
    for language in Language::ALL {
        match path.strip_prefix(language.own_prefix()) {
            Some("") => return (Some(language), "/"),
            Some(rest) if rest.starts_with('/') => return (Some(language), rest),
            _ => {}
        }
    }
    (None, path)
}

/// The permanent redirect from the default language's old prefixed address: 301 for reads,
/// 308 for forms, so a POST stays a POST.
fn moved_to_unprefixed(method: &Method, target: &str) -> Response {
    let status = if method == Method::GET || method == Method::HEAD {
        StatusCode::MOVED_PERMANENTLY
    } else {
        StatusCode::PERMANENT_REDIRECT
    };
    // Browsers keep a 301 for good unless told otherwise; a day lets an operator who
    // switches the default back be believed soon.
    match HeaderValue::from_str(target) {
        Ok(location) => (
            status,
            [
                (header::LOCATION, location),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=86400"),
                ),
            ],
        )
            .into_response(),
        Err(_) => AppError::NotFound.into_response(),
    }
}

fn with_language(mut response: Response, lang: Lang, path: PagePath) -> Response {
    response.extensions_mut().insert(lang);
    response.extensions_mut().insert(path);
    response
}

/// Content-Security-Policy: no inline script, no framing, nothing from other origins.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to every response.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        headers,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    response
}

/// Turns a response that carries an [`AppError`] into the translated error page.
pub(crate) async fn render_error_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let Some(error) = response.extensions().get::<AppError>().cloned() else {
        return response;
    };
    let lang = response.extensions().get::<Lang>().copied();
    let lang = match lang {
        Some(lang) => lang,
        None => state.default_lang().await,
    };
    let path = response
        .extensions()
        .get::<PagePath>()
        .map(|p| p.0.clone())
        .unwrap_or_else(|| "/".into());
    let switch_path = format!("{}{}", lang.other().prefix(), path);
    let (title, body, detail) = match &error {
        AppError::NotFound => ("error-not-found-title", "error-not-found-body", ""),
        AppError::BadRequest(detail) => {
            ("error-bad-request-title", "error-bad-request-body", *detail)
        }
        AppError::Forbidden => ("error-forbidden-title", "error-forbidden-body", ""),
        AppError::Refused(detail) => ("error-refused-title", "error-refused-body", *detail),
        AppError::TooLong => ("error-too-long-title", "error-too-long-body", ""),
        AppError::StorageFull => ("error-full-title", "error-full-body", ""),
        AppError::Internal(_) => ("error-internal-title", "error-internal-body", ""),
    };
    let current = response
        .extensions()
        .get::<CurrentSession>()
        .cloned()
        .unwrap_or_default();
    let site = crate::views::SiteView::load(&state, lang, &current).await;
    let detail = if detail.is_empty() {
        String::new()
    } else {
        crate::i18n::text(lang, detail)
    };
    let context = context! {
        lang => lang.code(),
        prefix => lang.prefix(),
        site => site,
        title_key => title,
        body_key => body,
        detail => detail,
        switch_path => switch_path,
    };
    let page = state
        .theme()
        .render("error.html", context)
        .unwrap_or_else(|e| {
            tracing::error!(error = ?e, "the error page itself failed");
            String::from("<!doctype html><title>Error</title><p>Error</p>")
        });
    (
        error.status(),
        [(header::CACHE_CONTROL, "no-store")],
        Html(page),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_prefixes() {
        assert_eq!(split_language("/ko"), (Some(Language::Korean), "/"));
        assert_eq!(
            split_language("/ko/b/news"),
            (Some(Language::Korean), "/b/news")
        );
        assert_eq!(split_language("/en/"), (Some(Language::English), "/"));
        assert_eq!(split_language("/kor/b"), (None, "/kor/b"));
        assert_eq!(split_language("/b/ko"), (None, "/b/ko"));
        assert_eq!(split_language("/"), (None, "/"));
    }
}
