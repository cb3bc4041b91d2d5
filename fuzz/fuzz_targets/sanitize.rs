//! `html::sanitize`, then `text::plain_text` and `text::excerpt` on its output.
//!
//! Properties: nothing panics. Idempotence (`sanitize(sanitize(x)) == sanitize(x)`) is
//! only checked when `MADANG_FUZZ_STRICT_IDEMPOTENCE` is set, since a difference there is a
//! finding to report rather than a crash (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;
use madang_core::{html, text};
use std::sync::OnceLock;

fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("MADANG_FUZZ_STRICT_IDEMPOTENCE").is_some())
}

fuzz_target!(|input: &str| {
    let clean = html::sanitize(input);
    let _ = text::plain_text(&clean);
    let _ = text::excerpt(&clean, 80);
    if strict() {
        let again = html::sanitize(&clean);
        assert_eq!(again, clean, "sanitize is not idempotent for {input:?}");
    }
});
