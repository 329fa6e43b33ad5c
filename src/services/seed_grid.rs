//! `onestop seed --events N --patrol-points M`: the grid at the seed district's scale, for the
//! grid's benchmark (point ingestion, an event's report, the command centre's day view).
//!
//! One grid worker per work grid (`worker0001@bench.onestop.cn` …, the demo password, hashed
//! once), each with one device whose token nobody knows (the benchmark issues its own tokens
//! through the administrators' page, as a district would).
//!
//! Events: cases of kind `event` on the shipped grid event workflow with their grid_events
//! row, over the last 60 days (about 16,700 a day for a million), at a random point of a random
//! grid, of a random type; nine in ten found on patrol, the rest reported by citizens; most
//! closed within their type's limit, some open, some late, some merged. The command centre's
//! day counts are written from the same rows, as the transitions would have counted them.
//! Audit events are left out, as for the applications' seed.
//!
//! Patrol points: patrols of eight hours from 08:00 (Beijing time) on the days before today,
//! one point every 10 seconds (2,880 a patrol), walking rounds through the grid's four check
//! points; worker by worker, oldest day first, so that points arrive in key order. Each patrol
//! is summarised as the server would summarise it.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use diesel::prelude::*;

use super::ServiceError;
use super::seed::{BulkLoad, Random};
use super::seed_hotline::{SeedCase, advance_case_ids, latest_workflow, next_case_id, weighted};
use crate::db::grid::{self as grid_queries, NewPoint};
use crate::db::schema::{
    applications, devices, event_day_counts, grid_assignments, grid_events, grids, patrol_points,
    patrols, users,
};
use crate::db::workflow::NO_DEADLINE;
use crate::db::{DbConnection, on_backend};
use crate::domain::grid_event::{EVENT_WORKFLOW, KIND_EVENT};
use crate::domain::identity::Role;
use crate::domain::patrol::{TracePoint, summarize};
use crate::domain::territory::{Outline, Point};
use crate::domain::tracking::{Series, TrackingNumber};

/// The states of the events, in percent.
const STATES: &[(&str, u32)] = &[
    ("event_closed", 88),
    ("event_handling", 5),
    ("event_verifying", 2),
    ("event_reported", 1),
    ("event_returned", 1),
    ("event_merged", 3),
];

/// A patrol: eight hours, a point every ten seconds.
pub const PATROL_POINTS: u64 = 8 * 360;
const POINT_SECONDS: i64 = 10;

pub fn worker_email(n: usize) -> String {
    format!("worker{n:04}@bench.onestop.cn")
}

#[derive(Debug, Clone, Copy, Default)]
pub struct GridSeedReport {
    pub workers_created: usize,
    pub events: u64,
    pub patrols: u64,
    pub points: u64,
}

/// A grid as the seed needs it.
struct SeedGrid {
    id: i64,
    community_id: i64,
    street_id: i64,
    outline: Outline,
}

#[derive(Insertable)]
#[diesel(table_name = grid_events)]
struct SeedEvent {
    application_id: i64,
    event_type: String,
    category_code: String,
    grid_id: i64,
    community_id: i64,
    street_id: i64,
    longitude: f64,
    latitude: f64,
    address: &'static str,
    description: &'static str,
    source: &'static str,
    reporter_id: Option<i64>,
    reporter_phone: String,
    reported_at: NaiveDateTime,
    reported_day: NaiveDate,
    closed_day: Option<NaiveDate>,
}

#[derive(Insertable)]
#[diesel(table_name = patrols)]
struct SeedPatrol {
    user_id: i64,
    day: NaiveDate,
    started_at: NaiveDateTime,
    ended_at: NaiveDateTime,
    #[diesel(embed)]
    summary: grid_queries::PatrolSummary,
}

/// The day counts' key: (day, community, category, department) and its street.
type CountKey = (NaiveDate, i64, String, String);

/// Adds `events` events and `points` patrol points (the workers, their grids and devices
/// created first if missing).
pub fn seed_grid(
    conn: &mut DbConnection,
    events: u64,
    points: u64,
    seed: u64,
) -> Result<GridSeedReport, ServiceError> {
    let mut report = GridSeedReport::default();
    let grids = seed_grids(conn)?;
    if grids.is_empty() {
        return Err(ServiceError::Corrupt("the territory is empty".into()));
    }
    report.workers_created = create_workers(conn, &grids)?;
    // (worker id, device id) per grid, in grid order.
    let workers = workers_and_devices(conn, grids.len())?;
    let mut random = Random(seed.max(1) ^ 0x0067_7269_6473);
    if events > 0 {
        report.events = seed_events(conn, &grids, &workers, events, &mut random)?;
    }
    if points > 0 {
        (report.patrols, report.points) =
            seed_patrols(conn, &grids, &workers, points, &mut random)?;
    }
    Ok(report)
}

