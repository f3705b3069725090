// Event claims on both engines: the first claim of an event id wins across processes, a retry loses, and claims expire after an hour.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEEP_CLAIMS_MS, MemoryEventClaims, SqlEventClaims } from '../../src/inbound/eventClaims.js';
import type { Sql } from '../../src/ports.js';
import { openDatabase, type PaperDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { PostgresSql } from '../../src/store/postgresSql.js';
import { FakeClock } from '../support/core.js';
import { freshSql } from '../support/postgres.js';

interface Engine {
  /** Two handles on one database, as two processes (replicas) have. */
  open(): Promise<[Sql, Sql]>;
  close(): Promise<void>;
}

const sqlite = (): Engine => {
  let db: PaperDatabase | undefined;
  return {
    async open() {
      db = await openDatabase({ file: ':memory:', features: FEATURES });
      return [db.sql, db.sql];
    },
    close: async () => db?.close(),
  };
};

const postgres = (): Engine => {
  let shared: Awaited<ReturnType<typeof freshSql>> | undefined;
  let second: pg.Pool | undefined;
  return {
    async open() {
      shared = await freshSql();
      second = await connectPostgres(shared.url);
      return [shared.sql, new PostgresSql(second)];
    },
    async close() {
      await second?.end();
      await shared?.close();
    },
  };
};

describe.each([
  ['sqlite', sqlite],
  ['postgres', postgres],
])('event claims (%s)', (_name, make) => {
  let engine: Engine;
  let a: Sql;
  let b: Sql;
  beforeAll(async () => {
    engine = make();
    [a, b] = await engine.open();
  });
  afterAll(async () => engine.close());

  it('the first claim of an event id wins; the same id claimed again by another process loses', async () => {
    const clock = new FakeClock(new Date('2026-12-07T12:00:00Z'));
    const one = new SqlEventClaims(a, clock);
    const two = new SqlEventClaims(b, clock);
    expect(await one.claim('slack:Ev0001')).toBe(true);
    expect(await two.claim('slack:Ev0001')).toBe(false);
    expect(await one.claim('slack:Ev0001')).toBe(false);
    expect(await two.claim('slack:Ev0002')).toBe(true);
  });

  it('two processes claiming one event id at once: exactly one wins', async () => {
    const clock = new FakeClock(new Date('2026-12-07T12:00:00Z'));
    const claims = [new SqlEventClaims(a, clock), new SqlEventClaims(b, clock)];
    const won = await Promise.all(Array.from({ length: 10 }, (_, i) => claims[i % 2]?.claim('slack:EvRACE')));
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it('a claim is kept for an hour, then swept: the table does not grow without bound', async () => {
    const clock = new FakeClock(new Date('2026-12-07T13:00:00Z'));
    const claims = new SqlEventClaims(a, clock);
    expect(await claims.claim('slack:EvOLD')).toBe(true);
    clock.advance(KEEP_CLAIMS_MS - 1);
    expect(await new SqlEventClaims(b, clock).claim('slack:EvOLD')).toBe(false);
    clock.advance(1);
    expect(await claims.claim('slack:EvNEW')).toBe(true);
    const left = await a.all<{ event_key: string }>('SELECT event_key FROM inbound_events WHERE event_key IN (?, ?)', ['slack:EvOLD', 'slack:EvNEW']);
    expect(left.map((r) => r.event_key)).toEqual(['slack:EvNEW']);
  });
});

describe('event claims in memory (a read-only database)', () => {
  it('a retry to this process loses; after an hour the id may be claimed again', async () => {
    const clock = new FakeClock(new Date('2026-12-07T12:00:00Z'));
    const claims = new MemoryEventClaims(clock);
    expect(await claims.claim('slack:Ev1')).toBe(true);
    expect(await claims.claim('slack:Ev1')).toBe(false);
    clock.advance(KEEP_CLAIMS_MS);
    expect(await claims.claim('slack:Ev1')).toBe(true);
  });
});
