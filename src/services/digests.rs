//! Mails to staff that sum up rather than report one event: the clerks' digests of applications
//! that arrived in their queue and of grid events dispatched to their department, and on
//! working days the deadline list (clerks) and the overdue list (heads). Each digest is written to the outbox in the transaction that moves its
//! watermark in `mail_digests`, so it goes out once whichever node writes it, and nothing
//! between two digests is skipped.

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};

use super::ServiceError;
use super::workflow::{beijing_midnight, load_calendar, working_state_codes};
use crate::db::DbConnection;
use crate::db::outbox::{self as outbox, NewMail, StaffRecipient};
use crate::db::workflow::{self as queries, QueueQuery, QueueRow};
use crate::domain::clock::Level;
use crate::mail::translate;

/// When digests are due.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// The interval of the new-application digest.
    pub arrivals_every: Duration,
    /// The hour, Beijing time, after which the daily lists go out.
    pub daily_hour: u32,
}

/// A digest covers arrivals up to this long before it is written, so that a submission whose
/// transaction is still committing falls into the next digest instead of being skipped.
const SETTLE: Duration = Duration::seconds(60);
/// Applications listed in one mail; the rest are counted and left to the workspace.
const LISTED: usize = 50;

const ARRIVALS: &str = "arrivals";
/// Grid events come by the thousand a day at the district's scale (20,000 found, most of them
/// dispatched): a mail to every clerk for each would bury the rest of their mail, so they are
/// listed like arrivals, on the same interval.
const EVENTS: &str = "events";
const DEADLINES: &str = "deadlines";

/// Writes every digest that is due at `now` (a stored, UTC time); returns the mails written.
pub fn send_due(
    conn: &mut DbConnection,
    schedule: &Schedule,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let beijing = now + Duration::hours(8);
    let today = beijing.date();
    // What is plainly not due is found from the watermarks alone, without a write transaction
    // or loading staff and calendar; the transactions check again, since another node may have
    // written a digest meanwhile.
    let marks = outbox::digest_watermarks(conn)?;
    let mark = |department: i64, kind: &str| {
        marks
            .iter()
            .find(|(d, k, _)| *d == department && k == kind)
            .map(|(.., until)| *until)
    };
    let lists_hour = beijing.hour() >= schedule.daily_hour;
    let departments = crate::db::catalog::all_departments(conn)?;
    let interval_passed = |department: i64, kind: &str| {
        mark(department, kind).is_none_or(|from| now - SETTLE - from >= schedule.arrivals_every)
    };
    let due: Vec<(i64, bool, bool, bool)> = departments
        .iter()
        .map(|(id, _)| {
            let arrivals = interval_passed(*id, ARRIVALS);
            let events = interval_passed(*id, EVENTS);
            let lists = lists_hour
                && mark(*id, DEADLINES).is_none_or(|covered| covered < beijing_midnight(today));
            (*id, arrivals, events, lists)
        })
        .filter(|(_, arrivals, events, lists)| *arrivals || *events || *lists)
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let daily_due =
        due.iter().any(|(.., lists)| *lists) && load_calendar(conn)?.is_working_day(today);
    let states = if daily_due {
        working_state_codes(conn)?
    } else {
        Vec::new()
    };
    let staff = outbox::staff_recipients(conn)?;
    let mut mails = 0;
    for (department_id, arrivals_due, events_due, lists_due) in due {
        let Some((_, record)) = departments.iter().find(|(id, _)| *id == department_id) else {
            continue;
        };
        let recipients: Vec<&StaffRecipient> = staff
            .iter()
            .filter(|(d, _)| *d == department_id)
            .map(|(_, r)| r)
            .collect();
        let department = Department {
            id: department_id,
            code: &record.code,
            name: &record.name,
        };
        if arrivals_due {
            mails += arrivals_digest(conn, &department, &recipients, schedule, now)?;
        }
        if events_due {
            mails += events_digest(conn, &department, &recipients, schedule, now)?;
        }
        if daily_due && lists_due {
            mails += deadline_lists(conn, &department, &recipients, &states, today, now)?;
        }
    }
    Ok(mails)
}

struct Department<'a> {
    id: i64,
    code: &'a str,
    name: &'a str,
}

