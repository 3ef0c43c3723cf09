// The case page leads with the step the engine names: it comes first, with its form open, the
// cursor goes to it when the case is opened to work on and after each step taken, single keys
// reach the frequent steps (not while a "g" chord is under way), and steps that do not apply to
// the case's route are not shown.
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseDetail, Checklist, NextAction } from '../lib/bindings';
import { accountFixture, checklistFixture, refundFixture } from '../lib/testing/checklist';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: CaseActions } = await import('./CaseActions.svelte');
const { requestNextStepFocus } = await import('../lib/nextStep.svelte');
const { startChord, endChord } = await import('../lib/shortcuts');

function action(id: NextAction['id'], label: string): NextAction {
  return { id, label, step: 'route', refund_id: null, disabled_reason: null };
}

function detail(overrides: Partial<Checklist> = {}): CaseDetail {
  return {
    account: accountFixture(),
    summary: {
      id: 'c1',
      account_id: 'a1',
      account_name: 'Elm Street Bakery',
      account_tier: 'Essentials',
      status: 'received',
      channel: 'email',
      requester_name: 'Eli Park',
      requester_contact: 'eli@elmbakery.com',
      received_at: '2026-11-21T10:00:00Z',
      opened_at: '2026-11-21T10:00:00Z',
    },
    checklist: checklistFixture({ status: 'received', acknowledged: false, identity_verified: false, ...overrides }),
    timeline: [],
  };
}

const routeFirst = {
  next_actions: [action('acknowledge', 'Acknowledge request'), action('verify', 'Verify identity'), action('route', 'Route case'), action('finalize', 'Finalize cancellation')],
  next_step: 'route' as const,
};

