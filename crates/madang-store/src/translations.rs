//! Translations of posts: linking posts in different languages as one group, reading a
//! post's translations for its page, and all links for the sitemap. The rules (one post
//! per language, every member with a language) are `madang_core::translation`'s.

use jiff::Timestamp;
use madang_core::Post;

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::editing::ActorRef;
use crate::posts::VISIBLE;
use crate::settings::bump_generation;
use madang_core::translation::TranslationError;

use crate::{Result, Store, StoreError, on_db};

/// One of a post's translations, as its page links to it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Translation {
    pub post_id: i64,
    pub board_slug: String,
    pub lang: String,
    pub title: String,
}

/// A public post's place in a translation group, for the sitemap.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TranslationLink {
    pub post_id: i64,
    pub group_id: i64,
    pub board_slug: String,
    pub lang: String,
}

/// Links the posts `$a` and `$b` (ids) inside the caller's transaction: reads both groups,
/// checks them with `check_link`, and gives every member of either the one group key
/// (`$a`'s group if it has one, else `$b`'s, else `$a`'s id). Deleted posts do not count:
/// staff link what readers see.
macro_rules! link_in_tx {
    ($tx:expr, $a:expr, $b:expr) => {{
        let (a, b): (i64, i64) = ($a, $b);
        let rows: Vec<(i64, Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT id, lang, translation_group FROM posts
             WHERE deleted_at IS NULL AND (id = $1 OR id = $2 OR translation_group IN
                (SELECT translation_group FROM posts
                 WHERE (id = $1 OR id = $2) AND translation_group IS NOT NULL))",
        )
        .bind(a)
        .bind(b)
        .fetch_all(&mut *$tx)
        .await?;
        let group_of =
            |id: i64| -> Option<Option<i64>> { rows.iter().find(|r| r.0 == id).map(|r| r.2) };
        let (Some(group_a), Some(group_b)) = (group_of(a), group_of(b)) else {
            return Err($crate::StoreError::Translation(
                madang_core::translation::TranslationError::NotFound,
            ));
        };
        let members = |id: i64, group: Option<i64>| -> Vec<madang_core::translation::Member> {
            rows.iter()
                .filter(|r| r.0 == id || (group.is_some() && r.2 == group))
                .map(|r| madang_core::translation::Member {
                    id: r.0,
                    lang: r.1.clone(),
                })
                .collect()
        };
        madang_core::translation::check_link(&members(a, group_a), &members(b, group_b))?;
        let key = group_a.or(group_b).unwrap_or(a);
        sqlx::query(
            "UPDATE posts SET translation_group = $1
             WHERE id = $2 OR id = $3 OR translation_group = $4 OR translation_group = $5",
        )
        .bind(key)
        .bind(a)
        .bind(b)
        .bind(group_a)
        .bind(group_b)
        .execute(&mut *$tx)
        .await
        .map_err($crate::translations::language_taken_on_conflict)?;
    }};
}
pub(crate) use link_in_tx;

/// Takes post `$post` (an id) out of its translation group inside the caller's
/// transaction, then settles the group (see [`settle_group_in_tx`]). Evaluates to the
/// group key it left, if it had one.
macro_rules! leave_group_in_tx {
    ($tx:expr, $post:expr) => {{
        let post: i64 = $post;
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT translation_group FROM posts WHERE id = $1")
                .bind(post)
                .fetch_optional(&mut *$tx)
                .await?;
        let group = row.and_then(|r| r.0);
        if let Some(group) = group {
            sqlx::query("UPDATE posts SET translation_group = NULL WHERE id = $1")
                .bind(post)
                .execute(&mut *$tx)
                .await?;
            $crate::translations::settle_group_in_tx!($tx, group);
        }
        group
    }};
}
pub(crate) use leave_group_in_tx;

