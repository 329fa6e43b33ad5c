//! The open-data JSON API.

mod common;

use std::collections::HashSet;

use common::on_both_databases;

on_both_databases! {
    async fn departments_are_listed_with_their_service_counts(app) {
        let reply = app.get("/api/v1/departments").await;
        assert_eq!(reply.status, 200);
        assert!(reply.header("content-type").unwrap().starts_with("application/json"));
        let departments = reply.json();
        let departments = departments.as_array().unwrap();
        assert_eq!(departments.len(), 30);
        let total: i64 = departments.iter().map(|d| d["service_count"].as_i64().unwrap()).sum();
        assert_eq!(total, 756);
        let sjj = departments.iter().find(|d| d["code"] == "SJJ").unwrap();
        assert_eq!(sjj["name"], "深圳市市场监督管理局宝安监管局");
        assert_eq!(sjj["service_count"], 48);
    }

    async fn all_756_services_of_626_items_can_be_paged_through(app) {
        let mut codes = HashSet::new();
        let mut items = HashSet::new();
        let mut offset = 0;
        loop {
            let page = app.get(&format!("/api/v1/services?limit=100&offset={offset}")).await.json();
            assert_eq!(page["total"], 756);
            let batch = page["items"].as_array().unwrap();
            if batch.is_empty() {
                break;
            }
            for s in batch {
                codes.insert(s["code"].as_str().unwrap().to_owned());
                items.insert(s["item_code"].as_str().unwrap().to_owned());
            }
            offset += 100;
        }
        assert_eq!(codes.len(), 756);
        assert_eq!(items.len(), 626);
    }

    async fn services_carry_the_documented_fields(app) {
        let page = app.get("/api/v1/services?department=SJJ&q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5&limit=10").await.json();
        let new = page["items"].as_array().unwrap().iter().find(|s| s["variant"] == "新办").expect("新办 service");
        assert_eq!(new["code"], "440306-SJJ-XK-0013-01");
        assert_eq!(new["name"], "食品经营许可（新办）");
        assert_eq!(new["item_code"], "440306-SJJ-XK-0013");
        assert_eq!(new["item_name"], "食品经营许可");
        assert_eq!(new["item_type"], "行政许可");
        assert_eq!(new["department_code"], "SJJ");
        assert_eq!(new["applicant_type"], "legal");
        assert_eq!(new["legal_days"], 20);
        assert_eq!(new["promised_days"], 3);
        assert_eq!(new["fee_yuan"], 0);
        let single = app.get("/api/v1/services?q=%E5%A4%96%E5%95%86%E6%8A%95%E8%B5%84%E9%A1%B9%E7%9B%AE%E5%A4%87%E6%A1%88").await.json();
        assert_eq!(single["items"][0]["variant"], serde_json::Value::Null);
        assert_eq!(single["items"][0]["code"], "440306-FGJ-QT-0002-00");
    }

    async fn filters_and_counts_agree_with_the_catalog(app) {
        let total = |path: String| {
            let app = &app;
            async move { app.get(&path).await.json()["total"].as_i64().unwrap() }
        };
        assert_eq!(total("/api/v1/services?department=SJJ".into()).await, 48);
        assert_eq!(total("/api/v1/services?department=sjj".into()).await, 48);
        assert_eq!(total("/api/v1/services?department=NOPE".into()).await, 0);
        assert_eq!(total("/api/v1/services?applicant=both".into()).await, 110);
        assert_eq!(total("/api/v1/services?applicant=legal".into()).await, 474 + 110);
        assert_eq!(total("/api/v1/services?type=licensing".into()).await, 326);
        assert_eq!(total("/api/v1/services?type=%E8%A1%8C%E6%94%BF%E8%AE%B8%E5%8F%AF".into()).await, 326);
    }

    async fn one_service_comes_with_its_guide(app) {
        let service = app.get("/api/v1/services/440306-SJJ-XK-0013-03").await;
        assert_eq!(service.status, 200);
        let service = service.json();
        assert_eq!(service["name"], "食品经营许可（延续）");
        assert_eq!(service["variant"], "延续");
        assert_eq!(service["department_name"], "深圳市市场监督管理局宝安监管局");
        assert_eq!(service["guide"]["result"], "《食品经营许可证》");
        let materials = service["guide"]["materials"].as_array().unwrap();
        assert!(materials.iter().any(|m| m["source"] == "issued_licence" && m["necessity"] == "required"), "{materials:?}");
        assert!(materials.iter().all(|m| m["copies"].as_u64().unwrap() >= 1));
        assert_eq!(service["guide"]["steps"].as_array().unwrap().len(), 4);
    }

    async fn an_unknown_service_is_a_json_404(app) {
        let reply = app.get("/api/v1/services/440306-XXX-XK-0001-00").await;
        assert_eq!(reply.status, 404);
        assert!(reply.header("content-type").unwrap().starts_with("application/json"));
        assert_eq!(reply.json()["error"]["status"], 404);
        assert_eq!(app.get("/api/v1/nothing").await.json()["error"]["status"], 404);
    }

    async fn malformed_parameters_are_a_json_400_naming_the_parameter(app) {
        for (query, word) in [
            ("limit=abc", "limit"), ("limit=-1", "limit"), ("limit=100000", "limit"), ("limit=0", "limit"),
            ("offset=-5", "offset"), ("offset=x", "offset"), ("applicant=robot", "applicant"), ("type=x", "type"),
            ("limit=1&limit=2", "parameter"),
        ] {
            let reply = app.get(&format!("/api/v1/services?{query}")).await;
            assert_eq!(reply.status, 400, "{query}");
            let body = reply.json();
            assert!(body["error"]["message"].as_str().unwrap().contains(word), "{query}: {body}");
        }
        let edge = app.get("/api/v1/services?limit=100&offset=10000").await.json();
        assert_eq!(edge["total"], 756);
        assert_eq!(edge["items"].as_array().unwrap().len(), 0);
    }
}
