// The vocabulary view: one per corpus vocabulary and family prefix, so rankers over the same data share its trigram index.
import { describe, expect, it } from 'vitest';
import type { Vocabulary } from '../../../src/search/corpusData.js';
import { vocabFor } from '../../../src/search/spelling/vocabulary.js';

const source = (): Vocabulary => {
  const wordList: Array<readonly [string, string]> = [
    ['memory', 'memori'],
    ['memories', 'memori'],
  ];
  return { words: new Map(wordList), wordList, terms: ['memori'] };
};

describe('vocabFor', () => {
  it('gives rankers over the same vocabulary and family prefix the same view, built once', () => {
    const s = source();
    const first = vocabFor(s, 5).extend();
    expect(vocabFor(s, 5)).toBe(first);
    expect(first.surfaceNear('memroy', 1).map((w) => w.word)).toEqual(['memory']);
  });

  it('keeps views of other vocabularies and other prefixes apart', () => {
    const s = source();
    expect(vocabFor(s, 4)).not.toBe(vocabFor(s, 5));
    expect(vocabFor(source(), 5)).not.toBe(vocabFor(s, 5));
  });
});
