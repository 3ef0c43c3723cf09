import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditCheck, DeskProfile } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: Settings } = await import('./Settings.svelte');
const { default: Setup } = await import('./Setup.svelte');

const profile: DeskProfile = {
  user: { name: 'Ana', roles: ['account_manager'] },
  policy: { id: 'saas', name: 'SaaS subscriptions', version: 3 },
};

const intact: AuditCheck = { verdict: { verdict: 'intact', events: 42 }, verified_at: '2026-11-22T10:00:00Z' };

/** Answers each command from `answers`; Settings verifies the audit trail whenever it opens. */
function answer(answers: Record<string, (args: unknown) => Promise<unknown>>) {
  invoke.mockImplementation((command: string, args: unknown) => {
    const handler = answers[command] ?? (command === 'verify_audit_chain' ? () => Promise.resolve(intact) : null);
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
    expect(screen.getByRole('checkbox', { name: 'Account manager' })).toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'Manager' })).not.toBeChecked();
    expect(screen.getByText('/home/ana/.holdfast/default')).toBeInTheDocument();
    expect(screen.getByText('SaaS subscriptions (version 3)')).toBeInTheDocument();
  });

  it('switches to acting as another user and hands the new profile up', async () => {
    answer({ set_local_user: () => Promise.resolve({ name: 'Carla', roles: ['manager'] }) });
    const onprofile = vi.fn();
    render(Settings, { profile, profileDir: '/p', onprofile });
    const user = userEvent.setup();
    await user.clear(screen.getByLabelText('Your name'));
    await user.type(screen.getByLabelText('Your name'), 'Carla');
    await user.click(screen.getByRole('checkbox', { name: 'Account manager' }));
    await user.click(screen.getByRole('checkbox', { name: 'Manager' }));
    await user.click(screen.getByRole('button', { name: 'Switch user' }));
    expect(invoke).toHaveBeenCalledWith('set_local_user', { args: { name: 'Carla', roles: ['manager'] } });
    expect(onprofile).toHaveBeenCalledWith({ ...profile, user: { name: 'Carla', roles: ['manager'] } });
    expect(screen.getByRole('status')).toHaveTextContent('You are now acting as Carla (Manager).');
  });

  it('shows a refusal beside the field, keeps the input and changes nothing', async () => {
    answer({
      set_local_user: () => Promise.reject({ kind: 'validation', field: 'roles', message: 'choose at least one role' }),
    });
    const onprofile = vi.fn();
    render(Settings, { profile, profileDir: '/p', onprofile });
    const user = userEvent.setup();
    await user.clear(screen.getByLabelText('Your name'));
    await user.type(screen.getByLabelText('Your name'), 'Bo');
    await user.click(screen.getByRole('checkbox', { name: 'Account manager' }));
    await user.click(screen.getByRole('button', { name: 'Switch user' }));
    expect(await screen.findByText('choose at least one role')).toBeInTheDocument();
    expect(screen.getByLabelText('Your name')).toHaveValue('Bo');
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
      if (command === 'set_local_user') return Promise.resolve({ name: 'Ana', roles: ['csm'] });
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
    expect(ondone).toHaveBeenCalledWith({ user: { name: 'Ana', roles: ['csm'] }, policy: profile.policy });
  });
});
