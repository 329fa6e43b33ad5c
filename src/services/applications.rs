//! Applying online: a draft kept as typed, saved at any time and resumed from any device; a
//! check-your-answers step; submission with the declaration, which validates against the form
//! version the draft was started with and gives the tracking number, in one transaction with its
//! event.

use chrono::NaiveDateTime;

use super::accounts::User;
use super::{ServiceError, stored_now as now};
use crate::db::DbConnection;
use crate::db::applications::{self as queries, ApplicationRow, NewApplication, NewEvent};
use crate::db::catalog::{self as catalog_queries, ServiceGuide};
use crate::db::licences::{self, LicenceInfo};
use crate::domain::catalog::ApplicantType;
use crate::domain::forms::{FieldProblem, FormDefinition};
use crate::domain::identity::Role;
use crate::domain::tracking::{Series, TrackingNumber};

pub const DRAFT: &str = "draft";
pub const SUBMITTED: &str = "submitted";

/// An application with what is needed to show or continue it.
pub struct Application {
    pub row: ApplicationRow,
    /// The applicant's account: the applicant block shows it, never retyped.
    pub applicant: crate::db::accounts::UserRow,
    pub form: std::sync::Arc<FormDefinition>,
    pub service: ServiceGuide,
    pub input: Vec<(String, String)>,
}

impl Application {
    pub fn is_draft(&self) -> bool {
        self.row.status == DRAFT
    }
}

fn corrupt(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Corrupt(e.to_string())
}

/// Whether this account may apply for a service open to `applicant_type`.
fn may_apply(role: Role, applicant_type: ApplicantType) -> bool {
    match role {
        Role::Citizen => applicant_type != ApplicantType::Legal,
        Role::Firm => applicant_type != ApplicantType::Natural,
        _ => false,
    }
}

/// Starts a draft for a service, or returns the draft the user already has for it (so that a
/// double click makes one application, not two).
pub fn start(
    conn: &mut DbConnection,
    user: &User,
    service_code: &str,
) -> Result<i64, ServiceError> {
    let guide =
        catalog_queries::find_service_guide(conn, service_code)?.ok_or(ServiceError::NotFound)?;
    if !may_apply(user.role, guide.summary.applicant_type) {
        return Err(ServiceError::NotForThisApplicant);
    }
    let service_id =
        catalog_queries::service_id(conn, service_code)?.ok_or(ServiceError::NotFound)?;
    crate::db::write_transaction(conn, |conn| {
        if let Some(id) = queries::find_draft_for(conn, service_id, user.id, DRAFT)? {
            return Ok(id);
        }
        let (form_id, form_json) = queries::current_form(conn, service_id)?
            .ok_or_else(|| corrupt(format!("{service_code} has no form")))?;
        let form: FormDefinition = serde_json::from_str(&form_json).map_err(corrupt)?;
        let input =
            serde_json::to_string(&prefill(conn, &form, service_id, user.id)?).map_err(corrupt)?;
        insert_draft(conn, service_id, form_id, user.id, &input, now())
    })
}

