// The ranking's view of a query: its concepts and their forms, the papers they find, and the per-query model scorers and tiers read.
import type { CorpusView } from '../corpusData.js';
import { normalName } from './names.js';
import type { RankingOptions } from './parameters.js';

/** An index term that counts for some of the query's concepts, and how much it weighs in the query. */
export interface Form {
  term: string;
  weight: number;
  /** Bit mask over the concepts it counts for. NOTE: 32 bits, as many as a query has terms (`MAX_QUERY_TERMS`). */
  concepts: number;
}

/** One thing the query asks for: a typed word, matched by any of its forms. */
export interface Concept {
  word: string;
  required: boolean;
}

/** A query as the ranking sees it. */
export interface RankQuery {
  concepts: readonly Concept[];
  forms: readonly Form[];
  /** Terms that ban a paper that has them in any field. */
  excluded: readonly string[];
  /** The query text as typed (filters and period words out), for exact title matches. */
  text: string;
}

/** A paper the query's terms found, with what each scorer and tier needs. */
export interface Candidate {
  doc: number;
  /** BM25F over the query's forms. */
  bm25: number;
  /** Which concepts it matched (bit mask). */
  concepts: number;
  /** Which concepts it matched as a name in its people field (org, authors), by a word used mostly as a name. */
  named: number;
}

/** Per query: the concepts' IDF weights and whatever the scorers precompute. */
export interface QueryModel {
  options: RankingOptions;
  conceptWeights: readonly number[];
  totalWeight: number;
  /** The mask with every concept that some paper can match, and how many they are. */
  matchable: number;
  matchableCount: number;
  /** The query text normalised like a title's name, for exact matches. */
  name: string;
  /** Relevance factors beyond BM25F (none by default; evaluation adds some, e.g. scripts/evalScorers.ts's coverage). */
  scorers: readonly Scorer[];
}

/**
 * The ranking is a composition of scorers and tiers. A scorer gives each candidate a positive
 * factor and the relevance is their product (a sum of logs, so another retriever's score, or a
 * rank-fusion term such as 1/(60 + rank), can join as one more factor); a tier puts the candidates
 * it accepts before all others, and hits sort by tier, then relevance.
 */
export interface Scorer {
  name: string;
  factor(c: Candidate, q: QueryModel): number;
}

/**
 * A replacement for BM25F as the base score of the forms' matches (evaluation's `base=lunr`): the
 * documents it scores and their scores, in parallel arrays. Which forms each paper matched stays the ranker's.
 */
export type BaseScorer = (forms: readonly Form[], corpus: CorpusView) => { docs: Int32Array; scores: Float64Array };

/** The per-query model the scorers read: concept weights from the forms' IDF. */
export function queryModel(q: RankQuery, idf: ReadonlyMap<string, number>, options: RankingOptions, scorers: readonly Scorer[] = []): QueryModel {
  const conceptWeights = q.concepts.map((_c, i) => {
    let best = 0;
    for (const f of q.forms) if (f.concepts & (1 << i)) best = Math.max(best, f.weight * (idf.get(f.term) ?? 0));
    return best;
  });
  let matchable = 0;
  let matchableCount = 0;
  conceptWeights.forEach((w, i) => {
    if (w > 0) {
      matchable |= 1 << i;
      matchableCount++;
    }
  });
  return { options, scorers, conceptWeights, totalWeight: conceptWeights.reduce((s, w) => s + w, 0), matchable, matchableCount, name: normalName(q.text) };
}
