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
use madang_core::list_image::first_image_src;
use madang_core::text::LEAD_EXCERPT_MAX;
use madang_core::{Board, ListImages, ListOrder, ListStyle, PostSummary};

use crate::posts::{BoardPage, SUMMARY_COLUMNS, SummaryRow, VISIBLE, order_by};
use crate::{Db, Result, Store, on_db, ts};
use rusqlite::ToSql;

/// List entries between two anchors. Pages that start before the first anchor past the
/// beginning are read with a plain offset.
pub const ANCHOR_SPAN: i64 = 100;

/// The anchors of one board's list at one generation: the place (sort key, reply path,
/// id) of entries 0, `ANCHOR_SPAN`, 2 × `ANCHOR_SPAN`, ….
struct Anchors {
    generation: i64,
    order: ListOrder,
    keys: Vec<Anchor>,
}

/// One list entry's place in its order: its sort key, its reply path (thread order only;
/// empty in date orders) and its id.
type Anchor = (i64, String, i64);

/// A board's pinned rows at one generation, as read with one set of columns.
struct Pinned {
    generation: i64,
    columns: String,
    rows: Vec<PostSummary>,
}

/// What lists remember per board and site generation, shared by every request of this
/// process: anchors, and the pinned rows every page of a list reads (for page 1's top and
/// every page's count) — one statement less per uncached list page. A write bumps the
/// generation, and with it both are read again.
#[derive(Default)]
pub(crate) struct ListCache {
    anchors: Mutex<HashMap<i64, Anchors>>,
    pinned: Mutex<HashMap<i64, Pinned>>,
    /// Held while a list's anchors are scanned, so that the burst of readers a new
    /// generation meets waits for one scan rather than each making its own: 32 concurrent
    /// scans of a 100,000-post list raised a node's peak RSS by 18 MiB (BENCHMARKS.md).
    scanning: tokio::sync::Mutex<()>,
}

/// Characters of a body read from its first `<img`: enough for the tag with a long `alt`
/// before its `src`, far less than a body.
const IMG_WINDOW: i64 = 4096;

/// A list row: the summary, and for gallery boards where its picture can come from.
#[derive(sqlx::FromRow)]
pub(crate) struct ListRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    /// The body from its first `<img` on (gallery boards; empty when there is none).
    #[sqlx(default)]
    first_img: Option<String>,
    /// The first image attachment (gallery boards).
    #[sqlx(default)]
    image_attachment: Option<i64>,
}

impl From<ListRow> for PostSummary {
    fn from(r: ListRow) -> PostSummary {
        let mut summary = PostSummary::from(r.summary);
        summary.images = ListImages {
            body_src: r.first_img.as_deref().and_then(first_image_src),
            attachment_id: r.image_attachment,
        };
        summary
    }
}

/// What a list reads per row, by what the board's style shows.
///
/// - Webzine: the summary with the whole plain text, for the excerpt.
/// - List: the summary without any body; a compact list shows none, and a body left
///   unread is overflow pages SQLite never loads.
/// - Gallery: no plain text, but where the card's picture comes from, computed here rather
///   than kept in a column filled on save: such a column would have to be right after
///   every write path (edit, copy, import, attachments added or removed, backups made
///   before it) and backfilled, while this costs only gallery pages, one row's body each
///   (the page's own rows, never the list scan), cut in SQL to the window after the first
///   `<img` so little is copied out. Secret posts get no picture: their body is not the
///   reader's to see. The first image attachment is a subquery on `attachments_by_post`,
///   like the attachment count, so a gallery page runs no more statements than a list.
///
/// A webzine board whose excerpts fit in a lead (`excerpt_chars` up to
/// `LEAD_EXCERPT_MAX`) reads each post's lead (migration 0016) rather than its whole text;
/// the whole text stays the fallback should a lead be missing.
pub(crate) fn list_columns(style: ListStyle, postgres: bool, excerpt_chars: u32) -> String {
    let without_text = || SUMMARY_COLUMNS.replacen("p.body_text", "'' AS body_text", 1);
    match style {
        ListStyle::Webzine if excerpt_chars as usize <= LEAD_EXCERPT_MAX => SUMMARY_COLUMNS.replacen(
            "p.body_text",
            "COALESCE((SELECT l.lead FROM post_leads l WHERE l.post_id = p.id), p.body_text) AS body_text",
            1,
        ),
        ListStyle::Webzine => SUMMARY_COLUMNS.to_owned(),
        ListStyle::List => without_text(),
        ListStyle::Gallery => {
            let find = if postgres { "strpos" } else { "instr" };
            format!(
                "{}, CASE WHEN p.secret THEN '' ELSE COALESCE(substr(p.body_html,
                     NULLIF({find}(p.body_html, '<img'), 0), {IMG_WINDOW}), '') END AS first_img,
                 CASE WHEN p.secret THEN NULL ELSE (SELECT a.id FROM attachments a
                     WHERE a.post_id = p.id AND a.mime LIKE 'image/%'
                     AND a.mime <> 'image/svg+xml' ORDER BY a.position, a.id LIMIT 1)
                 END AS image_attachment",
                without_text()
            )
        }
    }
}

