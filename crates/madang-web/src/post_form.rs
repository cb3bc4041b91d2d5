//! The write and edit forms' fields, checked before anything is stored: the body in its
//! chosen format (`madang_core::markdown`), the links, the files dropped into the editor
//! (`madang_core::staging`), and when the post appears and under which category
//! (`crate::drafts`).

use madang_core::markdown::InputFormat;
use madang_core::{Board, PostBody};
use madang_store::Placement;

use crate::uploads::PostForm;

/// A form's fields, judged.
pub(crate) struct Checked {
    pub body: PostBody,
    pub links: Vec<String>,
    pub placement: Placement,
    /// Tokens of the staged files the body refers to, for the store to claim.
    pub staged: Vec<String>,
}

/// The staged files (editor drops) a form's body refers to on its board.
pub(crate) fn staged_tokens(board: &Board, form: &PostForm) -> Vec<String> {
    madang_core::staging::staged_tokens(&form.body, &board.slug)
}

/// Checks a form for `board`, editing `current` (which keeps `kept` stored attachments
/// after the removals ticked) or writing a new post. `Err` is the message key the form is
/// shown again with.
pub(crate) fn checked_fields(
    board: &Board,
    form: &PostForm,
    current: Option<&madang_core::Post>,
    kept: usize,
    now: jiff::Timestamp,
    zone: &jiff::tz::TimeZone,
) -> Result<Checked, &'static str> {
    if let Some((key, _)) = form.file_error {
        return Err(key);
    }
    let format = InputFormat::parse(&form.format).map_err(|e| e.message_key())?;
    let links = links_of(&form.links)?;
    let staged = staged_tokens(board, form);
    board
        .uploads
        .check_count(kept + staged.len() + form.files.len())
        .map_err(|refusal| refusal.message_key())?;
    let placement = crate::drafts::placement(board, form, current, now, zone)?;
    Ok(Checked {
        body: format.body(form.body.clone()),
        links,
        placement,
        staged,
    })
}

/// External links: one per line, http(s) only, at most two (as GnuBoard5).
fn links_of(text: &str) -> Result<Vec<String>, &'static str> {
    let links: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if links.len() > 2 {
        return Err("write-error-links");
    }
    if links
        .iter()
        .any(|l| !(l.starts_with("https://") || l.starts_with("http://")) || l.len() > 2000)
    {
        return Err("write-error-links");
    }
    Ok(links)
}

/// The format the form shows: the one chosen, or HTML for a value the form never offers.
pub(crate) fn shown_format(form: &PostForm) -> &'static str {
    InputFormat::parse(&form.format)
        .unwrap_or_default()
        .as_str()
}
