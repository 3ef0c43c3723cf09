//! What the sync server's benches share: the server in-process on a loopback port, a desk (its
//! transport, session and replica), an account to import, and a throwaway PostgreSQL database.
// Each bench includes this file as its own module and uses a part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use holdfast_core::account::{AccountDraft, PreferredChannel};
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{parse_policy, Policy};
use holdfast_core::workflow::{Actor, CodeKey};
use holdfast_server::auth::AuthConfig;
use holdfast_server::http::{router, AppState, MIN_CLIENT_SCHEMA};
use holdfast_server::store::ServerStore;
use holdfast_sync::client::{Context, KnownUsers, Replica};
use holdfast_sync::protocol::{CommandOutcome, PushRequest, Session, SignIn, MAX_BATCH};
use holdfast_sync::transport::SyncClient;
use jiff::Timestamp;
use tokio_postgres::NoTls;
use uuid::Uuid;

/// Any error a bench reports and stops on.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs a bench's `run`, printing its error under the bench's `name`.
pub fn exit_code(name: &str, outcome: Result<(), BoxError>) -> std::process::ExitCode {
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{name} bench: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The PostgreSQL server named by `URL_VAR`, if any; an error when `required` and it is not.
pub fn postgres_url(required: bool) -> Result<Option<String>, BoxError> {
    let url = std::env::var(URL_VAR)
        .ok()
        .filter(|url| !url.trim().is_empty());
    if required && url.is_none() {
        return Err(format!(
            "--require-postgres: {URL_VAR} is not set; point it at a PostgreSQL server the bench \
             may create a database on (postgres://USER@HOST:PORT/postgres), or run `cargo xtask \
             bench`, which starts a throwaway cluster"
        )
        .into());
    }
    Ok(url)
}

/// Where the PostgreSQL server is named (a role that may CREATE DATABASE).
pub const URL_VAR: &str = "HOLDFAST_BENCH_POSTGRES_URL";
pub const ORGANISATION: &str = "Bench";
pub const POLICY: &str = include_str!("../../../../policies/billsbee.toml");
pub const PASSWORD: &str = "bench password";

/// The server, in-process, serving the real router on a loopback port; stopped on drop.
pub struct Server {
    pub address: String,
    pub task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub async fn start(store: Arc<dyn ServerStore>) -> Result<Server, BoxError> {
        let state = AppState::new(store, AuthConfig::default()).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = format!("http://{}", listener.local_addr()?);
        let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("sync bench: the server stopped: {error}");
            }
        });
        Ok(Server { address, task })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One desktop profile: its transport, session and replica, and what it decides with.
pub struct Desk {
    pub client: SyncClient,
    pub session: Session,
    pub replica: Replica,
    pub actor: Actor,
    pub policy: Policy,
    pub users: KnownUsers,
    /// The key this desk seals one-time codes with.
    pub code_key: CodeKey,
}

impl Desk {
    pub async fn sign_in(address: &str, user: &str) -> Result<Desk, BoxError> {
        Desk::sign_in_to(address, ORGANISATION, user).await
    }

    /// Signs in as `user` of the organisation named `organisation`.
    pub async fn sign_in_to(
        address: &str,
        organisation: &str,
        user: &str,
    ) -> Result<Desk, BoxError> {
        let client = SyncClient::new(address, MIN_CLIENT_SCHEMA)?;
        let session = client
            .sign_in(&SignIn {
                organisation: organisation.into(),
                user: user.into(),
                password: PASSWORD.into(),
            })
            .await?;
        let published = client
            .policy(&session.access_token)
            .await?
            .ok_or("the organisation has no policy")?;
        let replica = Replica::new(Uuid::now_v7(), &session.me.checkpoint_key)?;
        Ok(Desk {
            actor: Actor {
                user_id: session.me.user.clone(),
                roles: session.me.roles.clone(),
                active: session.me.active,
            },
            policy: parse_policy(&published.source)?,
            users: KnownUsers::new(),
            code_key: CodeKey::new("device", [9; 32]),
            client,
            session,
            replica,
        })
    }

