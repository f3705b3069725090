// The Discord adapter: wires the /papers interactions (over the gateway, or over HTTP with DISCORD_PUBLIC_KEY), mentions and DMs, and REST posting into one ChatAdapter.
import { Client, Events, GatewayIntentBits, Partials, REST, type ClientOptions, type Interaction, type Message, type RESTOptions } from 'discord.js';
import type { DiscordConfig } from '../../src/config.js';
import { APOLOGY } from '../../src/dispatch.js';
import { describeError } from '../../src/errorInfo.js';
import { within } from '../../src/serve.js';
import type { Logger } from '../../src/logger.js';
import { MemoryCursors } from '../../src/pager.js';
import type { Caller, ChatAdapter, Inbound, PagerCursors } from '../../src/ports.js';
import { registerCommands, type RegisterResult } from './commands.js';
import { failed, GatewayWatch, hostOf, loginFailure, ok, restFailure, seconds, WatchedShardingStrategy } from './gateway.js';
import { fromGateway, gatewayResponder } from './gatewayInteractions.js';
import { InteractionsServer } from './http.js';
import { createInteractionRouter } from './interactions.js';
import { discordCaller, keptRenderer, messageBody } from './messages.js';
import { plainMessage } from './render.js';
import { createDiscordSender } from './send.js';
import { discordPublicKey } from './signature.js';

export { buildCommandJson, registerCommands } from './commands.js';
export { EXPIRED_BUTTON } from './interactions.js';

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
  /** HTTP interactions mode (config.publicKey set): the interface to listen on (default all; tests use 127.0.0.1) and the clock signatures are dated by. */
  http?: { host?: string; now?: () => number };
}

/** How long `start()` may take by default (milliseconds). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** The Discord chat adapter, with its client exposed for the composition root and tests. */
export interface DiscordAdapter extends ChatAdapter {
  readonly client: Client;
  /** Registers `/papers` (guild or global, per config). */
  register(): Promise<RegisterResult>;
  /** In HTTP interactions mode, the port `POST /discord/interactions` is answered on once started. */
  readonly interactionsPort: number | undefined;
}

/**
 * The shard that holds a guild: `(guild_id >> 22) % shard_count`. DMs and non-snowflake ids go to shard 0,
 * as Discord sends DMs to shard 0.
 * https://discord.com/developers/docs/events/gateway#sharding-sharding-formula
 */
