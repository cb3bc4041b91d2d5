//! Password hashing with Argon2id.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use thiserror::Error;

/// Why a password could not be hashed.
#[derive(Debug, Error)]
pub enum PasswordError {
    #[error("a password must be at least {0} characters")]
    TooShort(usize),
    #[error("a password may be at most {0} characters")]
    TooLong(usize),
    #[error("the password could not be hashed")]
    Hash,
}

/// Shortest password accepted (NIST SP 800-63B's minimum for chosen passwords).
pub const MIN_LEN: usize = 8;
/// Longest accepted, so nobody can make the server hash megabytes.
pub const MAX_LEN: usize = 1024;

/// Hashes a new password as a PHC string (`$argon2id$…`).
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(PasswordError::TooShort(MIN_LEN));
    }
    if chars > MAX_LEN {
        return Err(PasswordError::TooLong(MAX_LEN));
    }
    let mut salt_bytes = [0u8; 16];
    rand::fill(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|_| PasswordError::Hash)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hash)
}

/// Hashes a password that was already accepted elsewhere (an imported GnuBoard5 account's
/// old password, verified at login) without the length rule for new passwords, so the
/// account moves to Argon2id without locking its owner out.
pub fn rehash(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() > MAX_LEN {
        return Err(PasswordError::TooLong(MAX_LEN));
    }
    let mut salt_bytes = [0u8; 16];
    rand::fill(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|_| PasswordError::Hash)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hash)
}

/// Checks a password against a stored Argon2 hash. A malformed hash never verifies.
pub fn verify(password: &str, stored: &str) -> bool {
    if password.len() > MAX_LEN * 4 {
        return false;
    }
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Does the work of one verification against a throw-away hash and returns nothing, so a
/// sign-in for a login that does not exist takes as long as one that does.
pub fn verify_nothing(password: &str) {
    static THROWAWAY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash("throw-away password").unwrap_or_default());
    let _ = verify(password, &THROWAWAY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_verifies() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("correct horse", "not a hash"));
    }

    #[test]
    fn refuses_short_passwords() {
        assert!(matches!(hash("short"), Err(PasswordError::TooShort(8))));
    }
}
