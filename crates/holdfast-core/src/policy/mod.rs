//! A policy: one company's cancellation procedure as data. It sets the tiers, the gates, who may
//! take each step, the routing, the retention offers and their limits, refunds, the reason
//! taxonomy, the first-response SLA and its business hours, messages, survey links and the
//! win-back schedule. Policies are TOML files (`parse`), readable by a CX manager, and can be
//! read back as plain sentences (`render`).

mod parse;
pub(crate) mod render;

use std::collections::BTreeMap;

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::money::{Currency, Money};
use crate::role::Role;

pub use parse::{parse_policy, PolicyError};
pub use render::render_policy;

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Stable identifier, e.g. "wootrecruit".
    pub id: String,
    pub name: String,
    /// Raised each time the policy is published; events record it.
    pub version: u32,
    /// The currency of every amount in the policy.
    pub currency: Currency,
    /// Customer tiers, lowest first.
    pub tiers: Vec<String>,
    pub sla: Sla,
    pub identity: IdentityRules,
    /// The cancellation request form, when the procedure has one.
    pub form: Option<FormRules>,
    pub gates: Gates,
    /// Who may take each step; a step not listed may be taken by anyone with a role.
    pub roles: BTreeMap<Step, Vec<Role>>,
    pub routing: Routing,
    pub offers: Vec<OfferTerms>,
    pub refunds: RefundRules,
    pub reasons: Vec<Reason>,
    /// Message templates (the body) by kind.
    pub messages: BTreeMap<MessageKind, String>,
    /// E-mail subject lines the policy sets, by kind; any other message's subject is
    /// `MessageKind::default_subject`. Read it through `Policy::subject`.
    pub subjects: BTreeMap<MessageKind, String>,
    /// Exit-survey (exit-interview) links by hosting server; `default` applies to any other.
    pub survey_links: BTreeMap<String, String>,
    /// Win-back check-ins, in months after the cancellation takes effect.
    pub win_back_months: Vec<u32>,
    /// Who gets the win-back check-ins; `None` gives them to the case's owner (or, when it has
    /// none, to whoever schedules them).
    pub win_back_assignee: Option<String>,
    /// The finalization checklist and the rules for the effective date.
    pub finalization: FinalizationRules,
    /// How long a customer's personal data is kept.
    pub privacy: PrivacyRules,
}

/// How long a customer's personal data is kept (`[privacy]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrivacyRules {
    /// A closed case's personal data is erased this many whole months after the case closed; `None`
    /// keeps it until someone erases it on the customer's request.
    pub erase_closed_cases_after_months: Option<u32>,
}

/// What the finalization of a cancellation involves, beyond the gates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FinalizationRules {
    /// The procedure's own list of what is done around the cancellation, each item confirmed by
    /// the person who did it (or done by the step it is tied to).
    pub checklist: Vec<ChecklistItem>,
    /// An effective date before today (in the policy's zone) is accepted; never before the
    /// request was received.
    pub allow_past_effective_date: bool,
    /// The effective date may be at most this many days after today.
    pub max_days_ahead: Option<u32>,
}

/// One item of the finalization checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ChecklistItem {
    pub id: String,
    pub label: String,
    pub when: ChecklistWhen,
    /// The workflow step that does this item, so that nobody is asked twice; `None` when a
    /// person confirms it.
    pub step: Option<ChecklistStep>,
}

/// Whether a checklist item is done before the cancellation is finalized or after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistWhen {
    Before,
    After,
}

/// A workflow step that a checklist item stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistStep {
    /// Every unpaid invoice written off (before).
    WriteOff,
    /// The request logged in the cancellation sheet (before).
    Log,
    /// The confirmation message sent on the preferred channel (after).
    Confirmation,
    /// The exit survey sent (its message or a message with the survey link) or feedback
    /// recorded (after).
    ExitSurvey,
    /// The win-back check-ins scheduled (after).
    WinBack,
}

impl ChecklistStep {
    /// When the step happens relative to the finalization.
    pub fn when(self) -> ChecklistWhen {
        match self {
            ChecklistStep::WriteOff | ChecklistStep::Log => ChecklistWhen::Before,
            ChecklistStep::Confirmation | ChecklistStep::ExitSurvey | ChecklistStep::WinBack => {
                ChecklistWhen::After
            }
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            ChecklistStep::WriteOff => "writing off the unpaid invoices",
            ChecklistStep::Log => "logging the request in the cancellation sheet",
            ChecklistStep::Confirmation => {
                "sending the confirmation message on the preferred channel"
            }
            ChecklistStep::ExitSurvey => "sending the exit survey or recording feedback",
            ChecklistStep::WinBack => "scheduling the win-back check-ins",
        }
    }
}

