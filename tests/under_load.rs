//! OneStop under load and faults, against a real server process of this build: 1,000
//! connections sending the benchmark's mix for a minute, and a SIGKILL in the middle of a
//! submission load. (A PostgreSQL restart under load is in `tests/postgres_restart.rs`, alone in
//! its binary so that no other test shares the restart.)

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Backend;
use common::load::{self, Mix, Node, Work};

/// Connections, as the issue asks; the process needs a file descriptor for each.
const CONNECTIONS: usize = 1000;

async fn a_thousand_connections_for_a_minute(backend: Backend) {
    let Some((_db, url)) = common::new_database(backend) else {
        return;
    };
    raise_open_file_limit();
    load::seed(&url, 6000, 8000);
    let node = Node::start(&url).await;
    let work = Arc::new(Work::prepare(&node.address, &url).await);
    let deadline = Instant::now() + Duration::from_secs(60);
    let outcome = load::run(
        node.address.clone(),
        Arc::clone(&work),
        CONNECTIONS,
        Mix::All,
        Arc::new(move |_| Instant::now() >= deadline),
    )
    .await;
    eprintln!(
        "{backend:?}: {} answers in 60 s over {CONNECTIONS} connections, {} submissions and {} \
         acceptances confirmed",
        outcome.answers,
        outcome.confirmed_submissions.len(),
        outcome.confirmed_acceptances.len()
    );
    assert!(
        outcome.server_errors.is_empty(),
        "server errors: {:?}",
        &outcome.server_errors[..outcome.server_errors.len().min(20)]
    );
    assert!(
        outcome.unexpected.is_empty(),
        "unexpected answers: {:?}",
        &outcome.unexpected[..outcome.unexpected.len().min(20)]
    );
    assert!(
        outcome.failures.is_empty(),
        "requests without an answer: {:?}",
        &outcome.failures[..outcome.failures.len().min(20)]
    );
    assert!(
        !outcome.confirmed_submissions.is_empty() && !outcome.confirmed_acceptances.is_empty(),
        "the load did not reach the submissions and the transitions"
    );
    // No lost submission: exactly the confirmed ones are submitted, each whole.
    let submitted = load::assert_whole(&url, &work.drafts, &outcome.confirmed_submissions);
    assert_eq!(submitted, outcome.confirmed_submissions.len());
    load::assert_accepted(&url, &outcome.confirmed_acceptances);
}

async fn submissions_confirmed_before_a_sigkill_are_whole_after_the_restart(backend: Backend) {
    let Some((_db, url)) = common::new_database(backend) else {
        return;
    };
    load::seed(&url, 200, 3000);
    let mut node = Node::start(&url).await;
    let work = Arc::new(Work::prepare(&node.address, &url).await);
    let address = node.address.clone();
    // Kill the server once a few hundred submissions are through, in the middle of the load.
    let load = actix_web::rt::spawn(load::run(
        address.clone(),
        Arc::clone(&work),
        32,
        Mix::Submissions,
        Arc::new(|o: &load::Outcome| !o.failures.is_empty()),
    ));
    let started = Instant::now();
    loop {
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        let submitted = {
            let mut conn = load::connection(&url);
            submitted_count(&mut conn)
        };
        if submitted >= 300 || started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    node.kill();
    let outcome = load.await.expect("load");
    assert!(
        !outcome.failures.is_empty(),
        "the load should have seen the server die"
    );
    assert!(
        outcome.server_errors.is_empty() && outcome.unexpected.is_empty(),
        "before the kill: {:?} {:?}",
        outcome.server_errors,
        outcome.unexpected
    );
    let confirmed = outcome.confirmed_submissions;
    assert!(confirmed.len() >= 100, "only {} confirmed", confirmed.len());

    // The restarted server recovers the database by itself and shows each confirmed one.
    let node = Node::start(&url).await;
    let submitted = load::assert_whole(&url, &work.drafts, &confirmed);
    assert!(submitted >= confirmed.len());
    eprintln!(
        "{backend:?}: {} confirmed before SIGKILL, {submitted} submitted on the record (the rest \
         were committed while their answer was on its way)",
        confirmed.len()
    );
    let app = common::attach(node.address.clone());
    let mut citizen = common::Browser::new(&app);
    citizen
        .sign_in("citizen00001@bench.onestop.cn", common::DEMO_PASSWORD)
        .await;
    for id in confirmed.iter().step_by(25) {
        let page = citizen.get(&format!("/applications/{id}")).await;
        assert_eq!(page.status, 200, "application {id} after the restart");
    }
}

fn submitted_count(conn: &mut onestop::db::DbConnection) -> i64 {
    use diesel::prelude::*;
    use onestop::db::schema::application_events as e;
    e::table
        .filter(e::kind.eq("submitted"))
        .count()
        .get_result(conn)
        .unwrap()
}

/// 1,000 client sockets in this process, and as many in the server's: the soft limit of open
/// files (often 1,024) is raised to the hard limit.
fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = limit.rlim_max;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
    }
    assert!(
        limit.rlim_cur >= 4 * CONNECTIONS as u64,
        "the open-file limit ({}) is too low for {CONNECTIONS} connections: raise it (ulimit -Hn)",
        limit.rlim_cur
    );
}

/// One load at a time. Run side by side (the test harness runs two tests at once), two servers
/// under 1,000 connections each, their databases and this process's clients share the machine's
/// two cores; a client starved for five seconds between connecting and sending, or between an
/// answer and its next request on the same connection, meets the server's request and
/// keep-alive timeouts, and the server closes the connection with the request unread: the
/// client sees "Connection reset by peer" (`nstat`: TcpExtTCPAbortOnClose). One server under
/// load is what these tests are about.
static ONE_LOAD: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn alone(load: impl std::future::Future<Output = ()>) {
    let _alone = ONE_LOAD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    actix_web::rt::System::new().block_on(load);
}

mod a_thousand_connections_for_a_minute_get_no_server_error_and_lose_no_submission {
    use super::*;

    #[test]
    fn sqlite() {
        alone(a_thousand_connections_for_a_minute(Backend::Sqlite));
    }

    #[test]
    fn postgres() {
        alone(a_thousand_connections_for_a_minute(Backend::Postgres));
    }
}

mod submissions_confirmed_before_a_sigkill_are_whole_after_a_restart {
    use super::*;

    #[test]
    fn sqlite() {
        alone(submissions_confirmed_before_a_sigkill_are_whole_after_the_restart(Backend::Sqlite));
    }

    #[test]
    fn postgres() {
        alone(
            submissions_confirmed_before_a_sigkill_are_whole_after_the_restart(Backend::Postgres),
        );
    }
}
