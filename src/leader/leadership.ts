// Which replica leads the background work (live ingest, alert planning, list fetches before posts): a lease in the shared database, renewed on a timer, taken over when its holder goes quiet.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { realTimers, type Timers } from '../ingest/live.js';
import type { Logger } from '../logger.js';
import { within, type BackgroundJob } from '../serve.js';
import type { LeaderLease, LeaseRow } from './lease.js';

/** The one role today: every job that must run on one replica at a time. */
export const BACKGROUND_ROLE = 'background';
/** NOTE: milliseconds. A holder quiet this long (by the watcher's own monotonic clock) is taken over: failover within a minute. */
export const LEASE_MS = 30_000;
/** NOTE: milliseconds. How often the holder renews and followers look; a third of the lease leaves two misses of slack. */
export const RENEW_MS = 10_000;

/** What /healthz says of leadership. */
export interface LeaderStatus {
  role: 'leader' | 'follower';
  /** The holder leading now as this replica last read it (`host:pid:suffix`), or null when nobody does. */
  leader: string | null;
  /** This replica's own name on the lease. */
  self: string;
}

export interface LeadershipOptions {
  lease: LeaderLease;
  logger: Logger;
  role?: string;
  /** This replica's name on the lease (default: host, pid and a random suffix). */
  holder?: string;
  leaseMs?: number;
  /** How often to renew or look (default: a third of the lease). */
  renewMs?: number;
  timers?: Timers;
  /**
   * A monotonic clock in milliseconds (default `performance.now()`). NOTE: every expiry is measured on
   * it, never on the wall clock, so NTP or `date -s` stepping a host's clock steals no live lease.
   */
  monotonic?: () => number;
}

/** A name for this replica on the lease that an operator can trace to a host and process. */
export function newLeaderName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * One replica's side of the leader lease. The holder renews every `renewMs` with a conditional UPDATE
 * (beat + 1 where it still holds the role); a follower reads the row at the same pace and remembers
 * when, by its own monotonic clock, it last saw the beat move. Once the beat has stood still for a
 * whole lease the follower takes over with a compare-and-set on the beat it saw, so of several
 * followers one wins, and a holder that renewed meanwhile keeps the role. A holder that cannot renew
 * (the database away, a long pause) stops leading after `leaseMs - renewMs` since its last renewal
 * was sent, before any follower can have taken over; {@link isLeader} is the check leader-only work
 * makes before each round (the fencing). A clean stop releases the row, so another replica leads at
 * its next look.
 */
export class Leadership implements BackgroundJob {
  readonly name = 'leader';
  readonly holder: string;
  private readonly role: string;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly timers: Timers;
  private readonly monotonic: () => number;
  private readonly log: Logger;
  private leading = false;
  /** Monotonic time the last successful renewal (or take) was sent. */
  private renewedAt = Number.NEGATIVE_INFINITY;
  /** A follower's last look: the row, and when the beat was first seen at that value. */
  private seen: { holder: string; beat: number; at: number } | null = null;
  private leader: string | null = null;
  private logged: 'leader' | 'follower' | null = null;
  private timer: unknown = null;
  private running = false;
  private current: Promise<void> | null = null;
  private readonly listeners = new Set<(leading: boolean) => void>();
  private readonly failures = new Set<string>();

  constructor(private readonly opts: LeadershipOptions) {
    this.role = opts.role ?? BACKGROUND_ROLE;
    this.holder = opts.holder ?? newLeaderName();
    this.leaseMs = opts.leaseMs ?? LEASE_MS;
    this.renewMs = opts.renewMs ?? Math.max(1, Math.floor(this.leaseMs / 3));
    this.timers = opts.timers ?? realTimers;
    this.monotonic = opts.monotonic ?? (() => performance.now());
    this.log = opts.logger.child({ component: 'leader', role: this.role });
  }

  /** Looks at once (a free role is taken now), then every `renewMs`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop();
  }

  /** Stops looking; a leader stops leading (its jobs are told first) and releases the role. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    await this.current;
    if (!this.leading) return;
    this.setLeading(false, 'stopping');
    try {
      const r = await within(this.opts.lease.release(this.role, this.holder), this.renewMs);
      if (r === 'timeout') this.log.warn({}, 'could not release the leader lease in time; another replica takes over once it runs out');
    } catch (err) {
      this.log.warn({ err }, 'could not release the leader lease; another replica takes over once it runs out');
    }
  }

  /**
   * Whether this replica leads now: it holds the role and its last renewal is recent enough that no
   * follower can have taken over. Leader-only work asks before each round.
   */
  isLeader(): boolean {
    return this.leading && this.monotonic() - this.renewedAt < this.validMs();
  }

  status(): LeaderStatus {
    const leading = this.isLeader();
    return { role: leading ? 'leader' : 'follower', leader: leading ? this.holder : this.leader === this.holder ? null : this.leader, self: this.holder };
  }

