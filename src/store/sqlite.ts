// The SQLite paper store: versioned schema, WAL, writes in short IMMEDIATE transactions, idempotent merging upserts, faults named.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OperatorError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Paper } from '../papers/model.js';
import { paperSchema } from '../papers/model.js';
import type { PaperStore, Sql, UpsertStats } from '../ports.js';
import { DatabaseFileIdentity } from './fileIdentity.js';
import { fromRow, lookupKeys, paperWrite, stampAfter, toRow, type PaperRow as Row } from './paperRows.js';
import { SqliteSql } from './sqliteSql.js';
import { SCHEMA_VERSION as SEARCH_SCHEMA_VERSION, SqliteIndexData } from './searchStore.js';

/** Each entry moves the schema one version up; `PRAGMA user_version` records where a file is. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE papers (
     id TEXT PRIMARY KEY,
     title_key TEXT NOT NULL UNIQUE,
     title TEXT NOT NULL,
     abstract TEXT NOT NULL,
     authors TEXT NOT NULL DEFAULT '[]',
     author_count INTEGER,
     org TEXT,
     published_at TEXT,
     upvotes INTEGER,
     arxiv_id TEXT UNIQUE,
     thumbnail TEXT,
     sources TEXT NOT NULL DEFAULT '[]',
     updated_at TEXT NOT NULL
   );
   CREATE INDEX papers_published_at ON papers(published_at);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // What the Hugging Face API says of a paper beyond the page dumps; NULL where no source has said.
  `ALTER TABLE papers ADD COLUMN github_repo TEXT;
   ALTER TABLE papers ADD COLUMN github_stars INTEGER;
   ALTER TABLE papers ADD COLUMN project_page TEXT;
   ALTER TABLE papers ADD COLUMN ai_summary TEXT;
   ALTER TABLE papers ADD COLUMN ai_keywords TEXT;
   ALTER TABLE papers ADD COLUMN num_comments INTEGER;`,
  // The source's title and abstract where they held LaTeX residue (JSON, `Paper.rawText`): search indexes them, replies show the cleaned columns.
  `ALTER TABLE papers ADD COLUMN raw_text TEXT;`,
  // The organization's Hugging Face handle (`org` holds its display name): an `org:` follow matches either.
  `ALTER TABLE papers ADD COLUMN org_handle TEXT;`,
];

/** How the store is opened; every field has a default suited to the CLI and `serve`. */
export interface StoreOptions {
  /** Where a read-only fallback is reported. */
  logger?: Logger;
  /** Papers written per transaction, so that no writer holds the write lock for long. */
  batchSize?: number;
  /** How long SQLite itself waits for a lock before a statement gives up (milliseconds). */
  busyTimeoutMs?: number;
  /** How long a write keeps retrying a locked database in all before it fails (milliseconds). */
  maxWriteWaitMs?: number;
  /**
   * The feature schema versions this build knows (`FEATURE_SCHEMAS`, passed by the composition root):
   * a database with a newer one is refused before anything is written. Features not named are not checked.
   */
  features?: Readonly<Record<string, number>>;
}

type WriteOptions = Required<Omit<StoreOptions, 'logger' | 'features'>>;

const DEFAULTS: WriteOptions = { batchSize: 500, busyTimeoutMs: 5_000, maxWriteWaitMs: 30_000 };

/** Said with every permission problem: the published image runs as `node`, not root. */
const DOCKER_HINT =
  'In Docker the image runs as user node (uid 1000): a bind-mounted folder must be writable by it (on the host: chown -R 1000:1000 <folder>), or use a named volume (-v paperboy-data:/data).';

/** Said with a database that must be set aside: how to get a working one again. */
const REBUILD_HINT =
  'paperboy left the file as it is. Move it away (or point PAPERBOY_DATA_DIR at another folder) and start again: paperboy builds a new database from the seeds (PAPERBOY_SEEDS_DIR); run paperboy ingest again for any other folders you had ingested.';

