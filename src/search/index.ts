// The search: a query's words and their fallbacks (typo, split, word family, bounded fuzzy), ranked by rank.ts's scorers and tiers; filters and lazy hits.
import type { Paper } from '../papers/model.js';
import type { AboutRule, PaperSummary, SearchHit, SearchOutcome } from '../ports.js';
import type { Segment } from '../reply.js';
import { MemoryIndexData, conceptMembers, subjectKey, subjectMembers, type DocInfo, type IndexData, type Vocabulary } from './indexData.js';
import { MAX_QUERY_TERMS, parseQuery, type ParsedQuery, type QueryTerm } from './query.js';
import { judge, queryModel, rankingOptions, scoreForms, TITLE_CHECKS, type Candidate, type Concept, type Form, type RankingOptions } from './rank.js';
import { isEnglishWord } from './analysis/dictionary.js';
import { americanize, spellingVariants } from './analysis/spellings.js';
import { termOf } from './analysis/terms.js';
import { words } from './analysis/tokenizer.js';

export type { SearchHit, SearchOutcome } from '../ports.js';

/**
 * What one search may do, whatever the query holds (STYLE habit 17). With the caps on word length
 * (`MAX_TERM_LENGTH`) and on terms (`MAX_QUERY_TERMS`), every search scores a bounded number of
 * terms and compares each fallback word against the corpus vocabulary at most a few times.
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
 * Upper bound on the terms one run scores: each query term, and per fallback word at most two
 * typo corrections, a two-word split, two word-family terms and the fuzzy expansions.
 */
export const MAX_CLAUSES_PER_RUN = MAX_QUERY_TERMS + SEARCH_LIMITS.fallbackWords * (2 + 2 + 2 + SEARCH_LIMITS.fuzzyTerms);

/** How much work one search did: counters, not timings, so tests can check the bounds without flaking. */
export interface SearchWork {
  /** Terms scored (typed words, their guessed forms and fuzzy expansions, exclusions), over every run of the search (at most two). */
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
  /** The ranking's parameters (default: `DEFAULT_RANKING` in rank.ts, chosen by cross-validation). */
  ranking?: Partial<RankingOptions>;
  /**
   * Whether a lowercased word is an ordinary word, which typo correction leaves alone (default:
   * the English word list, {@link isEnglishWord}; tests pass a small one).
   */
  isWord?: (word: string) => boolean;
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

/** A corpus word as people write it, its index term, and where it was first seen (ties break by that, as they always did). */
interface SurfaceWord {
  word: string;
  term: string;
  order: number;
  /** {@link letterMask} of the word. */
  mask: number;
}

/**
 * Which of 31 letter classes (a–z, digits, anything else folded in) a word contains. One edit changes
 * at most two classes (a substitution drops one and adds one; a swap none), so two words whose masks
 * differ in more than `2 · max` classes are more than `max` edits apart: the typo scans skip them
 * without computing a distance.
 */
export function letterMask(word: string): number {
  let m = 0;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    m |= 1 << (c >= 97 && c <= 122 ? c - 97 : c >= 48 && c <= 57 ? 26 + (c % 4) : 30);
  }
  return m;
}

/** Bits set in a 32-bit mask. */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** False when the masks prove the words more than `max` edits apart (see {@link letterMask}). */
export const mayBeWithin = (a: number, b: number, max: number): boolean => popcount(a ^ b) <= 2 * max;

/**
 * The vocabulary in the shapes the fallbacks scan, derived from the index data's vocabulary and
 * extended in place as it grows (new papers add words; nothing is rebuilt on the event loop).
 */
