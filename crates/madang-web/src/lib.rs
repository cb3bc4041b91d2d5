//! Madang's web side: the axum router, thin handlers, templates and locales.
//!
//! A request passes the language prefix (`/ko/…`, or `/en/…` on a Korean-first site), then
//! routing, then a handler that parses
//! input, checks permission with `madang_core::permission`, calls one store method and
//! renders a template. Errors become translated pages in one place ([`error`]).

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use jiff::tz::TimeZone;
use madang_core::copy_line::CopyLineLanguage;
use madang_files::Files;
use madang_store::Store;

mod account;
mod admin;
mod admin_groups;
mod admin_logo;
mod admin_menu_links;
mod admin_pages;
mod admin_redirects;
mod audit_log;
pub mod auth;
pub mod cache;
mod comments;
mod drafts;
mod editor_uploads;
pub mod error;
mod extract;
mod feeds;
mod form_token;
pub mod i18n;
mod invitations;
mod mail;
mod metrics;
mod middleware;
mod ops;
mod pages;
mod post_form;
mod public;
mod register;
mod replies;
mod reset;
mod revisions;
mod search;
mod seo;
pub mod setup;
mod shell;
mod sitemap;
mod staff;
pub mod theme;
mod transfer;
mod translations;
mod uploads;
mod view_counts;
mod views;

pub use i18n::{Lang, Language};
pub use metrics::{Metrics, metrics_app};
pub use views::SITE_NAME as SITE_NAME_SETTING;

/// Site-wide facts the handlers need, fixed at start-up.
pub struct SiteConfig {
    /// The site's time zone for showing dates.
    pub zone: TimeZone,
    /// The language of the copy/move line.
    pub copy_line_language: CopyLineLanguage,
    /// A folder whose `templates/` and `static/` override the built-in theme.
    pub theme_dir: Option<PathBuf>,
    /// The site's public address (`https://nkhr.example`), for the absolute URLs of feeds,
    /// the sitemap and canonical links. Unset, the request's `Host` is used (validated),
    /// which is right for a local or single-name site but trusts whatever `Host` a client
    /// sends: production sites should set it.
    pub base_url: Option<String>,
    /// Whether anonymous pages are kept in memory (on by default; off only to measure).
    pub page_cache: bool,
    /// The UI language whose pages are unprefixed (English by default); the other lives under
    /// its code (`/ko/…` or `/en/…`). The site's default until an administrator sets
    /// another (`default_language` in the settings table, read through the shell so that
    /// every node follows it with the site generation; see `AppState::default_language`).
    pub default_language: Language,
    /// Outgoing mail (password resets, invitations). Without an SMTP server, the links are
    /// written to the log (and invitations shown to the administrator) instead. Links in
    /// mail are built from `base_url` only, never from a request's `Host`.
    pub mailer: madang_mail::Mailer,
    /// Reverse proxies whose `X-Forwarded-For` names the client (rate limits and the audit
    /// log then see the visitor, not the proxy); nobody by default, and the header is then
    /// ignored. See `madang_core::proxy`.
    pub trusted_proxies: madang_core::proxy::TrustedProxies,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            zone: madang_core::time::zone(madang_core::time::DEFAULT_TIME_ZONE)
                .unwrap_or(TimeZone::UTC),
            copy_line_language: CopyLineLanguage::Korean,
            theme_dir: None,
            base_url: None,
            page_cache: true,
            default_language: Language::default(),
            mailer: madang_mail::Mailer::none(),
            trusted_proxies: Default::default(),
        }
    }
}

/// Everything a handler can reach.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    files: Files,
    config: SiteConfig,
    theme: theme::Theme,
    page_cache: cache::PageCache,
    metrics: metrics::Metrics,
    view_counts: view_counts::ViewCounts,
    shell: shell::ShellCache,
}

