// Bolt receivers for paperboy: a strict HTTP receiver that answers every request at once, and Socket Mode with bounded, logged connecting.
import { networkReason } from '../../src/errorInfo.js';
import { within } from '../../src/serve.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App, Receiver, ReceiverEvent, SocketModeReceiver } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../src/logger.js';

/** Slack's replay window: requests dated more than five minutes from now, either way, are refused. */
export const MAX_SKEW_SECONDS = 5 * 60;

/** Slack's own payloads stay well under this; bigger bodies are refused with 413 before verification. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** The one path for slash commands, events and interactivity (as in the app manifest). */
export const EVENTS_PATH = '/slack/events';

/**
 * Server timeouts for HTTP mode, in milliseconds. Slack sends small bodies at once and wants an answer within
 * 3 s, so a request still incomplete after a few seconds is not Slack's and may not hold a socket (Node's own
 * defaults keep one for 300 s). https://nodejs.org/api/http.html#serverrequesttimeout
 */
export interface HttpTimeouts {
  /** The whole request, headers and body. */
  requestMs: number;
  /** The request headers. */
  headersMs: number;
  /** An idle kept-alive connection between requests. */
  keepAliveMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { requestMs: 10_000, headersMs: 5_000, keepAliveMs: 5_000 };

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

// ─── HTTP mode ───────────────────────────────────────────────────────────────

export interface SignedHttpReceiverOptions {
  signingSecret: string;
  port: number;
  /** Interface to listen on; all interfaces by default (Slack must reach it), 127.0.0.1 in tests. */
  host?: string;
  bodyLimit?: number;
  timeouts?: Partial<HttpTimeouts>;
  logger: Logger;
  now?: () => number;
  inFlight: InFlight;
  /** Called with the reason whenever a request is refused, for logs. */
  onRefused?: (status: number, reason: string) => void;
  /** Answers GET requests for pages besides the events path (the OAuth install and redirect); false when the path is not one. */
  pages?: (path: string, req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;
}

/**
 * Interactive payloads (and slash commands) that Slack expects a 200 for even when nothing answers them: an
 * unacknowledged click shows the user a warning. https://docs.slack.dev/interactivity/handling-user-interaction
 */
const ACK_WHEN_UNHANDLED = new Set([
  'block_actions',
  'block_suggestion',
  'interactive_message',
  'message_action',
  'shortcut',
  'view_submission',
  'view_closed',
  'dialog_submission',
  'dialog_suggestion',
  'dialog_cancellation',
]);

const retryNumSchema = z.coerce.number().int().min(0).max(100);

/**
 * The HTTP receiver. It verifies every request itself (size, signature, skew both ways), parses it as Bolt's
 * HTTPReceiver does, and hands it to the app; a refused request never reaches a listener. Unlike Bolt's
 * receiver, which answers a request nothing acknowledged with a 404 after 3 s, it answers as soon as the
 * listeners are done: interactive payloads nothing claimed (an unknown action id) get the 200 Slack wants,
 * anything else a 404. Slow or truncated requests are cut off by the server timeouts.
 */
export class SignedHttpReceiver implements Receiver {
  private app: App | undefined;
  private server: http.Server | undefined;
  private readonly opts: SignedHttpReceiverOptions;
  private readonly limit: number;
  /** The timeouts the server is started with. */
  readonly timeouts: HttpTimeouts;

  constructor(opts: SignedHttpReceiverOptions) {
    this.opts = opts;
    this.limit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
    const t = { ...DEFAULT_HTTP_TIMEOUTS, ...opts.timeouts };
    // NOTE: Node refuses a headers timeout longer than the request timeout.
    this.timeouts = { ...t, headersMs: Math.min(t.headersMs, t.requestMs) };
  }

  init(app: App): void {
    this.app = app;
  }

  /** Whether the HTTP server is listening now, for /healthz. */
  get listening(): boolean {
    return this.server?.listening === true;
  }

