//! The picture a gallery list shows for a post: the first usable image in its body.
//!
//! Bodies are sanitised on save (see [`crate::html`]), so tags and attribute names are
//! lowercase and values are quoted and escaped; this reads that form, tolerating others,
//! and never needs a full HTML parser for one attribute of one tag.

/// Longest image address accepted, in bytes; longer ones are left for the placeholder.
const MAX_SRC_BYTES: usize = 2048;

/// The `src` of the first `<img>` in `html` whose address is a same-site path (`/files/…`)
/// or an http(s) URL. Anything else (a relative path, `data:`, `mailto:`) is skipped: a
/// list page lives at another address than the post, and only those forms mean the same
/// image there.
pub fn first_image_src(html: &str) -> Option<String> {
    let mut rest = html;
    while let Some(at) = find_ascii_ci(rest, "<img") {
        let tag = &rest[at + 4..];
        // `<imgx` is another tag.
        if tag.starts_with(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
            && let Some(src) = attribute(tag, "src").and_then(|s| usable_src(&s))
        {
            return Some(src);
        }
        rest = tag;
    }
    None
}

/// The address to put in a list page's `<img src>` for an image address found in a body,
/// given the site's origin (`https://nkhr.example`): same-site paths as they are, absolute
/// URLs on the site's own origin as their path, and `None` for other sites. The pages'
/// Content-Security-Policy (`img-src 'self'`) would block those, leaving a broken image
/// where the placeholder is better.
pub fn on_site_src(src: &str, origin: &str) -> Option<String> {
    if src.starts_with('/') && !src.starts_with("//") {
        return Some(src.to_owned());
    }
    let origin = origin.trim_end_matches('/');
    let rest = src
        .get(..origin.len())
        .filter(|head| head.eq_ignore_ascii_case(origin))?;
    let path = &src[rest.len()..];
    path.starts_with('/').then(|| path.to_owned())
}

/// An address as a list may use it: a path on this site or an http(s) URL, without
/// control characters or spaces.
fn usable_src(src: &str) -> Option<String> {
    let src = src.trim();
    if src.is_empty()
        || src.len() > MAX_SRC_BYTES
        || src.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let lower = src.to_ascii_lowercase();
    let same_site = src.starts_with('/') && !src.starts_with("//") && !src.starts_with("/\\");
    let web = lower.starts_with("http://") || lower.starts_with("https://");
    (same_site || web).then(|| src.to_owned())
}

/// The byte offset of `needle` (ASCII) in `haystack`, ignoring ASCII case.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The decoded value of attribute `name` in a tag's text after its name, up to its `>`.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() || rest.starts_with('>') {
            return None;
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let attr = &rest[..end];
        rest = rest[end..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        let value = match rest.strip_prefix('=') {
            Some(after) => {
                let (value, after) = attribute_value(after.trim_start());
                rest = after;
                value
            }
            None => "",
        };
        if attr.eq_ignore_ascii_case(name) {
            return Some(decode_entities(value));
        }
    }
}

/// A quoted or bare attribute value and the text after it.
fn attribute_value(text: &str) -> (&str, &str) {
    for quote in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(quote) {
            return match inner.find(quote) {
                Some(end) => (&inner[..end], &inner[end + 1..]),
                // An unclosed quote: the window the store cut ends inside the value.
                None => ("", ""),
            };
        }
    }
    let end = text
        .find(|c: char| c.is_ascii_whitespace() || c == '>')
        .unwrap_or(text.len());
    (&text[..end], &text[end..])
}

/// Undoes the escapes a serialiser writes in attribute values; others stay as they are.
fn decode_entities(value: &str) -> String {
    if !value.contains('&') {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let known = [
            ("&amp;", '&'),
            ("&quot;", '"'),
            ("&#39;", '\''),
            ("&#x27;", '\''),
            ("&lt;", '<'),
            ("&gt;", '>'),
        ];
        match known.iter().find(|(entity, _)| rest.starts_with(entity)) {
            Some((entity, c)) => {
                out.push(*c);
                rest = &rest[entity.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_usable_image() {
        let html = r#"<p>Report</p><img alt="a > b" src="/files/legacy/editor/2412/x.jpg"><img src="/second.png">"#;
        assert_eq!(
            first_image_src(html).as_deref(),
            Some("/files/legacy/editor/2412/x.jpg")
        );
        let web = r#"<img src="https://example.org/a.png?x=1&amp;y=2" width="10">"#;
        assert_eq!(
            first_image_src(web).as_deref(),
            Some("https://example.org/a.png?x=1&y=2")
        );
    }

    #[test]
    fn skips_images_a_list_cannot_use() {
        assert_eq!(
            first_image_src(r#"<img src="relative.png"><img src="/ok.png">"#).as_deref(),
            Some("/ok.png")
        );
        for html in [
            "<p>no image</p>",
            r#"<img src="data:image/png;base64,AAAA">"#,
            r#"<img src="//evil.example/x.png">"#,
            r#"<img src="javascript:alert(1)">"#,
            r#"<img alt="x">"#,
            r#"<imgx src="/x.png">"#,
            r#"<img src="/a b.png">"#,
            r#"<img src="/cut-off"#,
            "",
        ] {
            assert_eq!(first_image_src(html), None, "{html}");
        }
    }

    #[test]
    fn reads_other_spellings() {
        assert_eq!(
            first_image_src("<IMG SRC='/a.png'>").as_deref(),
            Some("/a.png")
        );
        assert_eq!(
            first_image_src("<img src=/a.png alt=x>").as_deref(),
            Some("/a.png")
        );
        assert_eq!(
            first_image_src("<img\nclass=\"x\"\nsrc = \"/a.png\" />").as_deref(),
            Some("/a.png")
        );
        assert_eq!(
            first_image_src("<p>한국어 본문</p><img src=\"/사진.png\">").as_deref(),
            Some("/사진.png")
        );
    }

    #[test]
    fn keeps_only_addresses_on_the_site() {
        let origin = "https://nkhr.example";
        assert_eq!(on_site_src("/a.png", origin).as_deref(), Some("/a.png"));
        assert_eq!(
            on_site_src("https://NKHR.example/files/a.png", origin).as_deref(),
            Some("/files/a.png")
        );
        assert_eq!(on_site_src("https://nkhr.example.evil/a.png", origin), None);
        assert_eq!(on_site_src("https://other.example/a.png", origin), None);
        assert_eq!(on_site_src("http://nkhr.example/a.png", origin), None);
        assert_eq!(on_site_src("//nkhr.example/a.png", origin), None);
    }
}
