// Fuzzy-ish matching for the command palette: every word of the query must appear in the label
// with its letters in order (gaps allowed), and labels score higher when the letters are
// consecutive, start words, or start the label. Pure, so the palette's ranking is tested here.

export type Match = {
  /** Higher is better; only comparable between matches of the same query. */
  score: number;
  /** Positions in the label of the letters that matched, ascending, for highlighting. */
  indices: number[];
};

function isWordStart(text: string, index: number): boolean {
  if (index === 0) return true;
  const before = text[index - 1] ?? ' ';
  const here = text[index] ?? '';
  return !/[\p{L}\p{N}]/u.test(before) || (before === before.toLowerCase() && here !== here.toLowerCase());
}

/** One word of the query against the label: the best placement found greedily from each start. */
function matchWord(word: string, label: string, lower: string, taken: Set<number>): Match | null {
  let best: Match | null = null;
  for (let start = lower.indexOf(word[0] ?? ''); start >= 0; start = lower.indexOf(word[0] ?? '', start + 1)) {
    if (taken.has(start)) continue;
    const indices = [start];
    let at = start;
    for (const letter of word.slice(1)) {
      at = lower.indexOf(letter, at + 1);
      while (at >= 0 && taken.has(at)) at = lower.indexOf(letter, at + 1);
      if (at < 0) break;
      indices.push(at);
    }
    if (indices.length < word.length) break;
    let score = 0;
    indices.forEach((index, i) => {
      score += 1;
      if (isWordStart(label, index)) score += 8;
      const previous = indices[i - 1];
      if (previous !== undefined && index === previous + 1) score += 5;
      else if (previous !== undefined) score -= Math.min(index - previous - 1, 5);
    });
    if (start === 0) score += 4;
    if (!best || score > best.score) best = { score, indices };
  }
  return best;
}

/**
 * Matches `query` against `label`; `null` when some word of the query does not fit. An empty
 * query matches everything with score 0.
 */
export function fuzzyMatch(query: string, label: string): Match | null {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { score: 0, indices: [] };
  const lower = label.toLowerCase();
  const taken = new Set<number>();
  let score = 0;
  for (const word of words) {
    const match = matchWord(word, label, lower, taken);
    if (!match) return null;
    match.indices.forEach((index) => taken.add(index));
    score += match.score;
  }
  // Between equally good matches, the shorter label is the more specific one.
  score -= label.length / 100;
  return { score, indices: [...taken].sort((a, b) => a - b) };
}

/** The items that match, best first; ties keep their original order. */
export function rank<T>(query: string, items: T[], labelOf: (item: T) => string): { item: T; match: Match }[] {
  return items
    .map((item, order) => ({ item, order, match: fuzzyMatch(query, labelOf(item)) }))
    .filter((entry): entry is { item: T; order: number; match: Match } => entry.match !== null)
    .sort((a, b) => b.match.score - a.match.score || a.order - b.order)
    .map(({ item, match }) => ({ item, match }));
}
