// The Discord adapter: /papers slash commands, autocomplete, buttons, mentions and DMs on a discord.js gateway client.
import diagnostics from 'node:diagnostics_channel';
import { ClientRequest } from 'node:http';
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayCloseCodes,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  PermissionFlagsBits,
  REST,
  SimpleShardingStrategy,
  type PermissionsBitField,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type ClientOptions,
  type Interaction,
  type IShardingStrategy,
  type Message,
  type MessageContextMenuCommandInteraction,
  type RESTOptions,
  type WebSocketOptions,
} from 'discord.js';
import { z } from 'zod';
import type { DiscordConfig } from '../../src/config.js';
import { APOLOGY } from '../../src/dispatch.js';
import { describeError, networkReason, redactSecrets } from '../../src/errorInfo.js';
import { DeliveryError } from '../../src/errors.js';
import { within } from '../../src/serve.js';
import type { Logger } from '../../src/logger.js';
import { MemoryCursors } from '../../src/pager.js';
import type { Caller, ChatAdapter, Inbound, Landed, LedgerSend, PagerCursors, PostTarget } from '../../src/ports.js';
import { asPrivate, asPublic, type PagerCursor, type Reply } from '../../src/reply.js';
import { sendDiscordDirect } from './direct.js';
import { sendKept } from './ledger.js';
import { beforeCall } from '../../src/ledgerSend.js';
import { registerCommands, ROOT_COMMAND, type RegisterResult } from './commands.js';
import { parseCustomId, plainMessage, renderReply, type DiscordMessage } from './render.js';
import { PAPER_CARD_COMMAND, paperCardInvocation } from './paperCard.js';

export { buildCommandJson, registerCommands } from './commands.js';

export interface DiscordAdapterOptions {
  config: DiscordConfig;
  dispatcher: Inbound;
  logger: Logger;
  /** Where button cursors live (the shared database, so any replica answers a click); defaults to a one-hour in-memory store. */
  cursors?: PagerCursors;
  /**
   * Defer the interaction when the answer is not ready after this many milliseconds.
   * NOTE: Discord drops an interaction not answered within 3 s; 1.5 s leaves room for the round trip.
   */
  deferAfterMs?: number;
  /** REST overrides merged over `{ api: config.apiUrl, retries: 0, timeout: REPLY_TIMEOUT_MS }`. */
  rest?: Partial<RESTOptions>;
  /** Client option overrides (tests run two shards in one process with `shards`/`shardCount`). */
  client?: Partial<ClientOptions>;
  /**
   * How long `start()` may take (registering, fetching the gateway, connecting every shard) before it gives
   * up with the reason (milliseconds; default {@link DEFAULT_CONNECT_TIMEOUT_MS}).
   */
  connectTimeoutMs?: number;
  /** Only post (`paperboy post trending` from cron): `start()` sets the token for REST and opens no gateway connection. */
  postOnly?: boolean;
  /** How long one ledger-kept REST call (a post, a DM, a look for an earlier attempt) may take (milliseconds; default 15 s). */
  sendTimeoutMs?: number;
}

/** How long `start()` may take by default (milliseconds). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

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
/** How long one reply or other REST call may take before it is given up (milliseconds). */
export const REPLY_TIMEOUT_MS = 15_000;

