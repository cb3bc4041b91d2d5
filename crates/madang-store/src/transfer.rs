//! Copying and moving posts between boards, as GnuBoard5's copy/move does.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use madang_core::PostStatus;
use madang_core::copy_line::{self, CopyLineLanguage, Transfer};
use madang_core::markdown::BodyFormat;
use madang_core::staging;
use madang_core::text::plain_text;

use crate::BeginWrite;
use crate::audit::{Actor, audit};
use crate::posts::{POST_COLUMNS, PostRow};
use crate::settings::bump_generation;
use crate::{Result, Store, StoreError, on_db};

/// What a copy or move needs to know.
#[derive(Debug, Clone)]
pub struct TransferRequest<'a> {
    pub transfer: Transfer,
    pub post_id: i64,
    /// One or several boards; a move to several boards copies to each and removes the source.
    pub target_board_ids: &'a [i64],
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    /// The actor's (truncated) address, for the audit log.
    pub ip: &'a str,
    pub at: Timestamp,
    /// The site's copy-line language and time zone, for the visible line.
    pub line_language: CopyLineLanguage,
    pub zone: &'a TimeZone,
}

impl Store {
    /// Copies or moves a post to one or several boards, as GnuBoard5's copy/move does: each
    /// copy keeps title, author, dates, views, attachments (sharing the stored files, not
    /// duplicating them) and its body's format (a Markdown post stays Markdown, source and
    /// all), sorts as its board's newest thread, carries the visible copy line,
    /// and records its provenance and an audit line. A move also removes the source. All
    /// targets succeed or none does. Returns the new posts' ids in target order.
    ///
    /// Whether the actor may do this is the caller's check
    /// (`madang_core::permission::may_transfer`).
    pub async fn transfer_post(&self, req: &TransferRequest<'_>) -> Result<Vec<i64>> {
        if req.target_board_ids.is_empty() {
            return Err(StoreError::Invalid("choose at least one board".into()));
        }
        on_db!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let source_sql =
                format!("SELECT {POST_COLUMNS} FROM posts WHERE id = $1 AND deleted_at IS NULL");
            let source: PostRow = sqlx::query_as(&source_sql)
                .bind(req.post_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            // A move deletes the source: not while replies answer it.
            if req.transfer == Transfer::Move {
                madang_core::replies::may_delete(crate::replies::live_replies_in_tx!(
                    tx,
                    req.post_id
                ))?;
            }
            let (source_slug,): (String,) = sqlx::query_as("SELECT slug FROM boards WHERE id = $1")
                .bind(source.board_id)
                .fetch_one(&mut *tx)
                .await?;
            let line = copy_line::format_line(
                req.line_language,
                req.transfer,
                req.actor_name,
                req.at,
                req.zone,
                &source_slug,
            );
            let markdown = BodyFormat::parse(&source.body_format) == BodyFormat::Markdown;
            let (body_source,): (String,) =
                sqlx::query_as("SELECT body_source FROM posts WHERE id = $1")
                    .bind(req.post_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let body_html = match &line {
                Some(line) => copy_line::append_to_html(&source.body_html, req.transfer, line),
                None => source.body_html.clone(),
            };
            // A Markdown post stays Markdown, with the same line as a block of HTML.
            let body_source = match &line {
                Some(line) if markdown => {
                    copy_line::append_to_markdown(&body_source, req.transfer, line)
                }
                _ => body_source,
            };
            let files: Vec<(i64,)> = sqlx::query_as(
                "SELECT id FROM attachments WHERE post_id = $1 ORDER BY position, id",
            )
            .bind(req.post_id)
            .fetch_all(&mut *tx)
            .await?;
            let body_text = plain_text(&body_html);
            let (search_title, search_body) = crate::search::terms_of(&source.title, &body_text);
            let published = source.status == PostStatus::Published.as_str();
            let actor = Actor {
                id: req.actor_id,
                name: req.actor_name,
            };
            let action = format!("post.{}", req.transfer.as_str());
            let mut new_ids = Vec::with_capacity(req.target_board_ids.len());
            for &target_board_id in req.target_board_ids {
                if req.transfer == Transfer::Move && source.board_id == target_board_id {
                    return Err(StoreError::Invalid(
                        "a post cannot be moved to its own board".into(),
                    ));
                }
                let target: Option<(String,)> =
                    sqlx::query_as("SELECT slug FROM boards WHERE id = $1")
                        .bind(target_board_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some((target_slug,)) = target else {
                    return Err(StoreError::NotFound);
                };
                let (new_id,): (i64,) = sqlx::query_as(
                    "INSERT INTO posts (board_id, thread_key, title, body_html, body_text, author_id,
                        author_name, lang, status, pinned, secret, views, links, created_at,
                        published_at, updated_at, search_title, search_body, search_version, category,
                        body_format, body_source, reply_path)
                     VALUES ($1, (SELECT COALESCE(MIN(thread_key), 0) - 1 FROM posts WHERE board_id = $1),
                        $2, $3, $4, $5, $6, $7, $8, FALSE, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                        $18, $19, $20, '')
                     RETURNING id",
                )
                .bind(target_board_id)
                .bind(&source.title)
                .bind(&body_html)
                .bind(&body_text)
                .bind(source.author_id)
                .bind(&source.author_name)
                .bind(&source.lang)
                .bind(&source.status)
                .bind(source.secret)
                .bind(source.views)
                .bind(&source.links)
                .bind(source.created_at)
                .bind(source.published_at)
                .bind(req.at.as_second())
                .bind(&search_title)
                .bind(&search_body)
                .bind(crate::search::SEARCH_VERSION)
                .bind(&source.category)
                .bind(&source.body_format)
                .bind(&body_source)
                .fetch_one(&mut *tx)
                .await?;
                // The copy's own records of the shared files; the body's links to the
                // source's files (pictures dropped into the editor) follow them, so the
                // copy never depends on the source (a moved post's source is deleted).
                let mut pairs = Vec::with_capacity(files.len());
                for (file_id,) in &files {
                    let (copied,): (i64,) = sqlx::query_as(
                        "INSERT INTO attachments (post_id, position, name, storage_key, size, sha256,
                            mime, caption, downloads, created_at)
                         SELECT $1, position, name, storage_key, size, sha256, mime, caption,
                            downloads, $2
                         FROM attachments WHERE id = $3
                         RETURNING id",
                    )
                    .bind(new_id)
                    .bind(req.at.as_second())
                    .bind(file_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    pairs.push((
                        staging::attachment_url(&source_slug, req.post_id, *file_id),
                        staging::attachment_url(&target_slug, new_id, copied),
                    ));
                }
                let html = staging::replace_urls(&body_html, &pairs);
                let markdown_source = staging::replace_urls(&body_source, &pairs);
                if html != body_html || markdown_source != body_source {
                    sqlx::query("UPDATE posts SET body_html = $1, body_source = $2 WHERE id = $3")
                        .bind(&html)
                        .bind(&markdown_source)
                        .bind(new_id)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO post_provenance (post_id, transfer, source_board_id, source_board_slug,
                        source_post_id, actor_id, actor_name, at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(new_id)
                .bind(req.transfer.as_str())
                .bind(source.board_id)
                .bind(&source_slug)
                .bind(req.post_id)
                .bind(req.actor_id)
                .bind(req.actor_name)
                .bind(req.at.as_second())
                .execute(&mut *tx)
                .await?;
                if published {
                    sqlx::query("UPDATE boards SET post_count = post_count + 1 WHERE id = $1")
                        .bind(target_board_id)
                        .execute(&mut *tx)
                        .await?;
                }
                let target = format!("post:{new_id}");
                let detail = format!("from post:{} board:{source_slug}", req.post_id);
                audit!(
                    tx,
                    req.at.as_second(),
                    actor,
                    &action,
                    &target,
                    &detail,
                    req.ip
                );
                new_ids.push(new_id);
            }
            if req.transfer == Transfer::Move {
                // The (first) moved post takes the source's place among its translations;
                // the source leaves first, so the group never holds two posts of a language.
                if let (Some(group), Some(&moved)) = (source.translation_group, new_ids.first()) {
                    sqlx::query("UPDATE posts SET translation_group = NULL WHERE id = $1")
                        .bind(req.post_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE posts SET translation_group = $1 WHERE id = $2")
                        .bind(group)
                        .bind(moved)
                        .execute(&mut *tx)
                        .await?;
                    crate::translations::settle_group_in_tx!(tx, group);
                }
                sqlx::query("UPDATE posts SET deleted_at = $1 WHERE id = $2")
                    .bind(req.at.as_second())
                    .bind(req.post_id)
                    .execute(&mut *tx)
                    .await?;
                if published {
                    sqlx::query("UPDATE boards SET post_count = post_count - 1 WHERE id = $1")
                        .bind(source.board_id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            bump_generation!(tx);
            tx.commit().await?;
            Ok(new_ids)
        })
    }
}
