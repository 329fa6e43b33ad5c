//! Grid events on the one engine: an event is reported (by a grid worker on patrol, or by a
//! citizen, 随手拍) as a case of kind `event`, located in its grid, and either left with the
//! worker to handle on the spot or dispatched by its type to the responsible department at
//! once; every later step is a transition of the grid event workflow fired through [`fire`],
//! with what is an event's own (its department, its photos, the merge) written in the same
//! transaction. The command centre's day counts are kept by the transition itself
//! ([`count_step`]).

use super::*;
use crate::db::grid as grid_queries;
use crate::domain::grid_event::{
    EVENT_WORKFLOW, KIND_EVENT, PHOTO_MATERIAL, PHOTOS_MAX, RESULT_PHOTO_MATERIAL, Report,
    ReportError, ReportField, ReportInput, Source,
};
use crate::domain::identity::Role;
use crate::domain::tracking::Series;

pub use super::hotline::Attachment;

/// Who reports.
#[derive(Clone, Copy)]
pub enum Reporter<'a> {
    /// A grid worker on patrol.
    Worker(&'a User),
    /// A citizen (随手拍): signed in, or anonymous with a phone number.
    Citizen(Option<&'a User>),
}

/// What the reporter said of a possible duplicate they were shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Duplicates {
    /// Not shown one yet: look for one.
    #[default]
    Check,
    /// Report it as a new event all the same.
    New,
    /// Merge the report into this open event (by number).
    MergeInto(String),
}

/// An event as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub id: i64,
    pub number: String,
    pub due_on: Option<NaiveDate>,
    /// The department it was dispatched to, by code (none: the worker handles it).
    pub department: Option<String>,
    /// That department's names (zh, en), for the receipt.
    pub department_names: Option<(String, String)>,
    /// Merged into this event (by number) as it was reported.
    pub merged_into: Option<String>,
}

/// Why a report was not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReported {
    /// Field errors: the form again with what was typed.
    Fields(Vec<ReportError>),
    /// An open event of the same type within 50 m and 24 hours: (id, number). The reporter
    /// chooses to merge or to report anew.
    PossibleDuplicate(i64, String),
}

