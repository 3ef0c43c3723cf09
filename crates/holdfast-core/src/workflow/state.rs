//! A case's state, folded from its events. Nothing here decides; `evolve` only records.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AccountFacts, CaseEvent, OfferProposal, WinBackOutcome};
use crate::account::PreferredChannel;
use crate::case::{CaseStatus, RequestChannel};
use crate::money::Money;
use crate::policy::{MessageKind, Route, VerificationMethod};
use crate::role::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PendingOffer {
    pub offer_id: String,
    pub terms: OfferProposal,
    pub needs_approval: bool,
    pub approved: bool,
    /// Who proposed it; someone else approves it.
    #[serde(default)]
    pub proposed_by: String,
}

/// The one-time code last sent, while the identity is not verified yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentCode {
    #[serde(alias = "code_hash")]
    pub code_digest: String,
    /// The key that sealed it (`None`: sent before codes were keyed; it cannot be checked).
    #[serde(default)]
    pub key: Option<String>,
    pub contact: String,
    pub expires_at: Timestamp,
    pub failed_attempts: u32,
    pub locked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Above the threshold and not yet verified by a second person.
    UnderReview,
    /// With billing to process ("billing in progress").
    BillingInProgress,
    Completed,
    Denied,
}

/// Why a refund needs a second person's verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RefundReviewReason {
    /// Above the policy's refund threshold (the request's amount or the case's total, as the
    /// policy says).
    AboveThreshold,
    /// Requested more days after its charge than the policy's refund window, which the policy
    /// allows with approval.
    OutsideWindow,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Refund {
    pub refund_id: Uuid,
    pub amount: Money,
    pub requested_by: String,
    /// It needed a second person's verification when requested (see `review_reasons`).
    pub under_review: bool,
    pub verified_by: Option<String>,
    pub status: RefundStatus,
    /// Why the customer is entitled to it, as the requester wrote it, for whoever approves it.
    /// The state kept by older versions lacks it (and the next three fields).
    #[serde(default)]
    pub justification: String,
    /// The day of the charge refunded, when given.
    #[serde(default)]
    pub charged_on: Option<Date>,
    /// Billing was sent a heads-up about it.
    #[serde(default)]
    pub billing_heads_up: bool,
    /// Why it is under review; empty when it is not (or was requested before reasons were
    /// recorded).
    #[serde(default)]
    pub review_reasons: Vec<RefundReviewReason>,
    /// When billing issued it (marked it completed).
    #[serde(default)]
    pub completed_at: Option<Timestamp>,
    /// When the customer is to be asked whether it arrived, planned when it was issued under a
    /// policy that asks for the check (`refunds.status_check_business_days`); `None` otherwise.
    #[serde(default)]
    pub status_check_due: Option<Timestamp>,
    /// The status check, once recorded.
    #[serde(default)]
    pub status_check: Option<RefundStatusCheck>,
}

/// Who checked with the customer that an issued refund arrived, when, and what they learnt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RefundStatusCheck {
    /// The customer confirmed they received the refund.
    pub received: bool,
    /// What the customer said; required when the refund did not arrive.
    pub note: String,
    pub by: String,
    pub at: Timestamp,
}

impl Refund {
    /// Still waiting for a verification or for billing.
    pub fn is_open(&self) -> bool {
        matches!(
            self.status,
            RefundStatus::UnderReview | RefundStatus::BillingInProgress
        )
    }

    /// Issued, with a status check planned and not recorded yet.
    pub fn status_check_open(&self) -> bool {
        self.status == RefundStatus::Completed
            && self.status_check_due.is_some()
            && self.status_check.is_none()
    }
}

/// What the finalization recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Finalization {
    pub effective_date: Date,
    /// Older cases only: the finalization used to record it without anyone confirming it.
    #[serde(default)]
    pub billing_cessation_date: Option<Date>,
    pub prorated_refund: Option<Money>,
    /// Older cases only; the checklist records who did it now.
    #[serde(default)]
    pub data_export_offered: bool,
    /// Older cases only; the checklist records who did it now.
    #[serde(default)]
    pub api_access_revoked: bool,
}

/// Who a task was handed to: a named person or team, or everyone holding a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct TaskHolder {
    pub to: Option<String>,
    pub to_role: Option<Role>,
}

/// Who confirmed a checklist item, when, and what they noted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChecklistConfirmation {
    pub by: String,
    pub at: Timestamp,
    pub note: String,
}

/// How a win-back check-in went, and who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct WinBackCheckInOutcome {
    pub outcome: WinBackOutcome,
    pub note: String,
    pub by: String,
    pub at: Timestamp,
}

