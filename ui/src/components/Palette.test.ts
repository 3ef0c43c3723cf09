import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Account, CaseSummary } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: Palette } = await import('./Palette.svelte');
const { default: HelpOverlay } = await import('./HelpOverlay.svelte');
const { registerActions } = await import('../lib/actions.svelte');

const money = { minor: 0, currency: 'USD' };
const acme = {
  id: 'a1',
  external_id: 'CRM-1',
  name: 'Acme Corp',
  contact_name: null,
  email: 'ops@acme.io',
  phone: null,
  preferred_channel: 'email',
  tier: 'Professional',
  hosting_server: null,
  plan: null,
  mrr: money,
  customer_since: null,
  total_collected: money,
  accounts_receivable: money,
  original_sales_rep: null,
} as unknown as Account;

const globexCase: CaseSummary = {
  id: 'c9',
  account_id: 'a2',
  account_name: 'Globex',
  account_tier: 'Essentials',
  status: 'in_progress',
  channel: 'phone',
  requester_name: 'Hank Scorpio',
  requester_contact: '+1 555 0100',
  received_at: '2026-11-21T10:00:00Z',
  opened_at: '2026-11-21T10:00:00Z',
};

function answer(command: string, args?: { args?: { search?: string | null } }) {
  if (command === 'list_inbox') {
    const search = args?.args?.search?.toLowerCase() ?? '';
    const found = ['globex', 'hank scorpio', '+1 555 0100'].some((text) => text.includes(search));
    return Promise.resolve({ items: found ? [globexCase] : [], next: null });
  }
  if (command === 'list_accounts') {
    const search = args?.args?.search?.toLowerCase() ?? '';
    return Promise.resolve({ items: 'acme corp'.includes(search) ? [acme] : [], next: null });
  }
  return Promise.reject({ kind: 'internal', message: `unexpected ${command}` });
}

