// Discord interactions over HTTP (POST /discord/interactions): verified, answered in the response body, or deferred and finished through the interaction webhook.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { InteractionResponseType, InteractionType, Routes, type REST } from 'discord.js';
import { z } from 'zod';
import { describeError } from '../../src/errorInfo.js';
import type { Logger } from '../../src/logger.js';
import { within } from '../../src/serve.js';
import type { InteractionIn, InteractionResponder, InteractionRouter } from './interactions.js';
import { apiBody, EPHEMERAL_FLAG } from './messages.js';
import type { DiscordMessage } from './render.js';
import { verifyDiscordSignature } from './signature.js';

/** The one path Discord posts interactions to (the Interactions Endpoint URL ends with it). */
export const INTERACTIONS_PATH = '/discord/interactions';

/** Discord's interaction payloads stay far below this; a bigger body is refused with 413 before it is verified. */
export const BODY_LIMIT = 1024 * 1024;

/**
 * Server timeouts (milliseconds). Discord sends a small body at once and wants an answer within 3 s, so a request
 * still incomplete after a few seconds is not Discord's and may not hold a socket. https://nodejs.org/api/http.html#serverrequesttimeout
 */
const TIMEOUTS = { requestMs: 10_000, headersMs: 5_000, keepAliveMs: 5_000 };

/** How long `stop()` waits for answers under way (a deferred answer still to be edited in) before it lets them go (milliseconds). */
const DRAIN_MS = 3_000;

const snowflake = z.string().regex(/^\d{1,25}$/);
const userSchema = z.object({ id: snowflake });

/** The fields of an interaction payload paperboy reads; the rest is Discord's. https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object */
const interactionSchema = z.object({
  id: snowflake,
  type: z.number().int(),
  token: z.string().min(1).max(1000).optional(),
  channel_id: snowflake.optional(),
  channel: z.object({ id: snowflake }).optional(),
  guild_id: snowflake.optional(),
  member: z
    .object({
      user: userSchema,
      permissions: z
        .string()
        .regex(/^\d{1,40}$/)
        .optional(),
    })
    .optional(),
  user: userSchema.optional(),
  data: z.unknown().optional(),
  message: z.object({ id: snowflake }).optional(),
});

const commandDataSchema = z.object({ name: z.string(), type: z.number().int().optional(), options: z.array(z.unknown()).optional() });
/** A message command's data: the target message, resolved (content included). https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-resolved-data-structure */
const messageCommandSchema = z.object({
  target_id: snowflake,
  resolved: z.object({
    messages: z.record(
      z.string(),
      z.object({
        content: z.string().max(10_000).default(''),
        embeds: z
          .array(z.object({ url: z.string().max(4_000).optional() }).passthrough())
          .max(10)
          .default([]),
      }),
    ),
  }),
});
/** Application command types: 3 is a message context-menu command. */
const MESSAGE_COMMAND = 3;
const componentDataSchema = z.object({ custom_id: z.string() });
const focusedOptionSchema = z.object({ options: z.array(z.object({ focused: z.boolean().optional() }).passthrough()).optional() });

type Payload = z.infer<typeof interactionSchema>;

