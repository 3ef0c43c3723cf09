import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncState, SyncStatus as Status } from '../lib/bindings';
import { localOnlyStatus, syncStatusFixture } from '../lib/testing/sync';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: SyncStatus } = await import('./SyncStatus.svelte');
const { default: Palette } = await import('./Palette.svelte');
const { resetSyncForTests, syncFocusRequest } = await import('../lib/sync.svelte');

/** The shell's status is `status` until a `sync_now`, `afterSync` from then on. */
function serve(status: Status, afterSync: Status = status) {
  let current = status;
  invoke.mockImplementation((command: string) => {
    if (command === 'sync_status') return Promise.resolve(current);
    if (command === 'sync_now') {
      current = afterSync;
      return Promise.resolve(current);
    }
    if (command === 'list_accounts' || command === 'list_inbox') return Promise.resolve({ items: [], next: null });
    return Promise.reject({ kind: 'internal', message: `unexpected ${command}` });
  });
}

async function footer(status: Status) {
  serve(status);
  const onopen = vi.fn();
  render(SyncStatus, { onopen });
  const line = screen.getByRole('status');
  // The first answer has arrived once the state word is no longer "unknown".
  await vi.waitFor(() => expect(line).not.toHaveTextContent('Sync state unknown'));
  return { line, onopen };
}

describe('the sync status in the rail footer', () => {
  beforeEach(() => {
    invoke.mockReset();
    resetSyncForTests();
  });

  it.each([
    ['local_only', 'Local only'],
    ['signed_out', 'Signed out'],
    ['offline', 'Offline'],
    ['syncing', 'Syncing…'],
    ['online', 'Online'],
    ['halted', 'Stopped'],
  ] as [SyncState, string][])('says %s as “%s”', async (state, word) => {
    const { line } = await footer(syncStatusFixture({ state }));
    expect(line).toHaveTextContent(word);
    expect(invoke).toHaveBeenCalledWith('sync_status', {});
  });

  it('shows the pending changes and when the last round finished', async () => {
    const { line } = await footer(syncStatusFixture({ state: 'offline', pending: 3 }));
    expect(line).toHaveTextContent('Offline · 3 pending');
    expect(screen.getByText('Synced 3 min. ago')).toBeInTheDocument();
  });

  it('says nothing about pending changes when there are none, and "never synced" before the first round', async () => {
    const { line } = await footer(syncStatusFixture({ pending: 0, last_sync_at: null }));
    expect(line).not.toHaveTextContent('pending');
    expect(screen.getByText('Never synced')).toBeInTheDocument();
  });

  it('shows no sync time and no count for a profile without a server', async () => {
    const { line } = await footer(localOnlyStatus());
    expect(line).toHaveTextContent('Local only');
    expect(screen.queryByText(/synced/i)).toBeNull();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('offers the problems that need attention, and opens them', async () => {
    const { onopen } = await footer(syncStatusFixture({ attention: 2 }));
    const button = screen.getByRole('button', { name: '2 sync problems need attention' });
    expect(button).toHaveTextContent('2 need attention');
    await userEvent.setup().click(button);
    expect(onopen).toHaveBeenCalledTimes(1);
    expect(syncFocusRequest()).toBe('problems');
  });

  it('names a single problem in the singular', async () => {
    await footer(syncStatusFixture({ attention: 1 }));
    expect(screen.getByRole('button', { name: '1 sync problem needs attention' })).toHaveTextContent('1 needs attention');
  });

  it('puts the last error and the server in the tooltip', async () => {
    const { line } = await footer(syncStatusFixture({ state: 'offline', last_error: 'the server cannot be reached' }));
    const tooltip = line.parentElement!.getAttribute('title') ?? '';
    expect(tooltip).toContain('Team server: https://sync.example.com (Acme Support)');
    expect(tooltip).toContain('Last attempt failed: the server cannot be reached');
  });
});

describe('the palette’s sync actions', () => {
  beforeEach(() => {
    invoke.mockReset();
    resetSyncForTests();
  });

  async function palette(status: Status, afterSync?: Status) {
    serve(status, afterSync);
    const onopen = vi.fn();
    render(SyncStatus, { onopen });
    render(Palette, { onopenaccount: vi.fn(), onopencase: vi.fn() });
    await vi.waitFor(() => expect(screen.getByRole('status')).not.toHaveTextContent('Sync state unknown'));
    const user = userEvent.setup();
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('sync now');
    const dialog = screen.getByRole('dialog', { name: 'Command palette' });
    return { user, onopen, dialog, option: within(dialog).getByRole('option', { name: 'Sync now' }) };
  }

  it('shows "Sync now" disabled with the reason when the profile has no server', async () => {
    const { user, option, dialog } = await palette(localOnlyStatus());
    expect(option).toHaveAttribute('aria-disabled', 'true');
    expect(option).toHaveAccessibleDescription('This profile is not connected to a team server');
    await user.keyboard('{Enter}');
    expect(within(dialog).getByRole('status')).toHaveTextContent(
      'Sync now is not available: This profile is not connected to a team server.',
    );
    expect(invoke).not.toHaveBeenCalledWith('sync_now', expect.anything());
  });

  it('shows "Sync now" disabled with the reason when syncing stopped', async () => {
    const { option } = await palette(syncStatusFixture({ state: 'halted', halted: 'the history before event 12 was rewritten.' }));
    expect(option).toHaveAccessibleDescription('Syncing stopped: the history before event 12 was rewritten');
  });

  it('runs a round with "Sync now" and shows the status it came back with', async () => {
    const { user, option } = await palette(
      syncStatusFixture({ pending: 2 }),
      syncStatusFixture({ pending: 0, last_sync_at: new Date().toISOString() }),
    );
    expect(option).not.toHaveAttribute('aria-disabled');
    await user.keyboard('{Enter}');
    expect(invoke).toHaveBeenCalledWith('sync_now', {});
    await vi.waitFor(() => expect(screen.getByText('Synced just now')).toBeInTheDocument());
  });

  it('goes to the team server settings', async () => {
    const { user, onopen } = await palette(localOnlyStatus());
    await user.clear(screen.getByRole('textbox', { name: 'Command' }));
    await user.keyboard('team server');
    await user.click(screen.getByRole('option', { name: 'Go to team server settings' }));
    expect(onopen).toHaveBeenCalledTimes(1);
    expect(syncFocusRequest()).toBe('server');
  });
});
