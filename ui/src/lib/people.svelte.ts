// Everyone the profile knows, by their stable id: the record keeps ids (who verified a refund, who
// proposed an offer, a task's assignee), the desk shows names. Read from `list_people` by App when
// the desk opens and again when work, a sync round or a change of user may have brought someone
// new; an id the profile does not know is shown as it is (older events recorded names as ids).
import { call } from './api';
import type { Person } from './bindings';

let byId: Map<string, Person> = $state(new Map());
let reading: Promise<void> | null = null;

/** The name to show for a person's id; the id itself when no one has it (null stays empty). */
export function personName(id: string | null | undefined): string {
  if (!id) return '';
  return byId.get(id)?.name ?? id;
}

/** The person with this id, if the profile knows them. */
export function person(id: string): Person | undefined {
  return byId.get(id);
}

/** Everyone known, in the order the shell listed them. */
export function people(): Person[] {
  return [...byId.values()];
}

/**
 * Reads the people again; concurrent calls share one read. A failure keeps what was known (names
 * fall back to ids, never to nothing).
 */
export function refreshPeople(): Promise<void> {
  reading ??= call('list_people').then((outcome) => {
    reading = null;
    if (outcome.ok) setPeople(outcome.value);
  });
  return reading;
}

/** Replaces who is known (for refreshPeople, and for component tests). */
export function setPeople(list: Person[]): void {
  byId = new Map(list.map((p) => [p.id, p]));
}
