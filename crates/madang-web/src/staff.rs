//! Staff pages: writing, editing, pinning, deleting and restoring posts (the form's fields
//! are judged in `post_form`, its attachments read and checked in `uploads`, files dropped
//! into the editor staged in `editor_uploads`; copying and moving is in `transfer`; drafts,
//! scheduling and categories in `drafts`; the audit log in `audit_log`).
//! Every handler checks permission through `madang_core::permission` and every form carries
//! the session's CSRF token.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Multipart, RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use madang_core::markdown::{BodyFormat, InputFormat};
use madang_core::permission::{BoardAction, administers, may, may_edit};
use madang_core::{Board, NewPost};
use madang_store::{PostEdit, PostOptions};
use minijinja::context;

use crate::AppState;
use crate::auth::{CurrentSession, client_ip};
use crate::error::AppError;
use crate::extract::{PathParts, path_id};
use crate::extract::{field, form_fields};
use crate::i18n::Lang;
use crate::uploads::{PostForm, attach_files, read_post_form, records, remove_files, store_files};
use crate::views::SiteView;

/// Largest whole upload request (all files and fields); each board's per-file limit stays
/// under it.
pub const MAX_UPLOAD_BYTES: usize = madang_core::uploads::MAX_REQUEST_BYTES;

type Ip = crate::extract::ClientAddr;

fn ip_of(connect: &Ip) -> String {
    client_ip(connect.0)
}

/// Whether the form's files, sent with it or dropped into its editor, may be attached.
pub(crate) fn uploads_allowed(
    viewer: &madang_core::permission::Viewer,
    board: &Board,
    form: &PostForm,
) -> bool {
    let attaches =
        !form.files.is_empty() || !crate::post_form::staged_tokens(board, form).is_empty();
    !attaches || may(viewer, board, BoardAction::Upload)
}

