// The case pane says why a case could not be read instead of showing an empty pane, and its
// timeline says each event in the procedure's words.
import { render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseDetail, CaseSummary, TimelineEntry } from '../lib/bindings';
import { accountFixture, checklistFixture } from '../lib/testing/checklist';
import { setPeople } from '../lib/people.svelte';

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

  it('says when the contact on file changed after the identity was verified through the old one', async () => {
    const warning = 'The contact on file changed after this request was received: verify again';
    const detail: CaseDetail = {
      summary,
      account: accountFixture(),
      checklist: checklistFixture({ identity_verified: false, contact_warning: warning }),
      timeline: [],
    };
    invoke.mockImplementation((command: string) => Promise.resolve(command === 'case_detail' ? detail : []));
    render(CasePane, { summary, onchanged: vi.fn() });
    expect(await screen.findByRole('alert')).toHaveTextContent(warning);
  });

  it("says each timeline event in the procedure's words: the route, the reason's label, who it went to", async () => {
    setPeople([{ id: 'u-rita', name: 'Rita Ng', active: true }]);
    const entry = (seq: number, event: Record<string, unknown>): TimelineEntry => ({
      seq, kind: String(event.kind), actor: 'u-amy', actor_name: 'Amy Ortiz', policy_version: 'account-cancellation-2017@1',
      recorded_at: '2026-11-21T10:00:00Z', event,
    });
    const detail: CaseDetail = {
      summary,
      account: accountFixture(),
      checklist: checklistFixture({
        reasons: [{ id: 'not_using', label: 'Not using it enough', mitigations: [] }],
        messages: [],
      }),
      timeline: [
        entry(1, { kind: 'reason_captured', reason_id: 'not_using', details: '', pain_points: [] }),
        entry(2, { kind: 'routed', route: 'save_call', assignee: 'u-rita' }),
        entry(3, { kind: 'csm_outcome_recorded', retained: false, note: 'Moving in-house' }),
        entry(4, { kind: 'message_sent', message: 'sympathetic_reply', channel: 'email', body: 'Hi Ana' }),
      ],
    };
    invoke.mockImplementation((command: string) => Promise.resolve(command === 'case_detail' ? detail : []));
    render(CasePane, { summary, onchanged: vi.fn() });
    const lines = await screen.findAllByRole('listitem');
    const timeline = lines.filter((line) => line.closest('[aria-label="Timeline"]')).map((line) => line.textContent ?? '');
    expect(timeline[0]).toContain('Reason captured');
    expect(timeline[0]).toContain('Not using it enough');
    expect(timeline[1]).toContain('Save call by the sales rep · for Rita Ng');
    expect(timeline[2]).toContain('CSM outcome recorded');
    expect(timeline[2]).toContain('Not saved · Moving in-house');
    expect(timeline[3]).toContain('Sympathetic reply by E-mail · Hi Ana');
    const said = timeline.join(' ');
    for (const raw of ['not_using', 'save_call', 'u-rita', 'Csm', 'sympathetic_reply']) expect(said).not.toContain(raw);
    setPeople([]);
  });
});
