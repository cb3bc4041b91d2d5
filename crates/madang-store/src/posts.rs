//! Posts: writing, listing and reading (copying and moving is in `transfer`).

use jiff::Timestamp;
use madang_core::copy_line::Transfer;
use madang_core::text::plain_text;
use madang_core::{ListOrder, NewPost, Post, PostStatus, PostSummary, Provenance};

use madang_core::publishing::PostState;

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::publishing::PostOptions;
use crate::settings::bump_generation;
use crate::{Result, Store, StoreError, on_db, ts};

/// Longest title accepted, in characters (GnuBoard5's `wr_subject` is 255 bytes).
pub const MAX_TITLE_CHARS: usize = 255;
/// Largest body accepted, in bytes after sanitising.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// One page of a board's list.
#[derive(Debug, Clone)]
pub struct BoardPage {
    /// Pinned posts, shown above the list on the first page only.
    pub pinned: Vec<PostSummary>,
    pub posts: Vec<PostSummary>,
    /// 1-based page number shown.
    pub page: u32,
    /// Number of pages (at least 1).
    pub pages: u32,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SummaryRow {
    id: i64,
    board_id: i64,
    title: String,
    body_text: String,
    author_name: String,
    published_at: i64,
    pinned: bool,
    secret: bool,
    views: i64,
    attachment_count: i64,
    category: String,
    reply_path: String,
}

impl From<SummaryRow> for PostSummary {
    fn from(r: SummaryRow) -> PostSummary {
        PostSummary {
            id: r.id,
            board_id: r.board_id,
            title: r.title,
            body_text: r.body_text,
            author_name: r.author_name,
            published_at: ts(r.published_at),
            pinned: r.pinned,
            secret: r.secret,
            views: r.views,
            attachment_count: r.attachment_count,
            category: r.category,
            images: Default::default(),
            reply_depth: madang_core::replies::depth(&r.reply_path) as u32,
        }
    }
}

/// A post row with its deletion time, for staff pages.
#[derive(sqlx::FromRow)]
pub(crate) struct PostRowWithDeleted {
    #[sqlx(flatten)]
    pub post: PostRow,
    pub deleted_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct PostRow {
    pub(crate) id: i64,
    pub(crate) board_id: i64,
    pub(crate) title: String,
    pub(crate) body_html: String,
    pub(crate) body_text: String,
    pub(crate) body_format: String,
    pub(crate) author_id: Option<i64>,
    pub(crate) author_name: String,
    pub(crate) lang: Option<String>,
    pub(crate) status: String,
    pub(crate) pinned: bool,
    pub(crate) secret: bool,
    pub(crate) views: i64,
    pub(crate) links: String,
    pub(crate) created_at: i64,
    pub(crate) published_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) translation_group: Option<i64>,
    pub(crate) category: String,
    pub(crate) parent_id: Option<i64>,
    pub(crate) reply_path: String,
}

impl From<PostRow> for Post {
    fn from(r: PostRow) -> Post {
        Post {
            id: r.id,
            board_id: r.board_id,
            title: r.title,
            body_html: r.body_html,
            body_text: r.body_text,
            body_format: madang_core::markdown::BodyFormat::parse(&r.body_format),
            author_id: r.author_id,
            author_name: r.author_name,
            lang: r.lang,
            status: PostStatus::parse(&r.status).unwrap_or(PostStatus::Draft),
            pinned: r.pinned,
            secret: r.secret,
            views: r.views,
            created_at: ts(r.created_at),
            published_at: ts(r.published_at),
            updated_at: ts(r.updated_at),
            links: r
                .links
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            translation_group: r.translation_group,
            category: r.category,
            parent_id: r.parent_id,
            reply_path: r.reply_path,
        }
    }
}

/// A list row. The whole plain text is read: SQLite loads a long value whole (its overflow
/// pages) even for `substr`, so reading less of it saves nothing, and `length` over it costs
/// more than the copy (measured on the 100,000-post benchmark site).
pub(crate) const SUMMARY_COLUMNS: &str = "p.id, p.board_id, p.title, \
    p.body_text, \
    p.author_name, p.published_at, p.pinned, p.secret, p.views, \
    (SELECT COUNT(*) FROM attachments a WHERE a.post_id = p.id) AS attachment_count, \
    p.category, COALESCE(p.reply_path, '') AS reply_path";

pub(crate) const POST_COLUMNS: &str = "id, board_id, title, body_html, body_text, body_format, author_id, \
    author_name, lang, status, pinned, secret, views, links, created_at, published_at, updated_at, \
    translation_group, category, parent_id, COALESCE(reply_path, '') AS reply_path";

/// Rows a reader may see: published, not deleted, publication time reached.
pub(crate) const VISIBLE: &str =
    "p.status = 'published' AND p.deleted_at IS NULL AND p.published_at <= $2";

pub(crate) fn order_by(order: ListOrder) -> &'static str {
    match order {
        // A thread depth-first (replies.rs), as GnuBoard5's `wr_num, wr_reply`.
        ListOrder::Thread => "p.thread_key ASC, p.reply_path ASC, p.id ASC",
        ListOrder::DateAsc => "p.published_at ASC, p.id ASC",
        ListOrder::DateDesc => "p.published_at DESC, p.id DESC",
    }
}

