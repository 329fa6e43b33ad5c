//! The law's rules on the clocks (行政许可法 Arts 32, 42, 45), as clerks, heads and applicants
//! meet them: a lapsed acceptance period is final, a special procedure excludes its first and
//! last day, nothing stops or extends a clock whose legal deadline passed, a pause keeps the
//! level reached before it, and an extension moves the legal deadline only.
//!
//! The tests cannot wait for days to pass: they move an application's dates back in the
//! database, as if it had been received or accepted earlier, and look at what the pages say.

mod common;

use chrono::{Days, NaiveDate};
use common::{
    Reply, TestApp, act, create_demo_accounts, id_of, on_both_databases, pool, signed_in,
    sjj_service, submit_one,
};
use diesel::prelude::*;
use onestop::db::schema::applications;
use onestop::domain::calendar::Calendar;
use std::sync::Arc;

const CITIZEN: &str = "citizen@demo.onestop.cn";
const CLERK: &str = "clerk.sjj@demo.onestop.cn";
const HEAD: &str = "head.sjj@demo.onestop.cn";

fn today() -> NaiveDate {
    onestop::services::workflow::today()
}

fn calendar(app: &TestApp) -> Arc<Calendar> {
    let mut conn = pool(app).get().unwrap();
    onestop::services::workflow::load_calendar(&mut conn).unwrap()
}

fn supervise(app: &TestApp) -> (usize, usize) {
    let mut conn = pool(app).get().unwrap();
    onestop::services::workflow::supervise(&mut conn).unwrap()
}

/// The date a deadline list shows after `label`.
fn deadline(page: &Reply, label: &str) -> String {
    page.texts(".deadlines div")
        .into_iter()
        .find_map(|t| t.strip_prefix(label).map(|d| d.trim().to_owned()))
        .unwrap_or_else(|| panic!("no {label} in {:?}", page.texts(".deadlines div")))
}

fn date(text: &str) -> NaiveDate {
    text.parse()
        .unwrap_or_else(|_| panic!("{text:?} is not a date"))
}

