//! Workflow definitions and the rule for firing a transition: pure data and checks, no storage.
//!
//! A definition is a set of states and transitions between them. It is versioned and immutable
//! once published: an application is pinned to the version it was submitted under, so a later
//! edit by an administrator never changes the rules of a running application.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::clock::Phase;
use super::identity::Role;

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
    /// Departments that must sign off besides the service's own (并联审批), by code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_review: Vec<String>,
    /// The applicant may still edit materials here (补正).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub applicant_edits: bool,
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
    /// In a co-reviewed state, a sign-off: the state is left only when every department has
    /// signed. Outside such a state it fires at once.
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
    /// Whether a visible button is red: refusals and denials.
    #[serde(default)]
    pub negative: bool,
}

/// A notification text in both languages; `{note}` and `{decision}` are replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub subject_zh: String,
    pub subject_en: String,
    pub body_zh: String,
    pub body_en: String,
}

/// Why a definition cannot be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionProblem {
    #[error("state {0} is defined twice")]
    DuplicateState(String),
    #[error("transition {0} is defined twice from the same state")]
    DuplicateTransition(String),
    #[error("there must be exactly one initial state, not {0}")]
    InitialStates(usize),
    #[error("transition {transition} names the unknown state {state}")]
    UnknownState { transition: String, state: String },
    #[error("transition {0} leaves a terminal state")]
    LeavesTerminal(String),
    #[error("transition {0} has no staff role")]
    NoRoles(String),
    #[error("state {0} cannot be reached from the initial state")]
    Unreachable(String),
    #[error("no terminal state can be reached from state {0}")]
    NoWayOut(String),
    #[error("a name or code is empty")]
    Empty,
}

impl Definition {
    pub fn state(&self, code: &str) -> Option<&State> {
        self.states.iter().find(|s| s.code == code)
    }

    pub fn initial(&self) -> &State {
        self.states
            .iter()
            .find(|s| s.kind == StateKind::Initial)
            .expect("a checked definition has one initial state")
    }

    pub fn transition(&self, name: &str, from: &str) -> Option<&Transition> {
        self.transitions
            .iter()
            .find(|t| t.name == name && t.from.iter().any(|f| f == from))
    }

    /// The transitions that leave `state`, in definition order.
    pub fn transitions_from(&self, state: &str) -> Vec<&Transition> {
        self.transitions
            .iter()
            .filter(|t| t.from.iter().any(|f| f == state))
            .collect()
    }

    /// Checks that the definition can run: names unique, one initial state, every state
    /// reachable and with a way to an end, no way out of an end.
    pub fn check(&self) -> Result<(), DefinitionProblem> {
        let mut codes = BTreeSet::new();
        for state in &self.states {
            if state.code.trim().is_empty() || state.name_zh.trim().is_empty() {
                return Err(DefinitionProblem::Empty);
            }
            if !codes.insert(state.code.as_str()) {
                return Err(DefinitionProblem::DuplicateState(state.code.clone()));
            }
        }
        let initial = self
            .states
            .iter()
            .filter(|s| s.kind == StateKind::Initial)
            .count();
        if initial != 1 {
            return Err(DefinitionProblem::InitialStates(initial));
        }
        let mut seen = BTreeSet::new();
        for t in &self.transitions {
            if t.name.trim().is_empty() || t.label_zh.trim().is_empty() {
                return Err(DefinitionProblem::Empty);
            }
            for state in t.from.iter().chain([&t.to]) {
                let Some(found) = self.state(state) else {
                    return Err(DefinitionProblem::UnknownState {
                        transition: t.name.clone(),
                        state: state.clone(),
                    });
                };
                if state != &t.to && found.kind == StateKind::Terminal {
                    return Err(DefinitionProblem::LeavesTerminal(t.name.clone()));
                }
                if state != &t.to && !seen.insert((t.name.as_str(), state.as_str())) {
                    return Err(DefinitionProblem::DuplicateTransition(t.name.clone()));
                }
            }
            if t.performer != Performer::Applicant && t.roles.is_empty() {
                return Err(DefinitionProblem::NoRoles(t.name.clone()));
            }
        }
        let reachable = self.closure(&[self.initial().code.as_str()], |t, s| {
            if t.from.iter().any(|f| f == s) {
                vec![t.to.as_str()]
            } else {
                vec![]
            }
        });
        if let Some(s) = self
            .states
            .iter()
            .find(|s| !reachable.contains(s.code.as_str()))
        {
            return Err(DefinitionProblem::Unreachable(s.code.clone()));
        }
        let ends: Vec<&str> = self
            .states
            .iter()
            .filter(|s| s.kind == StateKind::Terminal)
            .map(|s| s.code.as_str())
            .collect();
        let can_end = self.closure(&ends, |t, s| {
            if t.to == s {
                t.from.iter().map(String::as_str).collect()
            } else {
                vec![]
            }
        });
        if let Some(s) = self
            .states
            .iter()
            .find(|s| !can_end.contains(s.code.as_str()))
        {
            return Err(DefinitionProblem::NoWayOut(s.code.clone()));
        }
        Ok(())
    }

