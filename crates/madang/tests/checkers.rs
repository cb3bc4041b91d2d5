//! Issue 6, "checked by real tools": the demo site's pages pass checkers nobody on this
//! project wrote.
//!
//! The demo site (plus a signed-in super administrator and a few comments) is served on a
//! real TCP port. Every public page type — home, board lists, a post with an attachment, a
//! post with comments, search results, a search with no results, the empty search form,
//! sign-in, registration (open, and with an invitation) and a 404 — and the main admin
//! pages — the dashboard, a board's settings, a menu group's titles, the audit log, the
//! redirects page, the invitations, the write form, a Markdown post and its edit form, a
//! post with its
//! staff tools, its history and one of its versions compared with it — are taken in English
//! and in Korean (`/ko/…`), and:
//!
//! - the W3C Nu HTML Checker (`vnu.jar` from npm's `vnu-jar`, on the machine's Java) checks
//!   all of them in one run: any error fails, warnings are printed;
//! - axe-core (npm's `axe-core`), injected through the DevTools protocol into headless
//!   Chromium, checks each page against WCAG 2.0, 2.1 and 2.2, levels A and AA, in the light
//!   and the dark colour scheme: any violation fails, with the page, the rule and the nodes;
//! - `/sitemap.xml` is validated by `xmllint` against sitemaps.org's `sitemap.xsd` (npm's
//!   `sitemap` package) with the XHTML schema for `xhtml:link` alternates (PyPI's
//!   `xmlschema` package ships it, with `xml.xsd`), offline.
//!
//! `.ci/run` installs the tools outside the clone (pinned in `checks/`) and names them in
//! `MADANG_VNU_JAR`, `MADANG_AXE_JS`, `MADANG_SITEMAP_XSD` and `MADANG_XHTML_XSD`; by
//! default they are looked for under `/var/tmp/madang-checks`. Without them the test says
//! SKIPPED; with `CI` set, that is a failure.

mod browser;
mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use common::TestSite;
use serde_json::Value;

/// Where `.ci/run` installs the checkers when no variable names them.
const CHECKS_DIR: &str = "/var/tmp/madang-checks";

/// The rule sets of WCAG 2.2 levels A and AA, as axe-core tags them.
const WCAG_TAGS: &str = "['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa']";

/// The checkers' files and programs.
struct Tools {
    java: PathBuf,
    vnu_jar: PathBuf,
    chromium: PathBuf,
    axe_js: PathBuf,
    xmllint: PathBuf,
    sitemap_xsd: PathBuf,
    xhtml_xsd: PathBuf,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let dirs = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&dirs)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A file named by `variable`, or else at `default` under [`CHECKS_DIR`].
fn checker_file(variable: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(CHECKS_DIR).join(default));
    path.is_file().then_some(path)
}

/// The tools, or the list of what is missing.
fn tools() -> Result<Tools, Vec<&'static str>> {
    let mut missing = Vec::new();
    let mut need = |found: Option<PathBuf>, what: &'static str| {
        if found.is_none() {
            missing.push(what);
        }
        found.unwrap_or_default()
    };
    let tools = Tools {
        java: need(
            on_path("java"),
            "java (apt-get install default-jre-headless)",
        ),
        vnu_jar: need(
            checker_file("MADANG_VNU_JAR", "node_modules/vnu-jar/build/dist/vnu.jar"),
            "vnu.jar (MADANG_VNU_JAR; npm vnu-jar)",
        ),
        chromium: need(browser::chromium(), "chromium (apt-get install chromium)"),
        axe_js: need(
            checker_file("MADANG_AXE_JS", "node_modules/axe-core/axe.min.js"),
            "axe.min.js (MADANG_AXE_JS; npm axe-core)",
        ),
        xmllint: need(
            on_path("xmllint"),
            "xmllint (apt-get install libxml2-utils)",
        ),
        sitemap_xsd: need(
            checker_file(
                "MADANG_SITEMAP_XSD",
                "node_modules/sitemap/schema/sitemap.xsd",
            ),
            "sitemap.xsd (MADANG_SITEMAP_XSD; npm sitemap)",
        ),
        xhtml_xsd: need(
            checker_file(
                "MADANG_XHTML_XSD",
                "py/xmlschema/schemas/XHTML/xhtml1-strict.xsd",
            ),
            "xhtml1-strict.xsd (MADANG_XHTML_XSD; PyPI xmlschema)",
        ),
    };
    if missing.is_empty() {
        Ok(tools)
    } else {
        Err(missing)
    }
}

