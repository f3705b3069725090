// The one owner of persistence: opens the database (the SQLite file with its diagnostics, or PostgreSQL with DATABASE_URL), migrates every registered feature, and hands each store what it needs.
import fs from 'node:fs';
import type { Logger } from '../logger.js';
import type { Paper } from '../papers/model.js';
import type { Engine, FeatureSchema, PaperStore, Signals, Sql } from '../ports.js';
import { LocalSignals } from './localSignals.js';
import { migrate } from './migrations.js';
import { dailyListsOf, type DailyLists } from './dailyLists.js';
import { openStore, searchDataOf, startAfreshHint, type StoreOptions } from './sqlite.js';
import type { SqliteCorpusData } from './postingsStore.js';
import { watchDatabaseFile, type DatabaseWatch } from './sqliteWatch.js';

/** An open database, as the composition root sees it. */
export interface PaperDatabase {
  readonly engine: Engine;
  /** How an operator knows it: the file path (or a URL without its password). */
  readonly where: string;
  /** Statements on the shared database: every feature store (subscriptions, follows, conversations…) writes through it. */
  readonly sql: Sql;
  /** Wake-ups between the processes sharing it (PostgreSQL: NOTIFY/LISTEN; SQLite: this process only). */
  readonly signals: Signals;
  /** The papers: reads from this host's copy, writes to the shared database. */
  readonly papers: PaperStore;
  /** Why nothing can be written (a read-only file, folder or mount), or null. Feature stores are not offered then. */
  readonly readOnlyReason: string | null;
  /** The search index's persisted data, in this host's file; null when a read-only file predates it. */
  searchData(subjects: ReadonlyArray<ReadonlyArray<readonly string[]>>): SqliteCorpusData | null;
  /** The daily lists, read from this host's file (written with the papers, see `PaperStore.upsert`); null when a read-only file predates them. */
  readonly dailyLists: DailyLists | null;
  /**
   * Hears the papers another process stored once this host's copy has them (the search index
   * indexes them). SQLite: never (each process on the one file indexes what it writes).
   */
  onCatalogueChange(fn: (papers: readonly Paper[]) => void): void;
  /**
   * Watches the database (serve): resolves `lost` once the SQLite file is deleted or replaced. With
   * PostgreSQL it also keeps this host's copy of the catalogue in step (every 2 s and on NOTIFY)
   * until `stop`: only serve's main thread does, its pool workers and ingest thread read the same copy.
   */
  watch(intervalMs?: number): DatabaseWatch;
  /** Null while the database answers; otherwise one sentence naming it (a URL without its password), for /healthz. */
  check(): Promise<string | null>;
  close(): Promise<void>;
}

export interface OpenOptions extends Omit<StoreOptions, 'features'> {
  /** The SQLite file (`:memory:` for tests); with `url`, this host's copy of the catalogue. */
  file: string;
  /** DATABASE_URL: the shared PostgreSQL database every feature uses (see src/store/postgres/open.ts). */
  url?: string;
  /** NOTE: milliseconds; with `url`, how often serve's copy of the catalogue looks for changes besides NOTIFY (default 2 s). */
  syncEveryMs?: number;
  now?: () => Date;
  logger?: Logger;
  /** Every feature's schema steps (`FEATURES`): migrated at open, and a database newer than them refused before anything is written. */
  features?: readonly FeatureSchema[];
}

/** The SQLite side of `check`: the file is still there and a trivial statement runs on the connection. */
async function checkSqlite(file: string, sql: Sql): Promise<null | string> {
  if (file !== ':memory:' && !fs.existsSync(file)) return `the database file ${file} is gone`;
  try {
    await sql.get('SELECT 1');
    return null;
  } catch (e) {
    return `the database file ${file} cannot be read: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * Opens the database and brings every feature's tables up to date. Faults are OperatorErrors naming
 * the path (see `openStore`); a read-only database is opened for reading and migrates nothing.
 */
export async function openDatabase(opts: OpenOptions): Promise<PaperDatabase> {
  const { file, url, now = () => new Date(), logger, features = [], syncEveryMs, ...rest } = opts;
  if (url !== undefined) {
    // NOTE: loaded only with DATABASE_URL: a SQLite deployment's start-up never pays for pg.
    const { openPostgresDatabase } = await import('./postgres/open.js');
    return openPostgresDatabase({ ...rest, url, file, now, features, ...(logger ? { logger } : {}), ...(syncEveryMs === undefined ? {} : { syncEveryMs }) });
  }
  const papers = await openStore(file, now, { ...rest, ...(logger ? { logger } : {}), features });
  const { sql, readOnlyReason } = papers;
  try {
    if (readOnlyReason === null && features.length > 0) {
      await migrate({ sql, exclusively: (fn) => sql.transaction(fn), where: file, startAfresh: startAfreshHint(file) }, features);
    }
  } catch (e) {
    papers.close();
    throw e;
  }
  return {
    engine: 'sqlite',
    where: file,
    sql,
    signals: new LocalSignals(),
    papers,
    readOnlyReason,
    dailyLists: dailyListsOf(papers),
    searchData: (subjects) => searchDataOf(papers, subjects),
    check: () => checkSqlite(file, sql),
    onCatalogueChange: () => undefined,
    watch: (intervalMs) => watchDatabaseFile(papers, intervalMs),
    close: async () => papers.close(),
  };
}
