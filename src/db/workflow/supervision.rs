//! Supervision: cards issued by the queue index, deemed acceptances and clocks to recompute.

use super::*;

/// Records the cards due on `today` for the applications of one department in one state: a red
/// card once the hard deadline passed, a yellow one once the current deadline passed, a warning
/// from its first day; once per level and deadline. Uses the queue index (department, state,
/// deadline), so each call touches only its slice. Returns how many cards were new.
pub fn issue_cards(
    conn: &mut DbConnection,
    department_id: i64,
    state: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use diesel::sql_types::{BigInt, Date, Text, Timestamp};
    let mut issued = 0;
    for (level, condition) in [
        ("red", "a.due_on < $3 AND a.hard_due_on < $3"),
        ("yellow", "a.due_on < $3 AND a.hard_due_on >= $3"),
        ("warning", "a.due_on >= $3 AND a.warn_on <= $3"),
    ] {
        let sql = numbered(
            conn,
            &format!(
                "INSERT INTO supervision_cards (application_id, department_id, level, due_on, issued_at) \
                 SELECT a.id, a.department_id, '{level}', a.due_on, $4 FROM applications a \
                 WHERE a.department_id = $1 AND a.status = $2 AND {condition} \
                 ON CONFLICT (application_id, level, due_on) DO NOTHING"
            ),
        );
        issued += diesel::sql_query(sql)
            .bind::<BigInt, _>(department_id)
            .bind::<Text, _>(state)
            .bind::<Date, _>(today)
            .bind::<Timestamp, _>(now)
            .execute(conn)?;
    }
    Ok(issued)
}

/// Yellow cards for urgent hotline requests a department still holds after their hours ran out
/// (`urgent_due_at` before `now`), once each: the day-counted cards cannot see hours. Looks back
/// a week, by the partial index of urgent requests, so that a pass costs the few urgent ones,
/// not the hotline's history.
pub fn issue_urgent_cards(
    conn: &mut DbConnection,
    states: &[&str],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use diesel::sql_types::{Text, Timestamp};
    let sql = format!(
        "INSERT INTO supervision_cards (application_id, department_id, level, due_on, issued_at) \
         SELECT a.id, a.department_id, 'yellow', a.due_on, $1 FROM hotline_requests r \
         JOIN applications a ON a.id = r.application_id \
         WHERE r.urgent AND r.urgent_due_at < $1 AND r.urgent_due_at >= $2 \
         AND a.department_id IS NOT NULL AND a.due_on IS NOT NULL AND {states} \
         ON CONFLICT (application_id, level, due_on) DO NOTHING",
        states = match conn {
            DbConnection::Postgres(_) => "a.status IN (SELECT json_array_elements_text($3::json))",
            DbConnection::Sqlite(_) => "a.status IN (SELECT value FROM json_each($3))",
        }
    );
    let sql = numbered(conn, &sql);
    diesel::sql_query(sql)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(now - chrono::Duration::days(7))
        .bind::<Text, _>(serde_json::to_string(states).unwrap_or_default())
        .execute(conn)
}

/// Cards due on `today` for the applications of one department that changed since `since`
/// (an event of theirs was written: a transition, a submission, a deemed acceptance), in any
/// of `states`. By the events' (department, time) index: a pass between two full ones costs
/// what changed, not what exists.
pub fn issue_cards_changed(
    conn: &mut DbConnection,
    department_id: i64,
    states: &[String],
    since: NaiveDateTime,
    today: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use diesel::sql_types::{BigInt, Date, Text, Timestamp};
    let mut issued = 0;
    for (level, condition) in [
        ("red", "a.due_on < $3 AND a.hard_due_on < $3"),
        ("yellow", "a.due_on < $3 AND a.hard_due_on >= $3"),
        ("warning", "a.due_on >= $3 AND a.warn_on <= $3"),
    ] {
        let changed = "SELECT e.application_id FROM application_events e \
                       WHERE e.department_id = $1 AND e.created_at >= $2";
        let sql = format!(
            "INSERT INTO supervision_cards (application_id, department_id, level, due_on, issued_at) \
             SELECT a.id, a.department_id, '{level}', a.due_on, $4 FROM applications a \
             WHERE a.id IN ({changed}) AND a.department_id = $1 AND {condition} AND {states} \
             ON CONFLICT (application_id, level, due_on) DO NOTHING",
            // The states as one JSON array, which both databases can read as a list.
            states = match conn {
                DbConnection::Postgres(_) =>
                    "a.status IN (SELECT json_array_elements_text($5::json))",
                DbConnection::Sqlite(_) => "a.status IN (SELECT value FROM json_each($5))",
            }
        );
        let sql = numbered(conn, &sql);
        issued += diesel::sql_query(sql)
            .bind::<BigInt, _>(department_id)
            .bind::<Timestamp, _>(since)
            .bind::<Date, _>(today)
            .bind::<Timestamp, _>(now)
            .bind::<Text, _>(serde_json::to_string(states).unwrap_or_default())
            .execute(conn)?;
    }
    Ok(issued)
}

