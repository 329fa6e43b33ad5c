//! The departments' document-number prefixes (机关代字), from `catalog/documents.toml`.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// The shipped prefixes.
pub const EMBEDDED_DOCUMENTS: &str = include_str!("../../catalog/documents.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    prefixes: HashMap<String, String>,
}

/// The file is part of the binary and checked by the tests, so a parse error is a build defect;
/// it leaves every department on the fallback prefix rather than stopping decisions.
static PREFIXES: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    toml::from_str::<File>(EMBEDDED_DOCUMENTS)
        .map(|f| f.prefixes)
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "catalog/documents.toml");
            HashMap::new()
        })
});

/// The prefix a department's decisions are numbered under.
pub fn document_prefix(department_code: &str) -> String {
    PREFIXES
        .get(department_code)
        .cloned()
        .unwrap_or_else(|| format!("深宝{department_code}许"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_department_of_the_catalog_has_its_prefix() {
        let file: File = toml::from_str(EMBEDDED_DOCUMENTS).unwrap();
        let catalog = crate::catalog::Catalog::embedded().unwrap();
        for department in &catalog.departments {
            let code = department.code.as_str();
            assert!(file.prefixes.contains_key(code), "{code} has no prefix");
        }
        assert_eq!(document_prefix("SJJ"), "深宝市监许");
        assert_eq!(document_prefix("NEW"), "深宝NEW许");
    }

    #[test]
    fn the_forms_licence_blocks_survive_the_editor_s_toml() {
        let catalog = crate::catalog::Catalog::embedded().unwrap();
        let mut with_block = 0;
        for item in &catalog.items {
            let Some(form) = crate::catalog::forms::own_form(item.code.as_str()) else {
                continue;
            };
            let form = form.unwrap();
            form.check()
                .unwrap_or_else(|e| panic!("{}: {e:?}", item.code.as_str()));
            with_block += usize::from(form.licence.is_some());
            let text = toml::to_string_pretty(&form).unwrap();
            let again: crate::domain::forms::FormDefinition = toml::from_str(&text).unwrap();
            assert_eq!(again, form, "{}", item.code.as_str());
        }
        assert!(with_block >= 10, "{with_block}");
    }
}
