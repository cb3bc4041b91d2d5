//! The site's logo: which uploads may become it. The type is judged from the content
//! (`download::sniff_mime`), never from the name or the browser's word: PNG, JPEG or WebP.
//! SVG is refused: it can carry script, the site has no SVG sanitiser, and
//! `download::sniff_mime` never calls anything SVG.

use crate::download::sniff_mime;

/// The largest logo accepted, in bytes (a header image needs far less).
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

/// The types a logo may have.
pub const LOGO_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// Why an upload cannot be the logo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoRefusal {
    /// No file was chosen.
    Empty,
    /// Over [`MAX_LOGO_BYTES`].
    TooLarge,
    /// Not a PNG, JPEG or WebP image by its content.
    NotAnImage,
}

impl LogoRefusal {
    /// The UI message key.
    pub fn message_key(self) -> &'static str {
        match self {
            LogoRefusal::Empty => "admin-logo-error-empty",
            LogoRefusal::TooLarge => "admin-logo-error-size",
            LogoRefusal::NotAnImage => "admin-logo-error-type",
        }
    }
}

/// The logo's media type, judged from its bytes, or why it is refused.
pub fn check_logo(bytes: &[u8]) -> Result<&'static str, LogoRefusal> {
    if bytes.is_empty() {
        return Err(LogoRefusal::Empty);
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(LogoRefusal::TooLarge);
    }
    logo_type(bytes).ok_or(LogoRefusal::NotAnImage)
}

/// The media type to serve a stored logo with: PNG, JPEG or WebP by its content, else
/// `None` (not served).
pub fn logo_type(bytes: &[u8]) -> Option<&'static str> {
    let mime = sniff_mime(bytes, "");
    LOGO_TYPES.contains(&mime).then_some(mime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_by_content() {
        assert_eq!(check_logo(b"\x89PNG\r\n\x1a\n rest"), Ok("image/png"));
        assert_eq!(check_logo(b"\xff\xd8\xff\xe0 rest"), Ok("image/jpeg"));
        assert_eq!(check_logo(b"RIFF\0\0\0\0WEBPVP8 "), Ok("image/webp"));
    }

    #[test]
    fn everything_else_is_refused() {
        assert_eq!(check_logo(b""), Err(LogoRefusal::Empty));
        for bytes in [
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"[..],
            b"<?xml version=\"1.0\"?><svg/>",
            b"<html><script>alert(1)</script>",
            b"GIF89a....",
            b"%PDF-1.7",
            b"just text",
        ] {
            assert_eq!(check_logo(bytes), Err(LogoRefusal::NotAnImage));
        }
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(MAX_LOGO_BYTES + 1, 0);
        assert_eq!(check_logo(&big), Err(LogoRefusal::TooLarge));
        big.truncate(MAX_LOGO_BYTES);
        assert_eq!(check_logo(&big), Ok("image/png"));
    }
}
