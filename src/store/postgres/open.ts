// Opens the database with DATABASE_URL: connects, migrates every feature once across replicas, and brings this host's copy of the catalogue in step.
import { randomUUID } from 'node:crypto';
import { OperatorError } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import type { FeatureSchema } from '../../ports.js';
import { restoreSnapshot } from '../catalogueRestore.js';
import { SnapshotMaker } from '../catalogueSnapshot.js';
import { CATALOGUE_ID, CatalogueSync } from '../catalogueSync.js';
import { migrate } from '../migrations.js';
import { PostgresSql } from '../postgresSql.js';
import { dailyListsOf } from '../dailyLists.js';
import { openStore, searchDataOf, type StoreOptions } from '../sqlite.js';
import type { SqliteStore } from '../sqlitePaperStore.js';
import { watchDatabaseFile } from '../sqliteWatch.js';
import type { PaperDatabase } from '../database.js';
import { CATALOGUE_FEATURES } from '../features.js';
import { connectPostgres } from './connect.js';
import { PostgresPaperStore } from './paperStore.js';
import { PostgresSignals } from './signals.js';
import { redactUrl } from './url.js';

/** The advisory lock migrations hold: replicas starting together migrate once. */
export const MIGRATE_LOCK = 'paperboy.migrate';
/** NOTE: milliseconds a health check waits for `SELECT 1`. */
export const CHECK_MS = 2_000;

export interface OpenPostgresOptions extends Omit<StoreOptions, 'features'> {
  url: string;
  /** This host's copy of the catalogue (a SQLite file in the data dir, or `:memory:`). */
  file: string;
  now: () => Date;
  logger?: Logger;
  features: readonly FeatureSchema[];
  /** NOTE: milliseconds between two looks while following (default CATALOGUE_SYNC_MS, 2 s); tests shorten it. */
  syncEveryMs?: number;
}

/**
 * Opens the shared PostgreSQL database DATABASE_URL names. Faults connecting are the one-line
 * OperatorError of `connectPostgres` (exit 2); a database a newer paperboy migrated is refused.
 * Every feature migrates in one transaction holding {@link MIGRATE_LOCK}. The catalogue is then
 * copied into `file` up to the newest change, so search and trending read it synchronously.
 */
export async function openPostgresDatabase(opts: OpenPostgresOptions): Promise<PaperDatabase> {
  const { url, file, now, logger = silentLogger, features, syncEveryMs, ...rest } = opts;
  const where = redactUrl(url);
  const pool = await connectPostgres(url, { logger });
  let local: SqliteStore | undefined;
  try {
    const sql = new PostgresSql(pool);
    await migrate(
      {
        sql,
        exclusively: (fn) => sql.withLock(MIGRATE_LOCK, fn),
        where,
        startAfresh: 'To start afresh with this version instead, point DATABASE_URL at a new, empty database.',
      },
      features,
    );
    await sql.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [CATALOGUE_ID, randomUUID()]);
    const id = (await sql.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [CATALOGUE_ID]))?.value ?? '';

    const format = file === ':memory:' ? '' : copyFormat();
    await restoreSnapshot({ sql, file, catalogueId: id, format, logger: logger.child({ component: 'catalogue-snapshot' }) });
    local = await openStore(file, now, { ...rest, logger });
    if (local.readOnlyReason !== null) {
      throw new OperatorError(
        `This host's copy of the catalogue ${file} cannot be written (${local.readOnlyReason}); with DATABASE_URL paperboy keeps it in step with the shared database.`,
        [
          'Make PAPERBOY_DATA_DIR writable by the user paperboy runs as (or point it at a folder it can write): the copy is made again from the shared database.',
        ],
      );
    }
    followOnly(local, id);
    const catalogue = new CatalogueSync({
      source: sql,
      pool,
      local: local.connection,
      logger: logger.child({ component: 'catalogue-sync' }),
      where,
      ...(syncEveryMs === undefined ? {} : { everyMs: syncEveryMs }),
    });
    await catalogue.pull();
    const store = local;
    const papers = new PostgresPaperStore(sql, store, catalogue, now);
    const signals = new PostgresSignals({ pool, sql, logger: logger.child({ component: 'signals' }), where });
    // NOTE: made only by the thread that follows the database (serve's main thread, in `watch`), never by pool workers.
    const snapshots =
      file === ':memory:'
        ? null
        : new SnapshotMaker({ pool, local: store.connection, catalogueId: id, format, now, logger: logger.child({ component: 'catalogue-snapshot' }) });
    return {
      engine: 'postgres',
      where,
      sql,
      signals,
      papers,
      readOnlyReason: null,
      dailyLists: dailyListsOf(store),
      searchData: (subjects) => searchDataOf(store, subjects),
      onCatalogueChange: (fn) => catalogue.onChange(fn),
      watch: (intervalMs) => {
        const file = watchDatabaseFile(store, intervalMs);
        catalogue.start();
        let following = true;
        if (snapshots) {
          // NOTE: after the listeners that index what was copied (the search index's own comes first, from createApp).
          catalogue.onChange(() => {
            if (following) setImmediate(() => snapshots.consider());
          });
          setImmediate(() => snapshots.consider());
        }
        return {
          lost: file.lost,
          stop: () => {
            following = false;
            file.stop();
            void catalogue.stop();
            void snapshots?.stop();
          },
        };
      },
      check: () => check(sql, where),
      close: async () => {
        await catalogue.stop();
        await signals.close();
        await snapshots?.stop();
        store.close();
        await pool.end();
      },
    };
  } catch (e) {
    local?.close();
    await pool.end().catch(() => undefined);
    throw e;
  }
}

/**
 * The local schema versions this build makes a copy with, as a snapshot records them: every
 * catalogue feature's step count (the papers table, daily lists, the search index), so a host only
 * starts from a snapshot whose file it would have made itself.
 */
export function copyFormat(): string {
  return CATALOGUE_FEATURES.map((f) => `schema.${f.name}=${f.steps.length}`).join(' ');
}

/** Empties a copy that followed another shared database (DATABASE_URL changed, or the database was made anew), then marks it as this one's. */
function followOnly(local: SqliteStore, id: string): void {
  const db = local.connection;
  const held = (db.prepare('SELECT value FROM meta WHERE key = ?').get(CATALOGUE_ID) as { value: string } | undefined)?.value;
  if (held === id) return;
  db.transaction(() => {
    db.exec(`DELETE FROM papers; DELETE FROM daily_lists; DELETE FROM daily_days; DELETE FROM meta WHERE key LIKE 'catalogue.%';`);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(CATALOGUE_ID, id);
  }).immediate();
}

/** Null when the database answers `SELECT 1` within {@link CHECK_MS}; otherwise one line naming it (redacted), as the SQLite side says it. Never throws. */
async function check(sql: PostgresSql, where: string): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_MS} ms`)), CHECK_MS);
  });
  try {
    await Promise.race([sql.get('SELECT 1'), late]);
    return null;
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    const reason = cause instanceof Error ? cause.message : e instanceof Error ? e.message : String(e);
    return `the PostgreSQL database ${where} (DATABASE_URL) does not answer: ${reason}`;
  } finally {
    clearTimeout(timer);
  }
}
