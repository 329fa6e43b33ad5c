//! The applicant's journey: start from the guide, fill and save the draft, check the answers,
//! submit with the declaration, get the tracking number, follow the application.

use actix_web::http::StatusCode;
use actix_web::http::header::DispositionType;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use super::error::WebError;
use super::forms::{Fields, FormState, page_with_status, see_other};
use super::run;
use super::session::SignedIn;
use crate::db::DbPool;
use crate::domain::rating::{Rating, Verdict};
use crate::services::ServiceError;
use crate::services::accounts::User;
use crate::services::applications::{self as service, Application};
use crate::services::applications::{UploadLimits, UploadProblem};
use crate::views::PageContext;
use crate::views::accounts::MessagePage;
use crate::views::applications::{
    ApplicationPage, EditPage, ListRow, MyApplicationsPage, ReviewPage, SubmittedPage,
    TimelineEntry, answers, local_time, sections, summary,
};
use crate::views::applications::{MaterialsPage, TrackPage};
use crate::views::ratings::{RatingForm, RatingSection};
use actix_multipart::form::{MultipartForm, bytes::Bytes as MultipartBytes, text::Text};

/// What the applicant block shows, from the account (never retyped). Identity numbers are
/// shown masked, as on a receipt: enough to recognise, not enough to copy from a screen.
fn applicant_block(ctx: &PageContext, app: &Application) -> Vec<(String, String)> {
    let a = &app.applicant;
    let mut rows = Vec::new();
    let mut add = |key: &str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            rows.push((ctx.t(key).into_owned(), value));
        }
    };
    if a.role == "firm" {
        add("form.company", Some(a.name.clone()));
        add("form.credit_code", a.credit_code.clone());
        add("form.legal_representative", a.legal_representative.clone());
        add("form.contact_name", a.contact_name.clone());
    } else {
        add("form.name", Some(a.name.clone()));
        add(
            "form.national_id",
            a.national_id.as_deref().map(|v| mask(v, 6, 4)),
        );
    }
    add("form.phone", a.phone.as_deref().map(|v| mask(v, 3, 4)));
    add("form.email", Some(a.email.clone()));
    rows
}

/// `value` with all but its first `head` and last `tail` characters hidden.
pub(crate) fn mask(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return value.to_owned();
    }
    let hidden = chars.len() - head - tail;
    chars[..head]
        .iter()
        .chain(std::iter::repeat_n(&'*', hidden))
        .chain(&chars[chars.len() - tail..])
        .collect()
}

#[post("/services/{code}/apply")]
async fn start(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let code = code.into_inner();
    let user = session.user.clone();
    match run(&pool, move |conn| service::start(conn, &user, &code)).await {
        Ok(id) => Ok(see_other(&format!("/applications/{id}/edit"))),
        Err(WebError::Service(ServiceError::NotForThisApplicant)) => {
            let page = MessagePage {
                title: ctx.t("apply.not_for_you_title").into_owned(),
                message: ctx.t("apply.not_for_you").into_owned(),
                ctx,
            };
            page_with_status(StatusCode::FORBIDDEN, &page)
        }
        Err(other) => Err(other),
    }
}

async fn load(pool: &DbPool, user: &User, id: i64) -> Result<Application, WebError> {
    let user = user.clone();
    run(pool, move |conn| service::own(conn, &user, id)).await
}

#[derive(Deserialize)]
struct NoticeQuery {
    saved: Option<String>,
}

