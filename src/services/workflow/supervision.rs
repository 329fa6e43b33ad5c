//! Supervision (效能监察): deemed acceptances, and the yellow and red cards of cases whose time runs
//! out, checked every few minutes.

use super::*;

/// Whether a deemed acceptance is to be recorded now: the acceptance period lapsed, or the
/// application was flagged before the flag came with its acceptance date and mail.
pub(super) fn due_to_be_deemed(
    case: &CaseRow,
    phase: Phase,
    calendar: &Calendar,
    today: NaiveDate,
) -> bool {
    let facts = case.facts();
    phase == Phase::Acceptance
        && facts.accepted_on.is_none()
        && (facts.deemed_accepted || facts.acceptance_lapsed(phase, calendar, today))
}

/// Records that an application's acceptance period lapsed (Art 32, 视为受理): it counts as
/// accepted from receipt, its stored deadlines become the decision ones (so the queue shows it
/// as deemed accepted, supervised against its decision deadline), one audit event says so and
/// the applicant is told by mail with the date, all in the caller's transaction. Returns
/// whether it was recorded now (false when it had been already). `names` keeps the mail's
/// addressee and title between calls of one pass.
pub(super) fn deem_accepted(
    conn: &mut DbConnection,
    case: &CaseRow,
    calendar: &Calendar,
    today: NaiveDate,
    stamp: NaiveDateTime,
    names: &mut MailNames,
) -> Result<bool, ServiceError> {
    let Some(received) = case.received_on else {
        return Ok(false);
    };
    let mut facts = case.facts();
    facts.deemed_accepted = true;
    facts.accepted_on = Some(received);
    let deadlines = facts.deadlines(Phase::Acceptance, calendar, today);
    let stored = queries::DeemedAcceptance {
        accepted_on: received,
        due_on: deadlines.due_on.unwrap_or(NO_DEADLINE),
        warn_on: deadlines.warn_on.unwrap_or(NO_DEADLINE),
        hard_due_on: deadlines.hard_due_on.unwrap_or(NO_DEADLINE),
    };
    if !queries::mark_deemed_accepted(conn, case.id, &case.status, &stored)? {
        return Ok(false);
    }
    let details = serde_json::json!({ "accepted_on": received.to_string() }).to_string();
    queries::insert_audit_event(
        conn,
        &queries::NewAuditEvent {
            application_id: case.id,
            actor_id: None,
            kind: "deemed_accepted",
            from_status: Some(&case.status),
            to_status: &case.status,
            note: None,
            client_address: None,
            created_at: stamp,
            department_id: case.department_id,
            details: Some(&details),
        },
    )?;
    let Some(to) = names.addressee(conn, case)? else {
        return Ok(true);
    };
    let service = names.title(conn, case)?;
    let number = case.tracking_number.as_deref().unwrap_or("");
    let lang = crate::services::accounts::mail_lang(&to.lang);
    let shown = |d: Option<NaiveDate>| d.map_or_else(|| "—".to_owned(), |d| d.to_string());
    let values = [
        ("service", service.for_lang(lang)),
        ("tracking_number", number),
        ("date", &received.to_string()),
        ("promised_due", &shown(deadlines.promised_due)),
        ("legal_due", &shown(deadlines.legal_due)),
    ];
    let subject = crate::mail::translate(lang, "mail.deemed.subject", &values);
    let body = crate::mail::translate(lang, "mail.deemed.body", &values);
    queue_case_mail(conn, case, "deemed_accepted", &to, &subject, &body, stamp)?;
    Ok(true)
}

/// How far back a pass between full ones looks before the previous pass began: an event
/// stamped just before that, in a transaction that committed after it read, is still seen.
const OVERLAP: chrono::Duration = chrono::Duration::minutes(2);