pub(crate) async fn board_or_404(state: &AppState, slug: &str) -> Result<Board, AppError> {
    state.store().board(slug).await?.ok_or(AppError::NotFound)
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn write_page(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    board: &Board,
    post_id: Option<i64>,
    form: &PostForm,
    error: Option<&str>,
    attachments: Vec<crate::views::AttachmentView>,
) -> Result<Response, AppError> {
    let site = SiteView::load(state, lang, current).await;
    let viewer = current.viewer();
    // Named only to those who may translate it (a refused or tampered number names nothing),
    // and only on a new post's form.
    let translation_of = match (form.translation_of, post_id) {
        (Some(id), None) => crate::translations::translation_source(state, &viewer, board, id)
            .await
            .ok()
            .map(|source| crate::translations::source_view(lang, &source)),
        _ => None,
    };
    let action = match (post_id, &form.reply_to) {
        (Some(id), _) => format!("{}/b/{}/{}/edit", lang.prefix(), board.slug, id),
        (None, Some((parent, _))) => format!("{}/b/{}/{}/reply", lang.prefix(), board.slug, parent),
        (None, None) => format!("{}/b/{}/write", lang.prefix(), board.slug),
    };
    let reply_to = form.reply_to.as_ref().filter(|_| post_id.is_none()).map(|(id, title)| {
        context! { title => title, href => format!("{}/b/{}/{}", lang.prefix(), board.slug, id) }
    });
    let html = state.theme().render(
        "write.html",
        context! {
            lang => lang.code(), prefix => lang.prefix(), site => site,
            switch_path => format!("{}{}", lang.other().prefix(), &action[lang.prefix().len()..]),
            board => crate::views::BoardView::new(state, board, lang).await,
            current_board => board.slug.clone(),
            action => action, editing => post_id.is_some(), post_id => post_id,
            heading => match (post_id, &reply_to) {
                (Some(_), _) => "edit-title",
                (None, Some(_)) => "reply-title",
                (None, None) => "write-title",
            },
            csrf => current.session.as_ref().map(|s| s.csrf_token.clone()),
            title => form.title, body => form.body,
            format => crate::post_form::shown_format(form),
            editor_upload => crate::editor_uploads::editor_view(lang, board, post_id, &form.batch),
            editor_messages => crate::editor_uploads::messages(lang),
            secret => form.secret, pinned => form.pinned, links => form.links,
            translation_of => translation_of, reply_to => reply_to,
            writing => crate::drafts::form_view(board, form, &state.zone().await),
            // A reply stays in its thread: it is never pinned.
            may_pin => administers(&viewer, board) && reply_to.is_none(),
            may_upload => may(&viewer, board, BoardAction::Upload),
            upload => crate::uploads::upload_view(lang, &board.uploads, attachments.len()),
            attachments => attachments,
            error => error.map(|key| {
                let refused = form.file_error.as_ref().map_or("", |(_, name)| name.as_str());
                crate::uploads::message(lang, &board.uploads, key, refused)
            }),
        },
    )?;
    let mut response = Html(html).into_response();
    if error.is_some() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// GET /b/{slug}/write
pub(crate) async fn write_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts(slug): PathParts<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let board = board_or_404(&state, &slug).await?;
    current.require()?;
    let viewer = current.viewer();
    if !may(&viewer, &board, BoardAction::Write) {
        return Err(AppError::Forbidden);
    }
    let mut form = PostForm::default();
    if let Some(source) = crate::extract::query_param(query.as_deref(), "translation_of") {
        let id =
            path_id(&source).map_err(|_| AppError::BadRequest("translation-error-reference"))?;
        crate::translations::translation_source(&state, &viewer, &board, id).await?;
        form.translation_of = Some(id);
    }
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

/// POST /b/{slug}/write
pub(crate) async fn write_submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts(slug): PathParts<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let board = board_or_404(&state, &slug).await?;
    let viewer = current.viewer();
    if !may(&viewer, &board, BoardAction::Write) {
        return Err(AppError::Forbidden);
    }
    let form = match read_post_form(multipart, &board.uploads, &[]).await {
        Ok(form) => form,
        Err(key) => {
            current.require()?;
            return write_page(
                &state,
                lang,
                &current,
                &board,
                None,
                &PostForm::default(),
                Some(key),
                Vec::new(),
            )
            .await;
        }
    };
    let place = match form.translation_of {
        Some(source) => NewPostPlace::Translation(source),
        None => NewPostPlace::Thread,
    };
    submit_new_post(&state, lang, &current, &board, &form, place).await
}

/// Where a submitted new post goes.
pub(crate) enum NewPostPlace {
    /// A thread of its own.
    Thread,
    /// A translation of this post (`translations`).
    Translation(i64),
    /// A reply to this post, in its thread (`replies`); never pinned.
    ReplyTo(i64),
}

/// A new post's submission once its form is read, for the write and reply forms alike:
/// the CSRF token, the upload level, the fields' checks (a refusal shows the form again
/// with its message), then the files stored and the post written where `place` says, in
/// one transaction, and its page.
pub(crate) async fn submit_new_post(
    state: &AppState,
    lang: Lang,
    current: &CurrentSession,
    board: &Board,
    form: &PostForm,
    place: NewPostPlace,
) -> Result<Response, AppError> {
    let viewer = current.viewer();
    let session = current.check_csrf(&form.csrf)?;
    if !uploads_allowed(&viewer, board, form) {
        return Err(AppError::Forbidden);
    }
    let now = jiff::Timestamp::now();
    let zone = state.zone().await;
    let refused = |key: &'static str| {
        write_page(
            state,
            lang,
            current,
            board,
            None,
            form,
            Some(key),
            Vec::new(),
        )
    };
    let checked = match crate::post_form::checked_fields(board, form, None, 0, now, &zone) {
        Ok(checked) => checked,
        Err(key) => return refused(key).await,
    };
    let options = PostOptions {
        status: checked.placement.publishing.status,
        category: checked.placement.category,
        staged: checked.staged,
    };
    let reply_to = match place {
        NewPostPlace::ReplyTo(parent) => Some(parent),
        _ => None,
    };
    let new = NewPost {
        title: form.title.clone(),
        body: checked.body,
        author_id: Some(session.member.id),
        author_name: session.member.nickname.clone(),
        lang: Some(lang.code().to_owned()),
        // A reply stays in its thread, under what it answers.
        pinned: reply_to.is_none() && form.pinned && administers(&viewer, board),
        // For a reply, the store makes it secret when the parent is, whatever the box said.
        secret: form.secret,
        published_at: checked.placement.publishing.published_at,
        links: checked.links,
    };
    // The files are stored first and recorded with the post in one transaction: a crash
    // leaves either the whole post or none of it (at worst an unreferenced stored file,
    // which `madang check` reports).
    let stored = store_files(state, &form.files).await?;
    let records = records(&form.files, &stored);
    let store = state.store();
    let created = match place {
        NewPostPlace::Thread => {
            store
                .write_post(board.id, &new, &options, &records, now)
                .await
        }
        NewPostPlace::ReplyTo(parent) => {
            store
                .write_reply(board.id, parent, &new, &options, &records, now)
                .await
        }
        NewPostPlace::Translation(source) => {
            match crate::translations::translation_source(state, &viewer, board, source).await {
                Ok(_) => {
                    store
                        .write_translation(board.id, &new, &options, &records, source, now)
                        .await
                }
                Err(e) => {
                    remove_files(state, &stored).await;
                    return Err(e);
                }
            }
        }
    };
    if created.is_err() {
        remove_files(state, &stored).await;
    }
    match created {
        Ok(id) => {
            Ok(Redirect::to(&format!("{}/b/{}/{}", lang.prefix(), board.slug, id)).into_response())
        }
        Err(madang_store::StoreError::Invalid(_)) => refused("write-error-title").await,
        Err(madang_store::StoreError::Translation(e)) => refused(e.message_key()).await,
        Err(e) => Err(e.into()),
    }
}

