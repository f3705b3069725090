// Measures the catalogue on several hosts with PostgreSQL: a fresh host's copy at start (in full, and from a snapshot), the first search after start, write-to-searchable time on another host, search on the copy against SQLite's.
// Usage: npm run bench:catalogue -- [--papers 10000] [--database-url postgres://user:pass@host:5432/postgres]
// With a URL (or DATABASE_URL) its user must be allowed to create databases: the bench makes its own and drops it after;
// without one it starts a throw-away local cluster, as the other benches do.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { catalogueFile, databaseFile } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { UserError } from '../src/errors.js';
import { Library, topicPhrases } from '../src/library.js';
import { silentLogger, type Logger } from '../src/logger.js';
import type { Paper } from '../src/papers/model.js';
import { PersistedSearchIndex } from '../src/search/searchIndex.js';
import { SnapshotMaker } from '../src/store/catalogueSnapshot.js';
import { openDatabase, type PaperDatabase } from '../src/store/database.js';
import { FEATURES } from '../src/store/features.js';
import { connectPostgres } from '../src/store/postgres/connect.js';
import { copyFormat } from '../src/store/postgres/open.js';
import { TOPICS } from '../src/topics.js';
import { benchPostgres } from './benchEngine.js';
import { syntheticCorpus, syntheticQueries } from './corpus.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const N = Number(arg('papers') ?? 10_000);
const FOLLOWS = Number(arg('follows') ?? 20);
const ms = (t0: number) => Math.round(performance.now() - t0);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

const loaded = loadConfig(process.env);
const server = await benchPostgres(arg('database-url') ?? (loaded.ok ? loaded.value.databaseUrl : undefined));
console.log(`PostgreSQL: ${server.where}`);
const url = new URL(await server.database());
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-bench-catalogue-'));
const dir = (host: string) => path.join(work, host);

interface Host {
  database: PaperDatabase;
  library: Library;
}

async function host(dataDir: string, databaseUrl: string | undefined = url.toString(), logger: Logger = silentLogger): Promise<Host> {
  const database = await openDatabase({
    file: databaseUrl ? catalogueFile(dataDir) : databaseFile(dataDir),
    ...(databaseUrl ? { url: databaseUrl } : {}),
    features: FEATURES,
    logger,
  });
  const data = database.searchData(TOPICS.map(topicPhrases));
  if (!data) throw new Error('no search data');
  const index = new PersistedSearchIndex(data, silentLogger);
  database.onCatalogueChange((papers) => index.upsert(papers));
  return { database, library: new Library(database.papers, index) };
}

