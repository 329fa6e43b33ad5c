//! The workflow side of an application: its state, pinned version, clocks and version check, and
//! the department facts the engine looks up.

use super::*;

/// An application as the engine and the staff pages see it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct CaseRow {
    pub id: i64,
    pub tracking_number: Option<String>,
    /// None for a hotline request: it is about no service, has no form, and a phone call or an
    /// anonymous request has no account behind it.
    pub service_id: Option<i64>,
    pub form_definition_id: Option<i64>,
    pub applicant_id: Option<i64>,
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
    /// An application, or a case of another kind on the same engine (a rating's remedy).
    pub kind: String,
}

pub fn find_case(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CaseRow>> {
    applications::table
        .find(id)
        .filter(applications::tracking_number.is_not_null())
        .select(CaseRow::as_select())
        .first(conn)
        .optional()
}

/// What a transition changes on the application row, every column, `None` as NULL
/// ([`update_case`]).
#[derive(Debug, Clone)]
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
    /// Moved by an extension of a hotline request, whose one deadline is the answer's.
    pub promised_days: i32,
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
    let c = change;
    let updated = crate::db::FixedSql::new(
        "UPDATE applications SET status = ?, version = ?, updated_at = ?, received_on = ?, \
         accepted_on = ?, deemed_accepted = ?, paused_days = ?, paused_since = ?, \
         extension_days = ?, promised_days = ?, decided_on = ?, on_time = ?, decision = ?, \
         due_on = ?, warn_on = ?, hard_due_on = ?, state_entered_on = ? \
         WHERE id = ? AND status = ? AND version = ?",
        vec![
            c.status.as_str().into(),
            c.version.into(),
            c.updated_at.into(),
            c.received_on.into(),
            c.accepted_on.into(),
            c.deemed_accepted.into(),
            c.paused_days.into(),
            c.paused_since.into(),
            c.extension_days.into(),
            c.promised_days.into(),
            c.decided_on.into(),
            c.on_time.into(),
            c.decision.as_deref().into(),
            c.due_on.into(),
            c.warn_on.into(),
            c.hard_due_on.into(),
            c.state_entered_on.into(),
            id.into(),
            status.into(),
            version.into(),
        ],
    )
    .execute(conn)?;
    Ok(updated == 1)
}

/// The workflow columns set at submission.
#[derive(Debug, Clone)]
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

/// A case of another kind than an application, received and pinned as it is opened. A `None`
/// is written as NULL, not DEFAULT: with DEFAULT the statement's text depends on the values,
/// and diesel never keeps such an insert as a prepared statement (PostgreSQL would parse and
/// plan it at every report, hotline call and rating).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = applications, treat_none_as_default_value = false)]
pub struct NewCase<'a> {
    pub kind: &'a str,
    pub tracking_number: &'a str,
    pub service_id: Option<i64>,
    pub form_definition_id: Option<i64>,
    pub applicant_id: Option<i64>,
    pub status: &'a str,
    pub input: &'a str,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: NaiveDateTime,
    pub workflow_definition_id: i64,
    pub department_id: Option<i64>,
    pub promised_days: i32,
    pub legal_days: i32,
    pub received_on: NaiveDate,
    pub accepted_on: NaiveDate,
    pub due_on: NaiveDate,
    pub warn_on: NaiveDate,
    pub hard_due_on: NaiveDate,
    pub state_entered_on: NaiveDate,
}

/// Inserts a case and returns it as stored, or None when its tracking number is taken (the
/// caller draws another): the unique index answers in the same round trip as the insert.
pub fn insert_case(conn: &mut DbConnection, row: &NewCase<'_>) -> QueryResult<Option<CaseRow>> {
    on_backend!(&mut *conn, |c| diesel::insert_into(applications::table)
        .values(row)
        // Only the number's conflict: any other is an error, not a reason to draw again.
        .on_conflict(applications::tracking_number)
        .do_nothing()
        .returning(CaseRow::as_returning())
        .get_result(c)
        .optional())
}
