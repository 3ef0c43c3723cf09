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
//! Then, beside an import (issue 12, "imports are bounded or chunked"): the desks of another
//! organisation run the same loop while a desk of the first imports 10,000 accounts at a time,
//! in parts of `MAX_IMPORT_ACCOUNTS` (one part per push, as a desk sends them). Printed: the
//! other organisation's push and pull p50/p99 beside the same desks with no import (the
//! reference, with the ratio of the p50s), each part's push latency, and the same desks beside
//! the same imports decided in ONE transaction each (the store's `push_batch`, as a push was
//! before the parts), with how long that transaction takes.
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
use holdfast_sync::protocol::{PushedCommand, SyncCommand, MAX_IMPORT_ACCOUNTS};
use jiff::Timestamp;
use uuid::Uuid;

use harness::{
    draft, BoxError, Desk, FreshDatabase, Server, ORGANISATION, PASSWORD, POLICY, URL_VAR,
};

/// The organisation whose desks work beside the import.
const OTHER_ORGANISATION: &str = "Beside";
/// How many of its desks in each of the three runs (no import, beside the parts, beside one
/// transaction).
const BESIDE_DESKS: usize = 10;
/// How many accounts one import carries (in parts of `MAX_IMPORT_ACCOUNTS`).
const IMPORT_ACCOUNTS: usize = 10_000;

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
                email: None,
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
    beside_an_import(
        label,
        &store,
        &server,
        organisation.id,
        &password_hash,
        options,
    )
    .await?;
    drop(server);
    Ok(())
}

/// Signs in `count` desks of the organisation `name`, one user each (setup, not timed).
async fn desks_of(
    store: &Arc<dyn ServerStore>,
    server: &Server,
    (organisation, name): (Uuid, &str),
    prefix: &str,
    count: usize,
    password_hash: &str,
) -> Result<Vec<Desk>, BoxError> {
    let mut desks = Vec::with_capacity(count);
    for index in 0..count {
        let user = format!("{prefix}{index:04}");
        store
            .add_user(
                NewUser {
                    organisation_id: organisation,
                    name: user.clone(),
                    roles: vec![Role::AccountManager],
                    password_hash: password_hash.to_owned(),
                },
                Timestamp::now(),
            )
            .await?;
        let mut desk = Desk::sign_in_to(&server.address, name, &user).await?;
        desk.pull_all().await?;
        desks.push(desk);
    }
    Ok(desks)
}

