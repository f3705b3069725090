// Replicas on one PostgreSQL database: alerts planned by one (its ingest) wake the other's alert delivery at once (NOTIFY), not at its 30 s poll.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../src/app.js';
import { AlertDelivery } from '../../src/follows/delivery.js';
import { silentLogger } from '../../src/logger.js';
import { systemClock } from '../../src/ports.js';
import { PostgresSignals } from '../../src/store/postgres/signals.js';
import { freshDatabase, type FreshDatabase } from '../support/postgres.js';
import { replicaOn } from '../support/replicas.js';
import { ManualTicker, paper, RecordingAdapter } from './support.js';

let db: FreshDatabase;
let a: App;
let b: App;

beforeAll(async () => {
  db = await freshDatabase();
  a = await replicaOn(db.url, systemClock);
  b = await replicaOn(db.url, systemClock);
}, 30_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

describe('alerts planned on another replica', () => {
  it('are sent by this replica at once, though its poll never comes', async () => {
    const follows = a.follows as NonNullable<App['follows']>;
    await follows.add('slack', { kind: 'user', user: 'U0WAKE' }, 'kv cache');
    const adapter = new RecordingAdapter('slack');
    // NOTE: the hand-fired ticker is never fired: only the start's look and a wake-up can send.
    const delivery = new AlertDelivery({
      follows: b.follows as NonNullable<App['follows']>,
      clock: systemClock,
      logger: silentLogger,
      ticker: new ManualTicker(),
      signals: b.database.signals,
    });
    delivery.start([adapter]);
    try {
      await delivery.idle();
      const signals = b.database.signals;
      if (signals instanceof PostgresSignals) await signals.listening();
      await delivery.idle();
      expect(adapter.direct).toEqual([]);

      // A's ingest plans the alert (the ingesting process plans as it stores).
      await a.library.ingest([paper('2512.00001', 'Evicting Tokens from the KV Cache Under Memory Pressure', 'We evict tokens from the KV cache.', 5)]);
      expect(await follows.outbox()).toHaveLength(1);

      await vi.waitFor(() => expect(adapter.direct.map((d) => d.user)).toEqual(['U0WAKE']), { timeout: 10_000 });
    } finally {
      await delivery.stop();
    }
  }, 30_000);
});