/// One page to check: a short name for reports, its path, and whether it is seen signed in.
struct Page {
    name: String,
    path: String,
    signed_in: bool,
}

/// Posts a comment (or a reply to `parent`) as `admin` and returns its id.
async fn comment(
    site: &TestSite,
    admin: &common::Browser,
    post: &str,
    body: &str,
    parent: Option<&str>,
    secret: bool,
) -> String {
    let mut form = vec![("csrf", admin.csrf.as_str()), ("body", body)];
    if let Some(parent) = parent {
        form.push(("parent", parent));
    }
    if secret {
        form.push(("secret", "1"));
    }
    let page = site
        .post_as(&format!("{post}/comments"), admin, &form)
        .await;
    assert_eq!(page.status, 303, "commenting: {}", page.text());
    let location = page.header("location");
    location.rsplit_once("#comment-").unwrap().1.to_owned()
}

/// Edits the post at `path` twice (a paragraph added, then a word of it changed) and
/// returns the addresses of its history and of its newest revision compared with it.
async fn edit_twice(site: &TestSite, path: &str) -> (String, String) {
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let board = site.store().board("advocacy").await.unwrap().unwrap();
    let (post, _) = site
        .store()
        .post_for_staff(board.id, id)
        .await
        .unwrap()
        .unwrap();
    let actor = madang_store::ActorRef {
        id: None,
        name: "checker",
        ip: "",
    };
    for day in ["Thursday", "Friday"] {
        let edit = madang_store::PostEdit {
            title: post.title.clone(),
            body: madang_core::PostBody::Html(format!(
                "{}<p>Update: the hearing moved to {day}.</p>",
                post.body_html
            )),
            secret: post.secret,
            links: post.links.clone(),
            staged: Vec::new(),
        };
        site.store()
            .edit_post(id, &edit, actor, jiff::Timestamp::now())
            .await
            .unwrap();
    }
    let newest = site.store().revisions(id).await.unwrap()[0].id;
    (
        format!("{path}/revisions"),
        format!("{path}/revisions/{newest}"),
    )
}

