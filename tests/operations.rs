//! Accounts from the command line, several nodes on one database, session lifetimes, and what
//! the logs must never contain.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    Backend, Browser, DEMO_PASSWORD, create_demo_accounts, new_database, on_both_databases, onestop,
};

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_duplicates_and_unknown_departments() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some((_db, url)) = new_database(backend) else {
            continue;
        };
        let add = |args: &[&str], stdin: &str| {
            let mut child = Command::new(env!("CARGO_BIN_EXE_onestop"))
                .args(["user", "add"])
                .args(args)
                .env("DATABASE_URL", &url)
                .env("RUST_LOG", "warn")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(stdin.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let (ok, out, err) = add(
            &[
                "--email",
                "Clerk@Example.cn",
                "--role",
                "clerk",
                "--department",
                "SJJ",
                "--department",
                "wjj",
            ],
            "a long enough passphrase\n",
        );
        assert!(ok, "{backend:?}: {err}");
        assert!(
            out.contains("created clerk account clerk@example.cn"),
            "{out}"
        );
        let (ok, _, err) = add(
            &["--email", "clerk@example.cn", "--role", "admin"],
            "a long enough passphrase\n",
        );
        assert!(!ok);
        assert_eq!(
            err.trim(),
            "onestop: error: an account with email clerk@example.cn already exists"
        );
        let (ok, _, err) = add(
            &[
                "--email",
                "other@example.cn",
                "--role",
                "clerk",
                "--department",
                "NOPE",
            ],
            "a long enough passphrase\n",
        );
        assert!(!ok);
        assert!(err.contains("unknown department NOPE"), "{err}");
        let (ok, _, err) = add(
            &["--email", "other@example.cn", "--role", "head"],
            "a long enough passphrase\n",
        );
        assert!(!ok);
        assert!(err.contains("at least one department"), "{err}");
        let (ok, _, err) = add(
            &["--email", "other@example.cn", "--role", "admin"],
            "short\n",
        );
        assert!(!ok);
        assert!(err.contains("at least 10 characters"), "{err}");
        let (ok, _, err) = add(
            &[
                "--email",
                "other@example.cn",
                "--role",
                "admin",
                "--password",
                // Not "another …": it would contain the address's "other".
                "a different long passphrase",
            ],
            "",
        );
        assert!(ok, "{err}");
        // `onestop demo` is idempotent.
        let (ok, first, _) = onestop(&url, &["demo"]);
        let (_, second, _) = onestop(&url, &["demo"]);
        assert!(
            ok && first.contains("created") && !second.contains(" created"),
            "{first}\n{second}"
        );
    }
}

on_both_databases! {
    async fn a_session_opened_on_one_node_works_on_another_and_ends_on_both(app) {
        create_demo_accounts(&app);
        let other = common::spawn_node(&app).await;
        let mut browser = Browser::new(&app);
        assert_eq!(browser.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await.status, 303);
        let mut same_browser_elsewhere = Browser::new(&other);
        same_browser_elsewhere.cookies = browser.cookies.clone();
        assert_eq!(same_browser_elsewhere.get("/account").await.status, 200);
        browser.submit("/account", "/logout", &[]).await;
        assert_eq!(same_browser_elsewhere.get("/account").await.status, 303);
    }

    async fn idle_and_old_sessions_end(app) {
        create_demo_accounts(&app);
        let mut idle = Browser::new(&app);
        idle.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        let mut old = Browser::new(&app);
        old.sign_in("firm@demo.onestop.cn", DEMO_PASSWORD).await;
        age_sessions(&app.database_url, "citizen@demo.onestop.cn", 31, 31);
        age_sessions(&app.database_url, "firm@demo.onestop.cn", 12 * 60 + 1, 1);
        assert_eq!(idle.get("/account").await.status, 303, "idle for 31 minutes");
        assert_eq!(old.get("/account").await.status, 303, "signed in 12 hours ago");
        let mut fresh = Browser::new(&app);
        fresh.sign_in("citizen@demo.onestop.cn", DEMO_PASSWORD).await;
        age_sessions(&app.database_url, "citizen@demo.onestop.cn", 29, 29);
        assert_eq!(fresh.get("/account").await.status, 200, "29 minutes idle is still fine");
    }

    async fn an_oversized_body_gets_a_413_page_and_changes_nothing(app) {
        let mut browser = Browser::new(&app);
        let huge = "x".repeat(200 * 1024);
        let reply = browser.submit("/login", "/login", &[("email", &huge), ("password", "whatever password")]).await;
        assert_eq!(reply.status, 413);
        assert_eq!(reply.text("h1"), "提交的内容过大");
    }

    async fn administrators_cannot_deactivate_themselves(app) {
        create_demo_accounts(&app);
        let mut admin = Browser::new(&app);
        admin.sign_in("admin@demo.onestop.cn", DEMO_PASSWORD).await;
        let href = admin.get("/admin/users?q=admin%40demo").await.attrs(".user-row a", "href").remove(0);
        let reply = admin.submit(&href, &format!("{href}/active"), &[("active", "false")]).await;
        assert_eq!(reply.status, 400);
        assert_eq!(admin.get("/admin/users").await.status, 200);
    }
}

