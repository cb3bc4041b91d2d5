//! The address of a menu link: an absolute `http(s)` URL to another site, or a path on this
//! site starting with a single `/`. Anything else is refused, so a menu entry can never run
//! a script (`javascript:`), carry a document (`data:`) or leave the site while looking
//! like a path (`//host`, `/\host`, which browsers read as another host).

/// The most characters a menu link's address may have.
pub const MAX_ADDRESS_CHARS: usize = 2000;

/// A checked menu link address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuAddress {
    /// A path on this site, such as `/b/news` or `/pages/about?x=1#top`.
    OnSite(String),
    /// An `http://` or `https://` address of another site.
    External(String),
}

impl MenuAddress {
    /// Checks an address as typed (surrounding spaces ignored); `None` for anything that
    /// is not an on-site path or an absolute http(s) URL with a host.
    pub fn parse(text: &str) -> Option<MenuAddress> {
        let text = text.trim();
        if text.is_empty()
            || text.chars().count() > MAX_ADDRESS_CHARS
            || text
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return None;
        }
        if let Some(rest) = text.strip_prefix('/') {
            return (!rest.starts_with('/')).then(|| MenuAddress::OnSite(text.to_owned()));
        }
        let (scheme, rest) = text.split_once("://")?;
        if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
            return None;
        }
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let valid_host = !host.is_empty()
            && !host.contains('@')
            && !host.starts_with(':')
            && host
                .chars()
                .all(|c| c.is_alphanumeric() || "-.:[]_".contains(c));
        valid_host.then(|| MenuAddress::External(text.to_owned()))
    }

    /// The address as stored and linked.
    pub fn as_str(&self) -> &str {
        match self {
            MenuAddress::OnSite(a) | MenuAddress::External(a) => a,
        }
    }

    /// Whether the link leaves the site (shown with `rel="noopener noreferrer"`).
    pub fn is_external(&self) -> bool {
        matches!(self, MenuAddress::External(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_site_paths_and_http_urls_pass() {
        for (text, external) in [
            ("/b/news", false),
            ("/", false),
            ("  /pages/about?x=1#top ", false),
            ("/ko/b/소식", false),
            ("https://example.org", true),
            ("https://example.org/donate?x=1#top", true),
            ("HTTP://Example.org:8080/a", true),
            ("https://ko.wikipedia.org/wiki/북한", true),
            ("https://[2001:db8::1]/x", true),
        ] {
            let address = MenuAddress::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(address.is_external(), external, "{text}");
            assert_eq!(address.as_str(), text.trim());
        }
    }

    #[test]
    fn everything_else_is_refused() {
        for text in [
            "",
            "   ",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil.example",
            "b/news",
            "news",
            "ftp://example.org/file",
            "mailto:a@example.org",
            "https://",
            "https:///path",
            "https://user@evil.example/",
            "https://exa mple.org",
            "https://example.org/a b",
            "/a\nb",
            "/a\u{0}b",
            "http:example.org",
            "https://<script>/",
            "https://:80/",
        ] {
            assert_eq!(MenuAddress::parse(text), None, "{text:?}");
        }
        let long = format!("/{}", "a".repeat(MAX_ADDRESS_CHARS));
        assert_eq!(MenuAddress::parse(&long), None);
        assert!(MenuAddress::parse(&long[..MAX_ADDRESS_CHARS]).is_some());
    }
}
