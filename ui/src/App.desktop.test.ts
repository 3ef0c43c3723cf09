// The desk and the desktop (issue 13): the tray's "Due" item shows the Due view, and quitting is
// explicit: Ctrl+Q anywhere and "Quit Holdfast" in the palette end the app through `quit_app`.
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeskProfile, DueView } from './lib/bindings';
import { localOnlyStatus } from './lib/testing/sync';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
// The shell's events: what the window listens to, and a way to send one as the shell does.
const listeners = new Map<string, () => void>();
vi.mock('@tauri-apps/api/event', () => ({
  listen: (name: string, handler: () => void) => {
    listeners.set(name, handler);
    return Promise.resolve(() => listeners.delete(name));
  },
}));

const { default: App } = await import('./App.svelte');
const { resetSyncForTests } = await import('./lib/sync.svelte');

const profile: DeskProfile = {
  user: { id: 'u-ana', name: 'Ana', roles: ['manager'] },
  policy: { id: 'saas', name: 'SaaS subscriptions', version: 3, queues: [] },
};

const nothingDue: DueView = {
  overdue: [],
  today: [],
  upcoming: [],
  upcoming_more: 0,
  snooze_choices: [],
  zone: 'UTC',
  now: '2026-11-24T15:00:00Z',
};

function serve() {
  invoke.mockImplementation((command: string) => {
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
        return Promise.resolve(nothingDue);
      case 'quit_app':
        return Promise.resolve(null);
      default:
        return Promise.reject({ kind: 'internal', message: `unexpected ${command}` });
    }
  });
}

describe('App on the desktop', () => {
  beforeEach(() => {
    invoke.mockReset();
    listeners.clear();
    resetSyncForTests();
    localStorage.setItem('holdfast.lastScreen', 'finalizations');
    serve();
  });
  afterEach(() => localStorage.clear());

  it("shows the Due view when the tray's Due item is chosen", async () => {
    render(App);
    await screen.findByRole('heading', { name: 'Finalizations' });
    await vi.waitFor(() => expect(listeners.has('holdfast://open-due')).toBe(true));
    listeners.get('holdfast://open-due')!();
    expect(await screen.findByRole('heading', { name: 'Due' })).toBeInTheDocument();
    expect(await screen.findByText('Nothing is overdue.')).toBeInTheDocument();
  });

  it('quits with Ctrl+Q', async () => {
    render(App);
    await screen.findByRole('heading', { name: 'Finalizations' });
    const user = userEvent.setup();
    expect(invoke).not.toHaveBeenCalledWith('quit_app', {});
    await user.keyboard('{Control>}q{/Control}');
    expect(invoke).toHaveBeenCalledWith('quit_app', {});
  });

  it('quits from the palette', async () => {
    render(App);
    await screen.findByRole('heading', { name: 'Finalizations' });
    const user = userEvent.setup();
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('quit');
    const quit = await screen.findByRole('option', { name: /Quit Holdfast/ });
    expect(invoke).not.toHaveBeenCalledWith('quit_app', {});
    await user.click(quit);
    expect(invoke).toHaveBeenCalledWith('quit_app', {});
  });
});
