// Claims on inbound platform events in the shared database: the first process to take an event id answers it; a retry of it, on any replica, is ignored.
import type { Clock, EventClaims, Sql } from '../ports.js';

/** NOTE: milliseconds a claim is kept: Slack retries an event three times within minutes (https://docs.slack.dev/apis/events-api/#retries). */
export const KEEP_CLAIMS_MS = 3_600_000;
/** NOTE: milliseconds between two sweeps of expired claims by one process. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Event claims over the Sql port (SQLite or PostgreSQL): the event's key is a unique key, so of two
 * replicas taking the same event at once exactly one inserts it (`INSERT … ON CONFLICT DO NOTHING`).
 * Claims older than {@link KEEP_CLAIMS_MS} are deleted, at most once a minute per process, as claims are made.
 */
export class SqlEventClaims implements EventClaims {
  private sweptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  async claim(key: string): Promise<boolean> {
    const now = this.clock.now();
    if (now.getTime() - this.sweptAt >= SWEEP_EVERY_MS) {
      this.sweptAt = now.getTime();
      await this.sql.run('DELETE FROM inbound_events WHERE taken_at <= ?', [new Date(now.getTime() - KEEP_CLAIMS_MS).toISOString()]);
    }
    const r = await this.sql.run('INSERT INTO inbound_events (event_key, taken_at) VALUES (?, ?) ON CONFLICT (event_key) DO NOTHING', [key, now.toISOString()]);
    return r.changes === 1;
  }
}

/** Claims in this process's memory, for a database that cannot be written: a retry to this process is still ignored. */
export class MemoryEventClaims implements EventClaims {
  private readonly taken = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  async claim(key: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    // NOTE: oldest first (insertion order): the sweep stops at the first claim still kept.
    for (const [k, at] of this.taken) {
      if (now - at < KEEP_CLAIMS_MS) break;
      this.taken.delete(k);
    }
    if (this.taken.has(key)) return false;
    this.taken.set(key, now);
    return true;
  }
}
