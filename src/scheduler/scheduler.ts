// The trending scheduler: a background job that posts each channel's list at its local time, exactly once per list, through the chat adapters.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { SEND_CONCURRENCY, SEND_TIMEOUT_MS } from '../ledgerSend.js';
import type { PaperLibrary } from '../library.js';
import type { Logger } from '../logger.js';
import { dateInZone, type ChatAdapter, type Clock, type PostTarget, type Signals } from '../ports.js';
import type { Reply } from '../reply.js';
import { within, type BackgroundJob } from '../serve.js';
import { ClockSteps, SETTLE_MS, STEP_TOLERANCE_MS } from '../clockSteps.js';
import { newestList, nothingNewPost, trendingPost } from './posts.js';
import { digestPeriod, digestPost, emptyPeriodPost, freshenPeriod, isDigest } from './periods.js';
import { deliverSlot, type RetryPolicy, type SlotOutcome } from './slotDelivery.js';

export type { RetryPolicy, SlotOutcome } from './slotDelivery.js';
import { lastRunAtOrBefore, nextRunAfter, scheduleKey } from './spec.js';
import type { ScheduleStore, Subscription } from './store.js';

/**
 * What the scheduler needs from the live ingest: fetch a day's list unless it was fetched within
 * `maxAgeMs`. The Hugging Face source's LiveIngest provides it; without one, posts use what is stored.
 */
export interface Freshener {
  ensureFresh(date: string, maxAgeMs: number): Promise<unknown>;
}

export interface SchedulerOptions {
  store: ScheduleStore;
  library: PaperLibrary;
  clock: Clock;
  /** The zone daily lists are dated in (PAPERBOY_TIMEZONE; Hugging Face uses New York time). */
  timeZone: string;
  logger: Logger;
  freshener?: Freshener;
  /** A slot missed (bot down) by at most this long is posted late at start; older ones are skipped (milliseconds). */
  catchupMs?: number;
  /** How long a claim holds before another process may take it over (milliseconds); renewed while a post is under way. */
  leaseMs?: number;
  /** How long one attempt of a post may take (milliseconds; default {@link SEND_TIMEOUT_MS}). */
  sendTimeoutMs?: number;
  /** How many channels are posted to at once (default {@link SEND_CONCURRENCY}). */
  concurrency?: number;
  /** The longest wait between two looks at the store (milliseconds). */
  pollMs?: number;
  retry?: Partial<RetryPolicy>;
  /** This process's name in the ledger (default: host, pid and a random suffix). */
  owner?: string;
  /** Wake-ups when any process adds or removes a subscription: the scheduler looks at once, not at its next poll. */
  signals?: Signals;
}

export const DEFAULT_CATCHUP_MS = 6 * 3_600_000;
export const DEFAULT_LEASE_MS = 10 * 60_000;
export const POLL_MS = 60_000;
/** The freshener is asked for the day's list unless it was fetched this recently (milliseconds). */
export const FRESH_MS = 15 * 60_000;
/** How long the freshener may take before the post goes out with what is stored (milliseconds). */
export const FRESHEN_TIMEOUT_MS = 60_000;
/** 5 s, 20 s, 80 s: three retries fit well inside the lease. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 3, minTimeout: 5_000, factor: 4, maxTimeout: 120_000 };

/** The one-shot subscription id a cron-driven `post trending` keeps its ledger under. */
export function oneShotId(platform: string, channel: string): string {
  return `cron:${platform}:${channel}`;
}

/**
 * Posts every trending subscription at its local time. Each tick re-reads the subscriptions from the
 * store (so subscriptions made through another process are picked up), works out each one's latest
 * scheduled run, and posts it unless the ledger already settled that run. Timers are the global ones
 * and time is the Clock, so a fake clock and fake timers drive it in tests.
 */
export class Scheduler implements BackgroundJob {
  readonly name = 'scheduler';
  private readonly log: Logger;
  private readonly owner: string;
  private readonly catchupMs: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly retry: RetryPolicy;
  private readonly sendTimeoutMs: number;
  private readonly limit: ReturnType<typeof pLimit>;
  private adapters = new Map<string, ChatAdapter>();
  private timer: NodeJS.Timeout | undefined;
  /** Subscriptions with a post under way (or waiting for a send slot): a later tick leaves them be. */
  private readonly active = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private abort = new AbortController();
  private stopped = true;
  /** Slots already logged as having no adapter here, so the warning is not repeated every minute. */
  private readonly unreachable = new Set<string>();
  /** Steps of the wall clock, seen from this scheduler's timers: posts wait until a step has settled. */
  private readonly steps = new ClockSteps();
  /** The subscriptions as the last look at the store read them (for {@link nextPost} and the next timer). */
  private known: Subscription[] = [];
  /** A timer's look is reading the subscriptions; a wake-up meanwhile makes another look follow it at once. */
  private looking = false;
  private lookAgain = false;
  private unlisten: (() => void) | undefined;

