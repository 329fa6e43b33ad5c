//! The hotline as its pages show it: a request as an operator or a department reads it (a 保密
//! caller's identity kept from the department), the operator's console, the department's
//! hotline queue, the caller's own view and public lookup, and the daily figures from the audit
//! trail.

use super::*;
use crate::db::hotline::{self as hotline_queries, Cursor, ListedRequest, RequestRow};
use crate::domain::hotline::{KIND_HOTLINE, Topic};
use crate::domain::identity::Role;

/// How many lines each list of the console shows.
pub const CONSOLE_LIST: i64 = 50;
/// How many lines a page of the department's hotline queue shows.
pub const QUEUE_PAGE: i64 = 50;

/// The states a department works a request in.
const DEPARTMENT_STATES: &[&str] = &[
    "dispatched",
    "handling",
    "extension_requested",
    "reply_review",
    "returned",
];

/// Who called, as far as the reader may know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub phone: String,
    pub email: String,
}

/// A request as the hotline or its department reads it.
pub struct HotlineCase {
    pub case: CaseRow,
    pub request: RequestRow,
    /// None when the caller asked that the department not know them (保密) and the reader is
    /// the department.
    pub caller: Option<Caller>,
    /// (code, name, English name) of the department it was dispatched to.
    pub department: Option<(String, String, String)>,
    pub workflow_version: i32,
    pub deadlines: Deadlines,
    pub level: Level,
    pub available: Vec<engine::Transition>,
    pub events: Vec<queries::StaffEvent>,
    /// The department's latest reply, for the hotline to review.
    pub reply: Option<String>,
    /// The request this one was merged into, by number.
    pub merged_into: Option<String>,
    /// The requests merged into this one, by number.
    pub merged: Vec<String>,
    /// The topic the words of the request suggest, for the dispatch.
    pub suggested: Option<&'static Topic>,
    /// (code, name, English name) of the service guide a direct answer linked.
    pub guide: Option<(String, String, String)>,
    /// The caller's files: (id, name, size in bytes).
    pub files: Vec<(i64, String, i64)>,
    /// The reader is a hotline operator.
    pub operator: bool,
}

