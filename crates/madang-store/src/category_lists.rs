//! A board's list filtered by one category (`/b/news?category=Statements`).

use jiff::Timestamp;
use madang_core::{Board, ListOrder};

use crate::lists::{ListRow, list_columns};
use crate::posts::{BoardPage, VISIBLE, order_by};
use crate::{Db, Result, Store, on_db};

impl Store {
    /// One page of a board's list filtered by one category (`?category=`): the posts with
    /// it, pinned ones among them in list order (GnuBoard5 shows no separate notices in a
    /// filtered list). Read with an offset and counted per request, both from the
    /// category's partial index (migration 0019); a category is a small part of a board,
    /// and the unfiltered list keeps its anchors. Pages past the end are empty.
    pub async fn category_page(
        &self,
        board: &Board,
        category: &str,
        page: u32,
        now: Timestamp,
    ) -> Result<BoardPage> {
        let page = page.max(1);
        let size = i64::from(board.page_size.max(1));
        let offset = (i64::from(page) - 1).saturating_mul(size);
        let columns = list_columns(
            board.list_style,
            matches!(self.db, Db::Postgres(_)),
            board.excerpt_len,
        );
        let (ids_sql, count_sql) = category_statements(board.list_order);
        let order = order_by(board.list_order);
        let list_sql =
            format!("SELECT {columns} FROM posts p WHERE p.id IN ({ids_sql}) ORDER BY {order}");
        let (posts, (total,)): (Vec<ListRow>, (i64,)) = on_db!(self, |pool| {
            let posts = sqlx::query_as(&list_sql)
                .bind(board.id)
                .bind(now.as_second())
                .bind(category)
                .bind(size)
                .bind(offset)
                .fetch_all(pool)
                .await?;
            let total = sqlx::query_as(&count_sql)
                .bind(board.id)
                .bind(now.as_second())
                .bind(category)
                .fetch_one(pool)
                .await?;
            (posts, total)
        });
        Ok(BoardPage {
            pinned: Vec::new(),
            posts: posts.into_iter().map(Into::into).collect(),
            page,
            pages: ((total + size - 1) / size).max(1) as u32,
        })
    }

    /// How the database finds a category page's ids and counts them (EXPLAIN's lines), for
    /// the tests that keep both on the category indexes. On PostgreSQL sequential scans are
    /// turned off for the question, since a test's tiny table would rather be scanned.
    #[doc(hidden)]
    pub async fn category_page_plan(&self, order: ListOrder) -> Result<Vec<String>> {
        let (ids_sql, count_sql) = category_statements(order);
        let mut lines = Vec::new();
        for (sql, paged) in [(ids_sql, true), (count_sql, false)] {
            match &self.db {
                Db::Sqlite(pool) => {
                    let explain = format!("EXPLAIN QUERY PLAN {sql}");
                    let mut query = sqlx::query_as(&explain).bind(1_i64).bind(0_i64).bind("c");
                    if paged {
                        query = query.bind(10_i64).bind(0_i64);
                    }
                    let rows: Vec<(i64, i64, i64, String)> = query.fetch_all(pool).await?;
                    lines.extend(rows.into_iter().map(|r| r.3));
                }
                Db::Postgres(pool) => {
                    let mut tx = pool.begin().await?;
                    sqlx::query("SET LOCAL enable_seqscan = off")
                        .execute(&mut *tx)
                        .await?;
                    let explain = format!("EXPLAIN {sql}");
                    let mut query = sqlx::query_as(&explain).bind(1_i64).bind(0_i64).bind("c");
                    if paged {
                        query = query.bind(10_i64).bind(0_i64);
                    }
                    let rows: Vec<(String,)> = query.fetch_all(&mut *tx).await?;
                    lines.extend(rows.into_iter().map(|r| r.0));
                }
            }
        }
        Ok(lines)
    }
}

/// A category page's statements: the page's ids ($1 board, $2 now, $3 category, $4 size,
/// $5 offset), read from the category's index, and the count (the first three).
/// `p.category <> ''` names the partial indexes' condition, so both engines can use them
/// for a bound category.
fn category_statements(order: ListOrder) -> (String, String) {
    let sort = order_by(order);
    let filter = format!("p.board_id = $1 AND p.category = $3 AND p.category <> '' AND {VISIBLE}");
    (
        format!("SELECT p.id FROM posts p WHERE {filter} ORDER BY {sort} LIMIT $4 OFFSET $5"),
        format!("SELECT COUNT(*) FROM posts p WHERE {filter}"),
    )
}
