// The Slack adapter: /papers slash commands, mentions and DMs, buttons, over HTTP or Socket Mode, on Bolt.
import { App, ErrorCode, LogLevel, SocketModeReceiver, webApi, type Context, type Logger as BoltLogger, type RespondFn } from '@slack/bolt';
import { z } from 'zod';
import type { SlackConfig } from '../../src/config.js';
import { APOLOGY, MAX_INPUT_CHARS } from '../../src/dispatch.js';
import { describeError, redactSecrets } from '../../src/errorInfo.js';
import { DeliveryError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { MemoryCursors, parseCursor } from '../../src/pager.js';
import type {
  Caller,
  ChatAdapter,
  CursorBatch,
  Inbound,
  InstallationBook,
  Invocation,
  Landed,
  LedgerSend,
  OAuthStates,
  PagerCursors,
  PostTarget,
} from '../../src/ports.js';
import { asPrivate, asPublic, type PagerCursor, type Reply } from '../../src/reply.js';
import {
  describeSlackApiError,
  InFlight,
  seconds,
  SignedHttpReceiver,
  TrackedSocketModeReceiver,
  type HttpTimeouts,
  type SocketConnectOptions,
} from './receiver.js';
import { within } from '../../src/serve.js';
import { ACTIONS, LIMITS, renderReply, unescapeMrkdwn, type SlackMessage } from './render.js';
import { sendSlackDirect } from './direct.js';
import { registerUnfurls } from './unfurl.js';
import { findLanded, ledgerMetadata, unknownLookWarning } from './ledger.js';
import { beforeCall } from '../../src/ledgerSend.js';
import { installKeyOf } from './installations.js';
import { createSlackInstaller, type SlackInstaller } from './oauth.js';
import { qualify, resolveTarget } from './teams.js';
import { eventOnce, type EventClaims } from './eventOnce.js';

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

export const EXPIRED_MESSAGE = 'That list has expired. Please run the command again to get fresh results.';

/** How many workspaces' reply clients are kept at once (OAuth mode). */
const MAX_CLIENTS = 500;

/** How long `start()` may take by default, token check and connection together (milliseconds). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** Socket Mode retries by default after 1 s, 2 s, 4 s … at most 30 s apart. */
export const DEFAULT_SOCKET_RETRY = { firstMs: 1_000, maxMs: 30_000 } as const;

/** Bolt's own lines that say nothing (the websocket's reason is logged by the receiver instead): demoted to debug. */
const EMPTY_BOLT_LINES = [
  /^WebSocket error occurred:\s*$/,
  /^WebSocket error! \w*$/,
  // NOTE: an event from a workspace with no installation; the installation store logs that once per workspace.
  /^Authorization of incoming event did not succeed/,
];

const slashSchema = z.object({
  command: z.string(),
  text: z.string().default(''),
  user_id: z.string().optional(),
  channel_id: z.string().optional(),
  channel_name: z.string().optional(),
  team_id: z.string().optional(),
});

const usersInfoSchema = z.object({ user: z.object({ is_admin: z.boolean().optional(), is_owner: z.boolean().optional() }) });

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

const messageEventSchema = z.object({
  text: z.string().default(''),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
  channel: z.string(),
  channel_type: z.string().optional(),
  ts: z.string(),
  thread_ts: z.string().optional(),
});

const actionBodySchema = z.object({
  user: z.object({ id: z.string() }).optional(),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ is_ephemeral: z.boolean().optional(), thread_ts: z.string().optional() }).optional(),
  message: z.object({ thread_ts: z.string().optional() }).optional(),
});

const actionSchema = z.object({ action_id: z.string(), value: z.string().max(LIMITS.buttonValue).optional() });

const moreValueSchema = z.union([z.object({ c: z.unknown() }), z.object({ k: z.string().min(1).max(64) })]);

const invocationSchema = z.object({
  command: z.string().min(1).max(40),
  input: z.record(z.string(), z.unknown()).optional(),
  text: z.string().max(MAX_INPUT_CHARS).optional(),
});

/** "Share in channel" re-runs the line typed after `/papers`, or (from a later page) an invocation. */
const shareValueSchema = z.union([z.object({ line: z.string() }), invocationSchema]);
type ShareValue = z.infer<typeof shareValueSchema>;

