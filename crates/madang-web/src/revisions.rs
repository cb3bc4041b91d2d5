//! A post's history for staff: the list of its earlier versions, one version compared with
//! the current post, and restoring it. Only staff who may edit the post see or use these
//! pages; a restore is an edit (the current version is kept), so it can be undone.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use madang_core::permission::may_edit;
use madang_core::text::plain_lines;
use madang_core::time::{iso, long_date};
use madang_core::{Board, Post, diff};
use minijinja::{Value, context};

use crate::AppState;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts, field, form_fields, path_id};
use crate::i18n::Lang;
use crate::views::{BoardView, SiteView};

/// The board and the live post at `/b/{slug}/{id}`, if the signed-in viewer may edit it:
/// 404 for a missing or deleted post, 403 for anyone else (guests included).
async fn editable_post(
    state: &AppState,
    current: &CurrentSession,
    slug: &str,
    id: &str,
) -> Result<(Board, Post), AppError> {
    let board = state.store().board(slug).await?.ok_or(AppError::NotFound)?;
    let id = path_id(id)?;
    current.require()?;
    let (post, deleted) = state
        .store()
        .post_for_staff(board.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if deleted.is_some() {
        return Err(AppError::NotFound);
    }
    if !may_edit(&current.viewer(), &board, post.author_id) {
        return Err(AppError::Forbidden);
    }
    Ok((board, post))
}

/// When a version was replaced, as the page shows it: the long date in the page's
/// language and the time of day (several edits often fall on one day).
fn when(at: Timestamp, zone: &TimeZone, lang: Lang) -> String {
    let time = at.to_zoned(zone.clone()).strftime("%H:%M").to_string();
    format!("{} {time}", long_date(at, zone, lang.code()))
}

/// What every page of a post's history shows: site, board and post.
async fn page_context(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    board: &Board,
    post: &Post,
    path: &str,
) -> Value {
    context! {
        lang => lang.code(), prefix => lang.prefix(),
        site => SiteView::load(state, lang, current).await,
        switch_path => format!("{}{path}", lang.other().prefix()),
        board => BoardView::new(state, board, lang).await,
        current_board => board.slug.clone(),
        post => context! { id => post.id, title => post.title.clone() },
        history => format!("{}/b/{}/{}/revisions", lang.prefix(), board.slug, post.id),
    }
}

/// GET /b/{slug}/{id}/revisions: the post's earlier versions, newest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts((slug, id)): PathParts<(String, String)>,
) -> Result<Response, AppError> {
    let (board, post) = editable_post(&state, &current, &slug, &id).await?;
    let zone = &state.zone().await;
    let revisions: Vec<Value> = state
        .store()
        .revisions(post.id)
        .await?
        .into_iter()
        .map(|r| {
            context! {
                href => format!("{}/b/{}/{}/revisions/{}", lang.prefix(), board.slug, post.id, r.id),
                when => when(r.saved_at, zone, lang),
                when_iso => iso(r.saved_at, zone),
                editor => r.editor_name,
                title => r.title,
            }
        })
        .collect();
    let path = format!("/b/{}/{}/revisions", board.slug, post.id);
    let page = page_context(&state, lang, &current, &board, &post, &path).await;
    let html = state.theme().render(
        "revisions.html",
        context! { revisions => revisions, ..page },
    )?;
    Ok(Html(html).into_response())
}

/// GET /b/{slug}/{id}/revisions/{rev}: one version compared with the current post, and the
/// form that restores it.
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts((slug, id, rev)): PathParts<(String, String, String)>,
) -> Result<Response, AppError> {
    let (board, post) = editable_post(&state, &current, &slug, &id).await?;
    let revision = state
        .store()
        .revision(post.id, path_id(&rev)?)
        .await?
        .ok_or(AppError::NotFound)?;
    // Older (the revision) against newer (the current post): what restoring would undo.
    let comparison = diff::compare(
        (&revision.title, &plain_lines(&revision.body_html)),
        (&post.title, &plain_lines(&post.body_html)),
    );
    let zone = &state.zone().await;
    let path = format!("/b/{}/{}/revisions/{}", board.slug, post.id, revision.id);
    let page = page_context(&state, lang, &current, &board, &post, &path).await;
    let csrf = current.require()?.csrf_token.clone();
    let html = state.theme().render(
        "revision.html",
        context! {
            revision => context! {
                id => revision.id,
                title => revision.title,
                when => when(revision.saved_at, zone, lang),
                when_iso => iso(revision.saved_at, zone),
                editor => revision.editor_name,
            },
            diff => Value::from_serialize(&comparison),
            csrf => csrf,
            action => format!("{}{path}/restore", lang.prefix()),
            ..page
        },
    )?;
    Ok(Html(html).into_response())
}

/// POST /b/{slug}/{id}/revisions/{rev}/restore: puts that version back and shows the post.
pub(crate) async fn restore(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    connect: ClientAddr,
    PathParts((slug, id, rev)): PathParts<(String, String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = form_fields(&body);
    let session = current.check_csrf(field(&fields, "csrf"))?;
    let (board, post) = editable_post(&state, &current, &slug, &id).await?;
    let ip = client_ip(connect.0);
    let actor = crate::auth::actor(session, &ip);
    state
        .store()
        .restore_revision(post.id, path_id(&rev)?, actor, Timestamp::now())
        .await?;
    Ok(Redirect::to(&format!("{}/b/{}/{}", lang.prefix(), board.slug, post.id)).into_response())
}
