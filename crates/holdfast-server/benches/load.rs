//! The sync server under load (issue 12): 200 desks on loopback, each signed in as itself, push
//! and pull against one in-process server for a bounded time, as a team's desks do through a
//! working day compressed. Each desk, in a loop: opens a case on one of its accounts and records
//! its acknowledgement (two commands, decided on the desk and again by the server), pushes them,
//! then pulls one page of what the others did and applies it to its replica.
//!
//! Printed for SQLite and PostgreSQL: requests, errors, and the p50 and p99 latency of pushes and
//! of pulls, beside the same loop run by one desk alone in the same run (the reference: the
//! server's latency with no one else on it), and the ratio of the p50s. A refused sign-in, a
//! command not applied, or a transport error counts as an error and is printed; the bench never
//! fails on speed.
//!
//! Usage: `cargo bench -p holdfast-server --bench load -- [--desks N] [--seconds S]
//! [--require-postgres]`.

#[path = "support/harness.rs"]
mod harness;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use holdfast_core::account::account_id;
use holdfast_core::account::PreferredChannel;
use holdfast_core::case::RequestChannel;
use holdfast_core::policy::{parse_policy, MessageKind};
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_server::auth::{hash_password_async, AuthConfig};
use holdfast_server::store::postgres::PgStore;
use holdfast_server::store::sqlite::SqliteStore;
use holdfast_server::store::{NewUser, ServerStore};
use holdfast_sync::protocol::{CommandOutcome, MAX_BATCH};
use jiff::Timestamp;
use uuid::Uuid;

use harness::{
    draft, BoxError, Desk, FreshDatabase, Server, ORGANISATION, PASSWORD, POLICY, URL_VAR,
};

const DEFAULT_DESKS: usize = 200;
const DEFAULT_SECONDS: u64 = 20;
/// How long the lone desk of the reference runs.
const REFERENCE_SECONDS: u64 = 5;

const USAGE: &str = "usage: cargo bench -p holdfast-server --bench load -- [--desks N] \
                     [--seconds S] [--require-postgres]";

struct Options {
    desks: usize,
    seconds: u64,
    require_postgres: bool,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        desks: DEFAULT_DESKS,
        seconds: DEFAULT_SECONDS,
        require_postgres: false,
    };
    let mut args = std::env::args().skip(1);
    let number = |flag: &str, value: Option<String>| -> Result<u64, String> {
        let value = value.ok_or_else(|| format!("{flag} needs a number"))?;
        value
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("{flag} {value}: give a number of at least 1"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => {}
            "--require-postgres" => options.require_postgres = true,
            "--desks" => {
                options.desks = usize::try_from(number("--desks", args.next())?)
                    .map_err(|_| "--desks is too large".to_owned())?;
            }
            "--seconds" => options.seconds = number("--seconds", args.next())?,
            other => return Err(format!("unexpected argument \"{other}\"\n{USAGE}")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    harness::exit_code("load", run())
}

fn run() -> Result<(), BoxError> {
    let options = parse_options()?;
    let postgres_url = harness::postgres_url(options.require_postgres)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "load: {} desks for {} s on loopback, each opening a case and acknowledging it (two \
         commands, one push), then pulling one page of the others' events; reference: one desk \
         alone for {REFERENCE_SECONDS} s",
        options.desks, options.seconds
    );
    runtime.block_on(async {
        let dir = tempfile::tempdir()?;
        let store = Arc::new(SqliteStore::open(&dir.path().join("data"))?);
        bench("sqlite", store, &options).await?;
        match postgres_url {
            Some(url) => {
                let database = FreshDatabase::create(&url).await?;
                let outcome = async {
                    let store = Arc::new(PgStore::connect(&database.url).await?);
                    bench("postgres", store, &options).await
                }
                .await;
                database.remove().await;
                outcome?;
            }
            None => println!("postgres: skipped ({URL_VAR} is not set)"),
        }
        Ok(())
    })
}

/// What the desks measured: each request's latency, and what went wrong.
#[derive(Default)]
struct Tally {
    pushes: Vec<Duration>,
    pulls: Vec<Duration>,
    errors: Vec<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.pushes.extend(other.pushes);
        self.pulls.extend(other.pulls);
        self.errors.extend(other.errors);
    }
}

/// The latency at `quantile` (0..=1) of `samples`, sorting them.
fn percentile(samples: &mut [Duration], quantile: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort_unstable();
    let rank = ((samples.len() - 1) as f64 * quantile).round() as usize;
    samples[rank.min(samples.len() - 1)]
}

/// One desk's loop until `until`: a new case on its account, acknowledged, pushed; then a page
/// pulled and applied.
async fn work(mut desk: Desk, account: Uuid, until: Instant) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < until {
        if let Err(error) = round(&mut desk, account, &mut tally).await {
            tally.errors.push(error.to_string());
            // A desk whose replica no longer agrees with the server stops: its next rounds would
            // only repeat the error.
            break;
        }
    }
    tally
}

