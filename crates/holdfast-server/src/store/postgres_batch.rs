//! A whole push decided on PostgreSQL in a fixed handful of round trips, however many commands it
//! carries: the counter locked, the user, the policy and the client's sequence read once; every
//! case history, account, sales rep and accepted offer the push can touch read with `= ANY(…)`;
//! each command then checked and decided in order exactly as `push_in` decides it (`push::`
//! functions, against the state the commands before it left, kept in memory); and the events,
//! case rows and outcomes written with one `UNNEST` statement each. Round trips, not statements,
//! are what a push costs on PostgreSQL (about 15 per command before), so this is what lets the
//! server take thousands of commands a second.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use deadpool_postgres::GenericClient;
use holdfast_core::workflow::{CaseCommand, CaseEvent, RepStatus};
use holdfast_sync::protocol::MAX_IMPORT_ACCOUNTS;
use holdfast_sync::protocol::{CommandOrigin, CommandOutcome, PushedCommand, SyncCommand};
use jiff::Timestamp;
use uuid::Uuid;

use super::{
    account_by_external_id, account_by_id, account_from, execute, query, query_opt, read_policy,
    user_by_id,
};
use crate::error::{Result, ServerError};
use crate::push::{self, CaseRow, LoadedCase, PolicyCache, Sequence};
use crate::store::columns::{from_json, hash_of, millis, seq_i64, seq_u64, to_json};
use crate::store::AccountRecord;

/// What the push reads before deciding anything, then keeps up to date as it decides.
struct World {
    histories: HashMap<Uuid, Vec<CaseEvent>>,
    accounts: HashMap<Uuid, AccountRecord>,
    reps_active: HashMap<String, bool>,
    offers: HashMap<Uuid, Vec<String>>,
}

/// What the push writes once everything is decided.
#[derive(Default)]
struct Writes {
    events: Vec<(u64, [u8; 32], push::NewEvent)>,
    cases: BTreeMap<Uuid, CaseRow>,
    accounts: Vec<AccountRecord>,
    outcomes: Vec<(u64, CommandOutcome)>,
    /// Erasures to carry out on the events stored before this push (its own are erased as
    /// they are decided).
    erasures: Vec<holdfast_core::erasure::Erasure>,
}

/// Binds a new client id to the pushing user, or refuses a client id bound to someone else
/// (`push::check_client_owner`). Two first pushes under one new client id race on the primary
/// key: the loser's insert does nothing and it reads the winner's binding.
async fn bind_client<C: GenericClient>(
    tx: &C,
    org: Uuid,
    user_id: Uuid,
    client_id: Uuid,
    now: Timestamp,
) -> Result<()> {
    let owner = |row: Option<tokio_postgres::Row>| -> Result<Option<Uuid>> {
        row.map(|row| row.try_get::<_, Uuid>(0))
            .transpose()
            .map_err(Into::into)
    };
    let stored = owner(
        query_opt(
            tx,
            "SELECT user_id FROM client_owners WHERE client_id = $1",
            &[&client_id],
        )
        .await?,
    )?;
    if push::check_client_owner(stored, user_id, client_id)? {
        execute(
            tx,
            "INSERT INTO client_owners (client_id, organisation_id, user_id, bound_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (client_id) DO NOTHING",
            &[&client_id, &org, &user_id, &millis(now)],
        )
        .await?;
        let bound = owner(
            query_opt(
                tx,
                "SELECT user_id FROM client_owners WHERE client_id = $1",
                &[&client_id],
            )
            .await?,
        )?;
        push::check_client_owner(bound, user_id, client_id)?;
    }
    Ok(())
}

