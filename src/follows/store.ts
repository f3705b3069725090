// Follows, the alert ledger and the alert outbox, in their own tables of the paper database.
import { randomUUID } from 'node:crypto';
import { UserError } from '../errors.js';
import type { Paper } from '../papers/model.js';
import type { Clock, Follow, FollowBook, FollowOwner, Param, ShardSet, Signals, Sql, UndeliveredAlert } from '../ports.js';
import { clip, type Reply } from '../reply.js';
import { forUpdate } from '../store/sql.js';
import { fromRow, type PaperRow } from '../store/paperRows.js';
import { namedFollow } from './people.js';
import { parseSubject } from './subject.js';

/** How many follows one user or channel may keep: enough for real interests, few enough that one alert stays readable. */
export const MAX_FOLLOWS_PER_OWNER = 25;

interface FollowRow {
  /** NOTE: PostgreSQL returns a BIGINT as a string. */
  id: number | string;
  platform: string;
  owner_kind: 'user' | 'channel';
  owner_id: string;
  guild_id: string | null;
  topic: string;
  topic_key: string;
  created_at: string;
}

interface OutboxRow {
  id: number | string;
  platform: string;
  owner_kind: 'user' | 'channel';
  owner_id: string;
  guild_id: string | null;
  reply: string;
  attempts: number;
  status: 'pending' | 'delivered' | 'failed';
  failure: string | null;
  last_error: string | null;
  created_at: string;
  done_at: string | null;
  first_attempt_at: string | null;
  message_id: string | null;
}

/** One alert to deliver, claimed by one process until its lease ends. */
export interface ClaimedAlert {
  id: number;
  platform: string;
  owner: FollowOwner;
  reply: Reply;
  /** Delivery attempts before this one. */
  attempts: number;
  /** When the first attempt went out (an ISO time), or null when it was never attempted. */
  firstAttemptAt: string | null;
}

/** One owner's new papers for one ingest, as the planner computed them. */
export interface PlannedAlert {
  platform: string;
  owner: FollowOwner;
  /** Every matching paper id in the order the alert lists them; those already alerted are dropped here. */
  paperIds: string[];
  /** Builds the alert for the papers not alerted before (never called with none). */
  reply(newIds: readonly string[]): Reply;
}

function ownerId(owner: FollowOwner): string {
  return owner.kind === 'user' ? owner.user : owner.channel;
}

/**
 * The claim's condition for platforms sharded over processes: a channel alert in a guild is claimable
 * only where the guild's shard, `(guild_id >> 22) % total` (Discord's rule), is one this process runs.
 * DMs need no shard (any process sends them over REST). NOTE: on PostgreSQL the id is divided as
 * numeric (a snowflake may not fit a signed bigint shift), and an id that is not a number is shard 0,
 * as in `shardForGuild`; SQLite's CAST gives 0 for it too.
 */
function shardFilter(sql: Sql, shards: Readonly<Record<string, ShardSet>>): { text: string; params: Param[] } {
  let text = '';
  const params: Param[] = [];
  for (const [platform, set] of Object.entries(shards)) {
    if (set.ids.length === 0 || set.total <= 1) continue;
    const shard =
      sql.engine === 'postgres'
        ? `CASE WHEN guild_id ~ '^[0-9]{1,20}$' THEN mod(div(guild_id::numeric, 4194304), ?) ELSE 0 END`
        : '((CAST(guild_id AS INTEGER) >> 22) % ?)';
    text += ` AND (platform <> ? OR owner_kind <> 'channel' OR guild_id IS NULL OR ${shard} IN (${set.ids.map(() => '?').join(', ')}))`;
    params.push(platform, set.total, ...set.ids);
  }
  return { text, params };
}

function ownerOf(kind: 'user' | 'channel', id: string, guildId: string | null): FollowOwner {
  const guild = guildId === null ? {} : { guildId };
  return kind === 'user' ? { kind, user: id, ...guild } : { kind, channel: id, ...guild };
}

function toFollow(r: FollowRow): Follow {
  return { id: String(r.id), platform: r.platform, owner: ownerOf(r.owner_kind, r.owner_id, r.guild_id), topic: r.topic, createdAt: r.created_at };
}

