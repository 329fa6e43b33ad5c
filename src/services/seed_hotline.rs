//! `onestop seed --hotline N`: N 12345 hotline requests beside the applications, for the
//! benchmark of the hotline (its submission, dispatch, console and department queue).
//!
//! Each request is a case of kind `hotline` on the shipped hotline workflow, with its own row
//! in hotline_requests: types, channels and states weighted as a district's hotline sees them,
//! callers calling from 200,000 numbers (about five requests each), times rising with the id
//! over the last 60 days, and the answer deadline counted from receipt as the engine counts it.
//! Ids are given explicitly (the next free ones), so that both tables are written in batches.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::ServiceError;
use super::seed::{BulkLoad, Random};
use crate::db::schema::{applications, hotline_requests};
use crate::db::workflow::NO_DEADLINE;
use crate::db::{DbConnection, on_backend};
use crate::domain::hotline::{HOTLINE_WORKFLOW, KIND_HOTLINE};
use crate::domain::tracking::{Series, TrackingNumber};

/// The states, in percent: most requests are closed; the open ones spread over the steps.
const STATES: &[(&str, u32)] = &[
    ("hotline_received", 5),
    ("dispatched", 5),
    ("handling", 15),
    ("reply_review", 3),
    ("answered", 7),
    ("hotline_closed", 60),
    ("merged", 5),
];

/// The types with their weights, in percent.
const TYPES: &[(&str, u32)] = &[
    ("consultation", 40),
    ("help", 20),
    ("complaint", 25),
    ("report", 5),
    ("suggestion", 10),
];

/// How many numbers the callers call from.
const PHONES: u64 = 200_000;

/// A case of a kind other than an application (no service, no form), as the seeds write it.
#[derive(Insertable)]
#[diesel(table_name = applications)]
pub(super) struct SeedCase {
    pub(super) id: i64,
    pub(super) tracking_number: String,
    pub(super) kind: &'static str,
    pub(super) status: &'static str,
    pub(super) input: &'static str,
    pub(super) version: i32,
    pub(super) created_at: NaiveDateTime,
    pub(super) updated_at: NaiveDateTime,
    pub(super) submitted_at: NaiveDateTime,
    pub(super) workflow_definition_id: i64,
    pub(super) department_id: Option<i64>,
    pub(super) legal_days: i32,
    pub(super) promised_days: i32,
    pub(super) received_on: NaiveDate,
    pub(super) accepted_on: NaiveDate,
    pub(super) decided_on: Option<NaiveDate>,
    pub(super) on_time: Option<bool>,
    pub(super) decision: Option<&'static str>,
    pub(super) due_on: NaiveDate,
    pub(super) warn_on: NaiveDate,
    pub(super) hard_due_on: NaiveDate,
    pub(super) state_entered_on: NaiveDate,
}

#[derive(Insertable)]
#[diesel(table_name = hotline_requests)]
struct SeedRequest {
    application_id: i64,
    request_type: &'static str,
    channel: &'static str,
    urgent: bool,
    subject: String,
    description: &'static str,
    location: &'static str,
    topic: Option<String>,
    caller_name: String,
    caller_phone: String,
    caller_email: String,
    confidential: bool,
    satisfaction: Option<&'static str>,
    received_day: NaiveDate,
}

