import { render } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

const { deskActions, registerActions, runAction } = await import('./actions.svelte');
const { default: HelpOverlay } = await import('../components/HelpOverlay.svelte');

const ids = () => deskActions().map((action) => action.id);

describe('the actions registry', () => {
  it('lists what is registered, in order, until it is unregistered', () => {
    const first = registerActions('first', [
      { id: 'a', label: 'A', group: 'G', run: vi.fn() },
      { id: 'b', label: 'B', group: 'G', run: vi.fn() },
    ]);
    const second = registerActions('second', [{ id: 'c', label: 'C', group: 'G', run: vi.fn() }]);
    expect(ids()).toEqual(['a', 'b', 'c']);
    first();
    expect(ids()).toEqual(['c']);
    second();
    expect(ids()).toEqual([]);
  });

  it('replaces a source registered again, in its place', () => {
    const first = registerActions('first', [{ id: 'a', label: 'A', group: 'G', run: vi.fn() }]);
    const second = registerActions('second', [{ id: 'c', label: 'C', group: 'G', run: vi.fn() }]);
    const again = registerActions('first', [{ id: 'a2', label: 'A2', group: 'G', run: vi.fn() }]);
    expect(ids()).toEqual(['a2', 'c']);
    // The replaced registration's own unregister no longer removes anything.
    first();
    expect(ids()).toEqual(['a2', 'c']);
    again();
    second();
    expect(ids()).toEqual([]);
  });

  it('keeps the case actions of the case being opened when the pane being left goes', () => {
    // The pane of the case being left (old) and of the case being opened (next) overlap: the old
    // one registers again once more after the next one did, then is destroyed.
    const old = registerActions('case-steps', [{ id: 'case.route', label: 'Route (old case)', group: 'Case', run: vi.fn() }]);
    const next = registerActions('case-steps', [{ id: 'case.refund', label: 'Request refund', group: 'Case', run: vi.fn() }]);
    old();
    const oldAgain = registerActions('case-steps', [{ id: 'case.route', label: 'Route (old case)', group: 'Case', run: vi.fn() }]);
    expect(ids()).toEqual(['case.route']);
    oldAgain();
    expect(ids()).toEqual(['case.refund']);
    next();
    expect(ids()).toEqual([]);
  });

  it('runs an enabled action and refuses a disabled one with its reason', () => {
    const run = vi.fn();
    expect(runAction({ id: 'x', label: 'X', group: 'G', run })).toBeNull();
    expect(run).toHaveBeenCalledTimes(1);
    expect(runAction({ id: 'y', label: 'Y', group: 'G', disabledReason: 'not yet', run })).toBe('not yet');
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('drops a component’s actions when the component is destroyed', () => {
    const { unmount } = render(HelpOverlay);
    expect(ids()).toEqual(['help.shortcuts']);
    unmount();
    expect(ids()).toEqual([]);
  });
});
