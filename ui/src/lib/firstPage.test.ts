import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { dropFirstPage, firstPage, readFirstPageEarly } = await import('./firstPage');
const { INBOX_PAGE, NO_FILTERS, buildInboxQuery } = await import('./inboxQuery');

const query = buildInboxQuery(NO_FILTERS, null, INBOX_PAGE);
const page = (id: string) => ({ items: [{ id }], next: null });

describe('the first page read early', () => {
  beforeEach(() => {
    invoke.mockReset();
    dropFirstPage();
  });

  it('is handed once, to the first inbox asking for the same query', async () => {
    invoke.mockResolvedValueOnce(page('early')).mockResolvedValueOnce(page('later'));
    readFirstPageEarly(query);
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(await firstPage(query)).toEqual({ ok: true, value: page('early') });
    expect(invoke).toHaveBeenCalledTimes(1);
    // The next inbox reads again.
    expect(await firstPage(query)).toEqual({ ok: true, value: page('later') });
    expect(invoke).toHaveBeenCalledTimes(2);
  });

  it('is not used for another query', async () => {
    invoke.mockResolvedValueOnce(page('early')).mockResolvedValueOnce(page('filtered'));
    readFirstPageEarly(query);
    const filtered = buildInboxQuery({ ...NO_FILTERS, status: 'received' }, null, INBOX_PAGE);
    expect(await firstPage(filtered)).toEqual({ ok: true, value: page('filtered') });
    expect(invoke).toHaveBeenLastCalledWith('list_inbox', { args: filtered });
  });

  it('is read again when the early answer failed or was dropped', async () => {
    invoke.mockRejectedValueOnce({ kind: 'locked' }).mockResolvedValueOnce(page('fresh'));
    readFirstPageEarly(query);
    expect(await firstPage(query)).toEqual({ ok: true, value: page('fresh') });

    invoke.mockResolvedValueOnce(page('stale')).mockResolvedValueOnce(page('after set-up'));
    readFirstPageEarly(query);
    dropFirstPage();
    expect(await firstPage(query)).toEqual({ ok: true, value: page('after set-up') });
  });
});
