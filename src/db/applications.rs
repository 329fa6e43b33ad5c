//! Form definitions, applications and their events.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    application_events, applications, departments, form_definitions, items, services,
};
use super::{DbConnection, on_backend};

/// Services that have no form yet, with their id.
pub fn services_without_form(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    services::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            form_definitions::table.filter(form_definitions::service_id.eq(services::id)),
        )))
        .select((services::id, services::code))
        .load(conn)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = form_definitions)]
pub struct NewFormDefinition {
    pub service_id: i64,
    pub version: i32,
    pub definition: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_form_definitions(
    conn: &mut DbConnection,
    rows: &[NewFormDefinition],
) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(100) {
        inserted += on_backend!(&mut *conn, |c| diesel::insert_into(form_definitions::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(inserted)
}

/// The newest form version of a service: (id, definition JSON).
pub fn current_form(
    conn: &mut DbConnection,
    service_id: i64,
) -> QueryResult<Option<(i64, String)>> {
    form_definitions::table
        .filter(form_definitions::service_id.eq(service_id))
        .order(form_definitions::version.desc())
        .select((form_definitions::id, form_definitions::definition))
        .first(conn)
        .optional()
}

pub fn form_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<String> {
    form_definitions::table
        .find(id)
        .select(form_definitions::definition)
        .first(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct ApplicationRow {
    pub id: i64,
    pub tracking_number: Option<String>,
    // An application always has them; only other kinds of case (a hotline request) lack them,
    // and every query of this row is of applications.
    #[diesel(select_expression = applications::service_id.assume_not_null())]
    pub service_id: i64,
    #[diesel(select_expression = applications::form_definition_id.assume_not_null())]
    pub form_definition_id: i64,
    #[diesel(select_expression = applications::applicant_id.assume_not_null())]
    pub applicant_id: i64,
    pub status: String,
    pub input: String,
    pub data: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = applications)]
pub struct NewApplication<'a> {
    pub service_id: i64,
    pub form_definition_id: i64,
    pub applicant_id: i64,
    pub status: &'a str,
    pub input: &'a str,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Inserts and returns the new id (the newest application of this applicant).
/// The new row's id comes back with the insert (`RETURNING`): looking it up afterwards by
/// applicant sorted every application of the applicant on each insert.
pub fn insert_application(conn: &mut DbConnection, row: &NewApplication<'_>) -> QueryResult<i64> {
    super::on_backend!(&mut *conn, |c| diesel::insert_into(applications::table)
        .values(row)
        .returning(applications::id)
        .get_result(c))
}

/// An application of this applicant, or `None` (also for somebody else's).
pub fn find_own(
    conn: &mut DbConnection,
    id: i64,
    applicant_id: i64,
) -> QueryResult<Option<ApplicationRow>> {
    applications::table
        .filter(
            applications::id
                .eq(id)
                .and(applications::applicant_id.eq(applicant_id))
                .and(applications::kind.eq(crate::domain::rating::KIND_APPLICATION)),
        )
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ApplicationRow>> {
    applications::table
        .find(id)
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_draft_for(
    conn: &mut DbConnection,
    service_id: i64,
    applicant_id: i64,
    draft: &str,
) -> QueryResult<Option<i64>> {
    applications::table
        .filter(
            applications::service_id
                .eq(service_id)
                .and(applications::applicant_id.eq(applicant_id))
                .and(applications::status.eq(draft)),
        )
        .order(applications::id.desc())
        .select(applications::id)
        .first(conn)
        .optional()
}

/// Saves a draft's input if it is still at `version`; returns whether it was.
pub fn save_input(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    input: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        applications::table.filter(
            applications::id
                .eq(id)
                .and(applications::version.eq(version)),
        ),
    )
    .set((
        applications::input.eq(input),
        applications::version.eq(version + 1),
        applications::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// A draft becoming a submitted application: numbered, its data validated, its workflow and
/// periods pinned ([`Pinning`]).
pub struct Submission<'a> {
    pub id: i64,
    /// The version the draft was read at: a concurrent change makes the update miss.
    pub version: i32,
    pub from: &'a str,
    pub to: &'a str,
    pub tracking_number: &'a str,
    pub data: &'a str,
    pub now: NaiveDateTime,
    pub pinning: &'a crate::db::workflow::Pinning,
}

/// Submits a draft still at `version` and still a draft, in one statement; returns whether
/// it did.
pub fn submit(conn: &mut DbConnection, submission: &Submission<'_>) -> QueryResult<bool> {
    let s = submission;
    let p = s.pinning;
    let updated = super::FixedSql::new(
        "UPDATE applications SET status = ?, tracking_number = ?, data = ?, version = ?, \
         updated_at = ?, submitted_at = ?, workflow_definition_id = ?, department_id = ?, \
         promised_days = ?, legal_days = ?, received_on = ?, due_on = ?, warn_on = ?, \
         hard_due_on = ?, state_entered_on = ? \
         WHERE id = ? AND version = ? AND status = ?",
        vec![
            s.to.into(),
            s.tracking_number.into(),
            s.data.into(),
            (s.version + 1).into(),
            s.now.into(),
            s.now.into(),
            p.workflow_definition_id.into(),
            p.department_id.into(),
            p.promised_days.into(),
            p.legal_days.into(),
            p.received_on.into(),
            p.due_on.into(),
            p.warn_on.into(),
            p.hard_due_on.into(),
            p.state_entered_on.into(),
            s.id.into(),
            s.version.into(),
            s.from.into(),
        ],
    )
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn tracking_number_taken(conn: &mut DbConnection, number: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        applications::table.filter(applications::tracking_number.eq(number)),
    ))
    .get_result(conn)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = application_events)]
pub struct NewEvent<'a> {
    pub application_id: i64,
    pub actor_id: Option<i64>,
    pub kind: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub note: Option<&'a str>,
    pub client_address: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

pub fn insert_event(conn: &mut DbConnection, event: &NewEvent<'_>) -> QueryResult<usize> {
    diesel::insert_into(application_events::table)
        .values(event)
        .execute(conn)
}

/// (kind, to_status, note, time) of an event.
pub type EventRow = (String, String, Option<String>, NaiveDateTime);

/// An application's events as the applicant sees them, oldest first: without the staff's
/// assignments and without sign-offs that did not yet decide.
pub fn events(conn: &mut DbConnection, application_id: i64) -> QueryResult<Vec<EventRow>> {
    application_events::table
        .filter(application_events::application_id.eq(application_id))
        .filter(application_events::kind.ne_all(["assign", "release"]))
        .filter(
            application_events::from_status
                .is_null()
                .or(application_events::from_status.ne(application_events::to_status.nullable()))
                .or(application_events::kind.eq("extend")),
        )
        .order(application_events::id.asc())
        .select((
            application_events::kind,
            application_events::to_status,
            application_events::note,
            application_events::created_at,
        ))
        .load(conn)
}

/// A row of "my applications": id, tracking number, status, service code and name, department
/// name, promised days, updated and submitted times, and the current deadline.
pub type ApplicationListRow = (
    i64,
    Option<String>,
    String,
    String,
    (String, String),
    (String, String),
    i32,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<chrono::NaiveDate>,
);

/// An applicant's applications, most recently changed first, `limit` after the keyset
/// (updated_at, id) of the last row of the previous page.
pub fn list_own(
    conn: &mut DbConnection,
    applicant_id: i64,
    before: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<ApplicationListRow>> {
    let mut query = applications::table
        .inner_join(
            services::table
                .inner_join(items::table)
                .inner_join(departments::table),
        )
        .filter(applications::applicant_id.eq(applicant_id))
        .filter(applications::kind.eq(crate::domain::rating::KIND_APPLICATION))
        .into_boxed();
    if let Some((updated, id)) = before {
        query = query.filter(
            applications::updated_at
                .lt(updated)
                .or(applications::updated_at
                    .eq(updated)
                    .and(applications::id.lt(id))),
        );
    }
    query
        .order((applications::updated_at.desc(), applications::id.desc()))
        .limit(limit)
        .select((
            applications::id,
            applications::tracking_number,
            applications::status,
            services::code,
            (services::name, services::name_en),
            (departments::name, departments::name_en),
            services::promised_days,
            applications::updated_at,
            applications::submitted_at,
            applications::due_on,
        ))
        .load(conn)
}

/// What the public lookup may show, and what it checks the last four characters against:
/// (application id, status, service name, department name (each in Chinese and English),
/// submitted at, the applicant's phone, resident ID and credit code).
pub type LookupRow = (
    i64,
    String,
    (String, String),
    (String, String),
    Option<NaiveDateTime>,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub fn find_by_tracking_number(
    conn: &mut DbConnection,
    number: &str,
) -> QueryResult<Option<LookupRow>> {
    use super::schema::users;
    applications::table
        .inner_join(services::table.inner_join(departments::table))
        .inner_join(users::table.on(users::id.nullable().eq(applications::applicant_id)))
        .filter(applications::tracking_number.eq(number))
        .select((
            applications::id,
            applications::status,
            (services::name, services::name_en),
            (departments::name, departments::name_en),
            applications::submitted_at,
            users::phone,
            users::national_id,
            users::credit_code,
        ))
        .first(conn)
        .optional()
}

// ---- Materials ----

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::application_files)]
pub struct NewFile<'a> {
    pub application_id: i64,
    pub material_name: &'a str,
    pub original_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub created_at: NaiveDateTime,
}

pub fn insert_file(conn: &mut DbConnection, file: &NewFile<'_>) -> QueryResult<usize> {
    diesel::insert_into(super::schema::application_files::table)
        .values(file)
        .execute(conn)
}

/// A stored file without its content.
#[derive(Debug, Clone, Queryable)]
pub struct FileInfo {
    pub id: i64,
    pub material_name: String,
    pub original_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

pub fn files_of(conn: &mut DbConnection, application_id: i64) -> QueryResult<Vec<FileInfo>> {
    use super::schema::application_files as f;
    f::table
        .filter(f::application_id.eq(application_id))
        .order(f::id.asc())
        .select((
            f::id,
            f::material_name,
            f::original_name,
            f::content_type,
            f::size,
            f::sha256,
            f::created_at,
        ))
        .load(conn)
}

/// (original name, content type, content) of a file of this application.
pub fn file_content(
    conn: &mut DbConnection,
    application_id: i64,
    file_id: i64,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    use super::schema::application_files as f;
    f::table
        .filter(f::id.eq(file_id).and(f::application_id.eq(application_id)))
        .select((f::original_name, f::content_type, f::content))
        .first(conn)
        .optional()
}

pub fn total_size(conn: &mut DbConnection, application_id: i64) -> QueryResult<i64> {
    use super::schema::application_files as f;
    let sizes: Vec<i64> = f::table
        .filter(f::application_id.eq(application_id))
        .select(f::size)
        .load(conn)?;
    Ok(sizes.into_iter().sum())
}

pub fn delete_file(
    conn: &mut DbConnection,
    application_id: i64,
    file_id: i64,
) -> QueryResult<usize> {
    use super::schema::application_files as f;
    diesel::delete(f::table.filter(f::id.eq(file_id).and(f::application_id.eq(application_id))))
        .execute(conn)
}

pub fn set_pledge(
    conn: &mut DbConnection,
    application_id: i64,
    material: &str,
    pledged: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use super::schema::material_pledges as p;
    diesel::delete(
        p::table.filter(
            p::application_id
                .eq(application_id)
                .and(p::material_name.eq(material)),
        ),
    )
    .execute(conn)?;
    if !pledged {
        return Ok(0);
    }
    diesel::insert_into(p::table)
        .values((
            p::application_id.eq(application_id),
            p::material_name.eq(material),
            p::created_at.eq(now),
        ))
        .execute(conn)
}

pub fn pledges_of(conn: &mut DbConnection, application_id: i64) -> QueryResult<Vec<String>> {
    use super::schema::material_pledges as p;
    p::table
        .filter(p::application_id.eq(application_id))
        .select(p::material_name)
        .load(conn)
}

/// Moves an application from one of `from` to `to` if it is still at `version`; returns whether it did.
pub fn change_status(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    from: &[&str],
    to: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        applications::table.filter(
            applications::id
                .eq(id)
                .and(applications::version.eq(version))
                .and(applications::status.eq_any(from)),
        ),
    )
    .set((
        applications::status.eq(to),
        applications::version.eq(version + 1),
        applications::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}
