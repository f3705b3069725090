// Ranking metrics for search evaluation (nDCG@10, MRR@10, Recall@10), as the eval set's README defines them.
import { cleanDisplayText } from '../src/papers/displayText.js';

export interface Judgment {
  title: string;
  grade: number;
}

/**
 * Display-cleaned, NFKC, casefold, collapse whitespace, trim: how eval titles are compared. NOTE: judgments copy
 * the source's title (`H$_2$O: …`) while replies show the cleaned one (`H₂O: …`); both compare as `h2o: …`.
 */
export function normTitle(t: string): string {
  return cleanDisplayText(t).normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Dedupe by normalised title (first occurrence wins) and cut to k. */
export function topK(ranked: readonly string[], k = 10): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of ranked) {
    const n = normTitle(t);
    if (seen.has(n)) continue;
    seen.add(n);
    out.push(n);
    if (out.length === k) break;
  }
  return out;
}

export interface Scores {
  ndcg: number;
  mrr: number;
  recall: number;
  /** MRR counting only grade-2 papers (did it find *the* paper?). */
  mrrTarget: number;
}

export function score(ranked: readonly string[], judgments: readonly Judgment[], k = 10): Scores {
  const grades = new Map(judgments.map((j) => [normTitle(j.title), j.grade]));
  const top = topK(ranked, k);
  let dcg = 0;
  top.forEach((t, i) => {
    dcg += (2 ** (grades.get(t) ?? 0) - 1) / Math.log2(i + 2);
  });
  const ideal = [...judgments]
    .map((j) => j.grade)
    .sort((a, b) => b - a)
    .slice(0, k);
  const idcg = ideal.reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0);
  const firstRel = top.findIndex((t) => (grades.get(t) ?? 0) >= 1);
  const firstTarget = top.findIndex((t) => (grades.get(t) ?? 0) >= 2);
  const relevant = judgments.filter((j) => j.grade >= 1).length;
  const found = top.filter((t) => (grades.get(t) ?? 0) >= 1).length;
  return {
    ndcg: idcg === 0 ? 0 : dcg / idcg,
    mrr: firstRel < 0 ? 0 : 1 / (firstRel + 1),
    recall: relevant === 0 ? 0 : found / relevant,
    mrrTarget: firstTarget < 0 ? 0 : 1 / (firstTarget + 1),
  };
}