export function createDiscordAdapter(opts: DiscordAdapterOptions): DiscordAdapter {
  const { config, dispatcher } = opts;
  const logger = opts.logger.child({ platform: 'discord' });
  // NOTE: errors are logged as `err` (pino's key for errors) through describeError, never as the raw object.
  const secrets = [config.token];
  const cursors = opts.cursors ?? new MemoryCursors();
  const deferAfterMs = opts.deferAfterMs ?? 1500;
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const gateway = new GatewayWatch(logger, secrets);
  const client = new Client({
    // NOTE: no privileged intent: messages that mention the bot, and DMs, carry their content without MessageContent.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
    // NOTE: DM channels are not cached before their first message; without the partial, DMs are dropped.
    partials: [Partials.Channel],
    allowedMentions: { parse: [], repliedUser: false },
    ...opts.client,
    ws: { ...opts.client?.ws, buildStrategy: (manager) => new WatchedShardingStrategy(manager, gateway) },
    // NOTE: replies are not ledger-kept: a client retry after a lost answer would post the reply twice, so none; a
    // failed reply gets the apology instead. Every call has a deadline.
    rest: { api: config.apiUrl, retries: 0, timeout: REPLY_TIMEOUT_MS, ...opts.client?.rest, ...opts.rest },
  });

  // NOTE: scheduled posts and alerts are kept by a ledger that retries them after looking whether an earlier attempt
  // landed; this client never retries (a retry after a lost answer would post twice, unseen by the ledger).
  const ledgerRest = new REST({ api: config.apiUrl, ...opts.client?.rest, ...opts.rest, retries: 0, timeout: opts.sendTimeoutMs ?? 15_000 });
  const botId = () => client.user?.id ?? config.appId;
  const cannotLook = (where: Record<string, unknown>, send: LedgerSend) => (reason: string) =>
    logger.warn(
      { ...where, key: send.key, reason },
      'cannot check whether an earlier attempt landed (needs Read Message History); sending again with its nonce, which Discord dedupes for a few minutes only',
    );

  const flags = (m: DiscordMessage) => (m.ephemeral ? MessageFlags.Ephemeral : undefined);
  const body = (m: DiscordMessage) => ({ content: m.content ?? '', embeds: m.embeds, components: m.components, allowedMentions: m.allowedMentions });

  /**
   * Renders a reply and stores its buttons' cursors before it is sent. A database that cannot keep
   * them costs only the buttons (a click then says the list expired), not the answer.
   */
  async function rendered(reply: Reply, origin?: PagerCursor): Promise<DiscordMessage> {
    const batch = cursors.batch();
    const m = renderReply(reply, { cursors: batch, ...(origin ? { origin } : {}) });
    try {
      await batch.save();
    } catch (e) {
      logger.warn({ err: describeError(e, secrets) }, "could not keep the buttons' cursors: a click on them will say the list expired");
    }
    return m;
  }

  /** Sends a reply to an interaction, deferring first when the work is slow. */
  async function respond(
    i: ChatInputCommandInteraction | ButtonInteraction | MessageContextMenuCommandInteraction,
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
        const m = await rendered(first, origin);
        await i.reply({ ...body(m), flags: flags(m) });
        return;
      }
      // NOTE: a deferral fixes the response's visibility, which is not known yet: defer privately,
      // then either fill it in, or post a public answer as a follow-up and remove the placeholder.
      await i.deferReply({ flags: MessageFlags.Ephemeral });
      const m = await rendered(await pending, origin);
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

  async function apologise(
    i: ChatInputCommandInteraction | ButtonInteraction | MessageContextMenuCommandInteraction,
    context: Record<string, unknown>,
  ): Promise<void> {
    const m = plainMessage(APOLOGY, true);
    try {
      if (i.deferred && !i.replied) await i.editReply(body(m));
      else if (i.replied) await i.followUp({ ...body(m), flags: MessageFlags.Ephemeral });
      else await i.reply({ ...body(m), flags: MessageFlags.Ephemeral });
    } catch (e) {
      logger.warn({ err: describeError(e, secrets), ...context, interaction: i.id }, 'could not send the apology either');
    }
  }

  /**
   * Who asked and where. In a server, `permissions` (the member's permissions in the channel, which
   * the interaction carries) says whether they may change the channel's subscriptions.
   */
  const caller = (user: string, channel: string | null, guildId: string | null, permissions?: Readonly<PermissionsBitField> | null): Caller => ({
    platform: 'discord',
    user,
    ...(channel ? { channel } : {}),
    ...(guildId ? { guildId } : { direct: true }),
    mayManage: async () => mayManageChannel(permissions),
  });

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
      () => dispatcher.run({ command, input }, caller(i.user.id, i.channelId, i.guildId, i.memberPermissions)),
      { command, input, offset: 0 },
      { command, guild: i.guildId ?? 'dm' },
    );
  }

  /** "Paper card" on a message: its paper links' cards, privately, whoever may see the channel. */
  async function onMessageMenu(i: MessageContextMenuCommandInteraction): Promise<void> {
    if (i.commandName !== PAPER_CARD_COMMAND) return;
    const inv = paperCardInvocation(i.targetMessage);
    const who = caller(i.user.id, i.channelId, i.guildId, i.memberPermissions);
    await respond(i, async () => asPrivate(await dispatcher.run(inv, who)), undefined, { command: 'cards', via: 'message menu', guild: i.guildId ?? 'dm' });
  }

  async function onAutocomplete(i: AutocompleteInteraction): Promise<void> {
    const sub = subcommandSchema.safeParse(i.options.data[0]);
    const focused = focusedSchema.safeParse(i.options.getFocused(true));
    const choices = sub.success && focused.success ? await dispatcher.complete(sub.data.name, focused.data.name, String(focused.data.value)) : [];
    try {
      await i.respond(choices.slice(0, 25).map((c) => ({ name: c.name.slice(0, 100) || c.value.slice(0, 100), value: c.value.slice(0, 100) })));
    } catch (e) {
      logger.warn({ err: describeError(e, secrets), command: sub.success ? sub.data.name : null }, 'could not answer autocomplete');
    }
  }

  async function onButton(i: ButtonInteraction): Promise<void> {
    const action = parseCustomId(i.customId);
    if (!action) return;
    let cursor: PagerCursor | null;
    try {
      cursor = await cursors.get(action.key);
    } catch (e) {
      logger.error({ err: describeError(e, secrets), button: action.action, guild: i.guildId ?? 'dm' }, "could not read a button's cursor");
      await apologise(i, { button: action.action });
      return;
    }
    const context = { button: action.action, command: cursor?.command ?? null, guild: i.guildId ?? 'dm' };
    if (!cursor) {
      const m = plainMessage(EXPIRED_BUTTON, true);
      await i
        .reply({ ...body(m), flags: MessageFlags.Ephemeral })
        .catch((e: unknown) => logger.warn({ err: describeError(e, secrets), ...context }, 'could not answer an expired button'));
      return;
    }
    const input = cursor.offset > 0 ? { ...cursor.input, offset: cursor.offset } : cursor.input;
    // NOTE: the clicked message is where the conversation goes on (a reply to the bot's answer), so a page it
    // turns there renumbers that conversation's list: after More, "7" is the 7th paper shown.
    const who: Caller = { ...caller(i.user.id, i.channelId, i.guildId, i.memberPermissions), thread: i.message.id };
    const run = () => dispatcher.run({ command: cursor.command, input }, who);
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
    // NOTE: a reply to the bot's answer continues that answer's thread; any other message starts one.
    const perms = m.inGuild() && m.member ? safePermissions(() => m.member?.permissionsIn(m.channelId)) : null;
    const who: Caller = { ...caller(m.author.id, m.channelId, m.guildId, perms), thread: m.reference?.messageId ?? m.id };
    try {
      const reply = await dispatcher.runText(text, who);
      const sent = await m.reply(body(await rendered(reply)));
      // The user's next reply points at this answer: let its id reach the same conversation.
      await dispatcher.linkThread?.(who, sent.id);
    } catch (e) {
      logger.error({ err: describeError(e, secrets), ...context }, 'could not answer a message');
      await m
        .reply(body(plainMessage(APOLOGY, false)))
        .catch((e2: unknown) => logger.warn({ err: describeError(e2, secrets), ...context }, 'could not send the apology either'));
    }
  }

  client.on(Events.InteractionCreate, (i: Interaction) => {
    const handled = i.isChatInputCommand()
      ? onCommand(i)
      : i.isAutocomplete()
        ? onAutocomplete(i)
        : i.isButton()
          ? onButton(i)
          : i.isMessageContextMenuCommand()
            ? onMessageMenu(i)
            : Promise.resolve();
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
  let lifecycle = new AbortController();
  let tokenSet = false;

  return {
    platform: 'discord',
    client,
    register,
    connected: () => (opts.postOnly ? tokenSet : client.isReady()),
    holds: (target) => !target.guildId || holdsGuild(target.guildId),
    async start() {
      const life = new AbortController();
      lifecycle = life;
      ledgerRest.setToken(config.token);
      if (opts.postOnly) {
        client.rest.setToken(config.token);
        tokenSet = true;
        return;
      }
      const deadline = Date.now() + connectTimeoutMs;
      const left = () => Math.max(1, deadline - Date.now());
      const stopped = new Error('Discord start-up was stopped before the gateway connected.');
      client.rest.setToken(config.token);
      // Under a ShardingManager every shard runs this; only shard 0 registers.
      if (config.registerOnStart && (client.shard === null || client.shard.ids.includes(0))) {
        const r = await within(register().then(ok, failed), left(), life.signal);
        if (r === 'stopped') throw stopped;
        if (r === 'timeout')
          throw new Error(
            `Could not register /papers: the Discord API at ${hostOf(config.apiUrl)} (DISCORD_API_URL) did not answer within ${seconds(connectTimeoutMs)}.`,
          );
        if (!r.ok) throw new Error(restFailure(r.error, config.apiUrl, secrets, 'register /papers'));
        logger.info({ scope: r.value.scope, subcommands: r.value.subcommands }, 'registered /papers');
      }
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      const connecting = client
        .login(config.token)
        .then(() => ready)
        .then(ok, failed);
      const r = await within(connecting, left(), life.signal);
      if (r === 'stopped') throw stopped;
      if (r === 'timeout' || !r.ok) {
        // NOTE: discord.js leaves a failed login's shards reconnecting; closing the client here parks them.
        gateway.close();
        await within(client.destroy(), 2_000);
        if (r === 'timeout') throw new Error(gateway.timeoutMessage(connectTimeoutMs));
        throw new Error(loginFailure(r.error, config.apiUrl, gateway, secrets));
      }
      logger.info({ user: client.user?.id, shards: client.options.shards }, 'discord connected');
    },
    async stop() {
      // Also ends a start() still registering or connecting, and any shard left reconnecting.
      lifecycle.abort();
      gateway.close();
      ledgerRest.clearHashSweeper();
      ledgerRest.clearHandlerSweeper();
      await client.destroy();
    },
    async post(target: PostTarget, reply: Reply, send?: LedgerSend): Promise<Landed | void> {
      // NOTE: the scheduler and alerts ask `holds` first; a guild that moved to another shard meanwhile must not be recorded as posted.
      if (target.guildId && !holdsGuild(target.guildId)) {
        throw new DeliveryError('transient', `this shard does not hold guild ${target.guildId}; nothing was sent (the shard that holds it posts)`);
      }
      const m = await rendered({ ...reply, visibility: 'public' } as Reply);
      try {
        beforeCall(send, `finding Discord channel ${target.channel}`);
        // NOTE: without the gateway (post-only) no guild is cached; allowUnknownGuild still gives the channel to send to.
        const channel = await client.channels.fetch(target.channel, { allowUnknownGuild: true });
        if (!channel?.isSendable()) throw new DeliveryError('no-access', `Discord channel ${target.channel} cannot receive messages from the bot.`);
        return await sendKept(ledgerRest, channel, body(m), send, botId(), send ? cannotLook({ channel: target.channel }, send) : () => undefined);
      } catch (e) {
        const error = describeError(e, secrets);
        logger.error({ err: error, channel: target.channel, guild: target.guildId ?? null }, 'could not post to a channel');
        if (e instanceof DeliveryError) throw e;
        throw discordDeliveryError(e, target.channel, String(error.message));
      }
    },
    async sendDirect(user: string, reply: Reply, send?: LedgerSend): Promise<Landed> {
      const m = await rendered({ ...reply, visibility: 'public' } as Reply);
      try {
        beforeCall(send, `opening a direct message with ${user}`);
        return await sendDiscordDirect(client, user, (channel) =>
          sendKept(ledgerRest, channel, body(m), send, botId(), send ? cannotLook({ user }, send) : () => undefined),
        );
      } catch (e) {
        logger.warn({ err: describeError(e, secrets), user }, 'direct message to a Discord user failed');
        throw e;
      }
    },
  };
}

/** Manage Channels or Manage Server (Manage Guild), as Discord's own channel settings require. */
function mayManageChannel(permissions: Readonly<PermissionsBitField> | null | undefined): boolean {
  if (!permissions) return false;
  return permissions.has(PermissionFlagsBits.ManageChannels) || permissions.has(PermissionFlagsBits.ManageGuild);
}

/** Permissions computed from the cache, or null when discord.js cannot (an uncached role or channel). */
function safePermissions(read: () => Readonly<PermissionsBitField> | undefined): Readonly<PermissionsBitField> | null {
  try {
    return read() ?? null;
  } catch {
    return null;
  }
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

// ─── Connecting ──────────────────────────────────────────────────────────────

/** The @discordjs/ws manager discord.js builds a sharding strategy for. */
type GatewayManager = Parameters<NonNullable<WebSocketOptions['buildStrategy']>>[0];

/** An event emitter seen loosely (the @discordjs/ws event enum is hidden by discord.js's own enum of that name). */
interface LooseEmitter {
  on(event: string, listener: (payload: unknown) => void): unknown;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
const failed = (error: unknown): Outcome<never> => ({ ok: false, error });

/** "2 s", "500 ms". */
function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 100);
  }
}

