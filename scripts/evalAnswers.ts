// npm run eval, the answers: one leave-one-out cross-validation of the ask parameters (sentence picker, list answers, count rule) over the dev and chat questions together, scored per shape.
import { DEFAULT_PICK, type PickOptions } from '../src/ask/answer.js';
import { DEFAULT_LIST, type ListOptions } from '../src/ask/list.js';
import { DEFAULT_TOPIC, type TopicOptions } from '../src/library.js';
import type { Paper } from '../src/papers/model.js';
import { normTitle } from './metrics.js';
import { SHAPES, scoreChat, type ChatOutcome, type ChatQuestion } from './chatQuestions.js';
import { CHAT_NOW, chatAsker } from './evalChat.js';
import { PICK_GRID, devAsker, type DevQuestion } from './evalAsk.js';

/**
 * The list answers' grid: the relevance cut-off (a share of the best hit's score) and what "new" means
 * in days. The first value of each is the one chosen by hand before (half the top score, a year).
 */
export const LIST_GRID: { [K in 'cutoff' | 'recentDays']: readonly number[] } = {
  cutoff: [0.5, 0.3, 0.7],
  recentDays: [365, 180, 730],
};

/**
 * The topic rule's grid (`TopicOptions.mentions`, `share`, `newestMentions` in src/library.ts): when a
 * paper is about free words, which is what a count counts and a "what's new" list draws from. The
 * first value of each is the plainest (the rule before concepts: every word, twice).
 */
export const COUNT_RULE_GRID: { [K in RuleKey]: readonly number[] } = {
  mentions: [2, 1, 3],
  share: [1, 0.75, 0.6],
  newestMentions: [2, 1, 3],
};

type RuleKey = 'mentions' | 'share' | 'newestMentions';
type Point = PickOptions & Pick<ListOptions, 'cutoff' | 'recentDays'> & Pick<TopicOptions, RuleKey>;
const PICK_KEYS = Object.keys(PICK_GRID) as Array<keyof PickOptions>;
const LIST_KEYS = Object.keys(LIST_GRID) as Array<'cutoff' | 'recentDays'>;
const RULE_KEYS = Object.keys(COUNT_RULE_GRID) as RuleKey[];

/** Every parameter the folds choose, with its values, in grid order (the first varies slowest). */
const AXES: ReadonlyArray<readonly [keyof Point, readonly number[]]> = [
  ...(Object.entries(PICK_GRID) as Array<[keyof Point, readonly number[]]>),
  ...(Object.entries(LIST_GRID) as Array<[keyof Point, readonly number[]]>),
  ...(Object.entries(COUNT_RULE_GRID) as Array<[keyof Point, readonly number[]]>),
];

/** Grid point `g` (0 ≤ g < the product of the axes' lengths), as values. */
function pointAt(g: number): Point {
  const digits: number[] = [];
  for (let a = AXES.length - 1; a >= 0; a--) {
    const n = (AXES[a] as readonly [keyof Point, readonly number[]])[1].length;
    digits[a] = g % n;
    g = Math.floor(g / n);
  }
  return Object.fromEntries(AXES.map(([key, values], a) => [key, values[digits[a] as number]])) as unknown as Point;
}

