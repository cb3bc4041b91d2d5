//! The highlighted passage shown under each search result.
//!
//! Highlighting happens here, in Rust, rather than in either engine, so SQLite and
//! PostgreSQL show the same snippet, and so the one place that turns post text into HTML for
//! results escapes it. What is highlighted follows the query's own rules: Korean and CJK by
//! substring of the (particle-stripped) words typed, so `북한의` marks `북한` inside
//! `북한인권`; other words when the word's term equals a query term, so `repatriation` marks
//! `Repatriated` — the same stemmer decides, so the marks agree with what the index matched.

use std::ops::Range;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
use unicode_segmentation::UnicodeSegmentation;

use super::query::{Highlight, SearchQuery};
use super::terms::{self, Class};
use crate::html::escape;
use crate::text::{ELLIPSIS, collapse_whitespace};

/// Matches looked at when choosing the passage; enough for any sensible post.
const MAX_HITS: usize = 500;

/// How far (in characters) a cut end may move to fall between words instead of inside one.
const SNAP: usize = 12;

/// One match, as a range of grapheme indices, and which query word it is for.
struct Hit {
    range: Range<usize>,
    needle: usize,
}

/// An HTML snippet of `text` (plain text, e.g. [`crate::text::plain_text`] of a post body)
/// around its best passage for `query`, with matches in `<mark>…</mark>`.
///
/// The passage is the `max_chars`-character window (counted in graphemes, as
/// [`crate::text::cut`] counts; `0` = the whole text) holding the most different query
/// words, then the most matches. Ends that were cut get "…" (not counted in `max_chars`) and
/// move to a space when one is near. Whitespace is collapsed. Without any match the snippet
/// is the start of the text. All text is HTML-escaped; the `<mark>` tags are the only markup.
pub fn snippet(text: &str, query: &SearchQuery, max_chars: usize) -> String {
    // Nearly all text is stored composed already; only the rest is composed again.
    let text = if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        collapse_whitespace(text)
    } else {
        collapse_whitespace(&text.nfc().collect::<String>())
    };
    let graphemes = grapheme_indices(&text);
    let hits = find_hits(&text, &graphemes, query);
    let total = graphemes.len();
    let (start, end) = if max_chars == 0 || total <= max_chars {
        (0, total)
    } else {
        window(&hits, &graphemes, max_chars)
    };

    let slice = |from: usize, to: usize| {
        let byte = |i: usize| graphemes.get(i).map_or(text.len(), |g| g.0);
        escape(&text[byte(from)..byte(to)])
    };
    let mut out = String::new();
    if start > 0 {
        out.push_str(ELLIPSIS);
    }
    let mut at = start;
    for mark in merge(&hits, start, end) {
        out.push_str(&slice(at, mark.start));
        out.push_str("<mark>");
        out.push_str(&slice(mark.start, mark.end));
        out.push_str("</mark>");
        at = mark.end;
    }
    out.push_str(&slice(at, end));
    if end < total {
        out.push_str(ELLIPSIS);
    }
    out
}

/// The grapheme clusters of `text` with their byte offsets. Text made only of characters
/// that never join their neighbours (letters without marks, Hangul syllables, CJK, common
/// punctuation; whitespace is already single spaces) has one cluster per character, found
/// without the full segmentation rules, which took a fifth of a snippet's time.
fn grapheme_indices(text: &str) -> Vec<(usize, &str)> {
    fn stands_alone(c: char) -> bool {
        matches!(c as u32,
            0x20..=0x7E                 // ASCII, without controls
            | 0xA0..=0x2FF              // Latin-1 and Latin Extended letters (marks start at 0x300)
            | 0x2010..=0x2027 | 0x2030..=0x205E // General Punctuation, without joiners and controls
            | 0x3000..=0x3029 | 0x3030..=0x303F // CJK symbols, without the tone marks 302A–302F
            | 0x3131..=0x318E           // Hangul compatibility jamo (letters of their own)
            | 0x4E00..=0x9FFF           // CJK unified ideographs
            | 0xAC00..=0xD7A3           // Hangul syllables
            | 0xFF01..=0xFF5E           // full-width forms
        ) && c != '\u{AD}'
    }
    if text.chars().all(stands_alone) {
        text.char_indices()
            .map(|(at, c)| (at, &text[at..at + c.len_utf8()]))
            .collect()
    } else {
        text.grapheme_indices(true).collect()
    }
}

