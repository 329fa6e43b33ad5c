//! The printable documents an application ends with: the decision (行政许可决定书) and the
//! licence. Every fixed text is translated; names and what people typed stay as they are, and
//! are marked `lang="zh-CN"` on the page.

use askama::Template;
use askama_web::WebTemplate;
use chrono::{Datelike, NaiveDate};

use super::PageContext;
use super::applications::sections;
use crate::domain::catalog::ItemType;
use crate::domain::documents::{bare_title, book_title};
use crate::services::documents::{DecisionDocument, LicenceDocument};
use crate::web::i18n::Lang;

/// A date as documents write it: 2026年12月5日, 5 December 2026.
pub fn document_date(lang: Lang, day: NaiveDate) -> String {
    match lang {
        Lang::Zh => format!("{}年{}月{}日", day.year(), day.month(), day.day()),
        Lang::En => day.format("%-d %B %Y").to_string(),
    }
}

/// A translated sentence cut at its one placeholder, so that the name put there can carry its
/// own language.
pub struct Around {
    pub before: String,
    pub after: String,
}

fn around(lang: Lang, key: &str, placeholder: &str) -> Around {
    let text = lang.t(key);
    let mark = format!("%{{{placeholder}}}");
    let (before, after) = text.split_once(&mark).unwrap_or((&text, ""));
    Around {
        before: before.to_owned(),
        after: after.to_owned(),
    }
}

/// The decision document, printable: the issuing department, the document number, the
/// applicant, the decision, its legal basis, for a denial the applicant's rights, and the
/// issuer's seal line with the date.
#[derive(Template, WebTemplate)]
#[template(path = "applications/decision.html")]
pub struct DecisionPage {
    pub ctx: PageContext,
    pub id: i64,
    /// 文号; none for a decision made before decisions were numbered.
    pub number: Option<String>,
    pub tracking_number: String,
    pub service_name: String,
    /// The result as cited, in 《》 once.
    pub result_name: String,
    pub department_name: String,
    pub applicant_name: String,
    pub approved: bool,
    /// A licensing decision cites the licensing law (Art 38).
    pub licensing: bool,
    pub decision: String,
    pub decided_on: String,
    pub intro: Around,
    pub result: Around,
}

impl DecisionPage {
    pub fn new(ctx: PageContext, id: i64, doc: DecisionDocument) -> Self {
        let app = doc.application;
        let summary = &app.service.summary;
        Self {
            id,
            number: doc.number,
            tracking_number: app.row.tracking_number.clone().unwrap_or_default(),
            service_name: ctx.pick(&summary.name, &summary.name_en).to_owned(),
            // 《》 is how Chinese cites a document; English names it as it is.
            result_name: match ctx.lang {
                crate::web::i18n::Lang::En if !app.service.result_name_en.is_empty() => {
                    app.service.result_name_en.clone()
                }
                _ => book_title(&app.service.result_name),
            },
            department_name: ctx
                .pick(&summary.department_name, &summary.department_name_en)
                .to_owned(),
            applicant_name: app.applicant.name.clone(),
            approved: doc.approved,
            licensing: summary.item_type == ItemType::Licensing,
            decision: doc.decision,
            decided_on: document_date(ctx.lang, doc.decided_on),
            intro: around(ctx.lang, "decision.intro", "service"),
            result: around(ctx.lang, "decision.result", "result"),
            ctx,
        }
    }
}

/// One line of the licence: its label, its value, and whether the value is text as typed
/// (Chinese, marked so) rather than a translated choice.
pub struct Fact {
    pub label: String,
    pub value: String,
    pub as_typed: bool,
}

