//! What a reader types into the search box, parsed once and rendered for each engine.
//!
//! The syntax is the one every search box has taught people:
//!
//! | typed | means |
//! | --- | --- |
//! | `북한 인권` | both words (implicit AND) |
//! | `"forced repatriation"` | the words one after another (“ ” work too) |
//! | `-중국`, `-"labour camp"` | leave out posts with the word or phrase |
//! | `탈북 OR defector` | either (upper-case `OR` only; `or` is a word) |
//! | `AND` | nothing: AND is already implied, and reading it as the word "and" would miss posts |
//!
//! [`SearchQuery::to_fts5`] and [`SearchQuery::to_tsquery`] (in `render.rs`) turn the parsed
//! query into each engine's syntax.
//!
//! Every word is turned into terms by the same rules as the index ([`super::terms`]), and a
//! word's terms must appear one after another: `북한인권` is the phrase `북한 한인 인권`, which
//! the index holds at consecutive positions wherever those four syllables are written
//! together, inside longer compounds too. That is the substring match readers expect, with
//! none of the false hits an AND of bigrams gives (`북한` in one sentence, `한인` and `인권` in
//! others). A word of two syllables is one bigram; a word of one syllable is that syllable,
//! which the index holds for every syllable it has seen.
//!
//! Unquoted Korean words lose one trailing particle from [`PARTICLES`] (and then a plural
//! `들`) when at least two syllables remain, so `북한의` searches for `북한` and `단체들은` for
//! `단체`. A stem is always a prefix of the word typed, so this only ever widens a search.
//! Inside quotes nothing is stripped: a quoted phrase is matched as written.

use std::collections::HashMap;

use thiserror::Error;

use super::terms::{self, Class};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 256;

/// Korean particles (조사) and copulas stripped from the end of an unquoted query word,
/// longest first so `에서는` wins over `는`. Only one is stripped, and only when at least two
/// syllables remain (or the particle follows Latin letters or digits, as in `NGO의`).
pub const PARTICLES: &[&str] = &[
    "입니다",
    "에서는",
    "에서도",
    "에서의",
    "에게서",
    "에게는",
    "으로는",
    "으로도",
    "으로서",
    "으로써",
    "까지",
    "부터",
    "께서",
    "한테",
    "에서",
    "에게",
    "으로",
    "이다",
    "에는",
    "에도",
    "와의",
    "과의",
    "처럼",
    "보다",
    "마다",
    "이나",
    "이랑",
    "의",
    "을",
    "를",
    "이",
    "가",
    "은",
    "는",
    "에",
    "로",
    "와",
    "과",
    "도",
    "만",
    "께",
];

/// Why a query could not be searched. The messages are written to be shown to the reader.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QueryError {
    #[error("type a word to search for")]
    Empty,
    #[error("a search can be at most {max} characters long; this one has {len}")]
    TooLong { max: usize, len: usize },
    #[error("a quotation mark is not closed: put a phrase between two \" marks")]
    UnbalancedQuote,
    #[error("OR must stand between two words or phrases, as in: 탈북 OR defector")]
    MisplacedOr,
    #[error("add a word to find: a search cannot only leave words out (-word)")]
    OnlyExclusions,
    #[error("a search needs at least one word made of letters or numbers")]
    NothingSearchable,
}

/// What to highlight in a snippet for one phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Highlight {
    /// Hangul/CJK text, matched as a substring (particle already stripped).
    Syllables(Vec<char>),
    /// A word term, matched against the terms of the snippet's words.
    Word(String),
}

/// A word or quoted phrase: terms that must appear one after another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    terms: Vec<String>,
    highlights: Vec<Highlight>,
}

impl Phrase {
    /// Builds the phrase for `text`; `None` when it holds nothing searchable (`!!!`, `😀`).
    fn new(text: &str, strip_particles: bool) -> Option<Phrase> {
        let runs = terms::runs(text);
        let mut phrase = Phrase {
            terms: Vec::new(),
            highlights: Vec::new(),
        };
        for (i, run) in runs.iter().enumerate() {
            if run.class == Class::Word {
                let term = terms::word_term(&run.text());
                phrase.highlights.push(Highlight::Word(term.clone()));
                phrase.terms.push(term);
                continue;
            }
            let mut syllables: Vec<char> = run.chars.iter().map(|&(_, c)| c).collect();
            if strip_particles && i + 1 == runs.len() {
                let after_word = i > 0 && runs[i - 1].class == Class::Word;
                let kept = stem_korean(&syllables, after_word).len();
                syllables.truncate(kept);
            }
            if !syllables.is_empty() {
                terms::syllabic_terms(&syllables, &mut phrase.terms);
                phrase.highlights.push(Highlight::Syllables(syllables));
            }
        }
        (!phrase.terms.is_empty()).then_some(phrase)
    }

