import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Account } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: PrivacyPanel } = await import('./PrivacyPanel.svelte');

const usd = (minor: number) => ({ minor, currency: 'USD' });

const ACCOUNT: Account = {
  id: 'acc-1',
  external_id: 'C-77',
  name: 'Ada Lovelace',
  contact_name: 'Ada Lovelace',
  email: 'ada@example.com',
  phone: '+1 555 867 5309',
  preferred_channel: 'email',
  tier: 'Essentials',
  hosting_server: null,
  plan: null,
  mrr: usd(4_900),
  customer_since: null,
  total_collected: usd(58_800),
  accounts_receivable: usd(0),
  original_sales_rep: null,
  unpaid_invoices: 0,
  plan_price: null,
  billing_period_start: null,
  billing_period_end: null,
  account_manager: null,
};

describe('PrivacyPanel', () => {
  beforeEach(() => invoke.mockReset());

  it('saves the customer\'s data as JSON or a summary and says where', async () => {
    invoke.mockResolvedValueOnce({ path: '/home/mia/customer-C-77.json' }).mockResolvedValueOnce(null);
    render(PrivacyPanel, { account: ACCOUNT, onerased: () => {} });
    await userEvent.click(screen.getByRole('button', { name: "Save this customer's data as JSON…" }));
    expect(invoke).toHaveBeenCalledWith('save_customer_data', { args: { account_id: 'acc-1', format: 'json' } });
    expect(await screen.findByRole('status')).toHaveTextContent('Saved to /home/mia/customer-C-77.json');
    await userEvent.click(screen.getByRole('button', { name: 'Save a readable summary…' }));
    expect(invoke).toHaveBeenLastCalledWith('save_customer_data', { args: { account_id: 'acc-1', format: 'html' } });
  });

  it('erases only once the external id is typed, then says what went and what stays', async () => {
    const onerased = vi.fn();
    invoke.mockResolvedValueOnce({
      account_id: 'acc-1',
      reason: 'request',
      account: true,
      cases: 2,
      events: 9,
      sent_to_server: false,
    });
    render(PrivacyPanel, { account: ACCOUNT, onerased });
    await userEvent.click(screen.getByRole('button', { name: 'Erase personal data…' }));
    const input = screen.getByLabelText('Type C-77 to confirm');
    expect(input).toHaveFocus();
    const erase = screen.getByRole('button', { name: 'Erase personal data' });
    expect(erase).toBeDisabled();
    await userEvent.type(input, 'C-7');
    expect(erase).toBeDisabled();
    await userEvent.type(input, '7{Enter}');
    expect(invoke).toHaveBeenCalledWith('erase_customer_data', {
      args: { account_id: 'acc-1', confirm_external_id: 'C-77' },
    });
    expect(await screen.findByRole('status')).toHaveTextContent(
      "Erased: the account's name and contacts, and 2 cases (9 recorded steps). Amounts, dates and the audit trail are kept.",
    );
    expect(onerased).toHaveBeenCalledOnce();
  });

  it('says a team erasure waits for the server, shows a refusal, and can be cancelled', async () => {
    invoke.mockRejectedValueOnce({ kind: 'forbidden', message: 'erasing needs a manager' });
    render(PrivacyPanel, { account: ACCOUNT, onerased: () => {} });
    await userEvent.click(screen.getByRole('button', { name: 'Erase personal data…' }));
    await userEvent.type(screen.getByLabelText('Type C-77 to confirm'), 'C-77');
    await userEvent.click(screen.getByRole('button', { name: 'Erase personal data' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('erasing needs a manager');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByLabelText('Type C-77 to confirm')).toBeNull();

    invoke.mockResolvedValueOnce({
      account_id: 'acc-1',
      reason: 'request',
      account: true,
      cases: 1,
      events: 0,
      sent_to_server: true,
    });
    await userEvent.click(screen.getByRole('button', { name: 'Erase personal data…' }));
    await userEvent.type(screen.getByLabelText('Type C-77 to confirm'), 'C-77{Enter}');
    expect(await screen.findByRole('status')).toHaveTextContent('Sent to the team server');
  });

  it('an erased customer has nothing left to erase', () => {
    render(PrivacyPanel, {
      account: { ...ACCOUNT, name: '(erased)', contact_name: null, email: null, phone: null },
      onerased: () => {},
    });
    expect(screen.getByText(/personal data was erased/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Erase personal data…' })).toBeNull();
  });
});
