// Fake timers for schedules: they fire only when a test moves the fake clock past them.
import type { Timers } from '../../src/ingest/live.js';
import type { FakeClock } from './core.js';

/** Timers that fire only when the test moves the fake clock past them. */
export class FakeTimers implements Timers {
  private pending: Array<{ at: number; fn: () => void; id: number }> = [];
  private next = 1;
  constructor(private readonly clock: FakeClock) {}
  set(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.push({ at: this.clock.now().getTime() + ms, fn, id });
    return id;
  }
  clear(handle: unknown): void {
    this.pending = this.pending.filter((t) => t.id !== handle);
  }
  get count(): number {
    return this.pending.length;
  }
  /** Moves the clock on by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.clock.now().getTime() + ms;
    for (;;) {
      const due = this.pending.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.pending = this.pending.filter((t) => t !== due);
      this.clock.set(new Date(due.at));
      due.fn();
    }
    this.clock.set(new Date(end));
  }
}
