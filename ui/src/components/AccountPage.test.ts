import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Account, AccountDetail } from '../lib/bindings';
import { setPeople } from '../lib/people.svelte';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: AccountPage } = await import('./AccountPage.svelte');

const usd = (minor: number) => ({ minor, currency: 'USD' });

const ACCOUNT: Account = {
  id: 'acc-1',
  external_id: 'A-3',
  name: 'Quillfeather Health',
  contact_name: 'Gil Moreau',
  email: 'gil@quillfeather.io',
  phone: '+1 555 010 4040',
  preferred_channel: 'email',
  tier: 'SMB',
  hosting_server: 'us-east-1',
  plan: 'Enterprise',
  mrr: usd(1_200_000),
  customer_since: '2019-06-01',
  total_collected: usd(42_000_000),
  accounts_receivable: usd(250_000),
  original_sales_rep: 'Rita Ng',
  unpaid_invoices: 1,
  plan_price: usd(1_200_000),
  billing_period_start: '2026-11-01',
  billing_period_end: '2026-12-01',
  account_manager: 'Mo Adams',
};

const AT = '2026-11-21T15:00:00Z';

const DETAIL: AccountDetail = {
  account: ACCOUNT,
  cases: [
    {
      id: 'case-2',
      status: 'in_progress',
      channel: 'phone',
      requester_name: 'Gil Moreau',
      received_at: AT,
      reason_id: null,
      reason: null,
      owner: 'Carla CSM',
    },
    {
      id: 'case-1',
      status: 'saved',
      channel: 'email',
      requester_name: 'Gil Moreau',
      received_at: '2026-10-01T09:00:00Z',
      reason_id: 'cost',
      reason: 'Cost concerns',
      owner: null,
    },
  ],
  offers: [
    {
      case_id: 'case-2',
      offer_id: 'discount',
      label: 'Temporary discount',
      terms: { percent: 30, months: 2, amount: null, note: 'Budget year' },
      needs_approval: true,
      proposed: { by: 'amy', at: AT },
      approved: null,
      outcome: 'pending',
      answered: null,
    },
    {
      case_id: 'case-1',
      offer_id: 'account_credit',
      label: null,
      terms: { percent: null, months: null, amount: usd(25_000), note: '' },
      needs_approval: false,
      proposed: { by: 'amy', at: AT },
      approved: null,
      outcome: 'accepted',
      answered: { by: 'ben', at: AT },
    },
  ],
  refunds: [
    {
      case_id: 'case-2',
      refund_id: 'r-2',
      amount: usd(4_999),
      justification: 'Unused seat',
      status: 'denied',
      requested: { by: 'amy', at: AT },
      verified: null,
      completed: null,
      denied: { by: 'max', at: AT },
      denial_reason: 'Seat was used',
    },
    {
      case_id: 'case-2',
      refund_id: 'r-1',
      amount: usd(60_000),
      justification: 'Charged twice',
      status: 'completed',
      requested: { by: 'amy', at: AT },
      verified: { by: 'max', at: AT },
      completed: { by: 'bill', at: AT },
      denied: null,
      denial_reason: null,
    },
  ],
};

