// Alert delivery: the serving process's background job that sends the outbox's alerts through the follow's own platform.
import pLimit from 'p-limit';
import { DeliveryError } from '../errors.js';
import { ClockSteps, SETTLE_MS } from '../clockSteps.js';
import { alertKey, heartbeat, SEND_CONCURRENCY, SEND_TIMEOUT_MS, sendWithin } from '../ledgerSend.js';
import type { Logger } from '../logger.js';
import type { ChatAdapter, Clock, Landed, PostTarget, Signals } from '../ports.js';
import type { BackgroundJob } from '../serve.js';
import { newHolder, type ClaimedAlert, type FollowStore } from './store.js';

/** When a tick was due by the wall clock, and when it came: a timer runs on the monotonic clock, so a gap between the two is a step of the wall clock. */
export interface TickTiming {
  dueAtMs: number;
  atMs: number;
}

/** A repeating timer, injectable so tests fire the polls by hand. */
export interface Ticker {
  /** `fn` gets the wall-clock timing of each tick when the ticker knows it (a real interval does). */
  every(ms: number, fn: (timing?: TickTiming) => void): { cancel(): void };
}

/** setInterval as a Ticker (unref'd: a poll never keeps the process alive); each tick says when the wall clock expected it. */
export const intervalTicker: Ticker = {
  every(ms, fn) {
    let dueAtMs = Date.now() + ms;
    const t = setInterval(() => {
      const atMs = Date.now();
      const timing = { dueAtMs, atMs };
      dueAtMs = atMs + ms;
      fn(timing);
    }, ms);
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
};

export interface DeliveryOptions {
  follows: FollowStore;
  clock: Clock;
  logger: Logger;
  ticker?: Ticker;
  /** How often the outbox is read (milliseconds). NOTE: 30 s, so an alert from any process goes out within a minute. */
  pollMs?: number;
  /** How long a claim holds before another process may take the alert (milliseconds); renewed while this process sends. */
  leaseMs?: number;
  /** How long one attempt may take (milliseconds; default {@link SEND_TIMEOUT_MS}). */
  sendTimeoutMs?: number;
  /** How many alerts are sent at once (default {@link SEND_CONCURRENCY}). */
  concurrency?: number;
  /** This process's name on its claims (default: a fresh UUID). */
  holder?: string;
  /**
   * Plans alerts for papers stored but not planned yet, at each poll: the ingesting process plans as
   * it stores, so this only finds papers whose ingest was killed between storing and planning.
   */
  planner?: { plan(): Promise<number> };
  /** Wake-ups when any process puts alerts in the outbox: a poll runs at once, not at the next tick. */
  signals?: Signals;
}

export const POLL_MS = 30_000;
/**
 * NOTE: renewed every third of it while the claiming process sends, so a slow platform never lets a
 * live claim be taken over; its length is how soon the alerts of a process that died are taken again.
 */
export const LEASE_MS = 120_000;
/** Transient failures wait 1, 2, 4 … minutes, at most an hour; after this many attempts the alert is recorded as failed. */
export const MAX_ATTEMPTS = 12;
/** Delivered and failed alerts are kept this long (for `following` and operators), then deleted. */
export const KEEP_DONE_MS = 30 * 86_400_000;
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_MS = 3_600_000;

/** How long to wait after the `attempts`-th failed attempt (1-based). */
export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Delivers recorded alerts. Every poll claims a batch of due alerts for the platforms this process
 * serves (a claim with a lease, FOR UPDATE SKIP LOCKED on PostgreSQL, renewed while the batch is sent, so two serving
 * processes deliver each alert once however slow the platform, and one that dies mid-delivery leaves
 * its claims to be taken again after the lease), sends them side by side (a bounded number at once,
 * each attempt with its deadline) by DM (`sendDirect`) or channel post, and records the outcome:
 * delivered, with the message id; a `transient` DeliveryError (or any unclassified failure) is retried
 * later with backoff; `no-access`/`not-found` are recorded as failed and logged, and `following` shows them.
 * Each attempt is counted before it is made; an alert attempted before (a lost answer, a process that
 * died mid-send) is sent with `landedSince`, so the adapter looks for the earlier message first.
 */
export class AlertDelivery implements BackgroundJob {
  readonly name = 'follow alerts';
  private readonly holder: string;
  private readonly log: Logger;
  private adapters = new Map<string, ChatAdapter>();
  private timer: { cancel(): void } | null = null;
  private unlisten: (() => void) | undefined;
  private running: Promise<number> | null = null;
  private queued: Promise<number> | null = null;
  private stopped = false;
  /** Steps of the wall clock, seen from the poll timer: claiming waits until a step has settled. */
  private readonly steps = new ClockSteps();
  private readonly leaseMs: number;
  private readonly limit: ReturnType<typeof pLimit>;

  constructor(private readonly opts: DeliveryOptions) {
    this.holder = opts.holder ?? newHolder();
    this.log = opts.logger.child({ component: 'follow-alerts' });
    this.leaseMs = opts.leaseMs ?? LEASE_MS;
    this.limit = pLimit(opts.concurrency ?? SEND_CONCURRENCY);
  }

  start(adapters: readonly ChatAdapter[]): void {
    // NOTE: only adapters that can send DMs deliver (a sharded Discord's manager cannot; its shard processes do).
    this.adapters = new Map(adapters.filter((a) => a.sendDirect !== undefined).map((a) => [a.platform, a]));
    this.stopped = false;
    const pollMs = this.opts.pollMs ?? POLL_MS;
    this.timer = (this.opts.ticker ?? intervalTicker).every(pollMs, (timing) => {
      if (timing) this.observe(timing, pollMs);
      void this.poll();
    });
    this.unlisten = this.opts.signals?.on('alerts', () => void this.poll());
    void this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten?.();
    this.timer?.cancel();
    this.timer = null;
    await this.idle();
  }

  /** Resolves once the poll in progress (if any) has finished. */
  async idle(): Promise<void> {
    await this.running;
  }

  /**
   * One poll: claims and delivers what is due; resolves with how many alerts were delivered. Polls
   * run one after another; a poll asked for while one runs is queued once (further asks share it),
   * so an alert recorded mid-poll is never left for a whole interval.
   */
  poll(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    if (this.queued) return this.queued;
    const before = this.running;
    const next: Promise<number> = (before ?? Promise.resolve(0))
      .then(() => {
        if (this.queued === next) this.queued = null;
        return this.deliverDue();
      })
      .catch((err: unknown) => {
        this.log.error({ err }, 'reading the follow alert outbox failed; trying again next poll');
        return 0;
      })
      .finally(() => {
        if (this.running === next) this.running = null;
      });
    if (before) this.queued = next;
    this.running = next;
    return next;
  }

  /** Notes a step of the wall clock between two polls (leases and retry times are wall-clock times). */
  private observe(timing: TickTiming, pollMs: number): void {
    const step = this.steps.observe(timing.dueAtMs - pollMs, pollMs, timing.atMs);
    if (step === null) return;
    const minutes = Math.round(step / 6_000) / 10;
    this.log.warn(
      { stepMinutes: minutes, settleMinutes: SETTLE_MS / 60_000 },
      `the wall clock stepped by ${minutes} min: no alert is claimed until it has run steadily for ${SETTLE_MS / 60_000} min`,
    );
  }

  private async deliverDue(): Promise<number> {
    await this.opts.planner?.plan();
    // NOTE: claims and leases are wall-clock times: under a clock that just stepped, another process's live
    // lease can look expired (a step ahead) or a dead one's look alive for the size of the step (a step back).
    if (!this.steps.settled) return 0;
    await this.opts.follows.prune(new Date(this.opts.clock.now().getTime() - KEEP_DONE_MS));
    const follows = this.opts.follows;
    // NOTE: a process running some shards of a bot claims only its guilds' channel alerts, so however many wait for
    // another host's guilds, its own are not starved; the release below stays for a guild that moved meanwhile.
    const shards = Object.fromEntries(
      [...this.adapters.values()].flatMap((a) => {
        const set = a.shards?.() ?? null;
        return set ? [[a.platform, set] as const] : [];
      }),
    );
    const claimed = await follows.claim(this.holder, [...this.adapters.keys()], this.leaseMs, undefined, shards);
    const live = new Set(claimed.map((a) => a.id));
    const stopBeat = heartbeat(this.leaseMs, () => {
      follows.renew(this.holder, [...live], this.leaseMs).catch((err: unknown) => {
        this.log.warn({ err }, 'could not renew the claim on follow alerts being sent');
      });
    });
    try {
      const sent = await Promise.all(
        claimed.map((alert) =>
          this.limit(async () => {
            try {
              // NOTE: a sharded Discord bot posts in a server from the shard that holds it; another shard gives the claim back.
              const adapter = this.adapters.get(alert.platform);
              if (this.stopped || (alert.owner.kind === 'channel' && adapter?.holds && !adapter.holds(targetOf(alert.owner)))) {
                await follows.release(this.holder, alert.id);
                return false;
              }
              return await this.deliver(alert);
            } finally {
              live.delete(alert.id);
            }
          }),
        ),
      );
      return sent.filter(Boolean).length;
    } finally {
      stopBeat();
    }
  }

  private async deliver(alert: ClaimedAlert): Promise<boolean> {
    const { follows, clock } = this.opts;
    const adapter = this.adapters.get(alert.platform);
    const where = { alert: alert.id, platform: alert.platform, owner: alert.owner.kind, attempt: alert.attempts + 1 };
    const mark = await follows.attempt(this.holder, alert.id, this.leaseMs);
    if (!mark) {
      this.log.warn(where, 'follow alert taken over by another process before it was sent; left to it');
      return false;
    }
    const send = { key: alertKey(alert.id), ...(mark.attempts > 1 ? { landedSince: new Date(mark.firstAttemptAt) } : {}) };
    const ms = this.opts.sendTimeoutMs ?? SEND_TIMEOUT_MS;
    let landed: Landed | null;
    try {
      if (!adapter) throw new DeliveryError('transient', `no ${alert.platform} adapter in this process`);
      const owner = alert.owner;
      if (owner.kind === 'user') {
        const direct = adapter.sendDirect?.bind(adapter);
        if (!direct) throw new DeliveryError('no-access', `${alert.platform} cannot send direct messages`);
        landed = await sendWithin((signal) => direct(owner.user, alert.reply, { ...send, signal }), ms);
      } else {
        landed = await sendWithin((signal) => adapter.post(targetOf(owner), alert.reply, { ...send, signal }), ms);
      }
    } catch (e) {
      const failure = e instanceof DeliveryError ? e.failure : 'transient';
      const message = e instanceof Error ? e.message : String(e);
      const attempts = mark.attempts;
      if (failure === 'transient' && attempts < MAX_ATTEMPTS) {
        const due = new Date(clock.now().getTime() + retryDelayMs(attempts));
        await follows.retryLater(this.holder, alert.id, due, message);
        this.log.warn({ ...where, retryAt: due.toISOString(), reason: message }, 'follow alert not delivered; will retry');
      } else {
        await follows.failed(this.holder, alert.id, failure, message);
        this.log.warn(
          { ...where, failure, reason: message, ...(e instanceof DeliveryError && e.platformCode ? { platformCode: e.platformCode } : {}) },
          'follow alert could not be delivered; recorded as failed',
        );
      }
      return false;
    }
    if (!(await follows.delivered(this.holder, alert.id, landed?.messageId ?? null))) this.log.warn(where, 'follow alert delivered after its lease ended');
    if (landed?.found)
      this.log.warn({ ...where, messageId: landed.messageId }, 'an earlier attempt of this follow alert had landed: recorded it, not sent again');
    return true;
  }
}

/** Where a channel's alert is posted. */
function targetOf(owner: { channel: string; guildId?: string }): PostTarget {
  return { channel: owner.channel, ...(owner.guildId ? { guildId: owner.guildId } : {}) };
}
