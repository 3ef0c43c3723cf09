// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit by hand:
// run `UPDATE_BINDINGS=1 cargo test -p holdfast bindings` after changing a command.

export type AppError = { "kind": "validation", field: string, message: string, } | { "kind": "invalid_rows", rows: Array<RowProblem>, } | { "kind": "not_found", entity: string, id: string, } | { "kind": "forbidden", message: string, } | { "kind": "conflict", message: string, } | { "kind": "locked", message: string, } | { "kind": "storage", message: string, } | { "kind": "internal", message: string, };

export type RowProblem = { line: number, 
/**
 * The column at fault, by its header name; `None` when the row as a whole is malformed.
 */
column: string | null, message: string, };

export type SessionStatus = { "state": "unlocked", profile_dir: string, } | { "state": "needs_new_passphrase", reason: string, } | { "state": "needs_passphrase" } | { "state": "failed", message: string, };

export type PassphraseArgs = { passphrase: string, };

export type ImportAccountsArgs = { 
/**
 * The CSV file to import, as an absolute path.
 */
path: string, };

export type ImportSummary = { created: number, updated: number, };

export type PreferredChannel = "email" | "phone" | "sms" | "chat";

export type Money = { 
/**
 * Minor units; a JavaScript number holds these exactly up to 2^53.
 */
minor: number, 
/**
 * The ISO 4217 code, e.g. "USD".
 */
currency: string, };

export type AccountDraft = { 
/**
 * The id the customer has in the company's own systems (CRM, billing); unique.
 */
external_id: string, name: string, contact_name: string | null, email: string | null, phone: string | null, preferred_channel: PreferredChannel, 
/**
 * The customer level the policy routes by (e.g. Essentials, Professional, SMB).
 */
tier: string, 
/**
 * The hosting server or region; the exit-interview link depends on it in some procedures.
 */
hosting_server: string | null, plan: string | null, mrr: Money, customer_since: string | null, total_collected: Money, accounts_receivable: Money, original_sales_rep: string | null, };

export type Account = { id: string, 
/**
 * The id the customer has in the company's own systems (CRM, billing); unique.
 */
external_id: string, name: string, contact_name: string | null, email: string | null, phone: string | null, preferred_channel: PreferredChannel, 
/**
 * The customer level the policy routes by (e.g. Essentials, Professional, SMB).
 */
tier: string, 
/**
 * The hosting server or region; the exit-interview link depends on it in some procedures.
 */
hosting_server: string | null, plan: string | null, mrr: Money, customer_since: string | null, total_collected: Money, accounts_receivable: Money, original_sales_rep: string | null, };

export type AccountCursor = { name_key: string, id: string, };

export type AccountQuery = { 
/**
 * Finds accounts whose name, e-mail or phone contains this text (case-insensitive; phone
 * numbers are compared by their digits).
 */
search: string | null, after: AccountCursor | null, limit: number | null, };

export type AccountPage = { items: Array<Account>, 
/**
 * The cursor for the next page; `None` on the last page.
 */
next: AccountCursor | null, };

export type RequestChannel = "email" | "phone" | "chat" | "web_form" | "sms";

export type CaseStatus = "received" | "in_progress" | "saved" | "cancelled" | "withdrawn" | "verification_failed";

export type OpenCase = { account_id: string, channel: RequestChannel, 
/**
 * Who asked to cancel, as they introduced themselves; verified in a later step.
 */
requester_name: string, 
/**
 * How to reach the requester (an e-mail address or a phone number, as given).
 */
requester_contact: string, 
/**
 * When the request arrived; the moment of opening when not given.
 */
received_at: string | null, };

export type CaseSummary = { id: string, account_id: string, account_name: string, account_tier: string, status: CaseStatus, channel: RequestChannel, requester_name: string, requester_contact: string, received_at: string, opened_at: string, };

export type CaseCursor = { received_at: string, id: string, };

export type InboxQuery = { after: CaseCursor | null, limit: number | null, };

export type CasePage = { items: Array<CaseSummary>, next: CaseCursor | null, };

export type TimelineEntry = { seq: number, kind: string, actor: string, policy_version: string, recorded_at: string, 
/**
 * The event itself, as recorded.
 */
event: Record<string, unknown>, };

export type Gate = "identity_verified" | "form_received" | "csm_engaged" | "invoices_written_off" | "request_logged" | "offer_approved" | "second_verifier" | "refund_verified";

export type Blocker = { gate: Gate, reason: string, };

export type Route = "save_call" | "sympathetic_reply" | "escalate_to_csm" | "manager_retention" | "continue";

export type OfferKind = "discount" | "credit" | "tier_upgrade" | "freeze" | "priority_support" | "strategy_session" | "integration_help" | "flexible_terms" | "custom_pricing" | "order_discount" | "free_expedited_shipping" | "product_swap" | "next_order_coupon";

export type OfferTerms = { id: string, kind: OfferKind, label: string, max_percent: number | null, 
/**
 * When set, the percentage must be one of these (e.g. 10 or 15).
 */
percent_choices: Array<number>, max_months: number | null, max_amount: Money | null, 
/**
 * May be granted to an account only once, ever.
 */
once_per_account: boolean, 
/**
 * Always needs approval, whatever its terms.
 */
needs_approval: boolean, };

export type PendingOffer = { offer_id: string, needs_approval: boolean, approved: boolean, };

