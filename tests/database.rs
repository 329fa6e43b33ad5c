//! Start-up, migrations, the catalog import and the health check, on both databases.

mod common;

use std::time::{Duration, Instant};

use common::{Backend, new_database, onestop};

const CSV: &str = include_str!("../catalog/services.csv");

fn run_on_both(test: impl Fn(Backend, &str)) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some((_db, url)) = new_database(backend) {
            test(backend, &url);
        }
    }
}

#[test]
fn migrations_apply_to_an_empty_database_and_again_change_nothing() {
    run_on_both(|backend, url| {
        let (ok, out, err) = onestop(url, &["migrate"]);
        assert!(ok, "{backend:?}: {err}");
        assert!(out.contains("migrations applied"), "{out}");
        let (ok, _, err) = onestop(url, &["migrate"]);
        assert!(ok, "{backend:?} second run: {err}");
        // The schema is usable: the catalog goes in.
        let (ok, out, err) = onestop(url, &["catalog", "import"]);
        assert!(ok, "{backend:?}: {err}");
        assert!(
            out.contains("services     756 inserted, 0 updated, 0 unchanged, 0 removed"),
            "{out}"
        );
    });
}

/// Each published workflow version carries the SHA-256 of its text, by which its parsed copy is
/// cached; versions written before the digest column get theirs at start.
#[test]
fn workflow_versions_carry_the_digest_of_their_text() {
    use diesel::prelude::*;
    use onestop::db::schema::workflow_definitions as w;
    use sha2::{Digest, Sha256};
    run_on_both(|backend, url| {
        let url = onestop::db::DatabaseUrl::parse(url).unwrap();
        let digests = |pool: &onestop::db::DbPool| -> Vec<(String, String)> {
            w::table
                .order(w::id)
                .select((w::definition, w::digest))
                .load(&mut **pool.get().unwrap())
                .unwrap()
        };
        let pool = onestop::startup::prepare_database(&url, 1).unwrap();
        let stored = digests(&pool);
        assert!(stored.len() >= 2, "{backend:?}: the shipped workflows");
        for (text, digest) in &stored {
            let expected: String = Sha256::digest(text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(digest, &expected, "{backend:?}");
        }
        // As a database migrated from before the column has them.
        diesel::update(w::table)
            .set(w::digest.eq(""))
            .execute(&mut **pool.get().unwrap())
            .unwrap();
        drop(pool);
        let pool = onestop::startup::prepare_database(&url, 1).unwrap();
        assert_eq!(digests(&pool), stored, "{backend:?}: filled in at start");
    });
}

#[test]
fn importing_the_same_catalog_twice_changes_nothing() {
    run_on_both(|backend, url| {
        assert!(onestop(url, &["catalog", "import"]).0);
        let (ok, out, err) = onestop(url, &["catalog", "import"]);
        assert!(ok, "{backend:?}: {err}");
        assert!(
            out.contains("services     0 inserted, 0 updated, 756 unchanged, 0 removed"),
            "{out}"
        );
        assert!(
            out.contains("departments  0 inserted, 0 updated, 30 unchanged"),
            "{out}"
        );
        assert!(
            out.contains("items        0 inserted, 0 updated, 626 unchanged"),
            "{out}"
        );
        assert!(out.contains("the catalog was already up to date"), "{out}");
    });
}

#[actix_web::test]
async fn a_changed_catalog_file_updates_rows_in_place() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some((db, url)) = new_database(backend) else {
            continue;
        };
        assert!(onestop(&url, &["catalog", "import"]).0);
        let before = service_id(&url, "440306-SJJ-XK-0013-01");

        // 食品经营许可（新办） promises 2 days instead of 3; 外商投资项目备案 leaves the catalog.
        let changed: String = CSV
            .lines()
            .filter(|line| !line.contains(",外商投资项目备案,"))
            .map(|line| {
                if line.contains(",食品经营许可（新办）,") {
                    line.replace(",行政许可,legal,20,3,0,", ",行政许可,legal,20,2,0,")
                } else {
                    line.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert_ne!(changed, CSV);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("services.csv");
        std::fs::write(&file, changed).unwrap();
        let (ok, out, err) = onestop(
            &url,
            &["catalog", "import", "--csv", file.to_str().unwrap()],
        );
        assert!(ok, "{backend:?}: {err}");
        assert!(
            out.contains("services     0 inserted, 1 updated, 754 unchanged, 1 removed"),
            "{backend:?}: {out}"
        );
        assert_eq!(
            service_id(&url, "440306-SJJ-XK-0013-01"),
            before,
            "updated in place"
        );

        // What visitors see follows the file.
        let app = common::spawn_app_on(backend, db, url).await;
        let guide = app
            .get("/api/v1/services/440306-SJJ-XK-0013-01")
            .await
            .json();
        assert_eq!(guide["promised_days"], 2);
        assert_eq!(
            app.get("/api/v1/services/440306-FGJ-QT-0002-00")
                .await
                .status,
            404
        );
        assert_eq!(app.get("/api/v1/services").await.json()["total"], 755);
    }
}

#[test]
fn a_broken_catalog_file_is_refused_with_its_line_and_changes_nothing() {
    run_on_both(|backend, url| {
        assert!(onestop(url, &["catalog", "import"]).0);
        let broken = CSV.replacen(
            ",行政许可,legal,20,3,0,食品经营许可（新办）",
            ",行政许可,legal,20,30,0,食品经营许可（新办）",
            1,
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("services.csv");
        std::fs::write(&file, broken).unwrap();
        let (ok, _, err) = onestop(url, &["catalog", "import", "--csv", file.to_str().unwrap()]);
        assert!(!ok, "{backend:?}");
        assert!(
            err.contains("line") && err.contains("promised days (30) exceed legal days (20)"),
            "{err}"
        );
        let (_, out, _) = onestop(url, &["catalog", "import"]);
        assert!(out.contains("already up to date"), "{backend:?}: {out}");
    });
}

fn service_id(url: &str, code: &str) -> i64 {
    use diesel::prelude::*;
    use onestop::db::schema::services;
    let pool = onestop::db::connect(&onestop::db::DatabaseUrl::parse(url).unwrap(), 1).unwrap();
    let mut conn = pool.get().unwrap();
    services::table
        .filter(services::code.eq(code))
        .select(services::id)
        .first(&mut **conn)
        .unwrap()
}

#[test]
fn an_unreachable_or_malformed_database_url_ends_start_up_with_one_clear_line() {
    for (url, expected) in [
        (
            "postgres://onestop:hunter2secret@127.0.0.1:1/onestop",
            "cannot open PostgreSQL postgres://onestop:***@127.0.0.1:1/onestop",
        ),
        ("mysql://localhost/onestop", "not supported"),
        (
            "/proc/version/onestop.db",
            "cannot create the folder /proc/version",
        ),
    ] {
        for command in [&["migrate"][..], &["serve", "--bind", "127.0.0.1:0"][..]] {
            let (ok, _, err) = onestop(url, command);
            assert!(!ok, "{url} {command:?}");
            let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(lines.len(), 1, "{url} {command:?}: {err}");
            assert!(
                lines[0].starts_with("onestop: error: ") && lines[0].contains(expected),
                "{url}: {err}"
            );
            assert!(
                !err.contains("panicked") && !err.contains("hunter2secret"),
                "{err}"
            );
        }
    }
}

/// A newcomer's first run: no DATABASE_URL, an empty folder, `onestop serve`.
#[test]
fn the_first_run_creates_the_sqlite_file_and_loads_the_catalog_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_onestop"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("ONESTOP_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let started = Instant::now();
    let body = loop {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no answer within 30 s"
        );
        if let Some(body) = http_get(port, "/api/v1/departments") {
            break body;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let health = http_get(port, "/healthz");
    child.kill().unwrap();
    child.wait().unwrap();
    let departments: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(departments.as_array().unwrap().len(), 30);
    assert!(dir.path().join("data/onestop.db").is_file());
    assert_eq!(
        health.as_deref(),
        Some(r#"{"database":"sqlite","status":"ok"}"#)
    );
}

/// A minimal blocking HTTP GET, so that this test needs no runtime: the body of a 200, or None.
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_owned())
}

common::on_both_databases! {
    async fn health_reports_the_backend(app) {
        let reply = app.get("/healthz").await;
        assert_eq!(reply.status, 200);
        let expected = match app.backend { Backend::Sqlite => "sqlite", Backend::Postgres => "postgres" };
        assert_eq!(reply.json(), serde_json::json!({ "status": "ok", "database": expected }));
    }
}

#[actix_web::test]
async fn health_is_503_when_postgresql_is_gone() {
    let Some(app) = common::spawn_app(Backend::Postgres).await else {
        return;
    };
    assert_eq!(app.get("/healthz").await.status, 200);
    if let common::TestDb::Postgres { admin_url, name } = &app.db {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let mut admin = diesel::PgConnection::establish(admin_url).unwrap();
        admin
            .batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
            .unwrap();
    }
    let reply = app.get("/healthz").await;
    assert_eq!(reply.status, 503);
    assert_eq!(
        reply.json(),
        serde_json::json!({ "status": "unavailable", "database": "postgres" })
    );
    // Pages say so politely instead of failing the connection: 503, come back shortly.
    let page = app.get("/services").await;
    assert_eq!(page.status, 503);
    assert_eq!(page.header("retry-after"), Some("5"));
    assert_eq!(page.text("h1"), "系统繁忙");
}

/// A pooled connection that was in use a moment ago is handed out without a check; if the
/// server dropped it meanwhile, the request that meets it gets a 503 and the connection is
/// dropped, so the requests after it get a live one.
#[actix_web::test]
async fn a_connection_the_server_dropped_is_not_handed_out_again() {
    let Some(app) = common::spawn_app(Backend::Postgres).await else {
        return;
    };
    for _ in 0..3 {
        assert_eq!(app.get("/services").await.status, 200);
    }
    let common::TestDb::Postgres { admin_url, name } = &app.db else {
        unreachable!("a PostgreSQL app")
    };
    use diesel::prelude::*;
    let mut admin = diesel::PgConnection::establish(admin_url).unwrap();
    let dropped: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
        "(SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{name}')"
    )))
    .get_result(&mut admin)
    .unwrap();
    assert!(dropped >= 1, "the app holds a connection");
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(app.get("/services").await.status);
    }
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    // Each dropped connection costs at most the one request that met it.
    let unavailable = statuses.iter().filter(|s| **s == 503).count();
    assert!(
        unavailable as i64 <= dropped,
        "{unavailable} answers of 503 for {dropped} dropped connections: {statuses:?}"
    );
    assert!(statuses[10..].iter().all(|s| *s == 200), "{statuses:?}");
}

