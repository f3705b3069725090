// Ports: the small interfaces the core owns and the outside world implements.
import type { Reply } from './reply.js';

/** Where a post goes. `guildId` lets a sharded Discord bot route the post to the shard that holds it. */
export interface PostTarget {
  channel: string;
  guildId?: string;
}

/**
 * A chat platform. Adapters translate platform events into command invocations and
 * neutral replies into platform messages; they hold no paper logic.
 */
export interface ChatAdapter {
  readonly platform: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Posts a reply into a channel (used by scheduled trending posts). */
  post(target: PostTarget, reply: Reply): Promise<void>;
}

/** The time source; a fake drives tests and the scheduler. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The calendar date (`YYYY-MM-DD`) of an instant in a time zone. */
export function dateInZone(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
