import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExportProgress, InboxQuery } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

// The shell's progress events, sent by the test.
const listeners: ((event: { payload: ExportProgress }) => void)[] = [];
vi.mock('@tauri-apps/api/event', () => ({
  listen: vi.fn(async (name: string, handler: (event: { payload: ExportProgress }) => void) => {
    expect(name).toBe('holdfast://export-progress');
    listeners.push(handler);
    return () => listeners.splice(listeners.indexOf(handler), 1);
  }),
}));

const { default: ListExport } = await import('./ListExport.svelte');
const { exportFraction, exportWords } = await import('../lib/exportProgress');

function send(progress: ExportProgress) {
  for (const listener of [...listeners]) listener({ payload: progress });
}

describe('ListExport', () => {
  beforeEach(() => {
    invoke.mockReset();
    listeners.length = 0;
  });

  it('saves the cases through the dialog, shows the progress while it runs, then where it saved', async () => {
    let finish: (value: unknown) => void = () => {};
    invoke.mockImplementation(() => new Promise((resolve) => (finish = resolve)));
    render(ListExport, { list: 'cases', what: 'all cases' });
    await vi.waitFor(() => expect(listeners).toHaveLength(1));
    const group = screen.getByRole('group', { name: 'Export all cases' });
    const xlsx = within(group).getByRole('button', { name: 'Save all cases as XLSX…' });
    const user = userEvent.setup();
    await user.click(xlsx);
    expect(invoke).toHaveBeenCalledWith('save_cases_export', { args: { format: 'xlsx', query: null } });
    expect(xlsx).toBeDisabled();
    // Another list's progress is not this one's.
    send({ list: 'tasks', stage: 'reading', done: 5, total: 10 });
    expect(screen.queryByRole('progressbar')).toBeNull();
    send({ list: 'cases', stage: 'reading', done: 20000, total: 100000 });
    const bar = await screen.findByRole('progressbar', { name: 'Exporting all cases' });
    expect(bar).toHaveAttribute('value', '0.1');
    expect(screen.getByText('Reading 20,000 of 100,000 cases…')).toBeInTheDocument();
    send({ list: 'cases', stage: 'writing', done: 50000, total: 100000 });
    await vi.waitFor(() => expect(bar).toHaveAttribute('value', '0.75'));
    expect(screen.getByText('Writing 50,000 of 100,000 cases…')).toBeInTheDocument();
    finish({ path: '/tmp/cases.xlsx', rows: 100000 });
    expect(await screen.findByRole('status')).toHaveTextContent('Saved 100000 cases to /tmp/cases.xlsx');
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(xlsx).toBeEnabled();
  });

  it('passes the inbox query, saves tasks as CSV, and shows a refusal as an alert', async () => {
    const query: InboxQuery = { statuses: ['cancelled'], owner: null, tier: null, reason_id: null, due: null, search: 'acme', sort: 'newest', after: null, limit: 100 };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'save_cases_export') throw { kind: 'validation', field: 'tier', message: 'choose a value, or no filter' };
      return { path: '/tmp/tasks.csv', rows: 1 };
    });
    const { unmount } = render(ListExport, { list: 'cases', what: 'the listed cases', query });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Save the listed cases as CSV…' }));
    expect(invoke).toHaveBeenCalledWith('save_cases_export', { args: { format: 'csv', query } });
    expect(await screen.findByRole('alert')).toHaveTextContent('choose a value, or no filter');
    unmount();
    render(ListExport, { list: 'tasks', what: 'all tasks' });
    const csv = screen.getByRole('button', { name: 'Save all tasks as CSV…' });
    csv.focus();
    await user.keyboard('{Enter}');
    expect(invoke).toHaveBeenCalledWith('save_tasks_export', { args: { format: 'csv' } });
    expect(await screen.findByRole('status')).toHaveTextContent('Saved 1 task to /tmp/tasks.csv');
  });

  it('says nothing when the dialog is cancelled', async () => {
    invoke.mockResolvedValue(null);
    render(ListExport, { list: 'tasks', what: 'all tasks' });
    await userEvent.setup().click(screen.getByRole('button', { name: 'Save all tasks as XLSX…' }));
    await vi.waitFor(() => expect(invoke).toHaveBeenCalledWith('save_tasks_export', { args: { format: 'xlsx' } }));
    expect(screen.queryByRole('status')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('exportProgress', () => {
  it('counts reading as the first half and writing as the second', () => {
    expect(exportFraction({ list: 'cases', stage: 'reading', done: 0, total: 0 })).toBe(0);
    expect(exportFraction({ list: 'cases', stage: 'writing', done: 0, total: 0 })).toBe(1);
    expect(exportFraction({ list: 'cases', stage: 'reading', done: 10, total: 10 })).toBe(0.5);
    expect(exportFraction({ list: 'tasks', stage: 'writing', done: 10, total: 10 })).toBe(1);
    expect(exportWords({ list: 'tasks', stage: 'writing', done: 1000, total: 2500 })).toBe('Writing 1,000 of 2,500 tasks…');
  });
});
