//! Content pages: About, Privacy, an FAQ — pages that are not posts on a board. A page has a
//! slug (its address, `/pages/<slug>`) and one row per language: a row for every language
//! (`lang` empty) and, optionally, translations for a particular UI language.

use jiff::Timestamp;
use thiserror::Error;

use crate::model::PostBody;

/// Longest page title, in characters.
pub const MAX_PAGE_TITLE: usize = 200;
/// Longest page body as submitted, in bytes (GnuBoard5's `co_content` is a longtext; one
/// megabyte is far beyond any About page and keeps a form post bounded).
pub const MAX_PAGE_BODY: usize = 1024 * 1024;
/// The languages a page row can be for; `""` serves every language.
pub const PAGE_LANGS: &[&str] = &["", "en", "ko"];

/// A stored page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub id: i64,
    pub slug: String,
    /// `""` (every language) or a UI language code.
    pub lang: String,
    pub title: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// The menu group it is listed in, if any.
    pub group_id: Option<i64>,
    /// Its place among the group's items.
    pub position: i64,
    pub views: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What an administrator submits for a page. The body is sanitised by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPage {
    pub slug: String,
    pub lang: String,
    pub title: String,
    pub body: PostBody,
    pub group_id: Option<i64>,
    pub position: i64,
}

/// Why a page was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PageError {
    #[error("a page address must be 1 to 40 characters of a–z, 0–9, - and _")]
    Slug,
    #[error("a page needs a title of at most 200 characters")]
    Title,
    #[error("the page is longer than one megabyte")]
    Body,
    #[error("unknown page language")]
    Lang,
}

impl PageError {
    /// The locale key of the message an administrator sees.
    pub fn message_key(&self) -> &'static str {
        match self {
            PageError::Slug => "page-error-slug",
            PageError::Title => "page-error-title",
            PageError::Body => "page-error-body",
            PageError::Lang => "page-error-lang",
        }
    }
}

/// Checks a page slug: lower-case ASCII letters, digits, `-` and `_`, 1 to 40 bytes, not
/// starting with `-` or `_`. GnuBoard5's `co_id` (letters, digits, `_`, up to 20) fits once
/// lower-cased.
pub fn validate_page_slug(slug: &str) -> Result<(), PageError> {
    let ok = (1..=40).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !slug.starts_with(['-', '_']);
    if ok { Ok(()) } else { Err(PageError::Slug) }
}

impl NewPage {
    /// Trims the title and slug and checks every field; the body is sanitised on save.
    pub fn validated(mut self) -> Result<NewPage, PageError> {
        self.slug = self.slug.trim().to_ascii_lowercase();
        validate_page_slug(&self.slug)?;
        self.title = self.title.trim().to_owned();
        let chars = self.title.chars().count();
        if chars == 0 || chars > MAX_PAGE_TITLE || self.title.chars().any(char::is_control) {
            return Err(PageError::Title);
        }
        let body_len = match &self.body {
            PostBody::Html(s) | PostBody::Text(s) | PostBody::Markdown(s) => s.len(),
        };
        if body_len > MAX_PAGE_BODY {
            return Err(PageError::Body);
        }
        if !PAGE_LANGS.contains(&self.lang.as_str()) {
            return Err(PageError::Lang);
        }
        Ok(self)
    }
}

/// Of the rows of one slug, the one to show in `ui_lang`: its own translation, else the
/// row for every language, else any row (the first by id). `rows` are `(lang, id)`.
pub fn pick_page_row(rows: &[(String, i64)], ui_lang: &str) -> Option<i64> {
    let rank = |lang: &str| match lang {
        l if l == ui_lang => 0,
        "" => 1,
        _ => 2,
    };
    rows.iter()
        .min_by_key(|(lang, id)| (rank(lang), *id))
        .map(|(_, id)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(slug: &str, title: &str, lang: &str) -> NewPage {
        NewPage {
            slug: slug.into(),
            lang: lang.into(),
            title: title.into(),
            body: PostBody::Html("<p>x</p>".into()),
            group_id: None,
            position: 0,
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(validate_page_slug("company"), Ok(()));
        assert_eq!(validate_page_slug("privacy-policy_2"), Ok(()));
        for bad in [
            "",
            "-x",
            "_x",
            "Company",
            "a b",
            "a/b",
            "소개",
            &"a".repeat(41),
        ] {
            assert_eq!(validate_page_slug(bad), Err(PageError::Slug), "{bad:?}");
        }
    }

    #[test]
    fn validation_trims_and_lowercases() {
        let p = page(" Company ", "  About us ", "").validated().unwrap();
        assert_eq!((p.slug.as_str(), p.title.as_str()), ("company", "About us"));
        assert_eq!(
            page("a", "   ", "").validated().unwrap_err(),
            PageError::Title
        );
        assert_eq!(
            page("a", &"가".repeat(201), "").validated().unwrap_err(),
            PageError::Title
        );
        assert_eq!(
            page("a", "t", "fr").validated().unwrap_err(),
            PageError::Lang
        );
        let mut big = page("a", "t", "ko");
        big.body = PostBody::Text("x".repeat(MAX_PAGE_BODY + 1));
        assert_eq!(big.validated().unwrap_err(), PageError::Body);
    }

    #[test]
    fn picks_the_readers_language_then_the_shared_row() {
        let rows = vec![("".to_owned(), 1), ("ko".to_owned(), 2)];
        assert_eq!(pick_page_row(&rows, "ko"), Some(2));
        assert_eq!(pick_page_row(&rows, "en"), Some(1));
        let only_ko = vec![("ko".to_owned(), 5)];
        assert_eq!(pick_page_row(&only_ko, "en"), Some(5));
        assert_eq!(pick_page_row(&[], "en"), None);
    }
}
