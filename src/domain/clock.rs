//! The legal clocks of one application and the supervision (效能监察) levels they give.
//!
//! Every period is counted with [`Calendar`] (see its counting rules). On top of those:
//!
//! 1. **Acceptance** (Art 32): the authority accepts, refuses or asks for missing materials
//!    within 5 working days of receipt. A 补正 answer is a new receipt. If nothing happened by
//!    then, the application counts as accepted as of the receipt date (视为受理): it is flagged,
//!    and when a clerk accepts it later the decision periods still count from receipt.
//! 2. **Decision** (Art 42): the promised (承诺) and legal (法定) periods of the service count from
//!    acceptance. Working days inside a clock-paused state (Art 45 special procedures) are added
//!    to both; an extension (+10 by a department head) is added to both.
//! 3. **Delivery** (Art 44): 10 working days from the decision.
//! 4. **Supervision**, measured against the deadline of the current phase: a warning (预警) from
//!    the day 80% of the promised time is used or one working day is left, a yellow card (黄牌)
//!    the day after the promised deadline (or, while awaiting acceptance, the acceptance deadline),
//!    a red card (红牌) the day after the legal deadline. While the clock is paused nothing
//!    escalates.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::calendar::Calendar;

/// Working days to accept, refuse or ask for materials (Art 32).
pub const ACCEPTANCE_DAYS: u32 = 5;
/// Working days to deliver the decision (Art 44).
pub const DELIVERY_DAYS: u32 = 10;
/// Share of the promised time after which a warning is given (效能监察).
const WARNING_SHARE: (u32, u32) = (4, 5);

/// Which clock a workflow state runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Received, awaiting acceptance.
    Acceptance,
    /// Accepted, awaiting a decision.
    Decision,
    /// The decision clock is stopped (special procedures; 补正 before acceptance).
    Paused,
    /// Decided, awaiting delivery.
    Delivery,
    /// Nothing runs: drafts and ended applications.
    None,
}

/// What the clocks are computed from: facts recorded as the application moved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClockFacts {
    pub promised_days: u32,
    pub legal_days: u32,
    /// The (latest) receipt: submission, or the answer to a 补正 request.
    pub received_on: Option<NaiveDate>,
    /// The date the decision periods count from: acceptance, or receipt if deemed accepted.
    pub accepted_on: Option<NaiveDate>,
    /// Working days spent in finished pauses.
    pub paused_days: u32,
    /// The start of the pause under way, if any.
    pub paused_since: Option<NaiveDate>,
    /// Working days added by extensions.
    pub extension_days: u32,
    pub decided_on: Option<NaiveDate>,
}

/// The deadlines of an application, all inclusive last days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Deadlines {
    pub acceptance_due: Option<NaiveDate>,
    pub promised_due: Option<NaiveDate>,
    pub legal_due: Option<NaiveDate>,
    pub delivery_due: Option<NaiveDate>,
    /// The deadline the current phase is supervised against (what queues sort by).
    pub due_on: Option<NaiveDate>,
    /// The first day of the warning.
    pub warn_on: Option<NaiveDate>,
    /// The day after which a red card is given.
    pub hard_due_on: Option<NaiveDate>,
    /// The current state's own limit, if it has one.
    pub state_due: Option<NaiveDate>,
}

impl Deadlines {
    /// Adds the current state's own limit: `limit` working days from the day it was `entered`
    /// (day 1 being the next working day). When it falls before the phase's deadline, it is
    /// the one supervised (warning at 80 %, yellow card once passed); the legal deadline still
    /// gives the red card.
    pub fn with_state_limit(
        mut self,
        entered: Option<NaiveDate>,
        limit: Option<u32>,
        calendar: &Calendar,
    ) -> Self {
        let (Some(entered), Some(limit)) = (entered, limit) else {
            return self;
        };
        let due = calendar.add_working_days(entered, limit);
        self.state_due = Some(due);
        if self.due_on.is_none_or(|phase_due| due < phase_due) {
            self.due_on = Some(due);
            self.warn_on = Some(warning_day(calendar, entered, limit, 0));
        }
        self
    }
}

/// The supervision level of an application on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Normal,
    Warning,
    Yellow,
    Red,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Normal, Level::Warning, Level::Yellow, Level::Red];

    pub fn code(self) -> &'static str {
        match self {
            Level::Normal => "normal",
            Level::Warning => "warning",
            Level::Yellow => "yellow",
            Level::Red => "red",
        }
    }

    pub fn parse(code: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code() == code)
    }
}

