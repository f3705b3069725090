// The SQLite paper store: WAL, writes in short IMMEDIATE transactions, idempotent merging upserts, faults named.
import type Database from 'better-sqlite3';
import { OperatorError } from '../errors.js';
import type { Paper } from '../papers/model.js';
import { paperSchema } from '../papers/model.js';
import type { PaperStore, Sql, UpsertStats } from '../ports.js';
import type { DatabaseFileIdentity } from './fileIdentity.js';
import { fromRow, lookupKeys, paperWrite, stampAfter, toRow, type PaperRow as Row } from './paperRows.js';
import { damagedError, DOCKER_HINT, fullError, ioError, isBusy, isReadOnlyFault, lockedError, sqliteCode, whoami } from './sqliteFaults.js';
import { SqliteSql } from './sqliteSql.js';
import { guardWrites, type DatabaseLost } from './sqliteWatch.js';

/** How the paper store writes; each has a default (DEFAULTS) suited to the CLI and `serve`. */
export interface WriteOptions {
  /** Papers written per transaction, so that no writer holds the write lock for long. */
  batchSize: number;
  /** NOTE: milliseconds SQLite itself waits for a lock before a statement gives up. */
  busyTimeoutMs: number;
  /** NOTE: milliseconds a write keeps retrying a locked database in all before it fails. */
  maxWriteWaitMs: number;
}

export const DEFAULTS: WriteOptions = { batchSize: 500, busyTimeoutMs: 5_000, maxWriteWaitMs: 30_000 };

/** The papers table of an open SQLite file (see `openStore`, which opens, checks and migrates it). */
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
