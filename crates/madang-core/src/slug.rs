//! Board slugs: the name a board has in its address.

use thiserror::Error;

/// Why a slug was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SlugError {
    #[error("a board slug must be 1 to 20 characters of a–z, 0–9 and _")]
    Format,
    #[error("this slug is reserved for the site's own pages")]
    Reserved,
}

/// Addresses Madang uses itself; a board may not take them (GnuBoard5 issue #299).
const RESERVED: &[&str] = &[
    "admin", "api", "b", "bbs", "content", "en", "feed", "files", "ko", "login", "logout", "rss",
    "search", "setup", "sitemap", "static", "theme",
];

/// Checks a board slug: GnuBoard5's `bo_table` rule (`[a-z0-9_]{1,20}`), minus reserved words.
pub fn validate_board_slug(slug: &str) -> Result<(), SlugError> {
    let well_formed = (1..=20).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return Err(SlugError::Format);
    }
    if RESERVED.contains(&slug) {
        return Err(SlugError::Reserved);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_gnuboard_names() {
        assert_eq!(validate_board_slug("bbs_active_news"), Ok(()));
        assert_eq!(validate_board_slug("advocacy"), Ok(()));
    }

    #[test]
    fn refuses_bad_and_reserved_names() {
        assert_eq!(validate_board_slug(""), Err(SlugError::Format));
        assert_eq!(validate_board_slug("Upper"), Err(SlugError::Format));
        assert_eq!(validate_board_slug("a-b"), Err(SlugError::Format));
        assert_eq!(validate_board_slug(&"a".repeat(21)), Err(SlugError::Format));
        assert_eq!(validate_board_slug("admin"), Err(SlugError::Reserved));
    }
}
