// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit by hand:
// run `UPDATE_BINDINGS=1 cargo test -p holdfast bindings` after changing a command.

export type AppError = { "kind": "validation", field: string, message: string, } | { "kind": "invalid_arguments", command: string, field: string | null, message: string, } | { "kind": "invalid_rows", rows: Array<RowProblem>, } | { "kind": "not_found", entity: string, id: string, } | { "kind": "forbidden", message: string, } | { "kind": "conflict", message: string, } | { "kind": "locked", message: string, } | { "kind": "storage", message: string, } | { "kind": "internal", message: string, } | { "kind": "update", message: string, };

export type RowProblem = { line: number, 
/**
 * The column at fault, by its header name; `None` when the row as a whole is malformed.
 */
column: string | null, message: string, };

export type SessionStatus = { "state": "unlocked", profile_dir: string, } | { "state": "needs_new_passphrase", reason: string, } | { "state": "needs_passphrase" } | { "state": "failed", message: string, };

export type SyncState = "local_only" | "signed_out" | "offline" | "online" | "syncing" | "halted";

export type ServerUser = { name: string, roles: Array<Role>, active: boolean, };

export type SyncStatus = { state: SyncState, server: string | null, organisation: string | null, user: ServerUser | null, 
/**
 * Commands decided here that the server has not confirmed yet.
 */
pending: number, 
/**
 * RFC 3339, UTC.
 */
last_sync_at: string | null, last_error: string | null, 
/**
 * Rejections and conflicts waiting for the user.
 */
attention: number, halted: string | null, 
/**
 * How many of the organisation's events this device holds: when it grows, a round brought
 * the team's work, and the desk's lists reload.
 */
synced_events: number, };

export type ServerSignIn = { address: string, organisation: string, user: string, password: string, };

export type NoticeProblem = { "kind": "rejected", message: string, } | { "kind": "conflict", message: string, };

export type SyncNotice = { seq: number, case_id: string | null, command: string, actor: string, decided_at: string, problem: NoticeProblem, 
/**
 * The server answered (`true`), or the device expects this answer (`false`).
 */
settled: boolean, };

export type DismissNoticeArgs = { seq: number, };

export type PendingExport = { path: string, 
/**
 * Pending commands in the file.
 */
commands: number, };

export type RejoinArgs = { 
/**
 * Given when the session kept in the OS keyring is gone or the restored server no longer
 * knows it; otherwise that session is used.
 */
password: string | null, };

export type Rejoined = { 
/**
 * Pending commands queued again on top of the server's history.
 */
requeued: number, status: SyncStatus, };

export type PassphraseArgs = { passphrase: string, };

export type ImportAccountsArgs = { 
/**
 * The file to import, as an absolute path.
 */
path: string, 
/**
 * The fingerprint the preview showed: the import is refused if the file changed since.
 */
fingerprint: string, 
/**
 * The mapping the preview used.
 */
mapping?: ColumnMapping, };

export type ImportSummary = { created: number, updated: number, 
/**
 * Rows identical to the stored account; they are not written.
 */
unchanged: number, 
/**
 * Stored accounts the file does not name (sample accounts aside): a re-import lists them and
 * leaves them as they are, with their cases.
 */
not_in_file: number, };

export type PreviewImportArgs = { 
/**
 * The CSV or XLSX file to preview, as an absolute path.
 */
path: string, 
/**
 * How its columns become accounts; without one, the file must be Holdfast's own export
 * (its 15 columns by name).
 */
mapping?: ColumnMapping, };

export type RowChange = "new" | "updated" | "unchanged";

export type PreviewRow = { change: RowChange, account: AccountDraft, };

export type ImportPreview = { "verdict": "ready", 
/**
 * Identifies the file's contents; the import passes it back.
 */
fingerprint: string, 
/**
 * Accounts whose external id is not stored yet.
 */
created: number, 
/**
 * Stored accounts (by external id) that the file changes.
 */
updated: number, 
/**
 * Stored accounts the file repeats exactly; importing leaves them alone.
 */
unchanged: number, 
/**
 * Stored accounts the file does not name; importing leaves them as they are.
 */
not_in_file: NotInFile, 
/**
 * The first rows of the file.
 */
rows: Array<PreviewRow>, } | { "verdict": "invalid", problems: Array<RowProblem>, };

export type NotInFile = { count: number, 
/**
 * Up to `NOT_IN_FILE_SHOWN` of them, by name.
 */
first: Array<NotInFileAccount>, };

export type NotInFileAccount = { external_id: string, name: string, };

export type ImportFileArgs = { 
/**
 * The CSV or XLSX file, as an absolute path.
 */
path: string, };

export type ImportFile = { "verdict": "read", 
/**
 * "csv" or "xlsx".
 */
format: string, headers: Array<string>, 
/**
 * The first rows' cells, to show beside the columns.
 */
sample: Array<Array<string>>, rows: number, proposal: Proposal, presets: Array<PresetForFile>, saved: Array<SavedMapping>, fields: Array<FieldInfo>, } | { "verdict": "unreadable", problems: Array<RowProblem>, };

export type FieldInfo = { field: AccountField, kind: FieldKind, required: boolean, 
/**
 * Only a column can fill it (one value for every row would make every account the same).
 */
per_account: boolean, };

export type PresetForFile = { preset: PresetInfo, mapping: ColumnMapping, 
/**
 * How many of the preset's fields the file has; 0 when it lacks the preset's id column.
 */
matched: number, };

export type PresetInfo = { id: string, name: string, source: string, };

export type Proposal = { origin: ProposalOrigin, mapping: ColumnMapping, };

export type ProposalOrigin = { "kind": "holdfast" } | { "kind": "saved", name: string, } | { "kind": "preset", id: string, name: string, } | { "kind": "guessed" };

export type SavedMapping = { name: string, mapping: ColumnMapping, };

export type SaveMappingArgs = { name: string, mapping: ColumnMapping, };

export type MappingNameArgs = { name: string, };

export type AccountField = "external_id" | "name" | "contact_name" | "email" | "phone" | "preferred_channel" | "tier" | "hosting_server" | "plan" | "mrr" | "currency" | "customer_since" | "total_collected" | "accounts_receivable" | "original_sales_rep" | "unpaid_invoices" | "plan_price" | "billing_period_start" | "billing_period_end" | "account_manager";

export type FieldKind = "text" | "date" | "amount" | "count" | "channel" | "currency";

export type ColumnMapping = { fields: Array<FieldMapping>, };

export type FieldMapping = { field: AccountField, source: FieldSource, };

export type FieldSource = { "kind": "column", columns: Array<string>, transform: Transform, } | { "kind": "fixed", value: string, };

export type Transform = { "kind": "text" } | { "kind": "date", order: DateOrder, } | { "kind": "amount", unit: AmountUnit, } | { "kind": "flag", when_true: string, when_false: string, };

export type DateOrder = "month_first" | "day_first";

export type AmountUnit = "major" | "minor";

export type SampleData = { loaded_at: string, accounts: number, cases: number, };

export type SampleRemoved = { accounts: number, cases: number, 
/**
 * Events of the sample's cases taken out of the log.
 */
events: number, 
/**
 * Events after the sample's first one that were kept and linked again.
 */
relinked: number, };

export type AccountArgs = { account_id: string, };

export type Stamp = { 
/**
 * The user id of whoever took the step.
 */
by: string, at: string, };

