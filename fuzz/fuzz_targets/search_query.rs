//! `search::parse_query`, and for queries that parse: `to_fts5`, `to_tsquery`, `terms`,
//! `matches` and `snippet`.
//!
//! Properties: nothing panics; the snippet is escaped text whose only markup is
//! `<mark>`/`</mark>`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madang_core::search::{self, parse_query};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let max_chars = data[0] as usize;
    let Ok(s) = std::str::from_utf8(&data[1..]) else {
        return;
    };
    // The query, then (after the first NUL) the text the snippet is taken from.
    let (query, text) = s.split_once('\0').unwrap_or((s, s));
    let Ok(q) = parse_query(query) else {
        return;
    };
    let _ = q.to_fts5();
    let _ = q.to_tsquery();
    let _ = q.matches(&search::index_terms(text));
    let out = search::snippet(text, &q, max_chars);
    let rest = out.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !rest.contains('<'),
        "unescaped '<' in snippet {out:?} of {text:?} for {query:?}"
    );
});
