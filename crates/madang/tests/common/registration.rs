//! Registration helpers for the HTTP tests: a visitor's form, the registration mode, an
//! invitation made from the admin page.

use axum::body::Body;
use axum::http::Request;

use super::{Browser, Page, TestSite, between};

/// A visitor's browser on the registration form: its form cookie and the form's token.
pub struct Visitor {
    pub cookie: String,
    pub csrf: String,
}

/// Opens a registration form (it must be there) the way a browser does.
pub async fn open_form(site: &TestSite, path: &str) -> Visitor {
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
pub async fn post_with(site: &TestSite, path: &str, cookie: &str, form: &[(&str, &str)]) -> Page {
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
pub async fn register(
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
pub async fn set_mode(site: &TestSite, admin: &Browser, mode: &str) {
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

pub async fn site_with_admin() -> (TestSite, Browser) {
    let site = TestSite::demo().await;
    site.member("boss", 10, true).await;
    let admin = site.login("boss").await;
    (site, admin)
}

pub async fn member_count(site: &TestSite) -> i64 {
    site.store().member_count().await.unwrap()
}

/// Invites `email` at `level` from the admin page (no mail: the page shows the link) and
/// returns the link's path.
pub async fn invite(site: &TestSite, admin: &Browser, email: &str, level: &str) -> String {
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
