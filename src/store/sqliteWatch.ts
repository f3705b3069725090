// Serve's watch on the database file: once it is deleted or replaced under a running process, every later write fails and serve stops.
import type Database from 'better-sqlite3';
import type { OperatorError } from '../errors.js';
import type { SqliteStore } from './sqlitePaperStore.js';

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
export function guardWrites(db: Database.Database, guard: () => void): void {
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
