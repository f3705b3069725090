// Opens the SQLite file: the data folder and file checked, a foreign, damaged or newer database refused before anything is written, the catalogue's features migrated, a read-only file opened for reading.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OperatorError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { FeatureSchema } from '../ports.js';
import { PAPER_STEPS } from './catalogueSchema.js';
import { fileExists, prepareDataDir, writeDenied } from './dataDir.js';
import { CATALOGUE_FEATURES } from './features.js';
import { DatabaseFileIdentity } from './fileIdentity.js';
import { migrate, refuseNewer } from './migrations.js';
import { adoptLegacyVersions } from './sqliteAdoption.js';
import { LEGACY_SEARCH_VERSION, SEARCH_STEPS } from './searchSchema.js';
import { SqliteCorpusData } from './postingsStore.js';
import { checkIntegrity, describeErrno, DOCKER_HINT, isBusy, isReadOnlyFault, openError, whoami } from './sqliteFaults.js';
import { DEFAULTS, SqliteStore, type WriteOptions } from './sqlitePaperStore.js';
import { SqliteSql } from './sqliteSql.js';

/** How the store is opened; every field has a default suited to the CLI and `serve`. */
export interface StoreOptions extends Partial<WriteOptions> {
  /** Where a read-only fallback is reported. */
  logger?: Logger;
  /**
   * Every feature's schema steps this build knows (`FEATURES`, passed by the database owner): a
   * database with a newer one is refused before anything is written. The catalogue's own features
   * (CATALOGUE_FEATURES) are always checked, and migrated here.
   */
  features?: readonly FeatureSchema[];
}

/** What an operator does to start over with this build, said when a database is too new. */
export function startAfreshHint(file: string): string {
  return `To start afresh with this version instead, move ${file} away (or point PAPERBOY_DATA_DIR at another folder): paperboy builds a new database from the seeds.`;
}

/**
 * Opens (creating when absent) the database at `file`, or in memory for `:memory:`.
 * Every fault is an OperatorError that names the path, what is wrong and what to do; a file that is
 * not a paperboy database, or is damaged, is refused and left untouched. A database paperboy may read
 * but not write (a read-only file, folder or mount) is opened read-only: reads work, writes fail clearly.
 * A writable one has its catalogue features (papers, daily lists, search index) brought up to date,
 * a database from before the one migration scheme adopted into it first (sqliteAdoption.ts).
 */
export async function openStore(file: string, now: () => Date = () => new Date(), options: StoreOptions = {}): Promise<SqliteStore> {
  const { logger, features = [], ...rest } = options;
  const opts: WriteOptions = { ...DEFAULTS, ...rest };
  const known = [...CATALOGUE_FEATURES, ...features.filter((f) => !CATALOGUE_FEATURES.some((c) => c.name === f.name))];
  if (file === ':memory:') {
    const db = new Database(':memory:');
    await migrateCatalogue(db, file, opts);
    return new SqliteStore(db, file, now, opts, null);
  }
  const dir = path.dirname(file);
  prepareDataDir(dir);
  const exists = fileExists(file);
  const denied = writeDenied(file, exists);
  if (denied && !exists) {
    throw new OperatorError(
      `PAPERBOY_DATA_DIR is ${dir}, but paperboy cannot write there (${denied.code}${describeErrno(denied.code)}), so it cannot create the paper database ${file}.`,
      [`Make ${dir} writable by the user paperboy runs as (${whoami()}), or point PAPERBOY_DATA_DIR at a folder it can write.`, DOCKER_HINT],
    );
  }
  if (!denied) {
    const db = await openWritable(file, opts, known);
    const uncheckable = (code: string) =>
      logger?.warn({ file, code }, 'could not check that the paper database file is the one opened; taking it as unchanged until a check succeeds');
    if (db) return new SqliteStore(db, file, now, opts, null, new DatabaseFileIdentity(file, uncheckable));
  }
  // NOTE: the file exists but cannot be written (or SQLite found that out itself): serve reads.
  const reason = denied
    ? `${denied.path === file ? 'the file' : 'its folder'} is not writable: ${denied.code}${describeErrno(denied.code)}`
    : 'SQLite could not open it for writing';
  const db = openReadOnly(file, opts, known);
  logger?.warn({ file, reason }, 'the paper database is read-only: answering from what it holds; ingests and seeding cannot write');
  return new SqliteStore(db, file, now, opts, reason);
}

/**
 * Opens read-write, checks, and migrates. Returns null when SQLite says the file cannot be written
 * after all (the caller then opens it read-only); other faults are OperatorErrors.
 */
async function openWritable(file: string, opts: WriteOptions, features: readonly FeatureSchema[]): Promise<Database.Database | null> {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: false, timeout: opts.busyTimeoutMs });
    // NOTE: check the file is ours and sound before any pragma: switching to WAL writes into the file.
    refuseForeign(db);
    refuseNewerFeatures(db, file, features);
    checkIntegrity(db, file);
    retryBusy(opts.maxWriteWaitMs, () => db?.pragma('journal_mode = WAL'));
    db.pragma('foreign_keys = ON');
    await migrateCatalogue(db, file, opts);
    return db;
  } catch (e) {
    db?.close();
    if (isReadOnlyFault(e)) return null;
    throw openError(file, e);
  }
}

/**
 * Opens a database this process may only read. A WAL database whose `-shm` file is absent cannot be
 * opened in place from a read-only folder, so it is read into memory instead: the main file then
 * holds everything (a clean close leaves no `-wal`), and the file itself is never written.
 */
