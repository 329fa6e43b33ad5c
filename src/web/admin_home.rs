//! The administrators' home, which summarises every admin area, and the service picker, where
//! a service is found by name or code to open its form or to choose the workflow it runs.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use super::error::{BadParameter, WebError};
use super::forms::{FormState, see_other};
use super::run;
use super::session::Admin;
use crate::db::DbPool;
use crate::db::admin::ServiceScope;
use crate::services::{admin as rules, admin_overview, service_picker};
use crate::views::PageContext;
use crate::views::admin::{AdminHomePage, ServicePickerPage};

#[get("/admin")]
async fn home(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
) -> Result<AdminHomePage, WebError> {
    let overview = run(&pool, admin_overview::overview).await?;
    Ok(AdminHomePage { ctx, overview })
}

#[derive(Deserialize)]
struct PickerQuery {
    q: Option<String>,
    page: Option<String>,
    workflow: Option<String>,
    assigned: Option<String>,
}

/// A service code as the catalog writes them (`440306-SJJ-XK-0013-01`).
fn is_service_code(code: &str) -> bool {
    !code.is_empty() && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn picker_href(q: &str, page: i64, workflow: &str) -> String {
    let page = page.to_string();
    let query = serde_urlencoded::to_string(
        [("q", q), ("workflow", workflow), ("page", page.as_str())]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    format!("/admin/services?{query}")
}

#[get("/admin/services")]
async fn picker(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
    query: web::Query<PickerQuery>,
) -> Result<ServicePickerPage, WebError> {
    let q = query.q.as_deref().unwrap_or_default().trim().to_owned();
    if q.chars().count() > 100 || q.contains('\0') {
        return Err(WebError::BadRequest(BadParameter::Malformed));
    }
    let page = match query.page.as_deref() {
        None | Some("") => 1,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=1000).contains(p))
            .ok_or(WebError::BadRequest(BadParameter::Malformed))?,
    };
    let workflow = query.workflow.clone().unwrap_or_default();
    let text = q.clone();
    let (found, workflows) = run(&pool, move |conn| {
        Ok((
            service_picker::search(conn, &text, page)?,
            rules::workflows(conn)?,
        ))
    })
    .await?;
    // The remedy and hotline workflows run cases of their own, never a service's applications.
    let workflows = workflows
        .into_iter()
        .filter(|w| !crate::domain::workflow::runs_own_kind(&w.key))
        .collect();
    let notice = query
        .assigned
        .as_deref()
        .filter(|code| is_service_code(code))
        .map(|code| ctx.tf("admin_pages.assigned", &[("code", &code)]));
    Ok(ServicePickerPage {
        previous_href: found
            .has_previous()
            .then(|| picker_href(&q, page - 1, &workflow)),
        next_href: found
            .has_next()
            .then(|| picker_href(&q, page + 1, &workflow)),
        ctx,
        q,
        found,
        workflows,
        workflow,
        notice,
    })
}

/// Makes the service run the workflow chosen in its row, then back to the same list.
#[post("/admin/services/{code}/workflow")]
async fn choose_workflow(
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let form = FormState::new(fields.into_inner());
    let code = code.into_inner();
    if !is_service_code(&code) {
        return Err(WebError::NotFound);
    }
    let key = form.value("workflow").trim().to_owned();
    let back = format!(
        "{}&assigned={code}",
        picker_href(
            form.value("q"),
            form.value("page").parse().unwrap_or(1),
            form.value("return_workflow"),
        )
    );
    let (admin_id, scope) = (admin.user.id, ServiceScope::Service(code));
    run(&pool, move |conn| {
        rules::assign(conn, admin_id, &key, &scope)
    })
    .await?;
    Ok(see_other(&back))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home).service(picker).service(choose_workflow);
}