/// Serialisable so the store can keep the folded state beside the case's row and decide the next
/// command without folding the whole history again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseState {
    pub id: Uuid,
    pub account_id: Uuid,
    pub status: CaseStatus,
    /// How many events the case has; the version commands are decided against.
    pub version: u64,
    pub channel: RequestChannel,
    pub requester_name: String,
    pub requester_contact: String,
    pub received_at: Timestamp,
    pub first_response_due: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub identity_verified: bool,
    /// Verified by a one-time code this desk could not check: its server checks the code when
    /// the command is pushed (only ever true on a desk, before the server's answer).
    #[serde(default)]
    pub identity_provisional: bool,
    pub form_sent: bool,
    pub form_reminders: u32,
    pub form_received: bool,
    pub reason_id: Option<String>,
    pub route: Option<Route>,
    /// Who the route gave the save call to (the rep or the policy's fallback), when it has one.
    pub save_call_assignee: Option<String>,
    pub escalated_to: Option<String>,
    /// Who holds the case now: the save call's assignee once routed, the CSM once escalated.
    pub owner: Option<String>,
    pub csm_engaged: bool,
    /// The save call or the manager's retention attempt has an outcome.
    pub retention_attempted: bool,
    pub pending_offer: Option<PendingOffer>,
    /// Offers proposed on this case, in order.
    pub offers_proposed: Vec<String>,
    /// The offer proposed last, with its terms, whatever became of it (for messages).
    pub last_offer: Option<PendingOffer>,
    pub logged: bool,
    pub invoices_written_off: u32,
    pub one_time_code: Option<SentCode>,
    /// The case's refunds, by id.
    pub refunds: BTreeMap<Uuid, Refund>,
    /// The refunds not denied (open or completed), in minor units of the policy's currency.
    pub refunds_total_minor: i64,
    pub finalization: Option<Finalization>,
    /// The channel the cancellation was confirmed on.
    pub confirmed_on: Option<PreferredChannel>,
    pub feedback_recorded: bool,
    /// The win-back check-ins, once scheduled.
    pub win_back_check_ins: Option<Vec<Date>>,
    /// The policy's messages recorded as sent, in the order first sent.
    pub messages_sent: Vec<MessageKind>,
    /// Guarded steps the sync server did not apply because the case had moved.
    pub conflicts: Vec<SyncConflict>,
    /// The role holding the case, when it was handed to a role rather than a person.
    #[serde(default)]
    pub owner_role: Option<Role>,
    /// Why the case was last handed off, for the receiver's queue.
    #[serde(default)]
    pub hand_off_reason: Option<String>,
    /// When the case was last handed off (by a hand-off route or command).
    #[serde(default)]
    pub handed_off_at: Option<Timestamp>,
    /// Tasks handed to someone else, by task id: the last hand-off of each.
    #[serde(default)]
    pub task_holders: BTreeMap<String, TaskHolder>,
    /// When the save call is due; `None` for save calls routed before the policy set it.
    #[serde(default)]
    pub save_call_due: Option<Timestamp>,
    /// The number the save call is to ring.
    #[serde(default)]
    pub save_call_phone: Option<String>,
    /// The accounts receivable entered on the case, for an account that does not know them.
    #[serde(default)]
    pub receivable_entered: Option<Money>,
    /// The finalization checklist's items confirmed, by item id.
    #[serde(default)]
    pub checklist_confirmed: BTreeMap<String, ChecklistConfirmation>,
    /// A message with the account's exit-survey link was sent.
    #[serde(default)]
    pub survey_link_sent: bool,
    /// The channel the confirmation message went out on after the cancellation.
    #[serde(default)]
    pub confirmation_sent_on: Option<PreferredChannel>,
    /// When the form was last sent, and when a reminder is due if it has not come back.
    #[serde(default)]
    pub form_sent_at: Option<Timestamp>,
    #[serde(default)]
    pub form_remind_at: Option<Timestamp>,
    /// Who makes the win-back check-ins.
    #[serde(default)]
    pub win_back_assignee: Option<String>,
    /// The win-back check-ins made, by their 1-based number.
    #[serde(default)]
    pub win_back_outcomes: BTreeMap<u32, WinBackCheckInOutcome>,
    /// The contact on file the identity was verified through (the e-mail or phone checked, or
    /// the one the one-time code went to); `None` for a security question, or before any.
    #[serde(default)]
    pub verified_contact: Option<String>,
}

/// What the desk shows on a case whose verification went through a contact that is no longer on
/// file.
pub const CONTACT_CHANGED_WARNING: &str =
    "The contact on file changed after this request was received: verify again";

