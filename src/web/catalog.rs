//! The public catalog pages.

use actix_web::{get, web};
use serde::Deserialize;

use super::error::WebError;
use super::params::{self, FilterParams, PAGE_SIZE};
use super::run;
use crate::db::DbPool;
use crate::services::catalog as catalog_service;
use crate::views::PageContext;
use crate::views::catalog::{CatalogPage, DepartmentPage, GuidePage, HomePage, SearchForm};

#[get("/")]
async fn home(ctx: PageContext, pool: web::Data<DbPool>) -> Result<HomePage, WebError> {
    let home = run(&pool, catalog_service::home).await?;
    Ok(HomePage {
        ctx,
        totals: home.totals,
        departments: home.departments,
    })
}

#[derive(Debug, Deserialize)]
struct CatalogQuery {
    #[serde(flatten)]
    filter: FilterParams,
    page: Option<String>,
}

#[get("/services")]
async fn catalog(
    ctx: PageContext,
    pool: web::Data<DbPool>,
    query: web::Query<CatalogQuery>,
) -> Result<CatalogPage, WebError> {
    let filter = query.filter.to_filter()?;
    let page_number = params::page_number(&query.page)?;
    let form = SearchForm {
        q: filter.text.clone().unwrap_or_default(),
        department: filter.department.clone().unwrap_or_default(),
        applicant: filter
            .applicant
            .map(|a| a.slug().to_owned())
            .unwrap_or_default(),
        item_type: filter
            .item_type
            .map(|t| t.slug().to_owned())
            .unwrap_or_default(),
    };
    let offset = (page_number - 1) * PAGE_SIZE;
    let (departments, page) = run(&pool, move |conn| {
        Ok((
            catalog_service::departments(conn)?,
            catalog_service::search(conn, &filter, PAGE_SIZE, offset)?,
        ))
    })
    .await?;
    Ok(CatalogPage {
        ctx,
        form,
        departments,
        page,
    })
}

#[get("/departments/{code}")]
async fn department(
    ctx: PageContext,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
) -> Result<DepartmentPage, WebError> {
    let code = code.into_inner();
    let (department, services) =
        run(&pool, move |conn| catalog_service::department(conn, &code)).await?;
    Ok(DepartmentPage {
        ctx,
        department,
        services,
    })
}

#[get("/services/{code}")]
async fn guide(
    ctx: PageContext,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
) -> Result<GuidePage, WebError> {
    let code = code.into_inner();
    let (guide, rating) = run(&pool, move |conn| {
        Ok((
            catalog_service::guide(conn, &code)?,
            crate::services::workflow::service_tally(conn, &code)?,
        ))
    })
    .await?;
    Ok(GuidePage { ctx, guide, rating })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(catalog)
        .service(department)
        .service(guide);
}
