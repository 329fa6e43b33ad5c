//! The public catalog as a visitor sees it: home, search, filters, department and guide pages,
//! error pages, the language switch.

mod common;

use common::on_both_databases;

const FOOD_LICENCE_NEW: &str = "440306-SJJ-XK-0013-01";

fn query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

/// HEAD `path` as a monitor does: (status, content type, body length).
async fn head(app: &common::TestApp, path: &str, cookie: Option<&str>) -> (u16, String, usize) {
    // No decompression: a HEAD answer has no body to decode.
    let mut request = app.client.head(app.url(path)).no_decompress();
    if let Some(cookie) = cookie {
        request = request.insert_header(("Cookie", cookie));
    }
    let mut response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("HEAD {path}: {e}"));
    let body = response.body().await.expect("body");
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status().as_u16(), kind, body.len())
}

on_both_databases! {
    async fn head_answers_every_page_as_its_get_would_without_a_body(app) {
        common::create_demo_accounts(&app);
        let code = common::sjj_service(&app).await;
        for path in ["/", "/services?q=%E9%A3%9F%E5%93%81", &format!("/services/{code}"), "/departments/SJJ", "/login", "/track", "/register",
                     "/healthz", "/static/app.css", "/api/v1/services", "/services/nope", "/account"] {
            let get = app.get(path).await;
            let (status, kind, length) = head(&app, path, None).await;
            assert_eq!(status, get.status.as_u16(), "HEAD {path}");
            assert_eq!(kind, get.header("content-type").unwrap_or_default(), "HEAD {path}");
            assert_eq!(length, 0, "HEAD {path} has no body");
        }
        let mut citizen = common::signed_in(&app, "citizen@demo.onestop.cn").await;
        citizen.get("/account").await;
        let cookie = format!("onestop_session={}", citizen.cookies["onestop_session"]);
        assert_eq!(head(&app, "/account", Some(&cookie)).await.0, 200);
    }

    async fn every_page_says_who_runs_the_site_and_where_to_get_help(app) {
        for path in ["/", "/services", "/login", "/services/nope"] {
            let page = app.get(path).await;
            let footer = page.text("footer");
            assert!(footer.contains("12345"), "{path}: the hotline: {footer}");
            assert!(footer.contains("宝安区测试主办单位") && footer.contains("4403069999"), "{path}: the configured identity: {footer}");
            assert_eq!(page.attrs("footer a", "href")[..2], ["/help", "/privacy"], "{path}");
            assert_eq!(page.attrs("link[rel=icon]", "href"), ["/static/favicon.svg"], "{path}");
        }
        for (path, heading) in [("/help", "帮助与联系"), ("/privacy", "隐私声明")] {
            let page = app.get(path).await;
            assert_eq!(page.status, 200);
            assert_eq!(page.text("h1"), heading);
        }
        for path in ["/favicon.ico", "/static/favicon.svg"] {
            let icon = app.get(path).await;
            assert_eq!(icon.status, 200, "{path}");
            assert_eq!(icon.header("content-type"), Some("image/svg+xml"), "{path}");
            assert!(icon.body.starts_with("<svg"), "{path}");
        }
    }

    async fn headings_never_skip_a_level(app) {
        common::create_demo_accounts(&app);
        let mut admin = common::signed_in(&app, "admin@demo.onestop.cn").await;
        // Something in the administrators' log to show.
        admin.submit("/admin/users?q=citizen%40demo", "/admin/users/new", &[("email", "x.clerk@example.cn"), ("name", "新窗口"), ("role", "clerk"), ("department", "JTJ"), ("password", "a long and unusual passphrase")]).await;
        for path in ["/", "/services?q=%E9%A3%9F%E5%93%81", "/departments/SJJ", "/admin/log", "/admin/users"] {
            let page = admin.get(path).await;
            let levels: Vec<u32> = scraper::Html::parse_document(&page.body)
                .select(&scraper::Selector::parse("h1, h2, h3, h4, h5, h6").unwrap())
                .map(|h| h.value().name()[1..].parse().unwrap())
                .collect();
            assert_eq!(levels.first(), Some(&1), "{path}: {levels:?}");
            assert!(levels.windows(2).all(|w| w[1] <= w[0] + 1), "{path} skips a level: {levels:?}");
        }
    }

    async fn home_shows_the_catalog_totals_and_every_department(app) {
        let page = app.get("/").await;
        assert_eq!(page.status, 200);
        assert_eq!(page.texts(".totals dd"), ["30", "626", "756"]);
        let departments = page.texts(".departments li a");
        assert_eq!(departments.len(), 30);
        assert!(departments.contains(&"深圳市市场监督管理局宝安监管局".to_owned()));
        assert!(page.text(".departments").contains("48项服务"), "SJJ has 48 services");
        assert_eq!(page.texts("form[role=search] input[name=q]").len(), 1);
    }

    async fn searching_a_chinese_substring_finds_the_services_that_contain_it(app) {
        let page = app.get(&format!("/services?{}", query(&[("q", "食品")]))).await;
        assert_eq!(page.status, 200);
        let names = page.texts(".service h2");
        assert!(names.contains(&"食品经营许可（新办）".to_owned()), "{names:?}");
        assert!(names.iter().all(|n| n.contains("食品")), "{names:?}");
        assert!(page.text(".results").contains(&names.len().to_string()));
        // The box keeps what was searched for.
        assert_eq!(page.attrs("#q", "value"), ["食品"]);
    }

    async fn a_search_with_wild_cards_matches_them_literally(app) {
        let page = app.get(&format!("/services?{}", query(&[("q", "%")]))).await;
        assert_eq!(page.status, 200);
        assert!(page.texts(".service h2").is_empty());
        assert!(page.text(".results").contains('0'));
    }

    async fn filters_narrow_by_department_applicant_and_item_type(app) {
        let sjj = app.get("/services?department=SJJ").await;
        assert!(sjj.text(".results").contains("48"), "{}", sjj.text(".results"));
        assert!(sjj.texts(".service .meta").iter().all(|m| m.contains("市场监督管理局宝安监管局")));

        // Services open to individuals: 172 for individuals only plus 110 for both.
        let natural = app.get("/services?applicant=natural").await;
        assert!(natural.text(".results").contains("282"), "{}", natural.text(".results"));

        let licences = app.get("/services?type=licensing&department=SJJ").await;
        let metas = licences.texts(".service .meta");
        assert!(!metas.is_empty());
        assert!(metas.iter().all(|m| m.contains("行政许可")), "{metas:?}");

        // The chosen filters stay selected.
        assert_eq!(licences.texts("#department option[selected]"), ["深圳市市场监督管理局宝安监管局"]);
        assert_eq!(licences.texts("#type option[selected]"), ["行政许可"]);
    }

    async fn the_catalog_is_paginated_twenty_at_a_time(app) {
        let first = app.get("/services").await;
        assert_eq!(first.texts(".service").len(), 20);
        assert!(first.text(".pagination").contains("第1页，共38页"));
        let last = app.get("/services?page=38").await;
        assert_eq!(last.texts(".service").len(), 756 - 37 * 20);
        assert_eq!(last.texts(".pagination a[rel=next]").len(), 0);
        assert_eq!(last.attrs(".pagination a[rel=prev]", "href"), ["/services?page=37"]);
        let beyond = app.get("/services?page=39").await;
        assert_eq!(beyond.status, 200);
        assert!(beyond.texts(".service").is_empty());
    }

    async fn a_department_page_lists_its_services(app) {
        let page = app.get("/departments/SJJ").await;
        assert_eq!(page.status, 200);
        assert_eq!(page.text("h1"), "深圳市市场监督管理局宝安监管局");
        assert_eq!(page.texts(".service").len(), 48);
        assert!(page.texts(".service h2").contains(&"食品经营许可（新办）".to_owned()));
    }

    async fn the_guide_shows_limits_fee_materials_result_and_steps(app) {
        let page = app.get(&format!("/services/{FOOD_LICENCE_NEW}")).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.text("h1"), "食品经营许可（新办）");
        let facts = page.text(".facts");
        for expected in ["440306-SJJ-XK-0013", "行政许可", "新办", "深圳市市场监督管理局宝安监管局",
                         "法人", "20个工作日", "3个工作日", "不收费", "《食品经营许可证》"] {
            assert!(facts.contains(expected), "{expected} missing from {facts}");
        }
        let materials = page.texts(".materials tbody tr");
        assert!(materials.iter().any(|m| m.contains("食品安全管理制度清单") && m.contains("必要")), "{materials:?}");
        assert!(materials.iter().any(|m| m.contains("营业执照") && m.contains("共享获取")), "{materials:?}");
        assert!(materials.iter().any(|m| m.contains("容缺")), "{materials:?}");
        let steps = page.texts(".steps li");
        assert_eq!(steps.len(), 4);
        assert!(steps[2].contains("3个工作日") && steps[2].contains("20个工作日"), "{steps:?}");
    }

    async fn an_immediate_service_with_a_fee_says_so(app) {
        let api = app.get(&format!("/api/v1/services?{}", query(&[("q", "居民身份证"), ("limit", "100")]))).await.json();
        let with_fee = api["items"].as_array().unwrap().iter()
            .find(|s| s["fee_yuan"].as_i64().unwrap_or(0) > 0)
            .expect("an ID card service with a fee");
        let page = app.get(&format!("/services/{}", with_fee["code"].as_str().unwrap())).await;
        let fee = with_fee["fee_yuan"].as_i64().unwrap();
        assert!(page.text(".facts").contains(&format!("{fee}元")), "{}", page.text(".facts"));
    }

    async fn unknown_pages_get_a_404_page_with_a_way_back(app) {
        for path in ["/services/440306-XXX-XK-9999-00", "/departments/NOPE", "/no/such/page", "/services/%2e%2e%2fetc"] {
            let page = app.get(path).await;
            assert_eq!(page.status, 404, "{path}");
            assert!(page.header("content-type").unwrap().starts_with("text/html"), "{path}");
            assert_eq!(page.text("h1"), "页面不存在");
            assert_eq!(page.texts("form[action='/services'] input[name=q]").len(), 1, "{path} offers a search");
        }
    }

    async fn malformed_query_parameters_get_a_400_page_that_says_what_is_wrong(app) {
        for (path, message) in [
            ("/services?page=abc", "页码须为1到100000之间的整数"),
            ("/services?page=0", "页码须为1到100000之间的整数"),
            ("/services?page=-1", "页码须为1到100000之间的整数"),
            ("/services?applicant=martian", "服务对象须为"),
            ("/services?type=nonsense", "事项类型不在可选范围内"),
        ] {
            let page = app.get(path).await;
            assert_eq!(page.status, 400, "{path}");
            assert!(page.text(".lead").contains(message), "{path}: {}", page.text(".lead"));
        }
        let long = "食".repeat(101);
        let page = app.get(&format!("/services?{}", query(&[("q", &long)]))).await;
        assert_eq!(page.status, 400);
    }

    async fn english_is_chosen_by_accept_language_and_by_the_switch(app) {
        let zh = app.get("/").await;
        assert_eq!(zh.attrs("html", "lang"), ["zh-CN"]);
        assert_eq!(zh.text("nav .nav li:nth-child(2) a"), "办事服务");

        let by_header = app.get_with("/", &[("Accept-Language", "en-GB,en;q=0.9,zh;q=0.5")]).await;
        assert_eq!(by_header.attrs("html", "lang"), ["en"]);
        assert_eq!(by_header.text("nav .nav li:nth-child(2) a"), "Services");

        let switch = app.get("/lang/en?next=%2Fservices%3Fq%3Dabc").await;
        assert_eq!(switch.status, 303);
        assert_eq!(switch.header("location"), Some("/services?q=abc"));
        let cookie = switch.header("set-cookie").unwrap().to_owned();
        assert!(cookie.starts_with("lang=en") && cookie.contains("SameSite=Lax") && cookie.contains("HttpOnly"), "{cookie}");

        // The cookie wins over the browser's preference, catalog names included.
        let page = app.get_with(&format!("/services/{FOOD_LICENCE_NEW}"), &[("Cookie", "lang=en"), ("Accept-Language", "zh-CN")]).await;
        assert_eq!(page.text("h1"), "Food business licence (new application)");
        assert!(page.text(".facts").contains("20 working days"), "{}", page.text(".facts"));
        let switch_back = page.texts("a[hreflang=zh-CN]");
        assert_eq!(switch_back, ["中文"]);

        let escape = app.get("/lang/en?next=https%3A%2F%2Fevil.example").await;
        assert_eq!(escape.header("location"), Some("/"));
        assert_eq!(app.get("/lang/xx").await.status, 404);
    }

    async fn large_text_is_a_switch_on_every_page_remembered_like_the_language(app) {
        let plain = app.get("/services").await;
        assert!(plain.attrs("html", "class").is_empty(), "standard text by default");
        assert_eq!(plain.attrs("a.text-size", "href"), ["/text/large?next=%2Fservices"]);
        assert_eq!(plain.text("a.text-size"), "大字版");

        let switch = app.get("/text/large?next=%2Fservices%3Fq%3D%E9%A3%9F%E5%93%81").await;
        assert_eq!(switch.status, 303, "a plain link: no script, no form");
        assert_eq!(switch.header("location"), Some("/services?q=%E9%A3%9F%E5%93%81"));
        let cookie = switch.header("set-cookie").unwrap().to_owned();
        assert!(cookie.starts_with("onestop_text=large") && cookie.contains("SameSite=Lax") && cookie.contains("HttpOnly") && cookie.contains("Max-Age"), "{cookie}");

        let large = app.get_with("/services?q=%E9%A3%9F%E5%93%81", &[("Cookie", "onestop_text=large")]).await;
        assert_eq!(large.attrs("html", "class"), ["large-text"]);
        assert_eq!(large.text("a.text-size"), "标准字号", "and back again");
        let english = app.get_with("/", &[("Cookie", "onestop_text=large; lang=en")]).await;
        assert_eq!((english.attrs("html", "class"), english.text("a.text-size")), (vec!["large-text".to_owned()], "Standard text".to_owned()));
        let css = app.get("/static/app.css").await.body;
        assert!(css.contains("html.large-text { font-size: 125%"), "the switch changes the size");

        assert_eq!(app.get("/text/huge").await.status, 404);
        assert_eq!(app.get("/text/large?next=%2F%2Fevil.example").await.header("location"), Some("/"));
    }

    async fn pages_are_gzipped_for_clients_that_accept_it(app) {
        let page = app.get_with("/services?q=%E9%A3%9F%E5%93%81", &[("Accept-Encoding", "gzip")]).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.header("content-encoding"), Some("gzip"));
        assert!(page.text(".service-list").contains("食品经营许可"), "and it reads as before");
        let css = app.get_with("/static/app.css", &[("Accept-Encoding", "gzip")]).await;
        assert_eq!(css.header("content-encoding"), Some("gzip"));
        let plain = app.get_with("/services", &[("Accept-Encoding", "identity")]).await;
        assert_eq!(plain.header("content-encoding"), None);
    }

    async fn every_page_carries_the_security_headers(app) {
        for path in ["/", "/services", "/api/v1/departments", "/nope"] {
            let page = app.get(path).await;
            let csp = page.header("content-security-policy").unwrap_or_default();
            assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
            assert_eq!(page.header("x-content-type-options"), Some("nosniff"), "{path}");
            assert_eq!(page.header("referrer-policy"), Some("same-origin"), "{path}");
        }
        let href = app.get("/").await.attrs("link[rel=stylesheet]", "href").remove(0);
        let css = app.get(&href).await;
        assert_eq!(css.status, 200);
        assert!(css.header("content-type").unwrap().starts_with("text/css"));
    }
}