async fn round(desk: &mut Desk, account: Uuid, tally: &mut Tally) -> Result<(), BoxError> {
    let now = Timestamp::now();
    let case_id = Uuid::now_v7();
    {
        let (replica, context) = desk.split(now);
        replica.decide(
            case_id,
            CaseCommand::Receive {
                case_id,
                account_id: account,
                channel: RequestChannel::Phone,
                requester_name: "Rae".into(),
                requester_contact: "+1 555 010 2030".into(),
                received_at: None,
            },
            &context,
        )?;
        replica.decide(
            case_id,
            CaseCommand::RecordMessage {
                kind: MessageKind::Acknowledgement,
                channel: PreferredChannel::Phone,
                body: "We received your request to cancel.".into(),
            },
            &context,
        )?;
    }
    let request = desk
        .replica
        .next_push(MAX_BATCH)?
        .ok_or("nothing to push")?;
    let started = Instant::now();
    let response = desk
        .client
        .push(&desk.session.access_token, &request)
        .await?;
    tally.pushes.push(started.elapsed());
    if let Some(refused) = response
        .results
        .iter()
        .find(|result| result.outcome != CommandOutcome::Applied)
    {
        tally.errors.push(format!(
            "command {} not applied: {:?}",
            refused.seq, refused.outcome
        ));
    }
    {
        let (replica, context) = desk.split(now);
        replica.on_push_response(&response, &context)?;
    }
    let started = Instant::now();
    let page = desk
        .client
        .pull(&desk.session.access_token, desk.replica.cursor(), MAX_BATCH)
        .await?;
    tally.pulls.push(started.elapsed());
    let (replica, context) = desk.split(Timestamp::now());
    replica.apply_pull(&page, &context)?;
    Ok(())
}

/// Signs in `count` desks, one user each (setup, not timed), each caught up with the log.
async fn desks(
    store: &Arc<dyn ServerStore>,
    server: &Server,
    organisation: Uuid,
    first: usize,
    count: usize,
    password_hash: &str,
) -> Result<Vec<Desk>, BoxError> {
    let mut desks = Vec::with_capacity(count);
    for index in first..first + count {
        let name = format!("desk{index:04}");
        store
            .add_user(
                NewUser {
                    organisation_id: organisation,
                    name: name.clone(),
                    roles: vec![Role::AccountManager],
                    password_hash: password_hash.to_owned(),
                },
                Timestamp::now(),
            )
            .await?;
        let mut desk = Desk::sign_in(&server.address, &name).await?;
        desk.pull_all().await?;
        desks.push(desk);
    }
    Ok(desks)
}

/// Runs `desks` together for `seconds`; their tallies merged.
async fn together(desks: Vec<Desk>, accounts: &[Uuid], seconds: u64) -> Result<Tally, BoxError> {
    let until = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = desks
        .into_iter()
        .enumerate()
        .map(|(index, desk)| tokio::spawn(work(desk, accounts[index % accounts.len()], until)))
        .collect();
    let mut tally = Tally::default();
    for task in tasks {
        tally.merge(task.await?);
    }
    Ok(tally)
}

async fn bench(
    label: &str,
    store: Arc<dyn ServerStore>,
    options: &Options,
) -> Result<(), BoxError> {
    let server = Server::start(store.clone()).await?;
    let now = Timestamp::now();
    let organisation = store.create_organisation(ORGANISATION, now).await?;
    store
        .publish_policy(organisation.id, parse_policy(POLICY)?.version, POLICY, now)
        .await?;
    let password_hash = hash_password_async(PASSWORD.into(), AuthConfig::default()).await?;

    // Setup: one account per desk, imported by the first desk.
    let mut importer = desks(&store, &server, organisation.id, 0, 1, &password_hash).await?;
    let drafts = (0..options.desks)
        .map(draft)
        .collect::<Result<Vec<_>, _>>()?;
    let accounts: Vec<Uuid> = drafts
        .iter()
        .map(|draft| account_id(&draft.external_id))
        .collect();
    for chunk in drafts.chunks(1000) {
        importer[0].import(chunk.to_vec()).await?;
    }

    // The reference: the importing desk alone.
    let mut reference = together(importer, &accounts, REFERENCE_SECONDS).await?;

    // The load: every desk at once (sign-ins before the clock).
    let all = desks(
        &store,
        &server,
        organisation.id,
        1,
        options.desks,
        &password_hash,
    )
    .await?;
    let mut load = together(all, &accounts, options.seconds).await?;
    drop(server);

    let alone_push = percentile(&mut reference.pushes, 0.5);
    let alone_pull = percentile(&mut reference.pulls, 0.5);
    let line = |what: &str, samples: &mut Vec<Duration>, alone: Duration| {
        let p50 = percentile(samples, 0.5);
        let p99 = percentile(samples, 0.99);
        println!(
            "{:<30} p50 {:>9}   p99 {:>9}   one desk alone p50 {:>9}   ratio {:>6.2}x   ({} requests)",
            format!("{label}: {what}"),
            ms(p50),
            ms(p99),
            ms(alone),
            p50.as_secs_f64() / alone.as_secs_f64().max(1e-9),
            samples.len(),
        );
    };
    line(
        &format!("{} desks, push", options.desks),
        &mut load.pushes,
        alone_push,
    );
    line(
        &format!("{} desks, pull", options.desks),
        &mut load.pulls,
        alone_pull,
    );
    let errors = load.errors.len() + reference.errors.len();
    println!(
        "{:<30} {errors} errors{}",
        format!("{label}: errors"),
        load.errors
            .iter()
            .chain(&reference.errors)
            .next()
            .map(|first| format!(" (the first: {first})"))
            .unwrap_or_default()
    );
    Ok(())
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}
