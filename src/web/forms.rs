//! Submitted forms: the values as typed (to fill the form again) and the errors per field.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

/// A urlencoded form as its fields in order (repeated names kept).
pub type Fields = actix_web::web::Form<Vec<(String, String)>>;

use super::error::WebError;
use super::i18n::Lang;
use crate::domain::identity::IdentityError;

/// One field's problem, already in the visitor's language.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct FormState {
    pairs: Vec<(String, String)>,
    pub errors: Vec<FieldError>,
}

impl FormState {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self {
            pairs,
            errors: Vec::new(),
        }
    }

    /// Every pair as submitted.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The first value of a field, or "".
    pub fn value(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a multi-valued field (checkboxes).
    pub fn values(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn has(&self, name: &str, value: &str) -> bool {
        self.pairs.iter().any(|(k, v)| k == name && v == value)
    }

    pub fn checked(&self, name: &str) -> bool {
        !self.value(name).is_empty()
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.error(field).is_none() {
            self.errors.push(FieldError {
                field,
                message: message.into(),
            });
        }
    }

    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// Parses `field` with `parse`, recording its error in `lang`.
    pub fn parse<T>(
        &mut self,
        lang: Lang,
        field: &'static str,
        parse: impl FnOnce(&str) -> Result<T, IdentityError>,
    ) -> Option<T> {
        match parse(self.value(field)) {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, lang.t(identity_error_key(error)));
                None
            }
        }
    }
}

pub fn identity_error_key(error: IdentityError) -> &'static str {
    match error {
        IdentityError::NationalIdFormat => "form.error.national_id_format",
        IdentityError::NationalIdBirthDate => "form.error.national_id_birth_date",
        IdentityError::NationalIdCheckDigit => "form.error.national_id_check",
        IdentityError::CreditCodeFormat => "form.error.credit_code_format",
        IdentityError::CreditCodeCheck => "form.error.credit_code_check",
        IdentityError::Phone => "form.error.phone",
        IdentityError::Email => "form.error.email",
        IdentityError::PasswordTooShort => "form.error.password_short",
        IdentityError::PasswordTooLong => "form.error.password_long",
        IdentityError::PasswordCommon => "form.error.password_common",
        IdentityError::PasswordPersonal => "form.error.password_personal",
        IdentityError::Name => "form.error.name",
    }
}

/// A rendered page with a status: 422 for a form with errors, 429 when throttled.
pub fn page_with_status(
    status: StatusCode,
    page: &impl Template,
) -> Result<HttpResponse, WebError> {
    let html = page
        .render()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// Post/redirect/get: 303 to `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location.to_owned()))
        .finish()
}

/// Only a path on this site, so that `next` cannot send anyone elsewhere. Browsers drop tabs
/// and line breaks from URLs (`/\t/evil` becomes `//evil`), so any control or space character
/// makes a path unsafe too.
pub fn local_path(next: &str) -> &str {
    let safe = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    if safe { next } else { "/" }
}