/// The demo site with what the pages need beyond it: a super administrator, signed in,
/// comments (one secret) with a reply on the second Advocacy post, and Korean titles for
/// the menu group and the Advocacy board. Returns the site, the administrator's cookie and
/// the pages to check, in both languages.
async fn site_and_pages() -> (TestSite, String, Vec<Page>) {
    let site = TestSite::demo().await;
    site.member("checker", 10, true).await;
    let admin = site.login("checker").await;
    let list = site.get("/b/advocacy").await.text();
    let posts = common::post_links(&list, "advocacy");
    assert!(
        posts.len() >= 2,
        "the demo's Advocacy board lists {posts:?}"
    );
    // Oldest first on this board: the first post is the one with the PDF attachment.
    let with_file = format!("/b/advocacy/{}", posts[0]);
    let with_comments = format!("/b/advocacy/{}", posts[1]);
    let first = comment(
        &site,
        &admin,
        &with_comments,
        "Thank you for the report.",
        None,
        false,
    )
    .await;
    let reply = "A reply: the statement is attached to the earlier post.";
    comment(&site, &admin, &with_comments, reply, Some(&first), false).await;
    comment(
        &site,
        &admin,
        &with_comments,
        "A note for the editors.",
        None,
        true,
    )
    .await;

    // Two edits of the commented post, for its history and a compared version.
    let (history, compared) = edit_twice(&site, &with_comments).await;

    // Korean titles, typed into the admin forms as staff would.
    let group = site.store().groups().await.unwrap()[0].id;
    let titled = site
        .post_as(
            &format!("/admin/groups/{group}"),
            &admin,
            &[
                ("csrf", &admin.csrf),
                ("title", "Our Work"),
                ("title_ko", "우리의 활동"),
            ],
        )
        .await;
    assert_eq!(titled.status, 303, "group titles: {}", titled.text());

    // A menu link to another site, in every page's menu.
    let linked = site
        .post_as(
            &format!("/admin/groups/{group}/links"),
            &admin,
            &[
                ("csrf", &admin.csrf),
                ("title", "Donate"),
                ("title_ko", "후원하기"),
                ("url", "https://example.org/give?a=1&b=2"),
            ],
        )
        .await;
    assert_eq!(linked.status, 303, "menu link: {}", linked.text());
    let link = site.store().menu_links().await.unwrap()[0].id;

    // A logo in every page's header.
    let logo = site
        .state
        .files()
        .put(axum::body::Bytes::from_static(b"\x89PNG\r\n\x1a\n logo"))
        .await
        .unwrap();
    site.store()
        .set_logo(
            Some(&logo.key),
            madang_store::ActorRef {
                id: None,
                name: "checker",
                ip: "",
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();

    // A content page in the menu, with a Korean version.
    let actor = madang_store::ActorRef {
        id: None,
        name: "checker",
        ip: "",
    };
    let mut about_id = 0;
    for (lang, title, body) in [
        (
            "",
            "About us",
            "<h2>Who we are</h2><p>A human rights centre, since 2009.</p>",
        ),
        (
            "ko",
            "단체 소개",
            "<h2>우리는</h2><p>2009년부터 활동하는 인권 단체입니다.</p>",
        ),
    ] {
        let page = madang_core::page::NewPage {
            slug: "about".into(),
            lang: lang.into(),
            title: title.into(),
            body: madang_core::PostBody::Html(body.into()),
            group_id: Some(group),
            position: 99,
        };
        let id = site
            .store()
            .save_page(None, page, actor, jiff::Timestamp::now())
            .await
            .unwrap();
        if lang.is_empty() {
            about_id = id;
        }
    }

    // A board in each other list style: a compact list, and a gallery with a picture from a
    // body, one from an attachment and placeholders.
    common::styled::styled_boards(&site).await;

    // Open registration, and an invitation (for its form and the administrator's list).
    site.store()
        .set_setting(madang_store::REGISTRATION_SETTING, "open")
        .await
        .unwrap();
    let invitation_token = "c".repeat(64);
    let now = jiff::Timestamp::now().as_second();
    site.store()
        .create_invitation(
            "invitee@example.org",
            madang_core::Level::MEMBER,
            &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                invitation_token.as_bytes(),
            )),
            (now, madang_core::registration::invitation_expiry(now)),
            actor,
        )
        .await
        .unwrap()
        .unwrap();

    // The demo's statement and its Korean translation.
    let translated = site
        .store()
        .translation_links(jiff::Timestamp::now())
        .await
        .unwrap();
    let statement = |lang: &str| {
        let t = translated
            .iter()
            .find(|t| t.lang == lang)
            .expect("demo translation");
        format!("/b/{}/{}", t.board_slug, t.post_id)
    };
    let (statement_en, statement_ko) = (statement("en"), statement("ko"));
    let korean = translated.iter().find(|t| t.lang == "ko").unwrap();
    let translation_form = format!(
        "/b/{}/write?translation_of={}",
        korean.board_slug, korean.post_id
    );

    // A board with its own upload limits: its write form has three file and caption rows
    // and a hint naming two kinds.
    let photos = site.store().board("photos").await.unwrap().unwrap();
    let photo_titles = site
        .store()
        .local_titles()
        .await
        .unwrap()
        .of_board(photos.id);
    let limited = madang_store::BoardSettings {
        uploads: madang_core::uploads::UploadLimits {
            max_files: 3,
            max_file_mb: 5,
            kinds: madang_core::uploads::FileKinds::of(&[
                madang_core::uploads::FileKind::Images,
                madang_core::uploads::FileKind::Pdf,
            ]),
        },
        ..madang_store::BoardSettings::of(&photos, photo_titles)
    };
    let actor = madang_store::ActorRef {
        id: None,
        name: "checker",
        ip: "",
    };
    site.store()
        .update_board(photos.id, &limited, actor, jiff::Timestamp::now())
        .await
        .unwrap();

    // Categories on the Advocacy board, a post in one, a draft and a scheduled post.
    let advocacy = site.store().board("advocacy").await.unwrap().unwrap();
    let advocacy_titles = site
        .store()
        .local_titles()
        .await
        .unwrap()
        .of_board(advocacy.id);
    let with_categories = madang_store::BoardSettings {
        categories: vec!["Statements".into(), "Campaigns".into(), "보도 자료".into()],
        ..madang_store::BoardSettings::of(&advocacy, advocacy_titles)
    };
    site.store()
        .update_board(advocacy.id, &with_categories, actor, jiff::Timestamp::now())
        .await
        .unwrap();
    let now = jiff::Timestamp::now();
    let unpublished = |title: &str, at: jiff::Timestamp| madang_core::NewPost {
        title: title.into(),
        body: madang_core::PostBody::Html("<p>Not yet for readers.</p>".into()),
        author_id: None,
        author_name: "checker".into(),
        lang: None,
        pinned: false,
        secret: false,
        published_at: at,
        links: Vec::new(),
    };
    let mut extra = Vec::new();
    for (title, status, at, category) in [
        (
            "A statement with a category",
            madang_core::PostStatus::Published,
            now,
            "Statements",
        ),
        (
            "A draft statement",
            madang_core::PostStatus::Draft,
            now,
            "Statements",
        ),
        (
            "An embargoed statement",
            madang_core::PostStatus::Published,
            now + jiff::SignedDuration::from_hours(30),
            "Campaigns",
        ),
    ] {
        let options = madang_store::PostOptions {
            status,
            category: category.into(),
            staged: Vec::new(),
        };
        let id = site
            .store()
            .write_post(advocacy.id, &unpublished(title, at), &options, &[], now)
            .await
            .unwrap();
        extra.push(format!("/b/advocacy/{id}"));
    }
    // A Markdown post: its page (headings, a list, a table, a link made from Markdown) and
    // its edit form, with Markdown chosen and the source in the plain box.
    let markdown = madang_core::NewPost {
        body: madang_core::PostBody::Markdown(
            "# Agenda\n\n1. **Opening** remarks\n2. Testimony\n\n## Rooms\n\n\
             | Day | Room |\n|-----|------|\n| Monday | 101 |\n\n\
             See [the report](https://example.org/report) and ~~the draft~~.\n"
                .into(),
        ),
        ..unpublished("Notes written in Markdown", now)
    };
    let markdown = site
        .store()
        .write_post(
            advocacy.id,
            &markdown,
            &madang_store::PostOptions::default(),
            &[],
            now,
        )
        .await
        .unwrap();
    let markdown = format!("/b/advocacy/{markdown}");

    // A reply and a reply to it on the newest-thread-first board: its list shows them
    // indented under their post, and the reply's page links to the post it answers.
    let news = site
        .store()
        .board("bbs_active_news")
        .await
        .unwrap()
        .unwrap();
    let answered = common::post_links(
        &site.get("/b/bbs_active_news").await.text(),
        "bbs_active_news",
    )[0];
    let mut parent = answered;
    for title in ["Re: the statement", "Re: Re: the statement"] {
        parent = site
            .store()
            .write_reply(
                news.id,
                parent,
                &unpublished(title, now),
                &madang_store::PostOptions::default(),
                &[],
                now,
            )
            .await
            .unwrap();
    }
    let reply = format!("/b/bbs_active_news/{parent}");

    let public = [
        ("home", "/".to_owned()),
        (
            "board-category",
            "/b/advocacy?category=Statements".to_owned(),
        ),
        ("post-category", extra[0].clone()),
        ("post-translated", statement_en.clone()),
        ("content-page", "/pages/about".to_owned()),
        // Oldest first (the seed's order), newest thread first, and a board with no posts.
        ("board", "/b/advocacy".to_owned()),
        ("board-threads", "/b/bbs_active_news".to_owned()),
        ("board-empty", "/b/youth".to_owned()),
        ("board-list-style", "/b/notices".to_owned()),
        ("board-gallery", "/b/photos".to_owned()),
        ("post-attachment", with_file.clone()),
        ("post-markdown", markdown.clone()),
        ("post-reply", reply.clone()),
        ("post-comments", with_comments.clone()),
        ("search-results", "/search?q=North+Korea".to_owned()),
        ("search-no-results", "/search?q=xylophone".to_owned()),
        ("search-form", "/search".to_owned()),
        ("login", "/login".to_owned()),
        ("register", "/register".to_owned()),
        ("register-invited", format!("/register/{invitation_token}")),
        ("404", "/no-such-page".to_owned()),
    ];
    let staff = [
        ("admin", "/admin".to_owned()),
        ("admin-board", "/admin/boards/advocacy".to_owned()),
        ("admin-board-gallery", "/admin/boards/photos".to_owned()),
        ("admin-group", format!("/admin/groups/{group}")),
        ("admin-menu-link", format!("/admin/links/{link}")),
        (
            "admin-menu-link-new",
            format!("/admin/groups/{group}/links/new"),
        ),
        ("admin-audit", "/admin/audit".to_owned()),
        ("admin-redirects", "/admin/redirects".to_owned()),
        ("admin-pages", "/admin/pages".to_owned()),
        ("admin-page", format!("/admin/pages/{about_id}")),
        ("admin-invitations", "/admin/invitations".to_owned()),
        ("write", "/b/advocacy/write".to_owned()),
        ("write-limited", "/b/photos/write".to_owned()),
        // The edit form, with a caption field for the stored attachment.
        ("edit-with-file", format!("{with_file}/edit")),
        ("post-staff", with_comments),
        ("post-history", history),
        ("post-revision", compared),
        ("post-translated-staff", statement_ko.clone()),
        ("write-translation", translation_form),
        ("drafts", "/drafts".to_owned()),
        ("post-draft", extra[1].clone()),
        ("post-scheduled", extra[2].clone()),
        ("edit-scheduled", format!("{}/edit", extra[2])),
        ("edit-markdown", format!("{markdown}/edit")),
        ("reply-form", format!("/b/bbs_active_news/{answered}/reply")),
        ("post-reply-staff", reply),
    ];
    let mut pages = Vec::new();
    for (lang, prefix) in [("en", ""), ("ko", "/ko")] {
        for (list, signed_in) in [(&public[..], false), (&staff[..], true)] {
            for (name, path) in list.iter() {
                pages.push(Page {
                    name: format!("{lang}-{name}"),
                    path: format!("{prefix}{path}"),
                    signed_in,
                });
            }
        }
    }
    (site, admin.cookie, pages)
}

