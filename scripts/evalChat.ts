// npm run eval, part three: the chat questions (eval/chat-questions.json) asked through the real `ask` command, scored per shape, in-sample and cross-validated.
import { commands } from '../commands/index.js';
import { DEFAULT_PICK, type PickOptions } from '../src/ask/answer.js';
import { createApp } from '../src/app.js';
import { DEFAULT_TOPIC, type TopicOptions } from '../src/library.js';
import { silentLogger } from '../src/logger.js';
import type { Paper } from '../src/papers/model.js';
import type { Reply } from '../src/reply.js';
import { normTitle } from '../src/search/metrics.js';
import { openStore } from '../src/store/sqlite.js';
import { SHAPES, chatFigures, scoreChat, type ChatFigures, type ChatOutcome, type ChatQuestion } from './chatQuestions.js';
import { PICK_GRID, type AskFigures } from './evalAsk.js';

/**
 * NOTE: "now" for every question: the day after the seed corpus's newest paper (2026-03-15), as a
 * user who has just seeded would ask; fixed so that "what's new" questions give the same figures each run.
 */
export const CHAT_NOW = new Date('2026-03-16T15:00:00Z');

/** The papers an answer shows as its citations or results (cards, in order), and the count it states. */
export function answerOf(reply: Reply): { cited: string[]; count: number | null } {
  if (reply.kind === 'answer' || reply.kind === 'papers') {
    const said = `${reply.title} ${reply.notice ?? ''}`;
    const stated = /(\d[\d,]*)\s+(?:\S+\s+)?papers?\b/i.exec(said);
    const count = reply.kind === 'papers' ? reply.total : stated ? Number(stated[1]?.replace(/,/g, '')) : /couldn't find|no papers/i.test(said) ? 0 : null;
    return { cited: reply.cards.map((c) => c.title), count };
  }
  if (reply.kind === 'paper') return { cited: [reply.card.title], count: null };
  return { cited: [], count: null };
}

/**
 * The picker is the ask path's one parameters object (STYLE 19), read at each call; the eval sets it
 * for a grid point, asks, and puts it back, so the questions go through `ask` exactly as a user's do.
 */
async function withPick<T>(p: PickOptions, run: () => Promise<T>): Promise<T> {
  const saved = { ...DEFAULT_PICK };
  Object.assign(DEFAULT_PICK, p);
  try {
    return await run();
  } finally {
    Object.assign(DEFAULT_PICK, saved);
  }
}

/**
 * When a paper is about free words (`TopicOptions.mentions`, `share`, `newestMentions`; what counts count and
 * "what's new" lists draw from): the grid the folds choose from, the first of each the plainest
 * (the rule before concepts: every word, twice). NOTE: the questions are asked once per picker point
 * (with the shipped rule) and once per rule point (with the shipped picker), not for every pair: a
 * question whose answer no picker point changes takes the rule point's answer, the others the
 * picker point's; a question that both change is reported, as the pair's answer is then unknown.
 */
export const COUNT_RULE_GRID = { mentions: [2, 1, 3], share: [1, 0.75, 0.6], newestMentions: [2, 1, 3] } as const;

type CountRule = Pick<TopicOptions, 'mentions' | 'share' | 'newestMentions'>;

async function withCountRule<T>(r: CountRule, run: () => Promise<T>): Promise<T> {
  const saved = { ...DEFAULT_TOPIC };
  Object.assign(DEFAULT_TOPIC, r);
  try {
    return await run();
  } finally {
    Object.assign(DEFAULT_TOPIC, saved);
  }
}

function rulePoints(): CountRule[] {
  return COUNT_RULE_GRID.mentions.flatMap((mentions) =>
    COUNT_RULE_GRID.share.flatMap((share) => COUNT_RULE_GRID.newestMentions.map((newestMentions) => ({ mentions, share, newestMentions }))),
  );
}

function gridPoints(): PickOptions[] {
  let out: Array<Record<string, number>> = [{}];
  for (const [k, vs] of Object.entries(PICK_GRID)) out = out.flatMap((p) => vs.map((v) => ({ ...p, [k]: v })));
  return out as unknown as PickOptions[];
}

/** What cross-validation maximises here: citation precision, the share of the top papers cited, and count accuracy. */
const objective = (f: ChatFigures) => f.precision + f.topShare + (f.countAccuracy ?? 0);

const fmt = (x: number | null) => (x === null ? '  -  ' : x.toFixed(3));

/**
 * Asks every chat question through the dispatcher's `ask` (routing included) for each picker grid
 * point, and prints per shape: citation precision, the share of the five most relevant papers cited,
 * count accuracy, in-sample (the shipped picker) and leave-one-out (each question answered with the
 * point best on the other questions), with the find-paper hit rate of the dev questions.
 */
