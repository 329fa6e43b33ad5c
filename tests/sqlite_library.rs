//! The process-wide SQLite settings (src/db/sqlite_library.rs) are in force once OneStop has
//! opened a database, and SQLite works on them. Its own test binary, so that no other test
//! opens SQLite first.

use std::ffi::{CString, c_int};
use std::ptr;

use diesel::prelude::*;
use libsqlite3_sys as ffi;
use onestop::db::{DatabaseUrl, connect};

fn number(conn: &mut onestop::db::DbConnection, sql: &str) -> i64 {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(sql))
        .get_result(conn)
        .unwrap()
}

#[test]
fn sqlite_runs_on_mimalloc_without_memory_statistics_and_keeps_its_plans() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("library.db");
    let url = DatabaseUrl::parse(path.to_str().unwrap()).unwrap();
    // Opening the pool (and migrating the file) configures the library first.
    let pool = connect(&url, 2).unwrap();
    assert!(onestop::db::configure_sqlite_library());
    let mut conn = pool.get().unwrap();

    // Allocations of every size go through the configured allocator: a large blob, a string
    // grown by realloc, and the migrated schema's pages.
    assert_eq!(number(&mut conn, "length(randomblob(5000000))"), 5_000_000);
    assert_eq!(
        number(
            &mut conn,
            "length(replace(hex(zeroblob(100000)), '0', 'ab'))"
        ),
        400_000
    );
    let tables = number(
        &mut conn,
        "(SELECT count(*) FROM sqlite_master WHERE type = 'table')",
    );
    assert!(tables > 10, "the migrations ran: {tables} tables");
    // With memory statistics off, SQLite counts nothing (by default it counts every byte).
    // SAFETY: a plain getter.
    assert_eq!(unsafe { ffi::sqlite3_memory_used() }, 0);

    // A statement with `LIMIT ?`, run three times with a new binding each time, as diesel's
    // statement cache does, is prepared once and never again.
    // SAFETY: a connection and a statement used on this thread only, finalised and closed.
    unsafe {
        let mut db = ptr::null_mut();
        let file = CString::new(path.to_str().unwrap()).unwrap();
        let flags = ffi::SQLITE_OPEN_READWRITE;
        assert_eq!(
            ffi::sqlite3_open_v2(file.as_ptr(), &mut db, flags, ptr::null()),
            ffi::SQLITE_OK
        );
        let mut qpsg: c_int = -1;
        ffi::sqlite3_db_config(db, ffi::SQLITE_DBCONFIG_ENABLE_QPSG, -1 as c_int, &mut qpsg);
        assert_eq!(qpsg, 1, "the planner stability guarantee is on");
        let sql = CString::new("SELECT name FROM sqlite_master ORDER BY name LIMIT ?1").unwrap();
        let mut statement = ptr::null_mut();
        assert_eq!(
            ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut statement, ptr::null_mut()),
            ffi::SQLITE_OK
        );
        for limit in [1, 2, 3] {
            ffi::sqlite3_reset(statement);
            ffi::sqlite3_bind_int(statement, 1, limit);
            let mut rows = 0;
            while ffi::sqlite3_step(statement) == ffi::SQLITE_ROW {
                rows += 1;
            }
            assert_eq!(rows, limit);
        }
        let reprepared = ffi::sqlite3_stmt_status(statement, ffi::SQLITE_STMTSTATUS_REPREPARE, 0);
        assert_eq!(reprepared, 0, "the statement was prepared again");
        ffi::sqlite3_finalize(statement);
        ffi::sqlite3_close(db);
    }
}

/// Under steady writes the log is restarted every 64 commits, after a copy made ahead on a
/// thread of its own, so the WAL file stays a few commits long instead of growing with every
/// write; and nothing written is lost on the way.
#[test]
fn the_wal_stays_short_under_steady_writes() {
    use diesel::connection::SimpleConnection;
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("wal.db");
    let url = DatabaseUrl::parse(path.to_str().unwrap()).unwrap();
    let pool = connect(&url, 4).unwrap();
    pool.get()
        .unwrap()
        .batch_execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
        .unwrap();
    // 800 commits of 40 KB (ten pages) each, on four threads, with a reader in between.
    const COMMITS: usize = 800;
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                for _ in 0..COMMITS / 4 {
                    let mut conn = pool.get().unwrap();
                    onestop::db::write_transaction(&mut conn, |conn| {
                        conn.batch_execute(
                            "INSERT INTO scratch (payload) VALUES (randomblob(40000))",
                        )
                    })
                    .unwrap();
                    number(&mut conn, "(SELECT count(*) FROM scratch)");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let mut conn = pool.get().unwrap();
    assert_eq!(
        number(&mut conn, "(SELECT count(*) FROM scratch)"),
        COMMITS as i64
    );
    let wal = std::fs::metadata(folder.path().join("wal.db-wal"))
        .unwrap()
        .len();
    let written = (COMMITS * 40_000) as u64;
    // Restarted every 64 commits (or a little later while a copy is under way), the log
    // holds about 100 commits' worth at most, well under a quarter of what was written;
    // SQLite's own checkpoint alone (every 10,000 pages) would have let it grow to 40 MB.
    assert!(
        wal < written / 4,
        "the WAL is {wal} bytes after {written} bytes written"
    );
    assert_eq!(
        number(
            &mut conn,
            "(SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok')"
        ),
        0
    );
}
