import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { call, describe: describeError, fieldError, toAppError } = await import('./api');

describe('call', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('passes arguments under `args` and returns the value', async () => {
    invoke.mockResolvedValue({ created: 2, updated: 1 });
    const outcome = await call('preview_accounts_import', { path: '/tmp/a.csv' });
    expect(invoke).toHaveBeenCalledWith('preview_accounts_import', { args: { path: '/tmp/a.csv' } });
    expect(outcome).toEqual({ ok: true, value: { created: 2, updated: 1 } });
  });

  it('calls argument-less commands with nothing', async () => {
    invoke.mockResolvedValue({ state: 'needs_passphrase' });
    await call('session_status');
    expect(invoke).toHaveBeenCalledWith('session_status', {});
  });

  it('returns the typed error the shell rejected with', async () => {
    invoke.mockRejectedValue({ kind: 'validation', field: 'path', message: 'choose a CSV file to import' });
    const outcome = await call('preview_accounts_import', { path: '' });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(fieldError(outcome.error, 'path')).toBe('choose a CSV file to import');
  });
});

describe('errors', () => {
  it('keeps the typed refusal of arguments a command cannot read', async () => {
    const refusal = { kind: 'invalid_arguments', command: 'case_detail', field: 'case_id', message: 'is missing' } as const;
    invoke.mockReset();
    invoke.mockRejectedValue(refusal);
    const outcome = await call('case_detail', { case_id: '' });
    expect(outcome).toEqual({ ok: false, error: refusal });
    expect(describeError(refusal)).toBe('Holdfast could not read what this screen sent (case_detail, case_id): is missing.');
    expect(describeError({ ...refusal, field: null, message: 'expected struct CaseArgs, got null' })).toBe(
      'Holdfast could not read what this screen sent (case_detail): expected struct CaseArgs, got null.',
    );
  });

  it('turns a plain string rejection (a call the window is not granted) into an internal error', () => {
    expect(toAppError('plugin:opener|open_url not allowed')).toEqual({
      kind: 'internal',
      message: 'plugin:opener|open_url not allowed',
    });
  });

  it('finds field errors only for their field', () => {
    const error = { kind: 'validation', field: 'requester_name', message: 'say who asked to cancel' } as const;
    expect(fieldError(error, 'requester_name')).toBe('say who asked to cancel');
    expect(fieldError(error, 'requester_contact')).toBeNull();
    expect(fieldError(null, 'requester_name')).toBeNull();
  });

  it('counts bad rows in words', () => {
    expect(describeError({ kind: 'invalid_rows', rows: [{ line: 3, column: 'mrr', message: 'is required' }] })).toBe(
      '1 row cannot be imported; nothing was imported.',
    );
  });
});
