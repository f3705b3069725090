// Autocomplete's own small lane into the worker pool: few at a time, a short FIFO, answered [] when stale or when commands need the workers.
import type { Completion } from '../command.js';
import { realTimers, type Timers } from '../ingest/live.js';

export interface CompleteLaneOptions {
  /** Completions running in the pool at once (commands get the rest of the workers). */
  maxRunning: number;
  /** Completions waiting for a turn; past it the oldest is answered [] (the user typed on since). */
  maxWaiting: number;
  /**
   * How long a completion may take in all before it is answered []. NOTE: milliseconds; Discord
   * drops an autocomplete answer after 3 s, and the answer still has to travel there.
   */
  staleMs: number;
}

export const DEFAULT_COMPLETE_LANE: CompleteLaneOptions = { maxRunning: 1, maxWaiting: 16, staleMs: 2_000 };

interface Waiting {
  start(): void;
  drop(): void;
}

/**
 * Admits autocomplete work (`job`: one completion run in the pool) to the pool so that it never starves commands: while `saturated()` says
 * commands are waiting for workers, every completion is answered [] at once; otherwise at most
 * `maxRunning` run, `maxWaiting` wait, and any not done within `staleMs` is answered [] (its late
 * result is dropped). Never rejects.
 */
export class CompleteLane {
  private running = 0;
  private readonly waiting: Waiting[] = [];
  private readonly opts: CompleteLaneOptions;

  constructor(
    private readonly saturated: () => boolean,
    opts: Partial<CompleteLaneOptions> = {},
    private readonly timers: Timers = realTimers,
  ) {
    this.opts = { ...DEFAULT_COMPLETE_LANE, ...opts };
  }

  /** How many completions are running or waiting (for tests and logs). */
  get pending(): number {
    return this.running + this.waiting.length;
  }

  submit(job: () => Promise<Completion[]>): Promise<Completion[]> {
    if (this.saturated()) return Promise.resolve([]);
    return new Promise<Completion[]>((resolve) => {
      let settled = false;
      const finish = (value: Completion[]) => {
        if (settled) return;
        settled = true;
        this.timers.clear(timer);
        resolve(value);
      };
      const entry: Waiting = {
        start: () => {
          this.running += 1;
          job()
            .then(finish, () => finish([]))
            .finally(() => {
              this.running -= 1;
              this.pump();
            });
        },
        drop: () => finish([]),
      };
      const timer = this.timers.set(() => {
        const at = this.waiting.indexOf(entry);
        if (at >= 0) this.waiting.splice(at, 1);
        finish([]);
      }, this.opts.staleMs);
      if (this.running < this.opts.maxRunning) entry.start();
      else {
        this.waiting.push(entry);
        while (this.waiting.length > this.opts.maxWaiting) this.waiting.shift()?.drop();
      }
    });
  }

  private pump(): void {
    if (this.saturated()) {
      for (const w of this.waiting.splice(0)) w.drop();
      return;
    }
    while (this.running < this.opts.maxRunning) {
      const next = this.waiting.shift();
      if (!next) return;
      next.start();
    }
  }
}
