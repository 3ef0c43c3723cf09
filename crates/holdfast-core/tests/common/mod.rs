//! The test driver shared by the engine's scenario tests: a case run command by command.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use holdfast_core::account::PreferredChannel;
use holdfast_core::case::RequestChannel;
use holdfast_core::money::{Currency, Money};
use holdfast_core::policy::{parse_policy, Policy, VerificationMethod};
use holdfast_core::role::Role;
use holdfast_core::workflow::{
    decide, evolve, AccountFacts, Actor, CaseCommand, CaseEvent, CaseState, CodeKey, OneTimeCode,
    RepStatus,
};
use holdfast_core::CoreError;
use jiff::Timestamp;
use uuid::Uuid;

pub fn now() -> Timestamp {
    // Tuesday 2026-11-24 10:00 in New York.
    "2026-11-24T15:00:00Z".parse().unwrap()
}

pub fn actor(roles: &[Role]) -> Actor {
    Actor {
        user_id: format!("{roles:?}"),
        roles: roles.to_vec(),
        active: true,
    }
}

/// A named user, for rules about who did what (a second person verifies a refund).
pub fn person(user_id: &str, roles: &[Role]) -> Actor {
    Actor {
        user_id: user_id.into(),
        roles: roles.to_vec(),
        active: true,
    }
}

pub fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").unwrap())
}

/// The engine's test procedure: every gate, a form, routing by tier and receivables, two offers,
/// refunds above 1000.00 under review, one-time codes and a win-back schedule.
pub const TEST_POLICY: &str = r#"
id = "test"
name = "Test procedure"
version = 3
currency = "USD"
tiers = ["Essentials", "Professional", "Professional 2A", "SMB"]
win_back_months = [3, 6, 12]

[sla]
first_response_minutes = 60
zone = "America/New_York"
days = ["mon", "tue", "wed", "thu", "fri"]
opens = "09:00"
closes = "17:00"
acknowledge_by = ["message", "call"]

[identity]
methods = ["email_on_file", "callback_to_phone_on_file", "security_question", "one_time_code"]
code_valid_minutes = 10
code_max_attempts = 3

[form]
fields = ["reason", "signature"]
remind_after_days = 3

[gates]
identity_before_changes = true
form_before_finalization = true
csm_escalation_before_finalization = true
invoices_written_off_before_finalization = true

[roles]
finalize = ["manager"]
approve_offer = ["manager"]
record_csm_outcome = ["csm"]
approve_refund = ["billing"]

[routing]
fallback_assignee = "Spencer"

[[routing.rules]]
tier_at_most = "Essentials"
route = "sympathetic_reply"

[[routing.rules]]
tier_at_least = "Professional"
tier_at_most = "Professional"
receivable_above = "1,000.00"
route = "save_call"

[[routing.rules]]
tier_at_least = "Professional 2A"
route = "save_call"

[[offers]]
id = "discount"
kind = "discount"
label = "Discount"
max_percent = 20
max_months = 3

[[offers]]
id = "credit"
kind = "credit"
label = "One-time credit"
max_amount = "500.00"
once_per_account = true

[refunds]
threshold = "1000.00"

[[reasons]]
id = "cost"
label = "Cost concerns"
mitigations = ["Offer a temporary discount"]

[survey_links]
"us-east-1" = "https://survey.example.com/us-east"
default = "https://survey.example.com/general"
"#;

pub fn test_policy() -> Policy {
    parse_policy(TEST_POLICY).expect("the test policy parses")
}

/// A Professional account that prefers e-mail, on a 310.00 USD plan billed for December 2026.
pub fn test_account() -> AccountFacts {
    AccountFacts {
        tier: "Professional".into(),
        email: Some("ana@acme.io".into()),
        phone: Some("+1 (555) 010-2030".into()),
        accounts_receivable: Some(usd(250_000)),
        hosting_server: Some("us-east-1".into()),
        original_sales_rep: Some("Rob".into()),
        original_sales_rep_status: RepStatus::Active,
        unpaid_invoices: 0,
        offers_granted: Vec::new(),
        preferred_channel: Some(PreferredChannel::Email),
        plan_price: Some(usd(31_000)),
        billing_period_start: Some(jiff::civil::date(2026, 12, 1)),
        billing_period_end: Some(jiff::civil::date(2027, 1, 1)),
        account_name: Some("Acme Inc".into()),
        contact_name: Some("Ana Silva".into()),
        total_collected: Some(usd(1_240_000)),
        customer_since: Some(jiff::civil::date(2024, 3, 5)),
        ..AccountFacts::default()
    }
}

