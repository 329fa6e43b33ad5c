//! The outbox: mails written in the same transaction as what they report, claimed and marked by
//! the delivery workers, listed for administrators; and the watermarks of the staff digests.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::numbered;
use super::schema::{
    application_events, applications, mail_digests, outbox, services, user_departments, users,
};
use super::{DbConnection, on_backend};

/// `None` is written as NULL, the columns' only default: an insert with `DEFAULT` in it is
/// never a cached prepared statement in diesel, and this one runs on every submission.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
pub struct NewMail<'a> {
    pub application_id: Option<i64>,
    pub recipient_id: Option<i64>,
    pub recipient_email: &'a str,
    pub lang: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// The page the mail's button opens, relative to the portal's address.
    pub link_path: Option<&'a str>,
    pub status: &'a str,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

pub fn enqueue_mail(conn: &mut DbConnection, mail: &NewMail<'_>) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values(mail)
        .execute(conn)?;
    Ok(())
}

/// (kind, recipient, subject, body) of an application's mails, oldest first.
pub fn mails_of(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<Vec<(String, String, String, String)>> {
    outbox::table
        .filter(outbox::application_id.eq(id))
        .order(outbox::id)
        .select((
            outbox::kind,
            outbox::recipient_email,
            outbox::subject,
            outbox::body,
        ))
        .load(conn)
}

/// A mail waiting to be sent, claimed by one worker for the length of its lease.
#[derive(Debug, Clone, Queryable, QueryableByName)]
pub struct OutboxRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub recipient_email: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub lang: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub subject: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub body: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub link_path: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempts: i32,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    pub created_at: NaiveDateTime,
}

/// Claims up to `limit` due mails until `lease_until`: no other worker takes them meanwhile.
/// On PostgreSQL rows locked by a concurrent claim are skipped (SKIP LOCKED); on SQLite the
/// claim runs in a write transaction, which serialises claimers.
pub fn claim_mails(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    use diesel::sql_types::{BigInt, Timestamp};
    let lock = match conn {
        DbConnection::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        DbConnection::Sqlite(_) => "",
    };
    let sql = numbered(
        conn,
        &format!(
            "UPDATE outbox SET claimed_until = $2 WHERE id IN (\
               SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
               AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY id LIMIT $3 {lock}) \
             RETURNING id, recipient_email, lang, kind, subject, body, link_path, attempts, created_at"
        ),
    );
    let mut rows: Vec<OutboxRow> = diesel::sql_query(sql)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(lease_until)
        .bind::<BigInt, _>(limit)
        .load(conn)?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// What a sent mail keeps of a one-time link: nothing, so that the outbox cannot open accounts.
pub const LINK_REMOVED: &str = "(removed after sending)";

/// Records a delivery. With `forget_link`, the body and link are blanked (they held a one-time
/// link, which must work only from the recipient's mailbox).
pub fn mark_sent(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
    forget_link: bool,
) -> QueryResult<()> {
    let target = outbox::table.find(id);
    let sent = (
        outbox::status.eq("sent"),
        outbox::sent_at.eq(Some(now)),
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::claimed_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    );
    if forget_link {
        diesel::update(target)
            .set((
                sent,
                outbox::body.eq(LINK_REMOVED),
                outbox::link_path.eq(None::<String>),
            ))
            .execute(conn)?;
    } else {
        diesel::update(target).set(sent).execute(conn)?;
    }
    Ok(())
}

/// Records a failed attempt: back to pending at `retry_at`, or dead when `retry_at` is `None`.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let status = if retry_at.is_some() {
        "pending"
    } else {
        "dead"
    };
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(status),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(retry_at.unwrap_or(now)),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Outbox rows per status: (status, count). A pending row that has failed before is counted
/// as "retrying".
pub fn outbox_counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<(String, i32, i64)> = outbox::table
        .group_by((outbox::status, outbox::attempts))
        .select((outbox::status, outbox::attempts, diesel::dsl::count_star()))
        .load(conn)?;
    let mut counts: Vec<(String, i64)> = Vec::new();
    for (status, attempts, n) in rows {
        let name = if status == "pending" && attempts > 0 {
            "retrying".to_owned()
        } else {
            status
        };
        match counts.iter_mut().find(|(s, _)| *s == name) {
            Some((_, total)) => *total += n,
            None => counts.push((name, n)),
        }
    }
    Ok(counts)
}

