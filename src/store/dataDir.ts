// The data folder and database file as the file system has them: created when missing, and what stops paperboy writing there, said plainly.
import fs from 'node:fs';
import path from 'node:path';
import { OperatorError } from '../errors.js';
import { DOCKER_HINT, describeErrno, whoami } from './sqliteFaults.js';

/** Creates the data folder when missing; a path that is a file, or cannot be created, is an OperatorError. */
export function prepareDataDir(dir: string): void {
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

export function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

export function fileExists(file: string): boolean {
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
export interface Denied {
  path: string;
  code: string;
}

/**
 * Why this process may not write the database: the file (when it exists) or its folder, where SQLite
 * keeps the `-wal` and `-shm` files. Null when both are writable.
 * NOTE: root passes access checks on read-only modes; only a read-only mount (EROFS) stops it.
 */
export function writeDenied(file: string, exists: boolean): Denied | null {
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