const errorShape = z.object({
  code: z.unknown().optional(),
  status: z.number().optional(),
  message: z.string().optional(),
  cause: z.object({ code: z.unknown().optional(), message: z.string().optional() }).optional(),
});

/** Why the gateway websocket failed, from the error `ws` or @discordjs/ws reported. */
function gatewayErrorReason(e: unknown, secrets: readonly string[]): string {
  const x = errorShape.safeParse(e);
  const message = redactSecrets(x.success ? (x.data.message ?? '') : String(e), secrets);
  const status = /^Unexpected server response: (\d{3})/.exec(message);
  if (status) return `the server answered HTTP ${status[1]} instead of upgrading to a websocket`;
  if (/handshake has timed out/i.test(message)) return 'no answer to the websocket handshake (timed out)';
  if (x.success && typeof x.data.code === 'string') return networkReason(x.data.code, message);
  return message.slice(0, 200) || 'an error with no message';
}

/** A failed REST call in words, naming DISCORD_API_URL's host, or DISCORD_TOKEN when Discord refused it. */
function restFailure(e: unknown, apiUrl: string, secrets: readonly string[], what: string): string {
  const host = hostOf(apiUrl);
  const x = errorShape.safeParse(e);
  if (x.success && x.data.status === 401) return `Discord did not accept DISCORD_TOKEN (HTTP 401 when asked to ${what}). Check the bot token ("Bot" page).`;
  if (x.success && x.data.status !== undefined) return `The Discord API at ${host} (DISCORD_API_URL) answered HTTP ${x.data.status} when asked to ${what}.`;
  const code = x.success ? (x.data.code ?? x.data.cause?.code) : undefined;
  if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) {
    return `Could not reach the Discord API at ${host} (DISCORD_API_URL) to ${what}: ${networkReason(code, x.success ? x.data.cause?.message : undefined)}.`;
  }
  return `Could not ${what} through the Discord API at ${host} (DISCORD_API_URL): ${describeError(e, secrets).message || 'no details'}.`;
}

