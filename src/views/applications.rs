//! Forms rendered from their definitions, the check-your-answers page, and the applicant's
//! application pages.

use askama::Template;
use askama_web::WebTemplate;
use chrono::{NaiveDate, NaiveDateTime};

use super::PageContext;
use crate::domain::forms::{
    ColumnKind, Field, FieldKind, FieldProblem, FormDefinition, Problem, Text,
};
use crate::web::forms::identity_error_key;
use crate::web::i18n::Lang;

fn text(lang: Lang, t: &Text) -> String {
    match lang {
        Lang::Zh => t.zh.clone(),
        Lang::En => t.en.clone(),
    }
}

/// A problem in the visitor's language.
pub fn problem_message(lang: Lang, problem: &Problem) -> String {
    match problem {
        Problem::Required => lang.t("form.problem.required").into_owned(),
        Problem::TooShort(n) => lang.tf("form.problem.too_short", &[("n", n)]),
        Problem::TooLong(n) => lang.tf("form.problem.too_long", &[("n", n)]),
        Problem::NotANumber => lang.t("form.problem.not_a_number").into_owned(),
        Problem::TooManyDecimals(n) => lang.tf("form.problem.decimals", &[("n", n)]),
        Problem::BelowMin(n) => lang.tf("form.problem.below_min", &[("n", n)]),
        Problem::AboveMax(n) => lang.tf("form.problem.above_max", &[("n", n)]),
        Problem::NotADate => lang.t("form.problem.not_a_date").into_owned(),
        Problem::NotAnOption => lang.t("form.problem.not_an_option").into_owned(),
        Problem::TooManyRows(n) => lang.tf("form.problem.too_many_rows", &[("n", n)]),
        Problem::IncompleteSection => lang.t("form.problem.incomplete_section").into_owned(),
        Problem::Identity(e) => lang.t(identity_error_key(*e)).into_owned(),
    }
}

/// The problem as a sentence that names its field (`label`), so that a list of errors, read
/// out by a screen reader, says which field each one is about: "请填写账户户名", "Enter the
/// account name", "家庭成员第2行“身份证号码”：校验位不正确".
pub fn named_problem(lang: Lang, label: &str, choice: bool, problem: &Problem) -> String {
    match problem {
        Problem::Required if choice => lang.tf("form.problem.choose_named", &[("label", &label)]),
        Problem::Required => lang.tf("form.problem.required_named", &[("label", &label)]),
        other => lang.tf(
            "form.problem.named",
            &[
                ("label", &label),
                ("message", &problem_message(lang, other)),
            ],
        ),
    }
}

/// The name a problem's field goes by on the page: the field's label, or for a table cell
/// (`field.row.column`) the table, the row and the column; and whether it is chosen rather
/// than typed.
fn problem_field(lang: Lang, form: &FormDefinition, path: &str) -> (String, bool) {
    let mut parts = path.splitn(3, '.');
    let name = parts.next().unwrap_or_default();
    let Some(field) = form
        .sections
        .iter()
        .flat_map(|s| &s.fields)
        .find(|f| f.name == name)
    else {
        return (path.to_owned(), false);
    };
    let label = text(lang, &field.label);
    match (&field.kind, parts.next(), parts.next()) {
        (FieldKind::Table { columns, .. }, Some(row), Some(column)) => {
            let column = columns
                .iter()
                .find(|c| c.name == column)
                .map_or_else(|| column.to_owned(), |c| text(lang, &c.label));
            let cell = lang.tf(
                "form.problem.cell",
                &[("table", &label), ("row", &row), ("column", &column)],
            );
            (cell, false)
        }
        (FieldKind::Select { .. } | FieldKind::MultiSelect { .. } | FieldKind::Checkbox, ..) => {
            (label, true)
        }
        _ => (label, false),
    }
}

/// A problem's sentence, naming its field as [`named_problem`] does.
fn problem_sentence(lang: Lang, form: &FormDefinition, problem: &FieldProblem) -> String {
    let (label, choice) = problem_field(lang, form, &problem.field);
    named_problem(lang, &label, choice, &problem.problem)
}

