//! Administrators edit the rules in the browser: workflows (drafts, publishing, versions,
//! diffs, diagrams, export and import, assignment to services), the calendar, and the record of
//! every change they made.

use actix_multipart::form::{MultipartForm, bytes::Bytes as MultipartBytes, text::Text};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::Deserialize;

use super::error::{BadParameter, WebError};
use super::forms::{Fields, FormState, page_with_status, see_other};
use super::run;
use super::session::Admin;
use crate::db::DbPool;
use crate::db::admin::ServiceScope;
use crate::domain::identity::Role;
use crate::domain::reason::Reason;
use crate::domain::workflow::{Edit, Notice, State, Transition};
use crate::services::ServiceError;
use crate::services::admin as service;
use crate::views::PageContext;
use crate::views::admin::{
    AdminLogPage, CalendarPage, DiffPage, DraftPage, FormEditorPage, WorkflowPage, WorkflowsPage,
};

fn malformed() -> WebError {
    WebError::BadRequest(BadParameter::Malformed)
}

fn parse_number<T: std::str::FromStr>(value: Option<&str>) -> Result<Option<T>, WebError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| malformed()),
    }
}

/// A number the form must carry, such as the version it was read at.
fn required<T: std::str::FromStr>(form: &FormState, field: &str) -> Result<T, WebError> {
    parse_number(Some(form.value(field)))?.ok_or_else(malformed)
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

#[get("/admin/workflows")]
async fn workflow_list(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
) -> Result<WorkflowsPage, WebError> {
    let (workflows, years_to_settle) = run(&pool, |conn| {
        Ok((service::workflows(conn)?, service::years_to_settle(conn)?))
    })
    .await?;
    Ok(WorkflowsPage {
        ctx,
        workflows,
        problems: Vec::new(),
        source: String::new(),
        years_to_settle,
    })
}

#[derive(Deserialize)]
struct VersionQuery {
    version: Option<String>,
    notice: Option<String>,
}

#[get("/admin/workflows/{key}")]
async fn workflow_version(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
    key: web::Path<String>,
    query: web::Query<VersionQuery>,
) -> Result<WorkflowPage, WebError> {
    let version = parse_number::<i32>(query.version.as_deref())?;
    let key = key.into_inner();
    let (page, departments) = run(&pool, move |conn| {
        Ok((
            service::workflow(conn, &key, version)?,
            crate::services::catalog::departments(conn)?,
        ))
    })
    .await?;
    let notice = query.notice.clone();
    Ok(WorkflowPage {
        ctx,
        page,
        notice,
        assign_problems: Vec::new(),
        departments,
    })
}

#[get("/admin/workflows/{key}/v{version}.toml")]
async fn export_version(
    _admin: Admin,
    pool: web::Data<DbPool>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    let (key, version) = path.into_inner();
    let file_name = format!("{key}-v{version}.toml");
    let text = run(&pool, move |conn| service::export(conn, &key, version)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/toml; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(text))
}

#[derive(Deserialize)]
struct DiffQuery {
    from: Option<String>,
    to: Option<String>,
}

#[get("/admin/workflows/{key}/diff")]
async fn diff_page(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
    key: web::Path<String>,
    query: web::Query<DiffQuery>,
) -> Result<DiffPage, WebError> {
    let from = parse_number::<i32>(query.from.as_deref())?.ok_or_else(malformed)?;
    let to = parse_number::<i32>(query.to.as_deref())?.ok_or_else(malformed)?;
    let key = key.into_inner();
    let key_for_call = key.clone();
    let rows = run(&pool, move |conn| {
        service::diff(conn, &key_for_call, from, to)
    })
    .await?;
    Ok(DiffPage {
        ctx,
        key,
        from,
        to,
        rows,
    })
}

#[post("/admin/workflows/{key}/drafts")]
async fn start_draft(
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    key: web::Path<String>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let form = FormState::new(fields.into_inner());
    let version = required::<i32>(&form, "version")?;
    let (admin_id, key) = (admin.user.id, key.into_inner());
    let id = run(&pool, move |conn| {
        service::start_draft(conn, admin_id, &key, version)
    })
    .await?;
    Ok(see_other(&format!("/admin/workflow-drafts/{id}")))
}

#[get("/admin/workflow-drafts/{id}")]
async fn draft_page(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    query: web::Query<NoticeQuery>,
) -> Result<DraftPage, WebError> {
    let id = id.into_inner();
    let page = run(&pool, move |conn| service::draft(conn, id)).await?;
    let source = page.draft.source.clone();
    let lock_version = page.draft.lock_version;
    Ok(DraftPage {
        ctx,
        page,
        source,
        lock_version,
        notice: query.notice.clone(),
        stale: false,
    })
}

/// The draft's page after a refused save or publish: 409 when somebody else saved first, 422
/// with the problems otherwise; the editor holds `typed` (what was sent) or the stored text.
async fn refused_draft(
    ctx: PageContext,
    pool: &DbPool,
    id: i64,
    error: ServiceError,
    typed: Option<String>,
) -> Result<HttpResponse, WebError> {
    let mut page = run(pool, move |conn| service::draft(conn, id)).await?;
    let stale = matches!(error, ServiceError::StaleVersion);
    if let ServiceError::Rejected(problems) = error {
        page.problems = problems;
    }
    let status = if stale {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let source = typed.unwrap_or_else(|| page.draft.source.clone());
    let lock_version = page.draft.lock_version;
    page_with_status(
        status,
        &DraftPage {
            ctx,
            page,
            source,
            lock_version,
            notice: None,
            stale,
        },
    )
}

/// Back to the draft after a save; its refusal page when the save was refused.
async fn after_draft_save(
    ctx: PageContext,
    pool: &DbPool,
    id: i64,
    saved: Result<Vec<Reason>, WebError>,
    typed: Option<String>,
) -> Result<HttpResponse, WebError> {
    match saved {
        Ok(_) => Ok(see_other(&format!(
            "/admin/workflow-drafts/{id}?notice=saved"
        ))),
        Err(WebError::Service(
            error @ (ServiceError::StaleVersion | ServiceError::Rejected(_)),
        )) => refused_draft(ctx, pool, id, error, typed).await,
        Err(other) => Err(other),
    }
}

/// Saves the draft. A save over somebody else's newer one is refused with 409, the text typed
/// kept in the form so that nothing is lost.
#[post("/admin/workflow-drafts/{id}")]
async fn save_draft(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let form = FormState::new(fields.into_inner());
    let lock_version = required::<i32>(&form, "lock_version")?;
    let source = form.value("source").replace("\r\n", "\n");
    let (id, admin_id, typed) = (id.into_inner(), admin.user.id, source.clone());
    let saved = run(&pool, move |conn| {
        service::save_draft(conn, admin_id, id, lock_version, &typed)
    })
    .await;
    after_draft_save(ctx, &pool, id, saved, Some(source)).await
}

/// A value of one of the definition's enums, by its name in the TOML (`working`, `decision`…).
fn enum_value<T: serde::de::DeserializeOwned>(form: &FormState, field: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(form.value(field).to_owned())).ok()
}

/// The edit one of the draft page's forms asks for.
fn requested_edit(form: &FormState) -> Result<Edit, Vec<Reason>> {
    let text = |field: &str| form.value(field).trim().to_owned();
    let checked = |field: &str| form.value(field) == "on";
    let missing = |(zh, en): (&str, &str)| {
        vec![Reason::new(
            format!("请选择或填写{zh}"),
            format!("Choose or fill in {en}"),
        )]
    };
    match form.value("op") {
        "add_state" => Ok(Edit::AddState(State {
            code: text("code"),
            name_zh: text("name_zh"),
            name_en: text("name_en"),
            kind: enum_value(form, "kind").ok_or_else(|| missing(("类型", "the kind")))?,
            phase: enum_value(form, "phase").ok_or_else(|| missing(("计时阶段", "the clock")))?,
            co_review: Vec::new(),
            co_review_refusal_advisory: false,
            applicant_edits: checked("applicant_edits"),
            time_limit_days: text("time_limit_days").parse().ok(),
        })),
        "rename_state" => Ok(Edit::RenameState {
            code: text("state"),
            new_code: text("new_code"),
            name_zh: text("name_zh"),
            name_en: text("name_en"),
        }),
        "remove_state" => Ok(Edit::RemoveState(text("state"))),
        "remove_transition" => Ok(Edit::RemoveTransition(text("transition"))),
        "add_transition" => {
            let notice = ["subject_zh", "subject_en", "body_zh", "body_en"].map(text);
            let notify_applicant = match notice.iter().filter(|t| !t.is_empty()).count() {
                0 => None,
                4 => {
                    let [subject_zh, subject_en, body_zh, body_en] = notice;
                    Some(Notice {
                        subject_zh,
                        subject_en,
                        body_zh,
                        body_en,
                    })
                }
                _ => {
                    return Err(vec![Reason::new(
                        "给申请人的通知要么中英文标题和正文都填写，要么都不填",
                        "Give the applicant's notice a subject and a text in both languages, or none",
                    )]);
                }
            };
            let roles = form
                .values("roles")
                .iter()
                .filter_map(|r| r.parse::<Role>().ok())
                .collect();
            Ok(Edit::AddTransition(Box::new(Transition {
                name: text("name"),
                label_zh: text("label_zh"),
                label_en: text("label_en"),
                from: form.values("from"),
                to: text("to"),
                performer: enum_value(form, "performer")
                    .ok_or_else(|| missing(("执行者", "who acts")))?,
                roles,
                note_required: checked("note_required"),
                decision_required: checked("decision_required"),
                checklist: false,
                instant_only: false,
                max_times: None,
                sign_off: false,
                effect: enum_value(form, "effect")
                    .ok_or_else(|| missing(("效果", "the effect")))?,
                extension_days: text("extension_days").parse().unwrap_or(0),
                notify_applicant,
                notify_staff: None,
                negative: checked("negative"),
            })))
        }
        _ => Err(missing(("要做的修改", "an action"))),
    }
}

/// One of the draft page's forms: add, rename or remove a state, add or remove a transition.
/// The edit is saved like a typed save, with its problems listed.
#[post("/admin/workflow-drafts/{id}/edit")]
async fn edit_draft(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let form = FormState::new(fields.into_inner());
    let lock_version = required::<i32>(&form, "lock_version")?;
    let id = id.into_inner();
    let edit = match requested_edit(&form) {
        Ok(edit) => edit,
        Err(problems) => {
            return refused_draft(ctx, &pool, id, ServiceError::Rejected(problems), None).await;
        }
    };
    let admin_id = admin.user.id;
    let saved = run(&pool, move |conn| {
        service::edit_draft(conn, admin_id, id, lock_version, edit)
    })
    .await;
    after_draft_save(ctx, &pool, id, saved, None).await
}

#[post("/admin/workflow-drafts/{id}/publish")]
async fn publish(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    labels: web::Data<crate::views::context::SharedLabels>,
    id: web::Path<i64>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let form = FormState::new(fields.into_inner());
    let lock_version = required::<i32>(&form, "lock_version")?;
    let (id, admin_id) = (id.into_inner(), admin.user.id);
    match run(&pool, move |conn| {
        let version = service::publish(conn, admin_id, id, lock_version)?;
        let key = service::draft(conn, id)?.draft.key;
        Ok((key, version))
    })
    .await
    {
        Ok((key, version)) => {
            // This node names the new states at once; the others within their refresh interval.
            let (pool, labels) = (pool.clone(), labels.clone());
            web::block(move || super::refresh_labels(&pool, &labels)).await?;
            Ok(see_other(&format!(
                "/admin/workflows/{key}?version={version}&notice=published"
            )))
        }
        Err(WebError::Service(
            error @ (ServiceError::StaleVersion | ServiceError::Rejected(_)),
        )) => refused_draft(ctx, &pool, id, error, None).await,
        Err(other) => Err(other),
    }
}

/// The largest workflow file an administrator may import (the field's `limit` below).
pub const IMPORT_LIMIT_BYTES: usize = 1024 * 1024;

#[derive(MultipartForm)]
struct ImportForm {
    /// A file, or
    #[multipart(limit = "1MiB")]
    file: Option<MultipartBytes>,
    /// the text pasted.
    source: Option<Text<String>>,
}

/// Imports a TOML or JSON file as a new draft; a file with any problem is refused whole.
#[post("/admin/workflows/import")]
async fn import_workflow(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    form: MultipartForm<ImportForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let pasted = form.source.map(Text::into_inner).unwrap_or_default();
    let text = match form.file.filter(|f| !f.data.is_empty()) {
        Some(file) => String::from_utf8(file.data.to_vec()).unwrap_or_default(),
        None => pasted.clone(),
    };
    let admin_id = admin.user.id;
    let checked = text.clone();
    match run(&pool, move |conn| service::import(conn, admin_id, &checked)).await {
        Ok(id) => Ok(see_other(&format!(
            "/admin/workflow-drafts/{id}?notice=imported"
        ))),
        Err(WebError::Service(ServiceError::Rejected(problems))) => {
            let (workflows, years_to_settle) = run(&pool, |conn| {
                Ok((service::workflows(conn)?, service::years_to_settle(conn)?))
            })
            .await?;
            page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &WorkflowsPage {
                    ctx,
                    workflows,
                    problems,
                    source: pasted,
                    years_to_settle,
                },
            )
        }
        Err(other) => Err(other),
    }
}

