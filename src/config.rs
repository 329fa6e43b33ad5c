//! Typed settings from the environment and flags, passed explicitly (no global).

use clap::{Args, Parser, Subcommand};

use crate::db::DatabaseUrl;

#[derive(Debug, Parser)]
#[command(
    name = "onestop",
    version,
    about = "OneStop: the one-stop administrative approval portal (一网通办)"
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// A SQLite file path (optionally `sqlite://path`) or a `postgres://` URL.
    #[arg(long, env = "DATABASE_URL", default_value = DatabaseUrl::DEFAULT, global = true, hide_env_values = true)]
    pub database_url: String,
    /// Connections in the pool of each node.
    #[arg(long, env = "ONESTOP_DB_POOL_SIZE", default_value_t = 8, global = true)]
    pub pool_size: u32,
}

impl DatabaseArgs {
    pub fn url(&self) -> Result<DatabaseUrl, String> {
        DatabaseUrl::parse(&self.database_url)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, load the catalog into an empty database, and serve the portal.
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage the service catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "ONESTOP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "ONESTOP_WORKERS")]
    pub workers: Option<usize>,
}

impl Default for ServeArgs {
    fn default() -> Self {
        // Parsing no arguments applies the environment and the defaults above.
        ServeArgs::parse_from_env()
    }
}

impl ServeArgs {
    fn parse_from_env() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Only::parse_from(["onestop"]).serve
    }
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Import the catalog (idempotent: unchanged rows stay, changed rows are updated in place).
    Import {
        /// The services CSV (default: the catalog shipped in the binary).
        #[arg(long)]
        csv: Option<std::path::PathBuf>,
        /// The guide rules TOML (default: the rules shipped in the binary).
        #[arg(long)]
        guides: Option<std::path::PathBuf>,
    },
}
