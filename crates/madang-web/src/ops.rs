//! Operations: health checks, request ids and request logs.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use tracing::Instrument;

use crate::AppState;

/// `/healthz` (the process answers) and `/readyz` (the database answers).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store().generation().await {
        Ok(_) => "ready\n".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// Gives every request an id (kept from a trusted proxy's `X-Request-Id` when it looks
/// like one), logs one line per request with the route pattern — never the query string,
/// which can hold search words or tokens — and returns the id in `X-Request-Id`.
pub(crate) async fn request_log(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (8..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let mut bytes = [0u8; 8];
            rand::fill(&mut bytes);
            hex::encode(bytes)
        });
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let span = tracing::info_span!("request", id = %id);
    // Instrumented, never entered across the await: an entered guard held over a
    // suspension leaves the span "current" for whatever the thread polls next (sqlx's
    // pool tasks among them), which once made the subscriber panic on a closed span.
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    let millis = seconds * 1000.0;
    let metrics = state.metrics();
    metrics.record(method.as_str(), &route, status, seconds);
    match response
        .headers()
        .get("x-madang-cache")
        .map(|v| v.as_bytes())
    {
        Some(b"hit") => metrics.record_cache(true),
        Some(b"miss") => metrics.record_cache(false),
        _ => {}
    }
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(%method, route, status, millis, "request failed");
        } else {
            tracing::debug!(%method, route, status, millis, "request");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