/// Finds every match of the query's words in `text`, as grapheme ranges, in text order.
fn find_hits(text: &str, graphemes: &[(usize, &str)], query: &SearchQuery) -> Vec<Hit> {
    let mut needles: Vec<&Highlight> = Vec::new();
    for needle in query.highlights() {
        if !needles.contains(&needle) {
            needles.push(needle);
        }
    }
    // A word's term starts with the word's first letter, lower-cased (stemming only
    // changes endings), so a word starting with an ASCII letter no query term starts with
    // is not stemmed at all. Other first characters may change under normalisation.
    let word_starts: Vec<char> = needles
        .iter()
        .filter_map(|needle| match needle {
            Highlight::Word(word) => word.chars().next(),
            Highlight::Syllables(_) => None,
        })
        .collect();
    let mut found: Vec<(Range<usize>, usize)> = Vec::new();
    for run in terms::runs(text) {
        if run.class == Class::Word {
            if let Some(&(_, first)) = run.chars.first()
                && first.is_ascii()
                && !word_starts.contains(&first.to_ascii_lowercase())
            {
                continue;
            }
            let term = terms::word_term(&terms::normalize(&run.text()));
            for (id, needle) in needles.iter().enumerate() {
                if matches!(needle, Highlight::Word(word) if *word == term) {
                    found.push((run.byte_range(0, run.chars.len()), id));
                }
            }
        } else {
            let chars: Vec<char> = run.chars.iter().map(|&(_, c)| c).collect();
            for (id, needle) in needles.iter().enumerate() {
                let Highlight::Syllables(word) = needle else {
                    continue;
                };
                for (i, window) in chars.windows(word.len()).enumerate() {
                    if window == word.as_slice() {
                        found.push((run.byte_range(i, i + word.len()), id));
                    }
                }
            }
        }
        if found.len() >= MAX_HITS {
            break;
        }
    }
    let starts: Vec<usize> = graphemes.iter().map(|g| g.0).collect();
    let mut hits: Vec<Hit> = found
        .into_iter()
        .map(|(bytes, needle)| Hit {
            range: starts.partition_point(|&s| s <= bytes.start) - 1
                ..starts.partition_point(|&s| s < bytes.end),
            needle,
        })
        .collect();
    hits.sort_by_key(|h| (h.range.start, h.range.end));
    hits
}

/// Chooses the window of `max` graphemes to show (see [`snippet`]).
fn window(hits: &[Hit], graphemes: &[(usize, &str)], max: usize) -> (usize, usize) {
    let total = graphemes.len();
    let lead = max / 4;
    let mut best: Option<((usize, usize), usize)> = None;
    for hit in hits {
        let start = hit.range.start.saturating_sub(lead).min(total - max);
        let inside: Vec<&Hit> = hits
            .iter()
            .filter(|h| h.range.start >= start && h.range.end <= start + max)
            .collect();
        let mut needles: Vec<usize> = inside.iter().map(|h| h.needle).collect();
        needles.sort_unstable();
        needles.dedup();
        let score = (needles.len(), inside.len());
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, start));
        }
    }
    let mut start = best.map_or(0, |(_, start)| start);
    let mut end = start + max;

    // Move cut ends to a space when one is near, never past a match.
    let is_space = |i: usize| graphemes[i].1 == " ";
    let inside = || {
        hits.iter()
            .filter(|h| h.range.start >= start && h.range.end <= end)
    };
    let first_hit = inside().map(|h| h.range.start).min().unwrap_or(end);
    let last_hit = inside().map(|h| h.range.end).max().unwrap_or(start);
    if start > 0
        && !is_space(start - 1)
        && let Some(space) = (start..(start + SNAP).min(first_hit)).find(|&i| is_space(i))
    {
        start = space + 1;
    }
    if end < total
        && !is_space(end)
        // Not before `start` either: it may have moved forward above, and a window whose
        // end is before its start cannot be sliced (found by fuzzing).
        && let Some(space) = (end.saturating_sub(SNAP).max(last_hit).max(start)..end)
            .rev()
            .find(|&i| is_space(i))
    {
        end = space;
    }
    while start < end && is_space(start) {
        start += 1;
    }
    while end > start && is_space(end - 1) {
        end -= 1;
    }
    (start, end)
}

