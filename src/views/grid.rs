//! Grid management's pages: the worker's home and report form, an event as its readers work it,
//! a patrol's trace, the command centre and its district map.

use askama::Template;
use askama_web::WebTemplate;

use super::PageContext;
use crate::db::grid::{EventLine, EventTypeRow, GridPlace, PatrolRow};
use crate::services::grid::Trace;
use crate::services::workflow::grid_pages::{
    CommandDay, EventCase, FigureLine, MapData, ReportView,
};
use crate::web::forms::FormState;

/// The size of a server-drawn map, in SVG units.
const MAP_WIDTH: f64 = 640.0;

/// Projects positions of a box into SVG coordinates: north up, a metre the same length both
/// ways at the box's latitude.
pub struct Projection {
    west: f64,
    north: f64,
    /// Units per degree of latitude; a degree of longitude is `stretch` of it.
    k: f64,
    stretch: f64,
    pub height: f64,
}

impl Projection {
    pub fn new(west: f64, south: f64, east: f64, north: f64) -> Projection {
        let stretch = ((south + north) / 2.0).to_radians().cos();
        let k = MAP_WIDTH / ((east - west) * stretch).max(1e-9);
        Projection {
            west,
            north,
            k,
            stretch,
            height: ((north - south) * k).max(1.0),
        }
    }

    pub fn x(&self, lon: f64) -> String {
        format!("{:.1}", (lon - self.west) * self.stretch * self.k)
    }

    pub fn y(&self, lat: f64) -> String {
        format!("{:.1}", (self.north - lat) * self.k)
    }

    pub fn width(&self) -> f64 {
        MAP_WIDTH
    }

    pub fn h(&self) -> String {
        format!("{:.0}", self.height)
    }

    /// A box's rectangle: (x, y, width, height).
    pub fn rect(
        &self,
        west: f64,
        south: f64,
        east: f64,
        north: f64,
    ) -> (String, String, String, String) {
        (
            self.x(west),
            self.y(north),
            format!("{:.2}", (east - west) * self.stretch * self.k),
            format!("{:.2}", (north - south) * self.k),
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "grid/home.html")]
pub struct HomePage {
    pub ctx: PageContext,
    pub grids: Vec<GridPlace>,
    pub patrol: Option<PatrolRow>,
    pub today: Vec<PatrolRow>,
    pub events: Vec<EventLine>,
    pub types: Vec<EventTypeRow>,
}

impl HomePage {
    pub fn any_illustrative(&self) -> bool {
        self.grids.iter().any(|g| g.illustrative)
    }

    pub fn since(&self, patrol: &PatrolRow) -> String {
        let time = super::applications::local_time(&patrol.started_at);
        self.ctx.tf("grid.patrol_since", &[("time", &time)])
    }

    pub fn type_name(&self, code: &str) -> String {
        type_name(&self.ctx, &self.types, code)
    }
}

fn type_name(ctx: &PageContext, types: &[EventTypeRow], code: &str) -> String {
    types.iter().find(|t| t.code == code).map_or_else(
        || code.to_owned(),
        |t| ctx.pick(&t.name_zh, &t.name_en).to_owned(),
    )
}

#[derive(Template, WebTemplate)]
#[template(path = "grid/report.html")]
pub struct ReportPage {
    pub ctx: PageContext,
    pub form: FormState,
    pub types: Vec<EventTypeRow>,
    /// A grid worker reports (else a citizen).
    pub worker: bool,
    pub signed_in: bool,
    /// The worker's grids, to pick a position by hand: (code, name, longitude, latitude).
    pub grid_points: Vec<(String, String, String, String)>,
    pub per_file_mb: usize,
    /// A possible duplicate: its number.
    pub duplicate: Option<String>,
    /// A signed-in citizen's own reports, newest first, to follow each one.
    pub mine: Vec<EventLine>,
}

impl ReportPage {
    pub fn type_name(&self, code: &str) -> String {
        type_name(&self.ctx, &self.types, code)
    }

    pub fn duplicate_text(&self) -> String {
        let number = self.duplicate.clone().unwrap_or_default();
        self.ctx.tf("grid.duplicate", &[("number", &number)])
    }

    pub fn merge_text(&self) -> String {
        let number = self.duplicate.clone().unwrap_or_default();
        self.ctx.tf("grid.merge", &[("number", &number)])
    }

    pub fn picked(&self, lon: &str, lat: &str) -> bool {
        self.form.value("grid_point") == format!("{lon},{lat}")
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "grid/reported.html")]
pub struct ReportedPage {
    pub ctx: PageContext,
    pub number: String,
    pub due_on: Option<chrono::NaiveDate>,
    pub department: Option<String>,
    pub merged_into: Option<String>,
    pub worker: bool,
    pub id: i64,
}

impl ReportedPage {
    pub fn merged_text(&self) -> String {
        let number = self.merged_into.clone().unwrap_or_default();
        self.ctx.tf("grid.merged_into", &[("number", &number)])
    }