    /// Takes a trailing one-syllable Hangul term that follows a word term (`2014년`) off
    /// this phrase and returns it as a phrase of its own.
    fn split_trailing_syllable(&mut self) -> Option<Phrase> {
        let n = self.terms.len();
        if n < 2 {
            return None;
        }
        let is_syllable = |t: &str| {
            let mut chars = t.chars();
            matches!((chars.next(), chars.next()), (Some(c), None) if !c.is_ascii_alphanumeric())
        };
        let previous_is_word = self.terms[n - 2]
            .chars()
            .all(|c| c.is_alphanumeric() && !is_hangul(c));
        if !is_syllable(&self.terms[n - 1]) || !previous_is_word {
            return None;
        }
        let term = self.terms.pop()?;
        let highlight = self.highlights.pop()?;
        Some(Phrase {
            terms: vec![term],
            highlights: vec![highlight],
        })
    }

    /// The terms, in the order they must appear.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// Whether the terms appear one after another in `positions` (term → its positions).
    fn found_in(&self, positions: &HashMap<&str, Vec<usize>>) -> bool {
        let Some(starts) = positions.get(self.terms[0].as_str()) else {
            return false;
        };
        starts.iter().any(|&start| {
            self.terms.iter().enumerate().skip(1).all(|(offset, term)| {
                positions
                    .get(term.as_str())
                    .is_some_and(|at| at.contains(&(start + offset)))
            })
        })
    }
}

/// Strips one particle, then a plural `들`, from a Korean word (see [`PARTICLES`]).
///
/// `after_word` says Latin letters or digits come right before the Hangul (`NGO의`); then
/// the Hangul may be stripped entirely, since it can only be a particle.
fn stem_korean(word: &[char], after_word: bool) -> &[char] {
    if !word.iter().all(|c| ('\u{AC00}'..='\u{D7A3}').contains(c)) {
        return word;
    }
    let min_left = if after_word { 0 } else { 2 };
    let mut stem = word;
    for particle in PARTICLES {
        let particle: Vec<char> = particle.chars().collect();
        if stem.ends_with(&particle) && stem.len() >= particle.len() + min_left {
            stem = &stem[..stem.len() - particle.len()];
            break;
        }
    }
    if stem.ends_with(&['들']) && stem.len() > min_left {
        stem = &stem[..stem.len() - 1];
    }
    stem
}

/// A parsed query: phrases that must all be found (each a set of alternatives joined by
/// `OR`), and phrases that must not be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    groups: Vec<Vec<Phrase>>,
    excluded: Vec<Phrase>,
}

enum Token {
    Item {
        text: String,
        quoted: bool,
        excluded: bool,
    },
    Or,
    And,
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„')
}

fn lex(input: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut excluded = false;
        if chars[i] == '-' {
            i += 1;
            match chars.get(i) {
                Some(c) if !c.is_whitespace() => excluded = true,
                _ => continue, // a lone "-" means nothing
            }
        }
        if is_quote(chars[i]) {
            let start = i + 1;
            let len = chars[start..]
                .iter()
                .position(|&c| is_quote(c))
                .ok_or(QueryError::UnbalancedQuote)?;
            tokens.push(Token::Item {
                text: chars[start..start + len].iter().collect(),
                quoted: true,
                excluded,
            });
            i = start + len + 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && !is_quote(chars[i]) {
            i += 1;
        }
        let text: String = chars[start..i].iter().collect();
        tokens.push(match text.as_str() {
            "OR" if !excluded => Token::Or,
            "AND" if !excluded => Token::And,
            _ => Token::Item {
                text,
                quoted: false,
                excluded,
            },
        });
    }
    Ok(tokens)
}

