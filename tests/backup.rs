//! Backups while the portal serves, and their restoration: `onestop backup` / `onestop
//! restore` for SQLite (uploaded files included), `pg_dump` / `pg_restore` for PostgreSQL, each
//! under a submission load, every submission confirmed before the backup began restored whole.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::load::{self, Mix, Node, Work};
use common::{Backend, new_database, onestop};
use diesel::prelude::*;
use onestop::db::schema::application_files;

/// (files, their total size, the digest of their digests) in a database.
fn files_of(url: &str) -> (i64, i64, String) {
    let mut conn = load::connection(url);
    let rows: Vec<(i64, String, Vec<u8>)> = application_files::table
        .order(application_files::id)
        .select((
            application_files::size,
            application_files::sha256,
            application_files::content,
        ))
        .load(&mut **conn)
        .unwrap();
    for (_, sha, content) in &rows {
        assert_eq!(
            &onestop::domain::sha256_hex(content),
            sha,
            "a file's content is whole"
        );
    }
    let digests: String = rows.iter().map(|(_, sha, _)| sha.as_str()).collect();
    (
        rows.len() as i64,
        rows.iter().map(|r| r.0).sum(),
        onestop::domain::sha256_hex(digests.as_bytes()),
    )
}

#[actix_web::test]
async fn a_sqlite_backup_holds_the_uploaded_files_and_restores_only_into_an_empty_database() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    common::create_demo_accounts(&app);
    let code = common::sjj_service(&app).await;
    let mut citizen = common::signed_in(&app, "citizen@demo.onestop.cn").await;
    common::submit_one(&mut citizen, &code).await;
    let original = files_of(&app.database_url);
    assert!(original.0 > 0, "the submission has its materials");

    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("onestop-backup.db");
    let backup_arg = backup.display().to_string();
    let (ok, out, err) = onestop(&app.database_url, &["backup", "--to", &backup_arg]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("backed up"), "{out}");
    // Never over an existing file.
    let (ok, _, err) = onestop(&app.database_url, &["backup", "--to", &backup_arg]);
    assert!(!ok && err.contains("exists already"), "{err}");

    // Into a new database: the files come back byte for byte.
    let restored = dir.path().join("restored/onestop.db").display().to_string();
    let (ok, out, err) = onestop(&restored, &["restore", "--from", &backup_arg]);
    assert!(ok, "{out}{err}");
    assert_eq!(files_of(&restored), original);
    // Not over a database with data, and not from a file that is not a OneStop database.
    let (ok, _, err) = onestop(&app.database_url, &["restore", "--from", &backup_arg]);
    assert!(!ok && err.contains("is not empty"), "{err}");
    let stranger = dir.path().join("stranger.db");
    std::fs::write(&stranger, b"not a database at all").unwrap();
    let elsewhere = dir.path().join("elsewhere.db").display().to_string();
    let (ok, _, err) = onestop(
        &elsewhere,
        &["restore", "--from", &stranger.display().to_string()],
    );
    assert!(!ok, "{err}");
    assert!(
        !Path::new(&elsewhere).exists(),
        "a failed restore leaves nothing behind"
    );

    // The restored database serves: a node started on it lists the submission.
    let node = Node::start(&restored).await;
    let served = common::attach(node.address.clone());
    assert_eq!(served.get("/readyz").await.status, 200);
}

/// Submissions at full speed; a backup taken in the middle; the load goes on; the backup is
/// restored: every submission confirmed before the backup began is in it, whole, and nothing
/// in it is half-written.
async fn backup_under_load(
    backend: Backend,
    backup: impl Fn(&str, &Path) + Send + 'static,
    restore: impl Fn(&Path) -> String,
) {
    let Some((_db, url)) = new_database(backend) else {
        return;
    };
    load::seed(&url, 200, 3000);
    let node = Node::start(&url).await;
    let work = Arc::new(Work::prepare(&node.address, &url).await);
    let backup_at = Instant::now() + Duration::from_secs(3);
    let stop_at = backup_at + Duration::from_secs(4);
    let before: Arc<Mutex<Option<Vec<i64>>>> = Arc::default();
    let seen = Arc::clone(&before);
    let running = actix_web::rt::spawn(load::run(
        node.address.clone(),
        Arc::clone(&work),
        16,
        Mix::Submissions,
        Arc::new(move |o: &load::Outcome| {
            let now = Instant::now();
            let mut before = seen.lock().unwrap();
            if now >= backup_at && before.is_none() {
                *before = Some(o.confirmed_submissions.clone());
            }
            now >= stop_at
        }),
    ));
    actix_web::rt::time::sleep_until(backup_at.into()).await;
    // Let the snapshot of what was confirmed be taken first (a task records it at its next
    // request), then back up.
    while before.lock().unwrap().is_none() {
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup");
    let (url_for_backup, file_for_backup) = (url.clone(), file.clone());
    actix_web::rt::task::spawn_blocking(move || backup(&url_for_backup, &file_for_backup))
        .await
        .unwrap();
    let outcome = running.await.unwrap();
    assert!(
        outcome.server_errors.is_empty() && outcome.failures.is_empty(),
        "the load went on undisturbed"
    );
    let before = before.lock().unwrap().clone().unwrap();
    assert!(
        !before.is_empty(),
        "submissions were confirmed before the backup"
    );
    assert!(
        outcome.confirmed_submissions.len() > before.len(),
        "and after it"
    );

    let restored = restore(&file);
    let submitted = load::assert_whole(&restored, &work.drafts, &before);
    assert!(submitted >= before.len());
    eprintln!(
        "{backend:?}: {} confirmed before the backup, {submitted} in it, {} confirmed in all",
        before.len(),
        outcome.confirmed_submissions.len()
    );
}

#[actix_web::test]
async fn a_sqlite_backup_taken_under_load_restores_every_submission_confirmed_before_it() {
    let restored_dir = tempfile::tempdir().unwrap();
    let restored = restored_dir
        .path()
        .join("restored.db")
        .display()
        .to_string();
    let target = restored.clone();
    backup_under_load(
        Backend::Sqlite,
        |url, file| {
            let (ok, out, err) = onestop(url, &["backup", "--to", &file.display().to_string()]);
            assert!(ok, "{out}{err}");
        },
        move |file| {
            let (ok, out, err) =
                onestop(&target, &["restore", "--from", &file.display().to_string()]);
            assert!(ok, "{out}{err}");
            target.clone()
        },
    )
    .await;
    drop(restored);
}

#[actix_web::test]
async fn a_pg_dump_taken_under_load_restores_every_submission_confirmed_before_it() {
    let Some((target_db, target_url)) = new_database(Backend::Postgres) else {
        return;
    };
    let for_restore = target_url.clone();
    backup_under_load(
        Backend::Postgres,
        |url, file| {
            // The documented command: one consistent snapshot in the custom format.
            let dump = Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(file)
                .arg(url)
                .output()
                .expect("pg_dump is installed with PostgreSQL");
            assert!(
                dump.status.success(),
                "{}",
                String::from_utf8_lossy(&dump.stderr)
            );
        },
        move |file| {
            let restore = Command::new("pg_restore")
                .args(["--no-owner", "--exit-on-error", "--dbname"])
                .arg(&for_restore)
                .arg(file)
                .output()
                .expect("pg_restore is installed with PostgreSQL");
            assert!(
                restore.status.success(),
                "{}",
                String::from_utf8_lossy(&restore.stderr)
            );
            for_restore.clone()
        },
    )
    .await;
    drop(target_db);
}
