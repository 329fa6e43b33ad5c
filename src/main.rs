use std::process::ExitCode;

use clap::Parser;
use onestop::catalog::Catalog;
use onestop::config::{CatalogCommand, Cli, Command, ServeArgs};
use onestop::services::catalog_import;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
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
        Command::Migrate => {
            onestop::db::connect(&url, 1)?;
            println!("migrations applied to {url}");
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
            let catalog = Catalog::parse(
                &read(csv, onestop::catalog::EMBEDDED_CSV)?,
                &read(guides, onestop::catalog::EMBEDDED_GUIDES)?,
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
