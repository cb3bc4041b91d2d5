//! The allow-list sanitiser every piece of user HTML passes through once, on save.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]
    .into_iter()
    .collect();
    let mut tag_attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    tag_attributes.insert("a", ["href", "title"].into_iter().collect());
    tag_attributes.insert(
        "img",
        ["src", "alt", "title", "width", "height"]
            .into_iter()
            .collect(),
    );
    tag_attributes.insert("td", ["colspan", "rowspan"].into_iter().collect());
    tag_attributes.insert("th", ["colspan", "rowspan", "scope"].into_iter().collect());
    tag_attributes.insert("ol", ["start", "reversed"].into_iter().collect());
    // GnuBoard5 wraps its copy/move line in these classes; keeping them keeps imported posts
    // styled, and no other class can be smuggled in.
    let mut class_values: HashMap<&str, HashSet<&str>> = HashMap::new();
    class_values.insert(
        "div",
        ["content_copy", "content_move"].into_iter().collect(),
    );
    let mut builder = ammonia::Builder::default();
    builder
        .tags(tags)
        .tag_attributes(tag_attributes)
        .allowed_classes(class_values)
        .generic_attributes(["lang", "dir"].into_iter().collect())
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    builder
});

/// Cleans user HTML with Madang's allow-list: structure and links survive; scripts, event
/// handlers, styles, forms, frames and non-web URL schemes do not.
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // Writing to a String cannot fail.
    let _ = escape_into(&mut out, text);
    out
}

/// [`escape`] straight into a writer: the runs between special characters are copied
/// whole, so a page's text costs a scan and a few copies rather than a push per character
/// and a string per value (this runs for every value a template prints). The scan looks
/// at eight bytes at once and only goes byte by byte through words that hold a special
/// character; Korean text, three bytes a syllable, made the byte-by-byte scan a tenth of
/// an uncached list page.
pub fn escape_into<W: std::fmt::Write + ?Sized>(out: &mut W, text: &str) -> std::fmt::Result {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut word_start = 0;
    while word_start < bytes.len() {
        let word_end = (word_start + 8).min(bytes.len());
        if let Ok(word) = <[u8; 8]>::try_from(&bytes[word_start..word_end])
            && !holds_special(u64::from_le_bytes(word))
        {
            word_start = word_end;
            continue;
        }
        for (i, byte) in bytes.iter().enumerate().take(word_end).skip(word_start) {
            let entity = match byte {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            // The special characters are ASCII, so `i` is always a character boundary.
            out.write_str(&text[start..i])?;
            out.write_str(entity)?;
            start = i + 1;
        }
        word_start = word_end;
    }
    out.write_str(&text[start..])
}

/// Whether any of a word's eight bytes is one that [`escape_into`] replaces. For each
/// special byte, `x ^ spread(byte)` has a zero byte exactly where the word holds it, and
/// `(v - 0x01…) & !v & 0x80…` is non-zero exactly when `v` has a zero byte. (Pairing the
/// specials up by setting a low bit first, three tests instead of five, ran more
/// instructions per page under callgrind.)
fn holds_special(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte_in = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let has = |byte: u8| zero_byte_in(word ^ (ONES * u64::from(byte)));
    (has(b'&') | has(b'<') | has(b'>') | has(b'"') | has(b'\'')) != 0
}

/// Renders a plain-text body as GnuBoard5 does for posts without the HTML option:
/// escaped, line breaks kept, web addresses made into links.
pub fn text_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.replace("\r\n", "\n").split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>\n");
        }
        out.push_str(&autolink(line));
    }
    sanitize(&out)
}

