// The Sql port over one better-sqlite3 connection: statements run at once, write transactions take turns, and the sync paper writes share the same turn.
import Database from 'better-sqlite3';
import type { Param, RunResult, Sql } from '../ports.js';

/** How long a transaction keeps retrying a database another process has locked, in all (milliseconds). */
export const MAX_WRITE_WAIT_MS = 30_000;

function isBusy(e: unknown): boolean {
  const code = e instanceof Database.SqliteError ? e.code : '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * better-sqlite3 is synchronous, so a statement cannot interleave with another; a transaction whose
 * body awaits can, since it spans several turns of the event loop on the one connection. Transactions
 * (and `exclusive` blocks) therefore take turns on a queue, and a statement issued outside the running
 * transaction waits for it: nothing another caller does ever lands inside someone else's transaction.
 */
export class SqliteSql implements Sql {
  readonly engine = 'sqlite' as const;
  /** Settles when the transaction or exclusive block now running is over. */
  private turn: Promise<void> = Promise.resolve();
  private busy = false;
  private savepoints = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly maxWriteWaitMs = MAX_WRITE_WAIT_MS,
    /** Called before each write transaction starts (the file identity check); throws to refuse it. */
    private readonly beforeWrite: () => void = () => undefined,
  ) {}

  async all<T>(text: string, params: readonly Param[] = []): Promise<T[]> {
    await this.waitTurn();
    // NOTE: a write with RETURNING is read with all/get, and is checked like any other write.
    const stmt = this.db.prepare(text);
    if (!stmt.readonly) this.beforeWrite();
    return stmt.all(...params) as T[];
  }

  async get<T>(text: string, params: readonly Param[] = []): Promise<T | undefined> {
    await this.waitTurn();
    const stmt = this.db.prepare(text);
    if (!stmt.readonly) this.beforeWrite();
    return stmt.get(...params) as T | undefined;
  }

  async run(text: string, params: readonly Param[] = []): Promise<RunResult> {
    await this.waitTurn();
    const stmt = this.db.prepare(text);
    if (!stmt.readonly) this.beforeWrite();
    return { changes: stmt.run(...params).changes };
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.inTurn(async () => {
      const started = Date.now();
      for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
        try {
          this.beforeWrite();
          this.db.exec('BEGIN IMMEDIATE');
          break;
        } catch (e) {
          if (!isBusy(e) || Date.now() - started + wait > this.maxWriteWaitMs) throw e;
          await pause(wait + Math.random() * wait);
        }
      }
      try {
        const result = await fn(this.inside());
        this.db.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  /**
   * Runs synchronous work on the connection in its own turn: the paper store's batch writes use it,
   * so they never land inside an async transaction that is still open.
   */
  exclusive<T>(fn: () => T): Promise<T> {
    return this.inTurn(async () => fn());
  }

  /** The handle a transaction body gets: its statements run inside the transaction without waiting for it. */
  private inside(): Sql {
    const db = this.db;
    const nested = <T>(fn: (tx: Sql) => Promise<T>): Promise<T> => this.savepoint(fn, handle);
    const handle: Sql = {
      engine: 'sqlite',
      all: async <T>(text: string, params: readonly Param[] = []) => db.prepare(text).all(...params) as T[],
      get: async <T>(text: string, params: readonly Param[] = []) => db.prepare(text).get(...params) as T | undefined,
      run: async (text: string, params: readonly Param[] = []) => ({ changes: db.prepare(text).run(...params).changes }),
      transaction: nested,
    };
    return handle;
  }

  private async savepoint<T>(fn: (tx: Sql) => Promise<T>, handle: Sql): Promise<T> {
    const name = `sp${++this.savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn(handle);
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (e) {
      this.db.exec(`ROLLBACK TO ${name}`);
      this.db.exec(`RELEASE ${name}`);
      throw e;
    }
  }

  private async waitTurn(): Promise<void> {
    while (this.busy) await this.turn;
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      // NOTE: the check and the taking of the turn are one step: an await between them lets two waiters both take it.
      while (this.busy) await this.turn;
      this.busy = true;
      let release!: () => void;
      this.turn = new Promise<void>((resolve) => (release = resolve));
      try {
        return await fn();
      } finally {
        this.busy = false;
        release();
      }
    };
    return run();
  }
}
