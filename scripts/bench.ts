// npm run bench: paperboy's search against minisearch at 1k, 10k and 100k papers (build, memory, disk, cold start,
// query latency, ingest-to-searchable, autocompletion), then the fuzz set's worst cases. Prints tables, writes bench.json.
//   npm run bench -- --sizes 1000,10000      a quick run
//   npm run bench -- --sizes 10000 --engine both [--database-url postgres://…]   SQLite and PostgreSQL side by side
//     (PostgreSQL: the catalogue in a fresh database on that server, or on a throw-away local cluster when no URL is given)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { UserError } from '../src/errors.js';
import { Library } from '../src/library.js';
import { silentLogger } from '../src/logger.js';
import type { Paper } from '../src/papers/model.js';
import { loadSeedDir } from '../src/papers/seeds.js';
import { MemorySearchIndex } from '../src/search/searchIndex.js';
import { openStore } from '../src/store/sqlite.js';
import { benchPostgres, parseEngineArgs, type BenchEngine } from './benchEngine.js';
import { rng, seedPapers, syntheticCorpus, syntheticQueries } from './corpus.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
};
const SIZES = (arg('sizes') ?? '1000,10000,100000').split(',').map(Number);
const configured = loadConfig(process.env);
const engineArgs = parseEngineArgs(process.argv.slice(2), configured.ok ? configured.value.databaseUrl : undefined);
if (!engineArgs.ok) {
  console.error(engineArgs.error);
  process.exit(2);
}
const { engines, databaseUrl } = engineArgs.value;
const ms = (t0: number) => performance.now() - t0;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const WORKER = path.join(PROJECT_ROOT, 'scripts/bench-worker.mjs');
const BIN = path.join(PROJECT_ROOT, 'bin/paperboy.js');

/** Natural-language questions: the development set's, as users typed them. */
const questions = (() => {
  for (const f of [path.join(PROJECT_ROOT, '../shared/eval/dev-queries.json'), path.join(PROJECT_ROOT, 'eval/dev-queries.json')]) {
    if (fs.existsSync(f)) return (JSON.parse(fs.readFileSync(f, 'utf8')) as Array<{ query: string }>).map((q) => q.query);
  }
  return ['which paper squeezes the KV cache to 2 bits?'];
})();

/** Runs one worker measurement in a fresh process (node on the compiled build, `--expose-gc` for heap figures). */
function worker<T>(mode: string, ...args: string[]): T {
  return workerOn<T>(undefined, mode, ...args);
}

