import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: HeadsUpSettings } = await import('./HeadsUpSettings.svelte');

const KINDS = [
  { kind: 'refund_requested', label: 'Refund requested (billing heads-up)' },
  { kind: 'finalized', label: 'Cancellation finalized (CRM update)' },
];
const EMPTY = { team: false, kinds: KINDS, subscriptions: [], deliveries: [] };
const BILLING = {
  name: 'billing',
  url: 'https://hooks.example.com/billing',
  format: 'signed',
  kinds: ['refund_requested'],
  has_secret: true,
};
const DELIVERY = {
  id: '0190a1b2-0000-7000-8000-000000000001',
  subscription: 'billing',
  kind: 'refund_requested',
  case_id: '0190a1b2-0000-7000-8000-000000000002',
  status: 'pending',
  attempts: 2,
  last_error: 'HTTP 503',
  queued_at: '2026-03-05T10:00:00Z',
  next_attempt_at: '2026-03-05T10:01:30Z',
  delivered_at: null,
};

describe('HeadsUpSettings', () => {
  // A block, not an arrow returning the mock: vitest would call a returned function after the test.
  beforeEach(() => {
    invoke.mockReset();
  });
  afterEach(() => vi.useRealTimers());

  it('saves a signed heads-up with its secret and shows the endpoint, never the secret', async () => {
    invoke.mockImplementation((command: string) =>
      Promise.resolve(command === 'save_heads_up_subscription' ? { ...EMPTY, subscriptions: [BILLING] } : EMPTY),
    );
    render(HeadsUpSettings);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Name'), 'billing');
    await user.type(screen.getByLabelText('Endpoint URL'), 'https://hooks.example.com/billing');
    await user.type(screen.getByLabelText('Signing secret'), 'a-long-enough-signing-secret');
    await user.click(screen.getByRole('checkbox', { name: 'Refund requested (billing heads-up)' }));
    await user.click(screen.getByRole('button', { name: 'Save heads-up' }));
    expect(invoke).toHaveBeenCalledWith('save_heads_up_subscription', {
      args: {
        subscription: { name: 'billing', url: 'https://hooks.example.com/billing', format: 'signed', kinds: ['refund_requested'] },
        secret: 'a-long-enough-signing-secret',
      },
    });
    expect(await screen.findByRole('status')).toHaveTextContent('Saved: billing');
    const endpoints = screen.getByRole('list', { name: 'Heads-up endpoints' });
    expect(endpoints).toHaveTextContent('https://hooks.example.com/billing');
    expect(endpoints).not.toHaveTextContent('a-long-enough');
    expect(screen.getByLabelText('Signing secret')).toHaveValue('');
  });

  it('sends a Slack message without a secret and shows a refused field beside it', async () => {
    invoke.mockImplementation((command: string) =>
      command === 'save_heads_up_subscription'
        ? Promise.reject({ kind: 'validation', field: 'url', message: 'must start with https:// or http://' })
        : Promise.resolve(EMPTY),
    );
    render(HeadsUpSettings);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Name'), 'csm');
    await user.type(screen.getByLabelText('Endpoint URL'), 'hooks.example.com');
    await user.click(screen.getByRole('radio', { name: /Slack-compatible/ }));
    expect(screen.queryByLabelText('Signing secret')).toBeNull();
    await user.click(screen.getByRole('checkbox', { name: 'Cancellation finalized (CRM update)' }));
    await user.click(screen.getByRole('button', { name: 'Save heads-up' }));
    expect(invoke).toHaveBeenCalledWith('save_heads_up_subscription', {
      args: { subscription: { name: 'csm', url: 'hooks.example.com', format: 'slack', kinds: ['finalized'] }, secret: null },
    });
    expect(await screen.findByText('must start with https:// or http://')).toBeInTheDocument();
  });

  it('lists deliveries with status, attempts and last error, and removes an endpoint', async () => {
    invoke.mockImplementation((command: string) =>
      Promise.resolve(
        command === 'remove_heads_up_subscription' ? EMPTY : { ...EMPTY, subscriptions: [BILLING], deliveries: [DELIVERY] },
      ),
    );
    render(HeadsUpSettings);
    const user = userEvent.setup();
    const table = await screen.findByRole('table', { name: 'Heads-up deliveries' });
    const row = within(table).getAllByRole('row')[1];
    expect(row).toHaveTextContent('billing');
    expect(row).toHaveTextContent('Refund requested (billing heads-up)');
    expect(row).toHaveTextContent('Waiting to retry');
    expect(row).toHaveTextContent('2');
    expect(row).toHaveTextContent('HTTP 503');
    await user.click(screen.getByRole('button', { name: 'Remove billing' }));
    expect(invoke).toHaveBeenCalledWith('remove_heads_up_subscription', { args: { name: 'billing' } });
    expect(await screen.findByRole('status')).toHaveTextContent('Removed billing.');
  });

  it('tells a non-manager where heads-ups are configured', async () => {
    invoke.mockRejectedValue({ kind: 'forbidden', message: 'only a manager' });
    render(HeadsUpSettings);
    expect(await screen.findByText('Only a manager configures heads-ups and sees their deliveries.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save heads-up' })).toBeNull();
    expect(invoke).toHaveBeenCalledTimes(1);
  });

  it("in a team shows the server's subscriptions and log, with nothing to configure on the desk", async () => {
    invoke.mockImplementation((command: string) =>
      Promise.resolve(
        command === 'team_heads_ups'
          ? {
              subscriptions: [{ name: 'billing', format: 'signed', kinds: ['refund_requested'] }],
              deliveries: [{ ...DELIVERY, status: 'delivered', attempts: 3, next_attempt_at: null }],
            }
          : { ...EMPTY, team: true },
      ),
    );
    render(HeadsUpSettings);
    expect(await screen.findByText(/the server sends the team's heads-ups/)).toBeInTheDocument();
    const endpoints = await screen.findByRole('list', { name: 'Heads-up endpoints' });
    expect(endpoints).toHaveTextContent('billing');
    expect(endpoints).toHaveTextContent('Refund requested (billing heads-up)');
    const row = within(screen.getByRole('table', { name: 'Heads-up deliveries' })).getAllByRole('row')[1];
    expect(row).toHaveTextContent('Delivered');
    expect(screen.queryByRole('button', { name: 'Save heads-up' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove billing' })).toBeNull();
  });

  it('says why the team log cannot be read', async () => {
    invoke.mockImplementation((command: string) =>
      command === 'team_heads_ups'
        ? Promise.reject({ kind: 'conflict', message: "the team server's heads-ups cannot be read now: offline" })
        : Promise.resolve({ ...EMPTY, team: true }),
    );
    render(HeadsUpSettings);
    expect(await screen.findByRole('alert')).toHaveTextContent('cannot be read now');
  });
});