#[post("/admin/workflows/{key}/assign")]
async fn assign_workflow(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    key: web::Path<String>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let form = FormState::new(fields.into_inner());
    let value = form.value("value").trim().to_owned();
    let scope = match form.value("scope") {
        "service" => ServiceScope::Service(value),
        "item_type" => ServiceScope::ItemType(value),
        "department" => ServiceScope::Department(value.to_uppercase()),
        _ => return Err(malformed()),
    };
    let (key, admin_id) = (key.into_inner(), admin.user.id);
    let key_for_call = key.clone();
    match run(&pool, move |conn| {
        service::assign(conn, admin_id, &key_for_call, &scope)
    })
    .await
    {
        Ok(count) => Ok(see_other(&format!(
            "/admin/workflows/{key}?notice=assigned-{count}"
        ))),
        Err(WebError::Service(ServiceError::Rejected(problems))) => {
            let (page, departments) = run(&pool, move |conn| {
                Ok((
                    service::workflow(conn, &key, None)?,
                    crate::services::catalog::departments(conn)?,
                ))
            })
            .await?;
            page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &WorkflowPage {
                    ctx,
                    page,
                    notice: None,
                    assign_problems: problems,
                    departments,
                },
            )
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
struct FormQuery {
    service: Option<String>,
    notice: Option<String>,
}

/// The form editor: `?service=CODE` opens a service's form; without a code, the service
/// picker finds the service.
#[get("/admin/forms")]
async fn form_finder(
    _admin: Admin,
    query: web::Query<FormQuery>,
) -> Result<HttpResponse, WebError> {
    let code = query.service.as_deref().map(str::trim).unwrap_or_default();
    if code.is_empty() {
        return Ok(see_other("/admin/services"));
    }
    if !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(WebError::BadRequest(BadParameter::Filter));
    }
    Ok(see_other(&format!("/admin/forms/{code}")))
}

/// The editor's page: the draft's (or the published) text, its problems, and a preview of the
/// form as applicants would see it (the published form while the text has problems).
fn form_page(ctx: PageContext, editor: service::FormEditor) -> FormEditorPage {
    let preview = service::check_form(&editor.source).unwrap_or(editor.published);
    FormEditorPage {
        sections: crate::views::applications::sections(ctx.lang, &preview, &[], &[]),
        service_code: editor.service_code,
        service_name: editor.service_name,
        version: editor.version,
        draft: editor.draft,
        source: editor.source,
        problems: editor.problems,
        notice: None,
        stale: false,
        ctx,
    }
}

#[get("/admin/forms/{code}")]
async fn form_editor(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
    query: web::Query<FormQuery>,
) -> Result<FormEditorPage, WebError> {
    let code = code.into_inner();
    let editor = run(&pool, move |conn| service::form_editor(conn, &code)).await?;
    let version = editor.version;
    let mut page = form_page(ctx, editor);
    page.notice = match query.notice.as_deref() {
        Some("published") => Some(page.ctx.tn("admin_rules.notice.form_published", version)),
        Some("saved") => Some(page.ctx.t("admin_rules.notice.saved").into_owned()),
        Some("discarded") => Some(page.ctx.t("admin_rules.notice.discarded").into_owned()),
        _ => None,
    };
    Ok(page)
}

/// Saves the draft (checked, kept even with problems), publishes the saved draft as the next
/// version, or discards it. When somebody else got there first the answer is 409, with the
/// text typed kept in the editor.
#[post("/admin/forms/{code}")]
async fn form_publish(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let form = FormState::new(fields.into_inner());
    let draft = match (
        parse_number::<i64>(Some(form.value("draft")))?,
        parse_number::<i32>(Some(form.value("lock_version")))?,
    ) {
        (Some(id), Some(lock)) => Some((id, lock)),
        (None, _) => None,
        (Some(_), None) => return Err(malformed()),
    };
    let source = form.value("source").replace("\r\n", "\n");
    let (code, admin_id, action) = (
        code.into_inner(),
        admin.user.id,
        form.value("action").to_owned(),
    );
    let (code_for_call, typed) = (code.clone(), source.clone());
    let outcome = run(&pool, move |conn| match (action.as_str(), draft) {
        ("publish", Some(draft)) => {
            service::publish_form_draft(conn, admin_id, &code_for_call, draft).map(|_| "published")
        }
        ("discard", Some(draft)) => {
            service::discard_form_draft(conn, admin_id, &code_for_call, draft).map(|()| "discarded")
        }
        ("save", _) => {
            service::save_form_draft(conn, admin_id, &code_for_call, draft, &typed).map(|_| "saved")
        }
        _ => Err(ServiceError::Rejected(vec![Reason::new(
            "请先保存草稿",
            "Save the draft first",
        )])),
    })
    .await;
    match outcome {
        Ok(notice) => Ok(see_other(&format!("/admin/forms/{code}?notice={notice}"))),
        Err(WebError::Service(
            error @ (ServiceError::StaleVersion | ServiceError::Rejected(_)),
        )) => {
            let code_for_read = code.clone();
            let editor = run(&pool, move |conn| {
                service::form_editor(conn, &code_for_read)
            })
            .await?;
            let mut page = form_page(ctx, editor);
            let status = match error {
                ServiceError::Rejected(problems) => {
                    page.problems = problems;
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                _ => {
                    page.stale = true;
                    page.source = source;
                    StatusCode::CONFLICT
                }
            };
            page_with_status(status, &page)
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<String>,
}

fn this_year() -> i32 {
    use chrono::Datelike;
    crate::services::workflow::today().year()
}

#[get("/admin/calendar")]
async fn calendar_page(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
    query: web::Query<YearQuery>,
) -> Result<CalendarPage, WebError> {
    let year = parse_number::<i32>(query.year.as_deref())
        .map_err(|_| WebError::BadRequest(BadParameter::Year))?
        .unwrap_or_else(this_year);
    if !service::CALENDAR_YEARS.contains(&year) {
        return Err(WebError::BadRequest(BadParameter::Year));
    }
    let view = run(&pool, move |conn| service::calendar_year(conn, year)).await?;
    Ok(CalendarPage {
        ctx,
        year,
        view,
        form: FormState::default(),
        problems: Vec::new(),
    })
}

#[post("/admin/calendar")]
async fn put_day(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let mut form = FormState::new(fields.into_inner());
    let day = NaiveDate::parse_from_str(form.value("day").trim(), "%Y-%m-%d");
    let (kind, note) = (form.value("kind").to_owned(), form.value("note").to_owned());
    let admin_id = admin.user.id;
    let outcome = match day {
        Ok(day) => run(&pool, move |conn| {
            service::put_calendar_day(conn, admin_id, day, &kind, &note)
        })
        .await
        .map(|()| day),
        Err(_) => {
            form.add("day", ctx.t("admin_rules.error.date"));
            Err(WebError::Service(ServiceError::Rejected(Vec::new())))
        }
    };
    match outcome {
        Ok(day) => {
            use chrono::Datelike;
            Ok(see_other(&format!("/admin/calendar?year={}", day.year())))
        }
        Err(WebError::Service(ServiceError::Rejected(problems))) => {
            let year = day
                .map_or_else(|_| this_year(), |d| chrono::Datelike::year(&d))
                .clamp(
                    *service::CALENDAR_YEARS.start(),
                    *service::CALENDAR_YEARS.end(),
                );
            let view = run(&pool, move |conn| service::calendar_year(conn, year)).await?;
            page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &CalendarPage {
                    ctx,
                    year,
                    view,
                    form,
                    problems,
                },
            )
        }
        Err(other) => Err(other),
    }
}

#[post("/admin/calendar/years/{year}/confirm")]
async fn confirm_year(
    ctx: PageContext,
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    year: web::Path<i32>,
    fields: Fields,
) -> Result<HttpResponse, WebError> {
    let year = year.into_inner();
    let form = FormState::new(fields.into_inner());
    let source = form.value("source").to_owned();
    let admin_id = admin.user.id;
    match run(&pool, move |conn| {
        service::confirm_calendar_year(conn, admin_id, year, &source)
    })
    .await
    {
        Ok(()) => Ok(see_other(&format!("/admin/calendar?year={year}"))),
        Err(WebError::Service(ServiceError::Rejected(problems))) => {
            let view = run(&pool, move |conn| service::calendar_year(conn, year)).await?;
            page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &CalendarPage {
                    ctx,
                    year,
                    view,
                    form,
                    problems,
                },
            )
        }
        Err(other) => Err(other),
    }
}

#[post("/admin/calendar/{day}/remove")]
async fn remove_day(
    Admin(admin): Admin,
    pool: web::Data<DbPool>,
    day: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
        .map_err(|_| WebError::BadRequest(BadParameter::Date))?;
    let admin_id = admin.user.id;
    run(&pool, move |conn| {
        service::remove_calendar_day(conn, admin_id, day)
    })
    .await?;
    use chrono::Datelike;
    Ok(see_other(&format!("/admin/calendar?year={}", day.year())))
}

#[derive(Deserialize)]
struct LogQuery {
    before: Option<String>,
}

#[get("/admin/log")]
async fn log_page(
    ctx: PageContext,
    _admin: Admin,
    pool: web::Data<DbPool>,
    query: web::Query<LogQuery>,
) -> Result<AdminLogPage, WebError> {
    let before = parse_number::<i64>(query.before.as_deref())?;
    let events = run(&pool, move |conn| service::admin_log(conn, before)).await?;
    let next_href = (events.len() as i64 == service::ADMIN_LOG_PAGE)
        .then(|| events.last().map(|e| format!("/admin/log?before={}", e.id)))
        .flatten();
    Ok(AdminLogPage {
        ctx,
        events,
        next_href,
    })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The import route comes before `/admin/workflows/{key}` patterns of the same shape.
    cfg.service(import_workflow)
        .service(workflow_list)
        .service(export_version)
        .service(diff_page)
        .service(workflow_version)
        .service(start_draft)
        .service(assign_workflow)
        .service(draft_page)
        .service(save_draft)
        .service(publish)
        .service(edit_draft)
        .service(form_finder)
        .service(form_editor)
        .service(form_publish)
        .service(calendar_page)
        .service(confirm_year)
        .service(put_day)
        .service(remove_day)
        .service(log_page);
}
