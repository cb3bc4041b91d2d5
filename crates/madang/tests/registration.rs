//! Registration over HTTP: closed by default, open to anyone, or by invitation; the form's
//! rules, duplicates, its token and its rate limit; invitations used once, revoked, expired.
//! (Mail is in mail.rs.)

mod common;

use axum::body::Body;
use axum::http::Request;
use common::{Browser, Page, TestSite, between};

/// A visitor's browser on the registration form: its form cookie and the form's token.
struct Visitor {
    cookie: String,
    csrf: String,
}

/// Opens a registration form (it must be there) the way a browser does.
async fn open_form(site: &TestSite, path: &str) -> Visitor {
    let page = site.get(path).await;
    assert_eq!(page.status, 200, "{path}: {}", page.text());
    let cookie = page
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("madang_form="), "{cookie}");
    let text = page.text();
    let csrf = between(&text, "name=\"csrf\" value=\"", "\"")
        .unwrap()
        .to_owned();
    Visitor { cookie, csrf }
}

/// Posts a form with a cookie (and no session).
async fn post_with(site: &TestSite, path: &str, cookie: &str, form: &[(&str, &str)]) -> Page {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    site.send(
        Request::post(path)
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// Submits the registration form at `path` as `visitor`.
async fn register(
    site: &TestSite,
    path: &str,
    visitor: &Visitor,
    (login, nickname, email, password): (&str, &str, &str, &str),
) -> Page {
    post_with(
        site,
        path,
        &visitor.cookie,
        &[
            ("csrf", &visitor.csrf),
            ("login", login),
            ("nickname", nickname),
            ("email", email),
            ("password", password),
            ("password_again", password),
        ],
    )
    .await
}

/// The super administrator sets the registration mode in the site settings.
async fn set_mode(site: &TestSite, admin: &Browser, mode: &str) {
    let saved = site
        .post_as(
            "/admin/settings",
            admin,
            &[
                ("csrf", &admin.csrf),
                ("site_name", "NKHR"),
                ("registration", mode),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
}

async fn site_with_admin() -> (TestSite, Browser) {
    let site = TestSite::demo().await;
    site.member("boss", 10, true).await;
    let admin = site.login("boss").await;
    (site, admin)
}

/// A refused registration: where, what was typed, the status and what the page says.
type Case<'a> = (&'a str, (&'a str, &'a str, &'a str, &'a str), u16, &'a str);

async fn member_count(site: &TestSite) -> i64 {
    site.store().member_count().await.unwrap()
}

/// Invites `email` at `level` from the admin page (no mail: the page shows the link) and
/// returns the link's path.
async fn invite(site: &TestSite, admin: &Browser, email: &str, level: &str) -> String {
    let page = site
        .post_as(
            "/admin/invitations",
            admin,
            &[
                ("csrf", &admin.csrf),
                ("email", email),
                ("level", level),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    let text = page.text();
    assert!(
        text.contains(&format!("Pass this link on to {email}")),
        "{text}"
    );
    let link = between(&text, "<code class=\"link-to-pass\">", "</code>").unwrap();
    let path = &link[link.find("/register/").expect("a registration link")..];
    assert_eq!(path.len(), "/register/".len() + 64, "{path}");
    path.to_owned()
}

#[tokio::test]
async fn registration_is_closed_by_default() {
    let site = TestSite::demo().await;
    let before = member_count(&site).await;
    let invited = format!("/register/{}", "a".repeat(64));
    for (path, says) in [
        ("/register", "This site does not take new registrations."),
        ("/ko/register", "이 사이트는 회원 가입을 받지 않습니다."),
        (invited.as_str(), "does not take new registrations"),
    ] {
        let page = site.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        let text = page.text();
        assert!(text.contains(says), "{path}: {text}");
        assert!(!text.contains("name=\"password\""), "no form on {path}");
    }
    let visitor = Visitor {
        cookie: format!("madang_form={}", "b".repeat(64)),
        csrf: "b".repeat(64),
    };
    let refused = register(
        &site,
        "/register",
        &visitor,
        ("newcomer", "Newcomer", "new@example.org", "long enough 1"),
    )
    .await;
    assert_eq!(refused.status, 404);
    assert_eq!(member_count(&site).await, before, "nothing was created");
    assert!(!site.get("/login").await.text().contains("/register"));
    site.finish().await;
}

#[tokio::test]
async fn open_registration_makes_a_level_2_member_who_can_sign_in() {
    let (site, admin) = site_with_admin().await;
    set_mode(&site, &admin, "open").await;
    let audit = site.store().audit_log(20).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "setting.change"
            && e.target == "setting:registration"
            && e.detail == " → open"),
        "the mode change is audited"
    );
    assert!(
        site.get("/login")
            .await
            .text()
            .contains("href=\"/register\"")
    );
    assert!(
        site.get("/ko/login")
            .await
            .text()
            .contains("href=\"/ko/register\"")
    );

    let visitor = open_form(&site, "/register").await;
    let done = register(
        &site,
        "/register",
        &visitor,
        ("newcomer", " 새 회원 ", "New@Example.org", "long enough 1"),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("Your account newcomer was created."));
    let member = site
        .store()
        .member_by_login("newcomer")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member.level.get(), 2);
    assert!(!member.is_super_admin);
    assert_eq!(member.nickname, "새 회원");
    assert_eq!(member.email, "New@Example.org");
    let signed_in = site
        .post_form(
            "/login",
            &[("login", "newcomer"), ("password", "long enough 1")],
        )
        .await;
    assert_eq!(signed_in.status, 303);
    let audit = site.store().audit_log(20).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "member.register")
        .expect("audited");
    assert_eq!(entry.actor_id, Some(member.id));
    assert_eq!(entry.detail, "login=newcomer level=2 via=open");

    // A signed-in member gets no form, and cannot post one.
    let browser = site.login("boss").await;
    let page = site.get_as("/register", &browser.cookie).await;
    assert!(page.text().contains("You are logged in as boss"));
    assert!(!page.text().contains("name=\"password\""));
    site.finish().await;
}

#[tokio::test]
async fn duplicates_and_broken_forms_are_refused_with_a_message_and_change_nothing() {
    let (site, admin) = site_with_admin().await;
    set_mode(&site, &admin, "open").await;
    let hash = madang_core::password::hash("correct horse battery").unwrap();
    site.store()
        .create_member(
            &madang_store::NewMember {
                login: "Kim_Staff",
                nickname: "Kim",
                email: "Kim@NKHR.example",
                password_hash: &hash,
                level: madang_core::Level::new(5).unwrap(),
                is_super_admin: false,
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let before = member_count(&site).await;
    let visitor = open_form(&site, "/register").await;
    let cases: [Case; 7] = [
        (
            "/register",
            (
                "kim_staff",
                "Another Kim",
                "other@example.org",
                "long enough 1",
            ),
            409,
            "That login is taken.",
        ),
        (
            "/register",
            ("kimlee", "Kim Lee", "kim@nkhr.EXAMPLE", "long enough 1"),
            409,
            "An account with that e-mail address exists already.",
        ),
        (
            "/ko/register",
            ("kimlee", "Kim Lee", "kim@nkhr.example", "long enough 1"),
            409,
            "이 이메일 주소로 만든 계정이 이미 있습니다.",
        ),
        (
            "/register",
            ("kimlee", "Kim Lee", "kim at example", "long enough 1"),
            422,
            "That does not look like an e-mail address.",
        ),
        (
            "/register",
            ("kimlee", "Kim Lee", "lee@example.org", "short"),
            422,
            "at least 8 characters",
        ),
        (
            "/register",
            ("admin", "Kim Lee", "lee@example.org", "long enough 1"),
            422,
            "That name is kept for the",
        ),
        (
            "/register",
            ("kim lee", "Kim Lee", "lee@example.org", "long enough 1"),
            422,
            "A login is 3 to 20 letters",
        ),
    ];
    for (path, fields, status, says) in cases {
        let page = register(&site, path, &visitor, fields).await;
        assert_eq!(page.status.as_u16(), status, "{fields:?}");
        let text = page.text();
        assert!(text.contains(says), "{fields:?}: {text}");
        // The form comes back as typed, passwords aside.
        assert!(text.contains("value=\"Kim Lee\"") || fields.1 != "Kim Lee");
        assert!(!text.contains("long enough 1"));
    }
    // The two passwords must match.
    let mismatch = post_with(
        &site,
        "/register",
        &visitor.cookie,
        &[
            ("csrf", &visitor.csrf),
            ("login", "kimlee"),
            ("nickname", "Kim Lee"),
            ("email", "lee@example.org"),
            ("password", "long enough 1"),
            ("password_again", "long enough 2"),
        ],
    )
    .await;
    assert_eq!(mismatch.status, 422);
    assert!(mismatch.text().contains("The two passwords differ."));
    assert_eq!(member_count(&site).await, before, "nothing was created");
    let audit = site.store().audit_log(50).await.unwrap();
    assert!(!audit.iter().any(|e| e.action == "member.register"));
    site.finish().await;
}

#[tokio::test]
async fn a_registration_without_the_form_token_is_refused() {
    let (site, admin) = site_with_admin().await;
    set_mode(&site, &admin, "open").await;
    let before = member_count(&site).await;
    let visitor = open_form(&site, "/register").await;
    let fields = ("forged", "Forged", "forged@example.org", "long enough 1");
    // No cookie, a wrong token, no token, another browser's cookie.
    let other = open_form(&site, "/register").await;
    assert_ne!(other.cookie, visitor.cookie);
    for (cookie, csrf) in [
        ("", visitor.csrf.as_str()),
        (visitor.cookie.as_str(), "0".repeat(64).as_str()),
        (visitor.cookie.as_str(), ""),
        (other.cookie.as_str(), visitor.csrf.as_str()),
    ] {
        let forged = Visitor {
            cookie: cookie.to_owned(),
            csrf: csrf.to_owned(),
        };
        let page = register(&site, "/register", &forged, fields).await;
        assert_eq!(page.status, 403, "cookie {cookie:?}, token {csrf:?}");
    }
    // A page on another site cannot post it either, token or not.
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("csrf", visitor.csrf.as_str()),
            ("login", "forged"),
            ("nickname", "Forged"),
            ("email", "forged@example.org"),
            ("password", "long enough 1"),
            ("password_again", "long enough 1"),
        ])
        .finish();
    let cross = site
        .send(
            Request::post("/register")
                .header("cookie", &visitor.cookie)
                .header("sec-fetch-site", "cross-site")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(cross.status, 403);
    // A signed-in member has an account already.
    let page = site
        .post_as(
            "/register",
            &admin,
            &[
                ("csrf", &admin.csrf),
                ("login", "forged"),
                ("nickname", "Forged"),
                ("email", "forged@example.org"),
                ("password", "long enough 1"),
                ("password_again", "long enough 1"),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(member_count(&site).await, before);
    // The real form still works.
    let done = register(&site, "/register", &visitor, fields).await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert_eq!(member_count(&site).await, before + 1);
    site.finish().await;
}

#[tokio::test]
async fn registering_is_paused_after_ten_attempts_from_one_address() {
    let (site, admin) = site_with_admin().await;
    set_mode(&site, &admin, "open").await;
    let visitor = open_form(&site, "/register").await;
    for i in 0..madang_core::registration::MAX_ATTEMPTS {
        let login = format!("try{i}");
        let page = register(
            &site,
            "/register",
            &visitor,
            (&login, "T", "bad", "long enough 1"),
        )
        .await;
        assert_eq!(page.status, 422);
    }
    let before = member_count(&site).await;
    let paused = register(
        &site,
        "/register",
        &visitor,
        ("patient", "Patient", "patient@example.org", "long enough 1"),
    )
    .await;
    assert_eq!(paused.status, 429);
    assert!(paused.text().contains("registering is paused"));
    assert_eq!(member_count(&site).await, before);
    site.finish().await;
}

#[tokio::test]
async fn an_invitation_registers_once_at_its_level_with_its_address() {
    let (site, admin) = site_with_admin().await;
    set_mode(&site, &admin, "invitation").await;
    // Without an invitation there is no form.
    let page = site.get("/register").await;
    assert_eq!(page.status, 404);
    assert!(page.text().contains("by invitation only"));
    assert!(!site.get("/login").await.text().contains("/register"));

    let path = invite(&site, &admin, "invitee@example.org", "5").await;
    let form = site.get(&path).await;
    assert!(form.text().contains("invitee@example.org"));
    assert!(
        !form.text().contains("name=\"email\""),
        "the address is the invitation's"
    );
    let visitor = open_form(&site, &path).await;
    // An e-mail address in the form is ignored: the invitation's is used.
    let done = register(
        &site,
        &path,
        &visitor,
        (
            "invitee",
            "Invitee",
            "someone-else@example.org",
            "long enough 1",
        ),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let member = site
        .store()
        .member_by_login("invitee")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member.level.get(), 5);
    assert_eq!(member.email, "invitee@example.org");

    // Used once: the link shows why it fails, and a second account is refused.
    let again = site.get(&path).await;
    assert_eq!(again.status, 404);
    assert!(
        again
            .text()
            .contains("This invitation link does not work any more")
    );
    let before = member_count(&site).await;
    let second = register(
        &site,
        &path,
        &visitor,
        ("second", "Second", "x@example.org", "long enough 1"),
    )
    .await;
    assert_eq!(second.status, 404);
    assert_eq!(member_count(&site).await, before);

    let list = site
        .get_as("/admin/invitations", &admin.cookie)
        .await
        .text();
    assert!(
        list.contains("invitee@example.org") && list.contains("Used: invitee"),
        "{list}"
    );
    let audit = site.store().audit_log(50).await.unwrap();
    let invited = audit.iter().find(|e| e.action == "member.invite").unwrap();
    assert!(
        invited
            .detail
            .starts_with("email=invitee@example.org level=5")
    );
    let registered = audit
        .iter()
        .find(|e| e.action == "member.register")
        .unwrap();
    assert_eq!(
        registered.detail,
        format!("login=invitee level=5 via={}", invited.target)
    );
    // Only the hash of the token is stored.
    let token = path.trim_start_matches("/register/");
    let url = site.database_url();
    if url.starts_with("sqlite:") {
        let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        let (stored,): (String,) = sqlx::query_as("SELECT token_hash FROM invitations")
            .fetch_one(&mut db)
            .await
            .unwrap();
        assert_ne!(stored, token);
        assert_eq!(stored.len(), 64);
    }
    site.finish().await;
}

#[tokio::test]
async fn invitations_can_be_revoked_expire_and_stop_when_registration_closes() {
    let (site, admin) = site_with_admin().await;
    set_mode(&site, &admin, "invitation").await;
    let revoked = invite(&site, &admin, "revoked@example.org", "2").await;
    let id = site.store().invitations(10).await.unwrap()[0].id;
    let page = site
        .post_as(
            &format!("/admin/invitations/{id}/revoke"),
            &admin,
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(page.status, 403, "the token is checked");
    assert_eq!(site.get(&revoked).await.status, 200, "still pending");
    let page = site
        .post_as(
            &format!("/admin/invitations/{id}/revoke"),
            &admin,
            &[("csrf", &admin.csrf)],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(site.get(&revoked).await.status, 404);
    let again = site
        .post_as(
            &format!("/admin/invitations/{id}/revoke"),
            &admin,
            &[("csrf", &admin.csrf)],
        )
        .await;
    assert_eq!(again.status, 409);
    let audit = site.store().audit_log(50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "member.invite.revoke" && e.target == format!("invitation:{id}"))
    );

    // A second invitation for the same address replaces the first.
    let first = invite(&site, &admin, "twice@example.org", "2").await;
    let second = invite(&site, &admin, "twice@example.org", "3").await;
    assert_eq!(site.get(&first).await.status, 404);
    assert_eq!(site.get(&second).await.status, 200);

    // An expired invitation (made eight days ago) does not work.
    let now = jiff::Timestamp::now().as_second();
    let actor = madang_store::ActorRef {
        id: None,
        name: "boss",
        ip: "",
    };
    let token = "e".repeat(64);
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()));
    site.store()
        .create_invitation(
            "late@example.org",
            madang_core::Level::MEMBER,
            &hash,
            (now - 8 * 86_400, now - 86_400),
            actor,
        )
        .await
        .unwrap()
        .unwrap();
    let expired = site.get(&format!("/register/{token}")).await;
    assert_eq!(expired.status, 404);
    assert!(expired.text().contains("has expired"));
    let list = site
        .get_as("/admin/invitations", &admin.cookie)
        .await
        .text();
    for state in ["Revoked", "Expired", "Waiting"] {
        assert!(list.contains(state), "{state}");
    }

    // Closed: a pending invitation stops working; open: it works again.
    set_mode(&site, &admin, "closed").await;
    let closed = site.get(&second).await;
    assert_eq!(closed.status, 404);
    assert!(closed.text().contains("does not take new registrations"));
    assert!(
        site.get_as("/admin/invitations", &admin.cookie)
            .await
            .text()
            .contains("Registration is closed")
    );
    set_mode(&site, &admin, "open").await;
    let visitor = open_form(&site, &second).await;
    let done = register(
        &site,
        &second,
        &visitor,
        ("twice", "Twice", "", "long enough 1"),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let member = site
        .store()
        .member_by_login("twice")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member.level.get(), 3);
    site.finish().await;
}

#[tokio::test]
async fn invitations_are_for_the_super_administrator_and_new_addresses() {
    let (site, admin) = site_with_admin().await;
    site.member("editor", 9, false).await;
    let editor = site.login("editor").await;
    assert_eq!(
        site.get_as("/admin/invitations", &editor.cookie)
            .await
            .status,
        403
    );
    let page = site
        .post_as(
            "/admin/invitations",
            &editor,
            &[
                ("csrf", &editor.csrf),
                ("email", "x@example.org"),
                ("level", "10"),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    let page = site
        .post_as(
            "/admin/invitations",
            &admin,
            &[("email", "x@example.org"), ("level", "2")],
        )
        .await;
    assert_eq!(page.status, 403, "without the form's token");
    assert!(site.store().invitations(10).await.unwrap().is_empty());

    // An address a member has, a bad address, a bad level: refused, nothing stored.
    let hash = madang_core::password::hash("correct horse battery").unwrap();
    site.store()
        .create_member(
            &madang_store::NewMember {
                login: "taken",
                nickname: "Taken",
                email: "taken@example.org",
                password_hash: &hash,
                level: madang_core::Level::MEMBER,
                is_super_admin: false,
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    for (email, level, status, says) in [
        (
            "TAKEN@example.org",
            "2",
            409,
            "A member has that e-mail address already.",
        ),
        (
            "not-an-address",
            "2",
            422,
            "That does not look like an e-mail address.",
        ),
        ("fine@example.org", "11", 422, "levels go from 1 to 10"),
    ] {
        let page = site
            .post_as(
                "/admin/invitations",
                &admin,
                &[("csrf", &admin.csrf), ("email", email), ("level", level)],
            )
            .await;
        assert_eq!(page.status.as_u16(), status, "{email}");
        assert!(page.text().contains(says), "{email}: {}", page.text());
    }
    assert!(site.store().invitations(10).await.unwrap().is_empty());
    // The Korean page lists them in Korean.
    let ko = site
        .get_as("/ko/admin/invitations", &admin.cookie)
        .await
        .text();
    assert!(ko.contains("아직 보낸 초대가 없습니다."));
    site.finish().await;
}

#[tokio::test]
async fn two_people_with_one_invitation_make_one_account() {
    let (site, admin) = site_with_admin().await;
    set_mode(&site, &admin, "invitation").await;
    let path = invite(&site, &admin, "shared@example.org", "2").await;
    let (a, b) = (open_form(&site, &path).await, open_form(&site, &path).await);
    let (first, second) = tokio::join!(
        register(
            &site,
            &path,
            &a,
            ("first_one", "First", "", "long enough 1")
        ),
        register(
            &site,
            &path,
            &b,
            ("second_one", "Second", "", "long enough 1")
        ),
    );
    let mut statuses = [first.status.as_u16(), second.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 404]);
    let made = [
        site.store().member_by_login("first_one").await.unwrap(),
        site.store().member_by_login("second_one").await.unwrap(),
    ];
    assert_eq!(made.iter().flatten().count(), 1);
    site.finish().await;
}
