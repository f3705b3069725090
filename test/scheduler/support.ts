// Builds a scheduler over a real store on a fake clock, with a chat adapter that records what it was asked to post.
import { createApp, type App } from '../../src/app.js';
import { commands } from '../../commands/index.js';
import { DeliveryError } from '../../src/errors.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import type { Paper } from '../../src/papers/model.js';
import type { ChatAdapter, Clock, LedgerSend, PostTarget } from '../../src/ports.js';
import { replySummary, type Reply } from '../../src/reply.js';
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.js';
import { ScheduleStore } from '../../src/scheduler/store.js';
import { openDatabase } from '../../src/store/database.js';
import { FEATURES } from '../../src/store/features.js';
import { paperRun } from '../fakes/papers.js';

/** A clock that reads the (faked or real) system time, so vi.setSystemTime and fake timers move it. */
export const systemTime: Clock = { now: () => new Date() };

/** Papers on each of `dates` (three a day, upvotes 1..3), so every day has a list. */
export function papersOn(dates: readonly string[]): Paper[] {
  return dates.flatMap((d, k) => paperRun(`topic${k}`, 3, { ids: `25${String(k).padStart(2, '0')}`, date: () => d }));
}

/** Consecutive dates from `from`, `n` of them. */
export function days(from: string, n: number): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

export interface Posted {
  at: string;
  target: PostTarget;
  reply: Reply;
  summary: string;
}

/** A ChatAdapter that records posts; `fail` queues errors for the next posts (one each). */
export class RecordingAdapter implements ChatAdapter {
  readonly posts: Posted[] = [];
  readonly attempts: string[] = [];
  /** What each attempt was told by the ledger (its key, and whether to look for an earlier attempt first). */
  readonly sends: Array<LedgerSend | undefined> = [];
  fail: Error[] = [];
  /** Channels that refuse every post with this error. */
  refuse = new Map<string, DeliveryError>();
  /** Channels whose posts never answer (a hung platform call). */
  readonly hang = new Set<string>();
  constructor(readonly platform = 'slack') {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async post(target: PostTarget, reply: Reply, send?: LedgerSend): Promise<void> {
    this.attempts.push(new Date().toISOString());
    this.sends.push(send);
    if (this.hang.has(target.channel)) await new Promise(() => undefined);
    const refused = this.refuse.get(target.channel);
    if (refused) throw refused;
    const next = this.fail.shift();
    if (next) throw next;
    this.posts.push({ at: new Date().toISOString(), target, reply, summary: replySummary(reply) });
  }
  /** The text of a post: its title, or its one line. */
  static text(p: Posted): string {
    return p.reply.kind === 'text' ? p.reply.lines.join('\n') : p.summary;
  }
}

export interface Harness {
  app: App;
  schedules: ScheduleStore;
  scheduler: Scheduler;
  close(): void;
}

/** A core over `file` (default in memory) with `papers`, its schedule tables, and a scheduler on `clock`. */
export async function harness(opts: {
  papers: Paper[];
  clock?: Clock;
  file?: string;
  logger?: Logger;
  scheduler?: Partial<SchedulerOptions>;
}): Promise<Harness> {
  const clock = opts.clock ?? systemTime;
  // NOTE: harnesses on one file are two connections in one process: SQLite's own busy wait would block the event loop the
  // other needs to finish its transaction, so a writer waits between tries instead (as in two processes).
  const database = await openDatabase({ file: opts.file ?? ':memory:', now: () => clock.now(), features: FEATURES, busyTimeoutMs: 0 });
  const store = database.papers;
  const app = await createApp({ config: { dataDir: '/nonexistent', timeZone: 'America/New_York' }, logger: silentLogger, clock, commands, database });
  if (!opts.file) await app.library.ingest(opts.papers);
  else if (store.count() === 0) await app.library.ingest(opts.papers);
  const schedules = new ScheduleStore(database.sql, () => clock.now());
  const scheduler = new Scheduler({
    store: schedules,
    library: app.library,
    clock,
    timeZone: 'America/New_York',
    logger: opts.logger ?? silentLogger,
    retry: { retries: 2, minTimeout: 1_000, factor: 2 },
    ...opts.scheduler,
  });
  return { app, schedules, scheduler, close: () => app.close() };
}
