//! The legal clocks of an application: pinned at submission, recomputed when the calendar changes,
//! and told to the applicant when a deadline moves.

use super::*;

/// What submission pins on a new application, and its deadlines.
pub struct Pinned {
    pub pinning: queries::Pinning,
    pub definition: Arc<Definition>,
    /// The phase deadlines as the receipt tells them: acceptance, promised, legal.
    pub receipt_deadlines: Deadlines,
}

/// Pins the service's current workflow and periods on an application received `today`.
pub fn pin_at_submission(
    conn: &mut DbConnection,
    service: &crate::db::catalog::SubmissionService,
    today: NaiveDate,
) -> Result<Pinned, ServiceError> {
    let key = &service.workflow_key;
    let (definition_id, _, digest) = queries::latest_definition(conn, key)?
        .ok_or_else(|| corrupt(format!("no workflow {key} is published")))?;
    let definition = parsed_definition(conn, definition_id, &digest)?;
    let calendar = load_calendar(conn)?;
    let (promised, legal, department_id) = (
        service.promised_days,
        service.legal_days,
        service.department_id,
    );
    let facts = ClockFacts {
        promised_days: days(promised),
        legal_days: days(legal),
        received_on: Some(today),
        ..ClockFacts::default()
    };
    let initial = definition.initial();
    let receipt_deadlines = facts.deadlines(initial.phase, &calendar, today);
    let deadlines =
        receipt_deadlines.with_state_limit(Some(today), initial.time_limit_days, &calendar);
    Ok(Pinned {
        pinning: queries::Pinning {
            workflow_definition_id: definition_id,
            department_id,
            promised_days: promised,
            legal_days: legal,
            received_on: today,
            due_on: deadlines.due_on.unwrap_or(NO_DEADLINE),
            warn_on: deadlines.warn_on.unwrap_or(NO_DEADLINE),
            hard_due_on: deadlines.hard_due_on.unwrap_or(NO_DEADLINE),
            state_entered_on: today,
        },
        definition,
        receipt_deadlines,
    })
}

pub(super) fn days(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

impl CaseRow {
    pub fn facts(&self) -> ClockFacts {
        ClockFacts {
            promised_days: days(self.promised_days),
            legal_days: days(self.legal_days),
            received_on: self.received_on,
            accepted_on: self.accepted_on,
            paused_days: days(self.paused_days),
            paused_since: self.paused_since,
            extension_days: days(self.extension_days),
            decided_on: self.decided_on,
            deemed_accepted: self.deemed_accepted,
        }
    }

    /// The clock facts as they stand on `today` in `phase`: an application whose acceptance
    /// period lapsed counts as accepted from receipt even before supervision recorded it.
    pub fn facts_on(&self, phase: Phase, calendar: &Calendar, today: NaiveDate) -> ClockFacts {
        let mut facts = self.facts();
        if facts.acceptance_lapsed(phase, calendar, today) {
            facts.deemed_accepted = true;
            facts.accepted_on = facts.received_on;
        }
        facts
    }
}

/// Whether every deadline shown falls in a confirmed year of the calendar (a provisional year
/// or one with no calendar may still move).
pub(super) fn shown_deadlines_settled(deadlines: &Deadlines, calendar: &Calendar) -> bool {
    [
        deadlines.acceptance_due,
        deadlines.promised_due,
        deadlines.legal_due,
        deadlines.delivery_due,
        deadlines.state_due,
    ]
    .into_iter()
    .flatten()
    .all(|d| calendar.covers(d))
}

/// Where an application's clocks stand for the engine's legal rules.
pub(super) fn clock_situation(
    facts: &ClockFacts,
    calendar: &Calendar,
    today: NaiveDate,
) -> engine::ClockSituation {
    let legal_due = facts.deadlines(Phase::Decision, calendar, today).legal_due;
    engine::ClockSituation {
        deemed_accepted: facts.deemed_accepted,
        legal_deadline_passed: legal_due.is_some_and(|due| today > due),
        extended: facts.extension_days > 0,
    }
}

/// Deadlines as the queue columns store them (NULL and the far date mean none).
pub(super) fn stored_deadlines(
    due_on: Option<NaiveDate>,
    warn_on: Option<NaiveDate>,
    hard_due_on: Option<NaiveDate>,
) -> Deadlines {
    let real = |d: Option<NaiveDate>| d.filter(|d| *d != NO_DEADLINE);
    Deadlines {
        due_on: real(due_on),
        warn_on: real(warn_on),
        hard_due_on: real(hard_due_on),
        ..Deadlines::default()
    }
}

/// What a calendar change did to the running clocks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recomputed {
    /// Applications whose deadlines moved (each with an audit event).
    pub moved: usize,
    /// Of those, the applicants told because a deadline their page shows moved.
    pub told: usize,
}