/// Records deemed acceptances (each with its audit event and the applicant's mail) and the
/// supervision cards due today. Idempotent: run it as often as convenient (the server runs it
/// every few minutes).
///
/// The first pass of a (Beijing) day is full: deadlines and acceptance periods lapse with the
/// date, so every department and state is looked at, one at a time, each in its own short
/// transaction so that it never holds up clerks. The passes after it in the same day look only
/// at the applications with an event since the previous pass (a transition can put a case past
/// its deadline at once); a calendar edit makes the next pass full again (see
/// `services::admin`), since it moves clocks without events.
pub fn supervise(conn: &mut DbConnection) -> Result<(usize, usize), ServiceError> {
    let started = now();
    let today = today();
    let last = queries::last_pass(conn)?;
    let outcome = match last {
        Some((day, previous)) if day == today => (0, supervise_changed(conn, previous - OVERLAP)?),
        _ => supervise_all(conn, today)?,
    };
    let urgent = crate::db::write_transaction(conn, |conn| {
        Ok::<_, ServiceError>(queries::issue_urgent_cards(
            conn,
            crate::domain::hotline::URGENT_SUPERVISED,
            now(),
        )?)
    })?;
    queries::record_pass(conn, today, started)?;
    Ok((outcome.0, outcome.1 + urgent))
}

/// Cards for the applications with an event since `since`: one statement per department.
fn supervise_changed(conn: &mut DbConnection, since: NaiveDateTime) -> Result<usize, ServiceError> {
    let supervised = supervised_states(&parsed_definitions(conn)?).1;
    let today = today();
    let mut cards = 0;
    for department in queries::all_department_ids(conn)? {
        cards += crate::db::write_transaction(conn, |conn| {
            Ok::<_, ServiceError>(queries::issue_cards_changed(
                conn,
                department,
                &supervised,
                since,
                today,
                now(),
            )?)
        })?;
    }
    Ok(cards)
}

/// The states awaiting acceptance, and the states supervised (clocked).
fn supervised_states(definitions: &[(i64, Arc<Definition>)]) -> (Vec<String>, Vec<String>) {
    let mut awaiting: Vec<String> = Vec::new();
    let mut supervised: Vec<String> = Vec::new();
    for state in definitions.iter().flat_map(|(_, d)| d.states.iter()) {
        if state.phase == Phase::Acceptance && !awaiting.contains(&state.code) {
            awaiting.push(state.code.clone());
        }
        // A paused application stays supervised: a level reached before the pause stays.
        let clocked = matches!(
            state.phase,
            Phase::Acceptance | Phase::Decision | Phase::Delivery | Phase::Paused
        );
        if clocked && !supervised.contains(&state.code) {
            supervised.push(state.code.clone());
        }
    }
    (awaiting, supervised)
}

/// The full pass: every department and supervised state.
fn supervise_all(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> Result<(usize, usize), ServiceError> {
    let (awaiting, supervised) = supervised_states(&parsed_definitions(conn)?);
    let calendar = load_calendar(conn)?;
    // Five working days are at least five days: nothing received since is due yet.
    let received_before =
        today - chrono::Days::new(u64::from(crate::domain::clock::ACCEPTANCE_DAYS));
    let (mut flagged, mut cards) = (0, 0);
    let mut names = MailNames::default();
    for department in queries::all_department_ids(conn)? {
        for state in &supervised {
            let (f, c) = crate::db::write_transaction(conn, |conn| {
                let mut f = 0;
                if awaiting.contains(state) {
                    let stamp = now();
                    for case in
                        queries::awaiting_acceptance(conn, department, state, received_before)?
                    {
                        if due_to_be_deemed(&case, Phase::Acceptance, &calendar, today)
                            && deem_accepted(conn, &case, &calendar, today, stamp, &mut names)?
                        {
                            f += 1;
                        }
                    }
                }
                let c = queries::issue_cards(conn, department, state, today, now())?;
                Ok::<_, ServiceError>((f, c))
            })?;
            flagged += f;
            cards += c;
            // SQLite's busy handler is not fair: without a pause, back-to-back transactions
            // here could keep a clerk's request waiting for the write lock.
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    Ok((flagged, cards))
}