fn check_new_post(new: &NewPost) -> Result<(String, String, String)> {
    check_content(&new.title, &new.body)
}

/// Checks and cleans a title and body: returns the trimmed title, the sanitised HTML and
/// its plain text.
pub(crate) fn check_content(
    title: &str,
    body: &madang_core::PostBody,
) -> Result<(String, String, String)> {
    let title = title.trim();
    if title.is_empty() {
        return Err(StoreError::Invalid("a post needs a title".into()));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(StoreError::Invalid(format!(
            "a title may be at most {MAX_TITLE_CHARS} characters"
        )));
    }
    if body.source().len() > MAX_BODY_BYTES {
        return Err(StoreError::Invalid("the post body is too large".into()));
    }
    let html = body.to_safe_html();
    if html.len() > MAX_BODY_BYTES {
        return Err(StoreError::Invalid("the post body is too large".into()));
    }
    let text = plain_text(&html);
    Ok((title.to_owned(), html, text))
}

impl Store {
    /// Creates a published post on a board and returns its id. The body is sanitised here,
    /// once, so every later read can show it as is.
    pub async fn create_post(&self, board_id: i64, new: &NewPost, now: Timestamp) -> Result<i64> {
        self.create_post_with_attachments(board_id, new, &[], now)
            .await
    }