function parseJson<T>(schema: z.ZodType<T>, raw: string | undefined): T | null {
  if (raw === undefined) return null;
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Bolt and its clients log through this, into the app's logger, with secrets scrubbed from every line. */
function boltLogger(log: Logger, secrets: readonly (string | undefined)[]): BoltLogger {
  let level = LogLevel.INFO;
  // NOTE: Socket Mode URLs carry a connection ticket, which Bolt's debug lines print.
  const line = (msg: unknown[]) =>
    redactSecrets(msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' '), secrets).replace(
      /([?&]ticket=)[^&\s"\\]+/g,
      '$1[redacted]',
    );
  const atLevel =
    (at: 'warn' | 'error') =>
    (...msg: unknown[]) => {
      const text = line(msg);
      if (EMPTY_BOLT_LINES.some((re) => re.test(text))) log.debug({ source: 'bolt' }, text);
      else log[at]({ source: 'bolt' }, text);
    };
  return {
    debug: (...msg: unknown[]) => log.debug({ source: 'bolt' }, line(msg)),
    info: (...msg: unknown[]) => log.info({ source: 'bolt' }, line(msg)),
    warn: atLevel('warn'),
    error: atLevel('error'),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** Options that keep Slack from rewriting outside text into mentions or unfurling links. */
/** What a slow answer shows until it is ready. */
export const THINKING = 'thinking…';

const POST_OPTIONS = { unfurl_links: false, unfurl_media: false, parse: 'none', link_names: false } as const;
const RESPOND_OPTIONS = { unfurl_links: false, unfurl_media: false } as const;

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
  let identity: { botId?: string; botUserId: string } | undefined = opts.botUserId
    ? { botUserId: opts.botUserId, ...(opts.botId ? { botId: opts.botId } : {}) }
    : undefined;

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

  app.error(async (error) => {
    // NOTE: in OAuth mode, an event of a workspace with no installation; the installation store logged it.
    if (installer && error.code === ErrorCode.AuthorizationError) return;
    log.error({ err: describeError(error, secrets) }, 'slack listener failed');
  });

  // NOTE: a More button carries its whole cursor in its value, so any replica continues the list; only one
  // too long for the value (a long query full of quotes) waits under a key in `cursors`.
  const moreValueIn =
    (batch: CursorBatch) =>
    (c: PagerCursor): string | null => {
      const inline = JSON.stringify({ c });
      return inline.length <= LIMITS.buttonValue ? inline : JSON.stringify({ k: batch.put(c) });
    };
  /** Renders a reply, storing any cursor kept under a key first; a database that cannot keep it costs that button only. */
  const render = async (reply: Reply, share: ShareValue | null): Promise<SlackMessage> => {
    const shareValue = share ? JSON.stringify(share) : null;
    const batch = cursors.batch();
    const message = renderReply(reply, { moreValue: moreValueIn(batch), shareValue });
    try {
      await batch.save();
    } catch (e) {
      log.warn({ err: describeError(e, secrets) }, "could not keep a More button's cursor: a click on it will say the list expired");
    }
    return message;
  };

  /** Answers through response_url; a failure is logged and, where Slack still listens, apologised for. */
  const respondWith = async (respond: RespondFn, reply: Reply, how: { share: ShareValue | null; replace: boolean; context: Record<string, unknown> }) => {
    const msg = await render(reply, how.share);
    try {
      await respond({ ...RESPOND_OPTIONS, response_type: reply.visibility === 'public' ? 'in_channel' : 'ephemeral', replace_original: how.replace, ...msg });
    } catch (e) {
      log.error({ err: describeError(e, secrets), ...how.context }, 'responding to Slack failed');
      try {
        await respond({ response_type: 'ephemeral', replace_original: false, text: APOLOGY });
      } catch (e2) {
        log.error({ err: describeError(e2, secrets), ...how.context }, 'sending the apology failed too');
      }
    }
  };

  /** Posts into a channel or thread with chat.postMessage; a failure gets one plain apology attempt. */
  const postInThread = async (web: webApi.WebClient, channel: string, threadTs: string, reply: Reply, context: Record<string, unknown>) => {
    try {
      await web.chat.postMessage({ ...POST_OPTIONS, channel, thread_ts: threadTs, ...(await render(reply, null)) });
    } catch (e) {
      log.error({ err: describeError(e, secrets), ...context }, 'posting a Slack reply failed');
      try {
        await web.chat.postMessage({ ...POST_OPTIONS, channel, thread_ts: threadTs, text: APOLOGY });
      } catch (e2) {
        log.error({ err: describeError(e2, secrets), ...context }, 'sending the apology failed too');
      }
    }
  };

  /**
   * Who may change a channel's subscriptions. Without SLACK_MANAGERS, anyone in the channel (as
   * Slack's own apps do); with it, those users, and workspace admins and owners (users.info).
   * https://docs.slack.dev/reference/methods/users.info
   */
  const mayManage = async (web: webApi.WebClient, user: string | undefined): Promise<boolean> => {
    const managers = config.managers;
    if (!managers || managers.length === 0) return true;
    if (!user) return false;
    if (managers.includes(user)) return true;
    try {
      const who = usersInfoSchema.safeParse(await web.users.info({ user }));
      return who.success && (who.data.user.is_admin === true || who.data.user.is_owner === true);
    } catch (e) {
      log.warn({ err: describeError(e, secrets), user }, 'could not check whether a Slack user is an admin (users.info; needs users:read)');
      return false;
    }
  };

  /** Every Caller this adapter hands the dispatcher (slash commands, mentions, DMs, buttons), so none lacks `mayManage`. */
  const slackCaller = (
    ws: { web: webApi.WebClient; key: string | undefined },
    at: {
      user?: string | undefined;
      channel?: string | undefined;
      team?: string | undefined;
      thread?: string;
      direct?: boolean;
    },
  ): Caller => ({
    platform: 'slack',
    // NOTE: in OAuth mode ids carry their workspace, so what the core keys by them never mixes two workspaces.
    ...(at.user ? { user: qualify(ws.key, at.user) } : {}),
    ...(at.channel ? { channel: qualify(ws.key, at.channel) } : {}),
    ...(at.team ? { guildId: at.team } : {}),
    ...(at.thread ? { thread: at.thread } : {}),
    ...(at.direct ? { direct: true } : {}),
    mayManage: () => mayManage(ws.web, at.user),
  });

  app.command(/.*/, async ({ ack, respond, body, context }) => {
    const cmd = slashSchema.safeParse(body);
    if (!cmd.success || !commandNames.includes(cmd.data.command)) {
      await ack({ response_type: 'ephemeral', text: `This app answers ${commandNames.join(', ')}.` });
      return;
    }
    await ack();
    const channel = cmd.data.channel_id;
    const caller = slackCaller(workspaceOf(context), {
      user: cmd.data.user_id,
      channel,
      team: cmd.data.team_id,
      // NOTE: a slash command in a DM comes from channel D… (named "directmessage"): there is no channel to post into.
      direct: channel?.startsWith('D') === true || cmd.data.channel_name === 'directmessage',
    });
    // `/papers trending 2025-11-27` → trending; unknown first words are a search; nothing is help.
    const line = unescapeMrkdwn(cmd.data.text);
    const reply = await dispatcher.runText(line, caller);
    await respondWith(respond, reply, { share: { line }, replace: false, context: { slash: cmd.data.command, ...caller } });
  });

  const answerMessage = async (event: unknown, ws: ReturnType<typeof workspaceOf>, botUserId: string | undefined, kind: 'mention' | 'dm') => {
    const parsed = messageEventSchema.safeParse(event);
    if (!parsed.success) {
      log.warn({ kind, issues: parsed.error.issues.length }, 'ignored a malformed Slack message event');
      return;
    }
    const ev = parsed.data;
    // NOTE: Bolt's ignoreSelf drops our own messages too; this also drops other bots and edits.
    if (ev.bot_id || ev.subtype || (botUserId && ev.user === botUserId)) return;
    let text = ev.text;
    if (botUserId) text = text.split(`<@${botUserId}>`).join(' ');
    text = unescapeMrkdwn(text.replace(/^\s*(<@[A-Z0-9]+(\|[^>]*)?>\s*)+/, ''));
    // NOTE: the thread is the mention's own ts when it starts one; follow-ups in it carry that as thread_ts.
    const thread = ev.thread_ts ?? ev.ts;
    const { web } = ws;
    const caller = slackCaller(ws, { user: ev.user, channel: ev.channel, thread, direct: kind === 'dm' || ev.channel_type === 'im' });
    const context = { kind, ...caller };
    const pending = dispatcher.runText(text, caller);
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>((resolve) => {
      timer = setTimeout(() => resolve('slow'), thinkingAfterMs);
    });
    const first = await Promise.race([pending, slow]);
    clearTimeout(timer);
    if (first !== 'slow') {
      await postInThread(web, ev.channel, thread, first, context);
      return;
    }
    // Slow: say so at once, then put the answer in that message's place (nothing unchecked is shown meanwhile).
    let placeholder: string | undefined;
    try {
      const r = await web.chat.postMessage({ ...POST_OPTIONS, channel: ev.channel, thread_ts: thread, text: THINKING });
      placeholder = typeof r.ts === 'string' ? r.ts : undefined;
    } catch (e) {
      log.warn({ err: describeError(e, secrets), ...context }, 'could not post the thinking message');
    }
    const reply = await pending;
    if (!placeholder) {
      await postInThread(web, ev.channel, thread, reply, context);
      return;
    }
    try {
      await web.chat.update({ channel: ev.channel, ts: placeholder, parse: 'none', link_names: false, ...(await render(reply, null)) });
    } catch (e) {
      log.error({ err: describeError(e, secrets), ...context }, 'replacing the thinking message failed');
      await postInThread(web, ev.channel, thread, reply, context);
    }
  };

  app.event('app_mention', async ({ event, context }) => {
    await answerMessage(event, workspaceOf(context), context.botUserId, 'mention');
  });

  app.event('message', async ({ event, context }) => {
    const channelType = (event as { channel_type?: unknown }).channel_type;
    if (channelType !== 'im') return;
    await answerMessage(event, workspaceOf(context), context.botUserId, 'dm');
  });

  if (installer && installations) {
    // The workspace removed the app, or revoked its bot token: its installation goes at once, so every replica stops
    // its posts and alerts (they look the token up per send); what it set up is kept 30 days for a reinstall.
    // https://docs.slack.dev/reference/events/app_uninstalled and https://docs.slack.dev/reference/events/tokens_revoked
    const forget = async (context: Context, why: string) => {
      const key = installKeyOf(context);
      if (!key) return;
      const removed = await installations.remove('slack', key);
      log.info({ team: key, why, removed }, 'Slack workspace removed: its posts and alerts stop; its subscriptions are kept 30 days for a reinstall');
    };
    app.event('app_uninstalled', async ({ context }) => forget(context, 'app_uninstalled'));
    app.event('tokens_revoked', async ({ event, context }) => {
      // NOTE: paperboy keeps no user tokens: only a revoked bot token ends the installation.
      if ((event.tokens.bot ?? []).length > 0) await forget(context, 'tokens_revoked');
    });
  }
  registerUnfurls(app, { dispatcher, workspace: workspaceOf, log, secrets, caller: (ws, at) => slackCaller(ws, at) });

  // Link buttons also send an action; it only needs acknowledging.
  app.action(new RegExp(`^${ACTIONS.link}_`), async ({ ack }) => {
    await ack();
  });

  /**
   * Acknowledges a button click and reads it: who clicked where, whether the message is private,
   * and the button's value as `read` understands it. A value that is not (or no longer) ours is
   * answered with {@link EXPIRED_MESSAGE} and gives null.
   */
  const click = async <T>(
    args: ClickArgs,
    name: string,
    read: (value: string | undefined) => T | null | Promise<T | null>,
  ): Promise<{ caller: Caller; ephemeral: boolean; value: T } | null> => {
    await args.ack();
    const b = actionBodySchema.safeParse(args.body);
    const a = actionSchema.safeParse(args.action);
    const who = b.success ? b.data : {};
    const channel = who.channel?.id;
    // NOTE: a button on a message in a thread carries the thread (message.thread_ts, or the container's for an
    // ephemeral message), so a page turned there renumbers that thread's list: after More, "7" is the 7th paper shown.
    const thread = who.message?.thread_ts ?? who.container?.thread_ts;
    const caller = slackCaller(workspaceOf(args.context), { user: who.user?.id, channel, thread, direct: channel?.startsWith('D') === true });
    const value = await read(a.success ? a.data.value : undefined);
    if (value === null) {
      await respondWith(
        args.respond,
        { kind: 'text', lines: [EXPIRED_MESSAGE], visibility: 'ephemeral' },
        { share: null, replace: false, context: { action: name, ...caller } },
      );
      return null;
    }
    return { caller, ephemeral: b.success ? b.data.container?.is_ephemeral === true : true, value };
  };

  const readCursor = async (raw: string | undefined): Promise<PagerCursor | null> => {
    const value = parseJson(moreValueSchema, raw);
    return value === null ? null : 'k' in value ? cursors.get(value.k) : parseCursor(value.c);
  };

  app.action(ACTIONS.more, async (args) => {
    const c = await click(args, 'more', readCursor);
    if (!c) return;
    const inv: Invocation = { command: c.value.command, input: { ...c.value.input, offset: c.value.offset } };
    const reply = await dispatcher.run(inv, c.caller);
    // Pages are always private. A private list turns its own page; a public one (trending in the
    // channel) stays as it is for everyone else, and the clicking user gets the next page privately,
    // with its own More button, which from then on turns that private page.
    await respondWith(args.respond, asPrivate(reply), { share: inv, replace: c.ephemeral && reply.kind !== 'error', context: { action: 'more', ...c.caller } });
  });

  app.action(ACTIONS.share, async (args) => {
    const c = await click(args, 'share', (raw) => parseJson(shareValueSchema, raw));
    if (!c) return;
    const reply = 'line' in c.value ? await dispatcher.runText(c.value.line, c.caller) : await dispatcher.run(toInvocation(c.value), c.caller);
    await respondWith(args.respond, asPublic(reply), { share: null, replace: false, context: { action: 'share', ...c.caller } });
  });

  app.action(new RegExp(`^${ACTIONS.pick}_\\d+$`), async (args) => {
    const c = await click(args, 'pick', (raw) => parseJson(invocationSchema, raw));
    if (!c) return;
    const inv = toInvocation(c.value);
    const reply = await dispatcher.run(inv, c.caller);
    await respondWith(args.respond, reply, { share: inv, replace: true, context: { action: 'pick', ...c.caller } });
  });

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
        // Fail fast on a bad token: otherwise every event fails authorization, which looks like a signing problem.
        const probe = new webApi.WebClient(config.botToken, startupClientOptions);
        const checked = probe.auth.test().then(
          (r) => ({ ok: true, result: r }) as const,
          (e: unknown) => ({ ok: false, error: e }) as const,
        );
        const r = await within(checked, connectTimeoutMs, life.signal);
        if (r === 'stopped') throw new Error('Slack start-up was stopped before the bot token was checked.');
        if (r === 'timeout') {
          life.abort();
          throw new Error(
            `Could not reach the Slack Web API at ${apiHost} (SLACK_API_URL) within ${seconds(connectTimeoutMs)}: no answer to auth.test (timed out).`,
          );
        }
        if (!r.ok) throw new Error(tokenCheckFailure(r.error, apiHost));
        const who = authTestSchema.safeParse(r.result);
        if (!who.success) throw new Error(`The Slack Web API at ${apiHost} (SLACK_API_URL) answered auth.test without the bot's user id.`);
        identity = { botUserId: who.data.user_id, ...(who.data.bot_id ? { botId: who.data.bot_id } : {}) };
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

const authTestSchema = z.object({ user_id: z.string().min(1), bot_id: z.string().min(1).optional() });

/** The host of a URL as operators configured it ("slack.com", "127.0.0.1:3000"). */
function hostOf(url: string): string {
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

function toInvocation(v: z.infer<typeof invocationSchema>): Invocation {
  return { command: v.command, ...(v.input !== undefined ? { input: v.input } : {}), ...(v.text !== undefined ? { text: v.text } : {}) };
}

/** What a button handler gets from Bolt that {@link createSlackAdapter}'s `click` reads. */
interface ClickArgs {
  ack: () => Promise<void>;
  context: Context;
  body: unknown;
  action: unknown;
  respond: RespondFn;
}
