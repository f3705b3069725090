// The schedule's tables in the paper database: trending subscriptions per channel, and the post ledger that keeps each post exactly once.
import { randomBytes } from 'node:crypto';
import type { DeliveryFailure } from '../errors.js';
import type { Signals, Sql } from '../ports.js';
import { forUpdate } from '../store/sql.js';
import type { Cadence } from './cadence.js';
import type { TrendingSchedule } from './spec.js';

/** A channel's scheduled trending post (daily, or a weekly or monthly digest). `id` is short and shown to users (`/papers unsubscribe <id>`). */
export interface Subscription extends TrendingSchedule {
  /** Always set on a stored subscription (rows from before digests read as daily). */
  cadence: Cadence;
  id: string;
  platform: string;
  channel: string;
  guildId?: string;
  createdAt: string;
  createdBy?: string;
}

/** Where a slot of the ledger stands: claimed by a process, posted, failed (not done), or skipped (missed outside the grace window). */
export type SlotState = 'claimed' | 'posted' | 'failed' | 'skipped';

/** One row of the ledger: what one subscription did (or is doing) for one slot. */
export interface LedgerRow {
  subscription: string;
  /** The scheduled run's local date (`YYYY-MM-DD`), or for one-shot posts the list date. */
  slot: string;
  /** The daily list posted, or null for the "nothing new" line and skipped slots. */
  listDate: string | null;
  state: SlotState;
  owner: string | null;
  leaseUntil: number | null;
  attempts: number;
  failure: DeliveryFailure | 'interrupted' | 'missed' | null;
  detail: string | null;
  updatedAt: string;
  /** When the first attempt went out (epoch milliseconds): a later attempt looks for a message landed since. */
  firstAttemptAt: number | null;
  /** The platform's id of the message posted (Slack `ts`, Discord message id), once known. */
  messageId: string | null;
}

/** What a claim gave: the slot is ours to post (with the list decided), or another process has it, or it is settled. */
export type Claim =
  | { kind: 'claimed'; listDate: string | null; lastPostedList: string | null; takenOver: boolean }
  | { kind: 'busy'; owner: string | null }
  | { kind: 'settled'; row: LedgerRow };

/** What follows a slot's date in the key of a list posted for it under a clock that ran ahead. */
const AHEAD = ' ahead ';

/** How many trending subscriptions one channel may have (a cap on what one channel can make the bot post). */
export const MAX_PER_CHANNEL = 5;

interface SubRow {
  id: string;
  platform: string;
  channel: string;
  guild_id: string | null;
  hour: number;
  minute: number;
  zone: string;
  top: number;
  created_at: string;
  created_by: string | null;
  cadence: Cadence;
  weekday: number | null;
}

interface PostRow {
  subscription: string;
  slot: string;
  list_date: string | null;
  state: SlotState;
  owner: string | null;
  lease_until: number | null;
  attempts: number;
  failure: string | null;
  detail: string | null;
  updated_at: string;
  first_attempt_at: number | null;
  message_id: string | null;
}

function toSub(r: SubRow): Subscription {
  return {
    id: r.id,
    platform: r.platform,
    channel: r.channel,
    hour: r.hour,
    minute: r.minute,
    zone: r.zone,
    top: r.top,
    cadence: r.cadence,
    ...(r.weekday !== null ? { weekday: Number(r.weekday) } : {}),
    createdAt: r.created_at,
    ...(r.guild_id ? { guildId: r.guild_id } : {}),
    ...(r.created_by ? { createdBy: r.created_by } : {}),
  };
}

function toRow(r: PostRow): LedgerRow {
  return {
    subscription: r.subscription,
    slot: r.slot,
    listDate: r.list_date,
    state: r.state,
    owner: r.owner,
    leaseUntil: r.lease_until,
    attempts: r.attempts,
    failure: r.failure as LedgerRow['failure'],
    detail: r.detail,
    updatedAt: r.updated_at,
    firstAttemptAt: r.first_attempt_at,
    messageId: r.message_id,
  };
}

/** What adding a subscription under the per-channel rules gave. */
export type Added =
  | { kind: 'added'; subscription: Subscription }
  /** The channel already has one at this time and zone, with the same cadence (and weekday). */
  | { kind: 'same'; existing: Subscription }
  /** The channel already has `count` (the most it may have). */
  | { kind: 'full'; count: number };

