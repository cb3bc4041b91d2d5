//! A board's posts table: posts in their threads (thread key, reply parent and path) and
//! comments in their trees, with authors, dates, flags and the old addresses of each.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use madang_core::copy_line;
use madang_store::{ImportComment, ImportPost, Imported, post_path};

use crate::report::Kind;

use super::bodies::{body_html, legacy_refs};
use super::files::{import_attachments, legacy_editor_file};
use super::prepare::{Job, Prepared, Preparer, prepare_post};
use super::tables::{CompactRow, Row, Site};
use super::{Ctx, ImportError, PendingProvenance, Progress, kst, redirect};

fn author(ctx: &Ctx<'_>, r: Row<'_>) -> (Option<i64>, String) {
    let mb_id = r.s("mb_id").trim();
    let id = if mb_id.is_empty() {
        None
    } else {
        ctx.members.get(&mb_id.to_lowercase()).copied()
    };
    let name = match r.s("wr_name").trim() {
        "" if !mb_id.is_empty() => mb_id.to_owned(),
        "" => "(guest)".to_owned(),
        n => n.to_owned(),
    };
    (id, name)
}

fn has_option(r: Row<'_>, option: &str) -> bool {
    r.s("wr_option").split(',').any(|o| o.trim() == option)
}

pub(super) async fn import_board_rows(
    site: &Site,
    ctx: &mut Ctx<'_>,
    bo: &str,
    values: Vec<CompactRow>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), ImportError> {
    let table_name = format!("{}write_{bo}", site.prefix);
    let Some(t) = site.tables.get(&table_name) else {
        return Ok(());
    };
    let Some((board_id, slug, notice)) = ctx
        .boards
        .get(bo)
        .map(|b| (b.id, b.slug.clone(), b.notice.clone()))
    else {
        return Ok(());
    };
    let values = Arc::new(values);
    // Each row with its index in `values`, which the preparing thread knows it by.
    let rows: Vec<(usize, Row<'_>)> = values
        .iter()
        .enumerate()
        .map(|(n, v)| {
            (
                n,
                Row {
                    table: t,
                    values: v,
                },
            )
        })
        .collect();
    let total = rows.len() as u64;
    let mut done = 0u64;
    progress(&Progress {
        table: &table_name,
        done,
        total,
    });

    let plan = plan_threads(bo, &rows);
    let comments = comment_order(&rows);
    // Rows already imported by an earlier run are not prepared: they are not written again.
    let mut jobs = Vec::new();
    for (_, threads) in &plan {
        for (_, _, members) in threads {
            for (n, r) in members {
                let key = format!("{bo}/{}", r.i("wr_id"));
                if ctx.session.mapped("post", &key).await?.is_none() {
                    jobs.push(Job::Post(*n));
                }
            }
        }
    }
    for (n, r) in &comments {
        let key = format!("{bo}/{}", r.i("wr_id"));
        if ctx.session.mapped("comment", &key).await?.is_none() {
            jobs.push(Job::Comment(*n));
        }
    }
    let mut preparer = Preparer::start(t, Arc::clone(&values), jobs);

    for (warnings, threads) in plan {
        for warning in warnings {
            ctx.report.warn(warning);
        }
        for (wr_num, root, members) in threads {
            // (reply path, wr_id, post id) of this thread's posts so far.
            let mut placed: Vec<(String, i64, i64)> = Vec::new();
            for (n, r) in members {
                let id = r.i("wr_id");
                let reply = r.s("wr_reply");
                let parent_id = if reply.is_empty() || id == root {
                    None
                } else {
                    let mut parent_path = reply.to_owned();
                    parent_path.pop();
                    let found = placed
                        .iter()
                        .filter(|(p, w, _)| *p == parent_path && *w < id)
                        .max_by_key(|(_, w, _)| *w)
                        .map(|(_, _, pid)| *pid);
                    match found {
                        Some(p) => Some(p),
                        None => {
                            ctx.report.warn(format!(
                                "{bo}/{id}: the post it replies to is missing; attached to the \
                                 thread's first post"
                            ));
                            placed.first().map(|(_, _, pid)| *pid)
                        }
                    }
                };
                let place = Place {
                    bo,
                    slug: &slug,
                    board_id,
                    thread_key: wr_num,
                    parent_id,
                    notice: &notice,
                };
                if let Some(post_id) = import_post(ctx, &place, r, n, &mut preparer).await? {
                    placed.push((reply.to_owned(), id, post_id));
                }
                done += 1;
                if done.is_multiple_of(200) {
                    progress(&Progress {
                        table: &table_name,
                        done,
                        total,
                    });
                }
            }
        }
    }

    // (post, comment thread) → (reply path, wr_id, comment id) placed so far.
    type Placed = Vec<(String, i64, i64)>;
    let mut placed: HashMap<(i64, i64), Placed> = HashMap::new();
    for (n, r) in comments {
        let id = r.i("wr_id");
        let key = format!("{bo}/{id}");
        let Some(&post_id) = ctx.posts.get(&(bo.to_owned(), r.i("wr_parent"))) else {
            ctx.report.skip(
                Kind::Comment,
                &key,
                format!("its post {bo}/{} was not imported", r.i("wr_parent")),
            );
            continue;
        };
        let thread = (r.i("wr_parent"), r.i("wr_comment"));
        let reply = r.s("wr_comment_reply");
        let siblings = placed.entry(thread).or_default();
        let parent_id = if reply.is_empty() {
            None
        } else {
            let mut parent_path = reply.to_owned();
            parent_path.pop();
            siblings
                .iter()
                .filter(|(p, w, _)| *p == parent_path && *w < id)
                .max_by_key(|(_, w, _)| *w)
                .map(|(_, _, c)| *c)
                .or_else(|| siblings.first().map(|(_, _, c)| *c))
        };
        let (author_id, author_name) = author(ctx, r);
        let created_at = kst(r.s("wr_datetime"), &ctx.zone)
            .or_else(|| kst(r.s("wr_last"), &ctx.zone))
            .unwrap_or(ctx.now);
        // A comment an earlier run imported is left as it is (and was not prepared).
        let body = if ctx.session.mapped("comment", &key).await?.is_some() {
            String::new()
        } else {
            match preparer.take(n).await {
                Some(Prepared::Comment(body)) => body,
                _ => madang_core::html::text_to_html(r.s("wr_content")),
            }
        };
        let guest_hash = if r.s("mb_id").trim().is_empty() {
            r.s("wr_password")
        } else {
            ""
        };
        let comment = ImportComment {
            post_id,
            parent_id,
            thread_key: r.i("wr_comment"),
            reply_path: reply,
            author_id,
            author_name: &author_name,
            guest_password_hash: guest_hash,
            body_html: &body,
            secret: has_option(r, "secret"),
            created_at,
            legacy_board: bo,
            legacy_id: id,
        };
        let comment_id = match ctx.session.import_comment(&key, &comment).await? {
            Imported::Created(c) => {
                ctx.report.imported(Kind::Comment);
                c
            }
            Imported::Existing(c) => {
                ctx.report.existing(Kind::Comment);
                c
            }
            Imported::Refused(why) => {
                ctx.report.skip(Kind::Comment, &key, why);
                continue;
            }
        };
        placed
            .entry(thread)
            .or_default()
            .push((reply.to_owned(), id, comment_id));
        let target = format!("{}#comment-{comment_id}", post_path(&slug, post_id));
        redirect(
            ctx,
            &format!("/bbs/board.php?bo_table={bo}&wr_id={id}"),
            &target,
        )
        .await?;
    }
    progress(&Progress {
        table: &table_name,
        done: total,
        total,
    });
    import_attachments(site, ctx, bo, &slug, progress).await
}

/// A board's posts in the order they are imported, each wr_num group with the warnings
/// found while putting it in threads: (warnings, threads of (wr_num, root wr_id, posts)).
type Plan<'a> = Vec<(Vec<String>, Vec<(i64, i64, Vec<(usize, Row<'a>)>)>)>;

