//! A department's queue: filtered, searched and paged by keyset, with the names of the workflows'
//! states and actions kept in memory.

use super::*;

/// Rows per queue page.
pub const QUEUE_PAGE: i64 = 50;

/// What the clerk narrows the queue by.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub state: Option<String>,
    pub service: Option<String>,
    pub level: Option<Level>,
    /// "mine" or "unassigned".
    pub assigned: Option<String>,
    /// A tracking number, part of the applicant's name or the last digits of their ID number
    /// or credit code: finds the department's applications in any state, finished ones too.
    pub search: Option<String>,
    pub newest_first: bool,
}

/// One page of a department's queue.
pub struct QueuePage {
    pub department_name: String,
    pub rows: Vec<(queries::QueueRow, Level)>,
    pub next: Option<queries::QueueCursor>,
    /// (state code, zh, en, count) for every non-terminal state of the workflows in use.
    pub counts: Vec<(String, String, String, i64)>,
    /// Transitions a clerk may fire from the list without a note, per state.
    pub quick: Vec<(String, Vec<engine::Transition>)>,
    pub co_review: Vec<(queries::QueueRow, Level)>,
    pub services: Vec<(String, String)>,
    pub today: NaiveDate,
}

/// The states a department works: the non-terminal states of every published workflow, in
/// the order of the default workflow.
pub(super) fn working_states(
    definitions: &[(i64, Arc<Definition>)],
) -> Vec<(String, String, String)> {
    let mut states: Vec<(String, String, String)> = Vec::new();
    for (_, d) in definitions {
        for s in &d.states {
            if s.kind != engine::StateKind::Terminal && !states.iter().any(|(c, ..)| c == &s.code) {
                states.push((s.code.clone(), s.name_zh.clone(), s.name_en.clone()));
            }
        }
    }
    states
}

/// The names of the states and transitions of every published workflow, newest version last
/// wins: the labels for an administrator's additions, which the locale files cannot know.
#[derive(Debug, Clone, Default)]
pub struct WorkflowLabels {
    states: std::collections::HashMap<String, (String, String)>,
    transitions: std::collections::HashMap<String, (String, String)>,
}

impl WorkflowLabels {
    /// (Chinese, English) of `code` as a `status`/`next` (state) or `event` (transition).
    pub fn lookup(&self, kind: &str, code: &str) -> Option<&(String, String)> {
        match kind {
            "status" | "next" => self.states.get(code),
            "event" => self.transitions.get(code),
            _ => None,
        }
    }
}

pub fn workflow_labels(conn: &mut DbConnection) -> Result<WorkflowLabels, ServiceError> {
    let mut labels = WorkflowLabels::default();
    for (_, definition) in parsed_definitions(conn)? {
        for s in &definition.states {
            labels
                .states
                .insert(s.code.clone(), (s.name_zh.clone(), s.name_en.clone()));
        }
        for t in &definition.transitions {
            labels
                .transitions
                .insert(t.name.clone(), (t.label_zh.clone(), t.label_en.clone()));
        }
    }
    Ok(labels)
}

/// The codes of [`working_states`].
pub(crate) fn working_state_codes(conn: &mut DbConnection) -> Result<Vec<String>, ServiceError> {
    Ok(working_states(&parsed_definitions(conn)?)
        .into_iter()
        .map(|(code, ..)| code)
        .collect())
}

pub(super) fn parsed_definitions(
    conn: &mut DbConnection,
) -> Result<Vec<(i64, Arc<Definition>)>, ServiceError> {
    queries::all_definition_digests(conn)?
        .into_iter()
        .map(|(id, digest)| Ok((id, parsed_definition(conn, id, &digest)?)))
        .collect()
}

/// A published version, parsed once per process: its text is read only when no version with
/// the same digest has been parsed yet.
pub(crate) fn parsed_definition(
    conn: &mut DbConnection,
    id: i64,
    digest: &str,
) -> Result<Arc<Definition>, ServiceError> {
    crate::services::parsed::WORKFLOWS.by_digest(digest, || {
        queries::definition_text(conn, id).map_err(ServiceError::from)
    })
}

