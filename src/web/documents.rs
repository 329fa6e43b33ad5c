//! The applicant's printable documents: the decision and the licence. Somebody else's, or one
//! that does not exist yet, is a 404.

use actix_web::{get, web};

use super::error::WebError;
use super::run;
use super::session::SignedIn;
use crate::db::DbPool;
use crate::services::documents as service;
use crate::views::PageContext;
use crate::views::documents::{DecisionPage, LicencePage};

/// The decision document of a decided application.
#[get("/applications/{id}/decision")]
async fn decision(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
) -> Result<DecisionPage, WebError> {
    let id = id.into_inner();
    let user = session.user.clone();
    let document = run(&pool, move |conn| {
        service::decision_document(conn, &user, id)
    })
    .await?
    .ok_or(WebError::NotFound)?;
    Ok(DecisionPage::new(ctx, id, document))
}

/// The licence a delivered approval issued.
#[get("/applications/{id}/licence")]
async fn licence(
    ctx: PageContext,
    SignedIn(session): SignedIn,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
) -> Result<LicencePage, WebError> {
    let id = id.into_inner();
    let user = session.user.clone();
    let document = run(&pool, move |conn| {
        service::licence_document(conn, &user, id)
    })
    .await?
    .ok_or(WebError::NotFound)?;
    Ok(LicencePage::new(ctx, id, document))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(decision).service(licence);
}