// ---------------------------------------------------------------------------------------
// The Nu HTML Checker.

/// Runs vnu.jar once over every saved page; returns the errors as "page: line N: message"
/// and prints the warnings.
fn nu_errors(tools: &Tools, files: &[(String, PathBuf)]) -> Vec<String> {
    let output = Command::new(&tools.java)
        .arg("-jar")
        .arg(&tools.vnu_jar)
        // On standard output, apart from anything Java itself says on standard error.
        .args(["--format", "json", "--stdout"])
        .args(files.iter().map(|(_, path)| path))
        .output()
        .expect("run java -jar vnu.jar");
    // vnu exits 1 when it found errors: the report says which.
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "vnu.jar printed no JSON report ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let name_of = |url: &str| {
        files
            .iter()
            .find(|(_, path)| url.ends_with(&*path.to_string_lossy()))
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| url.to_owned())
    };
    eprintln!(
        "the Nu HTML Checker {}",
        report["version"].as_str().unwrap_or("?")
    );
    let mut errors = Vec::new();
    for message in report["messages"].as_array().expect("vnu's messages") {
        let line = format!(
            "{}: line {}: {} [{}]",
            name_of(message["url"].as_str().unwrap_or("?")),
            message["lastLine"].as_u64().unwrap_or(0),
            message["message"].as_str().unwrap_or("?"),
            message["extract"].as_str().unwrap_or("").trim()
        );
        if message["type"] == "info" {
            eprintln!("vnu warning: {line}");
        } else {
            // "error", and "non-document-error" (a file vnu could not read).
            errors.push(line);
        }
    }
    errors
}