/// The clerks' digest of arrivals since the last one, once its interval has passed. Without
/// clerks, the heads get it.
fn arrivals_digest(
    conn: &mut DbConnection,
    department: &Department<'_>,
    recipients: &[&StaffRecipient],
    schedule: &Schedule,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let until = now - SETTLE;
    crate::db::write_transaction(conn, |conn| {
        // The first digest of a department starts now: nothing from before is reported.
        let from = outbox::digest_watermark(conn, department.id, ARRIVALS, until)?;
        if until - from < schedule.arrivals_every {
            return Ok(0);
        }
        let (arrived, total) = outbox::arrivals(conn, department.id, from, until, LISTED as i64)?;
        if !outbox::advance_watermark(conn, department.id, ARRIVALS, from, until)? || total == 0 {
            return Ok(0);
        }
        let to = clerks_else_heads(recipients);
        for recipient in &to {
            let lang = recipient.lang.as_str();
            let total_text = total.to_string();
            let mut lines = vec![
                translate(lang, "mail.greeting", &[("name", &recipient.name)]),
                translate(
                    lang,
                    "mail.arrivals.intro",
                    &[
                        ("from", &beijing_minute(from)),
                        ("until", &beijing_minute(until)),
                        ("department", department.name),
                    ],
                ),
            ];
            lines.extend(arrived.iter().map(|a| {
                let item = translate(
                    lang,
                    "mail.arrivals.item",
                    &[
                        (
                            "tracking_number",
                            a.tracking_number.as_deref().unwrap_or(""),
                        ),
                        ("service", &a.service_name),
                        ("at", &beijing_minute(a.arrived_at)),
                        ("due", &shown_date(a.due_on)),
                    ],
                );
                format!("- {item}")
            }));
            let more = total - arrived.len() as i64;
            if more > 0 {
                lines.push(translate(
                    lang,
                    "mail.arrivals.more",
                    &[("count", &more.to_string())],
                ));
            }
            let subject = translate(
                lang,
                "mail.arrivals.subject",
                &[("department", department.name), ("count", &total_text)],
            );
            enqueue(
                conn,
                recipient,
                "digest:arrivals",
                &subject,
                &lines,
                &format!("/workspace/{}", department.code),
                now,
            )?;
        }
        Ok(to.len())
    })
}

/// The clerks of a department; without clerks, its heads.
fn clerks_else_heads<'a>(recipients: &[&'a StaffRecipient]) -> Vec<&'a StaffRecipient> {
    let clerks: Vec<&StaffRecipient> = recipients
        .iter()
        .copied()
        .filter(|r| r.role == "clerk")
        .collect();
    if clerks.is_empty() {
        recipients.to_vec()
    } else {
        clerks
    }
}

/// The clerks' digest of the grid events dispatched to their department since the last one,
/// once its interval has passed (without clerks, the heads get it). The department's events
/// page is where they are handled.
fn events_digest(
    conn: &mut DbConnection,
    department: &Department<'_>,
    recipients: &[&StaffRecipient],
    schedule: &Schedule,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let until = now - SETTLE;
    crate::db::write_transaction(conn, |conn| {
        // The first digest of a department starts now: nothing from before is reported.
        let from = outbox::digest_watermark(conn, department.id, EVENTS, until)?;
        if until - from < schedule.arrivals_every {
            return Ok(0);
        }
        let (events, total) =
            outbox::dispatched_events(conn, department.id, from, until, LISTED as i64)?;
        if !outbox::advance_watermark(conn, department.id, EVENTS, from, until)? || total == 0 {
            return Ok(0);
        }
        let to = clerks_else_heads(recipients);
        for recipient in &to {
            let lang = recipient.lang.as_str();
            let mut lines = vec![
                translate(lang, "mail.greeting", &[("name", &recipient.name)]),
                translate(
                    lang,
                    "mail.events.intro",
                    &[
                        ("from", &beijing_minute(from)),
                        ("until", &beijing_minute(until)),
                        ("department", department.name),
                    ],
                ),
            ];
            lines.extend(events.iter().map(|e| {
                let item = translate(
                    lang,
                    "mail.events.item",
                    &[
                        (
                            "tracking_number",
                            e.tracking_number.as_deref().unwrap_or(""),
                        ),
                        ("type", if lang == "en" { &e.type_en } else { &e.type_zh }),
                        ("address", &e.address),
                        ("at", &beijing_minute(e.dispatched_at)),
                        ("due", &shown_date(e.due_on)),
                    ],
                );
                format!("- {item}")
            }));
            let more = total - events.len() as i64;
            if more > 0 {
                lines.push(translate(
                    lang,
                    "mail.events.more",
                    &[("count", &more.to_string())],
                ));
            }
            let subject = translate(
                lang,
                "mail.events.subject",
                &[
                    ("department", department.name),
                    ("count", &total.to_string()),
                ],
            );
            enqueue(
                conn,
                recipient,
                "digest:events",
                &subject,
                &lines,
                &format!("/workspace/{}/events", department.code),
                now,
            )?;
        }
        Ok(to.len())
    })
}