/// Threads: group by wr_num, newest-numbered last so that ids grow with age; each reply
/// goes to the nearest root with a lower id (wr_num could repeat before 2023). In a thread,
/// its first post, then replies in reply-path order.
fn plan_threads<'a>(bo: &str, rows: &[(usize, Row<'a>)]) -> Plan<'a> {
    let mut by_num: BTreeMap<i64, Vec<(usize, Row<'a>)>> = BTreeMap::new();
    for (n, r) in rows.iter().filter(|(_, r)| r.i("wr_is_comment") == 0) {
        by_num.entry(r.i("wr_num")).or_default().push((*n, *r));
    }
    let mut plan = Vec::new();
    for (wr_num, mut group) in by_num.into_iter().rev() {
        group.sort_by_key(|(_, r)| r.i("wr_id"));
        let roots: Vec<i64> = group
            .iter()
            .filter(|(_, r)| r.s("wr_reply").is_empty())
            .map(|(_, r)| r.i("wr_id"))
            .collect();
        let mut warnings = Vec::new();
        let mut threads: BTreeMap<i64, Vec<(usize, Row<'a>)>> = BTreeMap::new();
        for (n, r) in &group {
            let id = r.i("wr_id");
            let root = if r.s("wr_reply").is_empty() {
                id
            } else {
                match roots.iter().rev().find(|&&root| root < id) {
                    Some(&root) => root,
                    None => {
                        warnings.push(format!(
                            "{bo}/{id}: a reply without its thread's first post; imported as \
                             its own thread"
                        ));
                        id
                    }
                }
            };
            threads.entry(root).or_default().push((*n, *r));
        }
        let threads = threads
            .into_iter()
            .map(|(root, mut members)| {
                members.sort_by(|(_, a), (_, b)| {
                    (!a.s("wr_reply").is_empty() || a.i("wr_id") != root)
                        .cmp(&(!b.s("wr_reply").is_empty() || b.i("wr_id") != root))
                        .then_with(|| a.s("wr_reply").cmp(b.s("wr_reply")))
                        .then_with(|| a.i("wr_id").cmp(&b.i("wr_id")))
                });
                (wr_num, root, members)
            })
            .collect();
        plan.push((warnings, threads));
    }
    plan
}

/// A board's comments in thread order, so that a reply's parent comes first.
fn comment_order<'a>(rows: &[(usize, Row<'a>)]) -> Vec<(usize, Row<'a>)> {
    let mut comments: Vec<(usize, Row<'a>)> = rows
        .iter()
        .filter(|(_, r)| r.i("wr_is_comment") != 0)
        .copied()
        .collect();
    comments.sort_by(|(_, a), (_, b)| {
        (a.i("wr_parent"), a.i("wr_comment"))
            .cmp(&(b.i("wr_parent"), b.i("wr_comment")))
            .then_with(|| a.s("wr_comment_reply").cmp(b.s("wr_comment_reply")))
            .then_with(|| a.i("wr_id").cmp(&b.i("wr_id")))
    });
    comments
}

/// Where a post goes: its board and its place in its thread.
struct Place<'a> {
    bo: &'a str,
    slug: &'a str,
    board_id: i64,
    thread_key: i64,
    parent_id: Option<i64>,
    notice: &'a HashSet<i64>,
}

