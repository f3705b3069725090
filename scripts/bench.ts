// npm run bench: prints ingest, index and query speed and memory, and the fuzz set's worst cases, on the seeds and on a larger synthetic corpus.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { UserError } from '../src/errors.js';
import { MemorySearchIndex } from '../src/search/searchIndex.js';
import { Library } from '../src/library.js';
import { silentLogger } from '../src/logger.js';
import type { Paper } from '../src/papers/model.js';
import { slugId } from '../src/papers/model.js';
import { loadSeedDir } from '../src/papers/seeds.js';
import { openStore } from '../src/store/sqlite.js';

const size = Number(process.argv.find((a) => a.startsWith('--papers='))?.split('=')[1] ?? 10_000);
const ms = (t0: number) => performance.now() - t0;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

/** A deterministic PRNG (mulberry32), so every run measures the same corpus. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function synthetic(seed: readonly Paper[], n: number): Paper[] {
  const rand = rng(42);
  const sentences = seed.flatMap((p) => p.abstract.split(/(?<=\.)\s+/));
  const titleWords = seed.flatMap((p) => p.title.split(/\s+/));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const out: Paper[] = [];
  for (let i = 0; i < n; i++) {
    const title = `${Array.from({ length: 6 + Math.floor(rand() * 6) }, () => pick(titleWords)).join(' ')} #${i}`;
    const day = new Date(Date.UTC(2024, 0, 1) + Math.floor(rand() * 700) * 86_400_000).toISOString().slice(0, 10);
    out.push({
      id: slugId(title),
      title,
      abstract: Array.from({ length: 6 + Math.floor(rand() * 5) }, () => pick(sentences)).join(' '),
      authors: [],
      authorCount: 1 + Math.floor(rand() * 12),
      org: null,
      publishedAt: day,
      upvotes: Math.floor(rand() * 50),
      arxivId: null,
      thumbnail: null,
      sources: [{ name: 'bench' }],
    });
  }
  return out;
}

const queries = (() => {
  for (const f of [path.join(PROJECT_ROOT, '../shared/eval/dev-queries.json'), path.join(PROJECT_ROOT, 'eval/dev-queries.json')]) {
    if (fs.existsSync(f)) return (JSON.parse(fs.readFileSync(f, 'utf8')) as Array<{ query: string }>).map((q) => q.query);
  }
  return ['kv cache quantization', 'agent memory', 'diffusion models'];
})();

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

function measureFuzz(label: string, papers: Paper[]): void {
  const store = openStore(':memory:');
  const lib = new Library(store, new MemorySearchIndex(() => store.all(), silentLogger));
  lib.ingest(papers);
  lib.searchAll('warm up the index');
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
  const huge = openStore(':memory:');
  const hugeLib = new Library(huge, new MemorySearchIndex(() => huge.all(), silentLogger));
  hugeLib.ingest(withHugeAbstract(papers));
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

function measure(label: string, papers: Paper[]): void {
  const store = openStore(':memory:');
  const lib = new Library(store, new MemorySearchIndex(() => store.all(), silentLogger));
  let t = performance.now();
  lib.ingest(papers);
  const ingestMs = ms(t);
  t = performance.now();
  lib.searchAll('warm up the index');
  const indexMs = ms(t);
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const q of queries) {
      const t0 = performance.now();
      lib.search(q, 0, 5).hits.map((h) => h.snippet);
      times.push(ms(t0));
    }
  }
  t = performance.now();
  lib.trending({ kind: 'month', label: '2025-11', from: '2025-11-01', to: '2025-11-30' });
  const trendingMs = ms(t);
  const mem = process.memoryUsage();
  console.log(`${label}: ${papers.length} papers`);
  console.log(`  ingest (SQLite upsert, one transaction)  ${ingestMs.toFixed(0)} ms`);
  console.log(`  lunr index build                        ${indexMs.toFixed(0)} ms`);
  console.log(
    `  search (${times.length} queries, page of 5)     p50 ${pct(times, 50).toFixed(1)} ms  p95 ${pct(times, 95).toFixed(1)} ms  max ${Math.max(...times).toFixed(1)} ms`,
  );
  console.log(`  trending (a month)                      ${trendingMs.toFixed(1)} ms`);
  console.log(`  memory after                            rss ${mb(mem.rss)}  heap used ${mb(mem.heapUsed)}`);
  store.close();
}

let t0 = performance.now();
const seeds = loadSeedDir(path.join(PROJECT_ROOT, 'seeds'));
console.log(`seed parse: ${seeds.files.length} files, ${seeds.entries} entries → ${seeds.papers.length} papers in ${ms(t0).toFixed(0)} ms`);
measure('seed corpus', seeds.papers);
t0 = performance.now();
const big = synthetic(seeds.papers, size);
console.log(`(synthetic corpus generated in ${ms(t0).toFixed(0)} ms)`);
measure('synthetic corpus', big);
// After the figures above, so their "memory after" is not the fuzz runs' garbage.
measureFuzz('seed corpus', seeds.papers);
measureFuzz('synthetic corpus', big);
