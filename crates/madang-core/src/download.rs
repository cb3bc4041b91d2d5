//! Facts about files for downloads: type by content, `Content-Disposition`, readable sizes.

/// Guesses a file's media type from its first bytes, falling back to its extension only for
/// text-like types that have no signature. Never returns an HTML or SVG type: those would
/// run script in the site's origin if a browser rendered them.
pub fn sniff_mime(bytes: &[u8], name: &str) -> &'static str {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"PK\x03\x04", "application/zip"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "application/x-ole-storage",
        ),
    ];
    for (magic, mime) in SIGNATURES {
        if bytes.starts_with(magic) {
            return refine_zip(mime, name);
        }
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return "image/webp";
    }
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("txt") | Some("csv") if std::str::from_utf8(bytes).is_ok() => {
            "text/plain; charset=utf-8"
        }
        Some("hwp") => "application/x-hwp",
        _ => "application/octet-stream",
    }
}

/// Office documents are zip files; name them by extension once the zip signature matched.
fn refine_zip(mime: &'static str, name: &str) -> &'static str {
    if mime != "application/zip" {
        return mime;
    }
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("pptx") => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Some("hwpx") => "application/hwp+zip",
        _ => mime,
    }
}

/// A `Content-Disposition: attachment` value with an ASCII fallback name and the exact
/// UTF-8 name (RFC 6266 with RFC 5987 encoding), so Korean file names survive.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// A file size as people read it: "823 B", "12.4 KB", "3.1 MB".
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Makes an uploaded name safe to keep: path parts and control characters removed, length
/// bounded. The name is only ever shown and sent in headers; storage keys are random.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .take(200)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').to_owned();
    if trimmed.is_empty() {
        "file".to_owned()
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_name() {
        assert_eq!(
            sniff_mime(b"%PDF-1.4 ...", "statement.pdf"),
            "application/pdf"
        );
        assert_eq!(
            sniff_mime(b"<html><script>", "statement.pdf"),
            "application/octet-stream"
        );
        assert_eq!(
            sniff_mime(b"<svg onload=x>", "a.svg"),
            "application/octet-stream"
        );
        assert_eq!(
            sniff_mime(b"plain", "notes.txt"),
            "text/plain; charset=utf-8"
        );
    }

    #[test]
    fn disposition_keeps_korean_names() {
        assert_eq!(
            content_disposition("성명서 2015.pdf"),
            "attachment; filename=\"___ 2015.pdf\"; filename*=UTF-8''%EC%84%B1%EB%AA%85%EC%84%9C%202015.pdf"
        );
        assert_eq!(
            content_disposition("a\"b.pdf"),
            "attachment; filename=\"a_b.pdf\"; filename*=UTF-8''a%22b.pdf"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(823), "823 B");
        assert_eq!(human_size(12_700), "12.4 KB");
        assert_eq!(human_size(3_250_000), "3.1 MB");
    }

    #[test]
    fn cleans_names() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("..\\x\\evil.pdf"), "evil.pdf");
        assert_eq!(clean_file_name("a\u{0}b\u{202e}fdp.exe"), "abfdp.exe");
        assert_eq!(clean_file_name("..."), "file");
    }
}