pub struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct CellView {
    pub name: String,
    pub label: String,
    pub input_type: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub inputmode: Option<&'static str>,
}

pub struct FieldView {
    pub name: String,
    pub label: String,
    pub help: Option<String>,
    /// text, email, tel, number, date, textarea, select, multi, checkbox, table
    pub control: &'static str,
    pub required: bool,
    pub value: String,
    pub options: Vec<OptionView>,
    pub error: Option<String>,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<CellView>>,
    /// The keyboard a phone shows (`decimal` for numbers and money, `tel` for phones).
    pub inputmode: Option<&'static str>,
}

impl FieldView {
    /// Whether the applicant gave this field any value.
    pub fn is_answered(&self) -> bool {
        !self.value.is_empty()
            || self.options.iter().any(|o| o.selected)
            || self.rows.iter().flatten().any(|c| !c.value.is_empty())
    }
}

pub struct SectionView {
    pub title: String,
    pub fields: Vec<FieldView>,
}

/// An error for the summary at the top: the anchor it links to and the message.
pub struct SummaryError {
    pub anchor: String,
    pub message: String,
}

fn first(input: &[(String, String)], name: &str) -> String {
    input
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The keyboard a phone shows for a column: a number pad for numbers, money and phones.
fn column_inputmode(kind: ColumnKind) -> Option<&'static str> {
    match kind {
        ColumnKind::Number | ColumnKind::Money => Some("decimal"),
        ColumnKind::Phone => Some("tel"),
        ColumnKind::Text | ColumnKind::NationalId | ColumnKind::Date => None,
    }
}

fn column_input(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Date => "date",
        ColumnKind::Phone => "tel",
        ColumnKind::Number | ColumnKind::Money => "text",
        ColumnKind::Text | ColumnKind::NationalId => "text",
    }
}

fn field_view(
    lang: Lang,
    form: &FormDefinition,
    field: &Field,
    input: &[(String, String)],
    problems: &[FieldProblem],
) -> FieldView {
    let error_of = |name: &str| {
        problems
            .iter()
            .find(|p| p.field == name)
            .map(|p| problem_sentence(lang, form, p))
    };
    let value = first(input, &field.name);
    let options = |choices: &[crate::domain::forms::Choice]| {
        choices
            .iter()
            .map(|c| OptionView {
                selected: input.iter().any(|(k, v)| k == &field.name && v == &c.value),
                value: c.value.clone(),
                label: text(lang, &c.label),
            })
            .collect()
    };
    let mut view = FieldView {
        name: field.name.clone(),
        label: text(lang, &field.label),
        help: field.help.as_ref().map(|h| text(lang, h)),
        control: "text",
        required: field.required,
        value,
        options: Vec::new(),
        error: error_of(&field.name),
        columns: Vec::new(),
        rows: Vec::new(),
        inputmode: None,
    };
    match &field.kind {
        FieldKind::Number | FieldKind::Money => view.inputmode = Some("decimal"),
        FieldKind::Phone => view.inputmode = Some("tel"),
        _ => {}
    }
    match &field.kind {
        FieldKind::LongText => view.control = "textarea",
        FieldKind::Date => view.control = "date",
        FieldKind::Email => view.control = "email",
        FieldKind::Phone => view.control = "tel",
        FieldKind::Checkbox => view.control = "checkbox",
        FieldKind::Select { options: choices } => {
            view.control = "select";
            view.options = options(choices);
        }
        FieldKind::MultiSelect { options: choices } => {
            view.control = "multi";
            view.options = options(choices);
        }
        FieldKind::Table { columns, max_rows } => {
            view.control = "table";
            view.columns = columns.iter().map(|c| text(lang, &c.label)).collect();
            let prefix = format!("{}.", field.name);
            let used = input
                .iter()
                .filter(|(k, v)| k.starts_with(&prefix) && !v.is_empty())
                .filter_map(|(k, _)| k[prefix.len()..].split('.').next()?.parse::<usize>().ok())
                .max()
                .unwrap_or(0);
            // The rows typed so far and two empty ones, up to the limit: no script needed.
            let shown = (used + 2).clamp(3, usize::from(*max_rows).max(1));
            view.rows = (1..=shown)
                .map(|row| {
                    columns
                        .iter()
                        .map(|c| {
                            let name = format!("{}.{row}.{}", field.name, c.name);
                            CellView {
                                value: first(input, &name),
                                error: error_of(&name),
                                label: format!("{} {}", text(lang, &c.label), row),
                                input_type: column_input(c.kind),
                                inputmode: column_inputmode(c.kind),
                                name,
                            }
                        })
                        .collect()
                })
                .collect();
        }
        _ => {}
    }
    view
}

