//! The one error type of the core: every rule that refuses something says which field and why.

use serde::Serialize;
use ts_rs::TS;

use crate::case::CaseStatus;
use crate::policy::Step;
use crate::role::Role;

/// A condition the policy puts before a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    IdentityVerified,
    FormReceived,
    CsmEngaged,
    InvoicesWrittenOff,
    RequestLogged,
    /// The cancellation sheet's row has every column (name, phone, total collected, months in the
    /// program, reason) before the cancellation is finalized.
    CancellationSheetComplete,
    OfferApproved,
    /// An above-threshold refund is verified by someone other than the person who requested it.
    SecondVerifier,
    /// An above-threshold refund is verified before billing completes it.
    RefundVerified,
    /// An offer outside the limits is approved by someone other than the person who proposed it.
    SecondApprover,
    /// Retention was attempted (the routed save call or manager retention has its outcome, or a
    /// retention attempt is recorded) before finalization.
    RetentionAttempted,
    /// The reason for leaving is captured before finalization.
    ReasonCaptured,
    /// An item of the policy's finalization checklist, to be done before the finalization, is
    /// not done yet (`CoreError::ChecklistItemOpen` names it).
    ChecklistItem,
}

impl Gate {
    /// What is missing, in the words the desk shows.
    pub fn describe(self) -> &'static str {
        match self {
            Gate::IdentityVerified => "the requester's identity has not been verified",
            Gate::FormReceived => "the cancellation request form has not been received",
            Gate::CsmEngaged => "a customer success manager has not engaged with the customer yet",
            Gate::InvoicesWrittenOff => "unpaid invoices must be written off first",
            Gate::RequestLogged => "the request has not been logged in the cancellation sheet",
            Gate::CancellationSheetComplete => {
                "the cancellation sheet's row is incomplete: the account needs its phone number, total collected and customer-since date, and the case its reason"
            }
            Gate::OfferApproved => "the offer is outside the policy's limits and needs approval",
            Gate::SecondVerifier => {
                "a refund above the threshold must be verified by someone other than the person who requested it"
            }
            Gate::RefundVerified => {
                "a refund above the threshold must be verified by a second person before it is completed"
            }
            Gate::SecondApprover => {
                "an offer outside the limits must be approved by someone other than the person who proposed it"
            }
            Gate::RetentionAttempted => {
                "retention has not been attempted: record the outcome of the retention attempt first"
            }
            Gate::ReasonCaptured => "the reason for leaving has not been recorded",
            Gate::ChecklistItem => "an item of the finalization checklist has not been done",
        }
    }
}

fn role_required(step: Step, needed: &[Role]) -> String {
    if needed.is_empty() && step.needs_named_roles() {
        format!("the policy names no one who may {}", step.action())
    } else if needed.is_empty() {
        format!("you need a role in this profile to {}", step.action())
    } else {
        let who: Vec<&str> = needed.iter().map(|role| role.described()).collect();
        format!("only {} may {}", who.join(" or "), step.action())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    /// A value given for `field` breaks a rule; `message` says which, in words a user can act on.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// An import file has rows that break the rules; nothing from it may be kept.
    #[error("{} invalid row(s) in the file", problems.len())]
    InvalidRows { problems: Vec<RowProblem> },
    /// The actor lacks every role the policy allows for the step.
    #[error("{}", role_required(*step, needed))]
    RoleRequired { step: Step, needed: Vec<Role> },
    /// The actor's account is deactivated.
    #[error("{user_id} is no longer active")]
    InactiveUser { user_id: String },
    /// A gate of the policy is not met.
    #[error("{}", gate.describe())]
    GateNotMet { gate: Gate },
    /// An offer's terms are beyond what the policy allows at all.
    #[error("{offer}: {message}")]
    OfferLimitExceeded { offer: String, message: String },
    /// An item of the finalization checklist that comes before the finalization is not done.
    #[error("\"{label}\" must be done and confirmed before the cancellation is finalized")]
    ChecklistItemOpen { item_id: String, label: String },
    /// The command makes no sense in the case's current state.
    #[error("cannot {command} a case that is {}", from.as_str())]
    InvalidTransition {
        from: CaseStatus,
        command: &'static str,
    },
}

impl CoreError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// One bad row of an import file: the 1-based line it starts on, the column, and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RowProblem {
    pub line: u64,
    /// The column at fault, by its header name; `None` when the row as a whole is malformed.
    pub column: Option<String>,
    pub message: String,
}
