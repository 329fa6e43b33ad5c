//! The rule for firing a transition: who may, from which state, with which sign-offs and clock
//! effects, and what it refuses with.

use super::*;

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
    /// The co-reviewing departments' opinions given in the current state.
    pub opinions: &'a [Opinion],
    /// How many times each transition has been fired on this application.
    pub times_fired: &'a dyn Fn(&str) -> u32,
    /// Where its legal clocks stand today.
    pub clock: ClockSituation,
}

/// What the engine must know of an application's clocks to keep the law whatever a workflow
/// says. The default forbids nothing (a situation with no clock facts, as on the queue).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockSituation {
    /// Deemed accepted (Art 32): the acceptance can no longer be refused or put off by a
    /// 补正 notice.
    pub deemed_accepted: bool,
    /// The legal decision deadline has passed: no special procedure or extension may start.
    pub legal_deadline_passed: bool,
    /// The decision period has been extended already.
    pub extended: bool,
}

/// A co-reviewing department's opinion (审查意见) on an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opinion {
    pub department: String,
    /// 同意 (true) or 不同意 (false).
    pub agrees: bool,
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
    #[error("your department has already given its opinion")]
    AlreadySignedOff,
    /// The lead's decision waits for these co-reviewing departments' opinions.
    #[error("waiting for the opinions of {0:?}")]
    CoReviewsOutstanding(Vec<String>),
    /// These co-reviewing departments did not agree, and a refusal decides: only a denial.
    #[error("refused by {0:?}: only a denial can be issued")]
    RefusedInCoReview(Vec<String>),
    /// Art 32: once deemed accepted, no 补正 notice and no refusal of acceptance.
    #[error(
        "the application is deemed accepted: it can no longer be refused or sent back for materials"
    )]
    DeemedAccepted,
    /// Arts 42, 45: a special procedure or an extension starts only while the clock runs.
    #[error("the legal deadline has passed: no special procedure or extension may start")]
    DeadlinePassed,
    /// Art 42: one extension per application, in the decision phase.
    #[error("the decision period can be extended once, during the decision phase only")]
    ExtensionNotPossible,
    /// 好差评: a named rater is called back (回访) before their bad rating is answered.
    #[error("record the call to the rater (回访) before answering")]
    ContactFirst,
}

impl Refusal {
    /// Whether the refusal is a rule of the law about the clocks, answered with a conflict
    /// (409) rather than a form to correct.
    pub fn is_legal_clock(&self) -> bool {
        matches!(
            self,
            Refusal::DeemedAccepted | Refusal::DeadlinePassed | Refusal::ExtensionNotPossible
        )
    }
}

/// The outcome of a permitted transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    /// The state after the transition (the same state while sign-offs are outstanding).
    pub to: String,
    /// A co-reviewing department's opinion, when the transition gave one (the state stays).
    pub opinion: Option<Opinion>,
    /// The department the actor acted for (`None` for the applicant).
    pub acting_for: Option<String>,
    /// Whether the state actually changes (false for an opinion).
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
    clock_rules(definition, state, transition, situation.clock, actor)?;
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
    if !state.co_review.is_empty()
        && let Some(department) = &acting_for
    {
        let decides = matches!(transition.effect, Effect::Decide | Effect::AcceptAndDecide);
        if department != situation.department {
            // A co-reviewer gives an opinion; its "decision" is one too, and nothing else.
            if !(transition.sign_off || decides) {
                return Err(Refusal::NotAllowed);
            }
            if situation
                .opinions
                .iter()
                .any(|o| &o.department == department)
            {
                return Err(Refusal::AlreadySignedOff);
            }
            return Ok(Firing {
                to: state.code.clone(),
                opinion: Some(Opinion {
                    department: department.clone(),
                    agrees: !transition.negative,
                }),
                acting_for,
                moves: false,
            });
        }
        if transition.sign_off && !decides {
            // Opinions are the co-reviewers'; the lead decides.
            return Err(Refusal::NotAllowed);
        }
        if decides {
            let refused: Vec<String> = situation
                .opinions
                .iter()
                .filter(|o| !o.agrees && state.co_review.contains(&o.department))
                .map(|o| o.department.clone())
                .collect();
            let decisive_refusal = !refused.is_empty() && !state.co_review_refusal_advisory;
            if decisive_refusal && !transition.negative {
                return Err(Refusal::RefusedInCoReview(refused));
            }
            let outstanding = outstanding_opinions(state, situation.opinions);
            if !outstanding.is_empty() && !decisive_refusal {
                return Err(Refusal::CoReviewsOutstanding(outstanding));
            }
        }
    }
    Ok(Firing {
        to: transition.to.clone(),
        opinion: None,
        acting_for,
        moves: transition.to != state.code,
    })
}

