//! The home page's latest posts per board (GnuBoard5's "latest" widget), for every board in
//! one statement, so the home page costs the same however many boards it shows.

use jiff::Timestamp;
use madang_core::{Board, ListOrder, ListStyle, PostSummary};

use crate::lists::{ListRow, list_columns, sort_key, sort_path};
use crate::posts::{VISIBLE, order_by};
use crate::{Db, Result, Store, on_db};

/// Boards per statement: each adds two members to a compound SELECT, which SQLite caps at
/// 500 by default.
const BOARDS_PER_STATEMENT: usize = 100;

/// A latest-post row with what says where it goes: its part (board and pinned or not) and
/// its sort key, because the order of a UNION ALL's rows is not guaranteed.
#[derive(sqlx::FromRow)]
struct LatestRow {
    #[sqlx(flatten)]
    row: ListRow,
    part: i64,
    sort_key: i64,
    sort_path: String,
}

/// One board's two members of the compound SELECT: its pinned posts, then the others,
/// each in the board's order and cut to `count` by the board's list index. No body is
/// read (the "list" columns): the home page shows titles and dates.
fn board_members(board: &Board, index: usize, postgres: bool) -> [String; 2] {
    let columns = list_columns(ListStyle::List, postgres, 0);
    let order = order_by(board.list_order);
    let key = sort_key(board.list_order);
    let path = sort_path(board.list_order);
    // Parameters: $1 is the time, then a board id and a count per board.
    let visible = VISIBLE.replace("$2", "$1");
    let (id, count) = (2 + 2 * index, 3 + 2 * index);
    [true, false].map(|pinned| {
        let part = 2 * index + usize::from(!pinned);
        format!(
            "SELECT * FROM (SELECT {columns}, CAST({part} AS BIGINT) AS part, {key} AS sort_key,
                 CAST({path} AS TEXT) AS sort_path
             FROM posts p WHERE p.board_id = ${id} AND {visible} AND p.pinned = {pinned}
             ORDER BY {order} LIMIT ${count}) part{part}"
        )
    })
}

/// A part's posts back in its board's order (sort key, reply path, then id).
fn in_order(mut rows: Vec<((i64, String), PostSummary)>, order: ListOrder) -> Vec<PostSummary> {
    rows.sort_by(|(a, p), (b, q)| (a, p.id).cmp(&(b, q.id)));
    if order == ListOrder::DateDesc {
        rows.reverse();
    }
    rows.into_iter().map(|(_, post)| post).collect()
}

impl Store {
    /// Each board's latest `home_count` posts, pinned ones first, in the boards' order.
    /// Boards with a count of 0 get an empty list without being read.
    pub async fn latest_posts(
        &self,
        boards: &[Board],
        now: Timestamp,
    ) -> Result<Vec<Vec<PostSummary>>> {
        let mut latest = Vec::with_capacity(boards.len());
        for chunk in boards.chunks(BOARDS_PER_STATEMENT) {
            latest.extend(self.latest_chunk(chunk, now).await?);
        }
        Ok(latest)
    }

    async fn latest_chunk(
        &self,
        boards: &[Board],
        now: Timestamp,
    ) -> Result<Vec<Vec<PostSummary>>> {
        let postgres = matches!(self.db, Db::Postgres(_));
        let shown: Vec<(usize, &Board)> = boards
            .iter()
            .filter(|b| b.home_count > 0)
            .enumerate()
            .collect();
        let mut rows: Vec<LatestRow> = Vec::new();
        if !shown.is_empty() {
            let sql = shown
                .iter()
                .flat_map(|(i, board)| board_members(board, *i, postgres))
                .collect::<Vec<_>>()
                .join("\nUNION ALL ");
            rows = on_db!(self, |pool| {
                let mut query = sqlx::query_as(&sql).bind(now.as_second());
                for (_, board) in &shown {
                    query = query.bind(board.id).bind(i64::from(board.home_count));
                }
                query.fetch_all(pool).await?
            });
        }
        let mut parts: Vec<Vec<((i64, String), PostSummary)>> =
            (0..2 * shown.len()).map(|_| Vec::new()).collect();
        for r in rows {
            if let Some(part) = usize::try_from(r.part).ok().and_then(|p| parts.get_mut(p)) {
                part.push(((r.sort_key, r.sort_path), PostSummary::from(r.row)));
            }
        }
        let mut parts = parts.into_iter();
        let mut by_board = Vec::with_capacity(boards.len());
        for board in boards {
            if board.home_count == 0 {
                by_board.push(Vec::new());
                continue;
            }
            let pinned = in_order(parts.next().unwrap_or_default(), board.list_order);
            let listed = in_order(parts.next().unwrap_or_default(), board.list_order);
            let posts = pinned
                .into_iter()
                .chain(listed)
                .take(board.home_count as usize)
                .collect();
            by_board.push(posts);
        }
        Ok(by_board)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_board_reads_its_pinned_and_listed_posts_by_its_own_parameters() {
        let board = Board {
            list_order: ListOrder::DateAsc,
            ..test_board()
        };
        let [pinned, listed] = board_members(&board, 1, true);
        assert!(
            pinned.contains("p.board_id = $4") && pinned.contains("LIMIT $5"),
            "{pinned}"
        );
        assert!(pinned.contains("p.pinned = true") && pinned.contains("CAST(2 AS BIGINT)"));
        assert!(listed.contains("p.pinned = false") && listed.contains("CAST(3 AS BIGINT)"));
        assert!(listed.contains("p.published_at <= $1") && !listed.contains("$2"));
        assert!(listed.contains("p.published_at AS sort_key"));
        assert!(!listed.contains("body_html") && !listed.contains("p.body_text"));
    }

    fn test_board() -> Board {
        let new = madang_core::NewBoard::new("b", "B", None);
        Board {
            id: 7,
            slug: new.slug,
            title: new.title,
            group_id: None,
            position: 1,
            title_len: new.title_len,
            excerpt_len: new.excerpt_len,
            page_size: new.page_size,
            list_order: new.list_order,
            list_style: new.list_style,
            home_count: new.home_count,
            levels: new.levels,
            uploads: new.uploads,
            categories: new.categories,
            post_count: 0,
        }
    }
}
