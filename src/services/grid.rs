//! Grid management beside its events: the territory (installed, imported, a point's grid),
//! the grid workers' devices and their patrols' traces.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use super::accounts::User;
use super::{ServiceError, stored_now as now};
use crate::db::DbConnection;
use crate::db::grid as queries;
use crate::domain::identity::Role;
use crate::domain::patrol::{TracePoint, TraceSummary, summarize};
use crate::domain::territory::{GridIndex, Outline, Point, illustrative_tiling};

fn corrupt(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Corrupt(e.to_string())
}

/// Installs the illustrative territory and the shipped taxonomy into a database that has
/// neither. Part of the first start's transaction.
pub fn install(conn: &mut DbConnection) -> Result<(), ServiceError> {
    crate::db::grid::seed_taxonomy(conn, crate::domain::grid_event::shipped_categories())?;
    if !queries::territory_is_empty(conn)? {
        return Ok(());
    }
    let tiling = illustrative_tiling();
    let mut rows = Vec::with_capacity(crate::domain::territory::GRIDS);
    for (street, communities) in crate::domain::territory::STREETS.iter().zip(tiling) {
        let street_id = queries::insert_street(conn, street.code, street.name_zh, street.name_en)?;
        for community in communities {
            let community_id =
                queries::insert_community(conn, &community.code, street_id, &community.name_zh)?;
            for grid in community.grids {
                let b = grid.outline.bounds();
                rows.push(queries::NewGrid {
                    code: grid.code,
                    community_id,
                    name_zh: grid.name_zh,
                    outline: grid.outline.to_json(),
                    west: b.west,
                    south: b.south,
                    east: b.east,
                    north: b.north,
                    illustrative: true,
                });
            }
        }
    }
    queries::insert_grids(conn, &rows)?;
    queries::set_territory_token(conn, &super::secrets::random_token())?;
    Ok(())
}

/// A grid a point fell in, with where it belongs (a grid's code, community and street are set
/// when the territory is installed; an import changes outlines only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedGrid {
    pub id: i64,
    pub code: String,
    pub community_id: i64,
    pub street_id: i64,
}

/// The territory as a node holds it: the point index and each grid's place.
struct Territory {
    index: GridIndex,
    grids: HashMap<i64, LocatedGrid>,
}

/// The territories this process has built, by territory token (a node may serve several
/// databases in the tests; an import changes the token, so every node rebuilds).
static TERRITORIES: LazyLock<RwLock<HashMap<String, Arc<Territory>>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

/// The territory the database holds now.
fn territory(conn: &mut DbConnection) -> Result<Arc<Territory>, ServiceError> {
    let token = queries::territory_token(conn)?.unwrap_or_default();
    if let Some(territory) = TERRITORIES.read().expect("not poisoned").get(&token) {
        return Ok(territory.clone());
    }
    let rows = queries::outlines(conn)?;
    let mut outlines = Vec::with_capacity(rows.len());
    let mut grids = HashMap::with_capacity(rows.len());
    for row in rows {
        let outline = Outline::from_json(&row.outline)
            .ok_or_else(|| corrupt(format!("grid {}: outline", row.id)))?;
        outlines.push((row.id, outline));
        grids.insert(
            row.id,
            LocatedGrid {
                id: row.id,
                code: row.code,
                community_id: row.community_id,
                street_id: row.street_id,
            },
        );
    }
    let territory = Arc::new(Territory {
        index: GridIndex::new(outlines),
        grids,
    });
    TERRITORIES
        .write()
        .expect("not poisoned")
        .insert(token, territory.clone());
    Ok(territory)
}

/// The grid that contains `point`, if any.
pub fn locate(conn: &mut DbConnection, point: Point) -> Result<Option<LocatedGrid>, ServiceError> {
    let territory = territory(conn)?;
    Ok(territory
        .index
        .locate(point)
        .and_then(|id| territory.grids.get(&id).cloned()))
}

/// What an import of outlines did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub replaced: usize,
    /// Codes in the file that no grid has.
    pub unknown: Vec<String>,
}

