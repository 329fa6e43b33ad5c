//! The audit trail as staff search it.

use super::*;

/// What the audit log is searched by, as typed.
#[derive(Debug, Clone, Default)]
pub struct AuditSearch {
    pub tracking_number: Option<String>,
    pub actor: Option<String>,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

pub fn audit_log(
    conn: &mut DbConnection,
    user: &User,
    department_code: &str,
    search: &AuditSearch,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<queries::StaffEvent>, ServiceError> {
    if !user.works_in(department_code) {
        return Err(ServiceError::NotFound);
    }
    let department_id =
        queries::department_id(conn, department_code)?.ok_or(ServiceError::NotFound)?;
    let filter = queries::AuditFilter {
        department_id,
        tracking_number: search.tracking_number.clone(),
        actor_pattern: search
            .actor
            .as_deref()
            .map(crate::db::catalog::like_pattern),
        from: search.from.map(beijing_midnight),
        until: search
            .until
            .and_then(|d| d.succ_opt())
            .map(beijing_midnight),
    };
    let mut events = queries::audit_log(conn, &filter, before, limit)?;
    // A hotline caller who asked for 保密 is not named to the department, here either: their own
    // steps (the rating that closes or reopens the request) keep the time, not the person.
    let ids: Vec<i64> = events.iter().map(|e| e.application_id).collect();
    let confidential = crate::db::hotline::confidential_among(conn, &ids)?;
    for event in &mut events {
        if confidential.contains(&event.application_id)
            && crate::domain::hotline::CALLER_STEPS.contains(&event.kind.as_str())
        {
            event.actor_name = None;
            event.actor_email = None;
            event.client_address = None;
        }
    }
    Ok(events)
}
