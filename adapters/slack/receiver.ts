// Bolt receivers for paperboy: strict request verification for HTTP mode, and in-flight tracking for both modes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTPReceiver, type App, type Receiver, type ReceiverEvent, type SocketModeReceiver } from '@slack/bolt';
import type { Logger as BoltLogger } from '@slack/bolt';

/** Slack's replay window: requests dated more than five minutes from now, either way, are refused. */
export const MAX_SKEW_SECONDS = 5 * 60;

/** Slack's own payloads stay well under this; bigger bodies are refused with 413 before verification. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** The one path for slash commands, events and interactivity (as in the app manifest). */
export const EVENTS_PATH = '/slack/events';

export type Verification = { ok: true } | { ok: false; reason: 'missing headers' | 'bad timestamp' | 'timestamp skew' | 'bad signature' };

/**
 * Verifies a Slack request signature (https://api.slack.com/authentication/verifying-requests-from-slack).
 * Unlike Bolt's check, which only refuses stale timestamps, this refuses skew in both directions:
 * a correctly signed request dated in the future is as suspicious as a replayed one.
 */
export function verifySlackSignature(args: {
  signingSecret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowMs: number;
}): Verification {
  const { timestamp, signature } = args;
  if (!timestamp || !signature) return { ok: false, reason: 'missing headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad timestamp' };
  // NOTE: the header is in seconds, the clock in milliseconds.
  if (Math.abs(Math.floor(args.nowMs / 1000) - Number(timestamp)) > MAX_SKEW_SECONDS) return { ok: false, reason: 'timestamp skew' };
  const expected = Buffer.from(`v0=${createHmac('sha256', args.signingSecret).update(`v0:${timestamp}:${args.body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  return { ok: true };
}

/** Tracks listener work so shutdown and tests can wait until every reply has been sent. */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, done);
    return p;
  }

  /** Resolves once nothing is in flight (work started meanwhile is waited for too). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/** Hands a receiver a view of the app whose `processEvent` is tracked. */
function trackedApp(app: App, inFlight: InFlight): App {
  return new Proxy(app, {
    get(target, prop, receiver) {
      if (prop === 'processEvent') return (event: ReceiverEvent) => inFlight.track(target.processEvent(event));
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

export interface SignedHttpReceiverOptions {
  signingSecret: string;
  port: number;
  /** Interface to listen on; all interfaces by default (Slack must reach it), 127.0.0.1 in tests. */
  host?: string;
  bodyLimit?: number;
  logger: BoltLogger;
  now?: () => number;
  inFlight: InFlight;
  /** Called with the reason whenever a request is refused, for logs. */
  onRefused?: (status: number, reason: string) => void;
}

/**
 * An HTTP receiver that verifies every request itself (size, signature, skew both ways) and only
 * then hands the buffered request to Bolt's HTTPReceiver, whose own check is switched off because
 * this one is stricter. A refused request never reaches a listener.
 */
export class SignedHttpReceiver implements Receiver {
  private readonly inner: HTTPReceiver;
  private server: http.Server | undefined;
  private readonly opts: SignedHttpReceiverOptions;
  private readonly limit: number;

  constructor(opts: SignedHttpReceiverOptions) {
    this.opts = opts;
    this.limit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
    this.inner = new HTTPReceiver({
      signingSecret: opts.signingSecret,
      signatureVerification: false,
      endpoints: [EVENTS_PATH],
      logger: opts.logger,
      bodyLimit: this.limit,
    });
  }

  init(app: App): void {
    this.inner.init(trackedApp(app, this.opts.inFlight));
  }

  /** The port actually listened on (useful when configured as 0). */
  get port(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? (a as AddressInfo).port : undefined;
  }

  async start(): Promise<http.Server> {
    const server = http.createServer((req, res) => {
      void this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private refuse(res: http.ServerResponse, status: number, reason: string, close = false): void {
    this.opts.onRefused?.(status, reason);
    res.writeHead(status, close ? { connection: 'close' } : {}).end();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== EVENTS_PATH || req.method !== 'POST') {
      res.writeHead(404).end();
      req.resume();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.limit) {
      this.refuse(res, 413, 'declared body too large', true);
      res.on('finish', () => req.destroy());
      return;
    }
    const body = await readLimited(req, this.limit);
    if (body === null) {
      this.refuse(res, 413, 'body too large', true);
      return;
    }
    const text = body.toString('utf8');
    if (req.headers['content-type'] === 'application/x-www-form-urlencoded' && new URLSearchParams(text).get('ssl_check') === '1') {
      res.writeHead(200).end();
      return;
    }
    const header = (name: string) => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : undefined;
    };
    const check = verifySlackSignature({
      signingSecret: this.opts.signingSecret,
      body: text,
      timestamp: header('x-slack-request-timestamp'),
      signature: header('x-slack-signature'),
      nowMs: (this.opts.now ?? Date.now)(),
    });
    if (!check.ok) {
      this.refuse(res, 401, check.reason);
      return;
    }
    // Bolt reuses an already-buffered body (it checks for `rawBody`).
    this.inner.requestListener(Object.assign(req, { rawBody: body }), res);
  }
}

/** Reads a request body, or returns null once it exceeds `limit` (the rest is drained, up to a bound, then cut). */
function readLimited(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        if (size > limit * 4) {
          resolve(null);
          req.destroy();
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Wraps Bolt's SocketModeReceiver to track listener work and to make `stop` wait until the
 * socket is really closed (Bolt's resolves at once, and a socket left open keeps reconnecting).
 */
export class TrackedSocketModeReceiver implements Receiver {
  constructor(
    private readonly inner: SocketModeReceiver,
    private readonly inFlight: InFlight,
  ) {}

  init(app: App): void {
    this.inner.init(trackedApp(app, this.inFlight));
  }

  async start(): Promise<unknown> {
    return this.inner.start();
  }

  async stop(): Promise<void> {
    await this.inner.client.disconnect();
  }
}
