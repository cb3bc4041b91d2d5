//! Prometheus metrics: requests and latency by route pattern, page-cache hits, and the
//! database pool. Served at `/metrics` to super administrators, or without sign-in on a
//! separate listen address that only the operator's network reaches ([`metrics_app`]).

use axum::Router;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;
use crate::auth::CurrentSession;
use crate::error::AppError;

/// Labels of one request count: the route pattern (never the raw path, which can hold a
/// setup token), the method and the status code. All three come from small fixed sets.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    result: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 4 s: a cached page sits in the first buckets, a slow search in the
    // last ones.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

/// This process's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    cache: Family<CacheLabels, Counter>,
    pool_size: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("madang");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route pattern, method and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from request to response head, by route pattern",
            latency.clone(),
        );
        let cache = Family::<CacheLabels, Counter>::default();
        registry.register(
            "page_cache",
            "Anonymous page requests answered from the page cache (hit) or rendered (miss)",
            cache.clone(),
        );
        let pool_size = Gauge::default();
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool_size.clone(),
        );
        let pool_idle = Gauge::default();
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            pool_idle.clone(),
        );
        let pool_max = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "Most database connections the pool opens",
            pool_max.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            cache,
            pool_size,
            pool_idle,
            pool_max,
        }
    }
}

impl Metrics {
    /// Records one answered request.
    pub(crate) fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// Records a page-cache answer (`hit` or `miss`).
    pub(crate) fn record_cache(&self, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.cache.get_or_create(&CacheLabels { result }).inc();
    }

    /// The metrics in Prometheus' text format, with the pool read now.
    pub fn render(&self, store: &madang_store::Store) -> String {
        let pool = store.pool_stats();
        self.pool_size.set(i64::from(pool.size));
        self.pool_idle.set(i64::from(pool.idle));
        self.pool_max.set(i64::from(pool.max));
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }
}

fn metrics_response(state: &AppState) -> Response {
    let mut response = state.metrics().render(state.store()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `/metrics` on the public address: super administrators only.
pub(crate) async fn metrics_for_admins(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
) -> Result<Response, AppError> {
    let session = current.require()?;
    if !session.member.is_super_admin {
        return Err(AppError::Forbidden);
    }
    Ok(metrics_response(&state))
}

/// The router for a separate metrics address (`--metrics-listen`): `/metrics` with no
/// sign-in, so bind it to loopback or a private network only.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(state): State<AppState>| async move { metrics_response(&state) }),
        )
        .with_state(state)
}
