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

/**
 * `text` with every known person's id replaced by their name: the engine writes a task's details
 * (billing's heads-up: "requested by <id>") with ids, as the record keeps them.
 */
export function namesIn(text: string): string {
  let named = text;
  for (const known of byId.values()) {
    if (known.id && known.id !== known.name) named = named.replaceAll(known.id, known.name);
  }
  return named;
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
