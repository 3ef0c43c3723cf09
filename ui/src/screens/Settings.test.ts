import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditCheck, DeskProfile } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: Settings } = await import('./Settings.svelte');
const { default: Setup } = await import('./Setup.svelte');

const profile: DeskProfile = {
  user: { id: 'u-ana', name: 'Ana', roles: ['account_manager'] },
  policy: { id: 'saas', name: 'SaaS subscriptions', version: 3, queues: [] },
};

const intact: AuditCheck = { verdict: { verdict: 'intact', events: 42 }, verified_at: '2026-11-22T10:00:00Z' };

/** Answers each command from `answers`; Settings verifies the audit trail whenever it opens. */
function answer(answers: Record<string, (args: unknown) => Promise<unknown>>) {
  invoke.mockImplementation((command: string, args: unknown) => {
    const handler =
      answers[command] ??
      (command === 'verify_audit_chain'
        ? () => Promise.resolve(intact)
        : command === 'reminder_settings'
          ? () => Promise.resolve({ zone: 'America/New_York', working: null, quiet: [], lead_minutes: 15 })
          : command === 'start_at_login'
            ? () => Promise.resolve({ enabled: false })
            : command === 'check_for_update'
              ? () => Promise.resolve({ current: '0.1.0', available: null })
              : command === 'heads_up_settings'
                ? () => Promise.resolve({ team: false, kinds: [], subscriptions: [], deliveries: [] })
              : command === 'mail_setup'
                ? () => Promise.resolve({ settings: null, password_saved: false })
                : null);
    return handler ? handler(args) : Promise.reject({ kind: 'internal', message: `unexpected ${command}` });
  });
}

describe('Settings', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('shows the user, the profile folder and the procedure', () => {
    answer({});
    render(Settings, { profile, profileDir: '/home/ana/.holdfast/default', onprofile: vi.fn() });
    expect(screen.getByLabelText('Your name')).toHaveValue('Ana');
    const own = within(screen.getByRole('form', { name: 'Your name and roles' }));
    expect(own.getByRole('checkbox', { name: 'Account manager' })).toBeChecked();
    expect(own.getByRole('checkbox', { name: 'Manager' })).not.toBeChecked();
    expect(screen.getByText('/home/ana/.holdfast/default')).toBeInTheDocument();
    expect(screen.getByText('SaaS subscriptions (version 3)')).toBeInTheDocument();
  });

  it('renames the same person with set_local_user, never switching', async () => {
    answer({ set_local_user: () => Promise.resolve({ id: 'u-ana', name: 'Ana Ruiz', roles: ['manager'] }) });
    const onprofile = vi.fn();
    render(Settings, { profile, profileDir: '/p', onprofile });
    const own = within(screen.getByRole('form', { name: 'Your name and roles' }));
    expect(own.getByText(/recorded in the audit trail/)).toBeInTheDocument();
    const user = userEvent.setup();
    await user.clear(own.getByLabelText('Your name'));
    await user.type(own.getByLabelText('Your name'), 'Ana Ruiz');
    await user.click(own.getByRole('checkbox', { name: 'Account manager' }));
    await user.click(own.getByRole('checkbox', { name: 'Manager' }));
    await user.click(own.getByRole('button', { name: 'Save name and roles' }));
    expect(invoke).toHaveBeenCalledWith('set_local_user', { args: { name: 'Ana Ruiz', roles: ['manager'] } });
    expect(invoke.mock.calls.map(([command]) => command)).not.toContain('switch_local_user');
    expect(onprofile).toHaveBeenCalledWith({ ...profile, user: { id: 'u-ana', name: 'Ana Ruiz', roles: ['manager'] } });
    expect(own.getByRole('status')).toHaveTextContent('Saved: you are Ana Ruiz (Manager). The change is recorded in the audit trail.');
  });

  it('switches to another person with switch_local_user, leaving the own name alone', async () => {
    answer({ switch_local_user: () => Promise.resolve({ id: 'u-carla', name: 'Carla', roles: ['billing', 'manager'] }) });
    const onprofile = vi.fn();
    render(Settings, { profile, profileDir: '/p', onprofile });
    const other = within(screen.getByRole('form', { name: 'Switch to another person' }));
    expect(other.getByText(/Acts as someone else/)).toBeInTheDocument();
    const user = userEvent.setup();
    await user.type(other.getByLabelText('Their name'), '  Carla ');
    await user.click(other.getByRole('checkbox', { name: 'Billing' }));
    await user.click(other.getByRole('checkbox', { name: 'Manager' }));
    await user.click(other.getByRole('button', { name: 'Switch user' }));
    expect(invoke).toHaveBeenCalledWith('switch_local_user', { args: { name: 'Carla', roles: ['billing', 'manager'] } });
    expect(invoke.mock.calls.map(([command]) => command)).not.toContain('set_local_user');
    expect(onprofile).toHaveBeenCalledWith({ ...profile, user: { id: 'u-carla', name: 'Carla', roles: ['billing', 'manager'] } });
    expect(other.getByRole('status')).toHaveTextContent('You are now acting as Carla (Billing, Manager).');
    // The switch form is spent; the own form now shows who is acting.
    expect(other.getByLabelText('Their name')).toHaveValue('');
    expect(screen.getByLabelText('Your name')).toHaveValue('Carla');
  });

  it('does not switch without a name and a role (the shell would rename the current person)', async () => {
    answer({});
    const onprofile = vi.fn();
    render(Settings, { profile, profileDir: '/p', onprofile });
    const other = within(screen.getByRole('form', { name: 'Switch to another person' }));
    const user = userEvent.setup();
    await user.click(other.getByRole('button', { name: 'Switch user' }));
    expect(other.getByText('Say who takes over the desk.')).toBeInTheDocument();
    await user.type(other.getByLabelText('Their name'), 'Carla');
    await user.click(other.getByRole('button', { name: 'Switch user' }));
    expect(other.getByText('Choose at least one role they hold.')).toBeInTheDocument();
    expect(other.getByLabelText('Their name')).toHaveValue('Carla');
    const commands = invoke.mock.calls.map(([command]) => command);
    expect(commands).not.toContain('switch_local_user');
    expect(commands).not.toContain('set_local_user');
    expect(onprofile).not.toHaveBeenCalled();
  });

  it('shows a refusal beside the field, keeps the input and changes nothing', async () => {
    answer({
      set_local_user: () => Promise.reject({ kind: 'validation', field: 'roles', message: 'choose at least one role' }),
    });
    const onprofile = vi.fn();
    render(Settings, { profile, profileDir: '/p', onprofile });
    const own = within(screen.getByRole('form', { name: 'Your name and roles' }));
    const user = userEvent.setup();
    await user.clear(own.getByLabelText('Your name'));
    await user.type(own.getByLabelText('Your name'), 'Bo');
    await user.click(own.getByRole('checkbox', { name: 'Account manager' }));
    await user.click(own.getByRole('button', { name: 'Save name and roles' }));
    expect(await own.findByText('choose at least one role')).toBeInTheDocument();
    expect(own.getByLabelText('Your name')).toHaveValue('Bo');
    expect(onprofile).not.toHaveBeenCalled();
  });
});

