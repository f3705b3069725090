// Slack ledger-kept sends: message metadata naming the ledger row, and finding a message whose answer was lost (conversations.history).
import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import { DeliveryError } from '../../src/errors.js';
import { beforeCall } from '../../src/ledgerSend.js';
import type { LedgerSend } from '../../src/ports.js';
import { describeSlackApiError } from './receiver.js';

/** The metadata event type our ledger-kept messages carry. https://docs.slack.dev/messaging/message-metadata */
export const LEDGER_EVENT = 'paperboy_post';

/** How far before the first attempt the look starts (seconds): our clock and Slack's may differ a little. */
const SKEW_S = 120;

/**
 * Messages read per page when looking (NOTE: 15, the most a non-Marketplace app may ask
 * conversations.history for since 2025, which also allows it one call a minute; so a look reads one
 * page by default). https://docs.slack.dev/changelog/2025/05/29/rate-limit-changes-for-non-marketplace-apps
 */
const PAGE = 15;
export const DEFAULT_LOOK_PAGES = 1;

/** The `metadata` argument of chat.postMessage that names a ledger row. */
export function ledgerMetadata(send: LedgerSend): { event_type: string; event_payload: { key: string } } {
  return { event_type: LEDGER_EVENT, event_payload: { key: send.key } };
}

const historySchema = z.object({
  messages: z
    .array(
      z.object({
        ts: z.string(),
        metadata: z.object({ event_type: z.string().optional(), event_payload: z.record(z.string(), z.unknown()).optional() }).optional(),
      }),
    )
    .default([]),
  has_more: z.boolean().optional(),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});

/** What a look for an earlier attempt found: its `ts`, nothing, or that Slack would not let us look (and why). */
export type Look = { kind: 'found'; ts: string } | { kind: 'absent' } | { kind: 'unknown'; reason: string };

/**
 * Looks for the message carrying `send.key` in `channel`, posted since `send.landedSince` (less a
 * little for clock skew), with conversations.history and `include_all_metadata`, reading at most
 * `maxPages` pages. Needs `channels:history` / `groups:history` / `im:history` for the channel's kind
 * and the bot in the channel; a refusal (missing_scope, not_in_channel…) or more messages than the pages
 * hold is `unknown`. A rate limit, a network or server failure, or the attempt's deadline is thrown as a
 * transient DeliveryError: cannot tell yet, so nothing is posted and the ledger retries later.
 * https://docs.slack.dev/reference/methods/conversations.history
 */
export async function findLanded(
  web: webApi.WebClient,
  channel: string,
  send: LedgerSend & { landedSince: Date },
  maxPages = DEFAULT_LOOK_PAGES,
): Promise<Look> {
  const oldest = (Math.floor(send.landedSince.getTime() / 1000) - SKEW_S).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    beforeCall(send, 'looking for an earlier attempt');
    let raw: unknown;
    try {
      raw = await web.conversations.history({ channel, oldest, include_all_metadata: true, limit: PAGE, ...(cursor ? { cursor } : {}) });
    } catch (e) {
      const d = describeSlackApiError(e);
      if (d.kind === 'platform' && d.platformError) return { kind: 'unknown', reason: d.platformError };
      throw new DeliveryError('transient', `could not look for an earlier attempt (conversations.history): ${d.reason}; not posted (the ledger retries)`);
    }
    const h = historySchema.safeParse(raw);
    if (!h.success) return { kind: 'unknown', reason: 'conversations.history answered in an unexpected shape' };
    const hit = h.data.messages.find((m) => m.metadata?.event_type === LEDGER_EVENT && m.metadata.event_payload?.key === send.key);
    if (hit) return { kind: 'found', ts: hit.ts };
    cursor = h.data.response_metadata?.next_cursor;
    if (!h.data.has_more) return { kind: 'absent' };
    if (!cursor) break;
  }
  return { kind: 'unknown', reason: `more than ${PAGE * maxPages} messages since the first attempt` };
}

/** The warning for a look that could not tell (the send goes out again), saying what the operator can do. */
export function unknownLookWarning(reason: string): string {
  const head = 'cannot check whether an earlier attempt landed';
  const tail = 'sending again, so it may appear twice';
  if (reason === 'not_in_channel')
    return `${head}: the bot is not a member of this channel (it posts there with chat:write.public, but conversations.history needs it invited: /invite the app); ${tail}`;
  if (/^[a-z_]+$/.test(reason))
    return `${head}: conversations.history answered ${reason} (it needs channels:history, groups:history and im:history, and the bot in the channel); ${tail}`;
  return `${head}: ${reason}; ${tail}`;
}
