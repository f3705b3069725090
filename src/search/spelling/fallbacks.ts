// The fallbacks for words the corpus lacks: typo corrections, spelling variants, splits, word families, bounded fuzzy expansion; and "did you mean".
import { spellingVariants, americanize } from '../analysis/spellings.js';
import { CLOCK_EVERY, SEARCH_LIMITS, type Budget, type SearchWork } from '../limits.js';
import type { QueryTerm } from '../query.js';
import type { RankingOptions } from '../ranking/parameters.js';
import { editDistance } from './editDistance.js';
import { letterMask, mayBeWithin } from './letterMask.js';
import type { SurfaceWord, Vocab } from './vocabulary.js';

/** What the fallbacks read: the vocabulary (built on first use), document frequencies, the parameters, the dictionary. */
export interface SpellingContext {
  vocab(): Vocab;
  df(term: string): number;
  /** A corpus word's index term, without building the vocabulary (see `CorpusData.termOfWord`). */
  termOfWord(word: string): string | undefined;
  readonly options: RankingOptions;
  /** Whether a lowercased word is an ordinary word, which typo correction leaves alone. */
  isWord(word: string): boolean;
}

/** Corpus words closest to `word`, as people write them (for "did you mean"); none for an ordinary word, which is meant as typed. */
export function suggest(lex: SpellingContext, word: string, limit = 3): string[] {
  const target = americanize(word.toLowerCase());
  if (target.length > SEARCH_LIMITS.fuzzyWordLength || lex.isWord(target)) return [];
  const o = lex.options;
  const max = target.length >= o.suggestLongFrom ? o.suggestEditsLong : o.suggestEdits;
  const scored: Array<[string, number, number]> = [];
  const mask = letterMask(target);
  for (const { word: candidate, term, mask: m } of lex.vocab().surfaceNear(target, max, o.suggestMinLength)) {
    if (!mayBeWithin(m, mask, max)) continue;
    const d = editDistance(candidate, target, max);
    if (d <= max) scored.push([candidate, d, lex.df(term)]);
  }
  scored.sort((a, b) => a[1] - b[1] || b[2] - a[2] || a[0].localeCompare(b[0]));
  return scored.slice(0, limit).map(([v]) => v);
}

/**
 * Likely intended index terms for a word the corpus lacks (a typo): the terms of the corpus
 * words at the smallest edit distance (a swap of neighbours counts once), most common first.
 * Null when the time budget ran out before the scan finished.
 */
export function corrections(lex: SpellingContext, word: string, budget: Budget, work: SearchWork): { terms: string[]; words: string[] } | null {
  const w = americanize(word.toLowerCase());
  const o = lex.options;
  if (w.length < o.typoMinLength || w.length > SEARCH_LIMITS.fuzzyWordLength || /^\d+$/.test(w)) return { terms: [], words: [] };
  const max = w.length >= o.twoEditsFrom ? 2 : 1;
  let best = max + 1;
  let found = new Map<string, SurfaceWord>();
  const mask = letterMask(w);
  for (const s of lex.vocab().surfaceNear(w, max)) {
    if (++work.compared % CLOCK_EVERY === 0 && budget.spent()) return null;
    if (!mayBeWithin(s.mask, mask, max)) continue;
    const d = editDistance(s.word, w, max);
    if (d > max) continue;
    if (d < best) {
      best = d;
      found = new Map([[s.term, s]]);
    } else if (d === best && (found.get(s.term)?.order ?? Infinity) > s.order) found.set(s.term, s);
  }
  const terms = [...found.values()]
    .sort((a, b) => lex.df(b.term) - lex.df(a.term) || a.order - b.order)
    .slice(0, o.typoTerms)
    .map((s) => s.term);
  return { terms, words: terms.map((t) => found.get(t)?.word ?? t) };
}

/** The corpus words among an ordinary word's other spellings (see {@link spellingVariants}), with their terms. */
export function spellings(lex: SpellingContext, word: string): { terms: string[]; words: string[] } {
  const words: string[] = [];
  const terms: string[] = [];
  for (const v of spellingVariants(americanize(word.toLowerCase()))) {
    const term = lex.termOfWord(v);
    if (term !== undefined) {
      words.push(v);
      terms.push(term);
    }
  }
  return { terms, words };
}

