//! 好差评 on the one engine: an ended application invites a rating; a bad rating opens a remedy
//! case in the department's queue, answered after a call back (回访) as remedied, explained or
//! (reviewed by an administrator) unfounded; the rater is told and gives their word; the public
//! figures count it without naming anyone.

mod common;

use common::{
    Browser, TestApp, act, create_demo_accounts, id_of, on_both_databases, pool, signed_in,
    sjj_service, submit_one,
};
use diesel::prelude::*;
use onestop::db::schema::{application_events, applications, ratings};

/// A citizen's application of SJJ taken to delivery by the clerk: (number, id).
async fn delivered(app: &TestApp, citizen: &mut Browser<'_>) -> (String, i64) {
    let code = sjj_service(app).await;
    let number = submit_one(citizen, &code).await;
    let id = id_of(app, &number);
    let mut clerk = signed_in(app, "clerk.sjj@demo.onestop.cn").await;
    for (name, fields) in [
        ("accept", vec![]),
        ("start_review", vec![]),
        ("approve", vec![("decision", "准予许可。")]),
        ("deliver", vec![("note", "电子证照已发放")]),
    ] {
        assert_eq!(
            act(&mut clerk, id, name, &fields).await.status,
            303,
            "{name}"
        );
    }
    (number, id)
}

/// The mails queued for a case: (kind, recipient, subject and body).
fn mails_of(app: &TestApp, id: i64) -> Vec<(String, String, String)> {
    let mut conn = pool(app).get().unwrap();
    onestop::db::outbox::mails_of(&mut conn, id)
        .unwrap()
        .into_iter()
        .map(|(k, to, s, b)| (k, to, format!("{s}\n{b}")))
        .collect()
}

fn remedy_of(app: &TestApp, rated: i64) -> Option<i64> {
    let mut conn = pool(app).get().unwrap();
    ratings::table
        .filter(ratings::application_id.eq(rated))
        .select(ratings::remedy_id)
        .first::<Option<i64>>(&mut **conn)
        .optional()
        .unwrap()
        .flatten()
}

fn event_kinds(app: &TestApp, id: i64) -> Vec<String> {
    let mut conn = pool(app).get().unwrap();
    application_events::table
        .filter(application_events::application_id.eq(id))
        .order(application_events::id)
        .select(application_events::kind)
        .load(&mut **conn)
        .unwrap()
}

fn remedy_count(app: &TestApp) -> i64 {
    let mut conn = pool(app).get().unwrap();
    applications::table
        .filter(applications::kind.eq("remedy"))
        .count()
        .get_result(&mut **conn)
        .unwrap()
}

/// Posts the rating form from the application's page.
async fn rate(citizen: &mut Browser<'_>, id: i64, fields: &[(&str, &str)]) -> common::Reply {
    let path = format!("/applications/{id}");
    citizen
        .submit(&path, &format!("{path}/rating"), fields)
        .await
}

fn this_month() -> String {
    onestop::services::workflow::recent_months(1).remove(0)
}

