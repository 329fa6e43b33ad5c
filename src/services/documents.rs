//! The decision and the licence as documents: the decision's number (文号) given with the
//! decision, a licence's validity fixed when it is issued, and what the applicant's printable
//! pages show.

use chrono::{Datelike, NaiveDate};

use super::ServiceError;
use super::accounts::User;
use super::applications::Application;
use crate::db::DbConnection;
use crate::domain::catalog::Variant;
use crate::domain::documents::{DocumentNumber, LicenceFacts};
use crate::domain::forms::FormDefinition;

/// Gives a decision made on `day` by `department` its document number: the department's next
/// running number in that year. Runs in the decision's transaction, so the number exists exactly
/// when the decision does.
pub(crate) fn number_decision(
    conn: &mut DbConnection,
    application_id: i64,
    (department_id, department_code): (i64, &str),
    day: NaiveDate,
) -> Result<(), ServiceError> {
    use crate::db::documents;
    let year = day.year();
    let sequence = documents::next_sequence(conn, department_id, year)?;
    let prefix = crate::catalog::documents::document_prefix(department_code);
    let number = DocumentNumber::new(&prefix, year, sequence);
    documents::insert(
        conn,
        &documents::NewDecisionDocument {
            application_id,
            department_id,
            year,
            sequence,
            number: number.as_str(),
        },
    )?;
    Ok(())
}

/// Which answers of `form` state the licence's facts: the form's own `[licence]` block, else
/// the one the item's shipped form has (a form stored before the blocks existed, or the
/// generated form of a 变更/延续), keeping only the fields this form has.
pub fn licence_facts(form: &FormDefinition, item_code: &str) -> LicenceFacts {
    if let Some(own) = &form.licence {
        return own.clone();
    }
    let Some(Ok(shipped)) = crate::catalog::forms::own_form(item_code) else {
        return LicenceFacts::default();
    };
    let mut facts = shipped.licence.unwrap_or_default();
    let has = |name: &Option<String>| {
        name.as_deref()
            .is_some_and(|n| form.fields().any(|f| f.name == n))
    };
    for name in [
        &mut facts.holder,
        &mut facts.legal_representative,
        &mut facts.premises,
    ] {
        if !has(name) {
            *name = None;
        }
    }
    facts.scope.retain(|n| form.fields().any(|f| f.name == *n));
    if !(has(&facts.valid_from) && has(&facts.valid_until)) {
        facts.valid_from = None;
        facts.valid_until = None;
    }
    facts
}

/// The validity period of the licence a delivered application issues on `issued_on`: a 变更
/// keeps the period of the licence it changes; otherwise the answers or the form's rule decide.
pub(crate) fn licence_validity(
    conn: &mut DbConnection,
    application_id: i64,
    (form, data): (&FormDefinition, Option<&str>),
    (item_code, variant): (&str, Variant),
    issued_on: NaiveDate,
) -> Result<Option<(NaiveDate, NaiveDate)>, ServiceError> {
    if variant == Variant::Change
        && let Some(kept) = crate::db::licences::validity_of_used(conn, application_id)?
    {
        return Ok(Some(kept));
    }
    let answers: serde_json::Map<String, serde_json::Value> = match data {
        Some(json) => serde_json::from_str(json)?,
        None => serde_json::Map::new(),
    };
    Ok(licence_facts(form, item_code).validity(&answers, issued_on))
}

/// What the decision document shows besides the application itself.
pub struct DecisionDocument {
    pub application: Application,
    pub approved: bool,
    pub decision: String,
    pub decided_on: NaiveDate,
    /// None for a decision made before decisions were numbered.
    pub number: Option<String>,
}

/// The decision document of one of the user's decided applications, or `None`.
pub fn decision_document(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<Option<DecisionDocument>, ServiceError> {
    let Some(view) = super::workflow::applicant_view(conn, user, id)? else {
        return Ok(None);
    };
    let (Some(decided_on), Some(outcome)) = (view.decided_on, view.outcome.as_deref()) else {
        return Ok(None);
    };
    Ok(Some(DecisionDocument {
        application: super::applications::own(conn, user, id)?,
        approved: outcome == "approved",
        decision: view.decision.unwrap_or_default(),
        decided_on,
        number: crate::db::documents::number_of(conn, id)?,
    }))
}

/// What the licence shows besides the application itself.
pub struct LicenceDocument {
    pub application: Application,
    pub licence: crate::db::licences::LicenceInfo,
    pub valid: bool,
    pub validity: Option<(NaiveDate, NaiveDate)>,
    pub facts: LicenceFacts,
}

/// The licence one of the user's applications issued, or `None`.
pub fn licence_document(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<Option<LicenceDocument>, ServiceError> {
    let Some(view) = super::workflow::applicant_view(conn, user, id)? else {
        return Ok(None);
    };
    let Some((licence, status)) = view.licence else {
        return Ok(None);
    };
    let application = super::applications::own(conn, user, id)?;
    let facts = licence_facts(&application.form, &application.service.summary.item_code);
    Ok(Some(LicenceDocument {
        validity: crate::db::licences::validity_of(conn, id)?,
        valid: status == crate::db::licences::VALID,
        licence,
        facts,
        application,
    }))
}
