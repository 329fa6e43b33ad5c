//! 好差评: ratings, the remedy cases they open (rows of `applications` of kind `remedy`), and
//! the figures published from them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{applications, departments, ratings, services};
use super::{DbConnection, on_backend};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ratings)]
pub struct RatingRow {
    pub id: i64,
    pub application_id: i64,
    pub rater_id: i64,
    pub department_id: i64,
    pub service_id: i64,
    pub level: i32,
    pub reasons: String,
    pub comment: String,
    pub anonymous: bool,
    pub rated_at: NaiveDateTime,
    pub month: String,
    pub changeable_until: NaiveDateTime,
    pub remedy_id: Option<i64>,
    pub verdict: Option<String>,
    pub verdict_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ratings)]
pub struct NewRating<'a> {
    pub application_id: i64,
    pub rater_id: i64,
    pub department_id: i64,
    pub service_id: i64,
    pub level: i32,
    pub reasons: &'a str,
    pub comment: &'a str,
    pub anonymous: bool,
    pub rated_at: NaiveDateTime,
    pub month: &'a str,
    pub changeable_until: NaiveDateTime,
}

/// What a change of mind changes.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = ratings)]
pub struct RatingChange<'a> {
    pub level: i32,
    pub reasons: &'a str,
    pub comment: &'a str,
    pub anonymous: bool,
    pub rated_at: NaiveDateTime,
}

pub fn of_case(conn: &mut DbConnection, application_id: i64) -> QueryResult<Option<RatingRow>> {
    ratings::table
        .filter(ratings::application_id.eq(application_id))
        .select(RatingRow::as_select())
        .first(conn)
        .optional()
}

