//! UI languages and the strings in `locales/{en,ko}`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

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

/// A UI language itself: its code, its Fluent bundle and its path prefix when it is not the
/// site's default. Which language is the default is site configuration (see [`Lang`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// English, the default unless the site is configured otherwise.
    #[default]
    English,
    /// Korean.
    Korean,
}

impl Language {
    /// Every UI language, in a fixed order (English first); see [`Lang::all`] for the order a
    /// site lists them in.
    pub const ALL: [Language; 2] = [Language::English, Language::Korean];

    /// The BCP 47 code, for `<html lang>` and `hreflang`.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Korean => "ko",
        }
    }

    /// The UI language of a code (`en`, `ko`), if there is one.
    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The path prefix this language's pages have when it is not the default (`/ko`).
    pub fn own_prefix(self) -> &'static str {
        match self {
            Language::English => "/en",
            Language::Korean => "/ko",
        }
    }

    /// The Open Graph locale (`en_US`, `ko_KR`).
    pub fn og_locale(self) -> &'static str {
        match self {
            Language::English => "en_US",
            Language::Korean => "ko_KR",
        }
    }

    /// The other UI language, for the language switch.
    pub fn other(self) -> Language {
        match self {
            Language::English => Language::Korean,
            Language::Korean => Language::English,
        }
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Language::English => fluent_templates::langid!("en"),
            Language::Korean => fluent_templates::langid!("ko"),
        }
    }
}

/// The language of one request on this site: the language and the site's default, which
/// decides the path prefix (the default is unprefixed, another language lives under
/// `/<code>/`). Carrying the default here keeps it out of global state: every node reads it
/// from its configuration. Serialises as its code, so templates compare `lang == 'ko'`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lang {
    language: Language,
    default: Language,
}

impl Lang {
    /// `language` on a site whose default is `default`.
    pub fn new(language: Language, default: Language) -> Lang {
        Lang { language, default }
    }

    /// The site's default language (the unprefixed pages).
    pub fn default_of(default: Language) -> Lang {
        Lang::new(default, default)
    }

    /// Every UI language of a site whose default is `default`, the default first (it is the
    /// `x-default` of `hreflang`).
    pub fn all(default: Language) -> [Lang; 2] {
        [
            Lang::new(default, default),
            Lang::new(default.other(), default),
        ]
    }

    /// The language itself.
    pub fn language(self) -> Language {
        self.language
    }

    /// The site's default language.
    pub fn site_default(self) -> Language {
        self.default
    }

    /// Whether this is the site's default language (unprefixed).
    pub fn is_default(self) -> bool {
        self.language == self.default
    }

    /// The BCP 47 code, for `<html lang>`.
    pub fn code(self) -> &'static str {
        self.language.code()
    }

    /// The path prefix of this language's pages: "" for the default, else `/<code>`.
    pub fn prefix(self) -> &'static str {
        if self.is_default() {
            ""
        } else {
            self.language.own_prefix()
        }
    }

    /// The UI language of a code (`en`, `ko`) on the same site, if there is one.
    pub fn with_code(self, code: &str) -> Option<Lang> {
        Language::from_code(code).map(|l| Lang::new(l, self.default))
    }

    /// The other UI language on the same site, for the language switch.
    pub fn other(self) -> Lang {
        Lang::new(self.language.other(), self.default)
    }
}

impl From<Lang> for Language {
    fn from(lang: Lang) -> Language {
        lang.language
    }
}

impl Serialize for Lang {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// The locale files, for the table of strings without arguments.
const ENGLISH_SOURCE: &str = include_str!("../../../locales/en/main.ftl");
const KOREAN_SOURCE: &str = include_str!("../../../locales/ko/main.ftl");

/// Each language's strings that take no arguments, formatted once: templates ask for them
/// on every page they render (a list page dozens of times), and Fluent would format the
/// message again on each lookup.
static PLAIN: LazyLock<[HashMap<&'static str, Arc<str>>; 2]> = LazyLock::new(|| {
    [
        plain_strings(Language::English, ENGLISH_SOURCE),
        plain_strings(Language::Korean, KOREAN_SOURCE),
    ]
});

