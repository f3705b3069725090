// The search ranking: lunr's BM25 with coverage, typo, split, word-family and bounded fuzzy fallbacks, filters and lazy hits.
import type { Paper } from '../papers/model.js';
import type { PaperSummary, SearchHit, SearchOutcome } from '../ports.js';
import type { Segment } from '../reply.js';
import { hasAnyBit, maskTerms, scoreMatches, type ScoredClause, type ScoredMatches } from './bm25.js';
import { MemoryIndexData, subjectKey, subjectMembers, type DocInfo, type IndexData, type Vocabulary } from './indexData.js';
import { MAX_QUERY_TERMS, type ParsedQuery, type QueryTerm } from './query.js';
import { americanize, termOf, words } from './text.js';

export type { SearchHit, SearchOutcome } from '../ports.js';

/** Below this many exact hits, unknown words are retried with edit distance (typos). */
const FUZZY_WHEN_FEWER_THAN = 5;

/**
 * What one search may do, whatever the query holds (STYLE habit 17). With the caps on word length
 * (`MAX_TERM_LENGTH`) and on terms (`MAX_QUERY_TERMS`), every search builds a bounded number of lunr
 * clauses and compares each fallback word against the corpus vocabulary at most a few times.
 */
export const SEARCH_LIMITS = {
  /** Unknown words that get the typo, split, word-family and fuzzy fallbacks; the development questions have at most 3. */
  fallbackWords: 8,
  /** Vocabulary terms one unknown word may fuzzy-match, closest first (lunr's own expansion has no limit). */
  fuzzyTerms: 16,
  /** The longest word that is fuzzy-matched or corrected: the longest real words in the seeds have 22-24 letters. */
  fuzzyWordLength: 24,
  /** NOTE: milliseconds. Fallbacks still to run after this are skipped and the outcome is marked incomplete. */
  budgetMs: 250,
} as const;

/**
 * Upper bound on the lunr clauses of one run: a clause per term, and per fallback word at most two
 * typo corrections, a two-word split, two word-family terms and the fuzzy expansions.
 */
export const MAX_CLAUSES_PER_RUN = MAX_QUERY_TERMS + SEARCH_LIMITS.fallbackWords * (2 + 2 + 2 + SEARCH_LIMITS.fuzzyTerms);

/** How much work one search did: counters, not timings, so tests can check the bounds without flaking. */
export interface SearchWork {
  /** lunr clauses built, over every run of the search (at most two runs). */
  clauses: number;
  /** Vocabulary terms the fuzzy run expanded unknown words to. */
  fuzzyTerms: number;
  /** Corpus words and terms the fallbacks compared with a query word (edit distance, shared prefix). */
  compared: number;
  /** Unknown words that got the fallbacks. */
  fallbackWords: number;
}

export interface SnapshotOptions {
  /** NOTE: a monotonic clock in milliseconds (`performance.now` by default); tests pass one that jumps. */
  now?: () => number;
  /** The time budget of one search, in milliseconds (default {@link SEARCH_LIMITS}.budgetMs). */
  budgetMs?: number;
  /** Receives each search's work counters (tests and the benchmark). */
  onWork?: (work: SearchWork) => void;
}

/** A search's time budget. Once spent it stays spent, so a search never resumes half-way through its fallbacks. */
class Budget {
  private readonly deadline: number;
  private out = false;

  constructor(
    private readonly now: () => number,
    ms: number,
  ) {
    this.deadline = now() + ms;
  }

  spent(): boolean {
    if (!this.out && this.now() > this.deadline) this.out = true;
    return this.out;
  }
}

/** How often a scan over the vocabulary looks at the clock: often enough to stop within a millisecond or so. */
const CLOCK_EVERY = 1024;

const NO_MATCHES: ScoredMatches = { docs: new Int32Array(0), scores: new Float64Array(0), masks: new Float64Array(0), terms: [] };

/** A corpus word as people write it, its index term, and where it was first seen (ties break by that, as they always did). */
interface SurfaceWord {
  word: string;
  term: string;
  order: number;
}

/**
 * The vocabulary in the shapes the fallbacks scan, derived from the index data's vocabulary and
 * extended in place as it grows (new papers add words; nothing is rebuilt on the event loop).
 */
