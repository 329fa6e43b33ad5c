//! Administrators change how services are handled, without a developer: workflow drafts edited
//! as readable TOML, checked at every save and published as new immutable versions (running
//! applications keep theirs), which workflow each service runs, and the calendar's holidays
//! and make-up days. Every change is recorded with what it was before and after.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};

use super::{ServiceError, stored_now as now};
use crate::db::DbConnection;
use crate::db::admin::{self as queries, DraftRow, NewAdminEvent, ServiceScope};
use crate::domain::calendar::YearStatus;
use crate::domain::diagram::{self, Diagram};
use crate::domain::forms::FormDefinition;
use crate::domain::reason::Reason;
use crate::domain::workflow::{Definition, DefinitionProblem};

/// A workflow as the list shows it.
#[derive(Debug, Clone)]
pub struct WorkflowSummary {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub newest_version: i32,
    pub services: i64,
}

fn parse_stored(json: &str) -> Result<Definition, ServiceError> {
    serde_json::from_str(json).map_err(|e| ServiceError::Corrupt(e.to_string()))
}

/// Every workflow with its newest version and how many services run it.
pub fn workflows(conn: &mut DbConnection) -> Result<Vec<WorkflowSummary>, ServiceError> {
    let counts = queries::services_per_workflow(conn)?;
    let mut summaries: Vec<WorkflowSummary> = Vec::new();
    // Ordered by key and version: the last row of a key is its newest version.
    for (_, key, version, json) in crate::db::workflow::all_definitions(conn)? {
        let definition = parse_stored(&json)?;
        let services = counts
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |(_, n)| *n);
        let summary = WorkflowSummary {
            key: key.clone(),
            name_zh: definition.name_zh,
            name_en: definition.name_en,
            newest_version: version,
            services,
        };
        match summaries.iter_mut().find(|s| s.key == key) {
            Some(existing) => *existing = summary,
            None => summaries.push(summary),
        }
    }
    Ok(summaries)
}

/// One version of a workflow with what surrounds it.
pub struct WorkflowPage {
    pub key: String,
    pub definition: Definition,
    pub version: i32,
    pub source: String,
    pub diagram: Diagram,
    pub published_at: NaiveDateTime,
    pub publisher: Option<String>,
    /// Every version: (version, published at, publisher).
    pub versions: Vec<(i32, NaiveDateTime, Option<String>)>,
    pub services: Vec<(String, String)>,
    pub service_count: i64,
    pub drafts: Vec<DraftRow>,
}

/// Services listed on a workflow's page.
const SERVICES_LISTED: i64 = 100;

/// A workflow at `version` (its newest when `None`).
pub fn workflow(
    conn: &mut DbConnection,
    key: &str,
    version: Option<i32>,
) -> Result<WorkflowPage, ServiceError> {
    let versions = queries::versions(conn, key)?;
    let shown = match version {
        Some(v) => versions.iter().find(|(n, ..)| *n == v),
        None => versions.first(),
    }
    .ok_or(ServiceError::NotFound)?;
    let definition = parse_stored(&shown.1)?;
    let service_count = queries::services_per_workflow(conn)?
        .into_iter()
        .find(|(k, _)| k == key)
        .map_or(0, |(_, n)| n);
    Ok(WorkflowPage {
        key: key.to_owned(),
        version: shown.0,
        source: definition.to_toml(),
        diagram: diagram::layout(&definition, None),
        published_at: shown.2,
        publisher: shown.3.clone(),
        definition,
        versions: versions
            .iter()
            .map(|(v, _, at, by)| (*v, *at, by.clone()))
            .collect(),
        services: queries::services_of(conn, key, SERVICES_LISTED)?,
        service_count,
        drafts: queries::open_drafts(conn, key)?,
    })
}

/// A version as its TOML file, for export.
pub fn export(conn: &mut DbConnection, key: &str, version: i32) -> Result<String, ServiceError> {
    let versions = queries::versions(conn, key)?;
    let (_, json, ..) = versions
        .iter()
        .find(|(v, ..)| *v == version)
        .ok_or(ServiceError::NotFound)?;
    Ok(parse_stored(json)?.to_toml())
}

// ---- Drafts ----

