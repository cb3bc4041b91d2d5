//! UI languages and the strings in `locales/{en,ko}`.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use serde::Serialize;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "../../locales",
        fallback_language: "en",
        // Without this, Fluent wraps every value in invisible U+2068/U+2069 marks.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A UI language. English is the default and unprefixed; Korean lives under `/ko/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Lang {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "ko")]
    Ko,
}

impl Lang {
    /// Every UI language, the default first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    /// The BCP 47 code, for `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// The path prefix of this language's pages ("" or "/ko").
    pub fn prefix(self) -> &'static str {
        match self {
            Lang::En => "",
            Lang::Ko => "/ko",
        }
    }

    /// The UI language of a code (`en`, `ko`), if there is one.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The other UI language, for the language switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Ko,
            Lang::Ko => Lang::En,
        }
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Lang::En => fluent_templates::langid!("en"),
            Lang::Ko => fluent_templates::langid!("ko"),
        }
    }
}

/// Looks up a UI string; a missing key shows the key itself (and a test catches it).
pub fn text(lang: Lang, key: &str) -> String {
    LOCALES
        .try_lookup(&lang.id(), key)
        .unwrap_or_else(|| key.to_owned())
}

/// Looks up a UI string with arguments; a missing key shows the key itself.
pub fn text_with(lang: Lang, key: &str, args: &[(&str, FluentValue<'static>)]) -> String {
    try_text_with(lang, key, args).unwrap_or_else(|| key.to_owned())
}

/// Looks up a UI string with arguments; `None` if the key is missing or an argument it
/// needs was not given.
pub fn try_text_with(
    lang: Lang,
    key: &str,
    args: &[(&str, FluentValue<'static>)],
) -> Option<String> {
    if args.is_empty() {
        return LOCALES.try_lookup(&lang.id(), key);
    }
    let args: HashMap<Cow<'static, str>, FluentValue<'static>> = args
        .iter()
        .map(|(k, v)| (Cow::Owned((*k).to_owned()), v.clone()))
        .collect();
    LOCALES.try_lookup_with_args(&lang.id(), key, &args)
}

/// Whether a key exists in a language (for tests that every key is translated). Keys that
/// take arguments are tried with every argument name the locale files use.
pub fn has(lang: Lang, key: &str) -> bool {
    let args: Vec<(&str, FluentValue<'static>)> = [
        "n", "count", "detail", "login", "reason", "name", "size", "query", "language", "title",
    ]
    .into_iter()
    .map(|name| (name, FluentValue::from(1)))
    .collect();
    try_text_with(lang, key, &[]).is_some() || try_text_with(lang, key, &args).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_english_key_has_a_korean_translation() {
        let english = include_str!("../../../locales/en/main.ftl");
        let korean = include_str!("../../../locales/ko/main.ftl");
        let keys = |src: &str| -> Vec<String> {
            src.lines()
                .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap().trim().to_owned())
                .collect()
        };
        let (en, ko) = (keys(english), keys(korean));
        assert!(en.len() > 20);
        for key in &en {
            assert!(ko.contains(key), "Korean locale lacks {key}");
            assert!(has(Lang::Ko, key), "Korean bundle lacks {key}");
        }
        for key in &ko {
            assert!(en.contains(key), "English locale lacks {key}");
        }
    }

    #[test]
    fn strings_have_no_isolation_marks() {
        assert_eq!(text(Lang::Ko, "skip-link"), "본문 바로가기");
        let s = text_with(Lang::En, "page-n", &[("n", FluentValue::from(3))]);
        assert_eq!(s, "Page 3");
    }
}
