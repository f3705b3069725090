// Keeps this host's SQLite copy of the catalogue (papers, daily lists) in step with PostgreSQL by change number: at open, after own writes, every ≤2 s and on NOTIFY.
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import type { Paper } from '../papers/model.js';
import type { Sql } from '../ports.js';
import { CATALOGUE_CHANNEL } from './catalogueSchema.js';
import { fromRow, PAPER_COLUMNS, type PaperRow } from './paperRows.js';

/** NOTE: milliseconds between two looks at the shared database while following (NOTIFY usually comes first). */
export const CATALOGUE_SYNC_MS = 2_000;
/** Rows read from PostgreSQL per round trip, and written to the copy per transaction. */
const BATCH = 1_000;

/** The copy's marks, in its `meta` table: the newest change number copied. */
export const PAPERS_MARK = 'catalogue.papers_rev';
export const DAYS_MARK = 'catalogue.days_rev';
/** Which shared database a copy follows (in both `meta` tables): a copy of another one starts afresh. */
export const CATALOGUE_ID = 'catalogue.id';

interface DayRow {
  list_date: string;
  fetched_at: string;
  papers: number;
  skipped: number;
  complete: number;
  rev: number;
}

export interface CatalogueSyncOptions {
  /** The shared database. */
  source: Sql;
  /** Its pool, for the one connection that LISTENs. */
  pool: pg.Pool;
  /** This host's SQLite file (its papers, daily lists and meta tables). */
  local: Database.Database;
  logger: Logger;
  /** How the operator knows the shared database (the URL without its password). */
  where: string;
  everyMs?: number;
}

/**
 * The copy of the catalogue a host searches. PostgreSQL stamps every paper and every fetched day
 * with a change number (`rev`, in commit order, see catalogueSchema.ts); `pull` copies the rows past
 * this copy's mark, papers verbatim and whole days of lists, in batches, each batch one local
 * transaction that re-reads the mark (so the processes of one host sharing the file copy each row
 * once). Listeners hear what was copied (the search index indexes it). `start` follows the shared
 * database while serving: every {@link CATALOGUE_SYNC_MS} and on each NOTIFY; a failure is logged
 * once per outage and retried on the next tick.
 */
export class CatalogueSync {
  private readonly listeners: Array<(papers: readonly Paper[]) => void> = [];
  private running: Promise<number> | null = null;
  private again = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private listener: pg.PoolClient | null = null;
  private listening = false;
  private failing: string | null = null;
  /** Failures so far (a pull ends an outage only when none happened while it ran). */
  private failures = 0;
  private stopped = false;
  private readonly stmts;

  constructor(private readonly opts: CatalogueSyncOptions) {
    const db = opts.local;
    this.stmts = {
      mark: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMark: db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      // NOTE: OR REPLACE removes a stale row that holds the incoming one's id, title key or arXiv id (a paper whose id changed).
      paper: db.prepare(`INSERT OR REPLACE INTO papers (${PAPER_COLUMNS.join(', ')}) VALUES (${PAPER_COLUMNS.map((c) => `@${c}`).join(', ')})`),
      dropList: db.prepare<[string]>('DELETE FROM daily_lists WHERE list_date = ?'),
      listed: db.prepare('INSERT INTO daily_lists (list_date, paper_id, rank, upvotes) VALUES (@list_date, @paper_id, @rank, @upvotes)'),
      day: db.prepare(
        `INSERT INTO daily_days (list_date, fetched_at, papers, skipped, complete) VALUES (@list_date, @fetched_at, @papers, @skipped, @complete)
         ON CONFLICT(list_date) DO UPDATE SET fetched_at = excluded.fetched_at, papers = excluded.papers, skipped = excluded.skipped, complete = excluded.complete`,
      ),
    };
  }

  /** Hears the papers each pull copied (after they are committed to the copy). */
  onChange(fn: (papers: readonly Paper[]) => void): void {
    this.listeners.push(fn);
  }