/** Why `client.login()` failed: the token, the REST API, or the gateway. */
function loginFailure(e: unknown, apiUrl: string, gateway: GatewayWatch, secrets: readonly string[]): string {
  const x = errorShape.safeParse(e);
  if (x.success && x.data.code === 'TokenInvalid')
    return 'Discord did not accept DISCORD_TOKEN (HTTP 401 to GET /gateway/bot). Check the bot token ("Bot" page).';
  if (!gateway.host) return restFailure(e, apiUrl, secrets, 'give the gateway address');
  if (x.success && x.data.message === 'Authentication failed') {
    return 'Discord did not accept DISCORD_TOKEN (the gateway closed with 4004, AuthenticationFailed). Check the bot token ("Bot" page).';
  }
  return `Could not connect to the Discord gateway at ${gateway.host}: ${gatewayErrorReason(e, secrets)}.`;
}

/** Close codes after which discord.js gives up on a shard (as its WebSocketManager lists them). */
const UNRECOVERABLE = new Set([4004, 4010, 4011, 4012, 4013, 4014]);

function closeReason(code: number, hello: boolean): string {
  if (code === 1006) return hello ? 'the connection dropped (code 1006)' : 'the connection dropped before the gateway said hello (code 1006)';
  const name: string | undefined = GatewayCloseCodes[code];
  return `closed with code ${code}${name ? ` (${name})` : ''}`;
}