/// A new draft with its `draft_started` event, inside the caller's transaction; `input` is the
/// stored JSON of the answers.
pub(super) fn insert_draft(
    conn: &mut DbConnection,
    service_id: i64,
    form_definition_id: i64,
    applicant_id: i64,
    input: &str,
    now: NaiveDateTime,
) -> Result<i64, ServiceError> {
    let id = queries::insert_application(
        conn,
        &NewApplication {
            service_id,
            form_definition_id,
            applicant_id,
            status: DRAFT,
            input,
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )?;
    queries::insert_event(
        conn,
        &NewEvent {
            application_id: id,
            actor_id: Some(applicant_id),
            kind: "draft_started",
            from_status: None,
            to_status: DRAFT,
            note: None,
            client_address: None,
            created_at: now,
        },
    )?;
    Ok(id)
}

/// What a new draft starts with: the number of the licence a 变更, 延续 or 注销 is about, when
/// the applicant holds one issued by OneStop for the item (the newest), so it is not retyped.
fn prefill(
    conn: &mut DbConnection,
    form: &FormDefinition,
    service_id: i64,
    applicant_id: i64,
) -> Result<Vec<(String, String)>, ServiceError> {
    const LICENCE_NUMBER: &str = "licence_number";
    if !form.fields().any(|f| f.name == LICENCE_NUMBER) {
        return Ok(Vec::new());
    }
    let item_id = service_item(conn, service_id)?;
    Ok(licences::valid_for(conn, applicant_id, item_id)?
        .into_iter()
        .next()
        .map(|l| vec![(LICENCE_NUMBER.to_owned(), l.number)])
        .unwrap_or_default())
}

/// One of the user's applications; somebody else's is not found.
pub fn own(conn: &mut DbConnection, user: &User, id: i64) -> Result<Application, ServiceError> {
    let row = queries::find_own(conn, id, user.id)?.ok_or(ServiceError::NotFound)?;
    assemble(conn, row)
}

/// An application for the staff who may see it (the workflow's access rule decides who).
pub fn for_staff(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<(Application, super::workflow::StaffCase), ServiceError> {
    let case = super::workflow::staff_case(conn, user, id)?;
    let row = queries::find_by_id(conn, id)?.ok_or(ServiceError::NotFound)?;
    Ok((assemble(conn, row)?, case))
}

/// A file of an application, for the staff who may see it.
pub fn staff_download(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    file_id: i64,
) -> Result<(String, String, Vec<u8>), ServiceError> {
    super::workflow::staff_case(conn, user, id)?;
    queries::file_content(conn, id, file_id)?.ok_or(ServiceError::NotFound)
}

fn assemble(conn: &mut DbConnection, row: ApplicationRow) -> Result<Application, ServiceError> {
    let form = super::parsed::FORMS
        .get(&queries::form_by_id(conn, row.form_definition_id)?)
        .map_err(corrupt)?;
    let code =
        catalog_queries::service_code(conn, row.service_id)?.ok_or(ServiceError::NotFound)?;
    let service =
        catalog_queries::find_service_guide(conn, &code)?.ok_or(ServiceError::NotFound)?;
    let input: Vec<(String, String)> = serde_json::from_str(&row.input).map_err(corrupt)?;
    let applicant =
        crate::db::accounts::find_user(conn, row.applicant_id)?.ok_or(ServiceError::NotFound)?;
    Ok(Application {
        applicant,
        row,
        form,
        service,
        input,
    })
}

/// What saving found: the problems with what was typed (the draft is saved regardless).
pub type SaveOutcome = Vec<FieldProblem>;

/// Saves the draft as typed. Fails with `StaleVersion` if it changed since the form was opened
/// (another device saved in between), so that neither overwrites the other unseen.
pub fn save(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    version: i32,
    input: &[(String, String)],
    strict: bool,
) -> Result<SaveOutcome, ServiceError> {
    let application = own(conn, user, id)?;
    if !application.is_draft() {
        return Err(ServiceError::NotADraft);
    }
    let kept: Vec<(String, String)> = input
        .iter()
        .filter(|(k, _)| {
            application
                .form
                .fields()
                .any(|f| k == &f.name || k.starts_with(&format!("{}.", f.name)))
        })
        .cloned()
        .collect();
    let json = serde_json::to_string(&kept).map_err(corrupt)?;
    if !queries::save_input(conn, id, version, &json, now())? {
        return Err(ServiceError::StaleVersion);
    }
    Ok(application
        .form
        .validate(&kept, strict)
        .err()
        .unwrap_or_default())
}

/// A number of `series` dated `date` that no case has yet: random, so a clash (retried) is rare.
pub(crate) fn unused_number(
    conn: &mut DbConnection,
    series: Series,
    date: chrono::NaiveDate,
) -> Result<TrackingNumber, ServiceError> {
    loop {
        let candidate = drawn_number(series, date)?;
        if !queries::tracking_number_taken(conn, candidate.as_str())? {
            return Ok(candidate);
        }
    }
}

/// A tracking number of `series` and `date` drawn at random, not yet checked against those taken.
pub(crate) fn drawn_number(
    series: Series,
    date: chrono::NaiveDate,
) -> Result<TrackingNumber, ServiceError> {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(corrupt)?;
    Ok(TrackingNumber::in_series(
        series,
        date,
        u64::from_le_bytes(random),
    ))
}

/// Submits a complete draft with the declaration: validated strictly against its form version,
/// numbered, recorded. Submitting an application that is already submitted returns its number,
/// so a resent form changes nothing.
pub fn submit(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    declared: bool,
    client: &str,
) -> Result<TrackingNumber, ServiceError> {
    // Only what a submission needs: the draft, its form version, the service's materials and
    // workflow facts; not the whole guide and applicant that a page shows.
    let row = queries::find_own(conn, id, user.id)?.ok_or(ServiceError::NotFound)?;
    if let Some(number) = &row.tracking_number {
        return TrackingNumber::parse(number).map_err(corrupt);
    }
    if !declared {
        return Err(ServiceError::DeclarationMissing);
    }
    let form = super::parsed::FORMS
        .get(&queries::form_by_id(conn, row.form_definition_id)?)
        .map_err(corrupt)?;
    let input: Vec<(String, String)> = serde_json::from_str(&row.input).map_err(corrupt)?;
    let data = form
        .validate(&input, true)
        .map_err(ServiceError::Incomplete)?;
    let data = serde_json::to_string(&data).map_err(corrupt)?;
    let service =
        catalog_queries::submission_service(conn, row.service_id)?.ok_or(ServiceError::NotFound)?;
    let service_materials = catalog_queries::materials_of_service(conn, row.service_id)?;
    let missing: Vec<String> = material_statuses(conn, &service_materials, &row)?
        .into_iter()
        .filter(|m| !m.is_satisfied())
        .map(|m| m.material.name)
        .collect();
    if !missing.is_empty() {
        return Err(ServiceError::MaterialsMissing(missing));
    }
    let submitted = crate::db::write_transaction(conn, |conn| {
        let now = now();
        let number = unused_number(conn, Series::Application, now.date())?;
        // The workflow, its version and the periods are pinned now: later edits change
        // nothing for this application.
        let pinned = super::workflow::pin_at_submission(conn, &service, super::workflow::today())?;
        if !queries::submit(
            conn,
            &queries::Submission {
                id,
                version: row.version,
                from: DRAFT,
                to: SUBMITTED,
                tracking_number: number.as_str(),
                data: &data,
                now,
                pinning: &pinned.pinning,
            },
        )? {
            return Err(ServiceError::StaleVersion);
        }
        crate::db::workflow::count_move(conn, pinned.pinning.department_id, id, None, SUBMITTED)?;
        crate::db::workflow::insert_audit_event(
            conn,
            &crate::db::workflow::NewAuditEvent {
                application_id: id,
                actor_id: Some(user.id),
                kind: "submitted",
                from_status: Some(DRAFT),
                to_status: SUBMITTED,
                note: None,
                client_address: Some(client),
                created_at: now,
                department_id: Some(pinned.pinning.department_id),
                details: None,
            },
        )?;
        super::workflow::enqueue_receipt(
            conn,
            &super::workflow::Receipt {
                application_id: id,
                applicant_id: row.applicant_id,
                tracking_number: number.as_str(),
                service_name: &crate::domain::catalog::Names {
                    zh: service.name.clone(),
                    en: service.name_en.clone(),
                },
            },
            &pinned,
            now,
        )?;
        Ok(number)
    });
    match submitted {
        // The same form sent twice at once: the other request submitted it; answer alike.
        Err(ServiceError::StaleVersion) => {
            match queries::find_own(conn, id, user.id)?.and_then(|r| r.tracking_number) {
                Some(number) => TrackingNumber::parse(&number).map_err(corrupt),
                None => Err(ServiceError::StaleVersion),
            }
        }
        other => other,
    }
}

/// Applications per page of "my applications".
pub const PAGE_SIZE: i64 = 20;

/// The user's applications, most recently changed first, [`PAGE_SIZE`] a page (keyset).
pub fn mine(
    conn: &mut DbConnection,
    user: &User,
    before: Option<(NaiveDateTime, i64)>,
) -> Result<Vec<queries::ApplicationListRow>, ServiceError> {
    Ok(queries::list_own(conn, user.id, before, PAGE_SIZE)?)
}

/// The events of one of the user's applications (no clerk names: only kinds and times).
pub fn timeline(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
) -> Result<Vec<queries::EventRow>, ServiceError> {
    queries::find_own(conn, id, user.id)?.ok_or(ServiceError::NotFound)?;
    Ok(queries::events(conn, id)?)
}

/// Failed lookups allowed per client address within the window.
pub const MAX_LOOKUP_FAILURES: i64 = 10;

/// What the public progress lookup shows: no names, no form data.
pub struct Progress {
    pub tracking_number: TrackingNumber,
    pub status: String,
    pub service_name: crate::domain::catalog::Names,
    pub department_name: crate::domain::catalog::Names,
    pub submitted_at: Option<NaiveDateTime>,
    pub events: Vec<queries::EventRow>,
}

/// The public progress lookup: a tracking number and the last four characters of the
/// applicant's mobile number, resident ID or credit code. A wrong number and a wrong check get
/// the same `NotFound`, and after [`MAX_LOOKUP_FAILURES`] failures in the window the address is
/// refused until the oldest leaves it, so that numbers cannot be probed.
pub fn lookup(
    conn: &mut DbConnection,
    number: &str,
    last_four: &str,
    client: &str,
) -> Result<Progress, ServiceError> {
    use crate::db::accounts as throttle;
    let now = now();
    let window = chrono::Duration::minutes(super::accounts::FAILURE_WINDOW_MINUTES);
    let key = format!("lookup:{client}");
    let (failures, oldest) = throttle::failures_since(conn, &key, now - window)?;
    if failures >= MAX_LOOKUP_FAILURES {
        return Err(ServiceError::Throttled {
            until: oldest.unwrap_or(now) + window,
        });
    }
    let last_four = last_four.trim().to_ascii_uppercase();
    let found = match TrackingNumber::parse(number) {
        Ok(parsed) if last_four.chars().count() == 4 => {
            queries::find_by_tracking_number(conn, parsed.as_str())?
                .filter(|(_, _, _, _, _, phone, id, code)| {
                    [phone, id, code]
                        .into_iter()
                        .flatten()
                        .any(|v| v.to_ascii_uppercase().ends_with(&last_four))
                })
                .map(|row| (parsed, row))
        }
        _ => None,
    };
    let Some((tracking_number, (id, status, service_name, department_name, submitted_at, ..))) =
        found
    else {
        throttle::record_failure(conn, &key, now)?;
        return Err(ServiceError::NotFound);
    };
    let names = |(zh, en): (String, String)| crate::domain::catalog::Names { zh, en };
    Ok(Progress {
        tracking_number,
        status,
        service_name: names(service_name),
        department_name: names(department_name),
        submitted_at,
        events: queries::events(conn, id)?,
    })
}

// ---- Materials ----

/// Upload limits, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub per_file: usize,
    pub per_application: i64,
}

/// Why an upload was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadProblem {
    UnknownMaterial,
    NotAccepted,
    Empty,
    TooLarge(usize),
    ApplicationFull(i64),
}