  /** The port actually listened on (useful when configured as 0). */
  get port(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? (a as AddressInfo).port : undefined;
  }

  async start(): Promise<http.Server> {
    const { requestMs, headersMs, keepAliveMs } = this.timeouts;
    const server = http.createServer(
      {
        requestTimeout: requestMs,
        headersTimeout: headersMs,
        keepAliveTimeout: keepAliveMs,
        // NOTE: the two timeouts above are only checked this often (30 s by default).
        connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersMs / 4))),
      },
      (req, res) => {
        void this.handle(req, res).catch((e: unknown) => {
          this.opts.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'a Slack request failed');
          if (!res.headersSent) res.writeHead(500).end();
        });
      },
    );
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
      if (req.method === 'GET' && this.opts.pages && (await this.opts.pages(path, req, res))) return;
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
    if (body === 'incomplete') return;
    if (body === null) {
      this.refuse(res, 413, 'body too large', true);
      return;
    }
    const text = body.toString('utf8');
    const type = mediaType(req.headers['content-type']);
    if (type === 'application/x-www-form-urlencoded' && new URLSearchParams(text).get('ssl_check') === '1') {
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
    const parsed = parseSlackBody(text, type);
    if (parsed === null) {
      this.refuse(res, 400, 'malformed body');
      return;
    }
    if (parsed.type === 'url_verification') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: parsed.challenge }));
      return;
    }
    const retryNum = retryNumSchema.safeParse(header('x-slack-retry-num'));
    const retryReason = header('x-slack-retry-reason');
    await this.dispatch(parsed, { ...(retryNum.success ? { retryNum: retryNum.data } : {}), ...(retryReason !== undefined ? { retryReason } : {}) }, res);
  }

  /** Runs the listeners, then answers whatever they left unanswered. */
  private async dispatch(body: Record<string, unknown>, retry: Pick<ReceiverEvent, 'retryNum' | 'retryReason'>, res: http.ServerResponse): Promise<void> {
    let acked = false;
    const ack = async (response?: unknown): Promise<void> => {
      if (acked) {
        this.opts.logger.debug({}, 'ack() called again for one Slack request; ignored');
        return;
      }
      acked = true;
      writeAck(res, response);
    };
    const app = this.app;
    if (app) {
      // Bolt reports listener errors to app.error(); one that escapes leaves the request unanswered here.
      await this.opts.inFlight.track(app.processEvent({ body, ack, ...retry })).catch((e: unknown) => {
        this.opts.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'a Slack listener failed');
      });
    }
    if (acked || res.headersSent) return;
    const kind = typeof body.command === 'string' ? 'slash_command' : typeof body.type === 'string' ? body.type : 'unknown';
    if (kind === 'slash_command' || ACK_WHEN_UNHANDLED.has(kind)) {
      acked = true;
      this.opts.logger.info({ kind }, 'acknowledged a Slack request that no listener answers');
      writeAck(res, undefined);
    } else {
      this.refuse(res, 404, `no listener for a request of type ${kind.slice(0, 40)}`);
    }
  }
}

/** The media type of a content-type header, lower-cased, without parameters. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * A request body as Bolt's HTTPReceiver reads it: form fields (interactive payloads in their `payload`
 * field, as JSON) or JSON. Null when it is neither.
 */
