// The case pane says why a case could not be read instead of showing an empty pane.
import { render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseSummary } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: CasePane } = await import('./CasePane.svelte');

const summary = {
  id: 'c1', account_id: 'a1', account_name: 'Acme', account_tier: 'Standard', status: 'in_progress', channel: 'email',
  requester_name: 'Ana', requester_contact: 'ana@acme.io', received_at: '2026-11-21T10:00:00Z', opened_at: '2026-11-21T10:00:00Z',
} as CaseSummary;

describe('CasePane', () => {
  beforeEach(() => invoke.mockReset());

  it('says why the case could not be read', async () => {
    invoke.mockImplementation((command: string) =>
      command === 'case_detail'
        ? Promise.reject({ kind: 'not_found', entity: 'case', id: 'c1' })
        : Promise.resolve([]),
    );
    render(CasePane, { summary, onchanged: vi.fn() });
    expect(await screen.findByRole('alert')).toHaveTextContent('This case could not be read: That case no longer exists.');
    // The header it already had still shows.
    expect(screen.getByRole('heading', { name: 'Acme' })).toBeInTheDocument();
  });
});
