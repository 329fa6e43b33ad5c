//! Workflow definitions, the calendar, the workflow columns of applications, sign-offs, notes,
//! the staff queue, the dashboard figures, the audit trail and supervision cards.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    application_events, application_notes, application_sign_offs, applications, calendar_days,
    calendar_years, departments, services, supervision_cards, users, workflow_definitions,
};
use super::{DbConnection, numbered, on_backend};
use crate::domain::sha256_hex;
use crate::domain::workflow::Opinion;

mod calendar;
mod cases;
mod dashboard;
mod definitions;
mod events;
mod queue;
mod sign_offs;
mod supervision;
pub use calendar::*;
pub use cases::*;
pub use dashboard::*;
pub use definitions::*;
pub use events::*;
pub use queue::*;
pub use sign_offs::*;
pub use supervision::*;

/// The date stored as "no deadline", so that deadline columns sort and compare without NULLs.
pub const NO_DEADLINE: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("valid date");