pub fn queue(
    conn: &mut DbConnection,
    user: &User,
    department_code: &str,
    filter: &QueueFilter,
    after: Option<queries::QueueCursor>,
) -> Result<QueuePage, ServiceError> {
    if !user.works_in(department_code) {
        return Err(ServiceError::NotFound);
    }
    let crate::db::catalog::QueueDepartment {
        id: department_id,
        name: department_name,
        services,
    } = crate::db::catalog::department_with_services(conn, department_code)?
        .ok_or(ServiceError::NotFound)?;
    let definitions = parsed_definitions(conn)?;
    let working = working_states(&definitions);
    let states: Vec<String> = match &filter.state {
        Some(state) if working.iter().any(|(c, ..)| c == state) => vec![state.clone()],
        Some(_) => return Err(ServiceError::NotFound),
        // Every state but the draft, which no department sees.
        None if filter.search.is_some() => Vec::new(),
        None => working.iter().map(|(c, ..)| c.clone()).collect(),
    };
    let service_id = match &filter.service {
        Some(code) => {
            Some(crate::db::catalog::service_id(conn, code)?.ok_or(ServiceError::NotFound)?)
        }
        None => None,
    };
    let today = today();
    let query = queries::QueueQuery {
        department_id,
        states,
        service_id,
        level: filter.level,
        today,
        assignee: match filter.assigned.as_deref() {
            Some("mine") => Some(Some(user.id)),
            Some("unassigned") => Some(None),
            _ => None,
        },
        search: filter.search.as_deref().map(queries::QueueSearch::parse),
        newest_first: filter.newest_first,
    };
    let mut rows = queries::queue(conn, &query, after, QUEUE_PAGE + 1)?;
    let next = if rows.len() > usize::try_from(QUEUE_PAGE).unwrap_or(0) {
        rows.truncate(usize::try_from(QUEUE_PAGE).unwrap_or(0));
        rows.last().map(|r| {
            if filter.newest_first {
                queries::QueueCursor::Newest(r.submitted_at.unwrap_or_default(), r.id)
            } else {
                queries::QueueCursor::Deadline(r.due_on.unwrap_or(NO_DEADLINE), r.id)
            }
        })
    } else {
        None
    };
    let counts_by_state = queries::state_counts(conn, department_id)?;
    let counts = working
        .iter()
        .map(|(code, zh, en)| {
            let n = counts_by_state
                .iter()
                .find(|(s, _)| s == code)
                .map_or(0, |(_, n)| *n);
            (code.clone(), zh.clone(), en.clone(), n)
        })
        .collect();
    let actor = Actor {
        role: user.role,
        departments: &user.departments,
        is_applicant: false,
    };
    let never = |_: &str| 0;
    let mut quick: Vec<(String, Vec<engine::Transition>)> = Vec::new();
    if let Some((_, default)) = definitions.iter().rev().find(|(_, d)| d.key == "default") {
        for (code, ..) in &working {
            let situation = engine::Situation {
                state: code,
                department: department_code,
                promised_days: 1,
                opinions: &[],
                times_fired: &never,
                clock: engine::ClockSituation::default(),
            };
            let plain: Vec<engine::Transition> = engine::available(default, &situation, &actor)
                .into_iter()
                .filter(|t| {
                    !t.note_required
                        && !t.decision_required
                        && !t.checklist
                        && !t.sign_off
                        && !t.negative
                })
                .cloned()
                .collect();
            quick.push((code.clone(), plain));
        }
    }
    let pending: Vec<(i64, String)> = definitions
        .iter()
        .flat_map(|(id, d)| {
            d.states
                .iter()
                .filter(|s| s.co_review.iter().any(|c| c == department_code))
                .map(move |s| (*id, s.code.clone()))
        })
        .collect();
    let co_review = queries::co_review_tasks(conn, &pending, department_id, QUEUE_PAGE)?
        .into_iter()
        .map(|r| {
            let level = level_of(&r, today);
            (r, level)
        })
        .collect();
    Ok(QueuePage {
        department_name,
        rows: rows
            .into_iter()
            .map(|r| {
                let level = level_of(&r, today);
                (r, level)
            })
            .collect(),
        next,
        counts,
        quick,
        co_review,
        services,
        today,
    })
}

pub(super) fn level_of(row: &queries::QueueRow, today: NaiveDate) -> Level {
    stored_deadlines(row.due_on, row.warn_on, row.hard_due_on).level(today)
}
