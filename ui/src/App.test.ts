import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Account, DeskProfile, DueView, QueueCounts } from './lib/bindings';
import { accountFixture } from './lib/testing/checklist';
import { localOnlyStatus } from './lib/testing/sync';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: App } = await import('./App.svelte');
const { resetSyncForTests } = await import('./lib/sync.svelte');

const profile: DeskProfile = {
  user: { id: 'u-ana', name: 'Ana', roles: ['manager'] },
  policy: { id: 'saas', name: 'SaaS subscriptions', version: 3, queues: [] },
};

const counts: QueueCounts = {
  my_tasks: 1,
  escalations: 0,
  refund_approvals: 0,
  refunds_to_process: 0,
  offer_approvals: 0,
  finalizations: 0,
  win_back: 2,
};

/** What is due for Ana: one overdue first response. */
let dueView: DueView = {
  overdue: [],
  today: [],
  upcoming: [],
  upcoming_more: 0,
  snooze_choices: [],
  zone: 'UTC',
  now: '2026-11-24T15:00:00Z',
};

/** A desk that is set up, on the screen it was left on. */
function serve(served: DeskProfile = profile) {
  invoke.mockImplementation((command: string) => {
    switch (command) {
      case 'session_status':
        return Promise.resolve({ state: 'unlocked', profile_dir: '/p' });
      case 'desk_profile':
        return Promise.resolve(served);
      case 'queue_counts':
        return Promise.resolve(counts);
      case 'list_queue':
      case 'list_people':
        return Promise.resolve([]);
      case 'sync_status':
        return Promise.resolve(localOnlyStatus());
      case 'due_items':
        return Promise.resolve(dueView);
      default:
        return Promise.reject({ kind: 'internal', message: `unexpected ${command}` });
    }
  });
}

describe('App: the win-back queue', () => {
  beforeEach(() => {
    invoke.mockReset();
    resetSyncForTests();
    localStorage.setItem('holdfast.lastScreen', 'finalizations');
    serve();
  });
  afterEach(() => localStorage.clear());

  it('is in the rail with its badge and g-chord, and opens its queue', async () => {
    render(App);
    const rail = await screen.findByRole('navigation', { name: 'Screens' });
    const winBack = within(rail).getByRole('button', { name: 'Win-back' });
    expect(winBack).toHaveAttribute('aria-keyshortcuts', 'g+w');
    expect(await within(winBack).findByLabelText('2 waiting')).toBeInTheDocument();

    const user = userEvent.setup();
    await user.click(winBack);
    expect(await screen.findByRole('heading', { name: 'Win-back check-ins' })).toBeInTheDocument();
    expect(invoke).toHaveBeenCalledWith('list_queue', { args: { queue: 'win_back' } });
    expect(await screen.findByText('No win-back check-in is waiting.')).toBeInTheDocument();
    expect(winBack).toHaveAttribute('aria-current', 'page');
  });

  it('is reached with g then w, and from the palette', async () => {
    render(App);
    await screen.findByRole('heading', { name: 'Finalizations' });
    const user = userEvent.setup();
    await user.keyboard('gw');
    expect(await screen.findByRole('heading', { name: 'Win-back check-ins' })).toBeInTheDocument();

    await user.keyboard('gf');
    await screen.findByRole('heading', { name: 'Finalizations' });
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('win-back');
    await user.click(await screen.findByRole('option', { name: /Go to Win-back/ }));
    expect(await screen.findByRole('heading', { name: 'Win-back check-ins' })).toBeInTheDocument();
  });
});

describe("App: the queues the procedure never fills", () => {
  afterEach(() => localStorage.clear());

  it("dims them in the rail with the policy's reason, which their page says too", async () => {
    invoke.mockReset();
    resetSyncForTests();
    localStorage.setItem('holdfast.lastScreen', 'finalizations');
    const why = 'This procedure has no offers that need approval: it makes no retention offers';
    serve({
      ...profile,
      policy: {
        ...profile.policy!,
        queues: [
          { queue: 'offer_approvals', unused_because: why },
          { queue: 'finalizations', unused_because: null },
        ],
      },
    });
    render(App);
    const rail = await screen.findByRole('navigation', { name: 'Screens' });
    const offers = await within(rail).findByRole('button', { name: 'Offer approvals' });
    await vi.waitFor(() => expect(offers).toHaveAccessibleDescription(why));
    expect(within(rail).getByRole('button', { name: 'Finalizations' })).not.toHaveClass('unused');

    await userEvent.setup().click(offers);
    expect(await screen.findByRole('heading', { name: 'Offer approvals' })).toBeInTheDocument();
    expect(await screen.findByRole('note')).toHaveTextContent(`${why}.`);
  });
});

