// Wake-ups between replicas on PostgreSQL: NOTIFY in the writing transaction, LISTEN on one dedicated connection that is opened again when lost.
import pg from 'pg';
import type { Logger } from '../../logger.js';
import type { SignalChannel, Signals, Sql } from '../../ports.js';

/** Every channel, listened to together on the one connection. */
const CHANNELS: readonly SignalChannel[] = ['subscriptions', 'alerts'];
/** NOTE: milliseconds between two tries to listen again while the server is away. */
export const RELISTEN_MS = 2_000;

/** The PostgreSQL channel a signal goes out on. */
export function channelName(channel: SignalChannel): string {
  return `paperboy_${channel}`;
}

export interface PostgresSignalsOptions {
  pool: pg.Pool;
  /** Where a notify outside a transaction is sent. */
  sql: Sql;
  logger: Logger;
  /** The database as the operator knows it (the URL without its password). */
  where: string;
  relistenMs?: number;
}

/**
 * NOTIFY is sent with `pg_notify` through the writer's transaction handle, so the server delivers it
 * at commit (and drops it on rollback). The first `on` opens one pool connection that LISTENs on
 * every channel; it is never given back to the pool. When it is lost (a restart, a killed backend)
 * it is opened again at once and then every {@link RELISTEN_MS} until it works, and every listener
 * is called once listening again (a wake-up sent meanwhile was missed). A lost connection is one
 * warning per outage.
 */
export class PostgresSignals implements Signals {
  private readonly listeners = new Map<string, Set<() => void>>();
  private client: pg.PoolClient | null = null;
  private connecting: Promise<void> | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private failing = false;
  private closed = false;
  private ready = deferred();

  constructor(private readonly opts: PostgresSignalsOptions) {}

  async notify(channel: SignalChannel, tx?: Sql): Promise<void> {
    await (tx ?? this.opts.sql).run('SELECT pg_notify(?, ?)', [channelName(channel), '']);
  }

  on(channel: SignalChannel, fn: () => void): () => void {
    const name = channelName(channel);
    const fns = this.listeners.get(name) ?? new Set<() => void>();
    this.listeners.set(name, fns);
    fns.add(fn);
    this.listen();
    return () => fns.delete(fn);
  }

  /** Resolves once this process listens (after a lost connection, once it listens again). */
  listening(): Promise<void> {
    return this.ready.promise;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    await this.connecting;
    const c = this.client;
    this.client = null;
    c?.release(true);
  }

  private listen(): void {
    if (this.closed || this.client || this.connecting) return;
    this.connecting = this.connect().finally(() => {
      this.connecting = null;
    });
  }

  private async connect(): Promise<void> {
    let c: pg.PoolClient | null = null;
    try {
      c = await this.opts.pool.connect();
      const client = c;
      client.on('notification', (msg) => this.wake(msg.channel));
      client.on('error', (e) => {
        if (this.client === client) this.lost(e);
      });
      for (const ch of CHANNELS) await client.query(`LISTEN ${pg.escapeIdentifier(channelName(ch))}`);
      if (this.closed) {
        client.release(true);
        return;
      }
      this.client = client;
      if (this.failing) this.opts.logger.info({ database: this.opts.where }, 'listening for other replicas’ wake-ups again');
      this.failing = false;
      this.ready.resolve();
      // NOTE: whatever was signalled while nobody here listened (before start, during an outage) was missed: everyone looks once.
      for (const name of this.listeners.keys()) this.wake(name);
    } catch (e) {
      c?.release(true);
      this.failed(e);
      if (!this.closed) {
        this.retry = setTimeout(() => {
          this.retry = null;
          this.listen();
        }, this.opts.relistenMs ?? RELISTEN_MS);
        this.retry.unref();
      }
    }
  }

  private lost(e: unknown): void {
    const c = this.client;
    this.client = null;
    this.ready = deferred();
    c?.release(true);
    this.failed(e);
    // NOTE: at once, not at the next retry: a killed backend on a live server is back in milliseconds.
    this.listen();
  }

  private failed(e: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.opts.logger.warn(
      { database: this.opts.where, reason: e instanceof Error ? e.message : String(e) },
      `lost the connection that hears other replicas’ wake-ups (LISTEN); polling meanwhile, listening again every ${(this.opts.relistenMs ?? RELISTEN_MS) / 1000} s`,
    );
  }

  private wake(name: string): void {
    for (const fn of [...(this.listeners.get(name) ?? [])]) fn();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
