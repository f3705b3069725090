// The warm-up searches: every search path once, then pages of the corpus's own words, all of them valid queries.
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../src/search/query.js';
import { WARM_SEARCHES, warmUpQueries } from '../../src/search/warmUp.js';

const wordList = Array.from({ length: 40 }, (_x, i): readonly [string, string] => [`word${String.fromCharCode(97 + (i % 26))}${i}`, `term${i}`]);

describe('warmUpQueries', () => {
  it('runs the plain, joined, typo, excluded and date-filtered paths over the first two words', () => {
    const [a, b] = [wordList[0]?.[0], wordList[1]?.[0]];
    expect(warmUpQueries(wordList).slice(0, 5)).toEqual([`${a} ${b}`, `${a}-${b}`, `${a}zq ${b}`, `-${a} ${b}`, `${a} ${b} since:1900-01-01`]);
  });

  it('then searches pages of one to three of the next words, WARM_SEARCHES of them', () => {
    const more = warmUpQueries(wordList).slice(5);
    expect(more).toHaveLength(WARM_SEARCHES);
    expect(more.slice(0, 4)).toEqual([
      wordList[2]?.[0],
      `${wordList[2]?.[0]} ${wordList[3]?.[0]}`,
      `${wordList[2]?.[0]} ${wordList[3]?.[0]} ${wordList[4]?.[0]}`,
      wordList[5]?.[0],
    ]);
    for (const text of more) expect(text.split(' ').length).toBeLessThanOrEqual(3);
  });

  it('gives only valid queries', () => {
    for (const text of warmUpQueries(wordList)) expect(parseQuery(text).ok).toBe(true);
  });

  it('runs nothing over a corpus of fewer than two words', () => {
    expect(warmUpQueries([['only', 'onli']])).toEqual([]);
  });
});
