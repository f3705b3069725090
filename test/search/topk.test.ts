// Top-k search: a page asks for its best hits only, and gets exactly what a full ranking puts first, with the full count; the typo scans' letter prefilter never drops a word within reach.
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import { SearchRanker } from '../../src/search/ranker.js';
import { editDistance } from '../../src/search/spelling/editDistance.js';
import { letterMask, mayBeWithin } from '../../src/search/spelling/letterMask.js';
import { parseQuery } from '../../src/search/query.js';

const seeds = loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers;
// NOTE: a clock that stands still, so the time budget never cuts a typo scan short on a busy machine (bounds.test.ts tests the budget).
const ranker = SearchRanker.fromPapers(seeds, { now: () => 0 });

/** Common words (most of the corpus matches), filters, exclusions, a typo, a quoted word, a title. */
const QUERIES = [
  'model',
  'language model training',
  'agent memory benchmark',
  'kv cache -quantization',
  'diffusion since:2025-06-01',
  'memroy',
  '"video" generation',
  'A-MEM',
];

describe('top-k search', () => {
  it.each(QUERIES)('the best k hits for %j are the first k of the full ranking, in order, with the same total', (text) => {
    const q = parseQuery(text);
    if (!q.ok) throw new Error(q.error.message);
    const full = ranker.search(q.value);
    expect(full.hits.length).toBeGreaterThan(0);
    expect(full.total).toBe(full.hits.length);
    for (const k of [1, 5, 10, 37]) {
      const top = ranker.search(q.value, k);
      expect(top.total).toBe(full.total);
      expect(top.hits.map((h) => [h.id, h.score])).toEqual(full.hits.slice(0, k).map((h) => [h.id, h.score]));
    }
  });

  it('a common word matches hundreds of papers but makes only the hits asked for', () => {
    const q = parseQuery('model');
    if (!q.ok) throw new Error(q.error.message);
    const top = ranker.search(q.value, 5);
    expect(top.total).toBeGreaterThan(100);
    expect(top.hits).toHaveLength(5);
  });
});

describe('typo scan prefilter', () => {
  it('never rules out two words within the edit distance (letter masks differ in at most two classes per edit)', () => {
    const word = fc.string({ unit: fc.constantFrom(...'abcdeéz019-'), minLength: 0, maxLength: 12 });
    fc.assert(
      fc.property(word, word, fc.integer({ min: 1, max: 3 }), (a, b, max) => {
        if (editDistance(a, b, max) <= max) expect(mayBeWithin(letterMask(a), letterMask(b), max)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('rules out words that share few letters, which is what makes the scan cheap', () => {
    expect(mayBeWithin(letterMask('enterprize'), letterMask('enterprise'), 1)).toBe(true);
    expect(mayBeWithin(letterMask('enterprize'), letterMask('quantization'), 2)).toBe(false);
  });
});
