//! What administrators change: workflow drafts and versions, which workflow each service runs,
//! the calendar's exceptions, and the record of every such change.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    admin_events, calendar_days, departments, items, services, users, workflow_definitions,
    workflow_drafts,
};

// ---- Versions ----

/// One published version: (version, JSON, published at, publisher's name).
pub type VersionRow = (i32, String, NaiveDateTime, Option<String>);

/// Every version of a workflow, newest first.
pub fn versions(conn: &mut DbConnection, key: &str) -> QueryResult<Vec<VersionRow>> {
    workflow_definitions::table
        .left_join(users::table.on(users::id.nullable().eq(workflow_definitions::published_by)))
        .filter(workflow_definitions::key.eq(key))
        .order(workflow_definitions::version.desc())
        .select((
            workflow_definitions::version,
            workflow_definitions::definition,
            workflow_definitions::published_at,
            users::name.nullable(),
        ))
        .load(conn)
}

/// How many services run each workflow: (key, count).
pub fn services_per_workflow(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    services::table
        .group_by(services::workflow_key)
        .select((services::workflow_key, diesel::dsl::count_star()))
        .load(conn)
}

/// The services that run a workflow: (code, name), at most `limit`.
pub fn services_of(
    conn: &mut DbConnection,
    key: &str,
    limit: i64,
) -> QueryResult<Vec<(String, String)>> {
    services::table
        .filter(services::workflow_key.eq(key))
        .order(services::code)
        .limit(limit)
        .select((services::code, services::name))
        .load(conn)
}

// ---- Drafts ----

#[derive(Debug, Clone, Queryable)]
pub struct DraftRow {
    pub id: i64,
    pub key: String,
    pub based_on: Option<i32>,
    pub source: String,
    pub problems: String,
    pub lock_version: i32,
    pub published_version: Option<i32>,
    pub updated_at: NaiveDateTime,
    pub updated_by: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = workflow_drafts)]
pub struct NewDraft<'a> {
    pub key: &'a str,
    pub based_on: Option<i32>,
    pub source: &'a str,
    pub problems: &'a str,
    pub lock_version: i32,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_draft(conn: &mut DbConnection, draft: &NewDraft<'_>) -> QueryResult<i64> {
    diesel::insert_into(workflow_drafts::table)
        .values(draft)
        .execute(conn)?;
    // The creator and the microsecond of creation name the row (no RETURNING on both backends).
    workflow_drafts::table
        .filter(workflow_drafts::created_by.eq(draft.created_by))
        .filter(workflow_drafts::created_at.eq(draft.created_at))
        .order(workflow_drafts::id.desc())
        .select(workflow_drafts::id)
        .first(conn)
}

fn draft_columns() -> (
    workflow_drafts::id,
    workflow_drafts::key,
    workflow_drafts::based_on,
    workflow_drafts::source,
    workflow_drafts::problems,
    workflow_drafts::lock_version,
    workflow_drafts::published_version,
    workflow_drafts::updated_at,
    diesel::dsl::Nullable<users::name>,
) {
    (
        workflow_drafts::id,
        workflow_drafts::key,
        workflow_drafts::based_on,
        workflow_drafts::source,
        workflow_drafts::problems,
        workflow_drafts::lock_version,
        workflow_drafts::published_version,
        workflow_drafts::updated_at,
        users::name.nullable(),
    )
}

pub fn find_draft(conn: &mut DbConnection, id: i64) -> QueryResult<Option<DraftRow>> {
    workflow_drafts::table
        .left_join(users::table.on(users::id.nullable().eq(workflow_drafts::updated_by)))
        .filter(workflow_drafts::id.eq(id))
        .select(draft_columns())
        .first(conn)
        .optional()
}

/// The unpublished drafts of a workflow, newest first.
pub fn open_drafts(conn: &mut DbConnection, key: &str) -> QueryResult<Vec<DraftRow>> {
    workflow_drafts::table
        .left_join(users::table.on(users::id.nullable().eq(workflow_drafts::updated_by)))
        .filter(workflow_drafts::key.eq(key))
        .filter(workflow_drafts::published_version.is_null())
        .order(workflow_drafts::id.desc())
        .select(draft_columns())
        .load(conn)
}

