// Parses what `subscribe trending` is given (a local time, an IANA zone, a top N) into a schedule, and computes its runs with croner.
import { Cron } from 'croner';
import { err, ok, problem, type Problem, type Result } from '../errors.js';
import { dateInZone } from '../ports.js';
import { clip } from '../replyFormat.js';
import { cadenceWord, cronPattern, weekdayWord, type CadenceOf } from './cadence.js';

/** When and what a trending subscription posts: `hour:minute` in `zone` (daily, or a digest weekly or monthly), the top `top` papers. */
export interface TrendingSchedule extends CadenceOf {
  hour: number;
  minute: number;
  /** A canonical IANA zone name (`Europe/Berlin`, `UTC`). */
  zone: string;
  top: number;
}

export const DEFAULT_HOUR = 9;
export const DEFAULT_TOP = 10;
export const MAX_TOP = 25;

/** The forms a time may take, for error hints. */
export const TIME_FORMS = 'a time like 09:30, 9:30, 9am or 5:30pm (24-hour HH:MM or with am/pm)';
export const ZONE_FORMS = 'an IANA time zone such as Europe/Berlin, America/New_York, Asia/Tokyo or UTC';
export const TOP_FORMS = `top N with N from 1 to ${MAX_TOP}, e.g. top 5`;
export const SUBSCRIBE_USAGE =
  'subscribe trending [daily | weekly [monday…sunday] | monthly] [HH:MM] [IANA zone] [top N], e.g. subscribe trending 09:30 Europe/Berlin top 5 or subscribe trending weekly friday 17:00 UTC';

/** `09:30`, `9:30`, `9am`, `9:30 pm`, `21:00` → hours and minutes; anything else is a Problem showing the forms. */
export function parseTime(text: string): Result<{ hour: number; minute: number }, Problem> {
  const t = text.trim().toLowerCase().replace(/\s+/g, '');
  const m = /^(\d{1,2})(?:[:.h](\d{2}))?(am|pm|a\.m\.|p\.m\.)?$/.exec(t);
  const bad = problem(`"${clip(text.trim(), 30)}" is not a time I can read.`, [`Give ${TIME_FORMS}.`, `Usage: ${SUBSCRIBE_USAGE}`]);
  if (!m) return err(bad);
  let hour = Number(m[1]);
  const minute = m[2] === undefined ? 0 : Number(m[2]);
  const half = m[3]?.startsWith('a') ? 'am' : m[3]?.startsWith('p') ? 'pm' : null;
  // A bare number is an hour only with am/pm ("9am"); "9" alone is ambiguous enough to ask again.
  if (m[2] === undefined && half === null) return err(bad);
  if (minute > 59) return err(bad);
  if (half) {
    if (hour < 1 || hour > 12) return err(bad);
    hour = (hour % 12) + (half === 'pm' ? 12 : 0);
  } else if (hour > 23) return err(bad);
  return ok({ hour, minute });
}

/**
 * A zone name as the user typed it (any case: `europe/berlin`, `utc`) → its canonical IANA name.
 * Intl resolves case and old aliases (`Asia/Calcutta`) the way the rest of the runtime will.
 */
export function parseZone(text: string): Result<string, Problem> {
  const t = text.trim();
  const bad = problem(`"${clip(t, 40)}" is not a time zone I know.`, [`Give ${ZONE_FORMS}.`, `Usage: ${SUBSCRIBE_USAGE}`]);
  if (t === '' || t.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(t)) return err(bad);
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: t }).resolvedOptions().timeZone;
    // NOTE: offsets like "+05:00" are accepted by Intl but are not zones: they do not follow daylight saving.
    if (!/^[A-Za-z]/.test(resolved)) return err(bad);
    return ok(resolved === 'Etc/UTC' || resolved === 'Etc/GMT' ? 'UTC' : resolved);
  } catch {
    return err(bad);
  }
}

/** How many papers a post shows, 1 to {@link MAX_TOP}. */
export function parseTop(value: unknown): Result<number, Problem> {
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(n) || n < 1 || n > MAX_TOP) {
    return err(problem(`"${clip(String(value), 20)}" is not a number of papers I can post.`, [`Give ${TOP_FORMS}.`, `Usage: ${SUBSCRIBE_USAGE}`]));
  }
  return ok(n);
}

