//! Titles of boards and menu groups per UI language.
//!
//! A board or menu group has one default title and, optionally, a title for each UI
//! language. A reader sees the title of the page's language where there is one, else the
//! default: a site that never sets them looks as before.

use std::collections::BTreeMap;

use crate::page::PAGE_LANGS;

/// The most characters a board's or menu group's title may have, in any language.
pub const MAX_TITLE_CHARS: usize = 100;

/// Titles by UI language code (`"en"`, `"ko"`); a language left out has none.
pub type TitlesByLang = BTreeMap<String, String>;

/// Whether `title` (already trimmed) may be a board's or menu group's title: at most
/// [`MAX_TITLE_CHARS`] characters and no control characters (a line break or an escape
/// code in a menu entry would only garble it). Emptiness is the caller's rule: a default
/// title must have text, a title for one language may be left empty.
pub fn valid_title(title: &str) -> bool {
    title.chars().count() <= MAX_TITLE_CHARS && !title.chars().any(char::is_control)
}

/// Whether `lang` is a UI language a title may be set for.
pub fn title_lang(lang: &str) -> bool {
    !lang.is_empty() && PAGE_LANGS.contains(&lang)
}

/// Every per-language title of the site's boards and menu groups, read once per site
/// generation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalTitles {
    /// Board id → its titles.
    pub boards: BTreeMap<i64, TitlesByLang>,
    /// Menu group id → its titles.
    pub groups: BTreeMap<i64, TitlesByLang>,
}

impl LocalTitles {
    /// A board's titles (empty when it has none).
    pub fn of_board(&self, board_id: i64) -> TitlesByLang {
        self.boards.get(&board_id).cloned().unwrap_or_default()
    }

    /// A menu group's titles (empty when it has none).
    pub fn of_group(&self, group_id: i64) -> TitlesByLang {
        self.groups.get(&group_id).cloned().unwrap_or_default()
    }

    /// The title to show for a board in `lang`: its own for that language, else `default`.
    pub fn board<'a>(&'a self, board_id: i64, lang: &str, default: &'a str) -> &'a str {
        pick(self.boards.get(&board_id), lang, default)
    }

    /// The title to show for a menu group in `lang`: its own for that language, else
    /// `default`.
    pub fn group<'a>(&'a self, group_id: i64, lang: &str, default: &'a str) -> &'a str {
        pick(self.groups.get(&group_id), lang, default)
    }
}

fn pick<'a>(titles: Option<&'a TitlesByLang>, lang: &str, default: &'a str) -> &'a str {
    titles
        .and_then(|t| t.get(lang))
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .unwrap_or(default)
}

/// `title=X title[en]=Y title[ko]=Z`: a title and its languages' titles, for the audit log.
pub fn describe_titles(title: &str, titles: &TitlesByLang) -> String {
    let mut out = format!("title={title}");
    for (lang, local) in titles {
        out.push_str(&format!(" title[{lang}]={local}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_checked() {
        assert!(valid_title(""));
        assert!(valid_title("북한인권 소식"));
        assert!(valid_title(&"가".repeat(MAX_TITLE_CHARS)));
        assert!(!valid_title(&"가".repeat(MAX_TITLE_CHARS + 1)));
        assert!(!valid_title("News\nand views"));
        assert!(!valid_title("News\u{1b}[31m"));
        assert!(title_lang("ko") && title_lang("en"));
        assert!(!title_lang("") && !title_lang("fr") && !title_lang("KO"));
    }

    #[test]
    fn the_language_s_title_else_the_default() {
        let mut titles = LocalTitles::default();
        titles
            .boards
            .insert(1, TitlesByLang::from([("ko".into(), "소식".into())]));
        titles
            .groups
            .insert(7, TitlesByLang::from([("en".into(), "Our Work".into())]));
        assert_eq!(titles.board(1, "ko", "News"), "소식");
        assert_eq!(titles.board(1, "en", "News"), "News");
        assert_eq!(titles.board(2, "ko", "Other"), "Other");
        assert_eq!(titles.group(7, "en", "우리의 일"), "Our Work");
        assert_eq!(titles.group(7, "ko", "우리의 일"), "우리의 일");
        assert_eq!(titles.of_board(1).len(), 1);
        assert!(titles.of_group(1).is_empty());
        assert_eq!(
            describe_titles("News", &titles.of_board(1)),
            "title=News title[ko]=소식"
        );
    }
}
