// The serve lifecycle: start the chat adapters in order, stop them all on a signal or a failure. The scheduler will live here.
import { OperatorError } from './errors.js';
import type { Logger } from './logger.js';
import type { ChatAdapter } from './ports.js';

/**
 * A request to stop (SIGTERM from `docker stop`, Ctrl-C). A port so tests drive the lifecycle
 * without sending signals to the test runner.
 */
export interface StopSignal {
  /** Resolves with the reason (e.g. `SIGTERM`) once a stop is asked for. */
  readonly requested: Promise<string>;
  /** The reason, once a stop has been asked for (for checks between synchronous start-up steps). */
  reason(): string | null;
  /** Stops listening (signal handlers removed). */
  dispose(): void;
}

/**
 * SIGINT and SIGTERM as a {@link StopSignal}. Listening starts at once, before any adapter
 * starts, so a stop asked for during start-up is not lost.
 */
export function processStopSignal(proc: NodeJS.Process = process): StopSignal {
  const signal = manualStopSignal();
  const onInt = () => signal.stop('SIGINT');
  const onTerm = () => signal.stop('SIGTERM');
  proc.once('SIGINT', onInt);
  proc.once('SIGTERM', onTerm);
  return {
    requested: signal.requested,
    reason: () => signal.reason(),
    dispose() {
      proc.off('SIGINT', onInt);
      proc.off('SIGTERM', onTerm);
    },
  };
}

/** A StopSignal that a caller fires by hand (tests; an embedding program). */
export function manualStopSignal(): StopSignal & { stop(reason?: string): void } {
  let resolve: (reason: string) => void = () => undefined;
  let given: string | null = null;
  const requested = new Promise<string>((r) => {
    resolve = r;
  });
  return {
    requested,
    reason: () => given,
    dispose: () => undefined,
    stop: (reason = 'stop') => {
      given ??= reason;
      resolve(given);
    },
  };
}

/**
 * Work that runs beside the adapters while serving: the live ingest, the trending scheduler, alert
 * delivery. Started once every adapter is up (they post through them), stopped before the adapters
 * on shutdown, so in-flight posts finish (or are recorded as not done) while the platforms still answer.
 */
export interface BackgroundJob {
  readonly name: string;
  start(adapters: readonly ChatAdapter[]): void;
  /** Resolves once in-flight work has finished or been recorded as not done. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  adapters: readonly ChatAdapter[];
  /** Started after the adapters, stopped before them. */
  jobs?: readonly BackgroundJob[];
  logger: Logger;
  stop: StopSignal;
  /** How long one adapter may take to stop before it is left behind (milliseconds). */
  stopTimeoutMs?: number;
  /**
   * Resolves with an error that ends serving (the database file replaced under it): everything is
   * stopped as on a stop request, then serve throws it, so the process exits non-zero.
   */
  fatal?: Promise<Error>;
}

/**
 * How long one adapter may take to stop. NOTE: `docker stop` sends SIGKILL 10 s after SIGTERM;
 * 4 s each leaves time for two platforms and closing the database.
 */
export const STOP_TIMEOUT_MS = 4_000;

/** How serve ended: stopped on request, or interrupted while still starting. */
export type ServeEnd = { reason: string; startedAll: boolean };

/** Names a platform as operators know it. */
export function platformName(platform: string): string {
  return platform === 'slack' ? 'Slack' : platform === 'discord' ? 'Discord' : platform;
}

/**
 * Runs the adapters until a stop is requested. They start one after another; a stop asked for
 * while one is still starting ends start-up at once (the ones started, and the one starting, are
 * stopped). If one fails to start, the others are stopped and an OperatorError names the platform,
 * so the process never keeps answering with half its platforms.
 */
export async function serve(opts: ServeOptions): Promise<ServeEnd> {
  const { logger, stop } = opts;
  const started: ChatAdapter[] = [];
  const stopAll = async (extra?: ChatAdapter) => {
    const all = extra ? [...started, extra] : [...started];
    for (const a of all.reverse()) await stopWithin(a, opts.stopTimeoutMs ?? STOP_TIMEOUT_MS, logger);
  };
  const fatal = (opts.fatal ?? new Promise<never>(() => undefined)).then((error) => ({ stop: 'fatal', error }) as const);
  const stopped = Promise.race([stop.requested.then((reason) => ({ stop: reason, error: null }) as const), fatal]);
  for (const a of opts.adapters) {
    const starting = a.start().then(
      () => ({ started: true }) as const,
      (e: unknown) => ({ failed: e }) as const,
    );
    const first = await Promise.race([starting, stopped]);
    if ('stop' in first) {
      logger.info({ platform: a.platform, reason: first.stop }, 'stop requested during start-up');
      await stopAll(a);
      if (first.error) throw first.error;
      return { reason: first.stop, startedAll: false };
    }
    if ('failed' in first) {
      await stopAll();
      const message = first.failed instanceof Error ? first.failed.message : String(first.failed);
      throw new OperatorError(`Could not start ${platformName(a.platform)}: ${message}`, [
        `Check the ${a.platform.toUpperCase()}_* variables (see README.md); nothing else was left running.`,
      ]);
    }
    started.push(a);
    logger.info({ platform: a.platform }, 'adapter started');
  }
  const jobs = opts.jobs ?? [];
  for (const j of jobs) {
    j.start(opts.adapters);
    logger.info({ job: j.name }, 'background job started');
  }
  const { stop: reason, error } = await stopped;
  logger.info({ reason }, 'shutting down');
  for (const j of [...jobs].reverse()) await stopJobWithin(j, opts.stopTimeoutMs ?? STOP_TIMEOUT_MS, logger);
  await stopAll();
  if (error) throw error;
  return { reason, startedAll: true };
}

/** Stops one background job, logging (not throwing) a failure or a stop that hangs past `ms`. */
async function stopJobWithin(j: BackgroundJob, ms: number, logger: Logger): Promise<void> {
  try {
    const r = await within(j.stop(), ms);
    if (r === 'timeout') logger.warn({ job: j.name, ms }, 'background job did not stop in time; leaving it');
  } catch (err) {
    logger.warn({ err, job: j.name }, 'background job stop failed');
  }
}

/** Stops one adapter, logging (not throwing) a failure or a stop that hangs past `ms`. */
async function stopWithin(a: ChatAdapter, ms: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
    timer.unref?.();
  });
  try {
    const r = await Promise.race([a.stop().then(() => 'ok' as const), late]);
    if (r === 'late') logger.warn({ platform: a.platform, ms }, 'adapter did not stop in time; leaving it');
  } catch (err) {
    logger.warn({ err, platform: a.platform }, 'adapter stop failed');
  } finally {
    clearTimeout(timer);
  }
}

/** `p`, or 'timeout' after `ms`, or 'stopped' once `signal` aborts; the timer never outlives the race. */
export async function within<T>(p: Promise<T>, ms: number, signal?: AbortSignal): Promise<T | 'timeout' | 'stopped'> {
  if (signal?.aborted) return 'stopped';
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const late = new Promise<'timeout' | 'stopped'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    onAbort = () => resolve('stopped');
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
