//! The decision and the licence as documents: the decision carries its own document number
//! (文号), numbered per department and year, the issuing department and the date; the licence
//! states what the application said (legal representative, premises, scope) and its validity;
//! no title is wrapped in 《》 twice; in English every fixed text is English.

mod common;

use common::{
    Browser, TestApp, act, create_demo_accounts, id_of, on_both_databases, save, signed_in,
    sjj_service, start, submit_one, upload_missing,
};

const FOOD_LICENCE_NEW: &str = "440306-SJJ-XK-0013-01";
const SJJ: &str = "深圳市市场监督管理局宝安监管局";

/// A submitted application decided by the SJJ clerk: accepted, reviewed and approved.
async fn approved(clerk: &mut Browser<'_>, id: i64) {
    assert_eq!(act(clerk, id, "accept", &[]).await.status, 303);
    assert_eq!(act(clerk, id, "start_review", &[]).await.status, 303);
    let approved = act(clerk, id, "approve", &[("decision", "准予许可。")]).await;
    assert_eq!(approved.status, 303, "{}", approved.body);
}

/// Today in Beijing, as a decision document dates it.
fn today() -> chrono::NaiveDate {
    onestop::services::workflow::today()
}

fn chinese_date(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", day.year(), day.month(), day.day())
}

/// Every piece of text in `selector` that has Chinese in it sits inside an element marked
/// `lang="zh-CN"`: the fixed texts are English, names and typed text are marked.
fn chinese_outside_zh(reply: &common::Reply, selector: &str) -> Vec<String> {
    let html = reply.html();
    let selector = scraper::Selector::parse(selector).unwrap();
    let mut found = Vec::new();
    for root in html.select(&selector) {
        for node in root.descendants() {
            let Some(text) = node.value().as_text() else {
                continue;
            };
            let chinese = text.chars().any(|c| {
                ('\u{4e00}'..='\u{9fff}').contains(&c) || "（）：；、《》〔〕".contains(c)
            });
            let marked = node.ancestors().any(|a| {
                a.value()
                    .as_element()
                    .is_some_and(|e| e.attr("lang") == Some("zh-CN"))
            });
            if chinese && !marked {
                found.push(text.trim().to_owned());
            }
        }
    }
    found
}