  constructor(private readonly opts: SchedulerOptions) {
    this.log = opts.logger.child({ component: 'scheduler' });
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.catchupMs = opts.catchupMs ?? DEFAULT_CATCHUP_MS;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.pollMs = opts.pollMs ?? POLL_MS;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.sendTimeoutMs = opts.sendTimeoutMs ?? SEND_TIMEOUT_MS;
    this.limit = pLimit(opts.concurrency ?? SEND_CONCURRENCY);
  }

  start(adapters: readonly ChatAdapter[]): void {
    this.adapters = new Map(adapters.map((a) => [a.platform, a]));
    this.stopped = false;
    this.abort = new AbortController();
    this.unlisten = this.opts.signals?.on('subscriptions', () => this.wake());
    this.arm(0);
  }

  /** Resolves once the looks and posts under way have finished (a look that is still running skips the subscriptions it holds). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Lets a post under way finish its current attempt; one still waiting to retry gives its claim back (not done). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten?.();
    clearTimeout(this.timer);
    this.abort.abort(new Error('the scheduler is stopping'));
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * The next scheduled post across every subscription (for /healthz), among the subscriptions the last
   * look at the store found (each tick reads them again, at least every poll interval).
   */
  nextPost(): { at: Date; subscription: string; platform: string; channel: string } | null {
    const now = this.opts.clock.now();
    let best: { at: Date; subscription: string; platform: string; channel: string } | null = null;
    // NOTE: croner takes tens of microseconds per answer; subscriptions sharing a time and zone share it.
    const byTime = new Map<string, Date>();
    for (const s of this.known) {
      const key = scheduleKey(s);
      const at = byTime.get(key) ?? nextRunAfter(s, now);
      byTime.set(key, at);
      if (!best || at < best.at) best = { at, subscription: s.id, platform: s.platform, channel: s.channel };
    }
    return best;
  }

  /**
   * Looks at every subscription once and starts what is due (what each timer tick runs); resolves when
   * the posts it started have settled. Channels are posted to side by side (a bounded number at once),
   * and the timer does not wait for them: a slow or hung channel (its retries take minutes) delays no
   * other channel, whether due at the same minute or later. A subscription whose post is still under
   * way is left to it.
   */
  async tick(): Promise<void> {
    const { posts } = await this.look();
    await posts;
  }

  /** Reads the subscriptions and starts what is due; resolves once they are read, with the posts it started (`posts`). */
  private async look(): Promise<{ posts: Promise<void> }> {
    let subscriptions: Subscription[];
    try {
      subscriptions = await this.opts.store.all();
    } catch (e) {
      this.log.error({ err: e }, 'could not read the subscriptions; trying again at the next tick');
      return { posts: Promise.resolve() };
    }
    this.known = subscriptions;
    // NOTE: when the tick saw a slot is what decides whether it is late or its day is over, not when a send slot freed up.
    const seenAt = this.opts.clock.now();
    const started = subscriptions
      .filter((s) => !this.active.has(s.id))
      .map((s) => {
        this.active.add(s.id);
        const work = this.limit(async () => {
          if (this.stopped) return;
          try {
            await this.runDue(s, seenAt);
          } catch (e) {
            this.log.error({ err: e, subscription: s.id, platform: s.platform, channel: s.channel }, 'scheduled post failed unexpectedly');
          }
        }).finally(() => this.active.delete(s.id));
        return this.track(work);
      });
    return { posts: Promise.all(started).then(() => undefined) };
  }

