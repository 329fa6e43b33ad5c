//! Backups of an embedded (SQLite) database, taken while the portal serves, and their
//! restoration into an empty database. Uploaded files are stored in the database
//! (`application_files.content`), so a copy of the database is a copy of them too. PostgreSQL is
//! backed up with its own tools, `pg_dump` and `pg_restore` (docs/operations.md).

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists already: a backup never overwrites a file")]
    TargetExists(String),
    #[error("{0} is not a OneStop database: {1}")]
    NotOneStop(String, String),
    #[error("{0} is not empty: restore only into a new database (or move the old file away)")]
    NotEmpty(String),
    #[error("{0}")]
    Database(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn open(path: &Path) -> Result<SqliteConnection, BackupError> {
    let mut conn = SqliteConnection::establish(&path.display().to_string())
        .map_err(|e| BackupError::Database(e.to_string()))?;
    // The portal may be writing: wait for its transactions rather than fail.
    conn.batch_execute(super::sqlite_library::BUSY_TIMEOUT)
        .map_err(|e| BackupError::Database(e.to_string()))?;
    Ok(conn)
}

/// Copies the database at `source` to a new file `to` while others keep writing to it: `VACUUM
/// INTO` reads one snapshot (a single read transaction, so the copy is consistent: a
/// submission is in it whole or not at all) and writes a compact copy. Returns its size.
pub fn backup_sqlite(source: &Path, to: &Path) -> Result<u64, BackupError> {
    if to.exists() {
        return Err(BackupError::TargetExists(to.display().to_string()));
    }
    if !source.is_file() {
        return Err(BackupError::NotOneStop(
            source.display().to_string(),
            "no such file".into(),
        ));
    }
    let mut conn = open(source)?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(to.display().to_string())
        .execute(&mut conn)
        .map_err(|e| BackupError::Database(e.to_string()))?;
    Ok(std::fs::metadata(to)?.len())
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn tables(conn: &mut SqliteConnection) -> Result<Vec<String>, BackupError> {
    Ok(
        diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'table'")
            .load::<Name>(conn)
            .map_err(|e| BackupError::Database(e.to_string()))?
            .into_iter()
            .map(|n| n.name)
            .collect(),
    )
}

/// Restores the backup `from` as the database `to`, which must not exist or hold no table:
/// the backup is checked (SQLite's integrity check, and OneStop's tables) and copied in
/// through a temporary file, so that a failed restore leaves no half database. Start the
/// portal on `to` afterwards; migrations newer than the backup run then.
pub fn restore_sqlite(from: &Path, to: &Path) -> Result<(), BackupError> {
    let named = |p: &Path| p.display().to_string();
    let mut backup = open(from)?;
    let found = tables(&mut backup)?;
    for needed in [
        "__diesel_schema_migrations",
        "applications",
        "application_files",
    ] {
        if !found.iter().any(|t| t == needed) {
            return Err(BackupError::NotOneStop(
                named(from),
                format!("it has no table {needed}"),
            ));
        }
    }
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let check = diesel::sql_query("PRAGMA integrity_check")
        .load::<Check>(&mut backup)
        .map_err(|e| BackupError::Database(e.to_string()))?;
    if check.first().map(|c| c.integrity_check.as_str()) != Some("ok") {
        return Err(BackupError::NotOneStop(
            named(from),
            "its integrity check failed".into(),
        ));
    }
    drop(backup);
    if to.exists() && !tables(&mut open(to)?)?.is_empty() {
        return Err(BackupError::NotEmpty(named(to)));
    }
    if let Some(folder) = to.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    let partial = to.with_extension("restoring");
    std::fs::copy(from, &partial)?;
    // An empty database's journal files would be read as this one's.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
    }
    std::fs::rename(&partial, to)?;
    Ok(())
}