const SUB_COLUMNS = 'id, platform, channel, guild_id, hour, minute, zone, top, created_at, created_by, cadence, weekday';

/** What a new subscription is given; without a cadence it is daily. */
export type NewSubscription = Omit<Subscription, 'id' | 'createdAt' | 'cadence'> & { cadence?: Cadence };

/**
 * Subscriptions and the post ledger, in the shared database (the SQLite file, or PostgreSQL with
 * DATABASE_URL), so every process and host serving it shares them. Every decision runs in one write
 * transaction: on SQLite the write lock serialises processes; on PostgreSQL the ledger row is locked
 * (`FOR UPDATE SKIP LOCKED`) and a slot's first claim is a unique key (`ON CONFLICT DO NOTHING`), so
 * of two hosts deciding the same slot at once exactly one claims it and the other sees it busy.
 */
export class ScheduleStore {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => Date,
    /** Wakes every process's scheduler when a subscription is added or removed (else each finds it at its next poll). */
    private readonly signals?: Signals,
  ) {}

  /** Adds a subscription with a fresh short id. {@link addWithin} also checks the per-channel rules. */
  async add(s: NewSubscription): Promise<Subscription> {
    return this.sql.transaction((tx) => this.insert(tx, s));
  }

  /**
   * Adds a subscription unless the channel already has one at the same time, zone and cadence, or already has
   * `max`: checked and added in one transaction, so two subscribes at once (on two hosts) cannot both pass.
   */
  async addWithin(s: NewSubscription, max = MAX_PER_CHANNEL): Promise<Added> {
    return this.sql.transaction(async (tx): Promise<Added> => {
      // NOTE: a channel with no subscriptions has no row to lock; PostgreSQL serialises its adds on an advisory lock instead.
      if (tx.engine === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(hashtext(?))', [`schedule.channel:${s.platform}:${s.channel}`]);
      const existing = await this.listOn(tx, s.platform, s.channel);
      const cadence = s.cadence ?? 'daily';
      const same = existing.find((e) => e.hour === s.hour && e.minute === s.minute && e.zone === s.zone && e.cadence === cadence && e.weekday === s.weekday);
      if (same) return { kind: 'same', existing: same };
      if (existing.length >= max) return { kind: 'full', count: existing.length };
      return { kind: 'added', subscription: await this.insert(tx, s) };
    });
  }

  /** The channel's subscriptions, oldest first. */
  list(platform: string, channel: string): Promise<Subscription[]> {
    return this.listOn(this.sql, platform, channel);
  }

  /** Every subscription (the scheduler reads them on each tick, so other processes' changes are seen). */
  async all(): Promise<Subscription[]> {
    return (await this.sql.all<SubRow>(`SELECT ${SUB_COLUMNS} FROM schedule_subscriptions ORDER BY created_at, id`)).map(toSub);
  }

  async get(id: string): Promise<Subscription | undefined> {
    const r = await this.sql.get<SubRow>(`SELECT ${SUB_COLUMNS} FROM schedule_subscriptions WHERE id = ?`, [id]);
    return r ? toSub(r) : undefined;
  }

  /** Removes the channel's subscription with this id (and its ledger); false when the channel has none with it. */
  remove(platform: string, channel: string, id: string): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const r = await tx.run('DELETE FROM schedule_subscriptions WHERE id = ? AND platform = ? AND channel = ?', [id, platform, channel]);
      if (r.changes === 0) return false;
      await tx.run('DELETE FROM schedule_posts WHERE subscription = ?', [id]);
      await this.signals?.notify('subscriptions', tx);
      return true;
    });
  }

  /** Removes every subscription (and its ledger) of the channels whose id starts with `prefix` (a removed workspace's `T123:`); how many. */
  removeWithPrefix(platform: string, prefix: string): Promise<number> {
    return this.sql.transaction(async (tx) => {
      const where = 'platform = ? AND substr(channel, 1, ?) = ?';
      const params = [platform, prefix.length, prefix];
      await tx.run(`DELETE FROM schedule_posts WHERE subscription IN (SELECT id FROM schedule_subscriptions WHERE ${where})`, params);
      return (await tx.run(`DELETE FROM schedule_subscriptions WHERE ${where}`, params)).changes;
    });
  }

  /** The ledger row of one slot, if any. */
  slot(subscription: string, slot: string): Promise<LedgerRow | undefined> {
    return slotOn(this.sql, subscription, slot);
  }

  /** The subscription's ledger, newest change first. */
  async history(subscription: string, limit = 20): Promise<LedgerRow[]> {
    const rows = await this.sql.all<PostRow>('SELECT * FROM schedule_posts WHERE subscription = ? ORDER BY updated_at DESC, slot DESC LIMIT ?', [
      subscription,
      limit,
    ]);
    return rows.map(toRow);
  }

  /** The newest list the subscription has posted. */
  lastPostedList(subscription: string): Promise<string | null> {
    return lastPostedOn(this.sql, subscription);
  }

  /**
   * Claims a slot for `owner` until `leaseMs` from now, deciding inside the same transaction what it
   * posts: `newestList` unless the subscription already claimed or posted that list (then null: the
   * "nothing new" line). A slot settled before (posted, failed, skipped) stays settled, unless
   * `retryFailed` (one-shot posts may be re-run after a failure); a claim whose lease ran out (its
   * process died) is taken over with the list it had decided. A slot another process is deciding at
   * this moment (its row locked, or its first claim just inserted) is busy.
   */
  claim(subscription: string, slot: string, newestList: string | null, owner: string, leaseMs: number, opts: { retryFailed?: boolean } = {}): Promise<Claim> {
    const nowMs = this.now().getTime();
    const at = new Date(nowMs).toISOString();
    return this.sql.transaction(async (tx): Promise<Claim> => {
      const locked = await tx.get<PostRow>(`SELECT * FROM schedule_posts WHERE subscription = ? AND slot = ?${forUpdate(tx, true)}`, [subscription, slot]);
      const existing = locked ? toRow(locked) : undefined;
      const last = await lastPostedOn(tx, subscription);
      if (existing) {
        if (existing.state === 'claimed') {
          if ((existing.leaseUntil ?? 0) > nowMs) return { kind: 'busy', owner: existing.owner };
          await tx.run("UPDATE schedule_posts SET owner = ?, lease_until = ?, updated_at = ? WHERE subscription = ? AND slot = ? AND state = 'claimed'", [
            owner,
            nowMs + leaseMs,
            at,
            subscription,
            slot,
          ]);
          return { kind: 'claimed', listDate: existing.listDate, lastPostedList: last, takenOver: true };
        }
        if (!(existing.state === 'failed' && opts.retryFailed)) return { kind: 'settled', row: existing };
      }
      const taken =
        newestList !== null &&
        Number(
          (
            await tx.get<{ n: number }>(
              "SELECT COUNT(*) AS n FROM schedule_posts WHERE subscription = ? AND list_date = ? AND state IN ('claimed', 'posted') AND slot <> ?",
              [subscription, newestList, slot],
            )
          )?.n ?? 0,
        ) !== 0;
      const listDate = taken ? null : newestList;
      if (existing) {
        await tx.run(
          `UPDATE schedule_posts SET list_date = ?, state = 'claimed', owner = ?, lease_until = ?, failure = NULL, detail = NULL, updated_at = ?
             WHERE subscription = ? AND slot = ?`,
          [listDate, owner, nowMs + leaseMs, at, subscription, slot],
        );
        return { kind: 'claimed', listDate, lastPostedList: last, takenOver: false };
      }
      const inserted = await tx.run(
        `INSERT INTO schedule_posts (subscription, slot, list_date, state, owner, lease_until, attempts, failure, detail, updated_at)
         VALUES (?, ?, ?, 'claimed', ?, ?, 0, NULL, NULL, ?) ON CONFLICT DO NOTHING`,
        [subscription, slot, listDate, owner, nowMs + leaseMs, at],
      );
      if (inserted.changes === 1) return { kind: 'claimed', listDate, lastPostedList: last, takenOver: false };
      // Another process holds the row (locked, skipped above) or inserted it since: it is deciding this slot.
      return { kind: 'busy', owner: (await slotOn(tx, subscription, slot))?.owner ?? null };
    });
  }

  /**
   * Reopens this subscription's slots settled by a clock that ran ahead and has since gone back: rows from
   * `fromSlot` on whose recorded wall time is later than `notAfter` (claims in flight are left alone). Each
   * moves to the key `<slot> ahead <time>`: a list that went out stays recorded as posted (it is never posted
   * again to this subscription), and the slot itself is free to post a newer list at its real time
   * ({@link settledAhead}). Nothing is deleted, so a process whose clock is still ahead does not post again.
   * A failed slot that made attempts stays where it is: one of them may have landed, and only its own row
   * (with its attempts) makes the next post look first; its list is not done, so the next run posts it.
   * Gives how many slots were reopened.
   */
  async reopenAhead(subscription: string, fromSlot: string, notAfter: Date): Promise<number> {
    const where = `subscription = ? AND slot >= ? AND updated_at > ? AND state <> 'claimed' AND NOT (state = 'failed' AND attempts > 0)
           AND slot NOT LIKE '% %'`;
    const params = [subscription, fromSlot, notAfter.toISOString()];
    // NOTE: the scheduler asks on every tick and there is almost never anything to reopen: a read first spares a write transaction.
    if (!(await this.sql.get(`SELECT 1 AS found FROM schedule_posts WHERE ${where} LIMIT 1`, params))) return 0;
    return this.sql.transaction(async (tx) => {
      // NOTE: a row another process is moving at once is re-checked after its lock: its new key has a space, so it is left.
      const r = await tx.run(`UPDATE schedule_posts SET slot = slot || ? || updated_at WHERE ${where}`, [AHEAD, ...params]);
      return r.changes;
    });
  }

  /** Whether this slot was settled (a list, the "nothing new" line, a failure) under a clock that ran ahead (see {@link reopenAhead}). */
  async settledAhead(subscription: string, slot: string): Promise<boolean> {
    // NOTE: ahead keys are `<slot> ahead <ISO time>`; every character of an ISO time sorts before "~".
    const r = await this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM schedule_posts WHERE subscription = ? AND slot > ? AND slot < ?', [
      subscription,
      `${slot}${AHEAD}`,
      `${slot}${AHEAD}~`,
    ]);
    return Number(r?.n ?? 0) > 0;
  }

  /**
   * Counts an attempt before it is made, and renews the lease: durably, so that if this process dies
   * mid-send, whoever takes the slot over knows to look for the message first. Returns the row as it
   * now is, or null when `owner` no longer holds the claim.
   */
  attempt(subscription: string, slot: string, owner: string, leaseMs: number): Promise<LedgerRow | null> {
    const nowMs = this.now().getTime();
    return this.sql.transaction(async (tx) => {
      const r = await tx.get<PostRow>(
        `UPDATE schedule_posts SET attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, ?), lease_until = ?, updated_at = ?
           WHERE subscription = ? AND slot = ? AND owner = ? AND state = 'claimed' RETURNING *`,
        [nowMs, nowMs + leaseMs, new Date(nowMs).toISOString(), subscription, slot, owner],
      );
      return r ? toRow(r) : null;
    });
  }

  /** Extends a live claim's lease (a heartbeat while it posts); false when `owner` no longer holds it. */
  renew(subscription: string, slot: string, owner: string, leaseMs: number): Promise<boolean> {
    const until = this.now().getTime() + leaseMs;
    return this.sql.transaction(async (tx) => {
      const r = await tx.run("UPDATE schedule_posts SET lease_until = ? WHERE subscription = ? AND slot = ? AND owner = ? AND state = 'claimed'", [
        until,
        subscription,
        slot,
        owner,
      ]);
      return r.changes === 1;
    });
  }

  /** Marks a claimed slot posted, with the platform's message id; false when `owner` no longer holds it (its lease was taken over). */
  posted(subscription: string, slot: string, owner: string, attempts: number, messageId: string | null = null): Promise<boolean> {
    return this.settle(subscription, slot, owner, 'posted', attempts, null, null, messageId);
  }

  /** Marks a claimed slot failed (not done), with why, for `subscriptions` and the logs. */
  failed(subscription: string, slot: string, owner: string, attempts: number, failure: NonNullable<LedgerRow['failure']>, detail: string): Promise<boolean> {
    return this.settle(subscription, slot, owner, 'failed', attempts, failure, detail);
  }

  /**
   * Gives a claim back (shutdown before it was posted), so the next start catches it up: a slot never
   * attempted is as if never claimed; one attempted (whose message may have landed) keeps its row with
   * the lease ended, so whoever takes it over looks for that message before posting.
   */
  release(subscription: string, slot: string, owner: string): Promise<void> {
    return this.sql.transaction(async (tx) => {
      await tx.run("DELETE FROM schedule_posts WHERE subscription = ? AND slot = ? AND owner = ? AND state = 'claimed' AND attempts = 0", [
        subscription,
        slot,
        owner,
      ]);
      await tx.run("UPDATE schedule_posts SET lease_until = 0 WHERE subscription = ? AND slot = ? AND owner = ? AND state = 'claimed'", [
        subscription,
        slot,
        owner,
      ]);
    });
  }

  /** Records a slot missed by more than the grace window; false when the slot already has a row. */
  skip(subscription: string, slot: string, detail: string): Promise<boolean> {
    const at = this.now().toISOString();
    return this.sql.transaction(async (tx) => {
      const r = await tx.run(
        `INSERT INTO schedule_posts (subscription, slot, list_date, state, owner, lease_until, attempts, failure, detail, updated_at)
         VALUES (?, ?, NULL, 'skipped', NULL, NULL, 0, 'missed', ?, ?) ON CONFLICT DO NOTHING`,
        [subscription, slot, detail, at],
      );
      return r.changes === 1;
    });
  }

  private settle(
    subscription: string,
    slot: string,
    owner: string,
    state: 'posted' | 'failed',
    attempts: number,
    failure: string | null,
    detail: string | null,
    messageId: string | null = null,
  ): Promise<boolean> {
    const at = this.now().toISOString();
    return this.sql.transaction(async (tx) => {
      // NOTE: CASE, not the scalar max(a, b): PostgreSQL has only greatest().
      const r = await tx.run(
        `UPDATE schedule_posts SET state = ?, attempts = CASE WHEN attempts > ? THEN attempts ELSE ? END, failure = ?, detail = ?, lease_until = NULL,
           updated_at = ?, message_id = coalesce(?, message_id) WHERE subscription = ? AND slot = ? AND owner = ? AND state = 'claimed'`,
        [state, attempts, attempts, failure, detail, at, messageId, subscription, slot, owner],
      );
      return r.changes === 1;
    });
  }

  private async insert(tx: Sql, given: NewSubscription): Promise<Subscription> {
    const s = withCadence(given);
    for (;;) {
      const id = `t${randomBytes(3).toString('hex').slice(0, 5)}`;
      const createdAt = this.now().toISOString();
      const r = await tx.run(`INSERT INTO schedule_subscriptions (${SUB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, [
        id,
        s.platform,
        s.channel,
        s.guildId ?? null,
        s.hour,
        s.minute,
        s.zone,
        s.top,
        createdAt,
        s.createdBy ?? null,
        s.cadence,
        s.weekday ?? null,
      ]);
      if (r.changes === 1) {
        await this.signals?.notify('subscriptions', tx);
        return { ...s, id, createdAt };
      }
    }
  }

  private async listOn(on: Sql, platform: string, channel: string): Promise<Subscription[]> {
    const rows = await on.all<SubRow>(`SELECT ${SUB_COLUMNS} FROM schedule_subscriptions WHERE platform = ? AND channel = ? ORDER BY created_at, id`, [
      platform,
      channel,
    ]);
    return rows.map(toSub);
  }
}

/** A new subscription with its cadence spelt out (daily when none is given) and a weekday only when weekly. */
function withCadence(given: NewSubscription): Omit<Subscription, 'id' | 'createdAt'> {
  const { weekday, ...rest } = given;
  const cadence = given.cadence ?? 'daily';
  return { ...rest, cadence, ...(cadence === 'weekly' && weekday !== undefined ? { weekday } : {}) };
}

async function slotOn(on: Sql, subscription: string, slot: string): Promise<LedgerRow | undefined> {
  const r = await on.get<PostRow>('SELECT * FROM schedule_posts WHERE subscription = ? AND slot = ?', [subscription, slot]);
  return r ? toRow(r) : undefined;
}

async function lastPostedOn(on: Sql, subscription: string): Promise<string | null> {
  const r = await on.get<{ d: string | null }>("SELECT MAX(list_date) AS d FROM schedule_posts WHERE subscription = ? AND state = 'posted'", [subscription]);
  return r?.d ?? null;
}
