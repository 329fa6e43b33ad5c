//! The catalog as project data: `catalog/services.csv` (one row per service, as the district
//! publishes it) and `catalog/guides.toml` (materials, results and steps), both embedded in the
//! binary so that a first start needs no files beside it.

pub mod documents;
pub mod forms;
mod guides;
mod rows;

use std::collections::{BTreeMap, HashSet};

use crate::domain::catalog::{CatalogError, Department, DepartmentCode, Item, Service};

pub use guides::GuideRules;

/// The shipped catalog file.
pub const EMBEDDED_CSV: &str = include_str!("../../catalog/services.csv");
/// The shipped guide rules.
pub const EMBEDDED_GUIDES: &str = include_str!("../../catalog/guides.toml");

/// Why a catalog source could not be read. Every message names the line or the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("catalog CSV line {line}: {message}")]
    Row { line: u64, message: String },
    #[error("catalog CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("guide rules: {0}")]
    Guides(String),
}

/// Whether a source must name everything in English too (the shipped files do), or may fall
/// back to the Chinese names (a file an operator wrote before the English columns existed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum English {
    Required,
    OrChinese,
}

impl SourceError {
    fn row(line: u64, error: impl ToString) -> Self {
        SourceError::Row {
            line,
            message: error.to_string(),
        }
    }
}

impl From<(u64, CatalogError)> for SourceError {
    fn from((line, error): (u64, CatalogError)) -> Self {
        SourceError::row(line, error)
    }
}

/// The whole catalog, checked: codes unique, each item's rows agreeing with each other, each
/// item code naming its department and type.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub departments: Vec<Department>,
    pub items: Vec<Item>,
    pub services: Vec<Service>,
}

impl Catalog {
    /// The catalog shipped inside the binary.
    pub fn embedded() -> Result<Self, SourceError> {
        Self::parse(EMBEDDED_CSV, EMBEDDED_GUIDES)
    }

    /// Parses files that name everything in both languages.
    pub fn parse(csv_text: &str, guides_text: &str) -> Result<Self, SourceError> {
        Self::parse_with(csv_text, guides_text, English::Required)
    }

    /// Parses files that may lack the English names, as `english` allows.
    pub fn parse_with(
        csv_text: &str,
        guides_text: &str,
        english: English,
    ) -> Result<Self, SourceError> {
        let rules = GuideRules::parse(guides_text, english)?;
        let mut departments: Vec<Department> = Vec::new();
        let mut department_names: BTreeMap<DepartmentCode, Department> = BTreeMap::new();
        let mut items: Vec<Item> = Vec::new();
        let mut item_index: BTreeMap<String, usize> = BTreeMap::new();
        let mut services: Vec<Service> = Vec::new();
        let mut service_codes = HashSet::new();

        for row in rows::read(csv_text, english)? {
            let line = row.line;
            match department_names.get(&row.department.code) {
                Some(earlier) if *earlier != row.department => {
                    return Err(SourceError::row(
                        line,
                        format!(
                            "department {} is named {:?} ({:?}) here but {:?} ({:?}) earlier",
                            row.department.code.as_str(),
                            row.department.name,
                            row.department.name_en,
                            earlier.name,
                            earlier.name_en,
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    department_names.insert(row.department.code.clone(), row.department.clone());
                    departments.push(row.department.clone());
                }
            }
            match item_index.get(row.item.code.as_str()) {
                Some(&i) if items[i] != row.item => {
                    return Err(SourceError::row(
                        line,
                        format!(
                            "item {} differs from its earlier rows",
                            row.item.code.as_str()
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    item_index.insert(row.item.code.as_str().to_owned(), items.len());
                    items.push(row.item.clone());
                }
            }
            let service = row.into_service(&rules);
            if !service_codes.insert(service.code.clone()) {
                return Err(SourceError::row(
                    line,
                    format!(
                        "item {} has two {} services",
                        service.item.as_str(),
                        service.variant.zh()
                    ),
                ));
            }
            services.push(service);
        }
        Ok(Self {
            departments,
            items,
            services,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_has_30_departments_626_items_756_services() {
        let catalog = Catalog::embedded().unwrap();
        assert_eq!(catalog.departments.len(), 30);
        assert_eq!(catalog.items.len(), 626);
        assert_eq!(catalog.services.len(), 756);
        assert!(
            catalog
                .services
                .iter()
                .all(|s| !s.guide.materials.is_empty())
        );
    }

    #[test]
    fn a_row_whose_promise_exceeds_the_law_is_rejected_with_its_line() {
        let csv = "dept_code,dept_name,item_code,item_name,item_type,applicant_type,legal_days,promised_days,fee_yuan,service_name,service_variant,online\n\
                   FGJ,发改局,440306-FGJ-QT-0001,备案,其他行政权力,legal,5,6,0,备案,—,true\n";
        let err = Catalog::parse_with(csv, EMBEDDED_GUIDES, English::OrChinese)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("exceed"), "{err}");
    }

    #[test]
    fn an_item_code_of_another_department_is_rejected() {
        let csv = "dept_code,dept_name,item_code,item_name,item_type,applicant_type,legal_days,promised_days,fee_yuan,service_name,service_variant,online\n\
                   FGJ,发改局,440306-SJJ-QT-0001,备案,其他行政权力,legal,5,1,0,备案,—,true\n";
        let err = Catalog::parse_with(csv, EMBEDDED_GUIDES, English::OrChinese)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("SJJ"), "{err}");
    }

    const WITHOUT_ENGLISH: &str = "dept_code,dept_name,item_code,item_name,item_type,applicant_type,legal_days,promised_days,fee_yuan,service_name,service_variant,online\n\
                   FGJ,发改局,440306-FGJ-QT-0001,备案,其他行政权力,legal,5,1,0,备案,—,true\n";

    #[test]
    fn a_file_without_english_names_is_rejected_where_they_are_required() {
        let err = Catalog::parse(WITHOUT_ENGLISH, EMBEDDED_GUIDES)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("_name_en"), "{err}");
    }

    #[test]
    fn a_file_without_english_names_falls_back_to_chinese_where_allowed() {
        let catalog =
            Catalog::parse_with(WITHOUT_ENGLISH, EMBEDDED_GUIDES, English::OrChinese).unwrap();
        assert_eq!(catalog.departments[0].name_en, "发改局");
        assert_eq!(catalog.items[0].name_en, "备案");
        assert_eq!(catalog.services[0].name_en, "备案");
    }

    #[test]
    fn guide_rules_in_chinese_only_need_the_fallback() {
        let old =
            "agent = [{ name = \"授权委托书\", form = \"original\", necessity = \"optional\" }]\n";
        let rules = EMBEDDED_GUIDES.replacen(
            EMBEDDED_GUIDES
                .lines()
                .find(|l| l.contains("授权委托书"))
                .unwrap(),
            "",
            1,
        );
        let rules = rules.replacen("agent = [\n\n]\n", old, 1);
        assert!(GuideRules::parse(&rules, English::Required).is_err());
        let catalog = Catalog::parse_with(WITHOUT_ENGLISH, &rules, English::OrChinese).unwrap();
        let agent = catalog.services[0].guide.materials.last().unwrap();
        assert_eq!(
            (agent.name.as_str(), agent.name_en.as_str()),
            ("授权委托书", "授权委托书")
        );
    }
}
