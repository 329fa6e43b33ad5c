//! Delivering the outbox to a real SMTP server on loopback (mailin-embedded, started by each
//! test): every mail once, none lost while the server is down, a refusal becomes a dead letter,
//! and two workers racing over one outbox never send a row twice.

mod common;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use common::{DEMO_PASSWORD, TestApp, create_demo_accounts, on_both_databases, submit_one};
use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server, SslConfig};
use onestop::db::{DatabaseUrl, DbPool};

/// Every mail the sink accepted: (recipients, raw message).
type Received = Arc<Mutex<Vec<(Vec<String>, String)>>>;

#[derive(Clone)]
struct Sink {
    received: Received,
    to: Vec<String>,
    data: Vec<u8>,
    /// Recipients containing this are refused with 550.
    refuse: Option<String>,
}

impl Handler for Sink {
    fn rcpt(&mut self, to: &str) -> Response {
        match &self.refuse {
            Some(refused) if to.contains(refused.as_str()) => response::NO_MAILBOX,
            _ => response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = String::from_utf8_lossy(&self.data).into_owned();
        self.received
            .lock()
            .unwrap()
            .push((self.to.clone(), message));
        response::OK
    }
}

/// Starts an SMTP server on `listener` in a thread; returns what it receives.
fn start_sink(listener: TcpListener, refuse: Option<&str>) -> Received {
    let received = Received::default();
    let sink = Sink {
        received: received.clone(),
        to: Vec::new(),
        data: Vec::new(),
        refuse: refuse.map(str::to_owned),
    };
    let mut server = Server::new(sink);
    server
        .with_name("sink.test")
        .with_ssl(SslConfig::None)
        .unwrap()
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    received
}

fn free_listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    (listener, url)
}

fn pool(app: &TestApp) -> DbPool {
    onestop::db::connect(&DatabaseUrl::parse(&app.database_url).unwrap(), 1).unwrap()
}

/// Runs `onestop worker --drain` against `smtp`; returns (sent, retried, dead).
fn drain(app: &TestApp, smtp: &str) -> (u64, u64, u64) {
    let (ok, out, err) = common::onestop(
        &app.database_url,
        &["worker", "--drain", "--smtp-url", smtp],
    );
    assert!(ok, "{out}{err}");
    let n: Vec<u64> = out
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (n[0], n[1], n[2])
}

fn message_ids(received: &Received) -> Vec<String> {
    received
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(_, m)| {
            m.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(str::to_owned)
        })
        .collect()
}

/// A citizen's submission accepted by a clerk: two mails queued (receipt, acceptance).
async fn two_mails(app: &TestApp) -> String {
    create_demo_accounts(app);
    let list = app
        .get("/api/v1/services?department=SJJ&applicant=natural&limit=100")
        .await
        .json();
    let code = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_owned())
        .find(|c| !c.starts_with("440306-SJJ-XK-0013") && !c.starts_with("440306-SJJ-XK-0001-"))
        .unwrap();
    let mut citizen = common::Browser::new(app);
    citizen
        .sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD)
        .await;
    let number = submit_one(&mut citizen, &code).await;
    let mut clerk = common::Browser::new(app);
    clerk
        .sign_in("clerk.sjj@demo.onestop.cn", DEMO_PASSWORD)
        .await;
    let queue = clerk.get("/workspace/SJJ").await;
    let action = queue
        .attrs("form[action$='/transitions/accept']", "action")
        .remove(0);
    let version = queue
        .attrs(
            &format!("form[action='{action}'] input[name=version]"),
            "value",
        )
        .remove(0);
    let token = queue.attrs("input[name=csrf_token]", "value").remove(0);
    assert_eq!(
        clerk
            .post_raw(&action, &[("csrf_token", &token), ("version", &version)])
            .await
            .status,
        303
    );
    number
}