    /// The states reached from `start` by following `step` over the transitions.
    fn closure<'a, F>(&'a self, start: &[&'a str], step: F) -> BTreeSet<&'a str>
    where
        F: Fn(&'a Transition, &str) -> Vec<&'a str>,
    {
        let mut found: BTreeSet<&str> = start.iter().copied().collect();
        let mut frontier: Vec<&str> = start.to_vec();
        while let Some(state) = frontier.pop() {
            for t in &self.transitions {
                for next in step(t, state) {
                    if found.insert(next) {
                        frontier.push(next);
                    }
                }
            }
        }
        found
    }
}

/// Who is trying to fire a transition.
#[derive(Debug, Clone)]
pub struct Actor<'a> {
    pub role: Role,
    /// The departments the actor works in (staff), by code.
    pub departments: &'a [String],
    /// Whether the actor is the application's applicant.
    pub is_applicant: bool,
}

/// What the engine needs to know of an application to decide.
#[derive(Clone)]
pub struct Situation<'a> {
    pub state: &'a str,
    /// The department of the application's service.
    pub department: &'a str,
    /// The service's promised days (0 for 即办件).
    pub promised_days: u32,
    /// Departments that have signed off in the current state.
    pub signed_off: &'a [String],
    /// How many times each transition has been fired on this application.
    pub times_fired: &'a dyn Fn(&str) -> u32,
}

/// What the actor gives with the transition.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub note: &'a str,
    pub decision: &'a str,
    pub checklist: &'a [String],
}

/// Why a transition may not be fired.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No such transition from the current state (or it moved meanwhile).
    #[error("this action is not possible in the application's current state")]
    NotFromHere,
    #[error("you may not take this action")]
    NotAllowed,
    #[error("a note is required")]
    NoteRequired,
    #[error("the decision text is required")]
    DecisionRequired,
    #[error("tick at least one material")]
    ChecklistRequired,
    #[error("only for services decided on the spot")]
    NotInstant,
    #[error("already done the most times allowed")]
    TooOften,
    #[error("your department has already signed off")]
    AlreadySignedOff,
}

/// The outcome of a permitted transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    /// The state after the transition (the same state while sign-offs are outstanding).
    pub to: String,
    /// The department that signed off, when the transition was a sign-off in a co-reviewed state.
    pub signed_off_by: Option<String>,
    /// Whether the state actually changes (false while sign-offs are outstanding).
    pub moves: bool,
}

