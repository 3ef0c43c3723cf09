// The app on the desktop: closing the window hides it to the tray (reminders keep running), the
// tray's "Due" item tells the window to show the Due view, and quitting is explicit (the tray's
// "Quit Holdfast", Ctrl+Q, the palette, Settings).
import { listen } from '@tauri-apps/api/event';
import { call } from './api';
import { isMac } from './shortcuts';

/** Sent by the shell when the person chooses "Due" in the tray menu (src-tauri/src/tray.rs). */
export const OPEN_DUE_EVENT = 'holdfast://open-due';

/** How quitting's shortcut is written on this platform. */
export const QUIT_SHORTCUT = isMac ? '⌘Q' : 'Ctrl+Q';

/** Ctrl+Q, or Cmd+Q on macOS. */
export function isQuitKey(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'q';
}

/** Ends the app: the reminders stop until Holdfast is started again. */
export async function quitApp(): Promise<void> {
  await call('quit_app');
}

/**
 * Calls `handler` each time the tray asks for the Due view; returns the function that stops
 * listening. Outside the app (the UI's unit tests) there is nothing to listen to.
 */
export function onOpenDue(handler: () => void): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  listen(OPEN_DUE_EVENT, () => handler())
    .then((unlisten) => {
      if (stopped) unlisten();
      else stop = unlisten;
    })
    .catch(() => {});
  return () => {
    stopped = true;
    stop?.();
  };
}
