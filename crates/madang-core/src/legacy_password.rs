//! Password hashes imported from GnuBoard5, verified once at login and then replaced by an
//! Argon2id hash (see [`crate::password`]).
//!
//! GnuBoard5 stored three forms over its life (`mb_password` of members, `wr_password` of
//! guest posts):
//!
//! 1. PBKDF2, the default since 5.4 (2019): `algo:iterations:salt:hash`, normally
//!    `sha256:12000:<32 base64 chars>:<32 base64 chars>`, or `sha1:…` where PHP lacked
//!    SHA-256. The salt's base64 *text* is the PBKDF2 salt (it is never decoded), and the
//!    hash is the base64 of the derived key (24 bytes by default; the length is taken from
//!    the stored hash, as GnuBoard5 does).
//! 2. MySQL 4.1+ `PASSWORD()`: `*` and 40 upper-case hex digits of SHA1(SHA1(password)), the
//!    default of GnuBoard5 5.0–5.3.
//! 3. MySQL `OLD_PASSWORD()`: 16 hex digits of MySQL 3.23's own scramble. Weak and rare.
//!
//! Every comparison of secret-derived bytes is constant-time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::Hmac;
use sha1::{Digest, Sha1};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Which form a stored hash has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyHashKind {
    /// `sha256:…` or `sha1:…` PBKDF2 as GnuBoard5 writes it.
    Pbkdf2,
    /// MySQL 4.1+ `PASSWORD()`.
    MysqlPassword,
    /// MySQL `OLD_PASSWORD()`.
    MysqlOldPassword,
}

/// Most PBKDF2 rounds accepted, so an odd stored value cannot make a login take minutes.
const MAX_ITERATIONS: u32 = 1_000_000;
/// Longest password tried, as in [`crate::password`].
const MAX_PASSWORD_BYTES: usize = 4096;