/// The sort column of a list order (the id breaks ties in every order; in thread order the
/// reply path comes before it, see [`sort_path`]).
pub(crate) fn sort_key(order: ListOrder) -> &'static str {
    match order {
        ListOrder::Thread => "p.thread_key",
        ListOrder::DateAsc | ListOrder::DateDesc => "p.published_at",
    }
}

/// The second sort column of a list order as an expression: the reply path in thread
/// order (a thread depth-first), nothing (the same empty text for every row) in date orders.
pub(crate) fn sort_path(order: ListOrder) -> &'static str {
    match order {
        ListOrder::Thread => "p.reply_path",
        ListOrder::DateAsc | ListOrder::DateDesc => "''",
    }
}

/// The keyset condition "at or after the anchor" in a list order ($5 the sort key, $6 the
/// id, and in thread order $7 the reply path).
fn from_anchor(order: ListOrder) -> String {
    let key = sort_key(order);
    match order {
        ListOrder::Thread => format!("({key}, p.reply_path, p.id) >= ($5, $7, $6)"),
        ListOrder::DateAsc => format!("({key}, p.id) >= ($5, $6)"),
        ListOrder::DateDesc => format!("({key}, p.id) <= ($5, $6)"),
    }
}

/// A list statement's rows read through a synchronous reader (readers.rs), with the
/// columns [`list_columns`] names.
fn summaries(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[(&str, &dyn ToSql)],
    gallery: bool,
) -> rusqlite::Result<Vec<PostSummary>> {
    // Counted like sqlx's own statement events (the query-count test listens for both).
    tracing::trace!(target: "madang_store::readers", summary = sql.trim_start(), "statement");
    let mut statement = conn.prepare_cached(sql)?;
    // Columns found by name once per statement, not once per row and value.
    let column = |name: &str| statement.column_index(name);
    let id = column("id")?;
    let board_id = column("board_id")?;
    let title = column("title")?;
    let body_text = column("body_text")?;
    let author_name = column("author_name")?;
    let published_at = column("published_at")?;
    let pinned = column("pinned")?;
    let secret = column("secret")?;
    let views = column("views")?;
    let attachment_count = column("attachment_count")?;
    let category = column("category")?;
    let reply_path = column("reply_path")?;
    let images = match gallery {
        true => Some((column("first_img")?, column("image_attachment")?)),
        false => None,
    };
    let rows = statement.query_map(params, |row| {
        let images = match images {
            None => ListImages::default(),
            Some((first_img, image_attachment)) => ListImages {
                body_src: row
                    .get::<_, Option<String>>(first_img)?
                    .as_deref()
                    .and_then(first_image_src),
                attachment_id: row.get(image_attachment)?,
            },
        };
        Ok(PostSummary {
            id: row.get(id)?,
            board_id: row.get(board_id)?,
            title: text(row, title)?,
            body_text: text(row, body_text)?,
            author_name: text(row, author_name)?,
            published_at: ts(row.get(published_at)?),
            pinned: row.get(pinned)?,
            secret: row.get(secret)?,
            views: row.get(views)?,
            attachment_count: row.get(attachment_count)?,
            category: text(row, category)?,
            images,
            // Read in place: most rows are no reply, and a String per row costs an allocation.
            reply_depth: madang_core::replies::depth(row.get_ref(reply_path)?.as_str()?) as u32,
        })
    })?;
    rows.collect()
}

