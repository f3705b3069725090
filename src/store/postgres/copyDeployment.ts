// Copies an SQLite deployment into a PostgreSQL database (`paperboy migrate --to`): table by table, in batches, resumable and idempotent.
import { randomUUID } from 'node:crypto';
import { OperatorError } from '../../errors.js';
import type { Param, Sql } from '../../ports.js';
import type { PostgresSql } from '../postgresSql.js';
import { CATALOGUE_CHANNEL } from '../catalogueSchema.js';

/** The `meta` key naming the deployment a database belongs to: a copy refuses a target holding another one. */
export const DEPLOYMENT_ID = 'deployment.id';

/** The advisory lock the deployment check holds, so two copies into one database check one at a time. */
const COPY_LOCK = 'paperboy.copy';

/** Rows per transaction (one multi-row INSERT each). */
export const COPY_BATCH = 1_000;

/**
 * The tables copied, parents first, and the order their rows are read in. NOTE: papers in rowid
 * order, so PostgreSQL's `seq` (insertion order, what the follow planner reads) keeps SQLite's order,
 * also when a re-run resumes. `meta` without the schema versions (the target has its own) and the
 * catalogue's keys (each host's copy); the search index is not copied: each host builds its own.
 */
const TABLES: ReadonlyArray<{ name: string; order: string; where?: string; identity?: string }> = [
  { name: 'papers', order: 'rowid' },
  { name: 'daily_days', order: 'list_date' },
  { name: 'daily_lists', order: 'list_date, paper_id' },
  { name: 'schedule_subscriptions', order: 'id' },
  { name: 'schedule_posts', order: 'subscription, slot' },
  { name: 'follows', order: 'id', identity: 'id' },
  { name: 'follow_alerted', order: 'platform, owner_kind, owner_id, paper_id' },
  { name: 'follow_outbox', order: 'id', identity: 'id' },
  { name: 'conversations', order: 'key' },
  { name: 'pager_cursors', order: 'key' },
  { name: 'meta', order: 'key', where: "key NOT LIKE 'schema.%' AND key NOT LIKE 'catalogue.%'" },
];

export interface CopyProgress {
  table: string;
  /** Source rows read so far (copied now or already there). */
  done: number;
  total: number;
  /** Of `done`, rows this run inserted. */
  copied: number;
}

export interface CopyOptions {
  /** The SQLite deployment (its database opened with every feature). */
  source: Sql;
  /** The PostgreSQL database, already migrated with every feature. */
  target: PostgresSql;
  /** Where the target is, for messages (a URL without its password). */
  where: string;
  batch?: number;
  onProgress?: (p: CopyProgress) => void;
  /** Stops between two batches (a kill, in tests): what was committed stays, a re-run copies the rest. */
  signal?: AbortSignal;
}

export interface CopyResult {
  deploymentId: string;
  /** Rows inserted per table by this run (0 everywhere on a re-run of a completed copy). */
  copied: Record<string, number>;
  complete: boolean;
}

/** The source's deployment id, made (and kept in its `meta`) when it has none yet. */
export async function deploymentIdOf(source: Sql): Promise<string> {
  await source.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [DEPLOYMENT_ID, randomUUID()]);
  return (await source.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [DEPLOYMENT_ID]))?.value ?? '';
}

/**
 * Claims the target for deployment `id`: refused (an OperatorError, one line) when it holds another
 * deployment's id, or papers, subscriptions or follows without an id; an empty target gets the id,
 * so a later run (a resume) knows it as its own.
 */
export async function claimTarget(target: PostgresSql, id: string, where: string): Promise<void> {
  await target.withLock(COPY_LOCK, async (tx) => {
    const held = (await tx.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [DEPLOYMENT_ID]))?.value;
    if (held === id) return;
    if (held !== undefined) {
      throw new OperatorError(
        `${where} already holds another paperboy deployment (${DEPLOYMENT_ID} ${held}, this one is ${id}); nothing was copied. Point --to at a new, empty database.`,
      );
    }
    const data = await tx.get<{ n: string | number }>(
      'SELECT (SELECT count(*) FROM papers) + (SELECT count(*) FROM schedule_subscriptions) + (SELECT count(*) FROM follows) AS n',
    );
    if (Number(data?.n ?? 0) > 0) {
      throw new OperatorError(
        `${where} already holds papers, subscriptions or follows of another paperboy deployment; nothing was copied. Point --to at a new, empty database.`,
      );
    }
    await tx.run('INSERT INTO meta (key, value) VALUES (?, ?)', [DEPLOYMENT_ID, id]);
  });
}

