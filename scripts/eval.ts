// npm run eval: search quality on the development questions (nDCG@10, MRR@10, Recall@10), in-sample and cross-validated, overall and per type.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../src/config.js';
import { Library, type LibraryOptions } from '../src/library.js';
import { silentLogger } from '../src/logger.js';
import { loadSeedDir } from '../src/papers/seeds.js';
import { SearchRanker, type RankerOptions } from '../src/search/ranker.js';
import { MemoryCorpusData } from '../src/search/corpusData.js';
import { score, type Scores } from './metrics.js';
import { parseQuery } from '../src/search/query.js';
import { DEFAULT_RANKING, type RankingOptions } from '../src/search/ranking/parameters.js';
import { MemorySearchIndex } from '../src/search/searchIndex.js';
import { openStore } from '../src/store/sqlite.js';
import { chatQuestionsSchema } from './chatQuestions.js';
import { evaluateAnswers } from './evalAnswers.js';
import { coverageScorer } from './evalScorers.js';
import { lunrBase } from './lunrScorer.js';

const querySchema = z.array(
  z.object({
    id: z.string(),
    type: z.string(),
    query: z.string(),
    relevant: z.array(z.object({ title: z.string(), grade: z.number() })),
  }),
);
type Question = z.infer<typeof querySchema>[number];

/**
 * The grid cross-validation chooses from: a handful of values per parameter, the first of each
 * the plainest (ties go to it). BM25's k1 and b stay at their textbook values (1.2, 0.75).
 * The people field (org, authors) weighs as much as the title: a name there is as telling.
 */
const GRID = {
  base: ['lunr', 'bm25f'],
  titleWeight: [1, 2, 3, 5],
  coveragePower: [0, 0.5, 1, 2],
  allConceptsFirstUpTo: [3, 4, 5],
  correctionWeight: [1, 0.6, 0.3],
  fuzzyWhenFewerThan: [1, 5, 10],
  k1: [1.2],
  b: [0.75],
} as const;

/** The topic command's blend: the weight recency and upvotes take from relevance, and the relevance cut-off. */
const TOPIC_GRID = { blend: [0, 0.1, 0.2, 0.3], cutoff: [0, 0.25, 0.5] } as const;

type Point = { [K in keyof typeof GRID]: (typeof GRID)[K][number] };

/** The ranker a grid point stands for: its parameters, and evaluation's lunr base and coverage factor where the point asks for them. */
function rankingOf(p: Point): RankerOptions {
  const ranking: Partial<RankingOptions> = {
    fieldWeights: { title: p.titleWeight, abstract: 1, people: p.titleWeight },
    k1: p.k1,
    lengthNorm: { title: p.b, abstract: p.b, people: 0 },
    allConceptsFirstUpTo: p.allConceptsFirstUpTo,
    correctionWeight: p.correctionWeight,
    fuzzyWhenFewerThan: p.fuzzyWhenFewerThan,
  };
  return { ranking, base: p.base === 'lunr' ? lunrBase : undefined, scorers: p.coveragePower === 0 ? [] : [coverageScorer(p.coveragePower)] };
}

/** The grid point of shipped parameters: BM25F as the base, no coverage factor (scripts/evalScorers.ts). */
function pointOf(r: RankingOptions): Point {
  return {
    base: 'bm25f',
    titleWeight: r.fieldWeights.title as Point['titleWeight'],
    coveragePower: 0,
    allConceptsFirstUpTo: r.allConceptsFirstUpTo as Point['allConceptsFirstUpTo'],
    correctionWeight: r.correctionWeight as Point['correctionWeight'],
    fuzzyWhenFewerThan: r.fuzzyWhenFewerThan as Point['fuzzyWhenFewerThan'],
    k1: r.k1 as Point['k1'],
    b: r.lengthNorm.abstract as Point['b'],
  };
}

/** Every combination of the grid's values, in order (plainest first). */
function points<G extends Record<string, readonly unknown[]>>(grid: G): Array<{ [K in keyof G]: G[K][number] }> {
  let out: Array<Record<string, unknown>> = [{}];
  for (const [key, values] of Object.entries(grid)) out = out.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  return out as Array<{ [K in keyof G]: G[K][number] }>;
}

