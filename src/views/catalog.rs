use askama::Template;
use askama_web::WebTemplate;

use super::PageContext;
use crate::db::catalog::{CatalogTotals, DepartmentSummary, ServiceGuide, ServiceSummary};
use crate::domain::catalog::{ApplicantType, ItemType};
use crate::services::catalog::Page;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: PageContext,
    pub totals: CatalogTotals,
    pub departments: Vec<DepartmentSummary>,
}

/// The values of the search form, as the user gave them, to fill the form again.
#[derive(Debug, Clone, Default)]
pub struct SearchForm {
    pub q: String,
    pub department: String,
    pub applicant: String,
    pub item_type: String,
}

impl SearchForm {
    /// The catalog URL of page `page` with the same filters.
    pub fn href(&self, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("q", &self.q),
            ("department", &self.department),
            ("applicant", &self.applicant),
            ("type", &self.item_type),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.clone()))
        .collect();
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() {
            "/services".to_owned()
        } else {
            format!("/services?{query}")
        }
    }

    pub fn is_filtered(&self) -> bool {
        !(self.q.is_empty()
            && self.department.is_empty()
            && self.applicant.is_empty()
            && self.item_type.is_empty())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/list.html")]
pub struct CatalogPage {
    pub ctx: PageContext,
    pub form: SearchForm,
    pub departments: Vec<DepartmentSummary>,
    pub page: Page<ServiceSummary>,
}

impl CatalogPage {
    pub fn applicant_types(&self) -> &'static [ApplicantType] {
        ApplicantType::ALL
    }

    pub fn item_types(&self) -> &'static [ItemType] {
        ItemType::ALL
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/department.html")]
pub struct DepartmentPage {
    pub ctx: PageContext,
    pub department: DepartmentSummary,
    pub services: Vec<ServiceSummary>,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog/guide.html")]
pub struct GuidePage {
    pub ctx: PageContext,
    pub guide: ServiceGuide,
    /// 好差评: the service's ratings of all time.
    pub rating: crate::domain::rating::Tally,
}

impl GuidePage {
    /// The steps in the page's language (in Chinese where the English ones are missing).
    pub fn steps(&self) -> &[String] {
        let english = &self.guide.steps_en;
        if self.ctx.lang == crate::web::i18n::Lang::En && english.len() == self.guide.steps.len() {
            english
        } else {
            &self.guide.steps
        }
    }
}
