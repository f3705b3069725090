// Calendar periods for trending lists: a day, an ISO week or a month, all as plain calendar dates.
import { err, ok, problem, type Problem, type Result } from '../errors.js';

export type PeriodKind = 'day' | 'week' | 'month';

/** An inclusive range of calendar dates (`YYYY-MM-DD`), time zone free by construction. */
export interface Period {
  kind: PeriodKind;
  /** `2025-11-27`, `2025-W48` or `2025-11`. */
  label: string;
  from: string;
  to: string;
}

export const PERIOD_FORMATS = 'YYYY-MM-DD (a day), YYYY-Www (an ISO week, e.g. 2025-W48), YYYY-MM (a month), or today, yesterday, week, month';

/**
 * Reads what a user asked for. `today` is the caller's calendar date in the bot's time zone
 * (NOTE: Hugging Face publishes daily lists on New York time, the default zone).
 */
export function parsePeriod(spec: string, today: string): Result<Period, Problem> {
  const s = spec.trim().toLowerCase();
  if (s === '' || s === 'today' || s === 'day') return ok(dayPeriod(today));
  if (s === 'yesterday') return ok(dayPeriod(addDays(today, -1)));
  if (s === 'week' || s === 'this week') return ok(weekPeriod(isoWeekOf(today)));
  if (s === 'month' || s === 'this month') return ok(monthPeriod(today.slice(0, 7)));
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return isRealDate(s) ? ok(dayPeriod(s)) : err(badPeriod(spec));
  const w = /^(\d{4})-?w(\d{1,2})$/.exec(s);
  if (w) {
    const year = Number(w[1]);
    const week = Number(w[2]);
    if (week < 1 || week > weeksInYear(year)) return err(badPeriod(spec, `${year} has weeks 1 to ${weeksInYear(year)}.`));
    return ok(weekPeriod({ year, week }));
  }
  const m = /^(\d{4})-(\d{2})$/.exec(s);
  if (m) {
    const mo = Number(m[2]);
    return mo >= 1 && mo <= 12 ? ok(monthPeriod(s)) : err(badPeriod(spec));
  }
  return err(badPeriod(spec));
}

function badPeriod(spec: string, extra?: string): Problem {
  const shown = spec.length > 40 ? `${spec.slice(0, 39)}…` : spec;
  return problem(`"${shown}" is not a date, week or month I understand.${extra ? ` ${extra}` : ''}`, [`Use ${PERIOD_FORMATS}.`]);
}

export function dayPeriod(date: string): Period {
  return { kind: 'day', label: date, from: date, to: date };
}

export function monthPeriod(ym: string): Period {
  const [y, m] = ym.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { kind: 'month', label: ym, from: `${ym}-01`, to: `${ym}-${String(last).padStart(2, '0')}` };
}

export function weekPeriod({ year, week }: { year: number; week: number }): Period {
  // ISO week 1 is the week with the year's first Thursday; weeks start on Monday.
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const mondayOfWeek1 = new Date(jan4);
  mondayOfWeek1.setUTCDate(jan4.getUTCDate() - ((jan4.getUTCDay() + 6) % 7));
  const from = new Date(mondayOfWeek1);
  from.setUTCDate(mondayOfWeek1.getUTCDate() + (week - 1) * 7);
  const to = new Date(from);
  to.setUTCDate(from.getUTCDate() + 6);
  return { kind: 'week', label: `${year}-W${String(week).padStart(2, '0')}`, from: iso(from), to: iso(to) };
}

/** The ISO week a calendar date falls in. */
export function isoWeekOf(date: string): { year: number; week: number } {
  const d = parseDate(date);
  const day = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - day + 3);
  const year = d.getUTCFullYear();
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const week = 1 + Math.round(((d.getTime() - jan4.getTime()) / 86_400_000 - 3 + ((jan4.getUTCDay() + 6) % 7)) / 7);
  return { year, week };
}

function weeksInYear(year: number): number {
  return isoWeekOf(`${year}-12-28`).week;
}

/** The period of the same kind that contains `date` (to offer "the latest week with papers"). */
export function periodContaining(kind: PeriodKind, date: string): Period {
  if (kind === 'day') return dayPeriod(date);
  if (kind === 'week') return weekPeriod(isoWeekOf(date));
  return monthPeriod(date.slice(0, 7));
}

export function addDays(date: string, n: number): string {
  const d = parseDate(date);
  d.setUTCDate(d.getUTCDate() + n);
  return iso(d);
}

function parseDate(date: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d));
}

function isRealDate(s: string): boolean {
  return iso(parseDate(s)) === s;
}

function iso(d: Date): string {
  return d.toISOString().slice(0, 10);
}
