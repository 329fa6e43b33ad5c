//! What the operators see: a request id on every response, in the logs and on an error page,
//! structured logs, and a readiness check that fails while the database is away or behind.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, new_database, on_both_databases};

fn is_made_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

on_both_databases! {
    async fn every_response_carries_its_own_request_id_and_a_stranger_cannot_choose_it(app) {
        let first = app.get("/services?q=%E9%A3%9F%E5%93%81").await;
        let second = app.get("/services?q=%E9%A3%9F%E5%93%81").await;
        let ids: Vec<&str> = [&first, &second].iter().map(|r| r.header("x-request-id").expect("an id")).collect();
        assert!(ids.iter().all(|id| is_made_id(id)), "{ids:?}");
        assert_ne!(ids[0], ids[1], "one id per request");
        // Not behind a trusted proxy: an id the client sends is not taken.
        let sent = app.get_with("/", &[("X-Request-Id", "chosen-by-the-client")]).await;
        assert!(is_made_id(sent.header("x-request-id").unwrap()));
        // Errors carry one too (a 404 page, an API error).
        assert!(is_made_id(app.get("/services/nope").await.header("x-request-id").unwrap()));
        assert!(is_made_id(app.get("/api/v1/services/nope").await.header("x-request-id").unwrap()));
    }

    async fn ready_when_every_migration_is_applied_and_not_while_one_is_missing(app) {
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status, 200, "{}", ready.body);
        assert_eq!(ready.json()["status"], "ready");
        assert_eq!(ready.json()["migrations"], "applied");
        // As if another node were still upgrading the database: its newest migration not yet
        // recorded. Health stays 200 (the process and the database are fine); readiness is 503.
        {
            use diesel::connection::SimpleConnection;
            let mut conn = common::pool(&app).get().unwrap();
            conn.batch_execute(
                "DELETE FROM __diesel_schema_migrations WHERE version = \
                 (SELECT MAX(version) FROM __diesel_schema_migrations)",
            )
            .unwrap();
        }
        let behind = app.get("/readyz").await;
        assert_eq!(behind.status, 503, "{}", behind.body);
        assert_eq!(behind.json()["migrations"], "pending");
        assert_eq!(behind.header("cache-control"), Some("no-store"));
        assert_eq!(app.get("/healthz").await.status, 200);
    }
}

on_both_databases! {
    async fn metrics_are_for_the_scraper_only_and_count_requests_queues_and_mail(app) {
        const TOKEN: &str = "Bearer test-metrics-token";
        // The test apps allow nobody by address: without the token, there is no such page.
        assert_eq!(app.get("/metrics").await.status, 404);
        assert_eq!(app.get_with("/metrics", &[("Authorization", "Bearer wrong")]).await.status, 404);
        // Behind a proxy, a forwarded address opens nothing either.
        assert_eq!(app.get_with("/metrics", &[("X-Forwarded-For", "127.0.0.1")]).await.status, 404);

        common::create_demo_accounts(&app);
        let code = common::sjj_service(&app).await;
        let mut citizen = common::signed_in(&app, "citizen@demo.onestop.cn").await;
        common::submit_one(&mut citizen, &code).await;
        assert_eq!(app.get("/services/nope").await.status, 404);

        let scraped = app.get_with("/metrics", &[("Authorization", TOKEN)]).await;
        assert_eq!(scraped.status, 200);
        assert!(scraped.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
        let text = &scraped.body;
        // Requests by route pattern (not by path) and status, with latency buckets.
        let count = |needle: &str| -> f64 {
            text.lines()
                .find(|l| l.starts_with(needle))
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no line {needle} in\n{text}"))
        };
        assert!(count(r#"onestop_http_requests_total{method="GET",route="/services/{code}",status="404"}"#) >= 1.0);
        assert!(!text.contains("/services/nope"), "paths do not become series");
        assert!(text.contains(r#"onestop_http_request_duration_seconds_bucket{method="GET",route="/services/{code}",le="0.005"}"#), "{text}");
        // The database pool, the outbox and the queues.
        assert!(count("onestop_db_pool_connections") >= 1.0);
        assert!(text.contains("onestop_db_pool_wait_seconds_count"));
        assert!(count("onestop_outbox_waiting") >= 1.0, "the receipt waits: the tests send mail themselves");
        assert!(count("onestop_outbox_oldest_waiting_age_seconds") >= 0.0);
        assert_eq!(count("onestop_outbox_dead_letters"), 0.0);
        assert_eq!(count(r#"onestop_queue_applications{department="SJJ",state="submitted"}"#), 1.0);
        assert_eq!(count(r#"onestop_queue_cards{department="SJJ",level="red"}"#), 0.0);
    }
}

/// PostgreSQL gone: readiness fails, and the error page gives the person the request's id to
/// quote (the same as the response's header).
#[actix_web::test]
async fn when_the_database_is_gone_the_error_page_quotes_the_request_id() {
    let Some(app) = common::spawn_app(Backend::Postgres).await else {
        return;
    };
    if let common::TestDb::Postgres { admin_url, name } = &app.db {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let mut admin = diesel::PgConnection::establish(admin_url).unwrap();
        admin
            .batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
            .unwrap();
    }
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.json()["connection"], "unavailable");
    let page = app.get("/services?q=x").await;
    assert!(page.status.is_server_error(), "{}", page.status);
    let id = page.header("x-request-id").expect("an id").to_owned();
    assert_eq!(page.text(".request-id code"), id, "the page quotes the id");
    assert!(page.text(".request-id").contains("请告知此编号"));
}

/// `ONESTOP_LOG_FORMAT=json` behind a trusted proxy: the proxy's id is taken, returned, and
/// carried by the request's log lines (the refusal logged inside it and the access line).
#[actix_web::test]
async fn a_trusted_proxys_request_id_is_kept_and_carried_by_every_log_line_of_the_request() {
    let Some((_db, url)) = new_database(Backend::Sqlite) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_onestop"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("ONESTOP_BIND", format!("127.0.0.1:{port}"))
        .env("ONESTOP_TRUST_PROXY", "true")
        .env("ONESTOP_OUTBOX_WORKER", "false")
        .env("ONESTOP_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let app = common::attach(format!("http://127.0.0.1:{port}"));
    let started = Instant::now();
    while !app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let id = "proxy-4f1c-0042";
    // A NUL in the query is refused with a log line written while the request runs.
    let refused = app
        .get_with("/services?q=%00", &[("X-Request-Id", id)])
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.header("x-request-id"),
        Some(id),
        "the proxy's id is kept"
    );
    // An id that could not go into a header or a log line as it is, is replaced.
    let odd = app.get_with("/", &[("X-Request-Id", "a b <c>")]).await;
    assert!(is_made_id(odd.header("x-request-id").unwrap()));
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let _ = child.kill();
    let _ = child.wait();

    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let of_request: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l.to_string().contains("/services"))
        .collect();
    assert!(
        of_request.len() >= 2,
        "the refusal and the access line: {of_request:#?}"
    );
    for line in &of_request {
        assert!(
            line.to_string().contains(id),
            "a line of the request without its id: {line}"
        );
    }
    let refusal = of_request
        .iter()
        .find(|l| {
            l["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("NUL"))
        })
        .expect("the refusal's line");
    assert_eq!(
        refusal["span"]["id"], id,
        "logged inside the request's span"
    );
}
