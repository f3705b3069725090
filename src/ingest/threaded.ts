// serve's live ingest seen from the main thread: the real LiveIngest runs on its own worker thread; this proxy keeps its surface and restarts a crashed thread.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PROJECT_ROOT } from '../config.js';
import type { Logger } from '../logger.js';
import type { BackgroundJob } from '../serve.js';
import type { DailyLists } from '../store/dailyLists.js';
import { latestOf, realTimers, type LiveStatus, type Timers } from './live.js';
import { relayLog } from './threadLogger.js';
import type { FromIngestThread, IngestCall, IngestThreadInit, RunSummary, ToIngestThread } from './threadMessages.js';

/** How long one request to the thread (a run, a freshness check) may take before it is answered with an error (milliseconds). */
// NOTE: a 1,000-paper day is 10 pages, each with HF_TIMEOUT_MS and retries; the scheduler waits less for its own freshening.
export const CALL_TIMEOUT_MS = 180_000;
/** How long stop waits for the run in progress to end or be aborted before the thread is terminated (milliseconds). */
export const STOP_TIMEOUT_MS = 3_000;

/** When a crashed thread is started again: after `firstMs`, doubling up to `maxMs`; after `maxCrashes` crashes in a row, each within `quickMs` of its start, no more. */
export interface RestartPolicy {
  firstMs: number;
  maxMs: number;
  quickMs: number;
  maxCrashes: number;
}

export const RESTART: RestartPolicy = { firstMs: 1_000, maxMs: 30_000, quickMs: 60_000, maxCrashes: 5 };

export interface ThreadedIngestOptions {
  init: IngestThreadInit;
  logger: Logger;
  /** The main thread's own daily lists: `status()` sees another process's fetch at once. */
  lists: Pick<DailyLists, 'lastFetchedAt'> | null;
  /** Starts a thread (default: the build's `ingest/thread.js`); tests pass one that crashes. */
  spawn?: (init: IngestThreadInit) => Worker;
  /** Timers for request deadlines and restart backoff. */
  timers?: Timers;
  callTimeoutMs?: number;
  stopTimeoutMs?: number;
  restart?: Partial<RestartPolicy>;
}

/**
 * The compiled thread script. NOTE: run from the build it is this file's sibling; run from source
 * (vitest, tsx) it is the build's (`npm run build`; the test setup builds), since a worker thread
 * cannot load TypeScript.
 */
export function ingestThreadFile(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.js') ? path.join(path.dirname(here), 'thread.js') : path.join(PROJECT_ROOT, 'dist/src/ingest/thread.js');
}

const spawnThread = (init: IngestThreadInit) => new Worker(ingestThreadFile(), { workerData: init });

interface Pending {
  resolve(v: RunSummary | null): void;
  reject(e: Error): void;
  timer: unknown;
}

/**
 * What serve's scheduler, health endpoint and lifecycle use of the live ingest (`start`, `stop`,
 * `runOnce`, `ensureFresh`, `status`), with the work on a worker thread. Papers the thread stores
 * reach this thread's search through the database (the index re-reads what another connection
 * committed). The thread's status is pushed on every change, so `status()` stays synchronous. A
 * thread that crashes is logged and started again with backoff; after too many quick crashes the
 * live ingest stays off, says so in `status().lastError` (and /healthz), and serve goes on.
 */
export class ThreadedIngest implements BackgroundJob {
  readonly name = 'live-ingest';
  private readonly log: Logger;
  private readonly timers: Timers;
  private readonly policy: RestartPolicy;
  private readonly pending = new Map<number, Pending>();
  private worker: Worker | null = null;
  private spawnedAt = 0;
  private nextId = 0;
  private started = false;
  private stopped = false;
  private terminating = false;
  private crashes = 0;
  private restartTimer: unknown = null;
  private problem: string | null = null;
  private gaveUp = false;
  private pushed: LiveStatus | null = null;
  private lastDate: string | null = null;
  private onStopped: (() => void) | null = null;

  constructor(private readonly opts: ThreadedIngestOptions) {
    this.log = opts.logger.child({ job: 'live-ingest' });
    this.timers = opts.timers ?? realTimers;
    this.policy = { ...RESTART, ...opts.restart };
  }

  /** Starts the thread (if it is not running yet), which ingests today's list at once and then on its schedule. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.post({ type: 'start' });
  }

  /** Fetches and stores one day's list now (today's in PAPERBOY_TIMEZONE by default), in the thread. */
  async runOnce(date?: string): Promise<RunSummary> {
    const r = await this.call({ method: 'runOnce', ...(date !== undefined ? { date } : {}) });
    if (!r) throw new Error('the live ingest thread answered a run with nothing');
    return r;
  }

