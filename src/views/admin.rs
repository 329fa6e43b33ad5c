//! The administrators' rule pages: workflows, drafts, diffs, the calendar and the change log.

use askama::Template;
use askama_web::WebTemplate;

use super::PageContext;
use crate::db::admin::AdminEvent;
use crate::services::admin::{DiffRow, WorkflowSummary};
use crate::web::forms::FormState;

#[derive(Template, WebTemplate)]
#[template(path = "admin/workflows.html")]
pub struct WorkflowsPage {
    pub ctx: PageContext,
    pub workflows: Vec<WorkflowSummary>,
    /// Why the last import was refused.
    pub problems: Vec<String>,
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
    pub assign_problems: Vec<String>,
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
    pub problems: Vec<String>,
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
    pub problems: Vec<String>,
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
