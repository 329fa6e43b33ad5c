//! Administrators manage accounts: list and search, create staff, assign departments, make
//! heads, deactivate (which ends the user's sessions at once).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use super::error::WebError;
use super::forms::{Fields, FormState, page_with_status, see_other};
use super::run;
use super::session::Admin;
use crate::db::DbPool;
use crate::domain::identity::{Email, NewPassword, Role, parse_name};
use crate::services::accounts::{self as service, ACCOUNTS_PAGE, NewAccount};
use crate::services::{ServiceError, catalog as catalog_service, outbox as outbox_service};
use crate::views::PageContext;
use crate::views::accounts::{NewStaffPage, OutboxPage, UserPage, UsersPage};

#[derive(Deserialize)]
struct UsersQuery {
    q: Option<String>,
    role: Option<String>,
    after: Option<String>,
}

#[get("/admin/users")]
async fn users(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
    query: web::Query<UsersQuery>,
) -> Result<UsersPage, WebError> {
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let role_text = query.role.as_deref().unwrap_or_default().to_owned();
    let role = match role_text.as_str() {
        "" => None,
        other => Some(
            other
                .parse::<Role>()
                .map_err(|_| WebError::BadRequest(super::error::BadParameter::Malformed))?,
        ),
    };
    let after = match query.after.as_deref() {
        None | Some("") => 0,
        Some(v) => v
            .parse::<i64>()
            .map_err(|_| WebError::BadRequest(super::error::BadParameter::Malformed))?,
    };
    let text = (!q.is_empty()).then(|| q.clone());
    let (accounts, under_attack) = run(&pool, move |conn| {
        Ok((
            service::accounts(conn, text.as_deref(), role, after)?,
            service::accounts_under_attack(conn)?,
        ))
    })
    .await?;
    let next_href = (accounts.len() as i64 == ACCOUNTS_PAGE).then(|| {
        let last = accounts.last().map_or(0, |a| a.row.id);
        let query = serde_urlencoded::to_string([
            ("q", q.as_str()),
            ("role", role_text.as_str()),
            ("after", &last.to_string()),
        ])
        .unwrap_or_default();
        format!("/admin/users?{query}")
    });
    let under_attack = under_attack
        .into_iter()
        .map(|a| {
            let mut detail = ctx
                .lang
                .tf("admin.under_attack_count", &[("n", &a.failures)]);
            if let Some(latest) = a.latest {
                let local = latest + chrono::Duration::hours(8);
                detail.push_str(&format!(
                    " ({} {})",
                    ctx.t("admin.under_attack_latest"),
                    local.format("%H:%M")
                ));
            }
            (a.email, detail)
        })
        .collect();
    Ok(UsersPage {
        ctx,
        accounts,
        under_attack,
        q,
        role: role_text,
        next_href,
    })
}

async fn departments(
    pool: &DbPool,
) -> Result<Vec<crate::db::catalog::DepartmentSummary>, WebError> {
    run(pool, catalog_service::departments).await
}

#[get("/admin/users/new")]
async fn new_staff_form(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
) -> Result<NewStaffPage, WebError> {
    Ok(NewStaffPage {
        ctx,
        form: FormState::default(),
        departments: departments(&pool).await?,
    })
}

/// A service refusal about departments, shown beside the departments field.
fn department_message(
    ctx: &PageContext,
    form: &mut FormState,
    error: WebError,
) -> Result<(), WebError> {
    let key = match &error {
        WebError::Service(ServiceError::DepartmentRequired) => "admin.error.department_required",
        WebError::Service(ServiceError::DepartmentNotAllowed) => {
            "admin.error.department_not_allowed"
        }
        WebError::Service(ServiceError::UnknownDepartment(_)) => "admin.error.department_unknown",
        WebError::Service(ServiceError::Conflict(_)) => {
            form.add("email", ctx.t("form.error.email_taken"));
            return Ok(());
        }
        _ => return Err(error),
    };
    form.add("department", ctx.t(key));
    Ok(())
}

fn staff_role(ctx: &PageContext, form: &mut FormState, allow_admin: bool) -> Option<Role> {
    match form.value("role").parse::<Role>() {
        Ok(role) if role.is_staff() || (allow_admin && role == Role::Admin) => Some(role),
        _ => {
            form.add("role", ctx.t("admin.error.role"));
            None
        }
    }
}

#[post("/admin/users/new")]
async fn create_staff(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let actor = admin.user.id;
    let mut form = FormState::new(fields.into_inner());
    let lang = ctx.lang;
    let email = form.parse(lang, "email", Email::parse);
    let name = form.parse(lang, "name", parse_name);
    let role = staff_role(&ctx, &mut form, true);
    let personal = [
        form.value("email").to_owned(),
        form.value("name").to_owned(),
    ];
    let password = form.parse(lang, "password", |value| {
        NewPassword::parse_for(value, &[&personal[0], &personal[1]])
    });
    if let (Some(email), Some(name), Some(role), Some(password)) = (email, name, role, password) {
        let account = NewAccount {
            email,
            name,
            role,
            password,
            departments: form.values("department"),
        };
        match super::run_pooled(&pool, move |pool| {
            service::create_account(pool, Some(actor), &account)
        })
        .await
        {
            Ok(id) => return Ok(see_other(&format!("/admin/users/{id}?notice=created"))),
            Err(error) => department_message(&ctx, &mut form, error)?,
        }
    }
    let departments = departments(&pool).await?;
    page_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &NewStaffPage {
            ctx,
            form,
            departments,
        },
    )
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