/// Records a report: located in its grid, numbered, its clock started with its type's limit,
/// dispatched by its type (unless a worker may handle it on the spot), its photos, the audit
/// event, the counts and the mails written in one transaction.
pub fn report(
    conn: &mut DbConnection,
    reporter: Reporter<'_>,
    input: &ReportInput,
    photos: &[Attachment],
    per_file: usize,
    duplicates: &Duplicates,
    client: &str,
) -> Result<Result<Reported, NotReported>, ServiceError> {
    let (worker, citizen) = match reporter {
        Reporter::Worker(user) if user.role == Role::GridWorker => (Some(user), None),
        Reporter::Worker(_) => return Err(ServiceError::NotFound),
        Reporter::Citizen(Some(user)) if user.role.is_applicant() => (None, Some(user)),
        Reporter::Citizen(Some(_)) => return Err(ServiceError::NotFound),
        Reporter::Citizen(None) => (None, None),
    };
    let anonymous = worker.is_none() && citizen.is_none();
    let photos: Vec<&Attachment> = photos.iter().filter(|f| !f.content.is_empty()).collect();
    let mut errors = check_photos(&photos, per_file);
    let parsed = Report::parse(input, anonymous);
    let report = match parsed {
        Ok(report) if errors.is_empty() => report,
        Ok(_) => return Ok(Err(NotReported::Fields(errors))),
        Err(mut more) => {
            more.append(&mut errors);
            return Ok(Err(NotReported::Fields(more)));
        }
    };
    let Some((kind, department)) =
        grid_queries::event_type_and_department(conn, &report.event_type)?
    else {
        return Ok(Err(NotReported::Fields(vec![(
            ReportField::EventType,
            "grid.error.type",
        )])));
    };
    let Some(place) = crate::services::grid::locate(conn, report.point)? else {
        return Ok(Err(NotReported::Fields(vec![(
            ReportField::Location,
            "grid.error.outside",
        )])));
    };
    let source = if worker.is_some() {
        Source::Patrol
    } else {
        Source::Citizen
    };
    crate::db::write_transaction(conn, |conn| {
        let stamp = now();
        // Same type, within 50 m, reported in the last 24 hours and still open.
        let merge_target = match duplicates {
            Duplicates::Check => {
                let since =
                    stamp - chrono::Duration::hours(crate::domain::grid_event::DUPLICATE_HOURS);
                let near = crate::domain::grid_event::duplicate_box(report.point);
                let found = grid_queries::open_of_type_near(conn, &kind.code, since, near)?
                    .into_iter()
                    .find(|(_, lon, lat)| {
                        crate::domain::grid_event::is_duplicate(
                            report.point,
                            crate::domain::territory::Point::new(*lon, *lat),
                        )
                    });
                if let Some((id, _, _)) = found {
                    let number = crate::db::hotline::numbers(conn, &[id])?
                        .pop()
                        .unwrap_or_default();
                    return Ok(Err(NotReported::PossibleDuplicate(id, number)));
                }
                None
            }
            Duplicates::New => None,
            Duplicates::MergeInto(number) => {
                let target = crate::domain::tracking::TrackingNumber::parse(number)
                    .ok()
                    .and_then(|n| grid_queries::event_id_by_number(conn, n.as_str()).transpose())
                    .transpose()?
                    .ok_or(ServiceError::NotFound)?;
                Some((target, number.clone()))
            }
        };
        // A worker keeps what she may handle herself; anything else goes to its department.
        let dispatch = !(worker.is_some() && kind.on_the_spot) && merge_target.is_none();
        let department = if dispatch {
            Some(
                department
                    .clone()
                    .ok_or_else(|| corrupt(format!("department {}", kind.department_code)))?,
            )
        } else {
            None
        };
        let department_id = department.as_ref().map(|(id, _, _)| *id);
        let limit = u32::try_from(kind.limit_days).unwrap_or(1);
        let opened = open_case(
            conn,
            &Opening {
                kind: KIND_EVENT,
                series: Series::Event,
                workflow: EVENT_WORKFLOW,
                service_id: None,
                form_definition_id: None,
                applicant_id: citizen.map(|u| u.id),
                department_id,
                state: dispatch.then_some("event_handling"),
            },
            |_| Ok(limit),
            stamp,
        )?;
        let id = opened.id;
        grid_queries::insert_event(
            conn,
            &grid_queries::NewEvent {
                application_id: id,
                event_type: &kind.code,
                category_code: &kind.category_code,
                grid_id: place.id,
                community_id: place.community_id,
                street_id: place.street_id,
                longitude: report.point.lon,
                latitude: report.point.lat,
                address: &report.address,
                description: &report.description,
                source: source.slug(),
                reporter_id: worker.or(citizen).map(|u| u.id),
                reporter_phone: &report.phone,
                reported_at: stamp,
                reported_day: today(),
            },
        )?;
        for photo in &photos {
            store_photo(conn, id, photo, PHOTO_MATERIAL, stamp)?;
        }
        let department_code = if dispatch {
            kind.department_code.as_str()
        } else {
            ""
        };
        let details = serde_json::json!({
            "event_type": kind.code,
            "source": source.slug(),
            "grid": place.code,
            "dispatched_to": dispatch.then_some(department_code),
        })
        .to_string();
        queries::insert_audit_event(
            conn,
            &queries::NewAuditEvent {
                application_id: id,
                actor_id: worker.or(citizen).map(|u| u.id),
                kind: "event_reported",
                from_status: None,
                to_status: &opened.initial,
                note: None,
                client_address: Some(client),
                created_at: stamp,
                department_id,
                details: Some(&details),
            },
        )?;
        let counted_at = grid_queries::CountPlace {
            application_id: id,
            community_id: place.community_id,
            street_id: place.street_id,
            category_code: &kind.category_code,
        };
        grid_queries::count(
            conn,
            today(),
            counted_at,
            department_code,
            grid_queries::CountChange {
                found: 1,
                dispatched: i32::from(dispatch),
                ..Default::default()
            },
        )?;
        let title = crate::domain::catalog::Names {
            zh: kind.name_zh.clone(),
            en: kind.name_en.clone(),
        };
        let texts = NoticeTexts {
            note: "",
            decision: "",
            deadline: opened.due_on,
            opinions: &[],
            title: Some(&title),
        };
        let case = &opened.case;
        if citizen.is_some() {
            let receipt = engine::Notice {
                subject_zh: "已收到您反映的问题：{tracking_number}".into(),
                subject_en: "We have received your report: {tracking_number}".into(),
                body_zh: "您反映的“{service}”已登记，编号 {tracking_number}，将于 {deadline} 前处置。可凭编号随时查询进度。".into(),
                body_en: "Your report of {service} is registered under number {tracking_number} and will be dealt with by {deadline}. You can follow it with the number at any time.".into(),
            };
            notify_applicant(conn, case, &receipt, "event_reported", &texts, stamp)?;
        }
        if dispatch
            && let Some(notice) = opened
                .definition
                .transitions
                .iter()
                .find(|t| t.name == "dispatch")
                .and_then(|t| t.notify_staff.clone())
        {
            let actor = worker.or(citizen).map_or(0, |u| u.id);
            notify_staff(conn, case, &notice, "dispatch", &texts, actor, stamp)?;
        }
        let mut reported = Reported {
            id,
            number: opened.number.as_str().to_owned(),
            due_on: opened.due_on,
            department: dispatch.then(|| kind.department_code.clone()),
            department_names: department.map(|(_, zh, en)| (zh, en)),
            merged_into: None,
        };
        if let Some((target, number)) = merge_target {
            let actor = worker.ok_or(ServiceError::NotFound)?;
            grid_queries::set_merged_into(conn, id, target)?;
            let input = TransitionInput {
                note: number.clone(),
                ..TransitionInput::default()
            };
            fire(conn, actor, id, "merge", 1, &input, client)?;
            reported.merged_into = Some(number);
        }
        Ok(Ok(reported))
    })
}

