// One migration scheme: a file an older paperboy left (papers numbered in user_version, the index's own mark) is adopted into `meta` with nothing lost; a newer one is refused; a changed index schema re-indexes from the papers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { OperatorError } from '../../src/errors.js';
import type { Paper } from '../../src/papers/model.js';
import { openDatabase } from '../../src/store/database.js';
import { CATALOGUE_FEATURES, FEATURE_SCHEMAS, FEATURES } from '../../src/store/features.js';
import { migrate } from '../../src/store/migrations.js';
import { PAPER_STEPS } from '../../src/store/catalogueSchema.js';
import { REMADE, SEARCH_STEPS } from '../../src/store/searchSchema.js';
import { openStore, searchDataOf } from '../../src/store/sqlite.js';
import { freshDatabase } from '../support/postgres.js';

const tmp: string[] = [];
afterEach(() => {
  for (const d of tmp.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fileIn(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-scheme-'));
  tmp.push(dir);
  return path.join(dir, 'paperboy.db');
}

/**
 * The papers table as the paper store once migrated it, step by step, numbering each in
 * `PRAGMA user_version` (src/store/sqlite.ts MIGRATIONS before the one scheme).
 */
const LEGACY_PAPER_STEPS = [
  `CREATE TABLE papers (
     id TEXT PRIMARY KEY, title_key TEXT NOT NULL UNIQUE, title TEXT NOT NULL, abstract TEXT NOT NULL,
     authors TEXT NOT NULL DEFAULT '[]', author_count INTEGER, org TEXT, published_at TEXT, upvotes INTEGER,
     arxiv_id TEXT UNIQUE, thumbnail TEXT, sources TEXT NOT NULL DEFAULT '[]', updated_at TEXT NOT NULL
   );
   CREATE INDEX papers_published_at ON papers(published_at);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  `ALTER TABLE papers ADD COLUMN github_repo TEXT;
   ALTER TABLE papers ADD COLUMN github_stars INTEGER;
   ALTER TABLE papers ADD COLUMN project_page TEXT;
   ALTER TABLE papers ADD COLUMN ai_summary TEXT;
   ALTER TABLE papers ADD COLUMN ai_keywords TEXT;
   ALTER TABLE papers ADD COLUMN num_comments INTEGER;`,
  `ALTER TABLE papers ADD COLUMN raw_text TEXT;`,
];

/** A file an older paperboy left at papers version `userVersion`, holding one paper (and, when asked, the meta value the build just before this scheme recorded). */
function legacyFile(userVersion: number, extra: { papersStepRecorded?: boolean } = {}): string {
  const file = fileIn();
  const raw = new Database(file);
  for (const step of LEGACY_PAPER_STEPS.slice(0, userVersion)) raw.exec(step);
  raw.pragma(`user_version = ${userVersion}`);
  raw
    .prepare(
      `INSERT INTO papers (id, title_key, title, abstract, authors, published_at, upvotes, arxiv_id, sources, updated_at)
       VALUES ('2501.00001', 'capybara caching', 'Capybara Caching', 'Caches that capybaras keep warm.', '["Ada Lovelace"]', '2025-01-02', 7, '2501.00001', '[{"name":"seed:x.txt"}]', '2025-01-02T00:00:00.000Z')`,
    )
    .run();
  raw.prepare(`INSERT INTO meta (key, value) VALUES ('seeds.ingested', '2025-01-02T00:00:00.000Z')`).run();
  if (extra.papersStepRecorded) raw.prepare(`INSERT INTO meta (key, value) VALUES ('schema.papers', '1')`).run();
  raw.close();
  return file;
}

function metaVersions(file: string): Record<string, string> {
  const raw = new Database(file, { readonly: true });
  const rows = raw.prepare(`SELECT key, value FROM meta WHERE key LIKE 'schema.%'`).all() as Array<{ key: string; value: string }>;
  raw.close();
  return Object.fromEntries(rows.map((r) => [r.key.slice('schema.'.length), r.value]));
}

const paper = (id: string, title: string, abstract: string): Paper => ({
  id,
  title,
  abstract,
  authors: [],
  authorCount: null,
  org: null,
  publishedAt: '2026-06-12',
  upvotes: 1,
  arxivId: id,
  thumbnail: null,
  sources: [{ name: 'test' }],
});

async function refusal(fn: () => Promise<unknown>): Promise<OperatorError> {
  const e = await fn().then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof OperatorError)) throw new Error(`expected an OperatorError, got ${String(e)}`);
  return e;
}

describe('one scheme: a file from before it', () => {
  it.each([1, 2, 3])(
    'a database an older paperboy left at papers user_version %i opens with its papers and marks intact, at every feature version in meta',
    async (userVersion) => {
      const file = legacyFile(userVersion);
      const database = await openDatabase({ file, features: FEATURES });
      expect(database.papers.get('2501.00001')).toMatchObject({ title: 'Capybara Caching', authors: ['Ada Lovelace'], upvotes: 7, publishedAt: '2025-01-02' });
      expect(database.papers.count()).toBe(1);
      expect(await database.papers.getMeta('seeds.ingested')).toBe('2025-01-02T00:00:00.000Z');
      // The columns the later steps added are there: a paper with them is stored and read back.
      await database.papers.upsert([{ ...paper('2501.00002', 'Otter Optimizers', 'Optimizers otters use.'), githubRepo: 'https://github.com/o/o' }]);
      expect(database.papers.get('2501.00002')?.githubRepo).toBe('https://github.com/o/o');
      const data = database.searchData([]);
      expect(data?.sync()).toBe(2);
      await database.close();
      expect(metaVersions(file)).toEqual(Object.fromEntries(Object.entries(FEATURE_SCHEMAS).map(([k, v]) => [k, String(v)])));
      const raw = new Database(file, { readonly: true });
      expect(raw.pragma('user_version', { simple: true })).toBe(PAPER_STEPS.length);
      raw.close();
    },
  );

  it('a database the build just before made (schema.papers 1 for a step that did nothing, user_version 3, the index marked 3) keeps its index: nothing is indexed again', async () => {
    const file = legacyFile(3, { papersStepRecorded: true });
    // The index tables as that build made them, holding the one paper.
    const first = await openStore(file);
    searchDataOf(first)?.sync();
    first.close();
    const raw = new Database(file);
    raw.exec(`DELETE FROM meta WHERE key = 'schema.search'; INSERT INTO search_marks (key, value) VALUES ('schema', '3');`);
    raw.prepare(`UPDATE meta SET value = '1' WHERE key = 'schema.papers'`).run();
    raw.close();

    const database = await openDatabase({ file, features: FEATURES });
    expect(metaVersions(file)).toMatchObject({ papers: String(PAPER_STEPS.length), search: String(SEARCH_STEPS.length) });
    expect(database.searchData([])?.sync()).toBe(0);
    await database.close();
    const check = new Database(file, { readonly: true });
    expect(check.prepare(`SELECT count(*) AS n FROM search_docs WHERE live = 1`).get()).toEqual({ n: 1 });
    expect(check.prepare(`SELECT value FROM search_marks WHERE key = 'schema'`).get()).toBeUndefined();
    check.close();
  });

  it('a database whose papers user_version is past this build is refused with an OperatorError naming it, and left byte-identical', async () => {
    const file = legacyFile(3);
    const raw = new Database(file);
    const newer = PAPER_STEPS.length + 1;
    raw.pragma(`user_version = ${newer}`);
    raw.close();
    const before = fs.readFileSync(file);
    const e = await refusal(() => openDatabase({ file, features: FEATURES }));
    expect(e.message).toContain(file);
    expect(e.message).toContain(`schema version ${newer} is newer than this paperboy understands (${PAPER_STEPS.length})`);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('a database whose meta says a newer papers schema is refused even when its user_version is one this build knows, and left byte-identical', async () => {
    const file = legacyFile(3);
    const raw = new Database(file);
    const newer = PAPER_STEPS.length + 1;
    raw.prepare(`INSERT INTO meta (key, value) VALUES ('schema.papers', ?)`).run(String(newer));
    raw.close();
    const before = fs.readFileSync(file);
    const e = await refusal(() => openDatabase({ file, features: FEATURES }));
    expect(e.message).toBe(
      `The paper database ${file} was written by a newer paperboy: its papers tables are at schema version ${newer}, and this paperboy knows version ${PAPER_STEPS.length}; it refuses to use it.`,
    );
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});

describe('one scheme: the search index is a feature', () => {
  it('a new database records the index version in meta beside every other feature', async () => {
    const file = fileIn();
    await (await openDatabase({ file, features: FEATURES })).close();
    expect(metaVersions(file)).toMatchObject({ search: String(SEARCH_STEPS.length), papers: String(PAPER_STEPS.length), daily_lists: '1' });
  });

  it('a changed index schema (a step that makes the tables anew) re-indexes every paper from the papers table', async () => {
    const file = fileIn();
    const store = await openStore(file);
    await store.upsert([paper('2606.00001', 'Capybara Caching', 'Caches that capybaras keep.'), paper('2606.00002', 'Otter Optimizers', 'Optimizers.')]);
    expect(searchDataOf(store)?.sync()).toBe(2);
    const changed = CATALOGUE_FEATURES.map((f) => (f.name === 'search' ? { ...f, steps: [...f.steps, REMADE] } : f));
    await migrate({ sql: store.sql, exclusively: (fn) => store.sql.transaction(fn), where: file, startAfresh: '' }, changed);
    expect(await store.getMeta('schema.search')).toBe(String(SEARCH_STEPS.length + 1));
    expect(await store.sql.get('SELECT count(*) AS n FROM search_docs')).toEqual({ n: 0 });
    const data = searchDataOf(store);
    expect(data?.sync()).toBe(2);
    expect(data?.docs).toBe(2);
    store.close();
  });
});

describe('one scheme: PostgreSQL', () => {
  it('a database the build just before migrated (papers at 1: one step made the whole table) is carried to the newest papers step with its papers', async () => {
    const fresh = await freshDatabase();
    try {
      const first = await openDatabase({ file: ':memory:', url: fresh.url, features: FEATURES });
      await first.papers.upsert([paper('2606.00003', 'Beaver Batching', 'Batches beavers build.')]);
      await first.close();
      await fresh.admin(`UPDATE meta SET value = '1' WHERE key = 'schema.papers'`);
      const again = await openDatabase({ file: ':memory:', url: fresh.url, features: FEATURES });
      expect(again.papers.get('2606.00003')?.title).toBe('Beaver Batching');
      await again.close();
      expect(await fresh.admin(`SELECT value FROM meta WHERE key = 'schema.papers'`)).toEqual([{ value: String(PAPER_STEPS.length) }]);
    } finally {
      await fresh.drop();
    }
  });
});
