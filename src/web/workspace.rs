//! The clerk's workspace: the departments a clerk or head works in, each with its queue, the
//! application page with one form per transition the clerk may fire, the dashboard and the
//! audit log (with CSV exports).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::error::{BadParameter, WebError};
use super::forms::{Fields, FormState, local_path, page_with_status, see_other};
use super::run;
use super::session::Staff;
use crate::db::DbPool;
use crate::db::workflow::{QueueCursor, StaffEvent};
use crate::domain::clock::Level;
use crate::services::ServiceError;
use crate::services::applications as applications_service;
use crate::services::catalog as catalog_service;
use crate::services::workflow::{self as service, AuditSearch, QueueFilter, TransitionInput};
use crate::views::PageContext;
use crate::views::accounts::{MessagePage, WorkspacePage};
use crate::views::workspace::{
    AuditPage, CasePage, DashboardPage, OpinionLine, QueueLinks, QueuePage, TransitionForm, date,
};

/// Audit events per page.
const AUDIT_PAGE: i64 = 50;
/// The most rows one CSV export carries.
const CSV_LIMIT: i64 = 100_000;

#[get("/workspace")]
async fn index(
    ctx: PageContext,
    Staff(staff): Staff,
    pool: web::Data<DbPool>,
) -> Result<WorkspacePage, WebError> {
    let mine = staff.user.departments.clone();
    let departments = run(&pool, catalog_service::departments)
        .await?
        .into_iter()
        .filter(|d| mine.contains(&d.code))
        .collect();
    Ok(WorkspacePage { ctx, departments })
}

#[derive(Debug, Default, Deserialize)]
struct QueueParams {
    state: Option<String>,
    service: Option<String>,
    level: Option<String>,
    assigned: Option<String>,
    sort: Option<String>,
    q: Option<String>,
    after: Option<String>,
}