/// Loads request `id` for an operator or the staff of the department it was dispatched to.
pub fn hotline_case(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<HotlineCase, ServiceError> {
    let operator = user.role == Role::Operator;
    if !operator && !user.role.is_staff() {
        return Err(ServiceError::NotFound);
    }
    let Access {
        case,
        definition,
        version: workflow_version,
        department_code,
        ..
    } = access(conn, user, id)?;
    if case.kind != KIND_HOTLINE {
        return Err(ServiceError::NotFound);
    }
    let request = hotline_queries::find(conn, id)?.ok_or_else(|| corrupt("hotline request"))?;
    let (facts, deadlines, calendar, today) =
        super::case_pages::clock_today(conn, &case, &definition)?;
    let counts = queries::transition_counts(conn, id)?;
    let times_fired = |t: &str| times_fired(&counts, t);
    let situation = engine::Situation {
        state: &case.status,
        department: &department_code,
        promised_days: days(case.promised_days),
        opinions: &[],
        times_fired: &times_fired,
        clock: clock_situation(&facts, &calendar, today),
    };
    let actor = Actor {
        role: user.role,
        departments: &user.departments,
        is_applicant: false,
    };
    let available = engine::available(&definition, &situation, &actor)
        .into_iter()
        .cloned()
        .collect();
    let hidden = request.confidential && !operator;
    let caller = (!hidden).then(|| Caller {
        name: request.caller_name.clone(),
        phone: request.caller_phone.clone(),
        email: request.caller_email.clone(),
    });
    let mut events = queries::case_events(conn, id)?;
    if hidden {
        // The caller's own steps (the request online, the rating) would name them.
        for event in &mut events {
            event.client_address = None;
            if crate::domain::hotline::CALLER_STEPS.contains(&event.kind.as_str()) {
                event.actor_name = None;
                event.actor_email = None;
            }
        }
    }
    let reply = events
        .iter()
        .rev()
        .find(|e| e.kind == "reply")
        .and_then(|e| e.details.as_deref())
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .and_then(|d| d["decision"].as_str().map(str::to_owned));
    let department = match case.department_id {
        Some(department_id) => hotline_queries::department(conn, department_id)?,
        None => None,
    };
    let merged_into = match request.merged_into {
        Some(into) => hotline_queries::numbers(conn, &[into])?.into_iter().next(),
        None => None,
    };
    let merged_ids = hotline_queries::merged_into(conn, id)?;
    let merged = hotline_queries::numbers(conn, &merged_ids)?;
    let guide = match request.guide_service_id {
        Some(service) => crate::db::ratings::service_names(conn, &[service])?
            .into_iter()
            .next()
            .map(|(_, code, name, name_en)| (code, name, name_en)),
        None => None,
    };
    let files = files_of(conn, id)?;
    Ok(HotlineCase {
        files,
        level: deadlines.level(today),
        deadlines,
        suggested: crate::domain::hotline::suggest_topic(&request.subject, &request.description),
        caller,
        department,
        reply,
        workflow_version,
        available,
        events,
        merged_into,
        merged,
        guide,
        operator,
        request,
        case,
    })
}

fn files_of(conn: &mut DbConnection, id: i64) -> Result<Vec<(i64, String, i64)>, ServiceError> {
    Ok(crate::db::applications::files_of(conn, id)?
        .into_iter()
        .map(|f| (f.id, f.original_name, f.size))
        .collect())
}

/// A file of request `id`, for an operator or the department that has it: (name, content
/// type, content).
pub fn hotline_file(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    file: i64,
) -> Result<(String, String, Vec<u8>), ServiceError> {
    hotline_case(conn, user, id)?;
    crate::db::applications::file_content(conn, id, file)?.ok_or(ServiceError::NotFound)
}

/// The operator's console: the caller's earlier requests, and what waits for the hotline.
pub struct Console {
    /// The caller's earlier requests (by the number they call from), newest first.
    pub earlier: Vec<ListedRequest>,
    /// Received or sent back: to answer or dispatch.
    pub to_answer: Vec<ListedRequest>,
    /// A department's reply or request for more time, to review.
    pub to_review: Vec<ListedRequest>,
    /// Answered, the caller not yet heard (回访).
    pub to_call_back: Vec<ListedRequest>,
}

pub fn console(
    conn: &mut DbConnection,
    user: &User,
    phone: Option<&str>,
) -> Result<Console, ServiceError> {
    if user.role != Role::Operator {
        return Err(ServiceError::NotFound);
    }
    let earlier = match phone.and_then(crate::domain::hotline::normalise_phone) {
        Some(phone) => hotline_queries::by_phone(conn, &phone, CONSOLE_LIST)?,
        None => Vec::new(),
    };
    Ok(Console {
        earlier,
        to_answer: hotline_queries::list(
            conn,
            &["hotline_received", "returned"],
            None,
            None,
            CONSOLE_LIST,
        )?,
        to_review: hotline_queries::list(
            conn,
            &["reply_review", "extension_requested"],
            None,
            None,
            CONSOLE_LIST,
        )?,
        to_call_back: hotline_queries::list(conn, &["answered"], None, None, CONSOLE_LIST)?,
    })
}

/// A page of department `code`'s hotline requests, the nearest deadline first. No caller's
/// number is listed: the department reads who called on the request's page, where the
/// caller allowed it.
pub fn department_queue(
    conn: &mut DbConnection,
    user: &User,
    code: &str,
    after: Option<Cursor>,
) -> Result<Vec<ListedRequest>, ServiceError> {
    if !user.role.is_staff() || !user.works_in(code) {
        return Err(ServiceError::NotFound);
    }
    let department_id = queries::department_id(conn, code)?.ok_or(ServiceError::NotFound)?;
    let mut rows = hotline_queries::list(
        conn,
        DEPARTMENT_STATES,
        Some(department_id),
        after,
        QUEUE_PAGE + 1,
    )?;
    for row in &mut rows {
        row.caller_phone.clear();
    }
    Ok(rows)
}

/// A request as its caller sees it: what they asked, where it is, the answer.
pub struct CallerView {
    pub case: CaseRow,
    pub request: RequestRow,
    /// (event kind, time) of each step, no department's notes.
    pub steps: Vec<(String, NaiveDateTime)>,
    /// The request answers this one's (合并), by number.
    pub merged_into: Option<String>,
    /// The answer, once given: this request's, or that of the request it was merged into.
    pub answer: Option<String>,
    /// The caller may rate the answer now (signed in, answered, not yet rated).
    pub may_rate: bool,
    /// The names of the files sent with it.
    pub files: Vec<String>,
}

fn caller_view(
    conn: &mut DbConnection,
    case: CaseRow,
    may_rate_as: Option<&User>,
) -> Result<CallerView, ServiceError> {
    let request =
        hotline_queries::find(conn, case.id)?.ok_or_else(|| corrupt("hotline request"))?;
    let steps = crate::db::applications::events(conn, case.id)?
        .into_iter()
        .map(|(kind, _, _, at)| (kind, at))
        .collect();
    let (merged_into, answer) = match request.merged_into {
        Some(into) => {
            let number = hotline_queries::numbers(conn, &[into])?.into_iter().next();
            let answer = queries::find_case(conn, into)?.and_then(|c| c.decision);
            (number, answer)
        }
        None => (None, case.decision.clone()),
    };
    let files = files_of(conn, case.id)?
        .into_iter()
        .map(|(_, name, _)| name)
        .collect();
    let may_rate =
        case.status == "answered" && may_rate_as.is_some_and(|u| case.applicant_id == Some(u.id));
    Ok(CallerView {
        case,
        request,
        steps,
        merged_into,
        answer,
        may_rate,
        files,
    })
}

/// The signed-in caller's own request numbered `number`; anyone else's is not found.
pub fn own_request(
    conn: &mut DbConnection,
    user: &User,
    number: &str,
) -> Result<CallerView, ServiceError> {
    let parsed = crate::domain::tracking::TrackingNumber::parse(number)
        .map_err(|_| ServiceError::NotFound)?;
    let id = hotline_queries::id_by_number(conn, parsed.as_str())?.ok_or(ServiceError::NotFound)?;
    let case = queries::find_case(conn, id)?
        .filter(|c| c.applicant_id == Some(user.id))
        .ok_or(ServiceError::NotFound)?;
    caller_view(conn, case, Some(user))
}

/// The signed-in caller's requests, newest first.
pub fn own_requests(
    conn: &mut DbConnection,
    user: &User,
) -> Result<Vec<ListedRequest>, ServiceError> {
    if !user.role.is_applicant() {
        return Err(ServiceError::NotFound);
    }
    Ok(hotline_queries::of_applicant(conn, user.id)?)
}

/// The public lookup: the request numbered `number` for whoever knows the last four digits of
/// the phone number or the email address it was left with. Failures are throttled per client
/// like the applications' lookup.
pub fn lookup(
    conn: &mut DbConnection,
    number: &str,
    contact: &str,
    client: &str,
) -> Result<CallerView, ServiceError> {
    use crate::db::accounts as throttle;
    let stamp = now();
    let window = chrono::Duration::minutes(crate::services::accounts::FAILURE_WINDOW_MINUTES);
    let key = format!("lookup:{client}");
    let (failures, oldest) = throttle::failures_since(conn, &key, stamp - window)?;
    if failures >= crate::services::applications::MAX_LOOKUP_FAILURES {
        return Err(ServiceError::Throttled {
            until: oldest.unwrap_or(stamp) + window,
        });
    }
    let contact = contact.trim().to_lowercase();
    let found = match crate::domain::tracking::TrackingNumber::parse(number) {
        Ok(parsed) if !contact.is_empty() => {
            match hotline_queries::id_by_number(conn, parsed.as_str())? {
                Some(id) => {
                    let request = hotline_queries::find(conn, id)?;
                    let matches = request.is_some_and(|r| {
                        (contact.chars().count() == 4
                            && r.caller_phone.len() >= 4
                            && r.caller_phone.ends_with(&contact))
                            || (!r.caller_email.is_empty() && r.caller_email == contact)
                    });
                    if matches {
                        queries::find_case(conn, id)?
                    } else {
                        None
                    }
                }
                None => None,
            }
        }
        _ => None,
    };
    let Some(case) = found else {
        throttle::record_failure(conn, &key, stamp)?;
        return Err(ServiceError::NotFound);
    };
    caller_view(conn, case, None)
}

/// One line of the daily figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HotlineFigureLine {
    /// (code, name, English name); None for the hotline's own line.
    pub department: Option<(String, String, String)>,
    pub received: i64,
    pub answered_directly: i64,
    pub merged: i64,
    pub dispatched: i64,
    pub sent_back: i64,
    pub answered: i64,
    pub on_time: i64,
    pub satisfied: i64,
    pub reopened: i64,
}

