use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;

use super::AppInfo;
use crate::db::DbPool;

/// How long the health check waits for a connection before it calls the database unavailable.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// 200 when the database answers a query, 503 otherwise; JSON either way, for load balancers.
#[get("/healthz")]
pub async fn healthz(pool: web::Data<DbPool>, info: web::Data<AppInfo>) -> HttpResponse {
    let pool = pool.clone();
    let answered = web::block(move || {
        let mut conn = pool.get_timeout(CHECK_TIMEOUT).ok()?;
        conn.batch_execute("SELECT 1").ok()
    })
    .await
    .ok()
    .flatten()
    .is_some();
    let (mut response, status) = if answered {
        (HttpResponse::Ok(), "ok")
    } else {
        (HttpResponse::ServiceUnavailable(), "unavailable")
    };
    response
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "status": status, "database": info.backend }))
}
