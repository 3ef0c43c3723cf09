import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncStatus } from './bindings';
import { syncStatusFixture } from './testing/sync';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { POLL_MS, resetSyncForTests, syncNow, syncStatus, watchSync } = await import('./sync.svelte');

let visibility: DocumentVisibilityState = 'visible';

function polls(): number {
  return invoke.mock.calls.filter(([command]) => command === 'sync_status').length;
}

function setVisibility(next: DocumentVisibilityState) {
  visibility = next;
  document.dispatchEvent(new Event('visibilitychange'));
}

describe('the sync store', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    invoke.mockReset();
    invoke.mockImplementation((command: string) =>
      command === 'sync_status' ? Promise.resolve(syncStatusFixture()) : Promise.reject({ kind: 'internal', message: command }),
    );
    resetSyncForTests();
    visibility = 'visible';
    vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => visibility);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('reads the status at once, then every 2 s while watched and visible', async () => {
    const stop = watchSync();
    await vi.advanceTimersByTimeAsync(0);
    expect(polls()).toBe(1);
    expect(syncStatus()?.state).toBe('online');
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(polls()).toBe(2);
    await vi.advanceTimersByTimeAsync(POLL_MS * 2);
    expect(polls()).toBe(4);
    stop();
    await vi.advanceTimersByTimeAsync(POLL_MS * 3);
    expect(polls()).toBe(4);
  });

  it('polls once however many components watch, until the last one stops', async () => {
    const first = watchSync();
    const second = watchSync();
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(polls()).toBe(2);
    first();
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(polls()).toBe(3);
    second();
    await vi.advanceTimersByTimeAsync(POLL_MS * 2);
    expect(polls()).toBe(3);
  });

  it('does not poll while the window is hidden, and reads the status as soon as it shows again', async () => {
    const stop = watchSync();
    await vi.advanceTimersByTimeAsync(0);
    expect(polls()).toBe(1);
    setVisibility('hidden');
    await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(polls()).toBe(1);
    setVisibility('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(polls()).toBe(2);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(polls()).toBe(3);
    stop();
  });

  it('keeps the status "sync now" came back with over an older poll that answers later', async () => {
    let answerPoll: (status: SyncStatus) => void = () => {};
    invoke.mockImplementation((command: string) => {
      if (command === 'sync_status') return new Promise((resolve) => (answerPoll = resolve));
      if (command === 'sync_now') return Promise.resolve(syncStatusFixture({ pending: 0 }));
      return Promise.reject({ kind: 'internal', message: command });
    });
    const stop = watchSync();
    // The poll is under way (pending 5 when it set out) when "sync now" answers.
    await syncNow();
    expect(syncStatus()?.pending).toBe(0);
    answerPoll(syncStatusFixture({ pending: 5 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(syncStatus()?.pending).toBe(0);
    stop();
  });
});
