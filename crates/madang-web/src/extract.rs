//! Extractors whose failures become Madang's own error pages rather than axum's plain text.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Like `axum::extract::Path`, but a path that cannot be decoded (invalid percent-encoded
/// UTF-8, say) is simply a page that does not exist.
pub(crate) struct PathParts<T>(pub T);

impl<T, S> FromRequestParts<S> for PathParts<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| PathParts(value))
            .map_err(|_| AppError::NotFound)
    }
}

/// The client's address (absent in in-process tests): the connection's peer, or behind a
/// trusted reverse proxy the address its `X-Forwarded-For` names
/// (`madang_core::proxy`). Every rate limit and audit line takes it from here. Never fails.
pub(crate) struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<crate::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let proxies = &state.config().trusted_proxies;
        let addr = match addr {
            Some(peer) if !proxies.is_empty() => {
                let forwarded = parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok());
                Some(proxies.client_address(peer, forwarded))
            }
            other => other,
        };
        Ok(ClientAddr(addr))
    }
}

/// The fields of a small urlencoded form, read by hand so repeated keys (several target
/// boards) survive and a malformed body is just empty fields.
pub(crate) fn form_fields(body: &axum::body::Bytes) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A form field's value as typed, or "" (passwords keep their spaces).
pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// A form field's value without surrounding whitespace, or "".
pub(crate) fn trimmed<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    field(fields, name).trim()
}

/// A form field's trimmed value, or `None` when the form did not send the field at all
/// (a page from before the field existed): such a setting is left as it is.
pub(crate) fn sent<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
}

/// The value of one query parameter; invalid UTF-8 is replaced, so it then fails parsing.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A numeric id from the path; anything else (including numbers beyond i64) is not found.
pub(crate) fn path_id(text: &str) -> Result<i64, crate::error::AppError> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(crate::error::AppError::NotFound)
}
