// Interactions that arrive over the gateway, as discord.js objects, reduced for the shared router and answered through discord.js.
import { MessageFlags, type Interaction } from 'discord.js';
import type { InteractionIn, InteractionResponder } from './interactions.js';
import { messageBody } from './messages.js';
import type { DiscordMessage } from './render.js';

/** The interaction as the router reads it; null for kinds paperboy does not answer (user context menus, modals). */
export function fromGateway(i: Interaction): InteractionIn | null {
  const origin = { id: i.id, user: i.user.id, channelId: i.channelId, guildId: i.guildId, permissions: i.memberPermissions?.bitfield ?? null };
  if (i.isChatInputCommand()) return { ...origin, kind: 'command', commandName: i.commandName, subcommand: i.options.data[0] };
  if (i.isAutocomplete()) {
    let focused: unknown;
    try {
      focused = i.options.getFocused(true);
    } catch {
      focused = undefined;
    }
    return { ...origin, kind: 'autocomplete', subcommand: i.options.data[0], focused };
  }
  if (i.isButton()) return { ...origin, kind: 'button', customId: i.customId, messageId: i.message.id };
  if (i.isMessageContextMenuCommand()) {
    const m = i.targetMessage;
    return { ...origin, kind: 'message-command', commandName: i.commandName, message: { content: m.content, embeds: m.embeds.map((e) => ({ url: e.url })) } };
  }
  return null;
}

const flags = (m: DiscordMessage) => (m.ephemeral ? MessageFlags.Ephemeral : undefined);

/** Answers through the discord.js interaction (its REST calls carry the client's deadline and never retry). */
export function gatewayResponder(i: Interaction): InteractionResponder {
  const repliable = () => {
    if (!i.isRepliable()) throw new Error('this interaction cannot be answered with a message');
    return i;
  };
  return {
    get deferred() {
      return i.isRepliable() && i.deferred;
    },
    get replied() {
      return i.isRepliable() && i.replied;
    },
    reply: async (m) => {
      await repliable().reply({ ...messageBody(m), flags: flags(m) });
    },
    defer: async () => {
      await repliable().deferReply({ flags: MessageFlags.Ephemeral });
    },
    editOriginal: async (m) => {
      await repliable().editReply(messageBody(m));
    },
    followUp: async (m) => {
      await repliable().followUp({ ...messageBody(m), flags: flags(m) });
    },
    deleteOriginal: async () => {
      await repliable().deleteReply();
    },
    choices: async (list) => {
      if (!i.isAutocomplete()) throw new Error('only an autocomplete interaction takes choices');
      await i.respond(list);
    },
  };
}