/// A draft with what its source says now.
pub struct DraftPage {
    pub draft: DraftRow,
    /// The problems of the source as saved, one per entry (checked afresh for each page, so
    /// that they are in the reader's language and follow the departments as they are now).
    pub problems: Vec<Reason>,
    /// The state graph, when the source can be read.
    pub diagram: Option<Diagram>,
    /// The definition, when the source can be read (for the editor's forms).
    pub definition: Option<Definition>,
}

/// Everything wrong with a draft's source: the reader's message, or every problem of the
/// definition, or a key other than the draft's, or a joint-review department that does not
/// exist.
fn problems_of(
    conn: &mut DbConnection,
    key: &str,
    source: &str,
) -> Result<(Vec<Reason>, Option<Definition>), ServiceError> {
    let definition = match Definition::parse(source) {
        Ok(definition) => definition,
        Err(problem) => return Ok((vec![problem.reason()], None)),
    };
    let mut problems: Vec<Reason> = definition
        .problems()
        .iter()
        .map(DefinitionProblem::reason)
        .collect();
    if definition.key != key {
        problems.push(Reason::new(
            format!("key 必须保持为 {key}（草稿发布的是它自己流程的新版本）"),
            format!("the key must stay {key} (a draft publishes a version of its own workflow)"),
        ));
    }
    let departments = crate::db::catalog::all_departments(conn)?;
    for state in &definition.states {
        for code in &state.co_review {
            if !departments.iter().any(|(_, d)| &d.code == code) {
                problems.push(Reason::new(
                    format!("状态 {} 用了不存在的部门 {code}", state.code),
                    format!("state {} names the unknown department {code}", state.code),
                ));
            }
        }
    }
    Ok((problems, Some(definition)))
}

/// What a draft row keeps of its problems: a record in English, one per line (pages check the
/// source afresh instead).
fn in_english(problems: &[Reason]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn draft(conn: &mut DbConnection, id: i64) -> Result<DraftPage, ServiceError> {
    let draft = queries::find_draft(conn, id)?.ok_or(ServiceError::NotFound)?;
    let (problems, definition) = problems_of(conn, &draft.key, &draft.source)?;
    let diagram = definition.as_ref().map(|d| diagram::layout(d, None));
    Ok(DraftPage {
        draft,
        problems,
        diagram,
        definition,
    })
}

/// Every kind of administrator's change the log records; the log names each in words
/// (`admin_event.<kind with _ for .>` in the locale files).
pub const EVENT_KINDS: [&str; 22] = [
    "calendar.confirm",
    "calendar.put",
    "calendar.remove",
    "device.issue",
    "device.revoke",
    "event_type.add",
    "event_type.edit",
    "form_definition.discard",
    "form_definition.draft",
    "form_definition.publish",
    "hotline_type.limits",
    "outbox.send_again",
    "territory.import",
    "user.activate",
    "user.create",
    "user.deactivate",
    "user.update",
    "workflow.assign",
    "workflow.draft",
    "workflow.draft.save",
    "workflow.import",
    "workflow.publish",
];

/// Records an administrator's change (or, with no actor, one made from the command line) in the
/// caller's transaction.
pub(crate) fn record_change(
    conn: &mut DbConnection,
    actor: Option<i64>,
    kind: &str,
    subject: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<(), ServiceError> {
    debug_assert!(EVENT_KINDS.contains(&kind), "{kind} is not in EVENT_KINDS");
    queries::record(
        conn,
        &NewAdminEvent {
            actor_id: actor,
            kind,
            subject,
            before,
            after,
            created_at: now(),
        },
    )?;
    Ok(())
}

fn record(
    conn: &mut DbConnection,
    admin_id: i64,
    kind: &str,
    subject: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<(), ServiceError> {
    record_change(conn, Some(admin_id), kind, subject, before, after)
}

/// Stores a new draft whose source passed the checks; returns its id.
fn new_draft(
    conn: &mut DbConnection,
    admin_id: i64,
    key: &str,
    based_on: Option<i32>,
    source: &str,
) -> Result<i64, ServiceError> {
    let at = now();
    Ok(queries::insert_draft(
        conn,
        &queries::NewDraft {
            key,
            based_on,
            source,
            problems: "",
            lock_version: 0,
            created_by: Some(admin_id),
            updated_by: Some(admin_id),
            created_at: at,
            updated_at: at,
        },
    )?)
}

/// Starts a draft from a published version; returns its id.
pub fn start_draft(
    conn: &mut DbConnection,
    admin_id: i64,
    key: &str,
    version: i32,
) -> Result<i64, ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let source = export(conn, key, version)?;
        let id = new_draft(conn, admin_id, key, Some(version), &source)?;
        record(
            conn,
            admin_id,
            "workflow.draft",
            &format!("{key} draft {id} from v{version}"),
            None,
            None,
        )?;
        Ok(id)
    })
}

