//! The visible line a copy or move appends to a post, in GnuBoard5's wording.
//!
//! GnuBoard5 writes `[이 게시물은 {nick}님에 의해 {time} {board}에서 복사 됨]`. Madang writes
//! the same line (so imported and new posts read alike), records the same facts as structured
//! provenance, and lets a site choose the line's language.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// Whether a post was copied (the source remains) or moved (the source is gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transfer {
    Copy,
    Move,
}

impl Transfer {
    /// The name stored in the database and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Transfer::Copy => "copy",
            Transfer::Move => "move",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "copy" => Some(Transfer::Copy),
            "move" => Some(Transfer::Move),
            _ => None,
        }
    }
}

/// The language of the copy line, a site setting (`copy_line_lang`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CopyLineLanguage {
    /// GnuBoard5's own wording; the default, as on the seed site.
    #[default]
    Korean,
    English,
    /// No visible line; provenance is still recorded.
    Off,
}

impl CopyLineLanguage {
    /// Parses the setting's value (`ko`, `en`, `off`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ko" => Some(Self::Korean),
            "en" => Some(Self::English),
            "off" => Some(Self::Off),
            _ => None,
        }
    }
}

/// Formats the copy/move line. `at` is shown in `zone` as `YYYY-MM-DD HH:MM:SS`.
/// Returns `None` when the site turned the line off.
pub fn format_line(
    language: CopyLineLanguage,
    transfer: Transfer,
    actor_nick: &str,
    at: Timestamp,
    zone: &TimeZone,
    source_board: &str,
) -> Option<String> {
    let time = at
        .to_zoned(zone.clone())
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string();
    match language {
        CopyLineLanguage::Off => None,
        CopyLineLanguage::Korean => {
            let verb = match transfer {
                Transfer::Copy => "복사",
                Transfer::Move => "이동",
            };
            Some(format!(
                "[이 게시물은 {actor_nick}님에 의해 {time} {source_board}에서 {verb} 됨]"
            ))
        }
        CopyLineLanguage::English => {
            let verb = match transfer {
                Transfer::Copy => "copied",
                Transfer::Move => "moved",
            };
            Some(format!(
                "[This post was {verb} from {source_board} by {actor_nick} on {time}]"
            ))
        }
    }
}

/// Appends the line to a sanitised HTML body the way GnuBoard5 does for HTML posts: on a new
/// line, inside `<div class="content_copy">` (or `content_move`). The line is escaped.
pub fn append_to_html(body: &str, transfer: Transfer, line: &str) -> String {
    format!("{body}\n{}", line_html(transfer, line))
}

/// The line as HTML: escaped, inside `<div class="content_copy">` (or `content_move`).
pub fn line_html(transfer: Transfer, line: &str) -> String {
    let class = match transfer {
        Transfer::Copy => "content_copy",
        Transfer::Move => "content_move",
    };
    format!("<div class=\"{class}\">{}</div>", crate::html::escape(line))
}

/// Appends the line to a Markdown source as a block of raw HTML, which renders (and is
/// sanitised) as the same `<div>` an HTML post gets.
pub fn append_to_markdown(source: &str, transfer: Transfer, line: &str) -> String {
    crate::markdown::append_html_block(source, &line_html(transfer, line))
}

/// Finds a GnuBoard5 copy/move line in a body, for the importer: returns the transfer kind,
/// nickname, time text and source board name.
pub fn parse_line(text: &str) -> Option<(Transfer, String, String, String)> {
    let start = text.rfind("[이 게시물은 ")?;
    let rest = &text[start + "[이 게시물은 ".len()..];
    let end = rest.find(']')?;
    let inner = &rest[..end];
    let (nick, rest) = inner.split_once("님에 의해 ")?;
    let (transfer, rest) = if let Some(r) = rest.strip_suffix("에서 복사 됨") {
        (Transfer::Copy, r)
    } else {
        (Transfer::Move, rest.strip_suffix("에서 이동 됨")?)
    };
    // "YYYY-MM-DD HH:MM:SS" is 19 characters, then a space, then the board name.
    let time = rest.get(..19)?;
    let board = rest.get(20..)?;
    Some((transfer, nick.to_owned(), time.to_owned(), board.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seoul() -> TimeZone {
        TimeZone::get("Asia/Seoul").unwrap()
    }

    #[test]
    fn writes_the_seed_line() {
        let at: Timestamp = "2015-12-08T06:47:51Z".parse().unwrap();
        let line = format_line(
            CopyLineLanguage::Korean,
            Transfer::Copy,
            "최고관리자",
            at,
            &seoul(),
            "bbs_active_news",
        );
        assert_eq!(
            line.as_deref(),
            Some(
                "[이 게시물은 최고관리자님에 의해 2015-12-08 15:47:51 bbs_active_news에서 복사 됨]"
            )
        );
    }

    #[test]
    fn english_and_move_and_off() {
        let at: Timestamp = "2015-12-08T06:47:51Z".parse().unwrap();
        assert_eq!(
            format_line(
                CopyLineLanguage::English,
                Transfer::Move,
                "admin",
                at,
                &seoul(),
                "news"
            )
            .unwrap(),
            "[This post was moved from news by admin on 2015-12-08 15:47:51]"
        );
        assert_eq!(
            format_line(
                CopyLineLanguage::Off,
                Transfer::Copy,
                "a",
                at,
                &seoul(),
                "b"
            ),
            None
        );
    }

    #[test]
    fn appended_line_is_escaped() {
        assert_eq!(
            append_to_html("<p>x</p>", Transfer::Copy, "[<b>]"),
            "<p>x</p>\n<div class=\"content_copy\">[&lt;b&gt;]</div>"
        );
        // A Markdown post gets the same block, rendered the same after sanitising.
        let source = append_to_markdown("*x*", Transfer::Move, "[<b>]");
        assert_eq!(
            source,
            "*x*\n\n<div class=\"content_move\">[&lt;b&gt;]</div>\n"
        );
        assert_eq!(
            crate::PostBody::Markdown(source).to_safe_html(),
            "<p><em>x</em></p>\n<div class=\"content_move\">[&lt;b&gt;]</div>\n"
        );
    }

    #[test]
    fn parses_its_own_line_back() {
        let (t, nick, time, board) =
            parse_line("body\n[이 게시물은 최고관리자님에 의해 2015-12-08 15:47:51 bbs_active_news에서 복사 됨]").unwrap();
        assert_eq!(t, Transfer::Copy);
        assert_eq!(nick, "최고관리자");
        assert_eq!(time, "2015-12-08 15:47:51");
        assert_eq!(board, "bbs_active_news");
        assert!(parse_line("no line here").is_none());
    }
}
