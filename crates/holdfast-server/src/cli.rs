//! The command line: `serve` (SQLite in a data directory by default, PostgreSQL with
//! `--database-url postgres://…`; TLS with rustls when given a certificate and key; plain HTTP
//! only on loopback unless `--allow-plain-http`) and the admin subcommands, which work on the
//! same database. Passwords are read from stdin or a prompt,
//! never from the arguments.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use holdfast_core::role::Role;

use crate::admin;
use crate::auth::AuthConfig;
use crate::error::{Result, ServerError};
use crate::http::{router, AppState};
use crate::signing_key;
use crate::store::durable;
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use crate::store::ServerStore;
use crate::verify;

#[derive(Debug, Parser)]
#[command(name = "holdfast-server", version, about = "Holdfast's sync server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct Database {
    /// The directory holding holdfast-server.db (created if missing).
    #[arg(
        long,
        env = "HOLDFAST_DATA_DIR",
        default_value = "holdfast-server-data"
    )]
    pub data_dir: PathBuf,
    /// A PostgreSQL database instead of the embedded SQLite one (postgres://…). Better given in
    /// the environment than on the command line, where other users of the machine can read it.
    #[arg(long, env = "HOLDFAST_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serves the sync API.
    Serve {
        #[command(flatten)]
        database: Database,
        /// The address to listen on.
        #[arg(long, env = "HOLDFAST_LISTEN", default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// A PEM certificate chain: serve HTTPS (with --tls-key).
        #[arg(long, env = "HOLDFAST_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, env = "HOLDFAST_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve plain HTTP on a non-loopback address (behind a TLS-terminating proxy only).
        #[arg(long, env = "HOLDFAST_ALLOW_PLAIN_HTTP")]
        allow_plain_http: bool,
        /// A load balancer or proxy (IP address) whose X-Forwarded-For names the client, for the
        /// per-address sign-in limit. Repeat for several (in the environment: comma-separated).
        #[arg(
            long = "trusted-proxy",
            env = "HOLDFAST_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<std::net::IpAddr>,
        #[command(flatten)]
        operate: OperateArgs,
        /// Requests worked on at once; one more is answered 503 with Retry-After.
        #[arg(long, default_value_t = crate::http::DEFAULT_MAX_CONCURRENT_REQUESTS)]
        max_concurrent_requests: usize,
        /// The checkpoint signing key's file (created 0600 on first start; default: beside the
        /// data folder, <data-dir>.signing-key). Kept outside the database it signs.
        #[arg(long, env = "HOLDFAST_SIGNING_KEY")]
        signing_key: Option<PathBuf>,
        /// The heads-ups file (TOML): which case events go to which webhook, per organisation,
        /// with their signing secrets (keep it 0600). See the README's "Heads-ups".
        #[arg(long, env = "HOLDFAST_HEADS_UPS")]
        heads_ups: Option<PathBuf>,
    },
    /// Copies the SQLite database to FILE while the server runs (one consistent snapshot,
    /// checked before it is reported). For PostgreSQL use pg_dump or PITR (see the README).
    Backup {
        /// The backup file to write (0600); an existing file is refused.
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        database: Database,
    },
    /// Organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Users and their roles.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Policies.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Verifies an organisation's log (every chain link from the first event) and its signed
    /// checkpoints; exits non-zero when anything does not verify.
    Verify {
        org: String,
        #[command(flatten)]
        database: Database,
        /// The checkpoint signing key's file (default: <data-dir>.signing-key).
        #[arg(long)]
        signing_key: Option<PathBuf>,
    },
    /// Verifies a desk's audit export (its hash chain and the server's signed checkpoints) from
    /// the file alone; prints "verified: N events, K checkpoints" or the first broken line, and
    /// exits non-zero when it does not verify.
    VerifyExport {
        /// The export (JSON Lines, from the desk's audit export).
        file: PathBuf,
        /// The server's checkpoint key (hex) you trust: the file's key must be this one.
        #[arg(long)]
        expect_key: Option<String>,
    },
}

