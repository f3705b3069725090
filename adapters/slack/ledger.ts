// Slack ledger-kept sends: message metadata naming the ledger row, and finding a message whose answer was lost (conversations.history).
import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import type { LedgerSend } from '../../src/ports.js';
import { describeSlackApiError } from './receiver.js';

/** The metadata event type our ledger-kept messages carry. https://docs.slack.dev/messaging/message-metadata */
export const LEDGER_EVENT = 'paperboy_post';

/** How far before the first attempt the look starts (seconds): our clock and Slack's may differ a little. */
const SKEW_S = 120;

/**
 * Pages read at most when looking (NOTE: 15 messages a page, the most a non-Marketplace app may ask
 * conversations.history for since 2025; https://docs.slack.dev/changelog/2025/05/29/rate-limit-changes-for-non-marketplace-apps).
 */
const PAGE = 15;
const MAX_PAGES = 4;

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
 * little for clock skew), with conversations.history and `include_all_metadata`. Needs
 * `channels:history` / `groups:history` / `im:history` for the channel's kind; a refusal (missing_scope,
 * not_in_channel…) is `unknown`, and a network or server failure is thrown (the ledger retries later).
 * https://docs.slack.dev/reference/methods/conversations.history
 */
export async function findLanded(web: webApi.WebClient, channel: string, send: LedgerSend & { landedSince: Date }): Promise<Look> {
  const oldest = (Math.floor(send.landedSince.getTime() / 1000) - SKEW_S).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    let raw: unknown;
    try {
      raw = await web.conversations.history({ channel, oldest, include_all_metadata: true, limit: PAGE, ...(cursor ? { cursor } : {}) });
    } catch (e) {
      const d = describeSlackApiError(e);
      if (d.kind === 'platform' && d.platformError) return { kind: 'unknown', reason: d.platformError };
      throw e;
    }
    const h = historySchema.safeParse(raw);
    if (!h.success) return { kind: 'unknown', reason: 'conversations.history answered in an unexpected shape' };
    const hit = h.data.messages.find((m) => m.metadata?.event_type === LEDGER_EVENT && m.metadata.event_payload?.key === send.key);
    if (hit) return { kind: 'found', ts: hit.ts };
    cursor = h.data.response_metadata?.next_cursor;
    if (!h.data.has_more || !cursor) return { kind: 'absent' };
  }
  return { kind: 'unknown', reason: `more than ${PAGE * MAX_PAGES} messages since the first attempt` };
}
