//! The administrators' grid pages: the taxonomy of events (types, their departments, on-the-spot
//! handling and time limits), the grid workers' devices (a token issued once, revoked) and the
//! import of real grid outlines.

use actix_multipart::form::{MultipartForm, bytes::Bytes as MultipartBytes};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};

use super::error::WebError;
use super::forms::{Fields, FormState, page_with_status, see_other};
use super::grid::ListQuery;
use super::run;
use super::session::Admin;
use crate::db::DbPool;
use crate::domain::grid_event::{TypeError, TypeInput};
use crate::services::ServiceError;
use crate::services::accounts::User;
use crate::services::grid as grid_service;
use crate::views::PageContext;
use crate::views::grid::{DevicesPage, EventTypePage, EventTypesPage, TerritoryPage};

// ---- The taxonomy ----

/// Every event type by category, each with its edit link.
#[get("/admin/grid/types")]
async fn event_types(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
) -> Result<EventTypesPage, WebError> {
    let user = admin.user;
    let (types, categories, departments) =
        run(&pool, move |conn| grid_service::taxonomy(conn, &user)).await?;
    Ok(EventTypesPage {
        ctx,
        types,
        categories,
        departments,
    })
}

/// The form of a type: `code` None for a new one.
async fn type_form(
    ctx: PageContext,
    pool: &DbPool,
    admin: User,
    code: Option<String>,
    form: Option<FormState>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let wanted = code.clone();
    let (types, categories, departments) =
        run(pool, move |conn| grid_service::taxonomy(conn, &admin)).await?;
    let form = match (form, &wanted) {
        (Some(form), _) => form,
        (None, Some(code)) => {
            let t = types
                .iter()
                .find(|t| &t.code == code)
                .ok_or(WebError::NotFound)?;
            let mut pairs = vec![
                ("code".to_owned(), t.code.clone()),
                ("category".to_owned(), t.category_code.clone()),
                ("name_zh".to_owned(), t.name_zh.clone()),
                ("name_en".to_owned(), t.name_en.clone()),
                ("department".to_owned(), t.department_code.clone()),
                ("limit_days".to_owned(), t.limit_days.to_string()),
            ];
            if t.on_the_spot {
                pairs.push(("on_the_spot".to_owned(), "yes".to_owned()));
            }
            FormState::new(pairs)
        }
        (None, None) => FormState::default(),
    };
    page_with_status(
        status,
        &EventTypePage {
            ctx,
            code,
            categories,
            departments,
            form,
        },
    )
}

