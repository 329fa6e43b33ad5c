//! Persistence with diesel, one set of models and queries for SQLite and PostgreSQL.
//!
//! The backend follows the `DATABASE_URL` scheme: `postgres://` or `postgresql://` is PostgreSQL,
//! anything else a SQLite file path (with or without a `sqlite://` prefix).

pub mod accounts;
pub mod admin;
pub mod applications;
pub mod backup;
pub mod catalog;
pub(crate) mod dates;
pub mod documents;
mod fixed_sql;
pub mod grid;
pub mod hotline;
pub mod licences;
pub mod outbox;
mod pool;
pub mod ratings;
pub mod schema;
mod sqlite_library;
pub mod workflow;

use std::fmt;
use std::path::PathBuf;

pub(crate) use fixed_sql::FixedSql;
pub use pool::{DbPool, PoolError, PooledConnection, connect, migrations_pending};
pub use sqlite_library::configure as configure_sqlite_library;

/// One connection to either backend; every query is written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(diesel::SqliteConnection),
    Postgres(diesel::PgConnection),
}

/// Runs the same expression on the inner connection of either backend. For the few statements a
/// `MultiConnection` cannot express, such as multi-row inserts.
macro_rules! on_backend {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($inner) => $body,
            $crate::db::DbConnection::Postgres($inner) => $body,
        }
    };
}
pub(crate) use on_backend;

/// One write transaction. On SQLite it begins `IMMEDIATE`, taking the write lock at once: a
/// deferred transaction that reads first and writes later can fail with SQLITE_BUSY when another
/// writer got in between, whatever the busy timeout; an immediate one waits its turn instead.
/// On PostgreSQL it is an ordinary transaction.
///
/// SQLite has one writer at a time. The writers of this process queue for it on a mutex
/// ([`sqlite_library::writer_turn`]) rather than in SQLite's busy handler, which polls with
/// sleeps of up to 100 ms: under 64 concurrent submissions that polling made the slowest
/// answers slow, and kept the WAL from ever being restarted.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::Connection;
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConnection as Connection>::TransactionManager;
    // Inside another write transaction (a kind of case's step that fires a transition), the
    // work is a savepoint of it: the writer's turn is already held.
    let nested = match &mut *conn {
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::transaction_manager_status_mut(inner)
                .transaction_depth()?
                .is_some()
        }
        DbConnection::Postgres(_) => true,
    };
    if nested {
        return conn.transaction(work);
    }
    let _turn = sqlite_library::writer_turn();
    if let DbConnection::Sqlite(inner) = &mut *conn {
        AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    }
    let outcome = match work(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(error) => {
                let _ = Manager::rollback_transaction(conn);
                Err(error.into())
            }
        },
        Err(error) => {
            let _ = Manager::rollback_transaction(conn);
            Err(error)
        }
    };
    if let (Ok(_), DbConnection::Sqlite(inner)) = (&outcome, conn) {
        sqlite_library::keep_wal_short(inner);
    }
    outcome
}

/// The row of a count kept in slots (`queue_counts`, `event_day_counts`) that an application's
/// change updates. A count kept in one row is locked by each transaction that changes it until
/// that transaction commits, so concurrent ones queue on it; spread over 16 slots by the
/// application, they update different rows, and readers add the slots up.
pub(crate) fn count_slot(application_id: i64) -> i32 {
    const SLOTS: i64 = 16;
    i32::try_from(application_id.rem_euclid(SLOTS)).unwrap_or(0)
}

/// Which database to use, parsed from `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// The default: a SQLite file under `data/`, created with its folder on first run.
    pub const DEFAULT: &'static str = "data/onestop.db";

    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(value.to_owned()));
        }
        let path = value
            .strip_prefix("sqlite://")
            .or_else(|| value.strip_prefix("sqlite:"))
            .unwrap_or(value);
        if path.is_empty() {
            return Err(
                "DATABASE_URL is empty: give a SQLite file path or a postgres:// URL".into(),
            );
        }
        if path.contains("://") {
            return Err(format!(
                "DATABASE_URL scheme of {:?} is not supported: use postgres:// or a SQLite file path",
                redact(value)
            ));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    /// `"sqlite"` or `"postgres"`, as the health endpoint reports it.
    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }
}

/// Shows the URL without its password, so that it can be logged.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "SQLite file {}", path.display()),
            DatabaseUrl::Postgres(url) => write!(f, "PostgreSQL {}", redact(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Replaces the password of `scheme://user:password@host` with `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            if credentials.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => url.to_owned(),
    }
}

/// Writes `sql` with PostgreSQL's `$n` placeholders for the connection's backend (SQLite reads
/// the same numbered placeholders as `?n`).
pub(crate) fn numbered(conn: &DbConnection, sql: &str) -> String {
    match conn {
        DbConnection::Sqlite(_) => sql.replace('$', "?"),
        DbConnection::Postgres(_) => sql.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_chooses_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db")
                .unwrap()
                .backend_name(),
            "postgres"
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db")
                .unwrap()
                .backend_name(),
            "postgres"
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("/tmp/x.db").unwrap(),
            DatabaseUrl::Sqlite("/tmp/x.db".into())
        );
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
        assert!(DatabaseUrl::parse("").is_err());
    }

    #[test]
    fn displayed_urls_hide_the_password() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/onestop").unwrap();
        assert_eq!(
            url.to_string(),
            "PostgreSQL postgres://app:***@db:5432/onestop"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