/// On a working day, once: each clerk's warnings and cards (their own applications and the
/// unassigned ones), and each head's list of the department's overdue applications.
fn deadline_lists(
    conn: &mut DbConnection,
    department: &Department<'_>,
    recipients: &[&StaffRecipient],
    states: &[String],
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let day_start = beijing_midnight(today);
    crate::db::write_transaction(conn, |conn| {
        let covered = outbox::digest_watermark(
            conn,
            department.id,
            DEADLINES,
            day_start - Duration::days(1),
        )?;
        if covered >= day_start {
            return Ok(0);
        }
        if !outbox::advance_watermark(conn, department.id, DEADLINES, covered, day_start)? {
            return Ok(0);
        }
        let mut by_level: Vec<(Level, i64, Vec<QueueRow>)> = Vec::new();
        for level in [Level::Red, Level::Yellow, Level::Warning] {
            let count = queries::level_count(conn, department.id, states, level, today)?;
            let rows = if count == 0 {
                Vec::new()
            } else {
                let q = QueueQuery {
                    department_id: department.id,
                    states: states.to_vec(),
                    level: Some(level),
                    today,
                    ..QueueQuery::default()
                };
                queries::queue(conn, &q, None, 4 * LISTED as i64)?
            };
            by_level.push((level, count, rows));
        }
        if by_level.iter().all(|(_, count, _)| *count == 0) {
            return Ok(0);
        }
        let staff_names: Vec<(i64, &str)> =
            recipients.iter().map(|r| (r.id, r.name.as_str())).collect();
        let mut mails = 0;
        for recipient in recipients {
            let written = if recipient.role == "head" {
                overdue_list(
                    conn,
                    recipient,
                    department,
                    &by_level,
                    &staff_names,
                    today,
                    now,
                )?
            } else {
                deadline_list(conn, recipient, department, &by_level, today, now)?
            };
            mails += usize::from(written);
        }
        Ok(mails)
    })
}

