// Serve's leader-only background work wired together: the lease, the live ingest that runs only on the leader, and the gates alert planning and list fetches pass through.
import type { App } from '../app.js';
import type { Timers, LiveStatus } from '../ingest/live.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports.js';
import type { BackgroundJob } from '../serve.js';
import type { Freshener } from '../scheduler/scheduler.js';
import { LeaderLease } from './lease.js';
import { LeaderOnly } from './leaderOnly.js';
import { BACKGROUND_ROLE, Leadership } from './leadership.js';

/** What serve's live ingest is, in-process (LiveIngest) or on its thread (ThreadedIngest). */
export interface IngestJob extends BackgroundJob, Freshener {
  status(): LiveStatus;
}

/** What a leader's live ingest is made with: whose lease it runs under, and the check it makes before each round. */
export interface Fence {
  leader: { role: string; holder: string };
  /** Whether this replica is still the recorded holder (a read of the lease row). */
  mayRun(): Promise<boolean>;
}

export interface LeaderWorkOptions {
  app: Pick<App, 'database' | 'dailyLists' | 'alerts'>;
  logger: Logger;
  clock: Clock;
  /** PAPERBOY_LEADER_LEASE_SECONDS in milliseconds. */
  leaseMs: number;
  /** Whether the live ingest is wanted at all (PAPERBOY_LIVE). */
  live: boolean;
  /** Builds the live ingest for one term of leadership (null: none here). */
  makeIngest(fence: Fence): IngestJob | null;
  timers?: Timers;
  monotonic?: () => number;
}

/** The leader lease and what runs under it; see {@link leaderWork}. */
export interface LeaderWork {
  leadership: Leadership;
  /** The live ingest, running only while this replica leads; null when PAPERBOY_LIVE is off. */
  live: LeaderOnly<IngestJob> | null;
  /** The scheduler's "fetch the list before posting": the leader's live ingest; a follower posts what is stored (the leader keeps it fresh). */
  freshener: Freshener;
  /** Alert planning at each alert poll, on the leader only (every ingest also plans as it stores). */
  planner: { plan(): Promise<number> } | undefined;
  /** The live ingest as /healthz reports it: the leader's job, or, on a follower, not running (the last fetch any replica made still shows). */
  liveStatus(): LiveStatus;
  /** The jobs serve runs, in start order: the lease first, then the live ingest. */
  jobs: BackgroundJob[];
}

/**
 * The background work one replica at a time runs, across every host on the database (PostgreSQL with
 * DATABASE_URL, or several processes on one SQLite file): the live ingest, alert planning, and the
 * scheduler's list fetch before a post. The others only serve; posts and alerts go out from every
 * replica through the ledger and the outbox, which keep each one exactly once. Null when the database
 * cannot be written (such a replica ingests and plans nothing anyway).
 */
export function leaderWork(opts: LeaderWorkOptions): LeaderWork | null {
  const { app, logger } = opts;
  if (app.database.readOnlyReason !== null) return null;
  const lease = new LeaderLease(app.database.sql, () => opts.clock.now());
  const leadership = new Leadership({
    lease,
    logger,
    leaseMs: opts.leaseMs,
    ...(opts.timers ? { timers: opts.timers } : {}),
    ...(opts.monotonic ? { monotonic: opts.monotonic } : {}),
  });
  const fence: Fence = {
    leader: { role: BACKGROUND_ROLE, holder: leadership.holder },
    mayRun: async () => leadership.isLeader() && (await lease.isHolder(BACKGROUND_ROLE, leadership.holder)),
  };
  const live = opts.live ? new LeaderOnly<IngestJob>('live-ingest', leadership, () => opts.makeIngest(fence), logger) : null;
  const planner = app.alerts;
  return {
    leadership,
    live,
    freshener: {
      ensureFresh: async (date, maxAgeMs) => (leadership.isLeader() ? ((await live?.current()?.ensureFresh(date, maxAgeMs)) ?? null) : null),
    },
    planner: planner ? { plan: async () => (leadership.isLeader() ? planner.plan() : 0) } : undefined,
    liveStatus: () => live?.current()?.status() ?? { lastSuccessAt: app.dailyLists?.lastFetchedAt() ?? null, lastError: null, lastDate: null, running: false },
    jobs: live ? [leadership, live] : [leadership],
  };
}