/** A day of the month as people write it: `1st`, `15th`. */
export const DAY_OF_MONTH = /^\d{1,2}(st|nd|rd|th)$/i;

/** The raw parts of `subscribe trending weekly monday 09:30 Europe/Berlin top 5`, as options (the command validates them). */
export interface TrendingWords {
  /** `daily`, `weekly` or `monthly`. */
  cadence?: string;
  /** A day of the week (weekly digests). */
  day?: string;
  time?: string;
  zone?: string;
  top?: string;
  /** Words that are none of the above. */
  unknown: string[];
}

/** Sorts the words after `trending` into cadence, weekday, time, zone and `top N` by their shape, in any order. */
export function splitTrendingWords(text: string): TrendingWords {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const out: TrendingWords = { unknown: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    const lower = w.toLowerCase();
    const glued = /^top(\d+)$/.exec(lower);
    if (glued) out.top = glued[1];
    else if (lower === 'top') {
      out.top = words[i + 1] ?? '';
      i += 1;
    } else if (/^(am|pm)$/.test(lower) && out.time !== undefined) out.time += lower;
    // NOTE: a day of the month (`15th`) and a second time are not the time: left for the command to refuse, never silently dropped.
    else if (/^\d/.test(w) && out.time === undefined && !DAY_OF_MONTH.test(w)) out.time = w;
    else if (w.includes('/') || /^(utc|gmt)$/i.test(w)) out.zone = w;
    else if (out.cadence === undefined && cadenceWord(w)) out.cadence = lower;
    else if (out.day === undefined && weekdayWord(w) !== null) out.day = w;
    else out.unknown.push(w);
  }
  return out;
}

/** `09:30`. */
export function formatTime(s: Pick<TrendingSchedule, 'hour' | 'minute'>): string {
  return `${String(s.hour).padStart(2, '0')}:${String(s.minute).padStart(2, '0')}`;
}

/** The croner job for a schedule: computes runs only (no callback, so it never sets a timer). */
function cronOf(s: RunsOf): Cron {
  const key = scheduleKey(s);
  let cron = CRONS.get(key);
  if (!cron) {
    // NOTE: at most 1,440 times per zone and cadence; in practice a handful. Building the job costs far more than asking it.
    cron = new Cron(cronPattern(s), { timezone: s.zone, paused: true });
    CRONS.set(key, cron);
  }
  return cron;
}

/** What decides a schedule's runs. */
type RunsOf = Pick<TrendingSchedule, 'hour' | 'minute' | 'zone' | 'cadence' | 'weekday'>;

/** Jobs by {@link scheduleKey}, shared by every subscription with that schedule. */
const CRONS = new Map<string, Cron>();

/** `0 9 * * 1 Europe/Berlin`: subscriptions with the same key run at the same instants. */
export function scheduleKey(s: RunsOf): string {
  return `${cronPattern(s)} ${s.zone}`;
}

/**
 * The first run strictly after `after`. croner computes it in the zone, so a 09:30 post stays at
 * 09:30 local time across daylight-saving changes (and a time the change skips runs once, later that day).
 */
export function nextRunAfter(s: RunsOf, after: Date): Date {
  const next = cronOf(s).nextRun(after);
  if (!next) throw new Error(`croner found no next run for ${formatTime(s)} ${s.zone}`);
  return next;
}

/** The latest run at or before `at`, or null when none is found (croner looks back from `at`). */
export function lastRunAtOrBefore(s: RunsOf, at: Date): Date | null {
  // NOTE: previousRuns excludes the reference itself; one millisecond later includes a run exactly at `at`.
  return cronOf(s).previousRuns(1, new Date(at.getTime() + 1))[0] ?? null;
}

/** `Wed 2026-12-02 09:30 Europe/Berlin`: an instant as the channel reads it. */
export function describeLocal(instant: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('weekday')} ${dateInZone(instant, zone)} ${get('hour')}:${get('minute')} ${zone}`;
}
