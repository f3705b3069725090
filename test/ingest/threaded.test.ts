// serve's live ingest on its own worker thread, driven through the main thread's proxy: runs, freshness, stop during a hung fetch, crashes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createApp, type App } from '../../src/app.js';
import { ingestThreadFile, ThreadedIngest, type ThreadedIngestOptions } from '../../src/ingest/threaded.js';
import type { IngestThreadInit } from '../../src/ingest/threadMessages.js';
import type { Logger } from '../../src/logger.js';
import { systemClock } from '../../src/ports.js';
import { FakeHf, renumbered, type HfItem } from '../fakes/hf.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Line {
  level: string;
  msg: string;
  obj: unknown;
}

/** A logger that keeps every line, the thread's relayed ones included. */
function recordingLogger(): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (obj: unknown, msg?: string) => void lines.push({ level, msg: msg ?? '', obj });
  const logger: Logger & { lines: Line[] } = { lines, child: () => logger, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return logger;
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

const DAY = '2026-06-12';

/** One paper no seed has, on the fake's list of DAY. */
function oddPaper(): HfItem {
  const [base] = renumbered(1, 91) as [HfItem];
  return { ...base, paper: { ...base.paper, title: 'Quokkaformer: Marsupial Attention for Tabular Forecasting' } };
}

async function setup(opts: Partial<ThreadedIngestOptions> = {}) {
  const hf = await new FakeHf().listen();
  cleanups.push(() => hf.close());
  hf.days.set(DAY, [oddPaper()]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-thread-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const logger = recordingLogger();
  // The main thread's app, as serve has it: the thread opens its own connection to the same file.
  const app: App = await createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger, clock: systemClock, commands });
  cleanups.push(() => app.close());
  const init: IngestThreadInit = {
    config: { dataDir: dir, timeZone: 'America/New_York', hf: { apiUrl: hf.apiUrl, timeoutMs: 5_000 }, live: { enabled: true, everyMinutes: 60 } },
  };
  const ingest = new ThreadedIngest({ init, logger, lists: app.dailyLists, ...opts });
  cleanups.push(() => ingest.stop());
  return { hf, app, ingest, logger };
}

/** A thread that throws as it starts. */
const crashing = () => new Worker('throw new Error("ingest thread boom")', { eval: true });
const real = (init: IngestThreadInit) => new Worker(ingestThreadFile(), { workerData: init });

describe('threaded live ingest', () => {
  it("stores the day in the thread, and the main thread's search finds the new paper", async () => {
    const { app, ingest } = await setup();
    expect(app.library.searchAll('quokkaformer marsupial')).toEqual([]);
    const r = await ingest.runOnce(DAY);
    expect(r).toMatchObject({ date: DAY, inserted: 1 });
    expect(app.library.searchAll('quokkaformer marsupial').map((h) => h.paper.title)).toEqual([oddPaper().paper.title]);
    expect(ingest.status().lastDate).toBe(DAY);
    expect(ingest.status().lastSuccessAt).not.toBeNull();
  });

  it("plans follow alerts for what it stored: the main thread's outbox holds the alert, and the day's list is seen there", async () => {
    const { app, ingest } = await setup();
    await app.follows?.add('slack', { kind: 'channel', channel: 'C0PAPERS' }, 'marsupial attention');
    await ingest.runOnce(DAY);
    expect(app.dailyLists?.day(DAY)?.fetchedAt).toBeTruthy();
    const alerts = (await app.follows?.outbox()) ?? [];
    expect(alerts).toHaveLength(1);
    expect(JSON.stringify(alerts[0]?.reply)).toContain('Quokkaformer');
  });

  it('ensureFresh through the thread fetches once: callers at once share the fetch, and a later one finds the list fresh', async () => {
    const { hf, ingest } = await setup();
    const [a, b] = await Promise.all([ingest.ensureFresh(DAY, 60_000), ingest.ensureFresh(DAY, 60_000)]);
    expect(a?.inserted).toBe(1);
    expect(b?.inserted).toBe(1);
    expect(await ingest.ensureFresh(DAY, 60_000)).toBeNull();
    expect(hf.dailyRequests(DAY)).toHaveLength(1);
  });

  it("a thread's failure to fetch is the caller's error and the status's, and serving goes on", async () => {
    const { hf, ingest } = await setup();
    hf.fail(`daily_papers:${DAY}`, { kind: 'garbage' });
    await expect(ingest.runOnce(DAY)).rejects.toThrow(/JSON|not.*list|unexpected/i);
    await until(() => ingest.status().lastError !== null);
  });

  it('stop during a hung fetch aborts it, ends the thread cleanly and fails the waiting call', async () => {
    const { hf, ingest, logger } = await setup();
    hf.fail(`daily_papers:${DAY}`, { kind: 'hang' });
    const waiting = ingest.runOnce(DAY).then(
      () => 'ingested',
      (e: Error) => e.message,
    );
    await until(() => hf.dailyRequests(DAY).length > 0);
    await ingest.stop();
    expect(await waiting).toMatch(/cancelled|stopped/);
    expect(logger.lines.filter((l) => /did not stop in time/.test(l.msg))).toEqual([]);
    await expect(ingest.runOnce(DAY)).rejects.toThrow(/stopped/);
  });

  it('a thread that crashes is logged and started again, and the new thread ingests', async () => {
    let spawned = 0;
    const { ingest, logger, app } = await setup({
      spawn: (init) => (++spawned === 1 ? crashing() : real(init)),
      restart: { firstMs: 10 },
    });
    ingest.start();
    await until(() => spawned === 2);
    expect(logger.lines.some((l) => l.level === 'error' && /crashed; starting it again/.test(l.msg))).toBe(true);
    await until(() => ingest.status().lastError === null && ingest.status().lastSuccessAt !== null);
    expect(ingest.status().running).toBe(true);
    await ingest.runOnce(DAY);
    expect(app.library.searchAll('quokkaformer marsupial')).toHaveLength(1);
  });

  it('after too many quick crashes it stops restarting, says so in its status, and serve goes on', async () => {
    let spawned = 0;
    const { ingest, logger } = await setup({
      spawn: () => {
        spawned++;
        return crashing();
      },
      restart: { firstMs: 1, maxCrashes: 3 },
    });
    ingest.start();
    await until(() => /crashed 3 times in a row/.test(ingest.status().lastError ?? ''));
    expect(spawned).toBe(3);
    expect(ingest.status().running).toBe(false);
    expect(logger.lines.filter((l) => l.level === 'error' && /live ingest is off until serve restarts/.test(l.msg))).toHaveLength(1);
    await expect(ingest.ensureFresh(DAY, 60_000)).rejects.toThrow(/crashed 3 times/);
  });
});
