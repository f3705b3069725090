// The searches SearchRanker.warm runs before the first user asks: each search path once, then pages of the corpus's own words.
import type { Vocabulary } from './corpusData.js';

/** How many searches over the corpus's own words follow the one per path (NOTE: about 10 ms each at 10,000 papers, once at start). */
export const WARM_SEARCHES = 30;

/**
 * Query texts over the corpus's first words: plain, joined, a typo (the fallbacks), an exclusion and a date
 * filter, so each path is compiled once; then pages of one to three of its next words, until the scoring,
 * ranking and snippet loops have run often enough to be optimised (at 10,000 papers the first 20 queries
 * after start took 300 ms in all without, 50-65 ms with). None for a corpus of fewer than two words.
 */
export function warmUpQueries(wordList: Vocabulary['wordList']): string[] {
  const [a, b] = wordList.slice(0, 2).map(([w]) => w);
  if (!a || !b) return [];
  const out = [`${a} ${b}`, `${a}-${b}`, `${a}zq ${b}`, `-${a} ${b}`, `${a} ${b} since:1900-01-01`];
  const more = wordList.slice(2, 2 + WARM_SEARCHES).map(([w]) => w);
  for (let i = 0; i < more.length; i++) out.push(more.slice(Math.max(0, i - (i % 3)), i + 1).join(' '));
  return out;
}
