//! Groups and boards: GnuBoard5 groups become menu groups; boards come over with their
//! levels, title length, page size and list order, their administrators and their old
//! addresses; board settings Madang does not carry are noted for the report.

use std::collections::HashMap;

use madang_core::categories::{MAX_CATEGORIES, from_gnuboard};
use madang_core::uploads::{MAX_FILES_LIMIT, MAX_REQUEST_BYTES, MB, max_file_mb_for};
use madang_core::{BoardLevels, Level, ListOrder, ListStyle, NewBoard};
use madang_store::{ImportGroup, Imported};

use crate::report::Kind;

use super::tables::{Row, Site};
use super::{BoardInfo, Ctx, ImportError, Progress, redirect};

pub(super) async fn import_groups(
    site: &Site,
    ctx: &mut Ctx<'_>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<HashMap<String, i64>, ImportError> {
    let table = format!("{}group", site.prefix);
    let mut rows = site.rows("group");
    rows.sort_by_key(|r| (r.i("gr_order"), r.s("gr_id").to_owned()));
    let total = rows.len() as u64;
    let mut ids = HashMap::new();
    for (n, g) in rows.iter().enumerate() {
        let gr_id = g.s("gr_id");
        let title = match g.s("gr_subject").trim() {
            "" => gr_id,
            t => t,
        };
        let slug = gr_id.to_ascii_lowercase();
        match ctx
            .session
            .import_group(gr_id, &ImportGroup { slug: &slug, title })
            .await?
        {
            Imported::Created(id) => {
                ctx.report.imported(Kind::Group);
                ctx.created.insert(("group", id));
                ids.insert(gr_id.to_owned(), id);
            }
            Imported::Existing(id) => {
                ctx.report.existing(Kind::Group);
                ids.insert(gr_id.to_owned(), id);
            }
            Imported::Refused(why) => ctx.report.skip(Kind::Group, gr_id, why),
        }
        if g.s("gr_use_access") == "1" {
            ctx.report.warn(format!(
                "group {gr_id} was limited to its members (gr_use_access); Madang has no \
                 group access lists yet: check its boards' levels"
            ));
        }
        progress(&Progress {
            table: &table,
            done: n as u64 + 1,
            total,
        });
    }
    // Group administrators, once members are known (they are imported next); kept here.
    Ok(ids)
}

fn board_settings(b: Row<'_>, group_id: Option<i64>) -> NewBoard {
    let level = |c: &str| Level::new(b.i(c).clamp(1, 10)).unwrap_or(Level::GUEST);
    let mut new = NewBoard::new(b.s("bo_table"), b.s("bo_subject"), group_id);
    if new.title.trim().is_empty() {
        new.title = new.slug.clone();
    }
    let subject_len = b.i("bo_subject_len");
    if subject_len > 0 {
        new.title_len = subject_len.min(1000) as u32;
    }
    let rows = b.i("bo_page_rows");
    if rows > 0 {
        new.page_size = rows.min(200) as u32;
    }
    new.excerpt_len = if b.i("bo_use_list_content") == 1 {
        200
    } else {
        0
    };
    new.list_style = list_style(b.s("bo_skin"), new.excerpt_len > 0);
    let sort = b.s("bo_sort_field").trim().to_ascii_lowercase();
    new.list_order = match sort.as_str() {
        "wr_datetime asc" => ListOrder::DateAsc,
        "wr_datetime desc" => ListOrder::DateDesc,
        _ => ListOrder::Thread,
    };
    new.levels = BoardLevels {
        list: level("bo_list_level"),
        read: level("bo_read_level"),
        write: level("bo_write_level"),
        reply: level("bo_reply_level"),
        comment: level("bo_comment_level"),
        upload: level("bo_upload_level"),
        download: level("bo_download_level"),
    };
    // GnuBoard5 has one file field per allowed file (`bo_upload_count`, 0 for none) and a
    // size per file in bytes; it restricts types site-wide by extension only, so the board
    // keeps Madang's default kinds (judged by content).
    // Categories in use (`bo_use_category`) become the board's list; posts keep their
    // `ca_name` either way.
    if b.i("bo_use_category") != 0 {
        new.categories = from_gnuboard(b.s("bo_category_list")).0;
    }
    if b.has("bo_upload_count") {
        new.uploads.max_files = b.i("bo_upload_count").clamp(0, i64::from(MAX_FILES_LIMIT)) as u32;
    }
    if b.has("bo_upload_size") && b.i("bo_upload_size") > 0 {
        new.uploads.max_file_mb = upload_mb(b.i("bo_upload_size"));
    }
    new
}

