// How often a trending subscription posts (daily, weekly on a weekday, monthly on the 1st): the words users type, the cron pattern, and how it reads back.
import { err, ok, problem, type Problem, type Result } from '../errors.js';
import { clip } from '../replyFormat.js';

export type Cadence = 'daily' | 'weekly' | 'monthly';

export const CADENCES: readonly Cadence[] = ['daily', 'weekly', 'monthly'];

/** The days of the week by ISO number (1 = Monday … 7 = Sunday), as stored and as typed. */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** A weekly digest's day when none is given: Monday, the first morning after the week it covers. */
export const DEFAULT_WEEKDAY = 1;

export const WEEKDAY_FORMS = 'a day of the week: monday, tuesday, wednesday, thursday, friday, saturday or sunday (or mon … sun)';

/** When a subscription posts, beside its time and zone. Absent cadence means daily (subscriptions made before digests). */
export interface CadenceOf {
  cadence?: Cadence;
  /** For weekly: the ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday?: number;
}

/** `daily`, `weekly`, `monthly` (any case) → the cadence; null for any other word. */
export function cadenceWord(word: string): Cadence | null {
  const w = word.trim().toLowerCase();
  return (CADENCES as readonly string[]).includes(w) ? (w as Cadence) : null;
}

/** `monday`, `Mon`, `mondays` → 1; null for any other word. */
export function weekdayWord(word: string): number | null {
  const w = word.trim().toLowerCase().replace(/s$/, '');
  if (w.length < 3) return null;
  const i = WEEKDAYS.findIndex((d) => d === w || d.slice(0, 3) === w || (w.length > 3 && d.startsWith(w)));
  return i < 0 ? null : i + 1;
}

/** A weekday as given (a word, or the Discord choice's value) → its ISO number, or a Problem naming the days. */
export function parseWeekday(text: string, usage: string): Result<number, Problem> {
  const day = weekdayWord(text);
  if (day !== null) return ok(day);
  return err(problem(`"${clip(text.trim(), 20)}" is not a day of the week I know.`, [`Give ${WEEKDAY_FORMS}.`, `Usage: ${usage}`]));
}

/** `Monday`. */
export function weekdayName(day: number): string {
  const name = WEEKDAYS[day - 1] ?? 'monday';
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The cron pattern of a schedule: every day, one weekday, or the 1st of each month, at `hour:minute`. */
export function cronPattern(s: CadenceOf & { hour: number; minute: number }): string {
  // NOTE: cron counts weekdays from Sunday = 0; the store keeps ISO numbers (Sunday = 7).
  if (s.cadence === 'weekly') return `${s.minute} ${s.hour} * * ${(s.weekday ?? DEFAULT_WEEKDAY) % 7}`;
  if (s.cadence === 'monthly') return `${s.minute} ${s.hour} 1 * *`;
  return `${s.minute} ${s.hour} * * *`;
}

/** `every day`, `every Monday`, `on the 1st of every month`: when the posts come, before the time. */
export function describeDays(s: CadenceOf): string {
  if (s.cadence === 'weekly') return `every ${weekdayName(s.weekday ?? DEFAULT_WEEKDAY)}`;
  if (s.cadence === 'monthly') return 'on the 1st of every month';
  return 'every day';
}
