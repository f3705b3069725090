// The Slack adapter's start-up token check (auth.test): who the bot is, or a failure that names the setting to fix.
import { webApi } from '@slack/bolt';
import { z } from 'zod';
import { within } from '../../src/serve.js';
import { describeSlackApiError, seconds } from './receiver.js';

const authTestSchema = z.object({ user_id: z.string().min(1), bot_id: z.string().min(1).optional() });

/** Who the bot is: mentions need the bot user id. */
export interface BotIdentity {
  botId?: string;
  botUserId: string;
}

/** The host of a URL as operators configured it ("slack.com", "127.0.0.1:3000"). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 100);
  }
}

/**
 * Why auth.test failed, for the start-up error: a token Slack refused names SLACK_BOT_TOKEN; a network or
 * HTTP failure names SLACK_API_URL's host instead, as it says nothing about the token.
 */
function tokenCheckFailure(e: unknown, apiHost: string): string {
  const d = describeSlackApiError(e);
  if (d.kind === 'platform' && d.platformError) {
    return `Slack did not accept SLACK_BOT_TOKEN (${d.platformError}). Check the bot token (the xoxb-… token from "OAuth & Permissions").`;
  }
  if (d.kind === 'network') return `Could not reach the Slack Web API at ${apiHost} (SLACK_API_URL): ${d.reason}. Check SLACK_API_URL and the network.`;
  return `The Slack Web API at ${apiHost} (SLACK_API_URL) could not check SLACK_BOT_TOKEN: ${d.reason}. Check SLACK_API_URL.`;
}

/**
 * Checks the bot token with auth.test within `timeoutMs`, failing fast with the reason: otherwise every
 * event fails authorization, which looks like a signing problem. `life` aborted (stop()) ends the wait.
 */
export async function checkBotToken(
  token: string,
  clientOptions: webApi.WebClientOptions,
  apiHost: string,
  timeoutMs: number,
  life: AbortController,
): Promise<BotIdentity> {
  const probe = new webApi.WebClient(token, clientOptions);
  const checked = probe.auth.test().then(
    (r) => ({ ok: true, result: r }) as const,
    (e: unknown) => ({ ok: false, error: e }) as const,
  );
  const r = await within(checked, timeoutMs, life.signal);
  if (r === 'stopped') throw new Error('Slack start-up was stopped before the bot token was checked.');
  if (r === 'timeout') {
    life.abort();
    throw new Error(`Could not reach the Slack Web API at ${apiHost} (SLACK_API_URL) within ${seconds(timeoutMs)}: no answer to auth.test (timed out).`);
  }
  if (!r.ok) throw new Error(tokenCheckFailure(r.error, apiHost));
  const who = authTestSchema.safeParse(r.result);
  if (!who.success) throw new Error(`The Slack Web API at ${apiHost} (SLACK_API_URL) answered auth.test without the bot's user id.`);
  return { botUserId: who.data.user_id, ...(who.data.bot_id ? { botId: who.data.bot_id } : {}) };
}
