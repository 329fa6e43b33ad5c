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
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Create the documented demo accounts (one per role); existing ones are left alone.
    Demo,
    /// Add the benchmark data set (../shared/bench/WORKLOAD.md): citizens and clerks once,
    /// then N applications over the catalog's services on each run.
    Seed(SeedArgs),
    /// Deliver the outbox (by SMTP_URL, or to the mail folder) until stopped; with --drain,
    /// until nothing is due, then exit.
    Worker(WorkerArgs),
    /// Flag deemed acceptances, record supervision cards and write the staff digests that are
    /// due, once (the server does it every few minutes by itself).
    Supervise(AppArgs),
    /// Copy the (SQLite) database, uploaded files included, to a new file while the portal
    /// serves; PostgreSQL is backed up with pg_dump (docs/operations.md).
    Backup {
        /// The file to write; it must not exist.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Restore a backup into an empty (SQLite) database: the one DATABASE_URL names, which must
    /// not exist or hold no table; PostgreSQL is restored with pg_restore.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: std::path::PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    /// Deliver what is due, then exit.
    #[arg(long)]
    pub drain: bool,
    #[command(flatten)]
    pub app: AppArgs,
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Applications to add.
    #[arg(long, default_value_t = 1_000_000)]
    pub applications: u64,
    /// Citizens to have (created once, all with the demo password).
    #[arg(long, default_value_t = 10_000)]
    pub citizens: u32,
    /// Clerks to have, clerk k in the department at position ((k-1) mod 30) + 1.
    #[arg(long, default_value_t = 60)]
    pub clerks: u32,
    /// The same seed gives the same data set.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Complete drafts to prepare for the first seeded citizen, ready to submit (the
    /// benchmark's W2), cycling over the services a citizen may apply for.
    #[arg(long, default_value_t = 0)]
    pub drafts: u64,
    /// 12345 hotline requests to add beside the applications (the hotline's benchmark).
    #[arg(long, default_value_t = 0)]
    pub hotline: u64,
    /// Grid events to add (the grid's benchmark); one grid worker per grid is created first.
    #[arg(long, default_value_t = 0)]
    pub events: u64,
    /// Patrol points to add: eight-hour patrols of the grid workers, a point every 10 s.
    #[arg(long, default_value_t = 0)]
    pub patrol_points: u64,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "ONESTOP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "ONESTOP_WORKERS")]
    pub workers: Option<usize>,
    #[command(flatten)]
    pub app: AppArgs,
}

/// Settings of the running app that the CLI's other commands share.
#[derive(Debug, Clone, Args)]
pub struct AppArgs {
    /// The address people reach the portal at, for links in mails (default: http://BIND).
    #[arg(long, env = "ONESTOP_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "ONESTOP_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,
    /// Hours after sign-in after which a session ends however active.
    #[arg(long, env = "ONESTOP_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: i64,
    /// Behind a reverse proxy: take the client address from `Forwarded` / `X-Forwarded-For`
    /// (for login throttling). Only set this when the proxy overwrites those headers.
    #[arg(long, env = "ONESTOP_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,
    /// Largest material file, in MiB.
    #[arg(long, env = "ONESTOP_MAX_UPLOAD_MB", default_value_t = 10)]
    pub max_upload_mb: usize,
    /// Largest total of materials per application, in MiB.
    #[arg(long, env = "ONESTOP_MAX_APPLICATION_MB", default_value_t = 50)]
    pub max_application_mb: i64,
    /// Where mails are written as .eml files.
    #[arg(long, env = "ONESTOP_MAIL_DIR", default_value = "data/mail")]
    pub mail_dir: std::path::PathBuf,
    /// The SMTP server for the outbox, e.g. smtp://user:pass@host:587?tls=required; without it
    /// queued mails are written to the mail folder.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Whether `serve` delivers the outbox itself. Set it to false when separate
    /// `onestop worker` processes deliver it (and for the benchmark, which measures requests).
    #[arg(long, env = "ONESTOP_OUTBOX_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub outbox_worker: bool,
    /// Milliseconds between outbox checks when it was empty.
    #[arg(long, env = "ONESTOP_OUTBOX_INTERVAL_MS", default_value_t = 2000)]
    pub outbox_interval_ms: u64,
    /// SMTP connections one worker uses at once (each sends about 22 mails/s; keep it below
    /// the server's limit of connections per client, 50 by default in Postfix).
    #[arg(long, env = "ONESTOP_OUTBOX_CONNECTIONS", default_value_t = 32)]
    pub outbox_connections: usize,
    /// Seconds a worker's claim on a batch lasts; a crashed worker's batch is sent again after it.
    #[arg(long, env = "ONESTOP_OUTBOX_LEASE_SECS", default_value_t = 300)]
    pub outbox_lease_secs: i64,
    /// Minutes between the clerks' digests of new applications in their queue.
    #[arg(long, env = "ONESTOP_DIGEST_MINUTES", default_value_t = 60)]
    pub digest_minutes: i64,
    /// The hour (Beijing time) after which the daily deadline mails go out on working days.
    #[arg(long, env = "ONESTOP_DAILY_MAIL_HOUR", default_value_t = 8)]
    pub daily_mail_hour: u32,
    /// The site's owner (主办单位), shown in every page's footer.
    #[arg(
        long,
        env = "ONESTOP_SITE_OWNER",
        default_value = "深圳市宝安区政务服务和数据管理局"
    )]
    pub site_owner: String,
    /// The government website identity code (网站标识码) the site was issued; a placeholder
    /// until then.
    #[arg(long, env = "ONESTOP_SITE_CODE", default_value = "4403060000")]
    pub site_code: String,
    /// Who may read `GET /metrics`: client addresses in these ranges (comma-separated CIDRs;
    /// the TCP peer, never a forwarded address) ...
    #[arg(
        long,
        env = "ONESTOP_METRICS_ALLOW",
        default_value = "127.0.0.1/32,::1/128"
    )]
    pub metrics_allow: String,
    /// ... or a scraper that sends `Authorization: Bearer` with this token. Anyone else gets 404.
    #[arg(long, env = "ONESTOP_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
}