export function parseSlackBody(text: string, type: string): Record<string, unknown> | null {
  const record = z.record(z.string(), z.unknown());
  try {
    if (type === 'application/x-www-form-urlencoded') {
      const form = new URLSearchParams(text);
      const payload = form.get('payload');
      const r = record.safeParse(payload === null ? Object.fromEntries(form) : JSON.parse(payload));
      return r.success ? r.data : null;
    }
    const r = record.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Writes an ack as Bolt does: empty, a string, or JSON. */
function writeAck(res: http.ServerResponse, response: unknown): void {
  if (res.headersSent) return;
  if (response === undefined || response === null || response === '') res.writeHead(200).end();
  else if (typeof response === 'string') res.writeHead(200).end(response);
  else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(response));
}

/**
 * Reads a request body: the bytes, null once it exceeds `limit` (the rest is drained, up to a bound, then
 * cut), or 'incomplete' when the connection closed first (a truncated body, or the server's request timeout).
 */
function readLimited(req: http.IncomingMessage, limit: number): Promise<Buffer | null | 'incomplete'> {
  return new Promise((resolve) => {
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
    req.on('error', () => resolve('incomplete'));
    req.on('close', () => resolve(req.complete ? (over ? null : Buffer.concat(chunks)) : 'incomplete'));
  });
}

// ─── Socket Mode ─────────────────────────────────────────────────────────────

/** One connection attempt may take this long at most (milliseconds), so a stalled handshake is retried. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

export interface SocketConnectOptions {
  /** How long `start()` may take to connect (ms). Each attempt also gets at most {@link ATTEMPT_TIMEOUT_MS}. */
  connectTimeoutMs: number;
  /** Waits between failed attempts: doubling from `firstMs`, at most `maxMs`. */
  retry: { firstMs: number; maxMs: number };
  logger: Logger;
}

/** Slack errors for an app-level token that retrying cannot fix. */
const APP_TOKEN_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'team_disabled',
]);

/** What one connection attempt came to. */
type Attempt = { ok: true } | { ok: false; reason: string; fatal?: string } | { ok: false; stopped: true };

/**
 * Socket Mode with connecting under paperboy's control. Bolt's client retries a failed connection every 5 s
 * for ever and logs an empty "WebSocket error occurred: " each time, and a connection that never completes
 * is never retried; here every attempt has a time limit, `start()` gives up after `connectTimeoutMs` with
 * the reason, and every retry (at start-up and after a dropped connection) is logged with its reason.
 * `stop()` ends a connection in progress too, and waits until the socket is closed.
 * https://docs.slack.dev/apis/events-api/using-socket-mode
 */
export class TrackedSocketModeReceiver implements Receiver {
  private readonly watch: SocketWatch;
  private readonly log: Logger;
  private stopping: AbortController | undefined;
  private connected = false;

  /** `inner` must be built with `autoReconnectEnabled: false`: reconnecting is done here. */
  constructor(
    private readonly inner: SocketModeReceiver,
    private readonly inFlight: InFlight,
    private readonly opts: SocketConnectOptions,
  ) {
    this.log = opts.logger;
    this.watch = new SocketWatch();
    inner.client.on('authenticated', (resp: unknown) => this.watch.expect(resp));
    inner.client.on('disconnected', () => this.onDisconnected());
  }

  init(app: App): void {
    this.inner.init(trackedApp(app, this.inFlight));
  }

  /** Whether the websocket is connected now (false while reconnecting after a drop), for /healthz. */
  get isConnected(): boolean {
    return this.connected;
  }

  /** Connects, giving up at `deadline` (epoch milliseconds; `connectTimeoutMs` from now by default). */
  async start(deadline = Date.now() + this.opts.connectTimeoutMs): Promise<void> {
    const stopping = new AbortController();
    this.stopping = stopping;
    this.watch.subscribe();
    try {
      await this.connect(stopping.signal, deadline);
      this.connected = true;
    } catch (e) {
      this.watch.unsubscribe();
      throw e;
    }
  }

  async stop(): Promise<void> {
    this.connected = false;
    this.stopping?.abort();
    await this.disconnect();
    this.watch.unsubscribe();
  }