fn present(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn parse_cursor(text: &str) -> Option<QueueCursor> {
    let mut parts = text.splitn(3, '_');
    let (kind, key, id) = (parts.next()?, parts.next()?, parts.next()?.parse().ok()?);
    match kind {
        "d" => Some(QueueCursor::Deadline(
            NaiveDate::parse_from_str(key, "%Y-%m-%d").ok()?,
            id,
        )),
        "n" => Some(QueueCursor::Newest(
            chrono::DateTime::from_timestamp_micros(key.parse().ok()?)?.naive_utc(),
            id,
        )),
        _ => None,
    }
}

fn cursor_text(cursor: &QueueCursor) -> String {
    match cursor {
        QueueCursor::Deadline(due, id) => format!("d_{}_{id}", due.format("%Y-%m-%d")),
        QueueCursor::Newest(at, id) => format!("n_{}_{id}", at.and_utc().timestamp_micros()),
    }
}

/// A department's queue; a clerk of another department gets 404.
#[get("/workspace/{department}")]
async fn queue(
    req: HttpRequest,
    ctx: PageContext,
    staff: Staff,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
    params: web::Query<QueueParams>,
) -> Result<QueuePage, WebError> {
    let code = staff.department(&code)?;
    let links = QueueLinks {
        state: present(&params.state).unwrap_or_default(),
        service: present(&params.service).unwrap_or_default(),
        level: present(&params.level).unwrap_or_default(),
        assigned: present(&params.assigned).unwrap_or_default(),
        sort: present(&params.sort).unwrap_or_default(),
        q: present(&params.q).unwrap_or_default(),
    };
    let bad = || WebError::BadRequest(BadParameter::Filter);
    let level = match links.level.as_str() {
        "" => None,
        other => Some(Level::parse(other).ok_or_else(bad)?),
    };
    if !["", "mine", "unassigned"].contains(&links.assigned.as_str())
        || !["", "newest"].contains(&links.sort.as_str())
        || links.q.chars().count() > 50
    {
        return Err(bad());
    }
    // A search reaches finished cases too, whose deadlines no longer order anything: its
    // results come newest first.
    let newest_first = links.sort == "newest" || !links.q.is_empty();
    let after = match present(&params.after) {
        Some(text) => Some(
            parse_cursor(&text)
                .filter(|c| matches!(c, QueueCursor::Newest(..)) == newest_first)
                .ok_or(WebError::BadRequest(BadParameter::Page))?,
        ),
        None => None,
    };
    let filter = QueueFilter {
        state: (!links.state.is_empty()).then(|| links.state.clone()),
        service: (!links.service.is_empty()).then(|| links.service.clone()),
        level,
        assigned: (!links.assigned.is_empty()).then(|| links.assigned.clone()),
        search: (!links.q.is_empty()).then(|| links.q.clone()),
        newest_first,
    };
    let user = staff.0.user.clone();
    let dept = code.clone();
    let page = run(&pool, move |conn| {
        service::queue(conn, &user, &dept, &filter, after)
    })
    .await?;
    let return_to = match req.query_string() {
        "" => req.path().to_owned(),
        query => format!("{}?{query}", req.path()),
    };
    Ok(QueuePage {
        department_code: code.clone(),
        department_name: page.department_name,
        next_href: page
            .next
            .map(|c| format!("/workspace/{code}?{}", links.query(Some(&cursor_text(&c))))),
        counts: page
            .counts
            .into_iter()
            .map(|(c, zh, en, n)| (c, ctx.pick(&zh, &en).to_owned(), n))
            .collect(),
        rows: page.rows,
        co_review: page.co_review,
        quick: page.quick,
        services: page.services,
        user_id: staff.0.user.id,
        return_to,
        today: page.today,
        links,
        ctx,
    })
}

/// What the case page needs besides the case: an error for one transition form.
#[derive(Default)]
struct Attempt {
    transition: String,
    message: String,
    input: TransitionInput,
}

async fn case_page(
    ctx: PageContext,
    staff: &Staff,
    pool: &DbPool,
    id: i64,
    attempt: Option<Attempt>,
) -> Result<CasePage, WebError> {
    let user = staff.0.user.clone();
    let (app, case) = run(pool, move |conn| {
        let (app, case) = applications_service::for_staff(conn, &user, id)?;
        let materials = applications_service::materials(conn, &app)?;
        let remedy = service::remedy_subject(conn, &user, id)?;
        Ok((app, (case, materials, remedy)))
    })
    .await?;
    let (case, materials, remedy) = case;
    let row = &case.case;
    let state = case
        .definition
        .state(&row.status)
        .ok_or_else(|| WebError::Internal("unknown state".into()))?;
    let d = &case.facts_deadlines;
    let mut deadlines = vec![
        (
            ctx.t("clock.acceptance_due").into_owned(),
            date(&d.acceptance_due),
        ),
        (
            ctx.t("clock.promised_due").into_owned(),
            date(&d.promised_due),
        ),
        (ctx.t("clock.legal_due").into_owned(), date(&d.legal_due)),
        (
            ctx.t("clock.delivery_due").into_owned(),
            date(&d.delivery_due),
        ),
    ];
    // Before acceptance the acceptance deadline is the one that matters now, so it leads;
    // afterwards it is history and goes last, and this step's deadline leads.
    let before_acceptance = case.accepted_on.is_none() && !row.deemed_accepted;
    if !before_acceptance {
        deadlines.rotate_left(1);
    }
    if let Some(due) = d.state_due {
        let at = usize::from(before_acceptance);
        deadlines.insert(at, (ctx.t("clock.state_due").into_owned(), due.to_string()));
    }
    // A remedy case has one deadline, the answer's: it is accepted as it is opened and
    // delivers nothing.
    if remedy.is_some() {
        deadlines = vec![(
            ctx.t("rating.remedy_due").into_owned(),
            date(&d.promised_due),
        )];
    }
    let mut error_summary = Vec::new();
    let forms = case
        .available
        .iter()
        .map(|t| {
            let mine = attempt.as_ref().filter(|a| a.transition == t.name);
            if let Some(a) = mine {
                error_summary.push((format!("t-{}", t.name), a.message.clone()));
            }
            TransitionForm {
                transition: t.clone(),
                error: mine.map(|a| a.message.clone()),
                note: mine.map(|a| a.input.note.clone()).unwrap_or_default(),
                decision: mine.map(|a| a.input.decision.clone()).unwrap_or_default(),
                checked: mine.map(|a| a.input.checklist.clone()).unwrap_or_default(),
            }
        })
        .collect();
    // A refused action that is not offered now (a decision awaiting opinions) still says why.
    if let Some(a) = &attempt
        && !case.available.iter().any(|t| t.name == a.transition)
    {
        error_summary.push(("actions-title".to_owned(), a.message.clone()));
    }
    let opinions = case
        .opinions
        .iter()
        .map(|o| OpinionLine {
            department: o.department_name.clone(),
            agrees: o.agrees,
            text: o.opinion.clone().unwrap_or_default(),
            at: crate::views::applications::local_time(&o.created_at),
        })
        .collect();
    let outstanding: Vec<String> = case.outstanding.iter().map(|(_, n)| n.clone()).collect();
    // A refusal that decides leaves nothing to wait for but the lead's denial.
    let refusal_decides = !state.co_review.is_empty()
        && !state.co_review_refusal_advisory
        && case.opinions.iter().any(|o| !o.agrees);
    Ok(CasePage {
        remedy: remedy.map(|r| crate::views::ratings::RemedyPanel::new(ctx.lang, r)),
        id: row.id,
        version: row.version,
        tracking_number: row.tracking_number.clone().unwrap_or_default(),
        service_code: app.service.summary.code.clone(),
        service_name: ctx
            .pick(&app.service.summary.name, &app.service.summary.name_en)
            .to_owned(),
        department_code: case.department_code.clone(),
        state_name: ctx.pick(&state.name_zh, &state.name_en).to_owned(),
        state_paused: state.phase == crate::domain::clock::Phase::Paused,
        workflow_name: ctx
            .pick(&case.definition.name_zh, &case.definition.name_en)
            .to_owned(),
        workflow_version: case.workflow_version,
        applicant: case.applicant.clone(),
        submitted_at: row.submitted_at,
        deadlines,
        level: case.level,
        deemed_accepted: case.deemed_accepted,
        accepted_on: case.accepted_on,
        paused_since: row.paused_since,
        on_time: row.on_time,
        calendar_covers: case.calendar_covers,
        extension_days: row.extension_days,
        paused_days: row.paused_days,
        decision: row.decision.clone(),
        answers: crate::views::applications::answers(ctx.lang, &app.form, &app.input),
        material_names: app
            .service
            .materials
            .iter()
            .map(|m| m.name.clone())
            .collect(),
        materials: materials
            .into_iter()
            .map(|m| {
                let files = m
                    .files
                    .iter()
                    .map(|f| (f.id, f.original_name.clone(), f.size))
                    .collect();
                let licence = m
                    .licence
                    .as_ref()
                    .map(|l| format!("{} {}（{}）", l.name, l.number, l.issued_on));
                (m.material.name, files, m.pledged, licence)
            })
            .collect(),
        events: case.events.clone(),
        notes: case.notes.clone(),
        opinions,
        outstanding,
        refusal_decides,
        read_only: case.read_only,
        forms,
        error_summary,
        staff: case.staff.clone(),
        assignee_id: row.assignee_id,
        user_id: staff.0.user.id,
        may_assign: staff.0.user.works_in(&case.department_code),
        cards: case.cards.clone(),
        diagram: crate::domain::diagram::layout(&case.definition, Some(&row.status)),
        state_names: case
            .definition
            .states
            .iter()
            .map(|s| (s.code.clone(), ctx.pick(&s.name_zh, &s.name_en).to_owned()))
            .collect(),
        ctx,
    })
}

/// The application page for staff of its department (or of a co-reviewing one); 404 otherwise.
#[get("/workspace/applications/{id}")]
async fn show_case(
    ctx: PageContext,
    staff: Staff,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
) -> Result<CasePage, WebError> {
    case_page(ctx, &staff, &pool, id.into_inner(), None).await
}

fn version_of(form: &FormState) -> Result<i32, WebError> {
    form.value("version")
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest(BadParameter::Malformed))
}

