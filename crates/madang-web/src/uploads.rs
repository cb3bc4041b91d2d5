//! Attachments on the write and edit forms: reading the multipart form, checking each file
//! against its board's limits (count, size, kinds judged by content), storing the files,
//! and describing the limits for the form's hint. The rules themselves are in
//! `madang_core::uploads`.

use axum::body::Bytes;
use axum::extract::Multipart;
use fluent_templates::fluent_bundle::FluentValue;
use madang_core::Attachment;
use madang_core::download::{clean_file_name, sniff_mime};
use madang_core::uploads::{UploadLimits, clean_caption};
use madang_files::StoredFile;
use madang_store::NewAttachment;
use minijinja::context;

use crate::AppState;
use crate::error::AppError;
use crate::extract::path_id;
use crate::i18n::{self, Lang};
use crate::views::AttachmentView;

/// Most file rows a form shows at once, however many files the board allows: more can be
/// added by editing the post. Keeps the page short on a board that allows 50.
const MAX_ROWS: usize = 10;

/// A file accepted from a form, with its caption.
#[derive(Debug)]
pub(crate) struct NewFile {
    pub name: String,
    pub bytes: Bytes,
    pub mime: &'static str,
    pub caption: String,
}

/// A post form as submitted.
#[derive(Debug, Default)]
pub(crate) struct PostForm {
    pub csrf: String,
    pub title: String,
    pub body: String,
    pub format: String,
    pub secret: bool,
    pub pinned: bool,
    pub links: String,
    /// The post this one translates (a new post written with `?translation_of=`).
    pub translation_of: Option<i64>,
    /// The post this one replies to, its id and title (not a form field: the reply form's
    /// address names it, see `replies`).
    pub reply_to: Option<(i64, String)>,
    /// "Publish at" as typed (`datetime-local`), the button used (`intent`) and the
    /// category chosen; `madang_core::publishing` and `::categories` judge them.
    pub publish_at: String,
    pub intent: String,
    pub category: String,
    /// The key of the files dropped into this form's editor (`upload_batch`), kept when
    /// the form is shown again (see `editor_uploads`).
    pub batch: String,
    /// The edited post's state (not a form field): which buttons the form offers.
    pub state: Option<madang_core::publishing::PostState>,
    pub files: Vec<NewFile>,
    /// New captions of the post's stored attachments (`caption_{id}` fields), cleaned.
    pub captions: Vec<(i64, String)>,
    /// Stored attachments ticked for removal (`remove_{id}` fields).
    pub remove: Vec<i64>,
    /// Why a file was refused (a locale key) and the file's name; the typed fields are
    /// still returned so the form can be shown again with them.
    pub file_error: Option<(&'static str, String)>,
}

/// Reads a multipart post form for a board with `limits` and a post whose stored
/// attachments are `existing` (their ids), refusing files over the limits (the first
/// refusal is kept). Stored files ticked for removal before the file inputs (as the form
/// orders them) leave room for new ones.
///
/// Each file input may be followed by a `caption` field: the caption belongs to the file
/// just before it (browsers send fields in the form's order), so no script is needed to
/// pair them. An error is a message key for an upload that could not be read at all.
pub(crate) async fn read_post_form(
    mut multipart: Multipart,
    limits: &UploadLimits,
    existing: &[i64],
) -> Result<PostForm, &'static str> {
    let mut form = PostForm::default();
    // The accepted file a following `caption` field belongs to.
    let mut last_file: Option<usize> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| "write-error-upload")?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name == "files" {
            last_file = None;
            let file_name = field.file_name().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(|_| "write-error-upload")?;
            if file_name.is_empty() && bytes.is_empty() {
                continue; // an empty file input
            }
            let mime = sniff_mime(&bytes, &file_name);
            let kept = existing
                .iter()
                .filter(|id| !form.remove.contains(id))
                .count();
            match limits.check(kept + form.files.len(), bytes.len(), mime) {
                Ok(()) => {
                    last_file = Some(form.files.len());
                    form.files.push(NewFile {
                        name: clean_file_name(&file_name),
                        bytes,
                        mime,
                        caption: String::new(),
                    });
                }
                Err(refusal) if form.file_error.is_none() => {
                    form.file_error = Some((refusal.message_key(), clean_file_name(&file_name)));
                }
                Err(_) => {}
            }
            continue;
        }
        let text = field.text().await.map_err(|_| "write-error-upload")?;
        match name.as_str() {
            "csrf" => form.csrf = text,
            "title" => form.title = text,
            "body" => form.body = text,
            "format" => form.format = text,
            "secret" => form.secret = text == "1",
            "pinned" => form.pinned = text == "1",
            "links" => form.links = text,
            "publish_at" => form.publish_at = text,
            "intent" => form.intent = text,
            "category" => form.category = text,
            "upload_batch" => form.batch = text,
            "translation_of" if !text.is_empty() => {
                form.translation_of =
                    Some(path_id(&text).map_err(|_| "translation-error-reference")?)
            }
            "caption" => {
                if let Some(i) = last_file.take() {
                    form.files[i].caption = clean_caption(&text);
                }
            }
            _ => {
                if let Some(id) = name.strip_prefix("caption_")
                    && let Ok(id) = path_id(id)
                {
                    form.captions.push((id, clean_caption(&text)));
                } else if let Some(id) = name.strip_prefix("remove_")
                    && let Ok(id) = path_id(id)
                    && text == "1"
                    && !form.remove.contains(&id)
                {
                    form.remove.push(id);
                }
            }
        }
    }
    Ok(form)
}

