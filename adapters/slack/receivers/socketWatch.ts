// Why Socket Mode connection attempts fail, read from undici's diagnostics channels (Bolt's websocket gives no reason).
import diagnostics from 'node:diagnostics_channel';
import { z } from 'zod';
import { networkReason } from '../../../src/errorInfo.js';

/**
 * Why Socket Mode connection attempts fail. Bolt's websocket (undici) reports failures without a reason, so
 * this reads undici's diagnostics channels, for the one websocket URL Slack handed out last.
 * https://undici.nodejs.org/#/docs/api/DiagnosticsChannel
 */
export class SocketWatch {
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
