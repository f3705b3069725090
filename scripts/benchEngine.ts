// The benches' engine flags (--engine, --database-url, --replicas) and the PostgreSQL server they measure on: the given one, or a throw-away cluster.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { findBindir, startCluster } from '../test/support/pgCluster.js';

export type BenchEngine = 'sqlite' | 'postgres';

export interface EngineArgs {
  /** The engines to measure, in order (`--engine both`: SQLite first, then PostgreSQL). */
  engines: BenchEngine[];
  /** `--database-url`: a PostgreSQL server whose user may create databases; without it a throw-away cluster is started. */
  databaseUrl: string | undefined;
  /** `--replicas N` (bench:load): `serve` processes on one DATABASE_URL behind a round-robin proxy. */
  replicas: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** `--name value` or `--name=value`; undefined when absent. */
export function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/**
 * Reads the engine flags. Defaults (no flags): SQLite only, one replica, so the benches run as before.
 * `fallbackUrl` is DATABASE_URL from the config, used when `--database-url` is not given.
 */
export function parseEngineArgs(argv: readonly string[], fallbackUrl?: string): Parsed<EngineArgs> {
  const engine = flag(argv, 'engine') ?? 'sqlite';
  const engines: BenchEngine[] | undefined =
    engine === 'sqlite' ? ['sqlite'] : engine === 'postgres' ? ['postgres'] : engine === 'both' ? ['sqlite', 'postgres'] : undefined;
  if (!engines) return { ok: false, error: `--engine must be sqlite, postgres or both (got "${engine}").` };
  const given = flag(argv, 'database-url');
  if (given !== undefined && !/^postgres(ql)?:\/\//.test(given))
    return { ok: false, error: '--database-url must be a postgres:// URL whose user may create databases.' };
  const databaseUrl = given ?? fallbackUrl;
  const replicasText = flag(argv, 'replicas') ?? '1';
  const replicas = Number(replicasText);
  if (!Number.isInteger(replicas) || replicas < 1) return { ok: false, error: `--replicas must be a whole number of at least 1 (got "${replicasText}").` };
  if (replicas > 1 && !engines.includes('postgres'))
    return { ok: false, error: '--replicas above 1 needs --engine postgres (replicas share one DATABASE_URL).' };
  return { ok: true, value: { engines, databaseUrl, replicas } };
}

/** A PostgreSQL server for a bench run: each `database()` is a new, empty database on it, dropped by `close()`. */
export interface BenchPostgres {
  /** How the run names it in its output: the given server (no password) or the throw-away cluster. */
  where: string;
  database(): Promise<string>;
  close(): Promise<void>;
}

/** NOTE: milliseconds; admin statements (create and drop a database). */
const ADMIN_TIMEOUT_MS = 30_000;

/** Uses `url`'s server, or starts a throw-away cluster as the test suite does (Debian's postgresql package). */
export async function benchPostgres(url: string | undefined): Promise<BenchPostgres> {
  let adminUrl = url;
  let stopCluster: (() => void) | undefined;
  if (adminUrl === undefined) {
    const bindir = findBindir();
    if (!bindir)
      throw new Error('No PostgreSQL to measure: pass --database-url postgres://… (a user that may create databases), or install the postgresql package.');
    const cluster = await startCluster(bindir);
    adminUrl = cluster.url;
    stopCluster = cluster.stop;
    process.once('exit', cluster.stop);
  }
  const server = adminUrl;
  const made: string[] = [];
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: server, connectionTimeoutMillis: ADMIN_TIMEOUT_MS, query_timeout: ADMIN_TIMEOUT_MS });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const shown = new URL(server);
  shown.password = '';
  return {
    where: stopCluster ? 'a throw-away local cluster (fsync off)' : shown.toString(),
    async database() {
      const name = `paperboy_bench_${randomBytes(3).toString('hex')}`;
      await admin(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      made.push(name);
      const u = new URL(server);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async close() {
      try {
        for (const name of made) await admin(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        stopCluster?.();
      }
    },
  };
}
