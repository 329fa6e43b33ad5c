//! `GET /metrics` in the Prometheus text format, by the `metrics` facade and its Prometheus
//! exporter: requests by route and status with latency histograms, the database pool's use and
//! wait, the outbox's backlog, the age of the oldest unsent mail and the dead letters, the
//! departments' queues by state and card level, and the supervision pass's duration. Only the
//! addresses and the token in the settings may read it; anyone else gets 404.

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, get, web};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::AppInfo;
use super::error::WebError;
use crate::db::DbPool;

/// Who may read the metrics.
#[derive(Debug, Clone, Default)]
pub struct Access {
    pub allow: Vec<ipnet::IpNet>,
    pub token: Option<String>,
}

impl Access {
    /// Whether a request from `peer` with `authorization` may read the metrics.
    pub fn permits(&self, peer: Option<std::net::IpAddr>, authorization: Option<&str>) -> bool {
        let by_address = peer.is_some_and(|ip| self.allow.iter().any(|net| net.contains(&ip)));
        let by_token = match (
            &self.token,
            authorization.and_then(|a| a.strip_prefix("Bearer ")),
        ) {
            (Some(token), Some(sent)) => crate::services::secrets::same_secret(token, sent),
            _ => false,
        };
        by_address || by_token
    }
}

/// Latency buckets in seconds: a page takes about a millisecond; a bad one a second or more.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0,
];

/// The process's recorder, installed once (several apps in one test process share it).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&BUCKETS)
            .expect("buckets are given")
            .build_recorder();
        let handle = recorder.handle();
        if ::metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was installed already: /metrics stays empty");
        }
        handle
    })
}

/// Installs the recorder; call before serving, so that the first requests are counted.
pub fn install() {
    handle();
}

/// Middleware: counts each request by method, route pattern and status, and times it.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let response = next.call(req).await?;
    // The pattern, not the path: /applications/{id}, so that ids do not make new series.
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16().to_string();
    ::metrics::counter!("onestop_http_requests_total",
        "method" => method.clone(), "route" => route.clone(), "status" => status)
    .increment(1);
    ::metrics::histogram!("onestop_http_request_duration_seconds",
        "method" => method, "route" => route)
    .record(started.elapsed().as_secs_f64());
    Ok(response)
}

/// How long a request waited for a database connection.
pub fn pool_wait(seconds: f64) {
    ::metrics::histogram!("onestop_db_pool_wait_seconds").record(seconds);
}

/// How long a supervision pass took.
pub fn supervision_pass(seconds: f64) {
    ::metrics::histogram!("onestop_supervision_pass_seconds").record(seconds);
}

#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    info: web::Data<AppInfo>,
) -> Result<HttpResponse, WebError> {
    let authorization = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    // The TCP peer, never a forwarded address: a header must not open the door.
    if !info
        .metrics
        .permits(req.peer_addr().map(|a| a.ip()), authorization)
    {
        return Err(WebError::NotFound);
    }
    let state = pool.state();
    ::metrics::gauge!("onestop_db_pool_connections").set(f64::from(state.connections));
    ::metrics::gauge!("onestop_db_pool_idle_connections").set(f64::from(state.idle_connections));
    let snapshot = super::run(&pool, |conn| {
        crate::services::metrics::snapshot(conn, crate::services::stored_now())
    })
    .await?;
    ::metrics::gauge!("onestop_outbox_waiting").set(snapshot.mail_waiting as f64);
    ::metrics::gauge!("onestop_outbox_oldest_waiting_age_seconds")
        .set(snapshot.oldest_mail_age_seconds);
    ::metrics::gauge!("onestop_outbox_dead_letters").set(snapshot.dead_letters as f64);
    for (department, state, count) in snapshot.queue {
        ::metrics::gauge!("onestop_queue_applications",
            "department" => department, "state" => state)
        .set(count as f64);
    }
    for (department, level, count) in snapshot.cards {
        ::metrics::gauge!("onestop_queue_cards", "department" => department, "level" => level)
            .set(count as f64);
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(handle().render()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_in_range_or_the_token_opens_the_metrics_and_nothing_else_does() {
        let access = Access {
            allow: vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
            token: Some("s3cret".into()),
        };
        let ip = |s: &str| Some(s.parse().unwrap());
        assert!(access.permits(ip("10.1.2.3"), None));
        assert!(access.permits(ip("::1"), None));
        assert!(!access.permits(ip("192.168.1.1"), None));
        assert!(access.permits(ip("192.168.1.1"), Some("Bearer s3cret")));
        assert!(!access.permits(ip("192.168.1.1"), Some("Bearer wrong")));
        assert!(!access.permits(ip("192.168.1.1"), Some("s3cret")));
        assert!(!access.permits(None, None));
        let nobody = Access::default();
        assert!(!nobody.permits(ip("127.0.0.1"), Some("Bearer ")));
    }
}
