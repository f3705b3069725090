// The HTTP mode receiver: a server on the events path that verifies, parses and routes each request to the app, answering at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../../src/logger.js';
import { DEFAULT_BODY_LIMIT, mediaType, parseSlackBody, readLimited, writeAck } from './httpBody.js';
import { type InFlight } from './inFlight.js';
import { verifySlackSignature } from './signature.js';

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
