//! Push and pull over any `ServerStore`: the request-level rules (batch shape, whole-push refusal
//! of a deactivated user, paging, checkpoints) shared by every backend and instance.

use holdfast_core::workflow::CodeKey;
use holdfast_sync::protocol::{
    CommandResult, PullResponse, PushRequest, PushResponse, PushedCommand, SyncCommand, MAX_BATCH,
};
use jiff::Timestamp;

use crate::checkpoint::CheckpointSigner;
use crate::error::{Result, ServerError};
use crate::store::{ServerStore, UserRecord};

/// `pushed` with its one-time code, if it carries one, sealed by the server's key. A code that
/// cannot be sealed (malformed, or queued by an old desk before codes were keyed) is passed on as
/// it came: the engine refuses it in the procedure's words, recorded for that command alone.
/// Only the typed form deserialises, so no pushed command carries a digest or a claimed check.
fn seal_codes(codes: &CodeKey, pushed: &PushedCommand) -> PushedCommand {
    let SyncCommand::Case {
        case_id,
        base_version,
        command,
    } = &pushed.command
    else {
        return pushed.clone();
    };
    let Ok(command) = codes.seal(*case_id, command) else {
        return pushed.clone();
    };
    PushedCommand {
        seq: pushed.seq,
        command: SyncCommand::Case {
            case_id: *case_id,
            base_version: *base_version,
            command,
        },
        decided_at: pushed.decided_at,
    }
}

/// Decides a push command by command, each in its own transaction, and answers per command.
///
/// `codes` is the organisation's key for one-time codes (`CheckpointSigner::one_time_code_key`):
/// every typed code is sealed with it before the store decides, so the server, not the desk,
/// checks the code read back.
pub async fn push(
    store: &dyn ServerStore,
    user: &UserRecord,
    request: &PushRequest,
    codes: &CodeKey,
    now: Timestamp,
) -> Result<PushResponse> {
    if request.commands.len() > MAX_BATCH {
        return Err(ServerError::invalid(
            "commands",
            format!("at most {MAX_BATCH} commands per push"),
        ));
    }
    for pair in request.commands.windows(2) {
        // `u64::MAX` has no successor: a batch reaching it is a gap, not an overflow.
        let follows =
            matches!(pair, [first, second] if first.seq.checked_add(1) == Some(second.seq));
        if !follows {
            return Err(ServerError::invalid(
                "commands",
                "sequence numbers must follow each other without gaps",
            ));
        }
    }
    if !user.active {
        return Err(ServerError::Forbidden(format!(
            "{} is deactivated on the server",
            user.name
        )));
    }
    let sealed: Vec<PushedCommand> = request
        .commands
        .iter()
        .map(|pushed| seal_codes(codes, pushed))
        .collect();
    let outcomes = store
        .push_batch(user.id, request.client_id, &sealed, now)
        .await?;
    let results = request
        .commands
        .iter()
        .zip(outcomes)
        .map(|(pushed, outcome)| CommandResult {
            seq: pushed.seq,
            outcome,
        })
        .collect();
    Ok(PushResponse { results })
}

/// Who reads the organisation's log: an active user holding at least one role, whichever it is.
/// Every role works on the organisation's cases (hand-offs, queues, approvals cross roles), and
/// the log is one hash chain under signed checkpoints that a desk verifies whole, so a reader
/// gets all of it or none. A user with no role is someone not yet (or no longer) given work:
/// they read nothing. (See docs/decisions.md, "Who reads the organisation's log".)
pub fn may_read_log(user: &UserRecord) -> Result<()> {
    if !user.active {
        return Err(ServerError::Inactive(user.name.clone()));
    }
    if user.roles.is_empty() {
        return Err(ServerError::Forbidden(format!(
            "{} has no role: an administrator gives a user a role before they read the \
             organisation's log",
            user.name
        )));
    }
    Ok(())
}

/// A page of the organisation's log after `after`, with a signed checkpoint at its last event
/// (kept in the store), or the newest stored checkpoint at or before `after` for an empty page.
pub async fn pull(
    store: &dyn ServerStore,
    signer: &CheckpointSigner,
    user: &UserRecord,
    after: u64,
    limit: usize,
) -> Result<PullResponse> {
    if !(1..=MAX_BATCH).contains(&limit) {
        return Err(ServerError::invalid(
            "limit",
            format!("must be between 1 and {MAX_BATCH}"),
        ));
    }
    may_read_log(user)?;
    let page = store
        .events_after(user.organisation_id, after, limit)
        .await?;
    let checkpoint = match page.events.last() {
        Some(last) => {
            let checkpoint = signer.sign(last.seq, &last.chain_hash);
            store
                .record_checkpoint(user.organisation_id, &checkpoint)
                .await?;
            Some(checkpoint)
        }
        None => {
            store
                .checkpoint_at_or_before(user.organisation_id, after)
                .await?
        }
    };
    let head = store
        .head(user.organisation_id)
        .await?
        .map_or(0, |(seq, _)| seq);
    Ok(PullResponse {
        head: Some(head),
        after: page.events.last().map_or(after, |last| last.seq),
        more: page.more,
        events: page.events,
        checkpoint,
    })
}
