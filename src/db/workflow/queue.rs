//! A department's queue by keyset, its filters and search, and the counts kept per state and card
//! level.

use super::*;
use crate::db::dates::{MaybeDay, MaybeStamp};

/// Which applications a queue shows.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    pub department_id: i64,
    pub states: Vec<String>,
    pub service_id: Option<i64>,
    /// Only those whose supervision level on `today` is this one.
    pub level: Option<crate::domain::clock::Level>,
    pub today: NaiveDate,
    /// `Some(Some(id))`: assigned to id; `Some(None)`: unassigned.
    pub assignee: Option<Option<i64>>,
    pub search: Option<QueueSearch>,
    pub newest_first: bool,
}

/// What a clerk typed into the queue's search box, read as what it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSearch {
    /// Upper-cased: tracking numbers, ID numbers and credit codes are stored so.
    upper: String,
    /// A LIKE pattern for part of the applicant's name.
    name_pattern: String,
    /// Four or more digits (an ID's last may be X): the end of an ID number or credit code.
    id_tail: Option<String>,
}

impl QueueSearch {
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        // A tracking number as a person reads it out: spaces, dashes and a lower-case x.
        let upper = crate::domain::tracking::TrackingNumber::parse(text)
            .map_or_else(|_| text.to_uppercase(), |n| n.as_str().to_owned());
        let id_tail = (upper.len() >= 4
            && upper.bytes().all(|b| b.is_ascii_alphanumeric())
            && upper.bytes().filter(u8::is_ascii_digit).count() >= 4)
            .then(|| format!("%{}", crate::db::catalog::escape_like(&upper)));
        QueueSearch {
            name_pattern: format!("%{}%", crate::db::catalog::escape_like(text)),
            upper,
            id_tail,
        }
    }
}

/// A row of the queue.
#[derive(Debug, Clone, Queryable)]
pub struct QueueRow {
    pub id: i64,
    pub tracking_number: Option<String>,
    pub status: String,
    pub version: i32,
    pub service_code: String,
    pub service_name: String,
    pub service_name_en: String,
    pub applicant_name: String,
    pub assignee_id: Option<i64>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub submitted_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeDay)]
    pub due_on: Option<NaiveDate>,
    #[diesel(deserialize_as = MaybeDay)]
    pub warn_on: Option<NaiveDate>,
    #[diesel(deserialize_as = MaybeDay)]
    pub hard_due_on: Option<NaiveDate>,
    pub deemed_accepted: bool,
    /// The first day of the special procedure under way, if any.
    #[diesel(deserialize_as = MaybeDay)]
    pub paused_since: Option<NaiveDate>,
    /// Decided after the promised deadline (a missed promise), once decided.
    pub on_time: Option<bool>,
}

/// The columns of a [`QueueRow`], for the queue and the co-review tasks alike.
#[allow(clippy::type_complexity)]
pub(super) fn queue_columns() -> (
    applications::id,
    applications::tracking_number,
    applications::status,
    applications::version,
    services::code,
    services::name,
    services::name_en,
    users::name,
    applications::assignee_id,
    applications::submitted_at,
    applications::due_on,
    applications::warn_on,
    applications::hard_due_on,
    applications::deemed_accepted,
    applications::paused_since,
    applications::on_time,
) {
    (
        applications::id,
        applications::tracking_number,
        applications::status,
        applications::version,
        services::code,
        services::name,
        services::name_en,
        users::name,
        applications::assignee_id,
        applications::submitted_at,
        applications::due_on,
        applications::warn_on,
        applications::hard_due_on,
        applications::deemed_accepted,
        applications::paused_since,
        applications::on_time,
    )
}

/// Where the previous page ended: the deadline (or submission time) and id of its last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueCursor {
    Deadline(NaiveDate, i64),
    Newest(NaiveDateTime, i64),
}

pub fn queue(
    conn: &mut DbConnection,
    q: &QueueQuery,
    after: Option<QueueCursor>,
    limit: i64,
) -> QueryResult<Vec<QueueRow>> {
    let mut query = applications::table
        .inner_join(services::table)
        .inner_join(users::table.on(users::id.nullable().eq(applications::applicant_id)))
        .filter(applications::department_id.eq(q.department_id))
        .into_boxed();
    // One state as an equality: PostgreSQL walks an index in order for `=`, not for `= ANY`.
    // No states: any but the draft (a search).
    query = match q.states.as_slice() {
        [] => query.filter(applications::status.ne("draft")),
        [one] => query.filter(applications::status.eq(one.clone())),
        many => query.filter(applications::status.eq_any(many.to_vec())),
    };
    if let Some(search) = &q.search {
        let by_number_or_name = applications::tracking_number
            .eq(search.upper.clone())
            .nullable()
            .or(users::name
                .like(search.name_pattern.clone())
                .escape('\\')
                .nullable());
        query = match &search.id_tail {
            Some(tail) => query.filter(
                by_number_or_name
                    .or(users::national_id.like(tail.clone()).escape('\\'))
                    .or(users::credit_code.like(tail.clone()).escape('\\')),
            ),
            None => query.filter(by_number_or_name),
        };
    }
    if let Some(service) = q.service_id {
        query = query.filter(applications::service_id.eq(service));
    }
    match q.assignee {
        Some(Some(id)) => query = query.filter(applications::assignee_id.eq(id)),
        Some(None) => query = query.filter(applications::assignee_id.is_null()),
        None => {}
    }
    if let Some(level) = q.level {
        query = query.filter(level_condition(level, q.today));
    }
    match after {
        Some(QueueCursor::Deadline(due, id)) => {
            query = query.filter(
                applications::due_on
                    .gt(due)
                    .or(applications::due_on.eq(due).and(applications::id.gt(id))),
            )
        }
        Some(QueueCursor::Newest(at, id)) => {
            query = query.filter(
                applications::submitted_at
                    .lt(at)
                    .or(applications::submitted_at
                        .eq(at)
                        .and(applications::id.lt(id))),
            )
        }
        None => {}
    }
    let query = if q.newest_first {
        query.order((applications::submitted_at.desc(), applications::id.desc()))
    } else {
        query.order((applications::due_on.asc(), applications::id.asc()))
    };
    query.limit(limit).select(queue_columns()).load(conn)
}