/// The import phase: another organisation's desks, alone and then beside a desk of
/// `organisation` importing `IMPORT_ACCOUNTS` accounts at a time, in parts.
async fn beside_an_import(
    label: &str,
    store: &Arc<dyn ServerStore>,
    server: &Server,
    organisation: Uuid,
    password_hash: &str,
    options: &Options,
) -> Result<(), BoxError> {
    let now = Timestamp::now();
    let other = store.create_organisation(OTHER_ORGANISATION, now).await?;
    store
        .publish_policy(other.id, parse_policy(POLICY)?.version, POLICY, now)
        .await?;
    let mut desks = desks_of(
        store,
        server,
        (other.id, OTHER_ORGANISATION),
        "beside",
        3 * BESIDE_DESKS,
        password_hash,
    )
    .await?;
    let drafts = (0..3 * BESIDE_DESKS)
        .map(draft)
        .collect::<Result<Vec<_>, _>>()?;
    let accounts: Vec<Uuid> = drafts
        .iter()
        .map(|draft| account_id(&draft.external_id))
        .collect();
    if let Some(first) = desks.first_mut() {
        first.import(drafts).await?;
    }
    for desk in &mut desks {
        desk.pull_all().await?;
    }
    let mut importer = desks_of(
        store,
        server,
        (organisation, ORGANISATION),
        "importer",
        1,
        password_hash,
    )
    .await?
    .pop()
    .ok_or("no importing desk")?;

    let user = store
        .user_by_name(organisation, &importer.session.me.user)
        .await?
        .ok_or("the importer is not stored")?;
    let fresh = |round: usize| {
        let start = 20_000_000 + round * IMPORT_ACCOUNTS;
        (start..start + IMPORT_ACCOUNTS)
            .map(draft)
            .collect::<Result<Vec<_>, _>>()
    };
    let seconds = options.seconds.min(10);
    let mut beside_parts_desks = desks.split_off(BESIDE_DESKS);
    let beside_one_desks = beside_parts_desks.split_off(BESIDE_DESKS);

    // The reference: the other organisation's desks with no import running.
    let mut alone = together(desks, &accounts, REFERENCE_SECONDS).await?;

    // Beside the import in parts, as desks send it now, until the time is up.
    let until = Instant::now() + Duration::from_secs(seconds);
    let beside = tokio::spawn({
        let accounts = accounts.clone();
        async move { together(beside_parts_desks, &accounts, seconds).await }
    });
    let mut parts: Vec<Duration> = Vec::new();
    let mut round = 0;
    while Instant::now() < until {
        parts.extend(importer.import_timed(fresh(round)?).await?);
        importer.pull_all().await?;
        round += 1;
    }
    let imports_in_parts = round;
    let mut beside = beside.await??;

    // Beside the same imports each decided in ONE transaction (as a push was before the parts).
    let until = Instant::now() + Duration::from_secs(seconds);
    let beside_one = tokio::spawn({
        let accounts = accounts.clone();
        async move { together(beside_one_desks, &accounts, seconds).await }
    });
    let mut whole: Vec<Duration> = Vec::new();
    while Instant::now() < until {
        let commands: Vec<PushedCommand> = fresh(round)?
            .chunks(MAX_IMPORT_ACCOUNTS)
            .zip(1..)
            .map(|(chunk, seq)| PushedCommand {
                seq,
                command: SyncCommand::ImportAccounts {
                    accounts: chunk.to_vec(),
                },
                decided_at: Timestamp::now(),
            })
            .collect();
        let started = Instant::now();
        store
            .push_batch(user.id, Uuid::now_v7(), &commands, Timestamp::now())
            .await?;
        whole.push(started.elapsed());
        round += 1;
    }
    let mut beside_one = beside_one.await??;

    let line = |what: &str, samples: &mut Vec<Duration>, alone: &mut Vec<Duration>| {
        let p50 = percentile(samples, 0.5);
        let alone_p50 = percentile(alone, 0.5);
        println!(
            "{:<30} p50 {:>9}   p99 {:>9}   no import p50 {:>9} p99 {:>9}   ratio {:>6.2}x   ({} requests)",
            format!("{label}: {what}"),
            ms(p50),
            ms(percentile(samples, 0.99)),
            ms(alone_p50),
            ms(percentile(alone, 0.99)),
            p50.as_secs_f64() / alone_p50.as_secs_f64().max(1e-9),
            samples.len(),
        );
    };
    line(
        "beside parts, other org push",
        &mut beside.pushes,
        &mut alone.pushes,
    );
    line(
        "beside parts, other org pull",
        &mut beside.pulls,
        &mut alone.pulls,
    );
    line(
        "beside one tx, other org push",
        &mut beside_one.pushes,
        &mut alone.pushes,
    );
    line(
        "beside one tx, other org pull",
        &mut beside_one.pulls,
        &mut alone.pulls,
    );
    println!(
        "{:<30} p50 {:>9}   p99 {:>9}   ({} parts of {MAX_IMPORT_ACCOUNTS} in {imports_in_parts} imports of {IMPORT_ACCOUNTS})",
        format!("{label}: import part push"),
        ms(percentile(&mut parts, 0.5)),
        ms(percentile(&mut parts, 0.99)),
        parts.len(),
    );
    println!(
        "{:<30} p50 {:>9}   p99 {:>9}   ({} imports of {IMPORT_ACCOUNTS}, as before the parts)",
        format!("{label}: import, one tx"),
        ms(percentile(&mut whole, 0.5)),
        ms(percentile(&mut whole, 0.99)),
        whole.len(),
    );
    let errors = beside.errors.len() + beside_one.errors.len() + alone.errors.len();
    println!(
        "{:<30} {errors} errors{}",
        format!("{label}: errors beside import"),
        beside
            .errors
            .iter()
            .chain(&beside_one.errors)
            .chain(&alone.errors)
            .next()
            .map(|first| format!(" (the first: {first})"))
            .unwrap_or_default()
    );
    Ok(())
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}
