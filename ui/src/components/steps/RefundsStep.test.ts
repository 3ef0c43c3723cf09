// Whoever decides on a refund sees, on the same screen, the amount, the justification, who asked,
// the charge, and what the account was refunded before.
import { render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccountDetail } from '../../lib/bindings';
import { accountFixture, checklistFixture, refundFixture } from '../../lib/testing/checklist';

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
