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

/// Rows per queue page.
pub const QUEUE_PAGE: i64 = 50;

/// The workflow each item runs when it is not the default one.
const SHIPPED_ASSIGNMENTS: &[(&str, &str)] = &[("440306-ZJJ-XK-0001", "joint-review")];

/// Serialises the first install across nodes starting together (PostgreSQL).
const INSTALL_LOCK: i64 = 0x0_4e_53_57_66_6c; // "NSWfl"

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

/// Publishes the shipped workflows and calendar into an empty database.
pub fn install_if_empty(conn: &mut DbConnection) -> Result<bool, ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        if let DbConnection::Postgres(pg) = conn {
            diesel::connection::SimpleConnection::batch_execute(
                pg,
                &format!("SELECT pg_advisory_xact_lock({INSTALL_LOCK})"),
            )?;
        }
        if !queries::all_definition_digests(conn)?.is_empty() {
            return Ok(false);
        }
        let published = now();
        for definition in engine::shipped() {
            definition.check().map_err(corrupt)?;
            let json = serde_json::to_string(&definition).map_err(corrupt)?;
            queries::insert_definition(
                conn,
                &queries::NewDefinition {
                    key: &definition.key,
                    version: 1,
                    definition: &json,
                    published_at: published,
                    published_by: None,
                },
            )?;
        }
        for (item, key) in SHIPPED_ASSIGNMENTS {
            queries::set_service_workflow(conn, item, key)?;
        }
        Ok(true)
    })
}

/// What merging the shipped calendar did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CalendarMerge {
    /// Years recorded for the first time.
    pub years: usize,
    /// Days added or changed.
    pub days: usize,
    /// Running applications whose deadlines moved.
    pub moved: usize,
}

/// Merges the shipped calendar (`calendar.toml`) into the database: a year not recorded yet is
/// recorded with its shipped status; a shipped day is added when the table lacks it and, for a
/// year shipped as confirmed that the database still holds as provisional (or not at all),
/// replaces what the table has. A day an administrator added, changed or removed is never
/// touched, nor is a year an administrator confirmed. Running clocks the merge moves are
/// recomputed in the same transaction. Run by `onestop migrate` and at start-up.
pub fn merge_shipped_calendar(conn: &mut DbConnection) -> Result<CalendarMerge, ServiceError> {
    use crate::domain::calendar::{YearStatus, shipped_days, shipped_years};
    crate::db::write_transaction(conn, |conn| {
        if let DbConnection::Postgres(pg) = conn {
            diesel::connection::SimpleConnection::batch_execute(
                pg,
                &format!("SELECT pg_advisory_xact_lock({INSTALL_LOCK})"),
            )?;
        }
        let before = load_calendar(conn)?;
        let recorded = queries::calendar_years(conn)?;
        let edited = queries::edited_calendar_days(conn)?;
        let existing: std::collections::HashMap<NaiveDate, (String, String)> =
            queries::calendar_with_notes(conn)?
                .into_iter()
                .map(|(d, k, n)| (d, (k, n)))
                .collect();
        let mut merge = CalendarMerge::default();
        let mut changed: Vec<NaiveDate> = Vec::new();
        for (year, status, source) in shipped_years() {
            let held = recorded.iter().find(|r| r.0 == year);
            let held_status = held.and_then(|r| YearStatus::parse(&r.1));
            // The shipped file replaces days only where it is newer than what is held.
            let replaces =
                status == YearStatus::Confirmed && held_status != Some(YearStatus::Confirmed);
            for day in shipped_days().iter().filter(|d| d.date.year() == year) {
                if edited.contains(&day.date.to_string()) {
                    continue;
                }
                let kind = day_kind_code(day.kind);
                let same = existing
                    .get(&day.date)
                    .is_some_and(|(k, n)| k == kind && *n == day.note);
                if same || (existing.contains_key(&day.date) && !replaces) {
                    continue;
                }
                // The same replacement as an administrator's edit of the day.
                crate::db::admin::put_calendar_day(conn, day.date, kind, &day.note)?;
                changed.push(day.date);
            }
            if held.is_none() || (replaces && held_status.is_some()) {
                queries::put_calendar_year(conn, year, status.code(), &source, None)?;
                merge.years += 1;
            }
        }
        merge.days = changed.len();
        if let (Some(first), Some(last)) = (changed.iter().min(), changed.iter().max()) {
            let after = load_calendar(conn)?;
            merge.moved = recompute_clocks(conn, &before, &after, (*first, *last), None)?.moved;
        }
        Ok(merge)
    })
}

fn day_kind_code(kind: DayKind) -> &'static str {
    match kind {
        DayKind::Holiday => "holiday",
        DayKind::MakeUpWorkday => "workday",
    }
}

/// The calendar as stored; a year counts as settled once confirmed.
pub fn load_calendar(conn: &mut DbConnection) -> Result<Calendar, ServiceError> {
    let days = queries::calendar(conn)?;
    let settled: Vec<i32> = queries::calendar_years(conn)?
        .into_iter()
        .filter(|y| y.1 == crate::domain::calendar::YearStatus::Confirmed.code())
        .map(|y| y.0)
        .collect();
    let mut parsed = Vec::with_capacity(days.len());
    for (day, kind) in days {
        let kind = match kind.as_str() {
            "holiday" => DayKind::Holiday,
            "workday" => DayKind::MakeUpWorkday,
            other => return Err(corrupt(format!("calendar day kind {other}"))),
        };
        parsed.push((day, kind));
    }
    Ok(Calendar::new(parsed).with_settled_years(settled))
}

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

