// Whoever decides on a refund sees, on the same screen, the amount, the justification, who asked,
// the charge, and what the account was refunded before.
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccountDetail, Refund } from '../../lib/bindings';
import { accountFixture, checklistFixture, refundFixture, refusing } from '../../lib/testing/checklist';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: RefundsStep } = await import('./RefundsStep.svelte');

function props(refunds = [refundFixture()]) {
  return {
    checklist: checklistFixture({ refunds }),
    busy: false,
    run: vi.fn(async () => true),
    errorOf: () => null,
    error: null,
    open: true,
    accountId: 'a1',
  };
}

function history(refunds: AccountDetail['refunds']): AccountDetail {
  return { account: accountFixture(), cases: [], offers: [], refunds };
}

describe('RefundsStep', () => {
  beforeEach(() => invoke.mockReset());

  it("shows the approver the request's facts and the account's earlier refunds", async () => {
    const here = refundFixture();
    invoke.mockResolvedValue(
      history([
        { case_id: 'c1', refund_id: here.refund_id, amount: here.amount, justification: here.justification, status: 'under_review', requested: { by: 'Amy', at: '2026-11-20T10:00:00Z' }, verified: null, completed: null, denied: null, denial_reason: null },
        { case_id: 'c0', refund_id: 'r-old', amount: { minor: 25_000, currency: 'USD' }, justification: 'Outage in May', status: 'completed', requested: { by: 'Bo', at: '2026-05-20T10:00:00Z' }, verified: null, completed: { by: 'Heather', at: '2026-05-21T10:00:00Z' }, denied: null, denial_reason: null },
      ]),
    );
    render(RefundsStep, props([here]));
    const refunds = screen.getByRole('list', { name: 'Refunds' });
    expect(refunds).toHaveTextContent('USD 1,500.00');
    expect(refunds).toHaveTextContent('Charged twice in November');
    expect(refunds).toHaveTextContent('Charged on 2026-11-02');
    expect(refunds).toHaveTextContent('requested by Amy');
    expect(invoke).toHaveBeenCalledWith('account_detail', { args: { account_id: 'a1' } });
    const earlier = await screen.findByRole('region', { name: 'Refund history of this account' });
    await waitFor(() => expect(within(earlier).getByRole('listitem')).toHaveTextContent('USD 250.00 — completed, requested by Bo'));
    // The refund being decided is listed once, above, not again in the history.
    expect(within(earlier).queryByText(/Charged twice/)).toBeNull();
  });

  it('says when the account had no other refund', async () => {
    invoke.mockResolvedValue(history([]));
    render(RefundsStep, props());
    expect(await screen.findByText('No other refund for this account.')).toBeInTheDocument();
  });

  it('reads no history while nothing waits for a decision', () => {
    render(RefundsStep, props([refundFixture({ status: 'completed' })]));
    expect(invoke).not.toHaveBeenCalled();
    expect(screen.queryByRole('region', { name: 'Refund history of this account' })).toBeNull();
  });
});

describe('the refund status check', () => {
  beforeEach(() => invoke.mockReset());

  const issued = () =>
    refundFixture({
      status: 'completed',
      under_review: false,
      review_reasons: [],
      billing_heads_up: false,
      completed_at: '2026-11-25T15:00:00Z',
      status_check_due: '2026-12-04T15:00:00Z',
    });

  it('says when the check is due and records, by keyboard, that the customer received the refund', async () => {
    const user = userEvent.setup();
    const step = props([issued()]);
    render(RefundsStep, step);
    const refunds = screen.getByRole('list', { name: 'Refunds' });
    expect(refunds).toHaveTextContent(/Status check (due|overdue)/);
    expect(refunds).toHaveTextContent('ask the customer whether the refund arrived');
    const form = screen.getByRole('form', { name: 'Refund status check' });
    const record = within(form).getByRole('button', { name: 'Record status check' });
    expect(record).toBeDisabled();
    within(form).getByLabelText('Did the customer receive it?').focus();
    await user.selectOptions(within(form).getByLabelText('Did the customer receive it?'), 'Received');
    expect(record).toBeEnabled();
    await user.click(within(form).getByLabelText(/^Note/));
    await user.keyboard('Arrived on Monday{Enter}');
    expect(step.run).toHaveBeenCalledWith(`refund_check:${issued().refund_id}`, {
      command: 'record_refund_status_check',
      refund_id: issued().refund_id,
      received: true,
      note: 'Arrived on Monday',
    });
  });

  it('asks for a note when the refund did not arrive', async () => {
    const user = userEvent.setup();
    const step = props([issued()]);
    render(RefundsStep, step);
    const form = screen.getByRole('form', { name: 'Refund status check' });
    await user.selectOptions(within(form).getByLabelText('Did the customer receive it?'), 'Not received');
    const record = within(form).getByRole('button', { name: 'Record status check' });
    expect(record).toBeDisabled();
    expect(within(form).getByLabelText('Note (required)')).toHaveAttribute('aria-required', 'true');
    await user.type(within(form).getByLabelText('Note (required)'), 'Not on the statement yet');
    await user.click(record);
    expect(step.run).toHaveBeenCalledWith(`refund_check:${issued().refund_id}`, expect.objectContaining({ received: false, note: 'Not on the statement yet' }));
  });

  it('shows who checked instead of the form once recorded', () => {
    render(
      RefundsStep,
      props([{ ...issued(), status_check: { received: false, note: 'Bank still processing', by: 'Sam', at: '2026-12-04T16:00:00Z' } }]),
    );
    expect(screen.queryByRole('form', { name: 'Refund status check' })).toBeNull();
    expect(screen.getByRole('list', { name: 'Refunds' })).toHaveTextContent(/Status checked by Sam .*: not received — “Bank still processing”/);
  });

  it('offers no check where the procedure asks for none, nor before the refund is issued', () => {
    invoke.mockResolvedValue(history([]));
    const unplanned: Refund = { ...issued(), status_check_due: null };
    render(RefundsStep, props([unplanned, refundFixture({ refund_id: 'r2' })]));
    expect(screen.queryByRole('form', { name: 'Refund status check' })).toBeNull();
    expect(screen.queryByText(/Status check/)).toBeNull();
  });

  it('shows the refusal to someone who may not follow refunds up', () => {
    const step = props([issued()]);
    // A cancelled case: the request form is gone, the check stays.
    step.open = false;
    step.checklist = checklistFixture({ status: 'cancelled', refunds: [issued()], permissions: refusing({ request_refund: 'only an account manager may request a refund' }) });
    render(RefundsStep, step);
    const form = screen.getByRole('form', { name: 'Refund status check' });
    expect(within(form).getByRole('button', { name: 'Record status check' })).toBeDisabled();
    expect(screen.getByText(/only an account manager may request a refund/)).toBeInTheDocument();
  });
});