  /**
   * One post of a channel's list, outside any schedule (`paperboy post trending` from cron): the
   * ledger slot is the list date under the channel's one-shot subscription, so the same run twice
   * posts once. `listDate` defaults to the newest list.
   */
  async postOnce(adapter: ChatAdapter, target: PostTarget, top: number, listDate?: string): Promise<SlotOutcome | { kind: 'no-list'; date: string | null }> {
    const list = listDate ?? newestList(this.opts.library, this.opts.clock.now(), this.opts.timeZone);
    if (list === null) return { kind: 'no-list', date: null };
    const reply = trendingPost(this.opts.library, list, top);
    if (!reply) return { kind: 'no-list', date: list };
    const id = oneShotId(adapter.platform, target.channel);
    const claim = await this.opts.store.claim(id, list, list, this.owner, this.leaseMs, { retryFailed: true });
    if (claim.kind === 'settled') return { kind: 'already', row: claim.row };
    if (claim.kind === 'busy') return { kind: 'busy' };
    return this.deliver(adapter, target, id, list, reply, { subscription: id, platform: adapter.platform, channel: target.channel });
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const setAt = this.opts.clock.now().getTime();
    this.timer = setTimeout(() => {
      const stepped = this.steps.observe(setAt, delayMs, this.opts.clock.now().getTime());
      if (stepped !== null) {
        const minutes = Math.round(stepped / 6_000) / 10;
        this.log.warn(
          { stepMinutes: minutes, settleMinutes: SETTLE_MS / 60_000 },
          `the wall clock stepped by ${minutes} min: scheduled posts wait until it has run steadily for ${SETTLE_MS / 60_000} min`,
        );
      }
      // NOTE: the next timer is set once this look has read the subscriptions, from what it read; it does not wait for the posts.
      this.looking = true;
      this.lookAgain = false;
      const looked = this.look().then(() => {
        this.looking = false;
        this.arm(this.lookAgain ? 0 : this.delayToNext());
      });
      void this.track(looked);
    }, delayMs);
    this.timer.unref?.();
  }

  /**
   * A subscription was added or removed (by any process): look now. A look under way may have read
   * the subscriptions before the change, so another follows it.
   */
  private wake(): void {
    if (this.stopped) return;
    if (this.looking) this.lookAgain = true;
    else this.arm(0);
  }

