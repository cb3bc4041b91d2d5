//! Cutting titles and making plain-text excerpts.
//!
//! Lengths count grapheme clusters (what a reader sees as one character), so a cut never
//! splits a character, a combining sequence or a Hangul syllable written as separate jamo.

use unicode_segmentation::UnicodeSegmentation;

/// The mark appended to a cut title or excerpt, as GnuBoard5 does.
pub const ELLIPSIS: &str = "…";

/// Characters of a post's plain text kept as its lead (the store keeps one more, so a lead
/// that was cut shows it): what list excerpts of up to [`LEAD_EXCERPT_MAX`] read instead
/// of the whole body.
pub const LEAD_CHARS: usize = 300;
/// The longest excerpt cut from a lead rather than from the whole text. Below
/// [`LEAD_CHARS`] so that characters written as several code points (jamo, combining
/// marks) still leave a lead long enough for the cut.
pub const LEAD_EXCERPT_MAX: usize = 250;

/// An excerpt of at most `max` characters from `text`, which may be a post's lead (its
/// first `LEAD_CHARS + 1` characters) rather than the whole text: a lead longer than
/// `LEAD_CHARS` was cut, so its excerpt ends with "…" even when the lead itself fits.
pub fn cut_excerpt(text: &str, max: usize) -> String {
    let excerpt = cut(text, max);
    if max == 0
        || max > LEAD_EXCERPT_MAX
        || excerpt.len() != text.len()
        || text.chars().count() <= LEAD_CHARS
    {
        return excerpt;
    }
    let mut out = text.trim_end().to_owned();
    out.push_str(ELLIPSIS);
    out
}

/// Letters looked at to tell a text's language: enough for a sure answer, bounded work.
const LANGUAGE_SAMPLE: usize = 2000;

/// The language a text is written in, `ko` or `en`, when its letters say so clearly: more
/// than a third Hangul is Korean (Korean writing mixes in Latin names and terms), almost no
/// Hangul and some Latin is English. `None` otherwise (too few letters, another script):
/// the text then says nothing about its language rather than something wrong. For posts
/// that arrive without one (a GnuBoard5 import), so pages mark their language for screen
/// readers and translations can be linked.
pub fn guess_language(text: &str) -> Option<&'static str> {
    let (mut hangul, mut latin, mut other) = (0usize, 0usize, 0usize);
    for c in text
        .chars()
        .filter(|c| c.is_alphabetic())
        .take(LANGUAGE_SAMPLE)
    {
        match c {
            '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' => {
                hangul += 1
            }
            'a'..='z' | 'A'..='Z' => latin += 1,
            _ => other += 1,
        }
    }
    let letters = hangul + latin + other;
    if letters < 3 {
        None
    } else if hangul * 3 > letters {
        Some("ko")
    } else if hangul * 50 < letters && latin * 2 > letters {
        Some("en")
    } else {
        None
    }
}

/// Cuts `text` to at most `max` characters and appends "…" when anything was removed.
///
/// `max == 0` means "no limit". Trailing whitespace before the ellipsis is removed so the
/// cut reads "…word…" rather than "…word …"; GnuBoard5 keeps it, but it only ever looks odd.
pub fn cut(text: &str, max: usize) -> String {
    // No more bytes than `max` means no more graphemes either: nothing to cut.
    if max == 0 || text.len() <= max {
        return text.to_owned();
    }
    if let Some(cut_at) = simple_cut(text, max) {
        return match cut_at {
            None => text.to_owned(),
            Some(byte_index) => {
                let mut out = text[..byte_index].trim_end().to_owned();
                out.push_str(ELLIPSIS);
                out
            }
        };
    }
    let mut graphemes = text.grapheme_indices(true);
    match graphemes.nth(max) {
        None => text.to_owned(),
        Some((byte_index, _)) => {
            let mut out = text[..byte_index].trim_end().to_owned();
            out.push_str(ELLIPSIS);
            out
        }
    }
}

