// `paperboy migrate --to URL`: a SQLite deployment copied into an empty PostgreSQL database (the test server), resumable, idempotent, refusing another deployment's database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../adapters/cli/index.js';
import { commands } from '../../commands/index.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { createApp, databaseFile, seedOnFirstStart, type App } from '../../src/app.js';
import { silentLogger } from '../../src/logger.js';
import { seedSource } from '../../src/papers/seeds.js';
import { systemClock } from '../../src/ports.js';
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { migrate } from '../../src/store/migrations.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { copyDeployment, DEPLOYMENT_ID } from '../../src/store/postgres/copyDeployment.js';
import { MIGRATE_LOCK } from '../../src/store/postgres/open.js';
import { PostgresSql } from '../../src/store/postgresSql.js';
import { paper } from '../follows/support.js';
import { freshDatabase, type FreshDatabase } from '../support/postgres.js';
import { sink } from '../support/streams.js';

const TZ = 'America/New_York';
const dirs: string[] = [];
const databases: FreshDatabase[] = [];

afterAll(async () => {
  for (const d of databases) await d.drop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-migrateto-'));
  dirs.push(dir);
  return dir;
}

async function emptyDatabase(): Promise<FreshDatabase> {
  const db = await freshDatabase();
  databases.push(db);
  return db;
}

async function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const stdin = Object.assign(Readable.from([]), { isTTY: false });
  const code = await main(args, { stdin, stdout, stderr, env: { LOG_LEVEL: 'silent', ...env } });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const EARLY = paper('2512.00001', 'Token eviction for long contexts', 'We study token eviction in the KV cache when memory runs short.');
const ALERTED = paper('2512.00002', 'Token eviction with learned scores', 'Token eviction guided by learned importance scores keeps accuracy.');
const LATER = paper('2512.00003', 'Token eviction at serving time', 'Serving systems apply token eviction per request.');

interface Deployment {
  dir: string;
  papers: number;
  subscription: string;
}

/**
 * A SQLite deployment as a running bot leaves it: the seeds; a paper planned before anyone followed
 * its topic; a subscription with a posted slot; a follow alerted (and delivered) for a newer paper;
 * a conversation.
 */
async function sqliteDeployment(): Promise<Deployment> {
  const dir = dataDir();
  const app = await createApp({ config: { dataDir: dir, timeZone: TZ }, logger: silentLogger, clock: systemClock, commands });
  try {
    await seedOnFirstStart(app, seedSource(path.join(PROJECT_ROOT, 'seeds')), silentLogger, systemClock);
    const lists = app.dailyLists;
    if (!lists) throw new Error('the SQLite app keeps daily lists');
    await app.library.ingest([EARLY], (tx) =>
      lists.record(tx, '2025-11-28', [{ paperId: EARLY.id, rank: 1, upvotes: 3 }], { fetchedAt: '2025-11-29T12:00:00Z', skipped: 0, complete: true }),
    );
    const schedules = app.schedules;
    const follows = app.follows;
    if (!schedules || !follows) throw new Error('the SQLite app has schedules and follows');
    const sub = await schedules.add({ platform: 'slack', channel: 'C0MOVE', hour: 9, minute: 0, zone: 'UTC', top: 5 });
    const claim = await schedules.claim(sub.id, '2026-12-01T09:00Z', '2026-11-30', 'host-a', 60_000);
    expect(claim.kind).toBe('claimed');
    expect(await schedules.posted(sub.id, '2026-12-01T09:00Z', 'host-a', 1, 'msg-1')).toBe(true);
    await follows.add('slack', { kind: 'user', user: 'U0MOVE' }, 'token eviction');
    await app.library.ingest([ALERTED]);
    const [alert] = await follows.claim('host-a', ['slack'], 60_000);
    expect(alert).toBeDefined();
    expect(await follows.delivered('host-a', alert?.id ?? 0, 'dm-1')).toBe(true);
    await app.database.sql.run('INSERT INTO conversations (key, state, updated_at) VALUES (?, ?, ?)', ['slack:C0MOVE:U0MOVE', '{"kind":"ask"}', 1]);
    return { dir, papers: app.store.all().length, subscription: sub.id };
  } finally {
    await app.close();
  }
}

/** The app a new host runs on the database: a fresh data dir, DATABASE_URL. */
async function appOn(url: string): Promise<App> {
  return createApp({ config: { dataDir: dataDir(), timeZone: TZ, databaseUrl: url }, logger: silentLogger, clock: systemClock, commands });
}

/** Rows per table, the paper the planner's mark points at, and the papers in `seq` order (the order the planner reads). NOTE: not seq values: a resumed copy leaves gaps. */
async function counts(url: string): Promise<Record<string, number | string>> {
  const pool = await connectPostgres(url);
  try {
    const out: Record<string, number | string> = {};
    for (const t of [
      'papers',
      'daily_lists',
      'schedule_subscriptions',
      'schedule_posts',
      'follows',
      'follow_alerted',
      'follow_outbox',
      'conversations',
      'meta',
    ]) {
      out[t] = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0]?.n);
    }
    out.marked = (await pool.query<{ id: string }>('SELECT id FROM papers WHERE seq = (SELECT paper_rowid FROM follow_planned)')).rows[0]?.id ?? 'none';
    out.order = (await pool.query<{ id: string }>('SELECT id FROM papers ORDER BY seq')).rows.map((r) => r.id).join(' ');
    return out;
  } finally {
    await pool.end();
  }
}