/// Recomputes, in the caller's transaction, every running clock that a change of the calendar
/// on days from `first` to `last` (from `before` to `after`) moves, so that every page, list, export and later mail
/// shows the same dates: the stored deadlines are rewritten, each moved application gets an
/// audit event by `actor` (none for a shipped calendar merged at start-up), and an applicant whose shown deadline moved is told by mail.
/// Decided and ended applications never change.
pub fn recompute_clocks(
    conn: &mut DbConnection,
    before: &Calendar,
    after: &Calendar,
    (first, last): (NaiveDate, NaiveDate),
    actor: Option<i64>,
) -> Result<Recomputed, ServiceError> {
    // Warnings and cards move with the clocks: the next supervision pass is a full one.
    queries::forget_passes(conn)?;
    let definitions = parsed_definitions(conn)?;
    let mut ended: Vec<String> = vec!["draft".to_owned()];
    for s in definitions.iter().flat_map(|(_, d)| d.states.iter()) {
        let running_elsewhere = definitions.iter().any(|(_, d)| {
            d.state(&s.code)
                .is_some_and(|o| o.kind != engine::StateKind::Terminal)
        });
        if s.kind == engine::StateKind::Terminal && !running_elsewhere && !ended.contains(&s.code) {
            ended.push(s.code.clone());
        }
    }
    let today = today();
    let stamp = now();
    let mut done = Recomputed::default();
    for case in queries::running_clocks_over(conn, (first, last), &ended)? {
        let Some((_, definition)) = definitions
            .iter()
            .find(|(id, _)| Some(*id) == case.workflow_definition_id)
        else {
            continue;
        };
        let Some(state) = definition.state(&case.status) else {
            continue;
        };
        if state.kind == engine::StateKind::Terminal {
            continue;
        }
        let deadlines = |calendar: &Calendar| {
            case.facts_on(state.phase, calendar, today)
                .deadlines(state.phase, calendar, today)
                .with_state_limit(case.state_entered_on, state.time_limit_days, calendar)
        };
        let (old, new) = (deadlines(before), deadlines(after));
        let stored = |d: &Deadlines| {
            (
                d.due_on.unwrap_or(NO_DEADLINE),
                d.warn_on.unwrap_or(NO_DEADLINE),
                d.hard_due_on.unwrap_or(NO_DEADLINE),
            )
        };
        let was = (
            case.due_on.unwrap_or(NO_DEADLINE),
            case.warn_on.unwrap_or(NO_DEADLINE),
            case.hard_due_on.unwrap_or(NO_DEADLINE),
        );
        // What the applicant's page shows: the acceptance deadline while it runs, the
        // promised and legal ones, and the delivery deadline.
        let shown = |d: &Deadlines| {
            let accepting = state.phase == Phase::Acceptance && !case.deemed_accepted;
            (
                d.acceptance_due.filter(|_| accepting),
                d.promised_due,
                d.legal_due,
                d.delivery_due,
            )
        };
        let moved_shown = shown(&old) != shown(&new);
        if stored(&new) == was && !moved_shown && old == new {
            continue;
        }
        queries::set_deadlines(conn, case.id, stored(&new))?;
        let fmt = |d: Option<NaiveDate>| d.map_or_else(|| "—".to_owned(), |d| d.to_string());
        let details = serde_json::json!({
            "calendar_days": [first.to_string(), last.to_string()],
            "before": { "due_on": fmt(old.due_on), "promised_due": fmt(old.promised_due), "legal_due": fmt(old.legal_due), "acceptance_due": fmt(old.acceptance_due) },
            "after": { "due_on": fmt(new.due_on), "promised_due": fmt(new.promised_due), "legal_due": fmt(new.legal_due), "acceptance_due": fmt(new.acceptance_due) },
        })
        .to_string();
        queries::insert_audit_event(
            conn,
            &queries::NewAuditEvent {
                application_id: case.id,
                actor_id: actor,
                kind: "deadlines_recomputed",
                from_status: Some(&case.status),
                to_status: &case.status,
                note: None,
                client_address: None,
                created_at: stamp,
                department_id: case.department_id,
                details: Some(&details),
            },
        )?;
        done.moved += 1;
        if moved_shown {
            tell_deadlines_moved(conn, &case, &shown(&new), stamp)?;
            done.told += 1;
        }
    }
    Ok(done)
}

/// The applicant's mail when a calendar change moved a deadline their page shows.
pub(super) fn tell_deadlines_moved(
    conn: &mut DbConnection,
    case: &CaseRow,
    (acceptance, promised, legal, delivery): &(
        Option<NaiveDate>,
        Option<NaiveDate>,
        Option<NaiveDate>,
        Option<NaiveDate>,
    ),
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    let Some(to) = addressee(conn, case)? else {
        return Ok(());
    };
    let service = case_title(conn, case)?;
    let number = case.tracking_number.as_deref().unwrap_or("");
    let lang = crate::services::accounts::mail_lang(&to.lang);
    let mut lines = Vec::new();
    for (key, due) in [
        ("clock.acceptance_due", acceptance),
        ("clock.promised_due", promised),
        ("clock.legal_due", legal),
        ("clock.delivery_due", delivery),
    ] {
        if let Some(due) = due {
            let colon = if lang == "en" { ": " } else { "：" };
            lines.push(format!(
                "{}{colon}{due}",
                crate::mail::translate(lang, key, &[])
            ));
        }
    }
    let values = [
        ("service", service.for_lang(lang)),
        ("tracking_number", number),
    ];
    let subject = crate::mail::translate(lang, "mail.deadlines_moved.subject", &values);
    let body = crate::mail::translate(lang, "mail.deadlines_moved.body", &values);
    let body = format!("{body}\n{}", lines.join("\n"));
    queue_case_mail(conn, case, "deadlines_moved", &to, &subject, &body, stamp)
}