/// A text column as a `String`, its UTF-8 checked with SIMD: a list page reads twenty
/// titles and leads of mostly Korean text, and std's check, byte by byte outside ASCII,
/// was 6% of an uncached list page (BENCHMARKS.md, session 15). Anything but text goes
/// through rusqlite's own conversion, which gives its usual error.
fn text(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<String> {
    match row.get_ref(column)? {
        rusqlite::types::ValueRef::Text(bytes) => simdutf8::basic::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    column,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            }),
        _ => row.get(column),
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
        let size = i64::from(board.page_size.max(1));
        self.read_page(board, page, size, board.list_style, now, generation)
            .await
    }

    /// One page of `size` entries, with the columns `style` shows.
    async fn read_page(
        &self,
        board: &Board,
        page: u32,
        size: i64,
        style: ListStyle,
        now: Timestamp,
        generation: Option<i64>,
    ) -> Result<BoardPage> {
        let page = page.max(1);
        let order = order_by(board.list_order);
        let columns = list_columns(style, matches!(self.db, Db::Postgres(_)), board.excerpt_len);
        let pinned_sql = format!(
            "SELECT {columns} FROM posts p WHERE p.board_id = $1 AND {VISIBLE}
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
        let thread = board.list_order == ListOrder::Thread;
        let (from, skip) = match anchor {
            Some((key, path, id, at)) => (Some((key, path, id)), offset - at),
            None => (None, offset),
        };
        let keyset = match from {
            Some(_) => format!("AND {}", from_anchor(board.list_order)),
            None => String::new(),
        };
        let list_sql = format!(
            "SELECT {columns} FROM posts p WHERE p.id IN (
                 SELECT p.id FROM posts p WHERE p.board_id = $1 AND {VISIBLE}
                 AND p.pinned = FALSE {keyset} ORDER BY {order} LIMIT $3 OFFSET $4)
             ORDER BY {order}"
        );
        let remembered = generation.and_then(|generation| {
            let boards = self.list_cache.pinned.lock().ok()?;
            boards
                .get(&board.id)
                .filter(|p| p.generation == generation && p.columns == columns)
                .map(|p| p.rows.clone())
        });
        // Through the synchronous readers where there are (an SQLite file; readers.rs),
        // else, or should that read fail, through the pool.
        let gallery = style == ListStyle::Gallery;
        let read_pinned = remembered.is_none();
        let fast = self.readers.as_ref().and_then(|readers| {
            readers
                .read(|conn| {
                    let base: [(&str, &dyn ToSql); 2] =
                        [("$1", &board.id), ("$2", &now.as_second())];
                    let pinned = match read_pinned {
                        true => Some(summaries(conn, &pinned_sql, &base, gallery)?),
                        false => None,
                    };
                    let mut params: Vec<(&str, &dyn ToSql)> = base.to_vec();
                    params.extend([("$3", &size as &dyn ToSql), ("$4", &skip)]);
                    if let Some((key, path, id)) = &from {
                        params.extend([("$5", key as &dyn ToSql), ("$6", id)]);
                        if thread {
                            params.push(("$7", path));
                        }
                    }
                    Ok((pinned, summaries(conn, &list_sql, &params, gallery)?))
                })
                .inspect_err(|e| tracing::warn!(error = %e, "list read through the pool instead"))
                .ok()
        });
        let (pinned, posts) = match fast {
            Some(rows) => rows,
            None => {
                let (pinned, posts): (Option<Vec<ListRow>>, Vec<ListRow>) = on_db!(self, |pool| {
                    let pinned = match read_pinned {
                        false => None,
                        true => Some(
                            sqlx::query_as(&pinned_sql)
                                .bind(board.id)
                                .bind(now.as_second())
                                .fetch_all(pool)
                                .await?,
                        ),
                    };
                    let mut list = sqlx::query_as(&list_sql)
                        .bind(board.id)
                        .bind(now.as_second())
                        .bind(size)
                        .bind(skip);
                    if let Some((key, path, id)) = &from {
                        list = list.bind(key).bind(id);
                        if thread {
                            list = list.bind(path);
                        }
                    }
                    let posts = list.fetch_all(pool).await?;
                    (pinned, posts)
                });
                let summaries = |rows: Vec<ListRow>| rows.into_iter().map(Into::into).collect();
                (pinned.map(summaries), summaries(posts))
            }
        };
        let pinned: Vec<PostSummary> = match (remembered, pinned) {
            (Some(rows), _) => rows,
            (None, rows) => {
                let rows: Vec<PostSummary> = rows.unwrap_or_default();
                if let (Some(generation), Ok(mut boards)) =
                    (generation, self.list_cache.pinned.lock())
                {
                    boards.insert(
                        board.id,
                        Pinned {
                            generation,
                            columns: columns.clone(),
                            rows: rows.clone(),
                        },
                    );
                }
                rows
            }
        };
        let unpinned_total = (board.post_count - pinned.len() as i64).max(0);
        let pages = ((unpinned_total + size - 1) / size).max(1) as u32;
        Ok(BoardPage {
            pinned: if page == 1 { pinned } else { Vec::new() },
            posts,
            page,
            pages,
        })
    }

    /// The nearest anchor at or before list entry `offset`: (sort key, reply path, id, its
    /// position). `None` when the list is shorter than `offset`.
    async fn anchor_before(
        &self,
        board: &Board,
        offset: i64,
        now: Timestamp,
        generation: Option<i64>,
    ) -> Result<Option<(i64, String, i64, i64)>> {
        let generation = match generation {
            Some(generation) => generation,
            None => self.generation().await?,
        };
        let index = usize::try_from(offset / ANCHOR_SPAN).unwrap_or(usize::MAX);
        let known = || {
            self.list_cache.anchors.lock().ok().and_then(|boards| {
                boards
                    .get(&board.id)
                    .filter(|a| a.generation == generation && a.order == board.list_order)
                    .map(|a| a.keys.get(index).cloned())
            })
        };
        let mut found = known();
        let _scanning = match found {
            Some(_) => None,
            None => {
                let scanning = self.list_cache.scanning.lock().await;
                // Another request may have scanned while this one waited.
                found = known();
                Some(scanning)
            }
        };
        let key = match found {
            Some(key) => key,
            None => {
                let keys = self.scan_anchors(board, now).await?;
                let key = keys.get(index).cloned();
                if let Ok(mut boards) = self.list_cache.anchors.lock() {
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
        Ok(key.map(|(k, path, id)| (k, path, id, index as i64 * ANCHOR_SPAN)))
    }

    /// One walk of the board's list index, keeping every `ANCHOR_SPAN`-th entry.
    async fn scan_anchors(&self, board: &Board, now: Timestamp) -> Result<Vec<Anchor>> {
        let order = order_by(board.list_order);
        let key = sort_key(board.list_order);
        let path = sort_path(board.list_order);
        let sql = format!(
            "SELECT k, path, id FROM (
                 SELECT {key} AS k, CAST({path} AS TEXT) AS path, p.id AS id,
                     ROW_NUMBER() OVER (ORDER BY {order}) AS rn
                 FROM posts p WHERE p.board_id = $1 AND {VISIBLE} AND p.pinned = FALSE
             ) ranked WHERE (rn - 1) % $3 = 0 ORDER BY rn"
        );
        let keys: Vec<Anchor> = on_db!(self, |pool| {
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

#[cfg(test)]
mod tests {
    use super::*;
    use madang_core::{ListOrder, NewBoard, NewPost, PostBody};

    #[test]
    fn text_columns_are_checked_like_rusqlite_checks_them() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let values = "SELECT '북한 인권 & rights', CAST(x'ff41' AS TEXT), NULL, 5, x'41'";
        conn.query_row(values, [], |row| {
            assert_eq!(text(row, 0).unwrap(), "북한 인권 & rights");
            for column in 1..5 {
                let ours = text(row, column).map_err(|e| std::mem::discriminant(&e));
                let theirs = row
                    .get::<_, String>(column)
                    .map_err(|e| std::mem::discriminant(&e));
                assert_eq!(ours, theirs, "column {column}");
                assert!(ours.is_err(), "column {column}");
            }
            Ok(())
        })
        .unwrap();
    }

    fn post(n: usize, pinned: bool) -> NewPost {
        NewPost {
            title: format!("Post {n} – 북한 인권"),
            body: PostBody::Html(format!(
                "<p>Statement {n}: 이산가족 &amp; <b>rights</b>.</p><p><img src=\"/files/{n}.png\" alt=\"\"></p>"
            )),
            author_id: None,
            author_name: format!("staff {}", n % 3),
            lang: None,
            pinned,
            secret: n.is_multiple_of(7),
            published_at: Timestamp::from_second(1_700_000_000 + (n as i64) * 60).unwrap(),
            links: Vec::new(),
        }
    }

    /// The synchronous readers (readers.rs) give every page exactly what the pool gives:
    /// the first page with its pinned posts, a page read from an anchor, the last page, one
    /// past the end; in thread and date order; webzine, list and gallery columns.
    #[tokio::test]
    async fn readers_and_pool_read_the_same_pages() {
        let dir = std::env::temp_dir().join(format!("madang-lists-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let _ = std::fs::remove_file(dir.join("site.db"));
        let url = format!("sqlite:{}", dir.join("site.db").display());
        let mut store = Store::connect(&url).await.unwrap();
        assert!(store.readers.is_some(), "a file database gets readers");
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let mut boards = Vec::new();
        for (slug, order, style) in [
            ("news", ListOrder::Thread, ListStyle::Webzine),
            ("table", ListOrder::DateAsc, ListStyle::List),
            ("photos", ListOrder::DateDesc, ListStyle::Gallery),
        ] {
            let mut new = NewBoard::new(slug, slug, None);
            new.page_size = 4;
            new.list_order = order;
            new.list_style = style;
            let board = store.create_board(&new, now).await.unwrap();
            let posts: Vec<NewPost> = (0..130).map(|n| post(n, n == 5 || n == 77)).collect();
            store.create_posts(board.id, &posts, now).await.unwrap();
            boards.push(board.slug);
        }
        let boards: Vec<Board> = store
            .boards()
            .await
            .unwrap()
            .into_iter()
            .filter(|b| boards.contains(&b.slug))
            .collect();
        assert_eq!(boards.len(), 3);
        for board in &boards {
            for page in [1, 2, 26, 32, 40] {
                store.readers = Some(crate::readers::Readers::new(dir.join("site.db"), 1));
                let fast = store.board_page(board, page, now).await.unwrap();
                let readers = store.readers.take().unwrap();
                assert_eq!(
                    readers.idle_count(),
                    1,
                    "{} page {page} was read through the readers",
                    board.slug
                );
                let pool = store.board_page(board, page, now).await.unwrap();
                assert_eq!(fast.posts, pool.posts, "{} page {page}", board.slug);
                assert_eq!(fast.pinned, pool.pinned, "{} page {page}", board.slug);
                assert_eq!((fast.page, fast.pages), (pool.page, pool.pages));
                if page == 1 {
                    assert_eq!(fast.pinned.len(), 2, "{}", board.slug);
                }
                if page <= 32 {
                    assert!(!fast.posts.is_empty(), "{} page {page}", board.slug);
                }
                if board.list_style == ListStyle::Gallery && page == 1 {
                    assert!(fast.posts.iter().any(|p| p.images.body_src.is_some()));
                }
            }
        }
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_webzine_lists_read_the_plain_text() {
        assert!(list_columns(ListStyle::Webzine, false, 500).contains("p.body_text"));
        for postgres in [false, true] {
            for style in [ListStyle::List, ListStyle::Gallery] {
                let columns = list_columns(style, postgres, 200);
                assert!(!columns.contains("p.body_text"), "{columns}");
                assert!(columns.contains("'' AS body_text"), "{columns}");
            }
        }
    }

    #[test]
    fn only_gallery_lists_read_the_html() {
        assert!(!list_columns(ListStyle::List, false, 200).contains("body_html"));
        assert!(!list_columns(ListStyle::Webzine, true, 200).contains("body_html"));
        assert!(list_columns(ListStyle::Gallery, false, 200).contains("instr(p.body_html"));
        assert!(list_columns(ListStyle::Gallery, true, 200).contains("strpos(p.body_html"));
    }
}