export type AccountCase = { id: string, status: CaseStatus, channel: RequestChannel, requester_name: string, received_at: string, 
/**
 * The cancellation reason's id, once captured.
 */
reason_id: string | null, 
/**
 * The reason's label under the profile's policy, when the policy knows it.
 */
reason: string | null, 
/**
 * Who holds the case now (a save call's assignee, the CSM it was escalated to).
 */
owner: string | null, };

export type OfferOutcome = "pending" | "accepted" | "declined";

export type AccountOffer = { case_id: string, offer_id: string, 
/**
 * The offer's label in the profile's policy, when the policy still has it.
 */
label: string | null, terms: OfferProposal, 
/**
 * It was outside the policy's limits, so it needed someone's approval.
 */
needs_approval: boolean, proposed: Stamp, approved: Stamp | null, outcome: OfferOutcome, 
/**
 * Who recorded the customer's answer, and when.
 */
answered: Stamp | null, };

export type RefundProgress = "requested" | "under_review" | "verified" | "completed" | "denied";

export type AccountRefund = { case_id: string, refund_id: string, amount: Money, justification: string, status: RefundProgress, requested: Stamp, verified: Stamp | null, completed: Stamp | null, denied: Stamp | null, denial_reason: string | null, };

export type AccountDetail = { account: Account, 
/**
 * The account's cases, the most recently received first.
 */
cases: Array<AccountCase>, 
/**
 * The offers proposed on any of its cases, the latest first.
 */
offers: Array<AccountOffer>, 
/**
 * The refunds requested on any of its cases, the latest first.
 */
refunds: Array<AccountRefund>, };

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
hosting_server: string | null, plan: string | null, mrr: Money, customer_since: string | null, total_collected: Money, 
/**
 * What the customer owes now; `None` when the export left it empty: unknown, which is not
 * zero (routing by A/R never treats an unknown balance as nothing owed).
 */
accounts_receivable: Money | null, original_sales_rep: string | null, 
/**
 * Unpaid invoices on the account, from the billing system; some procedures write them off
 * before cancelling.
 */
unpaid_invoices: number, 
/**
 * The plan's price for one billing period, in the account's currency; the prorated refund
 * at cancellation is computed from it.
 */
plan_price: Money | null, 
/**
 * The first day of the billing period paid for.
 */
billing_period_start: string | null, 
/**
 * The first day after the billing period paid for (the next period's start): December is
 * 2026-12-01 to 2027-01-01. Set together with the start, and after it.
 */
billing_period_end: string | null, 
/**
 * The person who manages the account (a name); policies that route high-value accounts to
 * their manager send the case to them.
 */
account_manager: string | null, };

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
hosting_server: string | null, plan: string | null, mrr: Money, customer_since: string | null, total_collected: Money, 
/**
 * What the customer owes now; `None` when the export left it empty: unknown, which is not
 * zero (routing by A/R never treats an unknown balance as nothing owed).
 */
accounts_receivable: Money | null, original_sales_rep: string | null, 
/**
 * Unpaid invoices on the account, from the billing system; some procedures write them off
 * before cancelling.
 */
unpaid_invoices: number, 
/**
 * The plan's price for one billing period, in the account's currency; the prorated refund
 * at cancellation is computed from it.
 */
plan_price: Money | null, 
/**
 * The first day of the billing period paid for.
 */
billing_period_start: string | null, 
/**
 * The first day after the billing period paid for (the next period's start): December is
 * 2026-12-01 to 2027-01-01. Set together with the start, and after it.
 */
billing_period_end: string | null, 
/**
 * The person who manages the account (a name); policies that route high-value accounts to
 * their manager send the case to them.
 */
account_manager: string | null, };

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

export type CaseSummary = { id: string, account_id: string, account_name: string, account_tier: string, status: CaseStatus, channel: RequestChannel, requester_name: string, requester_contact: string, received_at: string, opened_at: string, 
/**
 * The first-response deadline, in the policy's business hours (set when the case is received).
 */
first_response_due?: string | null, 
/**
 * When the first response went out; `None` while the first-response clock runs.
 */
acknowledged_at?: string | null, 
/**
 * The cancellation reason, once captured (an id of the policy's reasons).
 */
reason_id?: string | null, 
/**
 * Who holds the case now (the save-call rep or the CSM it was escalated to).
 */
owner?: string | null, };

export type InboxSort = "newest" | "due_soonest" | "account_name";

export type OwnerFilter = { "kind": "unassigned" } | { "kind": "person", name: string, };

export type DueFilter = { "kind": "overdue" } | { "kind": "due_within", hours: number, };

export type CaseCursor = { "sort": "newest", received_at: string, id: string, } | { "sort": "due_soonest", first_response_due: string | null, id: string, } | { "sort": "account_name", 
/**
 * The account's lower-cased name, as the accounts list sorts it.
 */
account_name_key: string, account_id: string, id: string, };

export type InboxQuery = { 
/**
 * Cases in any of these statuses; empty means every status.
 */
statuses: Array<CaseStatus>, owner: OwnerFilter | null, 
/**
 * The account's tier, exactly.
 */
tier: string | null, reason_id: string | null, due: DueFilter | null, 
/**
 * Finds cases whose account name, requester name or requester contact contains this text
 * (case-insensitive).
 */
search: string | null, sort: InboxSort, 
/**
 * The `next` of the previous page, read with the same filters and sort.
 */
after: CaseCursor | null, limit: number | null, };

export type ReasonOption = { id: string, 
/**
 * The policy's label; the id itself for a reason the current policy no longer has.
 */
label: string, };

export type InboxFacets = { 
/**
 * Everyone who holds a case, by name.
 */
owners: Array<string>, 
/**
 * Every account tier, by name.
 */
tiers: Array<string>, 
/**
 * The policy's reasons in its order, then any other reason a case has.
 */
reasons: Array<ReasonOption>, };

export type CasePage = { items: Array<CaseSummary>, 
/**
 * The cursor for the next page; `None` on the last page.
 */
next: CaseCursor | null, };

export type TimelineEntry = { seq: number, kind: string, 
/**
 * Who did it: the user's stable id, as recorded.
 */
actor: string, 
/**
 * The name to show for `actor` now (their current name; the id when unknown).
 */
actor_name: string, policy_version: string, recorded_at: string, 
/**
 * The event itself, as recorded.
 */
event: Record<string, unknown>, };

export type Gate = "identity_verified" | "form_received" | "csm_engaged" | "invoices_written_off" | "request_logged" | "cancellation_sheet_complete" | "offer_approved" | "second_verifier" | "refund_verified" | "second_approver" | "retention_attempted" | "reason_captured" | "checklist_item";

export type Blocker = { gate: Gate, reason: string, };

export type Route = "save_call" | "sympathetic_reply" | "escalate_to_csm" | "manager_retention" | "continue" | "hand_off";

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

export type PendingOffer = { offer_id: string, terms: OfferProposal, needs_approval: boolean, approved: boolean, 
/**
 * Who proposed it; someone else approves it.
 */
proposed_by: string, };

export type NextActionId = "acknowledge" | "verify" | "send_form" | "form_received" | "reason" | "route" | "retention" | "offer" | "approve_offer" | "accept_offer" | "decline_offer" | "escalate" | "refund" | "write_off" | "log" | "finalize" | "withdraw" | "confirm" | "feedback" | "win_back" | "verify_refund" | "complete_refund" | "enter_receivable" | "hand_off" | "send_reply" | "refund_status_check";

