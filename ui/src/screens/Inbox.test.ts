import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CasePage, CaseSummary, InboxQuery } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: Inbox } = await import('./Inbox.svelte');

// jsdom has no layout: the virtualizer only needs the observer to exist.
beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

function summary(id: string, account: string): CaseSummary {
  return {
    id,
    account_id: `a-${id}`,
    account_name: account,
    account_tier: 'Enterprise',
    status: 'received',
    channel: 'email',
    requester_name: 'Ana',
    requester_contact: 'ana@example.com',
    received_at: '2026-11-21T10:00:00Z',
    opened_at: '2026-11-21T10:00:00Z',
    first_response_due: '2026-11-21T18:00:00Z',
    acknowledged_at: null,
    reason_id: null,
    owner: null,
  };
}

type Pending = { query: InboxQuery; resolve: (page: CasePage) => void };
let pending: Pending[] = [];

beforeEach(() => {
  pending = [];
  invoke.mockReset();
  invoke.mockImplementation((command: string, args?: { args: InboxQuery }) => {
    if (command === 'inbox_facets') return Promise.resolve({ owners: ['carla'], tiers: ['Enterprise'], reasons: [] });
    if (command === 'list_inbox') {
      return new Promise<CasePage>((resolve) => pending.push({ query: args!.args, resolve }));
    }
    if (command === 'case_detail') return new Promise(() => {});
    if (command === 'save_cases_export') return Promise.resolve({ path: '/tmp/listed.xlsx', rows: 3 });
    return Promise.reject({ kind: 'internal', message: `unexpected ${command}` });
  });
});

function table() {
  return screen.getByRole('table', { name: 'Cases' });
}

