//! Administrators change the rules in the browser: a workflow draft is checked at every save,
//! cannot be published while it has problems, and once published runs new applications while
//! older ones keep their version; versions are compared, exported and imported; two
//! administrators cannot overwrite each other; hostile files change nothing; services are
//! assigned; the calendar is edited; and every change is on the record.

mod common;

use common::{
    Browser, Reply, act, create_demo_accounts, id_of, on_both_databases, signed_in, sjj_service,
    start, submit_one,
};
use onestop::domain::workflow::{Definition, StateKind};

/// The raw text of the first element matching `selector` (a textarea keeps its line breaks).
fn raw_text(reply: &Reply, selector: &str) -> String {
    let selector = scraper::Selector::parse(selector).unwrap();
    reply
        .html()
        .select(&selector)
        .next()
        .unwrap_or_else(|| panic!("nothing matches in {}", reply.body))
        .text()
        .collect()
}

/// Starts a draft of the default workflow from `version`; returns its page's path.
async fn start_draft(admin: &mut Browser<'_>, version: &str) -> String {
    let started = admin
        .submit(
            "/admin/workflows/default",
            "/admin/workflows/default/drafts",
            &[("version", version)],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    started.header("location").unwrap().to_owned()
}

/// Saves `definition` into the draft at `path`; returns the reply.
async fn save(admin: &mut Browser<'_>, path: &str, source: &str) -> Reply {
    let page = admin.get(path).await;
    let lock = page.attrs("input[name=lock_version]", "value").remove(0);
    admin
        .submit(path, path, &[("source", source), ("lock_version", &lock)])
        .await
}

/// Sends one of the draft page's edit forms with the draft's current lock.
async fn edit(admin: &mut Browser<'_>, draft: &str, fields: &[(&str, &str)]) -> Reply {
    let page = admin.get(draft).await;
    let lock = page.attrs("input[name=lock_version]", "value").remove(0);
    let mut all = fields.to_vec();
    all.push(("lock_version", &lock));
    admin.submit(draft, &format!("{draft}/edit"), &all).await
}

async fn publish(admin: &mut Browser<'_>, path: &str) -> Reply {
    let page = admin.get(path).await;
    let lock = page.attrs("input[name=lock_version]", "value").remove(0);
    admin
        .submit(path, &format!("{path}/publish"), &[("lock_version", &lock)])
        .await
}

/// The default workflow with a pre-check step between receipt and acceptance, or (`reachable`
/// false) with only the state, which nothing leads to.
fn with_precheck(source: &str, reachable: bool) -> String {
    let mut d = Definition::parse(source).expect("the draft's source parses");
    let mut state = d.state("submitted").unwrap().clone();
    state.code = "precheck".into();
    state.name_zh = "预审".into();
    state.name_en = "Pre-check".into();
    state.kind = StateKind::Working;
    d.states.push(state);
    if reachable {
        let mut start = d
            .transitions
            .iter()
            .find(|t| t.name == "start_review")
            .unwrap()
            .clone();
        start.name = "start_precheck".into();
        start.label_zh = "开始预审".into();
        start.label_en = "Start the pre-check".into();
        start.from = vec!["submitted".into()];
        start.to = "precheck".into();
        d.transitions.push(start);
        for t in d
            .transitions
            .iter_mut()
            .filter(|t| t.name == "accept" || t.name == "refuse")
        {
            t.from.push("precheck".into());
        }
    }
    d.to_toml()
}

fn newest_version(page: &Reply) -> String {
    page.texts(".workflow-row")
        .into_iter()
        .find(|r| r.contains("default"))
        .unwrap()
}

on_both_databases! {
    async fn a_published_version_runs_new_applications_and_old_ones_keep_theirs(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let older = id_of(&app, &submit_one(&mut citizen, &code).await);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let list = admin.get("/admin/workflows").await;
        assert_eq!(list.status, 200);
        assert!(newest_version(&list).contains("v1"), "{}", newest_version(&list));
        let shown = admin.get("/admin/workflows/default").await;
        assert_eq!(shown.attrs("svg[role=img]", "viewBox").len(), 1, "the state diagram");
        assert!(shown.texts("svg g.state text").contains(&"已收件".to_owned()));
        // Actions are numbered badges on the arrows, named in the legend below.
        let legend = shown.texts(".diagram-legend li");
        let badges: std::collections::BTreeSet<usize> = shown.texts("svg g.badge text").iter().map(|n| n.parse().unwrap()).collect();
        assert_eq!(badges, (1..=legend.len()).collect(), "every badge is in the legend and every line has a badge");
        assert!(legend.iter().any(|l| l.starts_with("受理 ") && l.contains("已收件 → 已受理")), "{legend:?}");

        let draft = start_draft(&mut admin, "1").await;
        let source = raw_text(&admin.get(&draft).await, "textarea#source");
        // A state nothing leads to: kept with its problem, and not publishable.
        assert_eq!(save(&mut admin, &draft, &with_precheck(&source, false)).await.status, 303);
        let page = admin.get(&draft).await;
        assert!(page.text(".problems").contains("从初始状态到达不了状态 precheck"), "{}", page.text(".problems"));
        // The same problem in English for a reader of English: checked afresh, not stored text.
        admin.cookies.insert("lang".into(), "en".into());
        let english = admin.get(&draft).await;
        admin.cookies.remove("lang");
        assert!(english.text(".problems").contains("state precheck cannot be reached from the initial state"), "{}", english.text(".problems"));
        assert!(!english.text(".problems").chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "no Chinese in the English problems");
        assert!(page.attrs("form[action$='/publish']", "action").is_empty(), "no publish button");
        assert!(raw_text(&page, "textarea#source").contains("precheck"), "the invalid draft is kept");
        let refused = publish(&mut admin, &draft).await;
        assert_eq!(refused.status, 422);
        assert!(refused.text(".problems").contains("precheck"));
        assert!(newest_version(&admin.get("/admin/workflows").await).contains("v1"), "nothing published");

        assert_eq!(save(&mut admin, &draft, &with_precheck(&source, true)).await.status, 303);
        assert!(admin.get(&draft).await.texts(".problems").is_empty());
        let published = publish(&mut admin, &draft).await;
        assert_eq!(published.status, 303, "{}", published.body);
        assert_eq!(published.header("location"), Some("/admin/workflows/default?version=2&notice=published"));
        assert!(newest_version(&admin.get("/admin/workflows").await).contains("v2"));
        let published_page = admin.get(&draft).await;
        assert!(published_page.attrs("textarea", "name").is_empty(), "a published draft is read-only");
        let late = admin.submit(&draft, &draft, &[("source", &source), ("lock_version", "2")]).await;
        assert_eq!(late.status, 409);

        // New applications run v2; the older one keeps v1.
        let newer = id_of(&app, &submit_one(&mut citizen, &code).await);
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        let new_page = clerk.get(&format!("/workspace/applications/{newer}")).await;
        assert_eq!(new_page.attrs("form[action$='/transitions/start_precheck']", "action").len(), 1);
        assert_eq!(new_page.text("svg g.state.current text"), "已收件", "its state highlighted");
        assert!(new_page.texts("svg g.state text").contains(&"预审".to_owned()));
        let old_page = clerk.get(&format!("/workspace/applications/{older}")).await;
        assert!(old_page.attrs("form[action$='/transitions/start_precheck']", "action").is_empty());
        assert!(!old_page.texts("svg g.state text").contains(&"预审".to_owned()));
        assert_eq!(act(&mut clerk, older, "start_precheck", &[]).await.status, 409, "not in v1");
        assert_eq!(act(&mut clerk, newer, "start_precheck", &[]).await.status, 303);
        // The new state and step are named as the definition names them, for everyone.
        let mine = citizen.get(&format!("/applications/{newer}")).await;
        assert_eq!(mine.text(".facts .status"), "预审");
        assert_eq!(mine.text(".procedure svg g.state.current text"), "预审", "the applicant's page draws it too");
        assert!(mine.text(".timeline").contains("开始预审"), "{}", mine.text(".timeline"));
        assert!(citizen.get("/applications").await.texts(".status").join(" ").contains("预审"));
        let case = clerk.get(&format!("/workspace/applications/{newer}")).await;
        assert!(case.text(".timeline.audit").contains("开始预审"));
        assert_eq!(act(&mut clerk, newer, "accept", &[]).await.status, 303, "accepted after the pre-check");
        assert_eq!(act(&mut clerk, older, "accept", &[]).await.status, 303, "accepted the v1 way");

        let diff = admin.get("/admin/workflows/default/diff?from=1&to=2").await;
        assert_eq!(diff.status, 200);
        let added = diff.texts("td.added").join("\n");
        assert!(added.contains("precheck") && added.contains("start_precheck"), "{added}");
        let removed = diff.texts("td.removed");
        assert!(!removed.is_empty() && removed.iter().all(|l| l.contains("from = [\"submitted\"]")), "only accept's and refuse's origins changed: {removed:?}");
        assert_eq!(admin.get("/admin/workflows/default/diff?from=1&to=9").await.status, 404);

        let log = admin.get("/admin/log").await;
        let entries = log.texts(".admin-event").join("\n");
        assert!(entries.contains("发布流程版本") && entries.contains("default v2"), "{entries}");
        assert!(entries.contains("保存流程草稿"));
        let after = log.texts(".admin-event pre").join("\n");
        assert!(after.contains("start_precheck"), "before and after are kept");
    }

    async fn two_administrators_never_overwrite_each_other(app) {
        create_demo_accounts(&app);
        let mut first = signed_in(&app, "admin@demo.onestop.cn").await;
        let mut second = signed_in(&app, "admin@demo.onestop.cn").await;
        let draft = start_draft(&mut first, "1").await;
        let page = second.get(&draft).await;
        let lock = page.attrs("input[name=lock_version]", "value").remove(0);
        let source = raw_text(&page, "textarea#source");
        let theirs = source.replacen("行政许可标准流程", "行政许可标准流程（甲）", 1);
        let mine = source.replacen("行政许可标准流程", "行政许可标准流程（乙）", 1);
        assert_eq!(first.submit(&draft, &draft, &[("source", &theirs), ("lock_version", &lock)]).await.status, 303);
        let refused = second.submit(&draft, &draft, &[("source", &mine), ("lock_version", &lock)]).await;
        assert_eq!(refused.status, 409);
        assert!(refused.text(".error-summary").contains("其他管理员已先保存"), "{}", refused.text(".error-summary"));
        assert!(raw_text(&refused, "textarea#source").contains("（乙）"), "what was typed is kept");
        assert!(raw_text(&second.get(&draft).await, "textarea#source").contains("（甲）"), "the first save stands");
        // Publishing from a stale page is refused too.
        let stale_publish = second.submit(&draft, &format!("{draft}/publish"), &[("lock_version", &lock)]).await;
        assert_eq!(stale_publish.status, 409);
    }

    async fn import_checks_like_the_editor_and_a_bad_file_changes_nothing(app) {
        create_demo_accounts(&app);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let exported = admin.get("/admin/workflows/default/v1.toml").await;
        assert_eq!(exported.status, 200);
        assert_eq!(exported.header("content-disposition"), Some("attachment; filename=\"default-v1.toml\""));
        let definition = Definition::parse(&exported.body).expect("the export reads back");
        assert_eq!(definition.key, "default");

        let drafts_before = admin.get("/admin/workflows/default").await.texts("a[href^='/admin/workflow-drafts/']").len();
        let copy = exported.body.replacen("key = \"default\"", "key = \"default-copy\"", 1);
        let hostile: Vec<(String, &str)> = vec![
            ("key = \n".into(), "第 1 行"),
            (exported.body.replacen("name_zh", "colour = \"red\"\nname_zh", 1), "colour"),
            (format!("# {}\n{}", "x".repeat(300 * 1024), exported.body), "KiB"),
            (exported.body.replacen("label_zh = \"受理\"", "label_zh = \"<script>alert(1)</script>\"", 1), "含有 < 或 >"),
            (exported.body.replacen("to = \"accepted\"", "to = \"nowhere\"", 1), "不存在的状态 nowhere"),
        ];
        for (file, message) in &hostile {
            let refused = admin.upload("/admin/workflows/import", "", "hostile.toml", file.as_bytes()).await;
            assert_eq!(refused.status, 422, "{message}");
            let problems = refused.text(".problems");
            assert!(problems.contains(message), "{message}: {problems}");
            assert!(!refused.body.contains("<script>alert(1)"), "escaped");
        }
        // A syntax error after Chinese text, read in English: an English reason, and the line
        // with a caret under the place as one preformatted block (the text before the place is
        // drawn invisibly, so the caret stands under the right character in any font).
        admin.cookies.insert("lang".into(), "en".into());
        let garbled = exported.body.replacen("label_zh = \"受理\"", "label_zh = \"受理\" garbage", 1);
        let line_number = garbled.lines().position(|l| l.contains("garbage")).unwrap() + 1;
        let refused = admin.upload("/admin/workflows/import", "", "garbled.toml", garbled.as_bytes()).await;
        admin.cookies.remove("lang");
        assert_eq!(refused.status, 422);
        let problems = refused.text(".problems");
        assert!(problems.contains(&format!("Line {line_number}, column 17 cannot be read")), "{problems}");
        assert_eq!(refused.texts("pre.source-place").len(), 1, "one preformatted block");
        let block = refused.text("pre.source-place");
        assert!(block.contains(&format!("{line_number} | label_zh = \"受理\" garbage")), "{block}");
        let html = refused.html();
        let pad = html.select(&scraper::Selector::parse("pre.source-place .caret-pad[aria-hidden=true]").unwrap()).next().expect("the hidden pad");
        assert_eq!(pad.text().collect::<String>(), "label_zh = \"受理\" ", "the caret stands under the g of garbage");
        assert!(block.contains("\" ^"), "the caret follows the pad: {block}");

        let after = admin.get("/admin/workflows/default").await.texts("a[href^='/admin/workflow-drafts/']").len();
        assert_eq!(after, drafts_before, "nothing stored");

        let imported = admin.upload("/admin/workflows/import", "", "copy.toml", copy.as_bytes()).await;
        assert_eq!(imported.status, 303, "{}", imported.body);
        let draft = imported.header("location").unwrap().to_owned();
        assert!(draft.ends_with("?notice=imported"));
        assert_eq!(publish(&mut admin, draft.trim_end_matches("?notice=imported")).await.status, 303);
        let copy_page = admin.get("/admin/workflows/default-copy").await;
        assert_eq!(copy_page.status, 200);
        assert_eq!(Definition::parse(&admin.get("/admin/workflows/default-copy/v1.toml").await.body).unwrap().states, definition.states, "round trip");
    }

    async fn services_are_assigned_and_the_calendar_edited_on_the_record(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let page = "/admin/workflows/joint-review";
        let assigned = admin.submit(page, &format!("{page}/assign"), &[("scope", "service"), ("value", &code)]).await;
        assert_eq!(assigned.status, 303);
        let shown = admin.get(assigned.header("location").unwrap()).await;
        assert!(shown.text(".notice").contains('1'), "{}", shown.text(".notice"));
        assert!(shown.text(".service-codes").contains(&code));
        let nothing = admin.submit(page, &format!("{page}/assign"), &[("scope", "department"), ("value", "NOPE")]).await;
        assert_eq!(nothing.status, 422);
        assert!(nothing.text(".problems").contains("没有符合条件的办理项：部门 NOPE"), "{}", nothing.text(".problems"));
        admin.cookies.insert("lang".into(), "en".into());
        let nothing = admin.submit(page, &format!("{page}/assign"), &[("scope", "department"), ("value", "NOPE")]).await;
        assert!(nothing.text(".problems").contains("No service matches: department NOPE"), "{}", nothing.text(".problems"));
        admin.cookies.remove("lang");
        assert_eq!(admin.submit(page, "/admin/workflows/missing/assign", &[("scope", "service"), ("value", &code)]).await.status, 404);

        let calendar = "/admin/calendar?year=2027";
        assert_eq!(admin.get(calendar).await.status, 200);
        let added = admin.submit(calendar, "/admin/calendar", &[("day", "2027-03-03"), ("kind", "holiday"), ("note", "示范假日")]).await;
        assert_eq!(added.status, 303);
        assert!(admin.get(calendar).await.texts(".calendar-row").iter().any(|r| r.contains("2027-03-03") && r.contains("示范假日")));
        let weekday_worked = admin.submit(calendar, "/admin/calendar", &[("day", "2027-03-04"), ("kind", "workday"), ("note", "x")]).await;
        assert_eq!(weekday_worked.status, 422);
        assert!(weekday_worked.text(".problems").contains("调休上班日是周六或周日"), "{}", weekday_worked.text(".problems"));
        admin.cookies.insert("lang".into(), "en".into());
        let in_english = admin.submit(calendar, "/admin/calendar", &[("day", "2027-03-04"), ("kind", "workday"), ("note", "x")]).await;
        admin.cookies.remove("lang");
        assert!(in_english.text(".problems").contains("a make-up working day is a Saturday or Sunday"), "{}", in_english.text(".problems"));
        assert_eq!(weekday_worked.attrs("input[name=note]", "value"), ["x"], "what was typed is kept");
        let bad_date = admin.submit(calendar, "/admin/calendar", &[("day", "3 March"), ("kind", "holiday"), ("note", "x")]).await;
        assert_eq!(bad_date.status, 422);
        assert!(bad_date.text(".error-summary").contains("年-月-日"));
        let removed = admin.submit(calendar, "/admin/calendar/2027-03-03/remove", &[]).await;
        assert_eq!(removed.status, 303);
        assert!(!admin.get(calendar).await.body.contains("示范假日"));
        assert_eq!(admin.submit(calendar, "/admin/calendar/2027-03-03/remove", &[]).await.status, 404);

        let log = admin.get("/admin/log").await.texts(".admin-event").join("\n");
        for kind in ["为事项指定流程", "设置日历日期", "删除日历日期"] {
            assert!(log.contains(kind), "{kind} in {log}");
        }
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        for path in ["/admin/workflows", "/admin/workflows/default", "/admin/calendar", "/admin/log"] {
            assert_eq!(clerk.get(path).await.status, 404, "{path}");
        }
    }

    async fn a_form_is_checked_previewed_and_published_and_started_applications_keep_theirs(app) {
        use onestop::domain::forms::FormDefinition;
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let older = submit_one(&mut citizen, &code).await;
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let found = admin.get(&format!("/admin/forms?service={code}")).await;
        assert_eq!(found.status, 303);
        let editor = format!("/admin/forms/{code}");
        assert_eq!(found.header("location"), Some(editor.as_str()));
        let page = admin.get(&editor).await;
        assert_eq!(page.status, 200);
        let source = raw_text(&page, "textarea#source");
        let mut form: FormDefinition = toml::from_str(&source).expect("the editor shows TOML");
        let mut sign = form.sections[0].fields[0].clone();
        sign.name = "shop_sign".into();
        sign.label.zh = "店招名称".into();
        sign.label.en = "Shop sign".into();
        sign.required = false;
        form.sections[0].fields.push(sign.clone());
        let edited = toml::to_string_pretty(&form).unwrap();

        // Saved as a draft: checked, previewed, not yet used.
        let saved = admin.submit(&editor, &editor, &[("source", &edited), ("action", "save")]).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let draft_page = admin.get(&editor).await;
        assert!(draft_page.texts(".form-preview label").iter().any(|l| l.contains("店招名称")), "the preview shows the new field");
        assert!(draft_page.text("h1").contains("v1"), "nothing published yet");
        let lock = |page: &Reply| page.attrs("input[name=lock_version]", "value").remove(0);
        let draft_id = draft_page.attrs("input[name=draft]", "value").remove(0);

        // A field twice: kept with its problem, and not publishable.
        form.sections[0].fields.push(sign);
        let twice = toml::to_string_pretty(&form).unwrap();
        let lock_now = lock(&draft_page);
        assert_eq!(admin.submit(&editor, &editor, &[("source", &twice), ("action", "save"), ("draft", &draft_id), ("lock_version", &lock_now)]).await.status, 303);
        let broken = admin.get(&editor).await;
        assert!(broken.text(".problems").contains("字段 shop_sign 出现了两次"), "{}", broken.text(".problems"));
        assert!(raw_text(&broken, "textarea#source").contains("shop_sign"), "the draft is kept");
        assert!(broken.attrs("button[value=publish]", "value").is_empty(), "no publish button");
        let refused = admin.submit(&editor, &editor, &[("action", "publish"), ("draft", &draft_id), ("lock_version", &lock(&broken))]).await;
        assert_eq!(refused.status, 422);

        // Another administrator saves meanwhile: the stale save is refused, its text kept.
        let mut other = signed_in(&app, "admin@demo.onestop.cn").await;
        let stale_lock = lock(&broken);
        assert_eq!(other.submit(&editor, &editor, &[("source", &edited), ("action", "save"), ("draft", &draft_id), ("lock_version", &stale_lock)]).await.status, 303);
        let stale = admin.submit(&editor, &editor, &[("source", &twice), ("action", "save"), ("draft", &draft_id), ("lock_version", &stale_lock)]).await;
        assert_eq!(stale.status, 409);
        assert!(raw_text(&stale, "textarea#source").matches("shop_sign").count() == 2, "what was typed is kept");

        let fixed = admin.get(&editor).await;
        assert!(fixed.texts(".problems").is_empty());
        let published = admin.submit(&editor, &editor, &[("action", "publish"), ("draft", &draft_id), ("lock_version", &lock(&fixed))]).await;
        assert_eq!(published.status, 303, "{}", published.body);
        assert!(admin.get(&editor).await.text("h1").contains("v2"));
        assert!(admin.get(&editor).await.attrs("input[name=draft]", "value").is_empty(), "the draft is closed");

        // A new application gets the new form; the one submitted before keeps its own.
        let newer = start(&mut citizen, &code).await;
        let form_page = citizen.get(&format!("{newer}/edit")).await;
        assert!(form_page.texts("label").iter().any(|l| l.contains("店招名称")));
        let older_page = citizen.get(&format!("/applications/{}", id_of(&app, &older))).await;
        assert!(!older_page.body.contains("店招名称"));
        let log = admin.get("/admin/log").await.texts(".admin-event").join("\n");
        assert!(log.contains("发布表单") && log.contains(&format!("{code} v2")), "{log}");
    }

    async fn states_and_steps_are_added_renamed_and_removed_with_forms(app) {
        create_demo_accounts(&app);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let draft = start_draft(&mut admin, "1").await;
        let added = edit(&mut admin, &draft, &[("op", "add_state"), ("code", "precheck"), ("name_zh", "预审"), ("name_en", "Pre-check"), ("kind", "working"), ("phase", "acceptance")]).await;
        assert_eq!(added.status, 303, "{}", added.body);
        let page = admin.get(&draft).await;
        assert!(page.texts(".state-row").iter().any(|r| r.contains("precheck") && r.contains("预审")));
        assert!(page.text(".problems").contains("从初始状态到达不了状态 precheck"), "checked like a typed save");
        assert!(raw_text(&page, "textarea#source").contains("code = \"precheck\""), "the text follows");
        assert_eq!(edit(&mut admin, &draft, &[("op", "add_state"), ("code", "precheck"), ("name_zh", "x"), ("name_en", "x"), ("kind", "working"), ("phase", "acceptance")]).await.status, 422, "no second precheck");

        let step = edit(&mut admin, &draft, &[
            ("op", "add_transition"), ("name", "start_precheck"), ("label_zh", "开始预审"), ("label_en", "Start the pre-check"),
            ("from", "submitted"), ("to", "precheck"), ("performer", "department"), ("roles", "clerk"), ("roles", "head"), ("effect", "none"),
            ("subject_zh", "预审开始"), ("subject_en", "Pre-check started"), ("body_zh", "{service} 进入预审。"), ("body_en", "{service} is being pre-checked."),
        ]).await;
        assert_eq!(step.status, 303, "{}", step.body);
        let half_notice = edit(&mut admin, &draft, &[
            ("op", "add_transition"), ("name", "finish_precheck"), ("label_zh", "预审通过"), ("label_en", "Pre-check passed"),
            ("from", "precheck"), ("to", "accepted"), ("performer", "department"), ("roles", "clerk"), ("effect", "accept"), ("subject_zh", "只有主题"),
        ]).await;
        assert_eq!(half_notice.status, 422);
        assert!(half_notice.text(".problems").contains("中英文标题和正文都填写"), "{}", half_notice.text(".problems"));
        let finish = edit(&mut admin, &draft, &[
            ("op", "add_transition"), ("name", "finish_precheck"), ("label_zh", "预审通过"), ("label_en", "Pre-check passed"),
            ("from", "precheck"), ("to", "accepted"), ("performer", "department"), ("roles", "clerk"), ("effect", "accept"),
        ]).await;
        assert_eq!(finish.status, 303);
        assert!(admin.get(&draft).await.texts(".problems").is_empty(), "now it runs");

        let renamed = edit(&mut admin, &draft, &[("op", "rename_state"), ("state", "precheck"), ("new_code", "pre_check"), ("name_zh", "预先审查"), ("name_en", "Preliminary check")]).await;
        assert_eq!(renamed.status, 303);
        let page = admin.get(&draft).await;
        assert!(page.texts(".problems").is_empty(), "the steps follow the new code");
        assert!(page.texts(".transition-row").iter().any(|r| r.contains("start_precheck") && r.contains("submitted → pre_check")));

        let removed = edit(&mut admin, &draft, &[("op", "remove_transition"), ("transition", "finish_precheck")]).await;
        assert_eq!(removed.status, 303);
        assert!(admin.get(&draft).await.text(".problems").contains("从状态 pre_check 到达不了任何终止状态"));
        assert_eq!(edit(&mut admin, &draft, &[("op", "remove_state"), ("state", "pre_check")]).await.status, 303);
        assert!(admin.get(&draft).await.texts(".problems").is_empty(), "back to a sound definition");
        assert_eq!(edit(&mut admin, &draft, &[("op", "remove_state"), ("state", "nowhere")]).await.status, 422);
    }

    async fn a_steps_own_time_limit_is_what_the_queue_supervises(app) {
        create_demo_accounts(&app);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let draft = start_draft(&mut admin, "1").await;
        let source = raw_text(&admin.get(&draft).await, "textarea#source");
        let mut d = Definition::parse(&source).unwrap();
        d.states.iter_mut().find(|s| s.code == "on_site_check").unwrap().time_limit_days = Some(0);
        assert_eq!(save(&mut admin, &draft, &d.to_toml()).await.status, 303);
        assert!(admin.get(&draft).await.text(".problems").contains("的时限为 0 个工作日"));
        d.states.iter_mut().find(|s| s.code == "on_site_check").unwrap().time_limit_days = Some(2);
        assert_eq!(save(&mut admin, &draft, &d.to_toml()).await.status, 303);
        assert_eq!(publish(&mut admin, &draft).await.status, 303);

        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, "citizen@demo.onestop.cn").await;
        let id = id_of(&app, &submit_one(&mut citizen, &code).await);
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        for (step, fields) in [("accept", vec![]), ("start_review", vec![]), ("site_check", vec![("note", "明天上午九点")])] {
            assert_eq!(act(&mut clerk, id, step, &fields).await.status, 303, "{step}");
        }
        use diesel::prelude::*;
        use onestop::db::schema::applications;
        let mut conn = common::pool(&app).get().unwrap();
        let (entered, due): (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>) = applications::table
            .find(id)
            .select((applications::state_entered_on, applications::due_on))
            .first(&mut **conn)
            .unwrap();
        let calendar = onestop::services::workflow::load_calendar(&mut conn).unwrap();
        let limit = calendar.add_working_days(entered.unwrap(), 2);
        assert_eq!(due, Some(limit), "the queue sorts and supervises by the step's limit");
        let page = clerk.get(&format!("/workspace/applications/{id}")).await;
        assert!(page.text(".deadlines").contains(&format!("本环节时限{limit}")), "{}", page.text(".deadlines"));
    }
}
