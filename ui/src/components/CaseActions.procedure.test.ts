// The case page's steps as the engine now takes them: each control sends exactly the command the
// engine expects, and a refusal shows beside the control that caused it, keeping what was typed.
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseCommand, CaseDetail, Checklist } from '../lib/bindings';
import { accountFixture, checklistFixture, refundFixture, refusing } from '../lib/testing/checklist';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: CaseActions } = await import('./CaseActions.svelte');
const { deskActions } = await import('../lib/actions.svelte');
const { setPeople } = await import('../lib/people.svelte');

function detail(overrides: Partial<Checklist> = {}): CaseDetail {
  return {
    account: accountFixture(),
    summary: {
      id: 'c1', account_id: 'a1', account_name: 'Acme', account_tier: 'Standard', status: 'in_progress', channel: 'email',
      requester_name: 'Ana', requester_contact: 'ana@acme.io', received_at: '2026-11-21T10:00:00Z', opened_at: '2026-11-21T10:00:00Z',
    } as CaseDetail['summary'],
    checklist: checklistFixture(overrides),
    timeline: [],
  };
}

function sent(command: CaseCommand) {
  return ['run_case_command', { args: { case_id: 'c1', command } }];
}

function refuse(field: string, message: string) {
  invoke.mockRejectedValue({ kind: 'validation', field, message });
}

