//! Parsing query parameters at the edge: every value a handler receives is already valid.

use serde::Deserialize;

use super::error::{BadParameter, WebError};
use crate::db::catalog::ServiceFilter;
use crate::domain::catalog::{ApplicantType, ItemType};

/// Longest search text accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// Services per page of the catalog.
pub const PAGE_SIZE: i64 = 20;
const MAX_PAGE: i64 = 100_000;
/// The API's default and largest `limit`.
pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// The filters shared by the catalog page and the API, as strings. An empty value means "any".
#[derive(Debug, Default, Deserialize)]
pub struct FilterParams {
    pub q: Option<String>,
    pub department: Option<String>,
    pub applicant: Option<String>,
    #[serde(rename = "type")]
    pub item_type: Option<String>,
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl FilterParams {
    pub fn to_filter(&self) -> Result<ServiceFilter, WebError> {
        let text = match present(&self.q) {
            Some(q) if q.chars().count() > MAX_QUERY_CHARS => {
                return Err(WebError::BadRequest(BadParameter::Query));
            }
            q => q.map(str::to_owned),
        };
        let applicant = present(&self.applicant)
            .map(|v| v.parse::<ApplicantType>())
            .transpose()
            .map_err(|_| WebError::BadRequest(BadParameter::Applicant))?;
        let item_type = present(&self.item_type)
            .map(|v| v.parse::<ItemType>().or_else(|_| ItemType::from_zh(v)))
            .transpose()
            .map_err(|_| WebError::BadRequest(BadParameter::ItemType))?;
        Ok(ServiceFilter {
            text,
            department: present(&self.department).map(str::to_uppercase),
            applicant,
            item_type,
        })
    }
}

/// Parses a whole number within `range`, or names the parameter at fault.
fn whole_number(
    value: &Option<String>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
    parameter: BadParameter,
) -> Result<i64, WebError> {
    let Some(text) = present(value) else {
        return Ok(default);
    };
    text.parse::<i64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or(WebError::BadRequest(parameter))
}

/// A keyset cursor (`before=` the last id shown): none when absent or empty.
pub fn cursor(value: &Option<String>) -> Result<Option<i64>, WebError> {
    match value.as_deref().filter(|v| !v.is_empty()) {
        Some(text) => text
            .parse::<i64>()
            .map(Some)
            .map_err(|_| WebError::BadRequest(BadParameter::Page)),
        None => Ok(None),
    }
}

pub fn page_number(value: &Option<String>) -> Result<i64, WebError> {
    whole_number(value, 1, 1..=MAX_PAGE, BadParameter::Page)
}

pub fn limit(value: &Option<String>) -> Result<i64, WebError> {
    whole_number(value, DEFAULT_LIMIT, 1..=MAX_LIMIT, BadParameter::Limit)
}

pub fn offset(value: &Option<String>) -> Result<i64, WebError> {
    whole_number(value, 0, 0..=i64::from(i32::MAX), BadParameter::Offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn numbers_outside_their_range_name_the_parameter() {
        assert_eq!(limit(&None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(limit(&some("100")).unwrap(), 100);
        for bad in ["abc", "-1", "0", "100000", "1.5"] {
            assert!(
                matches!(
                    limit(&some(bad)),
                    Err(WebError::BadRequest(BadParameter::Limit))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            page_number(&some("0")),
            Err(WebError::BadRequest(BadParameter::Page))
        ));
        assert_eq!(offset(&some(" 40 ")).unwrap(), 40);
    }

    #[test]
    fn empty_filters_mean_any() {
        let params = FilterParams {
            q: some("  "),
            department: some(""),
            applicant: None,
            item_type: some(""),
        };
        assert_eq!(params.to_filter().unwrap(), ServiceFilter::default());
    }

    #[test]
    fn item_type_accepts_slug_or_chinese_name() {
        let params = FilterParams {
            item_type: some("行政许可"),
            ..FilterParams::default()
        };
        assert_eq!(
            params.to_filter().unwrap().item_type,
            Some(ItemType::Licensing)
        );
    }
}