fn days(value: i32) -> u32 {
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
fn shown_deadlines_settled(deadlines: &Deadlines, calendar: &Calendar) -> bool {
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
fn clock_situation(
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
fn stored_deadlines(
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

/// What the actor gives with a transition.
#[derive(Debug, Clone, Default)]
pub struct TransitionInput {
    pub note: String,
    pub decision: String,
    /// Names of the service's materials concerned (补正).
    pub checklist: Vec<String>,
}

/// What firing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    pub to: String,
    pub moved: bool,
}

/// Who is acting on an application, and for which application.
struct Access {
    case: CaseRow,
    definition: Arc<Definition>,
    version: i32,
    department_code: String,
    /// A co-reviewing department after its review ended: it may look, not act.
    read_only: bool,
}

/// Loads an application for `user`: its applicant, or staff of its department or of a
/// department that co-reviews it under its workflow. Anything else is not found.
fn access(conn: &mut DbConnection, user: &User, id: i64) -> Result<Access, ServiceError> {
    let case = queries::find_case(conn, id)?.ok_or(ServiceError::NotFound)?;
    let (Some(definition_id), Some(department_id)) =
        (case.workflow_definition_id, case.department_id)
    else {
        return Err(ServiceError::NotFound);
    };
    let (version, digest) = queries::definition_version(conn, definition_id)?;
    let definition = parsed_definition(conn, definition_id, &digest)?;
    let department_code = queries::department_code(conn, department_id)?;
    let (visible, read_only) = if !user.role.is_staff() {
        (case.applicant_id == user.id, false)
    } else if user.works_in(&department_code) {
        (true, false)
    } else {
        // A co-reviewing department sees the case from the start of its review on: while the
        // application is in a state it co-reviews, and read-only after it has left it.
        let reviewing: Vec<&str> = definition
            .states
            .iter()
            .filter(|s| s.co_review.iter().any(|d| user.works_in(d)))
            .map(|s| s.code.as_str())
            .collect();
        if reviewing.contains(&case.status.as_str()) {
            (true, false)
        } else {
            (
                !reviewing.is_empty() && queries::has_entered(conn, id, &reviewing)?,
                true,
            )
        }
    };
    if !visible {
        return Err(ServiceError::NotFound);
    }
    Ok(Access {
        case,
        definition,
        version,
        department_code,
        read_only,
    })
}

/// Fires `name` on application `id` as `user`, if it is still at `version`. Everything it
/// changes is written in one transaction; a concurrent change makes it `StaleVersion`.
pub fn fire(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    name: &str,
    version: i32,
    input: &TransitionInput,
    client: &str,
) -> Result<Fired, ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let Access {
            case,
            definition,
            department_code,
            read_only,
            ..
        } = access(conn, user, id)?;
        if case.version != version {
            return Err(ServiceError::StaleVersion);
        }
        if read_only {
            return Err(ServiceError::Refused(Refusal::NotAllowed));
        }
        // Only a co-reviewed state has opinions, and only a transition with a limit needs
        // its count: the two reads are skipped otherwise (2 of an acceptance's 20 statements).
        let co_reviewed = definition
            .state(&case.status)
            .is_some_and(|s| !s.co_review.is_empty());
        let opinions = if co_reviewed {
            queries::opinions(conn, id, &case.status)?
        } else {
            Vec::new()
        };
        let limited = definition
            .transition(name, &case.status)
            .is_some_and(|t| t.max_times.is_some());
        let counts = if limited {
            queries::transition_counts(conn, id)?
        } else {
            Vec::new()
        };
        let times_fired = |t: &str| times_fired(&counts, t);
        let calendar = load_calendar(conn)?;
        let today = today();
        let stamp = now();
        let from_state = definition
            .state(&case.status)
            .ok_or_else(|| corrupt("unknown state"))?;
        // An acceptance period that lapsed is recorded first (视为受理), whatever happens next.
        let mut case = case;
        if due_to_be_deemed(&case, from_state.phase, &calendar, today) {
            deem_accepted(conn, &case, &calendar, today, stamp)?;
            case.deemed_accepted = true;
            case.accepted_on = case.received_on;
        }
        let situation = engine::Situation {
            state: &case.status,
            department: &department_code,
            promised_days: days(case.promised_days),
            opinions: &opinions,
            times_fired: &times_fired,
            clock: clock_situation(&case.facts(), &calendar, today),
        };
        let actor = Actor {
            role: user.role,
            departments: &user.departments,
            is_applicant: user.id == case.applicant_id && !user.role.is_staff(),
        };
        let note = compose_note(&input.note, &input.checklist);
        let request = Request {
            note: &note,
            decision: &input.decision,
            checklist: &input.checklist,
        };
        let firing = engine::fire(&definition, &situation, &actor, name, &request)
            .map_err(ServiceError::Refused)?;
        let transition = definition
            .transition(name, &case.status)
            .expect("fire found it");
        let to_state = definition
            .state(&firing.to)
            .ok_or_else(|| corrupt("unknown state"))?;
        // An opinion changes nothing but itself; a self-transition (an extension) does.
        let completes = firing.moves || firing.opinion.is_none();
        let effect = if completes {
            transition.effect
        } else {
            Effect::None
        };
        let mut facts = case.facts();
        let mut decided = (case.on_time, case.decision.clone());
        // Art 42 / Art 26: never more than the service's statutory extension.
        let extension_days = if effect == Effect::Extend {
            transition
                .extension_days
                .min(days(queries::statutory_extension(conn, case.service_id)?))
        } else {
            0
        };
        apply_effect(
            &mut facts,
            &mut decided,
            effect,
            extension_days,
            &input.decision,
            (from_state.phase, to_state.phase),
            &calendar,
            today,
        );
        let entered = if firing.moves {
            Some(today)
        } else {
            case.state_entered_on
        };
        let deadlines = facts
            .deadlines(to_state.phase, &calendar, today)
            .with_state_limit(entered, to_state.time_limit_days, &calendar);
        let change = CaseChange {
            status: firing.to.clone(),
            version: case.version + 1,
            updated_at: stamp,
            received_on: facts.received_on,
            accepted_on: facts.accepted_on,
            deemed_accepted: facts.deemed_accepted,
            paused_days: i32::try_from(facts.paused_days).unwrap_or(i32::MAX),
            paused_since: facts.paused_since,
            extension_days: i32::try_from(facts.extension_days).unwrap_or(i32::MAX),
            decided_on: facts.decided_on,
            on_time: decided.0,
            decision: decided.1,
            due_on: Some(deadlines.due_on.unwrap_or(NO_DEADLINE)),
            warn_on: Some(deadlines.warn_on.unwrap_or(NO_DEADLINE)),
            hard_due_on: Some(deadlines.hard_due_on.unwrap_or(NO_DEADLINE)),
            state_entered_on: entered,
        };
        if !queries::update_case(conn, id, &case.status, case.version, &change)? {
            return Err(ServiceError::StaleVersion);
        }
        if firing.moves
            && let Some(department) = case.department_id
        {
            queries::count_move(conn, department, id, Some(&case.status), &firing.to)?;
        }
        // A decision made now gets its document number (文号) in the same transaction.
        if case.decided_on.is_none()
            && let (Some(decided_on), Some(department)) = (facts.decided_on, case.department_id)
        {
            super::documents::number_decision(
                conn,
                id,
                (department, &department_code),
                decided_on,
            )?;
        }
        if effect == Effect::Deliver && case.decided_on.is_some() {
            register_licence(conn, &case, today)?;
        }
        // The step is filed under the department its actor acted for, so that a co-reviewing
        // department's audit log lists its own opinions.
        let acting_department_id = match &firing.acting_for {
            Some(code) if *code != department_code => Some(
                queries::department_id(conn, code)?
                    .ok_or_else(|| corrupt(format!("department {code}")))?,
            ),
            _ => case.department_id,
        };
        // Entering a co-reviewed state (back from a site check or a special procedure) starts a
        // new round: each department gives its opinion on the case as it now stands. The
        // earlier ones stay on the record, in the audit events.
        if firing.moves && !to_state.co_review.is_empty() {
            queries::clear_opinions(conn, id, &firing.to)?;
        }
        if let Some(opinion) = &firing.opinion {
            let text = if note.trim().is_empty() {
                input.decision.trim()
            } else {
                note.trim()
            };
            queries::insert_opinion(
                conn,
                &queries::NewOpinion {
                    application_id: id,
                    state: &case.status,
                    department_id: acting_department_id
                        .ok_or_else(|| corrupt("opinion without a department"))?,
                    actor_id: user.id,
                    agrees: opinion.agrees,
                    opinion: text,
                    created_at: stamp,
                },
            )?;
        }
        let details = serde_json::json!({
            "checklist": input.checklist,
            "decision": (!input.decision.trim().is_empty()).then(|| input.decision.trim()),
            "opinion": firing.opinion.as_ref().map(|o| serde_json::json!({
                "department": o.department,
                "agrees": o.agrees,
            })),
            "deemed_accepted": facts.deemed_accepted && matches!(effect, Effect::Accept | Effect::AcceptAndDecide),
        })
        .to_string();
        queries::insert_audit_event(
            conn,
            &queries::NewAuditEvent {
                application_id: id,
                actor_id: Some(user.id),
                kind: name,
                from_status: Some(&case.status),
                to_status: &firing.to,
                note: (!note.trim().is_empty()).then_some(note.trim()),
                client_address: Some(client),
                created_at: stamp,
                department_id: acting_department_id,
                details: Some(&details),
            },
        )?;
        if completes && let Some(notice) = &transition.notify_applicant {
            let opinions =
                if notice.body_zh.contains("{opinions}") || notice.body_en.contains("{opinions}") {
                    queries::opinion_rows(conn, id)?
                } else {
                    Vec::new()
                };
            let texts = NoticeTexts {
                note: &note,
                decision: &input.decision,
                deadline: deadlines.due_on,
                opinions: &opinions,
            };
            notify_applicant(conn, &case, notice, name, &texts, stamp)?;
        }
        if completes && let Some(notice) = &transition.notify_staff {
            let texts = NoticeTexts {
                note: &note,
                decision: &input.decision,
                deadline: deadlines.due_on,
                opinions: &[],
            };
            notify_staff(conn, &case, notice, name, &texts, user.id, stamp)?;
        }
        Ok(Fired {
            to: firing.to,
            moved: firing.moves,
        })
    })
}