pub fn of_remedy(conn: &mut DbConnection, remedy_id: i64) -> QueryResult<Option<RatingRow>> {
    ratings::table
        .filter(ratings::remedy_id.eq(remedy_id))
        .select(RatingRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &NewRating<'_>) -> QueryResult<i64> {
    on_backend!(&mut *conn, |c| diesel::insert_into(ratings::table)
        .values(row)
        .returning(ratings::id)
        .get_result(c))
}

/// Changes a rating while it may still be changed; returns whether it did.
pub fn change(
    conn: &mut DbConnection,
    id: i64,
    change: &RatingChange<'_>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        ratings::table.filter(ratings::id.eq(id).and(ratings::changeable_until.ge(now))),
    )
    .set(change)
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn set_remedy(conn: &mut DbConnection, id: i64, remedy_id: i64) -> QueryResult<usize> {
    diesel::update(ratings::table.find(id))
        .set(ratings::remedy_id.eq(remedy_id))
        .execute(conn)
}

/// Records the rater's word on the remedy, once; returns whether it did.
pub fn set_verdict(
    conn: &mut DbConnection,
    id: i64,
    verdict: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated =
        diesel::update(ratings::table.filter(ratings::id.eq(id).and(ratings::verdict.is_null())))
            .set((ratings::verdict.eq(verdict), ratings::verdict_at.eq(now)))
            .execute(conn)?;
    Ok(updated == 1)
}

/// The rating a remedy case is about, for its pages: the rating, the case rated (id, number)
/// and the rater's name.
pub fn remedy_subject(
    conn: &mut DbConnection,
    remedy_id: i64,
) -> QueryResult<Option<(RatingRow, Option<String>)>> {
    let Some(rating) = of_remedy(conn, remedy_id)? else {
        return Ok(None);
    };
    let number = applications::table
        .find(rating.application_id)
        .select(applications::tracking_number)
        .first(conn)?;
    Ok(Some((rating, number)))
}

/// Ratings per (department, month, level) over `months`, for the public figures.
pub fn department_levels(
    conn: &mut DbConnection,
    months: &[String],
) -> QueryResult<Vec<(i64, String, i32, i64)>> {
    ratings::table
        .filter(ratings::month.eq_any(months))
        .group_by((ratings::department_id, ratings::month, ratings::level))
        .select((
            ratings::department_id,
            ratings::month,
            ratings::level,
            diesel::dsl::count_star(),
        ))
        .load(conn)
}

/// Bad ratings whose remedy case was answered within its deadline, per (department, month).
pub fn department_remedied_on_time(
    conn: &mut DbConnection,
    months: &[String],
) -> QueryResult<Vec<(i64, String, i64)>> {
    ratings::table
        .inner_join(applications::table.on(ratings::remedy_id.eq(applications::id.nullable())))
        .filter(ratings::month.eq_any(months))
        .filter(applications::on_time.eq(true))
        .group_by((ratings::department_id, ratings::month))
        .select((
            ratings::department_id,
            ratings::month,
            diesel::dsl::count_star(),
        ))
        .load(conn)
}

/// Ratings per (service, month, level) of one department over `months`.
pub fn service_levels(
    conn: &mut DbConnection,
    department_id: i64,
    months: &[String],
) -> QueryResult<Vec<(i64, String, i32, i64)>> {
    ratings::table
        .filter(ratings::department_id.eq(department_id))
        .filter(ratings::month.eq_any(months))
        .group_by((ratings::service_id, ratings::month, ratings::level))
        .select((
            ratings::service_id,
            ratings::month,
            ratings::level,
            diesel::dsl::count_star(),
        ))
        .load(conn)
}

/// Bad ratings remedied on time per (service, month) of one department.
pub fn service_remedied_on_time(
    conn: &mut DbConnection,
    department_id: i64,
    months: &[String],
) -> QueryResult<Vec<(i64, String, i64)>> {
    ratings::table
        .inner_join(applications::table.on(ratings::remedy_id.eq(applications::id.nullable())))
        .filter(ratings::department_id.eq(department_id))
        .filter(ratings::month.eq_any(months))
        .filter(applications::on_time.eq(true))
        .group_by((ratings::service_id, ratings::month))
        .select((
            ratings::service_id,
            ratings::month,
            diesel::dsl::count_star(),
        ))
        .load(conn)
}

/// Ratings of one service (by code) per level, all time (the guide's figure).
pub fn levels_of_service(conn: &mut DbConnection, code: &str) -> QueryResult<Vec<(i32, i64)>> {
    ratings::table
        .inner_join(services::table.on(services::id.eq(ratings::service_id)))
        .filter(services::code.eq(code))
        .group_by(ratings::level)
        .select((ratings::level, diesel::dsl::count_star()))
        .load(conn)
}

/// (id, code, name, English name) of every department, in catalog order.
pub fn departments(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String, String, String)>> {
    departments::table
        .order((departments::position, departments::id))
        .select((
            departments::id,
            departments::code,
            departments::name,
            departments::name_en,
        ))
        .load(conn)
}

/// (id, code, name, English name) of the services with these ids.
pub fn service_names(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, String, String, String)>> {
    services::table
        .filter(services::id.eq_any(ids))
        .order(services::code)
        .select((
            services::id,
            services::code,
            services::name,
            services::name_en,
        ))
        .load(conn)
}

/// A remedy case as the administrators' review lists it.
#[derive(Debug, Clone, Queryable)]
pub struct RemedyListed {
    pub id: i64,
    pub version: i32,
    pub number: String,
    pub department: String,
    pub department_en: String,
    pub rating: RatingRow,
    /// The tracking number of the case rated.
    pub rated_number: Option<String>,
}

/// The remedy cases in `state` with their ratings and the cases rated, oldest first: one query.
pub fn remedies_in(conn: &mut DbConnection, state: &str) -> QueryResult<Vec<RemedyListed>> {
    let (remedy, rated) = diesel::alias!(applications as remedy, applications as rated);
    remedy
        .inner_join(
            departments::table.on(remedy
                .field(applications::department_id)
                .eq(departments::id.nullable())),
        )
        .inner_join(
            ratings::table.on(ratings::remedy_id.eq(remedy.field(applications::id).nullable())),
        )
        .inner_join(rated.on(rated.field(applications::id).eq(ratings::application_id)))
        .filter(
            remedy
                .field(applications::kind)
                .eq(crate::domain::rating::KIND_REMEDY),
        )
        .filter(remedy.field(applications::status).eq(state))
        .order(remedy.field(applications::id))
        .select((
            remedy.field(applications::id),
            remedy.field(applications::version),
            remedy
                .field(applications::tracking_number)
                .assume_not_null(),
            departments::name,
            departments::name_en,
            RatingRow::as_select(),
            rated.field(applications::tracking_number),
        ))
        .load(conn)
}
