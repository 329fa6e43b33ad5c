//! Use cases. Each takes a connection, owns its transaction and returns domain or read-model
//! values; none knows about HTTP.

pub mod accounts;
pub mod admin;
pub mod admin_overview;
pub mod applications;
pub mod catalog;
pub mod catalog_import;
pub mod demo;
pub mod digests;
pub mod documents;
pub mod grid;
pub mod metrics;
pub mod outbox;
pub mod parsed;
pub mod secrets;
pub mod seed;
pub mod seed_grid;
pub mod seed_hotline;
pub mod service_picker;
pub mod workflow;

use crate::db::PoolError;

impl ServiceError {
    /// The database could not be reached or was busy (a restart, a dropped connection, the
    /// pool exhausted, SQLite's write lock held past the busy timeout): nothing was changed,
    /// and the same request may succeed in a moment.
    pub fn is_database_unavailable(&self) -> bool {
        use diesel::result::Error;
        match self {
            ServiceError::Pool(_) | ServiceError::Checkout(_) => true,
            ServiceError::Database(Error::DatabaseError(_, info)) => {
                self.is_connection_lost() || info.message().contains("database is locked")
            }
            _ => false,
        }
    }

    /// The connection itself is gone (the server restarted or dropped it): it must not be
    /// used again.
    pub fn is_connection_lost(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            ServiceError::Database(Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )) => true,
            ServiceError::Database(Error::DatabaseError(_, info)) => {
                let message = info.message();
                message.contains("terminating connection")
                    || message.contains("server closed the connection")
                    || message.contains("the database system is")
            }
            _ => false,
        }
    }
}

/// A stored JSON document that does not parse is corrupt data.
impl From<serde_json::Error> for ServiceError {
    fn from(error: serde_json::Error) -> Self {
        ServiceError::Corrupt(error.to_string())
    }
}

/// The error of the service layer: what went wrong, in terms a handler can map to a status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    #[error("catalog source: {0}")]
    Source(#[from] crate::catalog::SourceError),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("{0}")]
    Pool(#[from] PoolError),
    #[error("database pool: {0}")]
    Checkout(#[from] r2d2::Error),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// A unique value (named by its form field) is already registered.
    #[error("{0} is already registered")]
    Conflict(&'static str),
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("too many failed logins until {until}")]
    Throttled { until: chrono::NaiveDateTime },
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("the link is invalid, used or expired")]
    InvalidToken,
    #[error("unknown department {0}")]
    UnknownDepartment(String),
    #[error("clerks and heads need at least one department")]
    DepartmentRequired,
    #[error("only clerks and heads belong to departments")]
    DepartmentNotAllowed,
    #[error("only clerks and heads can be changed this way")]
    NotStaff,
    #[error("administrators cannot deactivate themselves")]
    SelfDeactivation,
    #[error("this service is not for this kind of applicant")]
    NotForThisApplicant,
    #[error("the application can no longer be withdrawn")]
    NotWithdrawable,
    #[error("the application is no longer a draft")]
    NotADraft,
    #[error("the application changed meanwhile")]
    StaleVersion,
    #[error("the declaration was not confirmed")]
    DeclarationMissing,
    #[error("upload refused: {0:?}")]
    Upload(crate::services::applications::UploadProblem),
    #[error("materials missing: {0:?}")]
    MaterialsMissing(Vec<String>),
    #[error("the application is incomplete")]
    Incomplete(Vec<crate::domain::forms::FieldProblem>),
    #[error("{0}")]
    Refused(crate::domain::workflow::Refusal),
    /// An administrator's change that cannot be made, with every reason.
    #[error("refused: {}", in_english(.0))]
    Rejected(Vec<crate::domain::reason::Reason>),
}

fn in_english(reasons: &[crate::domain::reason::Reason]) -> String {
    let reasons: Vec<String> = reasons.iter().map(ToString::to_string).collect();
    reasons.join("; ")
}

/// Now in UTC, to the microsecond: what both databases store, so that values read back compare
/// equal to the ones written (keyset pages, leases).
pub fn stored_now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