/// Whether a deemed acceptance is to be recorded now: the acceptance period lapsed, or the
/// application was flagged before the flag came with its acceptance date and mail.
fn due_to_be_deemed(case: &CaseRow, phase: Phase, calendar: &Calendar, today: NaiveDate) -> bool {
    let facts = case.facts();
    phase == Phase::Acceptance
        && facts.accepted_on.is_none()
        && (facts.deemed_accepted || facts.acceptance_lapsed(phase, calendar, today))
}

/// Records that an application's acceptance period lapsed (Art 32, 视为受理): it counts as
/// accepted from receipt, its stored deadlines become the decision ones (so the queue shows it
/// as deemed accepted, supervised against its decision deadline), one audit event says so and
/// the applicant is told by mail with the date, all in the caller's transaction. Returns
/// whether it was recorded now (false when it had been already).
fn deem_accepted(
    conn: &mut DbConnection,
    case: &CaseRow,
    calendar: &Calendar,
    today: NaiveDate,
    stamp: NaiveDateTime,
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
    let service = service_name(conn, case.service_id)?;
    let number = case.tracking_number.as_deref().unwrap_or("");
    let (email, name, lang) = queries::contact(conn, case.applicant_id)?;
    let lang = crate::services::accounts::mail_lang(&lang);
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
    let to = (email.as_str(), name.as_str(), lang);
    queue_case_mail(conn, case, "deemed_accepted", to, &subject, &body, stamp)?;
    Ok(true)
}