pub fn sections(
    lang: Lang,
    form: &FormDefinition,
    input: &[(String, String)],
    problems: &[FieldProblem],
) -> Vec<SectionView> {
    form.sections
        .iter()
        .map(|s| SectionView {
            title: text(lang, &s.title),
            fields: s
                .fields
                .iter()
                .map(|f| field_view(lang, form, f, input, problems))
                .collect(),
        })
        .collect()
}

pub fn summary(lang: Lang, form: &FormDefinition, problems: &[FieldProblem]) -> Vec<SummaryError> {
    problems
        .iter()
        .map(|p| SummaryError {
            anchor: p.field.replace('.', "-"),
            message: problem_sentence(lang, form, p),
        })
        .collect()
}

/// A section of answers: (its anchor on the form, its title, (label, answer) rows).
pub type AnswerSection = (String, String, Vec<(String, String)>);

/// The answers as a person reads them, section by section, for the check-your-answers page:
/// (the section's anchor on the form, its title, (label, answer) rows). A section with nothing
/// answered (an agent's details when no agent applies) is left out.
pub fn answers(
    lang: Lang,
    form: &FormDefinition,
    input: &[(String, String)],
) -> Vec<AnswerSection> {
    sections(lang, form, input, &[])
        .into_iter()
        .enumerate()
        .filter(|(_, s)| s.fields.iter().any(|f| f.required || f.is_answered()))
        .map(|(index, s)| {
            let rows = s
                .fields
                .into_iter()
                .map(|f| {
                    let shown = match f.control {
                        "select" | "multi" => f
                            .options
                            .iter()
                            .filter(|o| o.selected)
                            .map(|o| o.label.clone())
                            .collect::<Vec<_>>()
                            .join("、"),
                        "checkbox" if !f.value.is_empty() => {
                            lang.t("form.affirmative").into_owned()
                        }
                        "checkbox" => lang.t("form.negative").into_owned(),
                        "table" => f
                            .rows
                            .iter()
                            .filter(|r| r.iter().any(|c| !c.value.is_empty()))
                            .map(|r| {
                                r.iter()
                                    .filter(|c| !c.value.is_empty())
                                    .map(|c| c.value.clone())
                                    .collect::<Vec<_>>()
                                    .join(" / ")
                            })
                            .collect::<Vec<_>>()
                            .join("；"),
                        _ => f.value.clone(),
                    };
                    (f.label, shown)
                })
                .collect();
            (section_anchor(index), s.title, rows)
        })
        .collect()
}

