//! Search text rules: what gets indexed, what a query means, and how results are
//! highlighted. Pure functions; the store runs them against SQLite FTS5 or PostgreSQL.
//!
//! Korean content words are mostly two syllables (북한, 인권, 탈북) and are written inside
//! compounds (북한인권시민연합), so neither whole-word indexing nor trigrams find them. One
//! tokenizer, here, turns a post into plain terms — Hangul/CJK/kana as overlapping bigrams
//! plus single syllables, other words lower-cased and stemmed — and the store saves them as a
//! space-separated string in the database's own full-text index, in the same transaction as
//! the post. No second index to keep in sync, and both engines see identical terms.
//!
//! - [`index_terms`] / [`index_document`]: text → terms (rules in `search/terms.rs`).
//! - [`parse_query`] → [`SearchQuery`], rendered by [`SearchQuery::to_fts5`] and
//!   [`SearchQuery::to_tsquery`] (syntax in `search/query.rs`, engines in `search/render.rs`).
//! - [`snippet`]: the escaped, highlighted passage shown with a result.
//!
//! Using it from the store:
//!
//! ```text
//! SQLite:     CREATE VIRTUAL TABLE post_search USING fts5(terms,
//!                 tokenize = 'unicode61 remove_diacritics 0');
//!             INSERT … VALUES (index_document(title, body));
//!             … WHERE post_search MATCH ?1 ORDER BY bm25(post_search)    -- ?1 = to_fts5()
//! PostgreSQL: terms tsvector = to_tsvector('simple', $1)                  -- $1 = index_document()
//!             … WHERE terms @@ to_tsquery('simple', $1)                   -- $1 = to_tsquery()
//! ```
//!
//! Changing any rule here changes the terms: run `madang reindex` afterwards.

mod legacy;
mod query;
mod render;
mod snippet;
mod terms;

pub use legacy::gnuboard_search;
pub use query::{MAX_QUERY_CHARS, PARTICLES, Phrase, QueryError, SearchQuery, parse_query};
pub use snippet::snippet;
pub use terms::{MAX_TERM_CHARS, index_document, index_terms};

#[cfg(test)]
mod relevance_tests {
    //! A small mixed corpus: each query must match exactly the documents a reader expects,
    //! judged by [`SearchQuery::matches`], which applies the engines' rules to the terms.

    use std::collections::HashSet;

    use super::*;

    const DOCS: &[(&str, &str)] = &[
        (
            "북한인권시민연합 창립 30주년 기념 세미나",
            "서울에서 열린 세미나에 많은 시민이 참석했다.",
        ),
        (
            "탈북민 강제송환 중단을 촉구합니다",
            "중국 정부는 탈북민의 강제송환을 즉각 중단해야 한다.",
        ),
        (
            "Forced repatriation of North Korean refugees",
            "China repatriated 600 North Koreans in October.",
        ),
        (
            "NKHR and APRRN call upon China",
            "to immediately stop the forcible repatriation of nine refugees",
        ),
        (
            "북한의 정치범수용소 실태 보고서",
            "정치범 수용소에 갇힌 사람들의 증언을 모았다.",
        ),
        (
            "Political prison camps in North Korea",
            "Testimonies of former prisoners.",
        ),
        (
            "청소년 인권 캠프 참가자 모집",
            "탈북 청소년을 위한 여름 캠프입니다.",
        ),
        ("NGO 활동가 교육 프로그램", "북한인권NGO 활동가를 위한 교육"),
        ("꽃 한 송이의 위로", "봄꽃 전시회에 초대합니다."),
        (
            "Human rights education for youth",
            "A human-rights workshop for young defectors.",
        ),
        ("대한민국 국회 북한인권법 통과", "법안이 본회의를 통과했다."),
    ];

    fn doc_terms() -> Vec<Vec<String>> {
        DOCS.iter()
            .map(|(title, body)| index_terms(&format!("{title}\n{body}")))
            .collect()
    }