/// Parses what a reader typed into a [`SearchQuery`] (syntax in the module documentation).
///
/// Words with nothing searchable in them (`!!!`, emoji) are skipped rather than refused, so
/// `북한 :)` still searches for 북한.
pub fn parse_query(input: &str) -> Result<SearchQuery, QueryError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(QueryError::Empty);
    }
    let len = input.chars().count();
    if len > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong {
            max: MAX_QUERY_CHARS,
            len,
        });
    }
    let mut groups: Vec<Vec<Phrase>> = Vec::new();
    let mut excluded = Vec::new();
    let mut or_pending = false;
    let mut after_phrase = false;
    for token in lex(&terms::normalize(input))? {
        match token {
            Token::Or if after_phrase && !or_pending => or_pending = true,
            Token::Or => return Err(QueryError::MisplacedOr),
            Token::And if or_pending => return Err(QueryError::MisplacedOr),
            Token::And => after_phrase = false,
            Token::Item {
                text,
                quoted,
                excluded: negated,
            } => {
                let Some(phrase) = Phrase::new(&text, !quoted) else {
                    continue;
                };
                if negated {
                    if or_pending {
                        return Err(QueryError::MisplacedOr);
                    }
                    excluded.push(phrase);
                    after_phrase = false;
                } else {
                    match groups.last_mut() {
                        Some(group) if or_pending => group.push(phrase),
                        _ => groups.push(vec![phrase]),
                    }
                    or_pending = false;
                    after_phrase = true;
                }
            }
        }
    }
    if or_pending {
        return Err(QueryError::MisplacedOr);
    }
    if groups.is_empty() {
        return Err(if excluded.is_empty() {
            QueryError::NothingSearchable
        } else {
            QueryError::OnlyExclusions
        });
    }
    // A one-syllable Hangul ending on a number or Latin word (2014년, 3월) can't be held to
    // the place right after it: the text may continue the run (2014년에), whose first
    // syllable is then indexed inside a bigram there and alone only in the tail. Such a
    // syllable becomes a word of its own, required anywhere in the post. Only for groups
    // without OR, where "and" is what the reader meant.
    let mut split_off = Vec::new();
    for group in groups.iter_mut().filter(|g| g.len() == 1) {
        if let Some(syllable) = group[0].split_trailing_syllable() {
            split_off.push(vec![syllable]);
        }
    }
    groups.extend(split_off);
    dedup(&mut groups);
    dedup(&mut excluded);
    Ok(SearchQuery { groups, excluded })
}

/// Removes repeats, keeping the first of each (`북한 북한` searches once).
fn dedup<T: PartialEq>(items: &mut Vec<T>) {
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    *items = kept;
}

impl SearchQuery {
    /// The groups that must all match; within a group, any one phrase is enough.
    pub fn groups(&self) -> &[Vec<Phrase>] {
        &self.groups
    }

    /// The phrases that must not appear.
    pub fn excluded(&self) -> &[Phrase] {
        &self.excluded
    }

    /// Every term the query looks for (not the excluded ones), each once, in query order.
    pub fn terms(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for term in self.groups.iter().flatten().flat_map(|p| &p.terms) {
            if !out.contains(&term.as_str()) {
                out.push(term);
            }
        }
        out
    }

    pub(crate) fn highlights(&self) -> impl Iterator<Item = &Highlight> {
        self.groups.iter().flatten().flat_map(|p| &p.highlights)
    }

    /// Whether a document with these [`index_terms`](super::index_terms) matches, judged as
    /// FTS5 and `tsquery` judge it: phrases by consecutive positions. For tests and checks
    /// without a database; the engines do this for real.
    pub fn matches(&self, index_terms: &[String]) -> bool {
        let mut positions: HashMap<&str, Vec<usize>> = HashMap::new();
        for (at, term) in index_terms.iter().enumerate() {
            positions.entry(term.as_str()).or_default().push(at);
        }
        self.groups
            .iter()
            .all(|group| group.iter().any(|p| p.found_in(&positions)))
            && !self.excluded.iter().any(|p| p.found_in(&positions))
    }
}