common::on_both_databases! {
    // A case's number is drawn at random (eight digits a day and series): the insert itself
    // says when the number drawn is taken, and stores nothing, so that the engine draws again
    // (services::workflow::opening) instead of asking first.
    async fn a_case_whose_number_is_taken_is_not_stored(app) {
        use onestop::db::workflow::{NewCase, insert_case, latest_definition};
        use onestop::domain::hotline::{HOTLINE_WORKFLOW, KIND_HOTLINE};
        let mut conn = common::pool(&app).get().unwrap();
        let (definition, _, _) = latest_definition(&mut conn, HOTLINE_WORKFLOW).unwrap().unwrap();
        let stamp = chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .unwrap()
            .and_hms_opt(9, 30, 0)
            .unwrap();
        let day = stamp.date();
        let case = |number| NewCase {
            kind: KIND_HOTLINE,
            tracking_number: number,
            service_id: None,
            form_definition_id: None,
            applicant_id: None,
            status: "received",
            input: "[]",
            version: 1,
            created_at: stamp,
            updated_at: stamp,
            submitted_at: stamp,
            workflow_definition_id: definition,
            department_id: None,
            promised_days: 15,
            legal_days: 15,
            received_on: day,
            accepted_on: day,
            due_on: day,
            warn_on: day,
            hard_due_on: day,
            state_entered_on: day,
        };
        let first = insert_case(&mut conn, &case("RX4403062026120712345678A"))
            .unwrap()
            .expect("a new number is stored");
        assert_eq!(first.tracking_number.as_deref(), Some("RX4403062026120712345678A"));
        assert_eq!(first.status, "received");
        assert_eq!(first.kind, KIND_HOTLINE);

        let again = insert_case(&mut conn, &case("RX4403062026120712345678A")).unwrap();
        assert!(again.is_none(), "a taken number: nothing stored");
        let second = insert_case(&mut conn, &case("RX4403062026120787654321B"))
            .unwrap()
            .expect("another number is stored");
        assert!(second.id > first.id);
    }
}