pub(super) async fn push_batch<C: GenericClient>(
    tx: &C,
    policies: &PolicyCache,
    user_id: Uuid,
    client_id: Uuid,
    commands: &[PushedCommand],
    now: Timestamp,
) -> Result<Vec<CommandOutcome>> {
    // Plan this push's statements for its own values: a plan cached while the tables were small
    // (a new organisation) would go on scanning them whole as the log grows.
    tx.batch_execute("SET LOCAL plan_cache_mode = force_custom_plan")
        .await?;
    // The counter's row lock first, then the user as committed before it.
    let Some(counter) = query_opt(
        tx,
        "SELECT organisation_id, last_seq, chain_hash FROM org_counters
         WHERE organisation_id = (SELECT organisation_id FROM users WHERE id = $1)
         FOR UPDATE",
        &[&user_id],
    )
    .await?
    else {
        return Err(super::no_user(user_id));
    };
    let org: Uuid = counter.try_get(0)?;
    let locked = (
        seq_u64(counter.try_get(1)?, "org counter")?,
        hash_of(counter.try_get(2)?, "org counter hash")?,
    );
    let user = user_by_id(tx, user_id)
        .await?
        .ok_or_else(|| super::no_user(user_id))?;
    let actor = push::actor_of(&user)?;
    bind_client(tx, org, user_id, client_id, now).await?;
    let policy = match read_policy(tx, org).await? {
        Some(published) => Some(policies.get(org, &published)?),
        None => None,
    };

    let first = commands.first().map_or(1, |command| command.seq);
    let mut stored: HashMap<u64, CommandOutcome> = HashMap::new();
    for row in query(
        tx,
        "SELECT seq, outcome FROM command_outcomes
         WHERE organisation_id = $1 AND client_id = $2 AND seq >= $3",
        &[&org, &client_id, &seq_i64(first, "seq")?],
    )
    .await?
    {
        stored.insert(
            seq_u64(row.try_get(0)?, "client seq")?,
            from_json(row.try_get(1)?, "stored outcome")?,
        );
    }
    let mut last = match query_opt(
        tx,
        "SELECT seq FROM command_outcomes
         WHERE organisation_id = $1 AND client_id = $2 ORDER BY seq DESC LIMIT 1",
        &[&org, &client_id],
    )
    .await?
    {
        Some(row) => seq_u64(row.try_get(0)?, "client seq")?,
        None => 0,
    };

    let mut world = load_world(tx, org, commands).await?;
    let mut by_external: HashMap<String, AccountRecord> = world
        .accounts
        .values()
        .map(|account| (account.draft.external_id.clone(), account.clone()))
        .collect();

    let mut head = locked;
    let mut writes = Writes::default();
    let mut outcomes = Vec::with_capacity(commands.len());
    for pushed in commands {
        let seen = stored.get(&pushed.seq).cloned();
        if let Sequence::Duplicate(outcome) = push::check_sequence(seen, last, pushed.seq)? {
            outcomes.push(outcome);
            continue;
        }
        let origin = CommandOrigin {
            client_id,
            seq: pushed.seq,
        };
        let decision = match &pushed.command {
            SyncCommand::Case {
                case_id,
                base_version,
                command,
            } => {
                let loaded = world.loaded_case(*case_id, command, policy.clone());
                push::decide_case(
                    &loaded,
                    &actor,
                    origin,
                    *case_id,
                    *base_version,
                    command,
                    now,
                )?
            }
            SyncCommand::ImportAccounts { accounts } => {
                let mut existing = Vec::with_capacity(accounts.len());
                // A command over the bound is rejected unread (`push::decide_import`).
                let unread = accounts.len() > MAX_IMPORT_ACCOUNTS;
                for draft in accounts.iter().filter(|_| !unread) {
                    let external_id = draft.external_id.trim();
                    let known = match by_external.get(external_id) {
                        Some(account) => Some(account.clone()),
                        None => account_by_external_id(tx, org, external_id).await?,
                    };
                    existing.push(known);
                }
                push::decide_import(&actor, origin, accounts, &existing, policy.as_deref(), now)?
            }
            SyncCommand::ErasePersonalData { account_id } => {
                let mut cases: Vec<Uuid> = query(
                    tx,
                    "SELECT id FROM cases WHERE organisation_id = $1 AND account_id = $2",
                    &[&org, account_id],
                )
                .await?
                .iter()
                .map(|row| row.try_get(0).map_err(Into::into))
                .collect::<Result<_>>()?;
                // Cases this push opened are not stored yet.
                cases.extend(
                    writes
                        .cases
                        .values()
                        .filter(|case| case.account_id == *account_id)
                        .map(|case| case.id),
                );
                cases.sort();
                cases.dedup();
                push::decide_erasure(
                    &actor,
                    origin,
                    *account_id,
                    world.accounts.get(account_id),
                    cases,
                    policy.as_deref(),
                    now,
                )?
            }
        };
        if let Some(erasure) = &decision.erasure {
            for (_, _, event) in &mut writes.events {
                if let Some(payload) = push::erased_payload(erasure, &event.record) {
                    event.record.payload = payload;
                }
            }
            writes.erasures.push(erasure.clone());
        }
        for event in &decision.events {
            head = push::link(head, event);
            writes.events.push((head.0, head.1 .0, event.clone()));
            if event.record.aggregate_type == push::CASE {
                let case_event = event
                    .record
                    .case_event()
                    .map_err(|error| ServerError::Corrupt(format!("a decided event: {error}")))?;
                if let (CaseEvent::OfferAccepted { offer_id }, Some(case)) =
                    (&case_event, decision.case)
                {
                    world
                        .offers
                        .entry(case.account_id)
                        .or_default()
                        .push(offer_id.clone());
                }
                world
                    .histories
                    .entry(event.record.aggregate_id)
                    .or_default()
                    .push(case_event);
            }
        }
        if let Some(case) = decision.case {
            writes.cases.insert(case.id, case);
        }
        for account in &decision.accounts {
            world.accounts.insert(account.id, account.clone());
            by_external.insert(account.draft.external_id.clone(), account.clone());
            writes.accounts.push(account.clone());
        }
        writes.outcomes.push((pushed.seq, decision.outcome.clone()));
        last = pushed.seq;
        outcomes.push(decision.outcome);
    }

    write(tx, org, locked, head, user_id, client_id, &writes, now).await?;
    Ok(outcomes)
}