/// The licence an application issued, printable (国务院令第716号: an electronic licence has the
/// legal effect of a paper one): the holder, the facts it licenses from the application, the
/// validity, the issuing department and date.
#[derive(Template, WebTemplate)]
#[template(path = "applications/licence.html")]
pub struct LicencePage {
    pub ctx: PageContext,
    pub id: i64,
    pub name: String,
    pub number: String,
    pub valid: bool,
    pub facts: Vec<Fact>,
    pub service_name: String,
    pub department_name: String,
    pub issued_on: String,
}

/// The answer to field `name` as the licence prints it: a choice by its label in the page's
/// language, several joined, typed text as typed; tables are not printed.
fn answer(
    ctx: &PageContext,
    app: &crate::services::applications::Application,
    name: &str,
) -> Option<Fact> {
    let field = sections(ctx.lang, &app.form, &app.input, &[])
        .into_iter()
        .flat_map(|s| s.fields)
        .find(|f| f.name == name)?;
    let chosen = || {
        field
            .options
            .iter()
            .filter(|o| o.selected)
            .map(|o| o.label.clone())
            .collect::<Vec<_>>()
    };
    let (value, as_typed) = match field.control {
        "select" | "multi" => (
            chosen().join(ctx.t("documents.list_separator").as_ref()),
            false,
        ),
        "table" | "checkbox" => return None,
        _ => (field.value.trim().to_owned(), true),
    };
    (!value.is_empty()).then_some(Fact {
        label: field.label,
        value,
        as_typed,
    })
}

impl LicencePage {
    pub fn new(ctx: PageContext, id: i64, doc: LicenceDocument) -> Self {
        let app = &doc.application;
        let facts = &doc.facts;
        let mut lines = Vec::new();
        let mut line = |key: &str, value: String, as_typed: bool| {
            if !value.is_empty() {
                lines.push(Fact {
                    label: ctx.t(key).into_owned(),
                    value,
                    as_typed,
                });
            }
        };
        let typed = |name: &Option<String>| {
            name.as_deref()
                .and_then(|n| answer(&ctx, app, n))
                .map(|f| f.value)
        };
        let account = &app.applicant;
        line(
            "documents.holder",
            typed(&facts.holder).unwrap_or_else(|| account.name.clone()),
            true,
        );
        if let Some(code) = &account.credit_code {
            line("form.credit_code", code.clone(), false);
        } else if let Some(id_number) = &account.national_id {
            line(
                "form.national_id",
                crate::web::applications::mask(id_number, 6, 4),
                false,
            );
        }
        // The legal representative named in the application; the account's only where the
        // form asks for none.
        let representative = typed(&facts.legal_representative)
            .or_else(|| account.legal_representative.clone())
            .unwrap_or_default();
        line("documents.legal_representative", representative, true);
        line(
            "documents.premises",
            typed(&facts.premises).unwrap_or_default(),
            true,
        );
        let scope: Vec<Fact> = facts
            .scope
            .iter()
            .filter_map(|n| answer(&ctx, app, n))
            .collect();
        let scope_typed = scope.iter().any(|f| f.as_typed);
        let scope = scope
            .into_iter()
            .map(|f| f.value)
            .collect::<Vec<_>>()
            .join(ctx.t("documents.scope_separator").as_ref());
        line("documents.scope", scope, scope_typed);
        if let Some((from, until)) = doc.validity {
            let period = ctx.tf(
                "documents.period",
                &[
                    ("from", &document_date(ctx.lang, from)),
                    ("until", &document_date(ctx.lang, until)),
                ],
            );
            line("documents.validity", period, false);
        }
        Self {
            id,
            name: bare_title(&doc.licence.name).to_owned(),
            number: doc.licence.number.clone(),
            valid: doc.valid,
            service_name: ctx
                .pick(&app.service.summary.name, &app.service.summary.name_en)
                .to_owned(),
            department_name: ctx
                .pick(
                    &app.service.summary.department_name,
                    &app.service.summary.department_name_en,
                )
                .to_owned(),
            issued_on: document_date(ctx.lang, doc.licence.issued_on),
            facts: lines,
            ctx,
        }
    }
}
