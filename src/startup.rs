//! Building and running the app: pool, migrations, first catalog load, routes, server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use actix_web::middleware::from_fn;

use crate::config::{AppArgs, ServeArgs};
use crate::db::{self, DatabaseUrl, DbPool};
use crate::services::accounts::AccountSettings;
use crate::services::applications::UploadLimits;
use crate::services::catalog_import;
use crate::views::context::SharedLabels;
use crate::web::session::session_layer;
use crate::web::{self as routes, AppInfo};
use actix_multipart::form::MultipartFormConfig;

/// Connects (migrating on the way) and loads the shipped catalog into an empty database.
pub fn prepare_database(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<DbPool> {
    let pool = db::connect(url, pool_size)?;
    let mut conn = pool.get().context("no database connection")?;
    if let Some(report) =
        catalog_import::import_if_empty(&mut conn).context("loading the catalog")?
    {
        tracing::info!(
            services = report.services.inserted,
            materials = report.materials.inserted,
            "catalog loaded into an empty database"
        );
    }
    let filled = catalog_import::fill_missing_english(&mut conn)
        .context("adding the English catalog names")?;
    if filled > 0 {
        tracing::info!(rows = filled, "English catalog names added");
    }
    if crate::services::workflow::install_if_empty(&mut conn)
        .context("installing the shipped workflows and calendar")?
    {
        tracing::info!("shipped workflows and working-day calendar installed");
    }
    merge_calendar(&mut conn)?;
    db::workflow::fill_missing_digests(&mut conn).context("digesting the workflow versions")?;
    Ok(pool)
}

/// Merges newly shipped calendar years (and days) into the database, never touching a day an
/// administrator edited; run at start-up and by `onestop migrate`.
pub fn merge_calendar(conn: &mut crate::db::DbConnection) -> anyhow::Result<()> {
    let merge = crate::services::workflow::merge_shipped_calendar(conn)
        .context("merging the shipped working-day calendar")?;
    if merge.days > 0 || merge.years > 0 {
        tracing::info!(
            years = merge.years,
            days = merge.days,
            moved = merge.moved,
            "shipped calendar merged"
        );
    }
    Ok(())
}

/// What the app needs besides its database.
#[derive(Debug, Clone)]
pub struct AppParts {
    pub info: AppInfo,
    pub accounts: AccountSettings,
    pub uploads: UploadLimits,
    /// The workflow labels the pages fall back on, shared with the refresh task.
    pub labels: web::Data<SharedLabels>,
}

impl AppParts {
    pub fn new(backend: &'static str, args: &AppArgs, bind: &str) -> anyhow::Result<Self> {
        Ok(Self {
            info: AppInfo {
                backend,
                site: std::sync::Arc::new(crate::web::SiteIdentity {
                    owner: args.site_owner.clone(),
                    code: args.site_code.clone(),
                }),
                metrics: std::sync::Arc::new(args.metrics_access().map_err(anyhow::Error::msg)?),
            },
            accounts: args.account_settings(bind),
            uploads: args.upload_limits(),
            labels: web::Data::new(SharedLabels::default()),
        })
    }
}

/// Connections the kernel holds for the server before it accepts them: actix-web's own default.
const LISTEN_BACKLOG: i32 = 1024;

/// Listens on `address` with room for a burst of connections. std's `bind` asks for a backlog of
/// 128: 1,000 clients connecting at once overflowed it (`nstat`: TcpExtListenOverflows 91 in
/// one run of tests/under_load.rs), and a handshake dropped that way can end in a reset instead
/// of a late answer. The kernel caps the figure at `net.core.somaxconn`.
pub fn listen(address: &str) -> std::io::Result<TcpListener> {
    let listener = TcpListener::bind(address)?;
    socket2::SockRef::from(&listener).listen(LISTEN_BACKLOG)?;
    Ok(listener)
}

/// A server listening on `listener`, not yet running.
pub fn build_server(
    listener: TcpListener,
    pool: DbPool,
    parts: AppParts,
    workers: Option<usize>,
) -> std::io::Result<Server> {
    let labels = parts.labels.clone();
    crate::web::refresh_labels(&pool, &labels);
    // Database work runs on the blocking pool, one thread per connection: a thread beyond
    // them could only wait for a connection, and each keeps its own allocator heap (resident
    // memory grew to 300 MB under 64 connections with actix's default of 512). With twice as
    // many threads as connections, a quarter of the server's context switches under the
    // submission benchmark were threads spinning on the pool's lock (`perf record -e
    // sched:sched_switch`: r2d2's `get_timeout` and the connection's return, in
    // parking_lot's `sched_yield`).
    let blocking_threads = (pool.max_size() as usize).max(4);
    let pool = web::Data::new(pool);
    let info = web::Data::new(parts.info);
    let accounts = web::Data::new(parts.accounts);
    let uploads = web::Data::new(parts.uploads);
    // A multipart body may hold one file of the largest size and the form's small fields.
    let multipart = MultipartFormConfig::default()
        .total_limit(parts.uploads.per_file + 64 * 1024)
        .memory_limit(parts.uploads.per_file + 64 * 1024)
        .error_handler(crate::web::error::multipart_refused);
    crate::web::metrics::install();
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(session_layer))
            .wrap(from_fn(crate::web::input::refuse_nul))
            .wrap(from_fn(crate::web::input::head_as_get))
            .wrap(routes::security_headers())
            .wrap(routes::error_pages())
            // gzip when the client accepts it. Pages carry their CSRF token masked afresh each
            // time (see `secrets::masked`), so compression leaks no secret (BREACH); uploaded
            // files are sent as stored (`Content-Encoding: identity`).
            .wrap(actix_web::middleware::Compress::default())
            .wrap(from_fn(crate::web::metrics::record))
            .wrap(from_fn(crate::web::request_id::assign))
            .wrap(routes::request_log())
            .app_data(pool.clone())
            .app_data(labels.clone())
            .app_data(info.clone())
            .app_data(accounts.clone())
            .app_data(uploads.clone())
            .app_data(multipart.clone())
            .configure(routes::routes)
    })
    .worker_max_blocking_threads(blocking_threads)
    .listen(listener)?;
    if let Some(workers) = workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}

