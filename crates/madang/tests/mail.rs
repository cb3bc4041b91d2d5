//! Mail over a real SMTP server: a password reset link and an invitation arrive, in the
//! reader's language, and their links work; a server that fails or offers no STARTTLS
//! changes no page and gets no password.
//!
//! The server is PyPI's aiosmtpd, run by `tests/smtpsink.py` on a free loopback port with
//! AUTH required (`pip install aiosmtpd`; `.ci/run` installs it). Without it, the tests that
//! need it say SKIPPED; with `CI` set, that is a failure.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::registration::{post_with, set_mode};
use common::{TestSite, between};
use madang_mail::{Mailer, SmtpSettings};
use madang_web::SiteConfig;
use serde_json::Value;

const USER: &str = "madang";
const PASSWORD: &str = "s3cret pass";
const FROM: &str = "NKHR <noreply@nkhr.example>";
const BASE: &str = "https://nkhr.example";

/// The SMTP server of one test; killed and cleaned up when dropped.
struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Sink {
    /// Starts the server, or says SKIPPED (a failure under CI) and returns `None`.
    fn start() -> Option<Sink> {
        let has_aiosmtpd = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !has_aiosmtpd {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "python3 with aiosmtpd is missing and CI is set (pip install aiosmtpd; see .ci/run)"
                );
            }
            eprintln!("SKIPPED: python3 with aiosmtpd is not installed (pip install aiosmtpd)");
            return None;
        }
        let mut random = [0u8; 4];
        rand::fill(&mut random);
        let dir = std::env::temp_dir().join(format!(
            "madang-smtp-{}-{}",
            std::process::id(),
            hex::encode(random)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtpsink.py"))
            .arg(&dir)
            .args([USER, PASSWORD])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start python3 smtpsink.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("smtpsink.py did not start: {line:?}"));
        Some(Sink { child, port, dir })
    }

    /// The messages received so far, oldest first.
    fn mails(&self) -> Vec<Value> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// Waits (up to 20 s) until `n` messages have arrived, and returns them.
    async fn wait_for(&self, n: usize) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let mails = self.mails();
            if mails.len() >= n {
                return mails;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{n} mail(s) expected, {} arrived",
                mails.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The AUTH attempts the server saw, one line each.
    fn auth_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("auth.log")).unwrap_or_default()
    }

    /// A mailer for this server: plain SMTP on loopback, with the password.
    fn mailer(&self) -> Mailer {
        let url = format!(
            "smtp://{USER}:{}@127.0.0.1:{}?tls=none",
            PASSWORD.replace(' ', "%20"),
            self.port
        );
        Mailer::smtp(&SmtpSettings::parse(&url, FROM).unwrap()).unwrap()
    }
}

async fn site_with(mailer: Mailer) -> TestSite {
    let config = SiteConfig {
        base_url: Some(BASE.into()),
        mailer,
        ..SiteConfig::default()
    };
    let site = TestSite::demo_with_config(config).await;
    site.store()
        .set_setting(madang_web::SITE_NAME_SETTING, "NKHR")
        .await
        .unwrap();
    let hash = madang_core::password::hash("correct horse battery").unwrap();
    site.store()
        .create_member(
            &madang_store::NewMember {
                login: "staff",
                nickname: "Staff",
                email: "staff@example.org",
                password_hash: &hash,
                level: madang_core::Level::new(8).unwrap(),
                is_super_admin: false,
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    site
}

/// The path of the first link to `BASE` followed by `prefix` in a text, token included.
fn link_path(text: &str, prefix: &str) -> String {
    let start = text
        .find(&format!("{BASE}{prefix}"))
        .unwrap_or_else(|| panic!("no {BASE}{prefix} link in {text}"));
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let path = link[BASE.len()..].to_owned();
    let token = &path[prefix.len()..];
    assert!(
        token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "{link}"
    );
    path
}

#[tokio::test]
async fn a_reset_mail_arrives_in_the_readers_language_and_its_link_resets_the_password() {
    let Some(sink) = Sink::start() else { return };
    let site = site_with(sink.mailer()).await;
    let unknown = site
        .post_form("/ko/login/reset", &[("who", "nobody@example.org")])
        .await;
    let known = site
        .post_form("/ko/login/reset", &[("who", "STAFF@example.org")])
        .await;
    assert_eq!((unknown.status.as_u16(), known.status.as_u16()), (200, 200));
    assert_eq!(
        unknown.text(),
        known.text(),
        "the page says nothing about accounts"
    );
    assert!(
        known.text().contains("그 계정의 이메일 주소로"),
        "{}",
        known.text()
    );

    let mails = sink.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.mails().len(), 1, "no mail for an unknown address");
    let mail = &mails[0];
    assert_eq!(mail["rcpt_tos"], serde_json::json!(["staff@example.org"]));
    assert_eq!(mail["mail_from"], "noreply@nkhr.example");
    assert!(mail["from"].as_str().unwrap().contains("NKHR"));
    assert_eq!(
        mail["auth_user"], USER,
        "signed in with the configured user"
    );
    assert_eq!(mail["auto_submitted"], "auto-generated");
    assert_eq!(mail["content_type"], "text/plain");
    let subject = mail["subject"].as_str().unwrap();
    assert_eq!(subject, "NKHR: 새 비밀번호 정하기");
    let body = mail["body"].as_str().unwrap();
    assert!(body.contains("\"staff\" 계정"), "{body}");
    let path = link_path(body, "/ko/login/reset/");

    // The link works, once, and the new password signs in.
    let form = site.get(&path).await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("staff"));
    let done = site
        .post_form(
            &path,
            &[
                ("password", "a brand new one"),
                ("password_again", "a brand new one"),
            ],
        )
        .await;
    assert!(
        done.text().contains("비밀번호를 바꿨습니다"),
        "{}",
        done.text()
    );
    assert_eq!(site.get(&path).await.status, 404, "used once");
    let old = site
        .post_form(
            "/login",
            &[("login", "staff"), ("password", "correct horse battery")],
        )
        .await;
    assert_eq!(old.status, 401);
    let new = site
        .post_form(
            "/login",
            &[("login", "staff"), ("password", "a brand new one")],
        )
        .await;
    assert_eq!(new.status, 303);

    // In English, the mail is English.
    site.post_form("/login/reset", &[("who", "staff")]).await;
    let mails = sink.wait_for(2).await;
    assert_eq!(mails[1]["subject"], "NKHR: choose a new password");
    link_path(mails[1]["body"].as_str().unwrap(), "/login/reset/");
    site.finish().await;
}