/// Where to go after an action: the page the form came from, or the application's page.
fn back_to(form: &FormState, id: i64) -> String {
    match form.value("return_to") {
        "" => format!("/workspace/applications/{id}"),
        path => local_path(path).to_owned(),
    }
}

fn already_handled(ctx: PageContext, id: i64) -> Result<HttpResponse, WebError> {
    let page = MessagePage {
        title: ctx.t("case.stale_title").into_owned(),
        message: ctx.tn("case.stale", id),
        ctx,
    };
    page_with_status(StatusCode::CONFLICT, &page)
}

#[post("/workspace/applications/{id}/transitions/{name}")]
async fn transition(
    req: HttpRequest,
    ctx: PageContext,
    staff: Staff,
    pool: web::Data<DbPool>,
    path: web::Path<(i64, String)>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let (id, name) = path.into_inner();
    let form = FormState::new(fields.into_inner());
    let version = version_of(&form)?;
    let clip = |v: &str| v.trim().chars().take(4000).collect::<String>();
    let input = TransitionInput {
        note: clip(form.value("note")),
        decision: clip(form.value("decision")),
        checklist: form.values("checklist"),
    };
    let client = super::client_address(&req);
    let user = staff.0.user.clone();
    let (fired_name, fired_input) = (name.clone(), input.clone());
    let outcome = run(&pool, move |conn| {
        service::fire(conn, &user, id, &fired_name, version, &fired_input, &client)
    })
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&back_to(&form, id))),
        Err(WebError::Service(ServiceError::StaleVersion)) => already_handled(ctx, id),
        Err(WebError::Service(ServiceError::Refused(refusal))) => {
            use crate::domain::workflow::Refusal;
            if matches!(refusal, Refusal::NotFromHere | Refusal::AlreadySignedOff) {
                return already_handled(ctx, id);
            }
            if refusal.is_legal_clock() {
                // A rule of the law about the clocks: nothing to correct in the form.
                let page = MessagePage {
                    title: ctx.t("case.legal_rule_title").into_owned(),
                    message: ctx.label("refusal", refusal_code(&refusal)).into_owned(),
                    ctx,
                };
                return page_with_status(StatusCode::CONFLICT, &page);
            }
            if refusal == Refusal::NotAllowed {
                let page = MessagePage {
                    title: ctx.t("case.not_allowed_title").into_owned(),
                    message: ctx.t("case.not_allowed").into_owned(),
                    ctx,
                };
                return page_with_status(StatusCode::FORBIDDEN, &page);
            }
            let message = match &refusal {
                Refusal::CoReviewsOutstanding(codes) | Refusal::RefusedInCoReview(codes) => {
                    let codes = codes.clone();
                    let names =
                        run(&pool, move |conn| service::department_names(conn, &codes)).await?;
                    ctx.lang.tf(
                        &format!("refusal.{}", refusal_code(&refusal)),
                        &[("departments", &names.join("、"))],
                    )
                }
                _ => ctx.label("refusal", refusal_code(&refusal)).into_owned(),
            };
            let attempt = Attempt {
                transition: name,
                message,
                input,
            };
            let page = case_page(ctx, &staff, &pool, id, Some(attempt)).await?;
            page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}

