//! The licence registry and the licences applications use for their materials.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{licences, material_licences};

pub const VALID: &str = "valid";
pub const CANCELLED: &str = "cancelled";

/// A licence as offered and shown.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct LicenceInfo {
    pub id: i64,
    pub number: String,
    pub name: String,
    pub issued_on: NaiveDate,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = licences)]
pub struct NewLicence<'a> {
    pub number: &'a str,
    pub holder_id: i64,
    pub item_id: i64,
    pub application_id: i64,
    pub name: &'a str,
    pub issued_on: NaiveDate,
    pub status: &'a str,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

pub fn insert(conn: &mut DbConnection, licence: &NewLicence<'_>) -> QueryResult<()> {
    diesel::insert_into(licences::table)
        .values(licence)
        .execute(conn)?;
    Ok(())
}

/// The valid licences of a holder for an item, newest first.
pub fn valid_for(
    conn: &mut DbConnection,
    holder_id: i64,
    item_id: i64,
) -> QueryResult<Vec<LicenceInfo>> {
    licences::table
        .filter(licences::holder_id.eq(holder_id))
        .filter(licences::item_id.eq(item_id))
        .filter(licences::status.eq(VALID))
        .order(licences::id.desc())
        .select((
            licences::id,
            licences::number,
            licences::name,
            licences::issued_on,
        ))
        .load(conn)
}

/// (material, licence) chosen for an application's materials.
pub fn chosen(
    conn: &mut DbConnection,
    application_id: i64,
) -> QueryResult<Vec<(String, LicenceInfo)>> {
    material_licences::table
        .inner_join(licences::table)
        .filter(material_licences::application_id.eq(application_id))
        .select((
            material_licences::material_name,
            (
                licences::id,
                licences::number,
                licences::name,
                licences::issued_on,
            ),
        ))
        .load(conn)
}

/// Uses `licence` for a material of an application, or stops using one (`None`).
pub fn choose(
    conn: &mut DbConnection,
    application_id: i64,
    material: &str,
    licence: Option<i64>,
) -> QueryResult<()> {
    diesel::delete(
        material_licences::table.filter(
            material_licences::application_id
                .eq(application_id)
                .and(material_licences::material_name.eq(material)),
        ),
    )
    .execute(conn)?;
    if let Some(licence_id) = licence {
        diesel::insert_into(material_licences::table)
            .values((
                material_licences::application_id.eq(application_id),
                material_licences::material_name.eq(material),
                material_licences::licence_id.eq(licence_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Marks the licences an application used as cancelled (a delivered 注销).
pub fn cancel_used_by(conn: &mut DbConnection, application_id: i64) -> QueryResult<usize> {
    let used = material_licences::table
        .filter(material_licences::application_id.eq(application_id))
        .select(material_licences::licence_id);
    diesel::update(licences::table.filter(licences::id.eq_any(used)))
        .set(licences::status.eq(CANCELLED))
        .execute(conn)
}

/// The licence an application issued, with its status.
pub fn of_application(
    conn: &mut DbConnection,
    application_id: i64,
) -> QueryResult<Option<(LicenceInfo, String)>> {
    licences::table
        .filter(licences::application_id.eq(application_id))
        .select((
            (
                licences::id,
                licences::number,
                licences::name,
                licences::issued_on,
            ),
            licences::status,
        ))
        .first(conn)
        .optional()
}

/// The validity period of the licence an application issued, if it has one.
pub fn validity_of(
    conn: &mut DbConnection,
    application_id: i64,
) -> QueryResult<Option<(NaiveDate, NaiveDate)>> {
    let period: Option<(Option<NaiveDate>, Option<NaiveDate>)> = licences::table
        .filter(licences::application_id.eq(application_id))
        .select((licences::valid_from, licences::valid_until))
        .first(conn)
        .optional()?;
    Ok(period.and_then(|(from, until)| from.zip(until)))
}

/// The latest validity period among the licences an application used (the licence a 变更
/// changes keeps its period).
pub fn validity_of_used(
    conn: &mut DbConnection,
    application_id: i64,
) -> QueryResult<Option<(NaiveDate, NaiveDate)>> {
    let periods: Vec<(Option<NaiveDate>, Option<NaiveDate>)> = material_licences::table
        .inner_join(licences::table)
        .filter(material_licences::application_id.eq(application_id))
        .select((licences::valid_from, licences::valid_until))
        .load(conn)?;
    Ok(periods
        .into_iter()
        .filter_map(|(from, until)| from.zip(until))
        .max_by_key(|(_, until)| *until))
}