/** A worker on PostgreSQL when `url` is given (BENCH_DATABASE_URL), else on SQLite. */
function workerOn<T>(url: string | undefined, mode: string, ...args: string[]): T {
  const { BENCH_DATABASE_URL: _unset, ...env } = process.env;
  const out = execFileSync(process.execPath, ['--expose-gc', WORKER, mode, ...args], {
    env: url === undefined ? env : { ...env, BENCH_DATABASE_URL: url },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? 'null') as T;
}

/** Wall time of a command, best of `n` (the machine is shared; the minimum is the least disturbed run). */
function bestOf(n: number, cmd: string[], env: Record<string, string> = {}): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, cmd, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} exited ${r.status}`);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

const writeLines = (file: string, papers: readonly Paper[]) => fs.writeFileSync(file, papers.map((p) => JSON.stringify(p)).join('\n'));

interface SizeResult {
  papers: number;
  paperboy: Record<string, number | null>;
  minisearch: Record<string, number | null> | { error: string };
}

function measureSize(n: number, base: readonly Paper[], work: string): SizeResult {
  const corpus = path.join(work, `corpus-${n}.jsonl`);
  const papers = syntheticCorpus(n, 42, base);
  writeLines(corpus, papers);
  const queries = [...syntheticQueries(papers, 200), ...questions];
  const queriesFile = path.join(work, `queries-${n}.json`);
  fs.writeFileSync(queriesFile, JSON.stringify(queries));
  const dataDir = path.join(work, `data-${n}`);
  console.log(`  ${n} papers: paperboy build…`);
  const built = worker<Record<string, number>>('paperboy-build', corpus, dataDir);
  const node = bestOf(5, ['-e', '0']);
  const cold = bestOf(3, [BIN, 'search', 'memory agents', '--json'], { PAPERBOY_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  console.log(`  ${n} papers: paperboy queries…`);
  const q = worker<{ warmMs: number; times: number[]; complete: number[]; topicList: number; paperLookup: number[]; excludeOnly: number[]; peakRssMb: number }>(
    'paperboy-query',
    dataDir,
    queriesFile,
    corpus,
  );
  const day = syntheticCorpus(50, 4242, base).map((p, i) => ({ ...p, id: `fresh-${i}`, title: `Zqxfresh ${p.title}` }));
  const dayFile = path.join(work, `day-${n}.jsonl`);
  writeLines(dayFile, day);
  const fresh = worker<{ searchableAfterMs: number | null; worstLoopDelayMs: number }>('paperboy-fresh', dataDir, dayFile, WORKER);
  const paperboy = {
    buildMs: built.buildMs ?? NaN,
    heapMb: built.heapMb ?? NaN,
    rssAfterBuildMb: built.rssMb ?? NaN,
    buildPeakRssMb: built.peakRssMb ?? NaN,
    diskMb: built.diskMb ?? NaN,
    coldStartOverNodeMs: cold - node,
    serveWarmMs: q.warmMs,
    p50: pct(q.times, 50),
    p95: pct(q.times, 95),
    p99: pct(q.times, 99),
    servePeakRssMb: q.peakRssMb,
    completeP99: pct(q.complete, 99),
    topicListMs: q.topicList,
    paperLookupP99: pct(q.paperLookup, 99),
    excludeOnlyMax: Math.max(...q.excludeOnly),
    searchableAfterMs: fresh.searchableAfterMs,
    worstLoopDelayMs: fresh.worstLoopDelayMs,
  };
  let minisearch: SizeResult['minisearch'];
  try {
    console.log(`  ${n} papers: minisearch…`);
    const indexFile = path.join(work, `minisearch-${n}.json`);
    const m = worker<{ buildMs: number; heapMb: number; rssMb: number; times: number[]; diskMb: number; peakRssMb: number }>(
      'minisearch-build',
      corpus,
      indexFile,
      queriesFile,
    );
    const mcold = worker<{ coldMs: number }>('minisearch-cold', indexFile, 'memory agents');
    minisearch = {
      buildMs: m.buildMs,
      heapMb: m.heapMb,
      rssAfterBuildMb: m.rssMb,
      diskMb: m.diskMb,
      coldStartOverNodeMs: mcold.coldMs,
      p50: pct(m.times, 50),
      p95: pct(m.times, 95),
      p99: pct(m.times, 99),
      peakRssMb: m.peakRssMb,
    };
  } catch (e) {
    minisearch = { error: (e as Error).message.split('\n')[0] ?? 'failed' };
  }
  return { papers: n, paperboy, minisearch };
}

/** The catalogue in PostgreSQL (a fresh database at `url`), this data dir holding the host's copy that search reads. */
function measurePostgres(n: number, base: readonly Paper[], work: string, url: string): Record<string, number> {
  const corpus = path.join(work, `pg-corpus-${n}.jsonl`);
  const papers = syntheticCorpus(n, 42, base);
  writeLines(corpus, papers);
  const queriesFile = path.join(work, `pg-queries-${n}.json`);
  fs.writeFileSync(queriesFile, JSON.stringify([...syntheticQueries(papers, 200), ...questions]));
  const dataDir = path.join(work, `pg-data-${n}`);
  console.log(`  ${n} papers: paperboy build on PostgreSQL…`);
  const built = workerOn<Record<string, number>>(url, 'paperboy-build', corpus, dataDir);
  const node = bestOf(5, ['-e', '0']);
  const cold = bestOf(3, [BIN, 'search', 'memory agents', '--json'], { PAPERBOY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: url });
  console.log(`  ${n} papers: paperboy queries on PostgreSQL…`);
  const q = workerOn<{ warmMs: number; times: number[]; complete: number[]; peakRssMb: number }>(url, 'paperboy-query', dataDir, queriesFile, corpus);
  return {
    papers: n,
    buildMs: built.buildMs ?? NaN,
    diskMb: built.diskMb ?? NaN,
    coldStartOverNodeMs: cold - node,
    serveWarmMs: q.warmMs,
    p50: pct(q.times, 50),
    p95: pct(q.times, 95),
    p99: pct(q.times, 99),
    completeP99: pct(q.complete, 99),
    servePeakRssMb: q.peakRssMb,
  };
}

/** SQLite and PostgreSQL side by side (paperboy's search only; on PostgreSQL it reads the host's copy of the catalogue). */
function engineTable(rows: Array<{ engine: BenchEngine; r: Record<string, number | null> }>): string {
  const f = (v: number | null | undefined, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d));
  const out = [
    '| papers | engine | build (s) | local disk (MB) | cold start over node (ms) | query p50 / p95 / p99 (ms) | autocomplete p99 (ms) | serving peak RSS (MB) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const { engine, r } of rows)
    out.push(
      `| ${f(r.papers)} | ${engine} | ${f((r.buildMs ?? 0) / 1000, 1)} | ${f(r.diskMb)} | ${f(r.coldStartOverNodeMs)} | ${f(r.p50, 1)} / ${f(r.p95, 1)} / ${f(r.p99, 1)} | ${f(r.completeP99, 1)} | ${f(r.servePeakRssMb)} |`,
    );
  return out.join('\n');
}

function table(results: SizeResult[]): string {
  const f = (v: number | null | undefined, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d));
  const rows = [
    '| papers | engine | build (s) | heap after build (MB) | RSS after build (MB) | disk (MB) | cold start over node (ms) | query p50 / p95 / p99 (ms) | serving peak RSS (MB) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const p = r.paperboy;
    rows.push(
      `| ${r.papers} | paperboy | ${f((p.buildMs ?? 0) / 1000, 1)} | ${f(p.heapMb)} | ${f(p.rssAfterBuildMb)} | ${f(p.diskMb)} | ${f(p.coldStartOverNodeMs)} | ${f(p.p50, 1)} / ${f(p.p95, 1)} / ${f(p.p99, 1)} | ${f(p.servePeakRssMb)} |`,
    );
    const m = r.minisearch as Record<string, number>;
    if ('error' in r.minisearch) rows.push(`| ${r.papers} | minisearch | ${r.minisearch.error} | | | | | | |`);
    else
      rows.push(
        `| ${r.papers} | minisearch | ${f((m.buildMs ?? 0) / 1000, 1)} | ${f(m.heapMb)} | ${f(m.rssAfterBuildMb)} | ${f(m.diskMb)} | ${f(m.coldStartOverNodeMs)} | ${f(m.p50, 1)} / ${f(m.p95, 1)} / ${f(m.p99, 1)} | ${f(m.peakRssMb)} |`,
      );
  }
  rows.push('');
  rows.push(
    '| papers | serve warm-up (ms) | autocomplete p99 (ms) | topic list (ms) | paper lookup p99 (ms) | exclusions + filter, worst (ms) | 50 new papers searchable after (ms) | worst event-loop delay meanwhile (ms) |',
  );
  rows.push('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const p = r.paperboy;
    rows.push(
      `| ${r.papers} | ${f(p.serveWarmMs)} | ${f(p.completeP99, 1)} | ${f(p.topicListMs, 1)} | ${f(p.paperLookupP99, 1)} | ${f(p.excludeOnlyMax, 1)} | ${f(p.searchableAfterMs)} | ${f(p.worstLoopDelayMs)} |`,
    );
  }
  return rows.join('\n');
}

/**
 * The fuzz set: random queries of up to 500 characters (what a chat message can hold) mixing corpus
 * words, typos, random letters, words of 100-300 letters, unicode and lunr syntax, plus the known
 * worst cases. Same seed, same queries, every run.
 */
function fuzzQueries(seed: readonly Paper[], n: number): string[] {
  const rand = rng(7);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const letters = (k: number) => Array.from({ length: k }, () => String.fromCharCode(97 + int(0, 25))).join('');
  const corpusWords = seed.flatMap((p) => p.title.split(/\s+/)).filter((w) => w.length > 2);
  const corpusWord = () => corpusWords[int(0, corpusWords.length - 1)] ?? 'memory';
  const typo = (w: string) => {
    const i = int(0, w.length - 1);
    return rand() < 0.5 ? w.slice(0, i) + w.slice(i + 1) : `${w.slice(0, i)}${letters(1)}${w.slice(i)}`;
  };
  const odd = ['^', '~2', '*', ':', '+', '-', '"', 'title:', 'since:2025', 'org:"x', '\\', 'é', 'ß', 'ǅ', '中文', '🙂', 'ﬁ', 'İ', '٣'];
  const part = () => {
    const r = rand();
    if (r < 0.3) return corpusWord();
    if (r < 0.5) return typo(corpusWord().toLowerCase());
    if (r < 0.75) return letters(int(3, 14));
    if (r < 0.8) return letters(int(100, 300));
    if (r < 0.9) return `-${corpusWord()}`;
    return odd[int(0, odd.length - 1)] ?? '';
  };
  const out = [
    letters(200),
    letters(300),
    Array.from({ length: 50 }, () => letters(9)).join(' '),
    Array.from({ length: 5 }, () => letters(int(8, 10))).join(' '),
  ];
  while (out.length < n)
    out.push(
      Array.from({ length: int(1, 60) }, part)
        .join(' ')
        .slice(0, 500),
    );
  return out;
}

const fuzz = fuzzQueries(loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers, 200);

/** An abstract with one 128,000-character run in it (a pasted blob), to time the index build against. */
function withHugeAbstract(papers: Paper[]): Paper[] {
  const rand = rng(3);
  const run = Array.from({ length: 128_000 }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join('');
  const base = papers[0];
  return base ? [...papers, { ...base, id: 'bench-huge-abstract', title: `${base.title} (huge)`, abstract: `${base.abstract} ${run}` }] : papers;
}

async function measureFuzz(label: string, papers: Paper[]): Promise<void> {
  const store = await openStore(':memory:');
  const lib = new Library(store, new MemorySearchIndex(() => store.all(), silentLogger));
  await lib.ingest(papers);
  // As `serve` does before it opens its ports: the index built, the word list loaded, the search paths compiled.
  lib.warm();
  const times: number[] = [];
  let worst = '';
  for (const q of fuzz) {
    const t0 = performance.now();
    try {
      lib.search(q, 0, 5).hits.map((h) => h.snippet);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
    }
    const t = ms(t0);
    if (t > Math.max(0, ...times)) worst = q;
    times.push(t);
  }
  store.close();
  const huge = await openStore(':memory:');
  const hugeLib = new Library(huge, new MemorySearchIndex(() => huge.all(), silentLogger));
  await hugeLib.ingest(withHugeAbstract(papers));
  const t0 = performance.now();
  hugeLib.searchAll('warm up the index');
  const hugeMs = ms(t0);
  huge.close();
  console.log(`${label}: fuzz set, ${fuzz.length} queries of up to 500 characters`);
  console.log(
    `  search                                  p50 ${pct(times, 50).toFixed(1)} ms  p99 ${pct(times, 99).toFixed(1)} ms  worst ${Math.max(...times).toFixed(1)} ms`,
  );
  console.log(`  worst query                             ${JSON.stringify(worst.slice(0, 60))}${worst.length > 60 ? '…' : ''} (${worst.length} chars)`);
  console.log(`  index build, one 128,000-char abstract  ${hugeMs.toFixed(0)} ms`);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-bench-'));
try {
  // The compiled build is what users run; the workers measure it.
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(PROJECT_ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  const base = seedPapers();
  console.log(
    `bench: ${SIZES.join(', ')} synthetic papers (seeded, from the seeds' own sentences), ${200 + questions.length} queries each, ${os.cpus().length} cores, Node ${process.version}`,
  );
  const results = engines.includes('sqlite') ? SIZES.map((n) => measureSize(n, base, work)) : [];
  if (results.length > 0) console.log(table(results));
  const onPostgres: Array<Record<string, number>> = [];
  if (engines.includes('postgres')) {
    const server = await benchPostgres(databaseUrl);
    try {
      console.log(`  PostgreSQL: ${server.where}`);
      for (const n of SIZES) onPostgres.push(measurePostgres(n, base, work, await server.database()));
    } finally {
      await server.close();
    }
    console.log(
      engineTable([
        ...results.map((r) => ({ engine: 'sqlite' as const, r: { papers: r.papers, ...r.paperboy } })),
        ...onPostgres.map((r) => ({ engine: 'postgres' as const, r })),
      ]),
    );
  }
  fs.writeFileSync(
    path.join(PROJECT_ROOT, 'bench.json'),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: os.cpus().length, results, ...(onPostgres.length > 0 ? { postgres: onPostgres } : {}) }, null, 2)}\n`,
  );
  console.log('(written to bench.json)');
  if (engines.includes('sqlite')) {
    // The fuzz set on the seeds and on 10,000 papers, in this process (bounded work per request).
    const fuzzCorpus = syntheticCorpus(Math.min(10_000, Math.max(...SIZES)), 42, base);
    await measureFuzz('seed corpus', base);
    await measureFuzz(`synthetic corpus (${fuzzCorpus.length})`, fuzzCorpus);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
