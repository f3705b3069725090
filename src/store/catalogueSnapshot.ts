// Makes the snapshot of this host's catalogue copy that a host with an empty data dir starts from: serve's main thread, after a pull, now and then, one host at a time.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import { CATALOGUE_ID, DAYS_MARK, PAPERS_MARK } from './catalogueSync.js';

/** The advisory lock (session level) a host holds while it makes a snapshot: another host skips meanwhile. */
export const SNAPSHOT_LOCK = 'paperboy.catalogue_snapshot';
/** A new snapshot once the current one is this many changes behind the copy. */
export const SNAPSHOT_EVERY_CHANGES = 1_000;
/** NOTE: milliseconds; a snapshot older than this is replaced once any change is past it. */
export const SNAPSHOT_STALE_MS = 6 * 60 * 60 * 1000;
/** NOTE: bytes of the file per chunk row (before compression; a bytea parameter each). */
export const SNAPSHOT_CHUNK_BYTES = 4 * 1024 * 1024;
/** How chunks are compressed (zlib's deflate at its fastest level: about a third of the size, and cheap to inflate at start). */
export const SNAPSHOT_COMPRESSION = 'deflate';
const deflate = promisify(zlib.deflate);
/** Pages the backup copies per turn of the event loop (each turn well under a millisecond of work). */
const BACKUP_PAGES_PER_TURN = 100;
/** NOTE: milliseconds a snapshot of another build's format is kept beside ours (its hosts use it during a rolling upgrade). */
const OTHER_FORMAT_KEPT_MS = 24 * 60 * 60 * 1000;

/** What one attempt did: made one, or why not (another host holds the lock, the index has papers to index, nothing to snapshot…). */
export type MakeOutcome = 'made' | 'not needed' | 'taken' | 'pending' | 'empty' | 'stopped';

export interface SnapshotMakerOptions {
  /** The shared database's pool: one connection holds the lock and writes the snapshot in one transaction. */
  pool: pg.Pool;
  /** This host's copy (a file: the backup API reads it). */
  local: Database.Database;
  /** The shared database's catalogue id (`meta` `catalogue.id`): a snapshot is only used by hosts of the same one. */
  catalogueId: string;
  /** The local schema versions this build makes a copy with (see open.ts `copyFormat`). */
  format: string;
  now: () => Date;
  logger: Logger;
  everyChanges?: number;
  staleMs?: number;
}

interface LocalState {
  papersRev: number;
  daysRev: number;
  /** Papers the search index has not indexed yet (its mark is not the newest `updated_at`). */
  pending: boolean;
  papers: number;
}

interface CurrentRow {
  id: string;
  papers_rev: string;
  days_rev: string;
  made_at: string;
}

class Stopped extends Error {}

/**
 * Keeps a current snapshot of the catalogue copy in PostgreSQL (`catalogue_snapshots`, see
 * catalogueSchema.ts). A copy in step whose search index has nothing pending makes one when there is
 * none for its catalogue and format, when the current one is {@link SNAPSHOT_EVERY_CHANGES} changes
 * behind, or older than {@link SNAPSHOT_STALE_MS} and behind at all. Only one host at a time
 * (`pg_try_advisory_lock`; a host that finds it taken skips). The file is made with SQLite's backup
 * API, which copies a few pages per turn of the event loop (VACUUM INTO would hold serve's main
 * thread for seconds), then uploaded in chunks, switched in and the old ones deleted in one
 * PostgreSQL transaction.
 */
export class SnapshotMaker {
  private running: Promise<MakeOutcome> | null = null;
  private stopped = false;

  constructor(private readonly opts: SnapshotMakerOptions) {}

  /** Makes one if one is needed, in the background; a failure is logged (the next copied change tries again). */
  consider(): void {
    if (this.running || this.stopped) return;
    this.make().catch((e: unknown) => {
      this.opts.logger.warn(
        { reason: e instanceof Error ? e.message : String(e) },
        'could not make a snapshot of the catalogue copy; trying again after the next change',
      );
    });
  }

  /** One attempt (one at a time: a call during one gets its outcome). */
  make(): Promise<MakeOutcome> {
    if (this.running) return this.running;
    const run = this.makeOnce();
    this.running = run;
    return run.finally(() => {
      if (this.running === run) this.running = null;
    });
  }