/// The hits within `start..end`, merged where they overlap or touch.
fn merge(hits: &[Hit], start: usize, end: usize) -> Vec<Range<usize>> {
    let mut marks: Vec<Range<usize>> = Vec::new();
    for hit in hits {
        let range = hit.range.start.max(start)..hit.range.end.min(end);
        if range.is_empty() {
            continue;
        }
        match marks.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => marks.push(range),
        }
    }
    marks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::parse_query;

    /// Every character the quick path takes for a cluster of its own is one, next to
    /// itself, ASCII and a Hangul syllable; and mixed text with marks, joiners, jamo and
    /// emoji takes the full rules and gets the same clusters as they give.
    #[test]
    fn quick_clusters_are_the_segmenters_clusters() {
        let mut alone = 0;
        for c in (0x20u32..0x3_0000).filter_map(char::from_u32) {
            let text = format!("{c}{c}a{c}가{c}");
            let quick = grapheme_indices(&text);
            let full: Vec<(usize, &str)> = text.grapheme_indices(true).collect();
            assert_eq!(quick, full, "U+{:04X}", c as u32);
            if text.chars().count() == quick.len() {
                alone += 1;
            }
        }
        assert!(alone > 40_000, "{alone}");
        for text in [
            "e\u{301}가\u{11A8} 👩\u{200D}🔬 \u{1100}\u{1161} 🇰🇷 a\u{AD}b",
            "북한인권 NGO의 보고서 — “forced labour”",
        ] {
            let full: Vec<(usize, &str)> = text.grapheme_indices(true).collect();
            assert_eq!(grapheme_indices(text), full, "{text:?}");
        }
    }

    #[test]
    fn words_skipped_unstemmed_are_words_no_term_starts_with() {
        // Stemming keeps the first letter, including the stemmer's own exceptions.
        for (word, query) in [
            ("Dying", "die"),
            ("skies", "sky"),
            ("Repatriated", "repatriation"),
            ("NGOs", "ngo"),
        ] {
            assert!(
                snip(word, query, 0).contains("<mark>"),
                "{word} for {query}"
            );
        }
        assert_eq!(
            snip("Camps and rights", "rights", 0),
            "Camps and <mark>rights</mark>"
        );
    }

    fn snip(text: &str, query: &str, max: usize) -> String {
        snippet(text, &parse_query(query).unwrap(), max)
    }

    /// Found by `fuzz/` (search_query): with a window narrower than the snap distance the
    /// start moved to a space after the space the end moved back to, and slicing panicked.
    #[test]
    fn a_narrow_window_never_ends_before_it_starts() {
        let text = " \u{4} \u{4} \u{4} \u{4} \u{4}  \u{4} +  \u{4} \u{4}  \u{4} +  \u{4} righn+#";
        let out = snip(text, text, 4);
        let shown = out.replace("<mark>", "").replace("</mark>", "");
        assert!(shown.chars().count() <= 4 + 2, "{out:?}");
        // The same crash, minimised by `cargo fuzz tmin`.
        let _ = snip("+ ighn", "+ ighn", 4);
        for max in 1..12 {
            let _ = snip("ab cd ef gh ij kl mn righn", "righn", max);
            let _ = snip("a b c d e f g h i j k l m n o p", "zzz", max);
        }
    }

    #[test]
    fn korean_is_marked_by_substring_of_the_stem() {
        assert_eq!(
            snip("북한인권시민연합은 서울에 있다", "북한의", 0),
            "<mark>북한</mark>인권시민연합은 서울에 있다"
        );
        assert_eq!(
            snip("북한인권시민연합", "인권 시민", 0),
            "북한<mark>인권시민</mark>연합"
        );
    }

    #[test]
    fn english_is_marked_by_stem_whatever_the_case() {
        assert_eq!(
            snip(
                "They were REPATRIATED in 2024; repatriation continues.",
                "repatriation",
                0
            ),
            "They were <mark>REPATRIATED</mark> in 2024; <mark>repatriation</mark> continues."
        );
        // The stem `happi` is not a prefix of "happy": terms are compared, not prefixes.
        assert_eq!(
            snip("Happy happen", "happy", 0),
            "<mark>Happy</mark> happen"
        );
    }

    #[test]
    fn everything_but_the_marks_is_escaped() {
        let out = snip("<script>alert('북한')</script> & \"quotes\"", "북한", 0);
        assert_eq!(
            out,
            "&lt;script&gt;alert(&#39;<mark>북한</mark>&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"
        );
        let out = snip("<b>script</b>", "script", 0);
        assert_eq!(out, "&lt;b&gt;<mark>script</mark>&lt;/b&gt;");
    }

    #[test]
    fn the_best_passage_is_chosen_and_cut_with_ellipses() {
        let filler = "이 문단은 검색어와 관계없는 내용입니다. ".repeat(10);
        let text = format!("{filler}탈북민 강제송환을 멈춰야 합니다. {filler}");
        let out = snip(&text, "강제송환", 40);
        assert!(out.starts_with('…') && out.ends_with('…'), "{out}");
        assert!(out.contains("<mark>강제송환</mark>"), "{out}");
        let visible = out.replace("<mark>", "").replace("</mark>", "");
        assert!(visible.chars().count() <= 42, "{visible}");
        // Cut ends fall between words.
        let inner = visible.trim_matches('…');
        assert!(text.contains(&format!(" {inner} ")), "{inner}");
    }

    #[test]
    fn the_window_prefers_more_different_words() {
        let text = format!(
            "북한 {} 북한 인권 탈북 {}",
            "가나다라 ".repeat(20),
            "마바사 ".repeat(20)
        );
        let out = snip(&text, "북한 인권 탈북", 30);
        assert!(
            out.contains("<mark>인권</mark>") && out.contains("<mark>탈북</mark>"),
            "{out}"
        );
    }

    #[test]
    fn without_a_match_the_start_is_shown() {
        assert_eq!(snip("가나다라마바사", "인권", 4), "가나다라…");
        assert_eq!(snip("short", "인권", 40), "short");
    }

    #[test]
    fn decomposed_text_is_shown_composed_and_marked() {
        let nfd: String = "북한인권".nfd().collect();
        assert_eq!(snip(&nfd, "인권", 0), "북한<mark>인권</mark>");
    }

    #[test]
    fn marks_never_split_a_grapheme() {
        let out = snip("e\u{301}cole re\u{301}sume\u{301}", "école", 0);
        assert_eq!(out, "<mark>école</mark> résumé");
        assert_eq!(snip("", "인권", 10), "");
    }
}
