//! The theme: templates and static assets built into the binary, each overridable by a file
//! of the same name in the operator's theme folder (`<data>/theme/templates/…`,
//! `<data>/theme/static/…`), read at start-up, so no rebuild is needed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use fluent_templates::fluent_bundle::FluentValue;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error as TemplateError, ErrorKind, State as TemplateState};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;
use crate::i18n::{self, Language};

#[derive(RustEmbed)]
#[folder = "../../themes/default/"]
struct BuiltIn;

/// Loaded templates and assets.
pub struct Theme {
    env: Environment<'static>,
    override_dir: Option<PathBuf>,
    /// A short hash of the stylesheet, appended to its URL so it can be cached for good.
    asset_version: String,
}

impl Theme {
    /// Loads the built-in theme with overrides from `override_dir`.
    pub fn load(override_dir: Option<PathBuf>) -> Theme {
        let mut env = Environment::new();
        let dir = override_dir.clone();
        env.set_loader(move |name| {
            if let Some(text) = dir
                .as_deref()
                .and_then(|d| read_override(d, "templates", name))
            {
                return Ok(Some(String::from_utf8_lossy(&text).into_owned()));
            }
            Ok(BuiltIn::get(&format!("templates/{name}"))
                .map(|f| String::from_utf8_lossy(&f.data).into_owned()))
        });
        env.set_formatter(escape_html);
        env.add_function("t", translate);
        // One version for all assets: any change to any of them gives every URL a new
        // `?v=`, so browsers may cache them for good.
        let mut hasher = Sha256::new();
        for name in
            BuiltIn::iter().filter_map(|path| path.strip_prefix("static/").map(str::to_owned))
        {
            hasher.update(name.as_bytes());
            hasher.update(asset_bytes(override_dir.as_deref(), &name).unwrap_or_default());
        }
        let asset_version = hex::encode(&hasher.finalize()[..6]);

        env.add_global("asset_version", asset_version.clone());
        Theme {
            env,
            override_dir,
            asset_version,
        }
    }

    /// Renders a template with its context.
    pub fn render(&self, name: &str, context: Value) -> Result<String, AppError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| AppError::Internal(format!("template {name}: {e:#}")))?;
        template
            .render(context)
            .map_err(|e| AppError::Internal(format!("template {name}: {e:#}")))
    }

    /// The version string of the built assets.
    pub fn asset_version(&self) -> &str {
        &self.asset_version
    }
}

fn read_override(dir: &Path, kind: &str, name: &str) -> Option<Vec<u8>> {
    if !safe_asset_name(name) {
        return None;
    }
    std::fs::read(dir.join(kind).join(name)).ok()
}

fn asset_bytes(override_dir: Option<&Path>, name: &str) -> Option<Vec<u8>> {
    if let Some(bytes) = override_dir.and_then(|d| read_override(d, "static", name)) {
        return Some(bytes);
    }
    BuiltIn::get(&format!("static/{name}")).map(|f| f.data.into_owned())
}

/// Asset names are plain relative paths: no `..`, no absolute paths, no odd characters.
fn safe_asset_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('/')
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
}