/**
 * Opens (creating when absent) the database at `file`, or in memory for `:memory:`.
 * Every fault is an OperatorError that names the path, what is wrong and what to do; a file that is
 * not a paperboy database, or is damaged, is refused and left untouched. A database paperboy may read
 * but not write (a read-only file, folder or mount) is opened read-only: reads work, writes fail clearly.
 */
export function openStore(file: string, now: () => Date = () => new Date(), options: StoreOptions = {}): SqliteStore {
  const { logger, features = {}, ...rest } = options;
  const opts: WriteOptions = { ...DEFAULTS, ...rest };
  if (file === ':memory:') {
    const db = new Database(':memory:');
    migrate(db);
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
    const db = openWritable(file, opts, features);
    const uncheckable = (code: string) =>
      logger?.warn({ file, code }, 'could not check that the paper database file is the one opened; taking it as unchanged until a check succeeds');
    if (db) return new SqliteStore(db, file, now, opts, null, new DatabaseFileIdentity(file, uncheckable));
  }
  // NOTE: the file exists but cannot be written (or SQLite found that out itself): serve reads.
  const reason = denied
    ? `${denied.path === file ? 'the file' : 'its folder'} is not writable: ${denied.code}${describeErrno(denied.code)}`
    : 'SQLite could not open it for writing';
  const db = openReadOnly(file, opts, features);
  logger?.warn({ file, reason }, 'the paper database is read-only: answering from what it holds; ingests and seeding cannot write');
  return new SqliteStore(db, file, now, opts, reason);
}

/** Creates the data folder when missing; a path that is a file, or cannot be created, is an OperatorError. */
function prepareDataDir(dir: string): void {
  const st = statOrNull(dir);
  if (st && !st.isDirectory()) {
    throw new OperatorError(`PAPERBOY_DATA_DIR is ${dir}, but that is a file, not a folder.`, [
      `Point PAPERBOY_DATA_DIR at a folder (paperboy creates it when it is missing), or move the file ${dir} away.`,
    ]);
  }
  if (st) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    const blocker = firstNonFolder(dir);
    if (blocker) {
      throw new OperatorError(`PAPERBOY_DATA_DIR is ${dir}, but it cannot be created: ${blocker} is a file, not a folder.`, [
        `Point PAPERBOY_DATA_DIR at a folder that exists or can be created, or move ${blocker} away.`,
      ]);
    }
    throw new OperatorError(`PAPERBOY_DATA_DIR is ${dir}, but it cannot be created (${code}${describeErrno(code)} in ${nearestExisting(dir)}).`, [
      `Create ${dir} and make it writable by the user paperboy runs as (${whoami()}), or point PAPERBOY_DATA_DIR at a folder it can write.`,
      DOCKER_HINT,
    ]);
  }
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

function fileExists(file: string): boolean {
  const st = statOrNull(file);
  if (st?.isDirectory()) {
    throw new OperatorError(`The paper database ${file} is a folder, not a file.`, [
      `Move the folder ${file} away, or point PAPERBOY_DATA_DIR at another folder.`,
    ]);
  }
  return st !== null;
}

/** The first ancestor of `dir` that exists and is not a folder (what makes it impossible to create). */
function firstNonFolder(dir: string): string | null {
  for (let p = dir; ; p = path.dirname(p)) {
    const st = statOrNull(p);
    if (st) return st.isDirectory() ? null : p;
    if (path.dirname(p) === p) return null;
  }
}

/** A path this process may not write, and the errno that says so. */
interface Denied {
  path: string;
  code: string;
}

/**
 * Why this process may not write the database: the file (when it exists) or its folder, where SQLite
 * keeps the `-wal` and `-shm` files. Null when both are writable.
 * NOTE: root passes access checks on read-only modes; only a read-only mount (EROFS) stops it.
 */