export type NextAction = { id: NextActionId, label: string, step: Step, 
/**
 * The refund that `verify_refund`, `complete_refund` and `refund_status_check` act on; one
 * action per refund.
 */
refund_id: string | null, 
/**
 * Why the current user may not take it, in the engine's words; `None` when they may.
 */
disabled_reason: string | null, };

export type Checklist = { status: CaseStatus, acknowledged: boolean, identity_verified: boolean, 
/**
 * Verified by a one-time code this desk accepted without being able to check it: its team
 * server checks the code at the next sync and may still find it wrong.
 */
identity_provisional: boolean, 
/**
 * Set when the identity was verified through an e-mail address or phone number that is no
 * longer on file (the account was imported again with another contact): the verification no
 * longer counts (`identity_verified` is false) and the case page shows this as an alert.
 */
contact_warning: string | null, verification_methods: Array<VerificationMethod>, 
/**
 * The one-time code waiting to be read back, if one was sent.
 */
one_time_code: CodeStatus | null, 
/**
 * The policy has a cancellation request form; these are its fields.
 */
form_fields: Array<string> | null, form_sent: boolean, form_reminders: number, form_received: boolean, 
/**
 * The policy's reason taxonomy, and the reason recorded on the case.
 */
reasons: Array<ReasonChoice>, reason_id: string | null, route: Route | null, 
/**
 * The procedure involves a CSM (its gate), or the case was escalated to one.
 */
csm_step: boolean, escalated_to: string | null, csm_engaged: boolean, retention_outcome_due: boolean, offer_pending: PendingOffer | null, 
/**
 * Offers proposed on this case, in order.
 */
offers_proposed: Array<string>, 
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
offers_granted: Array<string>, 
/**
 * Refunds above this need a second person's verification.
 */
refund_threshold: Money, 
/**
 * Whether the threshold is compared with each request or with the case's total.
 */
refund_threshold_applies_to: ThresholdScope, 
/**
 * Refunds are possible up to this many days after the charge; the refund form then asks
 * for the charge date.
 */
refund_window_days: number | null, 
/**
 * The case's refunds with what whoever approves them needs to see: the amount, who
 * requested it and why (`justification`), the charge date, why it is under review, and
 * whether billing had a heads-up.
 */
refunds: Array<Refund>, 
/**
 * Unpaid invoices on the account, and how many this case wrote off.
 */
unpaid_invoices: number, invoices_written_off: number, 
/**
 * The policy asks for the request to be logged (the cancellation sheet).
 */
log_required: boolean, 
/**
 * The case's open tasks (a save call, an escalation, billing's work, a hand-off), who has
 * each and what it says, from the same projection the queues read.
 */
open_tasks: Array<OpenTask>, 
/**
 * The case's row of the cancellation sheet, where the policy keeps one (`log_required`).
 */
cancellation_sheet: CancellationSheetRow | null, logged: boolean, finalization: Finalization | null, 
/**
 * The account's preferred channel, on which the confirmation must go out.
 */
preferred_channel: PreferredChannel | null, confirmed_on: PreferredChannel | null, feedback_recorded: boolean, 
/**
 * The exit-survey link for the account's hosting server, if the policy has one.
 */
survey_link: string | null, 
/**
 * The policy schedules win-back check-ins (months after the effective date).
 */
win_back_months: Array<number>, win_back_check_ins: Array<string> | null, 
/**
 * The policy's message templates, and those recorded as sent on this case.
 */
messages: Array<MessageKind>, messages_sent: Array<MessageKind>, blockers: Array<Blocker>, ready_to_finalize: boolean, 
/**
 * For every step, whether the current user may take it.
 */
permissions: Array<StepPermission>, 
/**
 * What the case can take now, for the command palette, each with the reason the current
 * user may not take it.
 */
next_actions: Array<NextAction>, 
/**
 * The one step the case page leads with for the current user: the first of the next actions
 * that the procedure needs now and that this user may take (see `next_actions::next_step`).
 * `None` when nothing is waiting on them (the case waits for someone else, or is done).
 */
next_step: NextActionId | null, 
/**
 * Guarded steps the sync server did not apply because the case had moved.
 */
conflicts: Array<SyncConflict>, 
/**
 * Routing needs the accounts receivable and nobody knows them: the desk asks for them.
 */
receivable_needed: boolean, 
/**
 * The accounts receivable entered on the case, if any.
 */
receivable_entered: Money | null, 
/**
 * Routing waits for the reason, because the policy routes on it.
 */
reason_needed_for_route: boolean, 
/**
 * Who holds the case: a person or team, or a role.
 */
owner: string | null, owner_role: Role | null, 
/**
 * The policy's finalization checklist, each item with who did it.
 */
finalization_checklist: Array<ChecklistItemStatus>, 
/**
 * A message with the account's exit-survey link was sent.
 */
survey_link_sent: boolean, 
/**
 * The message the route decided on (a sympathetic reply with the exit-survey link), while
 * it has not gone out: the desk opens it drafted, one action from sent.
 */
reply_due: MessageKind | null, 
/**
 * How the policy lets the first response reach the customer: `message` (recording the
 * acknowledgement message) and any other way it accepts (a call, recorded with a note).
 */
acknowledge_by: Array<AcknowledgeChannel>, 
/**
 * The channel the confirmation message went out on after the cancellation, if it did.
 */
confirmation_sent_on: PreferredChannel | null, 
/**
 * The win-back check-ins with their assignee and outcome, once scheduled.
 */
win_back: Array<WinBackCheckIn>, 
/**
 * Where the form is submitted and how it is filled in (the policy's), sent with the form.
 */
form_submit_to: string | null, form_instructions: string | null, 
/**
 * When the form reminder is due, while the form has not come back.
 */
form_reminder_due: string | null, 
/**
 * The issued refunds whose status check is due (its time has come) and not recorded, when
 * the checklist was built with the time (`checklist_at`); such a check leads the case page.
 * Each refund's `status_check_due` says when its check falls, due or not.
 */
refund_checks_due: Array<string>, };

export type OfferCheckArgs = { case_id: string, offer_id: string, terms: OfferProposal, };

export type OfferCheck = { 
/**
 * Outside the policy's limits: it can be proposed, but not accepted before approval.
 */
needs_approval: boolean, };

export type Queue = "my_tasks" | "escalations" | "refund_approvals" | "refunds_to_process" | "offer_approvals" | "finalizations" | "win_back";

export type QueueUse = { queue: Queue, 
/**
 * Why no case or task can ever reach the queue under this procedure; `None` when one can.
 */
unused_because?: string | null, };

export type QueueArgs = { queue: Queue, };

export type QueueCounts = { my_tasks: number, escalations: number, refund_approvals: number, refunds_to_process: number, offer_approvals: number, finalizations: number, win_back: number, };

export type TaskKind = "save_call" | "csm_escalation" | "refund_review" | "refund_processing" | "win_back" | "hand_off" | "billing_heads_up" | "form_reminder" | "refund_status_check";

export type QueueTask = { id: string, kind: TaskKind, assignee?: string | null, assignee_role?: Role | null, 
/**
 * What the work is about, without opening the case (the number to call and the reason, why
 * it was handed off, a refund's amount and justification).
 */
detail?: string | null, due_at: string, };

