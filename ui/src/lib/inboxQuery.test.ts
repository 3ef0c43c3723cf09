import { describe, expect, it } from 'vitest';
import type { CaseCursor, CaseSummary } from './bindings';
import { NO_FILTERS, UNASSIGNED, buildInboxQuery, isFiltered, slaOf, type InboxFilters } from './inboxQuery';

describe('buildInboxQuery', () => {
  it('asks for everything, newest first, when nothing is chosen', () => {
    expect(buildInboxQuery(NO_FILTERS, null, 100)).toEqual({
      statuses: [],
      owner: null,
      tier: null,
      reason_id: null,
      due: null,
      search: null,
      sort: 'newest',
      after: null,
      limit: 100,
    });
  });

  it('turns each chosen filter into the store query', () => {
    const filters: InboxFilters = {
      status: 'in_progress',
      owner: 'carla',
      tier: 'Enterprise',
      reason: 'too_expensive',
      due: 'within_4',
      sort: 'due_soonest',
      search: '  acme ',
    };
    const after: CaseCursor = { sort: 'due_soonest', first_response_due: '2026-11-21T10:00:00Z', id: 'c1' };
    expect(buildInboxQuery(filters, after, 50)).toEqual({
      statuses: ['in_progress'],
      owner: { kind: 'person', name: 'carla' },
      tier: 'Enterprise',
      reason_id: 'too_expensive',
      due: { kind: 'due_within', hours: 4 },
      search: 'acme',
      sort: 'due_soonest',
      after,
      limit: 50,
    });
  });

  it('knows "unassigned" and each deadline window', () => {
    const query = (change: Partial<InboxFilters>) => buildInboxQuery({ ...NO_FILTERS, ...change }, null, 10);
    expect(query({ owner: UNASSIGNED }).owner).toEqual({ kind: 'unassigned' });
    expect(query({ due: 'overdue' }).due).toEqual({ kind: 'overdue' });
    expect(query({ due: 'within_1' }).due).toEqual({ kind: 'due_within', hours: 1 });
    expect(query({ due: 'within_24' }).due).toEqual({ kind: 'due_within', hours: 24 });
    expect(query({ search: '   ' }).search).toBeNull();
  });

  it('says whether anything narrows the list', () => {
    expect(isFiltered(NO_FILTERS)).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, sort: 'account_name' })).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, search: ' ' })).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, status: 'saved' })).toBe(true);
    expect(isFiltered({ ...NO_FILTERS, owner: UNASSIGNED })).toBe(true);
  });
});

describe('slaOf', () => {
  const now = new Date('2026-11-21T10:00:00Z');
  const open = (due: string | null, acknowledged: string | null = null, status: CaseSummary['status'] = 'received') => ({
    status,
    first_response_due: due,
    acknowledged_at: acknowledged,
  });

  it('counts down to the deadline', () => {
    expect(slaOf(open('2026-11-21T10:12:00Z'), now)).toMatchObject({ tone: 'due', text: 'due in 12 min.' });
    expect(slaOf(open('2026-11-21T13:00:00Z', null, 'in_progress'), now)).toMatchObject({ tone: 'due', text: 'due in 3 hr.' });
    expect(slaOf(open('2026-11-21T10:00:30Z'), now)).toMatchObject({ tone: 'due', text: 'due now' });
  });

  it('says how long ago the deadline passed', () => {
    expect(slaOf(open('2026-11-21T07:00:00Z'), now)).toMatchObject({ tone: 'overdue', text: 'overdue 3 hr.' });
    expect(slaOf(open('2026-11-21T09:48:00Z'), now)).toMatchObject({ tone: 'overdue', text: 'overdue 12 min.' });
    expect(slaOf(open('2026-11-21T09:59:40Z'), now)).toMatchObject({ tone: 'overdue', text: 'overdue just now' });
    expect(slaOf(open('2026-11-19T10:00:00Z'), now)).toMatchObject({ tone: 'overdue', text: 'overdue 2 days' });
  });

  it('stops at the first response, met or late', () => {
    expect(slaOf(open('2026-11-21T07:00:00Z', '2026-11-21T06:00:00Z', 'in_progress'), now)).toMatchObject({ tone: 'met', text: 'met' });
    expect(slaOf(open('2026-11-21T07:00:00Z', '2026-11-21T08:00:00Z', 'saved'), now)).toMatchObject({ tone: 'late', text: 'answered late' });
  });

  it('has no countdown for a closed case nobody answered, or a case without a deadline', () => {
    expect(slaOf(open('2026-11-21T07:00:00Z', null, 'withdrawn'), now)).toMatchObject({ tone: 'none', text: '—' });
    expect(slaOf(open(null), now)).toMatchObject({ tone: 'none', text: '—' });
    expect(slaOf({ status: 'received' }, now)).toMatchObject({ tone: 'none' });
  });
});
