// Relevance factors only evaluation tries (cross-validation has not chosen them for the shipped ranking): coverage of the query's concepts.
import type { Candidate, QueryModel, Scorer } from '../src/search/ranking/model.js';

/** The IDF-weighted share of the query's concepts a candidate matched (a coordination factor, as in Lucene's classic scorer). */
export function coverage(c: Candidate, q: QueryModel): number {
  if (q.totalWeight <= 0) return 1;
  let covered = 0;
  q.conceptWeights.forEach((w, i) => {
    if (c.concepts & (1 << i)) covered += w;
  });
  return covered / q.totalWeight;
}

/** The coverage factor raised to `power` (eval's `coveragePower`; 0 is the shipped ranking, which has no such factor). */
export function coverageScorer(power: number): Scorer {
  return { name: 'coverage', factor: (c, q) => coverage(c, q) ** power };
}
