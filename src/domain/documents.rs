//! The documents an application ends with: the decision (行政许可决定书) with its document
//! number (文号), and the licence (许可证) with the facts it licenses and its validity.
//!
//! A licence states facts the applicant gave in the application (premises, scope, legal
//! representative). Which answer states which fact depends on the form, so each form says it as
//! data, in its `[licence]` block ([`LicenceFacts`]); nothing here knows a service.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::reason::Reason;

/// A decision's document number, e.g. 深宝市监许〔2026〕123号: the department's prefix (机关代字),
/// the year in 〔〕 (GB/T 9704) and the department's running number in that year. It is a
/// different thing from the tracking number (办件编号), which names the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentNumber(String);

impl DocumentNumber {
    pub fn new(prefix: &str, year: i32, sequence: i32) -> Self {
        Self(format!("{prefix}〔{year}〕{sequence}号"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A title as it is cited in running text: in 《》 once. A name that already is one
/// (《食品经营许可证》) is kept; one that cites another inside (《X》准予行政许可决定书) has the
/// inner marks turned into 〈〉, as nested titles are written.
pub fn book_title(name: &str) -> String {
    let name = name.trim();
    if let Some(inner) = name.strip_prefix('《').and_then(|n| n.strip_suffix('》'))
        && !inner.contains(['《', '》'])
    {
        return name.to_owned();
    }
    format!("《{}》", name.replace('《', "〈").replace('》', "〉"))
}

/// A name without the 《》 it may carry (a licence's own heading): 食品经营许可证.
pub fn bare_title(name: &str) -> &str {
    let name = name.trim();
    name.strip_prefix('《')
        .and_then(|n| n.strip_suffix('》'))
        .filter(|inner| !inner.contains(['《', '》']))
        .unwrap_or(name)
}

/// The `[licence]` block of a form: which answers state the licence's facts, and how long the
/// licence is valid. Every name is one of the form's fields.
///
/// Validity: `valid_from` and `valid_until` name date answers (a period the applicant asks for,
/// e.g. an outdoor advertisement's display period); otherwise `valid_years` counts from the day
/// of issue to the day before the same date that many years later (食品经营许可证 5 years); with
/// neither, the licence has no fixed period and none is printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceFacts {
    /// The name the licence is issued under when it is not the account's (a new company, a
    /// clinic, a venue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// 法定代表人（负责人）.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_representative: Option<String>,
    /// The address the licence is for (经营场所, 住所, 执业地点).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub premises: Option<String>,
    /// What is licensed (经营项目, 经营范围, 诊疗科目), in this order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_years: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

impl LicenceFacts {
    /// Every field name the block uses.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        [
            &self.holder,
            &self.legal_representative,
            &self.premises,
            &self.valid_from,
            &self.valid_until,
        ]
        .into_iter()
        .flatten()
        .chain(&self.scope)
        .map(String::as_str)
    }

    /// What is wrong with the block, given the form's field names.
    pub fn problems(&self, has_field: impl Fn(&str) -> bool) -> Vec<Reason> {
        let mut problems: Vec<Reason> = self
            .field_names()
            .filter(|name| !has_field(name))
            .map(|name| {
                Reason::new(
                    format!("licence：没有字段 {name}"),
                    format!("licence: unknown field {name}"),
                )
            })
            .collect();
        if self.valid_from.is_some() != self.valid_until.is_some() {
            problems.push(Reason::new(
                "licence：valid_from 和 valid_until 须同时给出",
                "licence: valid_from and valid_until go together",
            ));
        }
        if self.valid_years.is_some() && self.valid_from.is_some() {
            problems.push(Reason::new(
                "licence：valid_years 与 valid_from/valid_until 只能二选一",
                "licence: either valid_years or valid_from/valid_until",
            ));
        }
        if self.valid_years.is_some_and(|y| y == 0 || y > 30) {
            problems.push(Reason::new(
                "licence：valid_years 须为 1 到 30",
                "licence: valid_years must be 1 to 30",
            ));
        }
        problems
    }

    /// The period a licence issued on `issued_on` is valid, from the answers or the rule.
    pub fn validity(
        &self,
        answers: &Map<String, Value>,
        issued_on: NaiveDate,
    ) -> Option<(NaiveDate, NaiveDate)> {
        let date = |name: &Option<String>| {
            let value = answers.get(name.as_deref()?)?.as_str()?;
            NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
        };
        if let (Some(from), Some(until)) = (date(&self.valid_from), date(&self.valid_until)) {
            return (from <= until).then_some((from, until));
        }
        let years = u32::from(self.valid_years?);
        let until = issued_on
            .checked_add_months(Months::new(12 * years))?
            .pred_opt()?;
        Some((issued_on, until))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_wrapped_once() {
        assert_eq!(book_title("食品经营许可证"), "《食品经营许可证》");
        assert_eq!(book_title("《食品经营许可证》"), "《食品经营许可证》");
        assert_eq!(
            book_title("《食品经营许可》准予行政许可决定书"),
            "《〈食品经营许可〉准予行政许可决定书》"
        );
        assert_eq!(bare_title("《食品经营许可证》"), "食品经营许可证");
        assert_eq!(
            bare_title("《X》准予行政许可决定书"),
            "《X》准予行政许可决定书"
        );
    }

    #[test]
    fn a_document_number_reads_as_issued() {
        assert_eq!(
            DocumentNumber::new("深宝市监许", 2026, 123).as_str(),
            "深宝市监许〔2026〕123号"
        );
    }

    #[test]
    fn validity_counts_whole_years_or_takes_the_asked_period() {
        let day = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let five = LicenceFacts {
            valid_years: Some(5),
            ..LicenceFacts::default()
        };
        assert_eq!(
            five.validity(&Map::new(), day("2026-12-05")),
            Some((day("2026-12-05"), day("2031-12-04")))
        );
        assert_eq!(
            five.validity(&Map::new(), day("2028-02-29")),
            Some((day("2028-02-29"), day("2033-02-27")))
        );
        let asked = LicenceFacts {
            valid_from: Some("period_start".into()),
            valid_until: Some("period_end".into()),
            ..LicenceFacts::default()
        };
        let mut answers = Map::new();
        answers.insert("period_start".into(), "2027-01-01".into());
        answers.insert("period_end".into(), "2028-12-31".into());
        assert_eq!(
            asked.validity(&answers, day("2026-12-05")),
            Some((day("2027-01-01"), day("2028-12-31")))
        );
        assert_eq!(
            LicenceFacts::default().validity(&answers, day("2026-12-05")),
            None
        );
    }

    #[test]
    fn the_block_names_only_fields_of_its_form() {
        let block = LicenceFacts {
            premises: Some("premises_address".into()),
            scope: vec!["nowhere".into()],
            valid_years: Some(0),
            ..LicenceFacts::default()
        };
        let problems = block.problems(|name| name == "premises_address");
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