    fn found(query: &str) -> Vec<usize> {
        let query = parse_query(query).unwrap();
        doc_terms()
            .iter()
            .enumerate()
            .filter(|(_, terms)| query.matches(terms))
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn queries_find_exactly_the_expected_documents() {
        let cases: &[(&str, &[usize])] = &[
            ("인권", &[0, 6, 7, 10]),
            ("북한의", &[0, 4, 7, 10]),
            ("repatriation", &[2, 3]),
            ("repatriated", &[2, 3]),
            ("Repatriations", &[2, 3]),
            ("강제송환을", &[1]),
            ("탈북", &[1, 6]),
            ("꽃", &[8]),
            ("법", &[10]),
            ("\"human rights\"", &[9]),
            ("human-rights", &[9]),
            ("\"rights human\"", &[]),
            ("정치범수용소를", &[4]),
            ("prison camps", &[5]),
            ("NGO", &[7]),
            ("북한인권NGO", &[7]),
            ("북한 -인권", &[4]),
            ("탈북 OR defector", &[1, 6, 9]),
            ("북한인권법", &[10]),
            ("china refugees", &[2, 3]),
            ("청소년 캠프", &[6]),
            ("30주년", &[0]),
            ("북한 \"north korea\"", &[]),
            ("북한인권단체", &[]),
        ];
        for (query, expected) in cases {
            assert_eq!(found(query), *expected, "query {query:?}");
        }
    }

    #[test]
    fn query_terms_are_a_subset_of_the_matching_documents_terms() {
        let subset = |query: &str, text: &str| {
            let doc: HashSet<String> = index_terms(text).into_iter().collect();
            parse_query(query)
                .unwrap()
                .terms()
                .iter()
                .all(|t| doc.contains(*t))
        };
        assert!(subset("인권", "북한인권시민연합"));
        assert!(subset("북한의", "북한"));
        assert!(subset("repatriation", "repatriated"));
        assert!(subset("탈북민", "탈북민의"));
        assert!(subset("한", "북한인권"));
        assert!(!subset("인권", "북한 인 권"));
        for (i, terms) in doc_terms().iter().enumerate() {
            let doc: HashSet<&String> = terms.iter().collect();
            for query in ["인권", "탈북", "repatriation", "NGO"] {
                let q = parse_query(query).unwrap();
                if q.matches(terms) {
                    assert!(q.terms().iter().all(|t| doc.iter().any(|d| d == t)), "{i}");
                }
            }
        }
    }
}

#[cfg(test)]
mod robustness_tests {
    //! Odd input from a pseudo-random generator: nothing panics, every term is a plain
    //! token, and snippets stay escaped.

    use super::*;

    const PALETTE: &[char] = &[
        'a', 'Z', 'é', '0', '7', ' ', ' ', '-', '"', '“', '\'', '’', ':', '&', '|', '!', '(', ')',
        '*', '<', '>', '\\', '북', '한', '의', '꽃', '\u{1100}', '\u{1161}', '\u{11A8}', 'ㅋ',
        '\u{301}', '\u{200D}', '人', 'カ', '・', '😀', '🅐', '①', 'Ｎ', 'O', 'R', '\n', '\u{AD}',
    ];

    fn random_text(seed: &mut u64, len: usize) -> String {
        (0..len)
            .map(|_| {
                *seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                PALETTE[(*seed >> 33) as usize % PALETTE.len()]
            })
            .collect()
    }

    #[test]
    fn odd_input_never_breaks_the_rules() {
        let mut seed = 42;
        for round in 0..3000 {
            let text = random_text(&mut seed, round % 40);
            for term in index_terms(&text) {
                assert!(
                    !term.is_empty() && term.chars().all(char::is_alphanumeric),
                    "{text:?} gave {term:?}"
                );
            }
            let Ok(query) = parse_query(&text) else {
                continue;
            };
            assert!(!query.to_fts5().is_empty() && !query.to_tsquery().is_empty());
            let body = random_text(&mut seed, 120);
            let html = snippet(&body, &query, 30);
            let bare = html.replace("<mark>", "").replace("</mark>", "");
            assert!(!bare.contains(['<', '>', '"']), "{html:?}");
            assert_eq!(
                html.matches("<mark>").count(),
                html.matches("</mark>").count()
            );
        }
    }
}
