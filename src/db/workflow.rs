//! Workflow definitions, the calendar, the workflow columns of applications, sign-offs, notes,
//! the staff queue, the dashboard figures, the audit trail and supervision cards.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    application_events, application_notes, application_sign_offs, applications, calendar_days,
    calendar_years, departments, services, supervision_cards, users, workflow_definitions,
};
use super::{DbConnection, on_backend};
use crate::domain::sha256_hex;
use crate::domain::workflow::Opinion;

/// The date stored as "no deadline", so that deadline columns sort and compare without NULLs.
pub const NO_DEADLINE: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("valid date");

// ---- Definitions ----

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = workflow_definitions)]
pub struct NewDefinition<'a> {
    pub key: &'a str,
    pub version: i32,
    pub definition: &'a str,
    pub published_at: NaiveDateTime,
    pub published_by: Option<i64>,
}

/// Inserts a published version with the digest of its text (its hex SHA-256, the key its parsed
/// copy is cached by).
pub fn insert_definition(conn: &mut DbConnection, row: &NewDefinition<'_>) -> QueryResult<()> {
    diesel::insert_into(workflow_definitions::table)
        .values((
            row,
            workflow_definitions::digest.eq(sha256_hex(row.definition.as_bytes())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Fills in the digest of versions written before there was one; returns how many.
pub fn fill_missing_digests(conn: &mut DbConnection) -> QueryResult<usize> {
    let missing: Vec<(i64, String)> = workflow_definitions::table
        .filter(workflow_definitions::digest.eq(""))
        .select((workflow_definitions::id, workflow_definitions::definition))
        .load(conn)?;
    for (id, json) in &missing {
        diesel::update(workflow_definitions::table.find(id))
            .set(workflow_definitions::digest.eq(sha256_hex(json.as_bytes())))
            .execute(conn)?;
    }
    Ok(missing.len())
}

/// The newest version of a workflow: (id, version, digest).
pub fn latest_definition(
    conn: &mut DbConnection,
    key: &str,
) -> QueryResult<Option<(i64, i32, String)>> {
    workflow_definitions::table
        .filter(workflow_definitions::key.eq(key))
        .order(workflow_definitions::version.desc())
        .select((
            workflow_definitions::id,
            workflow_definitions::version,
            workflow_definitions::digest,
        ))
        .first(conn)
        .optional()
}

/// A published version: (version, digest).
pub fn definition_version(conn: &mut DbConnection, id: i64) -> QueryResult<(i32, String)> {
    workflow_definitions::table
        .find(id)
        .select((workflow_definitions::version, workflow_definitions::digest))
        .first(conn)
}

/// A published version's text.
pub fn definition_text(conn: &mut DbConnection, id: i64) -> QueryResult<String> {
    workflow_definitions::table
        .find(id)
        .select(workflow_definitions::definition)
        .first(conn)
}

/// Every published version: (id, key, version, JSON).
pub fn all_definitions(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String, i32, String)>> {
    workflow_definitions::table
        .order((workflow_definitions::key, workflow_definitions::version))
        .select((
            workflow_definitions::id,
            workflow_definitions::key,
            workflow_definitions::version,
            workflow_definitions::definition,
        ))
        .load(conn)
}

/// Every published version: (id, digest).
pub fn all_definition_digests(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    workflow_definitions::table
        .order((workflow_definitions::key, workflow_definitions::version))
        .select((workflow_definitions::id, workflow_definitions::digest))
        .load(conn)
}

pub fn set_service_workflow(
    conn: &mut DbConnection,
    item_code: &str,
    key: &str,
) -> QueryResult<usize> {
    use super::schema::items;
    let ids: Vec<i64> = services::table
        .inner_join(items::table)
        .filter(items::code.eq(item_code))
        .select(services::id)
        .load(conn)?;
    diesel::update(services::table.filter(services::id.eq_any(ids)))
        .set(services::workflow_key.eq(key))
        .execute(conn)
}

// ---- Calendar ----

/// The official calendar's exceptions (holidays and make-up working days), without notes.
pub fn calendar(conn: &mut DbConnection) -> QueryResult<Vec<(NaiveDate, String)>> {
    calendar_days::table
        .order(calendar_days::day)
        .select((calendar_days::day, calendar_days::kind))
        .load(conn)
}

/// The calendar's years: (year, status, source, confirmed by whom, when).
pub type CalendarYear = (i32, String, String, Option<String>, Option<NaiveDateTime>);

pub fn calendar_years(conn: &mut DbConnection) -> QueryResult<Vec<CalendarYear>> {
    calendar_years::table
        .left_join(users::table.on(users::id.nullable().eq(calendar_years::confirmed_by)))
        .order(calendar_years::year)
        .select((
            calendar_years::year,
            calendar_years::status,
            calendar_years::source,
            users::name.nullable(),
            calendar_years::confirmed_at,
        ))
        .load(conn)
}

/// Records a year of the calendar with its status (replacing what was recorded).
pub fn put_calendar_year(
    conn: &mut DbConnection,
    year: i32,
    status: &str,
    source: &str,
    confirmed: Option<(i64, NaiveDateTime)>,
) -> QueryResult<()> {
    diesel::delete(calendar_years::table.find(year)).execute(conn)?;
    diesel::insert_into(calendar_years::table)
        .values((
            calendar_years::year.eq(year),
            calendar_years::status.eq(status),
            calendar_years::source.eq(source),
            calendar_years::confirmed_by.eq(confirmed.map(|c| c.0)),
            calendar_years::confirmed_at.eq(confirmed.map(|c| c.1)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The days an administrator added, changed or removed (from the record of their changes).
pub fn edited_calendar_days(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    use super::schema::admin_events;
    admin_events::table
        .filter(admin_events::kind.eq_any(["calendar.put", "calendar.remove"]))
        .select(admin_events::subject)
        .distinct()
        .load(conn)
}

/// The calendar's exceptions with their notes, by day.
pub fn calendar_with_notes(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(NaiveDate, String, String)>> {
    calendar_days::table
        .order(calendar_days::day)
        .select((calendar_days::day, calendar_days::kind, calendar_days::note))
        .load(conn)
}

pub fn insert_calendar_days(
    conn: &mut DbConnection,
    days: &[(NaiveDate, &str, &str)],
) -> QueryResult<usize> {
    let rows: Vec<_> = days
        .iter()
        .map(|(day, kind, note)| {
            (
                calendar_days::day.eq(*day),
                calendar_days::kind.eq(*kind),
                calendar_days::note.eq(*note),
            )
        })
        .collect();
    let mut inserted = 0;
    for chunk in rows.chunks(200) {
        inserted += on_backend!(&mut *conn, |c| diesel::insert_into(calendar_days::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(inserted)
}

// ---- The workflow side of an application ----

/// An application as the engine and the staff pages see it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct CaseRow {
    pub id: i64,
    pub tracking_number: Option<String>,
    pub service_id: i64,
    pub form_definition_id: i64,
    pub applicant_id: i64,
    pub status: String,
    pub data: Option<String>,
    pub version: i32,
    pub submitted_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub workflow_definition_id: Option<i64>,
    pub department_id: Option<i64>,
    pub promised_days: i32,
    pub legal_days: i32,
    pub assignee_id: Option<i64>,
    pub received_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub deemed_accepted: bool,
    pub paused_days: i32,
    pub paused_since: Option<NaiveDate>,
    pub extension_days: i32,
    pub decided_on: Option<NaiveDate>,
    pub on_time: Option<bool>,
    pub decision: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub warn_on: Option<NaiveDate>,
    pub hard_due_on: Option<NaiveDate>,
    pub state_entered_on: Option<NaiveDate>,
}

pub fn find_case(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CaseRow>> {
    applications::table
        .find(id)
        .filter(applications::tracking_number.is_not_null())
        .select(CaseRow::as_select())
        .first(conn)
        .optional()
}

/// What a transition changes on the application row.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = applications, treat_none_as_null = true)]
pub struct CaseChange {
    pub status: String,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub received_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub deemed_accepted: bool,
    pub paused_days: i32,
    pub paused_since: Option<NaiveDate>,
    pub extension_days: i32,
    pub decided_on: Option<NaiveDate>,
    pub on_time: Option<bool>,
    pub decision: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub warn_on: Option<NaiveDate>,
    pub hard_due_on: Option<NaiveDate>,
    pub state_entered_on: Option<NaiveDate>,
}

/// Applies `change` if the application is still in `status` at `version`; returns whether it did.
pub fn update_case(
    conn: &mut DbConnection,
    id: i64,
    status: &str,
    version: i32,
    change: &CaseChange,
) -> QueryResult<bool> {
    let updated = super::Prepared(
        diesel::update(
            applications::table.filter(
                applications::id
                    .eq(id)
                    .and(applications::status.eq(status))
                    .and(applications::version.eq(version)),
            ),
        )
        .set(change),
    )
    .execute(conn)?;
    Ok(updated == 1)
}

/// The workflow columns set at submission.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = applications)]
pub struct Pinning {
    pub workflow_definition_id: i64,
    pub department_id: i64,
    pub promised_days: i32,
    pub legal_days: i32,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    pub warn_on: NaiveDate,
    pub hard_due_on: NaiveDate,
    pub state_entered_on: NaiveDate,
}

/// Assigns (or, with `None`, releases) an application if it is still at `version`.
pub fn assign(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    assignee: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        applications::table.filter(
            applications::id
                .eq(id)
                .and(applications::version.eq(version)),
        ),
    )
    .set((
        applications::assignee_id.eq(assignee),
        applications::version.eq(version + 1),
        applications::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// How many times each transition was fired on an application: (name, count).
pub fn transition_counts(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<(String, i64)>> {
    application_events::table
        .filter(application_events::application_id.eq(id))
        .group_by(application_events::kind)
        .select((application_events::kind, diesel::dsl::count_star()))
        .load(conn)
}

// ---- Sign-offs ----

/// The co-reviewing departments' opinions on an application in `state`, in the order given.
pub fn opinions(conn: &mut DbConnection, id: i64, state: &str) -> QueryResult<Vec<Opinion>> {
    let rows: Vec<(String, bool)> = application_sign_offs::table
        .inner_join(departments::table)
        .filter(
            application_sign_offs::application_id
                .eq(id)
                .and(application_sign_offs::state.eq(state)),
        )
        .order(application_sign_offs::created_at)
        .select((departments::code, application_sign_offs::agrees))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(department, agrees)| Opinion { department, agrees })
        .collect())
}

/// Whether the application ever entered one of `states` (by its events).
pub fn has_entered(conn: &mut DbConnection, id: i64, states: &[&str]) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        application_events::table.filter(
            application_events::application_id
                .eq(id)
                .and(application_events::to_status.eq_any(states)),
        ),
    ))
    .get_result(conn)
}

/// (code, name) of the departments with these codes, in the order given.
pub fn department_names(
    conn: &mut DbConnection,
    codes: &[String],
) -> QueryResult<Vec<(String, String)>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<(String, String)> = departments::table
        .filter(departments::code.eq_any(codes))
        .select((departments::code, departments::name))
        .load(conn)?;
    Ok(codes
        .iter()
        .map(|c| {
            let name = found
                .iter()
                .find(|(code, _)| code == c)
                .map_or(c.clone(), |(_, n)| n.clone());
            (c.clone(), name)
        })
        .collect())
}

/// Forgets the opinions given in `state` (a new round of the joint review begins).
pub fn clear_opinions(conn: &mut DbConnection, id: i64, state: &str) -> QueryResult<usize> {
    diesel::delete(
        application_sign_offs::table.filter(
            application_sign_offs::application_id
                .eq(id)
                .and(application_sign_offs::state.eq(state)),
        ),
    )
    .execute(conn)
}

/// An opinion as the case page and the applicant's page show it.
#[derive(Debug, Clone, Queryable)]
pub struct OpinionRow {
    pub department_code: String,
    pub department_name: String,
    pub agrees: bool,
    pub opinion: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Every opinion given on an application, in any state, in the order given.
pub fn opinion_rows(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<OpinionRow>> {
    application_sign_offs::table
        .inner_join(departments::table)
        .filter(application_sign_offs::application_id.eq(id))
        .order(application_sign_offs::created_at)
        .select((
            departments::code,
            departments::name,
            application_sign_offs::agrees,
            application_sign_offs::opinion,
            application_sign_offs::created_at,
        ))
        .load(conn)
}

/// A co-reviewing department's opinion, as recorded.
pub struct NewOpinion<'a> {
    pub application_id: i64,
    pub state: &'a str,
    pub department_id: i64,
    pub actor_id: i64,
    pub agrees: bool,
    pub opinion: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert_opinion(conn: &mut DbConnection, new: &NewOpinion<'_>) -> QueryResult<()> {
    diesel::insert_into(application_sign_offs::table)
        .values((
            application_sign_offs::application_id.eq(new.application_id),
            application_sign_offs::state.eq(new.state),
            application_sign_offs::department_id.eq(new.department_id),
            application_sign_offs::actor_id.eq(new.actor_id),
            application_sign_offs::created_at.eq(new.created_at),
            application_sign_offs::agrees.eq(new.agrees),
            application_sign_offs::opinion.eq(new.opinion),
        ))
        .execute(conn)?;
    Ok(())
}

// ---- Events ----

/// `None` is written as NULL, the columns' only default: an insert with `DEFAULT` in it is
/// never a cached prepared statement in diesel, and this one runs on every submission.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = application_events, treat_none_as_default_value = false)]
pub struct NewAuditEvent<'a> {
    pub application_id: i64,
    pub actor_id: Option<i64>,
    pub kind: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub note: Option<&'a str>,
    pub client_address: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub department_id: Option<i64>,
    pub details: Option<&'a str>,
}

pub fn insert_audit_event(conn: &mut DbConnection, event: &NewAuditEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(application_events::table)
        .values(event)
        .execute(conn)?;
    Ok(())
}

/// An event as staff see it, with the actor's name and role.
#[derive(Debug, Clone, Queryable)]
pub struct StaffEvent {
    pub id: i64,
    pub application_id: i64,
    pub tracking_number: Option<String>,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: Option<String>,
    pub details: Option<String>,
    pub client_address: Option<String>,
    pub created_at: NaiveDateTime,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
}

/// Filters of the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub department_id: i64,
    pub tracking_number: Option<String>,
    /// Matches the actor's email or name, as a LIKE pattern.
    pub actor_pattern: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

/// The audit log of a department, newest first, `limit` events with ids below `before`.
pub fn audit_log(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<StaffEvent>> {
    let mut query = application_events::table
        .inner_join(applications::table)
        .left_join(users::table.on(users::id.nullable().eq(application_events::actor_id)))
        .filter(application_events::department_id.eq(filter.department_id))
        .into_boxed();
    if let Some(number) = &filter.tracking_number {
        query = query.filter(applications::tracking_number.eq(number.clone()));
    }
    if let Some(pattern) = &filter.actor_pattern {
        query = query.filter(
            users::email
                .like(pattern.clone())
                .escape('\\')
                .or(users::name.like(pattern.clone()).escape('\\')),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(application_events::created_at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(application_events::created_at.lt(until));
    }
    if let Some(before) = before {
        query = query.filter(application_events::id.lt(before));
    }
    query
        .order(application_events::id.desc())
        .limit(limit)
        .select(staff_event_columns())
        .load(conn)
}

#[allow(clippy::type_complexity)]
fn staff_event_columns() -> (
    application_events::id,
    application_events::application_id,
    applications::tracking_number,
    application_events::kind,
    application_events::from_status,
    application_events::to_status,
    application_events::note,
    application_events::details,
    application_events::client_address,
    application_events::created_at,
    diesel::dsl::Nullable<users::name>,
    diesel::dsl::Nullable<users::email>,
) {
    (
        application_events::id,
        application_events::application_id,
        applications::tracking_number,
        application_events::kind,
        application_events::from_status,
        application_events::to_status,
        application_events::note,
        application_events::details,
        application_events::client_address,
        application_events::created_at,
        users::name.nullable(),
        users::email.nullable(),
    )
}

/// Every event of one application, oldest first, with the actors.
pub fn case_events(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<StaffEvent>> {
    application_events::table
        .inner_join(applications::table)
        .left_join(users::table.on(users::id.nullable().eq(application_events::actor_id)))
        .filter(application_events::application_id.eq(id))
        .order(application_events::id.asc())
        .select(staff_event_columns())
        .load(conn)
}

/// (note, details, time) of an event.
pub type EventNote = (Option<String>, Option<String>, NaiveDateTime);

/// The details of the newest event of `kind` on an application (the open 补正 notice).
pub fn latest_event_of(
    conn: &mut DbConnection,
    id: i64,
    kind: &str,
) -> QueryResult<Option<EventNote>> {
    application_events::table
        .filter(
            application_events::application_id
                .eq(id)
                .and(application_events::kind.eq(kind)),
        )
        .order(application_events::id.desc())
        .select((
            application_events::note,
            application_events::details,
            application_events::created_at,
        ))
        .first(conn)
        .optional()
}

// ---- Notes ----

pub fn insert_note(
    conn: &mut DbConnection,
    id: i64,
    author_id: i64,
    body: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(application_notes::table)
        .values((
            application_notes::application_id.eq(id),
            application_notes::author_id.eq(author_id),
            application_notes::body.eq(body),
            application_notes::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// (author name, body, time), oldest first.
pub fn notes(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<Vec<(String, String, NaiveDateTime)>> {
    application_notes::table
        .inner_join(users::table)
        .filter(application_notes::application_id.eq(id))
        .order(application_notes::id.asc())
        .select((
            users::name,
            application_notes::body,
            application_notes::created_at,
        ))
        .load(conn)
}

// ---- The queue ----

/// Which applications a queue shows.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    pub department_id: i64,
    pub states: Vec<String>,
    pub service_id: Option<i64>,
    /// Only those whose supervision level on `today` is this one.
    pub level: Option<crate::domain::clock::Level>,
    pub today: NaiveDate,
    /// `Some(Some(id))`: assigned to id; `Some(None)`: unassigned.
    pub assignee: Option<Option<i64>>,
    pub search: Option<QueueSearch>,
    pub newest_first: bool,
}

/// What a clerk typed into the queue's search box, read as what it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSearch {
    /// Upper-cased: tracking numbers, ID numbers and credit codes are stored so.
    upper: String,
    /// A LIKE pattern for part of the applicant's name.
    name_pattern: String,
    /// Four or more digits (an ID's last may be X): the end of an ID number or credit code.
    id_tail: Option<String>,
}

impl QueueSearch {
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        // A tracking number as a person reads it out: spaces, dashes and a lower-case x.
        let upper = crate::domain::tracking::TrackingNumber::parse(text)
            .map_or_else(|_| text.to_uppercase(), |n| n.as_str().to_owned());
        let id_tail = (upper.len() >= 4
            && upper.bytes().all(|b| b.is_ascii_alphanumeric())
            && upper.bytes().filter(u8::is_ascii_digit).count() >= 4)
            .then(|| format!("%{}", super::catalog::escape_like(&upper)));
        QueueSearch {
            name_pattern: format!("%{}%", super::catalog::escape_like(text)),
            upper,
            id_tail,
        }
    }
}

/// A row of the queue.
#[derive(Debug, Clone, Queryable)]
pub struct QueueRow {
    pub id: i64,
    pub tracking_number: Option<String>,
    pub status: String,
    pub version: i32,
    pub service_code: String,
    pub service_name: String,
    pub service_name_en: String,
    pub applicant_name: String,
    pub assignee_id: Option<i64>,
    pub submitted_at: Option<NaiveDateTime>,
    pub due_on: Option<NaiveDate>,
    pub warn_on: Option<NaiveDate>,
    pub hard_due_on: Option<NaiveDate>,
    pub deemed_accepted: bool,
    /// The first day of the special procedure under way, if any.
    pub paused_since: Option<NaiveDate>,
    /// Decided after the promised deadline (a missed promise), once decided.
    pub on_time: Option<bool>,
}

/// The columns of a [`QueueRow`], for the queue and the co-review tasks alike.
#[allow(clippy::type_complexity)]
fn queue_columns() -> (
    applications::id,
    applications::tracking_number,
    applications::status,
    applications::version,
    services::code,
    services::name,
    services::name_en,
    users::name,
    applications::assignee_id,
    applications::submitted_at,
    applications::due_on,
    applications::warn_on,
    applications::hard_due_on,
    applications::deemed_accepted,
    applications::paused_since,
    applications::on_time,
) {
    (
        applications::id,
        applications::tracking_number,
        applications::status,
        applications::version,
        services::code,
        services::name,
        services::name_en,
        users::name,
        applications::assignee_id,
        applications::submitted_at,
        applications::due_on,
        applications::warn_on,
        applications::hard_due_on,
        applications::deemed_accepted,
        applications::paused_since,
        applications::on_time,
    )
}

/// Where the previous page ended: the deadline (or submission time) and id of its last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueCursor {
    Deadline(NaiveDate, i64),
    Newest(NaiveDateTime, i64),
}

pub fn queue(
    conn: &mut DbConnection,
    q: &QueueQuery,
    after: Option<QueueCursor>,
    limit: i64,
) -> QueryResult<Vec<QueueRow>> {
    let mut query = applications::table
        .inner_join(services::table)
        .inner_join(users::table.on(users::id.eq(applications::applicant_id)))
        .filter(applications::department_id.eq(q.department_id))
        .into_boxed();
    // One state as an equality: PostgreSQL walks an index in order for `=`, not for `= ANY`.
    // No states: any but the draft (a search).
    query = match q.states.as_slice() {
        [] => query.filter(applications::status.ne("draft")),
        [one] => query.filter(applications::status.eq(one.clone())),
        many => query.filter(applications::status.eq_any(many.to_vec())),
    };
    if let Some(search) = &q.search {
        let by_number_or_name = applications::tracking_number
            .eq(search.upper.clone())
            .nullable()
            .or(users::name
                .like(search.name_pattern.clone())
                .escape('\\')
                .nullable());
        query = match &search.id_tail {
            Some(tail) => query.filter(
                by_number_or_name
                    .or(users::national_id.like(tail.clone()).escape('\\'))
                    .or(users::credit_code.like(tail.clone()).escape('\\')),
            ),
            None => query.filter(by_number_or_name),
        };
    }
    if let Some(service) = q.service_id {
        query = query.filter(applications::service_id.eq(service));
    }
    match q.assignee {
        Some(Some(id)) => query = query.filter(applications::assignee_id.eq(id)),
        Some(None) => query = query.filter(applications::assignee_id.is_null()),
        None => {}
    }
    if let Some(level) = q.level {
        query = query.filter(level_condition(level, q.today));
    }
    match after {
        Some(QueueCursor::Deadline(due, id)) => {
            query = query.filter(
                applications::due_on
                    .gt(due)
                    .or(applications::due_on.eq(due).and(applications::id.gt(id))),
            )
        }
        Some(QueueCursor::Newest(at, id)) => {
            query = query.filter(
                applications::submitted_at
                    .lt(at)
                    .or(applications::submitted_at
                        .eq(at)
                        .and(applications::id.lt(id))),
            )
        }
        None => {}
    }
    let query = if q.newest_first {
        query.order((applications::submitted_at.desc(), applications::id.desc()))
    } else {
        query.order((applications::due_on.asc(), applications::id.asc()))
    };
    query.limit(limit).select(queue_columns()).load(conn)
}

/// The stored-deadline condition of a supervision level on `today`, for any query that reads
/// the applications table.
type LevelCondition<QS> = Box<
    dyn BoxableExpression<
            QS,
            super::MultiBackend,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
        >,
>;

fn level_condition<QS: 'static>(
    level: crate::domain::clock::Level,
    today: NaiveDate,
) -> LevelCondition<QS>
where
    applications::due_on: SelectableExpression<QS>,
    applications::warn_on: SelectableExpression<QS>,
    applications::hard_due_on: SelectableExpression<QS>,
{
    use crate::domain::clock::Level;
    match level {
        Level::Red => Box::new(applications::hard_due_on.lt(today)),
        Level::Yellow => Box::new(
            applications::due_on
                .lt(today)
                .and(applications::hard_due_on.ge(today)),
        ),
        Level::Warning => Box::new(
            applications::warn_on
                .le(today)
                .and(applications::due_on.ge(today)),
        ),
        Level::Normal => Box::new(applications::warn_on.gt(today)),
    }
}

/// How many applications of a department in `states` are at `level` on `today`.
pub fn level_count(
    conn: &mut DbConnection,
    department_id: i64,
    states: &[String],
    level: crate::domain::clock::Level,
    today: NaiveDate,
) -> QueryResult<i64> {
    applications::table
        .filter(applications::department_id.eq(department_id))
        .filter(applications::status.eq_any(states.to_vec()))
        .filter(level_condition(level, today))
        .count()
        .get_result(conn)
}

/// Applications of a department per state: (state, count), from the counters kept with every
/// change of state (the sum of the state's slots).
pub fn state_counts(
    conn: &mut DbConnection,
    department_id: i64,
) -> QueryResult<Vec<(String, i64)>> {
    use super::schema::queue_counts;
    let slots: Vec<(String, i64)> = queue_counts::table
        .filter(queue_counts::department_id.eq(department_id))
        .select((queue_counts::status, queue_counts::count))
        .load(conn)?;
    let mut counts: Vec<(String, i64)> = Vec::new();
    for (status, count) in slots {
        match counts.iter_mut().find(|(s, _)| *s == status) {
            Some((_, total)) => *total += count,
            None => counts.push((status, count)),
        }
    }
    Ok(counts)
}

/// The slots a department's count of a state is kept in. Concurrent changes of one department
/// update different rows, rather than queueing on one row lock until each commits.
const COUNT_SLOTS: i64 = 16;

/// Moves one application of a department from one state's count to another's (`from` is
/// `None` when it enters the queue). Call it in the transaction that changes the state.
pub fn count_move(
    conn: &mut DbConnection,
    department_id: i64,
    application_id: i64,
    from: Option<&str>,
    to: &str,
) -> QueryResult<()> {
    use super::schema::queue_counts as q;
    use diesel::upsert::excluded;
    let slot = i32::try_from(application_id.rem_euclid(COUNT_SLOTS)).unwrap_or(0);
    for (status, delta) in from.map(|f| (f, -1)).into_iter().chain([(to, 1)]) {
        // An upsert is an insert statement, which diesel prepares once per connection (a
        // `MultiConnection` has no upsert, so it runs on the backend's own connection).
        let upsert = diesel::insert_into(q::table)
            .values((
                q::department_id.eq(department_id),
                q::status.eq(status),
                q::slot.eq(slot),
                q::count.eq(delta),
            ))
            .on_conflict((q::department_id, q::status, q::slot))
            .do_update()
            .set(q::count.eq(q::count + excluded(q::count)));
        super::on_backend!(&mut *conn, |inner| upsert.execute(inner))?;
    }
    Ok(())
}

/// Recounts every department's applications per state (after a bulk load).
pub fn recount(conn: &mut DbConnection) -> QueryResult<()> {
    use super::schema::queue_counts;
    diesel::delete(queue_counts::table).execute(conn)?;
    diesel::sql_query(
        "INSERT INTO queue_counts (department_id, status, slot, count) \
         SELECT department_id, status, 0, COUNT(*) FROM applications \
         WHERE department_id IS NOT NULL GROUP BY department_id, status",
    )
    .execute(conn)?;
    Ok(())
}

/// Applications in one of `states` of the given definitions that `department_id` has not
/// signed off yet (its co-review tasks), oldest deadline first.
pub fn co_review_tasks(
    conn: &mut DbConnection,
    pending: &[(i64, String)],
    department_id: i64,
    limit: i64,
) -> QueryResult<Vec<QueueRow>> {
    let mut rows = Vec::new();
    for (definition_id, state) in pending {
        let signed = application_sign_offs::table
            .filter(
                application_sign_offs::application_id
                    .eq(applications::id)
                    .and(application_sign_offs::department_id.eq(department_id))
                    .and(application_sign_offs::state.eq(state.clone())),
            )
            .select(application_sign_offs::application_id);
        let found: Vec<QueueRow> = applications::table
            .inner_join(services::table)
            .inner_join(users::table.on(users::id.eq(applications::applicant_id)))
            .filter(applications::workflow_definition_id.eq(definition_id))
            .filter(applications::status.eq(state.clone()))
            .filter(diesel::dsl::not(diesel::dsl::exists(signed)))
            .order((applications::due_on.asc(), applications::id.asc()))
            .limit(limit)
            .select(queue_columns())
            .load(conn)?;
        rows.extend(found);
    }
    rows.sort_by_key(|r| (r.due_on, r.id));
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(rows)
}

// ---- Dashboard ----

/// Events of a department's applications that changed the state, per kind, in [from, until):
/// (kind, count). A sign-off that leaves the state as it was is not counted.
pub fn event_counts(
    conn: &mut DbConnection,
    department_id: i64,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<(String, i64)>> {
    application_events::table
        .filter(application_events::department_id.eq(department_id))
        .filter(
            application_events::from_status
                .is_null()
                .or(application_events::from_status.ne(application_events::to_status.nullable())),
        )
        .filter(application_events::created_at.ge(from))
        .filter(application_events::created_at.lt(until))
        .group_by(application_events::kind)
        .select((application_events::kind, diesel::dsl::count_star()))
        .load(conn)
}

/// Decisions of a department in [from, until]: (on time, count).
pub fn decisions_on_time(
    conn: &mut DbConnection,
    department_id: i64,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<Vec<(Option<bool>, i64)>> {
    applications::table
        .filter(applications::department_id.eq(department_id))
        .filter(applications::decided_on.ge(from))
        .filter(applications::decided_on.le(until))
        .group_by(applications::on_time)
        .select((applications::on_time, diesel::dsl::count_star()))
        .load(conn)
}

/// Applications received by a department in [from, until) per service: (code, name, count).
pub fn received_per_service(
    conn: &mut DbConnection,
    department_id: i64,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<(String, String, i64)>> {
    applications::table
        .inner_join(services::table)
        .filter(applications::department_id.eq(department_id))
        .filter(applications::submitted_at.ge(from))
        .filter(applications::submitted_at.lt(until))
        .group_by((services::code, services::name))
        .order(diesel::dsl::count_star().desc())
        .select((services::code, services::name, diesel::dsl::count_star()))
        .load(conn)
}

// ---- Supervision ----

/// Writes `sql` with PostgreSQL's `$n` placeholders for the connection's backend (SQLite reads
/// the same numbered placeholders as `?n`).
pub(super) fn numbered(conn: &DbConnection, sql: &str) -> String {
    match conn {
        DbConnection::Sqlite(_) => sql.replace('$', "?"),
        DbConnection::Postgres(_) => sql.to_owned(),
    }
}

/// Records the cards due on `today` for the applications of one department in one state: a red
/// card once the hard deadline passed, a yellow one once the current deadline passed, a warning
/// from its first day; once per level and deadline. Uses the queue index (department, state,
/// deadline), so each call touches only its slice. Returns how many cards were new.
pub fn issue_cards(
    conn: &mut DbConnection,
    department_id: i64,
    state: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use diesel::sql_types::{BigInt, Date, Text, Timestamp};
    let mut issued = 0;
    for (level, condition) in [
        ("red", "a.due_on < $3 AND a.hard_due_on < $3"),
        ("yellow", "a.due_on < $3 AND a.hard_due_on >= $3"),
        ("warning", "a.due_on >= $3 AND a.warn_on <= $3"),
    ] {
        let sql = numbered(
            conn,
            &format!(
                "INSERT INTO supervision_cards (application_id, department_id, level, due_on, issued_at) \
                 SELECT a.id, a.department_id, '{level}', a.due_on, $4 FROM applications a \
                 WHERE a.department_id = $1 AND a.status = $2 AND {condition} \
                 ON CONFLICT (application_id, level, due_on) DO NOTHING"
            ),
        );
        issued += diesel::sql_query(sql)
            .bind::<BigInt, _>(department_id)
            .bind::<Text, _>(state)
            .bind::<Date, _>(today)
            .bind::<Timestamp, _>(now)
            .execute(conn)?;
    }
    Ok(issued)
}

/// The applications of one department in one state awaiting acceptance with no acceptance date
/// yet, received before `received_before`: the candidates for a deemed acceptance (including
/// those flagged before the acceptance date was stored with the flag).
pub fn awaiting_acceptance(
    conn: &mut DbConnection,
    department_id: i64,
    state: &str,
    received_before: NaiveDate,
) -> QueryResult<Vec<CaseRow>> {
    applications::table
        .filter(
            applications::department_id
                .eq(department_id)
                .and(applications::status.eq(state))
                .and(applications::accepted_on.is_null())
                .and(applications::received_on.lt(received_before)),
        )
        .order(applications::id)
        .select(CaseRow::as_select())
        .load(conn)
}

/// What a deemed acceptance stores: accepted as of receipt, and the decision deadlines.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = applications)]
pub struct DeemedAcceptance {
    pub accepted_on: NaiveDate,
    pub due_on: NaiveDate,
    pub warn_on: NaiveDate,
    pub hard_due_on: NaiveDate,
}

/// Marks an application still in `state` with no acceptance date as deemed accepted; the
/// version stays (a clerk's open form is still valid). Returns whether it did.
pub fn mark_deemed_accepted(
    conn: &mut DbConnection,
    id: i64,
    state: &str,
    stored: &DeemedAcceptance,
) -> QueryResult<bool> {
    let updated = diesel::update(
        applications::table.filter(
            applications::id
                .eq(id)
                .and(applications::status.eq(state))
                .and(applications::accepted_on.is_null()),
        ),
    )
    .set((applications::deemed_accepted.eq(true), stored))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The applications whose running clocks a change of the calendar on days from `first` to
/// `last` may move: received on or before the last, undecided, not in one of the `ended`
/// states, and with a stored deadline on or after the first (or paused).
pub fn running_clocks_over(
    conn: &mut DbConnection,
    (first, last): (NaiveDate, NaiveDate),
    ended: &[String],
) -> QueryResult<Vec<CaseRow>> {
    applications::table
        .filter(applications::tracking_number.is_not_null())
        .filter(applications::received_on.le(last))
        .filter(applications::decided_on.is_null())
        .filter(applications::status.ne_all(ended.to_vec()))
        .filter(
            applications::due_on
                .ge(first)
                .or(applications::hard_due_on.ge(first))
                .or(applications::paused_since.is_not_null()),
        )
        .order(applications::id)
        .select(CaseRow::as_select())
        .load(conn)
}

/// Stores recomputed deadlines of an application (the version stays: nothing a clerk did
/// changed).
pub fn set_deadlines(
    conn: &mut DbConnection,
    id: i64,
    (due_on, warn_on, hard_due_on): (NaiveDate, NaiveDate, NaiveDate),
) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set((
            applications::due_on.eq(due_on),
            applications::warn_on.eq(warn_on),
            applications::hard_due_on.eq(hard_due_on),
        ))
        .execute(conn)?;
    Ok(())
}

/// The most working days an extension may add for a service (its statutory extension).
pub fn statutory_extension(conn: &mut DbConnection, service_id: i64) -> QueryResult<i32> {
    services::table
        .find(service_id)
        .select(services::extension_days)
        .first(conn)
}

pub fn all_department_ids(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    departments::table
        .order(departments::id)
        .select(departments::id)
        .load(conn)
}

/// The cards of one application: (level, deadline, issued at).
pub fn cards_of(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<Vec<(String, NaiveDate, NaiveDateTime)>> {
    supervision_cards::table
        .filter(supervision_cards::application_id.eq(id))
        .order(supervision_cards::id)
        .select((
            supervision_cards::level,
            supervision_cards::due_on,
            supervision_cards::issued_at,
        ))
        .load(conn)
}

/// The applicant's email, name and language.
pub fn contact(conn: &mut DbConnection, user_id: i64) -> QueryResult<(String, String, String)> {
    users::table
        .find(user_id)
        .select((users::email, users::name, users::lang))
        .first(conn)
}

pub fn department_id(conn: &mut DbConnection, code: &str) -> QueryResult<Option<i64>> {
    departments::table
        .filter(departments::code.eq(code))
        .select(departments::id)
        .first(conn)
        .optional()
}

pub fn department_code(conn: &mut DbConnection, id: i64) -> QueryResult<String> {
    departments::table
        .find(id)
        .select(departments::code)
        .first(conn)
}

/// The active clerks and heads of a department, by name: (id, name, email).
pub fn department_staff(
    conn: &mut DbConnection,
    department_id: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    Ok(super::outbox::department_recipients(conn, department_id)?
        .into_iter()
        .map(|r| (r.id, r.name, r.email))
        .collect())
}
