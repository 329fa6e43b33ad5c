//! The official calendar: exception days (holidays, make-up working days) and the years confirmed
//! against their notices.

use super::*;

/// The token of the calendar the database holds now (drawn anew by trigger at every change).
pub fn calendar_token(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    crate::db::schema::calendar_stamp::table
        .find(1_i64)
        .select(crate::db::schema::calendar_stamp::token)
        .first(conn)
        .optional()
}

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
    use crate::db::schema::admin_events;
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
