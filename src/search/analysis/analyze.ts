// A text's index terms, one pipeline for indexing, querying and snippets: words, number-letter parts, abbreviations, hyphen compounds.
import { abbreviations } from './abbreviations.js';
import { termOf } from './terms.js';
import { splitAlnum, wordList } from './tokenizer.js';

/** Index terms of a text: words, minus stopwords, spelling-folded and stemmed. */
export function analyze(text: string, onWord?: (word: string, term: string) => void): string[] {
  const out: string[] = [];
  for (const word of wordList(text)) {
    const t = termOf(word);
    if (t) {
      out.push(t);
      onWord?.(word, t);
    }
    for (const part of splitAlnum(word)) {
      const pt = termOf(part);
      if (pt) out.push(pt);
    }
  }
  return [...out, ...abbreviations(out)];
}

/**
 * Joined forms of hyphenated compounds: `kv-cache` also indexes as `kvcache` and `non-linear`
 * as `nonlinear`, so the hyphenated, split and joined spellings all meet.
 */
export function compounds(text: string): string[] {
  if (!text.includes('-')) return [];
  const out: string[] = [];
  for (const chunk of text.split(/\s+/)) {
    if (!chunk.includes('-')) continue;
    const m = COMPOUND.exec(chunk);
    if (!m) continue;
    const t = termOf(m[0].toLowerCase().replace(/-/g, ''));
    if (t) out.push(t);
  }
  return out;
}

/**
 * A hyphenated compound. NOTE: linear time on any chunk: a match may start only where a word starts
 * (the lookbehind), and the first word is taken whole (the lookahead and back-reference cannot
 * backtrack), so `aaaa…a-` is not retried from every letter, which took quadratic time.
 */
const COMPOUND = /(?<![\p{L}\p{N}])(?=([\p{L}\p{N}]+))\1(?:-[\p{L}\p{N}]+)+/u;
