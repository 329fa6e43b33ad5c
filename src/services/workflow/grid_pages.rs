//! Grid events as their pages show them: an event as the grid, the command centre or its
//! department reads it, the lists each of them works from, a citizen's own report and public
//! lookup, and the command centre's figures of a day.

use super::*;
use crate::db::grid::{self as grid_queries, EventLine, EventRow, EventScope, EventTypeRow};
use crate::domain::grid_event::KIND_EVENT;
use crate::domain::identity::Role;
use std::collections::HashMap;

/// How many lines a page of an event list shows.
pub const LIST_PAGE: i64 = 50;

/// The states a department works an event in.
pub const DEPARTMENT_STATES: &[&str] = &["event_handling"];

/// An event as its readers see it.
pub struct EventCase {
    pub case: CaseRow,
    pub event: EventRow,
    pub kind: EventTypeRow,
    pub place: grid_queries::GridPlace,
    /// (code, name, English name) of the department holding it.
    pub department: Option<(String, String, String)>,
    pub deadlines: Deadlines,
    pub level: Level,
    /// Its supervision cards (效能监察), as an application's: (level, deadline, issued at).
    pub cards: Vec<(String, NaiveDate, chrono::NaiveDateTime)>,
    pub available: Vec<engine::Transition>,
    pub events: Vec<queries::StaffEvent>,
    /// Its photos: (id, material, name, size in bytes).
    pub files: Vec<(i64, String, String, i64)>,
    pub workflow_version: i32,
    pub merged_into: Option<String>,
    /// The reader may not act (an inspector).
    pub read_only: bool,
}

