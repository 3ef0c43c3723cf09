import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseDetail } from '../lib/bindings';
import { accountFixture, checklistFixture } from '../lib/testing/checklist';
import { setPeople } from '../lib/people.svelte';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: NotesPanel } = await import('./NotesPanel.svelte');

function detail(notes: string[] = []): CaseDetail {
  return {
    account: accountFixture(),
    summary: {
      id: 'c1', account_id: 'a1', account_name: 'Acme', account_tier: 'Standard', status: 'in_progress', channel: 'email',
      requester_name: 'Ana', requester_contact: 'ana@acme.io', received_at: '2026-11-21T10:00:00Z', opened_at: '2026-11-21T10:00:00Z',
    } as CaseDetail['summary'],
    checklist: checklistFixture(),
    timeline: notes.map((text, i) => ({
      seq: i + 1, kind: 'note_added', actor: 'u-amy', actor_name: 'Amy Ortiz', policy_version: '1', recorded_at: '2026-11-21T10:00:00Z', event: { kind: 'note_added', text },
    })),
  };
}

describe('NotesPanel', () => {
  beforeEach(() => {
    invoke.mockReset();
    setPeople([]);
  });

  it('adds a note through the engine and keeps the text when it is refused', async () => {
    invoke.mockRejectedValueOnce({ kind: 'validation', field: 'text', message: 'is longer than 10000 characters' });
    const onchanged = vi.fn();
    render(NotesPanel, { detail: detail(), onchanged });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('New note'), 'Called back');
    await user.click(screen.getByRole('button', { name: 'Add note' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('longer than');
    expect(screen.getByLabelText('New note')).toHaveValue('Called back');
    expect(invoke).toHaveBeenCalledWith('run_case_command', { args: { case_id: 'c1', command: { command: 'add_note', text: 'Called back' } } });
    expect(onchanged).not.toHaveBeenCalled();
  });

  it('lists the case notes newest first and finds notes on other cases', async () => {
    invoke.mockResolvedValue([{ case_id: 'c9', account_name: 'Globex', author: 'bob', recorded_at: '2026-11-20T10:00:00Z', excerpt: 'the invoice dispute' }]);
    const onopencase = vi.fn();
    render(NotesPanel, { detail: detail(['first', 'second']), onchanged: vi.fn(), onopencase });
    const items = screen.getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('second');
    expect(items[1]).toHaveTextContent('first');
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Search all notes'), 'invoice');
    await user.click(await screen.findByRole('button', { name: 'Globex' }));
    expect(onopencase).toHaveBeenCalledWith('c9');
  });

  it("shows who wrote a note by their name, never the id the record keeps", async () => {
    setPeople([{ id: 'u-bob', name: 'Bob Lee', active: true }]);
    invoke.mockResolvedValue([{ case_id: 'c9', account_name: 'Globex', author: 'u-bob', recorded_at: '2026-11-20T10:00:00Z', excerpt: 'the invoice dispute' }]);
    render(NotesPanel, { detail: detail(['first']), onchanged: vi.fn() });
    const own = screen.getByRole('list', { name: 'Notes on this case' });
    expect(own).toHaveTextContent('Amy Ortiz');
    expect(own).not.toHaveTextContent('u-amy');
    await userEvent.setup().type(screen.getByLabelText('Search all notes'), 'invoice');
    const found = await screen.findByRole('list', { name: 'Notes found' });
    expect(found).toHaveTextContent('Bob Lee');
    expect(found).not.toHaveTextContent('u-bob');
  });
});
