// The Inbound `serve` gives chat adapters: commands and completions run in worker threads (piscina), so the thread reading requests only acknowledges and sends.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { AnyCommand, Completion } from '../command.js';
import { PROJECT_ROOT } from '../config.js';
import { APOLOGY } from '../dispatch.js';
import { OperatorError } from '../errors.js';
import { realTimers, type Timers } from '../ingest/live.js';
import type { Logger } from '../logger.js';
import type { Caller, Inbound, Invocation } from '../ports.js';
import type { Reply } from '../reply.js';
import { sharedLeastBusy } from './balancer.js';
import { exposeCaller, type WireCaller } from './callerRpc.js';
import { CompleteLane, type CompleteLaneOptions } from './completeLane.js';
import { isWorkerStatus, type PoolResult, type PoolTask, type WorkerSetup } from './protocol.js';

/** What a user is told when every worker is busy and the queue is full: an answer now instead of everyone's answer late. */
export const BUSY_MESSAGE = "I'm busy answering other questions; try again in a moment.";

export const BUSY_REPLY: Reply = { kind: 'error', message: BUSY_MESSAGE, hints: [], visibility: 'ephemeral', code: 'busy' };

export interface WorkerPoolOptions {
  /** The command list (the same module the workers load), for `commands` and `find` on this thread. */
  commands: readonly AnyCommand[];
  setup: WorkerSetup;
  logger: Logger;
  /** Worker threads (PAPERBOY_WORKERS). */
  workers: number;
  /** Commands that may wait for a worker beyond those running (PAPERBOY_QUEUE); more are answered {@link BUSY_REPLY}. */
  queue: number;
  /**
   * Tasks one worker holds at once. Search work is synchronous, so they run one after another; the
   * others fill the time a command awaits (an LLM answer, a `mayManage` call back to this thread).
   */
  tasksPerWorker?: number;
  complete?: Partial<CompleteLaneOptions>;
  /** The compiled worker module (default: `worker.js` beside this file, see {@link defaultWorkerFile}). */
  workerFile?: string;
  /** Timers for autocomplete's staleness and commands' deadlines (tests pass fake ones). */
  timers?: Timers;
  /** How long one command may run in a worker before it is answered with the apology and its worker is ended (default {@link TASK_DEADLINE_MS}). */
  taskTimeoutMs?: number;
}

/**
 * How long one command may take in a worker (milliseconds). NOTE: generous next to the slowest real
 * answer (an `ask` waiting on its LLM call, which has its own deadline), so it only ends what is stuck.
 */
export const TASK_DEADLINE_MS = 60_000;

/** What a command's deadline leaves beyond LLM_TIMEOUT_MS when that is the longer wait (milliseconds). */
export const LLM_DEADLINE_MARGIN_MS = 30_000;

/**
 * The compiled worker module. NOTE: worker threads run JavaScript only: compiled, it is the sibling
 * file; run from source (vitest, tsx) it is the build's (`npm run build`; the test setup builds).
 */
export function defaultWorkerFile(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.js') ? path.join(path.dirname(here), 'worker.js') : path.join(PROJECT_ROOT, 'dist/src/pool/worker.js');
}

export const DEFAULT_TASKS_PER_WORKER = 4;

/** How much lower the workers' CPU priority is than the main thread's (a nice increment; 0 to 19). */
export const WORKER_NICE = 10;

/**
 * An {@link Inbound} over a pool of worker threads, each with its own app (its own SQLite connection
 * and search index over the same file) running the real Dispatcher. Commands beyond the workers and
 * the queue are answered busy at once; completions go through their own {@link CompleteLane}, so a
 * burst of keystrokes never delays a command. `start` resolves once every worker has built and warmed
 * its app: open the chat ports after it.
 */
export class WorkerPool implements Inbound {
  readonly commands: readonly AnyCommand[];
  private readonly pool: Piscina<PoolTask, PoolResult>;
  private readonly logger: Logger;
  private readonly capacity: number;
  private readonly lane: CompleteLane;
  private commandsInFlight = 0;
  private readonly ready: Promise<void>;
  private readonly timers: Timers;
  private readonly deadlineMs: number;
  /** Set once start-up is done: from then on a worker that cannot start loses the pool. */
  private started = false;
  private closing = false;
  /** The last error a worker thread failed with, for the line that says why the pool was lost. */
  private threadError: string | undefined;
  private loseWith: ((e: Error) => void) | undefined;
  /**
   * Resolves (never rejects) once the pool cannot answer any more: after start-up, a replacement worker
   * could not start (it reported its app could not be built, or its thread failed before it was ready,
   * after which piscina replaces no more workers). Serve ends on it, non-zero, so a supervisor restarts
   * the whole process cleanly instead of it apologising for every command or queueing them forever.
   */
  readonly lost: Promise<Error>;