describe('paperboy migrate --to', () => {
  let source: Deployment;
  beforeAll(async () => {
    source = await sqliteDeployment();
  }, 120_000);

  it('copies papers, the subscription with its ledger, the follow with its delivered alert and the conversation; an app on the database serves them', async () => {
    const db = await emptyDatabase();
    const first = await run(['migrate', '--to', db.url], { PAPERBOY_DATA_DIR: source.dir });
    expect(first.stderr).toMatch(/^papers: \d+\/\d+ rows \(\d+ copied\)$/m);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Copied .*paperboy\.db into postgres:\/\/.*: \d+ rows new \(deployment [0-9a-f-]{36}\)/);
    expect(first.stdout).not.toContain(new URL(db.url).password);

    const app = await appOn(db.url);
    try {
      expect(app.store.all()).toHaveLength(source.papers);
      expect((await app.schedules?.all())?.map((s) => s.id)).toEqual([source.subscription]);
      expect(await app.schedules?.lastPostedList(source.subscription)).toBe('2026-11-30');
      expect((await app.follows?.all())?.map((f) => f.topic)).toEqual(['token eviction']);
      expect((await app.follows?.outbox())?.map((o) => o.status)).toEqual(['delivered']);
      expect(await app.database.sql.get('SELECT state FROM conversations WHERE key = ?', ['slack:C0MOVE:U0MOVE'])).toEqual({ state: '{"kind":"ask"}' });
      expect(app.dailyLists?.listed('2025-11-28', '2025-11-28')).toEqual([EARLY.id]);
      // The copied ids are behind the sequences: a new follow gets a new id.
      const added = await app.follows?.add('slack', { kind: 'user', user: 'U0NEW' }, 'speculative decoding');
      expect((await app.follows?.all())?.map((f) => f.id)).toHaveLength(2);
      expect(added?.id).toBeDefined();
    } finally {
      await app.close();
    }
  }, 120_000);

  it('a second run copies nothing new and leaves the database as it was', async () => {
    const db = await emptyDatabase();
    expect((await run(['migrate', '--to', db.url], { PAPERBOY_DATA_DIR: source.dir })).code).toBe(0);
    const before = await counts(db.url);
    const again = await run(['migrate', '--to', db.url], { PAPERBOY_DATA_DIR: source.dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/: 0 rows new /);
    expect(await counts(db.url)).toEqual(before);
  }, 120_000);

  it('a copy stopped part-way through the papers is completed by a re-run, ending as an uninterrupted copy does', async () => {
    const whole = await emptyDatabase();
    expect((await run(['migrate', '--to', whole.url], { PAPERBOY_DATA_DIR: source.dir })).code).toBe(0);

    const db = await emptyDatabase();
    const pool = await connectPostgres(db.url);
    const target = new PostgresSql(pool);
    await migrate({ sql: target, exclusively: (fn) => target.withLock(MIGRATE_LOCK, fn), where: 'test', startAfresh: '' }, FEATURES);
    const sqlite = await openDatabase({ file: databaseFile(source.dir), now: () => new Date(), features: FEATURES });
    const stop = new AbortController();
    let sqliteOrder = '';
    try {
      sqliteOrder = (await sqlite.sql.all<{ id: string }>('SELECT id FROM papers ORDER BY rowid')).map((r) => r.id).join(' ');
      const killed = await copyDeployment({
        source: sqlite.sql,
        target,
        where: 'test',
        batch: 7,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.table === 'papers' && p.done >= 21) stop.abort();
        },
      });
      expect(killed.complete).toBe(false);
      expect(killed.copied.papers).toBe(21);
    } finally {
      await sqlite.close();
      await pool.end();
    }
    expect((await counts(db.url)).papers).toBe(21);

    const rerun = await run(['migrate', '--to', db.url], { PAPERBOY_DATA_DIR: source.dir });
    expect(rerun.code).toBe(0);
    const resumed = await counts(db.url);
    expect(resumed).toEqual(await counts(whole.url));
    expect(resumed.order).toBe(sqliteOrder);
    expect(resumed.marked).toBe(ALERTED.id);
  }, 120_000);

  it('refuses a database holding another deployment, in one line, exit 2, copying nothing', async () => {
    const db = await emptyDatabase();
    const other = await sqliteDeployment();
    expect((await run(['migrate', '--to', db.url], { PAPERBOY_DATA_DIR: other.dir })).code).toBe(0);
    const before = await counts(db.url);

    const refused = await run(['migrate', '--to', db.url], { PAPERBOY_DATA_DIR: source.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/already holds another paperboy deployment/);
    expect(refused.stderr).not.toContain(new URL(db.url).password);
    expect(await counts(db.url)).toEqual(before);
  }, 180_000);

  it('refuses a database with papers but no deployment id (an app already ran on it)', async () => {
    const db = await emptyDatabase();
    const app = await appOn(db.url);
    try {
      await app.library.ingest([LATER]);
    } finally {
      await app.close();
    }
    const refused = await run(['migrate', '--to', db.url], { PAPERBOY_DATA_DIR: source.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^.* already holds papers, subscriptions or follows of another paperboy deployment; nothing was copied\. .*\n$/);
    const pool = await connectPostgres(db.url);
    try {
      expect((await pool.query('SELECT value FROM meta WHERE key = $1', [DEPLOYMENT_ID])).rows).toEqual([]);
    } finally {
      await pool.end();
    }
  }, 120_000);

  it('a malformed or unreachable --to is the one-line DATABASE_URL error, exit 2', async () => {
    const malformed = await run(['migrate', '--to', 'postgres://bot:pg-secret-9@'], { PAPERBOY_DATA_DIR: source.dir });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('DATABASE_URL');
    expect(malformed.stderr).not.toContain('pg-secret-9');
    const unreachable = await run(['migrate', '--to', 'postgres://bot:pg-secret-9@127.0.0.1:1/paperboy'], { PAPERBOY_DATA_DIR: source.dir });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr.trim().split('\n')[0]).toContain('DATABASE_URL');
    expect(unreachable.stderr).not.toContain('pg-secret-9');
    const missing = await run(['migrate'], { PAPERBOY_DATA_DIR: source.dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/migrate needs --to/);
  }, 60_000);

  it('after migration the planner alerts a new paper once, and not the paper planned before the follow existed (the mark is translated)', async () => {
    const db = await emptyDatabase();
    expect((await run(['migrate', '--to', db.url], { PAPERBOY_DATA_DIR: source.dir })).code).toBe(0);
    const app = await appOn(db.url);
    try {
      const mark = await app.database.sql.get<{ m: string }>('SELECT paper_rowid AS m FROM follow_planned');
      const alerted = await app.database.sql.get<{ seq: string }>('SELECT seq FROM papers WHERE id = ?', [ALERTED.id]);
      expect(Number(mark?.m)).toBe(Number(alerted?.seq));

      await app.library.ingest([LATER]);
      await app.alerts?.plan();
      const outbox = (await app.follows?.outbox()) ?? [];
      const titles = outbox.map((o) => (o.reply.kind === 'papers' ? o.reply.cards.map((c) => c.title) : []));
      expect(titles).toHaveLength(2);
      expect(titles[1]).toEqual([LATER.title]);
      expect(titles.flat()).not.toContain(EARLY.title);
    } finally {
      await app.close();
    }
  }, 120_000);
});
