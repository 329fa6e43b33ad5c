use std::process::ExitCode;

use clap::Parser;
use onestop::catalog::Catalog;
use onestop::config::{CatalogCommand, Cli, Command, ServeArgs, UserCommand};
use onestop::domain::identity::{Email, NewPassword, Role, parse_name};
use onestop::services::accounts::{self, NewAccount};
use onestop::services::{ServiceError, catalog_import, demo};

/// mimalloc instead of glibc's malloc: a page allocates and frees thousands of small strings,
/// and under load glibc's arenas spent a quarter of the queue page's CPU time in malloc, free
/// and consolidation (bench/run.sh with BENCH_PERF).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr);
    // One JSON object per line for log collectors; the request's span (its id) in each.
    if std::env::var("ONESTOP_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().init();
    } else {
        logs.init();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line naming the problem; no backtrace for an operator's mistake.
            eprintln!("onestop: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database.url().map_err(anyhow::Error::msg)?;
    let pool_size = cli.database.pool_size.max(1);
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => {
            actix_web::rt::System::new().block_on(onestop::startup::serve(url, pool_size, args))
        }
        Command::Backup { to } => {
            let onestop::db::DatabaseUrl::Sqlite(source) = &url else {
                anyhow::bail!("back up PostgreSQL with pg_dump -Fc (see docs/operations.md)");
            };
            let bytes = onestop::db::backup::backup_sqlite(source, &to)?;
            println!("backed up {url} to {} ({bytes} bytes)", to.display());
            Ok(())
        }
        Command::Restore { from } => {
            let onestop::db::DatabaseUrl::Sqlite(target) = &url else {
                anyhow::bail!("restore PostgreSQL with pg_restore (see docs/operations.md)");
            };
            onestop::db::backup::restore_sqlite(&from, target)?;
            // Migrations newer than the backup, applied now rather than at the next start.
            onestop::db::connect(&url, 1)?;
            println!("restored {} into {url}", from.display());
            Ok(())
        }
        Command::Migrate => {
            let pool = onestop::db::connect(&url, 1)?;
            let mut conn = pool.get()?;
            onestop::startup::merge_calendar(&mut conn)?;
            println!("migrations applied to {url}");
            Ok(())
        }
        Command::User(UserCommand::Add {
            email,
            role,
            name,
            departments,
            password,
        }) => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let role: Role = role.parse()?;
            let password = match password {
                Some(p) => p,
                None => read_password()?,
            };
            let password = NewPassword::parse_for(
                &password,
                &[email.as_str(), name.as_deref().unwrap_or_default()],
            )
            .map_err(|e| anyhow::anyhow!("password: {e}"))?;
            let default_name = email
                .as_str()
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned();
            let name = parse_name(name.as_deref().unwrap_or(&default_name))
                .map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            let account = NewAccount {
                email,
                name,
                role,
                password,
                departments,
            };
            let pool = onestop::startup::prepare_database(&url, 1)?;
            let id = accounts::create_account(&pool, None, &account).map_err(|e| match e {
                ServiceError::Conflict(_) => anyhow::anyhow!(
                    "an account with email {} already exists",
                    account.email.as_str()
                ),
                other => other.into(),
            })?;
            println!(
                "created {} account {} (id {id})",
                role.slug(),
                account.email.as_str()
            );
            Ok(())
        }
        Command::Demo => {
            let pool = onestop::startup::prepare_database(&url, 1)?;
            let report = demo::create_demo_accounts(&pool)?;
            println!("Demo accounts (password for all: {}):", demo::DEMO_PASSWORD);
            for (email, role, created) in report {
                let state = if created { "created" } else { "already there" };
                println!("  {:<8} {email:<28} {state}", role.slug());
            }
            Ok(())
        }
        Command::Seed(args) => {
            let pool = onestop::startup::prepare_database(&url, 1)?;
            let mut conn = pool.get()?;
            let started = std::time::Instant::now();
            let plan = onestop::services::seed::SeedPlan {
                applications: args.applications,
                citizens: args.citizens.max(1),
                clerks: args.clerks,
                seed: args.seed,
            };
            let report = onestop::services::seed::seed(&mut conn, plan)?;
            println!(
                "seeded {} applications ({} citizens and {} clerks created) in {:.1} s",
                report.applications,
                report.citizens_created,
                report.clerks_created,
                started.elapsed().as_secs_f64()
            );
            if args.hotline > 0 {
                let started = std::time::Instant::now();
                let added = onestop::services::seed_hotline::seed_hotline(
                    &mut conn,
                    args.hotline,
                    args.seed,
                )?;
                println!(
                    "seeded {added} hotline requests in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
            }
            if args.events > 0 || args.patrol_points > 0 {
                let started = std::time::Instant::now();
                let grid = onestop::services::seed_grid::seed_grid(
                    &mut conn,
                    args.events,
                    args.patrol_points,
                    args.seed,
                )?;
                println!(
                    "seeded {} grid events, {} patrols with {} points ({} grid workers created) in {:.1} s",
                    grid.events,
                    grid.patrols,
                    grid.points,
                    grid.workers_created,
                    started.elapsed().as_secs_f64()
                );
            }
            if args.drafts > 0 {
                let started = std::time::Instant::now();
                let drafts = onestop::services::seed::seed_drafts(&mut conn, args.drafts)?;
                println!(
                    "prepared {} drafts over {} services ({} left out) in {:.1} s",
                    drafts.drafts,
                    drafts.services,
                    drafts.services_left_out,
                    started.elapsed().as_secs_f64()
                );
            }
            let started = std::time::Instant::now();
            onestop::services::seed::settle(&mut conn)?;
            println!(
                "analysed the database in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Worker(args) => {
            let pool = onestop::startup::prepare_database(&url, 2)?;
            let courier = args
                .app
                .courier("127.0.0.1:8080")
                .map_err(anyhow::Error::msg)?;
            if args.drain {
                let mut conn = pool.get()?;
                let report = onestop::services::outbox::drain(&mut conn, &courier)?;
                println!(
                    "{} sent, {} to retry, {} dead",
                    report.sent, report.retried, report.dead
                );
                return Ok(());
            }
            let interval = std::time::Duration::from_millis(args.app.outbox_interval_ms.max(100));
            actix_web::rt::System::new().block_on(onestop::startup::deliver_periodically(
                pool, courier, interval,
            ));
            Ok(())
        }
        Command::Supervise(args) => {
            let pool = onestop::startup::prepare_database(&url, 1)?;
            let mut conn = pool.get()?;
            let (flagged, cards) = onestop::services::workflow::supervise(&mut conn)?;
            println!("{flagged} applications deemed accepted, {cards} supervision cards recorded");
            let schedule = args.digest_schedule();
            let mails = onestop::services::digests::send_due(
                &mut conn,
                &schedule,
                onestop::services::stored_now(),
            )?;
            println!("{mails} staff digest mails written to the outbox");
            Ok(())
        }
        Command::Catalog(CatalogCommand::Import { csv, guides }) => {
            let read =
                |path: Option<std::path::PathBuf>, embedded: &str| -> anyhow::Result<String> {
                    match path {
                        Some(p) => std::fs::read_to_string(&p)
                            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display())),
                        None => Ok(embedded.to_owned()),
                    }
                };
            // An operator's files written before the English names stay importable: their
            // services are named in Chinese in both languages.
            let catalog = Catalog::parse_with(
                &read(csv, onestop::catalog::EMBEDDED_CSV)?,
                &read(guides, onestop::catalog::EMBEDDED_GUIDES)?,
                onestop::catalog::English::OrChinese,
            )?;
            let pool = onestop::db::connect(&url, 1)?;
            let mut conn = pool.get()?;
            let report = catalog_import::import(&mut conn, &catalog)?;
            print!("{report}");
            if report.changed_nothing() {
                println!("the catalog was already up to date");
            }
            Ok(())
        }
    }
}

/// One line from standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    anyhow::ensure!(
        !password.is_empty(),
        "no password on standard input (or give --password)"
    );
    Ok(password)
}