/// Replaces the outlines of the grids named in a GeoJSON FeatureCollection (by their `code`
/// property), in one transaction; the point index of every node is rebuilt.
pub fn import_outlines(
    conn: &mut DbConnection,
    user: &User,
    geojson: &str,
) -> Result<Result<Imported, String>, ServiceError> {
    if user.role != Role::Admin {
        return Err(ServiceError::NotFound);
    }
    let outlines = match crate::domain::territory::parse_geojson(geojson) {
        Ok(outlines) if outlines.is_empty() => return Ok(Err("no features".into())),
        Ok(outlines) => outlines,
        Err(e) => return Ok(Err(e)),
    };
    crate::db::write_transaction(conn, |conn| {
        let mut imported = Imported {
            replaced: 0,
            unknown: Vec::new(),
        };
        for o in &outlines {
            if queries::set_outline(conn, &o.code, &o.outline.to_json(), o.outline.bounds())? {
                imported.replaced += 1;
            } else {
                imported.unknown.push(o.code.clone());
            }
        }
        if imported.replaced > 0 {
            queries::set_territory_token(conn, &super::secrets::random_token())?;
            super::admin::record_change(
                conn,
                Some(user.id),
                "territory.import",
                &format!("{} outlines", imported.replaced),
                None,
                None,
            )?;
        }
        Ok(Ok(imported))
    })
}

// ---- Devices ----

/// Issues a device token to grid worker `worker_id`: the token is shown once; only its hash
/// is kept.
pub fn issue_device(
    conn: &mut DbConnection,
    admin: &User,
    worker_id: i64,
    label: &str,
) -> Result<String, ServiceError> {
    if admin.role != Role::Admin {
        return Err(ServiceError::NotFound);
    }
    let refuse = |zh: &str, en: &str| {
        ServiceError::Rejected(vec![crate::domain::reason::Reason::new(zh, en)])
    };
    crate::db::write_transaction(conn, |conn| {
        let worker = crate::db::accounts::find_user(conn, worker_id)?
            .filter(|u| u.role == Role::GridWorker.slug())
            .ok_or_else(|| refuse("只能给网格员发放设备", "Devices are issued to grid workers"))?;
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 60 {
            return Err(refuse(
                "请填写设备名称（60字以内）",
                "Name the device (up to 60 characters)",
            ));
        }
        let token = super::secrets::random_token();
        let stamp = now();
        let id = queries::insert_device(
            conn,
            worker.id,
            label,
            &crate::domain::sha256_hex(token.as_bytes()),
            stamp,
        )?;
        super::admin::record_change(
            conn,
            Some(admin.id),
            "device.issue",
            &format!("device {id} ({label}) for {}", worker.email),
            None,
            None,
        )?;
        Ok(token)
    })
}

/// Devices on one page of the administrators' list.
pub const DEVICE_PAGE: i64 = 100;

/// The administrators' list of devices, newest first.
pub fn devices(
    conn: &mut DbConnection,
    admin: &User,
    before: Option<i64>,
) -> Result<Vec<queries::DeviceLine>, ServiceError> {
    if admin.role != Role::Admin {
        return Err(ServiceError::NotFound);
    }
    Ok(queries::device_lines(conn, before, DEVICE_PAGE)?)
}

/// Issues a device to the grid worker whose account has this email (see [`issue_device`]).
pub fn issue_device_by_email(
    conn: &mut DbConnection,
    admin: &User,
    worker_email: &str,
    label: &str,
) -> Result<String, ServiceError> {
    if admin.role != Role::Admin {
        return Err(ServiceError::NotFound);
    }
    let unknown = || {
        ServiceError::Rejected(vec![crate::domain::reason::Reason::new(
            "没有使用该邮箱的网格员账号",
            "No grid worker's account has this email",
        )])
    };
    let email = crate::domain::identity::Email::parse(worker_email).map_err(|_| unknown())?;
    let worker =
        crate::db::accounts::find_user_by_email(conn, email.as_str())?.ok_or_else(unknown)?;
    issue_device(conn, admin, worker.id, label)
}

