// The desk-wide keys that belong to no one screen: the palette's Ctrl/Cmd+K and the general
// shortcuts the `?` overlay lists before the registered actions' own.

export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** How the palette's shortcut is written on this platform. */
export const PALETTE_SHORTCUT = isMac ? '⌘K' : 'Ctrl+K';

/** Ctrl+K, or Cmd+K on macOS (accepted everywhere, so a Mac keyboard on Linux works too). */
export function isPaletteKey(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'k';
}

// "g" then a letter jumps to a screen (App). While such a chord is under way, the letter belongs to
// it, not to a screen's own single-key shortcuts.
const CHORD_MS = 1200;
let chordStartedAt = 0;

/** "g" was pressed: the next key within the chord's time completes it. */
export function startChord(now: number = Date.now()) {
  chordStartedAt = now;
}

/** Ends the chord (its second key came, or it was abandoned). */
export function endChord() {
  chordStartedAt = 0;
}

/** Whether the key being pressed completes a "g" chord. */
export function chordPending(now: number = Date.now()): boolean {
  return chordStartedAt > 0 && now - chordStartedAt < CHORD_MS;
}

export type Shortcut = { keys: string; description: string };

/** The general keys, grouped as the overlay shows them. */
export const GENERAL_SHORTCUTS: { group: string; shortcuts: Shortcut[] }[] = [
  {
    group: 'Anywhere',
    shortcuts: [
      { keys: PALETTE_SHORTCUT, description: 'Command palette: every screen and action, accounts and cases' },
      { keys: '?', description: 'Keyboard shortcuts (this list)' },
      { keys: 'Esc', description: 'Close the palette or this list, back to where you were' },
    ],
  },
  {
    group: 'Lists',
    shortcuts: [
      { keys: 'j / ↓', description: 'Next row (Inbox, Due, queues, Accounts)' },
      { keys: 'k / ↑', description: 'Previous row (Inbox, Due, queues, Accounts)' },
      { keys: 's', description: 'Snooze the chosen item (on Due)' },
      { keys: 'x', description: 'Mark the chosen item done (on Due)' },
      { keys: 'Enter', description: 'Press the focused button; in the palette, run the chosen command' },
      { keys: '/', description: 'Search accounts (on Accounts)' },
      { keys: 'Esc', description: 'Close the cases behind a figure (on Reports)' },
    ],
  },
  {
    group: 'Command palette',
    shortcuts: [
      { keys: '↓ / Ctrl+N', description: 'Next command' },
      { keys: '↑ / Ctrl+P', description: 'Previous command' },
    ],
  },
];