/// A material of the guide with what the applicant has provided for it.
pub struct MaterialStatus {
    pub material: crate::domain::catalog::Material,
    pub files: Vec<queries::FileInfo>,
    pub pledged: bool,
    /// The issued licence used for it, instead of an upload.
    pub licence: Option<LicenceInfo>,
    /// The applicant's valid licences that may be used for it.
    pub licence_options: Vec<LicenceInfo>,
}

impl MaterialStatus {
    /// Documents obtained by data sharing are never uploaded (716号令 Art 7); a licence OneStop
    /// issued is taken from the registry when the applicant holds one, else uploaded as a scan.
    pub fn needs_upload(&self) -> bool {
        use crate::domain::catalog::MaterialSource;
        match self.material.source {
            MaterialSource::Applicant => true,
            MaterialSource::IssuedLicence => self.licence.is_none(),
            _ => false,
        }
    }

    pub fn from_licence(&self) -> bool {
        self.material.source == crate::domain::catalog::MaterialSource::IssuedLicence
    }

    /// Whether the submission may go ahead as far as this material is concerned.
    pub fn is_satisfied(&self) -> bool {
        use crate::domain::catalog::Necessity;
        !self.needs_upload()
            || !self.files.is_empty()
            || self.material.necessity == Necessity::Optional
            || (self.material.necessity == Necessity::Deferrable && self.pledged)
    }
}