pub fn revoke_device(
    conn: &mut DbConnection,
    admin: &User,
    device_id: i64,
) -> Result<bool, ServiceError> {
    if admin.role != Role::Admin {
        return Err(ServiceError::NotFound);
    }
    crate::db::write_transaction(conn, |conn| {
        let stamp = now();
        let revoked = queries::revoke_device(conn, device_id, stamp)?;
        if revoked {
            super::admin::record_change(
                conn,
                Some(admin.id),
                "device.revoke",
                &format!("device {device_id}"),
                None,
                None,
            )?;
        }
        Ok(revoked)
    })
}

// ---- The taxonomy ----

/// The administrators' list of event types, with the categories and the departments to
/// choose from: (types, categories, departments as (code, name_zh, name_en)).
pub type Taxonomy = (
    Vec<queries::EventTypeRow>,
    Vec<(String, String, String)>,
    Vec<(String, String, String)>,
);

pub fn taxonomy(conn: &mut DbConnection, admin: &User) -> Result<Taxonomy, ServiceError> {
    if admin.role != Role::Admin {
        return Err(ServiceError::NotFound);
    }
    Ok((
        queries::event_types(conn)?,
        queries::categories(conn)?,
        queries::departments(conn)?,
    ))
}

/// Saves an event type: a new one (`existing` None), or the changes to type `existing`, whose
/// code and category stay. Events already reported keep the department and the deadline they
/// were given; the change applies to the next report. Field errors come back as the form's.
pub fn save_event_type(
    conn: &mut DbConnection,
    admin: &User,
    existing: Option<&str>,
    input: &crate::domain::grid_event::TypeInput,
) -> Result<Result<String, Vec<crate::domain::grid_event::TypeError>>, ServiceError> {
    use crate::domain::grid_event::TypeDraft;
    if admin.role != Role::Admin {
        return Err(ServiceError::NotFound);
    }
    let before = match existing {
        Some(code) => Some(queries::event_type(conn, code)?.ok_or(ServiceError::NotFound)?),
        None => None,
    };
    let mut input = input.clone();
    if let Some(before) = &before {
        input.code = before.code.clone();
        input.category = before.category_code.clone();
    }
    let mut errors = Vec::new();
    let draft = TypeDraft::parse(&input).map_err(|e| errors = e).ok();
    let departments = queries::departments(conn)?;
    if !input.department.trim().is_empty()
        && !departments
            .iter()
            .any(|(code, _, _)| code == input.department.trim())
    {
        errors.push(("department", "grid.types.error.department"));
    }
    if before.is_none() {
        let category = input.category.trim();
        if !category.is_empty()
            && !queries::categories(conn)?
                .iter()
                .any(|(c, _, _)| c == category)
        {
            errors.push(("category", "grid.types.error.category"));
        }
        if let Some(draft) = &draft
            && queries::event_type(conn, &draft.code)?.is_some()
        {
            errors.push(("code", "grid.types.error.code_taken"));
        }
    }
    let Some(draft) = draft.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let describe = |d: &TypeDraft| {
        format!(
            "{} / {} · {} · {} · {}",
            d.name_zh,
            d.name_en,
            d.department,
            if d.on_the_spot {
                "on the spot"
            } else {
                "dispatched"
            },
            d.limit_days
        )
    };
    crate::db::write_transaction(conn, |conn| {
        match &before {
            Some(row) => {
                queries::update_event_type(conn, &draft)?;
                let was = TypeDraft {
                    code: row.code.clone(),
                    category: row.category_code.clone(),
                    name_zh: row.name_zh.clone(),
                    name_en: row.name_en.clone(),
                    department: row.department_code.clone(),
                    on_the_spot: row.on_the_spot,
                    limit_days: row.limit_days,
                };
                super::admin::record_change(
                    conn,
                    Some(admin.id),
                    "event_type.edit",
                    &draft.code,
                    Some(&describe(&was)),
                    Some(&describe(&draft)),
                )?;
            }
            None => {
                queries::insert_event_type(conn, &draft)?;
                super::admin::record_change(
                    conn,
                    Some(admin.id),
                    "event_type.add",
                    &draft.code,
                    None,
                    Some(&describe(&draft)),
                )?;
            }
        }
        Ok(Ok(draft.code.clone()))
    })
}

/// A device authenticated by its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device {
    pub id: i64,
    pub worker_id: i64,
}

