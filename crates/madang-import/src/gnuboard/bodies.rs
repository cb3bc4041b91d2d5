//! Post bodies as Madang keeps them: GnuBoard5's HTML sanitised or its text rendered, and
//! the addresses of old files in them found and rewritten.

use super::files::{legacy_editor_file, safe_data_path};
use super::prepare::pure_body_html;
use super::{Ctx, ImportError};

/// Addresses of old files inside a body: (byte range of the whole address, path under
/// `data/`), for `/data/editor/…` and `/data/file/…` whatever host or relative prefix.
pub(super) fn legacy_refs(html: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut from = 0;
    while let Some(found) = html[from..].find("/data/") {
        let at = from + found;
        from = at + 6;
        let rest = &html[at + 6..];
        if !(rest.starts_with("editor/") || rest.starts_with("file/")) {
            continue;
        }
        let stop = |b: u8| {
            matches!(
                b,
                b'"' | b'\'' | b'(' | b')' | b'<' | b'>' | b'=' | b' ' | b'\t' | b'\n' | b'\r'
            )
        };
        let mut start = at;
        while start > 0 && !stop(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = at + 6;
        while end < bytes.len() && !stop(bytes[end]) && bytes[end] != b'?' && bytes[end] != b'#' {
            end += 1;
        }
        let mut full_end = end;
        while full_end < bytes.len()
            && !matches!(
                bytes[full_end],
                b'"' | b'\'' | b')' | b'<' | b'>' | b' ' | b'\t' | b'\n' | b'\r'
            )
        {
            full_end += 1;
        }
        if let Some(path) = safe_data_path(&html[at + 6..end]) {
            out.push((start..full_end, path));
        }
        from = full_end.max(from);
    }
    out
}

/// Rewrites old file addresses in an HTML body: editor images to where Madang serves them,
/// attachment addresses to a site-relative `/data/file/…` that the redirects know.
async fn rewrite_body(
    ctx: &mut Ctx<'_>,
    html: &str,
    referrer: &str,
) -> Result<String, ImportError> {
    let refs = legacy_refs(html);
    if refs.is_empty() {
        return Ok(html.to_owned());
    }
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    for (range, path) in refs {
        let replacement = if path.starts_with("editor/") {
            legacy_editor_file(ctx, &path, referrer).await?
        } else {
            Some(format!("/data/{path}"))
        };
        if let Some(new) = replacement {
            out.push_str(&html[last..range.start]);
            out.push_str(&new);
            last = range.end;
        }
    }
    out.push_str(&html[last..]);
    Ok(out)
}

/// A body as Madang keeps it: sanitised HTML (GnuBoard's `html1`/`html2`) or plain text
/// rendered as GnuBoard5 rendered it.
pub(super) async fn body_html(
    ctx: &mut Ctx<'_>,
    content: &str,
    option: &str,
    referrer: &str,
) -> Result<String, ImportError> {
    if let Some(html) = pure_body_html(content, option) {
        return Ok(html);
    }
    // HTML with old file addresses (see `pure_body_html`).
    let mut html = content.replace("\r\n", "\n");
    if option.split(',').any(|o| o.trim() == "html2") {
        html = html.replace('\n', "<br>\n");
    }
    let html = rewrite_body(ctx, &html, referrer).await?;
    Ok(madang_core::html::sanitize(&html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_old_file_addresses() {
        let html = r#"<p><img src="http://www.example-ngo.org/data/editor/1812/a_1.jpg" alt="x"> <a href='/data/file/news/b.pdf?x=1'>f</a> <img src="../data/editor/../../etc/passwd"></p>"#;
        let refs = legacy_refs(html);
        assert_eq!(refs.len(), 2);
        assert_eq!(
            &html[refs[0].0.clone()],
            "http://www.example-ngo.org/data/editor/1812/a_1.jpg"
        );
        assert_eq!(refs[0].1, "editor/1812/a_1.jpg");
        assert_eq!(&html[refs[1].0.clone()], "/data/file/news/b.pdf?x=1");
        assert_eq!(refs[1].1, "file/news/b.pdf");
    }
}