on_both_databases! {
    async fn a_bad_rating_is_remedied_after_a_call_back_and_the_rater_is_told(app) {
        create_demo_accounts(&app);
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let (number, id) = delivered(&app, &mut citizen).await;

        // Delivery invites the applicant to rate, in the same transaction.
        let mails = mails_of(&app, id);
        let invitation = mails.iter().find(|(k, ..)| k == "transition:rating_invitation").expect("an invitation");
        assert_eq!(invitation.1, "citizen@demo.onestop.cn");
        assert!(invitation.2.contains(&number) && invitation.2.contains("评价"), "{}", invitation.2);
        let page = citizen.get(&format!("/applications/{id}")).await;
        assert_eq!(page.attrs("input[name=level]", "value"), ["5", "4", "3", "2", "1"]);

        // A bad rating must say what was wrong: the form comes back with what was typed.
        let silent = rate(&mut citizen, id, &[("level", "2"), ("anonymous", "1")]).await;
        assert_eq!(silent.status, 422);
        assert!(silent.text(".error-summary").contains("请勾选不满意的原因"), "{}", silent.text(".error-summary"));
        assert_eq!(silent.attrs("#rating-level-2", "checked").len(), 1, "level kept");
        assert_eq!(silent.attrs("#rating-anonymous", "checked").len(), 1, "anonymity kept");
        assert_eq!(remedy_count(&app), 0, "nothing opened");

        let rated = rate(&mut citizen, id, &[("level", "2"), ("reasons", "many_trips"), ("reasons", "unclear_guide"), ("comment", "窗口让我跑了三次")]).await;
        assert_eq!(rated.status, 303, "{}", rated.body);
        let remedy = remedy_of(&app, id).expect("a remedy case");
        let page = citizen.get(&format!("/applications/{id}")).await;
        let remedy_number = page.text(".remedy-number");
        assert!(remedy_number.starts_with("ZG440306"), "{remedy_number}");
        assert_eq!(page.text(".remedy-status"), "待整改");
        assert_eq!(page.text(".rating-level"), "不满意");
        assert!(page.text(".rating-reasons").contains("多次跑动"));

        // The remedy case is in the department's queue, due in 15 working days.
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let queue = clerk.get("/workspace/SJJ?state=remedy_open").await;
        assert_eq!(queue.status, 200);
        assert!(queue.text(".queue").contains(&remedy_number), "{}", queue.text(".queue"));
        let case = clerk.get(&format!("/workspace/applications/{remedy}")).await;
        assert_eq!(case.text(".case-facts .status"), "待整改");
        assert!(case.text(".rating-comment").contains("窗口让我跑了三次"));
        assert_eq!(case.text(".rated-case"), number);
        assert!(case.text(".case-facts .applicant").contains("李明"), "a named rating names the rater");
        // Day 1 is the first working day after the rating; the 15th is the answer's deadline.
        let calendar = {
            let mut conn = pool(&app).get().unwrap();
            onestop::services::workflow::load_calendar(&mut conn).unwrap()
        };
        let mut due = onestop::services::workflow::today();
        let mut counted = 0;
        while counted < 15 {
            due = due.succ_opt().unwrap();
            if calendar.is_working_day(due) {
                counted += 1;
            }
        }
        assert_eq!(case.texts(".deadlines div"), [format!("答复期限{due}")], "one deadline, the answer's");
        let staff_mail = mails_of(&app, remedy).into_iter().find(|(k, ..)| k == "staff:remedy_opened").expect("the department is told");
        assert!(staff_mail.2.contains(&remedy_number));

        // A named rater is called back before the answer.
        let early = act(&mut clerk, remedy, "remedy", &[("decision", "已在办事指南中写明全部材料。")]).await;
        assert_eq!(early.status, 422);
        assert!(early.text(".error-summary").contains("回访"), "{}", early.text(".error-summary"));
        let called = clerk.submit(&format!("/workspace/applications/{remedy}"), &format!("/workspace/applications/{remedy}/contacts"), &[("note", "电话回访，申请人说明了三次往返的原因")]).await;
        assert_eq!(called.status, 303);
        assert!(clerk.get(&format!("/workspace/applications/{remedy}")).await.text(".contact-list").contains("三次往返"));
        assert_eq!(act(&mut clerk, remedy, "remedy", &[("decision", "已在办事指南中写明全部材料。")]).await.status, 303);

        // The rater is told and gives their word, once.
        let told = mails_of(&app, remedy);
        let kinds: Vec<&str> = told.iter().map(|(k, ..)| k.as_str()).collect();
        assert!(kinds.contains(&"transition:remedy_opened") && kinds.contains(&"transition:remedy"), "{kinds:?}");
        assert!(told.iter().any(|(k, to, text)| k == "transition:remedy" && to == "citizen@demo.onestop.cn" && text.contains("已在办事指南中写明全部材料。")));
        // The mail's link leads to the case rated.
        let followed = citizen.get(&format!("/applications/{remedy}")).await;
        assert_eq!(followed.status, 303);
        assert_eq!(followed.header("location"), Some(format!("/applications/{id}#rating").as_str()));
        let page = citizen.get(&format!("/applications/{id}")).await;
        assert_eq!(page.text(".remedy-status"), "已整改");
        assert!(page.text(".remedy-answer").contains("已在办事指南中写明全部材料。"));
        let verdict = citizen.submit(&format!("/applications/{id}"), &format!("/applications/{id}/rating/verdict"), &[("verdict", "satisfied")]).await;
        assert_eq!(verdict.status, 303);
        assert!(citizen.get(&format!("/applications/{id}")).await.text(".remedy-verdict").contains("满意"));
        let again = citizen.post_raw(&format!("/applications/{id}/rating/verdict"), &[("csrf_token", &page.attrs("input[name=csrf_token]", "value")[0]), ("verdict", "unsatisfied")]).await;
        assert_eq!(again.status, 409);
        assert_eq!(event_kinds(&app, remedy), ["remedy_opened", "contact", "remedy", "verdict"]);

        // The public figures count it, on time, and name nobody.
        let month = this_month();
        let figures = app.get(&format!("/ratings?month={month}")).await;
        assert_eq!(figures.status, 200);
        let row = figures.html();
        let sjj = scraper::Selector::parse("tr[data-code=SJJ] td").unwrap();
        let cells: Vec<String> = row.select(&sjj).map(|c| c.text().collect::<String>()).collect();
        assert_eq!(cells[0], "1", "{cells:?}");
        assert_eq!(cells[1], "0.0%", "{cells:?}");
        let json = app.get(&format!("/api/v1/ratings?month={month}&department=SJJ")).await;
        assert_eq!(json.status, 200);
        let rows = json.json();
        assert_eq!(rows[0]["ratings"], 1);
        assert_eq!(rows[0]["bad"], 1);
        assert_eq!(rows[0]["remedied_on_time"], 1);
        for body in [&figures.body, &json.body] {
            assert!(!body.contains("李明") && !body.contains("citizen@") && !body.contains("跑了三次"));
        }
        let guide = app.get(&format!("/services/{}", sjj_service(&app).await)).await;
        assert!(guide.text(".service-rating").contains("满意率 0.0% · 1 条评价"), "{}", guide.text(".service-rating"));
        let dashboard = clerk.get("/workspace/SJJ/dashboard").await;
        let mine: Vec<String> = dashboard.texts("table.ratings tbody tr");
        assert_eq!(mine.len(), 1, "{mine:?}");
        assert!(mine[0].contains(&sjj_service(&app).await), "{mine:?}");

        // A change of mind within 7 days changes the rating; the remedy stays, no second one.
        assert_eq!(rate(&mut citizen, id, &[("level", "4")]).await.status, 303);
        assert_eq!(remedy_count(&app), 1);
        assert_eq!(citizen.get(&format!("/applications/{id}")).await.text(".rating-level"), "满意");
        // After 7 days it is final.
        {
            let mut conn = pool(&app).get().unwrap();
            diesel::update(ratings::table.filter(ratings::application_id.eq(id)))
                .set(ratings::changeable_until.eq(chrono::Utc::now().naive_utc() - chrono::Duration::hours(1)))
                .execute(&mut **conn)
                .unwrap();
        }
        let page = citizen.get(&format!("/applications/{id}")).await;
        assert!(page.attrs("form.rating-form", "action").is_empty(), "no form after 7 days");
        let late = citizen.post_raw(&format!("/applications/{id}/rating"), &[("csrf_token", &page.attrs("input[name=csrf_token]", "value")[0]), ("level", "1"), ("comment", "改主意")]).await;
        assert_eq!(late.status, 409);
        assert_eq!(citizen.get(&format!("/applications/{id}")).await.text(".rating-level"), "满意");
    }

    async fn an_anonymous_rating_called_unfounded_is_reviewed_by_an_administrator(app) {
        create_demo_accounts(&app);
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let (_, id) = delivered(&app, &mut citizen).await;
        assert_eq!(rate(&mut citizen, id, &[("level", "1"), ("comment", "不满意"), ("anonymous", "1")]).await.status, 303);
        let remedy = remedy_of(&app, id).unwrap();

        // The department never sees who rated: not on the page, not in its mails.
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let case = clerk.get(&format!("/workspace/applications/{remedy}")).await;
        assert!(!case.body.contains("李明") && !case.body.contains("citizen@demo.onestop.cn"));
        assert_eq!(case.text(".case-facts .applicant"), "匿名");
        assert!(case.attrs("form[action$='/contacts']", "action").is_empty(), "no call back");
        for (kind, to, text) in mails_of(&app, remedy) {
            if kind.starts_with("staff:") {
                assert!(!text.contains("李明"), "{to}: {text}");
            }
        }

        // Calling it unfounded is for the head, and goes to the administrators.
        assert_eq!(act(&mut clerk, remedy, "propose_unfounded", &[("decision", "材料要求有法律依据")]).await.status, 403);
        let mut head = signed_in(&app, "head.sjj@demo.onestop.cn").await;
        assert_eq!(act(&mut head, remedy, "propose_unfounded", &[("decision", "材料要求有法律依据")]).await.status, 303);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let review = admin.get("/admin/remedies").await;
        assert_eq!(review.status, 200);
        assert!(review.text(".department-reasons").contains("材料要求有法律依据"));
        // Sent back: the department must answer after all.
        let back = admin.submit("/admin/remedies", &format!("/admin/remedies/{remedy}/transitions/return_to_department"), &[("version", &review.attrs("input[name=version]", "value")[0]), ("note", "请解释说明")]).await;
        assert_eq!(back.status, 303, "{}", back.body);
        assert_eq!(clerk.get(&format!("/workspace/applications/{remedy}")).await.text(".case-facts .status"), "待整改");
        assert_eq!(act(&mut head, remedy, "propose_unfounded", &[("decision", "经核实，材料要求均有法律依据")]).await.status, 303);
        let review = admin.get("/admin/remedies").await;
        let empty = admin.submit("/admin/remedies", &format!("/admin/remedies/{remedy}/transitions/confirm_unfounded"), &[("version", &review.attrs("input[name=version]", "value")[0]), ("decision", " ")]).await;
        assert_eq!(empty.status, 422);
        let confirmed = admin.submit("/admin/remedies", &format!("/admin/remedies/{remedy}/transitions/confirm_unfounded"), &[("version", &review.attrs("input[name=version]", "value")[0]), ("decision", "经审核，该差评不实：材料要求见《条例》第十条。")]).await;
        assert_eq!(confirmed.status, 303, "{}", confirmed.body);
        assert_eq!(admin.get("/admin/remedies").await.texts(".remedy-review").len(), 0);
        let page = citizen.get(&format!("/applications/{id}")).await;
        assert_eq!(page.text(".remedy-status"), "经审核不实");
        assert!(page.text(".remedy-answer").contains("第十条"));
        assert!(mails_of(&app, remedy).iter().any(|(k, to, _)| k == "transition:confirm_unfounded" && to == "citizen@demo.onestop.cn"));
        assert_eq!(event_kinds(&app, remedy), ["remedy_opened", "propose_unfounded", "return_to_department", "propose_unfounded", "confirm_unfounded"]);

        // Another department does not see the remedy case at all.
        let mut other = signed_in(&app, "clerk.wjj@demo.onestop.cn").await;
        assert_eq!(other.get(&format!("/workspace/applications/{remedy}")).await.status, 404);
    }

    async fn only_the_applicant_of_an_ended_application_rates_it(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        let page = citizen.get(&format!("/applications/{id}")).await;
        assert!(page.attrs("form.rating-form", "action").is_empty(), "not ended: no form");
        let token = page.attrs("input[name=csrf_token]", "value").remove(0);
        let early = citizen.post_raw(&format!("/applications/{id}/rating"), &[("csrf_token", &token), ("level", "5")]).await;
        assert_eq!(early.status, 404);
        // A refusal ends it too: it may be rated, by its applicant only.
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        assert_eq!(act(&mut clerk, id, "refuse", &[("note", "不属于本部门职权范围")]).await.status, 303);
        let mut firm = signed_in(&app, "firm@demo.onestop.cn").await;
        let firm_page = firm.get("/ratings").await;
        let firm_token = firm_page.attrs("input[name=csrf_token]", "value").remove(0);
        let other = firm.post_raw(&format!("/applications/{id}/rating"), &[("csrf_token", &firm_token), ("level", "1"), ("comment", "x")]).await;
        assert_eq!(other.status, 404);
        assert_eq!(rate(&mut citizen, id, &[("level", "5"), ("reasons", "quick")]).await.status, 303);
        assert_eq!(remedy_count(&app), 0, "a good rating opens nothing");
        let unknown = rate(&mut citizen, id, &[("level", "9")]).await;
        assert_eq!(unknown.status, 422);
    }

    async fn an_overdue_remedy_gets_its_cards_like_an_application(app) {
        create_demo_accounts(&app);
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let (_, id) = delivered(&app, &mut citizen).await;
        assert_eq!(rate(&mut citizen, id, &[("level", "1"), ("reasons", "overdue"), ("anonymous", "1")]).await.status, 303);
        let remedy = remedy_of(&app, id).unwrap();
        // Opened six weeks ago and never answered: past its 15 working days.
        {
            let mut conn = pool(&app).get().unwrap();
            let opened = onestop::services::workflow::today() - chrono::Days::new(42);
            let past = onestop::services::workflow::today() - chrono::Days::new(10);
            diesel::update(applications::table.find(remedy))
                .set((
                    applications::received_on.eq(opened),
                    applications::accepted_on.eq(opened),
                    applications::state_entered_on.eq(opened),
                    applications::warn_on.eq(past),
                    applications::due_on.eq(past),
                    applications::hard_due_on.eq(past),
                ))
                .execute(&mut **conn)
                .unwrap();
        }
        {
            let mut conn = pool(&app).get().unwrap();
            onestop::services::workflow::supervise(&mut conn).unwrap();
        }
        let levels: Vec<String> = {
            let mut conn = pool(&app).get().unwrap();
            onestop::db::workflow::cards_of(&mut conn, remedy).unwrap().into_iter().map(|c| c.0).collect()
        };
        assert!(levels.iter().any(|l| l == "red"), "{levels:?}");
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let red = clerk.get("/workspace/SJJ?level=red").await;
        assert!(red.text(".queue").contains("ZG440306"), "{}", red.text(".queue"));
        // Answered late, it counts as a bad rating not remedied on time.
        assert_eq!(act(&mut clerk, remedy, "explain", &[("decision", "已说明超时原因并致歉。")]).await.status, 303);
        let month = this_month();
        let json = app.get(&format!("/api/v1/ratings?month={month}&department=SJJ")).await.json();
        assert_eq!(json[0]["bad"], 1);
        assert_eq!(json[0]["remedied_on_time"], 0);
    }
}