function writeDenied(file: string, exists: boolean): Denied | null {
  for (const p of exists ? [file, path.dirname(file)] : [path.dirname(file)]) {
    try {
      fs.accessSync(p, fs.constants.W_OK);
    } catch (e) {
      return { path: p, code: (e as NodeJS.ErrnoException).code ?? 'error' };
    }
  }
  return null;
}

/** The nearest ancestor of `p` that exists: where a folder that cannot be created was to go. */
function nearestExisting(p: string): string {
  let q = p;
  while (!statOrNull(q) && path.dirname(q) !== q) q = path.dirname(q);
  return q;
}

function describeErrno(code: string): string {
  const what: Record<string, string> = {
    EACCES: ', permission denied',
    EPERM: ', operation not permitted',
    EROFS: ', a read-only file system',
    ENOSPC: ', no space left on the device',
  };
  return what[code] ?? '';
}

function whoami(): string {
  const uid = process.getuid?.();
  return uid === undefined ? 'this user' : `uid ${uid}`;
}

/**
 * Opens read-write, checks, and migrates. Returns null when SQLite says the file cannot be written
 * after all (the caller then opens it read-only); other faults are OperatorErrors.
 */
function openWritable(file: string, opts: WriteOptions, features: Readonly<Record<string, number>>): Database.Database | null {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: false, timeout: opts.busyTimeoutMs });
    // NOTE: check the file is ours and sound before any pragma: switching to WAL writes into the file.
    refuseForeign(db);
    refuseNewerFeatures(db, file, features);
    checkIntegrity(db, file);
    retryBusy(opts.maxWriteWaitMs, () => db?.pragma('journal_mode = WAL'));
    db.pragma('foreign_keys = ON');
    migrate(db, opts.maxWriteWaitMs);
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
function openReadOnly(file: string, opts: WriteOptions, features: Readonly<Record<string, number>>): Database.Database {
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
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < MIGRATIONS.length) {
      throw new OperatorError(
        `The paper database ${file} is read-only and ${version === 0 ? 'empty' : `at schema version ${version}, older than this paperboy needs (${MIGRATIONS.length})`}, so paperboy cannot use it.`,
        [`Make ${file} and its folder writable by the user paperboy runs as (${whoami()}) once, so it can set the database up.`, DOCKER_HINT],
      );
    }
    return db;
  } catch (e) {
    db?.close();
    throw e instanceof OperatorError ? e : openError(file, e);
  }
}

/** The OperatorError for a file that could not be opened, by what went wrong. */
function openError(file: string, e: unknown): OperatorError {
  if (e instanceof OperatorError) return e;
  const code = sqliteCode(e);
  if (code === 'SQLITE_NOTADB') {
    return new OperatorError(`Cannot open the paper database at ${file}: it is not an SQLite database.`, [REBUILD_HINT]);
  }
  if (code.startsWith('SQLITE_CORRUPT')) return damagedError(file, (e as Error).message);
  if (isBusy(e)) return lockedError(file, DEFAULTS.maxWriteWaitMs, 'it could not be opened');
  if (code === 'SQLITE_FULL') return fullError(file, 'it could not be set up');
  if (code.startsWith('SQLITE_IOERR')) return ioError(file, e as Error, 'it could not be opened');
  if (isReadOnlyFault(e)) {
    return new OperatorError(`The paper database ${file} cannot be read where it is (${(e as Error).message}).`, [
      `SQLite needs to write its ${file}-shm and ${file}-wal files next to it: make the folder (PAPERBOY_DATA_DIR) writable by the user paperboy runs as (${whoami()}).`,
      DOCKER_HINT,
    ]);
  }
  return new OperatorError(`Cannot open the paper database at ${file}: ${(e as Error).message}.`, [REBUILD_HINT]);
}

function damagedError(file: string, problem: string): OperatorError {
  return new OperatorError(`The paper database ${file} is damaged (${problem}); paperboy refuses to use it.`, [
    REBUILD_HINT,
    `To look at it first: sqlite3 ${file} 'PRAGMA integrity_check'.`,
  ]);
}