/// The messages of one locale file without placeables (no `{`), formatted.
fn plain_strings(lang: Language, source: &'static str) -> HashMap<&'static str, Arc<str>> {
    let mut table = HashMap::new();
    let mut entry: Option<(&'static str, bool)> = None;
    let mut finish = |entry: Option<(&'static str, bool)>| {
        if let Some((key, false)) = entry
            && let Some(text) = LOCALES.try_lookup(&lang.id(), key)
        {
            table.insert(key, Arc::from(text));
        }
    };
    for line in source.lines() {
        if line.starts_with(|c: char| c.is_ascii_alphabetic())
            && let Some((key, value)) = line.split_once(" =")
        {
            finish(entry.take());
            entry = Some((key.trim(), value.contains('{')));
        } else if line.starts_with(' ') {
            // A continuation of the current message.
            if let Some((_, placeable)) = entry.as_mut() {
                *placeable |= line.contains('{');
            }
        } else {
            finish(entry.take());
        }
    }
    finish(entry.take());
    table
}

/// A UI string without arguments, from the table formatted at first use; `None` when the
/// key is missing or needs arguments.
pub fn plain_text(lang: impl Into<Language>, key: &str) -> Option<Arc<str>> {
    let index = match lang.into() {
        Language::English => 0,
        Language::Korean => 1,
    };
    PLAIN[index].get(key).cloned()
}

/// Looks up a UI string; a missing key shows the key itself (and a test catches it).
pub fn text(lang: impl Into<Language>, key: &str) -> String {
    let lang = lang.into();
    match plain_text(lang, key) {
        Some(text) => text.to_string(),
        None => LOCALES
            .try_lookup(&lang.id(), key)
            .unwrap_or_else(|| key.to_owned()),
    }
}

/// Looks up a UI string with arguments; a missing key shows the key itself.
pub fn text_with(
    lang: impl Into<Language>,
    key: &str,
    args: &[(&str, FluentValue<'static>)],
) -> String {
    try_text_with(lang, key, args).unwrap_or_else(|| key.to_owned())
}

/// Looks up a UI string with arguments; `None` if the key is missing or an argument it
/// needs was not given.
pub fn try_text_with(
    lang: impl Into<Language>,
    key: &str,
    args: &[(&str, FluentValue<'static>)],
) -> Option<String> {
    let lang = lang.into();
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
pub fn has(lang: impl Into<Language>, key: &str) -> bool {
    let args: Vec<(&str, FluentValue<'static>)> = [
        "n", "count", "detail", "login", "reason", "name", "size", "query", "language", "title",
        "date", "kinds", "email", "site", "author", "category",
    ]
    .into_iter()
    .map(|name| (name, FluentValue::from(1)))
    .collect();
    let lang = lang.into();
    try_text_with(lang, key, &[]).is_some() || try_text_with(lang, key, &args).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strings_are_formatted_as_fluent_formats_them() {
        for lang in [Language::English, Language::Korean] {
            let table = &PLAIN[lang as usize];
            assert!(table.len() > 100, "{lang:?}: {} strings", table.len());
            for (key, text) in table {
                assert_eq!(
                    Some(text.to_string()),
                    try_text_with(lang, key, &[]),
                    "{key}"
                );
            }
        }
        assert_eq!(
            plain_text(Language::Korean, "see-details").as_deref(),
            Some("자세히 보기")
        );
        // A string with an argument is not in the table: it must be formatted each time.
        assert_eq!(plain_text(Language::English, "page-n"), None);
        assert_eq!(plain_text(Language::English, "no-such-key"), None);
    }

    #[test]
    fn every_english_key_has_a_korean_translation() {
        let (english, korean) = (ENGLISH_SOURCE, KOREAN_SOURCE);
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
            assert!(has(Language::Korean, key), "Korean bundle lacks {key}");
        }
        for key in &ko {
            assert!(en.contains(key), "English locale lacks {key}");
        }
    }

    #[test]
    fn strings_have_no_isolation_marks() {
        assert_eq!(text(Language::Korean, "skip-link"), "본문 바로가기");
        let s = text_with(Language::English, "page-n", &[("n", FluentValue::from(3))]);
        assert_eq!(s, "Page 3");
    }

    #[test]
    fn english_first_sites_prefix_korean() {
        let en = Lang::default_of(Language::English);
        assert_eq!((en.code(), en.prefix()), ("en", ""));
        let ko = en.other();
        assert_eq!((ko.code(), ko.prefix()), ("ko", "/ko"));
        assert_eq!(ko.other(), en);
        assert_eq!(Lang::all(Language::English), [en, ko]);
    }

    #[test]
    fn korean_first_sites_prefix_english() {
        let ko = Lang::default_of(Language::Korean);
        assert_eq!((ko.code(), ko.prefix()), ("ko", ""));
        assert!(ko.is_default());
        let en = ko.other();
        assert_eq!((en.code(), en.prefix()), ("en", "/en"));
        assert!(!en.is_default());
        // The switch keeps the site's default.
        assert_eq!(en.other(), ko);
        assert_eq!(en.site_default(), Language::Korean);
        assert_eq!(Lang::all(Language::Korean), [ko, en]);
        assert_eq!(ko.with_code("en"), Some(en));
        assert_eq!(ko.with_code("fr"), None);
    }

    #[test]
    fn lang_serialises_as_its_code() {
        let en = Lang::new(Language::English, Language::Korean);
        assert_eq!(serde_json::to_string(&en).unwrap(), "\"en\"");
        let value = minijinja::Value::from_serialize(en);
        assert_eq!(value.as_str(), Some("en"));
    }
}