impl ClockFacts {
    /// The decision periods' extra days: finished pauses, the pause under way up to `today`
    /// (so that a paused application shows the deadline it would have if it resumed today),
    /// and extensions.
    fn added_days(&self, calendar: &Calendar, today: NaiveDate) -> u32 {
        let running = self
            .paused_since
            .map_or(0, |since| calendar.working_days_between(since, today));
        self.paused_days + running + self.extension_days
    }

    /// The deadlines in `phase`, as they stand on `today`.
    pub fn deadlines(&self, phase: Phase, calendar: &Calendar, today: NaiveDate) -> Deadlines {
        let mut out = Deadlines::default();
        let added = self.added_days(calendar, today);
        out.acceptance_due = self
            .received_on
            .map(|r| calendar.add_working_days(r, ACCEPTANCE_DAYS));
        // Before acceptance the decision periods are shown as they would run from receipt:
        // that is where they count from if the application is deemed accepted.
        let decision_start = self.accepted_on.or(self.received_on);
        if let Some(start) = decision_start {
            out.promised_due = Some(calendar.add_working_days(start, self.promised_days + added));
            out.legal_due = Some(calendar.add_working_days(start, self.legal_days + added));
        }
        out.delivery_due = self
            .decided_on
            .map(|d| calendar.add_working_days(d, DELIVERY_DAYS));
        match phase {
            Phase::Acceptance => {
                if let (Some(received), Some(due)) = (self.received_on, out.acceptance_due) {
                    out.due_on = Some(due);
                    out.hard_due_on = out.legal_due;
                    out.warn_on = Some(warning_day(calendar, received, ACCEPTANCE_DAYS, 0));
                }
            }
            Phase::Decision => {
                if let Some(start) = decision_start {
                    out.due_on = out.promised_due;
                    out.hard_due_on = out.legal_due;
                    let promised = self.promised_days + self.extension_days;
                    let paused = added - self.extension_days;
                    out.warn_on = Some(warning_day(calendar, start, promised, paused));
                }
            }
            Phase::Delivery => {
                if let Some(decided) = self.decided_on {
                    out.due_on = out.delivery_due;
                    out.hard_due_on = out.delivery_due;
                    out.warn_on = Some(warning_day(calendar, decided, DELIVERY_DAYS, 0));
                }
            }
            Phase::Paused | Phase::None => {}
        }
        out
    }

    /// Whether the acceptance deadline passed with no acceptance, refusal or 补正 notice:
    /// the application counts as accepted as of receipt (Art 32).
    pub fn deemed_accepted(&self, phase: Phase, calendar: &Calendar, today: NaiveDate) -> bool {
        phase == Phase::Acceptance
            && self
                .received_on
                .is_some_and(|r| today > calendar.add_working_days(r, ACCEPTANCE_DAYS))
    }
}

/// The first day of the warning for a period of `days` working days from `start` that has had
/// `paused` working days added: the day 80% of the time is used, or the working day before the
/// last, whichever comes first; the start itself for a period of 0 or 1 days.
fn warning_day(calendar: &Calendar, start: NaiveDate, days: u32, paused: u32) -> NaiveDate {
    let (num, den) = WARNING_SHARE;
    let eighty_percent = (days * num).div_ceil(den);
    let one_left = days.saturating_sub(1);
    calendar.add_working_days(start, eighty_percent.min(one_left) + paused)
}

