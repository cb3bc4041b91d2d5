//! Text → index terms: the one tokenizer both databases are fed with.
//!
//! The rules, in order:
//!
//! 1. **NFKC.** The text is normalised to Unicode NFKC. Canonical composition turns
//!    decomposed Hangul (jamo sequences, as macOS and some importers produce) back into
//!    syllables; without it `북한` written as six jamo would share no term with `북한` written
//!    as two syllables (the "syllable/jamo trap"). The compatibility part (NFKC rather than
//!    plain NFC) also folds what Korean input methods type as look-alikes: full-width `ＮＧＯ`
//!    becomes `NGO`, `①` becomes `1`, `㈜` becomes `(주)`, half-width katakana becomes
//!    full-width. Everything NFC composes, NFKC composes too.
//! 2. **Runs.** Characters are split into runs of one class: *syllabic* (Hangul syllables, CJK
//!    ideographs, kana — scripts written without spaces between morphemes) or *word* (every
//!    other letter or digit). Anything else separates runs, except that combining marks and
//!    invisible joiners are dropped without splitting, and an apostrophe between two word
//!    characters is dropped so `NGO's` → `ngos` and `don't` → `dont`. A class change splits
//!    too, so `북한인권NGO` is the runs `북한인권` and `NGO`.
//! 3. **Word runs** are lower-cased and, when made of ASCII letters only, stemmed with the
//!    Snowball English (Porter2) stemmer, so `repatriation` and `repatriated` both become
//!    `repatri`. Capitals followed by a lone `s` lose the `s` first (`NGOs`, `NGO's` →
//!    `ngo`), since Porter2 keeps it after a vowel. Runs longer than [`MAX_TERM_CHARS`] are cut (base64 blobs and glued URLs
//!    should not bloat the index; the query side cuts the same way, so they still match).
//! 4. **Syllabic runs** become every overlapping bigram (`북한인권` → `북한 한인 인권`);
//!    a one-syllable run is kept as itself. Korean content words are mostly two syllables,
//!    which a trigram index cannot find; bigrams find them, inside compounds too.
//! 5. **Single syllables** of the longer runs are appended after all other terms (the
//!    *tail*), so a one-syllable query (`꽃`, `법`) finds the syllable anywhere. They go last
//!    rather than beside their bigrams so that consecutive bigrams and words stay at
//!    consecutive positions: a query word becomes a *phrase* of its terms (see
//!    [`super::query`]), which both FTS5 and `tsquery`'s `<->` check by position.
//!
//! A term is therefore only letters and digits — never a space, quote, `:` `&` `|` `!` `(`
//! `)` `*` or any other character SQLite's `unicode61` tokenizer (categories L*, N*, Co) or
//! PostgreSQL's default parser behind `to_tsvector('simple', …)` would split on or read as
//! syntax — so the joined string can be stored as is and each term survives as one token.

use std::ops::Range;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The longest word term, in characters; longer runs of letters and digits are cut here.
pub const MAX_TERM_CHARS: usize = 64;

/// How a character takes part in tokenising.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Hangul syllables, CJK ideographs and kana: indexed as bigrams.
    Syllabic,
    /// Any other letter or digit: indexed as lower-cased, stemmed words.
    Word,
    /// Combining marks and invisible joiners: dropped without splitting a run.
    Ignored,
    /// Everything else (spaces, punctuation, symbols, emoji) ends a run.
    Separator,
}

/// Classifies one (already normalised) character.
pub(crate) fn classify(c: char) -> Class {
    // The two kinds of character nearly all text is made of, answered before the Unicode
    // tables (a third of a Korean snippet's time went to `is_alphanumeric`'s slow lookup).
    // `classify_by_tables` gives the same answers: a test compares every character.
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            Class::Word
        } else {
            Class::Separator
        };
    }
    if ('\u{AC00}'..='\u{D7A3}').contains(&c) {
        return Class::Syllabic;
    }
    classify_by_tables(c)
}