#[tokio::test]
async fn an_invitation_mail_arrives_and_its_link_registers() {
    let Some(sink) = Sink::start() else { return };
    let site = site_with(sink.mailer()).await;
    site.member("boss", 10, true).await;
    let admin = site.login("boss").await;
    set_mode(&site, &admin, "invitation").await;
    let page = site
        .post_as(
            "/admin/invitations",
            &admin,
            &[
                ("csrf", &admin.csrf),
                ("email", "new@example.org"),
                ("level", "3"),
                ("lang", "ko"),
            ],
        )
        .await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(
        text.contains("The invitation was sent to new@example.org."),
        "{text}"
    );
    assert!(!text.contains("link-to-pass"), "a mailed link is not shown");

    let mails = sink.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail["rcpt_tos"], serde_json::json!(["new@example.org"]));
    assert_eq!(mail["subject"], "NKHR 회원 가입 초대");
    let body = mail["body"].as_str().unwrap();
    assert!(
        body.contains("년") && body.contains("까지"),
        "the last day: {body}"
    );
    let path = link_path(body, "/ko/register/");

    let form = site.get(&path).await;
    assert_eq!(form.status, 200);
    let form_text = form.text();
    assert!(form_text.contains("new@example.org"));
    let cookie = form
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = between(&form_text, "name=\"csrf\" value=\"", "\"").unwrap();
    let done = post_with(
        &site,
        &path,
        &cookie,
        &[
            ("csrf", csrf),
            ("login", "newcomer"),
            ("nickname", "새 회원"),
            ("password", "long enough 1"),
            ("password_again", "long enough 1"),
        ],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let member = site
        .store()
        .member_by_login("newcomer")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (member.level.get(), member.email.as_str()),
        (3, "new@example.org")
    );
    site.finish().await;
}

#[tokio::test]
async fn mail_that_cannot_be_sent_changes_no_answer() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("smtp://127.0.0.1:{port}?tls=none");
    let site = site_with(Mailer::smtp(&SmtpSettings::parse(&url, FROM).unwrap()).unwrap()).await;
    let known = site.post_form("/login/reset", &[("who", "staff")]).await;
    let unknown = site.post_form("/login/reset", &[("who", "ghost")]).await;
    assert_eq!((known.status.as_u16(), unknown.status.as_u16()), (200, 200));
    assert_eq!(known.text(), unknown.text());

    site.member("boss", 10, true).await;
    let admin = site.login("boss").await;
    set_mode(&site, &admin, "invitation").await;
    let page = site
        .post_as(
            "/admin/invitations",
            &admin,
            &[
                ("csrf", &admin.csrf),
                ("email", "new@example.org"),
                ("level", "2"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(text.contains("could not be sent"), "{text}");
    // The administrator gets the link to pass on instead, and it works.
    let link = between(&text, "<code class=\"link-to-pass\">", "</code>").unwrap();
    let path = &link[link.find("/register/").unwrap()..];
    assert_eq!(site.get(path).await.status, 200);
    site.finish().await;
}

#[tokio::test]
async fn a_server_without_starttls_gets_no_password_and_no_mail() {
    let Some(sink) = Sink::start() else { return };
    // smtp:// without tls=none requires STARTTLS, which this server does not offer.
    let url = format!(
        "smtp://{USER}:{}@127.0.0.1:{}",
        PASSWORD.replace(' ', "%20"),
        sink.port
    );
    let site = site_with(Mailer::smtp(&SmtpSettings::parse(&url, FROM).unwrap()).unwrap()).await;
    let page = site.post_form("/login/reset", &[("who", "staff")]).await;
    assert_eq!(page.status, 200);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(sink.mails().is_empty());
    assert_eq!(
        sink.auth_log(),
        "",
        "no AUTH over an unencrypted connection"
    );
    // The same server with tls=none takes the mail (so the test above could have failed).
    let site2 = site_with(sink.mailer()).await;
    site2.post_form("/login/reset", &[("who", "staff")]).await;
    sink.wait_for(1).await;
    assert!(sink.auth_log().contains("ok"));
    site.finish().await;
    site2.finish().await;
}
