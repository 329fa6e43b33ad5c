//! Form definitions and the one validation path every submitted form goes through.
//!
//! A definition is data (stored per service, edited by administrators later): ordered sections
//! of typed fields with bilingual labels, help texts, a required flag and constraints. The
//! applicant block is not part of it: it is filled from the account.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::identity::{CreditCode, Email, IdentityError, NationalId, Phone};
use super::reason::Reason;

/// A text in both interface languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: &str, en: &str) -> Self {
        Self {
            zh: zh.to_owned(),
            en: en.to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: Text,
}

/// The kinds of a table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Text,
    Number,
    Money,
    Date,
    NationalId,
    Phone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub name: String,
    pub label: Text,
    pub kind: ColumnKind,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldKind {
    Text,
    LongText,
    /// A decimal number (areas, counts), up to 4 decimals.
    Number,
    /// Yuan, up to 2 decimals.
    Money,
    Date,
    Select {
        options: Vec<Choice>,
    },
    MultiSelect {
        options: Vec<Choice>,
    },
    Checkbox,
    NationalId,
    CreditCode,
    Phone,
    Email,
    Address,
    /// Rows of the given columns (family members, shareholders…).
    Table {
        columns: Vec<Column>,
        max_rows: u8,
    },
}

/// Required only when another field has a value, e.g. the postal address when the result is posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub equals: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Text>,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_when: Option<Condition>,
    #[serde(default)]
    pub constraints: Constraints,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub key: String,
    pub title: Text,
    /// Either every field of the section is filled or none (the optional agent block).
    #[serde(default)]
    pub all_or_none: bool,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// Which answers state the facts of the licence the application may end with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<super::documents::LicenceFacts>,
    pub sections: Vec<Section>,
}

/// What is wrong with one submitted value.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Required,
    TooShort(u32),
    TooLong(u32),
    NotANumber,
    TooManyDecimals(u32),
    BelowMin(f64),
    AboveMax(f64),
    NotADate,
    NotAnOption,
    TooManyRows(u8),
    Identity(IdentityError),
    /// Part of a section that must be filled completely or not at all.
    IncompleteSection,
}

/// A problem at a field (or a table cell, `field.row.column`, rows counted from 1).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    pub field: String,
    pub problem: Problem,
}

/// The raw pairs of a submitted form, as typed.
pub type FormInput = [(String, String)];

fn first<'a>(input: &'a FormInput, name: &str) -> &'a str {
    input
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

const DEFAULT_TEXT_MAX: u32 = 200;
const DEFAULT_LONG_TEXT_MAX: u32 = 2000;

/// A decimal with at most `decimals` places, normalised (no leading `+`, no trailing dot).
fn decimal(value: &str, decimals: u32, constraints: &Constraints) -> Result<String, Problem> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || digits.len() > 15
    {
        return Err(Problem::NotANumber);
    }
    if fraction.len() as u32 > decimals {
        return Err(Problem::TooManyDecimals(decimals));
    }
    let number: f64 = value.parse().map_err(|_| Problem::NotANumber)?;
    if let Some(min) = constraints.min.filter(|m| number < *m) {
        return Err(Problem::BelowMin(min));
    }
    if let Some(max) = constraints.max.filter(|m| number > *m) {
        return Err(Problem::AboveMax(max));
    }
    let fraction = fraction.trim_end_matches('0');
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() || whole == "-" {
        format!("{whole}0")
    } else {
        whole.to_owned()
    };
    Ok(if fraction.is_empty() {
        whole
    } else {
        format!("{whole}.{fraction}")
    })
}

fn date(value: &str) -> Result<String, Problem> {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| Problem::NotADate)
}

fn text(value: &str, constraints: &Constraints, default_max: u32) -> Result<String, Problem> {
    let length = value.chars().count() as u32;
    if let Some(min) = constraints.min_length.filter(|m| length < *m) {
        return Err(Problem::TooShort(min));
    }
    let max = constraints.max_length.unwrap_or(default_max);
    if length > max {
        return Err(Problem::TooLong(max));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Problem::NotAnOption);
    }
    Ok(value.replace("\r\n", "\n"))
}

fn column_value(kind: ColumnKind, value: &str) -> Result<Value, Problem> {
    let none = Constraints::default();
    Ok(Value::String(match kind {
        ColumnKind::Text => text(value, &none, DEFAULT_TEXT_MAX)?,
        ColumnKind::Number => decimal(value, 4, &none)?,
        ColumnKind::Money => decimal(
            value,
            2,
            &Constraints {
                min: Some(0.0),
                ..none
            },
        )?,
        ColumnKind::Date => date(value)?,
        ColumnKind::NationalId => NationalId::parse(value)
            .map_err(Problem::Identity)?
            .as_str()
            .to_owned(),
        ColumnKind::Phone => Phone::parse(value)
            .map_err(Problem::Identity)?
            .as_str()
            .to_owned(),
    }))
}

