// The database file deleted or replaced under an open store: every later write is refused with an operator-facing error, not confirmed and lost.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OperatorError } from '../../src/errors.js';
import type { Paper } from '../../src/papers/model.js';
import { ScheduleStore } from '../../src/scheduler/store.js';
import { FEATURES } from '../../src/store/features.js';
import { DatabaseFileIdentity } from '../../src/store/fileIdentity.js';
import { migrate } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/sqlite.js';
import type { SqliteStore } from '../../src/store/sqlitePaperStore.js';
import { watchDatabaseFile } from '../../src/store/sqliteWatch.js';

const tmp: string[] = [];
const open: SqliteStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function storeOnFile(): Promise<{ file: string; store: SqliteStore }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-identity-'));
  tmp.push(dir);
  const file = path.join(dir, 'paperboy.db');
  const store = await openStore(file);
  open.push(store);
  return { file, store };
}

const paper = (n: number): Paper => ({
  id: `t-p${n}`,
  title: `Paper ${n}`,
  abstract: 'Short.',
  authors: [],
  authorCount: null,
  org: null,
  publishedAt: '2026-06-12',
  upvotes: 1,
  arxivId: null,
  thumbnail: null,
  sources: [{ name: 'test' }],
});

const subscription = { platform: 'slack', channel: 'C0PAPERS', hour: 9, minute: 0, zone: 'America/New_York', top: 5 };

async function thrown(fn: () => unknown): Promise<OperatorError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof OperatorError) return e;
    throw e;
  }
  throw new Error('expected the write to be refused');
}

/** Another paperboy database, renamed over `file` (a restore, or `cp --remove-destination`): a new inode at the same path. */
async function replaceWithAnother(file: string): Promise<void> {
  const other = `${file}.restore`;
  const s = await openStore(other);
  await s.upsert([paper(99)]);
  s.close();
  fs.renameSync(other, file);
}

describe('the database is the one we opened', () => {
  it('a subscribe after the database file was deleted throws an error naming the file, instead of being confirmed', async () => {
    const { file, store } = await storeOnFile();
    await migrate({ sql: store.sql, exclusively: (fn) => store.sql.transaction(fn), where: file, startAfresh: '' }, FEATURES);
    const schedules = new ScheduleStore(store.sql, () => new Date('2026-06-12T12:00:00Z'));
    await schedules.add(subscription);
    fs.rmSync(file);
    const e = await thrown(() => schedules.add(subscription));
    expect(e.message).toContain(`the database file ${file} was deleted`);
    expect(e.message).toContain('this write was not stored');
    expect(e.hints.join(' ')).toMatch(/Restart paperboy/);
  });

  it('an ingest after the database file was replaced by another file is refused, and its papers are not stored', async () => {
    const { file, store } = await storeOnFile();
    await store.upsert([paper(1)]);
    await replaceWithAnother(file);
    expect((await thrown(() => store.upsert([paper(2)]))).message).toContain(`the database file ${file} was replaced by another file`);
    const now = await openStore(file);
    expect(now.get('t-p2')).toBeUndefined();
    now.close();
  });

  it('a write after the write-ahead log was deleted is refused, naming the -wal file', async () => {
    const { file, store } = await storeOnFile();
    await store.setMeta('x', '1');
    fs.rmSync(`${file}-wal`);
    expect((await thrown(() => store.setMeta('x', '2'))).message).toContain(`its write-ahead log ${file}-wal was deleted`);
  });

  it('once refused, every later write is refused too, even if a file appears at the path again', async () => {
    const { file, store } = await storeOnFile();
    fs.rmSync(file);
    await thrown(() => store.setMeta('x', '1'));
    fs.writeFileSync(file, '');
    expect((await thrown(() => store.upsert([paper(3)]))).message).toContain('was deleted');
  });

  it('another process opening, writing and closing the same file is not taken for a replacement', async () => {
    const { file, store } = await storeOnFile();
    await store.upsert([paper(1)]);
    const other = await openStore(file);
    await other.upsert([paper(2)]);
    other.close();
    await store.upsert([paper(3)]);
    expect(store.count()).toBe(3);
  });

  it('the watch reports a deleted file on its own timer, with no write needed, with the path and what happened', async () => {
    const { file, store } = await storeOnFile();
    const watch = watchDatabaseFile(store, 10);
    fs.rmSync(file);
    const lost = await watch.lost;
    watch.stop();
    expect(lost.file).toBe(file);
    expect(lost.change).toBe(`the database file ${file} was deleted`);
    await expect(store.setMeta('x', '1')).rejects.toThrow(lost.error);
  });

  it('a check that cannot look at the file (EIO, a flaky mount) is reported once and is not a loss; a later check still sees a deletion', async () => {
    const { file } = await storeOnFile();
    const heard: string[] = [];
    const identity = new DatabaseFileIdentity(file, (code) => heard.push(code));
    // NOTE: an I/O error cannot be made on this machine's disk (and root ignores permissions), so stat is made to fail.
    const eio = Object.assign(new Error('i/o error'), { code: 'EIO' });
    const stat = vi.spyOn(fs, 'statSync').mockImplementation(() => {
      throw eio;
    });
    try {
      expect(identity.change()).toBeNull();
      expect(identity.change()).toBeNull();
    } finally {
      stat.mockRestore();
    }
    expect(heard).toEqual(['EIO']);
    fs.rmSync(file);
    expect(identity.change()).toMatch(/was deleted/);
  });

  it('a folder on the path replaced by a file counts as the database gone', async () => {
    const { file } = await storeOnFile();
    const identity = new DatabaseFileIdentity(file);
    const dir = path.dirname(file);
    fs.renameSync(dir, `${dir}.moved`);
    tmp.push(`${dir}.moved`);
    fs.writeFileSync(dir, 'not a folder');
    expect(identity.change()).toMatch(/was deleted/);
  });

  it('an in-memory store has nothing to watch and writes as before', async () => {
    const store = await openStore(':memory:');
    open.push(store);
    const watch = watchDatabaseFile(store, 10);
    await store.upsert([paper(1)]);
    watch.stop();
    expect(store.count()).toBe(1);
  });
});
