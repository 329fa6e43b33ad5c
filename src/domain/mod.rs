//! Pure domain types and rules: no actix, diesel, askama or lettre in here.
//!
//! A value of a domain type is valid by construction: the only way to make one is to parse it.

pub mod calendar;
pub mod catalog;
pub mod clock;
pub mod diagram;
pub mod documents;
pub mod forms;
pub mod grid_event;
mod labelled;

pub use labelled::UnknownLabel;
pub mod hotline;
pub mod identity;
pub mod patrol;
pub mod rating;
pub mod reason;
pub mod territory;
pub mod tracking;
pub mod upload;
pub mod workflow;

/// The hex SHA-256 of some bytes: an upload's checksum, a workflow version's digest, what the
/// database keeps of a token.
pub fn sha256_hex(content: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
