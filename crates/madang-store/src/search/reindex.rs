//! Re-indexing: search terms made again for rows an older tokenizer indexed.

use super::{SEARCH_VERSION, comment_terms, terms_of};
use crate::BeginWrite;
use crate::settings::bump_generation;
use crate::{Result, Store, on_db};

impl Store {
    /// Re-computes search terms for posts and comments made by an older tokenizer (or all
    /// of them, with `all`), in batches, calling `progress(done, total)` after each.
    /// Returns how many.
    pub async fn reindex(&self, all: bool, mut progress: impl FnMut(u64, u64)) -> Result<u64> {
        let (total,): (i64,) = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM posts WHERE search_version <> $1 OR $2)
                      + (SELECT COUNT(*) FROM comments WHERE search_version <> $1 OR $2)",
            )
            .bind(SEARCH_VERSION)
            .bind(all)
            .fetch_one(pool)
            .await?
        });
        let total = total.max(0) as u64;
        let mut done = 0u64;
        for table in ["posts", "comments"] {
            let (select, update) = if table == "posts" {
                (
                    "SELECT id, title, body_text FROM posts
                     WHERE id > $1 AND (search_version <> $2 OR $3) ORDER BY id LIMIT 500",
                    "UPDATE posts SET search_title = $1, search_body = $2, search_version = $3
                     WHERE id = $4",
                )
            } else {
                (
                    "SELECT id, '', body_html FROM comments
                     WHERE id > $1 AND (search_version <> $2 OR $3) ORDER BY id LIMIT 500",
                    "UPDATE comments SET search_body = $1, search_version = $2 WHERE id = $3",
                )
            };
            let mut after = 0i64;
            loop {
                let batch: Vec<(i64, String, String)> = on_db!(self, |pool| {
                    sqlx::query_as(select)
                        .bind(after)
                        .bind(SEARCH_VERSION)
                        .bind(all)
                        .fetch_all(pool)
                        .await?
                });
                let Some(last) = batch.last() else { break };
                after = last.0;
                on_db!(self, |pool| {
                    let mut tx = pool.begin_write().await?;
                    for (id, title, text) in &batch {
                        let query = if table == "posts" {
                            let (title_terms, body_terms) = terms_of(title, text);
                            sqlx::query(update).bind(title_terms).bind(body_terms)
                        } else {
                            sqlx::query(update).bind(comment_terms(text))
                        };
                        query
                            .bind(SEARCH_VERSION)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    // Pages other nodes keep (search results among them) are made again.
                    bump_generation!(tx);
                    tx.commit().await?;
                });
                done += batch.len() as u64;
                progress(done, total);
            }
        }
        Ok(done)
    }
}