try {
  const papers = syntheticCorpus(N);
  const queries = syntheticQueries(papers, 200);
  const out = new Proxy<Record<string, number | string>>(
    { papers: N },
    {
      set(target, key, value: number | string) {
        target[key as string] = value;
        console.log(`${String(key)}: ${value}`);
        return true;
      },
    },
  );

  fs.mkdirSync(dir('a'), { recursive: true });
  const a = await host(dir('a'));
  let t = performance.now();
  await a.library.ingest(papers);
  out['ingest into PostgreSQL through host A (and index its copy), ms'] = ms(t);

  // A fresh host before any snapshot: its data dir is empty, so it copies the whole catalogue, then indexes it on its first search.
  t = performance.now();
  const b = await host(dir('b'));
  out['fresh host: open + copy the catalogue, ms'] = ms(t);
  const t2 = performance.now();
  b.library.search('kv cache quantization');
  out['fresh host: first search (indexes the copy), ms'] = ms(t2);
  out['fresh host: start to first answer, ms'] = ms(t);
  await b.database.close();

  // Host A makes the snapshot (as serve's main thread does after a copy), then 100 papers more are written past it.
  const pool = await connectPostgres(url.toString());
  // NOTE: the owner hands no connection out; the bench opens its own on host A's copy, as the maker's is in serve.
  const aLocal = new Database(catalogueFile(dir('a')));
  const id = (aLocal.prepare(`SELECT value FROM meta WHERE key = 'catalogue.id'`).get() as { value: string }).value;
  const maker = new SnapshotMaker({ pool, local: aLocal, catalogueId: id, format: copyFormat(), now: () => new Date(), logger: silentLogger });
  t = performance.now();
  const outcome = await maker.make();
  if (outcome !== 'made') throw new Error(`no snapshot made: ${outcome}`);
  out['snapshot: make on host A (backup, upload), ms'] = ms(t);
  const made = await pool.query<{ bytes: string; chunks: number; stored: string }>(
    'SELECT bytes, chunks, (SELECT sum(length(data)) FROM catalogue_snapshot_chunks) AS stored FROM catalogue_snapshots',
  );
  const mb = (bytes: unknown) => (Number(bytes) / 1e6).toFixed(1);
  out['snapshot: file MB, stored (deflated) MB, chunks'] = `${mb(made.rows[0]?.bytes)}, ${mb(made.rows[0]?.stored)}, ${made.rows[0]?.chunks}`;
  await pool.end();
  aLocal.close();
  await a.library.ingest(syntheticCorpus(100, 99));

  // A fresh data dir with the snapshot there: it downloads it, copies the 100 papers past it, and indexes only those on its first search.
  fs.mkdirSync(dir('c'), { recursive: true });
  t = performance.now();
  // NOTE: the download's own time is what the restore logs (its `ms`).
  let downloadMs: unknown = 'not from the snapshot';
  const hearing: Logger = {
    child: () => hearing,
    debug: () => undefined,
    info: (obj: unknown, msg?: string) => {
      if (msg?.includes('starts from the snapshot')) downloadMs = (obj as { ms: number }).ms;
    },
    warn: (obj: unknown, msg?: string) => console.error(msg, obj),
    error: (obj: unknown, msg?: string) => console.error(msg, obj),
  };
  const c = await host(dir('c'), url.toString(), hearing);
  out['fresh host from the snapshot: download and put in place, ms'] = String(downloadMs);
  out['fresh host from the snapshot (100 papers past it): open, download, copy, ms'] = ms(t);
  const t3 = performance.now();
  c.library.search('kv cache quantization');
  out['fresh host from the snapshot: first search (indexes the 100), ms'] = ms(t3);
  out['fresh host from the snapshot: start to first answer, ms'] = ms(t);
  await c.database.close();

  // Host B started again: its copy is in step, so only changes since are copied.
  t = performance.now();
  const b2 = await host(dir('b'));
  b2.library.search('kv cache quantization');
  out['restarted host (100 papers behind): start to first answer, ms'] = ms(t);

  // Write on A, searchable on B (B follows as serve's main thread does: NOTIFY and every 2 s).
  const watch = b2.database.watch();
  const lags: number[] = [];
  for (let i = 0; i < FOLLOWS; i++) {
    const word = `zyx${randomBytes(4).toString('hex')}`;
    const p: Paper = { ...(papers[i] as Paper), id: `bench-follow-${i}-${word}`, title: `Follow probe ${word}`, abstract: `A probe paper ${word}.` };
    t = performance.now();
    await a.library.ingest([p]);
    while (!b2.library.search(word).hits.some((h) => h.id === p.id)) await new Promise((r) => setTimeout(r, 2));
    lags.push(performance.now() - t);
  }
  watch.stop();
  out['write on A → found by search on B, p50 ms'] = Math.round(pct(lags, 50));
  out['write on A → found by search on B, max ms'] = Math.round(Math.max(...lags));

  // Search on the copy against SQLite alone (the same papers in a plain SQLite data dir).
  const s = await host(dir('s'), undefined);
  await s.library.ingest(papers);
  // NOTE: two rounds, alternating, and the second reported: the first pays for warming up (JIT, page cache) whichever runs first.
  for (const [label, h] of [
    ['copy (PostgreSQL mode)', b2],
    ['SQLite', s],
    ['copy (PostgreSQL mode)', b2],
    ['SQLite', s],
  ] as const) {
    const search = (q: string) => {
      try {
        h.library.search(q);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
      }
    };
    for (const q of queries.slice(0, 20)) search(q);
    const times: number[] = [];
    for (const q of queries) {
      const q0 = performance.now();
      search(q);
      times.push(performance.now() - q0);
    }
    out[`search on ${label}: p50 / p99 ms`] = `${pct(times, 50).toFixed(2)} / ${pct(times, 99).toFixed(2)}`;
  }
  await s.database.close();
  await b2.database.close();
  await a.database.close();
} finally {
  fs.rmSync(work, { recursive: true, force: true });
  await server.close();
}
