// A fake Discord on 127.0.0.1: REST API and gateway (ws) that the real discord.js client talks to, and signed HTTP interaction delivery.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * How the answer to a message Discord did create is lost: a 500 instead of it, the connection reset,
 * or no answer ever.
 */
export type LostAnswer = 'http500' | 'reset' | 'hang';

/** Discord's epoch (2015-01-01), from which snowflakes count milliseconds. */
const DISCORD_EPOCH = 1_420_070_400_000n;

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** When the fake received it (performance.now(), milliseconds): benchmarks time answers by it. */
  at: number;
}

/**
 * How the gateway misbehaves: `hang` accepts the upgrade request and never answers it; `close` completes
 * the upgrade and closes with `code`, at once or (`afterIdentify`) when the client identifies.
 */
export type GatewayFault = { kind: 'hang' } | { kind: 'close'; code: number; reason?: string; afterIdentify?: boolean };

export interface FakeGuild {
  id: string;
  channels: { id: string; name: string }[];
  /** The guild's owner (default: the test user, who then holds every permission in messages). */
  ownerId?: string;
}

interface Connection {
  ws: WebSocket;
  shard: [number, number];
}

/** A payload's body as Discord messages carry it. */
export interface MessageBody {
  content?: string;
  flags?: number;
  embeds?: { title?: string; description?: string; fields?: { name: string; value: string }[]; footer?: { text: string } }[];
  components?: { components: { custom_id?: string; label?: string }[] }[];
  allowed_mentions?: { parse?: string[] };
  message_reference?: { message_id?: string };
}

/** Answer bodies of interaction callbacks and webhook edits. */
export interface CallbackBody {
  type: number;
  data?: MessageBody & { choices?: { name: string; value: string }[] };
}

export const BOT_ID = '900000000000000001';
export const USER = { id: '800000000000000001', username: 'ada', discriminator: '0', global_name: 'Ada', avatar: null, bot: false };
const BOT_USER = { id: BOT_ID, username: 'paperboy', discriminator: '0', global_name: null, avatar: null, bot: true };
// NOTE: a fixed timestamp keeps payloads deterministic; discord.js only parses it.
const TIMESTAMP = '2025-11-27T15:00:00.000+00:00';

/** The routing rule, written independently of the adapter so the test checks it rather than repeats it. */
export function fakeShardOf(guildId: string, count: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

/**
 * Snowflake-shaped ids that land on a chosen shard: `(k << 22)` lands on shard `k % count`.
 */
export function guildIdOnShard(k: number): string {
  return String(BigInt(1000 + k) << 22n);
}

/** What an Interactions Endpoint URL answered to one delivery. */
export interface Delivered {
  status: number;
  body: unknown;
}

/** An Ed25519 key pair as an application has one: the public key in hex (what DISCORD_PUBLIC_KEY holds), the private key to sign with. */
export function applicationKeys(): { publicKeyHex: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // NOTE: the raw 32 key bytes are the last 32 of the DER (SPKI) encoding.
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKeyHex: der.subarray(der.length - 32).toString('hex'), privateKey };
}

/** The headers Discord signs an interaction with: Ed25519 over the timestamp (seconds) and the raw body. */
export function signedHeaders(privateKey: KeyObject, body: string, timestampSeconds: number): Record<string, string> {
  const timestamp = String(timestampSeconds);
  const signature = sign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
  return { 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp };
}

