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

/// Readiness, for a load balancer deciding whether to send this node requests: 200 when the
/// database answers and has every migration this build expects; 503 while it is away or while
/// migrations are still to run (another node upgrading it), with what is missing.
#[get("/readyz")]
pub async fn readyz(pool: web::Data<DbPool>, info: web::Data<AppInfo>) -> HttpResponse {
    let pool = pool.clone();
    let pending = web::block(move || {
        let mut conn = pool.get_timeout(CHECK_TIMEOUT).ok()?;
        crate::db::migrations_pending(&mut conn).ok()
    })
    .await
    .ok()
    .flatten();
    let (mut response, status, migrations) = match pending {
        Some(false) => (HttpResponse::Ok(), "ready", "applied"),
        Some(true) => (HttpResponse::ServiceUnavailable(), "not ready", "pending"),
        None => (HttpResponse::ServiceUnavailable(), "not ready", "unknown"),
    };
    let database = if pending.is_some() {
        "ok"
    } else {
        "unavailable"
    };
    response
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({
            "status": status,
            "database": info.backend,
            "connection": database,
            "migrations": migrations,
        }))
}
