//! Old files from the site's `data/` folder: attachments (`data/file/…`) and editor
//! images (`data/editor/…`), read, checked by SHA-256 and stored once per content.

use bytes::Bytes;
use madang_core::download::sniff_mime;
use madang_store::{ImportAttachment, Imported, LegacyFile, post_path};
use sha2::{Digest, Sha256};

use crate::report::Kind;

use super::tables::{Row, Site};
use super::{Ctx, ImportError, Progress, kst, redirect};

/// An old file's place under `data/`, if the text is a safe relative path.
pub(super) fn safe_data_path(path: &str) -> Option<String> {
    let ok = !path.is_empty()
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '%' | '+'))
        });
    ok.then(|| path.to_owned())
}

/// Stores bytes once per content: reuses an object this run or an earlier one stored.
async fn store_bytes(ctx: &mut Ctx<'_>, bytes: Vec<u8>) -> Result<(String, String), ImportError> {
    let sha = hex::encode(Sha256::digest(&bytes));
    let size = bytes.len() as i64;
    if let Some(key) = ctx.stored.get(&sha) {
        return Ok((key.clone(), sha));
    }
    if let Some(key) = ctx.session.stored_object(&sha, size).await? {
        ctx.stored.insert(sha.clone(), key.clone());
        return Ok((key, sha));
    }
    let key = if ctx.options.dry_run {
        format!("dry-run/{sha}")
    } else {
        let stored = ctx.files.put(Bytes::from(bytes)).await?;
        ctx.stored_now.push(stored.key.clone());
        // Read the object back: what storage holds must be the bytes that were read.
        let back = ctx.files.read(&stored.key).await?;
        let back_sha = hex::encode(Sha256::digest(&back));
        if stored.sha256 != sha || back_sha != sha {
            return Err(ImportError::Integrity(format!(
                "stored object {} does not have the SHA-256 of its source ({sha})",
                stored.key
            )));
        }
        stored.key
    };
    ctx.stored.insert(sha.clone(), key.clone());
    Ok((key, sha))
}

/// Stores an old editor image (once) and returns the address it is now served at, or
/// `None` when the file is not in the data folder.
pub(super) async fn legacy_editor_file(
    ctx: &mut Ctx<'_>,
    path: &str,
    referrer: &str,
) -> Result<Option<String>, ImportError> {
    if let Some(done) = ctx.legacy_done.get(path) {
        return Ok(done.clone());
    }
    let served = format!("/files/legacy/{path}");
    if ctx.session.legacy_file(path).await?.is_some() {
        ctx.report.existing(Kind::EditorImage);
        ctx.legacy_done
            .insert(path.to_owned(), Some(served.clone()));
        return Ok(Some(served));
    }
    let full = ctx.options.files_dir.join(path);
    let result = match tokio::fs::read(&full).await {
        Ok(bytes) => {
            let mime = sniff_mime(&bytes, path).to_owned();
            let size = bytes.len() as i64;
            let (key, sha) = store_bytes(ctx, bytes).await?;
            ctx.session
                .add_legacy_file(&LegacyFile {
                    path: path.to_owned(),
                    storage_key: key,
                    size,
                    sha256: sha,
                    mime,
                })
                .await?;
            ctx.report.imported(Kind::EditorImage);
            Some(served)
        }
        Err(e) => {
            ctx.report.skip(
                Kind::EditorImage,
                format!("data/{path}"),
                format!("{e} (linked from {referrer}; the old address was left in the post)"),
            );
            None
        }
    };
    ctx.legacy_done.insert(path.to_owned(), result.clone());
    Ok(result)
}

pub(super) async fn import_attachments(
    site: &Site,
    ctx: &mut Ctx<'_>,
    bo: &str,
    slug: &str,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), ImportError> {
    let table = format!("{}board_file ({bo})", site.prefix);
    let mut rows: Vec<Row<'_>> = site
        .rows("board_file")
        .into_iter()
        .filter(|f| f.s("bo_table") == bo && !f.s("bf_file").trim().is_empty())
        .collect();
    rows.sort_by_key(|f| (f.i("wr_id"), f.i("bf_no")));
    let total = rows.len() as u64;
    for (n, f) in rows.iter().enumerate() {
        let wr_id = f.i("wr_id");
        let no = f.i("bf_no");
        let key = format!("{bo}/{wr_id}/{no}");
        let Some(&post_id) = ctx.posts.get(&(bo.to_owned(), wr_id)) else {
            ctx.report.skip(
                Kind::Attachment,
                &key,
                format!("its post {bo}/{wr_id} was not imported"),
            );
            continue;
        };
        let bf_file = f.s("bf_file").trim();
        let attachment_id = if let Some(id) = ctx.session.mapped("attachment", &key).await? {
            ctx.report.existing(Kind::Attachment);
            id
        } else {
            let Some(rel) = safe_data_path(&format!("file/{bo}/{bf_file}")) else {
                ctx.report.skip(
                    Kind::Attachment,
                    &key,
                    format!("unsafe stored file name {bf_file:?}"),
                );
                continue;
            };
            let full = ctx.options.files_dir.join(&rel);
            let bytes = match tokio::fs::read(&full).await {
                Ok(b) => b,
                Err(e) => {
                    ctx.report
                        .skip(Kind::Attachment, &key, format!("data/{rel}: {e}"));
                    continue;
                }
            };
            let expected = f.i("bf_filesize");
            if expected > 0 && expected != bytes.len() as i64 {
                ctx.report.warn(format!(
                    "attachment {key}: data/{rel} has {} bytes, the database says {expected}",
                    bytes.len()
                ));
            }
            let name = match f.s("bf_source").trim() {
                "" => bf_file.to_owned(),
                s => s.to_owned(),
            };
            let mime = sniff_mime(&bytes, &name).to_owned();
            let size = bytes.len() as i64;
            let (storage_key, sha) = store_bytes(ctx, bytes).await?;
            let created_at = kst(f.s("bf_datetime"), &ctx.zone).unwrap_or(ctx.now);
            let attachment = ImportAttachment {
                post_id,
                position: no + 1,
                name: &name,
                storage_key: &storage_key,
                size,
                sha256: &sha,
                mime: &mime,
                caption: f.s("bf_content"),
                downloads: f.i("bf_download"),
                created_at,
            };
            match ctx.session.import_attachment(&key, &attachment).await? {
                Imported::Created(id) => {
                    ctx.report.imported(Kind::Attachment);
                    id
                }
                Imported::Existing(id) => {
                    ctx.report.existing(Kind::Attachment);
                    id
                }
                Imported::Refused(why) => {
                    ctx.report.skip(Kind::Attachment, &key, why);
                    continue;
                }
            }
        };
        let new_path = format!("{}/files/{attachment_id}", post_path(slug, post_id));
        for old in [
            format!("/bbs/download.php?bo_table={bo}&wr_id={wr_id}&no={no}"),
            format!("/data/file/{bo}/{bf_file}"),
        ] {
            redirect(ctx, &old, &new_path).await?;
        }
        progress(&Progress {
            table: &table,
            done: n as u64 + 1,
            total,
        });
    }
    Ok(())
}