/// Queues a mail about `case` to its applicant (`to`: email, name, language): the subject after
/// the tracking number, the greeting, then `body`; its button opens the application.
fn queue_case_mail(
    conn: &mut DbConnection,
    case: &CaseRow,
    kind: &str,
    (email, name, lang): (&str, &str, &str),
    subject: &str,
    body: &str,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    let number = case.tracking_number.as_deref().unwrap_or("");
    let greeting = crate::mail::translate(lang, "mail.greeting", &[("name", name)]);
    crate::db::outbox::enqueue_mail(
        conn,
        &crate::db::outbox::NewMail {
            application_id: Some(case.id),
            recipient_id: Some(case.applicant_id),
            recipient_email: email,
            lang,
            kind,
            subject: &format!("[{number}] {subject}"),
            body: &format!("{greeting}\n{body}"),
            link_path: Some(&format!("/applications/{}", case.id)),
            status: "pending",
            next_attempt_at: stamp,
            created_at: stamp,
        },
    )?;
    Ok(())
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
fn tell_deadlines_moved(
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
    let service = service_name(conn, case.service_id)?;
    let number = case.tracking_number.as_deref().unwrap_or("");
    let (email, name, lang) = queries::contact(conn, case.applicant_id)?;
    let lang = crate::services::accounts::mail_lang(&lang);
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
    let to = (email.as_str(), name.as_str(), lang);
    queue_case_mail(conn, case, "deadlines_moved", to, &subject, &body, stamp)
}

/// A delivered approval enters the licence registry under its tracking number; the licences
/// the application used (原许可证件 of a 变更, 延续 or 注销) are superseded or cancelled.
fn register_licence(
    conn: &mut DbConnection,
    case: &CaseRow,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    use crate::db::licences;
    use crate::db::schema::items;
    use crate::db::schema::services;
    use diesel::prelude::*;
    let (item_id, item_code, variant, result_name): (i64, String, String, String) = services::table
        .inner_join(items::table)
        .filter(services::id.eq(case.service_id))
        .select((
            services::item_id,
            items::code,
            services::variant,
            services::result_name,
        ))
        .first(conn)?;
    let variant: crate::domain::catalog::Variant = variant.parse().map_err(corrupt)?;
    // A 变更 keeps the period of the licence it changes: read it before that one is superseded.
    let form = super::parsed::FORMS.get(&crate::db::applications::form_by_id(
        conn,
        case.form_definition_id,
    )?)?;
    let validity = super::documents::licence_validity(
        conn,
        case.id,
        (&form, case.data.as_deref()),
        (&item_code, variant),
        today,
    )?;
    licences::cancel_used_by(conn, case.id)?;
    if variant == crate::domain::catalog::Variant::Cancellation {
        return Ok(());
    }
    let number = case
        .tracking_number
        .as_deref()
        .ok_or_else(|| corrupt("a submitted application has a number"))?;
    licences::insert(
        conn,
        &licences::NewLicence {
            number,
            holder_id: case.applicant_id,
            item_id,
            application_id: case.id,
            name: &result_name,
            issued_on: today,
            status: licences::VALID,
            valid_from: validity.map(|(from, _)| from),
            valid_until: validity.map(|(_, until)| until),
        },
    )?;
    Ok(())
}

/// How often transition `name` was fired, from the per-transition event counts.
fn times_fired(counts: &[(String, i64)], name: &str) -> u32 {
    counts
        .iter()
        .find(|(kind, _)| kind == name)
        .map_or(0, |(_, n)| u32::try_from(*n).unwrap_or(u32::MAX))
}

/// The 补正 notice lists every material ticked, then the clerk's words.
fn compose_note(note: &str, checklist: &[String]) -> String {
    let mut lines: Vec<String> = checklist
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{}. {m}", i + 1))
        .collect();
    if !note.trim().is_empty() {
        lines.push(note.trim().to_owned());
    }
    lines.join("\n")
}

/// Updates the clock facts for a transition with `effect` from one phase to another.
#[expect(
    clippy::too_many_arguments,
    reason = "one step of the clock, all inputs explicit"
)]
fn apply_effect(
    facts: &mut ClockFacts,
    decided: &mut (Option<bool>, Option<String>),
    effect: Effect,
    extension_days: u32,
    decision: &str,
    (from, to): (Phase, Phase),
    calendar: &Calendar,
    today: NaiveDate,
) {
    // A pause of the decision clock starts or ends; before acceptance nothing is paused.
    if from != Phase::Paused && to == Phase::Paused && facts.accepted_on.is_some() {
        facts.paused_since = Some(today);
    }
    // Art 45: the days from the start to the end of a special procedure, both included.
    if from == Phase::Paused
        && to != Phase::Paused
        && let Some(since) = facts.paused_since.take()
    {
        facts.paused_days += ClockFacts::pause_days(calendar, since, today);
    }
    let before = facts.deadlines(Phase::Decision, calendar, today);
    let mut decide = |facts: &mut ClockFacts| {
        facts.decided_on = Some(today);
        let due = facts
            .deadlines(Phase::Decision, calendar, today)
            .promised_due;
        decided.0 = Some(due.is_none_or(|due| today <= due));
        decided.1 = Some(decision.trim().to_owned()).filter(|d| !d.is_empty());
    };
    match effect {
        Effect::None | Effect::Deliver => {}
        Effect::Receive => {
            facts.received_on = Some(today);
            facts.deemed_accepted = false;
        }
        Effect::Accept | Effect::AcceptAndDecide => {
            // Past the acceptance deadline the application was accepted as of receipt.
            let late = before.acceptance_due.is_some_and(|due| today > due);
            if late || facts.deemed_accepted {
                facts.deemed_accepted = true;
                facts.accepted_on = facts.received_on;
            } else {
                facts.accepted_on = Some(today);
            }
            if effect == Effect::AcceptAndDecide {
                decide(facts);
            }
        }
        Effect::Decide => decide(facts),
        Effect::Extend => facts.extension_days += extension_days,
    }
}

/// What fills a notice's placeholders besides the application's own facts.
struct NoticeTexts<'a> {
    note: &'a str,
    decision: &'a str,
    /// The deadline of the application's next step after the change, if one runs.
    deadline: Option<NaiveDate>,
    /// The co-reviewing departments' opinions (`{opinions}`), for a joint review's decision.
    opinions: &'a [queries::OpinionRow],
}

/// Writes the applicant's mail for a transition to the outbox, in their language.
fn notify_applicant(
    conn: &mut DbConnection,
    case: &CaseRow,
    notice: &engine::Notice,
    kind: &str,
    texts: &NoticeTexts<'_>,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    let service = service_name(conn, case.service_id)?;
    let mail = ApplicantMail {
        application_id: case.id,
        applicant_id: case.applicant_id,
        tracking_number: case.tracking_number.as_deref().unwrap_or(""),
        service_name: &service,
    };
    write_applicant_mail(conn, &mail, notice, kind, texts, stamp)
}

/// Whom an applicant's mail is about.
struct ApplicantMail<'a> {
    application_id: i64,
    applicant_id: i64,
    tracking_number: &'a str,
    service_name: &'a crate::domain::catalog::Names,
}

fn write_applicant_mail(
    conn: &mut DbConnection,
    mail: &ApplicantMail<'_>,
    notice: &engine::Notice,
    kind: &str,
    texts: &NoticeTexts<'_>,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    let (email, name, lang) = queries::contact(conn, mail.applicant_id)?;
    let lang = crate::services::accounts::mail_lang(&lang);
    let service = mail.service_name.for_lang(lang);
    let (subject, body) = fill_notice(notice, lang, mail.tracking_number, service, texts);
    let greeting = crate::mail::translate(lang, "mail.greeting", &[("name", &name)]);
    crate::db::outbox::enqueue_mail(
        conn,
        &crate::db::outbox::NewMail {
            application_id: Some(mail.application_id),
            recipient_id: Some(mail.applicant_id),
            recipient_email: &email,
            lang,
            kind: &format!("transition:{kind}"),
            subject: &subject,
            body: &format!("{greeting}\n{body}"),
            link_path: Some(&format!("/applications/{}", mail.application_id)),
            status: "pending",
            next_attempt_at: stamp,
            created_at: stamp,
        },
    )?;
    Ok(())
}

/// Writes the staff's mail for a transition: to the assigned clerk, or without one to the
/// department's clerks and heads; never to the one who acted.
fn notify_staff(
    conn: &mut DbConnection,
    case: &CaseRow,
    notice: &engine::Notice,
    kind: &str,
    texts: &NoticeTexts<'_>,
    actor_id: i64,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    let Some(department_id) = case.department_id else {
        return Ok(());
    };
    let staff = crate::db::outbox::department_recipients(conn, department_id)?;
    let assigned: Vec<_> = staff
        .iter()
        .filter(|s| Some(s.id) == case.assignee_id)
        .collect();
    let recipients = if assigned.is_empty() {
        staff.iter().collect()
    } else {
        assigned
    };
    let service = service_name(conn, case.service_id)?;
    for recipient in recipients.into_iter().filter(|s| s.id != actor_id) {
        let lang = crate::services::accounts::mail_lang(&recipient.lang);
        let (subject, body) = fill_notice(
            notice,
            lang,
            case.tracking_number.as_deref().unwrap_or(""),
            service.for_lang(lang),
            texts,
        );
        let greeting = crate::mail::translate(lang, "mail.greeting", &[("name", &recipient.name)]);
        crate::db::outbox::enqueue_mail(
            conn,
            &crate::db::outbox::NewMail {
                application_id: Some(case.id),
                recipient_id: Some(recipient.id),
                recipient_email: &recipient.email,
                lang,
                kind: &format!("staff:{kind}"),
                subject: &subject,
                body: &format!("{greeting}\n{body}"),
                link_path: Some(&format!("/workspace/applications/{}", case.id)),
                status: "pending",
                next_attempt_at: stamp,
                created_at: stamp,
            },
        )?;
    }
    Ok(())
}

