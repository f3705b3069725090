// What one search may do whatever the query holds: work caps, the time budget, and the counters that prove the bounds.
import { MAX_QUERY_TERMS } from './query.js';

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

/** A search's time budget. Once spent it stays spent, so a search never resumes half-way through its fallbacks. */
export class Budget {
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
export const CLOCK_EVERY = 1024;
