import { describe, expect, it } from 'vitest';
import type { OutcomeFigures, ReportFigures, Tally } from './bindings';
import {
  breakdownRows,
  changeText,
  chartSeries,
  durationText,
  isoWeekOf,
  lastDays,
  rangeText,
  moneyText,
  periodRows,
  rateText,
  startOfDay,
  toFilters,
  NO_REPORT_FILTERS,
} from './reports';

const tally = (count: number): Tally => ({ count, case_ids: [] });
const rate = (basis_points: number | null) => ({ numerator: 0, denominator: 0, basis_points });
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
    save_rate: rate(null),
    revenue_saved: [],
    revenue_lost: [],
    mrr_unknown: tally(0),
  };
}

describe('the report filters', () => {
  it('send nothing for an empty form', () => {
    expect(toFilters(NO_REPORT_FILTERS)).toEqual({ from: null, to: null, member: null, tier: null, reason: null });
  });
  it('run from the start of the first day to the start of the day after the last', () => {
    const filters = toFilters({ ...NO_REPORT_FILTERS, from: '2026-11-01', to: '2026-11-30', reason: 'price' });
    expect(filters.from).toBe(new Date(2026, 10, 1).toISOString());
    expect(filters.to).toBe(new Date(2026, 11, 1).toISOString());
    expect(filters.reason).toBe('price');
  });
  it('refuse what is not a day', () => {
    expect(startOfDay('yesterday')).toBeNull();
  });
  it('offer the last days up to today', () => {
    expect(lastDays(7, new Date(2027, 0, 3))).toEqual({ from: '2026-12-28', to: '2027-01-03' });
  });
});

describe('the words of the figures', () => {
  it('write rates, changes, durations and money per currency', () => {
    expect(rateText(rate(3750))).toBe('37.5 %');
    expect(rateText(rate(3333))).toBe('33.33 %');
    expect(rateText(rate(10000))).toBe('100 %');
    expect(rateText(rate(null))).toBe('–');
    expect(changeText({ current: 3, previous: 2, difference: 1, basis_points: 5000 })).toBe('+1 (+50 %)');
    expect(changeText({ current: 1, previous: 3, difference: -2, basis_points: -6667 })).toBe('−2 (−67 %)');
    expect(changeText({ current: 4, previous: 0, difference: 4, basis_points: null })).toBe('+4');
    expect(durationText(null)).toBe('–');
    expect(durationText(42)).toBe('42 s');
    expect(durationText(720)).toBe('12 min');
    expect(durationText(12_000)).toBe('3 h 20 min');
    expect(durationText(187_200)).toBe('2 d 4 h');
    expect(moneyText([])).toBe('–');
    const text = moneyText([
      { amount: { minor: 12000, currency: 'EUR' }, count: 1, case_ids: [] },
      { amount: { minor: 500, currency: 'USD' }, count: 1, case_ids: [] },
    ]);
    expect(text).toContain('·');
    expect(text).toMatch(/120/);
    expect(text).toMatch(/5\.00/);
  });
  it('write the range as the days it covers, its excluded end left out', () => {
    const text = rangeText(new Date(2026, 10, 7).toISOString(), new Date(2026, 11, 7).toISOString(), 'en-US');
    expect(text).toBe('Nov 7 – Dec 6, 2026');
    expect(rangeText(new Date(2026, 11, 28).toISOString(), new Date(2027, 0, 4).toISOString(), 'en-US')).toBe('Dec 28, 2026 – Jan 3, 2027');
  });
  it('name the ISO week of a day, across the new year', () => {
    expect(isoWeekOf(new Date(2027, 0, 3))).toBe('2026-W53');
    expect(isoWeekOf(new Date(2027, 0, 4))).toBe('2027-W01');
    expect(isoWeekOf(new Date(2026, 11, 7))).toBe('2026-W50');
  });
});

describe('the rows of the tables', () => {
  const report = {
    weekly: [
      { week: { year: 2026, week: 53, starts_on: '2026-12-28' }, figures: figures(3, 1, 2) },
      { week: { year: 2027, week: 1, starts_on: '2027-01-04' }, figures: figures(1, 0, 0) },
    ],
    monthly: [{ month: { year: 2027, month: 1 }, figures: figures(4, 1, 2) }],
    by_reason: [{ key: 'price', label: 'Too expensive', figures: figures(2, 1, 1) }],
  } as unknown as ReportFigures;

  it('point each row at its figures in the report, for the drill-down', () => {
    const weeks = periodRows(report, 'week');
    expect(weeks.map((row) => [row.label, row.pointer])).toEqual([
      ['2026-W53', '/weekly/0/figures'],
      ['2027-W01', '/weekly/1/figures'],
    ]);
    expect(periodRows(report, 'month').map((row) => [row.label, row.pointer])).toEqual([['Jan 2027', '/monthly/0/figures']]);
    expect(breakdownRows(report, 'by_reason')).toEqual([{ label: 'Too expensive', pointer: '/by_reason/0/figures', figures: report.by_reason[0]!.figures }]);
  });
  it('give the chart the same numbers as the table', () => {
    expect(chartSeries(periodRows(report, 'week'))).toEqual({ labels: ['2026-W53', '2027-W01'], cancelled: [1, 0], saved: [2, 0] });
  });
});
