//! Translations of posts: separate posts, one per language, linked as one group. The rules
//! for linking live here; the store applies them inside the transaction that links.

use thiserror::Error;

/// A post as the linking rules see it: its id and its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub lang: Option<String>,
}

/// Why two posts cannot be linked as translations.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TranslationError {
    #[error("a post without a language cannot be linked as a translation")]
    NoLanguage,
    #[error("the posts are already translations of each other")]
    AlreadyLinked,
    #[error("the translation group already has a post in {0}")]
    LanguageTaken(String),
    #[error("no such post")]
    NotFound,
}

impl TranslationError {
    /// The locale key of the message a member of staff sees.
    pub fn message_key(&self) -> &'static str {
        match self {
            TranslationError::NoLanguage => "translation-error-no-language",
            TranslationError::AlreadyLinked => "translation-error-already-linked",
            TranslationError::LanguageTaken(_) => "translation-error-language-taken",
            TranslationError::NotFound => "translation-error-not-found",
        }
    }
}

/// Checks that the group of one post (`ours`, the post itself included) and the group of
/// another (`theirs`) can become one: every post has a language, the two are not already
/// one group, and no language appears twice — a reader switching language must land on
/// exactly one post.
pub fn check_link(ours: &[Member], theirs: &[Member]) -> Result<(), TranslationError> {
    if ours.is_empty() || theirs.is_empty() {
        return Err(TranslationError::NotFound);
    }
    if ours.iter().any(|a| theirs.iter().any(|b| a.id == b.id)) {
        return Err(TranslationError::AlreadyLinked);
    }
    let mut seen: Vec<&str> = Vec::with_capacity(ours.len() + theirs.len());
    for member in ours.iter().chain(theirs) {
        let lang = member
            .lang
            .as_deref()
            .filter(|l| !l.is_empty())
            .ok_or(TranslationError::NoLanguage)?;
        if seen.contains(&lang) {
            return Err(TranslationError::LanguageTaken(lang.to_owned()));
        }
        seen.push(lang);
    }
    Ok(())
}

/// The languages a group (given by its members' languages) still lacks, of `languages`:
/// the "Translate into …" offers on a post page.
pub fn missing_languages<'a>(members: &[Option<&str>], languages: &[&'a str]) -> Vec<&'a str> {
    languages
        .iter()
        .copied()
        .filter(|lang| !members.contains(&Some(lang)))
        .collect()
}

/// The post a member of staff names when linking a translation: its number (`123`) or its
/// address on this site, absolute or not, in either language (`/ko/b/news/123`,
/// `https://example.org/b/news/123?x=1`). Anything else is `None`.
pub fn parse_post_reference(input: &str) -> Option<i64> {
    let input = input.trim();
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
            .filter(|n| *n > 0)
    };
    if let Some(n) = number(input) {
        return Some(n);
    }
    let path = input.split(['?', '#']).next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').collect();
    // …/b/<slug>/<number>, nothing after it but a trailing slash.
    let trimmed: Vec<&str> = match segments.last() {
        Some(&"") => segments[..segments.len() - 1].to_vec(),
        _ => segments,
    };
    match trimmed.as_slice() {
        [.., "b", slug, id] if !slug.is_empty() => number(id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: i64, lang: Option<&str>) -> Member {
        Member {
            id,
            lang: lang.map(str::to_owned),
        }
    }

    #[test]
    fn two_single_posts_in_different_languages_link() {
        assert_eq!(check_link(&[m(1, Some("en"))], &[m(2, Some("ko"))]), Ok(()));
    }

    #[test]
    fn a_language_may_appear_once_per_group() {
        assert_eq!(
            check_link(&[m(1, Some("en"))], &[m(2, Some("en"))]),
            Err(TranslationError::LanguageTaken("en".into()))
        );
        // Merging two groups: the second group's Korean post collides with the first's.
        assert_eq!(
            check_link(
                &[m(1, Some("en")), m(3, Some("ko"))],
                &[m(2, Some("ko")), m(4, Some("ja"))]
            ),
            Err(TranslationError::LanguageTaken("ko".into()))
        );
        assert_eq!(
            check_link(&[m(1, Some("en")), m(3, Some("ja"))], &[m(2, Some("ko"))]),
            Ok(())
        );
    }

    #[test]
    fn posts_without_a_language_are_refused() {
        assert_eq!(
            check_link(&[m(1, None)], &[m(2, Some("ko"))]),
            Err(TranslationError::NoLanguage)
        );
        assert_eq!(
            check_link(&[m(1, Some("en"))], &[m(2, Some(""))]),
            Err(TranslationError::NoLanguage)
        );
    }

    #[test]
    fn a_post_is_not_its_own_translation() {
        assert_eq!(
            check_link(&[m(1, Some("en"))], &[m(1, Some("en"))]),
            Err(TranslationError::AlreadyLinked)
        );
        assert_eq!(
            check_link(&[m(1, Some("en")), m(2, Some("ko"))], &[m(2, Some("ko"))]),
            Err(TranslationError::AlreadyLinked)
        );
        assert_eq!(
            check_link(&[], &[m(2, Some("ko"))]),
            Err(TranslationError::NotFound)
        );
    }

    #[test]
    fn missing_languages_are_those_no_member_has() {
        assert_eq!(missing_languages(&[Some("en")], &["en", "ko"]), vec!["ko"]);
        assert_eq!(
            missing_languages(&[Some("en"), Some("ko")], &["en", "ko"]),
            Vec::<&str>::new()
        );
        assert_eq!(missing_languages(&[None], &["en", "ko"]), vec!["en", "ko"]);
    }

    #[test]
    fn post_references_are_numbers_or_post_addresses() {
        assert_eq!(parse_post_reference(" 123 "), Some(123));
        assert_eq!(parse_post_reference("/b/news/45"), Some(45));
        assert_eq!(parse_post_reference("/ko/b/news/45/"), Some(45));
        assert_eq!(
            parse_post_reference("https://example.org/ko/b/news/7?page=2#c"),
            Some(7)
        );
        assert_eq!(parse_post_reference("0"), None);
        assert_eq!(parse_post_reference("-3"), None);
        assert_eq!(parse_post_reference(""), None);
        assert_eq!(parse_post_reference("/b/news"), None);
        assert_eq!(parse_post_reference("/b/news/45/edit"), None);
        assert_eq!(parse_post_reference("/pages/45"), None);
        assert_eq!(parse_post_reference("99999999999999999999999"), None);
    }
}
