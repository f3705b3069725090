// Weekly and monthly digests: which period a post covers, fetching its days first, and what the post says (its top papers, or one honest line).
import { paperCard } from '../cards.js';
import type { PaperLibrary } from '../library.js';
import type { Logger } from '../logger.js';
import { dateInZone } from '../ports.js';
import type { Reply } from '../reply.js';
import { within } from '../serve.js';
import { addDays, isoWeekOf, monthPeriod, weekPeriod, type Period } from '../trending/period.js';
import type { CadenceOf } from './cadence.js';
import { describeLocal } from './spec.js';

/** How long fetching a period's missing days may take in all before the digest goes out with what is stored (milliseconds). */
export const PERIOD_FRESHEN_MS = 3 * 60_000;
/** A day of the period that is still today is fetched unless it was this recently, as before a daily post (milliseconds). */
const TODAY_FRESH_MS = 15 * 60_000;

/** Whether a subscription posts a digest of a week or a month (not the daily list). */
export function isDigest(s: CadenceOf): boolean {
  return s.cadence === 'weekly' || s.cadence === 'monthly';
}

/**
 * The period a digest posted on `runDate` (its local date) covers: weekly, the last complete
 * Monday–Sunday ISO week before that day; monthly, the previous calendar month.
 */
export function digestPeriod(s: CadenceOf, runDate: string): Period {
  if (s.cadence === 'monthly') return monthPeriod(addDays(`${runDate.slice(0, 7)}-01`, -1).slice(0, 7));
  const { year, week } = isoWeekOf(runDate);
  const monday = weekPeriod({ year, week }).from;
  return weekPeriod(isoWeekOf(addDays(monday, -1)));
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `Nov 30 – Dec 6` (a week), `November 2026` (a month): the period as people read it. */
export function readablePeriod(p: Period): string {
  const [y, m] = p.from.split('-').map(Number) as [number, number];
  if (p.kind === 'month') return `${MONTHS[m - 1] ?? ''} ${y}`;
  const day = (d: string) => `${(MONTHS[Number(d.slice(5, 7)) - 1] ?? '').slice(0, 3)} ${Number(d.slice(8, 10))}`;
  return `${day(p.from)} – ${day(p.to)}`;
}

/** `2026-W49 (Nov 30 – Dec 6)`, `November 2026 (2026-11)`: both names, for confirmations and listings. */
export function namePeriod(p: Period): string {
  return p.kind === 'month' ? `${readablePeriod(p)} (${p.label})` : `${p.label} (${readablePeriod(p)})`;
}

/**
 * The digest of a period: its papers are those on its daily lists, each once, by upvotes (the
 * library's trending order, so More pages on through the `trending` command in the same order).
 * Null when the period has no lists (the library would offer an earlier period instead).
 */
export function digestPost(library: PaperLibrary, period: Period, top: number): Reply | null {
  const list = library.trending(period);
  if (list.papers.length === 0 || list.shown.label !== period.label) return null;
  const page = list.papers.slice(0, top);
  const info = { kind: period.kind, label: period.label, from: period.from, to: period.to };
  const count = `${list.papers.length} ${list.papers.length === 1 ? 'paper' : 'papers'}`;
  const names = period.kind === 'month' ? `${readablePeriod(period)} · ${period.label}` : `${period.label} · ${readablePeriod(period)}`;
  return {
    kind: 'papers',
    title: `Top papers of ${names} · ${count}`,
    cards: page.map((p) => paperCard(p)),
    start: 1,
    total: list.papers.length,
    period: { asked: info, shown: info },
    ...(page.length < list.papers.length ? { next: { command: 'trending', input: { date: period.label, limit: top }, offset: page.length } } : {}),
    visibility: 'public',
    shareable: false,
  };
}

/** The one line a digest posts for a period with no daily lists (the source was down, or nothing was published). */
export function emptyPeriodPost(period: Period, next: Date, zone: string): Reply {
  return {
    kind: 'text',
    lines: [`No daily lists for ${namePeriod(period)}, so there is no digest of it; the next one is due ${describeLocal(next, zone)}.`],
    visibility: 'public',
  };
}

/** What fetching a period's days needs: the live ingest (or none), the zone lists are dated in, and a way to stop. */
export interface PeriodFreshening {
  freshener?: { ensureFresh(date: string, maxAgeMs: number): Promise<unknown> } | undefined;
  /** The zone daily lists are dated in (PAPERBOY_TIMEZONE). */
  timeZone: string;
  now: () => Date;
  log: Logger;
  signal: AbortSignal;
  /** The most the whole period may take (milliseconds; default {@link PERIOD_FRESHEN_MS}). */
  budgetMs?: number;
}

/**
 * Fetches each day of the period that was never fetched, or only while it was still under way (a
 * day fetched before its end may have grown since), oldest first. A failure or the budget running
 * out stops it (the source is likely down): the digest then goes out with what is stored.
 */
export async function freshenPeriod(deps: PeriodFreshening, period: Period): Promise<void> {
  const { freshener, timeZone, log } = deps;
  if (!freshener) return;
  const started = deps.now().getTime();
  const budget = deps.budgetMs ?? PERIOD_FRESHEN_MS;
  const today = dateInZone(deps.now(), timeZone);
  for (let date = period.from; date <= period.to && date <= today; date = addDays(date, 1)) {
    const now = deps.now().getTime();
    const left = budget - (now - started);
    // NOTE: a fetch from before the day's end is refetched; a day not over yet (today) as the daily post does.
    const maxAgeMs = Math.max(TODAY_FRESH_MS, now - startOfDay(addDays(date, 1), timeZone));
    try {
      const r = left > 0 ? await within(freshener.ensureFresh(date, maxAgeMs), left, deps.signal) : 'timeout';
      if (r === 'timeout') {
        log.warn({ period: period.label, date }, 'fetching the period’s daily lists took too long; posting the digest with what is stored');
        return;
      }
      if (r === 'stopped') return;
    } catch (e) {
      log.warn({ err: e, period: period.label, date }, 'could not fetch a daily list of the period; posting the digest with what is stored');
      return;
    }
  }
}

/** The instant a calendar date begins in `zone` (epoch milliseconds). */
export function startOfDay(date: string, zone: string): number {
  const utc = Date.parse(`${date}T00:00:00Z`);
  // NOTE: two rounds settle the offset on either side of a daylight-saving change.
  let t = utc;
  for (let i = 0; i < 2; i++) t = utc - offsetAt(t, zone);
  return t;
}

/** How far `zone`'s wall clock is ahead of UTC at `t` (milliseconds). */
function offsetAt(t: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(t / 1000) * 1000;
}
