//! Accounts and the security baseline, through HTTP on both databases.

mod common;

use common::{Browser, DEMO_PASSWORD, create_demo_accounts, link_in, mails, on_both_databases};

const ID: &str = "11010519491231002X";
const CREDIT_CODE: &str = "91350100M000100Y43";
const PASSWORD: &str = "a long and unusual passphrase";

fn citizen_fields<'a>(email: &'a str, id: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "张三"),
        ("national_id", id),
        ("phone", "13912345678"),
        ("email", email),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ]
}

on_both_databases! {
    async fn a_citizen_registers_verifies_the_email_once_and_signs_in(app) {
        let mut browser = Browser::new(&app);
        let reply = browser.submit("/register/citizen", "/register/citizen", &citizen_fields("zhang@example.cn", ID)).await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(reply.header("location"), Some("/register/sent"));
        let sent = browser.get("/register/sent").await;
        assert_eq!(sent.text("h1"), "请查收邮件");
        assert!(sent.text(".lead").contains("48小时内"), "{}", sent.text(".lead"));
        assert_eq!(browser.get("/account").await.status, 303, "registering signs nobody in");

        let mail = mails(&app).pop().expect("a verification mail");
        assert!(mail.contains("To: zhang@example.cn"), "{mail}");
        let link = link_in(&mail, "http://onestop.test/verify-email?token=");
        let verified = browser.get(&link).await;
        assert_eq!(verified.header("location"), Some("/login?notice=verified"));
        assert!(browser.get("/login?notice=verified").await.text("[role=status]").contains("已验证"));
        assert_eq!(browser.sign_in("zhang@example.cn", PASSWORD).await.status, 303);
        let account = browser.get("/account").await;
        assert!(account.text(".facts").contains("张三") && account.text(".facts").contains("zhang@example.cn"));
        assert!(!account.body.contains("尚未验证"));
        let again = browser.get(&link).await;
        assert_eq!(again.status, 400, "a verification link works once");
        assert_eq!(again.text("h1"), "链接无效");
    }

    async fn the_verification_mail_is_in_the_page_language_and_its_link_leaves_the_outbox(app) {
        use diesel::prelude::*;
        use onestop::db::schema::outbox;
        let mut browser = Browser::new(&app);
        assert_eq!(browser.get("/lang/en?next=/register/citizen").await.status, 303);
        let reply = browser.submit("/register/citizen", "/register/citizen", &citizen_fields("li@example.cn", ID)).await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        // Queued with the account in one transaction; nothing is sent from inside the request.
        let queued = || -> Vec<(String, String, String, Option<String>)> {
            outbox::table
                .select((outbox::kind, outbox::lang, outbox::body, outbox::link_path))
                .load(&mut **common::pool(&app).get().unwrap())
                .unwrap()
        };
        let rows = queued();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!((rows[0].0.as_str(), rows[0].1.as_str()), ("account:verify", "en"));
        assert!(rows[0].3.as_deref().is_some_and(|l| l.starts_with("/verify-email?token=")));
        let folder = common::mail_folder(&app.db);
        assert!(std::fs::read_dir(&folder).map_or(true, |mut d| d.next().is_none()), "no mail before the worker runs");

        let mail = mails(&app).pop().expect("a verification mail");
        assert!(mail.contains("Subject: Please verify your email"), "{mail}");
        assert!(mail.contains("Dear 张三,"), "{mail}");
        let link = link_in(&mail, "http://onestop.test/verify-email?token=");
        // Once sent, the outbox no longer holds a link that opens the account.
        let rows = queued();
        assert_eq!(rows[0].2, onestop::db::outbox::LINK_REMOVED);
        assert_eq!(rows[0].3, None);
        assert_eq!(browser.get(&link).await.status, 303);
    }

    async fn a_wrong_check_digit_is_named_and_every_other_value_is_kept(app) {
        let mut browser = Browser::new(&app);
        let reply = browser.submit("/register/citizen", "/register/citizen", &citizen_fields("zhang@example.cn", "110105194912310021")).await;
        assert_eq!(reply.status, 422);
        assert_eq!(reply.attrs(".error-summary a", "href"), ["#national_id"]);
        assert!(reply.text("#national_id-error").contains("校验位不正确"), "{}", reply.text(".error-summary"));
        assert_eq!(reply.attrs("#national_id", "aria-invalid"), ["true"]);
        assert_eq!(reply.attrs("#name", "value"), ["张三"]);
        assert_eq!(reply.attrs("#phone", "value"), ["13912345678"]);
        assert_eq!(reply.attrs("#email", "value"), ["zhang@example.cn"]);
        assert!(!reply.body.contains(PASSWORD), "passwords are never sent back");
        // Nothing was created: the same email registers fine once corrected.
        let fixed = browser.submit("/register/citizen", "/register/citizen", &citizen_fields("zhang@example.cn", ID)).await;
        assert_eq!(fixed.status, 303);
    }

    async fn every_invalid_registration_field_gets_its_own_message(app) {
        let mut browser = Browser::new(&app);
        let reply = browser.submit("/register/citizen", "/register/citizen", &[
            ("name", ""), ("national_id", "11010519491331002X"), ("phone", "12345"), ("email", "not-an-email"),
            ("password", "123456789a"), ("password_confirm", "123456789a"),
        ]).await;
        assert_eq!(reply.status, 422);
        assert_eq!(reply.attrs(".error-summary a", "href"), ["#name", "#national_id", "#phone", "#email", "#password"]);
        assert!(reply.text("#national_id-error").contains("出生日期"));
        assert!(reply.text("#password-error").contains("常见"));
        let short = browser.submit("/register/citizen", "/register/citizen", &[
            ("name", "张三"), ("national_id", ID), ("phone", "13912345678"), ("email", "z@example.cn"),
            ("password", "short"), ("password_confirm", "short"),
        ]).await;
        assert!(short.text("#password-error").contains("至少需要10个字符"));
        let mismatch = browser.submit("/register/citizen", "/register/citizen", &[
            ("name", "张三"), ("national_id", ID), ("phone", "13912345678"), ("email", "z@example.cn"),
            ("password", PASSWORD), ("password_confirm", "another long passphrase"),
        ]).await;
        assert_eq!(mismatch.attrs(".error-summary a", "href"), ["#password_confirm"]);
    }

    async fn a_firm_registers_with_a_valid_credit_code_once(app) {
        let fields = |code: &'static str, email: &'static str| vec![
            ("company", "深圳市宝安测试餐饮有限公司"), ("credit_code", code), ("legal_representative", "张华"),
            ("contact_name", "刘芳"), ("email", email), ("password", PASSWORD), ("password_confirm", PASSWORD),
        ];
        let mut browser = Browser::new(&app);
        let wrong = browser.submit("/register/firm", "/register/firm", &fields("91350100M000100Y44", "firm@example.cn")).await;
        assert_eq!(wrong.status, 422);
        assert!(wrong.text("#credit_code-error").contains("校验位不正确"));
        assert_eq!(wrong.attrs("#company", "value"), ["深圳市宝安测试餐饮有限公司"]);
        let ok = browser.submit("/register/firm", "/register/firm", &fields(CREDIT_CODE, "firm@example.cn")).await;
        assert_eq!(ok.status, 303);
        // Not before the address is verified, and answered like a wrong password.
        let early = browser.sign_in("firm@example.cn", PASSWORD).await;
        assert_eq!(early.status, 422);
        assert_eq!(early.text(".error-summary"), browser.sign_in("firm@example.cn", "a wrong password!").await.text(".error-summary"));
        let link = link_in(&mails(&app).pop().expect("the verification mail"), "http://onestop.test/verify-email?token=");
        browser.get(&link).await;
        assert_eq!(browser.sign_in("firm@example.cn", PASSWORD).await.status, 303);
        assert!(browser.get("/account").await.text(".facts").contains("法人"));
        let accounts = || -> i64 {
            use diesel::prelude::*;
            onestop::db::schema::users::table.count().get_result(&mut **common::pool(&app).get().unwrap()).unwrap()
        };
        assert_eq!(accounts(), 1);
        assert_eq!(mails(&app).len(), 1, "the verification mail");
        // Registering the same address again with one's own password does not open the account.
        let mut squatter = Browser::new(&app);
        squatter.submit("/register/firm", "/register/firm", &[
            ("company", "深圳市宝安冒名公司"), ("credit_code", "91440300MA5DC0QX8X"), ("legal_representative", "某某"),
            ("contact_name", "某某"), ("email", "firm@example.cn"), ("password", "the squatter's own secret"), ("password_confirm", "the squatter's own secret"),
        ]).await;
        assert_eq!(squatter.sign_in("firm@example.cn", "the squatter's own secret").await.status, 422);

        // The same credit code, then the same email: the same answer as a new registration,
        // nothing created, and the owner told by mail (not the one who tried).
        let mut other = Browser::new(&app);
        let duplicate = other.submit("/register/firm", "/register/firm", &fields(CREDIT_CODE, "other@example.cn")).await;
        let same_email = other.submit("/register/firm", "/register/firm", &fields("91440300MA5DC0QX8X", "firm@example.cn")).await;
        for reply in [&duplicate, &same_email] {
            assert_eq!(reply.status, 303, "{}", reply.body);
            assert_eq!(reply.header("location"), ok.header("location"));
            assert_eq!(reply.body, ok.body);
        }
        assert_eq!(accounts(), 1, "nothing was created");
        let sent = mails(&app);
        assert_eq!(sent.len(), 4, "one mail for each attempt (the squatter's included)");
        for mail in &sent[1..] {
            assert!(mail.contains("To: firm@example.cn"), "the owner is told: {mail}");
            assert!(mail.contains("您已有账户，无需重复注册"), "{mail}");
            assert!(mail.contains("http://onestop.test/password/forgot"), "{mail}");
        }
        assert!(sent.iter().all(|m| !m.contains("other@example.cn")), "the one who tried hears nothing");
    }

    async fn each_role_lands_where_it_works_unless_a_page_asked(app) {
        create_demo_accounts(&app);
        for (who, landing) in [("citizen", "/applications"), ("firm", "/applications"), ("clerk.sjj", "/workspace"), ("head.sjj", "/workspace"), ("admin", "/admin")] {
            let mut browser = Browser::new(&app);
            let reply = browser.submit("/login", "/login", &[("email", &format!("{who}@demo.onestop.cn")), ("password", DEMO_PASSWORD)]).await;
            assert_eq!(reply.header("location"), Some(landing), "{who}");
            assert_eq!(browser.get(landing).await.status, 200, "{who}");
        }
        // A page that sent the visitor to sign in gets them back.
        let mut browser = Browser::new(&app);
        let asked = browser.get("/account/password").await;
        let login = asked.header("location").unwrap().to_owned();
        let reply = browser.submit(&login, "/login", &[("email", "clerk.sjj@demo.onestop.cn"), ("password", DEMO_PASSWORD), ("next", "/account/password")]).await;
        assert_eq!(reply.header("location"), Some("/account/password"));
        let form = Browser::new(&app).get(&login).await;
        assert_eq!(form.attrs("input[name=next]", "value"), ["/account/password"], "the login form carries it");
    }

    async fn signing_in_and_out_really_ends_the_session(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        let wrong = browser.sign_in("citizen@demo.onestop.cn", "a wrong password here").await;
        let unknown = browser.sign_in("nobody@demo.onestop.cn", DEMO_PASSWORD).await;
        assert_eq!((wrong.status.as_u16(), unknown.status.as_u16()), (422, 422));
        assert_eq!(wrong.text(".error-summary"), unknown.text(".error-summary"), "the same message for both");
        assert_eq!(unknown.attrs("#email", "value"), ["nobody@demo.onestop.cn"]);

        let ok = browser.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        assert_eq!(ok.status, 303);
        assert_eq!(ok.header("location"), Some("/account"));
        let cookie = ok.headers.get_all("set-cookie").map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("onestop_session=")).expect("a session cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
        assert!(!cookie.contains("Secure"), "not over plain HTTP");
        let session = browser.cookies["onestop_session"].clone();
        assert_eq!(browser.get("/account").await.status, 200);

        let out = browser.submit("/account", "/logout", &[]).await;
        assert_eq!(out.status, 303);
        // Replaying the old cookie after logout is anonymous.
        let mut replay = Browser::new(&app);
        replay.cookies.insert("onestop_session".into(), session);
        let after = replay.get("/account").await;
        assert_eq!(after.status, 303);
        assert_eq!(after.header("location"), Some("/login?next=%2Faccount"));
    }

    async fn the_session_id_from_before_login_does_not_survive_it(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        let planted = "ab".repeat(32);
        browser.cookies.insert("onestop_session".into(), planted.clone());
        let login_page = browser.get("/login").await;
        assert_eq!(login_page.status, 200);
        assert!(!browser.cookies.contains_key("onestop_session"), "an unknown session cookie is cleared");
        let anonymous_csrf = browser.cookies["onestop_csrf"].clone();
        browser.cookies.insert("onestop_session".into(), planted.clone());
        let ok = browser.submit("/login", "/login", &[("email", "citizen@demo.onestop.cn"), ("password", DEMO_PASSWORD)]).await;
        assert_eq!(ok.status, 303);
        let session = browser.cookies["onestop_session"].clone();
        assert_ne!(session, planted);
        assert!(!browser.cookies.contains_key("onestop_csrf"), "the pre-login CSRF cookie is dropped");
        let token_after = browser.get("/account").await.attrs("input[name=csrf_token]", "value").remove(0);
        assert_ne!(token_after, anonymous_csrf, "the CSRF token changes at login");
    }

    async fn five_failures_throttle_that_address_for_the_account_until_the_window_passes(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        for _ in 0..5 {
            assert_eq!(browser.sign_in("citizen@demo.onestop.cn", "not the password!").await.status, 422);
        }
        let blocked = browser.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        assert_eq!(blocked.status, 429, "even the right password waits");
        let wait: i64 = blocked.header("retry-after").unwrap().parse().unwrap();
        assert!((14 * 60..=15 * 60).contains(&wait), "{wait}");
        assert!(blocked.text(".lead").contains("分钟后"), "{}", blocked.text(".lead"));
    }

    async fn a_success_resets_the_failure_count(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        for _ in 0..4 {
            assert_eq!(browser.sign_in("firm@demo.onestop.cn", "not the password!").await.status, 422);
        }
        assert_eq!(browser.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await.status, 303);
        let mut again = Browser::new(&app);
        for _ in 0..4 {
            assert_eq!(again.sign_in("firm@demo.onestop.cn", "not the password!").await.status, 422);
        }
        assert_eq!(again.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await.status, 303);
    }

    async fn failures_from_one_address_for_many_accounts_do_not_block_its_office(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        for i in 0..5 {
            let email = format!("guess{i}@demo.onestop.cn");
            assert_eq!(browser.sign_in(&email, "not the password!").await.status, 422);
        }
        // A colleague behind the same address signs in.
        assert_eq!(browser.sign_in("clerk.sjj@demo.onestop.cn", DEMO_PASSWORD).await.status, 303);
    }

    async fn a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        browser.get("/login").await;
        let missing = browser.post_raw("/login", &[("email", "citizen@demo.onestop.cn"), ("password", DEMO_PASSWORD)]).await;
        assert_eq!(missing.status, 403);
        assert_eq!(missing.text("h1"), "页面已过期");
        let wrong = browser.post_raw("/login", &[("csrf_token", &"0".repeat(64)), ("email", "citizen@demo.onestop.cn"), ("password", DEMO_PASSWORD)]).await;
        assert_eq!(wrong.status, 403);
        assert!(!browser.cookies.contains_key("onestop_session"));

        assert_eq!(browser.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await.status, 303);
        let forged = browser.post_raw("/logout", &[("csrf_token", &"0".repeat(64))]).await;
        assert_eq!(forged.status, 403);
        assert_eq!(browser.get("/account").await.status, 200, "still signed in");
        // Another visitor's token does not work for this session either.
        let mut other = Browser::new(&app);
        let other_token = other.get("/login").await.attrs("input[name=csrf_token]", "value").remove(0);
        assert_eq!(browser.post_raw("/logout", &[("csrf_token", &other_token)]).await.status, 403);
        assert_eq!(browser.get("/account").await.status, 200);
    }

    async fn each_role_reaches_only_its_own_areas(app) {
        create_demo_accounts(&app);
        // (area, who may enter): anyone else signed in gets 404, anonymous visitors the login page.
        let areas: [(&str, &[&str]); 7] = [
            ("/account", &["citizen", "firm", "clerk.sjj", "head.sjj", "clerk.wjj", "admin"]),
            ("/workspace", &["clerk.sjj", "head.sjj", "clerk.wjj"]),
            ("/workspace/SJJ", &["clerk.sjj", "head.sjj"]),
            ("/workspace/WJJ", &["clerk.wjj"]),
            ("/admin/users", &["admin"]),
            ("/admin/users/new", &["admin"]),
            ("/admin/outbox", &["admin"]),
        ];
        let mut anonymous = Browser::new(&app);
        for (area, _) in &areas {
            let reply = anonymous.get(area).await;
            assert_eq!(reply.status, 303, "anonymous {area}");
            assert!(reply.header("location").unwrap().starts_with("/login?next="), "anonymous {area}");
        }
        for who in ["citizen", "firm", "clerk.sjj", "head.sjj", "clerk.wjj", "admin"] {
            let mut browser = Browser::new(&app);
            assert_eq!(browser.sign_in(&format!("{who}@demo.onestop.cn"), DEMO_PASSWORD).await.status, 303, "{who}");
            for (area, allowed) in &areas {
                let expected = if allowed.contains(&who) { 200 } else { 404 };
                assert_eq!(browser.get(area).await.status, expected, "{who} at {area}");
            }
        }
    }

    async fn deactivating_a_user_ends_their_sessions_at_once(app) {
        create_demo_accounts(&app);
        let mut citizen = Browser::new(&app);
        assert_eq!(citizen.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await.status, 303);
        let mut admin = Browser::new(&app);
        assert_eq!(admin.sign_in("admin@demo.onestop.cn", DEMO_PASSWORD).await.status, 303);
        let list = admin.get("/admin/users?q=citizen%40demo").await;
        let href = list.attrs(".user-row a", "href").remove(0);
        let reply = admin.submit(&href, &format!("{href}/active"), &[("active", "false")]).await;
        assert_eq!(reply.status, 303);
        assert_eq!(admin.get(&href).await.text(".user-status"), "已停用");
        assert_eq!(citizen.get("/account").await.status, 303, "the session ended");
        assert_eq!(Browser::new(&app).sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await.status, 422);
        admin.submit(&href, &format!("{href}/active"), &[("active", "true")]).await;
        assert_eq!(Browser::new(&app).sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await.status, 303);
    }

    async fn administrators_create_clerks_assign_departments_and_make_heads(app) {
        create_demo_accounts(&app);
        let mut admin = Browser::new(&app);
        admin.sign_in("admin@demo.onestop.cn", DEMO_PASSWORD).await;
        let no_department = admin.submit("/admin/users/new", "/admin/users/new", &[
            ("email", "new.clerk@example.cn"), ("name", "新窗口"), ("role", "clerk"), ("password", PASSWORD),
        ]).await;
        assert_eq!(no_department.status, 422);
        assert!(no_department.text(".error-summary").contains("至少属于一个部门"));
        assert_eq!(no_department.attrs("#email", "value"), ["new.clerk@example.cn"]);
        let created = admin.submit("/admin/users/new", "/admin/users/new", &[
            ("email", "new.clerk@example.cn"), ("name", "新窗口"), ("role", "clerk"), ("department", "JTJ"), ("password", PASSWORD),
        ]).await;
        assert_eq!(created.status, 303);
        let href = created.header("location").unwrap().split('?').next().unwrap().to_owned();

        let mut clerk = Browser::new(&app);
        clerk.sign_in("new.clerk@example.cn", PASSWORD).await;
        assert_eq!(clerk.get("/workspace/JTJ").await.status, 200);
        assert_eq!(clerk.get("/workspace/SJJ").await.status, 404);

        let saved = admin.submit(&href, &format!("{href}/staff"), &[("role", "head"), ("department", "SJJ"), ("department", "JTJ")]).await;
        assert_eq!(saved.status, 303);
        let page = admin.get(&href).await;
        assert!(page.text(".facts").contains("部门负责人") && page.text(".facts").contains("SJJ"), "{}", page.text(".facts"));
        assert_eq!(clerk.get("/workspace/SJJ").await.status, 200, "the new department applies at once");

        let heads = admin.get("/admin/users?role=head").await;
        let emails = heads.texts(".user-row th");
        assert!(emails.contains(&"new.clerk@example.cn".to_owned()) && emails.contains(&"head.sjj@demo.onestop.cn".to_owned()), "{emails:?}");
        assert!(emails.iter().all(|e| !e.starts_with("citizen")));

        // Both changes are on the record, with who made them and what changed.
        let log = admin.get("/admin/log").await;
        let entries = log.texts(".admin-event").join("\n");
        assert!(entries.contains("创建账户") && entries.contains("修改账户"), "{entries}");
        assert!(entries.contains("clerk JTJ") && entries.contains("head SJJ,JTJ"), "before and after: {entries}");
        assert!(entries.contains("系统管理员"), "who: {entries}");
    }

    async fn a_password_change_needs_the_current_one_and_signs_out_elsewhere(app) {
        create_demo_accounts(&app);
        let mut here = Browser::new(&app);
        here.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await;
        let mut elsewhere = Browser::new(&app);
        elsewhere.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await;
        let wrong = here.submit("/account/password", "/account/password", &[
            ("current_password", "not the password!"), ("password", PASSWORD), ("password_confirm", PASSWORD),
        ]).await;
        assert_eq!(wrong.status, 422);
        assert_eq!(wrong.attrs(".error-summary a", "href"), ["#current_password"]);
        let ok = here.submit("/account/password", "/account/password", &[
            ("current_password", DEMO_PASSWORD), ("password", PASSWORD), ("password_confirm", PASSWORD),
        ]).await;
        assert_eq!(ok.status, 303);
        assert_eq!(here.get("/account").await.status, 200);
        assert_eq!(elsewhere.get("/account").await.status, 303);
        assert_eq!(Browser::new(&app).sign_in("firm@demo.onestop.cn", PASSWORD).await.status, 303);
    }

    async fn a_reset_link_works_once(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        let unknown = browser.submit("/password/forgot", "/password/forgot", &[("email", "nobody@example.cn")]).await;
        let known = browser.submit("/password/forgot", "/password/forgot", &[("email", "citizen@demo.onestop.cn")]).await;
        assert_eq!(unknown.text(".notice"), known.text(".notice"), "the answer does not reveal accounts");
        let mail = mails(&app).into_iter().rev().find(|m| m.contains("password/reset")).expect("a reset mail");
        assert!(mail.contains("To: citizen@demo.onestop.cn"));
        let link = link_in(&mail, "http://onestop.test/password/reset?token=");
        let token = link.split("token=").nth(1).unwrap().to_owned();
        assert_eq!(browser.get(&link).await.status, 200);
        let done = browser.submit(&link, "/password/reset", &[("token", &token), ("password", PASSWORD), ("password_confirm", PASSWORD)]).await;
        assert_eq!(done.status, 303);
        assert_eq!(Browser::new(&app).sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await.status, 422);
        assert_eq!(Browser::new(&app).sign_in("citizen@demo.onestop.cn", PASSWORD).await.status, 303);
        assert_eq!(browser.get(&link).await.status, 400, "used once");
        let mut again = Browser::new(&app);
        let page = again.get("/login").await;
        let csrf = page.attrs("input[name=csrf_token]", "value").remove(0);
        let replay = again.post_raw("/password/reset", &[("csrf_token", &csrf), ("token", &token), ("password", "yet another passphrase"), ("password_confirm", "yet another passphrase")]).await;
        assert_eq!(replay.status, 400);
    }

    async fn an_expired_reset_link_is_refused(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        browser.submit("/password/forgot", "/password/forgot", &[("email", "citizen@demo.onestop.cn")]).await;
        let mail = mails(&app).into_iter().rev().find(|m| m.contains("password/reset")).unwrap();
        let link = link_in(&mail, "http://onestop.test/password/reset?token=");
        expire_tokens(&app.database_url);
        let page = browser.get(&link).await;
        assert_eq!(page.status, 400);
        assert_eq!(page.text("h1"), "链接无效");
    }

    async fn an_earlier_reset_link_dies_when_another_is_used(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        for _ in 0..2 {
            browser.submit("/password/forgot", "/password/forgot", &[("email", "citizen@demo.onestop.cn")]).await;
        }
        let links: Vec<String> = mails(&app).iter().filter(|m| m.contains("password/reset"))
            .map(|m| link_in(m, "http://onestop.test/password/reset?token=")).collect();
        assert_eq!(links.len(), 2);
        let token = links[1].split("token=").nth(1).unwrap().to_owned();
        let done = browser.submit(&links[1], "/password/reset", &[("token", &token), ("password", PASSWORD), ("password_confirm", PASSWORD)]).await;
        assert_eq!(done.status, 303);
        assert_eq!(browser.get(&links[0]).await.status, 400);
    }

    async fn signing_in_again_ends_the_previous_session_of_the_browser(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        browser.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        let first = browser.cookies["onestop_session"].clone();
        browser.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await;
        assert_ne!(browser.cookies["onestop_session"], first);
        let mut replay = Browser::new(&app);
        replay.cookies.insert("onestop_session".into(), first);
        assert_eq!(replay.get("/account").await.status, 303);
    }

    async fn a_form_posted_after_the_session_ended_leads_to_sign_in(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        browser.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        let page = browser.get("/account/password").await;
        let token = page.attrs("input[name=csrf_token]", "value").remove(0);
        let mut admin = Browser::new(&app);
        admin.sign_in("admin@demo.onestop.cn", DEMO_PASSWORD).await;
        let href = admin.get("/admin/users?q=citizen%40demo").await.attrs(".user-row a", "href").remove(0);
        admin.submit(&href, &format!("{href}/active"), &[("active", "false")]).await;
        let reply = browser.post_raw("/account/password", &[("csrf_token", &token), ("current_password", DEMO_PASSWORD), ("password", PASSWORD), ("password_confirm", PASSWORD)]).await;
        assert_eq!(reply.status, 303);
        assert!(reply.header("location").unwrap().starts_with("/login"));
    }

    async fn next_after_login_stays_on_this_site(app) {
        create_demo_accounts(&app);
        for next in ["https://evil.example/", "//evil.example", "/\t/evil.example", "/\\evil.example"] {
            let mut browser = Browser::new(&app);
            let reply = browser.submit("/login", "/login", &[("email", "citizen@demo.onestop.cn"), ("password", DEMO_PASSWORD), ("next", next)]).await;
            assert_eq!(reply.header("location"), Some("/"), "{next:?}");
        }
    }

    async fn hsts_is_sent_over_https_only(app) {
        let plain = app.get("/").await;
        assert!(plain.header("strict-transport-security").is_none());
        let mut browser = Browser::new(&app);
        browser.headers.push(("X-Forwarded-Proto".into(), "https".into()));
        let secure = browser.get("/").await;
        assert!(secure.header("strict-transport-security").unwrap().contains("max-age=31536000"));
        let csrf_cookie = secure.headers.get_all("set-cookie").map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("onestop_csrf=")).unwrap();
        assert!(csrf_cookie.contains("Secure"), "{csrf_cookie}");
    }
}

/// Moves every one-time token's expiry into the past, as time would.
fn expire_tokens(url: &str) {
    use diesel::prelude::*;
    use onestop::db::schema::one_time_tokens;
    let pool = onestop::db::connect(&onestop::db::DatabaseUrl::parse(url).unwrap(), 1).unwrap();
    let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
    diesel::update(one_time_tokens::table)
        .set(one_time_tokens::expires_at.eq(past))
        .execute(&mut **pool.get().unwrap())
        .unwrap();
}
