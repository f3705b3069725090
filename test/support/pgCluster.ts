// A throw-away PostgreSQL cluster on loopback (initdb into a temp folder, pg_ctl start): the test suite's server, and the benches' when no URL is given.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** NOTE: seconds; pg_ctl's own wait for the local cluster to start. */
const PG_CTL_WAIT_S = 30;

export interface Cluster {
  url: string;
  stop(): void;
  /** `pg_ctl restart -m fast`: every connection is ended, and the server is back when it returns. */
  restart(): void;
  /** `pg_ctl stop -m fast`, keeping the data: the server is away until `resume`. */
  pause(): void;
  /** Starts a paused server again, with the options it first started with. */
  resume(): void;
}

/** The folder holding initdb and pg_ctl: Debian's /usr/lib/postgresql/<newest>/bin, else `pg_config --bindir`. */
export function findBindir(): string | undefined {
  const debian = '/usr/lib/postgresql';
  const versions = fs.existsSync(debian)
    ? fs
        .readdirSync(debian)
        .filter((v) => fs.existsSync(path.join(debian, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return path.join(debian, versions[0], 'bin');
  const r = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const dir = r.status === 0 ? r.stdout.trim() : '';
  return dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')) ? dir : undefined;
}

/**
 * initdb into a temp folder and start the server on a free loopback port. The superuser logs in
 * with a password over TCP (scram) so wrong-password tests are real; the unix socket stays in the
 * temp folder. As root the server runs as the `postgres` user (PostgreSQL refuses to run as root).
 */
export async function startCluster(bindir: string): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-pg-'));
  const data = path.join(dir, 'data');
  const superPassword = randomBytes(12).toString('hex');
  const pwfile = path.join(dir, 'pw');
  fs.writeFileSync(pwfile, `${superPassword}\n`, { mode: 0o600 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, uid, gid);
    fs.chownSync(pwfile, uid, gid);
  }
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bindir, tool), ...args]] : [path.join(bindir, tool), args];
    const r = spawnSync(cmd, argv, { cwd: dir, encoding: 'utf8' });
    if (r.error) throw new Error(`${cmd} could not be run: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${tool} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim()}`);
  };
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    spawnSync(
      asRoot ? 'runuser' : path.join(bindir, 'pg_ctl'),
      [...(asRoot ? ['-u', 'postgres', '--', path.join(bindir, 'pg_ctl')] : []), 'stop', '-D', data, '-m', 'immediate', '-w'],
      {
        cwd: dir,
        stdio: 'ignore',
      },
    );
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    run('initdb', ['-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync']);
    const port = await freePort();
    // NOTE: durability settings off: the cluster is thrown away after the run.
    const serverOptions = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    const start = () => run('pg_ctl', ['start', '-w', '-t', String(PG_CTL_WAIT_S), '-D', data, '-l', path.join(dir, 'server.log'), '-o', serverOptions]);
    start();
    return {
      url: `postgres://postgres:${superPassword}@127.0.0.1:${port}/postgres`,
      stop,
      restart: () =>
        run('pg_ctl', ['restart', '-w', '-t', String(PG_CTL_WAIT_S), '-m', 'fast', '-D', data, '-l', path.join(dir, 'server.log'), '-o', serverOptions]),
      pause: () => run('pg_ctl', ['stop', '-w', '-t', String(PG_CTL_WAIT_S), '-m', 'fast', '-D', data]),
      resume: start,
    };
  } catch (e) {
    stop();
    throw e;
  }
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
