// SQLite store: idempotent upserts, merging richer metadata, migrations, and refusing foreign files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { OperatorError } from '../../src/errors.js';
import type { Paper } from '../../src/papers/model.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import { openStore } from '../../src/store/sqlite.js';
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
  it('re-ingesting the seed corpus changes nothing', () => {
    const store = openStore(path.join(tmpDir(), 'paperboy.db'));
    const { papers } = loadSeedDir(path.join(PROJECT_ROOT, 'seeds'));
    const first = store.upsert(papers);
    expect(first).toMatchObject({ inserted: 242, updated: 0, unchanged: 0 });
    expect(first.changed).toHaveLength(242);
    const before = JSON.stringify(store.all());
    expect(store.upsert(papers)).toEqual({ inserted: 0, updated: 0, unchanged: 242, changed: [] });
    expect(JSON.stringify(store.all())).toBe(before);
    store.close();
  });

  it('a later source with more metadata fills gaps and adopts the arXiv id', () => {
    const store = openStore(':memory:');
    store.upsert([paper()]);
    const richer = paper({
      id: '2501.12345',
      arxivId: '2501.12345',
      title: '  A   Paper ',
      authors: ['Ada Lovelace', 'Alan Turing'],
      upvotes: 9,
      publishedAt: '2025-01-20',
      sources: [{ name: 'hf:daily_papers' }],
    });
    const adopted = store.upsert([richer]);
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
    expect(store.upsert([paper()])).toEqual({ inserted: 0, updated: 0, unchanged: 1, changed: [] });
    expect(store.get('2501.12345')?.upvotes).toBe(9);
  });

  it('a write that fails part-way leaves nothing half-written', () => {
    const store = openStore(':memory:');
    const bad = { ...paper({ id: 'x2', title: 'Second' }), publishedAt: 'not a date' } as Paper;
    expect(() => store.upsert([paper({ id: 'x1', title: 'First' }), bad])).toThrow();
    expect(store.count()).toBe(0);
  });

  it('survives a restart with its data and WAL mode on', () => {
    const file = path.join(tmpDir(), 'paperboy.db');
    const a = openStore(file);
    a.upsert([paper()]);
    a.close();
    const b = openStore(file);
    expect(b.count()).toBe(1);
    b.close();
    const raw = new Database(file);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    raw.close();
  });

  it('refuses a corrupt database file with an error naming it, and leaves the file untouched', () => {
    const file = path.join(tmpDir(), 'paperboy.db');
    fs.writeFileSync(file, 'this is not sqlite at all, just text '.repeat(200));
    const before = fs.readFileSync(file);
    expect(() => openStore(file)).toThrow(OperatorError);
    expect(() => openStore(file)).toThrow(file);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it("refuses another program's SQLite database instead of adding tables to it", () => {
    const file = path.join(tmpDir(), 'other.db');
    const other = new Database(file);
    other.exec('CREATE TABLE notes (x TEXT)');
    other.close();
    const before = fs.readFileSync(file);
    expect(() => openStore(file)).toThrow(/not a paperboy database/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('finds the latest date on or before a day', () => {
    const store = openStore(':memory:');
    store.upsert([paper({ id: 'a', title: 'A', publishedAt: '2025-01-01' }), paper({ id: 'b', title: 'B', publishedAt: '2025-03-01' })]);
    expect(store.latestDate('2025-02-15')).toBe('2025-01-01');
    expect(store.latestDate()).toBe('2025-03-01');
    expect(store.latestDate('2024-01-01')).toBeNull();
  });
});