export type QueueItem = { task?: QueueTask | null, id: string, account_id: string, account_name: string, account_tier: string, status: CaseStatus, channel: RequestChannel, requester_name: string, requester_contact: string, received_at: string, opened_at: string, 
/**
 * The first-response deadline, in the policy's business hours (set when the case is received).
 */
first_response_due?: string | null, 
/**
 * When the first response went out; `None` while the first-response clock runs.
 */
acknowledged_at?: string | null, 
/**
 * The cancellation reason, once captured (an id of the policy's reasons).
 */
reason_id?: string | null, 
/**
 * Who holds the case now (the save-call rep or the CSM it was escalated to).
 */
owner?: string | null, };

export type CaseDetail = { summary: CaseSummary, 
/**
 * The customer's account, for the case page's header.
 */
account: Account, checklist: Checklist | null, timeline: Array<TimelineEntry>, };

export type CaseArgs = { case_id: string, };

export type VerificationMethod = "email_on_file" | "callback_to_phone_on_file" | "one_time_code" | "security_question";

export type OfferProposal = { percent: number | null, months: number | null, amount: Money | null, note: string, };

export type CaseCommand = { "command": "receive", case_id: string, account_id: string, channel: RequestChannel, requester_name: string, requester_contact: string, received_at: string | null, } | { "command": "acknowledge", channel: AcknowledgeChannel, note: string, } | { "command": "verify_identity", method: VerificationMethod, 
/**
 * The e-mail address or phone number used; it must be the one on file.
 */
contact_used: string | null, evidence: string, } | { "command": "send_one_time_code", code: { form: "typed", code: string }, 
/**
 * The e-mail address or phone number the code went to; it must be one on file.
 */
contact: string, } | { "command": "enter_one_time_code", code: { form: "typed", code: string }, } | { "command": "fail_verification", note: string, } | { "command": "send_form", how: string, } | { "command": "remind_form" } | { "command": "receive_form", fields: { [key in string]: string }, } | { "command": "capture_reason", reason_id: string, details: string, pain_points: Array<string>, } | { "command": "route" } | { "command": "escalate", csm: string, note: string, } | { "command": "record_csm_outcome", retained: boolean, note: string, } | { "command": "record_retention_outcome", retained: boolean, note: string, 
/**
 * The captured reason's mitigations (from the policy) that were tried or declined.
 */
mitigations_tried: Array<string>, } | { "command": "propose_offer", offer_id: string, terms: OfferProposal, } | { "command": "approve_offer" } | { "command": "accept_offer" } | { "command": "decline_offer" } | { "command": "log_request" } | { "command": "write_off_invoices", amount: Money, invoices: number, } | { "command": "request_refund", refund_id: string, amount: Money, 
/**
 * Why the customer is entitled to the refund.
 */
justification: string, 
/**
 * The day of the charge refunded (as billing dated it). Required when the policy sets a
 * refund window.
 */
charged_on: string | null, } | { "command": "verify_refund", refund_id: string, } | { "command": "complete_refund", refund_id: string, } | { "command": "deny_refund", refund_id: string, 
/**
 * Told to the customer.
 */
reason: string, } | { "command": "record_refund_status_check", refund_id: string, 
/**
 * The customer confirmed they received it.
 */
received: boolean, 
/**
 * What the customer said; required when it did not arrive.
 */
note: string, } | { "command": "finalize", effective_date: string, 
/**
 * No longer recorded (the policy's checklist item records who offered the export);
 * accepted so that older desks' commands still parse.
 */
data_export_offered: boolean, } | { "command": "confirm_checklist_item", item_id: string, note: string, } | { "command": "record_win_back_outcome", check_in: number, outcome: WinBackOutcome, note: string, } | { "command": "confirm_cancellation", channel: PreferredChannel, } | { "command": "record_feedback", text: string, 
/**
 * The exit-survey link sent, if any.
 */
survey_link: string | null, } | { "command": "schedule_win_back" } | { "command": "withdraw", note: string, } | { "command": "add_note", text: string, } | { "command": "record_message", kind: MessageKind, channel: PreferredChannel, body: string, 
/**
 * Sent by the desk itself over SMTP: what the mail server said when it took the message
 * (issue 16). Absent when the person sent it (clipboard, mail client).
 */
email?: EmailReceipt, } | { "command": "enter_receivable", amount: Money, } | { "command": "hand_off", task_id: string | null, to: string | null, to_role: Role | null, reason: string, };

export type CaseCommandArgs = { case_id: string, command: CaseCommand, };

export type Role = "account_manager" | "csm" | "manager" | "billing" | "sales" | "admin";

export type LocalUser = { 
/**
 * Who they are, for every rule that compares people ("another person verifies"): created
 * once, kept when the name or roles change. A profile made before users had ids kept the
 * name it had then as its id; in a profile joined to a team server it is the server's user.
 */
id: string, 
/**
 * What the desk shows.
 */
name: string, roles: Array<Role>, };

export type LocalUserChange = { name: string, roles: Array<Role>, };

export type Person = { id: string, name: string, active: boolean, };

export type RepStatus = "active" | "left" | "unknown";

export type SalesRep = { name: string, 
/**
 * `active` or `left`.
 */
status: RepStatus, 
/**
 * When the roster last changed their status (or first listed them).
 */
changed_at: string, };

export type ImportRosterArgs = { 
/**
 * The CSV file (`name,status`, status `active` or `left`), as an absolute path.
 */
path: string, };

export type RosterImportSummary = { 
/**
 * Reps the roster did not list before.
 */
added: number, 
/**
 * Reps whose status the file changes.
 */
changed: number, 
/**
 * Reps listed with the status they already had.
 */
unchanged: number, };

export type PolicySummary = { id: string, name: string, version: number, 
/**
 * Every work queue and, for those the procedure can never fill, why: the rail dims them.
 */
queues: Array<QueueUse>, };

export type DeskProfile = { user: LocalUser | null, policy: PolicySummary | null, };

export type ChoosePolicyArgs = { preset_id: string, };

export type Step = "receive" | "verify_identity" | "track_form" | "capture_reason" | "route" | "propose_offer" | "approve_offer" | "record_offer_outcome" | "escalate" | "record_csm_outcome" | "record_retention_outcome" | "request_refund" | "approve_refund" | "complete_refund" | "write_off" | "finalize" | "confirm" | "record_feedback" | "schedule_win_back" | "hand_off" | "confirm_checklist_item" | "record_win_back_outcome" | "import_accounts" | "erase_personal_data";

export type StepPermission = { step: Step, 
/**
 * `None` when the user may take the step.
 */
refused: string | null, };

export type ReasonChoice = { id: string, label: string, 
/**
 * What the procedure suggests doing about it.
 */
mitigations: Array<string>, };

export type CodeStatus = { contact: string, expires_at: string, attempts_left: number, locked: boolean, };

export type RefundStatus = "under_review" | "billing_in_progress" | "completed" | "denied";

export type Refund = { refund_id: string, amount: Money, requested_by: string, 
/**
 * It needed a second person's verification when requested (see `review_reasons`).
 */
under_review: boolean, verified_by: string | null, status: RefundStatus, 
/**
 * Why the customer is entitled to it, as the requester wrote it, for whoever approves it.
 * The state kept by older versions lacks it (and the next three fields).
 */
justification: string, 
/**
 * The day of the charge refunded, when given.
 */
charged_on: string | null, 
/**
 * Billing was sent a heads-up about it.
 */
billing_heads_up: boolean, 
/**
 * Why it is under review; empty when it is not (or was requested before reasons were
 * recorded).
 */
review_reasons: Array<RefundReviewReason>, 
/**
 * When billing issued it (marked it completed).
 */
completed_at: string | null, 
/**
 * When the customer is to be asked whether it arrived, planned when it was issued under a
 * policy that asks for the check (`refunds.status_check_business_days`); `None` otherwise.
 */
status_check_due: string | null, 
/**
 * The status check, once recorded.
 */
status_check: RefundStatusCheck | null, };

