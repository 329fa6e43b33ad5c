//! The workflow engine through the browser: clerks take applications through the legal
//! procedure, every change leaves exactly one audit event and the applicant's notice in the
//! outbox, the clocks show on the pages, and nobody acts outside their department or role.

mod common;

use common::{
    PDF, Reply, TestApp, act, create_demo_accounts, id_of, on_both_databases, pool, signed_in,
    sjj_service, submit_one,
};

/// (kind, from, to) of every event of an application, oldest first.
fn events(app: &TestApp, id: i64) -> Vec<(String, Option<String>, String)> {
    let mut conn = pool(app).get().unwrap();
    onestop::db::workflow::case_events(&mut conn, id)
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.from_status, e.to_status))
        .collect()
}

/// The kinds of the mails queued for an application.
fn outbox(app: &TestApp, id: i64) -> Vec<(String, String, String)> {
    let mut conn = pool(app).get().unwrap();
    onestop::db::outbox::mails_of(&mut conn, id)
        .unwrap()
        .into_iter()
        .map(|(kind, to, subject, body)| (kind, to, format!("{subject}\n{body}")))
        .collect()
}

on_both_databases! {
    async fn a_clerk_takes_an_application_from_receipt_to_delivery(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);

        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let queue = clerk.get("/workspace/SJJ?state=submitted").await;
        assert_eq!(queue.status, 200);
        assert!(queue.text(".queue").contains(&number), "{}", queue.text(".queue"));
        assert!(queue.text(".queue").contains("李明"), "applicant name on the row");

        // Accept from the queue row: back to the queue.
        let token = queue.attrs("input[name=csrf_token]", "value").remove(0);
        let row_forms = queue.attrs(&format!("form[action='/workspace/applications/{id}/transitions/accept'] input[name=version]"), "value");
        assert_eq!(row_forms.len(), 1, "one accept form on the row");
        let accepted = clerk.post_raw(&format!("/workspace/applications/{id}/transitions/accept"), &[
            ("csrf_token", &token), ("version", &row_forms[0]), ("return_to", "/workspace/SJJ?state=submitted"),
        ]).await;
        assert_eq!(accepted.status, 303);
        assert_eq!(accepted.header("location"), Some("/workspace/SJJ?state=submitted"));

        let page = clerk.get(&format!("/workspace/applications/{id}")).await;
        assert_eq!(page.text(".case-facts .status"), "已受理");
        // An internal note stays among staff.
        let token = page.attrs("input[name=csrf_token]", "value").remove(0);
        let noted = clerk.post_raw(&format!("/workspace/applications/{id}/notes"), &[("csrf_token", &token), ("body", "申请人电话确认过经营地址")]).await;
        assert_eq!(noted.status, 303);
        assert!(clerk.get(&format!("/workspace/applications/{id}")).await.text(".internal-notes").contains("申请人电话确认过经营地址"));
        assert!(!citizen.get(&format!("/applications/{id}")).await.body.contains("申请人电话确认过经营地址"));
        assert!(page.text(".deadlines").contains("承诺办结期限"));
        assert!(page.text(".workflow").contains("v1"));
        assert_eq!(act(&mut clerk, id, "start_review", &[]).await.status, 303);

        // Approving needs the decision text: the form comes back with the note kept.
        let missing = act(&mut clerk, id, "approve", &[("note", "材料齐全"), ("decision", " ")]).await;
        assert_eq!(missing.status, 422);
        assert!(missing.text(".error-summary").contains("请填写决定内容及理由"));
        assert_eq!(missing.text("#approve-note"), "材料齐全");
        assert_eq!(act(&mut clerk, id, "approve", &[("decision", "准予许可，有效期五年。")]).await.status, 303);
        assert_eq!(act(&mut clerk, id, "deliver", &[("note", "电子证照已发放")]).await.status, 303);
        let closed = clerk.get(&format!("/workspace/applications/{id}")).await;
        assert_eq!(closed.text(".case-facts .status"), "已办结");
        assert!(closed.texts("details.transition").is_empty(), "nothing left to do");

        // Every change has exactly one event, in order, with its states.
        let kinds: Vec<(String, Option<String>, String)> = events(&app, id);
        let expected = [
            ("draft_started", None, "draft"),
            ("submitted", Some("draft"), "submitted"),
            ("accept", Some("submitted"), "accepted"),
            ("start_review", Some("accepted"), "under_review"),
            ("approve", Some("under_review"), "approved"),
            ("deliver", Some("approved"), "closed"),
        ];
        assert_eq!(kinds.len(), expected.len(), "{kinds:?}");
        for ((kind, from, to), (ek, ef, et)) in kinds.iter().zip(expected) {
            assert_eq!((kind.as_str(), from.as_deref(), to.as_str()), (ek, ef, et));
        }
        // The applicant's notices, in order: receipt, acceptance, decision, delivery.
        let mails = outbox(&app, id);
        let mail_kinds: Vec<&str> = mails.iter().map(|(k, ..)| k.as_str()).collect();
        // Delivery ends the case: the invitation to rate it (好差评) comes with the delivery notice.
        assert_eq!(mail_kinds, ["transition:submitted", "transition:accept", "transition:approve", "transition:deliver", "transition:rating_invitation"]);
        assert!(mails.iter().all(|(_, to, text)| to == "citizen@demo.onestop.cn" && text.contains(&number)));
        assert!(mails[2].2.contains("准予许可，有效期五年。"));

        // The applicant sees the state and the decision, never a clerk's name.
        let mine = citizen.get(&format!("/applications/{id}")).await;
        assert_eq!(mine.text(".facts .status"), "已办结");
        assert!(mine.text(".timeline").contains("准予许可"));
        assert!(!mine.body.contains("王窗口"), "no clerk names for the applicant");
        assert!(mine.text(".decision").contains("准予许可，有效期五年。"));
    }

    async fn only_the_right_department_and_role_may_act(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        let path = format!("/workspace/applications/{id}");

        let mut other = signed_in(&app, "clerk.wjj@demo.onestop.cn").await;
        assert_eq!(other.get(&path).await.status, 404);
        assert_eq!(other.get("/workspace/SJJ").await.status, 404);
        let token = other.get("/workspace").await.attrs("input[name=csrf_token]", "value").remove(0);
        let attempt = other.post_raw(&format!("{path}/transitions/accept"), &[("csrf_token", &token), ("version", "2")]).await;
        assert_eq!(attempt.status, 404);
        // The applicant cannot reach the staff pages, not even for their own application.
        assert_eq!(citizen.get(&path).await.status, 404);

        // A clerk may not extend; the head may, once, with a reason.
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        assert_eq!(act(&mut clerk, id, "accept", &[]).await.status, 303);
        assert_eq!(act(&mut clerk, id, "start_review", &[]).await.status, 303);
        let page = clerk.get(&path).await;
        assert!(page.attrs("form[action$='/transitions/extend']", "action").is_empty());
        let refused = act(&mut clerk, id, "extend", &[("note", "需要补充调查")]).await;
        assert_eq!(refused.status, 403);
        let mut head = signed_in(&app, "head.sjj@demo.onestop.cn").await;
        let before = head.get(&path).await.texts(".deadlines dd");
        assert_eq!(act(&mut head, id, "extend", &[("note", "案情复杂，需要补充调查")]).await.status, 303);
        let after = head.get(&path).await;
        assert!(after.text(".deadlines").contains("已延长的工作日10"), "{}", after.text(".deadlines"));
        assert_ne!(before, after.texts(".deadlines dd"), "the deadlines moved");
        assert!(after.attrs("form[action$='/transitions/extend']", "action").is_empty(), "only once");
        assert!(outbox(&app, id).iter().any(|(k, _, text)| k == "transition:extend" && text.contains("案情复杂")));
        // The applicant cannot approve their own application.
        let token = citizen.get("/applications").await.attrs("input[name=csrf_token]", "value").remove(0);
        let own = citizen.post_raw(&format!("{path}/transitions/approve"), &[("csrf_token", &token), ("version", "5"), ("decision", "x")]).await;
        assert_eq!(own.status, 404);
    }

    async fn a_running_application_keeps_the_workflow_version_it_was_submitted_under(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let before = id_of(&app, &submit_one(&mut citizen, &code).await);
        // Version 2 of the default workflow no longer lets a clerk refuse at once.
        {
            let mut definition = onestop::domain::workflow::shipped().into_iter().find(|d| d.key == "default").unwrap();
            definition.transitions.retain(|t| t.name != "refuse");
            definition.states.retain(|s| s.code != "not_accepted");
            definition.check().unwrap();
            let json = serde_json::to_string(&definition).unwrap();
            let mut conn = pool(&app).get().unwrap();
            onestop::db::workflow::insert_definition(&mut conn, &onestop::db::workflow::NewDefinition {
                key: "default", version: 2, definition: &json,
                published_at: chrono::Utc::now().naive_utc(), published_by: None,
            }).unwrap();
        }
        let after = id_of(&app, &submit_one(&mut citizen, &code).await);
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let old = clerk.get(&format!("/workspace/applications/{before}")).await;
        let new = clerk.get(&format!("/workspace/applications/{after}")).await;
        assert!(old.text(".workflow").ends_with("v1") && new.text(".workflow").ends_with("v2"));
        assert_eq!(old.attrs("form[action$='/transitions/refuse']", "action").len(), 1);
        assert!(new.attrs("form[action$='/transitions/refuse']", "action").is_empty());
        assert_eq!(act(&mut clerk, before, "refuse", &[("note", "不属于本机关职权范围")]).await.status, 303);
        let token = new.attrs("input[name=csrf_token]", "value").remove(0);
        let version = new.attrs("input[name=version]", "value").remove(0);
        let refused = clerk.post_raw(&format!("/workspace/applications/{after}/transitions/refuse"), &[("csrf_token", &token), ("version", &version), ("note", "x")]).await;
        assert_eq!(refused.status, 409, "not a transition of version 2");
    }

    async fn two_clerks_acting_at_once_one_wins_and_the_other_is_told(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        let path = format!("/workspace/applications/{id}");
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let mut head = signed_in(&app, "head.sjj@demo.onestop.cn").await;
        // Both opened the page before either acted.
        let mut forms = Vec::new();
        for browser in [&mut clerk, &mut head] {
            let page = browser.get(&path).await;
            forms.push((
                page.attrs("input[name=csrf_token]", "value").remove(0),
                page.attrs("input[name=version]", "value").remove(0),
            ));
        }
        let accept = format!("{path}/transitions/accept");
        let refuse = format!("{path}/transitions/refuse");
        let (a, b) = futures_util::future::join(
            clerk.post_raw(&accept, &[("csrf_token", &forms[0].0), ("version", &forms[0].1)]),
            head.post_raw(&refuse, &[("csrf_token", &forms[1].0), ("version", &forms[1].1), ("note", "不属于本机关职权范围")]),
        ).await;
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [303, 409], "exactly one wins");
        let loser = if a.status == 409 { &a } else { &b };
        assert!(loser.text("h1").contains("已被处理"), "{}", loser.body);
        let decisions: Vec<_> = events(&app, id).into_iter().filter(|(k, ..)| k == "accept" || k == "refuse").collect();
        assert_eq!(decisions.len(), 1, "{decisions:?}");
        // The receipt and the winner's notice only; a refusal ends the application, so it also
        // invites a rating (好差评). Nothing of the loser's.
        let winner = decisions[0].0.clone();
        let mut expected = vec!["submitted".to_owned(), winner.clone()];
        if winner == "refuse" {
            expected.push("rating_invitation".to_owned());
        }
        let mut expected: Vec<String> = expected.into_iter().map(|k| format!("transition:{k}")).collect();
        let mut mailed: Vec<String> = outbox(&app, id).into_iter().map(|(kind, ..)| kind).collect();
        mailed.sort();
        expected.sort();
        assert_eq!(mailed, expected, "the receipt and the winner's notices only");
        // The queue's counts are kept with every change: they match a count of the rows.
        let queue = clerk.get("/workspace/SJJ").await;
        let shown: Vec<(String, i64)> = queue.attrs(".state-counts a", "href").into_iter()
            .zip(queue.texts(".state-counts a"))
            .filter_map(|(href, text)| {
                let state = href.split("state=").nth(1)?.to_owned();
                Some((state, text.split_whitespace().last()?.parse().ok()?))
            })
            .collect();
        assert!(shown.len() >= 8, "{shown:?}");
        use diesel::prelude::*;
        use onestop::db::schema::applications;
        let mut conn = pool(&app).get().unwrap();
        for (state, count) in shown {
            let actual: i64 = applications::table
                .filter(applications::status.eq(&state))
                .filter(applications::department_id.is_not_null())
                .count()
                .get_result(&mut **conn)
                .unwrap();
            assert_eq!(count, actual, "{state}");
        }
    }

    async fn missing_materials_are_asked_for_once_and_answered_by_the_applicant(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let page = clerk.get(&format!("/workspace/applications/{id}")).await;
        let materials = page.attrs("#request_supplement-checklist input[name=checklist]", "value");
        assert!(!materials.is_empty(), "the checklist lists the service's materials");

        let none_ticked = act(&mut clerk, id, "request_supplement", &[("note", "请补正")]).await;
        assert_eq!(none_ticked.status, 422);
        assert!(none_ticked.text(".error-summary").contains("请至少勾选一项"));
        let asked = act(&mut clerk, id, "request_supplement", &[
            ("checklist", &materials[0]), ("note", "复印件须加盖公章"),
        ]).await;
        assert_eq!(asked.status, 303);

        // The applicant sees exactly what is asked, uploads and resubmits.
        let mine = citizen.get(&format!("/applications/{id}")).await;
        assert_eq!(mine.text(".facts .status"), "待补正");
        let notice = mine.text(".supplement-notice");
        assert!(notice.contains(&materials[0]) && notice.contains("复印件须加盖公章"), "{notice}");
        // The clock note speaks of the 补正, not of a special procedure.
        let hints = mine.texts(".hint").join(" ");
        assert!(hints.contains("补正期间不计入办理时限") && !hints.contains("特别程序"), "{hints}");
        let upload = citizen.upload(&format!("/applications/{id}/materials"), &materials[0], "补正.pdf", PDF).await;
        assert_eq!(upload.status, 303, "{}", upload.body);
        let resubmitted = citizen.submit(&format!("/applications/{id}"), &format!("/applications/{id}/resubmit"), &[]).await;
        assert_eq!(resubmitted.status, 303, "{}", resubmitted.body);
        assert_eq!(citizen.get(&format!("/applications/{id}")).await.text(".facts .status"), "已提交（待受理）");
        let kinds: Vec<String> = events(&app, id).into_iter().map(|(k, ..)| k).collect();
        assert_eq!(&kinds[2..], ["request_supplement", "resubmit"]);
        let mails = outbox(&app, id);
        assert!(mails[1].0 == "transition:request_supplement" && mails[1].2.contains(&materials[0]));
        // Once resubmitted, the materials are closed again.
        let late = citizen.upload(&format!("/applications/{id}/materials"), &materials[0], "再次.pdf", PDF).await;
        assert_eq!(late.status, 303);
        assert_eq!(late.header("location"), Some(format!("/applications/{id}").as_str()), "back to the application, nothing stored");
        // The department's clerks read the files; other departments do not.
        let staff_page = clerk.get(&format!("/workspace/applications/{id}")).await;
        let file_links = staff_page.attrs(".materials a:not([href$='/view'])", "href");
        assert!(!file_links.is_empty());
        let file = clerk.get(&file_links[0]).await;
        assert_eq!(file.status, 200);
        assert!(file.header("content-disposition").unwrap().starts_with("attachment"));
        let mut other = signed_in(&app, "clerk.wjj@demo.onestop.cn").await;
        assert_eq!(other.get(&file_links[0]).await.status, 404);
    }

    async fn an_issued_licence_serves_the_next_application_for_the_same_item(app) {
        create_demo_accounts(&app);
        // 个体工商户登记 is decided on the spot (promised 0 days) and has a 变更 service.
        let list = app.get("/api/v1/services?department=SJJ&applicant=natural&limit=100").await.json();
        let code_of = |suffix: &str| -> String {
            list["items"].as_array().unwrap().iter()
                .find(|s| s["item_code"] == "440306-SJJ-XK-0008" && s["name"].as_str().unwrap().ends_with(suffix))
                .map(|s| s["code"].as_str().unwrap().to_owned())
                .unwrap_or_else(|| panic!("no {suffix} service"))
        };
        let (first, change) = (code_of("（新办）"), code_of("（变更）"));
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let number = submit_one(&mut citizen, &first).await;
        let id = id_of(&app, &number);
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let page = clerk.get(&format!("/workspace/applications/{id}")).await;
        assert_eq!(page.attrs("form[action$='/transitions/accept_and_approve']", "action").len(), 1, "即办件 are decided at acceptance");
        assert_eq!(act(&mut clerk, id, "accept_and_approve", &[("decision", "准予个体工商户登记")]).await.status, 303);
        assert_eq!(act(&mut clerk, id, "deliver", &[]).await.status, 303);
        let decision = citizen.get(&format!("/applications/{id}/decision")).await;
        assert_eq!(decision.status, 200);
        assert!(decision.text("h1").contains("准予行政许可决定书") && decision.body.contains("准予个体工商户登记"));

        // The 变更 application takes 原许可证件 from the registry instead of an upload.
        let application = common::start(&mut citizen, &change).await;
        let edit = citizen.get(&format!("{application}/edit")).await;
        assert_eq!(edit.attrs("#licence_number", "value"), std::slice::from_ref(&number), "the licence number is filled in");
        // The applicant block comes from the account, identity numbers masked.
        let block = edit.text("section[aria-labelledby=applicant-heading]");
        assert!(block.contains("李明") && block.contains("110105********002X") && block.contains("138****8000"), "{block}");
        assert!(!edit.body.contains("11010519491231002X"));
        let saved = common::save(&mut citizen, &application, "continue", &[
            ("matter", "变更经营场所"), ("contact_phone", "13912345678"), ("delivery", "electronic"),
            ("licence_number", &number), ("change_items", "经营场所由新安街道变更为西乡街道"),
        ]).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let materials = citizen.get(&format!("{application}/materials")).await;
        let options = materials.attrs(".licence-choice option", "value");
        assert_eq!(options.len(), 1, "{}", materials.text(".materials-list"));
        assert!(materials.text(".licence-choice").contains(&number));
        let material = materials.attrs(".licence-choice input[name=material]", "value").remove(0);
        let chosen = citizen.submit(&format!("{application}/materials"), &format!("{application}/licences"), &[("material", &material), ("licence", &options[0])]).await;
        assert_eq!(chosen.status, 303);
        let uploaded = common::upload_missing(&mut citizen, &application).await;
        assert!(!uploaded.contains(&material), "{uploaded:?}");
        // A licence that is not the applicant's is not found.
        let bogus = citizen.submit(&format!("{application}/materials"), &format!("{application}/licences"), &[("material", &material), ("licence", "999999")]).await;
        assert_eq!(bogus.status, 404);
        let review = citizen.get(&format!("{application}/review")).await;
        assert!(review.text(".review-materials").contains(&number), "{}", review.text(".review-materials"));
        let done = citizen.submit(&format!("{application}/review"), &format!("{application}/submit"), &[("declaration", "yes")]).await;
        assert_eq!(done.status, 303, "{}", done.body);
        let second = id_of(&app, &citizen.get(&format!("{application}/submitted")).await.text(".tracking-number"));
        let staff = clerk.get(&format!("/workspace/applications/{second}")).await;
        assert!(staff.text(".materials .licence-used").contains(&number), "{}", staff.text(".materials"));
        let list = citizen.get("/applications").await;
        assert!(list.text(".next-step").contains("等待部门受理"), "{}", list.text("table"));

        // The first licence is printable, and superseded once the change is delivered.
        let licence = citizen.get(&format!("/applications/{id}/licence")).await;
        assert_eq!(licence.status, 200);
        assert!(licence.text(".doc-number").contains(&number) && !licence.body.contains("已注销"));
        assert_eq!(act(&mut clerk, second, "accept_and_approve", &[("decision", "准予变更登记")]).await.status, 303);
        assert_eq!(act(&mut clerk, second, "deliver", &[]).await.status, 303);
        assert!(citizen.get(&format!("/applications/{id}/licence")).await.text(".notice").contains("已注销或已被新证照替代"));
        assert_eq!(citizen.get(&format!("/applications/{second}/licence")).await.status, 200);
        let mut other = signed_in(&app, "firm@demo.onestop.cn").await;
        assert_eq!(other.get(&format!("/applications/{id}/licence")).await.status, 404);
    }

    async fn the_queue_filters_sorts_and_pages_by_keyset(app) {
        create_demo_accounts(&app);
        let (ok, out, err) = common::onestop(&app.database_url, &["seed", "--applications", "3000", "--citizens", "50", "--clerks", "30"]);
        assert!(ok, "{out}{err}");
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let first = clerk.get("/workspace/SJJ?state=submitted&sort=newest").await;
        assert_eq!(first.status, 200);
        let counted: i64 = first.texts(".state-counts a[aria-current] .count")[0].parse().unwrap();
        let mut seen: Vec<String> = first.texts(".queue-row td:first-child");
        assert_eq!(seen.len(), 50, "a full first page");
        let mut next = first.attrs("a[rel=next]", "href");
        while let Some(href) = next.pop() {
            let page = clerk.get(&href).await;
            assert_eq!(page.status, 200);
            seen.extend(page.texts(".queue-row td:first-child"));
            next = page.attrs("a[rel=next]", "href");
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "no row twice");
        assert_eq!(seen.len() as i64, counted, "every submitted application once");
        // Tracking numbers carry the receipt date: newest first means never rising.
        let dates: Vec<&str> = seen.iter().map(|n| &n[6..14]).collect();
        assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");

        // By deadline: never falling.
        let by_deadline = clerk.get("/workspace/SJJ").await;
        let dues: Vec<String> = by_deadline.texts(".queue-row td:nth-child(5)").into_iter()
            .map(|t| t.split_whitespace().next().unwrap_or("").to_owned()).collect();
        assert!(dues.windows(2).all(|w| w[0] <= w[1]), "{dues:?}");
        // Red cards only.
        let red = clerk.get("/workspace/SJJ?level=red").await;
        let levels = red.texts(".queue-row .level");
        assert!(!levels.is_empty() && levels.iter().all(|l| l == "红牌"), "{levels:?}");
        // The card is a badge in words and colour, not colour alone.
        assert!(red.attrs(".queue-row .level", "class").iter().all(|c| c.contains("level-badge-red")));
        // The dashboard lists the 20 most urgent red cards and links to the queue for the rest.
        let board = clerk.get("/workspace/SJJ/dashboard").await;
        let listed = board.texts(".overdue tr.level-red").len();
        let more_link = board.attrs(".more-overdue a[href='/workspace/SJJ?level=red']", "href").len();
        if levels.len() > 20 {
            assert_eq!((listed, more_link), (20, 1));
        } else {
            assert_eq!((listed, more_link), (levels.len(), 0));
        }
        // Claiming puts it under "mine".
        assert!(clerk.get("/workspace/SJJ?assigned=mine").await.texts(".queue-row").is_empty());
        let claim = first.attrs(".queue-row form[action$='/assign']", "action").remove(0);
        let version = first.attrs(&format!("form[action='{claim}'] input[name=version]"), "value").remove(0);
        let token = first.attrs("input[name=csrf_token]", "value").remove(0);
        assert_eq!(clerk.post_raw(&claim, &[("csrf_token", &token), ("version", &version), ("assignee", &first_user_id(&first))]).await.status, 303);
        assert_eq!(clerk.get("/workspace/SJJ?assigned=mine").await.texts(".queue-row").len(), 1);
        // Bad filters are a clear 400, an unknown state a 404.
        assert_eq!(clerk.get("/workspace/SJJ?level=purple").await.status, 400);
        assert_eq!(clerk.get("/workspace/SJJ?after=garbage").await.status, 400);
        assert_eq!(clerk.get("/workspace/SJJ?state=nonsense").await.status, 404);
    }

    async fn the_dashboard_counts_a_known_day(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let mut ids = Vec::new();
        for _ in 0..3 {
            let number = submit_one(&mut citizen, &code).await;
            ids.push(id_of(&app, &number));
        }
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        for id in &ids[..2] {
            assert_eq!(act(&mut clerk, *id, "accept", &[]).await.status, 303);
        }
        assert_eq!(act(&mut clerk, ids[2], "refuse", &[("note", "不属于本机关职权范围")]).await.status, 303);
        assert_eq!(act(&mut clerk, ids[0], "start_review", &[]).await.status, 303);
        assert_eq!(act(&mut clerk, ids[0], "approve", &[("decision", "准予")]).await.status, 303);
        assert_eq!(act(&mut clerk, ids[0], "deliver", &[]).await.status, 303);

        let board = clerk.get("/workspace/SJJ/dashboard").await;
        assert_eq!(board.status, 200);
        let row = |name: &str| (board.text(&format!(".figure-{name} .today")), board.text(&format!(".figure-{name} .month")));
        assert_eq!(row("received"), ("3".into(), "3".into()));
        assert_eq!(row("accepted"), ("2".into(), "2".into()));
        assert_eq!(row("decided"), ("1".into(), "1".into()));
        assert_eq!(row("closed"), ("2".into(), "2".into()), "delivered and refused");
        assert!(board.text(".on-time").contains("100.0%"));
        assert!(board.text(".per-service").contains("3"));
        let csv = clerk.get("/workspace/SJJ/dashboard.csv").await;
        assert_eq!(csv.status, 200);
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        assert!(csv.body.contains("收件,3,3"), "{}", csv.body);
        let mut other = signed_in(&app, "clerk.wjj@demo.onestop.cn").await;
        assert_eq!(other.get("/workspace/SJJ/dashboard").await.status, 404);
    }

    async fn the_audit_log_is_searchable_and_exported(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let first = submit_one(&mut citizen, &code).await;
        let second = submit_one(&mut citizen, &code).await;
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        assert_eq!(act(&mut clerk, id_of(&app, &first), "accept", &[]).await.status, 303);
        let mut head = signed_in(&app, "head.sjj@demo.onestop.cn").await;
        assert_eq!(act(&mut head, id_of(&app, &second), "accept", &[]).await.status, 303);

        let all = clerk.get("/workspace/SJJ/audit").await;
        assert_eq!(all.texts(".audit-row").len(), 4, "two submissions and two acceptances");
        let one = clerk.get(&format!("/workspace/SJJ/audit?tracking_number={first}")).await;
        assert_eq!(one.texts(".audit-row").len(), 2);
        assert!(one.texts(".audit-row").iter().all(|r| r.contains(&first)));
        let by_head = clerk.get("/workspace/SJJ/audit?actor=%E9%99%88%E7%A7%91%E9%95%BF").await;
        let rows = by_head.texts(".audit-row");
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(rows[0].contains(&second) && rows[0].contains("受理"));
        assert!(rows[0].contains("127.0.0.1"), "the client address is recorded");
        let today = onestop::services::workflow::today();
        let dated = clerk.get(&format!("/workspace/SJJ/audit?from={today}&until={today}")).await;
        assert_eq!(dated.texts(".audit-row").len(), 4);
        let tomorrow = today.succ_opt().unwrap();
        assert!(clerk.get(&format!("/workspace/SJJ/audit?from={tomorrow}")).await.texts(".audit-row").is_empty());
        assert_eq!(clerk.get("/workspace/SJJ/audit?from=31-12-2026").await.status, 400);
        let csv = clerk.get(&format!("/workspace/SJJ/audit.csv?tracking_number={first}")).await;
        assert_eq!(csv.body.lines().count(), 3, "a header and two rows: {}", csv.body);
        assert!(csv.body.contains("accept") && csv.body.contains("clerk.sjj@demo.onestop.cn"));
    }

    async fn supervision_flags_deemed_acceptance_and_records_cards_once(app) {
        use diesel::prelude::*;
        use onestop::db::schema::{applications, departments, outbox, users};
        create_demo_accounts(&app);
        let (ok, out, err) = common::onestop(&app.database_url, &["seed", "--applications", "600", "--citizens", "20", "--clerks", "0"]);
        assert!(ok, "{out}{err}");
        let mut conn = pool(&app).get().unwrap();
        // The seed is a running district's data: a submission left past its five working days
        // was deemed accepted as of receipt on the day it lapsed (supervision ran then), and
        // one still within them was not.
        type Submitted = (i64, bool, chrono::NaiveDate, Option<chrono::NaiveDate>);
        let submitted: Vec<Submitted> = applications::table
            .filter(applications::status.eq("submitted"))
            .select((applications::id, applications::deemed_accepted, applications::received_on.assume_not_null(), applications::accepted_on))
            .load(&mut **conn)
            .unwrap();
        let today = (chrono::Utc::now().naive_utc() + chrono::Duration::hours(8)).date();
        let (deemed, waiting): (Vec<&Submitted>, Vec<&Submitted>) = submitted.iter().partition(|s| s.1);
        let age = |s: &Submitted| today.signed_duration_since(s.2).num_days();
        assert!(deemed.len() > 100 && !waiting.is_empty(), "{} deemed, {} waiting", deemed.len(), waiting.len());
        assert!(deemed.iter().all(|s| s.3 == Some(s.2) && age(s) > 5), "deemed as of receipt, received over five working days ago");
        assert!(waiting.iter().all(|s| s.3.is_none() && age(s) <= 20), "waiting ones are recent (five working days and at most a holiday week)");

        // So the first pass has no acceptance left to deem, only the cards of what is late.
        let (ok, first, err) = common::onestop(&app.database_url, &["supervise"]);
        assert!(ok, "{err}");
        let numbers = |text: &str| -> Vec<u64> { text.split_whitespace().filter_map(|w| w.parse().ok()).collect() };
        let counts = numbers(first.lines().next().unwrap_or_default());
        assert!(counts[0] == 0 && counts[1] > 0, "cards for old applications in a 60-day data set: {first}");

        // Acceptance periods that lapsed since the last pass (here SJJ's, undone): the next
        // pass deems each once, with its audit event and a mail to its own applicant.
        let sjj: i64 = departments::table.filter(departments::code.eq("SJJ")).select(departments::id).first(&mut **conn).unwrap();
        let lapsed = diesel::update(
            applications::table
                .filter(applications::department_id.eq(sjj))
                .filter(applications::status.eq("submitted"))
                .filter(applications::deemed_accepted.eq(true)),
        )
        .set((applications::deemed_accepted.eq(false), applications::accepted_on.eq(None::<chrono::NaiveDate>)))
        .execute(&mut **conn)
        .unwrap();
        assert!(lapsed >= 2, "several lapsed acceptances in SJJ: {lapsed}");
        // Periods lapse with the date, so it is the next day's first pass, a full one, that
        // finds them: forget today's passes.
        diesel::delete(onestop::db::schema::supervision_passes::table).execute(&mut **conn).unwrap();
        let (ok, out, err) = common::onestop(&app.database_url, &["supervise"]);
        assert!(ok, "{err}");
        assert_eq!(numbers(out.lines().next().unwrap_or_default())[0], lapsed as u64, "{out}");
        let (_, second, _) = common::onestop(&app.database_url, &["supervise"]);
        assert_eq!(numbers(second.lines().next().unwrap_or_default()), [0, 0], "nothing twice: {second}");
        // Each mail went to its application's applicant, with its number: the pass reads an
        // applicant's address once and must not hand it to the next case.
        let told: Vec<(String, String, String)> = outbox::table
            .inner_join(applications::table.on(outbox::application_id.eq(applications::id.nullable())))
            .inner_join(users::table.on(users::id.nullable().eq(applications::applicant_id)))
            .filter(outbox::kind.eq("deemed_accepted"))
            .filter(outbox::recipient_id.eq(applications::applicant_id))
            .select((outbox::subject, applications::tracking_number.assume_not_null(), users::email))
            .load(&mut **conn)
            .unwrap();
        assert_eq!(told.len(), lapsed, "one mail each, to its own applicant");
        assert!(told.iter().all(|(subject, number, _)| subject.contains(number.as_str())), "{told:?}");
        let emails: Vec<String> = outbox::table.filter(outbox::kind.eq("deemed_accepted")).select(outbox::recipient_email).load(&mut **conn).unwrap();
        let mut expected: Vec<String> = told.iter().map(|t| t.2.clone()).collect();
        let mut sent = emails.clone();
        expected.sort();
        sent.sort();
        assert_eq!(sent, expected, "each to its applicant's address");

        // A flagged application shows it to the clerk of its department, with its cards.
        let id: i64 = applications::table
            .filter(applications::deemed_accepted.eq(true))
            .filter(applications::department_id.eq(sjj))
            .filter(applications::status.eq("submitted"))
            .select(applications::id)
            .first(&mut **conn)
            .unwrap();
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let page = clerk.get(&format!("/workspace/applications/{id}")).await;
        assert!(page.text(".deemed").contains("视为"), "{}", page.text(".clock"));
        assert!(!page.texts(".cards li").is_empty(), "its cards are listed");
    }
}

/// The signed-in clerk's own id, from a claim form on the queue.
fn first_user_id(page: &Reply) -> String {
    page.attrs(
        ".queue-row form[action$='/assign'] input[name=assignee]",
        "value",
    )
    .remove(0)
}
