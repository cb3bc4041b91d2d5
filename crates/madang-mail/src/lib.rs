//! Madang's outgoing mail: plain-text messages (password resets, invitations) over SMTP,
//! through `lettre` with rustls. A site without SMTP has a [`Mailer`] that sends nothing;
//! the web layer then writes the link to the log for the operator, as before mail existed.
//!
//! The SMTP server is one address, `MADANG_SMTP_URL`:
//!
//! - `smtps://user:password@host[:465]`: TLS from the first byte (port 465 by default);
//! - `smtp://user:password@host[:587]`: STARTTLS, required (port 587 by default): a server
//!   that does not offer it gets no password and no mail;
//! - `smtp://host[:25]?tls=none`: no encryption, for a relay on the same machine or network.
//!   A password is refused here unless the host is this machine (loopback), since it would
//!   cross the network in the clear.
//!
//! User and password are percent-decoded (`%40` for an `@` in a user name). Certificates are
//! checked against the system's root certificates.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use thiserror::Error;

/// How long one SMTP command may take, and a whole send.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(15);
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// What can go wrong with mail.
#[derive(Debug, Error)]
pub enum MailError {
    /// The SMTP settings are unusable; the text says why (never the password).
    #[error("{0}")]
    Config(String),
    /// The site has no SMTP server.
    #[error("no SMTP server is configured")]
    NotConfigured,
    /// The recipient's address is not one SMTP can take.
    #[error("the address {0:?} cannot receive mail")]
    Recipient(String),
    /// The message could not be put together.
    #[error("the message could not be built: {0}")]
    Message(String),
    /// The server refused the message, or could not be reached in time.
    #[error("sending failed: {0}")]
    Send(String),
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the start (`smtps://`).
    Tls,
    /// A plain connection upgraded with STARTTLS, which the server must offer (`smtp://`).
    StartTls,
    /// No encryption (`smtp://…?tls=none`).
    None,
}

impl Security {
    fn describe(self) -> &'static str {
        match self {
            Security::Tls => "TLS",
            Security::StartTls => "STARTTLS",
            Security::None => "no encryption",
        }
    }
}

/// SMTP settings read from a URL and a sender, checked but not yet connected anywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// User and password, percent-decoded.
    credentials: Option<(String, String)>,
    from: String,
}

impl fmt::Debug for SmtpSettings {
    // Never the password: settings end up in logs and panics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("from", &self.from)
            .finish()
    }
}

fn config_error(text: impl Into<String>) -> MailError {
    MailError::Config(text.into())
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl SmtpSettings {
    /// Reads `MADANG_SMTP_URL` and the sender (`Name <address>` or an address). Errors
    /// say what to fix and never repeat the password.
    pub fn parse(smtp_url: &str, from: &str) -> Result<SmtpSettings, MailError> {
        let url = url::Url::parse(smtp_url.trim()).map_err(|e| {
            config_error(format!(
                "the SMTP address is not a URL ({e}); use smtps://user:password@host or smtp://user:password@host:587"
            ))
        })?;
        let mut tls = None;
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "none" | "starttls") if tls.is_none() => tls = Some(value.into_owned()),
                _ => {
                    return Err(config_error(format!(
                        "the SMTP address has an unknown option {key}={value} (only tls=none or tls=starttls, with smtp://)"
                    )));
                }
            }
        }
        let security = match (url.scheme(), tls.as_deref()) {
            ("smtps", None) => Security::Tls,
            ("smtp", None | Some("starttls")) => Security::StartTls,
            ("smtp", Some(_)) => Security::None,
            ("smtps", Some(_)) => {
                return Err(config_error(
                    "smtps:// always uses TLS; tls= is only for smtp://",
                ));
            }
            (scheme, _) => {
                return Err(config_error(format!(
                    "the SMTP address must start with smtps:// or smtp:// (got {scheme}://)"
                )));
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| config_error("the SMTP address has no host"))?
            .to_owned();
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(config_error(
                "the SMTP address must be scheme://user:password@host:port, without a path",
            ));
        }
        let port = url.port().unwrap_or(match security {
            Security::Tls => 465,
            Security::StartTls => 587,
            Security::None => 25,
        });
        let decode = |part: &str| {
            percent_encoding::percent_decode_str(part)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| config_error("the SMTP user or password is not valid UTF-8"))
        };
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            (_, None) => {
                return Err(config_error(
                    "the SMTP address names a user but no password (smtps://user:password@host)",
                ));
            }
            (user, Some(password)) => Some((decode(user)?, decode(password)?)),
        };
        if credentials.is_some() && security == Security::None && !is_loopback(&host) {
            return Err(config_error(
                "the SMTP password would cross the network unencrypted: use smtps:// or smtp:// (STARTTLS), or tls=none only with a server on this machine",
            ));
        }
        let from = from.trim();
        if from.is_empty() {
            return Err(config_error(
                "mail needs a sender: set MADANG_SMTP_FROM (or smtp_from), like \"Our site <noreply@example.org>\"",
            ));
        }
        from.parse::<Mailbox>().map_err(|e| {
            config_error(format!(
                "the sender {from:?} is not an e-mail address ({e}); use \"Name <address>\" or an address"
            ))
        })?;
        Ok(SmtpSettings {
            host,
            port,
            security,
            credentials,
            from: from.to_owned(),
        })
    }

    /// The user name, if the server wants one.
    pub fn user(&self) -> Option<&str> {
        self.credentials.as_ref().map(|(user, _)| user.as_str())
    }

    /// The sender as configured.
    pub fn from(&self) -> &str {
        &self.from
    }
}

