//! Workflow definitions and the rule for firing a transition: pure data and checks, no storage.
//!
//! A definition is a set of states and transitions between them. It is versioned and immutable
//! once published: an application is pinned to the version it was submitted under, so a later
//! edit by an administrator never changes the rules of a running application.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::clock::Phase;
use super::identity::Role;
use super::reason::{Place, Reason};

mod check;
mod edit;
mod firing;
mod source;
#[cfg(test)]
mod tests;
pub use check::*;
pub use edit::*;
pub use firing::*;
pub use source::*;

/// A workflow definition, as shipped in `workflows/*.toml` and stored as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Stable name shared by all versions, e.g. `default`.
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub states: Vec<State>,
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateKind {
    /// Where a submitted application starts (exactly one).
    Initial,
    /// Somebody is working on it; a clock runs.
    Working,
    /// The decision clock is stopped (特别程序, 补正 before acceptance).
    ClockPaused,
    /// Ended: no transition leaves it.
    Terminal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: StateKind,
    /// Which legal clock runs in this state.
    pub phase: Phase,
    /// Departments that give their review opinion here besides the service's own (并联审批),
    /// by code. The service's department leads: it alone decides, once every opinion is in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_review: Vec<String>,
    /// Whether a co-reviewer's 不同意 is only advice to the lead. By default (false) any refusal
    /// decides: the lead may then only deny, quoting the refusing department.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub co_review_refusal_advisory: bool,
    /// The applicant may still edit materials here (补正).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub applicant_edits: bool,
    /// The step's own limit: the application should leave this state within this many working
    /// days of entering it. Supervised like the promised deadline when it falls earlier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit_days: Option<u32>,
}

/// Who, of the staff, may fire a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Performer {
    /// The applicant of the application.
    Applicant,
    /// Staff of the service's department with one of the transition's roles.
    Department,
    /// Staff of the service's department or of a co-reviewing department of the current state.
    Reviewers,
    /// Staff of a co-reviewing department of the current state (their opinion, 审查意见).
    CoReviewers,
    /// The system's administrators, of no department: they review what a department may not
    /// settle alone (a remedy case a department calls unfounded).
    Administrators,
    /// The 12345 hotline's operators (话务员), of no department: they answer or dispatch a
    /// hotline request and review the department's reply.
    Hotline,
    /// The grid (网格化管理), of no department: a grid worker of the event's grid (the service
    /// checks the grid) or the command centre's operators, by the transition's roles.
    Grid,
}

/// What a transition records beyond the state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    #[default]
    None,
    /// The decision periods start (or, if the acceptance deadline passed, count from receipt).
    Accept,
    /// A new receipt: the acceptance period starts again (the answer to 补正).
    Receive,
    /// The decision: records the date and whether it was on time.
    Decide,
    /// 即办件: accepted and decided at once.
    AcceptAndDecide,
    /// The decision period is extended by `extension_days`.
    Extend,
    /// The result was delivered.
    Deliver,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub name: String,
    pub label_zh: String,
    pub label_en: String,
    pub from: Vec<String>,
    pub to: String,
    pub performer: Performer,
    /// Staff roles allowed (ignored for the applicant).
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub note_required: bool,
    /// A decision text (准予/不予许可 reasons) is required and kept as the decision.
    #[serde(default)]
    pub decision_required: bool,
    /// The clerk ticks the service's materials concerned (补正: one notice for all of them).
    #[serde(default)]
    pub checklist: bool,
    /// Only for services promised "on the spot" (即办件, 0 days).
    #[serde(default)]
    pub instant_only: bool,
    /// At most this many times per application (e.g. one extension).
    #[serde(default)]
    pub max_times: Option<u32>,
    /// In a co-reviewed state, a co-reviewing department's opinion: 同意, or 不同意 when the
    /// transition is `negative`. It never moves the application; the lead decides. (Whatever a
    /// definition says, a co-reviewer's decision is taken as its opinion, and the lead's
    /// decision waits for every opinion: see [`fire`].)
    #[serde(default)]
    pub sign_off: bool,
    #[serde(default)]
    pub effect: Effect,
    #[serde(default)]
    pub extension_days: u32,
    /// The applicant is told (mail from the outbox), with this text where an administrator set
    /// one; `None` means nobody is told.
    #[serde(default)]
    pub notify_applicant: Option<Notice>,
    /// The staff are told too: the assigned clerk, or without one the department's clerks and
    /// heads, never the one who acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_staff: Option<Notice>,
    /// Whether a visible button is red: refusals and denials.
    #[serde(default)]
    pub negative: bool,
}

impl Transition {
    /// The texts the transition sends: to the applicant, then to the staff.
    pub fn notices(&self) -> impl Iterator<Item = &Notice> {
        self.notify_applicant.iter().chain(self.notify_staff.iter())
    }
}

/// A notification text in both languages; the [`PLACEHOLDERS`] `{service}`, `{tracking_number}`,
/// `{deadline}` (of the next step), `{note}`, `{decision}` and `{opinions}` (a joint review's
/// opinions) are replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub subject_zh: String,
    pub subject_en: String,
    pub body_zh: String,
    pub body_en: String,
}

/// Whether workflow `key` runs a kind of case of its own (a rating's remedy, a hotline request)
/// rather than a service's applications: no service may be given it.
pub fn runs_own_kind(key: &str) -> bool {
    key == crate::domain::rating::REMEDY_WORKFLOW
        || key == crate::domain::hotline::HOTLINE_WORKFLOW
        || key == crate::domain::grid_event::EVENT_WORKFLOW
}

/// The definitions shipped with OneStop, checked by the tests.
pub fn shipped() -> Vec<Definition> {
    [
        include_str!("../workflows/default.toml"),
        include_str!("../workflows/joint-review.toml"),
        include_str!("../workflows/remedy.toml"),
        include_str!("../workflows/hotline.toml"),
        include_str!("../workflows/grid-event.toml"),
    ]
    .into_iter()
    .map(|text| toml::from_str(text).expect("shipped workflows are checked by the tests"))
    .collect()
}