pub fn materials(
    conn: &mut DbConnection,
    app: &Application,
) -> Result<Vec<MaterialStatus>, ServiceError> {
    let mut statuses = material_statuses(conn, &app.service.materials, &app.row)?;
    if statuses.iter().any(MaterialStatus::from_licence) {
        let item_id = service_item(conn, app.row.service_id)?;
        let options = licences::valid_for(conn, app.row.applicant_id, item_id)?;
        for status in statuses.iter_mut().filter(|s| s.from_licence()) {
            status.licence_options = options.clone();
        }
    }
    Ok(statuses)
}

/// What the application has for each material: files, a pledge (容缺), a licence; without the
/// licences it could choose. Pledges are read only if a material may be pledged, and chosen
/// licences only if a material may come from one: no other material can have them.
fn material_statuses(
    conn: &mut DbConnection,
    materials: &[crate::domain::catalog::Material],
    row: &ApplicationRow,
) -> Result<Vec<MaterialStatus>, ServiceError> {
    use crate::domain::catalog::{MaterialSource, Necessity};
    let files = queries::files_of(conn, row.id)?;
    let pledges = if materials
        .iter()
        .any(|m| m.necessity == Necessity::Deferrable)
    {
        queries::pledges_of(conn, row.id)?
    } else {
        Vec::new()
    };
    let chosen = if materials
        .iter()
        .any(|m| m.source == MaterialSource::IssuedLicence)
    {
        licences::chosen(conn, row.id)?
    } else {
        Vec::new()
    };
    Ok(materials
        .iter()
        .map(|m| MaterialStatus {
            files: files
                .iter()
                .filter(|f| f.material_name == m.name)
                .cloned()
                .collect(),
            pledged: pledges.contains(&m.name),
            licence: chosen
                .iter()
                .find(|(name, _)| name == &m.name)
                .map(|(_, l)| l.clone()),
            licence_options: Vec::new(),
            material: m.clone(),
        })
        .collect())
}

