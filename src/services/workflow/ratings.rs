//! 好差评 on the engine: the invitation to rate when a case ends, the rating, the remedy case a
//! bad rating opens (a case of kind `remedy`, run by the `remedy` workflow through the same
//! transition path, clocks, cards, audit trail and outbox as an application), the 回访 before
//! a named rating is answered, the rater's word on the outcome, and the public figures.

use super::*;
use crate::db::ratings::{self as rating_queries, RatingRow};
use crate::domain::rating::{
    self, CHANGE_WINDOW_DAYS, KIND_APPLICATION, KIND_REMEDY, REMEDY_WORKFLOW, Rating, Tally,
    Verdict,
};
use crate::domain::tracking::Series;

/// The invitation to rate, queued when an application ends by the department's act (a
/// decision delivered, a refusal): in the same transaction, so it is sent only if that happened.
pub(super) fn invite(
    conn: &mut DbConnection,
    case: &CaseRow,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    let notice = engine::Notice {
        subject_zh: "请为本次服务评价（好差评）".into(),
        subject_en: "How did we do? Rate this service".into(),
        body_zh: "您申请的“{service}”已办结。请在办件页面为本次服务评价：非常满意、满意、基本满意、不满意或非常不满意。每一条差评都会转交办理部门整改，并将结果告诉您。".into(),
        body_en: "Your application for “{service}” has ended. Please rate the service on the application's page: very satisfied, satisfied, fairly satisfied, dissatisfied or very dissatisfied. Every bad rating goes to the department to be put right, and you will be told the outcome.".into(),
    };
    let texts = NoticeTexts {
        note: "",
        decision: "",
        deadline: None,
        opinions: &[],
        title: None,
    };
    notify_applicant(conn, case, &notice, "rating_invitation", &texts, stamp)
}

/// What the applicant's page shows of rating an ended application.
pub struct RatingPanel {
    pub rating: Option<RatingRow>,
    /// Whether the form is offered: not rated yet, or rated within the last 7 days.
    pub may_rate: bool,
    pub remedy: Option<RemedyStatus>,
}

/// Where the remedy case of a bad rating stands, as the rater sees it.
pub struct RemedyStatus {
    pub tracking_number: String,
    pub state_zh: String,
    pub state_en: String,
    /// What the department (or the administrators' review) answered.
    pub answer: Option<String>,
    pub answered_on: Option<NaiveDate>,
    pub on_time: Option<bool>,
    /// The day the answer is due, while it runs.
    pub due_on: Option<NaiveDate>,
    /// The rater may say whether the answer satisfies them (once).
    pub may_give_verdict: bool,
}

