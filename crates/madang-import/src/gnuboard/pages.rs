//! Content pages, FAQ pages and the old menu.
//!
//! `g5_content` rows become pages at `/pages/<co_id>` (for every language: GnuBoard5 has
//! one text per page); each FAQ (`g5_faq_master` with its `g5_faq` questions) becomes one
//! page at `/pages/faq-<fm_id>`. Their old addresses redirect. The old menu (`g5_menu`,
//! two levels) orders the groups, boards and pages this run created: a top item that
//! leads to a group names and places that group; one that leads to a board or a page gets
//! a menu group of its own; second-level items place their board or page inside their
//! parent's group. Links elsewhere are reported, since Madang's menu holds only the site's
//! own boards and pages.

use std::collections::HashMap;

use madang_core::page::validate_page_slug;
use madang_store::{ImportGroup, ImportPage, Imported, canonical_legacy_path};

use crate::report::Kind;

use super::bodies::body_html;
use super::tables::Site;
use super::{Ctx, ImportError, Progress, kst, redirect};

/// What a GnuBoard5 menu link leads to on the old site.
#[derive(Debug, PartialEq, Eq)]
enum MenuTarget {
    Group(String),
    Board(String),
    Content(String),
    Faq(Option<String>),
    Elsewhere,
}

/// Reads a menu link (absolute on the old host, or relative) as the thing it opens.
fn menu_target(link: &str) -> MenuTarget {
    let link = link.trim();
    let path = match link.find("://") {
        Some(i) => match link[i + 3..].find('/') {
            Some(j) => &link[i + 3 + j..],
            None => "/",
        },
        None if link.starts_with('/') => link,
        None => return MenuTarget::Elsewhere,
    };
    let Some(canonical) = canonical_legacy_path(path) else {
        return MenuTarget::Elsewhere;
    };
    let (script, query) = canonical.split_once('?').unwrap_or((&canonical, ""));
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .map(str::to_owned)
    };
    match script {
        "/bbs/group.php" => param("gr_id").map_or(MenuTarget::Elsewhere, MenuTarget::Group),
        "/bbs/board.php" if param("wr_id").is_none() => {
            param("bo_table").map_or(MenuTarget::Elsewhere, MenuTarget::Board)
        }
        "/bbs/content.php" => param("co_id").map_or(MenuTarget::Elsewhere, MenuTarget::Content),
        "/bbs/faq.php" => MenuTarget::Faq(param("fm_id")),
        other => match other.strip_prefix("/content/") {
            Some(co_id) if !co_id.contains('/') => MenuTarget::Content(co_id.to_owned()),
            _ => MenuTarget::Elsewhere,
        },
    }
}

/// Imports content and FAQ pages; returns co_id / `faq:<fm_id>` → the page's slug, for
/// pages that exist after the run.
pub(super) async fn import_pages(
    site: &Site,
    ctx: &mut Ctx<'_>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<HashMap<String, (String, bool)>, ImportError> {
    let mut slugs = HashMap::new();
    let table = format!("{}content", site.prefix);
    let contents = site.rows("content");
    let total = contents.len() as u64;
    for (n, co) in contents.iter().enumerate() {
        let co_id = co.s("co_id");
        let slug = co_id.trim().to_ascii_lowercase();
        if validate_page_slug(&slug).is_err() {
            ctx.report.skip(
                Kind::Page,
                co_id,
                "the page id is not a valid Madang address (a–z, 0–9, - and _)",
            );
            continue;
        }
        let mode = match co.i("co_html") {
            1 => "html1",
            2 => "html2",
            _ => "",
        };
        let referrer = format!("content {co_id}");
        let html = body_html(ctx, co.s("co_content"), mode, &referrer).await?;
        let title = match co.s("co_subject").trim() {
            "" => co_id,
            t => t,
        };
        let page = ImportPage {
            slug: &slug,
            lang: "",
            title,
            body_html: &html,
            group_id: None,
            position: 0,
            views: co.i("co_hit").max(0),
            created_at: ctx.now,
        };
        let created = match ctx
            .session
            .import_page(&format!("content:{co_id}"), &page)
            .await?
        {
            Imported::Created(_) => {
                ctx.report.imported(Kind::Page);
                true
            }
            Imported::Existing(_) => {
                ctx.report.existing(Kind::Page);
                false
            }
            Imported::Refused(why) => {
                ctx.report.skip(Kind::Page, co_id, why);
                continue;
            }
        };
        let new_path = format!("/pages/{slug}");
        redirect(ctx, &format!("/bbs/content.php?co_id={co_id}"), &new_path).await?;
        redirect(ctx, &format!("/content/{co_id}"), &new_path).await?;
        let seo = co.s("co_seo_title").trim();
        if !seo.is_empty() && seo != co_id {
            redirect(ctx, &format!("/content/{seo}"), &new_path).await?;
        }
        slugs.insert(co_id.to_owned(), (slug, created));
        progress(&Progress {
            table: &table,
            done: n as u64 + 1,
            total,
        });
    }
    import_faqs(site, ctx, &mut slugs).await?;
    Ok(slugs)
}

