//! Rendering a [`SearchQuery`] for SQLite FTS5 and PostgreSQL `tsquery`.
//!
//! Both outputs are meant to be bound as query parameters, never pasted into SQL. Terms
//! are letters and digits only (see `terms.rs`), so quoting them needs no escaping and no
//! term can smuggle in operator syntax.

use super::query::{Phrase, SearchQuery};

/// A phrase as an FTS5 string: `"북한 한인 인권"` is the phrase of those three terms.
fn fts5_phrase(phrase: &Phrase) -> String {
    format!("\"{}\"", phrase.terms().join(" "))
}

/// A phrase for `to_tsquery`, and whether it needs parentheses next to `&`, `|`, `!`.
fn tsquery_phrase(phrase: &Phrase) -> (String, bool) {
    let quoted: Vec<String> = phrase.terms().iter().map(|t| format!("'{t}'")).collect();
    (quoted.join(" <-> "), phrase.terms().len() > 1)
}

impl SearchQuery {
    /// The query as an FTS5 `MATCH` expression, to be bound as a parameter.
    ///
    /// Every phrase is a double-quoted FTS5 string (`"북한 한인 인권"` is an FTS5 phrase of
    /// three terms); terms never contain `"`, so no escaping is needed. Groups are joined
    /// with `AND`, alternatives with `OR` in parentheses. FTS5's `NOT` is binary
    /// (`a NOT b`), so exclusions are chained after the parenthesised positive part.
    ///
    /// ```
    /// use madang_core::search::parse_query;
    /// let q = parse_query("북한의 탈북 OR defector -중국").unwrap();
    /// assert_eq!(q.to_fts5(), r#"("북한" AND ("탈북" OR "defector")) NOT "중국""#);
    /// ```
    pub fn to_fts5(&self) -> String {
        let groups: Vec<String> = self
            .groups()
            .iter()
            .map(|group| match group.as_slice() {
                [one] => fts5_phrase(one),
                many => {
                    let alternatives: Vec<String> = many.iter().map(fts5_phrase).collect();
                    format!("({})", alternatives.join(" OR "))
                }
            })
            .collect();
        let mut out = groups.join(" AND ");
        if self.excluded().is_empty() {
            return out;
        }
        if groups.len() > 1 {
            out = format!("({out})");
        }
        for phrase in self.excluded() {
            out.push_str(" NOT ");
            out.push_str(&fts5_phrase(phrase));
        }
        out
    }

    /// A cheaper FTS5 expression that matches every post this query matches, and maybe
    /// more; `None` when it would not be cheaper than the query itself.
    ///
    /// A search for two common words that never meet (a Korean word and an English one)
    /// makes FTS5 walk both of their lists to the end, checking the positions of every
    /// phrase's terms in each post on the way: 20 ms over 50,000 posts. Without positions
    /// the same walk skips through the lists by post id in about 2 ms. So when a query
    /// joins several groups and one holds a phrase of several terms, the store first asks
    /// for any post holding one term of each phrase (exclusions left out, since leaving
    /// them out only adds posts); when there is none, neither are there results.
    ///
    /// ```
    /// use madang_core::search::parse_query;
    /// let q = parse_query("정치범수용소 china -camps").unwrap();
    /// assert_eq!(q.to_fts5_superset().as_deref(), Some(r#""정치" AND "china""#));
    /// assert_eq!(parse_query("북한 china").unwrap().to_fts5_superset(), None);
    /// ```
    pub fn to_fts5_superset(&self) -> Option<String> {
        let has_phrase = self
            .groups()
            .iter()
            .flatten()
            .any(|phrase| phrase.terms().len() > 1);
        if !has_phrase {
            return None;
        }
        self.superset(|term| format!("\"{term}\""), " OR ", " AND ")
    }

    /// [`SearchQuery::to_fts5_superset`] for PostgreSQL's `to_tsquery`: one term of each
    /// phrase, `&` between groups, `|` between alternatives; `None` for a query of one
    /// group. PostgreSQL's GIN index answers it from the index alone, without reading
    /// rows, while the planner, taking two common words for independent, would walk the
    /// posts newest first looking for the one that holds both.
    ///
    /// ```
    /// use madang_core::search::parse_query;
    /// let q = parse_query("정치범수용소 china OR labour -camps").unwrap();
    /// assert_eq!(q.to_tsquery_superset().as_deref(), Some("'정치' & ('china' | 'labour')"));
    /// assert_eq!(parse_query("북한인권").unwrap().to_tsquery_superset(), None);
    /// ```
    pub fn to_tsquery_superset(&self) -> Option<String> {
        self.superset(|term| format!("'{term}'"), " | ", " & ")
    }

    /// The first term of each phrase, quoted by `quote`, alternatives joined by `or` and
    /// groups by `and`; `None` for a query of one group.
    fn superset(&self, quote: impl Fn(&str) -> String, or: &str, and: &str) -> Option<String> {
        if self.groups().len() < 2 {
            return None;
        }
        let groups: Vec<String> = self
            .groups()
            .iter()
            .map(|group| {
                let firsts: Vec<String> = group
                    .iter()
                    .map(|phrase| quote(&phrase.terms()[0]))
                    .collect();
                match firsts.as_slice() {
                    [one] => one.clone(),
                    _ => format!("({})", firsts.join(or)),
                }
            })
            .collect();
        Some(groups.join(and))
    }

