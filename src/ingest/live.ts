// The live ingest that runs beside `serve`: today's Hugging Face list at start, then on a schedule, and on demand before a post.
import type { Logger } from '../logger.js';
import { dateInZone } from '../ports.js';
import type { BackgroundJob } from '../serve.js';
import { ingestDay, type DayDeps, type DayIngested } from './day.js';

/** How fresh `ensureFresh` wants a list by default: the scheduler calls it before a post. */
export const FRESH_MS = 15 * 60_000;

/** Timers the schedule runs on; tests pass fake ones driven with a fake clock. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Node's timers, unref'd: a pending ingest never keeps a stopping process alive. */
export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface LiveIngestOptions extends DayDeps {
  /** PAPERBOY_INGEST_EVERY in milliseconds: the time from the end of one run to the start of the next. */
  everyMs: number;
  timers?: Timers;
  /** Called after anything `status()` reports may have changed (a run ended, start, stop): the ingest thread pushes it to serve. */
  onChange?: () => void;
  /**
   * The fencing check before each scheduled round: whether this replica still leads the background work
   * (src/leader/). A round it answers false to (or cannot answer) is skipped. Absent: every round runs.
   */
  mayRun?: () => Promise<boolean>;
}

/** What /healthz reports of the live ingest. */
export interface LiveStatus {
  /** When a list was last ingested (by this process or another on the same database), or null. */
  lastSuccessAt: string | null;
  /** The last run's failure, cleared by a success. */
  lastError: string | null;
  /** The list date of the last successful run. */
  lastDate: string | null;
  running: boolean;
}

/**
 * Keeps today's daily list fresh while serving. "Today" is the list date in PAPERBOY_TIMEZONE
 * (NOTE: Hugging Face dates its lists in New York time, the default zone). A run that fails (no
 * network, HF down) is logged as a warning and the bot goes on serving what is stored; the next
 * run is `everyMs` after the last one ended, so runs never overlap, and two callers asking for the
 * same day at once share one fetch.
 */
export class LiveIngest implements BackgroundJob {
  readonly name = 'live-ingest';
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly inflight = new Map<string, Promise<DayIngested>>();
  private timer: unknown = null;
  private ticking: Promise<void> | null = null;
  private abort = new AbortController();
  private running = false;
  private lastSuccess: { at: string; date: string } | null = null;
  private lastError: string | null = null;

  constructor(private readonly opts: LiveIngestOptions) {
    this.timers = opts.timers ?? realTimers;
    this.log = opts.logger.child({ job: 'live-ingest' });
  }

  /** The list date it is now in PAPERBOY_TIMEZONE. */
  today(): string {
    return dateInZone(this.opts.clock.now(), this.opts.timeZone);
  }

  /**
   * Fetches and stores one day's list now (today's by default). Its result's `stats.changed` holds
   * the papers new to the store. Throws what the fetch or the store threw (an HfError when the
   * source is down), after recording it in `status()`.
   */
  runOnce(date: string = this.today()): Promise<DayIngested> {
    const current = this.inflight.get(date);
    if (current) return current;
    const run = ingestDay(this.opts, date, this.abort.signal).then(
      (r) => {
        this.lastSuccess = { at: this.opts.clock.now().toISOString(), date };
        this.lastError = null;
        this.log.info({ date, inserted: r.stats.inserted, updated: r.stats.updated, skipped: r.counts.skipped ?? 0 }, 'daily list ingested');
        this.opts.onChange?.();
        return r;
      },
      (e: unknown) => {
        this.lastError = e instanceof Error ? e.message : String(e);
        this.opts.onChange?.();
        throw e;
      },
    );
    const tracked = run.finally(() => this.inflight.delete(date));
    this.inflight.set(date, tracked);
    return tracked;
  }

  /**
   * Fetches the day's list unless it was fetched (by any process on this database) within
   * `maxAgeMs`: what the scheduler calls before posting a trending list. Null when it was fresh.
   */
  async ensureFresh(date: string = this.today(), maxAgeMs = FRESH_MS): Promise<DayIngested | null> {
    const fetched = this.opts.lists.day(date)?.fetchedAt;
    if (fetched && this.opts.clock.now().getTime() - Date.parse(fetched) < maxAgeMs) return null;
    return this.runOnce(date);
  }

  /** Ingests today's list at once (in the background: start never waits on the network), then every `everyMs`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.opts.onChange?.();
    this.tick();
  }

  /** Resolves once the run in progress (if any) has ended: what tests wait on. */
  async idle(): Promise<void> {
    while (this.ticking) await this.ticking;
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.abort.abort();
    this.opts.onChange?.();
    await Promise.allSettled([...this.inflight.values()]);
    await this.idle();
  }

  status(): LiveStatus {
    return {
      lastSuccessAt: latestOf(this.lastSuccess?.at ?? null, this.opts.lists.lastFetchedAt()),
      lastError: this.lastError,
      lastDate: this.lastSuccess?.date ?? null,
      running: this.running,
    };
  }

  /** The fencing check (`mayRun`): false skips the round; a check that fails skips it too, with a warning. */
  private async stillLeads(): Promise<boolean> {
    const check = this.opts.mayRun;
    if (!check) return true;
    try {
      if (await check()) return true;
      this.log.info({}, 'this replica no longer leads the background work: live ingest round skipped');
    } catch (e) {
      this.log.warn({ problem: e instanceof Error ? e.message : String(e) }, 'could not check the leader lease: live ingest round skipped');
    }
    return false;
  }

  private tick(): void {
    this.timer = null;
    const date = this.today();
    const minutes = Math.round(this.opts.everyMs / 60_000);
    this.ticking = this.stillLeads()
      .then((leads) => (leads ? this.runOnce(date) : undefined))
      .then(
        () => undefined,
        (e: unknown) => {
          if (!this.running) return;
          this.log.warn(
            { date, problem: e instanceof Error ? e.message : String(e) },
            `live ingest failed: serving the papers already stored; trying again in ${minutes} min (PAPERBOY_LIVE=off turns it off for offline use)`,
          );
        },
      )
      .finally(() => {
        this.ticking = null;
        if (this.running) this.timer = this.timers.set(() => this.tick(), this.opts.everyMs);
      });
  }
}

/** The later of two ISO times, either of which may be missing: this process's last fetch and the newest any process recorded. */
export function latestOf(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}