/// A guarded step that lost a race on the server (see `CaseEvent::ConflictRecorded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SyncConflict {
    pub command: String,
    pub by: String,
    pub base_version: u64,
    pub server_version: u64,
    pub at: Timestamp,
}

impl CaseState {
    /// Whether the requester's identity is verified against the account as it is now: a
    /// verification through an e-mail address or phone number that is no longer on file (the
    /// account was imported again with another contact since) no longer counts, and the identity
    /// is verified again, through the new contact. Every gate and step reads this, not
    /// `identity_verified`.
    pub fn identity_holds(&self, account: &AccountFacts) -> bool {
        self.identity_verified && !self.contact_changed_since_verification(account)
    }

    /// The identity was verified through a contact the account no longer has on file.
    pub fn contact_changed_since_verification(&self, account: &AccountFacts) -> bool {
        self.identity_verified
            && self
                .verified_contact
                .as_deref()
                .is_some_and(|contact| !account.has_contact(contact))
    }

    /// Issued refunds whose status check was planned and is not recorded yet.
    pub fn refund_checks_open(&self) -> impl Iterator<Item = &Refund> {
        self.refunds
            .values()
            .filter(|refund| refund.status_check_open())
    }

    /// Refunds still waiting for a verification or for billing.
    pub fn open_refunds(&self) -> impl Iterator<Item = &Refund> {
        self.refunds.values().filter(|refund| refund.is_open())
    }
}

