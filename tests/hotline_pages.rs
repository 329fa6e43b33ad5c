//! The 12345 hotline through its pages, as callers, operators and departments use them: the
//! request form online and on the operator's console (field errors keep what was typed), the
//! receipt and the public lookup, dispatch with the suggested department, the department's
//! hotline queue and page (a 保密 caller's identity on none of its pages, exports or mails),
//! send back, sign for, reply, the hotline's review, merge, the direct answer with a service
//! guide, the caller's rating and the one reopen, and the day's figures with CSV.

mod common;

use common::{Browser, TestApp, create_demo_accounts, id_of, on_both_databases, pool, signed_in};
use diesel::prelude::*;
use onestop::db::schema::applications;

const OPERATOR: &str = "operator@demo.onestop.cn";
const CLERK: &str = "clerk.sjj@demo.onestop.cn";

/// Fires a step from the request's page, as the browser does.
async fn step(
    browser: &mut Browser<'_>,
    id: i64,
    name: &str,
    fields: &[(&str, &str)],
) -> common::Reply {
    common::act_on(browser, &format!("/workspace/hotline/{id}"), name, fields).await
}

/// Sends the online request form as a browser does (multipart, the CSRF token in the form's
/// action), with `files`: (file name, content).
async fn send_request(
    browser: &mut Browser<'_>,
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> common::Reply {
    let page = browser.get("/hotline").await;
    let action = page
        .attrs("form[enctype=\"multipart/form-data\"]", "action")
        .remove(0);
    let boundary = "----onestop-hotline-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (file_name, content) in files {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let cookie = browser.cookie_header();
    let mut request = browser.app.client.post(browser.app.url(&action));
    if !cookie.is_empty() {
        request = request.insert_header(("Cookie", cookie));
    }
    let mut response = request
        .insert_header((
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        ))
        .send_body(body)
        .await
        .expect("POST /hotline");
    let bytes = response.body().limit(8 * 1024 * 1024).await.expect("body");
    common::Reply {
        status: response.status(),
        headers: response.headers().clone(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A file as the browser downloads it: (status, content type, bytes).
async fn fetch(browser: &Browser<'_>, path: &str) -> (u16, String, Vec<u8>) {
    let cookie = browser.cookie_header();
    let mut response = browser
        .app
        .client
        .get(browser.app.url(path))
        .insert_header(("Cookie", cookie))
        .send()
        .await
        .expect("GET");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.body().await.expect("body");
    (response.status().as_u16(), content_type, bytes.to_vec())
}

/// A small PNG: the signature and an empty IHDR are what the type check reads.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// The operator's call back: the caller's rating as given on the phone.
async fn call_back(browser: &mut Browser<'_>, id: i64, satisfaction: &str) -> common::Reply {
    let path = format!("/workspace/hotline/{id}");
    let page = browser.get(&path).await;
    let version = page
        .attrs("#t-callback input[name=version]", "value")
        .remove(0);
    let token = page.attrs("input[name=csrf_token]", "value").remove(0);
    browser
        .post_raw(
            &format!("{path}/rating"),
            &[
                ("csrf_token", &token),
                ("version", &version),
                ("satisfaction", satisfaction),
            ],
        )
        .await
}

fn status(app: &TestApp, id: i64) -> String {
    let mut conn = pool(app).get().unwrap();
    applications::table
        .find(id)
        .select(applications::status)
        .first(&mut **conn)
        .unwrap()
}

fn due_on(app: &TestApp, id: i64) -> chrono::NaiveDate {
    let mut conn = pool(app).get().unwrap();
    applications::table
        .find(id)
        .select(applications::due_on)
        .first::<Option<chrono::NaiveDate>>(&mut **conn)
        .unwrap()
        .unwrap()
}

fn number_from(location: &str) -> String {
    location.rsplit('/').next().unwrap().to_owned()
}

/// Every mail queued about case `id`: (recipient, subject and body).
fn mails_of(app: &TestApp, id: i64) -> Vec<(String, String)> {
    let mut conn = pool(app).get().unwrap();
    onestop::db::outbox::mails_of(&mut conn, id)
        .unwrap()
        .into_iter()
        .map(|(_, to, s, b)| (to, format!("{s}\n{b}")))
        .collect()
}

/// The cells of the figures' line `code` (a department code, `hotline` or `total`).
fn figure(page: &common::Reply, code: &str, column: &str) -> String {
    page.text(&format!("tr[data-code=\"{code}\"] td.{column}"))
}

on_both_databases! {
    async fn an_anonymous_confidential_complaint_is_dispatched_handled_and_answered(app) {
        create_demo_accounts(&app);
        let mut caller = Browser::new(&app);
        let form = caller.get("/hotline").await;
        assert_eq!(form.status, 200);
        assert_eq!(form.attrs("input[name=request_type]", "value"), ["consultation", "help", "complaint", "report", "suggestion"]);
        assert!(form.text("label[for=type-complaint]").contains("5个工作日内答复"), "{}", form.text("label[for=type-complaint]"));

        // Without a subject and without a way back: both fields named, the rest kept.
        let refused = send_request(&mut caller, &[
            ("request_type", "complaint"),
            ("description", "新安街道某超市货架上的牛奶已过保质期三天。"),
        ], &[("photo.png", PNG)]).await;
        assert_eq!(refused.status, 422);
        assert_eq!(refused.attrs(".error-summary a", "href"), ["#subject", "#caller_phone", "#attachment"]);
        assert!(refused.text("#attachment-error").contains("重新选择"), "the files must be chosen again");
        assert_eq!(refused.text("#description"), "新安街道某超市货架上的牛奶已过保质期三天。");
        assert_eq!(refused.attrs("#type-complaint", "checked"), [""], "the type stays chosen");
        // A file that is not a PDF or an image is refused by what it is, not by its name.
        let script = send_request(&mut caller, &[("request_type", "complaint"), ("subject", "过期食品"), ("description", "牛奶过期"), ("caller_phone", "13923456789")], &[("photo.png", b"#!/bin/sh\nrm -rf /\n")]).await;
        assert_eq!(script.status, 422);
        assert_eq!(script.attrs(".error-summary a", "href"), ["#attachment"]);

        let sent = send_request(&mut caller, &[
            ("request_type", "complaint"),
            ("subject", "超市出售过期食品"),
            ("description", "新安街道某超市货架上的牛奶已过保质期三天。"),
            ("location", "新安街道宝兴路"),
            ("caller_name", "张保密"),
            ("caller_phone", "139 2345 6789"),
            ("confidential", "on"),
        ], &[("现场照片.png", PNG)]).await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let location = sent.header("location").unwrap().to_owned();
        let number = number_from(&location);
        assert!(number.starts_with("RX"), "{number}");
        let receipt = caller.get(&location).await;
        assert_eq!(receipt.text("#tracking-number"), number);
        let due = {
            let mut conn = pool(&app).get().unwrap();
            applications::table.filter(applications::tracking_number.eq(&number)).select(applications::due_on).first::<Option<chrono::NaiveDate>>(&mut **conn).unwrap().unwrap()
        };
        assert!(receipt.body.contains(&due.to_string()), "the receipt says when the answer is due");
        let id = id_of(&app, &number);

        // The public lookup wants the number and the phone's last four digits.
        let wrong = caller.submit("/hotline/track", "/hotline/track", &[("tracking_number", &number), ("contact", "1234")]).await;
        assert_eq!(wrong.status, 404);
        let found = caller.submit("/hotline/track", "/hotline/track", &[("tracking_number", &number), ("contact", "6789")]).await;
        assert_eq!(found.status, 200);
        assert_eq!(found.text(".progress .status"), "待派单");

        // The operator lands on the console; the caller's number finds the request.
        let mut operator = Browser::new(&app);
        let landed = operator.submit("/login", "/login", &[("email", OPERATOR), ("password", common::DEMO_PASSWORD)]).await;
        assert_eq!(landed.header("location"), Some("/hotline/console"));
        let console = operator.get("/hotline/console?phone=13923456789").await;
        assert_eq!(console.status, 200);
        assert_eq!(console.attrs("#phone", "value"), ["13923456789"]);
        assert_eq!(console.attrs("#caller_phone", "value"), ["13923456789"], "the number fills the form");
        let listed = console.texts(".hotline-list a");
        assert!(listed.iter().filter(|n| **n == number).count() >= 2, "earlier requests and the list to dispatch: {listed:?}");

        // The operator sees who called; the words suggest the market regulator.
        let page = operator.get(&format!("/workspace/hotline/{id}")).await;
        assert_eq!(page.text(".caller-name"), "张保密");
        assert_eq!(page.text(".caller-phone"), "13923456789");
        assert_eq!(page.attrs("#dispatch-department option[selected]", "value"), ["SJJ"]);
        assert_eq!(step(&mut operator, id, "dispatch", &[("department", "SJJ"), ("topic", "market"), ("note", "请核查")]).await.status, 303);

        // The department: its hotline queue and the page, without the caller.
        let mut clerk = signed_in(&app, CLERK).await;
        let queue = clerk.get("/workspace/SJJ/hotline").await;
        assert_eq!(queue.status, 200);
        assert_eq!(queue.texts(".hotline-list tbody a"), std::slice::from_ref(&number));
        let page = clerk.get(&format!("/workspace/hotline/{id}")).await;
        assert_eq!(page.status, 200);
        for secret in ["张保密", "13923456789", "139 2345 6789"] {
            assert!(!page.body.contains(secret), "{secret} on the department's page");
            assert!(!queue.body.contains(secret), "{secret} in the department's queue");
        }
        assert!(page.text(".confidential").contains("12345"));
        let file = page.attrs(".attachments a", "href").remove(0);
        let (code, content_type, content) = fetch(&clerk, &file).await;
        assert_eq!((code, content_type.as_str()), (200, "image/png"));
        assert_eq!(content, PNG, "the file as sent");
        let mut other = signed_in(&app, "clerk.wjj@demo.onestop.cn").await;
        assert_eq!(other.get(&format!("/workspace/hotline/{id}")).await.status, 404);
        assert_eq!(fetch(&other, &file).await.0, 404, "nor its files");
        assert_eq!(other.get("/workspace/SJJ/hotline").await.status, 404);
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        assert_eq!(citizen.get(&format!("/workspace/hotline/{id}")).await.status, 404);

        // Sent back once with a reason (none given: told, nothing changes); dispatched again.
        let no_reason = step(&mut clerk, id, "send_back", &[]).await;
        assert_eq!(no_reason.status, 422);
        assert!(no_reason.text("#send_back-error").contains("说明"), "{}", no_reason.text("#send_back-error"));
        assert_eq!(status(&app, id), "dispatched");
        assert_eq!(step(&mut clerk, id, "send_back", &[("note", "请先核实地址")]).await.status, 303);
        assert_eq!(status(&app, id), "returned");
        assert_eq!(step(&mut operator, id, "dispatch", &[("department", "SJJ"), ("note", "地址已核实")]).await.status, 303);
        let page = clerk.get(&format!("/workspace/hotline/{id}")).await;
        assert!(page.attrs("details.transition", "id").iter().all(|t| t != "t-send_back"), "sent back once only");
        assert_eq!(step(&mut clerk, id, "sign_for", &[]).await.status, 303);
        // More time: asked for once with a reason, granted by the hotline, five working days.
        let due_before = due_on(&app, id);
        assert_eq!(step(&mut clerk, id, "request_extension", &[]).await.status, 422, "a reason is needed");
        assert_eq!(step(&mut clerk, id, "request_extension", &[("note", "需抽样送检")]).await.status, 303);
        assert!(operator.get("/hotline/console").await.texts(".hotline-list a").contains(&number), "the hotline reviews the request");
        assert_eq!(step(&mut operator, id, "approve_extension", &[]).await.status, 303);
        let calendar = onestop::services::workflow::load_calendar(&mut pool(&app).get().unwrap()).unwrap();
        assert_eq!(due_on(&app, id), calendar.add_working_days(due_before, 5));
        let page = clerk.get(&format!("/workspace/hotline/{id}")).await;
        assert!(page.attrs("details.transition", "id").iter().all(|t| t != "t-request_extension"), "once only");
        assert_eq!(step(&mut clerk, id, "reply", &[("decision", "已责令该超市下架过期牛奶并立案调查。")]).await.status, 303);

        // The hotline reviews the reply before the caller gets it.
        let review = operator.get(&format!("/workspace/hotline/{id}")).await;
        assert_eq!(review.text(".reply"), "已责令该超市下架过期牛奶并立案调查。");
        assert_eq!(review.text("#approve_reply-decision"), "已责令该超市下架过期牛奶并立案调查。");
        assert_eq!(step(&mut operator, id, "approve_reply", &[("decision", "已责令该超市下架过期牛奶并立案调查。")]).await.status, 303);
        let answered = caller.submit("/hotline/track", "/hotline/track", &[("tracking_number", &number), ("contact", "6789")]).await;
        assert_eq!(answered.text(".answer-text"), "已责令该超市下架过期牛奶并立案调查。");

        // Nothing the department was sent names the caller.
        let mails = mails_of(&app, id);
        assert!(!mails.is_empty(), "the department was told of the dispatch");
        for (to, text) in &mails {
            assert!(!text.contains("张保密") && !text.contains("13923456789"), "{to}: {text}");
        }
        let audit = clerk.get("/workspace/SJJ/audit.csv").await;
        assert_eq!(audit.status, 200);
        assert!(!audit.body.contains("张保密"));

        // The call back closes it; the day's figures count every step.
        let rating = call_back(&mut operator, id, "satisfied").await;
        assert_eq!(rating.status, 303, "{}", rating.body);
        assert_eq!(status(&app, id), "hotline_closed");
        let figures = operator.get("/hotline/figures").await;
        assert_eq!(figures.status, 200);
        assert_eq!(figure(&figures, "hotline", "received"), "1");
        assert_eq!(figure(&figures, "SJJ", "dispatched"), "2");
        assert_eq!(figure(&figures, "SJJ", "sent-back"), "1");
        assert_eq!(figure(&figures, "SJJ", "answered"), "1");
        assert_eq!(figure(&figures, "SJJ", "on-time"), "1");
        assert_eq!(figure(&figures, "SJJ", "satisfied"), "1");
        assert_eq!(figure(&figures, "total", "received"), "1");
        let csv = operator.get("/hotline/figures.csv").await;
        assert_eq!(csv.status, 200);
        let sjj_line = csv.body.lines().find(|l| l.contains(",SJJ,")).expect("an SJJ line").to_owned();
        assert!(sjj_line.ends_with(",0,0,0,2,1,1,1,1,0"), "{sjj_line}");
        assert_eq!(clerk.get("/hotline/figures").await.status, 404, "the figures are the hotline's");
    }

    async fn a_signed_in_question_is_answered_from_a_guide_rated_reopened_once_and_closed(app) {
        create_demo_accounts(&app);
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let sent = send_request(&mut citizen, &[
            ("request_type", "consultation"),
            ("subject", "开餐馆要办什么证"),
            ("description", "想在西乡开一家小餐馆，需要办理哪些许可？"),
        ], &[]).await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let location = sent.header("location").unwrap().to_owned();
        let number = number_from(&location);
        let receipt = citizen.get(&location).await;
        assert_eq!(receipt.attrs("main a", "href").iter().filter(|h| **h == format!("/hotline/requests/{number}")).count(), 1);
        let mine = citizen.get("/hotline/mine").await;
        assert_eq!(mine.texts(".hotline-list a"), std::slice::from_ref(&number));
        let id = id_of(&app, &number);

        // The operator finds the guide in the catalog from the request's page.
        let mut operator = signed_in(&app, OPERATOR).await;
        let search = operator.get(&format!("/workspace/hotline/{id}?q={}", "%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5")).await;
        let guides = search.attrs("input[name=guide]", "value");
        assert!(guides.len() >= 2, "no guide and at least one found: {guides:?}");
        let guide = guides[1].clone();
        let answer = "请申请食品经营许可，所需材料见所附办事指南。";
        let answered = step(&mut operator, id, "answer_directly", &[("decision", answer), ("guide", &guide)]).await;
        assert_eq!(answered.status, 303, "{}", answered.body);
        let page = operator.get(&format!("/workspace/hotline/{id}")).await;
        assert!(page.attrs("dd a", "href").contains(&format!("/services/{guide}")), "the guide is linked");

        // The caller reads the answer and is told by mail.
        let mine = citizen.get(&format!("/hotline/requests/{number}")).await;
        assert_eq!(mine.status, 200);
        assert_eq!(mine.text(".answer-text"), answer);
        assert!(mails_of(&app, id).iter().any(|(to, text)| to == "citizen@demo.onestop.cn" && text.contains(answer)));

        // A rating needs a choice; 不满意 sends it back to the hotline, once.
        let token = mine.attrs("input[name=csrf_token]", "value").remove(0);
        let version = mine.attrs("input[name=version]", "value").remove(0);
        let rating_path = format!("/hotline/requests/{number}/rating");
        let empty = citizen.post_raw(&rating_path, &[("csrf_token", &token), ("version", &version)]).await;
        assert_eq!(empty.status, 422);
        assert!(empty.text(".error-message").contains("满意"));
        let unsatisfied = citizen.post_raw(&rating_path, &[("csrf_token", &token), ("version", &version), ("satisfaction", "unsatisfied")]).await;
        assert_eq!(unsatisfied.status, 303);
        assert_eq!(status(&app, id), "hotline_received", "a direct answer goes back to the hotline");
        assert_eq!(step(&mut operator, id, "answer_directly", &[("decision", "餐饮服务需办理食品经营许可证，可在网上申请。")]).await.status, 303);
        let mine = citizen.get(&format!("/hotline/requests/{number}")).await;
        let token = mine.attrs("input[name=csrf_token]", "value").remove(0);
        let version = mine.attrs("input[name=version]", "value").remove(0);
        let again = citizen.post_raw(&rating_path, &[("csrf_token", &token), ("version", &version), ("satisfaction", "unsatisfied")]).await;
        assert_eq!(again.status, 303);
        assert_eq!(status(&app, id), "hotline_closed", "reopened once only");
        let closed = citizen.get(&format!("/hotline/requests/{number}")).await;
        assert_eq!(closed.text(".rated"), "您的评价： 不满意");

        // Nobody else reads it: another applicant, or a visitor (sent to the lookup).
        let mut firm = signed_in(&app, "firm@demo.onestop.cn").await;
        assert_eq!(firm.get(&format!("/hotline/requests/{number}")).await.status, 404);
        let visitor = Browser::new(&app).get(&format!("/hotline/requests/{number}")).await;
        assert_eq!(visitor.header("location"), Some("/hotline/track"));
        let figures = operator.get("/hotline/figures").await;
        assert_eq!(figure(&figures, "hotline", "answered-directly"), "2");
        assert_eq!(figure(&figures, "hotline", "reopened"), "1");
    }

    async fn the_operator_records_calls_on_the_console_and_merges_related_ones(app) {
        create_demo_accounts(&app);
        let mut operator = signed_in(&app, OPERATOR).await;
        let call = |phone: &'static str| vec![
            ("request_type", "help"),
            ("subject", "小区停水两天"),
            ("description", "西乡街道某小区停水两天，无人通知。"),
            ("caller_phone", phone),
            ("urgent", "on"),
        ];
        // No number: the field is named and the rest is kept.
        let mut missing = call("");
        missing.retain(|(k, _)| *k != "caller_phone");
        let refused = operator.submit("/hotline/console", "/hotline/console", &missing).await;
        assert_eq!(refused.status, 422);
        assert_eq!(refused.attrs(".error-summary a", "href"), ["#caller_phone"]);
        assert_eq!(refused.attrs("#subject", "value"), ["小区停水两天"]);
        assert_eq!(refused.attrs("#urgent", "checked"), [""]);

        let first = operator.submit("/hotline/console", "/hotline/console", &call("0755-2788 1234")).await;
        assert_eq!(first.status, 303, "{}", first.body);
        let first_path = first.header("location").unwrap().to_owned();
        let first_page = operator.get(&first_path).await;
        assert!(first_page.text(".case-status").contains("紧急"));
        assert!(!first_page.text(".urgent-due").is_empty(), "an urgent request is due within hours");
        assert_eq!(first_page.attrs("#dispatch-department option[selected]", "value"), ["SWJ"]);
        let first_number = first_page.text("h1 .tracking");

        let second = operator.submit("/hotline/console", "/hotline/console", &call("13800001111")).await;
        let second_id: i64 = number_from(second.header("location").unwrap()).parse().unwrap();
        let wrong = step(&mut operator, second_id, "merge", &[("into", "RX2099000000")]).await;
        assert_eq!(wrong.status, 422);
        assert!(!wrong.text("#merge-error").is_empty());
        assert_eq!(wrong.attrs("#merge-into", "value"), ["RX2099000000"]);
        assert_eq!(step(&mut operator, second_id, "merge", &[("into", &first_number)]).await.status, 303);
        assert_eq!(status(&app, second_id), "merged");
        let first_page = operator.get(&first_path).await;
        assert!(!first_page.text(".merged").is_empty(), "the first lists what was merged into it");
        let second_page = operator.get(&format!("/workspace/hotline/{second_id}")).await;
        assert_eq!(second_page.text(".merged-into"), first_number);

        // The console lists the caller's earlier requests by the number they call from.
        let console = operator.get("/hotline/console?phone=075527881234").await;
        assert_eq!(console.texts("#earlier tbody a"), std::slice::from_ref(&first_number));
        // Only operators have the console; the public form is not theirs.
        let mut clerk = signed_in(&app, CLERK).await;
        assert_eq!(clerk.get("/hotline/console").await.status, 404);

        // Dispatched, an urgent request still held after its hours gets a yellow card at the
        // next supervision pass; the merged one, held by nobody, none.
        let first_id: i64 = number_from(&first_path).parse().unwrap();
        assert_eq!(step(&mut operator, first_id, "dispatch", &[("department", "SWJ")]).await.status, 303);
        let cards = |id: i64| -> Vec<String> {
            use onestop::db::schema::supervision_cards;
            let mut conn = pool(&app).get().unwrap();
            supervision_cards::table.filter(supervision_cards::application_id.eq(id)).select(supervision_cards::level).load(&mut **conn).unwrap()
        };
        {
            use onestop::db::schema::hotline_requests;
            let mut conn = pool(&app).get().unwrap();
            onestop::services::workflow::supervise(&mut conn).unwrap();
            // (A warning may be there already: signing for it is due within a working day.)
            assert!(!cards(first_id).contains(&"yellow".to_owned()), "within its hours");
            let past = chrono::Utc::now().naive_utc() - chrono::Duration::hours(1);
            diesel::update(hotline_requests::table).set(hotline_requests::urgent_due_at.eq(Some(past))).execute(&mut **conn).unwrap();
            onestop::services::workflow::supervise(&mut conn).unwrap();
        }
        assert!(cards(first_id).contains(&"yellow".to_owned()), "{:?}", cards(first_id));
        assert!(cards(second_id).is_empty());
    }

    async fn an_administrator_sets_the_time_limits_of_a_type_for_requests_from_now_on(app) {
        create_demo_accounts(&app);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let page = admin.get("/admin/hotline-types").await;
        assert_eq!(page.status, 200);
        assert_eq!(page.attrs("#days-complaint", "value"), ["5"]);
        let mut caller = Browser::new(&app);
        let fields = [("request_type", "complaint"), ("subject", "噪音扰民"), ("description", "工地夜间施工"), ("caller_phone", "13911112222")];
        let before = send_request(&mut caller, &fields, &[]).await;
        let before_id = id_of(&app, &number_from(before.header("location").unwrap()));

        let refused = admin.submit("/admin/hotline-types", "/admin/hotline-types/complaint", &[("answer_days", "0"), ("urgent_hours", "24")]).await;
        assert_eq!(refused.status, 422);
        assert!(refused.text(".error-summary").contains("1 至 30 个工作日"), "{}", refused.text(".error-summary"));
        let saved = admin.submit("/admin/hotline-types", "/admin/hotline-types/complaint", &[("answer_days", "7"), ("urgent_hours", "12")]).await;
        assert_eq!(saved.status, 303);
        assert_eq!(admin.get("/admin/hotline-types").await.attrs("#days-complaint", "value"), ["7"]);
        assert!(admin.get("/admin/log").await.text(".admin-event").contains("修改热线诉求时限"));
        let mut clerk = signed_in(&app, CLERK).await;
        assert_eq!(clerk.submit("/account", "/admin/hotline-types/complaint", &[("answer_days", "1"), ("urgent_hours", "1")]).await.status, 404, "the administrators' only");

        // A request received now gets 7 working days; the earlier one keeps its 5.
        let after = send_request(&mut caller, &fields, &[]).await;
        let after_id = id_of(&app, &number_from(after.header("location").unwrap()));
        let due = |id: i64| -> chrono::NaiveDate {
            let mut conn = pool(&app).get().unwrap();
            applications::table.find(id).select(applications::due_on).first::<Option<chrono::NaiveDate>>(&mut **conn).unwrap().unwrap()
        };
        let calendar = onestop::services::workflow::load_calendar(&mut pool(&app).get().unwrap()).unwrap();
        let today = onestop::services::workflow::today();
        assert_eq!(due(before_id), calendar.add_working_days(today, 5));
        assert_eq!(due(after_id), calendar.add_working_days(today, 7));
    }
}
