//! The 12345 hotline on the one engine: a request is received (online or by an operator on the
//! phone) as a case of kind `hotline`; every later step is a transition of the hotline workflow
//! fired through [`fire`], with what is a request's own (its department, topic, merge, rating)
//! written in the same transaction.

use super::*;
use crate::db::hotline as hotline_queries;
use crate::domain::hotline::{
    Channel, HOTLINE_WORKFLOW, Intake, IntakeError, IntakeInput, KIND_HOTLINE, Satisfaction,
};
use crate::domain::identity::Role;
use crate::domain::tracking::Series;

/// Who is recording a request.
#[derive(Clone, Copy)]
pub enum Taker<'a> {
    /// The caller online: signed in (a citizen or a firm), or anonymous.
    Online(Option<&'a User>),
    /// A hotline operator taking a phone call.
    Operator(&'a User),
}

/// A request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub id: i64,
    pub number: String,
    pub due_on: Option<NaiveDate>,
}

/// A file the caller sent with the request.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub file_name: String,
    pub content: Vec<u8>,
}

/// Records a request without files (see [`receive_with_files`]).
pub fn receive(
    conn: &mut DbConnection,
    taker: Taker<'_>,
    input: &IntakeInput,
    client: &str,
) -> Result<Result<Received, Vec<IntakeError>>, ServiceError> {
    receive_with_files(conn, taker, input, &[], usize::MAX, client)
}

/// Records a request: numbered, its clock started on the day of receipt with its type's limit,
/// its files, the audit event and the caller's receipt written in the same transaction. A
/// form with mistakes (a file too large or of a type not accepted among them) comes back as
/// its field errors, and nothing is written.
pub fn receive_with_files(
    conn: &mut DbConnection,
    taker: Taker<'_>,
    input: &IntakeInput,
    files: &[Attachment],
    per_file: usize,
    client: &str,
) -> Result<Result<Received, Vec<IntakeError>>, ServiceError> {
    let (account, operator, channel) = match taker {
        Taker::Online(Some(user)) if user.role.is_applicant() => {
            (Some(user), None, Channel::Online)
        }
        Taker::Online(Some(_)) => return Err(ServiceError::NotFound),
        Taker::Online(None) => (None, None, Channel::Online),
        Taker::Operator(user) if user.role == Role::Operator => (None, Some(user), Channel::Phone),
        Taker::Operator(_) => return Err(ServiceError::NotFound),
    };
    let mut input = input.clone();
    // Only the hotline decides what is urgent.
    input.urgent &= operator.is_some();
    let files: Vec<&Attachment> = files.iter().filter(|f| !f.content.is_empty()).collect();
    let file_errors = check_files(&files, per_file);
    let intake = match Intake::parse(&input, account.is_none(), operator.is_some()) {
        Ok(intake) if file_errors.is_empty() => intake,
        Ok(_) => return Ok(Err(file_errors)),
        Err(mut errors) => {
            errors.extend(file_errors);
            return Ok(Err(errors));
        }
    };
    crate::db::write_transaction(conn, |conn| {
        let stamp = now();
        let (answer_days, urgent_hours) =
            hotline_queries::limits(conn, intake.request_type.slug())?
                .ok_or_else(|| corrupt("no time limit for a type of request"))?;
        // The type's limit, counted like an application accepted on the day of receipt.
        let opened = open_case(
            conn,
            &Opening {
                kind: KIND_HOTLINE,
                series: Series::Hotline,
                workflow: HOTLINE_WORKFLOW,
                service_id: None,
                form_definition_id: None,
                applicant_id: account.map(|u| u.id),
                department_id: None,
                state: None,
            },
            |_| Ok(days(answer_days)),
            stamp,
        )?;
        let id = opened.id;
        // A signed-in caller is answered at their account; their name is the account's.
        let caller_name = match account {
            Some(user) if intake.caller_name.is_empty() => user.name.clone(),
            _ => intake.caller_name.clone(),
        };
        let urgent_due_at = intake
            .urgent
            .then(|| stamp + chrono::Duration::hours(i64::from(urgent_hours)));
        hotline_queries::insert(
            conn,
            &hotline_queries::NewRequest {
                application_id: id,
                request_type: intake.request_type.slug(),
                channel: channel.slug(),
                urgent: intake.urgent,
                subject: &intake.subject,
                description: &intake.description,
                location: &intake.location,
                caller_name: &caller_name,
                caller_phone: &intake.caller_phone,
                caller_email: &intake.caller_email,
                confidential: intake.confidential,
                operator_id: operator.map(|u| u.id),
                received_day: today(),
                urgent_due_at,
            },
        )?;
        for file in &files {
            store_file(conn, id, file, stamp)?;
        }
        // The trail names the type and the channel, never the caller.
        let details = serde_json::json!({
            "request_type": intake.request_type.slug(),
            "channel": channel.slug(),
            "urgent": intake.urgent,
        })
        .to_string();
        queries::insert_audit_event(
            conn,
            &queries::NewAuditEvent {
                application_id: id,
                actor_id: account.or(operator).map(|u| u.id),
                kind: "hotline_received",
                from_status: None,
                to_status: &opened.initial,
                note: None,
                client_address: Some(client),
                created_at: stamp,
                department_id: None,
                details: Some(&details),
            },
        )?;
        let case = opened.case;
        let receipt = engine::Notice {
            subject_zh: "已收到您的诉求".into(),
            subject_en: "We have received your request".into(),
            body_zh: "您的诉求“{service}”已受理，编号 {tracking_number}，我们将于 {deadline} 前答复。可凭编号随时查询办理进度。".into(),
            body_en: "We have received your request “{service}” under number {tracking_number} and will answer by {deadline}. You can follow it with the number at any time.".into(),
        };
        let texts = NoticeTexts {
            note: "",
            decision: "",
            deadline: opened.due_on,
            opinions: &[],
            title: None,
        };
        notify_applicant(conn, &case, &receipt, "hotline_received", &texts, stamp)?;
        Ok(Ok(Received {
            id,
            number: opened.number.as_str().to_owned(),
            due_on: opened.due_on,
        }))
    })
}

