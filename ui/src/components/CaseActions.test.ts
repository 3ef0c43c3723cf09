import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseDetail } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: CaseActions } = await import('./CaseActions.svelte');

function detail(overrides: Partial<NonNullable<CaseDetail['checklist']>> = {}): CaseDetail {
  return {
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
    checklist: {
      status: 'in_progress',
      acknowledged: true,
      identity_verified: true,
      verification_methods: ['email_on_file'],
      form_fields: ['Reason for cancellation'],
      form_sent: true,
      form_received: false,
      route: null,
      csm_step: true,
      escalated_to: null,
      csm_engaged: false,
      retention_outcome_due: false,
      offer_pending: null,
      currency: 'USD',
      offers: [],
      offers_granted: [],
      blockers: [
        { gate: 'form_received', reason: 'the cancellation request form has not been received' },
        { gate: 'csm_engaged', reason: 'a customer success manager has not engaged with the customer yet' },
      ],
      ready_to_finalize: false,
      ...overrides,
    },
    timeline: [],
  };
}

describe('CaseActions', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('lists what blocks finalization and keeps the button disabled', () => {
    render(CaseActions, { detail: detail(), onchanged: vi.fn() });
    const blockers = screen.getByRole('list', { name: 'Blocking finalization' });
    expect(blockers).toHaveTextContent('the cancellation request form has not been received');
    expect(blockers).toHaveTextContent('a customer success manager has not engaged with the customer yet');
    expect(screen.getByRole('button', { name: 'Finalize cancellation' })).toBeDisabled();
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
});
