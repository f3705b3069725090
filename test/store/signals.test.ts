// Wake-ups between processes: NOTIFY/LISTEN on PostgreSQL (heard by another pool, heard again after the LISTEN connection is lost), and within one process on SQLite.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { LocalSignals } from '../../src/store/localSignals.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { channelName, PostgresSignals } from '../../src/store/postgres/signals.js';
import { PostgresSql } from '../../src/store/postgresSql.js';
import { freshDatabase, type FreshDatabase } from '../support/postgres.js';

let db: FreshDatabase;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  db = await freshDatabase();
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

afterAll(async () => {
  await db.drop();
});

/** A process's signals on the test database (its own pool). */
async function signalsOn(): Promise<{ signals: PostgresSignals; sql: PostgresSql }> {
  const pool = await connectPostgres(db.url);
  const sql = new PostgresSql(pool);
  const signals = new PostgresSignals({ pool, sql, logger: silentLogger, where: db.name, relistenMs: 100 });
  cleanups.push(async () => {
    await signals.close();
    await pool.end();
  });
  return { signals, sql };
}

/** The backends LISTENing on the alerts channel (the last statement a LISTEN connection ran is its last LISTEN). */
async function listeners(): Promise<number[]> {
  const rows = await db.admin<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %'`, [db.name]);
  return rows.map((r) => r.pid);
}

describe('signals on PostgreSQL', () => {
  it('a wake-up sent in a transaction by one process is heard by another once it commits', async () => {
    const a = await signalsOn();
    const b = await signalsOn();
    const heard: string[] = [];
    b.signals.on('subscriptions', () => heard.push('subscriptions'));
    b.signals.on('alerts', () => heard.push('alerts'));
    await b.signals.listening();
    heard.length = 0;
    await a.sql.transaction(async (tx) => {
      await a.signals.notify('alerts', tx);
      return null;
    });
    await vi.waitFor(() => expect(heard).toEqual(['alerts']), { timeout: 10_000 });
  });

  it('a wake-up in a transaction that rolls back is never heard, the next committed one is', async () => {
    const a = await signalsOn();
    const b = await signalsOn();
    const heard: string[] = [];
    b.signals.on('subscriptions', () => heard.push('subscriptions'));
    b.signals.on('alerts', () => heard.push('alerts'));
    await b.signals.listening();
    heard.length = 0;
    await expect(
      a.sql.transaction(async (tx) => {
        await a.signals.notify('subscriptions', tx);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // NOTE: notifications from one session arrive in commit order: once the later one is heard, the rolled-back one would have been.
    await a.signals.notify('alerts');
    await vi.waitFor(() => expect(heard).toContain('alerts'), { timeout: 10_000 });
    expect(heard).toEqual(['alerts']);
  });

  it('a lost LISTEN connection listens again, wakes its listeners, and hears the next wake-up', async () => {
    const a = await signalsOn();
    const b = await signalsOn();
    let heard = 0;
    b.signals.on('alerts', () => (heard += 1));
    await b.signals.listening();
    const [before, ...others] = await listeners();
    expect([before, others]).toEqual([expect.any(Number), []]);
    const afterStart = heard;

    await db.admin('SELECT pg_terminate_backend($1)', [before]);
    await vi.waitFor(async () => expect((await listeners()).filter((p) => p !== before)).toHaveLength(1), { timeout: 10_000, interval: 50 });
    await b.signals.listening();
    // Listening again, it woke its listeners once: a wake-up sent while it was away would otherwise be missed.
    expect(heard).toBe(afterStart + 1);

    await a.signals.notify('alerts');
    await vi.waitFor(() => expect(heard).toBe(afterStart + 2), { timeout: 10_000 });
  });

  it('channels are named for paperboy, so other applications on the database are not woken', () => {
    expect(channelName('alerts')).toBe('paperboy_alerts');
  });
});

describe('signals on SQLite', () => {
  it('a wake-up is heard by this process’s listeners, and not by one that stopped listening', async () => {
    const signals = new LocalSignals();
    const heard: string[] = [];
    const stop = signals.on('alerts', () => heard.push('first'));
    signals.on('alerts', () => heard.push('second'));
    signals.on('subscriptions', () => heard.push('subscriptions'));
    await signals.notify('alerts');
    await Promise.resolve();
    expect(heard).toEqual(['first', 'second']);
    stop();
    await signals.notify('alerts');
    await Promise.resolve();
    expect(heard).toEqual(['first', 'second', 'second']);
  });
});