export type SyncConflict = { command: string, by: string, base_version: number, server_version: number, at: string, };

export type Finalization = { effective_date: string, 
/**
 * Older cases only: the finalization used to record it without anyone confirming it.
 */
billing_cessation_date: string | null, prorated_refund: Money | null, 
/**
 * Older cases only; the checklist records who did it now.
 */
data_export_offered: boolean, 
/**
 * Older cases only; the checklist records who did it now.
 */
api_access_revoked: boolean, };

export type ChecklistWhen = "before" | "after";

export type ChecklistStep = "write_off" | "log" | "confirmation" | "exit_survey" | "win_back";

export type ChecklistItemStatus = { id: string, label: string, when: ChecklistWhen, 
/**
 * The step that does it; `None` when a person confirms it (`confirm_checklist_item`).
 */
step: ChecklistStep | null, done: boolean, 
/**
 * Who confirmed it, when, and their note (items a person confirms).
 */
confirmed_by: string | null, confirmed_at: string | null, note: string | null, };

export type CancellationSheetRow = { 
/**
 * The client: the account's contact, or the account when it names no contact.
 */
name: string | null, phone: string | null, 
/**
 * The date the cancellation takes effect once finalized; until then the date it was
 * requested.
 */
date_of_cancellation: string, total_collected: Money | null, 
/**
 * Whole months from the customer's start to the date of cancellation.
 */
months_in_program: number | null, 
/**
 * The reason's label in the policy's words.
 */
reason: string | null, };

export type OpenTask = { id: string, kind: TaskKind, assignee: string | null, assignee_role: Role | null, detail: string | null, due_at: string, };

export type WinBackOutcome = "reactivated" | "declined" | "no_answer";

export type WinBackCheckInOutcome = { outcome: WinBackOutcome, note: string, by: string, at: string, };

export type WinBackCheckIn = { 
/**
 * 1-based, for `record_win_back_outcome`.
 */
number: number, due: string, assignee: string | null, outcome: WinBackCheckInOutcome | null, };

export type AcknowledgeChannel = "message" | "call";

export type RefundReviewReason = "above_threshold" | "outside_window";

export type RefundStatusCheck = { 
/**
 * The customer confirmed they received the refund.
 */
received: boolean, 
/**
 * What the customer said; required when the refund did not arrive.
 */
note: string, by: string, at: string, };

export type ThresholdScope = "request" | "case";

export type MessageKind = "acknowledgement" | "sympathetic_reply" | "offer" | "offer_applied" | "under_review" | "refund_notice" | "confirmation" | "exit_survey" | "win_back";

export type Tally = { count: number, case_ids: Array<string>, };

export type Rate = { numerator: number, denominator: number, basis_points: number | null, };

export type Change = { current: number, previous: number, difference: number, basis_points: number | null, };

export type CurrencyTotal = { 
/**
 * The sum in minor units (saturating at the largest amount `Money` holds).
 */
amount: Money, count: number, case_ids: Array<string>, };

export type MoneyChange = { current: Money, previous: Money, change: Change, };

export type OutcomeFigures = { 
/**
 * Requests received (dated by when they were received).
 */
received: Tally, 
/**
 * Cases finalized (dated by the finalization).
 */
cancelled: Tally, 
/**
 * Cases saved, whichever way (dated by the step that saved them).
 */
saved: Tally, saved_by_offer: Tally, saved_by_csm: Tally, saved_by_retention_call: Tally, withdrawn: Tally, verification_failed: Tally, 
/**
 * Saved out of saved and cancelled; withdrawn requests and failed verifications are neither.
 */
save_rate: Rate, 
/**
 * The MRR of the accounts saved, per currency.
 */
revenue_saved: Array<CurrencyTotal>, 
/**
 * The MRR of the accounts cancelled, per currency.
 */
revenue_lost: Array<CurrencyTotal>, 
/**
 * Saved or cancelled cases whose account does not know its MRR (in neither revenue figure).
 */
mrr_unknown: Tally, };

export type IsoWeek = { year: number, week: number, 
/**
 * The Monday that starts it.
 */
starts_on: string, };

export type Month = { year: number, month: number, };

export type WeekFigures = { week: IsoWeek, figures: OutcomeFigures, };

export type MonthFigures = { month: Month, figures: OutcomeFigures, };

export type Group = { key: string | null, label: string, figures: OutcomeFigures, };

export type KeepingFigures = { kept: Tally, not_kept: Tally, 
/**
 * Fewer than 90 days since the save, no cancellation yet.
 */
pending: Tally, 
/**
 * Kept out of kept and not kept (pending saves are neither).
 */
keep_rate: Rate, };

export type OfferFunnel = { proposed: Tally, 
/**
 * Proposed outside the policy's limits (sent for approval).
 */
needed_approval: Tally, accepted: Tally, 
/**
 * Accepted out of proposed.
 */
acceptance_rate: Rate, keeping: KeepingFigures, };

export type OfferGroup = { offer_id: string, label: string, funnel: OfferFunnel, };

export type OfferFigures = { all: OfferFunnel, 
/**
 * By offer, in the order of their ids.
 */
by_offer: Array<OfferGroup>, };

export type FirstResponseFigures = { received: Tally, 
/**
 * Acknowledged (whenever, as of now).
 */
answered: Tally, 
/**
 * Wall-clock seconds from receipt to acknowledgement, nearest-rank median and 90th
 * percentile over the answered requests; `None` when none was answered.
 */
median_seconds: number | null, p90_seconds: number | null, 
/**
 * Answered at or before the due instant.
 */
on_time: Tally, 
/**
 * Answered after the due instant.
 */
answered_late: Tally, 
/**
 * Not answered, and the due instant has passed.
 */
overdue: Tally, 
/**
 * Late and overdue together: the SLA breaches.
 */
breaches: Tally, 
/**
 * Breaches out of the requests whose SLA outcome is known (answered, or overdue).
 */
breach_rate: Rate, };

export type RefundBand = "up_to100" | "up_to500" | "up_to1000" | "over1000";

export type RefundApproval = "direct" | "above_threshold" | "outside_window";

export type RefundTotals = { 
/**
 * Every refund requested, whatever became of it.
 */
requested: Array<CurrencyTotal>, 
/**
 * Issued by billing.
 */
issued: Array<CurrencyTotal>, 
/**
 * Waiting for a verification or for billing.
 */
open: Array<CurrencyTotal>, denied: Array<CurrencyTotal>, };

export type RefundBandGroup = { band: RefundBand, label: string, totals: RefundTotals, };

export type RefundApprovalGroup = { approval: RefundApproval, label: string, totals: RefundTotals, };

export type RefundFigures = { all: RefundTotals, 
/**
 * Only the bands that have refunds, smallest first.
 */
by_band: Array<RefundBandGroup>, 
/**
 * Only the paths that have refunds.
 */
by_approval: Array<RefundApprovalGroup>, };

export type WinBackOutcomes = { made: Tally, reactivated: Tally, declined: Tally, no_answer: Tally, 
/**
 * Reactivated out of made.
 */
reactivation_rate: Rate, };

export type CheckInGroup = { 
/**
 * 1-based, in the order of the schedule.
 */
number: number, outcomes: WinBackOutcomes, };

