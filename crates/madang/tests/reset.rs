//! Password reset: the same answer for every address, single-use expiring links, sessions
//! ended, and never a way around two-factor sign-in.

mod common;

use common::TestSite;
use sha2::{Digest, Sha256};

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[tokio::test]
async fn a_reset_link_works_once_and_ends_sessions() {
    let site = TestSite::demo().await;
    site.member("staff", 8, false).await;
    let old_browser = site.login("staff").await;
    // The page never says whether an account exists.
    let known = site
        .post_form("/login/reset", &[("who", "staff")])
        .await
        .text();
    let unknown = site
        .post_form("/login/reset", &[("who", "nobody")])
        .await
        .text();
    assert!(known.contains("If an account matches"));
    assert_eq!(known, unknown);

    let now = jiff::Timestamp::now().as_second();
    let token = "a".repeat(64);
    assert_eq!(
        site.store()
            .request_password_reset("STAFF", &hash(&token), now, "")
            .await
            .unwrap()
            .map(|r| r.login)
            .as_deref(),
        Some("staff")
    );
    let path = format!("/login/reset/{token}");
    assert_eq!(site.get(&path).await.status, 200);
    assert_eq!(
        site.get(&format!("/login/reset/{}", "b".repeat(64)))
            .await
            .status,
        404
    );
    let mismatch = site
        .post_form(
            &path,
            &[("password", "new password 1"), ("password_again", "other")],
        )
        .await;
    assert!(mismatch.text().contains("The two passwords differ."));
    let done = site
        .post_form(
            &path,
            &[
                ("password", "new password 1"),
                ("password_again", "new password 1"),
            ],
        )
        .await;
    assert!(done.text().contains("Your password was changed."));
    assert_eq!(
        site.post_form(
            &path,
            &[("password", "x2345678"), ("password_again", "x2345678")]
        )
        .await
        .status,
        404,
        "used once"
    );
    assert!(
        !site
            .get_as("/", &old_browser.cookie)
            .await
            .text()
            .contains(">staff</span>"),
        "old sessions ended"
    );
    let login = site
        .post_form(
            "/login",
            &[("login", "staff"), ("password", "new password 1")],
        )
        .await;
    assert_eq!(login.status, 303);
    let audit = site.store().audit_log(50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "member.password.reset"));
    site.finish().await;
}

#[tokio::test]
async fn a_reset_never_bypasses_two_factor_sign_in() {
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
    let now = jiff::Timestamp::now().as_second();
    let token = "c".repeat(64);
    site.store()
        .request_password_reset("staff", &hash(&token), now, "")
        .await
        .unwrap()
        .unwrap();
    let path = format!("/login/reset/{token}");
    assert!(site.get(&path).await.text().contains("name=\"code\""));
    let without = site
        .post_form(
            &path,
            &[
                ("password", "new password 1"),
                ("password_again", "new password 1"),
                ("code", "000000"),
            ],
        )
        .await;
    assert!(without.text().contains("That code is not right."));
    let key = madang_core::totp::base32_decode(&secret).unwrap();
    let code = format!("{:06}", madang_core::totp::code(&key, now / 30));
    let with = site
        .post_form(
            &path,
            &[
                ("password", "new password 1"),
                ("password_again", "new password 1"),
                ("code", &code),
            ],
        )
        .await;
    assert!(with.text().contains("Your password was changed."));
    site.finish().await;
}

#[tokio::test]
async fn reset_requests_are_limited_per_account() {
    let site = TestSite::demo().await;
    site.member("staff", 8, false).await;
    let now = jiff::Timestamp::now().as_second();
    for i in 0..3 {
        assert!(
            site.store()
                .request_password_reset("staff", &hash(&format!("{i:064}")), now, "")
                .await
                .unwrap()
                .is_some()
        );
    }
    assert!(
        site.store()
            .request_password_reset("staff", &hash(&"9".repeat(64)), now, "")
            .await
            .unwrap()
            .is_none()
    );
    site.finish().await;
}