/// Moves a user's sessions into the past: signed in `age` minutes ago, last seen `idle` ago.
fn age_sessions(url: &str, email: &str, age: i64, idle: i64) {
    use diesel::prelude::*;
    use onestop::db::schema::{sessions, users};
    let pool = onestop::db::connect(&onestop::db::DatabaseUrl::parse(url).unwrap(), 1).unwrap();
    let mut conn = pool.get().unwrap();
    let user: i64 = users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut **conn)
        .unwrap();
    let now = chrono::Utc::now().naive_utc();
    diesel::update(sessions::table.filter(sessions::user_id.eq(user)))
        .set((
            sessions::created_at.eq(now - chrono::Duration::minutes(age)),
            sessions::last_seen_at.eq(now - chrono::Duration::minutes(idle)),
        ))
        .execute(&mut **conn)
        .unwrap();
}

/// The path of the verification link in the first mail the server writes to `folder`.
fn wait_for_verification_link(folder: &std::path::Path) -> String {
    let started = Instant::now();
    loop {
        let mails: Vec<String> = std::fs::read_dir(folder)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .map(|p| common::decode_mail(&std::fs::read_to_string(p).unwrap_or_default()))
            .collect();
        if let Some((mail, start)) = mails
            .iter()
            .find_map(|m| m.find("/verify-email?token=").map(|i| (m, i)))
        {
            return mail[start..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no verification mail in {folder:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Registration, login and a password change through a real `onestop serve` at debug level:
/// neither the passwords nor their hashes appear in what it logs.
#[test]
fn no_password_or_hash_reaches_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = dir.path().join("server.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_onestop"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("ONESTOP_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "debug")
        .stderr(std::fs::File::create(&log).unwrap())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let password = "my secret passphrase 42";
    let new_password = "another secret passphrase 43";
    let result = std::panic::catch_unwind(|| {
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30));
            std::thread::sleep(Duration::from_millis(50));
        }
        actix_web::rt::System::new().block_on(async {
            let app = common::attach(format!("http://127.0.0.1:{port}"));
            let mut browser = Browser::new(&app);
            let reply = browser
                .submit(
                    "/register/citizen",
                    "/register/citizen",
                    &[
                        ("name", "张三"),
                        ("national_id", "11010519491231002X"),
                        ("phone", "13912345678"),
                        ("email", "zhang@example.cn"),
                        ("password", password),
                        ("password_confirm", password),
                    ],
                )
                .await;
            assert_eq!(reply.status, 303, "{}", reply.body);
            // The server's outbox worker delivers the verification mail to data/mail/.
            let link = wait_for_verification_link(&dir.path().join("data/mail"));
            assert_eq!(browser.get(&link).await.status, 303);
            assert_eq!(
                browser.sign_in("zhang@example.cn", password).await.status,
                303
            );
            browser
                .submit(
                    "/account/password",
                    "/account/password",
                    &[
                        ("current_password", password),
                        ("password", new_password),
                        ("password_confirm", new_password),
                    ],
                )
                .await;
            let mut again = Browser::new(&app);
            again
                .sign_in("zhang@example.cn", "a wrong password!!")
                .await;
            assert_eq!(
                again.sign_in("zhang@example.cn", new_password).await.status,
                303
            );
        });
    });
    child.kill().unwrap();
    child.wait().unwrap();
    result.unwrap();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("/login"),
        "the log has the requests: {logged}"
    );
    for secret in [password, new_password, "a wrong password!!", "$argon2id$"] {
        assert!(!logged.contains(secret), "{secret:?} is in the log");
    }
    let encoded = "my+secret+passphrase";
    assert!(!logged.contains(encoded));
}
