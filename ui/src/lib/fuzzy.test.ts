import { describe, expect, it } from 'vitest';
import { fuzzyMatch, rank } from './fuzzy';

describe('fuzzyMatch', () => {
  it('matches letters in order with gaps, case-insensitively', () => {
    expect(fuzzyMatch('fnlz', 'Finalize cancellation')).not.toBeNull();
    expect(fuzzyMatch('FINAL', 'Finalize cancellation')?.indices).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses labels missing a letter or holding them out of order', () => {
    expect(fuzzyMatch('inboxz', 'Go to Inbox')).toBeNull();
    expect(fuzzyMatch('xobni', 'Go to Inbox')).toBeNull();
  });

  it('needs every word of the query, in any order, each on its own letters', () => {
    expect(fuzzyMatch('cancel final', 'Finalize cancellation')).not.toBeNull();
    expect(fuzzyMatch('inbox inbox', 'Go to Inbox')).toBeNull();
  });

  it('matches everything with an empty query', () => {
    expect(fuzzyMatch('   ', 'Anything')).toEqual({ score: 0, indices: [] });
  });

  it('prefers consecutive letters and word starts over scattered ones', () => {
    const wordStart = fuzzyMatch('ref', 'Go to Refund approvals')!;
    const midWord = fuzzyMatch('ref', 'Prefer email')!;
    const scattered = fuzzyMatch('ref', 'Go to Recorded feedback')!;
    expect(wordStart.score).toBeGreaterThan(midWord.score);
    expect(wordStart.score).toBeGreaterThan(scattered.score);
    expect(wordStart.indices).toEqual([6, 7, 8]);
  });

  it('treats the first letters of words as an abbreviation', () => {
    const abbreviation = fuzzyMatch('gtra', 'Go to Refund approvals')!;
    expect(abbreviation.indices).toEqual([0, 3, 6, 13]);
  });
});

describe('rank', () => {
  const labels = ['Go to Accounts', 'Go to Inbox', 'Go to Escalations', 'Escalate to CSM'];

  it('orders the matches best first and drops the rest', () => {
    expect(rank('esc', labels, (l) => l).map((r) => r.item)).toEqual(['Escalate to CSM', 'Go to Escalations']);
    expect(rank('inbox', labels, (l) => l).map((r) => r.item)).toEqual(['Go to Inbox']);
  });

  it('keeps the original order when nothing is typed', () => {
    expect(rank('', labels, (l) => l).map((r) => r.item)).toEqual(labels);
  });
});
