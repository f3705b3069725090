// npm run eval, part two: how the dev questions are asked through `ask` (extractive answers) for the answer cross-validation, and the search's own top 3 and top 5 beside them.
import type { PickOptions } from '../src/ask/answer.js';
import { candidatesOf, extractive, questionTerms } from '../src/ask/compose.js';
import { route } from '../src/ask/intent.js';
import type { PaperLibrary } from '../src/library.js';

/** A dev question (eval/dev-queries.json). */
export interface DevQuestion {
  id: string;
  type: string;
  query: string;
  relevant: Array<{ title: string; grade: number }>;
}

/** The sentence picker's grid; cross-validation chooses from it (the first value of each is the plainest). */
export const PICK_GRID: { [K in keyof PickOptions]: readonly number[] } = {
  pool: [5, 8, 12],
  maxSentences: [3, 4, 5],
  minScore: [0.3, 0.5, 0.7, 0.85],
  minCoverage: [0.1, 0.2, 0.3],
  paperWeight: [0.5, 1],
  redundancy: [0.5],
  paperCutoff: [0, 0.3, 0.5, 0.7],
};

/** The most papers any grid point draws from: the search runs once per question with this many. */
const MAX_POOL = Math.max(...PICK_GRID.pool);

/**
 * The dev questions ready to answer: each is routed and searched once (the search does not depend
 * on the picker); `answer(i, p)` is the cited titles of question `i`'s extractive answer with picker
 * `p`, grouped by approach as the synthesis path groups it; `searchTop(i, k)` the search's first `k` titles.
 */
export function devAsker(library: PaperLibrary, questions: readonly DevQuestion[], today: string) {
  const corpus = library.corpus();
  const prepared = questions.map((q) => {
    const routed = route(q.query, { today, followUp: false, namesPaper: () => false });
    const page = library.search(routed.text, 0, MAX_POOL);
    return { terms: questionTerms(page.query, page.corrected), candidates: candidatesOf(page), top: page.hits.map((h) => h.title) };
  });
  return {
    answer: (i: number, p: PickOptions): string[] => {
      const q = prepared[i];
      return q ? extractive(q.terms, q.candidates, p, corpus).cited.map((c) => c.title) : [];
    },
    searchTop: (i: number, k: number): string[] => prepared[i]?.top.slice(0, k) ?? [],
  };
}
