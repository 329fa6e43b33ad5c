//! The administrators' rule pages: workflows, drafts, diffs, the calendar and the change log.

use askama::Template;
use askama_web::WebTemplate;

use super::PageContext;
use crate::db::admin::AdminEvent;
use crate::domain::reason::Reason;
use crate::services::admin::{DiffRow, WorkflowSummary};
use crate::web::forms::FormState;

#[derive(Template, WebTemplate)]
#[template(path = "admin/workflows.html")]
pub struct WorkflowsPage {
    pub ctx: PageContext,
    pub workflows: Vec<WorkflowSummary>,
    /// Why the last import was refused.
    pub problems: Vec<Reason>,
    /// The text pasted for import, kept when refused.
    pub source: String,
    /// Calendar years whose official notice is still to be confirmed (see the calendar page).
    pub years_to_settle: Vec<i32>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/workflow.html")]
pub struct WorkflowPage {
    pub ctx: PageContext,
    pub page: crate::services::admin::WorkflowPage,
    pub notice: Option<String>,
    pub assign_problems: Vec<Reason>,
    /// The departments a workflow can be assigned to at once.
    pub departments: Vec<crate::db::catalog::DepartmentSummary>,
}

impl WorkflowPage {
    pub fn notice_text(&self) -> Option<String> {
        let notice = self.notice.as_deref()?;
        match notice.strip_prefix("assigned-") {
            Some(n) => Some(self.ctx.tn("admin_rules.notice.assigned", n)),
            None if notice == "published" => Some(
                self.ctx
                    .tn("admin_rules.notice.published", self.page.version),
            ),
            None => None,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/diff.html")]
pub struct DiffPage {
    pub ctx: PageContext,
    pub key: String,
    pub from: i32,
    pub to: i32,
    pub rows: Vec<DiffRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/draft.html")]
pub struct DraftPage {
    pub ctx: PageContext,
    pub page: crate::services::admin::DraftPage,
    /// The text in the editor: the stored one, or what was typed when a save was refused.
    pub source: String,
    pub lock_version: i32,
    pub notice: Option<String>,
    /// The save was refused because somebody else saved first.
    pub stale: bool,
}

impl DraftPage {
    pub fn notice_text(&self) -> Option<String> {
        match self.notice.as_deref()? {
            "saved" => Some(self.ctx.t("admin_rules.notice.saved").into_owned()),
            "imported" => Some(self.ctx.t("admin_rules.notice.imported").into_owned()),
            _ => None,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/calendar.html")]
pub struct CalendarPage {
    pub ctx: PageContext,
    pub year: i32,
    pub view: crate::services::admin::CalendarYearView,
    pub form: FormState,
    pub problems: Vec<Reason>,
}

/// A service's form in the editor, with a preview of the form as applicants will see it.
#[derive(Template, WebTemplate)]
#[template(path = "admin/form.html")]
pub struct FormEditorPage {
    pub ctx: PageContext,
    pub service_code: String,
    pub service_name: String,
    /// The newest published version.
    pub version: i32,
    /// The open draft: (id, lock version).
    pub draft: Option<(i64, i32)>,
    pub source: String,
    pub problems: Vec<Reason>,
    /// The preview's sections (those of the draft, or of the published version).
    pub sections: Vec<super::applications::SectionView>,
    pub notice: Option<String>,
    pub stale: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/log.html")]
pub struct AdminLogPage {
    pub ctx: PageContext,
    pub events: Vec<AdminEvent>,
    pub next_href: Option<String>,
}

impl AdminLogPage {
    pub fn time(&self, at: &chrono::NaiveDateTime) -> String {
        super::applications::local_time(at)
    }
}

/// The administrators' home: every admin area with what needs attention in it.
#[derive(Template, WebTemplate)]
#[template(path = "admin/home.html")]
pub struct AdminHomePage {
    pub ctx: PageContext,
    pub overview: crate::services::admin_overview::AdminOverview,
}

impl AdminHomePage {
    pub fn workflows_summary(&self) -> String {
        self.ctx.tf(
            "admin_pages.workflows_summary",
            &[
                ("n", &self.overview.workflows),
                ("services", &self.overview.services),
            ],
        )
    }

    pub fn time(&self, at: &chrono::NaiveDateTime) -> String {
        super::applications::local_time(at)
    }
}

/// The service picker: a search by name or code, a page of services, each with a link to its
/// form and a choice of workflow.
#[derive(Template, WebTemplate)]
#[template(path = "admin/services.html")]
pub struct ServicePickerPage {
    pub ctx: PageContext,
    pub q: String,
    pub found: crate::services::catalog::Page<crate::services::service_picker::PickedService>,
    /// The published workflows, to choose from.
    pub workflows: Vec<WorkflowSummary>,
    /// The workflow preselected in each row's choice (from a workflow's page).
    pub workflow: String,
    pub notice: Option<String>,
    pub previous_href: Option<String>,
    pub next_href: Option<String>,
}

impl ServicePickerPage {
    /// The name of workflow `key` in the reader's language (the key when it is unknown).
    pub fn workflow_name(&self, key: &str) -> String {
        self.workflows.iter().find(|w| w.key == key).map_or_else(
            || key.to_owned(),
            |w| self.ctx.pick(&w.name_zh, &w.name_en).to_string(),
        )
    }
}
