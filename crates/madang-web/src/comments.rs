//! Writing and deleting comments on a post.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use madang_core::permission::{BoardAction, administers, may};
use madang_store::{CommentRefusal, NewComment};

use crate::AppState;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{ClientAddr, PathParts, path_id};
use crate::extract::{field, form_fields};
use crate::i18n::Lang;

fn refusal_key(refusal: &CommentRefusal) -> &'static str {
    match refusal {
        CommentRefusal::Empty => "comment-error-empty",
        CommentRefusal::TooLong => "comment-error-too-long",
        CommentRefusal::TooDeep => "comment-error-too-deep",
        CommentRefusal::TooManyReplies => "comment-error-too-many",
        CommentRefusal::TooFast => "comment-error-too-fast",
    }
}

/// POST /b/{slug}/{post}/comments: a new comment or a reply (`parent`).
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts((slug, post_id)): PathParts<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let post_id = path_id(&post_id)?;
    let fields = form_fields(&body);
    let session = current.check_csrf(field(&fields, "csrf"))?;
    let viewer = current.viewer();
    let board = state
        .store()
        .board(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let post = state
        .store()
        .post(board.id, post_id, jiff::Timestamp::now())
        .await?
        .ok_or(AppError::NotFound)?;
    if !may(&viewer, &board, BoardAction::Comment)
        || !may(&viewer, &board, BoardAction::Read)
        || !crate::replies::may_read_post(&state, &viewer, &board, &post).await?
    {
        return Err(AppError::Forbidden);
    }
    let parent_id = match field(&fields, "parent") {
        "" => None,
        text => Some(
            text.parse::<i64>()
                .map_err(|_| AppError::BadRequest("comment-error-parent"))?,
        ),
    };
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    let new = NewComment {
        post_id,
        parent_id,
        body: field(&fields, "body"),
        secret: field(&fields, "secret") == "1",
    };
    let post_url = format!("{}/b/{}/{}", lang.prefix(), board.slug, post_id);
    match state
        .store()
        .create_comment(&new, actor, jiff::Timestamp::now())
        .await
    {
        Ok(Ok(id)) => Ok(Redirect::to(&format!("{post_url}#comment-{id}")).into_response()),
        Ok(Err(refusal)) => Err(AppError::BadRequest(refusal_key(&refusal))),
        Err(madang_store::StoreError::NotFound) => {
            Err(AppError::BadRequest("comment-error-parent"))
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /b/{slug}/{post}/comments/{comment}/delete: by its author or the board's administrators.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    ClientAddr(addr): ClientAddr,
    PathParts((slug, post_id, comment_id)): PathParts<(String, String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let post_id = path_id(&post_id)?;
    let comment_id = path_id(&comment_id)?;
    let fields = form_fields(&body);
    let session = current.check_csrf(field(&fields, "csrf"))?;
    let viewer = current.viewer();
    let board = state
        .store()
        .board(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let author = state
        .store()
        .comment_author(post_id, comment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let own = author.is_some() && author == viewer.member_id;
    if !own && !administers(&viewer, &board) {
        return Err(AppError::Forbidden);
    }
    let ip = client_ip(addr);
    let actor = crate::auth::actor(session, &ip);
    state
        .store()
        .delete_comment(comment_id, actor, jiff::Timestamp::now())
        .await?;
    Ok(Redirect::to(&format!(
        "{}/b/{}/{}#comments-heading",
        lang.prefix(),
        board.slug,
        post_id
    ))
    .into_response())
}
