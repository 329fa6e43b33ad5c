//! One case as the staff and as the applicant see it: state, clocks, actions they may take,
//! opinions, notes and the trail.

use super::*;

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

/// The clock of `case` in its current state today, as a staff page shows it: (facts, deadlines
/// with the state's own limit, the calendar, today).
pub(super) fn clock_today(
    conn: &mut DbConnection,
    case: &CaseRow,
    definition: &Definition,
) -> Result<(ClockFacts, Deadlines, Arc<Calendar>, NaiveDate), ServiceError> {
    let calendar = load_calendar(conn)?;
    let today = today();
    let state = definition
        .state(&case.status)
        .ok_or_else(|| corrupt("unknown state"))?;
    let facts = case.facts_on(state.phase, &calendar, today);
    let deadlines = facts
        .deadlines(state.phase, &calendar, today)
        .with_state_limit(case.state_entered_on, state.time_limit_days, &calendar);
    Ok((facts, deadlines, calendar, today))
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
    // A hotline request has a page of its own, which keeps a 保密 caller's identity back.
    let Some(applicant_id) = case
        .applicant_id
        .filter(|_| case.kind != crate::domain::hotline::KIND_HOTLINE)
    else {
        return Err(ServiceError::NotFound);
    };
    let state = definition
        .state(&case.status)
        .ok_or_else(|| corrupt("unknown state"))?;
    let (facts, deadlines, calendar, today) = clock_today(conn, &case, &definition)?;
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
        staff: crate::db::outbox::department_staff(conn, department_id)?,
        applicant: queries::contact(conn, applicant_id)?,
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
    if case.applicant_id != Some(user.id) || case.kind == crate::domain::hotline::KIND_HOTLINE {
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
