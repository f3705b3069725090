// Connecting a discord.js client to the gateway: watching every shard's attempts, saying why a start-up failed, and stopping shards for good.
import diagnostics from 'node:diagnostics_channel';
import { ClientRequest } from 'node:http';
import { GatewayCloseCodes, SimpleShardingStrategy, type IShardingStrategy, type WebSocketOptions } from 'discord.js';
import { z } from 'zod';
import { describeError, networkReason, redactSecrets } from '../../src/errorInfo.js';
import type { Logger } from '../../src/logger.js';
import { within } from '../../src/serve.js';

/** The @discordjs/ws manager discord.js builds a sharding strategy for. */
type GatewayManager = Parameters<NonNullable<WebSocketOptions['buildStrategy']>>[0];

/** An event emitter seen loosely (the @discordjs/ws event enum is hidden by discord.js's own enum of that name). */
interface LooseEmitter {
  on(event: string, listener: (payload: unknown) => void): unknown;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const failed = (error: unknown): Outcome<never> => ({ ok: false, error });

/** "2 s", "500 ms". */
export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 100);
  }
}

const errorShape = z.object({
  code: z.unknown().optional(),
  status: z.number().optional(),
  message: z.string().optional(),
  cause: z.object({ code: z.unknown().optional(), message: z.string().optional() }).optional(),
});

/** Why the gateway websocket failed, from the error `ws` or @discordjs/ws reported. */
function gatewayErrorReason(e: unknown, secrets: readonly string[]): string {
  const x = errorShape.safeParse(e);
  const message = redactSecrets(x.success ? (x.data.message ?? '') : String(e), secrets);
  const status = /^Unexpected server response: (\d{3})/.exec(message);
  if (status) return `the server answered HTTP ${status[1]} instead of upgrading to a websocket`;
  if (/handshake has timed out/i.test(message)) return 'no answer to the websocket handshake (timed out)';
  if (x.success && typeof x.data.code === 'string') return networkReason(x.data.code, message);
  return message.slice(0, 200) || 'an error with no message';
}

/** A failed REST call in words, naming DISCORD_API_URL's host, or DISCORD_TOKEN when Discord refused it. */
export function restFailure(e: unknown, apiUrl: string, secrets: readonly string[], what: string): string {
  const host = hostOf(apiUrl);
  const x = errorShape.safeParse(e);
  if (x.success && x.data.status === 401) return `Discord did not accept DISCORD_TOKEN (HTTP 401 when asked to ${what}). Check the bot token ("Bot" page).`;
  if (x.success && x.data.status !== undefined) return `The Discord API at ${host} (DISCORD_API_URL) answered HTTP ${x.data.status} when asked to ${what}.`;
  const code = x.success ? (x.data.code ?? x.data.cause?.code) : undefined;
  if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) {
    return `Could not reach the Discord API at ${host} (DISCORD_API_URL) to ${what}: ${networkReason(code, x.success ? x.data.cause?.message : undefined)}.`;
  }
  return `Could not ${what} through the Discord API at ${host} (DISCORD_API_URL): ${describeError(e, secrets).message || 'no details'}.`;
}

/** Why `client.login()` failed: the token, the REST API, or the gateway. */
export function loginFailure(e: unknown, apiUrl: string, gateway: GatewayWatch, secrets: readonly string[]): string {
  const x = errorShape.safeParse(e);
  if (x.success && x.data.code === 'TokenInvalid')
    return 'Discord did not accept DISCORD_TOKEN (HTTP 401 to GET /gateway/bot). Check the bot token ("Bot" page).';
  if (!gateway.host) return restFailure(e, apiUrl, secrets, 'give the gateway address');
  if (x.success && x.data.message === 'Authentication failed') {
    return 'Discord did not accept DISCORD_TOKEN (the gateway closed with 4004, AuthenticationFailed). Check the bot token ("Bot" page).';
  }
  return `Could not connect to the Discord gateway at ${gateway.host}: ${gatewayErrorReason(e, secrets)}.`;
}

/** Close codes after which discord.js gives up on a shard (as its WebSocketManager lists them). */
const UNRECOVERABLE = new Set([4004, 4010, 4011, 4012, 4013, 4014]);

function closeReason(code: number, hello: boolean): string {
  if (code === 1006) return hello ? 'the connection dropped (code 1006)' : 'the connection dropped before the gateway said hello (code 1006)';
  const name: string | undefined = GatewayCloseCodes[code];
  return `closed with code ${code}${name ? ` (${name})` : ''}`;
}