class Vocab {
  /** Surface words by length, so a typo is compared only with words of about its length. */
  readonly surfaceByLength: SurfaceWord[][] = [];
  /** Index terms by length, for fuzzy matching. */
  readonly termsByLength: string[][] = [];
  /** Index terms of five letters or more by their first five: a word family shares at least those. */
  readonly families = new Map<string, string[]>();
  private words = 0;
  private terms = 0;

  constructor(readonly source: Vocabulary) {}

  /** Every word seen (lowercased, spelling-folded) and its index term: typos are corrected against words, not stems. */
  get surface(): ReadonlyMap<string, string> {
    return this.source.words;
  }

  get termCount(): number {
    return this.terms;
  }

  /** Takes in what the source gained since the last call. */
  extend(): this {
    const { wordList, terms } = this.source;
    for (; this.words < wordList.length; this.words++) {
      const [word, term] = wordList[this.words] as readonly [string, string];
      (this.surfaceByLength[word.length] ??= []).push({ word, term, order: this.words });
    }
    for (; this.terms < terms.length; this.terms++) {
      const t = terms[this.terms] as string;
      (this.termsByLength[t.length] ??= []).push(t);
      if (t.length >= 5) {
        const key = t.slice(0, 5);
        const family = this.families.get(key);
        if (family) family.push(t);
        else this.families.set(key, [t]);
      }
    }
    return this;
  }
}

/**
 * The ranking: lunr's BM25 scores (see `bm25.ts`) with a coverage factor, typo, split and
 * word-family fallbacks, bounded fuzzy matching and filters, over index data held in memory
 * or persisted in SQLite. Hits load their paper only when read.
 */
export class SearchRanker {
  private readonly now: () => number;
  private readonly budgetMs: number;
  private readonly onWork: ((work: SearchWork) => void) | undefined;
  private vocabCache: Vocab | null = null;

  constructor(
    private readonly data: IndexData,
    options: SnapshotOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.budgetMs = options.budgetMs ?? SEARCH_LIMITS.budgetMs;
    this.onWork = options.onWork;
  }

  /** A ranker over papers indexed in memory at once (tests, evaluation, small corpora). */
  static fromPapers(papers: readonly Paper[], options: SnapshotOptions = {}): SearchRanker {
    return new SearchRanker(new MemoryIndexData(papers), options);
  }

  get size(): number {
    return this.data.docs;
  }

  private vocab(): Vocab {
    const source = this.data.vocabulary();
    if (!this.vocabCache || this.vocabCache.source !== source) this.vocabCache = new Vocab(source);
    return this.vocabCache.extend();
  }

  /** Loads what the fallbacks scan (the vocabulary), so the first typo does not pay for it. */
  warm(): void {
    this.vocab();
  }

  /** How many index terms and distinct corpus words the index holds (what bounds a fallback's scan). */
  get counts(): { terms: number; words: number } {
    const v = this.vocab();
    return { terms: v.termCount, words: v.surface.size };
  }

  has(term: string): boolean {
    return this.data.hasTerm(term);
  }

  private df(term: string): number {
    return this.data.docFrequency(term);
  }

  /** All hits for a parsed query, best first; filters applied; never throws on user text; bounded work (see {@link SEARCH_LIMITS}). */
  search(q: ParsedQuery): SearchOutcome {
    const work: SearchWork = { clauses: 0, fuzzyTerms: 0, compared: 0, fallbackWords: 0 };
    try {
      return this.searchWithin(q, new Budget(this.now, this.budgetMs), work);
    } finally {
      this.onWork?.(work);
    }
  }