  constructor(private readonly opts: WorkerPoolOptions) {
    this.commands = opts.commands;
    this.logger = opts.logger.child({ component: 'worker-pool' });
    const perWorker = opts.tasksPerWorker ?? DEFAULT_TASKS_PER_WORKER;
    this.capacity = opts.workers * perWorker + opts.queue;
    this.timers = opts.timers ?? realTimers;
    this.deadlineMs = opts.taskTimeoutMs ?? TASK_DEADLINE_MS;
    this.lost = new Promise<Error>((resolve) => (this.loseWith = resolve));
    const laneOpts = { maxRunning: opts.workers, ...opts.complete };
    this.pool = new Piscina<PoolTask, PoolResult>({
      filename: opts.workerFile ?? defaultWorkerFile(),
      workerData: opts.setup,
      minThreads: opts.workers,
      maxThreads: opts.workers,
      // NOTE: workers never idle out: each holds a warmed app that costs seconds to build again.
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: perWorker,
      loadBalancer: sharedLeastBusy(perWorker),
      // NOTE: bounded by what this pool's own gates admit (commands, completions), so it never refuses those, but
      // nothing queues without limit (linkThread is not gated); piscina's default is no limit.
      maxQueue: this.capacity + (laneOpts.maxRunning ?? 1),
      // NOTE: a worker's event loop must keep running between tasks (caller calls, logs), so no Atomics.wait.
      atomics: 'disabled',
      // NOTE: workers run at a lower CPU priority (nice +10, per thread on Linux, through @napi-rs/nice), so on a busy
      // machine the thread that reads and acknowledges chat requests is scheduled before answer work.
      niceIncrement: WORKER_NICE,
    });
    this.ready = new Promise<void>((resolve, reject) => {
      let warm = 0;
      this.pool.on('message', (m: unknown) => {
        if (!isWorkerStatus(m)) return;
        if (m.paperboyWorker === 'failed') {
          if (this.started) this.lose(m.message);
          reject(new OperatorError(`A search worker could not open the paper database: ${m.message}`, ['Check PAPERBOY_DATA_DIR (see README.md).']));
        } else if (++warm === opts.workers) resolve();
      });
      this.pool.on('error', (e: unknown) => {
        this.logger.error({ err: e }, 'a pool worker failed');
        const error = e instanceof Error ? e : new Error(String(e));
        reject(error);
        this.threadError = error.message;
      });
      // A worker ended (a deadline, a crash) is replaced by piscina at once, unless one already failed before it was ready.
      this.pool.on('workerDestroy', () => this.checkWorkers());
    });
    // NOTE: a failure after start-up is logged above; this keeps it from being an unhandled rejection.
    this.ready.catch(() => undefined);
    // Completions may use every worker while no command waits for one (a completion is tens of ms at 10,000 papers).
    this.lane = new CompleteLane(() => this.saturated(), laneOpts, opts.timers);
  }

  /** Resolves once every worker's app is built and warm; rejects (naming the reason) when one cannot start. */
  async start(): Promise<void> {
    try {
      await this.ready;
    } catch (e) {
      await this.pool.destroy();
      throw e;
    }
    this.started = true;
    this.logger.info({ workers: this.opts.workers, capacity: this.capacity }, 'worker pool ready');
  }

  /** Waits for running tasks, then ends the threads. */
  async close(): Promise<void> {
    this.closing = true;
    await this.pool.close();
  }

  /**
   * After piscina has handled a lost worker: fewer threads than configured means it stopped replacing them
   * (its `workerFailsDuringBootstrap`), so commands would only queue. NOTE: checked on the next turn, after
   * piscina's synchronous replacement and its `error` event (the thread's error, when it had one).
   */
  private checkWorkers(): void {
    if (!this.started || this.closing) return;
    setImmediate(() => {
      if (this.pool.threads.length < this.opts.workers) this.lose(this.threadError ?? 'its thread exited before it was ready');
    });
  }