/// How a first response may reach the customer. A message from the policy's templates always
/// counts; other ways count only when the policy lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AcknowledgeChannel {
    #[default]
    Message,
    Call,
}

impl AcknowledgeChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            AcknowledgeChannel::Message => "message",
            AcknowledgeChannel::Call => "call",
        }
    }
}

/// The first-response promise and the business hours it is counted in.
#[derive(Debug, Clone, PartialEq)]
pub struct Sla {
    pub first_response_minutes: u32,
    pub calendar: BusinessCalendar,
    /// Ways a first response may stop the clock; a recorded message always does.
    pub acknowledge_by: Vec<AcknowledgeChannel>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BusinessCalendar {
    pub zone_name: String,
    pub zone: TimeZone,
    pub days: Vec<Weekday>,
    pub opens: Time,
    pub closes: Time,
    /// Dates (in the calendar's zone) the business is closed although they fall on a business
    /// day: no business minute passes on them.
    pub holidays: std::collections::BTreeSet<jiff::civil::Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    EmailOnFile,
    CallbackToPhoneOnFile,
    OneTimeCode,
    SecurityQuestion,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IdentityRules {
    pub methods: Vec<VerificationMethod>,
    pub code_valid_minutes: u32,
    pub code_max_attempts: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FormRules {
    /// Fields the customer fills in.
    pub fields: Vec<String>,
    /// Remind the customer when the form has not come back after this many days.
    pub remind_after_days: u32,
    /// Where the customer submits the form (an address or a link), sent with it.
    pub submit_to: Option<String>,
    /// How to fill the form in, sent with it.
    pub instructions: Option<String>,
}

/// What must be true before a step may happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Gates {
    /// No change to the account (offers, refunds, finalization) before the requester's identity
    /// is verified.
    pub identity_before_changes: bool,
    /// The cancellation request form must be received before finalization.
    pub form_before_finalization: bool,
    /// A CSM must have engaged (escalation and outcome) before finalization.
    pub csm_escalation_before_finalization: bool,
    /// Unpaid invoices must be written off before the account is suspended or cancelled.
    pub invoices_written_off_before_finalization: bool,
    /// The request must be logged (cancellation sheet) before finalization.
    pub logged_before_finalization: bool,
    /// The requester's identity must be verified before finalization, whatever else may happen
    /// before it. Implied by `identity_before_changes` and `identity_first`.
    pub identity_before_finalization: bool,
    /// The requester's identity is verified before anything else: every step but receiving and
    /// acknowledging the request, the identity steps, notes and withdrawal waits for it.
    pub identity_first: bool,
    /// Retention is attempted before finalization: the outcome of the save call or manager
    /// retention the case was routed to, or, on any route but a sympathetic reply, a recorded
    /// retention attempt.
    pub retention_before_finalization: bool,
    /// The reason for leaving must be captured before finalization.
    pub reason_before_finalization: bool,
}

impl Gates {
    /// Whether finalization waits for a verified identity, by any of the gates that imply it.
    pub fn identity_before_finalization(&self) -> bool {
        self.identity_before_finalization || self.identity_before_changes || self.identity_first
    }
}

/// The steps of a case, for role assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Receive,
    VerifyIdentity,
    TrackForm,
    CaptureReason,
    Route,
    ProposeOffer,
    ApproveOffer,
    RecordOfferOutcome,
    Escalate,
    RecordCsmOutcome,
    RecordRetentionOutcome,
    RequestRefund,
    ApproveRefund,
    /// Billing records a refund as processed; a policy that does not name who may takes the
    /// roles that approve refunds, as before this step existed.
    CompleteRefund,
    WriteOff,
    Finalize,
    Confirm,
    RecordFeedback,
    ScheduleWinBack,
    /// Hand the case, or one of its tasks, to another person or role.
    HandOff,
    /// Confirm an item of the policy's finalization checklist.
    ConfirmChecklistItem,
    /// Record how a win-back check-in went.
    RecordWinBackOutcome,
    /// Import accounts: create them, or change the contact on file, tier, receivable and sales rep
    /// that verification and routing read. Not a step of a case; a policy that does not name who
    /// may takes any role, as before this step existed.
    ImportAccounts,
    /// Export or erase everything held about one customer, on their request. Not a step of a
    /// case; a policy that does not name who may gives it to managers and administrators.
    ErasePersonalData,
}

impl Step {
    pub const ALL: [Step; 24] = [
        Step::Receive,
        Step::VerifyIdentity,
        Step::TrackForm,
        Step::CaptureReason,
        Step::Route,
        Step::ProposeOffer,
        Step::ApproveOffer,
        Step::RecordOfferOutcome,
        Step::Escalate,
        Step::RecordCsmOutcome,
        Step::RecordRetentionOutcome,
        Step::RequestRefund,
        Step::ApproveRefund,
        Step::CompleteRefund,
        Step::WriteOff,
        Step::Finalize,
        Step::Confirm,
        Step::RecordFeedback,
        Step::ScheduleWinBack,
        Step::HandOff,
        Step::ConfirmChecklistItem,
        Step::RecordWinBackOutcome,
        Step::ImportAccounts,
        Step::ErasePersonalData,
    ];

