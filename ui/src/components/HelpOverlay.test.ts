import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

const { default: HelpOverlay } = await import('./HelpOverlay.svelte');
const { registerActions } = await import('../lib/actions.svelte');
const { PALETTE_SHORTCUT } = await import('../lib/shortcuts');

describe('HelpOverlay', () => {
  let unregister: () => void = () => {};

  beforeEach(() => {
    unregister = registerActions('test', [
      { id: 'go.inbox', label: 'Go to Inbox', group: 'Go to', shortcut: 'g i', run: vi.fn() },
      { id: 'go.settings', label: 'Go to Settings', group: 'Go to', shortcut: 'g s', run: vi.fn() },
      { id: 'case.finalize', label: 'Finalize cancellation', group: 'Case', shortcut: 'f', run: vi.fn() },
      { id: 'case.note', label: 'Add a note', group: 'Case', run: vi.fn() },
    ]);
  });

  afterEach(() => unregister());

  /** The overlay's rows as "keys: description", per section. */
  function rows(section: string): string[] {
    const region = screen.getByRole('region', { name: section });
    const keys = within(region).getAllByRole('term').map((term) => term.textContent?.trim());
    const descriptions = within(region).getAllByRole('definition').map((d) => d.textContent?.trim());
    return keys.map((key, i) => `${key}: ${descriptions[i]}`);
  }

  it('opens with ? and lists the general keys and every registered shortcut', async () => {
    render(HelpOverlay);
    const user = userEvent.setup();
    await user.keyboard('?');
    const dialog = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(within(dialog).getByRole('button', { name: /Close/ })).toHaveFocus();
    expect(rows('Anywhere').map((row) => row.split(':')[0])).toEqual([PALETTE_SHORTCUT, '?', 'Esc']);
    expect(rows('Lists').map((row) => row.split(':')[0])).toEqual(['j / ↓', 'k / ↑', 's', 'x', 'Enter', '/', 'Esc']);
    expect(rows('Go to')).toEqual(['g i: Go to Inbox', 'g s: Go to Settings']);
    expect(rows('Case')).toEqual(['f: Finalize cancellation']);
    expect(dialog).not.toHaveTextContent('Add a note');
  });

  it('closes with Esc and gives focus back', async () => {
    render(HelpOverlay);
    const before = document.createElement('button');
    document.body.append(before);
    before.focus();
    const user = userEvent.setup();
    await user.keyboard('?');
    expect(screen.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(before).toHaveFocus();
    before.remove();
  });

  it('leaves ? alone while typing in a field', async () => {
    render(HelpOverlay);
    const field = document.createElement('input');
    field.setAttribute('aria-label', 'Note');
    document.body.append(field);
    const user = userEvent.setup();
    await user.click(field);
    await user.keyboard('?');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(field).toHaveValue('?');
    field.remove();
  });

  it('keeps the keys it handles from the screen behind it', async () => {
    render(HelpOverlay);
    const behind = vi.fn();
    window.addEventListener('keydown', behind);
    const user = userEvent.setup();
    await user.keyboard('?');
    behind.mockReset();
    await user.keyboard('j{Escape}');
    expect(behind).not.toHaveBeenCalled();
    window.removeEventListener('keydown', behind);
  });
});
