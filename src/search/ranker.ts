// The SearchRanker: composes analysis, the spelling fallbacks and the ranking into one bounded search over the corpus data; filters, lazy hits, subject look-ups.
import type { Paper } from '../papers/model.js';
import type { AboutRule, PaperSummary, SearchHit, SearchOutcome } from '../ports.js';
import { isEnglishWord } from './analysis/dictionary.js';
import { americanize } from './analysis/spellings.js';
import { MemoryCorpusData, type CorpusData, type DocInfo } from './corpusData.js';
import { byUpvotesThenDate, LazyHit } from './hits.js';
import { Budget, SEARCH_LIMITS, type SearchWork } from './limits.js';
import { parseQuery, type ParsedQuery, type QueryTerm } from './query.js';
import type { BaseScorer, Scorer } from './ranking/model.js';
import { rankingOptions, type RankingOptions } from './ranking/parameters.js';
import { passesFilters, rankHits, type RankContext } from './ranking/rankHits.js';
import {
  corrections as typoCorrections,
  fuzzyExpansions,
  relatives,
  spellings,
  split as splitJoined,
  suggest as suggestWords,
  type SpellingContext,
} from './spelling/fallbacks.js';
import { vocabFor, type Vocab } from './spelling/vocabulary.js';
import { SubjectPapers } from './subjects.js';
import { warmUpQueries } from './warmUp.js';

export type { SearchHit, SearchOutcome } from '../ports.js';

/** How a {@link SearchRanker} is set up: its clock and time budget, its parameters, and evaluation's scoring hooks. */
export interface RankerOptions {
  /** NOTE: a monotonic clock in milliseconds (`performance.now` by default); tests pass one that jumps. */
  now?: () => number;
  /** The time budget of one search, in milliseconds (default {@link SEARCH_LIMITS}.budgetMs). */
  budgetMs?: number;
  /** Receives each search's work counters (tests and the benchmark). */
  onWork?: (work: SearchWork) => void;
  /** The ranking's parameters (default: `DEFAULT_RANKING` in ranking/parameters.ts, chosen by cross-validation). */
  ranking?: Partial<RankingOptions>;
  /** Evaluation only: another base score in place of BM25F (scripts/lunrScorer.ts's lunr BM25). */
  base?: BaseScorer;
  /** Evaluation only: relevance factors beyond BM25F (scripts/evalScorers.ts). */
  scorers?: readonly Scorer[];
  /**
   * Whether a lowercased word is an ordinary word, which typo correction leaves alone (default:
   * the English word list, {@link isEnglishWord}; tests pass a small one).
   */
  isWord?: (word: string) => boolean;
}

/**
 * The search over corpus data held in memory or persisted in SQLite: typo, split and word-family
 * fallbacks for words the corpus lacks (spelling/), bounded fuzzy matching, the ranking of
 * ranking/ (BM25F, exact-match tiers) and filters. Hits load their paper only when read.
 */
export class SearchRanker {
  private readonly now: () => number;
  private readonly budgetMs: number;
  private readonly onWork: ((work: SearchWork) => void) | undefined;
  private readonly ranking: RankingOptions;
  private readonly isWord: (word: string) => boolean;
  private vocabCache: Vocab | null = null;
  private readonly lex: SpellingContext;
  private readonly ctx: RankContext;
  private readonly subjects: SubjectPapers;

  constructor(
    private readonly data: CorpusData,
    options: RankerOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.budgetMs = options.budgetMs ?? SEARCH_LIMITS.budgetMs;
    this.onWork = options.onWork;
    this.ranking = rankingOptions(options.ranking);
    this.isWord = options.isWord ?? isEnglishWord;
    this.lex = {
      vocab: () => this.vocab(),
      df: (term) => this.df(term),
      termOfWord: (word) => this.data.termOfWord(word),
      options: this.ranking,
      isWord: this.isWord,
    };
    this.subjects = new SubjectPapers(data);
    this.ctx = { data, options: this.ranking, lex: this.lex, base: options.base, scorers: options.scorers ?? [] };
  }

  /** A ranker over papers indexed in memory at once (tests, evaluation, small corpora). */
  static fromPapers(papers: readonly Paper[], options: RankerOptions = {}): SearchRanker {
    return new SearchRanker(new MemoryCorpusData(papers), options);
  }

  get size(): number {
    return this.data.docs;
  }