describe('AccountPage', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('shows the account and its cases, offers and refunds with who and when', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'account_detail') return DETAIL;
      throw new Error(`unexpected command ${command}`);
    });
    const onopencase = vi.fn();
    render(AccountPage, { account: ACCOUNT, oncaseopened: vi.fn(), onopencase });

    expect(screen.getByRole('heading', { name: 'Quillfeather Health' })).toBeInTheDocument();
    expect(screen.getByText('Rita Ng')).toBeInTheDocument();
    expect(screen.getByText('gil@quillfeather.io')).toBeInTheDocument();
    expect(screen.getByText('+1 555 010 4040')).toBeInTheDocument();
    expect(screen.getByText('2019-06-01')).toBeInTheDocument();
    expect(screen.getByText(/2,500\.00/)).toBeInTheDocument();
    expect(invoke).toHaveBeenCalledWith('account_detail', { args: { account_id: 'acc-1' } });

    const cases = within(await screen.findByRole('list', { name: 'Cases of this account' })).getAllByRole('listitem');
    expect(cases).toHaveLength(2);
    expect(cases[0]).toHaveTextContent('In progress');
    expect(cases[0]).toHaveTextContent('Phone');
    expect(cases[0]).toHaveTextContent('Reason: not captured yet · with Carla CSM');
    expect(cases[1]).toHaveTextContent('Saved');
    expect(cases[1]).toHaveTextContent('Reason: Cost concerns');

    const offers = within(screen.getByRole('list', { name: 'Offers to this account' })).getAllByRole('listitem');
    expect(offers[0]).toHaveTextContent('Temporary discount');
    expect(offers[0]).toHaveTextContent('Waiting for approval');
    expect(offers[0]).toHaveTextContent('30% · 2 months · Budget year');
    expect(offers[0]).toHaveTextContent('Proposed by amy');
    // The policy no longer has this offer: its id is put into words, never shown raw.
    expect(offers[1]).toHaveTextContent('Account credit');
    expect(offers[1]).not.toHaveTextContent('account_credit');
    expect(offers[1]).toHaveTextContent('Accepted');
    expect(offers[1]).toHaveTextContent('USD');
    expect(offers[1]).toHaveTextContent('250.00');
    expect(offers[1]).toHaveTextContent('Accepted by ben');

    const refunds = within(screen.getByRole('list', { name: 'Refunds to this account' })).getAllByRole('listitem');
    expect(refunds[0]).toHaveTextContent('49.99');
    expect(refunds[0]).toHaveTextContent('Denied');
    expect(refunds[0]).toHaveTextContent('Denied by max');
    expect(refunds[0]).toHaveTextContent('Reason for the denial: Seat was used');
    expect(refunds[1]).toHaveTextContent('600.00');
    expect(refunds[1]).toHaveTextContent('Completed');
    expect(refunds[1]).toHaveTextContent('Requested by amy');
    expect(refunds[1]).toHaveTextContent('Verified by max');
    expect(refunds[1]).toHaveTextContent('Completed by bill');

    // A case opens in the inbox.
    const user = userEvent.setup();
    await user.click(within(cases[1]!).getByRole('button', { name: /^Show the case received .* in the inbox$/ }));
    expect(onopencase).toHaveBeenCalledWith('case-1');
  });

  it('shows the plan price with its billing period and the account manager', () => {
    invoke.mockResolvedValue(DETAIL);
    render(AccountPage, { account: ACCOUNT, oncaseopened: vi.fn(), onopencase: vi.fn() });
    expect(screen.getByText('Plan price').nextElementSibling).toHaveTextContent(/^USD\s?12,000\.00 · 2026-11-01 to 2026-12-01$/);
    expect(screen.getByText('Account manager').nextElementSibling).toHaveTextContent('Mo Adams');
  });

  it('shows an unknown A/R as "Unknown", never as zero', () => {
    invoke.mockResolvedValue(DETAIL);
    render(AccountPage, { account: { ...ACCOUNT, accounts_receivable: null }, oncaseopened: vi.fn(), onopencase: vi.fn() });
    expect(screen.getByText('Accounts receivable').nextElementSibling).toHaveTextContent(/^Unknown$/);
  });

  it('shows who took each step by name, though the record keeps their id', async () => {
    setPeople([
      { id: 'u-amy', name: 'Amy Ortiz', active: true },
      { id: 'u-max', name: 'Max Bauer', active: false },
    ]);
    invoke.mockResolvedValue({
      ...DETAIL,
      refunds: [{ ...DETAIL.refunds[1]!, requested: { by: 'u-amy', at: AT }, verified: { by: 'u-max', at: AT } }],
    });
    render(AccountPage, { account: ACCOUNT, oncaseopened: vi.fn(), onopencase: vi.fn() });
    const refund = within(await screen.findByRole('list', { name: 'Refunds to this account' })).getByRole('listitem');
    expect(refund).toHaveTextContent('Requested by Amy Ortiz');
    expect(refund).toHaveTextContent('Verified by Max Bauer');
    expect(refund).not.toHaveTextContent('u-amy');
    setPeople([]);
  });

  it('says when a case has no offer or refund yet', async () => {
    invoke.mockResolvedValue({ ...DETAIL, offers: [], refunds: [] });
    render(AccountPage, { account: ACCOUNT, oncaseopened: vi.fn(), onopencase: vi.fn() });
    expect(await screen.findByText('No offer has been made to this account.')).toBeInTheDocument();
    expect(screen.getByText('No refund has been requested for this account.')).toBeInTheDocument();
  });

  it('says when the account has no history yet', async () => {
    invoke.mockResolvedValue({ ...DETAIL, cases: [], offers: [], refunds: [] });
    render(AccountPage, { account: ACCOUNT, oncaseopened: vi.fn(), onopencase: vi.fn() });
    expect(await screen.findByText('No cancellation request from this account yet.')).toBeInTheDocument();
    // Offers and refunds are made on cases: with no case there is nothing more to list.
    expect(screen.queryByRole('heading', { name: 'Offers' })).not.toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Refunds' })).not.toBeInTheDocument();
    // The form that opens a case is there either way.
    expect(screen.getByRole('button', { name: 'Open case' })).toBeInTheDocument();
  });

  it('shows why the history cannot be read', async () => {
    invoke.mockRejectedValue({ kind: 'not_found', entity: 'account', id: 'acc-1' });
    render(AccountPage, { account: ACCOUNT, oncaseopened: vi.fn(), onopencase: vi.fn() });
    expect(await screen.findByRole('alert')).toHaveTextContent('That account no longer exists.');
  });

  it("says every stored value in words: a case's status, and a reason or offer the policy no longer names", async () => {
    invoke.mockResolvedValue({
      ...DETAIL,
      cases: [
        { ...DETAIL.cases[0]!, status: 'verification_failed', reason_id: 'not_using', reason: null },
        { ...DETAIL.cases[1]!, status: 'in_progress' },
      ],
      offers: [{ ...DETAIL.offers[1]!, offer_id: 'priority_support', label: null }],
    });
    render(AccountPage, { account: ACCOUNT, oncaseopened: vi.fn(), onopencase: vi.fn() });
    const cases = within(await screen.findByRole('list', { name: 'Cases of this account' })).getAllByRole('listitem');
    expect(cases[0]).toHaveTextContent('Verification failed');
    expect(cases[0]).toHaveTextContent('Reason: Not using');
    expect(cases[1]).toHaveTextContent('In progress');
    const offers = within(screen.getByRole('list', { name: 'Offers to this account' })).getAllByRole('listitem');
    expect(offers[0]).toHaveTextContent('Priority support');
    const page = document.body.textContent ?? '';
    for (const raw of ['verification_failed', 'in_progress', 'not_using', 'priority_support']) expect(page).not.toContain(raw);
  });
});