/// One plain-text message to one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// The body, plain text (UTF-8; lines end in `\n`).
    pub text: String,
}

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    summary: String,
}

/// Sends mail, or (without SMTP settings) nothing. Cheap to clone.
#[derive(Clone, Default)]
pub struct Mailer {
    smtp: Option<Arc<Smtp>>,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.summary() {
            Some(summary) => write!(f, "Mailer({summary})"),
            None => f.write_str("Mailer(none)"),
        }
    }
}

impl Mailer {
    /// A mailer that sends nothing (no SMTP server configured).
    pub fn none() -> Mailer {
        Mailer::default()
    }

    /// A mailer for these settings. Nothing is sent or connected yet.
    pub fn smtp(settings: &SmtpSettings) -> Result<Mailer, MailError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| config_error(format!("the sender is not an address: {e}")))?;
        let tls = |host: &str| {
            TlsParameters::new(host.to_owned())
                .map_err(|e| config_error(format!("TLS for the SMTP server: {e}")))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .timeout(Some(COMMAND_TIMEOUT))
            // The sender's domain names this client in EHLO (not "localhost", which some
            // servers refuse).
            .hello_name(ClientId::Domain(from.email.domain().to_owned()));
        builder = match settings.security {
            Security::Tls => builder.tls(Tls::Wrapper(tls(&settings.host)?)),
            Security::StartTls => builder.tls(Tls::Required(tls(&settings.host)?)),
            Security::None => builder,
        };
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let summary = format!(
            "{}:{} ({}{}) from {}",
            settings.host,
            settings.port,
            settings.security.describe(),
            settings
                .user()
                .map(|u| format!(", as {u}"))
                .unwrap_or_default(),
            from.email
        );
        Ok(Mailer {
            smtp: Some(Arc::new(Smtp {
                transport: builder.build(),
                from,
                summary,
            })),
        })
    }

    /// Whether mail goes anywhere.
    pub fn is_configured(&self) -> bool {
        self.smtp.is_some()
    }

    /// The server, protection, user and sender, for the start-up log (never the password).
    pub fn summary(&self) -> Option<&str> {
        self.smtp.as_ref().map(|s| s.summary.as_str())
    }

    /// Builds the message as it would be sent (for tests and for [`Mailer::send`]).
    fn message(smtp: &Smtp, mail: &Mail) -> Result<Message, MailError> {
        let to: Mailbox = mail
            .to
            .trim()
            .parse()
            .map_err(|_| MailError::Recipient(mail.to.clone()))?;
        let mut id = [0u8; 16];
        rand::fill(&mut id);
        Message::builder()
            .from(smtp.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!(
                "<{}@{}>",
                hex::encode(id),
                smtp.from.email.domain()
            )))
            // RFC 3834: no vacation replies to a machine's message.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ))
            .singlepart(SinglePart::plain(mail.text.clone()))
            .map_err(|e| MailError::Message(e.to_string()))
    }

    /// Sends one message and waits for the server's answer (at most 30 seconds).
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let smtp = self.smtp.as_ref().ok_or(MailError::NotConfigured)?;
        let message = Mailer::message(smtp, mail)?;
        match tokio::time::timeout(SEND_TIMEOUT, smtp.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(MailError::Send(e.to_string())),
            Err(_) => Err(MailError::Send(
                "the SMTP server did not answer in time".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FROM: &str = "Madang <noreply@example.org>";

    #[test]
    fn schemes_choose_the_protection_and_the_port() {
        let tls = SmtpSettings::parse("smtps://u:p@mail.example.org", FROM).unwrap();
        assert_eq!((tls.security, tls.port), (Security::Tls, 465));
        let starttls = SmtpSettings::parse("smtp://u:p@mail.example.org", FROM).unwrap();
        assert_eq!(
            (starttls.security, starttls.port),
            (Security::StartTls, 587)
        );
        let explicit =
            SmtpSettings::parse("smtp://mail.example.org:2525?tls=starttls", FROM).unwrap();
        assert_eq!(
            (explicit.security, explicit.port),
            (Security::StartTls, 2525)
        );
        let plain = SmtpSettings::parse("smtp://relay.internal?tls=none", FROM).unwrap();
        assert_eq!((plain.security, plain.port), (Security::None, 25));
        assert_eq!(plain.user(), None);
    }

    #[test]
    fn credentials_are_decoded_and_never_shown() {
        let s = SmtpSettings::parse(
            "smtps://news%40ngo.example:p%40ss%3Aw0rd@mail.example.org:465",
            FROM,
        )
        .unwrap();
        assert_eq!(s.user(), Some("news@ngo.example"));
        assert_eq!(
            s.credentials.as_ref().map(|(_, p)| p.as_str()),
            Some("p@ss:w0rd")
        );
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("p@ss") && !shown.contains("w0rd"),
            "{shown}"
        );
        let mailer = Mailer::smtp(&s).unwrap();
        let summary = mailer.summary().unwrap();
        assert!(summary.contains("mail.example.org:465") && summary.contains("TLS"));
        assert!(!summary.contains("w0rd") && !format!("{mailer:?}").contains("w0rd"));
    }

    #[test]
    fn unsafe_or_broken_settings_are_refused() {
        for (url, from) in [
            ("mail.example.org", FROM),
            ("http://mail.example.org", FROM),
            ("smtps://", FROM),
            ("smtps://u:p@mail.example.org/path", FROM),
            ("smtps://u@mail.example.org", FROM),
            ("smtps://mail.example.org?tls=none", FROM),
            ("smtp://mail.example.org?tls=maybe", FROM),
            ("smtp://mail.example.org?debug=1", FROM),
            // A password in the clear across the network.
            ("smtp://u:p@mail.example.org?tls=none", FROM),
            ("smtps://mail.example.org", ""),
            ("smtps://mail.example.org", "not an address"),
        ] {
            let refused = SmtpSettings::parse(url, from);
            assert!(refused.is_err(), "{url} {from}");
            let text = refused.unwrap_err().to_string();
            assert!(!text.contains(":p@"), "{text}");
        }
        // On this machine, a plain connection with a password is allowed.
        for host in ["127.0.0.1", "localhost", "[::1]"] {
            let url = format!("smtp://u:p@{host}:2525?tls=none");
            assert!(SmtpSettings::parse(&url, FROM).is_ok(), "{url}");
        }
    }

    #[test]
    fn messages_are_plain_utf8_text_with_their_own_id() {
        let settings = SmtpSettings::parse("smtp://127.0.0.1:2525?tls=none", FROM).unwrap();
        let mailer = Mailer::smtp(&settings).unwrap();
        let smtp = mailer.smtp.as_ref().unwrap();
        let mail = Mail {
            to: "kim@example.org".into(),
            subject: "비밀번호 재설정".into(),
            text: "링크: https://example.org/login/reset/abc\n".into(),
        };
        let raw = String::from_utf8(Mailer::message(smtp, &mail).unwrap().formatted()).unwrap();
        assert!(raw.contains("To: kim@example.org"), "{raw}");
        assert!(raw.contains("Auto-Submitted: auto-generated"));
        assert!(raw.contains("@example.org>"));
        assert!(raw.contains("text/plain; charset=utf-8"), "{raw}");
        // The Korean subject is encoded (RFC 2047), never raw bytes in a header.
        assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
        for bad in ["", "kim", "kim@example.org\r\nBcc: spy@example.org"] {
            let mail = Mail {
                to: bad.into(),
                ..mail.clone()
            };
            assert!(matches!(
                Mailer::message(smtp, &mail),
                Err(MailError::Recipient(_))
            ));
        }
    }

    #[tokio::test]
    async fn without_settings_nothing_is_sent() {
        let mailer = Mailer::none();
        assert!(!mailer.is_configured());
        let mail = Mail {
            to: "kim@example.org".into(),
            subject: "s".into(),
            text: "t".into(),
        };
        assert!(matches!(
            mailer.send(&mail).await,
            Err(MailError::NotConfigured)
        ));
    }

    #[tokio::test]
    async fn a_server_that_is_not_there_is_an_error_not_a_hang() {
        // A port nothing listens on (bound, then closed).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let settings =
            SmtpSettings::parse(&format!("smtp://127.0.0.1:{port}?tls=none"), FROM).unwrap();
        let mail = Mail {
            to: "kim@example.org".into(),
            subject: "s".into(),
            text: "t".into(),
        };
        let sent = Mailer::smtp(&settings).unwrap().send(&mail).await;
        assert!(matches!(sent, Err(MailError::Send(_))), "{sent:?}");
    }
}