fn admin_notice(ctx: &PageContext, key: Option<&str>) -> Option<String> {
    match key? {
        "created" => Some(ctx.t("admin.notice.created").into_owned()),
        "saved" => Some(ctx.t("admin.notice.saved").into_owned()),
        _ => None,
    }
}

async fn user_page(
    ctx: PageContext,
    pool: &DbPool,
    id: i64,
    form: Option<FormState>,
    notice: Option<String>,
) -> Result<UserPage, WebError> {
    let account = run(pool, move |conn| service::account(conn, id)).await?;
    let form = form.unwrap_or_else(|| {
        let mut pairs = vec![("role".to_owned(), account.role.slug().to_owned())];
        pairs.extend(
            account
                .departments
                .iter()
                .map(|d| ("department".to_owned(), d.clone())),
        );
        FormState::new(pairs)
    });
    Ok(UserPage {
        ctx,
        account,
        form,
        departments: departments(pool).await?,
        notice,
    })
}

#[get("/admin/users/{id}")]
async fn user(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    query: web::Query<NoticeQuery>,
) -> Result<UserPage, WebError> {
    let notice = admin_notice(&ctx, query.notice.as_deref());
    user_page(ctx, &pool, id.into_inner(), None, notice).await
}

#[post("/admin/users/{id}/staff")]
async fn update_staff(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let actor = admin.user.id;
    let mut form = FormState::new(fields.into_inner());
    if let Some(role) = staff_role(&ctx, &mut form, false) {
        let departments = form.values("department");
        match run(&pool, move |conn| {
            service::update_staff(conn, actor, id, role, &departments)
        })
        .await
        {
            Ok(()) => return Ok(see_other(&format!("/admin/users/{id}?notice=saved"))),
            Err(WebError::Service(ServiceError::NotStaff)) => return Err(WebError::NotFound),
            Err(error) => department_message(&ctx, &mut form, error)?,
        }
    }
    let page = user_page(ctx, &pool, id, Some(form), None).await?;
    page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[post("/admin/users/{id}/active")]
async fn set_active(
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    let form = FormState::new(fields.into_inner());
    let active = form.value("active") == "true";
    let actor = admin.user.id;
    run(&pool, move |conn| {
        service::set_account_active(conn, actor, id, active)
    })
    .await?;
    Ok(see_other(&format!("/admin/users/{id}?notice=saved")))
}

#[derive(Deserialize)]
struct OutboxQuery {
    status: Option<String>,
    q: Option<String>,
    before: Option<String>,
    notice: Option<String>,
}

/// The outbox: counts per status, a search by recipient or tracking number, and the dead
/// letters with their errors and a "send again" button. Bodies are not shown: an account mail
/// holds a one-time link until it is sent.
#[get("/admin/outbox")]
async fn outbox(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
    query: web::Query<OutboxQuery>,
) -> Result<OutboxPage, WebError> {
    let status = query
        .status
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if !status.is_empty() && !outbox_service::STATUSES.contains(&status.as_str()) {
        return Err(WebError::BadRequest(super::error::BadParameter::Filter));
    }
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let before = match query.before.as_deref() {
        None | Some("") => None,
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| WebError::BadRequest(super::error::BadParameter::Malformed))?,
        ),
    };
    let (status_for_call, q_for_call) = (status.clone(), q.clone());
    let overview = run(&pool, move |conn| {
        outbox_service::overview(
            conn,
            Some(status_for_call.as_str()).filter(|s| !s.is_empty()),
            Some(q_for_call.as_str()),
            before,
        )
    })
    .await?;
    let next_href = (overview.entries.len() as i64 == outbox_service::OUTBOX_PAGE)
        .then(|| overview.entries.last().map(|e| e.id))
        .flatten()
        .map(|last| {
            let query = serde_urlencoded::to_string([
                ("status", status.as_str()),
                ("q", q.as_str()),
                ("before", &last.to_string()),
            ])
            .unwrap_or_default();
            format!("/admin/outbox?{query}")
        });
    let notice =
        (query.notice.as_deref() == Some("queued")).then(|| ctx.t("outbox.queued").into_owned());
    Ok(OutboxPage {
        ctx,
        counts: overview.counts,
        entries: overview.entries,
        status,
        q,
        next_href,
        notice,
    })
}

#[post("/admin/outbox/{id}/send-again")]
async fn send_again(
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let (admin_id, id) = (admin.user.id, id.into_inner());
    run(&pool, move |conn| {
        outbox_service::send_again(conn, admin_id, id)
    })
    .await?;
    Ok(see_other("/admin/outbox?status=pending&notice=queued"))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(users)
        .service(outbox)
        .service(send_again)
        .service(new_staff_form)
        .service(create_staff)
        .service(user)
        .service(update_staff)
        .service(set_active);
}
