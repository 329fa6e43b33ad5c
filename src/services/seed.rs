//! `onestop seed`: the benchmark data set of ../shared/bench/WORKLOAD.md, deterministic.
//!
//! Citizens and clerks are created once (all with the demo password, hashed once and shared,
//! since hashing 10,000 passwords would take minutes); each run then adds N applications over
//! the real catalog's services, with states weighted as the workload says, times rising with
//! the id over the last 60 days, and their legal clocks computed as the engine would. Audit
//! events and the outbox are left empty, as the workload starts them.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::ServiceError;
use crate::db::schema::{applications, form_definitions, services, user_departments, users};
use crate::db::workflow::NO_DEADLINE;
use crate::db::{DbConnection, on_backend};
use crate::domain::clock::{ClockFacts, Phase};
use crate::domain::tracking::TrackingNumber;
use crate::domain::workflow::Definition;

/// What to create.
#[derive(Debug, Clone, Copy)]
pub struct SeedPlan {
    pub applications: u64,
    pub citizens: u32,
    pub clerks: u32,
    /// The same seed gives the same data.
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SeedReport {
    pub citizens_created: u32,
    pub clerks_created: u32,
    pub applications: u64,
}

/// The workload's state weights, in percent, by the default workflow's codes.
const STATES: &[(&str, u32)] = &[
    ("submitted", 40),
    ("accepted", 10),
    ("needs_supplement", 5),
    ("under_review", 15),
    ("approved", 15),
    ("rejected", 5),
    ("closed", 10),
];

/// Emails of seeded accounts, so that they are easy to tell from real ones.
pub fn citizen_email(n: u32) -> String {
    format!("citizen{n:05}@bench.onestop.cn")
}

pub fn clerk_email(k: u32) -> String {
    format!("clerk{k:02}@bench.onestop.cn")
}

/// A small deterministic generator (xorshift64*): the data set must be reproducible, and the
/// quality needed is "spread evenly", not "unpredictable".
pub(super) struct Random(pub(super) u64);

impl Random {
    pub(super) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

// Every column is given (a `None` is NULL, not DEFAULT), as PostgreSQL's COPY needs.
#[derive(Insertable)]
#[diesel(table_name = applications, treat_none_as_default_value = false)]
struct SeedApplication {
    tracking_number: String,
    service_id: i64,
    form_definition_id: i64,
    applicant_id: i64,
    status: String,
    input: String,
    data: String,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    submitted_at: NaiveDateTime,
    workflow_definition_id: i64,
    department_id: i64,
    promised_days: i32,
    legal_days: i32,
    received_on: NaiveDate,
    accepted_on: Option<NaiveDate>,
    deemed_accepted: bool,
    decided_on: Option<NaiveDate>,
    on_time: Option<bool>,
    decision: Option<String>,
    due_on: NaiveDate,
    warn_on: NaiveDate,
    hard_due_on: NaiveDate,
}

/// A service as the seed needs it.
struct SeedService {
    id: i64,
    department_id: i64,
    promised_days: i32,
    legal_days: i32,
    form_id: i64,
    workflow_id: i64,
    definition: std::sync::Arc<Definition>,
}

pub fn seed(conn: &mut DbConnection, plan: SeedPlan) -> Result<SeedReport, ServiceError> {
    let mut report = SeedReport::default();
    let password_hash = super::secrets::hash_password(&super::demo::password());
    let calendar = super::workflow::load_calendar(conn)?;
    let services = seed_services(conn)?;
    if services.is_empty() {
        return Err(ServiceError::Corrupt("the catalog is empty".into()));
    }
    let bulk = BulkLoad::begin(conn)?;
    let outcome = crate::db::write_transaction(conn, |conn| {
        report.citizens_created = create_citizens(conn, plan.citizens, &password_hash)?;
        report.clerks_created = create_clerks(conn, plan.clerks, &password_hash)?;
        let citizen_ids: Vec<i64> = users::table
            .filter(users::email.like("citizen%@bench.onestop.cn"))
            .order(users::id)
            .select(users::id)
            .load(conn)?;
        let offset: i64 = applications::table
            .select(diesel::dsl::count_star())
            .first(conn)?;
        let mut random = Random(plan.seed.max(1));
        let now = Utc::now().naive_utc();
        let span = Duration::days(60);
        let start = now - span;
        let step_micros = span.num_microseconds().unwrap_or(1) / (plan.applications.max(1) as i64);
        bulk.drop_indexes(conn)?;
        let mut batch = Vec::with_capacity(BATCH);
        for i in 0..plan.applications {
            let service = &services[random.below(services.len() as u64) as usize];
            let applicant = citizen_ids[random.below(citizen_ids.len() as u64) as usize];
            let created = start + Duration::microseconds(step_micros * i as i64);
            let row = application(
                &mut random,
                service,
                applicant,
                created,
                (offset as u64) + i,
                &calendar,
            );
            batch.push(row);
            if batch.len() == BATCH {
                insert(conn, &batch)?;
                batch.clear();
            }
        }
        insert(conn, &batch)?;
        bulk.rebuild_indexes(conn)?;
        crate::db::workflow::recount(conn)?;
        report.applications = plan.applications;
        Ok(report)
    });
    bulk.end(conn)?;
    outcome
}

/// Settings for one large load. On SQLite, a big page cache and a rollback journal instead of
/// the WAL, so that each page is written once rather than to the WAL and again at the
/// checkpoint (restored afterwards).
/// The secondary indexes of `applications` are dropped for the load and rebuilt after it from
/// their own stored definitions (building an index over sorted keys is much faster than
/// inserting a million random keys into it).
pub(super) struct BulkLoad {
    sqlite: bool,
    /// (name, CREATE INDEX statement)
    indexes: Vec<(String, String)>,
}

#[derive(QueryableByName)]
struct IndexSql {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
}

impl BulkLoad {
    pub(super) fn begin(conn: &mut DbConnection) -> Result<Self, ServiceError> {
        Self::begin_for(conn, "applications")
    }

