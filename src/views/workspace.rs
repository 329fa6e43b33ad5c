//! The clerk's workspace: queue, application page, dashboard and audit log.

use askama::Template;
use askama_web::WebTemplate;
use chrono::{NaiveDate, NaiveDateTime};

use super::PageContext;
use crate::db::workflow::{NO_DEADLINE, QueueRow, StaffEvent};
use crate::domain::clock::Level;
use crate::domain::workflow::Transition;

/// A deadline as shown: the date (`2026-12-05`: chrono's `Display`, which writes the digits
/// directly instead of interpreting a format string for every row), or a dash for none.
pub fn date(d: &Option<NaiveDate>) -> String {
    match d {
        Some(d) if *d != NO_DEADLINE => d.to_string(),
        _ => "—".to_owned(),
    }
}

pub fn level_code(level: &Level) -> &'static str {
    level.code()
}

/// A link's query string for the queue with its filters, optionally after a cursor.
#[derive(Debug, Clone, Default)]
pub struct QueueLinks {
    pub state: String,
    pub service: String,
    pub level: String,
    pub assigned: String,
    pub sort: String,
    /// A tracking number, part of the applicant's name or the last digits of their ID.
    pub q: String,
}

impl QueueLinks {
    pub fn query(&self, after: Option<&str>) -> String {
        let mut pairs: Vec<(&str, &str)> = [
            ("state", self.state.as_str()),
            ("service", self.service.as_str()),
            ("level", self.level.as_str()),
            ("assigned", self.assigned.as_str()),
            ("sort", self.sort.as_str()),
            ("q", self.q.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        if let Some(after) = after {
            pairs.push(("after", after));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    pub fn with_state(&self, state: &str) -> String {
        QueueLinks {
            state: state.to_owned(),
            ..self.clone()
        }
        .query(None)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "workspace/queue.html")]
pub struct QueuePage {
    pub ctx: PageContext,
    pub department_code: String,
    pub department_name: String,
    pub links: QueueLinks,
    /// (state code, name, count)
    pub counts: Vec<(String, String, i64)>,
    pub rows: Vec<(QueueRow, Level)>,
    pub co_review: Vec<(QueueRow, Level)>,
    /// Actions offered on each row, per state.
    pub quick: Vec<(String, Vec<Transition>)>,
    pub services: Vec<(String, String)>,
    pub next_href: Option<String>,
    pub user_id: i64,
    pub return_to: String,
    pub today: NaiveDate,
}

impl QueuePage {
    pub fn quick_for(&self, state: &str) -> Vec<&Transition> {
        self.quick
            .iter()
            .find(|(s, _)| s == state)
            .map(|(_, t)| t.iter().collect())
            .unwrap_or_default()
    }

    pub fn search_heading(&self) -> String {
        self.ctx
            .tf("queue.search_results", &[("q", &self.links.q.as_str())])
    }

    pub fn state_name(&self, state: &str) -> String {
        self.counts.iter().find(|(c, ..)| c == state).map_or_else(
            || self.ctx.label("status", state).into_owned(),
            |(_, name, _)| name.clone(),
        )
    }
}

/// A material with its files (id, name, size), whether the applicant pledged it (容缺), and
/// the issued licence used for it.
pub type MaterialRow = (String, Vec<(i64, String, i64)>, bool, Option<String>);

/// A transition form as shown on the application page, with what was typed when it failed.
pub struct TransitionForm {
    pub transition: Transition,
    pub error: Option<String>,
    pub note: String,
    pub decision: String,
    pub checked: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "workspace/case.html")]
pub struct CasePage {
    pub ctx: PageContext,
    /// The rating a remedy case (好差评整改) is about; `None` for an application.
    pub remedy: Option<crate::views::ratings::RemedyPanel>,
    pub id: i64,
    pub version: i32,
    pub tracking_number: String,
    pub service_code: String,
    pub service_name: String,
    pub department_code: String,
    pub state_name: String,
    pub state_paused: bool,
    pub workflow_name: String,
    pub workflow_version: i32,
    pub applicant: (String, String, String),
    pub submitted_at: Option<NaiveDateTime>,
    /// (label, value) of each deadline.
    pub deadlines: Vec<(String, String)>,
    pub level: Level,
    pub deemed_accepted: bool,
    /// The day the decision periods count from (receipt, when deemed accepted).
    pub accepted_on: Option<NaiveDate>,
    /// The first day of the special procedure under way.
    pub paused_since: Option<NaiveDate>,
    /// Whether it was decided within the promised deadline, once decided.
    pub on_time: Option<bool>,
    pub calendar_covers: bool,
    pub extension_days: i32,
    pub paused_days: i32,
    pub decision: Option<String>,
    pub answers: Vec<crate::views::applications::AnswerSection>,
    pub materials: Vec<MaterialRow>,
    pub events: Vec<StaffEvent>,
    pub notes: Vec<(String, String, NaiveDateTime)>,
    /// The co-reviewing departments' opinions (并联审查意见), in the order given.
    pub opinions: Vec<OpinionLine>,
    /// Names of the co-reviewing departments whose opinion the lead's decision still awaits.
    pub outstanding: Vec<String>,
    /// A co-reviewer's refusal has decided the review: only the lead's denial is left.
    pub refusal_decides: bool,
    /// A co-reviewing department after its review: the page without actions or notes.
    pub read_only: bool,
    pub forms: Vec<TransitionForm>,
    pub error_summary: Vec<(String, String)>,
    pub staff: Vec<(i64, String, String)>,
    pub assignee_id: Option<i64>,
    pub user_id: i64,
    pub may_assign: bool,
    pub cards: Vec<(String, NaiveDate, NaiveDateTime)>,
    pub material_names: Vec<String>,
    pub state_names: Vec<(String, String)>,
    /// The workflow version's state graph, with the application's state highlighted.
    pub diagram: crate::domain::diagram::Diagram,
}

impl CasePage {
    /// The name of a state as this application's workflow version names it; a state outside
    /// the workflow (the draft) by its name in the locale files. Never the code.
    pub fn state_label(&self, code: &str) -> String {
        self.state_names
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(
                || self.ctx.label("status", code).into_owned(),
                |(_, n)| n.clone(),
            )
    }

    pub fn is_assignee(&self, id: &i64) -> bool {
        self.assignee_id == Some(*id)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "workspace/dashboard.html")]
pub struct DashboardPage {
    pub ctx: PageContext,
    pub department_code: String,
    pub department_name: String,
    pub today: NaiveDate,
    pub figures: Vec<(&'static str, i64, i64)>,
    pub on_time: (i64, i64),
    pub overdue: Vec<(QueueRow, Level)>,
    pub more_overdue: Vec<Level>,
    pub per_service: Vec<(String, String, i64)>,
    /// This month's ratings per service (好差评).
    pub ratings: Vec<crate::views::ratings::FigureLine>,
}

impl DashboardPage {
    /// The on-time rate this month, as a percentage with one decimal, or a dash.
    pub fn on_time_rate(&self) -> String {
        let (on_time, late) = self.on_time;
        if on_time + late == 0 {
            "—".to_owned()
        } else {
            format!("{:.1}%", on_time as f64 * 100.0 / (on_time + late) as f64)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "workspace/audit.html")]
pub struct AuditPage {
    pub ctx: PageContext,
    pub department_code: String,
    pub department_name: String,
    pub search: Vec<(String, String)>,
    pub events: Vec<StaffEvent>,
    pub next_href: Option<String>,
    pub csv_href: String,
    pub error: Option<String>,
}

impl AuditPage {
    pub fn value(&self, name: &str) -> &str {
        self.search
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// One co-reviewing department's opinion on the case page.
pub struct OpinionLine {
    pub department: String,
    pub agrees: bool,
    pub text: String,
    pub at: String,
}
