//! The 12345 hotline's pages: the request form online and the operator's console, the
//! caller's pages (their own requests, the public lookup, the rating), the request as the
//! hotline and the department work it, the department's hotline queue and the daily figures
//! (with CSV). Every step goes through `services::workflow::hotline`, on the one engine.

use actix_multipart::form::{MultipartForm, bytes::Bytes as MultipartBytes, text::Text};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use super::error::{BadParameter, WebError};
use super::forms::{Fields, FormState, page_with_status, see_other};
use super::run;
use super::session::{Admin, SignedIn, Staff, Visitor};
use crate::db::DbPool;
use crate::domain::hotline::{IntakeError, IntakeInput, Satisfaction};
use crate::domain::identity::Role;
use crate::services::ServiceError;
use crate::services::accounts::User;
use crate::services::applications::UploadLimits;
use crate::services::catalog as catalog_service;
use crate::services::workflow as service;
use crate::services::workflow::hotline::{self as hotline_service, Attachment, Step, Taker};
use crate::services::workflow::hotline_pages as pages;
use crate::views::PageContext;
use crate::views::accounts::MessagePage;
use crate::views::hotline::{
    CasePage, ConsolePage, FiguresPage, IntakePage, MyRequestsPage, QueuePage, ReceivedPage,
    RequestPage, TrackPage, TypeChoice, TypesPage,
};
use crate::views::workspace::TransitionForm;

/// The longest text a note, an answer or a reply may have.
const TEXT_MAX: usize = 4000;

fn clip(value: &str) -> String {
    value.trim().chars().take(TEXT_MAX).collect()
}

/// The signed-in user, if any.
fn signed_in(req: &HttpRequest) -> Option<User> {
    Visitor::of(req)
        .and_then(|v| v.session)
        .map(|session| session.user)
}

/// A hotline operator; anyone else signed in gets 404.
fn operator(user: &SignedIn) -> Result<User, WebError> {
    (user.0.user.role == Role::Operator)
        .then(|| user.0.user.clone())
        .ok_or(WebError::NotFound)
}

/// The types of request with their limits, in the page's language.
async fn type_choices(ctx: &PageContext, pool: &DbPool) -> Result<Vec<TypeChoice>, WebError> {
    let types = run(pool, |conn| Ok(crate::db::hotline::types(conn)?)).await?;
    Ok(types
        .into_iter()
        .map(|t| {
            let limit = ctx.tf("hotline.answer_within", &[("n", &t.answer_days)]);
            (t.code, ctx.pick(&t.name_zh, &t.name_en).to_owned(), limit)
        })
        .collect())
}

fn intake_input(form: &FormState) -> IntakeInput {
    IntakeInput {
        request_type: form.value("request_type").to_owned(),
        subject: form.value("subject").to_owned(),
        description: form.value("description").to_owned(),
        location: form.value("location").to_owned(),
        caller_name: form.value("caller_name").to_owned(),
        caller_phone: form.value("caller_phone").to_owned(),
        caller_email: form.value("caller_email").to_owned(),
        confidential: form.checked("confidential"),
        urgent: form.checked("urgent"),
    }
}

fn add_errors(ctx: &PageContext, form: &mut FormState, errors: Vec<IntakeError>) {
    for (field, key) in errors {
        form.add(field.name(), ctx.t(key));
    }
}

#[get("/hotline")]
async fn intake_form(
    req: HttpRequest,
    ctx: PageContext,
    pool: web::Data<DbPool>,
    limits: web::Data<UploadLimits>,
) -> Result<IntakePage, WebError> {
    let user = signed_in(&req);
    if user.as_ref().is_some_and(|u| u.role == Role::Operator) {
        // The operators take calls on their console, which has the same form.
        return Err(WebError::NotFound);
    }
    Ok(IntakePage {
        types: type_choices(&ctx, &pool).await?,
        signed_in: user.is_some(),
        per_file_mb: limits.per_file / 1024 / 1024,
        form: FormState::default(),
        ctx,
    })
}

