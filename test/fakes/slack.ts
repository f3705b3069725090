// A fake Slack on 127.0.0.1: the Web API under /api/*, response_url endpoints, and a Socket Mode WebSocket.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';

/** One Web API call as the real client sent it: form fields, with `blocks` parsed back from JSON. */
export interface ApiCall {
  method: string;
  token: string | undefined;
  args: Record<string, unknown>;
}

/** One POST to a response_url (what Bolt's `respond()` sends). */
export interface ResponseCall {
  id: string;
  body: Record<string, unknown>;
}

export type Failure = 'http500' | 'okFalse';

/**
 * How the answer to a chat.postMessage that Slack did accept (the message is in the channel) is lost:
 * a 500 instead of the answer, the connection reset, or no answer ever.
 */
export type LostAnswer = 'http500' | 'reset' | 'hang';

/** A message in a channel as the fake keeps it (what conversations.history returns). */
export interface StoredMessage {
  channel: string;
  ts: string;
  text: unknown;
  blocks: unknown;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/**
 * How the Socket Mode websocket misbehaves: `hang` accepts the upgrade request and never answers it;
 * `close` completes the upgrade and closes with `code` before saying hello; `noHello` opens and says nothing.
 */
export type SocketFault = { kind: 'hang' } | { kind: 'close'; code: number; reason?: string } | { kind: 'noHello' };

export const FAKE_TEAM = 'T0FAKE';
export const FAKE_BOT_USER = 'U0BOT';
export const FAKE_BOT_ID = 'B0BOT';

const ackSchema = z.object({ envelope_id: z.string(), payload: z.unknown().optional() });

/**
 * Plays Slack for the real Bolt App. Records every call; `failNext` makes the next outgoing reply
 * (a chat.* call or a response_url post) fail, as Slack does when it is down or rejects a message.
 */
export class FakeSlack {
  readonly calls: ApiCall[] = [];
  readonly responses: ResponseCall[] = [];
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private socket: WebSocket | null = null;
  private socketWaiters: Array<(s: WebSocket) => void> = [];
  private readonly acks = new Map<string, (payload: unknown) => void>();
  private failures: Failure[] = [];
  /** The last ts handed out, in microseconds (ts follow the real clock, as Slack's do). */
  private lastTs = 0;
  /** Messages that landed in channels (DMs included), oldest first. */
  readonly messages: StoredMessage[] = [];
  /** Answers to lose, one per chat.postMessage that lands (see {@link LostAnswer}). */
  readonly lostAnswers: LostAnswer[] = [];
  /** How long each chat.postMessage answer takes (milliseconds), as a slow Slack. */
  postDelayMs = 0;
  /** How many of the next response_url posts are recorded and then never answered (a hung Slack). */
  hangResponses = 0;
  /** conversations.history's `error` when set (e.g. `missing_scope` without channels:history). */
  historyError: string | null = null;
  /** When set, conversations.history answers (what it found on arrival) only once this resolves (a slow Slack, held by a test's gate). */
  historyWait: (() => Promise<void>) | null = null;
  /** When set, conversations.open answers only once this resolves. */
  openWait: (() => Promise<void>) | null = null;
  /**
   * Methods whose next call is answered HTTP 429 with this `Retry-After` (seconds), once each, and does
   * nothing else (no message lands). https://docs.slack.dev/apis/web-api/rate-limits
   */
  readonly rateLimits = new Map<string, number>();
  /** Resolves when the current Socket Mode connection closes. */
  socketClosed: Promise<void> = Promise.resolve();
  /** Fault modes (off by default): auth.test's `error`, the websocket URL handed out, and how the websocket behaves. */
  authTestError: string | null = null;
  /** apps.connections.open's `error` (an app-level token Slack refuses). */
  appTokenError: string | null = null;
  socketUrl: string | null = null;
  socketFault: SocketFault | null = null;
  /** conversations.open's `error` for a user (e.g. `user_not_found`); chat.postMessage into their DM answers `dmErrors` too when set. */
  readonly openErrors = new Map<string, string>();
  /** chat.postMessage's `error` for a user's DM channel (e.g. `cannot_dm_bot`). */
  readonly dmErrors = new Map<string, string>();
  /** DM channels handed out by conversations.open: channel id → the user it reaches. */
  readonly dmChannels = new Map<string, string>();
  /** Websocket upgrade requests received (any fault mode). */
  upgrades = 0;
  /** What users.info says of each user (unknown users: `user_not_found`). */
  readonly users = new Map<string, { is_admin?: boolean; is_owner?: boolean }>();
  /** When set, users.info answers only once this resolves (a slow Slack, held by a test's gate). */
  usersInfoWait: (() => Promise<void>) | null = null;
  /** What chat.unfurl was given, in order: the message (channel and ts, or unfurl_id and source) and the `unfurls` map. */
  readonly unfurls: Array<{ channel?: string; ts?: string; unfurl_id?: string; source?: string; unfurls: Record<string, unknown> }> = [];
  /** Channels where chat.postMessage answers `ok: false` with this error (e.g. `not_in_channel`). */
  readonly refusedChannels = new Map<string, string>();
  private readonly held = new Set<import('node:net').Socket | import('node:stream').Duplex>();
  /**
   * OAuth: the codes Slack's authorize page would hand out, each for one workspace (code → team); a code
   * is exchanged once (oauth.v2.access), as Slack's are. https://docs.slack.dev/reference/methods/oauth.v2.access
   */
  readonly oauthCodes = new Map<string, { team: string; teamName?: string; installer?: string }>();
  /** The client id and secret oauth.v2.access accepts. */
  oauthClient = { id: '1111.2222', secret: 'fake-client-secret' };
  /** Bot tokens handed out by oauth.v2.access: token → the team it acts for (auth.test answers per token). */
  readonly teamTokens = new Map<string, string>();