/// An application whose materials the applicant may change: a draft, or one whose workflow
/// state asks for materials (补正). Anything else is edited by nobody.
fn draft_of(conn: &mut DbConnection, user: &User, id: i64) -> Result<Application, ServiceError> {
    let app = own(conn, user, id)?;
    if !app.is_draft() && !super::workflow::applicant_edits(conn, user, id)? {
        return Err(ServiceError::NotADraft);
    }
    Ok(app)
}

/// Stores one file for a material of a draft, after checking its type by content and the limits.
pub fn upload(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    material: &str,
    file_name: &str,
    content: &[u8],
    limits: UploadLimits,
) -> Result<(), ServiceError> {
    use crate::domain::upload::{FileType, clean_file_name};
    let app = draft_of(conn, user, id)?;
    let refuse = |p| Err(ServiceError::Upload(p));
    if !app.service.materials.iter().any(|m| m.name == material) {
        return refuse(UploadProblem::UnknownMaterial);
    }
    if content.is_empty() {
        return refuse(UploadProblem::Empty);
    }
    if content.len() > limits.per_file {
        return refuse(UploadProblem::TooLarge(limits.per_file));
    }
    let Some(file_type) = FileType::sniff(content) else {
        return refuse(UploadProblem::NotAccepted);
    };
    crate::db::write_transaction(conn, |conn| {
        if queries::total_size(conn, id)? + content.len() as i64 > limits.per_application {
            return refuse(UploadProblem::ApplicationFull(limits.per_application));
        }
        let sha256 = crate::domain::sha256_hex(content);
        queries::insert_file(
            conn,
            &queries::NewFile {
                application_id: id,
                material_name: material,
                original_name: &clean_file_name(file_name, file_type),
                content_type: file_type.mime(),
                size: content.len() as i64,
                sha256: &sha256,
                content,
                created_at: now(),
            },
        )?;
        Ok(())
    })
}