pub(super) fn weighted(random: &mut Random, table: &[(&'static str, u32)]) -> &'static str {
    let mut pick = random.below(100) as u32;
    for (code, weight) in table {
        if pick < *weight {
            return code;
        }
        pick -= weight;
    }
    table[0].0
}

/// The id of the newest version of workflow `key`.
pub(super) fn latest_workflow(conn: &mut DbConnection, key: &str) -> Result<i64, ServiceError> {
    use crate::db::schema::workflow_definitions as wd;
    Ok(wd::table
        .filter(wd::key.eq(key))
        .order(wd::version.desc())
        .select(wd::id)
        .first(conn)?)
}

/// The next free case id.
pub(super) fn next_case_id(conn: &mut DbConnection) -> Result<i64, ServiceError> {
    Ok(applications::table
        .select(diesel::dsl::max(applications::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0)
        + 1)
}

/// After cases were inserted with explicit ids: PostgreSQL's sequence moves past them.
pub(super) fn advance_case_ids(conn: &mut DbConnection) -> Result<(), ServiceError> {
    if let DbConnection::Postgres(c) = conn {
        diesel::sql_query(
            "SELECT setval(pg_get_serial_sequence('applications', 'id'), \
             (SELECT max(id) FROM applications))",
        )
        .execute(c)?;
    }
    Ok(())
}

/// Adds `count` hotline requests; returns how many.
pub fn seed_hotline(conn: &mut DbConnection, count: u64, seed: u64) -> Result<u64, ServiceError> {
    let calendar = super::workflow::load_calendar(conn)?;
    let workflow_id = latest_workflow(conn, HOTLINE_WORKFLOW)?;
    let limits: Vec<(String, i32)> = crate::db::hotline::types(conn)?
        .into_iter()
        .map(|t| (t.code, t.answer_days))
        .collect();
    // The topics' departments, as the operators dispatch.
    let mut departments = Vec::new();
    for topic in crate::domain::hotline::topics() {
        if let Some(id) = crate::db::workflow::department_id(conn, &topic.department)? {
            departments.push((topic.code.clone(), id));
        }
    }
    if departments.is_empty() {
        return Err(ServiceError::Corrupt(
            "no department for the hotline's topics".into(),
        ));
    }
    let bulk = BulkLoad::begin(conn)?;
    let outcome = crate::db::write_transaction(conn, |conn| {
        let first = next_case_id(conn)?;
        let mut random = Random(seed.max(1) ^ 0x5eed_1234);
        let now = Utc::now().naive_utc();
        let span = Duration::days(60);
        let start = now - span;
        let step = span.num_microseconds().unwrap_or(1) / (count.max(1) as i64);
        let today = (now + Duration::hours(8)).date();
        bulk.drop_indexes(conn)?;
        let mut cases = Vec::with_capacity(1000);
        let mut requests = Vec::with_capacity(1000);
        for i in 0..count {
            let id = first + i as i64;
            let created = start + Duration::microseconds(step * i as i64);
            let received = (created + Duration::hours(8)).date();
            let status = weighted(&mut random, STATES);
            let request_type = weighted(&mut random, TYPES);
            let days = limits
                .iter()
                .find(|(code, _)| code == request_type)
                .map_or(5, |(_, d)| *d);
            let due = calendar.add_working_days(received, u32::try_from(days).unwrap_or(5));
            let (topic, department) = &departments[random.below(departments.len() as u64) as usize];
            // Half the consultations answered are answered at once, by the hotline alone.
            let answered_at_once = request_type == "consultation"
                && matches!(status, "answered" | "hotline_closed")
                && random.below(2) == 0;
            let dispatched = !matches!(status, "hotline_received" | "merged") && !answered_at_once;
            let answered = matches!(status, "answered" | "hotline_closed");
            let open = !matches!(status, "hotline_closed" | "merged" | "answered");
            let decided = answered.then(|| {
                calendar.add_working_days(received, 1 + random.below(days.max(1) as u64) as u32)
            });
            let phone = 13_800_000_000 + random.below(PHONES);
            cases.push(SeedCase {
                id,
                tracking_number: TrackingNumber::in_series(
                    Series::Hotline,
                    received,
                    first as u64 + i,
                )
                .to_string(),
                kind: KIND_HOTLINE,
                status,
                input: "[]",
                version: 1,
                created_at: created,
                updated_at: created,
                submitted_at: created,
                workflow_definition_id: workflow_id,
                department_id: dispatched.then_some(*department),
                legal_days: days,
                promised_days: days,
                received_on: received,
                accepted_on: received,
                decided_on: decided,
                on_time: decided.map(|d| d <= due),
                decision: answered.then_some("经核查，已依法处理，并告知诉求人。"),
                due_on: if open { due } else { NO_DEADLINE },
                warn_on: if open { due } else { NO_DEADLINE },
                hard_due_on: if open { due } else { NO_DEADLINE },
                state_entered_on: received.max(today - Duration::days(3)).min(today),
            });
            requests.push(SeedRequest {
                application_id: id,
                request_type,
                channel: if random.below(10) < 7 {
                    "phone"
                } else {
                    "online"
                },
                urgent: random.below(100) == 0,
                subject: format!("基准数据集诉求 {}", i + 1),
                description: "根据基准数据集生成的热线诉求，用于性能测试。",
                location: "宝安区新安街道",
                topic: dispatched.then(|| topic.clone()),
                caller_name: format!("来电人{}", phone % PHONES),
                caller_phone: phone.to_string(),
                caller_email: String::new(),
                confidential: random.below(20) == 0,
                satisfaction: (status == "hotline_closed").then_some("satisfied"),
                received_day: received,
            });
            if cases.len() == 1000 {
                insert(conn, &cases, &requests)?;
                cases.clear();
                requests.clear();
            }
        }
        insert(conn, &cases, &requests)?;
        bulk.rebuild_indexes(conn)?;
        advance_case_ids(conn)?;
        crate::db::workflow::recount(conn)?;
        Ok(count)
    });
    bulk.end(conn)?;
    outcome
}

fn insert(
    conn: &mut DbConnection,
    cases: &[SeedCase],
    requests: &[SeedRequest],
) -> Result<(), ServiceError> {
    if cases.is_empty() {
        return Ok(());
    }
    on_backend!(&mut *conn, |c| diesel::insert_into(applications::table)
        .values(cases)
        .execute(c))?;
    on_backend!(&mut *conn, |c| diesel::insert_into(hotline_requests::table)
        .values(requests)
        .execute(c))?;
    Ok(())
}
