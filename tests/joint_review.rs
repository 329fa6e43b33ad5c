//! Joint review (并联审批) of the construction permit's simpler sibling, led by the housing
//! department (ZJJ) with planning (GHZYJ) and fire services (XFJY) co-reviewing, through HTTP on
//! both databases: the co-reviewers give opinions, the lead decides after every one, a refusal
//! is issued by the lead, access follows the case, and each department's log shows its own steps.

mod common;

use common::{
    Browser, TestApp, act, create_demo_accounts, id_of, mails, on_both_databases, pool, signed_in,
    submit_one,
};

const PLANNING: &str = "深圳市规划和自然资源局宝安管理局";
const FIRE: &str = "深圳市宝安区消防救援大队";

/// A firm's application under the joint-review workflow, accepted by ZJJ; (tracking number, id).
async fn accepted_application(app: &TestApp, zjj: &mut Browser<'_>) -> (String, i64) {
    let list = app
        .get("/api/v1/services?department=ZJJ&applicant=legal&limit=100")
        .await
        .json();
    let code = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_owned())
        .find(|c| c.starts_with("440306-ZJJ-XK-0002"))
        .expect("the foundation-pit permit");
    {
        let mut conn = pool(app).get().unwrap();
        onestop::db::workflow::set_service_workflow(
            &mut conn,
            "440306-ZJJ-XK-0002",
            "joint-review",
        )
        .unwrap();
    }
    let mut firm = signed_in(app, "firm@demo.onestop.cn").await;
    let number = submit_one(&mut firm, &code).await;
    let id = id_of(app, &number);
    assert_eq!(act(zjj, id, "accept", &[]).await.status, 303);
    (number, id)
}

/// Posts a transition as a forged or stale form would: whether or not the page offers it.
async fn post_transition(
    app: &TestApp,
    browser: &mut Browser<'_>,
    id: i64,
    name: &str,
    fields: &[(&str, &str)],
) -> u16 {
    use diesel::prelude::*;
    use onestop::db::schema::applications;
    let version: i32 = applications::table
        .find(id)
        .select(applications::version)
        .first(&mut **pool(app).get().unwrap())
        .unwrap();
    let token = browser
        .get("/account")
        .await
        .attrs("input[name=csrf_token]", "value")
        .remove(0);
    let version = version.to_string();
    let mut all = vec![
        ("csrf_token", token.as_str()),
        ("version", version.as_str()),
    ];
    all.extend_from_slice(fields);
    browser
        .post_raw(&format!("{}/transitions/{name}", case(id)), &all)
        .await
        .status
        .as_u16()
}

fn case(id: i64) -> String {
    format!("/workspace/applications/{id}")
}

/// The application's state as its page shows it to staff.
async fn state_of(browser: &mut Browser<'_>, id: i64) -> String {
    browser.get(&case(id)).await.text(".case-facts .status")
}

/// The actions the page offers, by transition name.
async fn offered(browser: &mut Browser<'_>, id: i64) -> Vec<String> {
    browser
        .get(&case(id))
        .await
        .attrs("details.transition", "id")
        .into_iter()
        .map(|i| i.trim_start_matches("t-").to_owned())
        .collect()
}

/// The applicant's mails, decoded, that mention `text`.
fn mails_with(app: &TestApp, text: &str) -> Vec<String> {
    mails(app)
        .into_iter()
        .filter(|m| m.contains(text))
        .collect()
}

/// The notes of the audit log page of a department: (action, note) per row.
async fn audit(browser: &mut Browser<'_>, department: &str, number: &str) -> Vec<String> {
    browser
        .get(&format!(
            "/workspace/{department}/audit?tracking_number={number}"
        ))
        .await
        .texts(".audit-row")
}

