// The schedule store's contract on both engines: subscriptions and their limits, and a post ledger whose claims hold exactly once across clients.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OperatorError } from '../../src/errors.js';
import type { Sql } from '../../src/ports.js';
import { STEPS } from '../../src/scheduler/schema.js';
import { MAX_PER_CHANNEL, ScheduleStore, type Claim } from '../../src/scheduler/store.js';
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { migrate } from '../../src/store/migrations.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { PostgresSql } from '../../src/store/postgresSql.js';
import { freshDatabase } from '../support/postgres.js';

/** One shared database, and a way to open another client on it (another process or host). */
interface Engine {
  /** A new client on the database, its tables migrated by the database owner. */
  client(): Promise<{ sql: Sql; close(): Promise<void> }>;
  /** What the database owner does at the next start (SQLite: open the file; PostgreSQL: migrate under the advisory lock). */
  startAgain(): Promise<void>;
  close(): Promise<void>;
}

async function sqliteEngine(): Promise<Engine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-schedule-contract-'));
  const file = path.join(dir, 'paperboy.db');
  const client = async () => {
    // NOTE: two connections in one process: a busy wait inside SQLite would block the event loop the other one needs, so writers wait between tries instead, as two processes do.
    const db = await openDatabase({ file, features: FEATURES, busyTimeoutMs: 0 });
    return { sql: db.sql, close: () => db.close() };
  };
  return {
    client,
    startAgain: async () => (await client()).close(),
    close: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * NOTE: only this feature's tables: the other features' steps get their PostgreSQL spelling in their
 * own branches of the several-hosts work; once all have it this can migrate every one of FEATURES.
 */
const SCHEDULE_ONLY = FEATURES.filter((f) => f.name === 'schedule');

async function postgresEngine(): Promise<Engine> {
  const database = await freshDatabase();
  const client = async () => {
    const sql = new PostgresSql(await connectPostgres(database.url));
    const exclusively = <T>(fn: (tx: Sql) => Promise<T>) => sql.withLock('paperboy.migrate', fn);
    try {
      await migrate({ sql, exclusively, where: 'the test database', startAfresh: 'Drop it.' }, SCHEDULE_ONLY);
    } catch (e) {
      await sql.pool.end();
      throw e;
    }
    return { sql, close: () => sql.pool.end() };
  };
  return {
    client,
    startAgain: async () => (await client()).close(),
    close: () => database.drop(),
  };
}

/** NOTE: milliseconds. */
const LEASE_MS = 10 * 60_000;
/** How many times each race is run: one run that happens to be serial proves nothing. */
const RACES = 25;

describe.each([
  ['SQLite', sqliteEngine],
  ['PostgreSQL', postgresEngine],
])('schedule store on %s', (_name, makeEngine) => {
  let engine: Engine;
  let a: ScheduleStore;
  let b: ScheduleStore;
  /** The clock both clients read (epoch milliseconds; after 2038, so instants need 64 bits). */
  let nowMs = Date.parse('2040-01-15T09:00:00Z');
  const clock = () => new Date(nowMs);
  const closers: Array<() => Promise<void>> = [];
  let n = 0;
  /** A channel (and subscription id) of its own for each test. */
  const fresh = (what: string) => `${what}${++n}`;

  beforeAll(async () => {
    engine = await makeEngine();
    const first = await engine.client();
    const second = await engine.client();
    closers.push(first.close, second.close);
    a = new ScheduleStore(first.sql, clock);
    b = new ScheduleStore(second.sql, clock);
  });
  afterAll(async () => {
    for (const c of closers.splice(0)) await c();
    await engine?.close();
  });
  afterEach(() => {
    nowMs = Date.parse('2040-01-15T09:00:00Z');
  });

  const schedule = (channel: string, hour = 9) => ({ platform: 'slack', channel, hour, minute: 0, zone: 'Europe/Berlin', top: 5, createdBy: 'U1' });

  it('a subscription added by one client is listed, got and removed by the other, with its ledger', async () => {
    const channel = fresh('C');
    const added = await a.add({ ...schedule(channel), guildId: 'T1' });
    expect(added.id).toMatch(/^t[0-9a-f]{5}$/);
    expect(await b.list('slack', channel)).toEqual([added]);
    expect(await b.get(added.id)).toEqual(added);
    expect((await b.all()).map((s) => s.id)).toContain(added.id);
    expect(await a.claim(added.id, '2040-01-15', '2040-01-14', 'p1', LEASE_MS)).toMatchObject({ kind: 'claimed' });
    expect(await b.remove('slack', 'C-other', added.id)).toBe(false);
    expect(await b.remove('slack', channel, added.id)).toBe(true);
    expect(await a.list('slack', channel)).toEqual([]);
    expect(await a.slot(added.id, '2040-01-15')).toBeUndefined();
    expect(await a.remove('slack', channel, added.id)).toBe(false);
  });

  it('addWithin refuses a second subscription at the same time and zone, and one beyond the per-channel limit', async () => {
    const channel = fresh('C');
    const first = await a.addWithin(schedule(channel, 7));
    expect(first.kind).toBe('added');
    expect(await b.addWithin(schedule(channel, 7))).toMatchObject({ kind: 'same', existing: { hour: 7 } });
    for (let hour = 8; hour < 7 + MAX_PER_CHANNEL; hour++) expect((await b.addWithin(schedule(channel, hour))).kind).toBe('added');
    expect(await a.addWithin(schedule(channel, 20))).toEqual({ kind: 'full', count: MAX_PER_CHANNEL });
    expect(await a.list('slack', channel)).toHaveLength(MAX_PER_CHANNEL);
  });

  it('weekly and monthly digests keep their cadence and weekday; one at the time and zone of a daily post is another subscription', async () => {
    const channel = fresh('C');
    const daily = await a.addWithin(schedule(channel));
    nowMs += 1_000;
    const weekly = await a.addWithin({ ...schedule(channel), cadence: 'weekly', weekday: 7 });
    nowMs += 1_000;
    const monthly = await b.addWithin({ ...schedule(channel), cadence: 'monthly' });
    expect([daily.kind, weekly.kind, monthly.kind]).toEqual(['added', 'added', 'added']);
    expect((await b.list('slack', channel)).map((s) => [s.cadence, s.weekday])).toEqual([
      ['daily', undefined],
      ['weekly', 7],
      ['monthly', undefined],
    ]);
    expect(await b.addWithin({ ...schedule(channel), cadence: 'weekly', weekday: 7 })).toMatchObject({ kind: 'same', existing: { cadence: 'weekly' } });
    expect((await a.addWithin({ ...schedule(channel), cadence: 'weekly', weekday: 1 })).kind).toBe('added');
  });

  it('a subscription stored before digests existed (no cadence written) reads as daily', async () => {
    const channel = fresh('C');
    const first = await engine.client();
    try {
      await first.sql.run(
        'INSERT INTO schedule_subscriptions (id, platform, channel, guild_id, hour, minute, zone, top, created_at, created_by) VALUES (?, ?, ?, NULL, 9, 0, ?, 5, ?, NULL)',
        [`old${channel}`, 'slack', channel, 'UTC', '2040-01-01T00:00:00.000Z'],
      );
    } finally {
      await first.close();
    }
    expect(await b.get(`old${channel}`)).toMatchObject({ cadence: 'daily', hour: 9, zone: 'UTC' });
    expect((await b.get(`old${channel}`))?.weekday).toBeUndefined();
  });

  it("two clients claiming a digest's period at once: one claims it; a later slot naming the same period gets no list", async () => {
    for (let race = 0; race < RACES; race++) {
      const sub = fresh('s');
      const claims = await Promise.all([
        a.claim(sub, '2040-01-16', '2040-W02', 'host-a', LEASE_MS),
        b.claim(sub, '2040-01-16', '2040-W02', 'host-b', LEASE_MS),
      ]);
      expect(claims.map((c) => c.kind).sort()).toEqual(['busy', 'claimed']);
      const owner = claims[0]?.kind === 'claimed' ? 'host-a' : 'host-b';
      expect(await a.posted(sub, '2040-01-16', owner, 1)).toBe(true);
      expect(await b.claim(sub, '2040-01-23', '2040-W02', 'host-b', LEASE_MS)).toMatchObject({ kind: 'claimed', listDate: null });
      expect(await a.lastPostedList(sub)).toBe('2040-W02');
    }
  });

  it('two clients adding the last subscription a channel may have at once: exactly one is added', async () => {
    for (let race = 0; race < RACES; race++) {
      const channel = fresh('C');
      for (let hour = 0; hour < MAX_PER_CHANNEL - 1; hour++) await a.add(schedule(channel, hour));
      const results = await Promise.all([a.addWithin(schedule(channel, 20)), b.addWithin(schedule(channel, 21))]);
      expect(results.map((r) => r.kind).sort()).toEqual(['added', 'full']);
      expect(await a.list('slack', channel)).toHaveLength(MAX_PER_CHANNEL);
    }
  });

  it('two clients claiming the same slot at once: exactly one claims it, the other finds it busy', async () => {
    for (let race = 0; race < RACES; race++) {
      const sub = fresh('s');
      const claims: Claim[] = await Promise.all([
        a.claim(sub, '2040-01-15', '2040-01-15', 'host-a', LEASE_MS),
        b.claim(sub, '2040-01-15', '2040-01-15', 'host-b', LEASE_MS),
      ]);
      expect(claims.map((c) => c.kind).sort()).toEqual(['busy', 'claimed']);
      const winner = claims[0]?.kind === 'claimed' ? 'host-a' : 'host-b';
      expect(await a.slot(sub, '2040-01-15')).toMatchObject({ state: 'claimed', owner: winner, listDate: '2040-01-15' });
    }
  });

  it('a claim whose lease ran out is taken over by one client, with the list it had decided; the old owner can no longer settle it', async () => {
    for (let race = 0; race < RACES; race++) {
      nowMs = Date.parse('2040-01-15T09:00:00Z');
      const sub = fresh('s');
      expect(await a.claim(sub, '2040-01-15', '2040-01-14', 'dead-host', LEASE_MS)).toMatchObject({ kind: 'claimed', listDate: '2040-01-14' });
      expect(await b.claim(sub, '2040-01-15', '2040-01-15', 'host-b', LEASE_MS)).toEqual({ kind: 'busy', owner: 'dead-host' });
      nowMs += LEASE_MS + 1;
      const takers = await Promise.all([
        a.claim(sub, '2040-01-15', '2040-01-15', 'host-a', LEASE_MS),
        b.claim(sub, '2040-01-15', '2040-01-15', 'host-b', LEASE_MS),
      ]);
      expect(takers.map((c) => c.kind).sort()).toEqual(['busy', 'claimed']);
      expect(takers.find((c) => c.kind === 'claimed')).toMatchObject({ listDate: '2040-01-14', takenOver: true });
      const owner = takers[0]?.kind === 'claimed' ? 'host-a' : 'host-b';
      expect(await a.posted(sub, '2040-01-15', 'dead-host', 1)).toBe(false);
      expect(await b.posted(sub, '2040-01-15', owner, 1, 'm-1')).toBe(true);
      expect(await a.slot(sub, '2040-01-15')).toMatchObject({ state: 'posted', owner, messageId: 'm-1', leaseUntil: null });
    }
  });

  it('only the owner marks a claim posted or failed, and a settled slot stays settled', async () => {
    const sub = fresh('s');
    await a.claim(sub, '2040-01-15', '2040-01-15', 'host-a', LEASE_MS);
    expect(await b.failed(sub, '2040-01-15', 'host-b', 1, 'transient', 'no answer')).toBe(false);
    expect(await b.posted(sub, '2040-01-15', 'host-b', 1)).toBe(false);
    expect(await b.renew(sub, '2040-01-15', 'host-b', LEASE_MS)).toBe(false);
    expect(await b.attempt(sub, '2040-01-15', 'host-b', LEASE_MS)).toBeNull();
    expect(await a.renew(sub, '2040-01-15', 'host-a', LEASE_MS)).toBe(true);
    expect(await a.failed(sub, '2040-01-15', 'host-a', 2, 'no-access', 'not_in_channel')).toBe(true);
    expect(await b.slot(sub, '2040-01-15')).toMatchObject({ state: 'failed', failure: 'no-access', detail: 'not_in_channel', attempts: 2 });
    expect(await b.claim(sub, '2040-01-15', '2040-01-15', 'host-b', LEASE_MS)).toMatchObject({ kind: 'settled', row: { state: 'failed' } });
    // A one-shot post may run again after a failure; the list is then claimed afresh.
    expect(await b.claim(sub, '2040-01-15', '2040-01-15', 'host-b', LEASE_MS, { retryFailed: true })).toMatchObject({ kind: 'claimed', takenOver: false });
    expect(await b.posted(sub, '2040-01-15', 'host-b', 1)).toBe(true);
    // The attempts recorded never go down (the larger of the row's and the caller's count).
    expect(await a.slot(sub, '2040-01-15')).toMatchObject({ state: 'posted', attempts: 2, failure: null });
    expect(await a.lastPostedList(sub)).toBe('2040-01-15');
  });

  it('attempts are counted before they are made, with the first attempt time in epoch milliseconds past 2038', async () => {
    const sub = fresh('s');
    await a.claim(sub, '2040-01-15', '2040-01-15', 'host-a', LEASE_MS);
    const first = await a.attempt(sub, '2040-01-15', 'host-a', LEASE_MS);
    nowMs += 5_000;
    const second = await a.attempt(sub, '2040-01-15', 'host-a', LEASE_MS);
    expect(first).toMatchObject({ attempts: 1, firstAttemptAt: Date.parse('2040-01-15T09:00:00Z') });
    expect(second).toMatchObject({ attempts: 2, firstAttemptAt: Date.parse('2040-01-15T09:00:00Z'), leaseUntil: nowMs + LEASE_MS });
    expect(await a.history(sub)).toHaveLength(1);
  });

  it('a list claimed or posted once is not claimed again for another slot: that slot gets the "nothing new" line', async () => {
    const sub = fresh('s');
    await a.claim(sub, '2040-01-15', '2040-01-15', 'host-a', LEASE_MS);
    await a.posted(sub, '2040-01-15', 'host-a', 1);
    expect(await b.claim(sub, '2040-01-16', '2040-01-15', 'host-b', LEASE_MS)).toEqual({
      kind: 'claimed',
      listDate: null,
      lastPostedList: '2040-01-15',
      takenOver: false,
    });
  });

  it('a claim given back before any attempt is as if never made; one attempted keeps its row with the lease ended', async () => {
    const sub = fresh('s');
    await a.claim(sub, '2040-01-15', '2040-01-15', 'host-a', LEASE_MS);
    await a.release(sub, '2040-01-15', 'host-a');
    expect(await b.slot(sub, '2040-01-15')).toBeUndefined();
    await a.claim(sub, '2040-01-16', '2040-01-16', 'host-a', LEASE_MS);
    await a.attempt(sub, '2040-01-16', 'host-a', LEASE_MS);
    await a.release(sub, '2040-01-16', 'host-a');
    expect(await b.slot(sub, '2040-01-16')).toMatchObject({ state: 'claimed', attempts: 1, leaseUntil: 0 });
    expect(await b.claim(sub, '2040-01-16', '2040-01-16', 'host-b', LEASE_MS)).toMatchObject({ kind: 'claimed', takenOver: true });
  });

  it('two clients skipping the same missed slot at once record it once', async () => {
    for (let race = 0; race < RACES; race++) {
      const sub = fresh('s');
      const skipped = await Promise.all([a.skip(sub, '2040-01-14', 'missed by 9 h'), b.skip(sub, '2040-01-14', 'missed by 9 h')]);
      expect(skipped.sort()).toEqual([false, true]);
    }
    const sub = fresh('s');
    await a.claim(sub, '2040-01-14', '2040-01-14', 'host-a', LEASE_MS);
    expect(await b.skip(sub, '2040-01-14', 'missed')).toBe(false);
  });

  it('slots settled under a clock that ran ahead are reopened once, keep their list recorded, and are seen as settled ahead', async () => {
    const sub = fresh('s');
    nowMs = Date.parse('2040-01-16T09:00:00Z');
    await a.claim(sub, '2040-01-16', '2040-01-16', 'host-a', LEASE_MS);
    await a.posted(sub, '2040-01-16', 'host-a', 1);
    await a.skip(sub, '2040-01-17', 'missed');
    nowMs = Date.parse('2040-01-15T09:00:00Z');
    const reopened = await Promise.all([
      a.reopenAhead(sub, '2040-01-14', new Date(nowMs + 60_000)),
      b.reopenAhead(sub, '2040-01-14', new Date(nowMs + 60_000)),
    ]);
    expect(reopened.sort()).toEqual([0, 2]);
    expect(await b.slot(sub, '2040-01-16')).toBeUndefined();
    expect(await b.settledAhead(sub, '2040-01-16')).toBe(true);
    expect(await b.settledAhead(sub, '2040-01-15')).toBe(false);
    expect(await b.lastPostedList(sub)).toBe('2040-01-16');
    expect(await a.reopenAhead(sub, '2040-01-14', new Date(nowMs + 60_000))).toBe(0);
  });

  it('a database whose schedule tables a newer paperboy wrote is refused at the next start, naming the versions', async () => {
    const first = await engine.client();
    try {
      const newer = STEPS.length + 1;
      await first.sql.run("UPDATE meta SET value = ? WHERE key = 'schema.schedule'", [String(newer)]);
      const refused = await engine.startAgain().then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(OperatorError);
      expect((refused as OperatorError).message).toMatch(new RegExp(`schedule tables are at schema version ${newer}.*knows version ${STEPS.length}`));
      await first.sql.run("UPDATE meta SET value = ? WHERE key = 'schema.schedule'", [String(STEPS.length)]);
    } finally {
      await first.close();
    }
  });
});