/// The device of a bearer token; none for an unknown or revoked token.
pub fn device(conn: &mut DbConnection, token: &str) -> Result<Option<Device>, ServiceError> {
    let hash = crate::domain::sha256_hex(token.trim().as_bytes());
    Ok(queries::device_by_token(conn, &hash)?.map(|(id, worker_id)| Device { id, worker_id }))
}

// ---- Points and patrols ----

/// A point as a device posts it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostedPoint {
    pub seq: i64,
    /// When the device took it (RFC 3339, any offset).
    pub at: chrono::DateTime<chrono::FixedOffset>,
    pub lon: f64,
    pub lat: f64,
}

/// The largest batch a device may post at once.
pub const BATCH_MAX: usize = 1000;

/// What a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Accepted {
    /// Points stored now.
    pub accepted: usize,
    /// Points the server had already (sent again).
    pub duplicates: usize,
}

/// Why a batch was refused as a whole (nothing is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    Empty,
    TooLarge,
    /// The n-th point (1-based) is not a position, has a negative sequence number or a time
    /// more than a day ahead.
    BadPoint(usize),
}

/// Stores a device's points (idempotent by device and sequence number; late and out of order
/// accepted), in one transaction. Points for a patrol already summarised make it summarised
/// again when next shown.
pub fn post_points(
    conn: &mut DbConnection,
    device: Device,
    points: &[PostedPoint],
) -> Result<Result<Accepted, BatchError>, ServiceError> {
    if points.is_empty() {
        return Ok(Err(BatchError::Empty));
    }
    if points.len() > BATCH_MAX {
        return Ok(Err(BatchError::TooLarge));
    }
    let latest = now() + chrono::Duration::days(1);
    let mut rows = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        let at = p.at.naive_utc();
        if p.seq < 0 || !Point::new(p.lon, p.lat).is_valid() || at > latest {
            return Ok(Err(BatchError::BadPoint(i + 1)));
        }
        rows.push(queries::NewPoint {
            device_id: device.id,
            seq: p.seq,
            user_id: device.worker_id,
            recorded_at: at,
            longitude: p.lon,
            latitude: p.lat,
        });
    }
    let earliest = rows.iter().map(|r| r.recorded_at).min().expect("not empty");
    crate::db::write_transaction(conn, |conn| {
        let accepted = queries::insert_points(conn, &rows)?;
        if accepted > 0 {
            queries::mark_stale(conn, device.worker_id, earliest)?;
        }
        Ok(Ok(Accepted {
            accepted,
            duplicates: rows.len() - accepted,
        }))
    })
}

/// Starts a patrol for the worker (one at a time: the one under way is returned).
pub fn start_patrol(conn: &mut DbConnection, worker: &User) -> Result<i64, ServiceError> {
    if worker.role != Role::GridWorker {
        return Err(ServiceError::NotFound);
    }
    crate::db::write_transaction(conn, |conn| {
        if let Some(open) = queries::open_patrol(conn, worker.id)? {
            return Ok(open.id);
        }
        let stamp = now();
        Ok(queries::start_patrol(
            conn,
            worker.id,
            super::workflow::today(),
            stamp,
        )?)
    })
}

/// Ends the worker's patrol under way and summarises it; none under way is not found.
pub fn end_patrol(conn: &mut DbConnection, worker: &User) -> Result<i64, ServiceError> {
    if worker.role != Role::GridWorker {
        return Err(ServiceError::NotFound);
    }
    crate::db::write_transaction(conn, |conn| {
        let open = queries::open_patrol(conn, worker.id)?.ok_or(ServiceError::NotFound)?;
        queries::end_patrol(conn, open.id, now())?;
        summarise(conn, open.id)?;
        Ok(open.id)
    })
}

/// A patrol's trace: its points and what they say, against the check points of its worker's
/// grids.
pub struct Trace {
    pub patrol: queries::PatrolRow,
    pub points: Vec<TracePoint>,
    pub checkpoints: Vec<Point>,
    pub grids: Vec<(i64, Outline)>,
    pub summary: TraceSummary,
}

