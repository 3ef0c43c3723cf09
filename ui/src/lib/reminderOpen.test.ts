import { describe, expect, it, vi } from 'vitest';

const handlers: ((event: { payload: unknown }) => void)[] = [];
const unlisten = vi.fn();
vi.mock('@tauri-apps/api/event', () => ({
  listen: vi.fn(async (name: string, handler: (event: { payload: unknown }) => void) => {
    expect(name).toBe('reminder-open');
    handlers.push(handler);
    return unlisten;
  }),
}));

import { onReminderOpen, type ReminderTarget } from './reminderOpen';

describe('onReminderOpen', () => {
  it('hands each clicked reminder to the desk and stops listening when told', async () => {
    const opened: ReminderTarget[] = [];
    const stop = onReminderOpen((target) => opened.push(target));
    await vi.waitFor(() => expect(handlers).toHaveLength(1));
    const [handler] = handlers;
    if (!handler) throw new Error('nothing listens for reminder-open');
    handler({ payload: { open: 'case', case_id: 'c-1' } });
    handler({ payload: { open: 'due_view' } });
    expect(opened).toEqual([{ open: 'case', case_id: 'c-1' }, { open: 'due_view' }]);
    stop();
    expect(unlisten).toHaveBeenCalledOnce();
  });
});