/// Recognises a GnuBoard5 hash; `None` for anything else (Argon2 PHC strings, empty
/// passwords of deleted members, garbage).
pub fn kind(stored: &str) -> Option<LegacyHashKind> {
    let stored = stored.trim();
    if let Some(rest) = stored.strip_prefix('*') {
        return (rest.len() == 40 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
            .then_some(LegacyHashKind::MysqlPassword);
    }
    if stored.len() == 16 && stored.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(LegacyHashKind::MysqlOldPassword);
    }
    let mut parts = stored.split(':');
    let (Some(algo), Some(iterations), Some(salt), Some(hash), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let known_algo = matches!(algo.to_ascii_lowercase().as_str(), "sha256" | "sha1");
    let iterations_ok = iterations
        .parse::<u32>()
        .is_ok_and(|n| (1..=MAX_ITERATIONS).contains(&n));
    (known_algo && iterations_ok && !salt.is_empty() && STANDARD.decode(hash).is_ok())
        .then_some(LegacyHashKind::Pbkdf2)
}

/// Whether `stored` is a GnuBoard5 hash (and so should be replaced by Argon2id after the
/// next successful login).
pub fn is_legacy(stored: &str) -> bool {
    kind(stored).is_some()
}

/// Checks a password against a GnuBoard5 hash. Unknown or malformed hashes, and empty
/// stored values (deleted members), never verify.
pub fn verify(password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    let stored = stored.trim();
    match kind(stored) {
        Some(LegacyHashKind::Pbkdf2) => verify_pbkdf2(password, stored),
        Some(LegacyHashKind::MysqlPassword) => {
            let expected = mysql_password(password);
            // Hex case differs between MySQL versions; compare upper-cased.
            let stored = stored.to_ascii_uppercase();
            expected.as_bytes().ct_eq(stored.as_bytes()).into()
        }
        Some(LegacyHashKind::MysqlOldPassword) => {
            let expected = mysql_old_password(password);
            let stored = stored.to_ascii_lowercase();
            expected.as_bytes().ct_eq(stored.as_bytes()).into()
        }
        None => false,
    }
}

fn verify_pbkdf2(password: &str, stored: &str) -> bool {
    let mut parts = stored.split(':');
    let (Some(algo), Some(iterations), Some(salt), Some(hash)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(iterations) = iterations.parse::<u32>() else {
        return false;
    };
    let Ok(expected) = STANDARD.decode(hash) else {
        return false;
    };
    if expected.is_empty() || expected.len() > 256 {
        return false;
    }
    let mut derived = vec![0u8; expected.len()];
    let ok = match algo.to_ascii_lowercase().as_str() {
        "sha256" => pbkdf2::pbkdf2::<Hmac<Sha256>>(
            password.as_bytes(),
            salt.as_bytes(),
            iterations,
            &mut derived,
        )
        .is_ok(),
        "sha1" => pbkdf2::pbkdf2::<Hmac<Sha1>>(
            password.as_bytes(),
            salt.as_bytes(),
            iterations,
            &mut derived,
        )
        .is_ok(),
        _ => false,
    };
    ok && bool::from(derived.ct_eq(&expected))
}

/// MySQL 4.1+ `PASSWORD(pw)`: `*` + upper-case hex of SHA1(SHA1(pw)).
pub fn mysql_password(password: &str) -> String {
    let inner = Sha1::digest(password.as_bytes());
    let outer = Sha1::digest(inner);
    let mut out = String::with_capacity(41);
    out.push('*');
    for b in outer {
        out.push_str(&format!("{b:02X}"));
    }
    out
}

/// MySQL `OLD_PASSWORD(pw)`: 16 lower-case hex digits. Spaces and tabs are ignored, as
/// MySQL did. The arithmetic wraps; only the low 31 bits of each half are kept, and those
/// do not depend on the width of MySQL's `unsigned long`.
pub fn mysql_old_password(password: &str) -> String {
    let mut nr: u32 = 1_345_345_333;
    let mut add: u32 = 7;
    let mut nr2: u32 = 0x1234_5671;
    for &c in password.as_bytes() {
        if c == b' ' || c == b'\t' {
            continue;
        }
        let tmp = u32::from(c);
        nr ^= (((nr & 63).wrapping_add(add)).wrapping_mul(tmp)).wrapping_add(nr << 8);
        nr2 = nr2.wrapping_add((nr2 << 8) ^ nr);
        add = add.wrapping_add(tmp);
    }
    format!("{:08x}{:08x}", nr & 0x7fff_ffff, nr2 & 0x7fff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Members of the GnuBoard5 fixture (shared/fixtures/gnuboard5), hashed by GnuBoard5.
    const ADMIN: &str =
        "sha256:12000:TJpLSdDQul15feb77Xo9AdydrlG8cKKk:a33Xc+gncgQPVkUE/IXbtEHUbshxn130";
    const MINJI: &str =
        "sha256:12000:xG53DArMS5nA+VompN+mY7rXoCqs76Uc:B8kcR6Zj/PdkOOuhO0l9UnzM8PXWIdp1";
    const JCHOI: &str =
        "sha256:12000:wg1kNvfQkgpv/ZGX/Goz2qlG0N49xT05:QRIBYrva2PkwClhanPOYsxxPS/5a8KIE";

    #[test]
    fn gnuboard_pbkdf2_hashes_verify() {
        assert_eq!(kind(ADMIN), Some(LegacyHashKind::Pbkdf2));
        assert!(verify("Admin!2016pw", ADMIN));
        assert!(verify("Minji#2016", MINJI));
        assert!(verify("Jason3choi", JCHOI));
        assert!(!verify("admin!2016pw", ADMIN));
        assert!(!verify("Minji#2016", ADMIN));
        assert!(!verify("", ADMIN));
    }

    #[test]
    fn pbkdf2_sha1_form_verifies() {
        // Made the way GnuBoard5's compat code does: the salt text is the salt.
        let salt = "c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0";
        let mut key = [0u8; 24];
        pbkdf2::pbkdf2::<Hmac<Sha1>>(b"secret pw", salt.as_bytes(), 2400, &mut key).unwrap();
        let stored = format!("sha1:2400:{salt}:{}", STANDARD.encode(key));
        assert!(verify("secret pw", &stored));
        assert!(!verify("secret pv", &stored));
    }

    #[test]
    fn mysql_password_forms() {
        // Known values of MySQL's PASSWORD('password') and OLD_PASSWORD('password').
        assert_eq!(
            mysql_password("password"),
            "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"
        );
        assert_eq!(mysql_old_password("password"), "5d2e19393cc5ef67");
        assert!(verify(
            "password",
            "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"
        ));
        assert!(verify(
            "password",
            "*2470c0c06dee42fd1618bb99005adca2ec9d1e19"
        ));
        assert!(!verify(
            "Password",
            "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"
        ));
        assert!(verify("password", "5d2e19393cc5ef67"));
        assert!(!verify("passwort", "5d2e19393cc5ef67"));
        assert_eq!(
            kind("5d2e19393cc5ef67"),
            Some(LegacyHashKind::MysqlOldPassword)
        );
    }

    #[test]
    fn other_values_never_verify() {
        assert_eq!(kind(""), None);
        assert!(!verify("", ""));
        assert!(!verify("x", "$argon2id$v=19$m=19456,t=2,p=1$abc$def"));
        assert!(!verify("x", "md5:1:salt:aGFzaA=="));
        assert!(!verify("x", "sha256:99999999:salt:aGFzaA=="));
        assert!(!is_legacy("sha256:abc:salt:hash"));
    }
}