interface ShardState {
  /** The current attempt: an error reported, and whether the gateway said hello. */
  error?: string;
  hello: boolean;
  ready: boolean;
  /** Failed attempts since the shard was last ready, and why the last one failed. */
  failures: number;
  lastReason?: string;
}

const payloadSchema = z.object({ shardId: z.number() });
const closedSchema = payloadSchema.extend({ code: z.number() });
const errorPayloadSchema = payloadSchema.extend({ error: z.unknown() });
const readySchema = payloadSchema.extend({ data: z.object({ resume_gateway_url: z.string().optional() }).optional() });

/**
 * Watches the gateway connections of one client: logs every failed attempt and retry with its reason, knows
 * why a start-up that ran out of time had not connected, and, once closed, parks shards that @discordjs/ws
 * would otherwise keep reconnecting. Network errors that @discordjs/ws swallows (a refused connection is
 * only a debug line) are read from Node's `http.client.request.error` diagnostics channel.
 */
class GatewayWatch {
  private url: URL | undefined;
  private readonly hosts = new Set<string>();
  private readonly shards = new Map<number, ShardState>();
  private netError: { reason: string; at: number } | undefined;
  private closed = false;
  private subscribed = false;

  constructor(
    private readonly log: Logger,
    private readonly secrets: readonly string[],
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** The gateway's host, once discord.js has fetched its address. */
  get host(): string | undefined {
    return this.url?.host;
  }

  /** From now on nothing connects, and what is left is not logged. */
  close(): void {
    this.closed = true;
    if (this.subscribed) diagnostics.unsubscribe('http.client.request.error', this.onRequestError);
    this.subscribed = false;
  }

  gateway(url: string): void {
    try {
      this.url = new URL(url);
      this.hosts.add(this.url.host);
      this.log.info({ host: this.url.host }, 'connecting to the Discord gateway');
    } catch {
      this.url = undefined;
    }
    if (!this.subscribed && !this.isClosed) {
      diagnostics.subscribe('http.client.request.error', this.onRequestError);
      this.subscribed = true;
    }
  }

  /** Listens to the manager's shard events (forwarded with their shard id). */
  attach(manager: LooseEmitter): void {
    const state = (id: number): ShardState => {
      let s = this.shards.get(id);
      if (!s) this.shards.set(id, (s = { hello: false, ready: false, failures: 0 }));
      return s;
    };
    manager.on('error', (p) => {
      const r = errorPayloadSchema.safeParse(p);
      if (r.success) state(r.data.shardId).error ??= gatewayErrorReason(r.data.error, this.secrets);
    });
    manager.on('hello', (p) => {
      const r = payloadSchema.safeParse(p);
      if (r.success) state(r.data.shardId).hello = true;
    });
    const connected = (p: unknown) => {
      const r = readySchema.safeParse(p);
      if (!r.success) return;
      const s = state(r.data.shardId);
      const resume = r.data.data?.resume_gateway_url;
      if (resume) this.hosts.add(hostOf(resume));
      if (s.failures > 0 && !this.isClosed) this.log.info({ shard: r.data.shardId, attempts: s.failures + 1 }, 'Discord gateway connected after retrying');
      Object.assign(s, { ready: true, hello: true, failures: 0, lastReason: undefined, error: undefined });
    };
    manager.on('ready', connected);
    manager.on('resumed', connected);
    manager.on('closed', (p) => {
      const r = closedSchema.safeParse(p);
      if (!r.success || this.isClosed) return;
      const { shardId: shard, code } = r.data;
      const s = state(shard);
      const net = code === 1006 && this.netError && Date.now() - this.netError.at < 2_000 ? this.netError.reason : undefined;
      const reason = s.error ?? net ?? closeReason(code, s.hello);
      const wasReady = s.ready;
      Object.assign(s, { error: undefined, hello: false, ready: false, failures: s.failures + 1, lastReason: reason });
      const where = { shard, code, reason, host: this.host ?? null, attempt: s.failures };
      if (UNRECOVERABLE.has(code)) this.log.error(where, `Discord gateway closed the connection (shard ${shard}): ${reason}; not retrying`);
      else if (wasReady && (code === 1000 || code === 4200))
        this.log.info(where, `Discord gateway connection closed (shard ${shard}): ${reason}; reconnecting`);
      else if (wasReady) this.log.warn(where, `Discord gateway connection lost (shard ${shard}): ${reason}; reconnecting`);
      else this.log.warn(where, `Discord gateway connection failed (shard ${shard}): ${reason}; retrying`);
    });
  }

  /** The start-up error once the connect timeout passed. */
  timeoutMessage(ms: number): string {
    if (!this.url)
      return `Could not connect to Discord within ${seconds(ms)}: no gateway address yet (GET /gateway/bot through DISCORD_API_URL did not answer).`;
    const pending = [...this.shards.values()].find((s) => !s.ready) ?? { hello: false, ready: false, failures: 0 };
    const reason =
      pending.error ??
      pending.lastReason ??
      (pending.hello ? 'the gateway said hello, but Discord sent no READY' : 'no answer to the websocket handshake (timed out)');
    const attempts = pending.failures + 1;
    return `Could not connect to the Discord gateway at ${this.url.host} within ${seconds(ms)} (${attempts} attempt${attempts === 1 ? '' : 's'}): ${reason}.`;
  }

  private readonly onRequestError = (message: unknown): void => {
    const m = z.object({ request: z.instanceof(ClientRequest), error: z.unknown() }).safeParse(message);
    if (!m.success) return;
    const req = m.data.request;
    if (req.getHeader('upgrade') !== 'websocket' || !this.hosts.has(String(req.getHeader('host')))) return;
    const e = errorShape.safeParse(m.data.error);
    this.netError = { reason: networkReason(e.success ? e.data.code : undefined, e.success ? e.data.message : undefined), at: Date.now() };
  };
}

/**
 * discord.js's default sharding strategy, watched, and made to stop for good. @discordjs/ws 1.2 has two
 * faults when a client is destroyed while a shard is still connecting: the shard reconnects 500 ms after a
 * failed attempt even when it was destroyed meanwhile (destroying an idle shard does nothing), so a stopped
 * or failed client kept reconnecting for ever; and a websocket still in its handshake is left open without
 * an error listener, so its later failure ("Opening handshake has timed out") is an uncaught exception.
 * Here a closed client's shards wait for good at their next connection attempt (where @discordjs/ws reads
 * the session), and a half-open websocket is terminated.
 */
class WatchedShardingStrategy implements IShardingStrategy {
  private readonly inner: SimpleShardingStrategy;

