//! Reading `services.csv` into checked domain values, one row at a time.

use serde::Deserialize;

use super::{English, GuideRules, SourceError};
use crate::domain::catalog::{
    ApplicantType, Department, DepartmentCode, Fee, Item, ItemCode, ItemType, Service, ServiceCode,
    TimeLimits, Variant,
};

/// A row exactly as the file has it.
#[derive(Debug, Deserialize)]
struct RawRow {
    dept_code: String,
    dept_name: String,
    item_code: String,
    item_name: String,
    item_type: String,
    applicant_type: String,
    legal_days: u16,
    promised_days: u16,
    fee_yuan: String,
    service_name: String,
    service_variant: String,
    online: bool,
    /// The statutory extension (Art 42: 10; Art 26 joint handling: 15); 10 when the file
    /// has no such column.
    #[serde(default = "default_extension")]
    extension_days: u16,
    /// The English names: required in the shipped file; a file written before them may lack
    /// the columns where English falls back to Chinese.
    #[serde(default)]
    dept_name_en: String,
    #[serde(default)]
    item_name_en: String,
    #[serde(default)]
    service_name_en: String,
}

fn default_extension() -> u16 {
    crate::domain::catalog::DEFAULT_EXTENSION_DAYS
}

/// A row whose values have all been parsed.
pub(super) struct Row {
    pub line: u64,
    pub department: Department,
    pub item: Item,
    name: String,
    name_en: String,
    variant: Variant,
    applicant_type: ApplicantType,
    limits: TimeLimits,
    fee: Fee,
    online: bool,
}

impl Row {
    pub fn into_service(self, rules: &GuideRules) -> Service {
        let guide = rules.guide_for(&self.item, self.variant, self.applicant_type, self.limits);
        Service {
            code: ServiceCode::new(&self.item.code, self.variant),
            item: self.item.code,
            name: self.name,
            name_en: self.name_en,
            variant: self.variant,
            applicant_type: self.applicant_type,
            limits: self.limits,
            fee: self.fee,
            online: self.online,
            guide,
        }
    }
}

pub(super) fn read(text: &str, english: English) -> Result<Vec<Row>, SourceError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers()?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let line = record.position().map_or(0, |p| p.line());
        let raw: RawRow = record
            .deserialize(Some(&headers))
            .map_err(|e| SourceError::row(line, e))?;
        rows.push(parse_row(line, raw, english)?);
    }
    Ok(rows)
}

fn parse_row(line: u64, raw: RawRow, english: English) -> Result<Row, SourceError> {
    let at = |e| SourceError::from((line, e));
    let department = DepartmentCode::parse(&raw.dept_code).map_err(at)?;
    let item_code = ItemCode::parse(&raw.item_code).map_err(at)?;
    let item_type = ItemType::from_zh(&raw.item_type).map_err(|e| at(e.into()))?;
    if item_code.department() != department.as_str() {
        return Err(SourceError::row(
            line,
            format!(
                "item code {} does not belong to department {}",
                item_code.as_str(),
                department.as_str()
            ),
        ));
    }
    if item_code.type_letters() != item_type.code_letters() {
        return Err(SourceError::row(
            line,
            format!(
                "item code {} does not carry the letters of {}",
                item_code.as_str(),
                item_type.zh()
            ),
        ));
    }
    let non_empty = |value: String, what: &str| {
        if value.is_empty() {
            Err(SourceError::row(line, format!("{what} is empty")))
        } else {
            Ok(value)
        }
    };
    let in_english = |value: String, chinese: &str, what: &str| match english {
        English::OrChinese if value.is_empty() => Ok(chinese.to_owned()),
        _ => non_empty(value, what),
    };
    let dept_name = non_empty(raw.dept_name, "dept_name")?;
    let item_name = non_empty(raw.item_name, "item_name")?;
    let service_name = non_empty(raw.service_name, "service_name")?;
    Ok(Row {
        line,
        department: Department {
            code: department.clone(),
            name_en: in_english(raw.dept_name_en, &dept_name, "dept_name_en")?,
            name: dept_name,
        },
        item: Item {
            code: item_code,
            name_en: in_english(raw.item_name_en, &item_name, "item_name_en")?,
            name: item_name,
            item_type,
            department,
        },
        name_en: in_english(raw.service_name_en, &service_name, "service_name_en")?,
        name: service_name,
        variant: Variant::from_zh(&raw.service_variant).map_err(|e| at(e.into()))?,
        applicant_type: raw
            .applicant_type
            .parse()
            .map_err(|e: crate::domain::UnknownLabel| at(e.into()))?,
        limits: TimeLimits::new(raw.legal_days, raw.promised_days)
            .and_then(|l| l.with_extension(raw.extension_days))
            .map_err(at)?,
        fee: Fee::parse_yuan(&raw.fee_yuan).map_err(at)?,
        online: raw.online,
    })
}