export type WinBackFigures = { all: WinBackOutcomes, by_check_in: Array<CheckInGroup>, 
/**
 * Check-ins due on a day in the range and before today, not made, and not made pointless by
 * an earlier check-in at which the customer came back.
 */
overdue: Tally, };

export type TrendChange = { received: Change, cancelled: Change, saved: Change, 
/**
 * The save rate's difference in basis points (+250 is 2.5 points up).
 */
save_rate_points: number | null, revenue_saved: Array<MoneyChange>, revenue_lost: Array<MoneyChange>, };

export type ReasonCancellations = { reason_id: string | null, label: string, cancelled: Tally, };

export type TrendMonth = { month: Month, 
/**
 * False for the month `now` is in.
 */
complete: boolean, figures: OutcomeFigures, 
/**
 * In reason id order, requests with no reason first.
 */
cancelled_by_reason: Array<ReasonCancellations>, 
/**
 * Against the month before.
 */
change: TrendChange, };

export type Trend = { 
/**
 * Oldest first, twelve of them.
 */
months: Array<TrendMonth>, last_twelve_months: OutcomeFigures, previous_twelve_months: OutcomeFigures, change: TrendChange, };

export type Report = { 
/**
 * The range covered: the filters' own, or from the earliest request admitted to `now`
 * (half-open: `to` is excluded).
 */
from: string, to: string, 
/**
 * The range as a whole.
 */
totals: OutcomeFigures, 
/**
 * Every ISO week the range touches, empty ones included, oldest first (the first and last
 * may be partly outside the range; only what is inside is counted).
 */
weekly: Array<WeekFigures>, 
/**
 * Every month the range touches, likewise.
 */
monthly: Array<MonthFigures>, by_reason: Array<Group>, by_tier: Array<Group>, by_owner: Array<Group>, by_route: Array<Group>, 
/**
 * Requests by the version they were received under; outcomes by the version of the step
 * that closed them.
 */
by_policy_version: Array<Group>, 
/**
 * Whether the saves in the range held (90 days without a cancellation).
 */
saves_kept: KeepingFigures, offers: OfferFigures, first_response: FirstResponseFigures, refunds: RefundFigures, win_back: WinBackFigures, trend: Trend, };

export type ReasonWeekRow = { 
/**
 * `None`: requests whose reason is not captured yet.
 */
reason_id: string | null, label: string, this_week: Tally, 
/**
 * Of all requests received this week.
 */
share: Rate, week_before: Tally, share_week_before: Rate, change: Change, 
/**
 * The share's difference in basis points.
 */
share_change_points: number | null, };

export type WeeklyReasonReport = { week: IsoWeek, week_before: IsoWeek, total: Tally, total_week_before: Tally, 
/**
 * Most requests this week first (then most the week before, then by label); a reason with
 * none this week but some the week before is listed too.
 */
reasons: Array<ReasonWeekRow>, };

export type ReportFigures = { 
/**
 * The range covered: the filters' own, or from the earliest request admitted to `now`
 * (half-open: `to` is excluded).
 */
from: string, to: string, 
/**
 * The range as a whole.
 */
totals: OutcomeFigures, 
/**
 * Every ISO week the range touches, empty ones included, oldest first (the first and last
 * may be partly outside the range; only what is inside is counted).
 */
weekly: Array<WeekFigures>, 
/**
 * Every month the range touches, likewise.
 */
monthly: Array<MonthFigures>, by_reason: Array<Group>, by_tier: Array<Group>, by_owner: Array<Group>, by_route: Array<Group>, 
/**
 * Requests by the version they were received under; outcomes by the version of the step
 * that closed them.
 */
by_policy_version: Array<Group>, 
/**
 * Whether the saves in the range held (90 days without a cancellation).
 */
saves_kept: KeepingFigures, offers: OfferFigures, first_response: FirstResponseFigures, refunds: RefundFigures, win_back: WinBackFigures, trend: Trend, };

export type ReportFilters = { 
/**
 * The range's first instant (included).
 */
from?: string | null, 
/**
 * The instant the range ends (excluded); after `from`.
 */
to?: string | null, 
/**
 * The person holding the case, by name.
 */
member?: string | null, 
/**
 * The account's tier.
 */
tier?: string | null, 
/**
 * A reason's id, of the policy's reasons.
 */
reason?: string | null, };

export type ReportArgs = { filters: ReportFilters, };

export type ReportCasesArgs = { filters: ReportFilters, 
/**
 * Where the figure is in the report, as a JSON pointer (`/totals/cancelled`,
 * `/by_reason/2/figures/saved`, `/weekly/5/figures/received`).
 */
figure: string, 
/**
 * The figure is in the weekly reason report of this ISO week (`2026-W49`, pointers such as
 * `/reasons/0/this_week`), not in the report.
 */
week?: string | null, };

export type ReportDrill = { figure: string, 
/**
 * How many cases are behind it (the list stops at 500).
 */
count: number, cases: Array<CaseSummary>, };

export type WeeklyReasonArgs = { 
/**
 * An ISO week, `2026-W49`, in the policy's time zone; the current week when left out.
 */
week?: string | null, filters: ReportFilters, };

export type ReportFileFormat = "csv" | "html";

export type SaveWeeklyReasonArgs = { week?: string | null, filters: ReportFilters, format: ReportFileFormat, };

export type SavedReport = { path: string, };

export type AvailableUpdate = { version: string, 
/**
 * What changed, as the release notes say it.
 */
notes?: string | null, 
/**
 * When it was published (RFC 3339), when the release says.
 */
date?: string | null, };

export type UpdateCheck = { 
/**
 * The version running now.
 */
current: string, available?: AvailableUpdate | null, };

export type InstallUpdateArgs = { 
/**
 * The version the person chose to install, as the check announced it.
 */
version: string, };

export type CustomerDataFormat = "json" | "html";

export type SaveCustomerDataArgs = { account_id: string, format: CustomerDataFormat, };

export type EraseCustomerDataArgs = { account_id: string, 
/**
 * The account's external id as the person typed it: an erasure cannot be undone, so it is
 * confirmed by naming the customer, not by a click.
 */
confirm_external_id: string, };

export type ErasureReason = "request" | "retention";

export type ErasureOutcome = { account_id: string, reason: ErasureReason, 
/**
 * The account's own name and contacts were erased.
 */
account: boolean, 
/**
 * How many of its cases were erased.
 */
cases: number, 
/**
 * How many recorded events had personal data taken out.
 */
events: number, 
/**
 * A team profile: the server erases first; this desk follows when the erasure arrives.
 */
sent_to_server: boolean, };

export type SheetFileFormat = "xlsx" | "csv";

export type SaveCancellationSheetArgs = { format: SheetFileFormat, };

export type ComposedMessage = { kind: MessageKind, 
/**
 * The subject line, for a message that goes out as an e-mail.
 */
subject: string, body: string, 
/**
 * Placeholders the case has no value for yet; they stay in braces in `subject` and `body`.
 */
missing: Array<string>, 
/**
 * The channel it should go out on: the account's preferred one, if known.
 */
channel: PreferredChannel | null, 
/**
 * Already recorded as sent on this case.
 */
sent: boolean, };

export type ComposeMessageArgs = { case_id: string, kind: MessageKind, };

export type MessageDelivery = "clipboard" | "mail_client" | "email";

export type SendMessageArgs = { case_id: string, kind: MessageKind, channel: PreferredChannel, 
/**
 * The text as the person left it after reading (and perhaps editing) the template.
 */
body: string, delivery: MessageDelivery, };

