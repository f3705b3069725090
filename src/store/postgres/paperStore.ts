// The papers with PostgreSQL: writes merge into the shared table under the catalogue lock, reads come from this host's SQLite copy.
import pRetry, { AbortError } from 'p-retry';
import { paperSchema, type Paper } from '../../papers/model.js';
import type { PaperStore, Sql, UpsertStats } from '../../ports.js';
import { CATALOGUE_CHANNEL, CATALOGUE_LOCK } from '../catalogueSchema.js';
import type { CatalogueSync } from '../catalogueSync.js';
import { lookupKeys, PAPER_COLUMNS, paperWrite, stampAfter, toRow, type PaperRow } from '../paperRows.js';
import type { SqliteStore } from '../sqlitePaperStore.js';
import { DatabaseUnavailable, type PostgresSql } from '../postgresSql.js';

/** Papers written per transaction, so that no writer holds the catalogue lock for long. */
const BATCH = 500;

/**
 * A batch lost to a connection loss (a server restarting, a failover) is written again: 0.5, 1, 2, 4,
 * 8, 8 s apart, about 24 s in all, which covers a restart; after that the DatabaseUnavailable is the
 * caller's (`ingest` says so and exits non-zero). Running a batch again is safe: it merges.
 */
export const BATCH_RETRY = { retries: 6, minTimeout: 500, factor: 2, maxTimeout: 8_000 } as const;

const INSERT = `INSERT INTO papers (${PAPER_COLUMNS.join(', ')}) VALUES (${PAPER_COLUMNS.map(() => '?').join(', ')})`;
const UPDATE = `UPDATE papers SET ${PAPER_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`;
/** Every row the paper could merge into (by arXiv id, id or title key); the caller picks in that order. */
const MATCHES = `SELECT ${PAPER_COLUMNS.join(', ')} FROM papers WHERE arxiv_id = ? OR id = ? OR title_key = ?`;

function values(row: PaperRow): Array<string | number | null> {
  return PAPER_COLUMNS.map((c) => row[c]);
}

/**
 * The PaperStore with DATABASE_URL. `upsert` merges each paper with its stored row exactly as the
 * SQLite store does (the same mapper and `mergePapers`), in one PostgreSQL transaction per batch (a
 * day's list with it, in the same one) holding {@link CATALOGUE_LOCK}, so change numbers increase in
 * commit order; each commit notifies {@link CATALOGUE_CHANNEL}, and this host's copy is brought in
 * step at once. Reads are synchronous, from the copy (see catalogueSync.ts).
 */
export class PostgresPaperStore implements PaperStore {
  constructor(
    private readonly sql: PostgresSql,
    private readonly local: SqliteStore,
    private readonly catalogue: CatalogueSync,
    private readonly now: () => Date,
  ) {}

  async upsert(papers: readonly Paper[], alsoWrite?: (tx: Sql, stats: UpsertStats) => Promise<void>): Promise<UpsertStats> {
    const valid = papers.map((p) => paperSchema.parse(p));
    const stats: UpsertStats = { inserted: 0, updated: 0, unchanged: 0, changed: [] };
    if (valid.length === 0 && !alsoWrite) return stats;
    // NOTE: with `alsoWrite` (one day's list) everything is one transaction, so the list never outlives its papers.
    const size = alsoWrite ? Math.max(valid.length, 1) : BATCH;
    try {
      for (let start = 0; start < Math.max(valid.length, 1); start += size) {
        const batch = valid.slice(start, start + size);
        // NOTE: each attempt counts into its own stats, so a retried batch is not counted twice.
        const write = () =>
          this.sql.withLock(CATALOGUE_LOCK, async (tx) => {
            const s: UpsertStats = { inserted: 0, updated: 0, unchanged: 0, changed: [] };
            const last = await tx.get<{ m: string | null }>('SELECT max(updated_at) AS m FROM papers');
            const stamp = stampAfter(this.now().toISOString(), last?.m ?? null);
            for (const p of batch) await this.upsertOne(tx, p, s, stamp);
            await alsoWrite?.(tx, s);
            if (s.changed.length > 0 || alsoWrite) await tx.run('SELECT pg_notify(?, ?)', [CATALOGUE_CHANNEL, '']);
            return s;
          });
        // NOTE: a batch whose COMMIT answer was lost may be in already: written again, its papers merge as unchanged.
        const done = await pRetry(async () => {
          try {
            return await write();
          } catch (e) {
            throw e instanceof DatabaseUnavailable ? e : new AbortError(e instanceof Error ? e : String(e));
          }
        }, BATCH_RETRY);
        stats.inserted += done.inserted;
        stats.updated += done.updated;
        stats.unchanged += done.unchanged;
        stats.changed.push(...done.changed);
      }
    } finally {
      // This process's own write is in its copy (and so its search) before upsert returns; batches committed before a fault too.
      await this.catalogue.pullAfterWrite();
    }
    return stats;
  }

  private async upsertOne(tx: Sql, p: Paper, stats: UpsertStats, stamp: string): Promise<void> {
    const keys = lookupKeys(p);
    const rows = await tx.all<PaperRow>(MATCHES, [keys.arxivId, keys.id, keys.titleKey]);
    const existing =
      (keys.arxivId ? rows.find((r) => r.arxiv_id === keys.arxivId) : undefined) ??
      rows.find((r) => r.id === keys.id) ??
      rows.find((r) => r.title_key === keys.titleKey);
    const write = paperWrite(existing, p);
    if (write.kind === 'unchanged') {
      stats.unchanged += 1;
      return;
    }
    const row = toRow(write.paper, stamp);
    if (write.kind === 'insert') {
      await tx.run(INSERT, values(row));
      stats.inserted += 1;
    } else {
      await tx.run(UPDATE, [...values(row), write.oldId]);
      stats.updated += 1;
    }
    stats.changed.push(write.change);
  }

  all(): Paper[] {
    return this.local.all();
  }

  get(id: string): Paper | undefined {
    return this.local.get(id);
  }

  count(): number {
    return this.local.count();
  }

  between(from: string, to: string): Paper[] {
    return this.local.between(from, to);
  }

  latestDate(onOrBefore?: string): string | null {
    return this.local.latestDate(onOrBefore);
  }

  dates(limit: number): Array<{ date: string; count: number }> {
    return this.local.dates(limit);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return (await this.sql.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key]))?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.sql.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  close(): void {
    this.local.close();
  }
}