  private searchWithin(q: ParsedQuery, budget: Budget, work: SearchWork): SearchOutcome {
    const unknownTerms = q.terms.filter((t) => !this.has(t.term));
    const unknown = unknownTerms.map((t) => t.word);
    if (q.terms.length === 0) {
      const banned = this.mentioning(q.excluded, work);
      const docs: number[] = [];
      for (const doc of this.data.docNumbers()) {
        const info = this.data.info(doc);
        if (info && this.passesFilters(info, q) && !banned.has(doc)) docs.push(doc);
      }
      const hits = docs.map((doc) => this.hit(doc, 0, null));
      hits.sort(byUpvotesThenDate);
      return { hits, fuzzy: false, corrected: [], unknown, incomplete: false };
    }
    // Only the first few unknown words get fallbacks; the rest are searched as typed, and the outcome says so.
    const fallback = unknownTerms.slice(0, SEARCH_LIMITS.fallbackWords);
    let incomplete = unknownTerms.length > fallback.length;
    const corrections = new Map<string, string[]>();
    const corrected: SearchOutcome['corrected'] = [];
    for (const t of fallback) {
      if (budget.spent()) {
        incomplete = true;
        break;
      }
      work.fallbackWords++;
      const typo = this.corrections(t.word, budget, work);
      const split = typo && typo.terms.length === 0 ? this.split(t.word) : null;
      const family = typo ? this.relatives(t.term, budget, work) : null;
      if (!typo || !family) incomplete = true;
      if (typo && typo.words.length > 0) corrected.push({ word: t.word, to: typo.words });
      if (split) corrected.push({ word: t.word, to: [split.words.join(' ')] });
      corrections.set(t.term, [...new Set([...(typo?.terms ?? []), ...(split?.terms ?? []), ...(family ?? [])])]);
    }
    let fuzzy = corrected.length > 0;
    let results = this.run(q, corrections, null, work);
    if (results.docs.length < FUZZY_WHEN_FEWER_THAN && unknown.length > 0 && !fuzzy) {
      const expansions = this.fuzzyExpansions(fallback, budget, work);
      if (!expansions.complete) incomplete = true;
      if (expansions.terms.size > 0) {
        const more = this.run(q, corrections, expansions.terms, work);
        if (more.docs.length > results.docs.length) {
          results = more;
          fuzzy = true;
        }
      }
    }
    // Weight of each query concept (a typo counts as its correction): IDF, so rare words matter more.
    const size = this.size;
    const concepts = q.terms
      .map((t) => {
        const known = this.has(t.term);
        const forms = known ? [t.term] : (corrections.get(t.term) ?? []);
        const dfMin = Math.min(...forms.map((f) => this.df(f) || size));
        return { forms, weight: Math.log(1 + size / Math.max(1, dfMin)) * (known ? 1 : correctionWeight(q)) };
      })
      .filter((c) => c.forms.length > 0);
    const totalWeight = concepts.reduce((s, c) => s + c.weight, 0);
    const hits: SearchHit[] = [];
    // Each concept as a mask over the matched terms, so coverage is a few bit tests per hit.
    const conceptMasks = concepts.map((c) => ({
      weight: c.weight,
      mask: c.forms.reduce((m, f) => (results.terms.includes(f) ? m + 2 ** results.terms.indexOf(f) : m), 0),
    }));
    for (let i = 0; i < results.docs.length; i++) {
      const doc = results.docs[i] as number;
      const info = this.data.info(doc);
      if (!info || !this.passesFilters(info, q)) continue;
      const mask = results.masks[i] as number;
      const covered = conceptMasks.reduce((s, c) => s + (hasAnyBit(mask, c.mask) ? c.weight : 0), 0);
      const coverage = totalWeight > 0 ? covered / totalWeight : 1;
      hits.push(this.hit(doc, (results.scores[i] as number) * coverageFactor(coverage), mask, results.terms));
    }
    hits.sort((a, b) => b.score - a.score || byUpvotesThenDate(a, b));
    return { hits, fuzzy, corrected, unknown, incomplete };
  }

  /**
   * A hit whose paper is loaded, and whose snippet is computed, only when read: callers show a
   * page of hits, not all of them. `mask` (over `terms`) says which terms it matched; null gives the
   * abstract's opening as the snippet.
   */
  private hit(doc: number, score: number, mask: number | null, terms: readonly string[] = []): SearchHit {
    return new LazyHit(this.data, doc, this.data.info(doc) as DocInfo, score, mask, terms);
  }

  /**
   * The papers a set of phrases marks as being about a subject: for some phrase, every term is in
   * the title, or every term occurs at least twice in title and abstract together (a subject, not a
   * passing mention). Read from the postings of the phrases' terms, cached until the index changes.
   */
  papersWithPhrases(phrases: ReadonlyArray<readonly string[]>): ReadonlySet<string> {
    const key = subjectKey(phrases);
    if (this.phraseCache.version !== this.data.version) this.phraseCache = { version: this.data.version, sets: new Map() };
    const cached = this.phraseCache.sets.get(key);
    if (cached) return cached;
    // Kept as papers arrive when the data tracks the subject; else read from the postings now.
    const docs = this.data.trackedSubject?.(phrases) ?? subjectMembers(this.data, phrases);
    const out = new Set<string>();
    for (const doc of docs) {
      const info = this.data.info(doc);
      if (info) out.add(info.paperId);
    }
    this.phraseCache.sets.set(key, out);
    return out;
  }