  constructor(
    private readonly manager: GatewayManager,
    private readonly watch: GatewayWatch,
  ) {
    this.inner = new SimpleShardingStrategy(manager);
    const retrieve = manager.options.retrieveSessionInfo.bind(manager.options);
    manager.options.retrieveSessionInfo = (shardId) => (watch.isClosed ? new Promise(() => undefined) : retrieve(shardId));
    watch.attach(manager as unknown as LooseEmitter);
  }

  async spawn(shardIds: number[]): Promise<void> {
    if (this.watch.isClosed) return;
    this.watch.gateway((await this.manager.fetchGatewayInformation()).url);
    await this.inner.spawn(shardIds);
  }

  async connect(): Promise<void> {
    if (this.watch.isClosed) return;
    await this.inner.connect();
  }

  async destroy(options?: Parameters<IShardingStrategy['destroy']>[0]): Promise<void> {
    const shards = shardsOf(this.inner);
    // NOTE: a shard destroyed while a concurrent destroy of its own is under way can wait for ever.
    await within(Promise.resolve(this.inner.destroy(options)), 2_000);
    for (const shard of shards) releaseConnection(shard);
  }

  send(shardId: number, payload: Parameters<IShardingStrategy['send']>[1]): Promise<void> {
    return this.inner.send(shardId, payload);
  }