/// `onestop serve`: everything a first run needs, then serve until stopped.
pub async fn serve(url: DatabaseUrl, pool_size: u32, args: ServeArgs) -> anyhow::Result<()> {
    let backend = url.backend_name();
    let pool = {
        let url = url.clone();
        actix_web::rt::task::spawn_blocking(move || prepare_database(&url, pool_size)).await??
    };
    let listener = listen(&args.bind).with_context(|| format!("cannot listen on {}", args.bind))?;
    tracing::info!(address = %args.bind, database = %url, "OneStop is serving on http://{}", args.bind);
    let parts = AppParts::new(backend, &args.app, &args.bind)?;
    let courier = args.app.courier(&args.bind).map_err(anyhow::Error::msg)?;
    actix_web::rt::spawn(supervise_periodically(
        pool.clone(),
        args.app.digest_schedule(),
        parts.labels.clone(),
    ));
    if args.app.outbox_worker {
        let interval = std::time::Duration::from_millis(args.app.outbox_interval_ms.max(100));
        actix_web::rt::spawn(deliver_periodically(pool.clone(), courier, interval));
    }
    build_server(listener, pool, parts, args.workers)?.await?;
    Ok(())
}

/// Delivers the outbox: batch after batch while there is work, then a pause of `interval`.
/// Several nodes may run this at once; claims keep them from sending the same row together.
pub async fn deliver_periodically(
    pool: DbPool,
    courier: crate::services::outbox::Courier,
    interval: std::time::Duration,
) {
    loop {
        let (pool, courier) = (pool.clone(), courier.clone());
        let outcome = actix_web::rt::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            crate::services::outbox::deliver_batch(&mut conn, &courier)
        })
        .await;
        let busy = match outcome {
            Ok(Ok(report)) => report.handled() > 0,
            Ok(Err(error)) => {
                tracing::warn!(%error, "outbox delivery failed");
                false
            }
            Err(error) => {
                tracing::warn!(%error, "outbox task failed");
                false
            }
        };
        if !busy {
            actix_web::rt::time::sleep(interval).await;
        }
    }
}

/// How often the server flags deemed acceptances and records supervision cards.
const SUPERVISION_INTERVAL: std::time::Duration = std::time::Duration::from_secs(300);
/// How often the server checks whether a staff digest is due.
const DIGEST_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs [`crate::services::workflow::supervise`] now and every few minutes, and writes the
/// staff digests when they are due. Both are idempotent across nodes: supervision only repeats
/// work, and a digest moves its watermark in the transaction that writes it.
async fn supervise_periodically(
    pool: DbPool,
    schedule: crate::services::digests::Schedule,
    labels: web::Data<SharedLabels>,
) {
    let mut ticks = actix_web::rt::time::interval(DIGEST_CHECK_INTERVAL);
    let mut last_supervision: Option<std::time::Instant> = None;
    loop {
        ticks.tick().await;
        // Another node may have published a workflow with new states.
        let (pool_for_labels, shared) = (pool.clone(), labels.clone());
        let _ = actix_web::rt::task::spawn_blocking(move || {
            crate::web::refresh_labels(&pool_for_labels, &shared)
        })
        .await;
        let pool_for_digests = pool.clone();
        let digests = actix_web::rt::task::spawn_blocking(move || {
            let mut conn = pool_for_digests.get()?;
            crate::services::digests::send_due(&mut conn, &schedule, crate::services::stored_now())
        })
        .await;
        match digests {
            Ok(Ok(0)) => {}
            Ok(Ok(mails)) => tracing::info!(mails, "staff digests written to the outbox"),
            Ok(Err(error)) => tracing::warn!(%error, "staff digests failed"),
            Err(error) => tracing::warn!(%error, "staff digest task failed"),
        }
        if last_supervision.is_some_and(|at| at.elapsed() < SUPERVISION_INTERVAL) {
            continue;
        }
        last_supervision = Some(std::time::Instant::now());
        let pool = pool.clone();
        let outcome = actix_web::rt::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            let started = std::time::Instant::now();
            let outcome = crate::services::workflow::supervise(&mut conn);
            crate::web::metrics::supervision_pass(started.elapsed().as_secs_f64());
            outcome
        })
        .await;
        match outcome {
            Ok(Ok((flagged, cards))) if flagged + cards > 0 => {
                tracing::info!(
                    flagged,
                    cards,
                    "supervision: deemed acceptances and cards recorded"
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(%error, "supervision run failed"),
            Err(error) => tracing::warn!(%error, "supervision task failed"),
        }
    }
}