  constructor() {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, sock, head) => {
      this.upgrades += 1;
      const fault = this.socketFault;
      if (fault?.kind === 'hang') {
        this.held.add(sock);
        // NOTE: the server side is half-open by default: read the client's end and close too.
        sock.resume();
        sock.on('end', () => sock.destroy());
        sock.on('close', () => this.held.delete(sock));
        return;
      }
      this.wss.handleUpgrade(req, sock, head, (ws) => {
        if (fault?.kind === 'close') ws.close(fault.code, fault.reason);
        else if (fault?.kind !== 'noHello') this.onSocket(ws);
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get origin(): string {
    const a = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${a.port}`;
  }

  /** The SLACK_API_URL to give the adapter. */
  get apiUrl(): string {
    return `${this.origin}/api/`;
  }

  /** A fresh response_url for one slash command or action. */
  responseUrl(): string {
    return `${this.origin}/response/${randomUUID()}`;
  }

  failNext(kind: Failure = 'http500'): void {
    this.failures.push(kind);
  }

  /** The bot's chat.postMessage calls into DM channels it opened, with the user each reached. */
  directMessages(): Array<{ user: string; args: Record<string, unknown> }> {
    return this.callsTo('chat.postMessage').flatMap((c) => {
      const user = this.dmChannels.get(String(c.args.channel));
      return user === undefined ? [] : [{ user, args: c.args }];
    });
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Everything the bot sent to users: chat.* calls and response_url posts, in order of arrival. */
  outgoing(): number {
    return this.calls.filter((c) => c.method.startsWith('chat.')).length + this.responses.length;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.origin);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };

    if (url.pathname.startsWith('/response/')) {
      const id = url.pathname.slice('/response/'.length);
      const body = z.record(z.string(), z.unknown()).parse(JSON.parse(raw));
      const failure = this.failures.shift();
      if (failure) {
        res.writeHead(500).end('internal error');
        return;
      }
      this.responses.push({ id, body });
      if (this.hangResponses > 0) {
        this.hangResponses -= 1;
        this.held.add(req.socket);
        req.socket.on('close', () => this.held.delete(req.socket));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }

    if (url.pathname.startsWith('/api/')) {
      const method = url.pathname.slice('/api/'.length);
      const args: Record<string, unknown> = {};
      const type = req.headers['content-type'] ?? '';
      if (type.startsWith('application/json')) Object.assign(args, JSON.parse(raw || '{}'));
      else
        for (const [k, v] of new URLSearchParams(raw))
          args[k] = k === 'blocks' || k === 'attachments' || k === 'metadata' || k === 'unfurls' ? JSON.parse(v) : v;
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
      this.calls.push({ method, token, args });
      const retryAfter = this.rateLimits.get(method);
      if (retryAfter !== undefined) {
        this.rateLimits.delete(method);
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retryAfter) }).end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        return;
      }
      if (method.startsWith('chat.')) {
        const failure = this.failures.shift();
        if (failure === 'http500') return json(500, { ok: false, error: 'internal_error' });
        if (failure === 'okFalse') return json(200, { ok: false, error: 'invalid_blocks' });
      }
      switch (method) {
        case 'oauth.v2.access': {
          if (args.client_id !== this.oauthClient.id || args.client_secret !== this.oauthClient.secret)
            return json(200, { ok: false, error: 'invalid_client_id' });
          const grant = this.oauthCodes.get(String(args.code ?? ''));
          if (!grant) return json(200, { ok: false, error: 'invalid_code' });
          this.oauthCodes.delete(String(args.code));
          const token = `xoxb-${grant.team}-${randomUUID()}`;
          this.teamTokens.set(token, grant.team);
          return json(200, {
            ok: true,
            app_id: 'A0FAKE',
            authed_user: { id: grant.installer ?? `U${grant.team}ADMIN` },
            scope: 'commands,chat:write,chat:write.public,app_mentions:read,channels:history,groups:history,im:history,im:write,users:read',
            token_type: 'bot',
            access_token: token,
            bot_user_id: `U${grant.team}BOT`,
            team: { id: grant.team, name: grant.teamName ?? `Team ${grant.team}` },
            enterprise: null,
            is_enterprise_install: false,
          });
        }
        case 'auth.test':
          if (token !== undefined && this.teamTokens.has(token)) {
            const team = this.teamTokens.get(token) ?? '';
            return json(200, {
              ok: true,
              url: 'https://fake.slack.test/',
              team: `Team ${team}`,
              user: 'paperboy',
              team_id: team,
              user_id: `U${team}BOT`,
              bot_id: `B${team}`,
            });
          }
          if (this.authTestError !== null) return json(200, { ok: false, error: this.authTestError });
          return json(200, {
            ok: true,
            url: 'https://fake.slack.test/',
            team: 'Fake',
            user: 'paperboy',
            team_id: FAKE_TEAM,
            user_id: FAKE_BOT_USER,
            bot_id: FAKE_BOT_ID,
          });
        case 'apps.connections.open':
          if (this.appTokenError !== null) return json(200, { ok: false, error: this.appTokenError });
          return json(200, { ok: true, url: this.socketUrl ?? `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/socket` });
        case 'users.info': {
          await this.usersInfoWait?.();
          const user = this.users.get(String(args.user));
          if (!user) return json(200, { ok: false, error: 'user_not_found' });
          return json(200, { ok: true, user: { id: args.user, team_id: FAKE_TEAM, is_admin: false, is_owner: false, ...user } });
        }
        case 'conversations.open': {
          // https://api.slack.com/methods/conversations.open: `users` opens (or resumes) a 1:1 DM.
          await this.openWait?.();
          const user = String(args.users ?? '');
          const refused = this.openErrors.get(user);
          if (refused) return json(200, { ok: false, error: refused });
          const id = `D${user.replace(/^[UW]/, '')}`;
          this.dmChannels.set(id, user);
          return json(200, { ok: true, no_op: false, already_open: false, channel: { id } });
        }
        case 'chat.postMessage': {
          const refused = this.refusedChannels.get(String(args.channel));
          if (refused) return json(200, { ok: false, error: refused });
          const dmUser = this.dmChannels.get(String(args.channel));
          const dmError = dmUser === undefined ? undefined : this.dmErrors.get(dmUser);
          if (dmError) return json(200, { ok: false, error: dmError });
          const ts = this.nextTs();
          const metadata = args.metadata as StoredMessage['metadata'] | undefined;
          this.messages.push({ channel: String(args.channel), ts, text: args.text, blocks: args.blocks, ...(metadata ? { metadata } : {}) });
          if (this.postDelayMs > 0) await new Promise((r) => setTimeout(r, this.postDelayMs));
          const lost = this.lostAnswers.shift();
          if (lost === 'http500') return json(500, { ok: false, error: 'internal_error' });
          if (lost === 'reset') {
            req.socket.destroy();
            return;
          }
          if (lost === 'hang') {
            this.held.add(req.socket);
            req.socket.on('close', () => this.held.delete(req.socket));
            return;
          }
          return json(200, { ok: true, channel: args.channel, ts, message: { text: args.text } });
        }
        case 'conversations.history': {
          // https://docs.slack.dev/reference/methods/conversations.history: newest first, after `oldest`, metadata only when asked.
          if (this.historyError !== null)
            return json(200, { ok: false, error: this.historyError, ...(this.historyError === 'missing_scope' ? { needed: 'channels:history' } : {}) });
          const oldest = Number(args.oldest ?? 0);
          const withMeta = String(args.include_all_metadata) === 'true';
          const limit = Number(args.limit ?? 100);
          const found = this.messages
            .filter((m) => m.channel === String(args.channel) && Number(m.ts) > oldest)
            .reverse()
            .map((m) => ({ type: 'message', ts: m.ts, text: m.text, bot_id: FAKE_BOT_ID, ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) }));
          // NOTE: the answer is what the channel held when the call arrived, however late it comes back.
          await this.historyWait?.();
          return json(200, { ok: true, messages: found.slice(0, limit), has_more: found.length > limit });
        }
        case 'chat.unfurl': {
          // https://docs.slack.dev/reference/methods/chat.unfurl: channel and ts, or unfurl_id and source, and a JSON map of URL to unfurl.
          const byMessage = typeof args.channel === 'string' && typeof args.ts === 'string';
          const byId = typeof args.unfurl_id === 'string' && typeof args.source === 'string';
          if (!byMessage && !byId) return json(200, { ok: false, error: 'invalid_arguments' });
          const map = z.record(z.string(), z.object({ blocks: z.array(z.unknown()) }).loose()).safeParse(args.unfurls);
          if (!map.success) return json(200, { ok: false, error: 'invalid_unfurls_format' });
          this.unfurls.push({
            ...(byMessage ? { channel: String(args.channel), ts: String(args.ts) } : { unfurl_id: String(args.unfurl_id), source: String(args.source) }),
            unfurls: map.data,
          });
          return json(200, { ok: true });
        }
        case 'chat.postEphemeral':
          return json(200, { ok: true, message_ts: this.nextTs() });
        default:
          return json(200, { ok: true });
      }
    }
    res.writeHead(404).end();
  }

  private onSocket(ws: WebSocket): void {
    this.socket = ws;
    this.socketClosed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data: Buffer) => {
      const parsed = ackSchema.safeParse(JSON.parse(data.toString('utf8')));
      if (!parsed.success) return;
      const resolve = this.acks.get(parsed.data.envelope_id);
      this.acks.delete(parsed.data.envelope_id);
      resolve?.(parsed.data.payload);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake' }, connection_info: { app_id: 'A0FAKE' } }));
    for (const w of this.socketWaiters) w(ws);
    this.socketWaiters = [];
  }

  private connected(): Promise<WebSocket> {
    if (this.socket && this.socket.readyState === this.socket.OPEN) return Promise.resolve(this.socket);
    return new Promise((resolve) => this.socketWaiters.push(resolve));
  }

  /** A fresh ts from the real clock (`seconds.micros`), later than every one before. */
  private nextTs(): string {
    this.lastTs = Math.max(this.lastTs + 1, Date.now() * 1000);
    return `${Math.floor(this.lastTs / 1e6)}.${String(this.lastTs % 1e6).padStart(6, '0')}`;
  }

  /** The team a bot token acts for (tokens from oauth.v2.access; FAKE_TEAM for any other). */
  teamOf(token: string | undefined): string {
    return (token !== undefined ? this.teamTokens.get(token) : undefined) ?? FAKE_TEAM;
  }

  /** The messages that landed in `channel`, oldest first. */
  postsIn(channel: string): StoredMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }

  /** Upgrade requests left unanswered by the `hang` fault whose socket the client has not closed. */
  get heldSockets(): number {
    return this.held.size;
  }

  /** Closes the current Socket Mode connection from Slack's side, as a failing Slack host would. */
  dropSocket(code = 1011, reason = 'fake drop'): void {
    this.socket?.close(code, reason);
  }

  /** Sends a Socket Mode envelope and resolves with the client's ack payload. */
  async sendEnvelope(type: 'slash_commands' | 'events_api' | 'interactive', payload: Record<string, unknown>): Promise<unknown> {
    const ws = await this.connected();
    const envelope_id = randomUUID();
    const acked = new Promise<unknown>((resolve) => this.acks.set(envelope_id, resolve));
    ws.send(JSON.stringify({ envelope_id, type, accepts_response_payload: type !== 'events_api', payload }));
    return acked;
  }

  async close(): Promise<void> {
    for (const sock of this.held) sock.destroy();
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