fn service_name(
    conn: &mut DbConnection,
    service_id: i64,
) -> Result<crate::domain::catalog::Names, ServiceError> {
    crate::db::catalog::service_name(conn, service_id)?
        .ok_or_else(|| corrupt(format!("service {service_id}")))
}

/// A notice's (subject, body) in `lang` with its placeholders filled; the subject starts with
/// the tracking number.
fn fill_notice(
    notice: &engine::Notice,
    lang: &str,
    number: &str,
    service: &str,
    texts: &NoticeTexts<'_>,
) -> (String, String) {
    let deadline = texts
        .deadline
        .filter(|d| *d != NO_DEADLINE)
        .map_or_else(|| "—".to_owned(), |d| d.to_string());
    let opinions = texts
        .opinions
        .iter()
        .map(|o| {
            let verdict = if o.agrees {
                "opinion.agrees"
            } else {
                "opinion.disagrees"
            };
            crate::mail::translate(
                lang,
                "opinion.line",
                &[
                    ("department", &o.department_name),
                    ("verdict", &crate::mail::translate(lang, verdict, &[])),
                    ("text", o.opinion.as_deref().unwrap_or("").trim()),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let fill = |text: &str| {
        text.replace("{service}", service)
            .replace("{opinions}", &opinions)
            .replace("{note}", texts.note.trim())
            .replace("{decision}", texts.decision.trim())
            .replace("{deadline}", &deadline)
            .replace("{tracking_number}", number)
    };
    let (subject, body) = if lang == "en" {
        (&notice.subject_en, &notice.body_en)
    } else {
        (&notice.subject_zh, &notice.body_zh)
    };
    (
        format!("[{number}] {}", fill(subject)),
        fill(body).trim().to_owned(),
    )
}

/// The application a receipt is for.
pub struct Receipt<'a> {
    pub application_id: i64,
    pub applicant_id: i64,
    pub tracking_number: &'a str,
    pub service_name: &'a crate::domain::catalog::Names,
}

/// The submission receipt, written with the submission: the number and the deadlines pinned.
pub fn enqueue_receipt(
    conn: &mut DbConnection,
    receipt: &Receipt<'_>,
    pinned: &Pinned,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    let deadlines = &pinned.receipt_deadlines;
    let fmt = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let notice = engine::Notice {
        subject_zh: "已收到您的申请".into(),
        subject_en: "We have received your application".into(),
        body_zh: format!(
            "您申请的“{{service}}”已提交，办件编号 {{tracking_number}}。\n我们将在 {} 前作出是否受理的决定；受理后承诺于 {} 前办结（法定期限 {}）。\n可凭办件编号随时查询办理进度。",
            fmt(deadlines.acceptance_due),
            fmt(deadlines.promised_due),
            fmt(deadlines.legal_due)
        ),
        body_en: format!(
            "Your application for “{{service}}” was submitted with tracking number {{tracking_number}}.\nWe will decide whether to accept it by {}; once accepted, we promise a decision by {} (legal limit {}).\nYou can follow its progress with the tracking number at any time.",
            fmt(deadlines.acceptance_due),
            fmt(deadlines.promised_due),
            fmt(deadlines.legal_due)
        ),
    };
    let texts = NoticeTexts {
        note: "",
        decision: "",
        deadline: deadlines.acceptance_due,
        opinions: &[],
    };
    let mail = ApplicantMail {
        application_id: receipt.application_id,
        applicant_id: receipt.applicant_id,
        tracking_number: receipt.tracking_number,
        service_name: receipt.service_name,
    };
    write_applicant_mail(conn, &mail, &notice, "submitted", &texts, stamp)
}

/// Claims an application for oneself, assigns it to a colleague, or releases it.
pub fn assign(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    version: i32,
    assignee: Option<i64>,
    client: &str,
) -> Result<(), ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let access = access(conn, user, id)?;
        if !user.role.is_staff() || !user.works_in(&access.department_code) {
            return Err(ServiceError::NotFound);
        }
        let department_id = access.case.department_id.expect("checked by access");
        if let Some(to) = assignee
            && !queries::department_staff(conn, department_id)?
                .iter()
                .any(|(id, ..)| *id == to)
        {
            return Err(ServiceError::Refused(Refusal::NotAllowed));
        }
        let stamp = now();
        if !queries::assign(conn, id, version, assignee, stamp)? {
            return Err(ServiceError::StaleVersion);
        }
        let note = match assignee {
            Some(to) => queries::contact(conn, to)?.1,
            None => String::new(),
        };
        queries::insert_audit_event(
            conn,
            &queries::NewAuditEvent {
                application_id: id,
                actor_id: Some(user.id),
                kind: if assignee.is_some() {
                    "assign"
                } else {
                    "release"
                },
                from_status: Some(&access.case.status),
                to_status: &access.case.status,
                note: (!note.is_empty()).then_some(&note),
                client_address: Some(client),
                created_at: stamp,
                department_id: Some(department_id),
                details: None,
            },
        )?;
        Ok(())
    })
}

/// Adds an internal note (staff only; never shown to the applicant).
pub fn add_note(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    body: &str,
) -> Result<(), ServiceError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(ServiceError::Refused(Refusal::NoteRequired));
    }
    let access = access(conn, user, id)?;
    if !user.role.is_staff() {
        return Err(ServiceError::NotFound);
    }
    if access.read_only {
        return Err(ServiceError::Refused(Refusal::NotAllowed));
    }
    queries::insert_note(conn, access.case.id, user.id, body, now())?;
    Ok(())
}

/// The names of the departments with these codes, in the order given (for a refusal that
/// names them).
pub fn department_names(
    conn: &mut DbConnection,
    codes: &[String],
) -> Result<Vec<String>, ServiceError> {
    Ok(queries::department_names(conn, codes)?
        .into_iter()
        .map(|(_, name)| name)
        .collect())
}

/// Everything the staff page of an application shows.
pub struct StaffCase {
    pub case: CaseRow,
    pub definition: Arc<Definition>,
    pub workflow_version: i32,
    pub department_code: String,
    pub facts_deadlines: Deadlines,
    pub level: Level,
    pub deemed_accepted: bool,
    /// The day the decision periods count from.
    pub accepted_on: Option<NaiveDate>,
    pub calendar_covers: bool,
    pub events: Vec<queries::StaffEvent>,
    pub notes: Vec<(String, String, NaiveDateTime)>,
    /// The co-reviewing departments' opinions, in any state.
    pub opinions: Vec<queries::OpinionRow>,
    /// (code, name) of the co-reviewing departments whose opinion the current state awaits.
    pub outstanding: Vec<(String, String)>,
    /// A co-reviewing department after its review ended: no action, no note.
    pub read_only: bool,
    pub available: Vec<engine::Transition>,
    pub staff: Vec<(i64, String, String)>,
    pub applicant: (String, String, String),
    pub cards: Vec<(String, NaiveDate, NaiveDateTime)>,
}

