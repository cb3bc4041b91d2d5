//! Markdown posts: the input formats the write form offers, how a body is kept, and the
//! conversion from Markdown to HTML.
//!
//! A Markdown post keeps its source, so editing shows the Markdown again, and its HTML,
//! made on save: CommonMark (with tables and strikethrough) converted by `pulldown-cmark`,
//! then cleaned by the same allow-list sanitiser as the editor's HTML
//! ([`crate::html::sanitize`], through [`crate::PostBody::to_safe_html`]). The converter
//! passes raw HTML through, as CommonMark says it should; the sanitiser is what removes a
//! `<script>` or an `onerror` written inside the Markdown, once, on save.

use std::fmt;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::model::PostBody;

/// How a post's body is kept: HTML only (from the editor, plain text or an import), or
/// Markdown with the HTML made from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    #[default]
    Html,
    Markdown,
}

impl BodyFormat {
    /// The stored name (`posts.body_format`).
    pub fn as_str(self) -> &'static str {
        match self {
            BodyFormat::Html => "html",
            BodyFormat::Markdown => "markdown",
        }
    }

    /// Parses a stored name; anything unknown is HTML, whose stored body is always safe to
    /// show as it is.
    pub fn parse(s: &str) -> BodyFormat {
        match s {
            "markdown" => BodyFormat::Markdown,
            _ => BodyFormat::Html,
        }
    }
}

/// The format a body is written in on the write form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// HTML from the rich-text editor (or typed, when scripts are off).
    #[default]
    Html,
    /// Plain text: escaped, line breaks kept, web addresses linked.
    Text,
    /// Markdown, kept as written.
    Markdown,
}

/// A submitted format the form never offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown body format {:?}", self.0)
    }
}

impl std::error::Error for UnknownFormat {}

impl UnknownFormat {
    /// The locale key of the form's message.
    pub fn message_key(&self) -> &'static str {
        "write-error-format"
    }
}

impl InputFormat {
    /// Every format, in the order the form offers them.
    pub const ALL: [InputFormat; 3] = [InputFormat::Html, InputFormat::Markdown, InputFormat::Text];

    /// The form's value.
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Html => "html",
            InputFormat::Text => "text",
            InputFormat::Markdown => "markdown",
        }
    }

    /// Parses the form's value. A form sent without one (an older page, a script) is HTML,
    /// as before formats could be chosen; an unknown value is refused, so a post is never
    /// saved in a format its author did not pick.
    pub fn parse(value: &str) -> Result<InputFormat, UnknownFormat> {
        match value.trim() {
            "" | "html" => Ok(InputFormat::Html),
            "text" => Ok(InputFormat::Text),
            "markdown" => Ok(InputFormat::Markdown),
            other => Err(UnknownFormat(other.chars().take(40).collect())),
        }
    }

    /// The body as typed in this format.
    pub fn body(self, text: String) -> PostBody {
        match self {
            InputFormat::Html => PostBody::Html(text),
            InputFormat::Text => PostBody::Text(text),
            InputFormat::Markdown => PostBody::Markdown(text),
        }
    }

    /// The format and text the edit form shows for a stored body: a Markdown post's
    /// source, otherwise its (sanitised) HTML for the editor.
    pub fn for_editing<'a>(
        format: BodyFormat,
        html: &'a str,
        source: &'a str,
    ) -> (InputFormat, &'a str) {
        match format {
            BodyFormat::Markdown => (InputFormat::Markdown, source),
            BodyFormat::Html => (InputFormat::Html, html),
        }
    }
}

/// Converts Markdown to HTML, *not* sanitised: raw HTML in the source passes through.
/// Callers clean the result ([`crate::PostBody::to_safe_html`] does both).
///
/// Headings move one level down (`#` is `<h2>`): the post's title is the page's `<h1>`, and
/// the editor offers the same two levels below it.
pub fn to_html(source: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let parser = Parser::new_ext(source, options).map(|event| match event {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: below(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(below(level))),
        other => other,
    });
    let mut out = String::with_capacity(source.len() + source.len() / 4);
    pulldown_cmark::html::push_html(&mut out, parser);
    out
}

fn below(level: HeadingLevel) -> HeadingLevel {
    HeadingLevel::try_from((level as usize + 1).min(6)).unwrap_or(HeadingLevel::H6)
}

