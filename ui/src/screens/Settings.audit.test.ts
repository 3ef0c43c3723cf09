import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditCheck, AuditExportCheck, DeskProfile } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: Settings } = await import('./Settings.svelte');

const profile: DeskProfile = {
  user: { id: 'u-ana', name: 'Ana', roles: ['account_manager'] },
  policy: { id: 'saas', name: 'SaaS subscriptions', version: 3, queues: [] },
};

const intact: AuditCheck = { verdict: { verdict: 'intact', events: 12 }, verified_at: '2026-11-22T10:00:00Z' };
const HEAD = 'ab'.repeat(32);

const verified: AuditExportCheck = {
  path: '/home/ana/trail.jsonl',
  verdict: { verdict: 'verified', events: 12, checkpoints: 0, head: HEAD, checkpoint_key: null, profile_kind: 'local', organisation: null, user: 'Ana' },
  checked_at: '2026-11-22T10:05:00Z',
};

const broken: AuditExportCheck = {
  path: '/home/ana/trail.jsonl',
  verdict: { verdict: 'broken', line: 3, reason: 'event 2 does not match its chain hash: it was changed, or an event before it was removed or moved' },
  checked_at: '2026-11-22T10:06:00Z',
};

function answer(answers: Record<string, (args: unknown) => unknown>) {
  invoke.mockImplementation(async (command: string, args: unknown) => {
    const handler =
      answers[command] ??
      (command === 'verify_audit_chain'
        ? () => intact
        : command === 'reminder_settings'
          ? () => ({ zone: 'America/New_York', working: null, quiet: [], lead_minutes: 15 })
          : command === 'start_at_login'
            ? () => ({ enabled: false })
            : null);
    if (!handler) throw { kind: 'internal', message: `unexpected ${command}` };
    return handler(args);
  });
}

function auditSection() {
  return within(screen.getByRole('region', { name: 'Audit trail' }));
}

describe('Settings → Audit trail: the audit export', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('exports the trail through the save dialog and says where and how many events', async () => {
    answer({ save_audit_export: () => ({ path: '/home/ana/trail.jsonl', events: 12, checkpoints: 0 }) });
    render(Settings, { profile, profileDir: '/p', onprofile: vi.fn() });
    const user = userEvent.setup();
    await user.click(auditSection().getByRole('button', { name: 'Export the audit trail…' }));
    expect(invoke).toHaveBeenCalledWith('save_audit_export', {});
    expect(await auditSection().findByRole('status')).toHaveTextContent('Saved 12 events to /home/ana/trail.jsonl');
  });

  it('names the signed checkpoints a team profile’s export holds', async () => {
    answer({ save_audit_export: () => ({ path: '/t.jsonl', events: 40, checkpoints: 1 }) });
    render(Settings, { profile, profileDir: '/p', onprofile: vi.fn() });
    await userEvent.setup().click(auditSection().getByRole('button', { name: 'Export the audit trail…' }));
    expect(await auditSection().findByRole('status')).toHaveTextContent('Saved 40 events and 1 signed checkpoint to /t.jsonl');
  });

  it('says nothing when the save dialog is cancelled, and shows a failure as an alert', async () => {
    let fail = false;
    answer({
      save_audit_export: () => {
        if (fail) throw { kind: 'storage', message: 'the audit export could not be written to /ro/t.jsonl: denied' };
        return null;
      },
    });
    render(Settings, { profile, profileDir: '/p', onprofile: vi.fn() });
    const user = userEvent.setup();
    const button = auditSection().getByRole('button', { name: 'Export the audit trail…' });
    await user.click(button);
    await vi.waitFor(() => expect(invoke).toHaveBeenCalledWith('save_audit_export', {}));
    expect(auditSection().queryByText(/^Saved/)).toBeNull();
    fail = true;
    await user.click(button);
    expect(await auditSection().findByRole('alert')).toHaveTextContent('The audit trail could not be exported: the audit export could not be written to /ro/t.jsonl: denied');
  });

  it('shows a verified export with its events, checkpoints and head', async () => {
    answer({ check_audit_export: () => verified });
    render(Settings, { profile, profileDir: '/p', onprofile: vi.fn() });
    await userEvent.setup().click(auditSection().getByRole('button', { name: 'Check an audit export…' }));
    const verdict = await screen.findByTestId('export-verdict');
    expect(verdict).toHaveAttribute('role', 'status');
    expect(verdict).toHaveTextContent('Verified: /home/ana/trail.jsonl');
    expect(verdict).toHaveTextContent('12 events, 0 signed checkpoints');
    expect(verdict).toHaveTextContent(`Head ${HEAD}`);
    expect(verdict).toHaveTextContent('No server signed this log (a local profile)');
  });

  it('names the first broken line of a tampered export, and keeps the verdict when a later dialog is cancelled', async () => {
    let next: AuditExportCheck | null = broken;
    answer({ check_audit_export: () => next });
    render(Settings, { profile, profileDir: '/p', onprofile: vi.fn() });
    const user = userEvent.setup();
    const button = auditSection().getByRole('button', { name: 'Check an audit export…' });
    await user.click(button);
    const verdict = await screen.findByTestId('export-verdict');
    expect(verdict).toHaveAttribute('role', 'alert');
    expect(verdict).toHaveTextContent('Broken at line 3: /home/ana/trail.jsonl');
    expect(verdict).toHaveTextContent('event 2 does not match its chain hash');
    next = null;
    await user.click(button);
    await vi.waitFor(() => expect(invoke.mock.calls.filter(([c]) => c === 'check_audit_export')).toHaveLength(2));
    expect(screen.getByTestId('export-verdict')).toHaveTextContent('Broken at line 3');
  });

  it('says so when the chosen file is not an audit export at all', async () => {
    answer({
      check_audit_export: () => {
        throw { kind: 'validation', field: 'file', message: '/home/ana/accounts.csv is not a Holdfast audit export: its first line is not an export\'s header' };
      },
    });
    render(Settings, { profile, profileDir: '/p', onprofile: vi.fn() });
    await userEvent.setup().click(auditSection().getByRole('button', { name: 'Check an audit export…' }));
    expect(await auditSection().findByRole('alert')).toHaveTextContent('/home/ana/accounts.csv is not a Holdfast audit export');
    expect(screen.queryByTestId('export-verdict')).toBeNull();
  });

  it('works from the keyboard and from the command palette', async () => {
    answer({ save_audit_export: () => null, check_audit_export: () => verified });
    render(Settings, { profile, profileDir: '/p', onprofile: vi.fn() });
    const user = userEvent.setup();
    auditSection().getByRole('button', { name: 'Export the audit trail…' }).focus();
    await user.keyboard('{Enter}');
    await vi.waitFor(() => expect(invoke).toHaveBeenCalledWith('save_audit_export', {}));
    const { deskActions, runAction } = await import('../lib/actions.svelte');
    expect(deskActions().map((action) => action.label)).toContain('Export the audit trail');
    const checkAction = deskActions().find((action) => action.label === 'Check an audit export');
    if (!checkAction) throw new Error('no palette entry to check an export');
    runAction(checkAction);
    expect(await screen.findByTestId('export-verdict')).toHaveTextContent('Verified');
  });
});
