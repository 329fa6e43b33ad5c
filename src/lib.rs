//! OneStop: a one-stop administrative approval portal (一网通办).
//!
//! Dependencies point one way: `web → services → {domain, db, catalog}`; `domain` depends on
//! nothing else in the crate.

pub mod catalog;
pub mod config;
pub mod db;
pub mod domain;
pub mod services;
pub mod startup;
pub mod views;
pub mod web;

rust_i18n::i18n!("locales", fallback = "zh-CN");
pub mod mail;