describe('CaseActions under the procedure as written', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  describe('first response', () => {
    it('acknowledges by writing the acknowledgement message, never a bare acknowledge', async () => {
      const onwrite = vi.fn();
      render(CaseActions, {
        detail: detail({
          acknowledged: false,
          messages: ['acknowledgement'],
          next_actions: [{ id: 'acknowledge', label: 'Acknowledge request', step: 'receive', refund_id: null, disabled_reason: null }],
        }),
        onchanged: vi.fn(),
        onwrite,
      });
      expect(screen.queryByRole('button', { name: 'Acknowledge' })).toBeNull();
      expect(screen.queryByRole('button', { name: 'Log a call' })).toBeNull();
      await userEvent.setup().click(screen.getByRole('button', { name: 'Write acknowledgement' }));
      expect(onwrite).toHaveBeenCalledWith('acknowledgement');
      await deskActions().find((a) => a.id === 'case.acknowledge')?.run();
      expect(onwrite).toHaveBeenCalledTimes(2);
      expect(invoke).not.toHaveBeenCalled();
    });

    it('logs a call with its note where the policy accepts one, and shows a refusal beside it', async () => {
      refuse('note', 'note who you spoke to and what was said on the call');
      render(CaseActions, {
        detail: detail({ acknowledged: false, messages: ['acknowledgement'], acknowledge_by: ['message', 'call'] }),
        onchanged: vi.fn(),
        onwrite: vi.fn(),
      });
      const user = userEvent.setup();
      const button = screen.getByRole('button', { name: 'Log a call' });
      expect(button).toBeDisabled();
      await user.type(screen.getByLabelText('What was said on the call'), 'Spoke to Ana');
      await user.click(button);
      expect(invoke).toHaveBeenLastCalledWith(...sent({ command: 'acknowledge', channel: 'call', note: 'Spoke to Ana' }));
      const form = screen.getByRole('form', { name: 'Log a call' });
      expect(await within(form.parentElement as HTMLElement).findByRole('alert')).toHaveTextContent('note who you spoke to');
      expect(screen.getByLabelText('What was said on the call')).toHaveValue('Spoke to Ana');
    });
  });

  describe('finalization', () => {
    const items: Checklist['finalization_checklist'] = [
      { id: 'export', label: 'Data export offered', when: 'before', step: null, done: true, confirmed_by: 'Amy', confirmed_at: '2026-11-21T11:00:00Z', note: 'Sent the export link' },
      { id: 'api', label: 'API and integrations revoked', when: 'before', step: null, done: false, confirmed_by: null, confirmed_at: null, note: null },
      { id: 'write_off', label: 'Unpaid invoices written off', when: 'before', step: 'write_off', done: false, confirmed_by: null, confirmed_at: null, note: null },
      { id: 'survey', label: 'Survey sent', when: 'after', step: null, done: false, confirmed_by: null, confirmed_at: null, note: null },
    ];

    it('finalizes with the effective date only, and shows its refusal by the date field', async () => {
      refuse('effective_date', 'must not be before the request was received (2026-11-21)');
      render(CaseActions, { detail: detail({ blockers: [], ready_to_finalize: true }), onchanged: vi.fn() });
      expect(screen.queryByLabelText('Data export offered')).toBeNull();
      const user = userEvent.setup();
      const date = screen.getByLabelText('Effective date');
      await user.type(date, '2026-11-01');
      await user.click(screen.getByRole('button', { name: 'Finalize cancellation' }));
      expect(invoke).toHaveBeenLastCalledWith(...sent({ command: 'finalize', effective_date: '2026-11-01', data_export_offered: false }));
      expect(await screen.findByRole('alert')).toHaveTextContent('must not be before the request was received');
      expect(date).toHaveAttribute('aria-invalid', 'true');
      expect(date).toHaveValue('2026-11-01');
    });

    it("draws the policy's checklist: who did what, read-only step items, and confirms the open ones", async () => {
      invoke.mockResolvedValue(detail());
      render(CaseActions, {
        detail: detail({ finalization_checklist: items, blockers: [{ gate: 'checklist_item', reason: 'API and integrations revoked is not confirmed' }] }),
        onchanged: vi.fn(),
      });
      const list = screen.getByRole('list', { name: 'Finalization checklist' });
      expect(list).toHaveTextContent('Done by Amy');
      expect(list).toHaveTextContent('Sent the export link');
      expect(list).toHaveTextContent('Done by the invoice write-off');
      expect(screen.getByRole('list', { name: 'Blocking finalization' })).toHaveTextContent('API and integrations revoked is not confirmed');
      expect(screen.queryByRole('button', { name: 'Confirm: Data export offered' })).toBeNull();
      expect(screen.queryByRole('button', { name: 'Confirm: Unpaid invoices written off' })).toBeNull();
      // What is done after the cancellation waits for it.
      expect(screen.queryByRole('button', { name: 'Confirm: Survey sent' })).toBeNull();
      const user = userEvent.setup();
      await user.type(screen.getByLabelText('Note: API and integrations revoked'), 'Keys revoked in admin');
      await user.click(screen.getByRole('button', { name: 'Confirm: API and integrations revoked' }));
      expect(invoke).toHaveBeenLastCalledWith(...sent({ command: 'confirm_checklist_item', item_id: 'api', note: 'Keys revoked in admin' }));
      expect(screen.getByLabelText('Note: API and integrations revoked')).toHaveValue('');
    });

    it('names who confirmed an item, not their id', () => {
      setPeople([{ id: '01a2-mia', name: 'Mia Manager', active: true }]);
      const item = { id: 'suspended', label: 'Services suspended', when: 'before' as const, step: null, done: true, confirmed_by: '01a2-mia', confirmed_at: '2026-11-21T11:00:00Z', note: 'Suspended' };
      render(CaseActions, { detail: detail({ finalization_checklist: [item] }), onchanged: vi.fn() });
      const list = screen.getByRole('list', { name: 'Finalization checklist' });
      expect(list).toHaveTextContent('Done by Mia Manager');
      expect(list).not.toHaveTextContent('01a2-mia');
      setPeople([]);
    });

    it('lists every open checklist item among the blockers (several share their gate)', () => {
      const reasons = ['"Cancellation logged" has not been done', '"Services suspended in Billsbee" has not been done'];
      render(CaseActions, {
        detail: detail({ blockers: reasons.map((reason) => ({ gate: 'checklist_item' as const, reason })) }),
        onchanged: vi.fn(),
      });
      const blockers = screen.getByRole('list', { name: 'Blocking finalization' });
      for (const reason of reasons) expect(blockers).toHaveTextContent(reason);
      expect(screen.getByRole('heading', { name: 'Checklist' })).toBeInTheDocument();
    });

    it('confirms the after items once cancelled, with the refusal beside the item', async () => {
      refuse('item_id', 'only billing may confirm this item');
      render(CaseActions, { detail: detail({ status: 'cancelled', finalization_checklist: items }), onchanged: vi.fn() });
      expect(screen.queryByRole('button', { name: 'Confirm: API and integrations revoked' })).toBeNull();
      await userEvent.setup().click(screen.getByRole('button', { name: 'Confirm: Survey sent' }));
      expect(invoke).toHaveBeenLastCalledWith(...sent({ command: 'confirm_checklist_item', item_id: 'survey', note: '' }));
      const item = screen.getByRole('form', { name: 'Confirm: Survey sent' }).parentElement as HTMLElement;
      expect(await within(item).findByRole('alert')).toHaveTextContent('only billing may confirm this item');
    });
  });

  describe('confirmation', () => {
    it('confirms by writing the confirmation message where the policy has one', async () => {
      const onwrite = vi.fn();
      render(CaseActions, {
        detail: detail({
          status: 'cancelled',
          messages: ['confirmation'],
          preferred_channel: 'phone',
          next_actions: [{ id: 'confirm', label: 'Confirm cancellation to the customer', step: 'confirm', refund_id: null, disabled_reason: null }],
        }),
        onchanged: vi.fn(),
        onwrite,
      });
      expect(screen.queryByLabelText('Channel')).toBeNull();
      await userEvent.setup().click(screen.getByRole('button', { name: 'Confirm cancellation' }));
      expect(onwrite).toHaveBeenCalledWith('confirmation');
      await deskActions().find((a) => a.id === 'case.confirm')?.run();
      expect(onwrite).toHaveBeenCalledTimes(2);
      expect(invoke).not.toHaveBeenCalled();
    });

    it('completes a confirmation message someone else recorded with a bare confirmation on its channel', async () => {
      invoke.mockResolvedValue(detail());
      render(CaseActions, {
        detail: detail({ status: 'cancelled', messages: ['confirmation'], preferred_channel: 'phone', confirmation_sent_on: 'phone' }),
        onchanged: vi.fn(),
        onwrite: vi.fn(),
      });
      await userEvent.setup().click(screen.getByRole('button', { name: 'Confirm cancellation' }));
      expect(invoke).toHaveBeenLastCalledWith(...sent({ command: 'confirm_cancellation', channel: 'phone' }));
    });
  });

  describe('retention', () => {
    const reasons = [{ id: 'price', label: 'Too expensive', mitigations: ['Offer a discount', 'Move to a smaller plan'] }];

    it("records the outcome with the reason's mitigations tried, and keeps the note when refused", async () => {
      refuse('note', 'say why no offer was made');
      render(CaseActions, { detail: detail({ reasons, reason_id: 'price', route: 'continue', retention_outcome_due: true }), onchanged: vi.fn() });
      const user = userEvent.setup();
      const form = screen.getByRole('form', { name: 'Retention outcome' });
      await user.click(within(form).getByLabelText('Move to a smaller plan'));
      await user.type(within(form).getByLabelText('Outcome note'), 'Declined both');
      await user.click(within(form).getByRole('button', { name: 'Still cancelling' }));
      expect(invoke).toHaveBeenLastCalledWith(
        ...sent({ command: 'record_retention_outcome', retained: false, note: 'Declined both', mitigations_tried: ['Move to a smaller plan'] }),
      );
      expect(await screen.findByRole('alert')).toHaveTextContent('say why no offer was made');
      expect(within(form).getByLabelText('Outcome note')).toHaveValue('Declined both');
    });

    it("records the CSM's outcome with the CSM's note", async () => {
      invoke.mockResolvedValue(detail());
      render(CaseActions, { detail: detail({ csm_step: true, escalated_to: 'Carla' }), onchanged: vi.fn() });
      const user = userEvent.setup();
      const form = screen.getByRole('form', { name: 'CSM outcome' });
      expect(within(form).getByRole('button', { name: 'Customer stays' })).toBeDisabled();
      await user.type(within(form).getByLabelText("The CSM's note"), 'Call on Monday, they stay on a smaller plan');
      await user.click(within(form).getByRole('button', { name: 'Customer stays' }));
      expect(invoke).toHaveBeenLastCalledWith(
        ...sent({ command: 'record_csm_outcome', retained: true, note: 'Call on Monday, they stay on a smaller plan' }),
      );
      expect(within(form).getByLabelText("The CSM's note")).toHaveValue('');
    });
  });

  describe('refunds', () => {
    it('asks for the charge date where the policy has a refund window, sends it, and clears after success', async () => {
      invoke.mockResolvedValue(detail());
      render(CaseActions, { detail: detail({ refund_window_days: 90 }), onchanged: vi.fn() });
      const user = userEvent.setup();
      const request = screen.getByRole('button', { name: 'Request refund' });
      await user.type(screen.getByLabelText('Refund amount (USD)'), '40');
      await user.type(screen.getByLabelText('Justification'), 'Charged twice');
      expect(request).toBeDisabled();
      expect(screen.getByText(/up to 90 days after the charge/)).toBeVisible();
      await user.type(screen.getByLabelText('Charge date'), '2026-10-02');
      await user.click(request);
      const [, payload] = invoke.mock.calls[0] as [string, { args: { command: Record<string, unknown> } }];
      expect(payload.args.command).toMatchObject({
        command: 'request_refund',
        amount: { minor: 4_000, currency: 'USD' },
        justification: 'Charged twice',
        charged_on: '2026-10-02',
      });
      expect(screen.getByLabelText('Refund amount (USD)')).toHaveValue('');
      expect(screen.getByLabelText('Charge date')).toHaveValue('');
    });

    it('sends no charge date when the policy has no window and none was typed', async () => {
      invoke.mockResolvedValue(detail());
      render(CaseActions, { detail: detail(), onchanged: vi.fn() });
      const user = userEvent.setup();
      await user.type(screen.getByLabelText('Refund amount (USD)'), '40');
      await user.click(screen.getByRole('button', { name: 'Request refund' }));
      const [, payload] = invoke.mock.calls[0] as [string, { args: { command: Record<string, unknown> } }];
      expect(payload.args.command.charged_on).toBeNull();
    });

    it('shows whoever acts on a refund everything the requester gave, beside the buttons', () => {
      render(CaseActions, {
        detail: detail({ refund_window_days: 90, refunds: [refundFixture({ review_reasons: ['above_threshold', 'outside_window'] })] }),
        onchanged: vi.fn(),
      });
      const refund = screen.getByRole('list', { name: 'Refunds' });
      expect(refund).toHaveTextContent('requested by Amy');
      expect(refund).toHaveTextContent('Charged twice in November');
      expect(refund).toHaveTextContent('Charged on 2026-11-02');
      expect(refund).toHaveTextContent('above the USD 1,000.00 threshold');
      expect(refund).toHaveTextContent('outside the 90-day refund window');
      expect(refund).toHaveTextContent('Billing had a heads-up');
      expect(within(refund).getByRole('button', { name: 'Verify refund' })).toBeEnabled();
    });

    it("lets billing complete a refund on the complete_refund step, not the approver's", async () => {
      refuse('refund_id', 'the refund was already completed');
      const refund = refundFixture({ status: 'billing_in_progress', verified_by: 'Mo' });
      render(CaseActions, {
        detail: detail({ refunds: [refund], permissions: refusing({ approve_refund: 'only a manager may verify refunds' }) }),
        onchanged: vi.fn(),
      });
      const list = screen.getByRole('list', { name: 'Refunds' });
      await userEvent.setup().click(within(list).getByRole('button', { name: 'Mark refund completed' }));
      // (The refund waiting for a decision also reads the account's refund history.)
      expect(invoke).toHaveBeenCalledWith(...sent({ command: 'complete_refund', refund_id: refund.refund_id }));
      expect(await within(list).findByRole('alert')).toHaveTextContent('the refund was already completed');
    });

    it('keeps completion disabled for someone who may not complete refunds', () => {
      render(CaseActions, {
        detail: detail({
          refunds: [refundFixture({ status: 'billing_in_progress' })],
          permissions: refusing({ complete_refund: 'only billing may complete a refund' }),
        }),
        onchanged: vi.fn(),
      });
      expect(screen.getByRole('button', { name: 'Mark refund completed' })).toBeDisabled();
      expect(screen.getByText('only billing may complete a refund')).toBeVisible();
    });
  });

  describe('routing', () => {
    it('asks for the unknown accounts receivable and enters it in minor units', async () => {
      refuse('amount', 'must be in USD');
      render(CaseActions, {
        detail: detail({ receivable_needed: true, next_actions: [{ id: 'enter_receivable', label: 'Enter accounts receivable', step: 'route', refund_id: null, disabled_reason: null }] }),
        onchanged: vi.fn(),
      });
      expect(screen.getByRole('button', { name: 'Route case' })).toBeDisabled();
      const user = userEvent.setup();
      await user.type(screen.getByLabelText('Accounts receivable (USD)'), '1,200.50');
      await user.click(screen.getByRole('button', { name: 'Enter receivable' }));
      expect(invoke).toHaveBeenLastCalledWith(...sent({ command: 'enter_receivable', amount: { minor: 120_050, currency: 'USD' } }));
      const form = screen.getByRole('form', { name: 'Accounts receivable' });
      expect(await within(form.parentElement as HTMLElement).findByRole('alert')).toHaveTextContent('must be in USD');
      expect(screen.getByLabelText('Accounts receivable (USD)')).toHaveValue('1,200.50');
      deskActions().find((a) => a.id === 'case.enter_receivable')?.run();
      expect(screen.getByLabelText('Accounts receivable (USD)')).toHaveFocus();
    });

    it('says the reason comes first where the procedure routes on it, and who holds the routed case', () => {
      const { unmount } = render(CaseActions, {
        detail: detail({ reasons: [{ id: 'other', label: 'Other concerns', mitigations: [] }], reason_needed_for_route: true }),
        onchanged: vi.fn(),
      });
      expect(screen.getByText('Record the reason first: this procedure routes on it')).toBeVisible();
      expect(screen.getByRole('button', { name: 'Route case' })).toBeDisabled();
      unmount();
      render(CaseActions, { detail: detail({ route: 'hand_off', owner: null, owner_role: 'billing' }), onchanged: vi.fn() });
      expect(screen.getByText(/Routed:/)).toHaveTextContent('Hand off to a person or team · assigned to Billing');
    });

    it('opens the sympathetic reply the route decided on, drafted, and offers it until it is sent', async () => {
      const routedTo = (sent: boolean) =>
        detail({
          route: 'sympathetic_reply', messages: ['sympathetic_reply', 'confirmation'],
          messages_sent: sent ? ['sympathetic_reply'] : [], reply_due: sent ? null : 'sympathetic_reply',
        });
      invoke.mockResolvedValue(routedTo(false));
      const onwrite = vi.fn();
      const { unmount } = render(CaseActions, { detail: detail({ messages: ['sympathetic_reply', 'confirmation'] }), onchanged: vi.fn(), onwrite });
      const user = userEvent.setup();
      await user.click(screen.getByRole('button', { name: 'Route case' }));
      expect(invoke).toHaveBeenLastCalledWith(...sent({ command: 'route' }));
      expect(onwrite).toHaveBeenCalledWith('sympathetic_reply');
      unmount();

      // Until it goes out, the routed step offers it; once sent, it does not.
      const again = vi.fn();
      const { unmount: gone } = render(CaseActions, { detail: routedTo(false), onchanged: vi.fn(), onwrite: again });
      await user.click(screen.getByRole('button', { name: 'Write the sympathetic reply' }));
      expect(again).toHaveBeenCalledWith('sympathetic_reply');
      gone();
      render(CaseActions, { detail: routedTo(true), onchanged: vi.fn(), onwrite: vi.fn() });
      expect(screen.queryByRole('button', { name: 'Write the sympathetic reply' })).toBeNull();
    });

    it('does not open a reply for a route that is not one', async () => {
      invoke.mockResolvedValue(detail({ route: 'save_call', messages: ['sympathetic_reply'] }));
      const onwrite = vi.fn();
      render(CaseActions, { detail: detail({ messages: ['sympathetic_reply'] }), onchanged: vi.fn(), onwrite });
      await userEvent.setup().click(screen.getByRole('button', { name: 'Route case' }));
      expect(invoke).toHaveBeenLastCalledWith(...sent({ command: 'route' }));
      expect(onwrite).not.toHaveBeenCalled();
    });
  });

  describe('hand-off', () => {
    it('hands the case to a person with the reason, from its form or the palette', async () => {
      invoke.mockResolvedValue(detail());
      render(CaseActions, {
        detail: detail({ next_actions: [{ id: 'hand_off', label: 'Hand off to someone else', step: 'hand_off', refund_id: null, disabled_reason: null }] }),
        onchanged: vi.fn(),
      });
      deskActions().find((a) => a.id === 'case.hand_off')?.run();
      const to = screen.getByLabelText('To a person or team');
      expect(to).toHaveFocus();
      const user = userEvent.setup();
      await user.type(to, 'Technical support');
      await user.type(screen.getByLabelText('Reason for the hand-off'), 'Reported an outage');
      await user.click(screen.getByRole('button', { name: 'Hand off' }));
      expect(invoke).toHaveBeenLastCalledWith(
        ...sent({ command: 'hand_off', task_id: null, to: 'Technical support', to_role: null, reason: 'Reported an outage' }),
      );
      expect(to).toHaveValue('');
    });

    it('hands the case to a role, and shows a refusal beside the form', async () => {
      refuse('to', 'name a person or a role, not both');
      render(CaseActions, { detail: detail(), onchanged: vi.fn() });
      const user = userEvent.setup();
      await user.click(screen.getByText('Hand off to someone else…'));
      await user.selectOptions(screen.getByLabelText('Or a role'), 'Billing');
      await user.type(screen.getByLabelText('Reason for the hand-off'), 'Billing in progress');
      await user.click(screen.getByRole('button', { name: 'Hand off' }));
      expect(invoke).toHaveBeenLastCalledWith(...sent({ command: 'hand_off', task_id: null, to: null, to_role: 'billing', reason: 'Billing in progress' }));
      const form = screen.getByRole('form', { name: 'Hand off' });
      expect(await within(form.parentElement as HTMLElement).findByRole('alert')).toHaveTextContent('name a person or a role, not both');
      expect(screen.getByLabelText('Reason for the hand-off')).toHaveValue('Billing in progress');
    });

    it('lists the case\'s open tasks and hands one of them to someone else', async () => {
      invoke.mockResolvedValue(detail());
      const saveCall = {
        id: 'c1/save_call/', kind: 'save_call' as const, assignee: 'Rob Reyes', assignee_role: null,
        detail: 'Call +1 555 010 2030; reason: Too expensive', due_at: '2099-01-01T15:00:00Z',
      };
      render(CaseActions, { detail: detail({ open_tasks: [saveCall] }), onchanged: vi.fn() });
      const tasks = screen.getByRole('list', { name: 'Open tasks' });
      expect(tasks).toHaveTextContent('Save call for Rob Reyes');
      expect(tasks).toHaveTextContent('Call +1 555 010 2030; reason: Too expensive');
      const user = userEvent.setup();
      await user.click(screen.getByText('Hand off to someone else…'));
      await user.selectOptions(screen.getByLabelText('What to hand off'), 'Save call (Rob Reyes)');
      await user.type(screen.getByLabelText('To a person or team'), 'Spencer');
      await user.type(screen.getByLabelText('Reason for the hand-off'), 'Rob is on leave this week');
      await user.click(screen.getByRole('button', { name: 'Hand off' }));
      expect(invoke).toHaveBeenLastCalledWith(
        ...sent({ command: 'hand_off', task_id: 'c1/save_call/', to: 'Spencer', to_role: null, reason: 'Rob is on leave this week' }),
      );
    });
  });

  describe('after the cancellation', () => {
    const winBack: Checklist['win_back'] = [
      { number: 1, due: '2027-03-01T09:00:00Z', assignee: 'Sam', outcome: { outcome: 'declined', note: 'Happy elsewhere', by: 'Sam', at: '2027-03-01T10:00:00Z' } },
      { number: 2, due: '2027-06-01T09:00:00Z', assignee: 'Sam', outcome: null },
    ];

    it('records a win-back check-in outcome with its note, and a refusal beside it', async () => {
      refuse('check_in', 'check-in 2 is not due yet');
      render(CaseActions, { detail: detail({ status: 'cancelled', win_back_months: [3, 6], win_back: winBack }), onchanged: vi.fn() });
      const list = screen.getByRole('list', { name: 'Win-back check-ins' });
      expect(list).toHaveTextContent('Check-in 1');
      expect(list).toHaveTextContent('Declined (by Sam');
      expect(list).toHaveTextContent('Happy elsewhere');
      expect(screen.queryByRole('button', { name: 'Check-in 1: Reactivated' })).toBeNull();
      const user = userEvent.setup();
      await user.type(screen.getByLabelText('Check-in 2: note'), 'Asked for a demo');
      await user.click(screen.getByRole('button', { name: 'Check-in 2: Reactivated' }));
      expect(invoke).toHaveBeenLastCalledWith(...sent({ command: 'record_win_back_outcome', check_in: 2, outcome: 'reactivated', note: 'Asked for a demo' }));
      expect(await within(list).findByRole('alert')).toHaveTextContent('check-in 2 is not due yet');
      expect(screen.getByLabelText('Check-in 2: note')).toHaveValue('Asked for a demo');
      expect(screen.getByRole('button', { name: 'Check-in 2: No answer' })).toBeEnabled();
      expect(screen.getByRole('button', { name: 'Check-in 2: Declined' })).toBeEnabled();
    });

    it('says the survey link was sent and records the feedback with it', async () => {
      invoke.mockResolvedValue(detail());
      render(CaseActions, {
        detail: detail({ status: 'cancelled', survey_link: 'https://survey.example/x', survey_link_sent: true }),
        onchanged: vi.fn(),
      });
      expect(screen.getByText(/Survey link sent/)).toBeVisible();
      const user = userEvent.setup();
      await user.type(screen.getByLabelText('What the customer said'), 'Too expensive');
      await user.click(screen.getByRole('button', { name: 'Record feedback' }));
      expect(invoke).toHaveBeenLastCalledWith(...sent({ command: 'record_feedback', text: 'Too expensive', survey_link: 'https://survey.example/x' }));
    });
  });

  it('says where and how to submit the form, and when the reminder is due', () => {
    render(CaseActions, {
      detail: detail({
        form_fields: ['Reason'],
        form_sent: true,
        form_submit_to: 'cancellations@acme.example',
        form_instructions: 'Sign and scan both pages',
        form_reminder_due: new Date(Date.now() + 2 * 86_400_000 + 3_600_000).toISOString(),
      }),
      onchanged: vi.fn(),
    });
    const how = screen.getByLabelText('How the form is submitted');
    expect(how).toHaveTextContent('cancellations@acme.example');
    expect(how).toHaveTextContent('Sign and scan both pages');
    expect(screen.getByText(/Reminder due/)).toHaveTextContent('in 2 days');
  });

  describe('the cancellation sheet', () => {
    const row = {
      name: 'Dana Bramble', phone: '+1 555 010 4242', date_of_cancellation: '2026-11-30',
      total_collected: { minor: 1_080_000, currency: 'USD' }, months_in_program: 31, reason: 'Closing or changing the business',
    };

    it('shows the whole row on a cancelled case, where the procedure keeps a sheet', () => {
      render(CaseActions, { detail: detail({ status: 'cancelled', log_required: true, logged: true, cancellation_sheet: row }), onchanged: vi.fn() });
      const table = screen.getByRole('table', { name: 'Cancellation sheet row' });
      const cells = within(table).getAllByRole('cell').map((cell) => cell.textContent?.replace(/\s/g, ' '));
      expect(cells).toEqual(['Dana Bramble', '+1 555 010 4242', '2026-11-30', 'USD 10,800.00', '31', 'Closing or changing the business']);
      // Nothing to log or write off on a closed case.
      expect(screen.queryByRole('button', { name: 'Log request in the cancellation sheet' })).toBeNull();
    });

    it('marks a blank column before the case can be cancelled', () => {
      render(CaseActions, { detail: detail({ log_required: true, cancellation_sheet: { ...row, phone: null, reason: null } }), onchanged: vi.fn() });
      const table = screen.getByRole('table', { name: 'Cancellation sheet row' });
      expect(within(table).getAllByText('Missing')).toHaveLength(2);
      expect(within(table).getByText('2026-11-30 (requested)')).toBeTruthy();
    });
  });
});
