// The words a snippet marks: found in one pass, with the same words, offsets and terms as tokenizing and stemming every word.
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import { matchedWords } from '../../src/search/matchedWords.js';
import { termOf } from '../../src/search/analysis/terms.js';
import { words } from '../../src/search/analysis/tokenizer.js';

const seeds = loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers;

/** What the snippet did before: every word tokenized, folded and stemmed, kept when its term is asked for. */
function everyWord(text: string, terms: ReadonlySet<string>) {
  return words(text).flatMap((w) => {
    const t = termOf(w.word);
    return t !== null && terms.has(t) ? [{ start: w.start, end: w.end, term: t }] : [];
  });
}

const termsOf = (text: string) => [...new Set(words(text).flatMap((w) => termOf(w.word) ?? []))];

describe('matchedWords', () => {
  it('finds in every seed abstract the words every-word tokenizing finds, for each of its terms and for all of them', () => {
    for (const p of seeds) {
      const terms = termsOf(p.abstract);
      for (const t of terms.slice(0, 5)) expect(matchedWords(p.abstract, new Set([t]))).toEqual(everyWord(p.abstract, new Set([t])));
      expect(matchedWords(p.abstract, new Set(terms))).toEqual(everyWord(p.abstract, new Set(terms)));
    }
  });

  it('agrees with every-word tokenizing on apostrophes, capitals, digits, accents and other scripts', () => {
    const text = `Model's MODELS' models don't O'Neill's x's 3'b it' 'tis GPT-4o e.g. naïve CAFÉ’s résumé İstanbul ﬁne-tuning 中文 modèles`;
    const terms = new Set(termsOf(text));
    expect(matchedWords(text, terms)).toEqual(everyWord(text, terms));
    const ascii = `Model's MODELS' models don't O'Neill's x's 3'b it' 'tis GPT-4o e.g. (modelling) "models"`;
    expect(matchedWords(ascii, new Set(termsOf(ascii)))).toEqual(everyWord(ascii, new Set(termsOf(ascii))));
  });

  it('agrees with every-word tokenizing on random text', () => {
    const pieces = [
      'model',
      'Models',
      "model's",
      "don't",
      'x',
      '4',
      "'",
      '’',
      ' ',
      '. ',
      ',',
      '-',
      'é',
      'İ',
      'ß',
      'learning',
      'Learned',
      'ies',
      'yes',
      'quantisation',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), fc.integer({ min: 0, max: 3 }), (parts, k) => {
        const text = parts.join('');
        const all = termsOf(text);
        const terms = new Set(k === 0 ? all : all.filter((_t, i) => i % (k + 1) === 0));
        expect(matchedWords(text, terms)).toEqual(everyWord(text, terms));
      }),
      { numRuns: 500 },
    );
  });

  it('finds nothing for no terms', () => {
    expect(matchedWords('Models model modelling.', new Set())).toEqual([]);
  });
});