/// Computes patrol `id`'s trace (up to now while it is under way).
pub fn trace(conn: &mut DbConnection, id: i64) -> Result<Option<Trace>, ServiceError> {
    let Some(patrol) = queries::find_patrol(conn, id)? else {
        return Ok(None);
    };
    let until = patrol.ended_at.unwrap_or_else(now);
    let points: Vec<TracePoint> =
        queries::points_between(conn, patrol.user_id, patrol.started_at, until)?
            .into_iter()
            .map(|(at, lon, lat)| TracePoint {
                at,
                point: Point::new(lon, lat),
            })
            .collect();
    let grid_ids: Vec<i64> = queries::worker_grids(conn, patrol.user_id)?
        .iter()
        .map(|g| g.id)
        .collect();
    let grids: Vec<(i64, Outline)> = queries::grid_outlines(conn, &grid_ids)?
        .into_iter()
        .filter_map(|(id, text)| Outline::from_json(&text).map(|o| (id, o)))
        .collect();
    let checkpoints: Vec<Point> = grids.iter().flat_map(|(_, o)| o.checkpoints()).collect();
    let summary = summarize(&points, &checkpoints);
    Ok(Some(Trace {
        patrol,
        points,
        checkpoints,
        grids,
        summary,
    }))
}

/// Computes and stores patrol `id`'s summary.
pub fn summarise(conn: &mut DbConnection, id: i64) -> Result<(), ServiceError> {
    let Some(trace) = trace(conn, id)? else {
        return Ok(());
    };
    let summary = patrol_summary(&trace.summary, trace.checkpoints.len(), now());
    queries::set_summary(conn, id, &summary)?;
    Ok(())
}

/// A trace's summary as a patrol's row keeps it, computed at `at`.
pub(crate) fn patrol_summary(
    s: &TraceSummary,
    checkpoints_total: usize,
    at: chrono::NaiveDateTime,
) -> queries::PatrolSummary {
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    queries::PatrolSummary {
        points: count(s.points),
        distance_m: s.distance_m.round() as i32,
        rounds: i32::try_from(s.rounds).unwrap_or(i32::MAX),
        checkpoints_reached: count(s.checkpoints_reached()),
        checkpoints_total: count(checkpoints_total),
        gaps: count(s.gaps.len()),
        too_fast: count(s.too_fast.len()),
        summarized_at: Some(at),
    }
}

/// A worker's day at a glance.
#[derive(Debug, Clone)]
pub struct WorkerDay {
    pub worker_id: i64,
    pub name: String,
    pub patrols: Vec<queries::PatrolRow>,
}

impl WorkerDay {
    pub fn total(&self, field: fn(&queries::PatrolRow) -> i32) -> i64 {
        self.patrols.iter().map(|p| i64::from(field(p))).sum()
    }

    pub fn distance_m(&self) -> i64 {
        self.total(|p| p.distance_m)
    }

    pub fn rounds(&self) -> i64 {
        self.total(|p| p.rounds)
    }

    pub fn points(&self) -> i64 {
        self.total(|p| p.points)
    }

    /// Check points reached, and of how many.
    pub fn checkpoints(&self) -> (i64, i64) {
        (
            self.total(|p| p.checkpoints_reached),
            self.total(|p| p.checkpoints_total),
        )
    }

    /// Gaps, and stretches at impossible speed.
    pub fn anomalies(&self) -> (i64, i64) {
        (self.total(|p| p.gaps), self.total(|p| p.too_fast))
    }

    /// Whether any patrol of the day has a gap or an impossible speed.
    pub fn flagged(&self) -> bool {
        self.patrols.iter().any(|p| p.gaps > 0 || p.too_fast > 0)
    }
}