/// Loads event `id` for a reader who may see it (else not found).
pub fn event_case(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<EventCase, ServiceError> {
    if user.role.is_applicant() {
        return Err(ServiceError::NotFound);
    }
    let Access {
        case,
        definition,
        version: workflow_version,
        department_code,
        read_only,
    } = access(conn, user, id)?;
    if case.kind != KIND_EVENT {
        return Err(ServiceError::NotFound);
    }
    let event = grid_queries::find_event(conn, id)?.ok_or_else(|| corrupt("grid event"))?;
    let kind =
        grid_queries::event_type(conn, &event.event_type)?.ok_or_else(|| corrupt("event type"))?;
    let place = grid_queries::grid_place(conn, event.grid_id)?.ok_or_else(|| corrupt("grid"))?;
    let (facts, deadlines, calendar, today) =
        super::case_pages::clock_today(conn, &case, &definition)?;
    let counts = queries::transition_counts(conn, id)?;
    let times_fired = |t: &str| times_fired(&counts, t);
    let situation = engine::Situation {
        state: &case.status,
        department: &department_code,
        promised_days: days(case.promised_days),
        opinions: &[],
        times_fired: &times_fired,
        clock: clock_situation(&facts, &calendar, today),
    };
    let actor = Actor {
        role: user.role,
        departments: &user.departments,
        is_applicant: false,
    };
    let mut available: Vec<engine::Transition> = if read_only {
        Vec::new()
    } else {
        engine::available(&definition, &situation, &actor)
            .into_iter()
            .cloned()
            .collect()
    };
    // Only what the worker may handle herself is closed on the spot.
    if !kind.on_the_spot {
        available.retain(|t| t.name != "close_on_spot");
    }
    let department = match case.department_id {
        Some(department_id) => crate::db::hotline::department(conn, department_id)?,
        None => None,
    };
    let merged_into = match event.merged_into {
        Some(into) => crate::db::hotline::numbers(conn, &[into])?
            .into_iter()
            .next(),
        None => None,
    };
    let files = crate::db::applications::files_of(conn, id)?
        .into_iter()
        .map(|f| (f.id, f.material_name, f.original_name, f.size))
        .collect();
    Ok(EventCase {
        events: queries::case_events(conn, id)?,
        cards: queries::cards_of(conn, id)?,
        level: deadlines.level(today),
        deadlines,
        available,
        files,
        department,
        workflow_version,
        merged_into,
        read_only,
        kind,
        place,
        event,
        case,
    })
}

/// A photo of event `id`, for a reader of the event: (name, content type, content).
pub fn event_file(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    file: i64,
) -> Result<(String, String, Vec<u8>), ServiceError> {
    event_case(conn, user, id)?;
    crate::db::applications::file_content(conn, id, file)?.ok_or(ServiceError::NotFound)
}

/// The events a reader works from, newest first, a page after `before`: a grid worker's grids,
/// a department's events to handle, the command centre's day.
pub fn event_list(
    conn: &mut DbConnection,
    user: &User,
    department: Option<&str>,
    day: Option<NaiveDate>,
    before: Option<i64>,
) -> Result<Vec<EventLine>, ServiceError> {
    match (user.role, department) {
        (Role::GridWorker, _) => {
            let grids: Vec<i64> = grid_queries::worker_grids(conn, user.id)?
                .iter()
                .map(|g| g.id)
                .collect();
            Ok(grid_queries::events(
                conn,
                EventScope::Grids(&grids),
                before,
                LIST_PAGE,
            )?)
        }
        (role, Some(code)) if role.is_staff() && user.works_in(code) => {
            let department_id =
                queries::department_id(conn, code)?.ok_or(ServiceError::NotFound)?;
            Ok(grid_queries::events(
                conn,
                EventScope::Department(department_id, DEPARTMENT_STATES),
                before,
                LIST_PAGE,
            )?)
        }
        (Role::Commander, _) => Ok(grid_queries::events(
            conn,
            EventScope::Day(day.unwrap_or_else(today)),
            before,
            LIST_PAGE,
        )?),
        (role, _) if role.is_applicant() => Ok(grid_queries::events(
            conn,
            EventScope::Reporter(user.id),
            before,
            LIST_PAGE,
        )?),
        _ => Err(ServiceError::NotFound),
    }
}

/// A citizen's report as they may follow it: its state, type, place and the answer.
pub struct ReportView {
    pub number: String,
    pub status: String,
    pub kind: EventTypeRow,
    pub address: String,
    pub reported_at: NaiveDateTime,
    pub due_on: Option<NaiveDate>,
    pub decision: Option<String>,
}

fn report_view(conn: &mut DbConnection, case: CaseRow) -> Result<ReportView, ServiceError> {
    let event = grid_queries::find_event(conn, case.id)?.ok_or(ServiceError::NotFound)?;
    let kind =
        grid_queries::event_type(conn, &event.event_type)?.ok_or_else(|| corrupt("event type"))?;
    let closed = crate::domain::grid_event::CLOSED_STATES.contains(&case.status.as_str());
    Ok(ReportView {
        number: case.tracking_number.clone().unwrap_or_default(),
        status: case.status.clone(),
        kind,
        address: event.address,
        reported_at: event.reported_at,
        due_on: (!closed).then_some(case.due_on).flatten(),
        decision: case.decision.clone(),
    })
}

/// The signed-in citizen's own report, by number.
pub fn own_report(
    conn: &mut DbConnection,
    user: &User,
    number: &str,
) -> Result<ReportView, ServiceError> {
    let number = crate::domain::tracking::TrackingNumber::parse(number)
        .map_err(|_| ServiceError::NotFound)?;
    let id =
        grid_queries::event_id_by_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    let case = queries::find_case(conn, id)?.ok_or(ServiceError::NotFound)?;
    if case.applicant_id != Some(user.id) {
        return Err(ServiceError::NotFound);
    }
    report_view(conn, case)
}

/// The public lookup of a citizen's report: its number and the last four digits of the phone
/// it was left with. Failures are throttled with the applications' lookups.
pub fn lookup_report(
    conn: &mut DbConnection,
    number: &str,
    phone_tail: &str,
    client: &str,
) -> Result<ReportView, ServiceError> {
    use crate::db::accounts as throttle;
    let stamp = now();
    let window = chrono::Duration::minutes(crate::services::accounts::FAILURE_WINDOW_MINUTES);
    let key = format!("lookup:{client}");
    let (failures, oldest) = throttle::failures_since(conn, &key, stamp - window)?;
    if failures >= crate::services::applications::MAX_LOOKUP_FAILURES {
        return Err(ServiceError::Throttled {
            until: oldest.unwrap_or(stamp) + window,
        });
    }
    let found = (|| -> Result<Option<ReportView>, ServiceError> {
        let Ok(number) = crate::domain::tracking::TrackingNumber::parse(number) else {
            return Ok(None);
        };
        let Some(id) = grid_queries::event_id_by_number(conn, number.as_str())? else {
            return Ok(None);
        };
        let event = grid_queries::find_event(conn, id)?.ok_or(ServiceError::NotFound)?;
        let tail = phone_tail.trim();
        if tail.len() != 4
            || event.reporter_phone.is_empty()
            || !event.reporter_phone.ends_with(tail)
        {
            return Ok(None);
        }
        let case = queries::find_case(conn, id)?.ok_or(ServiceError::NotFound)?;
        Ok(Some(report_view(conn, case)?))
    })()?;
    match found {
        Some(view) => Ok(view),
        None => {
            throttle::record_failure(conn, &key, stamp)?;
            Err(ServiceError::NotFound)
        }
    }
}

/// A line of the command centre's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FigureLine {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub found: i64,
    pub dispatched: i64,
    pub closed: i64,
    pub closed_on_time: i64,
}

