//! Use cases. Each takes a connection, owns its transaction and returns domain or read-model
//! values; none knows about HTTP.

pub mod catalog;
pub mod catalog_import;

use crate::db::PoolError;

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
}