/// The id of the form's `index`th section (from 0), which "change" links on the
/// check-your-answers page point at.
pub fn section_anchor(index: usize) -> String {
    format!("section-{}", index + 1)
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/edit.html")]
pub struct EditPage {
    pub ctx: PageContext,
    pub id: i64,
    pub version: i32,
    pub service_name: String,
    pub applicant: Vec<(String, String)>,
    pub sections: Vec<SectionView>,
    pub errors: Vec<SummaryError>,
    pub notice: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/review.html")]
pub struct ReviewPage {
    pub ctx: PageContext,
    pub id: i64,
    pub service_name: String,
    pub applicant: Vec<(String, String)>,
    pub answers: Vec<AnswerSection>,
    pub materials: Vec<crate::services::applications::MaterialStatus>,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/submitted.html")]
pub struct SubmittedPage {
    pub ctx: PageContext,
    pub id: i64,
    pub tracking_number: String,
    pub service_name: String,
    /// When the decision is due, promised and by law.
    pub next_decide: String,
}

pub struct ListRow {
    pub id: i64,
    pub tracking_number: Option<String>,
    pub status: String,
    pub service_name: String,
    pub department: String,
    pub updated_at: NaiveDateTime,
    /// The deadline of the step under way, or a dash.
    pub due: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/list.html")]
pub struct MyApplicationsPage {
    pub ctx: PageContext,
    pub rows: Vec<ListRow>,
    pub next_href: Option<String>,
}

pub struct TimelineEntry {
    pub kind: String,
    pub note: Option<String>,
    pub at: NaiveDateTime,
}

/// One step of the procedure as the applicant follows it: received → accepted → decided →
/// delivered.
pub struct Stage {
    /// The locale key of its name.
    pub name: &'static str,
    /// done, current, todo, or ended (the application ended here: not accepted, withdrawn,
    /// denied).
    pub status: &'static str,
    /// When it was done.
    pub on: Option<NaiveDate>,
    /// By when it is due, while it is the current step and its clock runs.
    pub due: Option<NaiveDate>,
}

/// The procedure's four steps for an application in its workflow.
pub fn progress(w: &crate::services::workflow::ApplicantView) -> Vec<Stage> {
    let stage = |name, status, on, due| Stage {
        name,
        status,
        on,
        due,
    };
    let accepted = w.accepted_on.is_some();
    let decided = w.decided_on.is_some();
    let running = |due: Option<NaiveDate>| if w.paused { None } else { due };
    let acceptance = if accepted {
        stage("progress.accepted", "done", w.accepted_on, None)
    } else if w.terminal {
        stage("progress.accepted", "ended", None, None)
    } else {
        stage(
            "progress.accepted",
            "current",
            None,
            running(w.deadlines.acceptance_due),
        )
    };
    let decision = if decided {
        stage("progress.decided", "done", w.decided_on, None)
    } else if !accepted {
        stage("progress.decided", "todo", None, None)
    } else if w.terminal {
        stage("progress.decided", "ended", None, None)
    } else {
        stage(
            "progress.decided",
            "current",
            None,
            running(w.deadlines.promised_due),
        )
    };
    let delivery = if w.delivered {
        stage("progress.delivered", "done", None, None)
    } else if !decided {
        stage("progress.delivered", "todo", None, None)
    } else if w.terminal {
        stage("progress.delivered", "ended", None, None)
    } else {
        stage(
            "progress.delivered",
            "current",
            None,
            w.deadlines.delivery_due,
        )
    };
    vec![
        stage("progress.received", "done", w.received_on, None),
        acceptance,
        decision,
        delivery,
    ]
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/show.html")]
pub struct ApplicationPage {
    pub ctx: PageContext,
    pub id: i64,
    pub tracking_number: Option<String>,
    pub status: String,
    pub service_name: String,
    pub answers: Vec<AnswerSection>,
    pub timeline: Vec<TimelineEntry>,
    /// Where the application stands in its workflow, once submitted.
    pub workflow: Option<crate::services::workflow::ApplicantView>,
    /// 好差评, once the application has ended.
    pub rating: Option<crate::views::ratings::RatingSection>,
}

/// A time in China Standard Time, as people here read it.
pub fn local_time(at: &NaiveDateTime) -> String {
    (*at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/track.html")]
pub struct TrackPage {
    pub ctx: PageContext,
    pub form: crate::web::forms::FormState,
    pub progress: Option<crate::services::applications::Progress>,
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/materials.html")]
pub struct MaterialsPage {
    pub ctx: PageContext,
    pub id: i64,
    pub service_name: String,
    pub limits_text: String,
    pub materials: Vec<crate::services::applications::MaterialStatus>,
    pub error: Option<String>,
    /// Where the error summary links to.
    pub error_anchor: String,
    /// Answering a request for missing materials (补正), not filling a draft.
    pub supplement: bool,
}