    pub fn context(&self, now: Timestamp) -> Context<'_> {
        Context {
            actor: &self.actor,
            policy: Some(&self.policy),
            users: &self.users,
            now,
            code_key: &self.code_key,
        }
    }

    /// The replica and the context it decides with, borrowed together.
    pub fn split(&mut self, now: Timestamp) -> (&mut Replica, Context<'_>) {
        let Desk {
            replica,
            actor,
            policy,
            users,
            code_key,
            ..
        } = self;
        let context = Context {
            actor,
            policy: Some(policy),
            users,
            now,
            code_key,
        };
        (replica, context)
    }

    /// Queues an import and pushes it, expecting it applied.
    pub async fn import(&mut self, accounts: Vec<AccountDraft>) -> Result<(), BoxError> {
        self.import_timed(accounts).await.map(|_| ())
    }

    /// Queues an import and pushes it, one part (`MAX_IMPORT_ACCOUNTS` accounts) per push as the
    /// desk does, expecting every part applied; returns each push's latency.
    pub async fn import_timed(
        &mut self,
        accounts: Vec<AccountDraft>,
    ) -> Result<Vec<std::time::Duration>, BoxError> {
        let now = Timestamp::now();
        let (replica, context) = self.split(now);
        replica.import_accounts(accounts, &context)?;
        let mut latencies = Vec::new();
        while let Some(request) = self.replica.next_push(MAX_BATCH)? {
            let started = std::time::Instant::now();
            let response = self
                .client
                .push(&self.session.access_token, &request)
                .await?;
            latencies.push(started.elapsed());
            expect_applied(&request, &response.results)?;
            let (replica, context) = self.split(now);
            replica.on_push_response(&response, &context)?;
        }
        if latencies.is_empty() {
            return Err("nothing to push".into());
        }
        Ok(latencies)
    }

    /// Pulls pages of `MAX_BATCH` and applies them until the log is caught up; returns the pages.
    pub async fn pull_all(&mut self) -> Result<usize, BoxError> {
        let mut pages = 0;
        loop {
            let page = self
                .client
                .pull(&self.session.access_token, self.replica.cursor(), MAX_BATCH)
                .await?;
            pages += 1;
            let (replica, context) = self.split(Timestamp::now());
            if !replica.apply_pull(&page, &context)?.more {
                return Ok(pages);
            }
        }
    }
}

pub fn expect_applied(
    request: &PushRequest,
    results: &[holdfast_sync::protocol::CommandResult],
) -> Result<(), BoxError> {
    if results.len() != request.commands.len() {
        return Err(format!(
            "{} answers to a push of {} commands",
            results.len(),
            request.commands.len()
        )
        .into());
    }
    match results
        .iter()
        .find(|result| result.outcome != CommandOutcome::Applied)
    {
        Some(result) => Err(format!(
            "command {} was not applied: {:?}",
            result.seq, result.outcome
        )
        .into()),
        None => Ok(()),
    }
}

pub fn usd(minor: i64) -> Result<Money, BoxError> {
    Ok(Money::new(minor, Currency::parse("USD")?))
}

pub fn draft(index: usize) -> Result<AccountDraft, BoxError> {
    Ok(AccountDraft {
        external_id: format!("B-{index:06}"),
        name: format!("Dental practice {index}"),
        contact_name: Some("Rae".into()),
        email: Some(format!("owner{index}@example.com")),
        phone: Some("+1 555 010 2030".into()),
        preferred_channel: PreferredChannel::Phone,
        tier: "Standard".into(),
        hosting_server: None,
        plan: Some("Pro".into()),
        mrr: usd(4_900)?,
        customer_since: None,
        total_collected: usd(58_800)?,
        accounts_receivable: Some(usd(0)?),
        original_sales_rep: None,
        unpaid_invoices: 0,
        plan_price: None,
        billing_period_start: None,
        billing_period_end: None,
        account_manager: None,
    })
}

/// A database of its own on the PostgreSQL server, dropped afterwards.
pub struct FreshDatabase {
    pub server: String,
    pub name: String,
    pub url: String,
}

impl FreshDatabase {
    pub async fn create(server: &str) -> Result<FreshDatabase, BoxError> {
        let name = format!("holdfast_bench_{}", Uuid::now_v7().simple());
        let (client, connection) = tokio_postgres::connect(server, NoTls)
            .await
            .map_err(|error| format!("cannot connect to {URL_VAR} ({server}): {error}"))?;
        let connection = tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .map_err(|error| format!("cannot create database {name}: {error}"))?;
        drop(client);
        let _ = connection.await;
        Ok(FreshDatabase {
            url: url_with_database(server, &name),
            server: server.to_owned(),
            name,
        })
    }

    /// Drops the database (best effort: a failure is only reported).
    pub async fn remove(self) {
        let dropped = async {
            let (client, connection) = tokio_postgres::connect(&self.server, NoTls).await?;
            let connection = tokio::spawn(connection);
            client
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .await?;
            drop(client);
            let _ = connection.await;
            Ok::<(), tokio_postgres::Error>(())
        }
        .await;
        if let Err(error) = dropped {
            eprintln!("sync bench: could not drop database {}: {error}", self.name);
        }
    }
}

/// `url` with its database replaced by `database` (the path; a query string is kept).
pub fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |index| index + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |index| authority_start + index);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}