/// Each FAQ as one page: its head text, each question as a heading with its answer, its
/// tail text.
async fn import_faqs(
    site: &Site,
    ctx: &mut Ctx<'_>,
    slugs: &mut HashMap<String, (String, bool)>,
) -> Result<(), ImportError> {
    let mut masters = site.rows("faq_master");
    masters.sort_by_key(|m| (m.i("fm_order"), m.i("fm_id")));
    let mut questions = site.rows("faq");
    questions.sort_by_key(|q| (q.i("fa_order"), q.i("fa_id")));
    for (n, m) in masters.iter().enumerate() {
        let fm_id = m.i("fm_id");
        let mut source = String::from(m.s("fm_head_html"));
        for q in questions.iter().filter(|q| q.i("fm_id") == fm_id) {
            source.push_str("\n<h2>");
            source.push_str(q.s("fa_subject"));
            source.push_str("</h2>\n<div>");
            source.push_str(q.s("fa_content"));
            source.push_str("</div>");
        }
        source.push_str(m.s("fm_tail_html"));
        let referrer = format!("FAQ {fm_id}");
        let html = body_html(ctx, &source, "html1", &referrer).await?;
        let slug = format!("faq-{fm_id}");
        let title = match m.s("fm_subject").trim() {
            "" => "FAQ",
            t => t,
        };
        let page = ImportPage {
            slug: &slug,
            lang: "",
            title,
            body_html: &html,
            group_id: None,
            position: 0,
            views: 0,
            created_at: kst(m.s("fm_datetime"), &ctx.zone).unwrap_or(ctx.now),
        };
        let created = match ctx
            .session
            .import_page(&format!("faq:{fm_id}"), &page)
            .await?
        {
            Imported::Created(_) => {
                ctx.report.imported(Kind::Page);
                true
            }
            Imported::Existing(_) => {
                ctx.report.existing(Kind::Page);
                false
            }
            Imported::Refused(why) => {
                ctx.report.skip(Kind::Page, format!("FAQ {fm_id}"), why);
                continue;
            }
        };
        let new_path = format!("/pages/{slug}");
        redirect(ctx, &format!("/bbs/faq.php?fm_id={fm_id}"), &new_path).await?;
        if n == 0 {
            // GnuBoard5 opens the first FAQ when none is named.
            redirect(ctx, "/bbs/faq.php", &new_path).await?;
        }
        slugs.insert(format!("faq:{fm_id}"), (slug, created));
    }
    Ok(())
}