/// What is wrong with the files sent: too many, too large, or of a type not accepted.
fn check_files(files: &[&Attachment], per_file: usize) -> Vec<IntakeError> {
    use crate::domain::hotline::{ATTACHMENTS_MAX, IntakeField};
    use crate::domain::upload::FileType;
    let mut errors = Vec::new();
    if files.len() > ATTACHMENTS_MAX {
        errors.push((IntakeField::Attachment, "hotline.error.attachment_count"));
    } else if files.iter().any(|f| f.content.len() > per_file) {
        errors.push((IntakeField::Attachment, "hotline.error.attachment_size"));
    } else if files.iter().any(|f| FileType::sniff(&f.content).is_none()) {
        errors.push((IntakeField::Attachment, "hotline.error.attachment_type"));
    }
    errors
}

/// Keeps a request's file beside the materials of applications (the same table, the same
/// downloads), under [`crate::domain::hotline::ATTACHMENT_MATERIAL`].
fn store_file(
    conn: &mut DbConnection,
    id: i64,
    file: &Attachment,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    use crate::domain::upload::{FileType, clean_file_name};
    let file_type = FileType::sniff(&file.content)
        .ok_or_else(|| corrupt("a file checked before the transaction"))?;
    crate::db::applications::insert_file(
        conn,
        &crate::db::applications::NewFile {
            application_id: id,
            material_name: crate::domain::hotline::ATTACHMENT_MATERIAL,
            original_name: &clean_file_name(&file.file_name, file_type),
            content_type: file_type.mime(),
            size: file.content.len() as i64,
            sha256: &crate::domain::sha256_hex(&file.content),
            content: &file.content,
            created_at: stamp,
        },
    )?;
    Ok(())
}

/// A step of a request as its page sends it: the fields of every step's form (each step reads
/// its own).
#[derive(Debug, Clone, Default)]
pub struct Step {
    pub note: String,
    pub decision: String,
    /// Dispatch: the department's code, and the topic the request was filed under.
    pub department: String,
    pub topic: String,
    /// Merge: the number of the request to merge into.
    pub merge_into: String,
    /// A direct answer: the code of the service whose guide it links, if any.
    pub guide: String,
}

