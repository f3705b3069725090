// Discord posts and direct messages (scheduled posts, alerts) through REST: ledger-kept, one attempt each, no gateway needed.
import { DiscordAPIError, type Client, type REST } from 'discord.js';
import { describeError } from '../../src/errorInfo.js';
import { DeliveryError } from '../../src/errors.js';
import { beforeCall } from '../../src/ledgerSend.js';
import type { Logger } from '../../src/logger.js';
import type { Landed, LedgerSend, PostTarget } from '../../src/ports.js';
import type { Reply } from '../../src/reply.js';
import { sendDiscordDirect } from './direct.js';
import { sendKept } from './ledger.js';
import { messageBody, type KeptRenderer } from './messages.js';

export interface DiscordSenderOptions {
  /** The client whose REST finds channels and opens DMs (logged in or not). */
  client: Client;
  /** A REST client that never retries, for the one attempt a ledger makes. */
  ledgerRest: REST;
  rendered: KeptRenderer;
  logger: Logger;
  secrets: readonly string[];
  botId: () => string;
  /** Whether this process holds the shard of `guildId`. */
  holdsGuild: (guildId: string) => boolean;
}

export interface DiscordSender {
  post(target: PostTarget, reply: Reply, send?: LedgerSend): Promise<Landed>;
  sendDirect(user: string, reply: Reply, send?: LedgerSend): Promise<Landed>;
}

export function createDiscordSender(opts: DiscordSenderOptions): DiscordSender {
  const { client, ledgerRest, rendered, logger, secrets, botId, holdsGuild } = opts;
  const cannotLook = (where: Record<string, unknown>, send: LedgerSend) => (reason: string) =>
    logger.warn(
      { ...where, key: send.key, reason },
      'cannot check whether an earlier attempt landed (needs Read Message History); sending again with its nonce, which Discord dedupes for a few minutes only',
    );

  return {
    async post(target, reply, send) {
      // NOTE: the scheduler and alerts ask `holds` first; a guild that moved to another shard meanwhile must not be recorded as posted.
      if (target.guildId && !holdsGuild(target.guildId)) {
        throw new DeliveryError('transient', `this shard does not hold guild ${target.guildId}; nothing was sent (the shard that holds it posts)`);
      }
      const m = await rendered({ ...reply, visibility: 'public' } as Reply);
      try {
        beforeCall(send, `finding Discord channel ${target.channel}`);
        // NOTE: without the gateway (post-only, HTTP interactions) no guild is cached; allowUnknownGuild still gives the channel to send to.
        const channel = await client.channels.fetch(target.channel, { allowUnknownGuild: true });
        if (!channel?.isSendable()) throw new DeliveryError('no-access', `Discord channel ${target.channel} cannot receive messages from the bot.`);
        return await sendKept(ledgerRest, channel, messageBody(m), send, botId(), send ? cannotLook({ channel: target.channel }, send) : () => undefined);
      } catch (e) {
        const error = describeError(e, secrets);
        logger.error({ err: error, channel: target.channel, guild: target.guildId ?? null }, 'could not post to a channel');
        if (e instanceof DeliveryError) throw e;
        throw discordDeliveryError(e, target.channel, String(error.message));
      }
    },
    async sendDirect(user, reply, send) {
      const m = await rendered({ ...reply, visibility: 'public' } as Reply);
      try {
        beforeCall(send, `opening a direct message with ${user}`);
        return await sendDiscordDirect(client, user, (channel) =>
          sendKept(ledgerRest, channel, messageBody(m), send, botId(), send ? cannotLook({ user }, send) : () => undefined),
        );
      } catch (e) {
        logger.warn({ err: describeError(e, secrets), user }, 'direct message to a Discord user failed');
        throw e;
      }
    },
  };
}

/**
 * Discord's JSON error codes that say the bot may not post in a channel (Missing Access 50001,
 * Missing Permissions 50013) or that it is gone (Unknown Channel 10003); anything else is retried.
 * https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes
 */
export function discordDeliveryError(e: unknown, channel: string, message: string): DeliveryError {
  const code = e instanceof DiscordAPIError ? Number(e.code) : undefined;
  const failure = code === 50001 || code === 50013 ? 'no-access' : code === 10003 ? 'not-found' : 'transient';
  return new DeliveryError(failure, `Discord post to channel ${channel} failed: ${message}`, code === undefined ? undefined : String(code));
}
