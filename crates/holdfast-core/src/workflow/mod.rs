//! The case engine: a command is decided against the case's state, the actor and the policy
//! (`decide`), and the resulting events are applied to the state (`evolve`). Events are the audit
//! trail and what sync moves; the state is always what the events say.

mod checklist;
mod command;
mod decide;
mod event;
mod gates;
mod message;
mod next_actions;
mod one_time_code;
mod permissions;
mod sheet;
mod state;

pub use checklist::{
    checklist, checklist_at, Blocker, Checklist, ChecklistItemStatus, CodeStatus, OpenTask,
    ReasonChoice, StepPermission, WinBackCheckIn,
};
pub use command::{AccountFacts, Actor, CaseCommand, OfferProposal, RepStatus};
pub use decide::{decide, is_guarded};
pub use event::{CaseEvent, WinBackOutcome};
pub use gates::{finalization_blockers, open_checklist_items, ready_to_finalize};
pub use message::{
    compose_message, unknown_placeholders, Addressee, ComposedMessage, EmailReceipt,
    MAX_MESSAGE_ID_CHARS, MAX_SERVER_REPLY_CHARS, PLACEHOLDERS,
};
pub use next_actions::{NextAction, NextActionId};
pub use one_time_code::{CodeKey, OneTimeCode};
pub use permissions::may_take;
pub use sheet::{cancellation_sheet_row, sheet_row_of, CancellationSheetRow};
pub use state::RefundReviewReason;
pub use state::CONTACT_CHANGED_WARNING;
pub use state::{
    evolve, CaseState, ChecklistConfirmation, Finalization, PendingOffer, Refund, RefundStatus,
    RefundStatusCheck, SentCode, SyncConflict, TaskHolder, WinBackCheckInOutcome,
};
