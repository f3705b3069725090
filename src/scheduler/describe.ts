// How a trending subscription reads back to users (subscribe, subscriptions, unsubscribe): when it posts, what it posts, and its next post.
import { dateInZone } from '../ports.js';
import { describeDays, type CadenceOf } from './cadence.js';
import { digestPeriod, isDigest, namePeriod } from './periods.js';
import { describeLocal, formatTime, nextRunAfter, type TrendingSchedule } from './spec.js';

/** `every Monday at 09:00 Europe/Berlin`. */
export function describeWhen(s: Pick<TrendingSchedule, 'hour' | 'minute' | 'zone'> & CadenceOf): string {
  return `${describeDays(s)} at ${formatTime(s)} ${s.zone}`;
}

/** `the top 5 trending papers`, `the top 5 papers of the past week`, `… of the past month`. */
export function describeWhat(s: Pick<TrendingSchedule, 'top'> & CadenceOf): string {
  if (s.cadence === 'weekly') return `the top ${s.top} papers of the past week`;
  if (s.cadence === 'monthly') return `the top ${s.top} papers of the past month`;
  return `the top ${s.top} trending papers`;
}

/** `Mon 2026-12-07 09:00 UTC`, and for a digest the period it will cover: `…, with 2026-W49 (Nov 30 – Dec 6)`. */
export function describeNext(s: TrendingSchedule, now: Date): string {
  const next = nextRunAfter(s, now);
  const when = describeLocal(next, s.zone);
  return isDigest(s) ? `${when}, with ${namePeriod(digestPeriod(s, dateInZone(next, s.zone)))}` : when;
}
