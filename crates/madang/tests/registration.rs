//! Registration over HTTP: closed by default, or open to anyone; the form's rules,
//! duplicates, its token and its rate limit. (Invitations are in invitations.rs, mail in
//! mail.rs.)

mod common;

use axum::body::Body;
use axum::http::Request;
use common::TestSite;
use common::registration::{
    Visitor, member_count, open_form, post_with, register, set_mode, site_with_admin,
};

/// A refused registration: where, what was typed, the status and what the page says.
type Case<'a> = (&'a str, (&'a str, &'a str, &'a str, &'a str), u16, &'a str);

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