/// The day of every grid worker of the inspector's street (an inspector sees their street;
/// the command centre any street). Patrols whose summary is stale are summarised first.
pub fn street_day(
    conn: &mut DbConnection,
    user: &User,
    street_id: Option<i64>,
    day: chrono::NaiveDate,
) -> Result<(i64, Vec<WorkerDay>), ServiceError> {
    let street_id = match user.role {
        Role::Inspector => {
            queries::inspector_street(conn, user.id)?.ok_or(ServiceError::NotFound)?
        }
        Role::Commander => street_id.ok_or(ServiceError::NotFound)?,
        _ => return Err(ServiceError::NotFound),
    };
    let workers = queries::street_workers(conn, street_id)?;
    let ids: Vec<i64> = workers.iter().map(|(id, _)| *id).collect();
    let mut patrols = queries::patrols_on(conn, &ids, day)?;
    for patrol in patrols
        .iter_mut()
        .filter(|p| p.ended_at.is_some() && p.summarized_at.is_none())
    {
        crate::db::write_transaction(conn, |conn| summarise(conn, patrol.id))?;
        if let Some(fresh) = queries::find_patrol(conn, patrol.id)? {
            *patrol = fresh;
        }
    }
    Ok((
        street_id,
        workers
            .into_iter()
            .map(|(worker_id, name)| WorkerDay {
                worker_id,
                name,
                patrols: patrols
                    .iter()
                    .filter(|p| p.user_id == worker_id)
                    .cloned()
                    .collect(),
            })
            .collect(),
    ))
}

/// The inspection page's street, the streets its reader may pick (the command centre any,
/// an inspector their own) and the workers' day.
pub struct Inspection {
    pub street: i64,
    /// (id, code, name_zh, name_en)
    pub streets: Vec<(i64, String, String, String)>,
    pub workers: Vec<WorkerDay>,
}

pub fn inspection(
    conn: &mut DbConnection,
    user: &User,
    chosen: Option<i64>,
    day: chrono::NaiveDate,
) -> Result<Inspection, ServiceError> {
    let streets = queries::streets(conn)?;
    // The command centre without a choice sees the first street.
    let street = chosen.or_else(|| streets.first().map(|s| s.0));
    let (street, workers) = street_day(conn, user, street, day)?;
    let streets = if user.role == Role::Commander {
        streets
    } else {
        streets.into_iter().filter(|s| s.0 == street).collect()
    };
    Ok(Inspection {
        street,
        streets,
        workers,
    })
}

/// A grid worker's home: her grids, the patrol under way, today's patrols.
pub struct WorkerHome {
    pub grids: Vec<queries::GridPlace>,
    pub patrol: Option<queries::PatrolRow>,
    pub today: Vec<queries::PatrolRow>,
}

pub fn worker_home(conn: &mut DbConnection, worker: &User) -> Result<WorkerHome, ServiceError> {
    if worker.role != Role::GridWorker {
        return Err(ServiceError::NotFound);
    }
    Ok(WorkerHome {
        grids: queries::worker_grids(conn, worker.id)?,
        patrol: queries::open_patrol(conn, worker.id)?,
        today: queries::patrols_on(conn, &[worker.id], crate::services::workflow::today())?,
    })
}

/// The centres of a grid worker's grids, for picking a place by hand on the report form:
/// (code, name, longitude, latitude) as the form sends them. None for anyone else.
pub fn grid_centres(
    conn: &mut DbConnection,
    user: &User,
) -> Result<Vec<(String, String, String, String)>, ServiceError> {
    if user.role != Role::GridWorker {
        return Ok(Vec::new());
    }
    let grids = queries::worker_grids(conn, user.id)?;
    let ids: Vec<i64> = grids.iter().map(|g| g.id).collect();
    let mut points = Vec::new();
    for (id, text) in queries::grid_outlines(conn, &ids)? {
        let (Some(grid), Some(outline)) =
            (grids.iter().find(|g| g.id == id), Outline::from_json(&text))
        else {
            continue;
        };
        let centre = outline.checkpoints()[0];
        points.push((
            grid.code.clone(),
            grid.name_zh.clone(),
            format!("{:.6}", centre.lon),
            format!("{:.6}", centre.lat),
        ));
    }
    Ok(points)
}

/// Whether `user` may see patrol `patrol`'s trace: its worker, the inspector of a street the
/// worker patrols, or the command centre.
pub fn may_see_patrol(
    conn: &mut DbConnection,
    user: &User,
    patrol: &queries::PatrolRow,
) -> Result<bool, ServiceError> {
    Ok(match user.role {
        Role::GridWorker => patrol.user_id == user.id,
        Role::Commander => true,
        Role::Inspector => match queries::inspector_street(conn, user.id)? {
            Some(street) => queries::worker_grids(conn, patrol.user_id)?
                .iter()
                .any(|g| g.street_id == street),
            None => false,
        },
        _ => false,
    })
}
