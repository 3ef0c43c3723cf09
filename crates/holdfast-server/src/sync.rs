//! Push and pull over any `ServerStore`: the request-level rules (batch shape, whole-push refusal
//! of a deactivated user, paging, checkpoints) shared by every backend and instance.

use holdfast_core::workflow::CodeKey;
use holdfast_sync::protocol::{
    CommandResult, PullResponse, PushRequest, PushResponse, PushedCommand, SyncCommand, MAX_BATCH,
    MAX_IMPORT_ACCOUNTS,
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

/// Decides a push in order, in one transaction per `import_parts` part (the whole push, unless
/// it carries more than one import part's accounts), and answers per command.
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
    let mut outcomes = Vec::with_capacity(sealed.len());
    for part in import_parts(&sealed) {
        // A part is one transaction. When a later part fails, the earlier ones stay committed:
        // the desk sends the push again and is answered their stored outcomes.
        outcomes.extend(
            store
                .push_batch(user.id, request.client_id, part, now)
                .await?,
        );
    }
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

/// A push's commands in consecutive parts, each decided in its own transaction, whose import
/// commands carry at most `MAX_IMPORT_ACCOUNTS` accounts together (a command over the bound, which
/// is rejected unread, is a part of its own). A push of case commands is one part, as before; a
/// push of several import commands (an older desk's, or one built by hand) releases the writer
/// between them, so other organisations' pushes go in between.
pub fn import_parts(commands: &[PushedCommand]) -> Vec<&[PushedCommand]> {
    let mut parts = Vec::new();
    let mut rest = commands;
    while !rest.is_empty() {
        let mut imported = 0;
        let mut len = 0;
        for pushed in rest {
            let carried = pushed.command.imported_accounts();
            if len > 0 && imported + carried > MAX_IMPORT_ACCOUNTS {
                break;
            }
            imported += carried;
            len += 1;
        }
        let (part, after) = rest.split_at(len);
        parts.push(part);
        rest = after;
    }
    parts
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

#[cfg(test)]
mod import_parts_tests {
    use holdfast_core::workflow::CaseCommand;
    use holdfast_sync::protocol::SyncCommand;
    use uuid::Uuid;

    use super::*;

    fn pushed(seq: u64, command: SyncCommand) -> PushedCommand {
        PushedCommand {
            seq,
            command,
            decided_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn import(seq: u64, count: usize) -> PushedCommand {
        let draft = crate::store::suite::draft("A-1", "Acme");
        pushed(
            seq,
            SyncCommand::ImportAccounts {
                accounts: vec![draft; count],
            },
        )
    }

    fn case(seq: u64) -> PushedCommand {
        pushed(
            seq,
            SyncCommand::Case {
                case_id: Uuid::nil(),
                base_version: 0,
                command: CaseCommand::LogRequest,
            },
        )
    }

    fn lengths(commands: &[PushedCommand]) -> Vec<Vec<u64>> {
        import_parts(commands)
            .into_iter()
            .map(|part| part.iter().map(|pushed| pushed.seq).collect())
            .collect()
    }

    #[test]
    fn case_commands_are_one_transaction() {
        let commands: Vec<_> = (1..=5).map(case).collect();
        assert_eq!(lengths(&commands), vec![vec![1, 2, 3, 4, 5]]);
        assert!(import_parts(&[]).is_empty());
    }

    #[test]
    fn each_transaction_carries_at_most_one_import_parts_accounts() {
        let max = MAX_IMPORT_ACCOUNTS;
        let commands = vec![
            case(1),
            import(2, max),
            case(3),
            import(4, max / 2),
            import(5, max / 2),
            import(6, 1),
            // Over the bound (rejected unread): a part of its own.
            import(7, max + 1),
            case(8),
        ];
        assert_eq!(
            lengths(&commands),
            vec![vec![1, 2, 3], vec![4, 5], vec![6], vec![7], vec![8]]
        );
    }
}