export function shardForGuild(guildId: string, shardCount: number): number {
  if (!/^\d{1,20}$/.test(guildId) || !Number.isInteger(shardCount) || shardCount <= 1) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** How long one reply or other REST call may take before it is given up (milliseconds). */
export const REPLY_TIMEOUT_MS = 15_000;

/**
 * Creates the adapter. Nothing connects until `start()`. Replies are ephemeral or public as the
 * reply says, every message goes out with `allowedMentions: { parse: [] }`, and a failing Discord
 * API is logged with context and answered with an apology where possible. With `config.publicKey`,
 * interactions come over HTTP and no gateway connection is opened: any number of replicas can answer.
 */
export function createDiscordAdapter(opts: DiscordAdapterOptions): DiscordAdapter {
  const { config, dispatcher } = opts;
  const logger = opts.logger.child({ platform: 'discord' });
  // NOTE: errors are logged as `err` (pino's key for errors) through describeError, never as the raw object.
  const secrets = [config.token];
  const cursors = opts.cursors ?? new MemoryCursors();
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const overHttp = config.publicKey !== undefined && !opts.postOnly;
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
  const rendered = keptRenderer(cursors, logger, secrets);
  const route = createInteractionRouter({ dispatcher, cursors, rendered, logger, secrets, deferAfterMs: opts.deferAfterMs ?? 1500 });
  const interactions =
    config.publicKey !== undefined && overHttp
      ? new InteractionsServer({
          key: discordPublicKey(config.publicKey),
          appId: config.appId,
          port: config.port,
          ...(opts.http?.host !== undefined ? { host: opts.http.host } : {}),
          ...(opts.http?.now ? { now: opts.http.now } : {}),
          route,
          rest: client.rest,
          logger,
          secrets,
        })
      : undefined;

  async function onMessage(m: Message): Promise<void> {
    const me = client.user;
    if (!me || m.author.bot || m.author.id === me.id || m.system) return;
    const mention = new RegExp(`<@!?${me.id}>`, 'g');
    const dm = !m.inGuild();
    if (!dm && !mention.test(m.content) && !m.mentions.users.has(me.id)) return;
    const text = m.content.replace(mention, ' ').replace(/\s+/g, ' ').trim();
    const context = { via: dm ? 'dm' : 'mention', guild: m.guildId ?? 'dm', channel: m.channelId };
    // NOTE: a reply to the bot's answer continues that answer's thread; any other message starts one.
    const perms = m.inGuild() && m.member ? safePermissions(() => m.member?.permissionsIn(m.channelId).bitfield) : null;
    const who: Caller = { ...discordCaller(m.author.id, m.channelId, m.guildId, perms), thread: m.reference?.messageId ?? m.id };
    try {
      const reply = await dispatcher.runText(text, who);
      const sent = await m.reply(messageBody(await rendered(reply)));
      // The user's next reply points at this answer: let its id reach the same conversation.
      await dispatcher.linkThread?.(who, sent.id);
    } catch (e) {
      logger.error({ err: describeError(e, secrets), ...context }, 'could not answer a message');
      await m
        .reply(messageBody(plainMessage(APOLOGY, false)))
        .catch((e2: unknown) => logger.warn({ err: describeError(e2, secrets), ...context }, 'could not send the apology either'));
    }
  }

  client.on(Events.InteractionCreate, (i: Interaction) => {
    const inbound = fromGateway(i);
    if (!inbound) return;
    route(inbound, gatewayResponder(i)).catch((e: unknown) =>
      logger.error({ err: describeError(e, secrets), interaction: i.id }, 'interaction handler failed'),
    );
  });
  client.on(Events.MessageCreate, (m: Message) => {
    onMessage(m).catch((e: unknown) => logger.error({ err: describeError(e, secrets) }, 'message handler failed'));
  });
  client.on(Events.Error, (e: Error) => logger.error({ err: describeError(e, secrets) }, 'discord client error'));
  client.on(Events.Warn, (w: string) => logger.warn({ warning: w }, 'discord client warning'));

  /** The shards this process runs, or null when it runs them all (a single unsharded process). */
  function shardSet(): { ids: number[]; total: number } | null {
    const count = client.shard?.count ?? client.options.shardCount ?? 1;
    const ids = client.shard?.ids ?? (Array.isArray(client.options.shards) ? client.options.shards : null);
    return count <= 1 || ids === null ? null : { ids, total: count };
  }

  /** Whether this process holds the shard of `guildId`; a single unsharded process holds every guild. */
  function holdsGuild(guildId: string): boolean {
    const set = shardSet();
    return set === null || set.ids.includes(shardForGuild(guildId, set.total));
  }

  const sender = createDiscordSender({ client, ledgerRest, rendered, logger, secrets, botId, holdsGuild });
  const register = () => registerCommands({ config, commands: dispatcher.commands, rest: client.rest });
  let lifecycle = new AbortController();
  let tokenSet = false;

  /** Registers /papers within the start-up deadline; throws a sentence naming the variable to check. */
  async function registerWithin(left: () => number, life: AbortController, stopped: Error): Promise<void> {
    const r = await within(register().then(ok, failed), left(), life.signal);
    if (r === 'stopped') throw stopped;
    if (r === 'timeout')
      throw new Error(
        `Could not register /papers: the Discord API at ${hostOf(config.apiUrl)} (DISCORD_API_URL) did not answer within ${seconds(connectTimeoutMs)}.`,
      );
    if (!r.ok) throw new Error(restFailure(r.error, config.apiUrl, secrets, 'register /papers'));
    logger.info({ scope: r.value.scope, subcommands: r.value.subcommands }, 'registered /papers');
  }

  return {
    platform: 'discord',
    client,
    register,
    get interactionsPort() {
      return interactions?.port;
    },
    connected: () => (opts.postOnly ? tokenSet : interactions ? interactions.listening : client.isReady()),
    holds: (target) => !target.guildId || holdsGuild(target.guildId),
    shards: shardSet,
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
      if (interactions) {
        // NOTE: over HTTP no gateway is opened; every replica registers (a bulk overwrite, so the same result each time).
        if (config.registerOnStart) await registerWithin(left, life, stopped);
        try {
          await interactions.start();
        } catch (e) {
          throw new Error(`Could not listen for Discord interactions on DISCORD_PORT ${config.port}: ${describeError(e, secrets).message}.`);
        }
        logger.info({ port: interactions.port, path: '/discord/interactions' }, 'answering Discord interactions over HTTP');
        return;
      }
      // Under a ShardingManager every shard runs this; only shard 0 registers.
      if (config.registerOnStart && (client.shard === null || client.shard.ids.includes(0))) await registerWithin(left, life, stopped);
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
      await interactions?.stop();
      ledgerRest.clearHashSweeper();
      ledgerRest.clearHandlerSweeper();
      await client.destroy();
    },
    post: (target, reply, send) => sender.post(target, reply, send),
    sendDirect: (user, reply, send) => sender.sendDirect(user, reply, send),
  };
}

/** Permissions computed from the cache, or null when discord.js cannot (an uncached role or channel). */
function safePermissions(read: () => bigint | undefined): bigint | null {
  try {
    return read() ?? null;
  } catch {
    return null;
  }
}