describe('the next step', () => {
  beforeEach(() => {
    invoke.mockReset();
    endChord();
  });

  it('comes first, apart from the other steps, with the control that takes it', () => {
    render(CaseActions, { detail: detail(routeFirst), onchanged: vi.fn() });
    const lead = screen.getByRole('group', { name: 'Next step' });
    expect(lead).toHaveTextContent('Next: Route case');
    expect(within(lead).getByRole('button', { name: 'Route case' })).toBeEnabled();
    expect(within(lead).queryByText('Identity verified')).toBeNull();
    // The lead is above every other step on the page.
    const identity = screen.getByText('Identity verified');
    expect(lead.compareDocumentPosition(identity) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('takes the cursor when the case is opened to work on', async () => {
    render(CaseActions, { detail: detail(routeFirst), onchanged: vi.fn() });
    requestNextStepFocus();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Route case' })).toHaveFocus());
  });

  it('moves the step that now leads to the top without making its controls again', async () => {
    const { rerender } = render(CaseActions, { detail: detail(routeFirst), onchanged: vi.fn() });
    const contact = screen.getByLabelText('Contact used');
    await rerender({ detail: detail({ ...routeFirst, next_step: 'verify' }), onchanged: vi.fn() });
    expect(screen.getByRole('group', { name: 'Next step' })).toContainElement(contact);
  });

  it('moves the cursor to the following step once a step is taken', async () => {
    const after = detail({
      acknowledged: true,
      route: 'save_call',
      next_actions: [action('verify', 'Verify identity'), action('finalize', 'Finalize cancellation')],
      next_step: 'verify',
    });
    invoke.mockResolvedValueOnce(after);
    let current = detail(routeFirst);
    const { rerender } = render(CaseActions, {
      detail: current,
      onchanged: (next: CaseDetail) => {
        current = next;
        void rerender({ detail: next, onchanged: vi.fn() });
      },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Route case' }));
    expect(invoke).toHaveBeenCalledWith('run_case_command', { args: { case_id: 'c1', command: { command: 'route' } } });
    // The first empty field of the identity form: the contact used.
    await waitFor(() => expect(screen.getByLabelText('Contact used')).toHaveFocus());
    expect(screen.getByRole('group', { name: 'Next step' })).toHaveTextContent('Next: Verify identity');
  });

  it('opens the drafted reply instead when routing decided on one', async () => {
    invoke.mockResolvedValueOnce(detail({ route: 'sympathetic_reply', reply_due: 'sympathetic_reply', next_step: 'send_reply', next_actions: [action('send_reply', 'Write the sympathetic reply')] }));
    const onwrite = vi.fn();
    render(CaseActions, { detail: detail(routeFirst), onchanged: vi.fn(), onwrite });
    await userEvent.click(screen.getByRole('button', { name: 'Route case' }));
    await waitFor(() => expect(onwrite).toHaveBeenCalledWith('sympathetic_reply'));
  });

  it("leads with a refund's status check once it is due, the cursor on the customer's answer", async () => {
    const refund = refundFixture({
      status: 'completed',
      under_review: false,
      review_reasons: [],
      completed_at: '2026-11-25T15:00:00Z',
      status_check_due: '2026-12-04T15:00:00Z',
    });
    const due = detail({
      acknowledged: true,
      identity_verified: true,
      status: 'cancelled',
      refunds: [refund],
      refund_checks_due: [refund.refund_id],
      next_actions: [{ ...action('refund_status_check', 'Record refund status check'), step: 'request_refund', refund_id: refund.refund_id }],
      next_step: 'refund_status_check',
    });
    render(CaseActions, { detail: due, onchanged: vi.fn() });
    const lead = screen.getByRole('group', { name: 'Next step' });
    expect(lead).toHaveTextContent('Next: Record refund status check');
    expect(within(lead).getByRole('form', { name: 'Refund status check' })).toBeInTheDocument();
    requestNextStepFocus();
    await waitFor(() => expect(within(lead).getByLabelText('Did the customer receive it?')).toHaveFocus());
  });

  it('single keys put the cursor in a step without taking it', async () => {
    render(CaseActions, { detail: detail(routeFirst), onchanged: vi.fn() });
    await userEvent.keyboard('f');
    expect(screen.getByLabelText('Effective date')).toHaveFocus();
    (document.activeElement as HTMLElement).blur();
    await userEvent.keyboard('v');
    expect(screen.getByLabelText('Contact used')).toHaveFocus();
    (document.activeElement as HTMLElement).blur();
    await userEvent.keyboard('s');
    expect(screen.getByRole('button', { name: 'Route case' })).toHaveFocus();
    expect(invoke).not.toHaveBeenCalled();
  });

  it('leaves a key that completes a "g" chord to the chord', async () => {
    render(CaseActions, { detail: detail(routeFirst), onchanged: vi.fn() });
    startChord();
    await userEvent.keyboard('f');
    expect(screen.getByLabelText('Effective date')).not.toHaveFocus();
  });

  it('shows no retention offer on a case answered with the sympathetic reply', () => {
    const offers = [{ id: 'discount', label: 'Discount', kind: 'discount', max_percent: 20, max_months: 3, max_amount: null, approval_above: null, tiers: null }] as unknown as Checklist['offers'];
    const { unmount } = render(CaseActions, { detail: detail({ offers, route: 'continue' }), onchanged: vi.fn() });
    expect(screen.getByText('Retention offer')).toBeInTheDocument();
    unmount();
    render(CaseActions, { detail: detail({ offers, route: 'sympathetic_reply' }), onchanged: vi.fn() });
    expect(screen.queryByText('Retention offer')).toBeNull();
  });

  it('says what the case waits for when nothing waits on this user', () => {
    render(CaseActions, {
      detail: detail({
        acknowledged: true,
        identity_verified: true,
        next_actions: [{ ...action('finalize', 'Finalize cancellation'), disabled_reason: 'the request form has not been received' }],
        next_step: null,
      }),
      onchanged: vi.fn(),
    });
    expect(screen.getByRole('status')).toHaveTextContent('Nothing on this case waits on you now: finalize cancellation — the request form has not been received');
  });
});
