//! Delivering the outbox: rows written in the same transaction as the change they report are
//! claimed by a worker for a lease, sent, and marked; failures are retried with exponential
//! backoff and jitter, and a permanent refusal (5xx) or the last attempt makes a dead letter.
//!
//! Guarantee: **at least once**. A worker that crashes after the server accepted a mail but
//! before recording it leaves the row claimed; when the lease ends another worker sends it
//! again, with the same Message-ID, so mail clients can tell the copy.

use chrono::Duration;

use super::{ServiceError, stored_now as now};
use crate::db::DbConnection;
use crate::db::outbox as queries;
use crate::mail::{Delivery, Letter, outbox_message};

/// Attempts before a mail becomes a dead letter.
pub const MAX_ATTEMPTS: i32 = 8;

/// How a worker delivers: where to, the portal's address for links, how many connections at
/// once, and how long its claims last.
#[derive(Clone)]
pub struct Courier {
    pub delivery: Delivery,
    pub public_url: String,
    pub connections: usize,
    /// How long a claim lasts (`ONESTOP_OUTBOX_LEASE_SECS`): longer than sending a batch takes.
    pub lease: Duration,
}

impl Courier {
    /// Mails claimed at once: four per connection, so that every connection has work while
    /// the batch lasts, and at least 100.
    pub fn batch_size(&self) -> i64 {
        (self.connections as i64 * 4).max(100)
    }
}

/// What one batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchReport {
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
}

impl BatchReport {
    pub fn handled(&self) -> usize {
        self.sent + self.retried + self.dead
    }
}

/// The wait before attempt `attempts + 1`: 30 s doubled per attempt, at most 6 h, plus up to
/// a quarter more at random so that a recovered server is not hit by every retry at once.
pub fn backoff(attempts: i32, jitter: f64) -> Duration {
    let base = 30i64 << attempts.clamp(0, 10);
    let capped = base.min(6 * 3600);
    Duration::milliseconds((capped as f64 * 1000.0 * (1.0 + 0.25 * jitter.clamp(0.0, 1.0))) as i64)
}

fn jitter() -> f64 {
    let mut bytes = [0u8; 2];
    let _ = getrandom::fill(&mut bytes);
    f64::from(u16::from_le_bytes(bytes)) / f64::from(u16::MAX)
}

/// Claims and delivers a batch of due mails over up to `courier.connections` SMTP connections
/// at once, then records every outcome in one transaction.
///
/// Why several connections: one connection is bound by latency, not by the machine. lettre
/// writes a message and its final "." in two writes on a socket without TCP_NODELAY, so the
/// second waits for the server's delayed ACK (about 40 ms on Linux): one connection sends about
/// 22 mails/s whatever the server (measured with two different ones), with the CPU idle.
pub fn deliver_batch(
    conn: &mut DbConnection,
    courier: &Courier,
) -> Result<BatchReport, ServiceError> {
    let claimed_at = now();
    let rows = crate::db::write_transaction(conn, |conn| {
        queries::claim_mails(
            conn,
            claimed_at,
            claimed_at + courier.lease,
            courier.batch_size(),
        )
    })?;
    if rows.is_empty() {
        return Ok(BatchReport::default());
    }
    let per_thread = rows.len().div_ceil(courier.connections.max(1));
    let outcomes: Vec<(&queries::OutboxRow, Result<(), crate::mail::DeliveryError>)> =
        std::thread::scope(|scope| {
            let workers: Vec<_> = rows
                .chunks(per_thread)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|row| (row, send(courier, row)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("a sending thread does not panic"))
                .collect()
        });
    crate::db::write_transaction(conn, |conn| {
        let mut report = BatchReport::default();
        let at = now();
        for (row, outcome) in outcomes {
            match outcome {
                Ok(()) => {
                    queries::mark_sent(conn, row.id, at, carries_one_time_link(&row.kind))?;
                    report.sent += 1;
                }
                Err(error) if error.permanent || row.attempts + 1 >= MAX_ATTEMPTS => {
                    tracing::warn!(id = row.id, error = %error.message, "mail is a dead letter");
                    queries::mark_failed(conn, row.id, &error.message, None, at)?;
                    report.dead += 1;
                }
                Err(error) => {
                    let retry_at = at + backoff(row.attempts, jitter());
                    tracing::info!(id = row.id, error = %error.message, %retry_at, "mail will be retried");
                    queries::mark_failed(conn, row.id, &error.message, Some(retry_at), at)?;
                    report.retried += 1;
                }
            }
        }
        Ok(report)
    })
}

