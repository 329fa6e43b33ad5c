//! Grid management on the one engine: an event reported on patrol, dispatched by its type,
//! handled by the department, verified on site and closed (and a failed verification sent
//! back), an event handled on the spot, duplicates offered for merging, who may see and act,
//! the command centre's counts; the devices' tokens and their points; the pages.

mod common;

use common::{Browser, TestApp, mails_of_kind, on_both_databases, pool, signed_in};
use onestop::domain::grid_event::{ReportField, ReportInput};
use onestop::domain::identity::Role;
use onestop::services::ServiceError;
use onestop::services::accounts::User;
use onestop::services::grid as grid_service;
use onestop::services::workflow::grid_events::{
    self as events, Attachment, Duplicates, EventStep, NotReported, Reported, Reporter,
};
use onestop::services::workflow::grid_pages;

const CLIENT: &str = "127.0.0.1";
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const PER_FILE: usize = 5 * 1024 * 1024;

fn account(app: &TestApp, email: &str, role: Role, departments: &[&str]) -> User {
    let new = onestop::services::accounts::NewAccount {
        email: onestop::domain::identity::Email::parse(email).unwrap(),
        name: email.split('@').next().unwrap().to_owned(),
        role,
        password: onestop::services::demo::password(),
        departments: departments.iter().map(|d| d.to_string()).collect(),
    };
    onestop::services::accounts::create_account(&pool(app), None, &new).unwrap();
    let mut conn = pool(app).get().unwrap();
    let row = onestop::db::accounts::find_user_by_email(&mut conn, email)
        .unwrap()
        .unwrap();
    onestop::services::accounts::user_by_id(&mut conn, row.id)
        .unwrap()
        .unwrap()
}

/// A grid worker of the grids given by code.
fn worker(app: &TestApp, email: &str, grids: &[&str]) -> User {
    let user = account(app, email, Role::GridWorker, &[]);
    let mut conn = pool(app).get().unwrap();
    for code in grids {
        let id = onestop::db::grid::grid_id(&mut conn, code)
            .unwrap()
            .expect(code);
        onestop::db::grid::assign(&mut conn, id, user.id).unwrap();
    }
    user
}

/// The centre of grid `code`, as typed into the form.
fn centre(app: &TestApp, code: &str) -> (String, String) {
    let mut conn = pool(app).get().unwrap();
    let id = onestop::db::grid::grid_id(&mut conn, code)
        .unwrap()
        .unwrap();
    let (_, text) = onestop::db::grid::grid_outlines(&mut conn, &[id])
        .unwrap()
        .remove(0);
    let b = onestop::domain::territory::Outline::from_json(&text)
        .unwrap()
        .bounds();
    (
        format!("{:.6}", (b.west + b.east) / 2.0),
        format!("{:.6}", (b.south + b.north) / 2.0),
    )
}

/// The first type of event that is (or is not) closed on the spot, of the department given.
fn a_type(app: &TestApp, on_the_spot: bool, department: Option<&str>) -> String {
    let mut conn = pool(app).get().unwrap();
    onestop::db::grid::event_types(&mut conn)
        .unwrap()
        .into_iter()
        .find(|t| t.on_the_spot == on_the_spot && department.is_none_or(|d| t.department_code == d))
        .expect("a type")
        .code
}

fn report(
    app: &TestApp,
    reporter: Reporter<'_>,
    event_type: &str,
    at: &(String, String),
    duplicates: Duplicates,
) -> Result<Reported, NotReported> {
    let input = ReportInput {
        event_type: event_type.into(),
        description: "人行道上堆放建筑垃圾，影响通行。".into(),
        address: "宝安大道旁".into(),
        longitude: at.0.clone(),
        latitude: at.1.clone(),
        phone: String::new(),
    };
    let photos = [Attachment {
        file_name: "现场.png".into(),
        content: PNG.to_vec(),
    }];
    let mut conn = pool(app).get().unwrap();
    events::report(
        &mut conn,
        reporter,
        &input,
        &photos,
        PER_FILE,
        &duplicates,
        CLIENT,
    )
    .unwrap()
}

fn version(app: &TestApp, id: i64) -> (String, i32) {
    let mut conn = pool(app).get().unwrap();
    let case = onestop::db::workflow::find_case(&mut conn, id)
        .unwrap()
        .unwrap();
    (case.status, case.version)
}

fn step(
    app: &TestApp,
    who: &User,
    id: i64,
    name: &str,
    note: &str,
    photo: bool,
) -> Result<(), ServiceError> {
    let step = EventStep {
        note: note.into(),
        decision: note.into(),
        photo: photo.then(|| Attachment {
            file_name: "结果.png".into(),
            content: PNG.to_vec(),
        }),
        ..EventStep::default()
    };
    let (_, version) = version(app, id);
    let mut conn = pool(app).get().unwrap();
    events::take_step(&mut conn, who, id, name, version, &step, PER_FILE, CLIENT).map(drop)
}

