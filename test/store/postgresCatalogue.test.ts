// PostgreSQL mode end to end: hosts with their own data dirs share one database; each searches its own copy of the catalogue, kept in step by change number and NOTIFY.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../adapters/cli/index.js';
import { commands } from '../../commands/index.js';
import { catalogueFile, createApp, type App } from '../../src/app.js';
import { OperatorError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { silentLogger } from '../../src/logger.js';
import type { Paper } from '../../src/papers/model.js';
import { systemClock } from '../../src/ports.js';
import { CATALOGUE_FEATURES, FEATURES } from '../../src/store/features.js';
import { openDatabase, type PaperDatabase } from '../../src/store/database.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { loadSeedDir } from '../../src/papers/seeds.js';
import { testPapers } from '../support/papers.js';
import { asAdmin, freshDatabase, urlFor, type FreshDatabase } from '../support/postgres.js';
import { sink } from '../support/streams.js';

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

let db: FreshDatabase;
const dirs: string[] = [];
const apps: App[] = [];

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-catpg-'));
  dirs.push(dir);
  return dir;
}

/** One host: its own data dir, the shared database. */
// NOTE: every feature, as serve opens it: createApp's follow planner reads the follows tables after an ingest.
async function host(url = db.url, logger: Logger = silentLogger, syncEveryMs?: number): Promise<App> {
  const dir = dataDir();
  const database = await openDatabase({
    file: catalogueFile(dir),
    url,
    logger,
    features: FEATURES,
    ...(syncEveryMs === undefined ? {} : { syncEveryMs }),
  });
  const app = await createApp({ config: { dataDir: dir, timeZone: 'America/New_York', databaseUrl: url }, logger, clock: systemClock, commands, database });
  apps.push(app);
  return app;
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

const found = (app: App, query: string, id: string) => app.library.search(query).hits.some((h) => h.id === id);

beforeAll(async () => {
  db = await freshDatabase();
});

afterAll(async () => {
  for (const app of apps.splice(0)) await app.close().catch(() => undefined);
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  await db.drop();
});

describe('PostgreSQL mode: the catalogue on several hosts', () => {
  it('a paper stored through one host is found by the search of another host following the database', async () => {
    const a = await host();
    const b = await host();
    const watch = b.database.watch();
    try {
      expect(a.database.engine).toBe('postgres');
      const p = paper('2512.00001', 'Speculative Decoding with Zebrafish Drafters', 'We draft tokens with a zebrafish-sized model.');
      await a.library.ingest([p]);
      // The writing host finds it at once: its own copy follows its write before ingest returns.
      expect(found(a, 'zebrafish drafters', p.id)).toBe(true);
      await until('host B finds the paper host A stored', () => found(b, 'zebrafish drafters', p.id));
      expect(b.store.get(p.id)?.title).toBe(p.title);
    } finally {
      watch.stop();
    }
  });

  it('an updated paper reaches the other host merged as stored, and its search follows the new text', async () => {
    const a = await host();
    const b = await host();
    const watch = b.database.watch();
    try {
      const first = paper('2512.00002', 'Quokka Attention', 'An attention variant.');
      await a.library.ingest([first]);
      await until('host B has the first version', () => found(b, 'quokka', first.id));
      await a.library.ingest([{ ...first, abstract: 'An attention variant that wombats prefer.', upvotes: 9 }]);
      await until('host B finds the new abstract', () => found(b, 'wombats', first.id));
      expect(b.store.get(first.id)).toEqual(a.store.get(first.id));
      expect(b.store.get(first.id)?.upvotes).toBe(9);
    } finally {
      watch.stop();
    }
  });

  it('a fresh data dir copies the whole catalogue when it opens, so its first search finds what others stored', async () => {
    const a = await host();
    await a.library.ingest(testPapers);
    const fresh = await host();
    expect(fresh.store.count()).toBe(a.store.count());
    expect(found(fresh, 'KV cache quantization', '2402.02750')).toBe(true);
  });

  it('a day’s list stored with its papers reaches the other host’s daily lists', async () => {
    const a = await host();
    const b = await host();
    const watch = b.database.watch();
    try {
      const p = paper('2512.00003', 'Otter Routing for Mixture of Experts', 'Experts routed by otters.');
      const lists = a.dailyLists;
      if (!lists) throw new Error('host A keeps no daily lists');
      await a.library.ingest([p], (tx) =>
        lists.record(tx, '2025-12-01', [{ paperId: p.id, rank: 1, upvotes: 4 }], { fetchedAt: '2025-12-01T20:00:00.000Z', skipped: 0, complete: true }),
      );
      await until('host B has the day’s list', () => (b.dailyLists?.listed('2025-12-01', '2025-12-01') ?? []).includes(p.id));
      expect(b.dailyLists?.day('2025-12-01')).toMatchObject({ papers: 1, complete: true });
    } finally {
      watch.stop();
    }
  });

  it('after every connection to the database is ended (a server restart), the next write is stored and the other host still follows', async () => {
    const a = await host();
    const logger = capturingLogger();
    const b = await host(db.url, logger);
    const watch = b.database.watch();
    try {
      await db.admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      const p = paper('2512.00004', 'Pangolin Pruning', 'Pruning weights the pangolin way.');
      // NOTE: a pooled connection ended while idle may fail the first statement that takes it; the write is then tried again, as a caller would.
      await until('the write is stored', async () => {
        try {
          await a.library.ingest([p]);
          return true;
        } catch {
          return false;
        }
      });
      await until('host B finds the paper written after the restart', () => found(b, 'pangolin', p.id));
      expect(await b.database.check()).toBeNull();
    } finally {
      watch.stop();
    }
  });

  it('while the database refuses connections, the follower warns once for the outage (password hidden), keeps trying, and catches up when it answers', async () => {
    const fresh = await freshDatabase();
    const logger = capturingLogger();
    try {
      const a = await host(fresh.url);
      const b = await host(fresh.url, logger, 25);
      const watch = b.database.watch();
      try {
        await asAdmin(`ALTER DATABASE ${fresh.name} ALLOW_CONNECTIONS false`);
        await asAdmin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [fresh.name]);
        const retries = () => logger.lines.filter((l) => l.level === 'debug' && l.msg?.includes('still not in step')).length;
        await until('three failed looks after the first', () => retries() >= 3);
        expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
        await asAdmin(`ALTER DATABASE ${fresh.name} ALLOW_CONNECTIONS true`);
        const p = paper('2512.00006', 'Ibex Inference', 'Inference the ibex way.');
        await until('the write is stored once the database answers', async () => {
          try {
            await a.library.ingest([p]);
            return true;
          } catch {
            return false;
          }
        });
        await until('host B finds it', () => found(b, 'ibex', p.id));
        await until('the follower says it is in step again', () => logger.lines.some((l) => l.level === 'info' && l.msg?.includes('in step again')));
        expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
        expect(JSON.stringify(logger.lines)).not.toContain(new URL(fresh.url).password);
      } finally {
        watch.stop();
      }
    } finally {
      await asAdmin(`ALTER DATABASE ${fresh.name} ALLOW_CONNECTIONS true`);
      for (const app of apps.splice(0)) await app.close().catch(() => undefined);
      await fresh.drop();
    }
  });
});

