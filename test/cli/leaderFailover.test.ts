// Two `serve` replicas on one PostgreSQL database: one leads the live ingest, the other only serves; the leader killed, the other takes the live ingest over within a minute.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../src/ports.js';
import { addDays } from '../../src/trending/period.js';
import { FakeHf, renumbered, type HfItem } from '../fakes/hf.js';
import { FakeSlack } from '../fakes/slack.js';
import { freshDatabase, type FreshDatabase } from '../support/postgres.js';
import { spawnPaperboy, until, type Spawned } from '../support/spawned.js';

const cleanups: Array<() => Promise<void> | void> = [];
let db: FreshDatabase;
let hf: FakeHf;

beforeAll(async () => {
  db = await freshDatabase();
  hf = await new FakeHf().listen();
  const [base] = renumbered(1, 92) as [HfItem];
  const today = dateInZone(new Date(), 'America/New_York');
  for (const d of [addDays(today, -1), today, addDays(today, 1)]) hf.days.set(d, [base]);
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await hf?.close();
  await db?.drop();
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Replica {
  proc: Spawned;
  healthPort: number;
}

/** A serve replica of its own (data dir, fake Slack, health port) on the shared database, with a 3 s leader lease. */
async function replica(name: string): Promise<Replica> {
  const slack = await new FakeSlack().listen();
  cleanups.push(() => slack.close());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `pb-leader-${name}-`));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const healthPort = await freePort();
  const proc = spawnPaperboy(
    ['serve'],
    {
      DATABASE_URL: db.url,
      PAPERBOY_DATA_DIR: dataDir,
      PAPERBOY_WORKERS: '1',
      PAPERBOY_LEADER_LEASE_SECONDS: '3',
      PAPERBOY_HEALTH_PORT: String(healthPort),
      HF_API_URL: hf.apiUrl,
      SLACK_BOT_TOKEN: 'xoxb-leader-token',
      SLACK_APP_TOKEN: 'xapp-leader-token',
      SLACK_API_URL: slack.apiUrl,
    },
    cleanups,
  );
  return { proc, healthPort };
}

interface Health {
  leader: { role: 'leader' | 'follower'; leader: string | null } | null;
  liveIngest: { running: boolean } | null;
}

/** The replica's /healthz answer, or null while it does not answer yet. */
async function health(r: Replica): Promise<Health | null> {
  try {
    return (await (await fetch(`http://127.0.0.1:${r.healthPort}/healthz`)).json()) as Health;
  } catch {
    return null;
  }
}

/** Polls (real time) until `cond` holds of the replica's health; the test's own timeout bounds it. */
async function untilHealth(r: Replica, cond: (h: Health) => boolean): Promise<Health> {
  for (;;) {
    const h = await health(r);
    if (h && cond(h)) return h;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ingested = (r: Replica) => (r.proc.out.stderr.match(/daily list ingested/g) ?? []).length;

describe('one leader for background work, across replicas on one PostgreSQL database', () => {
  it('the first replica leads the live ingest and the second only serves; killed, the leader is replaced within a minute and the live ingest runs on the other', async () => {
    const a = await replica('a');
    const leading = await untilHealth(a, (h) => h.leader?.role === 'leader');
    const leaderName = leading.leader?.leader;
    expect(leaderName).toMatch(/:\d+:[0-9a-f]{6}$/);
    await until(() => ingested(a) === 1);

    const b = await replica('b');
    const following = await untilHealth(b, (h) => h.leader !== null);
    expect(following.leader).toEqual({ role: 'follower', leader: leaderName });
    expect(following.liveIngest).toEqual({ running: false, lastError: null });
    // Several renewals pass: the follower keeps following and fetches nothing.
    await until(() => /this replica follows/.test(b.proc.out.stderr));
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect((await health(b))?.leader?.role).toBe('follower');
    expect(ingested(b)).toBe(0);
    const fetchedBefore = hf.dailyRequests().length;

    a.proc.child.kill('SIGKILL');
    await a.proc.exited;
    const killedAt = Date.now();
    const took = await untilHealth(b, (h) => h.leader?.role === 'leader');
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    expect(took.liveIngest).toMatchObject({ running: true });
    await until(() => ingested(b) === 1);
    expect(hf.dailyRequests().length).toBeGreaterThan(fetchedBefore);
    expect(b.proc.out.stderr).toMatch(/stopped renewing the leader lease.*this replica leads the background work now/);

    b.proc.child.kill('SIGTERM');
    expect(await b.proc.exited).toBe(0);
  }, 150_000);
});