class Vocab {
  /** Surface words by length, so a typo is compared only with words of about its length. */
  readonly surfaceByLength: SurfaceWord[][] = [];
  /** Index terms by length, for fuzzy matching. */
  readonly termsByLength: string[][] = [];
  /** {@link letterMask} of each term in `termsByLength`, at the same place. */
  readonly termMasksByLength: number[][] = [];
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
      (this.surfaceByLength[word.length] ??= []).push({ word, term, order: this.words, mask: letterMask(word) });
    }
    for (; this.terms < terms.length; this.terms++) {
      const t = terms[this.terms] as string;
      (this.termsByLength[t.length] ??= []).push(t);
      (this.termMasksByLength[t.length] ??= []).push(letterMask(t));
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
 * The search over index data held in memory or persisted in SQLite: typo, split and word-family
 * fallbacks for words the corpus lacks, bounded fuzzy matching, the ranking of `rank.ts` (BM25F,
 * coverage, exact-match tiers) and filters. Hits load their paper only when read.
 */
export class SearchRanker {
  private readonly now: () => number;
  private readonly budgetMs: number;
  private readonly onWork: ((work: SearchWork) => void) | undefined;
  private readonly ranking: RankingOptions;
  private readonly isWord: (word: string) => boolean;
  private vocabCache: Vocab | null = null;

  constructor(
    private readonly data: IndexData,
    options: SnapshotOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.budgetMs = options.budgetMs ?? SEARCH_LIMITS.budgetMs;
    this.onWork = options.onWork;
    this.ranking = rankingOptions(options.ranking);
    this.isWord = options.isWord ?? isEnglishWord;
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

  /** Loads what the fallbacks read (the vocabulary, the word list), so the first typo does not pay for it. */
  warm(): void {
    const vocab = this.vocab();
    // NOTE: the first look-up reads the English word list (about 60 ms, 13 MB of heap).
    this.isWord('warm');
    // A few searches over the corpus's own words run every path once (plain, joined words, a typo's
    // fallbacks), so the JIT has compiled them before the first user asks (30–40 ms saved on it).
    const [a, b] = vocab.source.wordList.slice(0, 2).map(([w]) => w);
    if (!a || !b) return;
    for (const text of [`${a} ${b}`, `${a}-${b}`, `${a}zq ${b}`, `-${a} ${b}`]) {
      const q = parseQuery(text);
      if (q.ok) this.search(q.value, 10);
    }
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

  /**
   * The best `want` hits for a parsed query (all of them when `want` is omitted), best first, and
   * how many there are; filters applied; never throws on user text; bounded work (see
   * {@link SEARCH_LIMITS}). A page needs only its top hits: every match is scored and counted, but
   * only the best are sorted and made into hits.
   */
  search(q: ParsedQuery, want?: number): SearchOutcome {
    const work: SearchWork = { clauses: 0, fuzzyTerms: 0, compared: 0, fallbackWords: 0 };
    try {
      return this.searchWithin(q, want ?? Infinity, new Budget(this.now, this.budgetMs), work, true);
    } finally {
      this.onWork?.(work);
    }
  }

  /**
   * Ids of every paper `search` finds for the query, in no particular order: the same matches (with
   * the same fallbacks), neither scored nor sorted. What weighing a word by who holds it needs, at a
   * fraction of a full ranking's cost.
   */
  matches(q: ParsedQuery): readonly string[] {
    const key = JSON.stringify(q);
    if (this.matchCache.version !== this.data.version) this.matchCache = { version: this.data.version, ids: new Map(), held: 0 };
    const cached = this.matchCache.ids.get(key);
    if (cached) return cached;
    const work: SearchWork = { clauses: 0, fuzzyTerms: 0, compared: 0, fallbackWords: 0 };
    try {
      const found = this.searchWithin(q, Infinity, new Budget(this.now, this.budgetMs), work, false);
      const ids = found.hits.map((h) => h.id);
      // NOTE: matches cut short by the time budget are not kept; the next ask may find them all.
      if (!found.incomplete) {
        if (this.matchCache.held + ids.length > MATCH_CACHE_IDS) this.matchCache = { version: this.data.version, ids: new Map(), held: 0 };
        this.matchCache.ids.set(key, ids);
        this.matchCache.held += ids.length;
      }
      return ids;
    } finally {
      this.onWork?.(work);
    }
  }

  /** `matches` by query until the index changes: an ask weighs dozens of words, most of them weighed by earlier asks. */
  private matchCache: { version: number; ids: Map<string, readonly string[]>; held: number } = { version: -1, ids: new Map(), held: 0 };

  private searchWithin(q: ParsedQuery, want: number, budget: Budget, work: SearchWork, ordered: boolean): SearchOutcome {
    const unknownTerms = q.terms.filter((t) => !this.has(t.term));
    const unknown = unknownTerms.map((t) => t.word);
    if (q.terms.length === 0) {
      const banned = this.mentioning(q.excluded, work);
      const docs: number[] = [];
      for (const doc of this.data.docNumbers()) {
        const info = this.data.info(doc);
        if (info && this.passesFilters(info, q) && !banned.has(doc)) docs.push(doc);
      }
      const infos = docs.map((doc) => ({ doc, info: this.data.info(doc) as DocInfo }));
      if (ordered) infos.sort((a, b) => byUpvotesThenDate(a.info, b.info));
      const hits = infos.slice(0, want).map(({ doc }) => this.hit(doc, 0, null));
      return { hits, total: docs.length, fuzzy: false, corrected: [], unknown, incomplete: false };
    }
    // Only the first few unknown words get fallbacks; the rest are searched as typed, and the outcome says so.
    // Parts of joined words and abbreviations stand for typed words, which get the fallbacks instead.
    const typedUnknown = unknownTerms.filter((t) => !t.of);
    const fallback = typedUnknown.slice(0, SEARCH_LIMITS.fallbackWords);
    let incomplete = typedUnknown.length > fallback.length;
    const corrections = new Map<string, string[]>();
    const corrected: SearchOutcome['corrected'] = [];
    /** Unknown words whose fallbacks all ran (not cut short by the budget). */
    const tried = new Set<string>();
    /** Unknown words the fuzzy run may expand: not ordinary words. */
    const fuzzable = new Set<string>();
    for (const t of fallback) {
      if (budget.spent()) {
        incomplete = true;
        break;
      }
      work.fallbackWords++;
      // An ordinary word is meant as typed, not a typo of a corpus word ("week" is not "weak"): only its other
      // spellings (`artefacts` → `artifacts`) and its word family are tried.
      const ordinary = this.isWord(americanize(t.word.toLowerCase()));
      const typo = ordinary ? this.spellings(t.word) : this.corrections(t.word, budget, work);
      const split = typo && typo.terms.length === 0 && !ordinary ? this.split(t.word) : null;
      const family = typo ? this.relatives(t.term, budget, work) : null;
      if (!typo || !family) incomplete = true;
      else tried.add(t.term);
      if (!ordinary) fuzzable.add(t.term);
      if (typo && typo.words.length > 0) corrected.push({ word: t.word, to: typo.words });
      if (split) corrected.push({ word: t.word, to: [split.words.join(' ')] });
      corrections.set(t.term, [...new Set([...(typo?.terms ?? []), ...(split?.terms ?? []), ...(family ?? [])])]);
    }
    let fuzzy = corrected.length > 0;
    let ranked = this.rank(q, corrections, null, want, work, ordered);
    const toFuzz = fallback.filter((t) => fuzzable.has(t.term) && (corrections.get(t.term) ?? []).length === 0);
    const fuzzed = new Set<string>();
    if (ranked.total < Math.max(1, this.ranking.fuzzyWhenFewerThan) && toFuzz.length > 0 && !fuzzy) {
      const expansions = this.fuzzyExpansions(toFuzz, budget, work);
      if (!expansions.complete) incomplete = true;
      if (expansions.terms.size > 0) {
        const more = this.rank(q, corrections, expansions.terms, want, work, ordered);
        if (more.total > ranked.total) {
          ranked = more;
          fuzzy = true;
          for (const t of expansions.terms.keys()) fuzzed.add(t);
        }
      }
    }
    // NOTE: a word every fallback tried that still matches nothing is listed with no forms, so the reply can name it.
    for (const t of fallback) {
      if (tried.has(t.term) && (corrections.get(t.term) ?? []).length === 0 && !fuzzed.has(t.term)) corrected.push({ word: t.word, to: [] });
    }
    const hits = ranked.hits.map((r) => this.hit(r.doc, r.score, ranked.terms));
    return { hits, total: ranked.total, fuzzy, corrected, unknown, incomplete };
  }

  /**
   * A hit whose paper is loaded, and whose snippet is computed, only when read: callers show a
   * page of hits, not all of them. The snippet marks the query's `terms` found in the abstract;
   * null gives the abstract's opening.
   */
  private hit(doc: number, score: number, terms: ReadonlySet<string> | null): SearchHit {
    return new LazyHit(this.data, doc, this.data.info(doc) as DocInfo, score, terms);
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

  /** The papers about a topic's concepts by `rule` (see `conceptMembers`), cached like {@link papersWithPhrases}. */
  papersAbout(concepts: ReadonlyArray<ReadonlyArray<readonly string[]>>, rule: AboutRule): ReadonlySet<string> {
    const key = JSON.stringify([concepts, rule.mentions, rule.share]);
    if (this.phraseCache.version !== this.data.version) this.phraseCache = { version: this.data.version, sets: new Map() };
    const cached = this.phraseCache.sets.get(key);
    if (cached) return cached;
    const out = new Set<string>();
    for (const doc of conceptMembers(this.data, concepts, rule)) {
      const info = this.data.info(doc);
      if (info) out.add(info.paperId);
    }
    this.phraseCache.sets.set(key, out);
    return out;
  }

  /** Every live paper's id, title and ranking facts. */
  *summaries(): Iterable<PaperSummary> {
    for (const doc of this.data.docNumbers()) {
      const i = this.data.info(doc);
      if (i) yield { id: i.paperId, title: i.title, publishedAt: i.publishedAt, upvotes: i.upvotes };
    }
  }

  /** Corpus words closest to `word`, as people write them (for "did you mean"); none for an ordinary word, which is meant as typed. */
  suggest(word: string, limit = 3): string[] {
    const target = americanize(word.toLowerCase());
    if (target.length > SEARCH_LIMITS.fuzzyWordLength || this.isWord(target)) return [];
    const max = target.length >= 6 ? 3 : 2;
    const scored: Array<[string, number, number]> = [];
    const mask = letterMask(target);
    for (let len = Math.max(3, target.length - max); len <= target.length + max; len++) {
      for (const { word: candidate, term, mask: m } of this.vocab().surfaceByLength[len] ?? []) {
        if (!mayBeWithin(m, mask, max)) continue;
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
    const mask = letterMask(w);
    for (let len = w.length - max; len <= w.length + max; len++) {
      for (const s of surfaceByLength[len] ?? []) {
        if (++work.compared % CLOCK_EVERY === 0 && budget.spent()) return null;
        if (!mayBeWithin(s.mask, mask, max)) continue;
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

  /** The corpus words among an ordinary word's other spellings (see {@link spellingVariants}), with their terms. */
  private spellings(word: string): { terms: string[]; words: string[] } {
    const { surface } = this.vocab();
    const words = spellingVariants(americanize(word.toLowerCase())).filter((v) => surface.has(v));
    return { terms: words.map((v) => surface.get(v) as string), words };
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
      const { termsByLength, termMasksByLength } = this.vocab();
      const mask = letterMask(t.term);
      for (let len = Math.max(1, t.term.length - max); len <= t.term.length + max; len++) {
        const masks = termMasksByLength[len] ?? [];
        const list = termsByLength[len] ?? [];
        for (let k = 0; k < list.length; k++) {
          if (++work.compared % CLOCK_EVERY === 0 && budget.spent()) return { terms: out, complete: false };
          if (!mayBeWithin(masks[k] as number, mask, max)) continue;
          const v = list[k] as string;
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

  /**
   * The query as the ranking sees it: one concept per typed word, matched by its own term (when
   * the corpus has it), its guessed forms (corrections, split, word family) and fuzzy expansions,
   * and by the parts and abbreviations that stand for it.
   */
  private rankQuery(
    q: ParsedQuery,
    corrections: ReadonlyMap<string, string[]>,
    expansions: ReadonlyMap<string, string[]> | null,
  ): { concepts: Concept[]; forms: Form[] } {
    const options = this.ranking;
    const typed = q.terms.filter((t) => !t.of);
    const required = new Set(q.required.map((t) => t.term));
    const index = new Map(typed.map((t, i) => [t.term, i]));
    const concepts: Concept[] = typed.map((t) => ({ word: t.word, required: required.has(t.term) }));
    const forms = new Map<string, Form>();
    const add = (term: string, weight: number, mask: number) => {
      const f = forms.get(term);
      if (f) {
        f.weight = Math.max(f.weight, weight);
        f.concepts |= mask;
      } else forms.set(term, { term, weight, concepts: mask });
    };
    for (const t of q.terms) {
      if (t.of) {
        const mask = t.of.reduce((m, of) => (index.has(of) ? m | (1 << (index.get(of) as number)) : m), 0);
        if (mask !== 0 && this.has(t.term)) add(t.term, 1, mask);
        continue;
      }
      const bit = 1 << (index.get(t.term) as number);
      if (this.has(t.term)) {
        add(t.term, 1, bit);
        // Its other spellings meet it, as British and American ones do (`dialogue` also finds `dialog`).
        for (const v of this.spellings(t.word).terms) add(v, 1, bit);
        continue;
      }
      for (const c of corrections.get(t.term) ?? []) add(c, options.correctionWeight, bit);
      for (const c of expansions?.get(t.term) ?? []) add(c, options.fuzzyWeight, bit);
    }
    return { concepts, forms: [...forms.values()] };
  }

  /**
   * The best `want` papers the query finds, filters applied, best first, and how many it finds:
   * the forms scored by rank.ts, every match judged, then only the best sorted by tier and relevance.
   * Not `ordered`: every match, unjudged and unsorted, each with score 0.
   */
  private rank(
    q: ParsedQuery,
    corrections: ReadonlyMap<string, string[]>,
    expansions: ReadonlyMap<string, string[]> | null,
    want: number,
    work: SearchWork,
    ordered = true,
  ): { hits: Array<{ doc: number; score: number }>; total: number; terms: ReadonlySet<string> } {
    const { concepts, forms } = this.rankQuery(q, corrections, expansions);
    const terms = new Set(forms.map((f) => f.term));
    // NOTE: nothing to look for means no hits (lunr would answer every document).
    if (forms.length === 0) return { hits: [], total: 0, terms };
    work.clauses += forms.length + q.excluded.length;
    const query = { concepts, forms, excluded: q.excluded.map((t) => t.term), text: q.text };
    const { candidates, idf } = scoreForms(query, this.data, this.ranking);
    const model = queryModel(query, idf, this.ranking);
    // A quoted word must match (by any of its forms); one that nothing can match leaves no hits.
    let requiredMask = 0;
    concepts.forEach((c, i) => {
      if (c.required) requiredMask |= 1 << i;
    });
    if ((requiredMask & model.matchable) !== requiredMask) return { hits: [], total: 0, terms };
    const filtered = Boolean(q.since || q.until || q.org);
    const kept: Candidate[] = [];
    const relevance: number[] = [];
    const tiers: number[] = [];
    let top = 0;
    for (const c of candidates) {
      if ((c.concepts & requiredMask) !== requiredMask) continue;
      // NOTE: postings hold live documents only, so without filters no document row is read here.
      if (filtered) {
        const info = this.data.info(c.doc);
        if (!info || !this.passesFilters(info, q)) continue;
      }
      kept.push(c);
      if (!ordered) continue;
      const j = judge(c, model, null);
      relevance.push(j.relevance);
      tiers.push(j.tier);
      if (j.relevance > top) top = j.relevance;
    }
    const total = kept.length;
    if (!ordered) return { hits: kept.flatMap((c) => (this.data.info(c.doc) ? [{ doc: c.doc, score: 0 }] : [])), total, terms };
    // The score orders hits across tiers: the tier plus relevance scaled into (0, 1].
    const scoreOf = (i: number) => (tiers[i] as number) + (top > 0 ? (relevance[i] as number) / top : 1);
    // Only the best `max(want, TITLE_CHECKS)` by score are sorted (ties at the cut included); the
    // title tiers look at the first TITLE_CHECKS of them, as they would in a full sort.
    const keep = Math.max(want === Infinity ? total : want, TITLE_CHECKS);
    let chosen: number[];
    if (keep >= total) chosen = kept.map((_c, i) => i);
    else {
      const scores = new Float64Array(total);
      for (let i = 0; i < total; i++) scores[i] = scoreOf(i);
      const cut = scores.slice().sort()[total - keep] as number;
      chosen = [];
      for (let i = 0; i < total; i++) if ((scores[i] as number) >= cut) chosen.push(i);
    }
    const rows = chosen.flatMap((i) => {
      const c = kept[i] as Candidate;
      const info = this.data.info(c.doc);
      return info ? [{ c, relevance: relevance[i] as number, tier: tiers[i] as number, info }] : [];
    });
    const order = (a: (typeof rows)[number], b: (typeof rows)[number]) => b.tier - a.tier || b.relevance - a.relevance || byUpvotesThenDate(a.info, b.info);
    rows.sort(order);
    let lifted = false;
    for (const r of rows.slice(0, TITLE_CHECKS)) {
      const tier = judge(r.c, model, r.info.title).tier;
      lifted ||= tier !== r.tier;
      r.tier = tier;
    }
    if (lifted) rows.sort(order);
    const shown = want === Infinity ? rows : rows.slice(0, want);
    return { hits: shown.map((r) => ({ doc: r.c.doc, score: r.tier + (top > 0 ? r.relevance / top : 1) })), total, terms };
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
 * How many matched ids `matches` keeps in all before starting afresh. NOTE: 8 bytes each, so at most
 * about 16 MB; 200 bench asks at 10,000 papers weigh 1,668 words holding 1.4 million ids.
 */
const MATCH_CACHE_IDS = 2_000_000;

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
    private readonly terms: ReadonlySet<string> | null,
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
    this.cachedSnippet ??= this.terms ? snippet(this.paper.abstract, this.terms) : leadSnippet(this.paper.abstract);
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
