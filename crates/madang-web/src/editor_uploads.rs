//! Pictures and files dropped or pasted into the rich-text editor (or a Markdown body).
//!
//! # Design: staged uploads, claimed on save
//!
//! A file dropped into the editor must show at once, but a new post has no id yet, and an
//! attachment belongs to a post. Saving a draft behind the writer's back would publish
//! half-written posts into "Drafts" and the audit log, and attaching to an existing post at
//! once would change a live post before its editor saves. So a dropped file is *staged*:
//!
//! 1. `editor.js` POSTs it to `/b/{board}/uploads` with the page's CSRF token and the
//!    form's batch key (a random key the write form carries, so each open form counts its
//!    own files), and, on the edit form, the post's id.
//! 2. This handler checks what the write form's files are checked against — a signed-in
//!    session and its CSRF token, the board's write and upload levels (and, for an edit,
//!    the right to edit that post), and the board's count, size and kinds, the kind judged
//!    from the content by `madang_core::uploads` — then stores the file like any
//!    attachment (`madang-files`) and records it in `staged_uploads` for that member and
//!    board. The answer is JSON: the staging address `/b/{board}/uploads/{token}`
//!    (`madang_core::staging`), the file's name and whether it is a picture. A refusal is
//!    JSON too, with a translated message for the editor's status area.
//! 3. The editor inserts `<img src>` for a picture and a link for any other file. Only the
//!    member who sent it can load a staging address ([`staged_file`]).
//! 4. Saving the post (write or edit) finds the staging addresses its body still refers to
//!    and, in the post's own transaction, turns those files into its attachments and puts
//!    their attachment addresses (`/b/{board}/{post}/files/{file}`) in the body
//!    (`madang_store`'s `claim_staged_in_tx`). A file removed from the body before saving
//!    is not attached; it expires after three days, as do files of abandoned forms.
//!
//! The normal file fields stay on the form for keyboard and screen-reader users and when
//! scripts are off.

use axum::Extension;
use axum::body::Body;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use madang_core::Board;
use madang_core::download::{clean_file_name, content_disposition, sniff_mime};
use madang_core::permission::{BoardAction, may, may_edit};
use madang_core::staging::{self, MAX_PER_MEMBER};
use madang_store::NewStagedUpload;
use minijinja::context;

use crate::AppState;
use crate::auth::CurrentSession;
use crate::error::AppError;
use crate::extract::{PathParts, path_id};
use crate::i18n::{self, Lang};

/// A refused upload: the status and the message (a locale key and the file's name).
struct Refusal {
    status: StatusCode,
    key: &'static str,
    name: String,
}

impl Refusal {
    fn new(status: StatusCode, key: &'static str) -> Refusal {
        Refusal {
            status,
            key,
            name: String::new(),
        }
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Refusal {
        match e {
            AppError::Forbidden => Refusal::new(StatusCode::FORBIDDEN, "editor-upload-forbidden"),
            AppError::NotFound => Refusal::new(StatusCode::NOT_FOUND, "editor-upload-failed"),
            other => Refusal::new(other.status(), "editor-upload-failed"),
        }
    }
}

/// A JSON answer for the editor.
fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A new random batch key or token.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; staging::TOKEN_HEX / 2];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

/// What the write form gives the editor to upload dropped files: the address to send them
/// to, the form's batch key (kept when the form is shown again) and the post being edited.
pub(crate) fn editor_view(
    lang: Lang,
    board: &Board,
    post_id: Option<i64>,
    batch: &str,
) -> minijinja::Value {
    let batch = if staging::is_token(batch) {
        batch.to_owned()
    } else {
        new_token()
    };
    context! {
        url => format!("{}/b/{}/uploads", lang.prefix(), board.slug),
        batch => batch,
        post => post_id,
    }
}

/// POST /b/{slug}/uploads: stages one file dropped into the editor; answers JSON.
pub(crate) async fn upload(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    Extension(current): Extension<CurrentSession>,
    PathParts(slug): PathParts<String>,
    multipart: Multipart,
) -> Response {
    let board = match state.store().board(&slug).await {
        Ok(Some(board)) => board,
        Ok(None) => return refused(lang, None, Refusal::from(AppError::NotFound)),
        Err(e) => return refused(lang, None, Refusal::from(AppError::from(e))),
    };
    match stage(&state, &current, &board, multipart).await {
        Ok((url, name, image)) => json(
            StatusCode::OK,
            &serde_json::json!({ "url": url, "name": name, "image": image }),
        ),
        Err(refusal) => refused(lang, Some(&board), refusal),
    }
}

fn refused(lang: Lang, board: Option<&Board>, refusal: Refusal) -> Response {
    let limits = board.map(|b| b.uploads).unwrap_or_default();
    let message = crate::uploads::message(lang, &limits, refusal.key, &refusal.name);
    json(refusal.status, &serde_json::json!({ "error": message }))
}

/// The fields of an editor upload, in the order `editor.js` sends them.
#[derive(Default)]
struct UploadFields {
    csrf: String,
    batch: String,
    post: String,
    file: Option<(String, axum::body::Bytes)>,
}

async fn read_fields(mut multipart: Multipart) -> Result<UploadFields, Refusal> {
    let failed = || Refusal::new(StatusCode::BAD_REQUEST, "editor-upload-failed");
    let mut fields = UploadFields::default();
    // Past the largest request the server reads, a file is over any board's limit; the
    // reader may find that out before it reaches the file's name.
    let over = |e: &axum::extract::multipart::MultipartError, name: &str| {
        if e.status() != StatusCode::PAYLOAD_TOO_LARGE {
            failed()
        } else if name.is_empty() {
            Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "editor-upload-too-large-unnamed",
            )
        } else {
            Refusal {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                key: "editor-upload-too-large",
                name: clean_file_name(name),
            }
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(|e| over(&e, ""))? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(|e| over(&e, &file_name))?;
            fields.file = Some((file_name, bytes));
            continue;
        }
        let text = field.text().await.map_err(|_| failed())?;
        match name.as_str() {
            "csrf" => fields.csrf = text,
            "batch" => fields.batch = text,
            "post" => fields.post = text,
            _ => {}
        }
    }
    Ok(fields)
}