/// Saves a draft's source with its problems (an invalid draft is kept, with its errors). A
/// save based on an older `lock_version` than the stored one is refused: another administrator
/// saved meanwhile, and nothing of theirs is overwritten.
pub fn save_draft(
    conn: &mut DbConnection,
    admin_id: i64,
    id: i64,
    lock_version: i32,
    source: &str,
) -> Result<Vec<Reason>, ServiceError> {
    if source.len() > crate::domain::workflow::MAX_SOURCE_BYTES {
        return Err(ServiceError::Rejected(vec![
            crate::domain::workflow::SourceProblem::TooLarge.reason(),
        ]));
    }
    crate::db::write_transaction(conn, |conn| {
        let draft = queries::find_draft(conn, id)?.ok_or(ServiceError::NotFound)?;
        if draft.published_version.is_some() {
            return Err(ServiceError::NotADraft);
        }
        let (problems, _) = problems_of(conn, &draft.key, source)?;
        if !queries::save_draft(
            conn,
            id,
            lock_version,
            source,
            &in_english(&problems),
            admin_id,
            now(),
        )? {
            return Err(ServiceError::StaleVersion);
        }
        record(
            conn,
            admin_id,
            "workflow.draft.save",
            &format!("{} draft {id}", draft.key),
            Some(&draft.source),
            Some(source),
        )?;
        Ok(problems)
    })
}

/// Applies an edit made with the editor's forms to a draft and saves it like a typed save (its
/// problems listed, optimistic locking). A draft whose text cannot be read must be fixed as
/// text first.
pub fn edit_draft(
    conn: &mut DbConnection,
    admin_id: i64,
    id: i64,
    lock_version: i32,
    edit: crate::domain::workflow::Edit,
) -> Result<Vec<Reason>, ServiceError> {
    let draft = queries::find_draft(conn, id)?.ok_or(ServiceError::NotFound)?;
    let mut definition = Definition::parse(&draft.source).map_err(|problem| {
        let mut reason = problem.reason();
        reason.zh = format!("请先修正文本：{}", reason.zh);
        reason.en = format!("Fix the text first: {}", reason.en);
        ServiceError::Rejected(vec![reason])
    })?;
    definition
        .apply(edit)
        .map_err(|problem| ServiceError::Rejected(vec![problem.reason()]))?;
    save_draft(conn, admin_id, id, lock_version, &definition.to_toml())
}

/// Publishes a draft as the workflow's next version; returns it. A draft with problems, or one
/// saved by somebody else since `lock_version`, is refused and nothing is published.
pub fn publish(
    conn: &mut DbConnection,
    admin_id: i64,
    id: i64,
    lock_version: i32,
) -> Result<i32, ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let draft = queries::find_draft(conn, id)?.ok_or(ServiceError::NotFound)?;
        if draft.published_version.is_some() {
            return Err(ServiceError::NotADraft);
        }
        if draft.lock_version != lock_version {
            return Err(ServiceError::StaleVersion);
        }
        let (problems, definition) = problems_of(conn, &draft.key, &draft.source)?;
        let definition = match definition {
            Some(definition) if problems.is_empty() => definition,
            _ => return Err(ServiceError::Rejected(problems)),
        };
        let previous = queries::newest_version(conn, &draft.key)?;
        let version = previous.unwrap_or(0) + 1;
        let before = match previous {
            Some(v) => Some(export(conn, &draft.key, v)?),
            None => None,
        };
        let json =
            serde_json::to_string(&definition).map_err(|e| ServiceError::Corrupt(e.to_string()))?;
        crate::db::workflow::insert_definition(
            conn,
            &crate::db::workflow::NewDefinition {
                key: &draft.key,
                version,
                definition: &json,
                published_at: now(),
                published_by: Some(admin_id),
            },
        )?;
        if !queries::mark_published(conn, id, lock_version, version)? {
            return Err(ServiceError::StaleVersion);
        }
        record(
            conn,
            admin_id,
            "workflow.publish",
            &format!("{} v{version}", draft.key),
            before.as_deref(),
            Some(&definition.to_toml()),
        )?;
        Ok(version)
    })
}