  /** Fetches the day's list unless any process fetched it within `maxAgeMs`; null when it was fresh. */
  ensureFresh(date?: string, maxAgeMs?: number): Promise<RunSummary | null> {
    return this.call({ method: 'ensureFresh', ...(date !== undefined ? { date } : {}), ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) });
  }

  /** The thread's last pushed status, with the latest fetch any process recorded in the database. */
  status(): LiveStatus {
    return {
      lastSuccessAt: latestOf(this.pushed?.lastSuccessAt ?? null, this.opts.lists?.lastFetchedAt() ?? null),
      lastError: this.problem ?? this.pushed?.lastError ?? null,
      lastDate: this.pushed?.lastDate ?? this.lastDate,
      running: this.started && !this.gaveUp,
    };
  }

  /** Stops the run in progress (its fetch is aborted; a write under way ends first), waits up to `stopTimeoutMs`, then ends the thread. */
  async stop(): Promise<void> {
    this.started = false;
    this.stopped = true;
    if (this.restartTimer !== null) this.timers.clear(this.restartTimer);
    this.restartTimer = null;
    const w = this.worker;
    if (!w) return;
    this.terminating = true;
    const limit = this.opts.stopTimeoutMs ?? STOP_TIMEOUT_MS;
    let timer: unknown = null;
    const ended = await new Promise<'stopped' | 'timeout'>((resolve) => {
      this.onStopped = () => resolve('stopped');
      w.once('exit', () => resolve('stopped'));
      timer = this.timers.set(() => resolve('timeout'), limit);
      w.postMessage({ type: 'stop' } satisfies ToIngestThread);
    });
    this.timers.clear(timer);
    this.onStopped = null;
    if (ended === 'timeout') this.log.warn({ waitedMs: limit }, 'the live ingest thread did not stop in time; ending it (a day it was writing is not kept)');
    await w.terminate();
    this.worker = null;
    this.failPending('the live ingest stopped');
  }

  private call(c: IngestCall): Promise<RunSummary | null> {
    if (this.stopped) return Promise.reject(new Error('the live ingest is stopped'));
    if (this.gaveUp) return Promise.reject(new Error(this.problem ?? 'the live ingest is off'));
    if (this.restartTimer !== null) return Promise.reject(new Error('the live ingest thread is restarting after a crash'));
    const id = ++this.nextId;
    const limit = this.opts.callTimeoutMs ?? CALL_TIMEOUT_MS;
    return new Promise<RunSummary | null>((resolve, reject) => {
      const timer = this.timers.set(() => {
        this.pending.delete(id);
        reject(new Error(`the live ingest thread did not answer within ${Math.round(limit / 1000)} s`));
      }, limit);
      this.pending.set(id, { resolve, reject, timer });
      this.post({ type: 'call', id, ...c });
    });
  }

  private post(m: ToIngestThread): void {
    const w = this.thread();
    if (w) w.postMessage(m);
  }

  /** The running thread, started when first needed (a shard process only calls ensureFresh, never start). */
  private thread(): Worker | null {
    if (this.worker) return this.worker;
    if (this.stopped || this.gaveUp) return null;
    const w = (this.opts.spawn ?? spawnThread)(this.opts.init);
    // NOTE: like the in-process ingest's timers, the thread never keeps a stopping process alive.
    w.unref();
    this.worker = w;
    this.spawnedAt = performance.now();
    this.terminating = false;
    w.on('message', (m: FromIngestThread) => this.onMessage(w, m));
    w.on('error', (e) => {
      if (w === this.worker) this.log.error({ err: e }, 'the live ingest thread failed');
    });
    w.on('exit', (code) => this.onExit(w, code));
    return w;
  }

  private onMessage(w: Worker, m: FromIngestThread): void {
    if (m.type === 'log') {
      relayLog(this.opts.logger, m);
      return;
    }
    if (w !== this.worker) return;
    switch (m.type) {
      case 'status':
        this.pushed = m.status;
        this.lastDate = m.status.lastDate ?? this.lastDate;
        this.problem = null;
        return;
      case 'result': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.timers.clear(p.timer);
        if (m.ok) p.resolve(m.value);
        else p.reject(new Error(m.error));
        return;
      }
      case 'unavailable':
        this.log.warn({ reason: m.reason }, 'live ingest is off: serving the papers already stored');
        return;
      case 'stopped':
        this.onStopped?.();
        return;
      case 'ready':
        return;
    }
  }

  private onExit(w: Worker, code: number): void {
    if (w !== this.worker) return;
    this.worker = null;
    if (this.terminating || this.stopped) return;
    this.failPending(`the live ingest thread stopped unexpectedly (exit code ${code})`);
    const quick = performance.now() - this.spawnedAt < this.policy.quickMs;
    this.crashes = quick ? this.crashes + 1 : 1;
    if (this.crashes >= this.policy.maxCrashes) {
      this.gaveUp = true;
      this.problem = `the live ingest thread crashed ${this.crashes} times in a row; live ingest is off until serve restarts`;
      this.log.error({ exitCode: code, crashes: this.crashes }, `${this.problem}: serving the papers already stored`);
      return;
    }
    const wait = Math.min(this.policy.maxMs, this.policy.firstMs * 2 ** (this.crashes - 1));
    this.problem = `the live ingest thread crashed (exit code ${code}); starting it again`;
    this.log.error({ exitCode: code, crashes: this.crashes, restartInMs: wait }, 'the live ingest thread crashed; starting it again');
    this.restartTimer = this.timers.set(() => {
      this.restartTimer = null;
      if (this.started) this.post({ type: 'start' });
    }, wait);
  }

  private failPending(why: string): void {
    for (const [id, p] of this.pending) {
      this.timers.clear(p.timer);
      this.pending.delete(id);
      p.reject(new Error(why));
    }
  }
}