/// Puts a form's files in storage. On failure the files stored so far are removed again,
/// so no orphan stays behind.
pub(crate) async fn store_files(
    state: &AppState,
    files: &[NewFile],
) -> Result<Vec<StoredFile>, AppError> {
    let mut stored = Vec::with_capacity(files.len());
    for file in files {
        match state.files().put(file.bytes.clone()).await {
            Ok(done) => stored.push(done),
            Err(e) => {
                remove_files(state, &stored).await;
                return Err(e.into());
            }
        }
    }
    Ok(stored)
}

/// Removes stored files a failed save did not record.
pub(crate) async fn remove_files(state: &AppState, stored: &[StoredFile]) {
    for file in stored {
        let _ = state.files().delete(&file.key).await;
    }
}

/// The attachment records for stored files, paired in order with the form's files.
pub(crate) fn records<'a>(
    files: &'a [NewFile],
    stored: &'a [StoredFile],
) -> Vec<NewAttachment<'a>> {
    files
        .iter()
        .zip(stored)
        .map(|(file, done)| NewAttachment {
            name: &file.name,
            storage_key: &done.key,
            size: done.size,
            sha256: &done.sha256,
            mime: file.mime,
            caption: &file.caption,
        })
        .collect()
}

/// Stores files and records them one by one on an existing post. If anything fails, the
/// file of the failing record is removed again.
pub(crate) async fn attach_files(
    state: &AppState,
    post_id: i64,
    files: &[NewFile],
    actor: (Option<i64>, &str),
) -> Result<(), AppError> {
    for file in files {
        let stored = state.files().put(file.bytes.clone()).await?;
        let record = NewAttachment {
            name: &file.name,
            storage_key: &stored.key,
            size: stored.size,
            sha256: &stored.sha256,
            mime: file.mime,
            caption: &file.caption,
        };
        if let Err(e) = state
            .store()
            .add_attachment(post_id, &record, actor, jiff::Timestamp::now())
            .await
        {
            let _ = state.files().delete(&stored.key).await;
            return Err(e.into());
        }
    }
    Ok(())
}

/// The arguments every upload message may use: the board's limits and the refused file.
fn message_args(
    lang: Lang,
    limits: &UploadLimits,
    name: &str,
) -> Vec<(&'static str, FluentValue<'static>)> {
    vec![
        ("count", FluentValue::from(limits.max_files)),
        ("size", FluentValue::from(limits.max_file_mb)),
        ("kinds", FluentValue::from(kinds_text(lang, limits))),
        ("name", FluentValue::from(name.to_owned())),
    ]
}

/// The kinds a board accepts, named in the page language ("images, PDF").
fn kinds_text(lang: Lang, limits: &UploadLimits) -> String {
    limits
        .kinds
        .iter()
        .map(|k| i18n::text(lang, &format!("upload-kind-{}", k.as_str())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A form message (a locale key) with the board's limits and the refused file's name.
pub(crate) fn message(lang: Lang, limits: &UploadLimits, key: &str, name: &str) -> String {
    i18n::text_with(lang, key, &message_args(lang, limits, name))
}

/// What the write form needs to offer files: the hint stating the board's limits and as
/// many file rows (file and caption) as the post may still take, up to [`MAX_ROWS`].
pub(crate) fn upload_view(lang: Lang, limits: &UploadLimits, existing: usize) -> minijinja::Value {
    let rows = (limits.max_files as usize)
        .saturating_sub(existing)
        .min(MAX_ROWS);
    let hint = if limits.max_files == 0 {
        i18n::text(lang, "write-files-none")
    } else {
        message(lang, limits, "write-files-hint", "")
    };
    context! { rows => (1..=rows).collect::<Vec<_>>(), hint => hint }
}

/// A post's stored attachments for the edit form, showing a caption typed in the refused
/// form (`typed`) in place of the stored one.
pub(crate) fn attachment_views(
    existing: &[Attachment],
    typed: &[(i64, String)],
) -> Vec<AttachmentView> {
    existing
        .iter()
        .map(|a| {
            let mut view = AttachmentView::from(a);
            if let Some((_, caption)) = typed.iter().find(|(id, _)| *id == a.id) {
                view.caption = caption.clone();
            }
            view
        })
        .collect()
}

/// The typed captions that differ from the stored ones, for the post's own attachments
/// only: an edit that changes none costs no write.
pub(crate) fn changed_captions(
    existing: &[Attachment],
    typed: &[(i64, String)],
) -> Vec<(i64, String)> {
    typed
        .iter()
        .filter(|(id, caption)| {
            existing
                .iter()
                .any(|a| a.id == *id && a.caption != *caption)
        })
        .cloned()
        .collect()
}
