//! The clerk's pages as a clerk reads them: the queue finds an application by what the caller
//! on the phone can tell, the case page puts the application before the actions and shows
//! materials in the browser, and states are named in words, never by their codes.

mod common;

use common::{
    act, create_demo_accounts, id_of, on_both_databases, signed_in, sjj_service, submit_one,
};

on_both_databases! {
    async fn a_clerk_finds_an_application_by_number_name_or_the_end_of_the_id(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;

        let rows = |page: &common::Reply| page.texts(".queue-row td:first-child");
        // The tracking number as read out over the phone, in lower case.
        let by_number = clerk.get(&format!("/workspace/SJJ?q={}", number.to_lowercase())).await;
        assert_eq!(by_number.status, 200);
        assert_eq!(rows(&by_number), std::slice::from_ref(&number));
        assert!(by_number.text("h2").contains(&number.to_lowercase()), "the heading says what was searched");
        // Part of the applicant's name; the last digits of the ID, its X in lower case.
        let by_name = clerk.get("/workspace/SJJ?q=%E6%9D%8E").await; // 李
        assert!(rows(&by_name).contains(&number), "{:?}", rows(&by_name));
        let by_id = clerk.get("/workspace/SJJ?q=1002x").await;
        assert_eq!(rows(&by_id), std::slice::from_ref(&number));
        // Three digits are too few to mean an ID: nothing is found by them.
        assert!(rows(&clerk.get("/workspace/SJJ?q=02X").await).is_empty());

        // A finished application is still found, named by its state.
        for step in ["accept", "start_review"] {
            assert_eq!(act(&mut clerk, id, step, &[]).await.status, 303);
        }
        assert_eq!(act(&mut clerk, id, "approve", &[("decision", "准予许可。")]).await.status, 303);
        assert_eq!(act(&mut clerk, id, "deliver", &[]).await.status, 303);
        assert!(rows(&clerk.get("/workspace/SJJ").await).is_empty(), "the queue holds open work only");
        let finished = clerk.get(&format!("/workspace/SJJ?q={number}")).await;
        assert_eq!(rows(&finished), std::slice::from_ref(&number));
        assert_eq!(finished.text(".queue-row .state"), "已办结");

        // Nothing matches: the page says so and how to search instead.
        let none = clerk.get("/workspace/SJJ?q=%E7%8E%8B%E4%BA%94%E5%85%AD").await; // 王五六
        assert_eq!(none.status, 200);
        assert!(none.body.contains("没有找到相符的办件"));
        // LIKE's wild cards are text: "%" finds nothing rather than everything.
        assert!(rows(&clerk.get("/workspace/SJJ?q=%25").await).is_empty());
        // Another department's clerk cannot find it in their queue.
        let mut other = signed_in(&app, "clerk.wjj@demo.onestop.cn").await;
        assert!(rows(&other.get(&format!("/workspace/WJJ?q={number}")).await).is_empty());
        // An overlong search is a clear 400, not a slow query.
        assert_eq!(clerk.get(&format!("/workspace/SJJ?q={}", "1".repeat(51))).await.status, 400);
    }

    async fn the_case_page_puts_the_application_first_and_shows_materials_in_the_browser(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;

        let page = clerk.get(&format!("/workspace/applications/{id}")).await;
        let application = page.body.find("id=\"application-title\"").expect("the application section");
        let actions = page.body.find("id=\"actions-title\"").expect("the actions section");
        assert!(application < actions, "the application and its materials come before the actions");
        // Before acceptance, the acceptance deadline leads.
        let first_deadline = page.texts(".deadlines dt").remove(0);
        assert_eq!(first_deadline, "受理期限（5个工作日）");
        // A note the applicant will be sent is labelled so.
        assert!(page.text("label[for=accept-note]").contains("申请人可见"), "{}", page.text("label[for=accept-note]"));

        // A material opens in the browser, as what it is, under a policy of its own.
        let view = page.attrs(".materials a[href$='/view']", "href");
        assert!(!view.is_empty(), "every file can be viewed");
        let shown = clerk.get(&view[0]).await;
        assert_eq!(shown.status, 200);
        assert_eq!(shown.header("content-type"), Some("application/pdf"));
        assert!(shown.header("content-disposition").unwrap_or("").starts_with("inline"));
        let policy = shown.header("content-security-policy").unwrap_or("");
        assert!(policy.contains("default-src 'none'") && !policy.contains("script-src"), "{policy}");
        assert_eq!(shown.header("x-content-type-options"), Some("nosniff"));
        // The download stays a download, and another department gets 404 for both.
        let download = view[0].trim_end_matches("/view");
        assert!(clerk.get(download).await.header("content-disposition").unwrap_or("").starts_with("attachment"));
        let mut other = signed_in(&app, "clerk.wjj@demo.onestop.cn").await;
        assert_eq!(other.get(&view[0]).await.status, 404);

        // After acceptance, the acceptance deadline is history and goes last.
        assert_eq!(act(&mut clerk, id, "accept", &[]).await.status, 303);
        let accepted = clerk.get(&format!("/workspace/applications/{id}")).await;
        let labels = accepted.texts(".deadlines dt");
        assert_ne!(labels[0], "受理期限（5个工作日）", "{labels:?}");
        assert_eq!(labels.last().map(String::as_str), Some("受理期限（5个工作日）"), "{labels:?}");
        assert_eq!(labels.iter().filter(|l| *l == "受理期限（5个工作日）").count(), 1);
    }

    async fn timelines_and_logs_name_states_never_codes(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        assert_eq!(act(&mut clerk, id, "accept", &[]).await.status, 303);

        let timeline = clerk.get(&format!("/workspace/applications/{id}")).await.text(".timeline");
        assert!(timeline.contains("已收件 → 已受理"), "{timeline}");
        assert!(timeline.contains("草稿"), "{timeline}");
        let audit = clerk.get("/workspace/SJJ/audit").await.text("table");
        for text in [&timeline, &audit] {
            for code in ["draft", "submitted", "accepted", "—"] {
                assert!(!text.contains(code), "{code} in {text}");
            }
        }
        assert!(audit.contains("已受理"), "{audit}");
    }

    async fn in_english_chinese_names_and_notes_are_marked_as_chinese(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        assert_eq!(act(&mut clerk, id, "accept", &[("note", "材料齐全，予以受理")]).await.status, 303);
        clerk.cookies.insert("lang".into(), "en".into());

        let queue = clerk.get("/workspace/SJJ").await;
        assert_eq!(queue.attrs("html", "lang"), ["en"]);
        let row = format!("tr.queue-row:has(a[href='/workspace/applications/{id}'])");
        assert_eq!(queue.attrs(&format!("{row} td[lang=zh-CN]"), "lang").len(), 1, "the applicant's name, and only that");
        assert_eq!(queue.text(&format!("{row} td[lang=zh-CN]")), "李明");
        let service = queue.texts(&format!("{row} td:nth-child(2)")).remove(0);
        assert!(service.is_ascii(), "the service in English: {service}");

        let case = clerk.get(&format!("/workspace/applications/{id}")).await;
        assert_eq!(case.text(".timeline .note[lang=zh-CN]"), "材料齐全，予以受理");
        assert_eq!(case.text(".applicant span[lang=zh-CN]"), "李明");
        // English text is never marked as Chinese.
        for marked in case.texts("[lang=zh-CN]") {
            assert!(!marked.is_ascii() || marked.is_empty(), "{marked}");
        }
    }
}
