// npm run bench:ingest: ingest time of Hugging Face daily lists from the fake HF API on loopback (recorded items), into a fresh database with the seeds.
// Prints one day (--papers, default 120) first and again (all unchanged), and a backfill (--days, default 30) with its per-day spread,
// and how long the event loop (what answers chat) was blocked at most during a big day (--big, default 1000), a 50 MB page and a 10 MB title,
// each --repeat times (default 3), with the ingest on that loop and on serve's ingest thread (which runs the build: `npm run build` first).
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { commands } from '../commands/index.js';
import { createApp, dayDeps, seedOnFirstStart } from '../src/app.js';
import { PROJECT_ROOT } from '../src/config.js';
import { ingestDay, ingestDays } from '../src/ingest/day.js';
import { ThreadedIngest } from '../src/ingest/threaded.js';
import { silentLogger } from '../src/logger.js';
import { seedSource } from '../src/papers/seeds.js';
import { systemClock } from '../src/ports.js';
import { addDays } from '../src/trending/period.js';
import { FakeHf, renumbered } from '../test/fakes/hf.js';
import type { HfChildRequest } from './bench-hf-child.js';

const arg = (name: string, def: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const PAPERS = arg('papers', 120);
const DAYS = arg('days', 30);
const PER_DAY = arg('per-day', 60);
const BIG = arg('big', 1000);
const REPEAT = arg('repeat', 3);

/**
 * Runs `fn` while sampling the event loop's delay every millisecond: the longest stretch the loop
 * was blocked (what a chat ack would wait behind), the 99th percentile, and how long the loop was
 * busy (event-loop utilization's active time), in milliseconds. NOTE: on a shared 2-core machine a
 * loop that does nothing still sees a few ms of delay (other processes run); `busy` is the loop's own work.
 */
async function loopDelay<T>(fn: () => Promise<T>): Promise<{ result: T; maxMs: number; p99Ms: number; busyMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const elu = performance.eventLoopUtilization();
  h.enable();
  try {
    const result = await fn();
    const busy = performance.eventLoopUtilization(elu).active;
    return { result, maxMs: Math.round(h.max / 1e5) / 10, p99Ms: Math.round(h.percentile(99) / 1e5) / 10, busyMs: Math.round(busy * 10) / 10 };
  } finally {
    h.disable();
  }
}

const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

async function freshApp(apiUrl = hf.apiUrl) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-bench-ingest-'));
  const config = { dataDir: dir, timeZone: 'America/New_York', hf: { apiUrl, timeoutMs: 15_000 } };
  const app = await createApp({ config, logger: silentLogger, clock: systemClock, commands });
  await seedOnFirstStart(app, seedSource(path.join(PROJECT_ROOT, 'seeds')), silentLogger, systemClock);
  app.library.warm();
  const deps = dayDeps(app, config, silentLogger, systemClock);
  if (!deps) throw new Error('a SQLite app keeps daily lists');
  return { app, deps, dir, config };
}