  private phraseCache: { version: number; sets: Map<string, ReadonlySet<string>> } = { version: -1, sets: new Map() };

  /** Every live paper's id, title and ranking facts. */
  *summaries(): Iterable<PaperSummary> {
    for (const doc of this.data.docNumbers()) {
      const i = this.data.info(doc);
      if (i) yield { id: i.paperId, title: i.title, publishedAt: i.publishedAt, upvotes: i.upvotes };
    }
  }

  /** Corpus words closest to `word`, as people write them (for "did you mean"). */
  suggest(word: string, limit = 3): string[] {
    const target = americanize(word.toLowerCase());
    if (target.length > SEARCH_LIMITS.fuzzyWordLength) return [];
    const max = target.length >= 6 ? 3 : 2;
    const scored: Array<[string, number, number]> = [];
    for (let len = Math.max(3, target.length - max); len <= target.length + max; len++) {
      for (const { word: candidate, term } of this.vocab().surfaceByLength[len] ?? []) {
        const d = editDistance(candidate, target, max);
        if (d <= max) scored.push([candidate, d, this.df(term)]);
      }
    }
    scored.sort((a, b) => a[1] - b[1] || b[2] - a[2] || a[0].localeCompare(b[0]));
    return scored.slice(0, limit).map(([v]) => v);
  }

  /**
   * Likely intended index terms for a word the corpus lacks (a typo): the terms of the corpus
   * words at the smallest edit distance (a swap of neighbours counts once), most common first.
   * Null when the time budget ran out before the scan finished.
   */
  private corrections(word: string, budget: Budget, work: SearchWork): { terms: string[]; words: string[] } | null {
    const w = americanize(word.toLowerCase());
    if (w.length < 4 || w.length > SEARCH_LIMITS.fuzzyWordLength || /^\d+$/.test(w)) return { terms: [], words: [] };
    const max = w.length >= 8 ? 2 : 1;
    let best = max + 1;
    let found = new Map<string, SurfaceWord>();
    const { surfaceByLength } = this.vocab();
    for (let len = w.length - max; len <= w.length + max; len++) {
      for (const s of surfaceByLength[len] ?? []) {
        if (++work.compared % CLOCK_EVERY === 0 && budget.spent()) return null;
        const d = editDistance(s.word, w, max);
        if (d > max) continue;
        if (d < best) {
          best = d;
          found = new Map([[s.term, s]]);
        } else if (d === best && (found.get(s.term)?.order ?? Infinity) > s.order) found.set(s.term, s);
      }
    }
    const terms = [...found.values()]
      .sort((a, b) => this.df(b.term) - this.df(a.term) || a.order - b.order)
      .slice(0, 2)
      .map((s) => s.term);
    return { terms, words: terms.map((t) => found.get(t)?.word ?? t) };
  }

  /**
   * A run-together word split into two corpus words (`kvcache` → `kv cache`), preferring the split
   * whose rarer half is most common; null when no split has both halves in the corpus.
   */
  private split(word: string): { terms: string[]; words: string[] } | null {
    const w = americanize(word.toLowerCase());
    const { surface } = this.vocab();
    let best: { terms: string[]; words: string[]; score: number } | null = null;
    for (let i = 2; i <= w.length - 2; i++) {
      const a = w.slice(0, i);
      const b = w.slice(i);
      const ta = surface.get(a);
      const tb = surface.get(b);
      if (!ta || !tb) continue;
      const score = Math.min(this.df(ta), this.df(tb));
      if (!best || score > best.score) best = { terms: [ta, tb], words: [a, b], score };
    }
    return best ? { terms: best.terms, words: best.words } : null;
  }