describe('Settings: audit trail', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('verifies the chain when it opens and says it is intact, with the count and the time', async () => {
    answer({});
    render(Settings, { profile, profileDir: '/p', onprofile: vi.fn() });
    const verdict = await screen.findByTestId('audit-verdict');
    expect(verdict).toHaveTextContent(/^Intact · 42 events · verified .+/);
    expect(invoke).toHaveBeenCalledWith('verify_audit_chain', {});
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows a broken chain prominently, with the event and the reason, and verifies again on demand', async () => {
    let checks = 0;
    answer({
      verify_audit_chain: () => {
        checks += 1;
        return Promise.resolve(
          checks === 1
            ? intact
            : {
                verdict: { verdict: 'broken', seq: 17, message: 'event 17 does not match its hash', events: 40 },
                verified_at: '2026-11-22T10:05:00Z',
              },
        );
      },
    });
    render(Settings, { profile, profileDir: '/p', onprofile: vi.fn() });
    expect(await screen.findByTestId('audit-verdict')).toHaveTextContent('Intact');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Verify now' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The audit trail is broken at event 17.');
    expect(alert).toHaveTextContent('event 17 does not match its hash');
    expect(alert).toHaveTextContent('40 events in the log');
    expect(screen.queryByText(/^Intact/)).not.toBeInTheDocument();
    expect(checks).toBe(2);
  });
});

describe('Setup', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('saves the user with the shared fields, then the procedure', async () => {
    invoke.mockImplementation((command: string) => {
      if (command === 'list_policy_presets') return Promise.resolve([profile.policy]);
      if (command === 'set_local_user') return Promise.resolve({ id: 'u-ana', name: 'Ana', roles: ['csm'] });
      if (command === 'choose_policy') return Promise.resolve(profile.policy);
      return Promise.reject({ kind: 'internal', message: command });
    });
    const ondone = vi.fn();
    render(Setup, { profile: { user: null, policy: null }, ondone });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Your name'), 'Ana');
    await user.click(screen.getByRole('checkbox', { name: 'Customer success manager' }));
    await user.click(await screen.findByRole('radio', { name: 'SaaS subscriptions' }));
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(invoke).toHaveBeenCalledWith('set_local_user', { args: { name: 'Ana', roles: ['csm'] } });
    expect(invoke).toHaveBeenCalledWith('choose_policy', { args: { preset_id: 'saas' } });
    expect(ondone).toHaveBeenCalledWith({ user: { id: 'u-ana', name: 'Ana', roles: ['csm'] }, policy: profile.policy });
  });
});