describe('PostgreSQL mode: opening the database', () => {
  it('two hosts opening a new database at the same moment migrate it once, and both work', async () => {
    const fresh = await freshDatabase();
    try {
      const [x, y] = await Promise.all([host(fresh.url), host(fresh.url)]);
      const versions = await fresh.admin<{ key: string; value: string }>(`SELECT key, value FROM meta WHERE key LIKE 'schema.%' ORDER BY key`);
      expect(Object.fromEntries(versions.map((v) => [v.key, v.value]))).toMatchObject(
        Object.fromEntries(FEATURES.map((f) => [`schema.${f.name}`, String(f.steps.length)])),
      );
      const watch = y.database.watch();
      try {
        await x.library.ingest([paper('2512.00005', 'Capybara Caching', 'Caches that capybaras keep.')]);
        await until('the other host copies it', () => found(y, 'capybara', '2512.00005'));
      } finally {
        watch.stop();
      }
    } finally {
      for (const app of apps.splice(0)) await app.close().catch(() => undefined);
      await fresh.drop();
    }
  });

  it('a database a newer paperboy migrated is refused, naming the database without its password', async () => {
    const fresh = await freshDatabase();
    try {
      const first = await openDatabase({ file: ':memory:', url: fresh.url, features: CATALOGUE_FEATURES });
      await first.close();
      await fresh.admin(`UPDATE meta SET value = '99' WHERE key = 'schema.papers'`);
      const refused = await openDatabase({ file: ':memory:', url: fresh.url, features: CATALOGUE_FEATURES }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OperatorError);
      const message = (refused as OperatorError).message;
      expect(message).toMatch(/written by a newer paperboy: its papers tables are at schema version 99/);
      expect(message).not.toContain(new URL(fresh.url).password);
    } finally {
      await fresh.drop();
    }
  });

  it('a wrong password is one line naming DATABASE_URL, and the CLI exits 2', async () => {
    const url = new URL(db.url);
    const wrong = urlFor(url.pathname.slice(1), decodeURIComponent(url.username), 'not-the-password');
    const stdout = sink();
    const stderr = sink();
    const code = await main(['search', 'kv cache'], {
      stdin: Object.assign(Readable.from([]), { isTTY: false }),
      stdout,
      stderr,
      env: { PAPERBOY_DATA_DIR: dataDir(), LOG_LEVEL: 'silent', DATABASE_URL: wrong },
    });
    expect(code).toBe(2);
    const first = stderr.text().split('\n')[0] ?? '';
    expect(first).toMatch(/DATABASE_URL/);
    expect(stderr.text()).not.toContain('not-the-password');
  });

  it('the health check says the database does not answer while it refuses connections, and nothing once it answers again', async () => {
    const fresh = await freshDatabase();
    try {
      const database = await openDatabase({ file: ':memory:', url: fresh.url, features: CATALOGUE_FEATURES });
      try {
        expect(await database.check()).toBeNull();
        await asAdmin(`ALTER DATABASE ${fresh.name} ALLOW_CONNECTIONS false`);
        await asAdmin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [fresh.name]);
        const said = await database.check();
        expect(said).toMatch(/^the PostgreSQL database postgres:\/\/.*\*\*\*.* \(DATABASE_URL\) does not answer/);
        expect(said).not.toContain(new URL(fresh.url).password);
        await asAdmin(`ALTER DATABASE ${fresh.name} ALLOW_CONNECTIONS true`);
        await until('the check answers again', async () => (await database.check()) === null);
      } finally {
        await database.close();
      }
    } finally {
      await fresh.drop();
    }
  });
});