/// The online form, sent as multipart (it may carry files); the CSRF token is in the query.
#[derive(MultipartForm)]
struct IntakeUpload {
    request_type: Option<Text<String>>,
    subject: Option<Text<String>>,
    description: Option<Text<String>>,
    location: Option<Text<String>>,
    caller_name: Option<Text<String>>,
    caller_phone: Option<Text<String>>,
    caller_email: Option<Text<String>>,
    confidential: Option<Text<String>>,
    // The real per-file limit (a setting) is checked by the service; this one bounds memory.
    #[multipart(limit = "64MiB")]
    attachment: Vec<MultipartBytes>,
}

impl IntakeUpload {
    /// The text fields as the form had them, to show again.
    fn fields(&self) -> FormState {
        let pairs = [
            ("request_type", &self.request_type),
            ("subject", &self.subject),
            ("description", &self.description),
            ("location", &self.location),
            ("caller_name", &self.caller_name),
            ("caller_phone", &self.caller_phone),
            ("caller_email", &self.caller_email),
            ("confidential", &self.confidential),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            value
                .as_ref()
                .map(|v| (name.to_owned(), v.as_str().to_owned()))
        })
        .collect();
        FormState::new(pairs)
    }
}

/// An online request: signed in (a citizen or a firm), or anonymous with a phone number or an
/// email to be answered at, with up to three files.
#[post("/hotline")]
async fn submit(
    req: HttpRequest,
    ctx: PageContext,
    pool: web::Data<DbPool>,
    limits: web::Data<UploadLimits>,
    upload: MultipartForm<IntakeUpload>,
) -> Result<HttpResponse, WebError> {
    let upload = upload.into_inner();
    let mut form = upload.fields();
    let input = intake_input(&form);
    let files: Vec<Attachment> = upload
        .attachment
        .into_iter()
        .map(|f| Attachment {
            file_name: f.file_name.unwrap_or_default(),
            content: f.data.to_vec(),
        })
        .collect();
    let sent_files = files.iter().any(|f| !f.content.is_empty());
    let user = signed_in(&req);
    let client = super::client_address(&req);
    let taker_user = user.clone();
    let per_file = limits.per_file;
    let received = run(&pool, move |conn| {
        hotline_service::receive_with_files(
            conn,
            Taker::Online(taker_user.as_ref()),
            &input,
            &files,
            per_file,
            &client,
        )
    })
    .await?;
    match received {
        Ok(received) => Ok(see_other(&format!("/hotline/received/{}", received.number))),
        Err(errors) => {
            let files_refused = errors.iter().any(|(f, _)| f.name() == "attachment");
            add_errors(&ctx, &mut form, errors);
            if sent_files && !files_refused {
                // A browser cannot be given files back: say so beside the field.
                form.add("attachment", ctx.t("hotline.attachment_again"));
            }
            let page = IntakePage {
                types: type_choices(&ctx, &pool).await?,
                signed_in: user.is_some(),
                per_file_mb: limits.per_file / 1024 / 1024,
                form,
                ctx,
            };
            page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// A file of the request, to the operators and the department that has it.
#[get("/workspace/hotline/{id}/files/{file}")]
async fn download(
    user: SignedIn,
    pool: web::Data<DbPool>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, WebError> {
    let user = hotline_reader(&user)?;
    let (id, file) = path.into_inner();
    let (name, content_type, content) = run(&pool, move |conn| {
        pages::hotline_file(conn, &user, id, file)
    })
    .await?;
    Ok(super::applications::attachment(name, content_type, content))
}

/// The receipt: the number to follow the request by, and when the answer is due.
#[get("/hotline/received/{number}")]
async fn receipt(
    req: HttpRequest,
    ctx: PageContext,
    pool: web::Data<DbPool>,
    number: web::Path<String>,
) -> Result<ReceivedPage, WebError> {
    let number = number.into_inner();
    let asked = number.clone();
    let due_on = run(&pool, move |conn| pages::due_of(conn, &asked)).await?;
    Ok(ReceivedPage {
        due_text: ctx.tf("hotline.received_due", &[("date", &due_on)]),
        signed_in: signed_in(&req).is_some_and(|u| u.role.is_applicant()),
        number,
        ctx,
    })
}

#[get("/hotline/track")]
async fn track_form(ctx: PageContext) -> TrackPage {
    TrackPage {
        ctx,
        form: FormState::default(),
        view: None,
    }
}

/// The public lookup by number and the last four digits of the phone (or the email) the
/// request was left with. A POST, so that neither is in an address or a log.
#[post("/hotline/track")]
async fn track(
    req: HttpRequest,
    ctx: PageContext,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let lookup = super::applications::PublicLookup {
        proof_field: "contact",
        not_found: "hotline.track_not_found",
    };
    lookup
        .answer(
            &req,
            ctx,
            &pool,
            fields,
            pages::lookup,
            |ctx, form, view| TrackPage { ctx, form, view },
        )
        .await
}

#[get("/hotline/mine")]
async fn my_requests(
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
) -> Result<MyRequestsPage, WebError> {
    let user = user.0.user;
    let rows = run(&pool, move |conn| pages::own_requests(conn, &user)).await?;
    Ok(MyRequestsPage { ctx, rows })
}

/// The caller's own request. Mails link here; a caller without an account (or not signed in)
/// follows it by the public lookup.
#[get("/hotline/requests/{number}")]
async fn request_page(
    req: HttpRequest,
    ctx: PageContext,
    pool: web::Data<DbPool>,
    number: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let Some(user) = signed_in(&req) else {
        return Ok(see_other("/hotline/track"));
    };
    let number = number.into_inner();
    let view = run(&pool, move |conn| pages::own_request(conn, &user, &number)).await?;
    page_with_status(
        StatusCode::OK,
        &RequestPage {
            ctx,
            view,
            rating_error: None,
        },
    )
}

/// The caller rates the answer: 不满意 reopens the request once.
#[post("/hotline/requests/{number}/rating")]
async fn rate_answer(
    req: HttpRequest,
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
    number: web::Path<String>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let form = FormState::new(fields.into_inner());
    let version = version_of(&form)?;
    let number = number.into_inner();
    let user = user.0.user;
    let satisfaction = form.value("satisfaction").parse::<Satisfaction>().ok();
    let client = super::client_address(&req);
    let (rater, asked) = (user.clone(), number.clone());
    let outcome = run(&pool, move |conn| {
        let view = pages::own_request(conn, &rater, &asked)?;
        match satisfaction {
            Some(s) => {
                hotline_service::rate(conn, &rater, view.case.id, version, s, &client).map(Some)
            }
            None => Ok(None),
        }
    })
    .await;
    match outcome {
        Ok(Some(_)) => Ok(see_other(&format!("/hotline/requests/{number}"))),
        Ok(None) => {
            let view = run(&pool, move |conn| pages::own_request(conn, &user, &number)).await?;
            let page = RequestPage {
                rating_error: Some(ctx.t("hotline.error.satisfaction").into_owned()),
                view,
                ctx,
            };
            page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(WebError::Service(ServiceError::StaleVersion | ServiceError::Refused(_))) => stale(ctx),
        Err(other) => Err(other),
    }
}

fn stale(ctx: PageContext) -> Result<HttpResponse, WebError> {
    let page = MessagePage {
        title: ctx.t("case.stale_title").into_owned(),
        message: ctx.t("hotline.stale").into_owned(),
        ctx,
    };
    page_with_status(StatusCode::CONFLICT, &page)
}

fn version_of(form: &FormState) -> Result<i32, WebError> {
    form.value("version")
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest(BadParameter::Malformed))
}

#[derive(Debug, Default, Deserialize)]
struct ConsoleQuery {
    phone: Option<String>,
}

async fn console_page(
    ctx: PageContext,
    pool: &DbPool,
    user: User,
    phone: String,
    form: FormState,
) -> Result<ConsolePage, WebError> {
    let asked = phone.clone();
    let console = run(pool, move |conn| {
        pages::console(conn, &user, Some(asked.as_str()))
    })
    .await?;
    Ok(ConsolePage {
        types: type_choices(&ctx, pool).await?,
        console,
        phone,
        form,
        ctx,
    })
}

/// The operator's console: the caller's number looks up their earlier requests and fills the
/// form; the lists of what waits for the hotline follow.
#[get("/hotline/console")]
async fn show_console(
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
    query: web::Query<ConsoleQuery>,
) -> Result<ConsolePage, WebError> {
    let user = operator(&user)?;
    let phone = query.phone.as_deref().unwrap_or("").trim().to_owned();
    let form = FormState::new(vec![("caller_phone".to_owned(), phone.clone())]);
    console_page(ctx, &pool, user, phone, form).await
}

/// A phone call recorded: the request's page follows, to answer or dispatch it.
#[post("/hotline/console")]
async fn record_call(
    req: HttpRequest,
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let user = operator(&user)?;
    let mut form = FormState::new(fields.into_inner());
    let input = intake_input(&form);
    let client = super::client_address(&req);
    let taker = user.clone();
    let received = run(&pool, move |conn| {
        hotline_service::receive(conn, Taker::Operator(&taker), &input, &client)
    })
    .await?;
    match received {
        Ok(received) => Ok(see_other(&format!("/workspace/hotline/{}", received.id))),
        Err(errors) => {
            add_errors(&ctx, &mut form, errors);
            let phone = form.value("caller_phone").trim().to_owned();
            let page = console_page(ctx, &pool, user, phone, form).await?;
            page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// What a failed action left on the request's page.
#[derive(Default)]
struct Attempt {
    transition: String,
    message: String,
    note: String,
    decision: String,
    merge_into: String,
}

#[derive(Debug, Default, Deserialize)]
struct CaseQuery {
    q: Option<String>,
}

/// The operators and the staff of a department read hotline requests; nobody else.
fn hotline_reader(user: &SignedIn) -> Result<User, WebError> {
    let user = &user.0.user;
    (user.role == Role::Operator || user.role.is_staff())
        .then(|| user.clone())
        .ok_or(WebError::NotFound)
}

async fn case_page(
    ctx: PageContext,
    pool: &DbPool,
    user: User,
    id: i64,
    q: String,
    attempt: Option<Attempt>,
) -> Result<CasePage, WebError> {
    let reader = user.clone();
    let hc = run(pool, move |conn| pages::hotline_case(conn, &reader, id)).await?;
    let attempt = attempt.unwrap_or_default();
    let forms = hc
        .available
        .iter()
        .map(|t| {
            let mine = t.name == attempt.transition;
            TransitionForm {
                transition: t.clone(),
                error: mine.then(|| attempt.message.clone()),
                note: if mine {
                    attempt.note.clone()
                } else {
                    String::new()
                },
                decision: if mine {
                    attempt.decision.clone()
                } else {
                    String::new()
                },
                checked: Vec::new(),
            }
        })
        .collect();
    let (departments, guides) = if hc.operator {
        let all = run(pool, catalog_service::departments).await?;
        let guides = if q.trim().is_empty() {
            Vec::new()
        } else {
            let filter = crate::db::catalog::ServiceFilter {
                text: Some(q.trim().to_owned()),
                ..Default::default()
            };
            run(pool, move |conn| {
                catalog_service::search(conn, &filter, 10, 0)
            })
            .await?
            .items
        };
        let departments = all
            .into_iter()
            .map(|d| (d.code, ctx.pick(&d.name, &d.name_en).to_owned()))
            .collect();
        (departments, guides)
    } else {
        (Vec::new(), Vec::new())
    };
    let suggested_department = hc
        .suggested
        .map(|t| t.department.clone())
        .unwrap_or_default();
    let error = (!attempt.message.is_empty()
        && matches!(
            attempt.transition.as_str(),
            "dispatch" | "merge" | "callback"
        ))
    .then(|| (attempt.transition.clone(), attempt.message.clone()));
    Ok(CasePage {
        hc,
        forms,
        departments,
        suggested_department,
        q,
        guides,
        error,
        merge_into: attempt.merge_into,
        ctx,
    })
}

#[get("/workspace/hotline/{id}")]
async fn show_case(
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    query: web::Query<CaseQuery>,
) -> Result<CasePage, WebError> {
    let user = hotline_reader(&user)?;
    let q: String = query.q.as_deref().unwrap_or("").chars().take(100).collect();
    case_page(ctx, &pool, user, id.into_inner(), q, None).await
}

/// A step of the request: the hotline's own (dispatch, merge, answer) with what belongs to
/// them, any other through the one transition path.
#[post("/workspace/hotline/{id}/transitions/{name}")]
async fn fire_step(
    req: HttpRequest,
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
    path: web::Path<(i64, String)>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let user = hotline_reader(&user)?;
    let (id, name) = path.into_inner();
    let form = FormState::new(fields.into_inner());
    let version = version_of(&form)?;
    let step = Step {
        note: clip(form.value("note")),
        decision: clip(form.value("decision")),
        department: form.value("department").trim().to_uppercase(),
        topic: form.value("topic").trim().to_owned(),
        merge_into: form.value("into").trim().to_owned(),
        guide: form.value("guide").trim().to_owned(),
    };
    let client = super::client_address(&req);
    let (actor, fired, taken) = (user.clone(), name.clone(), step.clone());
    let outcome = run(&pool, move |conn| {
        hotline_service::take_step(conn, &actor, id, &fired, version, &taken, &client)
    })
    .await;
    let message = match outcome {
        Ok(_) => return Ok(see_other(&format!("/workspace/hotline/{id}"))),
        Err(WebError::Service(ServiceError::StaleVersion)) => return stale(ctx),
        Err(WebError::Service(ServiceError::Rejected(reasons))) => reasons
            .iter()
            .map(|r| r.text(ctx.english()).to_owned())
            .collect::<Vec<_>>()
            .join(" "),
        Err(WebError::Service(ServiceError::Refused(refusal))) => {
            use crate::domain::workflow::Refusal;
            if matches!(refusal, Refusal::NotFromHere | Refusal::NotAllowed) {
                return stale(ctx);
            }
            ctx.label("refusal", super::workspace::refusal_code(&refusal))
                .into_owned()
        }
        Err(other) => return Err(other),
    };
    let attempt = Attempt {
        transition: name,
        message,
        note: step.note,
        decision: step.decision,
        merge_into: step.merge_into,
    };
    let page = case_page(ctx, &pool, user, id, String::new(), Some(attempt)).await?;
    page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// The operator's call back (回访): the caller's rating, as they gave it on the phone.
#[post("/workspace/hotline/{id}/rating")]
async fn call_back(
    req: HttpRequest,
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let user = operator(&user)?;
    let id = id.into_inner();
    let form = FormState::new(fields.into_inner());
    let version = version_of(&form)?;
    let Ok(satisfaction) = form.value("satisfaction").parse::<Satisfaction>() else {
        let attempt = Attempt {
            transition: "callback".to_owned(),
            message: ctx.t("hotline.error.satisfaction").into_owned(),
            ..Attempt::default()
        };
        let page = case_page(ctx, &pool, user, id, String::new(), Some(attempt)).await?;
        return page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let client = super::client_address(&req);
    match run(&pool, move |conn| {
        hotline_service::rate(conn, &user, id, version, satisfaction, &client)
    })
    .await
    {
        Ok(_) => Ok(see_other(&format!("/workspace/hotline/{id}"))),
        Err(WebError::Service(ServiceError::StaleVersion | ServiceError::Refused(_))) => stale(ctx),
        Err(other) => Err(other),
    }
}

#[derive(Debug, Default, Deserialize)]
struct QueueQuery {
    after: Option<String>,
}

/// A cursor as the queue's links carry it: `2026-12-09_123`.
fn parse_cursor(text: &str) -> Option<crate::db::hotline::Cursor> {
    let (day, id) = text.split_once('_')?;
    Some((
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?,
        id.parse().ok()?,
    ))
}

/// The department's hotline requests: to sign for, being handled, replied.
#[get("/workspace/{department}/hotline")]
async fn hotline_queue(
    ctx: PageContext,
    staff: Staff,
    pool: web::Data<DbPool>,
    department: web::Path<String>,
    query: web::Query<QueueQuery>,
) -> Result<QueuePage, WebError> {
    let code = staff.department(&department.into_inner())?;
    let after = match query.after.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => {
            Some(parse_cursor(text).ok_or(WebError::BadRequest(BadParameter::Malformed))?)
        }
    };
    let user = staff.0.user.clone();
    let asked = code.clone();
    let mut rows = run(&pool, move |conn| {
        pages::department_queue(conn, &user, &asked, after)
    })
    .await?;
    let next = if rows.len() > usize::try_from(pages::QUEUE_PAGE).unwrap_or(0) {
        rows.truncate(usize::try_from(pages::QUEUE_PAGE).unwrap_or(0));
        rows.last().map(|r| {
            format!(
                "{}_{}",
                r.due_on.map(|d| d.to_string()).unwrap_or_default(),
                r.id
            )
        })
    } else {
        None
    };
    let summary = {
        let asked = code.clone();
        run(&pool, move |conn| {
            catalog_service::department_summary(conn, &asked)
        })
        .await?
    };
    Ok(QueuePage {
        department_name: ctx.pick(&summary.name, &summary.name_en).to_owned(),
        department_code: code,
        rows,
        next,
        ctx,
    })
}

#[derive(Debug, Default, Deserialize)]
struct FiguresQuery {
    day: Option<String>,
}

async fn load_figures(
    user: SignedIn,
    pool: &DbPool,
    query: &FiguresQuery,
) -> Result<pages::HotlineFigures, WebError> {
    let day = match query.day.as_deref().map(str::trim) {
        None | Some("") => service::today(),
        Some(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| WebError::BadRequest(BadParameter::Filter))?,
    };
    let user = user.0.user;
    run(pool, move |conn| pages::hotline_figures(conn, &user, day)).await
}

/// The day's figures per department, from the audit trail.
#[get("/hotline/figures")]
async fn figures_page(
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
    query: web::Query<FiguresQuery>,
) -> Result<FiguresPage, WebError> {
    let figures = load_figures(user, &pool, &query).await?;
    Ok(FiguresPage { ctx, figures })
}

/// The same figures as CSV, one line per department (the hotline's own line first) and the
/// total.
#[get("/hotline/figures.csv")]
async fn figures_csv(
    user: SignedIn,
    pool: web::Data<DbPool>,
    query: web::Query<FiguresQuery>,
) -> Result<HttpResponse, WebError> {
    let figures = load_figures(user, &pool, &query).await?;
    let mut rows = vec![
        [
            "day",
            "department_code",
            "department",
            "received",
            "answered_directly",
            "merged",
            "dispatched",
            "sent_back",
            "answered",
            "on_time",
            "satisfied",
            "reopened",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    let lines = std::iter::once(&figures.hotline)
        .chain(&figures.departments)
        .chain(std::iter::once(&figures.total));
    for (at, line) in lines.enumerate() {
        let (code, name) = match &line.department {
            Some((code, name, _)) => (code.clone(), name.clone()),
            None if at == 0 => (String::new(), "12345".to_owned()),
            None => (String::new(), "合计".to_owned()),
        };
        let counts = [
            line.received,
            line.answered_directly,
            line.merged,
            line.dispatched,
            line.sent_back,
            line.answered,
            line.on_time,
            line.satisfied,
            line.reopened,
        ];
        let mut row = vec![figures.day.to_string(), code, name];
        row.extend(counts.iter().map(i64::to_string));
        rows.push(row);
    }
    super::workspace::csv_response(&format!("hotline-{}.csv", figures.day), rows)
}

async fn types_page(
    ctx: PageContext,
    pool: &DbPool,
    problems: Vec<crate::domain::reason::Reason>,
    failed: Option<String>,
) -> Result<TypesPage, WebError> {
    let types = run(pool, |conn| Ok(crate::db::hotline::types(conn)?)).await?;
    Ok(TypesPage {
        ctx,
        types,
        problems,
        failed,
    })
}

/// The administrators' page of the hotline's time limits per type of request.
#[get("/admin/hotline-types")]
async fn hotline_types(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
) -> Result<TypesPage, WebError> {
    types_page(ctx, &pool, Vec::new(), None).await
}

#[post("/admin/hotline-types/{code}")]
async fn set_limits(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let code = code.into_inner();
    let form = FormState::new(fields.into_inner());
    let (days, hours) = (
        form.value("answer_days").to_owned(),
        form.value("urgent_hours").to_owned(),
    );
    let (admin_id, changed) = (admin.user.id, code.clone());
    match run(&pool, move |conn| {
        crate::services::admin::set_hotline_limits(conn, admin_id, &changed, &days, &hours)
    })
    .await
    {
        Ok(()) => Ok(see_other("/admin/hotline-types")),
        Err(WebError::Service(ServiceError::Rejected(problems))) => {
            let page = types_page(ctx, &pool, problems, Some(code)).await?;
            page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(intake_form)
        .service(submit)
        .service(receipt)
        .service(track_form)
        .service(track)
        .service(my_requests)
        .service(request_page)
        .service(rate_answer)
        .service(show_console)
        .service(record_call)
        .service(figures_page)
        .service(figures_csv)
        .service(show_case)
        .service(fire_step)
        .service(call_back)
        .service(hotline_queue)
        .service(download)
        .service(hotline_types)
        .service(set_limits);
}
