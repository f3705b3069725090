// The leader lease in the shared database: one row per role naming its holder, renewed by a beat counter that other replicas watch on their own monotonic clocks.
import type { Sql, Step } from '../ports.js';

/**
 * The `leader` feature's tables. `beat` goes up at every renewal and takeover: a replica that sees it
 * stand still for a whole lease, by its own monotonic clock, may take the role over. `since` and
 * `until` are wall-clock times for operators and /healthz only; no decision reads them, so a wall
 * clock that steps never makes a live lease look expired.
 */
export const STEPS: readonly Step[] = [
  `CREATE TABLE leader (
     role TEXT PRIMARY KEY,
     holder TEXT NOT NULL,
     beat INTEGER NOT NULL,
     since TEXT NOT NULL,
     until TEXT NOT NULL
   )`,
];

/** The row as read: who holds the role, and its beat (what a watcher compares between looks). */
export interface LeaseRow {
  holder: string;
  beat: number;
  since: string;
  until: string;
}

/**
 * The statements behind leadership (src/leader/leadership.ts); each is one conditional write, so of two
 * replicas racing for the role at most one gets it, on either engine.
 */
export class LeaderLease {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => Date,
  ) {}

  /** The row for `role`, or undefined when nobody holds it. */
  async read(role: string): Promise<LeaseRow | undefined> {
    const r = await this.sql.get<LeaseRow>('SELECT holder, beat, since, until FROM leader WHERE role = ?', [role]);
    return r ? { ...r, beat: Number(r.beat) } : undefined;
  }

  /** Takes a role nobody holds (no row); false when another replica has just taken it. */
  async claimFree(role: string, holder: string, leaseMs: number): Promise<boolean> {
    const { since, until } = this.times(leaseMs);
    const r = await this.sql.run('INSERT INTO leader (role, holder, beat, since, until) VALUES (?, ?, 1, ?, ?) ON CONFLICT (role) DO NOTHING', [
      role,
      holder,
      since,
      until,
    ]);
    return r.changes === 1;
  }

  /**
   * Takes the role over from `seen` (a holder whose beat stood still for a whole lease): only if the row
   * is still exactly as seen, so a holder that renewed meanwhile, or another replica that took over
   * first, keeps it.
   */
  async takeOver(role: string, holder: string, seen: Pick<LeaseRow, 'holder' | 'beat'>, leaseMs: number): Promise<boolean> {
    const { since, until } = this.times(leaseMs);
    const r = await this.sql.run('UPDATE leader SET holder = ?, beat = beat + 1, since = ?, until = ? WHERE role = ? AND holder = ? AND beat = ?', [
      holder,
      since,
      until,
      role,
      seen.holder,
      seen.beat,
    ]);
    return r.changes === 1;
  }

  /** Renews `holder`'s lease (the beat moves on); false when it no longer holds the role. */
  async renew(role: string, holder: string, leaseMs: number): Promise<boolean> {
    const { until } = this.times(leaseMs);
    const r = await this.sql.run('UPDATE leader SET beat = beat + 1, until = ? WHERE role = ? AND holder = ?', [until, role, holder]);
    return r.changes === 1;
  }

  /** Whether `holder` is the recorded holder: the fencing check before a round of leader-only work. */
  async isHolder(role: string, holder: string): Promise<boolean> {
    return (await this.read(role))?.holder === holder;
  }

  /** Gives the role up (a clean stop), so another replica takes it at its next look instead of after a lease. */
  async release(role: string, holder: string): Promise<void> {
    await this.sql.run('DELETE FROM leader WHERE role = ? AND holder = ?', [role, holder]);
  }

  private times(leaseMs: number): { since: string; until: string } {
    const now = this.now();
    return { since: now.toISOString(), until: new Date(now.getTime() + leaseMs).toISOString() };
  }
}
