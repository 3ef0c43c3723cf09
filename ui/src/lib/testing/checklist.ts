// A checklist as the engine would send it for an open, verified case, for component tests; each
// test overrides what it is about.
import type { Account, Checklist, Refund, Step } from '../bindings';

export const ALL_STEPS: Step[] = [
  'receive', 'verify_identity', 'track_form', 'capture_reason', 'route', 'propose_offer', 'approve_offer',
  'record_offer_outcome', 'escalate', 'record_csm_outcome', 'record_retention_outcome', 'request_refund',
  'approve_refund', 'complete_refund', 'write_off', 'finalize', 'confirm', 'record_feedback', 'schedule_win_back',
  'hand_off', 'confirm_checklist_item', 'record_win_back_outcome', 'import_accounts',
];

/** Permissions where the user may take every step but those refused here. */
export function refusing(refused: Partial<Record<Step, string>>): Checklist['permissions'] {
  return ALL_STEPS.map((step) => ({ step, refused: refused[step] ?? null }));
}

export function checklistFixture(overrides: Partial<Checklist> = {}): Checklist {
  return {
    status: 'in_progress',
    acknowledged: true,
    identity_verified: true,
    identity_provisional: false,
    contact_warning: null,
    verification_methods: ['email_on_file'],
    one_time_code: null,
    form_fields: null,
    form_sent: false,
    form_reminders: 0,
    form_received: false,
    cancellation_sheet: null,
    reply_due: null,
    open_tasks: [],
    reasons: [],
    reason_id: null,
    route: null,
    csm_step: false,
    escalated_to: null,
    csm_engaged: false,
    retention_outcome_due: false,
    offer_pending: null,
    offers_proposed: [],
    currency: 'USD',
    offers: [],
    offers_granted: [],
    refund_threshold: { minor: 100_000, currency: 'USD' },
    refund_threshold_applies_to: 'request',
    refund_window_days: null,
    refunds: [],
    unpaid_invoices: 0,
    invoices_written_off: 0,
    log_required: false,
    logged: false,
    finalization: null,
    preferred_channel: 'email',
    confirmed_on: null,
    feedback_recorded: false,
    survey_link: null,
    win_back_months: [],
    win_back_check_ins: null,
    messages: [],
    messages_sent: [],
    blockers: [],
    ready_to_finalize: false,
    permissions: refusing({}),
    next_actions: [],
    next_step: null,
    conflicts: [],
    receivable_needed: false,
    receivable_entered: null,
    reason_needed_for_route: false,
    owner: null,
    owner_role: null,
    finalization_checklist: [],
    survey_link_sent: false,
    acknowledge_by: ['message'],
    confirmation_sent_on: null,
    win_back: [],
    form_submit_to: null,
    form_instructions: null,
    form_reminder_due: null,
    refund_checks_due: [],
    ...overrides,
  };
}

/** A refund as the checklist lists it: requested by Amy, under review above the threshold. */
export function refundFixture(overrides: Partial<Refund> = {}): Refund {
  return {
    refund_id: '018bcfe5-6800-7000-8000-000000000000',
    amount: { minor: 150_000, currency: 'USD' },
    requested_by: 'Amy',
    under_review: true,
    verified_by: null,
    status: 'under_review',
    justification: 'Charged twice in November',
    charged_on: '2026-11-02',
    billing_heads_up: true,
    review_reasons: ['above_threshold'],
    completed_at: null,
    status_check_due: null,
    status_check: null,
    ...overrides,
  };
}

/** The account of the test cases: a small e-mail customer with nothing owed. */
export function accountFixture(): Account {
  return {
    id: 'a1',
    external_id: 'A-1',
    name: 'Acme',
    contact_name: 'Ana',
    email: 'ana@acme.io',
    phone: null,
    preferred_channel: 'email',
    tier: 'Standard',
    hosting_server: null,
    plan: null,
    mrr: { minor: 10_000, currency: 'USD' },
    customer_since: null,
    total_collected: { minor: 0, currency: 'USD' },
    accounts_receivable: { minor: 0, currency: 'USD' },
    original_sales_rep: null,
    unpaid_invoices: 0,
    plan_price: null,
    billing_period_start: null,
    billing_period_end: null,
    account_manager: null,
  };
}