/// The co-reviewing departments of `state` whose opinion is not in yet, in the state's order.
pub fn outstanding_opinions(state: &State, opinions: &[Opinion]) -> Vec<String> {
    state
        .co_review
        .iter()
        .filter(|d| !opinions.iter().any(|o| &o.department == *d))
        .cloned()
        .collect()
}

/// The law's rules on the clocks, checked on every transition whatever the workflow says.
pub(super) fn clock_rules(
    definition: &Definition,
    state: &State,
    transition: &Transition,
    clock: ClockSituation,
    actor: &Actor,
) -> Result<(), Refusal> {
    let to = definition.state(&transition.to);
    let to_phase = to.map_or(Phase::None, |s| s.phase);
    // Art 32: a deemed acceptance is final. From a state awaiting acceptance staff may accept
    // or decide; not send it back for materials (a pause or a new receipt) nor end it.
    if clock.deemed_accepted
        && state.phase == Phase::Acceptance
        && transition.performer != Performer::Applicant
    {
        let decides = matches!(
            transition.effect,
            Effect::Accept | Effect::AcceptAndDecide | Effect::Decide
        );
        let undoes = transition.effect == Effect::Receive
            || matches!(to_phase, Phase::Paused | Phase::Acceptance)
            || to.is_some_and(|s| s.kind == StateKind::Terminal);
        if undoes && !decides {
            return Err(Refusal::DeemedAccepted);
        }
    }
    // Arts 42, 45: the decision clock is stopped or extended only while it runs.
    let pauses = state.phase == Phase::Decision && to_phase == Phase::Paused;
    if transition.effect == Effect::Extend {
        // Art 42: the head of the agency grants an extension; a hotline request's is granted
        // by the hotline (the definition check holds the same rule).
        let granter = if transition.performer == Performer::Hotline {
            Role::Operator
        } else {
            Role::Head
        };
        if actor.role != granter {
            return Err(Refusal::NotAllowed);
        }
        if clock.extended || state.phase != Phase::Decision || to_phase != Phase::Decision {
            return Err(Refusal::ExtensionNotPossible);
        }
    }
    if (pauses || transition.effect == Effect::Extend) && clock.legal_deadline_passed {
        return Err(Refusal::DeadlinePassed);
    }
    Ok(())
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
pub(super) fn acting_department(
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
        Performer::Administrators => {
            if actor.role == Role::Admin && transition.roles.contains(&actor.role) {
                Ok(None)
            } else {
                Err(Refusal::NotAllowed)
            }
        }
        Performer::Grid => {
            if matches!(actor.role, Role::GridWorker | Role::Commander)
                && transition.roles.contains(&actor.role)
            {
                Ok(None)
            } else {
                Err(Refusal::NotAllowed)
            }
        }
        Performer::Hotline => {
            if actor.role == Role::Operator && transition.roles.contains(&actor.role) {
                Ok(None)
            } else {
                Err(Refusal::NotAllowed)
            }
        }
        Performer::Department | Performer::Reviewers | Performer::CoReviewers => {
            if !transition.roles.contains(&actor.role) {
                return Err(Refusal::NotAllowed);
            }
            let mut eligible = Vec::new();
            if transition.performer != Performer::CoReviewers {
                eligible.push(situation.department);
            }
            if transition.performer != Performer::Department {
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