/// [`cut`] without grapheme segmentation, for the text lists show almost always: when
/// the first `max + 1` characters each stand alone as a grapheme cluster whatever is
/// beside them, characters are graphemes. Those are printable ASCII, precomposed Hangul
/// syllables, the middle dot, the ellipsis and the typographic quotes. A syllable is only
/// safe when the next character is safe too (a following trailing jamo joins it), hence
/// `max + 1`. Returns `Some(None)` (nothing to cut), `Some(Some(byte index))` (cut
/// there), or `None` (use grapheme segmentation).
///
/// It reads bytes rather than decoded characters: lists cut a title and an excerpt per
/// post, and decoding each character was a tenth of an uncached list page's instructions
/// (BENCHMARKS.md, session 15). Skipping runs of eight ASCII bytes at once ran more
/// instructions, not fewer, on the benchmark's half-Korean lists.
fn simple_cut(text: &str, max: usize) -> Option<Option<usize>> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut n = 0;
    while let Some(&lead) = bytes.get(at) {
        let width = match lead {
            b' '..=b'~' => 1,
            // U+00B7
            0xC2 if bytes.get(at + 1) == Some(&0xB7) => 2,
            // U+AC00..=U+D7A3 are EA B0 80 ..= ED 9E A3; `text` is UTF-8, so the two
            // continuation bytes are there.
            0xEA..=0xED => {
                let scalar = (u32::from(lead & 0x0F) << 12)
                    | (u32::from(bytes[at + 1] & 0x3F) << 6)
                    | u32::from(bytes[at + 2] & 0x3F);
                if !(0xAC00..=0xD7A3).contains(&scalar) {
                    return None;
                }
                3
            }
            // U+2018..=U+201F and U+2026
            0xE2 if bytes.get(at + 1) == Some(&0x80)
                && matches!(bytes.get(at + 2), Some(0x98..=0x9F | 0xA6)) =>
            {
                3
            }
            _ => return None,
        };
        if n == max {
            return Some(Some(at));
        }
        n += 1;
        at += width;
    }
    Some(None)
}

/// Elements whose boundaries separate words when HTML is read as plain text.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Reads sanitised HTML as plain text: tags removed, entities decoded, block boundaries
/// turned into spaces, runs of whitespace collapsed.
///
/// The input must be the sanitiser's output (see [`crate::html::sanitize`]): its tags are
/// well formed and its attribute values are double-quoted, which is what makes this small
/// scanner exact. It is not a general HTML parser.
pub fn plain_text(sanitized_html: &str) -> String {
    let mut raw = String::with_capacity(sanitized_html.len());
    scan(sanitized_html, |piece| match piece {
        Piece::Text(text) => raw.push_str(&text),
        Piece::Block => raw.push(' '),
    });
    collapse_whitespace(&raw)
}

/// [`plain_text`] keeping the shape of the text: one line per paragraph, list item or
/// line break (every block boundary), each line's whitespace collapsed, no empty lines.
/// Collapsing its whitespace gives [`plain_text`] exactly; comparing two versions line by
/// line (a post's revisions) needs the lines.
pub fn plain_lines(sanitized_html: &str) -> String {
    let mut lines = Vec::new();
    let mut line = String::new();
    scan(sanitized_html, |piece| match piece {
        Piece::Text(text) => line.push_str(&text),
        Piece::Block => lines.push(std::mem::take(&mut line)),
    });
    lines.push(line);
    lines
        .iter()
        .map(|l| collapse_whitespace(l))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What [`scan`] finds: decoded text, or the boundary of a block element.
enum Piece {
    Text(String),
    Block,
}

/// Walks sanitised HTML in order, handing over its text (entities decoded) and its block
/// boundaries; other tags are dropped.
fn scan(sanitized_html: &str, mut found: impl FnMut(Piece)) {
    let mut rest = sanitized_html;
    while let Some(lt) = rest.find('<') {
        found(Piece::Text(decode_entities(&rest[..lt])));
        let tag_and_after = &rest[lt + 1..];
        let end = tag_end(tag_and_after);
        let tag = &tag_and_after[..end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if BLOCK_ELEMENTS.contains(&name.as_str()) {
            found(Piece::Block);
        }
        rest = tag_and_after.get(end + 1..).unwrap_or("");
    }
    found(Piece::Text(decode_entities(rest)));
}

/// Byte index of the `>` that closes a tag, skipping `>` inside double-quoted values.
fn tag_end(tag: &str) -> usize {
    let mut quoted = false;
    for (i, b) in tag.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'>' if !quoted => return i,
            _ => {}
        }
    }
    tag.len()
}