pub fn delete_file(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    file_id: i64,
) -> Result<(), ServiceError> {
    draft_of(conn, user, id)?;
    if queries::delete_file(conn, id, file_id)? == 0 {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}

/// Records (or withdraws) the applicant's pledge to supply a 容缺 material later.
pub fn pledge(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    material: &str,
    pledged: bool,
) -> Result<(), ServiceError> {
    let app = draft_of(conn, user, id)?;
    let deferrable = app.service.materials.iter().any(|m| {
        m.name == material && m.necessity == crate::domain::catalog::Necessity::Deferrable
    });
    if !deferrable {
        return Err(ServiceError::Upload(UploadProblem::UnknownMaterial));
    }
    queries::set_pledge(conn, id, material, pledged, now())?;
    Ok(())
}

fn service_item(conn: &mut DbConnection, service_id: i64) -> Result<i64, ServiceError> {
    use crate::db::schema::services;
    use diesel::prelude::*;
    Ok(services::table
        .find(service_id)
        .select(services::item_id)
        .first(conn)?)
}

/// Uses one of the applicant's valid licences for a material that an issued licence provides
/// (原许可证件), or stops using one. A licence of somebody else, of another item or no longer
/// valid is not found.
pub fn use_licence(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    material: &str,
    licence: Option<i64>,
) -> Result<(), ServiceError> {
    let app = draft_of(conn, user, id)?;
    let fits = app.service.materials.iter().any(|m| {
        m.name == material && m.source == crate::domain::catalog::MaterialSource::IssuedLicence
    });
    if !fits {
        return Err(ServiceError::Upload(UploadProblem::UnknownMaterial));
    }
    if let Some(licence_id) = licence {
        let item_id = service_item(conn, app.row.service_id)?;
        if !licences::valid_for(conn, user.id, item_id)?
            .iter()
            .any(|l| l.id == licence_id)
        {
            return Err(ServiceError::NotFound);
        }
    }
    Ok(licences::choose(conn, id, material, licence)?)
}

/// A file of one of the user's applications: (name, content type, content).
pub fn download(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    file_id: i64,
) -> Result<(String, String, Vec<u8>), ServiceError> {
    queries::find_own(conn, id, user.id)?.ok_or(ServiceError::NotFound)?;
    queries::file_content(conn, id, file_id)?.ok_or(ServiceError::NotFound)
}

/// Answers a request for missing materials (补正): the workflow's `resubmit` transition, after
/// which the application counts as received anew.
pub fn resubmit(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    client: &str,
) -> Result<(), ServiceError> {
    let row = queries::find_own(conn, id, user.id)?.ok_or(ServiceError::NotFound)?;
    let input = super::workflow::TransitionInput::default();
    super::workflow::fire(conn, user, id, "resubmit", row.version, &input, client).map(|_| ())
}

/// Withdraws an application before a decision (行政许可法: the applicant may withdraw), through
/// the workflow's `withdraw` transition: refused once decided, or if the state moved meanwhile.
pub fn withdraw(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    reason: &str,
    client: &str,
) -> Result<(), ServiceError> {
    let row = queries::find_own(conn, id, user.id)?.ok_or(ServiceError::NotFound)?;
    let input = super::workflow::TransitionInput {
        note: reason.to_owned(),
        ..Default::default()
    };
    match super::workflow::fire(conn, user, id, "withdraw", row.version, &input, client) {
        Ok(_) => Ok(()),
        Err(ServiceError::Refused(_)) | Err(ServiceError::NotFound) => {
            Err(ServiceError::NotWithdrawable)
        }
        Err(other) => Err(other),
    }
}
