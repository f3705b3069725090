// Ingesting Hugging Face daily lists: one day in one transaction (papers, the list, the day's mark), and a resumable run over many days.
import { err, ok, problem, type Problem, type Result } from '../errors.js';
import type { Library } from '../library.js';
import type { Logger } from '../logger.js';
import { HfError, type HfClient } from '../papers/hf.js';
import { dateInZone, type Clock, type SourceWarning, type UpsertStats } from '../ports.js';
import { addDays } from '../trending/period.js';
import type { DailyLists } from '../store/dailyLists.js';

/** The most days one `ingest --since` may cover (a year, leap day included). */
export const MAX_RANGE_DAYS = 366;

/** How many warnings of one day are logged one by one; the rest are counted in one line. */
const LOGGED_WARNINGS = 10;

/** What a day's ingest needs: where to write, what time it is, where to log. */
export interface DayDeps {
  library: Library;
  lists: DailyLists;
  client: Pick<HfClient, 'daily'>;
  clock: Clock;
  /** PAPERBOY_TIMEZONE: "today" is the list date there (Hugging Face publishes on New York time). */
  timeZone: string;
  logger: Logger;
}

/** One day ingested: what the store did (its `changed` list holds the papers new to the store) and what was read. */
export interface DayIngested {
  date: string;
  stats: UpsertStats;
  /** `pages`, `items`, `papers`, `skipped` (items that could not be read). */
  counts: Record<string, number>;
  warnings: SourceWarning[];
}

/**
 * Fetches the daily list of `date` and stores it in one transaction: the papers (merged with what
 * is stored, through the Library so the search index follows), the list itself and the day's mark.
 * A kill or a fault before the commit keeps nothing of the day; a re-run is idempotent. A source
 * that is down throws an HfError and writes nothing.
 */
export async function ingestDay(deps: DayDeps, date: string, signal?: AbortSignal): Promise<DayIngested> {
  const batch = await deps.client.daily(date, signal);
  const today = dateInZone(deps.clock.now(), deps.timeZone);
  const stats = await deps.library.ingest(batch.papers, (tx) =>
    deps.lists.record(tx, date, batch.entries, {
      fetchedAt: deps.clock.now().toISOString(),
      skipped: batch.counts.skipped ?? batch.warnings.length,
      complete: date < today,
    }),
  );
  const log = deps.logger;
  for (const w of batch.warnings.slice(0, LOGGED_WARNINGS)) log.warn({ source: 'hf:daily_papers', where: w.where }, w.message);
  if (batch.warnings.length > LOGGED_WARNINGS) {
    log.warn({ source: 'hf:daily_papers', date, warnings: batch.warnings.length }, `${batch.warnings.length - LOGGED_WARNINGS} more items were skipped`);
  }
  return { date, stats, counts: batch.counts, warnings: batch.warnings };
}

/** How one day of a run ended. */
export type DayOutcome =
  | { date: string; status: 'ingested'; result: DayIngested }
  /** Already complete in the database, and `refresh` was not asked for. */
  | { date: string; status: 'skipped' }
  /** The source failed for this day (nothing of it was written); the run went on. */
  | { date: string; status: 'failed'; error: string };

export interface RunOptions {
  /** Fetch days again even when they are complete. */
  refresh?: boolean;
  signal?: AbortSignal;
  /** Called after each day, in order (progress bars, one line per day). */
  onDay?: (outcome: DayOutcome, done: number, total: number) => void;
}

/**
 * Ingests each day in turn. A day already complete is skipped unless `refresh`; a day the source
 * fails is reported and the run goes on with the next. A store fault (disk full, locked too long)
 * stops the run: it is an OperatorError the operator must fix, and the days before it are kept.
 */
/** After this many days in a row the API could not be reached at all, a run stops asking and reports the rest as not tried. */
export const UNREACHABLE_DAYS = 3;

export async function ingestDays(deps: DayDeps, dates: readonly string[], opts: RunOptions = {}): Promise<DayOutcome[]> {
  const out: DayOutcome[] = [];
  let unreachable = 0;
  for (const date of dates) {
    if (opts.signal?.aborted) break;
    let outcome: DayOutcome;
    if (!opts.refresh && deps.lists.day(date)?.complete) outcome = { date, status: 'skipped' };
    else if (unreachable >= UNREACHABLE_DAYS) {
      // NOTE: each of those days already retried with backoff; a year's backfill would otherwise spend an hour failing.
      outcome = { date, status: 'failed', error: `not tried: the API was unreachable for ${UNREACHABLE_DAYS} days in a row` };
    } else {
      try {
        outcome = { date, status: 'ingested', result: await ingestDay(deps, date, opts.signal) };
        unreachable = 0;
      } catch (e) {
        if (!(e instanceof HfError)) throw e;
        deps.logger.warn({ date, failure: e.failure, problem: e.message }, 'daily list not ingested');
        outcome = { date, status: 'failed', error: e.message };
        unreachable = e.failure === 'unavailable' ? unreachable + 1 : 0;
      }
    }
    out.push(outcome);
    opts.onDay?.(outcome, out.length, dates.length);
  }
  return out;
}

/** What `ingest` was asked for, as flag values (absent ones undefined). */
export interface RangeFlags {
  date?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/**
 * The days `ingest --date D` or `--since D [--until D]` asks for, oldest first, or the one-line
 * problem with the flags: a date that is not a real `YYYY-MM-DD`, one after today, `--until` before
 * `--since`, more than {@link MAX_RANGE_DAYS} days, or flags that do not go together.
 */
export function ingestDates(flags: RangeFlags, today: string): Result<string[], Problem> {
  const { date, since, until } = flags;
  if (date !== undefined && (since !== undefined || until !== undefined)) {
    return err(problem('Give --date for one day, or --since (with --until) for a range, not both.'));
  }
  if (until !== undefined && since === undefined) return err(problem('--until needs --since: paperboy ingest --since YYYY-MM-DD --until YYYY-MM-DD.'));
  for (const [flag, value] of [
    ['--date', date],
    ['--since', since],
    ['--until', until],
  ] as const) {
    if (value === undefined) continue;
    if (!isRealDate(value)) return err(problem(`${flag} ${clip(value)} is not a date: use YYYY-MM-DD, e.g. ${today}.`));
    if (value > today) return err(problem(`${flag} ${value} is in the future: the latest daily list is today's, ${today}.`));
  }
  if (date !== undefined) return ok([date]);
  const from = since as string;
  const to = until ?? today;
  if (to < from) return err(problem(`--until ${to} is before --since ${from}.`));
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    days.push(d);
    if (days.length > MAX_RANGE_DAYS) {
      return err(
        problem(
          `--since ${from} to ${to} is more than ${MAX_RANGE_DAYS} days: ingest a year or less at a time (the run can be repeated, completed days are skipped).`,
        ),
      );
    }
  }
  return ok(days);
}

function isRealDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function clip(s: string): string {
  return s.length > 30 ? `${s.slice(0, 29)}…` : s;
}
