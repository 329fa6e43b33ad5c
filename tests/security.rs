//! What an outside test of the running portal found, each closed and checked through HTTP on both
//! databases: lock-outs, formula injection in CSV exports, misleading file names, NUL bytes,
//! common passwords, registration that told who has an account, cacheable personal pages and
//! oversize uploads.

mod common;

use common::{
    Browser, DEMO_PASSWORD, PDF, act, create_demo_accounts, from_address, id_of, mails,
    on_both_databases, pool, signed_in, sjj_service, submit_one,
};

const CITIZEN: &str = "citizen@demo.onestop.cn";
const PASSWORD: &str = "a long and unusual passphrase";

/// Signs in `attempts` times with a wrong password; returns the statuses.
async fn guess(browser: &mut Browser<'_>, email: &str, attempts: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..attempts {
        statuses.push(
            browser
                .sign_in(email, "not the password!")
                .await
                .status
                .as_u16(),
        );
    }
    statuses
}

fn csv_rows(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

/// The name of a material of the application that is uploaded as a file.
async fn uploadable_material(browser: &mut Browser<'_>, application: &str) -> String {
    let page = browser.get(&format!("{application}/materials")).await;
    page.texts(".material")
        .into_iter()
        .zip(page.texts(".material h2"))
        .find(|(all, _)| all.contains("尚未上传"))
        .map(|(_, name)| name)
        .expect("a material to upload")
}

const FORMULAS: [&str; 6] = [
    "=HYPERLINK(\"http://evil.example\",\"点此\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
];

on_both_databases! {
    async fn every_page_carries_the_csrf_token_masked_afresh(app) {
        create_demo_accounts(&app);
        let mut browser = common::signed_in(&app, "citizen@demo.onestop.cn").await;
        let first = browser.get("/account").await.attrs("input[name=csrf_token]", "value").remove(0);
        let second = browser.get("/account").await.attrs("input[name=csrf_token]", "value").remove(0);
        assert_ne!(first, second, "no two pages carry the same text (BREACH)");
        // A token from an earlier page still works; a forged one does not.
        let mut forged = second.clone();
        forged.replace_range(0..2, if &second[0..2] == "00" { "11" } else { "00" });
        assert_eq!(browser.post_raw("/logout", &[("csrf_token", &forged)]).await.status, 403);
        assert_eq!(browser.post_raw("/logout", &[("csrf_token", &first)]).await.status, 303);
    }

    async fn wrong_passwords_from_another_address_do_not_lock_the_owner_out(app) {
        create_demo_accounts(&app);
        let elsewhere = from_address(&app, "127.0.0.2");
        let mut attacker = Browser::new(&elsewhere);
        let statuses = guess(&mut attacker, CITIZEN, 7).await;
        assert_eq!(statuses, [422, 422, 422, 422, 422, 429, 429], "that address waits");
        // The owner, from their own address and a browser that never signed in before.
        let mut owner = Browser::new(&app);
        assert_eq!(owner.sign_in(CITIZEN, DEMO_PASSWORD).await.status, 303);
    }

    async fn an_account_under_attack_still_lets_in_devices_and_addresses_it_knows(app) {
        create_demo_accounts(&app);
        // The owner signed in here before: this browser and this address are known.
        let mut owner = Browser::new(&app);
        assert_eq!(owner.sign_in(CITIZEN, DEMO_PASSWORD).await.status, 303);
        let device = owner.cookies.get("onestop_device").cloned().expect("a device cookie");
        assert_eq!(owner.submit("/account", "/logout", &[]).await.status, 303);
        // Guesses from four addresses, five each: 20 failures, the account is under attack.
        for n in 2..=5 {
            let elsewhere = from_address(&app, &format!("127.0.0.{n}"));
            let mut attacker = Browser::new(&elsewhere);
            assert!(guess(&mut attacker, CITIZEN, 5).await.iter().all(|s| *s == 422));
        }
        // A new address is refused now, even with the right password…
        let unknown = from_address(&app, "127.0.0.7");
        let mut stranger = Browser::new(&unknown);
        assert_eq!(stranger.sign_in(CITIZEN, DEMO_PASSWORD).await.status, 429);
        // …and so is a known device's cookie when it is not the one the owner holds.
        let mut forged = Browser::new(&unknown);
        forged.cookies.insert("onestop_device".into(), "ab".repeat(32));
        assert_eq!(forged.sign_in(CITIZEN, DEMO_PASSWORD).await.status, 429);
        // The owner's own browser gets in, from anywhere; a new browser at the known address too.
        let mut travelling = Browser::new(&unknown);
        travelling.cookies.insert("onestop_device".into(), device);
        assert_eq!(travelling.sign_in(CITIZEN, DEMO_PASSWORD).await.status, 303);
        assert_eq!(Browser::new(&app).sign_in(CITIZEN, DEMO_PASSWORD).await.status, 303);
        // Administrators see the account under attack.
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let users = admin.get("/admin/users").await;
        let listed = users.texts(".under-attack");
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert!(listed[0].contains(CITIZEN) && listed[0].contains("错误密码 20 次"), "{listed:?}");
    }

    async fn someone_guessing_at_the_owner_s_own_address_only_slows_it_down(app) {
        use diesel::prelude::*;
        use onestop::db::schema::login_failures;
        create_demo_accounts(&app);
        let mut owner = Browser::new(&app);
        assert_eq!(owner.sign_in(CITIZEN, DEMO_PASSWORD).await.status, 303);
        assert_eq!(owner.submit("/account", "/logout", &[]).await.status, 303);
        // A colleague behind the same office address guesses.
        let mut colleague = Browser::new(&app);
        assert_eq!(guess(&mut colleague, CITIZEN, 6).await, [422, 422, 422, 422, 422, 429]);
        let slowed = Browser::new(&app).sign_in(CITIZEN, DEMO_PASSWORD).await;
        assert_eq!(slowed.status, 429, "one try at a time from that address now");
        let wait: i64 = slowed.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=30).contains(&wait), "seconds, not a quarter of an hour: {wait}");
        // Half a minute later the address may try again, with the right password too.
        let earlier = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(31);
        diesel::update(login_failures::table.filter(login_failures::throttle_key.like("client:%")))
            .set(login_failures::failed_at.eq(earlier))
            .execute(&mut **pool(&app).get().unwrap()).unwrap();
        assert_eq!(Browser::new(&app).sign_in(CITIZEN, DEMO_PASSWORD).await.status, 303);
        // The owner's own browser is not held up by a colleague's guesses at all.
        assert_eq!(guess(&mut colleague, CITIZEN, 6).await.last(), Some(&429));
        assert_eq!(owner.sign_in(CITIZEN, DEMO_PASSWORD).await.status, 303);
    }

    async fn a_new_password_withdraws_the_trust_of_every_device(app) {
        use diesel::prelude::*;
        use onestop::db::schema::{sign_in_trust, users};
        create_demo_accounts(&app);
        let mut owner = signed_in(&app, CITIZEN).await;
        let trusted = || -> i64 {
            sign_in_trust::table.inner_join(users::table).filter(users::email.eq(CITIZEN))
                .count().get_result(&mut **pool(&app).get().unwrap()).unwrap()
        };
        assert_eq!(trusted(), 2, "the device and the address");
        let changed = owner.submit("/account/password", "/account/password", &[
            ("current_password", DEMO_PASSWORD), ("password", PASSWORD), ("password_confirm", PASSWORD),
        ]).await;
        assert_eq!(changed.status, 303);
        assert_eq!(trusted(), 0, "whoever knew the old password is a stranger again");
    }

    async fn one_address_may_fail_a_hundred_times_before_it_waits(app) {
        use diesel::prelude::*;
        use onestop::db::schema::login_failures;
        create_demo_accounts(&app);
        // 99 failures from 127.0.0.2 for 99 accounts, as a sprayer would leave them.
        let now = chrono::Utc::now().naive_utc();
        let mut conn = pool(&app).get().unwrap();
        for i in 0..99 {
            diesel::insert_into(login_failures::table)
                .values((login_failures::throttle_key.eq(format!("client:127.0.0.2|guess{i}@example.cn")), login_failures::failed_at.eq(now)))
                .execute(&mut **conn).unwrap();
        }
        let elsewhere = from_address(&app, "127.0.0.2");
        let mut office = Browser::new(&elsewhere);
        assert_eq!(office.sign_in("clerk.sjj@demo.onestop.cn", DEMO_PASSWORD).await.status, 303, "99 are allowed");
        assert_eq!(guess(&mut Browser::new(&elsewhere), "guess100@example.cn", 1).await, [422]);
        assert_eq!(Browser::new(&elsewhere).sign_in("head.sjj@demo.onestop.cn", DEMO_PASSWORD).await.status, 429, "the 100th failure stops it");
        assert_eq!(Browser::new(&app).sign_in("head.sjj@demo.onestop.cn", DEMO_PASSWORD).await.status, 303, "other addresses are not affected");
    }

    async fn every_csv_export_makes_formulas_inert(app) {
        use diesel::prelude::*;
        use onestop::db::schema::{application_events, services};
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, CITIZEN).await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        assert_eq!(act(&mut clerk, id, "accept", &[("note", FORMULAS[0])]).await.status, 303);
        let mut conn = pool(&app).get().unwrap();
        for formula in FORMULAS {
            // A note and a service name (an administrator may import the catalog) that begin so.
            diesel::update(application_events::table.filter(application_events::application_id.eq(id)).filter(application_events::note.is_not_null()))
                .set(application_events::note.eq(formula)).execute(&mut **conn).unwrap();
            diesel::update(services::table.filter(services::code.eq(&code)))
                .set(services::name.eq(formula)).execute(&mut **conn).unwrap();
            let audit = clerk.get(&format!("/workspace/SJJ/audit.csv?tracking_number={number}")).await;
            assert_eq!(audit.status, 200);
            let dashboard = clerk.get("/workspace/SJJ/dashboard.csv").await;
            assert_eq!(dashboard.status, 200);
            for (export, reply) in [("audit", &audit), ("dashboard", &dashboard)] {
                let cells: Vec<String> = csv_rows(&reply.body).into_iter().flatten().collect();
                assert!(cells.contains(&format!("'{formula}")), "{export} quotes {formula:?}: {cells:?}");
                for cell in &cells {
                    assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{export} has a live cell {cell:?}");
                }
            }
        }
    }

    async fn uploaded_file_names_say_what_the_file_is(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, CITIZEN).await;
        let application = common::start(&mut citizen, &code).await;
        let material = uploadable_material(&mut citizen, &application).await;
        for (name, content, shown) in [
            ("申请表\u{202e}fdp.html", PDF, "申请表fdp.pdf"),
            ("scan.pdf.hta", PDF, "scan.pdf"),
            ("photo.png", PDF, "photo.pdf"),
        ] {
            let reply = citizen.upload(&format!("{application}/materials"), &material, name, content).await;
            assert_eq!(reply.status, 303, "{name}: {}", reply.body);
            let page = citizen.get(&format!("{application}/materials")).await;
            assert!(page.body.contains(shown), "{name} is listed as {shown}: {:?}", page.texts(".files a"));
            assert!(!page.body.contains('\u{202e}'));
            let links = page.texts(".files a");
            let at = links.iter().position(|l| l == shown).unwrap_or_else(|| panic!("{shown} in {links:?}"));
            let href = page.attrs(".files a", "href").remove(at);
            let download = citizen.get(&href).await;
            let disposition = download.header("content-disposition").unwrap_or_default().to_owned();
            assert!(disposition.ends_with(&shown.replace("申请表", "")), "{disposition}");
        }
    }

    async fn a_nul_in_any_text_input_is_a_clear_400(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut anonymous = Browser::new(&app);
        for path in [
            "/services?q=%E9%A3%9F%00",
            "/services/440306%00",
            &format!("/services/{code}%00"),
            "/departments/SJJ%00",
            "/api/v1/services?q=%00",
            "/api/v1/services/%00",
        ] {
            let reply = anonymous.get(path).await;
            assert_eq!(reply.status, 400, "{path}: {}", reply.body);
        }
        let page = anonymous.get("/services?q=a%00").await;
        assert!(page.text("main").contains("空字符"), "the page says what is wrong: {}", page.text("main"));
        let login = anonymous.submit("/login", "/login", &[("email", "citizen@demo.onestop.cn\0"), ("password", "x\0")]).await;
        assert_eq!(login.status, 400);
        let track = anonymous.submit("/track", "/track", &[("tracking_number", "BA\0"), ("last_four", "1234")]).await;
        assert_eq!(track.status, 400);
        // A form's media type in capitals is a form all the same: checked like any other.
        let token = anonymous.get("/login").await.attrs("input[name=csrf_token]", "value").remove(0);
        let mut shouting = app.client.post(app.url("/track"))
            .insert_header(("Content-Type", "Application/X-WWW-Form-Urlencoded"))
            .insert_header(("X-CSRF-Token", token.as_str()))
            .insert_header(("Cookie", format!("onestop_csrf={}", anonymous.cookies["onestop_csrf"])))
            .send_body(format!("tracking_number=BA%00&last_four=1234&csrf_token={token}"))
            .await
            .unwrap();
        assert_eq!(shouting.status(), 400);
        let _ = shouting.body().await;

        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        for path in ["/workspace/SJJ?state=%00", "/workspace/SJJ?service=%00", "/workspace/SJJ/audit?actor=%00", "/workspace/SJJ/audit.csv?tracking_number=%00"] {
            assert_eq!(clerk.get(path).await.status, 400, "{path}");
        }
        let mut citizen = signed_in(&app, CITIZEN).await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        let note = act(&mut clerk, id, "accept", &[("note", "材料齐全\0")]).await;
        assert_eq!(note.status, 400);
        assert!(clerk.get(&format!("/workspace/applications/{id}")).await.body.contains("受理"), "nothing changed");
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        assert_eq!(admin.get("/admin/users?q=%00").await.status, 400);
        assert_eq!(admin.get("/admin/log?before=%00").await.status, 400);
    }

    async fn common_and_personal_passwords_are_refused_everywhere(app) {
        create_demo_accounts(&app);
        let mut browser = Browser::new(&app);
        for (password, message) in [
            ("qwerty123456", "过于常见"),
            ("iloveyou12", "过于常见"),
            ("abc123abc123", "过于常见"),
            (DEMO_PASSWORD, "过于常见"),
            ("wang.wu@example.cn 2026", "不能含有"),
            ("王五的密码很长很长很长", "不能含有"),
        ] {
            let reply = browser.submit("/register/citizen", "/register/citizen", &[
                ("name", "王五"), ("national_id", "11010519491231002X"), ("phone", "13912345678"),
                ("email", "wang.wu@example.cn"), ("password", password), ("password_confirm", password),
            ]).await;
            assert_eq!(reply.status, 422, "{password}");
            assert!(reply.text("#password-error").contains(message), "{password}: {}", reply.text("#password-error"));
        }
        // Changing a password follows the same rules.
        let mut citizen = signed_in(&app, CITIZEN).await;
        let change = citizen.submit("/account/password", "/account/password", &[
            ("current_password", DEMO_PASSWORD), ("password", "abc123abc123"), ("password_confirm", "abc123abc123"),
        ]).await;
        assert_eq!(change.status, 422);
        let mut admin = signed_in(&app, "admin@demo.onestop.cn").await;
        let created = admin.submit("/admin/users/new", "/admin/users/new", &[
            ("email", "new.clerk@example.cn"), ("name", "新窗口"), ("role", "clerk"), ("department", "JTJ"), ("password", DEMO_PASSWORD),
        ]).await;
        assert_eq!(created.status, 422, "the published demo password is for `onestop demo` only");
    }

    async fn registrations_are_throttled_per_address(app) {
        let elsewhere = from_address(&app, "127.0.0.3");
        let mut browser = Browser::new(&elsewhere);
        for i in 0..10 {
            let email = format!("person{i}@example.cn");
            let reply = browser.submit("/register/citizen", "/register/citizen", &[
                ("name", "张三"), ("national_id", "11010519491231002X"), ("phone", "13912345678"),
                ("email", &email), ("password", PASSWORD), ("password_confirm", PASSWORD),
            ]).await;
            assert_eq!(reply.status, 303, "{i}");
        }
        let eleventh = browser.submit("/register/citizen", "/register/citizen", &[
            ("name", "张三"), ("national_id", "11010519491231002X"), ("phone", "13912345678"),
            ("email", "person10@example.cn"), ("password", PASSWORD), ("password_confirm", PASSWORD),
        ]).await;
        assert_eq!(eleventh.status, 429);
        assert!(eleventh.text(".lead").contains("分钟后"), "{}", eleventh.text(".lead"));
        // Another address registers as before.
        let mut other = Browser::new(&app);
        let reply = other.submit("/register/citizen", "/register/citizen", &[
            ("name", "李四"), ("national_id", "110105194912310021"), ("phone", "13912345678"),
            ("email", "li.si@example.cn"), ("password", PASSWORD), ("password_confirm", PASSWORD),
        ]).await;
        assert_eq!(reply.status, 422, "a wrong check digit is still named");
        // Only the first registration of that ID number created an account; the others told its owner.
        let sent = mails(&app);
        assert_eq!(sent.iter().filter(|m| m.contains("您已有账户，无需重复注册")).count(), 9, "{}", sent.len());
    }

    async fn pages_for_a_signed_in_user_are_never_stored(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, CITIZEN).await;
        let number = submit_one(&mut citizen, &code).await;
        let id = id_of(&app, &number);
        for path in ["/account", "/applications", &format!("/applications/{id}"), &format!("/services/{code}"), "/"] {
            let reply = citizen.get(path).await;
            assert_eq!(reply.status, 200, "{path}");
            assert_eq!(reply.header("cache-control"), Some("no-store"), "{path}");
        }
        let mut clerk = signed_in(&app, "clerk.sjj@demo.onestop.cn").await;
        for path in ["/workspace/SJJ", &format!("/workspace/applications/{id}"), "/workspace/SJJ/dashboard", "/workspace/SJJ/audit"] {
            let reply = clerk.get(path).await;
            assert_eq!(reply.status, 200, "{path}");
            assert_eq!(reply.header("cache-control"), Some("no-store"), "{path}");
        }
        // The answer that signs someone in carries their new session: not stored either.
        let signing_in = Browser::new(&app).sign_in(CITIZEN, DEMO_PASSWORD).await;
        assert_eq!(signing_in.header("cache-control"), Some("no-store"));
        // The stylesheet keeps its long caching.
        let css = citizen.get("/static/app.css").await;
        assert!(css.header("cache-control").unwrap_or_default().contains("immutable"));
    }

    async fn every_oversize_upload_is_a_413_that_names_the_limit(app) {
        create_demo_accounts(&app);
        let code = sjj_service(&app).await;
        let mut citizen = signed_in(&app, CITIZEN).await;
        let application = common::start(&mut citizen, &code).await;
        let material = uploadable_material(&mut citizen, &application).await;
        // The test app allows 1 MB a file: just over, over the form's slack, and far over.
        for size in [1024 * 1024 + 10, 1024 * 1024 + 200 * 1024, 6 * 1024 * 1024] {
            let mut content = PDF.to_vec();
            content.resize(size, b' ');
            let reply = citizen.upload(&format!("{application}/materials"), &material, "big.pdf", &content).await;
            assert_eq!(reply.status, 413, "{size} bytes");
            assert!(reply.body.contains("1 MB") || reply.body.contains("1MB"), "{size} bytes: the limit is named");
        }
    }
}