/// The writes every submission, transition and grid report makes — the application's row, the
/// queue and day counts — and supervision's deemed acceptance are prepared once per connection
/// and reused: diesel prepares no
/// `UPDATE` or `ON CONFLICT … DO UPDATE` for reuse, and a wrapper meant to make it did nothing
/// for weeks (PostgreSQL parsed and planned them at every request) before anyone looked.
#[test]
fn the_hot_writes_are_prepared_once_per_connection() {
    use diesel::Connection;
    use diesel::connection::InstrumentationEvent;
    use diesel::prelude::*;
    use onestop::db::schema::{departments, queue_counts as q};
    use std::sync::{Arc, Mutex};
    run_on_both(|backend, url| {
        let url = onestop::db::DatabaseUrl::parse(url).unwrap();
        let pool = onestop::startup::prepare_database(&url, 1).unwrap();
        let mut pooled = pool.get().unwrap();
        let conn: &mut onestop::db::DbConnection = &mut pooled;
        let department: i64 = departments::table
            .select(departments::id)
            .first(conn)
            .unwrap();
        // Every statement run, and every one the connection kept prepared.
        let (started, kept) = (
            Arc::new(Mutex::new(Vec::new())),
            Arc::new(Mutex::new(Vec::new())),
        );
        let (s, k) = (started.clone(), kept.clone());
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                s.lock().unwrap().push(query.to_string())
            }
            InstrumentationEvent::CacheQuery { sql, .. } => k.lock().unwrap().push(sql.to_owned()),
            _ => {}
        });
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let change = onestop::db::workflow::CaseChange {
            status: "accepted".into(),
            version: 2,
            updated_at: today.and_hms_opt(9, 0, 0).unwrap(),
            received_on: Some(today),
            accepted_on: Some(today),
            deemed_accepted: false,
            paused_days: 0,
            paused_since: None,
            extension_days: 0,
            promised_days: 10,
            decided_on: None,
            on_time: None,
            decision: None,
            due_on: Some(today),
            warn_on: Some(today),
            hard_due_on: Some(today),
            state_entered_on: Some(today),
        };
        for application in [1_i64, 2] {
            onestop::db::workflow::count_move(
                conn,
                department,
                application,
                Some("submitted"),
                "accepted",
            )
            .unwrap();
            // No such application: the statement runs and changes nothing.
            let changed =
                onestop::db::workflow::update_case(conn, -application, "submitted", 1, &change)
                    .unwrap();
            assert!(!changed, "{backend:?}");
            let deemed = onestop::db::workflow::mark_deemed_accepted(
                conn,
                -application,
                "submitted",
                &onestop::db::workflow::DeemedAcceptance {
                    accepted_on: today,
                    due_on: today,
                    warn_on: today,
                    hard_due_on: today,
                },
            )
            .unwrap();
            assert!(!deemed, "{backend:?}");
            onestop::db::grid::count(
                conn,
                today,
                onestop::db::grid::CountPlace {
                    application_id: application,
                    community_id: 1,
                    street_id: 1,
                    category_code: "AQ",
                },
                "SJJ",
                onestop::db::grid::CountChange {
                    found: 1,
                    ..Default::default()
                },
            )
            .unwrap();
        }
        let started = started.lock().unwrap().clone();
        let kept = kept.lock().unwrap().clone();
        for statement in [
            "INSERT INTO queue_counts",
            "UPDATE applications SET status",
            "UPDATE applications SET deemed_accepted",
            "INSERT INTO event_day_counts",
        ] {
            let runs = started.iter().filter(|q| q.starts_with(statement)).count();
            let prepared = kept.iter().filter(|q| q.starts_with(statement)).count();
            // count_move runs its upsert twice (out of one state, into another).
            let expected = if statement == "INSERT INTO queue_counts" {
                4
            } else {
                2
            };
            assert_eq!(runs, expected, "{backend:?}: {statement} in {started:#?}");
            assert_eq!(
                prepared, 1,
                "{backend:?}: {statement} kept prepared once, in {kept:#?}"
            );
        }
        // The counts moved: two applications out of `submitted` and into `accepted`.
        let rows: Vec<(String, i64)> = q::table
            .filter(q::department_id.eq(department))
            .select((q::status, q::count))
            .load(conn)
            .unwrap();
        let total = |status: &str| -> i64 {
            rows.iter()
                .filter(|(s, _)| s == status)
                .map(|(_, n)| n)
                .sum()
        };
        assert_eq!(
            (total("submitted"), total("accepted")),
            (-2, 2),
            "{backend:?}: {rows:?}"
        );
    });
}