    /// Creates a post and records its already stored files in the same transaction, so a
    /// crash never leaves a published post without the attachments it was sent with.
    pub async fn create_post_with_attachments(
        &self,
        board_id: i64,
        new: &NewPost,
        files: &[crate::NewAttachment<'_>],
        now: Timestamp,
    ) -> Result<i64> {
        self.write_post(board_id, new, &PostOptions::default(), files, now)
            .await
    }

    /// [`Store::create_post_with_attachments`] as a draft or published, with a category
    /// (the write form).
    pub async fn write_post(
        &self,
        board_id: i64,
        new: &NewPost,
        options: &PostOptions,
        files: &[crate::NewAttachment<'_>],
        now: Timestamp,
    ) -> Result<i64> {
        let ids = self
            .insert_posts(board_id, &[(new, files)], options, None, None, now)
            .await?;
        Ok(ids[0])
    }

    /// [`Store::create_post_with_attachments`] for a translation of `source_id`: the new
    /// post joins the source's translation group in the same transaction, or nothing is
    /// saved (a [`StoreError::Translation`] says why).
    pub async fn create_translation(
        &self,
        board_id: i64,
        new: &NewPost,
        files: &[crate::NewAttachment<'_>],
        source_id: i64,
        now: Timestamp,
    ) -> Result<i64> {
        let options = PostOptions::default();
        self.write_translation(board_id, new, &options, files, source_id, now)
            .await
    }

    /// [`Store::create_translation`] as a draft or published, with a category.
    pub async fn write_translation(
        &self,
        board_id: i64,
        new: &NewPost,
        options: &PostOptions,
        files: &[crate::NewAttachment<'_>],
        source_id: i64,
        now: Timestamp,
    ) -> Result<i64> {
        let ids = self
            .insert_posts(
                board_id,
                &[(new, files)],
                options,
                Some(source_id),
                None,
                now,
            )
            .await?;
        Ok(ids[0])
    }

    /// Creates several published posts on a board in one transaction (an import, a
    /// benchmark): all are saved or none. Each is sanitised, indexed and audited as
    /// [`Store::create_post`] does. Returns their ids in order.
    pub async fn create_posts(
        &self,
        board_id: i64,
        posts: &[NewPost],
        now: Timestamp,
    ) -> Result<Vec<i64>> {
        let items: Vec<(&NewPost, &[crate::NewAttachment<'_>])> =
            posts.iter().map(|p| (p, &[][..])).collect();
        self.insert_posts(board_id, &items, &PostOptions::default(), None, None, now)
            .await
    }

    /// Inserts posts in one transaction; with `translation_of`, each joins that post's
    /// translation group; with `reply_to`, each replies to that post (see
    /// [`Store::write_reply`]).
    pub(crate) async fn insert_posts(
        &self,
        board_id: i64,
        posts: &[(&NewPost, &[crate::NewAttachment<'_>])],
        options: &PostOptions,
        translation_of: Option<i64>,
        reply_to: Option<i64>,
        now: Timestamp,
    ) -> Result<Vec<i64>> {
        let lock = match self.db {
            crate::Db::Postgres(_) => " FOR UPDATE",
            crate::Db::Sqlite(_) => "",
        };
        let parent_sql = format!(
            "SELECT thread_key, COALESCE(reply_path, '') AS reply_path, secret FROM posts p
             WHERE p.id = $1 AND p.board_id = $3 AND {VISIBLE}{lock}"
        );
        let mut prepared = Vec::with_capacity(posts.len());
        for (new, files) in posts {
            let (title, html, text) = check_new_post(new)?;
            let (search_title, search_body) = crate::search::terms_of(&title, &text);
            let links = new.links.join("\n");
            prepared.push((
                *new,
                *files,
                title,
                html,
                text,
                search_title,
                search_body,
                links,
            ));
        }
        let ids: Vec<i64> = on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut ids = Vec::with_capacity(prepared.len());
            for (new, files, title, html, text, search_title, search_body, links) in &prepared {
                let actor = Actor {
                    id: new.author_id,
                    name: &new.author_name,
                };
                // A reply's place in its parent's thread, chosen with the parent locked.
                let (thread_key, reply_path, secret) = match reply_to {
                    None => (None, String::new(), new.secret),
                    Some(parent) => {
                        let row: Option<(i64, String, bool)> = sqlx::query_as(&parent_sql)
                            .bind(parent)
                            .bind(now.as_second())
                            .bind(board_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                        let (thread_key, parent_path, parent_secret) =
                            row.ok_or(StoreError::NotFound)?;
                        let taken: Vec<(Option<String>,)> = sqlx::query_as(
                            "SELECT reply_path FROM posts WHERE board_id = $1 AND thread_key = $2",
                        )
                        .bind(board_id)
                        .bind(thread_key)
                        .fetch_all(&mut *tx)
                        .await?;
                        let path = madang_core::replies::next_reply_path(
                            &parent_path,
                            taken.iter().filter_map(|(p,)| p.as_deref()),
                        )?;
                        let secret =
                            madang_core::replies::reply_is_secret(parent_secret, new.secret);
                        (Some(thread_key), path, secret)
                    }
                };
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO posts (board_id, thread_key, title, body_html, body_text, author_id,
                        author_name, lang, status, pinned, secret, links, created_at, published_at,
                        updated_at, search_title, search_body, search_version, category,
                        body_format, body_source, parent_id, reply_path)
                     VALUES ($1, COALESCE($20, (SELECT COALESCE(MIN(thread_key), 0) - 1 FROM posts WHERE board_id = $1)),
                        $2, $3, $4, $5, $6, $7, $16, $8, $9, $10, $11, $12, $11, $13, $14, $15, $17,
                        $18, $19, $21, $22)
                     RETURNING id",
                )
                .bind(board_id)
                .bind(title)
                .bind(html)
                .bind(text)
                .bind(new.author_id)
                .bind(&new.author_name)
                .bind(&new.lang)
                .bind(new.pinned)
                .bind(secret)
                .bind(links)
                .bind(now.as_second())
                .bind(new.published_at.as_second())
                .bind(search_title)
                .bind(search_body)
                .bind(crate::search::SEARCH_VERSION)
                .bind(options.status.as_str())
                .bind(&options.category)
                .bind(new.body.format().as_str())
                .bind(new.body.source())
                .bind(thread_key)
                .bind(reply_to)
                .bind(&reply_path)
                .fetch_one(&mut *tx)
                .await
                .map_err(foreign_key_as_not_found)?;
                for (position, file) in files.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO attachments (post_id, position, name, storage_key, size, sha256, mime,
                            caption, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(id)
                    .bind(position as i64 + 1)
                    .bind(file.name)
                    .bind(file.storage_key)
                    .bind(file.size)
                    .bind(file.sha256)
                    .bind(file.mime)
                    .bind(file.caption)
                    .bind(now.as_second())
                    .execute(&mut *tx)
                    .await?;
                }
                // Files dropped into the editor become attachments after the form's own,
                // and the body points at them.
                let claimed = crate::staged::claim_staged_in_tx!(
                    tx,
                    id,
                    board_id,
                    new.author_id,
                    &options.staged,
                    actor,
                    now
                );
                crate::staged::point_body_at_claims_in_tx!(tx, id, &claimed);
                let target = format!("post:{id}");
                // A draft or scheduled post says so: the log shows what readers saw.
                let detail = match PostState::of(options.status, new.published_at, now) {
                    PostState::Published => title.clone(),
                    state => format!(
                        "{title} ({})",
                        crate::publishing::describe(state, new.published_at)
                    ),
                };
                match reply_to {
                    None => {
                        audit!(tx, now.as_second(), actor, "post.create", &target, &detail);
                    }
                    Some(parent) => {
                        let detail = format!("post:{parent}: {detail}");
                        audit!(tx, now.as_second(), actor, "post.reply", &target, &detail);
                    }
                }
                if let Some(source) = translation_of {
                    crate::translations::link_in_tx!(tx, source, id);
                    let detail = format!("post:{source}");
                    audit!(
                        tx,
                        now.as_second(),
                        actor,
                        "post.translation.link",
                        &target,
                        &detail
                    );
                }
                ids.push(id);
            }
            // Published posts count (scheduled ones too, as when they were the only kind).
            let counted = if options.status == PostStatus::Published {
                ids.len()
            } else {
                0
            };
            sqlx::query("UPDATE boards SET post_count = post_count + $1 WHERE id = $2")
                .bind(counted as i64)
                .bind(board_id)
                .execute(&mut *tx)
                .await?;
            bump_generation!(tx);
            tx.commit().await?;
            ids
        });
        Ok(ids)
    }

    /// A published post of a board, or `None`.
    pub async fn post(&self, board_id: i64, post_id: i64, now: Timestamp) -> Result<Option<Post>> {
        let sql = format!(
            "SELECT {POST_COLUMNS} FROM posts p WHERE p.id = $1 AND {VISIBLE} AND p.board_id = $3"
        );
        let row: Option<PostRow> = on_db!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(post_id)
                .bind(now.as_second())
                .bind(board_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(Post::from))
    }

    /// Counts one view of a post.
    /// Adds gathered view counts, `(post id, views)`, in one transaction.
    pub async fn add_views(&self, views: &[(i64, i64)]) -> Result<()> {
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            for (post_id, count) in views {
                sqlx::query("UPDATE posts SET views = views + $2 WHERE id = $1")
                    .bind(post_id)
                    .bind(count)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Counts one view of a post at once.
    pub async fn count_view(&self, post_id: i64) -> Result<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE posts SET views = views + 1 WHERE id = $1")
                .bind(post_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Where a post came from, oldest step first.
    pub async fn provenance(&self, post_id: i64) -> Result<Vec<Provenance>> {
        type Row = (
            String,
            Option<i64>,
            String,
            Option<i64>,
            Option<i64>,
            String,
            i64,
        );
        let rows: Vec<Row> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT transfer, source_board_id, source_board_slug, source_post_id, actor_id,
                    actor_name, at FROM post_provenance WHERE post_id = $1 ORDER BY id",
            )
            .bind(post_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(transfer, sb, slug, sp, actor_id, actor_name, at)| {
                Some(Provenance {
                    transfer: Transfer::parse(&transfer)?,
                    source_board_id: sb,
                    source_board_slug: slug,
                    source_post_id: sp,
                    actor_id,
                    actor_name,
                    at: ts(at),
                })
            })
            .collect())
    }
}

/// An insert that names a board that does not exist fails its foreign key: report not found.
fn foreign_key_as_not_found(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
        _ => StoreError::Database(e),
    }
}
