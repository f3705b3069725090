// What SQLite faults mean to an operator: one OperatorError each, naming the file, what went wrong and what to do.
import Database from 'better-sqlite3';
import { forgetSound, knownSound, markSound } from './soundStamp.js';
import { OperatorError } from '../errors.js';
import { MAX_WRITE_WAIT_MS } from './sqliteSql.js';

/** Said with every permission problem: the published image runs as `node`, not root. */
export const DOCKER_HINT =
  'In Docker the image runs as user node (uid 1000): a bind-mounted folder must be writable by it (on the host: chown -R 1000:1000 <folder>), or use a named volume (-v paperboy-data:/data).';

/** Said with a database that must be set aside: how to get a working one again. */
const REBUILD_HINT =
  'paperboy left the file as it is. Move it away (or point PAPERBOY_DATA_DIR at another folder) and start again: paperboy builds a new database from the seeds (PAPERBOY_SEEDS_DIR); run paperboy ingest again for any other folders you had ingested.';

export function describeErrno(code: string): string {
  const what: Record<string, string> = {
    EACCES: ', permission denied',
    EPERM: ', operation not permitted',
    EROFS: ', a read-only file system',
    ENOSPC: ', no space left on the device',
  };
  return what[code] ?? '';
}

export function whoami(): string {
  const uid = process.getuid?.();
  return uid === undefined ? 'this user' : `uid ${uid}`;
}

/** The OperatorError for a file that could not be opened, by what went wrong. */
export function openError(file: string, e: unknown): OperatorError {
  if (e instanceof OperatorError) return e;
  const code = sqliteCode(e);
  if (code === 'SQLITE_NOTADB') {
    return new OperatorError(`Cannot open the paper database at ${file}: it is not an SQLite database.`, [REBUILD_HINT]);
  }
  if (code.startsWith('SQLITE_CORRUPT')) return damagedError(file, (e as Error).message);
  if (isBusy(e)) return lockedError(file, MAX_WRITE_WAIT_MS, 'it could not be opened');
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

export function damagedError(file: string, problem: string): OperatorError {
  // NOTE: a file found damaged is checked in full at every start until it is sound again.
  forgetSound(file);
  return new OperatorError(`The paper database ${file} is damaged (${problem}); paperboy refuses to use it.`, [
    REBUILD_HINT,
    `To look at it first: sqlite3 ${file} 'PRAGMA integrity_check'.`,
  ]);
}

export function lockedError(file: string, waitedMs: number, what: string): OperatorError {
  return new OperatorError(
    `The paper database ${file} stayed locked by another process for ${waitedMs < 1000 ? `${waitedMs} ms` : `${Math.round(waitedMs / 1000)} s`}, as long as paperboy waits; ${what}.`,
    ['Another paperboy (an ingest, or a first start ingesting the seeds) is writing to it. Run this again when it is done: ingest is idempotent.'],
  );
}

export function fullError(file: string, what: string): OperatorError {
  return new OperatorError(`The disk holding the paper database ${file} is full; ${what}.`, [
    'Free some space (or point PAPERBOY_DATA_DIR at a bigger disk) and run it again: ingest is idempotent.',
  ]);
}

export function ioError(file: string, e: Error, what: string): OperatorError {
  return new OperatorError(`Writing the paper database ${file} failed (${e.message}, ${sqliteCode(e)}); ${what}.`, [
    'The disk may be full, over a quota or file-size limit, or failing: check the disk that holds PAPERBOY_DATA_DIR, then run it again (ingest is idempotent).',
  ]);
}

export function sqliteCode(e: unknown): string {
  return e instanceof Database.SqliteError ? e.code : '';
}

/** SQLite's ways of saying "you may read this, not write it". */
export function isReadOnlyFault(e: unknown): boolean {
  const code = sqliteCode(e);
  return code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM';
}

export function isBusy(e: unknown): boolean {
  const code = sqliteCode(e);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** Refuses a file whose pages are damaged (headers can be fine while pages are not), reading only. */
export function checkIntegrity(db: Database.Database, file: string): void {
  // NOTE: the check reads the whole file (tens of ms at 10,000 papers, ten times that at 100,000);
  // a file unchanged since it last passed, or since paperboy last closed it, is not read again.
  if (knownSound(file)) return;
  let rows: string[];
  try {
    rows = (db.pragma('quick_check(5)') as Array<{ quick_check: string }>).map((r) => r.quick_check);
  } catch (e) {
    if (!sqliteCode(e).startsWith('SQLITE_CORRUPT')) throw e;
    rows = [(e as Error).message];
  }
  if (rows.length === 1 && rows[0] === 'ok') {
    markSound(file);
    return;
  }
  // NOTE: a report may start with a "*** in database main ***" line; the lines after it say what is wrong.
  const problems = rows.flatMap((r) => r.split('\n')).filter((l) => l.trim() !== '' && !l.startsWith('***'));
  throw damagedError(file, `PRAGMA quick_check: ${problems.slice(0, 2).join('; ')}${problems.length > 2 ? '; …' : ''}`);
}
