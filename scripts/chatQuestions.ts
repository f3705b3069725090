// The chat question set (eval/chat-questions.json): its schema, and the per-question scores npm run eval reports by shape.
import { z } from 'zod';
import { normTitle } from './metrics.js';

/** The question shapes the set covers, in the order the eval prints them. */
export const SHAPES = ['list', 'count', 'synthesis', 'compare', 'new'] as const;
export type Shape = (typeof SHAPES)[number];

export const chatQuestionSchema = z
  .object({
    id: z.string().regex(/^C\d{2}$/),
    shape: z.enum(SHAPES),
    question: z.string().min(1),
    relevant: z.array(z.object({ title: z.string().min(1), grade: z.union([z.literal(1), z.literal(2)]) })).min(1),
    /** Count questions only: how many papers are clearly relevant (the grade-2 ones). */
    clearlyRelevant: z.number().int().nonnegative().optional(),
  })
  .strict()
  .refine((q) => (q.shape === 'count') === (q.clearlyRelevant !== undefined), { message: 'clearlyRelevant is given exactly on count questions' })
  .refine((q) => q.clearlyRelevant === undefined || q.clearlyRelevant === q.relevant.filter((r) => r.grade === 2).length, {
    message: 'clearlyRelevant is the number of grade-2 papers',
  });
export const chatQuestionsSchema = z.array(chatQuestionSchema);
export type ChatQuestion = z.infer<typeof chatQuestionSchema>;

/** The (up to five) most relevant papers cited are the most an answer can be credited with. */
export const TOP_RELEVANT = 5;

/** What one answer scored. */
export interface ChatOutcome {
  cited: number;
  relevantCited: number;
  /** Share of the (up to five) most relevant papers cited: grade-2 papers first, grade 1 filling the rest. */
  topShare: number;
  /** Count questions: whether the count shown lies within [clearly relevant, 2 × relevant]; null for other shapes. */
  countOk: boolean | null;
}

/**
 * Scores one answer: the titles it cites (in order) and the count it states (null when it states none).
 * The five most relevant papers are any five grade-2 papers (they rank alike), topped up with grade-1
 * ones when fewer than five are grade 2; citing more grade-2 papers than that earns nothing extra.
 */
export function scoreChat(q: ChatQuestion, citedTitles: readonly string[], count: number | null): ChatOutcome {
  const cited = [...new Set(citedTitles.map(normTitle))];
  const grade = new Map(q.relevant.map((r) => [normTitle(r.title), r.grade]));
  const g2 = q.relevant.filter((r) => r.grade === 2).length;
  const k2 = Math.min(TOP_RELEVANT, g2);
  const k1 = Math.min(TOP_RELEVANT - k2, q.relevant.length - g2);
  const cited2 = cited.filter((t) => grade.get(t) === 2).length;
  const cited1 = cited.filter((t) => grade.get(t) === 1).length;
  const credit = Math.min(k2, cited2) + Math.min(k1, cited1);
  return {
    cited: cited.length,
    relevantCited: cited2 + cited1,
    topShare: k2 + k1 === 0 ? 0 : credit / (k2 + k1),
    countOk: q.shape === 'count' ? count !== null && count >= g2 && count <= 2 * q.relevant.length : null,
  };
}

export interface ChatFigures {
  n: number;
  /** Share of all cited papers that are judged relevant (over the questions' citations together). */
  precision: number;
  citations: number;
  topShare: number;
  /** Null when the questions hold no count question. */
  countAccuracy: number | null;
}

export function chatFigures(os: readonly ChatOutcome[]): ChatFigures {
  const citations = os.reduce((n, o) => n + o.cited, 0);
  const counts = os.filter((o) => o.countOk !== null);
  return {
    n: os.length,
    precision: citations === 0 ? 0 : os.reduce((n, o) => n + o.relevantCited, 0) / citations,
    citations,
    topShare: os.length === 0 ? 0 : os.reduce((t, o) => t + o.topShare, 0) / os.length,
    countAccuracy: counts.length === 0 ? null : counts.filter((o) => o.countOk).length / counts.length,
  };
}