    /// Steps that only the roles the policy names may take: with none named, nobody may. An offer
    /// outside the policy's limits is approved by someone the procedure names, never by anyone.
    pub fn needs_named_roles(self) -> bool {
        self == Step::ApproveOffer
    }

    /// What taking the step means, as a sentence fragment ("finalize the cancellation").
    pub fn action(self) -> &'static str {
        match self {
            Step::Receive => "take a cancellation request",
            Step::VerifyIdentity => "verify the requester's identity",
            Step::TrackForm => "track the cancellation request form",
            Step::CaptureReason => "record the reason",
            Step::Route => "route the case",
            Step::ProposeOffer => "propose a retention offer",
            Step::ApproveOffer => "approve an offer outside the limits",
            Step::RecordOfferOutcome => "record whether an offer was accepted",
            Step::Escalate => "escalate the case to a CSM",
            Step::RecordCsmOutcome => "record the CSM's outcome",
            Step::RecordRetentionOutcome => {
                "record the outcome of the save call or retention attempt"
            }
            Step::RequestRefund => "request a refund",
            Step::ApproveRefund => "approve a refund",
            Step::CompleteRefund => "complete a refund",
            Step::WriteOff => "write off unpaid invoices",
            Step::Finalize => "finalize the cancellation",
            Step::Confirm => "confirm the cancellation to the customer",
            Step::RecordFeedback => "record exit feedback",
            Step::ScheduleWinBack => "schedule win-back check-ins",
            Step::HandOff => "hand a case or task to someone else",
            Step::ConfirmChecklistItem => "confirm an item of the finalization checklist",
            Step::RecordWinBackOutcome => "record the outcome of a win-back check-in",
            Step::ImportAccounts => "import accounts",
            Step::ErasePersonalData => "export or erase a customer's personal data",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    /// Tried in order; the first whose conditions hold decides.
    pub rules: Vec<RoutingRule>,
    /// Who gets a save call when the original sales rep is inactive or unknown.
    pub fallback_assignee: Option<String>,
    /// What routing does when a rule it tries tests the accounts receivable and neither the
    /// account nor the desk has given them.
    pub unknown_receivable: UnknownReceivable,
    /// The save call is due this many business minutes after the case is routed; `None`: when
    /// the first response is due.
    pub save_call_due_minutes: Option<u32>,
}

/// Unknown accounts receivable are not zero: routing asks for them, or takes the policy's route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownReceivable {
    /// Routing is refused until someone enters the receivable on the case.
    #[default]
    Ask,
    /// Routing takes this route.
    Route(Route),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoutingRule {
    pub when: RoutingCondition,
    pub route: Route,
    /// Who a `hand_off` route sends the case to; `None` for every other route.
    pub hand_off: Option<HandOffTarget>,
}

/// Who a hand-off route gives the case to: the account's own account manager when the rule says
/// so and the account has one, else the named person or team, else everyone holding the role.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HandOffTarget {
    pub account_manager: bool,
    pub to: Option<String>,
    pub to_role: Option<Role>,
}

/// Conditions on the account; all given ones must hold. Tiers are compared by their order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoutingCondition {
    pub tier_at_least: Option<String>,
    pub tier_at_most: Option<String>,
    pub receivable_above: Option<Money>,
    pub receivable_at_most: Option<Money>,
    /// The captured reason is one of these (reason ids); empty: any reason, or none.
    pub reason: Vec<String>,
    /// The account's monthly recurring revenue is at least this; an unknown MRR does not match.
    pub mrr_at_least: Option<Money>,
}