export type MessageSent = { detail: CaseDetail, 
/**
 * The message is on the clipboard, or open in the mail client.
 */
delivered: boolean, 
/**
 * Sent by e-mail: the message waiting in the outbox; the case records it once sent.
 */
queued: OutboxEntry | null, };

export type EmailReceipt = { 
/**
 * `<local@domain>`, as in the header.
 */
message_id: string, 
/**
 * The server's reply, e.g. `250 2.0.0 Ok: queued as 4F2A1`.
 */
server_reply: string, };

export type MailSecurity = "starttls" | "tls" | "plain";

export type MailSettings = { host: string, port: number, security: MailSecurity, 
/**
 * Signs in with this name (and the keyring's password); none for a server that takes mail
 * without signing in.
 */
username: string | null, 
/**
 * The sender's address and the name shown with it.
 */
from_address: string, from_name: string | null, };

export type MailSetup = { settings: MailSettings | null, password_saved: boolean, };

export type MailSetupChange = { settings: MailSettings, 
/**
 * A new password to keep in the keyring; absent keeps the saved one (or removes it when
 * there is no user name any more), empty removes it.
 */
password?: string, };

export type TestMailArgs = { 
/**
 * Who gets the test message (the person's own address).
 */
to: string, };

export type TestMailOutcome = { sent: boolean, message_id: string | null, server_reply: string | null, problem: string | null, };

export type CaseOutboxArgs = { case_id: string, };

export type OutboxState = "queued" | "sending" | "sent" | "failed" | "uncertain";

export type OutboxEntry = { id: string, 
/**
 * The Message-ID header, `<...@...>`, the same on every attempt.
 */
message_id: string, case_id: string, kind: MessageKind, recipient: string, subject: string, body: string, state: OutboxState, 
/**
 * Attempts made so far.
 */
attempts: number, queued_at: string, 
/**
 * When a queued message is tried next.
 */
next_attempt_at: string, 
/**
 * The last attempt's problem, in words (the server's own reply included).
 */
problem: string | null, };

export type NoteSearchArgs = { text: string, limit: number | null, };

export type NoteHit = { case_id: string, account_name: string, author: string, recorded_at: string, 
/**
 * The note around the match, at most a few dozen words.
 */
excerpt: string, };

export type SendCodeArgs = { case_id: string, 
/**
 * The e-mail or phone on file the code goes to; the engine checks it is on file.
 */
contact: string, };

export type CodeToSend = { 
/**
 * Six digits, shown once.
 */
code: string, detail: CaseDetail, };

export type EnterCodeArgs = { case_id: string, 
/**
 * The code as the requester read it back.
 */
code: string, };

export type AuditVerdict = { "verdict": "intact", events: number, } | { "verdict": "broken", 
/**
 * The first event that fails, when one can be named.
 */
seq: number | null, message: string, 
/**
 * How many events the log holds, broken or not.
 */
events: number, };

export type AuditCheck = { 
/**
 * Intact (with the number of events checked) or broken (the first event that fails, when
 * one can be named, and why).
 */
verdict: AuditVerdict, 
/**
 * When the check finished, as a UTC instant (RFC 3339).
 */
verified_at: string, };

export type AuditExportSaved = { path: string, events: number, checkpoints: number, };

export type ExportVerdict = { "verdict": "verified", events: number, checkpoints: number, 
/**
 * The last event's chain hash (hex); `None` for an empty log.
 */
head?: string | null, 
/**
 * The server key the checkpoints were checked with (hex): compare it with the key of
 * the server you trust. `None` when no server signed the log (a local profile).
 */
checkpoint_key?: string | null, 
/**
 * `local` or `team`, as the file's header says.
 */
profile_kind: string, organisation?: string | null, user?: string | null, } | { "verdict": "broken", 
/**
 * The first line that fails (1-based; one past the last line when the file ends too
 * soon).
 */
line: number, reason: string, };

export type AuditExportCheck = { path: string, verdict: ExportVerdict, 
/**
 * When the check finished, as a UTC instant (RFC 3339).
 */
checked_at: string, };

export type ExportFileFormat = "xlsx" | "csv";

export type SaveCasesArgs = { format: ExportFileFormat, 
/**
 * The inbox's query: its filters and order are exported (every case, not a page). All
 * cases, newest request first, when left out.
 */
query?: InboxQuery | null, };

export type SaveTasksArgs = { format: ExportFileFormat, };

export type ExportList = "cases" | "tasks";

export type ExportStage = "reading" | "writing";

export type ExportProgress = { list: ExportList, stage: ExportStage, done: number, total: number, };

export type SavedExport = { path: string, rows: number, };

export type ReminderKind = { "kind": "first_response" } | { "kind": "task", "task": TaskKind } | { "kind": "approval" } | { "kind": "sync_problem" };

export type Stage = "assigned" | "due_soon" | "due";

export type DueItem = { 
/**
 * Stable across restarts and projections ("first_response/<case>", "task/<task id>").
 */
key: string, case_id?: string | null, kind: ReminderKind, 
/**
 * When it is due; for work that is due on arrival (an approval, a problem), when it arrived.
 */
due_at: string, 
/**
 * What the notification's title says: the work and whom it is for ("First response due:
 * Acme Dental").
 */
title: string, 
/**
 * More of what the work is, when there is more (the number to call, the amount).
 */
detail?: string | null, };

export type DueEntry = { snoozed_until?: string | null, 
/**
 * Stable across restarts and projections ("first_response/<case>", "task/<task id>").
 */
key: string, case_id?: string | null, kind: ReminderKind, 
/**
 * When it is due; for work that is due on arrival (an approval, a problem), when it arrived.
 */
due_at: string, 
/**
 * What the notification's title says: the work and whom it is for ("First response due:
 * Acme Dental").
 */
title: string, 
/**
 * More of what the work is, when there is more (the number to call, the amount).
 */
detail?: string | null, };

export type DueGroups = { overdue: Array<DueEntry>, today: Array<DueEntry>, upcoming: Array<DueEntry>, 
/**
 * Upcoming items beyond the first `UPCOMING_SHOWN`.
 */
upcoming_more: number, };

export type SnoozeChoice = { label: string, until: string, };

export type DueView = { snooze_choices: Array<SnoozeChoice>, 
/**
 * The zone "today" is counted in (the person's reminder settings).
 */
zone: string, now: string, overdue: Array<DueEntry>, today: Array<DueEntry>, upcoming: Array<DueEntry>, 
/**
 * Upcoming items beyond the first `UPCOMING_SHOWN`.
 */
upcoming_more: number, };

export type SnoozeArgs = { key: string, until: string, };

export type ReminderKeyArgs = { key: string, };

export type QuietTime = { 
/**
 * ISO weekdays: 1 is Monday, 7 is Sunday.
 */
days: Array<number>, 
/**
 * "HH:MM:SS", local.
 */
from: string, to: string, };

export type ReminderSettings = { 
/**
 * An IANA time zone ("America/New_York").
 */
zone: string, 
/**
 * Their working days and hours; `None`: any time.
 */
working?: QuietTime | null, quiet: Array<QuietTime>, lead_minutes: number, };

export type StartAtLogin = { enabled: boolean, };

export type OpenedLink = { "open": "case", case_id: string, } | { "open": "refused", message: string, };

export type CopiedDiagnostics = { text: string, };

export type HeadsUpFormat = "slack" | "signed";

