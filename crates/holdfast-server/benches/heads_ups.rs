//! Heads-ups (issue 16): the server's webhook delivery throughput to a receiver on loopback that
//! checks every signature (`holdfast_sync::heads_up_receiver`). N deliveries (2,000 by default)
//! are queued in the store, then sent by the server's rounds (`heads_ups::send_due`: claim a
//! batch, one signed POST each, record each outcome). Printed beside a reference measured in the
//! same run: the same N signed POSTs of the same bodies to the same receiver sent directly by the
//! same HTTP client, one after another, with no queue; and the ratio. On SQLite always, and on
//! PostgreSQL when `HOLDFAST_BENCH_POSTGRES_URL` names a server the bench may create a database on.
//!
//! Usage: `cargo bench -p holdfast-server --bench heads_ups -- [--deliveries N]
//! [--require-postgres]`.

#[path = "support/harness.rs"]
mod harness;

use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::{BoxError, FreshDatabase};
use holdfast_core::heads_up::{body, EventContext, HeadsUp, HeadsUpFormat};
use holdfast_core::money::{Currency, Money};
use holdfast_core::record::{EventRecord, Recording};
use holdfast_core::workflow::CaseEvent;
use holdfast_server::heads_ups::{send_due, HeadsUpConfig};
use holdfast_server::store::postgres::PgStore;
use holdfast_server::store::sqlite::SqliteStore;
use holdfast_server::store::{QueuedHeadsUp, ServerStore};
use holdfast_sync::heads_up::{HeadsUpRequest, HeadsUpSender};
use holdfast_sync::heads_up_receiver::Receiver;
use jiff::Timestamp;
use uuid::Uuid;

const DEFAULT_DELIVERIES: usize = 2_000;
const SECRET: &str = "a-long-enough-signing-secret";
const ORGANISATION: &str = "Bench";

struct Options {
    deliveries: usize,
    require_postgres: bool,
}

fn parse_options() -> Result<Options, BoxError> {
    let mut options = Options {
        deliveries: DEFAULT_DELIVERIES,
        require_postgres: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => {}
            "--require-postgres" => options.require_postgres = true,
            "--deliveries" => {
                let value = args.next().ok_or("--deliveries needs a number")?;
                options.deliveries = value
                    .replace('_', "")
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("--deliveries {value}: give a number of at least 1"))?;
            }
            other => return Err(format!("unexpected argument \"{other}\"").into()),
        }
    }
    Ok(options)
}

fn main() -> std::process::ExitCode {
    harness::exit_code("heads_ups", run())
}

/// The deliveries' bodies: a refund heads-up to billing for each of `n` cases.
fn bodies(n: usize) -> Result<Vec<(Uuid, Uuid, String)>, BoxError> {
    let usd = Currency::parse("USD")?;
    let recording = Recording {
        actor: "mia",
        policy_version: "bench",
        at: Timestamp::now(),
        personal_secret: [1; 16],
    };
    (0..n)
        .map(|i| {
            let case_id = Uuid::now_v7();
            let event = CaseEvent::RefundRequested {
                refund_id: Uuid::now_v7(),
                amount: Money::new(10_000 + i as i64, usd),
                justification: "charged twice".into(),
                requested_by: "mia".into(),
                under_review: true,
                billing_heads_up: true,
                customer_notice: holdfast_core::policy::MessageKind::UnderReview,
                at: recording.at,
                charged_on: None,
                review_reasons: Vec::new(),
            };
            let record =
                EventRecord::for_case(case_id, 3, &[event], recording, |_, _| Uuid::now_v7())?
                    .remove(0);
            let heads_up = HeadsUp::of(
                "billing",
                &record,
                &EventContext {
                    account_external_id: Some(format!("cus_{i}")),
                    recorded_by: "mia".into(),
                },
            )?;
            Ok((
                heads_up.delivery_id,
                case_id,
                body(HeadsUpFormat::Signed, &heads_up),
            ))
        })
        .collect()
}

