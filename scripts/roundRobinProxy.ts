// A tiny round-robin HTTP load balancer on loopback (node:http) for bench:load --replicas: each request goes to the next replica in turn.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Proxy {
  port: number;
  /** Requests each target received, in the order of `targets`. */
  counts: number[];
  close(): Promise<void>;
}

/** NOTE: milliseconds; a replica that does not answer within this gets the caller a 504, counted as an error by the bench. */
const UPSTREAM_TIMEOUT_MS = 30_000;

/** Listens on a free loopback port and forwards every request, body and headers as they are, to `targets` (ports on 127.0.0.1) in turn. */
export async function roundRobinProxy(targets: readonly number[]): Promise<Proxy> {
  const counts = targets.map(() => 0);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let next = 0;
  const server = http.createServer((req, res) => {
    const i = next;
    next = (next + 1) % targets.length;
    counts[i] = (counts[i] ?? 0) + 1;
    const upstream = http.request(
      { host: '127.0.0.1', port: targets[i], path: req.url, method: req.method, headers: req.headers, agent, timeout: UPSTREAM_TIMEOUT_MS },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timed out')));
    upstream.on('error', (e) => {
      if (!res.headersSent) res.writeHead(e.message === 'upstream timed out' ? 504 : 502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    counts,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
