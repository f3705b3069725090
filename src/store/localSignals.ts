// Wake-ups within one process (SQLite): what `Signals` is when no other host shares the database.
import type { SignalChannel, Signals } from '../ports.js';

/**
 * Signals heard by this process only. Processes sharing one SQLite file (serve and a cron ingest)
 * do not hear each other: they keep finding changes at their polls.
 * NOTE: a listener runs on a later microtask; a statement it issues waits for the transaction that
 * notified to finish (SqliteSql takes turns), so it sees what was committed.
 */
export class LocalSignals implements Signals {
  private readonly listeners = new Map<SignalChannel, Set<() => void>>();

  async notify(channel: SignalChannel): Promise<void> {
    const fns = this.listeners.get(channel);
    if (!fns || fns.size === 0) return;
    queueMicrotask(() => {
      for (const fn of [...fns]) fn();
    });
  }

  on(channel: SignalChannel, fn: () => void): () => void {
    const fns = this.listeners.get(channel) ?? new Set<() => void>();
    this.listeners.set(channel, fns);
    fns.add(fn);
    return () => fns.delete(fn);
  }
}