impl AppArgs {
    /// Who may read the metrics; a range that does not parse is refused at start-up.
    pub fn metrics_access(&self) -> Result<crate::web::metrics::Access, String> {
        let allow = self
            .metrics_allow
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| {
                r.parse::<ipnet::IpNet>()
                    .map_err(|e| format!("ONESTOP_METRICS_ALLOW: {r}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(crate::web::metrics::Access {
            allow,
            token: self.metrics_token.clone().filter(|t| !t.is_empty()),
        })
    }

    pub fn upload_limits(&self) -> crate::services::applications::UploadLimits {
        crate::services::applications::UploadLimits {
            per_file: self.max_upload_mb.clamp(1, 64) * 1024 * 1024,
            per_application: self.max_application_mb.max(1) * 1024 * 1024,
        }
    }

    /// How the outbox is delivered; an unusable `SMTP_URL` is an error.
    pub fn courier(&self, bind: &str) -> Result<crate::services::outbox::Courier, String> {
        let delivery =
            crate::mail::Delivery::from_url(self.smtp_url.as_deref(), self.mail_dir.clone())?;
        Ok(crate::services::outbox::Courier {
            delivery,
            public_url: self.account_settings(bind).public_url,
            connections: self.outbox_connections.clamp(1, 256),
            lease: chrono::Duration::seconds(self.outbox_lease_secs.clamp(1, 24 * 3600)),
        })
    }

    /// When the staff digests go out.
    pub fn digest_schedule(&self) -> crate::services::digests::Schedule {
        crate::services::digests::Schedule {
            arrivals_every: chrono::Duration::minutes(self.digest_minutes.clamp(1, 24 * 60)),
            daily_hour: self.daily_mail_hour.min(23),
        }
    }

    pub fn account_settings(&self, bind: &str) -> crate::services::accounts::AccountSettings {
        let public_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bind}"));
        crate::services::accounts::AccountSettings {
            session_idle: chrono::Duration::minutes(self.session_idle_minutes.max(1)),
            session_lifetime: chrono::Duration::hours(self.session_max_hours.max(1)),
            public_url: public_url.trim_end_matches('/').to_owned(),
            trust_proxy: self.trust_proxy,
        }
    }
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
pub enum UserCommand {
    /// Create an account. The password is read from standard input unless --password is given.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["citizen", "firm", "clerk", "head", "admin"])]
        role: String,
        /// The person's or firm's name (default: the email's local part).
        #[arg(long)]
        name: Option<String>,
        /// A department code; repeat for several. Required for clerks and heads.
        #[arg(long = "department")]
        departments: Vec<String>,
        /// For scripts; prefer standard input, which keeps it out of the shell history.
        #[arg(long)]
        password: Option<String>,
    },
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