  fetchStatus(): ReturnType<IShardingStrategy['fetchStatus']> {
    return this.inner.fetchStatus();
  }
}

// NOTE: the two functions below reach into @discordjs/ws 1.2 (SimpleShardingStrategy#shards and
// WebSocketShard#connection, a `ws` WebSocket) defensively: on any other shape they do nothing.

function shardsOf(strategy: SimpleShardingStrategy): object[] {
  const shards: unknown = Reflect.get(strategy, 'shards');
  if (!(shards instanceof Map)) return [];
  return [...(shards as Map<unknown, unknown>).values()].filter((s): s is object => typeof s === 'object' && s !== null);
}

/** Terminates a shard's websocket that is not closed yet, with a listener for the error that follows. */
function releaseConnection(shard: object): void {
  const ws: unknown = Reflect.get(shard, 'connection');
  if (typeof ws !== 'object' || ws === null) return;
  const on: unknown = Reflect.get(ws, 'on');
  const terminate: unknown = Reflect.get(ws, 'terminate');
  // NOTE: ws readyState 3 is CLOSED.
  if (typeof on !== 'function' || typeof terminate !== 'function' || Reflect.get(ws, 'readyState') === 3) return;
  (on as (event: string, fn: () => void) => void).call(ws, 'error', () => undefined);
  (terminate as () => void).call(ws);
}
