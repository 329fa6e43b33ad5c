//! Decision documents' numbers (文号): the per-department, per-year counter and the register.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{decision_documents, document_sequences};

/// Takes the next running number of `department_id` in `year`, in the caller's transaction.
/// The upsert locks the counter row until the transaction ends (PostgreSQL) or runs under the
/// single writer (SQLite), so concurrent decisions get consecutive numbers, never the same.
pub fn next_sequence(conn: &mut DbConnection, department_id: i64, year: i32) -> QueryResult<i32> {
    use document_sequences as s;
    let upsert = diesel::insert_into(s::table)
        .values((
            s::department_id.eq(department_id),
            s::year.eq(year),
            s::last_number.eq(1),
        ))
        .on_conflict((s::department_id, s::year))
        .do_update()
        .set(s::last_number.eq(s::last_number + 1))
        .returning(s::last_number);
    // A `MultiConnection` has no upsert, so it runs on the backend's own connection.
    super::on_backend!(&mut *conn, |inner| upsert.get_result(inner))
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = decision_documents)]
pub struct NewDecisionDocument<'a> {
    pub application_id: i64,
    pub department_id: i64,
    pub year: i32,
    pub sequence: i32,
    pub number: &'a str,
}

pub fn insert(conn: &mut DbConnection, document: &NewDecisionDocument<'_>) -> QueryResult<()> {
    diesel::insert_into(decision_documents::table)
        .values(document)
        .execute(conn)?;
    Ok(())
}

/// The document number of an application's decision, if it was given one.
pub fn number_of(conn: &mut DbConnection, application_id: i64) -> QueryResult<Option<String>> {
    decision_documents::table
        .find(application_id)
        .select(decision_documents::number)
        .first(conn)
        .optional()
}
