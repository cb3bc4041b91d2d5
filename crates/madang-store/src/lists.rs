//! Board lists, page by page, at the same cost for page 4,000 as for page 1.
//!
//! Skipping (N-1) × page-size entries is linear even in a covering index. So for deep pages
//! the store keeps, per board and site generation, an *anchor* every [`ANCHOR_SPAN`] entries
//! of the list order (its sort key and id), found with one scan of that index. A deep page
//! then starts at the nearest anchor before it (a keyset condition the index serves) and
//! skips fewer than `ANCHOR_SPAN` entries. Any write bumps the generation, so anchors are
//! never used for a list they no longer describe; a scheduled post appearing bumps it too.

use std::collections::HashMap;
use std::sync::Mutex;

use jiff::Timestamp;
use madang_core::{Board, ListOrder};

use crate::posts::{BoardPage, SUMMARY_COLUMNS, SummaryRow, VISIBLE, order_by};
use crate::{Result, Store, on_db};

/// List entries between two anchors. Pages that start before the first anchor past the
/// beginning are read with a plain offset.
pub const ANCHOR_SPAN: i64 = 100;

/// The anchors of one board's list at one generation: the (sort key, id) of entries 0,
/// `ANCHOR_SPAN`, 2 × `ANCHOR_SPAN`, ….
struct Anchors {
    generation: i64,
    order: ListOrder,
    keys: Vec<(i64, i64)>,
}

/// Anchors per board, shared by every request of this process.
#[derive(Default)]
pub(crate) struct ListAnchors {
    boards: Mutex<HashMap<i64, Anchors>>,
}

/// The sort column of a list order (the id breaks ties in every order).
fn sort_key(order: ListOrder) -> &'static str {
    match order {
        ListOrder::Thread => "p.thread_key",
        ListOrder::DateAsc | ListOrder::DateDesc => "p.published_at",
    }
}

/// The keyset condition "at or after the anchor" in a list order.
fn from_anchor(order: ListOrder) -> String {
    let key = sort_key(order);
    match order {
        ListOrder::Thread | ListOrder::DateAsc => format!("({key}, p.id) >= ($5, $6)"),
        ListOrder::DateDesc => format!("({key}, p.id) <= ($5, $6)"),
    }
}

impl Store {
    /// One page of a board's list (1-based), pinned posts first on page 1. Pages past the
    /// end are empty rather than an error, so a stale link shows "no posts".
    pub async fn board_page(&self, board: &Board, page: u32, now: Timestamp) -> Result<BoardPage> {
        self.board_page_at(board, page, now, None).await
    }

    /// [`Store::board_page`] with the site generation when the caller already knows it
    /// (a node that trusts its last read), which saves reading it for deep pages.
    pub async fn board_page_at(
        &self,
        board: &Board,
        page: u32,
        now: Timestamp,
        generation: Option<i64>,
    ) -> Result<BoardPage> {
        let page = page.max(1);
        let size = i64::from(board.page_size.max(1));
        let order = order_by(board.list_order);
        let pinned_sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM posts p WHERE p.board_id = $1 AND {VISIBLE}
             AND p.pinned = TRUE ORDER BY {order}"
        );
        let offset = (i64::from(page) - 1).saturating_mul(size);
        let anchor = if offset >= ANCHOR_SPAN {
            self.anchor_before(board, offset, now, generation).await?
        } else {
            None
        };
        // The page's ids come from a covering index (migration 0010), from the nearest
        // anchor when there is one; only the page's own rows are read whole. Pinned posts
        // are a second statement: one UNION ALL of both, ordered as a whole, made SQLite
        // sort the rows with their bodies (294 µs against 193 µs for the two, measured on
        // the 100,000-post benchmark site).
        let (from, skip) = match anchor {
            Some((key, id, at)) => (Some((key, id)), offset - at),
            None => (None, offset),
        };
        let keyset = match from {
            Some(_) => format!("AND {}", from_anchor(board.list_order)),
            None => String::new(),
        };
        let list_sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM posts p WHERE p.id IN (
                 SELECT p.id FROM posts p WHERE p.board_id = $1 AND {VISIBLE}
                 AND p.pinned = FALSE {keyset} ORDER BY {order} LIMIT $3 OFFSET $4)
             ORDER BY {order}"
        );
        let (pinned, posts): (Vec<SummaryRow>, Vec<SummaryRow>) = on_db!(self, |pool| {
            let pinned = sqlx::query_as(&pinned_sql)
                .bind(board.id)
                .bind(now.as_second())
                .fetch_all(pool)
                .await?;
            let mut list = sqlx::query_as(&list_sql)
                .bind(board.id)
                .bind(now.as_second())
                .bind(size)
                .bind(skip);
            if let Some((key, id)) = from {
                list = list.bind(key).bind(id);
            }
            let posts = list.fetch_all(pool).await?;
            (pinned, posts)
        });
        let unpinned_total = (board.post_count - pinned.len() as i64).max(0);
        let pages = ((unpinned_total + size - 1) / size).max(1) as u32;
        Ok(BoardPage {
            pinned: if page == 1 {
                pinned.into_iter().map(Into::into).collect()
            } else {
                Vec::new()
            },
            posts: posts.into_iter().map(Into::into).collect(),
            page,
            pages,
        })
    }

    /// The nearest anchor at or before list entry `offset`: (sort key, id, its position).
    /// `None` when the list is shorter than `offset`.
    async fn anchor_before(
        &self,
        board: &Board,
        offset: i64,
        now: Timestamp,
        generation: Option<i64>,
    ) -> Result<Option<(i64, i64, i64)>> {
        let generation = match generation {
            Some(generation) => generation,
            None => self.generation().await?,
        };
        let index = usize::try_from(offset / ANCHOR_SPAN).unwrap_or(usize::MAX);
        let known = self.list_anchors.boards.lock().ok().and_then(|boards| {
            boards
                .get(&board.id)
                .filter(|a| a.generation == generation && a.order == board.list_order)
                .map(|a| a.keys.get(index).copied())
        });
        let key = match known {
            Some(key) => key,
            None => {
                let keys = self.scan_anchors(board, now).await?;
                let key = keys.get(index).copied();
                if let Ok(mut boards) = self.list_anchors.boards.lock() {
                    boards.insert(
                        board.id,
                        Anchors {
                            generation,
                            order: board.list_order,
                            keys,
                        },
                    );
                }
                key
            }
        };
        Ok(key.map(|(k, id)| (k, id, index as i64 * ANCHOR_SPAN)))
    }

    /// One walk of the board's list index, keeping every `ANCHOR_SPAN`-th entry.
    async fn scan_anchors(&self, board: &Board, now: Timestamp) -> Result<Vec<(i64, i64)>> {
        let order = order_by(board.list_order);
        let key = sort_key(board.list_order);
        let sql = format!(
            "SELECT k, id FROM (
                 SELECT {key} AS k, p.id AS id, ROW_NUMBER() OVER (ORDER BY {order}) AS rn
                 FROM posts p WHERE p.board_id = $1 AND {VISIBLE} AND p.pinned = FALSE
             ) ranked WHERE (rn - 1) % $3 = 0 ORDER BY rn"
        );
        let keys: Vec<(i64, i64)> = on_db!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(board.id)
                .bind(now.as_second())
                .bind(ANCHOR_SPAN)
                .fetch_all(pool)
                .await?
        });
        Ok(keys)
    }
}
