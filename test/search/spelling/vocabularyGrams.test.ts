// The trigram index over the vocabulary: every word within reach of a query word is among its candidates, and junk words get few.
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/config.js';
import { loadSeedDir } from '../../../src/papers/seeds.js';
import { SEARCH_LIMITS, type SearchWork } from '../../../src/search/limits.js';
import { parseQuery } from '../../../src/search/query.js';
import { SearchRanker } from '../../../src/search/ranker.js';
import { editDistance } from '../../../src/search/spelling/editDistance.js';
import { grams, VocabularyGrams } from '../../../src/search/spelling/vocabularyGrams.js';

const seeds = loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers;

function indexOf(words: readonly string[]): VocabularyGrams {
  const g = new VocabularyGrams();
  for (const w of words) g.add(w);
  return g;
}

/** Numbers of the words within `max` edits of `word`, by measuring every one. */
const withinReach = (words: readonly string[], word: string, max: number) => words.flatMap((w, i) => (editDistance(w, word, max) <= max ? [i] : []));

describe('vocabularyGrams', () => {
  it('pads a word so that it has two more trigrams than letters', () => {
    expect(grams('ab')).toEqual(['$$a', '$ab', 'ab$', 'b$$']);
    expect(grams('memory')).toHaveLength(8);
  });

  it('finds among its candidates every word within reach, for random words of a small alphabet (edits, swaps, repeats)', () => {
    const word = fc.stringMatching(/^[abcde]{1,12}$/);
    fc.assert(
      fc.property(fc.uniqueArray(word, { minLength: 1, maxLength: 200 }), word, fc.constantFrom(1, 2), (words, query, max) => {
        const found = indexOf(words).candidates(query, max);
        const reach = withinReach(words, query, max);
        if (found === null) return;
        expect(found.filter((i) => reach.includes(i))).toEqual(reach);
      }),
      { numRuns: 400 },
    );
  });

  it('finds every seed word within one or two edits of a seed word with a typo, and its candidates are ascending', () => {
    const words = [...new Set(seeds.flatMap((p) => p.abstract.toLowerCase().match(/[a-z]+/g) ?? []))];
    const g = indexOf(words);
    for (const [i, w] of words.entries()) {
      if (i % 37 !== 0 || w.length < 4) continue;
      const typo = `${w.slice(0, 1)}${w.slice(2, 3)}${w.slice(1, 2)}${w.slice(3)}x`;
      const max = typo.length >= 8 ? 2 : 1;
      const found = g.candidates(typo, max) ?? [];
      expect([...found].sort((a, b) => a - b)).toEqual(found);
      for (const r of withinReach(words, typo, max)) expect(found).toContain(r);
    }
  });

  it('gives no candidates list when trigrams cannot rule out any word (a short word, many edits)', () => {
    expect(indexOf(['cat', 'dog']).candidates('cat', 2)).toBeNull();
  });

  it('search: a query of junk words compares each with only a few corpus words, and still corrects a typo', () => {
    let work: SearchWork | undefined;
    const ranker = SearchRanker.fromPapers(seeds, { now: () => 0, onWork: (w) => (work = w), isWord: () => false });
    const q = parseQuery('tnkhzndwzhj cnhbxcseqbykfi faduwq fogrxz curvaure wediswkyod trilliopn mixturge');
    if (!q.ok) throw new Error(q.error.message);
    const outcome = ranker.search(q.value);
    expect(outcome.corrected).toContainEqual({ word: 'curvaure', to: ['curvature'] });
    expect(work?.fallbackWords).toBe(SEARCH_LIMITS.fallbackWords);
    // Without the trigrams each word was compared with every corpus word within two letters of its length.
    expect(work?.compared).toBeLessThan(ranker.counts.words / 4);
  });
});