/// Applies one event. The first event must be `Received`; an event that cannot follow the state
/// it is applied to leaves the state as it is, since events were decided against their state.
pub fn evolve(state: Option<CaseState>, event: &CaseEvent) -> Option<CaseState> {
    let mut case = match (state, event) {
        (
            None,
            CaseEvent::Received {
                case_id,
                account_id,
                channel,
                requester_name,
                requester_contact,
                received_at,
                first_response_due,
            },
        ) => {
            return Some(CaseState {
                id: *case_id,
                account_id: *account_id,
                status: CaseStatus::Received,
                version: 1,
                channel: *channel,
                requester_name: requester_name.clone(),
                requester_contact: requester_contact.clone(),
                received_at: *received_at,
                first_response_due: *first_response_due,
                acknowledged_at: None,
                identity_verified: false,
                identity_provisional: false,
                form_sent: false,
                form_reminders: 0,
                form_received: false,
                reason_id: None,
                route: None,
                save_call_assignee: None,
                escalated_to: None,
                owner: None,
                csm_engaged: false,
                retention_attempted: false,
                pending_offer: None,
                offers_proposed: Vec::new(),
                last_offer: None,
                logged: false,
                invoices_written_off: 0,
                one_time_code: None,
                refunds: BTreeMap::new(),
                refunds_total_minor: 0,
                finalization: None,
                confirmed_on: None,
                feedback_recorded: false,
                win_back_check_ins: None,
                messages_sent: Vec::new(),
                conflicts: Vec::new(),
                owner_role: None,
                hand_off_reason: None,
                handed_off_at: None,
                task_holders: BTreeMap::new(),
                save_call_due: None,
                save_call_phone: None,
                receivable_entered: None,
                checklist_confirmed: BTreeMap::new(),
                survey_link_sent: false,
                confirmation_sent_on: None,
                form_sent_at: None,
                form_remind_at: None,
                win_back_assignee: None,
                win_back_outcomes: BTreeMap::new(),
                verified_contact: None,
            })
        }
        (None, _) => return None,
        (Some(case), _) => case,
    };
    case.version += 1;
    let annotation = matches!(
        event,
        CaseEvent::NoteAdded { .. }
            | CaseEvent::MessageSent { .. }
            | CaseEvent::ConflictRecorded { .. }
    );
    if case.status == CaseStatus::Received && !annotation {
        case.status = CaseStatus::InProgress;
    }
    match event {
        CaseEvent::Received { .. } => {}
        CaseEvent::Acknowledged { at, .. } => {
            if case.acknowledged_at.is_none() {
                case.acknowledged_at = Some(*at)
            }
        }
        CaseEvent::IdentityVerified {
            method,
            contact_used,
            provisional,
            ..
        } => {
            case.identity_verified = true;
            case.identity_provisional = *provisional;
            case.one_time_code = None;
            // A security question checks no contact on file, whatever contact it names.
            case.verified_contact = match method {
                VerificationMethod::SecurityQuestion => None,
                _ => contact_used.clone(),
            };
        }
        CaseEvent::OneTimeCodeSent {
            code_digest,
            key,
            contact,
            expires_at,
            ..
        } => {
            case.one_time_code = Some(SentCode {
                code_digest: code_digest.clone(),
                key: key.clone(),
                contact: contact.clone(),
                expires_at: *expires_at,
                failed_attempts: 0,
                locked: false,
            })
        }
        CaseEvent::OneTimeCodeRejected {
            attempt, locked, ..
        } => {
            if let Some(code) = case.one_time_code.as_mut() {
                code.failed_attempts = *attempt;
                code.locked = *locked;
            }
        }
        CaseEvent::VerificationFailed { .. } => case.status = CaseStatus::VerificationFailed,
        CaseEvent::FormSent { at, remind_at, .. } => {
            case.form_sent = true;
            case.form_sent_at = Some(*at);
            case.form_remind_at = *remind_at;
        }
        CaseEvent::FormReminded { remind_at, .. } => {
            case.form_reminders += 1;
            if remind_at.is_some() {
                case.form_remind_at = *remind_at;
            }
        }
        CaseEvent::FormReceived { .. } => case.form_received = true,
        CaseEvent::ReasonCaptured { reason_id, .. } => case.reason_id = Some(reason_id.clone()),
        CaseEvent::Routed {
            route,
            assignee,
            assignee_role,
            save_call_due,
            save_call_phone,
            ..
        } => {
            case.route = Some(*route);
            if *route == Route::SaveCall {
                case.save_call_assignee = assignee.clone();
                case.owner = assignee.clone();
                case.owner_role = None;
                case.save_call_due = *save_call_due;
                case.save_call_phone = save_call_phone.clone();
            }
            if *route == Route::HandOff {
                case.owner = assignee.clone();
                case.owner_role = *assignee_role;
            }
        }
        CaseEvent::Escalated { csm, .. } => {
            case.escalated_to = Some(csm.clone());
            case.owner = Some(csm.clone());
            case.owner_role = None;
        }
        CaseEvent::ReceivableEntered { amount, .. } => case.receivable_entered = Some(*amount),
        CaseEvent::HandedOff {
            task_id,
            to,
            to_role,
            reason,
            at,
            ..
        } => match task_id {
            None => {
                case.owner = to.clone();
                case.owner_role = *to_role;
                case.hand_off_reason = Some(reason.clone());
                case.handed_off_at = Some(*at);
            }
            Some(task_id) => {
                case.task_holders.insert(
                    task_id.clone(),
                    TaskHolder {
                        to: to.clone(),
                        to_role: *to_role,
                    },
                );
            }
        },
        CaseEvent::CsmOutcomeRecorded { retained, .. } => {
            case.csm_engaged = true;
            if *retained {
                case.status = CaseStatus::Saved;
            }
        }
        CaseEvent::RetentionOutcomeRecorded { retained, .. } => {
            case.retention_attempted = true;
            if *retained {
                case.status = CaseStatus::Saved;
            }
        }
        CaseEvent::OfferProposed {
            offer_id,
            terms,
            needs_approval,
            proposed_by,
        } => {
            case.offers_proposed.push(offer_id.clone());
            case.pending_offer = Some(PendingOffer {
                offer_id: offer_id.clone(),
                terms: terms.clone(),
                needs_approval: *needs_approval,
                approved: false,
                proposed_by: proposed_by.clone(),
            });
            case.last_offer = case.pending_offer.clone();
        }
        CaseEvent::OfferApproved { .. } => {
            if let Some(offer) = case.pending_offer.as_mut() {
                offer.approved = true;
            }
        }
        CaseEvent::OfferAccepted { .. } => {
            case.pending_offer = None;
            case.status = CaseStatus::Saved;
        }
        CaseEvent::OfferDeclined { .. } => case.pending_offer = None,
        CaseEvent::RequestLogged => case.logged = true,
        CaseEvent::InvoicesWrittenOff { invoices, .. } => case.invoices_written_off += invoices,
        CaseEvent::RefundRequested {
            refund_id,
            amount,
            justification,
            requested_by,
            under_review,
            billing_heads_up,
            charged_on,
            review_reasons,
            ..
        } => {
            // `decide` refuses a refund that is not positive, reuses an id or would overflow the
            // total; such an event leaves the state as it is.
            let fits = amount.minor > 0 && !case.refunds.contains_key(refund_id);
            let total = case.refunds_total_minor.checked_add(amount.minor);
            if let Some(total) = total.filter(|_| fits) {
                case.refunds_total_minor = total;
                let status = if *under_review {
                    RefundStatus::UnderReview
                } else {
                    RefundStatus::BillingInProgress
                };
                case.refunds.insert(
                    *refund_id,
                    Refund {
                        refund_id: *refund_id,
                        amount: *amount,
                        requested_by: requested_by.clone(),
                        under_review: *under_review,
                        verified_by: None,
                        status,
                        justification: justification.clone(),
                        charged_on: *charged_on,
                        billing_heads_up: *billing_heads_up,
                        review_reasons: review_reasons.clone(),
                        completed_at: None,
                        status_check_due: None,
                        status_check: None,
                    },
                );
            }
        }
        CaseEvent::RefundVerified {
            refund_id,
            verified_by,
            ..
        } => {
            if let Some(refund) = case.refunds.get_mut(refund_id) {
                if refund.status == RefundStatus::UnderReview {
                    refund.verified_by = Some(verified_by.clone());
                    refund.status = RefundStatus::BillingInProgress;
                }
            }
        }
        CaseEvent::RefundCompleted {
            refund_id,
            at,
            status_check_due,
            ..
        } => {
            if let Some(refund) = case.refunds.get_mut(refund_id) {
                if refund.status == RefundStatus::BillingInProgress {
                    refund.status = RefundStatus::Completed;
                    refund.completed_at = Some(*at);
                    refund.status_check_due = *status_check_due;
                }
            }
        }
        CaseEvent::RefundStatusChecked {
            refund_id,
            received,
            note,
            by,
            at,
        } => {
            if let Some(refund) = case.refunds.get_mut(refund_id) {
                if refund.status_check_open() {
                    refund.status_check = Some(RefundStatusCheck {
                        received: *received,
                        note: note.clone(),
                        by: by.clone(),
                        at: *at,
                    });
                }
            }
        }
        CaseEvent::RefundDenied { refund_id, .. } => {
            if let Some(refund) = case.refunds.get_mut(refund_id) {
                if refund.is_open() {
                    if let Some(total) = case
                        .refunds_total_minor
                        .checked_sub(refund.amount.minor)
                        .filter(|total| *total >= 0)
                    {
                        case.refunds_total_minor = total;
                        refund.status = RefundStatus::Denied;
                    }
                }
            }
        }
        CaseEvent::Finalized {
            effective_date,
            billing_cessation_date,
            prorated_refund,
            data_export_offered,
            api_access_revoked,
        } => {
            case.status = CaseStatus::Cancelled;
            case.finalization = Some(Finalization {
                effective_date: *effective_date,
                billing_cessation_date: *billing_cessation_date,
                prorated_refund: *prorated_refund,
                data_export_offered: *data_export_offered,
                api_access_revoked: *api_access_revoked,
            });
        }
        CaseEvent::CancellationConfirmed { channel, .. } => case.confirmed_on = Some(*channel),
        CaseEvent::FeedbackRecorded { .. } => case.feedback_recorded = true,
        CaseEvent::ChecklistItemConfirmed {
            item_id,
            note,
            by,
            at,
        } => {
            case.checklist_confirmed
                .entry(item_id.clone())
                .or_insert_with(|| ChecklistConfirmation {
                    by: by.clone(),
                    at: *at,
                    note: note.clone(),
                });
        }
        CaseEvent::WinBackScheduled {
            check_ins,
            assignee,
        } => {
            case.win_back_check_ins = Some(check_ins.clone());
            case.win_back_assignee = assignee.clone();
        }
        CaseEvent::WinBackOutcomeRecorded {
            check_in,
            outcome,
            note,
            by,
            at,
        } => {
            case.win_back_outcomes
                .entry(*check_in)
                .or_insert_with(|| WinBackCheckInOutcome {
                    outcome: *outcome,
                    note: note.clone(),
                    by: by.clone(),
                    at: *at,
                });
        }
        CaseEvent::Withdrawn { .. } => case.status = CaseStatus::Withdrawn,
        CaseEvent::NoteAdded { .. } => {}
        CaseEvent::ConflictRecorded {
            command,
            by,
            base_version,
            server_version,
            at,
        } => case.conflicts.push(SyncConflict {
            command: command.clone(),
            by: by.clone(),
            base_version: *base_version,
            server_version: *server_version,
            at: *at,
        }),
        CaseEvent::MessageSent {
            message,
            channel,
            survey_link,
            ..
        } => {
            if !case.messages_sent.contains(message) {
                case.messages_sent.push(*message);
            }
            if survey_link.is_some() {
                case.survey_link_sent = true;
            }
            if *message == MessageKind::Confirmation && case.status == CaseStatus::Cancelled {
                case.confirmation_sent_on = Some(*channel);
            }
        }
    }
    Some(case)
}
