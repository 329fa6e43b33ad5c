//! Grid management's pages and the devices' API: the grid worker's home (patrols, the events of
//! their grids), the report form (a worker's, or a citizen's 随手拍), an event as its readers
//! work it, a patrol's trace, the command centre with its figures, CSV and district map, and
//! the JSON API a handheld device posts its points to with its own token.

use actix_multipart::form::{MultipartForm, bytes::Bytes as MultipartBytes, text::Text};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use super::error::{BadParameter, WebError};
use super::forms::{Fields, FormState, page_with_status, see_other};
use super::run;
use super::session::{SignedIn, Staff, Visitor};
use crate::db::DbPool;
use crate::domain::grid_event::ReportInput;
use crate::domain::identity::Role;
use crate::services::ServiceError;
use crate::services::accounts::User;
use crate::services::applications::UploadLimits;
use crate::services::grid as grid_service;
use crate::services::workflow::grid_events::{
    self as events, Attachment, Duplicates, EventStep, NotReported, Reporter,
};
use crate::services::workflow::grid_pages as pages;
use crate::views::PageContext;
use crate::views::accounts::MessagePage;
use crate::views::grid::{
    CommandPage, DepartmentEventsPage, EventPage, GridTrackPage, HomePage, InspectionPage,
    OwnReportPage, Projection, ReportPage, ReportedPage, StepAttempt, TracePage,
};

/// Where the devices' API lives (bearer tokens, no cookies, no CSRF).
pub const DEVICE_API: &str = "/api/grid/";

const TEXT_MAX: usize = 4000;

fn clip(value: &str) -> String {
    value.trim().chars().take(TEXT_MAX).collect()
}

fn signed_in(req: &HttpRequest) -> Option<User> {
    Visitor::of(req)
        .and_then(|v| v.session)
        .map(|session| session.user)
}

fn with_role(user: &SignedIn, roles: &[Role]) -> Result<User, WebError> {
    roles
        .contains(&user.0.user.role)
        .then(|| user.0.user.clone())
        .ok_or(WebError::NotFound)
}

// ---- The grid worker ----

#[get("/grid")]
async fn home(
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
) -> Result<HomePage, WebError> {
    let user = with_role(&user, &[Role::GridWorker])?;
    let (home, events, types) = run(&pool, move |conn| {
        let home = grid_service::worker_home(conn, &user)?;
        let events = pages::event_list(conn, &user, None, None, None)?;
        let types = pages::report_types(conn)?;
        Ok((home, events, types))
    })
    .await?;
    Ok(HomePage {
        ctx,
        grids: home.grids,
        patrol: home.patrol,
        today: home.today,
        events,
        types,
    })
}

#[post("/grid/patrol/start")]
async fn start_patrol(user: SignedIn, pool: web::Data<DbPool>) -> Result<HttpResponse, WebError> {
    let user = with_role(&user, &[Role::GridWorker])?;
    run(&pool, move |conn| grid_service::start_patrol(conn, &user)).await?;
    Ok(see_other("/grid"))
}

#[post("/grid/patrol/end")]
async fn end_patrol(user: SignedIn, pool: web::Data<DbPool>) -> Result<HttpResponse, WebError> {
    let user = with_role(&user, &[Role::GridWorker])?;
    let id = run(&pool, move |conn| grid_service::end_patrol(conn, &user)).await?;
    Ok(see_other(&format!("/grid/patrols/{id}")))
}

#[get("/grid/patrols/{id}")]
async fn trace_page(
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
) -> Result<TracePage, WebError> {
    let user = user.0.user;
    let id = id.into_inner();
    let trace = run(&pool, move |conn| {
        let trace = grid_service::trace(conn, id)?.ok_or(ServiceError::NotFound)?;
        if !grid_service::may_see_patrol(conn, &user, &trace.patrol)? {
            return Err(ServiceError::NotFound);
        }
        Ok(trace)
    })
    .await?;
    // The map frames the worker's grids and the trace together.
    let mut bounds = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    let corners = trace
        .grids
        .iter()
        .flat_map(|(_, o)| o.0.iter().copied())
        .chain(trace.points.iter().map(|p| p.point));
    for p in corners {
        bounds = (
            bounds.0.min(p.lon),
            bounds.1.min(p.lat),
            bounds.2.max(p.lon),
            bounds.3.max(p.lat),
        );
    }
    if !bounds.0.is_finite() {
        bounds = (113.74, 22.54, 113.98, 22.80);
    }
    let margin = ((bounds.2 - bounds.0).max(bounds.3 - bounds.1) * 0.05).max(0.0005);
    let projection = Projection::new(
        bounds.0 - margin,
        bounds.1 - margin,
        bounds.2 + margin,
        bounds.3 + margin,
    );
    Ok(TracePage {
        ctx,
        trace,
        projection,
    })
}

