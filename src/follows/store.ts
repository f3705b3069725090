// Follows, the alert ledger and the alert outbox, in their own tables of the paper database.
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { UserError } from '../errors.js';
import type { Clock, Follow, FollowBook, FollowOwner, UndeliveredAlert } from '../ports.js';
import { clip, type Reply } from '../reply.js';
import { migrateFeature } from '../store/sqlite.js';
import { parseSubject } from './subject.js';

/** How many follows one user or channel may keep: enough for real interests, few enough that one alert stays readable. */
export const MAX_FOLLOWS_PER_OWNER = 25;

/**
 * The feature's tables. `follow_alerted` is the ledger (one row per owner and paper, ever), so a paper
 * alerts an owner at most once however often it is re-ingested or matches several of their follows;
 * `follow_outbox` holds one computed alert per owner and ingest until a serving process delivers it.
 */
export const STEPS = [
  `CREATE TABLE follows (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     platform TEXT NOT NULL,
     owner_kind TEXT NOT NULL CHECK (owner_kind IN ('user', 'channel')),
     owner_id TEXT NOT NULL,
     guild_id TEXT,
     topic TEXT NOT NULL,
     topic_key TEXT NOT NULL,
     created_at TEXT NOT NULL,
     UNIQUE (platform, owner_kind, owner_id, topic_key)
   );
   CREATE TABLE follow_alerted (
     platform TEXT NOT NULL,
     owner_kind TEXT NOT NULL,
     owner_id TEXT NOT NULL,
     paper_id TEXT NOT NULL,
     alert_id INTEGER NOT NULL,
     PRIMARY KEY (platform, owner_kind, owner_id, paper_id)
   ) WITHOUT ROWID;
   CREATE TABLE follow_outbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     platform TEXT NOT NULL,
     owner_kind TEXT NOT NULL,
     owner_id TEXT NOT NULL,
     guild_id TEXT,
     reply TEXT NOT NULL,
     papers INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
     attempts INTEGER NOT NULL DEFAULT 0,
     due_at TEXT NOT NULL,
     lease_until TEXT,
     holder TEXT,
     failure TEXT,
     last_error TEXT,
     done_at TEXT
   );
   CREATE INDEX follow_outbox_due ON follow_outbox (status, due_at);
   -- The last papers row (rowid) planned for: later rows are papers new to the store. It starts at the papers
   -- already stored, so turning follows on never alerts about them.
   CREATE TABLE follow_planned (id INTEGER PRIMARY KEY CHECK (id = 1), paper_rowid INTEGER NOT NULL);
   INSERT INTO follow_planned (id, paper_rowid) SELECT 1, coalesce(max(rowid), 0) FROM papers;
   CREATE INDEX follow_outbox_owner ON follow_outbox (platform, owner_kind, owner_id, id);`,
  // Attempts are counted before each send; a later attempt (or a takeover) looks for a message landed since the first.
  `ALTER TABLE follow_outbox ADD COLUMN first_attempt_at TEXT;
   ALTER TABLE follow_outbox ADD COLUMN message_id TEXT;`,
];

interface FollowRow {
  id: number;
  platform: string;
  owner_kind: 'user' | 'channel';
  owner_id: string;
  guild_id: string | null;
  topic: string;
  topic_key: string;
  created_at: string;
}

interface OutboxRow {
  id: number;
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

function ownerOf(kind: 'user' | 'channel', id: string, guildId: string | null): FollowOwner {
  const guild = guildId === null ? {} : { guildId };
  return kind === 'user' ? { kind, user: id, ...guild } : { kind, channel: id, ...guild };
}

function toFollow(r: FollowRow): Follow {
  return { id: String(r.id), platform: r.platform, owner: ownerOf(r.owner_kind, r.owner_id, r.guild_id), topic: r.topic, createdAt: r.created_at };
}

/**
 * The FollowBook over SQLite, plus what the alert planner and the delivery job need: the ledger and
 * the outbox. Every write is one IMMEDIATE transaction (better-sqlite3 waits out other writers for the
 * connection's busy timeout), so two processes on one file never both take a limit slot, a ledger row
 * or an outbox claim.
 */
export class FollowStore implements FollowBook {
  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {
    migrateFeature(db, 'follows', STEPS);
  }

