// The Socket Mode receiver: Bolt's, with every connection attempt bounded, retried with backoff and logged with its reason.
import type { App, Receiver, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from '../../../src/logger.js';
import { within } from '../../../src/serve.js';
import { describeSlackApiError } from '../apiError.js';
import { clearStrayCloseTimer, forceCleanup } from '../vendorPatches.js';
import { trackedApp, type InFlight } from './inFlight.js';
import { SocketWatch } from './socketWatch.js';

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

/** Waits `ms`; false when `signal` aborted first. */
async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return (await within(new Promise<never>(() => undefined), ms, signal)) === 'timeout';
}

/** "2 s", "500 ms". */
export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}
