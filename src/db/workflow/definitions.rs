//! Published workflow definitions, their digests, and which workflow each service runs.

use super::*;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = workflow_definitions)]
pub struct NewDefinition<'a> {
    pub key: &'a str,
    pub version: i32,
    pub definition: &'a str,
    pub published_at: NaiveDateTime,
    pub published_by: Option<i64>,
}

/// Inserts a published version with the digest of its text (its hex SHA-256, the key its parsed
/// copy is cached by).
pub fn insert_definition(conn: &mut DbConnection, row: &NewDefinition<'_>) -> QueryResult<()> {
    diesel::insert_into(workflow_definitions::table)
        .values((
            row,
            workflow_definitions::digest.eq(sha256_hex(row.definition.as_bytes())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Fills in the digest of versions written before there was one; returns how many.
pub fn fill_missing_digests(conn: &mut DbConnection) -> QueryResult<usize> {
    let missing: Vec<(i64, String)> = workflow_definitions::table
        .filter(workflow_definitions::digest.eq(""))
        .select((workflow_definitions::id, workflow_definitions::definition))
        .load(conn)?;
    for (id, json) in &missing {
        diesel::update(workflow_definitions::table.find(id))
            .set(workflow_definitions::digest.eq(sha256_hex(json.as_bytes())))
            .execute(conn)?;
    }
    Ok(missing.len())
}

/// The newest version of a workflow: (id, version, digest).
pub fn latest_definition(
    conn: &mut DbConnection,
    key: &str,
) -> QueryResult<Option<(i64, i32, String)>> {
    workflow_definitions::table
        .filter(workflow_definitions::key.eq(key))
        .order(workflow_definitions::version.desc())
        .select((
            workflow_definitions::id,
            workflow_definitions::version,
            workflow_definitions::digest,
        ))
        .first(conn)
        .optional()
}

/// A published version: (version, digest).
pub fn definition_version(conn: &mut DbConnection, id: i64) -> QueryResult<(i32, String)> {
    workflow_definitions::table
        .find(id)
        .select((workflow_definitions::version, workflow_definitions::digest))
        .first(conn)
}

/// A published version's text.
pub fn definition_text(conn: &mut DbConnection, id: i64) -> QueryResult<String> {
    workflow_definitions::table
        .find(id)
        .select(workflow_definitions::definition)
        .first(conn)
}

/// Every published version: (id, key, version, JSON).
pub fn all_definitions(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String, i32, String)>> {
    workflow_definitions::table
        .order((workflow_definitions::key, workflow_definitions::version))
        .select((
            workflow_definitions::id,
            workflow_definitions::key,
            workflow_definitions::version,
            workflow_definitions::definition,
        ))
        .load(conn)
}

/// Every published version: (id, digest).
pub fn all_definition_digests(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    workflow_definitions::table
        .order((workflow_definitions::key, workflow_definitions::version))
        .select((workflow_definitions::id, workflow_definitions::digest))
        .load(conn)
}

pub fn set_service_workflow(
    conn: &mut DbConnection,
    item_code: &str,
    key: &str,
) -> QueryResult<usize> {
    use crate::db::schema::items;
    let ids: Vec<i64> = services::table
        .inner_join(items::table)
        .filter(items::code.eq(item_code))
        .select(services::id)
        .load(conn)?;
    diesel::update(services::table.filter(services::id.eq_any(ids)))
        .set(services::workflow_key.eq(key))
        .execute(conn)
}