    /// The same for another table's secondary indexes.
    pub(super) fn begin_for(conn: &mut DbConnection, table: &str) -> Result<Self, ServiceError> {
        use diesel::connection::SimpleConnection;
        use diesel::sql_types::Text;
        let (sqlite, listing) = match conn {
            DbConnection::Sqlite(c) => {
                c.batch_execute("PRAGMA cache_size = -262144;")?;
                // Only possible when no other process has the database open; otherwise the
                // load simply goes through the WAL.
                let _ = c.batch_execute("PRAGMA journal_mode = DELETE;");
                (
                    true,
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' \
                     AND tbl_name = ? AND sql IS NOT NULL \
                     AND sql NOT LIKE '%UNIQUE%'",
                )
            }
            DbConnection::Postgres(_) => (
                false,
                "SELECT indexname AS name, indexdef AS sql FROM pg_indexes \
                 WHERE tablename = $1 AND indexdef NOT LIKE '%UNIQUE%'",
            ),
        };
        let indexes: Vec<IndexSql> = diesel::sql_query(listing)
            .bind::<Text, _>(table)
            .load(conn)?;
        Ok(BulkLoad {
            sqlite,
            indexes: indexes.into_iter().map(|i| (i.name, i.sql)).collect(),
        })
    }

    /// Inside the load's transaction (DDL is transactional on both), so that a failed load
    /// leaves every index in place.
    pub(super) fn drop_indexes(&self, conn: &mut DbConnection) -> Result<(), ServiceError> {
        for (name, _) in &self.indexes {
            let sql = format!("DROP INDEX \"{}\"", name.replace('"', ""));
            diesel::sql_query(sql).execute(conn)?;
        }
        Ok(())
    }

    pub(super) fn rebuild_indexes(&self, conn: &mut DbConnection) -> Result<(), ServiceError> {
        for (_, sql) in &self.indexes {
            diesel::sql_query(sql.as_str()).execute(conn)?;
        }
        Ok(())
    }

