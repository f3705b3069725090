// Bolt middleware that answers each Events API event once across replicas: a retry Slack sends (x-slack-retry-num) to any replica finds the event claimed and is dropped.
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../src/logger.js';
import { MemoryEventClaims } from '../../src/inbound/eventClaims.js';
import { systemClock, type EventClaims } from '../../src/ports.js';

export type { EventClaims };

const eventBodySchema = z.object({ type: z.literal('event_callback'), event_id: z.string().min(1).max(100) });

/**
 * Claims every Events API event by its `event_id` before any listener runs (Bolt has acked it
 * already). Slack re-sends an event it got no 200 for within 3 s, up to three times, possibly to
 * another replica behind the load balancer (https://docs.slack.dev/apis/events-api/#retries); the
 * claim is a unique key in the shared database, so only the first delivery is answered.
 * Without `claims` (tests, a one-off adapter) they are kept in this process's memory.
 * NOTE: a claim that cannot be made (the database away) lets the event through: a mention answered
 * twice beats one never answered.
 */
export function eventOnce(claims: EventClaims = new MemoryEventClaims(systemClock), log: Logger): Middleware<AnyMiddlewareArgs> {
  return async ({ body, context, next }) => {
    const ev = eventBodySchema.safeParse(body);
    if (!ev.success) return next();
    let first: boolean;
    try {
      first = await claims.claim(`slack:${ev.data.event_id}`);
    } catch (e) {
      log.warn({ eventId: ev.data.event_id, err: e instanceof Error ? e.message : String(e) }, 'could not record a Slack event as taken; answering it anyway');
      return next();
    }
    if (first) return next();
    log.info(
      { eventId: ev.data.event_id, retryNum: context.retryNum, retryReason: context.retryReason },
      'a Slack event retry already taken by this or another replica; ignored',
    );
  };
}