  /** Logs the one line that ends serve and resolves {@link lost}, once. */
  private lose(cause: string): void {
    if (!this.started || this.closing || !this.loseWith) return;
    const resolve = this.loseWith;
    this.loseWith = undefined;
    this.logger.error({ cause }, 'a replacement search worker could not start: serving stops, exiting non-zero so a supervisor restarts paperboy');
    resolve(
      new OperatorError(`A replacement search worker could not start: ${cause}`, [
        'paperboy stopped so that a supervisor restarts it; if it fails again at start, the reason is in this message (see README.md, Troubleshooting).',
      ]),
    );
  }

  find(name: string): AnyCommand | undefined {
    const n = name.toLowerCase();
    return this.commands.find((c) => c.name === n);
  }

  run(inv: Invocation, caller?: Caller): Promise<Reply> {
    return this.command((wire) => ({ kind: 'run', inv, ...(wire ? { caller: wire } : {}) }), caller, inv.command);
  }

  runText(line: string, caller?: Caller): Promise<Reply> {
    return this.command((wire) => ({ kind: 'runText', line, ...(wire ? { caller: wire } : {}) }), caller, 'text');
  }

  complete(command: string, arg: string, partial: string): Promise<Completion[]> {
    return this.lane.submit(async () => {
      const r = await this.pool.run({ kind: 'complete', command, arg, partial });
      return Array.isArray(r) ? r : [];
    });
  }

  /** Never throws: a lost link only loses a follow-up. Not counted against the queue (it is one small write). */
  async linkThread(caller: Caller, alias: string): Promise<void> {
    const { wire, transfer, close } = exposeCaller(caller, this.logger);
    await this.pool
      .run({ kind: 'linkThread', caller: wire, alias }, { transferList: transfer })
      .catch((e: unknown) => this.logger.warn({ err: e, platform: caller.platform }, 'could not link a thread for follow-ups'))
      .finally(close);
  }

  /** True when commands are waiting for a worker: completions then step aside. */
  private saturated(): boolean {
    return this.commandsInFlight >= this.opts.workers || this.pool.queueSize > 0;
  }

  private async command(task: (wire: WireCaller | undefined) => PoolTask, caller: Caller | undefined, name: string): Promise<Reply> {
    if (this.commandsInFlight >= this.capacity) {
      this.logger.warn({ command: name, inFlight: this.commandsInFlight, platform: caller?.platform }, 'worker pool full: answered busy');
      return BUSY_REPLY;
    }
    this.commandsInFlight += 1;
    const exposed = caller ? exposeCaller(caller, this.logger) : undefined;
    // NOTE: aborting a running task makes piscina end its worker (the only way to stop a stuck thread) and start another.
    const deadline = new AbortController();
    const timer = this.timers.set(() => deadline.abort('deadline'), this.deadlineMs);
    try {
      const reply = await this.pool.run(task(exposed?.wire), { transferList: exposed?.transfer ?? [], signal: deadline.signal });
      return reply as Reply;
    } catch (e) {
      if (deadline.signal.aborted) {
        this.logger.error(
          { command: name, platform: caller?.platform, ms: this.deadlineMs },
          'a command did not finish within its deadline: answered with the apology; its worker was ended and replaced',
        );
      } else if (isQueueFull(e)) {
        this.logger.warn({ command: name, platform: caller?.platform }, 'worker pool queue full: answered busy');
        return BUSY_REPLY;
      } else {
        // A worker that died (out of memory, a native crash, or ended for another command's deadline) loses its tasks; piscina starts another.
        this.logger.error({ err: e, command: name, platform: caller?.platform }, 'a pool task failed');
      }
      return { kind: 'error', message: APOLOGY, hints: [], visibility: 'ephemeral' };
    } finally {
      this.timers.clear(timer);
      this.commandsInFlight -= 1;
      exposed?.close();
    }
  }
}

/** Piscina's refusals when its queue is at `maxQueue` (it has no error codes; these are its messages). */
function isQueueFull(e: unknown): boolean {
  return e instanceof Error && (e.message === 'Task queue is at limit' || e.message.startsWith('No task queue available'));
}
