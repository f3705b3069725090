// The persisted index: what SQLite holds scores exactly like a fresh in-memory index, after any sequence of ingests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import type { Paper } from '../../src/papers/model.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import type { PaperStore } from '../../src/ports.js';
import { scoreClauses, type ScoredClause } from '../../scripts/lunrScorer.js';
import { MemoryCorpusData, type CorpusData } from '../../src/search/corpusData.js';
import { subjectMembers } from '../../src/search/subjects.js';
import { SqliteCorpusData } from '../../src/store/postingsStore.js';
import { openStore, searchDataOf } from '../../src/store/sqlite.js';
import { silentLogger } from '../../src/logger.js';
import { SearchRanker } from '../../src/search/ranker.js';
import { parseQuery } from '../../src/search/query.js';
import { PersistedSearchIndex } from '../../src/search/searchIndex.js';

const seeds = loadSeedDir(path.join(PROJECT_ROOT, 'seeds')).papers;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A parsed query (the test's own text always parses). */
function query(text: string) {
  const q = parseQuery(text);
  if (!q.ok) throw new Error(q.error.message);
  return q.value;
}

/** A paper with the given id, title and abstract, the rest from the first seed. */
const paperOf = (id: string, title: string, abstract: string): Paper => ({
  ...(seeds[0] as Paper),
  id,
  title,
  abstract,
  arxivId: null,
  sources: [{ name: 'test' }],
});

/** A database file with the paper store and a second connection for the index, as two modules of one process hold them. */
async function open(): Promise<{ store: PaperStore; index: SqliteCorpusData; file: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-index-'));
  const file = path.join(dir, 'paperboy.db');
  const store = await openStore(file);
  const db = new Database(file);
  const index = new SqliteCorpusData(db, store);
  cleanups.push(() => {
    db.close();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { store, index, file };
}

const QUERIES: string[][] = [['memori'], ['kv', 'cach', 'quantiz'], ['agent', 'memori', 'benchmark'], ['checkpoint'], ['model'], ['diffus', 'video']];
const clauses = (terms: string[]): ScoredClause[] => terms.map((term) => ({ terms: [{ term, boost: 1 }], presence: 'optional' }));

/** Results by paper id, so two indexes with different document numbers compare. */
function ranked(data: CorpusData, terms: string[]): Array<[string, number]> {
  return scoreClauses(clauses(terms), data).map((m) => [data.info(m.doc)?.paperId ?? '?', Math.round(m.score * 1e9) / 1e9]);
}

function expectSameAsFresh(index: CorpusData, papers: readonly Paper[]): void {
  const fresh = new MemoryCorpusData(papers);
  expect(index.docs).toBe(fresh.docs);
  for (const q of QUERIES) {
    const got = ranked(index, q);
    expect(got.length).toBeGreaterThan(0);
    expect(new Map(got)).toEqual(new Map(ranked(fresh, q)));
  }
}

/** What SQLite's planner says a statement does, one line per step (any parameter bound to 0). */
function planOf(db: Database.Database, source: string): string[] {
  const positional = Array.from({ length: (source.match(/\?/g) ?? []).length }, () => 0);
  const named = Object.fromEntries([...source.matchAll(/@(\w+)/g)].map((m) => [m[1], 0]));
  const args = Object.keys(named).length > 0 ? [...positional, named] : positional;
  return (db.prepare(`EXPLAIN QUERY PLAN ${source}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail);
}

describe('persisted search index', () => {
  it('indexes the stored papers and scores them exactly as an index built in memory', async () => {
    const { store, index } = await open();
    await store.upsert(seeds);
    expect(index.sync()).toBe(seeds.length);
    expectSameAsFresh(index, seeds);
    expect(index.sync()).toBe(0);
  });

  it('ingests in many small batches and still scores like one fresh build (segments merged as they pile up)', async () => {
    const { store, index } = await open();
    for (let i = 0; i < seeds.length; i += 20) {
      await store.upsert(seeds.slice(i, i + 20));
      index.sync();
    }
    expectSameAsFresh(index, seeds);
  });

  it('a paper whose text changes is re-indexed, and one whose upvotes change keeps its postings', async () => {
    const { store, index } = await open();
    await store.upsert(seeds);
    index.sync();
    const [first, second] = seeds as [Paper, Paper];
    const longer = { ...first, abstract: `${first.abstract} It also studies zebrafish navigation.` };
    await store.upsert([longer, { ...second, upvotes: (second.upvotes ?? 0) + 500 }]);
    expect(index.sync()).toBe(2);
    const now = [longer, { ...second, upvotes: (second.upvotes ?? 0) + 500 }, ...seeds.slice(2)];
    expectSameAsFresh(index, now);
    expect(ranked(index, ['zebrafish']).map(([id]) => id)).toContain(first.id);
    const doc = [...index.docNumbers()].find((d) => index.info(d)?.paperId === second.id) ?? -1;
    expect(index.info(doc)?.upvotes).toBe((second.upvotes ?? 0) + 500);
  });

  it('a paper that takes an arXiv id leaves no stale document behind', async () => {
    const { store, index } = await open();
    await store.upsert(seeds);
    index.sync();
    const [first] = seeds as [Paper];
    await store.upsert([{ ...first, id: '2501.00001', arxivId: '2501.00001' }]);
    index.sync();
    const ids = [...index.docNumbers()].map((d) => index.info(d)?.paperId);
    expect(ids).toContain('2501.00001');
    expect(ids).not.toContain(first.id);
    expect(index.docs).toBe(seeds.length);
  });

  it('indexes a paper copied in with an older timestamp than the newest, and retires the one its copy replaced', async () => {
    const { store, index, file } = await open();
    await store.upsert(seeds);
    index.sync();
    const [first, second] = seeds as [Paper, Paper];
    // As the catalogue sync copies rows: verbatim (INSERT OR REPLACE), with the timestamp they had elsewhere.
    const raw = new Database(file);
    const row = raw.prepare('SELECT * FROM papers WHERE id = ?').get(first.id) as Record<string, unknown>;
    const copy = raw.prepare(
      `INSERT OR REPLACE INTO papers (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row)
        .map((c) => `@${c}`)
        .join(', ')})`,
    );
    copy.run({
      ...row,
      id: 'copied-1',
      title_key: 'zanzibar octopus census',
      title: 'Zanzibar octopus census',
      arxiv_id: null,
      updated_at: '2001-01-01T00:00:00.000Z',
    });
    // A row replaced by one of another id (same title key): the old paper is gone.
    const other = raw.prepare('SELECT * FROM papers WHERE id = ?').get(second.id) as Record<string, unknown>;
    copy.run({ ...other, id: 'copied-2', arxiv_id: null, abstract: 'Quokka sightings.', updated_at: '2001-01-02T00:00:00.000Z' });
    raw.close();
    index.sync();
    const ids = [...index.docNumbers()].map((d) => index.info(d)?.paperId);
    expect(ids).toContain('copied-1');
    expect(ids).toContain('copied-2');
    expect(ids).not.toContain(second.id);
    expect(index.docs).toBe(seeds.length + 1);
    expect(index.docFrequency('zanzibar')).toBe(1);
    expect(index.docFrequency('quokka')).toBe(1);
  });

  it('an ingest into an indexed database reads only what it changed: no statement scans the papers or documents in full', async () => {
    const { store, file } = await open();
    await store.upsert(seeds.slice(0, 200));
    // The index's own connection, every statement it prepares kept to read its query plan. Retired
    // documents (a partial index of them) are allowed: they are as many as papers changed, not stored.
    const db = new Database(file);
    const prepared: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((source: string) => {
      prepared.push(source);
      return prepare(source);
    }) as typeof db.prepare;
    const index = new SqliteCorpusData(db, store);
    index.sync();
    await store.upsert(seeds.slice(200, 210));
    expect(index.sync()).toBe(10);
    const fullScans = prepared.flatMap((source) =>
      planOf(db, source)
        .filter((detail) => /^SCAN (papers|search_docs|p|d)\b/.test(detail) && !/USING (COVERING )?INDEX search_docs_dead\b/.test(detail))
        .map((detail) => `${detail} in ${source.replace(/\s+/g, ' ')}`),
    );
    db.close();
    expect(fullScans).toEqual([]);
  });

  it('sees papers that another connection stored and indexed, on its next look', async () => {
    const { store, index, file } = await open();
    await store.upsert(seeds.slice(0, 100));
    index.sync();
    const otherDb = new Database(file);
    const otherStore = await openStore(file);
    const other = new SqliteCorpusData(otherDb, otherStore);
    await otherStore.upsert(seeds.slice(100));
    other.sync();
    otherDb.close();
    otherStore.close();
    index.refreshIfChanged();
    expectSameAsFresh(index, seeds);
  });

  it('two writers taking turns on one file keep every term within the segment limit and score like one fresh build', async () => {
    const { store, index, file } = await open();
    const otherDb = new Database(file);
    const otherStore = await openStore(file);
    cleanups.push(() => {
      otherDb.close();
      otherStore.close();
    });
    const other = new SqliteCorpusData(otherDb, otherStore);
    // NOTE: small turns, each writer several in a row, so each writer's own count of a term's segments falls behind the other's.
    for (let i = 0, turn = 0; i < seeds.length; i += 10, turn++) {
      const [s, x] = Math.floor(turn / 3) % 2 === 0 ? [store, index] : [otherStore, other];
      await s.upsert(seeds.slice(i, i + 10));
      x.sync();
    }
    const most = otherDb.prepare<[], { n: number }>('SELECT max(n) AS n FROM (SELECT count(*) AS n FROM search_postings GROUP BY term)').get();
    expect(most?.n).toBeLessThanOrEqual(8);
    index.refreshIfChanged();
    expectSameAsFresh(index, seeds);
  });

  it('keeps topic members as papers are indexed, equal to what the postings say, also for a subject tracked later', async () => {
    const { store, index } = await open();
    const kv = [
      ['kv', 'cach'],
      ['key', 'valu', 'cach'],
    ];
    const memory = [['memori']];
    index.trackSubjects([kv]);
    await store.upsert(seeds.slice(0, 120));
    index.sync();
    await store.upsert(seeds.slice(120));
    index.sync();
    const fromPostings = subjectMembers(index, kv);
    expect(fromPostings.size).toBeGreaterThan(0);
    expect(index.trackedSubject(kv)).toEqual(fromPostings);
    // A subject first tracked once papers are already indexed is filled in from the postings.
    index.trackSubjects([kv, memory]);
    index.sync();
    expect(index.trackedSubject(memory)).toEqual(subjectMembers(index, memory));
    expect(index.trackedSubject([['zebrafish']])).toBeUndefined();
  });
});

describe('a first search', () => {
  const papers = [
    ...seeds,
    paperOf('dialog', 'Dialog agents', 'A dialog policy for task agents.'),
    paperOf('dialogue', 'Dialogue state tracking', 'Tracking dialogue state over turns.'),
    paperOf('artifact', 'Artifacts of training', 'Training artifacts and their colors.'),
  ];
  /** Words the index holds; then a word it lacks (`artefacts`), which reads the vocabulary for its fallbacks. */
  const known = ['dialogue', 'dialogue state agents', 'colours of training artifacts', 'memory agents', 'kv cache'];
  const texts = [...known, 'artefacts'];

  it('of words the index holds finds their other spellings without reading the vocabulary, and the same papers as once it is read', async () => {
    const { store, index } = await open();
    await store.upsert(papers);
    index.sync();
    const read = vi.spyOn(index, 'vocabulary');
    const answers = (ranker: SearchRanker, of = texts) => of.map((t) => ranker.search(query(t), 20).hits.map((h) => [h.id, h.score]));
    const first = new SearchRanker(index);
    const cold = answers(first, known);
    expect(read).not.toHaveBeenCalled();
    cold.push(...answers(first, ['artefacts']));
    expect(cold[0]?.map(([id]) => id)).toEqual(expect.arrayContaining(['dialog', 'dialogue']));
    const warmed = new SearchRanker(index);
    warmed.warm();
    expect(read).toHaveBeenCalled();
    expect(answers(warmed)).toEqual(cold);
    expect(answers(SearchRanker.fromPapers(papers))).toEqual(cold);
  });
});

describe('a serving process that has cached postings', () => {
  /** Two processes' views of one file: each a store and the persisted index over it. */
  async function twoProcesses() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-index-'));
    const file = path.join(dir, 'paperboy.db');
    const open = async () => {
      const store = await openStore(file);
      const data = searchDataOf(store);
      if (!data) throw new Error('a SQLite store has index data');
      return { store, index: new PersistedSearchIndex(data, silentLogger) };
    };
    const writer = await open();
    const reader = await open();
    cleanups.push(() => {
      reader.store.close();
      writer.store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    return { writer, reader };
  }

  it("finds another process's new paper by a common word it had already cached, and scores as a fresh index does", async () => {
    const { writer, reader } = await twoProcesses();
    await writer.store.upsert(seeds);
    writer.index.upsert(seeds);
    const before = reader.index.search(query('model'));
    const added = paperOf('new-one', 'A model of tide pools', 'We model tide pools with a small model.');
    await writer.store.upsert([added]);
    writer.index.upsert([added]);
    const after = reader.index.search(query('model'));
    expect(after.total).toBe(before.total + 1);
    expect(after.hits.map((h) => h.id)).toContain('new-one');
    const fresh = SearchRanker.fromPapers([...seeds, added]).search(query('model'), 10);
    expect(reader.index.search(query('model'), 10).hits.map((h) => [h.id, h.score])).toEqual(fresh.hits.map((h) => [h.id, h.score]));
  });

  it("counts another process's new paper among a word's holders it had already looked up", async () => {
    const { writer, reader } = await twoProcesses();
    await writer.store.upsert(seeds);
    writer.index.upsert(seeds);
    const before = reader.index.matches(query('model'));
    const added = paperOf('new-one', 'A model of tide pools', 'We model tide pools with a small model.');
    await writer.store.upsert([added]);
    writer.index.upsert([added]);
    const after = reader.index.matches(query('model'));
    expect([...after].sort()).toEqual([...before, 'new-one'].sort());
  });

  it('stops finding a paper by words another process removed from its abstract', async () => {
    const { writer, reader } = await twoProcesses();
    const original = paperOf('changing', 'Tide pools', 'Barnacles cling to a model rock.');
    await writer.store.upsert([...seeds, original]);
    writer.index.upsert([...seeds, original]);
    expect(reader.index.search(query('barnacles')).hits.map((h) => h.id)).toEqual(['changing']);
    expect(reader.index.search(query('model')).hits.map((h) => h.id)).toContain('changing');
    const changed = { ...original, abstract: 'Anemones sway in the current of the tide pool, all day and all night long.' };
    await writer.store.upsert([changed]);
    writer.index.upsert([changed]);
    const gone = reader.index.search(query('barnacles'));
    expect(gone.total).toBe(0);
    expect(reader.index.search(query('model')).hits.map((h) => h.id)).not.toContain('changing');
    expect(reader.index.search(query('anemones')).hits.map((h) => h.id)).toEqual(['changing']);
  });
});

describe('writes within one millisecond', () => {
  it('are each indexed: the store stamps every write later than the one before, even on a clock that stands still', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-index-'));
    const frozen = new Date('2026-06-01T09:00:00.000Z');
    const store = await openStore(path.join(dir, 'paperboy.db'), () => frozen);
    cleanups.push(() => {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const data = searchDataOf(store);
    if (!data) throw new Error('a SQLite store has index data');
    const index = new PersistedSearchIndex(data, silentLogger);
    const base = { ...(seeds[0] as Paper), arxivId: null, sources: [{ name: 'test' }] };
    const ids = (text: string) => {
      const q = parseQuery(text);
      if (!q.ok) throw new Error(q.error.message);
      return index.search(q.value).hits.map((h) => h.id);
    };
    const original = { ...base, id: 'first', title: 'Barnacle census', abstract: 'Counting barnacles on rocks.' };
    await store.upsert([original]);
    index.upsert([original]);
    expect(ids('barnacle')).toEqual(['first']);
    // As the Library does: each write, then the index told of it.
    const write = async (p: Paper) => {
      await store.upsert([p]);
      index.upsert([p]);
    };
    await write({ ...base, id: 'second', title: 'Anemone census', abstract: 'Counting anemones on rocks.' });
    await write({ ...base, id: 'first', title: 'Barnacle census', abstract: 'Counting barnacles and limpets on rocks at low tide.' });
    expect(ids('anemone')).toEqual(['second']);
    expect(ids('limpets')).toEqual(['first']);
  });
});

describe('hits read from the database', () => {
  it("a hit's snippet, cut from its abstract alone, is the one the whole paper gives, LaTeX in the stored abstract cleaned alike", async () => {
    const { store, index } = await open();
    const base = seeds[0] as Paper;
    const latex: Paper = {
      ...base,
      id: 'latex-abstract',
      title: 'Quantized memory agents',
      abstract: 'We squeeze the $\\mathcal{O}(n)$ memory  of agents to \\textbf{2 bits} per value.',
    };
    await store.upsert([...seeds.slice(0, 40), latex]);
    index.sync();
    const ranker = new SearchRanker(index, { isWord: () => true });
    for (const q of ['memory agents', 'quantized memory bits', 'language model', 'diffusion video']) {
      const hits = ranker.search(query(q), 10).hits;
      expect(hits.length).toBeGreaterThan(0);
      const fromAbstracts = hits.map((h) => h.snippet);
      const fromPapers = ranker.search(query(q), 10).hits.map((h) => (h.paper, h.snippet));
      expect(fromAbstracts).toEqual(fromPapers);
    }
    const shown = ranker.search(query('quantized memory bits'), 10).hits.find((h) => h.id === 'latex-abstract');
    expect(shown?.snippet.map((s) => s.text).join('')).toContain('O(n) memory of agents to 2 bits');
  });
});
