// npm run eval, part two: the dev questions asked through `ask` (extractive answers), in-sample and cross-validated.
import { DEFAULT_PICK, type PickOptions } from '../src/ask/answer.js';
import { candidatesOf, extractive, questionTerms } from '../src/ask/compose.js';
import { route } from '../src/ask/intent.js';
import type { Library } from '../src/library.js';
import { normTitle } from '../src/search/metrics.js';

interface Question {
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
  content: [0, 1],
};

/** The most papers any grid point draws from: the search runs once per question with this many. */
const MAX_POOL = Math.max(...PICK_GRID.pool);

interface Outcome {
  /** Cited titles, normalised, in citation order. */
  cited: string[];
  /** For find_paper questions: whether the grade-2 paper is among the first three citations. */
  hit3: boolean | null;
  relevantCited: number;
  /** How many papers the question's judgments list as relevant. */
  relevantTotal: number;
}

function gridPoints(): PickOptions[] {
  let out: Array<Record<string, number>> = [{}];
  for (const [k, vs] of Object.entries(PICK_GRID)) out = out.flatMap((p) => vs.map((v) => ({ ...p, [k]: v })));
  return out as unknown as PickOptions[];
}

function outcome(q: Question, citedTitles: readonly string[]): Outcome {
  const cited = citedTitles.map(normTitle);
  const relevant = new Set(q.relevant.map((r) => normTitle(r.title)));
  const target = q.type === 'find_paper' ? q.relevant.find((r) => r.grade === 2) : undefined;
  return {
    cited,
    hit3: target ? cited.slice(0, 3).includes(normTitle(target.title)) : null,
    relevantCited: cited.filter((t) => relevant.has(t)).length,
    relevantTotal: relevant.size,
  };
}

interface Figures {
  hit3: number;
  precision: number;
  citations: number;
  answered: number;
  /** Mean per-question F1 of the cited papers against the judged-relevant ones. */
  f1: number;
}

function figures(os: readonly Outcome[]): Figures {
  const finds = os.filter((o) => o.hit3 !== null);
  const citations = os.reduce((n, o) => n + o.cited.length, 0);
  return {
    hit3: finds.length === 0 ? 0 : finds.filter((o) => o.hit3).length / finds.length,
    precision: citations === 0 ? 0 : os.reduce((n, o) => n + o.relevantCited, 0) / citations,
    citations,
    answered: os.filter((o) => o.cited.length > 0).length,
    f1: os.length === 0 ? 0 : os.reduce((t, o) => t + (o.relevantCited === 0 ? 0 : (2 * o.relevantCited) / (o.cited.length + o.relevantTotal)), 0) / os.length,
  };
}

/**
 * What cross-validation maximises: the find-paper hit rate plus the citations' F1 against the
 * judged-relevant papers, so an answer is rewarded for citing the relevant papers and only them
 * (precision alone is best served by citing one paper).
 */
const objective = (f: Figures) => f.hit3 + f.f1;

const label = (p: PickOptions) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');

/** The find-paper figure (the grade-2 paper among the first three citations), in-sample and LOO-CV. */
export interface AskFigures {
  inSample: number;
  cv: number;
}

/** Prints the ask figures next to the search's own top three for the same questions. */
export function evaluateAsk(library: Library, questions: readonly Question[], today: string): AskFigures {
  const started = performance.now();
  const prepared = questions.map((q) => {
    const routed = route(q.query, { today, followUp: false, namesPaper: () => false });
    const page = library.search(routed.text, 0, MAX_POOL);
    return { terms: questionTerms(page.query, page.corrected), candidates: candidatesOf(page), top: page.hits.map((h) => h.title) };
  });
  const grid = gridPoints();
  const run = (p: PickOptions) =>
    questions.map((q, i) =>
      outcome(
        q,
        extractive(prepared[i]!.terms, prepared[i]!.candidates, p).cited.map((c) => c.title),
      ),
    );
  const matrix = grid.map(run);
  const shipped = run(DEFAULT_PICK);
  // Leave-one-out: each question answered with the point best on the other questions (ties to the earlier point).
  const held: Outcome[] = [];
  const chosen = new Map<number, number>();
  for (let i = 0; i < questions.length; i++) {
    let best = 0;
    let bestValue = -Infinity;
    for (const [k, row] of matrix.entries()) {
      const v = objective(figures(row.filter((_o, j) => j !== i)));
      if (v > bestValue + 1e-9) {
        bestValue = v;
        best = k;
      }
    }
    held.push(matrix[best]![i]!);
    chosen.set(best, (chosen.get(best) ?? 0) + 1);
  }
  let bestAll = 0;
  for (const [k, row] of matrix.entries()) if (objective(figures(row)) > objective(figures(matrix[bestAll]!)) + 1e-9) bestAll = k;

  const search3 = figures(questions.map((q, i) => outcome(q, prepared[i]!.top.slice(0, 3))));
  const top5 = figures(questions.map((q, i) => outcome(q, prepared[i]!.top.slice(0, 5))));
  const fmt = (f: Figures) =>
    `grade-2 in first 3 citations ${f.hit3.toFixed(3)}  citations on relevant papers ${f.precision.toFixed(3)} F1 ${f.f1.toFixed(3)} (${f.citations} citations, ${f.answered}/${questions.length} answered)`;
  console.log('');
  console.log(`Ask evaluation (extractive answers, ${questions.length} questions; find_paper n=${questions.filter((q) => q.type === 'find_paper').length})`);
  console.log(`Picker: ${label(DEFAULT_PICK)} (src/ask/answer.ts DEFAULT_PICK)`);
  console.log(`ask          in-sample ${fmt(figures(shipped))}`);
  console.log(`ask          LOO-CV    ${fmt(figures(held))}`);
  console.log(`search top 3 (as citations)  ${fmt(search3)}`);
  console.log(`search top 5 (cite the top 5) ${fmt(top5)}`);
  console.log(`LOO-CV: each question answered with the picker point best on the other ${questions.length - 1} (${grid.length} points).`);
  for (const [k, n] of [...chosen].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`  chosen by ${String(n).padStart(2)} folds: ${label(grid[k]!)}`);
  console.log(`Best picker point on all questions: ${label(grid[bestAll]!)} (${fmt(figures(matrix[bestAll]!))})`);
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return { inSample: figures(shipped).hit3, cv: figures(held).hit3 };
}