/// What is wrong with the photos sent: too many, too large, or not an image or a PDF.
fn check_photos(photos: &[&Attachment], per_file: usize) -> Vec<ReportError> {
    use crate::domain::upload::FileType;
    let mut errors = Vec::new();
    if photos.len() > PHOTOS_MAX {
        errors.push((ReportField::Photo, "grid.error.photo_count"));
    } else if photos.iter().any(|f| f.content.len() > per_file) {
        errors.push((ReportField::Photo, "grid.error.photo_size"));
    } else if photos.iter().any(|f| FileType::sniff(&f.content).is_none()) {
        errors.push((ReportField::Photo, "grid.error.photo_type"));
    }
    errors
}

fn store_photo(
    conn: &mut DbConnection,
    id: i64,
    file: &Attachment,
    material: &str,
    stamp: NaiveDateTime,
) -> Result<(), ServiceError> {
    use crate::domain::upload::{FileType, clean_file_name};
    let file_type = FileType::sniff(&file.content)
        .ok_or_else(|| corrupt("a photo checked before the transaction"))?;
    crate::db::applications::insert_file(
        conn,
        &crate::db::applications::NewFile {
            application_id: id,
            material_name: material,
            original_name: &clean_file_name(&file.file_name, file_type),
            content_type: file_type.mime(),
            size: file.content.len() as i64,
            sha256: &crate::domain::sha256_hex(&file.content),
            content: &file.content,
            created_at: stamp,
        },
    )?;
    Ok(())
}

/// A step of an event as its page sends it.
#[derive(Debug, Clone, Default)]
pub struct EventStep {
    pub note: String,
    pub decision: String,
    /// Dispatch or redirect: the department's code.
    pub department: String,
    /// Merge: the number of the event to merge into.
    pub merge_into: String,
    /// The photo of the result (on the spot, at the verification).
    pub photo: Option<Attachment>,
}

/// The steps that need a photo of the result.
const PHOTO_STEPS: &[&str] = &["close_on_spot", "verify_pass"];

