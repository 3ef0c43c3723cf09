import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { QueueItem, QueueTask } from '../lib/bindings';
import { setPeople } from '../lib/people.svelte';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: QueueView } = await import('./QueueView.svelte');

const NOW = new Date('2026-11-21T12:00:00Z');

function item(caseId: string, account: string, task: Partial<QueueTask> & Pick<QueueTask, 'id' | 'kind'> | null): QueueItem {
  return {
    id: caseId,
    account_id: `acc-${caseId}`,
    account_name: account,
    account_tier: 'SMB',
    status: 'in_progress',
    channel: 'email',
    requester_name: 'Gil Moreau',
    requester_contact: 'gil@example.com',
    received_at: '2026-11-20T09:00:00Z',
    opened_at: '2026-11-20T09:00:00Z',
    task: task && { assignee: null, assignee_role: null, detail: null, due_at: '2026-11-21T15:00:00Z', ...task },
  };
}

/** The rows of the queue's table, as the cells' texts. */
function rows(table: string): string[][] {
  const body = within(screen.getByRole('table', { name: table })).getAllByRole('row').slice(1);
  return body.map((row) => within(row).getAllByRole('cell').map((cell) => cell.textContent?.trim() ?? ''));
}

describe('QueueView', () => {
  beforeEach(() => {
    invoke.mockReset();
    vi.useFakeTimers({ now: NOW, shouldAdvanceTime: true });
    setPeople([{ id: 'u-rita', name: 'Rita Ng', active: true }]);
  });
  afterEach(() => {
    vi.useRealTimers();
    setPeople([]);
  });

  it('lists one row per task with its kind in words, what it is about, who it is for and when it is due', async () => {
    invoke.mockResolvedValue([
      item('c1', 'Quillfeather Health', {
        id: 't-save',
        kind: 'save_call',
        assignee: 'u-rita',
        detail: 'Call +1 555 010 4040 · Too expensive',
        due_at: '2026-11-21T15:00:00Z',
      }),
      // The same case with a second task: listed again.
      item('c1', 'Quillfeather Health', {
        id: 't-refund',
        kind: 'refund_processing',
        assignee_role: 'billing',
        detail: 'USD 600.00 · Charged twice',
        due_at: '2026-11-21T09:00:00Z',
      }),
      item('c2', 'Acme', { id: 't-hand', kind: 'hand_off', assignee: 'Dana Fox', detail: 'Other concerns: needs an agent' }),
      item('c3', 'Beta', { id: 't-heads', kind: 'billing_heads_up', assignee_role: 'billing' }),
    ]);
    render(QueueView, { queue: 'my_tasks', title: 'My tasks', empty: 'Nothing.', onopen: vi.fn() });
    await screen.findByRole('table', { name: 'My tasks list' });
    const headers = within(screen.getByRole('table', { name: 'My tasks list' }))
      .getAllByRole('columnheader')
      .map((h) => h.textContent?.trim());
    expect(headers.slice(0, 6)).toEqual(['Account', 'Task', 'Details', 'For', 'Due', 'Status']);

    const [save, refund, handOff, headsUp] = rows('My tasks list');
    expect(save!.slice(0, 6)).toEqual([
      'Quillfeather Health',
      'Save call',
      'Call +1 555 010 4040 · Too expensive',
      'Rita Ng',
      'due in 3 hr.',
      'In progress',
    ]);
    expect(refund!.slice(1, 5)).toEqual(['Refund to process', 'USD 600.00 · Charged twice', 'Billing', 'overdue 3 hr.']);
    // A name the profile does not know as an id is shown as it is.
    expect(handOff!.slice(1, 4)).toEqual(['Handed off', 'Other concerns: needs an agent', 'Dana Fox']);
    expect(headsUp!.slice(1, 4)).toEqual(['Billing heads-up', '—', 'Billing']);

    // Overdue is marked, and the exact instant is on hover.
    const table = screen.getByRole('table', { name: 'My tasks list' });
    const overdue = within(table).getByText('overdue 3 hr.');
    expect(overdue).toHaveClass('overdue');
    expect(overdue.getAttribute('title')).toMatch(/^Due /);
    for (const due of within(table).getAllByText('due in 3 hr.')) expect(due).not.toHaveClass('overdue');
  });

  it('says every task kind in words', async () => {
    const kinds: [QueueTask['kind'], string][] = [
      ['save_call', 'Save call'],
      ['csm_escalation', 'CSM escalation'],
      ['refund_review', 'Refund to verify'],
      ['refund_processing', 'Refund to process'],
      ['win_back', 'Win-back check-in'],
      ['hand_off', 'Handed off'],
      ['billing_heads_up', 'Billing heads-up'],
      ['form_reminder', 'Form reminder'],
    ];
    invoke.mockResolvedValue(kinds.map(([kind], i) => item(`c${i}`, `Account ${i}`, { id: `t${i}`, kind })));
    render(QueueView, { queue: 'my_tasks', title: 'My tasks', empty: 'Nothing.', onopen: vi.fn() });
    await screen.findByRole('table', { name: 'My tasks list' });
    expect(rows('My tasks list').map((cells) => cells[1])).toEqual(kinds.map(([, words]) => words));
  });

  it('opens the case of the row chosen', async () => {
    invoke.mockResolvedValue([item('c7', 'Quillfeather Health', { id: 't1', kind: 'win_back', assignee: 'u-rita' })]);
    const onopen = vi.fn();
    render(QueueView, { queue: 'win_back', title: 'Win-back check-ins', empty: 'No win-back check-in is waiting.', onopen });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.click(await screen.findByRole('button', { name: 'Open the case of Quillfeather Health' }));
    expect(onopen).toHaveBeenCalledWith('c7');
    expect(invoke).toHaveBeenCalledWith('list_queue', { args: { queue: 'win_back' } });
  });

  it('keeps the request columns for a queue of cases, with the status in words', async () => {
    invoke.mockResolvedValue([item('c1', 'Acme', null)]);
    render(QueueView, { queue: 'finalizations', title: 'Finalizations', empty: 'Nothing.', onopen: vi.fn() });
    await screen.findByRole('table', { name: 'Finalizations list' });
    expect(rows('Finalizations list')[0]!.slice(0, 7)).toEqual(['Acme', 'SMB', 'In progress', '—', '—', 'Gil Moreau', 'E-mail']);
  });

  it("shows a case's reason in the policy's words and who holds it by name, never their ids", async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'list_queue')
        return [
          { ...item('c1', 'Acme', null), reason_id: 'not_using', owner: 'u-rita' },
          { ...item('c2', 'Beta', null), status: 'received', channel: 'web_form', reason_id: 'retired_reason' },
        ];
      if (command === 'inbox_facets') return { owners: [], reasons: [{ id: 'not_using', label: 'Not using it enough' }] };
      throw new Error(command);
    });
    render(QueueView, { queue: 'offer_approvals', title: 'Offer approvals', empty: 'Nothing.', onopen: vi.fn() });
    await screen.findByRole('table', { name: 'Offer approvals list' });
    const headers = within(screen.getByRole('table', { name: 'Offer approvals list' }))
      .getAllByRole('columnheader')
      .map((h) => h.textContent?.trim());
    expect(headers.slice(0, 7)).toEqual(['Account', 'Tier', 'Status', 'Reason', 'With', 'Requester', 'Channel']);
    await vi.waitFor(() => expect(rows('Offer approvals list')[0]![3]).toBe('Not using it enough'));
    const [acme, beta] = rows('Offer approvals list');
    expect(acme!.slice(2, 5)).toEqual(['In progress', 'Not using it enough', 'Rita Ng']);
    // A reason the policy no longer lists is still put into words.
    expect(beta!.slice(2, 7)).toEqual(['Received', 'Retired reason', '—', 'Gil Moreau', 'Web form']);
    const table = screen.getByRole('table', { name: 'Offer approvals list' }).textContent ?? '';
    for (const raw of ['in_progress', 'not_using', 'u-rita', 'web_form', 'retired_reason']) expect(table).not.toContain(raw);
  });

  it('says why the procedure never fills a queue, instead of an empty list', async () => {
    invoke.mockResolvedValue([]);
    render(QueueView, {
      queue: 'offer_approvals',
      title: 'Offer approvals',
      empty: 'No offer is waiting for approval.',
      unusedBecause: 'This procedure has no offers that need approval: it makes no retention offers',
      onopen: vi.fn(),
    });
    expect(await screen.findByRole('note')).toHaveTextContent(
      'This procedure has no offers that need approval: it makes no retention offers.',
    );
    await vi.waitFor(() => expect(invoke).toHaveBeenCalledWith('list_queue', { args: { queue: 'offer_approvals' } }));
    expect(screen.queryByText('No offer is waiting for approval.')).not.toBeInTheDocument();
  });

  it('says what the empty queue means', async () => {
    invoke.mockResolvedValue([]);
    render(QueueView, { queue: 'win_back', title: 'Win-back check-ins', empty: 'No win-back check-in is waiting.', onopen: vi.fn() });
    expect(await screen.findByText('No win-back check-in is waiting.')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('picks a row from the keyboard and opens its case with Enter, as the inbox does', async () => {
    invoke.mockResolvedValue([item('c1', 'Acme', null), item('c2', 'Beta', null), item('c3', 'Quill', null)]);
    const onopen = vi.fn();
    render(QueueView, { queue: 'finalizations', title: 'Finalizations', empty: 'Nothing.', onopen });
    await screen.findByText('Quill');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.keyboard('j');
    await user.keyboard('{ArrowDown}');
    expect(screen.getByText('Quill').closest('tr')).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('k');
    await user.keyboard('{Enter}');
    expect(onopen).toHaveBeenCalledWith('c2');
  });
});
