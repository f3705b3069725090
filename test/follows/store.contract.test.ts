// The follow store's contract on both engines: follows and their limit, outbox claims and leases, the planning mark, with several pools on one database.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OperatorError, UserError } from '../../src/errors.js';
import { AlertPlanner } from '../../src/follows/planner.js';
import { FollowStore, MAX_FOLLOWS_PER_OWNER } from '../../src/follows/store.js';
import { silentLogger } from '../../src/logger.js';
import type { FollowOwner, Sql } from '../../src/ports.js';
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { migrate } from '../../src/store/migrations.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { PostgresSql } from '../../src/store/postgresSql.js';
import { FakeClock } from '../support/core.js';
import { freshDatabase } from '../support/postgres.js';
import { paper, storePapers } from './support.js';

/** One pool (PostgreSQL) or connection (SQLite) onto the shared database, migrated as the owner does at open. */
interface Pool {
  sql: Sql;
  close(): Promise<void>;
}

/** A fresh shared database: `open` gives another pool onto it, as another host would have. */
interface Shared {
  open(): Promise<Pool>;
  drop(): Promise<void>;
}

/**
 * The features these tests need on PostgreSQL: the shared papers table (the catalogue's feature, once it
 * registers one) and follows. NOTE: every other feature has its own contract suite.
 */
const NEEDED = FEATURES.filter((f) => f.name === 'papers' || f.name === 'follows');

/** Migrates as the database owner does at open: one transaction under the advisory lock `paperboy.migrate`. */
async function migrateOn(sql: PostgresSql, features = NEEDED): Promise<void> {
  await migrate({ sql, exclusively: (fn) => sql.withLock('paperboy.migrate', fn), where: 'the test database', startAfresh: 'Drop it.' }, features);
}

/** A fresh PostgreSQL database with the tables these tests need, and a pool onto it. */
async function freshPostgres(): Promise<{ sql: PostgresSql; url: string; close(): Promise<void> }> {
  const db = await freshDatabase();
  const pool = await connectPostgres(db.url);
  const sql = new PostgresSql(pool);
  await migrateOn(sql);
  return {
    sql,
    url: db.url,
    close: async () => {
      await pool.end();
      await db.drop();
    },
  };
}