fn deadline_list(
    conn: &mut DbConnection,
    clerk: &StaffRecipient,
    department: &Department<'_>,
    by_level: &[(Level, i64, Vec<QueueRow>)],
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<bool, ServiceError> {
    let lang = clerk.lang.as_str();
    let theirs = |row: &&QueueRow| row.assignee_id.is_none_or(|id| id == clerk.id);
    let mut counts = [0usize; 3];
    let mut items = Vec::new();
    for (i, (level, _, rows)) in by_level.iter().enumerate() {
        let mine: Vec<&QueueRow> = rows.iter().filter(theirs).collect();
        counts[i] = mine.len();
        items.extend(mine.into_iter().map(|row| (*level, row)));
    }
    if items.is_empty() {
        return Ok(false);
    }
    let date = today.to_string();
    let mut lines = vec![
        translate(lang, "mail.greeting", &[("name", &clerk.name)]),
        translate(lang, "mail.deadlines.intro", &[("date", &date)]),
    ];
    lines.extend(items.iter().take(LISTED).map(|(level, row)| {
        let item = translate(
            lang,
            "mail.deadlines.item",
            &[
                ("level", &level_name(lang, *level)),
                (
                    "tracking_number",
                    row.tracking_number.as_deref().unwrap_or(""),
                ),
                ("service", &row.service_name),
                ("due", &shown_date(shown_due(*level, row))),
            ],
        );
        format!("- {item}")
    }));
    if items.len() > LISTED {
        let more = (items.len() - LISTED).to_string();
        lines.push(translate(lang, "mail.deadlines.more", &[("count", &more)]));
    }
    let subject = translate(
        lang,
        "mail.deadlines.subject",
        &[
            ("department", department.name),
            ("date", &date),
            ("red", &counts[0].to_string()),
            ("yellow", &counts[1].to_string()),
            ("warning", &counts[2].to_string()),
        ],
    );
    enqueue(
        conn,
        clerk,
        "digest:deadlines",
        &subject,
        &lines,
        &format!("/workspace/{}", department.code),
        now,
    )?;
    Ok(true)
}

fn overdue_list(
    conn: &mut DbConnection,
    head: &StaffRecipient,
    department: &Department<'_>,
    by_level: &[(Level, i64, Vec<QueueRow>)],
    staff_names: &[(i64, &str)],
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<bool, ServiceError> {
    let lang = head.lang.as_str();
    let overdue: Vec<(Level, &QueueRow)> = by_level
        .iter()
        .filter(|(level, ..)| matches!(level, Level::Red | Level::Yellow))
        .flat_map(|(level, _, rows)| rows.iter().map(move |row| (*level, row)))
        .collect();
    let total: i64 = by_level
        .iter()
        .filter(|(level, ..)| matches!(level, Level::Red | Level::Yellow))
        .map(|(_, count, _)| count)
        .sum();
    if total == 0 {
        return Ok(false);
    }
    let date = today.to_string();
    let nobody = translate(lang, "mail.overdue.unassigned", &[]);
    let mut lines = vec![
        translate(lang, "mail.greeting", &[("name", &head.name)]),
        translate(
            lang,
            "mail.overdue.intro",
            &[("date", &date), ("department", department.name)],
        ),
    ];
    lines.extend(overdue.iter().take(LISTED).map(|(level, row)| {
        let assignee = row
            .assignee_id
            .and_then(|id| staff_names.iter().find(|(staff, _)| *staff == id))
            .map_or(nobody.as_str(), |(_, name)| name);
        let item = translate(
            lang,
            "mail.overdue.item",
            &[
                ("level", &level_name(lang, *level)),
                (
                    "tracking_number",
                    row.tracking_number.as_deref().unwrap_or(""),
                ),
                ("service", &row.service_name),
                ("due", &shown_date(shown_due(*level, row))),
                ("assignee", assignee),
            ],
        );
        format!("- {item}")
    }));
    let listed = overdue.len().min(LISTED) as i64;
    if total > listed {
        let more = (total - listed).to_string();
        lines.push(translate(lang, "mail.overdue.more", &[("count", &more)]));
    }
    let subject = translate(
        lang,
        "mail.overdue.subject",
        &[
            ("department", department.name),
            ("date", &date),
            ("count", &total.to_string()),
        ],
    );
    enqueue(
        conn,
        head,
        "digest:overdue",
        &subject,
        &lines,
        &format!("/workspace/{}", department.code),
        now,
    )?;
    Ok(true)
}

fn enqueue(
    conn: &mut DbConnection,
    recipient: &StaffRecipient,
    kind: &str,
    subject: &str,
    lines: &[String],
    link_path: &str,
    now: NaiveDateTime,
) -> Result<(), ServiceError> {
    outbox::enqueue_mail(
        conn,
        &NewMail {
            application_id: None,
            recipient_id: Some(recipient.id),
            recipient_email: &recipient.email,
            lang: if recipient.lang == "en" {
                "en"
            } else {
                "zh-CN"
            },
            kind,
            subject,
            body: &lines.join("\n"),
            link_path: Some(link_path),
            status: "pending",
            next_attempt_at: now,
            created_at: now,
        },
    )?;
    Ok(())
}

/// The deadline a level is about: the legal one for a red card, else the promised one.
fn shown_due(level: Level, row: &QueueRow) -> Option<NaiveDate> {
    match level {
        Level::Red => row.hard_due_on,
        _ => row.due_on,
    }
}

fn shown_date(day: Option<NaiveDate>) -> String {
    day.filter(|d| *d != queries::NO_DEADLINE)
        .map(|d| d.to_string())
        .unwrap_or_else(|| "—".to_owned())
}

fn level_name(lang: &str, level: Level) -> String {
    let key = match level {
        Level::Red => "mail.level.red",
        Level::Yellow => "mail.level.yellow",
        _ => "mail.level.warning",
    };
    translate(lang, key, &[])
}

/// A stored time as Beijing time to the minute.
fn beijing_minute(at: NaiveDateTime) -> String {
    (at + Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