/// A GnuBoard5 per-file size in bytes as whole MB, rounded up so no file the old site
/// took is refused, within what a board may allow.
fn upload_mb(bytes: i64) -> u32 {
    let mb = i64::try_from(MB).unwrap_or(i64::MAX);
    let largest = i64::from(max_file_mb_for(MAX_REQUEST_BYTES));
    (bytes.saturating_add(mb - 1) / mb).clamp(1, largest) as u32
}

/// The list style for a GnuBoard5 list skin. The stock `basic` skin is a table of titles
/// (the "list" style), but a board that asked for list excerpts (`bo_use_list_content`)
/// gets them, as a webzine; a custom skin gets the default look (and a note).
fn list_style(skin: &str, excerpts: bool) -> ListStyle {
    match ListStyle::from_gnuboard_skin(skin) {
        Some(ListStyle::List) if excerpts => ListStyle::Webzine,
        Some(style) => style,
        None => ListStyle::default(),
    }
}

/// Board settings with no Madang equivalent, worth telling the operator about.
fn board_notes(b: Row<'_>) -> Vec<String> {
    let mut notes = Vec::new();
    let bo = b.s("bo_table");
    let set = |c: &str| b.i(c) != 0;
    let skin = b.s("bo_skin").trim();
    if !skin.is_empty() && ListStyle::from_gnuboard_skin(skin).is_none() {
        notes.push(format!(
            "board {bo}: list skin {skin:?} has no Madang equivalent; it is listed as a {}",
            ListStyle::default().as_str()
        ));
    }
    if set("bo_use_category") {
        let (_, left_out) = from_gnuboard(b.s("bo_category_list"));
        if !left_out.is_empty() {
            notes.push(format!(
                "board {bo}: categories {left_out:?} are not in the board's list (too long, \
                 odd characters or past {MAX_CATEGORIES}); posts keep them"
            ));
        }
    } else if !b.s("bo_category_list").trim().is_empty() {
        notes.push(format!(
            "board {bo}: categories were turned off (bo_use_category = 0); their list ({}) \
             is not carried, posts keep their category",
            b.s("bo_category_list")
        ));
    }
    for (col, what) in [
        ("bo_content_head", "text above the list"),
        ("bo_content_tail", "text below the list"),
        ("bo_insert_content", "template for new posts"),
    ] {
        if !b.s(col).trim().is_empty() {
            notes.push(format!("board {bo}: {col} ({what}) is not carried"));
        }
    }
    for (col, what) in [
        ("bo_use_good", "votes"),
        ("bo_use_nogood", "votes"),
        ("bo_read_point", "points"),
        ("bo_write_point", "points"),
        ("bo_comment_point", "points"),
        ("bo_download_point", "points"),
        ("bo_count_modify", "edit lock after comments"),
        ("bo_count_delete", "delete lock after comments"),
        ("bo_use_captcha", "captcha"),
        ("bo_use_email", "mail notices"),
    ] {
        if set(col) {
            notes.push(format!("board {bo}: {col} ({what}) is not carried"));
        }
    }
    if b.i("bo_use_secret") == 2 {
        notes.push(format!(
            "board {bo}: every post was secret (bo_use_secret = 2); imported posts keep their \
             own flag"
        ));
    }
    let sort = b.s("bo_sort_field").trim().to_ascii_lowercase();
    if !sort.is_empty() && sort != "wr_datetime asc" && sort != "wr_datetime desc" {
        notes.push(format!(
            "board {bo}: list order {:?} became thread order",
            b.s("bo_sort_field")
        ));
    }
    notes
}