/// Takes step `name` of request `id`: the hotline's own steps (dispatch, merge, an answer) with
/// what belongs to them, any other through the one transition path. A rating is not a step:
/// it is given on its own form ([`rate`]).
#[allow(clippy::too_many_arguments)]
pub fn take_step(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    name: &str,
    version: i32,
    step: &Step,
    client: &str,
) -> Result<Fired, ServiceError> {
    match name {
        "dispatch" => dispatch(
            conn,
            user,
            id,
            version,
            &step.department,
            (!step.topic.is_empty()).then_some(step.topic.as_str()),
            &step.note,
            client,
        ),
        "merge" => merge(conn, user, id, version, &step.merge_into, client),
        "answer_directly" | "approve_reply" => {
            let guide = if step.guide.is_empty() {
                None
            } else {
                Some(
                    crate::db::catalog::service_id(conn, &step.guide)?
                        .ok_or(ServiceError::NotFound)?,
                )
            };
            answer(conn, user, id, name, version, &step.decision, guide, client)
        }
        rating if REOPENINGS.contains(&rating) || rating.ends_with("close") => {
            Err(ServiceError::NotFound)
        }
        _ => {
            super::hotline_pages::hotline_case(conn, user, id)?;
            let input = TransitionInput {
                note: step.note.clone(),
                decision: step.decision.clone(),
                checklist: Vec::new(),
            };
            fire(conn, user, id, name, version, &input, client)
        }
    }
}

/// 派单: gives the request to `department_code`, filed under `topic` when the operator chose
/// one, and tells the department's staff.
#[allow(clippy::too_many_arguments)]
pub fn dispatch(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    version: i32,
    department_code: &str,
    topic: Option<&str>,
    note: &str,
    client: &str,
) -> Result<Fired, ServiceError> {
    if user.role != Role::Operator {
        return Err(ServiceError::NotFound);
    }
    crate::db::write_transaction(conn, |conn| {
        hotline_case(conn, id)?;
        let department_id = queries::department_id(conn, department_code)?.ok_or_else(|| {
            ServiceError::Rejected(vec![crate::domain::reason::Reason::new(
                "请选择承办部门",
                "Choose the department to dispatch to",
            )])
        })?;
        hotline_queries::set_department(conn, id, department_id)?;
        if let Some(topic) = topic.and_then(crate::domain::hotline::topic) {
            hotline_queries::set_topic(conn, id, &topic.code)?;
        }
        let input = TransitionInput {
            note: note.to_owned(),
            ..TransitionInput::default()
        };
        fire(conn, user, id, "dispatch", version, &input, client)
    })
}

/// 合并: request `id` is answered with request `into_number` (a related one not yet answered);
/// its caller is told, and gets that request's answer when it comes.
pub fn merge(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    version: i32,
    into_number: &str,
    client: &str,
) -> Result<Fired, ServiceError> {
    if user.role != Role::Operator {
        return Err(ServiceError::NotFound);
    }
    let refuse = |zh: &str, en: &str| {
        ServiceError::Rejected(vec![crate::domain::reason::Reason::new(zh, en)])
    };
    crate::db::write_transaction(conn, |conn| {
        hotline_case(conn, id)?;
        let number = crate::domain::tracking::TrackingNumber::parse(into_number).map_err(|_| {
            refuse(
                "请填写要并入的诉求编号",
                "Give the number of the request to merge into",
            )
        })?;
        let into = hotline_queries::id_by_number(conn, number.as_str())?
            .filter(|other| *other != id)
            .ok_or_else(|| {
                refuse(
                    "没有这个编号的热线诉求",
                    "No hotline request has this number",
                )
            })?;
        let target = queries::find_case(conn, into)?.ok_or(ServiceError::NotFound)?;
        if matches!(target.status.as_str(), "merged" | "hotline_closed") {
            return Err(refuse(
                "只能并入尚未办结的诉求",
                "A request can only be merged into one that is still open",
            ));
        }
        hotline_queries::set_merged_into(conn, id, into)?;
        let input = TransitionInput {
            note: number.as_str().to_owned(),
            ..TransitionInput::default()
        };
        fire(conn, user, id, "merge", version, &input, client)
    })
}