/// Imports a definition file as a new draft of its workflow (a new workflow if its key is new);
/// returns the draft's id. It is checked exactly as the editor checks a save, and a file with
/// any problem is refused whole: nothing is stored.
pub fn import(conn: &mut DbConnection, admin_id: i64, text: &str) -> Result<i64, ServiceError> {
    let key = match Definition::parse(text) {
        Ok(definition) => definition.key,
        Err(problem) => return Err(ServiceError::Rejected(vec![problem.reason()])),
    };
    crate::db::write_transaction(conn, |conn| {
        let (problems, _) = problems_of(conn, &key, text)?;
        if !problems.is_empty() {
            return Err(ServiceError::Rejected(problems));
        }
        let based_on = queries::newest_version(conn, &key)?;
        let id = new_draft(conn, admin_id, &key, based_on, text)?;
        record(
            conn,
            admin_id,
            "workflow.import",
            &format!("{key} draft {id}"),
            None,
            Some(text),
        )?;
        Ok(id)
    })
}

// ---- Diff ----

/// One row of a side-by-side diff: the left line (number, text), the right line, and whether
/// the row differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    pub left: Option<(usize, String)>,
    pub right: Option<(usize, String)>,
    pub changed: bool,
}

/// The two versions' TOML side by side, line by line.
pub fn diff(
    conn: &mut DbConnection,
    key: &str,
    from: i32,
    to: i32,
) -> Result<Vec<DiffRow>, ServiceError> {
    let old = export(conn, key, from)?;
    let new = export(conn, key, to)?;
    Ok(side_by_side(&old, &new))
}

/// Pairs the lines of `old` and `new`: unchanged lines side by side, a replaced block row by
/// row, an inserted or deleted line against an empty side.
pub fn side_by_side(old: &str, new: &str) -> Vec<DiffRow> {
    use similar::{DiffOp, TextDiff};
    let diff = TextDiff::from_lines(old, new);
    let (old_lines, new_lines): (Vec<&str>, Vec<&str>) =
        (old.lines().collect(), new.lines().collect());
    let line = |lines: &[&str], i: usize| {
        Some((i + 1, lines.get(i).copied().unwrap_or_default().to_owned()))
    };
    let mut rows = Vec::new();
    for op in diff.ops() {
        match *op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                rows.extend((0..len).map(|i| DiffRow {
                    left: line(&old_lines, old_index + i),
                    right: line(&new_lines, new_index + i),
                    changed: false,
                }));
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                rows.extend((0..old_len).map(|i| DiffRow {
                    left: line(&old_lines, old_index + i),
                    right: None,
                    changed: true,
                }));
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                rows.extend((0..new_len).map(|i| DiffRow {
                    left: None,
                    right: line(&new_lines, new_index + i),
                    changed: true,
                }));
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                rows.extend((0..old_len.max(new_len)).map(|i| {
                    DiffRow {
                        left: (i < old_len)
                            .then(|| line(&old_lines, old_index + i))
                            .flatten(),
                        right: (i < new_len)
                            .then(|| line(&new_lines, new_index + i))
                            .flatten(),
                        changed: true,
                    }
                }));
            }
        }
    }
    rows
}

// ---- Assignment ----