on_both_databases! {
    async fn an_event_is_dispatched_handled_verified_and_closed(app) {
        let department = "SJJ";
        let worker_a = worker(&app, "worker.a@test.onestop.cn", &["BA01-01-001", "BA01-01-002"]);
        let stranger = worker(&app, "worker.b@test.onestop.cn", &["BA05-01-001"]);
        let clerk = account(&app, "clerk.grid@test.onestop.cn", Role::Clerk, &[department]);
        let other_clerk = account(&app, "clerk.other@test.onestop.cn", Role::Clerk, &["MZJ"]);
        let commander = account(&app, "commander@test.onestop.cn", Role::Commander, &[]);
        let dispatched_type = a_type(&app, false, Some(department));
        let spot_type = a_type(&app, true, None);
        let here = centre(&app, "BA01-01-001");

        // A report with mistakes comes back field by field.
        let blank = ReportInput { longitude: "113.1".into(), latitude: "22.6".into(), ..ReportInput::default() };
        let errors = {
            let mut conn = pool(&app).get().unwrap();
            events::report(&mut conn, Reporter::Worker(&worker_a), &blank, &[], PER_FILE, &Duplicates::Check, CLIENT).unwrap().unwrap_err()
        };
        let NotReported::Fields(errors) = errors else { panic!("fields") };
        let fields: Vec<ReportField> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, [ReportField::EventType, ReportField::Description]);
        // Outside the district's grids.
        let far = ("113.100000".to_owned(), "22.600000".to_owned());
        assert!(matches!(
            report(&app, Reporter::Worker(&worker_a), &dispatched_type, &far, Duplicates::Check),
            Err(NotReported::Fields(errors)) if errors == vec![(ReportField::Location, "grid.error.outside")]
        ));

        // Dispatched by its type at once, numbered in the event series, due by its limit.
        let first = report(&app, Reporter::Worker(&worker_a), &dispatched_type, &here, Duplicates::Check).unwrap();
        assert!(first.number.starts_with("SJ"), "{}", first.number);
        assert_eq!(first.department.as_deref(), Some(department));
        assert!(first.due_on > Some(onestop::services::workflow::today()));
        assert_eq!(version(&app, first.id).0, "event_handling");

        // The same type 20 m away within the day is offered for merging; merged, it is closed
        // with the first as its answer; reported anew, it is another event.
        let near = (here.0.clone(), format!("{:.6}", here.1.parse::<f64>().unwrap() + 0.00018));
        let offered = report(&app, Reporter::Worker(&worker_a), &dispatched_type, &near, Duplicates::Check);
        assert!(matches!(&offered, Err(NotReported::PossibleDuplicate(id, number)) if *id == first.id && *number == first.number), "{offered:?}");
        let merged = report(&app, Reporter::Worker(&worker_a), &dispatched_type, &near, Duplicates::MergeInto(first.number.clone())).unwrap();
        assert_eq!(merged.merged_into.as_deref(), Some(first.number.as_str()));
        assert_eq!(version(&app, merged.id).0, "event_merged");

        // Who sees it: the grid's worker, the department, the command centre; not another
        // grid's worker or another department.
        let mut conn = pool(&app).get().unwrap();
        assert!(grid_pages::event_case(&mut conn, &worker_a, first.id).is_ok());
        assert!(grid_pages::event_case(&mut conn, &clerk, first.id).is_ok());
        assert!(grid_pages::event_case(&mut conn, &commander, first.id).is_ok());
        assert!(matches!(grid_pages::event_case(&mut conn, &stranger, first.id), Err(ServiceError::NotFound)));
        assert!(matches!(grid_pages::event_case(&mut conn, &other_clerk, first.id), Err(ServiceError::NotFound)));
        drop(conn);
        assert!(matches!(step(&app, &stranger, first.id, "handled", "x", false), Err(ServiceError::NotFound)));

        // The department handles it; the worker's verification needs a photo; failed, it goes
        // back; passed, it is closed on time.
        step(&app, &clerk, first.id, "handled", "已清理建筑垃圾", false).unwrap();
        assert_eq!(version(&app, first.id).0, "event_verifying");
        assert!(matches!(step(&app, &worker_a, first.id, "verify_pass", "已清理", false), Err(ServiceError::Rejected(_))));
        step(&app, &worker_a, first.id, "verify_fail", "仍有部分垃圾未清运", false).unwrap();
        assert_eq!(version(&app, first.id).0, "event_handling");
        step(&app, &clerk, first.id, "handled", "已全部清运", false).unwrap();
        step(&app, &worker_a, first.id, "verify_pass", "现场已清理干净", true).unwrap();
        assert_eq!(version(&app, first.id).0, "event_closed");

        // A type the worker may handle herself stays with her, and is closed on the spot with
        // a photo; a dispatched type may not be closed so.
        let spot = report(&app, Reporter::Worker(&worker_a), &spot_type, &centre(&app, "BA01-01-002"), Duplicates::Check).unwrap();
        assert_eq!(spot.department, None);
        assert_eq!(version(&app, spot.id).0, "event_reported");
        assert!(matches!(step(&app, &worker_a, spot.id, "close_on_spot", "已劝离", false), Err(ServiceError::Rejected(_))));
        step(&app, &worker_a, spot.id, "close_on_spot", "已现场劝离", true).unwrap();
        assert_eq!(version(&app, spot.id).0, "event_closed");
        let another = report(&app, Reporter::Worker(&worker_a), &dispatched_type, &centre(&app, "BA01-01-002"), Duplicates::Check).unwrap();
        // The command centre redirects it to another department, which now has it.
        {
            let step = EventStep { note: "属民政部门职责".into(), department: "MZJ".into(), ..EventStep::default() };
            let (_, v) = version(&app, another.id);
            let mut conn = pool(&app).get().unwrap();
            events::take_step(&mut conn, &commander, another.id, "redirect", v, &step, PER_FILE, CLIENT).unwrap();
            assert!(grid_pages::event_case(&mut conn, &other_clerk, another.id).is_ok());
            assert!(matches!(grid_pages::event_case(&mut conn, &clerk, another.id), Err(ServiceError::NotFound)));
        }

        // The command centre's day: four found (one merged), two dispatched by type, three
        // closed (the merge, the verified one, the one on the spot), all on time.
        let mut conn = pool(&app).get().unwrap();
        let day = grid_pages::command_day(&mut conn, &commander, onestop::services::workflow::today()).unwrap();
        assert_eq!((day.total.found, day.total.dispatched, day.total.closed, day.total.closed_on_time), (4, 2, 3, 3));
        let xinan = day.streets.iter().find(|l| l.name_zh == "新安街道").unwrap();
        assert_eq!(xinan.found, 4);
        assert_eq!(day.total.closure_rate(), Some(75));
        assert!(matches!(grid_pages::command_day(&mut conn, &clerk, day.day), Err(ServiceError::NotFound)));
        let open = grid_pages::map_data(&mut conn, &commander).unwrap();
        assert_eq!(open.grids.len(), 4_833);
        assert_eq!(open.open.values().sum::<i64>(), 1, "only the redirected event is open");
    }

    async fn devices_post_points_with_their_own_tokens(app) {
        let admin = account(&app, "admin.grid@test.onestop.cn", Role::Admin, &[]);
        let worker_a = worker(&app, "worker.pts@test.onestop.cn", &["BA02-01-001"]);
        let other = worker(&app, "worker.other@test.onestop.cn", &["BA02-01-002"]);
        let token = {
            let mut conn = pool(&app).get().unwrap();
            // Only a grid worker gets a device.
            assert!(matches!(grid_service::issue_device(&mut conn, &admin, admin.id, "PDA"), Err(ServiceError::Rejected(_))));
            assert!(matches!(grid_service::issue_device(&mut conn, &worker_a, worker_a.id, "PDA"), Err(ServiceError::NotFound)));
            grid_service::issue_device(&mut conn, &admin, worker_a.id, "PDA-001").unwrap()
        };
        let post = |body: serde_json::Value, token: Option<String>| {
            let app = &app;
            async move {
                let mut request = app.client.post(app.url("/api/grid/points"));
                if let Some(token) = token {
                    request = request.insert_header(("Authorization", format!("Bearer {token}")));
                }
                let mut response = request.send_json(&body).await.unwrap();
                let json: serde_json::Value = response.json().await.unwrap_or_default();
                (response.status().as_u16(), json)
            }
        };
        let patrol = |action: &'static str, token: String| {
            let app = &app;
            async move {
                let mut response = app.client.post(app.url(&format!("/api/grid/patrol/{action}")))
                    .insert_header(("Authorization", format!("Bearer {token}")))
                    .send().await.unwrap();
                let json: serde_json::Value = response.json().await.unwrap_or_default();
                (response.status().as_u16(), json)
            }
        };
        let (status, json) = patrol("start", token.clone()).await;
        assert_eq!(status, 200);
        // The patrol began half an hour ago; its points are posted now, late.
        let start = chrono::Utc::now() - chrono::Duration::minutes(30);
        {
            use diesel::prelude::*;
            use onestop::db::schema::patrols;
            let mut conn = pool(&app).get().unwrap();
            diesel::update(patrols::table.find(json["patrol_id"].as_i64().unwrap()))
                .set(patrols::started_at.eq(start.naive_utc() - chrono::Duration::seconds(1)))
                .execute(&mut **conn)
                .unwrap();
        }
        // The grid's check points, walked to in 10 s steps, posted in two batches out of
        // order, the second batch sent twice (the device was not sure it arrived).
        let checkpoints = {
            let mut conn = pool(&app).get().unwrap();
            let id = onestop::db::grid::grid_id(&mut conn, "BA02-01-001").unwrap().unwrap();
            let (_, text) = onestop::db::grid::grid_outlines(&mut conn, &[id]).unwrap().remove(0);
            onestop::domain::territory::Outline::from_json(&text).unwrap().checkpoints()
        };
        let mut points = Vec::new();
        for (i, c) in checkpoints.iter().cycle().take(8).enumerate() {
            // Three points at each check point, a minute apart, then the next.
            for j in 0..3 {
                let seq = (i * 3 + j) as i64;
                points.push(serde_json::json!({
                    "seq": seq,
                    "at": (start + chrono::Duration::seconds(seq * 60)).to_rfc3339(),
                    "lon": c.lon, "lat": c.lat,
                }));
            }
        }
        let (late, early) = points.split_at(12);
        let (status, json) = post(serde_json::json!({ "points": early }), Some(token.clone())).await;
        assert_eq!((status, json["accepted"].as_u64()), (200, Some(12)), "{json}");
        let (status, json) = post(serde_json::json!({ "points": late }), Some(token.clone())).await;
        assert_eq!((status, json["accepted"].as_u64()), (200, Some(12)));
        let (_, json) = post(serde_json::json!({ "points": late }), Some(token.clone())).await;
        assert_eq!((json["accepted"].as_u64(), json["duplicates"].as_u64()), (Some(0), Some(12)));
        // For another worker: refused. Bad points: the whole batch refused.
        let (status, json) = post(serde_json::json!({ "worker_id": other.id, "points": early }), Some(token.clone())).await;
        assert_eq!((status, json["error"].as_str()), (403, Some("other_worker")));
        let bad = serde_json::json!({ "points": [{ "seq": 99, "at": start.to_rfc3339(), "lon": 500.0, "lat": 22.6 }] });
        assert_eq!(post(bad, Some(token.clone())).await.0, 422);
        assert_eq!(post(serde_json::json!({ "points": early }), None).await.0, 401);
        assert_eq!(post(serde_json::json!({ "points": early }), Some("not-a-token".into())).await.0, 401);

        let (status, json) = patrol("end", token.clone()).await;
        assert_eq!(status, 200);
        let patrol_id = json["patrol_id"].as_i64().unwrap();
        let mut conn = pool(&app).get().unwrap();
        let row = onestop::db::grid::find_patrol(&mut conn, patrol_id).unwrap().unwrap();
        // 8 stops over 4 check points: two full rounds, two minutes a stop.
        assert_eq!((row.points, row.rounds, row.checkpoints_reached, row.checkpoints_total), (24, 2, 4, 4));
        assert_eq!((row.gaps, row.too_fast), (0, 0));
        let trace = grid_service::trace(&mut conn, patrol_id).unwrap().unwrap();
        assert_eq!(trace.summary.dwell.iter().map(|d| d.visits).collect::<Vec<_>>(), vec![2, 2, 2, 2]);
        assert!(trace.summary.dwell.iter().all(|d| (d.minutes - 4.0).abs() < 0.01), "{:?}", trace.summary.dwell);

        // Revoked, the token is refused.
        let device_id = onestop::db::grid::device_lines(&mut conn, None, 1).unwrap()[0].id;
        assert!(grid_service::revoke_device(&mut conn, &admin, device_id).unwrap());
        drop(conn);
        let (status, json) = post(serde_json::json!({ "points": early }), Some(token)).await;
        assert_eq!((status, json["error"].as_str()), (401, Some("token_refused")));
    }

    async fn the_grid_pages(app) {
        worker(&app, "worker.page@test.onestop.cn", &["BA03-02-005"]);
        account(&app, "commander.page@test.onestop.cn", Role::Commander, &[]);
        let mut browser = signed_in(&app, "worker.page@test.onestop.cn").await;
        let home = browser.get("/grid").await;
        assert_eq!(home.status, 200, "{}", home.body);
        assert!(home.body.contains("BA03-02-005"));
        let started = browser.submit("/grid", "/grid/patrol/start", &[]).await;
        assert_eq!(started.status, 303);
        let form = browser.get("/grid/report").await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains("/static/locate.js"), "the optional location script");
        // The grid picked by hand gives the position (no script).
        let pick = form.attrs("#grid_point option", "value").into_iter().find(|v| !v.is_empty()).unwrap();
        let event_type = a_type(&app, false, None);
        let reply = browser.submit_multipart("/grid/report", &[
            ("event_type", event_type.as_str()), ("description", "井盖缺失"), ("address", "航城大道"),
            ("grid_point", pick.as_str()),
        ], &[("photo", "现场.png", PNG)]).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let number = reply.text("#tracking-number");
        assert!(number.starts_with("SJ"));
        let due = reply.text(".due");
        assert!(due.starts_with("处置时限：2") && !due.contains('{'), "{due}");
        assert!(!reply.text(".dispatched-to").contains('{'));
        // Without a type: the form again, the other values kept.
        let reply = browser.submit_multipart("/grid/report", &[
            ("event_type", ""), ("description", "井盖缺失"), ("grid_point", pick.as_str()),
        ], &[]).await;
        assert_eq!(reply.status, 422);
        assert!(reply.body.contains("井盖缺失"));
        let ended = browser.submit("/grid", "/grid/patrol/end", &[]).await;
        assert_eq!(ended.status, 303);
        let trace = browser.get(ended.header("location").unwrap()).await;
        assert_eq!(trace.status, 200);
        assert!(trace.body.contains("<svg"));
        assert_eq!(browser.get("/grid/command").await.status, 404, "a worker is not the command centre");

        // The street's inspector sees the worker's day: the patrol, linked to its trace.
        let inspector = account(&app, "inspector.page@test.onestop.cn", Role::Inspector, &[]);
        let street = {
            let mut conn = pool(&app).get().unwrap();
            let street = onestop::db::grid::streets(&mut conn).unwrap()
                .into_iter().find(|s| s.1 == "BA03").unwrap().0;
            onestop::db::grid::set_inspector_street(&mut conn, inspector.id, street).unwrap();
            street
        };
        let mut looking = signed_in(&app, "inspector.page@test.onestop.cn").await;
        let day = looking.get("/grid/inspection").await;
        assert_eq!(day.status, 200, "{}", day.body);
        assert_eq!(day.text(".street-name"), "航城街道");
        assert_eq!(day.texts("tbody th"), vec!["worker.page"]);
        assert_eq!(day.attrs("td.patrols a", "href"), vec![ended.header("location").unwrap().to_owned()]);
        assert_eq!(looking.get("/grid/inspection?day=2026-13-01").await.status, 400);
        assert_eq!(browser.get("/grid/inspection").await.status, 404, "a worker is not an inspector");

        let mut commander = signed_in(&app, "commander.page@test.onestop.cn").await;
        let other = commander.get("/grid/inspection").await;
        assert_eq!(other.status, 200);
        assert!(other.texts("tbody th").is_empty(), "BA01 has no worker in this test");
        let chosen = commander.get(&format!("/grid/inspection?street={street}")).await;
        assert_eq!(chosen.texts("tbody th"), vec!["worker.page"]);
        assert_eq!(commander.get("/grid/inspection?street=x").await.status, 400);
        let page = commander.get("/grid/command").await;
        assert_eq!(page.status, 200);
        assert_eq!(page.html().select(&scraper::Selector::parse("svg rect").unwrap()).count(), 4_833);
        assert!(page.body.contains(&number));
        let csv = commander.get("/grid/command.csv?table=street").await;
        assert_eq!(csv.status, 200);
        assert!(csv.body.contains("航城街道"));
        let event = commander.get(&format!("/grid/events/{}", common::id_of(&app, &number))).await;
        assert_eq!(event.status, 200);
        assert!(event.body.contains("redirect"));
        // The administrator issues the worker a device on the page; its token, shown once,
        // opens a patrol through the API until the administrator revokes it.
        account(&app, "admin.page@test.onestop.cn", Role::Admin, &[]);
        let mut admin = signed_in(&app, "admin.page@test.onestop.cn").await;
        assert_eq!(admin.get("/admin/grid/devices").await.status, 200);
        let refused = admin.submit("/admin/grid/devices", "/admin/grid/devices", &[
            ("worker", "nobody@test.onestop.cn"), ("label", "手持终端 7"),
        ]).await;
        assert_eq!(refused.status, 422);
        assert_eq!(refused.attrs("#label", "value"), vec!["手持终端 7"]);
        let issued = admin.submit("/admin/grid/devices", "/admin/grid/devices", &[
            ("worker", "worker.page@test.onestop.cn"), ("label", "手持终端 7"),
        ]).await;
        assert_eq!(issued.status, 201, "{}", issued.body);
        assert_eq!(issued.header("cache-control"), Some("no-store"));
        let token = issued.text(".device-token");
        assert!(token.len() >= 32);
        let again = admin.get("/admin/grid/devices").await;
        assert!(!again.body.contains(&token), "a token is shown once");
        let device = again.attrs("tr[data-device]", "data-device").remove(0);
        let open = |token: String| {
            let app = &app;
            async move {
                app.client.post(app.url("/api/grid/patrol/start"))
                    .insert_header(("Authorization", format!("Bearer {token}")))
                    .send().await.unwrap().status().as_u16()
            }
        };
        assert_eq!(open(token.clone()).await, 200);
        assert_eq!(browser.get("/admin/grid/devices").await.status, 404, "a worker is not an administrator");
        let revoked = admin.submit("/admin/grid/devices", &format!("/admin/grid/devices/{device}/revoke"), &[]).await;
        assert_eq!(revoked.status, 303);
        assert_eq!(admin.get("/admin/grid/devices").await.text(&format!("tr[data-device=\"{device}\"] .device-state")).split_whitespace().next(), Some("已吊销"));
        assert_eq!(open(token).await, 401);

        // Real outlines come as GeoJSON; a code no grid has is named, a broken file refused.
        let (lon, lat) = centre(&app, "BA01-01-001");
        let (x, y): (f64, f64) = (lon.parse().unwrap(), lat.parse().unwrap());
        let ring = format!("[[{},{}],[{},{}],[{},{}],[{},{}],[{},{}]]",
            x - 0.001, y - 0.001, x + 0.001, y - 0.001, x + 0.001, y + 0.001, x - 0.001, y + 0.001, x - 0.001, y - 0.001);
        let geojson = format!(r#"{{"type":"FeatureCollection","features":[
            {{"type":"Feature","properties":{{"code":"BA01-01-001"}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}},
            {{"type":"Feature","properties":{{"code":"XX99"}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}]}}"#);
        let imported = admin.submit_multipart("/admin/grid/territory", &[], &[("file", "grids.geojson", geojson.as_bytes())]).await;
        assert_eq!(imported.status, 200, "{}", imported.body);
        assert_eq!(imported.text(".imported"), "已替换 1 个网格边界。");
        assert_eq!(imported.texts(".unknown-codes li"), vec!["XX99"]);
        let broken = admin.submit_multipart("/admin/grid/territory", &[], &[("file", "grids.geojson", b"{\"type\":")]).await;
        assert_eq!(broken.status, 422);
        assert_eq!(browser.get("/admin/grid/territory").await.status, 404);

        // The department the type dispatches to lists the event, linked from its queue.
        let department = {
            let mut conn = pool(&app).get().unwrap();
            onestop::db::grid::event_type(&mut conn, &event_type).unwrap().unwrap().department_code
        };
        let other = if department == "SJJ" { "MZJ" } else { "SJJ" };
        account(&app, "clerk.page@test.onestop.cn", Role::Clerk, &[department.as_str()]);
        let mut clerk = signed_in(&app, "clerk.page@test.onestop.cn").await;
        let queue = clerk.get(&format!("/workspace/{department}")).await;
        assert!(queue.attrs("a", "href").contains(&format!("/workspace/{department}/events")));
        let held = clerk.get(&format!("/workspace/{department}/events")).await;
        assert_eq!(held.status, 200, "{}", held.body);
        assert_eq!(held.attrs("tbody tr", "data-number"), vec![number.clone()]);
        assert_eq!(clerk.get(&format!("/workspace/{other}/events")).await.status, 404);
        assert_eq!(clerk.get(&format!("/workspace/{department}/events?before=x")).await.status, 400);

        // A citizen reports without an account: a phone is needed.
        let mut visitor = Browser::new(&app);
        visitor.get("/grid/report").await;
        let reply = visitor.submit_multipart("/grid/report", &[
            ("event_type", event_type.as_str()), ("description", "路灯不亮"),
            ("longitude", "113.9"), ("latitude", "22.7"),
        ], &[]).await;
        assert_eq!(reply.status, 422);
        assert!(reply.body.contains("路灯不亮"));
        let reply = visitor.submit_multipart("/grid/report", &[
            ("event_type", event_type.as_str()), ("description", "路灯不亮"),
            ("longitude", "113.9"), ("latitude", "22.7"), ("phone", "13800138000"),
        ], &[]).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let anonymous = reply.text("#tracking-number");
        // It is followed by its number and the phone's last four digits; a wrong pair is a
        // field error with the number kept.
        assert_eq!(visitor.get("/grid/track").await.status, 200);
        let wrong = visitor.submit("/grid/track", "/grid/track", &[
            ("tracking_number", anonymous.as_str()), ("phone_tail", "1234"),
        ]).await;
        assert_eq!(wrong.status, 404);
        assert!(wrong.body.contains("tracking_number-error"));
        assert_eq!(wrong.attrs("#tracking_number", "value"), vec![anonymous.clone()]);
        let found = visitor.submit("/grid/track", "/grid/track", &[
            ("tracking_number", anonymous.as_str()), ("phone_tail", "8000"),
        ]).await;
        assert_eq!(found.status, 200, "{}", found.body);
        assert_eq!(found.text(".tracking-number"), anonymous);
        assert_eq!(found.text(".status"), "部门处置中");

        // A signed-in citizen's report: the page its mails link to is theirs alone.
        account(&app, "citizen.grid@test.onestop.cn", Role::Citizen, &[]);
        account(&app, "other.grid@test.onestop.cn", Role::Citizen, &[]);
        let mut citizen = signed_in(&app, "citizen.grid@test.onestop.cn").await;
        citizen.get("/grid/report").await;
        // Elsewhere: the same type within 50 m would be offered as a duplicate.
        let (lon, lat) = centre(&app, "BA01-01-002");
        let reply = citizen.submit_multipart("/grid/report", &[
            ("event_type", event_type.as_str()), ("description", "垃圾堆放"),
            ("longitude", lon.as_str()), ("latitude", lat.as_str()),
        ], &[]).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let own = reply.text("#tracking-number");
        let page = citizen.get(&format!("/grid/reports/{own}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.text(".tracking-number"), own);
        let mut other = signed_in(&app, "other.grid@test.onestop.cn").await;
        assert_eq!(other.get(&format!("/grid/reports/{own}")).await.status, 404);
        // The report form lists a citizen's own reports, each linked to its page, and no one else's.
        let form = citizen.get("/grid/report").await;
        assert_eq!(form.texts(".my-reports tbody th"), std::slice::from_ref(&own));
        assert_eq!(form.attrs(".my-reports a", "href"), [format!("/grid/reports/{own}")]);
        assert_eq!(form.text(".my-reports .status"), "部门处置中");
        assert!(other.get("/grid/report").await.texts(".my-reports tbody th").is_empty());
        let mut nobody = Browser::new(&app);
        let away = nobody.get(&format!("/grid/reports/{own}")).await;
        assert_eq!(away.status, 303);
        assert_eq!(away.header("location"), Some("/grid/track"));
    }

    async fn a_department_hears_of_dispatched_events_in_a_digest_not_a_mail_each(app) {
        use chrono::Duration;
        use onestop::services::digests::{Schedule, send_due};
        let worker_a = worker(&app, "worker.a@test.onestop.cn", &["BA01-01-001", "BA01-01-002"]);
        account(&app, "clerk.grid@test.onestop.cn", Role::Clerk, &["SJJ"]);
        account(&app, "head.grid@test.onestop.cn", Role::Head, &["SJJ"]);
        account(&app, "clerk.other@test.onestop.cn", Role::Clerk, &["MZJ"]);
        let commander = account(&app, "commander@test.onestop.cn", Role::Commander, &[]);
        let dispatched_type = a_type(&app, false, Some("SJJ"));
        let schedule = Schedule { arrivals_every: Duration::minutes(60), daily_hour: 8 };
        let start = onestop::services::stored_now();
        let digests = |at: chrono::NaiveDateTime| {
            send_due(&mut pool(&app).get().unwrap(), &schedule, at).unwrap();
            mails_of_kind(&app, "digest:events")
        };
        assert!(digests(start).is_empty(), "the first run only starts the count");

        let first = report(&app, Reporter::Worker(&worker_a), &dispatched_type, &centre(&app, "BA01-01-001"), Duplicates::New).unwrap();
        let second = report(&app, Reporter::Worker(&worker_a), &dispatched_type, &centre(&app, "BA01-01-002"), Duplicates::New).unwrap();
        assert_eq!(first.department.as_deref(), Some("SJJ"));
        let at_once: Vec<_> = mails_of_kind(&app, "staff:dispatch");
        assert!(at_once.is_empty(), "no mail for each dispatched event: {at_once:?}");
        assert!(digests(start + Duration::minutes(30)).is_empty(), "not before the interval");

        let sent = digests(start + Duration::minutes(62));
        assert_eq!(sent.len(), 1, "one digest, to the department's clerk (not its head): {sent:?}");
        let (to, subject, body, link) = &sent[0];
        assert_eq!(to, "clerk.grid@test.onestop.cn");
        assert!(subject.contains("2 件"), "{subject}");
        assert!(body.contains(&first.number) && body.contains(&second.number), "{body}");
        assert!(body.contains("宝安大道旁"), "the place: {body}");
        let due = first.due_on.unwrap().to_string();
        assert!(body.contains(&due), "the deadline {due}: {body}");
        assert_eq!(link, "/workspace/SJJ/events");
        assert_eq!(digests(start + Duration::minutes(62)).len(), 1, "not twice");

        // A redirect is the command centre's choice about one event: the department it goes
        // to hears of it at once, and in no digest of dispatches.
        let step = EventStep { note: "属民政部门职责".into(), department: "MZJ".into(), ..EventStep::default() };
        let (_, v) = version(&app, second.id);
        events::take_step(&mut pool(&app).get().unwrap(), &commander, second.id, "redirect", v, &step, PER_FILE, CLIENT).unwrap();
        let redirected = mails_of_kind(&app, "staff:redirect");
        assert_eq!(redirected.len(), 1, "{redirected:?}");
        assert_eq!(redirected[0].0, "clerk.other@test.onestop.cn");
        assert!(redirected[0].1.contains(&second.number), "{:?}", redirected[0]);
        assert_eq!(digests(start + Duration::minutes(200)).len(), 1, "nothing newly dispatched, no mail");
    }

    async fn administrators_edit_the_taxonomy_and_the_next_report_follows_it(app) {
        account(&app, "admin.types@test.onestop.cn", Role::Admin, &[]);
        let mut admin = signed_in(&app, "admin.types@test.onestop.cn").await;
        let list = admin.get("/admin/grid/types").await;
        assert_eq!(list.status, 200);
        assert_eq!(list.texts("table.event-types tbody tr").len(), 152);
        assert_eq!(list.texts("section h2").len(), 11);
        let code = a_type(&app, false, Some("SJJ"));
        let form = format!("/admin/grid/types/{code}");
        assert_eq!(admin.get(&form).await.attrs("#department option[selected]", "value"), vec!["SJJ"]);
        let worker_a = worker(&app, "worker.types@test.onestop.cn", &["BA02-01-001"]);
        let here = centre(&app, "BA02-01-001");
        let before = report(&app, Reporter::Worker(&worker_a), &code, &here, Duplicates::New).unwrap();
        assert_eq!(before.department.as_deref(), Some("SJJ"));

        // A mistake keeps what was typed and says which field is wrong.
        let refused = admin.submit(&form, &form, &[
            ("name_zh", "道路积水"), ("name_en", "Flooded road"), ("department", "MZJ"), ("limit_days", "31"),
        ]).await;
        assert_eq!(refused.status, 422);
        assert_eq!(refused.texts(".field-error label"), vec!["处置时限（工作日）"]);
        assert_eq!(refused.attrs("#name_zh", "value"), vec!["道路积水"]);
        assert_eq!(refused.attrs("#department option[selected]", "value"), vec!["MZJ"]);
        let unknown = admin.submit(&form, &form, &[
            ("name_zh", "道路积水"), ("name_en", "Flooded road"), ("department", "XXX"), ("limit_days", "2"),
        ]).await;
        assert_eq!(unknown.status, 422);

        let saved = admin.submit(&form, &form, &[
            ("name_zh", "道路积水"), ("name_en", "Flooded road"), ("department", "MZJ"),
            ("limit_days", "2"), ("on_the_spot", "yes"),
        ]).await;
        assert_eq!(saved.status, 303);
        assert_eq!(saved.header("location"), Some(format!("/admin/grid/types#type-{code}").as_str()));
        let row = admin.get("/admin/grid/types").await;
        assert_eq!(row.text(&format!("#type-{code} th")), "道路积水");
        assert_eq!(row.texts(&format!("#type-{code} td")).get(2).map(String::as_str), Some("是"));

        // The next report follows the change: the worker keeps it (on the spot); a citizen's
        // goes to the new department with the new limit. The earlier event keeps its own.
        let kept = report(&app, Reporter::Worker(&worker_a), &code, &(here.0.clone(), here.1.clone()), Duplicates::New).unwrap();
        assert_eq!(kept.department, None);
        let citizen = account(&app, "citizen.types@test.onestop.cn", Role::Citizen, &[]);
        let dispatched = report(&app, Reporter::Citizen(Some(&citizen)), &code, &here, Duplicates::New).unwrap();
        assert_eq!(dispatched.department.as_deref(), Some("MZJ"));
        let mut conn = pool(&app).get().unwrap();
        let calendar = onestop::services::workflow::load_calendar(&mut conn).unwrap();
        let today = onestop::services::workflow::today();
        assert_eq!(dispatched.due_on, Some(calendar.add_working_days(today, 2)));
        let earlier = onestop::db::workflow::find_case(&mut conn, before.id).unwrap().unwrap();
        let sjj = onestop::db::workflow::department_id(&mut conn, "SJJ").unwrap();
        assert_eq!(earlier.department_id, sjj, "an event already dispatched stays");
        drop(conn);

        // A new type: its code must be free; then it can be reported.
        let taken = admin.submit("/admin/grid/types/new", "/admin/grid/types", &[
            ("code", &code), ("category", "SR"), ("name_zh", "共享单车乱停放"), ("name_en", "Shared bikes in the way"),
            ("department", "CGJ"), ("limit_days", "1"),
        ]).await;
        assert_eq!(taken.status, 422);
        assert_eq!(taken.attrs("#code", "aria-invalid"), vec!["true"]);
        let added = admin.submit("/admin/grid/types/new", "/admin/grid/types", &[
            ("code", "sr99"), ("category", "SR"), ("name_zh", "共享单车乱停放"), ("name_en", "Shared bikes in the way"),
            ("department", "CGJ"), ("limit_days", "1"),
        ]).await;
        assert_eq!(added.status, 303, "{}", added.body);
        assert_eq!(admin.get("/admin/grid/types").await.text("#type-SR99 th"), "共享单车乱停放");
        let new_kind = report(&app, Reporter::Worker(&worker_a), "SR99", &here, Duplicates::New).unwrap();
        assert_eq!(new_kind.department.as_deref(), Some("CGJ"));

        // On the record, and for administrators only.
        let log = admin.get("/admin/log").await;
        assert!(log.body.contains("修改事件类型") && log.body.contains("新增事件类型"), "the admin log names both");
        let mut browser = signed_in(&app, "worker.types@test.onestop.cn").await;
        assert_eq!(browser.get("/admin/grid/types").await.status, 404);
        assert_eq!(browser.get(&form).await.status, 404);
        assert_eq!(admin.get("/admin/grid/types/NOPE").await.status, 404);
    }

    async fn an_overdue_event_gets_the_cards_an_application_would(app) {
        let department = "SJJ";
        let worker_a = worker(&app, "worker.late@test.onestop.cn", &["BA03-01-001"]);
        account(&app, "clerk.late@test.onestop.cn", Role::Clerk, &[department]);
        let kind = a_type(&app, false, Some(department));
        let reported = report(&app, Reporter::Worker(&worker_a), &kind, &centre(&app, "BA03-01-001"), Duplicates::New).unwrap();
        let cards = |id: i64| -> Vec<String> {
            use diesel::prelude::*;
            use onestop::db::schema::supervision_cards;
            let mut conn = pool(&app).get().unwrap();
            supervision_cards::table
                .filter(supervision_cards::application_id.eq(id))
                .order(supervision_cards::id)
                .select(supervision_cards::level)
                .load(&mut **conn)
                .unwrap()
        };
        // Past its deadline (and past the day after which it is red), as the days go by; a
        // full supervision pass (the day's first) looks at every open case of every kind.
        let pass_with = |due: i64, hard_due: i64| {
            use diesel::prelude::*;
            use onestop::db::schema::applications as a;
            let today = onestop::services::workflow::today();
            let mut conn = pool(&app).get().unwrap();
            diesel::update(a::table.find(reported.id))
                .set((
                    a::due_on.eq(today + chrono::Duration::days(due)),
                    a::warn_on.eq(today + chrono::Duration::days(due - 1)),
                    a::hard_due_on.eq(today + chrono::Duration::days(hard_due)),
                ))
                .execute(&mut **conn)
                .unwrap();
            onestop::db::workflow::forget_passes(&mut conn).unwrap();
            onestop::services::workflow::supervise(&mut conn).unwrap();
        };
        pass_with(5, 10);
        assert!(cards(reported.id).is_empty(), "five days to go: nothing yet");
        pass_with(1, 5);
        assert_eq!(cards(reported.id), ["warning"]);
        pass_with(-1, 5);
        assert_eq!(cards(reported.id), ["warning", "yellow"]);
        pass_with(-3, -1);
        assert_eq!(cards(reported.id), ["warning", "yellow", "red"]);
        // The department's clerk sees them on the event.
        let mut clerk = signed_in(&app, "clerk.late@test.onestop.cn").await;
        let page = clerk.get(&format!("/grid/events/{}", reported.id)).await;
        assert_eq!(page.status, 200);
        let badges = page.texts(".cards .level");
        assert_eq!(badges, ["预警", "黄牌", "红牌"], "{}", page.body);
    }

    async fn the_command_centre_compares_a_day_with_the_30_before(app) {
        use diesel::prelude::*;
        use onestop::db::schema::{event_day_counts as c, event_day_totals as t};
        let commander = account(&app, "commander.avg@test.onestop.cn", Role::Commander, &[]);
        let today = onestop::services::workflow::today();
        let mut conn = pool(&app).get().unwrap();
        let (community, street): (i64, i64) = {
            use onestop::db::schema::communities as k;
            k::table.select((k::id, k::street_id)).order(k::id).first(&mut **conn).unwrap()
        };
        // 30 found a day on each of the 30 days before today, 600 on the day before those
        // (outside the window), and 7 today; each day's count kept in two slots, a third of it
        // in slot 7.
        for back in 0..=31i64 {
            let found = match back { 0 => 7, 31 => 600, _ => 30 };
            let closed = found / 2;
            for (slot, found, closed) in [(0, found - found / 3, closed - closed / 3), (7, found / 3, closed / 3)] {
                diesel::insert_into(c::table)
                    .values((
                        c::day.eq(today - chrono::Duration::days(back)),
                        c::community_id.eq(community),
                        c::street_id.eq(street),
                        c::category_code.eq("AQ"),
                        c::department_code.eq("XFJY"),
                        c::slot.eq(slot),
                        c::found.eq(found),
                        c::dispatched.eq(found),
                        c::closed.eq(closed),
                        c::closed_on_time.eq(closed),
                    ))
                    .execute(&mut **conn)
                    .unwrap();
            }
        }
        let day = grid_pages::command_day(&mut conn, &commander, today).unwrap();
        assert_eq!((day.total.found, day.average.found, day.average.closed), (7, 30, 15));
        // The settled days (all but yesterday) are kept; the second view reads them.
        let kept: i64 = t::table.count().get_result(&mut **conn).unwrap();
        assert_eq!(kept, 29);
        let again = grid_pages::command_day(&mut conn, &commander, today).unwrap();
        assert_eq!(again.average.found, 30);
        // A day further back is compared with its own 30 days (the 600 among them).
        let earlier = grid_pages::command_day(&mut conn, &commander, today - chrono::Duration::days(1)).unwrap();
        assert_eq!(earlier.average.found, (29 * 30 + 600 + 15) / 30);
    }
}