export type Checklist = { status: CaseStatus, acknowledged: boolean, identity_verified: boolean, verification_methods: Array<VerificationMethod>, 
/**
 * The policy has a cancellation request form; these are its fields.
 */
form_fields: Array<string> | null, form_sent: boolean, form_received: boolean, route: Route | null, 
/**
 * The procedure involves a CSM (its gate), or the case was escalated to one.
 */
csm_step: boolean, escalated_to: string | null, csm_engaged: boolean, retention_outcome_due: boolean, offer_pending: PendingOffer | null, 
/**
 * The policy's currency, in which offers and refunds are made.
 */
currency: string, 
/**
 * The policy's offer catalogue with its limits, for the offer composer.
 */
offers: Array<OfferTerms>, 
/**
 * Offers this account accepted before, on any case.
 */
offers_granted: Array<string>, blockers: Array<Blocker>, ready_to_finalize: boolean, };

export type OfferCheckArgs = { case_id: string, offer_id: string, terms: OfferProposal, };

export type OfferCheck = { 
/**
 * Outside the policy's limits: it can be proposed, but not accepted before approval.
 */
needs_approval: boolean, };

export type Queue = "my_tasks" | "escalations" | "refund_approvals" | "refunds_to_process" | "finalizations";

export type QueueArgs = { queue: Queue, };

export type QueueCounts = { my_tasks: number, escalations: number, refund_approvals: number, refunds_to_process: number, finalizations: number, };

export type CaseDetail = { summary: CaseSummary, checklist: Checklist | null, timeline: Array<TimelineEntry>, };

export type CaseArgs = { case_id: string, };

export type VerificationMethod = "email_on_file" | "callback_to_phone_on_file" | "one_time_code" | "security_question";

export type OfferProposal = { percent: number | null, months: number | null, amount: Money | null, note: string, };

export type CaseCommand = { "command": "receive", case_id: string, account_id: string, channel: RequestChannel, requester_name: string, requester_contact: string, received_at: string | null, } | { "command": "acknowledge" } | { "command": "verify_identity", method: VerificationMethod, 
/**
 * The e-mail address or phone number used; it must be the one on file.
 */
contact_used: string | null, evidence: string, } | { "command": "send_one_time_code", 
/**
 * Hex SHA-256 of the code.
 */
code_hash: string, 
/**
 * The e-mail address or phone number the code went to; it must be one on file.
 */
contact: string, } | { "command": "enter_one_time_code", code_hash: string, } | { "command": "fail_verification", note: string, } | { "command": "send_form", how: string, } | { "command": "remind_form" } | { "command": "receive_form", fields: { [key in string]: string }, } | { "command": "capture_reason", reason_id: string, details: string, pain_points: Array<string>, } | { "command": "route" } | { "command": "escalate", csm: string, note: string, } | { "command": "record_csm_outcome", retained: boolean, note: string, } | { "command": "record_retention_outcome", retained: boolean, note: string, } | { "command": "propose_offer", offer_id: string, terms: OfferProposal, } | { "command": "approve_offer" } | { "command": "accept_offer" } | { "command": "decline_offer" } | { "command": "log_request" } | { "command": "write_off_invoices", amount: Money, invoices: number, } | { "command": "request_refund", refund_id: string, amount: Money, 
/**
 * Why the customer is entitled to the refund.
 */
justification: string, } | { "command": "verify_refund", refund_id: string, } | { "command": "complete_refund", refund_id: string, } | { "command": "deny_refund", refund_id: string, 
/**
 * Told to the customer.
 */
reason: string, } | { "command": "finalize", effective_date: string, 
/**
 * Whether the customer was offered an export of their data.
 */
data_export_offered: boolean, } | { "command": "confirm_cancellation", channel: PreferredChannel, } | { "command": "record_feedback", text: string, 
/**
 * The exit-survey link sent, if any.
 */
survey_link: string | null, } | { "command": "schedule_win_back" } | { "command": "withdraw", note: string, };

export type CaseCommandArgs = { case_id: string, command: CaseCommand, };

export type Role = "account_manager" | "csm" | "manager" | "billing" | "sales" | "admin";

export type LocalUser = { name: string, roles: Array<Role>, };

export type PolicySummary = { id: string, name: string, version: number, };

export type DeskProfile = { user: LocalUser | null, policy: PolicySummary | null, };

export type ChoosePolicyArgs = { preset_id: string, };

/** Every command the window may call, with its argument and result. */
export type Commands = {
  session_status: { args: null; result: SessionStatus };
  create_passphrase: { args: PassphraseArgs; result: SessionStatus };
  unlock_with_passphrase: { args: PassphraseArgs; result: SessionStatus };
  choose_accounts_file: { args: null; result: string | null };
  import_accounts: { args: ImportAccountsArgs; result: ImportSummary };
  list_accounts: { args: AccountQuery; result: AccountPage };
  open_case: { args: OpenCase; result: CaseSummary };
  list_inbox: { args: InboxQuery; result: CasePage };
  case_detail: { args: CaseArgs; result: CaseDetail };
  run_case_command: { args: CaseCommandArgs; result: CaseDetail };
  check_offer: { args: OfferCheckArgs; result: OfferCheck };
  list_queue: { args: QueueArgs; result: Array<CaseSummary> };
  queue_counts: { args: null; result: QueueCounts };
  desk_profile: { args: null; result: DeskProfile };
  list_policy_presets: { args: null; result: Array<PolicySummary> };
  choose_policy: { args: ChoosePolicyArgs; result: PolicySummary };
  set_local_user: { args: LocalUser; result: LocalUser };
  policy_sentences: { args: null; result: Array<string> };
};
