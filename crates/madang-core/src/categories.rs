//! Categories per board (GnuBoard5's `bo_use_category`, `bo_category_list`, `ca_name`): a
//! board may list categories; a post on it may carry one of them, and the board's list
//! can be filtered by one. A board with no categories has none of this.

use unicode_normalization::UnicodeNormalization;

/// Most categories a board may list (a list past this is no longer a filter).
pub const MAX_CATEGORIES: usize = 30;
/// Longest category name, in characters.
pub const MAX_CATEGORY_CHARS: usize = 30;

/// Why a category list or a chosen category was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryError {
    /// A name longer than [`MAX_CATEGORY_CHARS`].
    TooLong,
    /// More than [`MAX_CATEGORIES`] names.
    TooMany,
    /// The same name twice (letter case aside).
    Duplicate,
    /// A control character (a tab, say) in a name.
    BadCharacter,
    /// A post's category that is not in its board's list.
    NotInList,
}

impl CategoryError {
    /// The UI message's key.
    pub fn message_key(self) -> &'static str {
        match self {
            CategoryError::TooLong => "admin-error-category-long",
            CategoryError::TooMany => "admin-error-category-count",
            CategoryError::Duplicate => "admin-error-category-duplicate",
            CategoryError::BadCharacter => "admin-error-category-character",
            CategoryError::NotInList => "write-error-category",
        }
    }
}

/// A name as stored: trimmed, NFC.
fn clean(name: &str) -> String {
    name.trim().nfc().collect()
}

fn check_name(name: &str) -> Result<(), CategoryError> {
    if name.chars().any(char::is_control) {
        return Err(CategoryError::BadCharacter);
    }
    if name.chars().count() > MAX_CATEGORY_CHARS {
        return Err(CategoryError::TooLong);
    }
    Ok(())
}

/// Reads the admin form's list: one name per line, in the order given. Blank lines are
/// skipped (so every name is non-empty); names are trimmed. Refused: a name too long or
/// with a control character, the same name twice (letter case aside), too many names.
pub fn parse_list(text: &str) -> Result<Vec<String>, CategoryError> {
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        let name = clean(line);
        if name.is_empty() {
            continue;
        }
        check_name(&name)?;
        if names.iter().any(|n| same(n, &name)) {
            return Err(CategoryError::Duplicate);
        }
        names.push(name);
        if names.len() > MAX_CATEGORIES {
            return Err(CategoryError::TooMany);
        }
    }
    Ok(names)
}