/// Decides whether `actor` may fire `name` on an application in `situation`, and where it goes.
pub fn fire(
    definition: &Definition,
    situation: &Situation,
    actor: &Actor,
    name: &str,
    request: &Request,
) -> Result<Firing, Refusal> {
    let transition = definition
        .transition(name, situation.state)
        .ok_or(Refusal::NotFromHere)?;
    let state = definition
        .state(situation.state)
        .ok_or(Refusal::NotFromHere)?;
    let acting_for = acting_department(transition, state, situation, actor)?;
    if transition.instant_only && situation.promised_days != 0 {
        return Err(Refusal::NotInstant);
    }
    if let Some(max) = transition.max_times
        && (situation.times_fired)(&transition.name) >= max
    {
        return Err(Refusal::TooOften);
    }
    if transition.note_required && request.note.trim().is_empty() {
        return Err(Refusal::NoteRequired);
    }
    if transition.decision_required && request.decision.trim().is_empty() {
        return Err(Refusal::DecisionRequired);
    }
    if transition.checklist && request.checklist.is_empty() {
        return Err(Refusal::ChecklistRequired);
    }
    if transition.sign_off && !state.co_review.is_empty() {
        let department = acting_for.expect("staff act for a department");
        if situation.signed_off.contains(&department) {
            return Err(Refusal::AlreadySignedOff);
        }
        let required = required_sign_offs(state, situation.department);
        let all_signed = required
            .iter()
            .all(|d| d == &department || situation.signed_off.contains(d));
        return Ok(Firing {
            to: if all_signed {
                transition.to.clone()
            } else {
                state.code.clone()
            },
            signed_off_by: Some(department),
            moves: all_signed,
        });
    }
    Ok(Firing {
        to: transition.to.clone(),
        signed_off_by: None,
        moves: transition.to != state.code,
    })
}

/// Every department that must sign off in a co-reviewed state: the service's own first.
pub fn required_sign_offs(state: &State, service_department: &str) -> Vec<String> {
    let mut all = vec![service_department.to_owned()];
    for d in &state.co_review {
        if !all.contains(d) {
            all.push(d.clone());
        }
    }
    all
}

/// The department the actor acts for (None for the applicant), or why they may not act.
fn acting_department(
    transition: &Transition,
    state: &State,
    situation: &Situation,
    actor: &Actor,
) -> Result<Option<String>, Refusal> {
    match transition.performer {
        Performer::Applicant => {
            if actor.is_applicant {
                Ok(None)
            } else {
                Err(Refusal::NotAllowed)
            }
        }
        Performer::Department | Performer::Reviewers => {
            if !transition.roles.contains(&actor.role) {
                return Err(Refusal::NotAllowed);
            }
            let mut eligible = vec![situation.department];
            if transition.performer == Performer::Reviewers {
                eligible.extend(state.co_review.iter().map(String::as_str));
            }
            // A clerk of the service's department acts for it, before any co-review role.
            eligible
                .into_iter()
                .find(|d| actor.departments.iter().any(|mine| mine == d))
                .map(|d| Some(d.to_owned()))
                .ok_or(Refusal::NotAllowed)
        }
    }
}

/// What staff of `department` may do now: the transitions they could fire (before the
/// note/decision checks), for showing one button each.
pub fn available<'a>(
    definition: &'a Definition,
    situation: &Situation<'_>,
    actor: &Actor,
) -> Vec<&'a Transition> {
    let probe = Request {
        note: "x",
        decision: "x",
        checklist: &[String::new()],
    };
    definition
        .transitions_from(situation.state)
        .into_iter()
        .filter(|t| fire(definition, situation, actor, &t.name, &probe).is_ok())
        .collect()
}