/** The interaction, reduced as the router reads it; a string says why the payload is not one paperboy answers. */
function toInteraction(p: Payload): InteractionIn | string {
  const user = p.member?.user.id ?? p.user?.id;
  if (!user) return 'the interaction names no user';
  const origin = {
    id: p.id,
    user,
    channelId: p.channel_id ?? p.channel?.id ?? null,
    guildId: p.guild_id ?? null,
    permissions: p.guild_id && p.member?.permissions !== undefined ? BigInt(p.member.permissions) : null,
  };
  if (p.type === InteractionType.ApplicationCommand || p.type === InteractionType.ApplicationCommandAutocomplete) {
    const data = commandDataSchema.safeParse(p.data);
    if (!data.success) return 'the command data is malformed';
    if (p.type === InteractionType.ApplicationCommand && data.data.type === MESSAGE_COMMAND) {
      const target = messageCommandSchema.safeParse(p.data);
      const message = target.success ? target.data.resolved.messages[target.data.target_id] : undefined;
      if (!message) return 'the message command names no message';
      return { ...origin, kind: 'message-command', commandName: data.data.name, message };
    }
    const subcommand = data.data.options?.[0];
    if (p.type === InteractionType.ApplicationCommand) return { ...origin, kind: 'command', commandName: data.data.name, subcommand };
    const sub = focusedOptionSchema.safeParse(subcommand);
    return { ...origin, kind: 'autocomplete', subcommand, focused: sub.success ? sub.data.options?.find((o) => o.focused === true) : undefined };
  }
  if (p.type === InteractionType.MessageComponent) {
    const data = componentDataSchema.safeParse(p.data);
    if (!data.success || !p.message) return 'the component data is malformed';
    return { ...origin, kind: 'button', customId: data.data.custom_id, messageId: p.message.id };
  }
  return `interaction type ${p.type} is not one paperboy answers`;
}

/**
 * Answers an HTTP interaction: the first answer (a reply, a deferral, autocomplete choices) is the HTTP response;
 * anything after it goes to the interaction webhook (`PATCH …/messages/@original`, follow-ups) through `rest`,
 * which never retries, so a lost answer is never posted twice.
 * https://discord.com/developers/docs/interactions/receiving-and-responding#followup-messages
 */
class HttpResponder implements InteractionResponder {
  deferred = false;
  replied = false;
  private answered = false;

  constructor(
    private readonly respond: (body: unknown) => Promise<void>,
    private readonly rest: REST,
    private readonly appId: string,
    private readonly token: string,
  ) {}

  private async initial(body: unknown): Promise<void> {
    if (this.answered) throw new Error('this interaction was answered already');
    this.answered = true;
    await this.respond(body);
  }

  async reply(m: DiscordMessage): Promise<void> {
    await this.initial({ type: InteractionResponseType.ChannelMessageWithSource, data: apiBody(m, true) });
    this.replied = true;
  }

  async defer(): Promise<void> {
    await this.initial({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: EPHEMERAL_FLAG } });
    this.deferred = true;
  }

  async choices(list: Array<{ name: string; value: string }>): Promise<void> {
    await this.initial({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: list } });
  }

  // NOTE: the interaction token is the credential of these calls, so they go without the bot token (as discord.js's own webhook calls do).
  async editOriginal(m: DiscordMessage): Promise<void> {
    await this.rest.patch(Routes.webhookMessage(this.appId, this.token, '@original'), { body: apiBody(m, false), auth: false });
    this.replied = true;
  }

  async followUp(m: DiscordMessage): Promise<void> {
    await this.rest.post(Routes.webhook(this.appId, this.token), { body: apiBody(m, true), auth: false });
  }

  async deleteOriginal(): Promise<void> {
    await this.rest.delete(Routes.webhookMessage(this.appId, this.token, '@original'), { auth: false });
  }
}

export interface InteractionsServerOptions {
  /** The application's public key (DISCORD_PUBLIC_KEY) as a key object. */
  key: KeyObject;
  appId: string;
  port: number;
  /** Interface to listen on; all interfaces by default (Discord must reach it), 127.0.0.1 in tests. */
  host?: string;
  route: InteractionRouter;
  /** Carries the webhook calls (edit the original, follow-ups): the adapter's REST, with its deadline and no retries. */
  rest: REST;
  logger: Logger;
  secrets: readonly string[];
  /** The clock stale timestamps are judged by (milliseconds). */
  now?: () => number;
}

