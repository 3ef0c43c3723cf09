//! The sync server's speed end to end (issue 5): one desk pushes N case commands (100k by
//! default) over real loopback HTTP to an in-process server, and another desk pulls them all and
//! applies them to its replica. On SQLite always, and on PostgreSQL when
//! `HOLDFAST_BENCH_POSTGRES_URL` names a server the bench may create a database on (`cargo xtask
//! bench` starts a throwaway cluster and sets it). Each figure is printed beside the same event
//! rows written again by a raw batched insert into the same database in the same run (see
//! `support/reference.rs`), and the ratio.
//!
//! Aims (issue 9), as ratios to the raw batched insert measured in the same run, so a slower
//! machine does not move them: server ingest within 3x; 100k commands end to end within 4x.
//!
//! The commands: for every case, `receive` then `acknowledge`, by an account manager, each pushed
//! command decided again by the server's engine against its own records (the account, the case's
//! history, the user's roles, the published policy). Each records one event. The cases are spread
//! over at most 1000 accounts (imported before, not timed).
//!
//! Usage: `cargo bench -p holdfast-server --bench sync -- [--commands N] [--require-postgres]`.

#[path = "support/harness.rs"]
mod harness;
#[path = "support/reference.rs"]
mod reference;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::{
    draft, expect_applied, Desk, FreshDatabase, Server, ORGANISATION, PASSWORD, POLICY, URL_VAR,
};
use holdfast_core::account::account_id;
use holdfast_core::case::RequestChannel;
use holdfast_core::policy::parse_policy;
use holdfast_core::role::Role;
use holdfast_core::workflow::CaseCommand;
use holdfast_server::auth::{hash_password_async, AuthConfig};
use holdfast_server::store::postgres::PgStore;
use holdfast_server::store::sqlite::{SqliteStore, DATABASE_FILE};
use holdfast_server::store::{NewUser, ServerStore};
use holdfast_sync::client::CASE;
use holdfast_sync::protocol::{PushRequest, MAX_BATCH};
use jiff::Timestamp;
use reference::{BoxError, RawInsert, Target};
use uuid::Uuid;

const DEFAULT_COMMANDS: usize = 100_000;
/// Issue 9: the server ingests within this many times the raw batched insert's time.
const INGEST_AIM_RATIO: f64 = 3.0;
/// Issue 9: push and pull end to end within this many times the raw batched insert's time.
const END_TO_END_AIM_RATIO: f64 = 4.0;
/// Accounts per import command (the setup).
const IMPORT_BATCH: usize = 1000;
/// The accounts the cases are spread over (round robin). Every request is decided on a clone of
/// the pushing desk's replica, which holds one event per account: with 50k accounts the clones
/// alone took a minute, before the clock. The server's work per command barely depends on it (it
/// reads one account either way).
const MAX_ACCOUNTS: usize = 1000;

// A case's receive and acknowledge are decided together, so a push never splits them.
const _: () = assert!(MAX_BATCH % 2 == 0);

const USAGE: &str = "usage: cargo bench -p holdfast-server --bench sync -- [--commands N] \
                     [--require-postgres]";

