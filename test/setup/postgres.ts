// Vitest global setup: the PostgreSQL server the suite uses, PAPERBOY_TEST_DATABASE_URL's or a throw-away cluster started here, never skipped.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { findBindir, startCluster, type Cluster } from '../support/pgCluster.js';
import type { TestPostgres } from '../support/postgres.js';

export const HOW_TO_RUN =
  "The PostgreSQL tests need a server: set PAPERBOY_TEST_DATABASE_URL to a postgres:// URL whose user may create databases and roles, or install Debian's postgresql package (apt-get install postgresql) so the tests start a throw-away one.";

/** NOTE: milliseconds; admin statements against the server. */
const ADMIN_TIMEOUT_MS = 10_000;
const TEST_ROLE = 'paperboy_test';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.PAPERBOY_TEST_DATABASE_URL?.trim();
  let cluster: Cluster | undefined;
  let adminUrl: string;
  if (given) {
    adminUrl = given;
  } else {
    const bindir = findBindir();
    if (!bindir) throw new Error(HOW_TO_RUN);
    cluster = await startCluster(bindir);
    adminUrl = cluster.url;
    // NOTE: a run ended early (Ctrl-C, a crash before teardown) must not leave a server behind.
    process.once('exit', cluster.stop);
  }
  const prefix = `pbt_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  try {
    await admin(adminUrl, async (c) => {
      await c.query(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${TEST_ROLE}') THEN CREATE ROLE ${TEST_ROLE} LOGIN; END IF; END $$`);
      await c.query(`ALTER ROLE ${TEST_ROLE} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
    });
  } catch (e) {
    cluster?.stop();
    throw new Error(`PAPERBOY_TEST_DATABASE_URL's server could not be prepared for the tests (${(e as Error).message}). ${HOW_TO_RUN}`);
  }
  const provided: TestPostgres = { adminUrl, user: TEST_ROLE, password, prefix };
  project.provide('postgres', provided);

  return async () => {
    try {
      if (!cluster) await dropLeftovers(adminUrl, prefix);
    } finally {
      cluster?.stop();
    }
  };
}

async function admin(url: string, work: (c: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: ADMIN_TIMEOUT_MS, query_timeout: ADMIN_TIMEOUT_MS });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** On a server given by PAPERBOY_TEST_DATABASE_URL: databases and roles this run made and left. */
async function dropLeftovers(url: string, prefix: string): Promise<void> {
  await admin(url, async (c) => {
    const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}\\_%`]);
    for (const { datname } of rows) {
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [datname]);
      await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)}`);
    }
    const roles = await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname LIKE $1', [`${prefix}\\_%`]);
    for (const { rolname } of roles.rows) await c.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(rolname)}`);
  });
}