/**
 * Copies every table of the SQLite deployment into the target: each batch one transaction of
 * `INSERT … ON CONFLICT DO NOTHING`, so a re-run (after a kill, or of a completed copy) inserts only
 * what is missing and ends in the same state. Identity columns keep their ids and their sequences
 * are moved past them; the follow planning mark (a SQLite rowid) becomes the PostgreSQL `seq` of
 * the same paper, so the planner neither skips nor repeats alerts.
 */
export async function copyDeployment(opts: CopyOptions): Promise<CopyResult> {
  const { source, target, where, batch = COPY_BATCH, onProgress, signal } = opts;
  const deploymentId = await deploymentIdOf(source);
  await claimTarget(target, deploymentId, where);
  const copied: Record<string, number> = {};
  for (const table of TABLES) {
    const columns = await sharedColumns(source, target, table.name);
    const filter = table.where ? ` WHERE ${table.where}` : '';
    const total = Number((await source.get<{ n: number }>(`SELECT count(*) AS n FROM ${table.name}${filter}`))?.n ?? 0);
    const insertInto = `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES `;
    const row = `(${columns.map(() => '?').join(', ')})`;
    copied[table.name] = 0;
    onProgress?.({ table: table.name, done: 0, total, copied: 0 });
    for (let done = 0; done < total;) {
      if (signal?.aborted) return { deploymentId, copied, complete: false };
      const rows = await source.all<Record<string, Param>>(
        `SELECT ${columns.join(', ')} FROM ${table.name}${filter} ORDER BY ${table.order} LIMIT ? OFFSET ?`,
        [batch, done],
      );
      if (rows.length === 0) break;
      const params = rows.flatMap((r) => columns.map((c) => r[c] ?? null));
      const inserted = await target.transaction(async (tx) => {
        const n = (await tx.run(`${insertInto}${rows.map(() => row).join(', ')} ON CONFLICT DO NOTHING`, params)).changes;
        if (table.name === 'papers' && n > 0) await tx.run('SELECT pg_notify(?, ?)', [CATALOGUE_CHANNEL, '']);
        return n;
      });
      done += rows.length;
      copied[table.name] = (copied[table.name] ?? 0) + inserted;
      onProgress?.({ table: table.name, done, total, copied: copied[table.name] ?? 0 });
    }
    if (table.identity) {
      await target.run(
        `SELECT setval(pg_get_serial_sequence('${table.name}', '${table.identity}'), (SELECT coalesce(max(${table.identity}), 0) + 1 FROM ${table.name}), false)`,
      );
    }
  }
  if (signal?.aborted) return { deploymentId, copied, complete: false };
  await translatePlanningMark(source, target);
  return { deploymentId, copied, complete: true };
}

/** The columns both engines have for `table` (PostgreSQL's own, `seq` and `rev`, it fills itself). */
async function sharedColumns(source: Sql, target: Sql, table: string): Promise<string[]> {
  const theirs = new Set(
    (
      await target.all<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?', [
        table,
      ])
    ).map((r) => r.column_name),
  );
  const ours = await source.all<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`);
  return ours.map((c) => c.name).filter((c) => theirs.has(c));
}

/**
 * The planner's mark on SQLite is the rowid of the last paper planned; on PostgreSQL it is that
 * paper's `seq`. Moved forward only, so a re-run after the target has planned on does not go back.
 */
async function translatePlanningMark(source: Sql, target: Sql): Promise<void> {
  const mark = Number((await source.get<{ m: number }>('SELECT paper_rowid AS m FROM follow_planned WHERE id = 1'))?.m ?? 0);
  const last = await source.get<{ id: string }>('SELECT id FROM papers WHERE rowid <= ? ORDER BY rowid DESC LIMIT 1', [mark]);
  let seq = 0;
  if (last) {
    const found = await target.get<{ seq: string | number }>('SELECT seq FROM papers WHERE id = ?', [last.id]);
    if (!found) throw new OperatorError(`The paper ${last.id} the follow planner last planned for is missing from the target; run the copy again.`);
    seq = Number(found.seq);
  }
  await target.run('UPDATE follow_planned SET paper_rowid = greatest(paper_rowid, ?) WHERE id = 1', [seq]);
}
