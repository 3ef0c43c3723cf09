import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { OutcomeFigures, ReportFigures, Tally } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: ReportsView } = await import('./ReportsView.svelte');

const tally = (count: number): Tally => ({ count, case_ids: [] });
const rate = { numerator: 0, denominator: 0, basis_points: null };
function figures(received: number, cancelled: number, saved: number): OutcomeFigures {
  return {
    received: tally(received),
    cancelled: tally(cancelled),
    saved: tally(saved),
    saved_by_offer: tally(0),
    saved_by_csm: tally(0),
    saved_by_retention_call: tally(0),
    withdrawn: tally(0),
    verification_failed: tally(0),
    save_rate: { numerator: saved, denominator: saved + cancelled, basis_points: saved + cancelled ? Math.round((saved * 10000) / (saved + cancelled)) : null },
    revenue_saved: [],
    revenue_lost: cancelled ? [{ amount: { minor: 12000, currency: 'USD' }, count: cancelled, case_ids: [] }] : [],
    mrr_unknown: tally(0),
  };
}
const funnel = { proposed: tally(0), needed_approval: tally(0), accepted: tally(0), acceptance_rate: rate, keeping: { kept: tally(0), not_kept: tally(0), pending: tally(0), keep_rate: rate } };
const change = { current: 0, previous: 0, difference: 0, basis_points: null };
const trendChange = { received: change, cancelled: change, saved: change, save_rate_points: null, revenue_saved: [], revenue_lost: [] };
const winBack = { made: tally(0), reactivated: tally(0), declined: tally(0), no_answer: tally(0), reactivation_rate: rate };
const refunds = { requested: [], issued: [], open: [], denied: [] };

const REPORT: ReportFigures = {
  from: '2026-12-28T00:00:00Z',
  to: '2027-01-10T00:00:00Z',
  totals: figures(4, 1, 2),
  weekly: [
    { week: { year: 2026, week: 53, starts_on: '2026-12-28' }, figures: figures(3, 1, 2) },
    { week: { year: 2027, week: 1, starts_on: '2027-01-04' }, figures: figures(1, 0, 0) },
  ],
  monthly: [
    { month: { year: 2026, month: 12 }, figures: figures(3, 1, 2) },
    { month: { year: 2027, month: 1 }, figures: figures(1, 0, 0) },
  ],
  by_reason: [{ key: 'price', label: 'Too expensive', figures: figures(2, 1, 1) }],
  by_tier: [],
  by_owner: [],
  by_route: [],
  by_policy_version: [],
  saves_kept: funnel.keeping,
  offers: { all: funnel, by_offer: [] },
  first_response: { received: tally(4), answered: tally(3), median_seconds: 720, p90_seconds: 3600, on_time: tally(3), answered_late: tally(0), overdue: tally(1), breaches: tally(1), breach_rate: { numerator: 1, denominator: 4, basis_points: 2500 } },
  refunds: { all: refunds, by_band: [], by_approval: [] },
  win_back: { all: winBack, by_check_in: [], overdue: tally(0) },
  trend: { months: [], last_twelve_months: figures(0, 0, 0), previous_twelve_months: figures(0, 0, 0), change: trendChange },
};

const CASE = {
  id: 'case-1',
  account_id: 'acc-1',
  account_name: 'Acme Corp',
  account_tier: 'Gold',
  status: 'finalized',
  channel: 'email',
  requester_name: 'Ana',
  requester_contact: 'ana@acme.example',
  received_at: '2026-12-29T10:00:00Z',
  opened_at: '2026-12-29T10:00:00Z',
  first_response_due: null,
  acknowledged_at: null,
  reason_id: 'price',
  owner: 'amy',
};