export type Subscription = { 
/**
 * Unique per profile or server: letters, digits, `-` and `_`, 1 to 40 of them.
 */
name: string, 
/**
 * `http://` or `https://`.
 */
url: string, format: HeadsUpFormat, 
/**
 * Event kinds from `KINDS`, at least one.
 */
kinds: Array<string>, };

export type DeliveryStatus = "pending" | "delivered" | "failed";

export type Delivery = { 
/**
 * The delivery id, sent as the idempotency key.
 */
id: string, subscription: string, kind: string, case_id: string, status: DeliveryStatus, 
/**
 * Attempts made so far.
 */
attempts: number, 
/**
 * Why the last attempt did not deliver it.
 */
last_error: string | null, queued_at: string, 
/**
 * When it is tried next (pending only).
 */
next_attempt_at: string | null, delivered_at: string | null, };

export type HeadsUpKind = { kind: string, label: string, };

export type HeadsUpSubscriptionView = { has_secret: boolean, 
/**
 * Unique per profile or server: letters, digits, `-` and `_`, 1 to 40 of them.
 */
name: string, 
/**
 * `http://` or `https://`.
 */
url: string, format: HeadsUpFormat, 
/**
 * Event kinds from `KINDS`, at least one.
 */
kinds: Array<string>, };

export type HeadsUpSettings = { 
/**
 * A profile joined to a team: the server sends, and is configured on the server.
 */
team: boolean, kinds: Array<HeadsUpKind>, subscriptions: Array<HeadsUpSubscriptionView>, 
/**
 * The delivery log, newest first (a profile of its own).
 */
deliveries: Array<Delivery>, };

export type SaveHeadsUpArgs = { subscription: Subscription, 
/**
 * The signing secret for a signed subscription: required when none is kept, kept as it is
 * when left out.
 */
secret: string | null, };

export type RemoveHeadsUpArgs = { name: string, };

export type SubscriptionSummary = { name: string, format: HeadsUpFormat, kinds: Array<string>, };

export type HeadsUpLog = { subscriptions: Array<SubscriptionSummary>, deliveries: Array<Delivery>, };

/** Every command the window may call, with its argument and result. */
export type Commands = {
  session_status: { args: null; result: SessionStatus };
  create_passphrase: { args: PassphraseArgs; result: SessionStatus };
  unlock_with_passphrase: { args: PassphraseArgs; result: SessionStatus };
  choose_accounts_file: { args: null; result: string | null };
  read_import_file: { args: ImportFileArgs; result: ImportFile };
  import_accounts: { args: ImportAccountsArgs; result: ImportSummary };
  preview_accounts_import: { args: PreviewImportArgs; result: ImportPreview };
  save_import_mapping: { args: SaveMappingArgs; result: Array<SavedMapping> };
  delete_import_mapping: { args: MappingNameArgs; result: Array<SavedMapping> };
  sample_data: { args: null; result: SampleData | null };
  load_sample_data: { args: null; result: SampleData };
  remove_sample_data: { args: null; result: SampleRemoved };
  account_detail: { args: AccountArgs; result: AccountDetail };
  list_accounts: { args: AccountQuery; result: AccountPage };
  open_case: { args: OpenCase; result: CaseSummary };
  list_inbox: { args: InboxQuery; result: CasePage };
  inbox_facets: { args: null; result: InboxFacets };
  case_detail: { args: CaseArgs; result: CaseDetail };
  run_case_command: { args: CaseCommandArgs; result: CaseDetail };
  check_offer: { args: OfferCheckArgs; result: OfferCheck };
  list_queue: { args: QueueArgs; result: Array<QueueItem> };
  queue_counts: { args: null; result: QueueCounts };
  desk_profile: { args: null; result: DeskProfile };
  list_policy_presets: { args: null; result: Array<PolicySummary> };
  choose_policy: { args: ChoosePolicyArgs; result: PolicySummary };
  set_local_user: { args: LocalUserChange; result: LocalUser };
  switch_local_user: { args: LocalUserChange; result: LocalUser };
  list_people: { args: null; result: Array<Person> };
  import_sales_reps: { args: ImportRosterArgs; result: RosterImportSummary };
  list_sales_reps: { args: null; result: Array<SalesRep> };
  policy_sentences: { args: null; result: Array<string> };
  search_notes: { args: NoteSearchArgs; result: Array<NoteHit> };
  compose_case_message: { args: ComposeMessageArgs; result: ComposedMessage };
  send_case_message: { args: SendMessageArgs; result: MessageSent };
  mail_setup: { args: null; result: MailSetup };
  set_mail_setup: { args: MailSetupChange; result: MailSetup };
  send_test_mail: { args: TestMailArgs; result: TestMailOutcome };
  case_outbox: { args: CaseOutboxArgs; result: Array<OutboxEntry> };
  send_one_time_code: { args: SendCodeArgs; result: CodeToSend };
  enter_one_time_code: { args: EnterCodeArgs; result: CaseDetail };
  sync_status: { args: null; result: SyncStatus };
  connect_to_server: { args: ServerSignIn; result: SyncStatus };
  sign_out_of_server: { args: null; result: SyncStatus };
  sync_now: { args: null; result: SyncStatus };
  sync_notices: { args: null; result: Array<SyncNotice> };
  dismiss_sync_notice: { args: DismissNoticeArgs; result: Array<SyncNotice> };
  export_pending_work: { args: null; result: PendingExport | null };
  rejoin_server: { args: RejoinArgs; result: Rejoined };
  verify_audit_chain: { args: null; result: AuditCheck };
  save_audit_export: { args: null; result: AuditExportSaved | null };
  check_audit_export: { args: null; result: AuditExportCheck | null };
  due_items: { args: null; result: DueView };
  snooze_reminder: { args: SnoozeArgs; result: DueView };
  mark_reminder_done: { args: ReminderKeyArgs; result: DueView };
  reminder_settings: { args: null; result: ReminderSettings };
  set_reminder_settings: { args: ReminderSettings; result: ReminderSettings };
  report: { args: ReportArgs; result: ReportFigures };
  report_cases: { args: ReportCasesArgs; result: ReportDrill };
  weekly_reason_report: { args: WeeklyReasonArgs; result: WeeklyReasonReport };
  save_weekly_reason_report: { args: SaveWeeklyReasonArgs; result: SavedReport | null };
  save_cancellation_sheet: { args: SaveCancellationSheetArgs; result: SavedReport | null };
  save_customer_data: { args: SaveCustomerDataArgs; result: SavedReport | null };
  erase_customer_data: { args: EraseCustomerDataArgs; result: ErasureOutcome };
  save_cases_export: { args: SaveCasesArgs; result: SavedExport | null };
  save_tasks_export: { args: SaveTasksArgs; result: SavedExport | null };
  check_for_update: { args: null; result: UpdateCheck };
  install_update: { args: InstallUpdateArgs; result: null };
  quit_app: { args: null; result: null };
  start_at_login: { args: null; result: StartAtLogin };
  set_start_at_login: { args: StartAtLogin; result: StartAtLogin };
  take_opened_link: { args: null; result: OpenedLink | null };
  copy_diagnostics: { args: null; result: CopiedDiagnostics };
  heads_up_settings: { args: null; result: HeadsUpSettings };
  save_heads_up_subscription: { args: SaveHeadsUpArgs; result: HeadsUpSettings };
  remove_heads_up_subscription: { args: RemoveHeadsUpArgs; result: HeadsUpSettings };
  team_heads_ups: { args: null; result: HeadsUpLog };
};