/// The outbox as the metrics show it: (mails waiting to be sent, when the oldest of them was
/// written, dead letters). By the (status, id) index: no scan of the sent mail.
pub fn backlog(conn: &mut DbConnection) -> QueryResult<(i64, Option<NaiveDateTime>, i64)> {
    let waiting: i64 = outbox::table
        .filter(outbox::status.eq("pending"))
        .count()
        .get_result(conn)?;
    let oldest_id: Option<i64> = outbox::table
        .filter(outbox::status.eq("pending"))
        .select(diesel::dsl::min(outbox::id))
        .first(conn)?;
    let oldest = match oldest_id {
        Some(id) => Some(
            outbox::table
                .find(id)
                .select(outbox::created_at)
                .first(conn)?,
        ),
        None => None,
    };
    let dead: i64 = outbox::table
        .filter(outbox::status.eq("dead"))
        .count()
        .get_result(conn)?;
    Ok((waiting, oldest, dead))
}

/// One line of the administrators' outbox list. The body is not listed: it may hold a link.
#[derive(Debug, Clone, Queryable)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub recipient_email: String,
    pub lang: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub tracking_number: Option<String>,
}

/// What the outbox list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    pub status: Option<String>,
    /// An exact recipient address (lower case).
    pub recipient: Option<String>,
    /// The id of the application a tracking number names.
    pub application_id: Option<i64>,
}