on_both_databases! {
    async fn the_lead_decides_after_every_opinion_whichever_comes_last(app) {
        create_demo_accounts(&app);
        let mut zjj = signed_in(&app, "clerk.zjj@demo.onestop.cn").await;
        let mut planning = signed_in(&app, "clerk.ghzyj@demo.onestop.cn").await;
        let mut fire = signed_in(&app, "clerk.xfjy@demo.onestop.cn").await;
        for fire_last in [true, false] {
            let (number, id) = accepted_application(&app, &mut zjj).await;
            // Before the joint review starts the co-reviewers cannot open the case.
            assert_eq!(fire.get(&case(id)).await.status, 404);
            assert!(!fire.get("/workspace/XFJY").await.text("main").contains(&number));
            assert_eq!(act(&mut zjj, id, "start_review", &[]).await.status, 303);
            assert!(fire.get("/workspace/XFJY").await.text(".co-review").contains(&number), "the task is in its queue");

            // The lead's early decision is not offered, and refused naming who is missing.
            assert!(!offered(&mut zjj, id).await.contains(&"approve".to_owned()));
            let early = act(&mut zjj, id, "approve", &[("decision", "住建部门准予许可")]).await;
            assert_eq!(early.status, 422);
            let message = early.text(".error-summary");
            assert!(message.contains(PLANNING) && message.contains(FIRE), "{message}");
            assert_eq!(state_of(&mut zjj, id).await, "并联审查中");
            // The lead cannot give an opinion in a co-reviewer's place.
            assert_eq!(act(&mut zjj, id, "agree", &[("note", "同意")]).await.status, 403);

            let (first, first_dept, last, last_dept) = if fire_last {
                (&mut planning, PLANNING, &mut fire, FIRE)
            } else {
                (&mut fire, FIRE, &mut planning, PLANNING)
            };
            assert_eq!(act(first, id, "agree", &[("note", "符合要求，同意")]).await.status, 303);
            assert_eq!(post_transition(&app, first, id, "agree", &[("note", "再次同意")]).await, 409, "one opinion each");
            let waiting = act(&mut zjj, id, "approve", &[("decision", "住建部门准予许可")]).await;
            assert_eq!(waiting.status, 422);
            assert!(waiting.text(".error-summary").contains(last_dept) && !waiting.text(".error-summary").contains(first_dept));
            assert_eq!(act(last, id, "agree", &[("note", "审查通过，同意")]).await.status, 303);
            assert_eq!(state_of(&mut zjj, id).await, "并联审查中", "an opinion is not a decision");
            assert!(offered(&mut zjj, id).await.contains(&"approve".to_owned()));

            let decision = format!("准予{number}基坑支护施工许可，按审定图纸施工");
            assert_eq!(act(&mut zjj, id, "approve", &[("decision", &decision)]).await.status, 303);
            assert_eq!(state_of(&mut zjj, id).await, "准予许可，待送达");
            let page = zjj.get(&case(id)).await;
            assert_eq!(page.text(".decision"), decision, "the lead's text is the decision");
            let opinions = page.texts(".opinion");
            assert_eq!(opinions.len(), 2, "{opinions:?}");
            assert!(opinions.iter().all(|o| o.contains("同意")));
            // The firm hears once, with the lead's decision and both opinions.
            let notices = mails_with(&app, &decision);
            assert_eq!(notices.len(), 1);
            assert!(notices[0].contains(&format!("{PLANNING}：同意")) && notices[0].contains(&format!("{FIRE}：同意")), "{}", notices[0]);
            let mut firm = signed_in(&app, "firm@demo.onestop.cn").await;
            let mine = firm.get(&format!("/applications/{id}")).await;
            assert_eq!(mine.texts(".opinion").len(), 2, "the applicant sees the opinions");

            // After the review the co-reviewers can read the case and no longer act on it.
            let after = fire.get(&case(id)).await;
            assert_eq!(after.status, 200);
            assert!(after.attrs("form[action*='/transitions/']", "action").is_empty());
            assert!(after.attrs("form[action$='/notes']", "action").is_empty());
            let token = fire.get("/account").await.attrs("input[name=csrf_token]", "value").remove(0);
            let note = fire.post_raw(&format!("{}/notes", case(id)), &[("csrf_token", &token), ("body", "补充意见")]).await;
            assert_eq!(fire.get(&case(id)).await.texts(".internal-notes li").len(), 0, "no note after the review: {}", note.status);
            assert_eq!(post_transition(&app, &mut fire, id, "agree", &[("note", "同意")]).await, 403, "no opinion after the review");

            // Each department's log lists the steps its own staff took.
            let ghzyj_log = audit(&mut planning, "GHZYJ", &number).await;
            assert_eq!(ghzyj_log.len(), 1, "{ghzyj_log:?}");
            assert!(ghzyj_log[0].contains("同意"));
            let xfjy_log = audit(&mut fire, "XFJY", &number).await;
            assert_eq!(xfjy_log.len(), 1, "{xfjy_log:?}");
            let zjj_log = audit(&mut zjj, "ZJJ", &number).await.join("\n");
            assert!(zjj_log.contains("受理") && zjj_log.contains("准予许可"), "{zjj_log}");
            assert!(!zjj_log.contains("并联审查意见"), "the co-reviewers' steps are theirs: {zjj_log}");
        }
    }

    async fn a_new_round_after_a_site_check_asks_every_opinion_again(app) {
        create_demo_accounts(&app);
        let mut zjj = signed_in(&app, "clerk.zjj@demo.onestop.cn").await;
        let mut planning = signed_in(&app, "clerk.ghzyj@demo.onestop.cn").await;
        let (_, id) = accepted_application(&app, &mut zjj).await;
        assert_eq!(act(&mut zjj, id, "start_review", &[]).await.status, 303);
        assert_eq!(act(&mut planning, id, "disagree", &[("note", "退线距离不足")]).await.status, 303);
        assert!(zjj.get(&case(id)).await.text(".hint").contains("不同意"), "the lead is told it may deny now");
        // The site check changes the facts: back in the review, every department is asked again.
        assert_eq!(act(&mut zjj, id, "site_check", &[("note", "现场核实退线")]).await.status, 303);
        assert_eq!(act(&mut zjj, id, "finish_site_check", &[("note", "已整改，退线符合要求")]).await.status, 303);
        let page = zjj.get(&case(id)).await;
        assert_eq!(page.texts(".opinion.pending").len(), 2, "{:?}", page.texts(".opinion"));
        assert_eq!(act(&mut planning, id, "agree", &[("note", "整改后符合要求")]).await.status, 303);
        let early = act(&mut zjj, id, "approve", &[("decision", "准予")]).await;
        assert!(early.text(".error-summary").contains(FIRE), "only fire services are outstanding now");
    }

    async fn a_co_reviewer_s_refusal_is_issued_by_the_lead_quoting_it(app) {
        create_demo_accounts(&app);
        let mut zjj = signed_in(&app, "clerk.zjj@demo.onestop.cn").await;
        let mut planning = signed_in(&app, "clerk.ghzyj@demo.onestop.cn").await;
        let mut fire = signed_in(&app, "clerk.xfjy@demo.onestop.cn").await;
        let (number, id) = accepted_application(&app, &mut zjj).await;
        assert_eq!(act(&mut zjj, id, "start_review", &[]).await.status, 303);
        let reasons = "消防车道宽度不足4米，不符合《建筑设计防火规范》";
        assert_eq!(act(&mut fire, id, "disagree", &[("note", reasons)]).await.status, 303);
        // The refusal decides nothing by itself.
        assert_eq!(state_of(&mut zjj, id).await, "并联审查中");
        let mut firm = signed_in(&app, "firm@demo.onestop.cn").await;
        assert_eq!(firm.get(&format!("/applications/{id}")).await.text(".facts .status"), "并联审查中");
        // Only a denial is left to the lead, at once.
        let offers = offered(&mut zjj, id).await;
        assert!(offers.contains(&"deny".to_owned()) && !offers.contains(&"approve".to_owned()), "{offers:?}");
        let approve = act(&mut zjj, id, "approve", &[("decision", "准予")]).await;
        assert_eq!(approve.status, 422);
        assert!(approve.text(".error-summary").contains(FIRE), "{}", approve.text(".error-summary"));
        let decision = "经并联审查，消防救援部门不同意，不予许可";
        assert_eq!(act(&mut zjj, id, "deny", &[("decision", decision)]).await.status, 303);
        assert_eq!(state_of(&mut zjj, id).await, "不予许可");
        let notice = mails_with(&app, decision);
        assert_eq!(notice.len(), 1);
        assert!(notice[0].contains(&format!("{FIRE}：不同意。{reasons}")), "the department and its reasons: {}", notice[0]);
        assert!(notice[0].contains("行政复议"));
        // The department that gave no opinion may read what happened, and do nothing.
        let page = planning.get(&case(id)).await;
        assert_eq!(page.status, 200);
        assert!(page.attrs("form[action*='/transitions/']", "action").is_empty());
        assert_eq!(post_transition(&app, &mut planning, id, "agree", &[("note", "同意")]).await, 403);
        assert!(audit(&mut fire, "XFJY", &number).await.iter().any(|r| r.contains(reasons)));
        assert!(audit(&mut planning, "GHZYJ", &number).await.is_empty());
    }
}