/// `serve`'s limits on slow and idle clients, its logs and its metrics (issue 12).
#[derive(Debug, Args, Clone)]
pub struct OperateArgs {
    /// Connections open at once; one more is closed at once (never queued).
    #[arg(long, default_value_t = crate::listen::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Seconds a client has for the TLS handshake and for each request head; also how long an
    /// idle keep-alive connection stays open.
    #[arg(long, default_value_t = crate::listen::DEFAULT_HEADER_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a request body has to arrive after its head (else 408 and the connection closes).
    #[arg(long, default_value_t = crate::listen::DEFAULT_REQUEST_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Seconds a response may wait for a client that stopped reading it before the connection
    /// is dropped.
    #[arg(long, default_value_t = crate::listen::DEFAULT_WRITE_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..))]
    pub write_timeout: u64,
    /// Log lines as text or JSON (one object per line); the level comes from RUST_LOG (info).
    #[arg(long, env = "HOLDFAST_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: crate::observe::LogFormat,
    /// A file whose first line is a bearer token (at least 16 characters) that may read
    /// /metrics from anywhere; without it /metrics answers loopback only.
    #[arg(long, env = "HOLDFAST_METRICS_TOKEN_FILE")]
    pub metrics_token_file: Option<PathBuf>,
}

impl OperateArgs {
    /// The connection limits these flags give.
    pub fn limits(&self) -> crate::listen::ConnectionLimits {
        use std::time::Duration;
        crate::listen::ConnectionLimits {
            max_connections: self.max_connections.max(1),
            header_timeout: Duration::from_secs(self.header_timeout),
            request_timeout: Duration::from_secs(self.request_timeout),
            write_timeout: Duration::from_secs(self.write_timeout),
            ..crate::listen::ConnectionLimits::default()
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Creates an organisation.
    Create {
        name: String,
        #[command(flatten)]
        database: Database,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Adds a user; the password is read from stdin (or prompted for on a terminal).
    Add {
        org: String,
        name: String,
        /// A role (repeatable): account_manager, csm, manager, billing, sales, admin.
        #[arg(long = "role", value_parser = admin::parse_role)]
        roles: Vec<Role>,
        #[command(flatten)]
        database: Database,
    },
    /// Deactivates a user: their pushes are refused and they cannot sign in.
    Deactivate {
        org: String,
        name: String,
        #[command(flatten)]
        database: Database,
    },
    /// Reactivates a deactivated user.
    Activate {
        org: String,
        name: String,
        #[command(flatten)]
        database: Database,
    },
    /// Replaces a user's roles.
    Roles {
        org: String,
        name: String,
        #[arg(long = "role", value_parser = admin::parse_role)]
        roles: Vec<Role>,
        #[command(flatten)]
        database: Database,
    },
    /// Sets a new password (read from stdin or prompted for) and revokes the user's sessions.
    ResetPassword {
        org: String,
        name: String,
        #[command(flatten)]
        database: Database,
    },
    /// Lists the user's live sessions (one per sign-in): id, created, last used, expires.
    Sessions {
        org: String,
        name: String,
        #[command(flatten)]
        database: Database,
    },
    /// Revokes one session of the user (--session ID) or all of them (--all): every token in
    /// it stops working and that desk must sign in again.
    RevokeSessions {
        org: String,
        name: String,
        /// The session to revoke (an id from `user sessions`).
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        session: Option<uuid::Uuid>,
        /// Revoke every session of the user.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        database: Database,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Publishes a policy file (validated; its version must increase).
    Publish {
        org: String,
        file: PathBuf,
        #[command(flatten)]
        database: Database,
    },
}

/// Opens the store a command names: the PostgreSQL database of `--database-url` (connected and
/// migrated), else the SQLite database in `--data-dir`. A URL that is not PostgreSQL's is an
/// error, never a silent fallback to SQLite.
pub async fn open_store(database: &Database) -> Result<Arc<dyn ServerStore>> {
    if let Some(url) = &database.database_url {
        let scheme = url.split_once("://").map(|(scheme, _)| scheme);
        return match scheme {
            Some("postgres" | "postgresql") => Ok(Arc::new(PgStore::connect(url).await?)),
            _ => Err(ServerError::Config(
                "--database-url must be a PostgreSQL URL (postgres://user@host/database)".into(),
            )),
        };
    }
    Ok(Arc::new(SqliteStore::open(&database.data_dir)?))
}

/// Plain HTTP is only for loopback, unless explicitly allowed.
pub fn check_listener(listen: SocketAddr, tls: bool, allow_plain_http: bool) -> Result<()> {
    if tls || allow_plain_http || listen.ip().is_loopback() {
        Ok(())
    } else {
        Err(ServerError::Config(format!(
            "refusing to serve plain HTTP on {listen}: give --tls-cert and --tls-key, listen on \
             a loopback address, or pass --allow-plain-http behind a TLS-terminating proxy"
        )))
    }
}

/// A password from a terminal prompt (asked twice) or the first line of stdin.
fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")
            .map_err(|source| ServerError::io("reading the password", source))?;
        let second = rpassword::prompt_password("Again: ")
            .map_err(|source| ServerError::io("reading the password", source))?;
        if first != second {
            return Err(ServerError::invalid("password", "the two entries differ"));
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|source| ServerError::io("reading the password from stdin", source))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Ctrl-C, or SIGTERM (what systemd and container engines send to stop a service): the
/// server stops accepting and finishes the requests in flight.
async fn shutdown_signal() {
    let interrupt = async {
        // Without a signal handler the server runs until it is killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

// Each argument is one of `serve`'s flags (or flag groups).
#[allow(clippy::too_many_arguments)]
async fn serve(
    database: &Database,
    listen: SocketAddr,
    tls: Option<(&Path, &Path)>,
    allow_plain_http: bool,
    trusted_proxies: Vec<std::net::IpAddr>,
    operate: &OperateArgs,
    max_concurrent_requests: usize,
    signing_key: Option<&Path>,
    heads_ups: Option<&Path>,
) -> Result<()> {
    crate::observe::init_logging(operate.log_format);
    check_listener(listen, tls.is_some(), allow_plain_http)?;
    let limits = operate.limits();
    let metrics_access = match &operate.metrics_token_file {
        Some(path) => crate::observe::MetricsAccess::from_token_file(path)?,
        None => crate::observe::MetricsAccess::loopback_only(),
    };
    let store = open_store(database).await?;
    let key_path = key_path(database, signing_key);
    let (signer, origin) = signing_key::open_signer(store.as_ref(), &key_path, true).await?;
    match origin {
        signing_key::KeyOrigin::Created => eprintln!(
            "holdfast-server: created the checkpoint signing key {}",
            key_path.display()
        ),
        signing_key::KeyOrigin::MovedFromDatabase => eprintln!(
            "holdfast-server: moved the checkpoint signing key out of the database into {}",
            key_path.display()
        ),
        _ => {}
    }
    crate::retention::spawn(store.clone());
    let heads_ups = std::sync::Arc::new(match heads_ups {
        Some(path) => crate::heads_ups::HeadsUpConfig::load(path)?,
        None => crate::heads_ups::HeadsUpConfig::default(),
    });
    crate::heads_ups::spawn(store.clone(), heads_ups.clone())?;
    let state = AppState::with_signer(store, AuthConfig::default(), signer)
        .await?
        .with_heads_ups(heads_ups)
        .with_trusted_proxies(trusted_proxies)
        .with_metrics_access(metrics_access)
        .with_request_timeout(limits.request_timeout)
        .with_max_concurrent_requests(max_concurrent_requests);
    let metrics = state.metrics.clone();
    let app = router(state);
    let acceptor = match tls {
        Some((cert, key)) => Some(crate::listen::tls_acceptor(cert, key).await?),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| ServerError::io(format!("listening on {listen}"), source))?;
    tracing::info!(
        address = %listen,
        tls = acceptor.is_some(),
        max_connections = limits.max_connections,
        header_timeout_secs = limits.header_timeout.as_secs(),
        request_timeout_secs = limits.request_timeout.as_secs(),
        write_timeout_secs = limits.write_timeout.as_secs(),
        "serving {}",
        if acceptor.is_some() { "HTTPS" } else { "plain HTTP" }
    );
    crate::listen::serve(listener, app, acceptor, limits, metrics, shutdown_signal()).await
}

/// `user sessions` as text: one line per session.
pub fn sessions_table(user: &str, sessions: &[crate::store::SessionRecord]) -> String {
    if sessions.is_empty() {
        return format!("{user} has no live sessions\n");
    }
    let mut out = format!(
        "{:<36}  {:<20}  {:<20}  {}\n",
        "session", "created", "last used", "expires"
    );
    let time = |at: jiff::Timestamp| at.strftime("%Y-%m-%d %H:%M:%SZ").to_string();
    for session in sessions {
        out.push_str(&format!(
            "{:<36}  {:<20}  {:<20}  {}\n",
            session.id,
            time(session.created_at),
            time(session.last_used_at),
            time(session.expires_at)
        ));
    }
    out
}

/// The signing key file a command uses: `--signing-key`, else beside the data folder.
fn key_path(database: &Database, signing_key: Option<&Path>) -> PathBuf {
    signing_key.map_or_else(
        || signing_key::default_key_path(&database.data_dir),
        Path::to_path_buf,
    )
}

/// Runs one command line.
pub async fn run(cli: Cli) -> Result<()> {
    let auth = AuthConfig::default();
    match cli.command {
        Command::Serve {
            database,
            listen,
            tls_cert,
            tls_key,
            allow_plain_http,
            trusted_proxies,
            operate,
            max_concurrent_requests,
            signing_key,
            heads_ups,
        } => {
            let tls = tls_cert.as_deref().zip(tls_key.as_deref());
            serve(
                &database,
                listen,
                tls,
                allow_plain_http,
                trusted_proxies,
                &operate,
                max_concurrent_requests,
                signing_key.as_deref(),
                heads_ups.as_deref(),
            )
            .await
        }
        Command::Backup { to, database } => {
            if database.database_url.is_some() {
                return Err(ServerError::Config(
                    "backup copies the SQLite database; back PostgreSQL up with pg_dump or \
                     continuous archiving (see the README)"
                        .into(),
                ));
            }
            let report = durable::backup_sqlite(&database.data_dir, &to)?;
            println!(
                "backed up {} organisations and {} events to {} ({} bytes); the copy passed \
                 SQLite's integrity check",
                report.organisations,
                report.events,
                to.display(),
                report.bytes
            );
            Ok(())
        }
        Command::Org {
            command: OrgCommand::Create { name, database },
        } => {
            let organisation =
                admin::create_organisation(open_store(&database).await?.as_ref(), &name).await?;
            println!("created organisation {}", organisation.name);
            Ok(())
        }
        Command::User { command } => match command {
            UserCommand::Add {
                org,
                name,
                roles,
                database,
            } => {
                let store = open_store(&database).await?;
                let password = read_password()?;
                let user =
                    admin::add_user(store.as_ref(), &auth, &org, &name, &roles, password).await?;
                println!("added {} with roles {:?}", user.name, user.roles);
                Ok(())
            }
            UserCommand::Deactivate {
                org,
                name,
                database,
            } => {
                let user =
                    admin::set_active(open_store(&database).await?.as_ref(), &org, &name, false)
                        .await?;
                println!("deactivated {}", user.name);
                Ok(())
            }
            UserCommand::Activate {
                org,
                name,
                database,
            } => {
                let user =
                    admin::set_active(open_store(&database).await?.as_ref(), &org, &name, true)
                        .await?;
                println!("activated {}", user.name);
                Ok(())
            }
            UserCommand::Roles {
                org,
                name,
                roles,
                database,
            } => {
                let user =
                    admin::set_roles(open_store(&database).await?.as_ref(), &org, &name, &roles)
                        .await?;
                println!("{} now has roles {:?}", user.name, user.roles);
                Ok(())
            }
            UserCommand::ResetPassword {
                org,
                name,
                database,
            } => {
                let store = open_store(&database).await?;
                let password = read_password()?;
                let user =
                    admin::reset_password(store.as_ref(), &auth, &org, &name, password).await?;
                println!(
                    "reset the password of {}; their sessions are revoked",
                    user.name
                );
                Ok(())
            }
            UserCommand::Sessions {
                org,
                name,
                database,
            } => {
                let (user, sessions) =
                    admin::sessions(open_store(&database).await?.as_ref(), &org, &name).await?;
                print!("{}", sessions_table(&user.name, &sessions));
                Ok(())
            }
            UserCommand::RevokeSessions {
                org,
                name,
                session,
                all: _,
                database,
            } => {
                // clap requires exactly one of --session and --all.
                let revoked = admin::revoke_sessions(
                    open_store(&database).await?.as_ref(),
                    &org,
                    &name,
                    session,
                )
                .await?;
                println!("revoked {revoked} session(s) of {name}");
                Ok(())
            }
        },
        Command::Policy {
            command:
                PolicyCommand::Publish {
                    org,
                    file,
                    database,
                },
        } => {
            let source = std::fs::read_to_string(&file)
                .map_err(|source| ServerError::io(format!("reading {}", file.display()), source))?;
            let published =
                admin::publish_policy(open_store(&database).await?.as_ref(), &org, &source).await?;
            println!("published policy version {}", published.version);
            Ok(())
        }
        Command::Verify {
            org,
            database,
            signing_key,
        } => {
            let store = open_store(&database).await?;
            let organisation = admin::organisation(store.as_ref(), &org).await?;
            let key_path = key_path(&database, signing_key.as_deref());
            // Before the first `serve` there is no key anywhere, and nothing can have been signed:
            // the chain is checked, and any checkpoint found is reported as not signed by it.
            let key = match signing_key::open_signer(store.as_ref(), &key_path, false).await {
                Ok((signer, _)) => signer.public_key_hex(),
                Err(ServerError::Config(message)) if !key_path.exists() => {
                    eprintln!("holdfast-server: {message}; checking the chain without it");
                    String::new()
                }
                Err(other) => return Err(other),
            };
            let verdict =
                verify::verify_log_with_key(store.as_ref(), &key, organisation.id).await?;
            println!("{}: {verdict}", organisation.name);
            match verdict {
                verify::LogVerdict::Intact { .. } => Ok(()),
                verify::LogVerdict::Broken { .. } => Err(ServerError::Corrupt(format!(
                    "the log of {} does not verify",
                    organisation.name
                ))),
            }
        }
        Command::VerifyExport { file, expect_key } => {
            let verdict = crate::verify_export::check_file(&file, expect_key.as_deref())?;
            println!("{}", crate::verify_export::describe(&verdict));
            match verdict {
                Ok(_) => Ok(()),
                Err(broken) => Err(ServerError::Invalid {
                    field: file.display().to_string(),
                    message: format!("does not verify: {broken}"),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback_unless_allowed() {
        let public: SocketAddr = "0.0.0.0:8787".parse().expect("address");
        let loopback: SocketAddr = "127.0.0.1:8787".parse().expect("address");
        let loopback6: SocketAddr = "[::1]:8787".parse().expect("address");
        assert!(check_listener(loopback, false, false).is_ok());
        assert!(check_listener(loopback6, false, false).is_ok());
        assert!(matches!(
            check_listener(public, false, false),
            Err(ServerError::Config(_))
        ));
        assert!(check_listener(public, true, false).is_ok());
        assert!(check_listener(public, false, true).is_ok());
    }

    #[tokio::test]
    async fn a_database_url_never_falls_back_to_sqlite() {
        let dir = tempfile::tempdir().expect("dir");
        let with_url = |url: &str| Database {
            data_dir: dir.path().to_owned(),
            database_url: Some(url.into()),
        };
        assert!(matches!(
            open_store(&with_url("mysql://h/db")).await,
            Err(ServerError::Config(_))
        ));
        // Nothing listens on port 1: a PostgreSQL URL that cannot be reached is an error.
        // (tests/postgres.rs serves and administers a real PostgreSQL through this function.)
        let unreachable = open_store(&with_url("postgres://holdfast@127.0.0.1:1/holdfast")).await;
        assert!(
            matches!(unreachable, Err(ServerError::Database(_))),
            "{:?}",
            unreachable.err()
        );
        assert!(!dir
            .path()
            .join(crate::store::sqlite::DATABASE_FILE)
            .exists());
        let sqlite = Database {
            data_dir: dir.path().to_owned(),
            database_url: None,
        };
        assert!(open_store(&sqlite).await.is_ok());
        assert!(dir
            .path()
            .join(crate::store::sqlite::DATABASE_FILE)
            .exists());
    }

    /// The settings file of the .deb (debian/holdfast-server.env) and the Containerfile set
    /// `serve` through these names: each flag has its HOLDFAST_ variable, and the database URL's
    /// value is never shown in `--help`.
    #[test]
    fn every_serve_flag_has_its_environment_variable() {
        use clap::CommandFactory;
        let command = Cli::command();
        let serve = command
            .get_subcommands()
            .find(|sub| sub.get_name() == "serve")
            .expect("serve");
        let mut names: Vec<(String, String)> = serve
            .get_arguments()
            .filter_map(|arg| {
                let long = arg.get_long()?;
                let env = arg.get_env()?.to_str()?.to_owned();
                Some((long.to_owned(), env))
            })
            .collect();
        names.sort();
        let expected = [
            ("allow-plain-http", "HOLDFAST_ALLOW_PLAIN_HTTP"),
            ("data-dir", "HOLDFAST_DATA_DIR"),
            ("database-url", "HOLDFAST_DATABASE_URL"),
            ("heads-ups", "HOLDFAST_HEADS_UPS"),
            ("listen", "HOLDFAST_LISTEN"),
            ("log-format", "HOLDFAST_LOG_FORMAT"),
            ("metrics-token-file", "HOLDFAST_METRICS_TOKEN_FILE"),
            ("signing-key", "HOLDFAST_SIGNING_KEY"),
            ("tls-cert", "HOLDFAST_TLS_CERT"),
            ("tls-key", "HOLDFAST_TLS_KEY"),
            ("trusted-proxy", "HOLDFAST_TRUSTED_PROXIES"),
        ]
        .map(|(long, env)| (long.to_owned(), env.to_owned()));
        assert_eq!(names, expected);
        let url = serve
            .get_arguments()
            .find(|arg| arg.get_long() == Some("database-url"))
            .expect("--database-url");
        assert!(url.is_hide_env_values_set());
        // The settings file names only these (and RUST_LOG).
        let settings = include_str!("../debian/holdfast-server.env");
        for line in settings.lines() {
            let line = line.trim_start_matches('#');
            if let Some((name, _)) = line.split_once('=') {
                if name.starts_with("HOLDFAST_") {
                    assert!(
                        expected.iter().any(|(_, env)| env == name),
                        "the settings file names {name}, which serve does not read"
                    );
                }
            }
        }
    }

    #[test]
    fn the_command_line_parses() {
        let cli = Cli::try_parse_from([
            "holdfast-server",
            "user",
            "add",
            "Billsbee",
            "ann",
            "--role",
            "account_manager",
            "--role",
            "csm",
            "--data-dir",
            "/tmp/x",
        ])
        .expect("parses");
        let Command::User {
            command: UserCommand::Add { roles, .. },
        } = cli.command
        else {
            panic!("user add");
        };
        assert_eq!(roles, vec![Role::AccountManager, Role::Csm]);
        assert!(Cli::try_parse_from(["holdfast-server", "serve", "--tls-cert", "c.pem"]).is_err());
        assert!(Cli::try_parse_from([
            "holdfast-server",
            "user",
            "add",
            "Billsbee",
            "ann",
            "--role",
            "boss"
        ])
        .is_err());
    }

    #[tokio::test]
    async fn plain_http_serves_the_api_on_loopback() {
        let dir = tempfile::tempdir().expect("dir");
        let database = Database {
            data_dir: dir.path().to_owned(),
            database_url: None,
        };
        let store = open_store(&database).await.expect("store");
        let state = AppState::new(store, AuthConfig::default())
            .await
            .expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                router(state).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
        });
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("connect");
        stream
            .write_all(b"GET /v1/me HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
            .await
            .expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("read");
        assert!(response.starts_with("HTTP/1.1 426"), "{response}");
        assert!(response.contains("upgrade_required"), "{response}");
        server.abort();
    }
}

/// Issue 12: the session commands parse.
#[cfg(test)]
mod signin_tests {
    use super::*;

    #[test]
    fn revoking_sessions_names_one_or_all() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(
                [
                    "holdfast-server",
                    "user",
                    "revoke-sessions",
                    "Billsbee",
                    "ann",
                ]
                .iter()
                .chain(args),
            )
        };
        let id = uuid::Uuid::now_v7();
        let Ok(Cli {
            command:
                Command::User {
                    command: UserCommand::RevokeSessions { session, all, .. },
                },
        }) = parse(&["--session", &id.to_string()])
        else {
            panic!("one session");
        };
        assert_eq!((session, all), (Some(id), false));
        assert!(parse(&["--all"]).is_ok());
        assert!(parse(&[]).is_err(), "one or all must be said");
        assert!(parse(&["--all", "--session", &id.to_string()]).is_err());
        assert!(parse(&["--session", "not-an-id"]).is_err());
        assert!(
            Cli::try_parse_from(["holdfast-server", "user", "sessions", "Billsbee", "ann"]).is_ok()
        );
        assert!(Cli::try_parse_from([
            "holdfast-server",
            "serve",
            "--max-concurrent-requests",
            "64"
        ])
        .is_ok());
    }
}