const label = (p: Record<string, unknown>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/**
 * Leave-one-out cross-validation over a matrix of per-question scores (one row per grid point):
 * each question is scored with the point that is best on the other questions (ties to the earlier
 * point). Returns the held-out scores per question and the point each fold chose.
 */
function leaveOneOut(matrix: readonly Scores[][], n: number): { held: Scores[]; chosen: number[] } {
  const totals = matrix.map((row) => row.reduce((s, r) => s + r.ndcg, 0));
  const held: Scores[] = [];
  const chosen: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestValue = -Infinity;
    matrix.forEach((row, k) => {
      const v = (totals[k] as number) - (row[i] as Scores).ndcg;
      if (v > bestValue + 1e-9) {
        bestValue = v;
        best = k;
      }
    });
    held.push((matrix[best] as Scores[])[i] as Scores);
    chosen.push(best);
  }
  return { held, chosen };
}

/** The grid point best on every question (what the defaults should be), ties to the earlier point. */
function bestPoint(matrix: readonly Scores[][]): number {
  let best = 0;
  let bestValue = -Infinity;
  matrix.forEach((row, k) => {
    const v = row.reduce((s, r) => s + r.ndcg, 0);
    if (v > bestValue + 1e-9) {
      bestValue = v;
      best = k;
    }
  });
  return best;
}

