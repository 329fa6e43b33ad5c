//! The 12345 hotline's pages: the request form (online and the operator's console), the
//! caller's view and public lookup, the request as the hotline and the department work it, the
//! department's hotline queue and the daily figures.

use askama::Template;
use askama_web::WebTemplate;

use super::PageContext;
use super::workspace::TransitionForm;
use crate::db::catalog::ServiceSummary;
use crate::db::hotline::ListedRequest;
use crate::services::workflow::hotline_pages::{
    CallerView, Console, HotlineCase, HotlineFigureLine, HotlineFigures,
};
use crate::web::forms::FormState;

/// A type of request for the form: (code, name and time limit in the page's language).
pub type TypeChoice = (String, String, String);

#[derive(Template, WebTemplate)]
#[template(path = "hotline/intake.html")]
pub struct IntakePage {
    pub ctx: PageContext,
    pub form: FormState,
    pub types: Vec<TypeChoice>,
    /// The caller is signed in: answered at their account.
    pub signed_in: bool,
    /// The largest file accepted, in MB.
    pub per_file_mb: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "hotline/received.html")]
pub struct ReceivedPage {
    pub ctx: PageContext,
    pub number: String,
    /// When the answer is due, as a sentence.
    pub due_text: String,
    pub signed_in: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "hotline/track.html")]
pub struct TrackPage {
    pub ctx: PageContext,
    pub form: FormState,
    pub view: Option<CallerView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "hotline/request.html")]
pub struct RequestPage {
    pub ctx: PageContext,
    pub view: CallerView,
    pub rating_error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "hotline/mine.html")]
pub struct MyRequestsPage {
    pub ctx: PageContext,
    pub rows: Vec<ListedRequest>,
}

#[derive(Template, WebTemplate)]
#[template(path = "hotline/console.html")]
pub struct ConsolePage {
    pub ctx: PageContext,
    pub form: FormState,
    pub types: Vec<TypeChoice>,
    pub console: Console,
    /// The number asked about, as typed.
    pub phone: String,
}

/// The dispatch form's choice of department: (code, name), the suggested one first.
pub type DepartmentChoice = (String, String);

#[derive(Template, WebTemplate)]
#[template(path = "hotline/case.html")]
pub struct CasePage {
    pub ctx: PageContext,
    pub hc: HotlineCase,
    pub forms: Vec<TransitionForm>,
    pub departments: Vec<DepartmentChoice>,
    /// The department the words of the request suggest.
    pub suggested_department: String,
    /// The catalog search of the direct answer: what was asked and what was found.
    pub q: String,
    pub guides: Vec<ServiceSummary>,
    /// The operator's field of the dispatch or merge form that failed, with why.
    pub error: Option<(String, String)>,
    /// What was typed in the merge form.
    pub merge_into: String,
}

impl CasePage {
    pub fn form(&self, name: &str) -> Option<&TransitionForm> {
        self.forms.iter().find(|f| f.transition.name == name)
    }

    pub fn error_for(&self, name: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(n, _)| n == name)
            .map(|(_, e)| e.as_str())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "hotline/queue.html")]
pub struct QueuePage {
    pub ctx: PageContext,
    pub department_code: String,
    pub department_name: String,
    pub rows: Vec<ListedRequest>,
    /// The cursor of the next page.
    pub next: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "hotline/figures.html")]
pub struct FiguresPage {
    pub ctx: PageContext,
    pub figures: HotlineFigures,
}

impl FiguresPage {
    /// The hotline's own line, then the departments'.
    pub fn lines(&self) -> Vec<&HotlineFigureLine> {
        std::iter::once(&self.figures.hotline)
            .chain(&self.figures.departments)
            .collect()
    }

    /// The line's name in the page's language.
    pub fn name(&self, line: &HotlineFigureLine) -> String {
        match &line.department {
            Some((_, zh, en)) => self.ctx.pick(zh, en).to_owned(),
            None => self.ctx.t("hotline.figures.hotline_line").into_owned(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/hotline_types.html")]
pub struct TypesPage {
    pub ctx: PageContext,
    pub types: Vec<crate::db::hotline::TypeRow>,
    /// Why the change of `failed` was refused.
    pub problems: Vec<crate::domain::reason::Reason>,
    pub failed: Option<String>,
}

/// A deadline or a time as shown.
pub fn due(line: &ListedRequest) -> String {
    match line.urgent_due_at {
        Some(at) => super::applications::local_time(&at),
        None => super::workspace::date(&line.due_on),
    }
}

/// A step with the plain form (a note, or a reply): not one the page has its own form for
/// (the direct answer, dispatch, merge, the call back's rating).
pub fn plain_step(name: &str) -> bool {
    !matches!(name, "answer_directly" | "dispatch" | "merge") && !name.starts_with("callback_")
}