    pub fn due_text(&self) -> String {
        let date = super::workspace::date(&self.due_on);
        self.ctx.tf("grid.reported_due", &[("date", &date)])
    }

    pub fn department_text(&self) -> String {
        let department = self.department.clone().unwrap_or_default();
        self.ctx
            .tf("grid.dispatched_to", &[("department", &department)])
    }
}

/// What a step's form had when it came back refused.
#[derive(Debug, Clone, Default)]
pub struct StepAttempt {
    pub transition: String,
    pub message: String,
    pub note: String,
    pub decision: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "grid/event.html")]
pub struct EventPage {
    pub ctx: PageContext,
    pub ec: EventCase,
    pub departments: Vec<(String, String, String)>,
    pub attempt: Option<StepAttempt>,
}

impl EventPage {
    pub fn source(&self) -> String {
        self.ctx
            .t(&format!("grid.source.{}", self.ec.event.source))
            .into_owned()
    }

    pub fn needs_photo(&self, name: &str) -> bool {
        matches!(name, "close_on_spot" | "verify_pass")
    }

    pub fn needs_department(&self, name: &str) -> bool {
        name == "redirect"
    }

    pub fn attempt_of(&self, name: &str) -> Option<&StepAttempt> {
        self.attempt.as_ref().filter(|a| a.transition == name)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "grid/trace.html")]
pub struct TracePage {
    pub ctx: PageContext,
    pub trace: Trace,
    pub projection: Projection,
}