  private vocab(): Vocab {
    const source = this.data.vocabulary();
    if (!this.vocabCache || this.vocabCache.source !== source) this.vocabCache = vocabFor(source, this.ranking.familyPrefix);
    return this.vocabCache.extend();
  }

  /** Loads what the fallbacks read (the vocabulary, the word list), so the first typo does not pay for it. */
  warm(): void {
    const vocab = this.vocab();
    // NOTE: the first look-up reads the English word list (about 60 ms, 13 MB of heap).
    this.isWord('warm');
    // Searches over the corpus's own words (warmUp.ts), snippets read, so the JIT has compiled every search path before the first user asks.
    for (const text of warmUpQueries(vocab.source.wordList)) {
      const q = parseQuery(text);
      if (q.ok) for (const h of this.search(q.value, 10).hits) void h.snippet;
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
    this.loadFallbacks(q);
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
    this.loadFallbacks(q);
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

  /**
   * Reads what the fallbacks scan (the vocabulary, the English word list) before a search's time budget
   * starts, when a typed word is unknown to the index: a cold read on a busy machine could otherwise
   * spend the budget and cut the fallbacks short, answering with fewer results than a moment later.
   */
  private loadFallbacks(q: ParsedQuery): void {
    if (!q.terms.some((t) => !t.of && !this.has(t.term))) return;
    this.vocab();
    this.isWord('warm');
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
        if (info && passesFilters(info, q) && !banned.has(doc)) docs.push(doc);
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
      const typo = ordinary ? spellings(this.lex, t.word) : typoCorrections(this.lex, t.word, budget, work);
      const split = typo && typo.terms.length === 0 && !ordinary ? splitJoined(this.lex, t.word) : null;
      const family = typo ? relatives(this.lex, t.term, budget, work) : null;
      if (!typo || !family) incomplete = true;
      else tried.add(t.term);
      if (!ordinary) fuzzable.add(t.term);
      if (typo && typo.words.length > 0) corrected.push({ word: t.word, to: typo.words });
      if (split) corrected.push({ word: t.word, to: [split.words.join(' ')] });
      corrections.set(t.term, [...new Set([...(typo?.terms ?? []), ...(split?.terms ?? []), ...(family ?? [])])]);
    }
    let fuzzy = corrected.length > 0;
    let ranked = rankHits(this.ctx, q, corrections, null, want, work, ordered);
    const toFuzz = fallback.filter((t) => fuzzable.has(t.term) && (corrections.get(t.term) ?? []).length === 0);
    const fuzzed = new Set<string>();
    if (ranked.total < Math.max(1, this.ranking.fuzzyWhenFewerThan) && toFuzz.length > 0 && !fuzzy) {
      const expansions = fuzzyExpansions(this.lex, toFuzz, budget, work);
      if (!expansions.complete) incomplete = true;
      if (expansions.terms.size > 0) {
        const more = rankHits(this.ctx, q, corrections, expansions.terms, want, work, ordered);
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

  /** The papers a set of phrases marks as being about a subject (see {@link SubjectPapers}). */
  papersWithPhrases(phrases: ReadonlyArray<readonly string[]>): ReadonlySet<string> {
    return this.subjects.withPhrases(phrases);
  }

  /** The papers about a topic's concepts by `rule` (see `conceptMembers`). */
  papersAbout(concepts: ReadonlyArray<ReadonlyArray<readonly string[]>>, rule: AboutRule): ReadonlySet<string> {
    return this.subjects.about(concepts, rule);
  }

  /** Corpus words closest to `word`, as people write them (for "did you mean"); none for an ordinary word, which is meant as typed. */
  suggest(word: string, limit = 3): string[] {
    return suggestWords(this.lex, word, limit);
  }

  /** Every live paper's id, title and ranking facts. */
  *summaries(): Iterable<PaperSummary> {
    for (const doc of this.data.docNumbers()) {
      const i = this.data.info(doc);
      if (i) yield { id: i.paperId, title: i.title, publishedAt: i.publishedAt, upvotes: i.upvotes };
    }
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
}

/**
 * How many matched ids `matches` keeps in all before starting afresh. NOTE: 8 bytes each, so at most
 * about 16 MB; 200 bench asks at 10,000 papers weigh 1,668 words holding 1.4 million ids.
 */
const MATCH_CACHE_IDS = 2_000_000;
