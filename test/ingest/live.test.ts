// The live ingest beside serve: today's list at start then on a schedule (fake clock and timers), freshness on demand, no network at start.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { createApp, seedOnFirstStart, type App } from '../../src/app.js';
import { LiveIngest } from '../../src/ingest/live.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { HfClient } from '../../src/papers/hf.js';
import { seedSource } from '../../src/papers/seeds.js';
import { FakeHf, fakeSleep, recordedList } from '../fakes/hf.js';
import { FakeClock } from '../support/core.js';
import { pageEntry, pageHeader } from '../support/seedPages.js';
import { FakeTimers } from '../support/timers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A logger that keeps warnings. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger & { warnings: string[] } = {
    warnings,
    child: () => logger,
    debug: () => undefined,
    info: () => undefined,
    warn: (obj: unknown, msg?: string) => warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
    error: () => undefined,
  };
  return logger;
}

const MIN = 60_000;

async function setup(opts: { clock?: FakeClock; offline?: boolean; logger?: Logger } = {}) {
  const hf = await new FakeHf().listen();
  // Offline: nothing listens where HF_API_URL points (the port was just freed).
  if (opts.offline) await hf.close();
  else cleanups.push(() => hf.close());
  const clock = opts.clock ?? new FakeClock(new Date('2026-06-13T03:00:00Z'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-live-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const logger = opts.logger ?? silentLogger;
  const app: App = await createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger, clock, commands });
  cleanups.push(() => app.close());
  const timers = new FakeTimers(clock);
  const live = new LiveIngest({
    library: app.library,
    lists: app.dailyLists as NonNullable<App['dailyLists']>,
    client: new HfClient({ apiUrl: hf.apiUrl, timeoutMs: 2_000, retries: 1, sleep: fakeSleep() }),
    clock,
    timeZone: 'America/New_York',
    logger,
    everyMs: 60 * MIN,
    timers,
  });
  cleanups.push(() => live.stop());
  return { hf, clock, app, timers, live, dir };
}

describe('LiveIngest', () => {
  it("ingests today's list (New York date) at start, then every interval after the last run, on a fake clock", async () => {
    const { hf, timers, live, app } = await setup();
    // 03:00 UTC on the 13th is 23:00 on the 12th in New York: today's list is the 12th's.
    hf.days.set('2026-06-12', recordedList());
    live.start();
    await live.idle();
    expect(hf.dailyRequests().map((r) => r.query.date)).toEqual(['2026-06-12']);
    expect(app.store.count()).toBe(recordedList().length);
    expect(timers.count).toBe(1);
    timers.advance(59 * MIN);
    await live.idle();
    expect(hf.dailyRequests()).toHaveLength(1);
    // Past midnight in New York the next run fetches the 13th's list.
    timers.advance(1 * MIN);
    await live.idle();
    expect(hf.dailyRequests().map((r) => r.query.date)).toEqual(['2026-06-12', '2026-06-13']);
    timers.advance(60 * MIN);
    await live.idle();
    expect(hf.dailyRequests()).toHaveLength(3);
  });

  it('stop clears the schedule and cancels a request in flight', async () => {
    const { hf, timers, live } = await setup();
    hf.fail('daily_papers', { kind: 'hang' });
    live.start();
    await new Promise<void>((resolve) => {
      const check = () => (hf.dailyRequests().length > 0 ? resolve() : setTimeout(check, 5));
      check();
    });
    await live.stop();
    expect(live.status().running).toBe(false);
    expect(timers.count).toBe(0);
    timers.advance(120 * MIN);
    expect(hf.dailyRequests()).toHaveLength(1);
  });

  it('ensureFresh fetches only when the list is older than 15 minutes, counting fetches by other processes', async () => {
    const { hf, clock, live, dir } = await setup();
    hf.days.set('2026-06-12', recordedList());
    expect(await live.ensureFresh()).not.toBeNull();
    clock.advance(10 * MIN);
    expect(await live.ensureFresh()).toBeNull();
    clock.advance(6 * MIN);
    expect((await live.ensureFresh())?.date).toBe('2026-06-12');
    expect(hf.dailyRequests()).toHaveLength(2);
    // Another process on the same database fetches; this one sees the list as fresh.
    clock.advance(30 * MIN);
    const other = await createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger: silentLogger, clock, commands });
    cleanups.push(() => other.close());
    const otherLive = new LiveIngest({
      library: other.library,
      lists: other.dailyLists as NonNullable<App['dailyLists']>,
      client: new HfClient({ apiUrl: hf.apiUrl, timeoutMs: 2_000, sleep: fakeSleep() }),
      clock,
      timeZone: 'America/New_York',
      logger: silentLogger,
      everyMs: 60 * MIN,
    });
    await otherLive.runOnce();
    expect(await live.ensureFresh()).toBeNull();
    expect(hf.dailyRequests()).toHaveLength(3);
  });

  it('two callers asking for the same day at once share one fetch', async () => {
    const { hf, live } = await setup();
    hf.days.set('2026-06-12', recordedList());
    const [a, b] = await Promise.all([live.runOnce('2026-06-12'), live.ensureFresh('2026-06-12')]);
    expect(a).toBe(b);
    expect(hf.dailyRequests()).toHaveLength(1);
  });

  it('status gives the last successful ingest time, and the failure since', async () => {
    const { hf, clock, live, timers } = await setup();
    hf.days.set('2026-06-12', recordedList());
    expect(live.status()).toMatchObject({ lastSuccessAt: null, lastError: null });
    live.start();
    await live.idle();
    const at = clock.now().toISOString();
    expect(live.status()).toMatchObject({ lastSuccessAt: at, lastError: null, lastDate: '2026-06-12', running: true });
    hf.fail('daily_papers', { kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    timers.advance(60 * MIN);
    await live.idle();
    expect(live.status()).toMatchObject({ lastSuccessAt: at, lastError: expect.stringMatching(/answered 503/) });
  });

  it('with no network at start: a warning, start does not wait, and the seed papers are still served', async () => {
    const logger = recordingLogger();
    const { app, live, timers, clock } = await setup({ offline: true, logger });
    const seeds = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-live-seeds-'));
    cleanups.push(() => fs.rmSync(seeds, { recursive: true, force: true }));
    fs.writeFileSync(path.join(seeds, 'page.txt'), `${pageHeader('Jun 12')}${pageEntry('Offline Seeds Still Answer', 'A paper from the seed corpus.')}`);
    await seedOnFirstStart(app, seedSource(seeds), logger, clock);
    live.start();
    expect(live.status().running).toBe(true);
    await live.idle();
    expect(logger.warnings.some((w) => /live ingest failed: serving the papers already stored; trying again in 60 min/.test(w) && /ECONNREFUSED/.test(w))).toBe(
      true,
    );
    expect(app.library.searchAll('offline seeds')[0]?.title).toBe('Offline Seeds Still Answer');
    expect(timers.count).toBe(1);
  });
});
