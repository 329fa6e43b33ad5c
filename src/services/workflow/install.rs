//! The first start: the shipped workflows, their assignments and the official calendar, published
//! into an empty database; the calendar as the clocks read it.

use super::*;

/// The workflow each item runs when it is not the default one.
pub(super) const SHIPPED_ASSIGNMENTS: &[(&str, &str)] = &[("440306-ZJJ-XK-0001", "joint-review")];

/// Serialises the first install across nodes starting together (PostgreSQL).
pub(super) const INSTALL_LOCK: i64 = 0x0_4e_53_57_66_6c; // "NSWfl"

/// Publishes the shipped workflows into an empty database, and any shipped workflow whose key
/// a database lacks; returns whether the database was empty.
pub fn install_if_empty(conn: &mut DbConnection) -> Result<bool, ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        if let DbConnection::Postgres(pg) = conn {
            diesel::connection::SimpleConnection::batch_execute(
                pg,
                &format!("SELECT pg_advisory_xact_lock({INSTALL_LOCK})"),
            )?;
        }
        let first = queries::all_definition_digests(conn)?.is_empty();
        let published = now();
        for definition in engine::shipped() {
            // A workflow shipped after this database was made (the remedy workflow of 好差评)
            // is published on the next start; one already there is the administrators'.
            if queries::latest_definition(conn, &definition.key)?.is_some() {
                continue;
            }
            definition.check().map_err(corrupt)?;
            let json = serde_json::to_string(&definition).map_err(corrupt)?;
            queries::insert_definition(
                conn,
                &queries::NewDefinition {
                    key: &definition.key,
                    version: 1,
                    definition: &json,
                    published_at: published,
                    published_by: None,
                },
            )?;
        }
        crate::db::hotline::seed_types(conn, crate::domain::hotline::shipped_types())?;
        crate::services::grid::install(conn)?;
        if !first {
            return Ok(false);
        }
        for (item, key) in SHIPPED_ASSIGNMENTS {
            queries::set_service_workflow(conn, item, key)?;
        }
        Ok(true)
    })
}

/// What merging the shipped calendar did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CalendarMerge {
    /// Years recorded for the first time.
    pub years: usize,
    /// Days added or changed.
    pub days: usize,
    /// Running applications whose deadlines moved.
    pub moved: usize,
}

/// Merges the shipped calendar (`calendar.toml`) into the database: a year not recorded yet is
/// recorded with its shipped status; a shipped day is added when the table lacks it and, for a
/// year shipped as confirmed that the database still holds as provisional (or not at all),
/// replaces what the table has. A day an administrator added, changed or removed is never
/// touched, nor is a year an administrator confirmed. Running clocks the merge moves are
/// recomputed in the same transaction. Run by `onestop migrate` and at start-up.
pub fn merge_shipped_calendar(conn: &mut DbConnection) -> Result<CalendarMerge, ServiceError> {
    use crate::domain::calendar::{YearStatus, shipped_days, shipped_years};
    crate::db::write_transaction(conn, |conn| {
        if let DbConnection::Postgres(pg) = conn {
            diesel::connection::SimpleConnection::batch_execute(
                pg,
                &format!("SELECT pg_advisory_xact_lock({INSTALL_LOCK})"),
            )?;
        }
        let before = load_calendar(conn)?;
        let recorded = queries::calendar_years(conn)?;
        let edited = queries::edited_calendar_days(conn)?;
        let existing: std::collections::HashMap<NaiveDate, (String, String)> =
            queries::calendar_with_notes(conn)?
                .into_iter()
                .map(|(d, k, n)| (d, (k, n)))
                .collect();
        let mut merge = CalendarMerge::default();
        let mut changed: Vec<NaiveDate> = Vec::new();
        for (year, status, source) in shipped_years() {
            let held = recorded.iter().find(|r| r.0 == year);
            let held_status = held.and_then(|r| YearStatus::parse(&r.1));
            // The shipped file replaces days only where it is newer than what is held.
            let replaces =
                status == YearStatus::Confirmed && held_status != Some(YearStatus::Confirmed);
            for day in shipped_days().iter().filter(|d| d.date.year() == year) {
                if edited.contains(&day.date.to_string()) {
                    continue;
                }
                let kind = day_kind_code(day.kind);
                let same = existing
                    .get(&day.date)
                    .is_some_and(|(k, n)| k == kind && *n == day.note);
                if same || (existing.contains_key(&day.date) && !replaces) {
                    continue;
                }
                // The same replacement as an administrator's edit of the day.
                crate::db::admin::put_calendar_day(conn, day.date, kind, &day.note)?;
                changed.push(day.date);
            }
            if held.is_none() || (replaces && held_status.is_some()) {
                queries::put_calendar_year(conn, year, status.code(), &source, None)?;
                merge.years += 1;
            }
        }
        merge.days = changed.len();
        if let (Some(first), Some(last)) = (changed.iter().min(), changed.iter().max()) {
            let after = load_calendar(conn)?;
            merge.moved = recompute_clocks(conn, &before, &after, (*first, *last), None)?.moved;
        }
        Ok(merge)
    })
}

pub(super) fn day_kind_code(kind: DayKind) -> &'static str {
    match kind {
        DayKind::Holiday => "holiday",
        DayKind::MakeUpWorkday => "workday",
    }
}

/// The calendars this process has read, by the database's calendar token (a node may serve
/// several databases in the tests; every change to the calendar draws a new token, so every
/// node reads it again). A token's calendar never changes, so an entry is never stale; the
/// few entries of edits past are left to the process's end.
static CALENDARS: std::sync::LazyLock<
    std::sync::RwLock<std::collections::HashMap<String, Arc<Calendar>>>,
> = std::sync::LazyLock::new(Default::default);

/// The calendar as stored; a year counts as settled once confirmed. One small read when this
/// node has read the same calendar before.
pub fn load_calendar(conn: &mut DbConnection) -> Result<Arc<Calendar>, ServiceError> {
    // The token first: a change committed between the two reads can only put the newer
    // calendar under the older token, which no read after that commit returns.
    let token = queries::calendar_token(conn)?.unwrap_or_default();
    if let Some(calendar) = CALENDARS.read().expect("not poisoned").get(&token) {
        return Ok(calendar.clone());
    }
    let calendar = Arc::new(read_calendar(conn)?);
    CALENDARS
        .write()
        .expect("not poisoned")
        .insert(token, calendar.clone());
    Ok(calendar)
}

fn read_calendar(conn: &mut DbConnection) -> Result<Calendar, ServiceError> {
    let days = queries::calendar(conn)?;
    let settled: Vec<i32> = queries::calendar_years(conn)?
        .into_iter()
        .filter(|y| y.1 == crate::domain::calendar::YearStatus::Confirmed.code())
        .map(|y| y.0)
        .collect();
    let mut parsed = Vec::with_capacity(days.len());
    for (day, kind) in days {
        let kind = match kind.as_str() {
            "holiday" => DayKind::Holiday,
            "workday" => DayKind::MakeUpWorkday,
            other => return Err(corrupt(format!("calendar day kind {other}"))),
        };
        parsed.push((day, kind));
    }
    Ok(Calendar::new(parsed).with_settled_years(settled))
}
