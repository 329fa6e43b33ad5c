//! Opening a case of a kind other than an application (a rating's remedy, a hotline request):
//! numbered in its own series, pinned to the newest version of its workflow, received and
//! accepted on the day it is opened, its clock running from then.

use super::*;
use crate::domain::tracking::{Series, TrackingNumber};

/// What a new case is and whom it concerns.
pub(super) struct Opening<'a> {
    pub(super) kind: &'a str,
    pub(super) series: Series,
    pub(super) workflow: &'a str,
    pub(super) service_id: Option<i64>,
    pub(super) form_definition_id: Option<i64>,
    pub(super) applicant_id: Option<i64>,
    pub(super) department_id: Option<i64>,
    /// The state it opens in when not the workflow's initial one (a grid event dispatched by
    /// its type as it is reported).
    pub(super) state: Option<&'a str>,
}

/// A case just opened.
pub(super) struct Opened {
    pub(super) id: i64,
    pub(super) number: TrackingNumber,
    pub(super) initial: String,
    pub(super) due_on: Option<NaiveDate>,
    /// The workflow it runs on, for the notices of its first step.
    pub(super) definition: Arc<Definition>,
    /// The case as stored.
    pub(super) case: queries::CaseRow,
}

/// Inserts the case, in its workflow's initial state; its period is `limit` working days (given
/// the initial state, whose own limit it may be), counted from today.
pub(super) fn open_case(
    conn: &mut DbConnection,
    opening: &Opening<'_>,
    limit: impl FnOnce(&engine::State) -> Result<u32, ServiceError>,
    stamp: NaiveDateTime,
) -> Result<Opened, ServiceError> {
    let (definition_id, _, digest) = queries::latest_definition(conn, opening.workflow)?
        .ok_or_else(|| corrupt(format!("no {} workflow is published", opening.workflow)))?;
    let definition = parsed_definition(conn, definition_id, &digest)?;
    let initial = match opening.state {
        Some(code) => definition
            .state(code)
            .ok_or_else(|| corrupt(format!("no state {code} in {}", opening.workflow)))?,
        None => definition.initial(),
    };
    let limit = limit(initial)?;
    let calendar = load_calendar(conn)?;
    let today = today();
    // Accepted as it is opened: day 1 is the next working day.
    let facts = ClockFacts {
        promised_days: limit,
        legal_days: limit,
        received_on: Some(today),
        accepted_on: Some(today),
        ..ClockFacts::default()
    };
    let deadlines = facts
        .deadlines(initial.phase, &calendar, today)
        .with_state_limit(Some(today), initial.time_limit_days, &calendar);
    let limit = i32::try_from(limit).unwrap_or(i32::MAX);
    // A number drawn again in the rare case it is taken: the insert says so itself.
    let case = loop {
        let number = crate::services::applications::drawn_number(opening.series, today)?;
        let inserted = queries::insert_case(
            conn,
            &queries::NewCase {
                kind: opening.kind,
                tracking_number: number.as_str(),
                service_id: opening.service_id,
                form_definition_id: opening.form_definition_id,
                applicant_id: opening.applicant_id,
                status: &initial.code,
                input: "[]",
                version: 1,
                created_at: stamp,
                updated_at: stamp,
                submitted_at: stamp,
                workflow_definition_id: definition_id,
                department_id: opening.department_id,
                promised_days: limit,
                legal_days: limit,
                received_on: today,
                accepted_on: today,
                due_on: deadlines.due_on.unwrap_or(NO_DEADLINE),
                warn_on: deadlines.warn_on.unwrap_or(NO_DEADLINE),
                hard_due_on: deadlines.hard_due_on.unwrap_or(NO_DEADLINE),
                state_entered_on: today,
            },
        )?;
        if let Some(case) = inserted {
            break (number, case);
        }
    };
    let (number, case) = case;
    Ok(Opened {
        id: case.id,
        number,
        initial: initial.code.clone(),
        due_on: deadlines.due_on,
        definition,
        case,
    })
}