export class FakeDiscord {
  readonly requests: FakeRequest[] = [];
  /**
   * When set, interactions are POSTed to this URL signed with `signingKey`, as Discord does for an app with an
   * Interactions Endpoint URL, and none comes over the gateway. A 200 answer is recorded in `requests` as the
   * callback it stands for (`POST /api/v10/interactions/{id}/{token}/callback`), so answers read the same either way.
   */
  interactionsUrl: string | null = null;
  signingKey: KeyObject | null = null;
  /** Every delivery's answer, in order (refusals included). */
  readonly deliveries: Delivered[] = [];
  /** Messages the bot sent into channels, with the ids they were given. */
  readonly sent: Array<{ id: string; channelId: string; body: MessageBody; at: number }> = [];
  /** Answers to lose, one per message that is created (see {@link LostAnswer}). */
  readonly lostAnswers: LostAnswer[] = [];
  /** How long Discord remembers a nonce sent with `enforce_nonce` (milliseconds; Discord says "a few minutes"). */
  nonceWindowMs = 5 * 60_000;
  /** How long each message creation takes to answer (milliseconds), as a slow Discord. */
  postDelayMs = 0;
  /** How many of the next message creations answer HTTP 500 without creating anything (a Discord that failed before the message). */
  failPosts = 0;
  /** When set, listing a channel's messages answers (what it found on arrival) only once this resolves (held by a test's gate). */
  messagesWait: (() => Promise<void>) | null = null;
  readonly guilds: FakeGuild[];
  /** `shards` in the `GET /gateway/bot` answer. */
  shardCount = 1;
  /** Fault modes (off by default): the gateway URL handed out, and how the gateway behaves. */
  gatewayUrl: string | null = null;
  gatewayFault: GatewayFault | null = null;
  /** Gateway upgrade requests received (any fault mode). */
  upgrades = 0;
  private permissions = '0';
  /** Channels where posting fails with Discord's JSON error (e.g. 50001 Missing Access), by channel id. */
  readonly refusedChannels = new Map<string, { status: number; code: number; message: string }>();
  private readonly held = new Set<import('node:stream').Duplex>();
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly connections: Connection[] = [];
  private readonly failures: { match: (r: FakeRequest) => boolean; status: number }[] = [];
  private readonly waiters: { pred: (r: FakeRequest) => boolean; resolve: (r: FakeRequest) => void }[] = [];
  private seq = 0;
  private nextId = 1n;
  port = 0;