  add(platform: string, owner: FollowOwner, topic: string): Follow {
    const subject = parseSubject(topic);
    if (!subject.ok) throw UserError.from(subject.error);
    const { key } = subject.value;
    const id = ownerId(owner);
    return this.db
      .transaction((): Follow => {
        const rows = this.db
          .prepare<[string, string, string], FollowRow>('SELECT * FROM follows WHERE platform = ? AND owner_kind = ? AND owner_id = ? ORDER BY id')
          .all(platform, owner.kind, id);
        const same = rows.find((r) => r.topic_key === key);
        if (same) {
          throw new UserError(`You already follow "${clip(same.topic, 60)}" (id ${same.id}).`, ['`following` lists your follows.']);
        }
        if (rows.length >= MAX_FOLLOWS_PER_OWNER) {
          throw new UserError(`You follow ${rows.length} topics, the most one ${owner.kind} may follow (${MAX_FOLLOWS_PER_OWNER}).`, [
            '`unfollow <id>` removes one; `following` lists them with their ids.',
          ]);
        }
        const createdAt = this.clock.now().toISOString();
        const info = this.db
          .prepare('INSERT INTO follows (platform, owner_kind, owner_id, guild_id, topic, topic_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(platform, owner.kind, id, owner.guildId ?? null, subject.value.topic, key, createdAt);
        return { id: String(info.lastInsertRowid), platform, owner, topic: subject.value.topic, createdAt };
      })
      .immediate();
  }

  list(platform: string, owner: FollowOwner): Follow[] {
    return this.db
      .prepare<[string, string, string], FollowRow>('SELECT * FROM follows WHERE platform = ? AND owner_kind = ? AND owner_id = ? ORDER BY id')
      .all(platform, owner.kind, ownerId(owner))
      .map(toFollow);
  }

  remove(platform: string, owner: FollowOwner, id: string): boolean {
    const n = /^#?(\d{1,12})$/.exec(id.trim())?.[1];
    if (n === undefined) return false;
    const info = this.db
      .prepare('DELETE FROM follows WHERE id = ? AND platform = ? AND owner_kind = ? AND owner_id = ?')
      .run(Number(n), platform, owner.kind, ownerId(owner));
    return info.changes > 0;
  }

  /** Every follow of every owner, for the alert planner. */
  all(): Follow[] {
    return this.db.prepare<[], FollowRow>('SELECT * FROM follows ORDER BY id').all().map(toFollow);
  }

  /**
   * Papers stored after the planned mark, oldest first: the papers new to the store since the last
   * plan. NOTE: papers rows are never deleted and an update keeps its row, so a new rowid is a new paper.
   */
  unplanned(limit: number): { mark: number; papers: Array<{ id: string; rowid: number }> } {
    const mark = this.mark();
    const papers = this.db
      .prepare<[number, number], { id: string; rowid: number }>('SELECT id, rowid FROM papers WHERE rowid > ? ORDER BY rowid LIMIT ?')
      .all(mark, limit);
    return { mark, papers };
  }

  private mark(): number {
    return this.db.prepare<[], { paper_rowid: number }>('SELECT paper_rowid FROM follow_planned WHERE id = 1').get()?.paper_rowid ?? 0;
  }

  /**
   * Records planned alerts and moves the planned mark from `from` to `to`, in one transaction:
   * each paper goes into the owner's ledger, and the papers that were not there before become one
   * outbox row per owner. When the mark is no longer `from` (another process planned those papers
   * meanwhile) nothing is written and it returns null; else the outbox rows written.
   */
  commitPlan(from: number, to: number, planned: readonly PlannedAlert[]): number | null {
    const ledger = this.db.prepare('INSERT OR IGNORE INTO follow_alerted (platform, owner_kind, owner_id, paper_id, alert_id) VALUES (?, ?, ?, ?, ?)');
    const fix = this.db.prepare('UPDATE follow_alerted SET alert_id = ? WHERE platform = ? AND owner_kind = ? AND owner_id = ? AND alert_id = 0');
    const outbox = this.db.prepare(
      `INSERT INTO follow_outbox (platform, owner_kind, owner_id, guild_id, reply, papers, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.db
      .transaction((): number | null => {
        if (this.mark() !== from) return null;
        let written = 0;
        const now = this.clock.now().toISOString();
        for (const p of planned) {
          const id = ownerId(p.owner);
          // NOTE: alert_id 0 marks this batch's rows until the outbox row (and so its id) exists.
          const fresh = p.paperIds.filter((paper) => ledger.run(p.platform, p.owner.kind, id, paper, 0).changes > 0);
          if (fresh.length === 0) continue;
          const info = outbox.run(p.platform, p.owner.kind, id, p.owner.guildId ?? null, JSON.stringify(p.reply(fresh)), fresh.length, now, now);
          fix.run(Number(info.lastInsertRowid), p.platform, p.owner.kind, id);
          written += 1;
        }
        this.db.prepare('UPDATE follow_planned SET paper_rowid = ? WHERE id = 1').run(to);
        return written;
      })
      .immediate();
  }

  /**
   * Claims up to `limit` due alerts for `platforms` until `now + leaseMs`: a claim another process
   * holds is skipped until its lease ends (so a process that died mid-delivery leaves its alerts to
   * be claimed again), and the IMMEDIATE transaction means two processes never claim the same row.
   */
  claim(holder: string, platforms: readonly string[], leaseMs: number, limit = 20): ClaimedAlert[] {
    if (platforms.length === 0) return [];
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const lease = new Date(now.getTime() + leaseMs).toISOString();
    const marks = platforms.map(() => '?').join(', ');
    return this.db
      .transaction(() => {
        const rows = this.db
          .prepare<unknown[], OutboxRow>(
            `SELECT * FROM follow_outbox WHERE status = 'pending' AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
               AND platform IN (${marks}) ORDER BY id LIMIT ?`,
          )
          .all(nowIso, nowIso, ...platforms, limit);
        const take = this.db.prepare('UPDATE follow_outbox SET lease_until = ?, holder = ? WHERE id = ?');
        for (const r of rows) take.run(lease, holder, r.id);
        return rows.map((r) => ({
          id: r.id,
          platform: r.platform,
          owner: ownerOf(r.owner_kind, r.owner_id, r.guild_id),
          reply: JSON.parse(r.reply) as Reply,
          attempts: r.attempts,
          firstAttemptAt: r.first_attempt_at,
        }));
      })
      .immediate();
  }

  /**
   * Counts an attempt before it is made and renews its lease, durably: if this process dies mid-send,
   * whoever takes the alert over knows to look for the message first. Returns the attempts so far
   * (this one included) and when the first went out, or null when `holder` no longer holds the alert.
   */
  attempt(holder: string, id: number, leaseMs: number): { attempts: number; firstAttemptAt: string } | null {
    const now = this.clock.now();
    return this.db
      .transaction(() => {
        const info = this.db
          .prepare(
            `UPDATE follow_outbox SET attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, ?), lease_until = ?
               WHERE id = ? AND holder = ? AND status = 'pending'`,
          )
          .run(now.toISOString(), new Date(now.getTime() + leaseMs).toISOString(), id, holder);
        if (info.changes === 0) return null;
        const r = this.db
          .prepare<[number], { attempts: number; first_attempt_at: string }>('SELECT attempts, first_attempt_at FROM follow_outbox WHERE id = ?')
          .get(id);
        return r ? { attempts: r.attempts, firstAttemptAt: r.first_attempt_at } : null;
      })
      .immediate();
  }

  /** Extends the leases of alerts `holder` is still delivering (a heartbeat while it sends). */
  renew(holder: string, ids: readonly number[], leaseMs: number): void {
    if (ids.length === 0) return;
    const lease = new Date(this.clock.now().getTime() + leaseMs).toISOString();
    const marks = ids.map(() => '?').join(', ');
    this.db
      .prepare(`UPDATE follow_outbox SET lease_until = ? WHERE holder = ? AND status = 'pending' AND lease_until IS NOT NULL AND id IN (${marks})`)
      .run(lease, holder, ...ids);
  }

  /** Marks a claimed alert delivered, with the platform's message id; false when this holder no longer holds it (its lease ended and another took it). */
  delivered(holder: string, id: number, messageId: string | null = null): boolean {
    const now = this.clock.now().toISOString();
    const info = this.db
      .prepare(
        `UPDATE follow_outbox SET status = 'delivered', done_at = ?, lease_until = NULL, message_id = coalesce(?, message_id)
           WHERE id = ? AND holder = ? AND status = 'pending'`,
      )
      .run(now, messageId, id, holder);
    return info.changes > 0;
  }

  /** Gives a claimed alert back untried (this process cannot deliver it: another shard holds its server). */
  release(holder: string, id: number): void {
    this.db.prepare(`UPDATE follow_outbox SET lease_until = NULL, holder = NULL WHERE id = ? AND holder = ? AND status = 'pending'`).run(id, holder);
  }

  /** Puts a claimed alert back to be tried again at `dueAt` (a transient failure). */
  retryLater(holder: string, id: number, dueAt: Date, error: string): void {
    this.db
      .prepare(
        `UPDATE follow_outbox SET due_at = ?, lease_until = NULL, holder = NULL, last_error = ?, failure = 'transient'
           WHERE id = ? AND holder = ? AND status = 'pending'`,
      )
      .run(dueAt.toISOString(), error, id, holder);
  }

  /** Records a claimed alert as not deliverable (the platform refused for good, or retries ran out). */
  failed(holder: string, id: number, failure: string, error: string): void {
    const now = this.clock.now().toISOString();
    this.db
      .prepare(
        `UPDATE follow_outbox SET status = 'failed', done_at = ?, lease_until = NULL, failure = ?, last_error = ?
           WHERE id = ? AND holder = ? AND status = 'pending'`,
      )
      .run(now, failure, error, id, holder);
  }

  undelivered(platform: string, owner: FollowOwner): UndeliveredAlert | null {
    const r = this.db
      .prepare<[string, string, string], OutboxRow>(
        'SELECT * FROM follow_outbox WHERE platform = ? AND owner_kind = ? AND owner_id = ? ORDER BY id DESC LIMIT 1',
      )
      .get(platform, owner.kind, ownerId(owner));
    // NOTE: attempts are counted before each send, so a pending alert under way has attempts but no failure yet.
    if (!r || r.status === 'delivered' || (r.status === 'pending' && r.failure === null)) return null;
    return { status: r.status, failure: r.failure, error: r.last_error, createdAt: r.created_at, attempts: r.attempts };
  }

  /**
   * Deletes delivered and failed alerts finished before `before` (the ledger stays: it is what keeps
   * a paper from alerting twice). Returns how many were deleted.
   */
  prune(before: Date): number {
    return this.db.prepare(`DELETE FROM follow_outbox WHERE status != 'pending' AND done_at < ?`).run(before.toISOString()).changes;
  }

  /** Every outbox row's state, oldest first (tests and operators' checks). */
  outbox(): Array<{
    id: number;
    platform: string;
    owner: FollowOwner;
    status: string;
    attempts: number;
    failure: string | null;
    messageId: string | null;
    reply: Reply;
  }> {
    return this.db
      .prepare<[], OutboxRow>('SELECT * FROM follow_outbox ORDER BY id')
      .all()
      .map((r) => ({
        id: r.id,
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