impl Field {
    fn is_required(&self, input: &FormInput) -> bool {
        self.required
            || self
                .required_when
                .as_ref()
                .is_some_and(|c| first(input, &c.field) == c.equals)
    }

    /// Whether the person typed anything for this field.
    fn is_filled(&self, input: &FormInput) -> bool {
        match &self.kind {
            FieldKind::Table { .. } => {
                let prefix = format!("{}.", self.name);
                input
                    .iter()
                    .any(|(k, v)| k.starts_with(&prefix) && !v.trim().is_empty())
            }
            FieldKind::MultiSelect { .. } => input
                .iter()
                .any(|(k, v)| *k == self.name && !v.trim().is_empty()),
            _ => !first(input, &self.name).is_empty(),
        }
    }

    /// The field's value, or the problems with it (a table may have several).
    fn validate(&self, input: &FormInput, problems: &mut Vec<FieldProblem>) -> Option<Value> {
        let mut fail = |field: String, problem| {
            problems.push(FieldProblem { field, problem });
            None
        };
        if !self.is_filled(input) {
            return if self.is_required(input) {
                fail(self.name.clone(), Problem::Required)
            } else {
                None
            };
        }
        let raw = first(input, &self.name);
        let c = &self.constraints;
        let result = match &self.kind {
            FieldKind::Text | FieldKind::Address => {
                text(raw, c, DEFAULT_TEXT_MAX).map(Value::String)
            }
            FieldKind::LongText => text(raw, c, DEFAULT_LONG_TEXT_MAX).map(Value::String),
            FieldKind::Number => decimal(raw, 4, c).map(Value::String),
            FieldKind::Money => decimal(
                raw,
                2,
                &Constraints {
                    min: Some(c.min.unwrap_or(0.0)),
                    ..c.clone()
                },
            )
            .map(Value::String),
            FieldKind::Date => date(raw).map(Value::String),
            FieldKind::Select { options } => options
                .iter()
                .find(|o| o.value == raw)
                .map(|o| Value::String(o.value.clone()))
                .ok_or(Problem::NotAnOption),
            FieldKind::MultiSelect { options } => {
                let chosen: BTreeSet<&str> = input
                    .iter()
                    .filter(|(k, _)| *k == self.name)
                    .map(|(_, v)| v.trim())
                    .filter(|v| !v.is_empty())
                    .collect();
                if chosen.iter().all(|v| options.iter().any(|o| o.value == *v)) {
                    // In the definition's order, whatever order the browser sent.
                    Ok(Value::Array(
                        options
                            .iter()
                            .filter(|o| chosen.contains(o.value.as_str()))
                            .map(|o| Value::String(o.value.clone()))
                            .collect(),
                    ))
                } else {
                    Err(Problem::NotAnOption)
                }
            }
            FieldKind::Checkbox => Ok(Value::Bool(true)),
            FieldKind::NationalId => NationalId::parse(raw)
                .map(|v| Value::String(v.as_str().to_owned()))
                .map_err(Problem::Identity),
            FieldKind::CreditCode => CreditCode::parse(raw)
                .map(|v| Value::String(v.as_str().to_owned()))
                .map_err(Problem::Identity),
            FieldKind::Phone => Phone::parse(raw)
                .map(|v| Value::String(v.as_str().to_owned()))
                .map_err(Problem::Identity),
            FieldKind::Email => Email::parse(raw)
                .map(|v| Value::String(v.as_str().to_owned()))
                .map_err(Problem::Identity),
            FieldKind::Table { columns, max_rows } => {
                return self.validate_table(input, columns, *max_rows, problems);
            }
        };
        match result {
            Ok(value) => Some(value),
            Err(problem) => fail(self.name.clone(), problem),
        }
    }

