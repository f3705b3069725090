// Opens the node-postgres pool for DATABASE_URL: SSL from the URL, deadlines, bigint as number, and a checked connection or one clear OperatorError.
import fs from 'node:fs';
import pg from 'pg';
import { parse as parseConnectionString, toClientConfig } from 'pg-connection-string';
import { OperatorError } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import { connectFault, type Target } from './faults.js';
import { checkDatabaseUrl, redactUrl } from './url.js';

export interface ConnectOptions {
  /** Connections the pool may hold open (default 10). */
  max?: number;
  /** NOTE: milliseconds. The deadline for opening one connection, TCP, SSL and login included (default 10 000). */
  connectTimeoutMs?: number;
  /**
   * NOTE: milliseconds. The server cancels a statement running longer (`statement_timeout`, default
   * 30 000, unless DATABASE_URL sets statement_timeout); the client gives up waiting 5 s after that
   * (`query_timeout`), which covers a server or network that stops answering.
   */
  statementTimeoutMs?: number;
  /** Where an idle connection's failure is logged (default: nowhere). */
  logger?: Logger;
}

const DEFAULTS = { max: 10, connectTimeoutMs: 10_000, statementTimeoutMs: 30_000 } as const;
/** NOTE: milliseconds the client waits beyond statement_timeout before it stops waiting itself. */
const CLIENT_GRACE_MS = 5_000;
/** NOTE: milliseconds an unused connection stays open. */
const IDLE_MS = 30_000;

/**
 * Connects to the PostgreSQL server DATABASE_URL names (`postgres://` or `postgresql://`) and
 * returns a pool whose connection has been tried: `SELECT 1` answers, and the user may create tables
 * in its current schema. Every fault (a malformed URL, an unreachable or silent host, a wrong
 * password, a missing database or privilege, SSL) is an OperatorError whose message is one line
 * naming DATABASE_URL, shown redacted (`postgres://user:***@host:port/db`).
 *
 * `sslmode`, `sslrootcert`, `sslcert` and `sslkey` in the URL have their libpq meaning
 * (https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION): `require` encrypts
 * without checking the certificate unless `sslrootcert` is given (then the CA is checked, as
 * `verify-ca`), `verify-full` checks the CA and host name. NOTE: node-postgres 8 reads them with
 * libpq semantics only when asked (`useLibpqCompat`); without it `require` means `verify-full`.
 * `prefer` encrypts without checking but, unlike libpq, does not fall back to plain text.
 *
 * Idle connections that fail (the server restarted, a backend was terminated) are logged through
 * `logger` and replaced on next use; they never crash the process.
 */
export async function connectPostgres(url: string, opts: ConnectOptions = {}): Promise<pg.Pool> {
  const checked = checkDatabaseUrl(url);
  if (!checked.ok) throw new OperatorError(checked.error);
  const shown = redactUrl(url);
  const config = clientConfigFrom(url, checked.value, shown);
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
  const statementTimeoutMs = opts.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs;
  const target = targetOf(config, shown, connectTimeoutMs);
  const logger = opts.logger ?? silentLogger;

  const pool = new pg.Pool({
    application_name: 'paperboy',
    statement_timeout: statementTimeoutMs,
    ...config,
    query_timeout: Number(config.statement_timeout ?? statementTimeoutMs) + CLIENT_GRACE_MS,
    max: opts.max ?? DEFAULTS.max,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: IDLE_MS,
    keepAlive: true,
    types: { getTypeParser },
  });
  // NOTE: an idle client's failure reaches the pool's `error` event; without a listener Node would
  // crash the process. A checked-out client's failure reaches its query, and its own `error` event
  // (which also needs a listener) then only repeats it.
  pool.on('error', (e: Error) => {
    logger.warn({ database: shown, code: codeOf(e), reason: connectFault(e, target) }, 'an idle PostgreSQL connection failed; a new one is opened when needed');
  });
  pool.on('connect', (client: pg.PoolClient) => {
    client.on('error', (e: Error) => logger.debug({ database: shown, code: codeOf(e) }, 'a PostgreSQL connection in use failed'));
  });

  try {
    await verify(pool, target);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e instanceof OperatorError ? e : new OperatorError(connectFault(e, target));
  }
  return pool;
}

