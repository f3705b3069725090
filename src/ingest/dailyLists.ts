// The Hugging Face daily lists feature: its tables (which papers were on which day's list, and which days are ingested) and what is stored about a day; src/store/dailyLists.ts reads them.
import type { Step } from '../ports.js';

/**
 * The feature's tables: the lists, and one row per fetched day. On PostgreSQL a day also carries a
 * change number (`rev`, stamped by `catalogue_stamp()`, see store/catalogueSchema.ts), so each host's
 * copy re-reads the days that changed (src/store/catalogueSync.ts).
 */
export const STEPS: readonly Step[] = [
  {
    sqlite: `CREATE TABLE daily_lists (
       list_date TEXT NOT NULL,
       paper_id TEXT NOT NULL,
       rank INTEGER NOT NULL,
       upvotes INTEGER NOT NULL,
       PRIMARY KEY (list_date, paper_id)
     ) WITHOUT ROWID;
     CREATE INDEX daily_lists_paper ON daily_lists(paper_id);
     CREATE TABLE daily_days (
       list_date TEXT PRIMARY KEY,
       fetched_at TEXT NOT NULL,
       papers INTEGER NOT NULL,
       skipped INTEGER NOT NULL,
       complete INTEGER NOT NULL
     );`,
    postgres: `CREATE TABLE daily_lists (
       list_date TEXT NOT NULL,
       paper_id TEXT NOT NULL,
       rank INTEGER NOT NULL,
       upvotes INTEGER NOT NULL,
       PRIMARY KEY (list_date, paper_id)
     );
     CREATE INDEX daily_lists_paper ON daily_lists(paper_id);
     CREATE TABLE daily_days (
       list_date TEXT PRIMARY KEY,
       fetched_at TEXT NOT NULL,
       papers INTEGER NOT NULL,
       skipped INTEGER NOT NULL,
       complete INTEGER NOT NULL,
       rev BIGINT NOT NULL
     );
     CREATE UNIQUE INDEX daily_days_rev ON daily_days(rev);
     CREATE TRIGGER daily_days_rev BEFORE INSERT OR UPDATE ON daily_days FOR EACH ROW EXECUTE FUNCTION catalogue_stamp();`,
  },
];

/** What is stored about one fetched day. */
export interface DayMark {
  date: string;
  /** When the list was last fetched (ISO instant). */
  fetchedAt: string;
  papers: number;
  skipped: number;
  /**
   * True when the day was over (New York time) when it was fetched, so its list will not grow: a
   * backfill skips it unless `--refresh`. Today's list is never complete.
   */
  complete: boolean;
}
