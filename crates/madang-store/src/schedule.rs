//! Scheduled publishing. A post whose publication time has come appears by itself (every
//! list and page filters on `published_at <= now`), but pages are cached by site
//! generation, so something must bump it when that time passes — once, whichever node
//! notices first, with one audit line per post.

use jiff::Timestamp;

use crate::audit::{Actor, audit};
use crate::settings::bump_generation;
use crate::{BeginWrite, Db, Result, Store};

/// The setting that remembers up to when publications were announced.
const CHECKED_UNTIL: &str = "scheduler_checked_until";
/// How far the mark may lag when nothing is due.
const MARK_EVERY_SECONDS: i64 = 3600;
/// PostgreSQL advisory lock key of the scheduler ("madang" in ASCII, as a number).
const SCHEDULER_LOCK: i64 = 0x6d61_6461_6e67;

/// The body of one run, inside the caller's locked transaction.
macro_rules! announce_due {
    ($tx:expr, $at:expr) => {{
        let checked: Option<(String,)> =
            sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                .bind(CHECKED_UNTIL)
                .fetch_optional(&mut *$tx)
                .await?;
        let first_run = checked.is_none();
        // The first run announces nothing from before it: those posts were shown already.
        let since = checked
            .and_then(|(v,)| v.parse::<i64>().ok())
            .unwrap_or($at);
        // Never backwards, even when this node's clock is behind the last runner's.
        let until = std::cmp::max(since, $at);
        // Only posts last changed before their publication time were scheduled; the rest
        // were announced when they were written or published (a draft published now, a
        // scheduled post published early: see `publishing::place_in_tx`).
        let due: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, title FROM posts
             WHERE status = 'published' AND deleted_at IS NULL
               AND published_at > $1 AND published_at <= $2 AND updated_at < published_at
             ORDER BY published_at, id",
        )
        .bind(since)
        .bind(until)
        .fetch_all(&mut *$tx)
        .await?;
        // A run that finds nothing moves the mark only now and then: a write (and a disk
        // sync) every few seconds on every node would cost more than the indexed range.
        if first_run || !due.is_empty() || until - since >= MARK_EVERY_SECONDS {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(CHECKED_UNTIL)
            .bind(until.to_string())
            .execute(&mut *$tx)
            .await?;
        }
        let scheduler = Actor {
            id: None,
            name: "scheduler",
        };
        for (id, title) in &due {
            let target = format!("post:{id}");
            audit!($tx, $at, scheduler, "post.publish", &target, title);
        }
        if !due.is_empty() {
            bump_generation!($tx);
        }
        due.into_iter().map(|(id, _)| id).collect::<Vec<i64>>()
    }};
}

impl Store {
    /// Announces the posts whose publication time passed since the last run: one audit
    /// line each, and a generation bump so every node's cache drops its pages. Runs once
    /// across nodes: the run holds a lock (SQLite's write lock; on PostgreSQL an advisory
    /// lock), and a node that finds it taken skips the round and gets `None`.
    pub async fn publish_due(&self, now: Timestamp) -> Result<Option<Vec<i64>>> {
        let at = now.as_second();
        match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                let due = announce_due!(tx, at);
                tx.commit().await?;
                Ok(Some(due))
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let (locked,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_xact_lock($1)")
                    .bind(SCHEDULER_LOCK)
                    .fetch_one(&mut *tx)
                    .await?;
                if !locked {
                    return Ok(None);
                }
                let due = announce_due!(tx, at);
                tx.commit().await?;
                Ok(Some(due))
            }
        }
    }
}
