// The Reports screen's logic (issue 14), kept apart from the screen so it is tested alone: the
// filters as the `report` command reads them, the rows of each table (with the JSON pointer of
// each figure, by which `report_cases` finds its cases), and the words for rates, changes, money
// and durations. The shell computes every figure; nothing is counted here.
import type { Change, CurrencyTotal, IsoWeek, Month, OutcomeFigures, Rate, ReportFigures, ReportFilters } from './bindings';
import { formatMoney } from './format';

/** What the filter form holds: days as `YYYY-MM-DD` (both included), the rest by name or id. */
export type FilterForm = { from: string; to: string; member: string; tier: string; reason: string };

export const NO_REPORT_FILTERS: FilterForm = { from: '', to: '', member: '', tier: '', reason: '' };

/** A day typed as `YYYY-MM-DD`, as the instant it starts at on this machine; `null` if not a day. */
export function startOfDay(day: string, plusDays = 0): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + plusDays);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The form as the command's filters: the range runs from the start of the first day to the end
 *  of the last (the start of the day after it); empty fields filter nothing. */
export function toFilters(form: FilterForm): ReportFilters {
  return {
    from: form.from ? startOfDay(form.from) : null,
    to: form.to ? startOfDay(form.to, 1) : null,
    member: form.member || null,
    tier: form.tier || null,
    reason: form.reason || null,
  };
}

/** The last `days` days up to and including `today`, as the form's range. */
export function lastDays(days: number, today: Date = new Date()): { from: string; to: string } {
  const day = (date: Date) =>
    `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
  const first = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1));
  return { from: day(first), to: day(today) };
}

/** The range a report covers, as days: "Nov 7 – Dec 6, 2026" (its end is excluded, so the last
 *  day shown is the one before it). */
export function rangeText(from: string, to: string, locale?: string): string {
  const first = new Date(from);
  const last = new Date(new Date(to).getTime() - 1);
  const sameYear = first.getFullYear() === last.getFullYear();
  const day = (date: Date, withYear: boolean) =>
    date.toLocaleDateString(locale, { day: 'numeric', month: 'short', ...(withYear ? { year: 'numeric' } : {}) });
  return `${day(first, !sameYear)} – ${day(last, true)}`;
}

export function weekLabel(week: IsoWeek): string {
  return `${week.year}-W${String(week.week).padStart(2, '0')}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function monthLabel(month: Month): string {
  return `${MONTHS[month.month - 1]} ${month.year}`;
}

/** The ISO week (`2026-W49`) a day falls in. */
export function isoWeekOf(date: Date): string {
  const day = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = new Date(Date.UTC(day.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((day.getTime() - yearStart.getTime()) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** A rate in basis points as a percentage ("37.5 %"), or "–" when there is none. */
export function rateText(rate: Rate): string {
  if (rate.basis_points === null) return '–';
  const percent = rate.basis_points / 100;
  return `${Number.isInteger(percent) ? percent : percent.toFixed(percent * 10 === Math.round(percent * 10) ? 1 : 2)} %`;
}

/** A change against the previous period: "+3 (+50 %)", "−1", "0". */
export function changeText(change: Change): string {
  const sign = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : '0');
  const relative = change.basis_points === null || change.difference === 0 ? '' : ` (${sign(Math.round(change.basis_points / 100))} %)`;
  return `${sign(change.difference)}${relative}`;
}

/** Money per currency, never added across currencies: "USD 120.00 · EUR 40.00", or "–". */
export function moneyText(totals: CurrencyTotal[]): string {
  return totals.length ? totals.map((total) => formatMoney(total.amount)).join(' · ') : '–';
}

/** Seconds as "45 s", "12 min", "3 h 20 min", "2 d 4 h"; "–" for none. */
export function durationText(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** One row of a figures table: its label, and where its figures are in the report. */
export type OutcomeRow = { label: string; pointer: string; figures: OutcomeFigures };

/** Cancellations and saves per week or per month, oldest first. */
export function periodRows(report: ReportFigures, period: 'week' | 'month'): OutcomeRow[] {
  return period === 'week'
    ? report.weekly.map((w, i) => ({ label: weekLabel(w.week), pointer: `/weekly/${i}/figures`, figures: w.figures }))
    : report.monthly.map((m, i) => ({ label: monthLabel(m.month), pointer: `/monthly/${i}/figures`, figures: m.figures }));
}

export const BREAKDOWNS = [
  { id: 'by_reason', title: 'By reason' },
  { id: 'by_tier', title: 'By tier' },
  { id: 'by_owner', title: 'By owner' },
  { id: 'by_route', title: 'By route' },
  { id: 'by_policy_version', title: 'By policy version' },
] as const;

export type BreakdownId = (typeof BREAKDOWNS)[number]['id'];

export function breakdownRows(report: ReportFigures, id: BreakdownId): OutcomeRow[] {
  return report[id].map((group, i) => ({ label: group.label || '(none)', pointer: `/${id}/${i}/figures`, figures: group.figures }));
}

/** The trend's twelve months, with the change of each against the month before. */
export function trendRows(report: ReportFigures) {
  return report.trend.months.map((month, i) => ({
    label: monthLabel(month.month) + (month.complete ? '' : ' (so far)'),
    pointer: `/trend/months/${i}/figures`,
    figures: month.figures,
    change: month.change,
  }));
}

/** The columns every outcome table has: each a count with its cases behind it. */
export const OUTCOME_COLUMNS = [
  { key: 'received', title: 'Requests' },
  { key: 'cancelled', title: 'Cancelled' },
  { key: 'saved', title: 'Saved' },
] as const;

/** What a figure is called in the drill-down's heading: "Cancelled · 2026-W49". */
export function drillTitle(column: string, row: string): string {
  return `${column} · ${row}`;
}

/** The chart's series, read from the rows the table shows (so both say the same). */
export function chartSeries(rows: OutcomeRow[]) {
  return {
    labels: rows.map((row) => row.label),
    cancelled: rows.map((row) => row.figures.cancelled.count),
    saved: rows.map((row) => row.figures.saved.count),
  };
}
