// connectPostgres against a real PostgreSQL server: a checked pool, or one line naming DATABASE_URL for each fault, never the password.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { OperatorError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { redactUrl } from '../../src/store/postgres/url.js';
import { asAdmin, freshDatabase, urlFor, type FreshDatabase } from '../support/postgres.js';

/** A logger that keeps every line it is given, as JSON, so tests can read what an operator would. */
function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const write = (level: string) => (obj: unknown, msg?: string) => lines.push(JSON.stringify({ level, ...bindings, obj, msg }));
    return { child: (more) => make({ ...bindings, ...more }), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  };
  return Object.assign(make({}), { lines });
}

/** The OperatorError message connecting to `url` gives (the test fails if it connects). */
async function faultOf(url: string, opts: Parameters<typeof connectPostgres>[1] = {}): Promise<string> {
  const pool = await connectPostgres(url, opts).catch((e: unknown) => e);
  if (!(pool instanceof OperatorError)) {
    if (pool && typeof (pool as pg.Pool).end === 'function') await (pool as pg.Pool).end();
    throw new Error(`expected an OperatorError, got ${String(pool)}`);
  }
  return pool.message;
}

function expectOneSafeLine(message: string, secret: string): void {
  expect(message).toMatch(/^DATABASE_URL /);
  expect(message).not.toContain('\n');
  expect(message).not.toContain(secret);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let db: FreshDatabase;
const pools: pg.Pool[] = [];
const roles: string[] = [];

beforeAll(async () => {
  db = await freshDatabase();
});

afterAll(async () => {
  for (const p of pools) await p.end().catch(() => undefined);
  await db?.drop();
  for (const r of roles) await asAdmin(`DROP ROLE IF EXISTS "${r}"`);
});

/** A password-authenticated role of this run, without any privilege. */
async function freshRole(): Promise<{ name: string; password: string }> {
  const name = `${inject('postgres').prefix}_role_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(9).toString('hex');
  await asAdmin(`CREATE ROLE "${name}" LOGIN PASSWORD '${password}'`);
  roles.push(name);
  return { name, password };
}

describe('connectPostgres: a good DATABASE_URL', () => {
  it('returns a pool that answers SELECT 1 and reads bigint (COUNT, int8) as a JS number', async () => {
    const pool = await connectPostgres(db.url);
    pools.push(pool);
    const { rows } = await pool.query<{ one: number; n: unknown; big: unknown }>(
      'SELECT 1 AS one, count(*) AS n, 9007199254740991::bigint AS big FROM pg_class',
    );
    expect(rows[0]?.one).toBe(1);
    expect(typeof rows[0]?.n).toBe('number');
    expect(rows[0]?.big).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('accepts postgresql:// as well as postgres://', async () => {
    const pool = await connectPostgres(db.url.replace(/^postgres:/, 'postgresql:'));
    pools.push(pool);
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails a query whose bigint would lose digits as a JS number, instead of rounding it', async () => {
    const pool = await connectPostgres(db.url);
    pools.push(pool);
    await expect(pool.query('SELECT 9007199254740993::bigint AS big')).rejects.toThrow(/beyond JavaScript's safe integers/);
    expect((await pool.query('SELECT 2::bigint AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('sets a statement_timeout on every connection, so no query waits forever', async () => {
    const pool = await connectPostgres(db.url, { statementTimeoutMs: 200 });
    pools.push(pool);
    expect((await pool.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]?.statement_timeout).toBe('200ms');
    await expect(pool.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
  });

  it('an idle connection whose server process dies is logged (redacted) and replaced; the process keeps running', async () => {
    const logger = capturingLogger();
    const pool = await connectPostgres(db.url, { logger });
    pools.push(pool);
    await pool.query('SELECT 1');
    expect(pool.idleCount).toBe(1);
    await db.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'paperboy'");
    await vi.waitFor(() => expect(logger.lines.some((l) => l.includes('an idle PostgreSQL connection failed'))).toBe(true), { timeout: 5_000 });
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    const password = inject('postgres').password;
    for (const line of logger.lines) expect(line).not.toContain(password);
    expect(logger.lines.join('\n')).toContain(redactUrl(db.url));
  });
});

describe('connectPostgres: faults are one line naming DATABASE_URL, never the password', () => {
  it('a wrong password', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const url = urlFor(db.name, inject('postgres').user, wrong);
    const message = await faultOf(url);
    expectOneSafeLine(message, wrong);
    expect(message).toContain(`DATABASE_URL (postgres://${inject('postgres').user}:***@127.0.0.1:`);
    expect(message).toMatch(/PostgreSQL refused the password for user "paperboy_test"; put that user's password in DATABASE_URL/);
  });

  it('a database that does not exist', async () => {
    const { user, password } = inject('postgres');
    const message = await faultOf(urlFor(`${db.name}_missing`, user, password));
    expectOneSafeLine(message, password);
    expect(message).toMatch(new RegExp(`database "${db.name}_missing" does not exist on 127\\.0\\.0\\.1:\\d+; create it`));
  });

  it('a port nothing listens on', async () => {
    const { user, password } = inject('postgres');
    const port = await freePort();
    const message = await faultOf(`postgres://${user}:${password}@127.0.0.1:${port}/${db.name}`);
    expectOneSafeLine(message, password);
    expect(message).toContain(`nothing accepts connections at 127.0.0.1:${port} (connection refused); start PostgreSQL there`);
  });

  it('a host that accepts the connection but never answers hits the connect deadline', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const message = await faultOf(`postgres://bot:hunter2-secret@127.0.0.1:${port}/paperboy`, { connectTimeoutMs: 300 });
      expectOneSafeLine(message, 'hunter2-secret');
      expect(message).toContain(`no answer from 127.0.0.1:${port} within 300 ms`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a malformed URL and another scheme are refused before any connection', async () => {
    const malformed = await faultOf('postgres://bot:hunter2/secret@127.0.0.1/paperboy');
    expectOneSafeLine(malformed, 'hunter2');
    expect(malformed).toMatch(/^DATABASE_URL is not a valid URL; write it as postgres:\/\/user:password@host:5432\/database/);
    const scheme = await faultOf('mysql://bot:hunter2@127.0.0.1/paperboy');
    expectOneSafeLine(scheme, 'hunter2');
    expect(scheme).toMatch(/^DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//);
  });

  it('a user that may not create tables in its schema', async () => {
    await db.admin('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    const role = await freshRole();
    const message = await faultOf(urlFor(db.name, role.name, role.password));
    expectOneSafeLine(message, role.password);
    expect(message).toContain(
      `user "${role.name}" may not create tables in schema "public" of database "${db.name}"; run GRANT CREATE ON SCHEMA public TO ${role.name}`,
    );
  });

  it('a user that may not connect to the database (42501)', async () => {
    const locked = await freshDatabase();
    try {
      await locked.admin(`REVOKE CONNECT ON DATABASE "${locked.name}" FROM PUBLIC`);
      const role = await freshRole();
      const message = await faultOf(urlFor(locked.name, role.name, role.password));
      expectOneSafeLine(message, role.password);
      expect(message).toMatch(new RegExp(`user "${role.name}" lacks a privilege it needs \\(permission denied for database "?${locked.name}"?\\)`));
    } finally {
      await locked.drop();
    }
  });

  it('an sslrootcert file that cannot be read names the path', async () => {
    const { password } = inject('postgres');
    const missing = path.join(os.tmpdir(), `paperboy-no-such-ca-${process.pid}.pem`);
    const message = await faultOf(`${db.url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(missing)}`);
    expectOneSafeLine(message, password);
    expect(message).toContain(`sslrootcert=${missing} cannot be read (ENOENT)`);
  });

  it('sslmode=require against a server without SSL', async () => {
    const { password } = inject('postgres');
    const message = await faultOf(`${db.url}?sslmode=require`);
    expectOneSafeLine(message, password);
    expect(message).toMatch(/sslmode in DATABASE_URL asks for SSL but the server at 127\.0\.0\.1:\d+ does not offer it/);
  });
});

describe('connectPostgres: SSL as the URL asks (libpq meaning of sslmode)', () => {
  let certs: string;
  let proxy: net.Server;
  let proxyPort: number;
  const open = new Set<net.Socket>();

  // A CA and a server certificate for 127.0.0.1, and a second CA that did not sign it.
  beforeAll(async () => {
    certs = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-tls-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=paperboy test CA');
    ssl('req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other-ca.pem', '-days', '2', '-subj', '/CN=another CA');
    ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    fs.writeFileSync(path.join(certs, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
    const key = fs.readFileSync(path.join(certs, 'server.key'));
    const cert = fs.readFileSync(path.join(certs, 'server.pem'));
    const upstreamPort = Number(new URL(db.url).port);
    // NOTE: the test server has no SSL; this proxy answers PostgreSQL's SSLRequest with 'S', ends TLS
    // with the certificate above and passes the plain protocol on, as an SSL-enabled server would.
    proxy = net.createServer((socket) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => socket.destroy());
      socket.once('data', (first) => {
        if (first.length !== 8 || first.readInt32BE(4) !== 80877103) return socket.destroy();
        socket.write('S');
        const secure = new tls.TLSSocket(socket, { isServer: true, key, cert });
        const upstream = net.connect(upstreamPort, '127.0.0.1');
        open.add(upstream);
        const end = () => {
          secure.destroy();
          upstream.destroy();
        };
        secure.on('error', end);
        upstream.on('error', end);
        upstream.on('close', () => open.delete(upstream));
        secure.pipe(upstream).pipe(secure);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyPort = (proxy.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    for (const s of open) s.destroy();
    await new Promise((resolve) => proxy?.close(resolve));
    fs.rmSync(certs, { recursive: true, force: true });
  });

  const viaProxy = (query: string) => {
    const url = new URL(db.url);
    url.port = String(proxyPort);
    return `${url.toString()}?${query}`;
  };

  it('sslmode=verify-full with sslrootcert=<the CA> connects over SSL', async () => {
    const pool = await connectPostgres(viaProxy(`sslmode=verify-full&sslrootcert=${encodeURIComponent(path.join(certs, 'ca.pem'))}`));
    pools.push(pool);
    expect((await pool.query<{ ssl: boolean }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('sslmode=require encrypts without checking the certificate, as libpq does', async () => {
    const pool = await connectPostgres(viaProxy('sslmode=require'));
    pools.push(pool);
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a certificate not signed by sslrootcert is refused with a message saying what to set', async () => {
    const { password } = inject('postgres');
    const message = await faultOf(viaProxy(`sslmode=verify-full&sslrootcert=${encodeURIComponent(path.join(certs, 'other-ca.pem'))}`));
    expectOneSafeLine(message, password);
    expect(message).toMatch(/the server's SSL certificate was not accepted \([A-Z_]+: .*\); set sslrootcert=<file> to the CA that signed it/);
  });
});