impl Deadlines {
    /// The supervision level on `today`.
    pub fn level(&self, today: NaiveDate) -> Level {
        if self.hard_due_on.is_some_and(|d| today > d) {
            Level::Red
        } else if self.due_on.is_some_and(|d| today > d) {
            Level::Yellow
        } else if self.warn_on.is_some_and(|d| today >= d) {
            Level::Warning
        } else {
            Level::Normal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::shipped_days;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> Calendar {
        Calendar::new(shipped_days().into_iter().map(|d| (d.date, d.kind)))
    }

    fn facts(promised: u32, legal: u32) -> ClockFacts {
        ClockFacts {
            promised_days: promised,
            legal_days: legal,
            ..ClockFacts::default()
        }
    }

    #[test]
    fn acceptance_deadline_and_deemed_acceptance() {
        let cal = cal();
        let mut f = facts(10, 20);
        // Received Thursday 2026-09-24: 9-25 中秋 is off, so day 1 is Monday 9-28; 9-28, 29, 30,
        // then 10-08, 10-09 are days 1–5.
        f.received_on = Some(d(2026, 9, 24));
        let dl = f.deadlines(Phase::Acceptance, &cal, d(2026, 9, 24));
        assert_eq!(dl.acceptance_due, Some(d(2026, 10, 9)));
        assert_eq!(dl.due_on, Some(d(2026, 10, 9)));
        assert!(!f.deemed_accepted(Phase::Acceptance, &cal, d(2026, 10, 9)));
        assert!(f.deemed_accepted(Phase::Acceptance, &cal, d(2026, 10, 10)));
        assert_eq!(dl.level(d(2026, 10, 9)), Level::Warning);
        assert_eq!(dl.level(d(2026, 10, 10)), Level::Yellow);
        // Not deemed accepted once it left the acceptance phase.
        assert!(!f.deemed_accepted(Phase::Decision, &cal, d(2026, 10, 12)));
    }

    #[test]
    fn a_state_limit_is_supervised_when_it_comes_first() {
        let cal = cal();
        let mut f = facts(10, 20);
        f.received_on = Some(d(2026, 11, 2));
        f.accepted_on = Some(d(2026, 11, 2));
        let phase = f.deadlines(Phase::Decision, &cal, d(2026, 11, 5));
        // An on-site check entered on Thursday 11-05 with 2 working days: Friday 11-06 and
        // Monday 11-09.
        let dl = phase.with_state_limit(Some(d(2026, 11, 5)), Some(2), &cal);
        assert_eq!(dl.state_due, Some(d(2026, 11, 9)));
        assert_eq!(
            dl.due_on,
            Some(d(2026, 11, 9)),
            "earlier than the promised deadline"
        );
        assert_eq!(
            dl.hard_due_on, phase.hard_due_on,
            "the legal deadline still gives red"
        );
        assert_eq!(dl.level(d(2026, 11, 10)), Level::Yellow);
        assert_eq!(phase.level(d(2026, 11, 10)), Level::Normal);
        // A limit that ends after the phase's deadline changes nothing but its own date.
        let late = phase.with_state_limit(Some(d(2026, 11, 5)), Some(30), &cal);
        assert_eq!(late.due_on, phase.due_on);
        assert!(late.state_due > phase.due_on);
        assert_eq!(
            phase.with_state_limit(Some(d(2026, 11, 5)), None, &cal),
            phase
        );
    }

    #[test]
    fn accepted_on_the_friday_before_national_day() {
        // Accepted on Friday 2026-09-18 (the last Friday that is a working day before 国庆),
        // promised 10, legal 20 working days.
        let cal = cal();
        let mut f = facts(10, 20);
        f.received_on = Some(d(2026, 9, 16));
        f.accepted_on = Some(d(2026, 9, 18));
        let dl = f.deadlines(Phase::Decision, &cal, d(2026, 9, 18));
        // 9-20 (Sunday make-up) 1, 9-21..24 2–5, 9-28..30 6–8, 10-08 9, 10-09 10.
        assert_eq!(dl.promised_due, Some(d(2026, 10, 9)));
        assert_eq!(dl.legal_due, Some(d(2026, 10, 22)));
        // 80% of 10 is day 8 (9-30); one day left is day 9: the warning starts on 9-30.
        assert_eq!(dl.warn_on, Some(d(2026, 9, 30)));
        assert_eq!(dl.level(d(2026, 9, 29)), Level::Normal);
        assert_eq!(dl.level(d(2026, 9, 30)), Level::Warning);
        assert_eq!(dl.level(d(2026, 10, 9)), Level::Warning);
        assert_eq!(dl.level(d(2026, 10, 10)), Level::Yellow);
        assert_eq!(dl.level(d(2026, 10, 22)), Level::Yellow);
        assert_eq!(dl.level(d(2026, 10, 23)), Level::Red);
    }

    #[test]
    fn a_pause_moves_both_deadlines_by_its_working_days() {
        let cal = cal();
        let mut f = facts(10, 20);
        f.accepted_on = Some(d(2026, 9, 18));
        // An expert review from Wednesday 9-30 to Monday 10-12: 10-08, 09, 10, 12 are 4 days.
        f.paused_days = cal.working_days_between(d(2026, 9, 30), d(2026, 10, 12));
        assert_eq!(f.paused_days, 4);
        let dl = f.deadlines(Phase::Decision, &cal, d(2026, 10, 12));
        assert_eq!(dl.promised_due, Some(d(2026, 10, 14)));
        assert_eq!(dl.legal_due, Some(d(2026, 10, 28)));
    }

    #[test]
    fn a_paused_application_does_not_escalate_and_shows_todays_deadline() {
        let cal = cal();
        let mut f = facts(2, 20);
        f.accepted_on = Some(d(2026, 11, 2));
        f.paused_since = Some(d(2026, 11, 3));
        let dl = f.deadlines(Phase::Paused, &cal, d(2026, 11, 27));
        assert_eq!(dl.level(d(2026, 11, 27)), Level::Normal);
        assert_eq!(dl.due_on, None);
        // 11-04..11-27 are 18 working days paused: 2 + 18 = 20 days after 11-02.
        assert_eq!(dl.promised_due, Some(d(2026, 11, 30)));
    }

    #[test]
    fn an_extension_adds_ten_working_days() {
        let cal = cal();
        let mut f = facts(20, 20);
        f.accepted_on = Some(d(2026, 11, 2));
        let before = f.deadlines(Phase::Decision, &cal, d(2026, 11, 2));
        f.extension_days = 10;
        let after = f.deadlines(Phase::Decision, &cal, d(2026, 11, 2));
        assert_eq!(before.legal_due, Some(d(2026, 11, 30)));
        assert_eq!(after.legal_due, Some(d(2026, 12, 14)));
        assert_eq!(after.promised_due, after.legal_due);
    }

    #[test]
    fn an_instant_service_is_due_the_day_it_is_accepted() {
        let cal = cal();
        let mut f = facts(0, 20);
        f.accepted_on = Some(d(2026, 11, 27));
        let dl = f.deadlines(Phase::Decision, &cal, d(2026, 11, 27));
        assert_eq!(dl.promised_due, Some(d(2026, 11, 27)));
        assert_eq!(dl.level(d(2026, 11, 27)), Level::Warning);
        assert_eq!(dl.level(d(2026, 11, 30)), Level::Yellow);
    }

    #[test]
    fn delivery_within_ten_working_days_of_the_decision() {
        let cal = cal();
        let mut f = facts(5, 20);
        f.accepted_on = Some(d(2026, 9, 1));
        f.decided_on = Some(d(2026, 9, 30));
        let dl = f.deadlines(Phase::Delivery, &cal, d(2026, 9, 30));
        // 10-08, 09, 10, 12..16, 19, 20: the tenth is 10-20.
        assert_eq!(dl.delivery_due, Some(d(2026, 10, 20)));
        assert_eq!(dl.due_on, dl.delivery_due);
        assert_eq!(dl.level(d(2026, 10, 21)), Level::Red);
    }

    mod properties {
        use super::*;
        use chrono::Days;
        use proptest::prelude::*;

        fn any_date() -> impl Strategy<Value = NaiveDate> {
            (0u32..700).prop_map(|n| d(2026, 1, 1) + Days::new(n.into()))
        }

        proptest! {
            #[test]
            fn deadlines_land_on_working_days(
                accepted in any_date(), promised in 1u32..30, extra in 0u32..20,
                paused in 0u32..15, extension in prop_oneof![Just(0u32), Just(10u32)],
            ) {
                let cal = cal();
                let mut f = facts(promised, promised + extra);
                f.accepted_on = Some(accepted);
                f.received_on = Some(accepted);
                f.paused_days = paused;
                f.extension_days = extension;
                f.decided_on = Some(accepted);
                for phase in [Phase::Acceptance, Phase::Decision, Phase::Delivery] {
                    let dl = f.deadlines(phase, &cal, accepted);
                    for due in [dl.acceptance_due, dl.promised_due, dl.legal_due, dl.delivery_due,
                                dl.due_on, dl.hard_due_on].into_iter().flatten() {
                        prop_assert!(cal.is_working_day(due), "{due} in {phase:?}");
                    }
                }
            }

            #[test]
            fn adding_a_pause_never_moves_a_deadline_earlier(
                accepted in any_date(), promised in 0u32..30, legal_extra in 0u32..20,
                pause_start in 0u32..40, pause_len in 0u32..40,
            ) {
                let cal = cal();
                let mut f = facts(promised, promised + legal_extra);
                f.accepted_on = Some(accepted);
                let before = f.deadlines(Phase::Decision, &cal, accepted);
                let start = accepted + Days::new(pause_start.into());
                let end = start + Days::new(pause_len.into());
                f.paused_days = cal.working_days_between(start, end);
                let after = f.deadlines(Phase::Decision, &cal, end);
                prop_assert!(after.promised_due >= before.promised_due);
                prop_assert!(after.legal_due >= before.legal_due);
                prop_assert!(after.warn_on >= before.warn_on);
            }

            #[test]
            fn levels_only_rise_as_days_pass(accepted in any_date(), promised in 0u32..30, a in 0u32..60, b in 0u32..60) {
                let cal = cal();
                let mut f = facts(promised, promised + 10);
                f.accepted_on = Some(accepted);
                let dl = f.deadlines(Phase::Decision, &cal, accepted);
                let (early, late) = (a.min(b), a.max(b));
                prop_assert!(dl.level(accepted + Days::new(early.into())) <= dl.level(accepted + Days::new(late.into())));
            }
        }
    }
}