function lockedError(file: string, waitedMs: number, what: string): OperatorError {
  return new OperatorError(
    `The paper database ${file} stayed locked by another process for ${waitedMs < 1000 ? `${waitedMs} ms` : `${Math.round(waitedMs / 1000)} s`}, as long as paperboy waits; ${what}.`,
    ['Another paperboy (an ingest, or a first start ingesting the seeds) is writing to it. Run this again when it is done: ingest is idempotent.'],
  );
}

function fullError(file: string, what: string): OperatorError {
  return new OperatorError(`The disk holding the paper database ${file} is full; ${what}.`, [
    'Free some space (or point PAPERBOY_DATA_DIR at a bigger disk) and run it again: ingest is idempotent.',
  ]);
}

function ioError(file: string, e: Error, what: string): OperatorError {
  return new OperatorError(`Writing the paper database ${file} failed (${e.message}, ${sqliteCode(e)}); ${what}.`, [
    'The disk may be full, over a quota or file-size limit, or failing: check the disk that holds PAPERBOY_DATA_DIR, then run it again (ingest is idempotent).',
  ]);
}

function sqliteCode(e: unknown): string {
  return e instanceof Database.SqliteError ? e.code : '';
}

/** SQLite's ways of saying "you may read this, not write it". */
function isReadOnlyFault(e: unknown): boolean {
  const code = sqliteCode(e);
  return code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM';
}

function isBusy(e: unknown): boolean {
  const code = sqliteCode(e);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
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

/** Refuses a file that is not SQLite, another program's database, or a newer schema, without writing to it. */
function refuseForeign(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`schema version ${version} is newer than this paperboy understands (${MIGRATIONS.length})`);
  }
  if (version === 0) {
    const tables = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number };
    if (tables.n > 0) throw new Error('it is not a paperboy database (it has tables but no paperboy schema version)');
  }
}

/** The OperatorError for tables a newer paperboy wrote: this build would misread them, or write what the newer one cannot read. */
function newerFeatureError(file: string, what: string, version: string | number, known: string | number): OperatorError {
  return new OperatorError(
    `The paper database ${file} was written by a newer paperboy: its ${what} tables are at schema version ${version}, and this paperboy knows version ${known}; it refuses to use it.`,
    [
      'Run the paperboy version that wrote it (or a newer one); paperboy never downgrades a database.',
      `To start afresh with this version instead, move ${file} away (or point PAPERBOY_DATA_DIR at another folder): paperboy builds a new database from the seeds.`,
    ],
  );
}

/**
 * Refuses a database whose feature tables (`meta` key `schema.<feature>`) or search index tables are
 * newer than this build knows, reading only. A feature this build does not know at all is left alone:
 * it never touches those tables.
 */
function refuseNewerFeatures(db: Database.Database, file: string, features: Readonly<Record<string, number>>): void {
  const has = (table: string) => db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
  if (has('meta')) {
    const rows = db.prepare<[], { key: string; value: string }>(`SELECT key, value FROM meta WHERE key LIKE 'schema.%'`).all();
    for (const { key, value } of rows) {
      const feature = key.slice('schema.'.length);
      const known = features[feature];
      if (known !== undefined && Number(value) > known) throw newerFeatureError(file, feature, value, known);
    }
  }
  if (has('search_marks')) {
    const mark = db.prepare<[], { value: string }>(`SELECT value FROM search_marks WHERE key = 'schema'`).get()?.value;
    if (mark !== undefined && Number(mark) > Number(SEARCH_SCHEMA_VERSION)) throw newerFeatureError(file, 'search index', mark, SEARCH_SCHEMA_VERSION);
  }
}

