//! GnuBoard5's search addresses, read as Madang searches, so that bookmarked and shared
//! searches of an imported site keep working.
//!
//! GnuBoard5 searches a board with `/bbs/board.php?bo_table=…&sca=…&sfl=…&stx=…&sop=…` and
//! the whole site with `/bbs/search.php?sfl=…&stx=…&sop=…`: `stx` holds the words, `sop`
//! joins them (`and`, the default, or `or`), `sca` is the board's category, and `sfl` says
//! where to look — `wr_subject`, `wr_content`, `wr_subject||wr_content`, or an author:
//! `wr_name,1` / `mb_id,1` for posts and `wr_name,0` / `mb_id,0` for comments.

/// The most words taken from `stx` (GnuBoard5 itself searched at most the first few; a
/// longer line is someone else's query, not a bookmark).
const MAX_WORDS: usize = 10;

/// The `/search` parameters for a GnuBoard5 search, as (name, value) pairs, without the
/// board; `None` when `stx` holds no words (then the address is a list, not a search).
///
/// An author search becomes Madang's author filter; Madang needs words to search for, so
/// its page then asks for them with the author already filled in.
///
/// ```
/// use madang_core::search::gnuboard_search;
/// let pairs = gnuboard_search("wr_subject", "북한 인권", "or", "성명서").unwrap();
/// assert_eq!(
///     pairs,
///     vec![
///         ("q", "북한 OR 인권".to_owned()),
///         ("field", "title".to_owned()),
///         ("category", "성명서".to_owned()),
///     ]
/// );
/// ```
pub fn gnuboard_search(
    sfl: &str,
    stx: &str,
    sop: &str,
    sca: &str,
) -> Option<Vec<(&'static str, String)>> {
    let words: Vec<&str> = stx.split_whitespace().take(MAX_WORDS).collect();
    if words.is_empty() {
        return None;
    }
    let joiner = if sop.trim().eq_ignore_ascii_case("or") {
        " OR "
    } else {
        " "
    };
    let mut pairs: Vec<(&'static str, String)> = Vec::with_capacity(4);
    let (name, posts) = match sfl.trim().split_once(',') {
        Some((name, kind)) => (name, kind.trim() != "0"),
        None => (sfl.trim(), true),
    };
    match name {
        "wr_name" | "mb_id" => {
            if !posts {
                pairs.push(("field", "comments".to_owned()));
            }
            pairs.push(("author", words.join(" ")));
        }
        "wr_subject" => {
            pairs.push(("q", words.join(joiner)));
            pairs.push(("field", "title".to_owned()));
        }
        "wr_content" => {
            pairs.push(("q", words.join(joiner)));
            pairs.push(("field", "body".to_owned()));
        }
        // `wr_subject||wr_content`, nothing, or a field Madang does not keep (wr_1…).
        _ => pairs.push(("q", words.join(joiner))),
    }
    let category = sca.trim();
    if !category.is_empty() {
        pairs.push(("category", category.to_owned()));
    }
    Some(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(sfl: &str, stx: &str, sop: &str, sca: &str) -> Vec<(&'static str, String)> {
        gnuboard_search(sfl, stx, sop, sca).unwrap()
    }

    fn owned(list: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        list.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn fields_map_to_madangs() {
        assert_eq!(
            pairs("wr_subject||wr_content", "탈북민", "and", ""),
            owned(&[("q", "탈북민")])
        );
        assert_eq!(pairs("", "탈북민", "", ""), owned(&[("q", "탈북민")]));
        assert_eq!(
            pairs("wr_content", "forced  labour", "", ""),
            owned(&[("q", "forced labour"), ("field", "body")])
        );
        assert_eq!(
            pairs("wr_1", "x", "", ""),
            owned(&[("q", "x")]),
            "an extra field is searched as title and text"
        );
    }

    #[test]
    fn or_joins_the_words_and_and_is_the_default() {
        assert_eq!(pairs("", "a b c", "OR", ""), owned(&[("q", "a OR b OR c")]));
        assert_eq!(pairs("", "a b", "and", ""), owned(&[("q", "a b")]));
        assert_eq!(pairs("", "a b", "nonsense", ""), owned(&[("q", "a b")]));
    }

    #[test]
    fn author_searches_fill_the_author_filter() {
        assert_eq!(
            pairs("wr_name,1", "소라", "", ""),
            owned(&[("author", "소라")])
        );
        assert_eq!(
            pairs("mb_id,0", "lee_sora", "", "보고서"),
            owned(&[
                ("field", "comments"),
                ("author", "lee_sora"),
                ("category", "보고서")
            ])
        );
    }

    #[test]
    fn no_words_is_no_search_and_long_lines_are_cut() {
        assert_eq!(gnuboard_search("wr_subject", "   ", "", "성명서"), None);
        let many = "w ".repeat(50);
        let q = &pairs("", &many, "", "")[0].1;
        assert_eq!(q.split(' ').count(), MAX_WORDS);
    }
}
