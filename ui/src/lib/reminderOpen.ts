// A clicked reminder notification: the shell brings the window forward and emits
// `reminder-open` with what to open (src-tauri/src/lib.rs, `on_reminder_clicked`). The desk
// listens here, in one place, and navigates as the palette does.
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

export const REMINDER_OPEN_EVENT = 'reminder-open';

/** What a clicked reminder opens: its case, or the Due view (a grouped one). */
export type ReminderTarget = { open: 'case'; case_id: string } | { open: 'due_view' };

/** Calls `open` for every clicked reminder until the returned function is called. */
export function onReminderOpen(open: (target: ReminderTarget) => void): () => void {
  let unlisten: UnlistenFn | null = null;
  let stopped = false;
  listen<ReminderTarget>(REMINDER_OPEN_EVENT, (event) => open(event.payload))
    .then((stop) => {
      if (stopped) stop();
      else unlisten = stop;
    })
    .catch(() => {
      // Outside the app (the UI's own tests, a browser) there is nothing to listen to.
    });
  return () => {
    stopped = true;
    unlisten?.();
  };
}
