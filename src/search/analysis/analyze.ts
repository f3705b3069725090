// A text's index terms, one pipeline for indexing, querying and snippets: words, number-letter parts, abbreviations, hyphen compounds.
import { abbreviations } from './abbreviations.js';
import { termOf } from './terms.js';
import { foldWord, isIndexable, MAX_TERM_LENGTH, rawWords, splitAlnum } from './tokenizer.js';

/** Index terms of a text: words, minus stopwords, spelling-folded and stemmed. */
export function analyze(text: string, onWord?: (word: string, term: string) => void): string[] {
  const out: string[] = [];
  for (const raw of rawWords(text)) {
    const a = analyzedWord(raw);
    if (a === null) continue;
    if (a.term) {
      out.push(a.term);
      onWord?.(a.word, a.term);
    }
    for (const pt of a.parts) out.push(pt);
  }
  for (const abbr of abbreviations(out)) out.push(abbr);
  return out;
}

/** What {@link analyze} makes of one word as matched: the folded word, its term (null: a stopword) and its number-letter parts' terms. */
interface AnalyzedWord {
  word: string;
  term: string | null;
  parts: readonly string[];
}

const NO_PARTS: readonly string[] = [];

/** Indexing meets the same words over and over, so each matched word's analysis is cached (as the term cache is). */
const analyzedCache = new Map<string, AnalyzedWord | null>();

/** One matched word analysed as the tokenizer's wordList and {@link analyze} do; null for a word not indexed (empty once folded, or too long). */
function analyzedWord(raw: string): AnalyzedWord | null {
  // NOTE: as in wordList, a long run is skipped before it is folded (and never kept as a cache key).
  if (raw.length > 2 * MAX_TERM_LENGTH) return null;
  let a = analyzedCache.get(raw);
  if (a === undefined) {
    const word = foldWord(raw);
    if (word === '' || !isIndexable(word)) a = null;
    else {
      const parts = splitAlnum(word)
        .map(termOf)
        .filter((t): t is string => t !== null);
      a = { word, term: termOf(word), parts: parts.length > 0 ? parts : NO_PARTS };
    }
    if (analyzedCache.size > 200_000) analyzedCache.clear();
    analyzedCache.set(raw, a);
  }
  return a;
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
