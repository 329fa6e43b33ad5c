//! Askama page structs: one per template, built by handlers from read models, with no database
//! access. Every page carries a [`PageContext`] for the layout (language, switch, current path).

pub mod accounts;
pub mod admin;
pub mod applications;
pub mod catalog;
pub mod context;
pub mod documents;
pub mod error;
pub mod grid;
pub mod hotline;
pub mod ratings;
pub mod workspace;

pub use context::PageContext;
