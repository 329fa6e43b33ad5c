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
    Ok(queries::audit_log(conn, &filter, before, limit)?)
}
