// Starts a host's empty catalogue copy from the snapshot in PostgreSQL (a download and a rename) instead of copying and indexing every paper.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import type { Logger } from '../logger.js';
import type { Sql } from '../ports.js';
import { SNAPSHOT_CHUNK_BYTES, SNAPSHOT_COMPRESSION } from './catalogueSnapshot.js';
import { CATALOGUE_ID } from './catalogueSync.js';

/** Chunks fetched at once: the server reads one while this process inflates and writes another. */
const PARALLEL_CHUNKS = 3;
const inflate = promisify(zlib.inflate);

export interface RestoreOptions {
  /** The shared database. */
  sql: Sql;
  /** This host's copy (a file in the data dir), not yet opened. */
  file: string;
  /** The shared database's catalogue id: a snapshot of another one is never used. */
  catalogueId: string;
  /** The local schema versions this build makes a copy with: a snapshot of another format is never used. */
  format: string;
  logger: Logger;
}

interface SnapshotRow {
  id: string;
  papers_rev: string;
  days_rev: string;
  bytes: string;
  chunks: number;
  compression: string;
  sha256: string;
}

/**
 * When this host's copy is fresh (no file, an empty one, or one that followed another shared
 * database) and the shared database holds a snapshot for its catalogue made with this build's format,
 * downloads it beside the copy, checks its size and checksum, syncs it to disk and renames it over the
 * copy, before anything opens the copy. The caller then opens it and copies only the changes past its
 * marks; the search index indexes whatever its papers have that its index lacks. Resolves true when
 * the copy now is the snapshot; anything else (no snapshot, a broken one, a fault) is logged and
 * resolves false: the copy is then made in full as before. Never throws.
 */
export async function restoreSnapshot(opts: RestoreOptions): Promise<boolean> {
  const { sql, file, catalogueId, format, logger } = opts;
  if (file === ':memory:' || !isFresh(file, catalogueId)) return false;
  const started = performance.now();
  const tmp = `${file}.snapshot-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    const snapshot = await sql.get<SnapshotRow>(
      'SELECT id, papers_rev, days_rev, bytes, chunks, compression, sha256 FROM catalogue_snapshots WHERE catalogue_id = ? AND format = ? ORDER BY id DESC LIMIT 1',
      [catalogueId, format],
    );
    if (!snapshot) {
      logger.info({}, 'no snapshot of the catalogue for this version in the shared database: copying every paper (the index is built on the first search)');
      return false;
    }
    await download(sql, snapshot, tmp);
    install(tmp, file);
    logger.info(
      {
        bytes: Number(snapshot.bytes),
        papersRev: Number(snapshot.papers_rev),
        daysRev: Number(snapshot.days_rev),
        ms: Math.round(performance.now() - started),
      },
      'this host’s copy of the catalogue starts from the snapshot in the shared database; copying the changes since',
    );
    return true;
  } catch (e) {
    logger.warn(
      { reason: e instanceof Error ? e.message : String(e) },
      'could not start this host’s copy of the catalogue from the snapshot; copying every paper from the shared database instead',
    );
    return false;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** No file, an empty one, or one that followed another shared database (it would be emptied at open anyway). */
function isFresh(file: string, catalogueId: string): boolean {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
  if (size === 0) return true;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get()) return false;
    const held = (db.prepare('SELECT value FROM meta WHERE key = ?').get(CATALOGUE_ID) as { value: string } | undefined)?.value;
    return held !== catalogueId;
  } catch {
    // NOTE: a file that cannot be read here is left to the open, which says what is wrong with it.
    return false;
  } finally {
    db?.close();
  }
}

/**
 * Fetches the chunks, {@link PARALLEL_CHUNKS} at a time, inflates each (on libuv's thread pool) and
 * writes it at its place in `tmp`; then checks size and checksum (in chunk order) and syncs it to disk.
 */
async function download(sql: Sql, snapshot: SnapshotRow, tmp: string): Promise<void> {
  if (snapshot.compression !== SNAPSHOT_COMPRESSION) throw new Error(`its chunks are compressed as ${snapshot.compression}, which this version does not read`);
  const bytes = Number(snapshot.bytes);
  const parts: Buffer[] = new Array<Buffer>(snapshot.chunks);
  const out = await fs.promises.open(tmp, 'wx');
  try {
    let next = 0;
    const fetchSome = async () => {
      for (let n = next++; n < snapshot.chunks; n = next++) {
        const chunk = await sql.get<{ data: Buffer }>('SELECT data FROM catalogue_snapshot_chunks WHERE snapshot_id = ? AND n = ?', [snapshot.id, n]);
        if (!chunk) throw new Error(`chunk ${n + 1} of ${snapshot.chunks} is missing (replaced by a newer snapshot meanwhile?)`);
        const part = await inflate(chunk.data, { maxOutputLength: SNAPSHOT_CHUNK_BYTES });
        const expected = Math.min(SNAPSHOT_CHUNK_BYTES, bytes - n * SNAPSHOT_CHUNK_BYTES);
        if (part.length !== expected) throw new Error(`chunk ${n + 1} holds ${part.length} bytes, not ${expected}`);
        await out.write(part, 0, part.length, n * SNAPSHOT_CHUNK_BYTES);
        parts[n] = part;
      }
    };
    // NOTE: every fetcher ends before the file is closed; the first failure stops the others from taking more.
    const settled = await Promise.allSettled(
      Array.from({ length: Math.min(PARALLEL_CHUNKS, snapshot.chunks) }, () =>
        fetchSome().catch((e: unknown) => {
          next = snapshot.chunks;
          throw e;
        }),
      ),
    );
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part);
    if (hash.digest('hex') !== snapshot.sha256) throw new Error('its checksum does not match what it was made with');
    await out.sync();
  } finally {
    await out.close();
  }
}

/**
 * Puts the downloaded file where the copy goes. The old copy's journal files go first: SQLite would
 * replay a stale WAL into the new file. A copy that appeared meanwhile (another process of this host
 * made it) is kept: `link` does not replace.
 */
function install(tmp: string, file: string): void {
  const existed = fs.existsSync(file);
  for (const f of [`${file}-wal`, `${file}-shm`, `${file}-journal`]) fs.rmSync(f, { force: true });
  if (existed) fs.renameSync(tmp, file);
  else fs.linkSync(tmp, file);
  syncFolder(path.dirname(file));
}

/** Makes the rename itself durable (best effort: not every file system lets a folder be opened). */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // NOTE: the rename is done either way; only its survival of a power cut is less certain.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
