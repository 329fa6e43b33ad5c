//! Catalog tables: the records the importer writes and the read models the pages show.

use diesel::dsl::{count, count_star};
use diesel::prelude::*;

use super::schema::{departments, items, service_materials, services};
use super::{DbConnection, on_backend};
use crate::domain::catalog::{
    ApplicantType, Fee, ItemType, Material, MaterialForm, MaterialSource, Names, Necessity, Variant,
};

/// Rows per multi-row insert; well under SQLite's limit of bound variables.
const INSERT_CHUNK: usize = 200;

// ---- Records: what the importer compares, inserts and updates (everything but the id) ----

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = departments)]
pub struct DepartmentRecord {
    pub code: String,
    pub name: String,
    pub position: i32,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = items)]
pub struct ItemRecord {
    pub code: String,
    pub name: String,
    pub item_type: String,
    pub department_id: i64,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = services)]
pub struct ServiceRecord {
    pub code: String,
    pub item_id: i64,
    pub department_id: i64,
    pub name: String,
    pub variant: String,
    pub applicant_type: String,
    pub legal_days: i32,
    pub promised_days: i32,
    pub extension_days: i32,
    pub fee_fen: i64,
    pub online: bool,
    pub result_name: String,
    pub steps: String,
    pub search_text: String,
    pub listed: bool,
    pub name_en: String,
    pub result_name_en: String,
    /// The English steps, a JSON array as `steps` is.
    pub steps_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = service_materials)]
pub struct MaterialRecord {
    pub service_id: i64,
    pub position: i32,
    pub name: String,
    pub form: String,
    pub copies: i32,
    pub necessity: String,
    pub source: String,
    pub name_en: String,
}

pub fn all_departments(conn: &mut DbConnection) -> QueryResult<Vec<(i64, DepartmentRecord)>> {
    departments::table
        .select((departments::id, DepartmentRecord::as_select()))
        .load(conn)
}

pub fn all_items(conn: &mut DbConnection) -> QueryResult<Vec<(i64, ItemRecord)>> {
    items::table
        .select((items::id, ItemRecord::as_select()))
        .load(conn)
}

pub fn all_services(conn: &mut DbConnection) -> QueryResult<Vec<(i64, ServiceRecord)>> {
    services::table
        .select((services::id, ServiceRecord::as_select()))
        .load(conn)
}

pub fn all_materials(conn: &mut DbConnection) -> QueryResult<Vec<(i64, MaterialRecord)>> {
    service_materials::table
        .select((service_materials::id, MaterialRecord::as_select()))
        .load(conn)
}

/// Inserts many rows in few statements (a `MultiConnection` cannot batch, its inner one can).
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let mut inserted = 0;
        for chunk in $rows.chunks(INSERT_CHUNK) {
            inserted += on_backend!(&mut *$conn, |c| diesel::insert_into($table)
                .values(chunk)
                .execute(c))?;
        }
        Ok(inserted)
    }};
}

pub fn insert_departments(
    conn: &mut DbConnection,
    rows: &[DepartmentRecord],
) -> QueryResult<usize> {
    insert_all!(conn, departments::table, rows)
}

pub fn insert_items(conn: &mut DbConnection, rows: &[ItemRecord]) -> QueryResult<usize> {
    insert_all!(conn, items::table, rows)
}

pub fn insert_services(conn: &mut DbConnection, rows: &[ServiceRecord]) -> QueryResult<usize> {
    insert_all!(conn, services::table, rows)
}

pub fn insert_materials(conn: &mut DbConnection, rows: &[MaterialRecord]) -> QueryResult<usize> {
    insert_all!(conn, service_materials::table, rows)
}

pub fn update_department(
    conn: &mut DbConnection,
    id: i64,
    row: &DepartmentRecord,
) -> QueryResult<usize> {
    diesel::update(departments::table.find(id))
        .set(row)
        .execute(conn)
}

pub fn update_item(conn: &mut DbConnection, id: i64, row: &ItemRecord) -> QueryResult<usize> {
    diesel::update(items::table.find(id)).set(row).execute(conn)
}

