//! What the administrators' home page summarises: one line of news per admin area, so that
//! whatever needs attention (a calendar year to settle, dead letters, an account under attack)
//! is seen on arrival.

use super::ServiceError;
use crate::db::DbConnection;

/// The state of each admin area.
pub struct AdminOverview {
    /// How many workflows there are, and how many services run one.
    pub workflows: usize,
    pub services: i64,
    /// Calendar years whose official notice is still to be confirmed.
    pub years_to_settle: Vec<i32>,
    /// Mails waiting to be sent (first try or retry), and dead letters.
    pub backlog: i64,
    pub dead: i64,
    /// Accounts with many wrong passwords in the current window.
    pub under_attack: usize,
    /// The newest change on the record: (kind, subject, when).
    pub latest_change: Option<(String, String, chrono::NaiveDateTime)>,
}

pub fn overview(conn: &mut DbConnection) -> Result<AdminOverview, ServiceError> {
    let workflows = super::admin::workflows(conn)?;
    let counts = crate::db::outbox::outbox_counts(conn)?;
    let count = |statuses: &[&str]| -> i64 {
        counts
            .iter()
            .filter(|(s, _)| statuses.contains(&s.as_str()))
            .map(|(_, n)| n)
            .sum()
    };
    let latest_change = crate::db::admin::admin_events(conn, None, 1)?
        .into_iter()
        .next()
        .map(|e| (e.kind, e.subject, e.created_at));
    Ok(AdminOverview {
        workflows: workflows.len(),
        services: workflows.iter().map(|w| w.services).sum(),
        years_to_settle: super::admin::years_to_settle(conn)?,
        backlog: count(&["pending", "retrying"]),
        dead: count(&["dead"]),
        under_attack: super::accounts::accounts_under_attack(conn)?.len(),
        latest_change,
    })
}