/// Decodes the entities an HTML serialiser writes, plus numeric references.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let semi = after.find(';').filter(|&i| i <= 10);
        let decoded = semi.and_then(|semi| decode_entity(&after[1..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code).filter(|c| *c != '\0')
        }
    }
}

/// Collapses every run of whitespace (no-break spaces included) into one space and trims.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A plain-text excerpt of sanitised HTML, cut to `max` characters (0 = whole text).
pub fn excerpt(sanitized_html: &str, max: usize) -> String {
    cut(&plain_text(sanitized_html), max)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fast_path_agrees_with_grapheme_segmentation() {
        fn by_graphemes(text: &str, max: usize) -> String {
            let mut graphemes = text.grapheme_indices(true);
            match graphemes.nth(max) {
                None => text.to_owned(),
                Some((i, _)) => format!("{}{ELLIPSIS}", text[..i].trim_end()),
            }
        }
        let samples = [
            "Statement on the forced repatriation",
            "북한인권 국제 세미나가 열렸습니다",
            "한\u{11A8}글 (a syllable and a trailing jamo)",
            "e\u{301}te\u{301} accents",
            "“quoted” · dots… end",
            "flags 🇰🇷🇺🇸 and 👩‍👩‍👧",
            "tab\there and\r\nlines",
            "",
        ];
        for text in samples {
            for max in 1..45 {
                assert_eq!(cut(text, max), by_graphemes(text, max), "{text:?} {max}");
            }
        }
    }

    use super::*;

    #[test]
    fn languages_are_told_by_their_letters() {
        assert_eq!(
            guess_language("북한인권시민연합은 1996년에 세워졌습니다."),
            Some("ko")
        );
        // Korean prose with English names in it is still Korean.
        assert_eq!(
            guess_language("NKHR과 APRRN은 UN COI 보고서를 인용하며 중국에 촉구했다"),
            Some("ko")
        );
        assert_eq!(
            guess_language("NKHR and APRRN call upon China to stop the repatriation"),
            Some("en")
        );
        assert_eq!(guess_language("Statement of 1 December, 북한"), None);
        assert_eq!(guess_language("2015. 12. 1."), None);
        assert_eq!(guess_language("Привет, как дела"), None);
        assert_eq!(guess_language(""), None);
    }

    #[test]
    fn excerpts_from_leads_match_excerpts_from_whole_texts() {
        let whole: String = "북한 인권 Human rights ".repeat(60);
        let lead: String = whole.chars().take(LEAD_CHARS + 1).collect();
        for max in [1, 10, 100, 200, LEAD_EXCERPT_MAX] {
            assert_eq!(cut_excerpt(&lead, max), cut(&whole, max), "{max}");
        }
        // A short text is its own lead: nothing cut, no ellipsis.
        assert_eq!(cut_excerpt("짧은 글", 200), "짧은 글");
        // A cut lead of 301 characters that are fewer graphemes than the excerpt (each
        // syllable written as two jamo) still shows that the text goes on.
        let jamo: String = "\u{1100}\u{1161}".repeat(151);
        let lead: String = jamo.chars().take(LEAD_CHARS + 1).collect();
        assert!(cut_excerpt(&lead, 200).ends_with(ELLIPSIS));
        assert_eq!(cut_excerpt(&jamo[..6], 200), jamo[..6]);
        // Longer excerpts come from whole texts and are cut as always.
        assert_eq!(cut_excerpt(&whole, 400), cut(&whole, 400));
    }

    #[test]
    fn cuts_the_seed_titles_exactly() {
        assert_eq!(
            cut(
                "International Seminar on Responses to Crimes Against Humanity in North Korea",
                40
            ),
            "International Seminar on Responses to Cr…"
        );
        assert_eq!(
            cut(
                "NKHR and APRRN call upon China to immediately stop the forcible repatriation of nine North Korean refugees",
                40
            ),
            "NKHR and APRRN call upon China to immedi…"
        );
    }

    #[test]
    fn short_titles_are_left_alone() {
        assert_eq!(
            cut("NKHR Advocacy to Establish COI for DPRK", 40),
            "NKHR Advocacy to Establish COI for DPRK"
        );
        let forty = "a".repeat(40);
        assert_eq!(cut(&forty, 40), forty);
        assert_eq!(cut("anything", 0), "anything");
    }

    /// The characters the byte-level fast path of `cut` lets through, as characters.
    fn stands_alone(c: char) -> bool {
        matches!(c, ' '..='~' | '\u{AC00}'..='\u{D7A3}' | '\u{2018}'..='\u{201F}' | '\u{2026}' | '\u{00B7}')
    }

    #[test]
    fn the_byte_level_cut_knows_every_character() {
        // Every Unicode scalar, alone and before a character that stands alone: the fast
        // path must take exactly the characters that stand alone, and cut after them.
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let text = format!("{c}a{c}");
            let expected = match stands_alone(c) {
                true => Some(Some(c.len_utf8() + 1)),
                false => None,
            };
            assert_eq!(simple_cut(&text, 2), expected, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn cuts_korean_by_syllable() {
        assert_eq!(cut("북한인권시민연합", 4), "북한인권…");
    }

    #[test]
    fn never_splits_decomposed_hangul_or_combining_marks() {
        // 한 written as three conjoining jamo (NFD) is one character to a reader.
        let decomposed = "\u{1112}\u{1161}\u{11ab}\u{1100}\u{1173}\u{11af}";
        assert_eq!(cut(decomposed, 1), "\u{1112}\u{1161}\u{11ab}…");
        assert_eq!(cut("e\u{301}te\u{301}", 1), "e\u{301}…");
    }

    #[test]
    fn plain_text_strips_tags_decodes_entities_and_separates_blocks() {
        let html = "<p>High commissioner.</p><p>After a <strong>short</strong> briefing &amp; talk</p><p>&lt;b&gt;&nbsp;x&#8217;s &#x2014;</p>";
        assert_eq!(
            plain_text(html),
            "High commissioner. After a short briefing & talk <b> x’s —"
        );
    }

    #[test]
    fn plain_lines_keep_blocks_apart_and_agree_with_plain_text() {
        let html = "<h2>Title</h2><p>One\n  two &amp; three</p><p>four<br>five</p><ul><li>six</li><li></li></ul>";
        assert_eq!(plain_lines(html), "Title\nOne two & three\nfour\nfive\nsix");
        assert_eq!(collapse_whitespace(&plain_lines(html)), plain_text(html));
        assert_eq!(plain_lines(""), "");
        assert_eq!(plain_lines("just text"), "just text");
    }

    #[test]
    fn plain_text_skips_gt_inside_quoted_attributes() {
        assert_eq!(
            plain_text(r#"<a href="/x" title="a>b">link</a> text"#),
            "link text"
        );
    }

    #[test]
    fn unknown_entities_stay_literal() {
        assert_eq!(decode_entities("R&D &bogus; &#0; &"), "R&D &bogus; &#0; &");
    }

    #[test]
    fn excerpt_cuts_plain_text() {
        assert_eq!(excerpt("<p>one two</p><p>three</p>", 7), "one two…");
    }
}
