//! Random tokens and password hashes.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::domain::identity::NewPassword;

/// 256 random bits, hex-encoded: session ids, CSRF tokens, reset and verification links.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    hex(&bytes)
}

/// What the database keeps of a token: its SHA-256, so that a copy of the table opens nothing.
pub fn token_id(token: &str) -> String {
    crate::domain::sha256_hex(token.as_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An argon2id hash with the OWASP parameters (19 MiB, 2 passes, 1 lane: the crate's defaults).
pub fn hash_password(password: &NewPassword) -> String {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .expect("argon2 with default parameters")
        .to_string()
}

/// A hash of no one's password, verified against when the email is unknown so that an unknown
/// email and a wrong password take the same time.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let password = NewPassword::parse(&random_token()).expect("a random token is a valid password");
    hash_password(&password)
});

/// Whether `password` matches `hash`; with `None`, checks against a dummy hash and says no.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), hash.unwrap_or(&DUMMY_HASH))
        .is_ok();
    matches && hash.is_some()
}

/// Compares two secrets in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A hex token as a page may carry it: a fresh random pad and the token XORed with it, so that
/// no two pages carry the same text and a compressed page gives nothing of the token away
/// (BREACH). [`unmasked`] gives the token back.
pub fn masked(token: &str) -> String {
    let Some(secret) = unhex(token) else {
        return token.to_owned();
    };
    let mut pad = vec![0u8; secret.len()];
    getrandom::fill(&mut pad).expect("the operating system's random source");
    let xored: Vec<u8> = secret.iter().zip(&pad).map(|(s, p)| s ^ p).collect();
    format!("{}{}", hex(&pad), hex(&xored))
}

/// The token a [`masked`] text carries; `None` for anything else.
pub fn unmasked(text: &str) -> Option<String> {
    let bytes = unhex(text)?;
    if bytes.is_empty() || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let (pad, xored) = bytes.split_at(bytes.len() / 2);
    Some(hex(&pad
        .iter()
        .zip(xored)
        .map(|(p, x)| p ^ x)
        .collect::<Vec<u8>>()))
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_token_differs_every_time_and_unmasks_to_the_token() {
        let token = random_token();
        let (one, two) = (masked(&token), masked(&token));
        assert_ne!(one, two);
        assert_eq!(one.len(), 128);
        assert!(!one.contains(&token));
        assert_eq!(unmasked(&one).as_deref(), Some(token.as_str()));
        assert_eq!(unmasked(&two).as_deref(), Some(token.as_str()));
        assert_eq!(unmasked("xyz"), None);
        assert_eq!(unmasked("abc"), None);
    }

    #[test]
    fn passwords_verify_against_their_argon2id_hash_only() {
        let password = NewPassword::parse("correct horse battery").unwrap();
        let hash = hash_password(&password);
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("correct horse battery", Some(&hash)));
        assert!(!verify_password("correct horse batterY", Some(&hash)));
        assert!(!verify_password("correct horse battery", None));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_id(&a).len(), 64);
        assert_ne!(token_id(&a), a);
        assert!(same_secret(&a, &a.clone()) && !same_secret(&a, &b) && !same_secret("", ""));
    }
}