pub(super) fn refusal_code(refusal: &crate::domain::workflow::Refusal) -> &'static str {
    use crate::domain::workflow::Refusal;
    match refusal {
        Refusal::NotFromHere => "not_from_here",
        Refusal::NotAllowed => "not_allowed",
        Refusal::NoteRequired => "note_required",
        Refusal::DecisionRequired => "decision_required",
        Refusal::ChecklistRequired => "checklist_required",
        Refusal::NotInstant => "not_instant",
        Refusal::TooOften => "too_often",
        Refusal::AlreadySignedOff => "already_signed",
        Refusal::CoReviewsOutstanding(_) => "co_reviews_outstanding",
        Refusal::RefusedInCoReview(_) => "refused_in_co_review",
        Refusal::DeemedAccepted => "deemed_accepted",
        Refusal::DeadlinePassed => "deadline_passed",
        Refusal::ExtensionNotPossible => "extension_not_possible",
        Refusal::ContactFirst => "contact_first",
    }
}

#[post("/workspace/applications/{id}/assign")]
async fn assign(
    req: HttpRequest,
    ctx: PageContext,
    staff: Staff,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = FormState::new(fields.into_inner());
    let version = version_of(&form)?;
    let assignee = match form.value("assignee").trim() {
        "" => None,
        other => Some(
            other
                .parse::<i64>()
                .map_err(|_| WebError::BadRequest(BadParameter::Malformed))?,
        ),
    };
    let client = super::client_address(&req);
    let user = staff.0.user.clone();
    match run(&pool, move |conn| {
        service::assign(conn, &user, id, version, assignee, &client)
    })
    .await
    {
        Ok(()) => Ok(see_other(&back_to(&form, id))),
        Err(WebError::Service(ServiceError::StaleVersion)) => already_handled(ctx, id),
        Err(other) => Err(other),
    }
}