#[get("/admin/grid/types/new")]
async fn new_type(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, WebError> {
    type_form(ctx, &pool, admin.user, None, None, StatusCode::OK).await
}

#[get("/admin/grid/types/{code}")]
async fn edit_type(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let code = code.into_inner();
    type_form(ctx, &pool, admin.user, Some(code), None, StatusCode::OK).await
}

/// Saves a new type (`code` None) or a type's changes: back to the list at the type's row, or
/// the form again with its field errors and what was typed.
async fn save_type(
    ctx: PageContext,
    pool: &DbPool,
    admin: User,
    code: Option<String>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let mut form = FormState::new(fields.into_inner());
    let input = TypeInput {
        code: form.value("code").to_owned(),
        category: form.value("category").to_owned(),
        name_zh: form.value("name_zh").to_owned(),
        name_en: form.value("name_en").to_owned(),
        department: form.value("department").to_owned(),
        on_the_spot: form.value("on_the_spot") == "yes",
        limit_days: form.value("limit_days").to_owned(),
    };
    let (user, existing) = (admin.clone(), code.clone());
    let saved = run(pool, move |conn| {
        grid_service::save_event_type(conn, &user, existing.as_deref(), &input)
    })
    .await?;
    match saved {
        Ok(code) => Ok(see_other(&format!("/admin/grid/types#type-{code}"))),
        Err(errors) => {
            add_errors(&ctx, &mut form, &errors);
            type_form(
                ctx,
                pool,
                admin,
                code,
                Some(form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

fn add_errors(ctx: &PageContext, form: &mut FormState, errors: &[TypeError]) {
    for (field, key) in errors {
        form.add(field, ctx.t(key));
    }
}

#[post("/admin/grid/types")]
async fn add_type(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    save_type(ctx, &pool, admin.user, None, fields).await
}

#[post("/admin/grid/types/{code}")]
async fn change_type(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    save_type(ctx, &pool, admin.user, Some(code.into_inner()), fields).await
}

// ---- The administrators' devices ----

async fn devices_page(
    ctx: PageContext,
    pool: &DbPool,
    admin: User,
    before: Option<i64>,
    form: FormState,
    problems: Vec<crate::domain::reason::Reason>,
    token: Option<String>,
) -> Result<DevicesPage, WebError> {
    let devices = run(pool, move |conn| {
        grid_service::devices(conn, &admin, before)
    })
    .await?;
    let more = (devices.len() as i64 == grid_service::DEVICE_PAGE)
        .then(|| devices.last().map(|d| d.id))
        .flatten();
    Ok(DevicesPage {
        ctx,
        devices,
        more,
        form,
        problems,
        token,
    })
}

/// The grid workers' devices: issue a token (shown once), revoke one.
#[get("/admin/grid/devices")]
async fn device_list(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    query: web::Query<ListQuery>,
) -> Result<DevicesPage, WebError> {
    let before = super::params::cursor(&query.before)?;
    devices_page(
        ctx,
        &pool,
        admin.user,
        before,
        FormState::default(),
        Vec::new(),
        None,
    )
    .await
}

#[post("/admin/grid/devices")]
async fn issue_device(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let form = FormState::new(fields.into_inner());
    let (email, label) = (
        form.value("worker").to_owned(),
        form.value("label").to_owned(),
    );
    let user = admin.user.clone();
    let issued = run(&pool, move |conn| {
        grid_service::issue_device_by_email(conn, &user, &email, &label)
    })
    .await;
    match issued {
        // The token is shown once, on this answer: it is not kept.
        Ok(token) => {
            let page = devices_page(
                ctx,
                &pool,
                admin.user,
                None,
                FormState::default(),
                Vec::new(),
                Some(token),
            )
            .await?;
            let mut response = page_with_status(StatusCode::CREATED, &page)?;
            response.headers_mut().insert(
                actix_web::http::header::CACHE_CONTROL,
                actix_web::http::header::HeaderValue::from_static("no-store"),
            );
            Ok(response)
        }
        Err(WebError::Service(ServiceError::Rejected(problems))) => {
            let page = devices_page(ctx, &pool, admin.user, None, form, problems, None).await?;
            page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}

#[post("/admin/grid/devices/{id}/revoke")]
async fn revoke_device(
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
) -> Result<HttpResponse, WebError> {
    let (user, id) = (admin.user, id.into_inner());
    run(&pool, move |conn| {
        grid_service::revoke_device(conn, &user, id)
    })
    .await?;
    Ok(see_other("/admin/grid/devices"))
}

// ---- The administrators' grid outlines ----

#[derive(Debug, MultipartForm)]
struct OutlinesUpload {
    // The real limit is the uploads' setting (the multipart configuration); this bounds memory.
    #[multipart(limit = "64MiB")]
    file: Option<MultipartBytes>,
}

#[get("/admin/grid/territory")]
async fn territory(ctx: PageContext, _admin: Admin) -> TerritoryPage {
    TerritoryPage {
        ctx,
        imported: None,
        error: None,
    }
}

/// Replaces grid outlines from a GeoJSON FeatureCollection (each feature's `code` names its
/// grid); every node's point index follows.
#[post("/admin/grid/territory")]
async fn import_territory(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    upload: MultipartForm<OutlinesUpload>,
) -> Result<HttpResponse, WebError> {
    let text = upload
        .into_inner()
        .file
        .map(|f| String::from_utf8(f.data.to_vec()));
    let refused = |ctx: PageContext, error: String| {
        page_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &TerritoryPage {
                ctx,
                imported: None,
                error: Some(error),
            },
        )
    };
    let text = match text {
        Some(Ok(text)) if !text.trim().is_empty() => text,
        Some(Ok(_)) | None => return refused(ctx, "no file".into()),
        Some(Err(_)) => return refused(ctx, "not UTF-8 text".into()),
    };
    let user = admin.user;
    match run(&pool, move |conn| {
        grid_service::import_outlines(conn, &user, &text)
    })
    .await?
    {
        Ok(imported) => page_with_status(
            StatusCode::OK,
            &TerritoryPage {
                ctx,
                imported: Some(imported),
                error: None,
            },
        ),
        Err(error) => refused(ctx, error),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    // "new" before "{code}": the first route that matches answers.
    cfg.service(event_types)
        .service(new_type)
        .service(edit_type)
        .service(add_type)
        .service(change_type)
        .service(device_list)
        .service(issue_device)
        .service(revoke_device)
        .service(territory)
        .service(import_territory);
}
