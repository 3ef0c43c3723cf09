import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseDetail } from '../lib/bindings';
import { accountFixture, checklistFixture, refundFixture, refusing } from '../lib/testing/checklist';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: CaseActions } = await import('./CaseActions.svelte');
const { deskActions } = await import('../lib/actions.svelte');

function detail(overrides: Partial<NonNullable<CaseDetail['checklist']>> = {}): CaseDetail {
  return {
    account: accountFixture(),
    summary: {
      id: 'c1',
      account_id: 'a1',
      account_name: 'Acme',
      account_tier: 'Standard',
      status: 'in_progress',
      channel: 'email',
      requester_name: 'Ana',
      requester_contact: 'ana@acme.io',
      received_at: '2026-11-21T10:00:00Z',
      opened_at: '2026-11-21T10:00:00Z',
    },
    checklist: checklistFixture({
      form_fields: ['Reason for cancellation'],
      form_sent: true,
      csm_step: true,
      blockers: [
        { gate: 'form_received', reason: 'the cancellation request form has not been received' },
        { gate: 'csm_engaged', reason: 'a customer success manager has not engaged with the customer yet' },
      ],
      ...overrides,
    }),
    timeline: [],
  };
}

describe('CaseActions', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('says when a one-time code was accepted only provisionally, until the team server checks it', () => {
    const { unmount } = render(CaseActions, { detail: detail({ identity_verified: true, identity_provisional: true }), onchanged: vi.fn() });
    expect(screen.getByText(/the team server checks it at the next sync/)).toBeInTheDocument();
    unmount();
    render(CaseActions, { detail: detail({ identity_verified: true, identity_provisional: false }), onchanged: vi.fn() });
    expect(screen.queryByText(/the team server checks it at the next sync/)).not.toBeInTheDocument();
  });

  it('lists what blocks finalization and keeps the button disabled', () => {
    render(CaseActions, { detail: detail(), onchanged: vi.fn() });
    const blockers = screen.getByRole('list', { name: 'Blocking finalization' });
    expect(blockers).toHaveTextContent('the cancellation request form has not been received');
    expect(blockers).toHaveTextContent('a customer success manager has not engaged with the customer yet');
    expect(screen.getByRole('button', { name: 'Finalize cancellation' })).toBeDisabled();
  });

  it('lists every checklist item still to do, though they share one gate', () => {
    // IntelliServe has four items before the cancellation: one gate, four blockers.
    const items = ['Data export options offered', 'Data retention and deletion explained'];
    render(CaseActions, {
      detail: detail({ blockers: items.map((label) => ({ gate: 'checklist_item', reason: `"${label}" has not been done` })) }),
      onchanged: vi.fn(),
    });
    const blockers = screen.getByRole('list', { name: 'Blocking finalization' });
    for (const label of items) expect(blockers).toHaveTextContent(`"${label}" has not been done`);
  });

  it('enables finalization once every gate is met and a date is given', async () => {
    render(CaseActions, { detail: detail({ blockers: [], ready_to_finalize: true, form_received: true, csm_engaged: true, escalated_to: 'Carla' }), onchanged: vi.fn() });
    expect(screen.queryByRole('list', { name: 'Blocking finalization' })).toBeNull();
    const finalize = screen.getByRole('button', { name: 'Finalize cancellation' });
    expect(finalize).toBeDisabled();
    await userEvent.setup().type(screen.getByLabelText('Effective date'), '2026-12-31');
    expect(finalize).toBeEnabled();
  });

  it('shows the engine refusal beside the step and keeps what was typed', async () => {
    invoke.mockRejectedValue({ kind: 'forbidden', message: 'only an account manager may escalate the case to a CSM' });
    const onchanged = vi.fn();
    render(CaseActions, { detail: detail(), onchanged });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('CSM'), 'Carla');
    await user.click(screen.getByRole('button', { name: 'Escalate' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('only an account manager may escalate the case to a CSM');
    expect(screen.getByLabelText('CSM')).toHaveValue('Carla');
    expect(invoke).toHaveBeenCalledWith('run_case_command', {
      args: { case_id: 'c1', command: { command: 'escalate', csm: 'Carla', note: '' } },
    });
    expect(onchanged).not.toHaveBeenCalled();
  });

  it('shows a step the user may not take disabled, with the reason in the engine words', () => {
    render(CaseActions, {
      detail: detail({ blockers: [], ready_to_finalize: true, permissions: refusing({ finalize: 'only a manager may finalize the cancellation' }) }),
      onchanged: vi.fn(),
    });
    expect(screen.getByRole('button', { name: 'Finalize cancellation' })).toBeDisabled();
    expect(screen.getByText('only a manager may finalize the cancellation')).toBeVisible();
  });

  it('requests a refund in minor units and warns above the threshold that a second person must verify it', async () => {
    invoke.mockResolvedValue(detail());
    render(CaseActions, { detail: detail(), onchanged: vi.fn() });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Refund amount (USD)'), '1,250.50');
    expect(screen.getByText(/someone other than you must verify it/)).toBeVisible();
    await user.type(screen.getByLabelText('Justification'), 'Charged twice');
    await user.click(screen.getByRole('button', { name: 'Request refund' }));
    const [, payload] = invoke.mock.calls[0] as [string, { args: { command: { command: string; amount: unknown; refund_id: string } } }];
    expect(payload.args.command.command).toBe('request_refund');
    expect(payload.args.command.amount).toEqual({ minor: 125_050, currency: 'USD' });
    expect(payload.args.command.refund_id).toMatch(/^[0-9a-f-]{14}7/);
  });

  it('offers the second verifier the refund under review, and shows who requested it', async () => {
    invoke.mockResolvedValue(detail());
    const refund = refundFixture();
    render(CaseActions, { detail: detail({ refunds: [refund] }), onchanged: vi.fn() });
    expect(screen.getByRole('list', { name: 'Refunds' })).toHaveTextContent('requested by Amy');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Verify refund' }));
    expect(invoke).toHaveBeenCalledWith('run_case_command', {
      args: { case_id: 'c1', command: { command: 'verify_refund', refund_id: refund.refund_id } },
    });
  });

  it('after the cancellation, confirms on the preferred channel, records feedback and schedules win-back', async () => {
    invoke.mockResolvedValue(detail());
    render(CaseActions, {
      detail: detail({ status: 'cancelled', preferred_channel: 'phone', win_back_months: [3, 6], blockers: [] }),
      onchanged: vi.fn(),
    });
    const user = userEvent.setup();
    expect(screen.getByLabelText('Channel')).toHaveValue('phone');
    await user.click(screen.getByRole('button', { name: 'Confirm cancellation' }));
    expect(invoke).toHaveBeenLastCalledWith('run_case_command', {
      args: { case_id: 'c1', command: { command: 'confirm_cancellation', channel: 'phone' } },
    });
    await user.type(screen.getByLabelText('What the customer said'), 'Too expensive');
    await user.click(screen.getByRole('button', { name: 'Record feedback' }));
    expect(invoke).toHaveBeenLastCalledWith('run_case_command', {
      args: { case_id: 'c1', command: { command: 'record_feedback', text: 'Too expensive', survey_link: null } },
    });
    await user.click(screen.getByRole('button', { name: 'Schedule win-back check-ins' }));
    expect(invoke).toHaveBeenLastCalledWith('run_case_command', { args: { case_id: 'c1', command: { command: 'schedule_win_back' } } });
    expect(screen.queryByRole('button', { name: 'Finalize cancellation' })).toBeNull();
  });

  it('offers in the command palette the next actions the engine lists, with its reasons', () => {
    render(CaseActions, {
      detail: detail({
        acknowledged: false,
        next_actions: [
          { id: 'acknowledge', label: 'Acknowledge request', step: 'receive', refund_id: null, disabled_reason: null },
          { id: 'escalate', label: 'Escalate to a CSM', step: 'escalate', refund_id: null, disabled_reason: null },
          { id: 'finalize', label: 'Finalize cancellation', step: 'finalize', refund_id: null, disabled_reason: 'only a manager may finalize the cancellation' },
        ],
      }),
      onchanged: vi.fn(),
    });
    const byLabel = new Map(deskActions().map((action) => [action.label, action]));
    expect(byLabel.get('Acknowledge request')?.disabledReason).toBeNull();
    expect(byLabel.get('Acknowledge request')?.id).toBe('case.acknowledge');
    expect(byLabel.get('Escalate to a CSM')).toBeDefined();
    expect(byLabel.get('Finalize cancellation')?.disabledReason).toBe('only a manager may finalize the cancellation');
    expect(deskActions().filter((action) => action.group === 'Case')).toHaveLength(3);
  });

  it('decides nothing itself: a checklist with no next actions offers none in the palette', () => {
    render(CaseActions, { detail: detail({ acknowledged: false, next_actions: [] }), onchanged: vi.fn() });
    expect(deskActions().filter((action) => action.group === 'Case')).toEqual([]);
  });

  it('runs a one-click action from the palette, and a refund action on its refund', async () => {
    invoke.mockResolvedValue(detail());
    const refundId = '018bcfe5-6800-7000-8000-000000000000';
    render(CaseActions, {
      detail: detail({
        next_actions: [
          { id: 'route', label: 'Route case', step: 'route', refund_id: null, disabled_reason: null },
          { id: 'verify_refund', label: 'Verify refund', step: 'approve_refund', refund_id: refundId, disabled_reason: null },
        ],
      }),
      onchanged: vi.fn(),
    });
    const byId = new Map(deskActions().map((action) => [action.id, action]));
    await byId.get('case.route')?.run();
    expect(invoke).toHaveBeenLastCalledWith('run_case_command', { args: { case_id: 'c1', command: { command: 'route' } } });
    await byId.get(`case.verify_refund.${refundId}`)?.run();
    expect(invoke).toHaveBeenLastCalledWith('run_case_command', {
      args: { case_id: 'c1', command: { command: 'verify_refund', refund_id: refundId } },
    });
  });
});