  /**
   * Terms of the same word family that the stemmer keeps apart (investor/invest,
   * summarizer/summar): one is a prefix of the other, sharing at least five letters.
   * Null when the time budget ran out before the scan finished.
   */
  private relatives(term: string, budget: Budget, work: SearchWork): string[] | null {
    if (term.length < 6) return [];
    const out: string[] = [];
    for (const v of this.vocab().families.get(term.slice(0, 5)) ?? []) {
      if (++work.compared % CLOCK_EVERY === 0 && budget.spent()) return null;
      if (Math.abs(v.length - term.length) > 3) continue;
      if (v.startsWith(term) || term.startsWith(v)) out.push(v);
    }
    return out.sort((a, b) => this.df(b) - this.df(a)).slice(0, 2);
  }

  /**
   * Index terms within a few edits of each unknown term (see {@link fuzzDistance}), closest and
   * most common first, at most `SEARCH_LIMITS.fuzzyTerms` each. We expand against the vocabulary
   * ourselves: lunr's fuzzy clause builds every string within the distance first, which grows
   * exponentially with the word (a 200-letter word took 20 s and 2 GB).
   */
  private fuzzyExpansions(terms: readonly QueryTerm[], budget: Budget, work: SearchWork): { terms: Map<string, string[]>; complete: boolean } {
    const out = new Map<string, string[]>();
    for (const t of terms) {
      const max = fuzzDistance(t);
      if (max === 0) continue;
      if (budget.spent()) return { terms: out, complete: false };
      const found: Array<[string, number]> = [];
      const { termsByLength } = this.vocab();
      for (let len = Math.max(1, t.term.length - max); len <= t.term.length + max; len++) {
        for (const v of termsByLength[len] ?? []) {
          if (++work.compared % CLOCK_EVERY === 0 && budget.spent()) return { terms: out, complete: false };
          const d = editDistance(v, t.term, max);
          if (d <= max) found.push([v, d]);
        }
      }
      // Document frequency only for the closest candidates: reading it costs a postings scan each.
      const best = Math.min(...found.map((f) => f[1]));
      const ranked = found.map(([v, d]): [string, number, number] => [v, d, d === best || found.length <= SEARCH_LIMITS.fuzzyTerms ? this.df(v) : 0]);
      ranked.sort((a, b) => a[1] - b[1] || b[2] - a[2] || a[0].localeCompare(b[0]));
      const expanded = ranked.slice(0, SEARCH_LIMITS.fuzzyTerms).map(([v]) => v);
      work.fuzzyTerms += expanded.length;
      if (expanded.length > 0) out.set(t.term, expanded);
    }
    return { terms: out, complete: true };
  }

  private run(q: ParsedQuery, corrections: ReadonlyMap<string, string[]>, expansions: ReadonlyMap<string, string[]> | null, work: SearchWork): ScoredMatches {
    const requiredTerms = new Set(q.required.map((t) => t.term));
    const clauses: ScoredClause[] = [];
    for (const t of q.terms) {
      const presence = requiredTerms.has(t.term) ? 'required' : 'optional';
      if (this.has(t.term)) {
        clauses.push({ terms: [{ term: t.term, boost: 1 }], presence });
        continue;
      }
      const boost = correctionWeight(q);
      for (const c of corrections.get(t.term) ?? []) clauses.push({ terms: [{ term: c, boost }], presence });
      // The clauses lunr's fuzzy clause expanded to (each expanded term at the clause's boost), but capped.
      for (const c of expansions?.get(t.term) ?? []) clauses.push({ terms: [{ term: c, boost: 0.5 }], presence: 'optional' });
    }
    // NOTE: lunr answers a query with no positive clause with every document; nothing to look for means no hits.
    if (clauses.length === 0) return NO_MATCHES;
    work.clauses += clauses.length + q.excluded.length;
    for (const t of q.excluded) clauses.push({ terms: [{ term: t.term, boost: 1 }], presence: 'prohibited' });
    return scoreMatches(clauses, this.data);
  }

  /** The documents whose title or abstract has any of `terms` (from their postings, not a pass over every abstract). */
  private mentioning(terms: readonly QueryTerm[], work: SearchWork): Set<number> {
    const out = new Set<number>();
    work.clauses += terms.length;
    for (const t of terms) {
      const p = this.data.postings(t.term);
      for (let i = 0; p && i < p.n; i++) if ((p.fields[i] as number) <= 1) out.add(p.docs[i] as number);
    }
    return out;
  }

