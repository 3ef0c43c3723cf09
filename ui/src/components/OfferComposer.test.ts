import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Checklist } from '../lib/bindings';
import { checklistFixture } from '../lib/testing/checklist';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: OfferComposer } = await import('./OfferComposer.svelte');

function checklist(): Checklist {
  return checklistFixture({
    offers: [
      { id: 'discount', kind: 'discount', label: 'Discount', max_percent: 20, percent_choices: [], max_months: 3, max_amount: null, once_per_account: false, needs_approval: false },
      { id: 'credit', kind: 'credit', label: 'One-time credit', max_percent: null, percent_choices: [], max_months: null, max_amount: { minor: 50_000, currency: 'USD' }, once_per_account: true, needs_approval: false },
    ],
    offers_granted: ['credit'],
  });
}

describe('OfferComposer', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it("shows the offer's limits and what the engine says about the terms before submitting", async () => {
    invoke.mockImplementation((_command: string, { args }: { args: { terms: { percent: number | null } } }) =>
      Promise.resolve({ needs_approval: (args.terms.percent ?? 0) > 20 }),
    );
    const run = vi.fn();
    render(OfferComposer, { caseId: 'c1', checklist: checklist(), currency: 'USD', busy: false, run });
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Offer'), 'discount');
    expect(screen.getByText('Policy limits: up to 20%, for up to 3 months')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Percent'), '25');
    expect(await screen.findByRole('status')).toHaveTextContent("Outside the policy's limits: it needs approval");
    expect(invoke).toHaveBeenLastCalledWith('check_offer', {
      args: { case_id: 'c1', offer_id: 'discount', terms: { percent: 25, months: null, amount: null, note: '' } },
    });
    await user.clear(screen.getByLabelText('Percent'));
    await user.type(screen.getByLabelText('Percent'), '15');
    expect(await screen.findByText("Within the policy's limits.")).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Propose offer' }));
    expect(run).toHaveBeenCalledWith('offer', {
      command: 'propose_offer',
      offer_id: 'discount',
      terms: { percent: 15, months: null, amount: null, note: '' },
    });
  });

  it('marks a once-per-account offer the account already had', () => {
    render(OfferComposer, { caseId: 'c1', checklist: checklist(), currency: 'USD', busy: false, run: vi.fn() });
    const credit = screen.getByRole('option', { name: 'One-time credit (already granted)' });
    expect(credit).toBeDisabled();
  });
});