  constructor(guilds: FakeGuild[]) {
    this.guilds = guilds;
    this.server = http.createServer((req, res) => this.onHttp(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      this.upgrades += 1;
      const fault = this.gatewayFault;
      if (fault?.kind === 'hang') {
        this.held.add(socket);
        // NOTE: the server side is half-open by default: read the client's end and close too.
        socket.resume();
        socket.on('end', () => socket.destroy());
        socket.on('close', () => this.held.delete(socket));
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        if (fault?.kind === 'close' && !fault.afterIdentify) ws.close(fault.code, fault.reason);
        else this.onSocket(ws);
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /**
   * The test user's permissions (a decimal bitfield): what guild interactions carry in `member.permissions`,
   * and (as the @everyone role's permissions, sent with GUILD_ROLE_UPDATE) what discord.js computes for
   * their messages in a guild the user does not own.
   */
  get memberPermissions(): string {
    return this.permissions;
  }

  set memberPermissions(bits: string) {
    this.permissions = bits;
    if (this.connections.length === 0) return;
    for (const g of this.guilds) this.dispatch('GUILD_ROLE_UPDATE', { guild_id: g.id, role: everyoneRole(g, bits) }, g.id);
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** A fresh snowflake from the real clock, as Discord's ids are, later than every one before. */
  snowflake(): string {
    const fromTime = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
    this.nextId = fromTime > this.nextId ? fromTime : this.nextId + 1n;
    return String(this.nextId);
  }

  /** The messages the bot created in `channelId`, oldest first. */
  messagesIn(channelId: string): Array<{ id: string; body: MessageBody }> {
    return this.sent.filter((m) => m.channelId === channelId);
  }

  /** Every IDENTIFY the gateway received: which shard, with which intents bitfield. */
  readonly identified: Array<{ shard: [number, number]; intents: number }> = [];

  /** Upgrade requests left unanswered by the `hang` fault whose socket the client has not closed. */
  get heldSockets(): number {
    return this.held.size;
  }

  /** Makes the next request matching `match` fail with `status` (a 429 comes with Discord's rate-limit body and headers). */
  /** DM channels opened with POST /users/@me/channels: channel id → the user it reaches. */
  readonly dmChannels = new Map<string, string>();
  /** Users whose DMs refuse the bot (Discord answers 403, code 50007 "Cannot send messages to this user"). */
  readonly refusingDms = new Set<string>();

  /** The messages the bot sent into DM channels, with the user each reached. */
  directMessages(): Array<{ user: string; body: MessageBody }> {
    return this.requests.flatMap((q) => {
      const m = q.method === 'POST' ? /^\/api\/v10\/channels\/(\d+)\/messages$/.exec(q.path) : null;
      const user = m ? this.dmChannels.get(m[1] ?? '') : undefined;
      return user === undefined ? [] : [{ user, body: q.body as MessageBody }];
    });
  }

  failNext(match: (r: FakeRequest) => boolean, status = 500): void {
    this.failures.push({ match, status });
  }

  /** Resolves with the first request (past or future) that satisfies `pred`. */
  waitFor(pred: (r: FakeRequest) => boolean): Promise<FakeRequest> {
    const found = this.requests.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  async close(): Promise<void> {
    for (const s of this.held) s.destroy();
    for (const c of this.connections) c.ws.terminate();
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- gateway -------------------------------------------------------------------------

  private send(ws: WebSocket, payload: unknown): void {
    ws.send(JSON.stringify(payload));
  }

  private onSocket(ws: WebSocket): void {
    this.send(ws, { op: 10, d: { heartbeat_interval: 45_000 } });
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { op: number; d?: { shard?: [number, number]; intents?: number } };
      if (msg.op === 1) this.send(ws, { op: 11 });
      if (msg.op === 2) {
        const fault = this.gatewayFault;
        if (fault?.kind === 'close' && fault.afterIdentify) {
          ws.close(fault.code, fault.reason);
          return;
        }
        this.identified.push({ shard: msg.d?.shard ?? [0, 1], intents: msg.d?.intents ?? 0 });
        this.identify(ws, msg.d?.shard ?? [0, 1]);
      }
    });
    ws.on('close', () => {
      const i = this.connections.findIndex((c) => c.ws === ws);
      if (i >= 0) this.connections.splice(i, 1);
    });
  }

  private guildsOf(shard: [number, number]): FakeGuild[] {
    return this.guilds.filter((g) => fakeShardOf(g.id, shard[1]) === shard[0]);
  }

  private identify(ws: WebSocket, shard: [number, number]): void {
    const guilds = this.guildsOf(shard);
    this.send(ws, {
      op: 0,
      t: 'READY',
      s: ++this.seq,
      d: {
        v: 10,
        session_id: `session-${shard[0]}`,
        resume_gateway_url: `ws://127.0.0.1:${this.port}/gateway`,
        shard,
        guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
        user: { ...BOT_USER, flags: 0, verified: true, mfa_enabled: false },
        application: { id: BOT_ID, flags: 0 },
      },
    });
    for (const g of guilds) {
      this.send(ws, { op: 0, t: 'GUILD_CREATE', s: ++this.seq, d: guildPayload(g, this.permissions) });
    }
    this.connections.push({ ws, shard });
  }

  /** Closes every gateway session from Discord's side with `code`, as a failing gateway would. */
  dropGateway(code: number, reason = 'fake drop'): void {
    for (const c of this.connections) c.ws.close(code, reason);
  }

  /** Sends a dispatch to the session holding `guildId` (shard 0 for DMs). */
  dispatch(t: string, d: unknown, guildId?: string): void {
    const target = this.connections.find((c) => (guildId ? fakeShardOf(guildId, c.shard[1]) : 0) === c.shard[0]);
    if (!target) throw new Error(`no gateway session holds ${guildId ?? 'DMs'}`);
    this.send(target.ws, { op: 0, t, s: ++this.seq, d });
  }

  // ---- events a user causes --------------------------------------------------------------

  private interaction(
    type: number,
    data: unknown,
    where: { guildId?: string; channelId: string },
    extra: Record<string, unknown> = {},
  ): { id: string; token: string } {
    const payload = this.interactionPayload(type, data, where, extra);
    if (this.interactionsUrl) void this.deliverInteraction(payload).catch((e: unknown) => this.deliveries.push({ status: 0, body: String(e) }));
    else this.dispatch('INTERACTION_CREATE', payload, where.guildId);
    return { id: payload.id, token: payload.token };
  }

  private interactionPayload(
    type: number,
    data: unknown,
    where: { guildId?: string; channelId: string },
    extra: Record<string, unknown>,
  ): Record<string, unknown> & { id: string; token: string } {
    const id = this.snowflake();
    const token = `itoken-${id}`;
    const place = where.guildId
      ? {
          guild_id: where.guildId,
          channel: { id: where.channelId, type: 0 },
          member: { user: USER, roles: [], joined_at: TIMESTAMP, deaf: false, mute: false, permissions: this.permissions, flags: 0 },
        }
      : { channel: { id: where.channelId, type: 1 }, user: USER };
    return {
      id,
      application_id: BOT_ID,
      type,
      token,
      version: 1,
      entitlements: [],
      authorizing_integration_owners: {},
      channel_id: where.channelId,
      app_permissions: '0',
      locale: 'en-US',
      ...(where.guildId ? { guild_locale: 'en-US' } : {}),
      ...place,
      data,
      ...extra,
    };
  }

  /**
   * POSTs `payload` to the Interactions Endpoint URL as Discord does (signed now, unless `headers` say otherwise)
   * and resolves with the answer; a 200 is recorded as the interaction's callback.
   */
  async deliver(payload: unknown, headers?: Record<string, string>): Promise<Delivered> {
    const url = this.interactionsUrl;
    if (!url) throw new Error('the fake has no interactions URL');
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const signed = headers ?? this.sign(text, Math.floor(Date.now() / 1000));
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body: text,
      signal: AbortSignal.timeout(10_000),
    });
    const raw = await res.text();
    let body: unknown = raw;
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      // not JSON: kept as text
    }
    const answer = { status: res.status, body };
    this.deliveries.push(answer);
    return answer;
  }

  /** The signature headers for `body` dated `timestampSeconds`, with the fake's signing key. */
  sign(body: string, timestampSeconds: number): Record<string, string> {
    if (!this.signingKey) throw new Error('the fake has no signing key');
    return signedHeaders(this.signingKey, body, timestampSeconds);
  }

  private async deliverInteraction(payload: { id: string; token: string }): Promise<void> {
    const answer = await this.deliver(payload);
    if (answer.status !== 200) return;
    this.record({
      method: 'POST',
      path: `/api/v10/interactions/${payload.id}/${payload.token}/callback`,
      query: new URLSearchParams(),
      headers: {},
      body: answer.body,
      at: performance.now(),
    });
  }

  /** A slash command's payload without delivering it (for tests that sign or break it themselves). */
  commandPayload(sub: string, options: Record<string, string | number>, where = this.defaultPlace()): Record<string, unknown> & { id: string; token: string } {
    const opts = Object.entries(options).map(([name, value]) => ({ name, type: typeof value === 'number' ? 4 : 3, value }));
    return this.interactionPayload(2, { id: '700000000000000001', name: 'papers', type: 1, options: [{ name: sub, type: 1, options: opts }] }, where, {});
  }

  /** `/papers <sub> option:value…` in a guild channel. */
  command(sub: string, options: Record<string, string | number>, where = this.defaultPlace()): { id: string; token: string } {
    const opts = Object.entries(options).map(([name, value]) => ({ name, type: typeof value === 'number' ? 4 : 3, value }));
    return this.interaction(2, { id: '700000000000000001', name: 'papers', type: 1, options: [{ name: sub, type: 1, options: opts }] }, where);
  }

  /**
   * A message command (the message's Apps menu, e.g. "Paper card") used on a message with `content`:
   * the interaction carries the target message itself (content included, no intent needed).
   * https://discord.com/developers/docs/interactions/application-commands#message-commands
   */
  messageCommand(
    name: string,
    content: string,
    where = this.defaultPlace(),
    embeds: Array<{ url?: string; title?: string }> = [],
  ): { id: string; token: string } {
    const targetId = this.snowflake();
    const target = {
      ...messageObject(where.channelId, targetId, { content, embeds: embeds as MessageBody['embeds'] }, USER),
      ...(where.guildId ? { guild_id: where.guildId } : {}),
    };
    return this.interaction(2, { id: '700000000000000002', name, type: 3, target_id: targetId, resolved: { messages: { [targetId]: target } } }, where);
  }

  /** The user typing `partial` into option `focused` of `/papers <sub>`. */
  autocomplete(sub: string, focused: string, partial: string, where = this.defaultPlace()): { id: string; token: string } {
    return this.interaction(
      4,
      {
        id: '700000000000000001',
        name: 'papers',
        type: 1,
        options: [{ name: sub, type: 1, options: [{ name: focused, type: 3, value: partial, focused: true }] }],
      },
      where,
    );
  }

  /** The user clicking a button with `customId` on a message the bot sent (`messageId`, when the test knows which). */
  button(customId: string, where = this.defaultPlace(), messageId = this.snowflake()): { id: string; token: string } {
    const message = messageObject(where.channelId, messageId, {}, BOT_USER);
    return this.interaction(3, { custom_id: customId, component_type: 2 }, where, { message });
  }

  /** A message in a channel (guild) or a DM (no guild); `author` defaults to a human user; `replyTo` makes it a reply to that message. */
  message(
    content: string,
    where: { guildId?: string; channelId: string },
    author: Record<string, unknown> = USER,
    mentionsBot = false,
    replyTo?: string,
  ): string {
    const id = this.snowflake();
    const msg = messageObject(where.channelId, id, { content }, author);
    const d = {
      ...msg,
      ...(replyTo
        ? { type: 19, message_reference: { message_id: replyTo, channel_id: where.channelId, ...(where.guildId ? { guild_id: where.guildId } : {}) } }
        : {}),
      mentions: mentionsBot ? [BOT_USER] : [],
      // NOTE: Discord sends channel_type with MESSAGE_CREATE; discord.js needs it to build an uncached DM channel.
      channel_type: where.guildId ? 0 : 1,
      ...(where.guildId ? { guild_id: where.guildId, member: { roles: [], joined_at: TIMESTAMP, deaf: false, mute: false, flags: 0 } } : {}),
    };
    this.dispatch('MESSAGE_CREATE', d, where.guildId);
    return id;
  }

  botUser(): Record<string, unknown> {
    return BOT_USER;
  }

  defaultPlace(): { guildId: string; channelId: string } {
    const g = this.guilds[0];
    const c = g?.channels[0];
    if (!g || !c) throw new Error('the fake has no guild');
    return { guildId: g.id, channelId: c.id };
  }

  /**
   * The visible answer to an interaction: the reply callback (type 4), an autocomplete answer
   * (type 8), or after a deferral (type 5) the edit of the original or a follow-up.
   */
  async answer(
    token: string,
  ): Promise<{ via: 'reply' | 'edit' | 'followup' | 'choices'; body: MessageBody & { choices?: { name: string; value: string }[] } }> {
    const r = await this.waitFor(
      (q) =>
        q.path.includes(`/${token}`) &&
        ((q.path.endsWith('/callback') && (q.body as CallbackBody).type !== 5) ||
          (q.method === 'PATCH' && q.path.endsWith('/messages/@original')) ||
          (q.method === 'POST' && q.path.startsWith('/api/v10/webhooks/'))),
    );
    if (r.path.endsWith('/callback')) {
      const cb = r.body as CallbackBody;
      return { via: cb.type === 8 ? 'choices' : 'reply', body: cb.data ?? {} };
    }
    if (r.method === 'PATCH') {
      // An edited deferral keeps the visibility the deferral chose.
      // NOTE: over HTTP the deferral is recorded when its answer has been read, which may be just after the edit arrived.
      const deferral = await this.waitFor((q) => q.path.includes(`/${token}/callback`) && (q.body as CallbackBody).type === 5);
      return { via: 'edit', body: { ...(r.body as MessageBody), flags: (deferral?.body as CallbackBody | undefined)?.data?.flags ?? 0 } };
    }
    return { via: 'followup', body: r.body as MessageBody };
  }

  /** The id the bot's reply to message `messageId` was given (for a reply to that answer). */
  sentReplyTo(messageId: string): string | undefined {
    return this.sent.find((x) => x.body.message_reference?.message_id === messageId)?.id;
  }

  /** The bot's reply to message `messageId`. */
  async replyTo(messageId: string): Promise<MessageBody> {
    const r = await this.waitFor(
      (q) => q.method === 'POST' && /\/channels\/\d+\/messages$/.test(q.path) && (q.body as MessageBody).message_reference?.message_id === messageId,
    );
    return r.body as MessageBody;
  }

  // ---- REST ------------------------------------------------------------------------------

  private onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    void this.onHttpAsync(req, res);
  }

  private async onHttpAsync(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      if (text !== '') {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          body = text;
        }
      }
      const r: FakeRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers: req.headers,
        body,
        at: performance.now(),
      };
      const failure = this.failures.findIndex((f) => f.match(r));
      if (failure >= 0) {
        const [f] = this.failures.splice(failure, 1);
        // NOTE: a 429 carries what Discord sends with one, so @discordjs/rest waits and retries as it would.
        if (f?.status === 429)
          json(res, 429, { message: 'You are being rate limited.', retry_after: 0.05, global: false }, { 'retry-after': '0.05', 'x-ratelimit-scope': 'user' });
        else json(res, f?.status ?? 500, { message: 'Internal Server Error', code: 0 });
      } else {
        void this.route(r, res, req);
      }
      this.record(r);
    });
  }

  /** Keeps a request and wakes whoever waits for it. */
  private record(r: FakeRequest): void {
    this.requests.push(r);
    for (const w of [...this.waiters]) {
      if (w.pred(r)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(r);
      }
    }
  }

  private async route(r: FakeRequest, res: http.ServerResponse, req: http.IncomingMessage): Promise<void> {
    const p = r.path;
    let m: RegExpExecArray | null;
    if (r.method === 'GET' && p === '/api/v10/gateway/bot') {
      json(res, 200, {
        url: this.gatewayUrl ?? `ws://127.0.0.1:${this.port}/gateway`,
        shards: this.shardCount,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
      });
      return;
    }
    if (r.method === 'POST' && /^\/api\/v10\/interactions\/\d+\/[^/]+\/callback$/.test(p)) {
      // NOTE: no content-type on the empty 204, or @discordjs/rest tries to parse a body and throws.
      res.writeHead(204);
      res.end();
      return;
    }
    if ((m = /^\/api\/v10\/webhooks\/\d+\/[^/]+(\/messages\/@original)?$/.exec(p))) {
      if (r.method === 'DELETE') {
        res.writeHead(204);
        res.end();
        return;
      }
      json(res, 200, messageObject(this.defaultPlace().channelId, this.snowflake(), (r.body ?? {}) as MessageBody, BOT_USER));
      return;
    }
    if (r.method === 'GET' && (m = /^\/api\/v10\/channels\/(\d+)$/.exec(p))) {
      const id = m[1] ?? '';
      const guild = this.guilds.find((g) => g.channels.some((c) => c.id === id));
      const ch = guild?.channels.find((c) => c.id === id);
      if (!guild || !ch) json(res, 404, { message: 'Unknown Channel', code: 10003 });
      else json(res, 200, channelPayload(guild.id, ch));
      return;
    }
    if (r.method === 'POST' && p === '/api/v10/users/@me/channels') {
      // https://discord.com/developers/docs/resources/user#create-dm
      const recipient = String((r.body as { recipient_id?: unknown } | null)?.recipient_id ?? '');
      const existing = [...this.dmChannels].find(([, u]) => u === recipient)?.[0];
      const id = existing ?? this.snowflake();
      this.dmChannels.set(id, recipient);
      json(res, 200, { id, type: 1, last_message_id: null, recipients: [{ ...USER, id: recipient }] });
      return;
    }
    if (r.method === 'POST' && (m = /^\/api\/v10\/channels\/(\d+)\/messages$/.exec(p)) && this.refusingDms.has(this.dmChannels.get(m[1] ?? '') ?? '')) {
      json(res, 403, { message: 'Cannot send messages to this user', code: 50007 });
      return;
    }
    if (r.method === 'POST' && (m = /^\/api\/v10\/channels\/(\d+)\/messages$/.exec(p))) {
      const refused = this.refusedChannels.get(m[1] ?? '');
      if (refused) {
        json(res, refused.status, { message: refused.message, code: refused.code });
        return;
      }
      if (this.failPosts > 0) {
        this.failPosts -= 1;
        json(res, 500, { message: 'Internal Server Error', code: 0 });
        return;
      }
      const channelId = m[1] ?? '';
      const body = (r.body ?? {}) as MessageBody & { nonce?: string | number; enforce_nonce?: boolean };
      // https://discord.com/developers/docs/resources/message#create-message: with enforce_nonce, a nonce seen in the
      // last few minutes from the same author answers with that message instead of creating another.
      const same =
        body.enforce_nonce === true && body.nonce !== undefined
          ? this.sent.find((x) => x.channelId === channelId && (x.body as typeof body).nonce === body.nonce && Date.now() - x.at < this.nonceWindowMs)
          : undefined;
      if (same) {
        json(res, 200, { ...messageObject(channelId, same.id, same.body, BOT_USER), nonce: body.nonce });
        return;
      }
      const id = this.snowflake();
      this.sent.push({ id, channelId, body, at: Date.now() });
      if (this.postDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.postDelayMs));
      const lost = this.lostAnswers.shift();
      if (lost === 'http500') json(res, 500, { message: 'Internal Server Error', code: 0 });
      else if (lost === 'reset') req.socket.destroy();
      else if (lost === 'hang') {
        this.held.add(req.socket);
        req.socket.on('close', () => this.held.delete(req.socket));
      } else json(res, 200, { ...messageObject(channelId, id, body, BOT_USER), ...(body.nonce !== undefined ? { nonce: body.nonce } : {}) });
      return;
    }
    if (r.method === 'GET' && (m = /^\/api\/v10\/channels\/(\d+)\/messages$/.exec(p))) {
      // https://discord.com/developers/docs/resources/message#get-channel-messages: newest first; stored messages carry no nonce.
      const channelId = m[1] ?? '';
      const after = BigInt(r.query.get('after') ?? '0');
      const limit = Number(r.query.get('limit') ?? '50');
      const found = this.messagesIn(channelId)
        .filter((x) => BigInt(x.id) > after)
        .reverse()
        .slice(0, limit)
        .map((x) => messageObject(channelId, x.id, x.body, BOT_USER));
      await this.messagesWait?.();
      json(res, 200, found);
      return;
    }
    if (r.method === 'PUT' && /^\/api\/v10\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(p)) {
      const cmds = Array.isArray(r.body) ? (r.body as Record<string, unknown>[]) : [];
      json(
        res,
        200,
        cmds.map((c) => ({ ...c, id: this.snowflake(), application_id: BOT_ID, version: '1' })),
      );
      return;
    }
    json(res, 404, { message: '404: Not Found', code: 0 });
  }
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function channelPayload(guildId: string, c: { id: string; name: string }): Record<string, unknown> {
  return {
    id: c.id,
    type: 0,
    name: c.name,
    guild_id: guildId,
    position: 0,
    permission_overwrites: [],
    nsfw: false,
    parent_id: null,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
  };
}

