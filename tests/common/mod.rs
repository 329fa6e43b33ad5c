//! Test helpers: every test gets its own app on a random port and its own database — a fresh
//! SQLite file, or a fresh PostgreSQL database that is dropped afterwards.
//!
//! PostgreSQL tests run when `ONESTOP_TEST_POSTGRES_URL` names a server (any database on it; the
//! tests create their own). Without it they are skipped, except under CI, where that is an error.

#![allow(dead_code)]

pub mod load;
pub mod smtp;

use awc::http::StatusCode;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use onestop::db::{DatabaseUrl, DbPool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where a test's database lives; dropping it removes the database.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self
            && let Ok(mut conn) = diesel::PgConnection::establish(admin_url)
        {
            let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            let _ = conn.batch_execute(&drop);
        }
    }
}

/// The PostgreSQL server for tests, or `None` (with a note) when none is configured.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("ONESTOP_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
            assert!(
                !in_ci,
                "ONESTOP_TEST_POSTGRES_URL must be set in CI: PostgreSQL tests may not be skipped"
            );
            eprintln!("PostgreSQL test skipped: ONESTOP_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

/// `admin_url` with its database name replaced.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    format!("{root}/{name}{query}")
}

/// A new, empty database of the given backend, or `None` if PostgreSQL is not configured.
pub fn new_database(backend: Backend) -> Option<(TestDb, String)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temporary folder");
            let url = dir.path().join("onestop.db").display().to_string();
            Some((TestDb::Sqlite(dir), url))
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url()?;
            let name = format!("onestop_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = diesel::PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL server: {e}"));
            conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .expect("create test database");
            let url = with_database(&admin_url, &name);
            Some((TestDb::Postgres { admin_url, name }, url))
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub backend: Backend,
    pub database_url: String,
    pub client: awc::Client,
    // Dropped last: the database outlives the requests of the test.
    pub db: TestDb,
}

/// A response read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: awc::http::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    /// The trimmed texts of every element matching `selector`.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&selector)
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// The values of attribute `name` on every element matching `selector`.
    pub fn attrs(&self, selector: &str, name: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&selector)
            .filter_map(|e| e.value().attr(name).map(str::to_owned))
            .collect()
    }

    pub fn text(&self, selector: &str) -> String {
        self.texts(selector)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let body = response.body().limit(8 * 1024 * 1024).await.expect("body");
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            body: String::from_utf8(body.to_vec()).expect("UTF-8 body"),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[]).await
    }
}

/// Where the test app writes its mails: beside the SQLite file, or in a folder named after the
/// PostgreSQL database.
pub fn mail_folder(db: &TestDb) -> std::path::PathBuf {
    match db {
        TestDb::Sqlite(dir) => dir.path().join("mail"),
        TestDb::Postgres { name, .. } => std::env::temp_dir().join(format!("{name}-mail")),
    }
}

/// Starts the app as `onestop serve` would (migrations, first catalog load) on its own database.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    let (db, database_url) = new_database(backend)?;
    Some(spawn_app_on(backend, db, database_url).await)
}

/// Starts the app on a database the test has prepared.
pub async fn spawn_app_on(backend: Backend, db: TestDb, database_url: String) -> TestApp {
    let url = DatabaseUrl::parse(&database_url).expect("database URL");
    let mail_dir = mail_folder(&db);
    let args = onestop::config::AppArgs {
        public_url: Some("http://onestop.test".into()),
        session_idle_minutes: 30,
        session_max_hours: 12,
        trust_proxy: false,
        max_upload_mb: 1,
        max_application_mb: 3,
        mail_dir,
        // The tests run the outbox worker themselves (`onestop worker --drain`).
        smtp_url: None,
        outbox_worker: false,
        outbox_interval_ms: 2000,
        outbox_connections: 4,
        outbox_lease_secs: 300,
        digest_minutes: 60,
        daily_mail_hour: 8,
        site_owner: "宝安区测试主办单位".into(),
        site_code: "4403069999".into(),
        // Nobody by address: the tests read the metrics with the token.
        metrics_allow: String::new(),
        metrics_token: Some("test-metrics-token".into()),
    };
    let parts = onestop::startup::AppParts::new(url.backend_name(), &args, "127.0.0.1:0")
        .expect("settings");
    let pool =
        actix_web::rt::task::spawn_blocking(move || onestop::startup::prepare_database(&url, 4))
            .await
            .expect("join")
            .expect("database ready");
    let listener = onestop::startup::listen("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().expect("address").port();
    let server = onestop::startup::build_server(listener, pool, parts, Some(1)).expect("server");
    actix_web::rt::spawn(server);
    let client = client_from(None);
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        backend,
        database_url,
        client,
        db,
    }
}