/// Whether `c` is a Hangul syllable or jamo.
fn is_hangul(c: char) -> bool {
    matches!(c, '\u{ac00}'..='\u{d7a3}' | '\u{1100}'..='\u{11ff}' | '\u{3130}'..='\u{318f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(input: &str) -> SearchQuery {
        parse_query(input).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    fn terms_of(input: &str) -> Vec<String> {
        q(input).terms().into_iter().map(str::to_owned).collect()
    }

    #[test]
    fn particles_are_listed_longest_first() {
        let lengths: Vec<usize> = PARTICLES.iter().map(|p| p.chars().count()).collect();
        assert!(lengths.windows(2).all(|w| w[0] >= w[1]), "{lengths:?}");
    }

    #[test]
    fn particles_are_stripped_when_two_syllables_remain() {
        assert_eq!(terms_of("북한의"), ["북한"]);
        assert_eq!(terms_of("인권을"), ["인권"]);
        assert_eq!(terms_of("북한에서는"), ["북한"]);
        assert_eq!(terms_of("중국으로"), ["중국"]);
        assert_eq!(terms_of("단체들은"), ["단체"]);
        assert_eq!(terms_of("탈북민입니다"), ["탈북", "북민"]);
        // One syllable would be left: the word is kept whole.
        assert_eq!(terms_of("인도"), ["인도"]);
        assert_eq!(terms_of("국가"), ["국가"]);
        assert_eq!(terms_of("그들"), ["그들"]);
        // After Latin letters, the Hangul can only be a particle.
        assert_eq!(terms_of("NGO의"), ["ngo"]);
        assert_eq!(terms_of("NGO들과"), ["ngo"]);
        assert_eq!(terms_of("인권·도"), ["인권", "도"]);
    }

    #[test]
    fn quoted_words_keep_their_particles() {
        assert_eq!(terms_of("\"북한의 인권\""), ["북한", "한의", "인권"]);
    }

    #[test]
    fn korean_words_are_phrases_of_their_bigrams() {
        let query = q("북한인권시민연합");
        assert_eq!(query.groups().len(), 1);
        assert_eq!(
            query.groups()[0][0].terms(),
            ["북한", "한인", "인권", "권시", "시민", "민연", "연합"]
        );
    }

    #[test]
    fn one_syllable_words_are_one_term() {
        assert_eq!(terms_of("꽃"), ["꽃"]);
        assert_eq!(q("꽃").to_fts5(), "\"꽃\"");
        assert_eq!(q("꽃").to_tsquery(), "'꽃'");
    }

    #[test]
    fn english_words_are_stemmed_like_the_index() {
        assert_eq!(terms_of("Repatriation"), ["repatri"]);
        assert_eq!(terms_of("repatriated"), ["repatri"]);
        assert_eq!(terms_of("ＮＧＯｓ"), ["ngo"]);
    }

    #[test]
    fn mixed_words_keep_both_scripts_in_order() {
        assert_eq!(terms_of("북한인권NGO"), ["북한", "한인", "인권", "ngo"]);
        assert_eq!(q("2024년").to_fts5(), "\"2024\" AND \"년\"");
        assert_eq!(q("2024년에").to_fts5(), "\"2024\" AND \"년\"");
    }

    #[test]
    fn syntax_errors_are_explained() {
        assert_eq!(parse_query(""), Err(QueryError::Empty));
        assert_eq!(parse_query("   \t"), Err(QueryError::Empty));
        assert_eq!(parse_query("!!! :)"), Err(QueryError::NothingSearchable));
        assert_eq!(parse_query("-중국"), Err(QueryError::OnlyExclusions));
        assert_eq!(
            parse_query("-중국 -\"labour camp\""),
            Err(QueryError::OnlyExclusions)
        );
        assert_eq!(
            parse_query("\"forced repatriation"),
            Err(QueryError::UnbalancedQuote)
        );
        assert_eq!(parse_query("a \"b\" \"c"), Err(QueryError::UnbalancedQuote));
        for broken in [
            "OR 북한",
            "북한 OR",
            "북한 OR OR 인권",
            "북한 OR -인권",
            "-a OR b",
            "a OR AND b",
        ] {
            assert_eq!(
                parse_query(broken),
                Err(QueryError::MisplacedOr),
                "{broken}"
            );
        }
        let long = "가".repeat(MAX_QUERY_CHARS + 1);
        assert_eq!(
            parse_query(&long),
            Err(QueryError::TooLong { max: 256, len: 257 })
        );
        assert!(parse_query(&"가".repeat(MAX_QUERY_CHARS)).is_ok());
        assert_eq!(
            QueryError::UnbalancedQuote.to_string(),
            "a quotation mark is not closed: put a phrase between two \" marks"
        );
    }

    #[test]
    fn lenient_where_nothing_is_ambiguous() {
        assert_eq!(q("북한 :) -"), q("북한"));
        assert_eq!(q("북한 AND 인권"), q("북한 인권"));
        assert_eq!(q("북한 북한"), q("북한"));
        assert_eq!(q("“forced repatriation”"), q("\"forced repatriation\""));
        assert_eq!(terms_of("or"), ["or"]);
    }

    #[test]
    fn matches_checks_phrases_by_position() {
        let doc = crate::search::index_terms("북한인권 단체와 forced repatriation");
        assert!(q("인권").matches(&doc));
        assert!(!q("북한인권단체").matches(&doc));
        assert!(q("\"forced repatriation\"").matches(&doc));
        assert!(!q("\"repatriation forced\"").matches(&doc));
        assert!(q("단체 -중국").matches(&doc));
        assert!(!q("단체 -인권").matches(&doc));
        assert!(q("중국 OR 단체").matches(&doc));
    }
}