/// Checks and stages the file; returns its staging address, its name and whether it is a
/// picture.
async fn stage(
    state: &AppState,
    current: &CurrentSession,
    board: &Board,
    multipart: Multipart,
) -> Result<(String, String, bool), Refusal> {
    let session = current
        .require()
        .map_err(|_| Refusal::new(StatusCode::FORBIDDEN, "editor-upload-expired"))?;
    let viewer = current.viewer();
    let fields = read_fields(multipart).await?;
    current
        .check_csrf(&fields.csrf)
        .map_err(|_| Refusal::new(StatusCode::FORBIDDEN, "editor-upload-expired"))?;
    if !may(&viewer, board, BoardAction::Write) || !may(&viewer, board, BoardAction::Upload) {
        return Err(AppError::Forbidden.into());
    }
    if !staging::is_token(&fields.batch) {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "editor-upload-failed",
        ));
    }
    // On the edit form, the post's stored files count too.
    let stored = match fields.post.as_str() {
        "" => 0,
        id => {
            let id = path_id(id)?;
            let (post, deleted) = state
                .store()
                .post_for_staff(board.id, id)
                .await
                .map_err(AppError::from)?
                .ok_or(AppError::NotFound)?;
            if deleted.is_some() || !may_edit(&viewer, board, post.author_id) {
                return Err(AppError::Forbidden.into());
            }
            state
                .store()
                .attachments(id)
                .await
                .map_err(AppError::from)?
                .len()
        }
    };
    let Some((file_name, bytes)) = fields.file.filter(|(_, b)| !b.is_empty()) else {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "editor-upload-failed",
        ));
    };
    let name = clean_file_name(&file_name);
    let now = jiff::Timestamp::now();
    expire(state, now).await;
    let member = session.member.id;
    let (in_batch, waiting) = state
        .store()
        .staged_counts(member, &fields.batch)
        .await
        .map_err(AppError::from)?;
    if waiting >= MAX_PER_MEMBER {
        return Err(Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            "editor-upload-waiting",
        ));
    }
    let mime = sniff_mime(&bytes, &file_name);
    if let Err(refusal) = board.uploads.check(stored + in_batch, bytes.len(), mime) {
        return Err(Refusal {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            key: refusal.editor_message_key(),
            name,
        });
    }
    let done = state
        .files()
        .put(bytes)
        .await
        .map_err(|e| Refusal::from(AppError::from(e)))?;
    let token = new_token();
    let new = NewStagedUpload {
        token: &token,
        batch: &fields.batch,
        member_id: member,
        board_id: board.id,
        name: &name,
        storage_key: &done.key,
        size: done.size,
        sha256: &done.sha256,
        mime,
    };
    if let Err(e) = state.store().stage_upload(&new, now).await {
        let _ = state.files().delete(&done.key).await;
        return Err(AppError::from(e).into());
    }
    Ok((
        staging::staged_url(&board.slug, &token),
        name,
        staging::shows_inline(mime),
    ))
}

/// Removes staged files nobody claimed in time (and their stored bytes).
pub(crate) async fn expire(state: &AppState, now: jiff::Timestamp) {
    match state.store().expire_staged(now).await {
        Ok(keys) => {
            for key in keys {
                // A file left behind is reported by `madang check`.
                let _ = state.files().delete(&key).await;
            }
        }
        Err(e) => tracing::warn!(error = %e, "removing expired editor uploads"),
    }
}

/// GET /b/{slug}/uploads/{token}: a staged file, for the member who sent it only (the
/// editor shows it before the post is saved); anyone else gets "not found".
pub(crate) async fn staged_file(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
    PathParts((slug, token)): PathParts<(String, String)>,
) -> Result<Response, AppError> {
    let session = current.session.as_ref().ok_or(AppError::NotFound)?;
    if !staging::is_token(&token) {
        return Err(AppError::NotFound);
    }
    let board = state
        .store()
        .board(&slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let staged = state
        .store()
        .staged_upload(&token)
        .await?
        .filter(|s| s.member_id == session.member.id && s.board_id == board.id)
        .ok_or(AppError::NotFound)?;
    let file = match state.files().open(&staged.storage_key).await {
        Ok(file) => file,
        Err(madang_files::FilesError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let body = Body::from_stream(futures::StreamExt::map(file.chunks, |c| {
        c.map_err(std::io::Error::other)
    }));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&staged.mime)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&staged.name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// The other methods on the upload addresses: not found, as they were before these
/// addresses existed (`uploads` is no post's id).
pub(crate) async fn not_found() -> AppError {
    AppError::NotFound
}

/// The editor's messages, with `{name}` where the file's name goes (`editor.js` fills it).
pub(crate) fn messages(lang: Lang) -> minijinja::Value {
    let with_name = |key: &str| {
        i18n::text_with(
            lang,
            key,
            &[(
                "name",
                fluent_templates::fluent_bundle::FluentValue::from("{name}"),
            )],
        )
    };
    context! {
        uploading => with_name("editor-uploading"),
        uploaded => with_name("editor-uploaded"),
        failed => i18n::text(lang, "editor-upload-failed"),
        plain => i18n::text(lang, "editor-upload-plain-text"),
        hint => i18n::text(lang, "editor-upload-hint"),
    }
}
