// The daily lists as this host's SQLite file holds them: read at once for trending and ingest, written inside the paper store's transaction.
import type Database from 'better-sqlite3';
import type { DayMark } from '../ingest/dailyLists.js';
import type { DailyEntry } from '../papers/hf.js';
import type { DailyListReader, Sql } from '../ports.js';
import type { SqliteStore } from './sqlitePaperStore.js';

/**
 * Daily lists in SQLite, on the store's own connection, so a day's papers, its list and its mark
 * commit in one transaction (the tables are the `daily_lists` feature, migrated at open). Reads go to the file each time, so a list another process ingested
 * is seen at once.
 */
export class DailyLists implements DailyListReader {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      day: db.prepare<[string], { date: string; fetchedAt: string; papers: number; skipped: number; complete: number }>(
        'SELECT list_date AS date, fetched_at AS fetchedAt, papers, skipped, complete FROM daily_days WHERE list_date = ?',
      ),
      listed: db.prepare<[string, string], { paper_id: string }>(
        'SELECT paper_id FROM daily_lists WHERE list_date BETWEEN ? AND ? GROUP BY paper_id ORDER BY min(list_date), min(rank)',
      ),
      latest: db.prepare<[string], { d: string | null }>('SELECT max(list_date) AS d FROM daily_lists WHERE list_date <= ?'),
      lastFetch: db.prepare<[], { t: string | null }>('SELECT max(fetched_at) AS t FROM daily_days'),
      dates: db.prepare<[number], { date: string; count: number }>(
        'SELECT list_date AS date, count(*) AS count FROM daily_lists GROUP BY list_date ORDER BY list_date DESC LIMIT ?',
      ),
      first: db.prepare<[], { d: string | null }>('SELECT min(list_date) AS d FROM daily_days'),
    };
  }

  /**
   * Replaces the list of `date` and marks the day fetched. Call it inside the store's transaction
   * with the day's papers (see `ingestDay`), so all three are kept or none is.
   */
  async record(tx: Sql, date: string, entries: readonly DailyEntry[], mark: Omit<DayMark, 'date' | 'papers'>): Promise<void> {
    await tx.run('DELETE FROM daily_lists WHERE list_date = ?', [date]);
    for (const e of entries) {
      await tx.run(
        `INSERT INTO daily_lists (list_date, paper_id, rank, upvotes) VALUES (?, ?, ?, ?)
         ON CONFLICT (list_date, paper_id) DO UPDATE SET rank = excluded.rank, upvotes = excluded.upvotes`,
        [date, e.paperId, e.rank, e.upvotes],
      );
    }
    await tx.run(
      `INSERT INTO daily_days (list_date, fetched_at, papers, skipped, complete) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (list_date) DO UPDATE SET fetched_at = excluded.fetched_at, papers = excluded.papers, skipped = excluded.skipped, complete = excluded.complete`,
      [date, mark.fetchedAt, entries.length, mark.skipped, mark.complete ? 1 : 0],
    );
  }

  /** What is stored about the day, or undefined when it was never fetched. */
  day(date: string): DayMark | undefined {
    const row = this.stmts.day.get(date);
    return row ? { ...row, complete: row.complete === 1 } : undefined;
  }

  /** The last time any day was fetched (by any process), or null. */
  lastFetchedAt(): string | null {
    return this.stmts.lastFetch.get()?.t ?? null;
  }

  listed(from: string, to: string): string[] | null {
    const ids = this.stmts.listed.all(from, to).map((r) => r.paper_id);
    if (ids.length > 0) return ids;
    // NOTE: from the first fetched day on, days are list days: one fetched empty (a weekend, a holiday)
    // or not fetched yet (the source down, before the hourly fetch) has no papers, never the papers
    // that happen to carry that arXiv date (often yesterday's list).
    const first = this.firstDate();
    return first !== null && to >= first ? [] : null;
  }

  firstDate(): string | null {
    return this.stmts.first.get()?.d ?? null;
  }

  dates(limit: number): Array<{ date: string; count: number }> {
    return this.stmts.dates.all(limit);
  }

  latestDate(onOrBefore = '9999-12-31'): string | null {
    return this.stmts.latest.get(onOrBefore)?.d ?? null;
  }
}

/** The daily lists of an SQLite file, or null when it has none (a read-only file older than them): the owner hands them to ingest and trending. */
export function dailyListsOf(store: SqliteStore): DailyLists | null {
  const db = store.connection;
  if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'daily_lists'`).get()) return null;
  return new DailyLists(db);
}