/// Takes step `name` of event `id`: with what belongs to it (a department, a photo, a merge),
/// through the one transition path.
#[allow(clippy::too_many_arguments)]
pub fn take_step(
    conn: &mut DbConnection,
    user: &User,
    id: i64,
    name: &str,
    version: i32,
    step: &EventStep,
    per_file: usize,
    client: &str,
) -> Result<Fired, ServiceError> {
    let refuse = |zh: &str, en: &str| {
        ServiceError::Rejected(vec![crate::domain::reason::Reason::new(zh, en)])
    };
    let photo = step.photo.as_ref().filter(|p| !p.content.is_empty());
    if PHOTO_STEPS.contains(&name) {
        match photo {
            None => {
                return Err(refuse("请上传处置结果照片", "Add a photo of the result"));
            }
            Some(p) if !check_photos(&[p], per_file).is_empty() => {
                return Err(refuse(
                    "照片须为 JPG、PNG 或 PDF，且不超过大小限制",
                    "The photo must be a JPG, PNG or PDF within the size limit",
                ));
            }
            Some(_) => {}
        }
    }
    crate::db::write_transaction(conn, |conn| {
        let case = event_case(conn, id)?;
        let event = grid_queries::find_event(conn, id)?.ok_or(ServiceError::NotFound)?;
        match name {
            "close_on_spot" => {
                let kind = grid_queries::event_type(conn, &event.event_type)?
                    .ok_or_else(|| corrupt("event type"))?;
                if !kind.on_the_spot {
                    return Err(refuse(
                        "此类事件须派遣部门处置，不能自行处置",
                        "This type of event is dispatched to its department, not closed on the spot",
                    ));
                }
            }
            "dispatch" | "redirect" => {
                let code = if step.department.is_empty() && name == "dispatch" {
                    grid_queries::event_type(conn, &event.event_type)?
                        .ok_or_else(|| corrupt("event type"))?
                        .department_code
                } else {
                    step.department.clone()
                };
                let department_id = queries::department_id(conn, &code)?
                    .ok_or_else(|| refuse("请选择处置部门", "Choose the department"))?;
                if name == "redirect" && case.department_id == Some(department_id) {
                    return Err(refuse("请选择另一个部门", "Choose another department"));
                }
                // Access first (a stranger learns nothing), then the department moves.
                access(conn, user, id)?;
                set_event_department(conn, &case, department_id)?;
            }
            "merge" => {
                let number = crate::domain::tracking::TrackingNumber::parse(&step.merge_into)
                    .map_err(|_| {
                        refuse(
                            "请填写要并入的事件编号",
                            "Give the number of the event to merge into",
                        )
                    })?;
                let into = grid_queries::event_id_by_number(conn, number.as_str())?
                    .filter(|other| *other != id)
                    .ok_or_else(|| {
                        refuse("没有这个编号的网格事件", "No grid event has this number")
                    })?;
                let target = queries::find_case(conn, into)?.ok_or(ServiceError::NotFound)?;
                if crate::domain::grid_event::CLOSED_STATES.contains(&target.status.as_str()) {
                    return Err(refuse(
                        "只能并入尚未结案的事件",
                        "An event can only be merged into one still open",
                    ));
                }
                grid_queries::set_merged_into(conn, id, into)?;
            }
            _ => {}
        }
        let input = TransitionInput {
            note: if name == "merge" {
                step.merge_into.trim().to_uppercase()
            } else {
                step.note.clone()
            },
            decision: step.decision.clone(),
            checklist: Vec::new(),
        };
        let fired = fire(conn, user, id, name, version, &input, client)?;
        if let Some(photo) = photo.filter(|_| PHOTO_STEPS.contains(&name)) {
            store_photo(conn, id, photo, RESULT_PHOTO_MATERIAL, now())?;
        }
        Ok(fired)
    })
}

fn set_event_department(
    conn: &mut DbConnection,
    case: &CaseRow,
    department_id: i64,
) -> Result<(), ServiceError> {
    crate::db::hotline::set_department(conn, case.id, department_id)?;
    Ok(())
}

/// Keeps the command centre's counts as a step moves an event (called by [`fire`] in its
/// transaction): a dispatch counts for its department, a closure (or a merge) for the day it
/// happens, on time when the event's clock says so.
pub(super) fn count_step(
    conn: &mut DbConnection,
    case: &CaseRow,
    to: &str,
    department_code: &str,
    on_time: Option<bool>,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    let Some(event) = grid_queries::find_event(conn, case.id)? else {
        return Ok(());
    };
    let closes = crate::domain::grid_event::CLOSED_STATES.contains(&to);
    let change = grid_queries::CountChange {
        found: 0,
        dispatched: i32::from(
            to == "event_handling"
                && matches!(case.status.as_str(), "event_reported" | "event_returned"),
        ),
        closed: i32::from(closes),
        // A merged report is answered with the event it joined: not late on its own account.
        closed_on_time: i32::from(closes && (to == "event_merged" || on_time != Some(false))),
    };
    grid_queries::count(conn, today, event.count_place(), department_code, change)?;
    if closes {
        grid_queries::set_closed(conn, case.id, today)?;
    }
    Ok(())
}

/// The event case `id`, or not found.
fn event_case(conn: &mut DbConnection, id: i64) -> Result<CaseRow, ServiceError> {
    queries::find_case(conn, id)?
        .filter(|c| c.kind == KIND_EVENT)
        .ok_or(ServiceError::NotFound)
}

/// Whether `user` sees event `id` (the grid's worker, the street's inspector, the command
/// centre; the department holding it; its citizen reporter), and may act on it.
pub(super) fn event_visibility(
    conn: &mut DbConnection,
    user: &User,
    case: &CaseRow,
    department_code: &str,
) -> Result<(bool, bool), ServiceError> {
    let Some(event) = grid_queries::find_event(conn, case.id)? else {
        return Ok((false, false));
    };
    Ok(match user.role {
        Role::Commander => (true, false),
        Role::GridWorker => (
            event.reporter_id == Some(user.id)
                || grid_queries::is_assigned(conn, user.id, event.grid_id)?,
            false,
        ),
        Role::Inspector => (
            grid_queries::inspector_street(conn, user.id)? == Some(event.street_id),
            true,
        ),
        role if role.is_staff() => (
            !department_code.is_empty() && user.works_in(department_code),
            false,
        ),
        role if role.is_applicant() => (case.applicant_id == Some(user.id), false),
        _ => (false, false),
    })
}
