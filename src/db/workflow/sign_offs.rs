//! Joint review: the opinions departments sign off on a case.

use super::*;

/// The co-reviewing departments' opinions on an application in `state`, in the order given.
pub fn opinions(conn: &mut DbConnection, id: i64, state: &str) -> QueryResult<Vec<Opinion>> {
    let rows: Vec<(String, bool)> = application_sign_offs::table
        .inner_join(departments::table)
        .filter(
            application_sign_offs::application_id
                .eq(id)
                .and(application_sign_offs::state.eq(state)),
        )
        .order(application_sign_offs::created_at)
        .select((departments::code, application_sign_offs::agrees))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(department, agrees)| Opinion { department, agrees })
        .collect())
}

/// Whether the application ever entered one of `states` (by its events).
pub fn has_entered(conn: &mut DbConnection, id: i64, states: &[&str]) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        application_events::table.filter(
            application_events::application_id
                .eq(id)
                .and(application_events::to_status.eq_any(states)),
        ),
    ))
    .get_result(conn)
}

/// (code, name) of the departments with these codes, in the order given.
pub fn department_names(
    conn: &mut DbConnection,
    codes: &[String],
) -> QueryResult<Vec<(String, String)>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<(String, String)> = departments::table
        .filter(departments::code.eq_any(codes))
        .select((departments::code, departments::name))
        .load(conn)?;
    Ok(codes
        .iter()
        .map(|c| {
            let name = found
                .iter()
                .find(|(code, _)| code == c)
                .map_or(c.clone(), |(_, n)| n.clone());
            (c.clone(), name)
        })
        .collect())
}

/// Forgets the opinions given in `state` (a new round of the joint review begins).
pub fn clear_opinions(conn: &mut DbConnection, id: i64, state: &str) -> QueryResult<usize> {
    diesel::delete(
        application_sign_offs::table.filter(
            application_sign_offs::application_id
                .eq(id)
                .and(application_sign_offs::state.eq(state)),
        ),
    )
    .execute(conn)
}

/// An opinion as the case page and the applicant's page show it.
#[derive(Debug, Clone, Queryable)]
pub struct OpinionRow {
    pub department_code: String,
    pub department_name: String,
    pub agrees: bool,
    pub opinion: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Every opinion given on an application, in any state, in the order given.
pub fn opinion_rows(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<OpinionRow>> {
    application_sign_offs::table
        .inner_join(departments::table)
        .filter(application_sign_offs::application_id.eq(id))
        .order(application_sign_offs::created_at)
        .select((
            departments::code,
            departments::name,
            application_sign_offs::agrees,
            application_sign_offs::opinion,
            application_sign_offs::created_at,
        ))
        .load(conn)
}

/// A co-reviewing department's opinion, as recorded.
pub struct NewOpinion<'a> {
    pub application_id: i64,
    pub state: &'a str,
    pub department_id: i64,
    pub actor_id: i64,
    pub agrees: bool,
    pub opinion: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert_opinion(conn: &mut DbConnection, new: &NewOpinion<'_>) -> QueryResult<()> {
    diesel::insert_into(application_sign_offs::table)
        .values((
            application_sign_offs::application_id.eq(new.application_id),
            application_sign_offs::state.eq(new.state),
            application_sign_offs::department_id.eq(new.department_id),
            application_sign_offs::actor_id.eq(new.actor_id),
            application_sign_offs::created_at.eq(new.created_at),
            application_sign_offs::agrees.eq(new.agrees),
            application_sign_offs::opinion.eq(new.opinion),
        ))
        .execute(conn)?;
    Ok(())
}
