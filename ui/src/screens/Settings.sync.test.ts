import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeskProfile, SyncNotice, SyncStatus } from '../lib/bindings';
import { localOnlyStatus, noticeFixture, syncStatusFixture } from '../lib/testing/sync';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: Settings } = await import('./Settings.svelte');
const { requestSyncFocus, resetSyncForTests } = await import('../lib/sync.svelte');

const profile: DeskProfile = {
  user: { id: 'u-ana', name: 'Ana', roles: ['account_manager'] },
  policy: { id: 'saas', name: 'SaaS subscriptions', version: 3, queues: [] },
};

type Handler = (args: Record<string, unknown> | undefined) => Promise<unknown>;

/** The shell: `sync_status` answers `status` (which a handler may replace); other commands as given. */
function serve(initial: SyncStatus, handlers: Record<string, Handler> = {}) {
  const shell = { status: initial };
  invoke.mockImplementation((command: string, payload?: { args?: Record<string, unknown> }) => {
    if (command === 'sync_status') return Promise.resolve(shell.status);
    if (command === 'heads_up_settings') return Promise.resolve({ team: true, kinds: [], subscriptions: [], deliveries: [] });
    if (command === 'team_heads_ups') return Promise.resolve({ subscriptions: [], deliveries: [] });
    if (command === 'verify_audit_chain') {
      return Promise.resolve({ verdict: { verdict: 'intact', events: 0 }, verified_at: '2026-11-22T10:00:00Z' });
    }
    if (command === 'reminder_settings') return Promise.resolve({ zone: 'UTC', working: null, quiet: [], lead_minutes: 15 });
    if (command === 'start_at_login') return Promise.resolve({ enabled: false });
    if (command === 'check_for_update') return Promise.resolve({ current: '0.1.0', available: null });
    if (command === 'mail_setup') return Promise.resolve({ settings: null, password_saved: false });
    const handler = handlers[command];
    if (handler) return handler(payload?.args);
    return Promise.reject({ kind: 'internal', message: `unexpected ${command}` });
  });
  return shell;
}

function show(options: { onopencase?: (caseId: string) => void; onprofile?: (next: DeskProfile) => void } = {}) {
  render(Settings, { profile, profileDir: '/p', onprofile: options.onprofile ?? vi.fn(), onopencase: options.onopencase });
  return userEvent.setup();
}

function signInForm() {
  return screen.getByRole('form', { name: 'Sign in to the team server' });
}

