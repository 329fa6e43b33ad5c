//! Grid management's own rows: the territory, the taxonomy of events, an event's place and
//! content beside its case row, the command centre's day counts, devices, patrols and points.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    applications, communities, devices, event_categories, event_day_counts, event_day_totals,
    event_types, grid_assignments, grid_events, grids, inspector_streets, patrol_points, patrols,
    streets, territory_stamp, users,
};
use crate::domain::grid_event::KIND_EVENT;

// ---- The territory ----

pub fn territory_is_empty(conn: &mut DbConnection) -> QueryResult<bool> {
    let any: Option<i64> = streets::table.select(streets::id).first(conn).optional()?;
    Ok(any.is_none())
}

/// The token of the territory the database holds now.
pub fn territory_token(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    territory_stamp::table
        .find(1_i64)
        .select(territory_stamp::token)
        .first(conn)
        .optional()
}

pub fn set_territory_token(conn: &mut DbConnection, token: &str) -> QueryResult<()> {
    diesel::delete(territory_stamp::table).execute(conn)?;
    diesel::insert_into(territory_stamp::table)
        .values((
            territory_stamp::id.eq(1_i64),
            territory_stamp::token.eq(token),
        ))
        .execute(conn)
        .map(drop)
}

pub fn insert_street(conn: &mut DbConnection, code: &str, zh: &str, en: &str) -> QueryResult<i64> {
    super::on_backend!(&mut *conn, |c| diesel::insert_into(streets::table)
        .values((
            streets::code.eq(code),
            streets::name_zh.eq(zh),
            streets::name_en.eq(en)
        ))
        .returning(streets::id)
        .get_result(c))
}

pub fn insert_community(
    conn: &mut DbConnection,
    code: &str,
    street_id: i64,
    zh: &str,
) -> QueryResult<i64> {
    super::on_backend!(&mut *conn, |c| diesel::insert_into(communities::table)
        .values((
            communities::code.eq(code),
            communities::street_id.eq(street_id),
            communities::name_zh.eq(zh)
        ))
        .returning(communities::id)
        .get_result(c))
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = grids)]
pub struct NewGrid {
    pub code: String,
    pub community_id: i64,
    pub name_zh: String,
    pub outline: String,
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
    pub illustrative: bool,
}

