// GET /healthz for container health checks: adapters connected, the database reachable, the last successful ingest and the live ingest's state, the next scheduled post, the replica's leader role; 503 when an adapter or the database is down.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';
import type { ChatAdapter } from './ports.js';
import type { BackgroundJob } from './serve.js';

/** What the health answer reports besides the adapters; each part optional (absent: reported as null). */
export interface HealthSources {
  /** When the last ingest succeeded (ISO), from the live ingest's status. */
  lastIngest?: () => string | null;
  /** The next scheduled post, from the scheduler. */
  nextPost?: () => { at: Date; platform: string; channel: string } | null;
  /** Whether the live ingest runs and its last problem (a failed fetch, a crashed thread, one that crashed too often to restart). */
  liveIngest?: () => { running: boolean; lastError: string | null };
  /** The shared database (`PaperDatabase.check`): null when it answers, else why not. `where` never holds a password. */
  database?: { where: string; check(): Promise<string | null> };
  /** This replica's part in the background work (src/leader/): whether it leads, and who does. */
  leader?: () => { role: 'leader' | 'follower'; leader: string | null };
}

/** How long the database check may take before health says it did not answer. NOTE: milliseconds. */
export const DATABASE_CHECK_MS = 2_000;

/** The database's state as health reports it. */
export interface DatabaseHealth {
  where: string;
  reachable: boolean;
  /** Why it is not reachable, or null. */
  problem: string | null;
}

/** The JSON /healthz answers. */
export interface HealthReport {
  status: 'ok' | 'down';
  adapters: Array<{ platform: string; connected: boolean | null }>;
  lastIngest: string | null;
  nextPost: { at: string; platform: string; channel: string } | null;
  /** Null when serve runs no live ingest (PAPERBOY_LIVE=off, a shard process). */
  liveIngest: { running: boolean; lastError: string | null } | null;
  /** Null when no database check is wired. */
  database: DatabaseHealth | null;
  /**
   * `leader` when this replica runs the background work (live ingest, alert planning, list fetches),
   * `follower` when another one (`leader`, as `host:pid:suffix`; null while none does) runs it. Null in a
   * process that takes no part (a Discord shard process, a read-only database).
   */
  leader: { role: 'leader' | 'follower'; leader: string | null } | null;
}

/** The report for these adapters and sources; `down` when any adapter says it is not connected, or the database did not answer its check. */
export function healthReport(adapters: readonly ChatAdapter[], sources: HealthSources, database: DatabaseHealth | null = null): HealthReport {
  const list = adapters.map((a) => ({ platform: a.platform, connected: a.connected ? a.connected() : null }));
  const next = sources.nextPost?.() ?? null;
  const live = sources.liveIngest?.() ?? null;
  const leader = sources.leader?.() ?? null;
  return {
    status: list.some((a) => a.connected === false) || database?.reachable === false ? 'down' : 'ok',
    adapters: list,
    lastIngest: sources.lastIngest?.() ?? null,
    nextPost: next ? { at: next.at.toISOString(), platform: next.platform, channel: next.channel } : null,
    liveIngest: live ? { running: live.running, lastError: live.lastError } : null,
    database,
    leader: leader ? { role: leader.role, leader: leader.leader } : null,
  };
}

/** One line for a check that threw: its message and its cause's (a connection error names the host, never the password). */
function describeProblem(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message;
}

/** Asks the database whether it answers, within DATABASE_CHECK_MS; a check that throws or hangs is a problem too. */
export async function checkDatabase(source: NonNullable<HealthSources['database']>, timeoutMs = DATABASE_CHECK_MS): Promise<DatabaseHealth> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`it did not answer within ${timeoutMs / 1000} s`), timeoutMs);
  });
  try {
    const problem = await Promise.race([source.check().catch(describeProblem), late]);
    return { where: source.where, reachable: problem === null, problem };
  } finally {
    clearTimeout(timer);
  }
}

/** The health endpoint as a background job of `serve`, with the port it listens on once started. */
export interface HealthServer extends BackgroundJob {
  /** The port listened on (the given one, or the one picked for port 0). */
  port(): number | undefined;
  /** Resolves once listening (or once listening failed, which is logged). */
  readonly ready: Promise<void>;
}

/**
 * Serves `GET /healthz` on `port` (node:http, no framework: one route). 200 with the report when every
 * adapter is connected and the database answers, 503 when one is not (the answer names the database);
 * anything else is 404. Nothing in it is secret: platforms, times, channel ids and the database
 * without its password.
 */
export function healthServer(port: number, sources: HealthSources, logger: Logger, host = '0.0.0.0'): HealthServer {
  const log = logger.child({ component: 'health' });
  let adapters: readonly ChatAdapter[] = [];
  let server: http.Server | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  return {
    name: 'health',
    ready,
    port: () => {
      const a = server?.address();
      return a && typeof a === 'object' ? (a as AddressInfo).port : undefined;
    },
    start(started) {
      adapters = started;
      let wasDown = false;
      const answer = async (): Promise<{ status: number; body: string }> => {
        try {
          const database = sources.database ? await checkDatabase(sources.database) : null;
          // NOTE: logged when the database goes away and when it is back, not on every probe.
          if (database && !database.reachable !== wasDown) {
            wasDown = !database.reachable;
            if (wasDown) log.error({ database: database.where, problem: database.problem }, 'the database does not answer: health says 503');
            else log.info({ database: database.where }, 'the database answers again');
          }
          const report = healthReport(adapters, sources, database);
          return { status: report.status === 'ok' ? 200 : 503, body: JSON.stringify(report) };
        } catch (e) {
          log.error({ err: e }, 'could not build the health report');
          return { status: 500, body: '{"status":"error"}' };
        }
      };
      server = http.createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path !== '/healthz' || (req.method !== 'GET' && req.method !== 'HEAD')) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
          return;
        }
        void answer().then(({ status, body }) =>
          res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
        );
      });
      server.on('error', (e) => {
        log.error({ err: e, port }, 'the health endpoint could not listen (PAPERBOY_HEALTH_PORT)');
        markReady();
      });
      server.listen(port, host, () => {
        log.info({ port: (server?.address() as AddressInfo | null)?.port ?? port }, 'health endpoint listening on /healthz');
        markReady();
      });
    },
    async stop() {
      const s = server;
      if (!s?.listening) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeAllConnections();
      await closed;
    },
  };
}