fn seed_grids(conn: &mut DbConnection) -> Result<Vec<SeedGrid>, ServiceError> {
    let streets: HashMap<i64, i64> = grid_queries::communities(conn)?
        .into_iter()
        .map(|(id, street, _)| (id, street))
        .collect();
    let rows: Vec<(i64, i64, String)> = grids::table
        .select((grids::id, grids::community_id, grids::outline))
        .order(grids::id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, community_id, outline)| {
            Some(SeedGrid {
                id,
                community_id,
                street_id: *streets.get(&community_id)?,
                outline: Outline::from_json(&outline)?,
            })
        })
        .collect())
}

/// Worker n (1-based) works grid n; returns how many were created.
fn create_workers(conn: &mut DbConnection, grids: &[SeedGrid]) -> Result<usize, ServiceError> {
    let have: std::collections::HashSet<String> = users::table
        .filter(users::email.like("worker%@bench.onestop.cn"))
        .select(users::email)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let now = Utc::now().naive_utc();
    let missing: Vec<usize> = (1..=grids.len())
        .filter(|n| !have.contains(&worker_email(*n)))
        .collect();
    if missing.is_empty() {
        return Ok(0);
    }
    let password_hash = super::secrets::hash_password(&super::demo::password());
    let password_hash = password_hash.as_str();
    crate::db::write_transaction(conn, |conn| {
        for chunk in missing.chunks(500) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|n| {
                    (
                        users::email.eq(worker_email(*n)),
                        users::password_hash.eq(password_hash),
                        users::role.eq(Role::GridWorker.slug()),
                        users::name.eq(format!("基准网格员{n:04}")),
                        users::email_verified.eq(true),
                        users::active.eq(true),
                        users::created_at.eq(now),
                    )
                })
                .collect();
            on_backend!(&mut *conn, |c| diesel::insert_into(users::table)
                .values(&rows)
                .execute(c))?;
        }
        let ids = worker_ids(conn)?;
        for chunk in missing.chunks(500) {
            let assignments: Vec<_> = chunk
                .iter()
                .filter_map(|n| {
                    let user = *ids.get(&worker_email(*n))?;
                    Some((
                        grid_assignments::grid_id.eq(grids[n - 1].id),
                        grid_assignments::user_id.eq(user),
                    ))
                })
                .collect();
            on_backend!(&mut *conn, |c| diesel::insert_into(grid_assignments::table)
                .values(&assignments)
                .execute(c))?;
            let devices: Vec<_> = chunk
                .iter()
                .filter_map(|n| {
                    let user = *ids.get(&worker_email(*n))?;
                    // A token drawn and forgotten: the device exists, nobody can post as it.
                    let token = super::secrets::random_token();
                    Some((
                        devices::user_id.eq(user),
                        devices::label.eq("基准巡查终端"),
                        devices::token_hash.eq(crate::domain::sha256_hex(token.as_bytes())),
                        devices::created_at.eq(now),
                    ))
                })
                .collect();
            on_backend!(&mut *conn, |c| diesel::insert_into(devices::table)
                .values(&devices)
                .execute(c))?;
        }
        Ok(missing.len())
    })
}