/// [`classify`] by the Unicode tables alone.
fn classify_by_tables(c: char) -> Class {
    if is_combining_mark(c)
        || matches!(
            c,
            '\u{00AD}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
    {
        return Class::Ignored;
    }
    if !c.is_alphanumeric() {
        return Class::Separator;
    }
    let syllabic = matches!(
        c as u32,
        0xAC00..=0xD7A3          // Hangul syllables
        | 0x3005..=0x3007        // 々 〆 〇
        | 0x3041..=0x309F        // Hiragana
        | 0x30A1..=0x30FA        // Katakana (not ・ U+30FB)
        | 0x30FC..=0x30FF        // ー and the katakana iteration marks
        | 0x31F0..=0x31FF        // Katakana phonetic extensions
        | 0x3400..=0x4DBF        // CJK extension A
        | 0x4E00..=0x9FFF        // CJK unified ideographs
        | 0xF900..=0xFAFF        // CJK compatibility ideographs NFKC left alone
        | 0x20000..=0x3FFFF // CJK extensions B and later
    );
    if syllabic {
        Class::Syllabic
    } else if (0x1F100..=0x1F1FF).contains(&(c as u32)) {
        // Enclosed alphanumerics such as 🅐 count as "alphabetic" in Rust but are symbols
        // (So) to SQLite, which would split a term on them.
        Class::Separator
    } else {
        Class::Word
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

/// A run of same-class characters, with where each kept character sits in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    pub class: Class,
    /// The kept characters (marks and joiners dropped) and their byte offsets in the source.
    pub chars: Vec<(usize, char)>,
}

impl Run {
    /// The run's characters as a string.
    pub fn text(&self) -> String {
        self.chars.iter().map(|&(_, c)| c).collect()
    }

    /// The byte range of characters `from..to` (char indices within the run) in the source.
    pub fn byte_range(&self, from: usize, to: usize) -> Range<usize> {
        let start = self.chars[from].0;
        let (last, c) = self.chars[to - 1];
        start..last + c.len_utf8()
    }
}

/// Splits `text` (not normalised here) into runs of [`Class::Syllabic`] or [`Class::Word`].
pub(crate) fn runs(text: &str) -> Vec<Run> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut current: Option<Run> = None;
    for (i, &(at, c)) in chars.iter().enumerate() {
        let class = classify(c);
        match class {
            Class::Ignored => {}
            Class::Separator => {
                let inside_word = is_apostrophe(c)
                    && current.as_ref().is_some_and(|r| r.class == Class::Word)
                    && chars[i + 1..]
                        .iter()
                        .map(|&(_, next)| classify(next))
                        .find(|&k| k != Class::Ignored)
                        == Some(Class::Word);
                if !inside_word {
                    out.extend(current.take());
                }
            }
            Class::Syllabic | Class::Word => match current.as_mut() {
                Some(run) if run.class == class => run.chars.push((at, c)),
                _ => {
                    out.extend(current.take());
                    current = Some(Run {
                        class,
                        chars: vec![(at, c)],
                    });
                }
            },
        }
    }
    out.extend(current);
    out
}

/// Normalises text the way every rule here expects (see the module documentation).
pub(crate) fn normalize(text: &str) -> String {
    text.nfkc().collect()
}

/// The term for one word run: lower-cased, stemmed when plain ASCII, cut to
/// [`MAX_TERM_CHARS`]. The same function serves indexing, queries and snippets, so the three
/// always agree on what a word is.
pub(crate) fn word_term(word: &str) -> String {
    // Porter2 keeps the `s` of `ngos` (a vowel right before it), and NGO sites write "NGOs"
    // all the time: capitals followed by a lone `s` are an acronym's plural.
    let word = match word.strip_suffix('s') {
        Some(acronym) if acronym.len() >= 2 && acronym.bytes().all(|b| b.is_ascii_uppercase()) => {
            acronym
        }
        _ => word,
    };
    // `to_lowercase` can produce combining marks (İ → i̇); drop them like any other mark.
    let lower: String = word
        .to_lowercase()
        .chars()
        .filter(|&c| classify(c) == Class::Word)
        .collect();
    if lower.chars().count() > MAX_TERM_CHARS {
        return lower.chars().take(MAX_TERM_CHARS).collect();
    }
    if !lower.bytes().all(|b| b.is_ascii_lowercase()) {
        // Digits, codes such as `mp3` and non-English scripts are kept as written: the
        // English stemmer has nothing useful to say about them.
        return lower;
    }
    let stemmed = Stemmer::create(Algorithm::English)
        .stem(&lower)
        .into_owned();
    if !stemmed.is_empty() && stemmed.bytes().all(|b| b.is_ascii_lowercase()) {
        stemmed
    } else {
        lower
    }
}

/// Pushes the positional terms of a syllabic run: its bigrams, or itself if one syllable.
pub(crate) fn syllabic_terms(syllables: &[char], out: &mut Vec<String>) {
    if syllables.len() == 1 {
        out.push(syllables[0].to_string());
    } else {
        out.extend(syllables.windows(2).map(|pair| pair.iter().collect()));
    }
}

/// The index terms of `text`, in storage order: words and bigrams in text order, then the
/// single syllables of every syllabic run longer than one syllable.
///
/// ```
/// use madang_core::search::index_terms;
/// assert_eq!(
///     index_terms("북한인권 NGOs"),
///     ["북한", "한인", "인권", "ngo", "북", "한", "인", "권"]
/// );
/// ```
pub fn index_terms(text: &str) -> Vec<String> {
    let normalized = normalize(text);
    let mut terms = Vec::new();
    let mut tail = Vec::new();
    for run in runs(&normalized) {
        match run.class {
            Class::Word => terms.push(word_term(&run.text())),
            _ => {
                let syllables: Vec<char> = run.chars.iter().map(|&(_, c)| c).collect();
                syllabic_terms(&syllables, &mut terms);
                if syllables.len() > 1 {
                    tail.extend(syllables.iter().map(char::to_string));
                }
            }
        }
    }
    terms.extend(tail);
    terms
}

/// The string to store in the search index for a post: the terms of its title and body,
/// separated by single spaces.
///
/// Title and body are tokenised as one text with a line break between them, so no run of
/// letters bridges the two. Store the result in an FTS5 column (`tokenize = 'unicode61
/// remove_diacritics 0'`) or feed it to `to_tsvector('simple', …)`; both split it back into
/// exactly these terms.
pub fn index_document(title: &str, body: &str) -> String {
    index_terms(&format!("{title}\n{body}")).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_classes_are_the_tables_classes() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(classify(c), classify_by_tables(c), "U+{:04X}", c as u32);
        }
    }

    fn terms(text: &str) -> Vec<String> {
        index_terms(text)
    }

    #[test]
    fn korean_runs_become_bigrams_then_single_syllables() {
        assert_eq!(
            terms("북한인권시민연합"),
            [
                "북한", "한인", "인권", "권시", "시민", "민연", "연합", "북", "한", "인", "권",
                "시", "민", "연", "합"
            ]
        );
    }

    #[test]
    fn a_one_syllable_korean_run_is_kept_in_place_and_not_repeated() {
        assert_eq!(terms("꽃 사랑"), ["꽃", "사랑", "사", "랑"]);
    }

    #[test]
    fn spaces_and_punctuation_end_a_korean_run() {
        assert_eq!(
            terms("북한, 인권"),
            ["북한", "인권", "북", "한", "인", "권"]
        );
    }

    #[test]
    fn english_is_lower_cased_split_and_stemmed() {
        assert_eq!(
            terms("Forced REPATRIATION of North-Korean refugees, 2024."),
            ["forc", "repatri", "of", "north", "korean", "refuge", "2024"]
        );
        assert_eq!(terms("repatriated"), terms("Repatriation"));
        assert_eq!(terms("running runs"), ["run", "run"]);
        assert_eq!(terms("NGOs IDPs CSOs US"), ["ngo", "idp", "cso", "us"]);
    }

    #[test]
    fn apostrophes_inside_words_are_dropped_not_split() {
        assert_eq!(terms("NGO's children’s don't"), ["ngo", "children", "dont"]);
        assert_eq!(terms("'quoted'"), ["quot"]);
    }

    #[test]
    fn digits_are_kept_and_codes_are_not_stemmed() {
        assert_eq!(terms("COVID19 mp3 1,000"), ["covid19", "mp3", "1", "000"]);
    }

    #[test]
    fn mixed_tokens_split_at_the_script_change() {
        assert_eq!(
            terms("북한인권NGO"),
            ["북한", "한인", "인권", "ngo", "북", "한", "인", "권"]
        );
        assert_eq!(terms("2024년"), ["2024", "년"]);
    }

    #[test]
    fn decomposed_jamo_index_like_composed_syllables() {
        let nfd: String = "북한인권".nfd().collect();
        assert_eq!(nfd.chars().count(), 12, "the test input really is jamo");
        assert_eq!(terms(&nfd), terms("북한인권"));
    }

    #[test]
    fn compatibility_forms_fold_to_their_plain_letters() {
        assert_eq!(terms("ＮＧＯ"), terms("NGO"));
        assert_eq!(terms("①"), ["1"]);
        assert_eq!(terms("㈜마당"), ["주", "마당", "마", "당"]);
        assert_eq!(terms("ｶﾀｶﾅ"), terms("カタカナ"));
    }

    #[test]
    fn cjk_and_kana_are_bigrams_too() {
        assert_eq!(terms("人權"), ["人權", "人", "權"]);
        // Two runs, split at the middle dot: 3 + 2 bigrams, then 4 + 3 single characters.
        assert_eq!(terms("カタカナ・テスト").len(), 3 + 2 + 4 + 3);
    }

    #[test]
    fn accented_letters_stay_whole() {
        let decomposed: String = "Résumé".nfd().collect();
        assert_eq!(terms(&decomposed), ["résumé"]);
        assert_eq!(terms("İstanbul"), ["istanbul"]);
    }

    #[test]
    fn overlong_words_are_cut() {
        let blob = "a1".repeat(100);
        let cut = &terms(&blob)[0];
        assert_eq!(cut.chars().count(), MAX_TERM_CHARS);
    }

    #[test]
    fn terms_are_safe_plain_tokens_for_both_engines() {
        let nasty = "a:b & c|d !e (f) 'g' \"h\" *i* <j> \\k x-y 😀 🅐 中文 café\u{200D}s ½";
        for term in terms(nasty) {
            assert!(!term.is_empty());
            assert!(
                term.chars()
                    .all(|c| c.is_alphanumeric() && classify(c) != Class::Ignored),
                "unsafe term {term:?}"
            );
        }
    }

    #[test]
    fn index_document_joins_title_and_body_without_bridging_them() {
        assert_eq!(index_document("인권", "NGO"), "인권 ngo 인 권");
        assert_eq!(index_document("북한", "인권"), "북한 인권 북 한 인 권");
        assert_eq!(index_document("", ""), "");
    }
}
