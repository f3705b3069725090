// Every number that shapes what a search finds and how it ranks, in one object that `npm run eval` cross-validates.
import type { Field } from '../document.js';

/**
 * The search's parameters. The defaults are what leave-one-out cross-validation over the
 * development questions chose from a small grid (`npm run eval` prints the grid, the choice per
 * fold and the cross-validated scores); change them only through that. The ranker takes them
 * with some fields overridden (`RankerOptions.ranking`); code outside the ranker (snippets, the
 * paper look-up) reads {@link DEFAULT_RANKING}. What bounds a search's work, whatever the query,
 * is `SEARCH_LIMITS` (limits.ts): caps, not tuning.
 */
export interface RankingOptions {
  /**
   * BM25F weight of a term occurrence in each field, applied before saturation (Robertson &
   * Zaragoza 2009), so a word in title and abstract is one strong match, not two half ones.
   */
  fieldWeights: Readonly<Record<Field, number>>;
  /**
   * BM25 length normalisation (b) per field. NOTE: `people` (authors, org) is a list of names, not
   * prose, and empty for most papers; normalising it by its average length would make an org
   * name nearly worthless, so it is not normalised.
   */
  lengthNorm: Readonly<Record<Field, number>>;
  /** BM25 term-frequency saturation. */
  k1: number;
  /** A query of at most this many concepts ranks the papers that have every one of them first (0: never). */
  allConceptsFirstUpTo: number;
  /**
   * How far up each tier lifts a paper (tiers.ts). Powers of two that add up: a higher tier always
   * wins, lower ones order papers within it.
   */
  tierRanks: Readonly<{ exactTitle: number; named: number; allConcepts: number }>;
  /**
   * How many of the best papers the exact-title tier looks at: a paper named like the query has the
   * query's words in a short title, so it is among them, and no search normalises every title.
   */
  titleChecks: number;
  /** Query weight of a guessed form of an unknown word (typo correction, split, word family), a typed word being 1. */
  correctionWeight: number;
  /** Query weight of a fuzzy expansion (the last resort for unknown words). */
  fuzzyWeight: number;
  /** Fuzzy expansion runs when the other forms find fewer hits than this (at least 1: when nothing is found). */
  fuzzyWhenFewerThan: number;
  /** The shortest word typo correction tries (shorter words are one edit from too many others). */
  typoMinLength: number;
  /** Words this long or longer are corrected and fuzzy-matched at two edits, shorter ones at one. */
  twoEditsFrom: number;
  /** How many corrections of one typo are searched, most common first. */
  typoTerms: number;
  /** The shortest half of a run-together word that the split fallback accepts (`kvcache` → `kv cache`). */
  splitMinPart: number;
  /** Letters a word family's members share at the start (investor/invest). */
  familyPrefix: number;
  /** The shortest term that gets word-family relatives. */
  familyMinLength: number;
  /** The most letters a relative may differ in length. */
  familyLengthGap: number;
  /** How many relatives of one word are searched, most common first. */
  familyTerms: number;
  /** The shortest unknown word that is fuzzy-matched (too many short words are one edit apart). */
  fuzzyMinLength: number;
  /** "Did you mean": the shortest corpus word suggested, and the edits allowed (more from `suggestLongFrom` letters). */
  suggestMinLength: number;
  suggestEdits: number;
  suggestEditsLong: number;
  suggestLongFrom: number;
  /** NOTE: characters. The longest snippet, and how much of the sentence before its first match a cut snippet keeps. */
  snippetMaxChars: number;
  snippetLeadChars: number;
  /** Paper look-up by text: the shortest text that may match as a title prefix. */
  titlePrefixMinLength: number;
  /** Paper look-up by text: runners-up scoring at least this share of the best hit join the pick list, at most `pickListSize`. */
  closeHitShare: number;
  pickListSize: number;
}

export const DEFAULT_RANKING: RankingOptions = {
  fieldWeights: { title: 3, abstract: 1, people: 3 },
  lengthNorm: { title: 0.75, abstract: 0.75, people: 0 },
  k1: 1.2,
  allConceptsFirstUpTo: 3,
  tierRanks: { exactTitle: 4, named: 2, allConcepts: 1 },
  titleChecks: 100,
  correctionWeight: 1,
  fuzzyWeight: 0.5,
  fuzzyWhenFewerThan: 1,
  typoMinLength: 4,
  twoEditsFrom: 8,
  typoTerms: 2,
  splitMinPart: 2,
  familyPrefix: 5,
  familyMinLength: 6,
  familyLengthGap: 3,
  familyTerms: 2,
  fuzzyMinLength: 5,
  suggestMinLength: 3,
  suggestEdits: 2,
  suggestEditsLong: 3,
  suggestLongFrom: 6,
  snippetMaxChars: 300,
  snippetLeadChars: 60,
  titlePrefixMinLength: 4,
  closeHitShare: 0.75,
  pickListSize: 5,
};

/** Options with some fields given, the rest from {@link DEFAULT_RANKING}. */
export function rankingOptions(over: Partial<RankingOptions> = {}): RankingOptions {
  return { ...DEFAULT_RANKING, ...over };
}