impl HotlineFigureLine {
    fn count(&mut self, kind: &str, on_time: Option<bool>, rating: Option<&str>, n: i64) {
        match kind {
            "hotline_received" => self.received += n,
            "answer_directly" => {
                self.answered_directly += n;
                self.answered += n;
                self.on_time += if on_time == Some(true) { n } else { 0 };
            }
            "merge" => self.merged += n,
            "dispatch" => self.dispatched += n,
            "send_back" => self.sent_back += n,
            "approve_reply" => {
                self.answered += n;
                self.on_time += if on_time == Some(true) { n } else { 0 };
            }
            "close" | "callback_close"
                if matches!(rating, Some("satisfied" | "basically_satisfied")) =>
            {
                self.satisfied += n
            }
            "reopen" | "callback_reopen" | "reopen_at_hotline" | "callback_reopen_at_hotline" => {
                self.reopened += n
            }
            _ => {}
        }
    }

    fn add(&mut self, other: &HotlineFigureLine) {
        self.received += other.received;
        self.answered_directly += other.answered_directly;
        self.merged += other.merged;
        self.dispatched += other.dispatched;
        self.sent_back += other.sent_back;
        self.answered += other.answered;
        self.on_time += other.on_time;
        self.satisfied += other.satisfied;
        self.reopened += other.reopened;
    }
}