#[post("/workspace/applications/{id}/notes")]
async fn add_note(
    staff: Staff,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let body: String = FormState::new(fields.into_inner())
        .value("body")
        .chars()
        .take(4000)
        .collect();
    let user = staff.0.user.clone();
    match run(&pool, move |conn| service::add_note(conn, &user, id, &body)).await {
        Ok(()) | Err(WebError::Service(ServiceError::Refused(_))) => Ok(see_other(&format!(
            "/workspace/applications/{id}#notes-title"
        ))),
        Err(other) => Err(other),
    }
}

/// 好差评: the call back to a named rater (回访), recorded on the remedy case.
#[post("/workspace/applications/{id}/contacts")]
async fn record_contact(
    req: HttpRequest,
    staff: Staff,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let note: String = FormState::new(fields.into_inner())
        .value("note")
        .chars()
        .take(2000)
        .collect();
    let client = super::client_address(&req);
    let user = staff.0.user.clone();
    match run(&pool, move |conn| {
        service::record_contact(conn, &user, id, &note, &client)
    })
    .await
    {
        // An empty note changes nothing: the page shows the form again.
        Ok(()) | Err(WebError::Service(ServiceError::Refused(_))) => Ok(see_other(&format!(
            "/workspace/applications/{id}#contacts-title"
        ))),
        Err(other) => Err(other),
    }
}

#[get("/workspace/applications/{id}/files/{file}")]
async fn download(
    staff: Staff,
    pool: web::Data<DbPool>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, WebError> {
    let (name, content_type, content) = material(staff, &pool, path.into_inner()).await?;
    Ok(super::applications::attachment(name, content_type, content))
}

/// A PDF or image material shown in the browser, to the staff who may see the case.
#[get("/workspace/applications/{id}/files/{file}/view")]
async fn view_file(
    staff: Staff,
    pool: web::Data<DbPool>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, WebError> {
    let (name, content_type, content) = material(staff, &pool, path.into_inner()).await?;
    Ok(super::applications::inline_view(
        name,
        content_type,
        content,
    ))
}

/// A case's material, if the staff member may see the case: (name, content type, content).
async fn material(
    staff: Staff,
    pool: &DbPool,
    (id, file): (i64, i64),
) -> Result<(String, String, Vec<u8>), WebError> {
    let user = staff.0.user.clone();
    run(pool, move |conn| {
        applications_service::staff_download(conn, &user, id, file)
    })
    .await
}

#[get("/workspace/{department}/dashboard")]
async fn dashboard(
    ctx: PageContext,
    staff: Staff,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
) -> Result<DashboardPage, WebError> {
    let code = staff.department(&code)?;
    let user = staff.0.user.clone();
    let dept = code.clone();
    let (board, ratings) = run(&pool, move |conn| {
        let board = service::dashboard(conn, &user, &dept)?;
        // 好差评: this month's ratings of the department's services (counts, no person).
        let month = service::recent_months(1);
        let ratings = service::figures(conn, Some(&dept), &month)?;
        Ok((board, ratings))
    })
    .await?;
    Ok(DashboardPage {
        ratings: ratings
            .into_iter()
            .map(|r| crate::views::ratings::FigureLine {
                satisfaction: crate::views::ratings::satisfaction(&r.tally),
                name: ctx.pick(&r.name, &r.name_en).to_owned(),
                code: r.code,
                month: r.month,
                tally: r.tally,
            })
            .collect(),
        department_code: code,
        department_name: board.department.name,
        today: board.today,
        figures: board.figures,
        on_time: board.on_time,
        overdue: board.overdue,
        more_overdue: board.more_overdue,
        per_service: board.per_service,
        ctx,
    })
}

/// A cell that a spreadsheet program shows as text, never runs as a formula (OWASP's rule for
/// CSV injection): a value that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
/// leading single quote. Names and notes are typed by applicants and staff, so any may begin so.
fn inert_cell(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// Every CSV the portal writes goes through here, so that every cell is made inert.
pub(super) fn csv_response(name: &str, rows: Vec<Vec<String>>) -> Result<HttpResponse, WebError> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row.into_iter().map(inert_cell))
            .map_err(|e| WebError::Internal(e.to_string()))?;
    }
    let mut body = vec![0xEF, 0xBB, 0xBF]; // so that spreadsheet programs read UTF-8
    body.extend(
        writer
            .into_inner()
            .map_err(|e| WebError::Internal(e.to_string()))?,
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(body))
}

