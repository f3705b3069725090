// SQLite store: idempotent upserts, merging richer metadata, migrations, refusing foreign or damaged files, data-dir faults, lock waits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { OperatorError } from '../../src/errors.js';
import type { Paper } from '../../src/papers/model.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import { migrate } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/sqlite.js';
import type { SqliteStore } from '../../src/store/sqlitePaperStore.js';
import { PROJECT_ROOT } from '../../src/config.js';

const tmp: string[] = [];
const tmpDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-store-'));
  tmp.push(d);
  return d;
};
afterEach(() => {
  for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const paper = (over: Partial<Paper> = {}): Paper => ({
  id: 't-a-paper-abc',
  title: 'A Paper',
  abstract: 'Short.',
  authors: [],
  authorCount: null,
  org: null,
  publishedAt: null,
  upvotes: null,
  arxivId: null,
  thumbnail: null,
  sources: [{ name: 'seed:x.txt', ref: 'line 13' }],
  ...over,
});

describe('store', () => {
  it('re-ingesting the seed corpus changes nothing', async () => {
    const store = await openStore(path.join(tmpDir(), 'paperboy.db'));
    const { papers } = loadSeedDir(path.join(PROJECT_ROOT, 'seeds'));
    const first = await store.upsert(papers);
    expect(first).toMatchObject({ inserted: 242, updated: 0, unchanged: 0 });
    expect(first.changed).toHaveLength(242);
    const before = JSON.stringify(store.all());
    expect(await store.upsert(papers)).toEqual({ inserted: 0, updated: 0, unchanged: 242, changed: [] });
    expect(JSON.stringify(store.all())).toBe(before);
    store.close();
  });

  it('a later source with more metadata fills gaps and adopts the arXiv id', async () => {
    const store = await openStore(':memory:');
    await store.upsert([paper()]);
    const richer = paper({
      id: '2501.12345',
      arxivId: '2501.12345',
      title: '  A   Paper ',
      authors: ['Ada Lovelace', 'Alan Turing'],
      upvotes: 9,
      publishedAt: '2025-01-20',
      sources: [{ name: 'hf:daily_papers' }],
    });
    const adopted = await store.upsert([richer]);
    expect(adopted).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });
    expect(adopted.changed.map((c) => [c.paper.id, c.previousId])).toEqual([['2501.12345', 't-a-paper-abc']]);
    const got = store.get('2501.12345');
    expect(got).toMatchObject({
      id: '2501.12345',
      title: 'A Paper',
      authors: ['Ada Lovelace', 'Alan Turing'],
      authorCount: 2,
      upvotes: 9,
      publishedAt: '2025-01-20',
    });
    expect(got?.sources.map((s) => s.name)).toEqual(['seed:x.txt', 'hf:daily_papers']);
    expect(store.count()).toBe(1);
    // Less information later never erases what is known.
    expect(await store.upsert([paper()])).toEqual({ inserted: 0, updated: 0, unchanged: 1, changed: [] });
    expect(store.get('2501.12345')?.upvotes).toBe(9);
  });

  it('a write that fails part-way leaves nothing half-written', async () => {
    const store = await openStore(':memory:');
    const bad = { ...paper({ id: 'x2', title: 'Second' }), publishedAt: 'not a date' } as Paper;
    await expect(store.upsert([paper({ id: 'x1', title: 'First' }), bad])).rejects.toThrow();
    expect(store.count()).toBe(0);
  });

  it('survives a restart with its data and WAL mode on', async () => {
    const file = path.join(tmpDir(), 'paperboy.db');
    const a = await openStore(file);
    await a.upsert([paper()]);
    a.close();
    const b = await openStore(file);
    expect(b.count()).toBe(1);
    b.close();
    const raw = new Database(file);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(4);
    raw.close();
  });

  it('refuses a corrupt database file with an error naming it, and leaves the file untouched', async () => {
    const file = path.join(tmpDir(), 'paperboy.db');
    fs.writeFileSync(file, 'this is not sqlite at all, just text '.repeat(200));
    const before = fs.readFileSync(file);
    await expect(openStore(file)).rejects.toThrow(OperatorError);
    await expect(openStore(file)).rejects.toThrow(file);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it("refuses another program's SQLite database instead of adding tables to it", async () => {
    const file = path.join(tmpDir(), 'other.db');
    const other = new Database(file);
    other.exec('CREATE TABLE notes (x TEXT)');
    other.close();
    const before = fs.readFileSync(file);
    await expect(openStore(file)).rejects.toThrow(/not a paperboy database/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('finds the latest date on or before a day', async () => {
    const store = await openStore(':memory:');
    await store.upsert([paper({ id: 'a', title: 'A', publishedAt: '2025-01-01' }), paper({ id: 'b', title: 'B', publishedAt: '2025-03-01' })]);
    expect(store.latestDate('2025-02-15')).toBe('2025-01-01');
    expect(store.latestDate()).toBe('2025-03-01');
    expect(store.latestDate('2024-01-01')).toBeNull();
  });

  it('a data dir that is a file is refused with PAPERBOY_DATA_DIR, its path and what to do', async () => {
    const dir = path.join(tmpDir(), 'data');
    fs.writeFileSync(dir, 'not a folder');
    const e = await catchError(() => openStore(path.join(dir, 'paperboy.db')));
    expect(e).toBeInstanceOf(OperatorError);
    expect(e.message).toBe(`PAPERBOY_DATA_DIR is ${dir}, but that is a file, not a folder.`);
    expect((e as OperatorError).hints.join('\n')).toMatch(/Point PAPERBOY_DATA_DIR at a folder/);
    expect(fs.readFileSync(dir, 'utf8')).toBe('not a folder');
  });

  it('a data dir that cannot be created because a file is in its path names that file', async () => {
    const blocker = path.join(tmpDir(), 'file');
    fs.writeFileSync(blocker, '');
    const dir = path.join(blocker, 'data', 'deeper');
    const e = await catchError(() => openStore(path.join(dir, 'paperboy.db')));
    expect(e).toBeInstanceOf(OperatorError);
    expect(e.message).toBe(`PAPERBOY_DATA_DIR is ${dir}, but it cannot be created: ${blocker} is a file, not a folder.`);
  });

  it('a database with a sound header but a damaged page is refused by path, and left byte-identical', async () => {
    const file = path.join(tmpDir(), 'paperboy.db');
    const store = await openStore(file);
    await store.upsert(loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers);
    store.close();
    // Overwrite one page in the middle of the file: the header and schema still read fine.
    const pages = fs.statSync(file).size / 4096;
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, Math.floor(pages / 2) * 4096);
    fs.closeSync(fd);
    const before = fs.readFileSync(file);
    const e = await catchError(() => openStore(file));
    expect(e).toBeInstanceOf(OperatorError);
    expect(e.message).toMatch(new RegExp(`^The paper database ${file} is damaged \\(PRAGMA quick_check: .+\\); paperboy refuses to use it\\.$`));
    expect((e as OperatorError).hints.join('\n')).toMatch(/left the file as it is\. Move it away/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['paperboy.db']);
  });

  it('a write that another connection keeps locked past the wait bound fails with an OperatorError naming the file, and stores nothing of that batch', async () => {
    const file = path.join(tmpDir(), 'paperboy.db');
    const store = await openStore(file, undefined, { busyTimeoutMs: 50, maxWriteWaitMs: 300 });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const t0 = Date.now();
    const e = await catchError(() => store.upsert([paper()]));
    const waited = Date.now() - t0;
    other.exec('ROLLBACK');
    other.close();
    expect(e).toBeInstanceOf(OperatorError);
    expect(e.message).toBe(
      `The paper database ${file} stayed locked by another process for 300 ms, as long as paperboy waits; that batch was rolled back, and 0 of 1 papers were stored before it.`,
    );
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(3000);
    expect(store.count()).toBe(0);
    // Once the lock is gone the same write goes through.
    expect((await store.upsert([paper()])).inserted).toBe(1);
    store.close();
  });

  it('a large upsert is written in batches: another connection sees whole batches as they commit', async () => {
    const file = path.join(tmpDir(), 'paperboy.db');
    const seen: number[] = [];
    const reader = () => {
      const db = new Database(file, { readonly: true });
      seen.push((db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n);
      db.close();
    };
    let calls = 0;
    // The clock is read as each batch begins (one stamp per batch): a reader looks then.
    const store = await openStore(
      file,
      () => {
        calls += 1;
        reader();
        return new Date('2025-11-27T00:00:00Z');
      },
      { batchSize: 500 },
    );
    const many = Array.from({ length: 1500 }, (_, i) => paper({ id: `p-${i}`, title: `Paper ${i}` }));
    expect(await store.upsert(many)).toMatchObject({ inserted: 1500, updated: 0, unchanged: 0 });
    store.close();
    expect(seen).toEqual([0, 500, 1000]);
    expect(calls).toBe(3);
  });
});

/** The error `fn` throws (fails the test when it throws nothing). */
async function catchError(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('feature migrations', () => {
  it('apply each step once, across two processes sharing a file, and never renumber the papers schema', async () => {
    const file = path.join(tmpDir(), 'paperboy.db');
    const a = await openStore(file);
    const b = await openStore(file);
    const steps = ['CREATE TABLE feature_things (id TEXT PRIMARY KEY)', 'ALTER TABLE feature_things ADD COLUMN note TEXT'];
    const migrateOn = (store: SqliteStore, upTo: number) =>
      migrate({ sql: store.sql, exclusively: (fn) => store.sql.transaction(fn), where: file, startAfresh: '' }, [
        { name: 'things', steps: steps.slice(0, upTo) },
      ]);
    await migrateOn(a, 1);
    await migrateOn(b, 2);
    await migrateOn(a, 2);
    await a.sql.run(`INSERT INTO feature_things (id, note) VALUES ('x', 'kept')`);
    expect(await b.sql.all('SELECT note FROM feature_things')).toEqual([{ note: 'kept' }]);
    expect(await a.getMeta('schema.things')).toBe('2');
    expect(await a.getMeta('schema.papers')).toBe('4');
    a.close();
    b.close();
  });
});