/// The queue's time for `bodies`: queued in the store (not timed), then sent by the server's rounds.
async fn through_the_queue(
    store: &dyn ServerStore,
    receiver: &Receiver,
    sender: &HeadsUpSender,
    bodies: &[(Uuid, Uuid, String)],
) -> Result<Duration, BoxError> {
    let organisation = store
        .create_organisation(ORGANISATION, Timestamp::now())
        .await?;
    let config = HeadsUpConfig::parse(&format!(
        "[[heads_up]]\norganisation = \"{ORGANISATION}\"\nname = \"billing\"\nurl = \"{}\"\n\
         format = \"signed\"\nkinds = [\"refund_requested\"]\nsecret = \"{SECRET}\"\n",
        receiver.url()
    ))?;
    let queued: Vec<QueuedHeadsUp> = bodies
        .iter()
        .zip(1..)
        .map(|((id, case_id, body), seq)| QueuedHeadsUp {
            id: *id,
            subscription: "billing".into(),
            event_id: Uuid::now_v7(),
            event_seq: seq,
            kind: "refund_requested".into(),
            case_id: *case_id,
            body: body.clone(),
        })
        .collect();
    let now = Timestamp::now();
    for chunk in queued.chunks(500) {
        store
            .queue_heads_ups(organisation.id, chunk, 0, now)
            .await?;
    }
    let before = receiver.received().len();
    let started = Instant::now();
    let mut delivered = 0;
    while delivered < bodies.len() {
        let round = send_due(store, &config, sender, Timestamp::now()).await?;
        if round.attempted == 0 {
            return Err(format!("{delivered} of {} delivered, then none due", bodies.len()).into());
        }
        delivered += round.delivered;
    }
    let elapsed = started.elapsed();
    let got = receiver.received().len() - before;
    if got != bodies.len() || receiver.bad_signatures() > 0 {
        return Err(format!(
            "the receiver got {got} of {} heads-ups ({} bad signatures)",
            bodies.len(),
            receiver.bad_signatures()
        )
        .into());
    }
    Ok(elapsed)
}

/// The reference: the same signed POSTs, sent directly.
async fn directly(
    receiver: &Receiver,
    sender: &HeadsUpSender,
    bodies: &[(Uuid, Uuid, String)],
) -> Result<Duration, BoxError> {
    let url = receiver.url();
    let started = Instant::now();
    for (_, _, body) in bodies {
        let attempt = sender
            .attempt(
                &HeadsUpRequest {
                    url: &url,
                    format: HeadsUpFormat::Signed,
                    // A fresh id: the receiver keeps the first of each.
                    delivery_id: Uuid::now_v7(),
                    kind: "refund_requested",
                    body,
                    secret: Some(SECRET.as_bytes()),
                },
                Timestamp::now(),
            )
            .await;
        if attempt != holdfast_core::heads_up::Attempt::Accepted {
            return Err(format!("a direct POST was not accepted: {attempt:?}").into());
        }
    }
    Ok(started.elapsed())
}

fn print(backend: &str, n: usize, queue: Duration, direct: Duration) {
    let rate = |d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
    println!(
        "heads-ups {backend}: {n} signed deliveries through the queue in {:.2} s ({:.0}/s); \
         reference, the same POSTs sent directly: {:.2} s ({:.0}/s); ratio {:.2}x",
        queue.as_secs_f64(),
        rate(queue),
        direct.as_secs_f64(),
        rate(direct),
        queue.as_secs_f64() / direct.as_secs_f64().max(1e-9)
    );
}

fn run() -> Result<(), BoxError> {
    let options = parse_options()?;
    let postgres_url = harness::postgres_url(options.require_postgres)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let n = options.deliveries;
        let sender = HeadsUpSender::new()?;
        let receiver = Receiver::start(Some(SECRET.as_bytes())).await?;
        // Warm the connection pool: both measures start with a connection open.
        directly(&receiver, &sender, &bodies(1)?).await?;

        let dir = tempfile::tempdir()?;
        let store: Arc<dyn ServerStore> = Arc::new(SqliteStore::open(&dir.path().join("data"))?);
        // Each backend's deliveries are new ones: the receiver keeps the first of each id.
        let bodies = self::bodies(n)?;
        let direct = directly(&receiver, &sender, &bodies).await?;
        let queue = through_the_queue(store.as_ref(), &receiver, &sender, &bodies).await?;
        print("sqlite", n, queue, direct);

        match postgres_url {
            Some(url) => {
                let database = FreshDatabase::create(&url).await?;
                let outcome = async {
                    let store: Arc<dyn ServerStore> =
                        Arc::new(PgStore::connect(&database.url).await?);
                    let bodies = self::bodies(n)?;
                    let direct = directly(&receiver, &sender, &bodies).await?;
                    let queue =
                        through_the_queue(store.as_ref(), &receiver, &sender, &bodies).await?;
                    print("postgres", n, queue, direct);
                    Ok::<(), BoxError>(())
                }
                .await;
                database.remove().await;
                outcome?;
            }
            None => println!(
                "heads-ups postgres: skipped ({} is not set)",
                harness::URL_VAR
            ),
        }
        Ok(())
    })
}
