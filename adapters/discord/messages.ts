// What every Discord path shares around a rendered reply: its buttons' cursors kept before sending, the body in discord.js and API shapes, and who asked.
import { PermissionFlagsBits, type APIEmbed, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import { describeError } from '../../src/errorInfo.js';
import type { Logger } from '../../src/logger.js';
import type { Caller, PagerCursors } from '../../src/ports.js';
import type { PagerCursor, Reply } from '../../src/reply.js';
import { renderReply, type DiscordMessage } from './render.js';

/** Discord's Ephemeral message flag (1 << 6). https://discord.com/developers/docs/resources/message#message-object-message-flags */
export const EPHEMERAL_FLAG = 64;

/** Renders a reply; its buttons' cursors are stored before it is sent. */
export type KeptRenderer = (reply: Reply, origin?: PagerCursor) => Promise<DiscordMessage>;

/**
 * Renders replies and stores their buttons' cursors before they are sent. A database that cannot keep
 * them costs only the buttons (a click then says the list expired), not the answer.
 */
export function keptRenderer(cursors: PagerCursors, logger: Logger, secrets: readonly string[]): KeptRenderer {
  return async (reply, origin) => {
    const batch = cursors.batch();
    const m = renderReply(reply, { cursors: batch, ...(origin ? { origin } : {}) });
    try {
      await batch.save();
    } catch (e) {
      logger.warn({ err: describeError(e, secrets) }, "could not keep the buttons' cursors: a click on them will say the list expired");
    }
    return m;
  };
}

/** The body discord.js sends (`interaction.reply`, `channel.send`), without the visibility flag. */
export function messageBody(m: DiscordMessage): {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  allowedMentions: DiscordMessage['allowedMentions'];
} {
  return { content: m.content ?? '', embeds: m.embeds, components: m.components, allowedMentions: m.allowedMentions };
}

/** The same body as Discord's API takes it (interaction responses and webhook calls over HTTP), with `flags` when asked. */
export function apiBody(m: DiscordMessage, withFlags: boolean): Record<string, unknown> {
  return {
    content: m.content ?? '',
    embeds: m.embeds,
    components: m.components,
    allowed_mentions: { parse: m.allowedMentions.parse, replied_user: m.allowedMentions.repliedUser },
    ...(withFlags && m.ephemeral ? { flags: EPHEMERAL_FLAG } : {}),
  };
}

/**
 * Manage Channels or Manage Server (Manage Guild), as Discord's own channel settings require; Administrator
 * implies both (as discord.js `PermissionsBitField#has` counts it).
 */
export function mayManageChannel(permissions: bigint | null | undefined): boolean {
  if (permissions === null || permissions === undefined) return false;
  return (permissions & (PermissionFlagsBits.ManageChannels | PermissionFlagsBits.ManageGuild | PermissionFlagsBits.Administrator)) !== 0n;
}

/**
 * Who asked and where. In a server, `permissions` (the member's permissions in the channel, which
 * an interaction carries) says whether they may change the channel's subscriptions.
 */
export function discordCaller(user: string, channel: string | null, guildId: string | null, permissions: bigint | null): Caller {
  return {
    platform: 'discord',
    user,
    ...(channel ? { channel } : {}),
    ...(guildId ? { guildId } : { direct: true }),
    mayManage: async () => mayManageChannel(permissions),
  };
}
