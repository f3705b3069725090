// Snapshots of the catalogue copy in PostgreSQL: a host with an empty data dir starts from one instead of copying and indexing every paper; a bad or foreign one is ignored.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { catalogueFile, createApp, type App } from '../../src/app.js';
import type { Logger } from '../../src/logger.js';
import { silentLogger } from '../../src/logger.js';
import type { Paper } from '../../src/papers/model.js';
import { systemClock } from '../../src/ports.js';
import { SnapshotMaker } from '../../src/store/catalogueSnapshot.js';
import { openDatabase, type PaperDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { copyFormat } from '../../src/store/postgres/open.js';
import { testPapers } from '../support/papers.js';
import { freshDatabase, type FreshDatabase } from '../support/postgres.js';

/** NOTE: milliseconds; a bound on waiting for a condition, never an assertion about speed. */
const WAIT_MS = 15_000;

async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + WAIT_MS;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function capturingLogger(): Logger & { lines: Array<{ level: string; msg?: string; obj: unknown }> } {
  const lines: Array<{ level: string; msg?: string; obj: unknown }> = [];
  const make = (): Logger => {
    const write = (level: string) => (obj: unknown, msg?: string) => void lines.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
    return { child: () => make(), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  };
  return Object.assign(make(), { lines });
}

const said = (logger: ReturnType<typeof capturingLogger>, level: string, words: string) =>
  logger.lines.some((l) => l.level === level && (l.msg ?? '').includes(words));

let db: FreshDatabase;
let pool: pg.Pool;
const dirs: string[] = [];
const closers: Array<() => Promise<void>> = [];

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-snapshot-'));
  dirs.push(dir);
  return dir;
}

/** One host: its own (empty) data dir, the shared database. */
async function host(logger: Logger = silentLogger, dir = dataDir()): Promise<App> {
  const database = await openDatabase({ file: catalogueFile(dir), url: db.url, logger, features: FEATURES, syncEveryMs: 100 });
  files.set(database, catalogueFile(dir));
  const app = await createApp({ config: { dataDir: dir, timeZone: 'America/New_York', databaseUrl: db.url }, logger, clock: systemClock, commands, database });
  closers.push(() => app.close());
  return app;
}

/** Each host's copy file: the owner hands no connection out, so the test opens its own on the file. */
const files = new Map<PaperDatabase, string>();

/** A connection of the test's own on a host's copy (closed after the test). */
function localOf(database: PaperDatabase): Database.Database {
  const file = files.get(database);
  if (!file) throw new Error('not a host of this test');
  const local = new Database(file);
  closers.push(async () => void local.close());
  return local;
}

/** A snapshot maker on a host's copy, as serve's main thread has one. */
function makerOf(database: PaperDatabase, opts: { everyChanges?: number } = {}): SnapshotMaker {
  const local = localOf(database);
  const id = (local.prepare(`SELECT value FROM meta WHERE key = 'catalogue.id'`).get() as { value: string }).value;
  return new SnapshotMaker({ pool, local, catalogueId: id, format: copyFormat(), now: () => new Date(), logger: silentLogger, ...opts });
}

function paper(id: string, title: string, abstract: string): Paper {
  return {
    id,
    arxivId: id,
    title,
    abstract,
    authors: ['A. Author'],
    authorCount: 1,
    org: null,
    publishedAt: '2025-12-01',
    upvotes: 1,
    thumbnail: null,
    sources: [{ name: 'test' }],
  };
}

const ids = (app: App, query: string) => app.library.search(query, 0, 20).hits.map((h) => h.id);
const snapshots = async () => db.admin<{ id: string; papers_rev: string }>('SELECT id, papers_rev FROM catalogue_snapshots ORDER BY id');

/** A host with the test papers stored and indexed (the tests share one database: an earlier test may have stored them, so its copy has them unindexed until a search, as serve's warm-up does). */
async function indexedHost(): Promise<App> {
  const a = await host();
  await a.library.ingest(testPapers);
  a.library.search('attention');
  return a;
}

/** Host A with the test papers stored and indexed, and a snapshot made by its serve thread (`watch`). */
async function snapshotted(): Promise<App> {
  const a = await indexedHost();
  const watch = a.database.watch();
  try {
    await until('host A makes a snapshot', async () => (await snapshots()).length === 1);
  } finally {
    watch.stop();
  }
  return a;
}

beforeAll(async () => {
  db = await freshDatabase();
  pool = await connectPostgres(db.url);
  // Migrates the shared database (the snapshot tables come with the features).
  await (await openDatabase({ file: ':memory:', url: db.url, features: FEATURES })).close();
});

beforeEach(async () => {
  // NOTE: the tests share one database: each starts with no snapshot.
  await db.admin('DELETE FROM catalogue_snapshots');
});

afterAll(async () => {
  for (const close of closers.splice(0)) await close().catch(() => undefined);
  await pool.end();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  await db.drop();
});

describe('catalogue snapshots: a host with an empty data dir', () => {
  it('starts from the snapshot and finds what the first host finds, including a paper written after the snapshot', async () => {
    const a = await snapshotted();
    const late = paper('2512.09001', 'Pangolin Scaling Laws for Sparse Retrieval', 'Pangolins armour the retriever.');
    await a.library.ingest([late]);

    const logger = capturingLogger();
    const c = await host(logger);
    expect(said(logger, 'info', 'starts from the snapshot')).toBe(true);
    // Its index came with the snapshot: every paper but the late one is indexed before its first search.
    const local = localOf(c.database);
    const liveDocs = () => (local.prepare('SELECT count(*) AS n FROM search_docs WHERE live = 1').get() as { n: number }).n;
    expect(liveDocs()).toBe(a.store.count() - 1);
    expect(c.store.count()).toBe(a.store.count());
    for (const q of ['KV cache quantization', 'attention', 'diffusion', 'language models']) expect(ids(c, q)).toEqual(ids(a, q));
    expect(ids(c, 'pangolin')).toEqual([late.id]);
  });

  it('ignores a snapshot made by a paperboy with other local schema versions, and copies every paper instead', async () => {
    const a = await snapshotted();
    await db.admin(`UPDATE catalogue_snapshots SET format = 'user_version=99 search=99'`);
    const logger = capturingLogger();
    const c = await host(logger);
    expect(said(logger, 'info', 'starts from the snapshot')).toBe(false);
    expect(said(logger, 'info', 'no snapshot of the catalogue for this version')).toBe(true);
    expect(ids(c, 'KV cache quantization')).toEqual(ids(a, 'KV cache quantization'));
  });

  it('ignores a snapshot of another shared database (another catalogue id), and copies every paper instead', async () => {
    const a = await snapshotted();
    await db.admin(`UPDATE catalogue_snapshots SET catalogue_id = 'another-database'`);
    const logger = capturingLogger();
    const c = await host(logger);
    expect(said(logger, 'info', 'starts from the snapshot')).toBe(false);
    expect(ids(c, 'KV cache quantization')).toEqual(ids(a, 'KV cache quantization'));
  });

  it('falls back to copying every paper, with a warning, when a chunk of the snapshot is missing', async () => {
    const a = await snapshotted();
    await db.admin('DELETE FROM catalogue_snapshot_chunks WHERE n = 0');
    const logger = capturingLogger();
    const c = await host(logger);
    expect(said(logger, 'warn', 'could not start this host’s copy of the catalogue from the snapshot')).toBe(true);
    expect(c.store.count()).toBe(a.store.count());
    expect(ids(c, 'KV cache quantization')).toEqual(ids(a, 'KV cache quantization'));
    expect(fs.readdirSync(dirs.at(-1) ?? '').filter((f) => f.includes('.snapshot-'))).toEqual([]);
  });

  it('falls back to copying every paper when a chunk of the snapshot was damaged (some of its bytes changed)', async () => {
    const a = await snapshotted();
    await db.admin(`UPDATE catalogue_snapshot_chunks SET data = overlay(data PLACING '\\xdeadbeef'::bytea FROM 200) WHERE n = 0`);
    const logger = capturingLogger();
    const c = await host(logger);
    expect(said(logger, 'warn', 'could not start this host’s copy of the catalogue from the snapshot')).toBe(true);
    expect(ids(c, 'KV cache quantization')).toEqual(ids(a, 'KV cache quantization'));
  });

  it('a data dir whose copy followed another shared database starts from the snapshot too', async () => {
    const a = await snapshotted();
    const dir = dataDir();
    // A copy that followed another database: its catalogue id is not this one's.
    const other = await host(silentLogger, dir);
    await other.close();
    const copy = catalogueFile(dir);
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(copy);
    raw.prepare(`UPDATE meta SET value = 'another-database' WHERE key = 'catalogue.id'`).run();
    raw.close();
    const logger = capturingLogger();
    const c = await host(logger, dir);
    expect(said(logger, 'info', 'starts from the snapshot')).toBe(true);
    expect(ids(c, 'KV cache quantization')).toEqual(ids(a, 'KV cache quantization'));
  });
});

describe('catalogue snapshots: making one', () => {
  it('two hosts racing to make a snapshot make one', async () => {
    const a = await indexedHost();
    const b = await indexedHost();
    const outcomes = await Promise.all([makerOf(a.database).make(), makerOf(b.database).make()]);
    expect(outcomes.filter((o) => o === 'made')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'made')[0]).toMatch(/^(taken|not needed)$/);
    expect(await snapshots()).toHaveLength(1);
  });

  it('is not made while the search index has papers it has not indexed yet, and is once they are', async () => {
    const a = await host();
    await a.library.ingest(testPapers);
    // A copy opened without its search index: every paper is pending.
    const bareFile = catalogueFile(dataDir());
    const bare = await openDatabase({ file: bareFile, url: db.url, features: FEATURES });
    files.set(bare, bareFile);
    closers.push(() => bare.close());
    const maker = makerOf(bare);
    expect(await maker.make()).toBe('pending');
    expect(await snapshots()).toHaveLength(0);
    bare.searchData([])?.sync();
    expect(await maker.make()).toBe('made');
    expect(await snapshots()).toHaveLength(1);
  });

  it('a snapshot fewer changes behind than the threshold is kept; at the threshold a new one replaces it', async () => {
    const a = await indexedHost();
    const maker = makerOf(a.database, { everyChanges: 3 });
    expect(await maker.make()).toBe('made');
    const [first] = await snapshots();
    await a.library.ingest([paper('2512.09101', 'Marmot Tokenizers', 'Tokens by marmots.'), paper('2512.09102', 'Ibex Optimizers', 'Steps by ibex.')]);
    expect(await maker.make()).toBe('not needed');
    await a.library.ingest([paper('2512.09103', 'Tapir Caches', 'Caches by tapirs.')]);
    expect(await maker.make()).toBe('made');
    const now = await snapshots();
    expect(now).toHaveLength(1);
    expect(Number(now[0]?.papers_rev)).toBeGreaterThan(Number(first?.papers_rev));
  });
});