/// Where supervision got to: (the day of its last full pass, when its last pass began).
pub fn last_pass(conn: &mut DbConnection) -> QueryResult<Option<(NaiveDate, NaiveDateTime)>> {
    use crate::db::schema::supervision_passes;
    supervision_passes::table
        .find(1_i64)
        .select((supervision_passes::day, supervision_passes::started_at))
        .first(conn)
        .optional()
}

/// Records a pass that began at `started_at`, after a full pass on `day` (or a later one).
pub fn record_pass(
    conn: &mut DbConnection,
    day: NaiveDate,
    started_at: NaiveDateTime,
) -> QueryResult<()> {
    use diesel::sql_types::{Date, Timestamp};
    // One row, written by whichever node passes (an upsert: nodes may pass at once).
    let sql = numbered(
        conn,
        "INSERT INTO supervision_passes (id, day, started_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET day = excluded.day, started_at = excluded.started_at",
    );
    diesel::sql_query(sql)
        .bind::<Date, _>(day)
        .bind::<Timestamp, _>(started_at)
        .execute(conn)?;
    Ok(())
}

/// Makes the next pass a full one (the calendar changed: every clock may have moved).
pub fn forget_passes(conn: &mut DbConnection) -> QueryResult<()> {
    use crate::db::schema::supervision_passes;
    diesel::delete(supervision_passes::table).execute(conn)?;
    Ok(())
}

/// The applications of one department in one state awaiting acceptance with no acceptance date
/// yet, received before `received_before`: the candidates for a deemed acceptance (including
/// those flagged before the acceptance date was stored with the flag).
pub fn awaiting_acceptance(
    conn: &mut DbConnection,
    department_id: i64,
    state: &str,
    received_before: NaiveDate,
) -> QueryResult<Vec<CaseRow>> {
    applications::table
        .filter(
            applications::department_id
                .eq(department_id)
                .and(applications::status.eq(state))
                .and(applications::accepted_on.is_null())
                .and(applications::received_on.lt(received_before)),
        )
        .order(applications::id)
        .select(CaseRow::as_select())
        .load(conn)
}

/// What a deemed acceptance stores: accepted as of receipt, and the decision deadlines.
#[derive(Debug, Clone)]
pub struct DeemedAcceptance {
    pub accepted_on: NaiveDate,
    pub due_on: NaiveDate,
    pub warn_on: NaiveDate,
    pub hard_due_on: NaiveDate,
}

/// Marks an application still in `state` with no acceptance date as deemed accepted; the
/// version stays (a clerk's open form is still valid). Returns whether it did. A fixed text,
/// kept prepared: the day's first pass runs it for every lapsed acceptance (hundreds of
/// thousands on the benchmark's data).
pub fn mark_deemed_accepted(
    conn: &mut DbConnection,
    id: i64,
    state: &str,
    stored: &DeemedAcceptance,
) -> QueryResult<bool> {
    let updated = crate::db::FixedSql::new(
        "UPDATE applications SET deemed_accepted = ?, accepted_on = ?, due_on = ?, \
         warn_on = ?, hard_due_on = ? WHERE id = ? AND status = ? AND accepted_on IS NULL",
        vec![
            true.into(),
            stored.accepted_on.into(),
            stored.due_on.into(),
            stored.warn_on.into(),
            stored.hard_due_on.into(),
            id.into(),
            state.into(),
        ],
    )
    .execute(conn)?;
    Ok(updated == 1)
}

/// The applications whose running clocks a change of the calendar on days from `first` to
/// `last` may move: received on or before the last, undecided, not in one of the `ended`
/// states, and with a stored deadline on or after the first (or paused).
pub fn running_clocks_over(
    conn: &mut DbConnection,
    (first, last): (NaiveDate, NaiveDate),
    ended: &[String],
) -> QueryResult<Vec<CaseRow>> {
    applications::table
        .filter(applications::tracking_number.is_not_null())
        .filter(applications::received_on.le(last))
        .filter(applications::decided_on.is_null())
        .filter(applications::status.ne_all(ended.to_vec()))
        .filter(
            applications::due_on
                .ge(first)
                .or(applications::hard_due_on.ge(first))
                .or(applications::paused_since.is_not_null()),
        )
        .order(applications::id)
        .select(CaseRow::as_select())
        .load(conn)
}

/// Stores recomputed deadlines of an application (the version stays: nothing a clerk did
/// changed).
pub fn set_deadlines(
    conn: &mut DbConnection,
    id: i64,
    (due_on, warn_on, hard_due_on): (NaiveDate, NaiveDate, NaiveDate),
) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set((
            applications::due_on.eq(due_on),
            applications::warn_on.eq(warn_on),
            applications::hard_due_on.eq(hard_due_on),
        ))
        .execute(conn)?;
    Ok(())
}

/// The cards of one application: (level, deadline, issued at).
pub fn cards_of(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<Vec<(String, NaiveDate, NaiveDateTime)>> {
    supervision_cards::table
        .filter(supervision_cards::application_id.eq(id))
        .order(supervision_cards::id)
        .select((
            supervision_cards::level,
            supervision_cards::due_on,
            supervision_cards::issued_at,
        ))
        .load(conn)
}