/** The HTTP endpoint Discord posts interactions to. Nothing is answered before the signature is verified. */
export class InteractionsServer {
  private server: http.Server | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly opts: InteractionsServerOptions) {}

  get listening(): boolean {
    return this.server?.listening === true;
  }

  /** The port actually listened on (useful when configured as 0). */
  get port(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? (a as AddressInfo).port : undefined;
  }

  async start(): Promise<void> {
    const server = http.createServer(
      {
        requestTimeout: TIMEOUTS.requestMs,
        headersTimeout: TIMEOUTS.headersMs,
        keepAliveTimeout: TIMEOUTS.keepAliveMs,
        // NOTE: the two timeouts above are only checked this often (30 s by default).
        connectionsCheckingInterval: 1_000,
      },
      (req, res) => {
        this.handle(req, res).catch((e: unknown) => {
          this.opts.logger.error({ err: describeError(e, this.opts.secrets) }, 'a Discord interaction request failed');
          if (!res.headersSent) send(res, 500, { error: 'internal error' });
        });
      },
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** Stops listening, and waits a little for answers under way (a deferred answer's edit). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await within(closed, DRAIN_MS);
      server.closeAllConnections();
    }
    await within(Promise.allSettled([...this.pending]), DRAIN_MS);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== INTERACTIONS_PATH) return refuse(res, 404, 'not found');
    if (req.method !== 'POST') return refuse(res, 405, 'only POST', { allow: 'POST' });
    const body = await readBody(req, BODY_LIMIT);
    if (body === 'too large') return refuse(res, 413, 'body too large', { connection: 'close' });
    const check = verifyDiscordSignature({
      key: this.opts.key,
      body,
      timestamp: header(req, 'x-signature-timestamp'),
      signature: header(req, 'x-signature-ed25519'),
      nowMs: (this.opts.now ?? Date.now)(),
    });
    if (!check.ok) {
      this.opts.logger.warn({ reason: check.reason }, 'refused a Discord interaction request (signature)');
      return refuse(res, 401, 'invalid request signature');
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      return refuse(res, 400, 'the body is not JSON');
    }
    const payload = interactionSchema.safeParse(json);
    if (!payload.success) return refuse(res, 400, 'the body is not an interaction');
    if (payload.data.type === InteractionType.Ping) return send(res, 200, { type: InteractionResponseType.Pong });
    const interaction = toInteraction(payload.data);
    const token = payload.data.token;
    if (typeof interaction === 'string' || !token) return refuse(res, 400, typeof interaction === 'string' ? interaction : 'the interaction has no token');

    let answered: () => void = () => undefined;
    const first = new Promise<void>((resolve) => {
      answered = resolve;
    });
    const respond = async (out: unknown): Promise<void> => {
      if (res.destroyed) throw new Error('Discord closed the connection before the answer was ready');
      const sent = new Promise<void>((resolve, reject) => {
        res.once('finish', resolve);
        res.once('close', () => (res.writableFinished ? resolve() : reject(new Error('Discord closed the connection before the answer was sent'))));
      });
      send(res, 200, out);
      answered();
      if ((await within(sent, TIMEOUTS.requestMs)) === 'timeout') throw new Error('the answer could not be written to Discord in time');
    };
    const responder = new HttpResponder(respond, this.opts.rest, this.opts.appId, token);
    const handled = this.opts.route(interaction, responder).catch((e: unknown) => {
      this.opts.logger.error({ err: describeError(e, this.opts.secrets), interaction: interaction.id }, 'interaction handler failed');
    });
    this.pending.add(handled);
    void handled.finally(() => this.pending.delete(handled));
    await Promise.race([first, handled]);
    if (res.headersSent) return;
    // Nothing answered: a button that is not paperboy's is acknowledged without a change (type 6), as the gateway leaves it alone.
    if (interaction.kind === 'button') return send(res, 200, { type: InteractionResponseType.DeferredMessageUpdate });
    return refuse(res, 400, 'not a command paperboy answers');
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** A refusal: a short JSON reason, never a stack trace. */
function refuse(res: http.ServerResponse, status: number, reason: string, headers: Record<string, string> = {}): void {
  send(res, status, { error: reason }, headers);
}

/** The raw body (the signature covers its exact bytes), or 'too large' past `limit` bytes. */
async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) return 'too large';
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > limit) return 'too large';
    chunks.push(b);
  }
  return Buffer.concat(chunks, total);
}
