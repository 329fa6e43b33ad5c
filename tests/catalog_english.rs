//! The catalog in English: the shipped names, English search, the guide in English, and a
//! database from before the English names getting them at start-up.

mod common;

use common::on_both_databases;
use diesel::prelude::*;

const FOOD_LICENCE_NEW: &str = "440306-SJJ-XK-0013-01";
const IN_ENGLISH: &[(&str, &str)] = &[("Cookie", "lang=en")];

fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c,
            '\u{2E80}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}')
    })
}

#[test]
fn every_shipped_department_item_service_and_guide_has_an_english_name_without_chinese() {
    let catalog = onestop::catalog::Catalog::embedded().unwrap();
    let mut names: Vec<(String, &str)> = Vec::new();
    for d in &catalog.departments {
        names.push((d.code.as_str().to_owned(), &d.name_en));
    }
    for i in &catalog.items {
        names.push((i.code.as_str().to_owned(), &i.name_en));
    }
    for s in &catalog.services {
        let code = s.code.as_str();
        names.push((code.to_owned(), &s.name_en));
        names.push((format!("{code} result"), &s.guide.result_name_en));
        assert_eq!(s.guide.steps_en.len(), s.guide.steps.len(), "{code}: steps");
        for step in &s.guide.steps_en {
            names.push((format!("{code} step"), step));
        }
        for m in &s.guide.materials {
            names.push((format!("{code} material {}", m.name), &m.name_en));
        }
    }
    assert_eq!(
        catalog.departments.len() + catalog.items.len() + catalog.services.len(),
        30 + 626 + 756
    );
    for (what, name) in names {
        assert!(!name.trim().is_empty(), "{what} has no English name");
        assert!(!has_cjk(name), "{what}: {name:?} is not English");
        assert!(
            !name.contains('{'),
            "{what}: {name:?} has a placeholder left"
        );
    }
}

#[test]
fn a_service_is_named_after_its_item_and_variant_in_english_as_in_chinese() {
    let catalog = onestop::catalog::Catalog::embedded().unwrap();
    let renewal = catalog
        .services
        .iter()
        .find(|s| s.code.as_str() == "440306-SJJ-XK-0013-03")
        .unwrap();
    assert_eq!(renewal.name, "食品经营许可（延续）");
    assert_eq!(renewal.name_en, "Food business licence (renewal)");
}