impl TracePage {
    pub fn polyline(&self) -> String {
        self.trace
            .points
            .iter()
            .map(|p| {
                format!(
                    "{},{}",
                    self.projection.x(p.point.lon),
                    self.projection.y(p.point.lat)
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn outlines(&self) -> Vec<String> {
        self.trace
            .grids
            .iter()
            .map(|(_, outline)| {
                outline
                    .0
                    .iter()
                    .map(|p| format!("{},{}", self.projection.x(p.lon), self.projection.y(p.lat)))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    pub fn checkpoint_marks(&self) -> Vec<(String, String)> {
        self.trace
            .checkpoints
            .iter()
            .map(|c| (self.projection.x(c.lon), self.projection.y(c.lat)))
            .collect()
    }

    /// (number, visits, minutes) of each check point.
    pub fn dwell_rows(&self) -> Vec<(usize, u32, String)> {
        self.trace
            .summary
            .dwell
            .iter()
            .enumerate()
            .map(|(i, d)| (i + 1, d.visits, format!("{:.1}", d.minutes)))
            .collect()
    }

    pub fn count(&self, what: &str) -> String {
        let s = &self.trace.summary;
        match what {
            "points" => s.points.to_string(),
            "rounds" => s.rounds.to_string(),
            "checkpoints" => format!(
                "{} / {}",
                s.checkpoints_reached(),
                self.trace.checkpoints.len()
            ),
            "gaps" => s.gaps.len().to_string(),
            _ => s.too_fast.len().to_string(),
        }
    }

    pub fn km(&self) -> String {
        format!("{:.2} km", self.trace.summary.distance_m / 1000.0)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "grid/command.html")]
pub struct CommandPage {
    pub ctx: PageContext,
    pub figures: CommandDay,
    pub map: MapData,
    pub projection: Projection,
    pub events: Vec<EventLine>,
    pub types: Vec<EventTypeRow>,
}

impl CommandPage {
    pub fn type_name(&self, code: &str) -> String {
        type_name(&self.ctx, &self.types, code)
    }

    pub fn rate(&self, rate: Option<i64>) -> String {
        rate.map_or_else(|| "—".to_owned(), |r| format!("{r}%"))
    }

    pub fn name(&self, line: &FigureLine) -> String {
        self.ctx.pick(&line.name_zh, &line.name_en).to_owned()
    }

    /// The tables of figures: (title key, slug, lines).
    pub fn tables(&self) -> Vec<(&'static str, &'static str, Vec<FigureLine>)> {
        let f = &self.figures;
        vec![
            (
                "grid.total",
                "total",
                vec![f.total.clone(), f.average.clone()],
            ),
            ("grid.by_street", "street", f.streets.clone()),
            ("grid.by_category", "category", f.categories.clone()),
            ("grid.by_department", "department", f.departments.clone()),
            ("grid.by_community", "community", f.communities.clone()),
        ]
    }

    /// The map's cells: (x, y, width, height, fill) of every grid.
    pub fn cells(&self) -> Vec<(String, String, String, String, &'static str)> {
        self.map
            .grids
            .iter()
            .map(|(id, _, west, south, east, north)| {
                let (x, y, w, h) = self.projection.rect(*west, *south, *east, *north);
                (x, y, w, h, self.fill(*id))
            })
            .collect()
    }

    /// The fill of a grid with `open` events: pale without, darker with more.
    pub fn fill(&self, id: i64) -> &'static str {
        match self.map.open.get(&id).copied().unwrap_or(0) {
            0 => "#eef2f5",
            1 => "#f9c98b",
            2..=3 => "#ef8a3c",
            _ => "#b8420f",
        }
    }
}

/// A citizen's report as its reporter follows it: signed in by its number, or by the public
/// lookup (number and the phone's last four digits).
#[derive(Template, WebTemplate)]
#[template(path = "grid/track.html")]
pub struct GridTrackPage {
    pub ctx: PageContext,
    pub form: FormState,
    pub view: Option<ReportView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "grid/own_report.html")]
pub struct OwnReportPage {
    pub ctx: PageContext,
    pub view: ReportView,
}

/// A street's grid workers' day (the inspector's page).
#[derive(Template, WebTemplate)]
#[template(path = "grid/inspection.html")]
pub struct InspectionPage {
    pub ctx: PageContext,
    pub day: chrono::NaiveDate,
    pub street: i64,
    /// The streets the reader may choose from: (id, code, name, English name).
    pub streets: Vec<(i64, String, String, String)>,
    pub workers: Vec<crate::services::grid::WorkerDay>,
    pub commander: bool,
}

impl InspectionPage {
    pub fn km(metres: i64) -> String {
        format!("{:.2} km", metres as f64 / 1000.0)
    }

    pub fn street_name(&self) -> String {
        self.streets
            .iter()
            .find(|s| s.0 == self.street)
            .map(|s| self.ctx.pick(&s.2, &s.3).to_string())
            .unwrap_or_default()
    }
}

/// The grid events a department holds.
#[derive(Template, WebTemplate)]
#[template(path = "grid/department.html")]
pub struct DepartmentEventsPage {
    pub ctx: PageContext,
    pub department_code: String,
    pub events: Vec<EventLine>,
    pub types: Vec<EventTypeRow>,
    /// The cursor of the next page, if this one is full.
    pub more: Option<i64>,
}

impl DepartmentEventsPage {
    pub fn type_name(&self, code: &str) -> String {
        type_name(&self.ctx, &self.types, code)
    }
}

/// The administrators' page of the grid workers' devices.
#[derive(Template, WebTemplate)]
#[template(path = "admin/devices.html")]
pub struct DevicesPage {
    pub ctx: PageContext,
    pub devices: Vec<crate::db::grid::DeviceLine>,
    /// The cursor of the next page, if this one is full.
    pub more: Option<i64>,
    pub form: FormState,
    pub problems: Vec<crate::domain::reason::Reason>,
    /// The token just issued, shown once.
    pub token: Option<String>,
}

/// The administrators' list of event types, by category.
#[derive(Template, WebTemplate)]
#[template(path = "admin/event_types.html")]
pub struct EventTypesPage {
    pub ctx: PageContext,
    pub types: Vec<crate::db::grid::EventTypeRow>,
    /// (code, name_zh, name_en)
    pub categories: Vec<(String, String, String)>,
    pub departments: Vec<(String, String, String)>,
}

impl EventTypesPage {
    pub fn of_category(&self, code: &str) -> Vec<&crate::db::grid::EventTypeRow> {
        self.types
            .iter()
            .filter(|t| t.category_code == code)
            .collect()
    }

    pub fn department(&self, code: &str) -> String {
        self.departments
            .iter()
            .find(|(c, _, _)| c == code)
            .map_or_else(
                || code.to_owned(),
                |(_, zh, en)| self.ctx.pick(zh, en).to_owned(),
            )
    }
}

/// The form of an event type: a new one (`code` None) or one to change.
#[derive(Template, WebTemplate)]
#[template(path = "admin/event_type.html")]
pub struct EventTypePage {
    pub ctx: PageContext,
    pub code: Option<String>,
    pub categories: Vec<(String, String, String)>,
    pub departments: Vec<(String, String, String)>,
    pub form: FormState,
}

impl EventTypePage {
    pub fn title(&self) -> String {
        match &self.code {
            Some(code) => self.ctx.tf("grid.types.edit_title", &[("code", code)]),
            None => self.ctx.t("grid.types.add").into_owned(),
        }
    }

    pub fn action(&self) -> String {
        match &self.code {
            Some(code) => format!("/admin/grid/types/{code}"),
            None => "/admin/grid/types".to_owned(),
        }
    }
}

/// The administrators' import of grid outlines.
#[derive(Template, WebTemplate)]
#[template(path = "admin/territory.html")]
pub struct TerritoryPage {
    pub ctx: PageContext,
    pub imported: Option<crate::services::grid::Imported>,
    /// Why the file was refused (the GeoJSON reader's words).
    pub error: Option<String>,
}

impl TerritoryPage {
    pub fn imported_text(&self) -> String {
        let n = self.imported.as_ref().map_or(0, |i| i.replaced);
        self.ctx.tf("grid.imported", &[("n", &n)])
    }
}