function line(name: string, qs: readonly Question[], inSample: readonly Scores[], cv?: readonly Scores[]): string {
  const fmt = (rs: readonly Scores[]) =>
    `nDCG@10 ${mean(rs.map((r) => r.ndcg)).toFixed(3)}  MRR@10 ${mean(rs.map((r) => r.mrr)).toFixed(3)}  Recall@10 ${mean(rs.map((r) => r.recall)).toFixed(3)}`;
  const target = qs.every((q) => q.type === 'find_paper') ? `  target MRR ${mean(inSample.map((r) => r.mrrTarget)).toFixed(3)}` : '';
  return `${name.padEnd(11)} n=${String(qs.length).padStart(2)}  in-sample ${fmt(inSample)}${target}${cv ? `  |  LOO-CV ${fmt(cv)}` : ''}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const argFile = args.find((a) => !a.startsWith('--'));
  const candidates = [argFile, path.join(PROJECT_ROOT, '../shared/eval/dev-queries.json'), path.join(PROJECT_ROOT, 'eval/dev-queries.json')].filter(
    (f): f is string => typeof f === 'string',
  );
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    console.error(`No eval set found (looked in ${candidates.join(', ')}).`);
    process.exit(2);
  }
  const questions = querySchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const papers = loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers;
  const store = await openStore(':memory:');
  const index = new MemorySearchIndex(() => store.all(), silentLogger);
  const library = new Library(store, index);
  await library.ingest(papers);
  const data = new MemoryCorpusData(store.all());
  const parsed = questions.map((q) => parseQuery(q.query));
  const run = (ranker: SearchRanker, i: number): string[] => {
    const p = parsed[i];
    return p?.ok ? ranker.search(p.value).hits.map((h) => h.title) : [];
  };
  const judge = (options: RankerOptions): Scores[] => {
    const ranker = new SearchRanker(data, options);
    return questions.map((q, i) => score(run(ranker, i), q.relevant));
  };

  const started = performance.now();
  // --grid='{"feedbackDocs":[0,5]}' explores other values: the parameters it names take those values, the others stay at the defaults.
  const override = args.find((a) => a.startsWith('--grid='));
  const defaults = pointOf(DEFAULT_RANKING);
  const searched: Record<string, readonly unknown[]> = override
    ? Object.fromEntries(Object.keys(GRID).map((k) => [k, (JSON.parse(override.slice(7)) as Record<string, unknown[]>)[k] ?? [defaults[k as keyof Point]]]))
    : GRID;
  const grid = points(searched) as Point[];
  const matrix = grid.map((p) => judge(rankingOf(p)));
  const { held, chosen } = leaveOneOut(matrix, questions.length);
  const shipped = judge({});
  const best = grid[bestPoint(matrix)] as Point;

  console.log(`Search evaluation on ${path.relative(process.cwd(), file) || file} (${questions.length} questions, ${store.count()} papers)`);
  console.log(`Ranking: ${label(pointOf(DEFAULT_RANKING))} (search/ranking/parameters.ts DEFAULT_RANKING)`);
  console.log(line('overall', questions, shipped, held));
  for (const type of [...new Set(questions.map((q) => q.type))]) {
    const at = questions.flatMap((q, i) => (q.type === type ? [i] : []));
    const pick = (rs: readonly Scores[]) => at.map((i) => rs[i] as Scores);
    console.log(
      line(
        type,
        at.map((i) => questions[i] as Question),
        pick(shipped),
        pick(held),
      ),
    );
  }
  console.log(`LOO-CV: each question scored with the grid point best on the other ${questions.length - 1} (${grid.length} points: ${label(searched)}).`);
  const counts = new Map<number, number>();
  for (const k of chosen) counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  chosen by ${String(n).padStart(2)} folds: ${label(grid[k] as Point)}`);
  const bestScore = mean((matrix[bestPoint(matrix)] as Scores[]).map((r) => r.ndcg));
  console.log(`Best grid point on all ${questions.length} questions (in-sample nDCG@10 ${bestScore.toFixed(3)}): ${label(best)}`);
  if (label(best) !== label(pointOf(DEFAULT_RANKING)))
    console.log('NOTE: that is not the defaults; set DEFAULT_RANKING in src/search/ranking/parameters.ts to it if the LOO-CV figure holds.');

  // The topic command: the same questions of type topic, answered by `library.topic` with each blend.
  const topics = questions.flatMap((q, i) => (q.type === 'topic' ? [i] : []));
  if (topics.length > 1) {
    const topicGrid = points(TOPIC_GRID);
    const topicMatrix = topicGrid.map((t) => {
      const lib = new Library(store, index, { topic: t } satisfies LibraryOptions);
      return topics.map((i) =>
        score(
          lib.topic((questions[i] as Question).query).hits.map((h) => h.title),
          (questions[i] as Question).relevant,
        ),
      );
    });
    const cv = leaveOneOut(topicMatrix, topics.length);
    const shippedTopic = topics.map((i) =>
      score(
        library.topic((questions[i] as Question).query).hits.map((h) => h.title),
        (questions[i] as Question).relevant,
      ),
    );
    console.log(
      line(
        'topic cmd',
        topics.map((i) => questions[i] as Question),
        shippedTopic,
        cv.held,
      ),
    );
    console.log(`  topic blend chosen by LOO folds: ${[...new Set(cv.chosen)].map((k) => label(topicGrid[k] as Record<string, unknown>)).join('; ')}`);
    const bestTopic = topicGrid[bestPoint(topicMatrix)] as Record<string, unknown>;
    console.log(`  best on all topic questions: ${label(bestTopic)}`);
  }
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  const chatFile = path.join(PROJECT_ROOT, 'eval/chat-questions.json');
  // --no-chat: the answer cross-validation over the dev questions alone.
  const chat = args.includes('--no-chat') ? [] : chatQuestionsSchema.parse(JSON.parse(fs.readFileSync(chatFile, 'utf8')));
  await evaluateAnswers(papers, questions, chat, path.relative(process.cwd(), chatFile) || chatFile, verbose);

  if (verbose) {
    for (const [i, q] of questions.entries()) {
      const ranked = run(new SearchRanker(data), i);
      const s = shipped[i] as Scores;
      console.log(`${q.id} ${q.type.padEnd(10)} nDCG ${s.ndcg.toFixed(3)} (CV ${(held[i] as Scores).ndcg.toFixed(3)})  ${q.query.slice(0, 80)}`);
      if (s.ndcg < 0.9) {
        const grades = new Map(q.relevant.map((r) => [r.title, r.grade]));
        ranked.slice(0, 10).forEach((t, k) => console.log(`     ${k + 1}. [${grades.get(t) ?? 0}] ${t.slice(0, 90)}`));
        for (const r of q.relevant)
          if (!ranked.slice(0, 10).includes(r.title)) console.log(`     missing [${r.grade}] @${ranked.indexOf(r.title) + 1} ${r.title.slice(0, 80)}`);
      }
    }
  }
  store.close();
}

await main();
