// The Slack adapter's wiring: options, the Bolt App on an HTTP or Socket Mode receiver, its listeners, and start/stop/post.
import { App, ErrorCode, SocketModeReceiver, webApi } from '@slack/bolt';
import type { SlackConfig } from '../../src/config.js';
import { describeError } from '../../src/errorInfo.js';
import type { Logger } from '../../src/logger.js';
import { MemoryCursors } from '../../src/pager.js';
import type { ChatAdapter, Inbound, InstallationBook, OAuthStates, PagerCursors } from '../../src/ports.js';
import { registerActions } from './actions.js';
import { boltLogger } from './boltLogger.js';
import { slackCallers, type SlackListenerDeps } from './callers.js';
import { eventOnce, type EventClaims } from './eventOnce.js';
import { installKeyOf } from './installations.js';
import { registerMessages } from './messages.js';
import { createSlackInstaller, type SlackInstaller } from './oauth.js';
import { InFlight, SignedHttpReceiver, TrackedSocketModeReceiver, type HttpTimeouts, type SocketConnectOptions } from './receiver.js';
import { slackReplies } from './replies.js';
import { slackSender } from './send.js';
import { registerSlashCommands } from './slashCommands.js';
import { checkBotToken, hostOf, type BotIdentity } from './tokenCheck.js';
import { registerUninstalls } from './uninstalls.js';
import { registerUnfurls } from './unfurl.js';

export { EXPIRED_MESSAGE } from './actions.js';
export { THINKING } from './messages.js';
export { slackDeliveryError } from './send.js';

export interface SlackAdapterOptions {
  config: SlackConfig;
  dispatcher: Inbound;
  logger: Logger;
  /** Web API client overrides (tests shorten `timeout`). */
  clientOptions?: Pick<webApi.WebClientOptions, 'retryConfig' | 'timeout'>;
  /** How long one reply may take: a Web API call or a post to a `response_url` (milliseconds; default {@link REPLY_TIMEOUT_MS}). */
  replyTimeoutMs?: number;
  /** Known bot ids skip the `auth.test` call at start. */
  botId?: string;
  botUserId?: string;
  /**
   * How long `start()` may take to check the token and connect before it gives up with the reason
   * (milliseconds; default {@link DEFAULT_CONNECT_TIMEOUT_MS}). Socket Mode gives each connection
   * attempt at most 10 s of it, and retries.
   */
  connectTimeoutMs?: number;
  /** Socket Mode: waits between failed connection attempts, doubling from `firstMs` up to `maxMs`. */
  socketRetry?: SocketConnectOptions['retry'];
  /** HTTP mode: the interface to listen on (default: all), the body size limit, server timeouts, and the clock for timestamp checks. */
  host?: string;
  bodyLimit?: number;
  httpTimeouts?: Partial<HttpTimeouts>;
  now?: () => number;
  /**
   * A mention or DM whose answer takes longer than this gets a "thinking…" message in its thread
   * first, which the answer then replaces (milliseconds; default 1000).
   */
  thinkingAfterMs?: number;
  /** How long one ledger-kept call (a post, a DM, a look for an earlier attempt) may take (milliseconds; default 15 s). */
  sendTimeoutMs?: number;
  /** Slash commands this app answers (as named in the manifest). */
  commandNames?: readonly string[];
  /** Where the cursor of a More button too long for its value waits (the shared database, so any replica answers a click); default: this process's memory. */
  cursors?: PagerCursors;
  /** Events taken, so Slack's retry of one is answered by no replica (the shared database); default: this process's memory. */
  events?: EventClaims;
  /**
   * Only post (`paperboy post trending` from cron): `start()` checks the token and opens no listener
   * or websocket, so it never competes with a running `serve` for SLACK_PORT or events.
   */
  postOnly?: boolean;
  /** OAuth mode (`config.oauth`): where installations (tokens sealed) and install states live, the shared database. */
  installations?: InstallationBook;
  oauthStates?: OAuthStates;
}

/** A Slack ChatAdapter, plus what operators and tests need to observe it. */
export interface SlackAdapter extends ChatAdapter {
  /** Resolves when every event received so far has been fully answered. */
  idle(): Promise<void>;
  /** HTTP mode: the port listened on, once started. */
  readonly port: number | undefined;
  readonly mode: 'http' | 'socket';
}

/** How long one reply to a user may take (a Web API call, a response_url post) before it is given up (milliseconds). */
export const REPLY_TIMEOUT_MS = 15_000;

/** How many workspaces' reply clients are kept at once (OAuth mode). */
const MAX_CLIENTS = 500;

/** How long `start()` may take by default, token check and connection together (milliseconds). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** Socket Mode retries by default after 1 s, 2 s, 4 s … at most 30 s apart. */
export const DEFAULT_SOCKET_RETRY = { firstMs: 1_000, maxMs: 30_000 } as const;