impl RoutingCondition {
    pub fn tests_receivable(&self) -> bool {
        self.receivable_above.is_some() || self.receivable_at_most.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// A task for the original sales rep (or the fallback) to call and try to save the customer.
    SaveCall,
    /// A sympathetic reply with the exit-survey link for the account's hosting server.
    SympatheticReply,
    /// Escalate the case to a CSM.
    EscalateToCsm,
    /// Retention handled by a manager.
    ManagerRetention,
    /// Go on with the case in the ordinary way (offers, then finalization).
    Continue,
    /// The case goes to a named person or team, a role, or the account's account manager.
    HandOff,
}

/// The kinds of retention offer a procedure can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OfferKind {
    /// A percentage off the subscription for some months.
    Discount,
    /// A one-time credit on the account.
    Credit,
    /// The next tier for some months at no charge.
    TierUpgrade,
    /// The account paused for some months.
    Freeze,
    PrioritySupport,
    StrategySession,
    IntegrationHelp,
    /// Shorter commitment or flexible terms.
    FlexibleTerms,
    /// Custom pricing; whether it needs approval is the offer's `needs_approval`.
    CustomPricing,
    /// A percentage off the current order (subscription products).
    OrderDiscount,
    FreeExpeditedShipping,
    /// Swap the item for a product of the same or higher value at no extra cost.
    ProductSwap,
    /// A percentage coupon for the next order.
    NextOrderCoupon,
}

impl OfferKind {
    /// Offers whose terms are a percentage (of the subscription, the order, the next order).
    pub fn takes_percent(self) -> bool {
        matches!(
            self,
            OfferKind::Discount | OfferKind::OrderDiscount | OfferKind::NextOrderCoupon
        )
    }
}

/// One offer of the catalogue and its limits. An offer proposed outside its limits needs the
/// approval of someone allowed to `approve_offer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OfferTerms {
    pub id: String,
    pub kind: OfferKind,
    pub label: String,
    pub max_percent: Option<u32>,
    /// When set, the percentage must be one of these (e.g. 10 or 15).
    pub percent_choices: Vec<u32>,
    pub max_months: Option<u32>,
    pub max_amount: Option<Money>,
    /// May be granted to an account only once, ever.
    pub once_per_account: bool,
    /// Always needs approval, whatever its terms.
    pub needs_approval: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RefundRules {
    /// At or below: billing processes it ("billing in progress"). Above: under review, verified
    /// by a second person, and billing gets a heads-up.
    pub threshold: Money,
    /// Refunds are possible up to this many days after the charge (that day included); a refund
    /// then needs the date of its charge. Later ones are treated as `outside_window` says.
    pub window_days: Option<u32>,
    /// What becomes of a refund requested after the window.
    pub outside_window: OutsideWindow,
    /// Why a refund after the window is refused, in a sentence the user can tell the customer.
    pub outside_window_reason: String,
    /// What the threshold is compared with.
    pub threshold_applies_to: ThresholdScope,
    /// The person in billing who gets refunds to process, the heads-up on refunds under review,
    /// and the review itself when billing approves refunds (the 2017 SOP's Heather).
    pub billing_assignee: Option<String>,
    /// After a refund is issued (completed), a task to check with the customer that it arrived,
    /// due this many business days later in the policy's calendar (holidays included), for the
    /// person who requested it (IntelliServe's "check refund status after 5 business days").
    /// `None`: the procedure asks for no such check.
    pub status_check_business_days: Option<u32>,
}

/// What becomes of a refund requested more days after its charge than the policy's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutsideWindow {
    /// Refused, with the policy's reason.
    #[default]
    Refuse,
    /// Under review whatever its amount: someone else with the role that approves refunds
    /// verifies it.
    Approval,
}

/// What a refund's amount is compared with the threshold as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdScope {
    /// Each refund request on its own.
    Request,
    /// Everything the case refunds (refunds not denied, this one included), so that one refund
    /// split into small ones is still reviewed.
    #[default]
    Case,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub id: String,
    pub label: String,
    pub mitigations: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Acknowledgement,
    SympatheticReply,
    Offer,
    OfferApplied,
    UnderReview,
    RefundNotice,
    Confirmation,
    ExitSurvey,
    WinBack,
}

