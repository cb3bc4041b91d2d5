//! Redirects from old addresses, as an administrator sees and edits them: a filtered page
//! of the list (an imported site has hundreds of thousands), adding or changing one, and
//! removing one — each change audited with its before and after.

use jiff::Timestamp;

use crate::audit::{Actor, audit};
use crate::{ActorRef, BeginWrite, Result, Store, StoreError, canonical_legacy_path, on_db};

/// One redirect as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The old address, in canonical form (see [`canonical_legacy_path`]).
    pub old_path: String,
    /// Where it leads now.
    pub new_path: String,
    /// `gnuboard5:…` for imported ones, `admin` for those added by hand.
    pub source: String,
}

/// Whether a redirect target is a plain path on this site. Browsers read `//host`,
/// `/\host` and `/<tab>/host` as another site, so those are refused, as are whitespace
/// and control characters.
pub fn is_local_target(new_path: &str) -> bool {
    new_path.starts_with('/')
        && !new_path.starts_with("//")
        && !new_path.contains('\\')
        && !new_path
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
}

/// `%` and `_` in a filter match themselves.
fn like_pattern(filter: &str) -> String {
    let mut pattern = String::with_capacity(filter.len() + 2);
    pattern.push('%');
    for c in filter.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl Store {
    /// Redirects whose old or new address contains `filter`, in old-address order:
    /// one page of `size`, and how many match in all.
    pub async fn redirect_page(
        &self,
        filter: &str,
        page: u32,
        size: u32,
    ) -> Result<(Vec<Redirect>, i64)> {
        let pattern = like_pattern(filter.trim());
        let offset = i64::from(page.max(1) - 1) * i64::from(size);
        let (rows, total): (Vec<(String, String, String)>, (i64,)) = on_db!(self, |pool| {
            let rows = sqlx::query_as(
                "SELECT old_path, new_path, source FROM legacy_urls
                 WHERE old_path LIKE $1 ESCAPE '\\' OR new_path LIKE $1 ESCAPE '\\'
                 ORDER BY old_path LIMIT $2 OFFSET $3",
            )
            .bind(&pattern)
            .bind(i64::from(size))
            .bind(offset)
            .fetch_all(pool)
            .await?;
            let total = sqlx::query_as(
                "SELECT COUNT(*) FROM legacy_urls
                 WHERE old_path LIKE $1 ESCAPE '\\' OR new_path LIKE $1 ESCAPE '\\'",
            )
            .bind(&pattern)
            .fetch_one(pool)
            .await?;
            (rows, total)
        });
        let rows = rows
            .into_iter()
            .map(|(old_path, new_path, source)| Redirect {
                old_path,
                new_path,
                source,
            })
            .collect();
        Ok((rows, total.0))
    }

    /// Adds a redirect or changes where one leads (audited `redirect.set`, with the
    /// previous target). Refuses an old address that is not a path and a target that is
    /// not a path on this site.
    pub async fn save_redirect(
        &self,
        old: &str,
        new_path: &str,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let Some(key) = canonical_legacy_path(old.trim()) else {
            return Err(StoreError::Invalid(
                "an old address must start with /".into(),
            ));
        };
        let new_path = new_path.trim();
        if !is_local_target(new_path) {
            return Err(StoreError::Invalid(
                "a redirect must lead to a path on this site".into(),
            ));
        }
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let before: Option<(String,)> =
                sqlx::query_as("SELECT new_path FROM legacy_urls WHERE old_path = $1")
                    .bind(&key)
                    .fetch_optional(&mut *tx)
                    .await?;
            sqlx::query(
                "INSERT INTO legacy_urls (old_path, new_path, source, created_at)
                 VALUES ($1, $2, 'admin', $3)
                 ON CONFLICT (old_path) DO UPDATE SET new_path = excluded.new_path",
            )
            .bind(&key)
            .bind(new_path)
            .bind(now.as_second())
            .execute(&mut *tx)
            .await?;
            let detail = match &before {
                Some((old_target,)) => format!("{key} → {new_path} (was {old_target})"),
                None => format!("{key} → {new_path} (new)"),
            };
            audit!(
                tx,
                now.as_second(),
                who,
                "redirect.set",
                &key,
                &detail,
                actor.ip
            );
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes a redirect (audited `redirect.delete`); `false` when there was none.
    pub async fn delete_redirect(
        &self,
        old: &str,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<bool> {
        let Some(key) = canonical_legacy_path(old.trim()) else {
            return Ok(false);
        };
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let removed = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let before: Option<(String,)> =
                sqlx::query_as("DELETE FROM legacy_urls WHERE old_path = $1 RETURNING new_path")
                    .bind(&key)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((target,)) = &before {
                let detail = format!("{key} → {target}");
                audit!(
                    tx,
                    now.as_second(),
                    who,
                    "redirect.delete",
                    &key,
                    &detail,
                    actor.ip
                );
            }
            tx.commit().await?;
            before.is_some()
        });
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_percent_and_underscore_literally() {
        assert_eq!(like_pattern("bo_table"), "%bo\\_table%");
        assert_eq!(like_pattern("50%"), "%50\\%%");
        assert_eq!(like_pattern(""), "%%");
    }

    #[test]
    fn only_plain_local_paths_are_targets() {
        assert!(is_local_target("/b/advocacy/12"));
        for bad in [
            "//evil.example",
            "/\\evil",
            "/\tx",
            "https://x",
            "b/x",
            "/a b",
        ] {
            assert!(!is_local_target(bad), "{bad}");
        }
    }
}
