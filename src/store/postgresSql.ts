// The Sql port over a node-postgres pool: `?` placeholders numbered, transactions on one pooled client, conflicts retried, a lost server named.
import type pg from 'pg';
import type { Param, RunResult, Sql } from '../ports.js';
import { numberPlaceholders } from './sql.js';

/** SQLSTATEs that abort a transaction only because another one raced it: running it again is safe. */
const RETRYABLE = new Set(['40001', '40P01']);

/** How many times a transaction that lost a race is run again before the error is the caller's. */
const MAX_ATTEMPTS = 5;

/** SQLSTATE classes and socket errors that mean the server is gone or going, not that the statement is wrong. */
export function isConnectionLoss(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) return true;
  }
  const message = e instanceof Error ? e.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}

/** A statement that could not run because the database server is unreachable: commands apologise, health says 503, the caller may retry later. */
export class DatabaseUnavailable extends Error {
  override readonly name = 'DatabaseUnavailable';
  constructor(cause: unknown) {
    super('the PostgreSQL server (DATABASE_URL) is unreachable', { cause });
  }
}

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

async function query<T>(on: Queryable, text: string, params: readonly Param[]): Promise<pg.QueryResult<pg.QueryResultRow & T>> {
  try {
    return await on.query<pg.QueryResultRow & T>(numberPlaceholders(text), params as Param[]);
  } catch (e) {
    throw isConnectionLoss(e) ? new DatabaseUnavailable(e) : e;
  }
}

function handleOn(on: Queryable, transaction: Sql['transaction']): Sql {
  return {
    engine: 'postgres',
    all: async <T>(text: string, params: readonly Param[] = []) => (await query<T>(on, text, params)).rows as T[],
    get: async <T>(text: string, params: readonly Param[] = []) => (await query<T>(on, text, params)).rows[0] as T | undefined,
    run: async (text: string, params: readonly Param[] = []): Promise<RunResult> => ({ changes: (await query(on, text, params)).rowCount ?? 0 }),
    transaction,
  };
}

export class PostgresSql implements Sql {
  readonly engine = 'postgres' as const;
  private readonly direct: Sql;

  constructor(readonly pool: pg.Pool) {
    this.direct = handleOn(pool, (fn) => this.transaction(fn));
  }

  all<T>(text: string, params?: readonly Param[]): Promise<T[]> {
    return this.direct.all<T>(text, params);
  }

  get<T>(text: string, params?: readonly Param[]): Promise<T | undefined> {
    return this.direct.get<T>(text, params);
  }

  run(text: string, params?: readonly Param[]): Promise<RunResult> {
    return this.direct.run(text, params);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw isConnectionLoss(e) ? new DatabaseUnavailable(e) : e;
      }
      let broken = false;
      try {
        await query(client, 'BEGIN', []);
        let savepoints = 0;
        const tx: Sql = handleOn(client, async (inner) => {
          const name = `sp${++savepoints}`;
          await query(client, `SAVEPOINT ${name}`, []);
          try {
            const result = await inner(tx);
            await query(client, `RELEASE SAVEPOINT ${name}`, []);
            return result;
          } catch (e) {
            await query(client, `ROLLBACK TO SAVEPOINT ${name}`, []);
            throw e;
          }
        });
        const result = await fn(tx);
        await query(client, 'COMMIT', []);
        return result;
      } catch (e) {
        broken = e instanceof DatabaseUnavailable;
        if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
        const code = (e as { code?: string }).code;
        if (!broken && code && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) continue;
        throw e;
      } finally {
        // NOTE: a client whose connection broke is destroyed, not returned to the pool.
        client.release(broken);
      }
    }
  }

  /**
   * Runs `fn` in a transaction holding the advisory lock `key` until it ends (`pg_advisory_xact_lock`):
   * every process that takes the same key waits its turn, across hosts (migrations, paper writes).
   */
  withLock<T>(key: string, fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.transaction(async (tx) => {
      await tx.run('SELECT pg_advisory_xact_lock(hashtext(?))', [key]);
      return fn(tx);
    });
  }
}