/// A test's HTTP client, its requests leaving from `local` if given. An idle connection is not
/// reused after two seconds, well within the server's keep-alive of five: a test that blocks its
/// runtime for a while (a supervision pass, a query) would otherwise take from the pool a
/// connection the server's expired timer closes unread the moment the request arrives
/// ("connector has been disconnected"), where a browser would quietly retry.
fn client_from(local: Option<std::net::IpAddr>) -> awc::Client {
    let mut connector = awc::Connector::new().conn_keep_alive(std::time::Duration::from_secs(2));
    if let Some(address) = local {
        connector = connector.local_address(address);
    }
    awc::Client::builder()
        .connector(connector)
        .disable_redirects()
        .timeout(std::time::Duration::from_secs(30))
        .finish()
}

/// A second app node on the same database, as several stateless nodes share one PostgreSQL.
pub async fn spawn_node(app: &TestApp) -> TestApp {
    // The node's own TestDb is an empty folder: dropping it must not drop the shared database.
    let placeholder = TestDb::Sqlite(tempfile::tempdir().expect("temporary folder"));
    spawn_app_on(app.backend, placeholder, app.database_url.clone()).await
}

/// A client for a server started elsewhere (a child process).
pub fn attach(address: String) -> TestApp {
    TestApp {
        address,
        backend: Backend::Sqlite,
        database_url: String::new(),
        client: client_from(None),
        db: TestDb::Sqlite(tempfile::tempdir().expect("temporary folder")),
    }
}

/// The same app seen from another client address on the loopback network (127.0.0.2, …), as a
/// visitor from elsewhere: its requests leave from `local`.
pub fn from_address(app: &TestApp, local: &str) -> TestApp {
    TestApp {
        address: app.address.clone(),
        backend: app.backend,
        database_url: app.database_url.clone(),
        client: client_from(Some(local.parse().expect("an IP address"))),
        db: TestDb::Sqlite(tempfile::tempdir().expect("temporary folder")),
    }
}

/// Runs the `onestop` binary with `DATABASE_URL` set; returns (exit success, stdout, stderr).
pub fn onestop(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_onestop"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run onestop");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Declares each test twice, as `name::sqlite` and `name::postgres`.
#[allow(unused_macros)]
macro_rules! on_both_databases {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[actix_web::test]
                async fn sqlite() {
                    let $app = common::spawn_app(common::Backend::Sqlite).await.expect("SQLite app");
                    $body
                }

                #[actix_web::test]
                async fn postgres() {
                    if let Some($app) = common::spawn_app(common::Backend::Postgres).await {
                        $body
                    }
                }
            }
        )*
    };
}
#[allow(unused_imports)]
pub(crate) use on_both_databases;