/// The rated case, for its applicant: an application that has ended. Anything else is `None`.
fn rateable(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<Option<CaseRow>, ServiceError> {
    let Ok(access) = access(conn, user, id) else {
        return Ok(None);
    };
    let case = access.case;
    let ended = access
        .definition
        .state(&case.status)
        .is_some_and(|s| s.kind == engine::StateKind::Terminal);
    // A withdrawal is the applicant's own act: there is no service to rate.
    let withdrawn = case.status == "withdrawn";
    if case.applicant_id != Some(user.id)
        || user.role.is_staff()
        || case.kind != KIND_APPLICATION
        || !ended
        || withdrawn
    {
        return Ok(None);
    }
    Ok(Some(case))
}

pub fn rating_panel(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<Option<RatingPanel>, ServiceError> {
    if rateable(conn, user, id)?.is_none() {
        return Ok(None);
    }
    let rating = rating_queries::of_case(conn, id)?;
    let may_rate = rating.as_ref().is_none_or(|r| now() <= r.changeable_until);
    let remedy = match rating.as_ref().and_then(|r| r.remedy_id) {
        Some(remedy_id) => Some(remedy_status(conn, remedy_id, rating.as_ref())?),
        None => None,
    };
    Ok(Some(RatingPanel {
        rating,
        may_rate,
        remedy,
    }))
}

fn remedy_status(
    conn: &mut DbConnection,
    remedy_id: i64,
    rating: Option<&RatingRow>,
) -> Result<RemedyStatus, ServiceError> {
    let case = queries::find_case(conn, remedy_id)?.ok_or_else(|| corrupt("remedy case"))?;
    let definition_id = case
        .workflow_definition_id
        .ok_or_else(|| corrupt("remedy without workflow"))?;
    let (_, digest) = queries::definition_version(conn, definition_id)?;
    let definition = parsed_definition(conn, definition_id, &digest)?;
    let state = definition
        .state(&case.status)
        .ok_or_else(|| corrupt("unknown state"))?;
    let ended = state.kind == engine::StateKind::Terminal;
    Ok(RemedyStatus {
        tracking_number: case.tracking_number.clone().unwrap_or_default(),
        state_zh: state.name_zh.clone(),
        state_en: state.name_en.clone(),
        answer: case.decision.clone().filter(|_| ended),
        answered_on: case.decided_on.filter(|_| ended),
        on_time: case.on_time.filter(|_| ended),
        due_on: case.due_on.filter(|d| !ended && *d != NO_DEADLINE),
        may_give_verdict: ended && rating.is_some_and(|r| r.verdict.is_none()),
    })
}

/// Rates an ended application, or changes the rating within 7 days of the first. A bad rating
/// opens a remedy case for the department that handled it (once per rating), in the same
/// transaction.
pub fn rate(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    given: &Rating,
    client: &str,
) -> Result<(), ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let case = rateable(conn, user, id)?.ok_or(ServiceError::NotFound)?;
        let department_id = case
            .department_id
            .ok_or_else(|| corrupt("a submitted application has a department"))?;
        let stamp = now();
        let reasons = serde_json::to_string(&given.reasons).map_err(corrupt)?;
        let existing = rating_queries::of_case(conn, id)?;
        let rating_id = match &existing {
            None => rating_queries::insert(
                conn,
                &rating_queries::NewRating {
                    application_id: id,
                    rater_id: user.id,
                    department_id,
                    service_id: case
                        .service_id
                        .ok_or_else(|| corrupt("an application has a service"))?,
                    level: given.level,
                    reasons: &reasons,
                    comment: &given.comment,
                    anonymous: given.anonymous,
                    rated_at: stamp,
                    month: &china_now().format("%Y-%m").to_string(),
                    changeable_until: stamp + chrono::Duration::days(CHANGE_WINDOW_DAYS),
                },
            )?,
            Some(row) => {
                let change = rating_queries::RatingChange {
                    level: given.level,
                    reasons: &reasons,
                    comment: &given.comment,
                    anonymous: given.anonymous,
                    rated_at: stamp,
                };
                if !rating_queries::change(conn, row.id, &change, stamp)? {
                    return Err(ServiceError::Rejected(vec![
                        crate::domain::reason::Reason::new(
                            "评价提交满 7 天后不能再修改",
                            "A rating can be changed for 7 days only",
                        ),
                    ]));
                }
                row.id
            }
        };
        let details = serde_json::json!({
            "level": given.level,
            "reasons": given.reasons,
            "anonymous": given.anonymous,
        })
        .to_string();
        queries::insert_audit_event(
            conn,
            &queries::NewAuditEvent {
                application_id: id,
                // An anonymous rating names nobody, even in the trail.
                actor_id: (!given.anonymous).then_some(user.id),
                kind: if existing.is_some() {
                    "rating_changed"
                } else {
                    "rated"
                },
                from_status: Some(&case.status),
                to_status: &case.status,
                note: (!given.comment.is_empty()).then_some(given.comment.as_str()),
                client_address: Some(client),
                created_at: stamp,
                department_id: Some(department_id),
                details: Some(&details),
            },
        )?;
        let has_remedy = existing.as_ref().is_some_and(|r| r.remedy_id.is_some());
        if rating::is_bad(given.level) && !has_remedy {
            let remedy_id = open_remedy(conn, &case, department_id, stamp)?;
            rating_queries::set_remedy(conn, rating_id, remedy_id)?;
        }
        Ok(())
    })
}

