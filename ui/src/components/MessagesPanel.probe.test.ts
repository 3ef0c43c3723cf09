import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { tick } from 'svelte';
import type { CaseDetail } from '../lib/bindings';
import { accountFixture, checklistFixture } from '../lib/testing/checklist';
const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
const { default: MessagesPanel } = await import('./MessagesPanel.svelte');
function detail(messages: any[], sent: any[] = []): CaseDetail {
  return {
    account: accountFixture(),
    summary: { id: 'c1', account_id: 'a1', account_name: 'Acme', account_tier: 'Standard', status: 'cancelled', channel: 'email',
      requester_name: 'Ana', requester_contact: 'ana@acme.io', received_at: '2026-11-21T10:00:00Z', opened_at: '2026-11-21T10:00:00Z' } as CaseDetail['summary'],
    checklist: checklistFixture({ status: 'cancelled', messages, messages_sent: sent }),
    timeline: [],
  };
}
const show = (tag: string) => { const s = screen.getByLabelText('Template') as HTMLSelectElement; console.log(tag, JSON.stringify(s.value), s.selectedIndex, [...s.options].map(o=>o.textContent).join(',')); };
describe('probe', () => {
  it('user then step', async () => {
    invoke.mockImplementation(async (_c: string, a: any) => ({ kind: a.args.kind, subject: 'S', body: 'B ' + a.args.kind, missing: [], channel: 'email', sent: false }));
    const r = render(MessagesPanel, { detail: detail(['acknowledgement', 'confirmation', 'exit_survey']), onchanged: vi.fn() });
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Template'), 'Acknowledgement');
    await screen.findByLabelText('Message');
    show('a');
    r.component.write('confirmation');
    await vi.waitFor(() => expect(screen.getByLabelText('Message')).toHaveValue('B confirmation'));
    show('b');
    await r.rerender({ detail: detail(['acknowledgement', 'sympathetic_reply', 'confirmation', 'exit_survey'], ['acknowledgement']) });
    await tick(); await new Promise(r => setTimeout(r, 10));
    show('c');
  });
});
