//! The workflow engine at work: firing a transition is one transaction that checks the pinned
//! definition, updates the application with an optimistic version check, recomputes its legal
//! clocks, and writes the audit event and the applicant's notification to the outbox.

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, Utc};

use std::sync::Arc;

use super::accounts::User;
use super::{ServiceError, stored_now as now};
use crate::db::DbConnection;
use crate::db::workflow::{self as queries, CaseChange, CaseRow, NO_DEADLINE};
use crate::domain::calendar::{Calendar, DayKind};
use crate::domain::clock::{ClockFacts, Deadlines, Level, Phase};
use crate::domain::workflow::{self as engine, Actor, Definition, Effect, Refusal, Request};

mod audit;
mod case_pages;
mod clocks;
mod dashboard;
mod firing;
pub mod grid_events;
pub mod grid_pages;
pub mod hotline;
pub mod hotline_pages;
mod install;
mod notices;
mod opening;
mod queue;
mod ratings;
mod supervision;
pub use audit::*;
pub use case_pages::*;
pub use clocks::*;
pub use dashboard::*;
pub use firing::*;
pub use install::*;
pub use notices::*;
use opening::*;
pub use queue::*;
pub use ratings::*;
pub use supervision::*;

/// Legal days are counted on Beijing time, wherever the server runs.
pub fn china_now() -> NaiveDateTime {
    use chrono::SubsecRound;
    let offset = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    Utc::now()
        .with_timezone(&offset)
        .naive_local()
        .trunc_subsecs(6)
}

pub fn today() -> NaiveDate {
    china_now().date()
}

/// The start of a Beijing day as a stored (UTC) timestamp.
pub(crate) fn beijing_midnight(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).expect("midnight exists") - chrono::Duration::hours(8)
}

fn corrupt(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Corrupt(e.to_string())
}