    /// The query in PostgreSQL `to_tsquery('simple', …)` syntax, to be bound as a parameter.
    ///
    /// Terms are single-quoted (`'북한'`; terms never contain a quote or backslash), phrases
    /// use `<->`, groups `&`, alternatives `|`, exclusions `& !`. Anything that is not a
    /// single term is parenthesised when combined, so precedence never decides the meaning.
    ///
    /// ```
    /// use madang_core::search::parse_query;
    /// let q = parse_query("북한인권 탈북 OR defector -중국").unwrap();
    /// assert_eq!(
    ///     q.to_tsquery(),
    ///     "('북한' <-> '한인' <-> '인권') & ('탈북' | 'defector') & !'중국'"
    /// );
    /// ```
    pub fn to_tsquery(&self) -> String {
        fn wrap((text, compound): (String, bool), alone: bool) -> String {
            if compound && !alone {
                format!("({text})")
            } else {
                text
            }
        }
        let parts = self.groups().len() + self.excluded().len();
        let mut out: Vec<String> = Vec::with_capacity(parts);
        for group in self.groups() {
            let rendered = match group.as_slice() {
                [one] => tsquery_phrase(one),
                many => {
                    let alternatives: Vec<String> = many
                        .iter()
                        .map(|p| wrap(tsquery_phrase(p), false))
                        .collect();
                    (alternatives.join(" | "), true)
                }
            };
            out.push(wrap(rendered, parts == 1));
        }
        for phrase in self.excluded() {
            out.push(format!("!{}", wrap(tsquery_phrase(phrase), false)));
        }
        out.join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use crate::search::{SearchQuery, parse_query};

    fn q(input: &str) -> SearchQuery {
        parse_query(input).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    #[test]
    fn fts5_strings() {
        assert_eq!(q("북한 인권").to_fts5(), r#""북한" AND "인권""#);
        assert_eq!(q("북한인권").to_fts5(), r#""북한 한인 인권""#);
        assert_eq!(
            q("\"Forced Repatriation\" China").to_fts5(),
            r#""forc repatri" AND "china""#
        );
        assert_eq!(q("탈북 OR defector").to_fts5(), r#"("탈북" OR "defector")"#);
        assert_eq!(q("북한 -중국").to_fts5(), r#""북한" NOT "중국""#);
        assert_eq!(
            q("북한 인권 -중국 -\"labour camps\"").to_fts5(),
            r#"("북한" AND "인권") NOT "중국" NOT "labour camp""#
        );
        assert_eq!(
            q("a OR \"b c\" OR d e").to_fts5(),
            r#"("a" OR "b c" OR "d") AND "e""#
        );
    }

    #[test]
    fn fts5_supersets() {
        assert_eq!(q("북한").to_fts5_superset(), None);
        assert_eq!(q("북한인권").to_fts5_superset(), None);
        assert_eq!(q("북한 인권").to_fts5_superset(), None);
        assert_eq!(
            q("북한인권 \"forced labour\"")
                .to_fts5_superset()
                .as_deref(),
            Some(r#""북한" AND "forc""#)
        );
        assert_eq!(
            q("탈북민 OR defector china").to_fts5_superset().as_deref(),
            Some(r#"("탈북" OR "defector") AND "china""#)
        );
    }

    /// Every post the query matches, the superset matches too: checked with the engines'
    /// rules over documents made from the query's own words in other orders.
    #[test]
    fn supersets_never_lose_a_match() {
        use crate::search::index_terms;
        let queries = [
            "탈북민 china",
            "정치범수용소 \"human rights\" -north",
            "강제북송 OR repatriation 중국",
            "\"forced labour\" 북한인권",
        ];
        let documents = [
            "탈북민 china",
            "china 탈북 민",
            "정치범수용소 human rights",
            "정치범 수용소 rights human",
            "강제북송 중국",
            "repatriation 중국",
            "forced labour 북한인권 north",
            "labour forced 북한 인권",
        ];
        for query in queries {
            let query = q(query);
            let superset = query.to_fts5_superset().expect("a phrase among groups");
            for document in documents {
                let terms = index_terms(document);
                let superset_matches = superset.split(" AND ").all(|group| {
                    group
                        .trim_matches(['(', ')'])
                        .split(" OR ")
                        .any(|term| terms.iter().any(|t| *t == term.trim_matches('"')))
                });
                if query.matches(&terms) {
                    assert!(superset_matches, "{superset} lost {document:?}");
                }
            }
        }
    }

    #[test]
    fn tsquery_strings() {
        assert_eq!(q("북한 인권").to_tsquery(), "'북한' & '인권'");
        assert_eq!(q("북한인권").to_tsquery(), "'북한' <-> '한인' <-> '인권'");
        assert_eq!(
            q("\"Forced Repatriation\" China").to_tsquery(),
            "('forc' <-> 'repatri') & 'china'"
        );
        assert_eq!(q("탈북 OR defector").to_tsquery(), "'탈북' | 'defector'");
        assert_eq!(q("북한 -중국").to_tsquery(), "'북한' & !'중국'");
        assert_eq!(
            q("북한 -\"labour camps\"").to_tsquery(),
            "'북한' & !('labour' <-> 'camp')"
        );
        assert_eq!(
            q("a OR \"b c\" OR d e").to_tsquery(),
            "('a' | ('b' <-> 'c') | 'd') & 'e'"
        );
    }

    #[test]
    fn rendered_strings_hold_no_stray_syntax() {
        let query = q("a:b \"c*d\" e|f (g) 'h' \\i NEAR(j)");
        let fts5 = query.to_fts5();
        assert_eq!(
            fts5,
            r#""a b" AND "c d" AND "e f" AND "g" AND "h" AND "i" AND "near j""#
        );
        assert!(!query.to_tsquery().contains(['\\', ':', '*']));
    }
}
