// npm run eval, part three: the chat questions (eval/chat-questions.json) asked through the real `ask` command, scored per shape, in-sample and cross-validated.
import { openDatabase } from '../src/store/database.js';
import { commands } from '../commands/index.js';
import { DEFAULT_PICK, type PickOptions } from '../src/ask/answer.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/logger.js';
import type { Paper } from '../src/papers/model.js';
import type { Reply } from '../src/reply.js';
import { normTitle } from '../src/search/metrics.js';
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
  const app = await createApp({
    config: { dataDir: '/nonexistent', timeZone: 'America/New_York' },
    logger: silentLogger,
    clock,
    commands,
    database: await openDatabase({ file: ':memory:', now: () => clock.now() }),
  });
  await app.library.ingest([...papers]);
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
  const shipped = await askAll({ ...DEFAULT_PICK });
  const held: ChatOutcome[] = [];
  const chosen = new Map<number, number>();
  for (let i = 0; i < questions.length; i++) {
    let best = 0;
    let bestValue = -Infinity;
    for (const [k, row] of matrix.entries()) {
      const v = objective(chatFigures(row.filter((_o, j) => j !== i)));
      if (v > bestValue + 1e-9) {
        bestValue = v;
        best = k;
      }
    }
    held.push(matrix[best]![i]!);
    chosen.set(best, (chosen.get(best) ?? 0) + 1);
  }
  await app.close();

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