/// Escapes interpolated text in HTML templates. minijinja's default also escapes `/` as
/// `&#x2f;`, which is safe but turns every link into noise; escaping `& < > " '` is what
/// HTML needs, in element content and in quoted attribute values alike.
fn escape_html(
    out: &mut minijinja::Output,
    state: &TemplateState,
    value: &Value,
) -> Result<(), TemplateError> {
    let html = matches!(state.auto_escape(), minijinja::AutoEscape::Html);
    match value.as_str() {
        Some(text) if html && !value.is_safe() => madang_core::html::escape_into(out, text)
            .map_err(|_| TemplateError::new(ErrorKind::WriteFailure, "writing the page")),
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// `t("key", name=value, …)` in templates: the UI string in the page's language.
fn translate(state: &TemplateState, key: &str, kwargs: Kwargs) -> Result<Value, TemplateError> {
    // Only the language matters for the strings, not which one is the site's default.
    let lang = state
        .lookup("lang")
        .as_ref()
        .and_then(Value::as_str)
        .and_then(Language::from_code)
        .unwrap_or_default();
    if kwargs.args().next().is_none()
        && let Some(text) = i18n::plain_text(lang, key)
    {
        return Ok(Value::from(text));
    }
    let mut args: Vec<(&str, FluentValue<'static>)> = Vec::new();
    let mut numbers: Option<Vec<(String, i64)>> = Some(Vec::new());
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        let fluent = match value.as_i64() {
            Some(n) => {
                if let Some(numbers) = numbers.as_mut() {
                    numbers.push((name.to_owned(), n));
                }
                FluentValue::from(n)
            }
            None => {
                numbers = None;
                FluentValue::from(value.to_string())
            }
        };
        args.push((name, fluent));
    }
    kwargs.assert_all_used()?;
    let format = || i18n::try_text_with(lang, key, &args).map(Arc::<str>::from);
    let text = match numbers {
        Some(numbers) => formatted_once((lang, key.to_owned(), numbers), format),
        None => format(),
    };
    text.map(Value::from)
        .ok_or_else(|| TemplateError::new(ErrorKind::UndefinedError, format!("no UI string {key}")))
}

/// A UI string and the whole numbers it was given.
type NumberedText = (Language, String, Vec<(String, i64)>);

/// How many formatted strings a thread keeps before it starts again.
const FORMATTED_KEPT: usize = 1024;

thread_local! {
    /// UI strings whose arguments are all whole numbers, as formatted before. A list page
    /// labels each of its page links "Page n", and Fluent took about 7,000 instructions for
    /// each, 5% of an uncached list page (BENCHMARKS.md, session 15). The same key and
    /// numbers always give the same text, so a thread formats each once; the map is
    /// emptied when full, which bounds it whatever pages are asked for.
    static FORMATTED: RefCell<HashMap<NumberedText, Option<Arc<str>>>> =
        RefCell::new(HashMap::new());
}

fn formatted_once(
    text: NumberedText,
    format: impl FnOnce() -> Option<Arc<str>>,
) -> Option<Arc<str>> {
    if let Some(known) = FORMATTED.with_borrow(|kept| kept.get(&text).cloned()) {
        return known;
    }
    let formatted = format();
    FORMATTED.with_borrow_mut(|kept| {
        if kept.len() >= FORMATTED_KEPT {
            kept.clear();
        }
        kept.insert(text, formatted.clone());
    });
    formatted
}

/// Serves a theme asset: `/static/style.css?v=…`.
pub(crate) async fn asset(
    State(state): State<AppState>,
    crate::extract::PathParts(path): crate::extract::PathParts<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    if !safe_asset_name(&path) {
        return Err(AppError::NotFound);
    }
    let bytes =
        asset_bytes(state.theme().override_dir.as_deref(), &path).ok_or(AppError::NotFound)?;
    let content_type = match path.rsplit_once('.').map(|(_, e)| e) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    // A versioned URL names one exact file, so it may be cached for good.
    let cache = if query.is_some_and(|q| q.starts_with("v=")) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_strings_are_formatted_in_their_language_each_time() {
        let mut env = Environment::new();
        env.add_function("t", translate);
        let page = r#"{{ t("page-n", n=n) }}|{{ t("page-n", n=n) }}"#;
        for (lang, n) in [("en", 3), ("ko", 3), ("en", 4), ("en", 3), ("ko", 4)] {
            let expected = i18n::text_with(
                Language::from_code(lang).unwrap(),
                "page-n",
                &[("n", FluentValue::from(n))],
            );
            assert!(expected.contains(&n.to_string()), "{expected}");
            let shown = env
                .render_str(page, minijinja::context! { lang => lang, n => n })
                .unwrap();
            assert_eq!(shown, format!("{expected}|{expected}"), "{lang} {n}");
        }
        assert_ne!(
            i18n::text_with(Language::English, "page-n", &[("n", FluentValue::from(3))]),
            i18n::text_with(Language::Korean, "page-n", &[("n", FluentValue::from(3))])
        );
        // More numbers than are kept: every one still formatted right.
        for n in 0..(FORMATTED_KEPT as i64 + 10) {
            let shown = env
                .render_str(
                    r#"{{ t("page-n", n=n) }}"#,
                    minijinja::context! { lang => "en", n => n },
                )
                .unwrap();
            assert!(shown.contains(&n.to_string()), "{shown}");
        }
    }

    #[test]
    fn asset_names_cannot_escape() {
        assert!(safe_asset_name("style.css"));
        assert!(safe_asset_name("img/logo.svg"));
        assert!(!safe_asset_name("../secret"));
        assert!(!safe_asset_name("/etc/passwd"));
        assert!(!safe_asset_name("a//b"));
        assert!(!safe_asset_name("a\\b"));
    }
}
