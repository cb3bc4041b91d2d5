//! Staff over HTTP: signing in, permissions, writing with files, copy/move, audit.

mod common;

use common::{TestSite, redirected_post};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

#[tokio::test]
async fn signing_in_and_out() {
    let site = TestSite::demo().await;
    site.member("writer", 2, false).await;
    let wrong = site
        .post_form(
            "/login",
            &[("login", "writer"), ("password", "nope nope nope")],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.text().contains("The login or the password is wrong."));
    assert!(wrong.header("set-cookie").is_empty());
    let unknown = site
        .post_form("/login", &[("login", "ghost"), ("password", "whatever12")])
        .await;
    assert_eq!(unknown.status, 401);

    let page = site
        .post_form(
            "/login",
            &[
                ("login", "WRITER"),
                ("password", "correct horse battery"),
                ("next", "/b/advocacy"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(page.header("location"), "/b/advocacy");
    let cookie = page.header("set-cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // An open redirect is refused.
    let evil = site
        .post_form(
            "/login",
            &[
                ("login", "writer"),
                ("password", "correct horse battery"),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(evil.header("location"), "/");
    assert_ne!(
        evil.header("set-cookie"),
        cookie,
        "a new session id at every sign-in"
    );

    let browser = site.login("writer").await;
    assert!(
        site.get_as("/", &browser.cookie)
            .await
            .text()
            .contains(">writer</span>")
    );
    // Logging out needs the token; then the cookie is worthless.
    let forged = site
        .post_as("/logout", &browser, &[("csrf", "forged")])
        .await;
    assert_eq!(forged.status, 403);
    let out = site
        .post_as("/logout", &browser, &[("csrf", &browser.csrf)])
        .await;
    assert_eq!(out.status, 303);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    assert!(
        !site
            .get_as("/", &browser.cookie)
            .await
            .text()
            .contains(">writer</span>")
    );

    let audit = site.store().audit_log(100).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "login.failure" && e.target == "login:writer")
    );
    assert!(
        audit
            .iter()
            .any(|e| e.action == "login.success" && e.actor_name == "writer")
    );
    site.finish().await;
}

#[tokio::test]
async fn five_failures_pause_logins_for_the_account() {
    let site = TestSite::empty().await;
    site.member("target", 2, false).await;
    for _ in 0..5 {
        let page = site
            .post_form(
                "/login",
                &[("login", "target"), ("password", "guess guess")],
            )
            .await;
        assert_eq!(page.status, 401);
    }
    // Even the right password is refused now, with a clear message.
    let page = site
        .post_form(
            "/login",
            &[("login", "target"), ("password", "correct horse battery")],
        )
        .await;
    assert_eq!(page.status, 429);
    assert!(page.text().contains("Too many failed attempts"));
    assert!(page.header("set-cookie").is_empty());
    site.finish().await;
}

#[tokio::test]
async fn who_may_write_where() {
    let site = TestSite::demo().await;
    let member = site.member("member", 2, false).await;
    let board_admin = site.member("boardadmin", 2, false).await;
    let advocacy = site.store().board("advocacy").await.unwrap().unwrap();
    site.store()
        .add_board_admin(advocacy.id, board_admin.id, (None, "test"), 0)
        .await
        .unwrap();

    // Guests and plain members (level 2 < the board's 8) may not write.
    assert_eq!(site.get("/b/advocacy/write").await.status, 403);
    let m = site.login("member").await;
    assert_eq!(
        site.get_as("/b/advocacy/write", &m.cookie).await.status,
        403
    );
    let denied = site
        .post_multipart(
            "/b/advocacy/write",
            &m,
            &[("csrf", &m.csrf), ("title", "x"), ("body", "y")],
            &[],
        )
        .await;
    assert_eq!(denied.status, 403);

    // The board's administrator may, and may pin; not on another board.
    let a = site.login("boardadmin").await;
    assert_eq!(
        site.get_as("/b/advocacy/write", &a.cookie).await.status,
        200
    );
    assert_eq!(site.get_as("/b/youth/write", &a.cookie).await.status, 403);
    let created = site
        .post_multipart(
            "/b/advocacy/write",
            &a,
            &[
                ("csrf", &a.csrf),
                ("title", "Appeal for the nine"),
                ("body", "<p>Act now <script>alert(1)</script></p>"),
                ("format", "html"),
                ("pinned", "1"),
            ],
            &[("appeal.pdf", PDF)],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text());
    let id = redirected_post(&created, "advocacy");
    let page = site.get(&format!("/b/advocacy/{id}")).await.text();
    assert!(page.contains("<p>Act now </p>"), "sanitised on save");
    // The only script element is the JSON-LD data block, never the user's script.
    assert!(!page.contains("alert(1)"));
    assert_eq!(
        page.matches("<script").count(),
        page.matches("<script type=\"application/ld+json\">")
            .count()
    );
    assert!(page.contains(">appeal.pdf</a>"));
    let list = site.get("/b/advocacy").await.text();
    assert!(
        list.find("Appeal for the nine").unwrap() < list.find("NKHR Advocacy").unwrap(),
        "pinned first"
    );

    // Without the token nothing is written.
    let no_token = site
        .post_multipart(
            "/b/advocacy/write",
            &a,
            &[("title", "forged"), ("body", "x")],
            &[],
        )
        .await;
    assert_eq!(no_token.status, 403);
    assert!(!site.get("/b/advocacy").await.text().contains("forged"));
    let _ = member;
    site.finish().await;
}

#[tokio::test]
async fn uploads_are_checked_by_content() {
    let site = TestSite::demo().await;
    site.member("boss", 10, true).await;
    let b = site.login("boss").await;
    let before = site
        .store()
        .board("advocacy")
        .await
        .unwrap()
        .unwrap()
        .post_count;
    for (name, bytes) in [
        (
            "statement.pdf",
            &b"<html><script>alert(1)</script></html>"[..],
        ),
        (
            "image.svg",
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"[..],
        ),
        ("run.exe", &b"MZ\x90\x00"[..]),
    ] {
        let page = site
            .post_multipart(
                "/b/advocacy/write",
                &b,
                &[
                    ("csrf", &b.csrf),
                    ("title", "with a bad file"),
                    ("body", "x"),
                ],
                &[(name, bytes)],
            )
            .await;
        assert_eq!(page.status, 422, "{name}");
        assert!(page.text().contains("not an allowed type"), "{name}");
        assert!(
            page.text().contains("value=\"with a bad file\""),
            "the form keeps what was typed"
        );
    }
    assert_eq!(
        site.store()
            .board("advocacy")
            .await
            .unwrap()
            .unwrap()
            .post_count,
        before,
        "nothing saved"
    );
    // A path in the file name is dropped; the bytes come back identical.
    let ok = site
        .post_multipart(
            "/b/advocacy/write",
            &b,
            &[("csrf", &b.csrf), ("title", "files"), ("body", "x")],
            &[("../../etc/성명서.pdf", PDF)],
        )
        .await;
    let id = redirected_post(&ok, "advocacy");
    let attachments = site.store().attachments(id).await.unwrap();
    assert_eq!(attachments[0].name, "성명서.pdf");
    let download = site
        .get(&format!("/b/advocacy/{id}/files/{}", attachments[0].id))
        .await;
    assert_eq!(download.body, PDF);
    assert!(
        download
            .header("content-disposition")
            .contains("filename*=UTF-8''%EC%84%B1%EB%AA%85%EC%84%9C.pdf")
    );
    site.finish().await;
}

#[tokio::test]
async fn copy_and_move_need_both_boards_and_share_files() {
    let site = TestSite::demo().await;
    let staff = site.member("staff", 2, false).await;
    let advocacy = site.store().board("advocacy").await.unwrap().unwrap();
    let youth = site.store().board("youth").await.unwrap().unwrap();
    let rescue = site.store().board("rescue").await.unwrap().unwrap();
    site.store()
        .add_board_admin(advocacy.id, staff.id, (None, "test"), 0)
        .await
        .unwrap();
    site.store()
        .add_board_admin(youth.id, staff.id, (None, "test"), 0)
        .await
        .unwrap();
    let s = site.login("staff").await;
    let created = site
        .post_multipart(
            "/b/advocacy/write",
            &s,
            &[
                ("csrf", &s.csrf),
                ("title", "Seminar notice"),
                ("body", "<p>Join us</p>"),
            ],
            &[("notice.pdf", PDF)],
        )
        .await;
    let id = redirected_post(&created, "advocacy");

    // Into a board the actor does not administer: refused, nothing written.
    let target = rescue.id.to_string();
    let refused = site
        .post_as(
            &format!("/b/advocacy/{id}/transfer"),
            &s,
            &[("csrf", &s.csrf), ("mode", "copy"), ("target", &target)],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        site.store()
            .board("rescue")
            .await
            .unwrap()
            .unwrap()
            .post_count,
        0
    );
    // The form lists only the actor's boards.
    let form = site
        .get_as(&format!("/b/advocacy/{id}/transfer"), &s.cookie)
        .await
        .text();
    assert!(form.contains(&format!("value=\"{}\"", youth.id)));
    assert!(!form.contains(&format!("value=\"{}\"", rescue.id)));

    // Copy to two boards at once (its own board included).
    let (a, y) = (advocacy.id.to_string(), youth.id.to_string());
    let copied = site
        .post_as(
            &format!("/b/advocacy/{id}/transfer"),
            &s,
            &[
                ("csrf", &s.csrf),
                ("mode", "copy"),
                ("target", &y),
                ("target", &a),
            ],
        )
        .await;
    assert_eq!(copied.status, 303);
    let copy_id = redirected_post(&copied, "youth");
    let copy_page = site.get(&format!("/b/youth/{copy_id}")).await.text();
    assert!(copy_page.contains("에서 복사 됨]") && copy_page.contains("advocacy에서"));
    let original_files = site.store().attachments(id).await.unwrap();
    let copy_files = site.store().attachments(copy_id).await.unwrap();
    assert_eq!(
        copy_files[0].storage_key, original_files[0].storage_key,
        "stored once, shared"
    );
    assert_eq!(
        site.get(&format!("/b/youth/{copy_id}/files/{}", copy_files[0].id))
            .await
            .body,
        PDF
    );
    let copies = site
        .store()
        .audit_log(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "post.copy")
        .count();
    assert_eq!(copies, 3, "the demo's copy and one line per target");

    // Move: the source is gone, the target has it, counts follow.
    let moved = site
        .post_as(
            &format!("/b/advocacy/{id}/transfer"),
            &s,
            &[("csrf", &s.csrf), ("mode", "move"), ("target", &y)],
        )
        .await;
    let moved_id = redirected_post(&moved, "youth");
    assert_eq!(site.get(&format!("/b/advocacy/{id}")).await.status, 404);
    assert!(
        site.get(&format!("/b/youth/{moved_id}"))
            .await
            .text()
            .contains("에서 이동 됨]")
    );
    assert_eq!(
        site.store()
            .board("youth")
            .await
            .unwrap()
            .unwrap()
            .post_count,
        2
    );
    let provenance = site.store().provenance(moved_id).await.unwrap();
    assert_eq!(provenance[0].source_post_id, Some(id));
    assert_eq!(provenance[0].actor_name, "staff");
    site.finish().await;
}

#[tokio::test]
async fn secret_posts_delete_restore_edit_and_the_audit_page() {
    let site = TestSite::demo().await;
    site.member("boss", 10, true).await;
    site.member("author", 8, false).await;
    site.member("other", 8, false).await;
    let author = site.login("author").await;
    let created = site
        .post_multipart(
            "/b/advocacy/write",
            &author,
            &[
                ("csrf", &author.csrf),
                ("title", "Testimony"),
                ("body", "private words"),
                ("format", "text"),
                ("secret", "1"),
            ],
            &[],
        )
        .await;
    let id = redirected_post(&created, "advocacy");
    let path = format!("/b/advocacy/{id}");
    assert_eq!(site.get(&path).await.status, 403);
    let other = site.login("other").await;
    assert_eq!(site.get_as(&path, &other.cookie).await.status, 403);
    assert!(
        site.get_as(&path, &author.cookie)
            .await
            .text()
            .contains("private words")
    );
    let boss = site.login("boss").await;
    assert_eq!(site.get_as(&path, &boss.cookie).await.status, 200);
    assert!(
        !site
            .get("/b/advocacy")
            .await
            .text()
            .contains("private words"),
        "no excerpt of a secret post"
    );

    // Another member may not edit or delete it; the author may edit, which keeps a revision.
    assert_eq!(
        site.get_as(&format!("{path}/edit"), &other.cookie)
            .await
            .status,
        403
    );
    assert_eq!(
        site.post_as(&format!("{path}/delete"), &other, &[("csrf", &other.csrf)])
            .await
            .status,
        403
    );
    let edited = site
        .post_multipart(
            &format!("{path}/edit"),
            &author,
            &[
                ("csrf", &author.csrf),
                ("title", "Testimony (edited)"),
                ("body", "new words"),
                ("format", "text"),
                ("secret", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(edited.status, 303);
    assert_eq!(site.store().revision_count(id).await.unwrap(), 1);

    // Deleting hides it; the administrator restores it.
    assert_eq!(
        site.post_as(
            &format!("{path}/delete"),
            &author,
            &[("csrf", &author.csrf)]
        )
        .await
        .status,
        303
    );
    assert_eq!(site.get_as(&path, &author.cookie).await.status, 404);
    assert_eq!(
        site.post_as(
            &format!("{path}/restore"),
            &author,
            &[("csrf", &author.csrf)]
        )
        .await
        .status,
        403
    );
    assert_eq!(
        site.post_as(&format!("{path}/restore"), &boss, &[("csrf", &boss.csrf)])
            .await
            .status,
        303
    );
    assert!(
        site.get_as(&path, &author.cookie)
            .await
            .text()
            .contains("new words")
    );

    // The audit page: the super administrator only.
    assert_eq!(
        site.get_as("/admin/audit", &author.cookie).await.status,
        403
    );
    let audit = site
        .get_as("/admin/audit?action=post.", &boss.cookie)
        .await
        .text();
    for action in ["post.create", "post.edit", "post.delete", "post.restore"] {
        assert!(
            audit.contains(&format!("<td>{action}</td>")),
            "{action} is in the log"
        );
    }
    assert!(
        !audit.contains("<td>login.success</td>"),
        "the filter applies"
    );
    site.finish().await;
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let site = TestSite::demo().await;
    site.member("boss", 10, true).await;
    let b = site.login("boss").await;
    let request = axum::http::Request::post("/b/advocacy/1/pin")
        .header("cookie", &b.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .header("host", "127.0.0.1:8080")
        .body(axum::body::Body::from(format!("csrf={}", b.csrf)))
        .unwrap();
    assert_eq!(site.send(request).await.status, 403);
    let request = axum::http::Request::post("/b/advocacy/1/pin")
        .header("cookie", &b.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::from(format!("csrf={}", b.csrf)))
        .unwrap();
    assert_eq!(site.send(request).await.status, 403);
    assert!(
        site.store()
            .audit_log(100)
            .await
            .unwrap()
            .iter()
            .all(|e| e.action != "post.pin")
    );
    site.finish().await;
}