  private passesFilters(p: Pick<DocInfo, 'publishedAt' | 'org'>, q: ParsedQuery): boolean {
    if (q.since && (!p.publishedAt || p.publishedAt < q.since)) return false;
    if (q.until && (!p.publishedAt || p.publishedAt > q.until)) return false;
    if (q.org && !(p.org ?? '').toLowerCase().includes(q.org.toLowerCase())) return false;
    return true;
  }
}

/** How strongly coverage counts: 0.5 (a square root) was best on the dev set and flat around it. */
const COVERAGE_POWER = 0.5;

/** Rewards papers that match more of the query's weight (a coordination factor, as in Lucene's classic scorer). */
function coverageFactor(coverage: number): number {
  return coverage ** COVERAGE_POWER;
}

/**
 * How much a guessed typo correction counts. In a short query the typo is the point of the
 * query; in a long question an unknown word is more often a word the corpus does not use.
 */
function correctionWeight(q: ParsedQuery): number {
  return q.terms.length <= 3 ? 1 : 0.3;
}

/**
 * The edit distance an unknown word is fuzzy-matched at: none below five letters (too many short
 * words are one edit apart), one up to seven, two up to `SEARCH_LIMITS.fuzzyWordLength`, none above.
 */
export function fuzzDistance(t: QueryTerm): number {
  const n = t.word.length;
  if (n < 5 || n > SEARCH_LIMITS.fuzzyWordLength) return 0;
  return n >= 8 ? 2 : 1;
}

/** Ties break by upvotes, then by date (newer first), then by title for a stable order. */
export function byUpvotesThenDate(a: Pick<Paper, 'upvotes' | 'publishedAt' | 'title'>, b: Pick<Paper, 'upvotes' | 'publishedAt' | 'title'>): number {
  return (b.upvotes ?? 0) - (a.upvotes ?? 0) || (b.publishedAt ?? '').localeCompare(a.publishedAt ?? '') || a.title.localeCompare(b.title);
}

const SNIPPET_MAX = 300;

/**
 * Splits an abstract into sentences, keeping offsets. A sentence ends at `.`, `!` or `?` followed by
 * white space and a capital, digit or bracket, except after abbreviations such as "e.g." or "et al.".
 */