on_both_databases! {
    async fn every_mail_reaches_the_server_once(app) {
        let number = two_mails(&app).await;
        let (listener, smtp) = free_listener();
        let received = start_sink(listener, None);
        assert_eq!(drain(&app, &smtp), (2, 0, 0));
        assert_eq!(drain(&app, &smtp), (0, 0, 0), "nothing twice");
        let mails = received.lock().unwrap().clone();
        assert_eq!(mails.len(), 2);
        assert!(mails.iter().all(|(to, _)| to == &["citizen@demo.onestop.cn"]));
        let receipt = common::decode_mail(&mails[0].1);
        assert!(receipt.contains(&number), "{receipt}");
        let ids = message_ids(&received);
        assert_eq!(ids.len(), 2);
        assert_ne!(ids[0], ids[1]);
        assert!(ids.iter().all(|id| id.contains("<outbox-")));
    }

    async fn nothing_is_lost_while_the_server_is_down(app) {
        two_mails(&app).await;
        let (listener, smtp) = free_listener();
        let address = listener.local_addr().unwrap();
        drop(listener); // the server is down: connections are refused
        assert_eq!(drain(&app, &smtp), (0, 2, 0));
        {
            use diesel::prelude::*;
            use onestop::db::schema::outbox;
            let mut conn = pool(&app).get().unwrap();
            let rows: Vec<(String, i32, chrono::NaiveDateTime)> = outbox::table
                .select((outbox::status, outbox::attempts, outbox::next_attempt_at))
                .load(&mut conn).unwrap();
            let now = chrono::Utc::now().naive_utc();
            assert!(rows.iter().all(|(s, a, next)| s == "pending" && *a == 1 && *next > now), "{rows:?}");
            // Time passes: the retries fall due.
            diesel::update(outbox::table)
                .set(outbox::next_attempt_at.eq(now - chrono::Duration::seconds(1)))
                .execute(&mut conn).unwrap();
        }
        assert_eq!(drain(&app, &smtp), (0, 2, 0), "still down: retried again, not lost");
        {
            use diesel::prelude::*;
            use onestop::db::schema::outbox;
            let mut conn = pool(&app).get().unwrap();
            diesel::update(outbox::table)
                .set(outbox::next_attempt_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1)))
                .execute(&mut conn).unwrap();
        }
        let received = start_sink(TcpListener::bind(address).unwrap(), None);
        assert_eq!(drain(&app, &smtp), (2, 0, 0));
        assert_eq!(received.lock().unwrap().len(), 2, "every mail, once");
    }

    async fn a_refusal_becomes_a_dead_letter(app) {
        two_mails(&app).await;
        let (listener, smtp) = free_listener();
        let received = start_sink(listener, Some("citizen@"));
        assert_eq!(drain(&app, &smtp), (0, 0, 2));
        assert!(received.lock().unwrap().is_empty());
        use diesel::prelude::*;
        use onestop::db::schema::outbox;
        let mut conn = pool(&app).get().unwrap();
        let rows: Vec<(String, Option<String>)> = outbox::table
            .select((outbox::status, outbox::last_error))
            .load(&mut conn).unwrap();
        assert!(rows.iter().all(|(s, e)| s == "dead" && e.as_deref().is_some_and(|e| e.contains("550"))), "{rows:?}");
        assert_eq!(drain(&app, &smtp), (0, 0, 0), "dead letters are not retried");
    }

    async fn two_workers_racing_never_send_a_row_twice(app) {
        let now = chrono::Utc::now().naive_utc();
        {
            let mut conn = pool(&app).get().unwrap();
            for n in 0..300 {
                let to = format!("person{n}@example.cn");
                onestop::db::workflow::enqueue_mail(&mut conn, &onestop::db::workflow::NewMail {
                    application_id: None, recipient_id: None, recipient_email: &to, lang: "zh-CN",
                    kind: "test", subject: "测试", body: "正文", status: "pending",
                    next_attempt_at: now, created_at: now,
                }).unwrap();
            }
        }
        let (listener, smtp) = free_listener();
        let received = start_sink(listener, None);
        let worker = || std::process::Command::new(env!("CARGO_BIN_EXE_onestop"))
            .args(["worker", "--drain", "--smtp-url", &smtp])
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap();
        let (mut a, mut b) = (worker(), worker());
        assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
        let mut ids = message_ids(&received);
        assert_eq!(ids.len(), 300);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 300, "no row sent twice");
    }
}