  /**
   * Attempts until connected. With a deadline (start-up), gives up once it passes; without one (after a
   * drop), keeps trying until stopped. Each attempt gets at most {@link ATTEMPT_TIMEOUT_MS}.
   */
  private async connect(signal: AbortSignal, deadline?: number): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const limit = Math.min(ATTEMPT_TIMEOUT_MS, deadline === undefined ? Infinity : Math.max(1, deadline - Date.now()));
      const result = await this.attempt(limit, signal);
      if (result.ok) {
        if (attempt > 1 || deadline === undefined) this.log.info({ host: this.watch.host, attempt }, 'Slack Socket Mode websocket connected');
        return;
      }
      if ('stopped' in result) throw new Error('Slack start-up was stopped before Socket Mode connected.');
      if (result.fatal && deadline !== undefined) throw new Error(result.fatal);
      const delay = Math.min(this.opts.retry.maxMs, this.opts.retry.firstMs * 2 ** (attempt - 1));
      if (deadline !== undefined && Date.now() + delay >= deadline) {
        const where = this.watch.host ? ` at ${this.watch.host}` : '';
        const tries = `${attempt} attempt${attempt === 1 ? '' : 's'}`;
        throw new Error(
          `Could not connect to the Slack Socket Mode websocket${where} within ${seconds(this.opts.connectTimeoutMs)} (${tries}): ${result.reason}.`,
        );
      }
      const level = result.fatal ? 'error' : 'warn';
      this.log[level](
        { host: this.watch.host ?? null, attempt, reason: result.reason, retryInMs: delay },
        `Slack Socket Mode websocket connection failed: ${result.reason}; retrying in ${seconds(delay)}`,
      );
      if (!(await sleep(delay, signal))) throw new Error('Slack start-up was stopped before Socket Mode connected.');
    }
  }

  /** One connection attempt: apps.connections.open, the websocket handshake, and Slack's hello. */
  private async attempt(limitMs: number, signal: AbortSignal): Promise<Attempt> {
    this.watch.begin();
    const started = this.inner.start().then(
      () => ({ ok: true }) as const,
      (e: unknown) => ({ ok: false, error: e }) as const,
    );
    const first = await within(started, limitMs, signal);
    if (first === 'timeout' || first === 'stopped') {
      // NOTE: read before disconnecting: closing the socket here is not the attempt's failure.
      const stalled = this.watch.stalled();
      await this.disconnect();
      // NOTE: an apps.connections.open answer arriving after this still opens a websocket: close that one too.
      void started.then((r) => (r.ok ? this.disconnect() : undefined));
      return first === 'stopped' ? { ok: false, stopped: true } : { ok: false, reason: stalled };
    }
    if (first.ok) return { ok: true };
    if (signal.aborted) return { ok: false, stopped: true };
    // NOTE: the client rejects with no error when the websocket failed; the reason was seen on the way.
    if (first.error === undefined) return { ok: false, reason: this.watch.reason() ?? 'the websocket closed before Slack said hello' };
    const api = describeSlackApiError(first.error);
    const reason = `apps.connections.open failed: ${api.reason}`;
    if (api.platformError && APP_TOKEN_ERRORS.has(api.platformError)) {
      return {
        ok: false,
        reason,
        fatal: `Slack did not accept SLACK_APP_TOKEN (${api.platformError}). Check the app-level token (xapp-…, with the connections:write scope).`,
      };
    }
    return { ok: false, reason };
  }

  /** A connection that dropped after start-up is reconnected here (Bolt's own reconnecting is off). */
  private onDisconnected(): void {
    const signal = this.stopping?.signal;
    if (!this.connected || !signal || signal.aborted) return;
    this.connected = false;
    // NOTE: undici reports the close code only after the close event this runs in: read it a tick later.
    void Promise.resolve()
      .then(() => {
        const reason = this.watch.reason() ?? 'the websocket closed';
        // NOTE: Slack closes connections cleanly (1000) from time to time and expects the app to reconnect.
        const level = this.watch.closeCode === 1000 ? 'info' : 'warn';
        this.log[level]({ host: this.watch.host ?? null, reason }, `Slack Socket Mode websocket closed (${reason}); reconnecting`);
        return this.connect(signal);
      })
      .then(
        () => {
          if (!signal.aborted) this.connected = true;
        },
        () => undefined,
      );
  }

  /** Disconnects the client and releases its socket and timers, also mid-handshake. */
  private async disconnect(): Promise<void> {
    const client = this.inner.client;
    const done = client.disconnect();
    if ((await within(done, 2_000)) === 'timeout') forceCleanup(client);
    clearStrayCloseTimer(client);
  }
}