pub fn update_service(conn: &mut DbConnection, id: i64, row: &ServiceRecord) -> QueryResult<usize> {
    diesel::update(services::table.find(id))
        .set(row)
        .execute(conn)
}

pub fn update_material(
    conn: &mut DbConnection,
    id: i64,
    row: &MaterialRecord,
) -> QueryResult<usize> {
    diesel::update(service_materials::table.find(id))
        .set(row)
        .execute(conn)
}

pub fn delete_materials(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(service_materials::table.filter(service_materials::id.eq_any(ids))).execute(conn)
}

pub fn service_id(conn: &mut DbConnection, code: &str) -> QueryResult<Option<i64>> {
    services::table
        .filter(services::code.eq(code))
        .select(services::id)
        .first(conn)
        .optional()
}

pub fn service_code(conn: &mut DbConnection, id: i64) -> QueryResult<Option<String>> {
    services::table
        .find(id)
        .select(services::code)
        .first(conn)
        .optional()
}

/// A service's name in Chinese and in English.
pub fn service_name(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Names>> {
    Ok(services::table
        .find(id)
        .select((services::name, services::name_en))
        .first::<(String, String)>(conn)
        .optional()?
        .map(|(zh, en)| Names { zh, en }))
}

/// Whether any catalog row lacks its English name (a database from before them).
pub fn english_missing(conn: &mut DbConnection) -> QueryResult<bool> {
    use diesel::dsl::{exists, select};
    Ok(select(exists(
        departments::table.filter(departments::name_en.eq("")),
    ))
    .get_result(conn)?
        || select(exists(items::table.filter(items::name_en.eq("")))).get_result(conn)?
        || select(exists(services::table.filter(services::name_en.eq("")))).get_result(conn)?
        || select(exists(
            service_materials::table.filter(service_materials::name_en.eq("")),
        ))
        .get_result(conn)?)
}

pub fn count_services(conn: &mut DbConnection) -> QueryResult<i64> {
    services::table.count().get_result(conn)
}

// ---- Read models: what the public pages and the API show ----

/// A stored value that is not one of the enum's slugs: the database was changed by hand.
fn stored<T: std::str::FromStr>(value: &str) -> QueryResult<T> {
    value.parse().map_err(|_| {
        diesel::result::Error::DeserializationError(
            format!("unexpected stored catalog value {value:?}").into(),
        )
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentSummary {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub service_count: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogTotals {
    pub departments: i64,
    pub items: i64,
    pub services: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSummary {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub item_code: String,
    pub item_name: String,
    pub item_name_en: String,
    pub item_type: ItemType,
    pub department_code: String,
    pub department_name: String,
    pub department_name_en: String,
    pub applicant_type: ApplicantType,
    pub legal_days: i32,
    pub promised_days: i32,
    pub fee: Fee,
    pub variant: Variant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceGuide {
    pub summary: ServiceSummary,
    pub online: bool,
    pub result_name: String,
    pub result_name_en: String,
    pub steps: Vec<String>,
    pub steps_en: Vec<String>,
    pub materials: Vec<Material>,
}

/// What the catalog search narrows by. Every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceFilter {
    /// A substring of the service or item name (or a code), any case.
    pub text: Option<String>,
    pub department: Option<String>,
    /// Services this kind of applicant may apply for: `Natural` and `Legal` include services
    /// open to both; `Both` means only those.
    pub applicant: Option<ApplicantType>,
    pub item_type: Option<ItemType>,
}

type SummaryColumns = (
    services::code,
    services::name,
    services::name_en,
    items::code,
    items::name,
    items::name_en,
    items::item_type,
    departments::code,
    departments::name,
    departments::name_en,
    services::applicant_type,
    services::legal_days,
    services::promised_days,
    services::fee_fen,
    services::variant,
);

const SUMMARY_COLUMNS: SummaryColumns = (
    services::code,
    services::name,
    services::name_en,
    items::code,
    items::name,
    items::name_en,
    items::item_type,
    departments::code,
    departments::name,
    departments::name_en,
    services::applicant_type,
    services::legal_days,
    services::promised_days,
    services::fee_fen,
    services::variant,
);

type SummaryRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i32,
    i32,
    i64,
    String,
);

fn summary(row: SummaryRow) -> QueryResult<ServiceSummary> {
    let (
        code,
        name,
        name_en,
        item_code,
        item_name,
        item_name_en,
        item_type,
        dept_code,
        dept_name,
        dept_name_en,
        applicant,
        legal,
        promised,
        fee,
        variant,
    ) = row;
    Ok(ServiceSummary {
        code,
        name,
        name_en,
        item_code,
        item_name,
        item_name_en,
        item_type: stored(&item_type)?,
        department_code: dept_code,
        department_name: dept_name,
        department_name_en: dept_name_en,
        applicant_type: stored(&applicant)?,
        legal_days: legal,
        promised_days: promised,
        fee: Fee::from_fen(fee),
        variant: stored(&variant)?,
    })
}

type Listing = diesel::dsl::InnerJoin<
    diesel::dsl::InnerJoin<services::table, items::table>,
    departments::table,
>;
type BoxedListing<'a> = diesel::dsl::IntoBoxed<'a, Listing, <DbConnection as Connection>::Backend>;

/// Escapes LIKE's wild cards so that the user's text is matched literally.
pub(crate) fn like_pattern(text: &str) -> String {
    format!("%{}%", escape_like(&text.to_lowercase()))
}

/// `text` with LIKE's wild cards (and the escape character) escaped by `\\`.
pub(crate) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped
}

fn listed<'a>(filter: &'a ServiceFilter) -> BoxedListing<'a> {
    let mut query = services::table
        .inner_join(items::table)
        .inner_join(departments::table)
        .filter(services::listed.eq(true))
        .into_boxed();
    if let Some(text) = &filter.text {
        query = query.filter(services::search_text.like(like_pattern(text)).escape('\\'));
    }
    if let Some(code) = &filter.department {
        query = query.filter(departments::code.eq(code.as_str()));
    }
    if let Some(applicant) = filter.applicant {
        query = match applicant {
            ApplicantType::Both => query.filter(services::applicant_type.eq(applicant.slug())),
            _ => query.filter(
                services::applicant_type.eq_any([applicant.slug(), ApplicantType::Both.slug()]),
            ),
        };
    }
    if let Some(item_type) = filter.item_type {
        query = query.filter(items::item_type.eq(item_type.slug()));
    }
    query
}

/// One page of listed services in catalog order (department, then code), and how many match in all.
pub fn search_services(
    conn: &mut DbConnection,
    filter: &ServiceFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(i64, Vec<ServiceSummary>)> {
    let total: i64 = listed(filter).count().get_result(conn)?;
    if total == 0 || offset >= total {
        return Ok((total, Vec::new()));
    }
    let rows: Vec<SummaryRow> = listed(filter)
        .select(SUMMARY_COLUMNS)
        .order((departments::position.asc(), services::code.asc()))
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    let services = rows.into_iter().map(summary).collect::<QueryResult<_>>()?;
    Ok((total, services))
}

pub fn find_department(
    conn: &mut DbConnection,
    code: &str,
) -> QueryResult<Option<DepartmentSummary>> {
    let Some((id, code, name, name_en)) = departments::table
        .filter(departments::code.eq(code))
        .select((
            departments::id,
            departments::code,
            departments::name,
            departments::name_en,
        ))
        .first::<(i64, String, String, String)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let service_count = services::table
        .filter(
            services::department_id
                .eq(id)
                .and(services::listed.eq(true)),
        )
        .count()
        .get_result(conn)?;
    Ok(Some(DepartmentSummary {
        code,
        name,
        name_en,
        service_count,
    }))
}

/// What a clerk's queue needs of its department for the heading and the service filter.
pub struct QueueDepartment {
    pub id: i64,
    pub name: String,
    /// The listed services as (code, name), in catalog order.
    pub services: Vec<(String, String)>,
}

/// A department for its queue, in two statically built (and so cached) statements.
pub fn department_with_services(
    conn: &mut DbConnection,
    code: &str,
) -> QueryResult<Option<QueueDepartment>> {
    let Some((id, name)) = departments::table
        .filter(departments::code.eq(code))
        .select((departments::id, departments::name))
        .first::<(i64, String)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let services = services::table
        .filter(services::department_id.eq(id))
        .filter(services::listed.eq(true))
        .order(services::code.asc())
        .select((services::code, services::name))
        .load(conn)?;
    Ok(Some(QueueDepartment { id, name, services }))
}

/// Every department in catalog order with its number of listed services.
pub fn department_summaries(conn: &mut DbConnection) -> QueryResult<Vec<DepartmentSummary>> {
    let counts: std::collections::HashMap<i64, i64> = services::table
        .filter(services::listed.eq(true))
        .group_by(services::department_id)
        .select((services::department_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let rows: Vec<(i64, String, String, String)> = departments::table
        .order(departments::position.asc())
        .select((
            departments::id,
            departments::code,
            departments::name,
            departments::name_en,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name, name_en)| DepartmentSummary {
            code,
            name,
            name_en,
            service_count: counts.get(&id).copied().unwrap_or(0),
        })
        .collect())
}

pub fn catalog_totals(conn: &mut DbConnection) -> QueryResult<CatalogTotals> {
    let listed = services::table.filter(services::listed.eq(true));
    let (services, items): (i64, i64) = listed
        .select((count_star(), count(services::item_id).aggregate_distinct()))
        .get_result(conn)?;
    let departments = departments::table.count().get_result(conn)?;
    Ok(CatalogTotals {
        departments,
        items,
        services,
    })
}

/// A listed service with its full guide, or `None` for an unknown or withdrawn code.
pub fn find_service_guide(
    conn: &mut DbConnection,
    code: &str,
) -> QueryResult<Option<ServiceGuide>> {
    let filter = ServiceFilter::default();
    let Some((id, online, (result_name, result_name_en), (steps, steps_en), row)) = listed(&filter)
        .filter(services::code.eq(code))
        .select((
            services::id,
            services::online,
            (services::result_name, services::result_name_en),
            (services::steps, services::steps_en),
            SUMMARY_COLUMNS,
        ))
        .first::<(i64, bool, (String, String), (String, String), SummaryRow)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let json = |text: &str| -> QueryResult<Vec<String>> {
        serde_json::from_str(text)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
    };
    let materials = materials_of_service(conn, id)?;
    Ok(Some(ServiceGuide {
        summary: summary(row)?,
        online,
        result_name,
        result_name_en,
        steps: json(&steps)?,
        steps_en: json(&steps_en)?,
        materials,
    }))
}

/// The materials a service asks for, in the guide's order.
pub fn materials_of_service(
    conn: &mut DbConnection,
    service_id: i64,
) -> QueryResult<Vec<Material>> {
    service_materials::table
        .filter(service_materials::service_id.eq(service_id))
        .order(service_materials::position.asc())
        .select(MaterialRecord::as_select())
        .load(conn)?
        .into_iter()
        .map(|m| {
            Ok(Material {
                form: stored::<MaterialForm>(&m.form)?,
                necessity: stored::<Necessity>(&m.necessity)?,
                source: stored::<MaterialSource>(&m.source)?,
                copies: u8::try_from(m.copies).unwrap_or(u8::MAX),
                name: m.name,
                name_en: m.name_en,
            })
        })
        .collect()
}

/// What a submission needs to know of its service: its workflow, department, periods and
/// name (for the receipt).
#[derive(Debug, Clone, Queryable)]
pub struct SubmissionService {
    pub workflow_key: String,
    pub department_id: i64,
    pub promised_days: i32,
    pub legal_days: i32,
    pub name: String,
    pub name_en: String,
}

pub fn submission_service(
    conn: &mut DbConnection,
    service_id: i64,
) -> QueryResult<Option<SubmissionService>> {
    services::table
        .find(service_id)
        .select((
            services::workflow_key,
            services::department_id,
            services::promised_days,
            services::legal_days,
            services::name,
            services::name_en,
        ))
        .first(conn)
        .optional()
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_wild_cards_in_user_text_are_escaped() {
        assert_eq!(like_pattern("食品"), "%食品%");
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
        assert_eq!(like_pattern("ABC"), "%abc%");
    }
}
