// Replicas on one PostgreSQL database: a subscription made through one wakes the other's scheduler at once (NOTIFY), not at its next poll.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../src/app.js';
import { POLL_MS, Scheduler } from '../../src/scheduler/scheduler.js';
import { PostgresSignals } from '../../src/store/postgres/signals.js';
import { silentLogger } from '../../src/logger.js';
import { freshDatabase, type FreshDatabase } from '../support/postgres.js';
import { replicaOn } from '../support/replicas.js';
import { days, papersOn, RecordingAdapter, systemTime } from './support.js';

let db: FreshDatabase;
let a: App;
let b: App;

beforeAll(async () => {
  db = await freshDatabase();
  a = await replicaOn(db.url, systemTime);
  await a.library.ingest(papersOn(days('2025-11-24', 7)));
  // B opens after the papers are stored: its copy of the catalogue has them.
  b = await replicaOn(db.url, systemTime);
}, 30_000);

afterAll(async () => {
  vi.useRealTimers();
  await a?.close();
  await b?.close();
  await db?.drop();
});

describe('a subscription made on another replica', () => {
  it('wakes this replica’s scheduler at once, so it posts at the subscription’s minute rather than at its next poll', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    // 08:58:30 in New York: B's first look finds nothing and sleeps a whole poll (60 s), till 08:59:30.
    vi.setSystemTime(new Date('2025-12-01T13:58:30Z'));
    const adapter = new RecordingAdapter('slack');
    const scheduler = new Scheduler({
      store: b.schedules as NonNullable<App['schedules']>,
      library: b.library,
      clock: systemTime,
      timeZone: 'America/New_York',
      logger: silentLogger,
      signals: b.database.signals,
    });
    scheduler.start([adapter]);
    try {
      await vi.advanceTimersByTimeAsync(0);
      const signals = b.database.signals;
      if (signals instanceof PostgresSignals) await signals.listening();
      expect(scheduler.nextPost()).toBeNull();

      const made = await a.schedules?.addWithin({ platform: 'slack', channel: 'C0WAKE', hour: 8, minute: 59, zone: 'America/New_York', top: 3 });
      expect(made?.kind).toBe('added');
      const id = made?.kind === 'added' ? made.subscription.id : '';
      // NOTE: vi.waitFor moves the fake clock 50 ms per look; it gives up long before B's poll would come.
      await vi.waitFor(() => expect(scheduler.nextPost()?.subscription).toBe(id), { timeout: 5_000 });
      expect(Date.now()).toBeLessThan(Date.parse('2025-12-01T13:58:30Z') + POLL_MS / 2);

      await vi.advanceTimersByTimeAsync(Date.parse('2025-12-01T13:59:00Z') - Date.now());
      await vi.waitFor(() => expect(adapter.posts).toHaveLength(1), { timeout: 5_000 });
      expect(Date.parse(adapter.posts[0]?.at ?? '')).toBeLessThan(Date.parse('2025-12-01T13:59:30Z'));
      expect(adapter.posts[0]?.target.channel).toBe('C0WAKE');
    } finally {
      await scheduler.stop();
      vi.useRealTimers();
    }
  }, 30_000);
});