/** Refuses a file whose pages are damaged (headers can be fine while pages are not), reading only. */
function checkIntegrity(db: Database.Database, file: string): void {
  let rows: string[];
  try {
    rows = (db.pragma('quick_check(5)') as Array<{ quick_check: string }>).map((r) => r.quick_check);
  } catch (e) {
    if (!sqliteCode(e).startsWith('SQLITE_CORRUPT')) throw e;
    rows = [(e as Error).message];
  }
  if (rows.length === 1 && rows[0] === 'ok') return;
  // NOTE: a report may start with a "*** in database main ***" line; the lines after it say what is wrong.
  const problems = rows.flatMap((r) => r.split('\n')).filter((l) => l.trim() !== '' && !l.startsWith('***'));
  throw damagedError(file, `PRAGMA quick_check: ${problems.slice(0, 2).join('; ')}${problems.length > 2 ? '; …' : ''}`);
}

/** Brings the schema up to date; each step is one IMMEDIATE transaction, so two first starts cannot both run it. */
function migrate(db: Database.Database, maxWaitMs = DEFAULTS.maxWriteWaitMs): void {
  for (;;) {
    const done = retryBusy(maxWaitMs, () =>
      db
        .transaction(() => {
          // NOTE: read the version inside the write transaction: another process may have just migrated.
          const version = db.pragma('user_version', { simple: true }) as number;
          if (version >= MIGRATIONS.length) return true;
          db.exec(MIGRATIONS[version] ?? '');
          db.pragma(`user_version = ${version + 1}`);
          return false;
        })
        .immediate(),
    );
    if (done) return;
  }
}

/**
 * The persisted search index's data on the store's own connection (so it sees the same database,
 * in-memory ones included), or null for a read-only store whose file predates the index tables.
 */