/// Saves a draft if nobody saved it since `lock_version` was read; false otherwise.
pub fn save_draft(
    conn: &mut DbConnection,
    id: i64,
    lock_version: i32,
    source: &str,
    problems: &str,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        workflow_drafts::table
            .filter(workflow_drafts::id.eq(id))
            .filter(workflow_drafts::lock_version.eq(lock_version))
            .filter(workflow_drafts::published_version.is_null()),
    )
    .set((
        workflow_drafts::source.eq(source),
        workflow_drafts::problems.eq(problems),
        workflow_drafts::lock_version.eq(lock_version + 1),
        workflow_drafts::updated_by.eq(Some(user_id)),
        workflow_drafts::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Marks a draft published as `version`, if it is still the one read (`lock_version`).
pub fn mark_published(
    conn: &mut DbConnection,
    id: i64,
    lock_version: i32,
    version: i32,
) -> QueryResult<bool> {
    let changed = diesel::update(
        workflow_drafts::table
            .filter(workflow_drafts::id.eq(id))
            .filter(workflow_drafts::lock_version.eq(lock_version))
            .filter(workflow_drafts::published_version.is_null()),
    )
    .set((
        workflow_drafts::published_version.eq(Some(version)),
        workflow_drafts::lock_version.eq(lock_version + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn newest_version(conn: &mut DbConnection, key: &str) -> QueryResult<Option<i32>> {
    workflow_definitions::table
        .filter(workflow_definitions::key.eq(key))
        .select(diesel::dsl::max(workflow_definitions::version))
        .first(conn)
}

// ---- Assignment ----

/// Which services an assignment is for.
#[derive(Debug, Clone)]
pub enum ServiceScope {
    Service(String),
    ItemType(String),
    Department(String),
}

impl std::fmt::Display for ServiceScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceScope::Service(code) => write!(f, "service {code}"),
            ServiceScope::ItemType(kind) => write!(f, "item type {kind}"),
            ServiceScope::Department(code) => write!(f, "department {code}"),
        }
    }
}

/// The services of a scope: (id, code, current workflow).
pub fn services_in(
    conn: &mut DbConnection,
    scope: &ServiceScope,
) -> QueryResult<Vec<(i64, String, String)>> {
    let query = services::table
        .inner_join(items::table)
        .inner_join(departments::table)
        .select((services::id, services::code, services::workflow_key))
        .order(services::code)
        .into_boxed();
    match scope {
        ServiceScope::Service(code) => query.filter(services::code.eq(code.clone())),
        ServiceScope::ItemType(kind) => query.filter(items::item_type.eq(kind.clone())),
        ServiceScope::Department(code) => query.filter(departments::code.eq(code.clone())),
    }
    .load(conn)
}

/// The workflow each of these services runs: (code, workflow key).
pub fn workflow_keys_of(
    conn: &mut DbConnection,
    codes: &[String],
) -> QueryResult<Vec<(String, String)>> {
    services::table
        .filter(services::code.eq_any(codes))
        .select((services::code, services::workflow_key))
        .load(conn)
}

pub fn assign_workflow(conn: &mut DbConnection, ids: &[i64], key: &str) -> QueryResult<usize> {
    diesel::update(services::table.filter(services::id.eq_any(ids)))
        .set(services::workflow_key.eq(key))
        .execute(conn)
}

// ---- Forms ----

/// A service by its code: (id, name).
pub fn service_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<(i64, String)>> {
    services::table
        .filter(services::code.eq(code))
        .select((services::id, services::name))
        .first(conn)
        .optional()
}

/// A service's newest form: (version, JSON).
pub fn newest_form(conn: &mut DbConnection, service_id: i64) -> QueryResult<Option<(i32, String)>> {
    use super::schema::form_definitions;
    form_definitions::table
        .filter(form_definitions::service_id.eq(service_id))
        .order(form_definitions::version.desc())
        .select((form_definitions::version, form_definitions::definition))
        .first(conn)
        .optional()
}

/// The open draft of a service's form: (id, based on, source, problems, lock version).
pub type FormDraftRow = (i64, i32, String, String, i32);

pub fn open_form_draft(
    conn: &mut DbConnection,
    service_id: i64,
) -> QueryResult<Option<FormDraftRow>> {
    use super::schema::form_drafts;
    form_drafts::table
        .filter(form_drafts::service_id.eq(service_id))
        .filter(form_drafts::published_version.is_null())
        .order(form_drafts::id.desc())
        .select((
            form_drafts::id,
            form_drafts::based_on,
            form_drafts::source,
            form_drafts::problems,
            form_drafts::lock_version,
        ))
        .first(conn)
        .optional()
}

pub fn insert_form_draft(
    conn: &mut DbConnection,
    service_id: i64,
    based_on: i32,
    source: &str,
    problems: &str,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    use super::schema::form_drafts;
    diesel::insert_into(form_drafts::table)
        .values((
            form_drafts::service_id.eq(service_id),
            form_drafts::based_on.eq(based_on),
            form_drafts::source.eq(source),
            form_drafts::problems.eq(problems),
            form_drafts::lock_version.eq(0),
            form_drafts::updated_by.eq(Some(user_id)),
            form_drafts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Saves an open form draft if it is still at `lock_version`; false otherwise.
pub fn save_form_draft(
    conn: &mut DbConnection,
    id: i64,
    lock_version: i32,
    source: &str,
    problems: &str,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    use super::schema::form_drafts;
    let changed = diesel::update(
        form_drafts::table
            .filter(form_drafts::id.eq(id))
            .filter(form_drafts::lock_version.eq(lock_version))
            .filter(form_drafts::published_version.is_null()),
    )
    .set((
        form_drafts::source.eq(source),
        form_drafts::problems.eq(problems),
        form_drafts::lock_version.eq(lock_version + 1),
        form_drafts::updated_by.eq(Some(user_id)),
        form_drafts::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Closes an open form draft at `lock_version`: published as `version`, or discarded (`None`,
/// stored as version 0). False when it changed meanwhile.
pub fn close_form_draft(
    conn: &mut DbConnection,
    id: i64,
    lock_version: i32,
    version: Option<i32>,
) -> QueryResult<bool> {
    use super::schema::form_drafts;
    let changed = diesel::update(
        form_drafts::table
            .filter(form_drafts::id.eq(id))
            .filter(form_drafts::lock_version.eq(lock_version))
            .filter(form_drafts::published_version.is_null()),
    )
    .set((
        form_drafts::published_version.eq(Some(version.unwrap_or(0))),
        form_drafts::lock_version.eq(lock_version + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

// ---- Calendar ----

/// The exceptions of one year: (day, kind, note).
pub fn calendar_year(
    conn: &mut DbConnection,
    year: i32,
) -> QueryResult<Vec<(NaiveDate, String, String)>> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("a year's first day");
    let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("a year's last day");
    calendar_days::table
        .filter(calendar_days::day.between(first, last))
        .order(calendar_days::day)
        .select((calendar_days::day, calendar_days::kind, calendar_days::note))
        .load(conn)
}

pub fn calendar_day(
    conn: &mut DbConnection,
    day: NaiveDate,
) -> QueryResult<Option<(String, String)>> {
    calendar_days::table
        .find(day)
        .select((calendar_days::kind, calendar_days::note))
        .first(conn)
        .optional()
}

pub fn put_calendar_day(
    conn: &mut DbConnection,
    day: NaiveDate,
    kind: &str,
    note: &str,
) -> QueryResult<()> {
    diesel::delete(calendar_days::table.find(day)).execute(conn)?;
    diesel::insert_into(calendar_days::table)
        .values((
            calendar_days::day.eq(day),
            calendar_days::kind.eq(kind),
            calendar_days::note.eq(note),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn remove_calendar_day(conn: &mut DbConnection, day: NaiveDate) -> QueryResult<bool> {
    Ok(diesel::delete(calendar_days::table.find(day)).execute(conn)? == 1)
}

// ---- The record of administrators' changes ----

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = admin_events)]
pub struct NewAdminEvent<'a> {
    pub actor_id: Option<i64>,
    pub kind: &'a str,
    pub subject: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

pub fn record(conn: &mut DbConnection, event: &NewAdminEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(admin_events::table)
        .values(event)
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable)]
pub struct AdminEvent {
    pub id: i64,
    pub actor: Option<String>,
    pub kind: String,
    pub subject: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub created_at: NaiveDateTime,
}

/// The newest changes first, `limit` of them with ids below `before`.
pub fn admin_events(
    conn: &mut DbConnection,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AdminEvent>> {
    let mut query = admin_events::table
        .left_join(users::table)
        .order(admin_events::id.desc())
        .limit(limit)
        .select((
            admin_events::id,
            users::name.nullable(),
            admin_events::kind,
            admin_events::subject,
            admin_events::before,
            admin_events::after,
            admin_events::created_at,
        ))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(admin_events::id.lt(before));
    }
    query.load(conn)
}
