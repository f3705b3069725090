// A PostgreSQL database of its own for one test file, on the server test/setup/postgres.ts found or started for the run.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import type { FeatureSchema } from '../../src/ports.js';
import { FEATURES } from '../../src/store/features.js';
import { migrate } from '../../src/store/migrations.js';
import { PostgresSql } from '../../src/store/postgresSql.js';

/** What the global setup hands every test file (through vitest's provide/inject). */
export interface TestPostgres {
  /** A superuser (or a user that may create databases and roles) on the test server, for set-up only. */
  adminUrl: string;
  /** The password-authenticated, unprivileged role tests connect as. */
  user: string;
  password: string;
  /** Prefix of every database and role made in this run, so teardown can remove leftovers. */
  prefix: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: TestPostgres;
  }
}

/** NOTE: milliseconds; set-up statements against the local test server. */
const ADMIN_TIMEOUT_MS = 10_000;

/** Runs `sql` as the test server's admin user, in `database` (default: the admin URL's). */
export async function asAdmin<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = [], database?: string): Promise<R[]> {
  const { adminUrl } = inject('postgres');
  const url = new URL(adminUrl);
  if (database !== undefined) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: ADMIN_TIMEOUT_MS, query_timeout: ADMIN_TIMEOUT_MS });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A URL for `user`/`password` on the test server's `database`. */
export function urlFor(database: string, user: string, password: string): string {
  const url = new URL(inject('postgres').adminUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  url.pathname = `/${database}`;
  url.search = '';
  return url.toString();
}

export interface FreshDatabase {
  /** postgres://paperboy_test:…@127.0.0.1:port/name: the test role, which owns the database. */
  url: string;
  name: string;
  /** Runs `sql` as the admin user inside this database (roles, grants, killing backends). */
  admin<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/**
 * Creates a uniquely named database owned by the test role, for one test file (files run in
 * parallel and must not share one). Call `drop()` in `afterAll`; the global teardown drops any left.
 */
export async function freshDatabase(): Promise<FreshDatabase> {
  const { user, password, prefix } = inject('postgres');
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await asAdmin(`CREATE DATABASE ${pg.escapeIdentifier(name)} OWNER ${pg.escapeIdentifier(user)}`);
  return {
    url: urlFor(name, user, password),
    name,
    admin: (sql, params = []) => asAdmin(sql, params, name),
    drop: () => dropDatabase(name),
  };
}

/** Drops `name` after ending its connections (works on servers older than DROP DATABASE … WITH (FORCE)). */
export async function dropDatabase(name: string): Promise<void> {
  await asAdmin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  await asAdmin(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
}

/**
 * A PostgreSQL database of its own with every feature's tables, through the Sql port: what a store's
 * contract suite runs on (migrated as serve migrates it, under the advisory lock; `features` narrows it
 * to some features' tables). `close()` ends the pool and drops the database.
 */
export async function freshSql(features: readonly FeatureSchema[] = FEATURES): Promise<{ sql: PostgresSql; url: string; close(): Promise<void> }> {
  const db = await freshDatabase();
  const pool = await connectPostgres(db.url);
  const sql = new PostgresSql(pool);
  await migrate({ sql, exclusively: (fn) => sql.withLock('paperboy.migrate', fn), where: db.name, startAfresh: '' }, features);
  return {
    sql,
    url: db.url,
    close: async () => {
      await pool.end();
      await db.drop();
    },
  };
}
