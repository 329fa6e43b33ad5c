//! 好差评 pages: the public figures (and their open data), and the administrators' review of
//! ratings a department calls unfounded. The applicant's rating form is on the application's
//! page (`web::applications`), the remedy case in the department's workspace.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use super::error::{BadParameter, WebError};
use super::forms::{FormState, page_with_status, see_other};
use super::run;
use super::session::Admin;
use crate::db::DbPool;
use crate::domain::rating::LEVELS;
use crate::services::ServiceError;
use crate::services::workflow::{self as service, TransitionInput};
use crate::views::PageContext;
use crate::views::accounts::MessagePage;
use crate::views::ratings::{FigureLine, FiguresPage, RemedyReviewPage, satisfaction};

/// How many months the figures go back.
const MONTHS: u32 = 24;

#[derive(Debug, Deserialize)]
struct FiguresQuery {
    month: Option<String>,
    department: Option<String>,
}

/// The month asked for (one of the last [`MONTHS`]), or this month.
fn month_of(query: &FiguresQuery, months: &[String]) -> Result<String, WebError> {
    match query
        .month
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        None => Ok(months[0].clone()),
        Some(m) if months.iter().any(|k| k == m) => Ok(m.to_owned()),
        Some(_) => Err(WebError::BadRequest(BadParameter::Filter)),
    }
}

async fn load_figures(
    pool: &DbPool,
    query: &FiguresQuery,
) -> Result<(Vec<String>, String, Vec<service::FigureRow>), WebError> {
    let months = service::recent_months(MONTHS);
    let month = month_of(query, &months)?;
    let department = query
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    let asked = vec![month.clone()];
    let rows = run(pool, move |conn| {
        service::figures(conn, department.as_deref(), &asked)
    })
    .await?;
    Ok((months, month, rows))
}

#[get("/ratings")]
async fn figures(
    ctx: PageContext,
    pool: web::Data<DbPool>,
    query: web::Query<FiguresQuery>,
) -> Result<FiguresPage, WebError> {
    let (months, month, rows) = load_figures(&pool, &query).await?;
    let department = match query.department.as_deref().map(str::trim) {
        Some(code) if !code.is_empty() => {
            let code = code.to_owned();
            let lookup = code.clone();
            let names = run(&pool, move |conn| {
                Ok(crate::db::ratings::departments(conn)?
                    .into_iter()
                    .find(|(_, c, ..)| *c == lookup))
            })
            .await?
            .ok_or(WebError::NotFound)?;
            Some((code, ctx.pick(&names.2, &names.3).to_owned()))
        }
        _ => None,
    };
    Ok(FiguresPage {
        department,
        months,
        month,
        rows: rows
            .into_iter()
            .map(|r| FigureLine {
                satisfaction: satisfaction(&r.tally),
                name: ctx.pick(&r.name, &r.name_en).to_owned(),
                code: r.code,
                month: r.month,
                tally: r.tally,
            })
            .collect(),
        levels: LEVELS
            .iter()
            .rev()
            .map(|(v, zh, en)| (*v, ctx.pick(zh, en).to_owned()))
            .collect(),
        ctx,
    })
}

#[derive(Serialize)]
struct FigureJson {
    code: String,
    name: String,
    name_en: String,
    month: String,
    ratings: i64,
    /// Per cent of 满意 and 非常满意, or null when nobody rated.
    satisfaction: Option<f64>,
    very_satisfied: i64,
    satisfied: i64,
    fairly_satisfied: i64,
    dissatisfied: i64,
    very_dissatisfied: i64,
    bad: i64,
    remedied_on_time: i64,
}

/// The same figures as open data: counts only, no person.
#[get("/api/v1/ratings")]
async fn figures_json(
    pool: web::Data<DbPool>,
    query: web::Query<FiguresQuery>,
) -> Result<HttpResponse, WebError> {
    let (_, _, rows) = load_figures(&pool, &query).await?;
    let body: Vec<FigureJson> = rows
        .into_iter()
        .map(|r| FigureJson {
            satisfaction: r.tally.satisfaction(),
            very_satisfied: r.tally.by_level[4],
            satisfied: r.tally.by_level[3],
            fairly_satisfied: r.tally.by_level[2],
            dissatisfied: r.tally.by_level[1],
            very_dissatisfied: r.tally.by_level[0],
            ratings: r.tally.ratings,
            bad: r.tally.bad,
            remedied_on_time: r.tally.remedied_on_time,
            code: r.code,
            name: r.name,
            name_en: r.name_en,
            month: r.month,
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

#[get("/admin/remedies")]
async fn review(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
) -> Result<RemedyReviewPage, WebError> {
    let user = admin.user.clone();
    let items = run(&pool, move |conn| service::awaiting_review(conn, &user)).await?;
    Ok(RemedyReviewPage { ctx, items })
}

/// An administrator settles a rating called unfounded: through the one transition path.
#[post("/admin/remedies/{id}/transitions/{name}")]
async fn settle(
    req: HttpRequest,
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    path: web::Path<(i64, String)>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let (id, name) = path.into_inner();
    let form = FormState::new(fields.into_inner());
    let version: i32 = form
        .value("version")
        .parse()
        .map_err(|_| WebError::BadRequest(BadParameter::Malformed))?;
    let clip = |v: &str| v.trim().chars().take(4000).collect::<String>();
    let input = TransitionInput {
        note: clip(form.value("note")),
        decision: clip(form.value("decision")),
        checklist: Vec::new(),
    };
    let client = super::client_address(&req);
    let user = admin.user.clone();
    match run(&pool, move |conn| {
        service::fire(conn, &user, id, &name, version, &input, &client)
    })
    .await
    {
        Ok(_) => Ok(see_other("/admin/remedies")),
        Err(WebError::Service(ServiceError::Refused(refusal))) => {
            use crate::domain::workflow::Refusal;
            let key = match refusal {
                Refusal::DecisionRequired => "refusal.decision_required",
                Refusal::NoteRequired => "refusal.note_required",
                _ => "refusal.not_from_here",
            };
            let page = MessagePage {
                title: ctx.t("rating.review_title").into_owned(),
                message: ctx.t(key).into_owned(),
                ctx,
            };
            page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(WebError::Service(ServiceError::StaleVersion)) => {
            let page = MessagePage {
                title: ctx.t("case.stale_title").into_owned(),
                message: ctx.t("refusal.not_from_here").into_owned(),
                ctx,
            };
            page_with_status(StatusCode::CONFLICT, &page)
        }
        Err(other) => Err(other),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(figures)
        .service(figures_json)
        .service(review)
        .service(settle);
}
