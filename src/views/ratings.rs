//! 好差评 on the pages: the rating section of an ended application, the remedy panel of the
//! staff's case page, the administrators' review of unfounded ratings and the public figures.

use askama::Template;
use askama_web::WebTemplate;

use super::PageContext;
use crate::domain::rating::{self, LEVELS, REASONS, RatingField, Tally};
use crate::services::workflow::{RatingPanel, RemedyStatus, ReviewItem};
use crate::web::i18n::Lang;

/// The rating form as sent, kept when it comes back with problems.
#[derive(Debug, Clone, Default)]
pub struct RatingForm {
    pub level: String,
    pub reasons: Vec<String>,
    pub comment: String,
    pub anonymous: bool,
    /// (field anchor, message).
    pub errors: Vec<(String, String)>,
}

impl RatingForm {
    pub fn with_problems(
        mut self,
        lang: Lang,
        problems: &[(RatingField, crate::domain::reason::Reason)],
    ) -> Self {
        self.errors = problems
            .iter()
            .map(|(field, reason)| {
                let anchor = match field {
                    RatingField::Level => "rating-level-5",
                    RatingField::Reasons => "rating-reason-quick",
                    RatingField::Comment => "rating-comment",
                };
                (anchor.to_owned(), reason.text(lang == Lang::En).to_owned())
            })
            .collect();
        self
    }

    pub fn error_for(&self, anchor_prefix: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(a, _)| a.starts_with(anchor_prefix))
            .map(|(_, m)| m.as_str())
    }
}

/// The rating section of the applicant's page.
pub struct RatingSection {
    /// (value, name) of each level, best first.
    pub levels: Vec<(i32, String)>,
    /// (code, name) of each preset reason.
    pub reasons: Vec<(String, String)>,
    pub given: Option<GivenRating>,
    pub may_rate: bool,
    pub remedy: Option<RemedyStatus>,
    pub verdict: Option<String>,
    pub form: RatingForm,
}

pub struct GivenRating {
    pub level: i32,
    pub level_name: String,
    pub reasons: Vec<String>,
    pub comment: String,
    pub anonymous: bool,
    pub changeable_until: String,
}

impl RatingSection {
    pub fn new(lang: Lang, panel: RatingPanel, form: Option<RatingForm>) -> Self {
        let pick = |zh: &str, en: &str| {
            if lang == Lang::En {
                en.to_owned()
            } else {
                zh.to_owned()
            }
        };
        let given = panel.rating.as_ref().map(|r| {
            let (level_name, reasons) = named(lang, r);
            GivenRating {
                level: r.level,
                level_name,
                reasons,
                comment: r.comment.clone(),
                anonymous: r.anonymous,
                changeable_until: super::applications::local_time(&r.changeable_until),
            }
        });
        // The form starts from the rating given, so that a change of mind edits it.
        let form = form.unwrap_or_else(|| match &panel.rating {
            Some(r) => RatingForm {
                level: r.level.to_string(),
                reasons: serde_json::from_str(&r.reasons).unwrap_or_default(),
                comment: r.comment.clone(),
                anonymous: r.anonymous,
                errors: Vec::new(),
            },
            None => RatingForm::default(),
        });
        let verdict = panel
            .rating
            .as_ref()
            .and_then(|r| r.verdict.as_deref())
            .map(|v| lang.t(&format!("rating.verdict_{v}")).into_owned());
        RatingSection {
            levels: LEVELS
                .iter()
                .map(|(v, zh, en)| (*v, pick(zh, en)))
                .collect(),
            reasons: REASONS
                .iter()
                .map(|(c, zh, en)| ((*c).to_owned(), pick(zh, en)))
                .collect(),
            given,
            may_rate: panel.may_rate,
            remedy: panel.remedy,
            verdict,
            form,
        }
    }
}

/// A rating's level and reasons, named in `lang`.
fn named(lang: Lang, row: &crate::db::ratings::RatingRow) -> (String, Vec<String>) {
    let pick = |(zh, en): (&str, &str)| if lang == Lang::En { en } else { zh }.to_owned();
    let codes: Vec<String> = serde_json::from_str(&row.reasons).unwrap_or_default();
    (
        rating::level_names(row.level).map(pick).unwrap_or_default(),
        codes
            .iter()
            .filter_map(|c| rating::reason_names(c))
            .map(pick)
            .collect(),
    )
}

/// The rating a remedy case is about, on the staff's case page.
pub struct RemedyPanel {
    pub level_name: String,
    pub reasons: Vec<String>,
    pub comment: String,
    pub rated_number: String,
    /// The rater's name and email, or `None` for an anonymous rating.
    pub rater: Option<(String, String)>,
    /// (when, who, what was said) of each call back (回访).
    pub contacts: Vec<(String, String, String)>,
    pub verdict: Option<String>,
}

impl RemedyPanel {
    pub fn new(lang: Lang, subject: crate::services::workflow::RemedySubject) -> Self {
        let (level_name, reasons) = named(lang, &subject.rating);
        RemedyPanel {
            level_name,
            reasons,
            comment: subject.rating.comment.clone(),
            rated_number: subject.rated_number.clone().unwrap_or_default(),
            rater: subject.rater.clone(),
            contacts: subject
                .contacts
                .iter()
                .map(|e| {
                    (
                        super::applications::local_time(&e.created_at),
                        e.actor_name.clone().unwrap_or_default(),
                        e.note.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            verdict: subject
                .rating
                .verdict
                .as_deref()
                .map(|v| lang.t(&format!("rating.verdict_{v}")).into_owned()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/remedies.html")]
pub struct RemedyReviewPage {
    pub ctx: PageContext,
    pub items: Vec<ReviewItem>,
}

impl RemedyReviewPage {
    pub fn level_name(&self, level: &i32) -> String {
        rating::level_names(*level)
            .map(|(zh, en)| self.ctx.pick(zh, en).to_owned())
            .unwrap_or_default()
    }
}

/// One row of the public figures, in the page's language.
pub struct FigureLine {
    pub code: String,
    pub name: String,
    pub month: String,
    pub tally: Tally,
    pub satisfaction: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "ratings/figures.html")]
pub struct FiguresPage {
    pub ctx: PageContext,
    /// The department whose services are shown, or `None` for all departments.
    pub department: Option<(String, String)>,
    pub months: Vec<String>,
    pub month: String,
    pub rows: Vec<FigureLine>,
    /// (value, name) of each level, worst first: the columns.
    pub levels: Vec<(i32, String)>,
}

/// A satisfaction share as shown: "92.5%", or a dash when nobody rated.
pub fn satisfaction(tally: &Tally) -> String {
    tally
        .satisfaction()
        .map_or_else(|| "—".to_owned(), |p| format!("{p:.1}%"))
}
