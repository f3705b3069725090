// The leader lease on both engines, driven by hand with a fake monotonic clock: one holder at a time, takeover after a quiet lease, renewal keeps it, a stepped wall clock steals nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderLease } from '../../src/leader/lease.js';
import { Leadership } from '../../src/leader/leadership.js';
import { silentLogger } from '../../src/logger.js';
import type { Sql } from '../../src/ports.js';
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { migrate } from '../../src/store/migrations.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { PostgresSql } from '../../src/store/postgresSql.js';
import { freshDatabase } from '../support/postgres.js';

/** One shared database, and a way to open another client on it (another process or host). */
interface Engine {
  client(): Promise<{ sql: Sql; close(): Promise<void> }>;
  close(): Promise<void>;
}

async function sqliteEngine(): Promise<Engine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-leader-contract-'));
  const file = path.join(dir, 'paperboy.db');
  return {
    client: async () => {
      // NOTE: two connections in one process: writers wait between tries, as two processes do.
      const db = await openDatabase({ file, features: FEATURES, busyTimeoutMs: 0 });
      return { sql: db.sql, close: () => db.close() };
    },
    close: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

const LEADER_ONLY = FEATURES.filter((f) => f.name === 'leader');

async function postgresEngine(): Promise<Engine> {
  const database = await freshDatabase();
  return {
    client: async () => {
      const sql = new PostgresSql(await connectPostgres(database.url));
      await migrate({ sql, exclusively: (fn) => sql.withLock('paperboy.migrate', fn), where: 'the test database', startAfresh: 'Drop it.' }, LEADER_ONLY);
      return { sql, close: () => sql.pool.end() };
    },
    close: () => database.drop(),
  };
}

/** NOTE: milliseconds. */
const LEASE_MS = 30_000;
const RENEW_MS = 10_000;
/** How many times each race is run: one run that happens to be serial proves nothing. */
const RACES = 20;

describe.each([
  ['SQLite', sqliteEngine],
  ['PostgreSQL', postgresEngine],
])('leader lease on %s', (_name, makeEngine) => {
  let engine: Engine;
  const leases: LeaderLease[] = [];
  const closers: Array<() => Promise<void>> = [];
  /** The wall clock every replica reads (what a step moves). */
  let wallMs = Date.parse('2040-01-15T09:00:00Z');
  /** Each replica's monotonic clock; they run at the same pace, from different origins. */
  let mono = 0;
  let n = 0;

  beforeAll(async () => {
    engine = await makeEngine();
    for (let i = 0; i < 3; i++) {
      const c = await engine.client();
      closers.push(c.close);
      leases.push(new LeaderLease(c.sql, () => new Date(wallMs)));
    }
  });
  afterAll(async () => {
    for (const c of closers.splice(0)) await c();
    await engine?.close();
  });

  /** Replicas on their own clients, for a role of their own (each test starts with nobody leading). */
  function replicas(count = 2, lease?: (i: number) => LeaderLease): Leadership[] {
    const role = `role${++n}`;
    return Array.from({ length: count }, (_, i) => {
      const origin = 1_000_000 * (i + 1);
      return new Leadership({
        lease: lease?.(i) ?? (leases[i] as LeaderLease),
        logger: silentLogger,
        role,
        holder: `replica-${i}`,
        leaseMs: LEASE_MS,
        renewMs: RENEW_MS,
        monotonic: () => origin + mono,
      });
    });
  }

  /** One renewal period passes and every replica looks once (in the given order). */
  async function period(...order: Leadership[]): Promise<void> {
    mono += RENEW_MS;
    for (const r of order) await r.round();
  }

  const leaders = (rs: Leadership[]) => rs.filter((r) => r.isLeader()).map((r) => r.holder);

  it('of replicas looking at the same moment, exactly one leads, and the others name it', async () => {
    for (let i = 0; i < RACES; i++) {
      const rs = replicas(3);
      await Promise.all(rs.map((r) => r.round()));
      expect(leaders(rs)).toHaveLength(1);
      const [leader] = leaders(rs);
      // The one that lost the insert reads the winner at its next look.
      await Promise.all(rs.map((r) => r.round()));
      for (const r of rs) expect(r.status()).toEqual({ role: r.holder === leader ? 'leader' : 'follower', leader, self: r.holder });
    }
  });

  it('renewal keeps the lease: a follower watching for many leases never takes over', async () => {
    const [a, b] = replicas() as [Leadership, Leadership];
    await a.round();
    await b.round();
    for (let i = 0; i < 12; i++) {
      await period(a, b);
      expect(leaders([a, b])).toEqual(['replica-0']);
    }
  });

  it('a follower takes over once the holder has stopped renewing for a whole lease, and the old holder then follows', async () => {
    const [a, b] = replicas() as [Leadership, Leadership];
    await a.round();
    await b.round();
    // a goes quiet (killed, or cut off from the database): b looks every period.
    await period(b);
    await period(b);
    expect(b.isLeader()).toBe(false);
    // a stepped down on its own before anyone could take over.
    expect(a.isLeader()).toBe(false);
    await period(b);
    expect(b.isLeader()).toBe(true);
    expect(b.status()).toEqual({ role: 'leader', leader: 'replica-1', self: 'replica-1' });
    await a.round();
    expect(a.status()).toEqual({ role: 'follower', leader: 'replica-1', self: 'replica-0' });
  });

  it('a holder that cannot renew stops leading before a follower can take over, so two never lead at once', async () => {
    let down = false;
    const failing = (i: number): LeaderLease => {
      const real = leases[i] as LeaderLease;
      if (i !== 0) return real;
      return Object.assign(Object.create(real) as LeaderLease, {
        renew: (...args: Parameters<LeaderLease['renew']>) => (down ? Promise.reject(new Error('connection refused')) : real.renew(...args)),
      });
    };
    const [a, b] = replicas(2, failing) as [Leadership, Leadership];
    await a.round();
    await b.round();
    down = true;
    for (let i = 0; i < 30; i++) {
      mono += 1_000;
      await a.round();
      await b.round();
      expect(leaders([a, b]).length).toBeLessThanOrEqual(1);
    }
    expect(leaders([a, b])).toEqual(['replica-1']);
  });

  it('a stepped wall clock does not make a live lease look expired (hours ahead or back)', async () => {
    const [a, b] = replicas() as [Leadership, Leadership];
    await a.round();
    await b.round();
    for (const step of [6 * 3_600_000, -12 * 3_600_000, 30 * 86_400_000]) {
      wallMs += step;
      for (let i = 0; i < 6; i++) {
        await period(a, b);
        expect(leaders([a, b])).toEqual(['replica-0']);
      }
    }
  });

  it('a takeover racing the holder’s renewal fails: the holder keeps the role', async () => {
    const [first, second] = leases as [LeaderLease, LeaderLease];
    const role = `race${++n}`;
    expect(await first.claimFree(role, 'holder', LEASE_MS)).toBe(true);
    const seen = await second.read(role);
    expect(seen).toBeDefined();
    expect(await first.renew(role, 'holder', LEASE_MS)).toBe(true);
    expect(await second.takeOver(role, 'thief', seen as NonNullable<typeof seen>, LEASE_MS)).toBe(false);
    expect((await second.read(role))?.holder).toBe('holder');
    // Of two followers taking over the same quiet holder, one wins.
    const quiet = (await second.read(role)) as NonNullable<typeof seen>;
    for (let i = 0; i < RACES; i++) {
      const now = (await second.read(role)) as NonNullable<typeof seen>;
      const won = await Promise.all([first.takeOver(role, `x${i}`, now, LEASE_MS), second.takeOver(role, `y${i}`, now, LEASE_MS)]);
      expect(won.filter(Boolean)).toHaveLength(1);
    }
    expect(quiet.holder).toBe('holder');
  });

  it('a clean stop releases the role: another replica leads at its next look, without waiting a lease', async () => {
    const [a, b] = replicas() as [Leadership, Leadership];
    const changes: boolean[] = [];
    a.onChange((l) => changes.push(l));
    await a.round();
    await b.round();
    await a.stop();
    expect(a.isLeader()).toBe(false);
    expect(changes).toEqual([true, false]);
    await b.round();
    expect(b.isLeader()).toBe(true);
  });
});