pub(super) async fn import_boards(
    site: &Site,
    ctx: &mut Ctx<'_>,
    group_ids: &HashMap<String, i64>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), ImportError> {
    let table = format!("{}board", site.prefix);
    let mut rows = site.rows("board");
    rows.sort_by_key(|b| {
        let group_order = site
            .rows("group")
            .iter()
            .find(|g| g.s("gr_id") == b.s("gr_id"))
            .map(|g| g.i("gr_order"))
            .unwrap_or(i64::MAX);
        (
            group_order,
            b.s("gr_id").to_owned(),
            b.i("bo_order"),
            b.s("bo_table").to_owned(),
        )
    });
    let total = rows.len() as u64;
    for (n, b) in rows.iter().enumerate() {
        let bo = b.s("bo_table");
        if site.table(&format!("write_{bo}")).is_none() {
            ctx.report.skip(
                Kind::Board,
                bo,
                format!("the dump has no table {}write_{bo}", site.prefix),
            );
            continue;
        }
        let mut settings = board_settings(*b, group_ids.get(b.s("gr_id")).copied());
        if madang_core::slug::validate_board_slug(bo) == Err(madang_core::slug::SlugError::Reserved)
        {
            // A name Madang's own pages use (GnuBoard5 #299): the board gets another address;
            // the redirects below keep its old links working.
            settings.slug = format!("{bo}_board");
            ctx.report.warn(format!(
                "board {bo}: the name is reserved in Madang; the board is at /b/{}",
                settings.slug
            ));
        }
        let id = match ctx.session.import_board(bo, &settings).await? {
            Imported::Created(id) => {
                ctx.report.imported(Kind::Board);
                ctx.created.insert(("board", id));
                id
            }
            Imported::Existing(id) => {
                ctx.report.existing(Kind::Board);
                id
            }
            Imported::Refused(why) => {
                ctx.report.skip(Kind::Board, bo, why);
                continue;
            }
        };
        ctx.report.not_carried.extend(board_notes(*b));
        let notice = b
            .s("bo_notice")
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect();
        ctx.boards.insert(
            bo.to_owned(),
            BoardInfo {
                id,
                slug: settings.slug.clone(),
                subject: b.s("bo_subject").to_owned(),
                notice,
            },
        );
        for admin in b.s("bo_admin").split(',').map(str::trim) {
            if admin.is_empty() {
                continue;
            }
            match ctx.members.get(&admin.to_lowercase()) {
                Some(&member_id) => {
                    if ctx.session.add_board_admin(id, member_id).await? {
                        ctx.report.imported(Kind::BoardAdmin);
                    } else {
                        ctx.report.existing(Kind::BoardAdmin);
                    }
                }
                None => ctx.report.skip(
                    Kind::BoardAdmin,
                    format!("{bo} {admin}"),
                    "the member was not imported",
                ),
            }
        }
        let board_path = format!("/b/{}", settings.slug);
        for old in [
            format!("/bbs/board.php?bo_table={bo}"),
            format!("/{bo}"),
            format!("/bbs/rss.php?bo_table={bo}"),
            format!("/rss/{bo}"),
        ] {
            redirect(ctx, &old, &board_path).await?;
        }
        progress(&Progress {
            table: &table,
            done: n as u64 + 1,
            total,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_sizes_become_whole_megabytes_within_the_limits() {
        assert_eq!(upload_mb(1_048_576), 1);
        assert_eq!(upload_mb(1_048_577), 2);
        assert_eq!(upload_mb(1), 1);
        assert_eq!(upload_mb(10 * 1024 * 1024 * 1024), 63);
    }

    #[test]
    fn skins_choose_the_list_style() {
        assert_eq!(list_style("basic", false), ListStyle::List);
        assert_eq!(list_style("basic", true), ListStyle::Webzine);
        assert_eq!(list_style("theme/gallery", false), ListStyle::Gallery);
        assert_eq!(list_style("webzine", false), ListStyle::Webzine);
        assert_eq!(list_style("our_skin", false), ListStyle::Webzine);
    }
}