    /// Rows are `name.ROW.column` (ROW from 1); empty rows are dropped.
    fn validate_table(
        &self,
        input: &FormInput,
        columns: &[Column],
        max_rows: u8,
        problems: &mut Vec<FieldProblem>,
    ) -> Option<Value> {
        let prefix = format!("{}.", self.name);
        let rows: BTreeSet<u32> = input
            .iter()
            .filter(|(k, v)| k.starts_with(&prefix) && !v.trim().is_empty())
            .filter_map(|(k, _)| k[prefix.len()..].split('.').next()?.parse().ok())
            .collect();
        if rows.len() > usize::from(max_rows) {
            problems.push(FieldProblem {
                field: self.name.clone(),
                problem: Problem::TooManyRows(max_rows),
            });
            return None;
        }
        let before = problems.len();
        let mut out = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            let mut object = Map::new();
            for column in columns {
                let key = format!("{}.{row}.{}", self.name, column.name);
                // Errors name the row as the person sees it: the n-th filled row.
                let shown = format!("{}.{}.{}", self.name, index + 1, column.name);
                let value = first(input, &key);
                if value.is_empty() {
                    if column.required {
                        problems.push(FieldProblem {
                            field: shown,
                            problem: Problem::Required,
                        });
                    }
                    continue;
                }
                match column_value(column.kind, value) {
                    Ok(v) => {
                        object.insert(column.name.clone(), v);
                    }
                    Err(problem) => problems.push(FieldProblem {
                        field: shown,
                        problem,
                    }),
                }
            }
            out.push(Value::Object(object));
        }
        (problems.len() == before).then_some(Value::Array(out))
    }
}

impl FormDefinition {
    /// Every field, in order.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.sections.iter().flat_map(|s| s.fields.iter())
    }

    /// The one validation path: the typed values of every filled field, or every problem.
    /// `strict` = false (saving a draft) checks the form of what was typed but not what is
    /// missing, so that a half-filled form can be kept.
    pub fn validate(
        &self,
        input: &FormInput,
        strict: bool,
    ) -> Result<Map<String, Value>, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut values = Map::new();
        for section in &self.sections {
            let filled = section.fields.iter().filter(|f| f.is_filled(input)).count();
            let incomplete = section.all_or_none && filled > 0 && filled < section.fields.len();
            for field in &section.fields {
                let before = problems.len();
                if let Some(value) = field.validate(input, &mut problems) {
                    values.insert(field.name.clone(), value);
                }
                if incomplete && !field.is_filled(input) && problems.len() == before {
                    problems.push(FieldProblem {
                        field: field.name.clone(),
                        problem: Problem::IncompleteSection,
                    });
                }
            }
        }
        if !strict {
            problems
                .retain(|p| !matches!(p.problem, Problem::Required | Problem::IncompleteSection));
        }
        if problems.is_empty() {
            Ok(values)
        } else {
            Err(problems)
        }
    }

    /// Checks the definition itself (for shipped forms now, for administrators' drafts later).
    pub fn check(&self) -> Result<(), Vec<Reason>> {
        let mut errors = Vec::new();
        let mut names = BTreeSet::new();
        let valid_name = |n: &str| {
            !n.is_empty()
                && n.len() <= 64
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        for section in &self.sections {
            if section.fields.is_empty() {
                errors.push(Reason::new(
                    format!("分组 {} 没有字段", section.key),
                    format!("section {} has no fields", section.key),
                ));
            }
            for field in &section.fields {
                if !valid_name(&field.name) {
                    errors.push(Reason::new(
                        format!("字段名 {:?} 只能用小写字母、数字和 _", field.name),
                        format!(
                            "field name {:?} must be lower-case letters, digits and _",
                            field.name
                        ),
                    ));
                }
                if !names.insert(field.name.clone()) {
                    errors.push(Reason::new(
                        format!("字段 {} 出现了两次", field.name),
                        format!("field {} appears twice", field.name),
                    ));
                }
                match &field.kind {
                    FieldKind::Select { options } | FieldKind::MultiSelect { options }
                        if options.is_empty() =>
                    {
                        errors.push(Reason::new(
                            format!("字段 {} 没有选项", field.name),
                            format!("field {} offers no options", field.name),
                        ));
                    }
                    FieldKind::Table { columns, max_rows }
                        if columns.is_empty() || *max_rows == 0 =>
                    {
                        errors.push(Reason::new(
                            format!("表格 {} 需要列，且至少允许一行", field.name),
                            format!("table {} needs columns and at least one row", field.name),
                        ));
                    }
                    _ => {}
                }
            }
        }
        for field in self.fields() {
            if let Some(condition) = &field.required_when
                && !names.contains(&condition.field)
            {
                errors.push(Reason::new(
                    format!("字段 {} 依赖不存在的字段 {}", field.name, condition.field),
                    format!(
                        "field {} depends on unknown field {}",
                        field.name, condition.field
                    ),
                ));
            }
        }
        if let Some(licence) = &self.licence {
            errors.extend(licence.problems(|name| names.contains(name)));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests;