/// The key the tests' decider seals one-time codes with.
pub fn code_key() -> CodeKey {
    CodeKey::new("device", [42; 32])
}

/// A code sent as typed.
pub fn send_code(code: &str, contact: &str) -> CaseCommand {
    CaseCommand::SendOneTimeCode {
        code: OneTimeCode::typed(code),
        contact: contact.into(),
    }
}

/// A code read back as typed.
pub fn enter_code(code: &str) -> CaseCommand {
    CaseCommand::EnterOneTimeCode {
        code: OneTimeCode::typed(code),
    }
}

/// A case and everything that happened to it, driven command by command.
pub struct Case {
    pub policy: Policy,
    pub account: AccountFacts,
    pub state: Option<CaseState>,
    pub events: Vec<CaseEvent>,
}

impl Case {
    pub fn new(policy: Policy, account: AccountFacts) -> Self {
        Case {
            policy,
            account,
            state: None,
            events: Vec::new(),
        }
    }

    pub fn run(
        &mut self,
        actor: &Actor,
        command: CaseCommand,
    ) -> Result<Vec<CaseEvent>, CoreError> {
        self.run_at(actor, command, now())
    }

    /// Runs `command` as if it were `at` (codes expire, deadlines pass).
    pub fn run_at(
        &mut self,
        actor: &Actor,
        command: CaseCommand,
        at: Timestamp,
    ) -> Result<Vec<CaseEvent>, CoreError> {
        // The decider seals a typed one-time code with its key, as the store and server do.
        let case_id = match (&self.state, &command) {
            (Some(state), _) => state.id,
            (None, CaseCommand::Receive { case_id, .. }) => *case_id,
            (None, _) => Uuid::nil(),
        };
        let command = code_key().seal(case_id, &command)?;
        let events = decide(
            self.state.as_ref(),
            &command,
            actor,
            &self.policy,
            &self.account,
            at,
        )?;
        for event in &events {
            self.state = evolve(self.state.take(), event);
        }
        self.events.extend(events.clone());
        Ok(events)
    }

    /// Decides `command` as it is, sealed or not: for codes another decider sealed.
    pub fn run_unsealed(
        &mut self,
        actor: &Actor,
        command: &CaseCommand,
    ) -> Result<Vec<CaseEvent>, CoreError> {
        let events = decide(
            self.state.as_ref(),
            command,
            actor,
            &self.policy,
            &self.account,
            now(),
        )?;
        for event in &events {
            self.state = evolve(self.state.take(), event);
        }
        self.events.extend(events.clone());
        Ok(events)
    }

    pub fn ok(&mut self, actor: &Actor, command: CaseCommand) -> Vec<CaseEvent> {
        let described = format!("{command:?}");
        self.run(actor, command)
            .unwrap_or_else(|error| panic!("{described} was refused: {error}"))
    }

    /// The digest `code` is recorded with on this case, under the tests' key.
    pub fn code_digest(&self, code: &str) -> String {
        match code_key().seal(self.state().id, &enter_code(code)) {
            Ok(CaseCommand::EnterOneTimeCode {
                code: OneTimeCode::Sealed { digest, .. },
            }) => digest,
            other => panic!("{code:?} does not seal: {other:?}"),
        }
    }

    pub fn state(&self) -> &CaseState {
        self.state.as_ref().expect("the case exists")
    }

    pub fn received(policy: Policy, account: AccountFacts) -> Self {
        let mut case = Case::new(policy, account);
        case.ok(
            &actor(&[Role::AccountManager]),
            CaseCommand::Receive {
                case_id: Uuid::now_v7(),
                account_id: Uuid::now_v7(),
                channel: RequestChannel::Email,
                requester_name: "Ana Silva".into(),
                requester_contact: "ana@acme.io".into(),
                received_at: None,
            },
        );
        case
    }

