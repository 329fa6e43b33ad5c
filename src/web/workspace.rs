//! The clerk's workspace: the departments a clerk or head works in. The queue of applications
//! arrives with the workflow engine; until then each department lists the services it handles.

use actix_web::{get, web};

use super::error::WebError;
use super::run;
use super::session::Staff;
use crate::db::DbPool;
use crate::services::catalog as catalog_service;
use crate::views::PageContext;
use crate::views::accounts::{DepartmentWorkspacePage, WorkspacePage};

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

/// A department's workspace; a clerk of another department gets 404.
#[get("/workspace/{department}")]
async fn department(
    ctx: PageContext,
    staff: Staff,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
) -> Result<DepartmentWorkspacePage, WebError> {
    let code = staff.department(&code)?;
    let (department, services) =
        run(&pool, move |conn| catalog_service::department(conn, &code)).await?;
    Ok(DepartmentWorkspacePage {
        ctx,
        department,
        services,
    })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(index).service(department);
}
