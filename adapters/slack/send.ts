// Slack posts and direct messages (scheduled posts, alerts): ledger-kept, one attempt each with its own client and deadline.
import { webApi } from '@slack/bolt';
import type { SlackConfig } from '../../src/config.js';
import { describeError } from '../../src/errorInfo.js';
import { DeliveryError } from '../../src/errors.js';
import { beforeCall } from '../../src/ledgerSend.js';
import type { Logger } from '../../src/logger.js';
import type { InstallationBook, Landed, LedgerSend, PostTarget } from '../../src/ports.js';
import type { Reply } from '../../src/reply.js';
import { sendSlackDirect } from './direct.js';
import { findLanded, ledgerMetadata, unknownLookWarning } from './ledger.js';
import { POST_OPTIONS, type SlackReplies } from './replies.js';
import { resolveTarget } from './teams.js';

/**
 * Slack's post errors that say the bot may not post there (inviting it fixes that) or that the
 * channel is gone; anything else is worth retrying.
 * https://docs.slack.dev/reference/methods/chat.postMessage#errors
 */
const NO_ACCESS = new Set(['not_in_channel', 'is_archived', 'restricted_action', 'ekm_access_denied', 'access_denied', 'team_access_not_granted']);
const NOT_FOUND = new Set(['channel_not_found']);

/** A Slack post failure as a DeliveryError the scheduler can act on. */
export function slackDeliveryError(slackError: string | undefined, channel: string, message: string): DeliveryError {
  const failure = slackError && NO_ACCESS.has(slackError) ? 'no-access' : slackError && NOT_FOUND.has(slackError) ? 'not-found' : 'transient';
  return new DeliveryError(failure, `Posting to Slack channel ${channel} failed: ${slackError ?? message}`, slackError);
}

export interface SlackSenderOptions {
  config: SlackConfig;
  installations: InstallationBook | undefined;
  /** The reply clients' options, which each attempt's client starts from. */
  clientOptions: webApi.WebClientOptions;
  /** How long one ledger-kept call may take (milliseconds; default 15 s). */
  sendTimeoutMs: number | undefined;
  render: SlackReplies['render'];
  log: Logger;
  secrets: readonly (string | undefined)[];
}

export interface SlackSender {
  post(target: PostTarget, reply: Reply, send?: LedgerSend): Promise<Landed>;
  sendDirect(user: string, reply: Reply, send?: LedgerSend): Promise<Landed>;
}

export function slackSender(opts: SlackSenderOptions): SlackSender {
  const { config, installations, clientOptions, render, log, secrets } = opts;
  /**
   * The client of one ledger-kept attempt. Scheduled posts and alerts are kept by a ledger that retries
   * them, after looking whether an earlier attempt landed: a client that retried on its own would post
   * twice when an answer is lost, unseen by the ledger, so none. Each attempt has its own client, whose
   * every request is cancelled when the attempt's deadline (`send.signal`) aborts, and which never waits
   * out a rate limit (a 429 is a transient failure the ledger retries).
   */
  const ledgerWeb = (send: LedgerSend | undefined, token: string): webApi.WebClient => {
    const attempt = send?.signal;
    const base = clientOptions.fetch ?? fetch;
    const ledgerFetch: webApi.WebClientOptions['fetch'] = attempt
      ? (url, init) => base(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, attempt]) : attempt })
      : base;
    return new webApi.WebClient(token, {
      ...clientOptions,
      fetch: ledgerFetch,
      retryConfig: { retries: 0 },
      timeout: opts.sendTimeoutMs ?? 15_000,
      rejectRateLimitedCalls: true,
    });
  };

  /**
   * Whether an earlier attempt of `send` landed in `channel`: its ts, or null (not found, or Slack would
   * not let us look: then we post again, and say loudly that the channel may see it twice).
   */
  const landedEarlier = async (
    web: webApi.WebClient,
    channel: string,
    send: LedgerSend | undefined,
    context: Record<string, unknown>,
  ): Promise<string | null> => {
    if (!send?.landedSince) return null;
    const look = await findLanded(web, channel, { ...send, landedSince: send.landedSince });
    if (look.kind === 'found') return look.ts;
    if (look.kind === 'unknown') log.warn({ ...context, key: send.key, reason: look.reason }, unknownLookWarning(look.reason));
    return null;
  };

  return {
    async post(target: PostTarget, reply: Reply, send?: LedgerSend): Promise<Landed> {
      try {
        const to = await resolveTarget(target.channel, config.botToken, installations);
        const client = ledgerWeb(send, to.token);
        const found = await landedEarlier(client, to.id, send, { channel: target.channel });
        if (found) return { messageId: found, found: true };
        beforeCall(send, `posting to Slack channel ${target.channel}`);
        const r = await client.chat.postMessage({
          ...POST_OPTIONS,
          channel: to.id,
          ...(await render(reply, null)),
          ...(send ? { metadata: ledgerMetadata(send) } : {}),
        });
        return { messageId: typeof r.ts === 'string' ? r.ts : '' };
      } catch (e) {
        const info = describeError(e, secrets);
        log.error({ err: info, channel: target.channel }, 'posting to Slack failed');
        if (e instanceof DeliveryError) throw e;
        throw slackDeliveryError(info.slackError, target.channel, info.message);
      }
    },
    async sendDirect(user: string, reply: Reply, send?: LedgerSend): Promise<Landed> {
      try {
        const to = await resolveTarget(user, config.botToken, installations);
        const message = await render({ ...reply, visibility: 'public' } as Reply, null);
        const client = ledgerWeb(send, to.token);
        return await sendSlackDirect(client, to.id, message, POST_OPTIONS, send, (channel) => landedEarlier(client, channel, send, { user }));
      } catch (e) {
        log.warn({ err: describeError(e, secrets), user }, 'direct message to a Slack user failed');
        throw e;
      }
    },
  };
}