describe('App: the palette opens exactly what was chosen', () => {
  const acme: Account = accountFixture();
  const beta: Account = { ...accountFixture(), id: 'b2', external_id: 'B-2', name: 'Beta Industries', email: 'bo@beta.io' };

  beforeEach(() => {
    invoke.mockReset();
    resetSyncForTests();
    localStorage.setItem('holdfast.lastScreen', 'finalizations');
    serve();
    const served = invoke.getMockImplementation();
    invoke.mockImplementation((command: string, args?: unknown) => {
      switch (command) {
        case 'list_accounts':
          // The list Accounts shows starts with Acme; the palette finds both.
          return Promise.resolve({ items: [acme, beta], next: null });
        case 'list_inbox':
          return Promise.resolve({ items: [], next: null, total: 0 });
        case 'account_detail':
          return Promise.reject({ kind: 'not_found', entity: 'account', id: 'x' });
        default:
          return served?.(command, args);
      }
    });
  });
  afterEach(() => localStorage.clear());

  it.each([
    ['by mouse', async (user: ReturnType<typeof userEvent.setup>) => user.click(await screen.findByRole('option', { name: /Beta Industries/ }))],
    ['by keyboard', async (user: ReturnType<typeof userEvent.setup>) => {
      await screen.findByRole('option', { name: /Beta Industries/ });
      // The first match is Acme; one down is Beta.
      while (!screen.getByRole('option', { name: /Beta Industries/ }).getAttribute('aria-selected')?.includes('true')) {
        await user.keyboard('{ArrowDown}');
      }
      await user.keyboard('{Enter}');
    }],
  ])('opens the chosen account, not the first one, %s', async (_how, choose) => {
    render(App);
    await screen.findByRole('heading', { name: 'Finalizations' });
    const user = userEvent.setup();
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('Industries');
    await choose(user);
    const details = await screen.findByRole('region', { name: 'Account details' });
    expect(await within(details).findByRole('heading', { name: 'Beta Industries' })).toBeInTheDocument();
    expect(within(details).queryByRole('heading', { name: 'Acme' })).toBeNull();
    expect(invoke).toHaveBeenCalledWith('account_detail', { args: { account_id: 'b2' } });
  });
});

describe('App: the palette opens the case chosen and reaches the desk actions', () => {
  const summary = (id: string, account: string) => ({
    id,
    account_id: `acc-${id}`,
    account_name: account,
    account_tier: 'Essentials',
    status: 'received' as const,
    channel: 'email' as const,
    requester_name: 'Eli Park',
    requester_contact: 'eli@example.com',
    received_at: '2026-11-21T10:00:00Z',
    opened_at: '2026-11-21T10:00:00Z',
  });

  beforeEach(() => {
    // jsdom has no layout: the inbox's virtualizer only needs the observer to exist.
    globalThis.ResizeObserver ??= class {
      observe() {}
      unobserve() {}
      disconnect() {}
    } as unknown as typeof ResizeObserver;
    invoke.mockReset();
    resetSyncForTests();
    localStorage.setItem('holdfast.lastScreen', 'finalizations');
    serve();
    const served = invoke.getMockImplementation();
    invoke.mockImplementation((command: string, args?: unknown) => {
      switch (command) {
        case 'list_accounts':
          return Promise.resolve({ items: [], next: null });
        case 'list_inbox':
          // Oak Dental is listed first; the person chooses Elm Street Bakery.
          return Promise.resolve({ items: [summary('c-oak', 'Oak Dental'), summary('c-elm', 'Elm Street Bakery')], next: null, total: 2 });
        case 'inbox_facets':
          return Promise.resolve({ owners: [], tiers: [], reasons: [] });
        case 'case_detail':
          return Promise.reject({ kind: 'not_found', entity: 'case', id: 'x' });
        default:
          return served?.(command, args);
      }
    });
  });
  afterEach(() => localStorage.clear());

  it('opens the chosen case in the inbox, not the first one', async () => {
    render(App);
    await screen.findByRole('heading', { name: 'Finalizations' });
    const user = userEvent.setup();
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('Bakery');
    await user.click(await screen.findByRole('option', { name: /Elm Street Bakery/ }));
    const pane = await screen.findByRole('region', { name: 'Case' });
    expect(await within(pane).findByRole('heading', { name: 'Elm Street Bakery' })).toBeInTheDocument();
    expect(invoke).toHaveBeenCalledWith('case_detail', { args: { case_id: 'c-elm' } });
  });

  it('switches to another person from the palette, with the cursor in their name', async () => {
    render(App);
    await screen.findByRole('heading', { name: 'Finalizations' });
    const user = userEvent.setup();
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('switch');
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('heading', { name: 'Settings' })).toBeInTheDocument();
    const form = screen.getByRole('form', { name: 'Switch to another person' });
    await vi.waitFor(() => expect(within(form).getByLabelText('Their name')).toHaveFocus());
  });
});

describe('App: the Due screen', () => {
  const overdue = {
    key: 'first_response/c-acme',
    case_id: 'c-acme',
    kind: { kind: 'first_response' as const },
    due_at: '2026-11-24T13:00:00Z',
    title: 'First response due: Acme Dental',
    detail: null,
    snoozed_until: null,
  };
  beforeEach(() => {
    invoke.mockReset();
    resetSyncForTests();
    localStorage.setItem('holdfast.lastScreen', 'finalizations');
    dueView = { ...dueView, overdue: [overdue] };
    serve();
  });
  afterEach(() => localStorage.clear());

  it('counts the overdue items in the rail, opens with g then d, and opens a case from a row', async () => {
    render(App);
    const rail = await screen.findByRole('navigation', { name: 'Screens' });
    const due = within(rail).getByRole('button', { name: 'Due' });
    expect(due).toHaveAttribute('aria-keyshortcuts', 'g+d');
    expect(await within(due).findByLabelText('1 overdue')).toBeInTheDocument();

    await screen.findByRole('heading', { name: 'Finalizations' });
    const user = userEvent.setup();
    await user.keyboard('gd');
    expect(await screen.findByRole('heading', { name: 'Due', level: 1 })).toBeInTheDocument();
    expect(due).toHaveAttribute('aria-current', 'page');
    await user.click(await screen.findByRole('button', { name: 'Open: First response due: Acme Dental' }));
    expect(await screen.findByRole('heading', { name: 'Inbox', level: 1 })).toBeInTheDocument();
  });
});
