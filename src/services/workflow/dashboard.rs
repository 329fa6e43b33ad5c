//! A department's dashboard: the day's and the month's figures and the overdue cases by card.

use super::*;

/// A department's figures for today and this month.
pub struct Dashboard {
    pub department: crate::db::catalog::DepartmentSummary,
    pub today: NaiveDate,
    /// (figure, today, this month) for received, accepted, decided, closed.
    pub figures: Vec<(&'static str, i64, i64)>,
    /// Decisions this month: (on time, late).
    pub on_time: (i64, i64),
    /// The most urgent of each card level, most overdue first: the first page of the queue
    /// filtered by that level, where the rest are.
    pub overdue: Vec<(queries::QueueRow, Level)>,
    /// The levels with more cards than the dashboard lists.
    pub more_overdue: Vec<Level>,
    pub per_service: Vec<(String, String, i64)>,
}

/// How many cards of each level the dashboard lists before it links to the queue.
pub(super) const DASHBOARD_OVERDUE: i64 = 20;

/// Which transitions count as which dashboard figure.
pub(super) const FIGURES: &[(&str, &[&str])] = &[
    ("received", &["submitted", "resubmit"]),
    ("accepted", &["accept", "accept_and_approve"]),
    ("decided", &["approve", "deny", "accept_and_approve"]),
    ("closed", &["deliver", "deny", "refuse", "withdraw"]),
];

pub fn dashboard(
    conn: &mut DbConnection,
    user: &User,
    department_code: &str,
) -> Result<Dashboard, ServiceError> {
    if !user.works_in(department_code) {
        return Err(ServiceError::NotFound);
    }
    let department_id =
        queries::department_id(conn, department_code)?.ok_or(ServiceError::NotFound)?;
    let today = today();
    let month_start = today.with_day(1).expect("day 1 exists");
    let tomorrow = today.succ_opt().expect("not the end of time");
    let today_counts = queries::event_counts(
        conn,
        department_id,
        beijing_midnight(today),
        beijing_midnight(tomorrow),
    )?;
    let month_counts = queries::event_counts(
        conn,
        department_id,
        beijing_midnight(month_start),
        beijing_midnight(tomorrow),
    )?;
    let sum = |counts: &[(String, i64)], kinds: &[&str]| -> i64 {
        counts
            .iter()
            .filter(|(k, _)| kinds.contains(&k.as_str()))
            .map(|(_, n)| n)
            .sum()
    };
    let figures = FIGURES
        .iter()
        .map(|(name, kinds)| (*name, sum(&today_counts, kinds), sum(&month_counts, kinds)))
        .collect();
    let decisions = queries::decisions_on_time(conn, department_id, month_start, today)?;
    let on_time = decisions
        .iter()
        .filter(|(t, _)| *t == Some(true))
        .map(|(_, n)| n)
        .sum();
    let late = decisions
        .iter()
        .filter(|(t, _)| *t == Some(false))
        .map(|(_, n)| n)
        .sum();
    let definitions = parsed_definitions(conn)?;
    let working: Vec<String> = working_states(&definitions)
        .into_iter()
        .map(|(c, ..)| c)
        .collect();
    let mut overdue = Vec::new();
    let mut more_overdue = Vec::new();
    for level in [Level::Red, Level::Yellow] {
        let q = queries::QueueQuery {
            department_id,
            states: working.clone(),
            level: Some(level),
            today,
            ..queries::QueueQuery::default()
        };
        let mut rows = queries::queue(conn, &q, None, DASHBOARD_OVERDUE + 1)?;
        if rows.len() > usize::try_from(DASHBOARD_OVERDUE).unwrap_or(0) {
            rows.truncate(usize::try_from(DASHBOARD_OVERDUE).unwrap_or(0));
            more_overdue.push(level);
        }
        overdue.extend(rows.into_iter().map(|r| (r, level)));
    }
    let per_service = queries::received_per_service(
        conn,
        department_id,
        beijing_midnight(month_start),
        beijing_midnight(tomorrow),
    )?;
    let department = crate::services::catalog::department_summary(conn, department_code)?;
    Ok(Dashboard {
        department,
        today,
        figures,
        on_time: (on_time, late),
        overdue,
        more_overdue,
        per_service,
    })
}
