//! The administrators' pages hang together: one admin navigation on every admin page, a home
//! that summarises every area and where sign-in lands them, a service picker that finds a
//! service by Chinese or English name to open its form or choose its workflow, and a calendar
//! that only links to years it can show.

mod common;

use common::{Browser, DEMO_PASSWORD, create_demo_accounts, on_both_databases, signed_in};
use onestop::services::admin::CALENDAR_YEARS;

/// The areas the admin navigation must reach, by their address.
const AREAS: [&str; 6] = [
    "/admin/workflows",
    "/admin/services",
    "/admin/calendar",
    "/admin/outbox",
    "/admin/users",
    "/admin/log",
];

/// The services listed by the picker for `q`, over its pages: (code, row text, form link).
async fn picked(admin: &mut Browser<'_>, q: &str) -> Vec<(String, String, String)> {
    let mut path = format!(
        "/admin/services?{}",
        serde_urlencoded::to_string([("q", q)]).unwrap()
    );
    let mut found = Vec::new();
    for _ in 0..10 {
        let page = admin.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let rows = page.texts(".picked-service");
        let links = page.attrs(".picked-service a.open-form", "href");
        assert_eq!(rows.len(), links.len());
        assert!(rows.len() <= 20, "a page at a time");
        for (row, link) in rows.into_iter().zip(links) {
            let code = link.trim_start_matches("/admin/forms/").to_owned();
            found.push((code, row, link));
        }
        match page.attrs(".pagination a[rel=next]", "href").first() {
            Some(next) => path = next.clone(),
            None => break,
        }
    }
    found
}