async function sqliteShared(): Promise<Shared> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paperboy-follow-contract-'));
  const file = path.join(dir, 'paperboy.db');
  return {
    open: async () => {
      // NOTE: every "host" here shares one event loop, so a connection never waits for the lock inside SQLite
      // (that would block the loop the holder needs to finish); write transactions retry instead.
      const db = await openDatabase({ file, busyTimeoutMs: 0, features: FEATURES });
      return { sql: db.sql, close: () => db.close() };
    },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresShared(): Promise<Shared> {
  const first = await freshPostgres();
  return {
    open: async () => {
      const pool = await connectPostgres(first.url);
      const sql = new PostgresSql(pool);
      await migrateOn(sql);
      return { sql, close: () => pool.end() };
    },
    drop: () => first.close(),
  };
}

/** Distinct one-word topics. */
const LETTERS = [
  'attention',
  'retrieval',
  'diffusion',
  'robotics',
  'quantization',
  'pruning',
  'distillation',
  'tokenization',
  'alignment',
  'reasoning',
  'planning',
  'vision',
  'speech',
  'translation',
  'summarization',
  'compression',
  'graphs',
  'agents',
  'benchmarks',
  'privacy',
  'fairness',
  'interpretability',
  'optimization',
  'sparsity',
  'kernels',
  'music',
];

const ALICE: FollowOwner = { kind: 'user', user: 'U0ALICE' };
const KV = (n: number) =>
  paper(
    `2512.${String(n).padStart(5, '0')}`,
    `Evicting Tokens from the KV Cache Under Memory Pressure, part ${n}`,
    'We evict tokens when memory runs short.',
    n,
  );

describe.each([
  ['sqlite', sqliteShared],
  ['postgres', postgresShared],
] as const)('follow store contract on %s', (_engine, create) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function shared(): Promise<Shared> {
    const s = await create();
    cleanups.push(() => s.drop());
    return {
      open: async () => {
        const p = await s.open();
        cleanups.push(() => p.close());
        return p;
      },
      drop: () => s.drop(),
    };
  }

  /** `owners` users following "kv cache" and one alert each in the outbox, planned from one new paper. */
  async function outboxOf(sql: Sql, clock: FakeClock, owners: number): Promise<FollowStore> {
    const store = new FollowStore(sql, clock);
    for (let i = 0; i < owners; i++) await store.add('slack', { kind: 'user', user: `U${i}` }, 'kv cache');
    await storePapers(sql, [KV(1)]);
    expect(await new AlertPlanner(store, silentLogger).plan()).toBe(owners);
    return store;
  }

  it('follows are added, listed and removed by their owner; a duplicate and the follow past the limit are refused', async () => {
    const { sql } = await (await shared()).open();
    const store = new FollowStore(sql, new FakeClock(new Date('2025-11-28T12:00:00Z')));
    const first = await store.add('slack', ALICE, 'KV cache');
    await expect(store.add('slack', ALICE, 'kv  CACHE')).rejects.toThrow(/already follow "kv cache" \(id \d+\)/i);
    for (let i = 1; i < MAX_FOLLOWS_PER_OWNER; i++) await store.add('slack', ALICE, LETTERS[i] ?? '');
    await expect(store.add('slack', ALICE, 'one too many')).rejects.toBeInstanceOf(UserError);
    const listed = await store.list('slack', ALICE);
    expect(listed).toHaveLength(MAX_FOLLOWS_PER_OWNER);
    expect(listed[0]).toEqual({ id: first.id, platform: 'slack', owner: ALICE, topic: first.topic, createdAt: '2025-11-28T12:00:00.000Z' });
    expect(await store.remove('slack', { kind: 'user', user: 'U0BOB' }, first.id)).toBe(false);
    expect(await store.remove('discord', ALICE, first.id)).toBe(false);
    expect(await store.remove('slack', ALICE, `#${first.id}`)).toBe(true);
    expect(await store.remove('slack', ALICE, first.id)).toBe(false);
    expect((await store.list('slack', ALICE)).map((f) => f.id)).not.toContain(first.id);
    expect(await store.list('slack', { kind: 'channel', channel: 'U0ALICE' })).toEqual([]);
  });

  it('two hosts adding the last follow an owner may keep at once: one is added, the other refused with the limit', async () => {
    const db = await shared();
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const [one, two] = [new FollowStore((await db.open()).sql, clock), new FollowStore((await db.open()).sql, clock)];
    for (let round = 0; round < 5; round++) {
      const owner: FollowOwner = { kind: 'user', user: `U${round}` };
      for (let i = 0; i < MAX_FOLLOWS_PER_OWNER - 1; i++) await one.add('slack', owner, LETTERS[i] ?? '');
      const results = await Promise.allSettled([one.add('slack', owner, 'kv cache'), two.add('slack', owner, 'speculative decoding')]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(UserError);
      expect(await one.list('slack', owner)).toHaveLength(MAX_FOLLOWS_PER_OWNER);
    }
  });

  it('two holders claiming at once from two pools get disjoint alerts, and together every alert', async () => {
    const db = await shared();
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const a = await outboxOf((await db.open()).sql, clock, 40);
    const b = new FollowStore((await db.open()).sql, clock);
    const got = { a: [] as number[], b: [] as number[] };
    for (let round = 0; round < 20; round++) {
      const [x, y] = await Promise.all([a.claim('host-a', ['slack'], 60_000, 3), b.claim('host-b', ['slack'], 60_000, 3)]);
      got.a.push(...x.map((c) => c.id));
      got.b.push(...y.map((c) => c.id));
    }
    const all = [...got.a, ...got.b];
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort((m, n) => m - n)).toEqual((await a.outbox()).map((o) => o.id));
  });

  it('a claim is taken over once its lease has ended; the first holder can then record nothing', async () => {
    const db = await shared();
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const a = await outboxOf((await db.open()).sql, clock, 1);
    const b = new FollowStore((await db.open()).sql, clock);
    const [claimed] = await a.claim('dead-host', ['slack'], 60_000);
    expect(claimed).toMatchObject({ platform: 'slack', owner: { kind: 'user', user: 'U0' }, attempts: 0, firstAttemptAt: null });
    expect(await a.attempt('dead-host', claimed?.id ?? 0, 60_000)).toEqual({ attempts: 1, firstAttemptAt: '2025-11-28T12:00:00.000Z' });
    expect(await b.claim('live-host', ['slack'], 60_000)).toEqual([]);
    clock.advance(60_000);
    const [again] = await b.claim('live-host', ['slack'], 60_000);
    expect(again).toMatchObject({ id: claimed?.id, attempts: 1, firstAttemptAt: '2025-11-28T12:00:00.000Z' });
    expect(await a.attempt('dead-host', again?.id ?? 0, 60_000)).toBeNull();
    expect(await a.delivered('dead-host', again?.id ?? 0, 'ts-dead')).toBe(false);
    expect(await b.attempt('live-host', again?.id ?? 0, 60_000)).toEqual({ attempts: 2, firstAttemptAt: '2025-11-28T12:00:00.000Z' });
    expect(await b.delivered('live-host', again?.id ?? 0, 'ts-live')).toBe(true);
    expect(await a.outbox()).toMatchObject([{ status: 'delivered', attempts: 2, messageId: 'ts-live' }]);
  });

  it('only the holder moves its claim: release, retry later, failed and renew by anyone else change nothing', async () => {
    const db = await shared();
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const store = await outboxOf((await db.open()).sql, clock, 1);
    const [claimed] = await store.claim('holder', ['slack'], 60_000);
    const id = claimed?.id ?? 0;
    await store.release('other', id);
    await store.retryLater('other', id, clock.now(), 'nope');
    await store.failed('other', id, 'no-access', 'nope');
    await store.renew('other', [id], 600_000);
    expect(await store.outbox()).toMatchObject([{ status: 'pending', attempts: 0, failure: null }]);
    clock.advance(60_000);
    expect(await store.claim('other', ['slack'], 60_000)).toHaveLength(1);
    await store.retryLater('other', id, new Date(clock.now().getTime() + 60_000), 'timeout');
    expect(await store.undelivered('slack', { kind: 'user', user: 'U0' })).toMatchObject({ status: 'pending', failure: 'transient', error: 'timeout' });
    expect(await store.claim('holder', ['slack'], 60_000)).toEqual([]);
    clock.advance(60_000);
    expect(await store.claim('holder', ['slack'], 60_000)).toHaveLength(1);
    await store.failed('holder', id, 'no-access', 'blocked');
    expect(await store.undelivered('slack', { kind: 'user', user: 'U0' })).toMatchObject({ status: 'failed', failure: 'no-access', error: 'blocked' });
  });

  it('two planners on two pools planning the same new papers record each alert once', async () => {
    const db = await shared();
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const one = new FollowStore((await db.open()).sql, clock);
    const twoSql = (await db.open()).sql;
    const two = new FollowStore(twoSql, clock);
    for (let i = 0; i < 5; i++) await one.add('slack', { kind: 'user', user: `U${i}` }, 'kv cache');
    const planners = [new AlertPlanner(one, silentLogger), new AlertPlanner(two, silentLogger)];
    for (let round = 1; round <= 8; round++) {
      await storePapers(twoSql, [KV(round)]);
      const written = await Promise.all(planners.map((p) => p.plan()));
      expect(written.reduce((m, n) => m + n, 0)).toBe(5);
    }
    const outbox = await one.outbox();
    expect(outbox).toHaveLength(40);
    const papers = outbox.map((o) => `${o.owner.kind === 'user' ? o.owner.user : ''}:${o.reply.kind === 'papers' ? o.reply.cards[0]?.title : ''}`);
    expect(new Set(papers).size).toBe(40);
  });

  it('the planner reads new papers from the shared database: a paper stored there by another host alerts, once', async () => {
    const db = await shared();
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const store = new FollowStore((await db.open()).sql, clock);
    await store.add('slack', ALICE, 'kv cache');
    const elsewhere = (await db.open()).sql;
    await storePapers(elsewhere, [KV(1), paper('2512.09999', 'Protein Folding at Scale', 'Folding proteins.')]);
    const planner = new AlertPlanner(store, silentLogger);
    expect(await planner.plan()).toBe(1);
    expect(await planner.plan()).toBe(0);
    expect((await store.outbox()).map((o) => (o.reply.kind === 'papers' ? o.reply.cards.map((c) => c.title) : []))).toEqual([[KV(1).title]]);
  });

  it('author and lab follows are planned by name from papers another host stored: folded, by org handle or display name, once', async () => {
    const db = await shared();
    const clock = new FakeClock(new Date('2025-11-28T12:00:00Z'));
    const store = new FollowStore((await db.open()).sql, clock);
    await store.add('slack', ALICE, 'author:"Bjorn Engdahl"');
    await store.add('slack', { kind: 'user', user: 'U0BOB' }, 'org:memtensor');
    await store.add('slack', { kind: 'channel', channel: 'C0LABS' }, 'org:"memtensor (shanghai)"');
    const elsewhere = (await db.open()).sql;
    await storePapers(elsewhere, [
      { ...paper('2512.00201', 'Latent Reasoning', 'A model.'), authors: ['Björn Engdahl'] },
      { ...paper('2512.00202', 'MemOS', 'Memory.'), org: 'MemTensor (Shanghai)', orgHandle: 'MemTensor' },
      { ...paper('2512.00203', 'Other', 'Other.'), authors: ['Bjorn Engdahlson'], org: 'Tensor Lab', orgHandle: 'tensorlab' },
    ]);
    const planner = new AlertPlanner(store, silentLogger);
    expect(await planner.plan()).toBe(3);
    expect(await planner.plan()).toBe(0);
    const got = (await store.outbox()).map((o) => [
      o.owner.kind === 'user' ? o.owner.user : o.owner.channel,
      o.reply.kind === 'papers' ? o.reply.cards.map((c) => c.title) : [],
    ]);
    expect(got).toEqual([
      ['U0ALICE', ['Latent Reasoning']],
      ['U0BOB', ['MemOS']],
      ['C0LABS', ['MemOS']],
    ]);
  });

  it('a database written by a newer paperboy (follows at a later schema version) is refused', async () => {
    const db = await shared();
    const { sql } = await db.open();
    await sql.run(`UPDATE meta SET value = '99' WHERE key = 'schema.follows'`);
    const refused = await db.open().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OperatorError);
    expect((refused as Error).message).toMatch(/newer paperboy: its follows tables are at schema version 99/);
  });
});

