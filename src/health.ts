// GET /healthz for container health checks: adapters connected, the last successful ingest and the live ingest's state, the next scheduled post; 503 when an adapter is down.
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
}

/** The JSON /healthz answers. */
export interface HealthReport {
  status: 'ok' | 'down';
  adapters: Array<{ platform: string; connected: boolean | null }>;
  lastIngest: string | null;
  nextPost: { at: string; platform: string; channel: string } | null;
  /** Null when serve runs no live ingest (PAPERBOY_LIVE=off, a shard process). */
  liveIngest: { running: boolean; lastError: string | null } | null;
}

/** The report for these adapters and sources; `down` when any adapter says it is not connected. */
export function healthReport(adapters: readonly ChatAdapter[], sources: HealthSources): HealthReport {
  const list = adapters.map((a) => ({ platform: a.platform, connected: a.connected ? a.connected() : null }));
  const next = sources.nextPost?.() ?? null;
  const live = sources.liveIngest?.() ?? null;
  return {
    status: list.some((a) => a.connected === false) ? 'down' : 'ok',
    adapters: list,
    lastIngest: sources.lastIngest?.() ?? null,
    nextPost: next ? { at: next.at.toISOString(), platform: next.platform, channel: next.channel } : null,
    liveIngest: live ? { running: live.running, lastError: live.lastError } : null,
  };
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
 * adapter is connected, 503 when one is down; anything else is 404. Nothing in it is secret: platforms,
 * times and channel ids only.
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
      server = http.createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path !== '/healthz' || (req.method !== 'GET' && req.method !== 'HEAD')) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
          return;
        }
        let body: string;
        let status: number;
        try {
          const report = healthReport(adapters, sources);
          status = report.status === 'ok' ? 200 : 503;
          body = JSON.stringify(report);
        } catch (e) {
          log.error({ err: e }, 'could not build the health report');
          status = 500;
          body = '{"status":"error"}';
        }
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
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
