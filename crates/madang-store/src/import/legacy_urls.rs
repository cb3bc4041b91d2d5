//! Old addresses: their canonical form, the redirects from them to Madang's paths (added
//! by an import or by an administrator), and looking up where one now leads.

use jiff::Timestamp;

use crate::{Result, Store, StoreError, on_db};

use super::pending::{Cell, Table};
use super::session::ImportSession;

/// The path a post has on Madang.
pub fn post_path(board_slug: &str, post_id: i64) -> String {
    format!("/b/{board_slug}/{post_id}")
}

/// Reduces an old address to the form `legacy_urls` keeps: percent-decoded path without a
/// trailing slash, and for GnuBoard5's scripts (`/bbs/*.php`) only the query parameters
/// that name a thing, in a fixed order (`page`, search terms and the like are dropped).
/// Returns `None` for something that is not an absolute path.
pub fn canonical_legacy_path(path_and_query: &str) -> Option<String> {
    let path_and_query = path_and_query.split('#').next().unwrap_or("");
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_and_query, ""),
    };
    if !path.starts_with('/') {
        return None;
    }
    let mut path = percent_decode(path);
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    let wanted: &[&str] = match path.as_str() {
        "/bbs/board.php" => &["bo_table", "wr_id"],
        "/bbs/download.php" => &["bo_table", "wr_id", "no"],
        "/bbs/rss.php" => &["bo_table"],
        "/bbs/content.php" => &["co_id"],
        "/bbs/group.php" => &["gr_id"],
        "/bbs/faq.php" => &["fm_id"],
        "/bbs/link.php" => &["bo_table", "wr_id", "no"],
        _ => &[],
    };
    if wanted.is_empty() {
        return Some(path);
    }
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            ))
        })
        .collect();
    let mut out = path;
    let mut first = true;
    for name in wanted {
        if let Some((_, v)) = pairs.iter().find(|(k, v)| k == name && !v.is_empty()) {
            out.push(if first { '?' } else { '&' });
            first = false;
            out.push_str(name);
            out.push('=');
            out.push_str(v);
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Store {
    /// Where an old address now leads, for a permanent redirect: `path_and_query` is the
    /// request's path and query as received (`/bbs/board.php?bo_table=news&wr_id=3&page=2`).
    pub async fn legacy_redirect(&self, path_and_query: &str) -> Result<Option<String>> {
        let Some(key) = canonical_legacy_path(path_and_query) else {
            return Ok(None);
        };
        let row: Option<(String,)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT new_path FROM legacy_urls WHERE old_path = $1")
                .bind(&key)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(p,)| p))
    }

    /// Adds or replaces one redirect (an administrator's edit). Both sides must be paths.
    pub async fn set_legacy_redirect(&self, old: &str, new_path: &str) -> Result<()> {
        let Some(key) = canonical_legacy_path(old) else {
            return Err(StoreError::Invalid(
                "an old address must start with /".into(),
            ));
        };
        // Only a plain path on this site: browsers read `/\host` and `/<tab>/host` as
        // another site, so backslashes, whitespace and control characters are refused too.
        if !crate::is_local_target(new_path) {
            return Err(StoreError::Invalid(
                "a redirect must lead to a path on this site".into(),
            ));
        }
        on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO legacy_urls (old_path, new_path, source, created_at)
                 VALUES ($1, $2, 'admin', $3)
                 ON CONFLICT (old_path) DO UPDATE SET new_path = excluded.new_path",
            )
            .bind(&key)
            .bind(new_path)
            .bind(Timestamp::now().as_second())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// All redirects, in old-address order (for an administrator's page).
    pub async fn legacy_redirects(&self) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT old_path, new_path FROM legacy_urls ORDER BY old_path")
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }
}

impl ImportSession {
    /// Adds a redirect from an old address unless one exists. The row is held back and
    /// written with others (`pending.rs`): whether it was new is counted then, in
    /// [`ImportSession::legacy_url_counts`]. An address that is not a path is counted as
    /// already there.
    pub async fn add_legacy_url(&mut self, old: &str, new_path: &str) -> Result<()> {
        let Some(key) = canonical_legacy_path(old) else {
            self.urls_existing += 1;
            return Ok(());
        };
        self.hold(
            Table::LegacyUrls,
            vec![
                Cell::Text(key),
                Cell::Text(new_path.to_owned()),
                Cell::Text(self.source.clone()),
                Cell::Int(self.now),
            ],
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_paths() {
        assert_eq!(
            canonical_legacy_path("/bbs/board.php?page=2&wr_id=4&bo_table=advocacy").as_deref(),
            Some("/bbs/board.php?bo_table=advocacy&wr_id=4")
        );
        assert_eq!(
            canonical_legacy_path("/bbs/board.php?bo_table=advocacy&sca=%EC%84%B1").as_deref(),
            Some("/bbs/board.php?bo_table=advocacy")
        );
        assert_eq!(
            canonical_legacy_path("/advocacy/4/").as_deref(),
            Some("/advocacy/4")
        );
        assert_eq!(
            canonical_legacy_path("/youth/%EC%B2%AD%EC%86%8C%EB%85%84").as_deref(),
            Some("/youth/청소년")
        );
        assert_eq!(
            canonical_legacy_path("/bbs/download.php?bo_table=a&wr_id=4&no=0").as_deref(),
            Some("/bbs/download.php?bo_table=a&wr_id=4&no=0")
        );
        assert_eq!(canonical_legacy_path("http://x/y"), None);
        assert_eq!(canonical_legacy_path("/%"), Some("/%".into()));
        assert_eq!(canonical_legacy_path("/a%4"), Some("/a%4".into()));
    }
}