export function sentences(text: string): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  let start = 0;
  for (const m of text.matchAll(/[.!?]+(?=\s|$)/g)) {
    const end = m.index + m[0].length;
    if (end < text.length) {
      if (/(?:\b(?:e\.g|i\.e|et al|vs|etc|cf|approx|resp|Fig|Figs|Eq|Sec|No)\.)$/i.test(text.slice(Math.max(start, end - 8), end))) continue;
      const next = /\S/.exec(text.slice(end))?.[0] ?? '';
      if (!/[\p{Lu}\p{N}([{"'“‘]/u.test(next)) continue;
    }
    if (text.slice(start, end).trim() !== '') out.push({ start, end });
    start = end;
  }
  if (start < text.length && text.slice(start).trim() !== '') out.push({ start, end: text.length });
  return out;
}

/**
 * The abstract sentence that matches the most distinct query terms, with the matching
 * words marked. Falls back to the abstract's opening when nothing matches.
 */
export function snippet(abstract: string, terms: ReadonlySet<string>): Segment[] {
  if (terms.size === 0) return leadSnippet(abstract);
  let best: { start: number; end: number; score: number } | null = null;
  for (const s of sentences(abstract)) {
    const found = new Set<string>();
    for (const w of words(abstract.slice(s.start, s.end))) {
      const t = termOf(w.word);
      if (t && terms.has(t)) found.add(t);
    }
    if (found.size > 0 && (!best || found.size > best.score)) best = { ...s, score: found.size };
  }
  if (!best) return leadSnippet(abstract);
  let { start, end } = best;
  while (start < end && /\s/.test(abstract[start] ?? '')) start++;
  const marks: Array<{ start: number; end: number }> = [];
  for (const w of words(abstract.slice(start, end))) {
    const t = termOf(w.word);
    if (t && terms.has(t)) marks.push({ start: start + w.start, end: start + w.end });
  }
  // Keep long sentences short, centred on the first match.
  let prefix = '';
  let suffix = '';
  if (end - start > SNIPPET_MAX) {
    const first = marks[0]?.start ?? start;
    const from = Math.max(start, Math.min(first - 60, end - SNIPPET_MAX));
    if (from > start) {
      const sp = abstract.indexOf(' ', from);
      start = sp > 0 && sp < first ? sp + 1 : from;
      prefix = '…';
    }
    if (end - start > SNIPPET_MAX) {
      const sp = abstract.lastIndexOf(' ', start + SNIPPET_MAX);
      end = sp > start ? sp : start + SNIPPET_MAX;
      suffix = '…';
    }
  }
  return segmentsOf(abstract, start, end, marks, prefix, suffix);
}

function segmentsOf(text: string, start: number, end: number, marks: ReadonlyArray<{ start: number; end: number }>, prefix: string, suffix: string): Segment[] {
  const out: Segment[] = [];
  let pos = start;
  const push = (s: Segment) => {
    if (s.text !== '') out.push(s);
  };
  if (prefix) push({ text: prefix });
  for (const m of marks) {
    if (m.start < pos || m.end > end) continue;
    push({ text: text.slice(pos, m.start) });
    push({ text: text.slice(m.start, m.end), match: true });
    pos = m.end;
  }
  push({ text: text.slice(pos, end).trimEnd() });
  if (suffix) push({ text: suffix });
  return out;
}

/** The opening of an abstract, cut at a word boundary. */
export function leadSnippet(abstract: string): Segment[] {
  const first = sentences(abstract)[0];
  const end = first ? first.end : abstract.length;
  if (end <= SNIPPET_MAX) return [{ text: abstract.slice(0, end).trim() }];
  const sp = abstract.lastIndexOf(' ', SNIPPET_MAX);
  return [{ text: `${abstract.slice(0, sp > 0 ? sp : SNIPPET_MAX).trim()}…` }];
}

/** Reused rows of {@link editDistance}: the fallbacks call it for thousands of corpus words per query word. */
let rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)] as const;

/** Levenshtein distance (a swap of neighbours counts once) with an early exit above `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  if (rows[0].length <= n) rows = [new Int32Array(n + 1), new Int32Array(n + 1), new Int32Array(n + 1)];
  let [prevPrev, prev, cur] = rows;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    const caBefore = i > 1 ? a.charCodeAt(i - 2) : -1;
    for (let j = 1; j <= n; j++) {
      const cb = b.charCodeAt(j - 1);
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (ca === cb ? 0 : 1));
      // A swap of two neighbours ("nueral") is one edit, not two.
      if (j > 1 && ca === b.charCodeAt(j - 2) && caBefore === cb) v = Math.min(v, (prevPrev[j - 2] ?? 0) + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prevPrev, prev, cur] = [prev, cur, prevPrev];
  }
  return prev[n] ?? max + 1;
}

/**
 * A search hit that reads its paper and computes its snippet on first use. A class, not an object
 * with closures: a common word makes thousands of hits per search, and only a page is read.
 */
class LazyHit implements SearchHit {
  readonly id: string;
  readonly title: string;
  readonly publishedAt: string | null;
  readonly upvotes: number;
  private loaded: Paper | undefined;
  private cachedSnippet: Segment[] | undefined;

  constructor(
    private readonly data: IndexData,
    private readonly doc: number,
    private readonly info: DocInfo,
    public score: number,
    private readonly mask: number | null,
    private readonly terms: readonly string[],
  ) {
    this.id = info.paperId;
    this.title = info.title;
    this.publishedAt = info.publishedAt;
    this.upvotes = info.upvotes;
  }

  get paper(): Paper {
    this.loaded ??= this.data.paper(this.doc) ?? missingPaper(this.info);
    return this.loaded;
  }

  get snippet(): Segment[] {
    this.cachedSnippet ??= this.mask !== null ? snippet(this.paper.abstract, new Set(maskTerms(this.mask, this.terms))) : leadSnippet(this.paper.abstract);
    return this.cachedSnippet;
  }
}

/** A stand-in for a paper removed between ranking and reading it (another process replaced it): its title, no text. */
function missingPaper(info: DocInfo): Paper {
  return {
    id: info.paperId,
    title: info.title,
    abstract: '',
    authors: [],
    authorCount: null,
    org: info.org,
    publishedAt: info.publishedAt,
    upvotes: info.upvotes,
    arxivId: null,
    thumbnail: null,
    sources: [],
  };
}
