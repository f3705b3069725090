// npm run bench:ingest: ingest time of Hugging Face daily lists from the fake HF API on loopback (recorded items), into a fresh database with the seeds.
// Prints one day (--papers, default 120) first and again (all unchanged), and a backfill (--days, default 30) with its per-day spread,
// and how long the event loop (what answers chat) was blocked at most during a big day (--big, default 1000), a 50 MB page and a 10 MB title.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { commands } from '../commands/index.js';
import { createApp, dayDeps, seedOnFirstStart } from '../src/app.js';
import { PROJECT_ROOT } from '../src/config.js';
import { ingestDay, ingestDays } from '../src/ingest/day.js';
import { silentLogger } from '../src/logger.js';
import { seedSource } from '../src/papers/seeds.js';
import { systemClock } from '../src/ports.js';
import { addDays } from '../src/trending/period.js';
import { FakeHf, renumbered, type HfItem } from '../test/fakes/hf.js';

const arg = (name: string, def: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const PAPERS = arg('papers', 120);
const DAYS = arg('days', 30);
const PER_DAY = arg('per-day', 60);
const BIG = arg('big', 1000);

/**
 * Runs `fn` while sampling the event loop's delay every millisecond: the longest stretch the loop
 * was blocked (what a chat ack would wait behind) and the 99th percentile, in milliseconds.
 * NOTE: the fake HF server runs in this process too, so its own work is counted.
 */
async function loopDelay<T>(fn: () => Promise<T>): Promise<{ result: T; maxMs: number; p99Ms: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  try {
    const result = await fn();
    return { result, maxMs: Math.round(h.max / 1e5) / 10, p99Ms: Math.round(h.percentile(99) / 1e5) / 10 };
  } finally {
    h.disable();
  }
}

const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

async function freshApp() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-bench-ingest-'));
  const config = { dataDir: dir, timeZone: 'America/New_York', hf: { apiUrl: hf.apiUrl, timeoutMs: 15_000 } };
  const app = createApp({ config, logger: silentLogger, clock: systemClock, commands });
  await seedOnFirstStart(app, seedSource(path.join(PROJECT_ROOT, 'seeds')), silentLogger, systemClock);
  app.library.warm();
  const deps = dayDeps(app, config, silentLogger, systemClock);
  if (!deps) throw new Error('a SQLite app keeps daily lists');
  return { app, deps, dir };
}

const hf = await new FakeHf().listen();
try {
  // One day of PAPERS items (pages of 100), then the same day again.
  hf.days.set('2026-06-12', renumbered(PAPERS, 1));
  const one = await freshApp();
  let t0 = performance.now();
  const first = await ingestDay(one.deps, '2026-06-12');
  const firstMs = ms(t0);
  t0 = performance.now();
  const again = await ingestDay(one.deps, '2026-06-12');
  const againMs = ms(t0);
  const oneHits = one.app.library.searchAll(renumbered(1, 1)[0]?.paper.title ?? '').length;
  one.app.close();
  fs.rmSync(one.dir, { recursive: true, force: true });

  // A backfill: DAYS days ending 2026-06-30, PER_DAY items on weekdays, empty weekends.
  const dates = Array.from({ length: DAYS }, (_, i) => addDays('2026-06-30', i - DAYS + 1));
  dates.forEach((d, i) => {
    const weekday = new Date(`${d}T12:00:00Z`).getUTCDay();
    hf.days.set(d, weekday === 0 || weekday === 6 ? [] : renumbered(PER_DAY, 10 + i));
  });
  const many = await freshApp();
  const before = hf.dailyRequests().length;
  const perDay: number[] = [];
  let last = performance.now();
  t0 = last;
  const outcomes = await ingestDays(many.deps, dates, {
    onDay: () => {
      const now = performance.now();
      perDay.push(now - last);
      last = now;
    },
  });
  const backfillMs = ms(t0);
  const papers = outcomes.reduce((n, o) => n + (o.status === 'ingested' ? (o.result.counts.papers ?? 0) : 0), 0);
  t0 = performance.now();
  const resumed = await ingestDays(many.deps, dates);
  const resumedMs = ms(t0);
  many.app.close();
  fs.rmSync(many.dir, { recursive: true, force: true });

  // The event loop during ingests a serving process runs: a big day, a runaway 50 MB page, a 10 MB title.
  const loop = await freshApp();
  hf.days.set('2026-06-13', renumbered(BIG, 2));
  const bigDay = await loopDelay(() => ingestDay(loop.deps, '2026-06-13'));
  hf.fail('daily_papers:2026-06-14', { kind: 'huge', bytes: 50 * 1024 * 1024 });
  const hugePage = await loopDelay(() =>
    ingestDay(loop.deps, '2026-06-14').then(
      () => 'ingested',
      (e: Error) => e.message,
    ),
  );
  const [base] = renumbered(1, 3) as [HfItem];
  hf.days.set('2026-06-15', [{ ...base, paper: { ...base.paper, title: `Runaway ${'title '.repeat((10 * 1024 * 1024) / 6)}` } }]);
  const hugeTitle = await loopDelay(() => ingestDay(loop.deps, '2026-06-15'));
  loop.app.close();
  fs.rmSync(loop.dir, { recursive: true, force: true });

  const figures = {
    node: process.version,
    cpus: os.cpus().length,
    oneDay: {
      papers: first.counts.papers,
      pages: first.counts.pages,
      firstMs,
      inserted: first.stats.inserted,
      againMs,
      unchanged: again.stats.unchanged,
      searchableAfter: oneHits > 0,
    },
    backfill: {
      days: DAYS,
      papers,
      ms: backfillMs,
      perDayMs: { p50: Math.round(pct(perDay, 50)), p95: Math.round(pct(perDay, 95)), max: Math.round(Math.max(...perDay)) },
      requests: hf.dailyRequests().length - before,
      resumedMs,
      resumedSkipped: resumed.filter((o) => o.status === 'skipped').length,
    },
    eventLoopBlockedMs: {
      bigDay: { papers: bigDay.result.counts.papers, max: bigDay.maxMs, p99: bigDay.p99Ms },
      page50MB: { outcome: hugePage.result.slice(0, 120), max: hugePage.maxMs, p99: hugePage.p99Ms },
      title10MB: { warnings: hugeTitle.result.warnings.length, max: hugeTitle.maxMs, p99: hugeTitle.p99Ms },
    },
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await hf.close();
}
