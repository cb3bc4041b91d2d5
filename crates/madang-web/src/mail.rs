//! The mail the site sends — password reset links and invitations — in the reader's
//! language, from the locale files. Without an SMTP server the link goes to the log for the
//! operator, as it always has.
//!
//! Links in mail are built from the configured `base_url` only: a link built from a
//! request's `Host` header would let anyone who asks for a reset put their own host in the
//! victim's mail and collect the token. `madang serve` refuses SMTP without `base_url`;
//! should a site be set up that way all the same, its links go to the log.

use fluent_templates::fluent_bundle::FluentValue;
use madang_mail::Mail;

use crate::AppState;
use crate::feeds::Origin;
use crate::i18n::{self, Lang};

/// The origin for links in mail: the configured `base_url`, or `None`.
fn mail_origin(state: &AppState) -> Option<Origin> {
    state
        .config()
        .base_url
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| Origin::resolve(Some(b), None))
}

/// Paragraphs of a mail, each a locale message, with the link on a line of its own.
fn body(lang: Lang, paragraphs: &[(&str, &[(&str, FluentValue<'static>)])], link: &str) -> String {
    let mut text = String::new();
    for (i, (key, args)) in paragraphs.iter().enumerate() {
        text.push_str(&i18n::text_with(lang, key, args));
        text.push_str("\n\n");
        if i == 0 {
            text.push_str(link);
            text.push_str("\n\n");
        }
    }
    text.push_str("-- \n");
    text
}

/// The password reset mail.
pub(crate) fn reset_mail(lang: Lang, site: &str, login: &str, to: &str, link: &str) -> Mail {
    let site_arg = || ("site", FluentValue::from(site.to_owned()));
    let subject = i18n::text_with(lang, "mail-reset-subject", &[site_arg()]);
    let mut text = body(
        lang,
        &[
            (
                "mail-reset-intro",
                &[site_arg(), ("login", FluentValue::from(login.to_owned()))],
            ),
            ("mail-reset-ignore", &[]),
        ],
        link,
    );
    text.push_str(site);
    text.push('\n');
    Mail {
        to: to.to_owned(),
        subject,
        text,
    }
}

/// The invitation mail; `until` is the date the link stops working, in the site's zone.
pub(crate) fn invitation_mail(lang: Lang, site: &str, to: &str, link: &str, until: &str) -> Mail {
    let site_arg = || ("site", FluentValue::from(site.to_owned()));
    let subject = i18n::text_with(lang, "mail-invite-subject", &[site_arg()]);
    let mut text = body(
        lang,
        &[
            (
                "mail-invite-intro",
                &[site_arg(), ("date", FluentValue::from(until.to_owned()))],
            ),
            ("mail-invite-ignore", &[]),
        ],
        link,
    );
    text.push_str(site);
    text.push('\n');
    Mail {
        to: to.to_owned(),
        subject,
        text,
    }
}

/// Sends a password reset link to `email` in the background, so the page answers at once
/// and as fast whether or not an account matched. Without SMTP (or `base_url`, or an
/// address), or when sending fails, the link is logged for the operator instead.
pub(crate) async fn send_reset_link(
    state: &AppState,
    lang: Lang,
    login: String,
    email: String,
    path: String,
) {
    let mailer = state.config().mailer.clone();
    let origin = mail_origin(state);
    let (Some(origin), false) = (origin.filter(|_| mailer.is_configured()), email.is_empty())
    else {
        let why = if !mailer.is_configured() {
            "no mail is configured"
        } else if email.is_empty() {
            "the account has no e-mail address"
        } else {
            "mail needs base_url"
        };
        tracing::warn!(login = %login, "password reset requested ({why}); pass the link on: {path}");
        return;
    };
    let site = state.shell().await.name.clone();
    let mail = reset_mail(lang, &site, &login, &email, &origin.url(&path));
    tokio::spawn(async move {
        match mailer.send(&mail).await {
            Ok(()) => tracing::info!(login = %login, "password reset link sent by mail"),
            Err(e) => tracing::warn!(
                login = %login, error = %e,
                "the password reset mail could not be sent; pass the link on: {path}"
            ),
        }
    });
}

/// What became of an invitation's mail.
pub(crate) enum Delivery {
    /// The SMTP server took it.
    Sent,
    /// Not sent: no SMTP server (or no `base_url`).
    NoMail,
    /// The server refused it or could not be reached (already logged).
    Failed,
}

/// Mails an invitation and waits for the server's answer, so the administrator learns at
/// once whether it went out (and otherwise gets the link to pass on).
pub(crate) async fn send_invitation(
    state: &AppState,
    lang: Lang,
    to: &str,
    path: &str,
    until: &str,
) -> Delivery {
    let mailer = &state.config().mailer;
    let Some(origin) = mail_origin(state).filter(|_| mailer.is_configured()) else {
        return Delivery::NoMail;
    };
    let site = state.shell().await.name.clone();
    let mail = invitation_mail(lang, &site, to, &origin.url(path), until);
    match mailer.send(&mail).await {
        Ok(()) => Delivery::Sent,
        Err(e) => {
            tracing::warn!(error = %e, "the invitation mail could not be sent");
            Delivery::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;

    #[test]
    fn reset_mail_in_each_language_carries_the_link_alone_on_its_line() {
        let link = "https://nkhr.example/ko/login/reset/abc123";
        for language in [Language::English, Language::Korean] {
            let lang = Lang::default_of(language);
            let mail = reset_mail(lang, "NKHR", "kim", "kim@example.org", link);
            assert_eq!(mail.to, "kim@example.org");
            assert!(mail.subject.contains("NKHR"), "{}", mail.subject);
            assert!(
                mail.text.contains(&format!("\n\n{link}\n\n")),
                "{}",
                mail.text
            );
            assert!(mail.text.contains("kim"));
            assert!(!mail.text.contains("mail-reset"), "{}", mail.text);
        }
        let korean = reset_mail(
            Lang::default_of(Language::Korean),
            "NKHR",
            "kim",
            "kim@example.org",
            link,
        );
        assert!(korean.subject.contains("비밀번호"), "{}", korean.subject);
    }

    #[test]
    fn invitation_mail_names_the_site_and_the_last_day() {
        let lang = Lang::default_of(Language::English);
        let mail = invitation_mail(
            lang,
            "NKHR",
            "new@example.org",
            "https://nkhr.example/register/t",
            "1 December 2025",
        );
        assert!(mail.text.contains("1 December 2025"), "{}", mail.text);
        assert!(mail.text.contains("\nhttps://nkhr.example/register/t\n"));
        assert!(!mail.text.contains("mail-invite"), "{}", mail.text);
    }
}
