// `holdfast://case/<id>` links (issue 15): a link waiting when the desk starts, or told by the
// shell while it runs, opens its case in the inbox once the desk is open; a link the shell could
// not read, or one naming a case this desk does not have, is a message in the desk.
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeskProfile, OpenedLink } from './lib/bindings';
import { localOnlyStatus } from './lib/testing/sync';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
const listeners = new Map<string, () => void>();
vi.mock('@tauri-apps/api/event', () => ({
  listen: (name: string, handler: () => void) => {
    listeners.set(name, handler);
    return Promise.resolve(() => listeners.delete(name));
  },
}));

const { default: App } = await import('./App.svelte');
const { resetSyncForTests } = await import('./lib/sync.svelte');
const { UNKNOWN_CASE } = await import('./lib/openLink');

const profile: DeskProfile = {
  user: { id: 'u-ana', name: 'Ana', roles: ['manager'] },
  policy: { id: 'saas', name: 'SaaS subscriptions', version: 3, queues: [] },
};

const KNOWN = '0190f0c1-2b3c-7d4e-8f00-112233445566';
const UNKNOWN = '0190f0c1-2b3c-7d4e-8f00-665544332211';

/** The links the shell holds, taken one at a time. */
let waiting: OpenedLink[] = [];
let detailsRead = 0;

function serve() {
  invoke.mockImplementation((command: string, payload?: { args?: { case_id?: string } }) => {
    switch (command) {
      case 'session_status':
        return Promise.resolve({ state: 'unlocked', profile_dir: '/p' });
      case 'desk_profile':
        return Promise.resolve(profile);
      case 'queue_counts':
        return Promise.resolve({
          my_tasks: 0, escalations: 0, refund_approvals: 0, refunds_to_process: 0,
          offer_approvals: 0, finalizations: 0, win_back: 0,
        });
      case 'list_queue':
      case 'list_people':
        return Promise.resolve([]);
      case 'sync_status':
        return Promise.resolve(localOnlyStatus());
      case 'due_items':
        return Promise.resolve({ overdue: [], today: [], upcoming: [], upcoming_more: 0, snooze_choices: [], zone: 'UTC', now: '2026-12-06T09:00:00Z' });
      case 'take_opened_link':
        return Promise.resolve(waiting.shift() ?? null);
      case 'case_detail':
        if (payload?.args?.case_id !== KNOWN) {
          return Promise.reject({ kind: 'not_found', entity: 'case', id: payload?.args?.case_id });
        }
        // The desk's check that the case exists is answered; the case pane's read then waits
        // (the inbox opening on the case is what these tests look for).
        return detailsRead++ === 0 ? Promise.resolve({}) : new Promise(() => {});
      case 'list_inbox':
        return Promise.resolve({ items: [], next: null });
      case 'inbox_facets':
        return Promise.resolve({ assignees: [], reasons: [], stages: [], channels: [] });
      default:
        return Promise.reject({ kind: 'internal', message: `unexpected ${command}` });
    }
  });
}

describe('App: holdfast:// links', () => {
  beforeEach(() => {
    // The inbox's list measures its header (jsdom has no layout).
    globalThis.ResizeObserver ??= class {
      observe() {}
      unobserve() {}
      disconnect() {}
    } as unknown as typeof ResizeObserver;
    invoke.mockReset();
    listeners.clear();
    resetSyncForTests();
    waiting = [];
    detailsRead = 0;
    localStorage.setItem('holdfast.lastScreen', 'finalizations');
    serve();
  });
  afterEach(() => localStorage.clear());

  it('opens the case of a link that started Holdfast, once the desk is open', async () => {
    waiting = [{ open: 'case', case_id: KNOWN }];
    render(App);
    await vi.waitFor(() => expect(invoke).toHaveBeenCalledWith('case_detail', { args: { case_id: KNOWN } }));
    await vi.waitFor(() => expect(screen.queryByRole('heading', { name: 'Finalizations' })).not.toBeInTheDocument());
    await vi.waitFor(() => expect(invoke).toHaveBeenCalledWith('list_inbox', expect.anything()));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('says so when the link names a case this desk does not have, and the message can be dismissed', async () => {
    render(App);
    await screen.findByRole('heading', { name: 'Finalizations' });
    await vi.waitFor(() => expect(listeners.has('link-opened')).toBe(true));
    waiting = [{ open: 'case', case_id: UNKNOWN }];
    listeners.get('link-opened')!();
    expect(await screen.findByRole('alert')).toHaveTextContent(UNKNOWN_CASE);
    // The desk stays where it was.
    expect(screen.getByRole('heading', { name: 'Finalizations' })).toBeInTheDocument();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it("shows why a link could not be read, as the shell says it", async () => {
    render(App);
    await screen.findByRole('heading', { name: 'Finalizations' });
    await vi.waitFor(() => expect(listeners.has('link-opened')).toBe(true));
    const message = "This case link's id is not a case id: check that the whole link was copied.";
    waiting = [{ open: 'refused', message }];
    listeners.get('link-opened')!();
    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    expect(invoke).not.toHaveBeenCalledWith('case_detail', expect.anything());
  });
});
