// The Discord adapter: /papers slash commands, autocomplete, buttons, mentions and DMs on a discord.js gateway client.
import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type ClientOptions,
  type Interaction,
  type Message,
  type RESTOptions,
} from 'discord.js';
import { z } from 'zod';
import type { DiscordConfig } from '../../src/config.js';
import { APOLOGY } from '../../src/dispatch.js';
import { describeError } from '../../src/errorInfo.js';
import type { Logger } from '../../src/logger.js';
import { CursorStore } from '../../src/pager.js';
import type { Caller, ChatAdapter, Inbound, PostTarget } from '../../src/ports.js';
import { asPrivate, asPublic, type PagerCursor, type Reply } from '../../src/reply.js';
import { registerCommands, ROOT_COMMAND, type RegisterResult } from './commands.js';
import { parseCustomId, plainMessage, renderReply, type DiscordMessage } from './render.js';

export { buildCommandJson, registerCommands } from './commands.js';

export interface DiscordAdapterOptions {
  config: DiscordConfig;
  dispatcher: Inbound;
  logger: Logger;
  /** Where button cursors live; defaults to a one-hour in-memory store. */
  cursors?: CursorStore;
  /**
   * Defer the interaction when the answer is not ready after this many milliseconds.
   * NOTE: Discord drops an interaction not answered within 3 s; 1.5 s leaves room for the round trip.
   */
  deferAfterMs?: number;
  /** REST overrides merged over `{ api: config.apiUrl }` (tests pass `{ retries: 0 }`). */
  rest?: Partial<RESTOptions>;
  /** Client option overrides (tests run two shards in one process with `shards`/`shardCount`). */
  client?: Partial<ClientOptions>;
}

/** The Discord chat adapter, with its client exposed for the composition root and tests. */
export interface DiscordAdapter extends ChatAdapter {
  readonly client: Client;
  /** Registers `/papers` (guild or global, per config). */
  register(): Promise<RegisterResult>;
}

export const EXPIRED_BUTTON = 'That button has expired (buttons last an hour). Run the command again to get fresh results.';

/**
 * The shard that holds a guild: `(guild_id >> 22) % shard_count`. DMs and non-snowflake ids go to shard 0,
 * as Discord sends DMs to shard 0.
 * https://discord.com/developers/docs/events/gateway#sharding-sharding-formula
 */
