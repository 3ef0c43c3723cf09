// Issue 12: once syncing stopped (the server was restored to an earlier point), Settings' team
// server section offers "Export pending work…" and "Join again", with a warning until the work
// is exported, and asks for the password when the restored server no longer knows the session.
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncStatus } from '../lib/bindings';
import { syncStatusFixture } from '../lib/testing/sync';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: TeamServer } = await import('./TeamServer.svelte');
const { resetSyncForTests } = await import('../lib/sync.svelte');

const RESTORED =
  'the server was restored to an earlier point: its log ends at event 4, but this device already holds events up to 6. Export your pending work and join the organisation again';

const halted = () => syncStatusFixture({ state: 'halted', halted: RESTORED, pending: 2 });
const rejoinedStatus = () => syncStatusFixture({ state: 'online', pending: 0, synced_events: 5 });

type Handler = (args: Record<string, unknown> | undefined) => Promise<unknown>;

function serve(initial: SyncStatus, handlers: Record<string, Handler> = {}) {
  const shell = { status: initial };
  invoke.mockImplementation((command: string, payload?: { args?: Record<string, unknown> }) => {
    if (command === 'sync_status') return Promise.resolve(shell.status);
    if (command === 'sync_notices') return Promise.resolve([]);
    const handler = handlers[command];
    if (handler) return handler(payload?.args);
    return Promise.reject({ kind: 'internal', message: `unexpected ${command}` });
  });
  return shell;
}

function show() {
  render(TeamServer, {});
  return userEvent.setup();
}

describe('Settings after a restore: export and join again', () => {
  beforeEach(() => {
    invoke.mockReset();
    resetSyncForTests();
  });

  it('exports the pending work to the chosen file, then joins again and says what was sent', async () => {
    const shell = serve(halted(), {
      export_pending_work: () => Promise.resolve({ path: '/home/ana/pending.json', commands: 2 }),
      rejoin_server: () => {
        shell.status = rejoinedStatus();
        return Promise.resolve({ requeued: 2, status: shell.status });
      },
    });
    const user = show();
    const panel = await screen.findByRole('form', { name: 'Join the organisation again' });
    expect(screen.getByRole('alert')).toHaveTextContent(`Syncing stopped for good: ${RESTORED}`);
    const join = screen.getByRole('button', { name: 'Join again' });
    // Until the work is exported, the warning says what joining again does to it.
    expect(join).toHaveAccessibleDescription(expect.stringContaining('Not exported yet. Joining again still sends the 2 pending commands'));
    expect(panel).toHaveTextContent('sends its 2 pending commands again on top of it');

    await user.click(screen.getByRole('button', { name: 'Export pending work…' }));
    expect(invoke).toHaveBeenCalledWith('export_pending_work', {});
    expect(await screen.findByRole('status')).toHaveTextContent('Exported 2 pending commands to /home/ana/pending.json.');
    expect(screen.queryByText(/Not exported yet/)).toBeNull();

    await user.click(join);
    expect(invoke).toHaveBeenCalledWith('rejoin_server', { args: { password: null } });
    expect(await screen.findByText("Joined Acme Support again, with the server's history; 2 pending commands sent again.")).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Join the organisation again' })).toBeNull();
    expect(screen.getByRole('heading', { name: 'Team server' })).toHaveFocus();
    expect(screen.getByRole('button', { name: 'Sync now' })).toBeEnabled();
  });

  it('leaves everything as it was when the save dialog is cancelled', async () => {
    serve(halted(), { export_pending_work: () => Promise.resolve(null) });
    const user = show();
    await user.click(await screen.findByRole('button', { name: 'Export pending work…' }));
    expect(invoke).toHaveBeenCalledWith('export_pending_work', {});
    expect(screen.getByText(/Not exported yet/)).toBeInTheDocument();
    expect(screen.queryByText(/Exported/)).toBeNull();
  });

  it('says why an export failed', async () => {
    serve(halted(), {
      export_pending_work: () => Promise.reject({ kind: 'storage', message: 'the export could not be written to /ro/x.json: read-only file system' }),
    });
    const user = show();
    await user.click(await screen.findByRole('button', { name: 'Export pending work…' }));
    expect(await screen.findByText('Not exported: the export could not be written to /ro/x.json: read-only file system')).toBeInTheDocument();
    expect(screen.getByText(/Not exported yet/)).toBeInTheDocument();
  });

  it('asks for the password when the restored server no longer knows the session, and signs in with it', async () => {
    const calls: unknown[] = [];
    const shell = serve(halted(), {
      rejoin_server: (args) => {
        calls.push(args);
        if (!args?.password) {
          return Promise.reject({
            kind: 'validation',
            field: 'password',
            message: 'the server no longer knows this desk’s session; sign in as Maria Lopez to join again: enter your password',
          });
        }
        shell.status = rejoinedStatus();
        return Promise.resolve({ requeued: 1, status: shell.status });
      },
    });
    const user = show();
    // Joined without exporting: allowed, the warning was there.
    await user.click(await screen.findByRole('button', { name: 'Join again' }));
    const field = await screen.findByLabelText('Password for Maria Lopez');
    expect(field).toHaveFocus();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText(/sign in as Maria Lopez to join again/)).toBeInTheDocument();
    // Enter in the field joins again with it.
    await user.type(field, 'hunter2 correct horse{Enter}');
    expect(calls).toEqual([{ password: null }, { password: 'hunter2 correct horse' }]);
    expect(await screen.findByText("Joined Acme Support again, with the server's history; 1 pending command sent again.")).toBeInTheDocument();
  });

  it('shows a refusal that is not about the password, and keeps the desk stopped', async () => {
    serve(halted(), {
      rejoin_server: () =>
        Promise.reject({
          kind: 'validation',
          field: 'server',
          message: 'the server signs its history with another key than the one this profile pinned',
        }),
    });
    const user = show();
    await user.click(await screen.findByRole('button', { name: 'Join again' }));
    expect(await screen.findByText('server: the server signs its history with another key than the one this profile pinned')).toBeInTheDocument();
    expect(screen.queryByLabelText(/Password for/)).toBeNull();
    expect(screen.getByRole('form', { name: 'Join the organisation again' })).toBeInTheDocument();
  });

  it('is not offered while syncing works', async () => {
    serve(syncStatusFixture());
    show();
    await screen.findByRole('button', { name: 'Sync now' });
    expect(screen.queryByRole('button', { name: 'Join again' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Export pending work…' })).toBeNull();
  });

  it('reaches both buttons from the keyboard, in order', async () => {
    serve(halted());
    const user = show();
    const exportButton = await screen.findByRole('button', { name: 'Export pending work…' });
    exportButton.focus();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Join again' })).toHaveFocus();
  });
});
