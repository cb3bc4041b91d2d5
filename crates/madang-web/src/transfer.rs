//! Copying and moving a post to other boards (GnuBoard5's "copy/move"): the form listing
//! the boards the actor administers, and the action, checked once for the source and every
//! target through `madang_core::permission::may_transfer`.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use madang_core::Board;
use madang_core::copy_line::Transfer;
use madang_core::permission::{administers, may_transfer};
use madang_store::TransferRequest;
use minijinja::context;

use crate::AppState;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts, field, form_fields, path_id};
use crate::i18n::Lang;
use crate::staff::board_or_404;
use crate::views::SiteView;

/// GET /b/{slug}/{id}/transfer: choose boards to copy or move a post to.
pub(crate) async fn transfer_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts((slug, id)): PathParts<(String, String)>,
) -> Result<Response, AppError> {
    let board = board_or_404(&state, &slug).await?;
    let id = path_id(&id)?;
    let session = current.require()?;
    let viewer = current.viewer();
    if !administers(&viewer, &board) {
        return Err(AppError::Forbidden);
    }
    let (post, deleted) = state
        .store()
        .post_for_staff(board.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if deleted.is_some() {
        return Err(AppError::NotFound);
    }
    let shell = state.shell().await;
    let targets: Vec<_> = state
        .store()
        .boards()
        .await?
        .into_iter()
        .filter(|b| administers(&viewer, b))
        .map(|b| context! { id => b.id, slug => b.slug, title => shell.board_title(&b, lang), is_source => b.id == board.id })
        .collect();
    let site = SiteView::load(&state, lang, &current).await;
    let path = format!("/b/{}/{}/transfer", board.slug, id);
    let html = state.theme().render(
        "transfer.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}{}", lang.other().prefix(), path),
            board => crate::views::BoardView::new(&state, &board, lang).await,
            current_board => board.slug.clone(),
            post => context! { id => post.id, title => post.title },
            targets => targets, csrf => session.csrf_token.clone(),
            action => format!("{}{}", lang.prefix(), path),
        },
    )?;
    Ok(Html(html).into_response())
}

/// POST /b/{slug}/{id}/transfer
pub(crate) async fn transfer_submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts((slug, id)): PathParts<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let board = board_or_404(&state, &slug).await?;
    let id = path_id(&id)?;
    let fields = form_fields(&body);
    let session = current.check_csrf(field(&fields, "csrf"))?;
    let viewer = current.viewer();
    let transfer = match field(&fields, "mode") {
        "copy" => Transfer::Copy,
        "move" => Transfer::Move,
        _ => return Err(AppError::BadRequest("transfer-error-mode")),
    };
    let all_boards = state.store().boards().await?;
    let mut target_ids = Vec::new();
    for (_, value) in fields.iter().filter(|(k, _)| k == "target") {
        let target_id: i64 = value
            .parse()
            .map_err(|_| AppError::BadRequest("transfer-error-targets"))?;
        if !target_ids.contains(&target_id) {
            target_ids.push(target_id);
        }
    }
    let targets: Vec<&Board> = target_ids
        .iter()
        .map(|t| {
            all_boards
                .iter()
                .find(|b| b.id == *t)
                .ok_or(AppError::BadRequest("transfer-error-targets"))
        })
        .collect::<Result<_, _>>()?;
    if targets.is_empty() {
        return Err(AppError::BadRequest("transfer-error-targets"));
    }
    // One check for the whole action: the source and every target must be the actor's.
    if !may_transfer(&viewer, &board, &targets) {
        return Err(AppError::Forbidden);
    }
    let ip = client_ip(addr);
    let zone = state.zone().await;
    let request = TransferRequest {
        transfer,
        post_id: id,
        target_board_ids: &target_ids,
        actor_id: Some(session.member.id),
        actor_name: &session.member.nickname,
        ip: &ip,
        at: jiff::Timestamp::now(),
        line_language: state.config().copy_line_language,
        zone: &zone,
    };
    // The post must belong to this board.
    state
        .store()
        .post_for_staff(board.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match state.store().transfer_post(&request).await {
        Ok(new_ids) => {
            let first = targets[0];
            Ok(Redirect::to(&format!(
                "{}/b/{}/{}",
                lang.prefix(),
                first.slug,
                new_ids[0]
            ))
            .into_response())
        }
        Err(madang_store::StoreError::Invalid(_)) => {
            Err(AppError::BadRequest("transfer-error-own-board"))
        }
        Err(e) => Err(e.into()),
    }
}