/// The newest mails first, `limit` of them with ids below `before`.
pub fn search(
    conn: &mut DbConnection,
    filter: &OutboxFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<OutboxEntry>> {
    let mut query = outbox::table
        .left_join(applications::table.on(applications::id.nullable().eq(outbox::application_id)))
        .select((
            outbox::id,
            outbox::kind,
            outbox::recipient_email,
            outbox::lang,
            outbox::subject,
            outbox::status,
            outbox::attempts,
            outbox::next_attempt_at,
            outbox::last_error,
            outbox::created_at,
            outbox::sent_at,
            applications::tracking_number.nullable(),
        ))
        .order(outbox::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(status) = &filter.status {
        query = match status.as_str() {
            "retrying" => query
                .filter(outbox::status.eq("pending"))
                .filter(outbox::attempts.gt(0)),
            other => query.filter(outbox::status.eq(other.to_owned())),
        };
    }
    if let Some(recipient) = &filter.recipient {
        query = query.filter(outbox::recipient_email.eq(recipient.clone()));
    }
    if let Some(id) = filter.application_id {
        query = query.filter(outbox::application_id.eq(id));
    }
    if let Some(before) = before {
        query = query.filter(outbox::id.lt(before));
    }
    query.load(conn)
}

/// The application a tracking number names.
pub fn application_by_tracking_number(
    conn: &mut DbConnection,
    number: &str,
) -> QueryResult<Option<i64>> {
    applications::table
        .filter(applications::tracking_number.eq(number))
        .select(applications::id)
        .first(conn)
        .optional()
}

/// Puts a dead letter back in the queue for a fresh series of attempts; false when the row is
/// not a dead letter (any more).
pub fn send_again(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let changed = diesel::update(outbox::table.find(id).filter(outbox::status.eq("dead")))
        .set((
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

// ---- Staff digests ----

/// A member of a department's staff, as a mail recipient.
#[derive(Debug, Clone, Queryable)]
pub struct StaffRecipient {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub lang: String,
    pub role: String,
}

/// The active clerks and heads of every department at once: (department id, recipient).
pub fn staff_recipients(conn: &mut DbConnection) -> QueryResult<Vec<(i64, StaffRecipient)>> {
    staff_of(conn, None)
}

fn staff_of(
    conn: &mut DbConnection,
    department_id: Option<i64>,
) -> QueryResult<Vec<(i64, StaffRecipient)>> {
    let mut query = users::table
        .inner_join(user_departments::table)
        .filter(users::active.eq(true))
        .filter(users::role.eq_any(["clerk", "head"]))
        .order((user_departments::department_id, users::name, users::id))
        .select((
            user_departments::department_id,
            (
                users::id,
                users::name,
                users::email,
                users::lang,
                users::role,
            ),
        ))
        .into_boxed();
    if let Some(id) = department_id {
        query = query.filter(user_departments::department_id.eq(id));
    }
    query.load(conn)
}

/// The active clerks and heads of one department.
pub fn department_recipients(
    conn: &mut DbConnection,
    department_id: i64,
) -> QueryResult<Vec<StaffRecipient>> {
    Ok(staff_of(conn, Some(department_id))?
        .into_iter()
        .map(|(_, recipient)| recipient)
        .collect())
}

/// Every watermark: (department id, kind, covered until). Read without a write lock, so that a
/// check finding nothing due costs no write transaction.
pub fn digest_watermarks(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(i64, String, NaiveDateTime)>> {
    mail_digests::table
        .select((
            mail_digests::department_id,
            mail_digests::kind,
            mail_digests::covered_until,
        ))
        .load(conn)
}

/// How far a department's digest of `kind` has been sent, creating the watermark at `start`
/// the first time.
pub fn digest_watermark(
    conn: &mut DbConnection,
    department_id: i64,
    kind: &str,
    start: NaiveDateTime,
) -> QueryResult<NaiveDateTime> {
    let found = mail_digests::table
        .find((department_id, kind))
        .select(mail_digests::covered_until)
        .first(conn)
        .optional()?;
    if let Some(until) = found {
        return Ok(until);
    }
    on_backend!(&mut *conn, |c| {
        diesel::insert_into(mail_digests::table)
            .values((
                mail_digests::department_id.eq(department_id),
                mail_digests::kind.eq(kind),
                mail_digests::covered_until.eq(start),
            ))
            .on_conflict_do_nothing()
            .execute(c)
    })?;
    mail_digests::table
        .find((department_id, kind))
        .select(mail_digests::covered_until)
        .first(conn)
}

/// Moves a watermark from `from` to `to`; false when another node moved it first (the caller
/// then rolls back what it wrote).
pub fn advance_watermark(
    conn: &mut DbConnection,
    department_id: i64,
    kind: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        mail_digests::table
            .find((department_id, kind))
            .filter(mail_digests::covered_until.eq(from)),
    )
    .set(mail_digests::covered_until.eq(to))
    .execute(conn)?;
    Ok(changed == 1)
}

/// An application that arrived in a department's queue (submitted, or resubmitted after 补正).
#[derive(Debug, Clone, Queryable)]
pub struct Arrival {
    pub application_id: i64,
    pub tracking_number: Option<String>,
    pub service_name: String,
    pub arrived_at: NaiveDateTime,
    pub due_on: Option<chrono::NaiveDate>,
}

/// Arrivals in `(after, until]`, oldest first, at most `limit`, and how many there were.
pub fn arrivals(
    conn: &mut DbConnection,
    department_id: i64,
    after: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<(Vec<Arrival>, i64)> {
    let window = || {
        application_events::department_id
            .eq(department_id)
            .and(application_events::created_at.gt(after))
            .and(application_events::created_at.le(until))
            .and(application_events::kind.eq_any(ARRIVAL_EVENTS))
    };
    let total = application_events::table
        .filter(window())
        .count()
        .get_result(conn)?;
    if total == 0 {
        return Ok((Vec::new(), 0));
    }
    let rows = application_events::table
        .inner_join(applications::table.inner_join(services::table))
        .filter(window())
        .order(application_events::id)
        .limit(limit)
        .select((
            applications::id,
            applications::tracking_number,
            services::name,
            application_events::created_at,
            applications::due_on,
        ))
        .load(conn)?;
    Ok((rows, total))
}

/// A grid event dispatched to a department (at its report, or by the command centre).
#[derive(Debug, Clone, Queryable)]
pub struct DispatchedEvent {
    pub application_id: i64,
    pub tracking_number: Option<String>,
    pub type_zh: String,
    pub type_en: String,
    pub address: String,
    pub dispatched_at: NaiveDateTime,
    pub due_on: Option<chrono::NaiveDate>,
}

/// Grid events dispatched to a department in `(after, until]`, oldest first, at most `limit`,
/// and how many there were: by the department's audit events (indexed by department and time),
/// so that the digest reads the window, not the department's events.
pub fn dispatched_events(
    conn: &mut DbConnection,
    department_id: i64,
    after: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<(Vec<DispatchedEvent>, i64)> {
    use super::schema::{event_types, grid_events};
    // A report is filed under the department only when it was dispatched at once; a
    // dispatch by the command centre is filed under the department it went to.
    let window = || {
        application_events::department_id
            .eq(department_id)
            .and(application_events::created_at.gt(after))
            .and(application_events::created_at.le(until))
            .and(application_events::kind.eq_any(DISPATCH_EVENTS))
    };
    let total = application_events::table
        .filter(window())
        .count()
        .get_result(conn)?;
    if total == 0 {
        return Ok((Vec::new(), 0));
    }
    let rows = application_events::table
        .inner_join(applications::table)
        .inner_join(
            grid_events::table
                .on(grid_events::application_id.eq(application_events::application_id)),
        )
        .inner_join(event_types::table.on(event_types::code.eq(grid_events::event_type)))
        .filter(window())
        .order(application_events::id)
        .limit(limit)
        .select((
            applications::id,
            applications::tracking_number,
            event_types::name_zh,
            event_types::name_en,
            grid_events::address,
            application_events::created_at,
            applications::due_on,
        ))
        .load(conn)?;
    Ok((rows, total))
}

/// The audit events that put a grid event in front of a department.
const DISPATCH_EVENTS: [&str; 2] = ["event_reported", "dispatch"];

/// The audit events that put an application in front of a department's clerks.
const ARRIVAL_EVENTS: [&str; 2] = ["submitted", "resubmit"];

/// The active clerks and heads of a department, by name: (id, name, email).
pub fn department_staff(
    conn: &mut DbConnection,
    department_id: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    Ok(department_recipients(conn, department_id)?
        .into_iter()
        .map(|r| (r.id, r.name, r.email))
        .collect())
}
