//! `text::cut` and `text::excerpt` with a random maximum.
//!
//! Properties: nothing panics; the result is the input itself, or a prefix of the input
//! that ends on a grapheme boundary, holds at most `max` graphemes, followed by "…".
#![no_main]

use libfuzzer_sys::fuzz_target;
use madang_core::text::{self, ELLIPSIS};
use unicode_segmentation::UnicodeSegmentation;

fn check(input: &str, max: usize, out: &str) {
    if max == 0 || out == input {
        assert_eq!(out, input, "max 0 must keep the whole text");
        return;
    }
    let prefix = out
        .strip_suffix(ELLIPSIS)
        .unwrap_or_else(|| panic!("cut {input:?} to {max} without an ellipsis: {out:?}"));
    assert!(
        input.starts_with(prefix),
        "{out:?} is not a prefix of {input:?} plus …"
    );
    let n = prefix.graphemes(true).count();
    assert!(n <= max, "{n} graphemes kept for max {max}");
    // The prefix's graphemes are the input's first graphemes (no cluster split).
    let input_graphemes: Vec<&str> = input.graphemes(true).take(n).collect();
    let prefix_graphemes: Vec<&str> = prefix.graphemes(true).collect();
    assert_eq!(
        prefix_graphemes, input_graphemes,
        "cut splits a grapheme: {input:?} → {out:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    // The first two bytes give the maximum (0..=65535, mostly small).
    let raw = u16::from_le_bytes([data[0], data[1]]) as usize;
    let max = if raw & 0x8000 == 0 {
        raw % 64
    } else {
        raw & 0x7fff
    };
    let Ok(input) = std::str::from_utf8(&data[2..]) else {
        return;
    };
    let out = text::cut(input, max);
    check(input, max, &out);

    // `excerpt` cuts the plain text of (already sanitised) HTML.
    let plain = text::plain_text(input);
    let ex = text::excerpt(input, max);
    check(&plain, max, &ex);
});