/**
 * Why Socket Mode connection attempts fail. Bolt's websocket (undici) reports failures without a reason, so
 * this reads undici's diagnostics channels, for the one websocket URL Slack handed out last.
 * https://undici.nodejs.org/#/docs/api/DiagnosticsChannel
 */
class SocketWatch {
  private target: { origin: string; path: string; href: string; host: string } | undefined;
  private failure: string | undefined;
  private opened = false;
  private subscribed = false;
  /** The close code of the websocket's last close, if it had one. */
  closeCode: number | undefined;

  get host(): string | undefined {
    return this.target?.host;
  }

  /** Takes the websocket URL from an apps.connections.open answer. */
  expect(resp: unknown): void {
    const r = z.object({ url: z.string() }).safeParse(resp);
    if (!r.success) return;
    try {
      const u = new URL(r.data.url);
      const origin = `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}`;
      this.target = { origin, path: `${u.pathname}${u.search}`, href: u.href, host: u.host };
    } catch {
      this.target = undefined;
    }
  }

  begin(): void {
    this.failure = undefined;
    this.opened = false;
    this.closeCode = undefined;
  }

  /** Why the attempt failed, when a channel said. */
  reason(): string | undefined {
    return this.failure;
  }

  /** Why an attempt that ran out of time had not connected. */
  stalled(): string {
    if (this.failure) return this.failure;
    if (!this.target) return 'apps.connections.open did not answer (timed out)';
    return this.opened ? 'the websocket opened but Slack sent no hello (timed out)' : 'no answer to the websocket handshake (timed out)';
  }

  subscribe(): void {
    if (this.subscribed) return;
    this.subscribed = true;
    for (const [name, fn] of this.handlers) diagnostics.subscribe(name, fn);
  }

  unsubscribe(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    for (const [name, fn] of this.handlers) diagnostics.unsubscribe(name, fn);
  }

  private isOurs(request: { origin: unknown; path: string }): boolean {
    if (!this.target) return false;
    try {
      return new URL(String(request.origin)).origin === this.target.origin && request.path === this.target.path;
    } catch {
      return false;
    }
  }

  private note(reason: string): void {
    this.failure ??= reason;
  }

  private readonly handlers: Array<[string, (message: unknown) => void]> = [
    [
      'undici:request:error',
      (m) => {
        const r = requestErrorSchema.safeParse(m);
        if (!r.success || !this.isOurs(r.data.request) || r.data.error.name === 'AbortError') return;
        this.note(networkReason(r.data.error.code, r.data.error.message));
      },
    ],
    [
      'undici:request:headers',
      (m) => {
        const r = requestHeadersSchema.safeParse(m);
        if (!r.success || !this.isOurs(r.data.request) || r.data.response.statusCode === 101) return;
        this.note(`the server answered HTTP ${r.data.response.statusCode} instead of upgrading to a websocket`);
      },
    ],
    [
      'undici:websocket:open',
      (m) => {
        const r = websocketSchema.safeParse(m);
        if (r.success && r.data.websocket.url === this.target?.href) this.opened = true;
      },
    ],
    [
      'undici:websocket:close',
      (m) => {
        const r = websocketCloseSchema.safeParse(m);
        if (!r.success || r.data.websocket.url !== this.target?.href) return;
        const { code, reason } = r.data;
        this.closeCode = code;
        // NOTE: 1006 is no close frame at all: the failure, if any, was noted above.
        this.note(
          code === 1006 ? 'the connection dropped without a close frame (code 1006)' : `closed with code ${code}${reason ? ` (${reason.slice(0, 100)})` : ''}`,
        );
      },
    ],
  ];
}