/// Account mails carry a link that signs in or resets a password: it is removed from the outbox
/// once sent.
fn carries_one_time_link(kind: &str) -> bool {
    kind.starts_with("account:")
}

fn send(courier: &Courier, row: &queries::OutboxRow) -> Result<(), crate::mail::DeliveryError> {
    let letter = Letter::new(
        &row.lang,
        &row.kind,
        &row.subject,
        &row.body,
        row.link_path.as_deref(),
        &courier.public_url,
    );
    let message = outbox_message(
        row.id,
        row.created_at.and_utc().timestamp_micros(),
        &row.recipient_email,
        &letter,
    )
    .map_err(|message| crate::mail::DeliveryError {
        permanent: true,
        message,
    })?;
    courier.delivery.send(&message)
}

/// Delivers until nothing is due; returns the total.
pub fn drain(conn: &mut DbConnection, courier: &Courier) -> Result<BatchReport, ServiceError> {
    let mut total = BatchReport::default();
    loop {
        let report = deliver_batch(conn, courier)?;
        total.sent += report.sent;
        total.retried += report.retried;
        total.dead += report.dead;
        if report.handled() == 0 {
            return Ok(total);
        }
    }
}

// ---- The administrators' view ----

/// Mails per page of the outbox list.
pub const OUTBOX_PAGE: i64 = 50;

/// The statuses the list can be narrowed to; "retrying" is a pending mail that failed before.
pub const STATUSES: [&str; 4] = ["pending", "retrying", "sent", "dead"];

/// The counts per status and one page of mails, newest first.
pub struct OutboxOverview {
    pub counts: Vec<(&'static str, i64)>,
    pub entries: Vec<queries::OutboxEntry>,
}

/// `q` is a recipient's address (it has an @) or a tracking number.
pub fn overview(
    conn: &mut DbConnection,
    status: Option<&str>,
    q: Option<&str>,
    before: Option<i64>,
) -> Result<OutboxOverview, ServiceError> {
    let stored = queries::outbox_counts(conn)?;
    let counts = STATUSES
        .iter()
        .map(|s| {
            let n = stored.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
            (*s, n)
        })
        .collect();
    let mut filter = queries::OutboxFilter {
        status: status.map(str::to_owned),
        ..Default::default()
    };
    match q.map(str::trim).filter(|q| !q.is_empty()) {
        Some(address) if address.contains('@') => {
            filter.recipient = Some(address.to_lowercase());
        }
        Some(number) => match queries::application_by_tracking_number(conn, number)? {
            Some(id) => filter.application_id = Some(id),
            None => {
                return Ok(OutboxOverview {
                    counts,
                    entries: Vec::new(),
                });
            }
        },
        None => {}
    }
    let entries = queries::search(conn, &filter, before, OUTBOX_PAGE)?;
    Ok(OutboxOverview { counts, entries })
}

/// Puts a dead letter back in the queue; anything else is not found.
pub fn send_again(conn: &mut DbConnection, admin_id: i64, id: i64) -> Result<(), ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        if !queries::send_again(conn, id, now())? {
            return Err(ServiceError::NotFound);
        }
        super::admin::record_change(
            conn,
            Some(admin_id),
            "outbox.send_again",
            &format!("mail {id}"),
            Some("dead"),
            Some("pending"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_jitters_upwards() {
        assert_eq!(backoff(0, 0.0), Duration::seconds(30));
        assert_eq!(backoff(1, 0.0), Duration::seconds(60));
        assert_eq!(backoff(3, 0.0), Duration::seconds(240));
        assert_eq!(backoff(20, 0.0), Duration::hours(6));
        assert_eq!(backoff(0, 1.0), Duration::milliseconds(37_500));
        assert!(backoff(2, 0.5) > backoff(2, 0.0) && backoff(2, 0.5) < backoff(3, 0.0));
    }
}