on_both_databases! {
    async fn english_search_for_food_finds_the_food_business_licence_by_its_english_name(app) {
        for q in ["food", "Food Business"] {
            let path = format!("/services?{}", serde_urlencoded::to_string([("q", q)]).unwrap());
            let page = app.get_with(&path, IN_ENGLISH).await;
            assert_eq!(page.status, 200, "{q}");
            let names = page.texts(".service-list h2 a");
            assert!(names.contains(&"Food business licence (new application)".to_owned()), "{q}: {names:?}");
            assert!(names.iter().all(|n| !has_cjk(n)), "{q}: {names:?}");
            let departments = page.texts(".service-list .meta span:first-child");
            assert!(
                departments.contains(&"Bao'an Regulatory Bureau of Shenzhen Administration for Market Regulation".to_owned()),
                "{q}: {departments:?}"
            );
        }
        // Chinese mode is as before: Chinese search, Chinese names.
        let page = app.get("/services?q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5").await;
        assert!(page.texts(".service-list h2 a").contains(&"食品经营许可（新办）".to_owned()));
        let page = app.get("/services?q=food").await;
        assert!(page.texts(".service-list h2 a").contains(&"食品经营许可（新办）".to_owned()), "English search in Chinese mode");
    }

    async fn the_guide_in_english_lists_english_materials_result_and_steps(app) {
        let page = app.get_with(&format!("/services/{FOOD_LICENCE_NEW}"), IN_ENGLISH).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.text("h1"), "Food business licence (new application)");
        let facts = page.texts(".facts dd");
        assert!(facts.contains(&"Food business licence".to_owned()), "{facts:?}");
        assert!(facts.contains(&"Food Business Licence".to_owned()), "{facts:?}");
        let materials = page.texts(".materials tbody th");
        assert!(materials.contains(&"List of food safety management rules".to_owned()), "{materials:?}");
        assert!(materials.iter().all(|m| !has_cjk(m)), "{materials:?}");
        let steps = page.texts(".steps li");
        assert_eq!(steps.len(), 4, "{steps:?}");
        assert!(steps[2].contains("within 3 working days") && steps[2].contains("20 working days"), "{steps:?}");
        assert!(steps[3].contains("Food Business Licence"), "{steps:?}");
        assert!(steps.iter().all(|s| !has_cjk(s)), "{steps:?}");

        // The same page in Chinese.
        let page = app.get(&format!("/services/{FOOD_LICENCE_NEW}")).await;
        assert_eq!(page.text("h1"), "食品经营许可（新办）");
        assert!(page.texts(".materials tbody th").contains(&"食品安全管理制度清单".to_owned()));
        assert!(page.texts(".steps li")[3].contains("《食品经营许可证》"));
    }

    async fn a_default_result_names_the_item_in_each_language_in_its_steps(app) {
        // 企业投资项目备案 has the item type's result, "{item}办理结果通知书".
        let page = app.get_with("/services/440306-FGJ-QT-0001-01", IN_ENGLISH).await;
        let steps = page.texts(".steps li");
        assert!(steps.last().unwrap().contains("Notice of result: Enterprise investment project filing"), "{steps:?}");
        let page = app.get("/services/440306-FGJ-QT-0001-01").await;
        let steps = page.texts(".steps li");
        assert!(steps.last().unwrap().contains("企业投资项目备案办理结果通知书"), "{steps:?}");
        assert!(steps.iter().all(|s| !s.contains('{')), "{steps:?}");
    }

    async fn departments_are_named_in_english_on_the_home_and_department_pages(app) {
        let home = app.get_with("/", IN_ENGLISH).await;
        assert!(home.texts(".departments a").contains(&"Bao'an District Development and Reform Bureau".to_owned()));
        let page = app.get_with("/departments/SJJ", IN_ENGLISH).await;
        assert_eq!(page.text("h1"), "Bao'an Regulatory Bureau of Shenzhen Administration for Market Regulation");
        assert_eq!(app.get("/departments/SJJ").await.text("h1"), "深圳市市场监督管理局宝安监管局");
    }

    async fn a_database_from_before_the_english_names_gets_them_at_start_up(app) {
        use onestop::db::schema::{departments, items, service_materials, services};
        let url = onestop::db::DatabaseUrl::parse(&app.database_url).unwrap();
        {
            // As the migrations leave a database from before: empty English, Chinese search text.
            let pool = onestop::db::connect(&url, 1).unwrap();
            let mut pooled = pool.get().unwrap();
            let conn = &mut **pooled;
            diesel::update(departments::table).set(departments::name_en.eq("")).execute(conn).unwrap();
            diesel::update(items::table).set(items::name_en.eq("")).execute(conn).unwrap();
            diesel::update(service_materials::table).set(service_materials::name_en.eq("")).execute(conn).unwrap();
            diesel::update(services::table)
                .set((
                    services::name_en.eq(""),
                    services::result_name_en.eq(""),
                    services::steps_en.eq("[]"),
                    services::search_text.eq(services::code),
                ))
                .execute(conn)
                .unwrap();
        }
        assert_eq!(app.get_with("/services?q=food", IN_ENGLISH).await.texts(".service-list h2 a"), Vec::<String>::new());

        let pool = actix_web::rt::task::spawn_blocking(move || onestop::startup::prepare_database(&url, 1).unwrap()).await.unwrap();
        drop(pool);

        let names = app.get_with("/services?q=food", IN_ENGLISH).await.texts(".service-list h2 a");
        assert!(names.contains(&"Food business licence (new application)".to_owned()), "{names:?}");
        let guide = app.get_with(&format!("/services/{FOOD_LICENCE_NEW}"), IN_ENGLISH).await;
        assert!(guide.texts(".materials tbody th").contains(&"List of food safety management rules".to_owned()));
        assert!(guide.texts(".steps li").iter().all(|s| !has_cjk(s)));
        // Chinese search still finds it, by the Chinese names put back into the search text.
        let page = app.get("/services?q=%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5").await;
        assert!(page.texts(".service-list h2 a").contains(&"食品经营许可（新办）".to_owned()));
    }
}
