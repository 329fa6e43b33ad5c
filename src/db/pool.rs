//! The connection pool. A small `ManageConnection` picks the backend by URL, so that a failed
//! connection reports the real error, and sets SQLite's per-connection pragmas on every new
//! connection.

use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DatabaseUrl, DbConnection};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Serialises migrations of several nodes starting at once on one PostgreSQL.
const MIGRATION_LOCK: i64 = 0x0_4e_53_74_6f_70; // "OneStop"

/// SQLite settings that live on the connection, not in the file. WAL is stored in the file but
/// is set here too so that a new file gets it; `synchronous=NORMAL` is safe under WAL.
/// A WAL file that grew in a burst is cut back to 64 MB when the log restarts. The log is
/// checkpointed every 64 write transactions ([`super::sqlite_library::keep_wal_short`]);
/// SQLite's own checkpoint, every 1,000 pages by default, synced the database file three
/// times as often, each time while a writer held the write lock. At 10,000 it is only a safety
/// net. The busy timeout is [`super::sqlite_library::BUSY_TIMEOUT`].
///
/// `temp_store = MEMORY` keeps statement journals in memory. A statement that may fail half
/// done (an update of a unique or foreign-key column, as a submission is) journals every page
/// it changes, so that it can be undone alone; past 64 KiB SQLite spilled that journal to a
/// new temporary file, opened and written on each submission: 8% of its CPU (`perf`).
///
/// `mmap_size`: reads map the database file instead of copying each page with `pread` into
/// SQLite's 2 MB per-connection cache. On 1,000,000 applications the clerk's queue reads pages
/// all over a file of about a gigabyte; with `pread` a third of the queue's CPU was the kernel
/// copying pages (`perf`, issue 24): 1,000 µs a request, 604 µs mapped. The mapped pages are the
/// kernel's page cache, shared by every connection and process, and count in the server's
/// resident memory as file pages, not as memory it allocated.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = 67108864; \
     PRAGMA wal_autocheckpoint = 10000; PRAGMA temp_store = MEMORY; \
     PRAGMA mmap_size = 1073741824;";

/// A connection that was back in the pool less than this long ago is handed out without the
/// `SELECT 1` check: it answered its last statement a moment ago. (HikariCP skips its check
/// within 500 ms alike.) Should it have died since, its request gets a 503, as any request
/// does while the database is away, and [`Manager::has_broken`] drops it.
const RECENTLY_USED: Duration = Duration::from_millis(500);

pub type DbPool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Why the database could not be reached or prepared. Messages name the database without its
/// password.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("cannot open {url}: {message}")]
    Connect { url: String, message: String },
    #[error("cannot create the folder {folder} for the SQLite file: {source}")]
    Folder {
        folder: String,
        source: std::io::Error,
    },
    #[error("cannot migrate {url}: {message}")]
    Migrate { url: String, message: String },
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
}

/// A pooled connection and when it last went back to the pool.
pub struct Pooled {
    conn: DbConnection,
    returned_at: Instant,
    lost: bool,
}

impl Pooled {
    /// Marks the connection as lost (its statement failed because the server went away), so
    /// that the pool drops it instead of handing it out again unchecked. diesel's own
    /// `is_broken` sees only a broken transaction, not a closed socket.
    pub fn discard(&mut self) {
        self.lost = true;
    }
}

impl Deref for Pooled {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    fn open(&self) -> Result<DbConnection, PoolError> {
        let fail = |message: String| PoolError::Connect {
            url: self.url.to_string(),
            message,
        };
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                super::sqlite_library::configure();
                let path = path
                    .to_str()
                    .ok_or_else(|| fail("the path is not UTF-8".into()))?;
                let mut conn =
                    diesel::SqliteConnection::establish(path).map_err(|e| fail(e.to_string()))?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .and_then(|()| conn.batch_execute(super::sqlite_library::BUSY_TIMEOUT))
                    .map_err(|e| fail(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => diesel::PgConnection::establish(url)
                .map(DbConnection::Postgres)
                .map_err(|e| fail(e.to_string().trim().replace('\n', " "))),
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = PoolError;

    fn connect(&self) -> Result<Pooled, PoolError> {
        Ok(Pooled {
            conn: self.open()?,
            returned_at: Instant::now(),
            lost: false,
        })
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), PoolError> {
        if pooled.returned_at.elapsed() < RECENTLY_USED {
            return Ok(());
        }
        pooled
            .conn
            .batch_execute("SELECT 1")
            .map_err(|e| PoolError::Connect {
                url: self.url.to_string(),
                message: e.to_string(),
            })
    }

    /// Called as each connection goes back to the pool.
    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.returned_at = Instant::now();
        pooled.lost
            || match &mut pooled.conn {
                DbConnection::Sqlite(c) => c.is_broken(),
                DbConnection::Postgres(c) => c.is_broken(),
            }
    }
}

/// Opens the database (creating a SQLite file and its folder if needed), applies pending
/// migrations and returns a pool. Fails fast with the real error when the database is
/// unreachable, instead of waiting out the pool's timeout.
pub fn connect(url: &DatabaseUrl, max_size: u32) -> Result<DbPool, PoolError> {
    if let DatabaseUrl::Sqlite(path) = url
        && let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder).map_err(|source| PoolError::Folder {
            folder: folder.display().to_string(),
            source,
        })?;
    }
    let manager = Manager { url: url.clone() };
    let mut first = manager.open()?;
    migrate(&mut first, url)?;
    drop(first);
    // A PostgreSQL connection can die under the pool (a server restart): one that waited in the
    // pool is checked with a `SELECT 1` when taken out, which costs a round trip and saves a
    // failed request (one just returned is not, [`RECENTLY_USED`]). A SQLite
    // connection is an open file that cannot go away, and the check was a parsed statement on
    // every request.
    let test_on_check_out = !matches!(url, DatabaseUrl::Sqlite(_));
    // A SQLite checkout waits only for another request to finish, so it may wait as long as
    // the busy timeout; a PostgreSQL checkout that waits may be waiting for a server that is
    // gone, and should say so (503) soon.
    let checkout_timeout = Duration::from_secs(if test_on_check_out { 5 } else { 30 });
    Ok(r2d2::Pool::builder()
        .max_size(max_size)
        .test_on_check_out(test_on_check_out)
        .min_idle(Some(1))
        .connection_timeout(checkout_timeout)
        .build(manager)?)
}

/// Whether the database lacks a migration this build has: it is being upgraded by another node
/// (or by `onestop migrate`) and this node should not take requests yet.
pub fn migrations_pending(conn: &mut DbConnection) -> Result<bool, String> {
    match conn {
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
        DbConnection::Postgres(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| e.to_string())
}

fn migrate(conn: &mut DbConnection, url: &DatabaseUrl) -> Result<(), PoolError> {
    let fail = |message: String| PoolError::Migrate {
        url: url.to_string(),
        message,
    };
    match conn {
        DbConnection::Sqlite(c) => {
            c.run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(|e| fail(e.to_string()))?;
        }
        DbConnection::Postgres(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .map_err(|e| fail(e.to_string()))?;
            let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ());
            let unlock = c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            result.map_err(|e| fail(e.to_string()))?;
            unlock.map_err(|e| fail(e.to_string()))?;
        }
    }
    Ok(())
}