/// Makes the services of `scope` run workflow `key` (new applications only: submitted ones keep
/// their pinned version); returns how many services changed.
pub fn assign(
    conn: &mut DbConnection,
    admin_id: i64,
    key: &str,
    scope: &ServiceScope,
) -> Result<usize, ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        if queries::newest_version(conn, key)?.is_none() {
            return Err(ServiceError::NotFound);
        }
        if crate::domain::workflow::runs_own_kind(key) {
            return Err(ServiceError::Rejected(vec![Reason::new(
                "该流程只用于差评整改或热线诉求，不能指定给办理项",
                "This workflow runs the remedies of bad ratings or hotline requests; no service can run it",
            )]));
        }
        let services = queries::services_in(conn, scope)?;
        if services.is_empty() {
            let scope_zh = match scope {
                ServiceScope::Service(code) => format!("办理项 {code}"),
                ServiceScope::ItemType(kind) => format!("事项类型 {kind}"),
                ServiceScope::Department(code) => format!("部门 {code}"),
            };
            return Err(ServiceError::Rejected(vec![Reason::new(
                format!("没有符合条件的办理项：{scope_zh}"),
                format!("No service matches: {scope}"),
            )]));
        }
        let ids: Vec<i64> = services.iter().map(|(id, ..)| *id).collect();
        let changed = queries::assign_workflow(conn, &ids, key)?;
        let before: Vec<String> = services
            .iter()
            .map(|(_, code, old)| format!("{code} {old}"))
            .collect();
        let after: Vec<String> = services
            .iter()
            .map(|(_, code, _)| format!("{code} {key}"))
            .collect();
        record(
            conn,
            admin_id,
            "workflow.assign",
            &format!("{scope} → {key}"),
            Some(&before.join("\n")),
            Some(&after.join("\n")),
        )?;
        Ok(changed)
    })
}

// ---- Forms ----

/// A service's form as the editor shows it: its open draft if there is one, else the newest
/// published version.
pub struct FormEditor {
    pub service_code: String,
    pub service_name: String,
    /// The newest published version.
    pub version: i32,
    pub published: FormDefinition,
    /// The open draft: (id, lock version), with its source and problems below.
    pub draft: Option<(i64, i32)>,
    pub source: String,
    pub problems: Vec<Reason>,
}

fn form_toml(definition: &FormDefinition) -> String {
    toml::to_string_pretty(definition).expect("a form is representable in TOML")
}

fn service_form(
    conn: &mut DbConnection,
    code: &str,
) -> Result<(i64, String, i32, FormDefinition), ServiceError> {
    let (service_id, service_name) =
        queries::service_by_code(conn, code)?.ok_or(ServiceError::NotFound)?;
    let (version, json) = queries::newest_form(conn, service_id)?.ok_or(ServiceError::NotFound)?;
    let definition =
        serde_json::from_str(&json).map_err(|e| ServiceError::Corrupt(e.to_string()))?;
    Ok((service_id, service_name, version, definition))
}

pub fn form_editor(conn: &mut DbConnection, code: &str) -> Result<FormEditor, ServiceError> {
    let (service_id, service_name, version, published) = service_form(conn, code)?;
    let draft = queries::open_form_draft(conn, service_id)?;
    // The problems are checked afresh, in the reader's language.
    let (source, problems) = match &draft {
        Some((_, _, source, _, _)) => {
            (source.clone(), check_form(source).err().unwrap_or_default())
        }
        None => (form_toml(&published), Vec::new()),
    };
    Ok(FormEditor {
        service_code: code.to_owned(),
        service_name,
        version,
        published,
        draft: draft.map(|(id, _, _, _, lock)| (id, lock)),
        source,
        problems,
    })
}

/// Reads and checks a form's TOML: the definition, or every problem.
pub fn check_form(source: &str) -> Result<FormDefinition, Vec<Reason>> {
    use crate::domain::workflow::SourceProblem;
    if source.len() > crate::domain::workflow::MAX_SOURCE_BYTES {
        return Err(vec![SourceProblem::TooLarge.reason()]);
    }
    let definition: FormDefinition = toml::from_str(source).map_err(|e| {
        vec![SourceProblem::Syntax(crate::domain::workflow::toml_syntax(source, &e)).reason()]
    })?;
    definition.check()?;
    Ok(definition)
}

/// Saves the form's draft (starting one from the newest version when `draft` is `None`), with
/// its problems; a draft with problems is kept. Refused as stale when somebody else saved,
/// started or published one since the editor was opened.
pub fn save_form_draft(
    conn: &mut DbConnection,
    admin_id: i64,
    code: &str,
    draft: Option<(i64, i32)>,
    source: &str,
) -> Result<Vec<Reason>, ServiceError> {
    let problems = check_form(source).err().unwrap_or_default();
    crate::db::write_transaction(conn, |conn| {
        let (service_id, _, version, published) = service_form(conn, code)?;
        let open = queries::open_form_draft(conn, service_id)?;
        let before = match (&open, draft) {
            (None, None) => {
                queries::insert_form_draft(
                    conn,
                    service_id,
                    version,
                    source,
                    &in_english(&problems),
                    admin_id,
                    now(),
                )?;
                form_toml(&published)
            }
            (Some((id, _, old, _, _)), Some((draft_id, lock))) if *id == draft_id => {
                if !queries::save_form_draft(
                    conn,
                    draft_id,
                    lock,
                    source,
                    &in_english(&problems),
                    admin_id,
                    now(),
                )? {
                    return Err(ServiceError::StaleVersion);
                }
                old.clone()
            }
            _ => return Err(ServiceError::StaleVersion),
        };
        record(
            conn,
            admin_id,
            "form_definition.draft",
            code,
            Some(&before),
            Some(source),
        )?;
        Ok(problems.clone())
    })
}

