//! Files dropped or pasted into the editor: the rules of their addresses.
//!
//! A file dropped into the editor is uploaded at once, before the post is saved (a new post
//! has no id yet), and *staged*: stored, recorded for the member who sent it, and shown in
//! the editor at a staging address, `/b/{board}/uploads/{token}`, that only that member can
//! load. Saving the post *claims* the staged files its body still refers to: each becomes
//! an attachment of the post, and its staging address in the body (and in a Markdown
//! source) is replaced by the attachment's own, `/b/{board}/{post}/files/{file}`. Files
//! the body no longer refers to stay staged and expire after [`LIFETIME_SECONDS`].
//!
//! Copying or moving a post gives the copy its own attachment records, so the addresses of
//! the source's attachments in its body are replaced by the copy's ([`replace_urls`]).

/// Hexadecimal digits in a staging token (128 random bits) and in a form's batch key.
pub const TOKEN_HEX: usize = 32;
/// How long a staged file waits for the post that claims it: three days.
pub const LIFETIME_SECONDS: i64 = 3 * 24 * 3600;
/// Most staged files a member may have waiting at once, whatever the boards' limits:
/// enough for several open forms, not a way to fill the disk.
pub const MAX_PER_MEMBER: usize = 100;

/// Whether `s` is a staging token or batch key: exactly [`TOKEN_HEX`] lower-case hex digits.
pub fn is_token(s: &str) -> bool {
    s.len() == TOKEN_HEX
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A staged file's address, as the editor shows it until the post is saved. It carries no
/// language prefix: the same address serves every language.
pub fn staged_url(board_slug: &str, token: &str) -> String {
    format!("/b/{board_slug}/uploads/{token}")
}

/// An attachment's address (the download route).
pub fn attachment_url(board_slug: &str, post_id: i64, attachment_id: i64) -> String {
    format!("/b/{board_slug}/{post_id}/files/{attachment_id}")
}

/// The tokens of the staged files `body` refers to on board `board_slug`, in order of first
/// appearance, without repeats. The body is the text as typed (editor HTML or Markdown):
/// the address is found wherever it is, in an `src`, an `href` or a Markdown link.
pub fn staged_tokens(body: &str, board_slug: &str) -> Vec<String> {
    let prefix = format!("/b/{board_slug}/uploads/");
    let mut tokens: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find(&prefix) {
        let after = &rest[at + prefix.len()..];
        let candidate = after.get(..TOKEN_HEX).unwrap_or("");
        let ends = after[candidate.len()..]
            .chars()
            .next()
            .is_none_or(|c| !continues_url(c));
        if is_token(candidate) && ends && !tokens.iter().any(|t| t == candidate) {
            tokens.push(candidate.to_owned());
        }
        rest = after;
    }
    tokens
}

/// Whether a character after an address would make it a longer, different address.
fn continues_url(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/' | '.')
}

/// Replaces each address `from` with its `to`, in one pass, where it stands whole: not
/// when it is the start of a longer address (`/b/news/3/files/7` is not in
/// `/b/news/3/files/71`). A prefix before it (a language, the site's origin) is kept. Each
/// replacement is final: an address put in is never replaced again by a later pair.
/// Returns the text unchanged (without copying twice) when nothing matched.
pub fn replace_urls(text: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() || !text.contains("/b/") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("/b/") {
        let at = search + found;
        let matched = pairs.iter().find(|(from, _)| {
            text[at..].starts_with(from.as_str())
                && text[at + from.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !continues_url(c))
        });
        match matched {
            Some((from, to)) => {
                out.push_str(&text[copied..at]);
                out.push_str(to);
                copied = at + from.len();
                search = copied;
            }
            None => search = at + 3,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Whether the editor shows a file of this media type (from `sniff_mime`) as a picture
/// rather than a link: the kinds a browser displays in `<img>`.
pub fn shows_inline(mime: &str) -> bool {
    crate::uploads::FileKind::Images
        .mime_types()
        .contains(&mime)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: &str = "0123456789abcdef0123456789abcdef";
    const T2: &str = "ffffffffffffffffffffffffffffffff";

    #[test]
    fn tokens_are_32_lower_case_hex_digits() {
        assert!(is_token(T1));
        assert!(!is_token(&T1.to_uppercase()));
        assert!(!is_token(&T1[1..]));
        assert!(!is_token(&format!("{T1}0")));
        assert!(!is_token("0123456789abcdef0123456789abcdeg"));
        assert!(!is_token(""));
    }

    #[test]
    fn addresses() {
        assert_eq!(staged_url("news", T1), format!("/b/news/uploads/{T1}"));
        assert_eq!(attachment_url("news", 3, 7), "/b/news/3/files/7");
    }

    #[test]
    fn finds_the_staged_files_a_body_refers_to() {
        let html = format!(
            "<p><img src=\"/b/news/uploads/{T1}\"> <a href=\"/ko/b/news/uploads/{T2}\">a.pdf</a> \
             <img src=\"/b/news/uploads/{T1}\"></p>"
        );
        assert_eq!(staged_tokens(&html, "news"), vec![T1, T2]);
        let markdown = format!("![map](/b/news/uploads/{T2}) and [x](/b/news/uploads/{T1})");
        assert_eq!(staged_tokens(&markdown, "news"), vec![T2, T1]);
        // Another board's, a longer or shorter token, or none at all: nothing.
        assert!(staged_tokens(&format!("/b/other/uploads/{T1}"), "news").is_empty());
        assert!(staged_tokens(&format!("/b/news/uploads/{T1}0"), "news").is_empty());
        assert!(staged_tokens(&format!("/b/news/uploads/{}", &T1[1..]), "news").is_empty());
        assert!(staged_tokens("/b/news/uploads/", "news").is_empty());
        assert!(staged_tokens("plain text", "news").is_empty());
    }

    #[test]
    fn replaces_whole_addresses_only_and_once() {
        let pairs = vec![
            (
                "/b/news/3/files/7".to_owned(),
                "/b/archive/9/files/20".to_owned(),
            ),
            (
                "/b/news/3/files/1".to_owned(),
                "/b/archive/9/files/21".to_owned(),
            ),
        ];
        assert_eq!(
            replace_urls(
                "<img src=\"/b/news/3/files/7\"><a href=\"/ko/b/news/3/files/1\">x</a>",
                &pairs
            ),
            "<img src=\"/b/archive/9/files/20\"><a href=\"/ko/b/archive/9/files/21\">x</a>"
        );
        // A longer id is another file.
        assert_eq!(
            replace_urls("/b/news/3/files/71 /b/news/3/files/17", &pairs),
            "/b/news/3/files/71 /b/news/3/files/17"
        );
        // At the very end, and in Markdown.
        assert_eq!(
            replace_urls("![m](/b/news/3/files/7)", &pairs),
            "![m](/b/archive/9/files/20)"
        );
        assert_eq!(
            replace_urls("/b/news/3/files/7", &pairs),
            "/b/archive/9/files/20"
        );
        // A replacement is never replaced again.
        let chain = vec![
            ("/b/a/1/files/1".to_owned(), "/b/a/1/files/2".to_owned()),
            ("/b/a/1/files/2".to_owned(), "/b/a/1/files/3".to_owned()),
        ];
        assert_eq!(
            replace_urls("/b/a/1/files/1 /b/a/1/files/2", &chain),
            "/b/a/1/files/2 /b/a/1/files/3"
        );
        assert_eq!(replace_urls("북한 /b/ 인권", &pairs), "북한 /b/ 인권");
        assert_eq!(replace_urls("no address", &[]), "no address");
    }

    #[test]
    fn pictures_show_inline_and_other_files_are_links() {
        assert!(shows_inline("image/png"));
        assert!(shows_inline("image/webp"));
        assert!(!shows_inline("application/pdf"));
        assert!(!shows_inline("image/svg+xml"));
    }
}
