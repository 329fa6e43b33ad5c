//! What the metrics read from the database at each scrape: the outbox's backlog and the
//! departments' queues, each by an index or by the counters kept with every change (no scan of
//! the applications or of the sent mail).

use chrono::NaiveDateTime;

use super::ServiceError;
use crate::db::DbConnection;
use crate::domain::clock::Level;

pub struct Snapshot {
    /// Mails waiting to be sent (first tries and retries).
    pub mail_waiting: i64,
    /// Seconds since the oldest waiting mail was written (0 when none waits).
    pub oldest_mail_age_seconds: f64,
    pub dead_letters: i64,
    /// (department code, state, applications in it), from the queue counters.
    pub queue: Vec<(String, String, i64)>,
    /// (department code, card level, applications at it) among the working states.
    pub cards: Vec<(String, &'static str, i64)>,
}

pub fn snapshot(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Snapshot, ServiceError> {
    let (mail_waiting, oldest, dead_letters) = crate::db::outbox::backlog(conn)?;
    let oldest_mail_age_seconds = oldest.map_or(0.0, |at| {
        (now - at).num_milliseconds().max(0) as f64 / 1000.0
    });
    let states = super::workflow::working_state_codes(conn)?;
    let today = super::workflow::today();
    let mut queue = Vec::new();
    let mut cards = Vec::new();
    for (id, department) in crate::db::catalog::all_departments(conn)? {
        for (state, count) in crate::db::workflow::state_counts(conn, id)? {
            if count > 0 {
                queue.push((department.code.clone(), state, count));
            }
        }
        for level in [Level::Warning, Level::Yellow, Level::Red] {
            let count = crate::db::workflow::level_count(conn, id, &states, level, today)?;
            cards.push((department.code.clone(), level.code(), count));
        }
    }
    Ok(Snapshot {
        mail_waiting,
        oldest_mail_age_seconds,
        dead_letters,
        queue,
        cards,
    })
}