fn same(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// A GnuBoard5 `bo_category_list` (`News|Statements|…`) as a board's list, leniently: empty
/// and repeated names are skipped, and names Madang refuses (too long, control characters,
/// past the count) are left out and returned second, for the import report. Posts keep
/// their `ca_name` whatever happens here.
pub fn from_gnuboard(list: &str) -> (Vec<String>, Vec<String>) {
    let mut kept: Vec<String> = Vec::new();
    let mut left_out = Vec::new();
    for part in list.split('|') {
        let name = clean(part);
        if name.is_empty() || kept.iter().any(|n| same(n, &name)) {
            continue;
        }
        if check_name(&name).is_err() || kept.len() == MAX_CATEGORIES {
            left_out.push(name);
            continue;
        }
        kept.push(name);
    }
    (kept, left_out)
}

/// A list as stored in one column: names joined by newlines.
pub fn to_stored(names: &[String]) -> String {
    names.join("\n")
}

/// A list as stored, read back.
pub fn from_stored(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Checks the category chosen in the write form against the board's list: empty (none)
/// or one of the list. Editing may keep the post's `current` category even when the
/// list no longer has it (an imported post, a renamed category). Returns it as stored.
pub fn choose(
    list: &[String],
    chosen: &str,
    current: Option<&str>,
) -> Result<String, CategoryError> {
    let chosen = clean(chosen);
    if chosen.is_empty()
        || list.contains(&chosen)
        || current.is_some_and(|c| !c.is_empty() && c == chosen)
    {
        Ok(chosen)
    } else {
        Err(CategoryError::NotInList)
    }
}

/// The category a list filter names (`?category=`), if the board lists it; an empty
/// value is no filter (`Some("")` is never returned).
pub fn filter<'a>(list: &'a [String], asked: &str) -> Option<&'a str> {
    list.iter()
        .find(|n| n.as_str() == asked)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_list_is_one_name_per_line() {
        assert_eq!(
            parse_list(" News \r\n\nStatements\n  \n보도자료\n"),
            Ok(names(&["News", "Statements", "보도자료"]))
        );
        assert_eq!(parse_list(""), Ok(Vec::new()));
        assert_eq!(parse_list("\n \n"), Ok(Vec::new()));
    }

    #[test]
    fn bad_lists_are_refused() {
        assert_eq!(parse_list("News\nnews"), Err(CategoryError::Duplicate));
        assert_eq!(parse_list("News\n News "), Err(CategoryError::Duplicate));
        assert_eq!(
            parse_list(&"x".repeat(MAX_CATEGORY_CHARS + 1)),
            Err(CategoryError::TooLong)
        );
        assert!(parse_list(&"가".repeat(MAX_CATEGORY_CHARS)).is_ok());
        assert_eq!(parse_list("a\tb"), Err(CategoryError::BadCharacter));
        let many: Vec<String> = (0..=MAX_CATEGORIES).map(|n| format!("c{n}")).collect();
        assert_eq!(parse_list(&many.join("\n")), Err(CategoryError::TooMany));
        assert_eq!(
            parse_list(&many[..MAX_CATEGORIES].join("\n")).map(|l| l.len()),
            Ok(MAX_CATEGORIES)
        );
    }

    #[test]
    fn names_are_compared_in_one_unicode_form() {
        // "가" typed as a precomposed syllable and as two jamo is one name.
        let decomposed = "\u{1100}\u{1161}";
        assert_eq!(
            parse_list(&format!("가\n{decomposed}")),
            Err(CategoryError::Duplicate)
        );
        assert_eq!(parse_list(decomposed), Ok(names(&["가"])));
    }

    #[test]
    fn gnuboard_lists_are_read_leniently() {
        let (kept, left_out) = from_gnuboard("공지|성명서||보도자료|공지| 행사 ");
        assert_eq!(kept, names(&["공지", "성명서", "보도자료", "행사"]));
        assert!(left_out.is_empty());
        let long = "x".repeat(MAX_CATEGORY_CHARS + 1);
        let (kept, left_out) = from_gnuboard(&format!("a|{long}|b"));
        assert_eq!(kept, names(&["a", "b"]));
        assert_eq!(left_out, vec![long]);
        assert_eq!(from_gnuboard(""), (Vec::new(), Vec::new()));
    }

    #[test]
    fn stored_lists_round_trip() {
        let list = names(&["News", "보도자료"]);
        assert_eq!(from_stored(&to_stored(&list)), list);
        assert!(from_stored("").is_empty());
    }

    #[test]
    fn a_post_chooses_from_its_board_list() {
        let list = names(&["News", "Statements"]);
        assert_eq!(choose(&list, "News", None), Ok("News".into()));
        assert_eq!(choose(&list, " Statements ", None), Ok("Statements".into()));
        assert_eq!(choose(&list, "", None), Ok(String::new()));
        assert_eq!(choose(&list, "news", None), Err(CategoryError::NotInList));
        assert_eq!(choose(&list, "Other", None), Err(CategoryError::NotInList));
        assert_eq!(choose(&[], "News", None), Err(CategoryError::NotInList));
        // An imported post keeps a category its board does not list.
        assert_eq!(
            choose(&list, "옛 분류", Some("옛 분류")),
            Ok("옛 분류".into())
        );
        assert_eq!(
            choose(&list, "옛 분류", Some("")),
            Err(CategoryError::NotInList)
        );
    }

    #[test]
    fn filters_name_a_listed_category() {
        let list = names(&["News", "Statements"]);
        assert_eq!(filter(&list, "News"), Some("News"));
        assert_eq!(filter(&list, "news"), None);
        assert_eq!(filter(&list, ""), None);
        assert_eq!(filter(&[], "News"), None);
    }
}