#[get("/workspace/{department}/dashboard.csv")]
async fn dashboard_csv(
    ctx: PageContext,
    staff: Staff,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let code = staff.department(&code)?;
    let user = staff.0.user.clone();
    let dept = code.clone();
    let board = run(&pool, move |conn| service::dashboard(conn, &user, &dept)).await?;
    let mut rows = vec![vec![
        ctx.t("dashboard.figure").into_owned(),
        ctx.t("dashboard.today").into_owned(),
        ctx.t("dashboard.month").into_owned(),
    ]];
    for (name, day, month) in &board.figures {
        rows.push(vec![
            ctx.label("dashboard", name).into_owned(),
            day.to_string(),
            month.to_string(),
        ]);
    }
    rows.push(vec![
        ctx.t("dashboard.on_time").into_owned(),
        board.on_time.0.to_string(),
        (board.on_time.0 + board.on_time.1).to_string(),
    ]);
    rows.push(vec![]);
    rows.push(vec![
        ctx.t("queue.service").into_owned(),
        ctx.t("dashboard.code").into_owned(),
        ctx.t("dashboard.received_month").into_owned(),
    ]);
    for (service_code, name, n) in &board.per_service {
        rows.push(vec![name.clone(), service_code.clone(), n.to_string()]);
    }
    rows.push(vec![]);
    rows.push(vec![
        ctx.t("dashboard.overdue").into_owned(),
        ctx.t("queue.service").into_owned(),
        ctx.t("queue.deadline").into_owned(),
        ctx.t("queue.level").into_owned(),
    ]);
    for (row, level) in &board.overdue {
        rows.push(vec![
            row.tracking_number.clone().unwrap_or_default(),
            row.service_name.clone(),
            date(&row.due_on),
            ctx.label("level", level.code()).into_owned(),
        ]);
    }
    csv_response(&format!("dashboard-{code}-{}.csv", board.today), rows)
}

#[derive(Debug, Default, Deserialize)]
struct AuditParams {
    tracking_number: Option<String>,
    actor: Option<String>,
    from: Option<String>,
    until: Option<String>,
    before: Option<String>,
}

impl AuditParams {
    fn search(&self) -> Result<AuditSearch, WebError> {
        let day = |v: &Option<String>| -> Result<Option<NaiveDate>, WebError> {
            present(v)
                .map(|d| {
                    NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                        .map_err(|_| WebError::BadRequest(BadParameter::Date))
                })
                .transpose()
        };
        Ok(AuditSearch {
            tracking_number: present(&self.tracking_number).map(|n| n.to_uppercase()),
            actor: present(&self.actor).map(|a| a.chars().take(100).collect()),
            from: day(&self.from)?,
            until: day(&self.until)?,
        })
    }