/// Orders what this run created as the old menu had it (see the module documentation).
pub(super) async fn arrange_menu(
    site: &Site,
    ctx: &mut Ctx<'_>,
    group_ids: &HashMap<String, i64>,
    pages: &HashMap<String, (String, bool)>,
) -> Result<(), ImportError> {
    let mut items = site.rows("menu");
    items.sort_by_key(|m| (m.i("me_order"), m.s("me_code").to_owned()));
    let first_faq = {
        let mut masters = site.rows("faq_master");
        masters.sort_by_key(|m| (m.i("fm_order"), m.i("fm_id")));
        masters.first().map(|m| m.i("fm_id").to_string())
    };
    let page_of = |target: &MenuTarget| -> Option<&(String, bool)> {
        match target {
            MenuTarget::Content(co_id) => pages.get(co_id),
            MenuTarget::Faq(fm_id) => {
                let fm_id = fm_id.clone().or_else(|| first_faq.clone())?;
                pages.get(&format!("faq:{fm_id}"))
            }
            _ => None,
        }
    };
    // Top-level code → the Madang group its children go into.
    let mut parents: HashMap<String, i64> = HashMap::new();
    let mut position = 0;
    for item in items.iter().filter(|m| m.s("me_code").len() == 2) {
        let code = item.s("me_code");
        let name = item.s("me_name").trim();
        if item.i("me_use") == 0 {
            ctx.report.warn(format!(
                "menu item {code} {name:?} was hidden; it is not carried"
            ));
            continue;
        }
        position += 1;
        let target = menu_target(item.s("me_link"));
        let group = match &target {
            MenuTarget::Group(gr_id) => group_ids.get(gr_id).copied(),
            MenuTarget::Board(_) | MenuTarget::Content(_) | MenuTarget::Faq(_) => {
                let slug = format!("menu_{}", code.to_ascii_lowercase());
                let group = ImportGroup {
                    slug: &slug,
                    title: if name.is_empty() { code } else { name },
                };
                match ctx
                    .session
                    .import_group(&format!("menu:{code}"), &group)
                    .await?
                {
                    Imported::Created(id) => {
                        ctx.report.imported(Kind::Group);
                        ctx.created.insert(("group", id));
                        Some(id)
                    }
                    Imported::Existing(id) => {
                        ctx.report.existing(Kind::Group);
                        Some(id)
                    }
                    Imported::Refused(why) => {
                        ctx.report.skip(Kind::MenuItem, code, why);
                        None
                    }
                }
            }
            MenuTarget::Elsewhere => None,
        };
        let Some(group) = group else {
            ctx.report.skip(
                Kind::MenuItem,
                format!("{code} {name}"),
                format!(
                    "leads to {:?}, not a board, page or group of this site",
                    item.s("me_link")
                ),
            );
            continue;
        };
        parents.insert(code.to_owned(), group);
        let mut arranged = false;
        if ctx.created.contains(&("group", group)) {
            let title = if name.is_empty() { code } else { name };
            ctx.session.arrange_group(group, title, position).await?;
            arranged = true;
        }
        arranged |= place(ctx, &target, group, 0, &page_of(&target).cloned()).await?;
        count(ctx, arranged);
    }
    let mut children: Vec<_> = items.iter().filter(|m| m.s("me_code").len() == 4).collect();
    children.sort_by_key(|m| {
        (
            m.s("me_code")[..2].to_owned(),
            m.i("me_order"),
            m.s("me_code").to_owned(),
        )
    });
    for (n, item) in children.iter().enumerate() {
        let code = item.s("me_code");
        let name = item.s("me_name").trim();
        let Some(&group) = parents.get(&code[..2]) else {
            ctx.report.skip(
                Kind::MenuItem,
                format!("{code} {name}"),
                "its parent item was not carried",
            );
            continue;
        };
        if item.i("me_use") == 0 {
            ctx.report.warn(format!(
                "menu item {code} {name:?} was hidden; it is not carried"
            ));
            continue;
        }
        let target = menu_target(item.s("me_link"));
        if matches!(target, MenuTarget::Elsewhere | MenuTarget::Group(_)) {
            ctx.report.skip(
                Kind::MenuItem,
                format!("{code} {name}"),
                format!(
                    "leads to {:?}, not a board or page of this site",
                    item.s("me_link")
                ),
            );
            continue;
        }
        let arranged = place(
            ctx,
            &target,
            group,
            n as i64 + 1,
            &page_of(&target).cloned(),
        )
        .await?;
        count(ctx, arranged);
    }
    Ok(())
}

/// A menu item counts as imported when it arranged something this run created, and as
/// already there otherwise (a second run).
fn count(ctx: &mut Ctx<'_>, arranged: bool) {
    if arranged {
        ctx.report.imported(Kind::MenuItem);
    } else {
        ctx.report.existing(Kind::MenuItem);
    }
}

/// Puts a board or page that this run created into `group` at `position`; whether it
/// did.
async fn place(
    ctx: &mut Ctx<'_>,
    target: &MenuTarget,
    group: i64,
    position: i64,
    page: &Option<(String, bool)>,
) -> Result<bool, ImportError> {
    match target {
        MenuTarget::Board(bo_table) => {
            if let Some(board) = ctx.boards.get(bo_table)
                && ctx.created.contains(&("board", board.id))
            {
                let id = board.id;
                ctx.session.arrange_board(id, Some(group), position).await?;
                return Ok(true);
            }
        }
        MenuTarget::Content(_) | MenuTarget::Faq(_) => {
            if let Some((slug, true)) = page {
                ctx.session.arrange_page(slug, group, position).await?;
                return Ok(true);
            }
        }
        MenuTarget::Group(_) | MenuTarget::Elsewhere => {}
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_links_name_what_they_open() {
        assert_eq!(
            menu_target("http://www.example-ngo.org/bbs/group.php?gr_id=work"),
            MenuTarget::Group("work".into())
        );
        assert_eq!(
            menu_target("https://x.org/bbs/board.php?bo_table=youth&page=2"),
            MenuTarget::Board("youth".into())
        );
        assert_eq!(
            menu_target("/bbs/content.php?co_id=company"),
            MenuTarget::Content("company".into())
        );
        assert_eq!(
            menu_target("/content/privacy"),
            MenuTarget::Content("privacy".into())
        );
        assert_eq!(menu_target("/bbs/faq.php"), MenuTarget::Faq(None));
        assert_eq!(
            menu_target("/bbs/faq.php?fm_id=2"),
            MenuTarget::Faq(Some("2".into()))
        );
        for elsewhere in [
            "https://www.youtube.com/@ngo",
            "javascript:alert(1)",
            "/bbs/board.php?bo_table=news&wr_id=3",
            "",
        ] {
            assert_eq!(menu_target(elsewhere), MenuTarget::Elsewhere, "{elsewhere}");
        }
    }
}