/// The figures of a day: the hotline's own line (requests no department held), one line per
/// department with hotline work that day, and the total.
pub struct HotlineFigures {
    pub day: NaiveDate,
    pub hotline: HotlineFigureLine,
    pub departments: Vec<HotlineFigureLine>,
    pub total: HotlineFigureLine,
}

/// The day's figures, counted from the audit trail (a day runs from Beijing midnight). For the
/// hotline's operators and the administrators.
pub fn hotline_figures(
    conn: &mut DbConnection,
    user: &User,
    day: NaiveDate,
) -> Result<HotlineFigures, ServiceError> {
    if !matches!(user.role, Role::Operator | Role::Admin) {
        return Err(ServiceError::NotFound);
    }
    let from = beijing_midnight(day);
    let until = beijing_midnight(day.succ_opt().ok_or(ServiceError::NotFound)?);
    let mut hotline = HotlineFigureLine::default();
    for (_, kind, on_time, rating, n) in hotline_queries::figure_groups(conn, None, from, until)? {
        hotline.count(&kind, on_time, rating.as_deref(), n);
    }
    let all = crate::db::ratings::departments(conn)?;
    let ids: Vec<i64> = all.iter().map(|(id, ..)| *id).collect();
    let mut lines: Vec<(i64, HotlineFigureLine)> = Vec::new();
    for (department, kind, on_time, rating, n) in
        hotline_queries::figure_groups(conn, Some(&ids), from, until)?
    {
        let Some(department) = department else {
            continue;
        };
        let at = match lines.iter().position(|(id, _)| *id == department) {
            Some(at) => at,
            None => {
                lines.push((department, HotlineFigureLine::default()));
                lines.len() - 1
            }
        };
        lines[at].1.count(&kind, on_time, rating.as_deref(), n);
    }
    // In catalog order.
    let departments: Vec<HotlineFigureLine> = all
        .into_iter()
        .filter_map(|(id, code, name, name_en)| {
            lines
                .iter()
                .find(|(d, _)| *d == id)
                .map(|(_, line)| HotlineFigureLine {
                    department: Some((code, name, name_en)),
                    ..line.clone()
                })
        })
        .collect();
    let mut total = hotline.clone();
    for line in &departments {
        total.add(line);
    }
    Ok(HotlineFigures {
        day,
        hotline,
        departments,
        total,
    })
}

/// When the answer to request `number` is due, for its receipt page (a date says nothing of
/// the caller).
pub fn due_of(conn: &mut DbConnection, number: &str) -> Result<NaiveDate, ServiceError> {
    let parsed = crate::domain::tracking::TrackingNumber::parse(number)
        .map_err(|_| ServiceError::NotFound)?;
    let id = hotline_queries::id_by_number(conn, parsed.as_str())?.ok_or(ServiceError::NotFound)?;
    queries::find_case(conn, id)?
        .and_then(|c| c.due_on)
        .ok_or(ServiceError::NotFound)
}
