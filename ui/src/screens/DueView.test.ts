import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DueEntry, DueView as Due } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: DueView } = await import('./DueView.svelte');

const NOW = '2026-11-24T15:00:00Z';

function entry(key: string, title: string, due_at: string, more: Partial<DueEntry> = {}): DueEntry {
  return { key, case_id: `case-${key}`, kind: { kind: 'first_response' }, due_at, title, detail: null, snoozed_until: null, ...more };
}

const LATE = entry('first_response/1', 'First response due: Acme Dental', '2026-11-24T13:00:00Z');
const CALL = entry('task/2', 'Save call due: Beta Labs', '2026-11-24T18:00:00Z', {
  kind: { kind: 'task', task: 'save_call' },
  detail: 'Call +1 555 010 2030',
});
const SYNC = entry('sync_problem/3', 'Sync problem: the server refused to finalize the case of Cobalt', '2026-11-20T10:00:00Z', {
  kind: { kind: 'sync_problem' },
  case_id: null,
});
const LATER = entry('approval/4/discount', 'Offer awaiting your approval: Delta', '2026-11-26T10:00:00Z', { kind: { kind: 'approval' } });

function view(parts: Partial<Due> = {}): Due {
  return {
    overdue: [SYNC, LATE],
    today: [CALL],
    upcoming: [LATER],
    upcoming_more: 0,
    snooze_choices: [
      { label: 'In 1 business hour', until: '2026-11-24T16:00:00Z' },
      { label: 'Next business day', until: '2026-11-25T14:00:00Z' },
    ],
    zone: 'America/New_York',
    now: NOW,
    ...parts,
  };
}

function section(name: string) {
  return screen.getByRole('list', { name });
}

function titles(name: string): string[] {
  return within(section(name))
    .getAllByRole('listitem')
    .map((item) => item.getAttribute('aria-label') ?? '');
}

describe('DueView', () => {
  beforeEach(() => {
    invoke.mockReset();
    vi.useFakeTimers({ now: new Date(NOW), shouldAdvanceTime: true });
  });
  afterEach(() => vi.useRealTimers());

  it('lists overdue, today and upcoming with what each item is and when it was due', async () => {
    invoke.mockResolvedValue(view());
    const onchange = vi.fn();
    render(DueView, { onopen: vi.fn(), onchange });
    await screen.findByRole('list', { name: 'Overdue' });
    expect(titles('Overdue')).toEqual([SYNC.title, LATE.title]);
    expect(titles('Today')).toEqual([CALL.title]);
    expect(titles('Upcoming')).toEqual([LATER.title]);
    const late = within(section('Overdue')).getByRole('listitem', { name: LATE.title });
    expect(late).toHaveTextContent('First response');
    expect(late).toHaveTextContent('overdue 2 hr.');
    const call = within(section('Today')).getByRole('listitem', { name: CALL.title });
    expect(call).toHaveTextContent('Save call');
    expect(call).toHaveTextContent('Call +1 555 010 2030');
    // A sync problem of no case has nothing to open.
    expect(within(section('Overdue')).queryByRole('button', { name: `Open: ${SYNC.title}` })).toBeNull();
    expect(screen.getByText(/Today in America\/New York/)).toBeInTheDocument();
    expect(onchange).toHaveBeenCalledWith(expect.objectContaining({ overdue: [SYNC, LATE] }));
  });

  it('opens a row’s case by its button, or by j and Enter from the keyboard', async () => {
    invoke.mockResolvedValue(view());
    const onopen = vi.fn();
    render(DueView, { onopen });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.click(await screen.findByRole('button', { name: `Open: ${CALL.title}` }));
    expect(onopen).toHaveBeenLastCalledWith('case-task/2');
    onopen.mockReset();
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard('k');
    await user.keyboard('k');
    await user.keyboard('j');
    await user.keyboard('{Enter}');
    expect(onopen).toHaveBeenCalledWith('case-first_response/1');
  });

  it('snoozes an item to one of the policy’s choices and shows the view the shell answers', async () => {
    invoke.mockImplementation((command: string) =>
      Promise.resolve(
        command === 'snooze_reminder'
          ? view({ overdue: [SYNC], today: [{ ...LATE, snoozed_until: '2026-11-24T16:00:00Z' }, CALL] })
          : view(),
      ),
    );
    render(DueView, { onopen: vi.fn() });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.click(await screen.findByRole('button', { name: `Snooze: ${LATE.title}` }));
    const dialog = screen.getByRole('dialog', { name: `Snooze ${LATE.title}` });
    await user.click(within(dialog).getByRole('menuitem', { name: /In 1 business hour/ }));
    expect(invoke).toHaveBeenCalledWith('snooze_reminder', { args: { key: LATE.key, until: '2026-11-24T16:00:00Z' } });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(titles('Overdue')).toEqual([SYNC.title]);
    expect(within(section('Today')).getByRole('listitem', { name: LATE.title })).toHaveTextContent('snoozed until');
  });

  it('snoozes to a typed time, and says why when the shell refuses it', async () => {
    invoke.mockImplementation((command: string) =>
      command === 'snooze_reminder'
        ? Promise.reject({ kind: 'validation', field: 'until', message: 'choose a time in the future' })
        : Promise.resolve(view()),
    );
    render(DueView, { onopen: vi.fn() });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.click(await screen.findByRole('button', { name: `Snooze: ${LATE.title}` }));
    const dialog = screen.getByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Snooze until then' }));
    expect(within(dialog).getByRole('alert')).toHaveTextContent('choose a date and time');
    await user.type(within(dialog).getByLabelText('Until'), '2026-01-01T09:30');
    await user.click(within(dialog).getByRole('button', { name: 'Snooze until then' }));
    expect(invoke).toHaveBeenCalledWith('snooze_reminder', {
      args: { key: LATE.key, until: new Date('2026-01-01T09:30').toISOString() },
    });
    expect(within(dialog).getByRole('alert')).toHaveTextContent('choose a time in the future');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('marks an item done by its button or by x, and the badge follows', async () => {
    invoke.mockImplementation((command: string, payload?: { args?: { key: string } }) => {
      if (command !== 'mark_reminder_done') return Promise.resolve(view());
      const gone = payload?.args?.key;
      return Promise.resolve(view({ overdue: [SYNC, LATE].filter((item) => item.key !== gone) }));
    });
    const onchange = vi.fn();
    render(DueView, { onopen: vi.fn(), onchange });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.click(await screen.findByRole('button', { name: `Done: ${LATE.title}` }));
    expect(invoke).toHaveBeenCalledWith('mark_reminder_done', { args: { key: LATE.key } });
    expect(titles('Overdue')).toEqual([SYNC.title]);
    expect(onchange).toHaveBeenLastCalledWith(expect.objectContaining({ overdue: [SYNC] }));

    // Home chooses the first row; x marks it done.
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard('{Home}');
    await user.keyboard('x');
    expect(invoke).toHaveBeenLastCalledWith('mark_reminder_done', { args: { key: SYNC.key } });
  });

  it('says when nothing is due', async () => {
    invoke.mockResolvedValue(view({ overdue: [], today: [], upcoming: [] }));
    render(DueView, { onopen: vi.fn() });
    expect(await screen.findByText('Nothing is overdue.')).toBeInTheDocument();
    expect(screen.getByText('Nothing else is due today.')).toBeInTheDocument();
    expect(screen.getByText('Nothing is due later.')).toBeInTheDocument();
  });
});