/// The demo firm's food licence application with its own answers; returns its id.
async fn food_licence_application(app: &TestApp, firm: &mut Browser<'_>) -> i64 {
    let application = start(firm, FOOD_LICENCE_NEW).await;
    let saved = save(
        firm,
        &application,
        "continue",
        &[
            // Not the account's legal representative (张华): the licence names the application's.
            ("legal_representative", "赵立新"),
            ("domicile", "深圳市宝安区新安街道海旺社区宝兴路6号"),
            ("premises_address", "深圳市宝安区西乡街道宝源路1001号一楼"),
            ("premises_area", "86"),
            ("main_format", "catering"),
            ("business_items", "hot_food"),
            ("business_items", "homemade_drinks"),
            ("food_safety_manager", "陈晓燕"),
            ("food_safety_manager_phone", "13712345678"),
            ("staff_count", "8"),
            ("health_certificate_count", "8"),
            ("delivery", "electronic"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    upload_missing(firm, &application).await;
    let done = firm
        .submit(
            &format!("{application}/review"),
            &format!("{application}/submit"),
            &[("declaration", "yes")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let number = firm
        .get(&format!("{application}/submitted"))
        .await
        .text(".tracking-number");
    id_of(app, &number)
}

on_both_databases! {
    async fn a_decision_carries_its_own_number_the_issuer_and_the_date(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let first_number = submit_one(&mut citizen, &code).await;
        let second_number = submit_one(&mut citizen, &code).await;
        let (first, second) = (id_of(&app, &first_number), id_of(&app, &second_number));
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        assert_eq!(citizen.get(&format!("/applications/{first}/decision")).await.status, 404, "no decision yet");

        approved(&mut clerk, first).await;
        approved(&mut clerk, second).await;

        let year = chrono::Datelike::year(&today());
        for (id, tracking, sequence) in [(first, &first_number, 1), (second, &second_number, 2)] {
            let page = citizen.get(&format!("/applications/{id}/decision")).await;
            assert_eq!(page.status, 200);
            let number = page.text(".doc-number [lang]");
            assert_eq!(number, format!("深宝市监许〔{year}〕{sequence}号"), "consecutive in the department's year");
            assert_ne!(&number, tracking);
            assert!(page.text(".tracking").contains(tracking.as_str()), "the tracking number is shown apart");
            assert_eq!(page.text(".issuer"), SJJ);
            assert_eq!(page.text(".signature .issuer-name"), SJJ);
            assert_eq!(page.text(".signature .date"), chinese_date(today()));
            assert_eq!(page.text(".signature .seal"), "（印章）");
            assert!(page.text(".addressee").contains("李明"));
            assert!(!page.body.contains("《《") && !page.body.contains("》》"), "no doubled title marks");
        }
        // Somebody else's decision is not found.
        let mut other = signed_in(&app, "firm@demo.onestop.cn").await;
        assert_eq!(other.get(&format!("/applications/{first}/decision")).await.status, 404);
    }

    async fn decisions_made_at_once_get_different_consecutive_numbers(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let mut ids = Vec::new();
        for _ in 0..2 {
            let number = submit_one(&mut citizen, &code).await;
            ids.push(id_of(&app, &number));
        }
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let mut head = signed_in(&app, "head.sjj@demo.onestop.cn").await;
        for id in &ids {
            assert_eq!(act(&mut clerk, *id, "accept", &[]).await.status, 303);
            assert_eq!(act(&mut clerk, *id, "start_review", &[]).await.status, 303);
        }
        let (a, b) = futures_util::future::join(
            act(&mut clerk, ids[0], "approve", &[("decision", "准予许可。")]),
            act(&mut head, ids[1], "approve", &[("decision", "准予许可。")]),
        ).await;
        assert_eq!((a.status.as_u16(), b.status.as_u16()), (303, 303));
        let mut numbers = Vec::new();
        for id in &ids {
            numbers.push(citizen.get(&format!("/applications/{id}/decision")).await.text(".doc-number [lang]"));
        }
        numbers.sort();
        let year = chrono::Datelike::year(&today());
        assert_eq!(numbers, [format!("深宝市监许〔{year}〕1号"), format!("深宝市监许〔{year}〕2号")]);
    }

    async fn the_licence_states_what_the_application_said_and_how_long_it_is_valid(app) {
        create_demo_accounts(&app);
        let mut firm = signed_in(&app, "firm@demo.onestop.cn").await;
        let id = food_licence_application(&app, &mut firm).await;
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        approved(&mut clerk, id).await;
        assert_eq!(firm.get(&format!("/applications/{id}/licence")).await.status, 404, "not before delivery");
        assert_eq!(act(&mut clerk, id, "deliver", &[]).await.status, 303);

        let decision = firm.get(&format!("/applications/{id}/decision")).await;
        assert!(decision.text("article").contains("《食品经营许可证》"), "{}", decision.text("article"));
        assert!(decision.text(".basis").contains("第三十八条第一款"));
        assert!(!decision.body.contains("《《"), "no doubled title marks");

        let licence = firm.get(&format!("/applications/{id}/licence")).await;
        assert_eq!(licence.status, 200);
        assert_eq!(licence.text("h1"), "食品经营许可证");
        let facts: Vec<(String, String)> = licence.texts(".facts dt").into_iter().zip(licence.texts(".facts dd")).collect();
        let fact = |label: &str| facts.iter().find(|(l, _)| l == label).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no {label} in {facts:?}"));
        assert_eq!(fact("法定代表人（负责人）"), "赵立新", "the application's, not the account's 张华");
        assert_eq!(fact("经营场所（地址）"), "深圳市宝安区西乡街道宝源路1001号一楼");
        assert_eq!(fact("许可范围"), "餐饮服务经营者；热食类食品制售、自制饮品制售");
        assert_eq!(fact("名称"), "深圳市宝安示范餐饮有限公司");
        assert_eq!(fact("发证机关"), SJJ);
        let issued = today();
        let until = issued.checked_add_months(chrono::Months::new(60)).unwrap().pred_opt().unwrap();
        assert_eq!(fact("有效期"), format!("{}至{}", chinese_date(issued), chinese_date(until)), "five years, 食品经营许可证");
        assert!(!licence.body.contains("张华"));
        assert!(!licence.body.contains("《《"));
        // Printing: the page says how, and the stylesheet leaves the site's frame off paper.
        assert!(licence.text(".print-help").contains("Ctrl+P"));
        let css = app.get(&licence.attrs("link[rel=stylesheet]", "href").remove(0)).await.body;
        assert!(css.contains("@media print") && css.contains("size: A4"));

        // In English every fixed text is English; names and typed text are marked Chinese.
        assert_eq!(firm.get("/lang/en?next=/").await.status.as_u16(), 303);
        let decision = firm.get(&format!("/applications/{id}/decision")).await;
        assert_eq!(decision.text("h1"), "Decision to grant the licence");
        assert_eq!(decision.text(".signature .seal"), "(Official seal)");
        assert!(decision.text(".basis").contains("Article 38(1)"));
        assert_eq!(decision.text(".signature .date"), issued.format("%-d %B %Y").to_string());
        assert_eq!(chinese_outside_zh(&decision, "main"), Vec::<String>::new());
        let licence = firm.get(&format!("/applications/{id}/licence")).await;
        let facts: Vec<(String, String)> = licence.texts(".facts dt").into_iter().zip(licence.texts(".facts dd")).collect();
        assert!(facts.contains(&("Licensed scope".into(), "Catering service provider; Preparation and sale of hot food; Preparation and sale of house-made drinks".into())), "{facts:?}");
        assert!(facts.contains(&("Legal representative (person in charge)".into(), "赵立新".into())), "{facts:?}");
        assert!(facts.iter().any(|(l, v)| l == "Period of validity" && v.contains(" to ")), "{facts:?}");
        assert_eq!(chinese_outside_zh(&licence, "main"), Vec::<String>::new());
    }
}

on_both_databases! {
    async fn a_decision_made_before_numbering_still_shows_without_a_number(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let id = id_of(&app, &submit_one(&mut citizen, &code).await);
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        approved(&mut clerk, id).await;
        // As in a database upgraded after the decision: no number was given then.
        {
            use diesel::prelude::*;
            use onestop::db::schema::decision_documents;
            let mut conn = common::pool(&app).get().unwrap();
            diesel::delete(decision_documents::table).execute(&mut **conn).unwrap();
        }
        let page = citizen.get(&format!("/applications/{id}/decision")).await;
        assert_eq!(page.status, 200);
        assert!(page.texts(".doc-number").is_empty(), "no number is made up afterwards");
        assert_eq!(page.text(".issuer"), SJJ);
    }
}