/**
 * Creates the Slack adapter. Socket Mode when `config.appToken` is set (no public URL needed),
 * HTTP otherwise, with slash commands, events and interactivity at `/slack/events`.
 * See https://api.slack.com/apis/socket-mode and https://docs.slack.dev/tools/bolt-js/.
 */
export function createSlackAdapter(opts: SlackAdapterOptions): SlackAdapter {
  const { config, dispatcher } = opts;
  const log = opts.logger.child({ platform: 'slack' });
  const thinkingAfterMs = opts.thinkingAfterMs ?? 1000;
  // NOTE: every error bound for a log goes through describeError with these, never as the raw object.
  const secrets = [config.botToken, config.appToken, config.signingSecret, config.oauth?.clientSecret, config.oauth?.stateSecret];
  const boltLog = boltLogger(log, secrets);
  const cursors = opts.cursors ?? new MemoryCursors();
  const commandNames = opts.commandNames ?? ['/papers'];
  const inFlight = new InFlight();
  const replyTimeoutMs = opts.replyTimeoutMs ?? REPLY_TIMEOUT_MS;
  // NOTE: replies are not ledger-kept, so a retry after a lost answer would post the answer twice: no client
  // retries (a failed reply gets one plain apology instead), and a deadline on every call. Bolt's respond()
  // posts to response_url with this `fetch`, so the deadline covers it too.
  const replyFetch: webApi.WebClientOptions['fetch'] = (url, init) => {
    const deadline = AbortSignal.timeout(replyTimeoutMs);
    return fetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
  };
  // NOTE: rejectRateLimitedCalls: by default a 429 pauses the client's whole request queue for its Retry-After,
  // and a request's timeout starts only when it leaves the queue, so no deadline would hold.
  const clientOptions: webApi.WebClientOptions = {
    slackApiUrl: config.apiUrl,
    logger: boltLog,
    fetch: replyFetch,
    retryConfig: { retries: 0 },
    timeout: replyTimeoutMs,
    rejectRateLimitedCalls: true,
    ...opts.clientOptions,
  };
  const mode: 'http' | 'socket' = config.appToken ? 'socket' : 'http';
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const apiHost = hostOf(config.apiUrl);

  // Start-up's own Web API calls (auth.test, apps.connections.open) are cancelled by stop(); replies are not.
  let lifecycle = new AbortController();
  const startupFetch: webApi.WebClientOptions['fetch'] = (url, init) =>
    replyFetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, lifecycle.signal]) : lifecycle.signal });
  // NOTE: few retries and a timeout: Bolt's defaults keep retrying for about 30 minutes, so an unreachable
  // SLACK_API_URL would hang start-up silently instead of failing with a message.
  const startupClientOptions: webApi.WebClientOptions = {
    ...clientOptions,
    fetch: startupFetch,
    retryConfig: opts.clientOptions?.retryConfig ?? { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2000 },
    timeout: opts.clientOptions?.timeout ?? 10_000,
    // NOTE: start-up waits out a rate limit (within its own deadline, which stop() also ends).
    rejectRateLimitedCalls: false,
  };

  let installer: SlackInstaller | undefined;
  if (config.oauth) {
    if (config.appToken) throw new Error('Slack OAuth mode serves HTTP: unset SLACK_APP_TOKEN.');
    if (!opts.installations || !opts.oauthStates) throw new Error('Slack OAuth mode needs a writable database for installations.');
    installer = createSlackInstaller({
      oauth: config.oauth,
      apiUrl: config.apiUrl,
      installations: opts.installations,
      states: opts.oauthStates,
      logger: log,
      boltLogger: boltLog,
      clientOptions,
    });
  }
  const installations = opts.installations;

  let httpReceiver: SignedHttpReceiver | undefined;
  let socketReceiver: TrackedSocketModeReceiver | undefined;
  if (config.appToken) {
    const socket = new SocketModeReceiver({
      appToken: config.appToken,
      logger: boltLog,
      // NOTE: reconnecting is TrackedSocketModeReceiver's, so that every attempt is bounded and logged with its reason.
      autoReconnectEnabled: false,
      installerOptions: { clientOptions: startupClientOptions },
    });
    socketReceiver = new TrackedSocketModeReceiver(socket, inFlight, { connectTimeoutMs, retry: opts.socketRetry ?? DEFAULT_SOCKET_RETRY, logger: log });
  } else {
    if (!config.signingSecret) throw new Error('Slack HTTP mode needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode).');
    httpReceiver = new SignedHttpReceiver({
      signingSecret: config.signingSecret,
      port: config.port,
      ...(opts.host !== undefined ? { host: opts.host } : {}),
      ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
      ...(opts.httpTimeouts ? { timeouts: opts.httpTimeouts } : {}),
      ...(opts.now ? { now: opts.now } : {}),
      logger: log,
      inFlight,
      onRefused: (status, reason) => log.warn({ status, reason }, 'refused a Slack request'),
      ...(installer ? { pages: installer.pages } : {}),
    });
  }
  const receiver = socketReceiver ?? httpReceiver;
  if (!receiver) throw new Error('unreachable: Slack has no receiver');

  /** Who the bot is, from the adapter's own auth.test in start() (or given): mentions need the bot user id. */
  let identity: BotIdentity | undefined = opts.botUserId ? { botUserId: opts.botUserId, ...(opts.botId ? { botId: opts.botId } : {}) } : undefined;

  // NOTE: an App given `token` calls auth.test in its constructor and nothing catches a rejection (a bad token
  // crashed serve with an uncaught WebAPIPlatformError). With `authorize` instead, the only token check is
  // start()'s, and every event's context carries the bot ids it found.
  // https://docs.slack.dev/tools/bolt-js/concepts/authorization
  // In OAuth mode, Bolt's InstallProvider authorizes each event with its workspace's installation.
  const app = new App({
    receiver,
    logger: boltLog,
    clientOptions,
    authorize: installer
      ? installer.provider.authorize
      : async () => {
          if (!identity) throw new Error('the Slack bot token has not been checked yet');
          return { botToken: config.botToken, ...identity };
        },
  });
  /** Replies' clients, one per bot token (one workspace's; every workspace's in OAuth mode). */
  const clients = new Map<string, webApi.WebClient>();
  const webFor = (token: string | undefined): webApi.WebClient => {
    const key = token ?? '';
    let client = clients.get(key);
    if (!client) {
      // NOTE: bounded: a workspace's client is made again after many others were used.
      if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value ?? '');
      client = new webApi.WebClient(token, clientOptions);
      clients.set(key, client);
    }
    return client;
  };
  /** What a listener acts with: its workspace's client, and (OAuth mode) the workspace key ids are qualified with. */
  const workspaceOf = (context: {
    botToken?: string | undefined;
    isEnterpriseInstall?: boolean;
    enterpriseId?: string | undefined;
    teamId?: string | undefined;
  }) => ({
    web: webFor(context.botToken ?? config.botToken),
    key: installer ? installKeyOf(context) : undefined,
  });
  app.use(eventOnce(opts.events, log));

  app.error(async (error) => {
    // NOTE: in OAuth mode, an event of a workspace with no installation; the installation store logged it.
    if (installer && error.code === ErrorCode.AuthorizationError) return;
    log.error({ err: describeError(error, secrets) }, 'slack listener failed');
  });

  const replies = slackReplies({ cursors, log, secrets });
  const listeners: SlackListenerDeps = { dispatcher, workspace: workspaceOf, caller: slackCallers({ config, log, secrets }), replies, log, secrets };
  registerSlashCommands(app, { ...listeners, commandNames });
  registerMessages(app, { ...listeners, thinkingAfterMs });
  if (installer && installations) registerUninstalls(app, installations, log);
  registerUnfurls(app, { dispatcher, workspace: workspaceOf, log, secrets, caller: listeners.caller });
  registerActions(app, { ...listeners, cursors });
  const sender = slackSender({ config, installations, clientOptions, sendTimeoutMs: opts.sendTimeoutMs, render: replies.render, log, secrets });

  return {
    platform: 'slack',
    mode,
    get port() {
      return httpReceiver?.port;
    },
    idle: () => inFlight.idle(),
    connected: () => (opts.postOnly ? identity !== undefined : socketReceiver ? socketReceiver.isConnected : httpReceiver?.listening === true),
    async start() {
      const life = new AbortController();
      lifecycle = life;
      const deadline = Date.now() + connectTimeoutMs;
      // NOTE: in OAuth mode each workspace's token was checked (auth.test) when it installed.
      if (!identity && config.botToken !== undefined) {
        identity = await checkBotToken(config.botToken, startupClientOptions, apiHost, connectTimeoutMs, life);
      }
      if (life.signal.aborted) throw new Error('Slack start-up was stopped.');
      if (opts.postOnly) return;
      if (socketReceiver) await socketReceiver.start(deadline);
      else await httpReceiver?.start();
      log.info({ mode, ...(httpReceiver ? { port: httpReceiver.port } : {}) }, 'slack adapter listening');
    },
    async stop() {
      // Ends a start() still checking the token or connecting; replies in flight are waited for.
      lifecycle.abort();
      await inFlight.idle();
      if (!opts.postOnly) await receiver.stop();
    },
    post: (target, reply, send) => sender.post(target, reply, send),
    sendDirect: (user, reply, send) => sender.sendDirect(user, reply, send),
  };
}
