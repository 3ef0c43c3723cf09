// The inbox's filters as the filter bar holds them (plain strings, '' for "any"), turned into the
// store's InboxQuery; and the first-response SLA as the list shows it.
import type { CaseCursor, CaseStatus, CaseSummary, DueFilter, InboxQuery, InboxSort, OwnerFilter } from './bindings';
import { absoluteTime, relativeTime } from './format';

/** The Owner filter's value for "nobody holds the case" (not a name a person can have). */
export const UNASSIGNED = ':unassigned';

export type DueChoice = '' | 'overdue' | 'within_1' | 'within_4' | 'within_24';

export interface InboxFilters {
  status: CaseStatus | '';
  /** '' for anyone, UNASSIGNED, or a person's exact name. */
  owner: string;
  tier: string;
  reason: string;
  due: DueChoice;
  sort: InboxSort;
  search: string;
}

/** Cases per page of the inbox. */
export const INBOX_PAGE = 100;

export const NO_FILTERS: InboxFilters = {
  status: '',
  owner: '',
  tier: '',
  reason: '',
  due: '',
  sort: 'newest',
  search: '',
};

export const STATUS_LABELS = {
  received: 'Received',
  in_progress: 'In progress',
  saved: 'Saved',
  cancelled: 'Cancelled',
  withdrawn: 'Withdrawn',
  verification_failed: 'Verification failed',
} as const satisfies Record<CaseStatus, string>;

export const STATUSES = Object.keys(STATUS_LABELS) as CaseStatus[];

export const DUE_LABELS = {
  '': 'Any deadline',
  overdue: 'Overdue',
  within_1: 'Due within 1 hour',
  within_4: 'Due within 4 hours',
  within_24: 'Due within 24 hours',
} as const satisfies Record<DueChoice, string>;

export const SORT_LABELS = {
  newest: 'Most recent request',
  due_soonest: 'First response due soonest',
  account_name: 'Account name',
} as const satisfies Record<InboxSort, string>;

function dueFilter(due: DueChoice): DueFilter | null {
  switch (due) {
    case '':
      return null;
    case 'overdue':
      return { kind: 'overdue' };
    case 'within_1':
      return { kind: 'due_within', hours: 1 };
    case 'within_4':
      return { kind: 'due_within', hours: 4 };
    case 'within_24':
      return { kind: 'due_within', hours: 24 };
  }
}

function ownerFilter(owner: string): OwnerFilter | null {
  if (owner === '') return null;
  if (owner === UNASSIGNED) return { kind: 'unassigned' };
  return { kind: 'person', name: owner };
}

/** The store's query for one page under `filters`, after `after` (null for the first page). */
export function buildInboxQuery(filters: InboxFilters, after: CaseCursor | null, limit: number): InboxQuery {
  return {
    statuses: filters.status ? [filters.status] : [],
    owner: ownerFilter(filters.owner),
    tier: filters.tier || null,
    reason_id: filters.reason || null,
    due: dueFilter(filters.due),
    search: filters.search.trim() || null,
    sort: filters.sort,
    after,
    limit,
  };
}

/** How many of the folded filters (Status, Owner, Tier, Reason, Due) narrow the list: the count
 *  the "Filters" button shows. The search box is always in view, and the sort narrows nothing. */
export function filtersOn(filters: InboxFilters): number {
  return [filters.status, filters.owner, filters.tier, filters.reason, filters.due].filter((value) => value !== '').length;
}

/** Whether anything narrows the list (the sort alone does not). */
export function isFiltered(filters: InboxFilters): boolean {
  return !!(filters.status || filters.owner || filters.tier || filters.reason || filters.due || filters.search.trim());
}

export type SlaTone = 'due' | 'overdue' | 'met' | 'late' | 'none';

export interface Sla {
  tone: SlaTone;
  text: string;
  /** The instant behind the text, for a tooltip. */
  title: string;
}

/**
 * The first-response SLA of a case at `now`: counting down to the deadline ("due in 12 min."),
 * past it ("overdue 3 hr."), or stopped by the first response ("met" or "answered late"). A
 * closed case nobody answered has no countdown left.
 */
export function slaOf(item: Pick<CaseSummary, 'status' | 'first_response_due' | 'acknowledged_at'>, now: Date = new Date()): Sla {
  const due = item.first_response_due ?? null;
  const answered = item.acknowledged_at ?? null;
  if (answered) {
    const late = due !== null && new Date(answered).getTime() > new Date(due).getTime();
    return {
      tone: late ? 'late' : 'met',
      text: late ? 'answered late' : 'met',
      title: `First response ${absoluteTime(answered)}`,
    };
  }
  if (due === null || !['received', 'in_progress'].includes(item.status)) {
    return { tone: 'none', text: '—', title: due ? `Was due ${absoluteTime(due)}` : 'No first-response deadline' };
  }
  const left = new Date(due).getTime() - now.getTime();
  const title = `Due ${absoluteTime(due)}`;
  if (left >= 60_000) return { tone: 'due', text: `due ${relativeTime(due, now)}`, title };
  if (left >= 0) return { tone: 'due', text: 'due now', title };
  if (left > -60_000) return { tone: 'overdue', text: 'overdue just now', title };
  return { tone: 'overdue', text: `overdue ${relativeTime(due, now).replace(/ ago$/, '')}`, title };
}