struct Options {
    commands: usize,
    require_postgres: bool,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        commands: DEFAULT_COMMANDS,
        require_postgres: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // `cargo bench` passes it to every bench binary.
            "--bench" => {}
            "--require-postgres" => options.require_postgres = true,
            "--commands" => {
                let value = args.next().ok_or("--commands needs a number")?;
                options.commands = value
                    .replace('_', "")
                    .parse()
                    .ok()
                    .filter(|commands| *commands >= 2)
                    .ok_or_else(|| format!("--commands {value}: give a number of at least 2"))?;
            }
            other => return Err(format!("unexpected argument \"{other}\"\n{USAGE}")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    harness::exit_code("sync", run())
}

fn run() -> Result<(), BoxError> {
    let options = parse_options()?;
    let postgres_url = harness::postgres_url(options.require_postgres)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let commands = options.commands;
    println!(
        "sync: {commands} commands ({} cases over {} accounts, each received then acknowledged \
         by an account manager, every command decided again by the server), pushed {MAX_BATCH} \
         a request over loopback HTTP by one desk, then pulled {MAX_BATCH} events a page and \
         applied by another",
        commands.div_ceil(2),
        commands.div_ceil(2).min(MAX_ACCOUNTS)
    );
    runtime.block_on(async {
        let dir = tempfile::tempdir()?;
        let data = dir.path().join("data");
        let store = Arc::new(SqliteStore::open(&data)?);
        bench(
            "sqlite",
            store,
            Target::Sqlite(data.join(DATABASE_FILE)),
            commands,
        )
        .await?;
        match postgres_url {
            Some(url) => {
                let database = FreshDatabase::create(&url).await?;
                let outcome = async {
                    let store = Arc::new(PgStore::connect(&database.url).await?);
                    bench(
                        "postgres",
                        store,
                        Target::Postgres(database.url.clone()),
                        commands,
                    )
                    .await
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

/// The commands, decided by the pushing desk's replica before the clock starts, one push request
/// per `MAX_BATCH` commands.
///
/// Each request is decided on a fork of the desk's replica (a clone: the same client id, the same
/// confirmed log, an empty outbox), and its sequence numbers are then moved past the requests
/// before it. One outbox of 100k would take quadratic time to fill, because `Replica::decide`
/// lays the whole outbox over the log for every decision. Every case is new and a receive and
/// its acknowledge always share a request, and receiving a case does not change its account's
/// facts, so no command depends on another request's: each is decided exactly as it would be in
/// one long outbox.
fn decide_requests(
    desk: &Desk,
    accounts: &[Uuid],
    commands: usize,
) -> Result<Vec<PushRequest>, BoxError> {
    if !desk.replica.pending().is_empty() {
        return Err("the pushing desk's outbox is not empty".into());
    }
    let now = Timestamp::now();
    let mut requests = Vec::with_capacity(commands.div_ceil(MAX_BATCH));
    let mut case_id = Uuid::nil();
    for (round, start) in (0..commands).step_by(MAX_BATCH).enumerate() {
        let mut fork = desk.replica.clone();
        let context = desk.context(now);
        for index in start..commands.min(start + MAX_BATCH) {
            let case = index / 2;
            let command = if index % 2 == 0 {
                case_id = Uuid::now_v7();
                CaseCommand::Receive {
                    case_id,
                    account_id: accounts[case % accounts.len()],
                    channel: RequestChannel::Phone,
                    requester_name: "Rae".into(),
                    requester_contact: "+1 555 010 2030".into(),
                    received_at: None,
                }
            } else {
                // The first response: the acknowledgement message, which acknowledges.
                CaseCommand::RecordMessage {
                    kind: holdfast_core::policy::MessageKind::Acknowledgement,
                    channel: holdfast_core::account::PreferredChannel::Phone,
                    body: "We received your request to cancel.".into(),
                    email: None,
                }
            };
            fork.decide(case_id, command, &context)?;
        }
        let mut request = fork.next_push(MAX_BATCH)?.ok_or("nothing was decided")?;
        let offset = (round * MAX_BATCH) as u64;
        for command in &mut request.commands {
            command.seq += offset;
        }
        requests.push(request);
    }
    Ok(requests)
}

/// What one backend measured.
struct Run {
    ingest: Duration,
    pull: Duration,
    pushes: usize,
    pages: usize,
    prepared: Duration,
    raw: RawInsert,
}

async fn bench(
    label: &str,
    store: Arc<dyn ServerStore>,
    target: Target,
    commands: usize,
) -> Result<(), BoxError> {
    let run = measure(store, &target, commands).await?;
    report(label, commands, &run);
    Ok(())
}

async fn measure(
    store: Arc<dyn ServerStore>,
    target: &Target,
    commands: usize,
) -> Result<Run, BoxError> {
    let server = Server::start(store.clone()).await?;
    let now = Timestamp::now();
    let organisation = store.create_organisation(ORGANISATION, now).await?;
    store
        .publish_policy(organisation.id, parse_policy(POLICY)?.version, POLICY, now)
        .await?;
    let password_hash = hash_password_async(PASSWORD.into(), AuthConfig::default()).await?;
    for (name, role) in [("ann", Role::AccountManager), ("max", Role::Manager)] {
        store
            .add_user(
                NewUser {
                    organisation_id: organisation.id,
                    name: name.into(),
                    roles: vec![role],
                    password_hash: password_hash.clone(),
                },
                now,
            )
            .await?;
    }
    let mut pusher = Desk::sign_in(&server.address, "ann").await?;
    let mut puller = Desk::sign_in(&server.address, "max").await?;

    // Setup, not timed: the accounts, imported by the pushing desk; both desks pull them.
    let count = commands.div_ceil(2).min(MAX_ACCOUNTS);
    let mut accounts = Vec::with_capacity(count);
    for start in (0..count).step_by(IMPORT_BATCH) {
        let drafts = (start..count.min(start + IMPORT_BATCH))
            .map(draft)
            .collect::<Result<Vec<_>, _>>()?;
        accounts.extend(drafts.iter().map(|draft| account_id(&draft.external_id)));
        pusher.import(drafts).await?;
    }
    pusher.pull_all().await?;
    puller.pull_all().await?;
    let head = store.head(organisation.id).await?.map_or(0, |(seq, _)| seq);

    let started = Instant::now();
    let requests = decide_requests(&pusher, &accounts, commands)?;
    let prepared = started.elapsed();

    // Timed: the pushes, answered command by command.
    let token = pusher.session.access_token.clone();
    let started = Instant::now();
    for request in &requests {
        let response = pusher.client.push(&token, request).await?;
        expect_applied(request, &response.results)?;
    }
    let ingest = started.elapsed();

    // Timed: the other desk pulls and applies until it is caught up.
    let started = Instant::now();
    let pages = puller.pull_all().await?;
    let pull = started.elapsed();

    let log = puller.replica.log();
    let server_head = store.head(organisation.id).await?.map_or(0, |(seq, _)| seq);
    let fresh = &log[usize::try_from(head)?..];
    if puller.replica.cursor() != server_head
        || fresh.len() != commands
        || fresh
            .iter()
            .any(|event| event.record.aggregate_type != CASE)
    {
        return Err(format!(
            "the pulling desk is not caught up: it holds {} events, the server {server_head}; \
             {} of the {commands} commands' events",
            puller.replica.cursor(),
            fresh.len()
        )
        .into());
    }
    drop((pusher, puller, server));

    let reference = store
        .create_organisation("Bench reference", Timestamp::now())
        .await?;
    let raw = reference::insert_again(target, organisation.id, reference.id, head).await?;
    if raw.rows != commands {
        return Err(format!("the reference wrote {} rows, not {commands}", raw.rows).into());
    }
    Ok(Run {
        ingest,
        pull,
        pushes: requests.len(),
        pages,
        prepared,
        raw,
    })
}

fn secs(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64())
}

fn report(label: &str, commands: usize, run: &Run) {
    let raw = run.raw.elapsed.as_secs_f64().max(1e-9);
    let ingest_rate = commands as f64 / run.ingest.as_secs_f64().max(1e-9);
    let raw_rate = commands as f64 / raw;
    let verdict = |within: bool| if within { "within" } else { "OVER" };
    let ingest_ratio = run.ingest.as_secs_f64() / raw;
    println!(
        "{:<46} {:>14}   raw SQL {:>14}   ratio {:>6.2}x   ({} the {INGEST_AIM_RATIO}x aim)",
        format!("{label}: server ingest"),
        format!("{ingest_rate:.0} cmd/s"),
        format!("{raw_rate:.0} rows/s"),
        ingest_ratio,
        verdict(ingest_ratio <= INGEST_AIM_RATIO),
    );
    let end_to_end = run.ingest + run.pull;
    let end_to_end_ratio = end_to_end.as_secs_f64() / raw;
    println!(
        "{:<46} {:>14}   raw SQL {:>14}   ratio {:>6.2}x   ({} the {END_TO_END_AIM_RATIO}x aim)",
        format!("{label}: end to end, {commands} commands"),
        secs(end_to_end),
        secs(run.raw.elapsed),
        end_to_end_ratio,
        verdict(end_to_end_ratio <= END_TO_END_AIM_RATIO),
    );
    println!(
        "{:<46} push {} ({} requests), pull {} ({} pages); decided beforehand in {} (not \
         timed); raw SQL: {}",
        "",
        secs(run.ingest),
        run.pushes,
        secs(run.pull),
        run.pages,
        secs(run.prepared),
        run.raw.how
    );
}