/// Opens the remedy case of a bad rating of `rated`: received and due today plus the remedy
/// workflow's time limit, in the department's queue, its staff told.
fn open_remedy(
    conn: &mut DbConnection,
    rated: &CaseRow,
    department_id: i64,
    stamp: NaiveDateTime,
) -> Result<i64, ServiceError> {
    let opened = open_case(
        conn,
        &Opening {
            kind: KIND_REMEDY,
            series: Series::Remedy,
            workflow: REMEDY_WORKFLOW,
            service_id: rated.service_id,
            form_definition_id: rated.form_definition_id,
            applicant_id: rated.applicant_id,
            department_id: Some(department_id),
            state: None,
        },
        // The remedy period: the initial state's limit, as published by the administrators.
        |initial| Ok(initial.time_limit_days.unwrap_or(15)),
        stamp,
    )?;
    let remedy_id = opened.id;
    queries::count_move(conn, department_id, remedy_id, None, &opened.initial)?;
    let details = serde_json::json!({ "rated": rated.tracking_number }).to_string();
    queries::insert_audit_event(
        conn,
        &queries::NewAuditEvent {
            application_id: remedy_id,
            actor_id: None,
            kind: "remedy_opened",
            from_status: None,
            to_status: &opened.initial,
            note: None,
            client_address: None,
            created_at: stamp,
            department_id: Some(department_id),
            details: Some(&details),
        },
    )?;
    let remedy = opened.case;
    let texts = NoticeTexts {
        note: "",
        decision: "",
        deadline: opened.due_on,
        opinions: &[],
        title: None,
    };
    let to_staff = engine::Notice {
        subject_zh: "差评待整改：{tracking_number}".into(),
        subject_en: "A bad rating to remedy: {tracking_number}".into(),
        body_zh: "“{service}”收到一条差评，已生成整改案件 {tracking_number}。请部门负责人指定承办人，于 {deadline} 前整改或解释说明。".into(),
        body_en: "“{service}” received a bad rating: remedy case {tracking_number}. The head assigns it; remedy or explain by {deadline}.".into(),
    };
    notify_staff(conn, &remedy, &to_staff, "remedy_opened", &texts, 0, stamp)?;
    let to_rater = engine::Notice {
        subject_zh: "您的评价已转交整改".into(),
        subject_en: "Your rating has gone to the department".into(),
        body_zh: "感谢您对“{service}”的评价。我们已将其转交办理部门整改（整改编号 {tracking_number}），将于 {deadline} 前答复您。".into(),
        body_en: "Thank you for rating “{service}”. The department will look into it (remedy number {tracking_number}) and answer by {deadline}.".into(),
    };
    notify_applicant(conn, &remedy, &to_rater, "remedy_opened", &texts, stamp)?;
    Ok(remedy_id)
}

/// The case rated, when `id` is a remedy case of a bad rating `user` gave: the rater follows
/// the remedy on the page of the case rated.
pub fn rated_case_of_remedy(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<Option<i64>, ServiceError> {
    Ok(rating_queries::of_remedy(conn, id)?
        .filter(|r| r.rater_id == user.id)
        .map(|r| r.application_id))
}

/// The rater's word on the remedy's outcome, once, after it ended.
pub fn give_verdict(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    verdict: Verdict,
    client: &str,
) -> Result<(), ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        rateable(conn, user, id)?.ok_or(ServiceError::NotFound)?;
        let rating = rating_queries::of_case(conn, id)?.ok_or(ServiceError::NotFound)?;
        let remedy_id = rating.remedy_id.ok_or(ServiceError::NotFound)?;
        let status = remedy_status(conn, remedy_id, Some(&rating))?;
        if !status.may_give_verdict
            || !rating_queries::set_verdict(conn, rating.id, verdict.code(), now())?
        {
            return Err(ServiceError::StaleVersion);
        }
        let remedy = queries::find_case(conn, remedy_id)?.ok_or_else(|| corrupt("remedy"))?;
        queries::insert_audit_event(
            conn,
            &queries::NewAuditEvent {
                application_id: remedy_id,
                actor_id: (!rating.anonymous).then_some(user.id),
                kind: "verdict",
                from_status: Some(&remedy.status),
                to_status: &remedy.status,
                note: Some(verdict.code()),
                client_address: Some(client),
                created_at: now(),
                department_id: remedy.department_id,
                details: None,
            },
        )?;
        Ok(())
    })
}