pub fn insert_grids(conn: &mut DbConnection, rows: &[NewGrid]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        super::on_backend!(&mut *conn, |c| diesel::insert_into(grids::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// A grid's outline with where it belongs, for the point index.
#[derive(Debug, Clone, Queryable)]
pub struct GridOutline {
    pub id: i64,
    pub code: String,
    pub community_id: i64,
    pub street_id: i64,
    pub outline: String,
}

/// Every grid's outline, community and street, for the point index.
pub fn outlines(conn: &mut DbConnection) -> QueryResult<Vec<GridOutline>> {
    grids::table
        .inner_join(communities::table.on(communities::id.eq(grids::community_id)))
        .select((
            grids::id,
            grids::code,
            communities::id,
            communities::street_id,
            grids::outline,
        ))
        .order(grids::id)
        .load(conn)
}

/// A grid with its community and street.
#[derive(Debug, Clone, Queryable)]
pub struct GridPlace {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub community_id: i64,
    pub community_name: String,
    pub street_id: i64,
    pub street_name: String,
    pub street_name_en: String,
    pub illustrative: bool,
}

type GridPlaceColumns = (
    grids::id,
    grids::code,
    grids::name_zh,
    communities::id,
    communities::name_zh,
    streets::id,
    streets::name_zh,
    streets::name_en,
    grids::illustrative,
);

const GRID_PLACE: GridPlaceColumns = (
    grids::id,
    grids::code,
    grids::name_zh,
    communities::id,
    communities::name_zh,
    streets::id,
    streets::name_zh,
    streets::name_en,
    grids::illustrative,
);

pub fn grid_place(conn: &mut DbConnection, grid_id: i64) -> QueryResult<Option<GridPlace>> {
    grids::table
        .inner_join(communities::table.on(communities::id.eq(grids::community_id)))
        .inner_join(streets::table.on(streets::id.eq(communities::street_id)))
        .filter(grids::id.eq(grid_id))
        .select(GRID_PLACE)
        .first(conn)
        .optional()
}

/// The grids a worker patrols, in code order.
pub fn worker_grids(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<GridPlace>> {
    grid_assignments::table
        .inner_join(grids::table.on(grids::id.eq(grid_assignments::grid_id)))
        .inner_join(communities::table.on(communities::id.eq(grids::community_id)))
        .inner_join(streets::table.on(streets::id.eq(communities::street_id)))
        .filter(grid_assignments::user_id.eq(user_id))
        .select(GRID_PLACE)
        .order(grids::code)
        .load(conn)
}

/// The (id, outline) of the given grids.
pub fn grid_outlines(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    grids::table
        .filter(grids::id.eq_any(ids))
        .select((grids::id, grids::outline))
        .order(grids::id)
        .load(conn)
}

pub fn is_assigned(conn: &mut DbConnection, user_id: i64, grid_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        grid_assignments::table
            .filter(grid_assignments::user_id.eq(user_id))
            .filter(grid_assignments::grid_id.eq(grid_id)),
    ))
    .get_result(conn)
}

pub fn assign(conn: &mut DbConnection, grid_id: i64, user_id: i64) -> QueryResult<()> {
    super::on_backend!(&mut *conn, |c| diesel::insert_into(grid_assignments::table)
        .values((
            grid_assignments::grid_id.eq(grid_id),
            grid_assignments::user_id.eq(user_id)
        ))
        .on_conflict_do_nothing()
        .execute(c))
    .map(drop)
}

pub fn set_inspector_street(
    conn: &mut DbConnection,
    user_id: i64,
    street_id: i64,
) -> QueryResult<()> {
    diesel::delete(inspector_streets::table.find(user_id)).execute(conn)?;
    diesel::insert_into(inspector_streets::table)
        .values((
            inspector_streets::user_id.eq(user_id),
            inspector_streets::street_id.eq(street_id),
        ))
        .execute(conn)
        .map(drop)
}

pub fn inspector_street(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<i64>> {
    inspector_streets::table
        .find(user_id)
        .select(inspector_streets::street_id)
        .first(conn)
        .optional()
}

/// (id, code, name_zh, name_en) of every street, in code order.
pub fn streets(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String, String, String)>> {
    streets::table
        .select((
            streets::id,
            streets::code,
            streets::name_zh,
            streets::name_en,
        ))
        .order(streets::code)
        .load(conn)
}

/// (id, street_id, name_zh) of every community, in code order.
pub fn communities(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64, String)>> {
    communities::table
        .select((
            communities::id,
            communities::street_id,
            communities::name_zh,
        ))
        .order(communities::code)
        .load(conn)
}

pub fn street_id(conn: &mut DbConnection, code: &str) -> QueryResult<Option<i64>> {
    streets::table
        .filter(streets::code.eq(code))
        .select(streets::id)
        .first(conn)
        .optional()
}

pub fn grid_id(conn: &mut DbConnection, code: &str) -> QueryResult<Option<i64>> {
    grids::table
        .filter(grids::code.eq(code))
        .select(grids::id)
        .first(conn)
        .optional()
}

/// A grid's box for drawing: (id, community_id, west, south, east, north).
pub type GridBox = (i64, i64, f64, f64, f64, f64);

/// Every grid's box, for the district map.
pub fn grid_boxes(conn: &mut DbConnection) -> QueryResult<Vec<GridBox>> {
    grids::table
        .select((
            grids::id,
            grids::community_id,
            grids::west,
            grids::south,
            grids::east,
            grids::north,
        ))
        .order(grids::id)
        .load(conn)
}

/// Replaces grid `code`'s outline (an administrator's import); whether the grid exists.
pub fn set_outline(
    conn: &mut DbConnection,
    code: &str,
    outline: &str,
    bounds: crate::domain::territory::Rect,
) -> QueryResult<bool> {
    diesel::update(grids::table.filter(grids::code.eq(code)))
        .set((
            grids::outline.eq(outline),
            grids::west.eq(bounds.west),
            grids::south.eq(bounds.south),
            grids::east.eq(bounds.east),
            grids::north.eq(bounds.north),
            grids::illustrative.eq(false),
        ))
        .execute(conn)
        .map(|n| n > 0)
}

/// The grid workers of a street: (user id, name), by name.
pub fn street_workers(conn: &mut DbConnection, street_id: i64) -> QueryResult<Vec<(i64, String)>> {
    grid_assignments::table
        .inner_join(grids::table.on(grids::id.eq(grid_assignments::grid_id)))
        .inner_join(communities::table.on(communities::id.eq(grids::community_id)))
        .inner_join(users::table.on(users::id.eq(grid_assignments::user_id)))
        .filter(communities::street_id.eq(street_id))
        .select((users::id, users::name))
        .distinct()
        .order((users::name, users::id))
        .load(conn)
}

/// (code, name, English name) of every department.
pub fn departments(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String)>> {
    use super::schema::departments as d;
    d::table
        .select((d::code, d::name, d::name_en))
        .order(d::position)
        .load(conn)
}

/// The department `code`: (id, name, English name).
/// A department: (id, name, English name).
pub type DepartmentNames = (i64, String, String);

/// An event type with the department it is dispatched to, in one query: a report needs both.
pub fn event_type_and_department(
    conn: &mut DbConnection,
    code: &str,
) -> QueryResult<Option<(EventTypeRow, Option<DepartmentNames>)>> {
    use super::schema::departments as d;
    event_types::table
        .left_join(d::table.on(d::code.eq(event_types::department_code)))
        .filter(event_types::code.eq(code))
        .select((
            EventTypeRow::as_select(),
            (d::id, d::name, d::name_en).nullable(),
        ))
        .first(conn)
        .optional()
}

// ---- The taxonomy ----

pub fn seed_taxonomy(
    conn: &mut DbConnection,
    categories: &[crate::domain::grid_event::Category],
) -> QueryResult<()> {
    let any: Option<String> = event_categories::table
        .select(event_categories::code)
        .first(conn)
        .optional()?;
    if any.is_some() {
        return Ok(());
    }
    let mut position = 0;
    for (c, category) in categories.iter().enumerate() {
        diesel::insert_into(event_categories::table)
            .values((
                event_categories::code.eq(&category.code),
                event_categories::name_zh.eq(&category.name_zh),
                event_categories::name_en.eq(&category.name_en),
                event_categories::position.eq(c as i32),
            ))
            .execute(conn)?;
        for t in &category.types {
            position += 1;
            diesel::insert_into(event_types::table)
                .values((
                    event_types::code.eq(&t.code),
                    event_types::category_code.eq(&category.code),
                    event_types::name_zh.eq(&t.name_zh),
                    event_types::name_en.eq(&t.name_en),
                    event_types::department_code.eq(&t.department),
                    event_types::on_the_spot.eq(t.on_the_spot),
                    event_types::limit_days.eq(t.limit_days as i32),
                    event_types::position.eq(position),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = event_types)]
pub struct EventTypeRow {
    pub code: String,
    pub category_code: String,
    pub name_zh: String,
    pub name_en: String,
    pub department_code: String,
    pub on_the_spot: bool,
    pub limit_days: i32,
}

pub fn event_type(conn: &mut DbConnection, code: &str) -> QueryResult<Option<EventTypeRow>> {
    event_types::table
        .find(code)
        .select(EventTypeRow::as_select())
        .first(conn)
        .optional()
}

pub fn event_types(conn: &mut DbConnection) -> QueryResult<Vec<EventTypeRow>> {
    event_types::table
        .select(EventTypeRow::as_select())
        .order(event_types::position)
        .load(conn)
}

/// Changes an event type's names, department, on-the-spot handling and limit; whether it exists.
pub fn update_event_type(
    conn: &mut DbConnection,
    draft: &crate::domain::grid_event::TypeDraft,
) -> QueryResult<bool> {
    diesel::update(event_types::table.find(&draft.code))
        .set((
            event_types::name_zh.eq(&draft.name_zh),
            event_types::name_en.eq(&draft.name_en),
            event_types::department_code.eq(&draft.department),
            event_types::on_the_spot.eq(draft.on_the_spot),
            event_types::limit_days.eq(draft.limit_days),
        ))
        .execute(conn)
        .map(|n| n > 0)
}

/// Adds a type after every other (the lists show them by position).
pub fn insert_event_type(
    conn: &mut DbConnection,
    draft: &crate::domain::grid_event::TypeDraft,
) -> QueryResult<()> {
    let last: Option<i32> = event_types::table
        .select(diesel::dsl::max(event_types::position))
        .first(conn)?;
    diesel::insert_into(event_types::table)
        .values((
            event_types::code.eq(&draft.code),
            event_types::category_code.eq(&draft.category),
            event_types::name_zh.eq(&draft.name_zh),
            event_types::name_en.eq(&draft.name_en),
            event_types::department_code.eq(&draft.department),
            event_types::on_the_spot.eq(draft.on_the_spot),
            event_types::limit_days.eq(draft.limit_days),
            event_types::position.eq(last.unwrap_or(0) + 1),
        ))
        .execute(conn)
        .map(drop)
}

/// (code, name_zh, name_en) of the categories, in order.
pub fn categories(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String)>> {
    event_categories::table
        .select((
            event_categories::code,
            event_categories::name_zh,
            event_categories::name_en,
        ))
        .order(event_categories::position)
        .load(conn)
}

// ---- Events ----

/// A `None` is written as NULL, so that the insert is one prepared statement (see
/// [`crate::db::workflow::NewCase`]).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = grid_events, treat_none_as_default_value = false)]
pub struct NewEvent<'a> {
    pub application_id: i64,
    pub event_type: &'a str,
    pub category_code: &'a str,
    pub grid_id: i64,
    pub community_id: i64,
    pub street_id: i64,
    pub longitude: f64,
    pub latitude: f64,
    pub address: &'a str,
    pub description: &'a str,
    pub source: &'a str,
    pub reporter_id: Option<i64>,
    pub reporter_phone: &'a str,
    pub reported_at: NaiveDateTime,
    pub reported_day: NaiveDate,
}

pub fn insert_event(conn: &mut DbConnection, row: &NewEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(grid_events::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = grid_events)]
pub struct EventRow {
    pub application_id: i64,
    pub event_type: String,
    pub category_code: String,
    pub grid_id: i64,
    pub community_id: i64,
    pub street_id: i64,
    pub longitude: f64,
    pub latitude: f64,
    pub address: String,
    pub description: String,
    pub source: String,
    pub reporter_id: Option<i64>,
    pub reporter_phone: String,
    pub merged_into: Option<i64>,
    pub reported_at: NaiveDateTime,
    pub reported_day: NaiveDate,
    pub closed_day: Option<NaiveDate>,
}

pub fn find_event(conn: &mut DbConnection, id: i64) -> QueryResult<Option<EventRow>> {
    grid_events::table
        .find(id)
        .select(EventRow::as_select())
        .first(conn)
        .optional()
}

/// An open event near a report: (id, longitude, latitude).
pub type NearbyEvent = (i64, f64, f64);

/// Open events of `event_type` reported since `since` inside the box (west, south, east, north),
/// newest first. On `grid_events` alone: joined to `applications` for the numbers, PostgreSQL
/// planned the query anew at every report among all the applications' indexes (0.3 ms, more
/// than the rest of the report's reads); the number of the one found is read by
/// [`super::hotline::numbers`].
///
/// Called inside the report's transaction. On PostgreSQL the transaction then takes the
/// statement's generic plan: with the values bound, the box's few rows make every custom plan
/// look five times cheaper than the generic one (estimated 9 against 48), so PostgreSQL planned
/// the statement at every report (0.1 ms, `pg_stat_statements` under G2) and chose, each time,
/// the index scan of `grid_events_type_place` that the generic plan makes too (as a bitmap
/// scan: 0.05 ms on one million events). `SET LOCAL` ends with the transaction.
pub fn open_of_type_near(
    conn: &mut DbConnection,
    event_type: &str,
    since: NaiveDateTime,
    (west, south, east, north): (f64, f64, f64, f64),
) -> QueryResult<Vec<NearbyEvent>> {
    if let DbConnection::Postgres(pg) = conn {
        use diesel::connection::SimpleConnection;
        pg.batch_execute("SET LOCAL plan_cache_mode = force_generic_plan")?;
    }
    grid_events::table
        .filter(grid_events::event_type.eq(event_type))
        .filter(grid_events::latitude.between(south, north))
        .filter(grid_events::reported_at.ge(since))
        .filter(grid_events::longitude.between(west, east))
        .filter(grid_events::closed_day.is_null())
        .select((
            grid_events::application_id,
            grid_events::longitude,
            grid_events::latitude,
        ))
        .order(grid_events::reported_at.desc())
        .load(conn)
}

pub fn set_closed(conn: &mut DbConnection, id: i64, day: NaiveDate) -> QueryResult<()> {
    diesel::update(grid_events::table.find(id))
        .set(grid_events::closed_day.eq(day))
        .execute(conn)
        .map(drop)
}

pub fn set_merged_into(conn: &mut DbConnection, id: i64, into: i64) -> QueryResult<()> {
    diesel::update(grid_events::table.find(id))
        .set(grid_events::merged_into.eq(into))
        .execute(conn)
        .map(drop)
}

pub fn event_id_by_number(conn: &mut DbConnection, number: &str) -> QueryResult<Option<i64>> {
    applications::table
        .filter(applications::tracking_number.eq(number))
        .filter(applications::kind.eq(KIND_EVENT))
        .select(applications::id)
        .first(conn)
        .optional()
}

/// A line of an event list.
#[derive(Debug, Clone, Queryable)]
pub struct EventLine {
    pub id: i64,
    pub tracking_number: Option<String>,
    pub status: String,
    pub event_type: String,
    pub address: String,
    pub reported_at: NaiveDateTime,
    pub due_on: Option<NaiveDate>,
    pub grid_id: i64,
}

type EventLineColumns = (
    applications::id,
    applications::tracking_number,
    applications::status,
    grid_events::event_type,
    grid_events::address,
    grid_events::reported_at,
    applications::due_on,
    grid_events::grid_id,
);

const EVENT_LINE: EventLineColumns = (
    applications::id,
    applications::tracking_number,
    applications::status,
    grid_events::event_type,
    grid_events::address,
    grid_events::reported_at,
    applications::due_on,
    grid_events::grid_id,
);

/// Which events a list shows, newest first, `limit` after the keyset `before` (id).
pub enum EventScope<'a> {
    /// The events of these grids.
    Grids(&'a [i64]),
    /// The events a department holds in these states.
    Department(i64, &'a [&'a str]),
    /// Every event reported on a day.
    Day(NaiveDate),
    /// A signed-in citizen's reports (the applicant of their cases).
    Reporter(i64),
}

pub fn events(
    conn: &mut DbConnection,
    scope: EventScope<'_>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<EventLine>> {
    let mut query = grid_events::table
        .inner_join(applications::table.on(applications::id.eq(grid_events::application_id)))
        .select(EVENT_LINE)
        .order(grid_events::application_id.desc())
        .limit(limit)
        .into_boxed();
    query = match scope {
        EventScope::Grids(ids) => query.filter(grid_events::grid_id.eq_any(ids.to_vec())),
        EventScope::Department(department, states) => query
            .filter(applications::department_id.eq(department))
            .filter(applications::kind.eq(KIND_EVENT))
            .filter(applications::status.eq_any(states.to_vec())),
        EventScope::Day(day) => query.filter(grid_events::reported_day.eq(day)),
        // By the case's applicant, whose index finds a citizen's few cases among a million.
        EventScope::Reporter(user) => query
            .filter(applications::applicant_id.eq(user))
            .filter(applications::kind.eq(KIND_EVENT)),
    };
    if let Some(before) = before {
        query = query.filter(grid_events::application_id.lt(before));
    }
    query.load(conn)
}

/// Open events per grid: (grid id, count).
pub fn open_per_grid(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64)>> {
    grid_events::table
        .filter(grid_events::closed_day.is_null())
        .group_by(grid_events::grid_id)
        .select((grid_events::grid_id, diesel::dsl::count_star()))
        .load(conn)
}

// ---- The command centre's counts ----

/// What a step changes in the day's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountChange {
    pub found: i32,
    pub dispatched: i32,
    pub closed: i32,
    pub closed_on_time: i32,
}

/// Where an event is counted: its community (in its street) and its category; its application
/// picks the slot.
#[derive(Debug, Clone, Copy)]
pub struct CountPlace<'a> {
    pub application_id: i64,
    pub community_id: i64,
    pub street_id: i64,
    pub category_code: &'a str,
}

impl EventRow {
    pub fn count_place(&self) -> CountPlace<'_> {
        CountPlace {
            application_id: self.application_id,
            community_id: self.community_id,
            street_id: self.street_id,
            category_code: &self.category_code,
        }
    }
}

/// Adds `change` to the counts of `day` for the event's community, category and department, in
/// the event's slot.
pub fn count(
    conn: &mut DbConnection,
    day: NaiveDate,
    event: CountPlace<'_>,
    department_code: &str,
    change: CountChange,
) -> QueryResult<()> {
    if change == CountChange::default() {
        return Ok(());
    }
    let slot = super::count_slot(event.application_id);
    super::FixedSql::new(
        "INSERT INTO event_day_counts (day, community_id, street_id, category_code, \
         department_code, slot, found, dispatched, closed, closed_on_time) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (day, community_id, category_code, department_code, slot) DO UPDATE SET \
         found = event_day_counts.found + excluded.found, \
         dispatched = event_day_counts.dispatched + excluded.dispatched, \
         closed = event_day_counts.closed + excluded.closed, \
         closed_on_time = event_day_counts.closed_on_time + excluded.closed_on_time",
        vec![
            day.into(),
            event.community_id.into(),
            event.street_id.into(),
            event.category_code.into(),
            department_code.into(),
            slot.into(),
            change.found.into(),
            change.dispatched.into(),
            change.closed.into(),
            change.closed_on_time.into(),
        ],
    )
    .execute(conn)
    .map(drop)
}

/// A row of the day counts: one slot's share of a day's counts of a community, category and
/// department. A reader adds up the rows of a place (the command centre's lines do).
#[derive(Debug, Clone, Queryable)]
pub struct DayCount {
    pub day: NaiveDate,
    pub community_id: i64,
    pub street_id: i64,
    pub category_code: String,
    pub department_code: String,
    pub found: i32,
    pub dispatched: i32,
    pub closed: i32,
    pub closed_on_time: i32,
}

/// The counts of the days in [from, until], slot by slot: summing them in the query cost the
/// day view 3.5 ms more on PostgreSQL (7 against 10.5 ms for a seeded day's 5,506 rows), and
/// the view adds the rows into its lines anyway.
pub fn day_counts(
    conn: &mut DbConnection,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<Vec<DayCount>> {
    use event_day_counts as c;
    c::table
        .filter(c::day.ge(from))
        .filter(c::day.le(until))
        .select((
            c::day,
            c::community_id,
            c::street_id,
            c::category_code,
            c::department_code,
            c::found,
            c::dispatched,
            c::closed,
            c::closed_on_time,
        ))
        .load(conn)
}

/// A day's totals: (day, found, dispatched, closed, closed on time).
pub type DayTotal = (NaiveDate, i64, i64, i64, i64);

type DaySums = (
    NaiveDate,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// Per day in [from, until], days without events left out. Days before `settled` (a day no
/// count can reach any more: every count is made on its own day) are read from the memo of
/// past days, which the first reader fills; later days are summed from the counts.
pub fn daily_totals(
    conn: &mut DbConnection,
    from: NaiveDate,
    until: NaiveDate,
    settled: NaiveDate,
) -> QueryResult<Vec<DayTotal>> {
    use event_day_totals as t;
    let memo_until = until.min(settled - chrono::Duration::days(1));
    let mut totals: Vec<DayTotal> = Vec::new();
    if from <= memo_until {
        let kept: Vec<DayTotal> = t::table
            .filter(t::day.ge(from))
            .filter(t::day.le(memo_until))
            .select((
                t::day,
                t::found,
                t::dispatched,
                t::closed,
                t::closed_on_time,
            ))
            .order(t::day)
            .load(conn)?;
        let known: std::collections::HashSet<NaiveDate> = kept.iter().map(|k| k.0).collect();
        let missing: Vec<NaiveDate> = from
            .iter_days()
            .take_while(|d| *d <= memo_until)
            .filter(|d| !known.contains(d))
            .collect();
        if let (Some(first), Some(last)) = (missing.first(), missing.last()) {
            let summed = summed_days(conn, *first, *last)?;
            let rows: Vec<_> = missing
                .iter()
                .map(|d| {
                    let (_, f, di, cl, ot) = summed
                        .iter()
                        .find(|s| s.0 == *d)
                        .copied()
                        .unwrap_or((*d, 0, 0, 0, 0));
                    (
                        t::day.eq(*d),
                        t::found.eq(f),
                        t::dispatched.eq(di),
                        t::closed.eq(cl),
                        t::closed_on_time.eq(ot),
                    )
                })
                .collect();
            // Two readers may fill the same day at once: the same figures, the first kept.
            super::on_backend!(&mut *conn, |c| diesel::insert_into(t::table)
                .values(&rows)
                .on_conflict_do_nothing()
                .execute(c))?;
            totals.extend(summed);
        }
        totals.extend(kept);
    }
    let live_from = from.max(settled);
    if live_from <= until {
        totals.extend(summed_days(conn, live_from, until)?);
    }
    totals.retain(|(_, f, di, cl, ot)| f + di + cl + ot > 0);
    totals.sort_by_key(|t| t.0);
    Ok(totals)
}

/// The day counts summed per day in [from, until].
fn summed_days(
    conn: &mut DbConnection,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<Vec<DayTotal>> {
    use diesel::dsl::sum;
    use event_day_counts as c;
    let rows: Vec<DaySums> = c::table
        .filter(c::day.ge(from))
        .filter(c::day.le(until))
        .group_by(c::day)
        .select((
            c::day,
            sum(c::found),
            sum(c::dispatched),
            sum(c::closed),
            sum(c::closed_on_time),
        ))
        .order(c::day)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(d, f, di, cl, ot)| {
            (
                d,
                f.unwrap_or(0),
                di.unwrap_or(0),
                cl.unwrap_or(0),
                ot.unwrap_or(0),
            )
        })
        .collect())
}

/// Forgets the kept totals of past days (the seed adds events to them).
pub fn forget_day_totals(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(event_day_totals::table)
        .execute(conn)
        .map(drop)
}

// ---- Devices, patrols and points ----

pub fn insert_device(
    conn: &mut DbConnection,
    user_id: i64,
    label: &str,
    token_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    super::on_backend!(&mut *conn, |c| diesel::insert_into(devices::table)
        .values((
            devices::user_id.eq(user_id),
            devices::label.eq(label),
            devices::token_hash.eq(token_hash),
            devices::created_at.eq(at),
        ))
        .returning(devices::id)
        .get_result(c))
}

/// A device as the administrators' list shows it.
#[derive(Debug, Clone, Queryable)]
pub struct DeviceLine {
    pub id: i64,
    pub label: String,
    pub worker_email: String,
    pub worker_name: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Devices newest first, `limit` of them before id `before` (keyset).
pub fn device_lines(
    conn: &mut DbConnection,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DeviceLine>> {
    let mut query = devices::table
        .inner_join(users::table.on(users::id.eq(devices::user_id)))
        .select((
            devices::id,
            devices::label,
            users::email,
            users::name,
            devices::created_at,
            devices::revoked_at,
        ))
        .order(devices::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(devices::id.lt(before));
    }
    query.load(conn)
}

pub fn revoke_device(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        devices::table
            .find(id)
            .filter(devices::revoked_at.is_null()),
    )
    .set(devices::revoked_at.eq(at))
    .execute(conn)
    .map(|n| n > 0)
}

/// The device of a token (unrevoked): (device id, user id).
pub fn device_by_token(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<(i64, i64)>> {
    devices::table
        .filter(devices::token_hash.eq(hash))
        .filter(devices::revoked_at.is_null())
        .select((devices::id, devices::user_id))
        .first(conn)
        .optional()
}

pub fn start_patrol(
    conn: &mut DbConnection,
    user_id: i64,
    day: NaiveDate,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    super::on_backend!(&mut *conn, |c| diesel::insert_into(patrols::table)
        .values((
            patrols::user_id.eq(user_id),
            patrols::day.eq(day),
            patrols::started_at.eq(at),
        ))
        .returning(patrols::id)
        .get_result(c))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = patrols)]
pub struct PatrolRow {
    pub id: i64,
    pub user_id: i64,
    pub day: NaiveDate,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub points: i32,
    pub distance_m: i32,
    pub rounds: i32,
    pub checkpoints_reached: i32,
    pub checkpoints_total: i32,
    pub gaps: i32,
    pub too_fast: i32,
    pub summarized_at: Option<NaiveDateTime>,
}

/// The worker's patrol under way, if any.
pub fn open_patrol(conn: &mut DbConnection, user_id: i64) -> QueryResult<Option<PatrolRow>> {
    patrols::table
        .filter(patrols::user_id.eq(user_id))
        .filter(patrols::ended_at.is_null())
        .select(PatrolRow::as_select())
        .order(patrols::id.desc())
        .first(conn)
        .optional()
}

pub fn find_patrol(conn: &mut DbConnection, id: i64) -> QueryResult<Option<PatrolRow>> {
    patrols::table
        .find(id)
        .select(PatrolRow::as_select())
        .first(conn)
        .optional()
}

pub fn end_patrol(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(patrols::table.find(id).filter(patrols::ended_at.is_null()))
        .set(patrols::ended_at.eq(at))
        .execute(conn)
        .map(|n| n > 0)
}

/// The patrols of `users` on `day`.
pub fn patrols_on(
    conn: &mut DbConnection,
    users: &[i64],
    day: NaiveDate,
) -> QueryResult<Vec<PatrolRow>> {
    patrols::table
        .filter(patrols::day.eq(day))
        .filter(patrols::user_id.eq_any(users))
        .select(PatrolRow::as_select())
        .order((patrols::user_id, patrols::id))
        .load(conn)
}

/// A patrol's summary as computed from its points.
#[derive(Debug, Clone, Copy, Default, AsChangeset, Insertable)]
#[diesel(table_name = patrols)]
pub struct PatrolSummary {
    pub points: i32,
    pub distance_m: i32,
    pub rounds: i32,
    pub checkpoints_reached: i32,
    pub checkpoints_total: i32,
    pub gaps: i32,
    pub too_fast: i32,
    pub summarized_at: Option<NaiveDateTime>,
}

pub fn set_summary(conn: &mut DbConnection, id: i64, summary: &PatrolSummary) -> QueryResult<()> {
    diesel::update(patrols::table.find(id))
        .set(summary)
        .execute(conn)
        .map(drop)
}

/// A late point arrived for the worker's ended patrols that cover `at`: their summaries are
/// computed again when next shown.
pub fn mark_stale(
    conn: &mut DbConnection,
    user_id: i64,
    earliest: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        patrols::table
            .filter(patrols::user_id.eq(user_id))
            .filter(patrols::ended_at.ge(earliest))
            .filter(patrols::summarized_at.is_not_null()),
    )
    .set(patrols::summarized_at.eq(None::<NaiveDateTime>))
    .execute(conn)
    .map(drop)
}

/// A point as posted.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = patrol_points)]
// Every column given: also what PostgreSQL's COPY needs (the seed's bulk load).
#[diesel(treat_none_as_default_value = false)]
pub struct NewPoint {
    pub device_id: i64,
    pub seq: i64,
    pub user_id: i64,
    pub recorded_at: NaiveDateTime,
    pub longitude: f64,
    pub latitude: f64,
}

/// Inserts the points not there yet (by device and sequence); how many were new.
pub fn insert_points(conn: &mut DbConnection, points: &[NewPoint]) -> QueryResult<usize> {
    let mut new = 0;
    for chunk in points.chunks(500) {
        new += match conn {
            DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(patrol_points::table)
                .values(chunk)
                .execute(c)?,
            DbConnection::Postgres(c) => diesel::insert_into(patrol_points::table)
                .values(chunk)
                .on_conflict_do_nothing()
                .execute(c)?,
        };
    }
    Ok(new)
}

/// A worker's points in [from, until]: (time, longitude, latitude), in time order.
pub fn points_between(
    conn: &mut DbConnection,
    user_id: i64,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<(NaiveDateTime, f64, f64)>> {
    patrol_points::table
        .filter(patrol_points::user_id.eq(user_id))
        .filter(patrol_points::recorded_at.ge(from))
        .filter(patrol_points::recorded_at.le(until))
        .select((
            patrol_points::recorded_at,
            patrol_points::longitude,
            patrol_points::latitude,
        ))
        .order(patrol_points::recorded_at)
        .load(conn)
}