fn worker_ids(conn: &mut DbConnection) -> Result<HashMap<String, i64>, ServiceError> {
    Ok(users::table
        .filter(users::email.like("worker%@bench.onestop.cn"))
        .select((users::email, users::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

fn workers_and_devices(
    conn: &mut DbConnection,
    count: usize,
) -> Result<Vec<(i64, i64)>, ServiceError> {
    let ids = worker_ids(conn)?;
    let device_of: HashMap<i64, i64> = devices::table
        .filter(devices::label.eq("基准巡查终端"))
        .select((devices::user_id, devices::id))
        .order(devices::id)
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    (1..=count)
        .map(|n| {
            let user = *ids
                .get(&worker_email(n))
                .ok_or_else(|| ServiceError::Corrupt(format!("no {}", worker_email(n))))?;
            let device = *device_of
                .get(&user)
                .ok_or_else(|| ServiceError::Corrupt(format!("no device of {user}")))?;
            Ok((user, device))
        })
        .collect()
}

/// A random point inside the grid's box, tried until inside its outline.
fn point_in(grid: &SeedGrid, random: &mut Random) -> Point {
    let b = grid.outline.bounds();
    for _ in 0..8 {
        let x = random.below(1_000_000) as f64 / 1_000_000.0;
        let y = random.below(1_000_000) as f64 / 1_000_000.0;
        let p = Point::new(
            b.west + (b.east - b.west) * x,
            b.south + (b.north - b.south) * y,
        );
        if grid.outline.contains(p) {
            return p;
        }
    }
    grid.outline.checkpoints()[0]
}

fn seed_events(
    conn: &mut DbConnection,
    grids: &[SeedGrid],
    workers: &[(i64, i64)],
    count: u64,
    random: &mut Random,
) -> Result<u64, ServiceError> {
    let calendar = super::workflow::load_calendar(conn)?;
    let workflow_id = latest_workflow(conn, EVENT_WORKFLOW)?;
    let types = grid_queries::event_types(conn)?;
    let mut departments = HashMap::new();
    for t in &types {
        if let Some(id) = crate::db::workflow::department_id(conn, &t.department_code)? {
            departments.insert(t.department_code.clone(), id);
        }
    }
    if types.is_empty() {
        return Err(ServiceError::Corrupt("no event types".into()));
    }
    let bulk = BulkLoad::begin(conn)?;
    let outcome = crate::db::write_transaction(conn, |conn| {
        let first = next_case_id(conn)?;
        let now = Utc::now().naive_utc();
        let span = Duration::days(60);
        let start = now - span;
        let step = span.num_microseconds().unwrap_or(1) / (count.max(1) as i64);
        let today = (now + Duration::hours(8)).date();
        let mut counts: HashMap<CountKey, (i64, [i32; 4])> = HashMap::new();
        bulk.drop_indexes(conn)?;
        let mut cases = Vec::with_capacity(1000);
        let mut events = Vec::with_capacity(1000);
        for i in 0..count {
            let id = first + i as i64;
            let created = start + Duration::microseconds(step * i as i64);
            let day = (created + Duration::hours(8)).date();
            let grid_at = random.below(grids.len() as u64) as usize;
            let grid = &grids[grid_at];
            let kind = &types[random.below(types.len() as u64) as usize];
            let by_worker = random.below(10) < 9;
            let mut status = weighted(random, STATES);
            let limit = u32::try_from(kind.limit_days).unwrap_or(1).max(1);
            let due = calendar.add_working_days(day, limit);
            // Closing takes a day or two past the limit in one case in ten.
            let late = random.below(10) == 0;
            let mut closed = (status == "event_closed").then(|| {
                let days = if late {
                    limit + 1 + random.below(2) as u32
                } else {
                    random.below(u64::from(limit) + 1) as u32
                };
                calendar.add_working_days(day, days)
            });
            if closed.is_some_and(|c| c > today) {
                // Not yet: still with the department.
                (status, closed) = ("event_handling", None);
            }
            let on_the_spot = by_worker && kind.on_the_spot;
            let department = (!on_the_spot)
                .then(|| departments.get(&kind.department_code).copied())
                .flatten();
            let department_code = if department.is_some() {
                kind.department_code.clone()
            } else {
                String::new()
            };
            if status == "event_handling" && department.is_none() {
                status = "event_reported";
            }
            let open = closed.is_none() && status != "event_merged";
            let point = point_in(grid, random);
            cases.push(SeedCase {
                id,
                tracking_number: TrackingNumber::in_series(Series::Event, day, first as u64 + i)
                    .to_string(),
                kind: KIND_EVENT,
                status,
                input: "[]",
                version: 1,
                created_at: created,
                updated_at: created,
                submitted_at: created,
                workflow_definition_id: workflow_id,
                department_id: department,
                legal_days: limit as i32,
                promised_days: limit as i32,
                received_on: day,
                accepted_on: day,
                decided_on: closed,
                on_time: closed.map(|c| c <= due),
                decision: None,
                due_on: if open { due } else { NO_DEADLINE },
                warn_on: if open { due } else { NO_DEADLINE },
                hard_due_on: if open { due } else { NO_DEADLINE },
                state_entered_on: closed.unwrap_or(day),
            });
            events.push(SeedEvent {
                application_id: id,
                event_type: kind.code.clone(),
                category_code: kind.category_code.clone(),
                grid_id: grid.id,
                community_id: grid.community_id,
                street_id: grid.street_id,
                longitude: point.lon,
                latitude: point.lat,
                address: "宝安区（基准数据集）",
                description: "根据基准数据集生成的网格事件，用于性能测试。",
                source: if by_worker { "patrol" } else { "citizen" },
                reporter_id: by_worker.then(|| workers[grid_at].0),
                reporter_phone: if by_worker {
                    String::new()
                } else {
                    (13_800_000_000 + random.below(200_000)).to_string()
                },
                reported_at: created,
                reported_day: day,
                closed_day: closed.or((status == "event_merged").then_some(day)),
            });
            let key = |d: NaiveDate| {
                (
                    d,
                    grid.community_id,
                    kind.category_code.clone(),
                    department_code.clone(),
                )
            };
            let found = &mut counts.entry(key(day)).or_insert((grid.street_id, [0; 4])).1;
            found[0] += 1;
            found[1] += i32::from(department.is_some());
            if status == "event_merged" {
                found[2] += 1;
                found[3] += 1;
            }
            if let Some(c) = closed {
                let shut = &mut counts.entry(key(c)).or_insert((grid.street_id, [0; 4])).1;
                shut[2] += 1;
                shut[3] += i32::from(c <= due);
            }
            if cases.len() == 1000 {
                insert_events(conn, &cases, &events)?;
                cases.clear();
                events.clear();
            }
        }
        insert_events(conn, &cases, &events)?;
        bulk.rebuild_indexes(conn)?;
        advance_case_ids(conn)?;
        add_counts(conn, counts)?;
        grid_queries::forget_day_totals(conn)?;
        crate::db::workflow::recount(conn)?;
        Ok(count)
    });
    bulk.end(conn)?;
    outcome
}

fn insert_events(
    conn: &mut DbConnection,
    cases: &[SeedCase],
    events: &[SeedEvent],
) -> Result<(), ServiceError> {
    if cases.is_empty() {
        return Ok(());
    }
    on_backend!(&mut *conn, |c| diesel::insert_into(applications::table)
        .values(cases)
        .execute(c))?;
    on_backend!(&mut *conn, |c| diesel::insert_into(grid_events::table)
        .values(events)
        .execute(c))?;
    Ok(())
}

/// Adds the seeded events' counts to the day counts (kept if some were there).
fn add_counts(
    conn: &mut DbConnection,
    counts: HashMap<CountKey, (i64, [i32; 4])>,
) -> Result<(), ServiceError> {
    use diesel::upsert::excluded;
    use event_day_counts as c;
    let rows: Vec<_> = counts
        .into_iter()
        .map(|((day, community, category, department), (street, n))| {
            (
                c::day.eq(day),
                c::community_id.eq(community),
                c::street_id.eq(street),
                c::category_code.eq(category),
                c::department_code.eq(department),
                c::slot.eq(0),
                c::found.eq(n[0]),
                c::dispatched.eq(n[1]),
                c::closed.eq(n[2]),
                c::closed_on_time.eq(n[3]),
            )
        })
        .collect();
    for chunk in rows.chunks(1000) {
        on_backend!(&mut *conn, |inner| diesel::insert_into(c::table)
            .values(chunk)
            .on_conflict((
                c::day,
                c::community_id,
                c::category_code,
                c::department_code,
                c::slot
            ))
            .do_update()
            .set((
                c::found.eq(c::found + excluded(c::found)),
                c::dispatched.eq(c::dispatched + excluded(c::dispatched)),
                c::closed.eq(c::closed + excluded(c::closed)),
                c::closed_on_time.eq(c::closed_on_time + excluded(c::closed_on_time)),
            ))
            .execute(inner))?;
    }
    Ok(())
}

/// Where a worker walking rounds through the grid's check points is after `step` steps of
/// about ten metres (the four check points are the corners of the walked rectangle).
fn walk(corners: &[Point], step: u64, random: &mut Random) -> Point {
    let legs: Vec<f64> = (0..corners.len())
        .map(|k| corners[k].metres_to(corners[(k + 1) % corners.len()]))
        .collect();
    let round: f64 = legs.iter().sum::<f64>().max(1.0);
    let mut along = (step as f64 * 10.0) % round;
    for (k, leg) in legs.iter().enumerate() {
        if along <= *leg || k + 1 == legs.len() {
            let (a, b) = (corners[k], corners[(k + 1) % corners.len()]);
            let f = if *leg > 0.0 { along / leg } else { 0.0 };
            // A metre or so of the receiver's wander.
            let jitter = |r: &mut Random| (r.below(21) as f64 - 10.0) * 1e-6;
            return Point::new(
                a.lon + (b.lon - a.lon) * f + jitter(random),
                a.lat + (b.lat - a.lat) * f + jitter(random),
            );
        }
        along -= leg;
    }
    corners[0]
}

fn seed_patrols(
    conn: &mut DbConnection,
    grids: &[SeedGrid],
    workers: &[(i64, i64)],
    count: u64,
    random: &mut Random,
) -> Result<(u64, u64), ServiceError> {
    let patrol_count = count.div_ceil(PATROL_POINTS);
    let days = patrol_count.div_ceil(grids.len() as u64);
    let today = (Utc::now().naive_utc() + Duration::hours(8)).date();
    let summarised = Utc::now().naive_utc();
    let start_time = NaiveTime::from_hms_opt(8, 0, 0).expect("a time");
    let bulk = BulkLoad::begin_for(conn, "patrol_points")?;
    let outcome = crate::db::write_transaction(conn, |conn| {
        // Points already there for a device continue its sequence.
        let mut next_seq: HashMap<i64, i64> = patrol_points::table
            .group_by(patrol_points::device_id)
            .select((
                patrol_points::device_id,
                diesel::dsl::max(patrol_points::seq),
            ))
            .load::<(i64, Option<i64>)>(conn)?
            .into_iter()
            .map(|(d, s)| (d, s.unwrap_or(-1) + 1))
            .collect();
        bulk.drop_indexes(conn)?;
        let (mut written, mut patrol_rows) = (0u64, 0u64);
        let mut batch: Vec<NewPoint> = Vec::with_capacity(10_000);
        let mut summaries = Vec::with_capacity(1000);
        'workers: for (grid, (user, device)) in grids.iter().zip(workers) {
            let corners = grid.outline.checkpoints();
            for d in (1..=days).rev() {
                if written >= count {
                    break 'workers;
                }
                let day = today - Duration::days(d as i64);
                // 08:00 in Beijing is 00:00 UTC.
                let started = day.and_time(start_time) - Duration::hours(8);
                let n = PATROL_POINTS.min(count - written);
                // One patrol in fifty loses the signal for a quarter of an hour.
                let gap_at = (random.below(50) == 0).then(|| random.below(n.max(1)));
                let mut trace = Vec::with_capacity(n as usize);
                let seq = next_seq.entry(*device).or_insert(0);
                for k in 0..n {
                    if gap_at.is_some_and(|g| k >= g && k < g + 90) {
                        continue;
                    }
                    let at = started + Duration::seconds(k as i64 * POINT_SECONDS);
                    let point = walk(&corners, k, random);
                    trace.push(TracePoint { at, point });
                    batch.push(NewPoint {
                        device_id: *device,
                        seq: *seq,
                        user_id: *user,
                        recorded_at: at,
                        longitude: point.lon,
                        latitude: point.lat,
                    });
                    *seq += 1;
                }
                written += trace.len() as u64;
                summaries.push(SeedPatrol {
                    user_id: *user,
                    day,
                    started_at: started,
                    ended_at: started + Duration::seconds(n as i64 * POINT_SECONDS),
                    summary: super::grid::patrol_summary(
                        &summarize(&trace, &corners),
                        corners.len(),
                        summarised,
                    ),
                });
                patrol_rows += 1;
                if batch.len() >= 100_000 {
                    insert_points(conn, &batch)?;
                    batch.clear();
                }
                if summaries.len() == 1000 {
                    insert_patrols(conn, &summaries)?;
                    summaries.clear();
                }
            }
        }
        insert_points(conn, &batch)?;
        insert_patrols(conn, &summaries)?;
        bulk.rebuild_indexes(conn)?;
        Ok((patrol_rows, written))
    });
    bulk.end(conn)?;
    outcome
}

fn insert_patrols(conn: &mut DbConnection, rows: &[SeedPatrol]) -> Result<(), ServiceError> {
    if !rows.is_empty() {
        on_backend!(&mut *conn, |c| diesel::insert_into(patrols::table)
            .values(rows)
            .execute(c))?;
    }
    Ok(())
}

/// Many points at once: PostgreSQL's COPY; SQLite's statements of a thousand rows.
fn insert_points(conn: &mut DbConnection, points: &[NewPoint]) -> Result<(), ServiceError> {
    match conn {
        DbConnection::Postgres(c) if !points.is_empty() => {
            diesel::copy_from(patrol_points::table)
                .from_insertable(points)
                .execute(c)?;
        }
        DbConnection::Postgres(_) => {}
        DbConnection::Sqlite(c) => {
            for chunk in points.chunks(1000) {
                diesel::insert_into(patrol_points::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}