/** The fake HF in a child process (scripts/bench-hf-child.ts), and a way to script it. */
async function hfChild(): Promise<{ apiUrl: string; ask(m: DistributiveOmit<HfChildRequest, 'id'>): Promise<void>; close(): void }> {
  const proc = fork(path.join(PROJECT_ROOT, 'scripts/bench-hf-child.ts'), [], { execArgv: ['--import', 'tsx'] });
  const waiting = new Map<number, () => void>();
  let nextId = 0;
  const apiUrl = await new Promise<string>((resolve, reject) => {
    proc.once('error', reject);
    proc.on('message', (m: { apiUrl?: string; id?: number }) => {
      if (m.apiUrl) resolve(m.apiUrl);
      if (m.id !== undefined) waiting.get(m.id)?.();
    });
  });
  return {
    apiUrl,
    ask: (m) =>
      new Promise<void>((resolve) => {
        const id = ++nextId;
        waiting.set(id, resolve);
        proc.send({ ...m, id });
      }),
    close: () => proc.disconnect(),
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

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
  await one.app.close();
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
  await many.app.close();
  fs.rmSync(many.dir, { recursive: true, force: true });

  // The event loop during ingests a serving process runs: a big day, a runaway 50 MB page, a 10 MB title. The fake HF runs in
  // a child process here, so the loop measured carries paperboy's work only: first the ingest on that loop (in-process), then
  // on serve's ingest thread (what serve runs), where the loop only gets the thread's messages.
  const child = await hfChild();
  const blocked: Record<string, Record<string, unknown>> = {};
  /** Each case REPEAT times (other days, same sizes): the worst and the median longest block, the median busy time. */
  const summary = (runs: Array<{ maxMs: number; p99Ms: number; busyMs: number }>) => ({
    maxWorst: Math.max(...runs.map((r) => r.maxMs)),
    maxMedian: pct(
      runs.map((r) => r.maxMs),
      50,
    ),
    p99Median: pct(
      runs.map((r) => r.p99Ms),
      50,
    ),
    busyMedian: pct(
      runs.map((r) => r.busyMs),
      50,
    ),
  });
  try {
    const idle: Array<{ maxMs: number; p99Ms: number; busyMs: number }> = [];
    for (let i = 0; i < REPEAT; i++) idle.push(await loopDelay(() => new Promise((r) => setTimeout(r, 1_000))));
    blocked.idleSecond = summary(idle);
    for (const mode of ['inProcess', 'thread'] as const) {
      const loop = await freshApp(child.apiUrl);
      let ingest: ThreadedIngest | null = null;
      let run: (date: string) => Promise<{ papers: number; warnings: number }>;
      let threadStartMaxMs: number | null = null;
      if (mode === 'thread') {
        const { dataDir, timeZone, hf: hfConfig } = loop.config;
        const thread = new ThreadedIngest({
          init: { config: { dataDir, timeZone, hf: hfConfig, live: { enabled: true, everyMinutes: 60 } } },
          logger: silentLogger,
          lists: loop.app.dailyLists,
        });
        ingest = thread;
        // Starting the thread (once per serve) is measured apart: a one-paper day.
        await child.ask({ op: 'day', date: '2026-05-31', papers: 1, tag: 4 });
        threadStartMaxMs = (await loopDelay(() => thread.runOnce('2026-05-31'))).maxMs;
        run = async (date) => {
          const r = await thread.runOnce(date);
          return { papers: r.counts.papers ?? 0, warnings: r.warnings };
        };
      } else {
        run = async (date) => {
          const r = await ingestDay(loop.deps, date);
          return { papers: r.counts.papers ?? 0, warnings: r.warnings.length };
        };
      }
      const big: Array<{ maxMs: number; p99Ms: number; busyMs: number }> = [];
      const search: number[] = [];
      const searchAgain: number[] = [];
      const page: Array<{ maxMs: number; p99Ms: number; busyMs: number }> = [];
      const title: Array<{ maxMs: number; p99Ms: number; busyMs: number }> = [];
      let outcome = '';
      for (let i = 0; i < REPEAT; i++) {
        const day = (k: number) => `2026-06-${String(10 + 3 * i + k).padStart(2, '0')}`;
        await child.ask({ op: 'day', date: day(0), papers: BIG, tag: 20 + i });
        await child.ask({ op: 'fail', route: `daily_papers:${day(1)}`, fault: { kind: 'huge', bytes: 50 * 1024 * 1024 } });
        await child.ask({ op: 'longTitle', date: day(2), bytes: 10 * 1024 * 1024, tag: 40 + i });
        const b = await loopDelay(() => run(day(0)));
        if (b.result.papers !== BIG) throw new Error(`the big day gave ${b.result.papers} papers`);
        big.push(b);
        // What the next search on the serving loop pays to see the new papers (in-process: the ingest already did), and the same search again.
        const t = performance.now();
        if (loop.app.library.searchAll(renumbered(1, 20 + i)[0]?.paper.title ?? '').length === 0) throw new Error('the big day is not searchable');
        search.push(ms(t));
        const t2 = performance.now();
        loop.app.library.searchAll(renumbered(1, 20 + i)[0]?.paper.title ?? '');
        searchAgain.push(ms(t2));
        const p = await loopDelay(() =>
          run(day(1)).then(
            () => 'ingested',
            (e: Error) => e.message,
          ),
        );
        outcome = p.result.slice(0, 100);
        page.push(p);
        const tt = await loopDelay(() => run(day(2)));
        if (tt.result.warnings !== 1) throw new Error('the 10 MB title was not clipped with a warning');
        title.push(tt);
      }
      const t = performance.now();
      await ingest?.stop();
      const stopMs = ms(t);
      await loop.app.close();
      fs.rmSync(loop.dir, { recursive: true, force: true });
      blocked[mode] = {
        bigDay: { papers: BIG, ...summary(big), firstSearchAfterMs: pct(search, 50), sameSearchAgainMs: pct(searchAgain, 50) },
        page50MB: { outcome, ...summary(page) },
        title10MB: summary(title),
        ...(threadStartMaxMs !== null ? { threadStartMax: threadStartMaxMs, stopMs } : {}),
      };
    }
  } finally {
    child.close();
  }

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
    eventLoopBlockedMs: blocked,
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await hf.close();
}