// ---------------------------------------------------------------------------------------
// axe-core in Chromium.

/// Loads each page in one tab (anonymous pages first, then the cookie is set), injects
/// axe-core and runs the WCAG 2.2 A/AA rules in the light and the dark colour scheme.
/// Returns the violations as "page (scheme): rule (impact): help — targets"; prints the rules
/// whose result axe leaves to a person ("incomplete", such as contrast over an image).
async fn axe_violations(tools: &Tools, origin: &str, cookie: &str, pages: &[Page]) -> Vec<String> {
    let axe = std::fs::read_to_string(&tools.axe_js).expect("read axe.min.js");
    let run = format!(
        "axe.run(document, {{runOnly: {{type: 'tag', values: {WCAG_TAGS}}}, resultTypes: ['violations']}})\
         .then(r => ({{review: r.incomplete.map(v => v.id), \
         violations: r.violations.map(v => ({{id: v.id, impact: v.impact, help: v.help, \
         targets: v.nodes.map(n => n.target.join(' '))}}))}}))"
    );
    let chromium = browser::Chromium::start(&tools.chromium);
    let cdp = browser::Cdp::connect(&chromium.ws_url).await;
    let mut tab = cdp.tab().await;
    let mut found = Vec::new();
    let mut review: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut signed_in = false;
    let mut order: Vec<&Page> = pages.iter().filter(|p| !p.signed_in).collect();
    order.extend(pages.iter().filter(|p| p.signed_in));
    for page in order {
        if page.signed_in && !signed_in {
            tab.set_cookie(origin, cookie).await;
            signed_in = true;
        }
        if let Err(e) = tab.open(&format!("{origin}{}", page.path)).await {
            found.push(format!("{}: {e}", page.name));
            continue;
        }
        // Closed <details> (the comment reply forms) hide their content from axe: open them.
        tab.eval("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            .await
            .expect("open the details");
        tab.eval(&axe).await.expect("inject axe-core");
        // Asking for the version proves the injection worked before any rule runs.
        let version = tab.eval("axe.version").await.expect("axe.version");
        assert!(version.is_string(), "axe-core is not in {}", page.path);
        if !signed_in && page.name == pages[0].name {
            eprintln!("axe-core {}", version.as_str().unwrap_or("?"));
        }
        for dark in [false, true] {
            tab.prefer_dark(dark).await;
            let scheme = if dark { "dark" } else { "light" };
            let result = match tab.eval(&run).await {
                Ok(v) => v,
                Err(e) => {
                    found.push(format!("{} ({scheme}): axe did not run: {e}", page.name));
                    continue;
                }
            };
            for rule in result["review"].as_array().expect("axe's incomplete") {
                let pages = review.entry(rule.as_str().unwrap_or("?").to_owned());
                pages.or_default().push(format!("{} ({scheme})", page.name));
            }
            for v in result["violations"].as_array().expect("axe's violations") {
                found.push(format!(
                    "{} ({scheme}): {} ({}): {} — {}",
                    page.name,
                    v["id"].as_str().unwrap_or("?"),
                    v["impact"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or("?"),
                    v["targets"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        tab.prefer_dark(false).await;
    }
    drop(chromium);
    for (rule, pages) in review {
        eprintln!(
            "axe-core leaves {rule} to a person on: {}",
            pages.join(", ")
        );
    }
    found
}

// ---------------------------------------------------------------------------------------
// The sitemap against its schemas.

/// Validates `sitemap` with xmllint, offline: a schema that imports the sitemap and the
/// XHTML namespaces, and a catalog that maps the XHTML schema's `xml.xsd` import (a W3C
/// address) to the copy beside it. Returns xmllint's complaint, if any.
fn sitemap_problem(tools: &Tools, dir: &Path, sitemap: &[u8]) -> Option<String> {
    let url = |path: &Path| format!("file://{}", path.display());
    let xml_xsd = tools
        .xhtml_xsd
        .parent()
        .and_then(Path::parent)
        .map(|schemas| schemas.join("XML/xml.xsd"))
        .filter(|p| p.is_file())
        .expect("xml.xsd beside the XHTML schema (XML/xml.xsd)");
    let schema = dir.join("sitemap-all.xsd");
    std::fs::write(
        &schema,
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="http://www.sitemaps.org/schemas/sitemap/0.9" schemaLocation="{}"/>
  <xs:import namespace="http://www.w3.org/1999/xhtml" schemaLocation="{}"/>
</xs:schema>
"#,
            url(&tools.sitemap_xsd),
            url(&tools.xhtml_xsd)
        ),
    )
    .unwrap();
    let catalog = dir.join("catalog.xml");
    std::fs::write(
        &catalog,
        format!(
            r#"<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <uri name="http://www.w3.org/2001/xml.xsd" uri="{0}"/>
  <system systemId="http://www.w3.org/2001/xml.xsd" uri="{0}"/>
</catalog>
"#,
            url(&xml_xsd)
        ),
    )
    .unwrap();
    let file = dir.join("sitemap.xml");
    std::fs::write(&file, sitemap).unwrap();
    let output = Command::new(&tools.xmllint)
        .env("XML_CATALOG_FILES", &catalog)
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("run xmllint");
    (!output.status.success()).then(|| String::from_utf8_lossy(&output.stderr).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_pass_the_nu_html_checker_and_axe_core_and_the_sitemap_its_schema() {
    let tools = match tools() {
        Ok(tools) => tools,
        Err(missing) => {
            let list = missing.join(", ");
            if std::env::var_os("CI").is_some() {
                panic!("the checkers are missing and CI is set: {list} (see .ci/run)");
            }
            eprintln!("SKIPPED: the checkers are missing: {list} (.ci/run installs them)");
            return;
        }
    };
    let started = Instant::now();
    let (site, cookie, pages) = site_and_pages().await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let app = madang_web::app(site.state.clone());
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let origin = format!("http://{addr}");

    // The markup as served, with the Host the browser sends, saved for vnu.
    let dir = site.dir.join("checked");
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for page in &pages {
        let mut request = Request::get(&page.path).header("host", addr.to_string());
        if page.signed_in {
            request = request.header("cookie", &cookie);
        }
        let served = site.send(request.body(Body::empty()).unwrap()).await;
        let expected = if page.name.ends_with("-404") {
            404
        } else {
            200
        };
        assert_eq!(served.status, expected, "{} ({})", page.name, page.path);
        let file = dir.join(format!("{}.html", page.name));
        std::fs::write(&file, &served.body).unwrap();
        files.push((page.name.clone(), file));
    }
    let sitemap = Request::get("/sitemap.xml").header("host", addr.to_string());
    let sitemap = site.send(sitemap.body(Body::empty()).unwrap()).await;
    assert_eq!(sitemap.status, 200);

    let timer = Instant::now();
    let nu = nu_errors(&tools, &files);
    let nu_took = timer.elapsed();
    let timer = Instant::now();
    let axe = axe_violations(&tools, &origin, &cookie, &pages).await;
    let axe_took = timer.elapsed();
    server.abort();
    let sitemap_problem = sitemap_problem(&tools, &dir, &sitemap.body);

    eprintln!(
        "checked {} pages: vnu {:.1}s, axe-core in Chromium {:.1}s, total {:.1}s",
        pages.len(),
        nu_took.as_secs_f64(),
        axe_took.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    let mut report = Vec::new();
    if !nu.is_empty() {
        report.push(format!(
            "the Nu HTML Checker found {} error(s):\n  {}",
            nu.len(),
            nu.join("\n  ")
        ));
    }
    if !axe.is_empty() {
        report.push(format!(
            "axe-core found {} WCAG 2.2 A/AA violation(s):\n  {}",
            axe.len(),
            axe.join("\n  ")
        ));
    }
    if let Some(problem) = sitemap_problem {
        report.push(format!("/sitemap.xml does not validate:\n{problem}"));
    }
    // On failure, keep the pages for a closer look (finish() removes the site's folder).
    let kept = std::env::temp_dir().join("madang-checked-pages");
    if !report.is_empty() {
        let _ = std::fs::remove_dir_all(&kept);
        let _ = std::fs::rename(&dir, &kept);
    }
    site.finish().await;
    assert!(
        report.is_empty(),
        "{}\n(the checked pages are in {})",
        report.join("\n\n"),
        kept.display()
    );
}
