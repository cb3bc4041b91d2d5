//! The audit log: every staff action, who did it and when.

use crate::{Result, Store, on_db, ts};

/// One line of the audit log.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    pub at: jiff::Timestamp,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// A short verb such as `post.create` or `post.copy`.
    pub action: String,
    /// What was acted on, e.g. `post:12`.
    pub target: String,
    pub detail: String,
    /// The actor's address, truncated (see the web layer's `client_ip`).
    pub ip: String,
}

/// The actor of an audited action.
#[derive(Debug, Clone)]
pub struct Actor<'a> {
    pub id: Option<i64>,
    pub name: &'a str,
}

/// Writes an audit line inside the caller's transaction.
macro_rules! audit {
    ($tx:expr, $at:expr, $actor:expr, $action:expr, $target:expr, $detail:expr) => {
        $crate::audit::audit!($tx, $at, $actor, $action, $target, $detail, "")
    };
    ($tx:expr, $at:expr, $actor:expr, $action:expr, $target:expr, $detail:expr, $ip:expr) => {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, actor_name, action, target, detail, ip)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($at)
        .bind($actor.id)
        .bind($actor.name)
        .bind($action)
        .bind($target)
        .bind($detail)
        .bind($ip)
        .execute(&mut *$tx)
        .await?
    };
}

pub(crate) use audit;

impl Store {
    /// The newest audit lines first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        type Row = (
            i64,
            i64,
            Option<i64>,
            String,
            String,
            String,
            String,
            String,
        );
        let rows: Vec<Row> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, at, actor_id, actor_name, action, target, detail, ip
                 FROM audit_log ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(id, at, actor_id, actor_name, action, target, detail, ip)| AuditEntry {
                    id,
                    at: ts(at),
                    actor_id,
                    actor_name,
                    action,
                    target,
                    detail,
                    ip,
                },
            )
            .collect())
    }
}