impl AppState {
    /// Builds the state; loads the theme (built-in, overridden by `config.theme_dir`).
    pub fn new(store: Store, files: Files, config: SiteConfig) -> AppState {
        let theme = theme::Theme::load(config.theme_dir.clone());
        AppState {
            inner: Arc::new(Inner {
                store,
                files,
                config,
                theme,
                page_cache: cache::PageCache::default(),
                metrics: metrics::Metrics::default(),
                view_counts: view_counts::ViewCounts::default(),
                shell: shell::ShellCache::default(),
            }),
        }
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// File storage.
    pub fn files(&self) -> &Files {
        &self.inner.files
    }

    /// Site configuration.
    pub fn config(&self) -> &SiteConfig {
        &self.inner.config
    }

    /// The site's default language, for requests that carry no language of their own.
    pub async fn default_lang(&self) -> Lang {
        Lang::default_of(self.default_language().await)
    }

    /// This node's page cache.
    pub fn page_cache(&self) -> &cache::PageCache {
        &self.inner.page_cache
    }

    /// Counts a post view (written in batches, at most a second late).
    pub async fn count_view(&self, post_id: i64) {
        self.inner
            .view_counts
            .count(&self.inner.store, post_id)
            .await;
    }

    /// Writes the view counts gathered so far (before shutdown).
    pub async fn flush_view_counts(&self) {
        self.inner.view_counts.flush(&self.inner.store).await;
    }

    /// This process's metrics.
    pub fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    pub(crate) fn theme(&self) -> &theme::Theme {
        &self.inner.theme
    }
}

/// Follows other nodes' writes (PostgreSQL notifications) so this node's page cache drops
/// their pages at once; returns `false` on SQLite, where the cache's periodic read suffices.
pub async fn follow_other_nodes(state: &AppState) -> Result<bool, madang_store::StoreError> {
    let follower = state.clone();
    state
        .store()
        .listen_generation(move |_| follower.page_cache().generation_changed())
        .await
}

/// How often a node looks for posts whose publication time has come.
pub const SCHEDULE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// How often a node removes editor uploads nobody claimed in time: their lifetime is days,
/// so an hour late costs nothing, and every node may do it (the removal is one statement).
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes the files dropped into an editor that no saved post claimed within
/// `madang_core::staging::LIFETIME_SECONDS`, from the database and from storage. The
/// scheduler runs it every [`SWEEP_EVERY`]; before, they were only removed when someone
/// next dropped a file, so a quiet site kept them.
pub async fn sweep_expired_uploads(state: &AppState, now: jiff::Timestamp) {
    editor_uploads::expire(state, now).await;
}

/// Runs scheduled publishing on this node: every [`SCHEDULE_EVERY`], announce the posts whose
/// time has come (once across all nodes; see `Store::publish_due`); every [`SWEEP_EVERY`]
/// (and at start), remove expired editor uploads.
pub fn spawn_scheduler(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(SCHEDULE_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_sweep: Option<tokio::time::Instant> = None;
        loop {
            ticks.tick().await;
            if last_sweep.is_none_or(|at| at.elapsed() >= SWEEP_EVERY) {
                last_sweep = Some(tokio::time::Instant::now());
                sweep_expired_uploads(&state, jiff::Timestamp::now()).await;
            }
            match state.store().publish_due(jiff::Timestamp::now()).await {
                Ok(Some(posts)) if !posts.is_empty() => {
                    tracing::info!(posts = posts.len(), "scheduled posts published");
                    state.page_cache().generation_changed();
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scheduled publishing"),
            }
        }
    })
}

/// The whole site as one `Router`: public pages, setup, static assets, and the layers that
/// add the language, security headers and error pages.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route("/", get(public::home))
        .route("/b/{slug}", get(public::board))
        .route("/b/{slug}/{post}", get(public::post))
        .route("/b/{slug}/{post}/files/{file}", get(public::download))
        .route(
            "/b/{slug}/write",
            get(staff::write_form).post(staff::write_submit),
        )
        // Files dropped into the editor (editor_uploads.rs); before `/b/{slug}/{post}`.
        .route(
            "/b/{slug}/uploads",
            post(editor_uploads::upload).get(editor_uploads::not_found),
        )
        .route(
            "/b/{slug}/uploads/{token}",
            get(editor_uploads::staged_file).post(editor_uploads::not_found),
        )
        .route(
            "/b/{slug}/{post}/edit",
            get(staff::edit_form).post(staff::edit_submit),
        )
        .route(
            "/b/{slug}/{post}/transfer",
            get(transfer::transfer_form).post(transfer::transfer_submit),
        )
        .route("/b/{slug}/{post}/comments", post(comments::create))
        .route(
            "/b/{slug}/{post}/comments/{comment}/delete",
            post(comments::delete),
        )
        .route(
            "/b/{slug}/{post}/translations",
            post(translations::translation_action),
        )
        // Before the catch-all below; axum prefers these static segments anyway.
        .route("/b/{slug}/{post}/revisions", get(revisions::list))
        .route("/b/{slug}/{post}/revisions/{rev}", get(revisions::show))
        .route(
            "/b/{slug}/{post}/revisions/{rev}/restore",
            post(revisions::restore),
        )
        .route("/b/{slug}/{post}/publish", post(drafts::publish))
        // Replies (replies.rs). A static segment: axum matches it before the staff
        // actions' catch-all below, for POST as for GET.
        .route(
            "/b/{slug}/{post}/reply",
            get(replies::form).post(replies::submit),
        )
        .route("/b/{slug}/{post}/{action}", post(staff::post_action))
        .route("/drafts", get(drafts::list))
        .route("/admin/audit", get(audit_log::audit_log))
        .route("/metrics", get(metrics::metrics_for_admins))
        .merge(admin::routes())
        .merge(admin_redirects::routes())
        .merge(admin_groups::routes())
        .merge(admin_menu_links::routes())
        .merge(admin_logo::routes())
        .merge(admin_pages::routes())
        .route("/pages/{slug}", get(pages::page))
        .merge(ops::routes())
        .merge(account::routes())
        .merge(reset::routes())
        .merge(register::routes())
        .merge(invitations::routes())
        .route(
            "/login/2fa",
            get(auth::second_step_form).post(auth::second_step_submit),
        )
        .route("/bbs/board.php", get(public::legacy_board))
        .route("/bbs/search.php", get(public::legacy_search))
        .route("/search", get(search::search))
        .route("/files/legacy/{*path}", get(public::legacy_file))
        .route("/setup/{token}", get(setup::form).post(setup::submit))
        .route("/login", get(auth::login_form).post(auth::login_submit))
        .route("/logout", post(auth::logout))
        .route("/static/{*path}", get(theme::asset))
        // Feeds, sitemap and robots.txt (feeds.rs, sitemap.rs); never in the page cache.
        .route("/feed.xml", get(feeds::site_rss))
        .route("/atom.xml", get(feeds::site_atom))
        .route("/b/{slug}/feed.xml", get(feeds::board_rss))
        .route("/b/{slug}/atom.xml", get(feeds::board_atom))
        .route("/bbs/rss.php", get(feeds::legacy_rss))
        .route("/sitemap.xml", get(sitemap::sitemap))
        .route("/robots.txt", get(feeds::robots))
        .fallback(public::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(
            staff::MAX_UPLOAD_BYTES,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::page_cache,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::load_session,
        ))
        .layer(axum::middleware::from_fn(auth::same_origin_writes))
        // Outermost of the routed layers, so the route pattern is known (never the raw
        // path, which can hold a setup token).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::request_log,
        ))
        .with_state(state.clone());
    // The outer router has no routes of its own: its layers run before the inner router
    // matches, which lets the language layer strip `/ko` (or `/en`) from the path first.
    // Outermost first: security headers on everything, then error pages (which read the
    // language the language layer leaves on the response), then the language layer.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::language_prefix,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
            middleware::render_error_pages,
        ))
        .layer(axum::middleware::from_fn(middleware::security_headers))
}
