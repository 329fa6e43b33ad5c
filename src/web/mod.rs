//! HTTP: thin handlers (extract → one service call → a page, JSON or a redirect), the routes
//! table, and the middleware every response passes through.

mod accounts;
mod admin;
mod admin_home;
mod admin_rules;
mod api;
pub(crate) mod applications;
mod catalog;
mod documents;
pub mod error;
pub mod forms;
pub mod grid;
pub mod grid_admin;
mod health;
mod hotline;
pub mod i18n;
pub mod input;
pub(crate) mod lang;
pub mod metrics;
mod params;
mod ratings;
pub mod request_id;
pub mod session;
mod workspace;

use actix_web::middleware::{DefaultHeaders, ErrorHandlers, Logger};
use actix_web::{HttpResponse, get, web};

use crate::db::{DbConnection, DbPool};
use crate::services::ServiceError;
use crate::views::context::STYLESHEET;
use error::{BadParameter, WebError};

/// Largest request body accepted anywhere until a route says otherwise.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Facts about the running app that handlers report.
#[derive(Debug, Clone)]
pub struct AppInfo {
    /// `"sqlite"` or `"postgres"`.
    pub backend: &'static str,
    /// Who runs the site, for every page's footer.
    pub site: std::sync::Arc<SiteIdentity>,
    /// Who may read `/metrics`.
    pub metrics: std::sync::Arc<metrics::Access>,
}

/// The site's identity as government websites show it in their footer.
#[derive(Debug, Clone, Default)]
pub struct SiteIdentity {
    /// 主办单位.
    pub owner: String,
    /// 网站标识码.
    pub code: String,
}

/// Reloads the workflow labels the pages fall back on (see
/// [`SharedLabels`](crate::views::context::SharedLabels)). A failure keeps
/// the labels there were: it costs names, never a page.
pub fn refresh_labels(pool: &DbPool, labels: &crate::views::context::SharedLabels) {
    match pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
        crate::services::workflow::workflow_labels(&mut conn).map_err(|e| e.to_string())
    }) {
        Ok(fresh) => labels.replace(fresh),
        Err(error) => tracing::warn!(%error, "workflow labels not refreshed"),
    }
}

/// Runs a service call on a pooled connection on the blocking thread pool, off the async
/// workers.
pub async fn run<T, F>(pool: &DbPool, call: F) -> Result<T, WebError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    // The request's span goes with the call, so that its log lines carry the request's id.
    let span = tracing::Span::current();
    let result = web::block(move || {
        let _entered = span.enter();
        let waiting = std::time::Instant::now();
        let conn = pool.get();
        metrics::pool_wait(waiting.elapsed().as_secs_f64());
        let mut conn = conn?;
        let result = call(&mut conn);
        if result.as_ref().is_err_and(ServiceError::is_connection_lost) {
            conn.discard();
        }
        result
    })
    .await?;
    Ok(result?)
}

/// Runs a service call that manages its own connections (those that hash passwords, so that no
/// connection is held during the deliberately slow argon2 work) on the blocking thread pool.
pub async fn run_pooled<T, F>(pool: &DbPool, call: F) -> Result<T, WebError>
where
    F: FnOnce(&DbPool) -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    Ok(web::block(move || {
        let _entered = span.enter();
        call(&pool)
    })
    .await??)
}

/// The client's address, as throttling and the audit trail record it: the TCP peer, or behind a
/// trusted reverse proxy (`ONESTOP_TRUST_PROXY`) the client it names in `Forwarded` /
/// `X-Forwarded-For`. One rule for every caller, so that no limit counts the proxy instead.
pub fn client_address(req: &actix_web::HttpRequest) -> String {
    let trust_proxy = req
        .app_data::<web::Data<crate::services::accounts::AccountSettings>>()
        .is_some_and(|s| s.trust_proxy);
    if trust_proxy && let Some(address) = req.connection_info().realip_remote_addr() {
        return address.to_owned();
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// Security headers on every response. No script runs on any page, so the policy allows none.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
}

/// Turns error statuses into pages (see [`error::render_error`]).
pub fn error_pages<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(error::render_error)
}

/// Request log lines: path without the query string, which may carry single-use tokens.
pub fn request_log() -> Logger {
    Logger::new("%a %{method}xi %U %s %b %Dms id=%{x-request-id}o")
        .custom_request_replace("method", |req| req.method().to_string())
}

/// A page of one text from the locale files: `footer.{key}` its title, `footer.{key}_text` it.
fn footer_page(ctx: crate::views::PageContext, key: &str) -> crate::views::accounts::MessagePage {
    crate::views::accounts::MessagePage {
        title: ctx.t(&format!("footer.{key}")).into_owned(),
        message: ctx.t(&format!("footer.{key}_text")).into_owned(),
        ctx,
    }
}

/// Help and contact: the hotline, the service hall, how to get help online.
#[get("/help")]
async fn help(ctx: crate::views::PageContext) -> crate::views::accounts::MessagePage {
    footer_page(ctx, "help")
}

/// The privacy statement: what the portal keeps, why, and for how long.
#[get("/privacy")]
async fn privacy(ctx: crate::views::PageContext) -> crate::views::accounts::MessagePage {
    footer_page(ctx, "privacy")
}

/// The site's icon, for the tab and bookmarks (browsers also ask for `/favicon.ico`).
const FAVICON: &str = include_str!("../../static/favicon.svg");

#[get("/static/favicon.svg")]
async fn favicon() -> HttpResponse {
    favicon_response()
}

#[get("/favicon.ico")]
async fn favicon_ico() -> HttpResponse {
    favicon_response()
}

fn favicon_response() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(FAVICON)
}

/// The report form's location helper (optional: the form works without it).
const LOCATE_SCRIPT: &str = include_str!("../../static/locate.js");

#[get("/static/locate.js")]
async fn locate_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(LOCATE_SCRIPT)
}

#[get("/static/app.css")]
async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .body(STYLESHEET)
}

async fn not_found() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}

/// Every route of the app, with the extractor limits.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(web::FormConfig::default().limit(MAX_BODY_BYTES))
        .app_data(web::JsonConfig::default().limit(MAX_BODY_BYTES))
        .app_data(
            web::QueryConfig::default()
                .error_handler(|_, _| WebError::BadRequest(BadParameter::Malformed).into()),
        )
        .app_data(web::PathConfig::default().error_handler(|_, _| WebError::NotFound.into()))
        .service(stylesheet)
        .service(locate_script)
        .service(favicon)
        .service(favicon_ico)
        .service(help)
        .service(privacy)
        .service(health::healthz)
        .service(health::readyz)
        .service(metrics::metrics)
        .service(lang::switch)
        .service(lang::text_size)
        // actix tries routes in this order and matches a route with a parameter by a regular
        // expression (3% of a submission's CPU for the 32 routes tried before it): the busiest
        // areas first. No two areas' paths overlap, so the order changes no answer.
        .configure(catalog::routes)
        .configure(applications::routes)
        .configure(documents::routes)
        .configure(hotline::routes)
        .configure(grid::routes)
        .configure(grid_admin::routes)
        .configure(workspace::routes)
        .configure(accounts::routes)
        .configure(api::routes)
        .configure(ratings::routes)
        .configure(admin_home::routes)
        .configure(admin_rules::routes)
        .configure(admin::routes)
        .default_service(web::to(not_found));
}
