//! What people hear from OneStop, delivered to a real SMTP server on loopback: each event of
//! an application mails its applicant once, in the language they chose, as plain text and HTML
//! with the tracking number in the subject; clerks get digests of new applications and, on
//! working days, their deadline list; heads get the overdue list; administrators see the
//! outbox and send dead letters again.

mod common;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use common::smtp::{drain, free_listener, message_ids, start_sink};
use common::{
    Browser, PDF, TestApp, act, create_demo_accounts, deliver_outbox, id_of, mails_of_kind,
    on_both_databases, pool, signed_in, sjj_service, submit_one,
};
use onestop::services::digests::{Schedule, send_due};

/// The mails received, in the order of their outbox rows (the worker sends a batch over several
/// connections at once, so they may arrive in any order).
fn in_outbox_order(received: &common::smtp::Received) -> Vec<(Vec<String>, String)> {
    let row = |raw: &str| -> i64 {
        let start = raw.find("<outbox-").expect("an outbox Message-ID") + "<outbox-".len();
        raw[start..].split('-').next().unwrap().parse().unwrap()
    };
    let mut mails = received.lock().unwrap().clone();
    mails.sort_by_key(|(_, raw)| row(raw));
    mails
}

/// (recipients, subject, plain text, HTML) of a raw message.
fn parse(to: &[String], raw: &str) -> (Vec<String>, String, String, String) {
    let message = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a MIME message");
    (
        to.to_vec(),
        message.subject().unwrap_or_default().to_owned(),
        message
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
        message
            .body_html(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
    )
}

async fn set_mail_language(browser: &mut Browser<'_>, lang: &str) {
    let saved = browser
        .submit("/account", "/account/mail-language", &[("lang", lang)])
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = browser.get("/account").await;
    assert_eq!(page.attrs("#mail-lang option[selected]", "value"), [lang]);
}

on_both_databases! {
    async fn each_event_mails_the_applicant_once_in_their_language(app) {
        create_demo_accounts(&app);
        deliver_outbox(&app); // the demo accounts' verification mails
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let mut head = signed_in(&app, "head.sjj@demo.onestop.cn").await;

        // In Chinese (the default): a withdrawal, and a refusal to accept.
        let withdrawn = submit_one(&mut citizen, &code).await;
        let href = format!("/applications/{}", id_of(&app, &withdrawn));
        assert_eq!(citizen.submit(&href, &format!("{href}/withdraw"), &[("reason", "重新准备")]).await.status, 303);
        let refused = submit_one(&mut citizen, &code).await;
        assert_eq!(act(&mut clerk, id_of(&app, &refused), "refuse", &[("note", "不属于本机关职权范围")]).await.status, 303);

        // In English, chosen on the account page: the whole procedure.
        set_mail_language(&mut citizen, "en").await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        let page = clerk.get(&format!("/workspace/applications/{id}")).await;
        let material = page.attrs("#request_supplement-checklist input[name=checklist]", "value").remove(0);
        assert_eq!(act(&mut clerk, id, "request_supplement", &[("checklist", &material), ("note", "Stamp every copy")]).await.status, 303);
        assert_eq!(citizen.upload(&format!("/applications/{id}/materials"), &material, "again.pdf", PDF).await.status, 303);
        assert_eq!(citizen.submit(&format!("/applications/{id}"), &format!("/applications/{id}/resubmit"), &[]).await.status, 303);
        for (by_head, transition, fields) in [
            (false, "accept", vec![]),
            (false, "start_review", vec![]),
            (false, "start_special_procedure", vec![("note", "expert hearing, 15 days")]),
            (false, "end_special_procedure", vec![("note", "hearing held")]),
            (true, "extend", vec![("note", "the site is complex")]),
            (false, "approve", vec![("decision", "Approved for five years.")]),
            (false, "deliver", vec![("note", "sent by post")]),
        ] {
            let who = if by_head { &mut head } else { &mut clerk };
            let reply = act(who, id, transition, &fields).await;
            assert_eq!(reply.status, 303, "{transition}: {}", reply.body);
        }

        let (listener, smtp) = free_listener();
        let received = start_sink(listener, None);
        assert_eq!(drain(&app, &smtp), (19, 0, 0), "15 to the applicant, 4 to the staff");
        assert_eq!(drain(&app, &smtp), (0, 0, 0), "each mail once");
        let all: Vec<_> = in_outbox_order(&received).iter().map(|(to, raw)| parse(to, raw)).collect();
        let mut ids = message_ids(&received);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 19, "a Message-ID of its own for each");
        let (mails, staff): (Vec<_>, Vec<_>) = all.into_iter().partition(|(to, ..)| to == &["citizen@demo.onestop.cn"]);

        // The staff hear of what the applicant did: the unassigned applications' department,
        // clerk and head, each in their language (Chinese), linked to the workspace.
        let staff_seen: Vec<(String, String)> = staff.iter().map(|(to, subject, ..)| (to[0].clone(), subject.clone())).collect();
        for who in ["clerk.sjj@demo.onestop.cn", "head.sjj@demo.onestop.cn"] {
            assert!(staff_seen.contains(&(who.to_owned(), format!("[{withdrawn}] 申请人已撤回申请"))), "{staff_seen:?}");
            assert!(staff_seen.contains(&(who.to_owned(), format!("[{number}] 申请人已提交补正材料"))), "{staff_seen:?}");
        }
        let resubmitted = staff.iter().find(|(_, s, ..)| s.contains("补正")).unwrap();
        assert!(resubmitted.2.contains(&format!("/workspace/applications/{id}")), "{}", resubmitted.2);
        assert!(resubmitted.2.contains("请在 2"), "the acceptance deadline is named: {}", resubmitted.2);

        // (tracking number, subject, a phrase of the body) in the order they happened.
        // A case the department ended (the refusal, the delivery) asks to be rated (好差评).
        let expected: [(&str, &str, &str); 15] = [
            (&withdrawn, "已收到您的申请", "办件编号"),
            (&withdrawn, "申请已撤回", "您已撤回"),
            (&refused, "已收到您的申请", "办件编号"),
            (&refused, "不予受理决定", "行政复议"),
            (&refused, "请为本次服务评价（好差评）", "每一条差评"),
            (&number, "We have received your application", "tracking number"),
            (&number, "Missing materials", "Stamp every copy"),
            (&number, "We have received your missing materials", "within 5 working days"),
            (&number, "Your application has been accepted", "accepted"),
            (&number, "Special procedure: the clock is stopped", "expert hearing, 15 days"),
            (&number, "Special procedure finished", "hearing held"),
            (&number, "The decision period has been extended", "the site is complex"),
            (&number, "Decision: approved", "Approved for five years."),
            (&number, "Your result has been delivered", "sent by post"),
            (&number, "How did we do? Rate this service", "Every bad rating"),
        ];
        for ((_, subject, text, html), (tracking, title, phrase)) in mails.iter().zip(expected) {
            assert!(subject.starts_with(&format!("[{tracking}] ")) && subject.contains(title), "{subject}");
            assert!(text.contains(phrase), "{subject}: {text}");
            assert!(html.contains(phrase) && html.contains(title), "{subject}: {html}");
            let application = format!("/applications/{}", id_of(&app, tracking));
            assert!(text.contains(&application) && html.contains(&format!("{application}\"")), "a link to the application: {text}");
            assert!(!html.contains("<img") && !html.contains("<script"), "no pixels, no scripts");
        }
        assert_eq!(mails.len(), expected.len());
        let (_, _, text, html) = &mails[6];
        assert!(text.contains(&material) && html.contains(&material), "the 补正 notice lists the material");
        assert!(mails[5].2.starts_with("Dear 李明,") && mails[0].2.starts_with("尊敬的 李明："), "greeted in their language");
        assert!(mails[5].3.contains(r#"<html lang="en">"#) && mails[0].3.contains(r#"<html lang="zh-CN">"#));
    }

    async fn clerks_get_a_digest_of_new_applications_not_a_mail_each(app) {
        create_demo_accounts(&app);
        deliver_outbox(&app);
        let schedule = Schedule { arrivals_every: Duration::minutes(60), daily_hour: 8 };
        let start = onestop::services::stored_now();
        let digests = |at: NaiveDateTime| -> Vec<(String, String, String, String)> {
            let mut conn = pool(&app).get().unwrap();
            send_due(&mut conn, &schedule, at).unwrap();
            mails_of_kind(&app, "digest:arrivals")
        };
        assert!(digests(start).is_empty(), "the first run only starts the count");
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let first = submit_one(&mut citizen, &code).await;
        let second = submit_one(&mut citizen, &code).await;
        assert!(digests(start + Duration::minutes(30)).is_empty(), "not before the interval");
        let sent = digests(start + Duration::minutes(62));
        assert_eq!(sent.len(), 1, "one digest, to the department's clerk: {sent:?}");
        let (to, subject, body, link) = &sent[0];
        assert_eq!(to, "clerk.sjj@demo.onestop.cn");
        assert!(subject.contains("2 件"), "{subject}");
        assert!(body.contains(&first) && body.contains(&second), "{body}");
        assert_eq!(link, "/workspace/SJJ");
        assert_eq!(digests(start + Duration::minutes(62)).len(), 1, "not twice");
        assert_eq!(digests(start + Duration::minutes(200)).len(), 1, "nothing new, no mail");
    }

    async fn on_working_days_clerks_get_their_deadlines_and_heads_the_overdue_list(app) {
        create_demo_accounts(&app);
        deliver_outbox(&app);
        let mut head = signed_in(&app, "head.sjj@demo.onestop.cn").await;
        set_mail_language(&mut head, "en").await;
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let overdue = submit_one(&mut citizen, &code).await;
        let close = submit_one(&mut citizen, &code).await;
        // Tuesday 1 December 2026, a working day: one application past its promised deadline
        // (a yellow card), one close to it (a warning).
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        set_deadlines(&app, &overdue, day - Duration::days(6), day - Duration::days(1), day + Duration::days(5));
        set_deadlines(&app, &close, day - Duration::days(1), day + Duration::days(2), day + Duration::days(10));
        // Only the daily lists here: the hourly arrivals list would come on top of them on the
        // days after today's submissions (the test's days are fixed, today is not).
        let schedule = Schedule { arrivals_every: Duration::days(3650), daily_hour: 8 };
        // Beijing time is UTC+8: 09:00 in Beijing is 01:00 UTC.
        let beijing = |d: NaiveDate, hour: u32| d.and_hms_opt(hour, 0, 0).unwrap() - Duration::hours(8);
        let run = |at: NaiveDateTime| {
            let mut conn = pool(&app).get().unwrap();
            send_due(&mut conn, &schedule, at).unwrap();
        };
        run(beijing(day, 7));
        assert!(mails_of_kind(&app, "digest:deadlines").is_empty(), "not before 08:00");
        run(beijing(day, 9));
        let clerk_mails = mails_of_kind(&app, "digest:deadlines");
        assert_eq!(clerk_mails.len(), 1, "{clerk_mails:?}");
        let (to, subject, body, _) = &clerk_mails[0];
        assert_eq!(to, "clerk.sjj@demo.onestop.cn");
        assert!(subject.contains("预警 1 件") && subject.contains("黄牌 1 件"), "{subject}");
        assert!(body.contains(&format!("【黄牌】{overdue}")) && body.contains(&format!("【预警】{close}")), "{body}");
        let head_mails = mails_of_kind(&app, "digest:overdue");
        assert_eq!(head_mails.len(), 1, "{head_mails:?}");
        let (to, subject, body, _) = &head_mails[0];
        assert_eq!(to, "head.sjj@demo.onestop.cn");
        assert!(subject.starts_with("[Overdue]") && subject.contains("1 applications"), "in the head's language: {subject}");
        assert!(body.contains(&overdue) && !body.contains(&close), "only what is overdue: {body}");
        assert!(body.contains("handled by nobody yet"), "{body}");

        run(beijing(day, 15));
        assert_eq!(mails_of_kind(&app, "digest:deadlines").len(), 1, "once a day");
        // Saturday 5 December is not a working day; Monday 7 December is.
        run(beijing(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(), 9));
        assert_eq!(mails_of_kind(&app, "digest:deadlines").len(), 1, "no lists on a day off");
        run(beijing(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(), 9));
        assert_eq!(mails_of_kind(&app, "digest:deadlines").len(), 2);

        // The digests go out like every other mail, once their day has come.
        {
            use diesel::prelude::*;
            use onestop::db::schema::outbox;
            diesel::update(outbox::table)
                .set(outbox::next_attempt_at.eq(onestop::services::stored_now()))
                .execute(&mut **pool(&app).get().unwrap())
                .unwrap();
        }
        let (listener, smtp) = free_listener();
        let received = start_sink(listener, None);
        let (sent, retried, dead) = drain(&app, &smtp);
        assert_eq!((sent, retried, dead), (6, 0, 0), "the two receipts, two lists to the clerk and two to the head");
        let to_head: Vec<_> = received.lock().unwrap().iter()
            .filter(|(to, _)| to == &["head.sjj@demo.onestop.cn"])
            .map(|(to, raw)| parse(to, raw))
            .collect();
        assert!(to_head.iter().all(|(_, _, text, html)| text.contains("/workspace/SJJ") && html.contains("<li>")), "{to_head:?}");
    }

    async fn administrators_see_the_outbox_and_send_dead_letters_again(app) {
        create_demo_accounts(&app);
        deliver_outbox(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let number = submit_one(&mut citizen, &code).await;
        let other = submit_one(&mut citizen, &code).await;
        let (listener, smtp) = free_listener();
        let refusing = start_sink(listener, Some("citizen@"));
        assert_eq!(drain(&app, &smtp), (0, 0, 2));
        assert!(refusing.lock().unwrap().is_empty());

        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let page = admin.get("/admin/outbox").await;
        assert_eq!(page.status, 200);
        let counts = page.text(".counts");
        assert!(counts.contains("死信 2") && counts.contains("待发送 0"), "{counts}");
        let dead = admin.get("/admin/outbox?status=dead").await;
        assert_eq!(dead.texts(".mail-row").len(), 2);
        assert!(dead.text(".mail-row").contains("550"), "the error is shown: {}", dead.text(".mail-row"));
        assert!(!dead.body.contains("办件编号 "), "bodies are not shown");
        let found = admin.get(&format!("/admin/outbox?q={number}")).await;
        assert_eq!(found.texts(".mail-row").len(), 1);
        assert!(found.text(".mail-row").contains(&number));
        assert_eq!(admin.get("/admin/outbox?q=citizen%40demo.onestop.cn").await.texts(".mail-row").len(), 2, "the two receipts (the demo accounts get no verification mail)");
        assert!(admin.get("/admin/outbox?q=440306209901019999999").await.texts(".mail-row").is_empty());
        assert_eq!(admin.get("/admin/outbox?status=lost").await.status, 400);

        let action = found.attrs("form[action$='/send-again']", "action").remove(0);
        let again = admin.submit(&format!("/admin/outbox?q={number}"), &action, &[]).await;
        assert_eq!(again.status, 303);
        assert_eq!(admin.submit(&format!("/admin/outbox?q={other}"), &action, &[]).await.status, 404, "only a dead letter can be sent again");
        let (listener, smtp) = free_listener();
        let received = start_sink(listener, None);
        assert_eq!(drain(&app, &smtp), (1, 0, 0), "the one sent again, not the other");
        let mails = received.lock().unwrap().clone();
        assert!(parse(&mails[0].0, &mails[0].1).1.contains(&number));
        assert!(admin.get("/admin/log").await.texts(".admin-event").join("\n").contains("重新发送邮件"));
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        assert_eq!(clerk.get("/admin/outbox").await.status, 404);
        let token = clerk.get("/account").await.attrs("input[name=csrf_token]", "value").remove(0);
        assert_eq!(clerk.post_raw(&action, &[("csrf_token", &token)]).await.status, 404);
    }
}

/// (recipient, subject, body, link) of the staff mails of `kind` in the outbox, oldest first.
/// Sets an application's warning, promised and legal deadlines.
fn set_deadlines(app: &TestApp, number: &str, warn: NaiveDate, due: NaiveDate, hard: NaiveDate) {
    use diesel::prelude::*;
    use onestop::db::schema::applications;
    diesel::update(applications::table.filter(applications::tracking_number.eq(number)))
        .set((
            applications::warn_on.eq(warn),
            applications::due_on.eq(due),
            applications::hard_due_on.eq(hard),
        ))
        .execute(&mut **pool(app).get().unwrap())
        .unwrap();
}