  /** Until the next run of any subscription, but at most a poll interval (new subscriptions appear between). */
  private delayToNext(): number {
    try {
      const next = this.nextPost();
      const now = this.opts.clock.now().getTime();
      return next ? Math.max(0, Math.min(this.pollMs, next.at.getTime() - now)) : this.pollMs;
    } catch (e) {
      this.log.error({ err: e }, 'could not work out the next post');
      return this.pollMs;
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  /** Posts a subscription's latest scheduled run, as of `now` (when the tick saw it), if it is due and not settled yet. */
  private async runDue(s: Subscription, now: Date): Promise<void> {
    // NOTE: which day it is comes from the wall clock; after a step, it is believed only once it has settled.
    if (!this.steps.settled) return;
    await this.reopenAhead(s, now);
    const run = lastRunAtOrBefore(s, now);
    if (!run || run.getTime() < Date.parse(s.createdAt)) return;
    const slot = dateInZone(run, s.zone);
    const row = await this.opts.store.slot(s.id, slot);
    if (row && row.state !== 'claimed') return;
    const where = { subscription: s.id, platform: s.platform, channel: s.channel, slot, due: run.toISOString() };
    const late = now.getTime() - run.getTime();
    // This slot was settled under a clock that ran ahead: it now posts only a list newer than any posted.
    const ahead = !row && (await this.opts.store.settledAhead(s.id, slot));
    const otherDay = dateInZone(now, s.zone) !== slot;
    // NOTE: a run found within two polls of its time is on time, not a catch-up (PAPERBOY_CATCHUP_HOURS=0 must still post).
    if ((late > Math.max(this.catchupMs, 2 * this.pollMs) || otherDay) && !row) {
      if (ahead) return;
      const hours = Math.round(late / 360_000) / 10;
      const why = otherDay ? `its day is over in ${s.zone}` : `the grace window is ${this.catchupMs / 3_600_000} h`;
      if (await this.opts.store.skip(s.id, slot, `missed by ${hours} h (${why})`)) {
        const what = otherDay ? `its day is over in ${s.zone}` : 'outside the catch-up window';
        this.log.warn({ ...where, lateHours: hours }, `scheduled post missed while the bot was down, ${what}: skipped`);
      }
      return;
    }
    const adapter = this.adapters.get(s.platform);
    if (!adapter) {
      const key = `${s.id}@${slot}`;
      if (!this.unreachable.has(key)) {
        this.unreachable.add(key);
        this.log.warn(where, `scheduled post due, but ${s.platform} is not connected in this process: left for a process that serves it`);
      }
      return;
    }
    const target: PostTarget = { channel: s.channel, ...(s.guildId ? { guildId: s.guildId } : {}) };
    if (adapter.holds && !adapter.holds(target)) return;
    // A digest's "list" in the ledger is its period (`2026-W49`, `2026-11`), so each period is posted once per subscription.
    const period = isDigest(s) ? digestPeriod(s, slot) : null;
    if (period) await freshenPeriod({ ...this.opts, now: () => this.opts.clock.now(), log: this.log, signal: this.abort.signal }, period);
    else await this.freshen(now);
    const newest = period ? period.label : newestList(this.opts.library, this.opts.clock.now(), this.opts.timeZone);
    if (ahead && !isNewer(newest, await this.opts.store.lastPostedList(s.id))) return;
    const claim = await this.opts.store.claim(s.id, slot, newest, this.owner, this.leaseMs);
    if (claim.kind === 'busy') {
      this.log.debug({ ...where, owner: claim.owner }, 'another process is posting this slot');
      return;
    }
    if (claim.kind === 'settled') return;
    if (claim.takenOver) this.log.warn(where, 'took over a scheduled post whose process stopped before finishing it');
    if (period && claim.listDate === null) {
      this.log.warn({ ...where, period: period.label }, 'this period’s digest was already posted under another slot: not posting it again');
      await this.opts.store.release(s.id, slot, this.owner);
      return;
    }
    const list = period ? digestPost(this.opts.library, period, s.top) : claim.listDate ? trendingPost(this.opts.library, claim.listDate, s.top) : null;
    const reply =
      list ?? (period ? emptyPeriodPost(period, nextRunAfter(s, now), s.zone) : nothingNewPost(claim.lastPostedList ?? newest, nextRunAfter(s, now), s.zone));
    if (!list) this.log.info({ ...where, lastList: claim.lastPostedList ?? newest }, 'nothing new to post: posting the "nothing new" line');
    if (late > this.pollMs) this.log.info({ ...where, lateMinutes: Math.round(late / 60_000) }, 'catching up a scheduled post missed while the bot was down');
    await this.deliver(adapter, target, s.id, slot, reply, where, list ? claim.listDate : null);
  }

  /**
   * Reopens the subscription's slots that were settled under a clock that ran ahead and has gone back (their
   * ledger time is later than now): the real day's list must stay postable. See ScheduleStore.reopenAhead.
   */
  private async reopenAhead(s: Subscription, now: Date): Promise<void> {
    // NOTE: a slot settled under a clock ahead of now is dated at least yesterday, in any zone.
    const fromSlot = dateInZone(new Date(now.getTime() - 2 * 86_400_000), s.zone);
    const reopened = await this.opts.store.reopenAhead(s.id, fromSlot, new Date(now.getTime() + STEP_TOLERANCE_MS));
    if (reopened > 0) {
      this.log.warn(
        { subscription: s.id, platform: s.platform, channel: s.channel, reopened },
        'found posts recorded under a clock that ran ahead: their days post a newer list at their real time (no list is posted twice)',
      );
    }
  }

  /** Asks the freshener for today's list, tolerating its failure (the post then uses what is stored). */
  private async freshen(now: Date): Promise<void> {
    const f = this.opts.freshener;
    if (!f) return;
    const date = dateInZone(now, this.opts.timeZone);
    try {
      const r = await within(f.ensureFresh(date, FRESH_MS), FRESHEN_TIMEOUT_MS, this.abort.signal);
      if (r === 'timeout') this.log.warn({ date }, 'fetching the day’s list took too long; posting what is stored');
    } catch (e) {
      this.log.warn({ err: e, date }, 'could not fetch the day’s list; posting what is stored');
    }
  }

  /** Posts one claimed slot through the ledger (see {@link deliverSlot}). */
  private deliver(
    adapter: ChatAdapter,
    target: PostTarget,
    subscription: string,
    slot: string,
    reply: Reply,
    where: Record<string, unknown>,
    listDate: string | null = slot,
  ): Promise<SlotOutcome> {
    const ledger = {
      store: this.opts.store,
      owner: this.owner,
      leaseMs: this.leaseMs,
      retry: this.retry,
      sendTimeoutMs: this.sendTimeoutMs,
      stopping: this.abort.signal,
      log: this.log,
    };
    return deliverSlot(ledger, { adapter, target, subscription, slot, reply, where, listDate });
  }
}

/** Whether list date `a` is later than `b` (null: no list). */
function isNewer(a: string | null, b: string | null): boolean {
  return a !== null && (b === null || a > b);
}