impl FigureLine {
    fn add(&mut self, row: &grid_queries::DayCount) {
        self.found += i64::from(row.found);
        self.dispatched += i64::from(row.dispatched);
        self.closed += i64::from(row.closed);
        self.closed_on_time += i64::from(row.closed_on_time);
    }

    /// Closed of found, in per cent (none when nothing was found).
    pub fn closure_rate(&self) -> Option<i64> {
        (self.found > 0).then(|| (self.closed * 100 + self.found / 2) / self.found)
    }

    /// Closed on time of closed, in per cent.
    pub fn on_time_rate(&self) -> Option<i64> {
        (self.closed > 0).then(|| (self.closed_on_time * 100 + self.closed / 2) / self.closed)
    }
}

/// The command centre's day: its figures by street, community, category and department, the
/// day's total against the average of the 30 days before, and open events per grid.
pub struct CommandDay {
    pub day: NaiveDate,
    pub total: FigureLine,
    /// The average day of the 30 before (found, dispatched, closed, closed on time), rounded.
    pub average: FigureLine,
    pub streets: Vec<FigureLine>,
    pub communities: Vec<FigureLine>,
    pub categories: Vec<FigureLine>,
    pub departments: Vec<FigureLine>,
}

/// The figures of `day` for the command centre (and the administrators).
pub fn command_day(
    conn: &mut DbConnection,
    user: &User,
    day: NaiveDate,
) -> Result<CommandDay, ServiceError> {
    if !matches!(user.role, Role::Commander | Role::Admin) {
        return Err(ServiceError::NotFound);
    }
    let rows = grid_queries::day_counts(conn, day, day)?;
    let streets = grid_queries::streets(conn)?;
    let communities = grid_queries::communities(conn)?;
    let categories = grid_queries::categories(conn)?;
    let departments = grid_queries::departments(conn)?;
    let mut total = FigureLine::default();
    let mut by_street: Vec<FigureLine> = streets
        .iter()
        .map(|(id, _, zh, en)| line(id.to_string(), zh, en))
        .collect();
    let mut by_community: Vec<FigureLine> = communities
        .iter()
        .map(|(id, _, zh)| line(id.to_string(), zh, zh))
        .collect();
    let mut by_category: Vec<FigureLine> = categories
        .iter()
        .map(|(code, zh, en)| line(code.clone(), zh, en))
        .collect();
    let mut by_department: Vec<FigureLine> = Vec::new();
    // Where each key's line is: a day has thousands of rows (community × category × department).
    let street_at: HashMap<i64, usize> =
        streets.iter().enumerate().map(|(i, s)| (s.0, i)).collect();
    let community_at: HashMap<i64, usize> = communities
        .iter()
        .enumerate()
        .map(|(i, c)| (c.0, i))
        .collect();
    let category_at: HashMap<&str, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.0.as_str(), i))
        .collect();
    let mut department_at: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        total.add(row);
        if let Some(&i) = street_at.get(&row.street_id) {
            by_street[i].add(row);
        }
        if let Some(&i) = community_at.get(&row.community_id) {
            by_community[i].add(row);
        }
        if let Some(&i) = category_at.get(row.category_code.as_str()) {
            by_category[i].add(row);
        }
        let at = *department_at
            .entry(row.department_code.clone())
            .or_insert_with(|| {
                let (zh, en) = departments
                    .iter()
                    .find(|(code, _, _)| *code == row.department_code)
                    .map(|(_, zh, en)| (zh.clone(), en.clone()))
                    .unwrap_or_else(|| {
                        ("网格员自行处置".into(), "Grid workers on the spot".into())
                    });
                by_department.push(line(row.department_code.clone(), &zh, &en));
                by_department.len() - 1
            });
        by_department[at].add(row);
    }
    by_community.retain(|l| l.found + l.closed > 0);
    by_department.sort_by(|a, b| b.found.cmp(&a.found).then(a.key.cmp(&b.key)));
    // Yesterday is not settled yet: a step begun before midnight may still count on it.
    let before = grid_queries::daily_totals(
        conn,
        day - chrono::Duration::days(30),
        day - chrono::Duration::days(1),
        today() - chrono::Duration::days(1),
    )?;
    let mut average = line(String::new(), "前30日日均", "Average day of the 30 before");
    for (_, found, dispatched, closed, on_time) in &before {
        average.found += found;
        average.dispatched += dispatched;
        average.closed += closed;
        average.closed_on_time += on_time;
    }
    for value in [
        &mut average.found,
        &mut average.dispatched,
        &mut average.closed,
        &mut average.closed_on_time,
    ] {
        *value = (*value + 15) / 30;
    }
    Ok(CommandDay {
        day,
        total,
        average,
        streets: by_street,
        communities: by_community,
        categories: by_category,
        departments: by_department,
    })
}