describe('Palette', () => {
  const goInbox = vi.fn();
  const goAccounts = vi.fn();
  const finalize = vi.fn();
  let unregister: () => void = () => {};

  beforeEach(() => {
    invoke.mockReset();
    invoke.mockImplementation(answer);
    goInbox.mockReset();
    goAccounts.mockReset();
    finalize.mockReset();
    unregister = registerActions('test', [
      { id: 'go.inbox', label: 'Go to Inbox', group: 'Go to', shortcut: 'g i', run: goInbox },
      { id: 'go.accounts', label: 'Go to Accounts', group: 'Go to', shortcut: 'g a', run: goAccounts },
      {
        id: 'case.finalize',
        label: 'Finalize cancellation',
        group: 'Case',
        disabledReason: 'the cancellation request form has not been received',
        run: finalize,
      },
    ]);
  });

  afterEach(() => unregister());

  function setup() {
    const onopenaccount = vi.fn();
    const onopencase = vi.fn();
    render(Palette, { onopenaccount, onopencase });
    return { onopenaccount, onopencase, user: userEvent.setup() };
  }

  function labels(): string[] {
    return screen.getAllByRole('option').map((option) => option.getAttribute('aria-label') ?? '');
  }

  it('opens with Ctrl+K and focuses the command input', async () => {
    const { user } = setup();
    expect(screen.queryByRole('dialog')).toBeNull();
    await user.keyboard('{Control>}k{/Control}');
    const dialog = screen.getByRole('dialog', { name: 'Command palette' });
    expect(within(dialog).getByRole('textbox', { name: 'Command' })).toHaveFocus();
    expect(labels()).toEqual(['Go to Inbox', 'Go to Accounts', 'Finalize cancellation']);
  });

  it('opens with Cmd+K too', async () => {
    const { user } = setup();
    await user.keyboard('{Meta>}k{/Meta}');
    expect(screen.getByRole('dialog', { name: 'Command palette' })).toBeInTheDocument();
  });

  it('filters by typing, best match first', async () => {
    const { user } = setup();
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('acc');
    expect(labels()[0]).toBe('Go to Accounts');
    expect(labels()).not.toContain('Go to Inbox');
    await user.clear(screen.getByRole('textbox', { name: 'Command' }));
    await user.keyboard('inbx');
    expect(labels()).toEqual(['Go to Inbox']);
  });

  it('moves with the arrow keys and Ctrl+N/Ctrl+P, and runs the chosen action with Enter', async () => {
    const { user } = setup();
    const before = document.createElement('button');
    document.body.append(before);
    before.focus();
    await user.keyboard('{Control>}k{/Control}');
    const input = screen.getByRole('textbox', { name: 'Command' });
    expect(screen.getByRole('option', { name: 'Go to Inbox' })).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{ArrowDown}');
    const accounts = screen.getByRole('option', { name: 'Go to Accounts' });
    expect(accounts).toHaveAttribute('aria-selected', 'true');
    expect(input).toHaveAttribute('aria-activedescendant', accounts.id);
    await user.keyboard('{Control>}n{/Control}{Control>}p{/Control}{ArrowUp}{ArrowDown}');
    expect(accounts).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{Enter}');
    expect(goAccounts).toHaveBeenCalledTimes(1);
    expect(goInbox).not.toHaveBeenCalled();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(before).toHaveFocus();
    before.remove();
  });

  it('shows a disabled action with its reason and says why instead of running it', async () => {
    const { user } = setup();
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('final');
    const option = screen.getByRole('option', { name: 'Finalize cancellation' });
    expect(option).toHaveAttribute('aria-disabled', 'true');
    expect(option).toHaveAccessibleDescription('the cancellation request form has not been received');
    await user.keyboard('{Enter}');
    expect(finalize).not.toHaveBeenCalled();
    expect(screen.getByRole('dialog', { name: 'Command palette' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent(
      'Finalize cancellation is not available: the cancellation request form has not been received.',
    );
    await user.click(option);
    expect(finalize).not.toHaveBeenCalled();
  });

  it('closes with Esc and gives focus back to where it was', async () => {
    const { user } = setup();
    const before = document.createElement('input');
    before.setAttribute('aria-label', 'Somewhere');
    document.body.append(before);
    before.focus();
    await user.keyboard('{Control>}k{/Control}');
    expect(screen.getByRole('textbox', { name: 'Command' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(before).toHaveFocus();
    expect(goInbox).not.toHaveBeenCalled();
    before.remove();
  });

  it('finds accounts through the store search and opens the chosen one', async () => {
    const { user, onopenaccount } = setup();
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('acme');
    const option = await screen.findByRole('option', { name: 'Acme Corp' });
    expect(invoke).toHaveBeenCalledWith('list_accounts', { args: { search: 'acme', after: null, limit: 5 } });
    expect(option).toHaveTextContent('Professional · ops@acme.io');
    expect(option.querySelector('mark')).toHaveTextContent(/^Acme$/);
    await user.keyboard('{Enter}');
    expect(onopenaccount).toHaveBeenCalledWith(acme);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('finds cases through the inbox search and opens the chosen one', async () => {
    const { user, onopencase } = setup();
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('scorpio');
    const option = await screen.findByRole('option', { name: 'Globex — Hank Scorpio' });
    expect(invoke).toHaveBeenCalledWith('list_inbox', {
      args: expect.objectContaining({ search: 'scorpio', after: null, limit: 5 }),
    });
    expect(labels()).toEqual(['Globex — Hank Scorpio']);
    expect(option.querySelector('mark')).toHaveTextContent(/^Scorpio$/);
    await user.click(option);
    expect(onopencase).toHaveBeenCalledWith(globexCase);
  });

  it('says when nothing matches', async () => {
    const { user } = setup();
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('zzzz');
    expect(screen.getByText('Nothing matches “zzzz”.')).toBeInTheDocument();
    expect(screen.queryAllByRole('option')).toHaveLength(0);
  });

  it('reaches the keyboard shortcuts overlay', async () => {
    const onopenaccount = vi.fn();
    const onopencase = vi.fn();
    render(Palette, { onopenaccount, onopencase });
    render(HelpOverlay);
    const user = userEvent.setup();
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('keyboard');
    expect(labels()).toEqual(['Keyboard shortcuts']);
    await user.keyboard('{Enter}');
    expect(screen.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeInTheDocument();
    expect(screen.queryByRole('dialog', { name: 'Command palette' })).toBeNull();
  });
});
