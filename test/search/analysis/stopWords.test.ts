// Stop words: lunr's own English list is taken from lunr at run time, so ours cannot drift from the index's.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import lunr from 'lunr';
import { describe, expect, it } from 'vitest';
import { isStopword } from '../../../src/search/analysis/stopWords.js';

/** lunr 2.3.9 keeps its list inside the filter's closure; the test reads it from lunr's source instead. */
function lunrStopWords(): string[] {
  const source = fs.readFileSync(createRequire(import.meta.url).resolve('lunr'), 'utf8');
  const list = /lunr\.stopWordFilter = lunr\.generateStopWordFilter\(\[([^\]]*)\]\)/.exec(source)?.[1] ?? '';
  return [...list.matchAll(/'([^']+)'/g)].map((m) => m[1] as string);
}

describe('stop words', () => {
  it('drops every word of lunr’s English stop word list', () => {
    const words = lunrStopWords();
    expect(words.length).toBeGreaterThan(100);
    expect(words.filter((w) => !isStopword(w))).toEqual([]);
  });

  it('drops a word lunr’s filter drops and keeps a topic word, whatever the word’s name in JavaScript', () => {
    for (const w of lunrStopWords()) expect(lunr.stopWordFilter(new lunr.Token(w, {}))).toBeUndefined();
    for (const w of ['transformer', 'attention', 'constructor', '__proto__', 'tostring']) expect(isStopword(w)).toBe(false);
  });

  it('drops question words and chat filler lunr’s list lacks', () => {
    for (const w of ['paper', 'papers', 'approach', 'using', 'propose']) expect(isStopword(w)).toBe(true);
  });
});
