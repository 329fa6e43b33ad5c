//! Reading a definition from TOML or JSON, and where a syntax error points.

use super::*;

/// The largest definition file accepted (the shipped ones are under 20 KiB).
pub const MAX_SOURCE_BYTES: usize = 256 * 1024;

/// Why a definition file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceProblem {
    #[error("the file is larger than {} KiB", MAX_SOURCE_BYTES / 1024)]
    TooLarge,
    /// The reader's complaint and the place it points at.
    #[error("line {}, column {}: {}", .0.line_number, .0.column, .0.detail)]
    Syntax(Place),
}

/// Where a TOML or JSON reader's error points in `text`.
pub fn toml_syntax(text: &str, error: &toml::de::Error) -> Place {
    let offset = error.span().map_or(text.len(), |span| span.start);
    Place::at(text, offset, error.message().trim())
}

pub(super) fn json_syntax(text: &str, error: &serde_json::Error) -> Place {
    // serde_json counts lines from 1 and columns from 1 in bytes (0 at a line's start).
    let line_start: usize = text
        .split_inclusive('\n')
        .take(error.line().saturating_sub(1))
        .map(str::len)
        .sum();
    let offset = line_start + error.column().saturating_sub(1);
    let detail = error.to_string();
    let detail = detail.split(" at line ").next().unwrap_or(&detail);
    Place::at(text, offset, detail)
}

impl SourceProblem {
    pub fn reason(&self) -> Reason {
        match self {
            SourceProblem::TooLarge => Reason::new(
                format!("文件大于 {} KiB", MAX_SOURCE_BYTES / 1024),
                self.to_string(),
            ),
            SourceProblem::Syntax(place) => Reason {
                zh: format!(
                    "第 {} 行第 {} 列无法读取（读取器的说明见下）",
                    place.line_number, place.column
                ),
                en: format!(
                    "Line {}, column {} cannot be read (the reader's words below)",
                    place.line_number, place.column
                ),
                place: Some(place.clone()),
            },
        }
    }
}

impl Definition {
    /// Reads a definition from TOML (the readable form kept in version control) or, when it
    /// starts with `{`, JSON. Unknown keys are refused.
    pub fn parse(text: &str) -> Result<Definition, SourceProblem> {
        if text.len() > MAX_SOURCE_BYTES {
            return Err(SourceProblem::TooLarge);
        }
        if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| SourceProblem::Syntax(json_syntax(text, &e)))
        } else {
            toml::from_str(text).map_err(|e| SourceProblem::Syntax(toml_syntax(text, &e)))
        }
    }

    /// The definition as TOML, the form administrators edit, export and diff.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a definition is representable in TOML")
    }
}