function openReadOnly(file: string, opts: WriteOptions, features: readonly FeatureSchema[]): Database.Database {
  let db: Database.Database | undefined;
  try {
    try {
      db = new Database(file, { readonly: true, fileMustExist: true, timeout: opts.busyTimeoutMs });
      refuseForeign(db);
    } catch (e) {
      db?.close();
      db = undefined;
      if (!isReadOnlyFault(e) || fileExists(`${file}-wal`)) throw e;
      const image = Buffer.from(fs.readFileSync(file));
      // NOTE: bytes 18 and 19 of the header say WAL (2); an in-memory copy must say rollback (1).
      if (image.length >= 20 && image[18] === 2 && image[19] === 2) image.fill(1, 18, 20);
      db = new Database(image, { readonly: true });
      refuseForeign(db);
    }
    refuseNewerFeatures(db, file, features);
    checkIntegrity(db, file);
    const version = storedPapersVersion(db);
    if (version < PAPER_STEPS.length) {
      throw new OperatorError(
        `The paper database ${file} is read-only and ${version === 0 ? 'empty' : `at schema version ${version}, older than this paperboy needs (${PAPER_STEPS.length})`}, so paperboy cannot use it.`,
        [`Make ${file} and its folder writable by the user paperboy runs as (${whoami()}) once, so it can set the database up.`, DOCKER_HINT],
      );
    }
    return db;
  } catch (e) {
    db?.close();
    throw e instanceof OperatorError ? e : openError(file, e);
  }
}
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `fn`, retrying while another connection holds the lock, for at most `maxWaitMs` in all.
 * NOTE: SQLite waits `busy_timeout` inside each attempt, but not when a read must become a write
 * under a newer snapshot (SQLITE_BUSY_SNAPSHOT); that returns at once and is retried here.
 */
function retryBusy<T>(maxWaitMs: number, fn: () => T): T {
  const start = Date.now();
  for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
    try {
      return fn();
    } catch (e) {
      if (!isBusy(e) || Date.now() - start + pause > maxWaitMs) throw e;
      // NOTE: the store's API is synchronous (better-sqlite3), so the pause blocks; a jitter keeps two waiters apart.
      Atomics.wait(sleeper, 0, 0, pause + Math.random() * pause);
    }
  }
}

/** Refuses a file that is not SQLite, another program's database, or a newer papers schema, without writing to it. */
function refuseForeign(db: Database.Database): void {
  // NOTE: each SQLite papers step sets user_version to its number (see PAPER_STEPS): builds of every age read it.
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > PAPER_STEPS.length) {
    throw new Error(`schema version ${version} is newer than this paperboy understands (${PAPER_STEPS.length})`);
  }
  if (version === 0) {
    const tables = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number };
    if (tables.n > 0) throw new Error('it is not a paperboy database (it has tables but no paperboy schema version)');
  }
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

/** Each feature's version in `meta` (`schema.<feature>`), reading only; empty before `meta` exists. */
function metaVersions(db: Database.Database): Map<string, number> {
  if (!hasTable(db, 'meta')) return new Map();
  const rows = db.prepare<[], { key: string; value: string }>(`SELECT key, value FROM meta WHERE key LIKE 'schema.%'`).all();
  return new Map(rows.map((r) => [r.key.slice('schema.'.length), Number(r.value)]));
}

/** Refuses a database whose feature tables are newer than this build knows, reading only (migrate checks again inside its transaction). */
function refuseNewerFeatures(db: Database.Database, file: string, features: readonly FeatureSchema[]): void {
  refuseNewer(metaVersions(db), features, file, startAfreshHint(file));
}

/** Where the papers table is: its version in `meta`, or the one user_version gave it before the one scheme. */
function storedPapersVersion(db: Database.Database): number {
  return Math.max(db.pragma('user_version', { simple: true }) as number, metaVersions(db).get('papers') ?? 0);
}

/** Where the search index tables are: their version in `meta`, or 1 for the tables the last build before the one scheme made (not yet adopted). */
function storedSearchVersion(db: Database.Database): number {
  const version = metaVersions(db).get('search');
  if (version !== undefined) return version;
  if (!hasTable(db, 'search_marks')) return 0;
  return db.prepare<[], { value: string }>(`SELECT value FROM search_marks WHERE key = 'schema'`).get()?.value === LEGACY_SEARCH_VERSION ? 1 : 0;
}

/** True when the file's index is this build's and holds every paper (a read-only store cannot bring it in step). */
function indexCurrent(db: Database.Database): boolean {
  if (storedSearchVersion(db) !== SEARCH_STEPS.length) return false;
  // NOTE: every write to papers queues the ids it touched (searchSchema.ts) until they are indexed.
  return db.prepare('SELECT 1 FROM search_pending LIMIT 1').get() === undefined;
}

/** Brings the catalogue's features up to date in one write transaction, adopting the versions an older build left first. */
async function migrateCatalogue(db: Database.Database, file: string, opts: WriteOptions): Promise<void> {
  const sql = new SqliteSql(db, opts.maxWriteWaitMs);
  await migrate(
    { sql, exclusively: (fn) => sql.transaction(fn), adopt: adoptLegacyVersions, where: file, startAfresh: startAfreshHint(file) },
    CATALOGUE_FEATURES,
  );
}

/**
 * The persisted search index's data on the store's own connection (so it sees the same database,
 * in-memory ones included), or null for a read-only store whose index cannot answer (tables absent,
 * of another version, or behind the papers): the caller then indexes in memory.
 */
export function searchDataOf(store: SqliteStore, subjects: ReadonlyArray<ReadonlyArray<readonly string[]>> = []): SqliteCorpusData | null {
  const readOnly = store.readOnlyReason !== null;
  if (readOnly && !indexCurrent(store.connection)) return null;
  const data = new SqliteCorpusData(store.connection, store, readOnly);
  data.trackSubjects(subjects);
  return data;
}
