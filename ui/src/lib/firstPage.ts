// The inbox's first page, asked for at start-up beside `session_status` so that its round trip
// overlaps the desk's first layout and paint instead of following it. It is handed once, to the
// first inbox that asks for exactly that query; the desk drops it when it does not open straight
// onto the inbox (a locked profile, the first-start screens), and a failed answer is never used.
import { call, type Outcome } from './api';
import type { CasePage, InboxQuery } from './bindings';

let early: { key: string; page: Promise<Outcome<CasePage>> } | null = null;

/** Starts reading the first page of `query` now. */
export function readFirstPageEarly(query: InboxQuery): void {
  early = { key: JSON.stringify(query), page: call('list_inbox', query) };
}

/** Forgets the early page: what it shows may have changed before an inbox asks for it. */
export function dropFirstPage(): void {
  early = null;
}

/** The first page of `query`, taken from the early read when it is for the same query. */
export async function firstPage(query: InboxQuery): Promise<Outcome<CasePage>> {
  const taken = early;
  early = null;
  if (taken && taken.key === JSON.stringify(query)) {
    const outcome = await taken.page;
    if (outcome.ok) return outcome;
  }
  return call('list_inbox', query);
}