/// Appends raw HTML (a copy line) to Markdown as a block of its own, so it renders as the
/// same HTML whatever the source ends with.
pub fn append_html_block(source: &str, html: &str) -> String {
    format!("{}\n\n{html}\n", source.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safe(source: &str) -> String {
        PostBody::Markdown(source.into()).to_safe_html()
    }

    #[test]
    fn formats_parse_from_the_form_and_refuse_the_unknown() {
        for format in InputFormat::ALL {
            assert_eq!(InputFormat::parse(format.as_str()), Ok(format));
        }
        assert_eq!(InputFormat::parse(""), Ok(InputFormat::Html));
        assert_eq!(InputFormat::parse(" markdown "), Ok(InputFormat::Markdown));
        assert_eq!(
            InputFormat::parse("Markdown"),
            Err(UnknownFormat("Markdown".into()))
        );
        assert!(InputFormat::parse("rtf").is_err());
        assert_eq!(
            InputFormat::parse("x").unwrap_err().message_key(),
            "write-error-format"
        );
        assert_eq!(
            InputFormat::Markdown.body("# a".into()),
            PostBody::Markdown("# a".into())
        );
        assert_eq!(
            InputFormat::Text.body("a".into()),
            PostBody::Text("a".into())
        );
    }

    #[test]
    fn stored_formats_round_trip_and_default_to_html() {
        for format in [BodyFormat::Html, BodyFormat::Markdown] {
            assert_eq!(BodyFormat::parse(format.as_str()), format);
        }
        assert_eq!(BodyFormat::parse(""), BodyFormat::Html);
        assert_eq!(BodyFormat::parse("text"), BodyFormat::Html);
    }

    #[test]
    fn editing_shows_the_markdown_source_again() {
        assert_eq!(
            InputFormat::for_editing(BodyFormat::Markdown, "<p><em>a</em></p>", "*a*"),
            (InputFormat::Markdown, "*a*")
        );
        assert_eq!(
            InputFormat::for_editing(BodyFormat::Html, "<p>a</p>", ""),
            (InputFormat::Html, "<p>a</p>")
        );
    }

    #[test]
    fn markdown_becomes_html() {
        assert_eq!(
            safe("Hello **북한 인권** and *you*."),
            "<p>Hello <strong>북한 인권</strong> and <em>you</em>.</p>\n"
        );
        assert_eq!(
            safe("[report](https://example.org/r)"),
            "<p><a href=\"https://example.org/r\" rel=\"noopener noreferrer nofollow\">report</a></p>\n"
        );
        assert_eq!(
            safe("- one\n- two"),
            "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        );
        assert_eq!(safe("~~old~~"), "<p><del>old</del></p>\n");
        let table = safe("| a | b |\n|---|---|\n| 1 | 2 |");
        assert!(
            table.contains("<table>") && table.contains("<td>2</td>"),
            "{table}"
        );
        assert_eq!(
            safe("![map](/b/news/3/files/7)"),
            "<p><img src=\"/b/news/3/files/7\" alt=\"map\"></p>\n"
        );
    }

    #[test]
    fn headings_sit_below_the_title() {
        assert_eq!(to_html("# A"), "<h2>A</h2>\n");
        assert_eq!(to_html("## B"), "<h3>B</h3>\n");
        assert_eq!(to_html("###### F"), "<h6>F</h6>\n");
    }

    #[test]
    fn raw_html_inside_markdown_is_sanitised() {
        let source = "Intro\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n\
            <a href=\"javascript:alert(3)\">x</a> [y](javascript:alert(4)) \
            <p style=\"color:red\" onclick=\"alert(5)\">styled</p>\n\n<iframe src=\"https://evil.example/\"></iframe>";
        // The converter alone lets it through, as CommonMark says…
        let raw = to_html(source);
        assert!(raw.contains("<script>") && raw.contains("onerror"), "{raw}");
        // …and the sanitiser takes it out.
        let clean = safe(source);
        for bad in [
            "script",
            "onerror",
            "onclick",
            "javascript",
            "style=",
            "iframe",
            "alert",
        ] {
            assert!(!clean.contains(bad), "{bad} in {clean}");
        }
        assert!(clean.contains("<p>Intro</p>"), "{clean}");
        assert!(clean.contains("styled"), "{clean}");
    }

    #[test]
    fn an_appended_block_stays_html() {
        let line = "<div class=\"content_copy\">[copied]</div>";
        let source = append_html_block("Some *text*\n", line);
        assert_eq!(
            source,
            "Some *text*\n\n<div class=\"content_copy\">[copied]</div>\n"
        );
        assert_eq!(
            safe(&source),
            "<p>Some <em>text</em></p>\n<div class=\"content_copy\">[copied]</div>\n"
        );
        // A source ending in a list item or a paragraph does not swallow it.
        assert!(
            safe(&append_html_block("- item", line))
                .ends_with("</ul>\n<div class=\"content_copy\">[copied]</div>\n")
        );
    }
}