/// A browser-like client: keeps cookies, reads CSRF tokens from pages, does not follow redirects.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookies: std::collections::BTreeMap<String, String>,
    pub headers: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: Default::default(),
            headers: Vec::new(),
        }
    }

    /// The Cookie header the browser sends.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn remember(&mut self, reply: &Reply) {
        for value in reply.headers.get_all("set-cookie") {
            let text = value.to_str().unwrap_or_default();
            let pair = text.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            // Only the attributes say whether the cookie is removed (a value may contain "1970").
            let attributes = text.split_once(';').map_or("", |(_, a)| a);
            let expired = attributes.contains("Max-Age=0") || attributes.contains("1970");
            if value.is_empty() || expired {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let cookie = self.cookie_header();
        let mut headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if !cookie.is_empty() {
            headers.push(("Cookie", cookie.as_str()));
        }
        let reply = self.app.get_with(path, &headers).await;
        self.remember(&reply);
        reply
    }

    /// Posts fields as a form, exactly as given (no token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut request = self.app.client.post(self.app.url(path));
        let cookie = self.cookie_header();
        if !cookie.is_empty() {
            request = request.insert_header(("Cookie", cookie));
        }
        for (k, v) in &self.headers {
            request = request.insert_header((k.as_str(), v.as_str()));
        }
        let mut response = request
            .send_form(&fields)
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let body = response.body().limit(8 * 1024 * 1024).await.expect("body");
        let reply = Reply {
            status: response.status(),
            headers: response.headers().clone(),
            body: String::from_utf8(body.to_vec()).expect("UTF-8 body"),
        };
        self.remember(&reply);
        reply
    }

    /// Opens `form_page`, takes its CSRF token, and posts `fields` with it to `action`.
    pub async fn submit(
        &mut self,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Reply {
        let page = self.get(form_page).await;
        let token = page
            .attrs("input[name=csrf_token]", "value")
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no CSRF token on {form_page}"));
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    /// Uploads a file as a browser does (multipart/form-data), the CSRF token in the query.
    pub async fn upload(
        &mut self,
        path: &str,
        material: &str,
        file_name: &str,
        content: &[u8],
    ) -> Reply {
        let token = self
            .get("/account")
            .await
            .attrs("input[name=csrf_token]", "value")
            .into_iter()
            .next()
            .expect("signed in");
        let boundary = "----onestop-test-boundary";
        let mut body = Vec::new();
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"material\"\r\n\r\n{material}\r\n").as_bytes());
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let url = self.app.url(&format!("{path}?csrf_token={token}"));
        let mut response = self
            .app
            .client
            .post(url)
            .insert_header(("Cookie", self.cookie_header()))
            .insert_header((
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            ))
            .send_body(body)
            .await
            .unwrap_or_else(|e| panic!("upload to {path}: {e}"));
        let bytes = response.body().limit(8 * 1024 * 1024).await.expect("body");
        let reply = Reply {
            status: response.status(),
            headers: response.headers().clone(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        self.remember(&reply);
        reply
    }

    /// Sends the multipart form of the page at `path` as a browser does (the CSRF token in the
    /// form's action), with `files`: (field, file name, content).
    pub async fn submit_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Reply {
        let page = self.get(path).await;
        let action = page
            .attrs("form[enctype=\"multipart/form-data\"]", "action")
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{path} has no multipart form"));
        let boundary = "----onestop-test-multipart";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (field, file_name, content) in files {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut request = self.app.client.post(self.app.url(&action));
        let cookie = self.cookie_header();
        if !cookie.is_empty() {
            request = request.insert_header(("Cookie", cookie));
        }
        let mut response = request
            .insert_header((
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            ))
            .send_body(body)
            .await
            .unwrap_or_else(|e| panic!("POST {action}: {e}"));
        let bytes = response.body().limit(8 * 1024 * 1024).await.expect("body");
        let reply = Reply {
            status: response.status(),
            headers: response.headers().clone(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        self.remember(&reply);
        reply
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Reply {
        self.submit(
            "/login",
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("next", "/account"),
            ],
        )
        .await
    }
}

/// Delivers what the outbox holds to the test app's mail folder, as the worker does without
/// `SMTP_URL`, one mail at a time so that files are written in the order of the rows.
pub fn deliver_outbox(app: &TestApp) {
    let pool = pool(app);
    let courier = onestop::services::outbox::Courier {
        delivery: onestop::mail::Delivery::Folder(mail_folder(&app.db)),
        public_url: "http://onestop.test".into(),
        connections: 1,
        lease: chrono::Duration::minutes(5),
    };
    onestop::services::outbox::drain(&mut pool.get().expect("connection"), &courier)
        .expect("outbox delivered");
}

/// Every mail sent so far (the outbox is delivered first), oldest first, decoded as
/// [`decode_mail`] does.
pub fn mails(app: &TestApp) -> Vec<String> {
    deliver_outbox(app);
    let folder = mail_folder(&app.db);
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .map(|p| decode_mail(&std::fs::read_to_string(p).unwrap_or_default()))
        .collect()
}

/// The outbox's mails of one kind, oldest first: (to, subject, body, link).
pub fn mails_of_kind(app: &TestApp, kind: &str) -> Vec<(String, String, String, String)> {
    use diesel::prelude::*;
    use onestop::db::schema::outbox;
    outbox::table
        .filter(outbox::kind.eq(kind))
        .order(outbox::id)
        .select((
            outbox::recipient_email,
            outbox::subject,
            outbox::body,
            outbox::link_path.assume_not_null(),
        ))
        .load(&mut **pool(app).get().unwrap())
        .unwrap()
}

/// The headers as they are, then the plain-text part decoded.
pub fn decode_mail(raw: &str) -> String {
    let (head, _) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let message = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a MIME message");
    let text = message
        .body_text(0)
        .map(|t| t.into_owned())
        .unwrap_or_default();
    format!("{head}\n\n{text}")
}

/// The HTML part of a raw message, decoded.
pub fn mail_html(raw: &str) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a MIME message");
    message
        .body_html(0)
        .map(|t| t.into_owned())
        .unwrap_or_default()
}

/// The first link in `mail` that starts with `prefix`, as a path on the test app.
pub fn link_in(mail: &str, prefix: &str) -> String {
    let start = mail
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in {mail}"));
    let link: String = mail[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link.trim_start_matches("http://onestop.test").to_owned()
}

/// Creates the demo accounts (one per role) on the app's database.
pub fn create_demo_accounts(app: &TestApp) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_onestop"))
        .arg("demo")
        .env("DATABASE_URL", &app.database_url)
        .env("ONESTOP_MAIL_DIR", mail_folder(&app.db).join("demo"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run onestop demo");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub const DEMO_PASSWORD: &str = "onestop-demo-2026";

// ---- Staff and their actions, shared by the test files ----

/// A service of the market regulator (SJJ) that citizens may apply for, with a generated form.
pub async fn sjj_service(app: &TestApp) -> String {
    let list = app
        .get("/api/v1/services?department=SJJ&applicant=natural&limit=100")
        .await
        .json();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_owned())
        .find(|c| !c.starts_with("440306-SJJ-XK-0013") && !c.starts_with("440306-SJJ-XK-0001-"))
        .expect("an SJJ service for citizens")
}

pub fn pool(app: &TestApp) -> DbPool {
    onestop::db::connect(&DatabaseUrl::parse(&app.database_url).unwrap(), 1).unwrap()
}

/// The application's id behind a tracking number.
pub fn id_of(app: &TestApp, number: &str) -> i64 {
    use diesel::prelude::*;
    use onestop::db::schema::applications;
    let mut conn = pool(app).get().unwrap();
    applications::table
        .filter(applications::tracking_number.eq(number))
        .select(applications::id)
        .first(&mut **conn)
        .unwrap()
}

/// Fires a transition from the application's page, as the clerk's browser does.
pub async fn act(browser: &mut Browser<'_>, id: i64, name: &str, fields: &[(&str, &str)]) -> Reply {
    act_on(
        browser,
        &format!("/workspace/applications/{id}"),
        name,
        fields,
    )
    .await
}

/// Fires a transition from the case's page at `path` (its form posts to
/// `{path}/transitions/{name}`), with the page's token and version.
pub async fn act_on(
    browser: &mut Browser<'_>,
    path: &str,
    name: &str,
    fields: &[(&str, &str)],
) -> Reply {
    let page = browser.get(path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let version = page.attrs("input[name=version]", "value").remove(0);
    let token = page.attrs("input[name=csrf_token]", "value").remove(0);
    let mut all = vec![
        ("csrf_token", token.as_str()),
        ("version", version.as_str()),
    ];
    all.extend_from_slice(fields);
    browser
        .post_raw(&format!("{path}/transitions/{name}"), &all)
        .await
}

pub async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let reply = browser.sign_in(email, DEMO_PASSWORD).await;
    assert_eq!(reply.status, 303, "{email}: {}", reply.body);
    browser
}

// ---- The applicant's journey, shared by the test files ----

pub async fn start(browser: &mut Browser<'_>, code: &str) -> String {
    let reply = browser
        .submit(
            &format!("/services/{code}"),
            &format!("/services/{code}/apply"),
            &[],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    reply
        .header("location")
        .unwrap()
        .trim_end_matches("/edit")
        .to_owned()
}

pub async fn save(
    browser: &mut Browser<'_>,
    app_path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Reply {
    let edit = format!("{app_path}/edit");
    let page = browser.get(&edit).await;
    let version = page.attrs("input[name=version]", "value").remove(0);
    let mut all = vec![("version", version.as_str()), ("action", action)];
    all.extend_from_slice(fields);
    browser.submit(&edit, &edit, &all).await
}

pub const PDF: &[u8] = b"%PDF-1.4\n% a small test document\n%%EOF\n";

/// Uploads a PDF for every material still missing; returns their names.
pub async fn upload_missing(browser: &mut Browser<'_>, application: &str) -> Vec<String> {
    let page = browser.get(&format!("{application}/materials")).await;
    let missing: Vec<String> = page
        .texts(".material")
        .into_iter()
        .zip(page.texts(".material h2"))
        .filter(|(all, _)| all.contains("尚未上传"))
        .map(|(_, name)| name)
        .collect();
    for name in &missing {
        let reply = browser
            .upload(&format!("{application}/materials"), name, "材料.pdf", PDF)
            .await;
        assert_eq!(reply.status, 303, "{name}: {}", reply.body);
    }
    missing
}

/// A complete, submitted application of the signed-in citizen; returns its tracking number.
pub async fn submit_one(browser: &mut Browser<'_>, code: &str) -> String {
    let application = start(browser, code).await;
    let fields = [
        ("matter", "申请说明"),
        ("contact_phone", "13912345678"),
        ("delivery", "electronic"),
    ];
    assert_eq!(
        save(browser, &application, "continue", &fields)
            .await
            .status,
        303
    );
    assert!(!upload_missing(browser, &application).await.is_empty());
    let review = format!("{application}/review");
    let done = browser
        .submit(
            &review,
            &format!("{application}/submit"),
            &[("declaration", "yes")],
        )
        .await;
    assert_eq!(done.status, 303);
    browser
        .get(&format!("{application}/submitted"))
        .await
        .text(".tracking-number")
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