impl MessageKind {
    /// The subject of an e-mail of this kind when the policy names none.
    pub fn default_subject(self) -> &'static str {
        match self {
            MessageKind::Acknowledgement => "We received your cancellation request",
            MessageKind::SympatheticReply => "Your cancellation request",
            MessageKind::Offer => "An offer for you",
            MessageKind::OfferApplied => "Your offer is applied",
            MessageKind::UnderReview => "Your refund request is under review",
            MessageKind::RefundNotice => "Your refund",
            MessageKind::Confirmation => "Your cancellation is confirmed",
            MessageKind::ExitSurvey => "Would you tell us why you left?",
            MessageKind::WinBack => "We'd love to have you back",
        }
    }
}

impl Policy {
    /// The subject template of a `kind` e-mail: the policy's own, or the kind's default.
    pub fn subject(&self, kind: MessageKind) -> &str {
        self.subjects
            .get(&kind)
            .map(String::as_str)
            .unwrap_or_else(|| kind.default_subject())
    }

    /// The position of a tier in the policy's order, lowest first.
    pub fn tier_rank(&self, tier: &str) -> Option<usize> {
        self.tiers
            .iter()
            .position(|known| known.eq_ignore_ascii_case(tier))
    }

    /// The roles allowed to take `step`; empty means any role, except for a step that only named
    /// roles may take (`Step::needs_named_roles`), which nobody may then take.
    pub fn roles_for(&self, step: Step) -> &[Role] {
        self.roles.get(&step).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn reason(&self, id: &str) -> Option<&Reason> {
        self.reasons.iter().find(|reason| reason.id == id)
    }

    /// Some routing rule tests the captured reason, so the case is routed only once it has one.
    pub fn routes_on_reason(&self) -> bool {
        self.routing
            .rules
            .iter()
            .any(|rule| !rule.when.reason.is_empty())
    }

    pub fn checklist_item(&self, id: &str) -> Option<&ChecklistItem> {
        self.finalization
            .checklist
            .iter()
            .find(|item| item.id == id)
    }

    pub fn reason_label(&self, id: &str) -> Option<&str> {
        self.reason(id).map(|reason| reason.label.as_str())
    }

    pub fn offer(&self, id: &str) -> Option<&OfferTerms> {
        self.offers.iter().find(|offer| offer.id == id)
    }

    /// The survey link for a hosting server, or the default one.
    pub fn survey_link(&self, hosting_server: Option<&str>) -> Option<&str> {
        hosting_server
            .and_then(|server| self.survey_links.get(server))
            .or_else(|| self.survey_links.get("default"))
            .map(String::as_str)
    }

    /// `policy_id@version`, as events record it.
    pub fn version_tag(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BILLSBEE: &str = include_str!("../../../../policies/billsbee.toml");

    #[test]
    fn a_subject_is_the_policys_or_the_kinds_default() {
        let policy = parse_policy(BILLSBEE).unwrap();
        assert_eq!(
            policy.subject(MessageKind::Confirmation),
            "Your service for {account_name} is suspended"
        );
        let without = BILLSBEE.replace("[message_subjects]", "[ignored_by_this_test]");
        let without = &without[..without.find("[ignored_by_this_test]").unwrap()];
        let policy = parse_policy(without).unwrap();
        assert!(policy.subjects.is_empty());
        assert_eq!(
            policy.subject(MessageKind::Confirmation),
            MessageKind::Confirmation.default_subject()
        );
    }

    #[test]
    fn a_subject_must_belong_to_a_message_and_name_known_placeholders() {
        let key = |extra: &str| {
            let source = format!("{BILLSBEE}\nwin_back = \"{extra}\"\n");
            parse_policy(&source).unwrap_err().key
        };
        // Billsbee has no win-back message.
        assert_eq!(key("Come back"), Some("message_subjects.win_back".into()));
        let source = BILLSBEE.replace(
            "refund_notice = \"Your refund is being processed\"",
            "refund_notice = \"Your {refund_amount}\"",
        );
        let error = parse_policy(&source).unwrap_err();
        assert_eq!(error.key.as_deref(), Some("message_subjects.refund_notice"));
        assert!(error.message.contains("{refund_amount}"));
    }
}