on_both_databases! {
    async fn every_admin_page_has_the_admin_navigation_to_all_six_areas(app) {
        create_demo_accounts(&app);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let code = common::sjj_service(&app).await;
        let user = admin.get("/admin/users?q=admin%40demo").await.attrs(".user-row a", "href").remove(0);
        let pages = [
            "/admin".to_owned(), "/admin/workflows".into(), "/admin/workflows/default".into(),
            "/admin/services?q=%E9%A3%9F%E5%93%81".into(), format!("/admin/forms/{code}"),
            "/admin/calendar".into(), "/admin/outbox".into(), "/admin/users".into(),
            "/admin/users/new".into(), user, "/admin/log".into(),
        ];
        for path in &pages {
            let page = admin.get(path).await;
            assert_eq!(page.status, 200, "{path}");
            let nav = "nav.admin-nav";
            assert_eq!(page.attrs(nav, "aria-label"), ["管理导航"], "{path}: the navigation is named");
            let links = page.attrs(&format!("{nav} a"), "href");
            for area in AREAS {
                assert!(links.iter().any(|l| l == area), "{path} links to {area}: {links:?}");
            }
            assert_eq!(page.attrs(&format!("{nav} a[aria-current]"), "href").len(), 1, "{path}: one current area");
        }
        let calendar = admin.get("/admin/calendar").await;
        assert_eq!(calendar.attrs("nav.admin-nav a[aria-current=page]", "href"), ["/admin/calendar"]);
        let workflow = admin.get("/admin/workflows/default").await;
        assert_eq!(workflow.attrs("nav.admin-nav a[aria-current=true]", "href"), ["/admin/workflows"], "a page inside an area");
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        assert_eq!(clerk.get("/admin").await.status, 404, "only administrators");
        assert_eq!(clerk.get("/admin/services").await.status, 404);
    }

    async fn the_administrator_lands_on_the_admin_home_which_summarises_every_area(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        let reply = browser.submit("/login", "/login", &[("email", "admin@demo.onestop.cn"), ("password", DEMO_PASSWORD)]).await;
        assert_eq!(reply.header("location"), Some("/admin"));
        let home = browser.get("/admin").await;
        assert_eq!(home.status, 200);
        assert_eq!(home.text("h1"), "系统管理");
        assert_eq!(home.attrs("header nav a[href='/admin']", "href").len(), 1, "the site's navigation leads here");
        for area in AREAS {
            assert!(home.attrs(".admin-area h2 a", "href").iter().any(|l| l == area), "{area}");
        }
        // The licensing procedure, joint review, the remedy of bad ratings (好差评), the
        // 12345 hotline and the grid's events.
        assert!(home.text("#area-workflows").contains("5 个流程"), "{}", home.text("#area-workflows"));
        assert!(home.text("#area-outbox").contains("无法投递 0 封"), "{}", home.text("#area-outbox"));
        assert!(home.text("#area-users").contains("目前没有账户被反复尝试密码"));
        assert_eq!(home.attrs("#area-forms form", "action"), ["/admin/services"], "a service is searched from here");
    }

    async fn the_service_picker_finds_food_business_licences_in_chinese_and_english_and_opens_their_form(app) {
        create_demo_accounts(&app);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        for q in ["食品", "food", "FOOD business"] {
            let found = picked(&mut admin, q).await;
            let licences: Vec<_> = found.iter().filter(|(code, ..)| code.starts_with("440306-SJJ-XK-0013-")).collect();
            assert_eq!(licences.len(), 4, "{q}: new, change, renewal, cancellation in {found:?}");
            for (_, row, _) in &licences {
                assert!(row.contains("食品经营许可") && row.contains("市场监督管理局"), "{q}: {row}");
            }
            let (code, _, link) = licences[0];
            let form = admin.get(link).await;
            assert_eq!(form.status, 200, "{link}");
            assert!(form.text("h1").contains("食品经营许可"), "{}", form.text("h1"));
            assert!(form.text("main").contains(code.as_str()));
        }
        assert!(picked(&mut admin, "no such service anywhere").await.is_empty());
        let everything = admin.get("/admin/services").await;
        assert_eq!(everything.texts(".picked-service").len(), 20, "never the whole catalog at once");
        assert!(everything.text(".results").contains("756"));
        assert_eq!(admin.get("/admin/services?page=0").await.status, 400);
        let typed = admin.get("/admin/forms").await;
        assert_eq!(typed.header("location"), Some("/admin/services"), "no code to type");
    }

    async fn a_workflow_is_assigned_by_choosing_it_for_a_service_from_the_list(app) {
        create_demo_accounts(&app);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let list = "/admin/services?q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5";
        let page = admin.get(list).await;
        let row = ".picked-service:first-child";
        assert!(page.text(row).contains("行政许可标准流程"), "the workflow it runs: {}", page.text(row));
        let choices = page.attrs(&format!("{row} select[name=workflow] option"), "value");
        assert_eq!(choices, ["default", "joint-review"], "the published workflows");
        let action = page.attrs(&format!("{row} form.choose-workflow"), "action").remove(0);
        let code = action.trim_start_matches("/admin/services/").trim_end_matches("/workflow").to_owned();
        let chosen = admin.submit(list, &action, &[("workflow", "joint-review"), ("q", "食品经营"), ("page", "1")]).await;
        assert_eq!(chosen.status, 303, "{}", chosen.body);
        let back = admin.get(chosen.header("location").unwrap()).await;
        assert!(back.text(".notice").contains(&code), "{}", back.text(".notice"));
        let joint = admin.get("/admin/workflows/joint-review").await;
        assert!(joint.text(".service-codes").contains(&code), "{}", joint.text(".service-codes"));
        let shown = back.attrs(&format!("{row} select[name=workflow] option[selected]"), "value");
        assert_eq!(shown, ["joint-review"]);
        assert!(admin.get("/admin/log").await.text(".admin-event").contains("为事项指定流程"));
        // From a workflow's page: a department or a type of item is chosen, not typed.
        let workflow = admin.get("/admin/workflows/default").await;
        assert!(workflow.attrs("select#assign-department option", "value").iter().any(|v| v == "SJJ"));
        assert!(workflow.attrs("select#assign-item-type option", "value").iter().any(|v| v == "licensing"));
        assert_eq!(workflow.attrs("a.assign-one", "href"), ["/admin/services?workflow=default"]);
        assert!(workflow.attrs("input[name=value]", "type").is_empty(), "nothing to type");
        let preselected = admin.get("/admin/services?workflow=default&q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5").await;
        assert_eq!(preselected.attrs(&format!("{row} select[name=workflow] option[selected]"), "value"), ["default"]);
    }

    async fn the_calendar_links_only_to_years_it_can_show_and_refuses_others_clearly(app) {
        create_demo_accounts(&app);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let (first, last) = (*CALENDAR_YEARS.start(), *CALENDAR_YEARS.end());
        for year in [first, 2026, 2027, last] {
            let page = admin.get(&format!("/admin/calendar?year={year}")).await;
            assert_eq!(page.status, 200, "{year}");
            for href in page.attrs("main a[href^='/admin/calendar?year=']", "href") {
                let linked: i32 = href.rsplit('=').next().unwrap().parse().unwrap();
                assert!(CALENDAR_YEARS.contains(&linked), "{year} links to {linked}");
                assert_eq!(admin.get(&href).await.status, 200, "{href}");
            }
        }
        assert!(admin.get(&format!("/admin/calendar?year={first}")).await.attrs(".year-links a[rel=prev]", "href").is_empty());
        assert!(admin.get(&format!("/admin/calendar?year={last}")).await.attrs(".year-links a[rel=next]", "href").is_empty());
        assert_eq!(admin.get("/admin/calendar?year=2026").await.attrs(".year-links a", "href"), ["/admin/calendar?year=2025", "/admin/calendar?year=2027"]);
        for href in admin.get("/admin/workflows").await.attrs(".settle-warning a", "href") {
            assert_eq!(admin.get(&href).await.status, 200, "{href}");
        }
        for year in [first - 1, last + 1, 0, -5, 99999] {
            let refused = admin.get(&format!("/admin/calendar?year={year}")).await;
            assert_eq!(refused.status, 400, "{year}");
            assert!(refused.text("main").contains(&format!("{first} 年至 {last} 年")), "{}", refused.text("main"));
        }
        for year in ["abc", "99999999999"] {
            assert_eq!(admin.get(&format!("/admin/calendar?year={year}")).await.status, 400, "{year}");
        }
    }
}