describe('Settings: signing in to a team server', () => {
  beforeEach(() => {
    invoke.mockReset();
    resetSyncForTests();
  });

  it('sends exactly what was typed, then forgets the password and shows the server’s user', async () => {
    const signedIn = syncStatusFixture({ user: { name: 'ana', roles: ['account_manager', 'csm'], active: true } });
    const shell = serve(localOnlyStatus(), {
      connect_to_server: () => {
        shell.status = signedIn;
        return Promise.resolve(signedIn);
      },
      desk_profile: () => Promise.resolve({ ...profile, user: { id: 'ana', name: 'ana', roles: ['account_manager', 'csm'] } }),
    });
    const onprofile = vi.fn();
    const user = show({ onprofile });
    const form = await screen.findByRole('form', { name: 'Sign in to the team server' });
    expect(screen.getByText(/a profile that already holds local cases is refused/)).toBeInTheDocument();
    await user.type(within(form).getByLabelText('Server address'), 'https://sync.example.com');
    await user.type(within(form).getByLabelText('Organisation'), 'Acme Support');
    await user.type(within(form).getByLabelText('User name'), 'ana');
    const password = within(form).getByLabelText('Password');
    expect(password).toHaveAttribute('type', 'password');
    await user.type(password, 'correct horse');
    await user.click(within(form).getByRole('button', { name: 'Sign in' }));

    expect(invoke).toHaveBeenCalledWith('connect_to_server', {
      args: { address: 'https://sync.example.com', organisation: 'Acme Support', user: 'ana', password: 'correct horse' },
    });
    expect(await screen.findByText('Signed in to Acme Support as ana.')).toBeInTheDocument();
    // The form is gone with the password in it; the server's view of the user is shown.
    expect(screen.queryByLabelText('Password')).toBeNull();
    expect(screen.getByText('Account manager, Customer success manager')).toBeInTheDocument();
    expect(onprofile).toHaveBeenCalledWith({ ...profile, user: { id: 'ana', name: 'ana', roles: ['account_manager', 'csm'] } });
    expect(screen.getByRole('heading', { name: 'Team server' })).toHaveFocus();
  });

  it('clears the password after a successful sign-in even when the form stays (signed out again)', async () => {
    // A server that answers "signed out" (e.g. the account was deactivated meanwhile) keeps the form.
    const stillOut = syncStatusFixture({ state: 'signed_out' });
    serve(localOnlyStatus(), { connect_to_server: () => Promise.resolve(stillOut), desk_profile: () => Promise.resolve(profile) });
    const user = show();
    const form = await screen.findByRole('form', { name: 'Sign in to the team server' });
    await user.type(within(form).getByLabelText('Server address'), 'https://sync.example.com');
    await user.type(within(form).getByLabelText('Password'), 'secret');
    await user.click(within(form).getByRole('button', { name: 'Sign in' }));
    await vi.waitFor(() => expect(screen.getByLabelText('Password')).toHaveValue(''));
  });

  it('shows a refused field beside it, keeps what was typed and empties only the password', async () => {
    serve(localOnlyStatus(), {
      connect_to_server: () => Promise.reject({ kind: 'validation', field: 'address', message: 'must start with https://' }),
    });
    const user = show();
    const form = await screen.findByRole('form', { name: 'Sign in to the team server' });
    await user.type(within(form).getByLabelText('Server address'), 'sync.example.com');
    await user.type(within(form).getByLabelText('Organisation'), 'Acme Support');
    await user.type(within(form).getByLabelText('User name'), 'ana');
    await user.type(within(form).getByLabelText('Password'), 'secret');
    await user.click(within(form).getByRole('button', { name: 'Sign in' }));

    const message = await within(form).findByText('must start with https://');
    // Beside its field: right after the address's label, before the next field.
    expect(within(form).getByLabelText('Server address').closest('label')!.nextElementSibling).toBe(message);
    expect(within(form).getByLabelText('Server address')).toHaveAttribute('aria-invalid', 'true');
    expect(within(form).getByLabelText('Server address')).toHaveValue('sync.example.com');
    expect(within(form).getByLabelText('Organisation')).toHaveValue('Acme Support');
    expect(within(form).getByLabelText('User name')).toHaveValue('ana');
    expect(within(form).getByLabelText('Password')).toHaveValue('');
    expect(within(form).queryByRole('alert')).toBeNull();
  });

  it('shows the server’s refusal of a profile that holds local cases as an alert by the form', async () => {
    const refusal = 'This profile already holds 4 cases of its own; start a new profile to join Acme Support.';
    serve(localOnlyStatus(), { connect_to_server: () => Promise.reject({ kind: 'conflict', message: refusal }) });
    const user = show();
    const form = await screen.findByRole('form', { name: 'Sign in to the team server' });
    await user.type(within(form).getByLabelText('Server address'), 'https://sync.example.com');
    await user.click(within(form).getByRole('button', { name: 'Sign in' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent(refusal);
    expect(within(form).getByLabelText('Server address')).toHaveValue('https://sync.example.com');
  });

  it('signs in again to the same server and organisation after signing out', async () => {
    serve(syncStatusFixture({ state: 'signed_out' }), {
      connect_to_server: () => Promise.resolve(syncStatusFixture()),
      desk_profile: () => Promise.resolve(profile),
    });
    const user = show();
    const form = await screen.findByRole('form', { name: 'Sign in to the team server' });
    expect(within(form).getByLabelText('Server address')).toHaveValue('https://sync.example.com');
    expect(within(form).getByLabelText('Server address')).toHaveAttribute('readonly');
    expect(within(form).getByLabelText('Organisation')).toHaveValue('Acme Support');
    expect(within(form).getByLabelText('Organisation')).toHaveAttribute('readonly');
    expect(within(form).getByLabelText('User name')).toHaveValue('Maria Lopez');
    await user.type(within(form).getByLabelText('Password'), 'pw');
    await user.click(within(form).getByRole('button', { name: 'Sign in' }));
    expect(invoke).toHaveBeenCalledWith('connect_to_server', {
      args: { address: 'https://sync.example.com', organisation: 'Acme Support', user: 'Maria Lopez', password: 'pw' },
    });
  });
});

describe('Settings: a profile bound to a team server', () => {
  beforeEach(() => {
    invoke.mockReset();
    resetSyncForTests();
  });

  it('shows the server’s user and roles and hides local user switching', async () => {
    serve(syncStatusFixture({ pending: 4 }), { sync_notices: () => Promise.resolve([]) });
    show();
    expect(await screen.findByText('Maria Lopez')).toBeInTheDocument();
    expect(screen.getByText('Manager, Billing')).toBeInTheDocument();
    expect(screen.getByText('https://sync.example.com')).toBeInTheDocument();
    expect(screen.getByText('Acme Support')).toBeInTheDocument();
    expect(screen.getByText('Online')).toBeInTheDocument();
    expect(screen.getByText('4')).toBeInTheDocument();
    expect(screen.getByText(/your user and roles come from the server/)).toBeInTheDocument();
    expect(screen.queryByLabelText('Your name')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Switch user' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Sync now' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeInTheDocument();
  });

  it('keeps local user switching for a profile without a server', async () => {
    serve(localOnlyStatus());
    show();
    await screen.findByRole('form', { name: 'Sign in to the team server' });
    expect(screen.getByLabelText('Your name')).toHaveValue('Ana');
    expect(screen.getByRole('button', { name: 'Switch user' })).toBeInTheDocument();
  });

  it('syncs now and signs out', async () => {
    const shell = serve(syncStatusFixture({ pending: 2 }), {
      sync_notices: () => Promise.resolve([]),
      sync_now: () => {
        shell.status = syncStatusFixture({ pending: 0 });
        return Promise.resolve(shell.status);
      },
      sign_out_of_server: () => {
        shell.status = syncStatusFixture({ state: 'signed_out' });
        return Promise.resolve(shell.status);
      },
    });
    const user = show();
    await user.click(await screen.findByRole('button', { name: 'Sync now' }));
    expect(invoke).toHaveBeenCalledWith('sync_now', {});
    await vi.waitFor(() => expect(screen.getByText('Pending changes').nextElementSibling).toHaveTextContent('0'));
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(invoke).toHaveBeenCalledWith('sign_out_of_server', {});
    const form = await screen.findByRole('form', { name: 'Sign in to the team server' });
    expect(within(form).getByLabelText('Organisation')).toHaveValue('Acme Support');
  });

  it('disables "Sync now" with the reason once syncing stopped for good', async () => {
    serve(syncStatusFixture({ state: 'halted', halted: 'the history before event 12 was rewritten' }), {
      sync_notices: () => Promise.resolve([]),
    });
    show();
    const button = await screen.findByRole('button', { name: 'Sync now' });
    expect(button).toBeDisabled();
    expect(screen.getByRole('alert')).toHaveTextContent('Syncing stopped for good: the history before event 12 was rewritten');
    expect(button).toHaveAccessibleDescription(expect.stringContaining('the history before event 12 was rewritten'));
  });
});

describe('Settings: sync problems', () => {
  beforeEach(() => {
    invoke.mockReset();
    resetSyncForTests();
  });

  const conflict = noticeFixture();
  const expected: SyncNotice = noticeFixture({
    seq: 8,
    case_id: 'case-2',
    command: 'approve_refund',
    actor: 'Ana',
    problem: { kind: 'rejected', message: 'Approving a refund needs the billing role.' },
    settled: false,
  });

  it('lists each problem with its case, who, when and why, and dismisses a settled one', async () => {
    let notices = [conflict, expected];
    const shell = serve(syncStatusFixture({ attention: 2 }), {
      sync_notices: () => Promise.resolve(notices),
      dismiss_sync_notice: (args) => {
        notices = notices.filter((notice) => notice.seq !== args?.seq);
        shell.status = syncStatusFixture({ attention: 1 });
        return Promise.resolve(notices);
      },
    });
    const onopencase = vi.fn();
    const user = show({ onopencase });
    const list = await screen.findByRole('list', { name: 'Sync problems' });
    const items = await within(list).findAllByRole('listitem');
    expect(items).toHaveLength(2);
    const [first, second] = items as [HTMLElement, HTMLElement];
    expect(first).toHaveTextContent('Finalize');
    expect(first).toHaveTextContent('Conflict');
    expect(first).toHaveTextContent('Carl Jensen finalized this case first.');
    expect(first).toHaveTextContent('By Maria Lopez, 1 hr. ago');
    expect(second).toHaveTextContent('Approve refund');
    expect(second).toHaveTextContent('Rejected (expected; not sent yet)');
    // Not answered by the server yet: nothing to dismiss.
    expect(within(second).queryByRole('button', { name: 'Dismiss' })).toBeNull();

    await user.click(within(first).getByRole('button', { name: 'Open case' }));
    expect(onopencase).toHaveBeenCalledWith('case-1');

    await user.click(within(first).getByRole('button', { name: 'Dismiss' }));
    expect(invoke).toHaveBeenCalledWith('dismiss_sync_notice', { args: { seq: 7 } });
    await vi.waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(1));
    expect(list).not.toHaveTextContent('Carl Jensen finalized this case first.');
  });

  it('focuses the problems when the footer asks for them', async () => {
    serve(syncStatusFixture({ attention: 1 }), { sync_notices: () => Promise.resolve([conflict]) });
    requestSyncFocus('problems');
    show();
    await vi.waitFor(() => expect(screen.getByRole('heading', { name: 'Sync problems' })).toHaveFocus());
  });

  it('says there are none when there are none', async () => {
    serve(syncStatusFixture(), { sync_notices: () => Promise.resolve([]) });
    show();
    expect(await screen.findByText(/When the server refuses a change made here/)).toBeInTheDocument();
  });
});