#[get("/applications/{id}/edit")]
async fn edit(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, WebError> {
    let app = load(&pool, &session.user, id.into_inner()).await?;
    if !app.is_draft() {
        return Ok(see_other(&format!("/applications/{}", app.row.id)));
    }
    let notice = query
        .saved
        .as_ref()
        .map(|_| ctx.tf("apply.saved", &[("time", &local_time(&app.row.updated_at))]));
    let page = EditPage {
        id: app.row.id,
        version: app.row.version,
        service_name: ctx
            .pick(&app.service.summary.name, &app.service.summary.name_en)
            .to_owned(),
        applicant: applicant_block(&ctx, &app),
        sections: sections(ctx.lang, &app.form, &app.input, &[]),
        errors: Vec::new(),
        notice,
        ctx,
    };
    page_with_status(StatusCode::OK, &page)
}

/// Saves what was typed; "continue" also checks that everything needed is there.
#[post("/applications/{id}/edit")]
async fn save(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = FormState::new(fields.into_inner());
    let version: i32 = form
        .value("version")
        .parse()
        .map_err(|_| WebError::BadRequest(super::error::BadParameter::Malformed))?;
    let strict = form.value("action") == "continue";
    let input: Vec<(String, String)> = form.pairs().to_vec();
    let user = session.user.clone();
    let saved = {
        let input = input.clone();
        run(&pool, move |conn| {
            service::save(conn, &user, id, version, &input, strict)
        })
        .await
    };
    let problems = match saved {
        Ok(problems) if problems.is_empty() && strict => {
            return Ok(see_other(&format!("/applications/{id}/materials")));
        }
        Ok(problems) if problems.is_empty() => {
            return Ok(see_other(&format!("/applications/{id}/edit?saved=1")));
        }
        Ok(problems) => problems,
        Err(WebError::Service(ServiceError::StaleVersion)) => {
            let page = MessagePage {
                title: ctx.t("apply.stale_title").into_owned(),
                message: ctx.t("apply.stale").into_owned(),
                ctx,
            };
            return page_with_status(StatusCode::CONFLICT, &page);
        }
        Err(WebError::Service(ServiceError::NotADraft)) => {
            return Ok(see_other(&format!("/applications/{id}")));
        }
        Err(other) => return Err(other),
    };
    // Saved as typed, but with problems: show them, every value kept.
    form_with_problems(ctx, &pool, &session.user, id, &problems).await
}

/// The application form again (422), every value as saved and every problem listed and marked.
async fn form_with_problems(
    ctx: PageContext,
    pool: &DbPool,
    user: &User,
    id: i64,
    problems: &[crate::domain::forms::FieldProblem],
) -> Result<HttpResponse, WebError> {
    let app = load(pool, user, id).await?;
    let page = EditPage {
        id,
        version: app.row.version,
        service_name: ctx
            .pick(&app.service.summary.name, &app.service.summary.name_en)
            .to_owned(),
        applicant: applicant_block(&ctx, &app),
        sections: sections(ctx.lang, &app.form, &app.input, problems),
        errors: summary(ctx.lang, &app.form, problems),
        notice: None,
        ctx,
    };
    page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// Check your answers: the applicant block, the answers and what each material has.
async fn review_page(
    ctx: PageContext,
    pool: &DbPool,
    user: &User,
    app: &Application,
    error: Option<String>,
) -> Result<ReviewPage, WebError> {
    let (user, id) = (user.clone(), app.row.id);
    let materials = run(pool, move |conn| {
        let app = service::own(conn, &user, id)?;
        service::materials(conn, &app)
    })
    .await?;
    Ok(ReviewPage {
        id: app.row.id,
        service_name: ctx
            .pick(&app.service.summary.name, &app.service.summary.name_en)
            .to_owned(),
        applicant: applicant_block(&ctx, app),
        answers: answers(ctx.lang, &app.form, &app.input),
        materials,
        error,
        ctx,
    })
}

#[get("/applications/{id}/review")]
async fn review(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let app = load(&pool, &session.user, id.into_inner()).await?;
    if !app.is_draft() {
        return Ok(see_other(&format!("/applications/{}", app.row.id)));
    }
    let page = review_page(ctx, &pool, &session.user, &app, None).await?;
    page_with_status(StatusCode::OK, &page)
}

#[post("/applications/{id}/submit")]
async fn submit(
    req: HttpRequest,
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let declared = FormState::new(fields.into_inner()).value("declaration") == "yes";
    let client = super::client_address(&req);
    let user = session.user.clone();
    match run(&pool, move |conn| {
        service::submit(conn, &user, id, declared, &client)
    })
    .await
    {
        Ok(_) => Ok(see_other(&format!("/applications/{id}/submitted"))),
        Err(WebError::Service(ServiceError::DeclarationMissing)) => {
            let app = load(&pool, &session.user, id).await?;
            let error = Some(ctx.t("apply.declaration_missing").into_owned());
            let page = review_page(ctx, &pool, &session.user, &app, error).await?;
            page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        // Submitted from "check your answers" with the form incomplete: the form, with why.
        Err(WebError::Service(ServiceError::Incomplete(problems))) => {
            form_with_problems(ctx, &pool, &session.user, id, &problems).await
        }
        Err(WebError::Service(ServiceError::MaterialsMissing(names))) => {
            let app = load(&pool, &session.user, id).await?;
            let error = Some(
                ctx.lang
                    .tf("materials.missing_list", &[("names", &names.join("、"))]),
            );
            let page = review_page(ctx, &pool, &session.user, &app, error).await?;
            page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}

#[get("/applications/{id}/submitted")]
async fn submitted(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let app = load(&pool, &session.user, id.into_inner()).await?;
    let Some(tracking_number) = app.row.tracking_number.clone() else {
        return Ok(see_other(&format!("/applications/{}/edit", app.row.id)));
    };
    let s = &app.service.summary;
    let page = SubmittedPage {
        id: app.row.id,
        tracking_number,
        service_name: ctx.pick(&s.name, &s.name_en).to_owned(),
        next_decide: ctx.lang.tf(
            "apply.next_decide",
            &[
                ("promised", &ctx.days(&s.promised_days)),
                ("legal", &ctx.days(&s.legal_days)),
            ],
        ),
        ctx,
    };
    page_with_status(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct ListQuery {
    /// The keyset of the last row of the previous page: `updated-at-in-microseconds.id`.
    before: Option<String>,
}

/// Parses `before`: microseconds since the epoch and the id, joined by a dot.
fn keyset(value: &str) -> Option<(chrono::NaiveDateTime, i64)> {
    let (micros, id) = value.split_once('.')?;
    let at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
    Some((at, id.parse().ok()?))
}

#[get("/applications")]
async fn mine(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    query: web::Query<ListQuery>,
) -> Result<MyApplicationsPage, WebError> {
    let before = match query.before.as_deref() {
        None | Some("") => None,
        Some(value) => {
            Some(keyset(value).ok_or(WebError::BadRequest(super::error::BadParameter::Malformed))?)
        }
    };
    let user = session.user.clone();
    let rows = run(&pool, move |conn| service::mine(conn, &user, before)).await?;
    let next_href = (rows.len() as i64 == service::PAGE_SIZE).then(|| {
        let last = rows.last().expect("a full page has a last row");
        format!(
            "/applications?before={}.{}",
            last.7.and_utc().timestamp_micros(),
            last.0
        )
    });
    let rows = rows
        .into_iter()
        .map(
            |(id, tracking_number, status, _, service_name, department, _, updated_at, _, due)| {
                ListRow {
                    id,
                    tracking_number,
                    status,
                    service_name: ctx.pick(&service_name.0, &service_name.1).to_owned(),
                    department: ctx.pick(&department.0, &department.1).to_owned(),
                    updated_at,
                    due: crate::views::workspace::date(&due),
                }
            },
        )
        .collect();
    Ok(MyApplicationsPage {
        ctx,
        rows,
        next_href,
    })
}

#[get("/applications/{id}")]
async fn show(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    // A remedy case's mails link here: its rater follows it on the page of the case rated.
    let user = session.user.clone();
    if let Some(rated) = run(&pool, move |conn| {
        crate::services::workflow::rated_case_of_remedy(conn, &user, id)
    })
    .await?
    {
        return Ok(see_other(&format!("/applications/{rated}#rating")));
    }
    let page = application_page(ctx, &session.user, &pool, id, None).await?;
    page_with_status(StatusCode::OK, &page)
}

/// The applicant's page of an application, with the rating form as sent when it came back.
async fn application_page(
    ctx: PageContext,
    user: &User,
    pool: &DbPool,
    id: i64,
    rating_form: Option<RatingForm>,
) -> Result<ApplicationPage, WebError> {
    let app = load(pool, user, id).await?;
    let user = user.clone();
    let (events, workflow, rating) = run(pool, move |conn| {
        Ok((
            service::timeline(conn, &user, id)?,
            crate::services::workflow::applicant_view(conn, &user, id)?,
            crate::services::workflow::rating_panel(conn, &user, id)?,
        ))
    })
    .await?;
    Ok(ApplicationPage {
        workflow,
        rating: rating.map(|panel| RatingSection::new(ctx.lang, panel, rating_form)),
        id,
        tracking_number: app.row.tracking_number.clone(),
        status: app.row.status.clone(),
        service_name: ctx
            .pick(&app.service.summary.name, &app.service.summary.name_en)
            .to_owned(),
        answers: answers(ctx.lang, &app.form, &app.input),
        timeline: events
            .into_iter()
            .map(|(kind, _, note, at)| TimelineEntry { kind, note, at })
            .collect(),
        ctx,
    })
}

/// 好差评: the applicant rates an ended application, or changes the rating within 7 days.
#[post("/applications/{id}/rating")]
async fn rate(
    req: HttpRequest,
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = FormState::new(fields.into_inner());
    let sent = RatingForm {
        level: form.value("level").to_owned(),
        reasons: form.values("reasons"),
        comment: form.value("comment").chars().take(2000).collect(),
        anonymous: !form.value("anonymous").is_empty(),
        errors: Vec::new(),
    };
    let given = match Rating::parse(&sent.level, &sent.reasons, &sent.comment, sent.anonymous) {
        Ok(given) => given,
        Err(problems) => {
            let sent = sent.with_problems(ctx.lang, &problems);
            let page = application_page(ctx, &session.user, &pool, id, Some(sent)).await?;
            return page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let client = super::client_address(&req);
    let user = session.user.clone();
    match run(&pool, move |conn| {
        crate::services::workflow::rate(conn, &user, id, &given, &client)
    })
    .await
    {
        Ok(()) => Ok(see_other(&format!("/applications/{id}?rated=1#rating"))),
        Err(WebError::Service(ServiceError::Rejected(_))) => {
            conflict(ctx, "rating.closed_title", "rating.closed")
        }
        Err(other) => Err(other),
    }
}

/// The rater says whether the remedy's outcome satisfies them.
#[post("/applications/{id}/rating/verdict")]
async fn rating_verdict(
    req: HttpRequest,
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = FormState::new(fields.into_inner());
    let Some(verdict) = Verdict::parse(form.value("verdict")) else {
        return Err(WebError::BadRequest(super::error::BadParameter::Malformed));
    };
    let client = super::client_address(&req);
    let user = session.user.clone();
    match run(&pool, move |conn| {
        crate::services::workflow::give_verdict(conn, &user, id, verdict, &client)
    })
    .await
    {
        Ok(()) => Ok(see_other(&format!("/applications/{id}#rating"))),
        Err(WebError::Service(ServiceError::StaleVersion)) => {
            conflict(ctx, "rating.verdict_closed_title", "rating.verdict_closed")
        }
        Err(other) => Err(other),
    }
}

#[post("/applications/{id}/withdraw")]
async fn withdraw(
    req: HttpRequest,
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let reason: String = FormState::new(fields.into_inner())
        .value("reason")
        .chars()
        .take(500)
        .collect();
    let client = super::client_address(&req);
    let user = session.user.clone();
    match run(&pool, move |conn| {
        service::withdraw(conn, &user, id, &reason, &client)
    })
    .await
    {
        Ok(()) => Ok(see_other(&format!("/applications/{id}"))),
        Err(WebError::Service(ServiceError::NotWithdrawable | ServiceError::StaleVersion)) => {
            conflict(ctx, "withdraw.too_late_title", "withdraw.too_late")
        }
        Err(other) => Err(other),
    }
}

/// A 409 page: the application moved on before this request.
fn conflict(ctx: PageContext, title: &str, message: &str) -> Result<HttpResponse, WebError> {
    let page = MessagePage {
        title: ctx.t(title).into_owned(),
        message: ctx.t(message).into_owned(),
        ctx,
    };
    page_with_status(StatusCode::CONFLICT, &page)
}

/// The applicant answers a request for missing materials: the application is received anew.
#[post("/applications/{id}/resubmit")]
async fn resubmit(
    req: HttpRequest,
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let client = super::client_address(&req);
    let user = session.user.clone();
    match run(&pool, move |conn| {
        service::resubmit(conn, &user, id, &client)
    })
    .await
    {
        Ok(()) => Ok(see_other(&format!("/applications/{id}"))),
        Err(WebError::Service(ServiceError::Refused(_) | ServiceError::StaleVersion)) => {
            conflict(ctx, "supplement.closed_title", "supplement.closed")
        }
        Err(other) => Err(other),
    }
}

#[get("/track")]
async fn track_form(ctx: PageContext) -> TrackPage {
    TrackPage {
        ctx,
        form: FormState::default(),
        progress: None,
    }
}

/// The public progress lookup. A POST, so that the digits stay out of addresses and logs.
#[post("/track")]
async fn track(
    req: HttpRequest,
    ctx: PageContext,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let lookup = PublicLookup {
        proof_field: "last_four",
        not_found: "track.not_found",
    };
    lookup
        .answer(
            &req,
            ctx,
            &pool,
            fields,
            service::lookup,
            |ctx, form, progress| TrackPage {
                ctx,
                form,
                progress,
            },
        )
        .await
}

/// A public lookup of a case by its number and a proof that the asker is its applicant or
/// caller (the phone's last four digits, an email): the page with what was found; a 404 with
/// a field error and what was typed kept; a 429 after too many failures from this client (the
/// service counts them). Applications, hotline requests and grid reports share it.
pub(super) struct PublicLookup {
    /// The form field of the proof (beside `tracking_number`).
    pub(super) proof_field: &'static str,
    /// The message key of "nothing has this number and proof".
    pub(super) not_found: &'static str,
}

impl PublicLookup {
    pub(super) async fn answer<V, P>(
        &self,
        req: &HttpRequest,
        ctx: PageContext,
        pool: &DbPool,
        fields: Fields,
        lookup: fn(&mut crate::db::DbConnection, &str, &str, &str) -> Result<V, ServiceError>,
        page: impl FnOnce(PageContext, FormState, Option<V>) -> P,
    ) -> Result<HttpResponse, WebError>
    where
        V: Send + 'static,
        P: askama::Template,
    {
        let mut form = FormState::new(fields.into_inner());
        let (number, proof) = (
            form.value("tracking_number").to_owned(),
            form.value(self.proof_field).to_owned(),
        );
        let client = super::client_address(req);
        match run(pool, move |conn| lookup(conn, &number, &proof, &client)).await {
            Ok(view) => page_with_status(StatusCode::OK, &page(ctx, form, Some(view))),
            Err(WebError::NotFound) => {
                form.add("tracking_number", ctx.t(self.not_found));
                page_with_status(StatusCode::NOT_FOUND, &page(ctx, form, None))
            }
            Err(WebError::Service(ServiceError::Throttled { until })) => {
                lookups_throttled(ctx, until)
            }
            Err(other) => Err(other),
        }
    }
}

/// Too many failed lookups from this client (of an application or of a hotline request): 429,
/// saying when to try again.
fn lookups_throttled(
    ctx: PageContext,
    until: chrono::NaiveDateTime,
) -> Result<HttpResponse, WebError> {
    let seconds = (until - chrono::Utc::now().naive_utc())
        .num_seconds()
        .max(1);
    let page = MessagePage {
        title: ctx.t("track.throttled_title").into_owned(),
        message: ctx
            .lang
            .tf("track.throttled", &[("minutes", &((seconds + 59) / 60))]),
        ctx,
    };
    let mut response = page_with_status(StatusCode::TOO_MANY_REQUESTS, &page)?;
    response.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(seconds),
    );
    Ok(response)
}

async fn materials_page(
    ctx: PageContext,
    pool: &DbPool,
    user: &User,
    id: i64,
    limits: UploadLimits,
    error: Option<(String, String)>,
) -> Result<MaterialsPage, WebError> {
    let app = load(pool, user, id).await?;
    let statuses = {
        let user = user.clone();
        run(pool, move |conn| {
            let app = service::own(conn, &user, id)?;
            service::materials(conn, &app)
        })
        .await?
    };
    let (error, error_anchor) = error.map_or((None, String::new()), |(m, a)| (Some(m), a));
    Ok(MaterialsPage {
        id,
        service_name: ctx
            .pick(&app.service.summary.name, &app.service.summary.name_en)
            .to_owned(),
        limits_text: ctx.lang.tf(
            "materials.limits",
            &[
                ("file", &(limits.per_file / 1024 / 1024)),
                ("total", &(limits.per_application / 1024 / 1024)),
            ],
        ),
        materials: statuses,
        error,
        error_anchor,
        supplement: !app.is_draft(),
        ctx,
    })
}

/// Whether the applicant may change the materials now: a draft, or a request for missing
/// materials (补正) is open.
async fn materials_open(pool: &DbPool, user: &User, app: &Application) -> Result<bool, WebError> {
    if app.is_draft() {
        return Ok(true);
    }
    let (user, id) = (user.clone(), app.row.id);
    run(pool, move |conn| {
        crate::services::workflow::applicant_edits(conn, &user, id)
    })
    .await
}

#[get("/applications/{id}/materials")]
async fn materials_form(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    limits: web::Data<UploadLimits>,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let app = load(&pool, &session.user, id).await?;
    if !materials_open(&pool, &session.user, &app).await? {
        return Ok(see_other(&format!("/applications/{id}")));
    }
    let page = materials_page(ctx, &pool, &session.user, id, **limits, None).await?;
    page_with_status(StatusCode::OK, &page)
}

#[derive(MultipartForm)]
struct UploadForm {
    material: Text<String>,
    // The real per-file limit (a setting) is checked by the service; this one bounds memory.
    #[multipart(limit = "64MiB")]
    file: MultipartBytes,
}

#[post("/applications/{id}/materials")]
async fn upload(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    limits: web::Data<UploadLimits>,
    id: web::Path<i64>,
    form: MultipartForm<UploadForm>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let material = form.material.into_inner();
    let file_name = form.file.file_name.clone().unwrap_or_default();
    let content = form.file.data;
    let limits = **limits;
    let user = session.user.clone();
    let name = material.clone();
    match run(&pool, move |conn| {
        service::upload(conn, &user, id, &name, &file_name, &content, limits)
    })
    .await
    {
        Ok(()) => Ok(see_other(&format!("/applications/{id}/materials"))),
        Err(WebError::Service(ServiceError::Upload(problem))) => {
            let (status, message) = match problem {
                UploadProblem::NotAccepted => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ctx.t("materials.not_accepted").into_owned(),
                ),
                UploadProblem::Empty => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ctx.t("materials.empty").into_owned(),
                ),
                UploadProblem::UnknownMaterial => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ctx.t("materials.unknown").into_owned(),
                ),
                UploadProblem::TooLarge(limit) => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ctx.lang
                        .tf("materials.too_large", &[("n", &(limit / 1024 / 1024))]),
                ),
                UploadProblem::ApplicationFull(limit) => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ctx.lang
                        .tf("materials.full", &[("n", &(limit / 1024 / 1024))]),
                ),
            };
            let app = load(&pool, &session.user, id).await?;
            let index = app
                .service
                .materials
                .iter()
                .position(|m| m.name == material)
                .unwrap_or(0);
            let page = materials_page(
                ctx,
                &pool,
                &session.user,
                id,
                limits,
                Some((message, format!("file-{index}"))),
            )
            .await?;
            page_with_status(status, &page)
        }
        Err(WebError::Service(ServiceError::NotADraft)) => {
            Ok(see_other(&format!("/applications/{id}")))
        }
        Err(other) => Err(other),
    }
}

#[post("/applications/{id}/files/{file}/delete")]
async fn delete_file(
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, WebError> {
    let (id, file) = path.into_inner();
    let user = session.user.clone();
    run(&pool, move |conn| {
        service::delete_file(conn, &user, id, file)
    })
    .await?;
    Ok(see_other(&format!("/applications/{id}/materials")))
}

#[post("/applications/{id}/pledges")]
async fn pledge(
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = FormState::new(fields.into_inner());
    let (material, pledged) = (
        form.value("material").to_owned(),
        form.value("pledged") == "yes",
    );
    let user = session.user.clone();
    run(&pool, move |conn| {
        service::pledge(conn, &user, id, &material, pledged)
    })
    .await?;
    Ok(see_other(&format!("/applications/{id}/materials")))
}

/// Uses one of the applicant's issued licences for a material (原许可证件), or stops using it.
#[post("/applications/{id}/licences")]
async fn use_licence(
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = FormState::new(fields.into_inner());
    let material = form.value("material").to_owned();
    let licence = match form.value("licence").trim() {
        "" => None,
        other => Some(
            other
                .parse::<i64>()
                .map_err(|_| WebError::BadRequest(super::error::BadParameter::Malformed))?,
        ),
    };
    let user = session.user.clone();
    match run(&pool, move |conn| {
        service::use_licence(conn, &user, id, &material, licence)
    })
    .await
    {
        Ok(()) => Ok(see_other(&format!("/applications/{id}/materials"))),
        Err(WebError::Service(ServiceError::NotADraft)) => {
            Ok(see_other(&format!("/applications/{id}")))
        }
        Err(WebError::Service(ServiceError::Upload(_))) => {
            Err(WebError::BadRequest(super::error::BadParameter::Malformed))
        }
        Err(other) => Err(other),
    }
}

/// A stored material, to its applicant only, as an attachment with a safe name.
#[get("/applications/{id}/files/{file}")]
async fn download(
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, WebError> {
    let (id, file) = path.into_inner();
    let user = session.user.clone();
    let (name, content_type, content) =
        run(&pool, move |conn| service::download(conn, &user, id, file)).await?;
    Ok(attachment(name, content_type, content))
}

/// A stored file as a download: never shown inline, the name given safely (RFC 6266), and
/// never cached by shared caches.
pub fn attachment(name: String, content_type: String, content: Vec<u8>) -> HttpResponse {
    stored_file(
        DispositionType::Attachment,
        name,
        content_type,
        None,
        content,
    )
}

/// A stored PDF or image shown in the browser rather than downloaded. Uploads are only ever
/// PDF, JPEG or PNG, recognised by their content, and served with `nosniff`, so nothing else
/// can be rendered here. An image is sandboxed by CSP. A PDF is not: Chromium refuses to run
/// its PDF viewer in a sandboxed document ("blocked by Chrome", crbug 413851); it gets a policy
/// that allows the viewer's own inline styles and nothing else to load, and the viewer runs
/// isolated from the portal's pages anyway.
pub fn inline_view(name: String, content_type: String, content: Vec<u8>) -> HttpResponse {
    let policy = if content_type == "application/pdf" {
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
         object-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    } else {
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; \
         frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    };
    stored_file(
        DispositionType::Inline,
        name,
        content_type,
        Some(policy),
        content,
    )
}

fn stored_file(
    disposition: DispositionType,
    name: String,
    content_type: String,
    policy: Option<&'static str>,
    content: Vec<u8>,
) -> HttpResponse {
    use actix_web::http::header::{Charset, ContentDisposition, DispositionParam, ExtendedValue};
    let disposition = ContentDisposition {
        disposition,
        parameters: vec![DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: name.into_bytes(),
        })],
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type)
        .insert_header(disposition)
        .insert_header(("Cache-Control", "private, no-store"))
        // PDFs and images are compressed already: sent as stored, not gzipped again.
        .insert_header(("Content-Encoding", "identity"));
    if let Some(policy) = policy {
        response.insert_header(("Content-Security-Policy", policy));
    }
    response.body(content)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The applicant's way through, busiest first (see `web::routes`).
    cfg.service(submit)
        .service(submitted)
        .service(start)
        .service(mine)
        .service(edit)
        .service(save)
        .service(review)
        .service(show);
    cfg.service(withdraw)
        .service(rate)
        .service(rating_verdict)
        .service(resubmit)
        .service(materials_form)
        .service(upload)
        .service(delete_file)
        .service(pledge)
        .service(use_licence)
        .service(download);
    cfg.service(track_form).service(track);
}