// ---- Reports ----

/// The report form, sent as multipart (it carries photos); the CSRF token is in the query.
#[derive(MultipartForm)]
struct ReportUpload {
    event_type: Option<Text<String>>,
    description: Option<Text<String>>,
    address: Option<Text<String>>,
    longitude: Option<Text<String>>,
    latitude: Option<Text<String>>,
    grid_point: Option<Text<String>>,
    phone: Option<Text<String>>,
    duplicate: Option<Text<String>>,
    // The real per-file limit (a setting) is checked by the service; this one bounds memory.
    #[multipart(limit = "64MiB")]
    photo: Vec<MultipartBytes>,
}

impl ReportUpload {
    fn fields(&self) -> FormState {
        let pairs = [
            ("event_type", &self.event_type),
            ("description", &self.description),
            ("address", &self.address),
            ("longitude", &self.longitude),
            ("latitude", &self.latitude),
            ("grid_point", &self.grid_point),
            ("phone", &self.phone),
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

fn report_input(form: &FormState) -> ReportInput {
    let (mut longitude, mut latitude) = (
        form.value("longitude").to_owned(),
        form.value("latitude").to_owned(),
    );
    // A grid picked by hand gives the position when none was typed (without the script).
    if longitude.trim().is_empty()
        && latitude.trim().is_empty()
        && let Some((lon, lat)) = form.value("grid_point").split_once(',')
    {
        longitude = lon.to_owned();
        latitude = lat.to_owned();
    }
    ReportInput {
        event_type: form.value("event_type").to_owned(),
        description: form.value("description").to_owned(),
        address: form.value("address").to_owned(),
        longitude,
        latitude,
        phone: form.value("phone").to_owned(),
    }
}

async fn report_page(
    ctx: PageContext,
    pool: &DbPool,
    user: Option<User>,
    form: FormState,
    duplicate: Option<String>,
    per_file: usize,
) -> Result<ReportPage, WebError> {
    let worker = user.as_ref().is_some_and(|u| u.role == Role::GridWorker);
    let signed_in = user.is_some();
    let (types, grid_points, mine) = run(pool, move |conn| {
        let types = pages::report_types(conn)?;
        let (points, mine) = match &user {
            Some(user) if user.role.is_applicant() => {
                (Vec::new(), pages::event_list(conn, user, None, None, None)?)
            }
            Some(user) => (grid_service::grid_centres(conn, user)?, Vec::new()),
            None => (Vec::new(), Vec::new()),
        };
        Ok((types, points, mine))
    })
    .await?;
    Ok(ReportPage {
        ctx,
        form,
        types,
        worker,
        signed_in,
        grid_points,
        per_file_mb: per_file / 1024 / 1024,
        duplicate,
        mine,
    })
}

fn may_report(user: &Option<User>) -> bool {
    user.as_ref()
        .is_none_or(|u| u.role == Role::GridWorker || u.role.is_applicant())
}

#[get("/grid/report")]
async fn report_form(
    req: HttpRequest,
    ctx: PageContext,
    pool: web::Data<DbPool>,
    limits: web::Data<UploadLimits>,
) -> Result<ReportPage, WebError> {
    let user = signed_in(&req);
    if !may_report(&user) {
        return Err(WebError::NotFound);
    }
    report_page(
        ctx,
        &pool,
        user,
        FormState::default(),
        None,
        limits.per_file,
    )
    .await
}

/// A report: a grid worker's, or a citizen's (signed in, or anonymous with a phone number).
/// A possible duplicate brings the form back with the choice to merge or to report anew.
#[post("/grid/report")]
async fn report(
    req: HttpRequest,
    ctx: PageContext,
    pool: web::Data<DbPool>,
    limits: web::Data<UploadLimits>,
    upload: MultipartForm<ReportUpload>,
) -> Result<HttpResponse, WebError> {
    let user = signed_in(&req);
    if !may_report(&user) {
        return Err(WebError::NotFound);
    }
    let upload = upload.into_inner();
    let mut form = upload.fields();
    let input = report_input(&form);
    let duplicates = match upload.duplicate.as_ref().map(|d| d.as_str()) {
        Some("new") => Duplicates::New,
        Some(choice) => match choice.strip_prefix("merge:") {
            Some(number) => Duplicates::MergeInto(number.to_owned()),
            None => Duplicates::Check,
        },
        None => Duplicates::Check,
    };
    let photos: Vec<Attachment> = upload
        .photo
        .into_iter()
        .map(|f| Attachment {
            file_name: f.file_name.unwrap_or_default(),
            content: f.data.to_vec(),
        })
        .collect();
    let sent_photos = photos.iter().any(|f| !f.content.is_empty());
    let client = super::client_address(&req);
    let per_file = limits.per_file;
    let reporter_user = user.clone();
    let outcome = run(&pool, move |conn| {
        let reporter = match &reporter_user {
            Some(u) if u.role == Role::GridWorker => Reporter::Worker(u),
            other => Reporter::Citizen(other.as_ref()),
        };
        events::report(
            conn,
            reporter,
            &input,
            &photos,
            per_file,
            &duplicates,
            &client,
        )
    })
    .await?;
    let worker = user.as_ref().is_some_and(|u| u.role == Role::GridWorker);
    let (duplicate, errors) = match outcome {
        Ok(reported) => {
            let page = ReportedPage {
                department: reported
                    .department_names
                    .map(|(zh, en)| ctx.pick(&zh, &en).to_owned()),
                number: reported.number,
                due_on: reported.due_on,
                merged_into: reported.merged_into,
                worker,
                id: reported.id,
                ctx,
            };
            return page_with_status(StatusCode::CREATED, &page);
        }
        Err(NotReported::PossibleDuplicate(_, number)) => (Some(number), Vec::new()),
        Err(NotReported::Fields(errors)) => (None, errors),
    };
    let files_refused = errors.iter().any(|(f, _)| f.name() == "photo");
    for (field, key) in errors {
        form.add(field.name(), ctx.t(key));
    }
    if sent_photos && !files_refused {
        form.add("photo", ctx.t("grid.photo_again"));
    }
    let status = if duplicate.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = report_page(ctx, &pool, user, form, duplicate, per_file).await?;
    page_with_status(status, &page)
}

// ---- An event ----

async fn event_page(
    ctx: PageContext,
    pool: &DbPool,
    user: User,
    id: i64,
    attempt: Option<StepAttempt>,
) -> Result<EventPage, WebError> {
    let (ec, departments) = run(pool, move |conn| {
        let ec = pages::event_case(conn, &user, id)?;
        let departments = pages::departments(conn)?;
        Ok((ec, departments))
    })
    .await?;
    Ok(EventPage {
        ctx,
        ec,
        departments,
        attempt,
    })
}

#[get("/grid/events/{id}")]
async fn show_event(
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
) -> Result<EventPage, WebError> {
    event_page(ctx, &pool, user.0.user, id.into_inner(), None).await
}

#[derive(MultipartForm)]
struct StepUpload {
    version: Option<Text<String>>,
    note: Option<Text<String>>,
    decision: Option<Text<String>>,
    department: Option<Text<String>>,
    merge_into: Option<Text<String>>,
    #[multipart(limit = "64MiB")]
    photo: Option<MultipartBytes>,
}

fn text(value: &Option<Text<String>>) -> String {
    value.as_ref().map(|v| clip(v.as_str())).unwrap_or_default()
}

#[post("/grid/events/{id}/steps/{name}")]
async fn take_step(
    req: HttpRequest,
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
    limits: web::Data<UploadLimits>,
    path: web::Path<(i64, String)>,
    upload: MultipartForm<StepUpload>,
) -> Result<HttpResponse, WebError> {
    let user = user.0.user;
    let (id, name) = path.into_inner();
    let upload = upload.into_inner();
    let version: i32 = text(&upload.version)
        .parse()
        .map_err(|_| WebError::BadRequest(BadParameter::Malformed))?;
    let step = EventStep {
        note: text(&upload.note),
        decision: text(&upload.decision),
        department: text(&upload.department).to_uppercase(),
        merge_into: text(&upload.merge_into),
        photo: upload.photo.map(|f| Attachment {
            file_name: f.file_name.unwrap_or_default(),
            content: f.data.to_vec(),
        }),
    };
    let client = super::client_address(&req);
    let per_file = limits.per_file;
    let (actor, fired, taken) = (user.clone(), name.clone(), step.clone());
    let outcome = run(&pool, move |conn| {
        events::take_step(conn, &actor, id, &fired, version, &taken, per_file, &client)
    })
    .await;
    let message = match outcome {
        Ok(_) => return Ok(see_other(&format!("/grid/events/{id}"))),
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
    let attempt = StepAttempt {
        transition: name,
        message,
        note: step.note,
        decision: step.decision,
    };
    let page = event_page(ctx, &pool, user, id, Some(attempt)).await?;
    page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

fn stale(ctx: PageContext) -> Result<HttpResponse, WebError> {
    let page = MessagePage {
        title: ctx.t("case.stale_title").into_owned(),
        message: ctx.t("hotline.stale").into_owned(),
        ctx,
    };
    page_with_status(StatusCode::CONFLICT, &page)
}

#[get("/grid/events/{id}/files/{file}")]
async fn download(
    user: SignedIn,
    pool: web::Data<DbPool>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, WebError> {
    let user = user.0.user;
    let (id, file) = path.into_inner();
    let (name, content_type, content) =
        run(&pool, move |conn| pages::event_file(conn, &user, id, file)).await?;
    Ok(super::applications::attachment(name, content_type, content))
}

// ---- A department's events ----

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    pub(super) before: Option<String>,
}

/// The grid events a department holds, newest first, fifty a page (the cursor is the last
/// event's id); linked from the department's queue.
#[get("/workspace/{department}/events")]
async fn department_events(
    ctx: PageContext,
    staff: Staff,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<DepartmentEventsPage, WebError> {
    let code = staff.department(&code)?;
    let before = super::params::cursor(&query.before)?;
    let user = staff.0.user.clone();
    let department = code.clone();
    let (events, types) = run(&pool, move |conn| {
        let events = pages::event_list(conn, &user, Some(&department), None, before)?;
        Ok((events, pages::report_types(conn)?))
    })
    .await?;
    let more = (events.len() as i64 == pages::LIST_PAGE)
        .then(|| events.last().map(|e| e.id))
        .flatten();
    Ok(DepartmentEventsPage {
        ctx,
        department_code: code,
        events,
        types,
        more,
    })
}

// ---- The inspector (督察员) ----

#[derive(Debug, Default, Deserialize)]
struct InspectionQuery {
    day: Option<String>,
    street: Option<String>,
}

/// A street's grid workers' day at a glance: patrols, distance, rounds, check points and the
/// patrols with gaps or impossible speeds. The inspector sees their own street; the command
/// centre picks one.
#[get("/grid/inspection")]
async fn inspection(
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
    query: web::Query<InspectionQuery>,
) -> Result<InspectionPage, WebError> {
    let user = with_role(&user, &[Role::Inspector, Role::Commander])?;
    let day = day_of(&DayQuery {
        day: query.day.clone(),
        table: None,
    })?;
    let bad = || WebError::BadRequest(BadParameter::Malformed);
    let chosen = match query.street.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(text.parse::<i64>().map_err(|_| bad())?),
        None => None,
    };
    let commander = user.role == Role::Commander;
    let seen = run(&pool, move |conn| {
        grid_service::inspection(conn, &user, chosen, day)
    })
    .await?;
    Ok(InspectionPage {
        ctx,
        day,
        street: seen.street,
        streets: seen.streets,
        workers: seen.workers,
        commander,
    })
}

// ---- The command centre ----

#[derive(Debug, Default, Deserialize)]
struct DayQuery {
    day: Option<String>,
    table: Option<String>,
}

fn day_of(query: &DayQuery) -> Result<chrono::NaiveDate, WebError> {
    match query.day.as_deref().filter(|d| !d.is_empty()) {
        Some(day) => chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| WebError::BadRequest(BadParameter::Malformed)),
        None => Ok(crate::services::workflow::today()),
    }
}

#[get("/grid/command")]
async fn command(
    ctx: PageContext,
    user: SignedIn,
    pool: web::Data<DbPool>,
    query: web::Query<DayQuery>,
) -> Result<CommandPage, WebError> {
    let user = with_role(&user, &[Role::Commander, Role::Admin])?;
    let day = day_of(&query)?;
    let (figures, map, events, types) = run(&pool, move |conn| {
        let figures = pages::command_day(conn, &user, day)?;
        let map = pages::map_data(conn, &user)?;
        let events = if user.role == Role::Commander {
            pages::event_list(conn, &user, None, Some(day), None)?
        } else {
            Vec::new()
        };
        let types = pages::report_types(conn)?;
        Ok((figures, map, events, types))
    })
    .await?;
    let d = crate::domain::territory::DISTRICT;
    Ok(CommandPage {
        ctx,
        figures,
        map,
        projection: Projection::new(d.west, d.south, d.east, d.north),
        events,
        types,
    })
}

#[get("/grid/command.csv")]
async fn command_csv(
    user: SignedIn,
    pool: web::Data<DbPool>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, WebError> {
    let user = with_role(&user, &[Role::Commander, Role::Admin])?;
    let day = day_of(&query)?;
    let figures = run(&pool, move |conn| pages::command_day(conn, &user, day)).await?;
    let table = query.table.clone().unwrap_or_else(|| "street".into());
    let lines = match table.as_str() {
        "total" => vec![figures.total.clone(), figures.average.clone()],
        "street" => figures.streets.clone(),
        "community" => figures.communities.clone(),
        "category" => figures.categories.clone(),
        "department" => figures.departments.clone(),
        _ => return Err(WebError::BadRequest(BadParameter::Malformed)),
    };
    let mut rows = vec![
        [
            "day",
            "key",
            "name",
            "found",
            "dispatched",
            "closed",
            "closure_rate",
            "on_time_rate",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    let rate = |r: Option<i64>| r.map(|r| r.to_string()).unwrap_or_default();
    for line in lines {
        rows.push(vec![
            figures.day.to_string(),
            line.key.clone(),
            line.name_zh.clone(),
            line.found.to_string(),
            line.dispatched.to_string(),
            line.closed.to_string(),
            rate(line.closure_rate()),
            rate(line.on_time_rate()),
        ]);
    }
    super::workspace::csv_response(&format!("grid-{table}-{}.csv", figures.day), rows)
}

// ---- The devices' API ----

fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_owned)
}

fn api_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "error": code, "message": message }))
}

async fn device_of(
    req: &HttpRequest,
    pool: &DbPool,
) -> Result<Result<grid_service::Device, HttpResponse>, WebError> {
    let Some(token) = bearer(req) else {
        return Ok(Err(api_error(
            StatusCode::UNAUTHORIZED,
            "token_missing",
            "Send the device's token as Authorization: Bearer <token>",
        )));
    };
    let device = run(pool, move |conn| grid_service::device(conn, &token)).await?;
    Ok(device.ok_or_else(|| {
        api_error(
            StatusCode::UNAUTHORIZED,
            "token_refused",
            "This token is unknown or has been revoked",
        )
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PointBatch {
    /// The worker the device says it posts for: refused unless the token's own.
    worker_id: Option<i64>,
    points: Vec<grid_service::PostedPoint>,
}

/// `POST /api/grid/points`: a batch of location points, each with its own time and sequence
/// number; idempotent by (device, sequence), late and out of order accepted.
#[post("/api/grid/points")]
async fn post_points(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let device = match device_of(&req, &pool).await? {
        Ok(device) => device,
        Err(refused) => return Ok(refused),
    };
    let batch: PointBatch = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(e) => {
            return Ok(api_error(
                StatusCode::BAD_REQUEST,
                "malformed",
                &format!("The body is not a batch of points: {e}"),
            ));
        }
    };
    if batch.worker_id.is_some_and(|w| w != device.worker_id) {
        return Ok(api_error(
            StatusCode::FORBIDDEN,
            "other_worker",
            "A device posts for its own grid worker only",
        ));
    }
    let outcome = run(&pool, move |conn| {
        grid_service::post_points(conn, device, &batch.points)
    })
    .await?;
    Ok(match outcome {
        Ok(accepted) => HttpResponse::Ok().json(accepted),
        Err(grid_service::BatchError::Empty) => api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty",
            "The batch has no points",
        ),
        Err(grid_service::BatchError::TooLarge) => api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            &format!("At most {} points a batch", grid_service::BATCH_MAX),
        ),
        Err(grid_service::BatchError::BadPoint(n)) => api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_point",
            &format!("Point {n} is not a valid position, sequence number or time"),
        ),
    })
}

/// `POST /api/grid/patrol/start` and `.../end`: the device starts or ends its worker's patrol.
#[post("/api/grid/patrol/{action}")]
async fn device_patrol(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    action: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let device = match device_of(&req, &pool).await? {
        Ok(device) => device,
        Err(refused) => return Ok(refused),
    };
    let action = action.into_inner();
    if !matches!(action.as_str(), "start" | "end") {
        return Err(WebError::NotFound);
    }
    let outcome = run(&pool, move |conn| {
        let worker = crate::services::accounts::user_by_id(conn, device.worker_id)?
            .ok_or(ServiceError::NotFound)?;
        if action == "start" {
            grid_service::start_patrol(conn, &worker)
        } else {
            grid_service::end_patrol(conn, &worker)
        }
    })
    .await;
    match outcome {
        Ok(id) => Ok(HttpResponse::Ok().json(serde_json::json!({ "patrol_id": id }))),
        Err(WebError::NotFound) => Ok(api_error(
            StatusCode::CONFLICT,
            "no_patrol",
            "No patrol is under way",
        )),
        Err(other) => Err(other),
    }
}

// ---- A citizen follows a report ----

#[get("/grid/track")]
async fn track_form(ctx: PageContext) -> GridTrackPage {
    GridTrackPage {
        ctx,
        form: FormState::default(),
        view: None,
    }
}

/// The public lookup of a report (随手拍): its number and the last four digits of the phone it
/// was left with. A POST, so that the digits stay out of addresses and logs; failures are
/// throttled with the other public lookups.
#[post("/grid/track")]
async fn track(
    req: HttpRequest,
    ctx: PageContext,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let lookup = super::applications::PublicLookup {
        proof_field: "phone_tail",
        not_found: "grid.track_not_found",
    };
    lookup
        .answer(
            &req,
            ctx,
            &pool,
            fields,
            pages::lookup_report,
            |ctx, form, view| GridTrackPage { ctx, form, view },
        )
        .await
}

/// The reporter's own report, by number: the mails sent about it link here. Without a
/// session it is the public lookup.
#[get("/grid/reports/{number}")]
async fn own_report(
    req: HttpRequest,
    ctx: PageContext,
    pool: web::Data<DbPool>,
    number: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let Some(user) = signed_in(&req) else {
        return Ok(see_other("/grid/track"));
    };
    let number = number.into_inner();
    let view = run(&pool, move |conn| pages::own_report(conn, &user, &number)).await?;
    page_with_status(StatusCode::OK, &OwnReportPage { ctx, view })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(start_patrol)
        .service(end_patrol)
        .service(trace_page)
        .service(report_form)
        .service(report)
        .service(show_event)
        .service(take_step)
        .service(download)
        .service(command)
        .service(command_csv)
        .service(post_points)
        .service(device_patrol)
        .service(track_form)
        .service(track)
        .service(own_report)
        .service(inspection)
        .service(department_events);
}