const requestSchema = z.object({ origin: z.unknown(), path: z.string() });
const requestErrorSchema = z.object({
  request: requestSchema,
  error: z.object({ name: z.string().optional(), code: z.union([z.string(), z.number()]).optional(), message: z.string().optional() }),
});
const requestHeadersSchema = z.object({ request: requestSchema, response: z.object({ statusCode: z.number() }) });
const websocketSchema = z.object({ websocket: z.object({ url: z.string() }) });
const websocketCloseSchema = websocketSchema.extend({ code: z.number(), reason: z.string() });

/** The parts of a Slack Web API error that say what went wrong, in words. */
export function describeSlackApiError(e: unknown): { kind: 'platform' | 'network' | 'http' | 'other'; reason: string; platformError?: string } {
  const x = z
    .object({
      code: z.string().optional(),
      message: z.string().optional(),
      data: z.object({ error: z.string() }).optional(),
      statusCode: z.number().optional(),
      original: z.unknown().optional(),
    })
    .safeParse(e);
  if (!x.success) return { kind: 'other', reason: String(e).slice(0, 200) };
  const { code, data, statusCode, original, message } = x.data;
  if (code === 'slack_webapi_platform_error' && data) return { kind: 'platform', reason: `Slack answered ${data.error}`, platformError: data.error };
  if (code === 'slack_webapi_http_error' && statusCode !== undefined) return { kind: 'http', reason: `the server answered HTTP ${statusCode}` };
  if (code === 'slack_webapi_rate_limited_error') return { kind: 'http', reason: 'Slack rate-limited the call' };
  if (code === 'slack_webapi_request_error') {
    const o = z
      .object({
        name: z.string().optional(),
        message: z.string().optional(),
        cause: z.object({ code: z.string().optional(), message: z.string().optional() }).optional(),
      })
      .safeParse(original);
    if (!o.success) return { kind: 'network', reason: 'a network error with no details' };
    if (o.data.name === 'TimeoutError') return { kind: 'network', reason: 'no answer in time (timed out)' };
    if (o.data.name === 'AbortError') return { kind: 'network', reason: 'the request was cancelled' };
    return { kind: 'network', reason: networkReason(o.data.cause?.code, o.data.cause?.message ?? o.data.message) };
  }
  return { kind: 'other', reason: (message ?? 'an unknown error').slice(0, 200) };
}

/** Waits `ms`; false when `signal` aborted first. */
async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return (await within(new Promise<never>(() => undefined), ms, signal)) === 'timeout';
}

/** "2 s", "500 ms". */
export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}

// NOTE: the two functions below reach into @slack/socket-mode 3.1's SlackWebSocket (the client's `websocket`),
// defensively: on any other shape they do nothing.

/**
 * SlackWebSocket, told to disconnect while still connecting, fails the socket at once but then arms a 30 s
 * close-handshake timer that nothing clears, which would keep the process alive for 30 s. Once the socket is
 * gone (its `websocket` is null), that timer has nothing left to do.
 */
function clearStrayCloseTimer(client: object): void {
  const ws: unknown = Reflect.get(client, 'websocket');
  if (typeof ws !== 'object' || ws === null || Reflect.get(ws, 'websocket') !== null) return;
  const timer: unknown = Reflect.get(ws, 'closeHandshakeTimeout');
  if (timer !== undefined) clearTimeout(timer as NodeJS.Timeout);
}

/** Releases a socket whose peer does not answer the close handshake (SlackWebSocket would wait 30 s). */
function forceCleanup(client: object): void {
  const ws: unknown = Reflect.get(client, 'websocket');
  if (typeof ws !== 'object' || ws === null) return;
  const cleanup: unknown = Reflect.get(ws, 'cleanup');
  if (typeof cleanup === 'function') (cleanup as () => void).call(ws);
}
