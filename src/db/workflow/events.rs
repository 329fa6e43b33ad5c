//! The trail: audit events of every change (who, what, when) and the staff's notes.

use super::*;

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
        // A hotline caller's own steps are not found by their name (保密 is checked per
        // request; a search by name must not tell which request a caller made).
        query = query.filter(diesel::dsl::not(
            applications::kind
                .eq(crate::domain::hotline::KIND_HOTLINE)
                .and(application_events::kind.eq_any(crate::domain::hotline::CALLER_STEPS)),
        ));
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
pub(super) fn staff_event_columns() -> (
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