/// GET /b/{slug}/{id}/edit
pub(crate) async fn edit_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts((slug, id)): PathParts<(String, String)>,
) -> Result<Response, AppError> {
    let board = board_or_404(&state, &slug).await?;
    let id = path_id(&id)?;
    current.require()?;
    let (post, deleted) = state
        .store()
        .post_for_staff(board.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if deleted.is_some() || !may_edit(&current.viewer(), &board, post.author_id) {
        return Err(AppError::Forbidden);
    }
    let source = match post.body_format {
        BodyFormat::Markdown => state.store().markdown_source(id).await?,
        BodyFormat::Html => String::new(),
    };
    let (format, body) = InputFormat::for_editing(post.body_format, &post.body_html, &source);
    let mut form = PostForm {
        title: post.title.clone(),
        body: body.to_owned(),
        format: format.as_str().into(),
        secret: post.secret,
        pinned: post.pinned,
        links: post.links.join("\n"),
        ..PostForm::default()
    };
    let zone = state.zone().await;
    crate::drafts::fill_form(&mut form, &post, jiff::Timestamp::now(), &zone);
    let attachments = state
        .store()
        .attachments(id)
        .await?
        .iter()
        .map(Into::into)
        .collect();
    write_page(
        &state,
        lang,
        &current,
        &board,
        Some(id),
        &form,
        None,
        attachments,
    )
    .await
}

/// POST /b/{slug}/{id}/edit
pub(crate) async fn edit_submit(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    connect: Ip,
    PathParts((slug, id)): PathParts<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let board = board_or_404(&state, &slug).await?;
    let id = path_id(&id)?;
    let viewer = current.viewer();
    let (post, deleted) = state
        .store()
        .post_for_staff(board.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if deleted.is_some() || !may_edit(&viewer, &board, post.author_id) {
        return Err(AppError::Forbidden);
    }
    let existing = state.store().attachments(id).await?;
    // The stored attachments as the form shows them again, with any captions typed.
    let attachments = |form: &PostForm| crate::uploads::attachment_views(&existing, &form.captions);
    let existing_ids: Vec<i64> = existing.iter().map(|a| a.id).collect();
    let now = jiff::Timestamp::now();
    let mut form = match read_post_form(multipart, &board.uploads, &existing_ids).await {
        Ok(form) => form,
        Err(key) => {
            return write_page(
                &state,
                lang,
                &current,
                &board,
                Some(id),
                &PostForm::default(),
                Some(key),
                attachments(&PostForm::default()),
            )
            .await;
        }
    };
    let session = current.check_csrf(&form.csrf)?;
    // Shown again with a message, the form offers the same buttons.
    form.state = Some(madang_core::publishing::PostState::of(
        post.status,
        post.published_at,
        now,
    ));
    if !uploads_allowed(&viewer, &board, &form) {
        return Err(AppError::Forbidden);
    }
    let kept = existing
        .iter()
        .filter(|a| !form.remove.contains(&a.id))
        .count();
    let zone = state.zone().await;
    let checked =
        match crate::post_form::checked_fields(&board, &form, Some(&post), kept, now, &zone) {
            Ok(checked) => checked,
            Err(key) => {
                return write_page(
                    &state,
                    lang,
                    &current,
                    &board,
                    Some(id),
                    &form,
                    Some(key),
                    attachments(&form),
                )
                .await;
            }
        };
    let edit = PostEdit {
        title: form.title.clone(),
        body: checked.body,
        secret: form.secret,
        links: checked.links,
        staged: checked.staged,
    };
    let ip = ip_of(&connect);
    let actor = crate::auth::actor(session, &ip);
    match state
        .store()
        .edit_post_with(id, &edit, Some(&checked.placement), actor, now)
        .await
    {
        Ok(()) => {}
        Err(madang_store::StoreError::Invalid(_)) => {
            return write_page(
                &state,
                lang,
                &current,
                &board,
                Some(id),
                &form,
                Some("write-error-title"),
                attachments(&form),
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    }
    if administers(&viewer, &board) && form.pinned != post.pinned {
        state
            .store()
            .set_pinned(id, form.pinned, actor, now)
            .await?;
    }
    if !form.remove.is_empty() {
        let orphans = state
            .store()
            .remove_attachments(id, &form.remove, actor, now)
            .await?;
        for key in orphans {
            // A file left behind is reported by `madang check`; the edit itself is done.
            let _ = state.files().delete(&key).await;
        }
    }
    let existing: Vec<_> = existing
        .into_iter()
        .filter(|a| !form.remove.contains(&a.id))
        .collect();
    let changed = crate::uploads::changed_captions(&existing, &form.captions);
    if !changed.is_empty() {
        state
            .store()
            .set_attachment_captions(id, &changed, actor, now)
            .await?;
    }
    attach_files(
        &state,
        id,
        &form.files,
        (Some(session.member.id), &session.member.nickname),
    )
    .await?;
    Ok(Redirect::to(&format!("{}/b/{}/{}", lang.prefix(), board.slug, id)).into_response())
}

/// POST /b/{slug}/{id}/{action} for delete, restore, pin and unpin.
pub(crate) async fn post_action(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    connect: Ip,
    PathParts((slug, id, action)): PathParts<(String, String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let board = board_or_404(&state, &slug).await?;
    let id = path_id(&id)?;
    let fields = form_fields(&body);
    let session = current.check_csrf(field(&fields, "csrf"))?;
    let viewer = current.viewer();
    let (post, _deleted) = state
        .store()
        .post_for_staff(board.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ip = ip_of(&connect);
    let actor = crate::auth::actor(session, &ip);
    let now = jiff::Timestamp::now();
    let post_url = format!("{}/b/{}/{}", lang.prefix(), board.slug, id);
    let list_url = format!("{}/b/{}", lang.prefix(), board.slug);
    match action.as_str() {
        "delete" if may_edit(&viewer, &board, post.author_id) => {
            state.store().delete_post(id, actor, now).await?;
            Ok(Redirect::to(&list_url).into_response())
        }
        "restore" if administers(&viewer, &board) => {
            match state.store().restore_post(id, actor, now).await {
                Ok(()) => Ok(Redirect::to(&post_url).into_response()),
                Err(madang_store::StoreError::Invalid(_)) => {
                    Err(AppError::BadRequest("restore-error"))
                }
                Err(e) => Err(e.into()),
            }
        }
        "pin" | "unpin" if administers(&viewer, &board) => {
            state
                .store()
                .set_pinned(id, action == "pin", actor, now)
                .await?;
            Ok(Redirect::to(&post_url).into_response())
        }
        "delete" | "restore" | "pin" | "unpin" => Err(AppError::Forbidden),
        _ => Err(AppError::NotFound),
    }
}
