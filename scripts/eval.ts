// npm run eval: scores search on the development questions (nDCG@10, MRR@10, Recall@10), overall and per type.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MemorySearchIndex } from '../src/search/searchIndex.js';
import { Library } from '../src/library.js';
import { silentLogger } from '../src/logger.js';
import { loadSeedDir } from '../src/papers/seeds.js';
import { score, type Scores } from '../src/search/metrics.js';
import { openStore } from '../src/store/sqlite.js';
import { PROJECT_ROOT } from '../src/config.js';

const querySchema = z.array(
  z.object({
    id: z.string(),
    type: z.string(),
    query: z.string(),
    relevant: z.array(z.object({ title: z.string(), grade: z.number() })),
  }),
);

const argFile = process.argv[2];
const candidates = [argFile, path.join(PROJECT_ROOT, '../shared/eval/dev-queries.json'), path.join(PROJECT_ROOT, 'eval/dev-queries.json')].filter(
  (f): f is string => typeof f === 'string',
);
const file = candidates.find((f) => fs.existsSync(f));
if (!file) {
  console.error(`No eval set found (looked in ${candidates.join(', ')}).`);
  process.exit(2);
}
const queries = querySchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
const verbose = process.argv.includes('--verbose');

const store = openStore(':memory:');
const library = new Library(store, new MemorySearchIndex(() => store.all(), silentLogger));
library.ingest(loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers);

const rows: Array<{ id: string; type: string } & Scores> = [];
for (const q of queries) {
  let ranked: string[] = [];
  try {
    ranked = library.searchAll(q.query).map((h) => h.paper.title);
  } catch {
    ranked = [];
  }
  const s = score(ranked, q.relevant);
  rows.push({ id: q.id, type: q.type, ...s });
  if (verbose) {
    console.log(`${q.id} ${q.type.padEnd(10)} nDCG ${s.ndcg.toFixed(3)}  ${q.query.slice(0, 80)}`);
    if (s.ndcg < 0.9) {
      const grades = new Map(q.relevant.map((r) => [r.title, r.grade]));
      ranked.slice(0, 10).forEach((t, i) => console.log(`     ${i + 1}. [${grades.get(t) ?? 0}] ${t.slice(0, 90)}`));
      for (const r of q.relevant)
        if (!ranked.slice(0, 10).includes(r.title)) console.log(`     missing [${r.grade}] @${ranked.indexOf(r.title) + 1} ${r.title.slice(0, 80)}`);
    }
  }
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const line = (label: string, rs: typeof rows) =>
  `${label.padEnd(12)} n=${String(rs.length).padStart(2)}  nDCG@10 ${mean(rs.map((r) => r.ndcg)).toFixed(3)}  MRR@10 ${mean(rs.map((r) => r.mrr)).toFixed(3)}  Recall@10 ${mean(rs.map((r) => r.recall)).toFixed(3)}`;

console.log(`Search evaluation on ${path.relative(process.cwd(), file) || file} (${queries.length} questions, ${store.count()} papers)`);
console.log(line('overall', rows));
for (const type of [...new Set(rows.map((r) => r.type))]) {
  const rs = rows.filter((r) => r.type === type);
  const extra = type === 'find_paper' ? `  MRR@10 (target only) ${mean(rs.map((r) => r.mrrTarget)).toFixed(3)}` : '';
  console.log(line(type, rs) + extra);
}
store.close();