/// Publishes the form's open draft as the next version, if it passes the checks, nobody saved it
/// since `lock`, and no other version was published since it started. Applications already
/// started keep the version they were filled with.
pub fn publish_form_draft(
    conn: &mut DbConnection,
    admin_id: i64,
    code: &str,
    (draft_id, lock): (i64, i32),
) -> Result<i32, ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let (service_id, _, current, published) = service_form(conn, code)?;
        let Some((id, based_on, source, _, stored_lock)) =
            queries::open_form_draft(conn, service_id)?
        else {
            return Err(ServiceError::StaleVersion);
        };
        if id != draft_id || stored_lock != lock || based_on != current {
            return Err(ServiceError::StaleVersion);
        }
        let definition = check_form(&source).map_err(ServiceError::Rejected)?;
        let version = current + 1;
        let stored =
            serde_json::to_string(&definition).map_err(|e| ServiceError::Corrupt(e.to_string()))?;
        crate::db::applications::insert_form_definitions(
            conn,
            &[crate::db::applications::NewFormDefinition {
                service_id,
                version,
                definition: stored,
                created_at: now(),
            }],
        )?;
        if !queries::close_form_draft(conn, id, lock, Some(version))? {
            return Err(ServiceError::StaleVersion);
        }
        record(
            conn,
            admin_id,
            "form_definition.publish",
            &format!("{code} v{version}"),
            Some(&form_toml(&published)),
            Some(&form_toml(&definition)),
        )?;
        Ok(version)
    })
}

/// Discards the form's open draft.
pub fn discard_form_draft(
    conn: &mut DbConnection,
    admin_id: i64,
    code: &str,
    (draft_id, lock): (i64, i32),
) -> Result<(), ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        if !queries::close_form_draft(conn, draft_id, lock, None)? {
            return Err(ServiceError::StaleVersion);
        }
        record(conn, admin_id, "form_definition.discard", code, None, None)
    })
}

// ---- Calendar ----

/// The years the calendar editor accepts.
pub const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 2020..=2100;

/// A year of the calendar as the editor shows it.
pub struct CalendarYearView {
    pub days: Vec<(NaiveDate, String, String)>,
    /// "provisional", "confirmed", or none: the year has no calendar (weekends only).
    pub status: Option<String>,
    pub source: String,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<NaiveDateTime>,
    /// The years to confirm now: this one and, from 1 October, the next, unless confirmed.
    pub to_settle: Vec<i32>,
    /// The years before and after, when the editor can show them (see [`CALENDAR_YEARS`]).
    pub previous: Option<i32>,
    pub next: Option<i32>,
}

/// The years administrators are warned about today (see [`years_to_settle`]).
pub fn years_to_settle(conn: &mut DbConnection) -> Result<Vec<i32>, ServiceError> {
    let settled: Vec<i32> = crate::db::workflow::calendar_years(conn)?
        .iter()
        .filter(|y| y.1 == YearStatus::Confirmed.code())
        .map(|y| y.0)
        .collect();
    let mut years =
        crate::domain::calendar::years_to_settle(&settled, crate::services::workflow::today());
    // Only years the editor can show are offered as links.
    years.retain(|y| CALENDAR_YEARS.contains(y));
    Ok(years)
}