/// What the staff page of a remedy case shows of the rating. An anonymous rater's name is
/// never read.
pub struct RemedySubject {
    pub rating: RatingRow,
    pub rated_number: Option<String>,
    /// (name, email) of a named rater.
    pub rater: Option<(String, String)>,
    /// The calls back recorded (回访): (when, by whom, what was said).
    pub contacts: Vec<queries::StaffEvent>,
}

pub fn remedy_subject(
    conn: &mut DbConnection,
    user: &User,
    remedy_id: i64,
) -> Result<Option<RemedySubject>, ServiceError> {
    let access = access(conn, user, remedy_id)?;
    if access.case.kind != KIND_REMEDY {
        return Ok(None);
    }
    let Some((rating, rated_number)) = rating_queries::remedy_subject(conn, remedy_id)? else {
        return Err(corrupt("a remedy case without its rating"));
    };
    let rater = if rating.anonymous {
        None
    } else {
        let (email, name, _) = queries::contact(conn, rating.rater_id)?;
        Some((name, email))
    };
    let contacts = queries::case_events(conn, remedy_id)?
        .into_iter()
        .filter(|e| e.kind == "contact")
        .collect();
    Ok(Some(RemedySubject {
        rating,
        rated_number,
        rater,
        contacts,
    }))
}

/// Records the call back to a named rater (回访), by staff of the remedy's department.
pub fn record_contact(
    conn: &mut DbConnection,
    user: &User,
    remedy_id: i64,
    note: &str,
    client: &str,
) -> Result<(), ServiceError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(ServiceError::Refused(Refusal::NoteRequired));
    }
    crate::db::write_transaction(conn, |conn| {
        let access = access(conn, user, remedy_id)?;
        let case = access.case;
        if case.kind != KIND_REMEDY || !user.role.is_staff() || access.read_only {
            return Err(ServiceError::NotFound);
        }
        let rating = rating_queries::of_remedy(conn, remedy_id)?.ok_or(ServiceError::NotFound)?;
        if rating.anonymous {
            return Err(ServiceError::Refused(Refusal::NotAllowed));
        }
        queries::insert_audit_event(
            conn,
            &queries::NewAuditEvent {
                application_id: remedy_id,
                actor_id: Some(user.id),
                kind: "contact",
                from_status: Some(&case.status),
                to_status: &case.status,
                note: Some(note),
                client_address: Some(client),
                created_at: now(),
                department_id: case.department_id,
                details: None,
            },
        )?;
        Ok(())
    })
}

/// A named rating is answered only after the rater was called back (回访).
pub(super) fn check_answer(
    conn: &mut DbConnection,
    case: &CaseRow,
    transition: &engine::Transition,
) -> Result<(), ServiceError> {
    let answers =
        transition.decision_required && transition.performer != engine::Performer::Administrators;
    if case.kind != KIND_REMEDY || !answers {
        return Ok(());
    }
    let rating = rating_queries::of_remedy(conn, case.id)?.ok_or_else(|| corrupt("rating"))?;
    if rating.anonymous {
        return Ok(());
    }
    let called = queries::latest_event_of(conn, case.id, "contact")?.is_some();
    if called {
        Ok(())
    } else {
        Err(ServiceError::Refused(Refusal::ContactFirst))
    }
}

