// The desk's actions registry: what the command palette (Ctrl/Cmd+K) can run and what the `?`
// overlay lists. Any component contributes its actions while it is mounted:
//
//   $effect(() =>
//     registerActions('case-pane', [
//       { id: 'case.finalize', label: 'Finalize cancellation', group: 'Case', shortcut: 'f',
//         disabledReason: ready ? null : 'the request form has not been received', run: finalize },
//     ]),
//   );
//
// `registerActions(source, actions)` returns the function that removes them again; returning it
// from `$effect` removes them when the component is destroyed, and re-registers them whenever
// something the list reads (e.g. `ready` above) changes. Registering again under a `source` that
// is already registered replaces that source's actions in place.
//
// A DeskAction:
// - `id`: unique across the desk (prefix it with the source, e.g. `case.finalize`).
// - `label`: domain words, as the button says them ("Finalize cancellation", "Go to Inbox").
// - `group`: where the palette lists it ("Go to", "Case", "Account", "Settings", "Help").
// - `shortcut`: display text only, e.g. "g i" or "f"; the component binds the key itself. Actions
//   with a shortcut appear in the `?` overlay.
// - `disabledReason`: when set, the action is shown greyed with this reason; choosing it does not
//   run it, the palette says why instead.
// - `keywords`: other words it should be found by (optional).
// - `run()`: does it; the palette closes first, so `run` may move focus.
//
// `deskActions()` is the current list, reactive (read it in markup, `$derived` or `$effect`).

import { untrack } from 'svelte';

export type DeskAction = {
  id: string;
  label: string;
  group: string;
  shortcut?: string | null;
  disabledReason?: string | null;
  keywords?: string;
  run: () => void | Promise<void>;
};

type Entry = { source: string; actions: DeskAction[] };

let entries: Entry[] = $state.raw([]);

export function registerActions(source: string, actions: DeskAction[]): () => void {
  const entry: Entry = { source, actions: [...actions] };
  // Read without tracking: registering from an $effect must not make it depend on the registry.
  const current = untrack(() => entries);
  const at = current.findIndex((e) => e.source === source);
  entries = at >= 0 ? current.map((e, i) => (i === at ? entry : e)) : [...current, entry];
  return () => {
    entries = untrack(() => entries).filter((e) => e !== entry);
  };
}

/** Every registered action, in registration order. */
export function deskActions(): DeskAction[] {
  return entries.flatMap((e) => e.actions);
}

/** Runs the action unless it is disabled; returns the reason when it is. */
export function runAction(action: DeskAction): string | null {
  if (action.disabledReason) return action.disabledReason;
  void action.run();
  return null;
}