    pub(super) fn end(self, conn: &mut DbConnection) -> Result<(), ServiceError> {
        use diesel::connection::SimpleConnection;
        if let (true, DbConnection::Sqlite(c)) = (self.sqlite, conn) {
            c.batch_execute("ANALYZE; PRAGMA journal_mode = WAL; PRAGMA cache_size = -2000;")?;
        }
        Ok(())
    }
}

/// Rows per insert: SQLite's multi-row INSERT binds every value (23 a row, under its limit of
/// 32,766 binds at 1,000 rows); PostgreSQL's COPY takes any number.
const BATCH: usize = 1000;

/// On PostgreSQL by `COPY … FROM STDIN (FORMAT binary)`: a multi-row INSERT of a thousand rows
/// is parsed, planned and its 23,000 parameters bound each time, which made ten million
/// applications take more than ten minutes; COPY streams the rows in the table's binary form.
fn insert(conn: &mut DbConnection, rows: &[SeedApplication]) -> Result<(), ServiceError> {
    if rows.is_empty() {
        return Ok(());
    }
    match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(applications::table)
            .values(rows)
            .execute(c)?,
        DbConnection::Postgres(c) => diesel::copy_from(applications::table)
            .from_insertable(rows)
            .execute(c)?,
    };
    Ok(())
}

fn application(
    random: &mut Random,
    service: &SeedService,
    applicant: i64,
    created: NaiveDateTime,
    sequence: u64,
    calendar: &crate::domain::calendar::Calendar,
) -> SeedApplication {
    let mut pick = random.below(100) as u32;
    let mut status = STATES[0].0;
    for (code, weight) in STATES {
        if pick < *weight {
            status = code;
            break;
        }
        pick -= weight;
    }
    // A joint-review workflow calls its review state differently.
    let state = if service.definition.state(status).is_some() {
        status.to_owned()
    } else {
        service
            .definition
            .states
            .iter()
            .find(|s| !s.co_review.is_empty())
            .map_or_else(|| status.to_owned(), |s| s.code.clone())
    };
    let received = (created + Duration::hours(8)).date();
    let promised = u32::try_from(service.promised_days).unwrap_or(0);
    let mut facts = ClockFacts {
        promised_days: promised,
        legal_days: u32::try_from(service.legal_days).unwrap_or(0),
        received_on: Some(received),
        ..ClockFacts::default()
    };
    let accepted = !matches!(status, "submitted" | "needs_supplement");
    if accepted {
        facts.accepted_on = Some(calendar.add_working_days(received, 1));
    }
    let decided = matches!(status, "approved" | "rejected" | "closed");
    let mut on_time = None;
    if let (true, Some(accepted_on)) = (decided, facts.accepted_on) {
        // Most are decided within the promised time; one in ten takes longer.
        let late = random.below(10) == 0;
        let days = if late {
            promised + 2
        } else {
            promised.min(1 + random.below(u64::from(promised) + 1) as u32)
        };
        facts.decided_on = Some(calendar.add_working_days(accepted_on, days));
        on_time = Some(!late);
    }
    let phase = service
        .definition
        .state(&state)
        .map_or(Phase::None, |s| s.phase);
    let today = (Utc::now().naive_utc() + Duration::hours(8)).date();
    // An application left unaccepted past its five working days was deemed accepted by the
    // engine's supervision on the day the period lapsed (Art 32, as
    // `services::workflow::deem_accepted` records it): the data set is a district's running
    // system, not one whose supervision never ran. Without this, the first pass after a seed
    // had a third of all applications to deem at once (352,000 on 1,000,000; five to nine
    // minutes on PostgreSQL), work no running district ever meets. Audit events and mails
    // stay empty, as the workload starts them.
    if facts.acceptance_lapsed(phase, calendar, today) {
        facts.deemed_accepted = true;
        facts.accepted_on = Some(received);
    }
    let deadlines = facts.deadlines(phase, calendar, today);
    let data = serde_json::json!({
        "name": format!("申请人{applicant}"),
        "national_id": "11010519491231002X",
        "phone": format!("139{:08}", applicant % 100_000_000),
        "email": format!("citizen{applicant}@bench.onestop.cn"),
        "address": "广东省深圳市宝安区新安街道宝民二路1号",
        "company": "",
        "purpose": "根据基准数据集生成的申请，用于性能测试。",
        "notes": "",
    })
    .to_string();
    SeedApplication {
        tracking_number: TrackingNumber::new(received, sequence).to_string(),
        service_id: service.id,
        form_definition_id: service.form_id,
        applicant_id: applicant,
        status: state,
        input: "[]".to_owned(),
        data,
        version: 1,
        created_at: created,
        updated_at: created,
        submitted_at: created,
        workflow_definition_id: service.workflow_id,
        department_id: service.department_id,
        promised_days: service.promised_days,
        legal_days: service.legal_days,
        received_on: received,
        accepted_on: facts.accepted_on,
        deemed_accepted: facts.deemed_accepted,
        decided_on: facts.decided_on,
        on_time,
        decision: decided.then(|| "经审查，符合法定条件。".to_owned()),
        due_on: deadlines.due_on.unwrap_or(NO_DEADLINE),
        warn_on: deadlines.warn_on.unwrap_or(NO_DEADLINE),
        hard_due_on: deadlines.hard_due_on.unwrap_or(NO_DEADLINE),
    }
}

fn seed_services(conn: &mut DbConnection) -> Result<Vec<SeedService>, ServiceError> {
    use crate::db::workflow as wf;
    let rows: Vec<(i64, i64, i32, i32, String)> = services::table
        .filter(services::listed.eq(true))
        .order(services::id)
        .select((
            services::id,
            services::department_id,
            services::promised_days,
            services::legal_days,
            services::workflow_key,
        ))
        .load(conn)?;
    let forms: Vec<(i64, i64, i32)> = form_definitions::table
        .select((
            form_definitions::id,
            form_definitions::service_id,
            form_definitions::version,
        ))
        .load(conn)?;
    let mut definitions: Vec<(String, i64, std::sync::Arc<Definition>)> = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    for (id, department_id, promised_days, legal_days, key) in rows {
        let Some(form_id) = forms
            .iter()
            .filter(|(_, s, _)| *s == id)
            .max_by_key(|(_, _, v)| *v)
            .map(|(f, ..)| *f)
        else {
            continue;
        };
        if !definitions.iter().any(|(k, ..)| k == &key) {
            let (workflow_id, _, digest) = wf::latest_definition(conn, &key)?
                .ok_or_else(|| ServiceError::Corrupt(format!("no workflow {key}")))?;
            let parsed = super::workflow::parsed_definition(conn, workflow_id, &digest)?;
            definitions.push((key.clone(), workflow_id, parsed));
        }
        let (_, workflow_id, definition) = definitions
            .iter()
            .find(|(k, ..)| k == &key)
            .expect("just added");
        out.push(SeedService {
            id,
            department_id,
            promised_days,
            legal_days,
            form_id,
            workflow_id: *workflow_id,
            definition: definition.clone(),
        });
    }
    Ok(out)
}

fn existing(conn: &mut DbConnection, pattern: &str) -> Result<Vec<String>, ServiceError> {
    Ok(users::table
        .filter(users::email.like(pattern))
        .select(users::email)
        .load(conn)?)
}

fn create_citizens(
    conn: &mut DbConnection,
    count: u32,
    password_hash: &str,
) -> Result<u32, ServiceError> {
    let have = existing(conn, "citizen%@bench.onestop.cn")?;
    let now = Utc::now().naive_utc();
    let rows: Vec<_> = (1..=count)
        .map(citizen_email)
        .filter(|e| !have.contains(e))
        .map(|email| {
            let n: u32 = email[7..12].parse().unwrap_or(0);
            (
                users::name.eq(format!("基准市民{n:05}")),
                users::phone.eq(Some(format!("137{n:08}"))),
                users::email.eq(email),
                users::password_hash.eq(password_hash.to_owned()),
                users::role.eq("citizen"),
                users::email_verified.eq(true),
                users::active.eq(true),
                users::created_at.eq(now),
            )
        })
        .collect();
    for chunk in rows.chunks(500) {
        on_backend!(&mut *conn, |c| diesel::insert_into(users::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(u32::try_from(rows.len()).unwrap_or(u32::MAX))
}

/// Clerk k works in the department at position ((k - 1) mod 30) + 1, as the workload says.
fn create_clerks(
    conn: &mut DbConnection,
    count: u32,
    password_hash: &str,
) -> Result<u32, ServiceError> {
    use crate::db::schema::departments;
    let department_ids: Vec<i64> = departments::table
        .order(departments::position)
        .select(departments::id)
        .load(conn)?;
    let have = existing(conn, "clerk%@bench.onestop.cn")?;
    let now = Utc::now().naive_utc();
    let mut created = 0;
    for k in 1..=count {
        let email = clerk_email(k);
        if have.contains(&email) {
            continue;
        }
        diesel::insert_into(users::table)
            .values((
                users::email.eq(&email),
                users::password_hash.eq(password_hash),
                users::role.eq("clerk"),
                users::name.eq(format!("基准窗口{k:02}")),
                users::email_verified.eq(true),
                users::active.eq(true),
                users::created_at.eq(now),
            ))
            .execute(conn)?;
        let id: i64 = users::table
            .filter(users::email.eq(&email))
            .select(users::id)
            .first(conn)?;
        let department = department_ids[((k - 1) as usize) % department_ids.len().max(1)];
        diesel::insert_into(user_departments::table)
            .values((
                user_departments::user_id.eq(id),
                user_departments::department_id.eq(department),
            ))
            .execute(conn)?;
        created += 1;
    }
    Ok(created)
}

/// Brings the planner's statistics up to date after a load, as PostgreSQL's manual advises
/// for bulk loads. On PostgreSQL the vacuum also marks the loaded rows visible to all, which
/// the first statements to read each page would otherwise do, writing the page again (in a
/// benchmark, while it measures).
pub fn settle(conn: &mut DbConnection) -> Result<(), ServiceError> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute("ANALYZE")?,
        DbConnection::Postgres(c) => c.batch_execute("VACUUM (ANALYZE)")?,
    }
    Ok(())
}

/// Prepares `count` complete drafts for the first seeded citizen, for the benchmark's W2 (the
/// submission): cycling over the services a citizen may apply for, each with answers that pass
/// its form's checks and a small PDF for every material that must be uploaded, as an applicant
/// leaves a draft just before pressing "submit". A service whose form the example answers do
/// not satisfy is left out (and counted).
pub fn seed_drafts(conn: &mut DbConnection, count: u64) -> Result<DraftReport, ServiceError> {
    use crate::db::applications::{self as queries, NewFile};
    use crate::domain::catalog::{ApplicantType, MaterialSource, Necessity};
    use crate::domain::forms::FormDefinition;
    let mut report = DraftReport::default();
    if count == 0 {
        return Ok(report);
    }
    let applicant: i64 = users::table
        .filter(users::email.eq(citizen_email(1)))
        .select(users::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            ServiceError::Corrupt("no seeded citizen: seed applications first".into())
        })?;
    let codes: Vec<(i64, String)> = services::table
        .order(services::id)
        .select((services::id, services::code))
        .load(conn)?;
    // (service, form, answers as stored, materials to upload)
    let mut prepared = Vec::new();
    for (service_id, code) in codes {
        let Some(guide) = crate::db::catalog::find_service_guide(conn, &code)? else {
            continue;
        };
        if guide.summary.applicant_type == ApplicantType::Legal {
            continue;
        }
        let Some((form_id, form_json)) = queries::current_form(conn, service_id)? else {
            continue;
        };
        let form: FormDefinition =
            serde_json::from_str(&form_json).map_err(|e| ServiceError::Corrupt(e.to_string()))?;
        let answers = example_answers(&form);
        if form.validate(&answers, true).is_err() {
            report.services_left_out += 1;
            continue;
        }
        let uploads: Vec<String> = guide
            .materials
            .into_iter()
            .filter(|m| {
                matches!(
                    m.source,
                    MaterialSource::Applicant | MaterialSource::IssuedLicence
                ) && m.necessity != Necessity::Optional
            })
            .map(|m| m.name)
            .collect();
        let answers =
            serde_json::to_string(&answers).map_err(|e| ServiceError::Corrupt(e.to_string()))?;
        prepared.push((service_id, form_id, answers, uploads));
    }
    if prepared.is_empty() {
        return Err(ServiceError::Corrupt(
            "no service takes the example answers".into(),
        ));
    }
    report.services = prepared.len() as u64;
    let pdf = EXAMPLE_PDF.as_bytes();
    // Each draft goes into a table of a million rows and its indexes: on SQLite, a page cache
    // big enough for them (256 MiB for the load, the default after it) turns minutes into
    // seconds.
    if let DbConnection::Sqlite(c) = conn {
        use diesel::connection::SimpleConnection;
        c.batch_execute("PRAGMA cache_size = -262144;")?;
    }
    let sha256 = crate::domain::sha256_hex(pdf);
    crate::db::write_transaction(conn, |conn| {
        let now = Utc::now().naive_utc();
        for i in 0..count {
            let (service_id, form_id, answers, uploads) = &prepared[(i as usize) % prepared.len()];
            let id = super::applications::insert_draft(
                conn,
                *service_id,
                *form_id,
                applicant,
                answers,
                now,
            )?;
            for material in uploads {
                queries::insert_file(
                    conn,
                    &NewFile {
                        application_id: id,
                        material_name: material,
                        original_name: "scan.pdf",
                        content_type: "application/pdf",
                        size: pdf.len() as i64,
                        sha256: &sha256,
                        content: pdf,
                        created_at: now,
                    },
                )?;
            }
        }
        Ok::<(), ServiceError>(())
    })?;
    if let DbConnection::Sqlite(c) = conn {
        use diesel::connection::SimpleConnection;
        c.batch_execute("PRAGMA cache_size = -2000;")?;
    }
    report.drafts = count;
    Ok(report)
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DraftReport {
    pub drafts: u64,
    /// Services the drafts cycle over.
    pub services: u64,
    pub services_left_out: u64,
}

/// The smallest well-formed PDF: one empty page.
const EXAMPLE_PDF: &str = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// Answers that a careful applicant would give: every field filled, the first choice taken,
/// one row in each table, texts long enough for any minimum the form sets.
pub fn example_answers(form: &crate::domain::forms::FormDefinition) -> Vec<(String, String)> {
    use crate::domain::forms::{ColumnKind, Constraints, FieldKind};
    fn text(c: &Constraints) -> String {
        let wanted = c.min_length.unwrap_or(0).max(12) as usize;
        let mut s: String = "本申请由基准测试数据生成，内容真实有效。"
            .chars()
            .cycle()
            .take(wanted)
            .collect();
        if let Some(max) = c.max_length {
            s = s.chars().take(max as usize).collect();
        }
        s
    }
    fn number(c: &Constraints) -> String {
        let v = c.min.unwrap_or(1.0).max(1.0);
        let v = c.max.map_or(v, |max| v.min(max));
        format!("{v}")
    }
    let mut answers = Vec::new();
    for field in form.fields() {
        let c = &field.constraints;
        let value = match &field.kind {
            FieldKind::Text | FieldKind::LongText => text(c),
            FieldKind::Address => "广东省深圳市宝安区新安街道宝民二路1号".to_owned(),
            FieldKind::Number | FieldKind::Money => number(c),
            FieldKind::Date => "2026-01-15".to_owned(),
            FieldKind::Select { options } | FieldKind::MultiSelect { options } => {
                options.first().map(|o| o.value.clone()).unwrap_or_default()
            }
            FieldKind::Checkbox => "yes".to_owned(),
            FieldKind::NationalId => "11010519491231002X".to_owned(),
            FieldKind::CreditCode => "91350100M000100Y43".to_owned(),
            FieldKind::Phone => "13800138000".to_owned(),
            FieldKind::Email => "applicant@bench.onestop.cn".to_owned(),
            FieldKind::Table { columns, .. } => {
                for column in columns {
                    let value = match column.kind {
                        ColumnKind::Text => "示例".to_owned(),
                        ColumnKind::Number | ColumnKind::Money => "1".to_owned(),
                        ColumnKind::Date => "2026-01-15".to_owned(),
                        ColumnKind::NationalId => "11010519491231002X".to_owned(),
                        ColumnKind::Phone => "13800138000".to_owned(),
                    };
                    answers.push((format!("{}.1.{}", field.name, column.name), value));
                }
                continue;
            }
        };
        answers.push((field.name.clone(), value));
    }
    answers
}