    /// Received and verified by the e-mail address on file, or by a call back to the phone on
    /// file where the policy accepts only that.
    pub fn verified(policy: Policy, account: AccountFacts) -> Self {
        let by_phone = !policy
            .identity
            .methods
            .contains(&VerificationMethod::EmailOnFile)
            && policy
                .identity
                .methods
                .contains(&VerificationMethod::CallbackToPhoneOnFile);
        let phone = account.phone.clone();
        let mut case = Case::received(policy, account);
        let command = if by_phone {
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::CallbackToPhoneOnFile,
                contact_used: phone,
                evidence: "Called back the number on file".into(),
            }
        } else {
            CaseCommand::VerifyIdentity {
                method: VerificationMethod::EmailOnFile,
                contact_used: Some("ANA@acme.io".into()),
                evidence: "Replied from the address on file".into(),
            }
        };
        case.ok(&actor(&[Role::AccountManager]), command);
        case
    }
}

pub fn am() -> Actor {
    actor(&[Role::AccountManager])
}

/// A first response by phone, which the test policy accepts, noted on the case.
pub fn acknowledge_by_call() -> CaseCommand {
    CaseCommand::Acknowledge {
        channel: holdfast_core::policy::AcknowledgeChannel::Call,
        note: "Called Ana back".into(),
    }
}

/// The body the tests record for a confirmation message.
pub const CONFIRMATION_BODY: &str = "Your cancellation is confirmed.";

/// The confirmation message recorded as sent on `channel`.
pub fn confirmation_message(channel: PreferredChannel) -> CaseCommand {
    CaseCommand::RecordMessage {
        kind: holdfast_core::policy::MessageKind::Confirmation,
        channel,
        body: CONFIRMATION_BODY.into(),
        email: None,
    }
}

/// What recording the confirmation message on the preferred channel records: the message, and
/// the confirmation it is.
pub fn confirmation_sent(channel: PreferredChannel, at: Timestamp) -> Vec<CaseEvent> {
    vec![
        CaseEvent::MessageSent {
            message: holdfast_core::policy::MessageKind::Confirmation,
            channel,
            body: CONFIRMATION_BODY.into(),
            at,
            survey_link: None,
            email: None,
        },
        CaseEvent::CancellationConfirmed { channel, at },
    ]
}

impl Case {
    /// `by` confirms every item of the policy's finalization checklist that a person confirms
    /// and that comes `when` (before or after the finalization); returns how many.
    pub fn confirm_checklist(
        &mut self,
        by: &Actor,
        when: holdfast_core::policy::ChecklistWhen,
    ) -> usize {
        let items: Vec<String> = self
            .policy
            .finalization
            .checklist
            .iter()
            .filter(|item| item.when == when && item.step.is_none())
            .map(|item| item.id.clone())
            .collect();
        for item_id in &items {
            self.ok(
                by,
                CaseCommand::ConfirmChecklistItem {
                    item_id: item_id.clone(),
                    note: String::new(),
                },
            );
        }
        items.len()
    }

    /// `by` confirms the checklist's items that come before the finalization.
    pub fn confirm_checklist_before(&mut self, by: &Actor) -> usize {
        self.confirm_checklist(by, holdfast_core::policy::ChecklistWhen::Before)
    }
}

impl Case {
    /// `by` records the customer's reason for leaving, `reason_id` from the policy's taxonomy:
    /// where the policy routes on the reason, routing waits for it.
    pub fn capture_reason(&mut self, by: &Actor, reason_id: &str) -> Vec<CaseEvent> {
        self.ok(
            by,
            CaseCommand::CaptureReason {
                reason_id: reason_id.into(),
                details: String::new(),
                pain_points: vec![],
            },
        )
    }

    /// `by` records a retention attempt that did not keep the customer, with no offer made and
    /// `note` saying why: what a policy that puts retention before finalization waits for.
    pub fn retention_attempted(&mut self, by: &Actor, note: &str) -> Vec<CaseEvent> {
        self.ok(
            by,
            CaseCommand::RecordRetentionOutcome {
                retained: false,
                note: note.into(),
                mitigations_tried: vec![],
            },
        )
    }
}