interface ShardState {
  /** The current attempt: an error reported, and whether the gateway said hello. */
  error?: string;
  hello: boolean;
  ready: boolean;
  /** Failed attempts since the shard was last ready, and why the last one failed. */
  failures: number;
  lastReason?: string;
}

const payloadSchema = z.object({ shardId: z.number() });
const closedSchema = payloadSchema.extend({ code: z.number() });
const errorPayloadSchema = payloadSchema.extend({ error: z.unknown() });
const readySchema = payloadSchema.extend({ data: z.object({ resume_gateway_url: z.string().optional() }).optional() });

/**
 * Watches the gateway connections of one client: logs every failed attempt and retry with its reason, knows
 * why a start-up that ran out of time had not connected, and, once closed, parks shards that @discordjs/ws
 * would otherwise keep reconnecting. Network errors that @discordjs/ws swallows (a refused connection is
 * only a debug line) are read from Node's `http.client.request.error` diagnostics channel.
 */
export class GatewayWatch {
  private url: URL | undefined;
  private readonly hosts = new Set<string>();
  private readonly shards = new Map<number, ShardState>();
  private netError: { reason: string; at: number } | undefined;
  private closed = false;
  private subscribed = false;

  constructor(
    private readonly log: Logger,
    private readonly secrets: readonly string[],
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** The gateway's host, once discord.js has fetched its address. */
  get host(): string | undefined {
    return this.url?.host;
  }

  /** From now on nothing connects, and what is left is not logged. */
  close(): void {
    this.closed = true;
    if (this.subscribed) diagnostics.unsubscribe('http.client.request.error', this.onRequestError);
    this.subscribed = false;
  }

  gateway(url: string): void {
    try {
      this.url = new URL(url);
      this.hosts.add(this.url.host);
      this.log.info({ host: this.url.host }, 'connecting to the Discord gateway');
    } catch {
      this.url = undefined;
    }
    if (!this.subscribed && !this.isClosed) {
      diagnostics.subscribe('http.client.request.error', this.onRequestError);
      this.subscribed = true;
    }
  }

  /** Listens to the manager's shard events (forwarded with their shard id). */
  attach(manager: LooseEmitter): void {
    const state = (id: number): ShardState => {
      let s = this.shards.get(id);
      if (!s) this.shards.set(id, (s = { hello: false, ready: false, failures: 0 }));
      return s;
    };
    manager.on('error', (p) => {
      const r = errorPayloadSchema.safeParse(p);
      if (r.success) state(r.data.shardId).error ??= gatewayErrorReason(r.data.error, this.secrets);
    });
    manager.on('hello', (p) => {
      const r = payloadSchema.safeParse(p);
      if (r.success) state(r.data.shardId).hello = true;
    });
    const connected = (p: unknown) => {
      const r = readySchema.safeParse(p);
      if (!r.success) return;
      const s = state(r.data.shardId);
      const resume = r.data.data?.resume_gateway_url;
      if (resume) this.hosts.add(hostOf(resume));
      if (s.failures > 0 && !this.isClosed) this.log.info({ shard: r.data.shardId, attempts: s.failures + 1 }, 'Discord gateway connected after retrying');
      Object.assign(s, { ready: true, hello: true, failures: 0, lastReason: undefined, error: undefined });
    };
    manager.on('ready', connected);
    manager.on('resumed', connected);
    manager.on('closed', (p) => {
      const r = closedSchema.safeParse(p);
      if (!r.success || this.isClosed) return;
      const { shardId: shard, code } = r.data;
      const s = state(shard);
      const net = code === 1006 && this.netError && Date.now() - this.netError.at < 2_000 ? this.netError.reason : undefined;
      const reason = s.error ?? net ?? closeReason(code, s.hello);
      const wasReady = s.ready;
      Object.assign(s, { error: undefined, hello: false, ready: false, failures: s.failures + 1, lastReason: reason });
      const where = { shard, code, reason, host: this.host ?? null, attempt: s.failures };
      if (UNRECOVERABLE.has(code)) this.log.error(where, `Discord gateway closed the connection (shard ${shard}): ${reason}; not retrying`);
      else if (wasReady && (code === 1000 || code === 4200))
        this.log.info(where, `Discord gateway connection closed (shard ${shard}): ${reason}; reconnecting`);
      else if (wasReady) this.log.warn(where, `Discord gateway connection lost (shard ${shard}): ${reason}; reconnecting`);
      else this.log.warn(where, `Discord gateway connection failed (shard ${shard}): ${reason}; retrying`);
    });
  }

  /** The start-up error once the connect timeout passed. */
  timeoutMessage(ms: number): string {
    if (!this.url)
      return `Could not connect to Discord within ${seconds(ms)}: no gateway address yet (GET /gateway/bot through DISCORD_API_URL did not answer).`;
    const pending = [...this.shards.values()].find((s) => !s.ready) ?? { hello: false, ready: false, failures: 0 };
    const reason =
      pending.error ??
      pending.lastReason ??
      (pending.hello ? 'the gateway said hello, but Discord sent no READY' : 'no answer to the websocket handshake (timed out)');
    const attempts = pending.failures + 1;
    return `Could not connect to the Discord gateway at ${this.url.host} within ${seconds(ms)} (${attempts} attempt${attempts === 1 ? '' : 's'}): ${reason}.`;
  }

  private readonly onRequestError = (message: unknown): void => {
    const m = z.object({ request: z.instanceof(ClientRequest), error: z.unknown() }).safeParse(message);
    if (!m.success) return;
    const req = m.data.request;
    if (req.getHeader('upgrade') !== 'websocket' || !this.hosts.has(String(req.getHeader('host')))) return;
    const e = errorShape.safeParse(m.data.error);
    this.netError = { reason: networkReason(e.success ? e.data.code : undefined, e.success ? e.data.message : undefined), at: Date.now() };
  };
}

/**
 * discord.js's default sharding strategy, watched, and made to stop for good. @discordjs/ws 1.2 has two
 * faults when a client is destroyed while a shard is still connecting: the shard reconnects 500 ms after a
 * failed attempt even when it was destroyed meanwhile (destroying an idle shard does nothing), so a stopped
 * or failed client kept reconnecting for ever; and a websocket still in its handshake is left open without
 * an error listener, so its later failure ("Opening handshake has timed out") is an uncaught exception.
 * Here a closed client's shards wait for good at their next connection attempt (where @discordjs/ws reads
 * the session), and a half-open websocket is terminated.
 */
export class WatchedShardingStrategy implements IShardingStrategy {
  private readonly inner: SimpleShardingStrategy;

