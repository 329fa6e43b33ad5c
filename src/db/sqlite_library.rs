//! Process-wide settings of the bundled SQLite library, made once before the first connection
//! opens (SQLite refuses them after it has initialised).
//!
//! Measured with `perf` on the benchmark (bench/run.sh, queue page on 1,000,000 applications):
//! with SQLite's defaults, 8% of the server's CPU went to locking and unlocking pthread mutexes
//! and 10% to glibc's malloc. The library is built thread-safe and counts every allocation
//! under a global mutex; OneStop never shares a connection between threads (the pool hands a
//! connection to one request at a time), so:
//! - *multi-thread* mode drops the per-connection mutex (the pool already serialises a
//!   connection's use; SQLite's shared structures keep their mutexes);
//! - memory statistics are off (nothing reads them), which removes the global malloc mutex;
//! - SQLite allocates with mimalloc, the allocator the rest of the program uses, instead of
//!   glibc's arenas;
//! - every connection gets the *query planner stability guarantee* (QPSG). Without it SQLite
//!   plans some statements for the values bound to them (`LIMIT ?`, which diesel binds for
//!   every `.first()` and `.limit(n)`, and the STAT4 statistics), marks such a statement
//!   expired whenever a parameter is bound again, and so parses and plans it anew on each
//!   execution: 15% of the queue page's CPU, diesel's statement cache notwithstanding. With
//!   QPSG a statement keeps its plan, made from the schema, the indexes and ANALYZE's
//!   per-index statistics.

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;

use libsqlite3_sys as ffi;

unsafe extern "C" fn allocate(size: c_int) -> *mut c_void {
    // SAFETY: mi_malloc accepts any size; SQLite never asks for a negative one.
    unsafe { libmimalloc_sys::mi_malloc(usize::try_from(size).unwrap_or(0)) }
}

unsafe extern "C" fn free(block: *mut c_void) {
    // SAFETY: SQLite frees only what `allocate` or `reallocate` returned.
    unsafe { libmimalloc_sys::mi_free(block) }
}

unsafe extern "C" fn reallocate(block: *mut c_void, size: c_int) -> *mut c_void {
    // SAFETY: as for `free`; SQLite never asks for a negative size.
    unsafe { libmimalloc_sys::mi_realloc(block, usize::try_from(size).unwrap_or(0)) }
}

unsafe extern "C" fn size_of(block: *mut c_void) -> c_int {
    // SAFETY: `block` came from mimalloc (see `free`).
    let size = unsafe { libmimalloc_sys::mi_usable_size(block) };
    c_int::try_from(size).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn round_up(size: c_int) -> c_int {
    // mimalloc's small size classes are multiples of 8 bytes.
    (size + 7) & !7
}

unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn shutdown(_: *mut c_void) {}

/// Run by SQLite for every connection it opens (an "automatic extension").
unsafe extern "C" fn per_connection(
    db: *mut ffi::sqlite3,
    _error: *mut *mut std::ffi::c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: `db` is the connection being opened; the option takes an int and an int pointer
    // (which may be null).
    unsafe {
        ffi::sqlite3_db_config(
            db,
            ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as c_int,
            std::ptr::null_mut::<c_int>(),
        )
    }
}

/// The allocator table handed to SQLite (which copies it).
struct Methods(ffi::sqlite3_mem_methods);

// SAFETY: the table holds function pointers and a null pointer, none of it ever mutated.
unsafe impl Sync for Methods {}

static MIMALLOC: Methods = Methods(ffi::sqlite3_mem_methods {
    xMalloc: Some(allocate),
    xFree: Some(free),
    xRealloc: Some(reallocate),
    xSize: Some(size_of),
    xRoundup: Some(round_up),
    xInit: Some(init),
    xShutdown: Some(shutdown),
    pAppData: std::ptr::null_mut(),
});

/// Applies the settings above, once per process; true if they are in force. If SQLite was
/// initialised already (by code outside OneStop), its defaults stay: slower, not wrong, and a
/// warning says so.
pub fn configure() -> bool {
    static APPLIED: OnceLock<bool> = OnceLock::new();
    *APPLIED.get_or_init(|| {
        // SAFETY: sqlite3_config is called before OneStop opens any connection, with the
        // argument types each option documents; MIMALLOC lives as long as the program.
        let results = unsafe {
            [
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MULTITHREAD),
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int),
                ffi::sqlite3_config(
                    ffi::SQLITE_CONFIG_MALLOC,
                    &MIMALLOC.0 as *const ffi::sqlite3_mem_methods,
                ),
                // Last: registering initialises the library, after which it takes no config.
                ffi::sqlite3_auto_extension(Some(per_connection)),
            ]
        };
        let applied = results.iter().all(|&r| r == ffi::SQLITE_OK);
        if !applied {
            tracing::warn!(
                ?results,
                "SQLite was initialised before OneStop could configure it; using its defaults"
            );
        }
        applied
    })
}