pub fn calendar_year(conn: &mut DbConnection, year: i32) -> Result<CalendarYearView, ServiceError> {
    if !CALENDAR_YEARS.contains(&year) {
        return Err(ServiceError::NotFound);
    }
    let this = crate::db::workflow::calendar_years(conn)?
        .into_iter()
        .find(|y| y.0 == year);
    Ok(CalendarYearView {
        days: queries::calendar_year(conn, year)?,
        status: this.as_ref().map(|y| y.1.clone()),
        source: this.as_ref().map(|y| y.2.clone()).unwrap_or_default(),
        confirmed_by: this.as_ref().and_then(|y| y.3.clone()),
        confirmed_at: this.and_then(|y| y.4),
        to_settle: self::years_to_settle(conn)?,
        previous: Some(year - 1).filter(|y| CALENDAR_YEARS.contains(y)),
        next: Some(year + 1).filter(|y| CALENDAR_YEARS.contains(y)),
    })
}

/// Marks a year's calendar as the official one, after its notice (`source`) was entered: its
/// deadlines are no longer shown as "may move". On the record.
pub fn confirm_calendar_year(
    conn: &mut DbConnection,
    admin_id: i64,
    year: i32,
    source: &str,
) -> Result<(), ServiceError> {
    let source = source.trim();
    if !CALENDAR_YEARS.contains(&year) {
        return Err(ServiceError::NotFound);
    }
    if source.is_empty() || source.chars().count() > 200 || source.contains(['<', '>']) {
        return Err(ServiceError::Rejected(vec![Reason::new(
            "请写明官方通知的名称，不超过 200 字的纯文本",
            "Name the official notice in up to 200 characters of plain text",
        )]));
    }
    crate::db::write_transaction(conn, |conn| {
        let before = crate::db::workflow::calendar_years(conn)?
            .into_iter()
            .find(|y| y.0 == year)
            .map(|y| format!("{} {}", y.1, y.2));
        crate::db::workflow::put_calendar_year(
            conn,
            year,
            YearStatus::Confirmed.code(),
            source,
            Some((admin_id, now())),
        )?;
        record(
            conn,
            admin_id,
            "calendar.confirm",
            &year.to_string(),
            before.as_deref(),
            Some(&format!("confirmed {source}")),
        )
    })
}

/// Records a holiday (a weekday off) or a make-up working day (a weekend day worked). In the
/// same transaction every running clock it moves is recomputed (see
/// [`crate::services::workflow::recompute_clocks`]).
pub fn put_calendar_day(
    conn: &mut DbConnection,
    admin_id: i64,
    day: NaiveDate,
    kind: &str,
    note: &str,
) -> Result<(), ServiceError> {
    let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
    let mut problems = Vec::new();
    if !CALENDAR_YEARS.contains(&day.year()) {
        problems.push(Reason::new(
            format!(
                "{day} 不在 {}–{} 年之内",
                CALENDAR_YEARS.start(),
                CALENDAR_YEARS.end()
            ),
            format!(
                "{day} is outside the years {}–{}",
                CALENDAR_YEARS.start(),
                CALENDAR_YEARS.end()
            ),
        ));
    }
    match kind {
        "holiday" if weekend => problems.push(Reason::new(
            format!("{day} 已是周末：节假日是不上班的工作日"),
            format!("{day} is a weekend day already: a holiday is a weekday off"),
        )),
        "workday" if !weekend => problems.push(Reason::new(
            format!("{day} 已是工作日：调休上班日是周六或周日"),
            format!("{day} is a weekday already: a make-up working day is a Saturday or Sunday"),
        )),
        "holiday" | "workday" => {}
        _ => problems.push(Reason::new(
            "请选择节假日或调休上班日",
            "Choose a holiday or a make-up working day",
        )),
    }
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 100 || note.contains(['<', '>']) {
        problems.push(Reason::new(
            "请写明原因，不超过 100 字的纯文本",
            "Give the reason in up to 100 characters of plain text",
        ));
    }
    if !problems.is_empty() {
        return Err(ServiceError::Rejected(problems));
    }
    crate::db::write_transaction(conn, |conn| {
        let before = queries::calendar_day(conn, day)?.map(|(k, n)| format!("{k} {n}"));
        let calendar_before = crate::services::workflow::load_calendar(conn)?;
        queries::put_calendar_day(conn, day, kind, note)?;
        record(
            conn,
            admin_id,
            "calendar.put",
            &day.to_string(),
            before.as_deref(),
            Some(&format!("{kind} {note}")),
        )?;
        recompute(conn, &calendar_before, day, admin_id)
    })
}

