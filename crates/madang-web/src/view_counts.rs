//! Post view counts, gathered in memory and written in one transaction at most once a
//! second. A view is counted on every read, cached pages included; writing each one at once
//! would make every cached post page a database write (and a disk sync).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use madang_store::Store;

/// How long views wait in memory before they are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Views not yet written.
pub struct ViewCounts {
    pending: Mutex<Pending>,
}

struct Pending {
    views: HashMap<i64, i64>,
    since: Instant,
}

impl Default for ViewCounts {
    fn default() -> Self {
        ViewCounts {
            pending: Mutex::new(Pending {
                views: HashMap::new(),
                since: Instant::now(),
            }),
        }
    }
}

impl ViewCounts {
    /// Counts one view of a post; writes the gathered views when they have waited long
    /// enough.
    pub async fn count(&self, store: &Store, post_id: i64) {
        let due = {
            let Ok(mut pending) = self.pending.lock() else {
                return;
            };
            *pending.views.entry(post_id).or_insert(0) += 1;
            if pending.since.elapsed() >= FLUSH_EVERY {
                pending.since = Instant::now();
                Some(std::mem::take(&mut pending.views))
            } else {
                None
            }
        };
        if let Some(views) = due {
            write(store, views).await;
        }
    }

    /// Writes every gathered view now (at shutdown, and for tests).
    pub async fn flush(&self, store: &Store) {
        let views = match self.pending.lock() {
            Ok(mut pending) => {
                pending.since = Instant::now();
                std::mem::take(&mut pending.views)
            }
            Err(_) => return,
        };
        write(store, views).await;
    }
}

async fn write(store: &Store, views: HashMap<i64, i64>) {
    if views.is_empty() {
        return;
    }
    let batch: Vec<(i64, i64)> = views.into_iter().collect();
    if let Err(e) = store.add_views(&batch).await {
        // Counts are not worth failing a reader's page for; the log says they were lost.
        tracing::warn!(error = %e, posts = batch.len(), "view counts not written");
    }
}