export async function evaluateChat(
  papers: readonly Paper[],
  questions: readonly ChatQuestion[],
  source: string,
  findPaper: AskFigures,
  verbose = false,
): Promise<void> {
  const started = performance.now();
  const clock = { now: () => new Date(CHAT_NOW) };
  const app = createApp({
    config: { dataDir: '/nonexistent', timeZone: 'America/New_York' },
    logger: silentLogger,
    clock,
    commands,
    store: openStore(':memory:', () => clock.now()),
  });
  app.library.ingest([...papers]);
  // The same question searches the same way at every grid point; remembering the pages only saves time.
  const search = app.library.search.bind(app.library);
  const pages = new Map<string, ReturnType<typeof search>>();
  app.library.search = (...args: Parameters<typeof search>) => {
    const key = JSON.stringify(args);
    const page = pages.get(key) ?? search(...args);
    pages.set(key, page);
    return page;
  };
  const answers: Array<ReturnType<typeof answerOf>> = [];
  const askAll = (p: PickOptions) =>
    withPick(p, async () => {
      const out: ChatOutcome[] = [];
      for (const [i, q] of questions.entries()) {
        const a = answerOf(await app.dispatcher.run({ command: 'ask', text: q.question }));
        answers[i] = a;
        out.push(scoreChat(q, a.cited, a.count));
      }
      return out;
    });
  const grid = gridPoints();
  const matrix: ChatOutcome[][] = [];
  for (const p of grid) matrix.push(await askAll(p));
  const rules = rulePoints();
  const ruleMatrix: ChatOutcome[][] = [];
  for (const r of rules) ruleMatrix.push(await withCountRule(r, () => askAll({ ...DEFAULT_PICK })));
  const same = (a: ChatOutcome, b: ChatOutcome) => JSON.stringify(a) === JSON.stringify(b);
  const varies = (m: ChatOutcome[][], i: number) => m.some((row) => !same(row[i]!, m[0]![i]!));
  const ruleAt = questions.flatMap((_q, i) => (varies(matrix, i) ? [] : [i]));
  const both = questions.filter((_q, i) => varies(matrix, i) && varies(ruleMatrix, i)).map((q) => q.id);
  // The outcomes with picker point k and rule point r.
  const joined = (k: number, r: number): ChatOutcome[] => {
    const row = [...matrix[k]!];
    for (const i of ruleAt) row[i] = ruleMatrix[r]![i]!;
    return row;
  };
  const shipped = await askAll({ ...DEFAULT_PICK });
  const held: ChatOutcome[] = [];
  const chosen = new Map<number, number>();
  const ruleChosen = new Map<number, number>();
  for (let i = 0; i < questions.length; i++) {
    let best = [0, 0];
    let bestValue = -Infinity;
    for (let k = 0; k < grid.length; k++) {
      for (let r = 0; r < rules.length; r++) {
        const v = objective(chatFigures(joined(k, r).filter((_o, j) => j !== i)));
        if (v > bestValue + 1e-9) {
          bestValue = v;
          best = [k, r];
        }
      }
    }
    const [k, r] = best as [number, number];
    held.push(joined(k, r)[i]!);
    chosen.set(k, (chosen.get(k) ?? 0) + 1);
    ruleChosen.set(r, (ruleChosen.get(r) ?? 0) + 1);
  }
  app.close();

  console.log('');
  console.log(`Chat questions through ask (${source}: ${questions.length} questions; now ${CHAT_NOW.toISOString().slice(0, 10)})`);
  console.log('shape       n | in-sample: precision (cites)  top-5 cited  count ok | LOO-CV: precision (cites)  top-5 cited  count ok');
  const row = (name: string, at: readonly number[]) => {
    const a = chatFigures(at.map((i) => shipped[i]!));
    const b = chatFigures(at.map((i) => held[i]!));
    const side = (f: ChatFigures) => `${fmt(f.precision)} (${String(f.citations).padStart(3)})     ${fmt(f.topShare)}        ${fmt(f.countAccuracy)}`;
    console.log(`${name.padEnd(10)} ${String(at.length).padStart(2)} |            ${side(a)}  |         ${side(b)}`);
  };
  for (const shape of SHAPES)
    row(
      shape,
      questions.flatMap((q, i) => (q.shape === shape ? [i] : [])),
    );
  row(
    'all',
    questions.map((_q, i) => i),
  );
  console.log(`find-paper (dev questions, grade-2 in first 3 citations): in-sample ${fmt(findPaper.inSample)}  LOO-CV ${fmt(findPaper.cv)}`);
  const label = (p: PickOptions) =>
    Object.entries(p)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
  console.log(
    `LOO-CV: each question answered with the picker point best on the other ${questions.length - 1} (${grid.length} points; precision + top-5 cited + count ok).`,
  );
  for (const [k, n] of [...chosen].sort((a, b) => b[1] - a[1]).slice(0, 3)) console.log(`  chosen by ${String(n).padStart(2)} folds: ${label(grid[k]!)}`);
  console.log(
    `Topic rule (src/library.ts DEFAULT_TOPIC mentions=${DEFAULT_TOPIC.mentions} share=${DEFAULT_TOPIC.share} newestMentions=${DEFAULT_TOPIC.newestMentions}); the folds chose from ${rules.length} points (count ok per point: ${rules
      .map((r, n) => `${label(r as unknown as PickOptions)} ${fmt(chatFigures(ruleMatrix[n]!).countAccuracy)}`)
      .join('; ')}):`,
  );
  if (both.length > 0) console.log(`  NOTE: answers that both the picker and the rule change (scored with the shipped rule): ${both.join(' ')}`);
  for (const [r, n] of [...ruleChosen].sort((a, b) => b[1] - a[1]))
    console.log(`  chosen by ${String(n).padStart(2)} folds: ${label(rules[r] as unknown as PickOptions)}`);
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  if (verbose) {
    // The answers of the last run: the shipped picker.
    for (const [i, q] of questions.entries()) {
      const a = answers[i]!;
      const grades = new Map(q.relevant.map((r) => [normTitle(r.title), r.grade]));
      const g2 = q.relevant.filter((r) => r.grade === 2).length;
      const count = q.shape === 'count' ? `  count ${String(a.count)} (judged ${g2}-${2 * q.relevant.length})` : '';
      console.log(`${q.id} ${q.shape.padEnd(9)} top-5 ${shipped[i]!.topShare.toFixed(2)}${count}  ${q.question}`);
      for (const t of a.cited) console.log(`     [${grades.get(normTitle(t)) ?? 0}] ${t.slice(0, 90)}`);
    }
  }
}