  /** Stops an attempt under way (nothing half made is switched in) and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }

  private async makeOnce(): Promise<MakeOutcome> {
    if (this.stopped) return 'stopped';
    const state = localState(this.opts.local);
    if (state.papers === 0) return 'empty';
    if (state.pending) return 'pending';
    const client = await this.opts.pool.connect();
    let reusable = false;
    try {
      const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [SNAPSHOT_LOCK]);
      if (got.rows[0]?.ok !== true) {
        reusable = true;
        return 'taken';
      }
      let outcome: MakeOutcome;
      try {
        // NOTE: read under the lock: the host that held it may have just made one.
        outcome = (await this.needed(client, state)) ? await this.makeAndSwitch(client) : 'not needed';
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [SNAPSHOT_LOCK]);
      }
      reusable = true;
      return outcome;
    } finally {
      // NOTE: a connection that failed mid-way is closed, not given back: that also frees the lock.
      client.release(reusable ? undefined : true);
    }
  }

  private async needed(client: pg.PoolClient, state: LocalState): Promise<boolean> {
    const { rows } = await client.query<CurrentRow>(
      'SELECT id, papers_rev, days_rev, made_at FROM catalogue_snapshots WHERE catalogue_id = $1 AND format = $2 ORDER BY id DESC LIMIT 1',
      [this.opts.catalogueId, this.opts.format],
    );
    const current = rows[0];
    if (!current) return true;
    // NOTE: papers and days take their change numbers from one sequence, so the difference of the newest is how many changes lie between.
    const behind = Math.max(state.papersRev, state.daysRev) - Math.max(Number(current.papers_rev), Number(current.days_rev));
    if (behind <= 0) return false;
    if (behind >= (this.opts.everyChanges ?? SNAPSHOT_EVERY_CHANGES)) return true;
    return this.opts.now().getTime() - Date.parse(current.made_at) >= (this.opts.staleMs ?? SNAPSHOT_STALE_MS);
  }

  private async makeAndSwitch(client: pg.PoolClient): Promise<MakeOutcome> {
    const started = performance.now();
    const tmp = `${this.opts.local.name}.snapshot-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      try {
        await this.opts.local.backup(tmp, {
          progress: () => {
            if (this.stopped) throw new Stopped('stopped');
            return BACKUP_PAGES_PER_TURN;
          },
        });
      } catch (e) {
        if (e instanceof Stopped) return 'stopped';
        throw e;
      }
      const held = settle(tmp);
      if (held.catalogueId !== this.opts.catalogueId) throw new Error('the copy follows another shared database');
      const bytes = fs.statSync(tmp).size;
      const chunks = Math.ceil(bytes / SNAPSHOT_CHUNK_BYTES);
      let stored = 0;
      await client.query('BEGIN');
      try {
        const made = await client.query<{ id: string }>(
          `INSERT INTO catalogue_snapshots (catalogue_id, papers_rev, days_rev, format, bytes, chunks, compression, sha256, made_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8) RETURNING id`,
          [this.opts.catalogueId, held.papersRev, held.daysRev, this.opts.format, bytes, chunks, SNAPSHOT_COMPRESSION, this.opts.now().toISOString()],
        );
        const id = made.rows[0]?.id;
        const hash = createHash('sha256');
        const file = await fs.promises.open(tmp, 'r');
        try {
          for (let n = 0; n < chunks; n++) {
            if (this.stopped) throw new Stopped('stopped');
            const buffer = Buffer.alloc(Math.min(SNAPSHOT_CHUNK_BYTES, bytes - n * SNAPSHOT_CHUNK_BYTES));
            const { bytesRead } = await file.read(buffer, 0, buffer.length, n * SNAPSHOT_CHUNK_BYTES);
            if (bytesRead !== buffer.length) throw new Error(`the snapshot file ended early (chunk ${n})`);
            hash.update(buffer);
            // NOTE: zlib works on libuv's thread pool: the event loop only waits for it.
            const data = await deflate(buffer, { level: zlib.constants.Z_BEST_SPEED });
            stored += data.length;
            await client.query('INSERT INTO catalogue_snapshot_chunks (snapshot_id, n, data) VALUES ($1, $2, $3)', [id, n, data]);
          }
        } finally {
          await file.close();
        }
        await client.query('UPDATE catalogue_snapshots SET sha256 = $1 WHERE id = $2', [hash.digest('hex'), id]);
        // The old ones go (their chunks with them); another build's stays a day for its hosts.
        await client.query('DELETE FROM catalogue_snapshots WHERE id <> $1 AND (format = $2 OR catalogue_id <> $3 OR made_at < $4)', [
          id,
          this.opts.format,
          this.opts.catalogueId,
          new Date(this.opts.now().getTime() - OTHER_FORMAT_KEPT_MS).toISOString(),
        ]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        if (e instanceof Stopped) return 'stopped';
        throw e;
      }
      this.opts.logger.info(
        { bytes, stored, chunks, papersRev: held.papersRev, daysRev: held.daysRev, ms: Math.round(performance.now() - started) },
        'made a snapshot of the catalogue copy in the shared database: a host with an empty data dir starts from it',
      );
      return 'made';
    } finally {
      for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
    }
  }
}

/** The copy's marks, and whether its search index has papers to index (queued in search_pending, as `SqliteCorpusData.sync` checks; no queue: an index of another build). */
function localState(db: Database.Database): LocalState {
  const mark = (key: string) => Number((db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? 0);
  const papers = db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number };
  const pending = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_pending'`).get()
    ? db.prepare('SELECT 1 FROM search_pending LIMIT 1').get() !== undefined
    : true;
  return { papersRev: mark(PAPERS_MARK), daysRev: mark(DAYS_MARK), papers: papers.n, pending };
}

/**
 * Reads the marks the backup holds (the copy as of its end, whatever was copied meanwhile) and turns
 * it into a file that stands alone (rollback journal, not WAL): the host that downloads it renames it
 * into place and opens it.
 */
function settle(file: string): { papersRev: number; daysRev: number; catalogueId: string | undefined } {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
    const mark = (key: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
    return { papersRev: Number(mark(PAPERS_MARK) ?? 0), daysRev: Number(mark(DAYS_MARK) ?? 0), catalogueId: mark(CATALOGUE_ID) };
  } finally {
    db.close();
  }
}