/// An event's report looks for an open event of its type nearby (the duplicate offer) inside its
/// transaction. PostgreSQL planned that statement afresh at every report, since with the values
/// bound each custom plan looks cheaper than the generic one; the transaction asks for the
/// generic plan (the same index), made once per connection.
#[test]
fn the_duplicate_search_keeps_one_plan_on_postgresql() {
    use diesel::prelude::*;
    let Some((_db, url)) = new_database(Backend::Postgres) else {
        return;
    };
    let url = onestop::db::DatabaseUrl::parse(&url).unwrap();
    let pool = onestop::startup::prepare_database(&url, 1).unwrap();
    let mut pooled = pool.get().unwrap();
    let conn: &mut onestop::db::DbConnection = &mut pooled;
    let since = chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    // More searches than the five PostgreSQL plans for their values before it compares plans.
    for n in 0..8 {
        let west = 113.8 + f64::from(n) * 0.001;
        let found = onestop::db::write_transaction(conn, |conn| {
            onestop::db::grid::open_of_type_near(
                conn,
                "AQ01",
                since,
                (west, 22.6, west + 0.001, 22.601),
            )
        })
        .unwrap();
        assert!(found.is_empty(), "no events were reported");
    }
    #[derive(QueryableByName)]
    struct Plans {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        generic_plans: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        custom_plans: i64,
    }
    let plans: Vec<Plans> = diesel::sql_query(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements \
         WHERE statement LIKE '%FROM \"grid_events\"%\"longitude\" BETWEEN%' \
           AND statement NOT LIKE '%pg_prepared_statements%'",
    )
    .load(conn)
    .unwrap();
    assert_eq!(plans.len(), 1, "the search is one prepared statement");
    assert_eq!(plans[0].custom_plans, 0, "planned for its values");
    assert_eq!(
        plans[0].generic_plans, 8,
        "each search ran on the generic plan"
    );
}