fn line(key: String, zh: &str, en: &str) -> FigureLine {
    FigureLine {
        key,
        name_zh: zh.to_owned(),
        name_en: en.to_owned(),
        ..FigureLine::default()
    }
}

/// The district map's data: every grid's box, coloured by its open events.
pub struct MapData {
    pub grids: Vec<grid_queries::GridBox>,
    /// Open events per grid id.
    pub open: std::collections::HashMap<i64, i64>,
}

pub fn map_data(conn: &mut DbConnection, user: &User) -> Result<MapData, ServiceError> {
    if !matches!(user.role, Role::Commander | Role::Admin | Role::Inspector) {
        return Err(ServiceError::NotFound);
    }
    Ok(MapData {
        grids: grid_queries::grid_boxes(conn)?,
        open: grid_queries::open_per_grid(conn)?.into_iter().collect(),
    })
}

/// The departments an event may be dispatched to: (code, name_zh, name_en).
pub fn departments(conn: &mut DbConnection) -> Result<Vec<(String, String, String)>, ServiceError> {
    Ok(grid_queries::departments(conn)?)
}

/// The event types for a report form, in order.
pub fn report_types(conn: &mut DbConnection) -> Result<Vec<EventTypeRow>, ServiceError> {
    Ok(grid_queries::event_types(conn)?)
}