/// The stored-deadline condition of a supervision level on `today`, for any query that reads
/// the applications table.
pub(super) type LevelCondition<QS> = Box<
    dyn BoxableExpression<
            QS,
            crate::db::MultiBackend,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
        >,
>;

pub(super) fn level_condition<QS: 'static>(
    level: crate::domain::clock::Level,
    today: NaiveDate,
) -> LevelCondition<QS>
where
    applications::due_on: SelectableExpression<QS>,
    applications::warn_on: SelectableExpression<QS>,
    applications::hard_due_on: SelectableExpression<QS>,
{
    use crate::domain::clock::Level;
    match level {
        Level::Red => Box::new(applications::hard_due_on.lt(today)),
        Level::Yellow => Box::new(
            applications::due_on
                .lt(today)
                .and(applications::hard_due_on.ge(today)),
        ),
        Level::Warning => Box::new(
            applications::warn_on
                .le(today)
                .and(applications::due_on.ge(today)),
        ),
        Level::Normal => Box::new(applications::warn_on.gt(today)),
    }
}

/// How many applications of a department in `states` are at `level` on `today`.
pub fn level_count(
    conn: &mut DbConnection,
    department_id: i64,
    states: &[String],
    level: crate::domain::clock::Level,
    today: NaiveDate,
) -> QueryResult<i64> {
    applications::table
        .filter(applications::department_id.eq(department_id))
        .filter(applications::status.eq_any(states.to_vec()))
        .filter(level_condition(level, today))
        .count()
        .get_result(conn)
}

/// Applications of a department per state: (state, count), from the counters kept with every
/// change of state (the sum of the state's slots).
pub fn state_counts(
    conn: &mut DbConnection,
    department_id: i64,
) -> QueryResult<Vec<(String, i64)>> {
    use crate::db::schema::queue_counts;
    let slots: Vec<(String, i64)> = queue_counts::table
        .filter(queue_counts::department_id.eq(department_id))
        .select((queue_counts::status, queue_counts::count))
        .load(conn)?;
    let mut counts: Vec<(String, i64)> = Vec::new();
    for (status, count) in slots {
        match counts.iter_mut().find(|(s, _)| *s == status) {
            Some((_, total)) => *total += count,
            None => counts.push((status, count)),
        }
    }
    Ok(counts)
}

/// Moves one application of a department from one state's count to another's (`from` is
/// `None` when it enters the queue). Call it in the transaction that changes the state.
pub fn count_move(
    conn: &mut DbConnection,
    department_id: i64,
    application_id: i64,
    from: Option<&str>,
    to: &str,
) -> QueryResult<()> {
    let slot = crate::db::count_slot(application_id);
    for (status, delta) in from.map(|f| (f, -1_i64)).into_iter().chain([(to, 1)]) {
        crate::db::FixedSql::new(
            "INSERT INTO queue_counts (department_id, status, slot, count) VALUES (?, ?, ?, ?) \
             ON CONFLICT (department_id, status, slot) \
             DO UPDATE SET count = queue_counts.count + excluded.count",
            vec![
                department_id.into(),
                status.into(),
                slot.into(),
                delta.into(),
            ],
        )
        .execute(conn)?;
    }
    Ok(())
}

/// Recounts every department's applications per state (after a bulk load).
pub fn recount(conn: &mut DbConnection) -> QueryResult<()> {
    use crate::db::schema::queue_counts;
    diesel::delete(queue_counts::table).execute(conn)?;
    diesel::sql_query(
        "INSERT INTO queue_counts (department_id, status, slot, count) \
         SELECT department_id, status, 0, COUNT(*) FROM applications \
         WHERE department_id IS NOT NULL AND kind NOT IN ('hotline', 'event') \
         GROUP BY department_id, status",
    )
    .execute(conn)?;
    Ok(())
}

/// Applications in one of `states` of the given definitions that `department_id` has not
/// signed off yet (its co-review tasks), oldest deadline first.
pub fn co_review_tasks(
    conn: &mut DbConnection,
    pending: &[(i64, String)],
    department_id: i64,
    limit: i64,
) -> QueryResult<Vec<QueueRow>> {
    let mut rows = Vec::new();
    for (definition_id, state) in pending {
        let signed = application_sign_offs::table
            .filter(
                application_sign_offs::application_id
                    .eq(applications::id)
                    .and(application_sign_offs::department_id.eq(department_id))
                    .and(application_sign_offs::state.eq(state.clone())),
            )
            .select(application_sign_offs::application_id);
        let found: Vec<QueueRow> = applications::table
            .inner_join(services::table)
            .inner_join(users::table.on(users::id.nullable().eq(applications::applicant_id)))
            .filter(applications::workflow_definition_id.eq(definition_id))
            .filter(applications::status.eq(state.clone()))
            .filter(diesel::dsl::not(diesel::dsl::exists(signed)))
            .order((applications::due_on.asc(), applications::id.asc()))
            .limit(limit)
            .select(queue_columns())
            .load(conn)?;
        rows.extend(found);
    }
    rows.sort_by_key(|r| (r.due_on, r.id));
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(rows)
}
