// The desk-wide keys that belong to no one screen: the palette's Ctrl/Cmd+K and the general
// shortcuts the `?` overlay lists before the registered actions' own.

export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** How the palette's shortcut is written on this platform. */
export const PALETTE_SHORTCUT = isMac ? '⌘K' : 'Ctrl+K';

/** Ctrl+K, or Cmd+K on macOS (accepted everywhere, so a Mac keyboard on Linux works too). */
export function isPaletteKey(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'k';
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
      { keys: 'j / ↓', description: 'Next row (Inbox, Accounts)' },
      { keys: 'k / ↑', description: 'Previous row (Inbox, Accounts)' },
      { keys: 'Enter', description: 'Press the focused button; in the palette, run the chosen command' },
      { keys: '/', description: 'Search accounts (on Accounts)' },
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
