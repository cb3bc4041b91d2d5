//! Double-encoded UTF-8: text that was UTF-8, was read as latin1 (MySQL's `latin1`, which is
//! Windows-1252) and was encoded to UTF-8 again. It happens to GnuBoard sites whose tables
//! were created `latin1` while PHP wrote UTF-8 bytes into them, or whose dump was made with
//! the wrong `--default-character-set`. `북한` (bytes `EB B6 81 ED 95 9C`) comes out as
//! `ë¶\u{81}í•œ`: one character per byte.
//!
//! The repair maps every character back to the byte it came from and reads the bytes as
//! UTF-8. It is conservative and works per value: it applies only when *every* character
//! maps back to a byte, the bytes are valid UTF-8, and the result contains Hangul. Text that
//! is already right (it has Hangul, or characters above U+00FF that Windows-1252 lacks),
//! genuine Latin-1 text (`café`, whose bytes are not UTF-8) and double-encoded text
//! without Korean in it are left alone.

/// Windows-1252's characters for the bytes 0x80–0x9F (MySQL's `latin1`). The five bytes
/// Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1 control of
/// the same number, as MySQL does.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// The byte a character stands for when UTF-8 was read as latin1, if it can stand for one.
fn latin1_byte(c: char) -> Option<u8> {
    let n = u32::from(c);
    if n <= 0xFF {
        // ASCII, Latin-1 and (from a strict ISO-8859-1 reading) C1 controls.
        return Some(n as u8);
    }
    CP1252_HIGH
        .iter()
        .position(|&h| h == c)
        .map(|i| 0x80 + i as u8)
}

fn is_hangul(c: char) -> bool {
    matches!(
        u32::from(c),
        0xAC00..=0xD7A3 // syllables
            | 0x1100..=0x11FF // jamo
            | 0x3130..=0x318F // compatibility jamo
            | 0xA960..=0xA97F // jamo extended-A
            | 0xD7B0..=0xD7FF // jamo extended-B
    )
}

/// The repaired text when `text` is double-encoded UTF-8 holding Korean; `None` when it
/// is not (or not surely) double-encoded.
pub fn repair_double_encoded(text: &str) -> Option<String> {
    if text.is_ascii() {
        return None;
    }
    let mut bytes = Vec::with_capacity(text.len());
    for c in text.chars() {
        // Hangul or anything else Windows-1252 cannot hold: the text is not double-encoded.
        bytes.push(latin1_byte(c)?);
    }
    let repaired = String::from_utf8(bytes).ok()?;
    repaired.chars().any(is_hangul).then_some(repaired)
}

/// The damage itself: `text`'s UTF-8 bytes read as latin1 (Windows-1252) and written as
/// UTF-8, as MySQL does when a `latin1` column holding UTF-8 bytes is read over a UTF-8
/// connection. For tests and tools that need damaged text.
pub fn double_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_real_double_encoded_korean() {
        // As they appear on broken Korean sites (and in MySQL over a latin1 column).
        assert_eq!(
            repair_double_encoded("ì•ˆë…•í•˜ì„¸ìš”").as_deref(),
            Some("안녕하세요")
        );
        // 북한: 0x81 is undefined in Windows-1252 and comes back as U+0081.
        assert_eq!(
            repair_double_encoded("ë¶\u{81}í•œ").as_deref(),
            Some("북한")
        );
        // 인권센터 (0x9D → U+009D).
        assert_eq!(
            repair_double_encoded("ì\u{9d}¸ê¶Œì„¼í„°").as_deref(),
            Some("인권센터")
        );
        // Mixed with ASCII, as a subject line is.
        assert_eq!(
            repair_double_encoded("[ì–¸ë¡\u{a0}ë³´ë\u{8f}„] 2019 ìž¥í•™ì‚¬ì—…").as_deref(),
            Some("[언론보도] 2019 장학사업")
        );
        // Punctuation that was UTF-8 too (’ and —) comes back with the Korean.
        assert_eq!(
            repair_double_encoded("â€˜í•¨ê»˜ ê±·ëŠ” ê¸¸â€™ â€” ì„œëª…").as_deref(),
            Some("‘함께 걷는 길’ — 서명")
        );
    }

    #[test]
    fn round_trips_the_damage() {
        for s in [
            "희망다리 인권센터 Hope Bridge Human Rights Center",
            "제3회 북한인권 세미나 안내 (10월 25일)",
            "<p>탈북 청소년 장학사업</p>\r\n한글 — “따옴표” …",
            "ㄱㄴㄷ 자모",
        ] {
            let damaged = double_encode(s);
            assert_ne!(damaged, s);
            assert_eq!(repair_double_encoded(&damaged).as_deref(), Some(s), "{s}");
        }
    }

    #[test]
    fn leaves_everything_else_alone() {
        for s in [
            "",
            "plain ASCII, even with ' and \\",
            "북한인권 — already right",
            "café naïve résumé", // genuine Latin-1: its bytes are not UTF-8
            "Ã©tÃ©",             // double-encoded, but no Korean: not sure enough
            "ðŸ˜€",              // a double-encoded emoji alone
            "ì•ˆë…• and 안녕",   // half right, half wrong: leave it
            "ë¶í•œ",             // 0x81 lost on the way: not valid UTF-8 any more
            "€100 “quoted”",     // Windows-1252 punctuation, not UTF-8 underneath
        ] {
            assert_eq!(repair_double_encoded(s), None, "{s}");
        }
    }
}