export function searchDataOf(store: SqliteStore, subjects: ReadonlyArray<ReadonlyArray<readonly string[]>> = []): SqliteIndexData | null {
  const readOnly = store.readOnlyReason !== null;
  if (readOnly && !store.connection.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_docs'`).get()) return null;
  const data = new SqliteIndexData(store.connection, store, readOnly);
  data.trackSubjects(subjects);
  return data;
}

/**
 * Brings one feature's tables up to date: `steps[i]` moves feature `name` from version i to i+1,
 * recorded in `meta` as `schema.<name>`. Features migrate independently of the papers table (and of
 * each other), so adding one never renumbers another; each step runs in its own IMMEDIATE
 * transaction and re-reads the version inside it, so two processes starting at once migrate once.
 */
export function migrateFeature(db: Database.Database, name: string, steps: readonly string[], maxWaitMs = DEFAULTS.maxWriteWaitMs): void {
  const key = `schema.${name}`;
  const read = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const write = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  const stored = read.get(key)?.value ?? '0';
  // NOTE: openStore refuses this already when told the feature; this keeps a store built without the registry honest.
  if (Number(stored) > steps.length) throw newerFeatureError(db.name, name, stored, steps.length);
  if (Number(stored) >= steps.length) return;
  for (;;) {
    const done = retryBusy(maxWaitMs, () =>
      db
        .transaction(() => {
          const version = Number(read.get(key)?.value ?? 0);
          if (version >= steps.length) return true;
          db.exec(steps[version] ?? '');
          write.run(key, String(version + 1));
          return false;
        })
        .immediate(),
    );
    if (done) return;
  }
}

/** How often serve checks that its database file is still the one it opened (milliseconds). */
export const DATABASE_CHECK_MS = 2_000;

/** The database file gone from under a running process: what happened, and the error every later write gets. */
export interface DatabaseLost {
  file: string;
  /** e.g. `the database file /data/paperboy.db was deleted`. */
  change: string;
  error: OperatorError;
}

/** A running check that the store's file is still the one it opened. */
export interface DatabaseWatch {
  /** Resolves once the file or its WAL was deleted or replaced; never for a store with no file to watch. */
  readonly lost: Promise<DatabaseLost>;
  stop(): void;
}

/**
 * Checks every `intervalMs` (and before every write, always) that the store's database file and WAL are
 * the ones it opened. Once they are not, every write fails with an OperatorError and `lost` resolves:
 * serve then stops and exits non-zero, so a supervisor restarts it on the file that is there now, rather
 * than confirming writes that go to a deleted file.
 */
export function watchDatabaseFile(store: SqliteStore, intervalMs = DATABASE_CHECK_MS): DatabaseWatch {
  if (!store.watchable) return { lost: new Promise<DatabaseLost>(() => undefined), stop: () => undefined };
  const s = store;
  const lost = new Promise<DatabaseLost>((resolve) => s.whenLost(resolve));
  const timer = setInterval(() => s.checkFile(), intervalMs);
  timer.unref();
  return { lost, stop: () => clearInterval(timer) };
}

/**
 * Makes every write on `db` call `guard` first: each transaction (outermost or nested) as it starts,
 * and each writing statement or `exec` run outside one. Feature stores write through the connection
 * itself, so the check sits on the connection rather than in each of them.
 */
function guardWrites(db: Database.Database, guard: () => void): void {
  const prepare = db.prepare.bind(db);
  const transaction = db.transaction.bind(db);
  const exec = db.exec.bind(db);
  db.prepare = ((source: string) => {
    const stmt = prepare(source);
    if (!stmt.readonly) {
      const run = stmt.run.bind(stmt);
      stmt.run = (...params: unknown[]) => {
        if (!db.inTransaction) guard();
        return run(...params);
      };
    }
    return stmt;
  }) as typeof db.prepare;
  db.transaction = ((fn: (...args: unknown[]) => unknown) =>
    transaction(function (this: unknown, ...args: unknown[]) {
      guard();
      return fn.apply(this, args);
    })) as typeof db.transaction;
  db.exec = (source: string) => {
    if (!db.inTransaction) guard();
    return exec(source);
  };
}

export class SqliteStore implements PaperStore {
  /** The connection, for the search index's tables in the same file. */
  readonly connection: Database.Database;
  /** Statements and write transactions on the connection, taking turns (every async writer shares it). */
  readonly sql: SqliteSql;
  private readonly byId;
  private readonly byKey;
  private readonly byArxiv;
  private readonly insertStmt;
  private readonly updateStmt;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly now: () => Date,
    private readonly opts: WriteOptions,
    /** Why this store cannot write, or null when it can. */
    readonly readOnlyReason: string | null,
    /** The file as opened, for a writable store on a file; null in memory or read-only (nothing is written). */
    private readonly identity: DatabaseFileIdentity | null = null,
  ) {
    this.connection = db;
    if (identity) guardWrites(db, () => this.guardFile());
    this.sql = new SqliteSql(db, opts.maxWriteWaitMs, () => (identity ? this.guardFile() : undefined));
    this.byId = db.prepare<[string], Row>('SELECT * FROM papers WHERE id = ?');
    this.byKey = db.prepare<[string], Row>('SELECT * FROM papers WHERE title_key = ?');
    this.byArxiv = db.prepare<[string], Row>('SELECT * FROM papers WHERE arxiv_id = ?');
    this.insertStmt = db.prepare(
      `INSERT INTO papers (id, title_key, title, abstract, authors, author_count, org, published_at, upvotes, arxiv_id, thumbnail, sources, updated_at,
         github_repo, github_stars, project_page, ai_summary, ai_keywords, num_comments, raw_text, org_handle)
       VALUES (@id, @title_key, @title, @abstract, @authors, @author_count, @org, @published_at, @upvotes, @arxiv_id, @thumbnail, @sources, @updated_at,
         @github_repo, @github_stars, @project_page, @ai_summary, @ai_keywords, @num_comments, @raw_text, @org_handle)`,
    );
    this.updateStmt = db.prepare(
      `UPDATE papers SET id = @id, title_key = @title_key, title = @title, abstract = @abstract, authors = @authors,
         author_count = @author_count, org = @org, published_at = @published_at, upvotes = @upvotes, arxiv_id = @arxiv_id,
         thumbnail = @thumbnail, sources = @sources, updated_at = @updated_at, github_repo = @github_repo, github_stars = @github_stars,
         project_page = @project_page, ai_summary = @ai_summary, ai_keywords = @ai_keywords, num_comments = @num_comments,
         raw_text = @raw_text, org_handle = @org_handle
       WHERE id = @old_id`,
    );
  }

  /**
   * Stores papers in transactions of `batchSize`, each taking the write lock up front (BEGIN IMMEDIATE),
   * so a concurrent writer waits its turn between batches instead of failing. A fault rolls back the
   * batch it hit; the batches before it stay (re-running is idempotent).
   * Every paper is validated first: one that does not fit the schema is a bug in its source, and nothing is written.
   */
  async upsert(papers: readonly Paper[], alsoWrite?: (tx: Sql, stats: UpsertStats) => Promise<void>): Promise<UpsertStats> {
    const valid = papers.map((p) => paperSchema.parse(p));
    const stats: UpsertStats = { inserted: 0, updated: 0, unchanged: 0, changed: [] };
    if (valid.length === 0 && !alsoWrite) return stats;
    this.refuseWrite(`${valid.length} papers were not stored`);
    // NOTE: with `alsoWrite` (one day's list) everything is one transaction, so the list never outlives its papers.
    const size = alsoWrite ? Math.max(valid.length, 1) : this.opts.batchSize;
    for (let start = 0; start < Math.max(valid.length, 1); start += size) {
      const batch = valid.slice(start, start + size);
      // NOTE: each attempt counts into its own stats, so a retried batch is not counted twice.
      const done = await this.write(`that batch was rolled back, and ${start} of ${valid.length} papers were stored before it`, async (tx) => {
        const s: UpsertStats = { inserted: 0, updated: 0, unchanged: 0, changed: [] };
        this.stamp = this.nextStamp();
        for (const p of batch) this.upsertOne(p, s);
        await alsoWrite?.(tx, s);
        return s;
      });
      stats.inserted += done.inserted;
      stats.updated += done.updated;
      stats.unchanged += done.unchanged;
      stats.changed.push(...done.changed);
    }
    return stats;
  }

  /** Set once the file on disk is no longer the one opened. */
  private lost: DatabaseLost | null = null;
  private readonly lostListeners: Array<(lost: DatabaseLost) => void> = [];

  /** True when there is a file whose identity is checked. */
  get watchable(): boolean {
    return this.identity !== null;
  }

  whenLost(fn: (lost: DatabaseLost) => void): void {
    if (this.lost) fn(this.lost);
    else this.lostListeners.push(fn);
  }

  /** Checks the file (the timer's check); returns what was lost, without throwing. */
  checkFile(): DatabaseLost | null {
    if (this.lost || !this.identity) return this.lost;
    let change: string | null;
    try {
      change = this.identity.change();
    } catch (e) {
      change = `its file could not be checked (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
    }
    if (!change) return null;
    const error = new OperatorError(
      `The paper database ${this.file} is no longer the file paperboy opened: ${change}. paperboy writes nothing more to it; this write was not stored.`,
      [
        'Restart paperboy (a supervisor does it by itself): it opens the database that is at that path now, or builds a new one from the seeds.',
        'Stop paperboy before deleting, moving or restoring paperboy.db or its -wal file.',
      ],
    );
    this.lost = { file: this.file, change, error };
    for (const fn of this.lostListeners.splice(0)) fn(this.lost);
    return this.lost;
  }

  /** Before each write: throws the operator-facing error once the file is not the one opened. */
  private guardFile(): void {
    const lost = this.checkFile();
    if (lost) throw lost.error;
  }

  /** The `updated_at` of the batch being written (see {@link nextStamp}). */
  private stamp = '';

  /** The `updated_at` for a write (see `stampAfter`): read inside the write transaction, so it increases across every process on the file. */
  private nextStamp(): string {
    const last = (this.db.prepare('SELECT max(updated_at) AS m FROM papers').get() as { m: string | null }).m;
    return stampAfter(this.now().toISOString(), last);
  }

  private upsertOne(p: Paper, stats: UpsertStats): void {
    const keys = lookupKeys(p);
    const existingRow = (keys.arxivId ? this.byArxiv.get(keys.arxivId) : undefined) ?? this.byId.get(keys.id) ?? this.byKey.get(keys.titleKey);
    const write = paperWrite(existingRow, p);
    if (write.kind === 'unchanged') {
      stats.unchanged += 1;
      return;
    }
    if (write.kind === 'insert') {
      this.insertStmt.run(this.params(write.paper));
      stats.inserted += 1;
    } else {
      this.updateStmt.run({ ...this.params(write.paper), old_id: write.oldId });
      stats.updated += 1;
    }
    stats.changed.push(write.change);
  }

  /** Runs `fn` in one write transaction (the connection's turn, see SqliteSql); SQLite faults become OperatorErrors saying what was `lost`. */
  private async write<T>(lost: string, fn: (tx: Sql) => Promise<T>): Promise<T> {
    try {
      return await this.sql.transaction(fn);
    } catch (e) {
      const code = sqliteCode(e);
      if (isBusy(e)) throw lockedError(this.file, this.opts.maxWriteWaitMs, lost);
      if (code === 'SQLITE_FULL') throw fullError(this.file, lost);
      if (code.startsWith('SQLITE_IOERR')) throw ioError(this.file, e as Error, lost);
      if (code.startsWith('SQLITE_CORRUPT')) throw damagedError(this.file, (e as Error).message);
      if (isReadOnlyFault(e)) throw this.readOnlyError(`SQLite: ${(e as Error).message}`, lost);
      throw e;
    }
  }

  private refuseWrite(what: string): void {
    if (this.readOnlyReason !== null) throw this.readOnlyError(this.readOnlyReason, what);
  }

  private readOnlyError(reason: string, what: string): OperatorError {
    return new OperatorError(`The paper database ${this.file} is read-only (${reason}); ${what}.`, [
      `To ingest, make ${this.file} and its folder (PAPERBOY_DATA_DIR) writable by the user paperboy runs as (${whoami()}); searching works as it is.`,
      DOCKER_HINT,
    ]);
  }

  all(): Paper[] {
    return this.db.prepare<[], Row>('SELECT * FROM papers ORDER BY published_at DESC, title').all().map(fromRow);
  }

  get(id: string): Paper | undefined {
    const row = this.byId.get(id) ?? this.byArxiv.get(id);
    return row ? fromRow(row) : undefined;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
  }

  between(from: string, to: string): Paper[] {
    return this.db.prepare<[string, string], Row>('SELECT * FROM papers WHERE published_at BETWEEN ? AND ?').all(from, to).map(fromRow);
  }

  latestDate(onOrBefore?: string): string | null {
    const row = onOrBefore
      ? (this.db.prepare('SELECT max(published_at) AS d FROM papers WHERE published_at <= ?').get(onOrBefore) as { d: string | null })
      : (this.db.prepare('SELECT max(published_at) AS d FROM papers').get() as { d: string | null });
    return row.d;
  }

  dates(limit: number): Array<{ date: string; count: number }> {
    return this.db
      .prepare<[number], { date: string; count: number }>(
        'SELECT published_at AS date, count(*) AS count FROM papers WHERE published_at IS NOT NULL GROUP BY published_at ORDER BY published_at DESC LIMIT ?',
      )
      .all(limit);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return (await this.sql.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key]))?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.refuseWrite(`the ${key} marker was not written`);
    await this.write(`the ${key} marker was not written`, (tx) =>
      tx.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]),
    );
  }

  close(): void {
    this.db.close();
  }

  private params(p: Paper): Row {
    return toRow(p, this.stamp || this.now().toISOString());
  }
}
