// Index terms: one word stop-filtered, spelling-folded and stemmed with lunr's stemmer, cached.
import lunr from 'lunr';
import { americanize } from './spellings.js';
import { isStopword } from './stopWords.js';
import { isIndexable } from './tokenizer.js';

/** Porter stem of an already-lowercased word, via lunr's own stemmer so the index agrees. */
export function stem(word: string): string {
  return lunr.stemmer(new lunr.Token(word, {})).toString();
}

/** The index term of one word, or null for a stopword or a word too long to index. */
export function termOf(word: string): string | null {
  if (!isIndexable(word)) return null;
  let t = termCache.get(word);
  if (t === undefined) {
    t = isStopword(word) ? null : stem(americanize(word));
    if (termCache.size > 200_000) termCache.clear();
    termCache.set(word, t);
  }
  return t;
}

/** Stemming dominates indexing and snippet time; words repeat a lot, so their terms (null: a stopword) are cached. */
const termCache = new Map<string, string | null>();
