// Slack direct messages: open the DM with conversations.open, post into it, and classify a refusal as a DeliveryError.
import type { webApi } from '@slack/bolt';
import { DeliveryError, type DeliveryFailure } from '../../src/errors.js';
import { beforeCall } from '../../src/ledgerSend.js';
import type { Landed, LedgerSend } from '../../src/ports.js';
import { ledgerMetadata } from './ledger.js';
import { describeSlackApiError } from './receiver.js';
import type { SlackMessage } from './render.js';

/**
 * Slack's `error` codes that retrying cannot fix, by what the operator or user must do.
 * https://api.slack.com/methods/conversations.open and https://api.slack.com/methods/chat.postMessage
 */
const REFUSALS: Readonly<Record<string, DeliveryFailure>> = {
  user_not_found: 'not-found',
  user_disabled: 'not-found',
  channel_not_found: 'not-found',
  account_inactive: 'no-access',
  cannot_dm_bot: 'no-access',
  user_not_visible: 'no-access',
  not_in_channel: 'no-access',
  is_archived: 'no-access',
  restricted_action: 'no-access',
  messages_tab_disabled: 'no-access',
  missing_scope: 'no-access',
  access_denied: 'no-access',
  invalid_user_combination: 'no-access',
  ekm_access_denied: 'no-access',
  team_access_not_granted: 'no-access',
};

/** A failed Slack call as a DeliveryError: a refusal above is final, anything else (network, 5xx, rate limits) is transient. */
export function slackDeliveryError(e: unknown, what: string): DeliveryError {
  const d = describeSlackApiError(e);
  const failure = (d.platformError ? REFUSALS[d.platformError] : undefined) ?? 'transient';
  return new DeliveryError(failure, `Slack ${what} failed: ${d.reason}`, d.platformError);
}

/** The DM channel id in a conversations.open answer. */
const dmChannelOf = (v: unknown): string | null => {
  const channel = (v as { channel?: { id?: unknown } } | null)?.channel?.id;
  return typeof channel === 'string' && channel !== '' ? channel : null;
};

/**
 * Sends `message` to `user` by DM: conversations.open (needs the `im:write` scope) gives the DM
 * channel, chat.postMessage posts into it, with the ledger's metadata when `send` is given; before
 * that, `landedEarlier` may find the message of an earlier attempt (then nothing is sent). No call
 * starts after `send.signal` (the attempt's deadline) aborted. Throws a DeliveryError that names the
 * user, never a token.
 */
export async function sendSlackDirect(
  web: webApi.WebClient,
  user: string,
  message: SlackMessage,
  options: Record<string, unknown>,
  send?: LedgerSend,
  landedEarlier: (channel: string) => Promise<string | null> = async () => null,
): Promise<Landed> {
  let channel: string | null;
  beforeCall(send, `opening a direct message with ${user}`);
  try {
    channel = dmChannelOf(await web.conversations.open({ users: user }));
  } catch (e) {
    throw slackDeliveryError(e, `opening a direct message with ${user}`);
  }
  if (!channel) throw new DeliveryError('transient', `Slack opened no direct message channel with ${user}`);
  const dm = channel;
  const found = await landedEarlier(dm);
  if (found) return { messageId: found, found: true };
  beforeCall(send, `the direct message to ${user}`);
  try {
    const r = await web.chat.postMessage({ ...options, channel: dm, ...message, ...(send ? { metadata: ledgerMetadata(send) } : {}) });
    return { messageId: typeof r.ts === 'string' ? r.ts : '' };
  } catch (e) {
    throw slackDeliveryError(e, `the direct message to ${user}`);
  }
}
