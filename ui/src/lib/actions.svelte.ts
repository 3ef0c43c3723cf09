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

// The registry itself is a plain array, and a counter tells readers it changed. It is not state
// because registrations are removed in effect teardowns, and a teardown reads state as it was
// when the effect ran: a removal there wrote back a stale list and dropped whatever had been
// registered since (the open case's actions vanished from the palette).
let registry: Entry[] = [];
let published = 0;
let version = $state(0);

function publish(next: Entry[]) {
  registry = next;
  // Written without reading it, so that registering from an $effect does not make the effect
  // depend on the registry.
  version = ++published;
}

// Two components may hold the same source for a moment (the case pane of the case being left and
// of the case being opened): the newer registration replaces the older, and when the newer one
// is removed the older comes back if it is still registered.
const replaced = new WeakMap<Entry, Entry>();
const removed = new WeakSet<Entry>();

export function registerActions(source: string, actions: DeskAction[]): () => void {
  const entry: Entry = { source, actions: [...actions] };
  const at = registry.findIndex((e) => e.source === source);
  if (at >= 0) replaced.set(entry, registry[at]!);
  publish(at >= 0 ? registry.map((e, i) => (i === at ? entry : e)) : [...registry, entry]);
  return () => {
    removed.add(entry);
    const here = registry.indexOf(entry);
    if (here < 0) return;
    let previous = replaced.get(entry);
    while (previous && removed.has(previous)) previous = replaced.get(previous);
    publish(previous ? registry.map((e, i) => (i === here ? previous! : e)) : registry.filter((e) => e !== entry));
  };
}

/** Every registered action, in registration order. */
export function deskActions(): DeskAction[] {
  void version;
  return registry.flatMap((e) => e.actions);
}

/** Runs the action unless it is disabled; returns the reason when it is. */
export function runAction(action: DeskAction): string | null {
  if (action.disabledReason) return action.disabledReason;
  void action.run();
  return null;
}