/// 直接答复 or the approval of a department's reply: the answer goes to the caller and to the
/// callers of every request merged into this one. `guide`: the service whose guide the answer
/// links (a direct answer).
#[allow(clippy::too_many_arguments)]
pub fn answer(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    name: &str,
    version: i32,
    answer: &str,
    guide: Option<i64>,
    client: &str,
) -> Result<Fired, ServiceError> {
    if !matches!(name, "answer_directly" | "approve_reply") {
        return Err(ServiceError::NotFound);
    }
    crate::db::write_transaction(conn, |conn| {
        hotline_case(conn, id)?;
        let input = TransitionInput {
            decision: answer.to_owned(),
            ..TransitionInput::default()
        };
        let fired = fire(conn, user, id, name, version, &input, client)?;
        if name == "answer_directly" {
            hotline_queries::set_guide(conn, id, guide)?;
        }
        tell_merged(conn, id, name, answer)?;
        Ok(fired)
    })
}

/// The callers of the requests merged into `id` get its answer, each by mail where they left an
/// address; their requests' pages show it.
fn tell_merged(
    conn: &mut DbConnection,
    id: i64,
    name: &str,
    answer: &str,
) -> Result<(), ServiceError> {
    let case = queries::find_case(conn, id)?.ok_or(ServiceError::NotFound)?;
    let definition_id = case
        .workflow_definition_id
        .ok_or_else(|| corrupt("hotline case without a workflow"))?;
    let (_, digest) = queries::definition_version(conn, definition_id)?;
    let definition = parsed_definition(conn, definition_id, &digest)?;
    let Some(notice) = definition
        .transitions
        .iter()
        .find(|t| t.name == name)
        .and_then(|t| t.notify_applicant.clone())
    else {
        return Ok(());
    };
    let stamp = now();
    for merged in hotline_queries::merged_into(conn, id)? {
        let merged = queries::find_case(conn, merged)?.ok_or(ServiceError::NotFound)?;
        let texts = NoticeTexts {
            note: "",
            decision: answer,
            deadline: None,
            opinions: &[],
            title: None,
        };
        notify_applicant(conn, &merged, &notice, name, &texts, stamp)?;
    }
    Ok(())
}

/// The caller's rating of the answer: signed in on their request's page, or given to an operator
/// who calls them back (回访). 不满意 reopens the request once (重办) with a new deadline; after
/// that, or with any other rating, the request is closed.
pub fn rate(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    version: i32,
    satisfaction: Satisfaction,
    client: &str,
) -> Result<Fired, ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let case = hotline_case(conn, id)?;
        let callback = user.role == Role::Operator;
        if !callback && case.applicant_id != Some(user.id) {
            return Err(ServiceError::NotFound);
        }
        let counts = queries::transition_counts(conn, id)?;
        let reopened = REOPENINGS.iter().any(|t| times_fired(&counts, t) > 0);
        // A direct answer goes back to the hotline; a department's, to the department.
        let at_hotline = case.department_id.is_none();
        let name = match (
            satisfaction == Satisfaction::Unsatisfied && !reopened,
            callback,
            at_hotline,
        ) {
            (true, false, false) => "reopen",
            (true, true, false) => "callback_reopen",
            (true, false, true) => "reopen_at_hotline",
            (true, true, true) => "callback_reopen_at_hotline",
            (false, false, _) => "close",
            (false, true, _) => "callback_close",
        };
        let input = TransitionInput {
            note: format!("{} {}", satisfaction.zh(), satisfaction.en()),
            ..TransitionInput::default()
        };
        let fired = fire(conn, user, id, name, version, &input, client)?;
        hotline_queries::set_rating(conn, id, satisfaction.slug(), now())?;
        Ok(fired)
    })
}

/// The transitions that reopen a request (重办): together, at most once.
const REOPENINGS: &[&str] = &[
    "reopen",
    "callback_reopen",
    "reopen_at_hotline",
    "callback_reopen_at_hotline",
];

/// The hotline case `id`, or not found.
fn hotline_case(conn: &mut DbConnection, id: i64) -> Result<CaseRow, ServiceError> {
    queries::find_case(conn, id)?
        .filter(|c| c.kind == KIND_HOTLINE)
        .ok_or(ServiceError::NotFound)
}