pub fn remove_calendar_day(
    conn: &mut DbConnection,
    admin_id: i64,
    day: NaiveDate,
) -> Result<(), ServiceError> {
    crate::db::write_transaction(conn, |conn| {
        let before = queries::calendar_day(conn, day)?.ok_or(ServiceError::NotFound)?;
        let calendar_before = crate::services::workflow::load_calendar(conn)?;
        queries::remove_calendar_day(conn, day)?;
        record(
            conn,
            admin_id,
            "calendar.remove",
            &day.to_string(),
            Some(&format!("{} {}", before.0, before.1)),
            None,
        )?;
        recompute(conn, &calendar_before, day, admin_id)
    })
}

/// Recomputes the running clocks a change of `day` moved, and records how many.
fn recompute(
    conn: &mut DbConnection,
    before: &crate::domain::calendar::Calendar,
    day: NaiveDate,
    admin_id: i64,
) -> Result<(), ServiceError> {
    let after = crate::services::workflow::load_calendar(conn)?;
    let done = crate::services::workflow::recompute_clocks(
        conn,
        before,
        &after,
        (day, day),
        Some(admin_id),
    )?;
    tracing::info!(%day, moved = done.moved, told = done.told, "calendar change recomputed the clocks");
    Ok(())
}

// ---- The hotline's time limits ----

/// The longest answer limit, in working days, and the longest urgent one, in hours, that an
/// administrator may set: the national 12345 rules allow no longer.
pub const HOTLINE_MAX_DAYS: i32 = 30;
pub const HOTLINE_MAX_HOURS: i32 = 72;

/// Sets the time limits of a type of hotline request. Requests received from now on get them;
/// those already running keep the deadline they were given at receipt.
pub fn set_hotline_limits(
    conn: &mut DbConnection,
    admin_id: i64,
    code: &str,
    answer_days: &str,
    urgent_hours: &str,
) -> Result<(), ServiceError> {
    let mut problems = Vec::new();
    let days = answer_days
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|d| (1..=HOTLINE_MAX_DAYS).contains(d));
    if days.is_none() {
        problems.push(Reason::new(
            format!("答复时限应为 1 至 {HOTLINE_MAX_DAYS} 个工作日"),
            format!("The answer limit must be 1 to {HOTLINE_MAX_DAYS} working days"),
        ));
    }
    let hours = urgent_hours
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|h| (1..=HOTLINE_MAX_HOURS).contains(h));
    if hours.is_none() {
        problems.push(Reason::new(
            format!("紧急诉求时限应为 1 至 {HOTLINE_MAX_HOURS} 小时"),
            format!("The urgent limit must be 1 to {HOTLINE_MAX_HOURS} hours"),
        ));
    }
    let (Some(days), Some(hours)) = (days, hours) else {
        return Err(ServiceError::Rejected(problems));
    };
    crate::db::write_transaction(conn, |conn| {
        let before = crate::db::hotline::limits(conn, code)?.ok_or(ServiceError::NotFound)?;
        crate::db::hotline::update_type(conn, code, days, hours)?;
        record(
            conn,
            admin_id,
            "hotline_type.limits",
            code,
            Some(&format!("{} {}", before.0, before.1)),
            Some(&format!("{days} {hours}")),
        )
    })
}

// ---- The record ----

pub const ADMIN_LOG_PAGE: i64 = 50;

pub fn admin_log(
    conn: &mut DbConnection,
    before: Option<i64>,
) -> Result<Vec<queries::AdminEvent>, ServiceError> {
    Ok(queries::admin_events(conn, before, ADMIN_LOG_PAGE)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_pairs_unchanged_lines_and_marks_the_changed_ones() {
        let rows = side_by_side("a\nb\nc\n", "a\nB\nc\nd\n");
        let shown: Vec<(Option<&str>, Option<&str>, bool)> = rows
            .iter()
            .map(|r| {
                (
                    r.left.as_ref().map(|(_, t)| t.as_str()),
                    r.right.as_ref().map(|(_, t)| t.as_str()),
                    r.changed,
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (Some("a"), Some("a"), false),
                (Some("b"), Some("B"), true),
                (Some("c"), Some("c"), false),
                (None, Some("d"), true),
            ]
        );
        assert_eq!(rows[3].right, Some((4, "d".into())));
    }
}