describe('Inbox', () => {
  it('is busy until the first page is rendered', async () => {
    render(Inbox, { ongoaccounts: vi.fn() });
    await waitFor(() => expect(pending).toHaveLength(1));
    expect(table()).toHaveAttribute('aria-busy', 'true');
    expect(pending[0]!.query).toMatchObject({ statuses: [], sort: 'newest', after: null });
    pending[0]!.resolve({ items: [summary('c1', 'Acme Corp')], next: null });
    await waitFor(() => expect(table()).toHaveAttribute('aria-busy', 'false'));
  });

  it('asks for the filters\' choices only once the first page is on screen, then says it is shown', async () => {
    const onshown = vi.fn();
    render(Inbox, { ongoaccounts: vi.fn(), onshown });
    await waitFor(() => expect(pending).toHaveLength(1));
    const facetCalls = () => invoke.mock.calls.filter(([command]) => command === 'inbox_facets');
    expect(facetCalls()).toHaveLength(0);
    pending[0]!.resolve({ items: [summary('c1', 'Acme Corp')], next: null });
    await waitFor(() => expect(onshown).toHaveBeenCalledOnce());
    expect(table()).toHaveAttribute('aria-busy', 'false');
    await waitFor(() => expect(facetCalls()).toHaveLength(1));
    await userEvent.setup().click(screen.getByRole('button', { name: 'Filters' }));
    expect(await screen.findByRole('option', { name: 'carla' })).toBeInTheDocument();
    // The first case opens in the pane once the list is on screen.
    expect(await screen.findByRole('heading', { name: 'Acme Corp' })).toBeInTheDocument();
  });

  it('reads the first page again when a filter changes, and drops the late answer to the old query', async () => {
    const user = userEvent.setup();
    render(Inbox, { ongoaccounts: vi.fn() });
    await waitFor(() => expect(pending).toHaveLength(1));
    pending[0]!.resolve({ items: [summary('c1', 'Acme Corp')], next: null });
    await waitFor(() => expect(table()).toHaveAttribute('aria-busy', 'false'));

    await user.click(screen.getByRole('button', { name: 'Filters' }));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'withdrawn');
    await waitFor(() => expect(pending).toHaveLength(2));
    expect(pending[1]!.query).toMatchObject({ statuses: ['withdrawn'], after: null });
    expect(table()).toHaveAttribute('aria-busy', 'true');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Sort' }), 'Account name');
    await waitFor(() => expect(pending).toHaveLength(3));
    expect(pending[2]!.query).toMatchObject({ statuses: ['withdrawn'], sort: 'account_name' });

    // The newest query answers first; the older one's answer must not replace it.
    pending[2]!.resolve({ items: [], next: null });
    await waitFor(() => expect(table()).toHaveAttribute('aria-busy', 'false'));
    expect(screen.getByText('No case matches these filters.')).toBeInTheDocument();
    pending[1]!.resolve({ items: [summary('c9', 'Stale Inc')], next: null });
    await new Promise((done) => setTimeout(done, 20));
    expect(screen.getByText('No case matches these filters.')).toBeInTheDocument();
    expect(screen.queryByText('Stale Inc')).toBeNull();
  });

  it('sends the search text and focuses the search box on "/"', async () => {
    const user = userEvent.setup();
    render(Inbox, { ongoaccounts: vi.fn() });
    await waitFor(() => expect(pending).toHaveLength(1));
    pending[0]!.resolve({ items: [], next: null });
    await user.keyboard('/');
    const search = screen.getByRole('searchbox', { name: 'Search' });
    expect(search).toHaveFocus();
    await user.keyboard('acme');
    await waitFor(() => expect(pending.at(-1)!.query.search).toBe('acme'));
  });

  it('saves the list as filtered and sorted there from the palette: every case, not a page', async () => {
    const user = userEvent.setup();
    render(Inbox, { ongoaccounts: vi.fn() });
    await waitFor(() => expect(pending).toHaveLength(1));
    pending[0]!.resolve({ items: [summary('c1', 'Acme')], next: null });
    await user.keyboard('/');
    await user.keyboard('acme');
    await waitFor(() => expect(pending.at(-1)!.query.search).toBe('acme'));
    const { deskActions, runAction } = await import('../lib/actions.svelte');
    expect(deskActions().map((action) => action.label)).toContain('Save the listed cases as CSV');
    const xlsx = deskActions().find((action) => action.label === 'Save the listed cases as XLSX');
    expect(runAction(xlsx!)).toBeNull();
    await waitFor(() => expect(invoke.mock.calls.some(([command]) => command === 'save_cases_export')).toBe(true));
    const [, sent] = invoke.mock.calls.find(([command]) => command === 'save_cases_export')!;
    expect(sent.args.format).toBe('xlsx');
    expect(sent.args.query).toMatchObject({ search: 'acme', sort: 'newest', after: null });
    expect(await screen.findByRole('status')).toHaveTextContent('Saved 3 cases to /tmp/listed.xlsx');
  });

  it('saves the list from the "Export…" menu beside the filters, which Esc closes', async () => {
    const user = userEvent.setup();
    render(Inbox, { ongoaccounts: vi.fn() });
    await waitFor(() => expect(pending).toHaveLength(1));
    pending[0]!.resolve({ items: [summary('c1', 'Acme')], next: null });
    const toggle = screen.getByRole('button', { name: 'Export the listed cases' });
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const xlsx = screen.getByRole('button', { name: 'Save the listed cases as XLSX…' });
    expect(xlsx).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('button', { name: 'Save the listed cases as XLSX…' })).toBeNull();
    expect(toggle).toHaveFocus();
    await user.keyboard('{Enter}');
    await user.click(screen.getByRole('button', { name: 'Save the listed cases as CSV…' }));
    await waitFor(() => expect(invoke.mock.calls.some(([command]) => command === 'save_cases_export')).toBe(true));
    const [, sent] = invoke.mock.calls.find(([command]) => command === 'save_cases_export')!;
    expect(sent.args.format).toBe('csv');
    expect(sent.args.query).toMatchObject({ statuses: [], search: null, sort: 'newest' });
    expect(await screen.findByRole('status')).toHaveTextContent('Saved 3 cases to /tmp/listed.xlsx');
    expect(screen.queryByRole('button', { name: 'Save the listed cases as CSV…' })).toBeNull();
  });

  it('says what to do when the inbox is empty', async () => {
    render(Inbox, { ongoaccounts: vi.fn() });
    await waitFor(() => expect(pending).toHaveLength(1));
    pending[0]!.resolve({ items: [], next: null });
    expect(await screen.findByText('No cancellation requests yet.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Go to accounts' })).toBeInTheDocument();
  });
});
