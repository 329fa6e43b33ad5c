//! Delivering the outbox to a real SMTP server on loopback (mailin-embedded, started by each
//! test): every mail once, none lost while the server is down, a refusal becomes a dead letter,
//! two workers racing over one outbox never send a row twice, and a worker killed mid-batch
//! loses nothing.

mod common;

use std::net::TcpListener;

use common::smtp::{drain, free_listener, message_ids, start_sink};
use common::{
    TestApp, act, create_demo_accounts, id_of, on_both_databases, pool, signed_in, sjj_service,
    submit_one,
};

/// A citizen's submission accepted by a clerk: two mails queued (receipt, acceptance). The
/// demo accounts' verification mails are delivered to the mail folder first.
async fn two_mails(app: &TestApp) -> String {
    create_demo_accounts(app);
    common::deliver_outbox(app);
    let code = sjj_service(app).await;
    let mut citizen = signed_in(app, "citizen@demo.onestop.cn").await;
    let number = submit_one(&mut citizen, &code).await;
    let mut clerk = signed_in(app, "clerk.sjj@demo.onestop.cn").await;
    let accepted = act(&mut clerk, id_of(app, &number), "accept", &[]).await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    number
}

/// Queues `count` mails to distinct people, due now.
fn enqueue_test_mails(app: &TestApp, count: usize) {
    let now = chrono::Utc::now().naive_utc();
    let mut conn = pool(app).get().unwrap();
    for n in 0..count {
        let to = format!("person{n}@example.cn");
        onestop::db::outbox::enqueue_mail(
            &mut conn,
            &onestop::db::outbox::NewMail {
                application_id: None,
                recipient_id: None,
                recipient_email: &to,
                lang: "zh-CN",
                kind: "test",
                subject: "测试",
                body: "正文",
                link_path: None,
                status: "pending",
                next_attempt_at: now,
                created_at: now,
            },
        )
        .unwrap();
    }
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
                .filter(outbox::application_id.is_not_null())
                .select((outbox::status, outbox::attempts, outbox::next_attempt_at))
                .load(&mut **conn).unwrap();
            let now = chrono::Utc::now().naive_utc();
            assert!(rows.iter().all(|(s, a, next)| s == "pending" && *a == 1 && *next > now), "{rows:?}");
            // Time passes: the retries fall due.
            diesel::update(outbox::table)
                .set(outbox::next_attempt_at.eq(now - chrono::Duration::seconds(1)))
                .execute(&mut **conn).unwrap();
        }
        assert_eq!(drain(&app, &smtp), (0, 2, 0), "still down: retried again, not lost");
        {
            use diesel::prelude::*;
            use onestop::db::schema::outbox;
            let mut conn = pool(&app).get().unwrap();
            diesel::update(outbox::table)
                .set(outbox::next_attempt_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1)))
                .execute(&mut **conn).unwrap();
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
            .filter(outbox::application_id.is_not_null())
            .select((outbox::status, outbox::last_error))
            .load(&mut **conn).unwrap();
        assert!(rows.iter().all(|(s, e)| s == "dead" && e.as_deref().is_some_and(|e| e.contains("550"))), "{rows:?}");
        assert_eq!(drain(&app, &smtp), (0, 0, 0), "dead letters are not retried");
    }

    async fn two_workers_racing_never_send_a_row_twice(app) {
        enqueue_test_mails(&app, 300);
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

    async fn a_worker_killed_mid_batch_loses_nothing(app) {
        use diesel::prelude::*;
        use onestop::db::schema::outbox;
        const MAILS: usize = 150;
        enqueue_test_mails(&app, MAILS);
        let (listener, smtp) = free_listener();
        let received = common::smtp::start_slow_sink(listener, std::time::Duration::from_millis(20));
        let worker = || std::process::Command::new(env!("CARGO_BIN_EXE_onestop"))
            .args(["worker", "--drain", "--smtp-url", &smtp])
            .env("DATABASE_URL", &app.database_url)
            .env("ONESTOP_OUTBOX_LEASE_SECS", "2")
            .env("ONESTOP_OUTBOX_CONNECTIONS", "2")
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap();
        let mut first = worker();
        let give_up = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while received.lock().unwrap().len() < 10 {
            assert!(std::time::Instant::now() < give_up, "the first worker sent nothing");
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        first.kill().unwrap(); // SIGKILL: no chance to record what it sent
        first.wait().unwrap();
        let claimed: i64 = outbox::table
            .filter(outbox::claimed_until.is_not_null())
            .count()
            .get_result(&mut **pool(&app).get().unwrap())
            .unwrap();
        assert!(claimed > 0, "the killed worker's batch is still claimed");
        // The claim lapses after its lease; a restarted worker then sends everything.
        actix_web::rt::time::sleep(std::time::Duration::from_millis(2100)).await;
        assert!(worker().wait().unwrap().success());
        let statuses: Vec<String> = outbox::table
            .select(outbox::status)
            .load(&mut **pool(&app).get().unwrap())
            .unwrap();
        assert_eq!(statuses.len(), MAILS);
        assert!(statuses.iter().all(|s| s == "sent"), "{statuses:?}");
        let mut ids = message_ids(&received);
        let total = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), MAILS, "every mail arrived");
        // At least once: what the killed worker sent unrecorded comes again, with the same
        // Message-ID, and no more than its one batch.
        assert!(total > MAILS && total - MAILS <= 100, "{total} received");
    }
}
