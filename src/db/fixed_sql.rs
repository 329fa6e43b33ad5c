//! Statements of one fixed SQL text, which diesel keeps prepared.
//!
//! diesel prepares a statement once per connection and reuses it only when the statement says
//! it is safe to cache, and every `UPDATE` and every `ON CONFLICT … DO UPDATE` says it is not
//! (a changeset that skips its `None`s varies its SQL). The hot writes — a submission, a
//! transition, the queue and day counts — were therefore parsed and planned anew at every
//! request: on PostgreSQL a `parse` and a planning `bind` each time, on SQLite a
//! `sqlite3_prepare` of the statement and of all its index updates.
//!
//! A wrapper that only answered "safe" does not help: the connection asks through `&T`, whose
//! blanket `QueryFragment` walks the wrapped statement, and the statement marks itself unsafe.
//! A [`FixedSql`] never does: its text is a `&'static str`, so the statements are as many as
//! the program has texts, and the cache keys them by that text and the bind types.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, Date, HasSqlType, Integer, Nullable, Text, Timestamp};

/// A statement of a fixed text, each `?` in it bound in turn to the next of `binds` (as `$n`
/// on PostgreSQL). The text must not hold a `?` of its own, in a literal or a comment.
pub(crate) struct FixedSql<'a> {
    sql: &'static str,
    binds: Vec<Bind<'a>>,
}

impl<'a> FixedSql<'a> {
    /// The statement `sql` with its values; panics in debug builds when the numbers of `?` and
    /// of values differ (a mistake in the program, caught by the first test to run it).
    pub(crate) fn new(sql: &'static str, binds: Vec<Bind<'a>>) -> Self {
        debug_assert_eq!(sql.matches('?').count(), binds.len(), "{sql}");
        FixedSql { sql, binds }
    }
}

/// One value bound to a `?`, of one of the column types the hot writes use; `None` is NULL.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bind<'a> {
    Integer(Option<i32>),
    BigInt(Option<i64>),
    Text(Option<&'a str>),
    Date(Option<NaiveDate>),
    Timestamp(Option<NaiveDateTime>),
    Bool(Option<bool>),
}

macro_rules! bind_from {
    ($variant:ident, $rust:ty) => {
        impl<'a> From<$rust> for Bind<'a> {
            fn from(value: $rust) -> Self {
                Bind::$variant(Some(value))
            }
        }
        impl<'a> From<Option<$rust>> for Bind<'a> {
            fn from(value: Option<$rust>) -> Self {
                Bind::$variant(value)
            }
        }
    };
}
bind_from!(Integer, i32);
bind_from!(BigInt, i64);
bind_from!(Text, &'a str);
bind_from!(Date, NaiveDate);
bind_from!(Timestamp, NaiveDateTime);
bind_from!(Bool, bool);

impl QueryId for FixedSql<'_> {
    type QueryId = ();
    // No static id: the cache keys the statement by its text and its bind types.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> QueryFragment<DB> for FixedSql<'_>
where
    DB: Backend
        + HasSqlType<Integer>
        + HasSqlType<BigInt>
        + HasSqlType<Text>
        + HasSqlType<Date>
        + HasSqlType<Timestamp>
        + HasSqlType<Bool>,
    i32: ToSql<Integer, DB>,
    i64: ToSql<BigInt, DB>,
    str: ToSql<Text, DB>,
    NaiveDate: ToSql<Date, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
    bool: ToSql<Bool, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        let mut pieces = self.sql.split('?');
        out.push_sql(pieces.next().unwrap_or_default());
        for (piece, bind) in pieces.zip(&self.binds) {
            match bind {
                Bind::Integer(v) => out.push_bind_param::<Nullable<Integer>, _>(v)?,
                Bind::BigInt(v) => out.push_bind_param::<Nullable<BigInt>, _>(v)?,
                Bind::Text(v) => out.push_bind_param::<Nullable<Text>, _>(v)?,
                Bind::Date(v) => out.push_bind_param::<Nullable<Date>, _>(v)?,
                Bind::Timestamp(v) => out.push_bind_param::<Nullable<Timestamp>, _>(v)?,
                Bind::Bool(v) => out.push_bind_param::<Nullable<Bool>, _>(v)?,
            }
            out.push_sql(piece);
        }
        Ok(())
    }
}

impl<Conn> diesel::RunQueryDsl<Conn> for FixedSql<'_> {}