/// The kinds of the audit events of an application.
fn event_kinds(app: &TestApp, id: i64) -> Vec<String> {
    let mut conn = pool(app).get().unwrap();
    onestop::db::workflow::case_events(&mut conn, id)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

/// (kind, subject and body) of the mails queued for an application.
fn mails(app: &TestApp, id: i64) -> Vec<(String, String)> {
    let mut conn = pool(app).get().unwrap();
    onestop::db::outbox::mails_of(&mut conn, id)
        .unwrap()
        .into_iter()
        .map(|(kind, _, subject, body)| (kind, format!("{subject}\n{body}")))
        .collect()
}

/// The text of the queue row of `number` on `page`, with its class.
fn queue_row(page: &Reply, number: &str) -> (String, String) {
    let html = page.html();
    let selector = scraper::Selector::parse(".queue-row").unwrap();
    html.select(&selector)
        .map(|row| {
            (
                row.text().collect::<String>(),
                row.value().attr("class").unwrap_or_default().to_owned(),
            )
        })
        .find(|(text, _)| text.contains(number))
        .unwrap_or_else(|| panic!("{number} is not in the queue"))
}

/// An application of the citizen, accepted and under review by the SJJ clerk.
async fn under_review(app: &TestApp) -> (i64, String) {
    create_demo_accounts(app);
    let code = sjj_service(app).await;
    let mut citizen = signed_in(app, CITIZEN).await;
    let number = submit_one(&mut citizen, &code).await;
    let id = id_of(app, &number);
    let mut clerk = signed_in(app, CLERK).await;
    assert_eq!(act(&mut clerk, id, "accept", &[]).await.status, 303);
    assert_eq!(act(&mut clerk, id, "start_review", &[]).await.status, 303);
    (id, number)
}

/// Moves the application back in time: received and accepted on `accepted`, with the given
/// promised and legal periods.
fn accepted_on(app: &TestApp, id: i64, accepted: NaiveDate, promised: i32, legal: i32) {
    let mut conn = pool(app).get().unwrap();
    diesel::update(applications::table.find(id))
        .set((
            applications::received_on.eq(accepted),
            applications::accepted_on.eq(accepted),
            applications::promised_days.eq(promised),
            applications::legal_days.eq(legal),
        ))
        .execute(&mut **conn)
        .unwrap();
}

/// The cards of an application: their levels.
fn card_levels(app: &TestApp, id: i64) -> Vec<String> {
    let mut conn = pool(app).get().unwrap();
    onestop::db::workflow::cards_of(&mut conn, id)
        .unwrap()
        .into_iter()
        .map(|c| c.0)
        .collect()
}

on_both_databases! {
    // Every deadline needs the calendar, and a node keeps the one it read, keyed by a token the
    // database draws anew, by trigger, at every change to the calendar's tables: whoever
    // changes them (the admin pages, the import, someone at the database's prompt), the next
    // deadline is counted on the changed calendar.
    async fn a_change_to_the_calendar_is_counted_at_once_whoever_makes_it(app) {
        use onestop::db::schema::{calendar_days, calendar_years};
        // A Wednesday and a Saturday of a year the shipped calendar does not list.
        let wednesday = NaiveDate::from_ymd_opt(2031, 3, 12).unwrap();
        let saturday = NaiveDate::from_ymd_opt(2031, 3, 15).unwrap();
        let first = calendar(&app);
        assert!(
            Arc::ptr_eq(&first, &calendar(&app)),
            "an unchanged calendar is read once"
        );
        assert!(first.is_working_day(wednesday) && !first.is_working_day(saturday));
        assert!(!first.covers(wednesday));

        let mut conn = pool(&app).get().unwrap();
        diesel::insert_into(calendar_days::table)
            .values((
                calendar_days::day.eq(wednesday),
                calendar_days::kind.eq("holiday"),
                calendar_days::note.eq("by hand"),
            ))
            .execute(&mut **conn)
            .unwrap();
        let holiday = calendar(&app);
        assert!(!holiday.is_working_day(wednesday), "an inserted holiday");
        assert_eq!(
            holiday.add_working_days(wednesday.pred_opt().unwrap(), 1),
            wednesday.succ_opt().unwrap(),
            "a period starting the day before skips the new holiday"
        );

        diesel::update(calendar_days::table.find(wednesday))
            .set(calendar_days::day.eq(saturday))
            .execute(&mut **conn)
            .unwrap();
        diesel::update(calendar_days::table.find(saturday))
            .set(calendar_days::kind.eq("workday"))
            .execute(&mut **conn)
            .unwrap();
        let moved = calendar(&app);
        assert!(moved.is_working_day(wednesday), "the holiday moved away");
        assert!(moved.is_working_day(saturday), "an updated row: a make-up day");

        diesel::insert_into(calendar_years::table)
            .values((
                calendar_years::year.eq(2031),
                calendar_years::status.eq("confirmed"),
                calendar_years::source.eq("by hand"),
            ))
            .execute(&mut **conn)
            .unwrap();
        assert!(calendar(&app).covers(wednesday), "a year confirmed by hand is settled");

        diesel::delete(calendar_days::table.find(saturday))
            .execute(&mut **conn)
            .unwrap();
        diesel::delete(calendar_years::table.find(2031))
            .execute(&mut **conn)
            .unwrap();
        let last = calendar(&app);
        assert!(!last.is_working_day(saturday), "a deleted make-up day");
        assert!(!last.covers(wednesday), "a deleted year");
        assert!(Arc::ptr_eq(&last, &calendar(&app)));
    }

    async fn between_full_passes_supervision_looks_only_at_what_changed(app) {
        let (id, _) = under_review(&app).await;
        // The day's first pass is full; the next ones look at the applications with an event
        // since, so a second pass with nothing new finds nothing to do.
        supervise(&app);
        assert_eq!(supervise(&app), (0, 0));
        // A transition puts the application past its promised deadline (accepted a week ago
        // with 1 working day promised): the very next pass cards it, from its event.
        accepted_on(&app, id, today() - Days::new(7), 1, 20);
        let mut clerk = signed_in(&app, CLERK).await;
        assert_eq!(act(&mut clerk, id, "start_special_procedure", &[("note", "检验检测")]).await.status, 303);
        assert_eq!(supervise(&app), (0, 1));
        assert_eq!(card_levels(&app, id), ["yellow"]);

        // A change without an event (here written into the database by hand) waits for the
        // day's full pass: the pass of a new day sees it.
        use onestop::db::schema::supervision_passes;
        let (other, _) = under_review(&app).await;
        supervise(&app);
        {
            let mut conn = pool(&app).get().unwrap();
            let past = today() - Days::new(30);
            diesel::update(applications::table.find(other))
                .set((applications::due_on.eq(past), applications::hard_due_on.eq(past)))
                .execute(&mut **conn)
                .unwrap();
            // The last pass as if it had begun five minutes after its events (a pass looks two
            // minutes further back than the previous one began).
            let (_, began) = onestop::db::workflow::last_pass(&mut conn).unwrap().unwrap();
            diesel::update(supervision_passes::table)
                .set(supervision_passes::started_at.eq(began + chrono::Duration::minutes(5)))
                .execute(&mut **conn)
                .unwrap();
        }
        supervise(&app);
        assert!(card_levels(&app, other).is_empty(), "not looked at within the day");
        {
            let mut conn = pool(&app).get().unwrap();
            diesel::update(supervision_passes::table)
                .set(supervision_passes::day.eq(today() - Days::new(1)))
                .execute(&mut **conn)
                .unwrap();
        }
        supervise(&app);
        assert_eq!(card_levels(&app, other), ["red"], "the new day's full pass");
        // A calendar edit moves clocks: the next pass is full again.
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let day = (1..30).map(|n| today() + Days::new(n)).find(|d| chrono::Datelike::weekday(d).number_from_monday() <= 5).unwrap();
        let year = chrono::Datelike::year(&day);
        let put = admin.submit(&format!("/admin/calendar?year={year}"), "/admin/calendar", &[("day", &day.to_string()), ("kind", "holiday"), ("note", "测试")]).await;
        assert_eq!(put.status, 303, "{}", put.body);
        let mut conn = pool(&app).get().unwrap();
        assert!(onestop::db::workflow::last_pass(&mut conn).unwrap().is_none(), "forgotten");
    }

    async fn a_lapsed_acceptance_period_is_final_and_the_applicant_is_told(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, CITIZEN).await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        // Received three weeks ago; nobody accepted, refused or asked for materials since.
        let received = today() - Days::new(21);
        {
            let mut conn = pool(&app).get().unwrap();
            diesel::update(applications::table.find(id))
                .set(applications::received_on.eq(received))
                .execute(&mut **conn)
                .unwrap();
        }
        let mut clerk = signed_in(&app, CLERK).await;
        let page = clerk.get(&format!("/workspace/applications/{id}")).await;
        assert!(page.text(".deemed").contains(&received.to_string()), "{}", page.text(".clock"));
        // Neither a 补正 notice nor a refusal is offered any more, and posting one is refused.
        assert!(page.texts("#t-request_supplement").is_empty(), "no 补正 form");
        assert!(page.texts("#t-refuse").is_empty(), "no refusal form");
        assert!(!page.texts("#t-accept").is_empty(), "accepting is still offered");
        let promised = deadline(&page, "承诺办结期限");
        let refused = act(&mut clerk, id, "refuse", &[("note", "材料不全")]).await;
        assert_eq!(refused.status, 409);
        assert!(refused.body.contains("视为受理"), "{}", refused.body);
        let sent_back = act(&mut clerk, id, "request_supplement", &[("checklist", "营业执照"), ("note", "请补正")]).await;
        assert_eq!(sent_back.status, 409);
        let mine = citizen.get(&format!("/applications/{id}")).await;
        assert_eq!(mine.text(".facts .status"), "已提交（待受理）", "still awaiting the clerk");

        // Supervision records it once: one event, one mail to the applicant with the date.
        assert!(supervise(&app).0 >= 1);
        supervise(&app);
        let kinds = event_kinds(&app, id);
        assert_eq!(kinds.iter().filter(|k| *k == "deemed_accepted").count(), 1, "{kinds:?}");
        assert!(!kinds.iter().any(|k| k == "refuse" || k == "request_supplement"));
        let told: Vec<_> = mails(&app, id).into_iter().filter(|(k, _)| k == "deemed_accepted").collect();
        assert_eq!(told.len(), 1);
        assert!(told[0].1.contains(&received.to_string()) && told[0].1.contains(&number), "{}", told[0].1);

        // The applicant's page says so, with the date; no acceptance deadline is shown.
        let mine = citizen.get(&format!("/applications/{id}")).await;
        assert!(mine.text(".deemed").contains(&received.to_string()), "{}", mine.body);
        assert!(!mine.text(".deadlines").contains("受理期限"));
        assert_eq!(deadline(&mine, "承诺办结期限"), promised);

        // The queue shows it as deemed accepted, against the decision deadline from receipt.
        let queue = clerk.get("/workspace/SJJ?state=submitted").await;
        let (row, _) = queue_row(&queue, &number);
        assert!(row.contains("视为受理"), "{row}");
        assert!(row.contains(&promised), "the promised deadline from receipt: {row}");

        // Accepting it now keeps the periods counting from receipt.
        assert_eq!(act(&mut clerk, id, "accept", &[]).await.status, 303);
        let accepted = clerk.get(&format!("/workspace/applications/{id}")).await;
        assert_eq!(deadline(&accepted, "承诺办结期限"), promised);
    }

    async fn a_special_procedure_excludes_its_first_and_last_day(app) {
        let (id, number) = under_review(&app).await;
        let mut clerk = signed_in(&app, CLERK).await;
        let before = clerk.get(&format!("/workspace/applications/{id}")).await;
        let legal = date(&deadline(&before, "法定办结期限"));
        let promised = date(&deadline(&before, "承诺办结期限"));

        assert_eq!(act(&mut clerk, id, "start_special_procedure", &[("note", "专家评审，预计当日完成")]).await.status, 303);
        let today = today();
        let paused = clerk.get(&format!("/workspace/applications/{id}")).await;
        assert!(paused.text(".paused-since").contains(&today.to_string()));
        let queue = clerk.get("/workspace/SJJ?state=special_procedure").await;
        let (row, _) = queue_row(&queue, &number);
        assert!(row.contains(&format!("暂停自 {today}")), "{row}");

        // Started and ended on the same day: that day does not count.
        assert_eq!(act(&mut clerk, id, "end_special_procedure", &[("note", "评审结束")]).await.status, 303);
        let after = clerk.get(&format!("/workspace/applications/{id}")).await;
        let cal = calendar(&app);
        let moved = |due: NaiveDate| if cal.is_working_day(today) { cal.add_working_days(due, 1) } else { due };
        assert_eq!(date(&deadline(&after, "法定办结期限")), moved(legal));
        assert_eq!(date(&deadline(&after, "承诺办结期限")), moved(promised));
        // The queue and the applicant's page agree with the case page.
        let queue = clerk.get("/workspace/SJJ?state=under_review").await;
        assert!(queue_row(&queue, &number).0.contains(&moved(promised).to_string()));
        let mut citizen = signed_in(&app, CITIZEN).await;
        let mine = citizen.get(&format!("/applications/{id}")).await;
        assert_eq!(date(&deadline(&mine, "法定办结期限")), moved(legal));
    }

    async fn nothing_stops_or_extends_a_clock_whose_legal_deadline_passed(app) {
        let (id, _) = under_review(&app).await;
        // Accepted 60 working days ago or more, for 20: the legal deadline is long gone.
        accepted_on(&app, id, today() - Days::new(120), 10, 20);
        let mut head = signed_in(&app, HEAD).await;
        let page = head.get(&format!("/workspace/applications/{id}")).await;
        assert!(page.texts("#t-start_special_procedure").is_empty(), "no special procedure offered");
        assert!(page.texts("#t-extend").is_empty(), "no extension offered");
        assert!(!page.texts("#t-approve").is_empty(), "a decision, late as it is");
        let paused = act(&mut head, id, "start_special_procedure", &[("note", "听证")]).await;
        assert_eq!(paused.status, 409);
        assert!(paused.body.contains("法定办理期限已届满"), "{}", paused.body);
        let extended = act(&mut head, id, "extend", &[("note", "情况复杂")]).await;
        assert_eq!(extended.status, 409);
        let kinds = event_kinds(&app, id);
        assert!(!kinds.iter().any(|k| k == "start_special_procedure" || k == "extend"), "{kinds:?}");
        let after = head.get(&format!("/workspace/applications/{id}")).await;
        assert_eq!(after.text(".case-facts .status"), "审查中");
        assert!(after.text(".clock .level").contains("红牌"), "{}", after.text(".clock"));
    }

    async fn a_paused_application_keeps_the_level_it_had_reached(app) {
        let (id, number) = under_review(&app).await;
        // Promised in 1 working day from a week ago (passed), legal in 20 (to come).
        accepted_on(&app, id, today() - Days::new(7), 1, 20);
        let mut clerk = signed_in(&app, CLERK).await;
        assert_eq!(act(&mut clerk, id, "start_special_procedure", &[("note", "检验检测")]).await.status, 303);
        let queue = clerk.get("/workspace/SJJ?state=special_procedure").await;
        let (row, class) = queue_row(&queue, &number);
        assert!(class.contains("level-yellow"), "{class}: {row}");
        let yellow = clerk.get("/workspace/SJJ?level=yellow").await;
        assert!(yellow.text(".queue").contains(&number), "found by its level");
        supervise(&app);
        let page = clerk.get(&format!("/workspace/applications/{id}")).await;
        assert!(page.text(".cards").contains("黄牌"), "{}", page.text(".clock"));
    }

    async fn an_extension_moves_the_legal_deadline_only_once_and_a_late_decision_is_a_missed_promise(app) {
        let (id, number) = under_review(&app).await;
        // Promised in 1 working day from a week ago (passed), legal in 20 (to come).
        accepted_on(&app, id, today() - Days::new(7), 1, 20);
        let mut head = signed_in(&app, HEAD).await;
        let before = head.get(&format!("/workspace/applications/{id}")).await;
        let legal = date(&deadline(&before, "法定办结期限"));
        let promised = deadline(&before, "承诺办结期限");
        assert_eq!(act(&mut head, id, "extend", &[("note", "情况复杂，需进一步核实")]).await.status, 303);
        let after = head.get(&format!("/workspace/applications/{id}")).await;
        assert_eq!(deadline(&after, "承诺办结期限"), promised, "the promise does not move");
        assert_eq!(date(&deadline(&after, "法定办结期限")), calendar(&app).add_working_days(legal, 10));
        assert!(after.texts("#t-extend").is_empty(), "once only");
        assert_eq!(act(&mut head, id, "extend", &[("note", "再延")]).await.status, 409);

        assert_eq!(act(&mut head, id, "approve", &[("decision", "准予许可。")]).await.status, 303);
        let decided = head.get(&format!("/workspace/applications/{id}")).await;
        assert!(decided.text(".missed-promise").contains("承诺"), "{}", decided.text(".clock"));
        let queue = head.get("/workspace/SJJ?state=approved").await;
        assert!(queue_row(&queue, &number).0.contains("超出承诺期限"));
        let mut conn = pool(&app).get().unwrap();
        let on_time: Option<bool> = applications::table.find(id).select(applications::on_time).first(&mut **conn).unwrap();
        assert_eq!(on_time, Some(false), "stored as a missed promise");
    }

    async fn an_extension_adds_no_more_than_the_services_statutory_extension(app) {
        use onestop::db::schema::services;
        let (id, _) = under_review(&app).await;
        let mut conn = pool(&app).get().unwrap();
        // The catalog keeps both figures per service: Art 42's 10 by default, Art 26's 45 + 15
        // for the joint completion inspection.
        let figures = |code: &str, conn: &mut onestop::db::DbConnection| -> (i32, i32) {
            services::table.filter(services::code.eq(code)).select((services::legal_days, services::extension_days)).first(conn).unwrap()
        };
        assert_eq!(figures("440306-ZJJ-QT-0003-00", &mut conn), (45, 15));
        assert_eq!(figures("440306-SJJ-XK-0013-01", &mut conn), (20, 10));
        // A service whose own law allows 3 days only: the workflow's 10 become 3.
        let service: i64 = applications::table.find(id).select(applications::service_id.assume_not_null()).first(&mut **conn).unwrap();
        diesel::update(services::table.find(service)).set(services::extension_days.eq(3)).execute(&mut **conn).unwrap();
        drop(conn);
        let mut head = signed_in(&app, HEAD).await;
        let before = head.get(&format!("/workspace/applications/{id}")).await;
        let legal = date(&deadline(&before, "法定办结期限"));
        assert_eq!(act(&mut head, id, "extend", &[("note", "需补充检验")]).await.status, 303);
        let after = head.get(&format!("/workspace/applications/{id}")).await;
        assert_eq!(date(&deadline(&after, "法定办结期限")), calendar(&app).add_working_days(legal, 3));
    }

    async fn a_calendar_change_moves_every_running_clock_on_every_page_list_and_export(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, CITIZEN).await;
        let mut clerk = signed_in(&app, CLERK).await;
        // A decided application first: it never changes.
        let decided_number = submit_one(&mut citizen, &code).await;
        let decided = id_of(&app, &decided_number);
        assert_eq!(act(&mut clerk, decided, "accept", &[]).await.status, 303);
        assert_eq!(act(&mut clerk, decided, "start_review", &[]).await.status, 303);
        assert_eq!(act(&mut clerk, decided, "approve", &[("decision", "准予许可。")]).await.status, 303);
        let stored = |id: i64| -> (Option<NaiveDate>, Option<NaiveDate>, Option<bool>) {
            let mut conn = pool(&app).get().unwrap();
            applications::table.find(id).select((applications::due_on, applications::hard_due_on, applications::on_time)).first(&mut **conn).unwrap()
        };
        let decided_before = stored(decided);
        // A running one, promised in 5 working days and due by law in 20.
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        {
            let mut conn = pool(&app).get().unwrap();
            diesel::update(applications::table.find(id))
                .set((applications::promised_days.eq(5), applications::legal_days.eq(20)))
                .execute(&mut **conn)
                .unwrap();
        }
        assert_eq!(act(&mut clerk, id, "accept", &[]).await.status, 303);
        let before = clerk.get(&format!("/workspace/applications/{id}")).await;
        let promised = date(&deadline(&before, "承诺办结期限"));
        // The State Council announces a day off on the next ordinary working day.
        let cal = calendar(&app);
        let mut day = today().succ_opt().unwrap();
        while !cal.is_working_day(day) || matches!(chrono::Datelike::weekday(&day), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            day = day.succ_opt().unwrap();
        }
        assert!(day <= promised);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let put = admin.submit(&format!("/admin/calendar?year={}", chrono::Datelike::year(&day)), "/admin/calendar", &[
            ("day", &day.to_string()), ("kind", "holiday"), ("note", "国务院临时调整"),
        ]).await;
        assert_eq!(put.status, 303, "{}", put.body);
        let expected = calendar(&app).add_working_days(today(), 5);
        assert_ne!(expected, promised, "the day off moves the promise");
        let expected = expected.to_string();

        // The case page, the applicant's page, "my applications", the queue and the stored
        // deadline that supervision reads all show the new date.
        let case = clerk.get(&format!("/workspace/applications/{id}")).await;
        assert_eq!(deadline(&case, "承诺办结期限"), expected);
        let mine = citizen.get(&format!("/applications/{id}")).await;
        assert_eq!(deadline(&mine, "承诺办结期限"), expected);
        let list = citizen.get("/applications").await;
        let row = list.texts(".application-row").into_iter().find(|r| r.contains(&number)).unwrap();
        assert!(row.contains(&expected), "my applications: {row}");
        let queue = clerk.get("/workspace/SJJ?state=accepted").await;
        assert!(queue_row(&queue, &number).0.contains(&expected), "the queue");
        assert_eq!(stored(id).0.map(|d| d.to_string()), Some(expected.clone()), "what supervision reads");
        // On the record and in the export, and the applicant is told.
        assert_eq!(event_kinds(&app, id).iter().filter(|k| *k == "deadlines_recomputed").count(), 1);
        let audit = clerk.get("/workspace/SJJ/audit.csv").await;
        assert!(audit.body.lines().any(|l| l.contains(&number) && l.contains("deadlines_recomputed")), "{}", audit.body);
        let told: Vec<_> = mails(&app, id).into_iter().filter(|(k, _)| k == "deadlines_moved").collect();
        assert_eq!(told.len(), 1);
        assert!(told[0].1.contains(&expected), "{}", told[0].1);
        // The decided application did not change.
        assert_eq!(stored(decided), decided_before);
        assert!(!event_kinds(&app, decided).iter().any(|k| k == "deadlines_recomputed"));
    }

    async fn a_deadline_in_a_provisional_or_missing_year_may_move_until_an_administrator_confirms_it(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, CITIZEN).await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        let mut clerk = signed_in(&app, CLERK).await;
        assert_eq!(act(&mut clerk, id, "accept", &[]).await.status, 303);
        let at = |day: NaiveDate| {
            let mut conn = pool(&app).get().unwrap();
            diesel::update(applications::table.find(id))
                .set((applications::received_on.eq(day), applications::accepted_on.eq(day), applications::promised_days.eq(5), applications::legal_days.eq(20)))
                .execute(&mut **conn)
                .unwrap();
        };
        let may_move = async |clerk: &mut common::Browser<'_>, citizen: &mut common::Browser<'_>| -> (bool, bool) {
            let case = clerk.get(&format!("/workspace/applications/{id}")).await;
            let mine = citizen.get(&format!("/applications/{id}")).await;
            (!case.texts(".may-move").is_empty(), !mine.texts(".may-move").is_empty())
        };
        // Accepted on 2026-12-28: every deadline falls in 2027, shipped as provisional.
        at(NaiveDate::from_ymd_opt(2026, 12, 28).unwrap());
        assert_eq!(may_move(&mut clerk, &mut citizen).await, (true, true));
        let mine = citizen.get(&format!("/applications/{id}")).await;
        assert!(mine.text(".may-move").contains("可能变化"));
        // Accepted on 2026-11-02: every deadline falls in 2026, which is official.
        at(NaiveDate::from_ymd_opt(2026, 11, 2).unwrap());
        assert_eq!(may_move(&mut clerk, &mut citizen).await, (false, false));

        // Administrators are warned from 1 October about next year; one confirms 2027.
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let page = admin.get("/admin/calendar?year=2027").await;
        assert!(page.text(".status-provisional").contains("暂定"));
        let warned = onestop::domain::calendar::years_to_settle(&[2026], today());
        let hub = admin.get("/admin/workflows").await;
        for year in &warned {
            assert!(page.text(".settle-warning").contains(&year.to_string()), "{}", page.body);
            assert!(hub.text(".settle-warning").contains(&year.to_string()), "on the rules page too");
        }
        let confirmed = admin.submit("/admin/calendar?year=2027", "/admin/calendar/years/2027/confirm", &[
            ("source", "国务院办公厅关于2027年部分节假日安排的通知"),
        ]).await;
        assert_eq!(confirmed.status, 303, "{}", confirmed.body);
        let page = admin.get("/admin/calendar?year=2027").await;
        assert!(page.text(".status-confirmed").contains("国务院办公厅关于2027年部分节假日安排的通知"));
        assert!(!page.texts(".settle-warning").join(" ").contains("2027"));
        assert!(admin.get("/admin/log").await.body.contains("确认日历年度"));
        at(NaiveDate::from_ymd_opt(2026, 12, 28).unwrap());
        assert_eq!(may_move(&mut clerk, &mut citizen).await, (false, false), "2027 is official now");
        // 2028 has no calendar at all: weekends only, and flagged the same way.
        at(NaiveDate::from_ymd_opt(2027, 12, 28).unwrap());
        assert_eq!(may_move(&mut clerk, &mut citizen).await, (true, true));
    }

    async fn migrate_merges_newly_shipped_years_and_keeps_the_administrators_days(app) {
        create_demo_accounts(&app);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let calendar_page = "/admin/calendar?year=2027";
        // An administrator removes the shipped 清明 2027 and adds a day of their own.
        assert_eq!(admin.submit(calendar_page, "/admin/calendar/2027-04-05/remove", &[]).await.status, 303);
        assert_eq!(admin.submit(calendar_page, "/admin/calendar", &[("day", "2027-03-03"), ("kind", "holiday"), ("note", "区政府决定")]).await.status, 303);
        // A database from a release that shipped 2026 only: no 2027 year, none of its other days.
        {
            use onestop::db::schema::{calendar_days, calendar_years};
            let mut conn = pool(&app).get().unwrap();
            diesel::delete(calendar_years::table.filter(calendar_years::year.eq(2027))).execute(&mut **conn).unwrap();
            diesel::delete(calendar_days::table
                .filter(calendar_days::day.ge(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()))
                .filter(calendar_days::day.ne(NaiveDate::from_ymd_opt(2027, 3, 3).unwrap())))
                .execute(&mut **conn).unwrap();
        }
        let days_2027 = |app: &TestApp| -> Vec<(String, String)> {
            use onestop::db::schema::calendar_days;
            let mut conn = pool(app).get().unwrap();
            calendar_days::table
                .filter(calendar_days::day.ge(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()))
                .order(calendar_days::day)
                .select((calendar_days::day, calendar_days::note))
                .load::<(NaiveDate, String)>(&mut **conn).unwrap()
                .into_iter().map(|(d, n)| (d.to_string(), n)).collect()
        };
        assert_eq!(days_2027(&app).len(), 1);
        let (ok, out, err) = common::onestop(&app.database_url, &["migrate"]);
        assert!(ok, "{out}{err}");
        let merged = days_2027(&app);
        assert!(merged.iter().any(|(d, n)| d == "2027-02-05" && n.contains("春节")), "the new year is in: {merged:?}");
        assert!(merged.iter().any(|(d, n)| d == "2027-03-03" && n == "区政府决定"), "the administrator's day stays");
        assert!(!merged.iter().any(|(d, _)| d == "2027-04-05"), "the day the administrator removed stays removed");
        let page = admin.get(calendar_page).await;
        assert!(page.text(".status-provisional").contains("暂定"), "recorded as provisional");
        // Running it again changes nothing.
        let (ok, _, _) = common::onestop(&app.database_url, &["migrate"]);
        assert!(ok);
        assert_eq!(days_2027(&app), merged);
    }

    async fn an_application_flagged_before_the_upgrade_is_completed_and_its_applicant_told(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, CITIZEN).await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        // What the former supervision left: the flag, but no acceptance date, the acceptance
        // deadline still stored, and no mail.
        let received = today() - Days::new(21);
        {
            let mut conn = pool(&app).get().unwrap();
            diesel::update(applications::table.find(id))
                .set((applications::received_on.eq(received), applications::deemed_accepted.eq(true)))
                .execute(&mut **conn)
                .unwrap();
        }
        supervise(&app);
        supervise(&app);
        let mut conn = pool(&app).get().unwrap();
        let accepted: Option<NaiveDate> = applications::table.find(id).select(applications::accepted_on).first(&mut **conn).unwrap();
        assert_eq!(accepted, Some(received));
        drop(conn);
        assert_eq!(mails(&app, id).iter().filter(|(k, _)| k == "deemed_accepted").count(), 1);
        let mut clerk = signed_in(&app, CLERK).await;
        let page = clerk.get(&format!("/workspace/applications/{id}")).await;
        let promised = deadline(&page, "承诺办结期限");
        let queue = clerk.get("/workspace/SJJ?state=submitted").await;
        assert!(queue_row(&queue, &number).0.contains(&promised), "the decision deadline is stored");
    }
}