export function shardForGuild(guildId: string, shardCount: number): number {
  if (!/^\d{1,20}$/.test(guildId) || !Number.isInteger(shardCount) || shardCount <= 1) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** Subcommand data as it arrives: validated before anything reads it. */
const subcommandSchema = z.object({
  name: z.string().min(1).max(32),
  options: z
    .array(z.object({ name: z.string().min(1).max(32), value: z.union([z.string(), z.number(), z.boolean()]).optional() }))
    .max(25)
    .optional(),
});

const focusedSchema = z.object({ name: z.string().min(1).max(32), value: z.union([z.string(), z.number()]) });

/**
 * Creates the adapter. Nothing connects until `start()`. Replies are ephemeral or public as the
 * reply says, every message goes out with `allowedMentions: { parse: [] }`, and a failing Discord
 * API is logged with context and answered with an apology where possible.
 */
export function createDiscordAdapter(opts: DiscordAdapterOptions): DiscordAdapter {
  const { config, dispatcher } = opts;
  const logger = opts.logger.child({ platform: 'discord' });
  // NOTE: errors are logged as `err` (pino's key for errors) through describeError, never as the raw object.
  const secrets = [config.token];
  const cursors = opts.cursors ?? new CursorStore();
  const deferAfterMs = opts.deferAfterMs ?? 1500;
  const client = new Client({
    // NOTE: no privileged intent: messages that mention the bot, and DMs, carry their content without MessageContent.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
    // NOTE: DM channels are not cached before their first message; without the partial, DMs are dropped.
    partials: [Partials.Channel],
    allowedMentions: { parse: [], repliedUser: false },
    ...opts.client,
    rest: { api: config.apiUrl, ...opts.client?.rest, ...opts.rest },
  });

  const flags = (m: DiscordMessage) => (m.ephemeral ? MessageFlags.Ephemeral : undefined);
  const body = (m: DiscordMessage) => ({ content: m.content ?? '', embeds: m.embeds, components: m.components, allowedMentions: m.allowedMentions });

  /** Sends a reply to an interaction, deferring first when the work is slow. */
  async function respond(
    i: ChatInputCommandInteraction | ButtonInteraction,
    work: () => Promise<Reply>,
    origin: PagerCursor | undefined,
    context: Record<string, unknown>,
  ): Promise<void> {
    try {
      const pending = work();
      let timer: NodeJS.Timeout | undefined;
      const slow = new Promise<'slow'>((resolve) => {
        timer = setTimeout(() => resolve('slow'), deferAfterMs);
      });
      const first = await Promise.race([pending, slow]);
      clearTimeout(timer);
      if (first !== 'slow') {
        const m = renderReply(first, { cursors, ...(origin ? { origin } : {}) });
        await i.reply({ ...body(m), flags: flags(m) });
        return;
      }
      // NOTE: a deferral fixes the response's visibility, which is not known yet: defer privately,
      // then either fill it in, or post a public answer as a follow-up and remove the placeholder.
      await i.deferReply({ flags: MessageFlags.Ephemeral });
      const m = renderReply(await pending, { cursors, ...(origin ? { origin } : {}) });
      if (m.ephemeral) {
        await i.editReply(body(m));
      } else {
        await i.followUp(body(m));
        await i.deleteReply();
      }
    } catch (e) {
      logger.error({ err: describeError(e, secrets), ...context, interaction: i.id }, 'could not answer an interaction');
      await apologise(i, context);
    }
  }

  async function apologise(i: ChatInputCommandInteraction | ButtonInteraction, context: Record<string, unknown>): Promise<void> {
    const m = plainMessage(APOLOGY, true);
    try {
      if (i.deferred && !i.replied) await i.editReply(body(m));
      else if (i.replied) await i.followUp({ ...body(m), flags: MessageFlags.Ephemeral });
      else await i.reply({ ...body(m), flags: MessageFlags.Ephemeral });
    } catch (e) {
      logger.warn({ err: describeError(e, secrets), ...context, interaction: i.id }, 'could not send the apology either');
    }
  }

  const caller = (user: string, channel: string | null): Caller => ({ platform: 'discord', user, ...(channel ? { channel } : {}) });

  async function onCommand(i: ChatInputCommandInteraction): Promise<void> {
    if (i.commandName !== ROOT_COMMAND) return;
    const sub = subcommandSchema.safeParse(i.options.data[0]);
    if (!sub.success) {
      const m = plainMessage('I could not read that command. Try `/papers help`.', true);
      await i
        .reply({ ...body(m), flags: MessageFlags.Ephemeral })
        .catch((e: unknown) => logger.warn({ err: describeError(e, secrets) }, 'could not answer a malformed command'));
      return;
    }
    const input: Record<string, unknown> = {};
    for (const o of sub.data.options ?? []) if (o.value !== undefined) input[o.name] = o.value;
    const command = sub.data.name;
    await respond(
      i,
      () => dispatcher.run({ command, input }, caller(i.user.id, i.channelId)),
      { command, input, offset: 0 },
      { command, guild: i.guildId ?? 'dm' },
    );
  }

  async function onAutocomplete(i: AutocompleteInteraction): Promise<void> {
    const sub = subcommandSchema.safeParse(i.options.data[0]);
    const focused = focusedSchema.safeParse(i.options.getFocused(true));
    const choices = sub.success && focused.success ? dispatcher.complete(sub.data.name, focused.data.name, String(focused.data.value)) : [];
    try {
      await i.respond(choices.slice(0, 25).map((c) => ({ name: c.name.slice(0, 100) || c.value.slice(0, 100), value: c.value.slice(0, 100) })));
    } catch (e) {
      logger.warn({ err: describeError(e, secrets), command: sub.success ? sub.data.name : null }, 'could not answer autocomplete');
    }
  }

  async function onButton(i: ButtonInteraction): Promise<void> {
    const action = parseCustomId(i.customId);
    if (!action) return;
    const cursor = cursors.get(action.key);
    const context = { button: action.action, command: cursor?.command ?? null, guild: i.guildId ?? 'dm' };
    if (!cursor) {
      const m = plainMessage(EXPIRED_BUTTON, true);
      await i
        .reply({ ...body(m), flags: MessageFlags.Ephemeral })
        .catch((e: unknown) => logger.warn({ err: describeError(e, secrets), ...context }, 'could not answer an expired button'));
      return;
    }
    const input = cursor.offset > 0 ? { ...cursor.input, offset: cursor.offset } : cursor.input;
    const run = () => dispatcher.run({ command: cursor.command, input }, caller(i.user.id, i.channelId));
    if (action.action === 'share') await respond(i, async () => asPublic(await run()), undefined, context);
    // NOTE: pages are private: "More" under a public list (trending) would otherwise post a new
    // public message on every click. The private page keeps its cursor, so it pages on.
    else if (action.action === 'more') await respond(i, async () => asPrivate(await run()), cursor, context);
    else await respond(i, run, cursor, context);
  }

  async function onMessage(m: Message): Promise<void> {
    const me = client.user;
    if (!me || m.author.bot || m.author.id === me.id || m.system) return;
    const mention = new RegExp(`<@!?${me.id}>`, 'g');
    const dm = !m.inGuild();
    if (!dm && !mention.test(m.content) && !m.mentions.users.has(me.id)) return;
    const text = m.content.replace(mention, ' ').replace(/\s+/g, ' ').trim();
    const context = { via: dm ? 'dm' : 'mention', guild: m.guildId ?? 'dm', channel: m.channelId };
    try {
      const reply = await dispatcher.runText(text, caller(m.author.id, m.channelId));
      await m.reply(body(renderReply(reply, { cursors })));
    } catch (e) {
      logger.error({ err: describeError(e, secrets), ...context }, 'could not answer a message');
      await m
        .reply(body(plainMessage(APOLOGY, false)))
        .catch((e2: unknown) => logger.warn({ err: describeError(e2, secrets), ...context }, 'could not send the apology either'));
    }
  }

  client.on(Events.InteractionCreate, (i: Interaction) => {
    const handled = i.isChatInputCommand() ? onCommand(i) : i.isAutocomplete() ? onAutocomplete(i) : i.isButton() ? onButton(i) : Promise.resolve();
    handled.catch((e: unknown) => logger.error({ err: describeError(e, secrets), interaction: i.id }, 'interaction handler failed'));
  });
  client.on(Events.MessageCreate, (m: Message) => {
    onMessage(m).catch((e: unknown) => logger.error({ err: describeError(e, secrets) }, 'message handler failed'));
  });
  client.on(Events.Error, (e: Error) => logger.error({ err: describeError(e, secrets) }, 'discord client error'));
  client.on(Events.Warn, (w: string) => logger.warn({ warning: w }, 'discord client warning'));

  /** Whether this process holds the shard of `guildId`; a single unsharded process holds every guild. */
  function holdsGuild(guildId: string): boolean {
    const count = client.shard?.count ?? client.options.shardCount ?? 1;
    const ids = client.shard?.ids ?? (Array.isArray(client.options.shards) ? client.options.shards : null);
    if (count <= 1 || ids === null) return true;
    return ids.includes(shardForGuild(guildId, count));
  }

  const register = () => registerCommands({ config, commands: dispatcher.commands, rest: client.rest });

  return {
    platform: 'discord',
    client,
    register,
    async start() {
      client.rest.setToken(config.token);
      // Under a ShardingManager every shard runs this; only shard 0 registers.
      if (config.registerOnStart && (client.shard === null || client.shard.ids.includes(0))) {
        const r = await register();
        logger.info({ scope: r.scope, subcommands: r.subcommands }, 'registered /papers');
      }
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(config.token);
      await ready;
      logger.info({ user: client.user?.id, shards: client.options.shards }, 'discord connected');
    },
    async stop() {
      await client.destroy();
    },
    async post(target: PostTarget, reply: Reply) {
      if (target.guildId && !holdsGuild(target.guildId)) {
        logger.debug({ guild: target.guildId, channel: target.channel }, 'post left to the shard that holds the guild');
        return;
      }
      const m = renderReply({ ...reply, visibility: 'public' } as Reply, { cursors });
      try {
        const channel = await client.channels.fetch(target.channel);
        if (!channel?.isSendable()) throw new Error('the channel cannot receive messages from the bot');
        await channel.send(body(m));
      } catch (e) {
        const error = describeError(e, secrets);
        logger.error({ err: error, channel: target.channel, guild: target.guildId ?? null }, 'could not post to a channel');
        throw new Error(`Discord post to channel ${target.channel} failed: ${String(error.message)}`);
      }
    },
  };
}