describe('follow store on postgres only', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('a database that held papers before follows existed starts the mark after them (papers.seq)', async () => {
    const fresh = await freshDatabase();
    cleanups.push(() => fresh.drop());
    const pool = await connectPostgres(fresh.url);
    cleanups.push(() => pool.end());
    const sql = new PostgresSql(pool);
    await migrateOn(
      sql,
      NEEDED.filter((f) => f.name === 'papers'),
    );
    await storePapers(sql, [KV(1), KV(2)]);
    await migrateOn(sql);
    const store = new FollowStore(sql, new FakeClock(new Date('2025-11-28T12:00:00Z')));
    await store.add('slack', ALICE, 'kv cache');
    await storePapers(sql, [KV(3)]);
    expect(await new AlertPlanner(store, silentLogger).plan()).toBe(1);
    expect((await store.outbox()).map((o) => (o.reply.kind === 'papers' ? o.reply.cards.map((c) => c.title) : []))).toEqual([[KV(3).title]]);
  });

  it('a paper whose write commits after a later one is still planned: the planner waits for paper writes under way', async () => {
    const shared = await freshPostgres();
    cleanups.push(() => shared.close());
    const store = new FollowStore(shared.sql, new FakeClock(new Date('2025-11-28T12:00:00Z')));
    await store.add('slack', ALICE, 'kv cache');
    const writerPool = await connectPostgres(shared.url);
    cleanups.push(() => writerPool.end());
    const writer = await writerPool.connect();
    cleanups.push(async () => writer.release());
    // Another host's ingest takes seq N and has not committed; a third host's takes N+1 and commits.
    await writer.query('BEGIN');
    await writer.query(
      `INSERT INTO papers (id, title_key, title, abstract, updated_at) VALUES ('2512.00001', $1, $1, 'We evict tokens when memory runs short.', 'x')`,
      [KV(1).title],
    );
    // NOTE: the catalogue's change-number trigger serialises paper writes, so the later write waits for the first one's lock.
    const later = storePapers(shared.sql, [KV(2)]);
    const planned = new AlertPlanner(store, silentLogger).plan();
    let settled = false;
    void planned.finally(() => (settled = true));
    // NOTE: either the plan finished (it read past the uncommitted paper) or it waits for the writer's lock.
    for (;;) {
      if (settled) break;
      const waiting = await shared.sql.all(`SELECT 1 FROM pg_locks WHERE relation = 'papers'::regclass AND NOT granted`);
      if (waiting.length > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await writer.query('COMMIT');
    await Promise.all([planned, later]);
    await new AlertPlanner(store, silentLogger).plan();
    const titles = (await store.outbox()).flatMap((o) => (o.reply.kind === 'papers' ? o.reply.cards.map((c) => c.title) : []));
    expect(titles.sort()).toEqual([KV(1).title, KV(2).title].sort());
  });

  it('a paper write that holds on past the wait makes the plan fail as busy (55P03), and the next plan reads its papers', async () => {
    const shared = await freshPostgres();
    cleanups.push(() => shared.close());
    const store = new FollowStore(shared.sql, new FakeClock(new Date('2025-11-28T12:00:00Z')), 50);
    await store.add('slack', ALICE, 'kv cache');
    const writerPool = await connectPostgres(shared.url);
    cleanups.push(() => writerPool.end());
    const writer = await writerPool.connect();
    cleanups.push(async () => writer.release());
    await writer.query('BEGIN');
    await writer.query(
      `INSERT INTO papers (id, title_key, title, abstract, updated_at) VALUES ('2512.00001', $1, $1, 'We evict tokens when memory runs short.', 'x')`,
      [KV(1).title],
    );
    await expect(new AlertPlanner(store, silentLogger).plan()).rejects.toMatchObject({ code: '55P03' });
    await writer.query('COMMIT');
    expect(await new AlertPlanner(store, silentLogger).plan()).toBe(1);
  });
});
