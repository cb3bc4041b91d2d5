//! Replies to posts (GnuBoard5's 답변): `GET/POST /b/{slug}/{post}/reply`. The form is the
//! write form (`staff::write_page`) titled "Re: …"; the store puts the reply in its parent's
//! thread (`Store::write_reply`), and `madang_core::replies` holds the rules.
//!
//! Who may reply is the board's reply level through `madang_core::permission::may`, like
//! every other action. The parent must be a post the writer can read: published (a draft or
//! scheduled post, or a deleted one, is not found) and, when secret, theirs to read.

use axum::Extension;
use axum::extract::{Multipart, State};
use axum::response::Response;
use madang_core::permission::{BoardAction, Viewer, may, may_read_secret_in_thread};
use madang_core::{Board, Post};

use crate::AppState;
use crate::auth::CurrentSession;
use crate::error::AppError;
use crate::extract::{PathParts, path_id};
use crate::i18n::Lang;
use crate::staff::{NewPostPlace, board_or_404, submit_new_post, write_page};
use crate::uploads::{PostForm, read_post_form};

/// The post a reply answers, if `viewer` may answer it: the board's read and reply levels,
/// then a published post of the board (else not found), then the secret-post rule.
async fn parent_for_reply(
    state: &AppState,
    viewer: &Viewer,
    board: &Board,
    parent_id: i64,
) -> Result<Post, AppError> {
    if !may(viewer, board, BoardAction::Read) || !may(viewer, board, BoardAction::Reply) {
        return Err(AppError::Forbidden);
    }
    let parent = state
        .store()
        .post(board.id, parent_id, jiff::Timestamp::now())
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_read_post(state, viewer, board, &parent).await? {
        return Err(AppError::Forbidden);
    }
    Ok(parent)
}

/// Whether `viewer` may read `post` as far as secrecy goes: a post that is not secret, or
/// a secret one for its author, the board's administrators and, for a reply, whoever began
/// its thread (GnuBoard5's rule; `madang_core::permission::may_read_secret_in_thread`).
pub(crate) async fn may_read_post(
    state: &AppState,
    viewer: &Viewer,
    board: &Board,
    post: &Post,
) -> Result<bool, AppError> {
    if !post.secret {
        return Ok(true);
    }
    let thread_author = match post.parent_id {
        Some(_) => state.store().thread_author(post.id).await?,
        None => post.author_id,
    };
    Ok(may_read_secret_in_thread(
        viewer,
        board,
        post.author_id,
        thread_author,
    ))
}

/// A reply form's starting fields: "Re: title", the parent's secrecy and (when the board
/// still offers it) its category.
fn reply_form(lang: Lang, board: &Board, parent: &Post) -> PostForm {
    let prefix = crate::i18n::text(lang, "reply-prefix");
    let category = if board.categories.contains(&parent.category) {
        parent.category.clone()
    } else {
        String::new()
    };
    PostForm {
        title: madang_core::replies::reply_title(&prefix, &parent.title),
        secret: parent.secret,
        category,
        reply_to: Some((parent.id, parent.title.clone())),
        ..PostForm::default()
    }
}

/// GET /b/{slug}/{post}/reply
pub(crate) async fn form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts((slug, parent_id)): PathParts<(String, String)>,
) -> Result<Response, AppError> {
    let board = board_or_404(&state, &slug).await?;
    let parent_id = path_id(&parent_id)?;
    current.require()?;
    let parent = parent_for_reply(&state, &current.viewer(), &board, parent_id).await?;
    // A thread at its limits is refused before anything is typed.
    if let Err(refusal) = state.store().reply_place(parent.id).await? {
        return Err(AppError::Refused(refusal.message_key()));
    }
    let form = reply_form(lang, &board, &parent);
    write_page(
        &state,
        lang,
        &current,
        &board,
        None,
        &form,
        None,
        Vec::new(),
    )
    .await
}

/// POST /b/{slug}/{post}/reply
pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts((slug, parent_id)): PathParts<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let board = board_or_404(&state, &slug).await?;
    let parent_id = path_id(&parent_id)?;
    let viewer = current.viewer();
    let parent = parent_for_reply(&state, &viewer, &board, parent_id).await?;
    let reply_to = Some((parent.id, parent.title.clone()));
    let mut form = match read_post_form(multipart, &board.uploads, &[]).await {
        Ok(form) => form,
        Err(key) => {
            current.require()?;
            let form = reply_form(lang, &board, &parent);
            return write_page(
                &state,
                lang,
                &current,
                &board,
                None,
                &form,
                Some(key),
                Vec::new(),
            )
            .await;
        }
    };
    form.reply_to = reply_to;
    submit_new_post(
        &state,
        lang,
        &current,
        &board,
        &form,
        NewPostPlace::ReplyTo(parent.id),
    )
    .await
}