  /**
   * Copies everything past the marks; resolves with how many papers were copied. One pull runs at a
   * time: a call during one runs once more after it (a NOTIFY may name rows it started too early for).
   */
  pull(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async () => {
      let copied = 0;
      do {
        this.again = false;
        copied += await this.pullOnce();
      } while (this.again);
      return copied;
    })();
    this.running = run;
    return run.finally(() => {
      if (this.running === run) this.running = null;
    });
  }

  /** After this process's own write: the copy follows at once; a failure is logged (the next tick retries), the write stands. */
  async pullAfterWrite(): Promise<void> {
    await this.pullLogged();
  }

  /** Follows the shared database: every `everyMs` and on NOTIFY. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.tick(), this.opts.everyMs ?? CATALOGUE_SYNC_MS);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.dropListener();
    await this.running?.catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    await this.listen();
    await this.pullLogged();
  }

  private async pullLogged(): Promise<void> {
    // NOTE: a pull that began before a failure (a connection lost meanwhile) does not end the outage.
    const before = this.failures;
    try {
      await this.pull();
      if (this.failing && this.failures === before) {
        this.opts.logger.info({ database: this.opts.where }, 'this host’s copy of the catalogue is in step again');
        this.failing = null;
      }
    } catch (e) {
      this.failed(e);
    }
  }

  private failed(e: unknown): void {
    this.failures += 1;
    const reason = e instanceof Error ? e.message : String(e);
    // NOTE: once per outage: a server away for an hour is one warning, not 1,800.
    if (this.failing) {
      this.opts.logger.debug({ database: this.opts.where, reason }, 'the catalogue copy is still not in step; trying again');
      return;
    }
    this.failing = reason;
    this.opts.logger.warn(
      { database: this.opts.where, reason },
      'could not bring this host’s copy of the catalogue in step with the shared database; searching what it has, trying again every 2 s',
    );
  }

  /** Opens the LISTEN connection when there is none (at start, after a lost one). */
  private async listen(): Promise<void> {
    if (this.listener || this.listening || this.stopped) return;
    this.listening = true;
    let client: pg.PoolClient | null = null;
    try {
      client = await this.opts.pool.connect();
      const c = client;
      c.on('notification', () => {
        if (!this.stopped) void this.pullLogged();
      });
      c.on('error', () => {
        if (this.listener !== c) return;
        this.dropListener();
        // NOTE: listen again (and copy what a lost NOTIFY named) at once, not on the next look.
        void this.tick();
      });
      await c.query(`LISTEN ${CATALOGUE_CHANNEL}`);
      if (this.stopped) {
        c.release(true);
        return;
      }
      this.listener = c;
    } catch (e) {
      client?.release(true);
      this.failed(e);
    } finally {
      this.listening = false;
    }
  }

  /** NOTE: a LISTEN connection is never given back for reuse (it would keep listening for whoever took it next): it is closed. */
  private dropListener(): void {
    const c = this.listener;
    this.listener = null;
    c?.release(true);
  }

  private mark(key: string): number {
    return Number(this.stmts.mark.get(key)?.value ?? 0);
  }

  private async pullOnce(): Promise<number> {
    const copied: Paper[] = [];
    for (;;) {
      const rows = await this.opts.source.all<PaperRow & { rev: number }>(
        `SELECT ${PAPER_COLUMNS.join(', ')}, rev FROM papers WHERE rev > ? ORDER BY rev LIMIT ?`,
        [this.mark(PAPERS_MARK), BATCH],
      );
      if (rows.length === 0) break;
      const applied = this.opts.local
        .transaction(() => {
          // NOTE: re-read inside the write lock: another thread of this host may have copied them meanwhile.
          const mark = this.mark(PAPERS_MARK);
          const fresh = rows.filter((r) => Number(r.rev) > mark);
          for (const r of fresh) this.stmts.paper.run(PAPER_COLUMNS.reduce<Record<string, unknown>>((o, c) => ((o[c] = r[c]), o), {}));
          const last = fresh.at(-1);
          if (last) this.stmts.setMark.run(PAPERS_MARK, String(last.rev));
          return fresh;
        })
        .immediate();
      for (const r of applied) copied.push(fromRow(r));
      if (rows.length < BATCH) break;
    }
    await this.pullDays();
    if (copied.length > 0) for (const fn of this.listeners) fn(copied);
    return copied.length;
  }

  /** Copies the days whose list changed, each day's list whole. */
  private async pullDays(): Promise<void> {
    for (;;) {
      const days = await this.opts.source.all<DayRow>(
        'SELECT list_date, fetched_at, papers, skipped, complete, rev FROM daily_days WHERE rev > ? ORDER BY rev LIMIT ?',
        [this.mark(DAYS_MARK), BATCH],
      );
      if (days.length === 0) return;
      const dates = days.map((d) => d.list_date);
      const lists = await this.opts.source.all<{ list_date: string; paper_id: string; rank: number; upvotes: number }>(
        `SELECT list_date, paper_id, rank, upvotes FROM daily_lists WHERE list_date IN (${dates.map(() => '?').join(', ')})`,
        dates,
      );
      const byDay = new Map<string, typeof lists>();
      for (const l of lists) {
        const day = byDay.get(l.list_date);
        if (day) day.push(l);
        else byDay.set(l.list_date, [l]);
      }
      this.opts.local
        .transaction(() => {
          const mark = this.mark(DAYS_MARK);
          const fresh = days.filter((d) => Number(d.rev) > mark);
          for (const d of fresh) {
            this.stmts.dropList.run(d.list_date);
            for (const l of byDay.get(d.list_date) ?? []) this.stmts.listed.run(l);
            const { rev: _rev, ...day } = d;
            this.stmts.day.run(day);
          }
          const last = fresh.at(-1);
          if (last) this.stmts.setMark.run(DAYS_MARK, String(last.rev));
        })
        .immediate();
      if (days.length < BATCH) return;
    }
  }
}
