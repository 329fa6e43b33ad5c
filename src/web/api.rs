//! The open-data JSON API, `/api/v1`. Field names are stable; see README.

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};

use super::error::WebError;
use super::params::{self, FilterParams};
use super::run;
use crate::db::DbPool;
use crate::db::catalog::{DepartmentSummary, ServiceGuide, ServiceSummary};
use crate::domain::catalog::{Fee, Variant};
use crate::services::catalog as catalog_service;

#[derive(Serialize)]
struct DepartmentJson {
    code: String,
    name: String,
    service_count: i64,
}

impl From<DepartmentSummary> for DepartmentJson {
    fn from(d: DepartmentSummary) -> Self {
        Self {
            code: d.code,
            name: d.name,
            service_count: d.service_count,
        }
    }
}

/// Yuan as a JSON number: an integer when whole (`80`), else with its fraction (`12.5`).
fn yuan(fee: Fee) -> serde_json::Number {
    if fee.fen() % 100 == 0 {
        serde_json::Number::from(fee.fen() / 100)
    } else {
        serde_json::Number::from_f64(fee.fen() as f64 / 100.0).unwrap_or_else(|| 0.into())
    }
}

#[derive(Serialize)]
struct ServiceJson {
    code: String,
    name: String,
    item_code: String,
    item_name: String,
    /// The catalog's Chinese name of the item type, e.g. 行政许可.
    item_type: &'static str,
    department_code: String,
    applicant_type: &'static str,
    legal_days: i32,
    promised_days: i32,
    fee_yuan: serde_json::Number,
    /// 新办, 变更, 延续 or 注销; null for an item's only service.
    variant: Option<&'static str>,
}

impl From<ServiceSummary> for ServiceJson {
    fn from(s: ServiceSummary) -> Self {
        Self {
            fee_yuan: yuan(s.fee),
            variant: (s.variant != Variant::Single).then(|| s.variant.zh()),
            item_type: s.item_type.zh(),
            applicant_type: s.applicant_type.slug(),
            code: s.code,
            name: s.name,
            item_code: s.item_code,
            item_name: s.item_name,
            department_code: s.department_code,
            legal_days: s.legal_days,
            promised_days: s.promised_days,
        }
    }
}

#[derive(Serialize)]
struct MaterialJson {
    name: String,
    form: &'static str,
    copies: u8,
    necessity: &'static str,
    source: &'static str,
}

#[derive(Serialize)]
struct GuideJson {
    materials: Vec<MaterialJson>,
    result: String,
    steps: Vec<String>,
}

#[derive(Serialize)]
struct ServiceDetailJson {
    #[serde(flatten)]
    service: ServiceJson,
    department_name: String,
    online: bool,
    guide: GuideJson,
}

impl From<ServiceGuide> for ServiceDetailJson {
    fn from(g: ServiceGuide) -> Self {
        Self {
            department_name: g.summary.department_name.clone(),
            service: g.summary.into(),
            online: g.online,
            guide: GuideJson {
                materials: g
                    .materials
                    .into_iter()
                    .map(|m| MaterialJson {
                        form: m.form.slug(),
                        necessity: m.necessity.slug(),
                        source: m.source.slug(),
                        copies: m.copies,
                        name: m.name,
                    })
                    .collect(),
                result: g.result_name,
                steps: g.steps,
            },
        }
    }
}

#[get("/api/v1/departments")]
async fn departments(pool: web::Data<DbPool>) -> Result<HttpResponse, WebError> {
    let departments = run(&pool, catalog_service::departments).await?;
    let body: Vec<DepartmentJson> = departments.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Deserialize)]
struct ServicesQuery {
    #[serde(flatten)]
    filter: FilterParams,
    limit: Option<String>,
    offset: Option<String>,
}

#[derive(Serialize)]
struct ServicesJson {
    total: i64,
    limit: i64,
    offset: i64,
    items: Vec<ServiceJson>,
}

#[get("/api/v1/services")]
async fn services(
    pool: web::Data<DbPool>,
    query: web::Query<ServicesQuery>,
) -> Result<HttpResponse, WebError> {
    let filter = query.filter.to_filter()?;
    let limit = params::limit(&query.limit)?;
    let offset = params::offset(&query.offset)?;
    let page = run(&pool, move |conn| {
        catalog_service::search(conn, &filter, limit, offset)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ServicesJson {
        total: page.total,
        limit,
        offset,
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}

#[get("/api/v1/services/{code}")]
async fn service(
    pool: web::Data<DbPool>,
    code: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let code = code.into_inner();
    let guide = run(&pool, move |conn| catalog_service::guide(conn, &code)).await?;
    Ok(HttpResponse::Ok().json(ServiceDetailJson::from(guide)))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(departments).service(services).service(service);
}