describe('PostgreSQL mode: paper writes merge as on SQLite', () => {
  it('the seeds, a re-ingest, a richer source adopting an arXiv id and a poorer one later give the same stats and papers on both engines', async () => {
    const { papers: seeds } = loadSeedDir(path.join(PROJECT_ROOT, 'seeds'));
    const plain = paper('t-a-paper-abc', 'A Paper', 'Short.');
    const first = { ...plain, arxivId: null, authors: [], publishedAt: null, upvotes: null, sources: [{ name: 'seed:x.txt', ref: 'line 13' }] };
    const richer = {
      ...first,
      id: '2501.12345',
      arxivId: '2501.12345',
      title: '  A   Paper ',
      authors: ['Ada Lovelace'],
      upvotes: 9,
      sources: [{ name: 'hf:daily_papers' }],
    };
    const steps: Paper[][] = [seeds, seeds, [first], [richer], [first], [{ ...richer, upvotes: 12, title: 'A Paper with $\\alpha$' }]];
    const run = async (database: PaperDatabase) => {
      const stats = [];
      for (const step of steps) stats.push(await database.papers.upsert(step));
      return { stats, papers: database.papers.all() };
    };
    const sqlite = await openDatabase({ file: ':memory:', features: CATALOGUE_FEATURES, now: () => new Date('2026-01-01T00:00:00Z') });
    const fresh = await freshDatabase();
    const postgres = await openDatabase({ file: ':memory:', url: fresh.url, features: CATALOGUE_FEATURES, now: () => new Date('2026-01-01T00:00:00Z') });
    try {
      const [onSqlite, onPostgres] = [await run(sqlite), await run(postgres)];
      expect(onPostgres.stats).toEqual(onSqlite.stats);
      expect(onPostgres.papers).toEqual(onSqlite.papers);
      expect(onSqlite.stats[1]).toMatchObject({ inserted: 0, updated: 0 });
      expect(onSqlite.stats[3]?.changed.map((c) => c.previousId)).toEqual(['t-a-paper-abc']);
    } finally {
      await sqlite.close();
      await postgres.close();
      await fresh.drop();
    }
  });
});
