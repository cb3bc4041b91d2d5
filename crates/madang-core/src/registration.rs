//! Registration: who may create an account, and what a new account must look like.
//!
//! A site's registration is closed (the default: staff accounts come from `madang user add`
//! and the administrators), open to anyone, or by invitation: the super administrator
//! sends a link for one e-mail address that works once, for [`INVITATION_DAYS`] days.
//! Self-registered accounts get stricter logins than those staff create (ASCII letters,
//! digits and `_`, as GnuBoard5 asks of its members) and may not take names that pass for
//! the site's staff.

use unicode_normalization::UnicodeNormalization;

use crate::Level;

/// The level of a member who registered (GnuBoard5's default for new members); an
/// invitation may give another.
pub const NEW_MEMBER_LEVEL: Level = Level::MEMBER;
/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;
/// Registration attempts (each submitted form, accepted or not) allowed per address in
/// [`ATTEMPT_WINDOW_SECONDS`].
pub const MAX_ATTEMPTS: i64 = 10;
/// The window of the registration rate limit: an hour.
pub const ATTEMPT_WINDOW_SECONDS: i64 = 3600;
/// Shortest and longest login a visitor may choose.
pub const LOGIN_CHARS: std::ops::RangeInclusive<usize> = 3..=20;
/// Longest display name.
pub const MAX_NICKNAME_CHARS: usize = 40;
/// Longest e-mail address (RFC 5321's limit on a path).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Names nobody may register, as logins or display names, so no visitor passes for the
/// site's staff (GnuBoard5's `cf_prohibit_id` list, with a few of our own). Compared
/// without letter case and spaces.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "su",
    "sysop",
    "webmaster",
    "manager",
    "moderator",
    "staff",
    "guest",
    "madang",
    "postmaster",
    "hostmaster",
    "abuse",
    "noreply",
    "관리자",
    "운영자",
    "어드민",
    "주인장",
    "웹마스터",
    "시삽",
    "시샵",
    "매니저",
    "메니저",
    "루트",
    "방문객",
];

/// How the site lets people register. Stored as a site setting; missing means closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegistrationMode {
    /// Nobody registers; `/register` says so.
    #[default]
    Closed,
    /// Anyone may register at `/register`.
    Open,
    /// Only with an invitation link from the super administrator.
    Invitation,
}

impl RegistrationMode {
    /// Every mode, in the order the admin form offers them.
    pub const ALL: [RegistrationMode; 3] = [
        RegistrationMode::Closed,
        RegistrationMode::Invitation,
        RegistrationMode::Open,
    ];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationMode::Closed => "closed",
            RegistrationMode::Open => "open",
            RegistrationMode::Invitation => "invitation",
        }
    }

    /// A mode from a form's value; `None` for anything else.
    pub fn parse(value: &str) -> Option<RegistrationMode> {
        RegistrationMode::ALL
            .into_iter()
            .find(|m| m.as_str() == value)
    }

    /// The mode of the stored setting: a missing or unknown value is closed, so a typo can
    /// never open a site.
    pub fn from_setting(value: Option<&str>) -> RegistrationMode {
        value
            .and_then(RegistrationMode::parse)
            .unwrap_or(RegistrationMode::Closed)
    }

    /// Whether anyone may register without an invitation.
    pub fn is_open(self) -> bool {
        self == RegistrationMode::Open
    }

    /// Whether invitation links work: when registration is by invitation, and when it is
    /// open (an invitation can then give a higher level). A closed site takes no one.
    pub fn accepts_invitations(self) -> bool {
        self != RegistrationMode::Closed
    }
}

/// Why a registration form was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationError {
    /// The login is not 3 to 20 ASCII letters, digits or `_`.
    Login,
    /// The login or display name is reserved for staff.
    Reserved,
    /// The display name is empty, too long or has control characters.
    Nickname,
    /// The e-mail address does not look like one.
    Email,
    /// The password is shorter than the site accepts.
    PasswordShort,
    /// The password is longer than the site accepts.
    PasswordLong,
    /// The two passwords differ.
    PasswordMismatch,
}

impl RegistrationError {
    /// The UI message's key.
    pub fn message_key(self) -> &'static str {
        match self {
            RegistrationError::Login => "register-error-login",
            RegistrationError::Reserved => "register-error-reserved",
            RegistrationError::Nickname => "register-error-nickname",
            RegistrationError::Email => "register-error-email",
            RegistrationError::PasswordShort => "register-error-password-short",
            RegistrationError::PasswordLong => "register-error-password-long",
            RegistrationError::PasswordMismatch => "setup-error-mismatch",
        }
    }
}

/// A registration form as typed.
#[derive(Debug, Clone, Copy)]
pub struct RegistrationForm<'a> {
    pub login: &'a str,
    pub nickname: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub password_again: &'a str,
}

/// A registration that passed the rules: trimmed, normalised, ready to store (the
/// password is still to be hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRegistration {
    pub login: String,
    pub nickname: String,
    /// As typed, trimmed; compare with [`email_key`].
    pub email: String,
}