const label = (p: Partial<Point>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');

/** What one answer scored: the chat figures, the citations' F1 against the judged papers, and the find-paper hit. */
export interface Scored extends ChatOutcome {
  f1: number;
  /** find_paper dev questions: the grade-2 paper among the first three citations; null for the others. */
  hit3: boolean | null;
  /** The cited titles and the stated count, for --verbose. */
  titles: readonly string[];
  count: number | null;
}

function scored(q: ChatQuestion, citedTitles: readonly string[], count: number | null, findPaper: boolean): Scored {
  const chat = scoreChat(q, citedTitles, count);
  const cited = [...new Set(citedTitles.map(normTitle))];
  const target = findPaper ? q.relevant.find((r) => r.grade === 2) : undefined;
  return {
    ...chat,
    f1: chat.relevantCited === 0 ? 0 : (2 * chat.relevantCited) / (cited.length + q.relevant.length),
    hit3: target ? cited.slice(0, 3).includes(normTitle(target.title)) : null,
    titles: citedTitles,
    count,
  };
}

/** Sums over a set of answers, from which each figure (and a fold's, by subtracting one answer) is read. */
interface Totals {
  n: number;
  cited: number;
  relevantCited: number;
  topShare: number;
  f1: number;
  finds: number;
  hits: number;
  counts: number;
  countsOk: number;
}

const ZERO: Totals = { n: 0, cited: 0, relevantCited: 0, topShare: 0, f1: 0, finds: 0, hits: 0, counts: 0, countsOk: 0 };

function add(t: Totals, s: Scored, sign = 1): Totals {
  return {
    n: t.n + sign,
    cited: t.cited + sign * s.cited,
    relevantCited: t.relevantCited + sign * s.relevantCited,
    topShare: t.topShare + sign * s.topShare,
    f1: t.f1 + sign * s.f1,
    finds: t.finds + (s.hit3 === null ? 0 : sign),
    hits: t.hits + (s.hit3 ? sign : 0),
    counts: t.counts + (s.countOk === null ? 0 : sign),
    countsOk: t.countsOk + (s.countOk ? sign : 0),
  };
}

interface Figures {
  precision: number;
  citations: number;
  f1: number;
  topShare: number;
  hit3: number | null;
  countAccuracy: number | null;
}

function figures(t: Totals): Figures {
  return {
    precision: t.cited === 0 ? 0 : t.relevantCited / t.cited,
    citations: t.cited,
    f1: t.n === 0 ? 0 : t.f1 / t.n,
    topShare: t.n === 0 ? 0 : t.topShare / t.n,
    hit3: t.finds === 0 ? null : t.hits / t.finds,
    countAccuracy: t.counts === 0 ? null : t.countsOk / t.counts,
  };
}

/** A {@link Totals} as numbers in this order: the folds keep every grid point's totals in one typed array. */
const FIELDS = ['n', 'cited', 'relevantCited', 'topShare', 'f1', 'finds', 'hits', 'counts', 'countsOk'] as const;
const WIDTH = FIELDS.length;
const NOTHING = new Float64Array(WIDTH);

function vectorOf(t: Totals): Float64Array {
  return Float64Array.from(FIELDS.map((f) => t[f]));
}

/**
 * What cross-validation maximises (eval/README.md): the find-paper hit rate + citation precision +
 * citation F1 + the share of the top five papers cited + count accuracy, each over the questions it
 * applies to (precision, F1 and top-5 over all of them), so no one figure can be bought with another.
 * Read from totals `t` at `at` less the answer `q` at `qt` (a fold's held-out question), in {@link FIELDS} order.
 */
function objectiveLess(t: Float64Array, at: number, q: Float64Array, qt: number): number {
  const d = (f: number) => (t[at + f] as number) - (q[qt + f] as number);
  const n = d(0);
  const cited = d(1);
  const relevantCited = d(2);
  const finds = d(5);
  const counts = d(7);
  const topShare = d(3);
  const f1 = d(4);
  const hits = d(6);
  const countsOk = d(8);
  return (
    (finds === 0 ? 0 : hits / finds) + (cited === 0 ? 0 : relevantCited / cited) + (n === 0 ? 0 : (f1 + topShare) / n) + (counts === 0 ? 0 : countsOk / counts)
  );
}

/**
 * Makes an options object's fields note when they are read, so the eval knows which parameters an
 * answer used: an answer is asked again only at a point that differs in one of them.
 */
export function watch(target: object, prefix: string, reads: Set<string>, keys: readonly string[] = Object.keys(target)): void {
  for (const key of keys) {
    let value: unknown = (target as Record<string, unknown>)[key];
    Object.defineProperty(target, key, {
      enumerable: true,
      configurable: true,
      get: () => {
        reads.add(`${prefix}${key}`);
        return value;
      },
      set: (v: unknown) => {
        value = v;
      },
    });
  }
}

/** One question's answers, each remembered under the values of the parameters it read. */
export class AnswerCache {
  private readonly bySignature = new Map<string, { keys: string[]; answers: Map<string, Scored> }>();

  get(point: Record<string, number>): Scored | undefined {
    for (const { keys, answers } of this.bySignature.values()) {
      const hit = answers.get(keys.map((k) => point[k]).join(','));
      if (hit) return hit;
    }
    return undefined;
  }

  put(keys: readonly string[], point: Record<string, number>, s: Scored): void {
    const sorted = [...keys].sort();
    const sig = sorted.join(',');
    const entry = this.bySignature.get(sig) ?? { keys: sorted, answers: new Map<string, Scored>() };
    entry.answers.set(sorted.map((k) => point[k]).join(','), s);
    this.bySignature.set(sig, entry);
  }
}

/** One question's answers at every combination of the grid axes it reads (indices into the axes), the last axis varying fastest. */
export interface AnswerTable {
  axes: readonly number[];
  answers: readonly Scored[];
}

/** Where grid point `g` (the last axis varying fastest; `lengths` each axis's number of values) is in `table`. */
export function answerIndex(table: AnswerTable, g: number, lengths: readonly number[]): number {
  const digits: number[] = [];
  for (let a = lengths.length - 1; a >= 0; a--) {
    digits[a] = g % (lengths[a] as number);
    g = Math.floor(g / (lengths[a] as number));
  }
  return table.axes.reduce((at, a) => at * (lengths[a] as number) + (digits[a] as number), 0);
}

/**
 * Leave-one-out over the whole grid (every combination of the axes' values): for each question the
 * grid point best on all the others (ties to the earlier point, the plainer), and the point best on
 * all of them. Questions that read the same axes are summed into one table first, and every point's
 * totals are kept in one typed array, so a grid of several hundred thousand points takes seconds.
 */
export function leaveOneOut(tables: readonly AnswerTable[], lengths: readonly number[]): { chosen: number[]; best: number; bestValue: number } {
  const gridSize = lengths.reduce((n, l) => n * l, 1);
  const vectors = tables.map((t) => {
    const v = new Float64Array(t.answers.length * WIDTH);
    for (const [k, s] of t.answers.entries()) v.set(vectorOf(add(ZERO, s)), k * WIDTH);
    return v;
  });
  // One sum and one point-to-answer index per set of axes read.
  const groups = new Map<string, { sum: Float64Array; at: Int32Array }>();
  const groupOf = tables.map((t, i) => {
    const key = t.axes.join(',');
    let g = groups.get(key);
    if (!g) {
      const at = new Int32Array(gridSize);
      for (let p = 0; p < gridSize; p++) at[p] = answerIndex(t, p, lengths);
      g = { sum: new Float64Array(t.answers.length * WIDTH), at };
      groups.set(key, g);
    }
    const v = vectors[i] as Float64Array;
    for (let k = 0; k < v.length; k++) (g.sum as Float64Array)[k] = (g.sum[k] as number) + (v[k] as number);
    return g;
  });
  const totals = new Float64Array(gridSize * WIDTH);
  for (const { sum, at } of groups.values())
    for (let p = 0; p < gridSize; p++)
      for (let f = 0; f < WIDTH; f++) totals[p * WIDTH + f] = (totals[p * WIDTH + f] as number) + (sum[(at[p] as number) * WIDTH + f] as number);
  const argmax = (value: (p: number) => number) => {
    let best = 0;
    let bestValue = -Infinity;
    for (let p = 0; p < gridSize; p++) {
      const v = value(p);
      if (v > bestValue + 1e-9) {
        bestValue = v;
        best = p;
      }
    }
    return { best, bestValue };
  };
  const chosen = tables.map((_t, i) => {
    const { at } = groupOf[i] as { at: Int32Array };
    const v = vectors[i] as Float64Array;
    return argmax((p) => objectiveLess(totals, p * WIDTH, v, (at[p] as number) * WIDTH)).best;
  });
  return { chosen, ...argmax((p) => objectiveLess(totals, p * WIDTH, NOTHING, 0)) };
}

/** A row of the per-shape table: the questions of one shape (or all). */
interface Row {
  name: string;
  at: number[];
}

/**
 * Asks the dev questions (extractive answers, as `ask` picks sentences) and the chat questions (through
 * the dispatcher, routing included) at every point of the picker × list × count-rule grid, and prints per shape:
 * citation precision, F1, top-5 cited, find-paper hit and count accuracy, in-sample (the shipped
 * parameters) and leave-one-out (each question answered with the point best on all the others, of both sets).
 */
export async function evaluateAnswers(
  papers: readonly Paper[],
  dev: readonly DevQuestion[],
  chat: readonly ChatQuestion[],
  source: string,
  verbose = false,
): Promise<void> {
  const started = performance.now();
  const asker = await chatAsker(papers);
  // NOTE: the dev questions name no dates; "today" only matters to the router's date words.
  const devAsk = devAsker(asker.library, dev, '2025-12-01');
  const devAsChat: ChatQuestion[] = dev.map((q) => ({
    id: q.id,
    shape: 'synthesis',
    question: q.query,
    relevant: q.relevant.map((r) => ({ title: r.title, grade: r.grade === 2 ? 2 : 1 })),
  }));
  const questions = [...devAsChat, ...chat];
  const shapeOf = (i: number) => (i < dev.length ? (dev[i] as DevQuestion).type : (chat[i - dev.length] as ChatQuestion).shape);

  const reads = new Set<string>();
  const shippedPick = { ...DEFAULT_PICK };
  const shippedList = { ...DEFAULT_LIST };
  const shippedRule = Object.fromEntries(RULE_KEYS.map((k) => [k, DEFAULT_TOPIC[k]])) as Pick<TopicOptions, RuleKey>;
  watch(DEFAULT_PICK, '', reads);
  watch(DEFAULT_LIST, '', reads);
  watch(DEFAULT_TOPIC, '', reads, RULE_KEYS);
  const caches = questions.map(() => new AnswerCache());
  // Per question, every parameter one of its answers read: a remembered answer's parameters are among them.
  const readBy = questions.map(() => new Set<string>());
  let asked = 0;
  const answer = async (i: number, p: Partial<Point>): Promise<Scored> => {
    const full: Record<string, number> = { ...shippedPick, ...shippedList, ...shippedRule, ...p };
    const known = caches[i]?.get(full);
    if (known) return known;
    Object.assign(DEFAULT_PICK, Object.fromEntries(PICK_KEYS.map((k) => [k, full[k]])));
    Object.assign(DEFAULT_LIST, Object.fromEntries(LIST_KEYS.map((k) => [k, full[k]])));
    Object.assign(DEFAULT_TOPIC, Object.fromEntries(RULE_KEYS.map((k) => [k, full[k]])));
    reads.clear();
    asked += 1;
    let s: Scored;
    const q = questions[i] as ChatQuestion;
    if (i < dev.length) {
      // The dev answers read the point they are given, every picker parameter.
      const cited = devAsk.answer(i, { ...DEFAULT_PICK });
      s = scored(q, cited, null, (dev[i] as DevQuestion).type === 'find_paper');
    } else {
      const a = await asker.ask(q.question);
      s = scored(q, a.cited, a.count, false);
    }
    caches[i]?.put([...reads], full, s);
    for (const k of reads) readBy[i]?.add(k);
    return s;
  };

  // Each question is answered at every combination of the grid parameters its answers read (a count
  // question: the rule's; a what's-new list: the list's and the rule's), until no answer reads another.
  const lengths = AXES.map(([, values]) => values.length);
  const tables: AnswerTable[] = [];
  for (let i = 0; i < questions.length; i++) {
    let axes: number[] = [];
    for (;;) {
      const answers: Scored[] = [];
      const size = axes.reduce((n, a) => n * (lengths[a] as number), 1);
      for (let c = 0; c < size; c++) {
        const p: Record<string, number> = {};
        let rest = c;
        for (let k = axes.length - 1; k >= 0; k--) {
          const [key, values] = AXES[axes[k] as number] as readonly [keyof Point, readonly number[]];
          p[key] = values[rest % values.length] as number;
          rest = Math.floor(rest / values.length);
        }
        answers.push(await answer(i, p as Partial<Point>));
      }
      const read = AXES.flatMap(([key], a) => (readBy[i]?.has(key) ? [a] : []));
      if (read.length === axes.length) {
        tables.push({ axes, answers });
        break;
      }
      axes = read;
    }
  }
  const shipped: Scored[] = [];
  for (let i = 0; i < questions.length; i++) shipped.push(await answer(i, {}));
  Object.assign(DEFAULT_PICK, shippedPick);
  Object.assign(DEFAULT_LIST, shippedList);
  Object.assign(DEFAULT_TOPIC, shippedRule);
  const shippedPoint: Point = { ...shippedPick, cutoff: shippedList.cutoff, recentDays: shippedList.recentDays, ...shippedRule };

  const cv = leaveOneOut(tables, lengths);
  const chosen = cv.chosen;
  const held = tables.map((t, i) => t.answers[answerIndex(t, chosen[i] as number, lengths)] as Scored);
  const gridSize = lengths.reduce((n, l) => n * l, 1);
  await asker.close();

  const fmt = (x: number | null) => (x === null ? '  -  ' : x.toFixed(3));
  const side = (f: Figures) =>
    `${fmt(f.precision)} (${String(f.citations).padStart(3)})  ${fmt(f.f1)}  ${fmt(f.topShare)}  ${fmt(f.hit3)}  ${fmt(f.countAccuracy)}`;
  const rows: Row[] = [
    ...[...new Set(dev.map((q) => q.type))].map((t) => ({ name: `dev ${t}`, at: dev.flatMap((q, i) => (q.type === t ? [i] : [])) })),
    { name: 'dev all', at: dev.map((_q, i) => i) },
    ...SHAPES.map((shape) => ({ name: `chat ${shape}`, at: chat.flatMap((q, i) => (q.shape === shape ? [dev.length + i] : [])) })),
    { name: 'chat all', at: chat.map((_q, i) => dev.length + i) },
    { name: 'all', at: questions.map((_q, i) => i) },
  ];
  console.log('');
  console.log(
    `Answers: one LOO-CV over the ${dev.length} dev questions (extractive answers) and the ${chat.length} chat questions of ${source} (through ask; now ${CHAT_NOW.toISOString().slice(0, 10)})`,
  );
  console.log(`Picker: ${label(shippedPick)} (src/ask/answer.ts DEFAULT_PICK)`);
  console.log(`List:   cutoff=${shippedList.cutoff} recentDays=${shippedList.recentDays} (src/ask/list.ts DEFAULT_LIST)`);
  console.log(`Rule:   ${label(shippedRule)} (src/library.ts DEFAULT_TOPIC: when a paper is about free words; what counts count)`);
  console.log('shape            n | in-sample: precision (cites)  F1  top-5  hit@3  count ok | LOO-CV: precision (cites)  F1  top-5  hit@3  count ok');
  for (const r of rows) {
    const of = (ss: readonly Scored[]) => figures(r.at.reduce((t, i) => add(t, ss[i] as Scored), ZERO));
    console.log(`${r.name.padEnd(15)} ${String(r.at.length).padStart(2)} | ${side(of(shipped))} | ${side(of(held))}`);
  }
  const search = (k: number) =>
    figures(dev.reduce((t, q, i) => add(t, scored(devAsChat[i] as ChatQuestion, devAsk.searchTop(i, k), null, q.type === 'find_paper')), ZERO));
  console.log(`dev, search top 3 as citations   ${side(search(3))}`);
  console.log(`dev, search top 5 as citations   ${side(search(5))}`);
  console.log(
    `LOO-CV: each question answered with the point best on the other ${questions.length - 1} (${gridSize} points; objective hit@3 + precision + F1 + top-5 + count ok; ${asked} answers asked, the rest remembered).`,
  );
  const tally = new Map<number, number>();
  for (const k of chosen) tally.set(k, (tally.get(k) ?? 0) + 1);
  for (const [k, n] of [...tally].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`  chosen by ${String(n).padStart(2)} folds: ${label(pointAt(k))}`);
  for (const key of [...PICK_KEYS, ...LIST_KEYS, ...RULE_KEYS]) {
    const values = new Map<number, number>();
    for (const k of chosen) values.set(pointAt(k)[key], (values.get(pointAt(k)[key]) ?? 0) + 1);
    console.log(`  ${key.padEnd(12)} folds chose ${[...values].map(([v, n]) => `${v} (${n})`).join(', ')}`);
  }
  const best = pointAt(cv.best);
  console.log(`Best point on all ${questions.length} questions: ${label(best)} (objective ${cv.bestValue.toFixed(3)})`);
  if (AXES.some(([key]) => best[key] !== shippedPoint[key]))
    console.log('NOTE: that is not the shipped parameters; set DEFAULT_PICK, DEFAULT_LIST and DEFAULT_TOPIC (mentions, share, newestMentions) to it.');
  // The folds that chose otherwise: the held-out question, and where its point differs from the best.
  for (const [i, k] of chosen.entries()) {
    const p = pointAt(k);
    const differs = AXES.filter(([key]) => p[key] !== best[key]).map(([key]) => `${key}=${p[key]}`);
    if (differs.length > 0) console.log(`  fold ${(questions[i] as ChatQuestion).id} (${shapeOf(i)}) chose ${differs.join(' ')}`);
  }
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  if (verbose) {
    // The shipped parameters' answers, each citation with its grade.
    for (const [i, q] of questions.entries()) {
      const s = shipped[i] as Scored;
      const grades = new Map(q.relevant.map((r) => [normTitle(r.title), r.grade]));
      const g2 = q.relevant.filter((r) => r.grade === 2).length;
      const count = q.shape === 'count' ? `  count ${String(s.count)} (judged ${g2}-${2 * q.relevant.length})` : '';
      console.log(`${q.id} ${shapeOf(i).padEnd(10)} top-5 ${s.topShare.toFixed(2)}${count}  ${q.question}`);
      for (const t of s.titles) console.log(`     [${grades.get(normTitle(t)) ?? 0}] ${t.slice(0, 90)}`);
    }
  }
}