function answer(overrides: Record<string, (args: unknown) => unknown> = {}) {
  invoke.mockImplementation(async (command: string, payload: { args?: unknown }) => {
    if (overrides[command]) return overrides[command](payload?.args);
    switch (command) {
      case 'report':
        return REPORT;
      case 'inbox_facets':
        return { owners: ['amy'], tiers: ['Gold'], reasons: [{ id: 'price', label: 'Too expensive' }] };
      case 'weekly_reason_report':
        return { week: { year: 2027, week: 1, starts_on: '2027-01-04' }, week_before: { year: 2026, week: 53, starts_on: '2026-12-28' }, total: tally(1), total_week_before: tally(3), reasons: [] };
      case 'report_cases':
        return { figure: (payload.args as { figure: string }).figure, count: 1, cases: [CASE] };
      default:
        throw { kind: 'internal', message: `unexpected ${command}` };
    }
  });
}

describe('ReportsView', () => {
  beforeEach(() => {
    invoke.mockReset();
    sessionStorage.clear();
  });

  it('shows each figure in a table, and a figure drills down to its cases, which open', async () => {
    answer();
    const onopen = vi.fn();
    const user = userEvent.setup();
    render(ReportsView, { onopen });
    const weeks = await screen.findByRole('table', { name: 'Per week' });
    expect(within(weeks).getAllByRole('row')).toHaveLength(3);
    expect(screen.getByRole('table', { name: 'By reason' })).toHaveTextContent('Too expensive');

    await user.click(within(weeks).getByRole('button', { name: 'Cancelled · 2026-W53: 1' }));
    expect(invoke).toHaveBeenCalledWith('report_cases', { args: { filters: expect.anything(), figure: '/weekly/0/figures/cancelled' } });
    const open = await screen.findByRole('button', { name: 'Open Acme Corp' });
    expect(open).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(onopen).toHaveBeenCalledWith('case-1');

    // Esc closes the cases and gives the focus back to the figure.
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('list', { name: 'Cases behind the figure' })).toBeNull();
    expect(within(weeks).getByRole('button', { name: 'Cancelled · 2026-W53: 1' })).toHaveFocus();
  });

  it('a row of the weekly reason report drills down to that week\'s cases', async () => {
    answer({
      weekly_reason_report: () => ({
        week: { year: 2027, week: 1, starts_on: '2027-01-04' },
        week_before: { year: 2026, week: 53, starts_on: '2026-12-28' },
        total: tally(1),
        total_week_before: tally(0),
        reasons: [
          {
            reason_id: 'price',
            label: 'Too expensive',
            this_week: tally(1),
            share: { basis_points: 10000 },
            week_before: tally(0),
            share_week_before: { basis_points: null },
            change: { points: null },
            share_change_points: null,
          },
        ],
      }),
    });
    const user = userEvent.setup();
    render(ReportsView, { onopen: vi.fn() });
    const table = await screen.findByRole('table', { name: 'Reasons this week' });
    await user.click(within(table).getByRole('button', { name: 'Too expensive, this week: 1' }));
    expect(invoke).toHaveBeenCalledWith('report_cases', {
      args: { filters: expect.objectContaining({ from: null, to: null }), figure: '/reasons/0/this_week', week: '2027-W01' },
    });
    expect(await screen.findByRole('button', { name: 'Open Acme Corp' })).toHaveFocus();
    // Nothing the week before: a plain zero, not a button.
    expect(within(table).queryByRole('button', { name: /the week before/ })).toBeNull();
  });

  it('switches between weeks and months without asking again', async () => {
    answer();
    const user = userEvent.setup();
    render(ReportsView, { onopen: vi.fn() });
    await screen.findByRole('table', { name: 'Per week' });
    const calls = invoke.mock.calls.filter(([command]) => command === 'report').length;
    await user.click(screen.getByRole('radio', { name: 'Month' }));
    const months = screen.getByRole('table', { name: 'Per month' });
    expect(months).toHaveTextContent('Dec 2026');
    expect(invoke.mock.calls.filter(([command]) => command === 'report').length).toBe(calls);
  });

  it('sends the range and says so when it ends before it starts', async () => {
    answer({
      report: (args) => {
        const { filters } = args as { filters: { from: string | null; to: string | null } };
        if (filters.from && filters.to && filters.to <= filters.from) throw { kind: 'validation', field: 'to', message: 'the range ends before it starts' };
        return REPORT;
      },
    });
    const user = userEvent.setup();
    render(ReportsView, { onopen: vi.fn() });
    await screen.findByRole('table', { name: 'Per week' });
    await user.type(screen.getByLabelText('From'), '2026-12-10');
    await user.type(screen.getByLabelText('To'), '2026-12-01');
    expect(await screen.findByRole('alert')).toHaveTextContent('The range ends before it starts');
    const sent = invoke.mock.calls.filter(([command]) => command === 'report').at(-1)![1].args.filters;
    expect(sent.from).toBe(new Date(2026, 11, 10).toISOString());
  });
  it('saves the cancellation sheet as XLSX or CSV and says where, or why not', async () => {
    const formats: string[] = [];
    answer({
      save_cancellation_sheet: (args) => {
        const { format } = args as { format: string };
        formats.push(format);
        if (format === 'csv') throw { kind: 'storage', message: 'the cancellation sheet could not be written to /tmp/x.csv' };
        return { path: `/tmp/sheet.${format}` };
      },
    });
    const user = userEvent.setup();
    render(ReportsView, { onopen: vi.fn() });
    const group = await screen.findByRole('group', { name: 'Export the cancellation sheet' });
    const xlsx = within(group).getByRole('button', { name: 'Save the cancellation sheet as XLSX…' });
    const csv = within(group).getByRole('button', { name: 'Save the cancellation sheet as CSV…' });
    // Distinct from the weekly reason report's buttons.
    expect(screen.getByRole('button', { name: 'Save the weekly reason report as CSV…' })).not.toBe(csv);
    // Reached from the keyboard and pressed with Enter.
    xlsx.focus();
    await user.keyboard('{Enter}');
    expect(await screen.findByText('Saved to /tmp/sheet.xlsx')).toHaveAttribute('role', 'status');
    await user.click(csv);
    expect(await within(screen.getByRole('region', { name: 'Export the cancellation sheet' })).findByRole('alert')).toHaveTextContent('could not be written');
    expect(formats).toEqual(['xlsx', 'csv']);
  });

  it('offers both sheet exports in the command palette', async () => {
    answer({ save_cancellation_sheet: () => null });
    render(ReportsView, { onopen: vi.fn() });
    await screen.findByRole('table', { name: 'Per week' });
    const { deskActions, runAction } = await import('../lib/actions.svelte');
    const xlsx = deskActions().find((action) => action.label === 'Save the cancellation sheet as XLSX');
    expect(deskActions().map((action) => action.label)).toContain('Save the cancellation sheet as CSV');
    expect(runAction(xlsx!)).toBeNull();
    await vi.waitFor(() => expect(invoke).toHaveBeenCalledWith('save_cancellation_sheet', { args: { format: 'xlsx' } }));
  });

  it('saves all cases and all tasks from their own sections, and offers them in the palette', async () => {
    answer({
      save_cases_export: (args) => ({ path: `/tmp/cases.${(args as { format: string }).format}`, rows: 4 }),
      save_tasks_export: () => null,
    });
    const user = userEvent.setup();
    render(ReportsView, { onopen: vi.fn() });
    const cases = within(await screen.findByRole('region', { name: 'Export cases' }));
    await user.click(cases.getByRole('button', { name: 'Save all cases as XLSX…' }));
    expect(invoke).toHaveBeenCalledWith('save_cases_export', { args: { format: 'xlsx', query: null } });
    expect(await cases.findByRole('status')).toHaveTextContent('Saved 4 cases to /tmp/cases.xlsx');
    const tasks = within(screen.getByRole('region', { name: 'Export tasks' }));
    expect(tasks.getByRole('button', { name: 'Save all tasks as XLSX…' })).toBeEnabled();
    const { deskActions, runAction } = await import('../lib/actions.svelte');
    const labels = deskActions().map((action) => action.label);
    expect(labels).toEqual(expect.arrayContaining(['Save all cases as XLSX', 'Save all cases as CSV', 'Save all tasks as XLSX', 'Save all tasks as CSV']));
    runAction(deskActions().find((action) => action.label === 'Save all tasks as CSV')!);
    await vi.waitFor(() => expect(invoke).toHaveBeenCalledWith('save_tasks_export', { args: { format: 'csv' } }));
  });
});