/// Whether a name is one of the reserved staff names (letter case, spaces and the
/// separators `_ - .` aside).
pub fn is_reserved(name: &str) -> bool {
    let folded: String = name
        .nfc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect();
    RESERVED.contains(&folded.as_str())
}

/// Whether a login may be chosen by a visitor: 3 to 20 ASCII letters, digits or `_`.
pub fn valid_login(login: &str) -> bool {
    LOGIN_CHARS.contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether a text looks like an e-mail address: one `@`, a local part of at most 64
/// characters, a domain with a dot and no empty label, no spaces, quotes, angle brackets or
/// control characters. (Only a mail that arrives proves an address; this catches typos and
/// keeps headers clean.)
pub fn valid_email(email: &str) -> bool {
    if email.chars().count() > MAX_EMAIL_CHARS {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let clean = |part: &str| {
        !part.is_empty()
            && !part.chars().any(|c| {
                c.is_control()
                    || c.is_whitespace()
                    || matches!(
                        c,
                        '@' | '"' | '<' | '>' | '(' | ')' | ',' | ';' | ':' | '\\'
                    )
            })
    };
    clean(local)
        && local.chars().count() <= 64
        && clean(domain)
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
}

/// The key an e-mail address is compared by: trimmed and lower-cased (as the password
/// reset finds accounts).
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A display name as stored: trimmed, NFC.
fn clean_nickname(nickname: &str) -> String {
    nickname.trim().nfc().collect()
}

/// Checks a registration form. The first rule broken is reported, in the form's order.
pub fn check(form: &RegistrationForm<'_>) -> Result<CheckedRegistration, RegistrationError> {
    let login = form.login.trim();
    if !valid_login(login) {
        return Err(RegistrationError::Login);
    }
    if is_reserved(login) {
        return Err(RegistrationError::Reserved);
    }
    let nickname = clean_nickname(form.nickname);
    let nickname_chars = nickname.chars().count();
    if nickname_chars == 0
        || nickname_chars > MAX_NICKNAME_CHARS
        || nickname.chars().any(char::is_control)
    {
        return Err(RegistrationError::Nickname);
    }
    if is_reserved(&nickname) {
        return Err(RegistrationError::Reserved);
    }
    let email = form.email.trim();
    if !valid_email(email) {
        return Err(RegistrationError::Email);
    }
    check_password(form.password, form.password_again)?;
    Ok(CheckedRegistration {
        login: login.to_owned(),
        nickname,
        email: email.to_owned(),
    })
}

/// The password rules of [`crate::password::hash`], checked before hashing so the form
/// can say what is wrong, and the confirmation.
pub fn check_password(password: &str, again: &str) -> Result<(), RegistrationError> {
    let chars = password.chars().count();
    if chars < crate::password::MIN_LEN {
        return Err(RegistrationError::PasswordShort);
    }
    if chars > crate::password::MAX_LEN {
        return Err(RegistrationError::PasswordLong);
    }
    if password != again {
        return Err(RegistrationError::PasswordMismatch);
    }
    Ok(())
}

/// When an invitation made at `now` (Unix seconds) stops working.
pub fn invitation_expiry(now: i64) -> i64 {
    now + INVITATION_DAYS * 24 * 3600
}

/// What an invitation is now, from its stored times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    /// It can still be used.
    Pending,
    /// Someone registered with it.
    Used,
    /// The administrator revoked it.
    Revoked,
    /// Its time ran out unused.
    Expired,
}

impl InvitationState {
    /// The state of an invitation at `now`.
    pub fn of(used_at: Option<i64>, revoked_at: Option<i64>, expires_at: i64, now: i64) -> Self {
        if used_at.is_some() {
            InvitationState::Used
        } else if revoked_at.is_some() {
            InvitationState::Revoked
        } else if expires_at <= now {
            InvitationState::Expired
        } else {
            InvitationState::Pending
        }
    }

    /// The name used in templates and message keys (`pending`, `used`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationState::Pending => "pending",
            InvitationState::Used => "used",
            InvitationState::Revoked => "revoked",
            InvitationState::Expired => "expired",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(login: &'a str, nickname: &'a str, email: &'a str) -> RegistrationForm<'a> {
        RegistrationForm {
            login,
            nickname,
            email,
            password: "correct horse",
            password_again: "correct horse",
        }
    }

    #[test]
    fn modes_default_to_closed() {
        assert_eq!(
            RegistrationMode::from_setting(None),
            RegistrationMode::Closed
        );
        assert_eq!(
            RegistrationMode::from_setting(Some("opne")),
            RegistrationMode::Closed
        );
        assert_eq!(
            RegistrationMode::from_setting(Some("open")),
            RegistrationMode::Open
        );
        for mode in RegistrationMode::ALL {
            assert_eq!(RegistrationMode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(RegistrationMode::parse("OPEN"), None);
        assert!(RegistrationMode::Open.is_open());
        assert!(!RegistrationMode::Invitation.is_open());
        assert!(RegistrationMode::Invitation.accepts_invitations());
        assert!(RegistrationMode::Open.accepts_invitations());
        assert!(!RegistrationMode::Closed.accepts_invitations());
    }

    #[test]
    fn a_good_form_is_trimmed_and_normalised() {
        // "한" typed as decomposed jamo is stored composed.
        let checked = check(&form(
            " kim_01 ",
            " \u{1112}\u{1161}\u{11ab} Kim ",
            " kim@Example.org ",
        ))
        .unwrap();
        assert_eq!(checked.login, "kim_01");
        assert_eq!(checked.nickname, "한 Kim");
        assert_eq!(checked.email, "kim@Example.org");
        assert_eq!(email_key(&checked.email), "kim@example.org");
    }

    #[test]
    fn logins_are_short_ascii_words() {
        for bad in [
            "ab",
            "a-b-c",
            "kim lee",
            "김철수",
            "x".repeat(21).as_str(),
            "kim@x",
            "",
        ] {
            assert_eq!(
                check(&form(bad, "Kim", "kim@example.org")),
                Err(RegistrationError::Login),
                "{bad:?}"
            );
        }
        assert!(check(&form("abc", "Kim", "kim@example.org")).is_ok());
        assert!(check(&form(&"x".repeat(20), "Kim", "kim@example.org")).is_ok());
    }

    #[test]
    fn staff_names_are_reserved() {
        for login in ["admin", "Admin", "web_master", "ROOT", "Administrator"] {
            assert_eq!(
                check(&form(login, "Kim", "kim@example.org")),
                Err(RegistrationError::Reserved),
                "{login}"
            );
        }
        for nickname in ["관리자", "운 영 자", "Web-Master", "admin"] {
            assert_eq!(
                check(&form("kim", nickname, "kim@example.org")),
                Err(RegistrationError::Reserved),
                "{nickname}"
            );
        }
        assert!(!is_reserved("administrators office"));
        assert!(!is_reserved("관리"));
    }

    #[test]
    fn display_names_have_a_length_and_no_controls() {
        for bad in ["", "   ", "a\tb", &"가".repeat(41)] {
            assert_eq!(
                check(&form("kim", bad, "kim@example.org")),
                Err(RegistrationError::Nickname),
                "{bad:?}"
            );
        }
        assert!(check(&form("kim", &"가".repeat(40), "kim@example.org")).is_ok());
    }

    #[test]
    fn e_mail_addresses_are_checked_for_shape() {
        for good in [
            "a@b.co",
            "kim.lee+news@mail.example.org",
            "홍길동@예시.한국",
        ] {
            assert!(valid_email(good), "{good}");
        }
        for bad in [
            "",
            "kim",
            "kim@",
            "@example.org",
            "kim@example",
            "kim@@example.org",
            "kim lee@example.org",
            "kim@example..org",
            "kim@-example.org",
            "\"kim\"@example.org",
            "kim@example.org\r\nBcc: x@y.z",
            "<kim@example.org>",
        ] {
            assert!(!valid_email(bad), "{bad:?}");
        }
        let long_local = format!("{}@example.org", "k".repeat(65));
        assert!(!valid_email(&long_local));
        let long = format!("kim@{}.org", "e".repeat(250));
        assert!(!valid_email(&long));
        assert_eq!(
            check(&form("kim", "Kim", "not an address")),
            Err(RegistrationError::Email)
        );
    }

    #[test]
    fn passwords_need_the_length_and_the_same_twice() {
        let mut f = form("kim", "Kim", "kim@example.org");
        f.password = "short";
        f.password_again = "short";
        assert_eq!(check(&f), Err(RegistrationError::PasswordShort));
        let long = "p".repeat(crate::password::MAX_LEN + 1);
        f.password = &long;
        f.password_again = &long;
        assert_eq!(check(&f), Err(RegistrationError::PasswordLong));
        f.password = "correct horse";
        f.password_again = "correct horsE";
        assert_eq!(check(&f), Err(RegistrationError::PasswordMismatch));
        // Spaces in a password are kept: they are part of it.
        assert_eq!(check_password(" eight ch ", " eight ch "), Ok(()));
    }

    #[test]
    fn invitations_expire_after_a_week_and_have_one_state() {
        assert_eq!(invitation_expiry(1000), 1000 + 7 * 86_400);
        let exp = 5000;
        assert_eq!(
            InvitationState::of(None, None, exp, 4999),
            InvitationState::Pending
        );
        assert_eq!(
            InvitationState::of(None, None, exp, 5000),
            InvitationState::Expired
        );
        assert_eq!(
            InvitationState::of(Some(10), None, exp, 9999),
            InvitationState::Used
        );
        assert_eq!(
            InvitationState::of(None, Some(10), exp, 10),
            InvitationState::Revoked
        );
    }

    #[test]
    fn every_error_has_a_message() {
        for e in [
            RegistrationError::Login,
            RegistrationError::Reserved,
            RegistrationError::Nickname,
            RegistrationError::Email,
            RegistrationError::PasswordShort,
            RegistrationError::PasswordLong,
            RegistrationError::PasswordMismatch,
        ] {
            assert!(!e.message_key().is_empty());
        }
    }
}