/// The definitions shipped with OneStop, checked by the tests.
pub fn shipped() -> Vec<Definition> {
    [
        include_str!("workflows/default.toml"),
        include_str!("workflows/joint-review.toml"),
    ]
    .into_iter()
    .map(|text| toml::from_str(text).expect("shipped workflows are checked by the tests"))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> Definition {
        shipped().into_iter().find(|d| d.key == "default").unwrap()
    }

    fn joint() -> Definition {
        shipped()
            .into_iter()
            .find(|d| d.key == "joint-review")
            .unwrap()
    }

    fn never(_: &str) -> u32 {
        0
    }

    fn situation<'a>(state: &'a str, signed: &'a [String]) -> Situation<'a> {
        Situation {
            state,
            department: "SJJ",
            promised_days: 5,
            signed_off: signed,
            times_fired: &never,
        }
    }

    fn depts(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }

    fn note() -> Request<'static> {
        Request {
            note: "理由",
            decision: "决定",
            checklist: &[],
        }
    }

    #[test]
    fn shipped_definitions_are_sound() {
        for d in shipped() {
            d.check().unwrap_or_else(|e| panic!("{}: {e}", d.key));
        }
    }

    #[test]
    fn a_clerk_of_the_department_accepts() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = Actor {
            role: Role::Clerk,
            departments: &sjj,
            is_applicant: false,
        };
        let firing = fire(&d, &situation("submitted", &[]), &clerk, "accept", &note()).unwrap();
        assert_eq!(firing.to, "accepted");
        assert!(firing.moves);
    }

    #[test]
    fn other_departments_citizens_and_admins_may_not_accept() {
        let d = default();
        let wjj = depts(&["WJJ"]);
        let sjj = depts(&["SJJ"]);
        let s = situation("submitted", &[]);
        for actor in [
            Actor {
                role: Role::Clerk,
                departments: &wjj,
                is_applicant: false,
            },
            Actor {
                role: Role::Citizen,
                departments: &[],
                is_applicant: true,
            },
            Actor {
                role: Role::Admin,
                departments: &sjj,
                is_applicant: false,
            },
        ] {
            assert_eq!(
                fire(&d, &s, &actor, "accept", &note()),
                Err(Refusal::NotAllowed)
            );
        }
    }

    #[test]
    fn transitions_only_from_their_states() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = Actor {
            role: Role::Clerk,
            departments: &sjj,
            is_applicant: false,
        };
        assert_eq!(
            fire(&d, &situation("submitted", &[]), &clerk, "approve", &note()),
            Err(Refusal::NotFromHere)
        );
        assert_eq!(
            fire(&d, &situation("closed", &[]), &clerk, "accept", &note()),
            Err(Refusal::NotFromHere)
        );
    }

    #[test]
    fn refusals_and_denials_need_reasons_and_supplement_a_checklist() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = Actor {
            role: Role::Clerk,
            departments: &sjj,
            is_applicant: false,
        };
        let empty = Request::default();
        assert_eq!(
            fire(&d, &situation("submitted", &[]), &clerk, "refuse", &empty),
            Err(Refusal::NoteRequired)
        );
        assert_eq!(
            fire(&d, &situation("under_review", &[]), &clerk, "deny", &empty),
            Err(Refusal::DecisionRequired)
        );
        assert_eq!(
            fire(
                &d,
                &situation("submitted", &[]),
                &clerk,
                "request_supplement",
                &note()
            ),
            Err(Refusal::ChecklistRequired)
        );
    }

    #[test]
    fn only_a_head_extends_and_only_once() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = Actor {
            role: Role::Clerk,
            departments: &sjj,
            is_applicant: false,
        };
        let head = Actor {
            role: Role::Head,
            departments: &sjj,
            is_applicant: false,
        };
        let s = situation("under_review", &[]);
        assert_eq!(
            fire(&d, &s, &clerk, "extend", &note()),
            Err(Refusal::NotAllowed)
        );
        let firing = fire(&d, &s, &head, "extend", &note()).unwrap();
        assert_eq!(firing.to, "under_review");
        assert!(!firing.moves);
        let once = |name: &str| u32::from(name == "extend");
        let s = Situation {
            times_fired: &once,
            ..s
        };
        assert_eq!(
            fire(&d, &s, &head, "extend", &note()),
            Err(Refusal::TooOften)
        );
    }

    #[test]
    fn instant_services_may_be_decided_at_acceptance() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = Actor {
            role: Role::Clerk,
            departments: &sjj,
            is_applicant: false,
        };
        let s = situation("submitted", &[]);
        assert_eq!(
            fire(&d, &s, &clerk, "accept_and_approve", &note()),
            Err(Refusal::NotInstant)
        );
        let instant = Situation {
            promised_days: 0,
            ..s
        };
        let firing = fire(&d, &instant, &clerk, "accept_and_approve", &note()).unwrap();
        assert_eq!(firing.to, "approved");
    }

    #[test]
    fn the_applicant_withdraws_before_a_decision_only() {
        let d = default();
        let me = Actor {
            role: Role::Citizen,
            departments: &[],
            is_applicant: true,
        };
        let other = Actor {
            role: Role::Citizen,
            departments: &[],
            is_applicant: false,
        };
        let empty = Request::default();
        for state in [
            "submitted",
            "needs_supplement",
            "accepted",
            "under_review",
            "special_procedure",
        ] {
            assert!(
                fire(&d, &situation(state, &[]), &me, "withdraw", &empty).is_ok(),
                "{state}"
            );
            assert_eq!(
                fire(&d, &situation(state, &[]), &other, "withdraw", &empty),
                Err(Refusal::NotAllowed)
            );
        }
        for state in ["approved", "rejected", "closed", "not_accepted"] {
            assert_eq!(
                fire(&d, &situation(state, &[]), &me, "withdraw", &empty),
                Err(Refusal::NotFromHere),
                "{state}"
            );
        }
    }

    #[test]
    fn parallel_review_advances_when_every_department_has_signed() {
        let d = joint();
        let sjj = depts(&["ZJJ"]);
        let fire_dept = depts(&["XFJY"]);
        let planning = depts(&["GHZYJ"]);
        let unrelated = depts(&["WJJ"]);
        let situation = |signed: &'static [&'static str]| -> (Vec<String>, &'static str) {
            (depts(signed), "joint_review")
        };
        let clerk = |departments| Actor {
            role: Role::Clerk,
            departments,
            is_applicant: false,
        };
        let run = |signed: &[String], actor: &Actor| {
            let s = Situation {
                state: "joint_review",
                department: "ZJJ",
                promised_days: 2,
                signed_off: signed,
                times_fired: &never,
            };
            fire(&d, &s, actor, "approve", &note())
        };
        let (none, _) = situation(&[]);
        let first = run(&none, &clerk(&sjj)).unwrap();
        assert_eq!(
            (first.moves, first.signed_off_by.as_deref()),
            (false, Some("ZJJ"))
        );
        let (one, _) = situation(&["ZJJ"]);
        assert_eq!(run(&one, &clerk(&sjj)), Err(Refusal::AlreadySignedOff));
        let second = run(&one, &clerk(&fire_dept)).unwrap();
        assert!(!second.moves);
        let (two, _) = situation(&["ZJJ", "XFJY"]);
        let last = run(&two, &clerk(&planning)).unwrap();
        assert_eq!((last.moves, last.to.as_str()), (true, "approved"));
        assert_eq!(run(&none, &clerk(&unrelated)), Err(Refusal::NotAllowed));
        // Any department's denial decides at once.
        let s = Situation {
            state: "joint_review",
            department: "ZJJ",
            promised_days: 2,
            signed_off: &one,
            times_fired: &never,
        };
        let denial = fire(&d, &s, &clerk(&fire_dept), "deny", &note()).unwrap();
        assert_eq!((denial.moves, denial.to.as_str()), (true, "rejected"));
    }

    #[test]
    fn broken_definitions_are_refused() {
        let mut d = default();
        d.transitions.retain(|t| t.name != "start_review");
        assert!(matches!(d.check(), Err(DefinitionProblem::Unreachable(_))));
        let mut d = default();
        d.transitions[0].to = "nowhere".into();
        assert!(matches!(
            d.check(),
            Err(DefinitionProblem::UnknownState { .. })
        ));
        let mut d = default();
        d.states.iter_mut().for_each(|s| {
            if s.code == "accepted" {
                s.kind = StateKind::Initial;
            }
        });
        assert_eq!(d.check(), Err(DefinitionProblem::InitialStates(2)));
        let mut d = default();
        let mut leaving = d.transitions[0].clone();
        leaving.name = "reopen".into();
        leaving.from = vec!["closed".into()];
        d.transitions.push(leaving);
        assert_eq!(
            d.check(),
            Err(DefinitionProblem::LeavesTerminal("reopen".into()))
        );
    }

    #[test]
    fn available_lists_what_the_actor_may_do() {
        let d = default();
        let sjj = depts(&["SJJ"]);
        let clerk = Actor {
            role: Role::Clerk,
            departments: &sjj,
            is_applicant: false,
        };
        let names: Vec<&str> = available(&d, &situation("submitted", &[]), &clerk)
            .into_iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(names, ["accept", "request_supplement", "refuse"]);
    }
}
