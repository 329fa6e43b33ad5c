//! The legal clocks of one application and the supervision (效能监察) levels they give.
//!
//! Every period is counted with [`Calendar`] (see its counting rules). On top of those:
//!
//! 1. **Acceptance** (Art 32): the authority accepts, refuses or asks for missing materials
//!    within 5 working days of receipt. A 补正 answer is a new receipt. If nothing happened by
//!    then, the application counts as accepted as of the receipt date (视为受理). That is final:
//!    from then on its decision periods count from receipt, it is supervised against them, and
//!    the engine refuses a 补正 notice or a refusal of acceptance.
//! 2. **Decision** (Art 42): the promised (承诺) and legal (法定) periods of the service count from
//!    acceptance. A special procedure (Art 45, a clock-paused state) excludes every working day
//!    from the day it starts to the day it ends, both included; those days are added to both
//!    periods. An extension (Art 42: +10 by a department head, or the service's own figure) is
//!    added to the legal period only: the promised deadline is the portal's own promise and
//!    never moves. A pause or an extension may only start while the decision clock runs, that
//!    is on or before the legal deadline.
//! 3. **Delivery** (Art 44): 10 working days from the decision.
//! 4. **Supervision**, measured against the deadline of the current phase: a warning (预警) from
//!    the day 80% of the promised time is used or one working day is left, a yellow card (黄牌)
//!    the day after the promised deadline (or, while awaiting acceptance, the acceptance deadline),
//!    a red card (红牌) the day after the legal deadline. While the clock is paused nothing
//!    escalates further, but a level reached before the pause started stays.

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
    /// Working days added to the legal period by the extension.
    pub extension_days: u32,
    pub decided_on: Option<NaiveDate>,
    /// The acceptance period passed with no acceptance, refusal or 补正 notice (Art 32): the
    /// application counts as accepted from receipt.
    pub deemed_accepted: bool,
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
    /// The working days excluded by special procedures: the finished ones, and the one under
    /// way counted as if it ended `today` (so that a paused application shows the deadline it
    /// would have if it resumed tomorrow).
    fn excluded_days(&self, calendar: &Calendar, today: NaiveDate) -> u32 {
        let running = self
            .paused_since
            .map_or(0, |since| calendar.working_days_in(since, today));
        self.paused_days + running
    }

    /// The working days a special procedure from `start` to `end` excludes (Art 45): every
    /// working day of the span, both days included.
    pub fn pause_days(calendar: &Calendar, start: NaiveDate, end: NaiveDate) -> u32 {
        calendar.working_days_in(start, end)
    }

    /// The phase the clocks run in: an application deemed accepted runs the decision clock,
    /// whatever state it waits in.
    pub fn effective_phase(&self, phase: Phase) -> Phase {
        if phase == Phase::Acceptance && self.deemed_accepted {
            Phase::Decision
        } else {
            phase
        }
    }

    /// The deadlines in `phase`, as they stand on `today`.
    pub fn deadlines(&self, phase: Phase, calendar: &Calendar, today: NaiveDate) -> Deadlines {
        let phase = self.effective_phase(phase);
        let mut out = Deadlines::default();
        let excluded = self.excluded_days(calendar, today);
        out.acceptance_due = self
            .received_on
            .map(|r| calendar.add_working_days(r, ACCEPTANCE_DAYS));
        // Before acceptance the decision periods are shown as they would run from receipt:
        // that is where they count from if the application is deemed accepted.
        let decision_start = self.decision_start();
        if let Some(start) = decision_start {
            out.promised_due =
                Some(calendar.add_working_days(start, self.promised_days + excluded));
            out.legal_due = Some(
                calendar.add_working_days(start, self.legal_days + excluded + self.extension_days),
            );
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
                    out.warn_on = Some(warning_day(calendar, start, self.promised_days, excluded));
                }
            }
            Phase::Delivery => {
                if let Some(decided) = self.decided_on {
                    out.due_on = out.delivery_due;
                    out.hard_due_on = out.delivery_due;
                    out.warn_on = Some(warning_day(calendar, decided, DELIVERY_DAYS, 0));
                }
            }
            Phase::Paused => {
                // A special procedure stops the decision clock: nothing escalates while it
                // runs, but a level reached before its first day stays (an application overdue
                // before the pause stays red).
                if let (Some(since), Some(_)) = (self.paused_since, decision_start) {
                    let before = ClockFacts {
                        paused_since: None,
                        ..self.clone()
                    }
                    .deadlines(Phase::Decision, calendar, since);
                    let passed = |d: Option<NaiveDate>| d.filter(|d| *d < since);
                    out.due_on = passed(before.due_on);
                    out.hard_due_on = passed(before.hard_due_on);
                    out.warn_on = passed(before.warn_on);
                }
            }
            Phase::None => {}
        }
        out
    }

    /// The day the decision periods count from: acceptance (receipt when deemed accepted), or
    /// before acceptance the receipt, where they would count from.
    fn decision_start(&self) -> Option<NaiveDate> {
        self.accepted_on.or(self.received_on)
    }

    /// Whether the application is deemed accepted on `today` in `phase`: flagged already, or
    /// still awaiting acceptance after its acceptance deadline with no acceptance, refusal or
    /// 补正 notice (Art 32).
    pub fn deemed_accepted(&self, phase: Phase, calendar: &Calendar, today: NaiveDate) -> bool {
        self.deemed_accepted || self.acceptance_lapsed(phase, calendar, today)
    }

    /// Whether the acceptance period lapsed on `today` with the application still awaiting
    /// acceptance and not yet deemed accepted: the moment it becomes deemed accepted.
    pub fn acceptance_lapsed(&self, phase: Phase, calendar: &Calendar, today: NaiveDate) -> bool {
        phase == Phase::Acceptance
            && !self.deemed_accepted
            && self.accepted_on.is_none()
            && self
                .received_on
                .is_some_and(|r| today > calendar.add_working_days(r, ACCEPTANCE_DAYS))
    }

    /// Whether the decision clock runs on `today`: the application is accepted (or deemed
    /// so), not paused, not decided, and its legal deadline has not passed. Only then may a
    /// special procedure or an extension start (Arts 42, 45).
    pub fn decision_clock_running(&self, calendar: &Calendar, today: NaiveDate) -> bool {
        self.decision_start().is_some()
            && self.paused_since.is_none()
            && self.decided_on.is_none()
            && self
                .deadlines(Phase::Decision, calendar, today)
                .legal_due
                .is_some_and(|due| today <= due)
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
        // An expert review from Wednesday 9-30 to Monday 10-12, both days excluded: 9-30,
        // 10-08, 09, 10 (make-up Saturday) and 12 are 5 days.
        f.paused_days = ClockFacts::pause_days(&cal, d(2026, 9, 30), d(2026, 10, 12));
        assert_eq!(f.paused_days, 5);
        let dl = f.deadlines(Phase::Decision, &cal, d(2026, 10, 12));
        // Without it: 10-09 and 10-22; five working days later each (10-10 is a make-up
        // Saturday).
        assert_eq!(dl.promised_due, Some(d(2026, 10, 15)));
        assert_eq!(dl.legal_due, Some(d(2026, 10, 29)));
    }

    #[test]
    fn a_special_procedure_started_on_its_first_day_excludes_that_day() {
        let cal = cal();
        let mut f = facts(20, 20);
        // Accepted Monday 11-02: day 1 is 11-03, the legal deadline is Monday 11-30.
        f.accepted_on = Some(d(2026, 11, 2));
        assert_eq!(
            f.deadlines(Phase::Decision, &cal, d(2026, 11, 2)).legal_due,
            Some(d(2026, 11, 30))
        );
        // A hearing held on Tuesday 11-03 alone, started and ended that day: the day does not
        // count, so the deadline moves one working day, to Tuesday 12-01.
        f.paused_days = ClockFacts::pause_days(&cal, d(2026, 11, 3), d(2026, 11, 3));
        assert_eq!(f.paused_days, 1);
        assert_eq!(
            f.deadlines(Phase::Decision, &cal, d(2026, 11, 3)).legal_due,
            Some(d(2026, 12, 1))
        );
        // While it runs, the page shows the deadline as if it ended today.
        let mut running = facts(20, 20);
        running.accepted_on = Some(d(2026, 11, 2));
        running.paused_since = Some(d(2026, 11, 3));
        assert_eq!(
            running
                .deadlines(Phase::Paused, &cal, d(2026, 11, 3))
                .legal_due,
            Some(d(2026, 12, 1))
        );
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
        // 11-03..11-27 are 19 working days paused: 2 + 19 = 21 days after 11-02.
        assert_eq!(dl.promised_due, Some(d(2026, 12, 1)));
    }

    #[test]
    fn a_level_reached_before_the_pause_stays_while_it_runs() {
        let cal = cal();
        // Promised 2, legal 5 from Monday 11-02: promised due 11-04, legal due 11-09.
        let mut f = facts(2, 5);
        f.accepted_on = Some(d(2026, 11, 2));
        // Paused on 11-06, after the promised deadline: it stays yellow, never turns red.
        f.paused_since = Some(d(2026, 11, 6));
        let dl = f.deadlines(Phase::Paused, &cal, d(2026, 11, 30));
        assert_eq!(dl.level(d(2026, 11, 30)), Level::Yellow);
        assert_eq!(dl.due_on, Some(d(2026, 11, 4)));
        assert_eq!(dl.hard_due_on, None);
        // One paused after the legal deadline (recorded before the engine refused it) stays red.
        f.paused_since = Some(d(2026, 11, 12));
        let dl = f.deadlines(Phase::Paused, &cal, d(2026, 11, 30));
        assert_eq!(dl.level(d(2026, 11, 30)), Level::Red);
        // One paused in time shows nothing while paused.
        f.paused_since = Some(d(2026, 11, 3));
        let dl = f.deadlines(Phase::Paused, &cal, d(2026, 11, 30));
        assert_eq!(dl.level(d(2026, 11, 30)), Level::Normal);
    }

    #[test]
    fn an_extension_moves_the_legal_deadline_only() {
        let cal = cal();
        let mut f = facts(15, 20);
        f.accepted_on = Some(d(2026, 11, 2));
        let before = f.deadlines(Phase::Decision, &cal, d(2026, 11, 2));
        f.extension_days = 10;
        let after = f.deadlines(Phase::Decision, &cal, d(2026, 11, 2));
        assert_eq!(before.legal_due, Some(d(2026, 11, 30)));
        assert_eq!(after.legal_due, Some(d(2026, 12, 14)));
        assert_eq!(
            after.promised_due, before.promised_due,
            "the promise never moves"
        );
        assert_eq!(after.warn_on, before.warn_on);
        assert_eq!(after.due_on, before.due_on);
    }

    #[test]
    fn the_decision_clock_runs_until_the_legal_deadline() {
        let cal = cal();
        let mut f = facts(10, 20);
        f.accepted_on = Some(d(2026, 11, 2));
        assert!(
            f.decision_clock_running(&cal, d(2026, 11, 30)),
            "its last day"
        );
        assert!(!f.decision_clock_running(&cal, d(2026, 12, 1)));
        f.paused_since = Some(d(2026, 11, 10));
        assert!(!f.decision_clock_running(&cal, d(2026, 11, 11)), "paused");
    }

    #[test]
    fn a_deemed_acceptance_runs_the_decision_clock_from_receipt() {
        let cal = cal();
        let mut f = facts(10, 20);
        f.received_on = Some(d(2026, 11, 2));
        // Acceptance due Monday 11-09; on 11-10 it lapsed.
        assert!(!f.acceptance_lapsed(Phase::Acceptance, &cal, d(2026, 11, 9)));
        assert!(f.acceptance_lapsed(Phase::Acceptance, &cal, d(2026, 11, 10)));
        f.deemed_accepted = true;
        f.accepted_on = f.received_on;
        assert!(
            !f.acceptance_lapsed(Phase::Acceptance, &cal, d(2026, 11, 10)),
            "once"
        );
        let dl = f.deadlines(Phase::Acceptance, &cal, d(2026, 11, 10));
        // Supervised against the decision deadlines from receipt, not the acceptance one.
        assert_eq!(dl.due_on, Some(d(2026, 11, 16)));
        assert_eq!(dl.hard_due_on, Some(d(2026, 11, 30)));
        assert_eq!(dl.level(d(2026, 11, 10)), Level::Normal);
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
                // While it runs and once it ended.
                f.paused_since = Some(start);
                let running = f.deadlines(Phase::Paused, &cal, end);
                f.paused_since = None;
                f.paused_days = ClockFacts::pause_days(&cal, start, end);
                let after = f.deadlines(Phase::Decision, &cal, end);
                for shown in [running, after] {
                    prop_assert!(shown.promised_due >= before.promised_due);
                    prop_assert!(shown.legal_due >= before.legal_due);
                }
                prop_assert!(after.warn_on >= before.warn_on);
            }

            #[test]
            fn a_pause_excludes_exactly_its_working_days(
                accepted in any_date(), promised in 0u32..30, legal_extra in 0u32..20,
                pause_start in 1u32..40, pause_len in 0u32..40,
            ) {
                let cal = cal();
                let mut f = facts(promised, promised + legal_extra);
                f.accepted_on = Some(accepted);
                let before = f.deadlines(Phase::Decision, &cal, accepted);
                let start = accepted + Days::new(pause_start.into());
                let end = start + Days::new(pause_len.into());
                f.paused_days = ClockFacts::pause_days(&cal, start, end);
                let after = f.deadlines(Phase::Decision, &cal, end);
                // Every working day from the start to the end, both included, and no other.
                let mut working = 0;
                let mut day = start;
                while day <= end {
                    working += u32::from(cal.is_working_day(day));
                    day = day.succ_opt().unwrap();
                }
                prop_assert_eq!(f.paused_days, working);
                let moved = |a: Option<NaiveDate>, b: Option<NaiveDate>| {
                    cal.working_days_between(a.unwrap(), b.unwrap())
                };
                prop_assert_eq!(moved(before.promised_due, after.promised_due), working);
                prop_assert_eq!(moved(before.legal_due, after.legal_due), working);
            }

            #[test]
            fn no_pause_or_extension_after_the_legal_deadline(
                accepted in any_date(), legal in 0u32..30, paused in 0u32..10,
                extension in prop_oneof![Just(0u32), Just(10u32)], later in 0u32..80,
            ) {
                let cal = cal();
                let mut f = facts(legal.min(5), legal);
                f.accepted_on = Some(accepted);
                f.paused_days = paused;
                f.extension_days = extension;
                let today = accepted + Days::new(later.into());
                let legal_due = f.deadlines(Phase::Decision, &cal, today).legal_due.unwrap();
                prop_assert_eq!(f.decision_clock_running(&cal, today), today <= legal_due);
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
