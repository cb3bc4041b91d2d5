//! CSRF tokens for forms that visitors without a session fill in (registration): the
//! double-submit pattern. The form page sets a random token in a cookie (HttpOnly,
//! SameSite=Strict, `__Host-` over HTTPS, so another site can neither read nor plant it)
//! and in a hidden field; a submission must carry both, equal. Members' forms use their
//! session's token instead (`CurrentSession::check_csrf`).

use axum::http::{HeaderMap, HeaderValue, header};

/// The cookie over HTTPS: `__Host-` binds it to this host and path `/`, Secure.
const SECURE_COOKIE: &str = "__Host-madang_form";
/// The cookie over plain HTTP (local use).
const PLAIN_COOKIE: &str = "madang_form";
/// How long a form may stay open before it is sent.
const MAX_AGE_SECONDS: i64 = 24 * 3600;

/// The token a form page carries, and the cookie to set when the browser had none.
pub(crate) struct FormToken {
    pub value: String,
    pub set_cookie: Option<HeaderValue>,
}

fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v == "https")
}

fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The browser's current token, if it sent a well-formed one.
fn current(headers: &HeaderMap) -> Option<&str> {
    let name = if is_https(headers) {
        SECURE_COOKIE
    } else {
        PLAIN_COOKIE
    };
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && well_formed(v))
        .map(|(_, v)| v)
}

/// The token for a form page: the browser's own (so two open tabs both work), or a new
/// one with its cookie.
pub(crate) fn issue(headers: &HeaderMap) -> FormToken {
    if let Some(token) = current(headers) {
        return FormToken {
            value: token.to_owned(),
            set_cookie: None,
        };
    }
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let value = hex::encode(bytes);
    let cookie = if is_https(headers) {
        format!(
            "{SECURE_COOKIE}={value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={MAX_AGE_SECONDS}"
        )
    } else {
        format!(
            "{PLAIN_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={MAX_AGE_SECONDS}"
        )
    };
    FormToken {
        set_cookie: HeaderValue::from_str(&cookie).ok(),
        value,
    }
}

/// Whether a submitted form's token matches the browser's cookie (in constant time).
pub(crate) fn check(headers: &HeaderMap, submitted: &str) -> bool {
    let Some(expected) = current(headers) else {
        return false;
    };
    expected.len() == submitted.len()
        && expected
            .bytes()
            .zip(submitted.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(cookie: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        headers
    }

    #[test]
    fn a_new_browser_gets_a_token_and_its_cookie() {
        let token = issue(&HeaderMap::new());
        assert!(well_formed(&token.value));
        let cookie = token.set_cookie.unwrap();
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.starts_with(&format!("madang_form={}", token.value)));
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let mut https = HeaderMap::new();
        https.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let secure = issue(&https).set_cookie.unwrap();
        assert!(secure.to_str().unwrap().starts_with("__Host-madang_form="));
        assert!(secure.to_str().unwrap().contains("; Secure"));
    }

    #[test]
    fn the_token_must_match_the_cookie() {
        let token = "ab".repeat(32);
        let headers = with_cookie(&format!("x=1; madang_form={token}"));
        let again = issue(&headers);
        assert_eq!(again.value, token);
        assert!(again.set_cookie.is_none());
        assert!(check(&headers, &token));
        assert!(!check(&headers, &"cd".repeat(32)));
        assert!(!check(&headers, ""));
        assert!(!check(&HeaderMap::new(), &token));
        // A malformed cookie is no token at all.
        assert!(!check(&with_cookie("madang_form=short"), "short"));
    }
}