fn autolink(line: &str) -> String {
    let mut out = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.starts_with("http://") || word.starts_with("https://") {
            let href = escape(word);
            out.push_str(&format!("<a href=\"{href}\">{href}</a>"));
        } else {
            out.push_str(&escape(word));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_holds_a_special_byte_exactly_when_one_of_its_bytes_is() {
        for byte in 0..=255u8 {
            for at in 0..8 {
                let mut word = *b"abcdefgh";
                word[at] = byte;
                assert_eq!(
                    holds_special(u64::from_le_bytes(word)),
                    b"&<>\"'".contains(&byte),
                    "{byte:#x} at {at}"
                );
            }
        }
    }

    #[test]
    fn escaping_by_words_agrees_with_escaping_by_characters() {
        fn by_characters(text: &str) -> String {
            text.chars()
                .map(|c| match c {
                    '&' => "&amp;".to_owned(),
                    '<' => "&lt;".to_owned(),
                    '>' => "&gt;".to_owned(),
                    '"' => "&quot;".to_owned(),
                    '\'' => "&#39;".to_owned(),
                    c => c.to_string(),
                })
                .collect()
        }
        // Each special character (and some near misses: bytes one above or below) at every
        // position of texts of every length up to three words, among ASCII and Hangul.
        for filler in ["a", "북", "é"] {
            for len in 0..24 {
                for at in 0..=len {
                    for special in ["&", "<", ">", "\"", "'", "%", "=", "?", ";", "(", "\u{80}"] {
                        let mut text = filler.repeat(at);
                        text.push_str(special);
                        text.push_str(&filler.repeat(len - at));
                        assert_eq!(escape(&text), by_characters(&text), "{text:?}");
                    }
                }
            }
        }
        assert_eq!(
            escape("&&<<>>\"\"''"),
            "&amp;&amp;&lt;&lt;&gt;&gt;&quot;&quot;&#39;&#39;"
        );
    }

    #[test]
    fn escapes_each_special_character_and_keeps_the_rest() {
        assert_eq!(escape(""), "");
        assert_eq!(escape("북한 인권"), "북한 인권");
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("끝>"), "끝&gt;");
        assert_eq!(escape("&&"), "&amp;&amp;");
    }

    #[test]
    fn keeps_structure_and_links() {
        let clean = sanitize(r#"<p>Hello <a href="https://example.org/">world</a></p>"#);
        assert_eq!(
            clean,
            r#"<p>Hello <a href="https://example.org/" rel="noopener noreferrer nofollow">world</a></p>"#
        );
    }

    #[test]
    fn removes_scripts_handlers_and_javascript_urls() {
        let clean = sanitize(
            r#"<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a><p style="x:expression(1)">y</p>"#,
        );
        assert!(!clean.contains("script"), "{clean}");
        assert!(!clean.contains("onerror"), "{clean}");
        assert!(!clean.contains("javascript"), "{clean}");
        assert!(!clean.contains("style"), "{clean}");
    }

    #[test]
    fn keeps_on_site_images_and_links_to_attachments() {
        // What the editor inserts for a dropped file, staged and then attached.
        let html = r#"<p><img src="/b/news/3/files/7" alt="map"><a href="/b/news/3/files/8">report.pdf</a><img src="/b/news/uploads/0123456789abcdef0123456789abcdef"></p>"#;
        assert_eq!(
            sanitize(html),
            r#"<p><img src="/b/news/3/files/7" alt="map"><a href="/b/news/3/files/8" rel="noopener noreferrer nofollow">report.pdf</a><img src="/b/news/uploads/0123456789abcdef0123456789abcdef"></p>"#
        );
        // Pictures pasted as data (Quill's own fallback) are not kept in the body.
        assert_eq!(
            sanitize(r#"<img src="data:image/png;base64,AAAA">"#),
            "<img>"
        );
    }

    #[test]
    fn keeps_only_known_classes() {
        assert_eq!(
            sanitize(r#"<div class="content_copy evil">x</div>"#),
            r#"<div class="content_copy">x</div>"#
        );
    }

    #[test]
    fn text_mode_escapes_and_links() {
        assert_eq!(
            text_to_html("a <b>\nsee https://example.org/x?a=1&b=2"),
            "a &lt;b&gt;<br>\nsee <a href=\"https://example.org/x?a=1&amp;b=2\" rel=\"noopener noreferrer nofollow\">https://example.org/x?a=1&amp;b=2</a>"
        );
    }
}