  /** Calls `fn` at every change of this replica's role (true: it leads now); returns the unsubscribe. */
  onChange(fn: (leading: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** One look: renew the lease, or watch it and take it over once its holder has gone quiet. What the timer runs; tests call it by hand. */
  round(): Promise<void> {
    const run = (this.current ?? Promise.resolve()).then(() => this.look());
    this.current = run.finally(() => {
      if (this.current === run) this.current = null;
    });
    return run;
  }

  private loop(): void {
    this.timer = null;
    void this.round().finally(() => {
      if (this.running) this.timer = this.timers.set(() => this.loop(), this.renewMs);
    });
  }

  /** A holder stops leading this long after its last renewal was sent: a renewal period before any follower may take over. */
  private validMs(): number {
    return Math.max(this.renewMs, this.leaseMs - this.renewMs);
  }

  private async look(): Promise<void> {
    const { lease } = this.opts;
    const sentAt = this.monotonic();
    const what = this.leading ? 'renew' : 'read';
    try {
      if (this.leading) {
        if (await this.bounded(lease.renew(this.role, this.holder, this.leaseMs))) {
          this.renewedAt = sentAt;
          this.leader = this.holder;
          this.recovered('renew');
        } else {
          this.leader = (await this.bounded(lease.read(this.role)))?.holder ?? null;
          this.setLeading(false, 'another replica holds the leader lease now');
        }
        return;
      }
      const row = await this.bounded(lease.read(this.role));
      this.recovered('read');
      if (!row) {
        if (await this.bounded(lease.claimFree(this.role, this.holder, this.leaseMs))) this.take(sentAt, 'nobody led');
        return;
      }
      this.leader = row.holder;
      if (row.holder === this.holder) {
        // Still recorded as the holder after renewals failed for a while: nobody took over, so renew and lead again.
        if (await this.bounded(lease.renew(this.role, this.holder, this.leaseMs))) this.take(sentAt, 'the leader lease was still ours');
        return;
      }
      this.watch(row);
      if (this.seen && this.monotonic() - this.seen.at >= this.leaseMs) {
        const quiet = this.seen;
        this.seen = null;
        if (await this.bounded(lease.takeOver(this.role, this.holder, quiet, this.leaseMs)))
          this.take(sentAt, `${quiet.holder} stopped renewing the leader lease`);
      } else {
        this.setLeading(false);
      }
    } catch (err) {
      this.failed(what, err instanceof Error ? err.message : String(err));
    } finally {
      // NOTE: a holder whose renewals keep failing steps down before a follower can take over.
      if (this.leading && !this.isLeader()) this.setLeading(false, 'the leader lease could not be renewed in time');
    }
  }

  /** `p` within a renewal period: a statement that hangs counts as a failed look. */
  private async bounded<T>(p: Promise<T>): Promise<T> {
    const r = await within(p, this.renewMs);
    if (r === 'timeout' || r === 'stopped') throw new Error(`the database did not answer within ${this.renewMs / 1000} s`);
    return r;
  }

  /** A follower's look: the beat moving (or a new holder) restarts the wait, timed from when it was seen. */
  private watch(row: LeaseRow): void {
    if (!this.seen || this.seen.holder !== row.holder || this.seen.beat !== row.beat) {
      this.seen = { holder: row.holder, beat: row.beat, at: this.monotonic() };
    }
  }

  private take(sentAt: number, why: string): void {
    this.renewedAt = sentAt;
    this.leader = this.holder;
    this.seen = null;
    this.setLeading(true, why);
  }

  /** Records the role; logs a change of it once (and the first role this replica has). */
  private setLeading(leading: boolean, why?: string): void {
    const changed = leading !== this.leading;
    this.leading = leading;
    const role = leading ? 'leader' : 'follower';
    if (this.logged !== role) {
      this.logged = role;
      if (leading)
        this.log.info(
          { holder: this.holder, ...(why ? { why } : {}) },
          'this replica leads the background work now (live ingest, alert planning, list fetches)',
        );
      else
        this.log.info(
          { holder: this.holder, leader: this.leader === this.holder ? null : this.leader, ...(why ? { why } : {}) },
          'this replica follows: another replica (or none yet) runs the background work; this one serves',
        );
    }
    if (!changed) return;
    for (const fn of this.listeners) {
      try {
        fn(leading);
      } catch (err) {
        this.log.error({ err }, 'a leader role listener failed');
      }
    }
  }

  /** Logs a failed look once until one succeeds again. */
  private failed(what: 'renew' | 'read', problem: string): void {
    if (this.failures.has(what)) return;
    this.failures.add(what);
    this.log.warn({ problem }, what === 'renew' ? 'could not renew the leader lease; still trying' : 'could not read the leader lease; still trying');
  }

  private recovered(what: 'renew' | 'read'): void {
    if (this.failures.delete(what)) this.log.info({}, what === 'renew' ? 'the leader lease is renewed again' : 'the leader lease can be read again');
  }
}
