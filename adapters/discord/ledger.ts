// Discord ledger-kept sends: one attempt through a REST client that never retries, with a nonce Discord dedupes, and a look for a message whose answer was lost.
import { createHash } from 'node:crypto';
import { DiscordAPIError, MessagePayload, Routes, SnowflakeUtil, type MessageCreateOptions, type REST, type SendableChannels } from 'discord.js';
import { z } from 'zod';
import { beforeCall } from '../../src/ledgerSend.js';
import type { Landed, LedgerSend } from '../../src/ports.js';

/** How far before the first attempt the look starts (milliseconds): our clock and Discord's may differ a little. */
const SKEW_MS = 120_000;
/** Messages read at most when looking (one page; Discord's maximum). */
const LOOK_LIMIT = 100;

/**
 * The nonce a ledger row's message is sent with: a digest of the key, as Discord allows at most 25
 * characters. With `enforce_nonce`, Discord answers a second send with the same nonce (from the same
 * bot, within a few minutes) with the first message instead of creating another.
 * https://discord.com/developers/docs/resources/message#create-message-jsonform-params
 */
export function nonceFor(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 25);
}

const messagesSchema = z.array(
  z.object({
    id: z.string(),
    author: z.object({ id: z.string() }).optional(),
    content: z.string().default(''),
    embeds: z.array(z.object({ title: z.string().optional() })).default([]),
  }),
);

const bodySchema = z.object({ content: z.string().optional(), embeds: z.array(z.object({ title: z.string().optional() })).optional() });

/** What a look for an earlier attempt found: its id, nothing, or that Discord would not let us look (and why). */
export type Look = { kind: 'found'; id: string } | { kind: 'absent' } | { kind: 'unknown'; reason: string };

/**
 * Looks for an earlier attempt of `body` in `channelId`: a message by the bot, after the first attempt
 * (less a little for clock skew), with the same content and embed titles. Discord keeps no nonce on
 * stored messages, so the content is the marker. Needs Read Message History in a server channel; a
 * refusal is `unknown`; a network or server failure is thrown (the ledger retries later).
 * https://discord.com/developers/docs/resources/message#get-channel-messages
 */
export async function findLanded(rest: REST, channelId: string, botId: string, body: unknown, since: Date, signal?: AbortSignal): Promise<Look> {
  const after = SnowflakeUtil.generate({ timestamp: since.getTime() - SKEW_MS }).toString();
  let raw: unknown;
  try {
    raw = await rest.get(Routes.channelMessages(channelId), { query: new URLSearchParams({ after, limit: String(LOOK_LIMIT) }), signal });
  } catch (e) {
    if (e instanceof DiscordAPIError && e.status >= 400 && e.status < 500) return { kind: 'unknown', reason: `${e.message} (HTTP ${e.status})` };
    throw e;
  }
  const list = messagesSchema.safeParse(raw);
  if (!list.success) return { kind: 'unknown', reason: 'the message list came in an unexpected shape' };
  const want = bodySchema.safeParse(body);
  const content = want.success ? (want.data.content ?? '') : '';
  const titles = JSON.stringify((want.success ? (want.data.embeds ?? []) : []).map((e) => e.title ?? ''));
  const hit = list.data.find((m) => m.author?.id === botId && m.content === content && JSON.stringify(m.embeds.map((e) => e.title ?? '')) === titles);
  if (hit) return { kind: 'found', id: hit.id };
  return list.data.length >= LOOK_LIMIT ? { kind: 'unknown', reason: `more than ${LOOK_LIMIT} messages since the first attempt` } : { kind: 'absent' };
}

/**
 * One attempt of a message into `channel` through `rest` (a client with no retries of its own): with
 * `send`, the nonce of its key and `enforce_nonce`; when an earlier attempt may have landed, a look
 * for it first (`onUnknown` hears why a look could not be made; the nonce still guards a few minutes).
 * No call starts after `send.signal` (the attempt's deadline) aborted, and the one under way is
 * cancelled (also while it waits in discord.js's rate-limit queue).
 */
export async function sendKept(
  rest: REST,
  channel: SendableChannels,
  options: MessageCreateOptions,
  send: LedgerSend | undefined,
  botId: string,
  onUnknown: (reason: string) => void,
): Promise<Landed> {
  const payload = MessagePayload.create(channel, { ...options, ...(send ? { nonce: nonceFor(send.key), enforceNonce: true } : {}) });
  const { body, files } = await payload.resolveBody().resolveFiles();
  const signal = send?.signal;
  if (send?.landedSince) {
    beforeCall(send, 'looking for an earlier attempt');
    const look = await findLanded(rest, channel.id, botId, body, send.landedSince, signal);
    if (look.kind === 'found') return { messageId: look.id, found: true };
    if (look.kind === 'unknown') onUnknown(look.reason);
  }
  beforeCall(send, `sending to Discord channel ${channel.id}`);
  const sent = z.object({ id: z.string() }).safeParse(await rest.post(Routes.channelMessages(channel.id), { body, files: files ?? [], signal }));
  return { messageId: sent.success ? sent.data.id : '' };
}