pub fn staff_case(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<StaffCase, ServiceError> {
    if !user.role.is_staff() {
        return Err(ServiceError::NotFound);
    }
    let Access {
        case,
        definition,
        version: workflow_version,
        department_code,
        read_only,
    } = access(conn, user, id)?;
    let calendar = load_calendar(conn)?;
    let today = today();
    let state = definition
        .state(&case.status)
        .ok_or_else(|| corrupt("unknown state"))?;
    let facts = case.facts_on(state.phase, &calendar, today);
    let deadlines = facts
        .deadlines(state.phase, &calendar, today)
        .with_state_limit(case.state_entered_on, state.time_limit_days, &calendar);
    let opinions = queries::opinions(conn, id, &case.status)?;
    let counts = queries::transition_counts(conn, id)?;
    let times_fired = |t: &str| times_fired(&counts, t);
    let situation = engine::Situation {
        state: &case.status,
        department: &department_code,
        promised_days: days(case.promised_days),
        opinions: &opinions,
        times_fired: &times_fired,
        clock: clock_situation(&facts, &calendar, today),
    };
    let actor = Actor {
        role: user.role,
        departments: &user.departments,
        is_applicant: false,
    };
    let available = if read_only {
        Vec::new()
    } else {
        engine::available(&definition, &situation, &actor)
            .into_iter()
            .cloned()
            .collect()
    };
    let outstanding = engine::outstanding_opinions(state, &opinions);
    let department_id = case.department_id.expect("checked by access");
    Ok(StaffCase {
        level: deadlines.level(today),
        deemed_accepted: facts.deemed_accepted,
        accepted_on: facts.accepted_on,
        calendar_covers: shown_deadlines_settled(&deadlines, &calendar),
        facts_deadlines: deadlines,
        events: queries::case_events(conn, id)?,
        notes: queries::notes(conn, id)?,
        opinions: queries::opinion_rows(conn, id)?,
        outstanding: queries::department_names(conn, &outstanding)?,
        read_only,
        available,
        staff: queries::department_staff(conn, department_id)?,
        applicant: queries::contact(conn, case.applicant_id)?,
        cards: queries::cards_of(conn, id)?,
        case,
        definition,
        workflow_version,
        department_code,
    })
}

/// What the applicant's page shows of the workflow: the state, the deadlines and, when
/// materials are asked for, the notice.
pub struct ApplicantView {
    pub state_zh: String,
    pub state_en: String,
    pub terminal: bool,
    pub deadlines: Deadlines,
    /// Deemed accepted (Art 32), counting from `accepted_on`, the day of receipt.
    pub deemed_accepted: bool,
    /// Every deadline shown falls in a year whose official calendar is confirmed; if not, it
    /// may move when the notice is published.
    pub calendar_settled: bool,
    pub accepted_on: Option<NaiveDate>,
    /// The day the application (or its supplement) was received.
    pub received_on: Option<NaiveDate>,
    /// Whether the result has been delivered (the application closed after a decision).
    pub delivered: bool,
    pub paused: bool,
    pub applicant_edits: bool,
    pub supplement_notice: Option<String>,
    pub decision: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub outcome: Option<String>,
    pub may_withdraw: bool,
    pub version: i32,
    /// The licence this application issued, with its status ("valid" or "cancelled").
    pub licence: Option<(crate::db::licences::LicenceInfo, String)>,
    /// The procedure it follows, its state highlighted.
    pub diagram: crate::domain::diagram::Diagram,
    /// The co-reviewing departments' opinions of a joint review (并联审批), as given.
    pub opinions: Vec<queries::OpinionRow>,
}

pub fn applicant_view(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<Option<ApplicantView>, ServiceError> {
    let Ok(Access {
        case, definition, ..
    }) = access(conn, user, id)
    else {
        return Ok(None);
    };
    if case.applicant_id != user.id {
        return Ok(None);
    }
    let state = definition
        .state(&case.status)
        .ok_or_else(|| corrupt("unknown state"))?;
    let calendar = load_calendar(conn)?;
    let today = today();
    let facts = case.facts_on(state.phase, &calendar, today);
    let deadlines = facts
        .deadlines(state.phase, &calendar, today)
        .with_state_limit(case.state_entered_on, state.time_limit_days, &calendar);
    let supplement_notice = if state.applicant_edits {
        queries::latest_event_of(conn, id, "request_supplement")?.and_then(|(note, ..)| note)
    } else {
        None
    };
    let outcome = case.decided_on.map(|_| {
        if definition
            .state(&case.status)
            .is_some_and(|s| s.code == "rejected")
        {
            "denied".to_owned()
        } else {
            "approved".to_owned()
        }
    });
    Ok(Some(ApplicantView {
        state_zh: state.name_zh.clone(),
        state_en: state.name_en.clone(),
        terminal: state.kind == engine::StateKind::Terminal,
        deadlines,
        deemed_accepted: facts.deemed_accepted,
        accepted_on: facts.accepted_on,
        received_on: facts.received_on,
        delivered: case.decided_on.is_some()
            && state.kind == engine::StateKind::Terminal
            && state.code != "rejected",
        calendar_settled: shown_deadlines_settled(&deadlines, &calendar),
        paused: state.phase == Phase::Paused,
        applicant_edits: state.applicant_edits,
        supplement_notice,
        decision: case.decision.clone(),
        decided_on: case.decided_on,
        outcome,
        may_withdraw: definition.transition("withdraw", &case.status).is_some(),
        version: case.version,
        licence: crate::db::licences::of_application(conn, id)?,
        diagram: crate::domain::diagram::layout(&definition, Some(&case.status)),
        opinions: queries::opinion_rows(conn, id)?,
    }))
}

/// Whether the applicant may change the materials of an application in `status` now: a draft,
/// or a state of its workflow that asks for them (补正).
pub fn applicant_edits(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<bool, ServiceError> {
    Ok(applicant_view(conn, user, id)?.is_some_and(|v| v.applicant_edits))
}

// ---- The queue ----

/// What the clerk narrows the queue by.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub state: Option<String>,
    pub service: Option<String>,
    pub level: Option<Level>,
    /// "mine" or "unassigned".
    pub assigned: Option<String>,
    /// A tracking number, part of the applicant's name or the last digits of their ID number
    /// or credit code: finds the department's applications in any state, finished ones too.
    pub search: Option<String>,
    pub newest_first: bool,
}

/// One page of a department's queue.
pub struct QueuePage {
    pub department_name: String,
    pub rows: Vec<(queries::QueueRow, Level)>,
    pub next: Option<queries::QueueCursor>,
    /// (state code, zh, en, count) for every non-terminal state of the workflows in use.
    pub counts: Vec<(String, String, String, i64)>,
    /// Transitions a clerk may fire from the list without a note, per state.
    pub quick: Vec<(String, Vec<engine::Transition>)>,
    pub co_review: Vec<(queries::QueueRow, Level)>,
    pub services: Vec<(String, String)>,
    pub today: NaiveDate,
}

/// The states a department works: the non-terminal states of every published workflow, in
/// the order of the default workflow.
fn working_states(definitions: &[(i64, Arc<Definition>)]) -> Vec<(String, String, String)> {
    let mut states: Vec<(String, String, String)> = Vec::new();
    for (_, d) in definitions {
        for s in &d.states {
            if s.kind != engine::StateKind::Terminal && !states.iter().any(|(c, ..)| c == &s.code) {
                states.push((s.code.clone(), s.name_zh.clone(), s.name_en.clone()));
            }
        }
    }
    states
}

/// The names of the states and transitions of every published workflow, newest version last
/// wins: the labels for an administrator's additions, which the locale files cannot know.
#[derive(Debug, Clone, Default)]
pub struct WorkflowLabels {
    states: std::collections::HashMap<String, (String, String)>,
    transitions: std::collections::HashMap<String, (String, String)>,
}

impl WorkflowLabels {
    /// (Chinese, English) of `code` as a `status`/`next` (state) or `event` (transition).
    pub fn lookup(&self, kind: &str, code: &str) -> Option<&(String, String)> {
        match kind {
            "status" | "next" => self.states.get(code),
            "event" => self.transitions.get(code),
            _ => None,
        }
    }
}

pub fn workflow_labels(conn: &mut DbConnection) -> Result<WorkflowLabels, ServiceError> {
    let mut labels = WorkflowLabels::default();
    for (_, definition) in parsed_definitions(conn)? {
        for s in &definition.states {
            labels
                .states
                .insert(s.code.clone(), (s.name_zh.clone(), s.name_en.clone()));
        }
        for t in &definition.transitions {
            labels
                .transitions
                .insert(t.name.clone(), (t.label_zh.clone(), t.label_en.clone()));
        }
    }
    Ok(labels)
}

/// The codes of [`working_states`].
pub(crate) fn working_state_codes(conn: &mut DbConnection) -> Result<Vec<String>, ServiceError> {
    Ok(working_states(&parsed_definitions(conn)?)
        .into_iter()
        .map(|(code, ..)| code)
        .collect())
}

fn parsed_definitions(
    conn: &mut DbConnection,
) -> Result<Vec<(i64, Arc<Definition>)>, ServiceError> {
    queries::all_definition_digests(conn)?
        .into_iter()
        .map(|(id, digest)| Ok((id, parsed_definition(conn, id, &digest)?)))
        .collect()
}

/// A published version, parsed once per process: its text is read only when no version with
/// the same digest has been parsed yet.
pub(crate) fn parsed_definition(
    conn: &mut DbConnection,
    id: i64,
    digest: &str,
) -> Result<Arc<Definition>, ServiceError> {
    super::parsed::WORKFLOWS.by_digest(digest, || {
        queries::definition_text(conn, id).map_err(ServiceError::from)
    })
}

pub fn queue(
    conn: &mut DbConnection,
    user: &User,
    department_code: &str,
    filter: &QueueFilter,
    after: Option<queries::QueueCursor>,
) -> Result<QueuePage, ServiceError> {
    if !user.works_in(department_code) {
        return Err(ServiceError::NotFound);
    }
    let crate::db::catalog::QueueDepartment {
        id: department_id,
        name: department_name,
        services,
    } = crate::db::catalog::department_with_services(conn, department_code)?
        .ok_or(ServiceError::NotFound)?;
    let definitions = parsed_definitions(conn)?;
    let working = working_states(&definitions);
    let states: Vec<String> = match &filter.state {
        Some(state) if working.iter().any(|(c, ..)| c == state) => vec![state.clone()],
        Some(_) => return Err(ServiceError::NotFound),
        // Every state but the draft, which no department sees.
        None if filter.search.is_some() => Vec::new(),
        None => working.iter().map(|(c, ..)| c.clone()).collect(),
    };
    let service_id = match &filter.service {
        Some(code) => {
            Some(crate::db::catalog::service_id(conn, code)?.ok_or(ServiceError::NotFound)?)
        }
        None => None,
    };
    let today = today();
    let query = queries::QueueQuery {
        department_id,
        states,
        service_id,
        level: filter.level,
        today,
        assignee: match filter.assigned.as_deref() {
            Some("mine") => Some(Some(user.id)),
            Some("unassigned") => Some(None),
            _ => None,
        },
        search: filter.search.as_deref().map(queries::QueueSearch::parse),
        newest_first: filter.newest_first,
    };
    let mut rows = queries::queue(conn, &query, after, QUEUE_PAGE + 1)?;
    let next = if rows.len() > usize::try_from(QUEUE_PAGE).unwrap_or(0) {
        rows.truncate(usize::try_from(QUEUE_PAGE).unwrap_or(0));
        rows.last().map(|r| {
            if filter.newest_first {
                queries::QueueCursor::Newest(r.submitted_at.unwrap_or_default(), r.id)
            } else {
                queries::QueueCursor::Deadline(r.due_on.unwrap_or(NO_DEADLINE), r.id)
            }
        })
    } else {
        None
    };
    let counts_by_state = queries::state_counts(conn, department_id)?;
    let counts = working
        .iter()
        .map(|(code, zh, en)| {
            let n = counts_by_state
                .iter()
                .find(|(s, _)| s == code)
                .map_or(0, |(_, n)| *n);
            (code.clone(), zh.clone(), en.clone(), n)
        })
        .collect();
    let actor = Actor {
        role: user.role,
        departments: &user.departments,
        is_applicant: false,
    };
    let never = |_: &str| 0;
    let mut quick: Vec<(String, Vec<engine::Transition>)> = Vec::new();
    if let Some((_, default)) = definitions.iter().rev().find(|(_, d)| d.key == "default") {
        for (code, ..) in &working {
            let situation = engine::Situation {
                state: code,
                department: department_code,
                promised_days: 1,
                opinions: &[],
                times_fired: &never,
                clock: engine::ClockSituation::default(),
            };
            let plain: Vec<engine::Transition> = engine::available(default, &situation, &actor)
                .into_iter()
                .filter(|t| {
                    !t.note_required
                        && !t.decision_required
                        && !t.checklist
                        && !t.sign_off
                        && !t.negative
                })
                .cloned()
                .collect();
            quick.push((code.clone(), plain));
        }
    }
    let pending: Vec<(i64, String)> = definitions
        .iter()
        .flat_map(|(id, d)| {
            d.states
                .iter()
                .filter(|s| s.co_review.iter().any(|c| c == department_code))
                .map(move |s| (*id, s.code.clone()))
        })
        .collect();
    let co_review = queries::co_review_tasks(conn, &pending, department_id, QUEUE_PAGE)?
        .into_iter()
        .map(|r| {
            let level = level_of(&r, today);
            (r, level)
        })
        .collect();
    Ok(QueuePage {
        department_name,
        rows: rows
            .into_iter()
            .map(|r| {
                let level = level_of(&r, today);
                (r, level)
            })
            .collect(),
        next,
        counts,
        quick,
        co_review,
        services,
        today,
    })
}

fn level_of(row: &queries::QueueRow, today: NaiveDate) -> Level {
    stored_deadlines(row.due_on, row.warn_on, row.hard_due_on).level(today)
}

// ---- Supervision ----

/// Records deemed acceptances (each with its audit event and the applicant's mail) and the
/// supervision cards due today. Idempotent: run it as often as convenient (the server runs it
/// every few minutes). It works one department and state at a time, each in its own short
/// transaction, so that it never holds up clerks.
pub fn supervise(conn: &mut DbConnection) -> Result<(usize, usize), ServiceError> {
    let definitions = parsed_definitions(conn)?;
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
    let today = today();
    let calendar = load_calendar(conn)?;
    // Five working days are at least five days: nothing received since is due yet.
    let received_before =
        today - chrono::Days::new(u64::from(crate::domain::clock::ACCEPTANCE_DAYS));
    let (mut flagged, mut cards) = (0, 0);
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
                            && deem_accepted(conn, &case, &calendar, today, stamp)?
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

// ---- Dashboard ----

/// A department's figures for today and this month.
pub struct Dashboard {
    pub department: crate::db::catalog::DepartmentSummary,
    pub today: NaiveDate,
    /// (figure, today, this month) for received, accepted, decided, closed.
    pub figures: Vec<(&'static str, i64, i64)>,
    /// Decisions this month: (on time, late).
    pub on_time: (i64, i64),
    /// The most urgent of each card level, most overdue first: the first page of the queue
    /// filtered by that level, where the rest are.
    pub overdue: Vec<(queries::QueueRow, Level)>,
    /// The levels with more cards than the dashboard lists.
    pub more_overdue: Vec<Level>,
    pub per_service: Vec<(String, String, i64)>,
}

/// How many cards of each level the dashboard lists before it links to the queue.
const DASHBOARD_OVERDUE: i64 = 20;

/// Which transitions count as which dashboard figure.
const FIGURES: &[(&str, &[&str])] = &[
    ("received", &["submitted", "resubmit"]),
    ("accepted", &["accept", "accept_and_approve"]),
    ("decided", &["approve", "deny", "accept_and_approve"]),
    ("closed", &["deliver", "deny", "refuse", "withdraw"]),
];

pub fn dashboard(
    conn: &mut DbConnection,
    user: &User,
    department_code: &str,
) -> Result<Dashboard, ServiceError> {
    if !user.works_in(department_code) {
        return Err(ServiceError::NotFound);
    }
    let department_id =
        queries::department_id(conn, department_code)?.ok_or(ServiceError::NotFound)?;
    let today = today();
    let month_start = today.with_day(1).expect("day 1 exists");
    let tomorrow = today.succ_opt().expect("not the end of time");
    let today_counts = queries::event_counts(
        conn,
        department_id,
        beijing_midnight(today),
        beijing_midnight(tomorrow),
    )?;
    let month_counts = queries::event_counts(
        conn,
        department_id,
        beijing_midnight(month_start),
        beijing_midnight(tomorrow),
    )?;
    let sum = |counts: &[(String, i64)], kinds: &[&str]| -> i64 {
        counts
            .iter()
            .filter(|(k, _)| kinds.contains(&k.as_str()))
            .map(|(_, n)| n)
            .sum()
    };
    let figures = FIGURES
        .iter()
        .map(|(name, kinds)| (*name, sum(&today_counts, kinds), sum(&month_counts, kinds)))
        .collect();
    let decisions = queries::decisions_on_time(conn, department_id, month_start, today)?;
    let on_time = decisions
        .iter()
        .filter(|(t, _)| *t == Some(true))
        .map(|(_, n)| n)
        .sum();
    let late = decisions
        .iter()
        .filter(|(t, _)| *t == Some(false))
        .map(|(_, n)| n)
        .sum();
    let definitions = parsed_definitions(conn)?;
    let working: Vec<String> = working_states(&definitions)
        .into_iter()
        .map(|(c, ..)| c)
        .collect();
    let mut overdue = Vec::new();
    let mut more_overdue = Vec::new();
    for level in [Level::Red, Level::Yellow] {
        let q = queries::QueueQuery {
            department_id,
            states: working.clone(),
            level: Some(level),
            today,
            ..queries::QueueQuery::default()
        };
        let mut rows = queries::queue(conn, &q, None, DASHBOARD_OVERDUE + 1)?;
        if rows.len() > usize::try_from(DASHBOARD_OVERDUE).unwrap_or(0) {
            rows.truncate(usize::try_from(DASHBOARD_OVERDUE).unwrap_or(0));
            more_overdue.push(level);
        }
        overdue.extend(rows.into_iter().map(|r| (r, level)));
    }
    let per_service = queries::received_per_service(
        conn,
        department_id,
        beijing_midnight(month_start),
        beijing_midnight(tomorrow),
    )?;
    let department = super::catalog::department_summary(conn, department_code)?;
    Ok(Dashboard {
        department,
        today,
        figures,
        on_time: (on_time, late),
        overdue,
        more_overdue,
        per_service,
    })
}

// ---- Audit log ----

/// What the audit log is searched by, as typed.
#[derive(Debug, Clone, Default)]
pub struct AuditSearch {
    pub tracking_number: Option<String>,
    pub actor: Option<String>,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

pub fn audit_log(
    conn: &mut DbConnection,
    user: &User,
    department_code: &str,
    search: &AuditSearch,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<queries::StaffEvent>, ServiceError> {
    if !user.works_in(department_code) {
        return Err(ServiceError::NotFound);
    }
    let department_id =
        queries::department_id(conn, department_code)?.ok_or(ServiceError::NotFound)?;
    let filter = queries::AuditFilter {
        department_id,
        tracking_number: search.tracking_number.clone(),
        actor_pattern: search
            .actor
            .as_deref()
            .map(crate::db::catalog::like_pattern),
        from: search.from.map(beijing_midnight),
        until: search
            .until
            .and_then(|d| d.succ_opt())
            .map(beijing_midnight),
    };
    Ok(queries::audit_log(conn, &filter, before, limit)?)
}