/** node-postgres's reading of the URL (libpq semantics for sslmode), with unreadable certificate files reported by path. */
function clientConfigFrom(raw: string, url: URL, shown: string): pg.ClientConfig {
  for (const key of ['sslrootcert', 'sslcert', 'sslkey']) {
    const file = url.searchParams.get(key);
    if (file === null) continue;
    const problem = unreadable(file);
    if (problem) {
      throw new OperatorError(
        `DATABASE_URL (${shown}): ${key}=${file} cannot be read (${problem}); put ${WHAT_FILE[key]} there, readable by the user paperboy runs as, or fix the path.`,
      );
    }
  }
  try {
    // NOTE: a URL that sets uselibpqcompat itself keeps its choice (node-postgres refuses both at once).
    const parsed = parseConnectionString(raw, { useLibpqCompat: !url.searchParams.has('uselibpqcompat') });
    return toClientConfig(parsed);
  } catch (e) {
    throw new OperatorError(`DATABASE_URL (${shown}): ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
}

const WHAT_FILE: Record<string, string> = {
  sslrootcert: "the certificate of the CA that signed the server's certificate (PEM)",
  sslcert: 'the client certificate (PEM)',
  sslkey: "the client certificate's private key (PEM)",
};

function unreadable(file: string): string | undefined {
  try {
    if (fs.statSync(file).isDirectory()) return 'it is a folder';
    fs.accessSync(file, fs.constants.R_OK);
    return undefined;
  } catch (e) {
    return codeOf(e) ?? (e as Error).message;
  }
}

function targetOf(config: pg.ClientConfig, shown: string, connectTimeoutMs: number): Target {
  const user = config.user ?? pg.defaults.user ?? '';
  const target: Target = {
    shown,
    host: config.host || 'localhost',
    port: config.port ?? 5432,
    user,
    database: config.database ?? user,
    connectTimeoutMs,
  };
  if (typeof config.password === 'string' && config.password !== '') target.password = config.password;
  return target;
}

/** One round trip: the server answers, and the user may create tables in its current schema. */
async function verify(pool: pg.Pool, t: Target): Promise<void> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ schema: string | null; user: string; database: string; can_create: boolean | null }>(
      `SELECT 1 AS one, current_schema() AS schema, current_user AS "user", current_database() AS database,
              CASE WHEN current_schema() IS NULL THEN NULL ELSE has_schema_privilege(current_schema(), 'CREATE') END AS can_create`,
    );
    const row = rows[0];
    if (!row) throw new Error('SELECT 1 returned no row');
    if (row.schema === null) {
      throw new OperatorError(
        `DATABASE_URL (${t.shown}): user "${row.user}" has no existing schema on its search_path in database "${row.database}"; create one (CREATE SCHEMA paperboy AUTHORIZATION ${row.user}) or set search_path for that user.`,
      );
    }
    if (row.can_create !== true) {
      throw new OperatorError(
        `DATABASE_URL (${t.shown}): user "${row.user}" may not create tables in schema "${row.schema}" of database "${row.database}"; run GRANT CREATE ON SCHEMA ${row.schema} TO ${row.user} (or make that user the database's owner), or use another user in DATABASE_URL.`,
      );
    }
  } finally {
    client.release();
  }
}

/**
 * NOTE: int8 (bigint: COUNT(*), BIGSERIAL ids, epoch milliseconds) arrives as a JS number rather
 * than node-postgres's default string, so both engines hand feature code the same types. Set on
 * this pool only, not through the global `types.setTypeParser`. A value beyond 2^53 would lose
 * digits, so it fails that query instead (node-postgres reports a parser's throw as the query's error).
 */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`a bigint value (${text}) is beyond JavaScript's safe integers`);
  return n;
}

const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === pg.types.builtins.INT8 && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