/// Keeps a group whose membership changed well-formed: a group of one post dissolves, and a
/// group whose key was the id of a post that left takes the smallest member id as its key.
/// A key is thus always the id of a member, so a post outside every group can lend its own
/// id to a new group without meeting an old one.
macro_rules! settle_group_in_tx {
    ($tx:expr, $group:expr) => {{
        let group: i64 = $group;
        let (left, first, keeps_key): (i64, Option<i64>, i64) = sqlx::query_as(
            "SELECT COUNT(*), MIN(id), COUNT(CASE WHEN id = $1 THEN 1 END)
             FROM posts WHERE translation_group = $1",
        )
        .bind(group)
        .fetch_one(&mut *$tx)
        .await?;
        if left < 2 {
            sqlx::query("UPDATE posts SET translation_group = NULL WHERE translation_group = $1")
                .bind(group)
                .execute(&mut *$tx)
                .await?;
        } else if keeps_key == 0 {
            sqlx::query("UPDATE posts SET translation_group = $2 WHERE translation_group = $1")
                .bind(group)
                .bind(first)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(crate) use settle_group_in_tx;

/// A link that would put two posts of one language in a group, caught by the database's
/// unique index (two links racing each other): reported as the rule's own refusal.
pub(crate) fn language_taken_on_conflict(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Translation(TranslationError::LanguageTaken(String::new()))
        }
        _ => StoreError::Database(e),
    }
}

impl Store {
    /// The published, non-secret translations of `post` (itself left out), by language.
    /// No query runs for a post without translations.
    pub async fn translations(&self, post: &Post, now: Timestamp) -> Result<Vec<Translation>> {
        let Some(group) = post.translation_group else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT p.id AS post_id, b.slug AS board_slug, p.lang AS lang, p.title AS title
             FROM posts p JOIN boards b ON b.id = p.board_id
             WHERE p.translation_group = $1 AND {VISIBLE} AND p.id <> $3
                AND p.secret = FALSE AND p.lang IS NOT NULL
             ORDER BY p.lang, p.id"
        );
        let rows = on_db!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(group)
                .bind(now.as_second())
                .bind(post.id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// The posts of `post_id`'s translation group (itself included; itself alone when it
    /// has none), as (post id, board id, author id): staff must be able to edit each of them
    /// to link the group to another.
    pub async fn translation_members(&self, post_id: i64) -> Result<Vec<(i64, i64, Option<i64>)>> {
        let rows = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, board_id, author_id FROM posts
                 WHERE id = $1 OR translation_group =
                    (SELECT translation_group FROM posts WHERE id = $1)
                 ORDER BY id",
            )
            .bind(post_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// The board of a post that is not deleted, or `None`: staff name the post to link by
    /// its number alone.
    pub async fn post_board_id(&self, post_id: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT board_id FROM posts WHERE id = $1 AND deleted_at IS NULL")
                .bind(post_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|r| r.0))
    }

    /// Every published, non-secret post that has a translation group, for the sitemap.
    pub async fn translation_links(&self, now: Timestamp) -> Result<Vec<TranslationLink>> {
        let visible = VISIBLE.replace("$2", "$1");
        let sql = format!(
            "SELECT p.id AS post_id, p.translation_group AS group_id, b.slug AS board_slug,
                p.lang AS lang
             FROM posts p JOIN boards b ON b.id = p.board_id
             WHERE p.translation_group IS NOT NULL AND {visible} AND p.secret = FALSE
                AND p.lang IS NOT NULL
             ORDER BY p.translation_group, p.lang"
        );
        let rows = on_db!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(now.as_second())
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Links `post_id` and `other_id` as translations of each other (merging their groups
    /// if both have one). Audited as `post.translation.link`.
    pub async fn link_translation(
        &self,
        post_id: i64,
        other_id: i64,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("post:{post_id}");
        let detail = format!("post:{other_id}");
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            link_in_tx!(tx, post_id, other_id);
            audit!(
                tx,
                now.as_second(),
                who,
                "post.translation.link",
                &target,
                &detail,
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Takes a post out of its translation group; a group left with one post dissolves.
    /// Audited as `post.translation.unlink`. A post without a group is `NotFound`.
    pub async fn unlink_translation(
        &self,
        post_id: i64,
        actor: ActorRef<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let who = Actor {
            id: actor.id,
            name: actor.name,
        };
        let target = format!("post:{post_id}");
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            if leave_group_in_tx!(tx, post_id).is_none() {
                return Err(StoreError::NotFound);
            }
            audit!(
                tx,
                now.as_second(),
                who,
                "post.translation.unlink",
                &target,
                "",
                actor.ip
            );
            bump_generation!(tx);
            tx.commit().await?;
        });
        Ok(())
    }
}