/**
 * A run-together word split into two corpus words (`kvcache` → `kv cache`), preferring the split
 * whose rarer half is most common; null when no split has both halves in the corpus.
 */
export function split(lex: SpellingContext, word: string): { terms: string[]; words: string[] } | null {
  const w = americanize(word.toLowerCase());
  const { surface } = lex.vocab();
  let best: { terms: string[]; words: string[]; score: number } | null = null;
  const part = lex.options.splitMinPart;
  for (let i = part; i <= w.length - part; i++) {
    const a = w.slice(0, i);
    const b = w.slice(i);
    const ta = surface.get(a);
    const tb = surface.get(b);
    if (!ta || !tb) continue;
    const score = Math.min(lex.df(ta), lex.df(tb));
    if (!best || score > best.score) best = { terms: [ta, tb], words: [a, b], score };
  }
  return best ? { terms: best.terms, words: best.words } : null;
}

/**
 * Terms of the same word family that the stemmer keeps apart (investor/invest,
 * summarizer/summar): one is a prefix of the other, sharing at least `familyPrefix` letters.
 * Null when the time budget ran out before the scan finished.
 */
export function relatives(lex: SpellingContext, term: string, budget: Budget, work: SearchWork): string[] | null {
  const o = lex.options;
  if (term.length < o.familyMinLength) return [];
  const out: string[] = [];
  for (const v of lex.vocab().families.get(term.slice(0, o.familyPrefix)) ?? []) {
    if (++work.compared % CLOCK_EVERY === 0 && budget.spent()) return null;
    if (Math.abs(v.length - term.length) > o.familyLengthGap) continue;
    if (v.startsWith(term) || term.startsWith(v)) out.push(v);
  }
  return out.sort((a, b) => lex.df(b) - lex.df(a)).slice(0, o.familyTerms);
}

/**
 * Index terms within a few edits of each unknown term (see {@link fuzzDistance}), closest and
 * most common first, at most `SEARCH_LIMITS.fuzzyTerms` each. We expand against the vocabulary
 * ourselves: lunr's fuzzy clause builds every string within the distance first, which grows
 * exponentially with the word (a 200-letter word took 20 s and 2 GB).
 */
export function fuzzyExpansions(
  lex: SpellingContext,
  terms: readonly QueryTerm[],
  budget: Budget,
  work: SearchWork,
): { terms: Map<string, string[]>; complete: boolean } {
  const out = new Map<string, string[]>();
  for (const t of terms) {
    const max = fuzzDistance(t, lex.options);
    if (max === 0) continue;
    if (budget.spent()) return { terms: out, complete: false };
    const found: Array<[string, number]> = [];
    const mask = letterMask(t.term);
    for (const v of lex.vocab().termsNear(t.term, max)) {
      if (++work.compared % CLOCK_EVERY === 0 && budget.spent()) return { terms: out, complete: false };
      if (!mayBeWithin(letterMask(v), mask, max)) continue;
      const d = editDistance(v, t.term, max);
      if (d <= max) found.push([v, d]);
    }
    // Document frequency only for the closest candidates: reading it costs a postings scan each.
    const best = Math.min(...found.map((f) => f[1]));
    const ranked = found.map(([v, d]): [string, number, number] => [v, d, d === best || found.length <= SEARCH_LIMITS.fuzzyTerms ? lex.df(v) : 0]);
    ranked.sort((a, b) => a[1] - b[1] || b[2] - a[2] || a[0].localeCompare(b[0]));
    const expanded = ranked.slice(0, SEARCH_LIMITS.fuzzyTerms).map(([v]) => v);
    work.fuzzyTerms += expanded.length;
    if (expanded.length > 0) out.set(t.term, expanded);
  }
  return { terms: out, complete: true };
}

/**
 * The edit distance an unknown word is fuzzy-matched at: none below `fuzzyMinLength` letters (too many
 * short words are one edit apart), one below `twoEditsFrom`, two up to `SEARCH_LIMITS.fuzzyWordLength`, none above.
 */
export function fuzzDistance(t: QueryTerm, o: RankingOptions): number {
  const n = t.word.length;
  if (n < o.fuzzyMinLength || n > SEARCH_LIMITS.fuzzyWordLength) return 0;
  return n >= o.twoEditsFrom ? 2 : 1;
}
