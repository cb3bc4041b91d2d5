//! The audit log page for the super administrator.

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

use crate::AppState;
use crate::auth::CurrentSession;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::views::SiteView;

/// GET /admin/audit: the audit log, newest first, filterable by action and actor.
pub(crate) async fn audit_log(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let session = current.require()?;
    if !session.member.is_super_admin {
        return Err(AppError::Forbidden);
    }
    let param = |name: &str| {
        query.as_deref().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_owned())
        })
    };
    let action_filter = param("action").unwrap_or_default();
    let actor_filter = param("actor").unwrap_or_default();
    let zone = &state.zone().await;
    let entries: Vec<_> = state
        .store()
        .audit_log(1000)
        .await?
        .into_iter()
        .filter(|e| action_filter.is_empty() || e.action.starts_with(&action_filter))
        .filter(|e| actor_filter.is_empty() || e.actor_name.contains(&actor_filter))
        .take(200)
        .map(|e| {
            context! {
                at => e.at.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string(),
                at_iso => e.at.to_string(),
                actor => e.actor_name, action => e.action, target => e.target,
                detail => e.detail, ip => e.ip,
            }
        })
        .collect();
    let site = SiteView::load(&state, lang, &current).await;
    let html = state.theme().render(
        "audit.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}/admin/audit", lang.other().prefix()),
            entries => entries, action_filter => action_filter, actor_filter => actor_filter,
        },
    )?;
    Ok(Html(html).into_response())
}
