// Judging a candidate: relevance is BM25F times any extra scorers' factors; tiers lift exact title matches, names and full coverage first.
import type { Candidate, QueryModel } from './model.js';
import { titleNames } from './names.js';

export interface Tier {
  name: string;
  /** How far up the tier lifts a candidate (`tierRanks` in parameters.ts). */
  rank(q: QueryModel): number;
  /** `title` is null for papers past the first `titleChecks` (parameters.ts), whose titles are not looked at. */
  accepts(c: Candidate, q: QueryModel, title: string | null): boolean;
}

export const TIERS: readonly Tier[] = [
  // The query is a paper's name: its whole title, or the title's part before the colon (`A-MEM`, `Informer`).
  {
    name: 'exact title',
    rank: (q) => q.options.tierRanks.exactTitle,
    accepts: (c, q, title) =>
      title !== null &&
      q.name !== '' &&
      (c.concepts & q.matchable) === q.matchable &&
      (titleNames(title).name === q.name || titleNames(title).normal === q.name),
  },
  // The query names the paper's organisation or an author ("what did Apple publish").
  { name: 'named', rank: (q) => q.options.tierRanks.named, accepts: (c) => c.named !== 0 },
  // A short query: the papers that have every concept some paper has come before those that miss one.
  {
    name: 'all concepts',
    rank: (q) => q.options.tierRanks.allConcepts,
    accepts: (c, q) => q.matchableCount <= q.options.allConceptsFirstUpTo && q.matchable !== 0 && (c.concepts & q.matchable) === q.matchable,
  },
];

/** Relevance (BM25F times the extra scorers' factors) and tier of a candidate; `title` null skips the tiers that read it. */
export function judge(c: Candidate, q: QueryModel, title: string | null): { relevance: number; tier: number } {
  let relevance = c.bm25;
  for (const s of q.scorers) relevance *= s.factor(c, q);
  let tier = 0;
  for (const t of TIERS) if (t.accepts(c, q, title)) tier += t.rank(q);
  return { relevance, tier };
}
