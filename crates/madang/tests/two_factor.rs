//! Two-factor sign-in: enrolment through the account page, the code step at sign-in,
//! replay protection, recovery codes, and worn-out challenges.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::{TestSite, between};

fn code_at_offset(secret: &str, offset: i64) -> String {
    let key = madang_core::totp::base32_decode(secret).unwrap();
    let step = jiff::Timestamp::now().as_second() / 30 + offset;
    format!("{:06}", madang_core::totp::code(&key, step))
}

fn current_code(secret: &str) -> String {
    code_at_offset(secret, 0)
}

/// The next step's code: enrolment used up the current step, and one step of clock drift
/// is allowed, so the app's next code is what the member types at sign-in.
fn next_code(secret: &str) -> String {
    code_at_offset(secret, 1)
}

/// Posts the password step and returns the challenge cookie.
async fn password_step(site: &TestSite, login: &str) -> String {
    let page = site
        .post_form(
            "/login",
            &[
                ("login", login),
                ("password", "correct horse battery"),
                ("next", "/b/advocacy"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    assert!(
        page.header("location").starts_with("/login/2fa?next="),
        "{}",
        page.header("location")
    );
    let cookie = page.header("set-cookie");
    assert!(
        cookie.starts_with("madang_2fa=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("madang_session"),
        "no session before the code"
    );
    cookie.split(';').next().unwrap().to_owned()
}

async fn code_step(site: &TestSite, challenge: &str, code: &str) -> common::Page {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("code", code)
        .finish();
    site.send(
        Request::post("/login/2fa?next=%2Fb%2Fadvocacy")
            .header("cookie", challenge)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn enrol_then_sign_in_with_a_code_or_a_recovery_code() {
    let site = TestSite::demo().await;
    site.member("staff", 8, false).await;
    let browser = site.login("staff").await;
    let page = site.get_as("/account/2fa", &browser.cookie).await.text();
    let secret = between(&page, "name=\"secret\" value=\"", "\"")
        .unwrap()
        .to_owned();
    assert!(page.contains("otpauth://totp/"));
    // A wrong code changes nothing.
    let wrong = site
        .post_as(
            "/account/2fa/enable",
            &browser,
            &[
                ("csrf", &browser.csrf),
                ("secret", &secret),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    let enabled = site
        .post_as(
            "/account/2fa/enable",
            &browser,
            &[
                ("csrf", &browser.csrf),
                ("secret", &secret),
                ("code", &current_code(&secret)),
            ],
        )
        .await;
    assert_eq!(enabled.status, 200);
    let html = enabled.text();
    let codes: Vec<String> = html
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "ten recovery codes, shown once");
    assert!(
        !site
            .get_as("/account/2fa", &browser.cookie)
            .await
            .text()
            .contains(&codes[0])
    );

    // The password alone no longer signs in.
    let challenge = password_step(&site, "staff").await;
    let bad = code_step(&site, &challenge, "123456").await;
    assert_eq!(bad.status, 401);
    assert!(bad.text().contains("That code is not right."));
    // Enrolment used the current code: it is not accepted a second time.
    assert_eq!(
        code_step(&site, &challenge, &current_code(&secret))
            .await
            .status,
        401
    );
    let good = code_step(&site, &challenge, &next_code(&secret)).await;
    assert_eq!(good.status, 303);
    assert_eq!(good.header("location"), "/b/advocacy");
    assert!(
        good.headers
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("madang_session="))
    );

    // The same code cannot be used twice, even in a new sign-in.
    let again = password_step(&site, "staff").await;
    assert_eq!(
        code_step(&site, &again, &next_code(&secret)).await.status,
        401
    );
    // A recovery code works once.
    assert_eq!(code_step(&site, &again, &codes[3]).await.status, 303);
    let third = password_step(&site, "staff").await;
    assert_eq!(code_step(&site, &third, &codes[3]).await.status, 401);

    let audit = site.store().audit_log(100).await.unwrap();
    for action in [
        "member.2fa.enable",
        "login.2fa.success",
        "login.2fa.failure",
        "member.2fa.recovery_code",
    ] {
        assert!(audit.iter().any(|e| e.action == action), "{action} audited");
    }
    site.finish().await;
}

#[tokio::test]
async fn a_challenge_wears_out_and_cannot_be_forged() {
    let site = TestSite::demo().await;
    site.member("staff", 8, false).await;
    let member = site
        .store()
        .member_by_login("staff")
        .await
        .unwrap()
        .unwrap();
    let secret = madang_core::totp::new_secret();
    site.store()
        .enable_totp(member.id, &secret, 0, &[], "", 0)
        .await
        .unwrap();
    let challenge = password_step(&site, "staff").await;
    for _ in 0..5 {
        assert_eq!(code_step(&site, &challenge, "000000").await.status, 401);
    }
    let late = code_step(&site, &challenge, &current_code(&secret)).await;
    assert_eq!(
        late.status, 401,
        "worn out: the password must be given again"
    );
    assert!(late.text().contains("Please give your password again."));
    let forged = code_step(
        &site,
        &format!("madang_2fa={}", "ab".repeat(32)),
        &current_code(&secret),
    )
    .await;
    assert_eq!(forged.status, 401);
    assert!(
        !forged
            .headers
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("madang_session="))
    );
    site.finish().await;
}

#[tokio::test]
async fn the_site_can_require_two_factor_sign_in_for_administrators() {
    let site = TestSite::demo().await;
    let boss = site.member("boss", 10, true).await;
    let editor = site.member("editor", 2, false).await;
    let advocacy = site.store().board("advocacy").await.unwrap().unwrap();
    site.store()
        .add_board_admin(advocacy.id, editor.id, (None, "test"), 0)
        .await
        .unwrap();
    let b = site.login("boss").await;
    // Not before the administrator has it: they would lock themselves out.
    let refused = site
        .post_as(
            "/admin/settings",
            &b,
            &[
                ("csrf", &b.csrf),
                ("site_name", "NKHR"),
                ("require_2fa", "1"),
            ],
        )
        .await;
    assert!(
        refused
            .text()
            .contains("Turn on two-factor sign-in for your own account first")
    );
    let secret = madang_core::totp::new_secret();
    site.store()
        .enable_totp(boss.id, &secret, 0, &[], "", 0)
        .await
        .unwrap();
    let b = site.login_with_code("boss", &secret).await;
    let saved = site
        .post_as(
            "/admin/settings",
            &b,
            &[
                ("csrf", &b.csrf),
                ("site_name", "NKHR"),
                ("require_2fa", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);

    // The board administrator without a second factor keeps the account, not the powers.
    let e = site.login("editor").await;
    let page = site.get_as("/b/advocacy", &e.cookie).await.text();
    assert!(page.contains("This site requires two-factor sign-in for administrators"));
    assert_eq!(
        site.get_as("/b/advocacy/write", &e.cookie).await.status,
        403
    );
    let editor_secret = madang_core::totp::new_secret();
    site.store()
        .enable_totp(editor.id, &editor_secret, 0, &[], "", 0)
        .await
        .unwrap();
    assert_eq!(
        site.get_as("/b/advocacy/write", &e.cookie).await.status,
        200,
        "powers back once enrolled"
    );
    site.finish().await;
}
