//! Drafts, scheduled posts and categories on the staff side: what the write form sends
//! besides the content (judged by `madang_core::publishing` and `::categories`), the post
//! page of a post readers cannot see yet (its editors only), "Publish now", and the list of
//! drafts and scheduled posts a member may edit (`/drafts`).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use madang_core::permission::{BoardAction, Viewer, administers, may, may_edit};
use madang_core::publishing::{Intent, PostState, decide, field_for};
use madang_core::time::{iso, long_date_time};
use madang_core::{Board, Post, categories};
use madang_store::{DraftScope, Placement};
use minijinja::context;

use crate::AppState;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts, field, form_fields, path_id, query_param};
use crate::i18n::{self, Lang};
use crate::uploads::PostForm;
use crate::views::SiteView;

/// The status, time and category a write or edit form asks for, judged against the
/// board's categories and the post as it is (`current`, when editing). The error is a
/// message key for the form.
pub(crate) fn placement(
    board: &Board,
    form: &PostForm,
    current: Option<&Post>,
    now: jiff::Timestamp,
    zone: &jiff::tz::TimeZone,
) -> Result<Placement, &'static str> {
    let intent = Intent::parse(&form.intent).ok_or("write-error-intent")?;
    let publishing = decide(
        intent,
        &form.publish_at,
        current.map(|p| (p.status, p.published_at)),
        zone,
        now,
    )
    .map_err(|e| e.message_key())?;
    let category = categories::choose(
        &board.categories,
        &form.category,
        current.map(|p| p.category.as_str()),
    )
    .map_err(|e| e.message_key())?;
    Ok(Placement {
        publishing,
        category,
    })
}

/// The edit form's publication fields for a post as it is.
pub(crate) fn fill_form(
    form: &mut PostForm,
    post: &Post,
    now: jiff::Timestamp,
    zone: &jiff::tz::TimeZone,
) {
    form.publish_at = field_for(post.status, post.published_at, zone, now);
    form.category = post.category.clone();
    form.state = Some(PostState::of(post.status, post.published_at, now));
}

/// What the write form shows for publication and categories.
pub(crate) fn form_view(
    board: &Board,
    form: &PostForm,
    zone: &jiff::tz::TimeZone,
) -> minijinja::Value {
    let mut choices = board.categories.clone();
    // A post keeps a category its board no longer lists; the form offers it back.
    if !form.category.is_empty() && !choices.contains(&form.category) {
        choices.push(form.category.clone());
    }
    context! {
        publish_at => form.publish_at,
        zone => zone.iana_name().unwrap_or("UTC"),
        state => form.state,
        categories => if board.categories.is_empty() && form.category.is_empty() { Vec::new() } else { choices },
        category => form.category,
    }
}

/// A post readers cannot see yet (a draft or scheduled), with its revision count, for
/// someone who may edit it; `None` for everyone else, and for posts deleted or public
/// (those are the readers' page's, or nobody's).
pub(crate) async fn post_for_editor(
    state: &AppState,
    viewer: &Viewer,
    board: &Board,
    post_id: i64,
    now: jiff::Timestamp,
) -> Result<Option<(Post, i64)>, AppError> {
    if !viewer.is_member() {
        return Ok(None);
    }
    let Some((post, deleted)) = state.store().post_for_staff(board.id, post_id).await? else {
        return Ok(None);
    };
    let hidden = !PostState::of(post.status, post.published_at, now).is_public();
    if deleted.is_some() || !hidden || !may_edit(viewer, board, post.author_id) {
        return Ok(None);
    }
    let revisions = state.store().revision_count(post.id).await?;
    Ok(Some((post, revisions)))
}

/// The post page's notice for its editors: "Draft" or "Scheduled for …", with "Publish
/// now".
pub(crate) fn unpublished_view(
    lang: Lang,
    post: &Post,
    csrf: &str,
    now: jiff::Timestamp,
    zone: &jiff::tz::TimeZone,
) -> minijinja::Value {
    context! {
        state => PostState::of(post.status, post.published_at, now),
        date => long_date_time(post.published_at, zone, lang.code()),
        date_iso => iso(post.published_at, zone),
        csrf => csrf,
    }
}

/// POST /b/{slug}/{id}/publish: publishes a draft or scheduled post now.
pub(crate) async fn publish(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts((slug, id)): PathParts<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let board = crate::staff::board_or_404(&state, &slug).await?;
    let id = path_id(&id)?;
    let fields = form_fields(&body);
    let session = current.check_csrf(field(&fields, "csrf"))?;
    let (post, deleted) = state
        .store()
        .post_for_staff(board.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if deleted.is_some() || !may_edit(&current.viewer(), &board, post.author_id) {
        return Err(AppError::Forbidden);
    }
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    match state
        .store()
        .publish_now(id, actor, jiff::Timestamp::now())
        .await
    {
        Ok(()) => {}
        Err(madang_store::StoreError::Invalid(_)) => {
            return Err(AppError::BadRequest("publish-error-published"));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("{}/b/{}/{}", lang.prefix(), board.slug, id)).into_response())
}

/// GET /drafts[?board=slug]: the drafts and scheduled posts the member may edit, most
/// recently changed first — every board's for the super administrator, the boards they
/// administer and their own posts for others.
pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    current.require()?;
    let viewer = current.viewer();
    let shell = state.shell().await;
    let board = match query_param(query.as_deref(), "board").filter(|s| !s.is_empty()) {
        Some(slug) => Some(shell.board(&slug).ok_or(AppError::NotFound)?.clone()),
        None => None,
    };
    let administered: Vec<i64> = shell
        .boards
        .iter()
        .filter(|b| administers(&viewer, b))
        .map(|b| b.id)
        .collect();
    let scope = DraftScope {
        all: viewer.is_super_admin,
        boards: &administered,
        author: viewer.member_id,
        board: board.as_ref().map(|b| b.id),
    };
    let now = jiff::Timestamp::now();
    let zone = &state.zone().await;
    let posts: Vec<minijinja::Value> = state
        .store()
        .unpublished_posts(&scope, now)
        .await?
        .into_iter()
        .filter_map(|p| {
            let on = shell.boards.iter().find(|b| b.id == p.board_id)?;
            may_edit(&viewer, on, p.author_id).then(|| {
                context! {
                    href => format!("{}/b/{}/{}", lang.prefix(), on.slug, p.id),
                    edit_href => format!("{}/b/{}/{}/edit", lang.prefix(), on.slug, p.id),
                    title => p.title,
                    board => shell.board_title(on, lang),
                    author => p.author_name,
                    category => p.category,
                    state => PostState::of(p.status, p.published_at, now),
                    date => long_date_time(p.published_at, zone, lang.code()),
                    date_iso => iso(p.published_at, zone),
                    changed => long_date_time(p.updated_at, zone, lang.code()),
                    changed_iso => iso(p.updated_at, zone),
                }
            })
        })
        .collect();
    let write_href = board
        .as_ref()
        .filter(|b| may(&viewer, b, BoardAction::Write))
        .map(|b| format!("{}/b/{}/write", lang.prefix(), b.slug));
    let path = match &board {
        Some(b) => format!("/drafts?board={}", b.slug),
        None => "/drafts".to_owned(),
    };
    let site = SiteView::load(&state, lang, &current).await;
    let html = state.theme().render(
        "drafts.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}{path}", lang.other().prefix()),
            board => board.as_ref().map(|b| context! {
                slug => b.slug.clone(), title => shell.board_title(b, lang),
            }),
            write_href => write_href,
            posts => posts,
            heading => i18n::text(lang, "drafts-title"),
        },
    )?;
    Ok(Html(html).into_response())
}
