//! Pure domain types and rules: no actix, diesel, askama or lettre in here.
//!
//! A value of a domain type is valid by construction: the only way to make one is to parse it.

pub mod calendar;
pub mod catalog;
pub mod clock;
pub mod diagram;
pub mod forms;
mod labelled;

pub use labelled::UnknownLabel;
pub mod identity;
pub mod tracking;
pub mod upload;
pub mod workflow;