/** NOTE: milliseconds the planner waits on PostgreSQL for the paper writes under way before it gives up for now. */
export const PLAN_LOCK_WAIT_MS = 10_000;

/** Statements with many rows are sent in chunks of this many: well under either engine's limit on bound values. */
const CHUNK = 400;

/** New papers read for planning: the mark they were read from, the last one's insertion number, and the papers themselves. */
export interface Unplanned {
  mark: number;
  /** The insertion number (SQLite rowid, PostgreSQL seq) of the last paper read, or null when none is new. */
  last: number | null;
  /** How many new papers were read. */
  count: number;
  /** The papers, oldest first; empty when they were not asked for. */
  papers: Paper[];
}

/**
 * The FollowBook over the shared database (SQLite or PostgreSQL, through the Sql port), plus what
 * the alert planner and the delivery job need: the ledger, the outbox and the planning mark. Limit
 * slots and ledger rows are taken in one write transaction; outbox claims lock their rows (SKIP
 * LOCKED on PostgreSQL; SQLite's write transaction holds the file), so processes on several hosts
 * never both take a slot, a ledger row or a claim. The owner (src/store/database.ts) migrates its steps (schema.ts).
 */
export class FollowStore implements FollowBook {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    /** How long a plan waits for paper writes under way on PostgreSQL (milliseconds; see `unplanned`). */
    private readonly planLockWaitMs = PLAN_LOCK_WAIT_MS,
    /** Wakes every process's alert delivery when alerts are put in the outbox (else each finds them at its next poll). */
    private readonly signals?: Signals,
  ) {}

  async add(platform: string, owner: FollowOwner, topic: string): Promise<Follow> {
    const subject = parseSubject(topic);
    if (!subject.ok) throw UserError.from(subject.error);
    const { key } = subject.value;
    const id = ownerId(owner);
    const createdAt = this.clock.now().toISOString();
    const added = await this.sql.transaction(async (tx) => {
      // NOTE: on PostgreSQL one owner's adds take turns (an advisory lock on the owner), so two hosts adding at
      // once count each other's follow against the limit; SQLite's write transaction already holds the file.
      if (tx.engine === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(hashtext(?))', [`follows:${platform}:${owner.kind}:${id}`]);
      const rows = await tx.all<FollowRow>('SELECT * FROM follows WHERE platform = ? AND owner_kind = ? AND owner_id = ? ORDER BY id', [
        platform,
        owner.kind,
        id,
      ]);
      const same = rows.find((r) => r.topic_key === key);
      if (same) return { kind: 'same' as const, same };
      if (rows.length >= MAX_FOLLOWS_PER_OWNER) return { kind: 'full' as const, full: rows.length };
      const row = await tx.get<{ id: number | string }>(
        'INSERT INTO follows (platform, owner_kind, owner_id, guild_id, topic, topic_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
        [platform, owner.kind, id, owner.guildId ?? null, subject.value.topic, key, createdAt],
      );
      return { kind: 'added' as const, id: String(row?.id) };
    });
    if (added.kind === 'same') {
      throw new UserError(`You already follow ${namedFollow(clip(added.same.topic, 60))} (id ${added.same.id}).`, ['`following` lists your follows.']);
    }
    if (added.kind === 'full') {
      throw new UserError(`You follow ${added.full} topics, the most one ${owner.kind} may follow (${MAX_FOLLOWS_PER_OWNER}).`, [
        '`unfollow <id>` removes one; `following` lists them with their ids.',
      ]);
    }
    return { id: added.id, platform, owner, topic: subject.value.topic, createdAt };
  }

  async list(platform: string, owner: FollowOwner): Promise<Follow[]> {
    const rows = await this.sql.all<FollowRow>('SELECT * FROM follows WHERE platform = ? AND owner_kind = ? AND owner_id = ? ORDER BY id', [
      platform,
      owner.kind,
      ownerId(owner),
    ]);
    return rows.map(toFollow);
  }

  async remove(platform: string, owner: FollowOwner, id: string): Promise<boolean> {
    const n = /^#?(\d{1,12})$/.exec(id.trim())?.[1];
    if (n === undefined) return false;
    const info = await this.sql.run('DELETE FROM follows WHERE id = ? AND platform = ? AND owner_kind = ? AND owner_id = ?', [
      Number(n),
      platform,
      owner.kind,
      ownerId(owner),
    ]);
    return info.changes > 0;
  }

  /** Every follow of every owner, for the alert planner. */
  async all(): Promise<Follow[]> {
    return (await this.sql.all<FollowRow>('SELECT * FROM follows ORDER BY id')).map(toFollow);
  }

  /**
   * Papers stored in the shared database after the planned mark, oldest first (at most `limit`):
   * the papers new to it since the last plan, read from the database itself, never from this host's
   * copy, so a replica whose copy lags neither misses nor re-plans one. With `withPapers` false only
   * their insertion numbers are read (nobody follows anything: the mark just moves on).
   * NOTE: papers rows are never deleted and an update keeps its row, so a new insertion number is a
   * new paper. On PostgreSQL the numbers are handed out at insert but become visible at commit, so a
   * number could show before a smaller one still being written: the read first waits for every
   * paper write under way to end (LOCK papers IN SHARE MODE, held only for the read), so no smaller
   * number can appear after it and the mark never passes a paper.
   */
  async unplanned(limit: number, withPapers = true): Promise<Unplanned> {
    const order = this.sql.engine === 'postgres' ? 'seq' : 'rowid';
    const read = async (on: Sql): Promise<Unplanned> => {
      const mark = await this.markOn(on);
      const rows = await on.all<PaperRow & { paper_seq: number | string }>(
        `SELECT ${order} AS paper_seq${withPapers ? ', *' : ''} FROM papers WHERE ${order} > ? ORDER BY ${order} LIMIT ?`,
        [mark, limit],
      );
      const last = rows.at(-1);
      return { mark, last: last ? Number(last.paper_seq) : null, count: rows.length, papers: withPapers ? rows.map(fromRow) : [] };
    };
    if (this.sql.engine === 'sqlite') return read(this.sql);
    return this.sql.transaction(async (tx) => {
      // NOTE: a paper write that holds on longer than this makes the plan fail as busy (SQLSTATE 55P03); the next plan reads these papers.
      await tx.run(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(this.planLockWaitMs))}`);
      await tx.run('LOCK TABLE papers IN SHARE MODE');
      return read(tx);
    });
  }

  private async markOn(on: Sql): Promise<number> {
    const row = await on.get<{ paper_rowid: number | string }>('SELECT paper_rowid FROM follow_planned WHERE id = 1');
    return Number(row?.paper_rowid ?? 0);
  }

  /**
   * Records planned alerts and moves the planned mark from `from` to `to`, in one transaction that
   * starts with the compare-and-set of the mark: when it is no longer `from` (another process, on
   * any host, planned those papers meanwhile) nothing is written and it returns null. Else each
   * paper goes into the owner's ledger, and the papers that were not there before become one outbox
   * row per owner; it returns the outbox rows written.
   */
  async commitPlan(from: number, to: number, planned: readonly PlannedAlert[]): Promise<number | null> {
    const now = this.clock.now().toISOString();
    return this.sql.transaction(async (tx) => {
      // NOTE: on PostgreSQL a second planner's update waits for the first's commit, then finds the mark moved.
      const moved = await tx.run('UPDATE follow_planned SET paper_rowid = ? WHERE id = 1 AND paper_rowid = ?', [to, from]);
      if (moved.changes === 0) return null;
      let written = 0;
      for (const p of planned) {
        const id = ownerId(p.owner);
        // NOTE: alert_id 0 marks this batch's rows until the outbox row (and so its id) exists.
        const inserted = new Set<string>();
        for (let i = 0; i < p.paperIds.length; i += CHUNK) {
          const chunk = p.paperIds.slice(i, i + CHUNK);
          const params: Param[] = chunk.flatMap((paper) => [p.platform, p.owner.kind, id, paper, 0]);
          const rows = await tx.all<{ paper_id: string }>(
            `INSERT INTO follow_alerted (platform, owner_kind, owner_id, paper_id, alert_id) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}
               ON CONFLICT DO NOTHING RETURNING paper_id`,
            params,
          );
          for (const r of rows) inserted.add(r.paper_id);
        }
        const fresh = p.paperIds.filter((paper) => inserted.has(paper));
        if (fresh.length === 0) continue;
        const row = await tx.get<{ id: number | string }>(
          `INSERT INTO follow_outbox (platform, owner_kind, owner_id, guild_id, reply, papers, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          [p.platform, p.owner.kind, id, p.owner.guildId ?? null, JSON.stringify(p.reply(fresh)), fresh.length, now, now],
        );
        await tx.run('UPDATE follow_alerted SET alert_id = ? WHERE platform = ? AND owner_kind = ? AND owner_id = ? AND alert_id = 0', [
          Number(row?.id),
          p.platform,
          p.owner.kind,
          id,
        ]);
        written += 1;
      }
      if (written > 0) await this.signals?.notify('alerts', tx);
      return written;
    });
  }

  /**
   * Claims up to `limit` due alerts for `platforms` until `now + leaseMs`: a claim another process
   * holds is skipped until its lease ends (so a process that died mid-delivery leaves its alerts to
   * be claimed again). One statement picks and takes the rows, so two processes never claim the same
   * row: on PostgreSQL the picked rows are locked as they are read (FOR UPDATE SKIP LOCKED: a row
   * another claim is taking is passed over, not waited for); on SQLite the statement holds the write lock.
   */
  async claim(
    holder: string,
    platforms: readonly string[],
    leaseMs: number,
    limit = 20,
    shards: Readonly<Record<string, ShardSet>> = {},
  ): Promise<ClaimedAlert[]> {
    if (platforms.length === 0) return [];
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const lease = new Date(now.getTime() + leaseMs).toISOString();
    const marks = platforms.map(() => '?').join(', ');
    const held = shardFilter(this.sql, shards);
    const rows = await this.sql.all<OutboxRow>(
      `UPDATE follow_outbox SET lease_until = ?, holder = ? WHERE id IN (
         SELECT id FROM follow_outbox WHERE status = 'pending' AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
           AND platform IN (${marks})${held.text} ORDER BY id LIMIT ?${forUpdate(this.sql, true)}
       ) RETURNING *`,
      [lease, holder, nowIso, nowIso, ...platforms, ...held.params, limit],
    );
    return rows
      .map((r) => ({
        id: Number(r.id),
        platform: r.platform,
        owner: ownerOf(r.owner_kind, r.owner_id, r.guild_id),
        reply: JSON.parse(r.reply) as Reply,
        attempts: r.attempts,
        firstAttemptAt: r.first_attempt_at,
      }))
      .sort((a, b) => a.id - b.id);
  }

  /**
   * Counts an attempt before it is made and renews its lease, durably: if this process dies mid-send,
   * whoever takes the alert over knows to look for the message first. Returns the attempts so far
   * (this one included) and when the first went out, or null when `holder` no longer holds the alert.
   */
  async attempt(holder: string, id: number, leaseMs: number): Promise<{ attempts: number; firstAttemptAt: string } | null> {
    const now = this.clock.now();
    const r = await this.sql.get<{ attempts: number; first_attempt_at: string }>(
      `UPDATE follow_outbox SET attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, ?), lease_until = ?
         WHERE id = ? AND holder = ? AND status = 'pending' RETURNING attempts, first_attempt_at`,
      [now.toISOString(), new Date(now.getTime() + leaseMs).toISOString(), id, holder],
    );
    return r ? { attempts: r.attempts, firstAttemptAt: r.first_attempt_at } : null;
  }

  /** Extends the leases of alerts `holder` is still delivering (a heartbeat while it sends). */
  async renew(holder: string, ids: readonly number[], leaseMs: number): Promise<void> {
    if (ids.length === 0) return;
    const lease = new Date(this.clock.now().getTime() + leaseMs).toISOString();
    const marks = ids.map(() => '?').join(', ');
    await this.sql.run(`UPDATE follow_outbox SET lease_until = ? WHERE holder = ? AND status = 'pending' AND lease_until IS NOT NULL AND id IN (${marks})`, [
      lease,
      holder,
      ...ids,
    ]);
  }

  /** Marks a claimed alert delivered, with the platform's message id; false when this holder no longer holds it (its lease ended and another took it). */
  async delivered(holder: string, id: number, messageId: string | null = null): Promise<boolean> {
    const now = this.clock.now().toISOString();
    const info = await this.sql.run(
      `UPDATE follow_outbox SET status = 'delivered', done_at = ?, lease_until = NULL, message_id = coalesce(?, message_id)
         WHERE id = ? AND holder = ? AND status = 'pending'`,
      [now, messageId, id, holder],
    );
    return info.changes > 0;
  }

  /** Gives a claimed alert back untried (this process cannot deliver it: another shard holds its server). */
  async release(holder: string, id: number): Promise<void> {
    await this.sql.run(`UPDATE follow_outbox SET lease_until = NULL, holder = NULL WHERE id = ? AND holder = ? AND status = 'pending'`, [id, holder]);
  }

  /** Puts a claimed alert back to be tried again at `dueAt` (a transient failure). */
  async retryLater(holder: string, id: number, dueAt: Date, error: string): Promise<void> {
    await this.sql.run(
      `UPDATE follow_outbox SET due_at = ?, lease_until = NULL, holder = NULL, last_error = ?, failure = 'transient'
         WHERE id = ? AND holder = ? AND status = 'pending'`,
      [dueAt.toISOString(), error, id, holder],
    );
  }

  /** Records a claimed alert as not deliverable (the platform refused for good, or retries ran out). */
  async failed(holder: string, id: number, failure: string, error: string): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.sql.run(
      `UPDATE follow_outbox SET status = 'failed', done_at = ?, lease_until = NULL, failure = ?, last_error = ?
         WHERE id = ? AND holder = ? AND status = 'pending'`,
      [now, failure, error, id, holder],
    );
  }

  async undelivered(platform: string, owner: FollowOwner): Promise<UndeliveredAlert | null> {
    const r = await this.sql.get<OutboxRow>('SELECT * FROM follow_outbox WHERE platform = ? AND owner_kind = ? AND owner_id = ? ORDER BY id DESC LIMIT 1', [
      platform,
      owner.kind,
      ownerId(owner),
    ]);
    // NOTE: attempts are counted before each send, so a pending alert under way has attempts but no failure yet.
    if (!r || r.status === 'delivered' || (r.status === 'pending' && r.failure === null)) return null;
    return { status: r.status, failure: r.failure, error: r.last_error, createdAt: r.created_at, attempts: r.attempts };
  }

  /**
   * Deletes delivered and failed alerts finished before `before` (the ledger stays: it is what keeps
   * a paper from alerting twice). Returns how many were deleted.
   */
  async prune(before: Date): Promise<number> {
    return (await this.sql.run(`DELETE FROM follow_outbox WHERE status != 'pending' AND done_at < ?`, [before.toISOString()])).changes;
  }

  /** Removes the follows, ledger and alerts of every owner whose id starts with `prefix` (a removed workspace's `T123:`); how many follows. */
  async removeWithPrefix(platform: string, prefix: string): Promise<number> {
    return this.sql.transaction(async (tx) => {
      const where = 'platform = ? AND substr(owner_id, 1, ?) = ?';
      const params = [platform, prefix.length, prefix];
      await tx.run(`DELETE FROM follow_outbox WHERE ${where}`, params);
      await tx.run(`DELETE FROM follow_alerted WHERE ${where}`, params);
      return (await tx.run(`DELETE FROM follows WHERE ${where}`, params)).changes;
    });
  }

  /** Every outbox row's state, oldest first (tests and operators' checks). */
  async outbox(): Promise<
    Array<{
      id: number;
      platform: string;
      owner: FollowOwner;
      status: string;
      attempts: number;
      failure: string | null;
      messageId: string | null;
      reply: Reply;
    }>
  > {
    const rows = await this.sql.all<OutboxRow>('SELECT * FROM follow_outbox ORDER BY id');
    return rows.map((r) => ({
      id: Number(r.id),
      platform: r.platform,
      owner: ownerOf(r.owner_kind, r.owner_id, r.guild_id),
      status: r.status,
      attempts: r.attempts,
      failure: r.failure,
      messageId: r.message_id,
      reply: JSON.parse(r.reply) as Reply,
    }));
  }
}

/** A holder name for one process's claims: unique per process start. */
export function newHolder(): string {
  return randomUUID();
}
