//! PostgreSQL restarted under load: the app answers "try again shortly" (503) while the
//! database is away, never a 500, and recovers by itself when it is back, with every submission
//! it confirmed on the record. Alone in its test binary, because the restart takes the server
//! away from every other test too. It restarts the machine's PostgreSQL cluster with
//! `pg_ctlcluster`, as CI's root can; it fails, rather than skipping, where it cannot.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::Backend;
use common::load::{self, Mix, Node, Work};

#[actix_web::test]
async fn the_app_recovers_by_itself_when_postgresql_restarts() {
    let Some((_db, url)) = common::new_database(Backend::Postgres) else {
        return;
    };
    load::seed(&url, 2000, 6000);
    let node = Node::start(&url).await;
    let work = Arc::new(Work::prepare(&node.address, &url).await);
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let stop = Arc::clone(&stop);
        actix_web::rt::spawn(load::run(
            node.address.clone(),
            Arc::clone(&work),
            24,
            Mix::All,
            Arc::new(move |_| stop.load(Ordering::SeqCst)),
        ))
    };
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    let restarted_at = Instant::now();
    actix_web::rt::task::spawn_blocking(restart_postgresql)
        .await
        .expect("restart");
    let back_at = Instant::now();
    let before = submissions(&url);
    // The load goes on for a while after the database is back.
    actix_web::rt::time::sleep(Duration::from_secs(10)).await;
    let recovered = submissions(&url) - before;
    stop.store(true, Ordering::SeqCst);
    let outcome = load.await.expect("load");
    eprintln!(
        "restart took {:.1} s; {} answers, {} submissions confirmed, {} 503s",
        (back_at - restarted_at).as_secs_f64(),
        outcome.answers,
        outcome.confirmed_submissions.len(),
        outcome
            .server_errors
            .iter()
            .filter(|(s, _)| *s == 503)
            .count()
    );
    assert!(
        outcome
            .server_errors
            .iter()
            .all(|(status, _)| *status == 503),
        "only 503 may answer while the database is away: {:?}",
        outcome
            .server_errors
            .iter()
            .filter(|(s, _)| *s != 503)
            .take(10)
            .collect::<Vec<_>>()
    );
    assert!(
        outcome.unexpected.is_empty() && outcome.failures.is_empty(),
        "{:?} {:?}",
        outcome.unexpected,
        outcome.failures
    );
    // After the restart, without touching the app, requests succeed again.
    let app = common::attach(node.address.clone());
    let mut citizen = common::Browser::new(&app);
    let signed_in = citizen
        .sign_in("citizen00001@bench.onestop.cn", common::DEMO_PASSWORD)
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let list = citizen.get("/applications").await;
    assert_eq!(list.status, 200);
    let submitted = load::assert_whole(&url, &work.drafts, &outcome.confirmed_submissions);
    assert_eq!(submitted, outcome.confirmed_submissions.len());
    load::assert_accepted(&url, &outcome.confirmed_acceptances);
    assert!(
        recovered > 0,
        "no submission went through in the 10 s after the restart"
    );
}

fn submissions(url: &str) -> i64 {
    use diesel::prelude::*;
    use onestop::db::schema::application_events as e;
    e::table
        .filter(e::kind.eq("submitted"))
        .count()
        .get_result(&mut **load::connection(url))
        .unwrap()
}

/// `pg_ctlcluster <version> main restart` for the cluster serving 127.0.0.1:5432, then waits
/// until it takes connections.
fn restart_postgresql() {
    let version = std::fs::read_dir("/etc/postgresql")
        .expect("/etc/postgresql: this test restarts the machine's Debian PostgreSQL cluster")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .max_by_key(|v| v.parse::<u32>().unwrap_or(0))
        .expect("a PostgreSQL cluster");
    let status = Command::new("pg_ctlcluster")
        .args([
            "--skip-systemctl-redirect",
            &version,
            "main",
            "restart",
            "-m",
            "fast",
        ])
        .status()
        .expect("pg_ctlcluster");
    assert!(status.success(), "pg_ctlcluster restart failed");
    for _ in 0..60 {
        let ready = Command::new("pg_isready")
            .args(["-q", "-h", "127.0.0.1", "-p", "5432"])
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("PostgreSQL did not come back");
}
