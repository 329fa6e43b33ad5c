//! Firing a transition: one transaction that checks the pinned definition, updates the application
//! with an optimistic version check, recomputes its clocks, applies the effect and writes the audit
//! event and the notices.

use super::*;

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
pub(super) struct Access {
    pub(super) case: CaseRow,
    pub(super) definition: Arc<Definition>,
    pub(super) version: i32,
    pub(super) department_code: String,
    /// A co-reviewing department after its review ended: it may look, not act.
    pub(super) read_only: bool,
}

/// Loads an application for `user`: its applicant, or staff of its department or of a
/// department that co-reviews it under its workflow. Anything else is not found.
pub(super) fn access(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<Access, ServiceError> {
    let case = queries::find_case(conn, id)?.ok_or(ServiceError::NotFound)?;
    let hotline = case.kind == crate::domain::hotline::KIND_HOTLINE;
    let event = case.kind == crate::domain::grid_event::KIND_EVENT;
    let Some(definition_id) = case.workflow_definition_id else {
        return Err(ServiceError::NotFound);
    };
    // A hotline request belongs to no department until the hotline dispatches it.
    let department_code = match case.department_id {
        Some(department_id) => queries::department_code(conn, department_id)?,
        None if hotline || event => String::new(),
        None => return Err(ServiceError::NotFound),
    };
    let (version, digest) = queries::definition_version(conn, definition_id)?;
    let definition = parsed_definition(conn, definition_id, &digest)?;
    let kind = case.kind.as_str();
    let (visible, read_only) = if event {
        super::grid_events::event_visibility(conn, user, &case, &department_code)?
    } else if user.role.is_grid() {
        (false, false)
    } else if user.role == crate::domain::identity::Role::Admin {
        // The administrators review what the remedy workflow gives them; no application.
        (kind == crate::domain::rating::KIND_REMEDY, false)
    } else if user.role == crate::domain::identity::Role::Operator {
        // The hotline's operators see every hotline request, and nothing else.
        (hotline, false)
    } else if !user.role.is_staff() {
        (case.applicant_id == Some(user.id), false)
    } else if !department_code.is_empty() && user.works_in(&department_code) {
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
            let mut names = MailNames::default();
            deem_accepted(conn, &case, &calendar, today, stamp, &mut names)?;
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
            is_applicant: case.applicant_id == Some(user.id) && !user.role.is_staff(),
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
        check_answer(conn, &case, transition)?;
        let application = case.kind == crate::domain::rating::KIND_APPLICATION;
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
        let extension_days = match (effect, case.service_id) {
            (Effect::Extend, Some(service_id)) => transition
                .extension_days
                .min(days(queries::statutory_extension(conn, service_id)?)),
            // No statute limits a hotline request's extension beyond the workflow's own.
            (Effect::Extend, None) => transition.extension_days,
            _ => 0,
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
        // A hotline request has one deadline, the answer's: an extension granted moves it. (An
        // application's promise stays; the extension moves its legal deadline only.)
        if effect == Effect::Extend && case.kind == crate::domain::hotline::KIND_HOTLINE {
            facts.promised_days += extension_days;
        }
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
            promised_days: i32::try_from(facts.promised_days).unwrap_or(i32::MAX),
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
        // A grid event's counts are the command centre's, per day.
        if case.kind == crate::domain::grid_event::KIND_EVENT {
            super::grid_events::count_step(
                conn,
                &case,
                &firing.to,
                &department_code,
                decided.0,
                today,
            )?;
        }
        // A hotline request's and a grid event's lists are read live from their own indexes;
        // they keep no queue counts.
        if firing.moves
            && case.kind != crate::domain::hotline::KIND_HOTLINE
            && case.kind != crate::domain::grid_event::KIND_EVENT
            && let Some(department) = case.department_id
        {
            queries::count_move(conn, department, id, Some(&case.status), &firing.to)?;
        }
        // A decision made now gets its document number (文号) in the same transaction.
        if application
            && case.decided_on.is_none()
            && let (Some(decided_on), Some(department)) = (facts.decided_on, case.department_id)
        {
            crate::services::documents::number_decision(
                conn,
                id,
                (department, &department_code),
                decided_on,
            )?;
        }
        if application && effect == Effect::Deliver && case.decided_on.is_some() {
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
                title: None,
            };
            notify_applicant(conn, &case, notice, name, &texts, stamp)?;
        }
        if completes && let Some(notice) = &transition.notify_staff {
            let texts = NoticeTexts {
                note: &note,
                decision: &input.decision,
                deadline: deadlines.due_on,
                opinions: &[],
                title: None,
            };
            notify_staff(conn, &case, notice, name, &texts, user.id, stamp)?;
        }
        // 好差评: an application the department ended (not the applicant) asks to be rated.
        if application
            && firing.moves
            && to_state.kind == engine::StateKind::Terminal
            && transition.performer != engine::Performer::Applicant
        {
            invite(conn, &case, stamp)?;
        }
        Ok(Fired {
            to: firing.to,
            moved: firing.moves,
        })
    })
}

/// A delivered approval enters the licence registry under its tracking number; the licences
/// the application used (原许可证件 of a 变更, 延续 or 注销) are superseded or cancelled.
pub(super) fn register_licence(
    conn: &mut DbConnection,
    case: &CaseRow,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    use crate::db::licences;
    use crate::db::schema::items;
    use crate::db::schema::services;
    use diesel::prelude::*;
    let (Some(service_id), Some(form_definition_id), Some(holder_id)) =
        (case.service_id, case.form_definition_id, case.applicant_id)
    else {
        return Err(corrupt("only an application issues a licence"));
    };
    let (item_id, item_code, variant, result_name): (i64, String, String, String) = services::table
        .inner_join(items::table)
        .filter(services::id.eq(service_id))
        .select((
            services::item_id,
            items::code,
            services::variant,
            services::result_name,
        ))
        .first(conn)?;
    let variant: crate::domain::catalog::Variant = variant.parse().map_err(corrupt)?;
    // A 变更 keeps the period of the licence it changes: read it before that one is superseded.
    let form = crate::services::parsed::FORMS.get(&crate::db::applications::form_by_id(
        conn,
        form_definition_id,
    )?)?;
    let validity = crate::services::documents::licence_validity(
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
            holder_id,
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
pub(super) fn times_fired(counts: &[(String, i64)], name: &str) -> u32 {
    counts
        .iter()
        .find(|(kind, _)| kind == name)
        .map_or(0, |(_, n)| u32::try_from(*n).unwrap_or(u32::MAX))
}

/// The 补正 notice lists every material ticked, then the clerk's words.
pub(super) fn compose_note(note: &str, checklist: &[String]) -> String {
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
pub(super) fn apply_effect(
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
    // A case handled again (重办 of a hotline request) starts a new period: its earlier answer
    // no longer stops the clock. An application is never decided before it is accepted.
    if matches!(effect, Effect::Accept | Effect::AcceptAndDecide) {
        facts.decided_on = None;
        *decided = (None, None);
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
            && !crate::db::outbox::department_staff(conn, department_id)?
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