/// The right to write to SQLite, for one transaction of this process at a time: see
/// [`super::write_transaction`]. Other processes on the same file (the `worker` command, for
/// instance) still meet this one in SQLite's busy handler.
pub(super) fn writer_turn() -> MutexGuard<'static, ()> {
    static WRITER: Mutex<()> = Mutex::new(());
    // A writer that panicked has rolled back (or its connection is dropped): the turn is free.
    WRITER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Write transactions (in this process) between two restarts of the WAL: a submission writes
/// about 37 pages, so the log stays near 10 MB.
const COMMITS_PER_RESTART: u32 = 64;
static COMMITS: AtomicU32 = AtomicU32::new(0);
/// A copy of the log into the database is under way on its own thread ([`copy_ahead`]).
static COPYING: AtomicBool = AtomicBool::new(false);

/// Restarts the WAL from its beginning every [`COMMITS_PER_RESTART`] write transactions. Call
/// it after a commit, outside any transaction, during the writer's turn ([`writer_turn`]).
///
/// SQLite's own checkpoint after a commit is *passive*: it copies the log into the database
/// but starts the log afresh only when no reader is using it, which under steady load never
/// happens. The WAL grew by 150 MB a second under the submission benchmark (5 GB in 35 s),
/// and appending to a growing file was a quarter of the CPU (ext4 zeroing new blocks). A
/// *restart* checkpoint waits for the readers of the old log to finish; it waits at most
/// 200 ms here, so that a long reader (a CSV export) makes it give up until the next turn
/// rather than hold up every writer.
///
/// A restart blocks every writer while it copies the log and syncs both files: 35 ms, every
/// 64 submissions, on this machine's disk (`perf trace`: a 22 ms fsync of the log, then
/// 12 ms of the database). So three quarters of the way to a restart a passive checkpoint copies
/// and syncs most of the log on a thread of its own, without the writer's turn
/// ([`copy_ahead`]), and the restart has only the last commits left to copy.
pub(super) fn keep_wal_short(conn: &mut diesel::SqliteConnection) {
    let commits = COMMITS.fetch_add(1, Ordering::Relaxed) + 1;
    if commits == COMMITS_PER_RESTART * 3 / 4 {
        copy_ahead(conn);
        return;
    }
    // Two checkpoints at once would make the restart wait for the copy in SQLite's busy
    // handler, during the writer's turn: the restart waits for the next commit instead.
    if commits < COMMITS_PER_RESTART || COPYING.load(Ordering::Acquire) {
        return;
    }
    COMMITS.store(0, Ordering::Relaxed);
    let checkpoint = conn
        .batch_execute("PRAGMA busy_timeout = 200;")
        .and_then(|()| {
            diesel::sql_query("PRAGMA wal_checkpoint(RESTART)").get_result::<Checkpoint>(conn)
        });
    let reset = conn.batch_execute(BUSY_TIMEOUT);
    match checkpoint.and_then(|c| reset.map(|()| c)) {
        Ok(c) if c.busy != 0 => tracing::debug!(
            frames = c.log,
            "WAL restart put off: a reader was still on the log"
        ),
        Ok(c) => tracing::trace!(frames = c.log, "WAL restarted"),
        Err(error) => tracing::warn!(%error, "WAL checkpoint failed"),
    }
}

/// Starts a passive checkpoint of `conn`'s database on a new thread with a connection of its
/// own (opening one costs far less than the copy), unless one is under way.
fn copy_ahead(conn: &mut diesel::SqliteConnection) {
    use diesel::Connection;
    #[derive(diesel::QueryableByName)]
    struct Attached {
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    let Ok(Attached { file }) =
        diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .get_result::<Attached>(conn)
    else {
        return;
    };
    if file.is_empty() || COPYING.swap(true, Ordering::AcqRel) {
        return;
    }
    // `mode=rw`: a file deleted in the meantime (a test's, say) is not created again empty.
    let uri = format!(
        "file:{}?mode=rw",
        file.replace('%', "%25")
            .replace('?', "%3f")
            .replace('#', "%23")
    );
    let copy = move || {
        let copied = diesel::SqliteConnection::establish(&uri)
            .map_err(|e| e.to_string())
            .and_then(|mut copier| {
                diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)")
                    .get_result::<Checkpoint>(&mut copier)
                    .map_err(|e| e.to_string())
            });
        COPYING.store(false, Ordering::Release);
        match copied {
            Ok(c) => tracing::trace!(frames = c.log, "WAL copied ahead"),
            Err(error) => tracing::warn!(%error, "WAL copy ahead failed"),
        }
    };
    if std::thread::Builder::new()
        .name("wal-copy".into())
        .spawn(copy)
        .is_err()
    {
        COPYING.store(false, Ordering::Release);
    }
}

/// The answer of `PRAGMA wal_checkpoint`.
#[derive(diesel::QueryableByName)]
struct Checkpoint {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
}

/// How long a SQLite connection waits for the writer ahead of it. Long, because on one
/// embedded file waiting for the writer ahead is only queueing: under 1,000 connections a
/// submission waited more than 5 s and got a 503.
pub(super) const BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 30000;";