    fn pairs(&self) -> Vec<(String, String)> {
        [
            ("tracking_number", &self.tracking_number),
            ("actor", &self.actor),
            ("from", &self.from),
            ("until", &self.until),
        ]
        .into_iter()
        .filter_map(|(k, v)| present(v).map(|v| (k.to_owned(), v)))
        .collect()
    }
}

#[get("/workspace/{department}/audit")]
async fn audit(
    ctx: PageContext,
    staff: Staff,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
    params: web::Query<AuditParams>,
) -> Result<AuditPage, WebError> {
    let code = staff.department(&code)?;
    let search = params.search()?;
    let before = present(&params.before)
        .map(|b| {
            b.parse::<i64>()
                .map_err(|_| WebError::BadRequest(BadParameter::Page))
        })
        .transpose()?;
    let user = staff.0.user.clone();
    let dept = code.clone();
    let (department, mut events) = run(&pool, move |conn| {
        let events = service::audit_log(conn, &user, &dept, &search, before, AUDIT_PAGE + 1)?;
        Ok((catalog_service::department_summary(conn, &dept)?, events))
    })
    .await?;
    let pairs = params.pairs();
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let next_href = if events.len() > usize::try_from(AUDIT_PAGE).unwrap_or(0) {
        events.truncate(usize::try_from(AUDIT_PAGE).unwrap_or(0));
        events.last().map(|e| {
            let mut with = pairs.clone();
            with.push(("before".into(), e.id.to_string()));
            format!(
                "/workspace/{code}/audit?{}",
                serde_urlencoded::to_string(&with).unwrap_or_default()
            )
        })
    } else {
        None
    };
    Ok(AuditPage {
        csv_href: format!("/workspace/{code}/audit.csv?{query}"),
        department_code: code,
        department_name: department.name,
        search: pairs,
        events,
        next_href,
        error: None,
        ctx,
    })
}

#[get("/workspace/{department}/audit.csv")]
async fn audit_csv(
    ctx: PageContext,
    staff: Staff,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, WebError> {
    let code = staff.department(&code)?;
    let search = params.search()?;
    let user = staff.0.user.clone();
    let dept = code.clone();
    let events: Vec<StaffEvent> = run(&pool, move |conn| {
        service::audit_log(conn, &user, &dept, &search, None, CSV_LIMIT)
    })
    .await?;
    let mut rows = vec![
        [
            "audit.when",
            "apply.tracking_number",
            "audit.action",
            "audit.from_state",
            "audit.to_state",
            "audit.actor",
            "audit.email",
            "audit.address",
            "case.note",
        ]
        .iter()
        .map(|k| ctx.t(k).into_owned())
        .collect::<Vec<_>>(),
    ];
    for e in events {
        rows.push(vec![
            crate::views::applications::local_time(&e.created_at),
            e.tracking_number.unwrap_or_default(),
            e.kind,
            e.from_status.unwrap_or_default(),
            e.to_status,
            e.actor_name.unwrap_or_default(),
            e.actor_email.unwrap_or_default(),
            e.client_address.unwrap_or_default(),
            e.note.unwrap_or_default(),
        ]);
    }
    let stamp: NaiveDateTime = service::china_now();
    csv_response(
        &format!("audit-{code}-{}.csv", stamp.format("%Y%m%d%H%M")),
        rows,
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The queue and its actions first (see `web::routes`).
    cfg.service(queue)
        .service(transition)
        .service(show_case)
        .service(index)
        .service(assign)
        .service(add_note)
        .service(record_contact)
        .service(download)
        .service(view_file)
        .service(dashboard_csv)
        .service(dashboard)
        .service(audit_csv)
        .service(audit);
}

#[cfg(test)]
mod tests {
    use super::inert_cell;

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_quoted() {
        for live in ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(inert_cell(live.into()), format!("'{live}"));
        }
        for plain in ["张三", "1 + 1", "", "a=b"] {
            assert_eq!(inert_cell(plain.into()), plain);
        }
    }
}
