//! The 12345 hotline's own rows: a request's caller and content beside its case row, the types'
//! time limits, and the lists the operators and the departments work from.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{applications, departments, hotline_requests, hotline_types};
use crate::domain::hotline::KIND_HOTLINE;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = hotline_requests)]
pub struct NewRequest<'a> {
    pub application_id: i64,
    pub request_type: &'a str,
    pub channel: &'a str,
    pub urgent: bool,
    pub subject: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub caller_name: &'a str,
    pub caller_phone: &'a str,
    pub caller_email: &'a str,
    pub confidential: bool,
    pub operator_id: Option<i64>,
    pub received_day: NaiveDate,
    pub urgent_due_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &NewRequest<'_>) -> QueryResult<()> {
    diesel::insert_into(hotline_requests::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// A request's own facts.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = hotline_requests)]
pub struct RequestRow {
    pub application_id: i64,
    pub request_type: String,
    pub channel: String,
    pub urgent: bool,
    pub subject: String,
    pub description: String,
    pub location: String,
    pub topic: Option<String>,
    pub caller_name: String,
    pub caller_phone: String,
    pub caller_email: String,
    pub confidential: bool,
    pub operator_id: Option<i64>,
    pub merged_into: Option<i64>,
    pub guide_service_id: Option<i64>,
    pub satisfaction: Option<String>,
    pub rated_at: Option<NaiveDateTime>,
    pub received_day: NaiveDate,
    pub urgent_due_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<RequestRow>> {
    hotline_requests::table
        .find(id)
        .select(RequestRow::as_select())
        .first(conn)
        .optional()
}

/// The subject of request `id`: what its mails and lists call it.
pub fn subject(conn: &mut DbConnection, id: i64) -> QueryResult<Option<String>> {
    hotline_requests::table
        .find(id)
        .select(hotline_requests::subject)
        .first(conn)
        .optional()
}

/// (email, name) to answer request `id` at, when the caller left an email.
pub fn caller_email(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(String, String)>> {
    hotline_requests::table
        .find(id)
        .filter(hotline_requests::caller_email.ne(""))
        .select((
            hotline_requests::caller_email,
            hotline_requests::caller_name,
        ))
        .first(conn)
        .optional()
}

pub fn set_topic(conn: &mut DbConnection, id: i64, topic: &str) -> QueryResult<()> {
    diesel::update(hotline_requests::table.find(id))
        .set(hotline_requests::topic.eq(topic))
        .execute(conn)
        .map(drop)
}

pub fn set_guide(conn: &mut DbConnection, id: i64, service_id: Option<i64>) -> QueryResult<()> {
    diesel::update(hotline_requests::table.find(id))
        .set(hotline_requests::guide_service_id.eq(service_id))
        .execute(conn)
        .map(drop)
}

pub fn set_merged_into(conn: &mut DbConnection, id: i64, into: i64) -> QueryResult<()> {
    diesel::update(hotline_requests::table.find(id))
        .set(hotline_requests::merged_into.eq(into))
        .execute(conn)
        .map(drop)
}

pub fn set_rating(
    conn: &mut DbConnection,
    id: i64,
    satisfaction: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(hotline_requests::table.find(id))
        .set((
            hotline_requests::satisfaction.eq(satisfaction),
            hotline_requests::rated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// Gives the case to a department (派单): it enters that department's hotline queue.
pub fn set_department(conn: &mut DbConnection, id: i64, department_id: i64) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set(applications::department_id.eq(department_id))
        .execute(conn)
        .map(drop)
}

/// The requests merged into `id` (合并): their callers get its answer.
pub fn merged_into(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<i64>> {
    hotline_requests::table
        .filter(hotline_requests::merged_into.eq(id))
        .order(hotline_requests::application_id)
        .select(hotline_requests::application_id)
        .load(conn)
}

/// A type's limits as the administrators set them: (answer_days, urgent_hours).
pub fn limits(conn: &mut DbConnection, code: &str) -> QueryResult<Option<(i32, i32)>> {
    hotline_types::table
        .find(code)
        .select((hotline_types::answer_days, hotline_types::urgent_hours))
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, Queryable)]
pub struct TypeRow {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub answer_days: i32,
    pub urgent_hours: i32,
}

pub fn types(conn: &mut DbConnection) -> QueryResult<Vec<TypeRow>> {
    hotline_types::table
        .order(hotline_types::position)
        .select((
            hotline_types::code,
            hotline_types::name_zh,
            hotline_types::name_en,
            hotline_types::answer_days,
            hotline_types::urgent_hours,
        ))
        .load(conn)
}

/// Seeds the types from the shipped data, when there are none.
pub fn seed_types(
    conn: &mut DbConnection,
    shipped: &[crate::domain::hotline::TypeLimits],
) -> QueryResult<()> {
    let have: i64 = hotline_types::table.count().get_result(conn)?;
    if have > 0 {
        return Ok(());
    }
    for (position, t) in shipped.iter().enumerate() {
        diesel::insert_into(hotline_types::table)
            .values((
                hotline_types::code.eq(&t.code),
                hotline_types::name_zh.eq(&t.name_zh),
                hotline_types::name_en.eq(&t.name_en),
                hotline_types::answer_days.eq(i32::try_from(t.answer_days).unwrap_or(i32::MAX)),
                hotline_types::urgent_hours.eq(i32::try_from(t.urgent_hours).unwrap_or(i32::MAX)),
                hotline_types::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn update_type(
    conn: &mut DbConnection,
    code: &str,
    answer_days: i32,
    urgent_hours: i32,
) -> QueryResult<bool> {
    diesel::update(hotline_types::table.find(code))
        .set((
            hotline_types::answer_days.eq(answer_days),
            hotline_types::urgent_hours.eq(urgent_hours),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// A line of a hotline list: the case and the request.
#[derive(Debug, Clone, Queryable)]
pub struct ListedRequest {
    pub id: i64,
    pub tracking_number: Option<String>,
    pub status: String,
    pub version: i32,
    pub due_on: Option<NaiveDate>,
    pub submitted_at: Option<NaiveDateTime>,
    pub department_name: Option<String>,
    pub request_type: String,
    pub channel: String,
    pub urgent: bool,
    pub subject: String,
    pub caller_phone: String,
    pub confidential: bool,
    pub urgent_due_at: Option<NaiveDateTime>,
}

/// The columns of a [`ListedRequest`].
#[allow(clippy::type_complexity)]
fn listed_columns() -> (
    applications::id,
    applications::tracking_number,
    applications::status,
    applications::version,
    applications::due_on,
    applications::submitted_at,
    diesel::dsl::Nullable<departments::name>,
    hotline_requests::request_type,
    hotline_requests::channel,
    hotline_requests::urgent,
    hotline_requests::subject,
    hotline_requests::caller_phone,
    hotline_requests::confidential,
    hotline_requests::urgent_due_at,
) {
    (
        applications::id,
        applications::tracking_number,
        applications::status,
        applications::version,
        applications::due_on,
        applications::submitted_at,
        departments::name.nullable(),
        hotline_requests::request_type,
        hotline_requests::channel,
        hotline_requests::urgent,
        hotline_requests::subject,
        hotline_requests::caller_phone,
        hotline_requests::confidential,
        hotline_requests::urgent_due_at,
    )
}

/// Where a list's page ended: (deadline, id) of its last line.
pub type Cursor = (NaiveDate, i64);

/// Hotline requests in `states`, of department `department_id` (or of any when None), the
/// nearest deadline first, `limit` a page after `after`. One query per state, each read in the
/// order of an index (the partial `applications_hotline`, or with a department the queue's
/// `applications_queue`) and stopped at `limit`, merged here: with all the states in one `IN`,
/// SQLite sorted every row of them (120,000 of 1,000,000 requests) for each page.
pub fn list(
    conn: &mut DbConnection,
    states: &[&str],
    department_id: Option<i64>,
    after: Option<Cursor>,
    limit: i64,
) -> QueryResult<Vec<ListedRequest>> {
    let mut rows = Vec::new();
    for state in states {
        let mut query = applications::table
            .inner_join(hotline_requests::table)
            .left_join(departments::table)
            // A literal, not a bound value: SQLite uses the partial index applications_hotline
            // only for a condition it can see is the index's own.
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "applications.kind = 'hotline'",
            ))
            .filter(applications::status.eq(*state))
            .into_boxed();
        if let Some(department) = department_id {
            query = query.filter(applications::department_id.eq(department));
        }
        if let Some((due, id)) = after {
            query = query.filter(
                applications::due_on
                    .gt(due)
                    .or(applications::due_on.eq(due).and(applications::id.gt(id))),
            );
        }
        rows.extend(
            query
                .order((applications::due_on.asc(), applications::id.asc()))
                .limit(limit)
                .select(listed_columns())
                .load::<ListedRequest>(conn)?,
        );
    }
    rows.sort_by_key(|r| (r.due_on, r.id));
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(rows)
}

/// A caller's earlier requests, newest first: the operator sees them as the phone rings.
pub fn by_phone(
    conn: &mut DbConnection,
    phone: &str,
    limit: i64,
) -> QueryResult<Vec<ListedRequest>> {
    applications::table
        .inner_join(hotline_requests::table)
        .left_join(departments::table)
        .filter(hotline_requests::caller_phone.eq(phone))
        .order(hotline_requests::application_id.desc())
        .limit(limit)
        .select(listed_columns())
        .load(conn)
}

/// The requests signed in `applicant_id` made, newest first.
pub fn of_applicant(conn: &mut DbConnection, applicant_id: i64) -> QueryResult<Vec<ListedRequest>> {
    applications::table
        .inner_join(hotline_requests::table)
        .left_join(departments::table)
        .filter(applications::kind.eq(KIND_HOTLINE))
        .filter(applications::applicant_id.eq(applicant_id))
        .order(applications::id.desc())
        .limit(100)
        .select(listed_columns())
        .load(conn)
}

/// The case id of the hotline request numbered `number`.
pub fn id_by_number(conn: &mut DbConnection, number: &str) -> QueryResult<Option<i64>> {
    applications::table
        .filter(applications::tracking_number.eq(number))
        .filter(applications::kind.eq(KIND_HOTLINE))
        .select(applications::id)
        .first(conn)
        .optional()
}

/// (code, name, English name) of department `id`.
pub fn department(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<Option<(String, String, String)>> {
    departments::table
        .find(id)
        .select((departments::code, departments::name, departments::name_en))
        .first(conn)
        .optional()
}

/// The tracking numbers of the cases `ids`.
pub fn numbers(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<String>> {
    applications::table
        .filter(applications::id.eq_any(ids))
        .filter(applications::tracking_number.is_not_null())
        .order(applications::id.asc())
        .select(applications::tracking_number.assume_not_null())
        .load(conn)
}

diesel::allow_columns_to_appear_in_same_group_by_clause!(
    super::schema::application_events::department_id,
    super::schema::application_events::kind,
    applications::on_time,
    hotline_requests::satisfaction,
);

/// A group of the day's hotline events: (department, event kind, whether the case was
/// answered on time, the caller's rating) and how many.
pub type FigureGroup = (Option<i64>, String, Option<bool>, Option<String>, i64);

/// The hotline's events in [from, until), grouped for the daily figures: those of requests no
/// department held (`departments` None), or of the departments `departments`.
pub fn figure_groups(
    conn: &mut DbConnection,
    departments: Option<&[i64]>,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<FigureGroup>> {
    use super::schema::application_events as events;
    // Written out twice: diesel groups only unboxed queries.
    macro_rules! grouped {
        ($condition:expr) => {
            events::table
                .inner_join(applications::table.inner_join(hotline_requests::table))
                .filter(applications::kind.eq(KIND_HOTLINE))
                .filter(events::created_at.ge(from))
                .filter(events::created_at.lt(until))
                .filter($condition)
                .group_by((
                    events::department_id,
                    events::kind,
                    applications::on_time,
                    hotline_requests::satisfaction,
                ))
                .select((
                    events::department_id,
                    events::kind,
                    applications::on_time,
                    hotline_requests::satisfaction,
                    diesel::dsl::count_star(),
                ))
                .load(conn)
        };
    }
    match departments {
        // The partial index application_events_undepartmented serves this condition.
        None => grouped!(events::department_id.is_null()),
        Some(ids) => grouped!(events::department_id.eq_any(ids)),
    }
}

/// Of the cases `ids`, the hotline requests whose callers asked for 保密.
pub fn confidential_among(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
    hotline_requests::table
        .filter(hotline_requests::application_id.eq_any(ids))
        .filter(hotline_requests::confidential.eq(true))
        .select(hotline_requests::application_id)
        .load(conn)
}