/// Imports a post (row `n` of the board); `preparer` has its body ready, or it is made here.
async fn import_post(
    ctx: &mut Ctx<'_>,
    place: &Place<'_>,
    r: Row<'_>,
    n: usize,
    preparer: &mut Preparer,
) -> Result<Option<i64>, ImportError> {
    let Place {
        bo,
        slug,
        board_id,
        thread_key,
        parent_id,
        notice,
    } = *place;
    let id = r.i("wr_id");
    let key = format!("{bo}/{id}");
    let post_id = if let Some(existing) = ctx.session.mapped("post", &key).await? {
        ctx.report.existing(Kind::Post);
        // Its editor images were stored with it; count them as the first run did.
        for (_, path) in legacy_refs(r.s("wr_content")) {
            if path.starts_with("editor/") {
                legacy_editor_file(ctx, &path, &key).await?;
            }
        }
        existing
    } else {
        let prepared = match preparer.take(n).await {
            Some(Prepared::Post(p)) => p,
            _ => {
                let html = body_html(ctx, r.s("wr_content"), r.s("wr_option"), &key).await?;
                prepare_post(r.s("wr_subject"), html)
            }
        };
        let (author_id, author_name) = author(ctx, r);
        let published = kst(r.s("wr_datetime"), &ctx.zone)
            .or_else(|| kst(r.s("wr_last"), &ctx.zone))
            .unwrap_or_else(|| {
                ctx.report
                    .warn(format!("{key}: no date; the import's date was used"));
                ctx.now
            });
        let links: Vec<String> = ["wr_link1", "wr_link2"]
            .iter()
            .map(|c| r.s(c).trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        let guest_hash = if r.s("mb_id").trim().is_empty() {
            r.s("wr_password")
        } else {
            ""
        };
        let post = ImportPost {
            board_id,
            thread_key,
            parent_id,
            reply_path: r.s("wr_reply"),
            category: r.s("ca_name"),
            title: r.s("wr_subject"),
            body_html: &prepared.html,
            body_text: &prepared.text,
            lang: prepared.lang,
            terms: Some(&prepared.terms),
            author_id,
            author_name: &author_name,
            guest_password_hash: guest_hash,
            pinned: notice.contains(&id),
            secret: has_option(r, "secret"),
            views: r.i("wr_hit"),
            links: &links,
            created_at: published,
            published_at: published,
            updated_at: published,
        };
        match ctx.session.import_post(&key, &post).await? {
            Imported::Created(p) => {
                ctx.report.imported(Kind::Post);
                p
            }
            Imported::Existing(p) => {
                ctx.report.existing(Kind::Post);
                p
            }
            Imported::Refused(why) => {
                ctx.report.skip(Kind::Post, &key, why);
                return Ok(None);
            }
        }
    };
    if let Some((transfer, nick, time, source_board)) = copy_line::parse_line(r.s("wr_content")) {
        ctx.provenance.push(PendingProvenance {
            key: key.clone(),
            post_id,
            transfer,
            nick,
            time,
            source_board,
            title: r.s("wr_subject").to_owned(),
            datetime: r.s("wr_datetime").to_owned(),
        });
    }
    ctx.posts.insert((bo.to_owned(), id), post_id);
    ctx.post_index.insert(
        (
            bo.to_owned(),
            r.s("wr_subject").to_owned(),
            r.s("wr_datetime").to_owned(),
        ),
        post_id,
    );
    let new_path = post_path(slug, post_id);
    let mut olds = vec![
        format!("/bbs/board.php?bo_table={bo}&wr_id={id}"),
        format!("/{bo}/{id}"),
    ];
    let seo = r.s("wr_seo_title").trim();
    if !seo.is_empty() {
        olds.push(format!("/{bo}/{seo}"));
    }
    for old in olds {
        redirect(ctx, &old, &new_path).await?;
    }
    Ok(Some(post_id))
}
