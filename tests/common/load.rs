//! Load against a real `onestop serve` process: the benchmark's requests (W1 the clerk's queue,
//! W2 a citizen's submission, W3 a clerk's "accept") sent by many connections at once, with what
//! the server confirmed recorded, so that tests can check afterwards that nothing confirmed was
//! lost and nothing was half-written.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use onestop::db::DatabaseUrl;
use onestop::db::schema::{application_events, applications, departments, outbox, users};

/// `onestop seed`: clerks (one per department), citizens, `applications` over the catalog and
/// `drafts` complete drafts of citizen 1, ready to submit.
pub fn seed(database_url: &str, applications: u32, drafts: u32) {
    let (ok, out, err) = super::onestop(
        database_url,
        &[
            "seed",
            "--applications",
            &applications.to_string(),
            "--citizens",
            "20",
            "--clerks",
            "30",
            "--drafts",
            &drafts.to_string(),
        ],
    );
    assert!(ok, "seed failed: {out}{err}");
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A server process of this build.
pub struct Node {
    child: Child,
    pub address: String,
}

impl Node {
    pub async fn start(database_url: &str) -> Node {
        Node::start_on(database_url, free_port(), None).await
    }

    /// A node on `port`; with `mail_dir`, it delivers the outbox itself into that folder (as
    /// `.eml` files), else the notifications stay in the outbox, where the test counts them.
    pub async fn start_on(
        database_url: &str,
        port: u16,
        mail_dir: Option<&std::path::Path>,
    ) -> Node {
        let mut command = Command::new(env!("CARGO_BIN_EXE_onestop"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("ONESTOP_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match mail_dir {
            Some(folder) => command
                .env("ONESTOP_OUTBOX_WORKER", "true")
                .env("ONESTOP_OUTBOX_INTERVAL_MS", "200")
                // A killed node's claims are taken over soon, not after the default 5 minutes.
                .env("ONESTOP_OUTBOX_LEASE_SECS", "3")
                .env("ONESTOP_MAIL_DIR", folder),
            None => command.env("ONESTOP_OUTBOX_WORKER", "false"),
        };
        let child = command.spawn().expect("start onestop serve");
        let node = Node {
            child,
            address: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        let client = client();
        loop {
            if let Ok(response) = client.get(format!("{}/healthz", node.address)).send().await
                && response.status() == 200
            {
                return node;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not start"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no shutdown, no flushing, as a power cut or the OOM killer.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client that opens as many connections as there are requests in flight.
pub fn client() -> awc::Client {
    awc::Client::builder()
        .connector(
            awc::Connector::new()
                .limit(0)
                .timeout(Duration::from_secs(30)),
        )
        .disable_redirects()
        .timeout(Duration::from_secs(120))
        .finish()
}

/// A signed-in session: its cookie and its CSRF token.
#[derive(Clone)]
pub struct Session {
    pub cookie: String,
    pub token: String,
}

pub async fn sign_in(address: &str, email: &str, page: &str) -> Session {
    let app = super::attach(address.to_owned());
    let mut browser = super::Browser::new(&app);
    let reply = browser.sign_in(email, super::DEMO_PASSWORD).await;
    assert_eq!(reply.status, 303, "sign in as {email}: {}", reply.body);
    let token = browser
        .get(page)
        .await
        .attrs("input[name=csrf_token]", "value")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no CSRF token on {page}"));
    let cookie = browser
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    Session { cookie, token }
}

/// The work of a load run, taken one item at a time by whichever connection is free.
pub struct Work {
    pub departments: Vec<(String, Session)>,
    pub citizen: Session,
    /// Prepared drafts of the citizen.
    pub drafts: Vec<i64>,
    /// Submitted applications, with the index of their department in `departments`.
    pub submitted: Vec<(i64, usize)>,
    next_draft: AtomicUsize,
    next_submitted: AtomicUsize,
}

/// What the server answered.
#[derive(Default)]
pub struct Outcome {
    /// Drafts whose submission was confirmed with a 303.
    pub confirmed_submissions: Vec<i64>,
    /// Applications whose acceptance was confirmed with a 303.
    pub confirmed_acceptances: Vec<i64>,
    pub answers: usize,
    /// (status, request) of every 5xx.
    pub server_errors: Vec<(u16, String)>,
    /// (status, request) of every other unexpected status.
    pub unexpected: Vec<(u16, String)>,
    /// Requests that got no answer (connection refused or reset).
    pub failures: Vec<String>,
}

impl Work {
    /// Signs in the department clerks (clerk k in the department at position k) and citizen 1,
    /// and lists the drafts and the submitted applications to work through.
    pub async fn prepare(address: &str, database_url: &str) -> Work {
        let mut conn = connection(database_url);
        let departments: Vec<(i64, String)> = departments::table
            .order(departments::position)
            .select((departments::id, departments::code))
            .load(&mut **conn)
            .unwrap();
        let mut sessions = Vec::new();
        for (k, (_, code)) in departments.iter().enumerate() {
            let email = format!("clerk{:02}@bench.onestop.cn", k + 1);
            let session = sign_in(address, &email, &format!("/workspace/{code}")).await;
            sessions.push((code.clone(), session));
        }
        let citizen = sign_in(address, "citizen00001@bench.onestop.cn", "/applications").await;
        let drafts = drafts_of_citizen_1(&mut conn);
        let position: std::collections::HashMap<i64, usize> = departments
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i))
            .collect();
        let submitted = applications::table
            .filter(applications::status.eq("submitted"))
            .order(applications::id)
            .select((applications::id, applications::department_id))
            .load::<(i64, Option<i64>)>(&mut **conn)
            .unwrap()
            .into_iter()
            .filter_map(|(id, d)| Some((id, *position.get(&d?)?)))
            .collect();
        Work {
            departments: sessions,
            citizen,
            drafts,
            submitted,
            next_draft: AtomicUsize::new(0),
            next_submitted: AtomicUsize::new(0),
        }
    }
}

pub fn connection(database_url: &str) -> onestop::db::PooledConnection {
    onestop::db::connect(&DatabaseUrl::parse(database_url).unwrap(), 1)
        .unwrap()
        .get()
        .unwrap()
}

fn drafts_of_citizen_1(conn: &mut onestop::db::DbConnection) -> Vec<i64> {
    applications::table
        .inner_join(users::table.on(users::id.nullable().eq(applications::applicant_id)))
        .filter(users::email.eq("citizen00001@bench.onestop.cn"))
        .filter(applications::status.eq("draft"))
        .order(applications::id)
        .select(applications::id)
        .load(conn)
        .unwrap()
}

/// Which of the benchmark's requests a connection sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// W1, W2 and W3 in turn, by connection.
    All,
    /// W2 only.
    Submissions,
}

/// Sends requests over `connections` connections until `stop` says so, then waits for every
/// request in flight to be answered (or to fail).
pub async fn run(
    address: String,
    work: Arc<Work>,
    connections: usize,
    mix: Mix,
    stop: Arc<dyn Fn(&Outcome) -> bool + Send + Sync>,
) -> Outcome {
    let outcome = Arc::new(Mutex::new(Outcome::default()));
    let client = client();
    let mut tasks = Vec::new();
    for n in 0..connections {
        let (client, work, outcome, stop) = (
            client.clone(),
            Arc::clone(&work),
            Arc::clone(&outcome),
            Arc::clone(&stop),
        );
        let address = address.clone();
        let kind = match mix {
            Mix::All => n % 3,
            Mix::Submissions => 1,
        };
        tasks.push(actix_web::rt::spawn(async move {
            loop {
                if stop(&outcome.lock().unwrap()) {
                    break;
                }
                let request = next_request(&work, kind, n);
                let (method, path, session, body) = request.clone();
                let url = format!("{address}{path}");
                let sent = if method == "GET" {
                    client
                        .get(url)
                        .insert_header(("Cookie", session.cookie.clone()))
                        .send()
                        .await
                } else {
                    client
                        .post(url)
                        .insert_header(("Cookie", session.cookie.clone()))
                        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                        .send_body(body)
                        .await
                };
                let answer = match sent {
                    Ok(mut response) => {
                        let status = response.status().as_u16();
                        let _ = response.body().limit(8 * 1024 * 1024).await;
                        Ok(status)
                    }
                    Err(error) => Err(error.to_string()),
                };
                let answered = answer.is_ok();
                record(&mut outcome.lock().unwrap(), method, &path, answer);
                if !answered {
                    // The server is gone or restarting: do not spin.
                    actix_web::rt::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("load task");
    }
    Arc::try_unwrap(outcome)
        .ok()
        .expect("tasks finished")
        .into_inner()
        .unwrap()
}

fn record(outcome: &mut Outcome, method: &str, path: &str, answer: Result<u16, String>) {
    let status = match answer {
        Ok(status) => status,
        Err(error) => {
            outcome.failures.push(format!("{method} {path}: {error}"));
            return;
        }
    };
    outcome.answers += 1;
    let expected = if method == "GET" { 200 } else { 303 };
    if status == expected {
        if let Some(id) = submitted_id(path) {
            outcome.confirmed_submissions.push(id);
        } else if let Some(id) = accepted_id(path) {
            outcome.confirmed_acceptances.push(id);
        }
    } else if status >= 500 {
        outcome
            .server_errors
            .push((status, format!("{method} {path}")));
    } else {
        outcome
            .unexpected
            .push((status, format!("{method} {path}")));
    }
}

/// (method, path, session, form body)
fn next_request(work: &Work, kind: usize, n: usize) -> (&'static str, String, Session, String) {
    let queue = |k: usize| {
        let (code, session) = &work.departments[k % work.departments.len()];
        (
            "GET",
            format!("/workspace/{code}?state=submitted&sort=newest"),
            session.clone(),
            String::new(),
        )
    };
    match kind {
        1 => match work
            .drafts
            .get(work.next_draft.fetch_add(1, Ordering::SeqCst))
        {
            Some(id) => (
                "POST",
                format!("/applications/{id}/submit"),
                work.citizen.clone(),
                format!("csrf_token={}&declaration=yes", work.citizen.token),
            ),
            None => queue(n),
        },
        2 => match work
            .submitted
            .get(work.next_submitted.fetch_add(1, Ordering::SeqCst))
        {
            Some((id, k)) => {
                let (code, session) = &work.departments[*k];
                (
                    "POST",
                    format!("/workspace/applications/{id}/transitions/accept"),
                    session.clone(),
                    format!(
                        "csrf_token={}&version=1&return_to=%2Fworkspace%2F{code}",
                        session.token
                    ),
                )
            }
            None => queue(n),
        },
        _ => queue(n),
    }
}

fn submitted_id(path: &str) -> Option<i64> {
    path.strip_prefix("/applications/")?
        .strip_suffix("/submit")?
        .parse()
        .ok()
}

fn accepted_id(path: &str) -> Option<i64> {
    path.strip_prefix("/workspace/applications/")?
        .strip_suffix("/transitions/accept")?
        .parse()
        .ok()
}

/// What the database holds of one application: (status, tracking number, its "submitted"
/// events, its outbox rows).
pub fn record_of(
    conn: &mut onestop::db::DbConnection,
    id: i64,
) -> (String, Option<String>, i64, i64) {
    let (status, number): (String, Option<String>) = applications::table
        .find(id)
        .select((applications::status, applications::tracking_number))
        .first(conn)
        .unwrap();
    let events: i64 = application_events::table
        .filter(application_events::application_id.eq(id))
        .filter(application_events::kind.eq("submitted"))
        .count()
        .get_result(conn)
        .unwrap();
    let mails: i64 = outbox::table
        .filter(outbox::application_id.eq(id))
        .count()
        .get_result(conn)
        .unwrap();
    (status, number, events, mails)
}

/// Every draft is either untouched or wholly submitted (tracking number, one audit event, its
/// receipt in the outbox); every confirmed one is submitted. Returns how many were submitted.
pub fn assert_whole(database_url: &str, drafts: &[i64], confirmed: &[i64]) -> usize {
    let mut conn = connection(database_url);
    let mut submitted = 0;
    for id in drafts {
        let (status, number, events, mails) = record_of(&mut conn, *id);
        if status == "draft" {
            assert!(
                number.is_none() && events == 0 && mails == 0,
                "draft {id} is half-written: number {number:?}, {events} events, {mails} mails"
            );
            assert!(
                !confirmed.contains(id),
                "the submission of {id} was confirmed but is not on the record"
            );
        } else {
            assert!(
                number.is_some() && events == 1 && mails >= 1,
                "application {id} ({status}) is half-written: number {number:?}, {events} \
                 submission events, {mails} mails"
            );
            submitted += 1;
        }
    }
    submitted
}

/// Every confirmed acceptance has its audit event and the applicant's notice.
pub fn assert_accepted(database_url: &str, confirmed: &[i64]) {
    let mut conn = connection(database_url);
    for id in confirmed {
        let status: String = applications::table
            .find(id)
            .select(applications::status)
            .first(&mut **conn)
            .unwrap();
        let events: i64 = application_events::table
            .filter(application_events::application_id.eq(id))
            .filter(application_events::kind.eq("accept"))
            .count()
            .get_result(&mut **conn)
            .unwrap();
        let mails: i64 = outbox::table
            .filter(outbox::application_id.eq(id))
            .count()
            .get_result(&mut **conn)
            .unwrap();
        assert!(
            status != "submitted" && events == 1 && mails >= 1,
            "acceptance of {id} confirmed but: status {status}, {events} events, {mails} mails"
        );
    }
}
