//! The dashboard's figures, counted from the trail.

use super::*;

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