/** The guild's @everyone role (its id is the guild's), with `permissions`. */
function everyoneRole(g: FakeGuild, permissions: string): Record<string, unknown> {
  return { id: g.id, name: '@everyone', color: 0, hoist: false, position: 0, permissions, managed: false, mentionable: false, flags: 0 };
}

function guildPayload(g: FakeGuild, everyone: string): Record<string, unknown> {
  return {
    id: g.id,
    name: `guild ${g.id}`,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: g.ownerId ?? USER.id,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [everyoneRole(g, everyone)],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    joined_at: TIMESTAMP,
    large: false,
    unavailable: false,
    member_count: 2,
    voice_states: [],
    members: [],
    channels: g.channels.map((c) => channelPayload(g.id, c)),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
  };
}

function messageObject(channelId: string, id: string, body: MessageBody, author: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    channel_id: channelId,
    author,
    content: body.content ?? '',
    timestamp: TIMESTAMP,
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: body.embeds ?? [],
    components: body.components ?? [],
    pinned: false,
    type: 0,
    flags: body.flags ?? 0,
  };
}

/** What a user reads from a message body: escaping undone, as Discord renders it. */
export function unescape(s: string): string {
  return s.replace(/\\([^A-Za-z0-9\s])/g, '$1');
}

/** Reduces a sent message body to what the adapter contract compares across platforms. */
export function seenFrom(body: MessageBody): { ephemeral: boolean; titles: string[]; text: string; pings: boolean } {
  const embeds = body.embeds ?? [];
  const raw = [
    body.content ?? '',
    ...embeds.flatMap((e) => [e.title ?? '', e.description ?? '', ...(e.fields ?? []).flatMap((f) => [f.name, f.value]), e.footer?.text ?? '']),
    ...(body.components ?? []).flatMap((row) => row.components.map((c) => c.label ?? '')),
  ];
  const parse = body.allowed_mentions?.parse;
  const unescapedPing = raw.some((t) => /(?<!\\)@(everyone|here)/i.test(t));
  return {
    ephemeral: ((body.flags ?? 0) & 64) !== 0,
    // NOTE: an answer's cards carry their citation number before the title (`[1] KIVI: …`).
    titles: embeds.map((e) => unescape(e.title ?? '').replace(/^\[\d+\] /, '')).filter((t) => t !== ''),
    text: unescape(raw.filter((t) => t !== '').join('\n')),
    pings: !(Array.isArray(parse) && parse.length === 0) || unescapedPing,
  };
}