  constructor(
    private readonly manager: GatewayManager,
    private readonly watch: GatewayWatch,
  ) {
    this.inner = new SimpleShardingStrategy(manager);
    const retrieve = manager.options.retrieveSessionInfo.bind(manager.options);
    manager.options.retrieveSessionInfo = (shardId) => (watch.isClosed ? new Promise(() => undefined) : retrieve(shardId));
    watch.attach(manager as unknown as LooseEmitter);
  }

  async spawn(shardIds: number[]): Promise<void> {
    if (this.watch.isClosed) return;
    this.watch.gateway((await this.manager.fetchGatewayInformation()).url);
    await this.inner.spawn(shardIds);
  }

  async connect(): Promise<void> {
    if (this.watch.isClosed) return;
    await this.inner.connect();
  }

  async destroy(options?: Parameters<IShardingStrategy['destroy']>[0]): Promise<void> {
    const shards = shardsOf(this.inner);
    // NOTE: a shard destroyed while a concurrent destroy of its own is under way can wait for ever.
    await within(Promise.resolve(this.inner.destroy(options)), 2_000);
    for (const shard of shards) releaseConnection(shard);
  }

  send(shardId: number, payload: Parameters<IShardingStrategy['send']>[1]): Promise<void> {
    return this.inner.send(shardId, payload);
  }

  fetchStatus(): ReturnType<IShardingStrategy['fetchStatus']> {
    return this.inner.fetchStatus();
  }
}

// NOTE: the two functions below reach into @discordjs/ws 1.2 (SimpleShardingStrategy#shards and
// WebSocketShard#connection, a `ws` WebSocket) defensively: on any other shape they do nothing.

function shardsOf(strategy: SimpleShardingStrategy): object[] {
  const shards: unknown = Reflect.get(strategy, 'shards');
  if (!(shards instanceof Map)) return [];
  return [...(shards as Map<unknown, unknown>).values()].filter((s): s is object => typeof s === 'object' && s !== null);
}

/** Terminates a shard's websocket that is not closed yet, with a listener for the error that follows. */
function releaseConnection(shard: object): void {
  const ws: unknown = Reflect.get(shard, 'connection');
  if (typeof ws !== 'object' || ws === null) return;
  const on: unknown = Reflect.get(ws, 'on');
  const terminate: unknown = Reflect.get(ws, 'terminate');
  // NOTE: ws readyState 3 is CLOSED.
  if (typeof on !== 'function' || typeof terminate !== 'function' || Reflect.get(ws, 'readyState') === 3) return;
  (on as (event: string, fn: () => void) => void).call(ws, 'error', () => undefined);
  (terminate as () => void).call(ws);
}