impl World {
    /// What `decide_case` needs for one command, from what the push has read and decided so far.
    fn loaded_case(
        &self,
        case_id: Uuid,
        command: &CaseCommand,
        policy: Option<std::sync::Arc<holdfast_core::policy::Policy>>,
    ) -> LoadedCase {
        let history = self.histories.get(&case_id).cloned().unwrap_or_default();
        let state = push::fold(&history);
        let account = push::account_to_load(state.as_ref(), command)
            .and_then(|account_id| self.accounts.get(&account_id).cloned());
        let sales_rep_status = RepStatus::from_directory(
            account
                .as_ref()
                .and_then(|account| account.draft.original_sales_rep.as_deref())
                .and_then(|rep| self.reps_active.get(rep).copied()),
        );
        let offers_granted = account
            .as_ref()
            .and_then(|account| self.offers.get(&account.id).cloned())
            .unwrap_or_default();
        LoadedCase {
            history,
            account,
            sales_rep_status,
            offers_granted,
            policy,
        }
    }
}

/// Reads, in four queries, everything the push's commands can look at.
async fn load_world<C: GenericClient>(
    tx: &C,
    org: Uuid,
    commands: &[PushedCommand],
) -> Result<World> {
    let case_ids: Vec<Uuid> = commands
        .iter()
        .filter_map(|pushed| match &pushed.command {
            SyncCommand::Case { case_id, .. } => Some(*case_id),
            SyncCommand::ImportAccounts { .. } | SyncCommand::ErasePersonalData { .. } => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut histories: HashMap<Uuid, Vec<CaseEvent>> = HashMap::new();
    for row in query(
        tx,
        "SELECT aggregate_id, payload FROM events
         WHERE organisation_id = $1 AND aggregate_type = 'case' AND aggregate_id = ANY($2)
         ORDER BY aggregate_id, aggregate_version",
        &[&org, &case_ids],
    )
    .await?
    {
        histories
            .entry(row.try_get(0)?)
            .or_default()
            .push(from_json(row.try_get(1)?, "case event payload")?);
    }

    // The accounts a command can name: a new case's, or the one its stored history names.
    let mut account_ids: BTreeSet<Uuid> = BTreeSet::new();
    let mut reps: BTreeSet<String> = BTreeSet::new();
    for pushed in commands {
        match &pushed.command {
            SyncCommand::Case {
                case_id, command, ..
            } => {
                let state = histories
                    .get(case_id)
                    .and_then(|history| push::fold(history));
                account_ids.extend(push::account_to_load(state.as_ref(), command));
            }
            SyncCommand::ImportAccounts { accounts } => reps.extend(
                accounts
                    .iter()
                    .filter(|_| accounts.len() <= MAX_IMPORT_ACCOUNTS)
                    .filter_map(|draft| draft.original_sales_rep.clone()),
            ),
            SyncCommand::ErasePersonalData { account_id } => {
                account_ids.insert(*account_id);
            }
        }
    }
    let account_ids: Vec<Uuid> = account_ids.into_iter().collect();
    let accounts: HashMap<Uuid, AccountRecord> = query(
        tx,
        "SELECT id, draft, version FROM accounts WHERE organisation_id = $1 AND id = ANY($2)",
        &[&org, &account_ids],
    )
    .await?
    .iter()
    .map(|row| account_from(row).map(|account| (account.id, account)))
    .collect::<Result<_>>()?;
    reps.extend(
        accounts
            .values()
            .filter_map(|account| account.draft.original_sales_rep.clone()),
    );
    let reps: Vec<String> = reps.into_iter().collect();
    let reps_active: HashMap<String, bool> = query(
        tx,
        "SELECT name, active FROM users WHERE organisation_id = $1 AND name = ANY($2)",
        &[&org, &reps],
    )
    .await?
    .iter()
    .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
    .collect::<Result<_>>()?;
    let mut offers: HashMap<Uuid, Vec<String>> = HashMap::new();
    for row in query(
        tx,
        "SELECT c.account_id, e.payload::jsonb ->> 'offer_id' FROM events e
         JOIN cases c ON c.organisation_id = e.organisation_id AND c.id = e.aggregate_id
         WHERE e.organisation_id = $1 AND c.account_id = ANY($2) AND e.kind = 'offer_accepted'",
        &[&org, &account_ids],
    )
    .await?
    {
        offers
            .entry(row.try_get(0)?)
            .or_default()
            .push(row.try_get(1)?);
    }
    Ok(World {
        histories,
        accounts,
        reps_active,
        offers,
    })
}

/// The server's own erasure for the policy's retention period (`ServerStore::
/// record_retention_erasure`): the counter locked, the erasure decided against the account, and
/// written as a push writes (no command outcome: no device asked for it).
pub(super) async fn record_retention_erasure<C: GenericClient>(
    tx: &C,
    policies: &PolicyCache,
    org: Uuid,
    erasure: &holdfast_core::erasure::Erasure,
    now: Timestamp,
) -> Result<bool> {
    let Some(counter) = query_opt(
        tx,
        "SELECT last_seq, chain_hash FROM org_counters WHERE organisation_id = $1 FOR UPDATE",
        &[&org],
    )
    .await?
    else {
        return Ok(false);
    };
    let locked = (
        seq_u64(counter.try_get(0)?, "org counter")?,
        hash_of(counter.try_get(1)?, "org counter hash")?,
    );
    let Some(published) = read_policy(tx, org).await? else {
        return Ok(false);
    };
    let policy = policies.get(org, &published)?;
    let Some(account) = account_by_id(tx, org, erasure.account_id).await? else {
        return Ok(false);
    };
    let decision = push::decide_retention(erasure, &account, &policy, now)?;
    let mut head = locked;
    let mut writes = Writes::default();
    for event in decision.events {
        head = push::link(head, &event);
        writes.events.push((head.0, head.1 .0, event));
    }
    writes.accounts = decision.accounts;
    writes.erasures.push(erasure.clone());
    write(
        tx,
        org,
        locked,
        head,
        Uuid::nil(),
        Uuid::nil(),
        &writes,
        now,
    )
    .await?;
    Ok(true)
}

/// Takes the personal data out of the stored events `erasure` covers (each keeps its hashed form,
/// so the chain and its checkpoints still verify).
async fn erase_stored<C: GenericClient>(
    tx: &C,
    org: Uuid,
    erasure: &holdfast_core::erasure::Erasure,
) -> Result<()> {
    let mut aggregates = vec![erasure.account_id];
    aggregates.extend(erasure.cases.iter().copied());
    let mut ids = Vec::new();
    let mut payloads = Vec::new();
    for row in query(
        tx,
        "SELECT id, aggregate_type, aggregate_id, aggregate_version, kind, actor, policy_version,
            recorded_at, payload FROM events
         WHERE organisation_id = $1 AND aggregate_id = ANY($2)",
        &[&org, &aggregates],
    )
    .await?
    {
        let recorded_at: String = row.try_get(7)?;
        let record = holdfast_core::record::EventRecord {
            id: row.try_get(0)?,
            aggregate_type: row.try_get(1)?,
            aggregate_id: row.try_get(2)?,
            aggregate_version: seq_u64(row.try_get(3)?, "aggregate version")?,
            kind: row.try_get(4)?,
            actor: row.try_get(5)?,
            policy_version: row.try_get(6)?,
            recorded_at: recorded_at
                .parse()
                .map_err(|error| ServerError::Corrupt(format!("an event's instant: {error}")))?,
            payload: from_json(row.try_get(8)?, "event payload")?,
        };
        if let Some(payload) = push::erased_payload(erasure, &record) {
            ids.push(record.id);
            payloads.push(payload.to_string());
        }
    }
    if !ids.is_empty() {
        execute(
            tx,
            "UPDATE events e SET payload = u.payload
             FROM UNNEST($2::uuid[], $3::text[]) AS u (id, payload)
             WHERE e.organisation_id = $1 AND e.id = u.id",
            &[&org, &ids, &payloads],
        )
        .await?;
    }
    Ok(())
}

/// Writes what the push decided: its events (with the counter moved once), the case rows, the
/// accounts and every outcome.
#[allow(clippy::too_many_arguments)]
async fn write<C: GenericClient>(
    tx: &C,
    org: Uuid,
    locked: (u64, holdfast_core::audit::ChainHash),
    head: (u64, holdfast_core::audit::ChainHash),
    user_id: Uuid,
    client_id: Uuid,
    writes: &Writes,
    now: Timestamp,
) -> Result<()> {
    if !writes.events.is_empty() {
        let mut seqs = Vec::with_capacity(writes.events.len());
        let mut ids = Vec::with_capacity(writes.events.len());
        let mut types = Vec::with_capacity(writes.events.len());
        let mut aggregates = Vec::with_capacity(writes.events.len());
        let mut versions = Vec::with_capacity(writes.events.len());
        let mut kinds = Vec::with_capacity(writes.events.len());
        let mut actors = Vec::with_capacity(writes.events.len());
        let mut policy_versions = Vec::with_capacity(writes.events.len());
        let mut recorded = Vec::with_capacity(writes.events.len());
        let mut payloads = Vec::with_capacity(writes.events.len());
        let mut origin_clients = Vec::with_capacity(writes.events.len());
        let mut origin_seqs = Vec::with_capacity(writes.events.len());
        let mut hashes = Vec::with_capacity(writes.events.len());
        for (seq, hash, event) in &writes.events {
            seqs.push(seq_i64(*seq, "seq")?);
            ids.push(event.record.id);
            types.push(event.record.aggregate_type.as_str());
            aggregates.push(event.record.aggregate_id);
            versions.push(seq_i64(
                event.record.aggregate_version,
                "aggregate_version",
            )?);
            kinds.push(event.record.kind.clone());
            actors.push(event.record.actor.clone());
            policy_versions.push(event.record.policy_version.clone());
            recorded.push(event.record.recorded_at.to_string());
            payloads.push(event.record.payload.to_string());
            origin_clients.push(event.origin.map(|origin| origin.client_id));
            origin_seqs.push(
                event
                    .origin
                    .map(|origin| seq_i64(origin.seq, "origin seq"))
                    .transpose()?,
            );
            hashes.push(hash.to_vec());
        }
        execute(
            tx,
            "INSERT INTO events (organisation_id, seq, id, aggregate_type, aggregate_id,
                aggregate_version, kind, actor, policy_version, recorded_at, payload,
                origin_client, origin_seq, chain_hash)
             SELECT $1, * FROM UNNEST($2::bigint[], $3::uuid[], $4::text[], $5::uuid[],
                $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                $12::uuid[], $13::bigint[], $14::bytea[])",
            &[
                &org,
                &seqs,
                &ids,
                &types,
                &aggregates,
                &versions,
                &kinds,
                &actors,
                &policy_versions,
                &recorded,
                &payloads,
                &origin_clients,
                &origin_seqs,
                &hashes,
            ],
        )
        .await?;
        let advanced = execute(
            tx,
            "UPDATE org_counters SET last_seq = $2, chain_hash = $3
             WHERE organisation_id = $1 AND last_seq = $4",
            &[
                &org,
                &seq_i64(head.0, "seq")?,
                &head.1 .0.as_slice(),
                &seq_i64(locked.0, "seq")?,
            ],
        )
        .await?;
        if advanced != 1 {
            return Err(ServerError::Corrupt(
                "the organisation's counter moved while it was locked".into(),
            ));
        }
    }
    for erasure in &writes.erasures {
        erase_stored(tx, org, erasure).await?;
    }
    if !writes.cases.is_empty() {
        let ids: Vec<Uuid> = writes.cases.keys().copied().collect();
        let accounts: Vec<Uuid> = writes.cases.values().map(|case| case.account_id).collect();
        let versions = writes
            .cases
            .values()
            .map(|case| seq_i64(case.version, "case version"))
            .collect::<Result<Vec<_>>>()?;
        execute(
            tx,
            "INSERT INTO cases (organisation_id, id, account_id, version)
             SELECT $1, * FROM UNNEST($2::uuid[], $3::uuid[], $4::bigint[])
             ON CONFLICT (organisation_id, id) DO UPDATE SET version = excluded.version",
            &[&org, &ids, &accounts, &versions],
        )
        .await?;
    }
    for account in &writes.accounts {
        execute(
            tx,
            "INSERT INTO accounts (organisation_id, id, external_id, draft, version, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (organisation_id, id) DO UPDATE SET
                draft = excluded.draft, version = excluded.version,
                updated_at = excluded.updated_at",
            &[
                &org,
                &account.id,
                &account.draft.external_id,
                &to_json(&account.draft)?,
                &seq_i64(account.version, "account version")?,
                &millis(now),
            ],
        )
        .await?;
    }
    if !writes.outcomes.is_empty() {
        let seqs = writes
            .outcomes
            .iter()
            .map(|(seq, _)| seq_i64(*seq, "seq"))
            .collect::<Result<Vec<_>>>()?;
        let outcomes = writes
            .outcomes
            .iter()
            .map(|(_, outcome)| to_json(outcome))
            .collect::<Result<Vec<_>>>()?;
        execute(
            tx,
            "INSERT INTO command_outcomes (organisation_id, client_id, seq, user_id, outcome,
                recorded_at)
             SELECT $1, $2, seq, $3, outcome, $4
             FROM UNNEST($5::bigint[], $6::text[]) AS pushed (seq, outcome)",
            &[&org, &client_id, &user_id, &millis(now), &seqs, &outcomes],
        )
        .await?;
    }
    Ok(())
}
