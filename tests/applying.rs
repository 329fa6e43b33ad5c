//! Applying online: drafts kept as typed and resumed on another device, the check-your-answers
//! step, submission with the declaration and a tracking number, and nobody else's application.

mod common;

use common::{
    Browser, DEMO_PASSWORD, PDF, create_demo_accounts, on_both_databases, save, start, submit_one,
    upload_missing,
};
use onestop::domain::tracking::TrackingNumber;

const FOOD_LICENCE_NEW: &str = "440306-SJJ-XK-0013-01";

/// The first service an individual may apply for, with a generated form.
async fn service_for_citizens(app: &common::TestApp) -> String {
    let list = app
        .get("/api/v1/services?applicant=natural&limit=1")
        .await
        .json();
    list["items"][0]["code"].as_str().unwrap().to_owned()
}

on_both_databases! {
    async fn anyone_can_follow_an_application_with_its_number_and_four_characters(app) {
        create_demo_accounts(&app);
        let code = service_for_citizens(&app).await;
        let mut citizen = Browser::new(&app);
        citizen.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        let number = submit_one(&mut citizen, &code).await;

        let mut visitor = Browser::new(&app);
        // The demo citizen: mobile 13800138000, resident ID 11010519491231002X.
        for last_four in ["8000", "002x"] {
            let found = visitor.submit("/track", "/track", &[("tracking_number", &number), ("last_four", last_four)]).await;
            assert_eq!(found.status, 200, "{last_four}");
            assert!(found.text(".progress").contains("已提交"), "{}", found.text(".progress"));
            assert!(found.text(".timeline").contains("提交申请"));
            assert!(!found.body.contains("李明") && !found.body.contains("13912345678"), "no personal data");
        }
        let wrong_check = visitor.submit("/track", "/track", &[("tracking_number", &number), ("last_four", "1234")]).await;
        let unknown = TrackingNumber::new(chrono::Utc::now().date_naive(), 1).to_string();
        let wrong_number = visitor.submit("/track", "/track", &[("tracking_number", &unknown), ("last_four", "8000")]).await;
        let malformed = visitor.submit("/track", "/track", &[("tracking_number", "abc"), ("last_four", "8000")]).await;
        for reply in [&wrong_check, &wrong_number, &malformed] {
            assert_eq!(reply.status, 404);
            assert_eq!(reply.text(".error-summary"), wrong_check.text(".error-summary"), "the same answer for every miss");
        }
        assert_eq!(malformed.attrs("#tracking_number", "value"), ["abc"]);

        // In English, the service and the department are named in English, on the lookup and
        // on the applicant's list.
        let cjk = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        visitor.cookies.insert("lang".into(), "en".into());
        let english = visitor.submit("/track", "/track", &[("tracking_number", &number), ("last_four", "8000")]).await;
        assert_eq!(english.status, 200);
        assert!(!cjk(&english.text(".progress")), "{}", english.text(".progress"));
        citizen.cookies.insert("lang".into(), "en".into());
        let list = citizen.get("/applications").await;
        let row = list.text(".application-row th");
        assert!(!row.is_empty() && !cjk(&row), "{row}");
    }

    async fn an_application_can_be_withdrawn_before_a_decision_once(app) {
        create_demo_accounts(&app);
        let code = service_for_citizens(&app).await;
        let mut citizen = Browser::new(&app);
        citizen.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        submit_one(&mut citizen, &code).await;
        let href = citizen.get("/applications").await.attrs(".application-row a", "href").remove(0);
        let withdrawn = citizen.submit(&href, &format!("{href}/withdraw"), &[("reason", "材料需要重新准备")]).await;
        assert_eq!(withdrawn.status, 303);
        let detail = citizen.get(&href).await;
        assert_eq!(detail.text(".facts .status"), "已撤回");
        assert!(detail.text(".timeline").contains("申请人撤回申请: 材料需要重新准备"), "{}", detail.text(".timeline"));
        assert!(detail.texts("form[action$=withdraw]").is_empty(), "no second withdrawal offered");
        let token = detail.attrs("input[name=csrf_token]", "value").remove(0);
        let again = citizen.post_raw(&format!("{href}/withdraw"), &[("csrf_token", &token)]).await;
        assert_eq!(again.status, 409);
        let mut other = Browser::new(&app);
        other.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await;
        let token = other.get("/account").await.attrs("input[name=csrf_token]", "value").remove(0);
        assert_eq!(other.post_raw(&format!("{href}/withdraw"), &[("csrf_token", &token)]).await.status, 404);
    }

    async fn simultaneous_submissions_get_distinct_numbers_and_one_submission_each(app) {
        create_demo_accounts(&app);
        let list = app.get("/api/v1/services?applicant=natural&limit=100").await.json();
        let codes: Vec<String> = list["items"].as_array().unwrap().iter()
            .filter(|s| s["item_code"] != "440306-MZJ-JF-0001")
            .map(|s| s["code"].as_str().unwrap().to_owned())
            .take(6)
            .collect();
        let mut citizen = Browser::new(&app);
        citizen.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        let mut applications = Vec::new();
        for code in &codes {
            let application = start(&mut citizen, code).await;
            let fields = [("matter", "申请说明"), ("contact_phone", "13912345678"), ("delivery", "electronic")];
            let reply = save(&mut citizen, &application, "continue", &fields).await;
            assert_eq!(reply.status, 303, "{code}: {}", reply.body);
            upload_missing(&mut citizen, &application).await;
            applications.push(application);
        }
        let token = citizen.get("/account").await.attrs("input[name=csrf_token]", "value").remove(0);
        let cookie = citizen.cookies.clone();
        // Every application submitted twice at once: 12 requests in flight together.
        let requests = applications.iter().chain(applications.iter()).map(|application| {
            let (app, token, cookie) = (&app, token.clone(), cookie.clone());
            async move {
                let mut browser = Browser::new(app);
                browser.cookies = cookie;
                browser.post_raw(&format!("{application}/submit"), &[("csrf_token", &token), ("declaration", "yes")]).await.status
            }
        });
        let statuses = futures_util::future::join_all(requests).await;
        assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
        let mut numbers = std::collections::BTreeSet::new();
        for application in &applications {
            let page = citizen.get(application).await;
            numbers.insert(page.text(".tracking"));
            let submitted = page.texts(".timeline li").iter().filter(|e| e.contains("提交申请")).count();
            assert_eq!(submitted, 1, "exactly one submission event for {application}");
        }
        assert_eq!(numbers.len(), applications.len(), "{numbers:?}");
    }

    async fn repeated_failed_lookups_are_throttled(app) {
        create_demo_accounts(&app);
        let code = service_for_citizens(&app).await;
        let mut citizen = Browser::new(&app);
        citizen.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        let number = submit_one(&mut citizen, &code).await;
        let mut prober = Browser::new(&app);
        for guess in 0..10 {
            let reply = prober.submit("/track", "/track", &[("tracking_number", &number), ("last_four", &format!("{guess:04}"))]).await;
            assert_eq!(reply.status, 404, "guess {guess}");
        }
        let blocked = prober.submit("/track", "/track", &[("tracking_number", &number), ("last_four", "8000")]).await;
        assert_eq!(blocked.status, 429);
        assert!(blocked.header("retry-after").is_some());
    }


    async fn a_citizen_saves_a_draft_resumes_it_elsewhere_and_submits_once(app) {
        create_demo_accounts(&app);
        let code = service_for_citizens(&app).await;
        let mut laptop = Browser::new(&app);
        laptop.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        let application = start(&mut laptop, &code).await;
        let edit = laptop.get(&format!("{application}/edit")).await;
        assert!(edit.text("#applicant-heading + p + .facts").contains("李明"), "the applicant block comes from the account");
        assert_eq!(edit.attrs("#name", "value").len(), 0, "the applicant's name is not asked again");

        let saved = save(&mut laptop, &application, "save", &[("matter", "申请价格认定，涉及一批二手设备"), ("contact_phone", "12")]).await;
        assert_eq!(saved.status, 422, "a malformed phone is named");
        assert!(saved.text("#contact_phone-hint").contains("手机号码"), "{}", saved.text(".error-summary"));
        assert_eq!(saved.text("#matter"), "申请价格认定，涉及一批二手设备", "kept as typed");

        // Another device: the same account finds the draft with everything typed.
        let mut phone = Browser::new(&app);
        phone.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        let list = phone.get("/applications").await;
        assert_eq!(list.texts(".application-row").len(), 1);
        assert!(list.text(".application-row .status").contains("草稿"));
        let resumed = phone.get(&format!("{application}/edit")).await;
        assert_eq!(resumed.text("#matter"), "申请价格认定，涉及一批二手设备");
        assert_eq!(resumed.attrs("#contact_phone", "value"), ["12"]);

        let incomplete = save(&mut phone, &application, "continue", &[("matter", "申请价格认定，涉及一批二手设备"), ("contact_phone", "13912345678"), ("delivery", "post")]).await;
        assert_eq!(incomplete.status, 422);
        assert_eq!(incomplete.attrs(".error-summary a", "href"), ["#post_address"]);
        // The error names its field, in the summary and at the field.
        assert_eq!(incomplete.text(".error-summary a"), "请填写邮寄地址");
        assert_eq!(incomplete.text("#post_address-hint .error-message"), "请填写邮寄地址");
        let complete = save(&mut phone, &application, "continue", &[
            ("matter", "申请价格认定，涉及一批二手设备"), ("contact_phone", "13912345678"), ("delivery", "post"), ("post_address", "深圳市宝安区新安街道1号"),
        ]).await;
        assert_eq!(complete.status, 303);
        assert_eq!(complete.header("location"), Some(format!("{application}/materials").as_str()));

        // Documents: submitting without them names what is missing; then they are uploaded.
        let early = phone.submit(&format!("{application}/review"), &format!("{application}/submit"), &[("declaration", "yes")]).await;
        assert_eq!(early.status, 422);
        assert!(early.text(".error-summary").contains("尚未上传"), "{}", early.text(".error-summary"));
        let uploaded = upload_missing(&mut phone, &application).await;
        assert!(!uploaded.is_empty());

        let review = phone.get(&format!("{application}/review")).await;
        let answers = review.texts(".answers").join(" ");
        assert!(answers.contains("13912345678") && answers.contains("邮寄（EMS）") && answers.contains("深圳市宝安区新安街道1号"), "{answers}");
        let no_declaration = phone.submit(&format!("{application}/review"), &format!("{application}/submit"), &[]).await;
        assert_eq!(no_declaration.status, 422);
        assert!(no_declaration.text(".error-summary").contains("承诺"));

        let submitted = phone.submit(&format!("{application}/review"), &format!("{application}/submit"), &[("declaration", "yes")]).await;
        assert_eq!(submitted.status, 303);
        let confirmation = phone.get(&format!("{application}/submitted")).await;
        let number = confirmation.text(".tracking-number");
        assert!(TrackingNumber::parse(&number).is_ok(), "{number}");
        assert!(number.starts_with("440306"));

        // The same form sent again (a double click, a reload) changes nothing.
        let token = confirmation.attrs("input[name=csrf_token]", "value").remove(0);
        let again = phone.post_raw(&format!("{application}/submit"), &[("csrf_token", &token), ("declaration", "yes")]).await;
        assert_eq!(again.status, 303);
        assert_eq!(phone.get(&format!("{application}/submitted")).await.text(".tracking-number"), number);
        let list = laptop.get("/applications").await;
        assert_eq!(list.texts(".application-row").len(), 1);
        assert!(list.text(".application-row").contains(&number));
        let detail = laptop.get(&application).await;
        assert_eq!(detail.texts(".timeline li").len(), 2, "started and submitted");
        assert!(detail.text(".timeline").contains("提交申请"));
        // A submitted application cannot be edited.
        assert_eq!(laptop.get(&format!("{application}/edit")).await.status, 303);
        let token = laptop.get("/account").await.attrs("input[name=csrf_token]", "value").remove(0);
        let late = laptop.post_raw(&format!("{application}/edit"), &[("csrf_token", &token), ("version", "3"), ("action", "save"), ("matter", "改")]).await;
        assert_eq!(late.status, 303);
        assert!(laptop.get(&application).await.text(".answers").contains("二手设备"));
    }

    async fn uploads_are_checked_by_content_and_size_and_served_back_safely(app) {
        create_demo_accounts(&app);
        let mut firm = Browser::new(&app);
        firm.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await;
        let application = start(&mut firm, FOOD_LICENCE_NEW).await;
        let materials = format!("{application}/materials");
        let material = "食品安全管理制度清单";

        let exe = firm.upload(&materials, material, "制度.pdf", b"MZ\x90\x00 this is a program").await;
        assert_eq!(exe.status, 422);
        assert!(exe.text(".error-summary").contains("PDF、JPEG 或 PNG"), "{}", exe.text(".error-summary"));

        let big = vec![b'x'; 1024 * 1024 + 10];
        let mut pdf_big = b"%PDF-1.4\n".to_vec();
        pdf_big.extend_from_slice(&big);
        let too_large = firm.upload(&materials, material, "big.pdf", &pdf_big).await;
        assert_eq!(too_large.status, 413);

        let tricky = firm.upload(&materials, material, "../../etc/制度.pdf", PDF).await;
        assert_eq!(tricky.status, 303);
        let page = firm.get(&materials).await;
        let href = page.attrs(".files a", "href").remove(0);
        assert_eq!(page.texts(".files a"), ["制度.pdf"]);
        let download = firm.get(&href).await;
        assert_eq!(download.status, 200);
        assert_eq!(download.header("content-type"), Some("application/pdf"));
        let disposition = download.header("content-disposition").unwrap();
        assert!(disposition.starts_with("attachment") && disposition.contains("UTF-8''%E5%88%B6%E5%BA%A6.pdf"), "{disposition}");
        assert_eq!(download.body.as_bytes(), PDF);

        let mut citizen = Browser::new(&app);
        citizen.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        assert_eq!(citizen.get(&href).await.status, 404, "somebody else's file");
        assert_eq!(citizen.get(&materials).await.status, 404);

        // The application's total is limited too (3 MiB in the tests: the small file and three of
        // 1000 KiB fit, a fourth does not).
        let almost = {
            let mut v = b"%PDF-1.4\n".to_vec();
            v.extend(std::iter::repeat_n(b'y', 1000 * 1024));
            v
        };
        for _ in 0..3 {
            assert_eq!(firm.upload(&materials, material, "part.pdf", &almost).await.status, 303);
        }
        let full = firm.upload(&materials, material, "part.pdf", &almost).await;
        assert_eq!(full.status, 413);
        assert!(full.text(".error-summary").contains("合计"), "{}", full.text(".error-summary"));
    }

    async fn a_deferrable_material_may_be_missing_with_a_pledge(app) {
        create_demo_accounts(&app);
        let mut firm = Browser::new(&app);
        firm.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await;
        let application = start(&mut firm, FOOD_LICENCE_NEW).await;
        let materials = format!("{application}/materials");
        let page = firm.get(&materials).await;
        let names = page.texts(".material h2");
        let statuses = page.texts(".material .material-status");
        let deferrable = "食品安全管理人员健康证明";
        assert!(names.contains(&deferrable.to_owned()), "{names:?}");
        assert!(statuses.iter().any(|s| s.contains("免提交")), "shared documents need no upload: {statuses:?}");
        for (name, status) in names.iter().zip(&statuses) {
            if status.contains("尚未上传") && name != deferrable {
                assert_eq!(firm.upload(&materials, name, "m.pdf", PDF).await.status, 303);
            }
        }
        let statuses = firm.get(&materials).await.texts(".material .material-status");
        assert_eq!(statuses.iter().filter(|s| s.contains("尚未上传")).count(), 1, "{statuses:?}");
        let pledged = firm.submit(&materials, &format!("{application}/pledges"), &[("material", deferrable), ("pledged", "yes")]).await;
        assert_eq!(pledged.status, 303);
        let statuses = firm.get(&materials).await.texts(".material .material-status");
        assert!(statuses.iter().any(|s| s.contains("已承诺容缺")), "{statuses:?}");
        let not_deferrable = firm.submit(&materials, &format!("{application}/pledges"), &[("material", "食品安全管理制度清单"), ("pledged", "yes")]).await;
        assert_eq!(not_deferrable.status, 400);
    }

    async fn my_applications_are_listed_twenty_a_page_without_gaps(app) {
        create_demo_accounts(&app);
        let list = app.get("/api/v1/services?applicant=natural&limit=22").await.json();
        let mut citizen = Browser::new(&app);
        citizen.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        for service in list["items"].as_array().unwrap() {
            start(&mut citizen, service["code"].as_str().unwrap()).await;
        }
        let first = citizen.get("/applications").await;
        let first_rows = first.attrs(".application-row a", "href");
        assert_eq!(first_rows.len(), 20);
        let next = first.attrs(".pagination a[rel=next]", "href").remove(0);
        let second = citizen.get(&next).await;
        let second_rows = second.attrs(".application-row a", "href");
        assert_eq!(second_rows.len(), 2);
        assert!(second_rows.iter().all(|r| !first_rows.contains(r)));
        assert!(second.attrs(".pagination a[rel=next]", "href").is_empty());
        assert_eq!(citizen.get("/applications?before=yesterday").await.status, 400);
    }

    async fn starting_twice_resumes_the_same_draft(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        browser.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await;
        let first = start(&mut browser, FOOD_LICENCE_NEW).await;
        let second = start(&mut browser, FOOD_LICENCE_NEW).await;
        assert_eq!(first, second);
    }

    async fn the_food_licence_form_is_rich_and_keeps_values_on_error(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        browser.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await;
        let application = start(&mut browser, FOOD_LICENCE_NEW).await;
        let page = browser.get(&format!("{application}/edit")).await;
        for field in ["premises_address", "delivery", "agent_name"] {
            assert_eq!(page.texts(&format!("#{field}")).len(), 1, "{field}");
        }
        assert!(page.texts("select option").len() > 5);
        // A phone shows a number pad for numbers and phone numbers.
        assert_eq!(page.attrs("#premises_area", "inputmode"), ["decimal"]);
        assert_eq!(page.attrs("#food_safety_manager_phone", "inputmode"), ["tel"]);
        let reply = save(&mut browser, &application, "continue", &[("premises_address", "深圳市宝安区西乡街道2号"), ("premises_area", "abc")]).await;
        assert_eq!(reply.status, 422);
        assert!(reply.attrs(".error-summary a", "href").contains(&"#premises_area".to_owned()));
        assert_eq!(reply.attrs("#premises_address", "value"), ["深圳市宝安区西乡街道2号"]);
        assert_eq!(reply.attrs("#premises_area", "value"), ["abc"]);
    }

    async fn an_incomplete_draft_submitted_from_check_your_answers_gets_its_problems_named(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        browser.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await;
        let application = start(&mut browser, FOOD_LICENCE_NEW).await;
        // A draft saved half-way; the applicant goes to "check your answers" and submits.
        let draft = save(&mut browser, &application, "save", &[("premises_address", "深圳市宝安区西乡街道2号"), ("premises_area", "abc")]).await;
        assert_eq!(draft.status, 422, "saved as typed, the malformed area shown");
        let reply = browser.submit(&format!("{application}/review"), &format!("{application}/submit"), &[("declaration", "yes")]).await;
        assert_eq!(reply.status, 422, "not a bare redirect: {:?}", reply.header("location"));
        assert_eq!(reply.attrs("#premises_address", "value"), ["深圳市宝安区西乡街道2号"], "the form, as saved");
        let errors = reply.texts(".error-summary a");
        assert!(errors.len() > 3, "every problem listed: {errors:?}");
        assert!(errors.contains(&"请填写从业人员数（人）".to_owned()), "{errors:?}");
        assert!(errors.contains(&"请选择经营项目".to_owned()), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("经营场所面积") && e.contains("数字")), "{errors:?}");
        assert!(errors.iter().all(|e| e != "此项为必填项"), "no error without its field: {errors:?}");
        assert_eq!(reply.attrs("#premises_area", "aria-invalid"), ["true"]);
        assert!(browser.get(&format!("{application}/submitted")).await.header("location").is_some(), "nothing was submitted");
    }

    async fn the_way_through_shows_its_steps_and_the_check_links_every_section(app) {
        create_demo_accounts(&app);
        let code = common::sjj_service(&app).await;
        let mut citizen = common::signed_in(&app, "citizen@demo.onestop.cn").await;
        let current = |page: &common::Reply| page.texts(".apply-steps li[aria-current=step]");
        let application = start(&mut citizen, &code).await;
        let edit = citizen.get(&format!("{application}/edit")).await;
        assert_eq!(current(&edit).len(), 1);
        assert!(current(&edit)[0].contains("填写申请表"), "{:?}", current(&edit));
        let fields = [("matter", "申请说明"), ("contact_phone", "13912345678"), ("delivery", "electronic")];
        assert_eq!(save(&mut citizen, &application, "continue", &fields).await.status, 303);
        let materials = citizen.get(&format!("{application}/materials")).await;
        assert!(current(&materials)[0].contains("上传材料"));
        assert!(materials.texts(".apply-steps li.done").iter().any(|t| t.contains("填写申请表")), "the form is done");
        assert_eq!(materials.attrs("a.button-link", "href"), [format!("{application}/review")], "continue looks like a button");
        upload_missing(&mut citizen, &application).await;

        let review = citizen.get(&format!("{application}/review")).await;
        assert!(current(&review)[0].contains("核对信息"));
        let titles = review.texts(".answers-head h2");
        assert!(titles.contains(&"申请内容".to_owned()) && titles.contains(&"结果领取方式".to_owned()), "{titles:?}");
        assert!(!titles.iter().any(|t| t.starts_with("经办人")), "no agent, no agent section: {titles:?}");
        // Every section has its own "change" link, to that section of the form.
        let changes = review.attrs(".answers-head a", "href");
        assert_eq!(changes.len(), titles.len());
        for (href, title) in changes.iter().zip(&titles) {
            if let Some((path, anchor)) = href.split_once('#') {
                assert_eq!(path, format!("{application}/edit"));
                assert_eq!(edit.text(&format!("#{anchor} > legend")), *title, "{href}");
            } else {
                assert_eq!(href, &format!("{application}/materials"), "the materials' change link");
            }
        }

        let number = submit_one_from_review(&mut citizen, &application).await;
        let mine = citizen.get(&application).await;
        let stages = mine.attrs(".progress-steps .stage", "class");
        assert_eq!(stages, ["stage stage-done", "stage stage-current", "stage stage-todo", "stage stage-todo"]);
        let acceptance = mine.texts(".progress-steps .stage-current").remove(0);
        assert!(acceptance.contains("受理") && acceptance.contains("最迟"), "the current step with its deadline: {acceptance}");

        let id = common::id_of(&app, &number);
        let mut clerk = common::signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        assert_eq!(common::act(&mut clerk, id, "accept", &[]).await.status, 303);
        let accepted = citizen.get(&application).await;
        assert_eq!(accepted.attrs(".progress-steps .stage", "class"), ["stage stage-done", "stage stage-done", "stage stage-current", "stage stage-todo"]);
        assert!(accepted.text(".progress-steps .stage-current").contains("最迟"));
    }

    async fn an_applicant_of_the_wrong_kind_is_told_so(app) {
        create_demo_accounts(&app);
        let mut citizen = Browser::new(&app);
        citizen.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        let reply = citizen.submit(&format!("/services/{FOOD_LICENCE_NEW}"), &format!("/services/{FOOD_LICENCE_NEW}/apply"), &[]).await;
        assert_eq!(reply.status, 403);
        assert_eq!(reply.text("h1"), "该事项不面向您的账户类型");
        let mut clerk = Browser::new(&app);
        clerk.sign_in("clerk.sjj@demo.onestop.cn", DEMO_PASSWORD).await;
        let reply = clerk.submit(&format!("/services/{FOOD_LICENCE_NEW}"), &format!("/services/{FOOD_LICENCE_NEW}/apply"), &[]).await;
        assert_eq!(reply.status, 403);
        let mut anonymous = Browser::new(&app);
        let reply = anonymous.submit(&format!("/services/{FOOD_LICENCE_NEW}"), &format!("/services/{FOOD_LICENCE_NEW}/apply"), &[]).await;
        assert_eq!(reply.status, 303);
        assert!(reply.header("location").unwrap().starts_with("/login?next="));
    }

    async fn somebody_elses_application_is_not_found(app) {
        create_demo_accounts(&app);
        let mut owner = Browser::new(&app);
        owner.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await;
        let application = start(&mut owner, FOOD_LICENCE_NEW).await;
        let mut other = Browser::new(&app);
        other.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        for path in [application.clone(), format!("{application}/edit"), format!("{application}/review"), format!("{application}/submitted")] {
            assert_eq!(other.get(&path).await.status, 404, "{path}");
        }
        let token = other.get("/account").await.attrs("input[name=csrf_token]", "value").remove(0);
        let post = other.post_raw(&format!("{application}/submit"), &[("csrf_token", &token), ("declaration", "yes")]).await;
        assert_eq!(post.status, 404);
        let post = other.post_raw(&format!("{application}/edit"), &[("csrf_token", &token), ("version", "1"), ("action", "save")]).await;
        assert_eq!(post.status, 404);
        assert_eq!(other.get("/applications/999999").await.status, 404);
        assert_eq!(other.get("/applications/abc").await.status, 404);
    }

    async fn a_draft_changed_on_another_device_is_not_overwritten(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        browser.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await;
        let application = start(&mut browser, FOOD_LICENCE_NEW).await;
        let edit = format!("{application}/edit");
        let stale = browser.get(&edit).await.attrs("input[name=version]", "value").remove(0);
        save(&mut browser, &application, "save", &[("premises_address", "第一次")]).await;
        let reply = browser.submit(&edit, &edit, &[("version", &stale), ("action", "save"), ("premises_address", "第二次")]).await;
        assert_eq!(reply.status, 409);
        assert_eq!(browser.get(&edit).await.attrs("#premises_address", "value"), ["第一次"]);
    }
}

/// Submits an application from its check-your-answers page; returns the tracking number.
async fn submit_one_from_review(browser: &mut Browser<'_>, application: &str) -> String {
    let review = format!("{application}/review");
    let done = browser
        .submit(
            &review,
            &format!("{application}/submit"),
            &[("declaration", "yes")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let submitted = browser.get(&format!("{application}/submitted")).await;
    assert!(submitted.texts(".apply-steps li[aria-current=step]")[0].contains("提交"));
    submitted.text(".tracking-number")
}