/// The remedy cases awaiting the administrators' review (a department called the rating
/// unfounded), oldest first, with the department's reasons.
pub fn awaiting_review(
    conn: &mut DbConnection,
    user: &User,
) -> Result<Vec<ReviewItem>, ServiceError> {
    if user.role != crate::domain::identity::Role::Admin {
        return Err(ServiceError::NotFound);
    }
    let mut items = Vec::new();
    for listed in rating_queries::remedies_in(conn, "unfounded_review")? {
        // The department's reasons are the decision text of its step (kept in the trail).
        let reasons = queries::latest_event_of(conn, listed.id, "propose_unfounded")?.and_then(
            |(note, details, _)| {
                details
                    .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
                    .and_then(|d| d["decision"].as_str().map(str::to_owned))
                    .or(note)
            },
        );
        items.push(ReviewItem {
            id: listed.id,
            version: listed.version,
            number: listed.number,
            department: listed.department,
            department_en: listed.department_en,
            rated_number: listed.rated_number,
            level: listed.rating.level,
            comment: listed.rating.comment,
            reasons,
        });
    }
    Ok(items)
}

pub struct ReviewItem {
    pub id: i64,
    pub version: i32,
    pub number: String,
    pub department: String,
    pub department_en: String,
    pub rated_number: Option<String>,
    pub level: i32,
    pub comment: String,
    /// Why the department calls the rating unfounded.
    pub reasons: Option<String>,
}

/// One row of the public figures: a department or a service in a month.
pub struct FigureRow {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub month: String,
    pub tally: Tally,
}

/// The published figures for `months` (newest first): per department, or per service of one
/// department. They hold counts only, never a person.
pub fn figures(
    conn: &mut DbConnection,
    department: Option<&str>,
    months: &[String],
) -> Result<Vec<FigureRow>, ServiceError> {
    let (names, levels, on_time) = match department {
        None => (
            rating_queries::departments(conn)?,
            rating_queries::department_levels(conn, months)?,
            rating_queries::department_remedied_on_time(conn, months)?,
        ),
        Some(code) => {
            let department_id =
                queries::department_id(conn, code)?.ok_or(ServiceError::NotFound)?;
            let levels = rating_queries::service_levels(conn, department_id, months)?;
            let mut ids: Vec<i64> = levels.iter().map(|(id, ..)| *id).collect();
            ids.sort_unstable();
            ids.dedup();
            (
                rating_queries::service_names(conn, &ids)?,
                levels,
                rating_queries::service_remedied_on_time(conn, department_id, months)?,
            )
        }
    };
    let mut rows = Vec::new();
    for month in months {
        for (id, code, name, name_en) in &names {
            let mut tally = Tally::default();
            for (_, _, level, count) in levels.iter().filter(|(i, m, ..)| i == id && m == month) {
                tally.add(*level, *count);
            }
            tally.remedied_on_time = on_time
                .iter()
                .filter(|(i, m, _)| i == id && m == month)
                .map(|(.., n)| n)
                .sum();
            // Every department is listed, rated or not; a service only once rated.
            if department.is_none() || tally.ratings > 0 {
                rows.push(FigureRow {
                    code: code.clone(),
                    name: name.clone(),
                    name_en: name_en.clone(),
                    month: month.clone(),
                    tally,
                });
            }
        }
    }
    Ok(rows)
}

/// A service's ratings of all time (the guide's figure).
pub fn service_tally(conn: &mut DbConnection, code: &str) -> Result<Tally, ServiceError> {
    let mut tally = Tally::default();
    for (level, count) in rating_queries::levels_of_service(conn, code)? {
        tally.add(level, count);
    }
    Ok(tally)
}

/// The last `n` Beijing months, newest first, as "YYYY-MM".
pub fn recent_months(n: u32) -> Vec<String> {
    let today = today();
    let (mut year, mut month) = (today.year(), today.month());
    let mut months = Vec::new();
    for _ in 0..n {
        months.push(format!("{year:04}-{month:02}"));
        if month == 1 {
            year -= 1;
            month = 12;
        } else {
            month -= 1;
        }
    }
    months
}
